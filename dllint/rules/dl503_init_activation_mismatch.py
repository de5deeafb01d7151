"""DL503: an initialisation whose gain does not fit the activation that follows the layers.

Why: a good initialisation keeps the variance of the activations (and of the gradients) constant
from layer to layer. Each activation changes the variance by its own factor, the gain: a ReLU zeroes
half its inputs, so He/Kaiming initialisation doubles the weights' variance (gain sqrt(2)); tanh
needs 5/3; a linear layer or SELU with LeCun initialisation needs 1. With the wrong gain the signal
grows or shrinks by a constant factor per layer, exponentially in depth: after 20 layers a gain off
by sqrt(2) is a factor of 2**10 = 1024 in variance. Glorot/Xavier assumes a linear layer; before
ReLU it loses a factor of two per layer, which matters in deep stacks.

The activations are read from the scope the initialisation serves: the class it is written in, or
the whole file for module-level code, but for its module-level functions that neither build nor run
a layer (a loss helper's ``torch.sigmoid(logits)`` applies to the values it is handed, not to the
output of a layer). An initialisation that runs over every module of its class
(``for m in self.modules()``, ``self.apply(fn)``) also serves the modules the class wraps
(``self.body = Body()``, or a call of a variable bound to module classes, ``block = Simple if simple
else Gated`` then ``block(c, n)``: every class the variable may hold): their activations count too,
and a wrapped class of another module, or a class a caller passes, makes them unknown. Only a scope with a single family of activations is judged; mixed or unknown
activations, and an explicit ``gain=``, are left alone by that check.

Per layer (``dllint.analysis.init_gains``): the gain an initialisation gives one layer (a helper
wrapping it, ``init_(nn.Linear(...))``, or a direct ``orthogonal_(self.fc.weight, gain=...)``)
against the activation that follows that layer (the next module of its ``nn.Sequential``, or the
activation every ``self.fc(...)`` call is wrapped in), when both are known.

Default initialisation before SELU (``dllint.analysis.init_gains.default_init_selu``): a layer that
keeps PyTorch's default initialisation (variance 1/(3 fan_in)) while SELU, which self-normalises only
from LeCun's 1/fan_in, follows it (next in its ``nn.Sequential`` or ``add_module`` sequence, around
every call of ``self.fc``, or an activation the unit tests with ``isinstance(act, nn.SELU)``), when
no initialisation of the file or of the project may reach the weight.
"""
from __future__ import annotations

import builtins

import libcst as cst

from dllint.analysis.activations import ACTIVATIONS as _ACTIVATIONS
from dllint.analysis.activations import LINEAR as _LINEAR
from dllint.analysis.activations import RELU as _RELU
from dllint.analysis.activations import SELU as _SELU
from dllint.analysis.activations import SIGMOID as _SIGMOID
from dllint.analysis.activations import TANH as _TANH
from dllint.analysis.activations import ScaledActivations
from dllint.analysis.bindings import Bindings
from dllint.analysis.calls import argument, string
from dllint.analysis.init_gains import (FEEDS_ACTIVATION, applied_gain, attribute_activation, default_init_selu,
                                       initialised_module, layer_site, slope_set)
from dllint.analysis.models import is_loss_class
from dllint.index import iter_subtree
from dllint.rule import Rule

_NONLINEARITY = {"relu": _RELU, "leaky_relu": _RELU, "tanh": _TANH, "sigmoid": _SIGMOID,
                 "selu": _SELU, "linear": _LINEAR}
_KAIMING = {f"torch.nn.init.kaiming_{k}{u}" for k in ("normal", "uniform") for u in ("_", "")}
_XAVIER = {f"torch.nn.init.xavier_{k}{u}" for k in ("normal", "uniform") for u in ("_", "")}
_LAYERS = {f"torch.nn.{n}" for n in ("Linear", "Conv1d", "Conv2d", "Conv3d")}
_DEEP = 8  # Glorot before ReLU loses a factor 2 of variance per layer: from 8 layers, 256x

_ADVICE = {
    _RELU: "He/Kaiming with nonlinearity='relu' (gain sqrt(2))",
    _TANH: "Xavier/Glorot, or Kaiming with nonlinearity='tanh' (gain 5/3)",
    _SIGMOID: "Xavier/Glorot (gain 1)",
    _SELU: "LeCun normal: kaiming_normal_(w, nonlinearity='linear') (dlcheck.reference.init.lecun_normal_)",
    _LINEAR: "nonlinearity='linear' (gain 1): the activations multiply their output by their own gain",
}
_GAIN_TEXT = {_RELU: "sqrt(2) (ReLU's)", _TANH: "5/3 (tanh's)", _SELU: "3/4 (calculate_gain('selu'))"}
_LAYER_ADVICE = {_RELU: "gain=nn.init.calculate_gain('relu')", _TANH: "gain=nn.init.calculate_gain('tanh')",
                 _SIGMOID: "gain 1 (calculate_gain('sigmoid'))", _SELU: "gain 1 (LeCun: variance 1/fan_in)",
                 _LINEAR: "gain 1 (nonlinearity='linear'): the activation multiplies by its own gain"}
# Gain-1 initialisation also fits SELU (LeCun normal) and sigmoid (Glorot's gain 1).
_FITS = {_SELU: {_SELU, _LINEAR}, _SIGMOID: {_SIGMOID, _LINEAR}}


def _top_statement(ctx, node: cst.CSTNode) -> cst.CSTNode:
    found = node
    for ancestor in ctx.index.ancestors(node):
        if isinstance(ancestor, cst.Module):
            break
        found = ancestor
    return found


_WALKS = frozenset({"modules", "children", "named_modules", "named_children"})
_UNKNOWN = "unknown"


def _reaches_submodules(ctx, klass: cst.ClassDef, init: cst.Call) -> bool:
    """The initialisation runs over every module of the class: inside ``for m in self.modules()``
    (``children``, ``named_modules``), or in a class that calls ``self.apply(fn)``."""
    for ancestor in ctx.index.ancestors(init):
        if ancestor is klass:
            break
        if isinstance(ancestor, cst.For) and isinstance(ancestor.iter, cst.Call) \
                and isinstance(ancestor.iter.func, cst.Attribute) and ancestor.iter.func.attr.value in _WALKS \
                and isinstance(ancestor.iter.func.value, cst.Name) and ancestor.iter.func.value.value == "self":
            return True
    return any(isinstance(c.func, cst.Attribute) and c.func.attr.value == "apply"
               and isinstance(c.func.value, cst.Name) and c.func.value.value == "self"
               and ctx.index.enclosing(c, cst.ClassDef) is klass for c in ctx.index.of_type(cst.Call))


