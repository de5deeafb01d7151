"""What fitting an estimator takes from the rows it is fitted on.

The data rules ask of a ``fit``: does the fitted object carry something of those rows into what is
computed on other rows? Three answers, read from the estimator's constructor call:

* ``STATISTICS``: values computed from the rows' values (a mean, a scale, a quantile, an idf, a
  basis, a selection, a model's weights, a calibration map). Anything not known below.
* ``CATEGORIES``: only the set of values that occur (``OneHotEncoder``, ``OrdinalEncoder``,
  ``LabelEncoder``, ``LabelBinarizer``, ``DictVectorizer``, a ``CountVectorizer`` whose vocabulary
  is every word seen). A category or a word that occurs only in held-out rows gets a column (or a
  code) that no training row sets, so nothing of those rows reaches the model. Frequency
  thresholds (``min_df``, ``max_df``, ``max_features``, ``min_frequency``, ``max_categories``)
  choose the set by counts over the rows: statistics again.
* ``NOTHING``: the fit learns nothing from the rows (explicit ``categories=``, a stateless
  ``HashingVectorizer``) or only measures an estimator fitted before (``PermutationImportance``
  with its default ``cv="prefit"``: it scores the prefit model on shuffled columns).

A wrapper with prefit semantics that learns a map on top of the prefit model
(``CalibratedClassifierCV(cv="prefit")``, a stacking estimator's final model) still learns from
the rows: ``STATISTICS``.
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.calls import keyword, string

STATISTICS, CATEGORIES, NOTHING = "statistics", "categories", "nothing"

# Estimators whose fit keeps the set of values seen (sorted), and nothing else by default.
_CATEGORY_SETS = frozenset({"OneHotEncoder", "OrdinalEncoder", "LabelEncoder", "LabelBinarizer",
                            "MultiLabelBinarizer", "DictVectorizer", "CountVectorizer"})
# Keywords that choose the categories or the words by their counts over the rows.
_FREQUENCY_KEYWORDS = frozenset({"min_df", "max_df", "max_features", "min_frequency", "max_categories"})
# Keywords that give the categories: the fit then learns nothing from the rows.
_GIVEN_KEYWORDS = frozenset({"categories", "vocabulary", "classes"})
_STATELESS = frozenset({"HashingVectorizer", "FunctionTransformer"})
# Wrappers that only measure the estimator they are given when it is prefitted.
_PREFIT_MEASURES = frozenset({"PermutationImportance"})


def fit_learns(constructor: cst.Call) -> str:
    """What a ``fit`` of the estimator built by ``constructor`` (``OneHotEncoder(...)``) takes from
    its rows: ``STATISTICS``, ``CATEGORIES`` or ``NOTHING`` (module docstring)."""
    func = constructor.func
    name = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else None
    if name is None:
        return STATISTICS
    if any(arg.star for arg in constructor.args):
        return STATISTICS  # ``**params``: the thresholds are not known
    if name in _STATELESS:
        return NOTHING
    if name in _PREFIT_MEASURES:
        cv = keyword(constructor, "cv")
        return NOTHING if cv is None or string(cv.value) == "prefit" else STATISTICS
    if name not in _CATEGORY_SETS:
        return STATISTICS
    for arg in constructor.args:
        if arg.keyword is None:
            continue
        word = arg.keyword.value
        if word in _FREQUENCY_KEYWORDS and not _keeps_all(word, arg.value):
            return STATISTICS
    given = [a for a in constructor.args if a.keyword is not None and a.keyword.value in _GIVEN_KEYWORDS]
    if given and all(not _none(a.value) and string(a.value) != "auto" for a in given):
        return NOTHING
    return CATEGORIES


def _none(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value == "None"


def _keeps_all(word: str, value: cst.BaseExpression) -> bool:
    """The threshold's default, which keeps every value: ``None``, ``min_df=1`` (an int: one
    document), ``max_df=1.0`` (a float: every document)."""
    if _none(value):
        return True
    if word == "min_df":
        return isinstance(value, cst.Integer) and value.value == "1"
    if word == "max_df":
        return isinstance(value, cst.Float) and float(value.value) == 1.0
    return False
