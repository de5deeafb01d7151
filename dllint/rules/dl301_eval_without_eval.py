"""DL301: a model is evaluated while it may still be in training mode.

Dropout keeps zeroing activations and batch norm keeps normalising with the statistics of the current
batch (and updating its running averages) until ``model.eval()`` switches them off. A model call
inside an evaluation region (a ``torch.no_grad()`` / ``inference_mode()`` block or decorated
function, a function named like ``evaluate``/``validate``/``test``/``predict``, or a loop over a
loader named as held out: ``for x, y in val_loader:``, or a pass whose output is read out of the
graph with ``.detach()`` / ``.numpy()`` / ``.tolist()`` where nothing trains) is reported when
a path reaches it on which the model is in training mode: constructed in this file or by a helper
that returns it (a fresh module trains) or switched with ``.train()``, and no ``.eval()`` / ``.train(False)``, directly, through a
helper or method (of this file or, through its imports, of another module of the project), or
through a context manager, on that path. A helper that saves ``model.training`` and restores it
leaves the model in the mode it found.

A function whose model comes from its caller (``def evaluate(model, loader)``) is judged at its call
sites in the module: silent when every caller put the model in eval mode first. When no caller is
in the file the finding needs both an evaluation name and a ``.train()`` of that model somewhere in
the module (the author toggles modes, and forgot here), and a class derived from a project class of
another module is left alone (that base may call the method after switching modes itself).

A module's own inference method (``predict``/``evaluate``/``infer``... of an ``nn.Module`` class)
that runs ``self(...)`` and hands the output back, with no mode switch before it on any path, is
judged by its callers in the file and the project (:mod:`dllint.analysis.own_inference`): silent
when every caller switched to eval mode first, reported when one may leave the module training, and
reported when no caller's mode can be read only if the class visibly computes differently in
training mode (dropout, batch norm, a ``self.training`` test: mead-baseline#680's ``predict``).

Silent for: models fresh from ``from_pretrained`` (already in eval mode) never put in training mode;
other methods of a model that run it (``self(...)`` in ``generate``: its mode is the caller's business); Lightning
modules (Lightning switches modes itself); calls in a loop whose own body back-propagates (a target
network, a training-accuracy re-forward) unless the data is named validation/test, and the no-grad
passes of a loop nested in such a loop that also runs the model with gradients into the step's loss
(the first steps of an unrolled rollout: :func:`dllint.analysis.evaluations.in_unrolled_step`); a mode picked
from a flag (``if train: model.train()``); models whose mode cannot be read (``torch.load``, a
factory's result); models that compute the same in both modes: the engine's mode-dependence fact
(``Models.mode_dependence``) sees the whole definition (an ``nn.Sequential`` of known layers, a class
of the file or the project, also one a script names without importing it and that one module of its
folder defines, a stateless ``torch.nn`` layer such as ``UpsamplingBilinear2d``) and no
dropout with p > 0, no batch norm with running statistics, no ``self.training`` test in it (a layer
built inside ``forward`` or another method that does not run at build time and called at once,
``nn.Dropout(d)(x)``, is a new module in training mode at every call: the model's mode never
reaches it, so it adds no dependence). The
fact is asked of the model where it is built, also through a helper's callers at any depth
(``evaluate_randomly(encoder)`` -> ``evaluate(encoder, s)``). A part that is not visible (a library model, a factory) keeps the finding,
unless every model the program can build is mode-free (the closed world of models,
:mod:`dllint.analysis.model_world`: a network picked from a table of Linear-only classes, in a
program whose modules name no dropout, batch norm or ``self.training``, load no whole model and
import no model library).

A pass whose output is read only for its structure (``out.shape``, ``out.size()``, ``out.dtype``, a
dict output's keys, the sizes of its items: :func:`dllint.analysis.modes.shape_only`) is no
evaluation: a shape smoke test measures nothing, in either mode. A comparison, a metric, a loss, an
``argmax``, collected predictions or printed values keep the finding. A function's or lambda's own
local of the same name is another variable (a method's ``output = self.block(x); return output`` is
no read of a module-level ``output``); one declared ``global`` or read from a closure is a read.

Nor is a sampling pass (:func:`dllint.analysis.sampling_passes.sampling_pass`): the same input run
again and again in a loop that repeats a count, every output kept, nothing trained in the loop
(Monte Carlo dropout: in eval mode the passes would all be equal). The training step that makes a
loop a step loop may be a method of another module's class (``self.agent.learn(batch)``): the
agent's ``no_grad`` passes reached from that loop (acting, the double-Q target) are training.

Nor is a pass whose training mode the same function states (:mod:`dllint.analysis.stated_modes`):
``net.train()`` just before, nothing that trains or switches the model in between, no ``.eval()``
it undoes, data not named as held out (re-estimating batch-norm statistics under ``no_grad``). A
``.train()`` at the top of an epoch loop states the mode of its training steps, and a validation
after them forgot ``.eval()``. A ``model.apply(f)`` between them switches nothing when ``f`` calls no
``.train()``/``.eval()`` and sets no ``.training`` (``model.apply(reset_bn)``). A container rebuilt
from a model's children (``nn.Sequential(*list(vgg.children())[:31])``) holds its layers in the
modes they are in: ``vgg.eval()`` before the rebuild is an ``.eval()`` of the new container. Silent, too, for a model whose layers were put in eval mode when
it was built (:mod:`dllint.analysis.eval_built`: ``self.model = torch.jit.load(p).eval()`` in the
wrapper's ``__init__``, nothing else mode-dependent in it) and never switched back; for a
functional form whose ``training`` is the literal ``False`` (``F.dropout(x, training=False)``: the
identity in both modes); and for a model taken from a branch that cannot complete: a branch that
holds every read in its function of a name bound nowhere in the file (no import, definition or
star import: NameError, :mod:`dllint.analysis.unbound_names`) gives no path to the evaluation.

The evaluations reached in training mode are the facts of ``dllint.analysis.evaluations``; a module's
own inference method, those of ``dllint.analysis.own_inference``.
"""
from __future__ import annotations

from dllint.analysis.evaluations import ImportedEvaluation, training_evaluations
from dllint.analysis.own_inference import OwnInference
from dllint.context import FileContext
from dllint.rule import Rule


class EvalWithoutEval(Rule):
    """Evaluation (under ``no_grad`` or in an evaluation function) of a model that may still be in
    training mode: dropout and batch norm behave as in training, so the metric is noisy and biased,
    and batch norm's running statistics drift with the evaluation data."""

    code = "DL301"
    name = "eval-without-eval-mode"
    summary = "A model is evaluated while it may still be in training mode (no .eval() on some path)."
    severity = "warning"

    VALID = [
        # (issue 14, mead-baseline#680, the twins) a module's own predict() that switches itself
        # first; one whose every caller switches first; one that picks training mode on purpose
        """import torch
from torch import nn

class Tagger(nn.Module):
    def __init__(self, vocab, labels):
        super().__init__()
        self.embed = nn.Embedding(vocab, 32)
        self.drop = nn.Dropout(0.5)
        self.proj = nn.Linear(32, labels)

    def forward(self, x):
        return self.proj(self.drop(self.embed(x)))

    def predict(self, batch):
        self.eval()
        return self(batch).argmax(-1)

    def predict_mc(self, batch, samples=10):
        self.train()
        return torch.stack([self(batch) for _ in range(samples)]).mean(0)
""",
        """import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 16), nn.Dropout(0.3), nn.Linear(16, 2))

    def forward(self, x):
        return self.body(x)

    def predict(self, x):
        out = self(x)
        return out.argmax(1)

    def evaluate(self, loader):
        self.eval()
        return [self.predict(x) for x, _ in loader]

model = Net()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in train_loader:
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
    train_acc = (model.predict(x) == y).float().mean()
model.eval()
print(model.predict(x_test))
""",
        # (issue 14, the twins) nothing in the class computes differently in training mode, or
        # its layers are not visible (built by a factory): a predict() nobody calls here is left
        # to its callers
        """import torch
from torch import nn
from .blocks import make_encoder

class Linear(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)

    def predict(self, x):
        return self(x).argmax(1)

class Encoded(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.encoder = make_encoder(cfg)

    def forward(self, x):
        return self.encoder(x)

    def predict(self, x):
        return self(x).argmax(1)
""",
        # (issue 13, fourth audit AR) the only dropout is built inside ``forward`` from its
        # argument: a new module at every call, in training mode whatever ``net.eval()`` says; the
        # test call passes 0.0. There is no batch norm: ``.eval()`` would change nothing
        """import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.fc2 = nn.Linear(16, 2)

    def forward(self, x, d):
        x = torch.relu(self.fc1(x))
        x = nn.Dropout(d)(x)
        return self.fc2(x)

net = Net()
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
for x, y in train_batches:
    loss = nn.functional.cross_entropy(net(x, 0.5), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

with torch.no_grad():
    y = net(test_x, 0.0)
""",
        # (issue 13, fourth audit AK) a shape smoke test: a pytest function under no_grad builds a
        # network with batch norm and asserts the size of its output; nothing is measured
        """import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())

    def forward(self, x):
        return self.body(x)

@torch.no_grad()
def test_net_output_shape():
    model = Net()
    output = model(torch.randn(2, 3, 32, 32))
    assert output.shape == (2, 8, 30, 30)
    assert output.dtype == torch.float32
""",
        # (h13, twelfth audit DG) a notebook tries a network built of a batch-norm block and prints
        # the size of its output; the methods' own ``output`` locals are other variables, no reads
        """import torch
import torch.nn as nn

class Block(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(ch)

    def forward(self, x):
        output = self.bn1(self.conv1(x))
        return torch.relu(output)

class UNetTry(nn.Module):
    def __init__(self, in_ch=3):
        super().__init__()
        self.block = Block(in_ch)

    def forward(self, x):
        output = self.block(x)
        return output

    def describe(self, output=None):
        return [output for output in range(3)]

model = UNetTry(1)
with torch.no_grad():
    output = model(torch.zeros((2, 1, 256, 416)))
print(output.size(), output.dim(), len(output), output.numel())
""",
        # (issue 13, fourth audit AK) the BloodAxe layout: a factory returns a fresh network with
        # dropout, its dict output is walked for the names and sizes of its parts
        """import torch
from torch import nn

def make_classifier(num_classes):
    return nn.Sequential(nn.Linear(16, 32), nn.Dropout(0.5), nn.Linear(32, num_classes))

@torch.no_grad()
def test_classifier():
    model = make_classifier(num_classes=4).cuda()
    input = {"image": torch.randn((2, 16)).cuda()}
    output = model(**input)
    for output_name, output_value in output.items():
        print(output_name, output_value.size())
    print(len(output), list(output.keys()), output["logits"].cpu().shape)
""",
        # (issue 13, fourth audit AN) the model evaluated two helpers away from the training is an
        # Embedding/GRU/Linear encoder: its class reaches ``evaluate()`` through
        # ``evaluate_randomly()``'s caller, and it computes the same in both modes
        """import random
import torch
import torch.nn as nn

class EncoderRNN(nn.Module):
    def __init__(self, vocab, hidden):
        super(EncoderRNN, self).__init__()
        self.embedding = nn.Embedding(vocab, hidden)
        self.gru = nn.GRU(hidden, hidden)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x):
        output, _ = self.gru(self.embedding(x))
        return self.out(output)

def evaluate(encoder, sentence):
    with torch.no_grad():
        return encoder(sentence)

def evaluate_randomly(encoder, n=10):
    for i in range(n):
        print(evaluate(encoder, random.choice(pairs)))

encoder = EncoderRNN(10, 8)
optimizer = torch.optim.SGD(encoder.parameters(), lr=0.1)
for x in data:
    loss = encoder(x).sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
evaluate_randomly(encoder)
""",
        # (issue 13, fourth audit AN) a diffusion notebook: ``sample()`` -> ``p_sample_loop()`` ->
        # ``p_sample()``, three helpers deep, on a U-Net of GroupNorm and convolution blocks
        """import torch
from torch import nn

class Block(nn.Module):
    def __init__(self, dim, groups=8):
        super().__init__()
        self.proj = nn.Conv2d(dim, dim, 3, padding=1)
        self.norm = nn.GroupNorm(groups, dim)

    def forward(self, x):
        return torch.relu(self.norm(self.proj(x)))

class Unet(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.downs = nn.ModuleList([Block(dim), Block(dim)])
        self.final = nn.Conv2d(dim, 1, 1)

    def forward(self, x, t):
        for block in self.downs:
            x = block(x)
        return self.final(x)

@torch.no_grad()
def p_sample(model, x, t):
    return x - model(x, t)

@torch.no_grad()
def p_sample_loop(model, shape):
    x = torch.randn(shape)
    for t in reversed(range(10)):
        x = p_sample(model, x, t)
    return x

@torch.no_grad()
def sample(model, image_size, batch_size=16):
    return p_sample_loop(model, shape=(batch_size, 8, image_size, image_size))

model = Unet()
optimizer = torch.optim.Adam(model.parameters())
for batch in loader:
    loss = (model(batch, 0) - batch).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
samples = sample(model, image_size=16)
""",
        # (issue 13, third audit AB) the model evaluated is the Linear/Tanh one: a later cell's
        # placeholder (or a later model with dropout) does not reach the evaluation
        """import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in loader:
    loss = nn.functional.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

with torch.no_grad():
    for x, y in loader:
        out = model(x)

model = nn.Sequential(nn.Linear(4, 8), ...)
""",
        """import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in loader:
    loss = nn.functional.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

with torch.no_grad():
    for x, y in loader:
        out = model(x)

model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5))
""",
        # (issue 13, third audit X) a weight initialised in place in ``__init__`` adds no layer:
        # the model is Linear layers only, both modes compute the same
        """import torch
import torch.nn.functional as F
class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear_1 = torch.nn.Linear(4, 8)
        self.linear_out = torch.nn.Linear(8, 2)
        self.linear_out.weight.detach().normal_(0.0, 0.1)
    def forward(self, x):
        return self.linear_out(torch.sigmoid(self.linear_1(x)))
def compute_loss(net, loader):
    total = 0.0
    with torch.no_grad():
        for features, targets in loader:
            total += F.cross_entropy(net(features), targets)
    return float(total)
model = MLP()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(5):
    model.train()
    for features, targets in train_loader:
        loss = F.cross_entropy(model(features), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(compute_loss(model, train_loader))
""",
        # (issue 13, second audit M) ``range(1, 10)`` runs nine times: the last call of ``test``
        # leaves the model in eval mode
        """import torch
model_ft = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5))
def train(model, loader):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()
def test(model, loader):
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            y_hat = model(x)
for epoch in range(1, 10):
    train(model_ft, train_loader)
    test(model_ft, valid_loader)
with torch.no_grad():
    for x, y in train_loader:
        y_hat = model_ft(x)
""",
        # the model is switched to eval mode first
        """import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 1))
model.eval()
with torch.no_grad():
    pred = model(x_test)
""",
        # evaluate() switches the mode itself
        """import torch
def evaluate(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
    return correct
""",
        # every caller switches before calling the helper
        """import torch
from models import ResNet18
def accuracy(net, loader):
    with torch.no_grad():
        return sum((net(x).argmax(1) == y).sum().item() for x, y in loader)

net = ResNet18()
for epoch in range(10):
    net.train()
    train_epoch(net)
    net.eval()
    print(accuracy(net, test_loader))
""",
        # a helper that switches to eval mode
        """import torch
import torch.nn as nn
def set_eval(m):
    m.eval()
model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
set_eval(model)
with torch.no_grad():
    y = model(x)
""",
        # a context manager of the module that switches modes
        """import contextlib
import torch
import torch.nn as nn

@contextlib.contextmanager
def evaluating(net):
    was = net.training
    net.eval()
    try:
        yield net
    finally:
        net.train(was)

model = nn.Sequential(nn.Linear(4, 4), nn.Dropout())
with evaluating(model), torch.no_grad():
    out = model(x)
""",
        # Hugging Face models come back from from_pretrained in eval mode
        """import torch
from transformers import AutoModelForSequenceClassification
model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
with torch.no_grad():
    logits = model(**batch).logits
""",
        # a model's own generate method: its mode is set by whoever calls it
        """import torch
import torch.nn as nn
class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(8, 8)
    @torch.no_grad()
    def generate(self, idx, steps):
        for _ in range(steps):
            logits = self(idx)
            idx = torch.cat([idx, logits.argmax(-1)], 1)
        return idx
""",
        # a target network in a DQN update (innermost loop trains)
        """import torch
import torch.nn as nn
policy_net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
target_net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
for step in range(1000):
    with torch.no_grad():
        target = r + 0.99 * target_net(s2).max(1).values
    loss = ((policy_net(s).gather(1, a) - target) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
        # Lightning switches modes around validation_step itself
        """import torch
import lightning as L
class Lit(L.LightningModule):
    def __init__(self, net):
        super().__init__()
        self.net = net
    def validation_step(self, batch, idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.cross_entropy(self.net(x), y))
""",
        # eval in both branches of an if
        """import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(2, 2), nn.Dropout())
