"""A helper of another module whose return value is one of its parameters left at its default:
the default is the helper's own expression, read in the helper's module (seventh audit: DL402
raised KeyError on cleanrl's ``def make_env(..., device=torch.device("cpu"))``, a node of
another file looked up in this file's index)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_each_file, lint_findings, write_files  # noqa: E402

FILES = {
    "setup.py": "",
    "helpers.py": (
        "import torch\n\n\n"
        "def evaluate(model, loader, device=torch.device(\"cpu\")):\n"
        "    return device\n"
    ),
    "main.py": (
        "import torch\n"
        "from helpers import evaluate\n\n"
        "model = torch.nn.Linear(2, 1)\n"
        "test_loader = [torch.zeros(1, 2)]\n"
        "best = None\n"
        "score = evaluate(model, test_loader)\n"
        "if best is None or score > best:\n"
        "    best = score\n"
        "    torch.save(model.state_dict(), \"best.pt\")\n"
    ),
}


def test_default_of_another_modules_helper_is_read_in_its_module(tmp_path, monkeypatch, capsys):
    write_files(tmp_path, FILES)
    monkeypatch.chdir(tmp_path)
    expected = {("main.py", 8, "DL402")}
    assert lint_findings(capsys, "DL402,DL000", "--no-cache", ".") == expected
    assert lint_each_file(capsys, "DL402,DL000", FILES) == expected


def test_internal_error_message_is_one_line():
    from dllint.engine import _one_line

    class Node:
        def __repr__(self) -> str:
            return "Call(\n    func=Name(\n)"

    assert _one_line(KeyError(Node())) == "Call( ..."
    assert len(_one_line(ValueError("x" * 500))) == 160
    assert _one_line(ValueError("plain")) == "plain"
