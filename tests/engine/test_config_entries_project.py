"""DL402 across modules: a split named by a configuration entry (``cfg.DATASET.TEST_SET``) is what
the project's configuration module and files set it to (:mod:`dllint.analysis.config_entries`;
fifteenth audit, cause ED: HRNet's yacs default ``'valid'``, ``'val2017'`` in every experiment
file). Reported when one of them sets a test split, when a module of the project writes one, and
when a configuration file is loaded that no file of the project shows (the key's name decides)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from dllint.analysis.project import PROJECT  # noqa: E402
from project_lint import lint_each_file, lint_findings, write_files  # noqa: E402

DEFAULT = (
    "from yacs.config import CfgNode as CN\n"
    "\n"
    "_C = CN()\n"
    "_C.DATASET = CN()\n"
    "_C.DATASET.ROOT = ''\n"
    "_C.DATASET.TRAIN_SET = 'train'\n"
    "_C.DATASET.TEST_SET = 'valid'\n"
    "\n"
    "def update_config(cfg, args):\n"
    "    cfg.defrost()\n"
    "    cfg.merge_from_file(args.cfg)\n"
    "    cfg.freeze()\n"
)
PACKAGE = "from .default import _C as cfg\nfrom .default import update_config\n"
TRAIN = (
    "import torch\n"
    "from config import cfg\n"
    "from config import update_config\n"
    "import dataset\n"
    "\n"
    "def main(args, model, train, validate, optimizer):\n"
    "    update_config(cfg, args)\n"
    "    valid_dataset = dataset.coco(cfg, cfg.DATASET.ROOT, cfg.DATASET.TEST_SET, False)\n"
    "    valid_loader = torch.utils.data.DataLoader(valid_dataset, batch_size=32)\n"
    "    best_perf = 0.0\n"
    "    for epoch in range(140):\n"
    "        train(model, optimizer, epoch)\n"
    "        perf_indicator = validate(valid_loader, model)\n"
    "        if perf_indicator >= best_perf:\n"
    "            best_perf = perf_indicator\n"
    "            torch.save(model.state_dict(), 'model_best.pth')\n"
)
EXPERIMENT = "DATASET:\n  ROOT: 'data/coco/'\n  TEST_SET: 'val2017'\n  TRAIN_SET: 'train2017'\n"
FILES = {"config/__init__.py": PACKAGE, "config/default.py": DEFAULT, "train.py": TRAIN,
         "experiments/coco.yaml": EXPERIMENT, "experiments/mpii.yaml": "DATASET:\n  TEST_SET: valid\n"}
REPORTED = {("train.py", 14, "DL402")}


def _lint(tmp_path, monkeypatch, capsys, files: dict[str, str]) -> set[tuple[str, int, str]]:
    write_files(tmp_path, {"setup.py": "", **files})
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    found = lint_findings(capsys, "DL402", "--no-cache", ".")
    # the same findings when each file is linted alone (pre-commit, an editor)
    assert lint_each_file(capsys, "DL402", sorted(files)) == found
    return found


def test_validation_split_named_by_a_test_set_key(tmp_path, monkeypatch, capsys):
    assert _lint(tmp_path, monkeypatch, capsys, FILES) == set()


@pytest.mark.parametrize("change, why", [
    ({"experiments/coco.yaml": EXPERIMENT.replace("val2017", "test2017")}, "a file sets a test split"),
    ({"config/default.py": DEFAULT.replace("'valid'", "'test'")}, "the default is the test split"),
    ({"tools/final.py": "from config import cfg\ncfg.DATASET.TEST_SET = 'test-dev2017'\n"},
     "a module of the project writes a test split"),
    ({"experiments/coco.yaml": "DATASET:\n  ROOT: 'data/coco/'\n", "experiments/mpii.yaml": "X: 1\n"},
     "a file is loaded and none of the project's sets the key"),
    ({"experiments/coco.yaml": EXPERIMENT.replace("'val2017'", "${SPLIT}")}, "a value that names no split"),
])
def test_reported_when_the_entry_may_hold_test_data(tmp_path, monkeypatch, capsys, change, why):
    assert _lint(tmp_path, monkeypatch, capsys, {**FILES, **change}) == REPORTED, why