if use_swa:
    swa.eval()
    model.eval()
else:
    model.eval()
with torch.no_grad():
    out = model(x)
""",
        # a Trainer class whose evaluate method switches modes
        """import torch
class Trainer:
    def __init__(self, model, loader):
        self.model = model
        self.loader = loader
    def fit(self):
        self.model.train()
        for x, y in self.loader:
            self.model(x).sum().backward()
    def evaluate(self):
        self.model.eval()
        with torch.no_grad():
            return [self.model(x) for x, _ in self.loader]
""",
        # a template method: the base class (another module of the project) switches to eval and
        # then calls the subclass's _predict_batches(); this file cannot see that, so it stays silent
        """import torch
from .base import TorchClassifier

class TextClassifier(TorchClassifier):
    def __init__(self, model, loader):
        self.model = model
        self.loader = loader
    def fit(self):
        self.model.train()
        for x, y in self.loader:
            self.model(x).sum().backward()
    @torch.no_grad()
    def _predict_batches(self, batches):
        return [self.model(x) for x in batches]
""",
        # guarded by isinstance: on the other path it is not a module at all
        """import torch
def evaluate_accuracy(net, data_iter):
    if isinstance(net, torch.nn.Module):
        net.eval()
    with torch.no_grad():
        for X, y in data_iter:
            acc = (net(X).argmax(1) == y).float().mean()
""",
        # a sampling script: eval() right after loading
        """import torch
from model import GPT
model = GPT(config)
model.load_state_dict(torch.load(ckpt))
model.eval()
with torch.no_grad():
    for k in range(num_samples):
        y = model.generate(x, max_new_tokens)
        print(model(y))
""",
        # an EMA update and a model loaded whole with torch.load (its mode is not known)
        """import torch
@torch.no_grad()
def update_ema(ema, model, decay=0.999):
    for e, p in zip(ema.parameters(), model.parameters()):
        e.mul_(decay).add_(p, alpha=1 - decay)

model = torch.load("full_model.pt")
with torch.no_grad():
    out = model(x)
""",
        # a closure defined before eval() and called after it
        """import torch
def validate(loader, model):
    def run(batches):
        with torch.no_grad():
            for x, y in batches:
                out = model(x)
    model.eval()
    run(loader)
""",
        # the train/val phase idiom: the mode follows a flag
        """import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(2, 2), nn.Dropout())
for phase in ("train", "val"):
    if phase == "train":
        model.train()
    else:
        model.eval()
    with torch.no_grad():
        stats = model(x)
""",
        # a no-grad helper used for the training accuracy of each step and, after eval(), for testing
        """import torch
import torch.nn as nn
def accuracy(net, x, y):
    with torch.no_grad():
        return (net(x).argmax(1) == y).float().mean().item()

net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(), nn.Linear(4, 2))
for x, y in loader:
    opt.zero_grad()
    nn.functional.cross_entropy(net(x), y).backward()
    opt.step()
    print(accuracy(net, x, y))
net.eval()
print(accuracy(net, x_test, y_test))
""",
        # a helper that performs one step, and a training-accuracy re-forward in the same loop
        """import torch
def train_step(model, batch, opt):
    opt.zero_grad()
    loss = loss_fn(model(batch[0]), batch[1])
    loss.backward()
    opt.step()
    return loss

for batch in loader:
    train_step(model, batch, opt)
    with torch.no_grad():
        acc = (model(batch[0]).argmax(1) == batch[1]).float().mean()
""",
        # a DDP model switched through .module; a Hugging Face Trainer runs the training
        """import torch
from torch.nn.parallel import DistributedDataParallel as DDP
from transformers import AutoModelForSequenceClassification, Trainer
from model import Net
ddp = DDP(Net().cuda())
run_training(ddp)
ddp.module.eval()
with torch.no_grad():
    out = ddp(x_val)

model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")
trainer = Trainer(model=model, train_dataset=train_ds)
trainer.train()
with torch.no_grad():
    logits = model(**batch).logits
""",
        # training mode chosen on purpose by a flag, to show the difference
        """import torch
import torch.nn as nn
def test(model, train):
    if train:
        model.train()
    if not train:
        model.eval()
    with torch.no_grad():
        for x, y in test_loader:
            out = model(x)

net = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
test(net, train=True)
test(net, train=False)
""",
        # an inference wrapper: the model, loaded by a factory of another module, is only evaluated
        """import torch
from .bundle import load_bundle

class Predictor:
    def __init__(self):
        self.model = None
    def load(self, path):
        self.tokenizer, self.model = load_bundle(path)
        self.model = self.model.to("cpu")
    @torch.no_grad()
    def predict(self, x):
        self.model.eval()
        return self.model(x)
""",
        # Monte Carlo dropout chosen by a flag, inside the loop over the test set
        """import torch
def predict(model, test_loader, mc_dropout=False):
    model.eval()
    with torch.no_grad():
        for x, _ in test_loader:
            if mc_dropout:
                model.train()
            yield model(x)
""",
        # re-estimating batch-norm statistics with train() inside the loop over the training data
        """import torch
@torch.no_grad()
def recalibrate_bn(model, train_loader):
    for x, _ in train_loader:
        model.train()
        model(x)
    model.eval()
""",
        # training mode on purpose inside no_grad: re-estimating batch-norm statistics (SWA)
        """import torch
import torch.nn as nn
@torch.no_grad()
def update_bn(loader, model):
    was_training = model.training
    model.train()
    for x in loader:
        model(x)
    model.train(was_training)

model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
update_bn(loader, model)
""",
        # library-style functions nobody calls in this file: the callers elsewhere decide
        """import torch
def train(model, loader, opt):
    model.train()
    for x, y in loader:
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()

def validate(model, loader):
    with torch.no_grad():
        return [model(x) for x, _ in loader]
""",
        # an evaluation function that is never called here, and no model is ever trained here
        """import torch
def evaluate(model, loader):
    with torch.no_grad():
        return [model(x) for x, _ in loader]
""",
        # ``range(EPOCHS)`` with EPOCHS a positive constant runs at least once: every path to the
        # final test goes through the ``.eval()`` that ends an epoch
        """import torch
EPOCHS = 5

def score(net, batches):
    return sum(int((net(x).argmax(1) == y).sum()) for x, y in batches)

for epoch in range(EPOCHS):
    model.train()
    for x, y in train_batches:
        opt.zero_grad()
        criterion(model(x), y).backward()
        opt.step()
    model.eval()

with torch.no_grad():
    print(score(model, test_batches))
""",
        # (issue 13, audit N) no layer of the model depends on the mode (linear, ReLU): evaluating
        # it in training mode computes the same
        """import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(p=0), nn.Linear(8, 1))
