"""DL101: a tensor attached to the autograd graph accumulated into something that outlives the
iteration (``running_loss += loss``, ``losses.append(loss)``, ``self.history.append(loss)``).

Why: a tensor produced by a forward pass holds a reference to the graph that computed it.
``running_loss += loss`` makes ``running_loss`` a new graph node whose inputs are the old
``running_loss`` and this step's ``loss``: every step's graph stays reachable from one variable that
lives across the whole loop. Never back-propagated (an evaluation loop without ``no_grad``), each
graph keeps all its activations and memory runs out within a few batches; after ``backward()`` the
activations are freed but the nodes stay, and memory creeps up every step.

What counts as a graph tensor comes from :mod:`dllint.analysis.dataflow`, on the control-flow graph
(model and loss-function outputs, ``self(x)`` in a module, results of helpers of this file or of the
project that return one, values that are back-propagated, dicts of them, arithmetic on those; not
``.item()``, ``.detach()``, comparisons, values computed under ``no_grad``). A value detached on one
path only is still a graph tensor where the paths meet. The accumulation is reported only
where it outlives a training step: inside a training loop or a loop over a data loader, with an
accumulator created outside that loop, or into a ``self.`` attribute from a method that trains.
When the accumulation happens inside a method that adds its argument to ``self.`` (an
``AverageMeter.update(val, n)``, of this file or of a class imported from the project), the finding
goes to the call that passes the graph tensor.

Silent for: accumulation under ``no_grad`` / ``inference_mode`` (also through a decorator or a caller
that is always under ``no_grad``), an accumulator that is back-propagated (``total.backward()``,
``torch.stack(losses).mean().backward()``) or fed to a model or training helper, one re-created each
iteration, detached values, comparisons (``correct += (pred == y).sum()``), ``forward`` methods,
and files that do not import torch.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

import re

import libcst as cst

from dllint.analysis.dataflow import GraphValues, _direct_names, _targets
from dllint.analysis.imports import dotted_name
from dllint.analysis.project import project_imports
from dllint.analysis.regions import Regions
from dllint.diagnostics import Fix
from dllint.index import iter_subtree
from dllint.rule import Invalid, Rule

# The iterable of a loop over data, judged by the last part of its name: ``train_loader``,
# ``trainloader``, ``data_iter``, ``val_dl``, ``batches`` (not ``valid_lens_x_shards``).
DATA_ITERABLE = re.compile(r"loader|data|dataset|iter|batches|samples|examples|sampler|"
                           r"^dl$|^ds$|^train$|^test$|^val$|^valid$|^eval$", re.I)
# Methods Lightning calls once per step (it back-propagates the returned loss itself).
STEP_METHODS = frozenset({"training_step", "train_step", "training_step_end"})
# A later use of the accumulator that needs it to stay a tensor (so ``.item()`` would break it).
TENSOR_METHODS = frozenset({"item", "detach", "cpu", "cuda", "numpy", "to", "backward", "tolist",
                            "mean", "sum", "view", "size", "dim", "float", "data"})


class GraphAccumulation(Rule):
    """A graph tensor accumulated across iterations keeps every step's autograd graph alive."""

    code = "DL101"
    name = "graph-retaining-accumulation"
    summary = ("A tensor attached to the autograd graph is accumulated into a variable that "
               "outlives the iteration, keeping every step's graph in memory.")
    severity = "warning"
    fixable = "safe"
    url = ""

    VALID = [
        # The classic fix: a Python float.
        """\
import torch
for x, y in loader:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    running_loss += loss.item()
""",
        # Detached before accumulating, and a comparison result (never on the graph).
        """\
import torch
total, correct = 0.0, 0
for x, y in train_loader:
    out = model(x)
    loss = criterion(out, y)
    loss.backward()
    optimizer.step()
    total += loss.detach()
    correct += (out.argmax(1) == y).sum()
""",
        # Evaluation under no_grad: outputs collected in a list are not on the graph.
        """\
import torch
model.eval()
outputs, losses = [], []
with torch.no_grad():
    for x, y in val_loader:
        out = model(x)
        outputs.append(out)
        losses.append(criterion(out, y))
""",
        # Under a decorated evaluation function, and a helper only ever called under no_grad.
        """\
import torch

@torch.no_grad()
def evaluate(model, loader):
    total = 0
    for x, y in loader:
        total += criterion(model(x), y)
    return total / len(loader)

def score(model, loader):
    preds = []
    for x, _ in loader:
        preds.append(model(x))
    return torch.cat(preds)

with torch.no_grad():
    s = score(model, test_loader)
""",
        # Gradient accumulation written as a summed loss, back-propagated every k steps.
        """\
import torch
loss_sum = 0
for i, (x, y) in enumerate(loader):
    loss_sum += criterion(model(x), y)
    if (i + 1) % k == 0:
        (loss_sum / k).backward()
        optimizer.step()
        optimizer.zero_grad()
        loss_sum = 0
""",
        # A list of losses back-propagated together.
        """\
import torch
for batch in loader:
    losses = []
    for head in heads:
        losses.append(F.cross_entropy(head(model(batch.x)), batch.y))
    torch.stack(losses).mean().backward()
    optimizer.step()
""",
        # Multi-task loss summed in a loop over heads inside one step, then back-propagated.
        """\
import torch
import torch.nn.functional as F

def train_step(model, batch, optimizer):
    total = 0
    for name, head in model.heads.items():
        total = total + F.mse_loss(head(batch['x']), batch[name])
    total.backward()
    optimizer.step()
""",
        # Accumulator re-created every iteration.
        """\
import torch
for x, y in loader:
    step_losses = []
    step_losses.append(criterion(model(x), y))
    loss = sum(step_losses)
    loss.backward()
    optimizer.step()
""",
        # Lightning: the step returns the loss, Lightning back-propagates it; validation outputs are
        # gathered without gradients.
        """\
import lightning as L
import torch.nn.functional as F

class LitModel(L.LightningModule):
    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.val_losses.append(loss)
""",
        # A Trainer class that stores floats.
        """\
import torch

class Trainer:
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer
        self.history = []

    def train_epoch(self, loader):
        for x, y in loader:
            self.optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(self.model(x), y)
            loss.backward()
            self.optimizer.step()
            self.history.append(loss.item())
""",
        # A forward pass collecting per-layer outputs: the graph is the point.
        """\
import torch
import torch.nn as nn

class Net(nn.Module):
    def forward(self, x):
        feats = []
        for layer in self.layers:
            x = layer(x)
            feats.append(x)
        return torch.cat(feats, 1)
""",
        # The meter is given a float (the pytorch/examples ImageNet style), or is new every step.
        """\
import torch

class AverageMeter:
    def __init__(self):
        self.sum, self.count = 0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

def train(loader, model, criterion, optimizer):
    losses = AverageMeter()
    for images, target in loader:
        loss = criterion(model(images), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.update(loss.item(), images.size(0))
        step_meter = AverageMeter()
        step_meter.update(loss)
""",
        # A frozen feature extractor: its outputs carry no graph.
        """\
import torch
import torchvision
backbone = torchvision.models.resnet18(weights="DEFAULT")
for p in backbone.parameters():
    p.requires_grad = False
features = []
for images, _ in train_loader:
    features.append(backbone(images))
""",
        # The outputs are read with .numpy(), which raises on a graph tensor: so they are not on
        # the graph here (an outer no_grad or a frozen model we cannot see).
        """\
import torch
def test(model, test_loader, loss_fn):
    running_loss = 0
    preds = []
    for inputs, targets in test_loader:
        predictions = torch.squeeze(model(inputs))
        preds.append(predictions.numpy())
        loss = loss_fn(predictions, targets)
        running_loss += loss
    return running_loss / len(test_loader)
""",
        # Not torch at all.
        """\
total = 0
for x, y in loader:
    loss = criterion(model(x), y)
    total += loss
""",
        # Re-assigned from a detached value before accumulating.
        """\
import torch
for x, y in train_loader:
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    loss = loss.item()
    epoch_loss += loss
""",
        # REINFORCE: log-probabilities collected over an episode are back-propagated at its end.
        """\
import torch
for episode in range(1000):
    log_probs, rewards = [], []
    for t in range(200):
        dist = policy(state)
        action = dist.sample()
        log_probs.append(dist.log_prob(action))
        rewards.append(r)
    loss = -(torch.stack(log_probs) * returns).sum()
    loss.backward()
    optimizer.step()
""",
        # The output dict's back-propagated entry is replaced by its detached value before the dict
        # is kept (a store by key replaces what the key held).
        """\
import torch

class Trainer:
    def fit_epoch(self, module, dataloader, optimizer):
        outputs = []
        for i, batch in enumerate(dataloader):
            optimizer.zero_grad()
            output = module.training_step(batch, i)
            output["loss"].backward()
            optimizer.step()
            output["loss"] = output["loss"].detach()
            outputs.append(output)
        return outputs
""",
        # Detached on every path before it is accumulated (the branches merge to "not on the graph").
        """\
import torch
total = 0
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    if log_scalar:
        loss = loss.item()
    else:
        loss = float(loss)
    total += loss
""",
        # A detection model's loss dict, each entry accumulated as a number.
        """\
import torch
running = {}
for images, targets in train_loader:
    loss_dict = model(images, targets)
    losses = sum(loss for loss in loss_dict.values())
    optimizer.zero_grad()
    losses.backward()
    optimizer.step()
    for k, v in loss_dict.items():
        running[k] = running.get(k, 0) + v.item()
""",
        # backward() proves that `loss` is on the graph, not the accuracy accumulated beside it;
        # evaluation every few steps, in a branch, under no_grad with a break out of it.
        """\
import torch
from mylib import compute_loss
total_acc = 0
for step, (x, y) in enumerate(train_loader):
    loss, acc = compute_loss(x, y)
    loss.backward()
    optimizer.step()
    total_acc += (acc > 0.5).float().mean()
    if step % 100 == 0:
        val = []
        with torch.no_grad():
            for vx, vy in val_loader:
                val.append(criterion(model(vx), vy))
                if len(val) > 10:
                    break
""",
    ]

    INVALID = [
        Invalid(
            """\
import torch
running_loss = 0.0
for x, y in train_loader:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    running_loss += loss  # expect: DL101
print(running_loss / len(train_loader))
""",
            fixed="""\
import torch
running_loss = 0.0
for x, y in train_loader:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    running_loss += loss.item()  # expect: DL101
print(running_loss / len(train_loader))
""",
        ),
        Invalid(
            """\
import torch
import torch.nn.functional as F

def train(model, loader, opt):
    losses = []
    for epoch in range(10):
        for x, y in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss)  # expect: DL101
    return losses
""",
            fixed="""\
import torch
import torch.nn.functional as F

def train(model, loader, opt):
    losses = []
    for epoch in range(10):
        for x, y in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())  # expect: DL101
    return losses
""",
        ),
        # total = total + loss, weighted by the batch size.
        Invalid(
            """\
import torch
total = 0
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    total = total + loss * x.size(0)  # expect: DL101
""",
            fixed="""\
import torch
total = 0
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    total = total + loss.item() * x.size(0)  # expect: DL101
""",
        ),
        # The loss comes back from a helper of this module.
        Invalid(
            """\
import torch
import torch.nn as nn

criterion = nn.MSELoss()

def compute_loss(model, batch):
    x, y = batch
    return criterion(model(x), y)

def fit(model, loader, optimizer):
    epoch_loss = 0
    for batch in loader:
        optimizer.zero_grad()
        l = compute_loss(model, batch)
        l.backward()
        optimizer.step()
        epoch_loss += l  # expect: DL101
    return epoch_loss
""",
            fixed="""\
import torch
import torch.nn as nn

criterion = nn.MSELoss()

def compute_loss(model, batch):
    x, y = batch
    return criterion(model(x), y)

def fit(model, loader, optimizer):
    epoch_loss = 0
    for batch in loader:
        optimizer.zero_grad()
        l = compute_loss(model, batch)
        l.backward()
        optimizer.step()
        epoch_loss += l.item()  # expect: DL101
    return epoch_loss
""",
        ),
        # A Trainer class keeping a history of graph tensors, through a method returning a tuple.
        """\
import torch

class Trainer:
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer
        self.history = []

    def step(self, x, y):
        out = self.model(x)
        return torch.nn.functional.cross_entropy(out, y), out

    def train_epoch(self, loader):
        for x, y in loader:
            self.optimizer.zero_grad()
            loss, out = self.step(x, y)
            loss.backward()
            self.optimizer.step()
            self.history.append(loss)  # expect: DL101
""",
        # Per-key statistics.
        """\
import torch
stats = {"loss": 0.0, "aux": 0.0}
for x, y in loader:
    out, aux = model(x)
    loss = criterion(out, y)
    (loss + aux).backward()
    optimizer.step()
    stats["loss"] += loss  # expect: DL101
    stats["aux"] += aux  # expect: DL101
""",
        # Validation without no_grad: the graphs of the whole validation set are kept.
        """\
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(10, 10), nn.ReLU(), nn.Linear(10, 2))
criterion = nn.CrossEntropyLoss()
val_loss = 0
for x, y in val_loader:
    output = model(x)
    val_loss += criterion(output, y)  # expect: DL101
print(val_loss / len(val_loader))
""",
        # Predictions collected during training: not a scalar loss, so `.detach()` (unsafe).
        Invalid(
            """\
import torch
all_preds = []
for x, y in train_loader:
    preds = model(x)
    loss = criterion(preds, y)
    loss.backward()
    optimizer.step()
    all_preds.append(preds)  # expect: DL101
""",
            fixed="""\
import torch
all_preds = []
for x, y in train_loader:
    preds = model(x)
    loss = criterion(preds, y)
    loss.backward()
    optimizer.step()
    all_preds.append(preds.detach())  # expect: DL101
""",
        ),
        # Lightning training_step appending to an attribute.
        """\
import pytorch_lightning as pl
import torch.nn.functional as F

class Lit(pl.LightningModule):
    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.nll_loss(self(x), y)
        self.train_losses.append(loss)  # expect: DL101
        return loss
""",
        # Notebook style with a while loop and a mean reduction.
        """\
import torch
step = 0
history = []
while step < 1000:
    xb, yb = get_batch()
    logits, loss = model(xb, yb)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    history.append(loss.mean())  # expect: DL101
    step += 1
""",
        # Concatenating the predictions of an evaluation loop that forgot no_grad.
        """\
import torch
model.eval()
all_logits = torch.empty(0, 10)
for images, _ in test_loader:
    logits = model(images)
    all_logits = torch.cat([all_logits, logits])  # expect: DL101
""",
        # Only the first accumulation is reported; the epoch total derived from it is covered.
        Invalid(
            """\
import torch
for epoch in range(10):
    tl = 0.0
    for xb, yb in train_dl:
        loss = loss_func(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
        tl += loss  # expect: DL101
    history.append(tl / len(train_dl))
""",
            fixed="""\
import torch
for epoch in range(10):
    tl = 0.0
    for xb, yb in train_dl:
        loss = loss_func(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
        tl += loss.item()  # expect: DL101
    history.append(tl / len(train_dl))
""",
        ),
        # An AverageMeter of this file accumulates what it is given: reported where the loss enters.
        Invalid(
            """\
import torch

class AverageMeter:
    def __init__(self):
        self.sum, self.count = 0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

def train(loader, model, criterion, optimizer):
    losses = AverageMeter()
    for images, target in loader:
        loss = criterion(model(images), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.update(loss, images.size(0))  # expect: DL101
""",
            fixed="""\
import torch

class AverageMeter:
    def __init__(self):
        self.sum, self.count = 0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

def train(loader, model, criterion, optimizer):
    losses = AverageMeter()
    for images, target in loader:
        loss = criterion(model(images), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.update(loss.item(), images.size(0))  # expect: DL101
""",
        ),
        # The accumulator is later read as a tensor, so `.item()` would break it: `.detach()`.
        Invalid(
            """\
import torch
losses = []
for x, y in loader:
    loss = criterion(net(x), y)
    loss.backward()
    optimizer.step()
    losses.append(loss)  # expect: DL101
print(torch.stack(losses).mean())
""",
            fixed="""\
import torch
losses = []
for x, y in loader:
    loss = criterion(net(x), y)
    loss.backward()
    optimizer.step()
    losses.append(loss.detach())  # expect: DL101
print(torch.stack(losses).mean())
""",
        ),
        # backward() proves the helper's result is on the graph (the helper is a library's).
        """\
import torch
from mylib import compute_loss
total = 0
for x, y in loader:
    loss = compute_loss(model, x, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    total += loss  # expect: DL101
""",
        # Detached in one branch only: on the other path the graph is still accumulated.
        """\
import torch

class Trainer:
    def __init__(self, model, optimizer, log_scalars):
        self.model, self.optimizer, self.log_scalars = model, optimizer, log_scalars

    def train_epoch(self, loader):
        total = 0.0
        for x, y in loader:
            self.optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(self.model(x), y)
            loss.backward()
            self.optimizer.step()
            if self.log_scalars:
                loss = loss.item()
            total += loss  # expect: DL101
        return total
""",
        # A value carried to the next iteration: only the loop's back edge brings the graph here.
        """\
import torch
previous = None
history = []
for x, y in train_loader:
    if previous is not None:
        history.append(previous)  # expect: DL101
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    previous = loss
""",
        # A detection model's loss dict summed entry by entry (the dict comes from the model).
        """\
import torch
running = {}
for images, targets in train_loader:
    loss_dict = model(images, targets)
    losses = sum(loss for loss in loss_dict.values())
    optimizer.zero_grad()
    losses.backward()
    optimizer.step()
    for k, v in loss_dict.items():
        running[k] = running.get(k, 0) + v  # expect: DL101
""",
        # A dict literal of losses accumulated with `+=` per key.
        """\
import torch
from collections import defaultdict
meters = defaultdict(float)
for x, y in train_loader:
    out = model(x)
    losses = {"ce": criterion(out, y), "l2": out.pow(2).mean()}
    sum(losses.values()).backward()
    optimizer.step()
    for k in losses:
        meters[k] += losses[k]  # expect: DL101
""",
        # A trainer keeping every step's output dict: `output["loss"].backward()` proves it holds
        # a graph tensor.
        """\
import torch

class Trainer:
    def fit_epoch(self, module, dataloader, optimizer):
        outputs = []
        for i, batch in enumerate(dataloader):
            optimizer.zero_grad()
            output = module.training_step(batch, i)
            output["loss"].backward()
            optimizer.step()
            outputs.append(output)  # expect: DL101
        return outputs
""",
        # `self(x)` in a method of an nn.Module is a forward pass (notebook style: fit on the model).
        """\
import torch
import torch.nn as nn

class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        return self.fc(x)

    def fit(self, batches, opt):
        hist = []
        for x, y in batches:
            loss = nn.functional.mse_loss(self(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            hist.append(loss)  # expect: DL101
        return hist
""",
    ]

    def check(self, ctx) -> None:
        self._helpers: dict[cst.FunctionDef, list[tuple[int, cst.CSTNode, str]]] = {}
        # Per-scope facts, computed once: each accumulation asks about its whole scope, and a
        # notebook is one module scope with hundreds of training loops (quadratic otherwise).
        self._scope_facts: dict[object, _ScopeFacts] = {}
        self._caller_memo: dict[cst.CSTNode, bool] = {}
        if not ctx.imports.uses("torch", "lightning", "pytorch_lightning"):
            return
        flow = ctx.analysis(GraphValues)
        regions = ctx.analysis(Regions)
        accumulations = self._accumulations(ctx)
        for statement, accumulator, value in accumulations:
            if accumulator.startswith("self."):
                self._note_parameter_accumulation(ctx, flow, statement, accumulator, value)
            # Cheap structural tests first: most appends in library code are not in a step loop.
            function = ctx.index.function_of(statement)
            if function is not None and function.name.value == "forward":
                continue
            if not self._outlives_step(ctx, flow, regions, statement, accumulator):
                continue
            if regions.no_grad(statement) or not flow.is_graph(value):
                continue
            if self._only_accumulators(ctx, flow, value):
                continue
            if self._consumed(ctx, flow, regions, statement, accumulator):
                continue
            self._report(ctx, flow, statement, accumulator, value)
        self._check_helper_calls(ctx, flow, regions)

    def _only_accumulators(self, ctx, flow: GraphValues, value) -> bool:
        """Every graph operand of ``value`` is itself an accumulator (``hist.append(tl / n)`` after
        ``tl += loss``): the finding at the first accumulation covers it, and fixing that one
        fixes this one (two fixes would collide)."""
        leaves = flow.graph_leaves(value)
        if not leaves:
            return False
        for leaf in leaves:
            key = dotted_name(leaf)
            definitions = flow.reaching_all(key, leaf) if key else []
            if not definitions:
                return False
            for definition in definitions:
                if not flow.graph_definition(definition):
                    continue
                value = definition.value
                accumulates = definition.kind in ("aug", "item") \
                    or isinstance(value, cst.BinaryOperation) and key in (dotted_name(value.left),
                                                                         dotted_name(value.right)) \
                    or isinstance(value, cst.Call) and (ctx.imports.qualify(value.func) or "") == "torch.cat" \
                    and self._mentions(value, {key})
                # ``tl += loss`` across the steps of a loop is an accumulator (reported there);
                # ``loss += reg`` on this step's fresh ``loss`` is not.
                if not accumulates or not self._outlives_step(ctx, flow, ctx.analysis(Regions),
                                                              definition.node, key):
                    return False
        return True

    # -- accumulation inside a helper: ``meter.update(loss, n)`` with ``self.sum += val * n`` --------
    def _note_parameter_accumulation(self, ctx, flow: GraphValues, statement, key: str, value) -> None:
        """Remember methods that accumulate one of their parameters into ``self.``: the graph
        tensor then enters at the call site, which is where the finding goes."""
        function = ctx.index.function_of(statement)
        if function is None or function.name.value == "forward":
            return
        params = [p.name.value for p in function.params.params]
        for name in _direct_names(value, ctx.imports):
            if name in params and flow.reaching(name, statement) is None:
                self._helpers.setdefault(function, []).append((params.index(name), statement, key))

    def _check_helper_calls(self, ctx, flow: GraphValues, regions: Regions) -> None:
        imported = project_imports(ctx) is not None
        if not self._helpers and not imported:
            return
        for call in ctx.index.of_type(cst.Call):
            positional = [a for a in call.args if a.keyword is None and not a.star]
            if not positional or regions.no_grad(call):
                continue
            target = regions.resolved(call)
            other = flow
            if target is not None and target in self._helpers:
                accumulated = self._helpers[target]
            elif target is None and imported and self._step_loop(ctx, regions, call) is not None \
                    and any(flow.is_graph(a.value) for a in positional):
                # ``meter.update(loss)`` with the meter's class imported from another module.
                found = flow.external(call)
                if found is None:
                    continue
                other, target, _klass = found
                accumulated = other.parameter_accumulations(target)
            else:
                continue
            offset = 1 if other.regions.class_of(target) is not None and isinstance(call.func, cst.Attribute) else 0
            for index, statement, key in accumulated:
                position = index - offset
                if not 0 <= position < len(positional):
                    continue
                value = positional[position].value
                if not flow.is_graph(value) or other.regions.no_grad(statement):
                    continue
                loop = self._step_loop(ctx, regions, call)
                if loop is None:
                    continue
                receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
                owner = dotted_name(receiver) if receiver is not None else None
                if owner and owner != "self":
                    fresh = self._fresh_definition(ctx, flow, call, owner)
                    if fresh is not None and any(a is loop for a in ctx.index.ancestors(fresh.node)):
                        continue  # a new accumulator object every step
                if other is flow and self._consumed(ctx, flow, regions, statement, key):
                    continue
                helper = target.name.value
                klass = other.regions.class_of(target)
                if klass is not None:
                    helper = f"{klass.name.value}.{helper}"
                self._report(ctx, flow, call, owner or key, value,
                             intro=f"`{helper}` accumulates its argument into `{key}`")
                break

    # -- what is accumulated ----------------------------------------------------------------------
    @staticmethod
    def _key(target: cst.BaseExpression) -> str | None:
        """The variable that holds the accumulation: ``stats`` for ``stats[k]``."""
        while isinstance(target, cst.Subscript):
            target = target.value
        return dotted_name(target)

    @staticmethod
    def _same(ctx, a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
        """``a`` and ``b`` name the same variable (``total``, ``self.total``, ``stats[k]``)."""
        da, db = dotted_name(a), dotted_name(b)
        if da is not None or db is not None:
            return da == db
        if isinstance(a, cst.Subscript) and isinstance(b, cst.Subscript):
            return ctx.code_for(a).strip() == ctx.code_for(b).strip()
        return False

    @staticmethod
    def _get_of(ctx, expr: cst.BaseExpression, target: cst.BaseExpression) -> bool:
        """``expr`` reads the dict entry ``target`` with a default: ``d.get(k, 0)`` for ``d[k]``."""
        if not (isinstance(target, cst.Subscript) and len(target.slice) == 1 and isinstance(expr, cst.Call)
                and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get" and expr.args):
            return False
        index = target.slice[0].slice
        return isinstance(index, cst.Index) and dotted_name(target.value) is not None \
            and dotted_name(expr.func.value) == dotted_name(target.value) \
            and ctx.code_for(expr.args[0].value).strip() == ctx.code_for(index.value).strip()

    def _accumulations(self, ctx):
        """(statement, accumulator key, accumulated value) for each accumulation in the file."""
        found = []
        for node in ctx.index.of_type(cst.AugAssign):
            if isinstance(node.operator, (cst.AddAssign, cst.SubtractAssign)):
                key = self._key(node.target)
                if key:
                    found.append((node, key, node.value))
        for node in ctx.index.of_type(cst.Assign):
            if len(node.targets) != 1:
                continue
            key = self._key(node.targets[0].target)
            if not key:
                continue
            value = node.value
            is_sum = isinstance(value, cst.BinaryOperation) and isinstance(value.operator, (cst.Add, cst.Subtract))
            is_cat = isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                and value.func.attr.value == "cat"
            if not (is_sum or is_cat):
                continue  # most assignments: no code generation for them
            target = node.targets[0].target
            if is_sum:
                if self._same(ctx, value.left, target) or self._get_of(ctx, value.left, target):
                    found.append((node, key, value.right))
                elif isinstance(value.operator, cst.Add) and self._same(ctx, value.right, target):
                    found.append((node, key, value.left))
            elif (ctx.imports.qualify(value.func) or "") == "torch.cat" \
                    and value.args and isinstance(value.args[0].value, (cst.List, cst.Tuple)):
                elements = [e.value for e in value.args[0].value.elements]
                if len(elements) == 2 and self._same(ctx, elements[0], target):
                    found.append((node, key, elements[1]))
        for call in ctx.index.of_type(cst.Call):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "append" and len(call.args) == 1 \
                    and call.args[0].keyword is None:
                key = self._key(func.value)
                if key:
                    found.append((call, key, call.args[0].value))
        return found

    # -- does the accumulator outlive a training step? ---------------------------------------------
    def _outlives_step(self, ctx, flow: GraphValues, regions: Regions, statement, key: str) -> bool:
        loop = self._step_loop(ctx, regions, statement)
        if loop is None:
            # ``self.history.append(loss)`` in a method run once per step.
            if not key.startswith("self."):
                return False
            function = ctx.index.function_of(statement)
            return function is not None and (function.name.value in STEP_METHODS
                                             or regions.trains(function))
        fresh = self._fresh_definition(ctx, flow, statement, key)
        if fresh is None:
            return True
        # Created inside the loop body: a new accumulator every step.
        return not any(ancestor is loop for ancestor in ctx.index.ancestors(fresh.node))

    @staticmethod
    def _step_loop(ctx, regions: Regions, statement):
        """The innermost loop around ``statement`` whose iterations are training steps or batches."""
        for loop in regions.loops_of(statement):
            if regions.is_training_loop(loop):
                return loop
            if isinstance(loop, cst.For) and GraphAccumulation._over_data(loop.iter):
                return loop
        return None

    @staticmethod
    def _over_data(iterable: cst.BaseExpression) -> bool:
        """``loader``, ``enumerate(tqdm(train_loader))``, ``zip(loader_a, loader_b)``."""
        if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) \
                and iterable.func.value in ("enumerate", "tqdm", "zip", "iter", "islice"):
            return any(GraphAccumulation._over_data(arg.value) for arg in iterable.args[:1]) \
                or iterable.func.value == "zip" and any(GraphAccumulation._over_data(a.value) for a in iterable.args)
        if isinstance(iterable, cst.Call):
            dotted = dotted_name(iterable.func) or ""
            if dotted.endswith("tqdm"):
                return any(GraphAccumulation._over_data(arg.value) for arg in iterable.args[:1])
            return False
        dotted = dotted_name(iterable)
        return dotted is not None and bool(DATA_ITERABLE.search(dotted.rsplit(".", 1)[-1].split("_")[-1]))

    def _fresh_definition(self, ctx, flow: GraphValues, statement, key: str):
        """The latest assignment of ``key`` before ``statement`` that starts a new value (not an
        accumulation into it)."""
        scope = ctx.index.function_of(statement)
        order = ctx.index.order
        definitions = flow.definitions(scope, key)
        known = self._scope_facts.get(("fresh", scope, key))
        if known is None or len(known[0]) != len(definitions):
            known = self._fresh_table(definitions, order, key)
            self._scope_facts[("fresh", scope, key)] = known
        orders, latest_fresh = known
        # The definitions before the statement, by bisection (a module of 1,000 loops
        # accumulating into one name has 1,000 definitions of it), then the latest fresh one.
        index = latest_fresh[bisect.bisect_left(orders, order[statement])]
        return definitions[index] if index >= 0 else None

    @staticmethod
    def _fresh_table(definitions, order, key: str) -> tuple[list[int], list[int]]:
        """The definitions' orders (sorted) and, for each prefix ``definitions[:i]``, the index of
        its last definition that starts a new value (-1 if none): ``total = total + x`` and
        ``total += x`` accumulate, they do not start anything."""
        ranked = sorted(range(len(definitions)), key=lambda i: order[definitions[i].node])
        orders = [order[definitions[i].node] for i in ranked]
        latest_fresh = [-1]
        for i in ranked:
            definition = definitions[i]
            fresh = definition.kind not in ("aug", "item") and not (definition.value is not None and any(
                dotted_name(n) == key for n in iter_subtree(definition.value)
                if isinstance(n, (cst.Name, cst.Attribute))))
            latest_fresh.append(i if fresh else latest_fresh[-1])
        return orders, latest_fresh

    # -- is the accumulated graph wanted? -----------------------------------------------------------
    def _consumed(self, ctx, flow: GraphValues, regions: Regions, statement, key: str) -> bool:
        """The accumulator (or a value derived from it) is back-propagated, fed to a model or to a
        training helper, or returned to a caller that back-propagates it."""
        if key.startswith("self."):
            klass = regions.enclosing_class(statement)
            scopes = [m for m in regions.methods(klass).values()] if klass is not None else []
        else:
            function = ctx.index.function_of(statement)
            scopes = [function]
        for scope in scopes:
            names = self._derived(ctx, flow, scope, key)
            if self._graph_use(ctx, flow, regions, scope, names):
                return True
        return False

    @staticmethod
    def _mentions(expr: cst.CSTNode, names: set[str]) -> bool:
        for node in iter_subtree(expr):
            if isinstance(node, (cst.Name, cst.Attribute)) and dotted_name(node) in names:
                return True
        return False

    def _facts(self, ctx, flow: GraphValues, regions: Regions, scope) -> "_ScopeFacts":
        facts = self._scope_facts.get(scope)
        if facts is None:
            facts = _ScopeFacts.build(self, ctx, flow, regions, scope)
            self._scope_facts[scope] = facts
        return facts

    def _derived(self, ctx, flow: GraphValues, scope, key: str) -> set[str]:
        """``key`` and every name assigned from an expression mentioning it, in ``scope``."""
        readers = self._facts(ctx, flow, ctx.analysis(Regions), scope).readers
        names = {key}
        todo = [key]
        while todo:
            for other in readers.get(todo.pop(), ()):
                if other not in names:
                    names.add(other)
                    todo.append(other)
        return names

    def _graph_use(self, ctx, flow: GraphValues, regions: Regions, scope, names: set[str]) -> bool:
        facts = self._facts(ctx, flow, regions, scope)
        if not names.isdisjoint(facts.backpropagated) or not names.isdisjoint(facts.trained_on):
            return True
        if scope is not None and not names.isdisjoint(facts.returned):
            backpropagates = self._caller_memo.get(scope)
            if backpropagates is None:
                backpropagates = self._caller_backpropagates(ctx, flow, regions, scope)
                self._caller_memo[scope] = backpropagates
            return backpropagates
        return False

    def _caller_backpropagates(self, ctx, flow: GraphValues, regions: Regions, function) -> bool:
        for call in regions.callers(function):
            parent = ctx.index.parent(call)
            if isinstance(parent, cst.Attribute) and parent.attr.value == "backward":
                return True
            assign = ctx.index.enclosing(call, cst.Assign)
            if assign is None:
                continue
            caller = ctx.index.function_of(call)
            keys = {key for t in assign.targets for key, _ in _targets(t.target)}
            names = set()
            for key in keys:
                names |= self._derived(ctx, flow, caller, key)
            for other in self._calls_in(ctx, caller):
                if regions.is_backward_call(other):
                    receiver = other.func.value if isinstance(other.func, cst.Attribute) else None
                    if receiver is not None and self._mentions(receiver, names):
                        return True
        return False

    def _calls_in(self, ctx, scope):
        facts = self._scope_facts.get(scope)
        if facts is not None:
            return facts.calls
        if scope is None:
            return [c for c in ctx.index.of_type(cst.Call) if ctx.index.function_of(c) is None]
        return [n for n in iter_subtree(scope.body) if isinstance(n, cst.Call)]

    # -- the finding and its fix ------------------------------------------------------------------
    def _report(self, ctx, flow: GraphValues, statement, key: str, value, intro: str = "") -> None:
        leaves = flow.graph_leaves(value)
        stmt_text = ctx.code_for(statement).strip().splitlines()[0]
        leaf_text = ", ".join(f"`{ctx.code_for(leaf).strip()}`" for leaf in leaves) or "the value"
        tensor_later = self._used_as_tensor_later(ctx, statement, key)
        function = ctx.index.function_of(statement)
        if not tensor_later and function is not None and any(
                ret.value is not None and self._mentions(ret.value, {key}) for ret in flow.returns_of(function)):
            # Returned: the callers' use decides whether a float is acceptable.
            regions = ctx.analysis(Regions)
            for call in regions.callers(function):
                assign = ctx.index.enclosing(call, cst.Assign)
                if assign is None:
                    continue
                for target in assign.targets:
                    for name, _ in _targets(target.target):
                        if self._used_as_tensor_later(ctx, assign, name):
                            tensor_later = True
        scalar = bool(leaves) and all(flow.is_scalar_loss(leaf) for leaf in leaves) and not tensor_later
        method = "item" if scalar else "detach"
        # A dict or list of tensors (``loss["total"]`` read elsewhere) has no ``.item()``: no fix.
        containers = any(flow.is_container(leaf) for leaf in leaves)
        edits = () if containers else tuple(
            ctx.replace_edit(leaf, self._with_method(ctx, leaf, method)) for leaf in leaves)
        fix = Fix("safe" if scalar else "unsafe", edits,
                  f"accumulate {'a Python number' if scalar else 'a detached tensor'} "
                  f"with `.{method}()`") if edits else None
        advice = ("accumulate `.item()` (a Python float)" if scalar
                  else "accumulate `.detach()`-ed values (or `.item()` for a scalar)")
        if intro:
            message = (f"`{stmt_text}` keeps the autograd graph of every iteration alive: {leaf_text} "
                       f"is attached to the graph and {intro}, which outlives the iteration; "
                       f"pass `.item()` (a Python float) or a `.detach()`-ed value.")
        else:
            message = (f"`{stmt_text}` keeps the autograd graph of every iteration alive: {leaf_text} "
                       f"is attached to the graph and `{key}` outlives the iteration; {advice}.")
        ctx.report(statement, message, fix=fix)

    @staticmethod
    def _with_method(ctx, leaf, method: str) -> str:
        text = ctx.code_for(leaf).strip()
        if isinstance(leaf, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
            return f"{text}.{method}()"  # binds tighter than any operator around it
        return f"({text}).{method}()"

    def _used_as_tensor_later(self, ctx, statement, key: str) -> bool:
        """A later use reads the accumulator as a tensor (``acc.item()``, ``torch.stack(acc)``)."""
        scope = ctx.index.function_of(statement)
        last = self._scope_facts.get(("tensor-uses", scope))
        if last is None:
            last = _last_tensor_uses(ctx, scope)
            self._scope_facts[("tensor-uses", scope)] = last
        return last.get(key, -1) > ctx.index.order[statement]


def _mentioned(expr: cst.CSTNode) -> set[str]:
    """The dotted names an expression mentions (``a``, ``a.b`` and ``a.b.c`` for ``a.b.c``)."""
    names = set()
    for node in iter_subtree(expr):
        if isinstance(node, (cst.Name, cst.Attribute)):
            name = dotted_name(node)
            if name is not None:
                names.add(name)
    return names


@dataclass
class _ScopeFacts:
    """What DL101 asks of a scope, for every accumulator at once."""

    calls: list
    readers: dict[str, set[str]]  # name -> the names assigned from an expression mentioning it
    backpropagated: set[str]  # names mentioned by a backward() call (receiver or arguments)
    trained_on: set[str]  # names passed to a model, a training helper, scale or manual_backward
    returned: set[str]  # names mentioned by a return statement of the scope

    @classmethod
    def build(cls, rule: "GraphAccumulation", ctx, flow: GraphValues, regions: Regions, scope) -> "_ScopeFacts":
        calls = rule._calls_in(ctx, scope)
        readers: dict[str, set[str]] = {}
        for other, definitions in flow.scope_definitions(scope).items():
            for definition in definitions:
                if definition.value is not None:
                    for name in _mentioned(definition.value):
                        readers.setdefault(name, set()).add(other)
        backpropagated: set[str] = set()
        trained_on: set[str] = set()
        for call in calls:
            func = call.func
            if regions.is_backward_call(call):
                if isinstance(func, cst.Attribute):
                    backpropagated |= _mentioned(func.value)
                for arg in call.args:
                    backpropagated |= _mentioned(arg.value)
                continue
            if not call.args:
                continue
            target = regions.resolved(call)
            if (target is not None and regions.trains(target)) \
                    or (isinstance(func, (cst.Name, cst.Attribute)) and flow.is_model(func)) \
                    or (isinstance(func, cst.Attribute) and func.attr.value in ("scale", "manual_backward")):
                for arg in call.args:
                    trained_on |= _mentioned(arg.value)
        returned: set[str] = set()
        if scope is not None:
            for ret in flow.returns_of(scope):
                if ret.value is not None:
                    returned |= _mentioned(ret.value)
        return cls(calls, readers, backpropagated, trained_on, returned)


def _last_tensor_uses(ctx, scope) -> dict[str, int]:
    """For each name, the order of the last node that reads it as a tensor (``acc.item()``,
    ``torch.stack(acc)``) in ``scope`` (the whole file for the module scope)."""
    nodes = iter_subtree(scope.body) if scope is not None else ctx.index.of_type(cst.Attribute, cst.Call)
    order = ctx.index.order
    last: dict[str, int] = {}
    for node in nodes:
        names: list = []
        if isinstance(node, cst.Attribute) and node.attr.value in TENSOR_METHODS:
            names = [dotted_name(node.value)]
        elif isinstance(node, cst.Call) and (ctx.imports.qualify(node.func) or "").startswith("torch."):
            names = [dotted_name(arg.value) for arg in node.args]
        for name in names:
            if name is not None:
                last[name] = max(last.get(name, -1), order[node])
    return last
