"""DL302: inside a training loop the model is switched to eval mode and training goes on without
``.train()``.

The classic shape is an epoch loop that trains, then calls ``evaluate(model)`` (which calls
``model.eval()``), and never calls ``model.train()`` at the top of the next epoch: from the second
epoch on, dropout is off and batch norm uses frozen running statistics while the weights are still
being updated. Training still "works", so nothing crashes; the regularisation is silently gone and
batch-norm statistics stop tracking the weights.

The mode analysis (``dllint.analysis.modes``) runs each function to a fixed point over its loops:
a switch to eval mode (``.eval()``, ``.train(False)``, or a call of a helper or method of the module
that leaves the model in eval mode) is reported when, on some path, it reaches a training step of
the same model (a forward pass outside ``no_grad`` in a function that back-propagates, or a call of a
helper that trains it without calling ``.train()`` first) in the same loop. Reported at the switch.
Trainer classes are followed: ``trainer.train(loader)`` / ``trainer.test(loader)`` methods of a class
that is no ``nn.Module``, and a base class's template method (``train()`` calling the subclass's
``_train()``), also when the base is in another module of the project.

Also reported (``dllint.analysis.restores``): a function that switches the model to eval mode, runs
it, and switches it to eval mode again at its end, where it meant ``.train()`` (torchtuples PR #9):
it hands the model back in eval mode. Reported at the second switch.

Silent when ``.train()`` is called at the top of the loop, inside the training helper, or at the end
of the evaluation helper; when only a sub-module is put back in training mode on purpose (the
switch concerns the whole model but a part trains); and for a switch outside any loop that trains
(``model.eval()`` before a deliberately frozen fine-tuning run); and for a model that trains the same
in both modes: the engine's mode-dependence fact (``Models.mode_dependence``, asked of the model the
training step uses, also when the switch is inside a helper) sees its whole definition and no
dropout with p > 0, no batch norm with running statistics, no ``self.training`` test in it, or,
where the model is not visible, every model the program can build is mode-free (the closed world of
models, :mod:`dllint.analysis.model_world`).

A training step trains a model only when an optimiser it steps may own that model's parameters
(``Modes.step_may_train``: :func:`dllint.analysis.optimised_tensors.may_own`, and
:func:`dllint.analysis.modes.frozen_for_good`): silent for an adversarial patch or an input optimised
through a network kept in eval mode (``SGD([patch])``), for a head trained by its own optimiser on a
feature extractor kept in eval mode, and for a model whose every parameter is frozen for good. Nor
does it train a model in a way its mode changes when what may learn of it is mode-free layers alone
(:func:`dllint.analysis.modes.learns_only_mode_free_parts`: the linear-evaluation protocol, an
optimiser given ``model.fc.parameters()`` only, or every parameter but ``fc.weight`` / ``fc.bias``
frozen before the loop, with no condition around the freeze): eval mode there keeps the frozen
encoder's batch-norm statistics on purpose. A head with dropout, or a freeze under a flag, is
reported.

A shared epoch helper run under its caller's literal flags (:mod:`dllint.analysis.flags`:
``run_epoch(model, val_loader, loss_fn, None)``, by keyword, or through the parameter's default)
whose training calls all sit behind a test that the flag makes false (``if optimizer:``,
``if optimizer is not None:``) trains nothing in that call: its forward passes are an evaluation.
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.models import NO_DEPENDENCE
from dllint.analysis.modes import Modes, is_eval_token, mode_call
from dllint.analysis.restores import repeated_eval_switches
from dllint.context import FileContext
from dllint.rule import Rule


class TrainNotResumed(Rule):
    """A switch to eval mode inside a training loop that reaches further training steps without a
    ``.train()`` in between: dropout and batch norm stay in inference behaviour while training."""

    code = "DL302"
    name = "train-not-resumed"
    summary = "The model is switched to eval mode in a training loop and trained again without .train()."
    severity = "warning"

    VALID = [
        # (twelfth audit DB) a Trainer class probing a network: its optimiser holds the linear
        # head's parameters alone
        """import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(16, 32), nn.BatchNorm1d(32), nn.ReLU())
        self.fc = nn.Linear(32, 4)

    def forward(self, x):
        return self.fc(self.features(x))


class LinearProbeTrainer:
    def __init__(self, lr=0.1):
        self.model = Net()
        self.optimizer = torch.optim.SGD(self.model.fc.parameters(), lr=lr)

    def fit(self, loader, epochs):
        for epoch in range(epochs):
            self.model.eval()
            for x, y in loader:
                self.optimizer.zero_grad()
                nn.functional.cross_entropy(self.model(x), y).backward()
                self.optimizer.step()
""",
        # (twelfth audit DB) linear evaluation: every parameter of the encoder but its linear
        # head is frozen, so eval() on purpose keeps the frozen batch norm's statistics (the
        # protocol); what learns is a Linear layer, the same in both modes
        """import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        return self.fc(self.body(x))


encoder = Encoder()
for name, param in encoder.named_parameters():
    if name not in ['fc.weight', 'fc.bias']:
        param.requires_grad = False
optimiser = torch.optim.SGD([p for p in encoder.parameters() if p.requires_grad], lr=0.1)
criterion = nn.CrossEntropyLoss()

for epoch in range(2):
    encoder.eval()
    for inputs, target in batches:
        optimiser.zero_grad()
        loss = criterion(encoder(inputs), target)
        loss.backward()
        optimiser.step()
""",
        # (twelfth audit DB) the same probe in a function, the optimiser given the head alone
        # (nothing frozen: the rest of the network is simply not optimised), with an evaluation
        """import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(16, 32), nn.BatchNorm1d(32), nn.Dropout(0.5), nn.ReLU())
        self.head = nn.Linear(32, 4)

    def forward(self, x):
        return self.head(self.features(x))


def probe(loader, val_loader, epochs):
    net = Net()
    optimizer = torch.optim.Adam(net.head.parameters(), lr=1e-3)
    for epoch in range(epochs):
        net.eval()
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(net(x), y).backward()
            optimizer.step()
        with torch.no_grad():
            correct = sum((net(x).argmax(1) == y).sum().item() for x, y in val_loader)
        print(epoch, correct)
""",
        # (twelfth audit DB) notebook cells: the frozen backbone and its new head
        """# In[1]:
import torch
import torch.nn as nn

class Probe(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.Flatten())
        self.classifier = nn.Linear(4 * 26 * 26, 10)

    def forward(self, x):
        return self.classifier(self.backbone(x))

model = Probe()
for n, p in model.named_parameters():
    if n not in ("classifier.weight", "classifier.bias"):
        p.requires_grad = False
opt = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.01)
# In[2]:
for epoch in range(3):
    model.eval()
    for x, y in train_loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
""",
        # (h13, twelfth audit DD) one epoch helper for both: it back-propagates only `if optimizer:`,
        # and the validation passes None for it (positionally, by keyword, or by the default)
        """import torch
import torch.nn as nn


def run_epoch(model, loader, loss_fn, optimizer=None):
    total = 0.0
    for data, label in loader:
        if optimizer:
            optimizer.zero_grad()
        loss = loss_fn(model(data), label)
        if optimizer:
            loss.backward()
            optimizer.step()
        total += loss.item()
    return total


model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.CrossEntropyLoss()
trainloader = [(torch.randn(8, 4), torch.randint(0, 2, (8,)))]
validloader = [(torch.randn(8, 4), torch.randint(0, 2, (8,)))]

for epoch in range(3):
    model.train()
    run_epoch(model, trainloader, criterion, optimizer)
    model.eval()
    run_epoch(model, validloader, criterion, None)
""",
        """import torch
import torch.nn as nn


def run_epoch(model, loader, loss_fn, optimizer=None):
    total = 0.0
    for data, label in loader:
        if optimizer:
            optimizer.zero_grad()
        loss = loss_fn(model(data), label)
        if optimizer:
            loss.backward()
            optimizer.step()
        total += loss.item()
    return total


model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.CrossEntropyLoss()
trainloader = [(torch.randn(8, 4), torch.randint(0, 2, (8,)))]
validloader = [(torch.randn(8, 4), torch.randint(0, 2, (8,)))]

for epoch in range(3):
    model.train()
    run_epoch(model, trainloader, criterion, optimizer=optimizer)
    model.eval()
    run_epoch(model, validloader, criterion, optimizer=None)
""",
        """import torch
import torch.nn as nn


def run_epoch(model, loader, loss_fn, optimizer=None):
    total = 0.0
    for data, label in loader:
        if optimizer is not None:
            optimizer.zero_grad()
        loss = loss_fn(model(data), label)
        if optimizer is not None:
            loss.backward()
            optimizer.step()
        total += loss.item()
    return total


model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.CrossEntropyLoss()
trainloader = [(torch.randn(8, 4), torch.randint(0, 2, (8,)))]
validloader = [(torch.randn(8, 4), torch.randint(0, 2, (8,)))]

for epoch in range(3):
    model.train()
    run_epoch(model, trainloader, criterion, optimizer)
    model.eval()
    run_epoch(model, validloader, criterion)
""",
        # (issue 14) the same notebook, its evaluate() saving and restoring the mode
        """# In[1]:
import torch
import torch.nn as nn

