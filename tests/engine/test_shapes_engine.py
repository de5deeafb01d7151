"""The rank analysis on the control-flow graph: branches merge, loops reach a fixpoint, an if-test
narrows its true branch, asserts about a parameter's dim()/size()/shape give facts, and what
calling a model returns is read from its definition (this file or another module)."""
from __future__ import annotations

import random

import libcst as cst
import pytest

from dllint.analysis.pmap import EMPTY
from dllint.analysis.shapes import Shapes
from dllint.context import FileContext

HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def _dims(source: str):
    """The dims of the last expression statement of ``source`` (None: unknown)."""
    source = HEADER + source
    ctx = FileContext("x.py", source, cst.parse_module(source))
    shape = ctx.analysis(Shapes).shape_of(ctx.index.of_type(cst.Expr)[-1].value)
    return None if shape is None else shape.dims


def _rank(source: str):
    dims = _dims(source)
    return None if dims is None else len(dims)


def test_branches_merge_only_what_both_paths_agree_on():
    both = "def f(x, c):\n    if c:\n        y = x.view(-1, 1)\n    else:\n        y = x.reshape(-1, 1)\n    y\n"
    assert _rank(both) == 2
    differ = "def f(x, c):\n    if c:\n        y = x.view(-1)\n    else:\n        y = x.view(-1, 1)\n    y\n"
    assert _rank(differ) is None
    one_side = "def f(x, c):\n    if c:\n        y = x.view(-1)\n    y\n"
    assert _rank(one_side) is None
    sizes = "def f(c):\n    y = torch.ones(4, 1) if c else torch.ones(5, 1)\n    y\n"
    assert _dims(sizes) == (None, 1)


def test_loops_reach_a_fixpoint():
    # the rank changes around the loop: unknown after it, and at the top of the body
    grows = "def f(x, n):\n    x = x.view(-1)\n    for _ in range(n):\n        x = x.unsqueeze(0)\n    x\n"
    assert _rank(grows) is None
    kept = ("def f(x, n):\n    x = x.view(-1, 1)\n    while n:\n        x = x * 2\n"
            "        n -= 1\n    x\n")
    assert _rank(kept) == 2
    broken = ("def f(x, xs):\n    y = x.view(-1, 1)\n    for z in xs:\n        if z:\n"
              "            break\n        y = z\n    y\n")
    assert _rank(broken) is None


def test_an_if_test_narrows_its_true_branch():
    assert _rank("def f(x):\n    if x.dim() == 2:\n        x\n") == 2
    assert _rank("def f(x):\n    if x.dim() == 2:\n        pass\n    x\n") is None


@pytest.mark.parametrize("check, dims", [
    ("x.dim() == 2 and y.dim() == 1", 2),
    ("x.size() == (b, 1)", ("b", 1)),
    ("x.shape == y.shape", ("n",)),
    ("len(x.size()) == 3", 3),
])
def test_asserts_about_parameters(check, dims):
    got = _dims(f"def f(x, y, b):\n    y = torch.zeros(n)\n    assert {check}\n    x\n")
    if isinstance(dims, int):
        assert got is not None and len(got) == dims
    else:
        assert got == dims


def test_an_asserted_size_of_a_known_rank():
    assert _dims("def f(x):\n    assert x.dim() == 2\n    assert x.size(1) == 1\n    x\n")[1] == 1
    assert _dims("def f(x):\n    assert x.ndim == 3 and x.shape[-1] == 4\n    x\n")[2] == 4


def test_model_outputs_from_their_definition():
    lin = "model = nn.Linear(8, 1)\nmodel(torch.ones(5, 8))\n"
    assert _dims(lin) == (5, 1)
    seq = "m = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid())\nm(q)\n"
    assert _rank(seq) == 2 and _dims(seq)[1] == 1
    klass = ("class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
             "        self.fc = nn.Linear(3, 1)\n    def forward(self, x):\n"
             "        h = torch.relu(x)\n        return self.fc(h).view(-1)\n"
             "def f(x):\n    net = Net().to('cpu')\n    net(x)\n")
    assert _rank(klass) == 1
    moved = "model = nn.Linear(8, 1)\nmodel = model.cuda()\nmodel(q).squeeze()\n"
    assert _rank(moved) == 1


