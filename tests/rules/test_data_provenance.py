"""Data provenance (dllint.analysis.data): naming convention, roles through data flow, splits."""
from __future__ import annotations

import libcst as cst
import pytest

from dllint.analysis.data import TEST, TRAIN, VAL, DataProvenance, name_role
from dllint.context import FileContext


def _provenance(source: str) -> tuple[FileContext, DataProvenance]:
    ctx = FileContext("x.py", source, cst.parse_module(source))
    return ctx, ctx.analysis(DataProvenance)


def _roles_at(source: str, name: str, occurrence: int = -1, **kwargs) -> frozenset[str]:
    """Roles of the ``occurrence``-th Name node called ``name`` (default: the last)."""
    ctx, provenance = _provenance(source)
    names = [n for n in ctx.index.of_type(cst.Name) if n.value == name]
    assert names, f"no {name} in the source"
    return provenance.roles(names[occurrence], **kwargs)


@pytest.mark.parametrize("name, role", [
    ("X_test", TEST), ("test_loader", TEST), ("testloader", TEST), ("df_test", TEST),
    ("holdout", TEST), ("testset", TEST), ("xtest", TEST), ("TestData", TEST),
    ("val_ds", VAL), ("valid_loader", VAL), ("validation_data", VAL), ("dev_set", VAL),
    ("valloader", VAL), ("train_ds", TRAIN), ("trainloader", TRAIN), ("X_train", TRAIN),
])
def test_naming_convention(name, role):
    assert name_role(name) == role


@pytest.mark.parametrize("name", [
    "test_size", "val_every", "test_batch_size", "test_transform", "n_test", "num_val",
    "latest", "fastest", "contest", "train_test", "is_test", "test_dir", "model", "loader",
    "validate_every", "test_fraction", "models_to_test", "inputs_to_test",
])
def test_configuration_and_other_names_have_no_role(name):
    assert name_role(name) is None


def test_extra_test_names_option():
    assert name_role("query_set", extra_test=["query_set"]) == TEST
    assert name_role("query_set") is None


def test_split_outputs_by_position_and_derived_values():
    source = """
from sklearn.model_selection import train_test_split
a, b, c, d = train_test_split(X, y)
print(a, b, c, d)
"""
    assert _roles_at(source, "a") == {TRAIN}
    assert _roles_at(source, "b") == {TEST}
    assert _roles_at(source, "d") == {TEST}


def test_dataset_flags_loaders_batches_and_metrics():
    source = """
import torch
from torchvision import datasets
ds = datasets.MNIST("data", train=False)
loader = torch.utils.data.DataLoader(ds, batch_size=100)
correct = 0
for x, y in loader:
    out = model(x)
    correct += (out.argmax(1) == y).sum().item()
acc = correct / len(loader.dataset)
print(acc)
"""
    assert _roles_at(source, "loader", 1) == {TEST}
    assert _roles_at(source, "out") == {TEST}
    assert _roles_at(source, "acc") == {TEST}


def test_hf_split_and_file_paths():
    source = """
import pandas as pd
from datasets import load_dataset
a = load_dataset("imdb", split="test[:50%]")
b = load_dataset("glue", "mrpc", split="validation")
c = pd.read_csv("data/test.csv")
d = pd.read_csv("data/latest.csv")
print(a, b, c, d)
"""
    assert _roles_at(source, "a") == {TEST}
    assert _roles_at(source, "b") == {VAL}
    assert _roles_at(source, "c") == {TEST}
    assert _roles_at(source, "d") == frozenset()


def test_what_a_value_was_made_from_beats_its_name():
    source = """
val_loss = evaluate(model, test_loader)
print(val_loss)
"""
    assert _roles_at(source, "val_loss") == {TEST}


def test_position_of_a_random_split_yields_to_a_name():
    source = """
from torch.utils.data import random_split
train_ds, test_ds = random_split(ds, [800, 200])
first, second = random_split(ds, [800, 200])
print(test_ds, second)
"""
    assert _roles_at(source, "test_ds") == {TEST}
    assert _roles_at(source, "second") == {VAL}


def test_rebinding_is_flow_sensitive():
    source = """
loader = train_loader
for x, y in loader:
    pass
loader = test_loader
print(loader)
"""
    assert _roles_at(source, "loader", 1) == {TRAIN}
    assert _roles_at(source, "loader", -1) == {TEST}


def test_concatenation_holds_both_but_other_calls_over_several_parts_hold_none():
    source = """
import numpy as np
both = np.concatenate([X_train, X_test])
vocab = build_vocab(train_data, test_data)
for loader in (train_loader, test_loader):
    print(loader)
print(both, vocab)
"""
    assert _roles_at(source, "both") == {TRAIN, TEST}
    assert _roles_at(source, "vocab") == frozenset()
    assert _roles_at(source, "loader") == frozenset()


