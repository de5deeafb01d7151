"""DL103: a training loop that back-propagates and steps the optimizer but never clears the
gradients, so every step's gradients are added to all the earlier ones.

Why: ``loss.backward()`` adds into ``p.grad``; it does not overwrite it. Without
``optimizer.zero_grad()`` (or ``model.zero_grad()``, ``p.grad = None``, ``p.grad.zero_()``) in each
step, the update of step t uses the sum of the gradients of steps 1..t: the effective learning rate
grows with t, the direction is dominated by stale batches, and training diverges or stalls while the
loss curve looks merely "noisy".

Reported at the ``step()`` call of a loop whose body (the same function) calls ``backward()`` and an
optimizer's ``step()`` and in which nothing clears gradients: no clearing anywhere in that loop or in a
loop around it, nor in a function or method of this module called there. A clearing that runs only
every k steps (``if (i + 1) % k == 0: optimizer.zero_grad()``) is gradient accumulation on purpose and
counts. A clearing only before the loop is reported: it runs once, not per step. An instance of a
class of the file that is no optimizer (a weight average named ``ema_optimizer``) steps no gradient,
whatever its name (``Regions.is_optimizer``).

Silent for a timing or memory benchmark whose stepped weights nothing observes
(:func:`dllint.analysis.unobserved_steps.unobserved_step`, fourteenth audit DT): the model and the
optimiser are locals built in the function, the model run only on tensors the code made and its
outputs only back-propagated; a model passed in, saved, returned or evaluated, or a loss printed,
keeps the finding.

Silent for backward passes inside a closure (``optimizer.step(closure)``: L-BFGS style, the closure
clears), steps that do not have torch's signature (MXNet's ``trainer.step(batch_size)`` overwrites
gradients; ``DistributedOptimizer.step(context_id)`` keeps them per context), and files that do not
import torch.
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.imports import dotted_name
from dllint.analysis.regions import Regions
from dllint.analysis.unobserved_steps import unobserved_step
from dllint.index import iter_subtree
from dllint.rule import Rule

CLEARING_METHODS = frozenset({"zero_grad", "clear_grad", "zero_grads"})


class MissingZeroGrad(Rule):
    """A training loop steps the optimizer on gradients that were never cleared."""

    code = "DL103"
    name = "missing-zero-grad"
    summary = ("A training loop calls backward() and step() but never clears the gradients, so they "
               "accumulate across steps.")
    severity = "warning"
    fixable = None
    url = ""

    VALID = [
        # (fourteenth audit DT) a timing benchmark: the layer and its optimiser are locals, the
        # inputs constants, the loss only back-propagated; what is printed is the time. Nothing
        # reads the weights the steps write, so their uncleared gradients change nothing.
        """import time
import torch
import torch.nn as nn
import torch.optim as optim


class Attention(nn.Module):
    def __init__(self, d_model):
        super().__init__()
        self.qkv = nn.Linear(d_model, 3 * d_model)

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        return torch.softmax(q @ k.transpose(1, 2), dim=-1) @ v

def time_attention(dim, input_len, repeat_times=1000):
    layer = Attention(dim).to('cpu')
    optimizer = optim.Adam(layer.parameters(), 1e-4)
    optimizer.zero_grad()
    hidden = torch.ones(4, input_len, dim)
    fake_gt = torch.zeros(4, input_len, dim)
    start = time.time()
    for i in range(repeat_times):
        result = layer(hidden)
        loss = ((fake_gt - result) ** 2).mean()
        loss.backward()
        optimizer.step()
    print('average time: {} s'.format(round((time.time() - start) / repeat_times, 4)))
""",
        # The usual loop.
        """\
import torch
for x, y in loader:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
""",
        # set_to_none, after the step, and model.zero_grad().
        """\
import torch
opt = torch.optim.Adam(model.parameters())
for epoch in range(10):
    for x, y in train_loader:
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
for x, y in train_loader:
    model.zero_grad()
    criterion(model(x), y).backward()
    opt.step()
