"""Graph-tensor provenance: which values are tensors attached to the autograd graph.

A value is on the graph when it comes from a model call (``model(x)``, ``self.net(x)``, ``self(x)`` in
a module, ``model.forward(x)``), a loss-function call (``criterion(out, y)`` with ``criterion =
nn.CrossEntropyLoss()``, ``F.cross_entropy(...)``, ``loss_fn(...)``), a function or method of this
module that returns one, or arithmetic, reductions, views and torch functions of such values. It
stops being on the graph when detached (``.item()``, ``.detach()``, ``float()``, ``.tolist()``,
``.numpy()``, ``.data``), compared (``pred == y``), turned into indices (``argmax``) or computed where
gradients are off (``torch.no_grad()``, see :mod:`dllint.analysis.regions`).

The analysis is flow-sensitive on each scope's control-flow graph: a name's value at a use comes from
the assignments that may reach that use (:mod:`dllint.analysis.reaching`: branches merged, loops
followed to a fixpoint), and it is on the graph when one of them is (a may-fact: a value detached in
one branch only stays on the graph). ``.backward()`` on a value proves it is on the graph. Functions
have summaries (what they return; which parameters they add into ``self``), also used from other
modules of the project (:mod:`dllint.analysis.project`). See docs/engine.md, "Graph values".

Models are recognised conservatively: names and attributes assigned an ``nn.Module`` constructor, a
class of this file deriving from ``nn.Module`` (or a LightningModule), a known model factory
(``torchvision.models.*``, ``timm.create_model``, ``*.from_pretrained``) or a wrapper of a model
(``.to(device)``, ``DataParallel``, ``torch.compile``); parameters annotated ``nn.Module``; and the
conventional names ``model``/``net``/``self.model``/``self.encoder``/...
"""
from __future__ import annotations

import bisect

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator

import libcst as cst

from dllint.analysis.imports import dotted_name
from dllint.analysis.models import is_loss_class
from dllint.analysis.modes import Modes, iterates_loader
from dllint.analysis.off_graph import OffGraph
from dllint.analysis.parameters import CONVERSIONS, TORCH_FACTORIES, ParameterFree
from dllint.analysis.project import MAX_FILE_DEPTH, PROJECT, ClassOutline, Target, find_called, \
    find_class, project_imports
from dllint.analysis.reaching import ReachingDefinitions, binding_element, gen_of
from dllint.analysis.regions import Regions
from dllint.index import iter_subtree

if TYPE_CHECKING:
    from dllint.context import FileContext
    from dllint.index import NodeIndex
    from pathlib import Path

# Methods whose result is no longer on the graph (a Python value, indices, a detached copy, a bool).
DETACHING_METHODS = frozenset({
    "item", "tolist", "numpy", "detach", "detach_", "size", "dim", "numel", "argmax", "argmin",
    "eq", "ne", "lt", "le", "gt", "ge", "long", "int", "bool", "byte", "short", "isnan", "isinf",
    "isfinite", "nonzero", "argsort", "sign", "round", "floor", "ceil", "equal", "allclose",
    "any", "all", "__len__", "data_ptr", "stride", "element_size", "get_device", "multinomial",
})
# Methods that keep a graph tensor on the graph.
GRAPH_METHODS = frozenset({
    "mean", "sum", "prod", "view", "view_as", "reshape", "reshape_as", "squeeze", "unsqueeze", "cpu",
    "cuda", "to", "float", "double", "half", "bfloat16", "clone", "contiguous", "abs", "pow", "sqrt",
    "exp", "log", "log1p", "flatten", "t", "permute", "transpose", "expand", "expand_as", "norm",
    "max", "min", "sigmoid", "softmax", "log_softmax", "relu", "tanh", "clamp", "clamp_min",
    "clamp_max", "mul", "add", "sub", "div", "neg", "std", "var", "logsumexp", "chunk", "split",
    "unbind", "narrow", "select", "gather", "masked_fill", "index_select", "repeat", "square",
    "__getitem__", "float_power", "type", "matmul", "mm", "bmm", "sin", "cos", "cumsum", "amax",
    "amin", "nansum", "nanmean", "mean_", "rsqrt", "reciprocal", "squeeze_", "unsqueeze_",
})
# Methods and attributes of a tensor that read its metadata (shape, type, place), never its values:
# a Python value comes out and no tensor escapes (``x.data.size()[2]``, ``x.data.dtype``).
METADATA_METHODS = frozenset({
    "size", "dim", "ndimension", "numel", "nelement", "stride", "element_size", "get_device",
    "data_ptr", "is_contiguous", "is_floating_point", "is_complex", "is_pinned", "storage_offset",
    "__len__",
})
METADATA_ATTRIBUTES = frozenset({
    "shape", "dtype", "device", "ndim", "is_cuda", "layout", "names", "itemsize", "nbytes",
    "requires_grad", "is_leaf", "is_sparse", "is_quantized", "is_meta",
})
# Tensor methods whose result shares the receiver's memory: an in-place method on it writes the
# receiver (``p.data.detach().zero_()``). Not ``reshape``/``flatten``/``contiguous``, which may copy.
ALIASING_VIEWS = frozenset({
    "detach", "view", "view_as", "squeeze", "unsqueeze", "t", "transpose", "permute", "expand",
    "expand_as", "narrow", "select", "diagonal", "unflatten", "movedim", "moveaxis", "swapaxes",
    "swapdims", "as_strided", "unfold", "__getitem__",
})
# The locals followed from one ``.data`` read to the writes of weights it feeds (bounds the recursion).
MAX_SURGERY_LOCALS = 32
# Methods that move a module or a tensor and give it back: ``nn.MSELoss().to(device)``.
DEVICE_MOVES = frozenset({"to", "cuda", "cpu", "float", "double", "half"})
# Builtins that read only a tensor's metadata.
METADATA_BUILTINS = frozenset({"len", "type", "isinstance", "id"})
# Attributes of a tensor that are not themselves graph tensors.
PLAIN_ATTRIBUTES = frozenset({
    "shape", "dtype", "device", "ndim", "is_cuda", "requires_grad", "grad_fn", "grad", "data",
    "is_leaf", "layout", "names", "itemsize", "nbytes",
})
# torch functions whose result is not on the graph whatever their arguments.
TORCH_NON_GRAPH = frozenset({
    "argmax", "argmin", "eq", "ne", "lt", "le", "gt", "ge", "isnan", "isinf", "isfinite", "numel",
    "equal", "allclose", "isclose", "nonzero", "argsort", "sign", "round", "floor", "ceil", "tensor",
    "as_tensor", "from_numpy", "zeros", "ones", "zeros_like", "ones_like", "empty", "full",
    "randn", "rand", "randint", "arange", "linspace", "randperm", "no_grad", "topk_indices",
    "count_nonzero", "bucketize", "searchsorted", "unique", "multinomial", "randint_like",
})
# Calls that return a (values, indices) pair when given a dimension: the indices are integers, never
# on the graph (``torch.max(out, 1)[1]``, ``out.topk(5).indices``).
VALUES_INDICES = frozenset({"max", "min", "sort", "topk", "kthvalue", "mode", "median", "nanmedian",
                            "cummax", "cummin"})


# ``torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph, create_graph, ...)``: the
# position of ``create_graph``.
_CREATE_GRAPH_POSITION = 4
_FALSY_LITERALS = frozenset({"False", "None"})


def without_graph_gradients(qualified: str | None, call: cst.Call) -> bool:
    """``call`` is ``torch.autograd.grad(...)`` without ``create_graph`` true: the gradients it
    returns are made outside the graph (no ``grad_fn``, ``requires_grad`` false), whatever the
    outputs and inputs were. Only an absent ``create_graph`` or a literal ``False``/``None``/``0``
    counts; a name, an expression or ``**kwargs`` may be true (sixteenth audit, FA)."""
    if qualified != "torch.autograd.grad":
        return False
    value = None
    for position, arg in enumerate(call.args):
        if arg.star:
            return False  # ``*args`` / ``**kwargs`` may pass it
        if arg.keyword is not None:
            if arg.keyword.value == "create_graph":
                value = arg.value
        elif position == _CREATE_GRAPH_POSITION:
            value = arg.value
    if value is None:
        return True
    if isinstance(value, cst.Name):
        return value.value in _FALSY_LITERALS
    return isinstance(value, cst.Integer) and value.value == "0"


def _returns_values_indices(expr: cst.BaseExpression) -> bool:
    if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
        return False
    return expr.func.attr.value in VALUES_INDICES


def _indices_of_pair(expr: cst.Subscript) -> bool:
    """``f(...)[1]`` where ``f`` returns (values, indices)."""
    if not _returns_values_indices(expr.value) or len(expr.slice) != 1:
        return False
    index = expr.slice[0].slice
    return isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) and index.value.value == "1"


LOSS_FUNCTIONAL = re.compile(
    r"^torch\.nn\.functional\.(\w*loss\w*|cross_entropy|binary_cross_entropy\w*|nll_loss|mse_loss|"
    r"l1_loss|kl_div|poisson_nll_loss|gaussian_nll_loss|ctc_loss|huber_loss|hinge_embedding_loss|"
    r"margin_ranking_loss|triplet_margin\w*|cosine_embedding_loss|multilabel\w*|soft_margin_loss|"
    r"multi_margin_loss)$"
)
LOSS_NAME = re.compile(r"(^|_)(criterion|criteria|loss_?fn|loss_?func|loss_?function|lossfunc|"
                       r"loss_?module|loss_?criterion|loss_obj|cost_?fn)(_|$|\d)", re.I)
MODEL_NAME = re.compile(
    r"^(model|net|network|classifier|encoder|decoder|generator|discriminator|backbone|"
    r"critic|actor|policy|teacher|student|autoencoder|vae|gan|unet|transformer|"
    r"net[A-Z_]\w*|\w*_net|\w*_network|\w*_model|model_\w*|\w*Net|model\d+|net\d+)$"
)  # the suffixes agree with :data:`dllint.analysis.models.MODEL_SUFFIXES` (``neural_network``)
MODEL_NAME_EXCLUDE = re.compile(r"name|path|dir|type|config|cfg|args|file|str|id$|kwargs|class|fn$|"
                                r"func|builder|factory|url|key|version|size|dim", re.I)
MODEL_FACTORIES = re.compile(
    r"^(torchvision\.models\.\w+|torchvision\.models\.\w+\.\w+|timm\.create_model|"
    r"transformers\.\w+|torch\.hub\.load|torch\.compile|torch\.jit\.script|torch\.jit\.trace|"
    r"torch\.nn\.DataParallel|torch\.nn\.parallel\.DistributedDataParallel|"
    r"torch\.nn\.parallel\.DataParallel|copy\.deepcopy)$"
)
# Methods of a model that return the model (or load one): ``Net().to(device)``, ``.from_pretrained``.
MODEL_PRESERVING_METHODS = frozenset({"to", "cuda", "cpu", "train", "eval", "float", "half", "double",
                                      "from_pretrained"})
# Methods between a tensor and ``.numpy()`` that keep ``requires_grad`` (so ``.numpy()`` would raise).
NUMPY_PATH_METHODS = frozenset({"cpu", "squeeze", "unsqueeze", "view", "reshape", "float", "double",
                                "to", "contiguous", "flatten", "clone", "numpy"})
ARITHMETIC = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.Power, cst.MatrixMultiply)


PARAMETER_CONSTRUCTORS = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter"})

# What makes a PackedSequence (torch.nn.utils.rnn).
PACKING = frozenset({
    "torch.nn.utils.rnn.pack_padded_sequence", "torch.nn.utils.rnn.pack_sequence",
    "torch.nn.utils.rnn.PackedSequence",
})


