"""The closed world of models (issue 13): an unknown model of a program whose every buildable model
is mode-free computes the same in both modes; the same from the directory, file by file from the
CLI, and from flake8 (one process per file or one for all). A mode-dependent class, a library model
or a whole-model load that the program can reach brings the finding back; another program of the
same repository does not."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
import world_project  # noqa: E402  (the fixture project's files)
from project_lint import flake8_each_file, lint_each_file, lint_findings, write_files  # noqa: E402

CODES = "DL301,DL302"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return world_project.write(tmp_path)


def _four_ways(capsys, root: Path) -> list[set[tuple[str, int, str]]]:
    PROJECT.clear()
    found = [lint_findings(capsys, CODES, "--no-cache", ".")]
    found.append(lint_each_file(capsys, CODES, world_project.FILES))
    found.append(flake8_each_file(root, {"DL301", "DL302"}, world_project.FILES))
    PROJECT.clear()
    found.append(flake8_each_file(root, {"DL301", "DL302"}, world_project.FILES, clear=False))
    return found


def test_a_program_whose_models_are_all_mode_free(project, capsys):
    assert _four_ways(capsys, project) == [world_project.EXPECTED] * 4


def test_a_mode_dependent_class_the_program_can_build(project, capsys):
    nets = project / "nets.py"
    nets.write_text(nets.read_text().replace("act()]", "act(), nn.Dropout(0.1)]"))
    assert _four_ways(capsys, project) == [{world_project.EVALUATION}] * 4


def test_a_module_of_the_program_with_batch_norm(project, capsys):
    # the table may hand out the other program's CNN once nets.py imports it
    nets = project / "nets.py"
    nets.write_text("from other.cnn import CNN\n" + nets.read_text().replace(
        '"large": lambda: QNet([4, 256, 256, 2])', '"cnn": CNN'))
    assert _four_ways(capsys, project) == [{world_project.EVALUATION}] * 4


@pytest.mark.parametrize("imports, choice", [("import torchvision", '"resnet": torchvision.models.resnet18'),
                                             ("import torchvision as tv", '"resnet": tv.models.resnet18'),
                                             ("import torch", '"saved": lambda: torch.load("net.pt")'),
                                             ("import segmentation_models_pytorch as smp",
                                              '"seg": lambda: smp.Unet("resnet34")')])
def test_a_model_from_a_library_or_a_file(project, capsys, imports, choice):
    # each import alone: an import of an outside package (smp) opens the world by itself
    nets = project / "nets.py"
    nets.write_text(imports + "\n" + nets.read_text().replace('"large": lambda: QNet([4, 256, 256, 2])', choice))
    assert lint_findings(capsys, CODES, "--no-cache", ".") == {world_project.EVALUATION}


def test_a_state_dict_load_brings_no_model(project, capsys):
    main_py = project / "main.py"
    main_py.write_text(main_py.read_text().replace(
        "    opt = torch.optim", "    net.load_state_dict(torch.load('net.pt')['model'])\n    opt = torch.optim"))
    assert lint_findings(capsys, CODES, "--no-cache", ".") == world_project.EXPECTED


def _world(path: Path) -> bool:
    from dllint.analysis.model_world import ModelWorld
    PROJECT.clear()
    return PROJECT.context(path.resolve()).analysis(ModelWorld).mode_free


def test_the_fact_per_program(project):
    assert _world(project / "main.py") and _world(project / "nets.py")
    # evaluation.py is imported by main.py: its world is main.py's program
    assert _world(project / "evaluation.py")
    # other/cnn.py is a program of its own, with batch norm and dropout
    assert not _world(project / "other" / "cnn.py")


def test_a_library_module_gets_its_models_from_its_users(project):
    # modules of definitions only, with no program that imports them: their models come from
    # their users, outside the world
    (project / "main.py").unlink()
    (project / "report.py").write_text(
        "from evaluation import evaluate\nfrom nets import make_net\n\n\ndef default_net():\n"
        "    return make_net(\"small\")\n")
    assert not _world(project / "report.py")
    assert not _world(project / "evaluation.py")
    # a script that imports them closes the world again
    (project / "run.py").write_text("from report import default_net\n\nprint(default_net())\n")
    assert _world(project / "evaluation.py")


def test_a_program_that_imports_the_module_by_its_dotted_name(tmp_path, monkeypatch):
    # ``import lib.evaluation`` makes bad.py one of lib/evaluation.py's programs: its dropout
    # network may be the one evaluate() is given
    monkeypatch.chdir(tmp_path)
    write_files(tmp_path, {
        "pyproject.toml": "[project]\nname = \"lib\"\n",
        "lib/__init__.py": "",
        "lib/evaluation.py": world_project.FILES["evaluation.py"],
        "good.py": "import torch.nn as nn\n\nfrom lib.evaluation import evaluate\n\n"
                   "print(evaluate(nn.Sequential(nn.Linear(4, 2)), None))\n",
        "bad.py": "import torch.nn as nn\n\nimport lib.evaluation\n\n"
                  "print(lib.evaluation.evaluate(nn.Sequential(nn.Linear(4, 2), nn.Dropout(0.5)), None))\n",
    })
    assert _world(tmp_path / "good.py")
    assert not _world(tmp_path / "bad.py")
    assert not _world(tmp_path / "lib" / "evaluation.py")
    (tmp_path / "bad.py").unlink()
    assert _world(tmp_path / "lib" / "evaluation.py")


@pytest.mark.parametrize("old, new", [
    # spectral norm's power iteration runs in training mode only
    ("layers += [nn.Linear(sizes[j], sizes[j + 1]), act()]",
     "layers += [nn.utils.spectral_norm(nn.Linear(sizes[j], sizes[j + 1])), act()]"),
    # a switch that keeps a mode flag of its own, which forward may read
    ("    def forward(self, s):\n",
     "    def train(self, mode=True):\n        self.noisy = mode\n        return super().train(mode)\n\n"
     "    def forward(self, s):\n"),
])
def test_what_else_opens_the_world(project, capsys, old, new):
    nets = project / "nets.py"
    assert old in nets.read_text()
    nets.write_text(nets.read_text().replace(old, new))
    assert lint_findings(capsys, CODES, "--no-cache", ".") == {world_project.EVALUATION}


def test_what_keeps_the_world_closed(project):
    # a train(self, loss) that steps an optimiser is no mode switch (thirteenth audit, DN); a
    # command-line package hands out no model
    nets = project / "nets.py"
    nets.write_text(nets.read_text().replace(
        "    def forward(self, s):\n",
        "    def train(self, loss):\n        loss.backward()\n        return self\n\n    def forward(self, s):\n"))
    main_py = project / "main.py"
    main_py.write_text("import tyro\n" + main_py.read_text())
    assert _world(project / "main.py")
    nets.write_text(nets.read_text().replace("        loss.backward()\n", "        self.loss = loss\n"))
    assert not _world(project / "main.py")
