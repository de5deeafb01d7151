"""DL401 where leakage lives: notebooks, as exported .py cells and as .ipynb JSON."""
from __future__ import annotations

import json

from dllint.engine import lint_source
from dllint.notebook import load_notebook
from dllint.testing import lint_snippet, make_rules

LEAKY_CELLS = '''# %% [markdown]
# House prices: a first model

# %%
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.linear_model import Ridge

# %%
df = pd.read_csv("houses.csv")
df.head()

# %%
num_cols = ["area", "rooms", "age"]
df[num_cols] = df[num_cols].fillna(df[num_cols].median())
df[num_cols] = (df[num_cols] - df[num_cols].mean()) / df[num_cols].std()

# %%
X_train, X_test, y_train, y_test = train_test_split(df[num_cols], df["price"], test_size=0.2)
model = Ridge().fit(X_train, y_train)
print(model.score(X_test, y_test))
'''

FIXED_CELLS = '''# %%
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.linear_model import Ridge

# %%
df = pd.read_csv("houses.csv")
print(df.describe())
print(df["price"].mean())

# %%
num_cols = ["area", "rooms", "age"]
X_train, X_test, y_train, y_test = train_test_split(df[num_cols], df["price"], test_size=0.2)

# %%
medians = X_train.median()
X_train, X_test = X_train.fillna(medians), X_test.fillna(medians)
mu, sd = X_train.mean(), X_train.std()
X_train, X_test = (X_train - mu) / sd, (X_test - mu) / sd
model = Ridge().fit(X_train, y_train)
print(model.score(X_test, y_test))
'''


def _lines(source: str) -> list[int]:
    return sorted(d.line for d in lint_snippet(source, ["DL401"]) if d.code == "DL401")


def test_exported_notebook_reports_one_leak_once_and_names_the_rest():
    found = [d for d in lint_snippet(LEAKY_CELLS, ["DL401"]) if d.code == "DL401"]
    text = LEAKY_CELLS.splitlines()
    assert len(found) == 1
    assert "median" in text[found[0].line - 1]
    assert f"(and 1 more of df on lines {found[0].line + 1})" in found[0].message


def test_exported_notebook_split_first_is_silent():
    assert _lines(FIXED_CELLS) == []


def test_message_names_the_split_line():
    found = [d for d in lint_snippet(LEAKY_CELLS, ["DL401"]) if d.code == "DL401"]
    split_line = next(n for n, t in enumerate(LEAKY_CELLS.splitlines(), 1) if "train_test_split(" in t)
    assert f"line {split_line}" in found[0].message


def _ipynb(cells_text: str) -> str:
    cells = []
    for chunk in cells_text.split("# %%")[1:]:
        body = chunk.split("\n", 1)[1] if "\n" in chunk else ""
        cells.append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                      "source": body.splitlines(keepends=True)})
    return json.dumps({"cells": cells, "metadata": {"language_info": {"name": "python"}},
                       "nbformat": 4, "nbformat_minor": 5})


def test_real_notebook_finding_is_mapped_to_its_cell():
    notebook = load_notebook(_ipynb(LEAKY_CELLS))
    found = lint_source(notebook.source, "n.ipynb", make_rules(["DL401"]), enabled_tool_codes=["DL401"])
    mapped = [notebook.map_diagnostic(d) for d in found if d.code == "DL401"]
    # Cells: markdown-as-code header, imports, read, preprocessing, split: the statistics are in cell 4.
    assert [d.cell for d in mapped] == [4]
    assert [d.line for d in mapped] == [2]


def test_kaggle_style_concatenation_then_index_split_is_reported():
    # The shape of the d2l.ai house-price chapter: standardise train+test together, then slice.
    source = '''
import pandas as pd
class House:
    def preprocess(self):
        features = pd.concat((self.raw_train.drop(columns=["Id", "y"]), self.raw_val.drop(columns=["Id"])))
        numeric = features.dtypes[features.dtypes != "object"].index
        features[numeric] = features[numeric].apply(lambda x: (x - x.mean()) / (x.std()))
        features[numeric] = features[numeric].fillna(0)
        self.train = features[:self.raw_train.shape[0]].copy()
        self.val = features[self.raw_train.shape[0]:].copy()
'''
    assert _lines(source) == [7]


def test_row_wise_apply_is_per_instance():
    source = '''
import pandas as pd
features = pd.read_csv("f.csv")
features = features.apply(lambda row: row / row.max(), axis=1)
train = features[:1000]
test = features[1000:]
'''
    assert _lines(source) == []
