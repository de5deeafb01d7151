"""Tensor ranks and symbolic sizes, flow-sensitive per function, without running anything.

Broadcasting bugs (DL201) and batch-dimension bugs (DL202) need to know how many dimensions a
value has and, where the code says so, how large they are. This analysis reads that from what the
code states: shape unpacking (``b, c = x.shape``), ``view``/``reshape``/``unsqueeze``/``squeeze``/
``flatten``/``[:, None]``/``.T``, constructors (``torch.ones(16, 1)``, ``torch.randn(b, d)``,
``arange``, ``linspace``, ``torch.tensor([[..]])``), asserts (``assert x.dim() == 2``,
``x.ndim == 2``, ``x.shape == (a, b)``), reductions with ``dim``/``keepdim`` and matmul. Anything
else (a function's return value, a parameter, a model whose definition is not visible) has an
unknown rank, and rules must stay silent about it.

API, for any rule::

    shapes = ctx.analysis(Shapes)
    shapes.shape_of(expr) -> Shape | None   # Shape.dims: tuple of int | str | None; Shape.rank
    shapes.rank_of(expr) -> int | None      # 0 for Python numbers, ``.item()`` and 0-d tensors
    shapes.env_before(statement) -> Env     # .get(name) -> Shape | IntConst | SizeTuple there
    shapes.enabled                          # False when the file imports neither torch nor numpy

    Shape.lib            "torch" / "numpy" when the value is known to come from that library
    Shape.reduced_from   (name, dim) for ``name`` reduced over ``dim`` without keepdim
    same_dim(a, b), broadcast(a, b), render_dims(dims), opaque_names(*shapes), keepdim_of(call)

``expr`` must be a node of ``ctx.module`` (the answer depends on where it stands). Every answer is
computed from facts gathered once per file; a query costs a walk up to the enclosing statement.

A dimension is an ``int`` (a literal size), a ``str`` symbol (the source text of a size: ``"n"``,
``"args.batch_size"``; or an opaque ``"#..."`` for a size that is unknown but shared: ``x.sum(1)``
keeps the symbol of ``x``'s first dimension), or ``None`` (unknown, equal to nothing). Two
dimensions are known equal only when they are the same int or the same symbol (:func:`same_dim`).

Facts are tracked per scope (module level, each function, each class body) over its control-flow
graph (:mod:`dllint.analysis.cfg`), solved to a fixpoint (:mod:`dllint.analysis.solver`): a
re-assignment kills the old fact, where paths meet only what both agree on survives, and a loop's
facts are those that hold on every iteration. The environment is persistent
(:mod:`dllint.analysis.pmap`): keeping it before every statement costs linear time and space. A
function starts from the module's globals that are bound exactly once at module level (in-place
arithmetic aside) and that it does not bind itself: in a script or an exported notebook such a name
can only ever hold that one value. Only plain names are tracked (not ``self.x``). Calls of modules
read their definitions: ``nn.Linear(h, 1)`` gives ``(batch, 1)``, a class (of this file or another
module of the project) gives what its ``forward`` returns; see docs/engine.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Union

import libcst as cst

from dllint.analysis.callers import init_of
from dllint.analysis.cfg import Edge, Element, build_cfg
from dllint.analysis.imports import dotted_name
from dllint.analysis.pmap import EMPTY, PMap
from dllint.analysis.solver import PlainLattice, solve

if TYPE_CHECKING:
    from dllint.context import FileContext

Dim = Union[int, str, None]


# The output activations a module or function applies (the loss rules need to know them).
ACTIVATION_MODULES = {
    "torch.nn.Softmax": "softmax",
    "torch.nn.LogSoftmax": "log_softmax",
    "torch.nn.Sigmoid": "sigmoid",
}


@dataclass(frozen=True)
class Shape:
    """The known dimensions of a value; ``rank == 0`` for scalars (Python numbers, 0-d tensors)."""

    dims: tuple[Dim, ...]
    lib: str | None = None  # "torch" or "numpy" when the value is known to come from that library
    # (name, dim) when this value is ``name`` reduced over ``dim`` without keepdim.
    reduced_from: tuple[str, int] | None = None
    # Made by explicit new-axis indexing (``x[:, None]``, ``x[:, np.newaxis]``, ``x.unsqueeze(1)``,
    # ``np.expand_dims(x, 1)``), possibly through an element-wise function or a cast: the author
    # placed the singleton on purpose. Any other operation makes a value without this mark.
    new_axis: bool = False

    @property
    def rank(self) -> int:
        return len(self.dims)

    def render(self, names: dict[str, str] | None = None) -> str:
        return render_dims(self.dims, names)


@dataclass(frozen=True)
class IntConst:
    """A name bound to an integer literal: usable as a size."""

    value: int


@dataclass(frozen=True)
class SizeTuple:
    """A name bound to a shape (``s = x.shape``, ``s = (a, b)``): usable as a size argument."""

    dims: tuple[Dim, ...]


@dataclass(frozen=True)
class Batch:
    """A value drawn from a data loader (``for x, y in loader``, ``x, y = batch``, ``x.to(device)``
    of one): its rank is unknown, its first dimension is the batch. ``container``: it may be the
    loader's whole item, a ``(x, y)`` tuple or a dict whose items are batches."""

    container: bool = False
    # The batch's shape when the loader's data set says it (a ``TensorDataset`` of tensors of
    # known rank, a data set class whose ``__getitem__`` returns values of known rank).
    shape: Shape | None = None


@dataclass(frozen=True)
class Samples:
    """A data set whose items are tuples of values with these per-sample shapes (None: unknown),
    or a ``DataLoader`` over one (``loader``: it yields batches of several samples stacked by the
    default collate, each value one dimension more than a sample)."""

    shapes: tuple[Shape | None, ...]
    loader: bool = False


@dataclass(frozen=True)
class Frame:
    """A pandas DataFrame read or built here (``pd.read_csv(...)``, ``pd.DataFrame(...)``): not a
    shape (pandas aligns by labels, not by broadcasting), but one of its columns read by a
    string key and turned into an array (``df["price"].values``) is a vector."""


@dataclass(frozen=True)
class Instance:
    """An object of the class named ``name`` here (a top-level class of this module or one
    imported from another module of the project): ``self.prep = Preprocessing(args)``."""

    name: str


Fact = Union[Shape, IntConst, SizeTuple, Batch, Samples, Frame, Instance]
# In-place methods that change an array's or a tensor's rank.
_RESHAPE_IN_PLACE = frozenset({"unsqueeze_", "squeeze_", "resize_", "resize", "t_", "transpose_",
                               "swapdims_", "swapaxes_", "as_strided_", "set_"})
# pandas calls that make a DataFrame with one level of column labels by default.
_FRAME_MAKERS = frozenset({"pandas.read_csv", "pandas.read_table", "pandas.read_excel",
                           "pandas.read_parquet", "pandas.read_feather", "pandas.DataFrame"})
# DataFrame methods that return a DataFrame of the same columns (unless ``inplace=True``) or fewer.
_FRAME_METHODS = frozenset({"copy", "dropna", "drop", "fillna", "reset_index", "sample",
                            "sort_values", "drop_duplicates", "astype"})


@dataclass(frozen=True)
class ModelOutput:
    """What calling a module returns: the activation its last step applies ("softmax",
    "log_softmax", "sigmoid" or None) and its shape (None where the rank is unknown)."""

    activation: str | None
    shape: Shape | None


# A module's summary: (kind, what, activation). kind "layer": ``what`` is the size of the last
# dimension (``nn.Linear``); "conv": ``what`` is (spatial dimensions, out channels) of a
# convolution; "same": the output has the input's shape (an activation module);
# "class": ``what`` is the Shape its ``forward`` returns, or None.
Summary = tuple


class Env:
    """The facts at one program point: name -> Fact, persistent (a binding shares all but one
    path of the map with the state before it), and an index identifier -> the names whose facts
    mention it (symbolic sizes, reductions), so that re-binding a name re-checks only those."""

    __slots__ = ("facts", "deps")

    def __init__(self, facts: PMap = EMPTY, deps: PMap = EMPTY) -> None:
        self.facts = facts
        self.deps = deps

    def get(self, name: str, default: Fact | None = None) -> Fact | None:
        return self.facts.get(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self.facts

    def items(self):
        return self.facts.items()

    def same(self, other: "Env") -> bool:
        return self is other or (self.facts.same(other.facts) and self.deps.same(other.deps))


START = Env()

SCALAR = Shape(())
# The leading size of ``x.view(-1, ...)`` in a module's ``forward``: the batch.
BATCH = "#batch"
# The prefix of the leading size of a layer's output inside a module's methods: a batch, of a size
# known equal to nothing else (the input's rank is a guess, so no broadcast can be proved against
# it). Unlike BATCH it does not cross into a caller of the class, whose input may be a data set.
LAYER_BATCH = "#batch:layer"


def is_batch_dim(d: Dim) -> bool:
    """The leading size of a batch: ``x.view(-1, ...)`` in ``forward`` or a layer's output there."""
    return d == BATCH or (isinstance(d, str) and d.startswith(LAYER_BATCH))
# Layers that keep the shape of what they are given (the tail of an ``nn.Sequential``).
# Convolutions: (batch, channels, *spatial) -> (batch, out_channels, *spatial'); the number of
# spatial dimensions.
CONV_LAYERS = {
    f"torch.nn.{kind}{n}d": n
    for n in (1, 2, 3)
    for kind in ("Conv", "ConvTranspose", "LazyConv", "LazyConvTranspose")
}
_SHAPE_KEEPING_LAYERS = frozenset({
    "Sigmoid", "Tanh", "ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
    "Softplus", "Softmax", "LogSoftmax", "Dropout", "AlphaDropout", "Identity", "Hardtanh",
    "PReLU", "Hardsigmoid", "Hardswish", "LogSigmoid", "Softsign", "Tanhshrink",
})


def same_dim(a: Dim, b: Dim) -> bool:
    """Known to be the same size."""
    return a is not None and b is not None and type(a) is type(b) and a == b


def differs(a: Dim, b: Dim) -> bool:
    """Known to be different sizes (only literal sizes can be told apart)."""
    return isinstance(a, int) and isinstance(b, int) and a != b


def render_dims(dims: Iterable[Dim], names: dict[str, str] | None = None) -> str:
    """``(n, 1)``; opaque symbols print through ``names`` (see :func:`opaque_names`), else ``?``."""
    parts = []
    for d in dims:
        if d is None:
            parts.append("?")
        elif isinstance(d, str) and d.startswith("#"):
            parts.append((names or {}).get(d, "?"))
        elif isinstance(d, str) and d.startswith("@"):
            parts.append(d[1:])  # an __init__ parameter of the class: its name
        else:
            parts.append(str(d))
    if len(parts) == 1:
        return f"({parts[0]},)"
    return "(" + ", ".join(parts) + ")"


def opaque_names(*shapes: Shape) -> dict[str, str]:
    """Readable letters for the opaque sizes that occur more than once across ``shapes``."""
    counts: dict[str, int] = {}
    taken = set()
    for s in shapes:
        for d in s.dims:
            if isinstance(d, str):
                if d.startswith("#"):
                    counts[d] = counts.get(d, 0) + 1
                else:
                    taken.add(d)
    letters = [c for c in "nmdkpqrsuvw" if c not in taken]
    names = {}
    for d, c in counts.items():
        if c > 1 and letters:
            names[d] = letters.pop(0)
    return names


def broadcast(a: Shape | None, b: Shape | None) -> Shape | None:
    """The broadcast shape of two known shapes (right-aligned; unknown sizes stay unknown)."""
    if a is None or b is None:
        return None
    lib = a.lib or b.lib
    if a.rank < b.rank:
        a, b = b, a
    out = list(a.dims)
    offset = a.rank - b.rank
    for i, d in enumerate(b.dims):
        j = i + offset
        h = out[j]
        if same_dim(h, d) or d == 1:
            continue
        if h == 1:
            out[j] = d
        elif is_batch_dim(h) and is_batch_dim(d):
            continue  # two layers' outputs in a module's method: a batch either way
        else:
            out[j] = None
    return Shape(tuple(out), lib)


# -- what calls do to shapes --------------------------------------------------------------------

# Methods (and torch functions taking the tensor first) that keep the shape of their receiver.
SAME_SHAPE = frozenset({
    "float", "double", "half", "bfloat16", "long", "int", "short", "bool", "byte", "char", "to",
    "type", "cuda", "cpu", "detach", "clone", "contiguous", "abs", "exp", "log", "log1p", "expm1",
    "log2", "log10", "sigmoid", "tanh", "relu", "sqrt", "rsqrt", "neg", "negative", "square",
    "sin", "cos", "tan", "clamp", "clip", "clamp_min", "clamp_max", "round", "floor", "ceil",
    "trunc", "sign", "reciprocal", "requires_grad_", "softmax", "log_softmax", "masked_fill",
    "pin_memory", "logical_not", "isnan", "isinf", "isfinite", "erf", "nan_to_num", "detach_",
    "float_", "gelu", "silu", "elu", "leaky_relu", "softplus", "dropout", "normalize", "astype",
    "copy", "numpy", "zeros_like", "ones_like", "rand_like", "randn_like", "empty_like",
    "full_like", "bernoulli", "relu6", "hardtanh", "selu", "celu", "mish", "logsigmoid",
    "tanhshrink", "softsign", "sigmoid_", "exp_", "log_", "cumsum", "cumprod", "flip", "roll",
})
# Element-wise functions of two tensors (torch.add(a, b), a.add(b)).
BINARY = frozenset({
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "maximum", "minimum", "fmax", "fmin", "eq", "ne", "lt", "gt",
    "le", "ge", "greater", "less", "greater_equal", "less_equal", "not_equal", "atan2", "hypot",
    "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "xlogy",
})
# Reductions that take ``dim`` (numpy: ``axis``) and ``keepdim`` (numpy: ``keepdims``).
REDUCTIONS = frozenset({
    "sum", "mean", "std", "var", "prod", "amax", "amin", "logsumexp", "nansum", "nanmean",
    "norm", "argmax", "argmin", "all", "any", "count_nonzero", "max", "min", "median",
})
# Reductions that return (values, indices) when given a dim.
PAIR_REDUCTIONS = frozenset({"max", "min", "median", "mode", "kthvalue"})
# Reductions whose second positional argument is not keepdim (std(dim, unbiased, keepdim)).
_AMBIGUOUS_SECOND = frozenset({"std", "var", "norm"})

TORCH_SIZED = frozenset({"zeros", "ones", "empty", "rand", "randn"})
NUMPY_SIZED = frozenset({"zeros", "ones", "empty"})
NUMPY_VARARGS = frozenset({"random.rand", "random.randn"})
NUMPY_SIZE_KW = frozenset({"random.normal", "random.uniform", "random.randint", "random.random",
                           "random.standard_normal", "random.binomial", "random.choice"})
_LOADER_NAME = re.compile(r"loader", re.IGNORECASE)
# Calls that hand on a loader's items (``enumerate`` shifts them into the second place).
_LOOP_WRAPPERS = frozenset({"enumerate", "tqdm", "iter", "track", "progress_bar"})
# Splits that cut each array along its first dimension into a train and a test part.
_SPLITS = frozenset({"sklearn.model_selection.train_test_split",
                     "sklearn.cross_validation.train_test_split"})


def dataloader_batches(call: cst.Call, qualified: str | None) -> bool | None:
    """For a ``DataLoader(...)`` call: True when its batches may hold several samples, False when
    the batch size is 1 (written, or the default); None when the call is not a DataLoader."""
    name = qualified or dotted_name(call.func) or ""
    if not name.endswith("DataLoader"):
        return None
    size = _keyword(call, "batch_size")
    if size is None:
        positional = _positional(call) or []
        size = positional[1] if len(positional) > 1 else None
    if size is None and _keyword(call, "batch_sampler") is not None:
        return True
    return size is not None and _int_literal(size) != 1


_SHAPE_LIKE_NAME = re.compile(r"(^|_)(shape|size|sizes|dims|dim)$")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def _int_literal(node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.evaluated_value)
    if (isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus)
            and isinstance(node.expression, cst.Integer)):
        return -int(node.expression.evaluated_value)
    return None


