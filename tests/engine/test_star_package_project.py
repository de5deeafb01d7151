"""A project model reached through ``from <package> import *`` (sixteenth audit, cause BH): the
package's ``__init__`` re-exports the class (``from jtnn_vae import JTNNVAE``, a Python 2 implicit
relative import, or ``from .jtnn_vae import JTNNVAE``), and a training script of another folder
does ``from jtnn import *``. The class's ``forward`` returns the loss and an accuracy made a Python
float with ``.item()``: adding the accuracy to a running total keeps no graph (DL101 silent), as it
is with an explicit ``from jtnn import JTNNVAE``. Reported when the forward returns the accuracy as
a graph tensor, when the package's ``__all__`` does not list the class (a library's star import
gives it then), and when the package re-exports the name from a library. A directory, and each
file alone, give the same findings."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_each_file, lint_findings, write_files  # noqa: E402

MODEL = """import torch
from torch import nn


class JTNNVAE(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.out = nn.Linear(hidden, 4)

    def forward(self, x, y):
        scores = self.out(x)
        loss = nn.functional.cross_entropy(scores, y)
        acc = scores.softmax(1).max(1)[0].mean()
        return loss, {accuracy}
"""

# a Python 2 script (a print statement), as the junction-tree VAE's are
SCRIPT = """import torch
{imports}

model = JTNNVAE(8)
model = model.cuda()
optimizer = torch.optim.Adam(model.parameters())
word_acc = 0
for x, y in batches:
    optimizer.zero_grad()
    loss, wacc = model(x, y)
    loss.backward()
    optimizer.step()
    word_acc += wacc
print "Word: %.2f" % word_acc
"""

IMPLICIT = "from jtnn_vae import JTNNVAE\n"
EXPLICIT = "from .jtnn_vae import JTNNVAE\n"
FLOAT = "acc.item()"
GRAPH = "acc"


@pytest.mark.parametrize("init, accuracy, imports, reported", [
    # the accuracy is a float: nothing to report, whichever way the package re-exports the class
    (IMPLICIT, FLOAT, "from jtnn import *", False),
    (EXPLICIT, FLOAT, "from jtnn import *", False),
    (IMPLICIT + '__all__ = ["JTNNVAE"]\n', FLOAT, "from jtnn import *", False),
    (IMPLICIT, FLOAT, "from jtnn import JTNNVAE", False),
    # the twin: the forward returns the accuracy on the graph
    (IMPLICIT, GRAPH, "from jtnn import *", True),
    (EXPLICIT, GRAPH, "from jtnn import *", True),
    # the package's __all__ does not list the class: the library's star import gives it
    (IMPLICIT + '__all__ = ["Vocab"]\nVocab = list\n', FLOAT, "from zoo import *\nfrom jtnn import *", True),
    # the package re-exports a library's class of that name
    ("from zoo import JTNNVAE\n", FLOAT, "from jtnn import *", True),
])
def test_a_model_given_by_a_package_star_import(tmp_path, monkeypatch, capsys, init, accuracy, imports,
                                                reported):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / ".git").mkdir()
    script = SCRIPT.format(imports=imports)
    files = {
        "jtnn/__init__.py": init,
        "jtnn/jtnn_vae.py": MODEL.format(accuracy=accuracy),
        "molvae/vaetrain.py": script,
    }
    write_files(tmp_path, files)
    line = script.splitlines().index("    word_acc += wacc") + 1
    expected = {("molvae/vaetrain.py", line, "DL101")} if reported else set()
    assert lint_findings(capsys, "DL101", "--no-cache", ".") == expected
    assert lint_each_file(capsys, "DL101", files) == expected