fit(model)
with torch.no_grad():
    print(model(x_test))
""",
        # (issue 13, audit N) a layer without parameters and without mode is never a model to switch
        """import torch

def score(activations, input_tensor):
    upsample = torch.nn.UpsamplingBilinear2d(size=input_tensor.shape[-2:])
    with torch.no_grad():
        return upsample(activations)
""",
        # (issue 13, audit N) through a helper: the callers' model is a class of the file built from
        # conv, pool, linear layers and a dropout whose rate defaults to zero
        """import torch
import torch.nn as nn
class Net(nn.Module):
    def __init__(self, dropout=0.0):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                  nn.LazyLinear(10), nn.Dropout(dropout))
    def forward(self, x):
        return self.body(x)

def test_step(model, loader):
    with torch.inference_mode():
        return [model(X) for X, y in loader]

model_1 = Net()
for epoch in range(3):
    model_1.train()
    train_step(model_1, train_dataloader)
    test_step(model_1, test_dataloader)
""",
        # (issue 13, audit C) the loop's count is the ``epochs = 200`` that reaches it: the loop runs,
        # and every path to the test goes through its eval(); a later cell's ``epochs = 100`` does
        # not reach the loop
        """import torch
from torch import nn

model_0 = nn.Sequential(nn.Linear(1, 8), nn.Dropout(0.2), nn.Linear(8, 1))
epochs = 200
for epoch in range(epochs):
    model_0.train()
    loss_fn(model_0(X_train), y_train).backward()
    model_0.eval()
with torch.inference_mode():
    y_preds_new = model_0(X_test)

epochs = 100  # a later cell trains another model
""",
        # a model written as a plain class (no nn.Module base): it has no mode to switch
        """import torch
class ScratchNet:
    def __init__(self, n_in, n_out):
        self.w = torch.randn(n_out, n_in) * 0.01

    def forward(self, x):
        return torch.relu(x @ self.w.t())

def accuracy(net, batches):
    with torch.no_grad():
        return sum(int((net.forward(x).argmax(1) == y).sum()) for x, y in batches)

model = ScratchNet(20, 3)
print(accuracy(model, val_batches))
""",
        # switched to eval under ``if enc is not None`` and used only under the same test
        """import torch
def check(batches, enc, head):
    head.eval()
    if enc is not None:
        enc.eval()
    with torch.no_grad():
        for x, y in batches:
            if enc is not None:
                x = enc(x)
            out = head(x)

for epoch in range(4):
    enc.train()
    head.train()
    fit_epoch(enc, head)
    check(val_batches, enc, head)
""",
        # (issue 13) rebound through .eval().to(device): the result is the same module, in eval mode
        """import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(2, 2), nn.Dropout())
model.train()
fit(model)
model = model.eval().to(device)
with torch.no_grad():
    out = model(x_test)
""",
        # (issue 13) globals bound under ``if __name__ == "__main__":`` after the functions, and the
        # script switches to eval mode before each test
        """import torch
from model import Net

def test():
    with torch.no_grad():
        for x, y in test_loader:
            out = model(x)

def train():
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()

if __name__ == "__main__":
    model = Net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(3):
        train()
        model.eval()
        test()
""",
        # (issue 13) a forward pass over the test loader after eval(), without no_grad
        """import torch.nn as nn
model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(), nn.Linear(4, 2))
for epoch in range(5):
    model.train()
    for x, y in train_loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    model.eval()
    correct = sum((model(x).argmax(1) == y).sum().item() for x, y in test_loader)
    for x, y in test_loader:
        correct += (model(x).argmax(1) == y).sum().item()
""",
        # (issue 13) periodic validation inside the batch loop, switched and restored around it
        """import torch
model.train()
for i, (x, y) in enumerate(train_loader):
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    optimizer.step()
    if i % 10 == 0:
        model.eval()
        with torch.no_grad():
            for xv, yv in val_loader:
                val_loss = loss_fn(model(xv), yv)
        model.train()
""",
        # (issue 14, dnnbrain#72, the twin) a network built by a helper that returns a fresh
        # module, switched to eval before its activations are read out
        """import torch
import torch.nn as nn
def truncate(net, depth):
    return nn.Sequential(*list(net.children())[:depth])
actmodel = truncate(backbone, 5)
actmodel.eval()
acts = [actmodel(x).detach().numpy() for x, _ in loader]
""",
        # a helper that moves what it is given and returns it (``m = m.to(device)`` binds ``m`` to
        # itself: followed a bounded number of steps); the model is mode-free anyway
        """import torch
import torch.nn as nn
def to_device(m, device):
    m = m.to(device)
    return m
net = to_device(nn.Sequential(nn.Linear(4, 4), nn.ReLU()), "cpu")
print(net(x).detach().numpy())
""",
        # the helper switches the module it returns to eval itself
        """import torch
import torch.nn as nn
def load_for_inference(path):
    net = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.3), nn.Linear(8, 2))
    net.load_state_dict(torch.load(path))
    net.eval()
    return net
model = load_for_inference("ckpt.pt")
print(model(x_test).detach().numpy())
""",
        # a mode-free module from a helper (Linear layers put in a list one by one): both modes agree
        """import torch
import torch.nn as nn
def mlp(widths):
    layers = []
    for a, b in zip(widths, widths[1:]):
        layers.append(nn.Linear(a, b))
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)
head = mlp([16, 32, 1])
scores = head(features).detach().cpu().numpy()
""",
        # a detached output inside a training step (a teacher's targets) is no evaluation
        """import torch
import torch.nn as nn
def build_teacher():
    return nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5), nn.Linear(8, 8))
teacher = build_teacher()
for x, _ in loader:
    target = teacher(x).detach()
    loss = (student(x) - target).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
        # a read-out in a helper that a training step calls: part of training, not an evaluation
        """import torch
import torch.nn as nn
def pseudo_labels(net, x):
    return net(x).detach().argmax(1)
def train(loader, optimizer):
    net = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    for x, _ in loader:
        y = pseudo_labels(net, x)
        loss = nn.functional.cross_entropy(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
        # (issue 13, seventh audit BF) an RL rollout under no_grad: every layer goes through the
        # file's init helper, which returns the layer it initialised, and the first one is sized by
        # an expression; LayerNorm and the LSTM (dropout 0) compute the same in both modes
        """import numpy as np
import torch
import torch.nn as nn

def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias_const)
    return layer

class QNetwork(nn.Module):
    def __init__(self, env):
        super().__init__()
        self.network = nn.Sequential(
            layer_init(nn.Linear(np.array(env.single_observation_space.shape).prod(), 120)),
            nn.LayerNorm(120),
            nn.ReLU(),
        )
        self.lstm = nn.LSTM(120, 64)
        for name, param in self.lstm.named_parameters():
            nn.init.orthogonal_(param, 1.0)
        self.q = layer_init(nn.Linear(64, env.single_action_space.n))

    def forward(self, x):
        h, _ = self.lstm(self.network(x).unsqueeze(0))
        return self.q(h.squeeze(0))

q_network = QNetwork(envs)
optimizer = torch.optim.Adam(q_network.parameters(), lr=2.5e-4)
obs = torch.zeros(4, 8)
for update in range(100):
    for step in range(128):
        with torch.no_grad():
            actions = q_network(obs).argmax(1)
        obs = envs.step(actions)
    loss = q_network(obs).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
        # (issue 13, seventh audit BG) a VAE that keeps its loss module as a submodule: the loss
        # has no mode, the noise is drawn in both modes
        """import torch
import torch.nn as nn

class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 20))
        self.decoder = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 784), nn.Sigmoid())
        self.criteon = nn.MSELoss()

    def forward(self, x):
        mu, sigma = self.encoder(x).chunk(2, dim=1)
        h = mu + sigma * torch.randn_like(sigma)
        x_hat = self.decoder(h)
        return x_hat, self.criteon(x_hat, x)

model = VAE()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
    for x, _ in train_loader:
        x_hat, loss = model(x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        x_hat, kld = model(x_test)
""",
        # (issue 14, IBM/pytorch-seq2seq 3911e93) a holder of the model: the caller switches the
        # model itself, or the holder's own __init__ does (the fix), or the caller switches the held
        # attribute, or hands the holder to a helper that may
