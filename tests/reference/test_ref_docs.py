"""docs/reference.md stays true: every Python example in it runs, and every public name it
documents exists in dlcheck.reference (so the user guide cannot drift from the code)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

import dlcheck.reference as reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "reference.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_examples_run() -> None:
    blocks = _blocks()
    assert len(blocks) >= 8  # one per module at least
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    printed = out.getvalue()
    # the outputs the documentation shows in comments are the ones the code prints
    for line in re.findall(r"^# (\d+ \(Linear\) -> .*?std=[\d.]+)", DOC.read_text(encoding="utf-8"), flags=re.M):
        assert line in printed
    assert "0.5000 (95% CI 0.4038 to 0.5962, wilson)" in printed
    assert "(700, 8) (100, 8) (200, 8)" in printed


@pytest.mark.parametrize("anchor", ["init", "norm", "optim", "regularize", "schedule", "lr_range", "stats", "data"])
def test_anchor_exists_for_rule_pages(anchor: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert f'<a id="{anchor}"></a>\n## {anchor}\n' in text


def test_documented_names_exist() -> None:
    text = DOC.read_text(encoding="utf-8")
    names = ("init", "norm", "optim", "regularize", "schedule", "stats", "data")
    for module in (getattr(reference, name) for name in names):
        for name in module.__all__:
            assert f"`{name}" in text or f"{name}(" in text, f"{module.__name__}.{name} is not documented"
