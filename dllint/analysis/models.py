"""Which expressions are ``nn.Module`` instances ("models"), and what is known of their definition.

A name is a model when it is bound (in its function, or at module level for a global) to:

* an ``nn.*`` module constructor (``nn.Linear(...)``, ``nn.Sequential(...)``), or a class of this file
  that subclasses ``nn.Module`` / Lightning's ``LightningModule`` (transitively);
* a known model constructor: ``torchvision.models.*``, ``timm.create_model``, ``torch.hub.load``,
  ``transformers``' ``Auto*`` / ``*For*`` / ``*Model`` ``.from_pretrained``;
* a wrapper or a chained method of a model (``DDP(model)``, ``torch.compile(model)``,
  ``model.to(device)``, ``model.eval()``), or another model name;
* a call we cannot resolve (a local factory, a project import) when the name itself says "model"
  (``model``, ``net``, ``encoder``, ``classifier``, ``*_model``, ``*_net`` ...). A call to a known
  library that is not a model constructor (``torch.load``, sklearn estimators) is never a model:
  ``torch.load`` may return a state dict as well as a module.

A function parameter is a model when annotated ``nn.Module`` (or a module class of this file), or
named like one; ``self.x`` is a model when some method of the class binds it to a model or the
attribute is named like one. ``model.module`` / ``model._orig_mod`` of a model is the same model.

For each model name the analysis also tells whether every binding comes fresh from
``from_pretrained`` (Hugging Face loads in eval mode) and whether its whole definition is visible and
free of layers whose behaviour depends on the mode (dropout, batch/instance norm, RReLU, or a
``self.training`` test). LayerNorm and GroupNorm compute the same in both modes and do not count.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.bindings import Bindings
from dllint.analysis.calls import argument
from dllint.analysis.imports import ImportMap, dotted_name
from dllint.analysis.name_reaching import statement_targets, walk_body
from dllint.analysis.regions import Regions
from dllint.index import iter_subtree

if TYPE_CHECKING:
    from dllint.context import FileContext

# Plain names people give a network; used only for values we cannot resolve.
MODEL_NAMES = frozenset({
    "model", "net", "network", "encoder", "decoder", "classifier", "backbone", "generator",
    "discriminator", "netG", "netD", "netE", "critic", "actor", "student", "teacher",
    "cnn", "mlp", "autoencoder", "vae", "detector", "segmenter", "regressor",
})
MODEL_SUFFIXES = ("_model", "_net", "_network", "_encoder", "_decoder", "_classifier")

# Module methods that return the module itself.
SELF_RETURNING = frozenset({
    "to", "cuda", "cpu", "float", "double", "half", "bfloat16", "train", "eval", "requires_grad_",
    "share_memory", "to_empty", "type", "xpu", "mps",
})
# Wrappers whose result runs the wrapped model (first argument) in its current mode.
WRAPPERS = frozenset({
    "torch.nn.parallel.DistributedDataParallel", "torch.nn.DataParallel",
    "torch.nn.parallel.DataParallel", "torch.compile", "torch.nn.parallel.DistributedDataParallelCPU",
    "torch.distributed.fsdp.FullyShardedDataParallel", "torch.jit.script",
})
# Copies of a module: the same layers as the module copied.
COPIES = frozenset({"copy.deepcopy", "copy.copy"})
WRAPPER_NAMES = frozenset({"DDP", "DistributedDataParallel", "DataParallel", "FSDP",
                           "FullyShardedDataParallel"})


def unwrap_module(value: cst.BaseExpression, imports: ImportMap) -> cst.BaseExpression:
    """The module expression under ``value``'s moves, casts and wrappers: ``net`` for
    ``DataParallel(net.cuda()).train()``; ``value`` itself when it is none of these. Bounded, so a
    pathological chain cannot loop."""
    for _ in range(16):
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                and value.func.attr.value in SELF_RETURNING:
            value = value.func.value
        elif isinstance(value, cst.Call) and value.args and (
                imports.qualify(value.func) in WRAPPERS
                or (dotted_name(value.func) or "").rsplit(".", 1)[-1] in WRAPPER_NAMES):
            value = value.args[0].value
        else:
            break
    return value
# torch.nn classes that are not modules.
NOT_MODULES = frozenset({"Parameter", "ParameterList", "ParameterDict", "Module", "Buffer",
                         "UninitializedParameter", "UninitializedBuffer"})
# Layers with neither a parameter nor a mode: shape, activation, pooling and padding layers.
STATELESS_LAYERS = frozenset({
    "Identity", "Flatten", "Unflatten",
    "ReLU", "ReLU6", "LeakyReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish",
    "Sigmoid", "Tanh", "Softmax", "Softmax2d", "LogSoftmax", "Softmin", "Softplus", "Softsign",
    "Hardtanh", "Hardswish", "Hardsigmoid", "Hardshrink", "Softshrink", "Tanhshrink", "Threshold",
    "LogSigmoid", "GLU",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "LPPool1d", "LPPool2d",
    "LocalResponseNorm", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle",
    "PixelUnshuffle",
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CosineSimilarity", "PairwiseDistance",
})
# Layers that compute the same thing in train and eval mode.
MODE_FREE_LAYERS = STATELESS_LAYERS | frozenset({
    "Linear", "Bilinear", "LazyLinear",
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "LazyConv1d", "LazyConv2d", "LazyConv3d", "PReLU",
    "Embedding", "EmbeddingBag", "LayerNorm", "GroupNorm", "RMSNorm",
    "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Parameter",
})
# torch.nn's loss classes: ``torch.nn.modules.loss.__all__`` of torch 2.13, the subclasses of its
# ``_Loss`` (tests/engine/test_loss_classes.py checks the list against the torch installed). A loss
# has no mode: ``forward`` calls its functional form with no ``training`` argument, and it holds no
# layer. ``NLLLoss2d`` (fifteenth audit, EC) is the deprecated alias of ``NLLLoss`` whose name does not
# end in ``Loss``; every other does, and a loss added to torch later still will: :func:`is_loss_class`
# takes the name's ending too.
LOSS_CLASSES = frozenset({
    "L1Loss", "NLLLoss", "NLLLoss2d", "PoissonNLLLoss", "GaussianNLLLoss", "KLDivLoss", "MSELoss",
    "BCELoss", "BCEWithLogitsLoss", "HingeEmbeddingLoss", "MultiLabelMarginLoss", "SmoothL1Loss",
    "HuberLoss", "SoftMarginLoss", "CrossEntropyLoss", "LinearCrossEntropyLoss",
    "MultiLabelSoftMarginLoss", "CosineEmbeddingLoss", "MarginRankingLoss", "MultiMarginLoss",
    "TripletMarginLoss", "TripletMarginWithDistanceLoss", "CTCLoss",
})


def is_loss_class(qualified: str) -> bool:
    """``qualified`` (a dotted name or its last part) names one of torch.nn's loss classes
    (``nn.MSELoss``, ``nn.NLLLoss2d``): a module with no mode, which nobody calls a model. Also
    ``AdaptiveLogSoftmaxWithLoss`` (linear layers, no mode) by its name's ending."""
    name = qualified.rsplit(".", 1)[-1]
    return name in LOSS_CLASSES or name.endswith("Loss")


# Recurrent layers: mode-free unless built with a non-zero ``dropout``.
RECURRENT_LAYERS = frozenset({"RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"})
MODE_FUNCTIONS = ("dropout", "batch_norm", "instance_norm", "rrelu")
# The ``training`` parameter of the ``torch.nn.functional`` forms that take one: its position and
# its default. Passed a literal ``False`` (or left at a ``False`` default), the form computes its
# inference result whatever the module's mode (``F.dropout(x, training=False)`` is the identity,
# ``F.batch_norm(x, mean, var)`` normalises with the statistics given): ``.eval()`` changes nothing.
FUNCTIONAL_TRAINING = {
    "dropout": (2, True), "dropout1d": (2, True), "dropout2d": (2, True), "dropout3d": (2, True),
    "alpha_dropout": (2, False), "feature_alpha_dropout": (2, False), "batch_norm": (5, False),
    "rrelu": (3, False), "rrelu_": (3, False),
}
# Layers that behave differently in the two modes whatever their arguments (dropout, batch and
# instance norm, MultiheadAttention and the Transformer layers are judged by their arguments).
MODE_LAYERS = frozenset({"RReLU"})
# The three answers of :meth:`Models.mode_dependence`.
YES_DEPENDENCE = "yes"
NO_DEPENDENCE = "no"
UNKNOWN_DEPENDENCE = "unknown"
PRETRAINED_NOT_MODELS = ("Tokenizer", "Config", "Processor", "FeatureExtractor", "ImageProcessor")
# A file that imports none of these has no nn.Module we could recognise.
TORCH_PACKAGES = ("torch", "torchvision", "torchaudio", "lightning", "pytorch_lightning",
                  "transformers", "timm", "accelerate")
_BUILTINS = frozenset({"dict", "list", "tuple", "getattr", "setattr", "super", "eval", "exec", "type",
                       "copy", "deepcopy", "range", "len", "int", "float", "zip", "enumerate",
                       "isinstance", "print", "str", "bool", "min", "max", "sum", "hasattr"})
_HARMLESS_METHODS = frozenset({"__init__", "append", "extend", "register_buffer", "register_parameter",
                               "format", "get", "items", "keys", "values"}) | frozenset({
    # tensor methods (a weight initialised in place: ``self.fc.weight.detach().normal_(0, 0.1)``):
    # they return a tensor or nothing, never a layer
    "normal_", "uniform_", "fill_", "zero_", "copy_", "detach", "detach_", "requires_grad_",
    "clone", "mul_", "add_", "sub_", "div_", "clamp_", "exponential_", "log_normal_", "geometric_",
    "cauchy_", "random_", "size", "dim", "numel", "view", "reshape", "flatten",
}) | frozenset({
    # module methods that hand back what the module already holds (``for name, param in
    # self.lstm.named_parameters(): nn.init.orthogonal_(param)``), never a new layer
    "parameters", "named_parameters", "buffers", "named_buffers", "children", "named_children",
    "modules", "named_modules",
})
KNOWN_CONSTRUCTORS = frozenset({"timm.create_model", "torch.hub.load"})
# Loaders that always return a module, in whatever mode it was saved (unlike ``torch.load``, which
# may return a state dict): a model, of unknown mode (no constructor: not fresh in training mode).
MODULE_LOADERS = frozenset({"torch.jit.load"})
# Packages whose functions never return a layer (``np.sqrt(2.0 / fan)`` for an initialisation scale).
_NO_LAYER_PACKAGES = frozenset({"numpy", "math", "random", "logging", "warnings", "os", "sys", "time",
                                "itertools", "functools", "operator", "re", "string"})


# Reaching a module's submodules by a computed name or by walking them: a layer no code names may
# still run (``getattr(self, f"bn{i}")(x)``, ``__getattr__``, ``get_submodule(name)``, ``for m in
# self.children(): x = m(x)``, ``map(f, self.modules)``; ``torch.nn.modules.`` is an import path).
_COMPUTED_SUBMODULE_ACCESS = re.compile(
    r"getattr|__dict__|\bvars\(|_modules|modules\(|\.modules\b(?!\.)|children\b|get_submodule|\bexec\("
    r"|(?<![.\w])eval\(")
# Builtins that compute a size or a flag from their arguments, never a layer.
_SIZE_BUILTINS = frozenset({"int", "float", "bool", "len", "min", "max", "abs", "round", "sum", "pow"})


