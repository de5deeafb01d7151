"""DL102: ``.data`` used to read a tensor of the autograd graph or a parameter
(``torch.max(outputs.data, 1)``, ``print(p.data.norm())``, ``w.data.cpu().numpy()``).

Why: ``x.data`` and ``x.detach()`` both give the values of ``x`` without its graph, but ``.data``
also hides the tensor from autograd's version checks: an in-place change made through it is never
noticed, and a backward pass that needed the old values computes wrong gradients without an error.
``.detach()`` says what is meant (a read-only view for logging or metrics) and keeps the check. Inside
a module's ``forward``, ``self.weight.data`` in the computation is worse: the parameter is cut out of
the graph and never receives a gradient.

Only reads are reported: the value printed, logged, appended, formatted, turned into an array,
passed to a torch or numpy function, used in arithmetic or as the receiver of a method that does not
end in ``_``. Writes are a different, deliberate idiom (manual optimisers, initialisation,
weight surgery) and stay silent: ``p.data.copy_(...)``, ``p.data.mul_(...)``, ``w.data = ...``,
``w.data[0] = ...``, ``p.data.detach().zero_()`` (an in-place method through views of the memory),
``nn.init.normal_(w.data)``, ``out=p.data``, and any statement that writes a ``.data``. ``x.data.item()`` / ``.tolist()`` are silent too: a Python value comes out at once, no
tensor escapes; so are reads of metadata only (``x.data.size()[2]``, ``.dim()``, ``.numel()``,
``.shape``, ``.ndim``, ``.dtype``, ``.device``, ``len(x.data)``). Silent as well under ``no_grad``/``inference_mode`` (nothing there is on the graph),
in a helper whose every call (at least one, all known: in its module and in the project's other
modules, :class:`dllint.analysis.callers.ProjectCallers`) runs under them (a class's
``__init__`` is called by each construction ``Klass(...)`` of the class),
for ``x.data`` bound to a name (the alias may be written later), for ``.grad.data`` (a gradient is
not on the graph), and in files that do not import torch.

How ``.data`` is used comes from :mod:`dllint.analysis.data_reads`; the graph facts (on the graph,
a parameter or a leaf that requires grad) from :mod:`dllint.analysis.dataflow`: a tensor detached in place
(``out.detach_()``, ``x.requires_grad_(False)``) is off the graph after it on the paths through it,
a module with no trainable parameter (``nn.AvgPool2d``, a hand-written logistic regression
keeping plain ``torch.zeros`` weights) puts its output on the graph only through its inputs,
and a read whose values go only into writes of weights is the read half of weight surgery:
``self.p = nn.Parameter(self.p.data[keep, ...])``, or ``w1 = m0.weight.data[:, keep].clone()`` then
``m1.weight.data = w1.clone()`` (through locals, indexing, tensor methods, arithmetic), also a norm
read in ``forward`` only to renormalise the weight in place (``self.w.data = self.w.data.div(norm)``). A part of a model's output is off the graph when the ``forward`` of every
project class the model may be built of (chosen by a flag, wrapped in ``DataParallel``, inherited
from a base class in the file or another module: :mod:`dllint.analysis.off_graph`) returns an
integer or boolean value there (faster-rcnn's ``rois_label`` of ``.long()``); the model's module is
found through the directories the project puts on ``sys.path`` (``import _init_paths``,
:mod:`dllint.analysis.project`).
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.callers import ProjectCallers
from dllint.analysis.data_reads import bound_to_name, data_attributes, data_use, writes_data
from dllint.analysis.dataflow import GraphValues
from dllint.analysis.regions import Regions
from dllint.analysis.shapes import Shapes
from dllint.diagnostics import Fix
from dllint.rule import Invalid, Rule


class DataAttribute(Rule):
    """``.data`` reads a tensor behind autograd's back; ``.detach()`` says the same and stays safe."""

    code = "DL102"
    name = "data-attribute-read"
    summary = ("`.data` is used to read a graph tensor or a parameter; `.detach()` gives the same "
               "values and keeps autograd's in-place checks.")
    severity = "info"
    fixable = "safe"
    url = ""

    VALID = [
        # A branch guarded by an attribute that is one constant in the class's methods: set to a
        # literal in ``__init__``, and nothing else anywhere may set it (fourteenth audit, DZ). The
        # renormalisation under ``if not self.class_wise_learnable_norm:`` never runs.
        """\
import torch
import torch.nn as nn


class DistLinear(nn.Module):
    def __init__(self, indim, outdim):
        super().__init__()
        self.L = nn.Linear(indim, outdim, bias=False)
        self.class_wise_learnable_norm = True
        if self.class_wise_learnable_norm:
            nn.utils.weight_norm(self.L, 'weight', dim=0)

    def forward(self, x):
        x_normalized = x / (torch.norm(x, p=2, dim=1, keepdim=True) + 1e-5)
        if not self.class_wise_learnable_norm:
            L_norm = torch.norm(self.L.weight.data, p=2, dim=1).unsqueeze(1).expand_as(self.L.weight.data)
            self.L.weight.data = self.L.weight.data.div(L_norm + 1e-5)
        return 2 * self.L(x_normalized)
""",
        # A demonstration switched off by a name that only a literal reaches (fourteenth audit,
        # DX): it never runs as the file stands.
        """\
import torch
import torch.nn as nn
flag = 1
if flag:
    bn = nn.BatchNorm1d(num_features=5)
    print(bn.weight.detach())
# flag = 1
flag = 0
if flag:
    bn = nn.BatchNorm2d(num_features=3)
    outputs = bn(torch.ones(2, 3, 4, 4))
    print(bn.weight.data.numpy())
""",
        # (twelfth audit DE) faster-rcnn's detectors: the class is one of two chosen by a flag,
        # wrapped in DataParallel, and both inherit the base's forward, which returns the sampled
        # boxes' integer labels (``.long()``): never on the graph, whichever class is built
        """import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Variable


class _Detector(nn.Module):
    def forward(self, feats, gt):
        rois_label = Variable(gt.view(-1).long())
        loss = F.cross_entropy(self.cls(feats), rois_label)
        return loss, rois_label


class Small(_Detector):
    def __init__(self):
        super().__init__()
        self.cls = nn.Linear(16, 3)


class Large(_Detector):
    def __init__(self):
        super().__init__()
        self.cls = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 3))


if net_name == "small":
    model = Small()
else:
    model = Large()
model = nn.DataParallel(model)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for step in range(3):
    loss, rois_label = model(torch.randn(8, 16), torch.randint(0, 3, (8,)))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    fg_cnt = torch.sum(rois_label.data.ne(0))
    print(fg_cnt)
""",
        # (issue 13, fourth audit AF) a pooling layer has no parameters: on a plain image tensor
        # its output is in no graph, and ``.data`` reads nothing autograd tracks
        """import torch
from torch import nn
from torchvision.transforms import ToTensor
lena = ToTensor()(img).unsqueeze(0)
pool = nn.AvgPool2d(2, 2)
out = pool(lena)
to_pil(out.data.squeeze(0))
""",
        # (issue 13, fourth audit AF) logistic regression written by hand: plain ``torch.zeros``
        # weights (no nn.Parameter, no requires_grad) that the class updates itself
        """import torch
import torch.nn as nn
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")

class LR(nn.Module):
    def __init__(self, dim, lr=torch.scalar_tensor(0.01)):
        super(LR, self).__init__()
        self.w = torch.zeros(dim, 1, dtype=torch.float).to(device)
        self.b = torch.scalar_tensor(0).to(device)
        self.grads = {"dw": torch.zeros(dim, 1, dtype=torch.float).to(device),
                      "db": torch.scalar_tensor(0).to(device)}
        self.lr = lr.to(device)

    def forward(self, x):
        return self.sigmoid(torch.mm(self.w.T, x) + self.b)

    def sigmoid(self, z):
        return 1 / (1 + torch.exp(-z))

    def backward(self, x, yhat, y):
        self.grads["dw"] = (1 / x.shape[1]) * torch.mm(x, (yhat - y).T)
        self.grads["db"] = (1 / x.shape[1]) * torch.sum(yhat - y)

    def optimize(self):
        self.w = self.w - self.lr * self.grads["dw"]
        self.b = self.b - self.lr * self.grads["db"]

x, y = next(iter(train_dataset))
model = LR(x.shape[0], torch.scalar_tensor(0.001).to(device))
for i in range(100):
    yhat = model.forward(x.to(device))
    print(yhat.data.cpu())
    model.backward(x.to(device), yhat.to(device), y.to(device))
    model.optimize()
""",
        # A PackedSequence's .data is its field (the packed tensor, still on the graph), not
        # Tensor.data: an LSTM returns its output packed when its input was.
        """\
import torch
from torch.nn.utils.rnn import pack_padded_sequence
lstm = torch.nn.LSTM(10, 20)
for x, lengths, y in train_loader:
    packed = pack_padded_sequence(x, lengths, batch_first=True)
    out, _ = lstm(packed)
    loss = criterion(head(out.data), y)
    loss.backward()
    print(out.data.sum(), lstm(packed)[0].data.mean())
""",
        """\
import torch
from torch.nn.utils.rnn import pack_padded_sequence

class Tagger(torch.nn.Module):
    def forward(self, emb, lengths):
        packed = pack_padded_sequence(emb, lengths, batch_first=True, enforce_sorted=False)
        out, (h, c) = self.lstm(packed)
        scores = self.fc(out.data)
        first = self.gru(packed)[0]
        return scores, self.fc(first.data), self.fc(packed.data)
""",
        # The indices of a max are integers, never on the graph: .data changes nothing there.
        """\
import torch
for x, y in loader:
    out = net(x)
    loss = criterion(out, y)
    loss.backward()
    opt.step()
    predicted = torch.max(out, 1)[1].data.numpy()
    _, top = torch.max(out, 1)
    accuracy = (top.data == y).float().mean()
    top5 = out.topk(5).indices.data
""",
        # Manual SGD: writes through .data are a deliberate idiom.
        """\
import torch
for x, y in loader:
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    for p in model.parameters():
        p.data.add_(-lr * p.grad.data)
        p.grad.data.zero_()
""",
        # Initialisation and weight surgery.
        """\
import torch.nn as nn

def init_weights(m):
    if isinstance(m, nn.Linear):
        m.weight.data.normal_(0.0, 0.02)
        m.bias.data.fill_(0)
        nn.init.xavier_uniform_(m.weight.data)

conv.weight.data = pretrained_kernel
conv.weight.data[0] = 0.0
""",
        # The read-and-write update of a manual optimiser.
        """\
import torch
w = torch.randn(3, requires_grad=True)
for step in range(100):
    loss = (w ** 2).sum()
    loss.backward()
    w.data = w.data - 0.1 * w.grad.data
    w.grad = None
""",
        # Under no_grad nothing is on the graph.
        """\
import torch
correct = 0
with torch.no_grad():
    for images, labels in test_loader:
        outputs = model(images)
        _, predicted = torch.max(outputs.data, 1)
        correct += (predicted == labels).sum().item()
""",
        # Already .detach().
        """\
import torch
for x, y in loader:
    out = model(x)
    loss = criterion(out, y)
    print(loss.detach().cpu().numpy())
    history.append(out.detach())
""",
        # Not torch: a pandas frame, a dataset's .data.
        """\
import pandas as pd
frame = load()
print(frame.data)
values = dataset.data.numpy()
""",
        # Metadata only, a gradient's .data, and a number read at once.
        """\
import torch
for p in model.parameters():
    print(p.data.shape, p.grad.data.norm())
w = torch.tensor([1.0], requires_grad=True)
f = (w * 2) ** 2
f.backward()
print(f"df/dw at {w.data.item()} is {w.grad.data.item()}")
assert model.fc.weight.data[0, 0].item() == 0.0
""",
        # Metadata of a (distributed) tensor read through .data.
        """\
import torch
for name, param in mod.named_parameters(recurse=False):
    if isinstance(param.data, DTensor):
        placements[name] = param.data.placements
        print(param.data.dtype, param.data.device)
""",
        # Metadata only, of a leaf that requires grad (issue 13 audit, lpips dist_model.py): the
        # shape, never the values, comes out.
        """\
import torch
from torch.autograd import Variable


class DistModel:
    def set_input(self, ref):
        self.var_ref = Variable(ref, requires_grad=True)

    def get_current_visuals(self):
        zoom_factor = 256 / self.var_ref.data.size()[2]
        n = self.var_ref.data.numel() + self.var_ref.data.dim() + len(self.var_ref.data)
        return zoom_factor, n, self.var_ref.data.ndim, self.var_ref.data.shape[0]
""",
        # Bound to a name: the alias may be written later.
        """\
import torch
for p in model.parameters():
    buf = p.data
    buf.mul_(0.5)
""",
        # .data of something that is neither a graph tensor nor a parameter.
        """\
import torch
batch = next(iter(loader))
print(batch.data)
t = torch.tensor([1.0, 2.0])
print(t.data)
""",
        # Detached in place: from `detach_()` on, the tensor is in no graph; a leaf frozen with
        # `requires_grad_(False)` is no longer a trainable tensor either.
        """\
import torch

for images, labels in valid_loader:
    outputs = net(images)
    outputs.detach_()
    _, predicted = torch.max(outputs.data, 1)

w = torch.randn(3, requires_grad=True)
w.requires_grad_(False)
print(w.data.norm())
""",
        """\
import torch

class Trainer:
    def validate(self, loader):
        for x, y in loader:
            out = self.model(x)
            out.detach_()
            self.history.append(out.data.cpu())
""",
        # Every epoch ends with an evaluation over the test loader that rebinds `mu` under no_grad:
        # the training loop's `mu` would reach the read only if the test loader yielded nothing.
        """\
import torch

for epoch in range(10):
    for x in train_loader:
        x_hat, mu = model(x)
        loss = ((x_hat - x) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        for x in test_loader:
            x_hat, mu = model(x)

code = 0.5 * mu[1].data
""",
        """\
import torch

def fit(model, loaders, optimizer, epochs):
    for epoch in range(epochs):
        for x, y in loaders["train"]:
            out = model(x)
            loss = torch.nn.functional.cross_entropy(out, y)
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            for i, (x, y) in enumerate(loaders["val"]):
                out = model(x)
    return out.data.argmax(1)
""",
        # Weight surgery: a parameter's values, read to build its replacement (the read half of
        # `w.data = w.data[:, keep]`); `nn.Parameter` makes a fresh leaf, no graph comes out.
        """\
import torch
from torch import nn


class ProtoNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.prototype_vectors = nn.Parameter(torch.rand(10, 128))
        self.ones = nn.Parameter(torch.ones(10, 128), requires_grad=False)

    def prune_prototypes(self, keep):
        self.prototype_vectors = nn.Parameter(self.prototype_vectors.data[keep, ...],
                                              requires_grad=True)
        self.last_layer.weight.data = self.last_layer.weight.data[:, keep]
        self.ones = nn.Parameter(self.ones.data[keep, ...], requires_grad=False)
""",
        # (fifth audit, cause AW) a decoding helper whose every caller runs it without gradients:
        # here one module; across modules (a caller of another file, through ``from decoding import
        # *``) the callers are read from the whole project (tests/engine/grad_callers_project.py)
        """\
import torch


def greedy_step(model, x):
    logp = torch.log_softmax(model(x), dim=-1)
    return logp.cpu().data.numpy()


def generate(model, prompts):
    return [greedy_step(model, p) for p in prompts]


with torch.no_grad():
    outputs = generate(model, prompts)
    first = greedy_step(model, prompts[0])
""",
        # ``.new()`` and ``.new_zeros(...)`` take only the dtype and device: a fresh tensor, no value
        # of the parameter read (audit 2026-12f, cause BB: awd-lstm-lm's embedded dropout mask).
        """\
import torch
import torch.nn as nn


def embedded_dropout(embed, words, dropout=0.1):
    mask = embed.weight.data.new().resize_((embed.weight.size(0), 1)).bernoulli_(1 - dropout)
    mask = mask.expand_as(embed.weight) / (1 - dropout)
    pad = embed.weight.data.new_zeros(embed.weight.size(0), 1)
    return nn.functional.embedding(words, mask * embed.weight), pad
""",
        # (issue 14, pymor#2030, the twins) a network held as ``self.neural_network``, run under
        # no_grad, or read with ``.detach()``: nothing of the graph is read behind autograd's back
        """\
import torch


class NeuralNetworkModel(Model):
    def __init__(self, neural_network, scaling):
        self.neural_network = neural_network
        self.scaling = scaling

    def _compute_solution(self, mu):
        with torch.no_grad():
            U = self.neural_network(torch.DoubleTensor(mu.to_numpy())).data.numpy()
        return self.solution_space.make_array(U)

    def _compute_output(self, mu):
        return self.neural_network(torch.DoubleTensor(mu.to_numpy())).detach().numpy()
""",
        # (seventh audit, BH) the model's forward returns the indices it sampled (integers, never
        # on the graph) and a reward computed from the input coordinates gathered with them
        """import torch
import torch.nn as nn

class Pointer(nn.Module):
    def __init__(self):
        super().__init__()
        self.scorer = nn.Linear(2, 1)

    def forward(self, inputs):
        probs = torch.softmax(self.scorer(inputs).squeeze(-1), dim=-1)
        idxs = probs.multinomial(1).squeeze(1)
        chosen = inputs[torch.arange(inputs.size(0)), idxs]
        reward = chosen.norm(dim=-1)
        return reward, probs, idxs

model = Pointer()
for batch in loader:
    R, probs, idxs = model(batch)
    print(R[0].data, idxs[0].data)
""",
        # (thirteenth audit, cause DJ: Chinese-Vicuna's GPTQ) ``.data`` read in a constructor whose
        # every construction runs under ``no_grad``: a construction runs ``__init__`` there; across
        # modules the constructions are read from the whole project (tests/engine/grad_callers_project.py)
        """\
import torch
import torch.nn as nn


class Quantizer:
    def __init__(self, layer):
        self.layer = layer
        W = layer.weight.data.clone()
        self.rows, self.columns = W.shape[0], W.shape[1]


@torch.no_grad()
def quantize_layers(model):
    quantizers = {}
    for name, layer in model.named_modules():
        if isinstance(layer, nn.Linear):
            quantizers[name] = Quantizer(layer)
    return quantizers
""",
        """\
import torch
import torch.nn as nn


class Quantizer:
    def __init__(self, layer):
        self.W = layer.weight.data.clone()


layer = nn.Linear(4, 4)
with torch.no_grad():
    quantizer = Quantizer(layer)
""",
        # (fourteenth audit EA) network slimming and soft filter pruning: the read half of weight
        # surgery split over statements; the values go through locals only into ``.data`` writes
        """\
import numpy as np
import torch
import torch.nn as nn

keep = np.array([0, 2, 5, 7])
for m0, m1 in zip(model.modules(), newmodel.modules()):
    if isinstance(m0, nn.Conv2d) and m0.in_channels == 8:
        w1 = m0.weight.data[:, keep.tolist(), :, :].clone()
        if m0.out_channels == 8:
            w1 = w1[keep.tolist(), :, :, :].clone()
        m1.weight.data = w1.clone()
    elif isinstance(m0, nn.Conv2d):
        m1.weight.data = m0.weight.data[keep.tolist()].clone()
    elif isinstance(m0, nn.Linear):
        w = m0.weight.data[:, keep].clone()
        m1.weight.data.copy_(w)
        m1.in_features = w.shape[1]


class Mask:
    def do_mask(self):
        for index, item in enumerate(self.model.parameters()):
            if index in self.mask_index:
                a = item.data.view(self.model_length[index])
                b = a * self.mat[index]
                item.data = b.view(self.model_size[index])
""",
        # (fourteenth audit DY) an in-place write through a view of ``.data``: a write, not a read
        """\
import torch
net = Net()
net.conv1.weight[0].detach().fill_(1)
net.conv1.bias.data.detach().zero_()
net.conv1.weight.data.view(-1)[0].fill_(2)
""",
        # (fourteenth audit DZ) a weight renormalised in place in ``forward``: the norm read through
        # ``.data`` only goes into the write back to ``.data``; the layer then uses the weight itself
        """\
import torch
import torch.nn as nn


class DistLinear(nn.Module):
    def __init__(self, indim, outdim):
        super().__init__()
        self.L = nn.Linear(indim, outdim, bias=False)

    def forward(self, x):
        L_norm = torch.norm(self.L.weight.data, p=2, dim=1).unsqueeze(1).expand_as(self.L.weight.data)
        self.L.weight.data = self.L.weight.data.div(L_norm + 1e-5)
        return 2 * self.L(x)
""",
        # (sixteenth audit EA) weight imprinting: the norm of the old weights, read through
        # ``.data`` only to scale the new class weights, which become a new ``nn.Parameter``
        # appended to a ``ParameterList`` (directly, or gathered in a local list and stacked). The
        # ``self.weights[j] = nn.Parameter(...)`` store is what makes ``self.weights`` a parameter.
        """\
import torch
import torch.nn.functional as F
from torch import nn


class CosineClassifier(nn.Module):
    def __init__(self, dim, n):
        super().__init__()
        self._weights = nn.ParameterList([nn.Parameter(torch.randn(n, dim))])

    @property
    def weights(self):
        return torch.cat([w for w in self._weights])

    def add_custom_weights(self, weights, ponderate=None):
        if ponderate == "weights_imprinting":
            avg_weights_norm = self.weights.data.norm(dim=1).mean()
            weights = weights * avg_weights_norm
        self._weights.append(nn.Parameter(weights))

    def align_weights_i_to_j(self, i, j):
        with torch.no_grad():
            ratio = self.weights[i].norm() / self.weights[j].norm()
            self.weights[j] = nn.Parameter(ratio * self.weights[j])

    def add_imprinted_classes(self, embeddings):
        weights_norm = self.weights.data.norm(dim=1, keepdim=True)
        avg_weights_norm = torch.mean(weights_norm, dim=0).cpu()
        new_weights = []
        for embedding in embeddings:
            new_weights.append(F.normalize(embedding, dim=0) * avg_weights_norm)
        new_weights = torch.stack(new_weights)
        self._weights.append(nn.Parameter(new_weights))
""",
        # (sixteenth audit EA) prototype surgery: the values pass through a layer of this file
        # whose ``forward`` only computes with its input and returns the result, then into writes
        # of ``.data`` (``=`` and ``+=``)
        """\
import torch
from torch import nn


class BiasLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(1))
        self.beta = nn.Parameter(torch.zeros(1))

    def forward(self, x, bias=True):
        ret_x = x.clone()
        ret_x = (self.alpha + 1) * x
        if bias:
            ret_x = ret_x + self.beta
        return ret_x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.biases = nn.ModuleList()
        self.prototypes = nn.Linear(8, 3)
        self.new_fc = nn.Linear(8, 2)

    def update_fc_before(self, n):
        self.biases = nn.ModuleList([BiasLayer() for _ in range(n)])

    def update_fc_after(self, old_fc):
        new_fc_weight = self.new_fc.weight.data
        new_fc_bias = self.new_fc.bias.data
        for i in range(len(self.biases)):
            new_fc_weight = torch.cat([*[self.biases[i](self.prototypes.weight.data[i].unsqueeze(0), bias=False)
                                         for _ in range(2)], new_fc_weight], dim=0)
            new_fc_bias = torch.cat([*[self.biases[i](self.prototypes.bias.data[i].unsqueeze(0), bias=True)
                                       for _ in range(2)], new_fc_bias])
        old_fc.weight.data = torch.cat([old_fc.weight.data, new_fc_weight], dim=1)
        old_fc.bias.data += new_fc_bias
""",
        # A gradient from ``torch.autograd.grad`` without ``create_graph`` is made outside the graph:
        # reading it through ``.data`` reads nothing autograd tracks (sixteenth audit, FA: a latent
        # vector stepped along a property predictor's gradient).
        """\
import torch
z = encoder(x).detach().requires_grad_(True)
for step in range(10):
    score = model(z).sum()
    grad = torch.autograd.grad(score, z)[0]
    z = (z.detach() + 0.1 * grad.data).requires_grad_(True)
""",
    ]

    INVALID = [
        # Twins of the constant attribute: the branch runs when ``__init__`` sets the other literal,
        # or when another method may set the attribute (and the norm read through ``.data`` also
        # scales the input: a norm read only to renormalise the weight in place is the read half of
        # weight surgery, silent wherever it runs, see the fourteenth audit's DZ example above).
        """\
import torch
import torch.nn as nn


class DistLinear(nn.Module):
    def __init__(self, indim, outdim):
        super().__init__()
        self.L = nn.Linear(indim, outdim, bias=False)
        self.class_wise_learnable_norm = False
        if self.class_wise_learnable_norm:
            nn.utils.weight_norm(self.L, 'weight', dim=0)

    def forward(self, x):
        x_normalized = x / (torch.norm(x, p=2, dim=1, keepdim=True) + 1e-5)
        if not self.class_wise_learnable_norm:
            L_norm = torch.norm(self.L.weight.data, p=2, dim=1)  # expect: DL102
            self.L.weight.data = self.L.weight.data.div(L_norm + 1e-5)
            x_normalized = x_normalized * L_norm.mean()
        return 2 * self.L(x_normalized)
""",
        """\
import torch
import torch.nn as nn


class DistLinear(nn.Module):
    def __init__(self, indim, outdim):
        super().__init__()
        self.L = nn.Linear(indim, outdim, bias=False)
        self.class_wise_learnable_norm = True
        if self.class_wise_learnable_norm:
            nn.utils.weight_norm(self.L, 'weight', dim=0)

    def set_norm(self, on):
        self.class_wise_learnable_norm = on

    def forward(self, x):
        x_normalized = x / (torch.norm(x, p=2, dim=1, keepdim=True) + 1e-5)
        if not self.class_wise_learnable_norm:
            L_norm = torch.norm(self.L.weight.data, p=2, dim=1)  # expect: DL102
            self.L.weight.data = self.L.weight.data.div(L_norm + 1e-5)
            x_normalized = x_normalized * L_norm.mean()
        return 2 * self.L(x_normalized)
""",
        # Twin of the switched-off demonstration: switched on, it runs.
        """\
import torch
import torch.nn as nn
flag = 0
if flag:
    bn = nn.BatchNorm1d(num_features=5)
    print(bn.weight.detach())
flag = 1
# flag = 0
if flag:
    bn = nn.BatchNorm2d(num_features=3)
    outputs = bn(torch.ones(2, 3, 4, 4))
    print(bn.weight.data.numpy())  # expect: DL102
""",
        # (thirteenth audit, cause DJ, the twins) one construction runs with gradients on; or the
        # class is also used as a value (a factory table): built where no call shows it
        """\
import torch
import torch.nn as nn


class Quantizer:
    def __init__(self, layer):
        self.layer = layer
        W = layer.weight.data.clone()  # expect: DL102
        self.rows, self.columns = W.shape[0], W.shape[1]


@torch.no_grad()
def quantize_layers(model):
    return {name: Quantizer(layer) for name, layer in model.named_modules()}


def probe(model):
    return Quantizer(model[0])
""",
        """\
import torch
import torch.nn as nn


class Quantizer:
    def __init__(self, layer):
        self.W = layer.weight.data.clone()  # expect: DL102


layer = nn.Linear(4, 4)
with torch.no_grad():
    quantizer = Quantizer(layer)
factories = {"gptq": Quantizer}
""",
        # (twelfth audit DE) the twin: one of the two classes returns its scores in that place
        """import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Variable


class _Detector(nn.Module):
    def forward(self, feats, gt):
        rois_label = Variable(gt.view(-1).long())
        loss = F.cross_entropy(self.cls(feats), rois_label)
        return loss, rois_label


class Small(_Detector):
    def __init__(self):
        super().__init__()
        self.cls = nn.Linear(16, 3)


class Large(_Detector):
    def __init__(self):
        super().__init__()
        self.cls = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 3))

    def forward(self, feats, gt):
        scores = self.cls(feats)
        return F.cross_entropy(scores, gt), scores


if net_name == "small":
    model = Small()
else:
    model = Large()
model = nn.DataParallel(model)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for step in range(3):
    loss, rois_label = model(torch.randn(8, 16), torch.randint(0, 3, (8,)))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    fg_cnt = torch.sum(rois_label.data.ne(0))  # expect: DL102
    print(fg_cnt)
""",
        # Twin of the sampled indices: the probabilities beside them are on the graph, and so is a
        # reward scaled by a parameter of the model
        """import torch
import torch.nn as nn

class Pointer(nn.Module):
    def __init__(self):
        super().__init__()
        self.scorer = nn.Linear(2, 1)
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, inputs):
        probs = torch.softmax(self.scorer(inputs).squeeze(-1), dim=-1)
        idxs = probs.multinomial(1).squeeze(1)
        reward = inputs[torch.arange(inputs.size(0)), idxs].norm(dim=-1) * self.scale
        return reward, probs, idxs

model = Pointer()
for batch in loader:
    R, probs, idxs = model(batch)
    print(idxs[0].data)
    print(probs[0].data)  # expect: DL102
    print(R[0].data)  # expect: DL102
""",
        # Twin of the factory case: ``.new_tensor(...)`` of the values read through ``.data`` (the
        # factory takes the dtype, but its argument is a read of the parameter's values).
        """\
import torch
import torch.nn as nn


def embedded_dropout(embed, words, dropout=0.1):
    mask = embed.weight.new_tensor(embed.weight.data.clone())  # expect: DL102
    return nn.functional.embedding(words, mask * embed.weight)
""",
        # (issue 13, fourth audit AF, the twins) a pooling layer on a leaf that requires grad, and
        # on the output of a convolution: its output is on the graph through its input
        """import torch
from torch import nn
image = torch.rand(1, 1, 8, 8, requires_grad=True)
pool = nn.AvgPool2d(2, 2)
out = pool(image)
print(out.data.squeeze(0))  # expect: DL102
conv = nn.Conv2d(1, 4, 3)
features = nn.MaxPool2d(2)(conv(torch.rand(1, 1, 8, 8)))
print(features.data.mean())  # expect: DL102
""",
        # (issue 13, fourth audit AF, the twin) the same logistic regression with its weights as
        # parameters: autograd tracks them
        """import torch
import torch.nn as nn

class LR(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(dim, 1))
        self.b = nn.Parameter(torch.scalar_tensor(0))

    def forward(self, x):
        return torch.sigmoid(torch.mm(self.w.T, x) + self.b)

model = LR(4)
yhat = model(torch.rand(4, 3))
print(yhat.data.cpu())  # expect: DL102
""",
        # (issue 13, fourth audit AF) plain tensors made leaves later: ``requires_grad_()``
        """import torch
import torch.nn as nn

class Affine(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.w = torch.zeros(dim, 1)
        self.w.requires_grad_()

    def forward(self, x):
        return x @ self.w

model = Affine(4)
out = model(torch.rand(3, 4))
print(out.data)  # expect: DL102
""",
        # Unpacked again, the output is a plain tensor: its .data is Tensor.data.
        Invalid(
            """\
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
for x, lengths, y in train_loader:
    packed = pack_padded_sequence(model.embed(x), lengths, batch_first=True)
    out, _ = model(packed)
    padded, _ = pad_packed_sequence(out, batch_first=True)
    loss = criterion(padded, y)
    loss.backward()
    print(padded.data.norm())  # expect: DL102
""",
            fixed="""\
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
for x, lengths, y in train_loader:
    packed = pack_padded_sequence(model.embed(x), lengths, batch_first=True)
    out, _ = model(packed)
    padded, _ = pad_packed_sequence(out, batch_first=True)
    loss = criterion(padded, y)
    loss.backward()
    print(padded.detach().norm())  # expect: DL102
""",
        ),
        Invalid(
            """\
import torch
for images, labels in train_loader:
    outputs = model(images)
    loss = criterion(outputs, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    _, predicted = torch.max(outputs.data, 1)  # expect: DL102
""",
            fixed="""\
import torch
for images, labels in train_loader:
    outputs = model(images)
    loss = criterion(outputs, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    _, predicted = torch.max(outputs.detach(), 1)  # expect: DL102
""",
        ),
        Invalid(
            """\
import torch
for name, param in model.named_parameters():
    writer.add_histogram(name, param.data.cpu().numpy(), step)  # expect: DL102
""",
            fixed="""\
import torch
for name, param in model.named_parameters():
    writer.add_histogram(name, param.detach().cpu().numpy(), step)  # expect: DL102
""",
        ),
        Invalid(
            """\
import torch
loss = criterion(model(x), y)
print("loss", loss.data)  # expect: DL102
losses.append(loss.data)  # expect: DL102
""",
            fixed="""\
import torch
loss = criterion(model(x), y)
print("loss", loss.detach())  # expect: DL102
losses.append(loss.detach())  # expect: DL102
""",
        ),
        # `.data.detach()`: the fix drops `.data` rather than detaching twice.
        Invalid(
            """\
import torch
loss = criterion(model(x), y)
history.append(loss.data.detach().cpu())  # expect: DL102
""",
            fixed="""\
import torch
loss = criterion(model(x), y)
history.append(loss.detach().cpu())  # expect: DL102
""",
        ),
        # A parameter read in a module's forward: it gets no gradient (no fix: drop `.data`).
        """\
import torch
import torch.nn as nn

class MyLinear(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_in, n_out))
        self.bias = nn.Parameter(torch.randn(n_out))

    def forward(self, x):
        out = torch.matmul(x, self.weight.data)  # expect: DL102
        return out + self.bias.data  # expect: DL102
""",
        # An f-string log and a number.
        """\
import torch
import torch.nn.functional as F

def train_step(model, x, y, optimizer):
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    print(f"loss {loss.data:.3f}")  # expect: DL102
    return float(loss.data)  # expect: DL102
""",
        # A snapshot of a parameter: kept in a name, so the fix is marked unsafe.
        Invalid(
            """\
import torch
w = torch.nn.Parameter(torch.zeros(10))
before = w.data.clone()  # expect: DL102
""",
            fixed="""\
import torch
w = torch.nn.Parameter(torch.zeros(10))
before = w.detach().clone()  # expect: DL102
""",
        ),
        # A Trainer's logging hook over self.model's parameters.
        """\
import torch

class Trainer:
    def log_weights(self):
        for p in self.model.parameters():
            self.logger.info(p.data.norm())  # expect: DL102
""",
        # Twins of the metadata case: the values are read beside the size (the view's receiver,
        # a slice bounded by the size, arithmetic on a leaf's values).
        """\
import torch
from torch.autograd import Variable


class DistModel:
    def set_input(self, ref):
        self.var_ref = Variable(ref, requires_grad=True)

    def get_current_visuals(self):
        flat = self.var_ref.data.view(self.var_ref.data.size(0), -1)  # expect: DL102
        print(self.var_ref.data[:, :, :self.var_ref.data.size(2) // 2])  # expect: DL102
        return flat, 256 / self.var_ref.data.max()  # expect: DL102
""",
        # Arithmetic on a graph tensor's .data.
        """\
import torch
out = net(x)
err = (out.data - y).abs().mean()  # expect: DL102
""",
        # In place, but too late, on one branch only, or on a copy: the read still sees the graph.
        """\
import torch

for images, labels in train_loader:
    outputs = net(images)
    loss = criterion(outputs, labels)
    loss.backward()
    _, predicted = torch.max(outputs.data, 1)  # expect: DL102
    outputs.detach_()
    logits = net(images)
    if not net.training:
        logits.detach_()
    print(logits.data.mean())  # expect: DL102
    scores = net(images)
    scores.clone().detach_()
    print(scores.data.mean())  # expect: DL102
""",
        # Freezing a leaf does not take off the graph what was already built from it.
        """\
import torch
scale = torch.nn.Parameter(torch.ones(3))
y = net(x) * scale
scale.requires_grad_(False)
print(y.data.norm())  # expect: DL102
""",
        # The evaluation loop may skip the step that rebinds `mu` (`continue`), and a list of
        # pending items may be empty: the training loop's `mu` reaches the read on those paths.
        """\
import torch

for epoch in range(10):
    for x in train_loader:
        x_hat, mu = model(x)
        loss = ((x_hat - x) ** 2).mean()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        for x in test_loader:
            if x is None:
                continue
            x_hat, mu = model(x)

code = 0.5 * mu[1].data  # expect: DL102
""",
        """\
import torch

for x in train_loader:
    x_hat, mu = model(x)
    loss = ((x_hat - x) ** 2).mean()
    loss.backward()
with torch.no_grad():
    for x in pending:
        x_hat, mu = model(x)
code = 0.5 * mu[1].data  # expect: DL102
""",
        # Not weight surgery: the new parameter is made in `forward` (cut from the graph), or the
        # read is also kept elsewhere.
        """\
import torch
from torch import nn


class Pruned(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(10, 128))

    def forward(self, x, keep):
        self.weight = nn.Parameter(self.weight.data[keep])  # expect: DL102
        return x @ self.weight

    def prune(self, keep):
        self.removed.append(self.weight.data[~keep])  # expect: DL102
        self.weight = nn.Parameter(self.weight.data[keep])
""",
        # (fifth audit, cause AW, the twin) one caller runs the helper with gradients on, in a
        # training loop: then its read is of a graph tensor, whatever the other callers do
        """\
import torch


def beam_step(model, x):
    logp = torch.log_softmax(model(x), dim=-1)
    return logp.data.topk(3)  # expect: DL102


with torch.no_grad():
    shown = beam_step(model, prompt)
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    print(beam_step(model, x))
""",
        # (issue 14, pymor#2030) a network held as ``self.neural_network`` (a ``*_network`` is a
        # model, as for the mode analysis): its output is on the graph, read through ``.data``
        """\
import torch


class NeuralNetworkModel(Model):
    def __init__(self, neural_network, scaling):
        self.neural_network = neural_network
        self.scaling = scaling

    def _compute_solution(self, mu):
        converted_input = torch.DoubleTensor(mu.to_numpy())
        U = self.neural_network(converted_input).data.numpy()  # expect: DL102
        return self.solution_space.make_array(U)

q_network = build_q_network()
values = q_network(states).data.cpu().numpy()  # expect: DL102
""",
        # (fourteenth audit EA, DZ, the twins) the copied weights are also shown, or leave torch for
        # another framework's blob (a ``.data`` that is no tensor's), the masked ones also computed
        # with, the norm also divides the output: the read is a read of the weights
        """\
import numpy as np
import torch
import torch.nn as nn

keep = np.array([0, 2, 5, 7])
for m0, m1 in zip(model.modules(), newmodel.modules()):
    if isinstance(m0, nn.Conv2d):
        w1 = m0.weight.data[:, keep.tolist(), :, :].clone()  # expect: DL102
        m1.weight.data = w1.clone()
        print(w1.norm())


def copy_params_pytorch2caffe(net_pytorch, net_caffe):
    filters = net_pytorch.conv1.weight.data.cpu().numpy()  # expect: DL102
    net_caffe.params["conv1"][0].data[:, :, :, :] = filters


class Masked(nn.Module):
    def forward(self, x):
        w = self.weight.data * self.mask  # expect: DL102
        self.weight.data = w
        return x @ w


class DistLinear(nn.Module):
    def forward(self, x):
        L_norm = torch.norm(self.L.weight.data, p=2, dim=1).unsqueeze(1)  # expect: DL102
        self.L.weight.data = self.L.weight.data.div(L_norm + 1e-5)
        return self.L(x) / L_norm
""",
        # (fourteenth audit DY, the twin) a view of ``.data`` read, not written in place
        """\
import torch
net = Net()
print(net.conv1.bias.data.detach().abs())  # expect: DL102
""",
        # (sixteenth audit EA) twins of weight imprinting: the scaled tensor kept as a plain
        # attribute (no parameter: the TRUE ``set_negative_weights`` of the audit), a local list
        # returned to the caller, a list that is an attribute's, a new parameter made in ``forward``
        """\
import torch
from torch import nn


class CosineClassifier(nn.Module):
    def __init__(self, dim, n):
        super().__init__()
        self._weights = nn.ParameterList([nn.Parameter(torch.randn(n, dim))])
        self._negative_weights = None
        self.norms = []

    @property
    def weights(self):
        return torch.cat([w for w in self._weights])

    def align_weights_i_to_j(self, i, j):
        with torch.no_grad():
            ratio = self.weights[i].norm() / self.weights[j].norm()
            self.weights[j] = nn.Parameter(ratio * self.weights[j])

    def set_negative_weights(self, negative_weights):
        avg_weights_norm = self.weights.data.norm(dim=1).mean()  # expect: DL102
        self._negative_weights = negative_weights * avg_weights_norm

    def imprint(self, embeddings):
        avg_weights_norm = self.weights.data.norm(dim=1).mean()  # expect: DL102
        new_weights = []
        for embedding in embeddings:
            new_weights.append(embedding * avg_weights_norm)
        return new_weights

    def record(self):
        rows = self.norms
        rows.append(self.weights.data.norm(dim=1).mean())  # expect: DL102

    def forward(self, x):
        self._weights.append(nn.Parameter(self.weights.data * 2))  # expect: DL102
        return x @ self.weights.t()
""",
        # (sixteenth audit EA) twin of prototype surgery: the layer keeps its input
        """\
import torch
from torch import nn


class CachingLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(1))
        self.seen = None

    def forward(self, x):
        self.seen = x
        return (self.alpha + 1) * x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.biases = nn.ModuleList([CachingLayer() for _ in range(3)])
        self.scale = CachingLayer()
        self.prototypes = nn.Linear(8, 3)

    def update_fc_after(self, old_fc):
        new_fc_weight = self.biases[0](self.prototypes.weight.data[0].unsqueeze(0))  # expect: DL102
        old_fc.weight.data = torch.cat([old_fc.weight.data, new_fc_weight], dim=1)
        new_fc_bias = self.scale(self.prototypes.bias.data[0].unsqueeze(0))  # expect: DL102
        old_fc.bias.data += new_fc_bias
""",
        # (sixteenth audit FA, the twin) with ``create_graph=True`` the gradient is on the graph
        """\
import torch
z = encoder(x).detach().requires_grad_(True)
for step in range(10):
    score = model(z).sum()
    grad = torch.autograd.grad(score, z, create_graph=True)[0]
    z = (z.detach() + 0.1 * grad.data).requires_grad_(True)  # expect: DL102
""",
    ]

    def check(self, ctx) -> None:
        if not ctx.imports.uses("torch"):
            return
        regions = ctx.analysis(Regions)
        flow = ctx.analysis(GraphValues)
        for node in data_attributes(ctx):
            base = node.value
            use = data_use(ctx, node)
            if use is None:
                continue
            if regions.no_grad(node) or writes_data(ctx, node):
                continue
            if flow.is_packed_sequence(base):
                continue  # the PackedSequence's field: the packed tensor itself, not Tensor.data
            if flow.surgery_read(node):
                continue  # weight surgery: the read only feeds writes of weights (the write's half)
            parameter = flow.leaf_kind(base)
            if not parameter and not flow.is_graph(base):
                continue
            function = ctx.index.function_of(node)
            if function is not None and ctx.analysis(ProjectCallers).runs_without_grad(function):
                continue  # every caller, here or in another module, runs it under no_grad
            self._report(ctx, node, base, parameter, use)

    # -- the finding and its fix -------------------------------------------------------------------
    @staticmethod
    def _detached_next(ctx, node: cst.Attribute) -> bool:
        """``x.data.detach()``: dropping ``.data`` is the whole fix (no ``.detach().detach()``)."""
        attr = ctx.index.parent(node)
        call = ctx.index.parent(attr) if attr is not None else None
        return (isinstance(attr, cst.Attribute) and attr.value is node
                and attr.attr.value == "detach" and isinstance(call, cst.Call)
                and call.func is attr and not call.args)

    @staticmethod
    def _legacy_item(ctx, node: cst.Attribute, base) -> bool:
        """``loss.data[0]`` on a single-number loss: the old spelling of ``.item()``. The finding
        stays, but ``.detach()[0]`` would raise the same IndexError: the fix is ``.item()``."""
        subscript = ctx.index.parent(node)
        if not (isinstance(subscript, cst.Subscript) and subscript.value is node
                and len(subscript.slice) == 1):
            return False
        index = subscript.slice[0].slice
        if not (isinstance(index, cst.Index) and isinstance(index.value, cst.Integer)
                and index.value.value == "0"):
            return False
        return ctx.analysis(GraphValues).is_scalar_loss(base) or ctx.analysis(Shapes).rank_of(base) == 0

    def _report(self, ctx, node: cst.Attribute, base, parameter: str | None, use: str) -> None:
        base_text = ctx.code_for(base).strip()
        function = ctx.index.function_of(node)
        in_forward = function is not None and function.name.value == "forward"
        if parameter and in_forward and use == "compute":
            held = "the parameter" if parameter == "parameter" else "the tensor that requires grad"
            ctx.report(
                node,
                f"`{base_text}.data` in `forward` takes {held} out of the autograd graph: it "
                f"never receives a gradient; use `{base_text}` itself.",
                severity="warning",
            )
            return
        if self._legacy_item(ctx, node, base):
            subscript = ctx.index.parent(node)
            fix = Fix("unsafe", (ctx.replace_edit(subscript, f"{base_text}.item()"),),
                      f"read `{base_text}.item()`")
            ctx.report(
                node,
                f"`{base_text}.data[0]` is the pre-0.4 way to read a loss as a number: the loss is "
                f"a 0-d tensor since torch 0.4, and indexing it raises IndexError; "
                f"`{base_text}.item()` reads the number.",
                fix=fix,
            )
            return
        what = {"parameter": "a parameter", "leaf": "a leaf tensor that requires grad"}.get(
            parameter or "", "a tensor attached to the autograd graph")
        # Bound to a name, the result may share memory with the tensor (``.to()`` of the same dtype,
        # a view) and be written later: then ``.detach()`` raises where ``.data`` corrupted silently.
        applicability = "unsafe" if bound_to_name(ctx, node) else "safe"
        replacement = base_text if self._detached_next(ctx, node) else f"{base_text}.detach()"
        fix = Fix(applicability, (ctx.replace_edit(node, replacement),),
                  f"read `{base_text}.detach()`")
        ctx.report(
            node,
            f"`{base_text}.data` reads {what} behind autograd's back; `{base_text}.detach()` gives "
            f"the same values and keeps autograd's in-place checks.",
            fix=fix,
        )