def _positional(call: cst.Call) -> list[cst.BaseExpression] | None:
    """The positional argument values, or None when one is starred."""
    out = []
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            out.append(arg.value)
    return out


def _keyword(call: cst.Call, *names: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in names:
            return arg.value
    return None


def _is_true(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def _is_none(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def keepdim_of(call: cst.Call) -> bool | None:
    """True/False when a reduction call states keepdim (literally), None when it cannot be told."""
    kw = _keyword(call, "keepdim", "keepdims")
    if kw is not None:
        if isinstance(kw, cst.Name) and kw.value in ("True", "False"):
            return kw.value == "True"
        return None
    return False


def _normalize(d: int, rank: int) -> int | None:
    if d < 0:
        d += rank
    return d if 0 <= d < rank else None


_SCOPE_BREAKS = (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class Shapes:
    """Per-file rank facts; see the module docstring for the API."""

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        self._imports = ctx.imports
        self._env: dict[cst.CSTNode, Env] = {}  # statement -> facts at its start
        # Answers of shape_of, per statement: a rule asks about every operand of a chain
        # ``x + x + ... + x``, and each answer would otherwise evaluate its whole subtree again
        # (quadratic in the chain's length).
        self._answers: dict[cst.CSTNode, dict] = {}
        self._answering: dict | None = None
        self._nested: dict[cst.CSTNode, bool] = {}  # node -> inside a lambda or comprehension?
        self.enabled = False
        self._walrus: dict[cst.CSTNode, list[str]] = {}
        self._deferred: list[tuple[cst.FunctionDef, frozenset[str] | set[str]]] = []
        self._globals: Env = START
        # Names bound by the enclosing functions of the scope being run: closures, not globals.
        self._scope_excluded: frozenset[str] | set[str] = frozenset()
        self._seen_defs: set[cst.CSTNode] = set()
        # Summaries of model classes (what ``forward`` returns), per class; None: not known.
        self._class_outputs: dict[cst.ClassDef, Shape | None] = {}
        self._summarizing: set[cst.CSTNode] = set()
        # What a method or forward returns, element-wise, when it returns tuples; None: unknown.
        self._tuple_outputs: dict[cst.FunctionDef, tuple[Shape | None, ...] | None] = {}
        # What a data set class's __getitem__ returns, element-wise (with the class's attributes).
        self._item_outputs: dict[cst.ClassDef, tuple[Shape | None, ...] | None] = {}
        self._models = None
        # Names bound to a DataLoader anywhere in the file: whether its batches hold several
        # samples (a loader of batch size 1 is iterated sample by sample on purpose).
        self._loaders: dict[str, bool] = {}
        # A data set's samples matter only where a DataLoader batches them (the loader's name
        # ends in "DataLoader"): a file without one never looks up its calls' classes as data
        # sets, which read each imported class's module (a fifth of a lint of torch's sources).
        self._batches_data = "DataLoader" in ctx.source
        # Names read with a string key or a second index (``batch["x"]``, ``data[1]``): containers.
        self._indexed: set[str] = set()
        # The module's top-level classes by name (False: a function, or bound twice).
        self._top_level: dict[str, cst.ClassDef | bool] | None = None
        # Per class: its attributes bound once in the class, with what that binding says.
        self._attribute_facts: dict[cst.ClassDef, dict[str, Fact]] = {}
        # Per class whose bindings are being solved: the attributes read meanwhile and not known.
        self._attribute_misses: dict[cst.ClassDef, set[str]] = {}
        self._self_binding_index: "tuple[dict, dict] | None" = None
        # Attribute names bound on something other than ``self`` anywhere in the module.
        self._foreign_attributes: set[str] | None = None
        # Per (top-level function, parameter): the argument each of its call sites passes, when
        # every site is known and in this module; None otherwise.
        self._arguments: dict[tuple[cst.FunctionDef, str], list[tuple[cst.Call, cst.BaseExpression]] | None] = {}
        # The entry facts each top-level function was solved from (for the pass with its
        # parameters' facts).
        self._entries: dict[cst.FunctionDef, tuple[Env, frozenset[str] | set[str]]] = {}
        self._function_bindings: dict[cst.FunctionDef, dict[str, int]] = {}
        self._calls_by_name: dict[str, list[cst.Call]] | None = None
        self._local_sites: dict[cst.FunctionDef, bool] = {}

    @classmethod
    def compute(cls, ctx: "FileContext") -> "Shapes":
        shapes = cls(ctx)
        if ctx.imports.uses("torch", "numpy"):
            shapes.enabled = True
            shapes._find_loaders()
            for named in ctx.index.of_type(cst.NamedExpr):
                statement = ctx.index.statement_of(named)
                shapes._walrus.setdefault(statement, []).extend(_target_names(named.target))
            shapes._run_module()
        return shapes

    def _find_loaders(self) -> None:
        index = self.ctx.index
        for assign in index.of_type(cst.Assign):
            if not isinstance(assign.value, cst.Call):
                continue
            func = assign.value.func
            qualified = self._imports.qualify(func) if isinstance(func, (cst.Name, cst.Attribute)) \
                else None
            many = dataloader_batches(assign.value, qualified)
            if many is None:
                continue
            for target in assign.targets:
                name = dotted_name(target.target)
                if name is not None:
                    self._loaders[name] = self._loaders.get(name, True) and many
        for sub in index.of_type(cst.Subscript):
            if isinstance(sub.value, cst.Name) and len(sub.slice) == 1 \
                    and isinstance(sub.slice[0].slice, cst.Index):
                key = sub.slice[0].slice.value
                if isinstance(key, cst.SimpleString) or (
                        isinstance(key, cst.Integer) and key.value != "0"):
                    self._indexed.add(sub.value.value)

    def loader_target(self, iterable: cst.BaseExpression, target: cst.BaseExpression
                      ) -> cst.BaseExpression | None:
        """The part of a ``for`` target that receives a loader's batches (``for x, y in
        loader``, ``for i, (x, y) in enumerate(tqdm(loader))``, ``for b in DataLoader(ds, 32)``),
        or None: the iterable is not known as a loader of batches. A loader is a name bound to
        ``DataLoader(...)`` in the file, or an iterable named like one (``train_loader``,
        ``self.val_dataloader``); one of batch size 1 (written, or by default) is not."""
        for _ in range(8):
            if not isinstance(iterable, cst.Call) or not iterable.args:
                break
            func = iterable.func
            qualified = self._imports.qualify(func) if isinstance(func, (cst.Name, cst.Attribute)) \
                else None
            many = dataloader_batches(iterable, qualified)
            if many is not None:
                return target if many else None
            last = (qualified or dotted_name(func) or "").rsplit(".", 1)[-1]
            if last not in _LOOP_WRAPPERS:
                return None
            if last == "enumerate":
                if not isinstance(target, cst.Tuple) or len(target.elements) != 2:
                    return None
                target = target.elements[1].value
            iterable = iterable.args[0].value
        name = dotted_name(iterable)
        if name is None and isinstance(iterable, cst.Subscript):
            name = dotted_name(iterable.value)  # loaders["train"]
        if name is None:
            return None
        if name in self._loaders:
            return target if self._loaders[name] else None
        last = name.rsplit(".", 1)[-1]
        # ``self.train_data = DataLoader(...)`` read as ``train_data`` elsewhere, or the reverse.
        if any(self._loaders[k] for k in self._loaders if k.rsplit(".", 1)[-1] == last):
            return target
        return target if _LOADER_NAME.search(last) else None

    def _batch_value(self, node: cst.BaseExpression, env: Env) -> Batch | None:
        """What a loader's batch becomes: itself, ``x.to(device)``/``.float()`` of it, an item
        of a batch container (``batch["image"]``, ``data[0]`` where ``data[1]`` is read too)."""
        for _ in range(8):
            if isinstance(node, cst.Name):
                fact = env.get(node.value)
                return fact if isinstance(fact, Batch) else None
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                    and node.func.attr.value in SAME_SHAPE \
                    and self._imports.qualify(node.func) is None:
                node = node.func.value
                continue
            if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) \
                    and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                fact = env.get(node.value.value)
                key = node.slice[0].slice.value
                if isinstance(fact, Batch) and fact.container and (
                        isinstance(key, cst.SimpleString)
                        or (isinstance(key, cst.Integer) and node.value.value in self._indexed)):
                    return Batch()
            return None
        return None

    # -- queries ---------------------------------------------------------------------------------
    def env_before(self, statement: cst.CSTNode) -> Env:
        return self._env.get(statement, START)

    def shape_of(self, expr: cst.BaseExpression) -> Shape | None:
        """The shape of ``expr`` where it stands, or None when its rank is unknown."""
        if not self.enabled:
            return None
        statement = self.ctx.index.statement_of(expr)
        env = self._env.get(statement)
        if env is None:
            return None
        previous, self._answering = self._answering, self._answers.setdefault(statement, {})
        try:
            return self._eval(expr, env, self._in_nested_scope(expr, statement))
        finally:
            self._answering = previous

    def rank_of(self, expr: cst.BaseExpression) -> int | None:
        shape = self.shape_of(expr)
        return None if shape is None else shape.rank

    def _in_nested_scope(self, expr: cst.CSTNode, statement: cst.CSTNode) -> bool:
        # The answer is remembered for every node walked through: asked for each operand of an
        # expression nested n deep, the walks would cost n^2.
        memo = self._nested
        walked = []
        answer = False
        for node in self.ctx.index.ancestors(expr):
            known = memo.get(node)
            if known is not None:
                answer = known
                break
            if node is statement:
                break
            if isinstance(node, _SCOPE_BREAKS):
                answer = True
                break
            walked.append(node)
        for node in walked:
            memo[node] = answer
        return answer

    # -- scopes ----------------------------------------------------------------------------------
    def _run_module(self) -> None:
        """Module level first; then every function, starting from the facts of the module's
        globals that are bound exactly once (a function may run whenever, but such a name can only
        ever hold that one value) and that the function does not bind itself."""
        final = self._solve(self.ctx.module, START)
        counts = _binding_counts(self.ctx.module.body, self._walrus)
        declared = {n.name.value for g in self.ctx.index.of_type(cst.Global) for n in g.names}
        if self.ctx.index.of_type(cst.Match):
            declared.update(final.facts.keys())  # capture patterns bind names we do not count
        globals_ = {name: fact for name, fact in final.items()
                    if counts.get(name) == 1 and name not in declared
                    and (isinstance(fact, Shape) or f"+{name}" not in counts)}
        nonlocals: dict[cst.CSTNode | None, set[str]] = {}
        for g in self.ctx.index.of_type(cst.Nonlocal):
            nonlocals.setdefault(self.ctx.index.function_of(g), set()).update(
                n.name.value for n in g.names)
        start = START
        for name in sorted(globals_):
            start = _set(start, name, globals_[name])
        self._globals = start
        while self._deferred:
            function, outer = self._deferred.pop()
            local = set(_binding_counts(function.body, self._walrus))
            local.update(_param_names(function.params))
            local.update(nonlocals.get(function, ()))
            excluded = outer | local
            env = start
            if globals_:
                env = _kill(env, [name for name in excluded if name in globals_])
                for name in excluded:
                    env = _invalidate(env, name)
            self._scope_excluded = excluded
            if self.ctx.index.top_level(function):
                self._entries[function] = (env, excluded)
            self._solve(function, env)
        # A top-level function's parameters, from its callers: every call site (all in this
        # module) passes a loader or a tensor of the same known shape. The callers' facts are
        # those of the first pass, so this is one step deep; sizes other than literals are the
        # caller's and are dropped.
        for function in sorted(self._entries, key=self.ctx.index.order.__getitem__):
            env, excluded = self._entries[function]
            gained = False
            for name in _positional_param_names(function.params):
                fact = self._parameter_fact(function, name)
                if fact is not None:
                    env = _set(env, name, fact)
                    gained = True
            if gained:
                self._scope_excluded = excluded
                self._solve(function, env)

    def _solve(self, scope: cst.CSTNode, entry: Env, record: bool = True) -> Env:
        """Run the lattice over the scope's control-flow graph to a fixpoint; keep the facts
        before each statement (``record``); the state at the scope's normal end."""
        graph = build_cfg(scope)
        # the states before each statement are those of the solve's last visits (the loop below
        # reads them only): running the transfers again was two fifths of this analysis's
        solution = solve(graph, _ShapeLattice(self), entry, trace=record)
        if record:
            statement_of = self.ctx.index.statement_of
            for block in graph.blocks:
                for (kind, node), state in solution.states(block):
                    if kind == "stmt":
                        self._env[node] = state
                    elif kind != "exit":
                        self._env.setdefault(statement_of(node), state)
        return solution.exit_state or START

    # -- transfer over one element of a control-flow graph -----------------------------------------
    def transfer(self, element: Element, env: Env) -> Env:
        kind, node = element
        if kind == "stmt":
            return self._small(node, env)  # type: ignore[arg-type]
        if kind == "test":
            return self._kill_walrus(self.ctx.index.statement_of(node), env)
        if kind == "iter":
            return self._kill_walrus(node, env)
        if kind == "target":
            env = _kill(env, _target_names(node.target))  # type: ignore[attr-defined]
            batches = self.loader_target(node.iter, node.target)  # type: ignore[attr-defined]
            if batches is None:
                batches = _loader_part(node.iter, node.target, env)  # type: ignore[attr-defined]
            if isinstance(batches, cst.Name):
                return _set(env, batches.value, Batch(container=True))
            shaped = self._batch_shapes(node, batches, env)
            if shaped is not None:
                for name, fact in shaped:
                    env = _set(env, name, fact)
                return env
            for name in _target_names(batches) if batches is not None else ():
                env = _set(env, name, Batch())
            return env
        if kind == "enter":
            env = self._kill_walrus(self.ctx.index.statement_of(node), env)
            if node.asname is not None:  # type: ignore[attr-defined]
                names = _target_names(node.asname.name)  # type: ignore[attr-defined]
                for name in names:
                    env = _invalidate(env, name)
                return _kill(env, names)
            return env
        if kind == "handler":
            if node.name is not None:  # type: ignore[attr-defined]
                return _kill(env, _target_names(node.name.name))  # type: ignore[attr-defined]
            return env
        if kind == "case":
            return _kill(env, _pattern_names(node.pattern))  # type: ignore[attr-defined]
        if kind == "subject":
            return self._kill_walrus(node, env)
        if kind == "def":
            if node not in self._seen_defs and not self._summarizing:
                self._seen_defs.add(node)
                if isinstance(node, cst.FunctionDef):
                    self._deferred.append((node, self._scope_excluded))
                else:
                    self._solve(node, START)
            name = node.name.value  # type: ignore[attr-defined]
            return _kill(_invalidate(env, name), [name])
        return env

    def along(self, edge: Edge, env: Env) -> Env:
        """An ``if x.dim() == 2:`` holds on its true edge, as an assert would."""
        if edge.kind == "true" and edge.test is not None:
            return self._narrow(edge.test, env)
        return env

    def _small(self, small: cst.BaseSmallStatement, env: Env) -> Env:
        if isinstance(small, cst.Assign):
            value = small.value
            fact = self._fact_of(value, env)
            for target in small.targets:
                env = self._bind(target.target, value, fact, env)
            return self._kill_walrus(small, env)
        if isinstance(small, cst.AnnAssign):
            if small.value is None:
                return env
            return self._bind(small.target, small.value, self._fact_of(small.value, env), env)
        if isinstance(small, cst.AugAssign):
            if isinstance(small.target, cst.Name):
                name = small.target.value
                old = env.get(name)
                new = self._eval(small.value, env)
                # In-place tensor arithmetic keeps the target's shape (or raises).
                if isinstance(old, Shape) and (new is None or new.rank <= old.rank):
                    return _set(env, name, replace(old, reduced_from=None))
                return _kill(env, [name])
            return env
        if isinstance(small, cst.Assert):
            return self._kill_walrus(small, self._narrow(small.test, env))
        if isinstance(small, cst.Del):
            return _kill(env, _target_names(small.target))
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            names = []
            if not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    if alias.asname is not None:
                        names.extend(_target_names(alias.asname.name))
                    else:
                        names.append((dotted_name(alias.name) or "").split(".")[0])
            return _kill(env, names)
        if isinstance(small, (cst.Global, cst.Nonlocal)):
            return _kill(env, [n.name.value for n in small.names])
        return self._kill_walrus(small, env)

    def _kill_walrus(self, small: cst.CSTNode, env: Env) -> Env:
        names = self._walrus.get(small)
        return _kill(env, names) if names else env

    def _fact_of(self, value: cst.BaseExpression, env: Env) -> Fact | None:
        lit = _int_literal(value)
        if lit is not None:
            return IntConst(lit)
        if self._is_frame(value, env):
            return Frame()
        size = self._size_tuple(value, env)
        if size is not None:
            return SizeTuple(size)
        samples = self._samples(value, env)
        if samples is not None:
            return samples
        batch = self._batch_value(value, env)
        if batch is not None and batch.shape is not None:
            return batch  # y.float() of a batch of known shape: still the loader's batch
        shape = self._eval(value, env)
        if shape is None:
            return self._batch_value(value, env)
        return shape

    # -- data sets and loaders: what a batch's values look like --------------------------------
    def _samples(self, value: cst.BaseExpression, env: Env, depth: int = 0) -> Samples | None:
        """``TensorDataset(x, y)`` (a sample of each tensor drops its first dimension), a data set
        class of this file whose ``__getitem__`` returns tuples, or a ``DataLoader`` over one of
        them that stacks several samples with the default collate; None for anything else."""
        if not self._batches_data or depth > 4 or not isinstance(value, cst.Call) \
                or any(a.star for a in value.args):
            return None
        func = value.func
        qualified = self._imports.qualify(func) if isinstance(func, (cst.Name, cst.Attribute)) \
            else None
        many = dataloader_batches(value, qualified)
        if many is not None:
            # A collate function, or batch_size=None (no batching), makes batches of another shape.
            if not many or _keyword(value, "collate_fn") is not None \
                    or _is_none(_keyword(value, "batch_size")):
                return None
            dataset = _keyword(value, "dataset")
            if dataset is None:
                positional = _positional(value)
                dataset = positional[0] if positional else None
            if isinstance(dataset, cst.Name):
                fact = env.get(dataset.value)
            elif dataset is not None and _self_attribute(dataset):
                fact = self.class_attribute(dataset, dataset.attr.value)  # type: ignore[union-attr]
            elif dataset is not None:
                fact = self._samples(dataset, env, depth + 1)
            else:
                fact = None
            if isinstance(fact, Samples) and not fact.loader:
                return Samples(fact.shapes, loader=True)
            return None
        if qualified is not None and qualified.startswith("torch."):
            if qualified.rsplit(".", 1)[-1] != "TensorDataset" or not value.args \
                    or any(a.keyword is not None for a in value.args):
                return None
            return Samples(tuple(_sample_of(self._eval(a.value, env)) for a in value.args))
        if isinstance(func, cst.Name):
            klass = self._top_level_class(func.value)
            arguments = self._argument_shapes(value, env)
            if isinstance(klass, cst.ClassDef):
                return self._class_samples(klass, arguments)
            return self._imported_samples(func.value, arguments) if klass is None else None
        return None

    def _argument_shapes(self, call: cst.Call, env: Env) -> "tuple[tuple[int | str, Shape], ...]":
        """The known shapes of a constructor call's arguments, keyed by position or keyword, with
        only their literal sizes (they are read in the class's own scope)."""
        out: list[tuple[int | str, Shape]] = []
        for i, arg in enumerate(call.args):
            shape = self._eval(arg.value, env)
            if shape is None or shape.rank == 0:
                continue
            key: int | str = arg.keyword.value if arg.keyword is not None else i
            out.append((key, Shape(_literal_sizes(shape.dims), shape.lib)))
        return tuple(out)

    def _top_level_class(self, name: str) -> "cst.ClassDef | bool | None":
        """The top-level class ``name`` of this file; False when a top-level function has that
        name or two definitions do; None when no top-level ``def``/``class`` has it."""
        if self._top_level is None:
            top: dict[str, cst.ClassDef | bool] = {}
            for statement in self.ctx.module.body:
                if isinstance(statement, (cst.ClassDef, cst.FunctionDef)):
                    key = statement.name.value
                    top[key] = False if key in top or isinstance(statement, cst.FunctionDef) \
                        else statement
            self._top_level = top
        return self._top_level.get(name)

    def _class_samples(self, klass: cst.ClassDef,
                       arguments: "tuple[tuple[int | str, Shape], ...]" = ()) -> Samples | None:
        """What a data set class's items are: its ``__getitem__`` returns tuples (every return
        the same length) whose parts' ranks are known; sizes other than literals become unknown.
        ``__getitem__`` is solved knowing the attributes ``__init__`` binds once (below) and its
        index as a number: ``self.y[idx]`` is a row of ``self.y``. ``arguments``: the known
        shapes of the constructor call's arguments (``Rows(X, y)``), which ``__init__``'s
        parameters take (``self.y = y``)."""
        from dllint.analysis.project import _class_and_bases
        owners = _class_and_bases(self.ctx, klass)
        getitem = None
        for owner in owners:
            body = owner.body.body if isinstance(owner.body, cst.IndentedBlock) else ()
            getitem = next((s for s in body if isinstance(s, cst.FunctionDef)
                            and s.name.value == "__getitem__" and not s.decorators), None)
            if getitem is not None:
                break
        if getitem is None:
            return None
        key = (klass, arguments) if arguments else klass
        if key not in self._item_outputs:  # per class: a subclass binds its own attributes
            self._item_outputs[key] = None
            if len(self._summarizing) <= 8:
                self._summarizing.add(getitem)
                try:
                    entry = START
                    for attr, shape in sorted(self._init_attributes(owners, arguments).items()):
                        entry = _set(entry, f"self.{attr}", shape)
                    params = getitem.params.params
                    if len(params) == 2 and params[1].default is None:
                        entry = _set(entry, params[1].name.value, IntConst(0))
                    self._item_outputs[key] = self._function_tuple(getitem, entry)
                finally:
                    self._summarizing.discard(getitem)
        items = self._item_outputs[key]
        if items is None:
            return None
        return Samples(tuple(None if s is None else Shape(_literal_sizes(s.dims), s.lib)
                             for s in items))

    def _init_attributes(self, owners: list[cst.ClassDef],
                         arguments: "tuple[tuple[int | str, Shape], ...]" = ()) -> dict[str, Shape]:
        """``self.attr = value`` statements of the class's ``__init__`` (the class and its bases
        of this module) whose value has a known rank, for attributes that no other statement of
        those classes binds; nothing when a base is neither of this module nor of torch (it may
        bind them too). Sizes other than literals become unknown. ``__init__``'s parameters start
        with the shapes of the constructor call's ``arguments`` (by position or keyword)."""
        from dllint.analysis.project import _top_level
        for owner in owners:
            for base in owner.bases:
                value = base.value
                if isinstance(value, cst.Name) and \
                        isinstance(_top_level(self.ctx.module, value.value), cst.ClassDef):
                    continue
                qualified = self._imports.qualify(value) \
                    if isinstance(value, (cst.Name, cst.Attribute)) else None
                if not (qualified or "").startswith("torch.") and dotted_name(value) != "object":
                    return {}
        counts: dict[str, int] = {}
        for owner in owners:
            for attr in _self_attribute_bindings(owner):
                counts[attr] = counts.get(attr, 0) + 1
        init = next(filter(None, map(init_of, owners)), None)
        if init is None:
            return {}
        out: dict[str, Shape] = {}
        entry = START
        if arguments:
            params = init.params
            names = [p.name.value for p in (*params.posonly_params, *params.params)][1:]
            keywords = set(names) | {p.name.value for p in params.kwonly_params}
            for key, shape in arguments:
                name = names[key] if isinstance(key, int) and key < len(names) else (
                    key if isinstance(key, str) and key in keywords else None)
                if name is not None:
                    entry = _set(entry, name, shape)
        graph = build_cfg(init)
        solution = solve(graph, _ShapeLattice(self), entry)
        for block in graph.blocks:
            for (kind, node), state in solution.states(block):
                if kind != "stmt" or not isinstance(node, cst.Assign) or len(node.targets) != 1:
                    continue
                target = node.targets[0].target
                if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)
                        and target.value.value == "self"):
                    continue
                attr = target.attr.value
                if counts.get(attr) != 1:
                    continue
                shape = self._eval(node.value, state)
                if shape is not None:
                    out[attr] = Shape(_literal_sizes(shape.dims), shape.lib)
        return out

    def _is_frame(self, value: cst.BaseExpression, env: Env) -> bool:
        """``pd.read_csv(path)`` (no ``header=``/``index_col=`` list), ``pd.DataFrame(...)`` (no
        ``columns=`` of a MultiIndex: none written), or ``df.dropna()``-like of a known frame."""
        for _ in range(8):
            if isinstance(value, cst.Name):
                return isinstance(env.get(value.value), Frame)
            if not isinstance(value, cst.Call) or any(a.star for a in value.args):
                return False
            func = value.func
            if isinstance(func, cst.Attribute) and func.attr.value in _FRAME_METHODS \
                    and self._imports.qualify(func) is None:
                if _keyword(value, "inplace") is not None:
                    return False
                value = func.value
                continue
            qualified = self._imports.qualify(func) if isinstance(func, (cst.Name, cst.Attribute)) \
                else None
            if qualified not in _FRAME_MAKERS:
                return False
            return not any(isinstance(_keyword(value, k), (cst.List, cst.Tuple))
                           for k in ("header", "index_col", "columns"))
        return False

    def _frame_column(self, node: cst.BaseExpression, env: Env) -> bool:
        """``df["col"]`` of a known frame, one string key."""
        return isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) \
            and isinstance(env.get(node.value.value), Frame) and len(node.slice) == 1 \
            and isinstance(node.slice[0].slice, cst.Index) \
            and isinstance(node.slice[0].slice.value, cst.SimpleString)

    # -- attributes of a class: bound once, known in every method ------------------------------
    def class_attribute(self, node: cst.CSTNode, attr: str) -> Fact | None:
        """What ``self.attr`` read at ``node`` (in a method of a class of this module) holds when
        the class binds that attribute exactly once, in any of its methods: a read that does not
        raise sees that binding's value. None when another binding exists (in the class, its bases
        or a subclass of this module, or on another object anywhere in the module), when a base
        of the class is neither of this module nor of torch (it may bind the attribute too), or
        when the binding's value is not known."""
        if not self.enabled:
            return None
        klass = self._method_class(node)
        if klass is None:
            return None
        fact = self._class_attributes(klass).get(attr)
        missed = self._attribute_misses.get(klass)
        if fact is None and missed is not None:
            missed.add(attr)  # read while the class's bindings are being solved
        return fact

    def _method_class(self, node: cst.CSTNode) -> cst.ClassDef | None:
        """The class whose method (first parameter ``self``) encloses ``node``, through nested
        functions (a closure's ``self`` is the method's); None inside a lambda."""
        index = self.ctx.index
        if index.enclosing(node, cst.Lambda) is not None:
            return None
        function = index.enclosing(node, cst.FunctionDef)
        for _ in range(16):
            if function is None:
                return None
            block = index.parent(function)
            klass = index.parent(block) if block is not None else None
            if isinstance(klass, cst.ClassDef):
                return klass if _is_method(klass, function) else None
            function = index.enclosing(block, cst.FunctionDef) if block is not None else None
        return None

    def _class_attributes(self, klass: cst.ClassDef) -> dict[str, Fact]:
        known = self._attribute_facts.get(klass)
        if known is not None:
            return known
        out: dict[str, Fact] = {}
        self._attribute_facts[klass] = out  # filled as it is found; reads meanwhile see part of it
        if len(self._summarizing) > 8:
            return out
        from dllint.analysis.project import _class_and_bases, _top_level
        owners = _class_and_bases(self.ctx, klass)
        for owner in owners:
            for base in owner.bases:
                value = base.value
                if isinstance(value, cst.Name) and \
                        isinstance(_top_level(self.ctx.module, value.value), cst.ClassDef):
                    continue
                qualified = self._imports.qualify(value) \
                    if isinstance(value, (cst.Name, cst.Attribute)) else None
                if not (qualified or "").startswith("torch.") and dotted_name(value) != "object":
                    return out
        names = {owner.name.value for owner in owners}
        related = list(owners) + [c for c in self.ctx.index.of_type(cst.ClassDef)
                                  if c not in owners and any(
                                      isinstance(b.value, cst.Name) and b.value.value in names
                                      for b in c.bases)]
        by_class, by_function = self._self_bindings()
        counts: dict[str, int] = {}
        for owner in related:
            for attr in by_class.get(owner, ()):
                counts[attr] = counts.get(attr, 0) + 1
        foreign = self._foreign_bindings()
        once = {attr for attr, n in counts.items() if n == 1 and attr not in foreign}
        if not once:
            return out
        methods = [s for owner in owners
                   for s in (owner.body.body if isinstance(owner.body, cst.IndentedBlock) else ())
                   if isinstance(s, cst.FunctionDef) and _is_method(owner, s)]
        binders = [m for m in methods if once.intersection(by_function.get(m, ()))]
        missed: set[str] = set()
        self._attribute_misses[klass] = missed
        try:
            for _round in range(2):  # a second pass when the first read what it found later
                missed.clear()
                for method in binders:
                    self._method_attributes(method, once, out)
                if not missed.intersection(out):
                    break
        finally:
            del self._attribute_misses[klass]
        return out

    def _method_attributes(self, method: cst.FunctionDef, once: set[str],
                           out: dict[str, Fact]) -> None:
        """Solve ``method`` on its own and record the facts of its ``self.attr = value``
        bindings of attributes in ``once``."""
        if method in self._summarizing:
            return
        self._summarizing.add(method)
        try:
            graph = build_cfg(method)
            solution = solve(graph, _ShapeLattice(self), START)
            for block in graph.blocks:
                for (kind, node), state in solution.states(block):
                    if kind != "stmt" or not isinstance(node, cst.Assign) or len(node.targets) != 1:
                        continue
                    target = node.targets[0].target
                    if _self_attribute(target) and target.attr.value in once:  # type: ignore
                        fact = self._fact_of(node.value, state)
                        instance = None if fact is not None else self._instance_of(node.value)
                        if instance is not None:
                            out[target.attr.value] = instance  # type: ignore[union-attr]
                        elif isinstance(fact, Shape):
                            out[target.attr.value] = replace(  # type: ignore[union-attr]
                                fact, dims=_literal_sizes(fact.dims), reduced_from=None)
                        elif isinstance(fact, Samples):
                            out[target.attr.value] = fact  # type: ignore[union-attr]
                    elif isinstance(target, (cst.Tuple, cst.List)) and isinstance(node.value, cst.Call):
                        elements = target.elements
                        split = self._split_parts(node.value, len(elements), state)
                        for element, fact in zip(elements, split or ()):
                            if _self_attribute(element.value) and fact is not None \
                                    and element.value.attr.value in once:  # type: ignore
                                out[element.value.attr.value] = replace(  # type: ignore
                                    fact, dims=_literal_sizes(fact.dims))
        finally:
            self._summarizing.discard(method)

    def _instance_of(self, value: cst.BaseExpression) -> Instance | None:
        """``Klass(...)`` of a top-level class of this module, or of one imported from the
        project (a name this module imports and that is not a function here)."""
        if not isinstance(value, cst.Call) or not isinstance(value.func, cst.Name):
            return None
        name = value.func.value
        klass = self._top_level_class(name)
        if isinstance(klass, cst.ClassDef):
            return Instance(name)
        if klass is None:
            from dllint.analysis.project import project_imports
            imports = project_imports(self.ctx)
            if imports is not None and imports.target(name) is not None:
                return Instance(name)  # a module of the project: resolved when read
        return None

    def _instance_attribute(self, name: str, attr: str) -> Fact | None:
        """What ``attr`` of an object of the class ``name`` holds (bound once in that class)."""
        klass = self._top_level_class(name)
        if isinstance(klass, cst.ClassDef):
            return self._class_attributes(klass).get(attr)
        if klass is not None:
            return None
        fact = self._in_imported_class(
            name, lambda shapes, other: shapes._class_attributes(other).get(attr))
        return fact if isinstance(fact, Shape) else None

    def _self_bindings(self) -> "tuple[dict[cst.ClassDef, list[str]], dict[cst.FunctionDef, list[str]]]":
        """Each binding of ``self.attr`` in the module (assignment, annotated or augmented
        assignment, ``for``/``with``/walrus target, tuple targets element by element), by the
        class and by the function that encloses it: one walk of the index per module."""
        if self._self_binding_index is None:
            index = self.ctx.index
            by_class: dict[cst.ClassDef, list[str]] = {}
            by_function: dict[cst.FunctionDef, list[str]] = {}

            def record(anchor: cst.CSTNode, target: cst.CSTNode) -> None:
                if isinstance(target, (cst.Tuple, cst.List)):
                    for element in target.elements:
                        record(anchor, element.value)
                elif isinstance(target, cst.StarredElement):
                    record(anchor, target.value)
                elif _self_attribute(target):
                    attr = target.attr.value  # type: ignore[union-attr]
                    klass = index.enclosing(anchor, cst.ClassDef)
                    function = index.enclosing(anchor, cst.FunctionDef)
                    if klass is not None:
                        by_class.setdefault(klass, []).append(attr)
                    if function is not None:
                        by_function.setdefault(function, []).append(attr)
            for node in index.of_type(cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.For,
                                      cst.NamedExpr):
                record(node, node.target)
            for node in index.of_type(cst.AsName):
                record(node, node.name)
            self._self_binding_index = (by_class, by_function)
        return self._self_binding_index

    def _foreign_bindings(self) -> set[str]:
        """Attribute names assigned on anything but ``self`` in the module (``trainer.y = ...``,
        ``setattr(obj, "y", ...)``), or reshaped in place (``self.y.unsqueeze_(1)``,
        ``self.y.shape = (-1, 1)``)."""
        if self._foreign_attributes is None:
            found: set[str] = set()

            def visit(target: cst.CSTNode) -> None:
                if isinstance(target, cst.Attribute):
                    if not (isinstance(target.value, cst.Name) and target.value.value == "self"):
                        found.add(target.attr.value)
                    if target.attr.value == "shape" and isinstance(target.value, cst.Attribute):
                        found.add(target.value.attr.value)  # self.y.shape = (-1, 1)
                elif isinstance(target, (cst.Tuple, cst.List)):
                    for element in target.elements:
                        visit(element.value)
                elif isinstance(target, cst.StarredElement):
                    visit(target.value)
            for assign in self.ctx.index.of_type(cst.Assign):
                for t in assign.targets:
                    visit(t.target)
            for node in self.ctx.index.of_type(cst.AugAssign, cst.AnnAssign):
                visit(node.target)
            for call in self.ctx.index.of_type(cst.Call):
                func = call.func
                if isinstance(func, cst.Attribute) and func.attr.value in _RESHAPE_IN_PLACE \
                        and isinstance(func.value, cst.Attribute):
                    found.add(func.value.attr.value)  # self.y.unsqueeze_(1)
                if isinstance(call.func, cst.Name) and call.func.value == "setattr" and \
                        len(call.args) > 1 and isinstance(call.args[1].value, cst.SimpleString):
                    found.add(call.args[1].value.value.strip("\"'"))
            self._foreign_attributes = found
        return self._foreign_attributes

    def _imported_samples(self, name: str, arguments: "tuple[tuple[int | str, Shape], ...]" = ()
                          ) -> Samples | None:
        """``Klass(...)`` of a data set class imported from another module of the project."""
        return self._in_imported_class(
            name, lambda shapes, klass: shapes._class_samples(klass, arguments))

    def _in_imported_class(self, name: str, read: Callable[["Shapes", cst.ClassDef], Any]) -> Any:
        """``read(shapes, klass)`` in the module of the project class imported as ``name``, with
        that module's shape analysis; None when the class is not found there, or too deep."""
        from dllint.analysis.project import PROJECT, MAX_FILE_DEPTH, find_class, project_imports
        imports = project_imports(self.ctx)
        target = imports.target(name) if imports is not None else None
        if target is None or PROJECT.depth >= MAX_FILE_DEPTH:
            return None
        klass = find_class(self.ctx, target)
        other = PROJECT.context(target.path) if klass is not None else None
        if other is None or other is self.ctx:
            return None
        PROJECT.depth += 1
        try:
            shapes = other.analysis(Shapes)
            return read(shapes, klass) if shapes.enabled else None
        finally:
            PROJECT.depth -= 1

    def _batch_shapes(self, loop: cst.CSTNode, batches: cst.BaseExpression | None, env: Env
                      ) -> list[tuple[str, Fact]] | None:
        """``for x, y in loader`` over a loader whose data set says each value's sample shape:
        the names and their batches' shapes (a batch dimension shared by the loop's values, then
        the sample's dimensions); None when that is not known."""
        if not isinstance(batches, (cst.Tuple, cst.List)):
            return None
        iterable = loop.iter  # type: ignore[attr-defined]
        for _ in range(8):
            if not isinstance(iterable, cst.Call) or not iterable.args:
                break
            func = iterable.func
            qualified = self._imports.qualify(func) if isinstance(func, (cst.Name, cst.Attribute)) \
                else None
            if dataloader_batches(iterable, qualified) is not None:
                break
            if (qualified or dotted_name(func) or "").rsplit(".", 1)[-1] not in _LOOP_WRAPPERS:
                return None
            iterable = iterable.args[0].value
        if isinstance(iterable, cst.Name):
            fact = env.get(iterable.value)
        elif _self_attribute(iterable):
            fact = self.class_attribute(iterable, iterable.attr.value)  # type: ignore[union-attr]
        else:
            fact = self._samples(iterable, env)
        elements = batches.elements
        if not isinstance(fact, Samples) or not fact.loader or len(fact.shapes) != len(elements) \
                or any(isinstance(e, cst.StarredElement) for e in elements):
            return None
        first = f"{LAYER_BATCH}{self._fresh(loop, 0)}"
        out: list[tuple[str, Fact]] = []
        for element, sample in zip(elements, fact.shapes):
            if isinstance(element.value, cst.Name):
                out.append((element.value.value, Batch(shape=None if sample is None else Shape(
                    (first,) + sample.dims, sample.lib or "torch"))))
            else:
                for name in _target_names(element.value):
                    out.append((name, Batch()))
        return out

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression, fact: Fact | None,
              env: Env) -> Env:
        if isinstance(target, cst.Name):
            env = _invalidate(env, target.value)
            if fact is None:
                return _kill(env, [target.value])
            return _set(env, target.value, fact)
        if isinstance(target, (cst.Tuple, cst.List)):
            before = env  # the right-hand side is evaluated before any target is bound
            names = _target_names(target)
            env = _kill(env, names)
            for name in names:
                env = _invalidate(env, name)
            return self._unpack(target, value, env, before)
        return env  # x[i] = ..., self.x = ...: the shape of x does not change

    def _unpack(self, target: cst.Tuple | cst.List, value: cst.BaseExpression, env: Env,
                before: Env) -> Env:
        """``b, c = x.shape``: x has rank 2 with sizes b and c (and b, c are those sizes).
        ``before``: the facts before the assignment, which its right-hand side reads."""
        elements = target.elements
        if any(isinstance(e, cst.StarredElement) for e in elements):
            return env
        source = self._shape_source(value)
        if source is None and isinstance(value, cst.Name) \
                and isinstance(before.get(value.value), Batch):
            for name in _target_names(target):  # x, y = batch
                env = _set(env, name, Batch())
            return env
        if source is None and isinstance(value, cst.Call):
            split = self._split_parts(value, len(elements), before)
            if split is not None:
                for element, fact in zip(elements, split):
                    if isinstance(element.value, cst.Name) and fact is not None:
                        env = _set(env, element.value.value, fact)
                return env
            # out, gate = self.decode(x) / model(x): what the function's returns say, element-wise
            returned = self._returned_tuple(value)
            if returned is not None and len(returned) == len(elements):
                for element, fact in zip(elements, returned):
                    if isinstance(element.value, cst.Name) and fact is not None:
                        env = _set(env, element.value.value, fact)
                return env
        if source is None:
            # a, b = x.to(d), y.to(d): element-wise unpacking of a tuple literal.
            if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(elements) \
                    and not any(isinstance(e, cst.StarredElement) for e in value.elements):
                facts = [self._fact_of(v.value, before) for v in value.elements]
                for element, fact in zip(elements, facts):
                    if isinstance(element.value, cst.Name) and fact is not None:
                        env = _set(env, element.value.value, fact)
            return env
        old = env.get(source)
        dims: list[Dim] = []
        for element in elements:
            if isinstance(element.value, cst.Name) and element.value.value != "_":
                dims.append(element.value.value)
            else:
                dims.append(None)
        if isinstance(old, Shape) and old.rank == len(dims):
            dims = [d if d is not None else o for d, o in zip(dims, old.dims)]
        if isinstance(old, Shape) and old.rank != len(dims):
            return env  # unpacking would raise; keep what we knew
        lib = old.lib if isinstance(old, Shape) else None
        return _set(env, source, Shape(tuple(dims), lib))

    def _split_parts(self, call: cst.Call, count: int, env: Env) -> list[Shape | None] | None:
        """``X_tr, X_te, y_tr, y_te = train_test_split(X, y)`` (scikit-learn's): each array is
        cut along its first dimension into two parts of the array's rank, its other sizes kept;
        None when the call is not that split or the targets do not pair with its arrays."""
        func = call.func
        qualified = self._imports.qualify(func) if isinstance(func, (cst.Name, cst.Attribute)) \
            else None
        if qualified not in _SPLITS:
            return None
        if any(a.star for a in call.args):
            return None
        arrays = [a.value for a in call.args if a.keyword is None]
        if not arrays or count != 2 * len(arrays):
            return None
        parts: list[Shape | None] = []
        for array in arrays:
            shape = self._eval(array, env)
            part = None
            if shape is not None and shape.rank >= 1:
                part = Shape((None,) + shape.dims[1:], shape.lib, new_axis=shape.new_axis)
            parts += [part, part]
        return parts

    def _shape_source(self, value: cst.BaseExpression) -> str | None:
        """The name ``x`` of ``x.shape`` / ``x.size()``."""
        if isinstance(value, cst.Attribute) and value.attr.value == "shape" \
                and isinstance(value.value, cst.Name):
            return value.value.value
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                and value.func.attr.value == "size" and not value.args \
                and isinstance(value.func.value, cst.Name):
            return value.func.value.value
        return None

    def _narrow(self, test: cst.BaseExpression, env: Env) -> Env:
        """What an assert states about ranks and sizes."""
        if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
            return self._narrow(test.right, self._narrow(test.left, env))
        if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
            return env
        comp = test.comparisons[0]
        if not isinstance(comp.operator, cst.Equal):
            return env
        for left, right in ((test.left, comp.comparator), (comp.comparator, test.left)):
            name = self._rank_subject(left)
            rank = _int_literal(right)
            if name is not None and rank is not None and rank >= 0:
                old = env.get(name)
                if isinstance(old, Shape):
                    return env if old.rank == rank else _kill(env, [name])
                dims = tuple(f"#{self.ctx.index.order[left]}:{i}" for i in range(rank))
                return _set(env, name, Shape(dims))
            source = self._shape_source(left)
            if source is not None and isinstance(right, (cst.Tuple, cst.List)):
                dims2 = self._size_tuple(right, env)
                if dims2 is not None:
                    old = env.get(source)
                    lib = old.lib if isinstance(old, Shape) else None
                    return _set(env, source, Shape(dims2, lib))
            # x.shape == y.shape, x.size() == y.size(): x takes y's known shape
            other = self._shape_source(right)
            if source is not None and other is not None and source != other:
                known = env.get(other)
                if isinstance(known, Shape) and not isinstance(env.get(source), Shape):
                    return _set(env, source, Shape(known.dims, known.lib))
            # x.size(1) == 1, x.shape[-1] == d: one size of a known rank
            sized = self._size_subject(left)
            if sized is not None:
                name, index = sized
                old = env.get(name)
                if isinstance(old, Shape):
                    i = _normalize(index, old.rank)
                    value = self._dim(right, env)
                    current = old.dims[i] if i is not None else None
                    if i is not None and value is not None and not isinstance(current, int) and (
                            current is None or isinstance(value, int)
                            or (isinstance(current, str) and current.startswith("#"))):
                        dims = list(old.dims)
                        dims[i] = value
                        return _set(env, name, replace(old, dims=tuple(dims)))
        return env

    @staticmethod
    def _size_subject(node: cst.BaseExpression) -> tuple[str, int] | None:
        """(x, i) of ``x.size(i)`` and ``x.shape[i]`` with ``x`` a plain name."""
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                and node.func.attr.value == "size" and len(node.args) == 1 \
                and isinstance(node.func.value, cst.Name):
            index = _int_literal(node.args[0].value)
            return (node.func.value.value, index) if index is not None else None
        if isinstance(node, cst.Subscript) and len(node.slice) == 1 \
                and isinstance(node.slice[0].slice, cst.Index) \
                and isinstance(node.value, cst.Attribute) and node.value.attr.value == "shape" \
                and isinstance(node.value.value, cst.Name):
            index = _int_literal(node.slice[0].slice.value)
            return (node.value.value.value, index) if index is not None else None
        return None

    def _rank_subject(self, node: cst.BaseExpression) -> str | None:
        """``x`` of ``x.dim()``, ``x.ndim``, ``x.ndimension()``, ``len(x.shape)``."""
        if isinstance(node, cst.Attribute) and node.attr.value == "ndim" \
                and isinstance(node.value, cst.Name):
            return node.value.value
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("dim", "ndimension") \
                    and not node.args and isinstance(func.value, cst.Name):
                return func.value.value
            if isinstance(func, cst.Name) and func.value == "len" and len(node.args) == 1:
                return self._shape_source(node.args[0].value)
        return None

    # -- sizes -----------------------------------------------------------------------------------
    def _size_tuple(self, node: cst.BaseExpression, env: Env) -> tuple[Dim, ...] | None:
        """The sizes of a shape-valued expression: ``(a, b)``, ``x.shape``, ``torch.Size([..])``."""
        if isinstance(node, (cst.Tuple, cst.List)):
            dims = []
            for element in node.elements:
                if isinstance(element, cst.StarredElement):
                    return None
                dims.append(self._dim(element.value, env))
            return tuple(dims)
        source = self._shape_source(node)
        if source is not None:
            fact = env.get(source)
            return fact.dims if isinstance(fact, Shape) else None
        if isinstance(node, cst.Name):
            fact = env.get(node.value)
            return fact.dims if isinstance(fact, SizeTuple) else None
        if isinstance(node, cst.Call) and len(node.args) == 1 \
                and (dotted_name(node.func) or "").endswith("Size"):
            return self._size_tuple(node.args[0].value, env)
        return None

    def _dim(self, node: cst.BaseExpression, env: Env) -> Dim:
        """The size an expression stands for, as an int or a symbol."""
        lit = _int_literal(node)
        if lit is not None:
            return lit
        if isinstance(node, cst.Name):
            fact = env.get(node.value)
            if isinstance(fact, IntConst):
                return fact.value
            if fact is not None:
                return None
            return node.value
        if isinstance(node, cst.Attribute):
            return dotted_name(node)
        # x.size(0), x.shape[0], x.size()[0], len(x)
        subject, index = None, None
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                and node.func.attr.value == "size" and len(node.args) == 1:
            subject, index = node.func.value, _int_literal(node.args[0].value)
        elif isinstance(node, cst.Subscript) and len(node.slice) == 1 \
                and isinstance(node.slice[0].slice, cst.Index):
            source = node.value
            if isinstance(source, cst.Attribute) and source.attr.value == "shape":
                subject = source.value
            elif isinstance(source, cst.Call) and isinstance(source.func, cst.Attribute) \
                    and source.func.attr.value == "size" and not source.args:
                subject = source.func.value
            index = _int_literal(node.slice[0].slice.value)
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Name) \
                and node.func.value == "len" and len(node.args) == 1:
            subject, index = node.args[0].value, 0
        if subject is not None and index is not None:
            name = dotted_name(subject)
            fact = env.get(name) if name else None
            if isinstance(fact, Shape):
                i = _normalize(index, fact.rank)
                return fact.dims[i] if i is not None else None
            return f"{name}.shape[{index}]" if name else None
        if isinstance(node, cst.BinaryOperation):
            left, right = self._dim(node.left, env), self._dim(node.right, env)
            if left is None or right is None:
                return None
            op = type(node.operator).__name__
            if isinstance(left, int) and isinstance(right, int):
                if op == "Multiply":
                    return left * right
                if op == "Add":
                    return left + right
                if op == "Subtract":
                    return left - right
                if op == "FloorDivide" and right:
                    return left // right
                return None
            if isinstance(left, str) and left.startswith("#") or \
                    isinstance(right, str) and right.startswith("#"):
                return None
            return f"({left} {op} {right})"
        return None

    def _in_module_method(self, node: cst.CSTNode) -> bool:
        """Inside a method of an ``nn.Module`` class other than ``__init__`` (or a function nested
        in one): what its layers are applied to are batches."""
        index = self.ctx.index
        function = index.function_of(node)
        for _ in range(8):
            if function is None:
                return False
            outer = index.parent(function)
            while outer is not None and not isinstance(outer, (cst.FunctionDef, cst.ClassDef, cst.Module)):
                outer = index.parent(outer)
            if isinstance(outer, cst.ClassDef):
                return function.name.value != "__init__" \
                    and outer.name.value in self._model_facts().classes \
                    and self._model_facts().classes[outer.name.value].node is outer
            if not isinstance(outer, cst.FunctionDef):
                return False
            function = outer
        return False

    def _in_forward(self, node: cst.CSTNode) -> bool:
        function = self.ctx.index.function_of(node)
        return function is not None and function.name.value == "forward" \
            and self.ctx.index.enclosing(function, cst.ClassDef) is not None

    # -- models: what calling one returns ----------------------------------------------------------
    def _model_facts(self):
        if self._models is None:
            from dllint.analysis.models import Models
            self._models = self.ctx.analysis(Models)
        return self._models

    def model_output(self, call: cst.Call) -> "ModelOutput | None":
        """What calling a module returns (``model(x)``, ``self.fc(x)``, ``model.forward(x)``):
        the activation its last step applies and its shape where known; None when the module's
        definition is not visible."""
        if not self.enabled:
            return None
        summary = self._call_summary(call)
        if summary is None:
            return None
        return ModelOutput(summary[2], self.shape_of(call))

    def constructed_output(self, value: cst.BaseExpression) -> "ModelOutput | None":
        """What a module built by ``value`` (``Net()``, ``nn.Sequential(...)``, or the class
        ``Net`` itself, as frameworks take it) returns when called; shape known only as a rank."""
        if not self.enabled:
            return None
        if isinstance(value, (cst.Name, cst.Attribute)):
            value = cst.Call(func=value)
        summary = self._value_summary(value, 0)
        if summary is None:
            return None
        kind, what, activation = summary
        return ModelOutput(activation, what if kind == "class" else None)

    def _call_summary(self, call: cst.Call) -> "Summary | None":
        """The summary of the module ``call`` calls, when every definition of it agrees."""
        func = call.func
        models = self._model_facts()
        if not models.classes and not self._imports.uses("torch"):
            return None
        if isinstance(func, cst.Attribute) and func.attr.value == "forward":
            func = func.value  # model.forward(x): the same output, hooks bypassed
        if isinstance(func, cst.Name) and func.value == "self":
            owner = models.enclosing_module_class(call)
            if owner is None:
                return None
            return ("class", self._class_summary(owner.node), self._class_activation(owner.node))
        values = [func] if isinstance(func, cst.Call) else models.definition_values(func, call)
        if values is None and isinstance(func, cst.Name):
            return self._parameter_summary(func.value, call)
        return self._bound_summary(func, values, 0)

    def _bound_summary(self, func: cst.BaseExpression, values: list[cst.BaseExpression] | None,
                       depth: int) -> "Summary | None":
        """The summary every one of ``values`` (the bindings of the module ``func``) agrees on."""
        if not values or len(values) > 8:
            return None
        summary = None
        own = dotted_name(func) if not isinstance(func, cst.Call) else None
        for value in values:
            if own is not None and _rebinds(value, own):
                continue  # model = model.to(device): the same module
            found = self._value_summary(value, depth)
            if found is None or (summary is not None and found != summary):
                return None
            summary = found
        return summary

    def _parameter_summary(self, name: str, call: cst.Call) -> "Summary | None":
        """``model(x)`` where ``model`` is a parameter of the enclosing top-level function: the
        summary every call site's argument agrees on (``train(Net(), loader)``, ``train(model,
        ...)`` with ``model = Net().to(device)`` there)."""
        function = self.ctx.index.function_of(call)
        if not isinstance(function, cst.FunctionDef):
            return None
        arguments = self._parameter_arguments(function, name)
        if not arguments:
            return None
        models = self._model_facts()
        summary = None
        for site, argument in arguments:
            if isinstance(argument, cst.Call):
                found = self._value_summary(argument, 1)
            elif isinstance(argument, (cst.Name, cst.Attribute)):
                found = self._bound_summary(argument, models.definition_values(argument, site), 1)
            else:
                found = None
            if found is None or (summary is not None and found != summary):
                return None
            summary = found
        return summary if self._only_local_sites(function) else None

    def parameter_arguments(self, node: cst.CSTNode, name: str
                            ) -> list[tuple[cst.Call, cst.BaseExpression]] | None:
        """For ``name`` read at ``node``, a parameter of the enclosing top-level function: the
        argument each of its call sites passes, when they are all known and in this module (see
        :meth:`_parameter_arguments`)."""
        function = self.ctx.index.function_of(node)
        if not isinstance(function, cst.FunctionDef):
            return None
        arguments = self._parameter_arguments(function, name)
        return arguments if arguments and self._only_local_sites(function) else None

    def _parameter_arguments(self, function: cst.FunctionDef, name: str
                             ) -> list[tuple[cst.Call, cst.BaseExpression]] | None:
        """The argument each call of the top-level function ``function`` in this module passes
        for its parameter ``name``, when ``name`` is a plain positional or keyword parameter the
        function does not rebind and each call passes it explicitly. Whether these are all the
        calls (none in another module, the function never used as a value) is
        :meth:`_only_local_sites`, asked last: it searches the project."""
        key = (function, name)
        if key in self._arguments:
            return self._arguments[key]
        self._arguments[key] = None
        if not self.ctx.index.top_level(function):
            return None
        params = _positional_param_names(function.params)
        if name not in params:
            return None
        for decorator in function.decorators:
            # A decorator may change the signature the calls see (inject an argument, a
            # context); torch's (no_grad, inference_mode, jit) do not.
            target = decorator.decorator
            target = target.func if isinstance(target, cst.Call) else target
            qualified = self._imports.qualify(target) if isinstance(target, (cst.Name, cst.Attribute)) else None
            if not (qualified or "").startswith("torch."):
                return None
        bound = self._function_bindings.get(function)
        if bound is None:
            bound = self._function_bindings[function] = _binding_counts(function.body, self._walrus)
        if bound.get(name):
            return None
        if self._calls_by_name is None:
            self._calls_by_name = {}
            for call in self.ctx.index.of_type(cst.Call):
                if isinstance(call.func, cst.Name):
                    self._calls_by_name.setdefault(call.func.value, []).append(call)
        calls = self._calls_by_name.get(function.name.value, [])
        if not calls or len(calls) > 8:
            return None
        index = params.index(name)
        out: list[tuple[cst.Call, cst.BaseExpression]] = []
        for call in calls:
            if any(a.star for a in call.args):
                return None
            positional = [a.value for a in call.args if a.keyword is None]
            keyword = [a.value for a in call.args if a.keyword is not None and a.keyword.value == name]
            if index < len(positional):
                out.append((call, positional[index]))
            elif keyword:
                out.append((call, keyword[0]))
            else:
                return None
        self._arguments[key] = out
        return out

    def _only_local_sites(self, function: cst.FunctionDef) -> bool:
        """Every call of ``function`` in the project is one of its calls by name in this module
        (:class:`dllint.analysis.callers.ProjectCallers`: none elsewhere, never used as a value)."""
        known = self._local_sites.get(function)
        if known is None:
            from dllint.analysis.callers import ProjectCallers
            callers = self.ctx.analysis(ProjectCallers)
            # another module that names the function may call it: no need to parse it to know
            # that the calls here may not be all
            sites = None if callers.named_elsewhere(function) else callers.sites(function)
            mine = {id(c) for c in (self._calls_by_name or {}).get(function.name.value, [])}
            known = bool(sites) and all(site.ctx is self.ctx and id(site.call) in mine
                                        for site in sites) and len(sites) == len(mine)
            self._local_sites[function] = known
        return known

    def _parameter_fact(self, function: cst.FunctionDef, name: str) -> Fact | None:
        """A loader (its data set's sample shapes) or a tensor of known rank that every call site
        passes for the parameter ``name``, with the caller's facts there; None otherwise."""
        arguments = self._parameter_arguments(function, name)
        if not arguments:
            return None
        fact: Fact | None = None
        for site, argument in arguments:
            env = self._env.get(self.ctx.index.statement_of(site))
            if env is None or self._in_nested_scope(argument, self.ctx.index.statement_of(site)):
                return None
            found = env.get(argument.value) if isinstance(argument, cst.Name) \
                else self._fact_of(argument, env)
            if isinstance(found, Shape):
                found = Shape(_literal_sizes(found.dims), found.lib)
            elif isinstance(found, Samples) and found.loader:
                found = Samples(tuple(None if s is None else Shape(_literal_sizes(s.dims), s.lib)
                                      for s in found.shapes), loader=True)
            else:
                return None
            if fact is not None and found != fact:
                return None
            fact = found
        return fact if self._only_local_sites(function) else None

    def _model_output(self, call: cst.Call, env: Env, nested: bool) -> Shape | None:
        """``model(x)``, ``self.fc(x)``, ``self(x)``: the output of a module whose definition says
        its last dimension (``nn.Linear(h, 1)``, an ``nn.Sequential`` ending in one, a class whose
        ``forward`` returns a known shape, in this file or another module of the project)."""
        summary = self._call_summary(call)
        if summary is None:
            return None
        kind, what, _ = summary
        args = [a.value for a in call.args if a.keyword is None and not a.star]
        if kind == "same":  # an activation module: the shape of its input
            return self._eval(args[0], env, nested) if len(args) == 1 else None
        # A model called on a loader's batch gives a batch: its first dimension is the batch.
        on_batch = bool(args) and not nested and self._batch_value(args[0], env) is not None
        if kind == "layer":
            source = self._eval(args[0], env, nested) if len(args) == 1 else None
            # A layer reads its input's last dimension as features. When the analysis has a batch
            # there (a guessed (batch, h) reduced over dim 1: the guess was wrong, the input had
            # more dimensions), that shape is no evidence: back to the guess of an unknown input.
            if source is not None and source.rank >= 1 and not is_batch_dim(source.dims[-1]):
                return Shape(source.dims[:-1] + (what,), source.lib)
            first = f"{LAYER_BATCH}{self._fresh(call, 0)}" \
                if on_batch or self._in_module_method(call) else self._fresh(call, 0)
            return Shape((first, what), "torch")
        if kind == "conv":
            return self._conv_output(call, what, args, env, nested, on_batch)
        if what is None:
            return None
        # A class's output: its sizes are another scope's; only literal sizes carry over, and
        # a batch where the call is itself a layer applied in a module's method or the model is
        # called on a loader's batch (the forward's leading batch is then that batch).
        inside = self._in_module_method(call)
        return Shape(tuple(d if isinstance(d, int) or d is None or d == BATCH
                           else f"{LAYER_BATCH}{self._fresh(call, i)}"
                           if is_batch_dim(d) and (inside or (on_batch and i == 0))
                           else self._fresh(call, i) for i, d in enumerate(what.dims)), what.lib)

    def _conv_output(self, call: cst.Call, what: tuple, args: list[cst.BaseExpression], env: Env,
                     nested: bool, on_batch: bool) -> Shape | None:
        """``nn.Conv2d(c, k, ...)(x)``: ``(batch, k, ?, ?)`` for a batch ``x`` of rank 4, ``(k, ?, ?)``
        for an unbatched one of rank 3; the spatial sizes are left unknown (kernel, stride,
        padding and dilation change them). An input of unknown rank is a batch where a module's
        method applies the layer or the model is called on a loader's batch (as for
        ``nn.Linear``); anywhere else its rank stays unknown."""
        spatial, out = what
        source = self._eval(args[0], env, nested) if len(args) == 1 else None
        tail = (out,) + (None,) * spatial
        if source is not None:
            if source.rank == spatial + 2:
                return Shape((source.dims[0],) + tail, "torch")
            if source.rank == spatial + 1:
                return Shape(tail, "torch")
            return None
        if on_batch or self._in_module_method(call):
            return Shape((f"{LAYER_BATCH}{self._fresh(call, 0)}",) + tail, "torch")
        return None

    def _value_summary(self, value: cst.BaseExpression, depth: int) -> "Summary | None":
        """("layer", out_dim, activation), ("same", None, activation) or ("class", Shape | None,
        activation) for a module constructor expression."""
        from dllint.analysis.models import SELF_RETURNING, WRAPPER_NAMES, WRAPPERS
        for _ in range(8):
            while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                    and value.func.attr.value in SELF_RETURNING:
                value = value.func.value
            if not isinstance(value, cst.Call) or not isinstance(value.func, (cst.Name, cst.Attribute)):
                return None
            qualified = self._imports.qualify(value.func) or ""
            if (qualified in WRAPPERS or (dotted_name(value.func) or "").rsplit(".", 1)[-1]
                    in WRAPPER_NAMES) and value.args:
                value = value.args[0].value
                continue
            break
        else:
            return None
        if qualified in ("torch.nn.Linear", "torch.nn.LazyLinear"):
            arg = _keyword(value, "out_features")
            if arg is None:
                positional = _positional(value) or []
                index = 0 if qualified.endswith("LazyLinear") else 1
                arg = positional[index] if len(positional) > index else None
            out = _int_literal(arg) if arg is not None else None
            if out is None and isinstance(arg, cst.Name):
                out = self._init_parameter(value, arg.value)
            return ("layer", out, None) if arg is not None else None
        if qualified in CONV_LAYERS:
            lazy = ".Lazy" in qualified
            arg = _keyword(value, "out_channels")
            if arg is None:
                positional = _positional(value) or []
                index = 0 if lazy else 1
                arg = positional[index] if len(positional) > index else None
            if arg is None:
                return None
            out = _int_literal(arg)
            if out is None and isinstance(arg, cst.Name):
                out = self._init_parameter(value, arg.value)
            return ("conv", (CONV_LAYERS[qualified], out), None)
        if qualified in ACTIVATION_MODULES:
            return ("same", None, ACTIVATION_MODULES[qualified])
        if qualified == "torch.nn.Sequential":
            return self._sequential_summary(value, depth)
        if qualified.startswith("torch."):
            return None
        name = dotted_name(value.func)
        if name is None:
            return None
        local = self._model_facts().classes.get(name)
        if local is not None:
            shape = _bind_init_arguments(self._class_summary(local.node), local.node, value)
            return ("class", shape, self._class_activation(local.node))
        return self._imported_class_summary(name, value)

    def _init_parameter(self, node: cst.CSTNode, name: str) -> str | None:
        """``"@out_features"`` when ``name`` is a parameter of the ``__init__`` that builds
        ``node``: a size the class's constructor call gives (``Linear(h, 1)`` of a wrapper class
        whose ``__init__`` builds ``nn.Linear(in_features, out_features)``)."""
        function = self.ctx.index.function_of(node)
        if function is None or function.name.value != "__init__" \
                or self.ctx.index.enclosing(function, cst.ClassDef) is None:
            return None
        if name not in _param_names(function.params):
            return None
        return f"@{name}"

    def _sequential_summary(self, value: cst.Call, depth: int) -> "Summary | None":
        """An ``nn.Sequential``: the last layer's activation; the shape of the last layer that
        changes it."""
        activation = None
        last = True
        for arg in reversed(value.args):
            if arg.star or arg.keyword is not None:
                return None
            inner = arg.value
            layer = (self._imports.qualify(inner.func) or "") if isinstance(inner, cst.Call) else ""
            if last:
                activation = ACTIVATION_MODULES.get(layer)
            if layer.rsplit(".", 1)[-1] in _SHAPE_KEEPING_LAYERS:
                last = False
                continue
            found = self._value_summary(inner, depth + 1) if depth < 4 else None
            if found is None:
                return None if activation is None else ("class", None, activation)
            return (found[0], found[1], activation if not last else found[2])
        return None if activation is None else ("class", None, activation)

    def _class_activation(self, klass: cst.ClassDef) -> str | None:
        """The activation every return of the class's ``forward`` applies last, if they agree."""
        from dllint.analysis.outputs import Activations
        if len(self._summarizing) > 8:
            return None
        self._summarizing.add(klass)
        try:
            return self.ctx.analysis(Activations).of_class(klass)
        finally:
            self._summarizing.discard(klass)

    def _imported_class_summary(self, name: str, value: cst.Call):
        def read(shapes: Shapes, klass: cst.ClassDef):
            shape = _bind_init_arguments(shapes._class_summary(klass), klass, value)
            return ("class", shape, shapes._class_activation(klass))
        return self._in_imported_class(name, read)

    def _class_summary(self, klass: cst.ClassDef) -> Shape | None:
        """What the class's ``forward`` returns, when every return has the same known rank."""
        if klass in self._class_outputs:
            return self._class_outputs[klass]
        if len(self._summarizing) > 8:
            return None
        self._class_outputs[klass] = None  # a forward that calls its own class: unknown
        from dllint.analysis.project import _class_and_bases
        forward = None
        for owner in _class_and_bases(self.ctx, klass):
            for statement in owner.body.body if isinstance(owner.body, cst.IndentedBlock) else ():
                if isinstance(statement, cst.FunctionDef) and statement.name.value == "forward":
                    forward = statement
            if forward is not None:
                break
        shape = None
        if forward is not None:
            self._summarizing.add(klass)
            try:
                shape = self._forward_output(forward)
            finally:
                self._summarizing.discard(klass)
        self._class_outputs[klass] = shape
        return shape

    def _forward_output(self, forward: cst.FunctionDef) -> Shape | None:
        graph = build_cfg(forward)
        solution = solve(graph, _ShapeLattice(self), START)
        out: Shape | None = None
        returns = 0
        for block in graph.blocks:
            for (kind, node), state in solution.states(block):
                if kind != "stmt" or not isinstance(node, cst.Return):
                    continue
                if node.value is None:
                    return None
                shape = self._eval(node.value, state)
                if shape is None:
                    return None
                out = shape if out is None else _merge_shape(out, shape)
                if out is None:
                    return None
                returns += 1
        return out if returns else None

    def _returned_tuple(self, call: cst.Call) -> tuple[Shape | None, ...] | None:
        """The shapes of what ``self.method(...)`` (a method of the enclosing class) or
        ``model(...)`` (a model class of this file) returns, when every return is a tuple
        literal of the same length; sizes other than literals and the batch become fresh."""
        function = self._called_function(call)
        if function is None:
            return None
        if function in self._tuple_outputs:
            out = self._tuple_outputs[function]
        else:
            self._tuple_outputs[function] = None
            out = None
            if len(self._summarizing) <= 8:
                self._summarizing.add(function)
                try:
                    out = self._function_tuple(function)
                finally:
                    self._summarizing.discard(function)
            self._tuple_outputs[function] = out
        if out is None:
            return None
        own = isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name) \
            and call.func.value.value == "self"  # the same instance: the same batch
        return tuple(None if shape is None else Shape(tuple(
            d if isinstance(d, int) or d is None or d == BATCH or (own and is_batch_dim(d))
            else self._fresh(call, 10 * k + i)
            for i, d in enumerate(shape.dims)), shape.lib) for k, shape in enumerate(out))

    def _called_function(self, call: cst.Call) -> cst.FunctionDef | None:
        func = call.func
        models = self._model_facts()
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) \
                and func.value.value == "self":
            owner = self.ctx.index.enclosing(call, cst.ClassDef)
            name = func.attr.value
        else:
            values = models.definition_values(func, call) if isinstance(func, (cst.Name, cst.Attribute)) \
                else None
            if not values or len(values) != 1 or not isinstance(values[0], cst.Call):
                return None
            klass = models.classes.get(dotted_name(values[0].func) or "")
            owner = klass.node if klass is not None else None
            name = "forward"
        if owner is None or not isinstance(owner.body, cst.IndentedBlock):
            return None
        return next((s for s in owner.body.body if isinstance(s, cst.FunctionDef)
                     and s.name.value == name and not s.decorators), None)

    def _function_tuple(self, function: cst.FunctionDef, entry: Env | None = None
                        ) -> tuple[Shape | None, ...] | None:
        graph = build_cfg(function)
        solution = solve(graph, _ShapeLattice(self), START if entry is None else entry)
        out: list[Shape | None] | None = None
        for block in graph.blocks:
            for (kind, node), state in solution.states(block):
                if kind != "stmt" or not isinstance(node, cst.Return):
                    continue
                value = node.value
                if not isinstance(value, cst.Tuple) or any(
                        isinstance(e, cst.StarredElement) for e in value.elements):
                    return None
                shapes = [self._eval(e.value, state) for e in value.elements]
                if out is None:
                    out = shapes
                elif len(out) != len(shapes):
                    return None
                else:
                    out = [a if a == b else (None if a is None or b is None else _merge_shape(a, b))
                           for a, b in zip(out, shapes)]
        return tuple(out) if out is not None else None

    def _fresh(self, node: cst.CSTNode, i: int) -> str:
        return f"#{self.ctx.index.order.get(node, id(node))}:{i}"

    # -- expressions -----------------------------------------------------------------------------
    def _eval(self, node: cst.BaseExpression, env: Env, nested: bool = False) -> Shape | None:
        answers = self._answering
        if answers is None or not isinstance(node, cst.BinaryOperation):
            return self._eval_node(node, env, nested)
        known = answers.get((node, nested))
        if known is not None and known[0] is env:  # the facts do not change once the analysis ran
            return known[1]
        shape = self._eval_node(node, env, nested)
        answers[(node, nested)] = (env, shape)
        return shape

    def _eval_node(self, node: cst.BaseExpression, env: Env, nested: bool = False) -> Shape | None:
        if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
            return SCALAR
        if isinstance(node, cst.Name):
            if nested:
                return None
            fact = env.get(node.value)
            if isinstance(fact, Shape):
                return fact
            if isinstance(fact, IntConst):
                return SCALAR
            if isinstance(fact, Batch):
                return fact.shape
            return None
        if isinstance(node, cst.UnaryOperation):
            if isinstance(node.operator, cst.Not):
                return None
            return self._eval(node.expression, env, nested)
        if isinstance(node, cst.BinaryOperation):
            left = self._eval(node.left, env, nested)
            if left is None:
                return None
            right = self._eval(node.right, env, nested)
            if isinstance(node.operator, cst.MatrixMultiply):
                return _matmul(left, right)
            return _strip(broadcast(left, right))
        if isinstance(node, cst.Comparison):
            if len(node.comparisons) != 1 or isinstance(
                    node.comparisons[0].operator, (cst.In, cst.NotIn, cst.Is, cst.IsNot)):
                return None
            left = self._eval(node.left, env, nested)
            if left is None:
                return None
            return _strip(broadcast(left, self._eval(node.comparisons[0].comparator, env, nested)))
        if isinstance(node, cst.Subscript):
            return self._subscript(node, env, nested)
        if isinstance(node, cst.Attribute):
            attr = node.attr.value
            if isinstance(node.value, cst.Name) and node.value.value == "self" and not nested:
                fact = env.get(f"self.{attr}")  # a data set's __getitem__ knows these
                if fact is None:
                    fact = self.class_attribute(node, attr)
                if isinstance(fact, Shape):
                    return fact
            if _self_attribute(node.value) and not nested:
                # self.prep.y_train: an attribute of an object of a class of the project
                owner = self.class_attribute(node.value, node.value.attr.value)  # type: ignore
                if isinstance(owner, Instance) and attr not in self._foreign_bindings():
                    fact = self._instance_attribute(owner.name, attr)
                    if isinstance(fact, Shape):
                        return fact
            if attr in ("T", "mT") or attr in ("data", "real", "imag"):
                base = self._eval(node.value, env, nested)
                if base is None:
                    return None
                if attr in ("T", "mT"):
                    if attr == "mT" and base.rank < 2:
                        return None
                    dims = base.dims[::-1] if attr == "T" else \
                        base.dims[:-2] + (base.dims[-1], base.dims[-2])
                    return Shape(dims, base.lib)
                return base
            if attr in ("values", "indices") and isinstance(node.value, cst.Call) \
                    and _pair_call(node.value):
                return self._call(node.value, env, nested, pair_index=0)
            if attr == "values" and not nested and self._frame_column(node.value, env):
                return Shape((None,), "numpy")  # df["price"].values: a column
            return None
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "to_numpy" and not nested \
                    and not node.args and self._frame_column(func.value, env):
                return Shape((None,), "numpy")
            return self._call(node, env, nested)
        if isinstance(node, cst.IfExp):
            a = self._eval(node.body, env, nested)
            b = self._eval(node.orelse, env, nested)
            if a is None or b is None:
                return None
            return _merge_shape(a, b)
        return None

    def _subscript(self, node: cst.Subscript, env: Env, nested: bool) -> Shape | None:
        # x.max(1)[0]: the values of a (values, indices) reduction.
        if isinstance(node.value, cst.Call) and _pair_call(node.value) and len(node.slice) == 1 \
                and isinstance(node.slice[0].slice, cst.Index) \
                and _int_literal(node.slice[0].slice.value) in (0, 1):
            return self._call(node.value, env, nested, pair_index=0)
        base = self._eval(node.value, env, nested)
        if base is None or base.rank == 0:
            return None
        elements = [e.slice for e in node.slice]
        consumed = sum(1 for e in elements if not (isinstance(e, cst.Index) and (
            _is_none(e.value) or isinstance(e.value, cst.Ellipsis)
            or (isinstance(e.value, cst.Attribute) and e.value.attr.value == "newaxis"))))
        if consumed > base.rank:
            return None
        out: list[Dim] = []
        pos = 0
        for k, element in enumerate(elements):
            if isinstance(element, cst.Slice):
                if element.lower is None and element.upper is None and element.step is None:
                    out.append(base.dims[pos])
                else:
                    out.append(self._fresh(node, k))
                pos += 1
                continue
            value = element.value
            if _is_new_axis(value):
                out.append(1)
                continue
            if isinstance(value, cst.Ellipsis):
                skip = base.rank - consumed
                out.extend(base.dims[pos:pos + skip])
                pos += skip
                continue
            index = _int_literal(value)
            if index is None and isinstance(value, cst.Name):
                fact = env.get(value.value)
                if isinstance(fact, IntConst):
                    index = fact.value
            if index is None:
                return None  # a tensor, list or unknown index: any rank
            pos += 1
        out.extend(base.dims[pos:])
        new_axis = any(isinstance(e, cst.Index) and _is_new_axis(e.value) for e in elements)
        return Shape(tuple(out), base.lib, new_axis=new_axis)

    def _call(self, node: cst.Call, env: Env, nested: bool, pair_index: int | None = None
              ) -> Shape | None:
        func = node.func
        qualified = self._imports.qualify(func) if isinstance(func, (cst.Name, cst.Attribute)) \
            else None
        if qualified is not None:
            lib, _, rest = qualified.partition(".")
            if lib == "torch":
                if rest.startswith("nn.functional."):
                    rest = rest[len("nn.functional."):]
                return self._torch_function(rest, node, env, nested, pair_index)
            if lib == "numpy":
                return self._numpy_function(rest, node, env, nested)
            return None
        if isinstance(func, cst.Name):
            # float(t), len(x): Python numbers.
            if func.value in ("float", "int", "len", "round"):
                return SCALAR
            return self._model_output(node, env, nested)
        if isinstance(func, cst.Call):
            return self._model_output(node, env, nested)  # Net()(x), nn.Linear(4, 1)(x)
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        if method in ("item",):
            return SCALAR
        if method in ("size", "dim", "numel", "ndimension") and not node.args:
            return None  # not a tensor
        receiver = func.value
        if isinstance(receiver, cst.Name) and receiver.value == "self":
            return self._model_output(node, env, nested)  # self.fc(x), self.model(x)
        if method in ("view", "reshape") or method == "flatten":
            base = self._eval(receiver, env, nested)
        else:
            base = self._eval(receiver, env, nested)
            if base is None:
                return None
        return self._method(method, base, node, list(node.args), env, nested, pair_index)

    def _method(self, method: str, base: Shape | None, node: cst.Call, args: list[cst.Arg],
                env: Env, nested: bool, pair_index: int | None) -> Shape | None:
        positional = [a.value for a in args if a.keyword is None and not a.star]
        if any(a.star for a in args):
            return None
        lib = base.lib if base is not None else None
        if method in ("view", "reshape"):
            if len(positional) == 1:
                sizes = self._size_tuple(positional[0], env)
                if sizes is None:
                    single = positional[0]
                    lit = _int_literal(single)
                    if lit is None and not (isinstance(single, cst.Name) and
                                            isinstance(env.get(single.value), IntConst)):
                        return None
                    sizes = (self._dim(single, env),)
            elif positional:
                sizes = tuple(self._dim(p, env) for p in positional)
            else:
                return None
            dims = list(sizes)
            if dims.count(-1) == 1:
                k = dims.index(-1)
                others = [d for d in dims if d != -1]
                known_non_one = [d for d in base.dims if d != 1] if base is not None else None
                if base is not None and all(d == 1 for d in others) and len(known_non_one) == 1 \
                        and known_non_one[0] is not None:
                    dims[k] = known_non_one[0]
                elif k == 0 and len(dims) > 1 and self._in_forward(node):
                    dims[k] = BATCH  # x.view(-1, c, h, w) in a module's forward: the batch
                else:
                    dims[k] = self._fresh(node, k)
            elif dims.count(-1) > 1:
                return None
            # ``a.reshape((3, 1))``: every size spelt out as a literal, ending in 1, is a column
            # the author wrote on purpose, as ``a[:, np.newaxis]`` is (``y.reshape(-1, 1)`` and
            # ``x.view(n, 1)`` leave a size to the data and are not)
            written = positional[0].elements if len(positional) == 1 \
                and isinstance(positional[0], (cst.Tuple, cst.List)) else positional
            written_sizes = [_int_literal(getattr(e, "value", e)) for e in written]
            literal_column = len(written_sizes) >= 2 and written_sizes[-1] == 1 \
                and all(w is not None and w > 0 for w in written_sizes)
            return Shape(tuple(dims), lib, new_axis=literal_column)
        if method == "flatten":
            start = _int_literal(positional[0]) if positional else 0
            end = _int_literal(positional[1]) if len(positional) > 1 else -1
            kw_start = _keyword(node, "start_dim")
            kw_end = _keyword(node, "end_dim")
            if kw_start is not None:
                start = _int_literal(kw_start)
            if kw_end is not None:
                end = _int_literal(kw_end)
            if start is None or end is None:
                return None
            if start == 0 and end == -1:
                if base is not None and base.rank == 1:
                    return base
                return Shape((self._fresh(node, 0),), lib)
            if base is None:
                return None
            s, e = _normalize(start, base.rank), _normalize(end, base.rank)
            if s is None or e is None or s > e:
                return None
            merged = base.dims[s] if s == e else self._fresh(node, s)
            return Shape(base.dims[:s] + (merged,) + base.dims[e + 1:], lib)
        assert base is not None
        if method in SAME_SHAPE:
            return replace(base, reduced_from=None)
        if method in BINARY:
            if len(positional) != 1:
                return None
            return _strip(broadcast(base, self._eval(positional[0], env, nested)))
        if method == "unsqueeze":
            d = _int_literal(positional[0]) if positional else _int_literal(
                _keyword(node, "dim") or cst.Name("None"))
            if d is None:
                return None
            if d < 0:
                d += base.rank + 1
            if not 0 <= d <= base.rank:
                return None
            return Shape(base.dims[:d] + (1,) + base.dims[d:], lib, new_axis=True)
        if method == "squeeze":
            if not positional and not args:
                # A literal 1 goes; a size written as a symbol (a batch, a count) is taken to stay:
                # a (B, 1) output squeezes to (B,). That B may be 1 is DL202's concern.
                if all(d is not None for d in base.dims):
                    return Shape(tuple(d for d in base.dims if d != 1), lib)
                return None
            d = _int_literal(positional[0]) if positional else None
            if d is None:
                return None
            d2 = _normalize(d, base.rank)
            if d2 is None:
                return None
            if base.dims[d2] == 1:
                return Shape(base.dims[:d2] + base.dims[d2 + 1:], lib)
            if isinstance(base.dims[d2], int):
                return base
            return None
        if method in ("t",) and not args:
            return Shape(base.dims[::-1], lib) if base.rank <= 2 else None
        if method in ("transpose", "swapaxes", "swapdims") and len(positional) == 2:
            a, b = _int_literal(positional[0]), _int_literal(positional[1])
            if a is None or b is None:
                return None
            a, b = _normalize(a, base.rank), _normalize(b, base.rank)
            if a is None or b is None:
                return None
            dims = list(base.dims)
            dims[a], dims[b] = dims[b], dims[a]
            return Shape(tuple(dims), lib)
        if method == "permute":
            order = positional
            if len(order) == 1 and isinstance(order[0], (cst.Tuple, cst.List)):
                order = [e.value for e in order[0].elements]
            idx = [_int_literal(o) for o in order]
            if len(idx) != base.rank or any(i is None for i in idx):
                return None
            norm = [_normalize(i, base.rank) for i in idx]  # type: ignore[arg-type]
            if any(i is None for i in norm):
                return None
            return Shape(tuple(base.dims[i] for i in norm), lib)  # type: ignore[index]
        if method in ("matmul", "mm", "dot") and len(positional) == 1:
            return _matmul(base, self._eval(positional[0], env, nested))
        if method == "expand_as" and len(positional) == 1:
            return self._eval(positional[0], env, nested)
        if method in REDUCTIONS:
            return self._reduce(method, base, node, positional, nested, pair_index)
        return None

    def _reduce(self, method: str, base: Shape, node: cst.Call,
                positional: list[cst.BaseExpression], nested: bool,
                pair_index: int | None) -> Shape | None:
        lib = base.lib
        dim_node = _keyword(node, "dim", "axis")
        rest = positional
        if method == "norm":
            rest = positional[1:]  # norm(p, dim)
        if dim_node is None and rest:
            dim_node = rest[0]
            rest = rest[1:]
        if method in _AMBIGUOUS_SECOND and rest:
            return None
        if dim_node is None or _is_none(dim_node):
            if method in PAIR_REDUCTIONS and len(positional) > (1 if method != "norm" else 2):
                return None
            return Shape((), lib)
        if method in PAIR_REDUCTIONS and pair_index is None:
            return None  # a (values, indices) pair
        keep = keepdim_of(node)
        if rest and keep is False:
            flag = rest[0]
            if _is_true(flag):
                keep = True
            elif not (isinstance(flag, cst.Name) and flag.value == "False"):
                keep = None
        if keep is None:
            return None
        if isinstance(dim_node, (cst.Tuple, cst.List)):
            dims_idx = [_int_literal(e.value) for e in dim_node.elements]
        else:
            dims_idx = [_int_literal(dim_node)]
        if any(d is None for d in dims_idx):
            return None
        norm = {_normalize(d, base.rank) for d in dims_idx}  # type: ignore[arg-type]
        if None in norm:
            return None
        if keep:
            return Shape(tuple(1 if i in norm else d for i, d in enumerate(base.dims)), lib)
        dims = tuple(d for i, d in enumerate(base.dims) if i not in norm)
        source = None
        receiver = node.func.value if isinstance(node.func, cst.Attribute) else None
        if receiver is not None and isinstance(receiver, cst.Name) and len(norm) == 1 \
                and self._imports.qualify(receiver) is None:
            source = (receiver.value, next(iter(norm)))
        return Shape(dims, lib, source)

    def _torch_function(self, name: str, node: cst.Call, env: Env, nested: bool,
                        pair_index: int | None) -> Shape | None:
        positional = _positional(node)
        if positional is None:
            return None
        if name in TORCH_SIZED or name in ("full",):
            size_kw = _keyword(node, "size")
            if name == "full":
                sizes = self._size_tuple(positional[0], env) if positional else None
            elif size_kw is not None:
                sizes = self._size_tuple(size_kw, env)
            elif len(positional) == 1:
                sizes = self._size_tuple(positional[0], env)
                if sizes is None and not _looks_like_shape(positional[0]):
                    sizes = (self._dim(positional[0], env),)
            else:
                sizes = tuple(self._dim(p, env) for p in positional) if positional else None
            return Shape(tuple(sizes), "torch") if sizes is not None else None
        if name == "normal" and (len(positional) == 3 or _keyword(node, "size") is not None):
            size = _keyword(node, "size") or positional[2]
            sizes = self._size_tuple(size, env)
            return Shape(sizes, "torch") if sizes is not None else None
        if name == "one_hot" and positional:
            classes = _keyword(node, "num_classes") or (
                positional[1] if len(positional) > 1 else None)
            base = self._eval(positional[0], env, nested)
            if base is None or classes is None or _int_literal(classes) == -1:
                return None
            return Shape(base.dims + (self._dim(classes, env),), "torch")
        if name == "randint":
            size = _keyword(node, "size") or (positional[-1] if len(positional) >= 2 else None)
            sizes = self._size_tuple(size, env) if size is not None else None
            return Shape(sizes, "torch") if sizes is not None else None
        if name == "eye" and positional:
            n = self._dim(positional[0], env)
            m = self._dim(positional[1], env) if len(positional) > 1 else n
            return Shape((n, m), "torch")
        if name == "arange":
            if len(positional) == 1 and not _keyword(node, "end", "start", "step"):
                return Shape((self._dim(positional[0], env),), "torch")
            if len(positional) == 2 and _int_literal(positional[0]) == 0:
                return Shape((self._dim(positional[1], env),), "torch")
            return Shape((self._fresh(node, 0),), "torch")
        if name in ("linspace", "logspace"):
            steps = _keyword(node, "steps") or (positional[2] if len(positional) > 2 else None)
            if steps is None:
                return None
            return Shape((self._dim(steps, env),), "torch")
        if name in ("tensor", "as_tensor", "Tensor", "FloatTensor", "LongTensor", "from_numpy"):
            if len(positional) != 1:
                return None
            dims = _literal_dims(positional[0]) if name != "from_numpy" else None
            if dims is None and name != "from_numpy":
                dims = self._list_dims(positional[0], env, nested)
            if dims is None:
                # torch.tensor(y) of an array of known rank: a copy of the same shape
                array = self._eval(positional[0], env, nested)
                if array is None or array.rank == 0:
                    return None
                dims = array.dims
            if name in ("Tensor", "FloatTensor", "LongTensor") and not dims:
                return None  # torch.Tensor(3) is a size, not a value
            return Shape(dims, "torch")
        if name in ("zeros_like", "ones_like", "rand_like", "randn_like", "empty_like",
                    "full_like") and positional:
            base = self._eval(positional[0], env, nested)
            return Shape(base.dims, "torch") if base is not None else None
        if name in ("matmul", "mm", "bmm") and len(positional) == 2:
            return _matmul(self._eval(positional[0], env, nested),
                           self._eval(positional[1], env, nested))
        if name in BINARY and len(positional) == 2:
            left = self._eval(positional[0], env, nested)
            if left is None:
                return None
            return _strip(broadcast(left, self._eval(positional[1], env, nested)))
        if name == "where" and len(positional) == 3:
            shapes = [self._eval(p, env, nested) for p in positional]
            return _strip(broadcast(broadcast(shapes[0], shapes[1]), shapes[2]))
        if name in ("cat", "concat", "stack") and positional and \
                isinstance(positional[0], (cst.List, cst.Tuple)):
            parts = [self._eval(e.value, env, nested) for e in positional[0].elements
                     if not isinstance(e, cst.StarredElement)]
            if not parts or len(parts) != len(positional[0].elements) or any(
                    p is None or p.rank != parts[0].rank for p in parts):
                return None
            rank = parts[0].rank
            dim_node = _keyword(node, "dim", "axis") or (
                positional[1] if len(positional) > 1 else cst.Integer("0"))
            d = _int_literal(dim_node)
            if d is None:
                return None
            if name == "stack":
                d = d + rank + 1 if d < 0 else d
                if not 0 <= d <= rank:
                    return None
                dims = list(parts[0].dims)
                dims.insert(d, len(parts))
                return Shape(tuple(dims), "torch")
            d2 = _normalize(d, rank)
            if d2 is None:
                return None
            dims = list(parts[0].dims)
            dims[d2] = self._fresh(node, d2)
            return Shape(tuple(dims), "torch")
        if positional:
            # torch.sum(x, 1), torch.unsqueeze(x, 1), torch.exp(x), F.relu(x): the method form.
            if "." in name:
                return None
            method = name
            if method in ("max", "min") and len(positional) == 2 and \
                    _int_literal(positional[1]) is None:
                left = self._eval(positional[0], env, nested)
                return _strip(broadcast(left, self._eval(positional[1], env, nested))) \
                    if left is not None else None
            if method in SAME_SHAPE or method in REDUCTIONS or method in (
                    "unsqueeze", "squeeze", "flatten", "reshape", "transpose", "permute", "t"):
                base = self._eval(positional[0], env, nested)
                if base is None and method not in ("reshape", "flatten"):
                    return None
                shifted = cst.Call(func=node.func, args=node.args[1:])
                result = self._method(method, base, shifted, list(node.args[1:]), env, nested,
                                      pair_index)
                base_rank = base.rank if base is not None else 0
                if result is not None and method in REDUCTIONS and result.reduced_from is None \
                        and isinstance(positional[0], cst.Name) and result.rank < base_rank:
                    dim = self._reduced_dim(base, shifted, method)
                    if dim is not None:
                        result = replace(result, reduced_from=(positional[0].value, dim))
                return result
        return None

    def _list_dims(self, node: cst.BaseExpression, env: Env, nested: bool
                   ) -> tuple[Dim, ...] | None:
        """``[float(y)]``, ``[a, b]`` of values of one known shape: the list's length, then it.
        A list comprehension whose element has a known shape of literal sizes whatever its loop
        variables hold (``[float(v) for v in line.split()]``): an unknown length, then it."""
        if isinstance(node, cst.ListComp):
            return self._comprehension_dims(node, env, nested)
        if not isinstance(node, (cst.List, cst.Tuple)) or not node.elements \
                or any(isinstance(e, cst.StarredElement) for e in node.elements):
            return None
        inner = None
        for element in node.elements:
            shape = self._eval(element.value, env, nested)
            if shape is None or (inner is not None and shape.dims != inner):
                return None
            inner = shape.dims
        if inner is None or any(not isinstance(d, int) for d in inner):
            return None
        return (len(node.elements),) + inner

    def _comprehension_dims(self, node: cst.ListComp, env: Env, nested: bool
                            ) -> tuple[Dim, ...] | None:
        """``[float(v) for v in xs]``: ``(None,)``; ``[[a, b] for ...]``: ``(None, 2)``. The
        element is read with the comprehension's targets unknown (a name it rebinds is not the
        outer one), so its shape holds for every item; only literal sizes, so the rows are all
        alike (a ragged list makes no array of one more dimension)."""
        names: list[str] = []
        comp: cst.CompFor | None = node.for_in
        while comp is not None:
            names.extend(_target_names(comp.target))
            comp = comp.inner_for_in
        if any(isinstance(n, cst.NamedExpr) for n in _walk(node)):
            return None
        inner_env = _kill(env, names)
        if isinstance(node.elt, (cst.List, cst.Tuple, cst.ListComp)):
            dims = self._list_dims(node.elt, inner_env, nested)
        else:
            shape = self._eval(node.elt, inner_env, nested)
            dims = shape.dims if shape is not None else None
        if dims is None or any(not isinstance(d, int) for d in dims):
            return None
        return (None,) + dims

    def _reduced_dim(self, base: Shape | None, call: cst.Call, method: str) -> int | None:
        if base is None:
            return None
        positional = [a.value for a in call.args if a.keyword is None]
        if method == "norm":
            positional = positional[1:]
        dim_node = _keyword(call, "dim", "axis") or (positional[0] if positional else None)
        d = _int_literal(dim_node) if dim_node is not None else None
        return _normalize(d, base.rank) if d is not None else None

    def _numpy_function(self, name: str, node: cst.Call, env: Env, nested: bool) -> Shape | None:
        positional = _positional(node)
        if positional is None:
            return None
        if name in NUMPY_SIZED and positional:
            sizes = self._size_tuple(positional[0], env)
            if sizes is None and not _looks_like_shape(positional[0]):
                sizes = (self._dim(positional[0], env),)
            return Shape(sizes, "numpy") if sizes is not None else None
        if name in NUMPY_VARARGS and positional:
            return Shape(tuple(self._dim(p, env) for p in positional), "numpy")
        if name in NUMPY_SIZE_KW:
            size = _keyword(node, "size")
            if size is None:
                return None
            sizes = self._size_tuple(size, env)
            if sizes is None and not _looks_like_shape(size):
                sizes = (self._dim(size, env),)
            return Shape(sizes, "numpy") if sizes is not None else None
        if name in ("array", "asarray") and len(positional) == 1 and _keyword(node, "ndmin") is None:
            dims = _literal_dims(positional[0])
            if dims is None:
                dims = self._list_dims(positional[0], env, nested)
            if dims is None:
                # np.array(y) of an array or tensor of known rank: a copy of the same shape
                array = self._eval(positional[0], env, nested)
                dims = array.dims if array is not None and array.rank > 0 else None
            return Shape(dims, "numpy") if dims is not None else None
        if name == "arange" and len(positional) == 1:
            return Shape((self._dim(positional[0], env),), "numpy")
        if name == "linspace":
            num = _keyword(node, "num") or (positional[2] if len(positional) > 2 else None)
            return Shape((self._dim(num, env) if num is not None else 50,), "numpy")
        if name == "eye" and positional:
            n = self._dim(positional[0], env)
            return Shape((n, self._dim(positional[1], env) if len(positional) > 1 else n), "numpy")
        if name == "expand_dims" and positional:
            axis = _keyword(node, "axis") or (positional[1] if len(positional) > 1 else None)
            base = self._eval(positional[0], env, nested)
            d = _int_literal(axis) if axis is not None else None
            if base is None or d is None:
                return None
            if d < 0:
                d += base.rank + 1
            if not 0 <= d <= base.rank:
                return None
            return Shape(base.dims[:d] + (1,) + base.dims[d:], "numpy", new_axis=True)
        return None


