"""Facts of the data rules: what a fit learns from its rows, statistics used only as range bounds,
the columns of a two-period frame, the parts of a hand-written holdout, what built an object."""
from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from dllint.analysis.data import TEST, TRAIN, DataProvenance
from dllint.analysis.learning import CATEGORIES, NOTHING, STATISTICS, fit_learns
from dllint.context import FileContext


def _provenance(source: str) -> tuple[FileContext, DataProvenance]:
    source = textwrap.dedent(source)
    ctx = FileContext("", source, cst.parse_module(source))
    return ctx, ctx.analysis(DataProvenance)


@pytest.mark.parametrize("constructor, learns", [
    ("OneHotEncoder()", CATEGORIES),
    ("OneHotEncoder(handle_unknown='ignore', drop='first')", CATEGORIES),
    ("preprocessing.OrdinalEncoder()", CATEGORIES),
    ("LabelEncoder()", CATEGORIES),
    ("DictVectorizer(sparse=False)", CATEGORIES),
    ("CountVectorizer(stop_words='english', min_df=1, max_df=1.0)", CATEGORIES),
    ("OrdinalEncoder(categories=[['I', 'II', 'III']])", NOTHING),
    ("OneHotEncoder(categories='auto')", CATEGORIES),
    ("HashingVectorizer(n_features=2**10)", NOTHING),
    ("PermutationImportance(rf, n_iter=15)", NOTHING),
    ("PermutationImportance(rf, cv='prefit')", NOTHING),
    ("PermutationImportance(rf, cv=None)", STATISTICS),
    ("CalibratedClassifierCV(rf, cv='prefit')", STATISTICS),
    ("CountVectorizer(min_df=2)", STATISTICS),
    ("CountVectorizer(max_df=1)", STATISTICS),  # an int: at most one document
    ("CountVectorizer(min_df=1.0)", STATISTICS),  # a float: every document
    ("CountVectorizer(max_features=5000)", STATISTICS),
    ("OneHotEncoder(min_frequency=10)", STATISTICS),
    ("OneHotEncoder(max_categories=20)", STATISTICS),
    ("OneHotEncoder(**params)", STATISTICS),
    ("TfidfVectorizer()", STATISTICS),
    ("TargetEncoder()", STATISTICS),
    ("StandardScaler()", STATISTICS),
    ("SimpleImputer(strategy='median')", STATISTICS),
    ("PCA(n_components=2)", STATISTICS),
])
def test_what_a_fit_learns(constructor: str, learns: str) -> None:
    call = cst.parse_expression(constructor)
    assert isinstance(call, cst.Call)
    assert fit_learns(call) == learns


def _statistic_calls(source: str) -> dict[str, bool]:
    """``only_bounds`` for every ``.min()`` / ``.max()`` / ``.mean()`` call, keyed by its code and line."""
    ctx, provenance = _provenance(source)
    out: dict[str, bool] = {}
    for call in ctx.index.of_type(cst.Call):
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("min", "max", "mean"):
            out[f"{ctx.position(call).start.line}:{ctx.code_for(call)}"] = provenance.only_bounds(call)
    return out


def test_statistics_that_only_bound_a_range():
    found = _statistic_calls("""
        full = df.reindex(pd.date_range(df.index.min(), df.index.max(), freq="D"))
        earliest = sub["year"].min()
        latest = min(sub["year"].max(), 2019)
        years = [y for y in range(earliest, latest + 1)]
        days = cal.holidays(start=df.t.min(), end=df.t.max())
        grid = np.arange(X[:, 0].min() - 1, X[:, 0].max() + 1, 0.02)
        first_year = df.date.min().year
        span = list(range(first_year, 2020))
        lo = df.price.min()
        bins = np.linspace(lo, 10, 5)
        shifted = df.price - lo
        centre = df.price.mean()
        g = np.arange(0, 10, centre)
        unused = df.price.max()
    """)
    assert found == {
        "2:df.index.min()": True, "2:df.index.max()": True,
        "3:sub[\"year\"].min()": True, "4:sub[\"year\"].max()": True,
        "6:df.t.min()": True, "6:df.t.max()": True,
        "7:X[:, 0].min()": True, "7:X[:, 0].max()": True,
        "8:df.date.min()": True,
        "10:df.price.min()": False,  # also shifts the prices
        "13:df.price.mean()": False,  # a step, not a bound
        "15:df.price.max()": False,  # never read: nothing says it is a bound
    }


def _roles(source: str) -> dict[str, frozenset[str]]:
    """The roles of the first argument of every ``probe(...)`` call, keyed by its code."""
    ctx, provenance = _provenance(source)
    return {ctx.code_for(c.args[0].value): provenance.roles(c.args[0].value)
            for c in ctx.index.of_type(cst.Call)
            if isinstance(c.func, cst.Name) and c.func.value == "probe"}


def test_the_columns_of_a_two_period_frame():
    roles = _roles("""
        summary_cal_holdout = calibration_and_holdout_data(df, "id", "date", calibration_period_end="2011-06-08")
        probe(summary_cal_holdout["frequency_cal"])
        probe(summary_cal_holdout["T_cal"])
        probe(summary_cal_holdout["frequency_holdout"])
        probe(summary_cal_holdout["customer"])
        probe(summary_cal_holdout)
        holdout_frame = summarise(df)
        probe(holdout_frame["frequency_cal"])
    """)
    assert roles == {
        'summary_cal_holdout["frequency_cal"]': frozenset({TRAIN}),
        'summary_cal_holdout["T_cal"]': frozenset({TRAIN}),
        'summary_cal_holdout["frequency_holdout"]': frozenset({TEST}),
        'summary_cal_holdout["customer"]': frozenset(),
        "summary_cal_holdout": frozenset({TRAIN, TEST}),
        'holdout_frame["frequency_cal"]': frozenset({TEST}),  # no two-period call: the name decides
    }


def test_a_returned_part_without_a_role_keeps_none():
    roles = _roles("""
        def create_train_test(ratings):
            train = ratings.copy()
            test = np.zeros_like(ratings)
            for u in range(ratings.shape[0]):
                test_index = np.random.choice(ratings.shape[1], size=2)
                test[u, test_index] = ratings[u, test_index]
                train[u, test_index] = 0
            return train, test
        a, b = create_train_test(X)
        probe(a)
        probe(b)
        X_train, X_test = create_train_test(X)
        probe(X_train)
        c, d = create_train_test(test_ratings)
        probe(c)
        def evaluate(model, loader):
            return opaque(model), 1
        mse, n = evaluate(model, test_loader)
        probe(mse)
    """)
    assert roles == {"a": frozenset(), "b": frozenset({TEST}), "X_train": frozenset({TRAIN}),
                     "c": frozenset({TEST}), "mse": frozenset({TEST})}  # what the call is given


def test_what_built_an_object():
    ctx, provenance = _provenance("""
        enc = OneHotEncoder().fit(X)
        probe(enc)
        if flag:
            scaler = StandardScaler()
        else:
            scaler = MinMaxScaler()
        probe(scaler)
        def f(model):
            probe(model)
        stopper = None
        stopper = make()
        probe(stopper)
    """)
    built = {}
    for call in ctx.index.of_type(cst.Call):
        if isinstance(call.func, cst.Name) and call.func.value == "probe":
            calls = provenance.constructors(call.args[0].value, call)
            built[ctx.code_for(call.args[0].value)] = None if calls is None else \
                sorted(ctx.code_for(c) for c in calls)
    assert built == {"enc": ["OneHotEncoder()"], "scaler": ["MinMaxScaler()", "StandardScaler()"],
                     "model": None, "stopper": ["make()"]}