"""import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        return self.drop(self.fc(x))


class Predictor:
    def __init__(self, model, vocab):
        self.model = model
        self.vocab = vocab

    def predict(self, x):
        return self.model(x).argmax(1)


net = Net()
net.train()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for step in range(3):
    loss = net(torch.randn(2, 4)).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
net.eval()
predictor = Predictor(net, vocab=None)
print(predictor.predict(torch.randn(2, 4)))
""",
"""import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        return self.drop(self.fc(x))


class Predictor:
    def __init__(self, model, vocab):
        self.model = model
        self.model.eval()
        self.vocab = vocab

    def predict(self, x):
        return self.model(x).argmax(1)


net = Net()
net.train()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for step in range(3):
    loss = net(torch.randn(2, 4)).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
predictor = Predictor(net, vocab=None)
print(predictor.predict(torch.randn(2, 4)))
""",
"""import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        return self.drop(self.fc(x))


class Predictor:
    def __init__(self, model, vocab):
        self.model = model
        self.vocab = vocab

    def predict(self, x):
        return self.model(x).argmax(1)


net = Net()
net.train()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for step in range(3):
    loss = net(torch.randn(2, 4)).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
predictor = Predictor(net, vocab=None)
predictor.model.eval()
print(predictor.predict(torch.randn(2, 4)))
""",
"""import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        return self.drop(self.fc(x))


class Predictor:
    def __init__(self, model, vocab):
        self.model = model
        self.vocab = vocab

    def predict(self, x):
        return self.model(x).argmax(1)


net = Net()
net.train()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for step in range(3):
    loss = net(torch.randn(2, 4)).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
predictor = Predictor(net, vocab=None)
prepare(predictor)
print(predictor.predict(torch.randn(2, 4)))
""",
        # (eighth audit BQ) Monte Carlo dropout: the same input run again and again, every output
        # kept (a comprehension's elements; appended in a loop): in eval mode every pass would give
        # the same output, the passes differ only because dropout is on, which is the point
        """import numpy as np
import torch
from torch import nn

net = nn.Sequential(nn.Linear(1, 30), nn.Tanh(), nn.Dropout(0.5), nn.Linear(30, 1))
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
for _ in range(3000):
    optimizer.zero_grad()
    nn.functional.mse_loss(net(x_train), y_train).backward()
    optimizer.step()

y_preds = np.array([net(x_test).clone().detach().numpy() for _ in range(100)])
with torch.no_grad():
    samples = []
    for _ in range(50):
        out = net(x_test)
        samples.append(out.softmax(-1))
    spread = torch.stack(samples).std(0)
""",
        # (eighth audit BR) the dropout layers are built only when the constructor's switch
        # (``use_dropout=False``) or rate (``noise=0.0``) is passed on; this construction leaves
        # both at their defaults: Linear and Tanh compute the same in both modes
        """import torch
import torch.nn as nn

class Regressor(nn.Module):
    def __init__(self, hidden=32, use_dropout=False, noise=0.0):
        super().__init__()
        self.use_dropout = use_dropout
        if use_dropout:
            self.dropout = nn.Dropout(p=0.5)
        self.noise = nn.Dropout(noise) if noise > 0 else nn.Identity()
        self.body = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x):
        x = self.noise(x)
        if self.use_dropout:
            x = self.dropout(x)
        return self.body(x).squeeze()

def fit(net, x, y):
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(100):
        optimizer.zero_grad()
        nn.functional.mse_loss(net(x), y).backward()
        optimizer.step()
    return net

x_train, y_train = torch.randn(64, 1), torch.randn(64)
net = Regressor(hidden=64)
net = fit(net, x_train, y_train)
with torch.no_grad():
    y_pred = net(torch.linspace(-1, 1, 50)[:, None])
""",
        # (eighth audit BR) a subclass that builds its base with the switch off
        """import torch
import torch.nn as nn

class Regressor(nn.Module):
    def __init__(self, hidden=32, use_dropout=False, noise=0.0):
        super().__init__()
        self.use_dropout = use_dropout
        if use_dropout:
            self.dropout = nn.Dropout(p=0.5)
        self.noise = nn.Dropout(noise) if noise > 0 else nn.Identity()
        self.body = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x):
        x = self.noise(x)
        if self.use_dropout:
            x = self.dropout(x)
        return self.body(x).squeeze()

class Small(Regressor):
    def __init__(self, hidden=8):
        super().__init__(hidden, use_dropout=False)

def fit(net, x, y):
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(100):
        optimizer.zero_grad()
        nn.functional.mse_loss(net(x), y).backward()
        optimizer.step()
    return net

x_train, y_train = torch.randn(64, 1), torch.randn(64)
net = Small()
net = fit(net, x_train, y_train)
with torch.no_grad():
    y_pred = net(torch.linspace(-1, 1, 50)[:, None])
""",
        # (eighth audit BR) the switch and the rate passed off as literals
        """import torch
import torch.nn as nn

class Regressor(nn.Module):
    def __init__(self, hidden=32, use_dropout=False, noise=0.0):
        super().__init__()
        self.use_dropout = use_dropout
        if use_dropout:
            self.dropout = nn.Dropout(p=0.5)
        self.noise = nn.Dropout(noise) if noise > 0 else nn.Identity()
        self.body = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x):
        x = self.noise(x)
        if self.use_dropout:
            x = self.dropout(x)
        return self.body(x).squeeze()

class Small(Regressor):
    def __init__(self, hidden=8):
        super().__init__(hidden, use_dropout=False)

def fit(net, x, y):
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(100):
        optimizer.zero_grad()
        nn.functional.mse_loss(net(x), y).backward()
        optimizer.step()
    return net

x_train, y_train = torch.randn(64, 1), torch.randn(64)
net = Regressor(64, False, 0)
net = fit(net, x_train, y_train)
with torch.no_grad():
    y_pred = net(torch.linspace(-1, 1, 50)[:, None])
""",
        # (tenth audit, CD) a layer built by calling a local name bound to a torch.nn class
        # (``activation_fn = nn.ReLU``) is that class: linear layers and ReLUs, no mode
        """import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, hidden=128):
        super().__init__()
        activation_fn = nn.ReLU if hidden > 64 else nn.Tanh
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), activation_fn(), nn.Linear(hidden, 10))

    def forward(self, x):
        return self.net(x)


model = Model()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
out = model(torch.randn(2, 1, 28, 28))
print(out.detach().numpy())
""",
        # (eleventh audit CK) the wrapper's own dropout is ``F.dropout(..., training=False)``: the
        # identity in both modes; the network it wraps was put in eval mode before it was wrapped
        """import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.inception import inception_v3


class WrapInception(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        pool = torch.mean(self.net.features(x), [2, 3])
        return self.net.fc(F.dropout(pool, training=False))


def run(loader):
    net = WrapInception(inception_v3(pretrained=True).eval())
    out = []
    with torch.no_grad():
        for x, y in loader:
            out.append(net(x))
    return out
""",
        # (eleventh audit CL) training mode stated for the pass: ``net.train()`` just before, nothing
        # trained or switched in between: batch norm accumulates its statistics on purpose
        """import torch
import torch.nn as nn


class G(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(128, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 784))

    def forward(self, z):
        return self.net(z)


def accumulate_standing_stats(net, z, num_accumulations=16):
    for m in net.modules():
        if isinstance(m, nn.BatchNorm1d):
            m.reset_running_stats()
    net.train()
    for i in range(num_accumulations):
        with torch.no_grad():
            z.normal_()
            x = net(z, net.shared(z))
    net.eval()
""",
        # (eleventh audit CM) the other branch cannot run: it reads names bound nowhere in the file
        # (no import, no definition, no star import): NameError before any forward. The model that
        # reaches the evaluation comes from ``load_model``, in eval mode
        """import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())

    def forward(self, x):
        return self.body(x)


def load_model(path):
    model = Net()
    model.eval()
    model.load_state_dict(torch.load(path))
    return model


def run(loader, path, ensemble=False):
    if ensemble:
        models = []
        for c in model_config_paths:
            models.append(load_fold_model(c))
        model = MultiModels(models)
    else:
        model = load_model(path)
    preds = []
    with torch.no_grad():
        for x in loader:
            preds.append(model(x))
    return preds
""",
        # (eleventh audit CN) the wrapper's only submodule is put in eval mode when it is built, and
        # nothing puts it back: every layer it runs is in eval mode whatever the wrapper's flag
        """import os
import torch
import torch.nn as nn


class FeatureExtractor(nn.Module):
    def __init__(self, path):
        super().__init__()
        self.model = self._load_model(path)

    def _load_model(self, path):
        model = torch.jit.load(os.path.expanduser(path)).eval()
        for p in model.parameters():
            p.requires_grad_(False)
        return model

    def forward(self, x):
        return self.model(x, return_features=True)


def extract(batches, path, device):
    extractor = nn.DataParallel(FeatureExtractor(path).to(device))
    feats = []
    with torch.inference_mode():
        for x in batches:
            feats.append(extractor(x))
    return torch.cat(feats)
""",
        # (tenth audit CC, fartashf/vsepp) ``__init__`` runs a submodule it holds to size the next
        # layer (``self.blocks[0](...)``): it builds nothing, the model stays mode-free