def _bind_init_arguments(shape: Shape | None, klass: cst.ClassDef, call: cst.Call) -> Shape | None:
    """A class's output shape at one constructor call: each ``"@param"`` size of its
    ``__init__`` takes the call's literal argument (else unknown)."""
    if shape is None or not any(isinstance(d, str) and d.startswith("@") for d in shape.dims):
        return shape
    init = init_of(klass)
    params = [p.name.value for p in init.params.params][1:] if init is not None else []
    dims: list[Dim] = []
    for d in shape.dims:
        if isinstance(d, str) and d.startswith("@"):
            name = d[1:]
            arg = _keyword(call, name)
            positional = _positional(call) or []
            if arg is None and name in params and params.index(name) < len(positional):
                arg = positional[params.index(name)]
            d = _int_literal(arg) if arg is not None else None
        dims.append(d)
    return Shape(tuple(dims), shape.lib)


def _rebinds(value: cst.BaseExpression, name: str) -> bool:
    """``value`` is ``name`` itself, moved or cast (``model.to(device)``, ``model.cuda()``)."""
    from dllint.analysis.models import SELF_RETURNING
    while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
            and value.func.attr.value in SELF_RETURNING:
        value = value.func.value
    return dotted_name(value) == name


class _ShapeLattice(PlainLattice):
    def __init__(self, shapes: Shapes) -> None:
        self.shapes = shapes

    def join(self, a: Env, b: Env) -> Env:
        return _merge(a, b)

    def transfer(self, element: Element, state: Env) -> Env:
        return self.shapes.transfer(element, state)

    def edge(self, edge: Edge, state: Env) -> Env:
        return self.shapes.along(edge, state)

    def same(self, a: Env, b: Env) -> bool:
        return a.same(b)