@dataclass(frozen=True)
class Definition:
    """One assignment of a name (``loss``) or attribute (``self.loss``) in a function.

    ``value`` is the assigned expression; ``element`` the position in a tuple unpacking; ``kind``
    one of ``assign``, ``aug`` (``x += v``), ``item`` (``d[k] = v``, ``d[k] += v``: a store into the
    container ``d``, which then holds what it held and ``v``), ``for`` (loop target), ``opaque``
    (with-as, import, except-as, a parameter: nothing known), ``detach`` (``x.detach_()``,
    ``x.requires_grad_(False)``: the same object, off the graph; ``value`` is None)."""

    key: str
    node: cst.CSTNode
    value: cst.BaseExpression | None
    kind: str
    element: int | None = None


def _targets(target: cst.BaseExpression, element: int | None = None) -> Iterator[tuple[str, int | None]]:
    if isinstance(target, (cst.Tuple, cst.List)):
        for position, item in enumerate(target.elements):
            inner = item.value
            if isinstance(inner, cst.StarredElement):
                continue
            for key, _ in _targets(inner):
                yield key, position
        return
    dotted = dotted_name(target)
    if dotted is not None:
        yield dotted, element


def _literal_key(expr: cst.BaseExpression) -> str | None:
    """``"loss"`` for ``output["loss"]`` or ``output['loss']``, ``"0"`` for ``out[0]``."""
    if not isinstance(expr, cst.Subscript) or len(expr.slice) != 1:
        return None
    index = expr.slice[0].slice
    if not isinstance(index, cst.Index):
        return None
    value = index.value
    if isinstance(value, cst.SimpleString):
        evaluated = value.evaluated_value
        return evaluated if isinstance(evaluated, str) else None
    if isinstance(value, cst.Integer):
        return value.value
    return None


def _container_key(target: cst.BaseExpression) -> str | None:
    """``d`` for a store into ``d[k]`` or ``d[a][b]``."""
    if not isinstance(target, cst.Subscript):
        return None
    while isinstance(target, cst.Subscript):
        target = target.value
    return dotted_name(target)


# Receivers of ``.backward()`` reached through these keep the name's value: ``loss.mean().backward()``.
_BACKWARD_THROUGH = frozenset({"mean", "sum", "float", "double", "to", "cuda", "squeeze", "view",
                               "reshape"})


def _is_module_base(imports, expr: cst.BaseExpression) -> bool:
    return _is_module_base_dotted(imports, dotted_name(expr))


def _is_module_base_dotted(imports, dotted: str | None) -> bool:
    qualified = (imports.qualify_dotted(dotted) if dotted is not None else None) or ""
    return qualified in ("torch.nn.Module", "torch.nn.modules.module.Module") \
        or qualified.endswith("LightningModule") or qualified.startswith("transformers.") \
        and qualified.endswith("PreTrainedModel")


class ModuleClasses:
    """The classes of one file that subclass ``nn.Module`` (or a Lightning module, a Hugging Face
    model), through bases defined in this file and in other modules of the project.

    A fact of its own rather than a part of :class:`GraphValues`: another module of the project is
    asked only this (is ``Net`` a module class?), and computing that module's whole graph analysis
    to answer it was most of the time of a lint of torch's own sources. The other module is read
    as a :class:`ClassOutline` (CPython's parser, no libcst tree, no analysis): the same answer,
    computed from the same statements."""

    def __init__(self, ctx: "FileContext | None", outline: ClassOutline | None = None) -> None:
        self.ctx = ctx
        self.outline = outline
        self.names: set[str] = set()
        self._project: dict[str, bool] = {}
        if outline is not None:
            classes, imports = outline.classes, outline.imports
        else:
            classes = [(k.name.value, tuple(dotted_name(a.value) for a in k.bases))
                       for k in ctx.index.of_type(cst.ClassDef)]
            imports = ctx.imports
        first: dict[str, int] = {}  # a name's first class statement (Regions.classes)
        for i, (name, _) in enumerate(classes):
            first.setdefault(name, i)
        for i, (name, _) in enumerate(classes):
            # the class and its bases defined in this file, nearest first (Regions.base_classes)
            order: list[int] = []
            seen: set[int] = set()
            todo = [i]
            while todo:
                current = todo.pop(0)
                if current in seen:
                    continue
                seen.add(current)
                order.append(current)
                todo.extend(first[b] for b in classes[current][1] if b in first)
            for current in order:
                if any(_is_module_base_dotted(imports, b) or self.project_class_dotted(b)
                       for b in classes[current][1]):
                    self.names.add(name)
                    break

    @classmethod
    def compute(cls, ctx: "FileContext") -> "ModuleClasses":
        return cls(ctx)

    def project_class(self, expr: cst.BaseExpression) -> bool:
        """``expr`` names an ``nn.Module`` subclass defined in another module of the project
        (``from models import Net``; ``Net``'s own bases are judged in its module)."""
        return self.project_class_dotted(dotted_name(expr))

    def project_class_dotted(self, dotted: str | None) -> bool:
        if not dotted:
            return False
        known = self._project.get(dotted)
        if known is not None:
            return known
        self._project[dotted] = False  # a cycle of imports answers no
        result = False
        imports = self.outline.project_imports() if self.outline is not None else project_imports(self.ctx)
        target = imports.target(dotted) if imports is not None and PROJECT.depth < MAX_FILE_DEPTH else None
        if target is not None and PROJECT.may_be_subclass(target.path, target.attribute) \
                and "." not in target.attribute:
            other = PROJECT.class_outline(target.path)
            if other is not None and target.attribute in other.top_classes and not self._is_module(target.path):
                PROJECT.depth += 1
                try:
                    verdicts = other.verdicts
                    if verdicts is None:  # computed once per version of the file
                        verdicts = ModuleClasses(None, other)
                        other.verdicts = verdicts
                    result = target.attribute in verdicts.names
                finally:
                    PROJECT.depth -= 1
        self._project[dotted] = result
        return result

    def _is_module(self, path: Path) -> bool:
        """``path`` is the module these classes are of, as the project view holds it (a module
        deriving from its own classes through an import of itself answers no)."""
        if self.outline is not None:
            return self.outline.path == path
        return PROJECT.holds_context(path, self.ctx)