""",
        # Gradient accumulation: cleared every k steps on purpose.
        """\
import torch
for i, (x, y) in enumerate(loader):
    loss = criterion(model(x), y) / accum_steps
    loss.backward()
    if (i + 1) % accum_steps == 0:
        optimizer.step()
        optimizer.zero_grad()
""",
        # Gradients set to None by hand, and zeroed by hand.
        """\
import torch
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    for p in model.parameters():
        p.grad = None
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    w.grad.zero_()
    b.grad.data.zero_()
""",
        # Cleared once per outer iteration: may be deliberate accumulation over the inner loop.
        """\
import torch
for step in range(num_steps):
    optimizer.zero_grad()
    for micro in range(accum):
        loss = criterion(model(xs[micro]), ys[micro])
        loss.backward()
        if micro == accum - 1:
            optimizer.step()
""",
        # Cleared by a helper of another module, named for what it does.
        """\
import torch
from utils import zero_grads
for x, y in loader:
    zero_grads(model)
    criterion(model(x), y).backward()
    optimizer.step()
""",
        # Cleared in a helper of this module called from the loop.
        """\
import torch

class Trainer:
    def reset(self):
        self.optimizer.zero_grad()

    def fit(self, loader):
        for x, y in loader:
            self.reset()
            loss = self.criterion(self.model(x), y)
            loss.backward()
            self.optimizer.step()
""",
        # L-BFGS: backward inside the closure, which clears.
        """\
import torch
optimizer = torch.optim.LBFGS(model.parameters())
for i in range(20):
    def closure():
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        return loss
    optimizer.step(closure)
""",
        # A scheduler's step is not an optimizer step; no backward in the loop either.
        """\
import torch
for epoch in range(10):
    train_one_epoch(model, loader, optimizer)
    scheduler.step()
""",
        # GradScaler with the clearing at the top of the step, nanoGPT style in a while loop.
        """\
import torch
while True:
    for micro_step in range(grad_accum):
        logits, loss = model(X, Y)
        scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad(set_to_none=True)
    if iter_num > max_iters:
        break
""",
        # MXNet's Trainer and torch's DistributedOptimizer: no gradients to clear.
        """\
import torch
from mxnet import autograd
for X, y in train_iter:
    with autograd.record():
        l = loss(net(X), y)
    l.backward()
    trainer.step(batch_size)
for step in range(10):
    with dist_autograd.context() as context_id:
        dist_autograd.backward(context_id, [loss_fn(model(x), y)])
        opt.step(context_id)
""",
        # Not torch.
        """\
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
""",
        # A weight average of the file named like an optimizer: its step() mixes the weights into a
        # copy and reads no gradient; the real optimizer is cleared.
        """\
import torch
class WeightEMA(object):
    def __init__(self, model, ema_model, alpha=0.999):
        self.params = list(model.state_dict().values())
        self.ema_params = list(ema_model.state_dict().values())
        self.alpha = alpha
    def step(self):
        for param, ema_param in zip(self.params, self.ema_params):
            ema_param.mul_(self.alpha)
            ema_param.add_(param * (1.0 - self.alpha))
optimizer = torch.optim.Adam(model.parameters())
ema_optimizer = WeightEMA(model, ema_model)
def train(loader):
    for x, y in loader:
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        ema_optimizer.step()
""",
        # The weight average handed to the training function: every call of it passes the
        # average for its parameter ema_optimizer.
        """\
import torch
class WeightEMA(object):
    def __init__(self, model, ema_model, alpha=0.999):
        self.params = list(model.state_dict().values())
        self.ema_params = list(ema_model.state_dict().values())
        self.alpha = alpha
    def step(self):
        for param, ema_param in zip(self.params, self.ema_params):
            ema_param.mul_(self.alpha).add_(param * (1.0 - self.alpha))
def train(loader, model, optimizer, ema_optimizer):
    for x, y in loader:
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        ema_optimizer.step()
def main():
    optimizer = torch.optim.Adam(model.parameters())
    ema_optimizer = WeightEMA(model, ema_model)
    for epoch in range(10):
        train(loader, model, optimizer, ema_optimizer)