@dataclass
class ModuleClass:
    """A class of this file that is an ``nn.Module``."""

    node: cst.ClassDef
    lightning: bool
    dependence: "Dependence | None" = None  # None until computed


@dataclass(frozen=True)
class Dependence:
    """A module class's mode dependence (``YES`` / ``NO`` / ``UNKNOWN``). A ``NO`` that holds only
    while some ``__init__`` parameters keep their falsy literal default (a rate ``dropout=0.0``, a
    switch ``use_dropout=False`` under which a layer is built) names them in ``defaults``: a
    construction that passes one of them anything but a falsy literal makes it ``UNKNOWN``."""

    value: str
    defaults: frozenset = frozenset()


def is_model_name(name: str) -> bool:
    """``model``, ``net``, ``target_net``, ``self.model`` ... (the last dotted part is judged)."""
    last = name.rsplit(".", 1)[-1]
    return last in MODEL_NAMES or last.endswith(MODEL_SUFFIXES) or last.lower() in ("model", "net")


def _strip_module(dotted: str) -> str:
    """``model.module`` / ``model._orig_mod`` run the same weights as ``model``."""
    while dotted.endswith((".module", "._orig_mod")):
        dotted = dotted.rsplit(".", 1)[0]
    return dotted


def model_key(expr: cst.BaseExpression) -> str | None:
    """The dotted name the mode analysis tracks for ``expr``: ``model``, ``self.model``
    (``model.module`` is ``model``); None for anything else."""
    dotted = dotted_name(expr)
    return _strip_module(dotted) if dotted is not None else None


