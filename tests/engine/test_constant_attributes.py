"""An attribute set to one literal in ``__init__`` and by nothing else is that constant in the
class's methods (fourteenth audit, cause DZ): a branch it never lets run makes no finding, and
anything that may set the attribute otherwise keeps the branch live."""

from __future__ import annotations

from pathlib import Path

import pytest

from dllint.engine import lint_source
from dllint.registry import default_registry

# The branch reads the weight's norm through ``.data`` and scales the input by it: a finding where
# it runs (a norm read only to renormalise the weight in place would be the read half of weight
# surgery, silent wherever it runs: DL102's DZ example).
BASE = '''\
import torch
import torch.nn as nn


class DistLinear(nn.Module):
    def __init__(self, indim, outdim):
        super().__init__()
        self.L = nn.Linear(indim, outdim, bias=False)
        self.class_wise_learnable_norm = True

    def forward(self, x):
        if not self.class_wise_learnable_norm:
            norm = torch.norm(self.L.weight.data, p=2, dim=1).unsqueeze(1)
            self.L.weight.data = self.L.weight.data.div(norm + 1e-5)
            x = x * norm.mean()
        return 2 * self.L(x)
'''


def _codes(source: str, path: str = "t.py") -> list[str]:
    rules = [default_registry().get("DL102")()]
    return [d.code for d in lint_source(source, path, rules)]


def test_a_branch_a_constant_attribute_never_takes_is_not_reported() -> None:
    assert _codes(BASE) == []
    assert _codes(BASE.replace("if not self.", "while not self.")) == []


@pytest.mark.parametrize("change", [
    lambda s: s.replace("norm = True", "norm = False"),
    lambda s: s.replace("norm = True", "norm = 1\n        self.class_wise_learnable_norm = 0"),
    lambda s: s.replace("    def forward", "    def set_norm(self, on):\n        self.class_wise_learnable_norm = on\n\n    def forward"),
    lambda s: s.replace("    def forward", "    def off(self):\n        self.class_wise_learnable_norm ^= True\n\n    def forward"),
    lambda s: s + "\nnet = DistLinear(4, 2)\nnet.class_wise_learnable_norm = False\n",
    lambda s: s + "\nnet = DistLinear(4, 2)\nfor k, v in opts.items():\n    setattr(net, k, v)\n",
    lambda s: s + "\nnet = DistLinear(4, 2)\nnet.__dict__.update(opts)\n",
    lambda s: s + "\n\nclass Other(DistLinear):\n    def __init__(self):\n        super().__init__(4, 2)\n        self.class_wise_learnable_norm = False\n",
    lambda s: s + "\nflip = getattr(net, 'class_wise_learnable_norm')\n",  # a mention not accounted for
    lambda s: s.replace("(nn.Module)", "(Base)"),  # a base whose methods may set it
    lambda s: s.replace("class_wise_learnable_norm", "training"),  # Module.train() sets it
    lambda s: s.replace("norm = True", "norm = norm_on"),
])
def test_anything_else_that_may_set_the_attribute_keeps_the_branch(change) -> None:
    assert _codes(change(BASE)) == ["DL102"]


def test_another_file_of_the_project_that_names_the_attribute_keeps_the_branch(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    model = tmp_path / "model.py"
    model.write_text(BASE)
    assert _codes(BASE, str(model)) == []
    (tmp_path / "run.py").write_text(
        "from model import DistLinear\nnet = DistLinear(4, 2)\nnet.class_wise_learnable_norm = False\n")
    from dllint.analysis.project import PROJECT

    PROJECT.clear()  # a fresh process's view of the project
    assert _codes(BASE, str(model)) == ["DL102"]
    (tmp_path / "run.py").write_text("import yaml\nfor k, v in yaml.safe_load(f).items():\n    setattr(net, k, v)\n")
    PROJECT.clear()
    assert _codes(BASE, str(model)) == ["DL102"]
    PROJECT.clear()
