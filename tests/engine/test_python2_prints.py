"""A Python 2 file whose only Python 2 syntax is its print statements (most of them, in old training
code: issue 14, shubhamagarwal92/mmd) keeps its DL001 and is analysed with the prints read as calls,
on the same lines. Other Python 2 syntax leaves the file unread, as before."""

from __future__ import annotations

import pytest

from dllint.engine import lint_source
from dllint.registry import default_registry
from dllint.source import old_keywords_as_names, python2_prints_as_calls

TRAIN = """\
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5), nn.Linear(4, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)

def evaluate(model, loader):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for x, y in loader:
            total += model(x).sum().item()
    print "val", total
    return total

for epoch in range(10):
    for x, y in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    print "epoch %d" % epoch,
    evaluate(model, val_loader){resume}
"""


def _found(source: str) -> list[tuple[str, int]]:
    rules = [default_registry().get(code)() for code in ("DL302", "DL501")]
    return sorted((d.code, d.line) for d in lint_source(source, "t.py", rules))


def test_python2_prints_are_read_as_calls():
    assert _found(TRAIN.format(resume="")) == [("DL001", 13), ("DL302", 23)]


def test_python2_prints_resumed_training_is_silent():
    assert _found(TRAIN.format(resume="\n    model.train()")) == [("DL001", 13)]


@pytest.mark.parametrize("other", [
    "exec 'x = 1'\n",  # exec statement
    "try:\n    pass\nexcept ValueError, e:\n    pass\n",
    "raise ValueError, 'no'\n",
    "x = `y`\n",
    "x = 0777\n",
])
def test_other_python2_syntax_leaves_the_file_unread(other):
    source = TRAIN.format(resume="") + other
    assert [code for code, _ in _found(source)] == ["DL001"]


def test_a_python3_file_is_unchanged():
    assert python2_prints_as_calls("print('a')\nprint = 3\nprint.x\n") is None
    assert python2_prints_as_calls("x = 1\n") is None


@pytest.mark.parametrize("before, after", [
    ('print "a", b\n', 'print( "a", b)\n'),
    ("print\n", "print()\n"),
    ("if x: print x,  # c\n", "if x: print( x,)  # c\n"),
    ('print >>sys.stderr, "x"\n', 'print(   sys.stderr, "x")\n'),
    ('def f():\n    print "a" % (1,\n  2)\n    return 1\n', 'def f():\n    print( "a" % (1,\n  2))\n    return 1\n'),
    ("x = 1; print x; y = 2\n", "x = 1; print( x); y = 2\n"),
    ("print{1: 2}\n", "print({1: 2})\n"),
    # not a statement's first word: a string, an argument, an attribute
    ('s = "print x"\nf(print)\nprint y\n', 's = "print x"\nf(print)\nprint( y)\n'),
])
def test_print_statements_become_calls_on_the_same_lines(before, after):
    assert python2_prints_as_calls(before) == after
    assert after.count("\n") == before.count("\n")


def test_a_fix_is_not_offered_on_a_repaired_file():
    source = "import torch\nprint 'x'\nopt = torch.optim.Adam(m.parameters(), weight_decay=1e-4)\n"
    found = lint_source(source, "t.py", [default_registry().get("DL501")()])
    assert [(d.code, d.line) for d in found] == [("DL001", 2), ("DL501", 3)]
    assert all(d.fix is None for d in found)


# ``async`` as a name (PyTorch < 0.4 spelled ``non_blocking`` so): rejected since Python 3.7, read
# as ``async_`` (issue 14, zoogzog/chexnet: epochVal's graph per batch was never seen).
CHEXNET = """\
import torch


class ChexnetTrainer:
    def epochVal(model, dataLoader, loss):
        model.eval()
        lossVal = 0
        for i, (input, target) in enumerate(dataLoader):
            target = target.cuda(async=True)
{body}
        return lossVal
"""
WITHOUT_NO_GRAD = """\
            varInput = torch.autograd.Variable(input, volatile=True)
            varOutput = model(varInput)
            lossVal += loss(varOutput, target).item()"""
WITH_NO_GRAD = """\
            with torch.no_grad():
                varInput = torch.autograd.Variable(input, volatile=True)
                varOutput = model(varInput)
                lossVal += loss(varOutput, target).item()"""


def _found_303(source: str) -> list[tuple[str, int]]:
    rules = [default_registry().get("DL303")()]
    return sorted((d.code, d.line) for d in lint_source(source, "t.py", rules))


def test_async_keyword_argument_is_read_as_a_name():
    assert _found_303(CHEXNET.format(body=WITHOUT_NO_GRAD)) == [("DL001", 9), ("DL303", 11)]


def test_async_keyword_argument_with_no_grad_is_silent():
    assert _found_303(CHEXNET.format(body=WITH_NO_GRAD)) == [("DL001", 9)]


@pytest.mark.parametrize("before, after", [
    ("x.cuda(async=True)\n", "x.cuda(async_=True)\n"),
    ("y = x.to(d, async = True)\n", "y = x.to(d, async_ = True)\n"),
    ("def f(a, async=False, await=1):\n    return a\n", "def f(a, async_=False, await_=1):\n    return a\n"),
    ("flag = loader.async\n", "flag = loader.async_\n"),
])
def test_old_keywords_as_names(before, after):
    assert old_keywords_as_names(before) == after


@pytest.mark.parametrize("source", [
    "async def f(x):\n    await x\n    async with a as b:\n        pass\n",
    "x = f(flag == 1)\n",
    "s = 'x.cuda(async=True)'\n",  # in a string
])
def test_python3_async_is_unchanged(source):
    assert old_keywords_as_names(source) is None
