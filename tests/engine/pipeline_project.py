"""A project whose base model class fits a feature pipeline that its subclasses build, each in
another module (the layout of mozilla/bugbug: ``model.py`` holds ``Model.train``, ``models/*.py``
the models). Written into a temporary directory by the tests; ``EXPECTED`` lists its findings as
(path, line, code)."""
from __future__ import annotations

from pathlib import Path

from project_lint import write_files

FILES = {
    "setup.py": "",
    "featlib/__init__.py": "",
    "featlib/model.py": '''from sklearn.model_selection import train_test_split


class Model:
    def __init__(self):
        self.extraction_pipeline = None

    def train(self, items, y):
        X = self.extraction_pipeline.fit_transform(items)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.1)
        self.clf.fit(X_train, y_train)
        return self.clf.score(X_test, y_test)


class BugModel(Model):
    pass


class Encoder:
    """Not a model: its own subclasses' pipelines say nothing of Model's."""

    def train(self, items, y):
        X = self.extraction_pipeline.fit_transform(items)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.1)
        return X_train, X_test


class SafeModel:
    def train(self, items, y):
        X_train, X_test, y_train, y_test = train_test_split(items, y, test_size=0.1)
        X_train = self.extraction_pipeline.fit_transform(X_train)
        return X_train, self.extraction_pipeline.transform(X_test)
''',
    "featlib/models/__init__.py": "",
    # a subclass two classes down, in another module, through a relative import
    "featlib/models/defect.py": '''from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline

from ..model import BugModel


class DefectModel(BugModel):
    def __init__(self):
        super().__init__()
        self.extraction_pipeline = Pipeline([
            ("union", ColumnTransformer([
                ("data", DictVectorizer(), "data"),
                ("title", TfidfVectorizer(min_df=0.001), "title"),
            ])),
        ])
''',
    # a class of another module that is not a subclass of Encoder: it builds an idf pipeline
    # too, and Encoder.train stays silent (its own subclass below learns only the words)
    "featlib/models/other.py": '''from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from featlib.model import Encoder, SafeModel


class Unrelated:
    def __init__(self):
        self.extraction_pipeline = TfidfVectorizer()


class WordEncoder(Encoder):
    def __init__(self):
        self.extraction_pipeline = CountVectorizer()


class SafeDefect(SafeModel):
    def __init__(self):
        self.extraction_pipeline = TfidfVectorizer()
''',
}

EXPECTED = {
    # Model.train fits DefectModel's idf pipeline (featlib/models/defect.py) on every item, then splits
    ("featlib/model.py", 9, "DL401"),
}


def write(root: Path) -> Path:
    return write_files(root, FILES)