class Models:
    """Which names of the file hold models; see the module docstring."""

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        self.index = ctx.index
        self.imports = ctx.imports
        self.classes: dict[str, ModuleClass] = {}
        # (scope, dotted name) -> values bound to it; scope is a FunctionDef, ClassDef (self.x) or Module
        self._bindings: dict[tuple[cst.CSTNode, str], list[cst.BaseExpression]] = {}
        self._params: dict[tuple[cst.FunctionDef, str], cst.Param] = {}
        self._memo: dict[tuple[cst.CSTNode, str], bool] = {}
        self._function_dependence: dict[cst.FunctionDef, str | None] = {}
        self._returned_parameter: dict[cst.FunctionDef, tuple[str, int | None] | None] = {}
        self._filled: dict[tuple[cst.CSTNode, str], list[cst.BaseExpression] | None] = {}
        self._calls_by_class: dict[cst.ClassDef, list[cst.Call]] = {}
        # (function, parameter) -> the torch.nn classes a call of the function passes for it, while
        # that call's result is judged (:meth:`_returned_dependence`)
        self._bound: dict[tuple[cst.FunctionDef, str], list[str]] = {}
        # classes of this file with no base (or only ``object``): a model written "from scratch"
        # as a plain class is no nn.Module and has no mode (no ``.eval()``, no dropout to switch)
        self.plain_classes: set[str] = set()
        self._foreign: frozenset[str] | None = None
        if not self.imports.uses(*TORCH_PACKAGES):
            return
        self._collect_classes()
        self._collect_bindings()

    @classmethod
    def compute(cls, ctx: "FileContext") -> "Models":
        return cls(ctx)

    # ---------------------------------------------------------------------------------------------
    # classes
    def _collect_classes(self) -> None:
        all_defined = self.index.of_type(cst.ClassDef)
        defined = {c.name.value: c for c in all_defined}
        based = {c.name.value for c in all_defined
                 if c.keywords or any(dotted_name(b.value) != "object" for b in c.bases)}
        self.plain_classes = set(defined) - based
        changed = True
        while changed:
            changed = False
            for name, klass in defined.items():
                if name in self.classes:
                    continue
                for base in klass.bases:
                    qualified = self.imports.qualify(base.value) or ""
                    base_name = dotted_name(base.value) or ""
                    lightning = qualified.endswith("LightningModule")
                    if base_name in self.classes:
                        self.classes[name] = ModuleClass(klass, self.classes[base_name].lightning)
                    elif lightning or self._is_nn_class(qualified):
                        self.classes[name] = ModuleClass(klass, lightning)
                    else:
                        continue
                    changed = True
                    break

    @staticmethod
    def _is_nn_class(qualified: str) -> bool:
        if not qualified.startswith("torch.nn."):
            return False
        last = qualified.rsplit(".", 1)[-1]
        return last[:1].isupper() and last not in NOT_MODULES - {"Module"} and "functional" not in qualified

    def module_class(self, node: cst.CSTNode | None) -> ModuleClass | None:
        """The module class ``node`` names (a ClassDef or a class name expression)."""
        if isinstance(node, cst.ClassDef):
            return self.classes.get(node.name.value) if self.classes.get(node.name.value, None) \
                and self.classes[node.name.value].node is node else None
        if isinstance(node, (cst.Name, cst.Attribute)):
            name = dotted_name(node)
            return self.classes.get(name) if name else None
        return None

    def enclosing_module_class(self, node: cst.CSTNode) -> ModuleClass | None:
        """The module class whose method (or a function nested in it) contains ``node``."""
        for ancestor in self.index.ancestors(node):
            if isinstance(ancestor, cst.ClassDef):
                found = self.classes.get(ancestor.name.value)
                if found is not None and found.node is ancestor:
                    return found
        return None

    # ---------------------------------------------------------------------------------------------
    # bindings
    def _scope_of(self, node: cst.CSTNode, name: str) -> cst.CSTNode:
        function = self.index.function_of(node)
        if name.startswith("self.") and function is not None:
            owner = self.index.enclosing(function, cst.ClassDef)
            if owner is not None:
                return owner
        return function if function is not None else self.ctx.module

    def _collect_bindings(self) -> None:
        param_orders: set[int] = set()
        for func in self.index.of_type(cst.FunctionDef):
            params = func.params
            for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                self._params[(func, param.name.value)] = param
                param_orders.add(self.index.order[param])
        # The shared Bindings analysis scopes names exactly as we do (``self.x`` in its class). A
        # None value is a binding it does not follow (loop variable, unpacking): the name is bound
        # here to something unknown; a parameter alone is not a binding (see _param_is_model).
        for key, values in self.ctx.analysis(Bindings).values.items():
            followed = [value for _, value in values if value is not None]
            unknown = any(value is None and order not in param_orders for order, value in values)
            if followed or unknown:
                self._bindings[key] = followed

    def bindings(self, scope: cst.CSTNode, name: str) -> list[cst.BaseExpression]:
        return self._bindings.get((scope, name), [])

    def _resolve_scope(self, at: cst.CSTNode, name: str) -> tuple[cst.CSTNode, str] | None:
        """The scope that binds ``name`` as seen from ``at``: the function, an enclosing function,
        the class (``self.x``) or the module; None when nothing binds it."""
        if name.startswith("self."):
            scope = self._scope_of(at, name)
            if isinstance(scope, cst.ClassDef):
                return scope, name
            return None
        function = self.index.function_of(at)
        while function is not None:
            if (function, name) in self._bindings or (function, name) in self._params:
                return function, name
            function = self.index.function_of(function)
        if (self.ctx.module, name) in self._bindings:
            return self.ctx.module, name
        return None

    # ---------------------------------------------------------------------------------------------
    # the question
    def is_model(self, expr: cst.BaseExpression, at: cst.CSTNode | None = None) -> bool:
        """``expr`` (a name, ``self.x``, ``x.module``, or a constructor call) is an nn.Module.

        ``at`` is where the expression is read (defaults to ``expr``); names are resolved there."""
        if not self.imports.uses(*TORCH_PACKAGES):
            return False
        return self._is_model(expr, at if at is not None else expr, 0)

    def _is_model(self, expr: cst.BaseExpression, at: cst.CSTNode, depth: int) -> bool:
        if depth > 6:
            return False
        if isinstance(expr, cst.Call):
            return self._is_model_call(expr, at, depth, None)
        key = model_key(expr)
        if key is None:
            return False
        if key in ("self", "cls"):
            return False
        if "." in key and not key.startswith("self."):
            return False  # ``model.encoder`` may be a method as well as a submodule
        if key.startswith("self.") and key.count(".") > 1:
            return False
        resolved = self._resolve_scope(at, key)
        if resolved is None:
            return False
        scope, name = resolved
        memo_key = (scope, name)
        if memo_key in self._memo:
            return self._memo[memo_key]
        self._memo[memo_key] = False  # recursion guard
        found = False
        if isinstance(scope, cst.FunctionDef) and (scope, name) in self._params \
                and (scope, name) not in self._bindings:
            found = self._param_is_model(self._params[(scope, name)])
        else:
            for value in self.bindings(scope, name):
                if isinstance(value, cst.Call):
                    if self._is_model_call(value, value, depth + 1, name):
                        found = True
                        break
                elif self._is_model(value, value, depth + 1):
                    found = True
                    break
                elif is_model_name(name) and isinstance(value, cst.Name) and isinstance(scope, cst.ClassDef):
                    # ``self.model = model`` where ``model`` is an unannotated parameter
                    if self._is_model(value, value, depth + 1) or is_model_name(value.value):
                        found = True
                        break
        self._memo[memo_key] = found
        return found

    def is_model_call(self, call: cst.Call, target: str | None = None) -> bool:
        """``call`` builds (or wraps) a model; an unresolved call counts when ``target``, the name
        it is bound to, is named like a model."""
        return self._is_model_call(call, call, 0, target)

    def _param_is_model(self, param: cst.Param) -> bool:
        if param.annotation is not None:
            annotation = param.annotation.annotation
            qualified = self.imports.qualify(annotation) if isinstance(annotation, (cst.Name, cst.Attribute)) else None
            if qualified and self._is_nn_class(qualified):
                return True
            if self.module_class(annotation) is not None:
                return True
            if qualified is not None or dotted_name(annotation) is not None:
                return False  # annotated as something else
        return is_model_name(param.name.value)

    def _is_model_call(self, call: cst.Call, at: cst.CSTNode, depth: int, target: str | None) -> bool:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in SELF_RETURNING:
            if isinstance(func.value, cst.Call):
                return self._is_model_call(func.value, at, depth + 1, target)
            return self._is_model(func.value, at, depth + 1)
        if self.constructor_kind(call) is not None:
            return True
        if isinstance(func, cst.Name) and func.value in self.plain_classes:
            return False
        qualified = self.imports.qualify(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        if qualified in WRAPPERS or (dotted_name(func) or "").rsplit(".", 1)[-1] in WRAPPER_NAMES:
            return True
        if qualified in MODULE_LOADERS:
            return True
        if target is None or not is_model_name(target):
            return False
        # An unresolved call bound to a model-like name.
        if qualified is not None:
            top = qualified.split(".")[0]
            if top in self._known_libraries():
                return False
        if isinstance(func, cst.Name) and func.value in _BUILTINS:
            return False
        return isinstance(func, (cst.Name, cst.Attribute))

    def _known_libraries(self) -> set[str]:
        # Libraries whose functions we know well enough to say "this is not a model constructor".
        return {"torch", "sklearn", "numpy", "pandas", "joblib", "pickle", "xgboost", "lightgbm",
                "tensorflow", "keras", "jax", "flax", "scipy", "statsmodels", "copy", "json", "os"}

    def constructor_kind(self, call: cst.Call) -> str | None:
        """'nn' (an ``nn.*`` layer), 'class' (a module class of this file), 'known' (torchvision,
        timm, torch.hub), 'pretrained' (``from_pretrained``), else None."""
        func = call.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return None
        qualified = self.imports.qualify(func) or ""
        if qualified in WRAPPERS or qualified.rsplit(".", 1)[-1] in WRAPPER_NAMES:
            return None  # runs the wrapped model in whatever mode it is
        if self._is_nn_class(qualified) and qualified.rsplit(".", 1)[-1] not in NOT_MODULES:
            # loss modules are modules, but have no mode and are not what anyone calls a model
            return None if is_loss_class(qualified) else "nn"
        if self.module_class(func) is not None:
            return "class"
        if qualified.startswith("torchvision.models.") or qualified in KNOWN_CONSTRUCTORS \
                or (qualified.startswith("timm.") and qualified.endswith(".create_model")):
            return "known"
        if isinstance(func, cst.Attribute) and func.attr.value == "from_pretrained":
            owner = dotted_name(func.value) or ""
            owner_q = self.imports.qualify(func.value) or owner
            last = owner.rsplit(".", 1)[-1]
            if last.endswith(PRETRAINED_NOT_MODELS):
                return None
            if owner_q.startswith(("transformers.", "diffusers.", "peft.")) or "Model" in last \
                    or "For" in last or self.module_class(func.value) is not None:
                return "pretrained"
        return None

    # ---------------------------------------------------------------------------------------------
    # what is known of a model's definition
    def definition_values(self, expr: cst.BaseExpression, at: cst.CSTNode | None = None
                          ) -> list[cst.BaseExpression] | None:
        """The values bound to the model name ``expr`` (None when it is not a bound name)."""
        key = model_key(expr)
        if key is None:
            return None
        resolved = self._resolve_scope(at if at is not None else expr, key)
        if resolved is None:
            return None
        scope, name = resolved
        if isinstance(scope, cst.FunctionDef) and (scope, name) in self._params \
                and (scope, name) not in self._bindings:
            return None
        return self.bindings(scope, name) or None

    def from_pretrained(self, expr: cst.BaseExpression, at: cst.CSTNode | None = None) -> bool:
        """Every binding of ``expr`` comes from ``from_pretrained`` (possibly moved with ``.to``)."""
        values = self.definition_values(expr, at)
        if not values:
            return False
        for value in values:
            while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                    and value.func.attr.value in SELF_RETURNING - {"train"}:
                value = value.func.value
            if not (isinstance(value, cst.Call) and self.constructor_kind(value) == "pretrained"):
                return False
        return True

    def mode_dependence(self, expr: cst.BaseExpression, at: cst.CSTNode | None = None) -> str:
        """Whether the model ``expr`` computes differently in training and evaluation mode:
        ``YES`` (a dropout with p > 0, a batch norm with running statistics, a ``self.training``
        test...), ``NO`` (its whole definition is visible and has none) or ``UNKNOWN`` (a part of it
        is not visible: a library model, a factory, a parameter)."""
        values = self.definition_values(expr, at)
        where = at if at is not None else expr
        if not values:
            return self._instance_attribute_dependence(expr, where)
        values = self._reaching(values, expr, where)
        return combine(self._value_dependence(v, where, 0) for v in values)

    def _instance_attribute_dependence(self, expr: cst.BaseExpression, at: cst.CSTNode) -> str:
        """``agent.q_net`` with ``agent`` bound on every binding to an instance of a plain class
        (no base but ``object``) of this file or of a project module (``agent = DQN_Agent(opt)``):
        the dependence of every value that class binds to ``self.q_net``, in any of its methods,
        judged in the class's module (tenth audit, CC: the training script sees the agent's network
        as the agent's module does). ``UNKNOWN`` when one of those bindings is not followed
        (unpacking, a loop), when this file or the class's assigns ``q_net`` on some other object
        (``agent.q_net = torch.load(path)`` in a helper), and for anything else: a value that is
        a parameter (a holder's ``self.model = model``) or not seen is ``UNKNOWN`` itself."""
        if not (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)) \
                or expr.value.value in ("self", "cls"):
            return UNKNOWN_DEPENDENCE
        owner, attr = expr.value, expr.attr.value
        values = self.definition_values(owner, at)
        if not values or attr in self._foreign_attributes():
            return UNKNOWN_DEPENDENCE
        found = []
        for value in self._reaching(values, owner, at):
            held = self._instance_class(value)
            if held is None:
                return UNKNOWN_DEPENDENCE
            models, klass = held
            entries = models.ctx.analysis(Bindings).values.get((klass, f"self.{attr}"), [])
            if not entries or any(v is None for _, v in entries) or attr in models._foreign_attributes():
                return UNKNOWN_DEPENDENCE
            found.extend(models._value_dependence(v, v, 1) for _, v in entries)
        return combine(found)

    def _foreign_attributes(self) -> frozenset[str]:
        """The attribute names this file binds on an object other than ``self``/``cls``
        (``agent.q_net = ...``, ``self.agent.q_net = ...``), computed once."""
        if self._foreign is None:
            names = set()
            for _scope, name in self.ctx.analysis(Bindings).values:
                root, dot, rest = name.partition(".")
                if dot and (root not in ("self", "cls") or "." in rest):
                    names.add(name.rsplit(".", 1)[-1])
            self._foreign = frozenset(names)
        return self._foreign

    def _instance_class(self, value: cst.BaseExpression) -> "tuple[Models, cst.ClassDef] | None":
        """(its file's :class:`Models`, the class) when ``value`` constructs a plain class (no base
        but ``object``) of this file or of a project module; else None."""
        from dllint.analysis.project import PROJECT, find_class, project_imports

        if not isinstance(value, cst.Call) or not isinstance(value.func, (cst.Name, cst.Attribute)):
            return None
        if isinstance(value.func, cst.Name) and value.func.value in self.plain_classes:
            found = [c for c in self.index.of_type(cst.ClassDef) if c.name.value == value.func.value]
            return (self, found[0]) if len(found) == 1 else None
        dotted = dotted_name(value.func)
        imports = project_imports(self.ctx) if dotted else None
        target = imports.target(dotted) if imports is not None and dotted else None
        klass = find_class(self.ctx, target) if target is not None else None
        other = PROJECT.context(target.path) if klass is not None else None
        if other is None:
            return None
        models = other.analysis(Models)
        return (models, klass) if klass.name.value in models.plain_classes else None

    def _reaching(self, values: list[cst.BaseExpression], expr: cst.BaseExpression,
                  at: cst.CSTNode) -> list[cst.BaseExpression]:
        """The bindings among ``values`` of the plain name ``expr`` that reach ``at`` (a later
        notebook cell's ``model = nn.Sequential(...)`` says nothing of the model evaluated
        before it); all of them when that is not known."""
        if not isinstance(expr, cst.Name):
            return values
        from dllint.analysis.name_reaching import NameReaching
        reaching = self.ctx.analysis(NameReaching).values_at(at, expr.value)
        if not reaching or any(value is None for value in reaching):
            return values
        kept = [value for value in values if any(value is r for r in reaching)]
        return kept or values

    def key_mode_dependence(self, key: str, at: cst.CSTNode) -> str:
        """:meth:`mode_dependence` of the model the dotted name ``key`` holds where ``at`` is."""
        try:
            expr = cst.parse_expression(key)
        except cst.ParserSyntaxError:
            return UNKNOWN_DEPENDENCE
        return self.mode_dependence(expr, at)

    def _value_dependence(self, value: cst.BaseExpression, at: cst.CSTNode, depth: int) -> str:
        if depth > 6:
            return UNKNOWN_DEPENDENCE
        while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                and value.func.attr.value in SELF_RETURNING:
            value = value.func.value
        if isinstance(value, cst.Subscript) and isinstance(value.value, cst.Name):
            # ``layers[i]`` of a list filled element by element: each element put in it
            elements = self._filled_elements(value.value, at)
            if not elements:
                return UNKNOWN_DEPENDENCE
            return combine(self._value_dependence(v, v, depth + 1) for v in elements)
        if isinstance(value, (cst.Name, cst.Attribute)):
            key = model_key(value)
            # ``net = net.cuda()`` / ``net = nn.DataParallel(net)`` add no layer to ``net``
            values = self._layer_values(value, key, at)
            if not values:
                return UNKNOWN_DEPENDENCE
            if isinstance(value, cst.Name) and all(_empty_list(v) for v in values):
                # ``layers = [None] * n`` (or ``[]``), then ``layers[i] = nn.Linear(...)`` /
                # ``layers.append(...)``: the layers are what is put in it
                elements = self._filled_elements(value, at)
                if not elements:
                    return UNKNOWN_DEPENDENCE
                return combine(self._value_dependence(v, v, depth + 1) for v in elements)
            return combine(self._value_dependence(v, at, depth + 1) for v in values)
        if isinstance(value, (cst.List, cst.Tuple)) and value.elements:
            # ``layers = [nn.Linear(4, 4), nn.ReLU()]`` later unpacked into ``nn.Sequential(*layers)``
            return combine(self._value_dependence(e.value, at, depth + 1) for e in value.elements)
        if not isinstance(value, cst.Call):
            return UNKNOWN_DEPENDENCE
        if value.args and (self.imports.qualify(value.func) in WRAPPERS
                           or (dotted_name(value.func) or "").rsplit(".", 1)[-1] in WRAPPER_NAMES
                           or self.imports.qualify(value.func) in COPIES):
            # ``nn.DataParallel(net)`` runs ``net``'s layers; ``copy.deepcopy(net)`` (a target
            # network) has the same layers as ``net``
            return self._value_dependence(value.args[0].value, at, depth + 1)
        kind = self.constructor_kind(value)
        if kind == "nn":
            return self._layer_dependence(value, depth, None)
        if kind == "class":
            klass = self.module_class(value.func)
            if klass is None:
                return UNKNOWN_DEPENDENCE
            return self._constructed(value, self.class_dependence(klass), klass.node)
        held = self.called_classes(value)
        if held:
            # ``act()`` with ``act = nn.ReLU`` (or a helper's parameter given ``nn.ReLU``)
            return combine(self._layer_dependence(value, depth, None, None, q) for q in held)
        passed = self.passed_through(value)
        if passed is not None:
            # ``layer_init(nn.Linear(4, 4))``: the layer it was given, initialised in place
            return self._value_dependence(passed, value, depth + 1)  # (read where it is passed)
        returned = self._returned_dependence(value, depth)
        if returned is not None:
            return returned
        return self._project_class_dependence(value)

    def _layer_values(self, value: cst.Name | cst.Attribute, key: str | None,
                      at: cst.CSTNode) -> list[cst.BaseExpression]:
        """The bindings of ``value`` that give it its layers where ``at`` is: for a plain name, those
        that reach ``at``, a rebinding that keeps the layers (``net = net.cuda()``,
        ``net = nn.DataParallel(net)``) standing for the bindings that reach it in turn; every
        binding but such rebindings for anything else, or where reaching is not known."""
        bound = self.definition_values(value, at) or []
        if not isinstance(value, cst.Name):
            return [v for v in bound if self._same_layers_as(v) != key]
        found: list[cst.BaseExpression] = []
        pending = list(self._reaching(bound, value, at))
        seen: set[int] = set()
        while pending:
            item = pending.pop()
            if id(item) in seen:
                continue
            seen.add(id(item))
            if self._same_layers_as(item) == key:
                pending.extend(self._reaching(bound, value, item))
            else:
                found.append(item)
        return found

    def _returned_dependence(self, call: cst.Call, depth: int) -> str | None:
        """The dependence of what a function returns, for a call of a function of this file or of
        another project module (``net = get_net(n)`` with ``get_net`` returning ``nn.Linear(n, 1)``):
        every returned value combined (a returned parameter, or anything not visible, is
        ``UNKNOWN``). None when ``call`` runs no such function."""
        resolved = self._resolved_function(call)
        if resolved is None:
            return None
        models, function = resolved
        found = models.function_dependence(function, depth)
        if found != UNKNOWN_DEPENDENCE or models._is_method(function) \
                or any(arg.star for arg in call.args):
            return found
        # ``build_net(shape, nn.ReLU, nn.Identity)`` calling ``activation()``: judged again with
        # the torch.nn classes this call passes for its parameters
        params = [p.name.value for p in (*function.params.posonly_params, *function.params.params)]
        bound = {}
        for index, name in enumerate(params):
            value = argument(call, index, name)
            held = self.held_classes(value, call) if value is not None else None
            if held:
                bound[(function, name)] = held
        return models._bound_dependence(function, bound, depth) if bound else found

    def _bound_dependence(self, function: cst.FunctionDef, bound: dict, depth: int) -> str | None:
        """:meth:`function_dependence` of ``function`` with its parameters of ``bound`` holding the
        torch.nn classes a call passes (not cached: another call may pass other classes)."""
        saved = self._bound
        self._bound = {**saved, **bound}
        try:
            return self._returns_dependence(function, depth)
        finally:
            self._bound = saved

    def _returns_dependence(self, function: cst.FunctionDef, depth: int) -> str | None:
        found = [self._value_dependence(node.value, node, depth + 1) for node in walk_body(function.body)
                 if isinstance(node, cst.Return) and node.value is not None]
        return combine(found) if found else None

    def called_classes(self, call: cst.Call) -> list[str] | None:
        """The torch.nn classes (qualified) that ``call`` constructs when its callee is a plain
        name bound to one on every binding (``activation_fn = nn.ReLU`` then ``activation_fn()``;
        ``act = activation if last else output_activation`` with both parameters given classes by
        the call being judged); None when that is not known."""
        return self.held_classes(call.func, call) if isinstance(call.func, cst.Name) else None

    def held_classes(self, expr: cst.BaseExpression, at: cst.CSTNode, depth: int = 0) -> list[str] | None:
        """The torch.nn classes (qualified) the expression ``expr`` read at ``at`` may hold: a
        class named directly, a conditional of such, or a name every binding of which (in the scope
        that binds it where ``at`` is) holds such; a parameter only while :attr:`_bound` gives it.
        None when some value is anything else."""
        if depth > 4:
            return None
        if isinstance(expr, cst.IfExp):
            body = self.held_classes(expr.body, at, depth + 1)
            orelse = self.held_classes(expr.orelse, at, depth + 1) if body is not None else None
            return body + orelse if orelse is not None else None
        if not isinstance(expr, (cst.Name, cst.Attribute)):
            return None
        qualified = self.imports.qualify(expr) or ""
        if self._is_nn_class(qualified) and not is_loss_class(qualified):
            return [qualified]
        if not isinstance(expr, cst.Name):
            return None
        resolved = self._resolve_scope(at, expr.value)
        if resolved is None:
            return None
        scope, name = resolved
        if (scope, name) not in self._bindings:
            return self._bound.get((scope, name)) if isinstance(scope, cst.FunctionDef) else None
        entries = self.ctx.analysis(Bindings).values.get((scope, name), [])
        out: list[str] = []
        for _, value in entries:
            held = self.held_classes(value, value, depth + 1) if value is not None else None
            if held is None:
                return None  # a parameter also rebound, a loop variable, anything else
            out.extend(held)
        return out or None

    def _resolved_function(self, call: cst.Call) -> "tuple[Models, cst.FunctionDef] | None":
        """The function ``call`` runs, with the :class:`Models` of its file: a function of this
        file, or a top-level function of another project module; None for anything else."""
        function = self.ctx.analysis(Regions).resolved(call)
        if function is not None:
            return self, function
        return self._project_function(call.func)

    def _named_function(self, expr: cst.BaseExpression) -> "tuple[Models, cst.FunctionDef] | None":
        """The plain function the name ``expr`` stands for (``init_weights`` in
        ``self.apply(init_weights)``), of this file or of a project module; None otherwise."""
        if isinstance(expr, cst.Name):
            found = self.ctx.analysis(Regions).functions.get(expr.value)
            if found:
                return self, found[-1]
        return self._project_function(expr)

    def _project_function(self, func: cst.BaseExpression) -> "tuple[Models, cst.FunctionDef] | None":
        from dllint.analysis.project import PROJECT, MAX_FILE_DEPTH, find_definition, project_imports

        dotted = dotted_name(func)
        imports = project_imports(self.ctx) if dotted else None
        target = imports.target(dotted) if imports is not None and dotted else None
        if target is None or PROJECT.depth >= MAX_FILE_DEPTH:
            return None
        found = find_definition(self.ctx, target)
        if found is None or found[2] is not None:
            return None
        other, function, _klass = found
        return other.analysis(Models), function

    def passed_through(self, call: cst.Call) -> cst.BaseExpression | None:
        """The argument that ``call`` gets back unchanged as a module: ``nn.Conv2d(4, 32, 8)`` for
        ``layer_init(nn.Conv2d(4, 32, 8), std=0.01)`` when ``layer_init`` (a plain function of this
        file or of a project module) initialises its parameter's weights in place and returns that
        parameter (:meth:`returned_parameter`). The layers of the result are the argument's: such a
        helper is transparent for the mode dependence. None for any other call."""
        resolved = self._resolved_function(call)
        if resolved is None:
            return None
        models, function = resolved
        returned = models.returned_parameter(function)
        if returned is None:
            return None
        name, position = returned
        return argument(call, -1 if position is None else position, name)

    def returned_parameter(self, function: cst.FunctionDef) -> tuple[str, int | None] | None:
        """(name, position; None for a keyword-only one) of the parameter that the plain function
        ``function`` returns at every ``return`` (``return layer``, ``return layer.to(device)``),
        never rebinding it and adding or replacing none of its submodules: it may set ``weight``
        and ``bias`` tensors (``nn.init.orthogonal_(layer.weight, gain)``, ``layer.bias.data =
        ...``), but not ``layer.drop = nn.Dropout()``, ``layer.add_module(...)`` or
        ``layer[0] = ...``. None for a method or any other function (computed once)."""
        if function in self._returned_parameter:
            return self._returned_parameter[function]
        found = _returned_parameter(function) if not self._is_method(function) else None
        self._returned_parameter[function] = found
        return found

    def _is_method(self, function: cst.FunctionDef) -> bool:
        block = self.index.parent(function)
        return block is not None and isinstance(self.index.parent(block), cst.ClassDef)

    def function_dependence(self, function: cst.FunctionDef, depth: int = 0) -> str | None:
        """:meth:`_returned_dependence` of a function of this file; None when it returns no value."""
        if function in self._function_dependence:
            return self._function_dependence[function]
        self._function_dependence[function] = UNKNOWN_DEPENDENCE  # recursion guard
        result = self._returns_dependence(function, depth)
        self._function_dependence[function] = result
        return result

    def _filled_elements(self, name: cst.Name, at: cst.CSTNode) -> list[cst.BaseExpression] | None:
        """What the scope that binds the list ``name`` puts in it: ``name[i] = v``,
        ``name.append(v)``, ``name.extend([v, w])``, ``name += [v]``; None when it is bound to
        anything but an empty list (``[]``, ``[None] * n``) or filled some other way."""
        resolved = self._resolve_scope(at, name.value)
        if resolved is None:
            return None
        scope, key = resolved
        cached = self._filled.get((scope, key), False)
        if cached is not False:
            return cached
        self._filled[(scope, key)] = None  # recursion guard
        values = self.bindings(scope, key)
        out: list[cst.BaseExpression] | None = [] if values and all(_empty_list(v) for v in values) else None
        body = scope.body if isinstance(scope, cst.FunctionDef) else scope
        for node in walk_body(body) if out is not None else ():
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    if isinstance(target.target, cst.Subscript) and isinstance(target.target.value, cst.Name) \
                            and target.target.value.value == key:
                        out.append(node.value)
            elif isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name) \
                    and node.target.value == key:
                if not isinstance(node.value, (cst.List, cst.Tuple)):
                    out = None
                    break
                out.extend(e.value for e in node.value.elements)
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                    and isinstance(node.func.value, cst.Name) and node.func.value.value == key:
                method = node.func.attr.value
                if method in ("append", "insert") and node.args:
                    out.append(node.args[-1].value)
                elif method == "extend" and node.args and isinstance(node.args[0].value, (cst.List, cst.Tuple)):
                    out.extend(e.value for e in node.args[0].value.elements)
                elif method not in ("index", "count", "copy"):
                    out = None
                    break
        self._filled[(scope, key)] = out
        return out

    def _same_layers_as(self, value: cst.BaseExpression) -> str | None:
        """The key of the model whose layers ``value`` runs when it is that model moved, cast or
        wrapped (``net.cuda()``, ``DataParallel(net)``); else None."""
        value = unwrap_module(value, self.imports)
        if isinstance(value, cst.Call):
            return None
        return model_key(value) if isinstance(value, (cst.Name, cst.Attribute)) else None

    def _project_class_dependence(self, call: cst.Call) -> str:
        """:meth:`class_dependence` of a model class of another module of the project that ``call``
        constructs; ``UNKNOWN`` for anything else."""
        from dllint.analysis.project import PROJECT, find_class, free_class, project_imports

        dotted = dotted_name(call.func)
        imports = project_imports(self.ctx) if dotted else None
        target = imports.target(dotted) if imports is not None else None
        if target is None and imports is not None and isinstance(call.func, cst.Name):
            # a class name the file binds nowhere: what a star import or a sibling module gives
            target = free_class(self.ctx, call.func.value)
        if target is None or find_class(self.ctx, target) is None:
            return UNKNOWN_DEPENDENCE
        other = PROJECT.context(target.path)
        if other is None:
            return UNKNOWN_DEPENDENCE
        models = other.analysis(Models)
        klass = models.classes.get(target.attribute)
        if klass is None:
            return UNKNOWN_DEPENDENCE
        return self._constructed(call, models.class_dependence(klass), klass.node)

    def _constructed(self, call: cst.Call, found: "Dependence", klass: cst.ClassDef) -> str:
        """A class's dependence as built by ``call``: ``NO`` that rests on the literal default of an
        ``__init__`` parameter (``dropout=0.0``) holds only when ``call`` does not pass it."""
        if found.value != NO_DEPENDENCE or not found.defaults:
            return found.value
        init = own_method(klass, "__init__")
        if init is None:
            return UNKNOWN_DEPENDENCE
        positional = [p.name.value for p in (*init.params.posonly_params, *init.params.params)][1:]
        index = 0
        for arg in call.args:
            if arg.star:
                return UNKNOWN_DEPENDENCE
            if arg.keyword is not None:
                name = arg.keyword.value
            else:
                name = positional[index] if index < len(positional) else ""
                index += 1
            if name in found.defaults and not _literal_falsy(arg.value):
                return UNKNOWN_DEPENDENCE
        return NO_DEPENDENCE

    def _layer_dependence(self, call: cst.Call, depth: int, init: cst.FunctionDef | None,
                          defaults: set[str] | None = None, qualified: str | None = None) -> str:
        """The dependence of the ``torch.nn`` layer ``call`` builds (of the class ``qualified``
        when its callee is a name holding it). ``init`` (the ``__init__`` the call is in) lets a
        rate that is a parameter with a literal zero default count as zero; such parameters are
        added to ``defaults``."""
        name = (qualified or self.imports.qualify(call.func) or "").rsplit(".", 1)[-1]

        def rate(keyword: str, position: int, default_zero: bool) -> str:
            value = _argument(call, keyword, position)
            if value is None:
                return NO_DEPENDENCE if default_zero else YES_DEPENDENCE
            if _literal_zero(value):
                return NO_DEPENDENCE
            if isinstance(value, cst.Name) and init is not None:
                default = _param_default(init, value.value)
                if default is not None and _literal_zero(default) and not _rebinds(init, value.value):
                    if defaults is not None:
                        defaults.add(value.value)
                    return NO_DEPENDENCE
            if isinstance(value, (cst.Integer, cst.Float)):
                return YES_DEPENDENCE
            return UNKNOWN_DEPENDENCE if default_zero else YES_DEPENDENCE

        if "Dropout" in name:
            return rate("p", 0, False)
        if name in RECURRENT_LAYERS:
            if name.endswith("Cell"):
                return NO_DEPENDENCE
            return rate("dropout", 6 if name == "RNN" else 5, True)
        if name == "MultiheadAttention":
            return rate("dropout", 2, True)
        if "BatchNorm" in name:
            tracked = _argument(call, "track_running_stats", 4)
            return NO_DEPENDENCE if _literal_bool(tracked) is False else YES_DEPENDENCE
        if "InstanceNorm" in name:
            tracked = _argument(call, "track_running_stats", 4)
            if tracked is None or _literal_bool(tracked) is False:
                return NO_DEPENDENCE
            return YES_DEPENDENCE if _literal_bool(tracked) else UNKNOWN_DEPENDENCE
        if name in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
            return rate("dropout", 3, False)
        if name == "Transformer":
            return rate("dropout", 5, False)
        if name in MODE_LAYERS:
            return YES_DEPENDENCE
        if is_loss_class(name):
            return NO_DEPENDENCE  # ``nn.MSELoss()`` kept on the model: no parameter, no mode
        if name not in MODE_FREE_LAYERS:
            return UNKNOWN_DEPENDENCE
        if name not in ("Sequential", "ModuleList", "ModuleDict"):
            return NO_DEPENDENCE
        found = []
        for arg in call.args:
            for element in _container_elements(arg):
                while isinstance(element, (cst.ListComp, cst.GeneratorExp)):
                    element = element.elt
                if isinstance(element, cst.Call) and init is None:
                    found.append(self._value_dependence(element, element, depth + 1))
                elif isinstance(element, cst.Call):
                    found.append(NO_DEPENDENCE)  # a call of the class body: judged with the class
                elif init is not None and _built_in(init, element):
                    found.append(NO_DEPENDENCE)  # a list or comprehension built in the class
                elif isinstance(element, (cst.Name, cst.Attribute)) and init is None:
                    found.append(self._value_dependence(element, element, depth + 1))
                else:
                    found.append(UNKNOWN_DEPENDENCE)
        return combine(found)

    def class_dependence(self, klass: ModuleClass) -> "Dependence":
        """The dependence of a module class of this file, computed once (cached on the class)."""
        if klass.dependence is None:
            klass.dependence = Dependence(UNKNOWN_DEPENDENCE)  # recursion guard
            klass.dependence = self._compute_class_dependence(klass)
        return klass.dependence

    def _class_calls(self, klass: cst.ClassDef) -> list[cst.Call]:
        if not self._calls_by_class:
            for call in self.index.of_type(cst.Call):
                owner = self.index.enclosing(call, cst.ClassDef)
                if owner is not None:
                    self._calls_by_class.setdefault(owner, []).append(call)
        return self._calls_by_class.get(klass, [])

    def dependence_without(self, klass: ModuleClass, skip: frozenset) -> str:
        """:meth:`class_dependence` of ``klass`` with the calls in ``skip`` left out (those that
        build or touch submodules ``__init__`` puts in eval mode: :mod:`dllint.analysis.eval_built`);
        not cached."""
        return self._compute_class_dependence(klass, skip).value

    def _compute_class_dependence(self, klass: ModuleClass, skip: frozenset = frozenset()) -> "Dependence":
        node = klass.node
        found: list[str] = []
        defaults: set[str] = set()
        own_init = own_method(node, "__init__")
        for base in node.bases:
            qualified = self.imports.qualify(base.value) or ""
            inner = self.module_class(base.value)
            if inner is not None:
                inherited = self.class_dependence(inner)
                if inherited.defaults and own_init is not None:
                    # the base is built by this class's ``super().__init__(...)``, not by the
                    # construction: judge the base as that call builds it
                    found.append(self._built_base(base.value, inner, inherited, own_init, defaults))
                    continue
                found.append(inherited.value)
                defaults |= inherited.defaults
            elif qualified != "torch.nn.Module" and not _lightning_module(qualified):
                found.append(UNKNOWN_DEPENDENCE)  # a LightningModule is an nn.Module with no layer of its own
        for attr in self.index.of_type(cst.Attribute):
            if attr.attr.value == "training" and self.index.enclosing(attr, cst.ClassDef) is node:
                return Dependence(YES_DEPENDENCE)
        init_methods = _init_methods(node)
        skip = skip | self._unread_submodule_calls(node)
        # A call under a switch of ``__init__`` that is off by default (``if use_dropout:``): what it
        # adds is judged as usual, then, when that is not ``NO``, dropped for the switch
        # (``_switched_off``), at the top of the next turn (the body below ends in ``continue``s).
        switch: str | None = None
        mark = 0
        for call in [*self._class_calls(node), None]:
            if switch is not None and any(value != NO_DEPENDENCE for value in found[mark:]):
                # ``if use_dropout: self.dropout = nn.Dropout(0.5)`` with ``use_dropout=False``:
                # built only by a construction that passes the switch on (eighth audit, BR)
                del found[mark:]
                defaults.add(switch)
            if call is None:
                break
            switch, mark = None, len(found)
            if call in skip:
                continue
            func = call.func
            method = self.index.function_of(call)
            init = method if method is not None and method.name.value == "__init__" else None
            if not isinstance(func, (cst.Name, cst.Attribute)):
                if method in init_methods and not _held_callee(func):
                    # ``models.__dict__[arch](pretrained=True)``, ``getattr(nn, name)()``: a
                    # callee chosen at run time may build any layer
                    if init is not None:
                        switch = self._switched_off(call, init)
                    found.append(UNKNOWN_DEPENDENCE)
                continue
            qualified = self.imports.qualify(func) or ""
            last = (dotted_name(func) or "").rsplit(".", 1)[-1]
            if qualified.startswith("torch.nn.functional.") and _functional_mode_use(call, last):
                return Dependence(YES_DEPENDENCE)
            if init is not None:
                switch = self._switched_off(call, init)
            if qualified.startswith("torch.nn.") and last[:1].isupper():
                if method not in init_methods and self._fresh_per_call(call, method):
                    continue  # built anew at every call, in training mode: the model's mode never reaches it
                found.append(self._layer_dependence(call, 1, init, defaults))
                continue
            held = self.called_classes(call)
            if held:  # ``activation_fn()`` with ``activation_fn = nn.ReLU``
                found.extend(self._layer_dependence(call, 1, init, defaults, q) for q in held)
                continue
            inner = self.module_class(func)
            if inner is not None:
                inner_found = self.class_dependence(inner)
                found.append(self._constructed_in(call, inner_found, inner.node, init, defaults))
                continue
            passed = self._parameter_classes_dependence(call, node, init, defaults)
            if passed is not None:
                found.append(passed)
                continue
            if method not in init_methods:
                continue
            if _own_method_call(func, init_methods):
                continue  # ``self.init_layers(self.fc1)``: its own calls are judged like __init__'s
            if _mode_switch(func, node):
                continue  # ``self.train()``, ``self.eval()``: nn.Module's, sets a flag, builds nothing
            if self._in_passing_lambda(call, node) or self._passed_argument(call, node) is not None:
                # ``init_ = lambda m: self.layer_init(m, ...)``, ``init_(nn.Conv2d(...))``: the
                # layer given comes back, judged where it is built
                continue
            if self._runs_submodule(call, node):
                continue  # ``self.conv1(torch.zeros(1, *shape))`` sizing a layer: runs one it holds
            if self._layer_argument(call):
                continue  # ``nn.Linear(np.prod(shape), 120)``: a size, never a layer
            if self.passed_through(call) is not None:
                # ``layer_init(nn.Linear(4, 4))``: the layer given is judged where it is built
                continue
            if self._initialises_only(call):
                continue  # ``init_weights(self.fc)``, ``self.apply(init_weights)``: no new layer
            if qualified:
                if qualified.split(".")[0] == "torch":
                    continue  # torch.zeros, nn.init...: no layer
                if qualified.split(".")[0] in _NO_LAYER_PACKAGES:
                    continue  # np.sqrt, math.sqrt...: no layer
                # ``modules.GlimpseNetwork(...)``, ``blocks.make_mlp(...)``: a class or function of
                # a project module; else not visible (torchvision.models.resnet18(), timm...)
                found.append(self._built_dependence(call))
                continue
            # An unresolved call in __init__ may build any layer (``make_layers(cfg)``).
            if isinstance(func, cst.Name) and func.value in _BUILTINS:
                continue
            if isinstance(func, cst.Attribute) and func.attr.value in _HARMLESS_METHODS:
                continue
            if isinstance(func, cst.Attribute) and self._class_tensor(func.value, node, 0):
                # ``self.m * self.N.unsqueeze(0)`` with ``N`` a buffer (fifteenth audit, EG): a
                # tensor's method returns a tensor or a plain value, never a layer
                continue
            if klass.lightning and _lightning_self_call(func):
                continue  # ``self.save_hyperparameters()``: Lightning records the arguments, no layer
            if isinstance(func, cst.Name) and func.value in self.plain_classes:
                continue
            found.append(self._built_dependence(call))
        value = combine(found)
        return Dependence(value, frozenset(defaults) if value == NO_DEPENDENCE else frozenset())

    def _unread_submodule_calls(self, klass: cst.ClassDef) -> frozenset:
        """The calls that build layers ``klass`` stores on attributes nothing ever reads (fifteenth
        audit, EH: ``self.bn0 = nn.BatchNorm3d(width)`` in ``__init__`` that ``forward`` never
        calls). Running the model runs only the submodules its code reaches, by name or by a
        generic walk; so, when the ``forward`` that runs is the class's or a base's of this file,
        a layer is left out of the model's dependence only when no code can reach it: its
        attribute's name occurs in the file only at its stores (``self.bn0 = ...``,
        single targets in methods of ``klass``: a read in ``forward`` or any method, of a base or
        a subclass, of another object, a string for ``getattr`` or a comment all keep it), no other
        ``.py``/``.ipynb`` file of the project holds the name (a subclass elsewhere, ``model.bn0``),
        and the file reaches no submodule by a computed name or a walk (``getattr``,
        ``__dict__``, ``vars(``, ``_modules``, ``modules(``, ``children``, ``get_submodule``,
        ``exec(``, ``eval(``;
        ``nn.Sequential(*self.children())`` would run it). Every call in a store's value must build
        a fresh layer or compute a size (a ``torch.nn`` class, a module class of the file, a torch
        or builtin function, with no bare ``self`` handed to it), so leaving it out drops no other
        effect. Empty when any of this is not known."""
        from dllint.analysis.project import PROJECT, project_imports

        if _COMPUTED_SUBMODULE_ACCESS.search(self.ctx.source) or not self._forward_visible(klass):
            return frozenset()
        stores: dict[str, list[cst.Assign]] = {}
        for method in klass.body.body:
            if not isinstance(method, cst.FunctionDef):
                continue
            for node in walk_body(method.body):
                if isinstance(node, cst.Assign) and len(node.targets) == 1:
                    target = node.targets[0].target
                    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) \
                            and target.value.value == "self" and not target.attr.value.startswith("_"):
                        stores.setdefault(target.attr.value, []).append(node)
        found: set[cst.Call] = set()
        files: list | None = None
        for name, assigns in stores.items():
            calls = [n for a in assigns for n in iter_subtree(a.value) if isinstance(n, cst.Call)]
            if not calls or len(re.findall(rf"\b{re.escape(name)}\b", self.ctx.source)) != len(assigns) \
                    or not all(self._fresh_construction(a.value) for a in assigns):
                continue
            if files is None:
                imports = project_imports(self.ctx)
                files = []
                if imports is not None:
                    me = Path(self.ctx.path).resolve()
                    for suffix in (".py", ".ipynb"):
                        listed = PROJECT.files(imports.root, suffix)
                        if listed is None:
                            return frozenset()  # a project too large to search
                        files.extend(path for path in listed if path.resolve() != me)
            if any(_names_word(path, name) for path in files):
                continue
            found.update(calls)
        return frozenset(found)

    def _forward_visible(self, klass: cst.ClassDef) -> bool:
        """``klass`` or one of its bases in this file defines ``forward``: what running the model
        runs is code of this file (a class with no ``forward`` seen is judged by all it builds)."""
        for _ in range(16):
            if own_method(klass, "forward") is not None:
                return True
            bases = [self.module_class(b.value) for b in klass.bases]
            bases = [b for b in bases if b is not None]
            if len(bases) != 1:
                return False
            klass = bases[0].node
        return False

    def _fresh_construction(self, value: cst.BaseExpression) -> bool:
        """Every call in ``value`` builds a ``torch.nn`` layer or a module class of this file, or is
        a torch, ``math``-like or builtin function (a size: ``int(width / 2)``), and ``self`` occurs
        only as the owner of an attribute read (``self.width``): nothing else is run or handed
        the model."""
        for node in iter_subtree(value):
            if isinstance(node, cst.Name) and node.value == "self":
                parent = self.index.parent(node)
                if not (isinstance(parent, cst.Attribute) and parent.value is node) \
                        or isinstance(self.index.parent(parent), cst.Call) and self.index.parent(parent).func is parent:
                    return False
            if not isinstance(node, cst.Call):
                continue
            func = node.func
            if not isinstance(func, (cst.Name, cst.Attribute)):
                return False
            qualified = self.imports.qualify(func) or ""
            top = qualified.split(".")[0]
            if self._is_nn_class(qualified) or self.module_class(func) is not None \
                    or top == "torch" or top in _NO_LAYER_PACKAGES:
                continue
            if isinstance(func, cst.Name) and func.value in _SIZE_BUILTINS and not qualified:
                continue
            return False
        return True

    def _class_tensor(self, expr: cst.BaseExpression, klass: cst.ClassDef, depth: int) -> bool:
        """``expr``, in a method of the module class ``klass``, is a tensor (or a plain value
        computed from one), never a module: a buffer or parameter of the class (``self.N`` after
        ``self.register_buffer('N', ...)``, :meth:`_tensor_attribute`), a tensor torch makes
        (``torch.ones(n)``, ``nn.Parameter(...)``), a local name every binding of which is one, and
        what a method of a tensor, its arithmetic, its negation or an index of it gives
        (``self.m * self.N.unsqueeze(0)``). A method of a tensor returns a tensor or a Python value;
        an operator with a tensor operand returns a tensor or raises (the one module with a
        reflected operator, ``nn.Sequential.__rmul__``, takes an ``int``)."""
        from dllint.analysis.optimised_tensors import PARAMETER_CLASSES, TENSOR_FACTORIES

        if depth > 8:
            return False
        if isinstance(expr, cst.Call):
            func = expr.func
            if not isinstance(func, (cst.Name, cst.Attribute)):
                return False
            qualified = self.imports.qualify(func) or ""
            if qualified in TENSOR_FACTORIES or qualified in PARAMETER_CLASSES:
                return True
            return not qualified and isinstance(func, cst.Attribute) \
                and self._class_tensor(func.value, klass, depth + 1)
        if isinstance(expr, cst.BinaryOperation):
            return self._class_tensor(expr.left, klass, depth + 1) \
                or self._class_tensor(expr.right, klass, depth + 1)
        if isinstance(expr, cst.UnaryOperation) and not isinstance(expr.operator, cst.Not):
            return self._class_tensor(expr.expression, klass, depth + 1)
        if isinstance(expr, cst.Subscript):
            return self._class_tensor(expr.value, klass, depth + 1)
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self":
            return self._tensor_attribute(expr.attr.value, klass, depth)
        if isinstance(expr, cst.Name) and not self.imports.qualify(expr):
            scope = self.index.function_of(expr)
            if scope is None or self.index.enclosing(scope, cst.ClassDef) is not klass:
                return False
            values = self.ctx.analysis(Bindings).values.get((scope, expr.value))
            return bool(values) and all(value is not None and self._class_tensor(value, klass, depth + 1)
                                        for _, value in values)
        return False

    def _tensor_attribute(self, name: str, klass: cst.ClassDef, depth: int) -> bool:
        """``self.<name>`` is a tensor in every method of ``klass``: the class registers it as a
        buffer or parameter (``self.register_buffer('N', t)``: ``nn.Module.__setattr__`` then
        refuses any value but a tensor or None, and ``register_buffer`` refuses a name already
        bound to something else), or every value the class binds to it is a tensor
        (:meth:`_class_tensor`; ``self.W = nn.Parameter(...)``). Never when the class deletes it."""
        for node in self.index.of_type(cst.Del):
            if self.index.enclosing(node, cst.ClassDef) is klass and any(
                    isinstance(target, cst.Attribute) and target.attr.value == name
                    for target in iter_subtree(node.target)):
                return False
        for call in self._class_calls(klass):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("register_buffer", "register_parameter") \
                    and isinstance(func.value, cst.Name) and func.value.value == "self" and call.args \
                    and isinstance(call.args[0].value, cst.SimpleString) \
                    and call.args[0].value.evaluated_value == name:
                return True
        values = self.ctx.analysis(Bindings).values.get((klass, f"self.{name}"))
        return bool(values) and all(value is not None and self._class_tensor(value, klass, depth + 1)
                                    for _, value in values)

    def _parameter_classes_dependence(self, call: cst.Call, klass: cst.ClassDef, init: cst.FunctionDef | None,
                                      defaults: set[str]) -> str | None:
        """The dependence of what ``call`` builds in ``__init__`` when its callee is a parameter of
        ``__init__`` that it never rebinds (``self.body = body_network(n, **cfg)`` with
        ``body_network=DeapStack``): that of the classes every construction of the class passes for
        it, its default included (:func:`~dllint.analysis.callers.constructor_arguments`),
        each built by ``call``: ``NO`` when all are mode-free, ``UNKNOWN`` when one is not a
        module class or torch.nn class seen (thirteenth audit, DQ). None when ``call`` is no such
        call or the constructions are not all known."""
        from dllint.analysis.callers import constructor_arguments

        func = call.func
        if init is None or not isinstance(func, cst.Name) or _rebinds(init, func.value) or not any(
                p.name.value == func.value
                for p in (*init.params.posonly_params, *init.params.params, *init.params.kwonly_params)):
            return None
        passed = constructor_arguments(self.ctx, klass, func.value)
        if not passed:
            return None
        default = _param_default(init, func.value)
        found: list[str] = []
        for ctx, value in passed:
            # the default is written here, whichever construction leaves it out
            models = self if value is default else ctx.analysis(Models)
            inner = models.module_class(value) if isinstance(value, (cst.Name, cst.Attribute)) else None
            qualified = (models.imports.qualify(value) or "") if isinstance(value, (cst.Name, cst.Attribute)) else ""
            if inner is not None:
                found.append(models._constructed(call, models.class_dependence(inner), inner.node))
            elif models._is_nn_class(qualified) and not is_loss_class(qualified):
                found.append(self._layer_dependence(call, 1, init, defaults, qualified))
            else:
                found.append(UNKNOWN_DEPENDENCE)
        return combine(found)

    def _switched_off(self, call: cst.Call, init: cst.FunctionDef) -> str | None:
        """The ``__init__`` parameter whose falsy literal default keeps ``call`` from running: the
        call is in the body of an ``if`` (or the true arm of a conditional expression) whose test
        needs the parameter truthy (``if use_dropout:``, ``if use_bn and depth > 1:``, ``if
        dropout > 0:`` with a zero default; ``else`` of ``if not flag:``), and ``__init__`` never
        rebinds it. None when no such test guards the call."""
        node: cst.CSTNode = call
        for _ in range(256):
            parent = self.index.parent(node)
            if parent is None or parent is init:
                return None
            branch = None
            if isinstance(parent, (cst.If, cst.IfExp)) and node is parent.body:
                branch = True
            elif isinstance(parent, cst.If) and node is parent.orelse and isinstance(node, cst.Else):
                branch = False
            elif isinstance(parent, cst.IfExp) and node is parent.orelse:
                branch = False
            if branch is not None:
                name = _required_switch(parent.test, branch, init)
                if name is not None:
                    return name
            node = parent
        return None

    def _built_base(self, base: cst.BaseExpression, inner: ModuleClass, inherited: "Dependence",
                    init: cst.FunctionDef, defaults: set[str]) -> str:
        """The dependence of the base class ``inner`` as ``init`` builds it: its one
        ``super().__init__(...)`` (or ``Base.__init__(self, ...)``) call judged like a construction
        (:meth:`_constructed_in`); the base's own defaults if ``init`` never calls it."""
        calls = []
        for node in walk_body(init.body):
            if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                    and node.func.attr.value == "__init__"):
                continue
            owner = node.func.value
            if isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name) and owner.func.value == "super":
                calls.append(node)
            elif isinstance(owner, (cst.Name, cst.Attribute)) and self.module_class(owner) is inner:
                calls.append(node.with_changes(args=node.args[1:]))  # ``Base.__init__(self, ...)``
        if not calls:
            return inherited.value
        if len(calls) > 1:
            return UNKNOWN_DEPENDENCE
        return self._constructed_in(calls[0], inherited, inner.node, init, defaults)

    def _passed_argument(self, call: cst.Call, klass: cst.ClassDef) -> cst.BaseExpression | None:
        """What ``call`` in ``klass`` gives back unchanged as a module: the argument of a plain
        function (:meth:`passed_through`), of an own method that returns its parameter
        (``self.layer_init(m, ...)`` with ``return module``), or of a local lambda of the enclosing
        method every binding of which does so (``init_ = lambda m: self.layer_init(m, ...)``)."""
        func = call.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) \
                and func.value.value == "self":
            method = own_method(klass, func.attr.value)
            # it must leave the model's own submodules alone too: it is not judged like __init__
            returned = _returned_parameter(method) \
                if method is not None and _keeps_submodules(method, "self") else None
            if returned is None or returned[1] == 0:
                return None
            name, position = returned
            return argument(call, -1 if position is None else position - 1, name)
        scope = self.index.function_of(call)
        if isinstance(func, cst.Name) and scope is not None:
            values = self.ctx.analysis(Bindings).values.get((scope, func.value))
            positional = [a.value for a in call.args if a.keyword is None and not a.star]
            if values and positional and len(call.args) == 1 and all(
                    isinstance(value, cst.Lambda) and self._passing_lambda(value, klass)
                    for _, value in values):
                return positional[0]
        return self.passed_through(call)

    def _passing_lambda(self, lam: cst.Lambda, klass: cst.ClassDef) -> bool:
        """``lambda m: m`` or ``lambda m: self.layer_init(m, ...)``: gives back its one argument."""
        params = lam.params
        if len(params.params) != 1 or params.posonly_params or params.kwonly_params \
                or isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None:
            return False
        name = params.params[0].name.value
        body = lam.body
        if isinstance(body, cst.Call):
            body = self._passed_argument(body, klass)
        return isinstance(body, cst.Name) and body.value == name

    def _in_passing_lambda(self, call: cst.Call, klass: cst.ClassDef) -> bool:
        """``call`` is the body of a lambda that gives back its argument (:meth:`_passing_lambda`)."""
        lam = self.index.parent(call)
        return isinstance(lam, cst.Lambda) and lam.body is call and self._passing_lambda(lam, klass)

    def _runs_submodule(self, call: cst.Call, klass: cst.ClassDef) -> bool:
        """``self.conv1(x)`` where ``klass`` binds ``self.conv1`` only to layers it builds (a torch.nn
        layer, a module class of this file, or one handed back by :meth:`_passed_argument`): it runs
        a layer the model holds, judged where it is built, and builds none."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
                and func.value.value == "self") or own_method(klass, func.attr.value) is not None:
            return False
        values = self.ctx.analysis(Bindings).values.get((klass, f"self.{func.attr.value}"))
        if not values:
            return False
        for _, value in values:
            for _ in range(4):
                if not isinstance(value, cst.Call):
                    return False
                qualified = self.imports.qualify(value.func) \
                    if isinstance(value.func, (cst.Name, cst.Attribute)) else None
                last = (qualified or "").rsplit(".", 1)[-1]
                if (qualified or "").startswith("torch.nn.") and last[:1].isupper() \
                        or self.module_class(value.func) is not None:
                    break
                value = self._passed_argument(value, klass)
            else:
                return False
        return True

    def _built_dependence(self, call: cst.Call) -> str:
        """The dependence of what a call in ``__init__`` builds: what the function of this file or
        of a project module returns (``self.conv = _conv_stack()`` returning ``nn.Sequential(...)``),
        or the project class it constructs; ``UNKNOWN`` for anything else."""
        returned = self._returned_dependence(call, 1)
        return returned if returned is not None else self._project_class_dependence(call)

    def _initialises_only(self, call: cst.Call) -> bool:
        """``call`` (a statement of its own, its value unused) runs a plain function of this file
        or of a project module that adds, replaces and removes no submodule of what it is given
        (:func:`_keeps_submodules`: ``init_weights(self.fc)`` setting weights in place), or is
        ``module.apply(f)`` with such a function ``f``: it builds no layer the model holds."""
        if not isinstance(self.index.parent(call), cst.Expr):
            return False
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "apply" and len(call.args) == 1 \
                and not call.args[0].keyword and not call.args[0].star:
            # ``apply`` hands ``f`` each existing submodule and keeps nothing ``f`` returns: it
            # initialises the layers the model holds whatever ``f`` computes from them
            # (``std=1 / np.sqrt(m.in_features)``, thirteenth audit, DN), or is a method or a
            # library's function; only an ``f`` of the project seen to build a torch.nn layer or to
            # restructure the module it is given may add one
            resolved = self._named_function(call.args[0].value)
            return resolved is None or not resolved[0]._restructures(resolved[1])
        resolved = self._resolved_function(call)
        if resolved is None:
            return False
        models, function = resolved
        if models._is_method(function):
            return False
        params = function.params
        return all(_keeps_submodules(function, p.name.value)
                   for p in (*params.posonly_params, *params.params, *params.kwonly_params))

    def _restructures(self, function: cst.FunctionDef) -> bool:
        """``function`` builds a ``torch.nn`` layer (``nn.Dropout(0.1)``) or calls a structural
        method (``add_module``, ``append``...) or ``setattr``: given to ``apply``, it may add a layer."""
        for node in walk_body(function.body):
            if not isinstance(node, cst.Call) or not isinstance(node.func, (cst.Name, cst.Attribute)):
                continue
            qualified = self.imports.qualify(node.func) or ""
            last = (dotted_name(node.func) or "").rsplit(".", 1)[-1]
            if qualified.startswith("torch.nn.") and last[:1].isupper() \
                    or last in _STRUCTURE_METHODS or last == "setattr":
                return True
        return False

    def _layer_argument(self, call: cst.Call) -> bool:
        """``call`` is inside an argument of a ``torch.nn`` layer whose arguments are sizes, rates
        and flags, never modules (``nn.Linear(np.array(shape).prod(), 120)``): whatever it returns
        does not change whether the layer depends on the mode (a rate is judged with the layer).
        Not so in a container (``nn.Sequential(make_block())``) or a wrapper."""
        node: cst.CSTNode | None = call
        for _ in range(64):
            parent = self.index.parent(node) if node is not None else None
            if parent is None or isinstance(parent, (cst.BaseStatement, cst.BaseSmallStatement)):
                return False
            if isinstance(parent, cst.Arg):
                owner = self.index.parent(parent)
                if isinstance(owner, cst.Call) and _sized_layer(self.imports.qualify(owner.func) or ""):
                    return True
            node = parent
        return False

    def _fresh_per_call(self, call: cst.Call, method: cst.FunctionDef | None) -> bool:
        """``call`` builds a layer inside a method that does not run at build time (``forward``,
        ``loss``) and makes no submodule of it: called at once (``nn.Dropout(d)(x)``,
        ``nn.CrossEntropyLoss()(y, t)``) or bound to a local name. Such a layer is a new module at
        every call, always in training mode, so ``model.eval()`` changes nothing in it: it adds no
        dependence on the model's mode (an ``nn.Dropout`` there drops in both modes)."""
        if method is None:
            return False
        parent = self.index.parent(call)
        if isinstance(parent, cst.Call) and parent.func is call:
            return True
        if not (isinstance(parent, cst.Assign) and parent.value is call and len(parent.targets) == 1
                and isinstance(parent.targets[0].target, cst.Name)):
            return False
        target = parent.targets[0].target
        for node in walk_body(method.body):  # the local name is only called (never stored on self)
            if isinstance(node, cst.Name) and node.value == target.value and node is not target:
                holder = self.index.parent(node)
                if not (isinstance(holder, cst.Call) and holder.func is node) \
                        and not (isinstance(holder, cst.Attribute) and holder.attr is node):
                    return False
        return True

    def _constructed_in(self, call: cst.Call, found: "Dependence", klass: cst.ClassDef,
                        init: cst.FunctionDef | None, defaults: set[str]) -> str:
        """:meth:`_constructed` for a class built in another class's ``__init__``: an argument that
        is that ``__init__``'s own parameter with a literal zero default is passed on as zero."""
        if found.value != NO_DEPENDENCE or not found.defaults or init is None:
            return self._constructed(call, found, klass)
        passed: list[cst.Arg] = []
        used: set[str] = set()
        for arg in call.args:
            value = arg.value
            if isinstance(value, cst.Name) and not arg.star:
                default = _param_default(init, value.value)
                if default is not None and _literal_falsy(default) and not _rebinds(init, value.value):
                    used.add(value.value)
                    arg = arg.with_changes(value=cst.Integer("0"))
            passed.append(arg)
        value = self._constructed(call.with_changes(args=passed), found, klass)
        if value == NO_DEPENDENCE:
            defaults |= used
        return value


