"""DL505: an output activation applied before a loss that applies it itself.

``CrossEntropyLoss``/``F.cross_entropy`` take raw logits and apply ``log_softmax`` inside. Given
softmax probabilities, the loss applies a second softmax: the outputs are squashed into [0, 1],
the loss can no longer approach zero and its gradients shrink, so training slows or stalls without
any error. ``BCEWithLogitsLoss`` likewise applies the sigmoid itself; ``NLLLoss`` expects
log-probabilities, not probabilities. A sigmoid followed by ``BCELoss`` is correct but loses
precision for confident predictions (log of a probability rounded to 0 or 1), which the logits form
computes stably.

What the loss is given comes from the engine (:mod:`dllint.analysis.outputs`): an activation
written inline, through a name bound to it, through an ``nn.Softmax``/``nn.Sigmoid`` module, or
as the last step of a model (an ``nn.Sequential``, a class's ``forward``, in this file or another
module of the project). A framework that takes the model and ``criterion=`` separately (skorch's
``NeuralNet(Module, criterion=nn.CrossEntropyLoss)``) pairs them the same way.
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.bindings import Bindings
from dllint.analysis.calls import argument
from dllint.analysis.imports import dotted_name
from dllint.analysis.models import SELF_RETURNING
from dllint.analysis.name_reaching import NameReaching
from dllint.analysis.outputs import Activations
from dllint.analysis.shapes import Shapes
from dllint.rule import Rule

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

# The last part of every loss name above: a file whose text holds none of them (and that has no
# star import, whose names may stand for a loss without the word) builds no loss this rule reads
# (a loss is qualified through the file's own imports, and the constructor a loss name is bound
# to is found in the file), so the rule need not look at each of its calls.
_LOSS_WORDS = tuple(sorted({name.rsplit(".", 1)[1] for name in (*_LOSS_FUNCTIONS, *_LOSS_MODULES)}))

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



class ActivationBeforeLoss(Rule):
    """Softmax before cross-entropy (applied twice), softmax before NLL, sigmoid before
    BCEWithLogitsLoss (applied twice), and sigmoid + BCELoss where the logits form is stable."""

    code = "DL505"
    name = "activation-before-loss"
    summary = "softmax/sigmoid applied before a loss that expects logits (or log-probabilities)."
    severity = "warning"

    VALID = [
        "import torch.nn.functional as F\nloss = F.cross_entropy(logits, y)\n",
        # the loss depends on the mode: CTC gets log-probabilities, cross-entropy is not used there
        "import torch\n"
        "def train(model, loader, opt, device):\n"
        "    if 'CTC' in opt.prediction:\n"
        "        criterion = torch.nn.CTCLoss(zero_infinity=True).to(device)\n"
        "    else:\n"
        "        criterion = torch.nn.CrossEntropyLoss(ignore_index=0).to(device)\n"
        "    for image, text, sizes, lengths in loader:\n"
        "        preds = model(image).log_softmax(2).permute(1, 0, 2)\n"
        "        cost = criterion(preds, text, sizes, lengths)\n",
        # the criterion a helper is given is bound on two paths that disagree
        "import torch\n"
        "def validation(model, criterion, loader):\n"
        "    for x, y, sizes, lengths in loader:\n"
        "        cost = criterion(model(x).log_softmax(2).permute(1, 0, 2), y, sizes, lengths)\n"
        "def main(model, loader, ctc, device):\n"
        "    if ctc:\n"
        "        criterion = torch.nn.CTCLoss().to(device)\n"
        "    else:\n"
        "        criterion = torch.nn.CrossEntropyLoss().to(device)\n"
        "    validation(model, criterion, loader)\n",
        # moved to the device, given what each loss expects
        "import torch\nimport torch.nn as nn\n"
        "def train(model, loader, device):\n"
        "    criterion = nn.CrossEntropyLoss().to(device)\n"
        "    nll = nn.NLLLoss().cuda()\n"
        "    for x, y in loader:\n"
        "        logits = model(x)\n"
        "        loss = criterion(logits, y) + nll(torch.log_softmax(logits, dim=1), y)\n",
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
        # a softmax model whose loss is NLL on the log of its output: correct, if unstable
        "import torch\nimport torch.nn as nn\n"
        "model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))\n"
        "criterion = nn.NLLLoss()\n"
        "loss = criterion(torch.log(model(x)), y)\n",
        # a softmax model used only for predictions; the loss is on another head's logits
        "import torch.nn as nn\n"
        "probs = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))\n"
        "criterion = nn.CrossEntropyLoss()\n"
        "pred = probs(x).argmax(dim=1)\n"
        "loss = criterion(logits_head(x), y)\n",
        # a class whose forward returns softmax, used for accuracy only
        "import torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Net(nn.Module):\n"
        "    def forward(self, x):\n"
        "        return F.softmax(self.fc(x), dim=1)\n"
        "net = Net()\n"
        "acc = (net(x).argmax(1) == y).float().mean()\n",
        # a helper called with two different models: what it is given is not known
        "import torch.nn as nn\n"
        "def step(model, x, y):\n"
        "    return nn.CrossEntropyLoss()(model(x), y)\n"
        "step(nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1)), x, y)\n"
        "step(nn.Linear(4, 3), x, y)\n",
        # the exp of a log_softmax only feeds the metric; the loss gets log-probabilities
        "import torch\nimport torch.nn as nn\n"
        "class Head(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.log_softmax = nn.LogSoftmax(dim=1)\n"
        "    def forward(self, h):\n"
        "        return self.log_softmax(h)\n"
        "head = Head()\n"
        "logp = head(h)\nprobs = torch.exp(logp)\n"
        "loss = nn.NLLLoss()(logp, y)\n",
        # skorch with a module that returns logits
        "import torch.nn as nn\nfrom skorch import NeuralNetClassifier\n"
        "class Module(nn.Module):\n"
        "    def forward(self, x):\n"
        "        return self.out(x)\n"
        "net = NeuralNetClassifier(Module, criterion=nn.CrossEntropyLoss)\n",
        # a trainer's loss read through a local alias: the model gives logits; or the loss is
        # the __init__ parameter, which nothing here reads
        "import torch.nn as nn\n"
        "class Dual(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(4, 3)\n"
        "        self.final_layer = nn.Softmax(dim=1)\n"
        "    def forward(self, x):\n"
        "        return self.final_layer(self.fc(x))\n"
        "class Trainer:\n"
        "    def __init__(self, loss_func):\n"
        "        self.loss_func = nn.CrossEntropyLoss()\n"
        "    def step(self, model, x, y):\n"
        "        loss_func = self.loss_func\n"
        "        return loss_func(model(x), y)\n"
        "trainer = Trainer(nn.CrossEntropyLoss())\n"
        "trainer.step(nn.Linear(4, 3), x, y)\n",
        "import torch.nn as nn\n"
        "class Dual(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(4, 3)\n"
        "        self.final_layer = nn.Softmax(dim=1)\n"
        "    def forward(self, x):\n"
        "        return self.final_layer(self.fc(x))\n"
        "class Trainer:\n"
        "    def __init__(self, loss_func):\n"
        "        self.loss_func = loss_func\n"
        "    def step(self, model, x, y):\n"
        "        loss_func = self.loss_func\n"
        "        return loss_func(model(x), y)\n"
        "trainer = Trainer(nn.CrossEntropyLoss())\n"
        "trainer.step(Dual(), x, y)\n",
        # (thirteenth audit, cause DK: lossyless) the sigmoid is bound in the other branch of the
        # ``if``: what reaches the logits loss is the decoder's raw output
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Distortion(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.decoder = nn.Linear(8, 16)\n"
        "    def forward(self, z, target, colored):\n"
        "        y_hat = self.decoder(z)\n"
        "        if colored:\n"
        "            y_hat = torch.sigmoid(y_hat)\n"
        "            loss = F.mse_loss(y_hat, target, reduction='none')\n"
        "        else:\n"
        "            loss = F.binary_cross_entropy_with_logits(y_hat, target, reduction='none')\n"
        "        y_hat = torch.sigmoid(y_hat)\n"
        "        return loss.sum(1), y_hat\n",
        # the same, a script; and a parameter whose sigmoid is in the other branch
        "import torch\nimport torch.nn.functional as F\n"
        "y_hat = decoder(z)\n"
        "if colored:\n"
        "    y_hat = torch.sigmoid(y_hat)\n"
        "    loss = F.mse_loss(y_hat, target)\n"
        "else:\n"
        "    loss = F.binary_cross_entropy_with_logits(y_hat, target)\n",
        "import torch\nimport torch.nn.functional as F\n"
        "def distortion(y_hat, target, colored):\n"
        "    if colored:\n"
        "        y_hat = torch.sigmoid(y_hat)\n"
        "        return F.mse_loss(y_hat, target)\n"
        "    return F.binary_cross_entropy_with_logits(y_hat, target)\n",
    ]
    INVALID = [
        # (thirteenth audit, cause DK, the twins) the sigmoid is in the logits loss's own branch,
        # or before the ``if``, where it reaches both branches
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Distortion(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.decoder = nn.Linear(8, 16)\n"
        "    def forward(self, z, target, colored):\n"
        "        y_hat = self.decoder(z)\n"
        "        if colored:\n"
        "            loss = F.mse_loss(y_hat, target, reduction='none')\n"
        "        else:\n"
        "            y_hat = torch.sigmoid(y_hat)\n"
        "            loss = F.binary_cross_entropy_with_logits(y_hat, target, reduction='none')  # expect: DL505\n"
        "        y_hat = torch.sigmoid(y_hat)\n"
        "        return loss.sum(1), y_hat\n",
        "import torch\nimport torch.nn.functional as F\n"
        "y_hat = decoder(z)\n"
        "y_hat = torch.sigmoid(y_hat)\n"
        "if colored:\n"
        "    loss = F.mse_loss(y_hat, target)\n"
        "else:\n"
        "    loss = F.binary_cross_entropy_with_logits(y_hat, target)  # expect: DL505\n",
        "import torch\nimport torch.nn.functional as F\n"
        "def distortion(y_hat, target, colored):\n"
        "    if colored:\n"
        "        return F.mse_loss(y_hat, target)\n"
        "    y_hat = torch.sigmoid(y_hat)\n"
        "    return F.binary_cross_entropy_with_logits(y_hat, target)  # expect: DL505\n",
        # (thirteenth audit, seen with DK: StarGAN-VC's DomainClassifier) ``x`` rebound step by step
        # in ``forward``: each binding is read where it is made, so the reshape keeps the LogSoftmax
        "import torch.nn as nn\nimport torch.nn.functional as F\n"
        "class DomainClassifier(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.main = nn.Sequential(nn.Conv2d(16, 4, 1), nn.LogSoftmax(dim=1))\n"
        "    def forward(self, x):\n"
        "        x = x[:, :, 0:8, :]\n"
        "        x = self.main(x)\n"
        "        x = x.view(x.size(0), x.size(1))\n"
        "        return x\n"
        "classifier = DomainClassifier()\n"
        "loss = F.cross_entropy(classifier(x), y)  # expect: DL505\n",
        # (issue 14, IBM/dstc-noesis#18) the trainer's loss stored on self in __init__ and read
        # through a local alias: the same CrossEntropyLoss, fed the model's softmax
        "import torch.nn as nn\n"
        "class Dual(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(4, 3)\n"
        "        self.final_layer = nn.Softmax(dim=1)\n"
        "    def forward(self, x):\n"
        "        return self.final_layer(self.fc(x))\n"
        "class Trainer:\n"
        "    def __init__(self, loss_func):\n"
        "        self.loss_func = nn.CrossEntropyLoss()\n"
        "    def step(self, model, x, y):\n"
        "        loss_func = self.loss_func\n"
        "        return loss_func(model(x), y)  # expect: DL505\n"
        "trainer = Trainer(nn.CrossEntropyLoss())\n"
        "trainer.step(Dual(), x, y)\n",
        "import torch.nn.functional as F\n"
        "loss = F.cross_entropy(F.softmax(logits, dim=1), y)  # expect: DL505\n",
        # the loss module moved to the device is the same loss
        "import torch\nimport torch.nn as nn\n"
        "def train(model, loader, device):\n"
        "    criterion = nn.CrossEntropyLoss().to(device)\n"
        "    for x, y in loader:\n"
        "        probs = torch.softmax(model(x), dim=1)\n"
        "        loss = criterion(probs, y)  # expect: DL505\n",
        "import torch.nn as nn\n"
        "net = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid())\n"
        "criterion = nn.BCEWithLogitsLoss().cuda()\n"
        "loss = criterion(net(x), y)  # expect: DL505\n",
        # both branches build cross-entropy
        "import torch\nimport torch.nn as nn\n"
        "def train(model, loader, weights, device):\n"
        "    if weights is None:\n"
        "        criterion = nn.CrossEntropyLoss().to(device)\n"
        "    else:\n"
        "        criterion = nn.CrossEntropyLoss(weight=weights).to(device)\n"
        "    for x, y in loader:\n"
        "        loss = criterion(torch.softmax(model(x), 1), y)  # expect: DL505\n",
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
        # a script: the model is built with add_module by a function, the model and the loss are
        # passed to the training step, which calls forward directly
        "import torch\n"
        "def build_model(d, k):\n"
        "    model = torch.nn.Sequential()\n"
        "    model.add_module('linear', torch.nn.Linear(d, k))\n"
        "    model.add_module('softmax', torch.nn.Softmax())\n"
        "    return model\n"
        "def train(model, loss, x, y):\n"
        "    fx = model.forward(x)\n"
        "    output = loss.forward(fx, y)  # expect: DL505\n"
        "    output.backward()\n"
        "def main():\n"
        "    model = build_model(784, 10)\n"
        "    loss = torch.nn.CrossEntropyLoss()\n"
        "    train(model, loss, x, y)\n",
        # exp of log_softmax is a softmax; a reshape keeps it
        "import torch\nimport torch.nn as nn\n"
        "class Ranker(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.log_softmax = nn.LogSoftmax(dim=-1)\n"
        "    def forward(self, scores, target):\n"
        "        probs = torch.exp(self.log_softmax(scores))\n"
        "        loss_fct = nn.CrossEntropyLoss()\n"
        "        return loss_fct(probs.view(-1, scores.size(-1)), target)  # expect: DL505\n",
        # a Trainer class: the model's forward ends in a softmax module; its output is resized
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(8, 4)\n"
        "        self.softmax = nn.Softmax(dim=-1)\n"
        "    def forward(self, x):\n"
        "        x = self.softmax(self.fc(x))\n"
        "        return x\n"
        "class Trainer:\n"
        "    def __init__(self):\n"
        "        self.model = Net()\n"
        "        self.criterion = nn.CrossEntropyLoss()\n"
        "    def step(self, x, y):\n"
        "        out = self.model(x)\n"
        "        return self.criterion(out.reshape(-1, 4), y)  # expect: DL505\n",
        # skorch: the framework feeds the module's output to the criterion
        "import torch.nn as nn\nfrom skorch import NeuralNetClassifier\n"
        "class Module(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.out = nn.Linear(20, 2)\n"
        "        self.softmax = nn.Softmax(dim=-1)\n"
        "    def forward(self, X):\n"
        "        return self.softmax(self.out(X))\n"
        "net = NeuralNetClassifier(\n"
        "    Module,\n"
        "    criterion=nn.CrossEntropyLoss,  # expect: DL505\n"
        ")\n",
    ]

    def check(self, ctx) -> None:
        if not ctx.imports.uses("torch"):
            return
        if not ctx.imports.star_from and not any(word in ctx.source for word in _LOSS_WORDS):
            return
        bindings = ctx.analysis(Bindings)
        activations = ctx.analysis(Activations)
        for call in ctx.index.of_type(cst.Call):
            loss = self._loss_kind(ctx, bindings, call)
            if loss is not None:
                given = argument(call, 0, "input")
                if given is not None:
                    self._report(ctx, call, loss, activations.of(given))
            self._framework_pair(ctx, bindings, call)

    def _framework_pair(self, ctx, bindings: Bindings, call: cst.Call) -> None:
        """``NeuralNet(Module, criterion=nn.CrossEntropyLoss)``: the framework feeds the module's
        output to the criterion."""
        criterion = next((a.value for a in call.args if a.keyword is not None
                          and a.keyword.value == "criterion"), None)
        if criterion is None:
            return
        if isinstance(criterion, cst.Call):
            criterion = criterion.func
        loss = _LOSS_MODULES.get(ctx.imports.qualify(criterion) or "")
        module = next((a.value for a in call.args if a.keyword is not None
                       and a.keyword.value == "module"), None)
        if module is None and call.args and call.args[0].keyword is None and not call.args[0].star:
            module = call.args[0].value
        if loss is None or module is None:
            return
        if isinstance(module, (cst.Name, cst.Attribute)):
            value = bindings.value_before(call, dotted_name(module) or "")
            module = value if isinstance(value, cst.Call) else module
        output = ctx.analysis(Shapes).constructed_output(module)
        if output is not None:
            self._report(ctx, criterion, loss, output.activation)

    @staticmethod
    def _report(ctx, node: cst.CSTNode, loss: str, activation: str | None) -> None:
        finding = _FINDINGS.get((loss, activation)) if activation else None
        if finding is not None:
            severity, message = finding
            ctx.report(node, message, severity=severity)  # type: ignore[arg-type]

    def _loss_kind(self, ctx, bindings: Bindings, call: cst.Call) -> str | None:
        qualified = ctx.imports.qualify(call.func)
        if qualified in _LOSS_FUNCTIONS:
            return _LOSS_FUNCTIONS[qualified]
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "forward":
            func = func.value  # loss.forward(out, y)
        if isinstance(func, cst.Name) and bindings.rebound(func.value):
            # if 'CTC' in mode: criterion = CTCLoss() else: criterion = CrossEntropyLoss():
            # every binding that reaches the call must be the same loss (a name the file binds
            # once has one binding at most: the solve is skipped, it was a tenth of a lint)
            reaching = ctx.analysis(NameReaching).values_at(call, func.value)
            if reaching is not None and len(reaching) > 1:
                kinds = {self._module_kind(ctx, v) if isinstance(v, cst.Call) else None
                         for v in reaching}
                return kinds.pop() if len(kinds) == 1 else None
        for constructor in self._constructors(ctx, bindings, func, call):
            return self._module_kind(ctx, constructor)
        return None

    @staticmethod
    def _module_kind(ctx, constructor: cst.Call) -> str | None:
        # nn.CrossEntropyLoss().cuda(), .to(device): the same loss module, moved
        while isinstance(constructor.func, cst.Attribute) and constructor.func.attr.value in SELF_RETURNING \
                and isinstance(constructor.func.value, cst.Call):
            constructor = constructor.func.value
        return _LOSS_MODULES.get(ctx.imports.qualify(constructor.func) or "")

    @staticmethod
    def _constructors(ctx, bindings: Bindings, func: cst.BaseExpression, at: cst.CSTNode) -> list[cst.Call]:
        """The constructor call a callee was made from: ``nn.X()(...)``, ``name = nn.X()``, or
        what every caller passes for the parameter ``name``."""
        found = ctx.analysis(Activations).constructors(func, at, 0)
        return [c for c in found if isinstance(c, cst.Call)]
