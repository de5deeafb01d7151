"""Fuzzing the engine with every registered rule: random text and random mutations of real training
code never let an exception escape, and every finding has a sane position."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dllint.engine import lint_bytes, lint_source
from dllint.registry import default_registry

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOOL_CODES = ("DL000", "DL001")

SNIPPET = '''\
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 2)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.fc(self.drop(F.relu(x)))


X = np.random.randn(100, 10)
X = (X - X.mean(0)) / X.std(0)
X_train, X_test = train_test_split(X)
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-2)
loader = DataLoader(X_train, batch_size=32, shuffle=True)
running_loss = 0
losses = []
for epoch in range(10):
    for xb, yb in loader:
        out = model(xb)
        loss = F.cross_entropy(F.softmax(out, dim=1), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        running_loss += loss
        losses.append(loss)
with torch.no_grad():
    acc = (model(X_test).argmax(1) == yb).float().mean()
    pred = model.forward(X_test).squeeze()
print(acc, running_loss / len(loader), sum(losses))
'''


def corpus_lines() -> list[str]:
    lines = SNIPPET.splitlines(keepends=True)
    for path in sorted((PROJECT_ROOT / "examples").glob("*.py")):
        lines += path.read_text(encoding="utf-8").splitlines(keepends=True)
    return lines


LINES = corpus_lines()
# Slices start at a top-level line, so that most mutants still parse and the rules get to run.
STARTS = [i for i, line in enumerate(LINES) if line[:1].isalpha() or line[:1] == "@"]
RULES = [cls() for cls in default_registry()]
TOKENS = ["(", ")", "[", "]", ":", "\n", "    ", "\t", "#", "'", '"', '"""', "\\", "=", "+=", ".",
          ",", "lambda", "def ", "for ", "in ", "with ", "if ", "else", "yield", "await ", "async ",
          "*", "**", "@", "loss", ".item()", ".backward()", "model", "eval()", "train()", "\x00",
          "\r\n", "\x0c", "\ufeff", "é", "torch", "import ", "from ", "noqa", "# noqa: DL101"]


def assert_sane(source: str | bytes) -> None:
    if isinstance(source, bytes):
        found = lint_bytes(source, "fuzz.py", RULES, enabled_tool_codes=TOOL_CODES)
    else:
        found = lint_source(source, "fuzz.py", RULES, enabled_tool_codes=TOOL_CODES)
    for d in found:
        assert d.code != "DL000", d.message
        assert d.line >= 1 and d.column >= 1, d
        assert (d.end_line, d.end_column) >= (d.line, d.column), d


@st.composite
def mutated_code(draw: st.DrawFn) -> str:
    """A slice of real training code, with lines dropped, duplicated, re-indented or cut, and
    random tokens spliced in."""
    start = draw(st.sampled_from(STARTS))
    length = draw(st.integers(1, 80))
    lines = LINES[start:start + length]
    for _ in range(draw(st.integers(0, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "dup", "indent", "dedent", "cut", "splice", "swap"]))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "indent":
            lines[i] = "    " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i].lstrip(" ")
        elif op == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(TOKENS)) + lines[i][at:]
    return "".join(lines)


def test_snippet_is_linted_with_findings() -> None:
    """The seed code is real enough that rules fire on it: the fuzzing exercises their code paths."""
    found = lint_source(SNIPPET, "fuzz.py", RULES, enabled_tool_codes=TOOL_CODES)
    assert "DL001" not in {d.code for d in found}
    assert len({d.code for d in found}) >= 2, found


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated_code())
def test_mutated_training_code_never_crashes(source: str) -> None:
    assert_sane(source)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(TOKENS) | st.text(max_size=8), max_size=40).map("".join))
def test_token_soup_never_crashes(source: str) -> None:
    assert_sane(source)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(data: bytes) -> None:
    assert_sane(data)


@pytest.mark.parametrize("cut", range(0, len(SNIPPET), 97))
def test_every_truncation_of_the_snippet(cut: int) -> None:
    assert_sane(SNIPPET[:cut])