class GraphValues:
    """Which expressions of one file hold tensors attached to the autograd graph."""

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        self.index = ctx.index
        self.imports = ctx.imports
        self._orders: dict[tuple, tuple[list[int], bool]] = {}  # (scope, key) -> definition orders
        self.regions: Regions = ctx.analysis(Regions)
        # A module read for another file's sense (an imported helper, a meter class) is part of a
        # torch project even when it imports no torch itself (``utils.py`` with ``AverageMeter``).
        self.active = self.imports.uses("torch", "lightning", "pytorch_lightning", "transformers",
                                        "timm", "accelerate") or PROJECT.depth > 0
        self._by_kind: dict[type, list] = {}
        self._defs: dict[cst.CSTNode | None, dict[str, list[Definition]]] = {}
        self._graph_memo: dict[cst.CSTNode, bool] = {}
        self._packed_memo: dict[cst.CSTNode, bool] = {}
        self._in_progress: set[cst.CSTNode] = set()
        self._returns: dict[cst.FunctionDef, object] = {}
        self._model_names: set[str] = set()
        self._loss_names: set[str] = set()
        self._loss_none_reduction: set[str] = set()
        self._module_classes: set[str] = set()
        self._frozen_models: set[str] = set()
        # The five sets above are collected on first use (:meth:`_ensure_models`): few files ever
        # ask (12 of the 242 of the speed sample that import torch), and resolving every
        # ``x = Name(...)`` of a file through the project's imports to learn whether ``Name`` is a
        # module class was about a twentieth of a lint of torch's sources. ``_models_depth``: the
        # project depth (PROJECT.depth) the collection runs at, the one it ran at when it ran here.
        self._models_collected = False
        self._models_depth = PROJECT.depth
        self._returns_by_function: dict[cst.FunctionDef, list[cst.Return]] | None = None
        self._numpy_roots: dict[cst.FunctionDef | None, list[tuple[str, cst.CSTNode]]] = {}
        self._reaching: dict[cst.FunctionDef | None, _ScopeReaching] = {}
        self._definition_memo: dict[Definition, bool] = {}
        self._proven_keys: dict[Definition, set[str]] = {}  # container -> entries back-propagated
        self._subscripted: set[tuple[cst.FunctionDef | None, str]] | None = None
        self._definitions_in_progress: set[Definition] = set()
        self._proven: set[Definition] | None = None  # definitions a ``.backward()`` call reaches
        self._external: dict[cst.Call, tuple["GraphValues", cst.FunctionDef, cst.ClassDef | None] | None] = {}
        self._parameter_accumulations: dict[cst.FunctionDef, list[tuple[int, cst.CSTNode, str]]] = {}
        self._parameters: ParameterFree | None = None
        self._loads: dict[tuple[cst.FunctionDef | None, str], list[cst.Name]] | None = None
        # the forwards of layers that weight surgery passes values through, innermost last
        self._surgery_callees: list[cst.FunctionDef] = []
        self._layer_cache: dict[tuple[str, bool], list[cst.FunctionDef]] = {}
        if self.active:
            self._collect_definitions()

    @classmethod
    def compute(cls, ctx: "FileContext") -> "GraphValues":
        return cls(ctx)

    def _nodes(self, kind: type) -> list:
        """``index.of_type(kind)``, fetched once: each query scans every node type of the file."""
        found = self._by_kind.get(kind)
        if found is None:
            found = self._by_kind[kind] = self.index.of_type(kind)
        return found

    # ---------------------------------------------------------------------------------------------
    # definitions
    def _collect_definitions(self) -> None:
        index = self.index
        nodes: list[cst.CSTNode] = []
        for kind in (cst.Assign, cst.AugAssign, cst.AnnAssign, cst.For, cst.With, cst.NamedExpr):
            nodes.extend(self._nodes(kind))  # one type at a time: no sort of the whole list
        for node in nodes:
            scope = index.function_of(node)
            table = self._defs.setdefault(scope, {})
            found: list[Definition] = []
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    for key, element in _targets(target.target):
                        found.append(Definition(key, node, node.value, "assign", element))
                    container = _container_key(target.target)
                    if container is not None:
                        found.append(Definition(container, node, node.value, "item"))
            elif isinstance(node, cst.AnnAssign):
                if node.value is not None:
                    for key, element in _targets(node.target):
                        found.append(Definition(key, node, node.value, "assign", element))
            elif isinstance(node, cst.AugAssign):
                for key, _ in _targets(node.target):
                    found.append(Definition(key, node, node.value, "aug"))
                container = _container_key(node.target)
                if container is not None:
                    found.append(Definition(container, node, node.value, "item"))
            elif isinstance(node, cst.For):
                for key, element in _targets(node.target):
                    found.append(Definition(key, node, node.iter, "for", element))
            elif isinstance(node, cst.With):
                for item in node.items:
                    if item.asname is not None:
                        for key, _ in _targets(item.asname.name):
                            found.append(Definition(key, node, None, "opaque"))
            elif isinstance(node, cst.NamedExpr):
                for key, _ in _targets(node.target):
                    found.append(Definition(key, node, node.value, "assign"))
            for definition in found:
                table.setdefault(definition.key, []).append(definition)
        for definition in self._in_place_detachments():
            self._defs.setdefault(index.function_of(definition.node), {}) \
                .setdefault(definition.key, []).append(definition)
        order = index.order
        for table in self._defs.values():
            for definitions in table.values():
                if len(definitions) > 1:
                    definitions.sort(key=lambda d: order[d.node])

    def _in_place_detachments(self) -> Iterator[Definition]:
        """``x.detach_()`` and ``x.requires_grad_(False)`` as statements: ``x`` is off the graph from
        there on (``requires_grad_`` raises on a tensor that is not a leaf, so what it leaves is a
        leaf that records nothing). Each is a ``detach`` definition of ``x``: it kills the graph
        fact on the paths through it, and the object is still the one that reached it."""
        for call in self._nodes(cst.Call):
            func = call.func
            if not isinstance(func, cst.Attribute) or not _detaches_in_place(call):
                continue
            statement = self.index.parent(call)
            if not isinstance(statement, cst.Expr) or statement.value is not call:
                continue
            key = dotted_name(func.value)
            if key is not None:
                yield Definition(key, statement, None, "detach")

    def scope_definitions(self, scope: cst.FunctionDef | None) -> dict[str, list[Definition]]:
        """Every assignment in ``scope`` (a function, or None for module level), by key."""
        return self._defs.get(scope, {})

    def definitions(self, scope: cst.FunctionDef | None, key: str) -> list[Definition]:
        """Every assignment of ``key`` (``loss``, ``self.history``) in ``scope``, in source order."""
        return self._defs.get(scope, {}).get(key, [])

    def _reaching_of(self, scope: cst.FunctionDef | None) -> _ScopeReaching:
        found = self._reaching.get(scope)
        if found is None:
            node = scope if scope is not None else self.ctx.module
            found = self._reaching[scope] = _ScopeReaching(node, self.index, self._defs.get(scope, {}),
                                                           self._runs_at_least_once)
        return found

    def _runs_at_least_once(self, loop: cst.For) -> bool:
        """The loops whose zero-trip path the graph values do not follow: those the mode analysis
        knows to run (``range(5)``, ``range(EPOCHS)``) and loops over a data loader, which the
        code expects to yield batches (docs/engine.md, "Loop trip counts")."""
        return iterates_loader(loop) or self.ctx.analysis(Modes).runs_at_least_once(loop)

    def reaching_all(self, key: str, use: cst.CSTNode) -> list[Definition]:
        """Every assignment of ``key`` that may reach ``use`` on some path through ``use``'s scope
        (its control-flow graph: branches merged, loops to a fixpoint), in source order; stores
        into it (``d[k] += v``) included."""
        scope = self.index.function_of(use)
        defs = self._reaching_of(scope).at(key, use) if self._defs.get(scope, {}).get(key) else None
        if defs is None:
            single = self._reaching_in_order(key, use, items=True)
            return [single] if single is not None else []
        order = self.index.order
        return sorted(defs, key=lambda d: order[d.node])

    def reaching(self, key: str, use: cst.CSTNode) -> Definition | None:
        """The latest assignment of ``key`` (in source order) among those that may reach ``use``
        (not the statement that contains ``use`` itself); stores into a container are not
        assignments of it here."""
        scope = self.index.function_of(use)
        defs = self._reaching_of(scope).at(key, use) if self._defs.get(scope, {}).get(key) else None
        if defs is None:
            return self._reaching_in_order(key, use, items=False)
        order = self.index.order
        best = None
        for definition in defs:
            if definition.kind != "item" and (best is None or order[definition.node] > order[best.node]):
                best = definition
        return best

    def _reaching_in_order(self, key: str, use: cst.CSTNode, items: bool) -> Definition | None:
        """Source order, where the graph does not answer (a key assigned once, a class body, code
        no path reaches): the latest assignment before ``use``."""
        scope = self.index.function_of(use)
        candidates = self.definitions(scope, key)
        if not candidates:
            return None
        order = self.index.order
        position = order[use]
        containing = set(self.index.ancestors(use))
        # Only definitions up to ``use`` can reach it (a loop holding it comes before it too):
        # bisect past the later ones, which a long module of loops has by the thousand.
        known = self._orders.get((scope, key))
        if known is None or len(known[0]) != len(candidates):
            orders = [order[d.node] for d in candidates]
            known = (orders, all(a <= b for a, b in zip(orders, orders[1:])))
            self._orders[(scope, key)] = known
        orders, in_order = known
        end = bisect.bisect_right(orders, position) if in_order else len(candidates)
        for definition in reversed(candidates[:end]):
            if definition.kind == "item" and not items:
                continue
            if order[definition.node] < position and definition.node not in containing:
                return definition
            if definition.kind == "for" and definition.node in containing \
                    and self._in_body(use, definition.node):
                return definition
        return None

    def _in_body(self, node: cst.CSTNode, loop: cst.For) -> bool:
        previous: cst.CSTNode = node
        for ancestor in self.index.ancestors(node):
            if ancestor is loop:
                return previous is loop.body
            previous = ancestor
        return False

    # ---------------------------------------------------------------------------------------------
    # models and loss functions
    def _ensure_models(self) -> None:
        """Collect the names of models, losses and module classes (once, for an active file).
        Marked collected before it runs: the collection asks :meth:`is_model` of what it found
        so far (``Net().to(device)``)."""
        if self._models_collected or not self.active:
            return
        self._models_collected = True
        depth, PROJECT.depth = PROJECT.depth, self._models_depth
        try:
            self._collect_models()
        finally:
            PROJECT.depth = depth

    def _collect_models(self) -> None:
        self._module_classes = set(self.ctx.analysis(ModuleClasses).names)
        for assign in [*self._nodes(cst.Assign), *self._nodes(cst.AnnAssign)]:
            value = assign.value
            if not isinstance(value, cst.Call):
                continue
            targets = [t.target for t in assign.targets] if isinstance(assign, cst.Assign) else [assign.target]
            keys = [dotted_name(t) for t in targets]
            keys = [k for k in keys if k]
            if not keys:
                continue
            if self._is_module_constructor(value):
                self._model_names.update(keys)
            elif self._is_loss_constructor(value):
                self._loss_names.update(keys)
                if self._reduction_none(value):
                    self._loss_none_reduction.update(keys)
        for param in self._nodes(cst.Param):
            if param.annotation is not None:
                qualified = self.imports.qualify(param.annotation.annotation) or \
                    dotted_name(param.annotation.annotation) or ""
                if qualified in ("torch.nn.Module", "torch.nn.modules.module.Module") \
                        or qualified in self._module_classes:
                    self._model_names.add(param.name.value)
        self._frozen_models = self._collect_frozen()

    def _collect_frozen(self) -> set[str]:
        """Models frozen as a whole: ``m.requires_grad_(False)``, or ``p.requires_grad = False`` in a
        loop over ``m.parameters()``. Their outputs carry no graph (a frozen feature extractor).
        Freezing a part (``m.features.parameters()``) does not freeze ``m``."""
        frozen: set[str] = set()
        for call in self._nodes(cst.Call):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "requires_grad_" and call.args \
                    and isinstance(call.args[0].value, cst.Name) and call.args[0].value.value == "False":
                name = dotted_name(func.value)
                if name:
                    frozen.add(name)
        for assign in self._nodes(cst.Assign):
            target = assign.targets[0].target
            if not (isinstance(target, cst.Attribute) and target.attr.value == "requires_grad"
                    and isinstance(assign.value, cst.Name) and assign.value.value == "False"):
                continue
            loop = self.index.enclosing(assign, cst.For)
            if loop is None or dotted_name(loop.target) != dotted_name(target.value):
                continue
            iterable = loop.iter
            if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute) \
                    and iterable.func.attr.value == "parameters":
                name = dotted_name(iterable.func.value)
                if name:
                    frozen.add(name)
        if frozen:
            frozen -= self._thawed(frozen)
        return frozen

    def _thawed(self, frozen: set[str]) -> set[str]:
        """Frozen models that get a trainable part back: a new layer assigned to one of their
        attributes (``model.fc = nn.Linear(...)``, the fine-tuning idiom) or ``requires_grad``
        switched on for a part."""
        thawed: set[str] = set()
        for assign in self._nodes(cst.Assign):
            for target in assign.targets:
                name = dotted_name(target.target) or ""
                owner = next((f for f in frozen if name.startswith(f + ".")), None)
                if owner and self._is_module_constructor(assign.value):
                    thawed.add(owner)
                if name.endswith(".requires_grad") and isinstance(assign.value, cst.Name) \
                        and assign.value.value == "True":
                    thawed |= frozen  # some part is trainable again: we cannot tell which
        for call in self._nodes(cst.Call):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "requires_grad_" and (
                    not call.args or isinstance(call.args[0].value, cst.Name)
                    and call.args[0].value.value == "True"):
                thawed |= frozen
        return thawed

    def _is_module_constructor(self, value: cst.BaseExpression) -> bool:
        if not isinstance(value, cst.Call):
            return False
        self._ensure_models()
        func = value.func
        # Wrappers and device moves keep a model a model: Net().to(device), model.cuda().
        if isinstance(func, cst.Attribute) and func.attr.value in MODEL_PRESERVING_METHODS:
            if func.attr.value == "from_pretrained":
                qualified = self.imports.qualify(func.value) or ""
                return qualified.startswith(("transformers.", "diffusers.", "timm.")) \
                    or "model" in qualified.lower()
            return self._is_module_constructor(func.value) or self.is_model(func.value)
        qualified = self.imports.qualify(func) or ""
        if qualified.startswith("torch.nn.") and not qualified.startswith("torch.nn.functional."):
            last = qualified.rsplit(".", 1)[-1]
            return last[:1].isupper() and not is_loss_class(last) and last not in (
                "Parameter", "ParameterList", "ParameterDict")
        if MODEL_FACTORIES.match(qualified):
            return not qualified.startswith("transformers.") or "Model" in qualified
        if isinstance(func, cst.Name) and func.value in self._module_classes:
            return True
        return self._project_module_class(func)

    def _is_loss_constructor(self, value: cst.BaseExpression) -> bool:
        if not isinstance(value, cst.Call):
            return False
        qualified = self.imports.qualify(value.func) or ""
        return qualified.startswith("torch.nn.") and is_loss_class(qualified)

    @staticmethod
    def _reduction_none(call: cst.Call) -> bool:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "reduction":
                return isinstance(arg.value, cst.SimpleString) and "none" in arg.value.value
        return False

    def is_model(self, expr: cst.BaseExpression) -> bool:
        """``expr`` names an ``nn.Module`` instance (see the module docstring for what counts)."""
        dotted = dotted_name(expr)
        if dotted is None:
            return False
        self._ensure_models()
        if dotted in self._model_names:
            return True
        if dotted == "self":
            return False
        last = dotted.rsplit(".", 1)[-1]
        if dotted.count(".") > 1:
            return False
        if self.imports.qualify_dotted(dotted) is not None:
            return False  # a library name, not a local model
        return bool(MODEL_NAME.match(last)) and not MODEL_NAME_EXCLUDE.search(last)

    def is_loss_function(self, expr: cst.BaseExpression) -> bool:
        """``expr`` is a loss function: ``F.cross_entropy``, ``nn.MSELoss()`` and names assigned one,
        ``criterion``/``loss_fn``-style names."""
        if isinstance(expr, cst.Call):
            return self._is_loss_constructor(expr)
        qualified = self.imports.qualify(expr)
        if qualified is not None:
            return bool(LOSS_FUNCTIONAL.match(qualified))
        dotted = dotted_name(expr)
        if dotted is None:
            return False
        self._ensure_models()
        if dotted in self._loss_names:
            return True
        return dotted.count(".") <= 1 and bool(LOSS_NAME.search(dotted.rsplit(".", 1)[-1]))

    def _in_module_class(self, node: cst.CSTNode) -> bool:
        klass = self.regions.enclosing_class(node)
        self._ensure_models()
        return klass is not None and klass.name.value in self._module_classes

    # ---------------------------------------------------------------------------------------------
    # packed sequences
    def is_packed_sequence(self, expr: cst.BaseExpression) -> bool:
        """``expr`` holds a ``PackedSequence``: the result of ``pack_padded_sequence`` or
        ``pack_sequence``, or the output (element 0) of a module called on one, as an RNN, LSTM
        or GRU returns its output packed when its input was. Its ``.data`` is a field (the packed
        tensor, on the graph like the input), not ``Tensor.data``."""
        if not self.active:
            return False
        memo = self._packed_memo.get(expr)
        if memo is not None:
            return memo
        self._packed_memo[expr] = False  # a cycle through definitions proves nothing
        result = self._packed_uncached(expr)
        self._packed_memo[expr] = result
        return result

    def _packed_uncached(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Call):
            qualified = self.imports.qualify(expr.func) or ""
            if qualified in PACKING:
                return True
            if qualified.startswith("torch."):
                return False  # pad_packed_sequence and the like: a tensor, or a tuple of them
            first = next((a.value for a in expr.args if a.keyword is None and not a.star), None)
            return first is not None and self.is_packed_sequence(first)
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
            index = expr.slice[0].slice
            if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) \
                    and index.value.value == "0" and isinstance(expr.value, cst.Call):
                return self.is_packed_sequence(expr.value)  # ``self.lstm(packed)[0]``
            return False
        if isinstance(expr, (cst.Name, cst.Attribute)):
            dotted = dotted_name(expr)
            definition = self.reaching(dotted, expr) if dotted else None
            if definition is None or definition.kind != "assign" or definition.value is None:
                return False
            value = definition.value
            if definition.element is None:
                return self.is_packed_sequence(value)
            if isinstance(value, (cst.Tuple, cst.List)):
                if definition.element < len(value.elements):
                    inner = value.elements[definition.element].value
                    return not isinstance(inner, cst.StarredElement) and self.is_packed_sequence(inner)
                return False
            return definition.element == 0 and isinstance(value, cst.Call) and self.is_packed_sequence(value)
        return False

    # ---------------------------------------------------------------------------------------------
    # graph values
    def is_graph(self, expr: cst.BaseExpression) -> bool:
        """``expr``, evaluated where it stands, is a tensor attached to the autograd graph."""
        if not self.active:
            return False
        return self._graph(expr)

    def _graph(self, expr: cst.BaseExpression) -> bool:
        memo = self._graph_memo.get(expr)
        if memo is not None:
            return memo
        if expr in self._in_progress:
            return False
        self._in_progress.add(expr)
        try:
            result = self._graph_uncached(expr)
        finally:
            self._in_progress.discard(expr)
        self._graph_memo[expr] = result
        return result

    def _graph_uncached(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, (cst.Name, cst.Attribute)):
            if isinstance(expr, cst.Attribute) and (
                    expr.attr.value in PLAIN_ATTRIBUTES
                    or expr.attr.value == "indices" and _returns_values_indices(expr.value)):
                return False
            dotted = dotted_name(expr)
            if dotted is not None:
                definitions = self.reaching_all(dotted, expr)
                if definitions:
                    # A may-analysis: on the graph along one path into here is on the graph here
                    # (a value detached in one branch only stays on it).
                    return any(self._definition_graph(d) for d in definitions)
            if isinstance(expr, cst.Attribute):
                # ``outputs.loss``, ``out.logits``: an attribute of a graph value.
                return self._graph(expr.value)
            return False
        if isinstance(expr, cst.Call):
            return self._call_graph(expr)
        if isinstance(expr, cst.BinaryOperation):
            if not isinstance(expr.operator, ARITHMETIC):
                return False
            return self._graph(expr.left) or self._graph(expr.right)
        if isinstance(expr, cst.UnaryOperation):
            return isinstance(expr.operator, (cst.Minus, cst.Plus)) and self._graph(expr.expression)
        if isinstance(expr, cst.Subscript):
            if _indices_of_pair(expr):
                return False
            return self._graph(expr.value)
        if isinstance(expr, cst.IfExp):
            return self._graph(expr.body) or self._graph(expr.orelse)
        if isinstance(expr, cst.Dict):
            # ``{"ce": ce_loss, "aux": aux_loss}``: a container of graph tensors holds their graphs.
            return any(isinstance(e, cst.DictElement) and self._graph(e.value) for e in expr.elements)
        if isinstance(expr, (cst.List, cst.Tuple)):
            return self._container_graph(expr)
        return False

    def _definition_graph(self, definition: Definition) -> bool:
        # Definitions reach one another round loops (``x += a`` and ``x += b`` in one loop): a
        # cycle proves nothing, and each definition is judged once.
        memo = self._definition_memo.get(definition)
        if memo is not None:
            return memo
        if definition in self._definitions_in_progress:
            return False
        self._definitions_in_progress.add(definition)
        try:
            result = self._definition_graph_uncached(definition)
        finally:
            self._definitions_in_progress.discard(definition)
        self._definition_memo[definition] = result
        return result

    def _definition_graph_uncached(self, definition: Definition) -> bool:
        if self.regions.no_grad(definition.node):
            return False
        if definition in self.proven() or self._proven_keys.get(definition):
            return True  # back-propagated: on the graph, whatever produced it
        return self._own_graph(definition)

    def _graph_but_key(self, definition: Definition, key: str) -> bool:
        """``definition`` is on the graph other than through its entry ``key``, which a later store
        replaces (``output["loss"] = output["loss"].detach()`` after ``output["loss"].backward()``)."""
        if self.regions.no_grad(definition.node):
            return False
        if definition in self.proven() or self._proven_keys.get(definition, set()) - {key}:
            return True
        marker = (definition, key)
        if marker in self._definitions_in_progress:
            return False
        self._definitions_in_progress.add(marker)
        try:
            return self._own_graph(definition)
        finally:
            self._definitions_in_progress.discard(marker)

    def _own_graph(self, definition: Definition) -> bool:
        node = definition.node
        if definition.kind == "opaque" or definition.value is None:
            return False
        if definition.kind == "for":
            return self._iterated_graph(definition)
        if definition.kind in ("aug", "item"):
            if self._graph(definition.value):
                return True
            target = node.target if isinstance(node, (cst.AugAssign, cst.AnnAssign)) else node
            previous = [d for d in self.reaching_all(definition.key, target) if d is not definition]
            stored = _literal_key(node.targets[0].target) if definition.kind == "item" \
                and isinstance(node, cst.Assign) and len(node.targets) == 1 else None
            if stored is not None:  # ``d["k"] = v`` replaces what ``d["k"]`` held
                return any(self._graph_but_key(d, stored) for d in previous)
            return any(self._definition_graph(d) for d in previous)
        value = definition.value
        if definition.element is not None:
            result = self._element_graph(value, definition.element)
        else:
            result = self._graph(value)
        # ``x.numpy()`` raises on a tensor that requires grad: code that does it on ``x`` shows
        # that ``x`` is not on the graph (an outer no_grad, a frozen model) whatever we inferred.
        return result and not self._read_as_numpy(definition)

    def is_container(self, expr: cst.BaseExpression) -> bool:
        """``expr`` names a value its scope reads by key or index (``loss["total"]``): a dict or
        list of tensors, which has no ``.item()`` or ``.detach()`` of its own."""
        key = dotted_name(expr)
        if key is None:
            return False
        if self._subscripted is None:
            self._subscripted = set()
            for node in self._nodes(cst.Subscript):
                name = dotted_name(node.value)
                if name is not None:
                    self._subscripted.add((self.index.function_of(node), name))
        return (self.index.function_of(expr), key) in self._subscripted \
            or any(d.kind == "assign" and isinstance(d.value, (cst.Dict, cst.List, cst.Tuple))
                   and d.element is None for d in self.reaching_all(key, expr))

    def graph_definition(self, definition: Definition) -> bool:
        """The value ``definition`` assigns may be on the autograd graph."""
        return self.active and self._definition_graph(definition)

    def _iterated_graph(self, definition: Definition) -> bool:
        """A loop target over graph tensors: ``for name, loss in losses.items()`` (``losses`` a
        dict of graph tensors, a model's loss dict), ``for loss in loss_dict.values()``. A loop
        over a loader or a container we do not follow stays off the graph."""
        iterable = definition.value
        element = definition.element
        if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute) and not iterable.args:
            method = iterable.func.attr.value
            if method == "items" and element == 1 or method == "values" and element is None:
                return self._graph(iterable.func.value)
        return False

    def proven(self) -> set[Definition]:
        """The definitions that reach a ``.backward()`` call as its receiver (``loss.backward()``,
        ``(loss / k).backward()``, ``scaler.scale(loss).backward()``, ``accelerator.backward(loss)``):
        back-propagating a value proves it is on the autograd graph."""
        if self._proven is not None:
            return self._proven
        self._proven = proven = set()
        for call in self._nodes(cst.Call):
            func = call.func
            if not self.regions.is_backward_call(call):
                continue
            positional = [a.value for a in call.args if a.keyword is None and not a.star]
            receiver = func.value if isinstance(func, cst.Attribute) else None
            receiver_name = (dotted_name(receiver) or "").rsplit(".", 1)[-1] if receiver is not None else ""
            if isinstance(func, cst.Attribute) and func.attr.value == "backward" and not (
                    positional and re.search(r"accelerator|fabric|engine|trainer", receiver_name, re.I)):
                roots = [receiver]  # ``loss.backward()``
            else:
                roots = positional[:1]  # ``accelerator.backward(loss)``, ``torch.autograd.backward(loss)``
            for name, entry in self._backward_names(roots):
                found = [d for d in self.reaching_all(dotted_name(name), name)
                         if d.kind in ("assign", "aug", "item", "for", "opaque")]
                if entry is None:
                    proven.update(found)
                else:  # ``output["loss"].backward()``: the container holds a graph tensor at "loss"
                    for definition in found:
                        self._proven_keys.setdefault(definition, set()).add(entry)
        return proven

    @staticmethod
    def _backward_names(roots: list) -> list[tuple[cst.BaseExpression, str | None]]:
        """The names whose values ``roots`` carry unchanged into the backward pass, each with the
        entry read from it (``"loss"`` for ``output["loss"]``; ``""`` for an entry not written as
        a literal; None for the name itself)."""
        out = []
        todo = [(root, None) for root in roots]
        while todo:
            expr, entry = todo.pop()
            if isinstance(expr, (cst.Name, cst.Attribute)) and dotted_name(expr) is not None:
                out.append((expr, entry))
            elif isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, ARITHMETIC):
                todo += [(expr.left, entry), (expr.right, entry)]
            elif isinstance(expr, cst.UnaryOperation):
                todo.append((expr.expression, entry))
            elif isinstance(expr, cst.Subscript) and entry is None:
                # ``output["loss"].backward()``: ``output`` holds a graph tensor
                todo.append((expr.value, _literal_key(expr) or ""))
            elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
                if expr.func.attr.value in _BACKWARD_THROUGH:
                    todo.append((expr.func.value, entry))
                elif expr.func.attr.value == "scale" and expr.args:
                    todo.append((expr.args[0].value, entry))  # ``scaler.scale(loss)``
        return out

    def _read_as_numpy(self, definition: Definition) -> bool:
        scope = self.index.function_of(definition.node)
        roots = self._numpy_roots.get(scope)
        if roots is None:
            roots = []
            nodes = iter_subtree(scope.body) if scope is not None else self._nodes(cst.Call)
            for node in nodes:
                if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                        and node.func.attr.value == "numpy" and self.index.function_of(node) is scope:
                    root = node.func.value
                    while isinstance(root, cst.Call) and isinstance(root.func, cst.Attribute) \
                            and root.func.attr.value in NUMPY_PATH_METHODS:
                        root = root.func.value
                    key = dotted_name(root)
                    if key is not None:
                        roots.append((key, root))
            self._numpy_roots[scope] = roots
        return any(key == definition.key and definition in self.reaching_all(key, root)
                   for key, root in roots)

    def _loss_call_graph(self, call: cst.Call) -> bool:
        """A loss-function result is on the graph unless its inputs are known not to be: a graph
        argument decides yes; an argument shown off the graph (read with ``.numpy()``) decides no;
        so does a loss with no trainable parameter (:meth:`loss_without_parameters`) whose every
        input is detached by its form (:meth:`_detached`: ``criterion(pred.detach().cpu(),
        true.detach().cpu())``); otherwise (parameters of a helper, untracked values) yes."""
        args = [arg.value for arg in call.args]
        if any(self._graph(arg) for arg in args):
            return True
        if args and all(self._detached(arg, 0) for arg in args) \
                and self.loss_without_parameters(call.func, call):
            return False  # on the graph only through its inputs, and none is
        for arg in args:
            key = dotted_name(arg)
            definition = self.reaching(key, arg) if key else None
            if definition is not None and self._read_as_numpy(definition):
                return False
        return True

    def _detached(self, expr: cst.BaseExpression, depth: int) -> bool:
        """``expr`` holds no graph and requires no grad by its form: a detaching method
        (``.detach()``, ``.item()``, ``.numpy()``...) or a torch factory without ``requires_grad``,
        then conversions and views of it (``.detach().cpu()``), a number, or a local every binding
        of which that reaches here is such a value and that is never made a leaf in place."""
        if depth > 8:
            return False
        if isinstance(expr, (cst.Integer, cst.Float)):
            return True
        if isinstance(expr, cst.Call):
            func = expr.func
            qualified = self.imports.qualify(func) or ""
            if qualified:
                last = qualified.rsplit(".", 1)[-1]
                return qualified.startswith("torch.") and last in TORCH_FACTORIES and not any(
                    arg.keyword is not None and arg.keyword.value == "requires_grad" for arg in expr.args)
            if isinstance(func, cst.Attribute):
                if func.attr.value in DETACHING_METHODS:
                    return True
                if func.attr.value in CONVERSIONS or func.attr.value in ALIASING_VIEWS \
                        or func.attr.value in ("clone", "reshape", "flatten"):
                    return self._detached(func.value, depth + 1)
            return False
        if isinstance(expr, cst.Subscript):
            return self._detached(expr.value, depth + 1)
        if isinstance(expr, cst.Name):
            if expr.value in self.parameter_free().leaves_in_place():
                return False
            definitions = self.reaching_all(expr.value, expr)
            return bool(definitions) and all(
                d.kind == "assign" and d.element is None and d.value is not None
                and self._detached(d.value, depth + 1) for d in definitions)
        return False

    def loss_without_parameters(self, func: cst.BaseExpression, at: cst.CSTNode, depth: int = 0) -> bool:
        """The loss function ``func`` (called where ``at`` is) holds no trainable parameter: a
        ``torch.nn.functional`` loss, or a ``torch.nn`` loss module (``nn.MSELoss()``; every one but
        ``AdaptiveLogSoftmaxWithLoss``) built of values that require no grad: built at once, bound
        to a name (every binding that reaches ``at``), returned by a function of the file
        (``self._select_criterion()``), or passed for a parameter of a helper by every one of its
        calls across the project (:class:`dllint.analysis.callers.ProjectCallers`). A loss module
        with parameters (a center loss) puts its output on the graph through them."""
        if depth > 6:
            return False
        qualified = self.imports.qualify(func) or ""
        if qualified:
            return bool(LOSS_FUNCTIONAL.match(qualified))
        if isinstance(func, cst.Call):
            while isinstance(func.func, cst.Attribute) and func.func.attr.value in DEVICE_MOVES \
                    and isinstance(func.func.value, cst.Call):
                func = func.func.value
            if self._is_loss_constructor(func):
                free = self.parameter_free()
                return not (self.imports.qualify(func.func) or "").endswith("AdaptiveLogSoftmaxWithLoss") \
                    and all(free.outer_plain(arg.value) for arg in func.args)
            target = self.regions.resolved(func)
            if target is None:
                return False
            returns = self.returns_of(target)
            return bool(returns) and all(
                r.value is not None and self.loss_without_parameters(r.value, r, depth + 1) for r in returns)
        key = dotted_name(func)
        if key is None:
            return False
        definitions = self.reaching_all(key, at)
        if definitions:
            return all(d.kind == "assign" and d.element is None and d.value is not None
                       and self.loss_without_parameters(d.value, d.node, depth + 1) for d in definitions)
        function = self.index.function_of(at)
        if "." in key or function is None or not any(
                p.name.value == key for p in (*function.params.posonly_params, *function.params.params,
                                               *function.params.kwonly_params)):
            return False
        return self._passed_losses_free(function, key, depth)

    def _passed_losses_free(self, function: cst.FunctionDef, param: str, depth: int) -> bool:
        """Every call of ``function`` in the project (one at least) passes for ``param`` a loss
        without parameters, judged where the call is."""
        from dllint.analysis.callers import ProjectCallers

        sites = self.ctx.analysis(ProjectCallers).sites(function)
        if not sites:
            return False
        modes = self.ctx.analysis(Modes)
        for site in sites:
            passed = modes._argument_for(site.call, function, param)
            if passed is None:
                return False
            nested = site.ctx is not self.ctx
            PROJECT.depth += nested
            try:
                other = site.ctx.analysis(GraphValues)
                if not other.loss_without_parameters(passed, site.call, depth + 1):
                    return False
            finally:
                PROJECT.depth -= nested
        return True

    def _element_graph(self, value: cst.BaseExpression, element: int) -> bool:
        if isinstance(value, (cst.Tuple, cst.List)):
            if element < len(value.elements):
                inner = value.elements[element].value
                return not isinstance(inner, cst.StarredElement) and self._graph(inner)
            return False
        if element == 1 and _returns_values_indices(value):
            return False  # ``_, predicted = torch.max(out, 1)``: the indices
        if isinstance(value, cst.Call):
            target = self.regions.resolved(value)
            summary = self.return_summary(target) if target is not None else self.external_summary(value)
            if summary is not None:
                if isinstance(summary, tuple):
                    return element < len(summary) and summary[element]
                return bool(summary)
        if isinstance(value, cst.Call) and self.ctx.analysis(OffGraph).model_part_off(
                value, (element,), lambda argument: not self._graph(argument)):
            # ``R, probs, idxs = model(batch)``: the forward of the model's class returns the
            # indices it sampled and a reward computed from the inputs beside its probabilities
            return False
        # ``logits, loss = model(x, y)``: every part of a model output is on the graph.
        return self._graph(value)

    def _call_graph(self, call: cst.Call) -> bool:
        func = call.func
        if self.regions.no_grad(call):
            return False
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            receiver = func.value
            if method in DETACHING_METHODS:
                return False
            qualified = self.imports.qualify(func)
            if qualified is not None:
                return self._library_call_graph(qualified, call)
            if method in GRAPH_METHODS and self._graph(receiver):
                return True
            if method == "forward" and self.is_model(receiver):
                return not self.parameter_free().call_without_graph(call, receiver)
        else:
            qualified = self.imports.qualify(func)
            if qualified is not None:
                return self._library_call_graph(qualified, call)
            if isinstance(func, cst.Name):
                if func.value in ("float", "int", "bool", "len", "str", "round"):
                    return False
                if func.value in ("sum", "max", "min", "abs"):
                    return any(self._graph(arg.value) for arg in call.args)
                if func.value == "self":
                    # ``self(x)`` inside an nn.Module / LightningModule runs its forward.
                    return self._in_module_class(call)
        if isinstance(func, cst.Call):
            # ``nn.CrossEntropyLoss()(out, y)``, ``nn.Linear(3, 1)(x)``: built and called at once.
            if self._is_loss_constructor(func):
                return self._loss_call_graph(call)
            return self._is_module_constructor(func) \
                and not self.parameter_free().call_without_graph(call, func)
        target = self.regions.resolved(call)
        if target is not None:
            return bool(self.return_summary(target))
        summary = self.external_summary(call)
        if summary is not None:
            return bool(summary)
        if isinstance(func, (cst.Name, cst.Attribute)):
            self._ensure_models()
            if dotted_name(func) in self._frozen_models:
                return False
            if self.is_model(func):
                return not self.parameter_free().call_without_graph(call, func)
            return self.is_loss_function(func) and self._loss_call_graph(call)
        return False

    def parameter_free(self) -> ParameterFree:
        """Which module calls run a module with no trainable parameter (``parameters.py``)."""
        if self._parameters is None:
            self._parameters = ParameterFree(self)
        return self._parameters

    def _library_call_graph(self, qualified: str, call: cst.Call) -> bool:
        if LOSS_FUNCTIONAL.match(qualified):
            return self._loss_call_graph(call)
        parts = qualified.split(".")
        if parts[0] != "torch":
            return False
        if without_graph_gradients(qualified, call):
            return False
        if parts[-1] in TORCH_NON_GRAPH or parts[-1] in DETACHING_METHODS:
            return False
        if self._is_module_constructor(call) or self._is_loss_constructor(call):
            return False
        return any(self._graph(arg.value) or self._container_graph(arg.value) for arg in call.args)

    def _container_graph(self, expr: cst.BaseExpression) -> bool:
        """A list literal of graph tensors (``torch.stack([a, b])``)."""
        if isinstance(expr, (cst.List, cst.Tuple)):
            return any(not isinstance(e.value, cst.StarredElement) and self._graph(e.value)
                       for e in expr.elements)
        return False

    def surgery_read(self, read: cst.BaseExpression) -> bool:
        """``read`` (``p.data``) is the read half of weight surgery: its values flow only into
        writes of weights, at least one. A write is the data of a new ``nn.Parameter`` that is the
        whole right-hand side of an assignment to an attribute outside ``forward`` (``self.p =
        nn.Parameter(self.p.data[keep, ...])``: a fresh leaf, no graph comes out), the right-hand
        side of an assignment to a ``.data`` (``m1.weight.data = ...``, ``w.data[i] = ...``) or the
        argument of an in-place method of one (``m1.weight.data.copy_(...)``). The values get there
        through indexing, tensor methods, arithmetic, torch functions, the arguments of a method of
        a tensor read through ``.data`` (``w.data.div(norm)``) and locals whose every use carries
        them so (``w1 = m0.weight.data[:, keep].clone()`` then ``m1.weight.data = w1.clone()``);
        uses that read only metadata (``w1.shape``) carry nothing. Nothing keeps the read and
        nothing computes with it: it is no use of the weight in the computation."""
        return self._surgery_flow(read, set()) is True

    def _surgery_flow(self, expr: cst.BaseExpression, seen: set[Definition]) -> bool | None:
        """True: every way ``expr``'s value goes ends in a write of weights, one at least; None:
        its values go nowhere (metadata read, a local never read); False: they may go elsewhere."""
        current: cst.CSTNode = expr
        parent = self.index.parent(current)
        while parent is not None:
            if isinstance(parent, cst.Subscript) and parent.value is current \
                    or isinstance(parent, (cst.BinaryOperation, cst.UnaryOperation)) \
                    or isinstance(parent, (cst.Element, cst.List, cst.Tuple, cst.StarredElement)) \
                    or isinstance(parent, cst.ListComp) and parent.elt is current:
                # a list holds the values it is built of: ``[*[f(w) for _ in r], acc]``
                pass
            elif isinstance(parent, cst.Attribute) and parent.value is current:
                call = self.index.parent(parent)
                if not (isinstance(call, cst.Call) and call.func is parent):
                    # ``w1.shape``: metadata, no values; ``p.data.T`` a tensor; anything else unknown
                    return None if parent.attr.value in METADATA_ATTRIBUTES else False
                if parent.attr.value in METADATA_METHODS:
                    return None
                if parent.attr.value == "append" and isinstance(self.index.parent(call), cst.Expr):
                    # ``rows.append(v)`` as a statement, on a list that holds the values: it adds
                    # to the list, returns None, and moves nothing of the list anywhere
                    return None
                if parent.attr.value in ("numpy", "tolist", "item"):
                    return False  # out of torch: a ``.data`` written later is not a tensor's
                parent = call
            elif isinstance(parent, cst.Arg) and parent.value is current:
                call = self.index.parent(parent)
                if not isinstance(call, cst.Call):
                    return False
                qualified = self.imports.qualify(call.func) or ""
                if qualified in PARAMETER_CONSTRUCTORS:
                    return parent is _parameter_data(call) and self._assigned_to_attribute(call)
                if not qualified and parent.keyword is None and len(call.args) == 1 \
                        and isinstance(call.func, cst.Attribute) and call.func.attr.value == "append" \
                        and isinstance(call.func.value, cst.Name) \
                        and isinstance(self.index.parent(call), cst.Expr):
                    # ``rows.append(v)`` on a local list made empty here: the values go where
                    # the list goes (``torch.stack(rows)``)
                    return self._list_surgery_flow(call.func.value, seen)
                if not qualified and isinstance(call.func, cst.Attribute) \
                        and _tensor_rooted(self.imports, call.func.value):
                    # a method of a tensor: a new tensor, or an in-place write of the receiver
                    if _in_place(call.func.attr.value):
                        return through_data(call.func.value)
                    parent = call
                elif not qualified and parent.keyword is None and self._layer_passes_on(call, parent, seen):
                    parent = call  # a layer of this file whose forward only returns what it computes
                elif not qualified.startswith("torch.") or parent.keyword is not None:
                    return False  # an unknown callee may keep the read (``history.append``)
                else:
                    parent = call
            elif isinstance(parent, cst.Assign) and parent.value is current:
                if len(parent.targets) != 1:
                    return False
                target = parent.targets[0].target
                while isinstance(target, cst.Subscript):
                    target = target.value
                if isinstance(target, cst.Attribute) and target.attr.value == "data":
                    return True  # ``m1.weight.data = ...``, ``w.data[keep] = ...``
                if isinstance(target, cst.Name) and target is parent.targets[0].target:
                    return self._local_surgery_flow(parent, target.value, seen)
                return False
            elif isinstance(parent, cst.Return) and self._surgery_callees \
                    and self.index.function_of(parent) is self._surgery_callees[-1]:
                return True  # back to the call of the layer, followed from there
            elif isinstance(parent, cst.AugAssign) and parent.value is current:
                # ``old_fc.bias.data += v``: an in-place write of the weight's data
                target = parent.target
                while isinstance(target, cst.Subscript):
                    target = target.value
                return isinstance(target, cst.Attribute) and target.attr.value == "data"
            else:
                return False
            current = parent
            parent = self.index.parent(current)
        return False

    def _local_surgery_flow(self, statement: cst.Assign, key: str, seen: set[Definition]) -> bool | None:
        """How the value that ``statement`` binds to the local ``key`` goes on: through each use
        that the binding reaches (:meth:`_surgery_flow`)."""
        scope = self.index.function_of(statement)
        definition = next((d for d in self.definitions(scope, key)
                           if d.node is statement and d.kind == "assign" and d.element is None), None)
        if definition is None:
            return False
        if definition in seen:
            return None  # round a loop (``w1 = w1[idx].clone()``): nothing new
        if len(seen) >= MAX_SURGERY_LOCALS:
            return False  # a chain this long is not followed: the read counts
        seen.add(definition)
        loads = self._name_loads()
        for other, name in loads:
            # a global read by a function, a local read by a nested one: not followed here
            if name == key and other is not None and other is not scope \
                    and not self.definitions(other, key) \
                    and not any(p.name.value == key for p in iter_subtree(other.params)
                                if isinstance(p, cst.Param)) \
                    and (scope is None or any(a is scope for a in self.index.ancestors(other))):
                return False
        result: bool | None = None
        for name in loads.get((scope, key), ()):
            if definition not in self.reaching_all(key, name):
                continue
            found = self._surgery_flow(name, seen)
            if found is False:
                return False
            result = result or found
        return result

    def _layer_passes_on(self, call: cst.Call, arg: cst.Arg, seen: set[Definition]) -> bool:
        """``call`` runs a layer of this file (:meth:`_layer_forwards`) whose ``forward`` sends
        the values of the positional argument ``arg`` only into its return values (or into writes
        of weights): computed with, never kept. The parameter must not be rebound nor read by a
        nested function; the result of the call is then followed at the caller."""
        forwards = self._layer_forwards(call)
        if not forwards or len(self._surgery_callees) >= 2:
            return False
        position = next((i for i, a in enumerate(call.args) if a is arg), None)
        if position is None or any(a.star for a in call.args[:position + 1]):
            return False
        loads = self._name_loads()
        for forward in forwards:
            params = forward.params.params
            if forward in self._surgery_callees or position + 1 >= len(params):
                return False
            key = params[position + 1].name.value
            if self.definitions(forward, key):
                return False
            for scope, name in loads:
                if name == key and scope is not None and scope is not forward \
                        and any(a is forward for a in self.index.ancestors(scope)):
                    return False
            self._surgery_callees.append(forward)
            try:
                result: bool | None = None
                for use in loads.get((forward, key), ()):
                    found = self._surgery_flow(use, seen)
                    if found is False:
                        return False
                    result = result or found
            finally:
                self._surgery_callees.pop()
            if result is not True:
                return False
        return True

    def _layer_forwards(self, call: cst.Call) -> list[cst.FunctionDef]:
        """The ``forward`` methods ``call`` may run when it calls ``self.x(...)`` or
        ``self.x[i](...)``: every store of an attribute ``x`` in this file (any receiver) binds an
        instance of a module class of this file (``C(...)``), ``None``, or for the indexed form an
        ``nn.ModuleList`` of such (``nn.ModuleList([C() for _ in r])``, later ``.append(C())``);
        any other store or change of ``x`` (``extend``, ``x[i] = ...``, ``+=``) leaves it unknown.
        A class counts when its chain of bases is classes of this file and ``torch.nn.Module``,
        none defining ``__call__`` (so calling it runs its ``forward``). Empty when unknown."""
        func = call.func
        indexed = isinstance(func, cst.Subscript)
        if indexed:
            func = func.value
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
                and func.value.value == "self"):
            return []
        attr = func.attr.value
        cached = self._layer_cache.get((attr, indexed))
        if cached is None:
            cached = self._layer_cache[(attr, indexed)] = self._find_layer_forwards(attr, indexed)
        return cached

    def _find_layer_forwards(self, attr: str, indexed: bool) -> list[cst.FunctionDef]:
        classes: list[cst.ClassDef] = []

        def instance(value: cst.BaseExpression) -> bool:
            if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) \
                    and value.func.value in self.regions.classes:
                classes.append(self.regions.classes[value.func.value])
                return True
            return False

        for node in self._nodes(cst.Attribute):
            if node.attr.value != attr:
                continue
            parent = self.index.parent(node)
            if isinstance(parent, cst.AssignTarget) and parent.target is node:
                value = self.index.parent(parent).value
                if isinstance(value, cst.Name) and value.value == "None":
                    continue
                if not indexed:
                    if not instance(value):
                        return []
                    continue
                if not (isinstance(value, cst.Call)
                        and self.imports.qualify(value.func) == "torch.nn.ModuleList"):
                    return []
                for a in value.args:
                    if a.keyword is not None or a.star or not isinstance(a.value, (cst.List, cst.ListComp)):
                        return []
                    elements = [a.value.elt] if isinstance(a.value, cst.ListComp) \
                        else [e.value for e in a.value.elements]
                    if not all(instance(e) for e in elements):
                        return []
            elif isinstance(parent, cst.Attribute) and parent.value is node:
                user = self.index.parent(parent)
                if parent.attr.value in ("append", "extend", "insert", "add_module", "register_module",
                                         "update", "__setitem__", "setdefault", "pop", "__init__"):
                    if not (indexed and parent.attr.value == "append" and isinstance(user, cst.Call)
                            and len(user.args) == 1 and instance(user.args[0].value)):
                        return []
            elif isinstance(parent, (cst.AugAssign, cst.AnnAssign, cst.Del, cst.Element)) \
                    or isinstance(parent, cst.Subscript) and parent.value is node \
                    and isinstance(self.index.parent(parent), (cst.AssignTarget, cst.AugAssign, cst.Del)):
                return []
        forwards: list[cst.FunctionDef] = []
        for klass in dict.fromkeys(classes):
            chain = self.regions.base_classes(klass)
            for member in chain:
                if "__call__" in self.regions.methods(member):
                    return []
                for base in member.bases:
                    name = dotted_name(base.value)
                    if name not in self.regions.classes \
                            and self.imports.qualify(base.value) != "torch.nn.Module":
                        return []
            forward = self.regions.lookup_method(klass, "forward")
            if forward is None:
                return []
            forwards.append(forward)
        return forwards

    def _list_surgery_flow(self, receiver: cst.Name, seen: set[Definition]) -> bool | None:
        """Where the values appended to the local list ``receiver`` go: ``receiver`` must be bound
        to an empty list literal by every definition that reaches it (a list of this function,
        nobody else's), and each such list is followed to every use (:meth:`_local_surgery_flow`;
        other appends to it carry nothing out)."""
        definitions = self.reaching_all(receiver.value, receiver)
        if not definitions:
            return False
        result: bool | None = None
        for definition in definitions:
            if definition.kind != "assign" or definition.element is not None \
                    or not isinstance(definition.value, cst.List) or definition.value.elements \
                    or not isinstance(definition.node, cst.Assign):
                return False
            found = self._local_surgery_flow(definition.node, receiver.value, seen)
            if found is False:
                return False
            result = result or found
        return result

    def _name_loads(self) -> dict[tuple[cst.FunctionDef | None, str], list[cst.Name]]:
        """The names of the file that are read, by scope and name (``w1`` in ``w1.clone()``; not
        ``w1`` in ``w1 = ...``, ``m.w1`` or ``f(w1=...)``)."""
        if self._loads is None:
            self._loads = {}
            for name in self._nodes(cst.Name):
                if _is_load(self.index, name):
                    self._loads.setdefault((self.index.function_of(name), name.value), []).append(name)
        return self._loads

    def leaf_kind(self, expr: cst.BaseExpression) -> str | None:
        """"parameter" (a module's parameter: ``m.weight``, ``m.bias``, ``p`` of ``for p in
        m.parameters()``, an ``nn.Parameter(...)``), "leaf" (a tensor made with
        ``requires_grad=True`` or ``.requires_grad_()``, e.g. ``Variable(x, requires_grad=True)``:
        autograd's leaf, not a parameter) or None. A ``self.`` attribute with no assignment
        reaching it is judged by what the methods of its class assign to it."""
        if isinstance(expr, cst.Attribute) and expr.attr.value in ("weight", "bias"):
            return "parameter"
        dotted = dotted_name(expr)
        if dotted is None:
            return None
        definition = self.reaching(dotted, expr)
        if definition is None and dotted.startswith("self."):
            return self._class_leaf_kind(expr, dotted)
        if definition is None or definition.value is None:
            return None
        value = definition.value
        if definition.kind == "for":
            # ``for p in model.parameters()`` / ``for name, p in model.named_parameters()``.
            call = value
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.args \
                    and call.func.value in ("enumerate", "zip", "list"):
                call = call.args[0].value
            found = isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) \
                and call.func.attr.value in ("parameters", "named_parameters") \
                and (definition.element is None or definition.element == 1)
            return "parameter" if found else None
        return self._made_leaf_kind(value)

    def _class_leaf_kind(self, expr: cst.BaseExpression, dotted: str) -> str | None:
        klass = self.regions.enclosing_class(expr)
        if klass is None:
            return None
        kinds = set()
        for method in self.regions.methods(klass).values():
            for definition in self.definitions(method, dotted):
                if definition.value is not None:
                    kinds.add(self._made_leaf_kind(definition.value))
        kinds.discard(None)
        if not kinds:
            return None
        # Different kinds in different methods: both require grad; say the weaker "leaf".
        return "parameter" if kinds == {"parameter"} else "leaf"

    def _made_leaf_kind(self, value: cst.BaseExpression) -> str | None:
        """What the assigned ``value`` makes: an ``nn.Parameter`` ("parameter"), a torch tensor
        made with ``requires_grad=True`` or ``x.requires_grad_()`` ("leaf"), or None."""
        if not isinstance(value, cst.Call):
            return None
        qualified = self.imports.qualify(value.func) or ""
        if qualified in PARAMETER_CONSTRUCTORS:
            return "parameter"
        if qualified.startswith("torch."):
            requires = any(arg.keyword is not None and arg.keyword.value == "requires_grad"
                           and isinstance(arg.value, cst.Name) and arg.value.value == "True"
                           for arg in value.args)
            return "leaf" if requires else None
        if isinstance(value.func, cst.Attribute) and value.func.attr.value == "requires_grad_":
            return "leaf"
        return None

    def _assigned_to_attribute(self, value: cst.Call) -> bool:
        """``value`` is stored as a module's parameter, outside a ``forward`` (where a new
        parameter would be cut from the graph): the whole right-hand side of ``obj.attr = value``
        or ``obj.attr[i] = value`` (a parameter slot, an entry of a ``ParameterList``), or the one
        argument of ``obj.attr.append(value)`` as a statement (a ``ParameterList`` grown by weight
        imprinting). Wherever it is stored, ``nn.Parameter`` is a fresh leaf: no graph comes out."""
        function = self.index.function_of(value)
        if function is not None and function.name.value == "forward":
            return False
        statement = self.index.parent(value)
        if isinstance(statement, cst.Arg):
            call = self.index.parent(statement)
            return isinstance(call, cst.Call) and len(call.args) == 1 and statement.keyword is None \
                and isinstance(call.func, cst.Attribute) and call.func.attr.value == "append" \
                and isinstance(call.func.value, cst.Attribute) \
                and isinstance(self.index.parent(call), cst.Expr)
        if not isinstance(statement, (cst.Assign, cst.AnnAssign)) or statement.value is not value:
            return False
        targets = [t.target for t in statement.targets] if isinstance(statement, cst.Assign) \
            else [statement.target]
        targets = [t.value if isinstance(t, cst.Subscript) else t for t in targets]
        return all(isinstance(t, cst.Attribute) for t in targets)

    def graph_leaves(self, expr: cst.BaseExpression) -> list[cst.BaseExpression]:
        """The operands that put ``expr`` on the graph: ``loss`` in ``loss * x.size(0)``."""
        if not self.is_graph(expr):
            return []
        if isinstance(expr, cst.BinaryOperation):
            return self.graph_leaves(expr.left) + self.graph_leaves(expr.right)
        if isinstance(expr, cst.UnaryOperation):
            return self.graph_leaves(expr.expression)
        return [expr]

    # ---------------------------------------------------------------------------------------------
    # losses
    def is_loss_value(self, expr: cst.BaseExpression) -> bool:
        """``expr`` holds a loss: a loss-function result, a name like ``loss``/``train_loss``, or a
        reduction of one."""
        if isinstance(expr, cst.Call):
            if isinstance(expr.func, cst.Attribute) and expr.func.attr.value in ("mean", "sum") \
                    and not expr.args:
                return self.is_loss_value(expr.func.value)
            callee = dotted_name(expr.func) or ""
            # ``compute_loss(model, batch)``, ``self.loss(out, y)``: named for what they return.
            return self.is_loss_function(expr.func) or "loss" in callee.rsplit(".", 1)[-1].lower()
        dotted = dotted_name(expr)
        if dotted is None:
            return False
        if "loss" in dotted.rsplit(".", 1)[-1].lower():
            return True
        definition = self.reaching(dotted, expr)
        return definition is not None and definition.kind == "assign" and definition.element is None \
            and isinstance(definition.value, cst.Call) and self.is_loss_value(definition.value)

    def is_scalar_loss(self, expr: cst.BaseExpression) -> bool:
        """A loss known to be a single number (so ``.item()`` works): not a ``reduction='none'``
        criterion's result."""
        if not self.is_loss_value(expr):
            return False
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) \
                and expr.func.attr.value in ("mean", "sum") and not expr.args:
            return True
        call = expr
        dotted = dotted_name(expr)
        if dotted is not None:
            definition = self.reaching(dotted, expr)
            if definition is not None and definition.kind == "assign" and definition.element is None:
                call = definition.value
        if isinstance(call, cst.Call):
            if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("mean", "sum") \
                    and not call.args:
                return True
            func_name = dotted_name(call.func)
            self._ensure_models()
            if func_name in self._loss_none_reduction or self._reduction_none(call):
                return False
            if isinstance(call.func, cst.Call) and self._reduction_none(call.func):
                return False  # ``nn.MSELoss(reduction="none")(out, y)``: built and called at once
        return True

    # ---------------------------------------------------------------------------------------------
    # function summaries
    def return_summary(self, func: cst.FunctionDef) -> object:
        """False when ``func`` returns no graph tensor, True when it returns one, or a tuple of
        booleans when it returns a tuple literal (``return loss, acc`` -> (True, False))."""
        if func in self._returns:
            return self._returns[func]
        self._returns[func] = False  # recursion guard
        summary: object = False
        if self.active and not self.regions.no_grad(func.body):
            for ret in self.returns_of(func):
                value = ret.value
                if value is None:
                    continue
                if isinstance(value, cst.Tuple):
                    parts = tuple(not isinstance(e.value, cst.StarredElement) and self._graph(e.value)
                                  for e in value.elements)
                    if any(parts):
                        summary = parts if summary is False or summary == parts else True
                elif self._graph(value):
                    summary = True
                    break
        self._returns[func] = summary
        return summary

    def returns_graph(self, func: cst.FunctionDef) -> bool:
        """``func`` may return a tensor attached to the autograd graph (or a tuple holding one)."""
        return bool(self.return_summary(func))

    def returns_of(self, func: cst.FunctionDef) -> list[cst.Return]:
        """The ``return`` statements of ``func`` itself (not of functions nested in it)."""
        if self._returns_by_function is None:
            self._returns_by_function = {}
            for node in self._nodes(cst.Return):
                owner = self.index.function_of(node)
                if owner is not None:
                    self._returns_by_function.setdefault(owner, []).append(node)
        return self._returns_by_function.get(func, [])

    # ---------------------------------------------------------------------------------------------
    # the project around the file
    def external(self, call: cst.Call) -> tuple["GraphValues", cst.FunctionDef, cst.ClassDef | None] | None:
        """(the other module's graph values, the function, its class or None) for a call of a
        function or method defined in another module of the project: ``compute_loss(model, b)``
        imported from ``losses``, ``meter.update(loss)`` with ``meter`` an instance of a class
        imported from ``utils``. None when the call is not one (or the files nest too deep)."""
        if call in self._external:
            return self._external[call]
        found = None
        self._external[call] = None  # a cycle through this call finds nothing
        imports = project_imports(self.ctx)
        if imports is not None and PROJECT.depth < MAX_FILE_DEPTH:
            found = self._external_function(call, imports)
        self._external[call] = found
        return found

    def _external_function(self, call: cst.Call, imports):
        found = find_called(self.ctx, call, imports, self._receiver_class)
        if found is None:
            return None
        other, function, klass_def = found
        PROJECT.depth += 1
        try:
            flow = other.analysis(GraphValues)
        finally:
            PROJECT.depth -= 1
        return flow, function, klass_def

    def external_summary(self, call: cst.Call) -> object:
        """The return summary (see :meth:`return_summary`) of a function of another project
        module called here; None when the call is not one."""
        found = self.external(call)
        if found is None:
            return None
        flow, function, _ = found
        PROJECT.depth += 1
        try:
            return flow.return_summary(function)
        finally:
            PROJECT.depth -= 1

    def _receiver_class(self, expr: cst.BaseExpression, at: cst.CSTNode, imports) -> Target | None:
        """The project class of which ``expr`` is an instance: every value assigned to it is a call
        of the same imported class (``AverageMeter()``, ``Net().to(device)``); ``self.x`` is looked
        up in every method of the class."""
        return self._instance_class(expr, at, imports, 4)

    def _instance_class(self, expr: cst.BaseExpression, at: cst.CSTNode, imports, depth: int) -> Target | None:
        if depth <= 0 or not isinstance(expr, (cst.Name, cst.Attribute)):
            return None
        key = dotted_name(expr)
        if key is None:
            return None
        if key.startswith("self."):
            klass = self.regions.enclosing_class(at)
            if klass is None:
                return None
            definitions = [d for method in self.regions.methods(klass).values()
                           for d in self.definitions(method, key) if d.kind not in ("item", "detach")]
        else:
            definitions = [d for d in self.reaching_all(key, at) if d.kind != "item"]
            if not definitions and isinstance(expr, cst.Attribute):
                # ``metrics.tracker``: the attribute that the class of ``metrics`` sets
                owner = self._instance_class(expr.value, at, imports, depth - 1)
                return self._attribute_class(owner, expr.attr.value) if owner is not None else None
        classes: set[Target] = set()
        for definition in definitions:
            value = definition.value
            if definition.kind == "detach":
                # ``model.requires_grad_(False)``: the same object as before the statement
                found = self._instance_class(expr, definition.node, imports, depth - 1)
                if found is None:
                    return None
                classes.add(found)
                continue
            if definition.kind != "assign" or value is None:
                return None
            if definition.element is not None:
                if not isinstance(value, (cst.Tuple, cst.List)) or definition.element >= len(value.elements):
                    return None
                value = value.elements[definition.element].value  # ``a, b = Meter(), Meter()``
            while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                    and value.func.attr.value in MODEL_PRESERVING_METHODS:
                value = value.func.value
            if isinstance(value, (cst.Name, cst.Attribute)):
                # ``model = model.to(device)``: the class of what it was
                found = self._instance_class(value, definition.node, imports, depth - 1)
                if found is None:
                    return None
                classes.add(found)
                continue
            if not isinstance(value, cst.Call):
                return None
            name = dotted_name(value.func)
            target = imports.target(name) if name else None
            if target is None or find_class(self.ctx, target) is None:
                return None
            classes.add(target)
        return classes.pop() if len(classes) == 1 else None

    def _attribute_class(self, owner: Target, attribute: str) -> Target | None:
        """The project class of ``self.<attribute>`` in the class ``owner`` (every assignment of it in
        the class's methods is a call of that one class: ``self.tracker = LossTracker(keys)``)."""
        klass = find_class(self.ctx, owner)
        other = PROJECT.context(owner.path) if klass is not None else None
        if other is None or PROJECT.depth >= MAX_FILE_DEPTH:
            return None
        PROJECT.depth += 1
        try:
            flow = other.analysis(GraphValues)
            classes: set[Target] = set()
            for method in flow.regions.methods(klass).values():
                for definition in flow.definitions(method, f"self.{attribute}"):
                    if definition.kind == "detach":
                        continue  # ``self.encoder.requires_grad_(False)``: the same object
                    value = definition.value
                    if definition.kind != "assign" or definition.element is not None \
                            or not isinstance(value, cst.Call):
                        return None
                    name = dotted_name(value.func)
                    if name is None:
                        return None
                    local = _top_level_class(other.module, name)
                    if local is not None:
                        classes.add(Target(owner.path, name))
                        continue
                    imports = project_imports(other)
                    target = imports.target(name) if imports is not None else None
                    if target is None or find_class(other, target) is None:
                        return None
                    classes.add(target)
        finally:
            PROJECT.depth -= 1
        return classes.pop() if len(classes) == 1 else None

    def _project_module_class(self, expr: cst.BaseExpression) -> bool:
        return self.ctx.analysis(ModuleClasses).project_class(expr)

    def parameter_accumulations(self, function: cst.FunctionDef) -> list[tuple[int, cst.CSTNode, str]]:
        """(index of the parameter, the statement, the ``self.`` key) for each parameter that
        ``function`` adds, unchanged but for arithmetic, into an attribute of ``self``: an
        ``AverageMeter.update(val, n)`` doing ``self.sum += val * n``. What the meter then holds is
        what its caller passes: a graph tensor there is kept across steps."""
        found = self._parameter_accumulations.get(function)
        if found is not None:
            return found
        found = self._parameter_accumulations[function] = []
        if function.name.value == "forward":
            return found
        for key, definitions in sorted(self._defs.get(function, {}).items()):
            if not key.startswith("self."):
                continue
            for definition in definitions:
                node = definition.node
                value = None
                if isinstance(node, cst.AugAssign) and isinstance(node.operator, (cst.AddAssign, cst.SubtractAssign)):
                    value = node.value
                elif isinstance(node, cst.Assign) and isinstance(node.value, cst.BinaryOperation) \
                        and isinstance(node.value.operator, cst.Add) \
                        and key in (dotted_name(node.value.left), dotted_name(node.value.right)):
                    value = node.value
                if value is None:
                    continue
                found.extend((index, node, key) for index in self.accumulated_parameters(function, node, value))
        return found

    def accumulated_parameters(self, function: cst.FunctionDef, statement: cst.CSTNode,
                               value: cst.BaseExpression) -> list[int]:
        """The indices of ``function``'s parameters that ``value``, added into an accumulator at
        ``statement``, carries with their graph (``val`` in ``self.sum += val * n``), while
        still bound to what the caller passed (not reassigned before ``statement``)."""
        params = [p.name.value for p in function.params.params]
        return [params.index(name) for name in _direct_names(value, self.imports)
                if name in params and self.reaching(name, statement) is None]


