"""How many instances a standard split of a well-known dataset holds (one of DL404's facts).

``torchvision.datasets.MNIST(root, train=False)`` is always the same 10,000 test images: a loader
over it with ``batch_size=100`` has no incomplete last batch, with ``batch_size=128`` it has one of
16. :func:`dataset_size` gives that number for a dataset expression when it is certain: the
expression is (or is a name whose every reaching definition is) a call of a class of the table
below, and the argument that picks the split is a literal (``train=False``, ``split="test"``) or
left at its default. Anything else is unknown (None): a split chosen by a variable
(``train=flag``), a ``Subset``, a ``random_split`` part, a dataset wrapped in a class of the
project, ``**kwargs`` that could pick the split.

The sizes, from the libraries' and the datasets' own documentation (the torchvision pages name the
splits, the Keras pages of the same datasets give their sizes):

- MNIST: 60,000 training and 10,000 test images
  (https://keras.io/api/datasets/mnist/; the split argument: train=True,
  https://docs.pytorch.org/vision/stable/generated/torchvision.datasets.MNIST.html).
- Fashion-MNIST: 60,000 and 10,000, a drop-in replacement for MNIST
  (https://www.tensorflow.org/api_docs/python/tf/keras/datasets/fashion_mnist/load_data).
- KMNIST (Kuzushiji-MNIST): 60,000 and 10,000, in MNIST's format
  (https://github.com/rois-codh/kmnist).
- CIFAR-10 and CIFAR-100: 50,000 training and 10,000 test images
  (https://keras.io/api/datasets/cifar10/, https://keras.io/api/datasets/cifar100/).
- SVHN: split='train' 73,257, 'test' 26,032, 'extra' 531,131
  (http://ufldl.stanford.edu/housenumbers/; the split names:
  https://pytorch.org/vision/stable/generated/torchvision.datasets.SVHN.html).

Wrappers that keep the size of the dataset they wrap (the size is that of the wrapped argument):

- lightly's ``LightlyDataset.from_torch_dataset(dataset)``: the LightlyDataset holds ``dataset``
  and its ``__len__`` returns ``len(self.dataset)`` (lightly/data/dataset.py).

Left out on purpose: EMNIST (six splits, none the default, sizes not in torchvision's pages), QMNIST
(its ``what=`` argument makes "test" 60,000 or 10,000), and datasets whose size depends on files the
user downloads (ImageFolder, the Hub's ``load_dataset``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.calls import keyword, positional, string
from dllint.analysis.imports import dotted_name

if TYPE_CHECKING:
    from dllint.analysis.data import DataProvenance
    from dllint.context import FileContext

_TRAIN_FLAG = ("train", 1, "True")  # the argument's keyword, its position, its default
_SPLIT_NAME = ("split", 1, "train")
_MNIST_LIKE = {"True": 60000, "False": 10000}
_CIFAR = {"True": 50000, "False": 10000}

# torchvision.datasets class -> (how the split is chosen, {the argument's value: instances}).
SPLIT_SIZES: dict[str, tuple[tuple[str, int, str], dict[str, int]]] = {
    "MNIST": (_TRAIN_FLAG, _MNIST_LIKE),
    "FashionMNIST": (_TRAIN_FLAG, _MNIST_LIKE),
    "KMNIST": (_TRAIN_FLAG, _MNIST_LIKE),
    "CIFAR10": (_TRAIN_FLAG, _CIFAR),
    "CIFAR100": (_TRAIN_FLAG, _CIFAR),
    "SVHN": (_SPLIT_NAME, {"train": 73257, "test": 26032, "extra": 531131}),
}

# wrapper -> (the wrapped dataset's keyword, its position)
SIZE_KEEPING_WRAPPERS: dict[str, tuple[str, int]] = {
    "lightly.data.LightlyDataset.from_torch_dataset": ("dataset", 0),
    "lightly.data.dataset.LightlyDataset.from_torch_dataset": ("dataset", 0),
}

_MAX_DEPTH = 3  # names bound to names bound to the call


def dataset_size(ctx: "FileContext", provenance: "DataProvenance", expr: cst.BaseExpression,
                 at: cst.CSTNode, depth: int = 0) -> int | None:
    """The number of instances of the dataset ``expr`` (read at ``at``), when it is one standard
    split of a dataset of :data:`SPLIT_SIZES`; None when unknown."""
    if isinstance(expr, cst.Call):
        wrapped = _wrapped(ctx, expr)
        if wrapped is not None:
            return dataset_size(ctx, provenance, wrapped, at, depth + 1) if depth < _MAX_DEPTH \
                else None
        return _call_size(ctx, expr)
    name = dotted_name(expr)
    if name is None or depth >= _MAX_DEPTH:
        return None
    found = provenance.lookup(at, name)
    if not found:
        return None  # a parameter, an attribute set elsewhere: unknown
    sizes: set[int | None] = set()
    for binding in found:
        if binding.kind != "assign" or binding.value is None or binding.position is not None:
            return None  # a loop variable, an update, an element of a tuple: unknown
        sizes.add(dataset_size(ctx, provenance, binding.value, binding.node, depth + 1))
    return sizes.pop() if len(sizes) == 1 else None


def _wrapped(ctx: "FileContext", call: cst.Call) -> cst.BaseExpression | None:
    """The dataset a size-keeping wrapper call (:data:`SIZE_KEEPING_WRAPPERS`) wraps."""
    if not isinstance(call.func, (cst.Name, cst.Attribute)):
        return None
    entry = SIZE_KEEPING_WRAPPERS.get(ctx.imports.qualify(call.func) or "")
    if entry is None or any(arg.star for arg in call.args):
        return None
    arg = keyword(call, entry[0]) or positional(call, entry[1])
    return arg.value if arg is not None else None


def _call_size(ctx: "FileContext", call: cst.Call) -> int | None:
    qualified = ctx.imports.qualify(call.func) or ""
    if not qualified.startswith("torchvision.datasets."):
        return None
    entry = SPLIT_SIZES.get(qualified.rsplit(".", 1)[-1])
    if entry is None:
        return None
    (name, position, default), sizes = entry
    if any(arg.star for arg in call.args):
        return None  # ``*args`` / ``**kwargs`` may choose the split
    arg = keyword(call, name) or positional(call, position)
    if arg is None:
        return sizes.get(default)
    value = arg.value
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return sizes.get(value.value)
    text = string(value)
    return sizes.get(text) if text is not None else None
