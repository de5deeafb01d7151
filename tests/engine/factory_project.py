"""A project whose models are built by functions of another module (the layout of BNUCNL/dnnbrain:
``models.py`` truncates a network into an ``nn.Sequential`` of its first children, ``analyzer.py``
runs the truncated network over the stimuli and reads the activations out with
``.detach().numpy()``). Written into a temporary directory by the tests; ``EXPECTED`` lists its
findings as (path, line, code)."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "setup.py": "",
    "models.py": '''import copy

import torch.nn as nn


def truncate(net, depth):
    if depth > 1:
        return nn.Sequential(*list(net.children())[:depth])
    return copy.deepcopy(net)


def linear_probe(n_in):
    probe = nn.Linear(n_in, 1)
    return probe


def mlp(widths):
    layers = [None] * (2 * len(widths) - 3)
    for i in range(len(widths) - 1):
        layers[2 * i] = nn.Linear(widths[i], widths[i + 1])
        if i < len(widths) - 2:
            layers[2 * i + 1] = nn.LeakyReLU(0.01)
    return nn.Sequential(*layers)


def ready_for_inference(net, depth):
    model = truncate(net, depth)
    model.eval()
    return model


def backbone():
    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Dropout(0.5))
''',
    # (dnnbrain#72) the truncated network keeps its dropout on while activations are read out: the
    # network is fresh (dnnbrain's loader builds a torchvision model), and the new container holds its
    # layers in their modes (fifteenth audit, EE)
    "analyzer.py": '''import numpy as np
import torch

from models import backbone, truncate


def dnn_activation(loader, depth):
    actmodel = truncate(backbone(), depth)
    acts = []
    for pics, _ in loader:
        part = actmodel(pics)
        acts.extend(part.detach().numpy())
    return np.array(acts)
''',
    # the fix: eval() before the loop
    "analyzer_fixed.py": '''import numpy as np
import torch

from models import backbone, truncate


def dnn_activation(loader, depth):
    actmodel = truncate(backbone(), depth)
    actmodel.eval()
    acts = []
    for pics, _ in loader:
        acts.extend(actmodel(pics).detach().numpy())
    return np.array(acts)
''',
    # a factory that switches to eval itself; a mode-free probe and MLP (Linear, LeakyReLU only)
    "probes.py": '''import torch

from models import linear_probe, mlp, ready_for_inference


def read_features(loader, net, depth):
    encoder = ready_for_inference(net, depth)
    return [encoder(x).detach().numpy() for x, _ in loader]


def probe_scores(features):
    probe = linear_probe(features.shape[1])
    return probe(features).detach().numpy()


def mlp_scores(features):
    head = mlp([features.shape[1], 16, 1])
    return head(features).detach().numpy()
''',
    # the read-out pass of a training step (a detached target) is no evaluation
    "train.py": '''import torch

from models import truncate


def fit(loader, net, depth, student, optimizer):
    teacher = truncate(net, depth)
    for x, _ in loader:
        target = teacher(x).detach()
        loss = (student(x) - target).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
''',
    # (issue 13, fourth audit AK) pytest functions under no_grad: a shape smoke test of the
    # factory's network measures nothing (silent); one that compares the argmax to labels does
    "test_truncated.py": '''import torch

from models import backbone, truncate


@torch.no_grad()
def test_truncated_sizes(pics):
    model = truncate(backbone(), 3).cuda()
    output = model(pics)
    for name, value in output.items():
        print(name, value.size())
    assert output["features"].shape[0] == len(pics)


@torch.no_grad()
def test_truncated_accuracy(pics, labels):
    model = truncate(backbone(), 3)
    output = model(pics)
    assert output.shape[0] == len(labels)
    assert (output.argmax(1) == labels).float().mean() > 0.5
''',
}

EXPECTED = {
    # truncate() returns a container of the children of a fresh backbone (training mode); its output
    # is read out: an inference
    ("analyzer.py", 11, "DL301"),
    # the accuracy test measures; the sizes test next to it does not
    ("test_truncated.py", 18, "DL301"),
}


def write(root: Path) -> Path:
    return write_files(root, FILES)