"""import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Sequential(nn.Linear(4, 16), nn.ReLU())])
        width = self.blocks[0](torch.zeros(1, 4)).shape[1]
        self.fc = nn.Linear(width, 2)

    def forward(self, x):
        return self.fc(self.blocks[0](x))


net = Net()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
for x, y in loader:
    loss = nn.functional.cross_entropy(net(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
with torch.no_grad():
    print(net(val_x).argmax(1))
""",
        # (issue 13, thirteenth audit, DN; Hands-on-RL's EnsembleModel) the class's own
        # ``train(self, loss)``, an optimiser step: ``self.model.train(loss)`` switches no mode, so
        # the holder never puts the model in training mode for ``predict()`` to inherit
        """import torch
import torch.nn as nn
from somelib import make_layers


class EnsembleModel(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.net = make_layers(n)
        self.optimizer = torch.optim.Adam(self.parameters(), lr=1e-3)

    def forward(self, x):
        return self.net(x)

    def train(self, loss):
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()


class DynamicsModel:
    def __init__(self, n):
        self.model = EnsembleModel(n)

    def train(self, x, y):
        loss = ((self.model(x) - y) ** 2).mean()
        self.model.train(loss)

    def predict(self, x):
        return self.model(x).detach()
""",
        # (issue 13, the closed world of models) the network comes out of a table picked by a flag:
        # unknown to the per-call view, but every model this program can build is Linear and
        # ReLU (no dropout, no batch norm, no library or loaded model): training mode changes nothing
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
net = ARCHITECTURES[sys.argv[1]]()
opt = torch.optim.Adam(net.parameters())
for epoch in range(10):
    net.train()
    for states, targets in batches:
        loss = ((net(states) - targets) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    actions = evaluate(net, test_states)
""",
        # the same world where a checkpoint's state dict is loaded into the network (not a whole model)
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
net = ARCHITECTURES[sys.argv[1]]()
net.load_state_dict(torch.load(sys.argv[2])["model"])
opt = torch.optim.Adam(net.parameters())
for epoch in range(10):
    net.train()
    for states, targets in batches:
        loss = ((net(states) - targets) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    actions = evaluate(net, test_states)
""",
        # (issue 13, fifteenth audit EE, naoto0804/pytorch-AdaIN test.py) a container rebuilt from
        # the children of a model already in eval mode holds the same layers, in eval mode: a
        # layer's own flag decides, and the new nn.Sequential computes nothing itself
"""import torch
from torch import nn

vgg = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
                    nn.Conv2d(64, 128, 3, padding=1), nn.Dropout(0.5), nn.ReLU())


def encode(encoder, image):
    return encoder(image)


vgg.eval()
vgg.load_state_dict(torch.load("vgg.pth"))
vgg = nn.Sequential(*list(vgg.children())[:3])
for image in torch.rand(4, 1, 3, 32, 32):
    with torch.no_grad():
        feat = encode(vgg, image)
    torch.save(feat, "feat.pt")
""",
        # (issue 13, fifteenth audit EE) the same through a helper (dnnbrain's truncation): the
        # network was switched to eval before it was truncated
"""import torch
from torch import nn

def truncate(net, depth):
    return nn.Sequential(*list(net.children())[:depth])


def activations(loader):
    net = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    net.eval()
    actmodel = truncate(net, 2)
    return [actmodel(x).detach().numpy() for x, _ in loader]
""",
        # (issue 13, fifteenth audit EF, wjmaddox/swa_gaussian swag/utils.py bn_update) batch-norm
        # re-estimation: model.train() stated, then model.apply(f) with functions that reset buffers
        # and read momenta (no .train()/.eval(), no .training set): apply switches no mode
"""import torch
from torch import nn


def reset_bn(module):
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        module.running_mean = torch.zeros_like(module.running_mean)
        module.running_var = torch.ones_like(module.running_var)


def _get_momenta(module, momenta):
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        momenta[module] = module.momentum


def bn_update(loader, model):
    model.train()
    momenta = {}
    model.apply(reset_bn)
    model.apply(lambda module: _get_momenta(module, momenta))
    with torch.no_grad():
        for x, _ in loader:
            model(x)


model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
""",
        # (issue 13, fifteenth audit EJ, pdebench/PDEBench models/unet/train.py) the pushforward
        # trick: the first steps of the unroll run under no_grad in the inner `for t` loop, which
        # also runs the model with gradients into the loss the batch loop back-propagates
"""import torch
import torch.nn.functional as F
from torch import nn

model = nn.Sequential(nn.Conv1d(10, 32, 3, padding=1), nn.BatchNorm1d(32), nn.ReLU(),
                      nn.Conv1d(32, 1, 3, padding=1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def train_epoch(model, optimizer, train_loader, t_train, unroll_step, initial_step=10):
    model.train()
    for xx, yy in train_loader:
        loss = 0
        inp = xx
        for t in range(initial_step, t_train):
            if t < t_train - unroll_step:
                with torch.no_grad():
                    im = model(inp)
                    inp = torch.cat((inp[:, 1:], im), dim=1)
            else:
                im = model(inp)
                loss += F.mse_loss(im, yy[:, t:t + 1])
                inp = torch.cat((inp[:, 1:], im), dim=1)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


train_epoch(model, optimizer, train_loader, 50, 5)
""",
        # (fifteenth audit, EC: Eromera/erfnet_pytorch train/main.py) the file's own loss module
        # whose one layer is ``nn.NLLLoss2d``, torch's deprecated alias of ``NLLLoss``: every torch.nn
        # loss class is mode-free, so the criterion is, whatever mode it is left in
        """import torch
import torch.nn.functional as F
from torch import nn


class CrossEntropyLoss2d(nn.Module):
    def __init__(self, weight=None):
        super().__init__()
        self.loss = nn.NLLLoss2d(weight)

    def forward(self, outputs, targets):
        return self.loss(F.log_softmax(outputs, dim=1), targets)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 20, 3, padding=1)
        self.bn = nn.BatchNorm2d(20)

    def forward(self, x):
        return self.bn(self.conv(x))


def train(loader, loader_val, epochs):
    model = Net()
    criterion = CrossEntropyLoss2d(torch.ones(20))
    optimizer = torch.optim.Adam(model.parameters(), 5e-4)
    for epoch in range(epochs):
        model.train()
        for images, labels in loader:
            loss = criterion(model(images), labels[:, 0])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            for images, labels in loader_val:
                loss = criterion(model(images), labels[:, 0])
                print(loss.item())
""",
        # (fifteenth audit, EG: y0ast/deterministic-uncertainty-quantification two_moons.ipynb) an
        # attribute ``__init__`` computes from the class's buffers (``self.m * self.N.unsqueeze(0)``)
        # is a tensor, no layer: three Linear layers and no mode (ignite's import keeps the closed
        # world of models open)
        """import torch
from torch import nn
from torch.nn import functional as F
from ignite.engine import Engine


class Centroids(nn.Module):
    def __init__(self, features, classes):
        super().__init__()
        self.fc = nn.Linear(2, features)
        self.W = nn.Parameter(torch.normal(torch.zeros(features, classes, features), 0.05))
        self.register_buffer('N', torch.ones(classes) * 20)
        self.register_buffer('m', torch.randn(features, classes))
        self.m = self.m * self.N.unsqueeze(0)
        self.scale = self.W.detach().abs().mean(dim=(0, 2)).unsqueeze(0)

    def embed(self, x):
        return F.relu(self.fc(x))

    def forward(self, x):
        z = torch.einsum('ij,mnj->imn', self.embed(x), self.W)
        return -((z - self.m / self.N.unsqueeze(0)) ** 2).mean(1) * self.scale


model = Centroids(20, 2)
grid = torch.rand(100, 2)
with torch.no_grad():
    confidence = model(grid).max(1)[0].numpy()
""",
        # (fifteenth audit, EH: pdebench/PDEBench models/fno) batch norm built in ``__init__`` that
        # nothing reads: ``forward`` never calls it, no code names it and nothing reaches submodules
        # by a computed name or by iterating them; the layers that run have no mode
        """import torch
from torch import nn
import torch.nn.functional as F


class FNO(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc0 = nn.Linear(3, width)
        self.w0 = nn.Conv1d(width, width, 1)
        self.bn0 = nn.BatchNorm1d(width)
        self.bn1 = torch.nn.BatchNorm1d(int(width / 2), momentum=0.1)
        self.fc1 = nn.Linear(width, 1)

    def forward(self, x):
        x = self.fc0(x).permute(0, 2, 1)
        x = F.gelu(self.w0(x))
        return self.fc1(x.permute(0, 2, 1))


model = FNO(32)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
    model.train()
    for xx, yy in train_loader:
        loss = F.mse_loss(model(xx), yy)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        val = sum(F.mse_loss(model(xx), yy).item() for xx, yy in val_loader)
    print(epoch, val)
""",
    ]

    INVALID = [
        # (issue 14, IBM/pytorch-seq2seq 3911e93) a plain holder keeps the model it is built
        # with (``self.model = model``) and its predict() runs it: the mode is the one the caller's
        # ``net`` has at ``predictor.predict(...)``, still training after the loop
"""import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        return self.drop(self.fc(x))


class Predictor:
    def __init__(self, model, vocab):
        self.model = model
        self.vocab = vocab

    def predict(self, x):
        return self.model(x).argmax(1)  # expect: DL301


net = Net()
net.train()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for step in range(3):
    loss = net(torch.randn(2, 4)).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
predictor = Predictor(net, vocab=None)
print(predictor.predict(torch.randn(2, 4)))
""",
        # (issue 14, mead-ml/mead-baseline#680) a module's own predict() runs ``self(...)`` in
        # whatever mode it finds the module, and its input dropout tests ``self.training``: a model
        # loaded for serving (saved while training) keeps dropping words. No caller switches it
        """import torch
from torch import nn

class TaggerModelBase(nn.Module):
    def drop_inputs(self, x):
        if not self.training or self.dropin == 0:
            return x
        return x.masked_fill(torch.rand(x.shape) < self.dropin, 0)

    def make_input(self, batch):
        return self.drop_inputs(torch.from_numpy(batch["tokens"]))

    def predict(self, batch_dict):
        inputs = self.make_input(batch_dict)
        outputs = self(inputs)  # expect: DL301
        return unsort_batch(outputs, batch_dict["perm"])
""",
        # the same in a script: trained, then predict() without model.eval()
        """import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 16), nn.Dropout(0.3), nn.Linear(16, 2))

    def forward(self, x):
        return self.body(x)

    def predict(self, x):
        scores = []
        for chunk in x.split(64):
            scores.append(self.forward(chunk).softmax(-1))  # expect: DL301
        return torch.cat(scores).argmax(1)

model = Net()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in train_loader:
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
print(model.predict(x_test))
""",
        # (issue 13, fourth audit AR, the twin) the dropout built in ``forward`` ignores the mode,
        # but the batch norm registered in ``__init__`` follows it: still training statistics
        """import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.bn = nn.BatchNorm1d(16)
        self.fc2 = nn.Linear(16, 2)

    def forward(self, x, d):
        x = torch.relu(self.bn(self.fc1(x)))
        x = nn.Dropout(d)(x)
        return self.fc2(x)

net = Net()
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
for x, y in train_batches:
    loss = nn.functional.cross_entropy(net(x, 0.5), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

with torch.no_grad():
    y = net(test_x, 0.0)  # expect: DL301
""",
        # (issue 13, fourth audit AK, the twin) a test function that measures: the output's shape
        # is checked, and then its argmax is compared to the labels
        """import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(16, 8), nn.BatchNorm1d(8), nn.Linear(8, 3))

    def forward(self, x):
        return self.body(x)

@torch.no_grad()
def test_net_accuracy(x, y):
    model = Net()
    model.load_state_dict(torch.load("net.pt"))
    output = model(x)  # expect: DL301
    assert output.shape == (len(y), 3)
    accuracy = (output.argmax(1) == y).float().mean()
    assert accuracy > 0.9
""",
        # (h13, twelfth audit DG, the twin) the size is printed, but a function of the module reads
        # the module's ``output`` for its values (declared ``global``, its binding there is no local)
        """import torch
import torch.nn as nn

class Block(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(ch)

    def forward(self, x):
        output = self.bn1(self.conv1(x))
        return output

class UNetTry(nn.Module):
    def __init__(self, in_ch=3):
        super().__init__()
        self.block = Block(in_ch)

    def forward(self, x):
        output = self.block(x)
        return output

def report():
    global output
    output = output.softmax(1)
    print(output.mean().item())

model = UNetTry(1)
with torch.no_grad():
    output = model(torch.zeros((2, 1, 256, 416)))  # expect: DL301
print(output.size())
report()
""",
        # (issue 13, fourth audit AK, the twin) the parts of a dict output are walked for their
        # sizes, and their values are collected as predictions as well
        """import torch
from torch import nn

def make_classifier(num_classes):
    return nn.Sequential(nn.Linear(16, 32), nn.Dropout(0.5), nn.Linear(32, num_classes))

@torch.no_grad()
def test_classifier(x):
    model = make_classifier(num_classes=4)
    output = model(x)  # expect: DL301
    predictions = {}
    for output_name, output_value in output.items():
        print(output_name, output_value.size())
        predictions[output_name] = output_value.sigmoid()
    return predictions
""",
        # (issue 14, BNUCNL/dnnbrain#72) a helper truncates a network into a new nn.Sequential of
        # its children, whose activations are read out with dropout still on: the network is a
        # fresh torchvision AlexNet, in training mode, and the children keep its mode (fifteenth
        # audit EE: the new container's own flag decides nothing)
"""import numpy as np
import torch
import torch.nn as nn
from torchvision import models
def truncate(net, depth):
    return nn.Sequential(*list(net.children())[:depth])
def dnn_activation(loader, depth):
    net = models.alexnet()
    net.load_state_dict(torch.load("alexnet_param.pth"))
    actmodel = truncate(net, depth)
    acts = []
    for pics, _ in loader:
        part = actmodel(pics)  # expect: DL301
        acts.extend(part.detach().numpy())
    return np.array(acts)
""",
        # a deep copy keeps the training flag of what it copies: predictions read out in train mode
        """import copy
import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.Linear(8, 1))
model.train()
fit(model, loader)
best = copy.deepcopy(model)
preds = best(x_test).cpu().numpy()  # expect: DL301
""",
        # a Trainer class: the model comes from a builder method, predictions are read out
        """import torch
import torch.nn as nn
class Trainer:
    def build(self):
        return nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.2), nn.Linear(8, 2))
    def export_predictions(self, loader):
        net = self.build()
        net.load_state_dict(torch.load("best.pt"))
        return [net(x).argmax(1).tolist() for x in loader]  # expect: DL301
""",
        # a notebook: a model factory in one cell, features read out in another
        """# %%
import torch
import torch.nn as nn
def get_net(n):
    return nn.Sequential(nn.Linear(n, 64), nn.Dropout(0.5), nn.Linear(64, 10))
# %%
net = get_net(32)
net.load_state_dict(torch.load("net.pt"))
# %%
emb = net(X).detach().numpy()  # expect: DL301
""",
        # (issue 13, fourth audit AN, the twin) the same two-helper chain on an encoder with dropout:
        # its class is carried to ``evaluate()`` and it does depend on the mode
        """import random
import torch
import torch.nn as nn

class EncoderRNN(nn.Module):
    def __init__(self, vocab, hidden):
        super(EncoderRNN, self).__init__()
        self.embedding = nn.Embedding(vocab, hidden)
        self.dropout = nn.Dropout(0.1)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x):
        return self.out(self.dropout(self.embedding(x)))

def evaluate(encoder, sentence):
    with torch.no_grad():
        return encoder(sentence)  # expect: DL301

def evaluate_randomly(encoder, n=10):
    for i in range(n):
        print(evaluate(encoder, random.choice(pairs)))

encoder = EncoderRNN(10, 8)
optimizer = torch.optim.SGD(encoder.parameters(), lr=0.1)
for x in data:
    loss = encoder(x).sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
evaluate_randomly(encoder)
""",
        # (issue 13, fourth audit AN) two chains into one sampler: the mode-free U-Net and a
        # classifier with batch norm, both still training; the sampler's model is not mode-free
        """import torch
from torch import nn

@torch.no_grad()
def p_sample(model, x):
    return x - model(x)  # expect: DL301

@torch.no_grad()
def p_sample_loop(model, shape):
    x = torch.randn(shape)
    for t in range(10):
        x = p_sample(model, x)
    return x

unet = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.GroupNorm(4, 8), nn.Conv2d(8, 1, 1))
critic = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.Conv2d(8, 1, 1))
for model in (unet, critic):
    fit(model)
p_sample_loop(unet, (1, 1, 8, 8))
p_sample_loop(critic, (1, 1, 8, 8))
""",
        # the classic notebook cell
        """import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 1))
train(model)
with torch.no_grad():
    pred = model(x_test)  # expect: DL301
""",
        # eval in one branch only
        """import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
if args.eval_mode:
    model.eval()
with torch.no_grad():
    out = model(x)  # expect: DL301
""",
        # validation inside the epoch loop, after model.train(), no eval
        """import torch
from models import Net
model = Net()
for epoch in range(10):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()
    with torch.no_grad():
        for x, y in val_loader:
            val_loss = criterion(model(x), y)  # expect: DL301
""",
        # the helper's caller never switches to eval
        """import torch
import torch.nn as nn
def test(model, loader):
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()  # expect: DL301
    return correct

model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.Dropout())
for epoch in range(5):
    model.train()
    train_epoch(model)
    print(test(model, test_loader))
""",
        # a method of a Trainer class that forgets eval
        """import torch
class Trainer:
    def __init__(self, model, loader):
        self.model = model
        self.loader = loader
    def train_epoch(self):
        self.model.train()
        for x, y in self.loader:
            self.model(x).sum().backward()
    @torch.no_grad()
    def validate(self):
        return [self.model(x) for x, _ in self.loader]  # expect: DL301
""",
        # (issue 13) the same Trainer, its model filled by a factory of another module (unpacked);
        # a base class that is a library's (abc) calls nothing of it
        """import abc
import torch
from .factory import build

class Trainer(abc.ABC):
    def __init__(self):
        self.model = None
    def setup(self):
        self.tokenizer, self.model = build()
    def train_epoch(self, loader):
        self.model.train()
        for x, y in loader:
            self.model(x).sum().backward()
    @torch.no_grad()
    def validate(self, loader):
        return [self.model(x) for x, _ in loader]  # expect: DL301
""",
        # (issue 14, MultiBench) train() inside the validation loop, in both arms of an if, after
        # eval(): every forward pass over the validation data runs with dropout on
        """import torch
def train(model, train_dataloader, valid_dataloader, op, epochs, is_packed):
    for epoch in range(epochs):
        model.train()
        for j in train_dataloader:
            op.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(j[0]), j[-1])
            loss.backward()
            op.step()
        model.eval()
        with torch.no_grad():
            for j in valid_dataloader:
                if is_packed:
                    model.train()
                    out = model([j[0], j[1]])  # expect: DL301
                else:
                    model.train()
                    out = model(j[0])
""",
        # eval() undone by train() before the evaluation
        """import torch
import torchvision
net = torchvision.models.resnet18()
net.eval()
export(net)
net.train()
with torch.inference_mode():
    feats = net(images)  # expect: DL301
""",
        # decorated evaluation function called from the training script with the model in train mode
        """import torch
from model import Classifier

@torch.no_grad()
def predict(model, x):
    return model(x).softmax(-1)  # expect: DL301

model = Classifier()
opt = torch.optim.Adam(model.parameters())
for x, y in loader:
    loss = loss_fn(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
probs = predict(model, x_test)
""",
        # a global model evaluated by a function called after training
        """import torch
import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 2)
        self.bn = nn.BatchNorm1d(10)
    def forward(self, x):
        return self.fc(self.bn(x))

def evaluate():
    with torch.no_grad():
        return net(x_val).argmax(1)  # expect: DL301

net = Net()
for epoch in range(3):
    net.train()
    fit(net)
    evaluate()
""",
        # notebook exported to .py: cells run top to bottom
        """# In[1]:
import torch
from torch import nn

# In[2]:
net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 2))
trainer = torch.optim.SGD(net.parameters(), lr=0.1)

# In[3]:
for epoch in range(10):
    for X, y in train_iter:
        trainer.zero_grad()
        loss(net(X), y).backward()
        trainer.step()

# In[4]:
with torch.no_grad():
    print((net(X_test).argmax(1) == y_test).float().mean())  # expect: DL301
""",
        # a forecast on held-out data inside the optimisation loop, in training mode
        """import torch
import torch.nn as nn
seq = nn.Sequential(nn.Linear(3, 16), nn.Dropout(0.1), nn.Linear(16, 1))
for i in range(steps):
    optimizer.zero_grad()
    crit(seq(x), y).backward()
    optimizer.step()
    with torch.no_grad():
        pred = seq(test_input)  # expect: DL301
""",
        # an epoch loop that calls train() and test() helpers on a global model
        """import torch
from model import Net
model = Net(upscale_factor=3).to(device)

def train(epoch):
    for x, y in loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()

def test():
    with torch.no_grad():
        for x, y in test_loader:
            prediction = model(x)  # expect: DL301

for epoch in range(1, 10):
    train(epoch)
    test()
""",
        # (issue 13, second audit M) ``range(1, epochs)``: with epochs a parameter, the loop may
        # not run, and the model keeps the training mode the ``train`` call left
        """import torch
model_ft = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5))
def train(model, loader):
    model.train()
    for x, y in loader:
        criterion(model(x), y).backward()
def test(model, loader):
    model.eval()
    with torch.no_grad():
        return [model(x) for x, y in loader]
def run(epochs):
    train(model_ft, train_loader)
    for epoch in range(1, epochs):
        test(model_ft, valid_loader)
    with torch.no_grad():
        for x, y in train_loader:
            y_hat = model_ft(x)  # expect: DL301
""",
        # (issue 13, third audit X) the same in-place initialisation, and a dropout layer
        """import torch
import torch.nn.functional as F
class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear_1 = torch.nn.Linear(4, 8)
        self.drop = torch.nn.Dropout(0.2)
        self.linear_out = torch.nn.Linear(8, 2)
        self.linear_out.weight.detach().normal_(0.0, 0.1)
    def forward(self, x):
        return self.linear_out(self.drop(torch.sigmoid(self.linear_1(x))))
def compute_loss(net, loader):
    total = 0.0
    with torch.no_grad():
        for features, targets in loader:
            total += F.cross_entropy(net(features), targets)  # expect: DL301
    return float(total)
model = MLP()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(5):
    model.train()
    for features, targets in train_loader:
        loss = F.cross_entropy(model(features), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(compute_loss(model, train_loader))
""",
        # (issue 13, third audit AB) the binding that reaches the evaluation has a dropout layer
        """import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in loader:
    loss = nn.functional.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

with torch.no_grad():
    for x, y in loader:
        out = model(x)  # expect: DL301

model = nn.Sequential(nn.Linear(4, 8), ...)
""",
        # (issue 13, audit C) a binding to zero may reach the loop: on that path it never runs
        """import torch
from torch import nn

model_0 = nn.Sequential(nn.Linear(1, 8), nn.Dropout(0.2), nn.Linear(8, 1))
epochs = 200
if smoke_test:
    epochs = 0
for epoch in range(epochs):
    model_0.train()
    loss_fn(model_0(X_train), y_train).backward()
    model_0.eval()
with torch.inference_mode():
    y_preds_new = model_0(X_test)  # expect: DL301

epochs = 100
""",
        # (issue 13, audit N) the same model with a dropout layer: both modes differ
        """import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 1))
fit(model)
with torch.no_grad():
    print(model(x_test))  # expect: DL301
""",
        # (issue 13, audit N) a class of the file whose dropout rate is passed in, non-zero
        """import torch
import torch.nn as nn
class Net(nn.Module):
    def __init__(self, dropout=0.0):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(dropout))
    def forward(self, x):
        return self.body(x)

def test_step(model, loader):
    with torch.inference_mode():
        return [model(X) for X, y in loader]  # expect: DL301

model_1 = Net(dropout=0.2)
for epoch in range(3):
    model_1.train()
    train_step(model_1, train_dataloader)
    test_step(model_1, test_dataloader)
""",
        # (issue 13, audit N) the same helper on a model of an external package: its layers are
        # not visible, so it may have dropout
        """import torch
from vit_pytorch.efficient import ViT

def test_step(model, loader):
    with torch.inference_mode():
        return [model(X) for X, y in loader]  # expect: DL301

model_1 = ViT(dim=128, image_size=224, patch_size=32, num_classes=2)
for epoch in range(3):
    model_1.train()
    train_step(model_1, train_dataloader)
    test_step(model_1, test_dataloader)
""",
        # a DDP-wrapped model evaluated through .module
        """import torch
from torch.nn.parallel import DistributedDataParallel as DDP
from model import Net
model = DDP(Net().cuda())
model.train()
run_training(model)
with torch.no_grad():
    out = model.module(x_val)  # expect: DL301
""",
        # (issue 13) rebound through .to(device) after training: the same module, still training
        """import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(2, 2), nn.Dropout())
for x, y in loader:
    opt.zero_grad()
    loss_fn(model(x), y).backward()
    opt.step()
model = model.to(device)
with torch.no_grad():
    out = model(x_test)  # expect: DL301
""",
        # (issue 13) globals bound under ``if __name__ == "__main__":`` after the functions that read them
        """import torch
from model import Net

def test():
    with torch.no_grad():
        for x, y in test_loader:
            out = model(x)  # expect: DL301

def train():
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()

if __name__ == "__main__":
    model = Net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(3):
        train()
        test()
""",
        # (issue 13) a forward pass over the test loader is an evaluation, without no_grad and
        # without an evaluation name
        """import torch.nn as nn
model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(), nn.Linear(4, 2))
for epoch in range(5):
    model.train()
    for x, y in train_loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    correct = 0
    for x, y in test_loader:
        correct += (model(x).argmax(1) == y).sum().item()  # expect: DL301
""",
        # (issue 13) validation inside the training loop, in a branch (``if i % 10 == 0:``)
        """import torch
model.train()
for i, (x, y) in enumerate(train_loader):
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    optimizer.step()
    if i % 10 == 0:
        with torch.no_grad():
            for xv, yv in val_loader:
                val_loss = loss_fn(model(xv), yv)  # expect: DL301
""",
        # (issue 13) the helper restores the mode it found (``if was_training: model.train()``), so
        # after it the model trains again, and the test that follows runs in training mode
        """import torch
import torch.nn as nn
def validate(model, loader):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = [model(x) for x, _ in loader]
    if was_training:
        model.train()
    return out

model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
model.train()
fit(model)
validate(model, val_loader)
with torch.no_grad():
    print(model(x_test))  # expect: DL301
""",
        # (issue 13) the init helper is transparent for the layer it returns, and hides nothing:
        # the dropout next to it, or one the helper wraps the layer with, keeps the finding
        """import torch
import torch.nn as nn

def layer_init(layer, std=1.0):
    nn.init.orthogonal_(layer.weight, std)
    return layer

def regularised(layer):
    return nn.Sequential(layer, nn.Dropout(0.1))

class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = layer_init(nn.Linear(8, 64))
        self.drop = nn.Dropout(0.2)
        self.head = layer_init(nn.Linear(64, 2), std=0.01)

    def forward(self, x):
        return self.head(self.drop(torch.relu(self.fc(x))))

policy = Policy()
critic = nn.Sequential(regularised(layer_init(nn.Linear(8, 64))), nn.Tanh(), nn.Linear(64, 1))
optimizer = torch.optim.Adam([*policy.parameters(), *critic.parameters()])
for update in range(100):
    for step in range(128):
        with torch.no_grad():
            action = policy(obs).argmax(-1)  # expect: DL301
            value = critic(obs)  # expect: DL301
        obs = env.step(action)
    loss = policy(obs).logsumexp(-1).mean() + critic(obs).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
        # (issue 13) a helper that returns its argument after adding a layer to it is not
        # transparent: the model is not known to be mode-free
        """import torch
import torch.nn as nn

def with_noise(layer):
    layer.noise = nn.Dropout(0.3)
    return layer

model = nn.Sequential(with_noise(nn.Linear(8, 8)), nn.ReLU(), nn.Linear(8, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in train_loader:
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()
with torch.no_grad():
    accuracy = (model(x_test).argmax(1) == y_test).float().mean()  # expect: DL301
""",
        # (eighth audit BQ) repeated passes that are no sampling: the input changes at each pass
        # (test-time augmentation, an index by the counter), the outputs are dropped (a timing
        # loop), or the loop trains the model between the passes (a fixed validation batch)
        """import torch
from torch import nn

net = nn.Sequential(nn.Linear(8, 30), nn.Tanh(), nn.Dropout(0.5), nn.Linear(30, 2))
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
val_losses = []
for epoch in range(20):
    optimizer.zero_grad()
    nn.functional.cross_entropy(net(x_train), y_train).backward()
    optimizer.step()
    with torch.no_grad():
        val_losses.append(nn.functional.cross_entropy(net(x_val), y_val))  # expect: DL301

def tta(x_test):
    with torch.no_grad():
        return torch.stack([net(augment(x_test)) for _ in range(8)]).mean(0)  # expect: DL301

def per_row(x_test):
    with torch.no_grad():
        return [net(x_test[i]) for i in range(len(x_test))]  # expect: DL301

def timing(x_test):
    with torch.no_grad():
        for _ in range(100):
            out = net(x_test)  # expect: DL301
    return out

print(tta(x_test), per_row(x_test), timing(x_test))
""",
        # (eighth audit BR) the construction switches the dropout on
        """import torch
import torch.nn as nn

class Regressor(nn.Module):
    def __init__(self, hidden=32, use_dropout=False, noise=0.0):
        super().__init__()
        self.use_dropout = use_dropout
        if use_dropout:
            self.dropout = nn.Dropout(p=0.5)
        self.noise = nn.Dropout(noise) if noise > 0 else nn.Identity()
        self.body = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x):
        x = self.noise(x)
        if self.use_dropout:
            x = self.dropout(x)
        return self.body(x).squeeze()

def fit(net, x, y):
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(100):
        optimizer.zero_grad()
        nn.functional.mse_loss(net(x), y).backward()
        optimizer.step()
    return net

x_train, y_train = torch.randn(64, 1), torch.randn(64)
net = Regressor(hidden=64, use_dropout=True)
net = fit(net, x_train, y_train)
with torch.no_grad():
    y_pred = net(torch.linspace(-1, 1, 50)[:, None])  # expect: DL301
""",
        # (eighth audit BR) a rate that is not zero builds the other dropout
        """import torch
import torch.nn as nn

class Regressor(nn.Module):
    def __init__(self, hidden=32, use_dropout=False, noise=0.0):
        super().__init__()
        self.use_dropout = use_dropout
        if use_dropout:
            self.dropout = nn.Dropout(p=0.5)
        self.noise = nn.Dropout(noise) if noise > 0 else nn.Identity()
        self.body = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x):
        x = self.noise(x)
        if self.use_dropout:
            x = self.dropout(x)
        return self.body(x).squeeze()

def fit(net, x, y):
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(100):
        optimizer.zero_grad()
        nn.functional.mse_loss(net(x), y).backward()
        optimizer.step()
    return net

x_train, y_train = torch.randn(64, 1), torch.randn(64)
net = Regressor(64, False, 0.1)
net = fit(net, x_train, y_train)
with torch.no_grad():
    y_pred = net(torch.linspace(-1, 1, 50)[:, None])  # expect: DL301
""",
        # (eighth audit BR) the switch comes from a variable: it may be on
        """import torch
import torch.nn as nn

class Regressor(nn.Module):
    def __init__(self, hidden=32, use_dropout=False, noise=0.0):
        super().__init__()
        self.use_dropout = use_dropout
        if use_dropout:
            self.dropout = nn.Dropout(p=0.5)
        self.noise = nn.Dropout(noise) if noise > 0 else nn.Identity()
        self.body = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x):
        x = self.noise(x)
        if self.use_dropout:
            x = self.dropout(x)
        return self.body(x).squeeze()

