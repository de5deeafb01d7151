"""The rank analysis (dllint.analysis.shapes): what it knows, and what it must not claim."""
from __future__ import annotations

import libcst as cst
import pytest

from dllint.analysis.shapes import Shapes, broadcast, render_dims, same_dim, Shape
from dllint.context import FileContext


def _shapes(source: str):
    ctx = FileContext("x.py", source, cst.parse_module(source))
    return ctx, ctx.analysis(Shapes)


def _last_expr_shape(source: str):
    """The shape of the last expression statement of ``source``."""
    ctx, shapes = _shapes(source)
    expr = ctx.index.of_type(cst.Expr)[-1].value
    shape = shapes.shape_of(expr)
    return None if shape is None else shape.dims


HEADER = "import torch\nimport torch.nn.functional as F\n"


@pytest.mark.parametrize("body, dims", [
    ("torch.ones(16, 1)", (16, 1)),
    ("torch.zeros(n)", ("n",)),
    ("torch.randn((b, d))", ("b", "d")),
    ("torch.rand(size=(3, 4))", (3, 4)),
    ("torch.randint(0, 10, (n, 1))", ("n", 1)),
    ("torch.arange(n)", ("n",)),
    ("torch.linspace(0, 1, steps=5)", (5,)),
    ("torch.tensor([[1.0, 2.0], [3.0, 4.0]])", (2, 2)),
    ("torch.tensor(3.0)", ()),
    ("torch.eye(n)", ("n", "n")),
    ("torch.ones(4, 3).T", (3, 4)),
    ("torch.ones(4, 3)[:, None]", (4, 1, 3)),
    ("torch.ones(4, 3)[..., None]", (4, 3, 1)),
    ("torch.ones(4, 3)[:, 0]", (4,)),
    ("torch.ones(4, 3)[0]", (3,)),
    ("torch.ones(4, 3).unsqueeze(-1)", (4, 3, 1)),
    ("torch.ones(4, 1).squeeze(1)", (4,)),
    ("torch.ones(4, 1).squeeze()", (4,)),
    ("torch.ones(4, 3).view(12)", (12,)),
    ("torch.ones(n).view(-1, 1)", ("n", 1)),
    ("torch.ones(4, 3).sum(1)", (4,)),
    ("torch.ones(4, 3).sum(1, keepdim=True)", (4, 1)),
    ("torch.ones(4, 3).mean(dim=-1)", (4,)),
    ("torch.ones(4, 3).max(1)[0]", (4,)),
    ("torch.ones(4, 3).max(1).values", (4,)),
    ("torch.ones(4, 3).sum()", ()),
    ("torch.ones(4, 3) @ torch.ones(3, 1)", (4, 1)),
    ("torch.ones(4, 3) @ torch.ones(3)", (4,)),
    ("torch.ones(4, 3).float().cuda()", (4, 3)),
    ("torch.sigmoid(torch.ones(4))", (4,)),
    ("F.softmax(torch.ones(4, 2), dim=1)", (4, 2)),
    ("torch.sum(torch.ones(4, 3), dim=0)", (3,)),
    ("torch.ones(4, 3).permute(1, 0)", (3, 4)),
    ("torch.ones(2, 3, 4).flatten(1)", (2, None)),
    ("torch.ones(5) + torch.ones(5, 1)", (5, 5)),
    ("torch.ones(4).item()", ()),
    ("F.one_hot(torch.arange(n), num_classes=27)", ("n", 27)),
    ("torch.normal(0, 1, (n, 2))", ("n", 2)),
    ("torch.nn.Linear(3, 1)(torch.ones(4, 3))", (4, 1)),  # a linear layer maps the last size
    ("torch.nn.Linear(3, 1)(torch.ones(4, 5, 3))", (4, 5, 1)),
    ("torch.nn.Linear(3, 1)(torch.ones(4, 1)).squeeze()", (4,)),
])
def test_known_shapes(body, dims):
    got = _last_expr_shape(HEADER + f"n, b, d = 8, 2, 3\nn = q\nb = q\nd = q\n{body}\n")
    if dims and None in dims:
        assert got is not None and len(got) == len(dims)
        assert all(g == d for g, d in zip(got, dims) if d is not None)
    else:
        assert got == dims