# Collective operations that autograd differentiates through: their result keeps the input's graph.
DIFFERENTIABLE_COLLECTIVES = frozenset({
    "horovod.torch.allreduce", "horovod.torch.allgather", "horovod.torch.grouped_allreduce",
    "torch.distributed.nn.all_reduce", "torch.distributed.nn.functional.all_reduce",
    "torch.distributed.nn.all_gather", "torch.distributed.nn.functional.all_gather",
})


def _parameter_data(call: cst.Call) -> cst.Arg | None:
    """The argument of ``nn.Parameter(data, requires_grad)`` that holds its data."""
    for position, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == "data" or position == 0 and arg.keyword is None:
            return arg
    return None


def _in_place(method: str) -> bool:
    return method.endswith("_") and not method.startswith("__")


def through_data(expr: cst.BaseExpression) -> bool:
    """``expr`` is a tensor's ``.data`` or an alias of it: indexing and views that share its
    memory (``p.data.detach()``, ``p.data[0]``, ``p.data.view(-1)``); an in-place method on it
    writes the tensor (``p.data.detach().zero_()``)."""
    while True:
        if isinstance(expr, cst.Subscript):
            expr = expr.value
        elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) \
                and expr.func.attr.value in ALIASING_VIEWS:
            expr = expr.func.value
        else:
            return isinstance(expr, cst.Attribute) and expr.attr.value == "data"


