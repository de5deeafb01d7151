"""DL404's two facts of the seventh audit, asked directly: the size of a standard dataset split
(``dataset_sizes.dataset_size``, cause BC) and the loaders iterated only to show their last batch
(``evaluation_loaders.only_displayed``, cause BD)."""
from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from dllint.analysis.data import DataProvenance, last_name
from dllint.analysis.dataset_sizes import dataset_size
from dllint.analysis.evaluation_loaders import dropping_evaluation_loaders, only_displayed
from dllint.context import FileContext
from dllint.testing import lint_snippet


def _ctx(source: str) -> FileContext:
    source = textwrap.dedent(source)
    return FileContext("x.py", source, cst.parse_module(source))


def _sizes(source: str) -> dict[str, int | None]:
    """The size of the dataset of every ``DataLoader(...)`` call, by the name it is bound to."""
    ctx = _ctx(source)
    provenance = ctx.analysis(DataProvenance)
    out = {}
    for call in ctx.index.of_type(cst.Call):
        if last_name(call.func) == "DataLoader":
            target = ctx.index.parent(call).targets[0].target.value
            out[target] = dataset_size(ctx, provenance, call.args[0].value, call)
    return out


def test_sizes_of_standard_splits_follow_the_split_argument():
    sizes = _sizes("""
        import torchvision
        import torchvision.datasets as dset
        from torchvision.datasets import CIFAR100, SVHN, FashionMNIST
        from torch.utils.data import DataLoader
        mnist_test = dset.MNIST("./", train=False, download=True)
        a = DataLoader(mnist_test)
        b = DataLoader(dset.MNIST("./"))
        c = DataLoader(CIFAR100("data", False))
        d = DataLoader(SVHN("data", split="extra"))
        e = DataLoader(SVHN("data"))
        f = DataLoader(torchvision.datasets.KMNIST("k", train=True))
        g = DataLoader(FashionMNIST("f", train=False))
        alias = mnist_test
        h = DataLoader(alias)
    """)
    assert sizes == {"a": 10000, "b": 60000, "c": 10000, "d": 531131, "e": 73257, "f": 60000,
                     "g": 10000, "h": 10000}


def test_sizes_that_are_not_certain_are_unknown():
    sizes = _sizes("""
        import torchvision.datasets as dset
        from torch.utils.data import DataLoader, Subset
        from mylib import MNIST
        def make(flag, kwargs, fast):
            a = DataLoader(dset.MNIST("./", train=flag))
            b = DataLoader(dset.MNIST("./", **kwargs))
            c = DataLoader(Subset(dset.MNIST("./", train=False), range(100)))
            d = DataLoader(dset.EMNIST("./", split="digits", train=False))
            e = DataLoader(dset.QMNIST("./", train=False))
            f = DataLoader(MNIST("./", train=False))
            g = DataLoader(dset.SVHN("./", split=flag))
            data = dset.MNIST("./", train=False)
            if fast:
                data = dset.MNIST("./", train=True)
            h = DataLoader(data)
            i = DataLoader(flag)
            return a, b, c, d, e, f, g, h, i
    """)
    assert sizes == dict.fromkeys("abcdefghi")


def test_a_whole_number_of_batches_drops_nothing_and_a_remainder_is_counted():
    source = """
        import torch
        from torchvision import datasets
        batch_size = {bs}
        test_set = datasets.MNIST("data", train=False)
        test_loader = torch.utils.data.DataLoader(test_set, batch_size=batch_size, drop_last=True)
    """
    assert [found.dropped for found in dropping_evaluation_loaders(_ctx(source.format(bs=128)))] == [(16, 10000)]
    assert list(dropping_evaluation_loaders(_ctx(source.format(bs=100)))) == []
    assert list(dropping_evaluation_loaders(_ctx(source.format(bs=16)))) == []
    [finding] = lint_snippet(textwrap.dedent(source.format(bs=256)), ["DL404"])
    assert finding.message.endswith("(drop_last=True): 16 of its 10,000 instances are never evaluated")
    # a split chosen by a variable: unknown size, reported without a number
    [finding] = lint_snippet(textwrap.dedent(source.format(bs=100)).replace("train=False", "train=flag"),
                             ["DL404"])
    assert finding.message.endswith("(drop_last=True): those instances are never evaluated")


LOOP = """
    import torch
    test_loader = torch.utils.data.DataLoader(test_ds, batch_size=128, drop_last=True)
    total = 0
    {before}
    for i, (x, y) in enumerate(test_loader):
        out = model(x)
        {body}
    {after}
"""


@pytest.mark.parametrize("body, before, after, displayed", [
    ("pass", "", "show(out)", True),
    ("out = out.view(-1, 28, 28)", "", "", True),
    ("with torch.no_grad():\n            rec = decoder(out)", "", "", True),
    ("if i == 0:\n            first = out\n        else:\n            other = out", "", "", True),
    ("for k in range(3):\n            out[k, 0] = k", "", "", True),
    ("preds.append(out)", "preds = []", "", False),
    ("total += y.size(0)", "", "", False),
    ("total = total + y.size(0)", "", "", False),
    ("buf[i] = out", "buf = torch.zeros(100)", "", False),
    ("print(out.mean())", "", "", False),
    ("optimizer.step()", "", "", False),
    ("acc = metric(out, y)", "import torchmetrics\nmetric = torchmetrics.Accuracy()", "", False),
    ("self.last = out", "", "", False),
    ("while False:\n            pass", "", "", False),
    ("pass", "", "n = len(test_loader)", False),
    ("pass", "", "evaluate(model, test_loader)", False),
])
def test_loaders_iterated_only_for_their_last_batch(body, before, after, displayed):
    ctx = _ctx(LOOP.format(body=body, before=before.replace("\n", "\n    "), after=after))
    [call] = [c for c in ctx.index.of_type(cst.Call) if last_name(c.func) == "DataLoader"]
    assert only_displayed(ctx, ctx.analysis(DataProvenance), call) is displayed


def test_a_loader_never_iterated_here_or_not_bound_to_a_name_is_not_only_displayed():
    ctx = _ctx("""
        import torch
        test_loader = torch.utils.data.DataLoader(test_ds, batch_size=128, drop_last=True)
        loaders = {"test": torch.utils.data.DataLoader(test_ds, batch_size=128, drop_last=True)}
        for x, y in loaders["test"]:
            out = model(x)
    """)
    provenance = ctx.analysis(DataProvenance)
    calls = [c for c in ctx.index.of_type(cst.Call) if last_name(c.func) == "DataLoader"]
    assert [only_displayed(ctx, provenance, call) for call in calls] == [False, False]