@pytest.mark.parametrize("body", [
    "model(x)",                       # a model's output
    "torch.nn.Conv2d(3, 8, 3)(x)",     # a layer that does not say its output's rank
    "x",                              # a parameter
    "x.view(shape)",                  # a shape held in an unknown variable
    "torch.zeros(shape)",
    "torch.ones(4, 3).max(1)",        # (values, indices)
    "torch.ones(4, 3)[idx]",          # a tensor index: any rank
    "torch.ones(4, 3).std(1, True)",  # keepdim or unbiased? not told
    "x.sum(1)",
])
def test_unknown_shapes(body):
    assert _last_expr_shape(HEADER + f"def f(x, model, shape, idx):\n    {body}\n") is None


def test_shape_unpacking_gives_rank_and_sizes():
    dims = _last_expr_shape(HEADER + "def f(x):\n    b, c = x.shape\n    x\n")
    assert dims == ("b", "c")
    dims = _last_expr_shape(HEADER + "def f(x):\n    _, c, h, w = x.size()\n    x\n")
    assert dims is not None and dims[1:] == ("c", "h", "w")


@pytest.mark.parametrize("check", ["x.dim() == 2", "x.ndim == 2", "len(x.shape) == 2",
                                   "x.shape == (a, b)", "x.dim() == 2 and y is not None"])
def test_asserts_give_rank(check):
    dims = _last_expr_shape(HEADER + f"def f(x, y, a, b):\n    assert {check}\n    x\n")
    assert dims is not None and len(dims) == 2


def test_reassignment_kills_the_fact():
    assert _last_expr_shape(HEADER + "y = torch.randn(5)\ny = f(y)\ny\n") is None
    assert _last_expr_shape(HEADER + "y = torch.randn(5)\ny = y.unsqueeze(1)\ny\n") == (5, 1)


def test_facts_are_per_function_and_in_statement_order():
    source = HEADER + ("y = torch.randn(5)\n"
                       "def f(y):\n    y\n"
                       "y\n")
    ctx, shapes = _shapes(source)
    exprs = [e.value for e in ctx.index.of_type(cst.Expr)]
    assert shapes.shape_of(exprs[0]) is None  # the parameter shadows the module's y
    assert shapes.shape_of(exprs[1]).dims == (5,)
    source = HEADER + "y\ny = torch.randn(5)\ny\n"
    ctx, shapes = _shapes(source)
    exprs = [e.value for e in ctx.index.of_type(cst.Expr)]
    assert shapes.shape_of(exprs[0]) is None and shapes.shape_of(exprs[1]).dims == (5,)


def test_branches_join_to_what_both_agree_on():
    base = HEADER + "def f(c):\n    if c:\n        y = torch.ones(3)\n    else:\n        y = {}\n    y\n"
    assert _last_expr_shape(base.format("torch.ones(4)")) == (None,)
    assert _last_expr_shape(base.format("torch.ones(4, 1)")) is None
    assert _last_expr_shape(base.format("torch.ones(3)")) == (3,)


def test_loop_carried_values_are_merged():
    source = HEADER + ("def f():\n    y = torch.ones(3)\n    for i in range(3):\n"
                       "        y\n        y = y.unsqueeze(0)\n")
    assert _last_expr_shape(source) is None
    source = HEADER + "def f(loader):\n    y = torch.ones(3)\n    for y in loader:\n        y\n"
    assert _last_expr_shape(source) is None


def test_reduction_remembers_its_source_until_the_source_is_rebound():
    ctx, shapes = _shapes(HEADER + "def f(x):\n    assert x.dim() == 2\n    s = x.sum(1)\n    s\n"
                                   "    x = g()\n    s\n")
    exprs = [e.value for e in ctx.index.of_type(cst.Expr)]
    assert shapes.shape_of(exprs[0]).reduced_from == ("x", 1)
    assert shapes.shape_of(exprs[1]).reduced_from is None