def _pattern_names(pattern: cst.CSTNode) -> list[str]:
    """The names a ``case`` pattern captures."""
    out: list[str] = []
    stack = [pattern]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.MatchAs, cst.MatchStar)) and node.name is not None:
            out.append(node.name.value)
        if isinstance(node, cst.MatchMapping) and node.rest is not None:
            out.append(node.rest.value)
        stack.extend(node.children)
    return out


# -- helpers on facts ---------------------------------------------------------------------------

def _is_new_axis(node: cst.BaseExpression) -> bool:
    """``None`` or ``np.newaxis`` as an index: a new singleton dimension."""
    return _is_none(node) or (isinstance(node, cst.Attribute) and node.attr.value == "newaxis")


def _pair_call(call: cst.Call) -> bool:
    """``x.max(1)`` / ``torch.max(x, 1)``: a reduction that returns (values, indices)."""
    return isinstance(call.func, cst.Attribute) and call.func.attr.value in PAIR_REDUCTIONS


def _looks_like_shape(node: cst.BaseExpression) -> bool:
    """A single size argument that may be a whole shape (``torch.zeros(shape)``), not one size."""
    if isinstance(node, cst.Name):
        return node.value in ("size", "shape", "dims", "sizes") or \
            node.value.endswith(("shape", "_dims", "sizes"))
    if isinstance(node, cst.Attribute):
        return node.attr.value in ("shape", "size", "sizes", "dims") or \
            node.attr.value.endswith("shape")
    if isinstance(node, (cst.Integer, cst.UnaryOperation, cst.BinaryOperation, cst.Subscript)):
        return False
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Name) and func.value in ("len", "int"):
            return False
        if isinstance(func, cst.Attribute) and func.attr.value == "size" and node.args:
            return False
    return True