def fit(net, x, y):
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(100):
        optimizer.zero_grad()
        nn.functional.mse_loss(net(x), y).backward()
        optimizer.step()
    return net

x_train, y_train = torch.randn(64, 1), torch.randn(64)
net = Regressor(use_dropout=config_dropout)
net = fit(net, x_train, y_train)
with torch.no_grad():
    y_pred = net(torch.linspace(-1, 1, 50)[:, None])  # expect: DL301
""",
        # (eighth audit BR) ``**options`` may switch it on
        """import torch
import torch.nn as nn

class Regressor(nn.Module):
    def __init__(self, hidden=32, use_dropout=False, noise=0.0):
        super().__init__()
        self.use_dropout = use_dropout
        if use_dropout:
            self.dropout = nn.Dropout(p=0.5)
        self.noise = nn.Dropout(noise) if noise > 0 else nn.Identity()
        self.body = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x):
        x = self.noise(x)
        if self.use_dropout:
            x = self.dropout(x)
        return self.body(x).squeeze()

def fit(net, x, y):
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(100):
        optimizer.zero_grad()
        nn.functional.mse_loss(net(x), y).backward()
        optimizer.step()
    return net

x_train, y_train = torch.randn(64, 1), torch.randn(64)
net = Regressor(**options)
net = fit(net, x_train, y_train)
with torch.no_grad():
    y_pred = net(torch.linspace(-1, 1, 50)[:, None])  # expect: DL301
