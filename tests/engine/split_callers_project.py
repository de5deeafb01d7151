"""A project whose preprocessing helpers fit on their argument (DL401) in one module, and whose
callers in other modules split the result (Palashio/libra's layout: ``modeling/`` and
``dev_pipeliner/`` put ``./preprocessing`` on ``sys.path`` and import the helpers from there). The
leak is reported at the caller's call and, in the helper's module, at the fit. Written into a
temporary directory by the tests; ``EXPECTED`` lists its findings as (path, line, code)."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "setup.py": "",
    "preprocessing/prep.py": '''import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def structured_preprocesser(data):
    numeric = data.select_dtypes(include=["number"]).columns
    pipeline = ColumnTransformer([
        ("num", Pipeline([("imputer", SimpleImputer(strategy="median")),
                          ("scaler", StandardScaler())]), numeric),
    ])
    data = pipeline.fit_transform(data)
    return pd.DataFrame(data, columns=list(numeric)), pipeline


def initial_preprocesser(data, target):
    y = data[target]
    del data[target]
    data, pipeline = structured_preprocesser(data)
    return data, y


def scale_part(part):
    return StandardScaler().fit_transform(part)


def encode(frame):
    return OneHotEncoder().fit_transform(frame)


def standardize(frame):
    return (frame - frame.mean()) / frame.std()
''',
    "modeling/tuner.py": '''import sys

import pandas as pd
from sklearn.model_selection import train_test_split

sys.path.insert(1, "./preprocessing")
from prep import encode, scale_part, structured_preprocesser


def tune(path, target):
    data = pd.read_csv(path)
    y = data.pop(target)
    data, pipeline = structured_preprocesser(data)
    X_train, X_test, y_train, y_test = train_test_split(data, y, test_size=0.2)
    return X_train, X_test


def tune_after_split(path, target):
    data = pd.read_csv(path)
    y = data.pop(target)
    X_train, X_test, y_train, y_test = train_test_split(data, y, test_size=0.2)
    X_train = scale_part(X_train)
    return X_train, X_test


def tune_encoded(path, target):
    data = pd.read_csv(path)
    y = data.pop(target)
    data = encode(data)
    return train_test_split(data, y)
''',
    "dev_pipeliner/pipeline.py": '''import sys

import pandas as pd
from sklearn.model_selection import train_test_split

sys.path.insert(1, "./preprocessing")
import prep


def run(path):
    frame = pd.read_csv(path)
    data, y = prep.initial_preprocesser(frame, "label")
    return train_test_split(data, y, test_size=0.25)


def describe(path):
    frame = pd.read_csv(path)
    return prep.standardize(frame)
''',
}

EXPECTED = {
    # the fit in the helper, split by tuner.tune afterwards
    ("preprocessing/prep.py", 14, "DL401"),
    # the helper that calls it, split by pipeline.run afterwards
    ("preprocessing/prep.py", 21, "DL401"),
    # the callers, each at its call
    ("modeling/tuner.py", 13, "DL401"),
    ("dev_pipeliner/pipeline.py", 12, "DL401"),
}


def write(root: Path) -> Path:
    return write_files(root, FILES)