def _tensor_rooted(imports, expr: cst.BaseExpression) -> bool:
    """``expr`` is a tensor by its form: a ``.data`` (or ``torch`` function) reached through
    indexing and tensor methods (``torch.norm(w.data, dim=1).unsqueeze(1)``)."""
    while True:
        if isinstance(expr, cst.Subscript):
            expr = expr.value
        elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) \
                and imports.qualify(expr.func) is None:
            expr = expr.func.value
        elif isinstance(expr, cst.Call):
            qualified = imports.qualify(expr.func) or ""
            return qualified.startswith("torch.") and not qualified.startswith("torch.nn.") \
                or qualified.startswith("torch.nn.functional.")
        else:
            return isinstance(expr, cst.Attribute) and expr.attr.value == "data"


def _is_load(index: "NodeIndex", name: cst.Name) -> bool:
    """``name`` reads a variable (not a store, an attribute's or keyword's name, a definition)."""
    parent = index.parent(name)
    if isinstance(parent, cst.Attribute) and parent.attr is name \
            or isinstance(parent, cst.Arg) and parent.keyword is name \
            or isinstance(parent, (cst.FunctionDef, cst.ClassDef, cst.Param, cst.ImportAlias,
                                   cst.NameItem)):
        return False
    node: cst.CSTNode = name
    while isinstance(parent, (cst.Element, cst.StarredElement, cst.Tuple, cst.List)):
        node, parent = parent, index.parent(parent)
    if isinstance(parent, cst.AssignTarget) or isinstance(parent, cst.AsName) \
            or isinstance(parent, (cst.For, cst.CompFor)) and parent.target is node \
            or isinstance(parent, cst.NamedExpr) and parent.target is node \
            or isinstance(parent, cst.AnnAssign) and parent.target is node:
        return False
    return True