def test_size_symbols_follow_rebinding():
    ctx, shapes = _shapes(HEADER + "def f(n):\n    y = torch.ones(n)\n    n = n + 1\n    y\n")
    expr = ctx.index.of_type(cst.Expr)[-1].value
    assert shapes.shape_of(expr).dims == (None,)


def test_names_inside_comprehensions_are_not_the_outer_names():
    dims = _last_expr_shape(HEADER + "y = torch.ones(3)\n[y for y in range(3)]\n")
    assert dims is None
    ctx, shapes = _shapes(HEADER + "y = torch.ones(3)\nz = [y + 1 for y in range(3)]\n")
    inner = [n for n in ctx.index.of_type(cst.Name) if n.value == "y"][1]
    assert shapes.shape_of(inner) is None


def test_files_without_torch_or_numpy_are_not_analysed():
    ctx, shapes = _shapes("y = torch.ones(3)\ny\n")
    assert not shapes.enabled and shapes.shape_of(ctx.index.of_type(cst.Expr)[-1].value) is None


def test_numpy_constructors():
    assert _last_expr_shape("import numpy as np\nnp.zeros((4, 1))\n") == (4, 1)
    assert _last_expr_shape("import numpy as np\nnp.random.randn(4, 2).sum(axis=1)\n") == (4,)


def test_helpers():
    assert same_dim("n", "n") and not same_dim(None, None) and not same_dim(1, "1")
    assert broadcast(Shape((5,)), Shape((5, 1))).dims == (5, 5)
    assert broadcast(Shape(("n", "d")), Shape(("d",))).dims == ("n", "d")
    assert render_dims(("n", 1)) == "(n, 1)" and render_dims(("n",)) == "(n,)"
    assert render_dims(("#3:0",)) == "(?,)"


def _shape_in_function(source: str):
    ctx, shapes = _shapes(HEADER + source)
    expr = ctx.index.of_type(cst.Expr)[-1].value
    shape = shapes.shape_of(expr)
    return None if shape is None else shape.dims


def test_globals_bound_once_are_known_inside_functions():
    assert _shape_in_function("n = 100\nX = torch.randn(n, 3)\ndef f():\n    X\n") == (100, 3)
    assert _shape_in_function("def f():\n    X\nX = torch.randn(m, 3)\n") == ("m", 3)


def test_globals_that_may_change_are_not():
    # Bound twice at module level.
    assert _shape_in_function("X = torch.randn(4, 3)\nX = X.T\ndef f():\n    X\n") is None
    # Bound by the function itself, even after the use.
    assert _shape_in_function("X = torch.randn(4, 3)\ndef f():\n    X\n    X = g()\n") is None
    # Declared global somewhere.
    assert _shape_in_function("X = torch.randn(4, 3)\ndef g():\n    global X\n    X = 1\n"
                              "def f():\n    X\n") is None
    # A closure over the enclosing function's X, not the global one.
    assert _shape_in_function("X = torch.randn(4, 3)\ndef outer(X):\n    def f():\n        X\n"
                              "    return f\n") is None


def test_global_sizes_named_by_a_local_are_forgotten():
    assert _shape_in_function("X = torch.randn(m, 3)\ndef f(m):\n    X\n") == (None, 3)


def test_in_place_updates_keep_a_global_tensor_known_but_not_a_global_int():
    assert _shape_in_function("w = torch.zeros(4, 1)\nw -= 0.1 * w\ndef f():\n    w\n") == (4, 1)
    assert _shape_in_function("n = 3\nn += 1\ndef f():\n    torch.ones(n)\n") == ("n",)


def _last_shape(source: str):
    ctx, shapes = _shapes(source)
    return shapes.shape_of(ctx.index.of_type(cst.Expr)[-1].value)