def _names_word(path: Path, word: str) -> bool:
    """The project file at ``path`` holds ``word`` as a word in its code: a ``.py`` file's text, or
    a notebook's code cells (an image's base64 in its outputs names nothing). True when the file
    cannot be read or parsed."""
    from dllint.analysis.project import MAX_MODULE_BYTES, PROJECT

    if not PROJECT.mentions(path, word):
        return False
    text = PROJECT.text(path, MAX_MODULE_BYTES)
    if text is None:
        return True
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
            text = "\n".join("".join(cell.get("source", "")) for cell in cells
                             if isinstance(cell, dict) and cell.get("cell_type") == "code")
        except (ValueError, AttributeError, TypeError):
            return True
    return re.search(rf"\b{re.escape(word)}\b", text) is not None


def combine(found) -> str:
    """One answer for a model made of parts: ``YES`` if a part depends on the mode, else ``UNKNOWN``
    if a part is not visible, else ``NO`` (no part, or every part known and independent)."""
    values = set(found)
    if YES_DEPENDENCE in values:
        return YES_DEPENDENCE
    return UNKNOWN_DEPENDENCE if UNKNOWN_DEPENDENCE in values else NO_DEPENDENCE


def _argument(call: cst.Call, keyword: str, position: int) -> cst.BaseExpression | None:
    """The argument ``call`` passes for a parameter (by keyword, or at ``position``); None when it
    is not passed; the call itself when ``*args`` / ``**kwargs`` may hold it (not a literal)."""
    index = 0
    for arg in call.args:
        if arg.star:
            return call
        if arg.keyword is not None:
            if arg.keyword.value == keyword:
                return arg.value
            continue
        if index == position:
            return arg.value
        index += 1
    return None


