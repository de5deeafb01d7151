"""The made-up data facts DL401 asks (``dllint.analysis.generated_data``; eighth audit BP): which
values a scope makes up from random draws, which bindings are a split's data itself, and which
statistics are a step of making the data up."""
from __future__ import annotations

import textwrap

import libcst as cst

from dllint.analysis.data import DataProvenance
from dllint.analysis.generated_data import Generation
from dllint.context import FileContext

SOURCE = """
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split


def mixture(samples=int(1e5), path=None):
    x = np.random.sample(samples)[:, np.newaxis].astype(np.float32)
    pi = np.sin(x) + 3 * x * np.cos(x)
    pi = pi / pi.max()
    g1 = 2 * x.squeeze() + 0.5 * np.random.sample(samples)
    g2 = 8 * x.squeeze() + 0.5 * np.random.sample(samples)
    y = (pi.round().squeeze() * g1 + (1 - pi.round().squeeze()) * g2).reshape(-1, 1)
    read = np.load(path)
    frame = pd.read_csv(path)
    noisy = np.random.normal(read, 0.1)
    return train_test_split(x, y, test_size=0.5)
"""


def _facts():
    source = textwrap.dedent(SOURCE)
    ctx = FileContext("x.py", source, cst.parse_module(source))
    provenance = ctx.analysis(DataProvenance)
    values = {}
    for node in ctx.index.of_type(cst.Assign):
        name = node.targets[0].target
        if isinstance(name, cst.Name):
            values.setdefault(name.value, []).append(node)
    return Generation(provenance), provenance, values


def test_made_up_values_are_draws_and_arithmetic_on_them():
    facts, _, values = _facts()
    made = {name: facts.generated(nodes[-1].value) for name, nodes in values.items()}
    assert made == {"x": True, "pi": True, "g1": True, "g2": True, "y": True,
                    "read": False, "frame": False, "noisy": False}


def test_the_lineage_of_the_split_stops_at_a_combination_of_arrays():
    facts, provenance, values = _facts()
    (split,) = provenance.splits
    lineage = facts.lineage(split)
    bindings = {name: [b for n in nodes for b in provenance.bindings_of(n)] for name, nodes in values.items()}
    assert all(id(b) in lineage for b in bindings["x"] + bindings["y"])
    assert not any(id(b) in lineage for b in bindings["pi"] + bindings["g1"] + bindings["g2"])


def test_a_statistic_of_an_intermediate_computed_from_the_split_x_is_a_generating_step():
    facts, provenance, values = _facts()
    (split,) = provenance.splits
    max_call = values["pi"][1].value.right  # pi.max()
    assert facts.generating_ingredient(max_call.func.value, split)
    x_read = values["pi"][0].value.left.args[0].value  # the x of np.sin(x): the split data itself
    assert not facts.generating_ingredient(x_read, split)
    read = values["noisy"][0].value.args[0].value  # data read from a file is no made-up value
    assert not facts.generating_ingredient(read, split)
