"""Statistics and preprocessing fits over the sample axis: what DL401 looks for before a split.

A statistic over the instances (``X.mean(0)``, ``df.std()``, ``np.quantile(X, q, axis=0)``,
``df["age"].median()``, the ``x.mean()`` of a column-wise ``df.apply(lambda x: ...)``, scikit-learn's
``scale``) or a ``fit``/``fit_transform`` of a preprocessor whose fit learns statistics of the rows'
values (:func:`dllint.analysis.learning.fit_learns`) reads some data: :class:`SampleStatistics` says
which (followed back from ``df[cols].astype(float)`` to the frame), or None when the call is
per instance (``x.mean(axis=1)``, ``X[i].mean()``), per group or window (``groupby``,
``rolling``), over a part of the rows (``X[:n_train]``) or not over data at all. Where the result
goes and which split it leaks into are the facts of :mod:`dllint.analysis.fit_leaks`.
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis import learning
from dllint.analysis.calls import keyword, positional, string
from dllint.analysis.data import DataProvenance, chains, last_name
from dllint.analysis.imports import dotted_name
from dllint.context import FileContext

STATISTICS = frozenset({"mean", "std", "var", "min", "max", "quantile", "median", "nanmean",
                        "nanstd", "nanvar", "nanmin", "nanmax", "nanmedian", "nanquantile",
                        "percentile", "nanpercentile", "amin", "amax", "ptp", "zscore",
                        # scikit-learn's function forms of the scalers (axis 0 by default)
                        "scale", "minmax_scale", "robust_scale", "maxabs_scale",
                        "quantile_transform", "power_transform"})
_SKLEARN_SCALERS = frozenset({"scale", "minmax_scale", "robust_scale", "maxabs_scale",
                              "quantile_transform", "power_transform"})
# Statistics and fits whose result is the data transformed, not the statistic or the estimator.
TRANSFORMING = frozenset({"fit_transform", "zscore", *_SKLEARN_SCALERS})
# Position of the axis argument after the data: ``np.quantile(a, q, axis)``, ``x.quantile(q, dim)``.
_AXIS_AFTER_Q = frozenset({"quantile", "nanquantile", "percentile", "nanpercentile"})
_STAT_LIBRARIES = ("numpy", "torch", "pandas", "scipy", "sklearn")
# scikit-learn (and category_encoders-style) transformers whose fit learns from the data's values.
PREPROCESSORS = frozenset({
    "StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler", "QuantileTransformer",
    "PowerTransformer", "KBinsDiscretizer", "SimpleImputer", "KNNImputer", "IterativeImputer",
    "OneHotEncoder", "OrdinalEncoder", "TargetEncoder", "SelectKBest", "SelectPercentile",
    "SelectFpr", "SelectFdr", "SelectFwe", "GenericUnivariateSelect", "VarianceThreshold", "RFE",
    "RFECV", "SelectFromModel", "SequentialFeatureSelector", "PCA", "IncrementalPCA", "KernelPCA",
    "TruncatedSVD", "FastICA", "NMF", "FactorAnalysis", "CountVectorizer", "TfidfVectorizer",
    "TfidfTransformer", "DictVectorizer", "SplineTransformer",
})
# Composite transformers: ``fit_transform`` fits every step on the data (a ``fit`` may end in a
# model, which is training, not preprocessing).
PIPELINES = frozenset({"Pipeline", "make_pipeline", "ColumnTransformer", "make_column_transformer",
                       "FeatureUnion", "make_union"})
FIT_METHODS = frozenset({"fit", "fit_transform"})
# Pandas methods in a receiver chain that make the statistic per group or per window, not global.
_GROUPING = frozenset({"groupby", "rolling", "expanding", "resample", "ewm", "agg", "aggregate",
                       "transform", "apply", "map", "applymap"})
# Calls that run a lambda over a frame's columns (axis 0) or rows (axis 1).
_COLUMN_APPLIERS = frozenset({"apply", "transform", "agg", "aggregate"})


class SampleStatistics:
    """What a statistic or a preprocessing fit is computed over. ``in_helper`` is set while a
    function is summarised (:meth:`dllint.analysis.fit_leaks.FitLeaks.fit_summary`): there a
    parameter of the function is data too."""

    def __init__(self) -> None:
        self.in_helper = False

    def statistic_data(self, ctx: FileContext, provenance: DataProvenance, call: cst.Call,
                       name: str) -> cst.BaseExpression | None:
        """The data a statistic or fit reads, or None when it is not one over the sample axis."""
        func = call.func
        if name in FIT_METHODS:
            if not isinstance(func, cst.Attribute) \
                    or not self.is_preprocessor(provenance, func.value, call, name == "fit_transform"):
                return None
            first = positional(call, 0) or keyword(call, "X") or keyword(call, "raw_documents")
            if first is None or row_part(first.value):
                return None  # ``scaler.fit(data[:n_train])``: fitted on a part, the training rows
            return first.value
        qualified = ctx.imports.qualify(func) if isinstance(func, (cst.Attribute, cst.Name)) else None
        if qualified is not None and qualified.split(".")[0] in _STAT_LIBRARIES:
            # Function form: np.mean(X, axis=0), torch.std(x, dim=0).
            data_arg = positional(call, 0) or keyword(call, "a") or keyword(call, "input")
            if data_arg is None:
                return None
            axis_position = 2 if name in _AXIS_AFTER_Q else 1
            data = data_arg.value
        elif name in _SKLEARN_SCALERS:
            return None  # ``x.scale(...)``, ``scale(...)`` of something that is not scikit-learn
        elif isinstance(func, cst.Attribute):
            if isinstance(func.value, cst.Name) and func.value.value in ctx.imports.aliases:
                return None  # a function of some other imported module
            axis_position = 1 if name in _AXIS_AFTER_Q else 0
            data = func.value
        else:
            return None  # builtin min()/max() over a Python sequence
        if not _over_samples(call, axis_position):
            return None
        return self.sample_data(ctx, provenance, data)

    def sample_data(self, ctx: FileContext, provenance: DataProvenance,
                    data: cst.BaseExpression) -> cst.BaseExpression | None:
        """Follow ``df[cols].astype(float)`` back to the frame; None when the reduction is per
        instance, per group or per window."""
        current = data
        while True:
            if isinstance(current, cst.Call) and _library_call(ctx, current):
                # ``np.asarray(X)``, ``torch.tensor(df.values)``: the data is the argument;
                # ``np.load("x.npy")``: the data is created here, it has no name yet.
                first = positional(current, 0)
                if first is None or isinstance(first.value, (cst.SimpleString, cst.FormattedString)):
                    return current
                current = first.value
                continue
            if isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute):
                if current.func.attr.value in _GROUPING:
                    return None
                current = current.func.value
                continue
            if isinstance(current, cst.Subscript):
                first = current.slice[0].slice if current.slice else None
                if row_part(current):
                    return None  # ``X[:n_train]``: a part of the rows, not the whole data
                if isinstance(first, cst.Index) and not _is_column_key(first.value):
                    return None  # X[i]: one instance (or an unknown selection)
                current = current.value
                continue
            if isinstance(current, cst.Attribute) \
                    and current.attr.value in ("values", "iloc", "loc", "T", "data", "dataset"):
                if current.attr.value == "T":
                    return None  # a transpose turns the axes around
                current = current.value if current.attr.value in ("values", "iloc", "loc") else current
                if isinstance(current, cst.Attribute) and current.attr.value in ("data", "dataset"):
                    break
                continue
            break
        if isinstance(current, cst.Name):
            lam = ctx.index.enclosing(current, cst.Lambda)
            if lam is not None and any(p.name.value == current.value for p in lam.params.params):
                # A lambda's parameter: a column when the lambda is applied column-wise, else
                # (row-wise, ``map``, a key function) one instance or something unknown.
                return self.lambda_param_owner(ctx, current)
            function = ctx.index.function_of(current)
            if function is not None and _is_parameter(function, current.value) \
                    and not _is_split_in(provenance, function) and not self.in_helper:
                return None
        if dotted_name(current) is None:
            return None
        return current

    def lambda_param_owner(self, ctx: FileContext, name: cst.Name) -> cst.BaseExpression | None:
        """For ``frame.apply(lambda x: x - x.mean())``: the frame whose columns ``x`` takes."""
        lam = ctx.index.enclosing(name, cst.Lambda)
        if lam is None or not any(p.name.value == name.value for p in lam.params.params):
            return None
        arg = ctx.index.parent(lam)
        call = ctx.index.parent(arg) if isinstance(arg, cst.Arg) else None
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
                and call.func.attr.value in _COLUMN_APPLIERS):
            return None
        axis = keyword(call, "axis")
        if axis is not None and not (_literal_int(axis.value) == 0 or string(axis.value) == "index"):
            return None  # row-wise: a statistic per instance
        owner = call.func.value
        return self.sample_data(ctx, ctx.analysis(DataProvenance), owner) if not isinstance(owner, cst.Name) else owner

    def is_preprocessor(self, provenance: DataProvenance, receiver: cst.BaseExpression,
                        at: cst.CSTNode, transforms: bool = False) -> bool:
        """A transformer whose fit learns statistics of the rows' values (not only the set of
        categories or words that occur: :func:`dllint.analysis.learning.fit_learns`)."""
        kinds = PREPROCESSORS | PIPELINES if transforms else PREPROCESSORS
        if isinstance(receiver, cst.Call):
            calls = [receiver]
        else:
            dotted = dotted_name(receiver)
            if dotted is None:
                return False
            calls = [b.value for b in provenance.lookup(at, dotted)
                     if isinstance(b.value, cst.Call) and b.kind == "assign"]
            if not calls and isinstance(receiver, cst.Attribute):
                # a base class's method fits what its subclasses build (``self.pipeline`` set in
                # each subclass's ``__init__``, here or in another module)
                calls = provenance.subclass_constructors(receiver, at)
        return any(last_name(c.func) in kinds and learning.fit_learns(c) == learning.STATISTICS
                   for c in calls)


def selection_owner(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``X[num_columns].copy()`` -> ``X``: the frame a column selection (or a copy) is taken from."""
    while True:
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) \
                and expr.func.attr.value in ("copy", "astype", "to_numpy", "reset_index"):
            expr = expr.func.value
        elif isinstance(expr, cst.Subscript) and not row_part(expr):
            expr = expr.value
        elif isinstance(expr, cst.Attribute) and expr.attr.value in ("values", "loc", "iloc"):
            expr = expr.value
        else:
            return expr