def _detaches_in_place(call: cst.Call) -> bool:
    """``x.detach_()`` or ``x.requires_grad_(False)`` (``requires_grad=False``)."""
    method = call.func.attr.value if isinstance(call.func, cst.Attribute) else None
    if method == "detach_":
        return not call.args
    if method != "requires_grad_" or len(call.args) != 1:
        return False
    arg = call.args[0]
    return (arg.keyword is None or arg.keyword.value == "requires_grad") and not arg.star \
        and isinstance(arg.value, cst.Name) and arg.value.value == "False"


def _direct_names(value: cst.BaseExpression, imports=None) -> list[str]:
    """Names whose value flows into ``value`` with its graph: through arithmetic (``val`` in
    ``val * n``), subscripts, methods that keep the graph (``val.cpu()``, ``val.mean()``) and
    differentiable collectives (``hvd.allreduce(val.cpu())``); not through ``float(val)``,
    ``val.item()`` or ``val.detach()``."""
    if isinstance(value, cst.Name):
        return [value.value]
    if isinstance(value, cst.BinaryOperation):
        return _direct_names(value.left, imports) + _direct_names(value.right, imports)
    if isinstance(value, cst.UnaryOperation):
        return _direct_names(value.expression, imports)
    if isinstance(value, cst.Subscript):
        return _direct_names(value.value, imports)  # ``self.totals[key] += losses[key]``
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
        if imports is not None and (imports.qualify(value.func) or "") in DIFFERENTIABLE_COLLECTIVES:
            first = next((a.value for a in value.args if a.keyword is None and not a.star), None)
            return _direct_names(first, imports) if first is not None else []
        if value.func.attr.value in GRAPH_METHODS and value.func.attr.value != "__getitem__":
            return _direct_names(value.func.value, imports)
    return []


