"""A small project for the data-hygiene rules (DL401, DL402), split the way real ones are: data
loading and preprocessing, the model, the evaluation and the training scripts in separate modules
(a ``src/`` layout, absolute and relative imports, scripts at the root). Written into a temporary
directory by the tests; ``EXPECTED`` lists its findings as (path, line, code)."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "pyproject.toml": """[project]
name = "datalib"
""",
    "src/datalib/__init__.py": "",
    "src/datalib/preprocessing.py": '''import numpy as np


def standardize(features):
    mean = features.mean(axis=0)
    return (features - mean) / features.std(axis=0)


def column_stats(features):
    return features.mean(axis=0), features.std(axis=0)


def encode(frame):
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder
    pipeline = ColumnTransformer([("cat", OneHotEncoder(), ["city"])], remainder="passthrough")
    encoded = pipeline.fit_transform(frame.copy())
    return encoded, pipeline


def tabular(frame):
    data, pipeline = encode(frame.drop(columns=["id"]))
    return data, pipeline
''',
    "src/datalib/data.py": '''import numpy as np
from sklearn.preprocessing import MinMaxScaler
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets


def get_loader(split, batch_size=64):
    if split == "train":
        dataset = datasets.ImageFolder("data/train")
    elif split == "val":
        dataset = datasets.ImageFolder("data/val")
    else:
        dataset = datasets.ImageFolder("data/test")
    return DataLoader(dataset, batch_size=batch_size, shuffle=split == "train")


def make_loaders(root):
    train = datasets.CIFAR10(root, train=True)
    test = datasets.CIFAR10(root, train=False)
    return DataLoader(train, shuffle=True), DataLoader(test)


class SeriesDataset(Dataset):
    def __init__(self, path, flag, train_ratio=0.8):
        data = np.load(path)
        data = MinMaxScaler().fit_transform(data)
        n_train = int(len(data) * train_ratio)
        if flag == "train":
            self.train_data = data[0:n_train]
        else:
            self.test_data = data[n_train:len(data)]
''',
    "src/datalib/models.py": '''import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        return self.fc(x.flatten(1))
''',
    "src/datalib/evaluation.py": '''import torch


def accuracy(model, loader):
    correct = total = 0
    for x, y in loader:
        correct += (model(x).argmax(1) == y).sum().item()
        total += y.size(0)
    return correct / total
''',
    "train.py": '''import torch

from datalib.data import get_loader
from datalib.evaluation import accuracy
from datalib.models import Net

model = Net()
train_loader = get_loader("train")
eval_loader = get_loader("test")
best = 0.0
for epoch in range(10):
    train_epoch(model, train_loader)
    acc = accuracy(model, eval_loader)
    if acc > best:
        best = acc
        torch.save(model.state_dict(), "best.pt")
''',
    "train_tuple.py": '''import torch
from datalib import data
from datalib.evaluation import accuracy

train_loader, val_loader = data.make_loaders("cifar")
best = 0.0
for epoch in range(10):
    train_epoch(model, train_loader)
    if accuracy(model, val_loader) > best:
        torch.save(model.state_dict(), "best.pt")
''',
    "train_val.py": '''import torch

from datalib.data import get_loader
from datalib.evaluation import accuracy

test_loader = get_loader("val")
best = 0.0
for epoch in range(10):
    acc = accuracy(model, test_loader)
    if acc > best:
        best = acc
        torch.save(model.state_dict(), "best.pt")
''',
    "prepare.py": '''import numpy as np
from sklearn.model_selection import train_test_split

from datalib.preprocessing import column_stats, standardize

X = standardize(np.load("x.npy"))
X_train, X_test = train_test_split(X, test_size=0.2)
''',
    "prepare_ok.py": '''import numpy as np
from sklearn.model_selection import train_test_split

from datalib.preprocessing import column_stats, standardize

X = np.load("x.npy")
X_train, X_test = train_test_split(X, test_size=0.2)
X_train = standardize(X_train)
mean, std = column_stats(X_train)
X_test = (X_test - mean) / std
''',
    "prepare_tabular.py": '''import pandas as pd
from sklearn.model_selection import train_test_split

from datalib.preprocessing import tabular

frame = pd.read_csv("houses.csv")
data, pipeline = tabular(frame.drop(columns=["price"]))
X_train, X_test, y_train, y_test = train_test_split(data, frame["price"])
''',
    "prepare_tabular_ok.py": '''import pandas as pd
from sklearn.model_selection import train_test_split

from datalib.preprocessing import tabular

frame = pd.read_csv("houses.csv")
train_frame, test_frame = train_test_split(frame)
X_train, pipeline = tabular(train_frame.drop(columns=["price"]))
X_test = pipeline.transform(test_frame.drop(columns=["price"]))
''',
    # A ``--test`` switch declared with the environment's helpers, read by them to pick a render
    # mode, and by the script that trains in that environment (no test data anywhere).
    "src/datalib/env.py": '''import argparse

import gymnasium as gym


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--render", action="store_true")
    parser.add_argument("--test", action="store_true", help="replay a saved policy")
    return parser.parse_args()


def make_env(args):
    return gym.make("CartPole-v1", render_mode="human" if (args.render or args.test) else None)


def make_recorder(args, name):
    return Recorder(name, enabled=args.test)
''',
    "cartpole.py": '''import numpy as np

from datalib.env import make_env, make_recorder, parse_args

args = parse_args()
env = make_env(args)
recorder = make_recorder(args, "train")
scores = []
for episode in range(500):
    state, _ = env.reset()
    done, score = False, 0
    while not done:
        state, reward, terminated, truncated, _ = env.step(agent.act(state, explore=not args.test))
        recorder.add(reward)
        done = terminated or truncated
        score += reward
    scores.append(score)
    if np.mean(scores[-10:]) > 490:
        break
''',
}

EXPECTED = {
    ("src/datalib/data.py", 26, "DL401"),  # the whole series scaled, then cut by ranges
    ("train.py", 14, "DL402"),  # get_loader("test") (another file) picks the checkpoint
    ("train_tuple.py", 9, "DL402"),  # the second loader make_loaders() returns is the test set
    ("prepare.py", 6, "DL401"),  # standardize() (another file) fits on the whole data
    # tabular() (another file) fits a ColumnTransformer through encode(): summaries compose
    ("prepare_tabular.py", 7, "DL401"),
    # the same two leaks told in the helpers' module, at the fits: their callers in other modules
    # (prepare.py, prepare_tabular.py) pass whole data and split afterwards
    ("src/datalib/preprocessing.py", 5, "DL401"),
    ("src/datalib/preprocessing.py", 22, "DL401"),
}


def write(root: Path) -> Path:
    return write_files(root, FILES)