def _functional_mode_use(call: cst.Call, last: str) -> bool:
    """Whether a call of the ``torch.nn.functional`` function ``last`` may compute differently in
    the two modes: a dropout, batch norm, instance norm or RReLU form, unless its ``training``
    argument is the literal ``False`` (passed, or the signature's default when not passed; not
    when ``*args`` / ``**kwargs`` may hold it). A ``training`` that is a name (``self.training``, a
    parameter) or ``True`` keeps it, as does ``F.dropout(x, p)`` (default ``True``): the form may be
    meant to follow the mode (eleventh audit, CK: ``F.dropout(pool, training=False)``)."""
    if last in FUNCTIONAL_TRAINING:
        position, default = FUNCTIONAL_TRAINING[last]
        given = _argument(call, "training", position)
        value = default if given is None else _literal_bool(given)
        return value is not False
    return last.startswith(MODE_FUNCTIONS)


def _literal_zero(expr: cst.BaseExpression | None) -> bool:
    if isinstance(expr, (cst.Integer, cst.Float)):
        try:
            return float(expr.evaluated_value) == 0.0
        except (ValueError, OverflowError):
            return False
    return False


def _literal_falsy(expr: cst.BaseExpression | None) -> bool:
    """A literal zero, ``False`` or ``None``."""
    return _literal_zero(expr) or (isinstance(expr, cst.Name) and expr.value in ("False", "None"))


