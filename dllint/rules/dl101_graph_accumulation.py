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
``.item()``, ``.detach()``, comparisons, values computed under ``no_grad``, gradients that
``torch.autograd.grad`` returns without ``create_graph``, the parts of a project model's output that
its ``forward`` computes off the graph (``.item()`` accuracies beside the loss); not a loss without
parameters, ``nn.MSELoss()`` or ``F.l1_loss``, of inputs all detached by their form:
``criterion(pred.detach().cpu(), true.detach().cpu())``). A value detached on one
path only is still a graph tensor where the paths meet. The accumulation is reported only
where it outlives a training step: inside a training loop or a loop over a data loader, with an
accumulator created outside that loop, or into a ``self.`` attribute from a method that trains
(:mod:`dllint.analysis.accumulations`).
When the accumulation happens inside a method that adds its argument to ``self.`` (an
``AverageMeter.update(val, n)``, of this file or of a class imported from the project), the finding
goes to the call that passes the graph tensor.

Silent for: accumulation under ``no_grad`` / ``inference_mode`` (also through a decorator or a caller
that is always under ``no_grad``), an accumulator that is back-propagated (``total.backward()``,
``torch.stack(losses).mean().backward()``, also through a list of losses built from its values) or
fed to a model or training helper, a buffer of the module's (a global list, an attribute of a global
object: ``critic_net.saved_values``) that another function back-propagates and clears (the REINFORCE
idiom: an episode's log-probabilities or values kept for its update), one re-created each
iteration, detached values, comparisons (``correct += (pred == y).sum()``), ``forward`` methods,
and files that do not import torch.
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.accumulations import Accumulations
from dllint.diagnostics import Fix
from dllint.rule import Invalid, Rule


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
        # A section switched off by a name that only a literal reaches (the fourteenth audit's
        # DX: a course file runs one demonstration at a time): the block never runs as the file
        # stands, like ``if False:``.
        """\
import torch
x = torch.tensor([2.0], requires_grad=True)
loss_rec = []
flag = 0
# flag = 1
if flag:
    for i in range(20):
        y = 4 * x ** 2
        y.backward()
        x.data.sub_(0.1 * x.grad)
        x.grad.zero_()
        loss_rec.append(y)
print(len(loss_rec))
""",
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
        # The outputs of one step's sub-batches, in a list re-created for every batch, each chunk's
        # loss back-propagated before the next (audit 2026-12f, cause AY): one step's chunks only.
        """\
import torch
for data, targets in loader:
    optimizer.zero_grad()
    outputs = []
    for data_chunk, target_chunk in zip(data.chunk(2), targets.chunk(2)):
        output_chunk = model(data_chunk)
        outputs.append(output_chunk)
        loss = loss_fn(output_chunk, target_chunk)
        loss.backward()
    optimizer.step()
    outputs = torch.cat(outputs)
    acc = (outputs.argmax(1) == targets).float().mean().item()
""",
        # Graphs kept on purpose: autograd.grad of each accumulated value after the loop (the EWC
        # Fisher estimate; audit 2026-12f, cause BA).
        """\
import torch
import torch.nn.functional as F
from torch import autograd


def estimate_fisher(model, loader, sample_size=32):
    loglikelihoods = []
    for x, y in loader:
        loglikelihoods.append(F.log_softmax(model(x), dim=1)[range(len(y)), y])
        if len(loglikelihoods) * loader.batch_size >= sample_size:
            break
    loglikelihoods = torch.cat(loglikelihoods).unbind()
    grads = zip(*[autograd.grad(l, model.parameters(), retain_graph=True) for l in loglikelihoods])
    return [(torch.stack(g) ** 2).mean(0) for g in grads]
""",
        # ... or one backward() of their sum, by a loop over them
        """\
import torch


def meta_loss(model, loader):
    losses = []
    for x, y in loader:
        losses.append(torch.nn.functional.cross_entropy(model(x), y))
    for l in losses:
        l.backward(retain_graph=True)
""",
        # (tenth audit CH) The REINFORCE / actor-critic idiom: each step's state value is kept on
        # the critic (a module-level object) for the episode's update, which builds the losses
        # from them (appended, stacked), back-propagates them and clears the list; a global list
        # of log-probabilities emptied with clear() the same way.
        """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)
        self.saved_values = []

    def forward(self, x):
        return self.fc(x)


critic_net = Critic()
optimizer = torch.optim.Adam(critic_net.parameters(), lr=1e-3)
saved_log_probs = []


def update(rewards):
    value_losses = []
    for value, r in zip(critic_net.saved_values, rewards):
        value_losses.append(F.smooth_l1_loss(value, torch.tensor([r])))
    optimizer.zero_grad()
    (torch.stack(value_losses).sum() - torch.stack(saved_log_probs).sum()).backward()
    optimizer.step()
    del critic_net.saved_values[:]
    saved_log_probs.clear()


def train(env, policy):
    for episode in range(1000):
        state, rewards = env.reset(), []
        for step in range(200):
            dist = policy(state)
            action = dist.sample()
            saved_log_probs.append(dist.log_prob(action))
            critic_net.saved_values.append(critic_net(state))
            state, reward, done = env.step(action)
            rewards.append(reward)
            if done:
                break
        update(rewards)
""",
        # The same with a local list: the losses built from its values are appended to another
        # list, stacked and back-propagated once per episode.
        """\
import torch
import torch.nn.functional as F


def train(critic, optimizer, env):
    saved_values = []
    for episode in range(100):
        rewards = []
        for step in range(200):
            saved_values.append(critic(env.state()))
            rewards.append(env.step())
        value_losses = []
        for value, r in zip(saved_values, rewards):
            value_losses.append(F.mse_loss(value, torch.tensor([r])))
        optimizer.zero_grad()
        torch.stack(value_losses).sum().backward()
        optimizer.step()
        del saved_values[:]
""",
        # (fourteenth audit DR) a loss module without parameters of two detached tensors: on the
        # graph only through its inputs, and neither is (a functional loss, a loss module bound to
        # a name, one returned by a helper of the file)
        """\
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def select_criterion():
    criterion = nn.MSELoss()
    return criterion


criterion = nn.MSELoss()
loss_fn = select_criterion()
total_loss, total_l1, total_f = [], [], []
for batch_x, batch_y in vali_loader:
    pred = model(batch_x)
    true = batch_y.detach()
    loss = criterion(pred.detach().cpu(), true.cpu())
    total_loss.append(loss)
    total_l1.append(loss_fn(pred.detach(), true))
    total_f.append(F.smooth_l1_loss(pred.detach().cpu(), true))
print(np.average(total_loss), np.average(total_l1), np.average(total_f))
""",
        # Input gradients from ``torch.autograd.grad`` without ``create_graph``: made outside the
        # graph (no grad_fn), so summing them across batches keeps nothing alive (sixteenth audit,
        # FA: a gradient-norm statistic of adversarial training).
        """\
import torch
import torch.nn.functional as F
grad_total = 0
for x, y in train_loader:
    loss = F.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    inputs = x.clone().requires_grad_(True)
    probe = F.cross_entropy(model(inputs), y)
    g = torch.autograd.grad(probe, inputs, create_graph=False)[0]
    grad_total += g.abs().sum()
    (h,) = torch.autograd.grad(probe, inputs, None, None, False)
    grad_total += h.norm()
print(grad_total)
""",
    ]

    INVALID = [
        # Twin of the switched-off section: switched on (or switched off only on some path), the
        # block runs.
        """\
import torch
x = torch.tensor([2.0], requires_grad=True)
loss_rec = []
flag = 0
flag = 1
if flag:
    for i in range(20):
        y = 4 * x ** 2
        y.backward()
        x.data.sub_(0.1 * x.grad)
        x.grad.zero_()
        loss_rec.append(y)  # expect: DL101
print(len(loss_rec))
""",
        """\
import sys
import torch
x = torch.tensor([2.0], requires_grad=True)
loss_rec = []
flag = 0
if len(sys.argv) > 1:
    flag = 1
if flag:
    for i in range(20):
        y = 4 * x ** 2
        y.backward()
        x.data.sub_(0.1 * x.grad)
        x.grad.zero_()
        loss_rec.append(y)  # expect: DL101
""",
        # Twins of the sub-batch case: the list made once, before the loop over batches (every
        # step's chunks pile up) ...
        """\
import torch
outputs = []
for data, targets in loader:
    optimizer.zero_grad()
    for data_chunk, target_chunk in zip(data.chunk(2), targets.chunk(2)):
        output_chunk = model(data_chunk)
        outputs.append(output_chunk)  # expect: DL101
        loss = loss_fn(output_chunk, target_chunk)
        loss.backward()
    optimizer.step()
""",
        # ... re-made per epoch, not per batch ...
        """\
import torch
for epoch in range(10):
    outputs = []
    for data, targets in loader:
        optimizer.zero_grad()
        output = model(data)
        outputs.append(output)  # expect: DL101
        loss_fn(output, targets).backward()
        optimizer.step()
""",
        # ... or re-made per batch around an inner loop that steps the optimizer at each
        # iteration (each inner iteration is a step of its own: a per-batch adaptation loop).
        """\
import torch
for data, targets in loader:
    history = []
    for it in range(100):
        optimizer.zero_grad()
        loss = loss_fn(model(data), targets)
        loss.backward()
        optimizer.step()
        history.append(loss)  # expect: DL101
    print(torch.stack(history).mean().item())
""",
        # Twin of the autograd.grad case: the accumulated losses are only averaged; what
        # autograd.grad differentiates is each step's fresh loss, not the list.
        """\
import torch
from torch import autograd


def train(model, loader, opt):
    losses = []
    for x, y in loader:
        loss = torch.nn.functional.cross_entropy(model(x), y)
        losses.append(loss)  # expect: DL101
        grads = autograd.grad(loss, list(model.parameters()))
        for p, g in zip(model.parameters(), grads):
            p.grad = g
        opt.step()
    print(torch.stack(losses).mean().item())
""",
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
        # (tenth audit CH, the bugs nearby) A critic's values kept on the module-level object and
        # only logged at the end of the episode (never back-propagated: every graph stays until
        # the clear) ...
        """\
import torch
import torch.nn as nn

critic_net = nn.Linear(4, 1)
critic_net.saved_values = []
optimizer = torch.optim.Adam(critic_net.parameters(), lr=1e-3)


def report():
    print(torch.stack(critic_net.saved_values).mean().item())
    del critic_net.saved_values[:]


def train(env):
    for episode in range(1000):
        for step in range(200):
            value = critic_net(env.state())
            critic_net.saved_values.append(value)  # expect: DL101
            loss = (value - env.step()).pow(2).mean()
            optimizer.zero_grad()
            loss.backward(retain_graph=True)
            optimizer.step()
        report()
""",
        # ... back-propagated at the end of each episode but never cleared (the list keeps every
        # episode's graphs) ...
        """\
import torch
import torch.nn as nn

policy = nn.Linear(4, 2)
policy.saved_log_probs = []
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-3)


def finish_episode(returns):
    optimizer.zero_grad()
    (-torch.stack(policy.saved_log_probs) * returns).sum().backward()
    optimizer.step()


def train(env):
    for episode in range(1000):
        for step in range(200):
            probs = torch.softmax(policy(env.state()), -1)
            action = torch.multinomial(probs, 1)
            policy.saved_log_probs.append(probs.log()[action])  # expect: DL101
            env.step(action)
        finish_episode(env.returns())
""",
        # ... or a function that back-propagates and clears a list of its own by the same name
        # (a local, not the global one the loop fills).
        """\
import torch
import torch.nn as nn

critic = nn.Linear(4, 1)
saved_values = []
optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3)


def update(batch):
    saved_values = [critic(x) for x in batch]
    optimizer.zero_grad()
    torch.stack(saved_values).sum().backward()
    optimizer.step()
    del saved_values[:]


def train(env):
    for episode in range(1000):
        for step in range(200):
            saved_values.append(critic(env.state()))  # expect: DL101
        update(env.batch())
""",
        # (fourteenth audit DR, the twins) a loss module with a parameter of its own (a center
        # loss), or one input still on the graph: the loss is on the graph
        """\
import torch
import torch.nn as nn


class CenterLoss(nn.Module):
    def __init__(self, classes, dim):
        super().__init__()
        self.centers = nn.Parameter(torch.randn(classes, dim))

    def forward(self, x, y):
        return ((x - self.centers[y]) ** 2).sum()


center_criterion = CenterLoss(10, 2)
criterion = nn.MSELoss()
total, total_center = [], []
for batch_x, batch_y in train_loader:
    features, pred = model(batch_x)
    total_center.append(center_criterion(features.detach(), batch_y.detach()))  # expect: DL101
    total.append(criterion(pred.cpu(), batch_y.detach()))  # expect: DL101
""",
        # Twins of the autograd.grad gradients: with ``create_graph=True`` (or a flag that may be
        # true) the gradients are graph tensors (double backward), and summing them keeps every
        # batch's graph.
        """\
import torch
import torch.nn.functional as F
grad_total = 0
for x, y in train_loader:
    loss = F.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    inputs = x.clone().requires_grad_(True)
    probe = F.cross_entropy(model(inputs), y)
    g = torch.autograd.grad(probe, inputs, create_graph=True)[0]
    grad_total += g.abs().sum()  # expect: DL101
print(grad_total)
""",
        """\
import torch
import torch.nn.functional as F
def run(double_backward):
    grad_total = 0
    for x, y in train_loader:
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        inputs = x.clone().requires_grad_(True)
        probe = F.cross_entropy(model(inputs), y)
        g = torch.autograd.grad(probe, inputs, create_graph=double_backward)[0]
        grad_total += g.abs().sum()  # expect: DL101
        (h,) = torch.autograd.grad(probe, inputs, None, None, True)
        grad_total += h.norm()  # expect: DL101
    return grad_total
""",
    ]

    def check(self, ctx) -> None:
        if not ctx.imports.uses("torch", "lightning", "pytorch_lightning"):
            return
        facts = ctx.analysis(Accumulations)
        for statement, accumulator, value in facts.found:
            function = ctx.index.function_of(statement)
            if function is not None and function.name.value == "forward":
                continue
            if not facts.outlives_step(statement, accumulator):
                continue
            if facts.regions.no_grad(statement) or not facts.flow.is_graph(value):
                continue
            # ``hist.append(tl / n)`` after ``tl += loss``: the finding at ``tl`` covers it, and
            # fixing that one fixes this one (two fixes would collide).
            if facts.only_accumulators(value) or facts.consumed(statement, accumulator):
                continue
            self._report(ctx, facts, statement, accumulator, value)
        for found in facts.helper_accumulations():
            self._report(ctx, facts, found.call, found.accumulator, found.value,
                         intro=f"`{found.helper}` accumulates its argument into `{found.key}`")

    # -- the finding and its fix ------------------------------------------------------------------
    def _report(self, ctx, facts: Accumulations, statement, key: str, value, intro: str = "") -> None:
        flow = facts.flow
        leaves = flow.graph_leaves(value)
        stmt_text = ctx.code_for(statement).strip().splitlines()[0]
        leaf_text = ", ".join(f"`{ctx.code_for(leaf).strip()}`" for leaf in leaves) or "the value"
        # A float where a later read (here or in a caller) wants a tensor breaks it: detach instead.
        scalar = bool(leaves) and all(flow.is_scalar_loss(leaf) for leaf in leaves) \
            and not facts.kept_as_tensor(statement, key)
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