def _literal_dims(node: cst.BaseExpression) -> tuple[Dim, ...] | None:
    """The shape of a nested list literal (``[[1, 2], [3, 4]]`` -> (2, 2)); () for a number."""
    if isinstance(node, (cst.Integer, cst.Float)) or (
            isinstance(node, cst.UnaryOperation) and isinstance(node.expression,
                                                                (cst.Integer, cst.Float))):
        return ()
    if isinstance(node, (cst.List, cst.Tuple)):
        if not node.elements or any(isinstance(e, cst.StarredElement) for e in node.elements):
            return None
        inner = _literal_dims(node.elements[0].value)
        if inner is None:
            return None
        return (len(node.elements),) + inner
    return None


def _matmul(a: Shape | None, b: Shape | None) -> Shape | None:
    if a is None or b is None or a.rank == 0 or b.rank == 0:
        return None
    lib = a.lib or b.lib
    if a.rank == 1 and b.rank == 1:
        return Shape((), lib)
    if a.rank == 2 and b.rank == 2:
        return Shape((a.dims[0], b.dims[1]), lib)
    if a.rank == 2 and b.rank == 1:
        return Shape((a.dims[0],), lib)
    if a.rank == 1 and b.rank == 2:
        return Shape((b.dims[1],), lib)
    if a.rank == b.rank:
        batch = tuple(x if same_dim(x, y) else None for x, y in zip(a.dims[:-2], b.dims[:-2]))
        return Shape(batch + (a.dims[-2], b.dims[-1]), lib)
    return None


