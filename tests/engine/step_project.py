"""A project whose training steps and mode switches all live in other modules than the script
that loops (the layout of fartashf/vsepp: ``model.py`` holds a holder class with ``train_start``,
``val_start`` and ``train_emb``; ``evaluation.py`` encodes a validation set after ``val_start()``;
``train.py`` only loops). Written into a temporary directory by the tests; ``EXPECTED`` lists its
findings as (path, line, code)."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "setup.py": "",
    "model.py": '''import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        return self.drop(self.fc(x))


class VSE(object):
    def __init__(self, opt):
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
        loss = (img - cap).pow(2).sum()
        loss.backward()
        self.optimizer.step()
''',
    "evaluation.py": '''import torch

from model import VSE


def encode_data(model, data_loader):
    model.val_start()
    out = []
    with torch.no_grad():
        for images, captions in data_loader:
            img, cap = model.forward_emb(images, captions)
            out.append(img)
    return out


def evalrank(opt, loader):
    model = VSE(opt)
    return encode_data(model, loader)
''',
    # train_start() once before the step loop; validate() -> encode_data() -> val_start() inside
    "train.py": '''import torch

from evaluation import encode_data
from model import VSE


def main(opt, train_loader, val_loader):
    model = VSE(opt)
    for epoch in range(opt.num_epochs):
        train(opt, train_loader, model, val_loader)
        validate(val_loader, model)


def train(opt, train_loader, model, val_loader):
    model.train_start()
    for i, train_data in enumerate(train_loader):
        model.train_emb(*train_data)
        if i % opt.val_step == 0:
            validate(val_loader, model)


def validate(val_loader, model):
    return len(encode_data(model, val_loader))
''',
    # the fix of fartashf/vsepp#4: train_start() opens every iteration
    "train_fixed.py": '''import torch

from evaluation import encode_data
from model import VSE


def main(opt, train_loader, val_loader):
    model = VSE(opt)
    for epoch in range(opt.num_epochs):
        train(opt, train_loader, model, val_loader)


def train(opt, train_loader, model, val_loader):
    for i, train_data in enumerate(train_loader):
        model.train_start()
        model.train_emb(*train_data)
        if i % opt.val_step == 0:
            encode_data(model, val_loader)
''',
    # the validation helper restores training mode itself
    "train_restore.py": '''import torch

from evaluation import encode_data
from model import VSE


def main(opt, train_loader, val_loader):
    model = VSE(opt)
    train(opt, train_loader, model, val_loader)


def train(opt, train_loader, model, val_loader):
    model.train_start()
    for i, train_data in enumerate(train_loader):
        model.train_emb(*train_data)
        if i % opt.val_step == 0:
            validate(val_loader, model)


def validate(val_loader, model):
    embs = encode_data(model, val_loader)
    model.train_start()
    return len(embs)
''',
    # plain functions of another module: a step that never sets train mode, an evaluation that
    # switches to eval; and the twin whose step sets train mode first
    "steps.py": '''import torch


def train_step(model, optimizer, batch):
    x, y = batch
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()


def train_step_safe(model, optimizer, batch):
    model.train()
    train_step(model, optimizer, batch)


def evaluate(model, loader):
    model.eval()
    with torch.no_grad():
        return sum(float(model(x).argmax(1).eq(y).sum()) for x, y in loader)
''',
    "run_steps.py": '''import torch
import torch.nn as nn

from steps import evaluate, train_step, train_step_safe


def fit(loader, val_loader, epochs):
    model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(epochs):
        for batch in loader:
            train_step(model, optimizer, batch)
        evaluate(model, val_loader)


def fit_safe(loader, val_loader, epochs):
    model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(epochs):
        for batch in loader:
            train_step_safe(model, optimizer, batch)
        evaluate(model, val_loader)
''',
}

EXPECTED = {
    # validate() (this file) -> encode_data() (evaluation.py) -> model.val_start() (model.py), and
    # model.train_emb() (model.py) goes on training both encoders in eval mode
    ("train.py", 19, "DL302"),
    # evaluate() (steps.py) switches to eval; train_step() (steps.py) trains the next epoch in it
    ("run_steps.py", 13, "DL302"),
}


def write(root: Path) -> Path:
    return write_files(root, FILES)
