"""Rank facts that real training code spreads over a class and a data pipeline: a pandas column
turned into an array, scikit-learn's ``train_test_split``, ``torch.tensor``/``torch.from_numpy`` of
an array, a data set class that keeps its constructor's arguments, an attribute bound once in a
class (known in every method), and an attribute of an object of another project class."""
from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
import pytest

from dllint.analysis.project import PROJECT
from dllint.analysis.shapes import Shapes
from dllint.context import FileContext

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_findings, write_files  # noqa: E402

HEADER = ("import numpy as np\nimport pandas as pd\nimport torch\nimport torch.nn as nn\n"
          "from sklearn.model_selection import train_test_split\n"
          "from torch.utils.data import DataLoader, Dataset\n")


def _dims(source: str):
    """The dims of the last expression statement of ``source`` (None: unknown)."""
    source = HEADER + source
    ctx = FileContext("x.py", source, cst.parse_module(source))
    shape = ctx.analysis(Shapes).shape_of(ctx.index.of_type(cst.Expr)[-1].value)
    return None if shape is None else shape.dims


# -- pandas columns ------------------------------------------------------------------------------
@pytest.mark.parametrize("source, dims", [
    ("df = pd.read_csv('a.csv')\ndf['y'].values\n", (None,)),
    ("df = pd.read_csv('a.csv')\ndf['y'].to_numpy()\n", (None,)),
    ("df = pd.read_csv('a.csv').dropna()\ndf['y'].values\n", (None,)),
    ("df = pd.DataFrame({'a': [1, 2]})\ndf.drop('a', axis=1, inplace=True)\ndf['y'].values\n", (None,)),
    # two levels of labels: df['y'] is a frame
    ("df = pd.read_csv('a.csv', header=[0, 1])\ndf['y'].values\n", None),
    # several columns, a column of an unknown object, an in-place drop that returns None
    ("df = pd.read_csv('a.csv')\ndf[['x', 'y']].values\n", None),
    ("def f(df):\n    df['y'].values\n", None),
    ("df = pd.read_csv('a.csv').drop('x', inplace=True)\ndf['y'].values\n", None),
    ("df = pd.read_csv('a.csv')\ndf = df.groupby('k')\ndf['y'].values\n", None),
    ("df = pd.read_csv('a.csv')\ndf\n", None),  # a frame is not a shape
])
def test_a_column_of_a_frame_is_a_vector(source, dims):
    assert _dims(source) == dims


# -- train_test_split and conversions --------------------------------------------------------------
@pytest.mark.parametrize("source, dims", [
    ("X = np.zeros((100, 8))\ny = np.zeros(100)\nXa, Xb, ya, yb = train_test_split(X, y)\nya\n", (None,)),
    ("X = np.zeros((100, 8))\ny = np.zeros(100)\nXa, Xb, ya, yb = train_test_split(X, y)\nXb\n",
     (None, 8)),
    ("y = np.zeros(100).reshape(-1, 1)\na, b = train_test_split(y, test_size=0.2)\nb\n", (None, 1)),
    # the targets do not pair with the arrays, or an array's rank is unknown
    ("y = np.zeros(100)\na, b, c, d = train_test_split(y)\na\n", None),
    ("def f(X):\n    y = np.zeros(100)\n    Xa, Xb, ya, yb = train_test_split(X, y)\n    Xa\n", None),
    ("y = np.zeros(100)\nt = torch.from_numpy(y)\nt\n", (100,)),
    ("y = np.zeros(100)\ntorch.tensor(y, dtype=torch.float32)\n", (100,)),
    ("n = 3\ntorch.FloatTensor(n)\n", None),  # a size, not an array
])
def test_splits_and_conversions_keep_ranks(source, dims):
    assert _dims(source) == dims


# -- a data set class keeps its constructor's arguments ----------------------------------------------
_ROWS = ("class Rows(Dataset):\n"
         "    def __init__(self, x, y):\n"
         "        self.x = x\n"
         "        self.y = {y}\n"
         "    def __len__(self):\n"
         "        return len(self.x)\n"
         "    def __getitem__(self, i):\n"
         "        return self.x[i], self.y[i]\n")


@pytest.mark.parametrize("y, call, dims", [
    ("y", "Rows(X, t)", 1),
    ("y", "Rows(X, y=t)", 1),
    ("y.reshape(-1, 1)", "Rows(X, t)", 2),
    ("y", "Rows(X, t.reshape(-1, 1))", 2),
    ("y", "Rows(X, u)", None),  # an argument of unknown rank
])
def test_a_data_set_keeps_its_arguments(y, call, dims):
    source = (_ROWS.format(y=y) + "X = np.zeros((64, 3))\nt = np.zeros(64)\n"
              "def f(u):\n"
              f"    for xb, yb in DataLoader({call}, batch_size=8):\n"
              "        yb\n")
    found = _dims(source)
    assert (None if found is None else len(found)) == dims