@pytest.mark.parametrize("body, marked", [
    ("x[:, None]", True),
    ("x[:, np.newaxis]", True),
    ("x.unsqueeze(1)", True),
    ("torch.unsqueeze(x, 1)", True),
    ("np.expand_dims(x, 1)", True),
    ("x[:, None].float()", True),  # a cast keeps what the author wrote
    ("x.view(-1, 1)", False),
    ("x.reshape(8, 1)", False),
    ("torch.ones(8, 1)", False),
    ("x[:, None] + 1", False),  # arithmetic makes a new value
    ("x[:, None].T", False),
])
def test_new_axis_fact(body, marked):
    shape = _last_shape("import torch\nimport numpy as np\nx = torch.ones(8)\n" + body + "\n")
    assert shape is not None and shape.new_axis is marked


def test_new_axis_fact_follows_the_reaching_definition_and_joins():
    base = "import torch\ndef f(flag):\n    x = torch.ones(8)\n"
    both = base + ("    if flag:\n        c = x[:, None]\n    else:\n        c = x.unsqueeze(1)\n"
                   "    c\n")
    one = base + ("    if flag:\n        c = x[:, None]\n    else:\n        c = x.view(8, 1)\n"
                  "    c\n")
    assert _last_shape(both).new_axis is True
    shape = _last_shape(one)
    assert shape.dims == (8, 1) and shape.new_axis is False


MODEL = ("import torch\nfrom torch import nn\nfrom torch.utils.data import DataLoader\n"
         "class Net(nn.Module):\n"
         "    def __init__(self):\n"
         "        super().__init__()\n"
         "        self.fc = nn.Linear(784, 10)\n"
         "    def forward(self, x):\n"
         "        return self.fc(x)\n"
         "model = Net()\n")


@pytest.mark.parametrize("loop, batch", [
    ("for X, y in test_loader:\n", True),
    ("for X, y in DataLoader(ds, batch_size=32):\n", True),
    ("for i, (X, y) in enumerate(tqdm(DataLoader(ds, 16))):\n", True),
    ("for X, y in DataLoader(ds):\n", False),  # batch size 1 by default
    ("for X, y in DataLoader(ds, batch_size=1):\n", False),
    ("for X, y in pairs:\n", False),  # not known as a loader
])
def test_a_model_called_on_a_loaders_batch_gives_a_batch(loop, batch):
    from dllint.analysis.shapes import is_batch_dim
    shape = _last_shape(MODEL + loop + "    model(X)\n")
    assert shape is not None and shape.rank == 2 and shape.dims[1] == 10
    assert is_batch_dim(shape.dims[0]) is batch


def test_batch_facts_follow_containers_and_moves():
    from dllint.analysis.shapes import is_batch_dim
    for body in ("    x, y = batch\n    model(x.to('cuda'))\n",
                 "    model(batch['image'])\n",
                 "    x = batch[0].float()\n    label = batch[1]\n    model(x)\n"):
        shape = _last_shape(MODEL + "for batch in train_loader:\n" + body)
        assert is_batch_dim(shape.dims[0]), body
    # batch[0] alone may be the first sample of a tensor batch: no claim.
    shape = _last_shape(MODEL + "for batch in train_loader:\n    model(batch[0])\n")
    assert not is_batch_dim(shape.dims[0])
    # Re-binding forgets it.
    shape = _last_shape(MODEL + "for X, y in train_loader:\n    X = X[0]\n    model(X)\n")
    assert shape is None or not is_batch_dim(shape.dims[0])


def test_tuple_assignment_reads_the_right_hand_side_before_binding():
    swapped = _last_shape("import torch\na = torch.ones(3)\nb = torch.ones(4, 1)\na, b = b, a\nb\n")
    assert swapped.dims == (3,)
    moved = _last_shape("import torch\nx = torch.ones(8, 2)\ny = torch.ones(8)\n"
                        "x, y = x.to('cuda'), y.float()\nx\n")
    assert moved.dims == (8, 2)