def test_model_outputs_that_stay_unknown():
    assert _rank("model = nn.Conv2d(3, 8, 3)\nmodel(q)\n") is None
    assert _rank("def f(model, x):\n    model(x)\n") is None
    assert _rank("model = torch.load('m.pt')\nmodel(q)\n") is None
    # two definitions that disagree
    assert _rank("if c:\n    m = nn.Linear(3, 1)\nelse:\n    m = nn.Conv1d(3, 1, 1)\nm(q)\n") is None
    # a forward whose returns disagree on the rank
    two = ("class Net(nn.Module):\n    def forward(self, x, flat):\n        if flat:\n"
           "            return x.view(-1)\n        return x.view(-1, 1)\nNet()(q)\n")
    assert _rank(two) is None
    # a forward that calls its own class: no endless summary
    loop = ("class Net(nn.Module):\n    def forward(self, x):\n        return self(x)\n"
            "    def step(self, x):\n        self(x)\n")
    assert _rank(loop) is None


def test_the_leading_minus_one_of_a_view_in_forward_is_the_batch():
    src = "class D(nn.Module):\n    def forward(self, out):\n        g = out.view(-1, 4, 1, 3)\n        g\n"
    assert _dims(src)[0] == "#batch"
    assert _dims("def f(out):\n    g = out.view(-1, 4, 1, 3)\n    g\n")[0] != "#batch"