def test_self_attributes_are_found_in_other_methods():
    source = """
from torch.utils.data import DataLoader
class T:
    def setup(self):
        self.loader_b = DataLoader(self.test_ds)
    def run(self):
        return self.loader_b
"""
    ctx, provenance = _provenance(source)
    use = [a for a in ctx.index.of_type(cst.Attribute) if a.attr.value == "loader_b"][-1]
    assert provenance.roles(use) == {TEST}


def test_splits_are_found_with_kind_shuffle_and_outputs():
    source = """
from sklearn.model_selection import train_test_split, KFold, TimeSeriesSplit
from torch.utils.data import random_split, Subset
a, b = train_test_split(X, shuffle=False)
c, d = random_split(ds, [1, 2])
kf = KFold(5, shuffle=True)
for tr, te in kf.split(X):
    pass
for tr, te in TimeSeriesSplit(3).split(X):
    pass
p = Subset(ds, idx_a)
q = Subset(ds, idx_b)
head = X[:n_train]
tail = X[n_train:]
words = "a b".split(" ")
"""
    _, provenance = _provenance(source)
    kinds = [(s.kind, s.shuffles, tuple(s.outputs)) for s in provenance.splits]
    assert kinds == [
        ("train_test_split", False, ("a", "b")),
        ("random_split", True, ("c", "d")),
        ("cv", True, ("tr", "te")),
        ("cv", False, ("tr", "te")),
        ("subset", None, ("p",)),
        ("subset", None, ("q",)),
        ("slice", False, ("head", "tail")),
    ]


def test_one_sided_slices_that_are_not_kept_are_no_split():
    source = """
import torch
y = torch.cat([x[:k], x[k:]])
z = x[:k]
"""
    _, provenance = _provenance(source)
    assert provenance.splits == []


def test_forward_follows_derived_names_in_order():
    source = """
a = load()
b = a * 2
c = other()
d = b + c
"""
    ctx, provenance = _provenance(source)
    scope = ctx.module
    first = provenance.bindings(scope)[0]
    assert provenance.forward(scope, {"a"}, first.order) == {"a", "b", "d"}


def test_keyword_and_attribute_names_are_not_reads():
    from dllint.analysis.data import chains
    expr = cst.parse_expression("GridSearchCV(pipe.steps, grid, cv=5).fit(x)")
    found = set(chains(expr))
    assert {"GridSearchCV", "pipe", "pipe.steps", "grid", "x"} <= found
    assert "cv" not in found and "steps" not in found and "fit" not in found


def test_a_parameter_or_local_does_not_fall_back_to_the_module_variable():
    source = """
for batch in test_loader:
    break
def step(batch):
    print(batch)
def other():
    batch = next(iter(train_loader))
    print(batch)
def uses_module():
    print(batch)
def declared():
    global batch
    print(batch)
"""
    assert _roles_at(source, "batch", 2) == frozenset()      # the parameter
    assert _roles_at(source, "batch", 4) == {TRAIN}          # the local
    assert _roles_at(source, "batch", 5) == {TEST}           # the module's, read from a function
    assert _roles_at(source, "batch", 7) == {TEST}           # declared global


def test_held_out_part_of_a_split_of_training_data_is_validation():
    source = """
from sklearn.model_selection import train_test_split
train_ds, test_ds = load_dataset("imdb", split=["train", "test"])
parts = train_ds.train_test_split(test_size=0.1)
dev = parts["test"]
a, b, c, d = train_test_split(X_train, y_train)
e, f = train_test_split(X)
print(dev, b, f)
"""
    assert _roles_at(source, "dev") == {VAL}
    assert _roles_at(source, "b") == {VAL}
    assert _roles_at(source, "f") == {TEST}   # a split of the whole data keeps its test part


def test_a_vocabulary_lookup_holds_no_data_role():
    source = """
words = test_text.split()
vocab = {w: i for i, w in enumerate(set(words))}
scores = {lr: evaluate(model, test_loader) for lr in lrs}
ids = vocab[token]
print(ids, scores)
"""
    assert _roles_at(source, "ids") == frozenset()
    assert _roles_at(source, "scores") == {TEST}


def test_unpacked_split_parameters_keep_the_default_shuffle_unless_a_shuffle_key_is_named():
    source = """
from sklearn.model_selection import train_test_split
a, b = train_test_split(X, **config["split"])
c, d = train_test_split(X, **{"test_size": 0.2, "shuffle": False})
e, f = train_test_split(X, **{"test_size": 0.2})
params = {"test_size": 0.2, "shuffle": False}
g, h = train_test_split(X, **params)
if "shuffle" not in config["holdout"]:
    config["holdout"].update({"shuffle": False})
i, j = train_test_split(X, **config["holdout"])
svm_params = config.get("svm_params", {"shuffle": False})
k, l = train_test_split(X, **make_params())
"""
    _, provenance = _provenance(source)
    assert [s.shuffles for s in provenance.splits] == [True, False, True, None, None, None]