# -- attributes bound once in a class --------------------------------------------------------------
_FIT = ("class Fit:\n"
        "    def __init__(self, n):\n"
        "        self.y = torch.randn(n)\n"
        "{more}"
        "    def loss(self):\n"
        "        self.y\n")


@pytest.mark.parametrize("more, after, dims", [
    ("", "", (None,)),
    ("    def col(self):\n        self.y = self.y.view(-1, 1)\n", "", None),  # bound twice
    ("", "fit = Fit(3)\nfit.y = torch.randn(3, 1)\n", None),  # bound from outside
    ("", "class Col(Fit):\n    def __init__(self):\n        self.y = torch.ones(3, 1)\n", None),
    ("", "setattr(Fit(3), 'y', None)\n", None),
    ("    def col(self):\n        self.y.unsqueeze_(1)\n", "", None),  # reshaped in place
    ("    def col(self):\n        self.y.shape = (-1, 1)\n", "", None),
])
def test_an_attribute_bound_once_is_known_in_every_method(more, after, dims):
    source = _FIT.format(more=more) + after
    source = HEADER + source
    ctx = FileContext("x.py", source, cst.parse_module(source))
    read = [a for a in ctx.index.of_type(cst.Attribute)
            if ctx.code_for(a) == "self.y" and isinstance(ctx.index.parent(a), cst.Expr)][-1]
    shape = ctx.analysis(Shapes).shape_of(read)
    assert (None if shape is None else shape.dims) == dims


def test_not_in_a_static_method_nor_under_an_unknown_base():
    assert _dims("class Fit:\n    def __init__(self, n):\n        self.y = torch.randn(n)\n"
                 "    @staticmethod\n    def loss(self):\n        self.y\n") is None
    assert _dims("from lib import Base\n"
                 "class Fit(Base):\n    def __init__(self, n):\n        self.y = torch.randn(n)\n"
                 "    def loss(self):\n        self.y\n") is None


# -- a multi-file project: the labels are read in another module's class ---------------------------
PROJECT_FILES = {
    ".git/HEAD": "ref: refs/heads/main\n",
    "src/__init__.py": "from .prep import Preprocessing\nfrom .model import Classifier\n",
    "src/prep.py": '''import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split


class Preprocessing:
    def __init__(self, path):
        self.path = path

    def load(self):
        df = pd.read_csv(self.path)
        X = df.drop("label", axis=1).values
        Y = df[{column!r}].values{shape}
        self.x_train, self.x_test, self.y_train, self.y_test = train_test_split(X, Y)
''',
    "src/model.py": '''import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, h):
        super().__init__()
        self.fc = nn.Linear(h, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc(x))
''',
    "main.py": '''import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

from src import Classifier, Preprocessing


class Mapper(Dataset):
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return self.x[idx], self.y[idx]


class Execute:
    def __init__(self, path):
        self.prep = Preprocessing(path)
        self.prep.load()
        self.y_train = self.prep.y_train
        self.model = Classifier(16)

    def train(self):
        self.loader = DataLoader(Mapper(self.prep.x_train, self.y_train), batch_size=64)
        for xb, yb in self.loader:
            y = yb.type(torch.FloatTensor)
            loss = F.mse_loss(self.model(xb.float()), y)
            loss.backward()
''',
}


@pytest.mark.parametrize("shape, expected", [("", {("main.py", 31, "DL201")}),
                                             (".reshape(-1, 1)", set())])
def test_an_attribute_of_another_modules_class(tmp_path, monkeypatch, capsys, shape, expected):
    files = dict(PROJECT_FILES)
    files["src/prep.py"] = files["src/prep.py"].format(column="label", shape=shape)
    write_files(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    assert lint_findings(capsys, "DL201", "--no-cache", ".") == expected
    PROJECT.clear()
    assert lint_findings(capsys, "DL201", "--no-cache", "main.py") == expected


def test_an_attribute_built_from_one_bound_further_down():
    # self.loader reads self.t, bound by a method written after the one that binds self.loader
    source = (_ROWS.format(y="y") + "class Run:\n"
              "    def make(self):\n"
              "        self.loader = DataLoader(Rows(np.zeros((64, 3)), self.t), batch_size=8)\n"
              "    def __init__(self):\n"
              "        self.t = np.zeros(64)\n"
              "    def train(self):\n"
              "        for xb, yb in self.loader:\n"
              "            yb\n")
    assert _dims(source) is not None and len(_dims(source)) == 1
