"""DL303: an evaluation loop runs the model in eval mode with gradient recording still on.

``model.eval()`` changes how dropout and batch norm compute; it does not stop autograd. Without
``torch.no_grad()`` / ``torch.inference_mode()`` every forward pass of the evaluation loop records its
graph and keeps the activations it needs for a backward pass that never comes: roughly the memory of
a training step per batch (twice or more the inference memory), and when outputs are collected
(``preds.append(out)``) every batch's graph stays alive until the loop ends.

Reported at the model call when: the model is in eval mode on every path reaching the call (the
mode analysis of ``dllint.analysis.modes``; through a helper, a method, a context manager or every
caller), the call is in a loop that does not train, and nothing back-propagates after it in the same
function. Silent under ``no_grad`` / ``inference_mode`` / ``set_grad_enabled(...)`` (also as a
decorator, and when every caller wraps the call), for models whose parameters are frozen
(``requires_grad_(False)``), in the model's own methods and in Lightning modules (Lightning turns
gradients off around ``validation_step``), and when the loop or a later statement back-propagates
or the loop asks for gradients otherwise (``torch.autograd.grad``, ``requires_grad_``, ``x.grad``,
``Variable(x, requires_grad=True)``): input gradients, adversarial examples and feature visualisation
need the graph. A PyTorch 0.3 ``Variable(x, volatile=True)`` asks for none: ``volatile`` is ignored
since 0.4, so such a loop records a graph per batch.
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.modes import ENTRY, Modes, frozen, is_eval_token
from dllint.analysis.regions import Regions
from dllint.context import FileContext
from dllint.index import iter_subtree
from dllint.rule import Rule

MAX_GRADIENT_CALL_DEPTH = 2  # a loop's helper that calls a helper that takes autograd.grad


class EvalWithoutNoGrad(Rule):
    """An evaluation loop (model in eval mode, nothing back-propagated) without ``torch.no_grad()``:
    each batch's autograd graph is built and held for nothing."""

    code = "DL303"
    name = "eval-without-no-grad"
    summary = "An evaluation loop runs the model in eval mode without torch.no_grad()/inference_mode()."
    severity = "info"

    VALID = [
    # The loop's outputs go to torch.autograd.grad in a method of the class (FROMP's Fisher):
    # no_grad would make it fail (eleventh audit CQ).
    """
import torch
import torch.nn as nn
class Fromp:
    def __init__(self, model):
        self.model = model
    def grad_of(self, loss, outputs):
        return torch.autograd.grad(loss, outputs, retain_graph=True)
    def update_fisher(self, loader):
        self.model.eval()
        fisher = 0.
        for data, _ in loader:
            logits = self.model(data)
            g = self.grad_of(logits.sum(), [logits])[0]
            fisher = fisher + (g ** 2).sum().item()
        return fisher
model = nn.Sequential(nn.Linear(10, 10), nn.Dropout(0.1), nn.Linear(10, 2))
f = Fromp(model)
""",
        # the usual form
        """import torch
model.eval()
with torch.no_grad():
    for x, y in loader:
        correct += (model(x).argmax(1) == y).sum().item()
""",
        # inference_mode as a decorator
        """import torch
@torch.inference_mode()
def evaluate(model, loader):
    model.eval()
    return [model(x) for x, _ in loader if True] + [model(x) for x in loader]

def evaluate2(model, loader):
    model.eval()
    with torch.inference_mode():
        for x, _ in loader:
            yield model(x)
""",
        # the caller wraps the call in no_grad
        """import torch
def evaluate(model, loader):
    model.eval()
    total = 0.0
    for x, y in loader:
        total += loss_fn(model(x), y).item()
    return total

with torch.no_grad():
    val = evaluate(model, val_loader)
""",
        # gradients with respect to the input: the graph is needed (adversarial examples)
        """import torch
model.eval()
for x, y in loader:
    x.requires_grad_(True)
    loss = loss_fn(model(x), y)
    loss.backward()
    x_adv = x + 0.01 * x.grad.sign()
""",
        # input gradients through torch.autograd.grad (saliency maps)
        """import torch
model.eval()
for x, y in loader:
    x.requires_grad = True
    score = model(x).gather(1, y[:, None]).sum()
    (saliency,) = torch.autograd.grad(score, x)
    maps.append(saliency.abs())
""",
        # frozen parameters: no graph over them is recorded
        """import torch
backbone.requires_grad_(False)
backbone.eval()
feats = []
for x, _ in loader:
    feats.append(backbone(x))
""",
        # Lightning disables gradients around validation_step itself
        """import torch
import lightning as L
class Lit(L.LightningModule):
    def validation_step(self, batch, idx):
        self.model.eval()
        for x in batch:
            self.log("v", self.model(x).mean())
""",
        # train/val phases under set_grad_enabled
        """import torch
for phase in ("train", "val"):
    if phase == "train":
        model.train()
    else:
        model.eval()
    for x, y in loaders[phase]:
        with torch.set_grad_enabled(phase == "train"):
            loss = loss_fn(model(x), y)
            if phase == "train":
                loss.backward()
                optimizer.step()
""",
        # eval mode only on some paths: not clearly an evaluation loop
        """import torch
if args.deterministic:
    model.eval()
for x, y in loader:
    print(model(x))
""",
        # torch not imported by name (a notebook that imported it in another cell): still no_grad
        """from d2l import torch as d2l
def evaluate_accuracy(net, data_iter):
    net.eval()
    with torch.no_grad():
        for X, y in data_iter:
            acc = d2l.accuracy(net(X), y)
""",
        # a project decorator that wraps inference_mode (yolov5's smart_inference_mode)
        """import torch
from utils.torch_utils import smart_inference_mode

@smart_inference_mode()
def run(model, dataloader):
    model.eval()
    for im, targets in dataloader:
        preds = model(im) if fast else model(im, augment=True)
""",
        # a single forward pass (no loop): a demo, not an evaluation loop
        """import torch
model.eval()
out = model(example)
""",
        # fine-tuning in eval mode (frozen batch norm): the loop back-propagates
        """import torch
model.eval()
for x, y in loader:
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    optimizer.step()
""",
        # (issue 14, chexnet) a PyTorch 0.3 Variable that asks for gradients: the input gradients
        # of a saliency map, taken by a helper after the loop
        """import torch
from torch.autograd import Variable

def saliency(model, loader):
    model.eval()
    inputs, outputs = [], []
    for x, _ in loader:
        inp = Variable(x, requires_grad=True)
        inputs.append(inp)
        outputs.append(model(inp).max(1)[0])
    return input_gradients(outputs, inputs)
""",
        # (issue 14, FCGF's fix) the base class's template method wraps the subclass's
        # _valid_epoch() in no_grad: the call in the base is a caller of the override
        """import torch

class BaseTrainer:
    def train(self):
        for epoch in range(self.epochs):
            self._train_epoch(epoch)
            with torch.no_grad():
                self._valid_epoch()

class PairTrainer(BaseTrainer):
    def _train_epoch(self, epoch):
        self.model.train()
        for x, y in self.loader:
            self.opt.zero_grad()
            self.model(x).sum().backward()
            self.opt.step()

    def _valid_epoch(self):
        self.model.eval()
        for x, y in self.val_loader:
            feats = self.model(x)
""",
        # (issue 14, chexnet, the twin) PyTorch 0.3 code (``async=True``, read as a name) whose
        # validation also runs under no_grad: the ignored ``volatile`` flag changes nothing then
        """import torch

class ChexnetTrainer:
    def epochVal(model, dataLoader, loss):
        model.eval()
        lossVal = 0
        with torch.no_grad():
            for i, (input, target) in enumerate(dataLoader):
                target = target.cuda(async=True)
                varInput = torch.autograd.Variable(input, volatile=True)
                lossVal += loss(model(varInput), target).item()
        return lossVal
""",
    ]

    INVALID = [
    # The helper method the loop calls takes no gradient: the graph is recorded for nothing.
    """
import torch
import torch.nn as nn
class Scorer:
    def __init__(self, model):
        self.model = model
    def top(self, logits):
        return logits.argmax(dim=1)
    def accuracy(self, loader):
        self.model.eval()
        correct = 0
        for data, target in loader:
            logits = self.model(data)  # expect: DL303
            correct += (self.top(logits) == target).sum().item()
        return correct
model = nn.Sequential(nn.Linear(10, 10), nn.Dropout(0.1), nn.Linear(10, 2))
s = Scorer(model)
""",
        # (issue 14, FCGF) the same template method without no_grad
        """import torch

class BaseTrainer:
    def train(self):
        for epoch in range(self.epochs):
            self._train_epoch(epoch)
            self._valid_epoch()

class PairTrainer(BaseTrainer):
    def _train_epoch(self, epoch):
        self.model.train()
        for x, y in self.loader:
            self.opt.zero_grad()
            self.model(x).sum().backward()
            self.opt.step()

    def _valid_epoch(self):
        self.model.eval()
        for x, y in self.val_loader:
            feats = self.model(x)  # expect: DL303
""",
        # evaluation loop without no_grad
        """import torch
model.eval()
correct = 0
for x, y in test_loader:
    out = model(x)  # expect: DL303
    correct += (out.argmax(1) == y).sum().item()
""",
        # an evaluate function that switches to eval but forgets no_grad
        """import torch
def evaluate(model, loader):
    model.eval()
    total = 0.0
    for x, y in loader:
        total += loss_fn(model(x), y).item()  # expect: DL303
    return total
""",
        # collecting outputs: every batch's graph stays alive until the loop ends
        """import torch
import torch.nn as nn
net = nn.Sequential(nn.Linear(10, 10), nn.Dropout(), nn.Linear(10, 2))
net.eval()
preds = []
for xb in loader:
    preds.append(net(xb))  # expect: DL303
preds = torch.cat(preds)
""",
        # a Trainer method
        """import torch
class Trainer:
    def __init__(self, model):
        self.model = model
    def validate(self, loader):
        self.model.eval()
        losses = []
        for x, y in loader:
            losses.append(self.criterion(self.model(x), y).item())  # expect: DL303
        return sum(losses) / len(losses)
""",
        # switched through a helper, evaluated in a while loop
        """import torch
def to_eval(m):
    m.eval()

model = build_model()
to_eval(model)
i = 0
while i < len(data):
    y = model(data[i])  # expect: DL303
    i += 1
""",
        # evaluation after training, in the same function, without no_grad
        """import torch
def main(model, train_loader, test_loader, optimizer):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    model.eval()
    for x, y in test_loader:
        acc = (model(x).argmax(1) == y).float().mean()  # expect: DL303
""",
        # the caller switches to eval, the helper loops without no_grad
        """import torch
def predict_all(net, loader):
    return [net(x).argmax(1) for x in loader] + [net(x) for x in loader if True]

def run(net, loader):
    outs = []
    for x in loader:
        outs.append(net(x))  # expect: DL303
    return outs

net.eval()
predictions = run(net, test_loader)
""",
        # a comment that says gradients are off does not turn them off
        """import torch
def validate(model, valid_dl, loss_fn):
    losses = 0
    # turn off gradients for validation
    model.eval()
    for src, tgt in valid_dl:
        logits = model(src, tgt[:-1])  # expect: DL303
        losses += loss_fn(logits.flatten(0, 1), tgt[1:].flatten()).item()
    return losses / len(valid_dl)
""",
        # train(False) is eval mode
        """import torch
model.train(False)
for batch in loader:
    scores = model(batch["x"])  # expect: DL303
    metric.update(scores, batch["y"])
""",
        # (issue 14, zoogzog/chexnet#12) PyTorch 0.3 code: ``volatile=True`` turned the graph off
        # then and is ignored since 0.4; the Variable wrapper asks for no gradients. Python 3.6
        # code too: ``async=True`` is read as a name (engine.python3_reading)
        """import torch

class ChexnetTrainer:
    def epochVal(model, dataLoader, loss):
        model.eval()
        lossVal = 0
        lossValNorm = 0
        for i, (input, target) in enumerate(dataLoader):
            target = target.cuda(async=True)
            varInput = torch.autograd.Variable(input, volatile=True)
            varTarget = torch.autograd.Variable(target, volatile=True)
            varOutput = model(varInput)  # expect: DL303
            lossVal += loss(varOutput, varTarget).item()
            lossValNorm += 1
        return lossVal / lossValNorm
""",
        # the same in a script, with ``Variable`` imported and ``requires_grad`` spelled False
        """import torch
from torch.autograd import Variable
net.eval()
for x, y in test_loader:
    out = net(Variable(x, requires_grad=False))  # expect: DL303
    correct += (out.argmax(1) == y).sum().item()
""",
        # nested loops: epochs of evaluation for a report
        """import torch
model.eval()
for name, loader in loaders.items():
    for x, y in loader:
        report[name] += (model(x).argmax(1) == y).sum().item()  # expect: DL303
""",
    ]

    def check(self, ctx: FileContext) -> None:
        modes = ctx.analysis(Modes)
        if not modes.active or not modes.mode_keys:
            return
        regions = modes.regions
        models = modes.models
        seen: set[tuple[str, cst.CSTNode]] = set()  # one finding per model and loop
        for call, func in modes.model_calls():
            loop = regions.loop_of(call)
            if loop is None or regions.is_training_loop(loop):
                continue
            if modes.maybe_no_grad(call) or models.enclosing_module_class(call) is not None:
                continue
            found = modes.tokens_at(call)
            if found is None:
                continue
            key, tokens = found
            function = ctx.index.function_of(call)
            if ENTRY in tokens and function is not None:
                outer, callers = modes.entry_tokens(function, key)
                if not callers:
                    continue
                tokens = (tokens - {ENTRY}) | outer
            if not tokens or not all(is_eval_token(t) for t in tokens):
                continue
            if function is not None and any(modes.maybe_no_grad(c) for c in regions.callers(function)):
                continue
            if self._backpropagates_later(modes, call, loop) or frozen(modes, key) \
                    or self._wants_gradients(ctx, loop, regions):
                continue
            if (key, loop) in seen:
                continue
            seen.add((key, loop))
            ctx.report(call, f"`{ctx.code_for(func)}` is in eval mode and this loop does not train, "
                             "but gradients are still recorded: wrap the evaluation in "
                             "`with torch.no_grad():` (or `torch.inference_mode()`)")

    @staticmethod
    def _wants_gradients(ctx: FileContext, loop: cst.CSTNode, regions: Regions | None = None,
                         depth: int = 0, seen: set[cst.CSTNode] | None = None) -> bool:
        """The loop asks for gradients some other way than ``backward()``: ``torch.autograd.grad``,
        ``torch.func`` transforms, inputs made to require grad (saliency maps, adversarial
        examples, influence functions), itself or in a function or method of the file that it
        calls (``self.grad_of(loss, outputs)`` whose body is ``torch.autograd.grad(...)``: under
        ``no_grad`` it would fail, as the same call written in the loop would; eleventh audit CQ),
        :data:`MAX_GRADIENT_CALL_DEPTH` calls deep."""
        seen = set() if seen is None else seen
        seen.add(loop)
        for node in iter_subtree(loop):
            if isinstance(node, cst.Call):
                func = node.func
                if isinstance(func, cst.Attribute) and func.attr.value == "requires_grad_":
                    return True
                qualified = ctx.imports.qualify(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
                if qualified == "torch.autograd.Variable":
                    # a tensor wrapper (PyTorch < 0.4): it asks for gradients only through
                    # ``requires_grad=True``; ``volatile=True`` meant no graph then and is ignored now
                    if _asks_gradients(node):
                        return True
                elif qualified and (qualified.startswith(("torch.autograd.", "torch.func.", "functorch."))):
                    return True
                elif regions is not None and depth < MAX_GRADIENT_CALL_DEPTH:
                    callee = regions.resolved(node)
                    if callee is not None and callee not in seen and EvalWithoutNoGrad._wants_gradients(
                            ctx, callee.body, regions, depth + 1, seen):
                        return True
            elif isinstance(node, cst.Attribute):
                if node.attr.value == "grad":  # ``x.grad`` read in the loop
                    return True
                if node.attr.value == "requires_grad" and isinstance(ctx.index.parent(node), cst.AssignTarget):
                    return True
        return False

    @staticmethod
    def _backpropagates_later(modes: Modes, call: cst.Call, loop: cst.CSTNode) -> bool:
        """A backward/step call after ``call`` in the same function that is not inside a separate
        training loop (it may use this loop's outputs)."""
        regions = modes.regions
        scope = modes.scope_of(call)
        loops = set(regions.loops_of(call))
        for training in regions.training_calls:
            if modes.scope_of(training) is not scope or not modes.index.precedes(call, training):
                continue
            training_loop = regions.loop_of(training)
            if training_loop is None or training_loop in loops:
                return True
        return False


def _asks_gradients(call: cst.Call) -> bool:
    """``Variable(x, requires_grad=...)`` (keyword or second positional argument) with anything but
    a literal ``False``."""
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    for index, arg in enumerate(call.args):
        named = arg.keyword is not None and arg.keyword.value == "requires_grad"
        if named or (len(positional) > 1 and arg is positional[1]):  # Variable(data, requires_grad)
            return not (isinstance(arg.value, cst.Name) and arg.value.value == "False")
        if arg.star:
            return True  # ``Variable(*args, **kwargs)``: it may ask
    return False
