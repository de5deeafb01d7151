"""DL404: a test or validation DataLoader built with ``drop_last=True``.

``drop_last=True`` throws away the last incomplete batch. For training that is a harmless choice (the
dropped instances come back in another order next epoch); for evaluation it silently removes up to
``batch_size - 1`` instances from every measurement, always the same ones, so the metric is computed
over a different set than the one reported, and with a large batch on a small validation set the
loss can be big (``batch_size=256`` on 1000 validation images drops 232 of them: 23%).

Which loaders are evaluation loaders comes from data provenance (``dllint.analysis.data``): the
name the loader is bound to (``val_loader``, ``testloader``, a ``"val"`` key of a dict of loaders)
or the dataset it reads (``MNIST(..., train=False)``, ``load_dataset(..., split="test")``, the
validation part of a ``random_split``, a name such as ``test_ds``). Training loaders are left alone,
and so are loaders whose batch size is known to be 1 (a literal, a name whose reaching definitions are
all 1, or torch's default when none is given): a batch of one is never incomplete. So are loaders
over a standard split whose known size (``dllint.analysis.dataset_sizes``: MNIST's test split has
10,000 images) is a whole number of batches, and loaders only ever iterated by loops that keep
nothing but the last batch (to show it): they measure nothing. The loaders that drop a batch of
evaluation data are the facts of ``dllint.analysis.evaluation_loaders``; when the dataset's size is
known, the message says how many instances are left out.
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.data import VAL, is_unit_test_file
from dllint.analysis.evaluation_loaders import dropping_evaluation_loaders
from dllint.context import FileContext
from dllint.diagnostics import Edit, Fix
from dllint.rule import Invalid, Rule

VALID = [
    # Training loaders may drop the ragged last batch.
    """
from torch.utils.data import DataLoader
train_loader = DataLoader(train_ds, batch_size=64, shuffle=True, drop_last=True)
val_loader = DataLoader(val_ds, batch_size=64)
""",
    # drop_last=False is what evaluation needs.
    """
import torch
test_loader = torch.utils.data.DataLoader(test_set, batch_size=256, drop_last=False)
""",
    # The value depends on the split: not decidable statically.
    """
from torch.utils.data import DataLoader
def make_loader(ds, split):
    return DataLoader(ds, batch_size=32, drop_last=(split == "train"))
""",
    # A training dataset by its constructor, whatever the variable is called.
    """
from torch.utils.data import DataLoader
from torchvision import datasets
ds = datasets.CIFAR10("data", train=True, download=True)
loader = DataLoader(ds, batch_size=128, shuffle=True, drop_last=True)
""",
    # Unknown role: silent.
    """
from torch.utils.data import DataLoader
loader = DataLoader(dataset, batch_size=16, drop_last=True)
""",
    # The training part of a random split.
    """
from torch.utils.data import DataLoader, random_split
train_part, val_part = random_split(full, [50000, 10000])
loader_a = DataLoader(train_part, batch_size=100, drop_last=True)
loader_b = DataLoader(val_part, batch_size=100)
""",
    # A dict of loaders where only the training entry drops.
    """
from torch.utils.data import DataLoader
loaders = {
    "train": DataLoader(train_ds, batch_size=32, drop_last=True),
    "val": DataLoader(val_ds, batch_size=32, drop_last=False),
}
""",
    # Not torch's DataLoader: a file that does not use torch.
    """
from mylib import DataLoader
test_loader = DataLoader(test_ds, drop_last=True)
""",
    # test_batch_size is a setting, not test data.
    """
from torch.utils.data import DataLoader
train_loader = DataLoader(train_ds, batch_size=args.test_batch_size, drop_last=True)
""",
]

VALID.extend([
    # The flag chosen per split is False on the test path.
    """
from torch.utils.data import DataLoader
def data_provider(args, flag):
    if flag == "test":
        shuffle, drop_last = False, False
    else:
        shuffle, drop_last = True, True
    data_set = Dataset(args.root, flag=flag)
    return data_set, DataLoader(data_set, batch_size=args.batch_size, shuffle=shuffle, drop_last=drop_last)
""",
    # True only on the training path; the test branch leaves the default.
    """
from torch.utils.data import DataLoader
def make(split, ds):
    drop_last = False
    if split == "train":
        drop_last = True
    return DataLoader(ds[split], batch_size=32, drop_last=drop_last)
