"""DL104: ``model.forward(x)`` called directly instead of ``model(x)``.

Why: ``nn.Module.__call__`` is more than ``forward``: it runs the forward pre-hooks and hooks and
sets up the backward hooks that tools depend on (dlcheck's checks, profilers, pruning and
quantisation observers, ``torch.utils.checkpoint`` wrappers, FSDP/DDP's bookkeeping). Calling
``forward`` skips all of them without any error, so a hook-based check silently sees nothing.

Reported only where the receiver is known to be a module: built from an ``nn`` class, from a class
in this file that subclasses ``nn.Module``, or from a known model constructor; or ``self.module``
kept from a constructor parameter that every construction of the class in the project (and of its
subclasses in the same file, through ``super().__init__``) passes a module for. ``super().forward``
and ``self.forward`` inside a module's own methods are deliberate and silent.
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.bindings import Bindings
from dllint.analysis.callers import constructor_arguments
from dllint.analysis.imports import dotted_name
from dllint.analysis.models import SELF_RETURNING
from dllint.diagnostics import Fix
from dllint.rule import Invalid, Rule

# Names under torch.nn that are not modules.
_NOT_MODULES = {"Parameter", "UninitializedParameter", "UninitializedBuffer", "Buffer"}
_MODULE_BASES = {"torch.nn.Module", "lightning.LightningModule", "pytorch_lightning.LightningModule",
                 "lightning.pytorch.LightningModule"}
_MODEL_FACTORIES = ("torchvision.models.", "timm.create_model", "torch.hub.load")


def is_module_class(ctx, bindings: Bindings, name: str, seen: frozenset[str] = frozenset()) -> bool:
    """Whether the class ``name`` (defined in this file) derives from ``nn.Module``."""
    cls = bindings.classes.get(name)
    if cls is None or name in seen:
        return False
    for base in cls.bases:
        qualified = ctx.imports.qualify(base.value)
        if qualified in _MODULE_BASES or (qualified or "").startswith("torch.nn.") and qualified.split(".")[-1] not in _NOT_MODULES:
            return True
        local = dotted_name(base.value)
        if local and is_module_class(ctx, bindings, local, seen | {name}):
            return True
    return False


def is_module_constructor(ctx, bindings: Bindings, call: cst.Call) -> bool:
    qualified = ctx.imports.qualify(call.func) or ""
    if qualified.startswith("torch.nn.") and qualified.count(".") == 2:
        last = qualified.rsplit(".", 1)[-1]
        return last[:1].isupper() and last not in _NOT_MODULES
    if qualified.startswith(_MODEL_FACTORIES):
        return True
    if qualified.startswith("transformers.") and qualified.endswith(".from_pretrained"):
        return True
    local = dotted_name(call.func)
    return bool(local) and is_module_class(ctx, bindings, local)


class DirectForwardCall(Rule):
    """``module.forward(x)`` skips the module's hooks; call ``module(x)``."""

    code = "DL104"
    name = "direct-forward-call"
    summary = "model.forward(x) called directly: hooks are skipped; call model(x)."
    severity = "warning"
    fixable = "safe"

    VALID = [
        "import torch.nn as nn\nmodel = nn.Linear(4, 2)\ny = model(x)\n",
        "import torch.nn as nn\n"
        "class Net(nn.Module):\n"
        "    def forward(self, x):\n"
        "        return super().forward(x)\n",
        "import torch.nn as nn\n"
        "class Block(nn.Linear):\n"
        "    def forward(self, x):\n"
        "        return nn.Linear.forward(self, x) * 2\n",
        # its own forward, from another method of the module: deliberate
        "import torch.nn as nn\n"
        "class Net(nn.Module):\n"
        "    def predict(self, x):\n"
        "        return self.forward(x).argmax(1)\n",
        # unknown receiver: a wrapper around whatever module it is given
        "import torch.nn as nn\n"
        "class Wrapper(nn.Module):\n"
        "    def __init__(self, module):\n"
        "        super().__init__()\n"
        "        self.module = module\n"
        "    def forward(self, *args):\n"
        "        return self.module.forward(*args)\n",
        # one construction passes a plain callable: the wrapper may hold something that is no module
        "import torch.nn as nn\n"
        "class Scale:\n"
        "    def forward(self, x):\n"
        "        return 2 * x\n"
        "class Tap(nn.Module):\n"
        "    def __init__(self, inner):\n"
        "        super().__init__()\n"
        "        self.inner = inner\n"
        "    def forward(self, x):\n"
        "        return self.inner.forward(x)\n"
        "a = Tap(nn.Linear(2, 2))\n"
        "b = Tap(Scale())\n",
        # the constructor replaces what it was given before keeping it
        "import torch.nn as nn\n"
        "class Holder(nn.Module):\n"
        "    def __init__(self, module):\n"
        "        super().__init__()\n"
        "        module = export(module)\n"
        "        self.module = module\n"
        "    def forward(self, x):\n"
        "        return self.module.forward(x)\n"
        "h = Holder(nn.Linear(2, 2))\n",
        # a subclass that passes something of its own to the base
        "import torch.nn as nn\n"
        "class Base(nn.Module):\n"
        "    def __init__(self, module):\n"
        "        super().__init__()\n"
        "        self.module = module\n"
        "    def forward(self, x):\n"
        "        return self.module.forward(x)\n"
        "class Child(Base):\n"
        "    def __init__(self, module):\n"
        "        super().__init__(Scaler(module))\n"
        "b = Base(nn.Linear(2, 2))\n"
        "c = Child(nn.Linear(2, 2))\n",
        # not torch
        "class Layer:\n    def forward(self, x):\n        return x\nlayer = Layer()\nlayer.forward(1)\n",
        "import torch\nfrom mylib import Pipeline\np = Pipeline()\np.forward(x)\n",
        # a torch.autograd.Function's forward is a static method called by apply; not a module
        "import torch\n"
        "class Square(torch.autograd.Function):\n"
        "    @staticmethod\n"
        "    def forward(ctx, x):\n"
        "        return x * x\n"
        "y = Square.forward(None, x)\n",
    ]
    INVALID = [
        # every construction passes a module: the wrapped layer's hooks are skipped
        "import torch.nn as nn\n"
        "class Sparse(nn.Module):\n"
        "    def __init__(self, module, sparsity):\n"
        "        super().__init__()\n"
        "        self.module = module\n"
        "    def forward(self, x):\n"
        "        return self.module.forward(x)  # expect: DL104\n"
        "class SparseLinear(Sparse):\n"
        "    def __init__(self, module, sparsity):\n"
        "        super(SparseLinear, self).__init__(module, sparsity)\n"
        "layer = SparseLinear(nn.Linear(784, 10), 0.4)\n"
        "conv = nn.Conv2d(1, 8, 3)\n"
        "other = Sparse(conv.cuda(), sparsity=0.5)\n",
        Invalid(
            "import torch.nn as nn\nmodel = nn.Linear(4, 2)\ny = model.forward(x)  # expect: DL104\n",
            fixed="import torch.nn as nn\nmodel = nn.Linear(4, 2)\ny = model(x)  # expect: DL104\n",
        ),
        Invalid(
            "import torch.nn as nn\n"
            "class Net(nn.Module):\n"
            "    def forward(self, x):\n"
            "        return x\n"
            "net = Net()\n"
            "out = net.forward(batch)  # expect: DL104\n",
            fixed="import torch.nn as nn\n"
            "class Net(nn.Module):\n"
            "    def forward(self, x):\n"
            "        return x\n"
            "net = Net()\n"
            "out = net(batch)  # expect: DL104\n",
        ),
        "import torch.nn as nn\n"
        "class Encoder(nn.Module):\n"
        "    pass\n"
        "class Model(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.encoder = Encoder()\n"
        "    def forward(self, x):\n"
        "        return self.encoder.forward(x)  # expect: DL104\n",
        "import torch\n"
        "model = torch.nn.Sequential(torch.nn.Linear(2, 2))\n"
        "def evaluate(x):\n"
        "    return model.forward(x)  # expect: DL104\n",
        "import torchvision\nmodel = torchvision.models.resnet18()\nlogits = model.forward(images)  # expect: DL104\n",
        "import timm\nmodel = timm.create_model('resnet50')\nout = model.forward(x)  # expect: DL104\n",
        "from transformers import AutoModel\n"
        "model = AutoModel.from_pretrained('bert-base-uncased')\n"
        "out = model.forward(**batch)  # expect: DL104\n",
        "import torch.nn as nn\n"
        "class Base(nn.Module):\n    pass\n"
        "class Child(Base):\n    pass\n"
        "m = Child()\n"
        "for x in data:\n"
        "    y = m.forward(x)  # expect: DL104\n",
        "import lightning as L\n"
        "class Lit(L.LightningModule):\n    pass\n"
        "lit = Lit()\npreds = lit.forward(x)  # expect: DL104\n",
    ]

    def check(self, ctx) -> None:
        if not ctx.imports.uses("torch", "timm", "transformers", "lightning", "pytorch_lightning", "torchvision"):
            return
        bindings = ctx.analysis(Bindings)
        for call in ctx.index.of_type(cst.Call):
            func = call.func
            if not isinstance(func, cst.Attribute) or func.attr.value != "forward":
                continue
            receiver = dotted_name(func.value)
            if receiver is None or receiver == "self":
                continue
            value = bindings.value_before(call, receiver)
            if not (isinstance(value, cst.Call) and is_module_constructor(ctx, bindings, value)
                    or self._given_a_module(ctx, bindings, receiver, value)):
                continue
            edit = ctx.replace_edit(func, func.value)
            ctx.report(
                call,
                f"`{receiver}.forward(...)` skips the module's hooks (dlcheck, profilers, "
                f"DDP/FSDP bookkeeping); call `{receiver}(...)` instead",
                fix=Fix("safe", (edit,), f"Call `{receiver}(...)`"),
            )

    @staticmethod
    def _given_a_module(ctx, bindings: Bindings, receiver: str, value: cst.BaseExpression | None) -> bool:
        """``self.module = module`` in a class's ``__init__``, where every construction of the class
        in the project (and of its subclasses, through ``super().__init__``) passes a module
        for ``module``: ``SparseWeights(nn.Linear(784, 10), 0.4)``."""
        if not receiver.startswith("self.") or not isinstance(value, cst.Name):
            return False
        init = ctx.index.function_of(value)
        klass = ctx.index.enclosing(value, cst.ClassDef)
        if init is None or klass is None or init.name.value != "__init__" \
                or ctx.index.enclosing(init, cst.ClassDef) is not klass \
                or value.value not in {p.name.value for p in init.params.params} \
                or bindings.value_before(value, value.value) is not None:
            return False  # not the parameter as the constructor got it
        passed = constructor_arguments(ctx, klass, value.value, notebooks=False)
        if not passed:
            return False
        for where, expr in passed:
            where_bindings = where.analysis(Bindings)
            for _ in range(4):  # conv = nn.Conv2d(...); Sparse(conv.cuda())
                while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) \
                        and expr.func.attr.value in SELF_RETURNING:
                    expr = expr.func.value
                if not isinstance(expr, cst.Name):
                    break
                expr = where_bindings.value_before(expr, expr.value)
            if not isinstance(expr, cst.Call) or not is_module_constructor(where, where_bindings, expr):
                return False
        return True