""",
    ]

    INVALID = [
        # (fourteenth audit DT, the twins) the same loop where its weights are observed: a layer
        # passed in (the caller keeps it), a loss printed, a layer saved, returned or evaluated
        """import time
import torch
import torch.nn as nn
import torch.optim as optim


class Attention(nn.Module):
    def __init__(self, d_model):
        super().__init__()
        self.qkv = nn.Linear(d_model, 3 * d_model)

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        return torch.softmax(q @ k.transpose(1, 2), dim=-1) @ v

def time_layer(layer, input_len, repeat_times=1000):
    optimizer = optim.Adam(layer.parameters(), 1e-4)
    optimizer.zero_grad()
    hidden = torch.ones(4, input_len, 64)
    target = torch.zeros(4, input_len, 64)
    start = time.time()
    for i in range(repeat_times):
        loss = ((target - layer(hidden)) ** 2).mean()
        loss.backward()
        optimizer.step()  # expect: DL103
    print('average time: {} s'.format((time.time() - start) / repeat_times))


def fit_printing(d_model, steps):
    layer = Attention(d_model)
    optimizer = optim.Adam(layer.parameters(), 1e-4)
    hidden, target = torch.ones(4, 8, d_model), torch.zeros(4, 8, d_model)
    for i in range(steps):
        loss = ((target - layer(hidden)) ** 2).mean()
        loss.backward()
        optimizer.step()  # expect: DL103
        print(i, loss.item())


def fit_saving(d_model, steps, path):
    layer = Attention(d_model)
    optimizer = optim.Adam(layer.parameters(), 1e-4)
    hidden, target = torch.ones(4, 8, d_model), torch.zeros(4, 8, d_model)
    for i in range(steps):
        ((target - layer(hidden)) ** 2).mean().backward()
        optimizer.step()  # expect: DL103
    torch.save(layer.state_dict(), path)


def fit_returning(d_model, steps):
    layer = Attention(d_model)
    optimizer = optim.Adam(layer.parameters(), 1e-4)
    hidden, target = torch.ones(4, 8, d_model), torch.zeros(4, 8, d_model)
    for i in range(steps):
        ((target - layer(hidden)) ** 2).mean().backward()
        optimizer.step()  # expect: DL103
    return layer


def fit_evaluating(d_model, steps, x_test):
    layer = Attention(d_model)
    optimizer = optim.Adam(layer.parameters(), 1e-4)
    hidden, target = torch.ones(4, 8, d_model), torch.zeros(4, 8, d_model)
    for i in range(steps):
        ((target - layer(hidden)) ** 2).mean().backward()
        optimizer.step()  # expect: DL103
    with torch.no_grad():
        print(layer(x_test).mean())


def fit_on_data(d_model, loader):
    layer = Attention(d_model)
    optimizer = optim.Adam(layer.parameters(), 1e-4)
    for x, y in loader:
        loss = ((y - layer(x)) ** 2).mean()
        loss.backward()
        optimizer.step()  # expect: DL103
""",
        """\
import torch
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()  # expect: DL103
""",
        # Cleared once before the loop only.
        """\
import torch
optimizer.zero_grad()
for epoch in range(100):
    out = model(X)
    loss = ((out - Y) ** 2).mean()
    loss.backward()
    optimizer.step()  # expect: DL103
""",
        # A training function.
        """\
import torch
import torch.nn.functional as F

def train(model, loader, opt, epochs):
    model.train()
    for epoch in range(epochs):
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()  # expect: DL103
""",
        # A Trainer class.
        """\
import torch

class Trainer:
    def __init__(self, model):
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def train_epoch(self, loader):
        for x, y in loader:
            loss = self.model(x, y)
            loss.backward()
            self.optimizer.step()  # expect: DL103
""",
        # A GAN: the generator's optimizer is never cleared.
        """\