def _top_level_class(module: cst.Module, name: str) -> cst.ClassDef | None:
    found = None
    for statement in module.body:
        if isinstance(statement, cst.ClassDef) and statement.name.value == name:
            found = statement
    return found


# At most this many assignments of one key are kept at a point, the latest in source order: the
# oldest are the least likely to be what a use reads (see :class:`ReachingDefinitions`'s ``cap``).
MAX_DEFINITIONS = 8


class _ScopeReaching:
    """The assignments of one scope that may reach each use. Only keys assigned more than once are
    tracked: a key assigned once has that single assignment or none, which source order answers;
    this keeps the states small on a module of thousands of statements."""

    def __init__(self, scope: cst.CSTNode, index: "NodeIndex",
                 definitions: dict[str, list[Definition]],
                 at_least_once: Callable[[cst.For], bool] | None = None) -> None:
        self.index = index
        self.tracked = frozenset(key for key, defs in definitions.items() if len(defs) > 1)
        self.graph: ReachingDefinitions | None = None
        if not self.tracked:
            return
        rows = []
        for key in sorted(self.tracked):
            for definition in definitions[key]:
                for element in self._elements_of(definition):
                    rows.append((element, key, definition, False))
        order = index.order
        self.graph = ReachingDefinitions(scope, gen_of(rows), at_least_once, cap=MAX_DEFINITIONS,
                                         rank=lambda d: order[d.node])

    def _elements_of(self, definition: Definition) -> Iterator[tuple[str, cst.CSTNode]]:
        node = definition.node
        if isinstance(node, cst.With):
            for item in node.items:
                if item.asname is not None and any(
                        found == definition.key for found, _ in _targets(item.asname.name)):
                    yield binding_element(item)
        elif isinstance(node, (cst.For, cst.BaseSmallStatement)):
            yield binding_element(node)
        else:  # a walrus, or a store inside a compound statement's header: where it is evaluated
            holder = element_of(self.index, node)
            if holder is not None:
                yield _read_kind(holder), holder

    def at(self, key: str, use: cst.CSTNode) -> frozenset | None:
        """The assignments of ``key`` that may reach ``use``; None when ``key`` is not tracked or
        ``use`` is in no reachable element (then source order decides)."""
        if key not in self.tracked or self.graph is None or not self.graph.solved:
            return None
        element = element_of(self.index, use)
        state = self.graph.before(element) if element is not None else None
        if state is None:
            return None
        return state.get(key, frozenset())


