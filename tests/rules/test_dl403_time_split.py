"""DL403: the time evidence must come first and reach the split through data flow."""
from __future__ import annotations

from dllint.testing import lint_snippet


def _lines(source: str) -> list[int]:
    return sorted(d.line for d in lint_snippet(source, ["DL403"]) if d.code == "DL403")


def test_sort_after_the_split_is_not_evidence():
    source = """
import pandas as pd
from sklearn.model_selection import train_test_split
train, test = train_test_split(df, test_size=0.2)
train = train.sort_values("date")
"""
    assert _lines(source) == []


def test_evidence_in_another_function_does_not_count():
    source = """
import pandas as pd
from sklearn.model_selection import train_test_split
def load():
    return pd.read_csv("x.csv").sort_values("date")
def split(df):
    return train_test_split(df, test_size=0.2)
"""
    assert _lines(source) == []


def test_derived_arrays_carry_the_order():
    source = """
import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv("x.csv")
df = df.sort_values(by="Timestamp")
values = df[["a", "b"]].to_numpy()
target = df["y"].to_numpy()
Xtr, Xte, ytr, yte = train_test_split(values, target)
"""
    assert _lines(source) == [8]


def test_shuffle_given_by_a_variable_is_unknown_and_silent():
    source = """
import pandas as pd
from sklearn.model_selection import train_test_split
df = df.sort_values("date")
a, b = train_test_split(df, shuffle=args.shuffle)
"""
    assert _lines(source) == []