""",
    # True under a test flag, but the dataset is not chosen by that flag.
    """
from torch.utils.data import DataLoader
def make(mode, train_ds):
    if mode == "test":
        drop_last = True
    else:
        drop_last = False
    return DataLoader(train_ds, batch_size=32, drop_last=drop_last)
""",
])

VALID.extend([
    # A batch of one is never incomplete (issue 13 audit, CSAILVision eval.py): drop_last drops nothing.
    """
import torch


def main(segmentation_module, dataset_val):
    loader_val = torch.utils.data.DataLoader(
        dataset_val, batch_size=1, shuffle=False, drop_last=True)
    segmentation_module.eval()
    with torch.no_grad():
        for batch_data in loader_val:
            segmentation_module(batch_data)
""",
    # The size through a name, a tuple assignment, or torch's default of 1.
    """
from torch.utils.data import DataLoader
EVAL_BS = 1
val_loader = DataLoader(val_ds, batch_size=EVAL_BS, drop_last=True)
shuffle, bs = False, 1
test_loader = DataLoader(test_ds, bs, shuffle=shuffle, drop_last=True)
holdout_loader = DataLoader(test_ds, shuffle=False, drop_last=True)
""",
])

INVALID = [
    # Twins of the batch size of one: a size that is 1 on one path only, a size from a setting,
    # a second positional argument that is not 1, a default that **kwargs may override.
    """
import torch
from torch.utils.data import DataLoader


def main(dataset_val, cfg, fast):
    bs = 1
    if fast:
        bs = 64
    loader_val = DataLoader(dataset_val, batch_size=bs, drop_last=True)  # expect: DL404
    loader_test = DataLoader(dataset_val, batch_size=cfg.TEST.batch_size, drop_last=True)  # expect: DL404
    test_loader = DataLoader(dataset_val, 16, drop_last=True)  # expect: DL404
    val_loader = DataLoader(dataset_val, drop_last=True, **cfg.loader_kwargs)  # expect: DL404
    return loader_val, loader_test, test_loader, val_loader
""",
    Invalid(
        """
from torch.utils.data import DataLoader
val_loader = DataLoader(val_ds, batch_size=64, drop_last=True)  # expect: DL404
""",
        fixed="""
from torch.utils.data import DataLoader
val_loader = DataLoader(val_ds, batch_size=64)  # expect: DL404
""",
    ),
    Invalid(
        """
import torch
from torchvision import datasets
test_set = datasets.MNIST("data", train=False, download=True)
loader = torch.utils.data.DataLoader(test_set, batch_size=128, drop_last=True, shuffle=False)  # expect: DL404
""",
        fixed="""
import torch
from torchvision import datasets
test_set = datasets.MNIST("data", train=False, download=True)
loader = torch.utils.data.DataLoader(test_set, batch_size=128, shuffle=False)  # expect: DL404
""",
    ),
    """
from torch.utils.data import DataLoader, random_split
train_part, val_part = random_split(full, [50000, 10000])
loader_b = DataLoader(val_part, batch_size=100, drop_last=True)  # expect: DL404
""",
    """
from torch.utils.data import DataLoader
from datasets import load_dataset
eval_data = load_dataset("imdb", split="test")
dl = DataLoader(eval_data, batch_size=32, drop_last=True)  # expect: DL404
""",
    # Trainer class: the loader is an attribute.
    """
from torch.utils.data import DataLoader
class Trainer:
    def __init__(self, train_ds, valid_ds):
        self.train_loader = DataLoader(train_ds, batch_size=32, shuffle=True, drop_last=True)
        self.valid_loader = DataLoader(valid_ds, batch_size=32, drop_last=True)  # expect: DL404
""",
    # A dict of loaders.
    """
from torch.utils.data import DataLoader
loaders = {
    "train": DataLoader(train_ds, batch_size=32, drop_last=True),
    "val": DataLoader(val_ds, batch_size=32, drop_last=True),  # expect: DL404
}
""",
    # Glued names people write.
    """
import torch
testloader = torch.utils.data.DataLoader(testset, batch_size=100, shuffle=False,  # expect: DL404
                                         num_workers=2, drop_last=True)
""",
    # A function that builds the evaluation loader.
    """