def _required_switch(test: cst.BaseExpression, branch: bool, init: cst.FunctionDef) -> str | None:
    """A parameter of ``init`` with a falsy literal default, never rebound, that must be truthy for
    the ``branch`` (True: the body) of a test on it to run: ``flag``, ``not flag``, ``flag and
    ...``, ``rate > 0`` with a zero default."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _required_switch(test.expression, not branch, init)
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And) and branch:
        return _required_switch(test.left, True, init) or _required_switch(test.right, True, init)
    if not branch:
        return None
    name = None
    if isinstance(test, cst.Name):
        name = test.value
        default = _param_default(init, name)
        if not _literal_falsy(default):
            return None
    elif isinstance(test, cst.Comparison) and len(test.comparisons) == 1 \
            and isinstance(test.left, cst.Name) and isinstance(test.comparisons[0].operator, cst.GreaterThan) \
            and _literal_zero(test.comparisons[0].comparator):
        name = test.left.value
        if not _literal_zero(_param_default(init, name)):
            return None
    if name is None or _rebinds(init, name):
        return None
    return name


def _literal_bool(expr: cst.BaseExpression | None) -> bool | None:
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return expr.value == "True"
    return None


def own_method(klass: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    """The last method ``name`` defined in ``klass``'s own body; None if it defines none."""
    found = None
    for statement in klass.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            found = statement
    return found