def _wrapped_families(ctx, klass: cst.ClassDef, depth: int) -> set[str]:
    """The activation families of the modules a class builds from other classes
    (``self.body = Body()``): a class of this file by its own activations, any other one unknown."""
    classes = {c.name.value: c for c in ctx.module.body if isinstance(c, cst.ClassDef)}
    out: set[str] = set()
    for assign in ctx.index.of_type(cst.Assign):
        if ctx.index.enclosing(assign, cst.ClassDef) is not klass or not isinstance(assign.value, cst.Call):
            continue
        if not any(isinstance(t.target, cst.Attribute) and isinstance(t.target.value, cst.Name)
                   and t.target.value.value == "self" for t in assign.targets):
            continue
        func = assign.value.func
        name = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""
        qualified = ctx.imports.qualify(func) or ""
        if not name[:1].isupper() or qualified.startswith(("torch.", "collections.", "typing.")):
            continue
        wrapped = classes.get(name) if isinstance(func, cst.Name) else None
        if wrapped is None or wrapped is klass or depth > 4:
            out.add(_UNKNOWN)
            continue
        out |= InitActivationMismatch._activations(ctx, wrapped)[0]
        out |= _wrapped_families(ctx, wrapped, depth + 1)
    out |= _class_variable_families(ctx, klass, classes, depth)
    return out


def _is_class_reference(ctx, value: cst.BaseExpression | None) -> bool:
    """``WaveBlock``, ``blocks.WaveBlock``: a capitalised name of a class outside torch and the
    builtins (what a variable holding one of several module classes is bound to)."""
    if not isinstance(value, (cst.Name, cst.Attribute)):
        return False
    last = value.value if isinstance(value, cst.Name) else value.attr.value
    qualified = ctx.imports.qualify(value) or ""
    return last[:1].isupper() and last not in _BUILTINS and \
        not qualified.startswith(("torch.", "collections.", "typing."))


def _choices(values: list[cst.BaseExpression]) -> list[cst.BaseExpression]:
    """The values, each ``a if c else b`` taken as both of its branches."""
    out: list[cst.BaseExpression] = []
    while values:
        value = values.pop()
        if isinstance(value, cst.IfExp):
            values += [value.body, value.orelse]
        else:
            out.append(value)
    return out


def _class_variable_families(ctx, klass: cst.ClassDef, classes: dict, depth: int) -> set[str]:
    """The activation families of the modules a class builds by calling a variable bound to a
    class (``block = SimplifiedWaveBlock if simple else WaveBlock``, then ``block(c, n)``): every
    class the name is bound to in its function counts (a class of this file by its own
    activations, any other unknown), and a binding to anything else (a parameter, a call) makes
    them unknown. A name never bound to a class (a helper function) builds nothing here."""
    bindings = ctx.analysis(Bindings)
    out: set[str] = set()
    seen: set[tuple] = set()
    for call in ctx.index.of_type(cst.Call):
        func = call.func
        if not isinstance(func, cst.Name) or func.value[:1].isupper() or \
                ctx.index.enclosing(call, cst.ClassDef) is not klass:
            continue
        key = (bindings.scope_key(func, func.value), func.value)
        if key in seen:
            continue
        seen.add(key)
        # a binding not followed (a parameter: whatever a caller passes; a loop variable) is
        # None; a parameter's default counts too
        entries = [value for _, value in bindings.values.get(key, ())]
        values = _choices([v for v in entries if v is not None]) + [v for v in entries if v is None]
        scope = key[0]
        if isinstance(scope, cst.FunctionDef):
            params = scope.params
            values += _choices([p.default for p in (*params.posonly_params, *params.params, *params.kwonly_params)
                                if p.name.value == func.value and p.default is not None])
        if not any(_is_class_reference(ctx, v) for v in values):
            continue
        for value in values:
            wrapped = classes.get(value.value) if isinstance(value, cst.Name) else None
            if not _is_class_reference(ctx, value) or wrapped is None or wrapped is klass or depth > 4:
                out.add(_UNKNOWN)
                continue
            out |= InitActivationMismatch._activations(ctx, wrapped)[0]
            out |= _wrapped_families(ctx, wrapped, depth + 1)
    return out


def _module_values_read(ctx, scope: cst.CSTNode) -> set[cst.CSTNode]:
    """The module-level values (``acts = {'relu': lambda x: ...}``) of the names ``scope`` reads."""
    bindings = ctx.analysis(Bindings)
    found: set[cst.CSTNode] = set()
    for name in ctx.index.of_type(cst.Name):
        if ctx.index.enclosing(name, cst.ClassDef) is not scope:
            continue
        for _, value in bindings.values.get((ctx.module, name.value), ()):
            if value is not None:
                found.add(value)
    return found


_BUILTINS = frozenset(dir(builtins))
_LAYER_OPS = frozenset({"torch.nn.functional.linear", "torch.nn.functional.bilinear",
                        *(f"torch.nn.functional.conv{k}" for k in ("1d", "2d", "3d", "_transpose1d",
                                                                  "_transpose2d", "_transpose3d")),
                        "torch.matmul", "torch.mm", "torch.bmm", "torch.addmm", "torch.einsum"})


def _on_handed_values(ctx, function: cst.FunctionDef) -> bool:
    """A module-level function that neither builds nor runs a layer: no ``torch.nn`` layer built,
    no functional layer or product (``F.linear``, ``@``), no call of a model or helper it does not
    hold as a parameter or local (``model(x)``, ``net.forward(x)``). Its activations apply to the
    values it is handed (``torch.sigmoid(logits)`` in a loss, a metric), not to the output of the
    layers an initialiser of the file serves."""
    if not isinstance(ctx.index.parent(function), cst.Module):
        return False
    params = function.params
    local = {p.name.value for p in (*params.params, *params.posonly_params, *params.kwonly_params)}
    for node in iter_subtree(function.body):
        if isinstance(node, cst.AssignTarget) and isinstance(node.target, cst.Name):
            local.add(node.target.value)
    for node in iter_subtree(function.body):
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.MatrixMultiply):
            return False
        if not isinstance(node, cst.Call):
            continue
        qualified = ctx.imports.qualify(node.func)
        if qualified is not None:
            last = qualified.rsplit(".", 1)[-1]
            if qualified in _LAYER_OPS or qualified.startswith("torch.nn.") and last[:1].isupper() \
                    and not is_loss_class(last):
                return False  # a layer built (a loss criterion such as ``nn.BCELoss()`` is none)
            continue
        func = node.func
        if isinstance(func, cst.Name) and func.value not in _BUILTINS:
            return False  # a model or a helper of the file: it may run layers
        if isinstance(func, cst.Attribute) and (func.attr.value in ("forward", "__call__") or
                                                isinstance(func.value, cst.Name) and func.value.value not in local):
            return False  # ``model.forward(x)``, a method of a global object
    return True