def _strip(shape: Shape | None) -> Shape | None:
    return replace(shape, reduced_from=None) if shape is not None and shape.reduced_from else shape


def _merge_shape(a: Shape, b: Shape) -> Shape | None:
    if a == b:
        return a
    if a.rank != b.rank:
        return None
    dims = tuple(x if same_dim(x, y) or (x == y and x is not None) else None
                 for x, y in zip(a.dims, b.dims))
    return Shape(dims, a.lib if a.lib == b.lib else None,
                 a.reduced_from if a.reduced_from == b.reduced_from else None,
                 a.new_axis and b.new_axis)


def _merge_fact(name: str, fact: Fact, other: Fact) -> Fact | None:
    if fact == other:
        return fact
    if isinstance(fact, Shape) and isinstance(other, Shape):
        return _merge_shape(fact, other)
    if isinstance(fact, Batch) and isinstance(other, Batch) and fact.container == other.container:
        shape = None if fact.shape is None or other.shape is None \
            else _merge_shape(fact.shape, other.shape)
        return Batch(fact.container, shape)
    return None


def _self_attribute_bindings(klass: cst.ClassDef) -> list[str]:
    """Each binding of ``self.attr`` in the class's methods, once per binding (a tuple target, an
    augmented assignment, a ``for``/``with`` target count too)."""
    found: list[str] = []

    class Visitor(cst.CSTVisitor):
        def _targets(self, node: cst.CSTNode) -> None:
            if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) \
                    and node.value.value == "self":
                found.append(node.attr.value)
            elif isinstance(node, (cst.Tuple, cst.List)):
                for element in node.elements:
                    self._targets(element.value)
            elif isinstance(node, cst.StarredElement):
                self._targets(node.value)

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            self._targets(node.target)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            self._targets(node.target)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            self._targets(node.target)

        def visit_For(self, node: cst.For) -> None:
            self._targets(node.target)

        def visit_AsName(self, node: cst.AsName) -> None:
            self._targets(node.name)

        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            self._targets(node.target)

    klass.body.visit(Visitor())
    return found


