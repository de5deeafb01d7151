"""DL402: a hold-out cut by a training routine from its own training rows, judged where a helper
decides on it (fifteenth audit, cause EB: MBPO's ``BNN._save_best(epoch, holdout_losses)``).
The helper's parameter is named holdout; every call of it in the project passes the losses on the
validation split that ``train()`` keeps back from its ``inputs``, so the parameter holds validation
data (``DataProvenance.passed_roles``). Reported when one call passes test data or a value of no
known part: the name then decides."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from dllint.analysis.project import PROJECT  # noqa: E402
from project_lint import lint_each_file, lint_findings, write_files  # noqa: E402

BNN = (
    "import numpy as np\n"
    "import torch\n"
    "\n"
    "class BNN:\n"
    "    def _save_best(self, epoch, holdout_losses):\n"
    "        if holdout_losses < self.best:\n"
    "            self.best = holdout_losses\n"
    "            torch.save(self.net.state_dict(), 'best.pt')\n"
    "\n"
    "    def train(self, inputs, targets, holdout_ratio=0.2):\n"
    "        n = int(inputs.shape[0] * holdout_ratio)\n"
    "        perm = np.random.permutation(inputs.shape[0])\n"
    "        inputs, holdout_inputs = inputs[perm[n:]], inputs[perm[:n]]\n"
    "        targets, holdout_targets = targets[perm[n:]], targets[perm[:n]]\n"
    "        for epoch in range(100):\n"
    "            loss = ((self.net(inputs) - targets) ** 2).mean()\n"
    "            loss.backward()\n"
    "            self.opt.step()\n"
    "            holdout_losses = ((self.net(holdout_inputs) - holdout_targets) ** 2).mean().item()\n"
    "            self._save_best(epoch, holdout_losses)\n"
)
FILES = {"models/__init__.py": "", "models/bnn.py": BNN,
         "main.py": "from models.bnn import BNN\nmodel = BNN()\nmodel.train(inputs, labels)\n"}
REPORTED = {("models/bnn.py", 6, "DL402")}


def _lint(tmp_path, monkeypatch, capsys, files: dict[str, str]) -> set[tuple[str, int, str]]:
    write_files(tmp_path, {"setup.py": "", **files})
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    found = lint_findings(capsys, "DL402", "--no-cache", ".")
    # the same findings when each file is linted alone (pre-commit, an editor)
    assert lint_each_file(capsys, "DL402", sorted(files)) == found
    return found


def test_helper_deciding_on_the_hold_out_of_the_training_rows(tmp_path, monkeypatch, capsys):
    assert _lint(tmp_path, monkeypatch, capsys, FILES) == set()


@pytest.mark.parametrize("extra, why", [
    ("import torch\nfrom torchvision import datasets\nfrom models.bnn import BNN\n"
     "test_set = datasets.MNIST('data', train=False)\n"
     "model = BNN()\nfor x, y in test_set:\n    model._save_best(0, model.net(x).sum().item())\n",
     "a call passes test data"),
    ("from models.bnn import BNN\nmodel = BNN()\nmodel._save_best(0, score)\n",
     "a call passes a value of no known part"),
])
def test_reported_when_a_call_may_pass_test_data(tmp_path, monkeypatch, capsys, extra, why):
    assert _lint(tmp_path, monkeypatch, capsys, {**FILES, "final.py": extra}) == REPORTED, why
