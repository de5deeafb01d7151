"""DL505: an output activation applied before a loss that applies it itself.

``CrossEntropyLoss``/``F.cross_entropy`` take raw logits and apply ``log_softmax`` inside. Given
softmax probabilities, the loss applies a second softmax: the outputs are squashed into [0, 1],
the loss can no longer approach zero and its gradients shrink, so training slows or stalls without
any error. ``BCEWithLogitsLoss`` likewise applies the sigmoid itself; ``NLLLoss`` expects
log-probabilities, not probabilities. A sigmoid followed by ``BCELoss`` is correct but loses
precision for confident predictions (log of a probability rounded to 0 or 1), which the logits form
computes stably.

The activation is recognised where it is written: inline, through a name bound to it, through an
``nn.Softmax``/``nn.Sigmoid`` module, or as the last layer of a model defined in the same file.
"""
from __future__ import annotations

from typing import Literal

import libcst as cst

from dllint.analysis.bindings import Bindings
from dllint.analysis.calls import argument
from dllint.analysis.imports import dotted_name
from dllint.rule import Rule

Activation = Literal["softmax", "log_softmax", "sigmoid"]

_FUNCTIONS: dict[str, Activation] = {
    "torch.softmax": "softmax",
    "torch.nn.functional.softmax": "softmax",
    "torch.special.softmax": "softmax",
    "torch.log_softmax": "log_softmax",
    "torch.nn.functional.log_softmax": "log_softmax",
    "torch.special.log_softmax": "log_softmax",
    "torch.sigmoid": "sigmoid",
    "torch.nn.functional.sigmoid": "sigmoid",
    "torch.special.expit": "sigmoid",
}
_METHODS: dict[str, Activation] = {"softmax": "softmax", "log_softmax": "log_softmax", "sigmoid": "sigmoid"}
_MODULES: dict[str, Activation] = {
    "torch.nn.Softmax": "softmax",
    "torch.nn.LogSoftmax": "log_softmax",
    "torch.nn.Sigmoid": "sigmoid",
}
_LOSS_FUNCTIONS = {
    "torch.nn.functional.cross_entropy": "cross_entropy",
    "torch.nn.functional.nll_loss": "nll_loss",
    "torch.nn.functional.binary_cross_entropy": "binary_cross_entropy",
    "torch.nn.functional.binary_cross_entropy_with_logits": "binary_cross_entropy_with_logits",
}
_LOSS_MODULES = {
    "torch.nn.CrossEntropyLoss": "cross_entropy",
    "torch.nn.NLLLoss": "nll_loss",
    "torch.nn.BCELoss": "binary_cross_entropy",
    "torch.nn.BCEWithLogitsLoss": "binary_cross_entropy_with_logits",
}

# (loss, activation) -> (severity, message)
_FINDINGS = {
    ("cross_entropy", "softmax"): (
        "warning",
        "cross-entropy applies log_softmax itself: this input already went through softmax, so "
        "softmax is applied twice and the gradients shrink. Pass the raw logits",
    ),
    ("cross_entropy", "log_softmax"): (
        "info",
        "cross-entropy applies log_softmax itself; applying it before is redundant. Pass the raw "
        "logits, or keep log_softmax and use nll_loss",
    ),
    ("nll_loss", "softmax"): (
        "warning",
        "nll_loss expects log-probabilities but gets softmax probabilities: use log_softmax, or "
        "pass the logits to cross_entropy",
    ),
    ("binary_cross_entropy_with_logits", "sigmoid"): (
        "warning",
        "BCEWithLogitsLoss applies the sigmoid itself: this input already went through a sigmoid, "
        "so it is applied twice. Pass the raw logits",
    ),
    ("binary_cross_entropy", "sigmoid"): (
        "info",
        "sigmoid followed by binary cross-entropy loses precision for confident predictions; "
        "pass the logits to BCEWithLogitsLoss / binary_cross_entropy_with_logits, which is stable",
    ),
}

_MAX_DEPTH = 4


