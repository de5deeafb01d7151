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

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.bindings import Bindings
from dllint.analysis.imports import ImportMap, dotted_name

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
# Layers that compute the same thing in train and eval mode.
MODE_FREE_LAYERS = frozenset({
    "Linear", "Bilinear", "LazyLinear", "Identity", "Flatten", "Unflatten",
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "LazyConv1d", "LazyConv2d", "LazyConv3d",
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish",
    "Sigmoid", "Tanh", "Softmax", "Softmax2d", "LogSoftmax", "Softmin", "Softplus", "Softsign",
    "Hardtanh", "Hardswish", "Hardsigmoid", "Hardshrink", "Softshrink", "Tanhshrink", "Threshold",
    "LogSigmoid", "GLU",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "LPPool1d", "LPPool2d",
    "Embedding", "EmbeddingBag", "LayerNorm", "GroupNorm", "LocalResponseNorm", "RMSNorm",
    "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle",
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CosineSimilarity", "PairwiseDistance",
    "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Parameter",
})
# Recurrent layers: mode-free unless built with a non-zero ``dropout``.
RECURRENT_LAYERS = frozenset({"RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"})
MODE_FUNCTIONS = ("dropout", "batch_norm", "instance_norm", "rrelu")
PRETRAINED_NOT_MODELS = ("Tokenizer", "Config", "Processor", "FeatureExtractor", "ImageProcessor")
# A file that imports none of these has no nn.Module we could recognise.
TORCH_PACKAGES = ("torch", "torchvision", "torchaudio", "lightning", "pytorch_lightning",
                  "transformers", "timm", "accelerate")
_BUILTINS = frozenset({"dict", "list", "tuple", "getattr", "setattr", "super", "eval", "exec", "type",
                       "copy", "deepcopy", "range", "len", "int", "float", "zip", "enumerate",
                       "isinstance", "print", "str", "bool", "min", "max", "sum", "hasattr"})
_HARMLESS_METHODS = frozenset({"__init__", "append", "extend", "register_buffer", "register_parameter",
                               "format", "get", "items", "keys", "values"})
KNOWN_CONSTRUCTORS = frozenset({"timm.create_model", "torch.hub.load"})