def _held_callee(func: cst.BaseExpression) -> bool:
    """``self.blocks[0]`` / ``self.layers[i]``: a callee that is a submodule the model already holds
    (run in ``__init__`` to size the next layer), not a constructor chosen at run time."""
    while isinstance(func, cst.Subscript):
        func = func.value
    return isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self"


def _lightning_module(qualified: str) -> bool:
    """``qualified`` names Lightning's ``LightningModule`` (``lightning``, ``pytorch_lightning``, any path)."""
    return qualified.split(".", 1)[0] in ("lightning", "pytorch_lightning") and qualified.endswith(
        ".LightningModule")


# LightningModule methods that an ``__init__`` calls on ``self`` and that never build a layer.
_LIGHTNING_RECORDING_METHODS = frozenset({"save_hyperparameters"})


def _lightning_self_call(func: cst.BaseExpression) -> bool:
    """``func`` is ``self.save_hyperparameters`` (a Lightning method that records, never builds)."""
    return (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
            and func.value.value == "self" and func.attr.value in _LIGHTNING_RECORDING_METHODS)


def _init_methods(klass: cst.ClassDef) -> set[cst.FunctionDef]:
    """``__init__`` and the methods of the class that it calls through ``self.name(...)``, at any
    depth: what runs while the module is built (``self.init_layers(self.fc1, n_in, n_out)``)."""
    methods = {stmt.name.value: stmt for stmt in klass.body.body if isinstance(stmt, cst.FunctionDef)}
    init = methods.get("__init__")
    if init is None:
        return set()
    found = {init}
    todo = [init]
    while todo:
        function = todo.pop()
        for node in walk_body(function.body):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                    and isinstance(node.func.value, cst.Name) and node.func.value.value == "self":
                called = methods.get(node.func.attr.value)
                if called is not None and called not in found:
                    found.add(called)
                    todo.append(called)
    return found