class ActivationBeforeLoss(Rule):
    """Softmax before cross-entropy (applied twice), softmax before NLL, sigmoid before
    BCEWithLogitsLoss (applied twice), and sigmoid + BCELoss where the logits form is stable."""

    code = "DL505"
    name = "activation-before-loss"
    summary = "softmax/sigmoid applied before a loss that expects logits (or log-probabilities)."
    severity = "warning"

    VALID = [
        "import torch.nn.functional as F\nloss = F.cross_entropy(logits, y)\n",
        "import torch.nn as nn\ncriterion = nn.CrossEntropyLoss()\nloss = criterion(model(x), y)\n",
        # log_softmax with NLL is the intended pairing
        "import torch.nn.functional as F\nloss = F.nll_loss(F.log_softmax(logits, dim=1), y)\n",
        "import torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Net(nn.Module):\n"
        "    def forward(self, x):\n"
        "        return F.log_softmax(self.fc(x), dim=1)\n"
        "model = Net()\n"
        "loss = F.nll_loss(model(x), y)\n",
        # softmax only for reporting probabilities; the loss gets logits
        "import torch\nimport torch.nn.functional as F\n"
        "logits = model(x)\nprobs = torch.softmax(logits, dim=-1)\nloss = F.cross_entropy(logits, y)\n",
        "import torch.nn as nn\ncriterion = nn.BCEWithLogitsLoss()\nloss = criterion(model(x), y.float())\n",
        # the name is rebound to logits before the loss
        "import torch\nimport torch.nn.functional as F\n"
        "out = torch.softmax(h, 1)\nlog(out)\nout = head(h)\nloss = F.cross_entropy(out, y)\n",
        # a Sequential without a final activation
        "import torch.nn as nn\n"
        "model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))\n"
        "criterion = nn.CrossEntropyLoss()\nloss = criterion(model(x), y)\n",
        # not torch: a project's own cross_entropy
        "from mylib import cross_entropy, softmax\nloss = cross_entropy(softmax(z), y)\n",
        # softmax over attention scores, the loss on the logits of the head
        "import torch\nimport torch.nn.functional as F\n"
        "attn = torch.softmax(q @ k.transpose(-2, -1), dim=-1)\n"
        "logits = head(attn @ v)\nloss = F.cross_entropy(logits, y)\n",
    ]
    INVALID = [
        "import torch.nn.functional as F\n"
        "loss = F.cross_entropy(F.softmax(logits, dim=1), y)  # expect: DL505\n",
        "import torch\nimport torch.nn as nn\n"
        "criterion = nn.CrossEntropyLoss()\n"
        "probs = torch.softmax(model(x), dim=1)\n"
        "loss = criterion(probs, y)  # expect: DL505\n",
        "import torch.nn as nn\n"
        "model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Softmax(dim=1))\n"
        "criterion = nn.CrossEntropyLoss()\n"
        "loss = criterion(model(x), y)  # expect: DL505\n",
        "import torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Net(nn.Module):\n"
        "    def forward(self, x):\n"
        "        x = self.fc2(F.relu(self.fc1(x)))\n"
        "        return F.softmax(x, dim=1)\n"
        "net = Net()\n"
        "loss = F.cross_entropy(net(inputs), labels)  # expect: DL505\n",
        "import torch.nn.functional as F\n"
        "loss = F.nll_loss(logits.softmax(dim=-1), y)  # expect: DL505\n",
        "import torch\nimport torch.nn as nn\n"
        "loss_fn = nn.BCEWithLogitsLoss()\n"
        "loss = loss_fn(torch.sigmoid(model(x)), y)  # expect: DL505\n",
        "import torch\nimport torch.nn as nn\n"
        "criterion = nn.BCELoss()\n"
        "pred = torch.sigmoid(model(x))\n"
        "loss = criterion(pred, y)  # expect: DL505\n",
        "import torch.nn as nn\n"
        "class Trainer:\n"
        "    def __init__(self, model):\n"
        "        self.model = model\n"
        "        self.criterion = nn.CrossEntropyLoss()\n"
        "        self.softmax = nn.Softmax(dim=1)\n"
        "    def step(self, x, y):\n"
        "        return self.criterion(self.softmax(self.model(x)), y)  # expect: DL505\n",
        "import torch.nn.functional as F\n"
        "def train_step(model, x, y):\n"
        "    out = model(x).log_softmax(-1)\n"
        "    return F.cross_entropy(out, y)  # expect: DL505\n",
        "import torch.nn as nn\nimport torch.nn.functional as F\n"
        "model = nn.Sequential(nn.Linear(10, 1), nn.Sigmoid())\n"
        "loss = F.binary_cross_entropy_with_logits(model(x), y)  # expect: DL505\n",
    ]

    def check(self, ctx) -> None:
        if not ctx.imports.uses("torch"):
            return
        bindings = ctx.analysis(Bindings)
        for call in ctx.index.of_type(cst.Call):
            loss = self._loss_kind(ctx, bindings, call)
            if loss is None:
                continue
            given = argument(call, 0, "input")
            if given is None:
                continue
            activation = self._activation(ctx, bindings, given, call, 0)
            finding = _FINDINGS.get((loss, activation)) if activation else None
            if finding is not None:
                severity, message = finding
                ctx.report(call, message, severity=severity)  # type: ignore[arg-type]

    def _loss_kind(self, ctx, bindings: Bindings, call: cst.Call) -> str | None:
        qualified = ctx.imports.qualify(call.func)
        if qualified in _LOSS_FUNCTIONS:
            return _LOSS_FUNCTIONS[qualified]
        constructor = self._constructor(ctx, bindings, call.func, call)
        if constructor is not None:
            return _LOSS_MODULES.get(ctx.imports.qualify(constructor.func) or "")
        return None

    @staticmethod
    def _constructor(ctx, bindings: Bindings, func: cst.BaseExpression, at: cst.CSTNode) -> cst.Call | None:
        """The constructor call a callee was made from: ``nn.X()(...)`` or ``name = nn.X()``."""
        if isinstance(func, cst.Call):
            return func
        name = dotted_name(func)
        if name is None:
            return None
        value = bindings.value_before(at, name)
        return value if isinstance(value, cst.Call) else None

    def _activation(self, ctx, bindings: Bindings, expr: cst.BaseExpression, at: cst.CSTNode,
                    depth: int) -> Activation | None:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.Call):
            qualified = ctx.imports.qualify(expr.func)
            if qualified in _FUNCTIONS:
                return _FUNCTIONS[qualified]
            if qualified is None and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in _METHODS:
                receiver = dotted_name(expr.func.value)
                # ``torch.softmax`` resolved above; ``F.softmax`` without import is unknown
                if receiver is None or ctx.imports.qualify_dotted(receiver) is None:
                    return _METHODS[expr.func.attr.value]
            return self._module_output(ctx, bindings, expr, at, depth)
        name = dotted_name(expr)
        if name is not None:
            value = bindings.value_before(at, name)
            if value is not None and value is not expr:
                return self._activation(ctx, bindings, value, at, depth + 1)
        return None

    def _module_output(self, ctx, bindings: Bindings, call: cst.Call, at: cst.CSTNode,
                       depth: int) -> Activation | None:
        """The final activation of the module being called, when its definition is in the file."""
        constructor = self._constructor(ctx, bindings, call.func, at)
        if constructor is None:
            return None
        qualified = ctx.imports.qualify(constructor.func)
        if qualified in _MODULES:
            return _MODULES[qualified]
        if qualified == "torch.nn.Sequential":
            layers = [a.value for a in constructor.args if a.keyword is None and not a.star]
            if layers and isinstance(layers[-1], cst.Call):
                return _MODULES.get(ctx.imports.qualify(layers[-1].func) or "")
            return None
        class_name = dotted_name(constructor.func)
        cls = bindings.classes.get(class_name or "")
        if cls is not None:
            return self._forward_output(ctx, bindings, cls, depth)
        return None

    def _forward_output(self, ctx, bindings: Bindings, cls: cst.ClassDef, depth: int) -> Activation | None:
        """The activation every ``return`` of ``cls.forward`` applies, if they all agree."""
        forward = next(
            (s for s in cls.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "forward"),
            None,
        )
        if forward is None:
            return None
        returns = [r for r in ctx.index.of_type(cst.Return)
                   if r.value is not None and ctx.index.function_of(r) is forward]
        found = {self._activation(ctx, bindings, r.value, r, depth + 1) for r in returns}
        if len(found) == 1:
            return found.pop()
        return None