@dataclass
class ModuleClass:
    """A class of this file that is an ``nn.Module``."""

    node: cst.ClassDef
    lightning: bool
    mode_free: bool | None = None  # None until computed


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
        self._calls_by_class: dict[cst.ClassDef, list[cst.Call]] = {}
        # classes of this file with no base (or only ``object``): a model written "from scratch"
        # as a plain class is no nn.Module and has no mode (no ``.eval()``, no dropout to switch)
        self.plain_classes: set[str] = set()
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
            return None if qualified.endswith("Loss") else "nn"
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

    def mode_free(self, expr: cst.BaseExpression, at: cst.CSTNode | None = None) -> bool:
        """The whole definition of the model ``expr`` is visible and has no layer whose behaviour
        depends on train/eval mode."""
        values = self.definition_values(expr, at)
        if not values:
            return False
        return all(self._value_mode_free(v, at if at is not None else expr, 0) for v in values)

    def _value_mode_free(self, value: cst.BaseExpression, at: cst.CSTNode, depth: int) -> bool:
        if depth > 6:
            return False
        while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                and value.func.attr.value in SELF_RETURNING:
            value = value.func.value
        if isinstance(value, (cst.Name, cst.Attribute)):
            key = model_key(value)
            # ``net = net.cuda()`` / ``net = nn.DataParallel(net)`` add no layer to ``net``
            values = [v for v in self.definition_values(value, at) or ()
                      if self._same_layers_as(v) != key]
            return bool(values) and all(self._value_mode_free(v, at, depth + 1) for v in values)
        if not isinstance(value, cst.Call):
            return False
        if value.args and (self.imports.qualify(value.func) in WRAPPERS
                           or (dotted_name(value.func) or "").rsplit(".", 1)[-1] in WRAPPER_NAMES):
            # ``nn.DataParallel(net)`` runs ``net``'s layers
            return self._value_mode_free(value.args[0].value, at, depth + 1)
        kind = self.constructor_kind(value)
        if kind == "nn":
            return self._layer_mode_free(value, depth)
        if kind == "class":
            klass = self.module_class(value.func)
            return klass is not None and self.class_mode_free(klass)
        return self._project_class_mode_free(value.func)

    def _same_layers_as(self, value: cst.BaseExpression) -> str | None:
        """The key of the model whose layers ``value`` runs when it is that model moved, cast or
        wrapped (``net.cuda()``, ``DataParallel(net)``); else None."""
        value = unwrap_module(value, self.imports)
        if isinstance(value, cst.Call):
            return None
        return model_key(value) if isinstance(value, (cst.Name, cst.Attribute)) else None

    def _project_class_mode_free(self, func: cst.BaseExpression) -> bool:
        """``func`` names a model class of another module of the project whose whole definition
        has no layer that behaves differently in the two modes."""
        from dllint.analysis.project import PROJECT, find_class, project_imports

        dotted = dotted_name(func)
        imports = project_imports(self.ctx) if dotted else None
        target = imports.target(dotted) if imports is not None else None
        if target is None or find_class(self.ctx, target) is None:
            return False
        other = PROJECT.context(target.path)
        if other is None:
            return False
        models = other.analysis(Models)
        klass = models.classes.get(target.attribute)
        return klass is not None and models.class_mode_free(klass)

    def _layer_mode_free(self, call: cst.Call, depth: int) -> bool:
        name = (self.imports.qualify(call.func) or "").rsplit(".", 1)[-1]
        if name in RECURRENT_LAYERS:
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == "dropout":
                    return isinstance(arg.value, (cst.Integer, cst.Float)) and float(arg.value.value) == 0.0
            return sum(1 for a in call.args if a.keyword is None) <= 5
        if name not in MODE_FREE_LAYERS:
            return False
        if name in ("Sequential", "ModuleList", "ModuleDict"):
            for arg in call.args:
                inner = arg.value
                if isinstance(inner, (cst.List, cst.Tuple)):
                    elements = [e.value for e in inner.elements]
                else:
                    elements = [inner]
                for element in elements:
                    if not (isinstance(element, cst.Call) and self._value_mode_free(element, element, depth + 1)):
                        return False
        return True

    def class_mode_free(self, klass: ModuleClass) -> bool:
        if klass.mode_free is None:
            klass.mode_free = False  # recursion guard
            klass.mode_free = self._compute_class_mode_free(klass)
        return klass.mode_free

    def _class_calls(self, klass: cst.ClassDef) -> list[cst.Call]:
        if not self._calls_by_class:
            for call in self.index.of_type(cst.Call):
                owner = self.index.enclosing(call, cst.ClassDef)
                if owner is not None:
                    self._calls_by_class.setdefault(owner, []).append(call)
        return self._calls_by_class.get(klass, [])

    def _compute_class_mode_free(self, klass: ModuleClass) -> bool:
        node = klass.node
        if klass.lightning:
            return False
        for base in node.bases:
            qualified = self.imports.qualify(base.value) or ""
            inner = self.module_class(base.value)
            if inner is not None:
                if not self.class_mode_free(inner):
                    return False
            elif qualified != "torch.nn.Module":
                return False
        for attr in self.index.of_type(cst.Attribute):
            if attr.attr.value == "training" and self.index.enclosing(attr, cst.ClassDef) is node:
                return False
        for call in self._class_calls(node):
            func = call.func
            if not isinstance(func, (cst.Name, cst.Attribute)):
                continue
            qualified = self.imports.qualify(func) or ""
            last = (dotted_name(func) or "").rsplit(".", 1)[-1]
            if qualified.startswith("torch.nn.functional.") and last.startswith(MODE_FUNCTIONS):
                return False
            if qualified.startswith("torch.nn.") and last[:1].isupper():
                if not self._layer_mode_free(call, 1):
                    return False
                continue
            inner = self.module_class(func)
            if inner is not None:
                if not self.class_mode_free(inner):
                    return False
                continue
            method = self.index.function_of(call)
            if method is None or method.name.value != "__init__":
                continue
            if qualified:
                if qualified.split(".")[0] == "torch":
                    continue  # torch.zeros, nn.init...: no layer
                return False  # torchvision.models.resnet18(), timm...: layers we cannot see
            # An unresolved call in __init__ may build any layer (``make_layers(cfg)``).
            if isinstance(func, cst.Name) and func.value in _BUILTINS:
                continue
            if isinstance(func, cst.Attribute) and func.attr.value in _HARMLESS_METHODS:
                continue
            return False
        return True
