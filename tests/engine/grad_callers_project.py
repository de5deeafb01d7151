"""A project whose decoding helpers read ``.data`` (DL102) and are called from other modules: the
callers decide whether a graph exists there. ``decoding.py`` holds the helpers, ``generate.py``
runs some of them under ``torch.no_grad()`` (through ``from decoding import *``, as henryhungle/MTN
does: the fifth audit's cause AW), ``train.py`` calls one with gradients on, ``serve.py`` runs a
method under ``inference_mode``, builds the classes whose constructors read ``.data`` (one of them
with gradients on too) and passes a helper around as a value. Written into a temporary
directory by the tests; ``EXPECTED`` lists its findings as (path, line, code)."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "setup.py": "",
    "decoding.py": '''import torch


def greedy_step(model, x):
    logp = torch.log_softmax(model(x), dim=-1)
    return logp.cpu().data.numpy()


def beam_step(model, x):
    logp = torch.log_softmax(model(x), dim=-1)
    return logp.data.topk(3)


def sample_step(model, x):
    probs = torch.softmax(model(x), dim=-1)
    return probs.data.multinomial(1)


def unused_step(model, x):
    return model(x).data.argmax(-1)


def scored_step(model, x):
    return model(x).data.max(-1)


def relayed_step(model, x):
    return model(x).data.argmin(-1)


class Decoder:
    def __init__(self, model):
        self.model = model

    def decode(self, x):
        return self.model(x).data.argmax(-1)

    def decode_train(self, x):
        return self.model(x).data.argmax(-1)


class Quantizer:
    def __init__(self, layer):
        self.W = layer.weight.data.clone()


class Probe:
    def __init__(self, layer):
        self.W = layer.weight.data.clone()
''',
    "generate.py": '''import torch
from torch import nn

from decoding import *

model = nn.Linear(4, 3)
model.eval()
with torch.no_grad():
    for _ in range(3):
        print(greedy_step(model, torch.rand(1, 4)))
        print(beam_step(model, torch.rand(1, 4)))
        print(sample_step(model, torch.rand(1, 4)))


def relay(model, x):
    return relayed_step(model, x)
''',
    "train.py": '''import torch
from torch import nn

import decoding
from generate import relay

model = nn.Linear(4, 3)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in loader:
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(decoding.beam_step(model, x))
with torch.no_grad():
    print(relay(model, x))
''',
    "serve.py": '''import torch

from decoding import Decoder, Probe, Quantizer, scored_step


@torch.inference_mode()
def serve(model, batches):
    decoder = Decoder(model)
    return [decoder.decode(x) for x in batches]


def train_decode(model, batches):
    decoder = Decoder(model)
    return [decoder.decode_train(x) for x in batches]


def hooks():
    return {"score": scored_step}


@torch.inference_mode()
def quantize(model):
    return Quantizer(model), Probe(model)


def probe_train(model):
    return Probe(model)
''',
}

EXPECTED = {
    # called with gradients on in train.py's training loop (and under no_grad in generate.py)
    ("decoding.py", 11, "DL102"),
    # no caller anywhere: nothing says how it runs
    ("decoding.py", 20, "DL102"),
    # passed around as a value in serve.py: called where no call shows it
    ("decoding.py", 24, "DL102"),
    # called in serve.py outside any no-grad region
    ("decoding.py", 39, "DL102"),
    # a constructor: one of its constructions in serve.py runs with gradients on (Quantizer's,
    # line 44, are all under inference_mode: the thirteenth audit's cause DJ)
    ("decoding.py", 49, "DL102"),
}


def write(root: Path) -> Path:
    return write_files(root, FILES)