def _mode_switch(func: cst.BaseExpression, klass: cst.ClassDef) -> bool:
    """``self.train``/``self.eval`` where ``klass`` defines no method of that name: nn.Module's,
    which set the mode flag of the module and its children and build no layer."""
    return isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) \
        and func.value.value == "self" and func.attr.value in ("train", "eval") \
        and own_method(klass, func.attr.value) is None


def _own_method_call(func: cst.BaseExpression, init_methods: set[cst.FunctionDef]) -> bool:
    """``func`` is ``self.name`` for a method among ``init_methods`` (one that runs at build time)."""
    return (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self"
            and any(method.name.value == func.attr.value for method in init_methods))


def _param_default(function: cst.FunctionDef, name: str) -> cst.BaseExpression | None:
    """The default value of ``function``'s parameter ``name``; None if it has none or no such."""
    params = function.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.name.value == name:
            return param.default
    return None


def _assignments(function: cst.FunctionDef, name: str) -> list[cst.CSTNode]:
    """The statements of ``function`` (nested scopes included) that bind or extend ``name``:
    assignments, augmented assignments, ``name.append(...)`` / ``name.extend(...)``."""
    found: list[cst.CSTNode] = []

    class Visitor(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            if any(name in _target_names(t.target) for t in node.targets):
                found.append(node)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            if name in _target_names(node.target):
                found.append(node)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            if name in _target_names(node.target):
                found.append(node)

        def visit_For(self, node: cst.For) -> None:
            if name in _target_names(node.target):
                found.append(node)

        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) \
                    and func.value.value == name and func.attr.value in ("append", "extend", "insert"):
                found.append(node)

    function.body.visit(Visitor())
    return found


def _target_names(target: cst.BaseExpression) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        out: set[str] = set()
        for element in target.elements:
            out |= _target_names(element.value)
        return out
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return set()


def _rebinds(function: cst.FunctionDef, name: str) -> bool:
    return bool(_assignments(function, name))


# Calls on a module that add, replace or remove its submodules.
_STRUCTURE_METHODS = frozenset({"add_module", "register_module", "append", "extend", "insert", "update",
                                "pop", "__setattr__", "__delattr__"})


def _returned_parameter(function: cst.FunctionDef) -> tuple[str, int | None] | None:
    """:meth:`Models.returned_parameter` of a plain function (not cached)."""
    returned: set[str] = set()
    for node in walk_body(function.body):
        if isinstance(node, (cst.Yield, cst.Await)):
            return None
        if isinstance(node, cst.Return):
            value = node.value
            while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                    and value.func.attr.value in SELF_RETURNING:
                value = value.func.value
            if not isinstance(value, cst.Name):
                return None
            returned.add(value.value)
    if len(returned) != 1:
        return None
    name = returned.pop()
    params = function.params
    positional = [p.name.value for p in (*params.posonly_params, *params.params)]
    if name in positional:
        position: int | None = positional.index(name)
    elif any(p.name.value == name for p in params.kwonly_params):
        position = None
    else:
        return None
    if _rebinds(function, name) or not _keeps_submodules(function, name):
        return None
    return name, position


def _keeps_submodules(function: cst.FunctionDef, name: str) -> bool:
    """``function`` adds, replaces and removes no submodule of the module its parameter ``name``
    holds: what it assigns under ``name`` is under a ``weight`` or ``bias`` (``name.weight.data =
    ...``, ``name.bias_ih_l0 = ...``), it calls no structural method on it (``add_module``,
    ``append``...), and it hands the module (or a submodule, ``name.block``) to no function but
    ``nn.init.*`` and builtins that only read it (``isinstance``): what another function does to it
    is not seen (``setattr(name, ...)``, ``add_dropout(name)``)."""
    for node in walk_body(function.body):
        targets = statement_targets(node)
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) \
                    and func.value.value == name and func.attr.value in _STRUCTURE_METHODS:
                return False
            if not (isinstance(func, cst.Name) and func.value in _READING_BUILTINS) \
                    and not (dotted_name(func) or "").startswith(("nn.init.", "torch.nn.init.")) \
                    and any(_module_part(arg.value, name) for arg in node.args):
                return False  # ``add_dropout(layer)``: what the callee does to it is not seen
        while targets:
            target = targets.pop()
            if isinstance(target, (cst.Tuple, cst.List)):
                targets.extend(e.value for e in target.elements)
                continue
            if isinstance(target, cst.StarredElement):
                targets.append(target.value)
                continue
            first = _first_attribute_under(target, name)
            if first is not None and not first.startswith(("weight", "bias")):
                return False
    return True


# Builtins that read a module without changing it.
_READING_BUILTINS = frozenset({"isinstance", "hasattr", "getattr", "type", "id", "print", "len", "str",
                               "repr", "issubclass", "callable"})


def _module_part(expr: cst.BaseExpression, name: str) -> bool:
    """``expr`` is the module ``name`` holds or a submodule of it (``layer``, ``layer.block``), not
    one of its tensors (``layer.weight``, ``layer.bias.data``)."""
    if isinstance(expr, cst.Name):
        return expr.value == name
    first = _first_attribute_under(expr, name)
    return first is not None and not first.startswith(("weight", "bias"))


def _first_attribute_under(target: cst.BaseExpression, name: str) -> str | None:
    """For an attribute or subscript chain rooted at the name ``name``: the attribute right after
    it (``weight`` for ``name.weight.data``), or ``""`` when a subscript comes first
    (``name[0] = ...``); None when ``target`` is not under ``name``."""
    first: str | None = None
    while isinstance(target, (cst.Attribute, cst.Subscript)):
        first = target.attr.value if isinstance(target, cst.Attribute) else ""
        target = target.value
    if isinstance(target, cst.Name) and target.value == name and first is not None:
        return first
    return None


def _sized_layer(qualified: str) -> bool:
    """``qualified`` names a ``torch.nn`` layer whose arguments are sizes, rates and flags (a
    ``Linear``, a ``Dropout``, a loss...), not modules (``Sequential``, ``ModuleList``...)."""
    if not qualified.startswith("torch.nn.") or qualified.count(".") != 2:
        return False
    name = qualified.rsplit(".", 1)[-1]
    if name in ("Sequential", "ModuleList", "ModuleDict"):
        return False
    return (name in MODE_FREE_LAYERS or name in RECURRENT_LAYERS or name in MODE_LAYERS
            or is_loss_class(name) or name == "MultiheadAttention"
            or any(word in name for word in ("Dropout", "BatchNorm", "InstanceNorm")))


def _calls_only(expr: cst.BaseExpression | None) -> bool:
    """A list, tuple or comprehension of calls (or a call): layers built right there."""
    if isinstance(expr, cst.Call):
        return True
    if isinstance(expr, (cst.List, cst.Tuple)):
        return all(_calls_only(e.value) for e in expr.elements)
    if isinstance(expr, (cst.ListComp, cst.GeneratorExp)):
        return _calls_only(expr.elt)
    return False


def _built_in(init: cst.FunctionDef, element: cst.BaseExpression) -> bool:
    """``element`` is a list of layers built in ``init`` itself from calls only (``layers = []``,
    ``layers.append(nn.Linear(...))``), or a comprehension of calls: the calls are the class's own,
    judged with it. A parameter, or anything else put in the list, is not."""
    if isinstance(element, (cst.ListComp, cst.GeneratorExp)):
        return _calls_only(element.elt)
    params = init.params
    if not isinstance(element, cst.Name) or element.value in {
            p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}:
        return False
    statements = _assignments(init, element.value)
    if not statements:
        return False
    for statement in statements:
        if isinstance(statement, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
            value = statement.value
            if not (isinstance(value, (cst.List, cst.Tuple)) and not value.elements) \
                    and not _calls_only(value):
                return False
        elif isinstance(statement, cst.Call):
            if not statement.args or not _calls_only(statement.args[-1].value):
                return False
        else:
            return False
    return True


def _empty_list(value: cst.BaseExpression) -> bool:
    """``[]``, ``list()``, ``[None] * n``: a list to be filled element by element."""
    if isinstance(value, cst.List):
        return not value.elements
    if isinstance(value, cst.Call):
        return isinstance(value.func, cst.Name) and value.func.value == "list" and not value.args
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Multiply):
        for side in (value.left, value.right):
            if isinstance(side, cst.List) and len(side.elements) == 1 \
                    and isinstance(side.elements[0].value, cst.Name) and side.elements[0].value.value == "None":
                return True
    return False


def _container_elements(arg: cst.Arg) -> list[cst.BaseExpression]:
    """The modules an argument of ``nn.Sequential`` / ``ModuleList`` / ``ModuleDict`` holds: the
    elements of a list or tuple, the values of a dict or an ``OrderedDict([(name, layer), ...])``,
    the element of a comprehension; else the argument itself."""
    value = arg.value
    if isinstance(value, (cst.List, cst.Tuple)):
        return [e.value for e in value.elements]
    if isinstance(value, cst.Dict):
        return [e.value for e in value.elements if isinstance(e, cst.DictElement)] \
            + [value for e in value.elements if not isinstance(e, cst.DictElement)]
    if isinstance(value, cst.Call) and (dotted_name(value.func) or "").rsplit(".", 1)[-1] in (
            "OrderedDict", "dict") and len(value.args) == 1 and not value.args[0].keyword:
        inner = value.args[0].value
        if isinstance(inner, cst.Dict):
            return _container_elements(cst.Arg(inner))
        if isinstance(inner, (cst.List, cst.Tuple)):
            out: list[cst.BaseExpression] = []
            for element in inner.elements:
                pair = element.value
                if isinstance(pair, cst.Tuple) and len(pair.elements) == 2:
                    out.append(pair.elements[1].value)
                else:
                    out.append(pair)
            return out
    return [value]