""",
        # (eighth audit BR) a subclass switches it on when it builds its base
        """import torch
import torch.nn as nn

class Regressor(nn.Module):
    def __init__(self, hidden=32, use_dropout=False, noise=0.0):
        super().__init__()
        self.use_dropout = use_dropout
        if use_dropout:
            self.dropout = nn.Dropout(p=0.5)
        self.noise = nn.Dropout(noise) if noise > 0 else nn.Identity()
        self.body = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x):
        x = self.noise(x)
        if self.use_dropout:
            x = self.dropout(x)
        return self.body(x).squeeze()

class Noisy(Regressor):
    def __init__(self, hidden=8):
        super().__init__(hidden, use_dropout=True)

def fit(net, x, y):
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(100):
        optimizer.zero_grad()
        nn.functional.mse_loss(net(x), y).backward()
        optimizer.step()
    return net

x_train, y_train = torch.randn(64, 1), torch.randn(64)
net = Noisy()
net = fit(net, x_train, y_train)
with torch.no_grad():
    y_pred = net(torch.linspace(-1, 1, 50)[:, None])  # expect: DL301
""",
        # (tenth audit, CD guards) the name bound to a dropout class, or to a class on one path
        # only (a parameter may hold anything): the model may compute differently in training mode
        """import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        activation_fn = nn.Dropout
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), activation_fn(), nn.Linear(128, 10))

    def forward(self, x):
        return self.net(x)


class Other(nn.Module):
    def __init__(self, layer_cls=None):
        super().__init__()
        if layer_cls is None:
            layer_cls = nn.ReLU
        self.net = nn.Sequential(nn.Linear(784, 128), layer_cls(), nn.Linear(128, 10))

    def forward(self, x):
        return self.net(x)


model = Model()
other = Other()
optimizer = torch.optim.Adam([*model.parameters(), *other.parameters()], lr=1e-3)
out = model(torch.randn(2, 1, 28, 28))  # expect: DL301
print(out.detach().numpy())
out = other(torch.randn(2, 784))  # expect: DL301
print(out.detach().numpy())
""",
        # (eleventh audit CK) a functional dropout that follows the flag, or applies always
        """import torch
import torch.nn as nn
import torch.nn.functional as F


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)

    def forward(self, x, p=0.5):
        return self.fc(F.dropout(x, p, training=self.training))


class Noisy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(F.dropout(x, 0.5))


head = Head()
noisy = Noisy()
optimizer = torch.optim.SGD([*head.parameters(), *noisy.parameters()], lr=0.1)
for x, y in train_loader:
    optimizer.zero_grad()
    (head(x) + noisy(x) - y).pow(2).mean().backward()
    optimizer.step()
with torch.no_grad():
    print(head(x_test))  # expect: DL301
    print(noisy(x_test))  # expect: DL301
""",
        # (eleventh audit CL) ``model.train()`` at the top of the epoch states the mode of the
        # training steps; the validation after them in the same loop forgot ``.eval()``
        """import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(10):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    with torch.no_grad():
        for x, y in val_loader:
            val_loss = nn.functional.cross_entropy(model(x), y)  # expect: DL301
""",
        # (eleventh audit CL) a ``.train()`` before a pass over held-out data, or handed to a helper
        # that may train it in between, states nothing about the evaluation
        """import torch
import torch.nn as nn


def test(net, test_loader):
    net.train()
    with torch.no_grad():
        return [net(x) for x, _ in test_loader]  # expect: DL301


def refit_and_score(net, z, loader):
    net.train()
    fit(net, loader)
    with torch.no_grad():
        return net(z)  # expect: DL301


net = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.2))
print(test(net, loader), refit_and_score(net, torch.randn(2, 8), loader))
""",
        # (eleventh audit CM) every branch can complete (the helper is imported), or the names are
        # read everywhere (a fragment that leaves its helpers to the reader): the path is kept
        """import torch
import torch.nn as nn
from ensembles import MultiModels, load_fold_model


def run(loader, paths, ensemble=False):
    if ensemble:
        model = MultiModels([load_fold_model(p) for p in paths])
    else:
        model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5))
        fit(model, loader)
    preds = []
    with torch.no_grad():
        for x in loader:
            preds.append(model(x))  # expect: DL301
    return preds
""",
        # (eleventh audit CN) the wrapper holds a dropout of its own; or the submodule put in eval
        # mode when built is switched back by the training that follows
        """import torch
import torch.nn as nn


class Noisy(nn.Module):
    def __init__(self, path):
        super().__init__()
        self.model = torch.jit.load(path).eval()
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.drop(self.model(x))


class Tuned(nn.Module):
    def __init__(self, path):
        super().__init__()
        self.backbone = torch.jit.load(path).eval()

    def forward(self, x):
        return self.backbone(x)


def extract(batches, path):
    noisy = Noisy(path)
    with torch.inference_mode():
        return [noisy(x) for x in batches]  # expect: DL301


def tune_and_extract(batches, path, optimizer):
    tuned = Tuned(path)
    tuned.train()
    for x in batches:
        optimizer.zero_grad()
        tuned(x).sum().backward()
        optimizer.step()
    with torch.inference_mode():
        return [tuned(x) for x in batches]  # expect: DL301
""",
        # (fartashf/vsepp) a CNN chosen at run time (``models.__dict__[arch](...)``: a VGG has
        # dropout in its classifier) may hold any layer; the encoder is not known to be mode-free
"""import torch
import torch.nn as nn
import torchvision.models as models


class Encoder(nn.Module):
    def __init__(self, arch, embed_size):
        super().__init__()
        self.cnn = models.__dict__[arch](pretrained=True)
        self.fc = nn.Linear(1000, embed_size)

    def forward(self, images):
        return self.fc(self.cnn(images))


encoder = Encoder('vgg19', 128)
opt = torch.optim.Adam(encoder.fc.parameters(), lr=1e-3)
for images, labels in loader:
    loss = encoder(images).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
with torch.no_grad():
    print(encoder(val_images).argmax(1))  # expect: DL301
""",
        # (twin of DN) ``train(self, mode=True)`` calling ``super().train(mode)`` is still the mode
        # switch: the model, with a dropout, is left training for ``predict()``
        """import torch
import torch.nn as nn


class EnsembleModel(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n, n), nn.Dropout(0.1))

    def forward(self, x):
        return self.net(x)

    def train(self, mode=True):
        super().train(mode)
        return self


class DynamicsModel:
    def __init__(self, n):
        self.model = EnsembleModel(n)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)

    def train(self, x, y):
        self.model.train()
        loss = ((self.model(x) - y) ** 2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def predict(self, x):
        return self.model(x).detach()  # expect: DL301
""",
        # (twin of DN) a ``train(self, flag)`` override that calls ``super().train(flag)`` is a
        # switch whatever its parameter is named
        """import torch
import torch.nn as nn


class EnsembleModel(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n, n), nn.Dropout(0.1))

    def forward(self, x):
        return self.net(x)

    def train(self, flag):
        super().train(flag)
        return self