def test_a_long_module_of_bindings_is_linear_in_memory():
    # each binding shares all but one path of the environment with the one before it
    lines = "".join(f"h{i} = torch.zeros({i % 7 + 1}, 2)\n" for i in range(3000))
    source = HEADER + lines + "h2999\n"
    ctx = FileContext("x.py", source, cst.parse_module(source))
    assert ctx.analysis(Shapes).shape_of(ctx.index.of_type(cst.Expr)[-1].value).dims == (4, 2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_persistent_map_matches_a_dict(seed):
    rng = random.Random(seed)
    keys = [f"k{i}" for i in range(200)] + [(1, i) for i in range(30)]
    pmap, plain, snapshots = EMPTY, {}, []
    for step in range(4000):
        key = rng.choice(keys)
        if rng.random() < 0.3:
            pmap, _ = pmap.delete(key), plain.pop(key, None)
        else:
            value = rng.randrange(4)
            pmap, plain[key] = pmap.set(key, value), value
        if step % 500 == 0:
            snapshots.append((pmap, dict(plain)))
    assert dict(pmap.items()) == plain and len(pmap) == len(plain)
    for old, expected in snapshots:  # earlier versions are unchanged
        assert dict(old.items()) == expected
    (a, da), (b, db) = snapshots[-1], snapshots[-2]
    met = a.merge(b, lambda k, x, y: x if x == y else None)
    assert dict(met.items()) == {k: v for k, v in da.items() if db.get(k, -1) == v}
    union = a.merge(b, lambda k, x, y: x, lambda k, v: v)
    assert set(dict(union.items())) == set(da) | set(db)
    assert a.same(a.set("new", 1).delete("new")) and not a.same(a.set("new", 1))


def test_a_long_sum_of_model_outputs_does_not_recurse():
    from dllint.testing import lint_snippet
    source = ("import torch\nmodel = torch.nn.Linear(4, 1)\nx = torch.zeros(8, 4)\nt = torch.zeros(8)\n"
              "y = " + " + ".join(["model(x)"] * 1000) + " - t\n")
    found = lint_snippet(source, ["DL201", "DL202"])
    assert [(d.code, d.line) for d in found] == [("DL201", 5)]


LOADER = ("from torch.utils.data import DataLoader, Dataset, TensorDataset\n"
          "X = torch.randn(100, 3)\n"
          "y = torch.randn(100)\n"
          "class Items(Dataset):\n"
          "    def __getitem__(self, i):\n"
          "        return torch.zeros(4, 2), float(i), torch.tensor([float(i)])\n")


@pytest.mark.parametrize("loop, expected", [
    # A TensorDataset's samples drop the tensors' first dimension; the loader stacks them.
    ("for xb, yb in DataLoader(TensorDataset(X, y), batch_size=8):\n    yb\n", 1),
    ("for xb, yb in DataLoader(TensorDataset(X, y), batch_size=8):\n    xb\n", 2),
    ("ds = TensorDataset(X, y.view(-1, 1))\ndl = DataLoader(ds, batch_size=8)\n"
     "for i, (xb, yb) in enumerate(dl):\n    yb.float()\n", 2),
    # A data set class: each part of __getitem__'s tuple, one dimension more.
    ("for a, b, c in DataLoader(Items(), batch_size=8):\n    a\n", 3),
    ("for a, b, c in DataLoader(Items(), batch_size=8):\n    b\n", 1),
    ("for a, b, c in DataLoader(Items(), batch_size=8):\n    c\n", 2),
    # A call of a function of the file, or of a class without __getitem__, is no data set.
    ("def make():\n    return X\nds = make()\nfor a, b in DataLoader(ds, batch_size=8):\n    b\n",
     None),
    ("class Plain:\n    pass\nds = Plain()\nfor a, b in DataLoader(ds, batch_size=8):\n    b\n",
     None),
    # What the loader's batches cannot be known from: a collate function, no batching, a loader
    # bound differently on two paths, a tuple target of another length.
    ("for xb, yb in DataLoader(TensorDataset(X, y), batch_size=8, collate_fn=f):\n    yb\n", None),
    ("for xb, yb in DataLoader(TensorDataset(X, y), batch_size=None):\n    yb\n", None),
    ("dl = DataLoader(TensorDataset(X, y), batch_size=8)\nif c:\n"
     "    dl = DataLoader(TensorDataset(X, y.view(-1, 1)), batch_size=8)\n"
     "for xb, yb in dl:\n    yb\n", None),
    ("for a, b in DataLoader(Items(), batch_size=8):\n    b\n", None),
    # __getitem__ reads attributes that __init__ binds once: a row of each.
    ("class Rows(Dataset):\n    def __init__(self, n):\n        self.y = torch.randn(n, 3)\n"
     "    def __getitem__(self, i):\n        return self.y[i], self.y[i][0]\n"
     "for a, b in DataLoader(Rows(5), batch_size=8):\n    a\n", 2),
    ("class Rows(Dataset):\n    def __init__(self, n):\n        self.y = torch.randn(n, 3)\n"
     "    def __getitem__(self, i):\n        return self.y[i], self.y[i][0]\n"
     "for a, b in DataLoader(Rows(5), batch_size=8):\n    b\n", 1),
    # ... not one bound again elsewhere in the class, nor in a base of unknown code.
    ("class Rows(Dataset):\n    def __init__(self, n):\n        self.y = torch.randn(n, 3)\n"
     "    def reset(self):\n        self.y = None\n"
     "    def __getitem__(self, i):\n        return self.y[i], self.y[i]\n"
     "for a, b in DataLoader(Rows(5), batch_size=8):\n    a\n", None),
    ("class Rows(Base):\n    def __init__(self, n):\n        self.y = torch.randn(n, 3)\n"
     "    def __getitem__(self, i):\n        return self.y[i], self.y[i]\n"
     "for a, b in DataLoader(Rows(5), batch_size=8):\n    a\n", None),
])
def test_a_loaders_batches_have_the_ranks_its_data_set_says(loop, expected):
    assert _rank(LOADER + loop) == expected


def test_the_batch_dimension_is_shared_by_the_values_of_one_batch():
    dims = _dims(LOADER + "for xb, yb in DataLoader(TensorDataset(X, y), batch_size=8):\n"
                 "    xb\n")
    other = _dims(LOADER + "for xb, yb in DataLoader(TensorDataset(X, y), batch_size=8):\n"
                  "    yb\n")
    assert dims[1] == 3 and dims[0] == other[0] and isinstance(dims[0], str)


def test_a_tensor_built_from_a_list_of_known_values():
    assert _dims("def f(v):\n    torch.tensor([float(v)])\n") == (1,)
    assert _dims("def f(v, w):\n    torch.tensor([v.item(), w.item()])\n") == (2,)
    assert _dims("def f(v):\n    torch.tensor([v])\n") is None  # v may be an array


@pytest.mark.parametrize("source, dims", [
    # numpy builds the same array torch does from a list of numbers
    ("def f(a, b):\n    np.array([float(a), float(b)], dtype=np.float32)\n", (2,)),
    ("def f(a):\n    np.asarray([float(a)])\n", (1,)),
    # a comprehension of numbers: one dimension of unknown length
    ("def f(row):\n    np.array([float(v) for v in row[1:]])\n", (None,)),
    ("def f(line):\n    torch.tensor([float(v) for v in line.split()])\n", (None,)),
    ("def f(rows):\n    np.array([[float(r[0]), float(r[1])] for r in rows])\n", (None, 2)),
    ("def f(rows):\n    torch.tensor([(1, 2, 3) for r in rows])\n", (None, 3)),
    # a copy of an array of known rank
    ("y = torch.randn(7)\nnp.array(y)\n", (7,)),
    # what stays unknown: ndmin adds dimensions; rows of unknown lengths may be ragged; an
    # element of unknown shape; a loop variable that shadows a known name
    ("np.array([1.0, 2.0], ndmin=2)\n", None),
    ("def f(rows):\n    np.array([[float(v) for v in r] for r in rows])\n", None),
    ("def f(rows):\n    np.array([r for r in rows])\n", None),
    ("y = torch.randn(3)\ndef f(rows):\n    np.array([y for y in rows])\n", None),
    ("def f(rows):\n    np.array([(n := float(r)) for r in rows])\n", None),
])
def test_an_array_built_from_a_list_of_numbers(source, dims):
    assert _dims("import numpy as np\n" + source) == dims


def test_a_data_set_of_number_lists_gives_batches_of_rows():
    source = (LOADER + "import numpy as np\n"
              "class Lines(Dataset):\n    def __getitem__(self, i):\n"
              "        row = self.rows[i]\n"
              "        return np.array([float(v) for v in row[:-1]]), np.array([float(row[-1])])\n"
              "for xb, yb in DataLoader(Lines(), batch_size=8):\n    yb\n")
    dims = _dims(source)
    assert dims is not None and len(dims) == 2 and dims[1] == 1
    assert _dims(source.replace("batch_size=8", "batch_size=8, collate_fn=stack")) is None


def test_a_convolution_keeps_the_batch_and_gives_its_channels():
    # an input of known rank: batched (rank 4 for Conv2d) or not (rank 3)
    assert _dims("c = nn.Conv2d(3, 8, 3)\nc(torch.randn(4, 3, 16, 16))\n") == (4, 8, None, None)
    assert _dims("c = nn.Conv2d(3, 8, 3)\nc(torch.randn(3, 16, 16))\n") == (8, None, None)
    assert _dims("c = nn.Conv1d(3, 8, 3)\nc(torch.randn(4, 3, 16, 16))\n") is None  # raises
    assert _dims("c = nn.ConvTranspose1d(16, out_channels=2, kernel_size=3)\n"
                 "c(torch.randn(4, 16, 9))\n") == (4, 2, None)
    seq = "m = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 1, 1))\nm(torch.randn(2, 3, 8, 8))\n"
    assert _dims(seq) == (2, 1, None, None)
    # a module's forward: what its layers see is a batch; the out channels of a wrapper class
    # are bound by its constructor call
    head = ("class Head(nn.Module):\n    def __init__(self, k):\n        super().__init__()\n"
            "        self.conv = nn.Conv2d(64, k, kernel_size=1)\n"
            "    def forward(self, x):\n        return self.conv(x)\n")
    dims = _dims(head + "Head(1)(q)\n")
    assert dims is not None and len(dims) == 4 and dims[1:] == (1, None, None)
    assert _dims(head + "Head(n)(q)\n")[1:] == (None, None, None)
    # outside a module, an input of unknown rank may be unbatched: unknown
    assert _rank("c = nn.Conv2d(3, 8, 3)\ndef f(img):\n    c(img)\n") is None