class InitActivationMismatch(Rule):
    """He/Kaiming initialisation with a gain for another activation than the one the model uses,
    or Glorot/Xavier before ReLU in a deep stack."""

    code = "DL503"
    name = "init-activation-mismatch"
    summary = "Initialisation gain does not match the model's activation (He for tanh, Xavier before ReLU in a deep stack)."
    severity = "warning"

    VALID = [
        "import torch.nn as nn\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(4, 4)\n"
        "        self.act = nn.ReLU()\n"
        "        nn.init.kaiming_normal_(self.fc.weight, nonlinearity='relu')\n",
        "import torch.nn as nn\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.body = nn.Sequential(nn.Linear(4, 4), nn.Tanh())\n"
        "        nn.init.xavier_uniform_(self.body[0].weight)\n",
        # default kaiming (leaky_relu, a=0) with ReLU: right
        "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 4), nn.ReLU())\n"
        "nn.init.kaiming_uniform_(model[0].weight)\n",
        # explicit gain: the author chose it
        "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 4), nn.ReLU())\n"
        "nn.init.xavier_uniform_(model[0].weight, gain=nn.init.calculate_gain('relu'))\n",
        # mixed activations: cannot tell which layer feeds which
        "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh())\n"
        "nn.init.kaiming_normal_(model[0].weight)\n",
        # no activation visible (model defined elsewhere)
        "import torch.nn as nn\nfrom models import Net\nmodel = Net()\n"
        "for m in model.modules():\n"
        "    if isinstance(m, nn.Linear):\n"
        "        nn.init.kaiming_normal_(m.weight, nonlinearity='relu')\n",
        # Xavier before ReLU in a shallow net is fine
        "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))\n"
        "for m in model.modules():\n"
        "    if isinstance(m, nn.Linear):\n"
        "        nn.init.xavier_uniform_(m.weight)\n",
        # many layers in the file, but in separate models: the initialised net is shallow
        "import torch.nn as nn\n"
        "deep = nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 8))\n"
        "wide = nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 8))\n"
        "net = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))\n"
        "def init_weights(m):\n"
        "    if type(m) == nn.Linear:\n"
        "        nn.init.xavier_uniform_(m.weight)\n"
        "net.apply(init_weights)\n",
        "import torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(4, 4)\n"
        "        nn.init.kaiming_normal_(self.fc.weight, mode='fan_out', nonlinearity='relu')\n"
        "    def forward(self, x):\n"
        "        return F.gelu(self.fc(x))\n",
        # Third audit AC (dlwpt p2ch13): an initialisation over self.modules() of a wrapper reaches
        # the convolutions of the wrapped body, which feed ReLUs; the wrapper's own sigmoid is not
        # what they feed.
        "from torch import nn\n"
        "class Body(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.layers = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Conv2d(8, 1, 1), nn.ReLU())\n"
        "    def forward(self, x):\n"
        "        return self.layers(x)\n"
        "class Wrapper(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.body = Body()\n"
        "        self.final = nn.Sigmoid()\n"
        "        for m in self.modules():\n"
        "            if isinstance(m, nn.Conv2d):\n"
        "                nn.init.kaiming_normal_(m.weight, nonlinearity='relu')\n"
        "    def forward(self, x):\n"
        "        return self.final(self.body(x))\n",
        # Thirteenth audit DM: the blocks are built from a variable bound to one of two classes,
        # one with ReLU after batch norm, one with tanh and sigmoid gates; with the optional output
        # sigmoid the activations are mixed. A class of another module, or a class the caller
        # passes, makes them unknown.
        "import torch\nfrom torch import nn\n"
        "from .blocks import ImportedBlock\n"
        "class Simple(nn.Module):\n"
        "    def __init__(self, c, n):\n"
        "        super().__init__()\n"
        "        self.conv = nn.Sequential(nn.BatchNorm1d(c), nn.ReLU(), nn.Conv1d(c, n, 3, padding=1))\n"
        "    def forward(self, x):\n"
        "        return self.conv(x)\n"
        "class Gated(nn.Module):\n"
        "    def __init__(self, c, n):\n"
        "        super().__init__()\n"
        "        self.t = nn.Sequential(nn.Conv1d(c, n, 3, padding=1), nn.Tanh())\n"
        "        self.s = nn.Sequential(nn.Conv1d(c, n, 3, padding=1), nn.Sigmoid())\n"
        "    def forward(self, x):\n"
        "        return self.t(x) * self.s(x)\n"
        "class Spectrogram(nn.Module):\n"
        "    def __init__(self, c=3, n=32, wave_block='simplified', sigmoid=False):\n"
        "        super().__init__()\n"
        "        self.sigmoid = sigmoid\n"
        "        if wave_block == 'simplified':\n"
        "            wave_block = Simple\n"
        "        else:\n"
        "            wave_block = Gated\n"
        "        blocks = [wave_block(c, n), wave_block(n, n)]\n"
        "        self.spec = nn.Sequential(*blocks)\n"
        "        for m in self.modules():\n"
        "            if isinstance(m, nn.Conv1d):\n"
        "                nn.init.kaiming_normal_(m.weight)\n"
        "    def forward(self, x):\n"
        "        out = self.spec(x)\n"
        "        if self.sigmoid:\n"
        "            out = out.sigmoid()\n"
        "        return out\n"
        "class Elsewhere(nn.Module):\n"
        "    def __init__(self, c=3, n=32, simple=True):\n"
        "        super().__init__()\n"
        "        block = Simple if simple else ImportedBlock\n"
        "        self.spec = block(c, n)\n"
        "        for m in self.modules():\n"
        "            if isinstance(m, nn.Conv1d):\n"
        "                nn.init.kaiming_normal_(m.weight)\n"
        "    def forward(self, x):\n"
        "        return torch.sigmoid(self.spec(x))\n"
        "class Passed(nn.Module):\n"
        "    def __init__(self, c=3, n=32, block=Simple):\n"
        "        super().__init__()\n"
        "        self.spec = block(c, n)\n"
        "        for m in self.modules():\n"
        "            if isinstance(m, nn.Conv1d):\n"
        "                nn.init.kaiming_normal_(m.weight)\n"
        "    def forward(self, x):\n"
        "        return torch.sigmoid(self.spec(x))\n",
        # a scaled activation carries its own gain (NFNets): the layers before it want gain 1
        "import torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Block(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.conv = nn.Conv2d(8, 8, 3)\n"
        "        nn.init.kaiming_normal_(self.conv.weight, mode='fan_in', nonlinearity='linear')\n"
        "    def forward(self, x):\n"
        "        return F.relu(self.conv(x)) * 1.7139588594436646\n",
        # the scaled activations live in a module-level table the class reads; the stem's plain
        # ReLU makes the families mixed, so nothing is judged
        "import torch.nn as nn\n"
        "_gamma = dict(relu=1.7139588594436646, tanh=1.5939117670059204)\n"
        "acts = {'relu': lambda x: nn.ReLU()(x) * _gamma['relu'],\n"
        "        'tanh': lambda x: nn.Tanh()(x) * _gamma['tanh']}\n"
        "class Net(nn.Module):\n"
        "    def __init__(self, activation='relu'):\n"
        "        super().__init__()\n"
        "        self.act = acts[activation]\n"
        "        self.stem = nn.Conv2d(3, 8, 3)\n"
        "        self.relu = nn.ReLU()\n"
        "        for m in self.modules():\n"
        "            if isinstance(m, nn.Conv2d):\n"
        "                nn.init.kaiming_normal_(m.weight, nonlinearity='linear')\n",
        # LeCun normal before SELU is gain 1
        "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 4), nn.SELU())\n"
        "nn.init.kaiming_normal_(model[0].weight, nonlinearity='linear')\n",
        # Per layer (issue 14, a2c-ppo-acktr MLPBase): the ReLU gain a helper applies, before ReLU
        "import numpy as np\nimport torch.nn as nn\n"
        "def init(module, weight_init, bias_init, gain=1):\n"
        "    weight_init(module.weight.data, gain=gain)\n"
        "    bias_init(module.bias.data)\n"
        "    return module\n"
        "init_ = lambda m: init(m, nn.init.orthogonal_, lambda x: nn.init.constant_(x, 0), np.sqrt(2))\n"
        "body = nn.Sequential(init_(nn.Linear(4, 8)), nn.ReLU(), init_(nn.Linear(8, 8)), nn.ReLU())\n",
        # orthogonal with the helper's default gain 1: fits tanh (Glorot's assumption); the final
        # linear output, with nothing after it, is not judged
        "import math\nimport torch.nn as nn\n"
        "def init(module, weight_init, bias_init, gain=1):\n"
        "    weight_init(module.weight.data, gain=gain)\n"
        "    bias_init(module.bias.data)\n"
        "    return module\n"
        "init_ = lambda m: init(m, nn.init.orthogonal_, lambda x: nn.init.constant_(x, 0))\n"
        "actor = nn.Sequential(init_(nn.Linear(4, 8)), nn.Tanh(), init_(nn.Linear(8, 8)), nn.Tanh())\n"
        "relu_init = lambda m: init(m, nn.init.orthogonal_, lambda x: nn.init.constant_(x, 0), math.sqrt(2))\n"
        "critic = nn.Sequential(relu_init(nn.Linear(4, 8)), nn.ReLU(), relu_init(nn.Linear(8, 1)))\n",
        # the sqrt(2) gain serves only the ReLU branch; the Tanh branch is built after the helper
        # is rebound to gain 5/3
        "import numpy as np\nimport torch.nn as nn\n"
        "def layer_init(layer, std=np.sqrt(2), bias_const=0.0):\n"
        "    nn.init.orthogonal_(layer.weight, std)\n"
        "    nn.init.constant_(layer.bias, bias_const)\n"
        "    return layer\n"
        "class Agent(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        init_ = lambda m: layer_init(m)\n"
        "        self.critic = nn.Sequential(init_(nn.Linear(4, 64)), nn.ReLU(), init_(nn.Linear(64, 1)))\n"
        "        init_ = lambda m: layer_init(m, std=5 / 3)\n"
        "        self.actor = nn.Sequential(init_(nn.Linear(4, 64)), nn.Tanh(), init_(nn.Linear(64, 2)))\n",
        # LeCun normal before SELU through a helper: kaiming_normal_ with nonlinearity='linear'
        "import torch.nn as nn\n"
        "def lecun(m, nonlinearity='linear'):\n"
        "    nn.init.kaiming_normal_(m.weight, nonlinearity=nonlinearity)\n"
        "    return m\n"
        "net = nn.Sequential(lecun(nn.Linear(8, 8)), nn.SELU(), lecun(nn.Linear(8, 8)), nn.SELU())\n",
        # the helper initialises only under a condition, and a norm sits between layer and tanh:
        # the gain reaching the activation is not known
        "import numpy as np\nimport torch.nn as nn\n"
        "def maybe_init(m, gain=np.sqrt(2), ortho=True):\n"
        "    if ortho:\n"
        "        nn.init.orthogonal_(m.weight, gain=gain)\n"
        "    return m\n"
        "def init(m, gain=np.sqrt(2)):\n"
        "    nn.init.orthogonal_(m.weight, gain=gain)\n"
        "    return m\n"
        "a = nn.Sequential(maybe_init(nn.Linear(4, 4)), nn.Tanh())\n"
        "b = nn.Sequential(init(nn.Conv2d(4, 4, 3)), nn.BatchNorm2d(4), nn.Tanh())\n",
        # Per layer, in forward(): the sqrt(2) layer feeds ReLU; the one with Tanh gets tanh's gain
        "import math\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc1 = nn.Linear(4, 8)\n"
        "        self.fc2 = nn.Linear(8, 8)\n"
        "        self.act = nn.Tanh()\n"
        "        nn.init.orthogonal_(self.fc1.weight, gain=math.sqrt(2))\n"
        "        nn.init.xavier_uniform_(self.fc2.weight, gain=nn.init.calculate_gain('tanh'))\n"
        "    def forward(self, x):\n"
        "        return self.act(self.fc2(F.relu(self.fc1(x))))\n",
        # the layer feeds Tanh only in another branch, ReLU in this one: mixed, not judged
        "import numpy as np\nimport torch\nimport torch.nn as nn\n"
        "class Net(nn.Module):\n"
        "    def __init__(self, bounded):\n"
        "        super().__init__()\n"
        "        self.bounded = bounded\n"
        "        self.fc = nn.Linear(4, 8)\n"
        "        nn.init.orthogonal_(self.fc.weight, gain=np.sqrt(2))\n"
        "    def forward(self, x):\n"
        "        if self.bounded:\n"
        "            return torch.tanh(self.fc(x))\n"
        "        return torch.relu(self.fc(x))\n",
        # SELU after a layer with LeCun's gain 1
        "import torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(4, 8)\n"
        "        nn.init.kaiming_normal_(self.fc.weight, nonlinearity='linear')\n"
        "    def forward(self, x):\n"
        "        return F.selu(self.fc(x))\n",
        # the helper is chosen in a branch, and another rescales the weight after initialising it:
        # the gain that reaches the layer is not known
        "import numpy as np\nimport torch.nn as nn\n"
        "def init(m, gain=1):\n"
        "    nn.init.orthogonal_(m.weight, gain=gain)\n"
        "    return m\n"
        "def scaled(m, gain=np.sqrt(2)):\n"
        "    nn.init.orthogonal_(m.weight, gain=gain)\n"
        "    m.weight.data *= 0.5\n"
        "    return m\n"
        "def build(bounded):\n"
        "    if bounded:\n"
        "        init_ = lambda m: init(m, 5 / 3)\n"
        "    else:\n"
        "        init_ = lambda m: init(m, np.sqrt(2))\n"
        "    return nn.Sequential(init_(nn.Linear(4, 8)), nn.Tanh(), scaled(nn.Linear(8, 8)), nn.Tanh())\n",
        # (seventh audit, BI) an embedding table at the input is no layer the SELUs follow: He
        # initialisation of its weight is not judged against them; the Linear layers get LeCun's
        "import torch.nn as nn\n"
        "class SNN(nn.Module):\n"
        "    def __init__(self, n_categories, d_in, d_hidden):\n"
        "        super().__init__()\n"
        "        self.category_embeddings = nn.Embedding(n_categories, 8)\n"
        "        nn.init.kaiming_normal_(self.category_embeddings.weight)\n"
        "        self.layers = nn.ModuleList([nn.Linear(d_in + 8, d_hidden), nn.Linear(d_hidden, d_hidden)])\n"
        "        self.activation = nn.SELU()\n"
        "        for m in self.layers:\n"
        "            nn.init.kaiming_normal_(m.weight, mode='fan_in', nonlinearity='linear')\n",
        # (seventh audit, BI) ``a=math.sqrt(5)``: torch's own default initialisation of a Linear
        # (leaky_relu's gain with slope sqrt(5), sqrt(1/3)) re-applied in reset_parameters, not He's
        "import math\nimport torch.nn as nn\n"
        "class Block(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(16, 16)\n"
        "        self.act = nn.SELU()\n"
        "        nn.init.kaiming_uniform_(self.fc.weight, a=math.sqrt(5))\n"
        "    def forward(self, x):\n"
        "        return self.act(self.fc(x))\n",
        # SELU after a layer whose weight an initialisation reaches: LeCun over the modules, an
        # apply(), a direct normal_ with std 1/sqrt(fan_in)
        "import torch.nn as nn\nnet = nn.Sequential(nn.Linear(8, 64), nn.SELU(), nn.Linear(64, 1))\n"
        "for m in net.modules():\n    if isinstance(m, nn.Linear):\n"
        "        nn.init.kaiming_normal_(m.weight, nonlinearity='linear')\n",
        "import torch.nn as nn\nnet = nn.Sequential(nn.Linear(8, 64), nn.SELU(), nn.Linear(64, 1))\n"
        "net.apply(init_weights)\n",
        "import math\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(8, 8)\n        nn.init.normal_(self.fc.weight, std=1 / math.sqrt(8))\n"
        "    def forward(self, x):\n        return F.selu(self.fc(x))\n",
        # a norm between the layer and SELU normalises whatever the initialisation gives
        "import torch.nn as nn\nnet = nn.Sequential(nn.Linear(8, 64), nn.BatchNorm1d(64), nn.SELU())\n",
        # a layer that feeds SELU in one call and ReLU in another
        "import torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(8, 8)\n"
        "    def forward(self, x, y):\n        return F.selu(self.fc(x)) + F.relu(self.fc(y))\n",
        # a plain module's add_module order is not its forward's order
        "import torch.nn as nn\n"
        "class Unit(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.add_module('fc', nn.Linear(8, 8))\n        self.add_module('act', nn.SELU())\n"
        "    def forward(self, x):\n        return self.fc(self.act(x))\n",
        # a unit that picks LeCun's initialisation when its activation is SELU (VulcanAI's fix)
        "import torch.nn as nn\n"
        "def selu_init_(w):\n    nn.init.normal_(w, 0, (1 / w.size(1)) ** 0.5)\n"
        "class Unit(nn.Sequential):\n"
        "    def __init__(self, n_in, n_out, weight_init=None, activation=None):\n        super().__init__()\n"
        "        self.weight_init = weight_init\n        self._kernel = nn.Linear(n_in, n_out)\n"
        "        self.add_module('_kernel', self._kernel)\n"
        "        if activation is not None:\n            self.add_module('_activation', activation)\n"
        "            if isinstance(activation, nn.SELU):\n                self.weight_init = selu_init_\n"
        "        if self.weight_init:\n            self.weight_init(self._kernel.weight)\n",
        # an initialiser whose default is not None
        "import torch.nn as nn\n"
        "class Unit(nn.Sequential):\n"
        "    def __init__(self, n_in, n_out, weight_init=nn.init.xavier_normal_, activation=None):\n"
        "        super().__init__()\n        self.weight_init = weight_init\n"
        "        self._kernel = nn.Linear(n_in, n_out)\n        self.add_module('_kernel', self._kernel)\n"
        "        if self.weight_init:\n            self.weight_init(self._kernel.weight)\n"
        "        if activation is not None:\n            self.add_module('_activation', activation)\n"
        "            if isinstance(activation, nn.SELU):\n                self.add_module('_drop', nn.AlphaDropout(0.1))\n",
        # A file of helpers: the only sigmoid is inside a loss on the logits it is handed, not
        # after a layer the Kaiming initialiser serves (audit 10, CE).
        "import torch\n"
        "import torch.nn as nn\n"
        "def sigmoid_loss(logits, labels):\n"
        "    one_hot = torch.zeros_like(logits).scatter_(1, labels.view(-1, 1), 1)\n"
        "    error = torch.abs(one_hot - torch.sigmoid(logits))\n"
        "    return nn.BCELoss()(error, torch.zeros_like(error))\n"
        "def weights_init_kaiming(m):\n"
        "    if m.__class__.__name__.find('Linear') != -1:\n"
        "        nn.init.kaiming_normal_(m.weight, a=0, mode='fan_out')\n",
    ]
    INVALID = [
        # Twin of ``a=math.sqrt(5)``: a leaky slope of 0.2 keeps ReLU's gain (sqrt(2 / 1.04)),
        # wrong before tanh
        "import torch.nn as nn\n"
        "class Block(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(16, 16)\n"
        "        self.act = nn.Tanh()\n"
        "        nn.init.kaiming_uniform_(self.fc.weight, a=0.2)  # expect: DL503\n"
        "    def forward(self, x):\n"
        "        return self.act(self.fc(x))\n",
        # Twin of the embedding: He initialisation of the Linear layer that feeds the SELUs is
        # reported; the embedding table's is not
        "import torch.nn as nn\n"
        "class SNN(nn.Module):\n"
        "    def __init__(self, n_categories, d_in, d_hidden):\n"
        "        super().__init__()\n"
        "        self.category_embeddings = nn.Embedding(n_categories, 8)\n"
        "        nn.init.kaiming_normal_(self.category_embeddings.weight)\n"
        "        self.first = nn.Linear(d_in + 8, d_hidden)\n"
        "        nn.init.kaiming_normal_(self.first.weight)  # expect: DL503\n"
        "        self.activation = nn.SELU()\n",
        # Twin of DM: both classes the variable may hold feed tanh, and so does the output; a
        # helper function (a name never bound to a class) builds no wrapped module.
        "import torch\nfrom torch import nn\n"
        "class TanhA(nn.Module):\n"
        "    def __init__(self, c, n):\n"
        "        super().__init__()\n"
        "        self.conv = nn.Sequential(nn.Conv1d(c, n, 3, padding=1), nn.Tanh())\n"
        "class TanhB(nn.Module):\n"
        "    def __init__(self, c, n):\n"
        "        super().__init__()\n"
        "        self.conv = nn.Sequential(nn.Conv1d(c, n, 5, padding=2), nn.Tanh())\n"
        "def make_head(n):\n"
        "    return [n]\n"
        "class Spectrogram(nn.Module):\n"
        "    def __init__(self, c=3, n=32, wide=False):\n"
        "        super().__init__()\n"
        "        block = TanhB if wide else TanhA\n"
        "        self.spec = nn.Sequential(block(c, n), block(n, n))\n"
        "        self.sizes = make_head(n)\n"
        "        for m in self.modules():\n"
        "            if isinstance(m, nn.Conv1d):\n"
        "                nn.init.kaiming_normal_(m.weight)  # expect: DL503\n"
        "    def forward(self, x):\n"
        "        return torch.tanh(self.spec(x))\n",
        # Twin of the wrapper: the wrapped body feeds sigmoids too, and the wrapper's own layer
        # before its sigmoid is initialised for ReLU.
        "from torch import nn\n"
        "class Body(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.layers = nn.Sequential(nn.Conv2d(1, 8, 3), nn.Sigmoid(), nn.Conv2d(8, 1, 1))\n"
        "    def forward(self, x):\n"
        "        return self.layers(x)\n"
        "class Wrapper(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.body = Body()\n"
        "        self.head = nn.Conv2d(1, 1, 1)\n"
        "        self.final = nn.Sigmoid()\n"
        "        nn.init.kaiming_normal_(self.head.weight, nonlinearity='relu')  # expect: DL503\n"
        "        for m in self.modules():\n"
        "            if isinstance(m, nn.Conv2d):\n"
        "                nn.init.kaiming_normal_(m.weight, nonlinearity='relu')  # expect: DL503\n"
        "    def forward(self, x):\n"
        "        return self.final(self.head(self.body(x)))\n",
        # the activation applies its gain and the initialisation applies ReLU's again
        "import torch\nimport torch.nn as nn\n"
        "GAIN = 1.7139588594436646\n"
        "class Block(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(8, 8)\n"
        "        nn.init.kaiming_normal_(self.fc.weight, nonlinearity='relu')  # expect: DL503\n"
        "    def forward(self, x):\n"
        "        return GAIN * torch.relu(self.fc(x))\n",
        # a mask is not a gain: this is a plain ReLU, and 'linear' loses its factor 2
        "import torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Gated(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(8, 8)\n"
        "        nn.init.kaiming_normal_(self.fc.weight, nonlinearity='linear')  # expect: DL503\n"
        "    def forward(self, x, mask):\n"
        "        return F.relu(self.fc(x)) * mask\n",
        # plain tanh with a scaled-looking name elsewhere in the file: still tanh
        "import torch.nn as nn\n"
        "scale = 2.0\n"
        "model = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 4), nn.Tanh())\n"
        "nn.init.kaiming_normal_(model[0].weight, nonlinearity='linear')  # expect: DL503\n",
        "import torch.nn as nn\n"
        "model = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1), nn.Tanh())\n"
        "for m in model.modules():\n"
        "    if isinstance(m, nn.Linear):\n"
        "        nn.init.kaiming_normal_(m.weight)  # expect: DL503\n",
        "import torch\nimport torch.nn as nn\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc1 = nn.Linear(4, 4)\n"
        "        self.fc2 = nn.Linear(4, 4)\n"
        "        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity='relu')  # expect: DL503\n"
        "    def forward(self, x):\n"
        "        return torch.tanh(self.fc2(torch.tanh(self.fc1(x))))\n",
        "import torch.nn as nn\n"
        "model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU())\n"
        "nn.init.kaiming_normal_(model[0].weight, nonlinearity='tanh')  # expect: DL503\n",
        "import torch.nn as nn\n"
        "model = nn.Sequential(nn.Linear(4, 4), nn.ReLU())\n"
        "nn.init.kaiming_normal_(model[0].weight, nonlinearity='linear')  # expect: DL503\n",
        "import torch.nn as nn\n"
        "net = nn.Sequential(nn.Linear(8, 8), nn.SELU(), nn.Linear(8, 8), nn.SELU())\n"
        "def init(m):\n"
        "    if isinstance(m, nn.Linear):\n"
        "        nn.init.kaiming_normal_(m.weight, nonlinearity='relu')  # expect: DL503\n"
        "net.apply(init)\n",
        "from torch import nn\n"
        "layers = [nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),\n"
        "          nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),\n"
        "          nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)]\n"
        "model = nn.Sequential(*layers)\n"
        "for m in model.modules():\n"
        "    if isinstance(m, nn.Linear):\n"
        "        nn.init.xavier_normal_(m.weight)  # expect: DL503\n",
        "import torch.nn as nn\nimport torch.nn.functional as F\n"
        "class RNNCell(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.w = nn.Linear(16, 16)\n"
        "        nn.init.kaiming_uniform_(self.w.weight, a=0)  # expect: DL503\n"
        "    def forward(self, h):\n"
        "        return F.tanh(self.w(h))\n",
        "import torch.nn as nn\n"
        "class Decoder(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.net = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid())\n"
        "        self.reset_parameters()\n"
        "    def reset_parameters(self):\n"
        "        nn.init.kaiming_normal_(self.net[0].weight)  # expect: DL503\n",
        # Per layer (issue 14, a2c-ppo-acktr MLPBase): the lambda passes the ReLU gain to the
        # helper's orthogonal_, and every layer it initialises is followed by Tanh
        "import numpy as np\nimport torch.nn as nn\n"
        "def init(module, weight_init, bias_init, gain=1):\n"
        "    weight_init(module.weight.data, gain=gain)\n"
        "    bias_init(module.bias.data)\n"
        "    return module\n"
        "class MLPBase(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        init_ = lambda m: init(m, nn.init.orthogonal_, lambda x: nn.init.constant_(x, 0),\n"
        "                               np.sqrt(2))  # expect: DL503\n"
        "        self.actor = nn.Sequential(init_(nn.Linear(4, 8)), nn.Tanh(), init_(nn.Linear(8, 8)), nn.Tanh())\n"
        "        self.critic_linear = init_(nn.Linear(8, 1))\n",
        # the gain is the helper's default, written in its signature
        "import numpy as np\nimport torch.nn as nn\n"
        "def layer_init(layer, std=np.sqrt(2), bias_const=0.0):  # expect: DL503\n"
        "    nn.init.orthogonal_(layer.weight, std)\n"
        "    nn.init.constant_(layer.bias, bias_const)\n"
        "    return layer\n"
        "actor = nn.Sequential(layer_init(nn.Linear(4, 64)), nn.Tanh(), layer_init(nn.Linear(64, 2), std=0.01))\n",
        # tanh's gain before ReLU, through calculate_gain
        "import torch.nn as nn\n"
        "def init(m, gain):\n"
        "    nn.init.xavier_uniform_(m.weight, gain=gain)\n"
        "    return m\n"
        "net = nn.Sequential(init(nn.Linear(4, 8), nn.init.calculate_gain('tanh')),  # expect: DL503\n"
        "                    nn.ReLU(), nn.Linear(8, 2))\n",
        # ReLU's nonlinearity through a kaiming helper, before SELU (which wants LeCun, gain 1)
        "import torch.nn as nn\n"
        "def he(m, nonlinearity='relu'):  # expect: DL503\n"
        "    nn.init.kaiming_normal_(m.weight, nonlinearity=nonlinearity)\n"
        "    return m\n"
        "net = nn.Sequential(he(nn.Linear(8, 8)), nn.SELU(), he(nn.Linear(8, 8)), nn.SELU())\n",
        # Per layer, in forward(): a ReLU gain for the layer whose every call feeds self.act = Tanh
        "import numpy as np\nimport torch.nn as nn\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(4, 8)\n"
        "        self.out = nn.Linear(8, 1)\n"
        "        self.act = nn.Tanh()\n"
        "        nn.init.orthogonal_(self.fc.weight, gain=np.sqrt(2))  # expect: DL503\n"
        "        nn.init.orthogonal_(self.out.weight, gain=1.0)\n"
        "    def forward(self, x):\n"
        "        return self.out(self.act(self.fc(x)))\n",
        # a helper-initialised layer kept in self.fc, applied under torch.tanh
        "import torch\nimport torch.nn as nn\n"
        "def init(m, gain=nn.init.calculate_gain('relu')):  # expect: DL503\n"
        "    nn.init.xavier_normal_(m.weight, gain=gain)\n"
        "    return m\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = init(nn.Linear(4, 8))\n"
        "    def forward(self, x):\n"
        "        return torch.tanh(self.fc(x))\n",
        # SELU after layers that keep PyTorch's default initialisation (variance 1/(3 fan_in)):
        # in an nn.Sequential, under F.selu in forward(), through self.act = nn.SELU()
        "import torch.nn as nn\n"
        "net = nn.Sequential(nn.Linear(8, 64),  # expect: DL503\n"
        "                    nn.SELU(),\n"
        "                    nn.Linear(64, 64),  # expect: DL503\n"
        "                    nn.SELU(), nn.Linear(64, 1))\n",
        "import torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(8, 8)  # expect: DL503\n        self.out = nn.Linear(8, 1)\n"
        "    def forward(self, x):\n        return self.out(F.selu(self.fc(x)))\n",
        "import torch.nn as nn\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.conv = nn.Conv2d(3, 8, 3)  # expect: DL503\n        self.act = nn.SELU()\n"
        "        nn.init.constant_(self.conv.bias, 0)\n"
        "    def forward(self, x):\n        return self.act(self.conv(x))\n",
        # VulcanAI's DenseUnit (issue Aifred-Health/VulcanAI#85): an nn.Sequential unit that tests
        # for SELU (to pick AlphaDropout) but keeps the default initialisation, the caller's
        # initializer being None by default
        "import torch.nn as nn\n"
        "class Base(nn.Sequential):\n"
        "    def __init__(self, initializer=None):\n        super().__init__()\n"
        "        self.initializer = initializer\n"
        "    def _init_weights(self):\n        if self.initializer:\n"
        "            self.initializer(self._kernel.weight)\n"
        "class Dense(Base):\n"
        "    def __init__(self, n_in, n_out, initializer=None, norm=None, activation=None, dropout=None):\n"
        "        super().__init__(initializer)\n"
        "        self._kernel = nn.Linear(n_in, n_out)\n"
        "        self.add_module('_kernel', self._kernel)  # expect: DL503\n"
        "        self._init_weights()\n"
        "        if norm is not None:\n            self.add_module('_norm', nn.BatchNorm1d(n_out))\n"
        "        if activation is not None:\n            self.add_module('_activation', activation)\n"
        "        if dropout is not None:\n"
        "            if isinstance(activation, nn.SELU):\n"
        "                self.add_module('_dropout', nn.AlphaDropout(dropout))\n",
        # Twin of the loss helper: a function that builds the model with its sigmoids.
        "import torch.nn as nn\n"
        "def build():\n"
        "    return nn.Sequential(nn.Linear(8, 8), nn.Sigmoid(), nn.Linear(8, 1), nn.Sigmoid())\n"
        "def weights_init(m):\n"
        "    if isinstance(m, nn.Linear):\n"
        "        nn.init.kaiming_normal_(m.weight)  # expect: DL503\n",
        # Twin of the loss helper: a functional model whose product feeds the tanh.
        "import torch\n"
        "import torch.nn as nn\n"
        "w1 = torch.empty(8, 8)\n"
        "nn.init.kaiming_normal_(w1)  # expect: DL503\n"
        "def mlp(x, w2):\n"
        "    return torch.tanh(x @ w1) @ w2\n",
    ]

    def check(self, ctx) -> None:
        if not ctx.imports.uses("torch"):
            return
        for selu in default_init_selu(ctx):
            when = "" if selu.expected is None else \
                f" (when the activation is nn.SELU, which line {ctx.position(selu.expected).start.line} tests for)"
            ctx.report(selu.node, "this layer keeps PyTorch's default initialisation (kaiming_uniform_ with "
                                   f"a=sqrt(5): variance 1/(3 fan_in)) and SELU follows it{when}: SELU "
                                   "self-normalises only from LeCun's variance 1/fan_in, with a third of it the "
                                   "activations shrink layer by layer. Initialise the weight with "
                                   "nn.init.kaiming_normal_(w, nonlinearity='linear') (normal, std 1/sqrt(fan_in))")
        inits = []
        in_sequence: list = []
        kept: list = []
        for call in ctx.index.of_type(cst.Call):
            qualified = ctx.imports.qualify(call.func)
            layer_site(ctx, call, qualified, in_sequence, kept)
            if qualified in _KAIMING or qualified in _XAVIER:
                inits.append((call, qualified))
        judged = self._check_layers(ctx, in_sequence, kept)
        # reported per layer; or the weight of a module no activation follows (an embedding table)
        inits = [(call, qualified) for call, qualified in inits if call not in judged
                 and initialised_module(ctx, call) in FEEDS_ACTIVATION | {None}]
        if not inits:
            return
        scopes: dict[tuple[cst.CSTNode, bool], tuple[set[str], int]] = {}
        for call, qualified in inits:
            scope = ctx.index.enclosing(call, cst.ClassDef) or ctx.module
            # ``for m in self.modules()`` / ``self.apply(init)`` also reaches the layers of the
            # modules the class wraps: their activations count (a wrapped class of another
            # module, unknown here, makes them unknown)
            key = (scope, isinstance(scope, cst.ClassDef) and _reaches_submodules(ctx, scope, call))
            if key not in scopes:
                scopes[key] = self._activations(ctx, scope)
                if key[1]:
                    scopes[key][0].update(_wrapped_families(ctx, scope, 0))
            families, layers = scopes[key]
            if len(families) != 1:
                continue
            used = next(iter(families))
            message = self._mismatch(ctx, call, qualified, used, layers)
            if message:
                ctx.report(call, message)

    def _check_layers(self, ctx, in_sequence: list, kept: list) -> set[cst.Call]:
        """Per layer: the gain an initialisation gives a layer against the activation that follows
        it: the next module of its ``nn.Sequential`` (``init_(nn.Linear(...)), nn.Tanh()`` with
        ``init_`` applying ``orthogonal_(w, gain=np.sqrt(2))``), or, for a layer the class keeps in
        ``self.fc``, the activation every ``self.fc(...)`` feeds (``torch.tanh(self.fc(x))``).
        Reported once where the gain is written (at the helper call when it is a default of
        another module). Returns the direct initialisation calls reported here."""
        found: dict[cst.CSTNode, list[tuple[str, str, cst.Call]]] = {}
        judged: set[cst.Call] = set()
        sites = [(call, applied_gain(ctx, call), used) for call, used in in_sequence]
        cache: dict = {}
        for call, gain, klass, attribute in kept:
            used = attribute_activation(ctx, klass, attribute, cache) if gain is not None else None
            if used is not None:
                sites.append((call, gain, used))
        for call, gain, used in sites:
            if gain is None or gain.family == _LINEAR or gain.family == used:
                continue  # gain 1 fits tanh and sigmoid (Glorot), and SELU (LeCun); before ReLU it
                # only matters in a deep stack, which the scope check judges
            node = gain.node if gain.ctx is ctx else call
            found.setdefault(node, []).append((gain.family, used, call))
            judged.add(call)
        for node, uses in sorted(found.items(), key=lambda item: ctx.index.order[item[0]]):
            declared = uses[0][0]
            families = sorted({u for _, u, _ in uses})
            named = [f if f != _LINEAR else "gain-carrying (scaled)" for f in families]
            lines = sorted({ctx.position(c).start.line for _, _, c in uses} - {ctx.position(node).start.line})
            where = f" (line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))})" if lines else ""
            ctx.report(node, f"initialisation gain {_GAIN_TEXT[declared]} for a layer followed by "
                             f"{' and '.join(named)} activations{where}: the activation variance will grow or shrink "
                             f"layer by layer. Use {' / '.join(_LAYER_ADVICE[f] for f in families)}")
        return judged

    @staticmethod
    def _activations(ctx, scope: cst.CSTNode) -> tuple[set[str], int]:
        """The activation families used in ``scope`` and the depth of its deepest stack.

        A stack is one model: the layers of a class, or at module level the layers built in one
        statement (one ``nn.Sequential(...)`` or one list of layers); counting every layer of a
        file would add up unrelated models (a notebook defines many). A class also uses the
        activations held by the module-level names it reads (a table of activation functions).
        An activation multiplied by a constant gain is in the family ``linear``.
        """
        families: set[str] = set()
        layers_by_statement: dict[cst.CSTNode, int] = {}
        scaled = ctx.analysis(ScaledActivations)
        shared = _module_values_read(ctx, scope) if scope is not ctx.module else set()

        handed: dict[cst.FunctionDef, bool] = {}

        def in_scope(node: cst.CSTNode) -> bool:
            if scope is ctx.module:
                function = ctx.index.function_of(node)
                while function is not None and not isinstance(ctx.index.parent(function), cst.Module):
                    function = ctx.index.function_of(function)
                if function is None:
                    return True
                if function not in handed:
                    handed[function] = _on_handed_values(ctx, function)
                return not handed[function]
            if ctx.index.enclosing(node, cst.ClassDef) is scope:
                return True
            return bool(shared) and any(a in shared for a in ctx.index.ancestors(node))

        for product in scaled.products:
            if in_scope(product):
                families.add(_LINEAR)
        for node in ctx.index.of_type(cst.Call, cst.Attribute):
            if node in scaled.inner or not in_scope(node):
                continue
            if isinstance(node, cst.Attribute) and isinstance(ctx.index.parent(node), cst.Call) and \
                    ctx.index.parent(node).func is node:  # counted as the call
                continue
            target = node.func if isinstance(node, cst.Call) else node
            qualified = ctx.imports.qualify(target)
            if qualified in _ACTIVATIONS:
                if isinstance(node, cst.Attribute) and \
                        any(a in scaled.inner for a in ctx.index.ancestors(node)):
                    continue
                families.add(_ACTIVATIONS[qualified])
            elif isinstance(node, cst.Call) and qualified in _LAYERS:
                if ctx.index.enclosing(node, cst.ClassDef) is not scope and scope is not ctx.module:
                    continue  # a layer of a shared table is not a layer of this model's stack
                stack = scope if scope is not ctx.module else _top_statement(ctx, node)
                layers_by_statement[stack] = layers_by_statement.get(stack, 0) + 1
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and qualified is None \
                    and node.func.attr.value in ("relu", "tanh", "sigmoid") and not node.args:
                families.add({"relu": _RELU, "tanh": _TANH, "sigmoid": _SIGMOID}[node.func.attr.value])
        return families, max(layers_by_statement.values(), default=0)

    @staticmethod
    def _mismatch(ctx, call: cst.Call, qualified: str, used: str, layers: int) -> str | None:
        if qualified in _KAIMING:
            written = argument(call, 3, "nonlinearity")
            declared_text = string(written)
            if written is not None and declared_text is None:
                return None  # a variable (a helper's parameter): judged per layer, if at all
            if written is None and slope_set(ctx, call):
                return None  # leaky_relu's gain with slope ``a`` (``a=sqrt(5)``: torch's default init)
            declared = _NONLINEARITY.get(declared_text or "leaky_relu")
            if declared is None or declared in _FITS.get(used, {used}):
                return None
            return (f"He/Kaiming initialisation with the gain of {declared_text or 'leaky_relu (default)'}"
                    f", but the layers here feed {used} activations: the activation variance will "
                    f"grow or shrink layer by layer. Use {_ADVICE[used]}")
        if argument(call, 1, "gain") is not None or used == _LINEAR:
            return None
        if used == _RELU and layers >= _DEEP:
            return (f"Glorot/Xavier initialisation before ReLU in a stack of {layers} layers: ReLU "
                    "halves the variance at every layer, so the signal shrinks exponentially. Use "
                    "He/Kaiming (nonlinearity='relu') or gain=calculate_gain('relu')")
        return None