import torch
for real in loader:
    optimizer_d.zero_grad()
    d_loss = criterion(netD(real), ones)
    d_loss.backward()
    optimizer_d.step()
    g_loss = criterion(netD(netG(z)), ones)
    g_loss.backward()
    optimizer_g.step()  # expect: DL103
""",
        # With a GradScaler.
        """\
import torch
scaler = torch.cuda.amp.GradScaler()
for x, y in loader:
    with torch.autocast("cuda"):
        loss = criterion(model(x), y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)  # expect: DL103
    scaler.update()
""",
        # Notebook style: a while loop with accelerate.
        """\
import torch
from accelerate import Accelerator
accelerator = Accelerator()
step = 0
while step < 1000:
    batch = next(it)
    loss = model(**batch).loss
    accelerator.backward(loss)
    optim.step()  # expect: DL103
    step += 1
""",
        # Nested epoch and batch loops, nothing cleared in either.
        """\
import torch
for epoch in range(10):
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()  # expect: DL103
    print(epoch, loss.item())
""",
        # A wrapper of the file (not an Optimizer subclass) whose step() steps the optimizer it
        # holds: an optimizer, and nothing clears it.
        """\
import torch
class Lookahead(object):
    def __init__(self, base):
        self.optimizer = base
    def step(self):
        self.optimizer.step()
opt = Lookahead(torch.optim.SGD(model.parameters(), lr=0.1))
for x, y in loader:
    criterion(model(x), y).backward()
    opt.step()  # expect: DL103
""",
        # A parameter named like an optimizer holds what the callers pass, not the module's
        # weight average of the same name.
        """\
import torch
class Average:
    def __init__(self, model):
        self.shadow = [p.detach().clone() for p in model.parameters()]
    def step(self, model):
        for s, p in zip(self.shadow, model.parameters()):
            s.mul_(0.99).add_(p.detach(), alpha=0.01)
optimizer = Average(model)
def train(model, loader, optimizer):
    for x, y in loader:
        criterion(model(x), y).backward()
        optimizer.step()  # expect: DL103
""",
        # One call hands the weight average to the function, another a torch optimizer: the
        # parameter may be an optimizer, and nothing clears it.
        """\
import torch
class Average:
    def __init__(self, model):
        self.shadow = [p.detach().clone() for p in model.parameters()]
    def step(self):
        pass
def fit(model, loader, optimizer):
    for x, y in loader:
        criterion(model(x), y).backward()
        optimizer.step()  # expect: DL103