def data_roots(expr: cst.BaseExpression) -> list[str]:
    """The names data is known by, longest first: ``self.X.v`` -> ``self.X.v``, ``self.X`` (never a bare
    ``self`` or ``cls``), or the chains an expression reads."""
    dotted = dotted_name(expr)
    if dotted is None:
        return list(chains(expr))
    parts = dotted.split(".")
    return [".".join(parts[:end]) for end in range(len(parts), 0, -1)
            if ".".join(parts[:end]) not in ("self", "cls")]


def row_part(expr: cst.BaseExpression) -> bool:
    """``x[:n]``, ``x[a:b]``, ``df.iloc[n:]``: a bounded slice of the rows (the first axis)."""
    if not isinstance(expr, cst.Subscript) or not expr.slice:
        return False
    piece = expr.slice[0].slice
    return isinstance(piece, cst.Slice) and piece.step is None \
        and (piece.lower is not None or piece.upper is not None)


def _literal_int(expr: cst.BaseExpression) -> int | None:
    if isinstance(expr, cst.Integer):
        return int(expr.value)
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus) \
            and isinstance(expr.expression, cst.Integer):
        return -int(expr.expression.value)
    return None


def _over_samples(call: cst.Call, axis_position: int) -> bool:
    """Does the reduction include axis 0 (the instances)? No axis means all axes (numpy, torch) or
    axis 0 (pandas): both include it. An axis we cannot read is treated as not."""
    axis = keyword(call, "axis") or keyword(call, "dim") or positional(call, axis_position)
    if axis is None:
        return True
    value = axis.value
    if isinstance(value, cst.Name) and value.value == "None":
        return True
    if isinstance(value, (cst.Tuple, cst.List)):
        return any(_literal_int(e.value) == 0 for e in value.elements)
    text = string(value)
    if text is not None:
        return text in ("index", "rows")
    return _literal_int(value) == 0