def element_of(index: "NodeIndex", use: cst.CSTNode) -> cst.CSTNode | None:
    """The node of the control-flow element that evaluates ``use``."""
    statement = index.statement_of(use)
    if isinstance(statement, (cst.BaseSmallStatement, cst.For)):
        return statement
    if isinstance(statement, (cst.If, cst.While)):
        return statement.test
    if isinstance(statement, cst.With):
        return index.enclosing(use, cst.WithItem)
    if isinstance(statement, cst.Match):
        case = index.enclosing(use, cst.MatchCase)
        if case is not None and case.guard is not None:
            return case.guard
        return case if case is not None else statement
    if isinstance(statement, (cst.Try, cst.TryStar)):
        return index.enclosing(use, cst.ExceptHandler)
    return None


def _read_kind(node: cst.CSTNode) -> str:
    """The kind of the element :func:`element_of` names by ``node``."""
    if isinstance(node, cst.For):
        return "iter"
    if isinstance(node, cst.WithItem):
        return "enter"
    if isinstance(node, cst.MatchCase):
        return "case"
    if isinstance(node, cst.ExceptHandler):
        return "handler"
    if isinstance(node, cst.Match):
        return "subject"
    if isinstance(node, cst.BaseSmallStatement):
        return "stmt"
    return "test"