class Trainer:
    def __init__(self, net, lr=1e-3):
        self.net = net
        self.opt = torch.optim.Adam(net.parameters(), lr=lr)

    def train(self, dl):
        for xb, yb in dl:
            self.opt.zero_grad()
            nn.functional.cross_entropy(self.net(xb), yb).backward()
            self.opt.step()

    def evaluate(self, dl):
        was_training = self.net.training
        self.net.eval()
        with torch.no_grad():
            correct = sum((self.net(xb).argmax(1) == yb).sum().item() for xb, yb in dl)
        self.net.train(was_training)
        return correct

# In[2]:
net = nn.Sequential(nn.Linear(8, 32), nn.Dropout(0.3), nn.Linear(32, 2))
trainer = Trainer(net)

# In[3]:
for epoch in range(10):
    trainer.train(train_dl)
    print(trainer.evaluate(valid_dl))
""",
        # (issue 14) a Trainer whose ``train(loader)`` is its own method: it switches the model
        # back itself, so the evaluation of the previous epoch does not carry over
        """import torch

class Trainer:
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer

    def train(self, loader):
        self.model.train()
        for x, y in loader:
            self.optimizer.zero_grad()
            self.model(x).sum().backward()
            self.optimizer.step()

    def test(self, loader):
        self.model.eval()
        with torch.no_grad():
            return [self.model(x) for x, _ in loader]

def fit(model, train_loader, val_loader, epochs):
    trainer = Trainer(model, torch.optim.Adam(model.parameters()))
    for epoch in range(epochs):
        trainer.train(train_loader)
        trainer.test(val_loader)
""",
        # (issue 14) the template method of the base class switches to training mode before it
        # calls the subclass's ``_train_epoch``
        """import torch

class BaseTrainer:
    def train(self, loader):
        self.model.train()
        return self._train_epoch(loader)

    def test(self, loader):
        return self._test_epoch(loader)

class TaggerTrainer(BaseTrainer):
    def __init__(self, model):
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def _train_epoch(self, loader):
        for x, y in loader:
            self.optimizer.zero_grad()
            self.model(x).sum().backward()
            self.optimizer.step()

    def _test_epoch(self, loader):
        self.model.eval()
        with torch.no_grad():
            return [self.model(x) for x, _ in loader]

def fit(model, train_loader, val_loader, epochs):
    trainer = TaggerTrainer(model)
    for epoch in range(epochs):
        trainer.train(train_loader)
        trainer.test(val_loader)
""",
        # (issue 14) an nn.Module that overrides ``train(mode)`` (to keep batch norm frozen) is
        # still switched by ``model.train()`` at the top of each epoch
        """import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.1))
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.body(x))

    def train(self, mode=True):
        super().train(mode)
        self.body[1].eval()
        return self

model = Net()
for epoch in range(3):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        print(model(x_val))
""",
        # (issue 13, audit N) the eval switch is inside a helper and the model (linear, ReLU) has
        # no layer whose behaviour depends on the mode: it trains the same in eval mode
        """import torch
from torch import nn

model_1 = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.ReLU(), nn.Linear(10, 10))

def train_step(model, loader, loss_fn, optimizer):
    for X, y in loader:
        optimizer.zero_grad()
        loss_fn(model(X), y).backward()
        optimizer.step()

def test_step(model, loader):
    model.eval()
    with torch.inference_mode():
        return [model(X) for X, y in loader]

for epoch in range(3):
    train_step(model_1, train_dataloader, loss_fn, optimizer)
    test_step(model_1, test_dataloader)
""",
        # train() at the top of every epoch
        """import torch
def evaluate(model, loader):
    model.eval()
    with torch.no_grad():
        return sum(model(x).sum().item() for x, _ in loader)

for epoch in range(10):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    evaluate(model, val_loader)
""",
        # the training helper calls train() itself
        """import torch
def train_one_epoch(model, loader, optimizer):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()

def test(model, loader):
    model.eval()
    with torch.no_grad():
        return [model(x) for x, _ in loader]

for epoch in range(5):
    train_one_epoch(model, train_loader, optimizer)
    test(model, test_loader)
""",
        # the evaluation helper restores training mode at its end
        """import torch
def validate(model, loader):
    model.eval()
    with torch.no_grad():
        out = [model(x) for x, _ in loader]
    model.train()
    return out

model.train()
for epoch in range(5):
    for x, y in train_loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    validate(model, val_loader)
""",
        # periodic evaluation inside the batch loop, with train() right after it
        """import torch
model.train()
for step, (x, y) in enumerate(loader):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 500 == 0:
        model.eval()
        with torch.no_grad():
            val = model(x_val)
        model.train()
""",
        # eval after the training loop is over: nothing trains afterwards
        """import torch
model.train()
for epoch in range(3):
    for x, y in loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
model.eval()
with torch.no_grad():
    print(model(x_test))
""",
        # a Trainer class whose fit() calls train() each epoch
        """import torch
class Trainer:
    def __init__(self, model, opt):
        self.model = model
        self.opt = opt
    def evaluate(self, loader):
        self.model.eval()
        with torch.no_grad():
            return [self.model(x) for x, _ in loader]
    def fit(self, train_loader, val_loader, epochs):
        for epoch in range(epochs):
            self.model.train()
            for x, y in train_loader:
                self.opt.zero_grad()
                self.model(x).sum().backward()
                self.opt.step()
            self.evaluate(val_loader)
""",
        # train(mode) with a flag: the mode is decided at run time
        """import torch
for epoch in range(5):
    for phase in ["train", "val"]:
        model.train(phase == "train")
        for x, y in loaders[phase]:
            with torch.set_grad_enabled(phase == "train"):
                loss = loss_fn(model(x), y)
                if phase == "train":
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
""",
        # train() at the top of the batch loop; the forward passes after eval() are evaluations
        """import torch
for epoch in range(n_epochs):
    for i, (imgs, _) in enumerate(dataloader):
        generator.train()
        optimizer.zero_grad()
        loss_fn(generator(imgs), imgs).backward()
        optimizer.step()
    generator.eval()
    recon = generator(test_imgs)
    history.append(loss_fn(recon, test_imgs).item())
""",
        # (fourteenth audit O) a test batch evaluated every 10 iterations of the batch loop, outside
        # no_grad, before the next iteration's train(): its loss is only printed, reaches no
        # backward(), so that forward pass is no training step
        """import torch
import torch.nn as nn
import torch.nn.functional as F
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 4))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    for i, (x, y) in enumerate(train_loader):
        optimizer.zero_grad()
        model = model.train()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        if i % 10 == 0:
            _, (xt, yt) = next(enumerate(test_loader))
            model = model.eval()
            test_loss = F.cross_entropy(model(xt), yt)
            print(test_loss.item())
""",
        # (fourteenth audit O) the same with the training step's own names (``pred``, ``loss``) bound
        # again by the evaluation, a loss module, and reads through ``.data``: the evaluation's
        # bindings never reach the ``loss.backward()`` (the next iteration binds ``loss`` first)
        """import torch
import torch.nn as nn
net = nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.5), nn.Linear(16, 4))
criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
for epoch in range(3):
    for i, (points, target) in enumerate(loader, 0):
        optimizer.zero_grad()
        net = net.train()
        pred = net(points).log_softmax(1)
        loss = criterion(pred, target)
        loss.backward()
        optimizer.step()
        if i % 10 == 0:
            points, target = next(iter(test_loader))
            net = net.eval()
            pred = net(points).log_softmax(1)
            loss = criterion(pred, target)
            correct = pred.data.max(1)[1].eq(target.data).sum()
            print('test loss %f accuracy %f' % (loss.item(), correct.item() / len(target)))
""",
        # phases chosen by a flag: the mode follows the same condition as the training step
        """import torch
for epoch in range(5):
    for phase in ["train", "val"]:
        if phase == "train":
            model.train()
        else:
            model.eval()
        for x, y in loaders[phase]:
            loss = loss_fn(model(x), y)
            if phase == "train":
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
""",
        # deliberately frozen batch norm: eval() once before fine-tuning, then only the head trains
        """import torch