class DynamicsModel:
    def __init__(self, n):
        self.model = EnsembleModel(n)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)

    def train(self, x, y):
        self.model.train(True)
        loss = ((self.model(x) - y) ** 2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def predict(self, x):
        return self.model(x).detach()  # expect: DL301
""",
        # (issue 13, the closed world of models) the twins: one network of the table has dropout
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
        return net(states).argmax(1)  # expect: DL301


ARCHITECTURES = {"small": lambda: QNet([4, 64, 2]), "large": lambda: QNet([4, 256, 256, 2])}
net = ARCHITECTURES[sys.argv[1]]()
opt = torch.optim.Adam(net.parameters())
for epoch in range(10):
    net.train()
    for states, targets in batches:
        loss = ((net(states) - targets) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    actions = evaluate(net, test_states)
""",
        # a library model is one of the choices: its layers are not seen
"""import torchvision
import sys
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
        return net(states).argmax(1)  # expect: DL301


ARCHITECTURES = {"small": lambda: QNet([4, 64, 2]), "resnet": torchvision.models.resnet18}
net = ARCHITECTURES[sys.argv[1]]()
opt = torch.optim.Adam(net.parameters())
for epoch in range(10):
    net.train()
    for states, targets in batches:
        loss = ((net(states) - targets) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    actions = evaluate(net, test_states)
""",
        # the network may arrive whole from a file: a pickled model may hold any layer
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
        return net(states).argmax(1)  # expect: DL301


ARCHITECTURES = {"small": lambda: QNet([4, 64, 2]), "large": lambda: QNet([4, 256, 256, 2])}
net = torch.load(sys.argv[2]) if len(sys.argv) > 2 else ARCHITECTURES[sys.argv[1]]()
opt = torch.optim.Adam(net.parameters())
for epoch in range(10):
    net.train()
    for states, targets in batches:
        loss = ((net(states) - targets) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    actions = evaluate(net, test_states)
""",
        # a factory the program calls but does not show (a star import of a library) may build anything
"""from mymodels import *
import sys
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
        return net(states).argmax(1)  # expect: DL301


ARCHITECTURES = {"small": lambda: QNet([4, 64, 2]), "large": lambda: make_model("large")}
net = ARCHITECTURES[sys.argv[1]]()
opt = torch.optim.Adam(net.parameters())
for epoch in range(10):
    net.train()
    for states, targets in batches:
        loss = ((net(states) - targets) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    actions = evaluate(net, test_states)
""",
        # (issue 13, fifteenth audit EE, the twins) the rebuilt container holds layers still in
        # training mode (no .eval() before the rebuild), or adds a fresh dropout beside them
"""import torch
from torch import nn

vgg = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
                    nn.Conv2d(64, 128, 3, padding=1), nn.Dropout(0.5), nn.ReLU())
net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU())


def encode(encoder, image):
    return encoder(image)  # expect: DL301


vgg.load_state_dict(torch.load("vgg.pth"))
vgg = nn.Sequential(*list(vgg.children())[:3])
net.eval()
net = nn.Sequential(*list(net.children()), nn.Dropout(0.2))
for image in torch.rand(4, 1, 3, 32, 32):
    with torch.no_grad():
        feat = encode(vgg, image)
        out = net(image)  # expect: DL301
    torch.save(feat, "feat.pt")
    torch.save(out, "out.pt")
""",
        # (issue 13, fifteenth audit EF, the twins) a neutral model.apply(reset_bn) after .train()
        # states nothing over a test loader, nor after the training steps it follows
"""import torch
from torch import nn


def reset_bn(module):
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        module.running_mean = torch.zeros_like(module.running_mean)
        module.running_var = torch.ones_like(module.running_var)


def bn_update_on_test(test_loader, model):
    model.train()
    model.apply(reset_bn)
    with torch.no_grad():
        for x, _ in test_loader:
            model(x)  # expect: DL301


def fit_then_validate(loader, model, optimizer):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    model.apply(reset_bn)
    with torch.no_grad():
        return model(x_val).argmax(1)  # expect: DL301


model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
""",
        # (issue 13, fifteenth audit EJ, the twins) a periodic validation loop nested in the
        # batch loop: its no-grad passes (and a pass with gradients whose value reaches no backward)
        # build no step's loss; and a loop over a test loader is never part of a step
"""import torch
import torch.nn.functional as F
from torch import nn

model = nn.Sequential(nn.Conv1d(10, 32, 3, padding=1), nn.BatchNorm1d(32), nn.ReLU(),
                      nn.Conv1d(32, 1, 3, padding=1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def train_epoch(model, optimizer, train_loader, loader2, t_train, initial_step=10):
    model.train()
    for step, (xx, yy) in enumerate(train_loader):
        loss = 0
        inp = xx
        for t in range(initial_step, t_train):
            im = model(inp)
            loss += F.mse_loss(im, yy[:, t:t + 1])
            inp = torch.cat((inp[:, 1:], im), dim=1)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 100 == 0:
            errors = []
            for xb, yb in loader2:
                with torch.no_grad():
                    errors.append(F.mse_loss(model(xb), yb).item())  # expect: DL301
                errors.append(F.l1_loss(model(xb), yb).item())
            print(sum(errors) / len(errors))
        for t in range(3):
            for xv, yv in test_loader:
                with torch.no_grad():
                    print(F.mse_loss(model(xv), yv).item())  # expect: DL301


train_epoch(model, optimizer, train_loader, valid_loader, 50)
""",
        # (fifteenth audit, EC, the twin) the loss module also drops pixels of the outputs with its
        # own dropout: it is no torch.nn loss, and left in training mode it drops at validation too
        """import torch
import torch.nn.functional as F
from torch import nn


class CrossEntropyLoss2d(nn.Module):
    def __init__(self, weight=None):
        super().__init__()
        self.drop = nn.Dropout2d(0.1)
        self.loss = nn.NLLLoss2d(weight)

    def forward(self, outputs, targets):
        return self.loss(F.log_softmax(self.drop(outputs), dim=1), targets)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 20, 3, padding=1)
        self.bn = nn.BatchNorm2d(20)

    def forward(self, x):
        return self.bn(self.conv(x))


def train(loader, loader_val, epochs):
    model = Net()
    criterion = CrossEntropyLoss2d(torch.ones(20))
    optimizer = torch.optim.Adam(model.parameters(), 5e-4)
    for epoch in range(epochs):
        model.train()
        for images, labels in loader:
            loss = criterion(model(images), labels[:, 0])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            for images, labels in loader_val:
                loss = criterion(model(images), labels[:, 0])  # expect: DL301
                print(loss.item())
""",
        # (fifteenth audit, EG, the twins) the same model whose embedding drops units: a tensor
        # attribute computed from buffers does not hide the dropout; and one whose attribute is
        # computed by a method of a submodule the class holds (``self.head.extra()``), which may
        # build a layer
        """import torch
from torch import nn
from torch.nn import functional as F
from ignite.engine import Engine


class Centroids(nn.Module):
    def __init__(self, features, classes):
        super().__init__()
        self.fc = nn.Linear(2, features)
        self.drop = nn.Dropout(0.2)
        self.register_buffer('N', torch.ones(classes) * 20)
        self.register_buffer('m', torch.randn(features, classes))
        self.m = self.m * self.N.unsqueeze(0)

    def embed(self, x):
        return self.drop(F.relu(self.fc(x)))

    def forward(self, x):
        z = self.embed(x)
        return -((z.unsqueeze(-1) - self.m / self.N.unsqueeze(0)) ** 2).mean(1)


model = Centroids(20, 2)
grid = torch.rand(100, 2)
with torch.no_grad():
    confidence = model(grid).max(1)[0].numpy()  # expect: DL301
""",
        """import torch
from torch import nn
from torch.nn import functional as F
from ignite.engine import Engine
from heads import Head


class Centroids(nn.Module):
    def __init__(self, features, classes):
        super().__init__()
        self.fc = nn.Linear(2, features)
        self.head = Head(features, classes)
        self.register_buffer('N', torch.ones(classes) * 20)
        self.extra = self.head.extra(self.N.unsqueeze(0))

    def forward(self, x):
        z = F.relu(self.fc(x))
        return self.extra(self.head(z))


model = Centroids(20, 2)
grid = torch.rand(100, 2)
with torch.no_grad():
    confidence = model(grid).max(1)[0].numpy()  # expect: DL301
""",
        # (fifteenth audit, EH, the twins) the same FNO whose forward calls its batch norm; one
        # whose forward reaches the norms by a computed name (``getattr(self, f"bn{i}")``); one
        # that runs every child in turn; one whose batch norm a subclass's forward calls
        """import torch
from torch import nn
import torch.nn.functional as F


class FNO(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc0 = nn.Linear(3, width)
        self.w0 = nn.Conv1d(width, width, 1)
        self.bn0 = nn.BatchNorm1d(width)
        self.fc1 = nn.Linear(width, 1)

    def forward(self, x):
        x = self.fc0(x).permute(0, 2, 1)
        x = F.gelu(self.bn0(self.w0(x)))
        return self.fc1(x.permute(0, 2, 1))


model = FNO(32)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
    model.train()
    for xx, yy in train_loader:
        loss = F.mse_loss(model(xx), yy)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        val = sum(F.mse_loss(model(xx), yy).item() for xx, yy in val_loader)  # expect: DL301
    print(epoch, val)
""",
        """import torch
from torch import nn
import torch.nn.functional as F


class FNO(nn.Module):
    def __init__(self, width, layers=2):
        super().__init__()
        self.layers = layers
        self.fc0 = nn.Linear(3, width)
        self.w0 = nn.Conv1d(width, width, 1)
        self.bn0 = nn.BatchNorm1d(width)
        self.bn1 = nn.BatchNorm1d(width)
        self.fc1 = nn.Linear(width, 1)

    def forward(self, x):
        x = self.fc0(x).permute(0, 2, 1)
        for i in range(self.layers):
            x = F.gelu(getattr(self, f"bn{i}")(self.w0(x)))
        return self.fc1(x.permute(0, 2, 1))


model = FNO(32)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
    model.train()
    for xx, yy in train_loader:
        loss = F.mse_loss(model(xx), yy)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        val = sum(F.mse_loss(model(xx), yy).item() for xx, yy in val_loader)  # expect: DL301
    print(epoch, val)
""",
        """import torch
from torch import nn
import torch.nn.functional as F


class Stack(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.w0 = nn.Conv1d(width, width, 1)
        self.bn0 = nn.BatchNorm1d(width)
        self.w1 = nn.Conv1d(width, width, 1)

    def forward(self, x):
        for layer in self.children():
            x = layer(x)
        return x


model = Stack(32)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
    model.train()
    for xx, yy in train_loader:
        loss = F.mse_loss(model(xx), yy)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        val = sum(F.mse_loss(model(xx), yy).item() for xx, yy in val_loader)  # expect: DL301
    print(epoch, val)
""",
        """import torch
from torch import nn
import torch.nn.functional as F


class FNO(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc0 = nn.Linear(3, width)
        self.w0 = nn.Conv1d(width, width, 1)
        self.bn0 = nn.BatchNorm1d(width)
        self.fc1 = nn.Linear(width, 1)

    def forward(self, x):
        x = self.fc0(x).permute(0, 2, 1)
        x = F.gelu(self.w0(x))
        return self.fc1(x.permute(0, 2, 1))


class NormedFNO(FNO):
    def forward(self, x):
        x = self.fc0(x).permute(0, 2, 1)
        x = F.gelu(self.bn0(self.w0(x)))
        return self.fc1(x.permute(0, 2, 1))


model = NormedFNO(32)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
    model.train()
    for xx, yy in train_loader:
        loss = F.mse_loss(model(xx), yy)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        val = sum(F.mse_loss(model(xx), yy).item() for xx, yy in val_loader)  # expect: DL301
    print(epoch, val)
""",
    ]

    def check(self, ctx: FileContext) -> None:
        for found in ctx.analysis(OwnInference).unguarded():
            name = found.method.name.value
            reason = (f"`{name}()` is called in training mode at {found.caller}" if found.caller else
                      f"`{name}()` never calls `self.eval()` and the class behaves differently in "
                      "training mode; no caller switches it first")
            ctx.report(found.call, f"`{name}()` runs the module itself in whatever mode it finds "
                                   f"it ({reason}); call `self.eval()` first so that dropout and "
                                   "batch norm behave as at inference")
        for found in training_evaluations(ctx):
            if isinstance(found, ImportedEvaluation):
                name, key = found.function.name.value, found.key
                ctx.report(found.call, f"`{name}()` evaluates `{key}` ({found.where}) in the mode it is "
                                       f"given, and `{key}` may still be in training mode here (no "
                                       "`.eval()` on some path since it was built or set to `.train()`); "
                                       f"call `{key}.eval()` first so that dropout and batch norm behave "
                                       "as at inference")
            else:
                ctx.report(found.call, f"`{ctx.code_for(found.func)}` is evaluated here but may still be "
                                       f"in training mode ({found.reason}); call `{found.key}.eval()` "
                                       "first so that dropout and batch norm behave as at inference")