ema = Average(model)
fit(model, loader, ema)
fit(model, loader, torch.optim.SGD(model.parameters(), lr=0.1))
""",
    ]

    def check(self, ctx) -> None:
        if not ctx.imports.uses("torch", "accelerate"):
            return
        regions = ctx.analysis(Regions)
        if not regions.training_calls:
            return
        steps = [c for c in regions.training_calls
                 if regions.is_step_call(c) and self._torch_style_step(regions, c)]
        # The loops that run a backward pass directly, found once: per step it made the rule
        # quadratic in the number of training loops of a file.
        backward_loops = {loop for call in regions.training_calls if regions.is_backward_call(call)
                          for loop in regions.loops_of(call)}
        for step in steps:
            loop = regions.loop_of(step)
            if loop is None or not self._backward_in(regions, loop, step, backward_loops):
                continue
            if self._clears(ctx, regions, step, loop):
                continue
            if unobserved_step(ctx, step):
                continue  # a benchmark's local layer: nothing reads the weights the steps write
            ctx.report(
                step,
                f"`{ctx.code_for(step).strip()}` applies gradients that are never cleared in this "
                f"loop: `backward()` adds to `.grad`, so each step uses the sum of all earlier "
                f"gradients; call `optimizer.zero_grad()` once per step.",
            )

    @staticmethod
    def _torch_style_step(regions: Regions, step: cst.Call) -> bool:
        """``opt.step()``, ``opt.step(closure)``, ``scaler.step(opt)``; not ``trainer.step(batch_size)``
        (MXNet's Trainer overwrites gradients) nor ``dist_opt.step(context_id)`` (distributed
        autograd keeps gradients per context)."""
        if not step.args:
            return True
        first = step.args[0].value
        if regions.is_optimizer(first) or isinstance(first, cst.Lambda):
            return True
        return isinstance(first, cst.Name) and ("closure" in first.value
                                                or first.value in regions.functions)

    @staticmethod
    def _backward_in(regions: Regions, loop, step: cst.Call, backward_loops: set | None = None) -> bool:
        """A backward pass runs in ``loop`` (directly or through a module helper that does one)."""
        if backward_loops is None:
            backward_loops = {lp for call in regions.training_calls if regions.is_backward_call(call)
                              for lp in regions.loops_of(call)}
        if loop in backward_loops:
            return True
        for node in iter_subtree(loop.body):
            if isinstance(node, cst.Call):
                target = regions.resolved(node)
                if target is not None and any(
                        regions.is_backward_call(c) for c in iter_subtree(target.body)
                        if isinstance(c, cst.Call)):
                    return True
        return False

    def _clears(self, ctx, regions: Regions, step: cst.Call, loop) -> bool:
        """Gradients are cleared in ``loop`` or a loop around it, directly or through a helper."""
        outermost = regions.loops_of(step)[-1]
        return self._clears_in(regions, outermost, self._optimizer_of(regions, step), set())

    @staticmethod
    def _optimizer_of(regions: Regions, step: cst.Call) -> str | None:
        """``optimizer_g`` for ``optimizer_g.step()`` and ``scaler.step(optimizer_g)``."""
        receiver = step.func.value if isinstance(step.func, cst.Attribute) else None
        if receiver is not None and regions.is_optimizer(receiver):
            return dotted_name(receiver)
        if step.args and regions.is_optimizer(step.args[0].value):
            return dotted_name(step.args[0].value)
        return None

    def _clears_in(self, regions: Regions, node: cst.CSTNode, optimizer: str | None, seen: set) -> bool:
        for sub in iter_subtree(node):
            if isinstance(sub, cst.Call):
                if self._is_clearing_call(sub):
                    # Another optimizer's zero_grad() clears other parameters (a GAN's two
                    # optimizers); a model's zero_grad() may cover any optimizer's: counted.
                    receiver = sub.func.value  # type: ignore[attr-defined]
                    other = regions.is_optimizer(receiver) and optimizer is not None \
                        and dotted_name(receiver) not in (optimizer, None)
                    if not other:
                        return True
                target = regions.resolved(sub)
                if target is not None and target not in seen:
                    seen.add(target)
                    # Inside a helper the names are its parameters': any optimizer counts.
                    if self._clears_in(regions, target.body, None, seen):
                        return True
            elif isinstance(sub, (cst.Assign, cst.AugAssign)):
                targets = [t.target for t in sub.targets] if isinstance(sub, cst.Assign) else [sub.target]
                if any(isinstance(t, cst.Attribute) and t.attr.value == "grad" for t in targets):
                    return True  # ``p.grad = None`` / ``p.grad = torch.zeros_like(p)``
        return False

    @staticmethod
    def _is_clearing_call(call: cst.Call) -> bool:
        func = call.func
        callee = (dotted_name(func) or "").rsplit(".", 1)[-1].lower()
        # A helper we cannot see into, named for what it does: ``utils.zero_grads(model)``.
        if "zero_grad" in callee or "clear_grad" in callee or "reset_grad" in callee:
            return True
        if not isinstance(func, cst.Attribute):
            return False
        if func.attr.value in CLEARING_METHODS:
            return True
        # ``p.grad.zero_()``, ``p.grad.data.zero_()``, ``p.grad.detach_().zero_()``, ``.fill_(0)``.
        if func.attr.value in ("zero_", "fill_", "mul_", "detach_", "requires_grad_"):
            receiver = func.value
            while isinstance(receiver, (cst.Attribute, cst.Call)):
                if isinstance(receiver, cst.Attribute):
                    if receiver.attr.value == "grad":
                        return True
                    receiver = receiver.value
                else:
                    receiver = receiver.func
        return False