backbone.eval()
for x, y in loader:
    with torch.no_grad():
        feats = backbone(x)
    loss = loss_fn(head(feats), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
        # eval of a different model (the EMA copy) inside the loop
        """import torch
model.train()
for step, (x, y) in enumerate(loader):
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    optimizer.step()
    if step % 100 == 0:
        ema_model.eval()
        with torch.no_grad():
            score = ema_model(x_val)
""",
        # a context manager restores the mode when the block ends
        """import contextlib
import torch

@contextlib.contextmanager
def evaluating(net):
    net.eval()
    yield
    net.train()

model.train()
for epoch in range(3):
    for x, y in loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    with evaluating(model), torch.no_grad():
        val = model(x_val)
""",
        # the switch and the restore are in both branches
        """import torch
for epoch in range(3):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    if epoch % 2:
        model.eval()
        evaluate(model)
""",
        # an eval-mode forward pass for a plot, outside no_grad, that switches back right after
        """import torch
net = torch.nn.Sequential(torch.nn.Linear(1, 64), torch.nn.Dropout(0.3), torch.nn.Linear(64, 1))
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for step in range(200):
    loss = loss_fn(net(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 20 == 0:
        net.eval()
        pred = net(grid)
        draw(grid, pred.detach())
        net.train()
""",
        # (issue 13) the evaluation helper saves the mode and restores it in a branch
        """import torch
def evaluate(model, loader):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = [model(x) for x, _ in loader]
    if was_training:
        model.train()
    return out

model.train()
for epoch in range(10):
    for x, y in train_loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    evaluate(model, val_loader)
""",
        # (issue 13) the same with ``model.train(was_training)``
        """import torch
def evaluate(model, loader):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = [model(x) for x, _ in loader]
    model.train(was_training)
    return out

model.train()
for i, (x, y) in enumerate(train_loader):
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    optimizer.step()
    if i % 10 == 0:
        evaluate(model, val_loader)
""",
        # a helper that switches a deep copy (an adversarial attack on a frozen copy): the
        # caller's model keeps training mode
        """import torch
from copy import deepcopy
def attack(model, x):
    model = deepcopy(model)
    model.eval()
    return model(x)

model.train()
for x, y in loader:
    opt.zero_grad()
    loss_fn(model(x), y).backward()
    opt.step()
    adv = attack(model, x)
""",
        # (issue 13) a wrapper whose model comes from a factory; validation saves the mode and
        # restores it under ``if was_training:``
        """import torch
from .factory import build_components

class Classifier:
    def __init__(self):
        self.model = None

    def initialize(self):
        self.config, self.model = build_components()

    def _train_epoch(self, batches, valid, optimizer):
        self.model.train()
        for i, (x, y) in enumerate(batches):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(self.model(x), y).backward()
            optimizer.step()
            if i % 100 == 0:
                self.validate(valid)

    def validate(self, valid):
        was_training = self.model.training
        self.model.eval()
        with torch.no_grad():
            out = [self.model(x) for x, _ in valid]
        if was_training:
            self.model.train()
        return out
""",
        # (issue 13) the same wrapper, fixed: validate() puts the model back in training mode
        """import torch
from .factory import build_components

class Classifier:
    def __init__(self, num_classes):
        self.model = None
        self.num_classes = num_classes

    def initialize(self):
        self.config, self.model = build_components(self.num_classes)
        self.model = self.model.to("cuda")

    def _train_batch(self, x, y, optimizer):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(self.model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    def _train_epoch(self, batches, valid, optimizer, validate_every):
        self.model.train()
        for i, (x, y) in enumerate(batches):
            self._train_batch(x, y, optimizer)
            if validate_every and i % validate_every == 0:
                self.validate(valid)

    def validate(self, valid):
        self.model.eval()
        with torch.no_grad():
            out = [self.model(x) for x, _ in valid]
        self.model.train()
        return out
""",
        # A holder's training step (``train_emb`` back-propagates over the passes of its helper
        # ``forward_emb``) after ``val_start()``: ``train_start()`` opens every iteration.
        """import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        return self.drop(self.fc(x))


class VSE:
    # a holder of two encoders: it switches them and runs one training step itself

    def __init__(self):
        self.img_enc = Encoder()
        self.txt_enc = Encoder()
        self.optimizer = torch.optim.Adam(list(self.img_enc.parameters()) + list(self.txt_enc.parameters()))

    def train_start(self):
        self.img_enc.train()
        self.txt_enc.train()

    def val_start(self):
        self.img_enc.eval()
        self.txt_enc.eval()

    def forward_emb(self, images, captions):
        return self.img_enc(images), self.txt_enc(captions)

    def train_emb(self, images, captions):
        img, cap = self.forward_emb(images, captions)
        self.optimizer.zero_grad()
        (img - cap).pow(2).sum().backward()
        self.optimizer.step()


def train(loader, val_loader):
    model = VSE()
    for i, (images, captions) in enumerate(loader):
        model.train_start()
        model.train_emb(images, captions)
        if i % 100 == 0:
            model.val_start()
            with torch.no_grad():
                for x, y in val_loader:
                    model.forward_emb(x, y)
""",
        # The helper's passes run under no_grad: an evaluation helper, not part of the step.
        """import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        return self.drop(self.fc(x))


class VSE:
    # a holder of two encoders: it switches them and runs one training step itself

    def __init__(self):
        self.img_enc = Encoder()
        self.txt_enc = Encoder()
        self.optimizer = torch.optim.Adam(list(self.img_enc.parameters()) + list(self.txt_enc.parameters()))

    def train_start(self):
        self.img_enc.train()
        self.txt_enc.train()

    def val_start(self):
        self.img_enc.eval()
        self.txt_enc.eval()

    def forward_emb(self, images, captions):
        return self.img_enc(images), self.txt_enc(captions)

    def train_emb(self, images, captions):
        img, cap = self.forward_emb(images, captions)
        self.optimizer.zero_grad()
        (img - cap).pow(2).sum().backward()
        self.optimizer.step()


    def score(self, images, captions):
        with torch.no_grad():
            img, cap = self.img_enc(images), self.txt_enc(captions)
        return (img - cap).abs().sum()


def train(loader):
    model = VSE()
    model.train_start()
    for images, captions in loader:
        model.train_emb(images, captions)
        model.val_start()
        model.score(images, captions)
        model.train_start()
""",
        # (issue 14) the restore written right: eval, run, back to train
        """import torch

class Model:
    def predict_dataloader(self, dataloader, eval_=True):
        if eval_:
            self.net.eval()
        with torch.no_grad():
            preds = [self.net(x) for x in dataloader]
        if eval_:
            self.net.train()
        return preds
""",
        # (issue 14) a second eval() before a second evaluation: it re-ensures the mode, no restore
        """import torch

def evaluate(model, val, test):
    model.eval()
    with torch.no_grad():
        a = model(val)
    model.eval()
    with torch.no_grad():
        b = model(test)
    return a, b
""",
        # (issue 14) a final eval() after a loop that switches and evaluates: a deliberate hand-over
        # in eval mode, not a restore
        """import torch

def evaluate_all(model, batches):
    for batch in batches:
        model.eval()
        with torch.no_grad():
            print(model(batch).mean())
    model.eval()
    return model
""",
        # (issue 14) two eval() calls before the model runs: redundant, but nothing to restore
        """import torch

def predict(net, x):
    net.eval()
    net.eval()
    with torch.no_grad():
        return net(x)
""",
        # (issue 14) the function also calls train(): the author handles modes
        """import torch

def probe(net, x, y):
    net.eval()
    with torch.no_grad():
        a = net(x)
    net.train()
    b = net(y)
    net.eval()
    return a, b
""",
        # (issue 14) the repeated switch on a model without dropout or batch norm: both modes compute
        # the same
        """import torch
from torch import nn

net = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1))

def predict(x):
    net.eval()
    with torch.no_grad():
        out = net(x)
    net.eval()
    return out
""",
        # (issue 14, coRNN's adding task, the twins) test() puts the global model back in training mode at its end
        """import torch
from torch import nn

model = nn.Sequential(nn.Linear(2, 64), nn.Dropout(0.2), nn.Tanh(), nn.Linear(64, 1))
objective = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

def get_batch(n):
    return torch.randn(n, 2), torch.randn(n, 1)

def test():
    model.eval()
    with torch.no_grad():
        data, label = get_batch(1000)
        loss = objective(model(data), label)
    model.train()
    return loss.item()

def train(max_steps):
    model.train()
    for i in range(max_steps):
        data, label = get_batch(50)
        optimizer.zero_grad()
        loss = objective(model(data), label)
        loss.backward()
        optimizer.step()
        if i % 100 == 0 and i != 0:
            print(test())

if __name__ == "__main__":
    train(60000)
""",
        # the step loop calls model.train() at the top of every step
        """import torch
from torch import nn

model = nn.Sequential(nn.Linear(2, 64), nn.Dropout(0.2), nn.Tanh(), nn.Linear(64, 1))
objective = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

def get_batch(n):
    return torch.randn(n, 2), torch.randn(n, 1)

def test():
    model.eval()
    with torch.no_grad():
        data, label = get_batch(1000)
        loss = objective(model(data), label)
    return loss.item()

def train(max_steps):
    for i in range(max_steps):
        model.train()
        data, label = get_batch(50)
        optimizer.zero_grad()
        loss = objective(model(data), label)
        loss.backward()
        optimizer.step()
        if i % 100 == 0 and i != 0:
            print(test())

if __name__ == "__main__":
    train(60000)
""",
        # the evaluation runs once, after the loop
        """import torch
from torch import nn

model = nn.Sequential(nn.Linear(2, 64), nn.Dropout(0.2), nn.Tanh(), nn.Linear(64, 1))
objective = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

def get_batch(n):
    return torch.randn(n, 2), torch.randn(n, 1)

def test():
    model.eval()
    with torch.no_grad():
        data, label = get_batch(1000)
        loss = objective(model(data), label)
    return loss.item()

def train(max_steps):
    model.train()
    for i in range(max_steps):
        data, label = get_batch(50)
        optimizer.zero_grad()
        loss = objective(model(data), label)
        loss.backward()
        optimizer.step()
    print(test())

if __name__ == "__main__":
    train(60000)
""",
        # coRNN itself: Linear and tanh only, so both modes train the same (the mode-dependence fact)
        """import torch
from torch import nn

model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 1))
objective = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

def get_batch(n):
    return torch.randn(n, 2), torch.randn(n, 1)

def test():
    model.eval()
    with torch.no_grad():
        data, label = get_batch(1000)
        loss = objective(model(data), label)
    return loss.item()

def train(max_steps):
    model.train()
    for i in range(max_steps):
        data, label = get_batch(50)
        optimizer.zero_grad()
        loss = objective(model(data), label)
        loss.backward()
        optimizer.step()
        if i % 100 == 0 and i != 0:
            print(test())

if __name__ == "__main__":
    train(60000)
""",
        # the Trainer-class shape: test() restores self.model's training mode
        """import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, 64), nn.Dropout(0.2), nn.Tanh(), nn.Linear(64, 1))

    def forward(self, x):
        return self.body(x)

class Trainer:
    def __init__(self, lr=1e-3):
        self.model = Net()
        self.objective = nn.MSELoss()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)

    def test(self):
        self.model.eval()
        with torch.no_grad():
            data, label = torch.randn(1000, 2), torch.randn(1000, 1)
            loss = self.objective(self.model(data), label).item()
        self.model.train()
        return loss

    def train(self, max_steps):
        self.model.train()
        for i in range(max_steps):
            data, label = torch.randn(50, 2), torch.randn(50, 1)
            self.optimizer.zero_grad()
            loss = self.objective(self.model(data), label)
            loss.backward()
            self.optimizer.step()
            if i % 100 == 0 and i != 0:
                print(self.test())
""",
        # the Trainer-class shape: model.train() at the top of every step
        """import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, 64), nn.Dropout(0.2), nn.Tanh(), nn.Linear(64, 1))

    def forward(self, x):
        return self.body(x)

class Trainer:
    def __init__(self, lr=1e-3):
        self.model = Net()
        self.objective = nn.MSELoss()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)

    def test(self):
        self.model.eval()
        with torch.no_grad():
            data, label = torch.randn(1000, 2), torch.randn(1000, 1)
            return self.objective(self.model(data), label).item()

    def train(self, max_steps):
        for i in range(max_steps):
            self.model.train()
            data, label = torch.randn(50, 2), torch.randn(50, 1)
            self.optimizer.zero_grad()
            loss = self.objective(self.model(data), label)
            loss.backward()
            self.optimizer.step()
            if i % 100 == 0 and i != 0:
                print(self.test())
""",
        # (issue 14) the twin: the global is bound again after the helper, whose default still holds
        # the first model; the model that trains is never switched
        """import torch
from torch import nn

model = nn.Sequential(nn.Linear(2, 64), nn.Dropout(0.2), nn.Tanh(), nn.Linear(64, 1))

def test(net=model):
    net.eval()
    with torch.no_grad():
        return nn.functional.mse_loss(net(torch.randn(100, 2)), torch.randn(100, 1)).item()

model = nn.Sequential(nn.Linear(2, 64), nn.Dropout(0.2), nn.Tanh(), nn.Linear(64, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

def train(max_steps):
    model.train()
    for i in range(max_steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(torch.randn(50, 2)), torch.randn(50, 1)).backward()
        optimizer.step()
        if i % 100 == 0:
            print(test())
""",
        # the twin: the training function's own parameter ``model`` may be another network than
        # the global the helper's default holds
        """import torch
from torch import nn

model = nn.Sequential(nn.Linear(2, 64), nn.Dropout(0.2), nn.Tanh(), nn.Linear(64, 1))

def test(net=model):
    net.eval()
    with torch.no_grad():
        return nn.functional.mse_loss(net(torch.randn(100, 2)), torch.randn(100, 1)).item()

def train(model, optimizer, max_steps):
    model.train()
    for i in range(max_steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(torch.randn(50, 2)), torch.randn(50, 1)).backward()
        optimizer.step()
        if i % 100 == 0:
            print(test())
""",
        # (issue 13, seventh audit) a model initialised through ``self.apply(init_weights)`` (an
        # in-place init of the file) that keeps its loss module as a submodule: mode-free, so
        # training on after evaluate()'s eval() changes nothing
        """import torch
import torch.nn as nn

def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        m.bias.data.fill_(0.01)

class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 1))
        self.loss_fn = nn.SmoothL1Loss()
        self.apply(init_weights)

    def forward(self, x):
        return self.body(x)

def evaluate(model, loader):
    model.eval()
    with torch.no_grad():
        return sum(model.loss_fn(model(x), y).item() for x, y in loader)

model = Regressor()
optimizer = torch.optim.Adam(model.parameters())
model.train()
for epoch in range(10):
    for x, y in train_loader:
        optimizer.zero_grad()
        model.loss_fn(model(x), y).backward()
        optimizer.step()
    print(evaluate(model, val_loader))
""",
        # (eighth audit BS) an adversarial patch trained through a frozen network: the optimiser
        # owns only the patch (an nn.Parameter of a tensor made here), so the network is never
        # trained and eval mode is right
        """import torch
import torch.nn as nn
import torchvision

model = torchvision.models.resnet34()
model.eval()

def eval_patch(net, patch, loader):
    net.eval()
    with torch.no_grad():
        return sum((net(img + patch).argmax(-1) == 0).sum() for img, _ in loader)

def patch_attack(net, loader, num_epochs=5):
    patch = nn.Parameter(torch.zeros(3, 224, 224), requires_grad=True)
    optimizer = torch.optim.SGD([patch], lr=1e-1, momentum=0.8)
    for epoch in range(num_epochs):
        for img, _ in loader:
            loss = nn.functional.cross_entropy(net(img + patch), torch.zeros(img.shape[0], dtype=torch.long))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return patch.detach(), eval_patch(net, patch, loader)

for target in range(3):
    patch, acc = patch_attack(model, loader)
    print(eval_patch(model, patch, loader))
""",
        # the input is optimised (activation maximisation): a tensor made with requires_grad=True
        """import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5), nn.Linear(8, 2))

def evaluate(net, x):
    net.eval()
    with torch.no_grad():
        return net(x)

for target in range(3):
    x = torch.zeros(1, 8, requires_grad=True)
    opt = torch.optim.Adam([x], lr=0.1)
    for step in range(100):
        loss = -model(x)[0, target]
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(evaluate(model, x))
""",
        # a feature extractor kept in eval mode while a separate head trains with its own optimiser
        """import torch
import torch.nn as nn
import torchvision

backbone = torchvision.models.resnet18()
head = nn.Linear(512, 10)
optimizer = torch.optim.SGD(head.parameters(), lr=0.1)

def evaluate(net, loader):
    net.eval()
    with torch.no_grad():
        return [net(x) for x, _ in loader]

for epoch in range(5):
    head.train()
    for x, y in loader:
        loss = nn.functional.cross_entropy(head(backbone(x)), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    evaluate(backbone, val_loader)
""",
        # every parameter of the network is frozen, for the whole file: whatever the helper's
        # optimiser holds, the network is not trained
        """import torch
import torch.nn as nn
import torchvision

model = torchvision.models.resnet18()
model.eval()
model.requires_grad_(False)

def evaluate(net, loader):
    net.eval()
    with torch.no_grad():
        return [net(x) for x, _ in loader]

def attack(net, loader, optimizer, delta):
    for x, y in loader:
        loss = -nn.functional.cross_entropy(net(x + delta), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

for epoch in range(5):
    attack(model, loader, opt, delta)
    evaluate(model, val_loader)
""",
        # (eighth audit BL) the helper switches to eval mode only under a flag that the training
        # method has set False before its loop, and nothing in the loop sets it back
        """import torch
import torch.nn as nn

class Player:
    def __init__(self):
        self.policy = nn.Sequential(nn.Linear(8, 32), nn.Dropout(0.2), nn.Linear(32, 3))
        self.optimizer = torch.optim.SGD(self.policy.parameters(), lr=0.01)
        self.greedy = False

    def act(self, obs):
        if self.greedy:
            self.policy.eval()
        return self.policy(obs).argmax()

    def learn(self, obs):
        self.optimizer.zero_grad()
        self.policy(obs).logsumexp(0).backward()
        self.optimizer.step()

    def fit(self, steps):
        self.greedy = False
        for step in range(steps):
            obs = torch.randn(8)
            self.act(obs)
            self.learn(obs)

    def play(self):
        self.greedy = True
        move = self.act(torch.randn(8))
        self.policy.train()
        return move
""",
        # (eighth audit BL) the same with a parameter: the call leaves the flag at its False default
        """import torch
import torch.nn as nn

policy = nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.Linear(32, 3))
optimizer = torch.optim.SGD(policy.parameters(), lr=0.01)

def act(net, obs, greedy=False):
    if greedy:
        net.eval()
    return net(obs).argmax(1)

for step in range(100):
    obs = torch.randn(16, 8)
    act(policy, obs)
    optimizer.zero_grad()
    policy(obs).logsumexp(1).sum().backward()
    optimizer.step()
""",
        # (issue 13, the closed world of models) a network from a factory that picks it from a
        # table: unknown to the per-call view, but every model this program can build is Linear
        # and ReLU: evaluation mode changes nothing in the training that follows
"""import sys
import torch
import torch.nn as nn


def build_net(sizes, activation, output_activation):
    layers = []
    for j in range(len(sizes) - 1):
        act = activation if j < len(sizes) - 2 else output_activation
        layers += [nn.Linear(sizes[j], sizes[j + 1]), act()]
    return nn.Sequential(*layers)


class QNet(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.q = build_net(sizes, nn.ReLU, nn.Identity)

    def forward(self, s):
        return self.q(s)


def evaluate(net, states):
    with torch.no_grad():
        return net(states).argmax(1)


ARCHITECTURES = {"small": lambda: QNet([4, 64, 2]), "large": lambda: QNet([4, 256, 256, 2])}
def make_net(name):
    return ARCHITECTURES[name]()


net = make_net(sys.argv[1])
opt = torch.optim.Adam(net.parameters())
for epoch in range(10):
    net.eval()
    with torch.no_grad():
        print(net(test_states).argmax(1))
    for states, targets in batches:
        loss = ((net(states) - targets) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
""",
        # (sixteenth audit FF) the attack switches to eval mode and back under the same unchanged
        # bool parameter: on any one call both tests take the same branch, even when the caller
        # passes a value nobody can read (a command-line option)
        """import argparse
import torch
from torch import nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument('--bn_eval', action='store_true')
args = parser.parse_args()


def attack(model, x, y, eps, steps, bn_eval=False):
    if bn_eval:
        model.eval()
    delta = torch.zeros_like(x).uniform_(-eps, eps).requires_grad_(True)
    for _ in range(steps):
        loss = F.cross_entropy(model(x + delta), y)
        loss.backward()
        delta.data = (delta + eps / 4 * delta.grad.sign()).clamp(-eps, eps)
        delta.grad.zero_()
    if bn_eval:
        model.train()
    return delta.detach()


model = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in [(torch.randn(16, 8), torch.randint(0, 2, (16,)))] * 5:
    model.train()
    delta = attack(model, x, y, 0.1, 3, bn_eval=args.bn_eval)
    loss = F.cross_entropy(model(x + delta), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    ]

    INVALID = [
        # (sixteenth audit FF) the twins of the attack in VALID: the flag is rebound between the
        # two tests (its truth may differ), the restore reads another flag, or the "flag" is a list
        # whose truth the helper changes (it is emptied): a path leaves the model in eval mode
        """import argparse
import torch
from torch import nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument('--bn_eval', action='store_true')
args = parser.parse_args()


def attack(model, x, y, eps, steps, bn_eval=False):
    if bn_eval:
        model.eval()
    delta = torch.zeros_like(x).requires_grad_(True)
    for _ in range(steps):
        F.cross_entropy(model(x + delta), y).backward()
        delta.data = (delta + eps * delta.grad.sign()).clamp(-eps, eps)
        delta.grad.zero_()
        bn_eval = delta.grad is None
    if bn_eval:
        model.train()
    return delta.detach()


model = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in [(torch.randn(16, 8), torch.randint(0, 2, (16,)))] * 5:
    model.train()
    delta = attack(model, x, y, 0.1, 3, bn_eval=args.bn_eval)  # expect: DL302
    loss = F.cross_entropy(model(x + delta), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
        """import argparse
import torch
from torch import nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument('--bn_eval', action='store_true')
args = parser.parse_args()


def attack(model, x, y, eps, steps, bn_eval=False, restore=False):
    if bn_eval:
        model.eval()
    delta = torch.zeros_like(x).requires_grad_(True)
    for _ in range(steps):
        F.cross_entropy(model(x + delta), y).backward()
        delta.data = (delta + eps * delta.grad.sign()).clamp(-eps, eps)
        delta.grad.zero_()
    if restore:
        model.train()
    return delta.detach()


model = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in [(torch.randn(16, 8), torch.randint(0, 2, (16,)))] * 5:
    model.train()
    delta = attack(model, x, y, 0.1, 3, bn_eval=args.bn_eval, restore=args.bn_eval)  # expect: DL302
    loss = F.cross_entropy(model(x + delta), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
        """import argparse
import torch
from torch import nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument('--bn_eval', action='store_true')
args = parser.parse_args()


def attack(model, x, y, eps, steps, pending: list):
    if pending:
        model.eval()
    delta = torch.zeros_like(x).requires_grad_(True)
    for _ in range(steps):
        F.cross_entropy(model(x + delta), y).backward()
        delta.data = (delta + eps * delta.grad.sign()).clamp(-eps, eps)
        delta.grad.zero_()
        pending.clear()
    if pending:
        model.train()
    return delta.detach()


model = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in [(torch.randn(16, 8), torch.randint(0, 2, (16,)))] * 5:
    model.train()
    delta = attack(model, x, y, 0.1, 3, pending=[args.bn_eval])  # expect: DL302
    loss = F.cross_entropy(model(x + delta), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
        # (twelfth audit DB) the Trainer's twin: the head it trains has a dropout
        """import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(16, 32), nn.BatchNorm1d(32), nn.ReLU())
        self.fc = nn.Sequential(nn.Dropout(0.3), nn.Linear(32, 4))

    def forward(self, x):
        return self.fc(self.features(x))


class LinearProbeTrainer:
    def __init__(self, lr=0.1):
        self.model = Net()
        self.optimizer = torch.optim.SGD(self.model.fc.parameters(), lr=lr)

    def fit(self, loader, epochs):
        for epoch in range(epochs):
            self.model.eval()  # expect: DL302
            for x, y in loader:
                self.optimizer.zero_grad()
                nn.functional.cross_entropy(self.model(x), y).backward()
                self.optimizer.step()
""",
        # (twelfth audit DB) the twins of the linear probes in VALID: the head that learns has a
        # dropout (its regularisation is lost in eval mode)
        """import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Sequential(nn.Dropout(0.5), nn.Linear(8, 10))

    def forward(self, x):
        return self.fc(self.body(x))


encoder = Encoder()
for name, param in encoder.named_parameters():
    if name not in ['fc.1.weight', 'fc.1.bias']:
        param.requires_grad = False
optimiser = torch.optim.SGD([p for p in encoder.parameters() if p.requires_grad], lr=0.1)
criterion = nn.CrossEntropyLoss()

for epoch in range(2):
    encoder.eval()  # expect: DL302
    for inputs, target in batches:
        optimiser.zero_grad()
        loss = criterion(encoder(inputs), target)
        loss.backward()
        optimiser.step()
""",
        # the optimiser is given the whole network: the batch norm and dropout layers learn too
        """import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(16, 32), nn.BatchNorm1d(32), nn.Dropout(0.5), nn.ReLU())
        self.head = nn.Linear(32, 4)

    def forward(self, x):
        return self.head(self.features(x))


def probe(loader, val_loader, epochs):
    net = Net()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for epoch in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(net(x), y).backward()
            optimizer.step()
        net.eval()  # expect: DL302
        with torch.no_grad():
            correct = sum((net(x).argmax(1) == y).sum().item() for x, y in val_loader)
        print(epoch, correct)
""",
        # the freeze runs only under a flag: without it every layer trains in eval mode
        """# In[1]:
import torch
import torch.nn as nn

class Probe(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.Flatten())
        self.classifier = nn.Linear(4 * 26 * 26, 10)

    def forward(self, x):
        return self.classifier(self.backbone(x))

model = Probe()
if linear_eval:
    for n, p in model.named_parameters():
        if n not in ("classifier.weight", "classifier.bias"):
            p.requires_grad = False
opt = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.01)
# In[2]:
for epoch in range(3):
    model.eval()  # expect: DL302
    for x, y in train_loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
""",
        # (h13, twelfth audit DD, the twin) the helper is given the optimiser after model.eval():
        # its steps are reached, the model trains in eval mode
        """import torch
import torch.nn as nn


def run_epoch(model, loader, loss_fn, optimizer=None):
    total = 0.0
    for data, label in loader:
        if optimizer is not None:
            optimizer.zero_grad()
        loss = loss_fn(model(data), label)
        if optimizer is not None:
            loss.backward()
            optimizer.step()
        total += loss.item()
    return total


model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.CrossEntropyLoss()
trainloader = [(torch.randn(8, 4), torch.randint(0, 2, (8,)))]
validloader = [(torch.randn(8, 4), torch.randint(0, 2, (8,)))]

for epoch in range(3):
    model.train()
    run_epoch(model, trainloader, criterion, optimizer)
    model.eval()  # expect: DL302
    run_epoch(model, validloader, criterion, optimizer)
""",
        # (eighth audit BS) the optimiser owns the model's parameters and the input: the model trains
        """import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5), nn.Linear(8, 2))

def evaluate(net, x):
    net.eval()
    with torch.no_grad():
        return net(x)

for target in range(3):
    x = torch.zeros(1, 8, requires_grad=True)
    opt = torch.optim.Adam(list(model.parameters()) + [x], lr=0.1)
    for step in range(100):
        loss = -model(x)[0, target]
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(evaluate(model, x))  # expect: DL302
""",
        # the head's optimiser, but the head is a part of the model that runs the step
        """import torch
import torch.nn as nn
import torchvision

backbone = torchvision.models.resnet18()
head = nn.Linear(1000, 10)
model = nn.Sequential(backbone, head)
optimizer = torch.optim.SGD(head.parameters(), lr=0.1)

def evaluate(net, loader):
    net.eval()
    with torch.no_grad():
        return [net(x) for x, _ in loader]

for epoch in range(5):
    for x, y in loader:
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    evaluate(model, val_loader)  # expect: DL302
""",
        # the head is attached to the model after it is built
        """import torch
import torch.nn as nn
import torchvision

model = torchvision.models.resnet18()
head = nn.Linear(512, 10)
model.fc = head
optimizer = torch.optim.SGD(head.parameters(), lr=0.1)

def evaluate(net, loader):
    net.eval()
    with torch.no_grad():
        return [net(x) for x, _ in loader]

for epoch in range(5):
    for x, y in loader:
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    evaluate(model, val_loader)  # expect: DL302
""",
        # the model is frozen only in part: the rest trains
        """import torch
import torch.nn as nn
import torchvision

model = torchvision.models.resnet18()
for name, p in model.named_parameters():
    if not name.startswith("fc"):
        p.requires_grad = False

def evaluate(net, loader):
    net.eval()
    with torch.no_grad():
        return [net(x) for x, _ in loader]

def train(net, loader, optimizer):
    for x, y in loader:
        loss = nn.functional.cross_entropy(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

for epoch in range(5):
    train(model, loader, opt)
    evaluate(model, val_loader)  # expect: DL302
""",
        # the same with a sub-module frozen, and the optimiser given what still requires grad
        """import torch
import torch.nn as nn
import torchvision

model = torchvision.models.resnet18()
for p in model.layer1.parameters():
    p.requires_grad = False
optimizer = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1)

def evaluate(net, loader):
    net.eval()
    with torch.no_grad():
        return [net(x) for x, _ in loader]

for epoch in range(5):
    for x, y in loader:
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    evaluate(model, val_loader)  # expect: DL302
""",
        # frozen only after it was trained: the optimiser over its parameters trains it first
        """import torch
import torch.nn as nn
import torchvision

model = torchvision.models.resnet18()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

def evaluate(net, loader):
    net.eval()
    with torch.no_grad():
        return [net(x) for x, _ in loader]

def train(net, loader, optimizer):
    for x, y in loader:
        loss = nn.functional.cross_entropy(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

for epoch in range(5):
    train(model, loader, optimizer)
    evaluate(model, val_loader)  # expect: DL302
model.requires_grad_(False)
""",
        # an adversarial input, but the optimiser comes from the caller: it may own the model
        """import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5), nn.Linear(8, 2))

def evaluate(net, x):
    net.eval()
    with torch.no_grad():
        return net(x)

def fit(net, x, optimizer):
    for step in range(100):
        loss = -net(x)[0, 0]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 10 == 0:
            print(evaluate(net, x))  # expect: DL302
""",
        # (issue 13, audit N) the same loop with a dropout layer in the model
        """import torch
from torch import nn

model_1 = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.Dropout(0.1), nn.Linear(10, 10))

def train_step(model, loader, loss_fn, optimizer):
    for X, y in loader:
        optimizer.zero_grad()
        loss_fn(model(X), y).backward()
        optimizer.step()

def test_step(model, loader):
    model.eval()
    with torch.inference_mode():
        return [model(X) for X, y in loader]

for epoch in range(3):
    train_step(model_1, train_dataloader, loss_fn, optimizer)
    test_step(model_1, test_dataloader)  # expect: DL302
""",
        # (issue 13, audit N) the same loop with batch norm in the model
        """import torch
from torch import nn

model_1 = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.BatchNorm1d(10), nn.Linear(10, 10))

def train_step(model, loader, loss_fn, optimizer):
    for X, y in loader:
        optimizer.zero_grad()
        loss_fn(model(X), y).backward()
        optimizer.step()

def test_step(model, loader):
    model.eval()
    with torch.inference_mode():
        return [model(X) for X, y in loader]

for epoch in range(3):
    train_step(model_1, train_dataloader, loss_fn, optimizer)
    test_step(model_1, test_dataloader)  # expect: DL302
""",
        # (issue 13, audit N) the same loop with a model class of an external package (layers unknown)
        """import torch
from torch import nn
from torchvision.models import resnet18
model_1 = resnet18()

def train_step(model, loader, loss_fn, optimizer):
    for X, y in loader:
        optimizer.zero_grad()
        loss_fn(model(X), y).backward()
        optimizer.step()

def test_step(model, loader):
    model.eval()
    with torch.inference_mode():
        return [model(X) for X, y in loader]

for epoch in range(3):
    train_step(model_1, train_dataloader, loss_fn, optimizer)
    test_step(model_1, test_dataloader)  # expect: DL302
""",
        # the classic: evaluate() switches to eval, the next epoch trains in eval mode
        """import torch
def evaluate(model, loader):
    model.eval()
    with torch.no_grad():
        return sum(model(x).sum().item() for x, _ in loader)

model.train()
for epoch in range(10):
    for x, y in train_loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    evaluate(model, val_loader)  # expect: DL302
""",
        # eval() written inline at the end of the epoch
        """import torch
model.train()
for epoch in range(10):
    for x, y in train_loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    model.eval()  # expect: DL302
    with torch.no_grad():
        val_loss = sum(loss_fn(model(x), y).item() for x, y in val_loader)
""",
        # periodic evaluation inside the batch loop without train() afterwards
        """import torch
model.train()
for step, (x, y) in enumerate(loader):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 500 == 0:
        model.eval()  # expect: DL302
        with torch.no_grad():
            val = model(x_val)
""",
        # (fourteenth audit O, the twins) train() once before the loops: after the first test batch
        # the training steps run in eval mode
        """import torch
import torch.nn as nn
import torch.nn.functional as F
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 4))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
model = model.train()
for epoch in range(3):
    for i, (x, y) in enumerate(train_loader):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        if i % 10 == 0:
            _, (xt, yt) = next(enumerate(test_loader))
            model = model.eval()  # expect: DL302
            test_loss = F.cross_entropy(model(xt), yt)
            print(test_loss.item())
""",
        # the pass after eval() is back-propagated through the names it is bound to: it trains
        """import torch
import torch.nn as nn
net = nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.5), nn.Linear(16, 4))
criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
for epoch in range(3):
    for i, (points, target) in enumerate(loader, 0):
        optimizer.zero_grad()
        net = net.train()
        pred = net(points).log_softmax(1)
        loss = criterion(pred, target)
        loss.backward()
        optimizer.step()
        if i % 10 == 0:
            points, target = next(iter(hard_loader))
            net = net.eval()  # expect: DL302
            pred = net(points).log_softmax(1)
            loss = criterion(pred, target)
            total = loss
            total += 0.1 * pred.pow(2).mean()
            total.backward()
            optimizer.step()
""",
        # train() only on some paths back to the training steps
        """import torch
for epoch in range(10):
    if epoch == 0:
        model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    model.eval()  # expect: DL302
    validate(model)
""",
        # a Trainer class whose fit() never switches back
        """import torch
class Trainer:
    def __init__(self, model, opt):
        self.model = model
        self.opt = opt
    def evaluate(self, loader):
        self.model.eval()
        with torch.no_grad():
            return [self.model(x) for x, _ in loader]
    def fit(self, train_loader, val_loader, epochs):
        self.model.train()
        for epoch in range(epochs):
            for x, y in train_loader:
                self.opt.zero_grad()
                self.model(x).sum().backward()
                self.opt.step()
            self.evaluate(val_loader)  # expect: DL302
""",
        # (issue 14) a Trainer whose ``train(loader)`` is a method of its own (not
        # ``nn.Module.train``): it never switches back after ``test()``
        """import torch

class Trainer:
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer

    def train(self, loader):
        for x, y in loader:
            self.optimizer.zero_grad()
            self.model(x).sum().backward()
            self.optimizer.step()

    def test(self, loader):
        self.model.eval()
        with torch.no_grad():
            return [self.model(x) for x, _ in loader]

def fit(model, train_loader, val_loader, epochs):
    trainer = Trainer(model, torch.optim.Adam(model.parameters()))
    for epoch in range(epochs):
        trainer.train(train_loader)
        trainer.test(val_loader)  # expect: DL302
""",
        # (issue 14, mead-baseline's tagger trainer) a template method: the base's ``train()`` and
        # ``test()`` call the subclass's ``_train()`` / ``_test()``; only ``_test`` switches
        """import time
import torch

class EpochReportingTrainer(object):
    def train(self, ts, reporting_fns):
        start = time.time()
        metrics = self._train(ts)
        for reporting in reporting_fns:
            reporting(metrics, time.time() - start, "Train")
        return metrics

    def test(self, vs, reporting_fns, phase="Valid"):
        metrics = self._test(vs)
        for reporting in reporting_fns:
            reporting(metrics, 0, phase)
        return metrics

class TaggerTrainerPyTorch(EpochReportingTrainer):
    def __init__(self, model, eta=0.01):
        super().__init__()
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=eta)

    def _test(self, ts):
        self.model.eval()
        with torch.no_grad():
            return {"acc": sum((self.model(x).argmax(-1) == y).float().mean() for x, y in ts)}

    def _train(self, ts):
        total = 0.0
        for x, y in ts:
            self.optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(self.model(x), y)
            total += loss.item()
            loss.backward()
            self.optimizer.step()
        return {"avg_loss": total / len(ts)}

def fit(model, ts, vs, epochs=20):
    trainer = TaggerTrainerPyTorch(model)
    for epoch in range(epochs):
        trainer.train(ts, [print])
        trainer.test(vs, [print], phase="Valid")  # expect: DL302
""",
        # (issue 14) notebook cells: a Trainer class in one cell, its epoch loop in another
        """# In[1]:
import torch
import torch.nn as nn

class Trainer:
    def __init__(self, net, lr=1e-3):
        self.net = net
        self.opt = torch.optim.Adam(net.parameters(), lr=lr)

    def train(self, dl):
        for xb, yb in dl:
            self.opt.zero_grad()
            nn.functional.cross_entropy(self.net(xb), yb).backward()
            self.opt.step()

    def evaluate(self, dl):
        self.net.eval()
        with torch.no_grad():
            return sum((self.net(xb).argmax(1) == yb).sum().item() for xb, yb in dl)

# In[2]:
net = nn.Sequential(nn.Linear(8, 32), nn.Dropout(0.3), nn.Linear(32, 2))
trainer = Trainer(net)

# In[3]:
for epoch in range(10):
    trainer.train(train_dl)
    print(trainer.evaluate(valid_dl))  # expect: DL302
""",
        # train(False) is eval mode too
        """import torch
net.train()
for epoch in range(4):
    for x, y in loader:
        opt.zero_grad()
        crit(net(x), y).backward()
        opt.step()
    net.train(False)  # expect: DL302
    with torch.no_grad():
        acc = (net(xv).argmax(1) == yv).float().mean()
""",
        # a training helper that does not call train() itself
        """import torch
def train_epoch(model, loader, optimizer):
    for x, y in loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()

def test(model, loader):
    model.eval()
    with torch.no_grad():
        return [model(x) for x, _ in loader]

model.train()
for epoch in range(5):
    train_epoch(model, train_loader, optimizer)
    test(model, test_loader)  # expect: DL302
""",
        # inside a main() function, evaluation through a context manager class that only calls eval
        """import torch
class Evaluating:
    def __init__(self, model):
        self.model = model
    def __enter__(self):
        self.model.eval()
    def __exit__(self, *exc):
        return False

def main(model, loader, opt):
    model.train()
    for epoch in range(3):
        for x, y in loader:
            opt.zero_grad()
            model(x).sum().backward()
            opt.step()
        with Evaluating(model), torch.no_grad():  # expect: DL302
            print(model(x))
""",
        # a while loop over steps, evaluation every n steps
        """import torch
step = 0
model.train()
while step < max_steps:
    x, y = next(batches)
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    optimizer.step()
    step += 1
    if step % eval_every == 0:
        model.eval()  # expect: DL302
        run_eval(model)
""",
        # notebook exported to .py
        """# In[1]:
import torch
import torch.nn as nn

# In[2]:
net = nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 2))
opt = torch.optim.Adam(net.parameters())

# In[3]:
for epoch in range(20):
    for xb, yb in train_dl:
        opt.zero_grad()
        nn.functional.cross_entropy(net(xb), yb).backward()
        opt.step()
    net.eval()  # expect: DL302
    with torch.no_grad():
        print(sum(nn.functional.cross_entropy(net(xb), yb) for xb, yb in valid_dl))
""",
        # a method switch: the model's own val_start() calls self.eval()
        """import torch
import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.drop = nn.Dropout()
    def forward(self, x):
        return self.fc(self.drop(x))
    def val_start(self):
        self.eval()

model = Net()
for epoch in range(3):
    for x, y in loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    model.val_start()  # expect: DL302
    with torch.no_grad():
        score = model(x_val)
""",
        # (issue 13) the mode is saved after the switch, so the "restore" puts eval mode back
        """import torch
def evaluate(model, loader):
    model.eval()
    was_training = model.training
    with torch.no_grad():
        out = [model(x) for x, _ in loader]
    if was_training:
        model.train()
    return out

model.train()
for epoch in range(10):
    for x, y in train_loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    evaluate(model, val_loader)  # expect: DL302
""",
        # (issue 13) periodic evaluation in a branch of the batch loop, through a helper
        """import torch
def evaluate(model, loader):
    model.eval()
    with torch.no_grad():
        return [model(x) for x, _ in loader]

model.train()
for i, (x, y) in enumerate(train_loader):
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    optimizer.step()
    if i % 10 == 0:
        evaluate(model, val_loader)  # expect: DL302
""",
        # (issue 13) rebound to the result of ``.eval()``: the same module, now in eval mode
        """import torch
import torch.nn as nn
net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(), nn.Linear(4, 2))
net.train()
for epoch in range(3):
    for x, y in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    net = net.eval()  # expect: DL302
    with torch.no_grad():
        print(net(x_val))
""",
        # (issue 13) a classifier wrapper: ``self.model`` starts as None and is filled by a factory
        # of another module (unpacked, so unreadable); switched with eval()/train() it is a module.
        # Validation every k batches leaves the rest of the epoch in eval mode.
        """import torch
from .factory import build_components

class Classifier:
    def __init__(self, num_classes):
        self.model = None
        self.num_classes = num_classes

    def initialize(self):
        self.config, self.model = build_components(self.num_classes)
        self.model = self.model.to("cuda")

    def _train_batch(self, x, y, optimizer):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(self.model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    def _train_epoch(self, batches, valid, optimizer, validate_every):
        self.model.train()
        for i, (x, y) in enumerate(batches):
            self._train_batch(x, y, optimizer)
            if validate_every and i % validate_every == 0:
                self.validate(valid)  # expect: DL302

    def validate(self, valid):
        self.model.eval()
        with torch.no_grad():
            return [self.model(x) for x, _ in valid]
""",
        # rebinding a parameter with ``.to(device)`` keeps the caller's module
        """import torch
def prepare(model, device):
    model = model.to(device)
    model.eval()

model.train()
for x, y in loader:
    opt.zero_grad()
    loss_fn(model(x), y).backward()
    opt.step()
    prepare(model, "cpu")  # expect: DL302
""",
        # The same holder with ``train_start()`` once before the loop: after the first validation
        # the encoders train in eval mode (fartashf/vsepp#4).
        """import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        return self.drop(self.fc(x))


class VSE:
    # a holder of two encoders: it switches them and runs one training step itself

    def __init__(self):
        self.img_enc = Encoder()
        self.txt_enc = Encoder()
        self.optimizer = torch.optim.Adam(list(self.img_enc.parameters()) + list(self.txt_enc.parameters()))

    def train_start(self):
        self.img_enc.train()
        self.txt_enc.train()

    def val_start(self):
        self.img_enc.eval()
        self.txt_enc.eval()

    def forward_emb(self, images, captions):
        return self.img_enc(images), self.txt_enc(captions)

    def train_emb(self, images, captions):
        img, cap = self.forward_emb(images, captions)
        self.optimizer.zero_grad()
        (img - cap).pow(2).sum().backward()
        self.optimizer.step()


def train(loader, val_loader):
    model = VSE()
    model.train_start()
    for i, (images, captions) in enumerate(loader):
        model.train_emb(images, captions)
        if i % 100 == 0:
            model.val_start()  # expect: DL302
            with torch.no_grad():
                for x, y in val_loader:
                    model.forward_emb(x, y)
""",
        # (issue 14, havakv/torchtuples PR #9) the restore repeats the eval switch: predict() called
        # between fits leaves the network in eval mode for the rest of training
        """import torch

class Model:
    def predict_dataloader(self, dataloader, eval_=True):
        if eval_:
            self.net.eval()
        with torch.no_grad():
            preds = [self.net(x) for x in dataloader]
        if eval_:
            self.net.eval()  # expect: DL302
        return preds
""",
        # (issue 14) the same with train(False) and a model of the file with dropout
        """import torch
from torch import nn

net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.2), nn.Linear(4, 1))

def score(x, y):
    net.train(False)
    with torch.no_grad():
        loss = nn.functional.mse_loss(net(x), y).item()
    net.train(False)  # expect: DL302
    return loss
""",
        # (issue 14, coRNN#1) a script: test() takes no argument and switches the module-global model to eval mode;
        # it runs every 100 steps inside the step loop and model.train() is called once, before the loop
        # (the original model is Linear + tanh, mode-free, and rightly silent: this one has dropout)
        """import torch
from torch import nn

model = nn.Sequential(nn.Linear(2, 64), nn.Dropout(0.2), nn.Tanh(), nn.Linear(64, 1))
objective = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

def get_batch(n):
    return torch.randn(n, 2), torch.randn(n, 1)

def test():
    model.eval()
    with torch.no_grad():
        data, label = get_batch(1000)
        loss = objective(model(data), label)
    return loss.item()

def train(max_steps):
    model.train()
    for i in range(max_steps):
        data, label = get_batch(50)
        optimizer.zero_grad()
        loss = objective(model(data), label)
        loss.backward()
        optimizer.step()
        if i % 100 == 0 and i != 0:
            print(test())  # expect: DL302

if __name__ == "__main__":
    train(60000)
""",
        # (issue 14) the same in a Trainer class: self.test() leaves self.model in eval mode
        """import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, 64), nn.Dropout(0.2), nn.Tanh(), nn.Linear(64, 1))

    def forward(self, x):
        return self.body(x)

class Trainer:
    def __init__(self, lr=1e-3):
        self.model = Net()
        self.objective = nn.MSELoss()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)

    def test(self):
        self.model.eval()
        with torch.no_grad():
            data, label = torch.randn(1000, 2), torch.randn(1000, 1)
            return self.objective(self.model(data), label).item()

    def train(self, max_steps):
        self.model.train()
        for i in range(max_steps):
            data, label = torch.randn(50, 2), torch.randn(50, 1)
            self.optimizer.zero_grad()
            loss = self.objective(self.model(data), label)
            loss.backward()
            self.optimizer.step()
            if i % 100 == 0 and i != 0:
                print(self.test())  # expect: DL302
""",
        # (issue 14) the helper's model is a parameter defaulted to the global one, left out at the
        # call: ``test()`` is ``test(model)``
        """import torch
from torch import nn

model = nn.Sequential(nn.Linear(2, 64), nn.Dropout(0.2), nn.Tanh(), nn.Linear(64, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

def test(net=model):
    net.eval()
    with torch.no_grad():
        return nn.functional.mse_loss(net(torch.randn(100, 2)), torch.randn(100, 1)).item()

def train(max_steps):
    model.train()
    for i in range(max_steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(torch.randn(50, 2)), torch.randn(50, 1)).backward()
        optimizer.step()
        if i % 100 == 0:
            print(test())  # expect: DL302
""",
        # (issue 13) the same with a dropout: the init helper and the loss module hide nothing
        """import torch
import torch.nn as nn

def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        m.bias.data.fill_(0.01)

class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 1))
        self.loss_fn = nn.SmoothL1Loss()
        self.apply(init_weights)

    def forward(self, x):
        return self.body(x)

def evaluate(model, loader):
    model.eval()
    with torch.no_grad():
        return sum(model.loss_fn(model(x), y).item() for x, y in loader)

model = Regressor()
optimizer = torch.optim.Adam(model.parameters())
model.train()
for epoch in range(10):
    for x, y in train_loader:
        optimizer.zero_grad()
        model.loss_fn(model(x), y).backward()
        optimizer.step()
    print(evaluate(model, val_loader))  # expect: DL302
""",
        # (eighth audit BL) the training method sets the flag True before its loop
        """import torch
import torch.nn as nn

class Player:
    def __init__(self):
        self.policy = nn.Sequential(nn.Linear(8, 32), nn.Dropout(0.2), nn.Linear(32, 3))
        self.optimizer = torch.optim.SGD(self.policy.parameters(), lr=0.01)
        self.greedy = False

    def act(self, obs):
        if self.greedy:
            self.policy.eval()
        return self.policy(obs).argmax()

    def learn(self, obs):
        self.optimizer.zero_grad()
        self.policy(obs).logsumexp(0).backward()
        self.optimizer.step()

    def fit(self, steps):
        self.greedy = True
        for step in range(steps):
            obs = torch.randn(8)
            self.act(obs)  # expect: DL302
            self.learn(obs)

    def play(self):
        self.greedy = True
        move = self.act(torch.randn(8))
        self.policy.train()
        return move
""",
        # (eighth audit BL) the flag is False before the loop, but the loop may set it True
        """import torch
import torch.nn as nn

class Player:
    def __init__(self):
        self.policy = nn.Sequential(nn.Linear(8, 32), nn.Dropout(0.2), nn.Linear(32, 3))
        self.optimizer = torch.optim.SGD(self.policy.parameters(), lr=0.01)
        self.greedy = False

    def act(self, obs):
        if self.greedy:
            self.policy.eval()
        return self.policy(obs).argmax()

    def learn(self, obs):
        self.optimizer.zero_grad()
        self.policy(obs).logsumexp(0).backward()
        self.optimizer.step()

    def fit(self, steps):
        self.greedy = False
        for step in range(steps):
            obs = torch.randn(8)
            if step % 100 == 99:
                self.greedy = True
            self.act(obs)  # expect: DL302
            self.learn(obs)

    def play(self):
        self.greedy = True
        move = self.act(torch.randn(8))
        self.policy.train()
        return move
""",
        # (eighth audit BL) nothing in the training method sets the flag: whatever it holds
        """import torch
import torch.nn as nn

class Player:
    def __init__(self):
        self.policy = nn.Sequential(nn.Linear(8, 32), nn.Dropout(0.2), nn.Linear(32, 3))
        self.optimizer = torch.optim.SGD(self.policy.parameters(), lr=0.01)
        self.greedy = False

    def act(self, obs):
        if self.greedy:
            self.policy.eval()
        return self.policy(obs).argmax()

    def learn(self, obs):
        self.optimizer.zero_grad()
        self.policy(obs).logsumexp(0).backward()
        self.optimizer.step()

    def fit(self, steps):
        for step in range(steps):
            obs = torch.randn(8)
            self.act(obs)  # expect: DL302
            self.learn(obs)

    def play(self):
        self.greedy = True
        move = self.act(torch.randn(8))
        self.policy.train()
        return move
""",
        # (eighth audit BL) the call passes the flag True
        """import torch
import torch.nn as nn

policy = nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.Linear(32, 3))
optimizer = torch.optim.SGD(policy.parameters(), lr=0.01)

def act(net, obs, greedy=False):
    if greedy:
        net.eval()
    return net(obs).argmax(1)

for step in range(100):
    obs = torch.randn(16, 8)
    act(policy, obs, greedy=True)  # expect: DL302
    optimizer.zero_grad()
    policy(obs).logsumexp(1).sum().backward()
    optimizer.step()
""",
        # (issue 13, the closed world of models) the twin: one network of the table has dropout
"""import sys
import torch
import torch.nn as nn


def build_net(sizes, activation, output_activation):
    layers = []
    for j in range(len(sizes) - 1):
        act = activation if j < len(sizes) - 2 else output_activation
        layers += [nn.Linear(sizes[j], sizes[j + 1]), act(), nn.Dropout(0.1)]
    return nn.Sequential(*layers)


class QNet(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.q = build_net(sizes, nn.ReLU, nn.Identity)

    def forward(self, s):
        return self.q(s)


def evaluate(net, states):
    with torch.no_grad():
        return net(states).argmax(1)


ARCHITECTURES = {"small": lambda: QNet([4, 64, 2]), "large": lambda: QNet([4, 256, 256, 2])}
def make_net(name):
    return ARCHITECTURES[name]()


net = make_net(sys.argv[1])
opt = torch.optim.Adam(net.parameters())
for epoch in range(10):
    net.eval()  # expect: DL302
    with torch.no_grad():
        print(net(test_states).argmax(1))
    for states, targets in batches:
        loss = ((net(states) - targets) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
""",
    ]

    def check(self, ctx: FileContext) -> None:
        modes = ctx.analysis(Modes)
        self._repeated_switches(ctx, modes)
        if not modes.active or not modes.training_loops:
            return
        scopes: list[cst.CSTNode] = []
        for loop in sorted(modes.training_loops, key=ctx.index.order.__getitem__):
            scope = modes.scope_of(loop)
            if scope not in scopes:
                scopes.append(scope)
        reported: set[cst.CSTNode] = set()
        for scope in scopes:
            run = modes.run(scope)
            for (use, key), tokens in run.train_uses.items():
                for token in _in_source_order(tokens, ctx):
                    if not is_eval_token(token) or token in reported:
                        continue
                    loop = self._shared_training_loop(modes, token, use)
                    if loop is None:
                        continue
                    if modes.key_mode_dependence(key, use) == NO_DEPENDENCE:
                        continue  # no dropout, no batch norm...: both modes train the same
                    reported.add(token)
                    line = ctx.position(use).start.line
                    what = ctx.code_for(token.func) if isinstance(token, cst.Call) else "this"
                    switch = "switches" if mode_call(token) is not None else "leaves"
                    where = "to" if switch == "switches" else "in"
                    ctx.report(token, f"`{what}(...)` {switch} `{key}` {where} eval mode, and training "
                                      f"goes on (line {line}) with no `{key}.train()` in between on "
                                      "some path: dropout and batch norm stay in inference mode")

    @staticmethod
    def _repeated_switches(ctx: FileContext, modes: Modes) -> None:
        """A restore written with the wrong mode: the function switches the model to eval mode,
        runs it, and switches it to eval mode again where it meant ``.train()``."""
        for first, second, key in repeated_eval_switches(modes):
            if modes.key_mode_dependence(key, second) == NO_DEPENDENCE:
                continue
            line = ctx.position(first).start.line
            ctx.report(second, f"`{ctx.code_for(second)}` repeats the eval switch of line {line}: "
                               f"`{key}` is already in eval mode here, so the function returns it in "
                               "eval mode and training that follows runs without dropout and batch "
                               f"norm statistics; to put training mode back, call `{key}.train()` "
                               f"(or restore the saved `{key}.training`)")

    @staticmethod
    def _shared_training_loop(modes: Modes, switch: cst.CSTNode, use: cst.CSTNode):
        """A training loop that runs both the switch and the training step."""
        regions = modes.regions
        use_loops = set(regions.loops_of(use))
        for loop in regions.loops_of(switch):
            if loop in use_loops and loop in modes.training_loops:
                return loop
        return None


def _in_source_order(tokens: frozenset, ctx: FileContext) -> list:
    """The switch tokens of a use by their place in the file: a frozenset's order follows hashes,
    and the first switch reported takes the use's message."""
    nodes = [t for t in tokens if isinstance(t, cst.CSTNode)]
    return sorted(nodes, key=lambda node: (ctx.position(node).start.line, ctx.position(node).start.column))