def _is_column_key(expr: cst.BaseExpression) -> bool:
    """``df["age"]``, ``df[["a", "b"]]``, ``df[cols]``, ``X[:, 0]``-style selections keep all
    instances; an integer or a loop index selects one."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return True
    if isinstance(expr, (cst.List, cst.Tuple)):
        return all(isinstance(e.value, cst.SimpleString) for e in expr.elements)
    if isinstance(expr, cst.Name):
        lowered = expr.value.lower()
        return any(word in lowered for word in ("col", "feat", "numeric", "categor", "field", "attr"))
    return False


def _is_parameter(function: cst.FunctionDef, name: str) -> bool:
    params = function.params
    every = (*params.posonly_params, *params.params, *params.kwonly_params)
    return any(p.name.value == name for p in every)


def _is_split_in(provenance: DataProvenance, function: cst.FunctionDef) -> bool:
    return any(s.scope is function for s in provenance.splits)


def class_count(ctx: FileContext, call: cst.Call) -> bool:
    """``y.max() + 1``: the number of classes, not a scaling statistic."""
    parent = ctx.index.parent(call)
    return isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Add) \
        and isinstance(parent.right, cst.Integer) and parent.right.value == "1"


def _library_call(ctx: FileContext, call: cst.Call) -> bool:
    """A function of an imported library (``np.load``, ``torch.tensor``), not a method of data."""
    head: cst.BaseExpression = call.func
    while isinstance(head, cst.Attribute):
        head = head.value
    return isinstance(head, cst.Name) and head.value in ctx.imports.aliases \
        and call.func is not head