from torch.utils.data import DataLoader
def get_test_loader(ds, batch_size):
    return DataLoader(ds, batch_size=batch_size, drop_last=True)  # expect: DL404
""",
    # Lightning DataModule hook.
    """
import lightning as L
from torch.utils.data import DataLoader
class MNISTData(L.LightningDataModule):
    def val_dataloader(self):
        return DataLoader(self.mnist_val, batch_size=self.batch_size, drop_last=True)  # expect: DL404
""",
]


INVALID.append(Invalid(
    # The flag is set per split (the Informer/Autoformer data factory), True on the test path.
    """
from torch.utils.data import DataLoader
def data_provider(args, flag):
    Data = data_dict[args.data]
    if flag == "test":
        shuffle_flag = False
        drop_last = True
        batch_size = args.batch_size
    elif flag == "pred":
        shuffle_flag, drop_last, batch_size = False, False, 1
    else:
        shuffle_flag = True
        drop_last = True
        batch_size = args.batch_size
    data_set = Data(root_path=args.root_path, flag=flag)
    data_loader = DataLoader(data_set, batch_size=batch_size, shuffle=shuffle_flag, drop_last=drop_last)  # expect: DL404
    return data_set, data_loader
"""))


# A standard split whose size is a whole number of batches (seventh audit, cause BC): nothing is
# dropped. The sizes are dllint.analysis.dataset_sizes's table.
VALID.extend([
    # MNIST's test split has 10,000 images: 625 batches of 16, through a module constant.
    """
import torch
import torchvision.datasets as dset
import torchvision.transforms as transforms
batch_size = 16
mnist_test = dset.MNIST("./", train=False, transform=transforms.ToTensor(), download=True)
test_loader = torch.utils.data.DataLoader(mnist_test, batch_size=batch_size, shuffle=False, drop_last=True)
for image, label in test_loader:
    correct = 0
""",
    # CIFAR-10's test split by position (train is the second argument), 40 batches of 250; SVHN's
    # test split (26,032) in batches of 16; the constructor directly in the call.
    """
from torch.utils.data import DataLoader
from torchvision.datasets import CIFAR10, SVHN
val_loader = DataLoader(CIFAR10("data", False), batch_size=250, drop_last=True)
svhn_test = SVHN("data", split="test")
test_loader = DataLoader(svhn_test, batch_size=16, drop_last=True)
""",
])

INVALID.extend([
    # The twins: batch sizes that leave a remainder, a split chosen by a variable, a dataset of
    # unknown size made from a standard one, a batch size that differs between paths.
    """
import torch
from torch.utils.data import DataLoader, Subset
from torchvision import datasets
mnist_test = datasets.MNIST("./", train=False)
test_loader = DataLoader(mnist_test, batch_size=128, drop_last=True)  # expect: DL404
svhn_loader = DataLoader(datasets.SVHN("data", split="test"), batch_size=100, drop_last=True)  # expect: DL404
part = Subset(mnist_test, range(5000))
val_loader = DataLoader(part, batch_size=100, drop_last=True)  # expect: DL404


def make(flag, fast):
    data = datasets.FashionMNIST("./", train=flag)
    test_loader = DataLoader(data, batch_size=100, drop_last=True)  # expect: DL404
    bs = 100
    if fast:
        bs = 128
    eval_loader = DataLoader(datasets.CIFAR10("data", train=False), batch_size=bs, drop_last=True)  # expect: DL404
    return test_loader, eval_loader
""",
])

# A test loader iterated only to show its last batch (seventh audit, cause BD) measures nothing.
VALID.append(
    """
import torch
import torchvision.utils as v_utils
test_loader = torch.utils.data.DataLoader(mnist_test, batch_size=128, shuffle=False, drop_last=True)
with torch.no_grad():
    for i in range(1):
        for j, [image, label] in enumerate(test_loader):
            image = image.cuda()
            mu, log_var, codes = encoder(image)
            for k in range(11):
                for l in range(11):
                    codes[10 * k + l, 0] = (k - 5) / 1.5
            output = decoder(codes)
            output = output.view(-1, 1, 28, 28)
v_utils.save_image(output[0:121], "gen.png", nrow=11)
""")

INVALID.append(
    # The twins: loops that keep something of every batch (a list, a running sum, a sum carried
    # by assignment, a stateful metric, a buffer filled by index, a print), and a loader that is
    # also handed to a function.
    """