def _self_attribute(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) \
        and node.value.value == "self"


def _is_method(klass: cst.ClassDef, function: cst.FunctionDef) -> bool:
    """``function`` is a method written in ``klass``'s body whose first parameter is ``self``
    (not a static or class method)."""
    body = klass.body.body if isinstance(klass.body, cst.IndentedBlock) else ()
    if not any(s is function for s in body):
        return False
    for decorator in function.decorators:
        name = dotted_name(decorator.decorator) or ""
        if name.rsplit(".", 1)[-1] in ("staticmethod", "classmethod"):
            return False
    params = function.params.params
    return bool(params) and params[0].name.value == "self"


def _sample_of(shape: Shape | None) -> Shape | None:
    """One sample of a tensor whose first dimension runs over the data set."""
    if shape is None or shape.rank == 0:
        return None
    return Shape(_literal_sizes(shape.dims[1:]), shape.lib)


def _literal_sizes(dims: tuple[Dim, ...]) -> tuple[Dim, ...]:
    """Sizes carried from another scope or into a batch: literals stay, the rest are unknown."""
    return tuple(d if isinstance(d, int) else None for d in dims)


def _union(name: str, a: PMap, b: PMap | None = None) -> PMap:
    return a if b is None else a.merge(b, _keep_first, _keep)


