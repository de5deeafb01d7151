"""DL201 ambiguous broadcast: an element-wise operation or a regression loss whose operands' known
ranks make broadcasting align dimensions that were not meant to meet.

Broadcasting right-aligns shapes and pads the shorter one with singleton dimensions on the left.
A vector of shape ``(n,)`` against a column of shape ``(n, 1)`` therefore becomes an ``(n, n)``
matrix, and ``x / x.sum(1)`` on an ``(a, b)`` matrix divides column ``j`` by the sum of row ``j``:
wrong numbers without an error whenever the sizes happen to fit (always, for a square matrix).

Only operands whose ranks the shape analysis knows (``dllint.analysis.shapes``) are judged (a
model's output is known from its definition: ``nn.Linear(h, 1)``, a convolution head
``nn.Conv2d(c, 1, 1)`` in a ``forward``, a class whose ``forward`` returns a known rank; a loader's
batches from its data set: ``TensorDataset(X, y)``, a data set class whose ``__getitem__`` returns
``float(label)``, arrays of numbers (``np.array([float(v) for v in row])``) or keeps the arrays its
constructor is given; a target
from a pandas column ``df["y"].values`` split by ``train_test_split``; an attribute bound once in a
class, read in another method); a parameter or anything else of unknown rank keeps the rule silent. Which operands meet and how their shapes misalign are the facts of
``dllint.analysis.broadcasts``. It reports:

* a reduction without ``keepdim`` over a non-leading dimension, broadcast back against its source
  (``x / x.sum(1)``; over dimension 0 the result aligns correctly and is left alone);
* a vector ``(n,)`` against a column ``(n, 1)``, or more generally a lower-rank operand whose size
  is known to equal a dimension of the other operand that it is *not* aligned with;
* inside a loss (``F.mse_loss(pred, y)``, ``criterion(pred, y)`` with ``criterion = nn.MSELoss()``,
  ``((pred - y) ** 2).mean()``) a vector against a column even when their sizes are not known:
  input and target are meant to pair element by element.

Where the line is drawn (what a careful reader of the code would say):

* A column made by explicit new-axis indexing (``b[:, None]``, ``b[:, np.newaxis]``,
  ``b.unsqueeze(1)``, ``np.expand_dims(b, 1)``), written at the operation or in the definition of
  the operand that reaches it (every definition, if several), is an outer product the author asked
  for: ``np.arange(3) + np.arange(3)[:, np.newaxis]`` builds a table on purpose. Silent. So is a
  column whose every size is spelt out as a literal (``np.arange(3).reshape((3, 1))``), and a
  reshape to a trailing unit axis written inside the operation itself (``i < (i + 1).view(n, 1)``,
  the causal mask; ``x.reshape(-1, 1) * y``); one that leaves a size to the data and is made where
  the operand is defined (``c = y.reshape(-1, 1)``, then ``c - y``) is not.
* Not so inside a loss call (``F.mse_loss``, ``criterion`` bound to ``nn.MSELoss()``): a loss pairs
  input and target element by element, so ``criterion(pred.unsqueeze(1), y)`` against a vector
  target is still the bug, however the column was made.
* In a hand-written loss (``((a - b) ** 2).mean()``) an explicit new axis at the operation itself
  (``((x[:, None] - x) ** 2).mean()``, a mean pairwise distance) is taken as meant; one made only in
  the operand's definition (``y = y[:, None]`` far above, then ``((pred - y) ** 2).mean()``) is not:
  it is the usual attempt to match a shape the author believed the other side had.
* A column that is one for another reason (``nn.Linear(h, 1)``'s output, ``y.view(-1, 1)``,
  ``torch.ones(n, 1)``) meeting a vector is reported.
* Sizes known to clash where broadcasting aligns them (``(3, 2)`` with ``(3,)``: 3 against 2) make
  the operation raise: the mistake is loud, and the rule stays silent.
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.broadcasts import Misaligned, ReducedBack, misalignment, operand_pairs
from dllint.analysis.calls import code_text
from dllint.analysis.shapes import Shape, Shapes, opaque_names, render_dims, same_dim
from dllint.context import FileContext
from dllint.diagnostics import Fix
from dllint.rule import Invalid, Rule


class AmbiguousBroadcast(Rule):
    """Element-wise operations and losses whose operands' known ranks make broadcasting align
    dimensions that were not meant to meet: ``(n,)`` with ``(n, 1)``, ``x / x.sum(1)``."""

    code = "DL201"
    name = "ambiguous-broadcast"
    summary = ("Broadcasting aligns dimensions that were not meant to meet: (n,) with (n, 1), or a "
               "reduction without keepdim divided back into its source.")
    severity = "warning"
    fixable = "safe"

    VALID = [
        # Attention: a (batch, regions, k) key plus a (batch, 1, k) query. The key's input rank is
        # not known, so nothing says the two batches pair with a 1.
        "import torch\nimport torch.nn as nn\n"
        "class Attention(nn.Module):\n"
        "    def __init__(self, d, k):\n"
        "        super().__init__()\n"
        "        self.ff_image = nn.Linear(d, k)\n"
        "        self.ff_ques = nn.Linear(d, k)\n"
        "    def forward(self, image, question):\n"
        "        key = self.ff_image(image)\n"
        "        query = self.ff_ques(question).unsqueeze(dim=1)\n"
        "        return torch.tanh(key + query)\n",
        # The tuple-returning model, its output squeezed on the named dimension.
        "import torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.head = nn.Linear(32, 1)\n"
        "    def forward(self, x):\n"
        "        return self.head(x), x\n"
        "model = Net()\n"
        "def train(x, y):\n"
        "    pred, feats = model(x)\n"
        "    return F.mse_loss(pred.squeeze(1), y.view(-1))\n",
        # The wrapper built with as many features as classes: no broadcast against a flat target.
        "import torch.nn as nn\n"
        "class Linear(nn.Module):\n"
        "    def __init__(self, in_features, out_features):\n"
        "        super().__init__()\n"
        "        self.linear = nn.Linear(in_features, out_features)\n"
        "    def forward(self, x):\n"
        "        return self.linear(x)\n"
        "head = Linear(64, n_classes)\n"
        "loss = nn.CrossEntropyLoss()(head(h), y.flatten())\n",
        # Loss modules moved to the device, fed equal shapes; a class-index loss is not element-wise.
        "import torch\n"
        "from torch import nn\n"
        "class Regressor(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(8, 1)\n"
        "    def forward(self, x):\n"
        "        return self.fc(x)\n"
        "X = torch.randn(64, 8)\n"
        "y = torch.randn(64)\n"
        "model = Regressor().cuda()\n"
        "criterion = nn.MSELoss().cuda()\n"
        "l1 = nn.L1Loss().to('cuda')\n"
        "loss = criterion(model(X).squeeze(1), y) + l1(model(X), y.view(-1, 1))\n"
        "ce = nn.CrossEntropyLoss().cuda()\n"
        "loss2 = ce(model(X), y.long())\n",
        # Over dim 0 the reduced vector aligns with the last dim of a 2-D source: correct.
        "import torch\n"
        "def center(x):\n"
        "    assert x.dim() == 2\n"
        "    return x - x.mean(0)\n",
        # keepdim keeps the reduced dimension as a singleton.
        "import torch\n"
        "def normalize(x):\n"
        "    b, c = x.shape\n"
        "    return x / x.sum(1, keepdim=True)\n",
        # Explicit None indexing: the outer difference is what the author wrote.
        "import torch\n"
        "x = torch.randn(32)\n"
        "dist = (x[:, None] - x[None, :]).abs()\n"
        "diff = x[:, None] - x\n",
        # A (d,) bias added to (n, d) rows.
        "import torch\n"
        "n, d = 8, 4\n"
        "w = torch.randn(n, d)\n"
        "bias = torch.zeros(d)\n"
        "out = w + bias\n"
        "scaled = w * torch.ones(d)\n",
        # Scalars: Python numbers, .item(), 0-d tensors.
        "import torch\n"
        "x = torch.randn(16, 1)\n"
        "y = x * 2.0 + x.sum().item() - torch.tensor(3.0)\n"
        "z = x / x.sum()\n",
        # A model whose definition is not visible (loaded, built by a factory): its output has
        # an unknown rank, no guess.
        "import torch\n"
        "import torch.nn.functional as F\n"
        "model = torch.load('model.pt')\n"
        "x = torch.randn(64, 3)\n"
        "y = torch.randn(64)\n"
        "pred = model(x)\n"
        "loss = F.mse_loss(pred, y)\n"
        "err = ((pred - y) ** 2).mean()\n",
        # Same shapes after an explicit reshape.
        "import torch\n"
        "import torch.nn.functional as F\n"
        "def step(model, x, n):\n"
        "    y = torch.randn(n)\n"
        "    pred = model(x).view(-1)\n"
        "    return F.mse_loss(pred, y)\n",
        # Positional encoding: an intended outer product of two different lengths.
        "import math, torch\n"
        "def encoding(max_len, d_model):\n"
        "    position = torch.arange(max_len).unsqueeze(1)\n"
        "    div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))\n"
        "    return torch.sin(position * div_term)\n",
        # Re-assignment kills the fact: y is no longer the (n,) vector.
        "import torch\n"
        "import torch.nn.functional as F\n"
        "def fit(model, data):\n"
        "    y = torch.randn(len(data))\n"
        "    pred = torch.randn(len(data), 1)\n"
        "    y = y.unsqueeze(1)\n"
        "    return F.mse_loss(pred, y) + ((pred - y) ** 2).mean()\n",
        # Reduction of a 1-D tensor is a scalar.
        "import torch\n"
        "s = torch.rand(10)\n"
        "p = s / s.sum(-1)\n"
        "q = s - s.max(0)[0]\n",
        # Row softmax written with keepdim, in a class.
        "import torch\n"
        "class Attn(torch.nn.Module):\n"
        "    def forward(self, q, k):\n"
        "        b, t, d = q.shape\n"
        "        scores = q @ k.transpose(1, 2)\n"
        "        e = scores.exp()\n"
        "        return e / e.sum(-1, keepdim=True)\n",
        # Sizes that are not known to meet: (n, 1) against an unrelated (m,) is an outer product.
        "import torch\n"
        "a = torch.randn(5, 1)\n"
        "b = torch.randn(7)\n"
        "grid = a + b\n",
        # Only one branch makes the column: after the join the rank is unknown.
        "import torch\n"
        "def g(flag, n):\n"
        "    y = torch.randn(n)\n"
        "    if flag:\n"
        "        y = y.unsqueeze(1)\n"
        "    else:\n"
        "        y = y.view(2, -1, 1)\n"
        "    return y * torch.randn(n)\n",
        # The reduced dimension put back by hand, and reductions that are divided by a size.
        "import torch\n"
        "def unit_rows(x):\n"
        "    n, d = x.shape\n"
        "    u = x / x.norm(dim=1)[:, None]\n"
        "    m = x.sum(1) / x.size(1)\n"
        "    row = torch.ones(1, d)\n"
        "    return u, m, row / row.sum(1)\n",
        # A global that is re-bound may hold anything when the function runs.
        "import torch\n"
        "y = torch.randn(200)\n"
        "def loss_fn(pred):\n"
        "    return ((pred - y) ** 2).mean()\n"
        "y = y.view(-1, 1)\n"
        "print(loss_fn(torch.randn(200, 1)))\n",
        # A (B, 1) output against a (B, 1) target: same shapes.
        "import torch\n"
        "from torch import nn\n"
        "model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))\n"
        "criterion = nn.MSELoss()\n"
        "for x, y in loader:\n"
        "    loss = criterion(model(x), y.view(-1, 1))\n",
        # The (B, 1) output squeezed, against a (B,) target.
        "import torch\n"
        "import torch.nn.functional as F\n"
        "class Head(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = torch.nn.Linear(32, 1)\n"
        "    def forward(self, x):\n"
        "        return self.fc(x)\n"
        "head = Head()\n"
        "def step(x, y):\n"
        "    return F.mse_loss(head(x).squeeze(-1), y.view(-1))\n",
        # Paths that disagree on the rank leave it unknown.
        "import torch\n"
        "import torch.nn.functional as F\n"
        "def loss(pred, y, flat):\n"
        "    if flat:\n"
        "        pred = pred.view(-1)\n"
        "    else:\n"
        "        pred = pred.view(-1, 1)\n"
        "    return F.mse_loss(pred, y.view(-1, 1))\n",
        # Asserted ranks that agree.
        "import torch.nn.functional as F\n"
        "def loss(pred, y):\n"
        "    assert pred.dim() == 2 and y.dim() == 2\n"
        "    return F.mse_loss(pred, y)\n",
        # numpy code with keepdims is fine too.
        "import numpy as np\n"
        "x = np.random.rand(4, 3)\n"
        "p = x / x.sum(axis=1, keepdims=True)\n",
        # A textbook on broadcasting: the column is made by new-axis indexing where it is defined.
        "import numpy as np\n"
        "a = np.arange(3)\n"
        "b = np.arange(3)[:, np.newaxis]\n"
        "grid = a + b\n"
        "x = np.linspace(0, 5, 50)\n"
        "y = np.linspace(0, 5, 50)[:, np.newaxis]\n"
        "z = np.sin(x) ** 10 + np.cos(10 + y * x) * np.cos(x)\n"
        "row = np.arange(4)\n"
        "col = np.arange(4)\n"
        "table = row[:, np.newaxis] * col\n",
        # The same lesson with the column's every size spelt out (earlier audits' cause E,
        # PythonDataScienceHandbook 02.05): reshape((3, 1)) is a column written on purpose.
        "import numpy as np\n"
        "a = np.arange(3)\n"
        "b = np.arange(3).reshape((3, 1))\n"
        "print(a + b)\n",
        # (3, 2) with (3,) raises a ValueError: loud, not silent.
        "import numpy as np\n"
        "import torch\n"
        "M = np.ones((3, 2))\n"
        "M + np.arange(3)\n"
        "t = torch.ones(4, 5)\n"
        "u = t * torch.ones(4)\n",
        # unsqueeze and expand_dims in the definition, outside any loss: an outer table.
        "import numpy as np\n"
        "import torch\n"
        "def pairwise(n):\n"
        "    pos = torch.arange(n).unsqueeze(1)\n"
        "    dist = (pos - torch.arange(n)).abs()\n"
        "    v = np.arange(n)\n"
        "    col = np.expand_dims(v, 1)\n"
        "    return dist, col * v\n",
        # A hand-written mean over an outer difference written at the operation: meant.
        "import torch\n"
        "x = torch.randn(32)\n"
        "spread = ((x[:, None] - x) ** 2).mean()\n",
        # Twins of the loader examples below. The targets were built as a column: (B, 1) against the
        # (B, 1) output; the output squeezed on its named dimension against flat targets.
        "import torch\n"
        "import torch.nn.functional as F\n"
        "from torch.utils.data import DataLoader, TensorDataset\n"
        "X = torch.randn(256, 3)\n"
        "y = torch.randn(256, 1)\n"
        "loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)\n"
        "flat = DataLoader(TensorDataset(X, y.view(-1)), batch_size=32)\n"
        "model = torch.nn.Linear(3, 1)\n"
        "for xb, yb in loader:\n"
        "    loss = F.mse_loss(model(xb), yb)\n"
        "for xb, yb in flat:\n"
        "    loss = F.mse_loss(model(xb).squeeze(1), yb)\n"
        "    loss = F.mse_loss(model(xb), yb.unsqueeze(1))\n",
        # A data set whose label is a one-element tensor: the loader stacks (B, 1) labels. A
        # collate function, or batch_size=None (no batching), says nothing of the batches' shape.
        "import torch\n"
        "import torch.nn as nn\n"
        "from torch.utils.data import DataLoader, Dataset\n"
        "class Rows(Dataset):\n"
        "    def __init__(self, xs, ys):\n"
        "        self.xs, self.ys = xs, ys\n"
        "    def __len__(self):\n"
        "        return len(self.xs)\n"
        "    def __getitem__(self, i):\n"
        "        return torch.tensor(self.xs[i]), torch.tensor([float(self.ys[i])])\n"
        "class Points(Rows):\n"
        "    def __getitem__(self, i):\n"
        "        return torch.tensor(self.xs[i]), float(self.ys[i])\n"
        "def fit(model, xs, ys, collate):\n"
        "    criterion = nn.MSELoss()\n"
        "    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))\n"
        "    for x, t in DataLoader(Rows(xs, ys), batch_size=8):\n"
        "        criterion(model(x), t).backward()\n"
        "    for x, t in DataLoader(Points(xs, ys), batch_size=8, collate_fn=collate):\n"
        "        criterion(model(x), t).backward()\n"
        "    for x, t in DataLoader(Points(xs, ys), batch_size=None):\n"
        "        criterion(model(x), t).backward()\n",
        # The data set's attributes: targets kept as a column in __init__, or re-bound by another
        # method (then what __init__ made is not what __getitem__ reads).
        "import torch\n"
        "import torch.nn as nn\n"
        "from torch.utils.data import DataLoader, Dataset\n"
        "class Houses(Dataset):\n"
        "    def __init__(self, n):\n"
        "        self.x = torch.randn(n, 8)\n"
        "        self.y = torch.randn(n).view(-1, 1)\n"
        "    def __len__(self):\n"
        "        return len(self.y)\n"
        "    def __getitem__(self, idx):\n"
        "        return self.x[idx], self.y[idx]\n"
        "class Flat(Houses):\n"
        "    def __init__(self, n):\n"
        "        self.x = torch.randn(n, 8)\n"
        "        self.y = torch.randn(n)\n"
        "    def normalise(self):\n"
        "        self.y = (self.y - self.y.mean()).view(-1, 1)\n"
        "model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))\n"
        "criterion = nn.MSELoss()\n"
        "for x, y in DataLoader(Houses(100), batch_size=10):\n"
        "    criterion(model(x), y).backward()\n"
        "for x, y in DataLoader(Flat(100), batch_size=10):\n"
        "    criterion(model(x), y).backward()\n",
        # Twins of the Trainer class: the data set keeps the targets as a column, or returns
        # them as one-element tensors; or both sides are flattened.
        "import pandas as pd\n"
        "import torch\n"
        "import torch.nn as nn\n"
        "import torch.nn.functional as F\n"
        "from sklearn.model_selection import train_test_split\n"
        "from torch.utils.data import DataLoader, Dataset\n"
        "\n"
        "\n"
        "class Rows(Dataset):\n"
        "    def __init__(self, x, y):\n"
        "        self.x = x\n"
        "        self.y = y.reshape(-1, 1)\n"
        "\n"
        "    def __len__(self):\n"
        "        return len(self.x)\n"
        "\n"
        "    def __getitem__(self, idx):\n"
        "        return self.x[idx], self.y[idx]\n"
        "\n"
        "\n"
        "class Scalars(Dataset):\n"
        "    def __init__(self, x, y):\n"
        "        self.x = x\n"
        "        self.y = y\n"
        "\n"
        "    def __len__(self):\n"
        "        return len(self.x)\n"
        "\n"
        "    def __getitem__(self, idx):\n"
        "        return self.x[idx], torch.tensor([self.y[idx]])\n"
        "\n"
        "\n"
        "class Classifier(nn.Module):\n"
        "    def __init__(self, h):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(h, 1)\n"
        "\n"
        "    def forward(self, x):\n"
        "        return torch.sigmoid(self.fc(x))\n"
        "\n"
        "\n"
        "class Experiment:\n"
        "    def __init__(self, path):\n"
        "        self.model = Classifier(16)\n"
        "        self.load(path)\n"
        "\n"
        "    def load(self, path):\n"
        "        df = pd.read_csv(path)\n"
        "        X = df.drop(\"label\", axis=1).values\n"
        "        Y = df[\"label\"].values\n"
        "        self.x_train, self.x_test, self.y_train, self.y_test = train_test_split(X, Y)\n"
        "\n"
        "    def train(self):\n"
        "        self.loader = DataLoader(Rows(self.x_train, self.y_train), batch_size=64)\n"
        "        for xb, yb in self.loader:\n"
        "            loss = F.mse_loss(self.model(xb.float()), yb.float())\n"
        "            loss.backward()\n"
        "        for xb, yb in DataLoader(Scalars(self.x_train, self.y_train), batch_size=64):\n"
        "            loss = F.mse_loss(self.model(xb.float()), yb.float())\n"
        "        for xb, yb in DataLoader(Scalars(self.x_train, self.y_train), batch_size=64):\n"
        "            loss = F.mse_loss(self.model(xb.float()).squeeze(1), yb.view(-1))\n",
        # Twins of the frame column: two levels of column labels (df['price'] is a frame);
        # a column reshaped to (n, 1) before the split pairs with the (n, 1) output.
        "import pandas as pd\n"
        "import torch\n"
        "import torch.nn as nn\n"
        "from sklearn.model_selection import train_test_split\n"
        "\n"
        "# A frame with two levels of column labels: df[\"price\"] is a frame, not a column.\n"
        "df = pd.read_csv(\"houses.csv\", header=[0, 1])\n"
        "y = df[\"price\"].values\n"
        "model = nn.Linear(4, 1)\n"
        "criterion = nn.MSELoss()\n"
        "X_tr, X_te, y_tr, y_te = train_test_split(torch.randn(100, 4), y)\n"
        "loss = criterion(model(X_tr), torch.tensor(y_tr))\n"
        "# An array reshaped as a column before the split: (n, 1) parts against the (n, 1) output.\n"
        "frame = pd.DataFrame({\"a\": [1.0, 2.0], \"b\": [3.0, 4.0]})\n"
        "target = frame[\"b\"].values.reshape(-1, 1)\n"
        "A_tr, A_te, t_tr, t_te = train_test_split(torch.randn(2, 4), target)\n"
        "loss = criterion(model(A_tr), torch.from_numpy(t_tr))\n",
        # Twins of the attributes bound once: re-bound by another method, by a subclass of
        # this module, or on an object from outside the class (other.w = ...): unknown.
        "import torch\n"
        "\n"
        "\n"
        "class LinearFit:\n"
        "    def __init__(self, n, d):\n"
        "        self.X = torch.randn(n, d)\n"
        "        self.y = torch.randn(n)\n"
        "        self.w = torch.zeros(d, 1, requires_grad=True)\n"
        "\n"
        "    def as_column(self):\n"
        "        self.y = self.y.view(-1, 1)\n"
        "\n"
        "    def loss(self):\n"
        "        return ((self.X @ self.w - self.y) ** 2).mean()\n"
        "\n"
        "\n"
        "class Fit:\n"
        "    def __init__(self, n, d):\n"
        "        self.X = torch.randn(n, d)\n"
        "        self.t = torch.randn(n)\n"
        "        self.w = torch.zeros(d, 1, requires_grad=True)\n"
        "\n"
        "    def loss(self):\n"
        "        return ((self.X @ self.w - self.t) ** 2).mean()\n"
        "\n"
        "\n"
        "class ColumnFit(Fit):\n"
        "    def __init__(self, n, d):\n"
        "        super().__init__(n, d)\n"
        "        self.t = torch.randn(n, 1)\n"
        "\n"
        "\n"
        "fit = Fit(10, 3)\n"
        "other = LinearFit(10, 3)\n"
        "other.w = torch.zeros(3)\n"
        "\n"
        "\n"
        "class Other:\n"
        "    def __init__(self, n):\n"
        "        self.w = torch.zeros(3, 1)\n"
        "        self.y = torch.randn(n)\n"
        "\n"
        "    def loss(self, n):\n"
        "        return ((torch.randn(n, 3) @ self.w - self.y) ** 2).mean()\n",
        # A set model: its layers see (batch, items, features) and it sums over the items before
        # the head, so it returns (batch, 1), like the (batch, 1) target. (Reading the summed
        # guess (batch,) as the head's features made its output (1,), against (128, 1).)
        "import torch\n"
        "import torch.nn as nn\n"
        "import torch.nn.functional as F\n"
        "class DeepSet(nn.Module):\n"
        "    def __init__(self, d):\n"
        "        super().__init__()\n"
        "        self.phi = nn.Sequential(nn.Linear(d, 50), nn.ELU(), nn.Linear(50, 50))\n"
        "        self.rho = nn.Sequential(nn.Linear(50, 30), nn.ELU(), nn.Linear(30, 1))\n"
        "    def forward(self, x):\n"
        "        x = self.phi(x)\n"
        "        x = x.sum(dim=1)\n"
        "        return self.rho(x)\n"
        "model = DeepSet(3)\n"
        "X = torch.randn(128, 10, 3)\n"
        "y = torch.randn(128, 1)\n"
        "loss = F.mse_loss(model(X), y)\n",
        # Twins of the CSV data set below: its (B, 1) targets against the (B, 1) output, and
        # a collate function, which says nothing of the batches' shape.
        "import numpy as np\n"
        "import torch.nn as nn\n"
        "import torch.nn.functional as F\n"
        "from torch.utils.data import DataLoader, Dataset\n"
        "class Lines(Dataset):\n"
        "    def __init__(self, path):\n"
        "        self.rows = [line.split(',') for line in open(path)]\n"
        "    def __len__(self):\n"
        "        return len(self.rows)\n"
        "    def __getitem__(self, i):\n"
        "        row = self.rows[i]\n"
        "        x = np.array([float(v) for v in row[:-1]], dtype=np.float32)\n"
        "        y = np.array([float(row[-1])], dtype=np.float32)\n"
        "        return x, y\n"
        "model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))\n"
        "for xb, yb in DataLoader(Lines('train.csv'), batch_size=32, shuffle=True):\n"
        "    loss = F.mse_loss(model(xb), yb)\n"
        "for xb, yb in DataLoader(Lines('train.csv'), batch_size=32, collate_fn=pad):\n"
        "    loss = F.mse_loss(model(xb).view(-1), yb)\n",
        # Targets from a comprehension over a list whose items' shapes are unknown: no rank.
        "import numpy as np\n"
        "import torch.nn.functional as F\n"
        "def fit(model, x, rows):\n"
        "    y = np.array([r for r in rows])\n"
        "    return F.mse_loss(model(x).view(-1), y)\n",
        # Twins of the depth head below: the (B, 1, H, W) prediction against the map given its
        # channel, or squeezed on the named dimension; a convolution applied outside a module to
        # a value of unknown rank may be unbatched, so its rank stays unknown.
        "import torch\n"
        "import torch.nn as nn\n"
        "import torch.nn.functional as F\n"
        "from torch.utils.data import DataLoader, TensorDataset\n"
        "class DepthNet(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.encoder = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU())\n"
        "        self.depth = nn.Conv2d(32, 1, kernel_size=1)\n"
        "    def forward(self, x):\n"
        "        return self.depth(self.encoder(x))\n"
        "images = torch.randn(64, 3, 32, 32)\n"
        "depths = torch.rand(64, 32, 32)\n"
        "loader = DataLoader(TensorDataset(images, depths), batch_size=8, shuffle=True)\n"
        "model = DepthNet()\n"
        "for x, d in loader:\n"
        "    loss = F.smooth_l1_loss(model(x), d.unsqueeze(1))\n"
        "    loss = F.smooth_l1_loss(model(x).squeeze(1), d)\n"
        "conv = nn.Conv2d(3, 1, 1)\n"
        "def score(img, target):\n"
        "    return F.mse_loss(conv(img), target.view(-1))\n",
        # Outer tables whose column is made inside the expression itself (audit 2026-12l, DA):
        # the causal mask of Hugging Face's BART/GPT-2 compares a vector with its own shifted
        # column, view(n, 1) written at the comparison; pairwise differences by new-axis indexing
        # on both sides; a column by unsqueeze and by reshape(-1, 1) against a vector.
        "import torch\n"
        "def make_causal_mask(tgt_len):\n"
        "    mask = torch.full((tgt_len, tgt_len), float('-inf'))\n"
        "    mask_cond = torch.arange(mask.size(-1))\n"
        "    mask.masked_fill_(mask_cond < (mask_cond + 1).view(mask.size(-1), 1), 0)\n"
        "    upper = mask_cond.view(-1, 1) >= mask_cond\n"
        "    return mask, upper\n"
        "def pairwise(n):\n"
        "    a = torch.linspace(0, 1, n)\n"
        "    d = a[:, None] - a[None, :]\n"
        "    e = a[..., None] - a\n"
        "    x = torch.randn(n)\n"
        "    y = torch.randn(n)\n"
        "    return d, e, x.unsqueeze(1) * y, x.unsqueeze(-1) + y, x.reshape((-1, 1)) * y\n",
    ]

    INVALID = [
        # Twins of the causal mask: the (n, 1) comes from elsewhere, a model's nn.Linear(h, 1)
        # output or a target viewed as a column where it is defined, even though a view to a
        # column is written at the operation elsewhere in the file.
        "import torch\n"
        "import torch.nn as nn\n"
        "h = 8\n"
        "model = nn.Linear(h, 1)\n"
        "x = torch.randn(64, h)\n"
        "y = torch.linspace(0, 1, 64)\n"
        "i = torch.arange(64)\n"
        "causal = i < (i + 1).view(64, 1)\n"
        "err = model(x) - y  # expect: DL201\n"
        "col = y.view(-1, 1)\n"
        "grid = col * y  # expect: DL201\n"
        "pred = model(x).view(-1, 1)\n"
        "bad = pred < y  # expect: DL201\n",
        # The lecture's example: (16,) times (16, 1) is a 16 x 16 matrix.
        "import torch\n"
        "a = torch.ones(16)\n"
        "b = torch.ones(16, 1)\n"
        "c = a * b  # expect: DL201\n",
        Invalid(
            fixed="import torch\n"
                  "def normalize(x):\n"
                  "    assert x.dim() == 2\n"
                  "    return x / x.sum(1, keepdim=True)  # expect: DL201\n",
            code="import torch\n"
                 "def normalize(x):\n"
                 "    assert x.dim() == 2\n"
                 "    return x / x.sum(1)  # expect: DL201\n",
        ),
        Invalid(
            fixed="import torch\n"
                  "def softmax(s):\n"
                  "    b, t = s.shape\n"
                  "    e = torch.exp(s)\n"
                  "    return e / e.sum(-1, keepdim=True)  # expect: DL201\n",
            code="import torch\n"
                 "def softmax(s):\n"
                 "    b, t = s.shape\n"
                 "    e = torch.exp(s)\n"
                 "    return e / e.sum(-1)  # expect: DL201\n",
        ),
        # The regression bug: prediction (n, 1), target (n,).
        "import torch\n"
        "import torch.nn.functional as F\n"
        "n = 100\n"
        "x = torch.randn(n, 3)\n"
        "y = torch.randn(n)\n"
        "w = torch.randn(3, 1, requires_grad=True)\n"
        "pred = x @ w\n"
        "loss = F.mse_loss(pred, y)  # expect: DL201\n"
        "err = ((pred - y) ** 2).mean()  # expect: DL201\n",
        # nn.Module form of the loss, target sliced from a known 2-D table.
        "import torch\n"
        "from torch import nn\n"
        "def train(model, data, n_features):\n"
        "    assert data.ndim == 2\n"
        "    y = data[:, -1]\n"
        "    criterion = nn.MSELoss()\n"
        "    pred = model(data[:, :-1]).view(-1, 1)\n"
        "    loss = criterion(pred, y)  # expect: DL201\n"
        "    loss.backward()\n",
        # The loss module moved to the device where it is built (``.cuda()``/``.to()`` return the
        # module itself): still an element-wise loss.
        "import torch\n"
        "from torch import nn\n"
        "class Regressor(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(8, 1)\n"
        "    def forward(self, x):\n"
        "        return self.fc(x)\n"
        "X = torch.randn(64, 8)\n"
        "y = torch.randn(64)\n"
        "model = Regressor().cuda()\n"
        "criterion = nn.MSELoss().cuda()\n"
        "l1 = nn.L1Loss().to('cuda').float()\n"
        "loss = criterion(model(X), y)  # expect: DL201\n"
        "mae = l1(model(X), y)  # expect: DL201\n",
        # Loss-like expression with unknown sizes but clear ranks.
        "import torch\n"
        "def l1(model, x, y):\n"
        "    y = y.flatten()\n"
        "    out = model(x).view(-1, 1)\n"
        "    return (out - y).abs().mean()  # expect: DL201\n",
        # Reduction kept in a name, then divided back (non-square sizes share a symbol).
        "import torch\n"
        "def rownorm(x):\n"
        "    n, d = x.shape\n"
        "    s = x.norm(dim=1)\n"
        "    return x / s  # expect: DL201\n",
        # A square matrix: the sizes fit, so it runs, silently dividing by the wrong sums.
        "import torch\n"
        "k = torch.rand(50, 50)\n"
        "p = k / torch.sum(k, dim=1)  # expect: DL201\n",
        # torch.add and friends, and a comparison counted as accuracy.
        "import torch\n"
        "def acc(n):\n"
        "    labels = torch.randint(0, 10, (n, 1))\n"
        "    predicted = torch.randint(0, 10, (n,))\n"
        "    total = torch.add(predicted, labels)  # expect: DL201\n"
        "    return (predicted == labels).float().mean()  # expect: DL201\n",
        # 3-D source reduced over the middle dimension, inside a module.
        "import torch\n"
        "class Pool(torch.nn.Module):\n"
        "    def forward(self, h):\n"
        "        b, t, d = h.shape\n"
        "        return h - h.mean(1)  # expect: DL201\n",
        # A script where the target came from unsqueeze and the prediction from torch.randn.
        "import torch\n"
        "batch = 32\n"
        "target = torch.rand(batch).unsqueeze(1)\n"
        "probs = torch.sigmoid(torch.randn(batch))\n"
        "loss = torch.nn.functional.binary_cross_entropy(probs, target)  # expect: DL201\n",
        # torch.where over a vector and a column of the same length.
        "import torch\n"
        "def clip(v, n):\n"
        "    v = torch.randn(n)\n"
        "    lim = torch.ones(n, 1)\n"
        "    return torch.where(v > 0, v, lim)  # expect: DL201\n",
        # Notebook style: globals bound once at module level are known inside the functions.
        "import torch\n"
        "X = torch.randn(200, 4)\n"
        "y = X @ torch.randn(4) + 0.1 * torch.randn(200)\n"
        "w = torch.zeros(4, 1, requires_grad=True)\n"
        "def loss_fn():\n"
        "    return ((X @ w - y) ** 2).mean()  # expect: DL201\n"
        "for step in range(100):\n"
        "    loss_fn().backward()\n"
        "    with torch.no_grad():\n"
        "        w -= 0.1 * w.grad\n"
        "        w.grad.zero_()\n",
        # A script: the model's last layer is nn.Linear(3, 1), so its output is (n, 1).
        "import torch\n"
        "import torch.nn.functional as F\n"
        "model = torch.nn.Linear(3, 1)\n"
        "x = torch.randn(64, 3)\n"
        "y = torch.randn(64)\n"
        "pred = model(x)\n"
        "loss = F.mse_loss(pred, y)  # expect: DL201\n",
        # A Trainer class: self.model is a class of this file whose forward ends in Linear(h, 1);
        # the target is flattened.
        "import torch\n"
        "from torch import nn\n"
        "class Regressor(nn.Module):\n"
        "    def __init__(self, d):\n"
        "        super().__init__()\n"
        "        self.net = nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, 1))\n"
        "    def forward(self, x):\n"
        "        return self.net(x)\n"
        "class Trainer:\n"
        "    def __init__(self, d):\n"
        "        self.model = Regressor(d).to('cuda')\n"
        "        self.criterion = nn.MSELoss()\n"
        "    def step(self, x, y):\n"
        "        pred = self.model(x)\n"
        "        y = y.reshape(-1)\n"
        "        loss = self.criterion(pred, y)  # expect: DL201\n"
        "        return loss\n",
        # self(x) inside the module is a model call; the target's rank comes from an assert.
        "import torch\n"
        "import torch.nn.functional as F\n"
        "class Net(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.out = torch.nn.Linear(10, 1)\n"
        "    def forward(self, x):\n"
        "        return torch.sigmoid(self.out(x))\n"
        "    def training_step(self, x, y):\n"
        "        assert y.dim() == 1\n"
        "        return F.binary_cross_entropy(self(x), y)  # expect: DL201\n",
        # Notebook cells: squeeze() of the (B, 1) output against a (B, 1) column target.
        "import torch\n"
        "import torch.nn.functional as F\n"
        "net = torch.nn.Linear(5, 1)\n"
        "for xb, yb in loader:\n"
        "    pred = net(xb).squeeze()\n"
        "    target = yb.reshape(-1, 1)\n"
        "    loss = F.l1_loss(pred, target)  # expect: DL201\n",
        # A compound assert states both ranks.
        "import torch.nn.functional as F\n"
        "def loss(pred, y):\n"
        "    assert pred.dim() == 2 and y.dim() == 1\n"
        "    return F.mse_loss(pred, y)  # expect: DL201\n",
        # The rank is the same on both paths of a branch, and after a loop.
        "import torch\n"
        "import torch.nn.functional as F\n"
        "def fit(model, loader, clip):\n"
        "    for x, y in loader:\n"
        "        if clip:\n"
        "            out = model(x).clamp(0, 1).view(-1, 1)\n"
        "        else:\n"
        "            out = model(x).view(-1, 1)\n"
        "        y = y.view(-1)\n"
        "        loss = F.smooth_l1_loss(out, y)  # expect: DL201\n",
        # In-place division by a row reduction.
        "import torch\n"
        "def inplace(x):\n"
        "    assert x.dim() == 2\n"
        "    x /= x.sum(dim=1)  # expect: DL201\n"
        "    return x\n",
        # A model returning a tuple: its first output is (batch, 1), the target is flat.
        "import torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.body = nn.Linear(16, 32)\n"
        "        self.head = nn.Linear(32, 1)\n"
        "    def forward(self, x):\n"
        "        h = self.body(x)\n"
        "        return self.head(h), h\n"
        "model = Net()\n"
        "def train(x, y):\n"
        "    pred, feats = model(x)\n"
        "    return F.mse_loss(pred, y.view(-1))  # expect: DL201\n",
        # A project's Linear wrapper built with one output feature.
        "import torch.nn as nn\n"
        "class Linear(nn.Module):\n"
        "    def __init__(self, in_features, out_features, dropout=0.0):\n"
        "        super().__init__()\n"
        "        self.linear = nn.Linear(in_features=in_features, out_features=out_features)\n"
        "    def forward(self, x):\n"
        "        return self.linear(x)\n"
        "head = Linear(64, 1)\n"
        "criterion = nn.MSELoss()\n"
        "def step(h, y):\n"
        "    return criterion(head(h), y.flatten())  # expect: DL201\n",
        # Twins of the textbook's outer tables. A newaxis column inside a loss call: a loss pairs
        # input and target, however the column was made.
        "import numpy as np\n"
        "import torch\n"
        "import torch.nn.functional as F\n"
        "pred = torch.linspace(0, 5, 50)\n"
        "y = torch.linspace(0, 5, 50)\n"
        "loss = F.mse_loss(pred[:, np.newaxis], y)  # expect: DL201\n"
        "col = pred[:, None]\n"
        "criterion = torch.nn.L1Loss()\n"
        "loss2 = criterion(col, y)  # expect: DL201\n"
        "loss3 = criterion(pred.unsqueeze(1), y)  # expect: DL201\n",
        # Twins of the spelt-out column: inside a loss, and a column whose length is left to the
        # data (reshape(-1, 1)).
        "import numpy as np\n"
        "import torch\n"
        "import torch.nn.functional as F\n"
        "pred = torch.linspace(0, 5, 3)\n"
        "y = torch.linspace(0, 5, 3)\n"
        "loss = F.mse_loss(pred.reshape((3, 1)), y)  # expect: DL201\n"
        "c = y.reshape(-1, 1)\n"
        "d = c - y  # expect: DL201\n",
        # A column for another reason: the target viewed as (n, 1) meets the (n,) prediction.
        "import torch\n"
        "import torch.nn.functional as F\n"
        "x = torch.linspace(0, 1, 64)\n"
        "y = torch.linspace(0, 2, 64)\n"
        "pred = x * 2.0\n"
        "target = y.view(-1, 1)\n"
        "loss = F.mse_loss(pred, target)  # expect: DL201\n"
        "grid = pred + target  # expect: DL201\n",
        # nn.Linear(h, 1)'s output against a (n,) target in a hand-written loss.
        "import torch\n"
        "h = 8\n"
        "model = torch.nn.Linear(h, 1)\n"
        "x = torch.randn(64, h)\n"
        "y = torch.linspace(0, 1, 64)\n"
        "out = model(x)\n"
        "loss = ((out - y) ** 2).mean()  # expect: DL201\n",
        # The new axis made far above, then a hand-written loss: the usual shape guess.
        "import torch\n"
        "def fit(n):\n"
        "    y = torch.randn(n)[:, None]\n"
        "    pred = torch.randn(n)\n"
        "    return ((pred - y) ** 2).mean()  # expect: DL201\n",
        # A tutorial script: the loader's TensorDataset says the targets' rank; the model's last
        # layer is nn.Linear(3, 1). Each batch pairs (B, 1) outputs with (B,) targets.
        "import torch\n"
        "import torch.nn.functional as F\n"
        "from torch.utils.data import DataLoader, TensorDataset\n"
        "X = torch.randn(256, 3)\n"
        "y = X @ torch.randn(3) + 0.1 * torch.randn(256)\n"
        "loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)\n"
        "model = torch.nn.Linear(3, 1)\n"
        "for epoch in range(10):\n"
        "    for xb, yb in loader:\n"
        "        loss = F.mse_loss(model(xb), yb)  # expect: DL201\n"
        "        loss.backward()\n",
        # A function: the targets were made a column, the output squeezed to a vector; the loader
        # bound to a name, iterated through enumerate, the batch cast on the way.
        "import torch\n"
        "import torch.nn.functional as F\n"
        "from torch.utils.data import DataLoader, TensorDataset\n"
        "def fit(model, n):\n"
        "    X = torch.randn(n, 8)\n"
        "    y = torch.randn(n).view(-1, 1)\n"
        "    train_set = TensorDataset(X, y)\n"
        "    train_dl = DataLoader(train_set, batch_size=64)\n"
        "    net = torch.nn.Sequential(torch.nn.Linear(8, 1), torch.nn.Sigmoid())\n"
        "    for i, (xb, yb) in enumerate(train_dl):\n"
        "        yb = yb.float()\n"
        "        loss = F.l1_loss(net(xb).squeeze(-1), yb)  # expect: DL201\n",
        # A data set class whose __getitem__ returns a float label: the default collate stacks the
        # labels into (B,); the model class ends in a sigmoid over nn.Linear(h, 1): (B, 1).
        "import torch\n"
        "import torch.nn as nn\n"
        "import torch.nn.functional as F\n"
        "from torch.utils.data import DataLoader, Dataset\n"
        "class Reviews(Dataset):\n"
        "    def __init__(self, tokens, labels):\n"
        "        self.tokens, self.labels = tokens, labels\n"
        "    def __len__(self):\n"
        "        return len(self.labels)\n"
        "    def __getitem__(self, idx):\n"
        "        return torch.tensor(self.tokens[idx]), float(self.labels[idx])\n"
        "class Classifier(nn.Module):\n"
        "    def __init__(self, vocab, h):\n"
        "        super().__init__()\n"
        "        self.embed = nn.EmbeddingBag(vocab, h)\n"
        "        self.fc = nn.Linear(h, 1)\n"
        "    def forward(self, x):\n"
        "        return torch.sigmoid(self.fc(self.embed(x)))\n"
        "def train(tokens, labels):\n"
        "    model = Classifier(1000, 64)\n"
        "    loader = DataLoader(Reviews(tokens, labels), batch_size=32, shuffle=True)\n"
        "    criterion = nn.MSELoss()\n"
        "    for x, y in loader:\n"
        "        loss = criterion(model(x), y)  # expect: DL201\n"
        "        loss.backward()\n",
        # The tutorial's data set keeps its tensors as attributes; __getitem__ returns a row of
        # each: a sample of self.y = torch.randn(n) is a number, its batches (B,).
        "import torch\n"
        "import torch.nn as nn\n"
        "from torch.utils.data import DataLoader, Dataset\n"
        "class Houses(Dataset):\n"
        "    def __init__(self, n):\n"
        "        x = torch.randn(n, 8)\n"
        "        self.x = x\n"
        "        self.y = x.sum(1) + 0.1 * torch.randn(n)\n"
        "    def __len__(self):\n"
        "        return len(self.y)\n"
        "    def __getitem__(self, idx):\n"
        "        return self.x[idx], self.y[idx]\n"
        "model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))\n"
        "criterion = nn.MSELoss()\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\n"
        "for x, y in DataLoader(Houses(100), batch_size=10, shuffle=True):\n"
        "    loss = criterion(model(x), y)  # expect: DL201\n"
        "    optimizer.zero_grad()\n"
        "    loss.backward()\n",
        # A Trainer class: the labels are a column of a pandas frame (a vector), split by
        # train_test_split (each part keeps its array's rank), stored on self in one method and
        # read in another (bound once in the class), passed to a data set class whose __init__
        # keeps them; the loader is an attribute too. (B, 1) outputs against (B,) targets.
        "import pandas as pd\n"
        "import torch\n"
        "import torch.nn as nn\n"
        "import torch.nn.functional as F\n"
        "from sklearn.model_selection import train_test_split\n"
        "from torch.utils.data import DataLoader, Dataset\n"
        "\n"
        "\n"
        "class Rows(Dataset):\n"
        "    def __init__(self, x, y):\n"
        "        self.x = x\n"
        "        self.y = y\n"
        "\n"
        "    def __len__(self):\n"
        "        return len(self.x)\n"
        "\n"
        "    def __getitem__(self, idx):\n"
        "        return self.x[idx], self.y[idx]\n"
        "\n"
        "\n"
        "class Classifier(nn.Module):\n"
        "    def __init__(self, h):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(h, 1)\n"
        "\n"
        "    def forward(self, x):\n"
        "        return torch.sigmoid(self.fc(x))\n"
        "\n"
        "\n"
        "class Experiment:\n"
        "    def __init__(self, path):\n"
        "        self.model = Classifier(16)\n"
        "        self.load(path)\n"
        "\n"
        "    def load(self, path):\n"
        "        df = pd.read_csv(path)\n"
        "        df.drop([\"id\"], axis=1, inplace=True)\n"
        "        X = df.drop(\"label\", axis=1).values\n"
        "        Y = df[\"label\"].values\n"
        "        self.x_train, self.x_test, self.y_train, self.y_test = train_test_split(X, Y)\n"
        "\n"
        "    def train(self):\n"
        "        self.loader = DataLoader(Rows(self.x_train, self.y_train), batch_size=64)\n"
        "        for xb, yb in self.loader:\n"
        "            y = yb.type(torch.FloatTensor)\n"
        "            loss = F.mse_loss(self.model(xb.float()), y)  # expect: DL201\n"
        "            loss.backward()\n",
        # A script: to_numpy() of a column, the data set converts its arguments with torch.tensor.
        "import pandas as pd\n"
        "import torch\n"
        "import torch.nn as nn\n"
        "from sklearn.model_selection import train_test_split\n"
        "from torch.utils.data import DataLoader, Dataset\n"
        "\n"
        "\n"
        "class Rows(Dataset):\n"
        "    def __init__(self, features, targets):\n"
        "        self.features = torch.tensor(features, dtype=torch.float32)\n"
        "        self.targets = torch.tensor(targets, dtype=torch.float32)\n"
        "\n"
        "    def __len__(self):\n"
        "        return len(self.targets)\n"
        "\n"
        "    def __getitem__(self, i):\n"
        "        return self.features[i], self.targets[i]\n"
        "\n"
        "\n"
        "df = pd.read_csv(\"houses.csv\")\n"
        "X = df[[\"rooms\", \"area\"]].values\n"
        "y = df[\"price\"].to_numpy()\n"
        "X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2)\n"
        "loader = DataLoader(Rows(X_tr, y_tr), batch_size=32, shuffle=True)\n"
        "model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))\n"
        "criterion = nn.MSELoss()\n"
        "for xb, yb in loader:\n"
        "    loss = criterion(model(xb), yb)  # expect: DL201\n"
        "    loss.backward()\n"
        "y\n"
        "y_tr\n"
        "torch.tensor(y_tr, dtype=torch.float32)\n",
        # Attributes bound once, in __init__, are known in every method of the class.
        "import torch\n"
        "\n"
        "\n"
        "class LinearFit:\n"
        "    def __init__(self, n, d):\n"
        "        self.X = torch.randn(n, d)\n"
        "        self.y = torch.randn(n)\n"
        "        self.w = torch.zeros(d, 1, requires_grad=True)\n"
        "\n"
        "    def loss(self):\n"
        "        return ((self.X @ self.w - self.y) ** 2).mean()  # expect: DL201\n",
        # The set model again, against a (128,) target: its (batch, 1) output makes (128, 128).
        "import torch\n"
        "import torch.nn as nn\n"
        "import torch.nn.functional as F\n"
        "class DeepSet(nn.Module):\n"
        "    def __init__(self, d):\n"
        "        super().__init__()\n"
        "        self.phi = nn.Linear(d, 50)\n"
        "        self.rho = nn.Sequential(nn.Linear(50, 30), nn.ELU(), nn.Linear(30, 1))\n"
        "    def forward(self, x):\n"
        "        return self.rho(self.phi(x).sum(1))\n"
        "model = DeepSet(3)\n"
        "X = torch.randn(128, 10, 3)\n"
        "y = torch.randn(128)\n"
        "loss = F.mse_loss(model(X), y)  # expect: DL201\n",
        # A data set of CSV lines: numpy arrays of numbers, one per sample (the features from a
        # comprehension, the label a one-element list); the default collate stacks (B, 1)
        # targets, which meet the prediction flattened to (B,).
        "import numpy as np\n"
        "import torch.nn as nn\n"
        "import torch.nn.functional as F\n"
        "from torch.utils.data import DataLoader, Dataset\n"
        "class Lines(Dataset):\n"
        "    def __init__(self, path):\n"
        "        self.rows = [line.split(',') for line in open(path)]\n"
        "    def __len__(self):\n"
        "        return len(self.rows)\n"
        "    def __getitem__(self, i):\n"
        "        row = self.rows[i]\n"
        "        x = np.array([float(v) for v in row[:-1]], dtype=np.float32)\n"
        "        y = np.array([float(row[-1])], dtype=np.float32)\n"
        "        return x, y\n"
        "model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))\n"
        "for xb, yb in DataLoader(Lines('train.csv'), batch_size=32, shuffle=True):\n"
        "    loss = F.mse_loss(model(xb).view(-1), yb)  # expect: DL201\n",
        # The label columns read by a comprehension: each sample a row of numbers, the batch
        # (B, k), against the squeezed (B,) output.
        "import torch\n"
        "import torch.nn as nn\n"
        "from torch.utils.data import DataLoader, Dataset\n"
        "class Table(Dataset):\n"
        "    def __init__(self, rows):\n"
        "        self.rows = rows\n"
        "    def __len__(self):\n"
        "        return len(self.rows)\n"
        "    def __getitem__(self, i):\n"
        "        cells = self.rows[i]\n"
        "        return torch.tensor(cells[0]), torch.tensor([float(c) for c in cells[-1:]])\n"
        "net = nn.Linear(16, 1)\n"
        "criterion = nn.L1Loss()\n"
        "def train(rows):\n"
        "    for x, y in DataLoader(Table(rows), batch_size=16):\n"
        "        loss = criterion(net(x).squeeze(1), y)  # expect: DL201\n",
        # A convolutional head (nn.Conv2d(32, 1, 1) last in forward): (B, 1, H, W) depth
        # predictions against the loader's (B, H, W) depth maps broadcast to (B, B, H, W).
        "import torch\n"
        "import torch.nn as nn\n"
        "import torch.nn.functional as F\n"
        "from torch.utils.data import DataLoader, TensorDataset\n"
        "class DepthNet(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.encoder = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU())\n"
        "        self.depth = nn.Conv2d(32, 1, kernel_size=1)\n"
        "    def forward(self, x):\n"
        "        return self.depth(self.encoder(x))\n"
        "images = torch.randn(64, 3, 32, 32)\n"
        "depths = torch.rand(64, 32, 32)\n"
        "loader = DataLoader(TensorDataset(images, depths), batch_size=8, shuffle=True)\n"
        "model = DepthNet()\n"
        "for x, d in loader:\n"
        "    loss = F.smooth_l1_loss(model(x), d)  # expect: DL201\n",
    ]

    # -- the query -------------------------------------------------------------------------------
    def check(self, ctx: FileContext) -> None:
        if not ctx.imports.uses("torch", "numpy"):
            return
        shapes = ctx.analysis(Shapes)
        if not shapes.enabled:
            return
        for pair in operand_pairs(ctx):
            found = misalignment(ctx, shapes, pair)
            if isinstance(found, ReducedBack):
                s, r = found.source_shape, found.reduced_shape
                fix = _keepdim_fix(ctx, found.call, s) if found.call is not None else None
                ctx.report(pair.node, (
                    f"`{_text(ctx, found.reduced)}` drops dimension {found.dim} of "
                    f"`{_text(ctx, found.source)}` (shape {s.render(opaque_names(s, r))}), so "
                    f"broadcasting aligns what is left with the trailing dimensions, not the leading "
                    f"ones; reduce with {'keepdims' if s.lib == 'numpy' else 'keepdim'}=True"), fix=fix)
            elif isinstance(found, Misaligned):
                ctx.report(pair.node, _message(ctx, pair.left, pair.right, found, pair.loss, pair.raises))


def _message(ctx: FileContext, left: cst.BaseExpression, right: cst.BaseExpression, found: Misaligned,
             loss: str | None, raises: bool) -> str:
    a, b, lo, hi = found.left_shape, found.right_shape, found.low, found.high
    names = opaque_names(a, b)
    text_a, text_b = _text(ctx, left), _text(ctx, right)
    if loss is not None:
        return (f"`{loss}` gets input `{text_a}` of shape {a.render(names)} and target `{text_b}` "
                f"of shape {b.render(names)}: "
                + ("PyTorch raises a ValueError on the mismatch when it runs"
                   if raises else f"the loss broadcasts them instead of pairing elements"
                   f"{_result(lo, hi, names)}")
                + "; make the two shapes equal")
    return (f"`{text_a}` has shape {a.render(names)} and `{text_b}` has shape "
            f"{b.render(names)}: broadcasting aligns them on the right"
            f"{_result(lo, hi, names)}; reshape one of them so the ranks match")


def _result(lo: Shape, hi: Shape, names: dict[str, str]) -> str:
    if lo.rank == 1 and hi.rank == 2 and hi.dims[1] == 1:
        return f" and makes a {render_dims((hi.dims[0], lo.dims[0]), names)} result"
    offset = hi.rank - lo.rank
    pairs = [(d, hi.dims[i + offset]) for i, d in enumerate(lo.dims)
             if d != 1 and not same_dim(d, hi.dims[i + offset])]
    if not pairs:
        return ""
    show = [f"{render_dims((d,), names)[1:-2]} with {render_dims((h,), names)[1:-2]}"
            for d, h in pairs]
    return ", pairing " + " and ".join(show)


def _text(ctx: FileContext, node: cst.CSTNode) -> str:
    return code_text(ctx.module, node, limit=40)


# -- the fix -------------------------------------------------------------------------------------
def _keepdim_fix(ctx: FileContext, call: cst.Call, source: Shape) -> Fix | None:
    """``x.sum(1)`` -> ``x.sum(1, keepdim=True)`` (``keepdims`` for numpy)."""
    if any(a.keyword is not None and a.keyword.value in ("keepdim", "keepdims")
           for a in call.args) or not call.args:
        return None
    imports = ctx.imports
    if source.lib == "numpy" or (source.lib is None and imports.uses("numpy")
                                 and not imports.uses("torch")):
        keyword = "keepdims"
    elif source.lib == "torch" or not imports.uses("numpy"):
        keyword = "keepdim"
    else:
        return None  # torch and numpy both imported and the origin unknown: which spelling?
    args = list(call.args)
    args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    args.append(cst.Arg(value=cst.Name("True"), keyword=cst.Name(keyword),
                        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                              whitespace_after=cst.SimpleWhitespace(""))))
    new = call.with_changes(args=args)
    return Fix("safe", (ctx.replace_edit(call, new),), f"keep the reduced dimension: {keyword}=True")