import torch
import torchmetrics
test_loader = torch.utils.data.DataLoader(test_ds, batch_size=128, drop_last=True)  # expect: DL404
preds = []
for x, y in test_loader:
    out = model(x)
    preds.append(out.argmax(1))
val_loader = torch.utils.data.DataLoader(val_ds, batch_size=128, drop_last=True)  # expect: DL404
correct = 0
for x, y in val_loader:
    correct += (model(x).argmax(1) == y).sum().item()
eval_loader = torch.utils.data.DataLoader(val_ds, batch_size=128, drop_last=True)  # expect: DL404
total = 0
for x, y in eval_loader:
    n = y.size(0)
    total = total + n
holdout_loader = torch.utils.data.DataLoader(test_ds, batch_size=128, drop_last=True)  # expect: DL404
metric = torchmetrics.Accuracy(task="multiclass", num_classes=10)
for x, y in holdout_loader:
    acc = metric(model(x), y)
score = metric.compute()
testloader = torch.utils.data.DataLoader(test_ds, batch_size=128, drop_last=True)  # expect: DL404
buffer = torch.zeros(10000)
for i, (x, y) in enumerate(testloader):
    buffer[i] = model(x).max()
valloader = torch.utils.data.DataLoader(val_ds, batch_size=128, drop_last=True)  # expect: DL404
for x, y in valloader:
    loss = criterion(model(x), y)
    print(loss.item())
test_iter = torch.utils.data.DataLoader(test_ds, batch_size=128, drop_last=True)  # expect: DL404
for x, y in test_iter:
    out = model(x)
evaluate(model, test_iter)
""")


class EvalDropLast(Rule):
    """A validation or test DataLoader with ``drop_last=True`` leaves instances out of the metric."""

    code = "DL404"
    name = "eval-drop-last"
    summary = "A test or validation DataLoader drops its last batch, so some instances are never evaluated."
    severity = "warning"
    fixable = "unsafe"
    # A project's own identifiers for its evaluation data (whole names, e.g. "holdout_ds").
    options = {"test-names": [], "validation-names": []}
    option_items = {"test-names": str, "validation-names": str}
    VALID = VALID
    INVALID = INVALID

    def check(self, ctx: FileContext) -> None:
        if not ctx.imports.uses("torch", "lightning", "pytorch_lightning"):
            return
        if is_unit_test_file(ctx.imports):
            return  # unit tests name their cases test_*: the naming convention means nothing there
        extra_test = tuple(self.config.get("test-names") or ())
        extra_val = tuple(self.config.get("validation-names") or ())
        for found in dropping_evaluation_loaders(ctx, extra_test, extra_val):
            what = "validation" if found.role == VAL else "test"
            left_out = "those instances are never evaluated"
            if found.dropped is not None:
                count, size = found.dropped
                left_out = f"{count:,} of its {size:,} instances are never evaluated"
            if found.flag is None:
                ctx.report(found.call, f"the {what} DataLoader drops its last incomplete batch "
                           f"(drop_last=True): {left_out}",
                           fix=self._fix(ctx, found.call, found.drop))
            else:  # the flag is shared with the training loader: no automatic fix
                ctx.report(found.call, f"on the {what} path, {found.flag} is True, so this DataLoader "
                           f"drops its last incomplete batch: {left_out}; set it to False in that branch")

    def _fix(self, ctx: FileContext, call: cst.Call, drop: cst.Arg) -> Fix:
        """Delete the argument's own text and nothing else. Regenerating the call from its node
        would lay the remaining arguments out again, and libcst lays out a continuation line
        relative to the statement's indentation: inside a block, the arguments moved."""
        args = list(call.args)
        position = args.index(drop)
        # An argument's range runs from its star or keyword to the end of its value (no comma).
        if position + 1 < len(args):  # up to the next argument: the comma and the space after it go
            start, end = ctx.position(drop).start, ctx.position(args[position + 1]).start
        elif position > 0:  # the last one: from the end of the one before, its comma included
            start, end = ctx.position(args[position - 1]).end, ctx.position(drop).end
        else:
            start, end = ctx.position(drop).start, ctx.position(drop).end
        edit = Edit(start.line, start.column + 1, end.line, end.column + 1, "")
        return Fix("unsafe", (edit,), "remove drop_last=True so that every instance is evaluated")