def _keep_first(key: object, a: object, b: object) -> object:
    return a


def _keep(key: object, value: object) -> object:
    return value


def _merge(a: Env, b: Env) -> Env:
    """Where paths meet: a fact survives when both paths agree on it (sizes that differ become
    unknown, ranks that differ drop the fact); the index of which facts mention which names is
    the union of both (a superset is all it must be)."""
    if a is b:
        return a
    facts = a.facts.merge(b.facts, _merge_fact)
    deps = a.deps.merge(b.deps, _union, _keep)
    if facts is a.facts and deps is a.deps:
        return a
    return Env(facts, deps)


def _mentions(fact: Fact) -> set[str]:
    """The identifiers a fact's sizes are written with, and the name it was reduced from."""
    out: set[str] = set()
    for d in getattr(fact, "dims", ()):
        if isinstance(d, str) and not d.startswith("#"):
            out.update(_IDENT.findall(d))
    reduced = getattr(fact, "reduced_from", None)
    if reduced is not None:
        out.add(reduced[0])
    return out


def _set(env: Env, name: str, fact: Fact) -> Env:
    if env.facts.get(name) == fact:
        return env
    deps = env.deps
    for ident in _mentions(fact):
        deps = deps.set(ident, deps.get(ident, EMPTY).set(name, True))
    return Env(env.facts.set(name, fact), deps)


def _kill(env: Env, names: Iterable[str]) -> Env:
    facts = env.facts
    for n in names:
        facts = facts.delete(n)
    return env if facts is env.facts else Env(facts, env.deps)


def _invalidate(env: Env, name: str) -> Env:
    """Forget sizes and reductions that mention ``name``, which is about to be re-bound: only the
    facts the index says mention it are looked at (a scope of n bindings costs n, not n^2)."""
    dependents = env.deps.get(name)
    if dependents is None:
        return env
    facts = env.facts
    for key in dependents.keys():
        fact = facts.get(key)
        if not isinstance(fact, (Shape, SizeTuple)):
            continue
        dims = fact.dims
        new_dims = tuple(None if isinstance(d, str) and not d.startswith("#") and
                         name in _IDENT.findall(d) else d for d in dims)
        reduced = getattr(fact, "reduced_from", None)
        if new_dims != dims or (reduced is not None and reduced[0] == name):
            if isinstance(fact, Shape):
                facts = facts.set(key, Shape(new_dims, fact.lib,
                                             None if reduced is not None and reduced[0] == name
                                             else reduced))
            else:
                facts = facts.set(key, SizeTuple(new_dims))
    return Env(facts, env.deps.delete(name))


def _param_names(params: cst.Parameters) -> list[str]:
    out = [p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            out.append(star.name.value)
    return out


def _loader_part(iterable: cst.BaseExpression, target: cst.BaseExpression, env: Env
                 ) -> cst.BaseExpression | None:
    """The part of a ``for`` target that receives the batches of a name holding a loader of
    known batches (a parameter every caller gives one): ``for x, y in data``, ``for i, (x, y) in
    enumerate(data)``; None for anything else."""
    if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) \
            and iterable.func.value == "enumerate" and len(iterable.args) == 1:
        if not isinstance(target, cst.Tuple) or len(target.elements) != 2:
            return None
        iterable, target = iterable.args[0].value, target.elements[1].value
    if not isinstance(iterable, cst.Name):
        return None
    fact = env.get(iterable.value)
    return target if isinstance(fact, Samples) and fact.loader else None


def _positional_param_names(params: cst.Parameters) -> list[str]:
    """The parameters a call can pass by position, in order (then by keyword)."""
    return [p.name.value for p in (*params.posonly_params, *params.params)]


def _binding_counts(body: "Iterable[cst.CSTNode] | cst.BaseSuite", walrus: dict) -> dict[str, int]:
    """How often each name is bound by the statements of one scope (not inside nested scopes)."""
    counts: dict[str, int] = {}

    def bind(names: Iterable[str]) -> None:
        for name in names:
            counts[name] = counts.get(name, 0) + 1

    def small(node: cst.CSTNode) -> None:
        bind(walrus.get(node, ()))
        if isinstance(node, cst.Assign):
            for target in node.targets:
                bind(_target_names(target.target))
        elif isinstance(node, cst.AnnAssign):
            bind(_target_names(node.target))
        elif isinstance(node, cst.AugAssign):
            # Counted apart: in-place arithmetic keeps a tensor's shape (or raises).
            for name in _target_names(node.target):
                counts[f"+{name}"] = 1
        elif isinstance(node, cst.Del):
            bind(_target_names(node.target))
        elif isinstance(node, (cst.Import, cst.ImportFrom)) and \
                not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                if alias.asname is not None:
                    bind(_target_names(alias.asname.name))
                else:
                    bind([(dotted_name(alias.name) or "").split(".")[0]])

    def block(suite: cst.CSTNode | None) -> None:
        if suite is None:
            return
        if isinstance(suite, cst.SimpleStatementSuite):
            for node in suite.body:
                small(node)
        else:
            walk(suite.body)

    def walk(statements: Iterable[cst.CSTNode]) -> None:
        for stmt in statements:
            if isinstance(stmt, cst.SimpleStatementLine):
                for node in stmt.body:
                    small(node)
                continue
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                bind([stmt.name.value])
                continue
            if isinstance(stmt, cst.For):
                bind(_target_names(stmt.target))
            if isinstance(stmt, cst.With):
                for item in stmt.items:
                    if item.asname is not None:
                        bind(_target_names(item.asname.name))
            if isinstance(stmt, (cst.Try, cst.TryStar)):
                for handler in stmt.handlers:
                    if handler.name is not None:
                        bind(_target_names(handler.name.name))
                    block(handler.body)
                if stmt.finalbody is not None:
                    block(stmt.finalbody.body)
            if isinstance(stmt, cst.Match):
                for case in stmt.cases:
                    block(case.body)
            if isinstance(stmt, cst.If):
                block(stmt.body)
                orelse = stmt.orelse
                while isinstance(orelse, cst.If):
                    block(orelse.body)
                    orelse = orelse.orelse
                if orelse is not None:
                    block(orelse.body)
                continue
            body = getattr(stmt, "body", None)
            if isinstance(body, cst.BaseSuite):
                block(body)
            orelse = getattr(stmt, "orelse", None)
            if orelse is not None and isinstance(getattr(orelse, "body", None), cst.BaseSuite):
                block(orelse.body)

    if isinstance(body, cst.BaseSuite):
        block(body)
    else:
        walk(body)
    return counts


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and every node below it."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def _target_names(target: cst.CSTNode) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        out = []
        for element in target.elements:
            out.extend(_target_names(element.value))
        return out
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    if isinstance(target, cst.Del):
        return _target_names(target.target)
    return []
