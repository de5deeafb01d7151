"""A project whose ordered data is only seen across modules (DL403): a helper splits its argument
by a shuffled boolean mask, and only its caller, which imports it through a package's star
re-export (``from util import *``; maxim5/time-series-machine-learning's layout), shows that the
rows are overlapping windows of a series; and a sliding-window ``Dataset`` of one module split by
``random_split`` in another (PxA-Labs/Project-RIPRA's); a method that splits with a config's
``**params`` (sklearn's default shuffle) and whose caller, a method of another module, reads the
last row's date of the frame it passes (freqtrade's FreqAI layout). Beside each, a twin that must
stay silent: a helper whose caller passes images, a dataset of single frames, a method whose caller
passes customers with no time order. And a reader that splits each activity's readings and returns
the parts, which its caller cuts into overlapping windows with a helper of a third module
(saif-mahmud/self-attention-HAR's Skoda reader), beside a split of images whose parts are not. Written into a temporary
directory by the tests; ``EXPECTED`` lists its findings as (path, line, code)."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "setup.py": "",
    "util/__init__.py": "from .data_util import to_windows, split_dataset, split_rows\n",
    "util/data_util.py": '''import numpy as np
import pandas as pd


def to_windows(values, k):
    x = np.empty([len(values) - k, k])
    for i in range(len(values) - k):
        x[i] = values[i:i + k]
    return x


def split_dataset(x, ratio=0.8):
    mask = np.zeros(len(x), dtype=np.bool_)
    mask[:int(len(x) * ratio)] = True
    np.random.shuffle(mask)
    train = x[mask]
    mask = np.invert(mask)
    test = x[mask]
    return train, test


def split_rows(x, ratio=0.8):
    mask = np.zeros(len(x), dtype=bool)
    mask[:int(len(x) * ratio)] = True
    np.random.shuffle(mask)
    return x[mask], x[~mask]
''',
    "train/run.py": '''import numpy as np
import pandas as pd
from util import *


def run(path):
    windows = to_windows(pd.read_csv(path)["close"].values, 16)
    train, test = split_dataset(windows)
    images = np.load("images.npy")
    a, b = split_rows(images)
    return train, test, a, b
''',
    "data/__init__.py": "",
    "data/sequences.py": '''import numpy as np
from torch.utils.data import Dataset


class SequenceWindows(Dataset):
    def __init__(self, path, lookback=10):
        frames = np.load(path)
        self.samples = [(frames[t - lookback:t], frames[t]) for t in range(lookback, len(frames))]

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, idx):
        return self.samples[idx]


class Frames(Dataset):
    def __init__(self, path):
        self.frames = np.load(path)

    def __len__(self):
        return len(self.frames)

    def __getitem__(self, idx):
        return self.frames[idx]
''',
    "evaluate.py": '''import torch
from torch.utils.data import random_split

from data.sequences import Frames, SequenceWindows

full = SequenceWindows("frames.npy")
_, test_set = random_split(full, [0.9, 0.1])
frames = Frames("frames.npy")
train_frames, test_frames = random_split(frames, [0.9, 0.1])
''',
    "kitchen/__init__.py": "",
    "kitchen/data_kitchen.py": '''from sklearn.model_selection import train_test_split


class DataKitchen:
    def __init__(self, config):
        self.config = config

    def make_train_test(self, frame, labels):
        return train_test_split(frame, labels, **self.config["split"])

    def make_holdout(self, frame, labels):
        return train_test_split(frame, labels, **self.config["holdout"])
''',
    "har/__init__.py": "",
    "har/reader.py": '''from sklearn.model_selection import train_test_split


def split(data):
    X, y = data[:, 1:], data[:, 0]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.1)
    return X_train, y_train, X_test, y_test


def split_images(images):
    return train_test_split(images, test_size=0.1)
''',
    "har/windows.py": '''import numpy as np


def segment_all(x, k):
    out = np.zeros((len(x), k, x.shape[1]))
    for i in range(len(x) - k):
        end = i + k
        out[i] = x[i:end]
    return out


def segment_data(x_train, x_test, k):
    return segment_all(x_train, k), segment_all(x_test, k)
''',
    "har/loader.py": '''import numpy as np

from .reader import split, split_images
from .windows import segment_data


def load(path):
    x_train, y_train, x_test, y_test = split(np.load(path))
    (train_w, test_w) = segment_data(x_train, x_test, 20)
    a, b = split_images(np.load("images.npy"))
    return train_w, test_w, a, b
''',
    "models/__init__.py": "",
    "models/base.py": '''from kitchen.data_kitchen import DataKitchen


class BaseModel:
    def train(self, unfiltered_df, dk: DataKitchen):
        features = unfiltered_df.filter(["a", "b"])
        labels = unfiltered_df["y"]
        end_date = unfiltered_df["date"].iloc[-1]
        print("training up to", end_date)
        return dk.make_train_test(features, labels)

    def holdout(self, customers, dk: DataKitchen):
        return dk.make_holdout(customers.filter(["a", "b"]), customers["y"])
''',
}

EXPECTED = {
    ("util/data_util.py", 16, "DL403"),
    ("evaluate.py", 7, "DL403"),
    ("kitchen/data_kitchen.py", 9, "DL403"),
    ("har/reader.py", 6, "DL403"),
}


def write(root: Path) -> Path:
    return write_files(root, FILES)
