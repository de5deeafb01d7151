"""DL403: a shuffled random split of data that is ordered in time.

When instances are ordered by time (log lines, prices, sensor readings, e-mails), a deployed model
only ever predicts the future from the past. A shuffled split puts tomorrow's rows in the training
set and yesterday's in the test set, so the model is tested on interpolation between neighbours it
has already seen: lag features and slowly drifting series make that nearly free, and the test score
says nothing about forecasting. The fix keeps the order: ``train_test_split(..., shuffle=False)`` or
``TimeSeriesSplit`` for cross-validation.

The rule needs evidence that the data is a time series before the split, in the same scope, and a
data-flow link from that evidence to the split's input: sorting by a date or time column
(``sort_values("date")``), a time index (``set_index("timestamp")``, ``df.index = pd.to_datetime(...)``,
``read_csv(..., parse_dates=..., index_col=...)``), lag or window features (``.shift(1)``,
``.rolling(7)``), a variable named as a time series (``series``, ``timeseries``), or a read of the
last row's time (``end = df["date"].iloc[-1]``: the last row is taken for the latest instant, so the
frame's rows are in time order since it was last bound; its ``max()`` or first row say nothing).
Shuffling splits: ``train_test_split`` without ``shuffle=False`` (``**params`` of unknown content
keep its default, unless the module names a ``shuffle`` key of that dict), ``random_split``,
``KFold(shuffle=True)``, ``ShuffleSplit`` and friends. A top-level function or a method of a
top-level class that splits a parameter's data is judged by what its callers pass; and a split
whose parts are cut into overlapping windows afterwards (in its scope, or by callers of a function
that returns them) is of consecutive instants.

Sorting by a date column is taken as that evidence on its own. A cross-sectional frame (one day's
scrape of searches) sorted by a date only for display is reported too: nothing in the code tells
its rows from a series sorted for forecasting (docs/audit-2026-12b.md, cause Q, left as it is).
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.callers import CallSite, ProjectCallers, owner_class
from dllint.analysis.calls import keyword, positional, string
from dllint.analysis.data import DataProvenance, chains, last_name, name_tokens
from dllint.analysis.imports import dotted_name
from dllint.analysis.parameter_uses import parameter_for
from dllint.analysis.windows import WindowFacts
from dllint.context import FileContext
from dllint.index import iter_subtree
from dllint.rule import Rule

_TIME_WORDS = frozenset({"date", "dates", "datetime", "time", "timestamp", "timestamps", "dt", "day",
                         "days", "year", "month", "week", "hour", "minute", "period", "epoch_time"})
_SERIES_WORDS = frozenset({"series", "timeseries"})
_MESSAGE = ("a shuffled split of data ordered in time ({why}): the test set then holds the past's "
            "future; use TimeSeriesSplit or shuffle=False")

VALID = [
    # The order is kept: shuffle=False.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv("sales.csv").sort_values("date")
X, y = df.drop(columns="sales"), df["sales"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, shuffle=False)
""",
    # TimeSeriesSplit is the right cross-validation for ordered data.
    """
import pandas as pd
from sklearn.model_selection import TimeSeriesSplit
df = pd.read_csv("prices.csv", parse_dates=["date"], index_col="date")
df["lag1"] = df["close"].shift(1)
for tr, te in TimeSeriesSplit(5).split(df):
    pass
""",
    # Sorted by something that is not time.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv("houses.csv").sort_values("price")
train, test = train_test_split(df, test_size=0.2)
""",
    # No evidence of time order at all.
    """
from sklearn.model_selection import train_test_split
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
""",
    # The time-ordered frame is not what is split.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
events = pd.read_csv("events.csv").sort_values("timestamp")
print(events.head())
train, test = train_test_split(images, test_size=0.1)
""",
    # KFold without shuffle keeps contiguous blocks.
    """
import pandas as pd
from sklearn.model_selection import KFold
df = df.sort_values("date")
for tr, te in KFold(n_splits=5).split(df):
    pass
""",
    # The split happens before the time features are built, on other data.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
train_ids, test_ids = train_test_split(user_ids, test_size=0.2)
df = df.sort_values("date")
""",
    # Lag features, then a chronological split by a cut-off date: the right way.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
df = df.sort_values("Date")
for k in range(1, 6):
    df[f"lag_{k}"] = df["Close"].shift(k)
cutoff = df["Date"].iloc[-30]
train, test = df[df["Date"] < cutoff], df[df["Date"] >= cutoff]
inner_train, inner_val = train_test_split(train, test_size=0.2, shuffle=False)
""",
    # A manual chronological split by index.
    """
import pandas as pd
df = df.sort_values("timestamp")
n = int(len(df) * 0.8)
train, test = df[:n], df[n:]
""",
    # A dataset of disjoint blocks (the loop steps by the block length): no window overlaps another.
    """
import torch
from torch.utils.data import Dataset, random_split
class Blocks(Dataset):
    def __init__(self, signal, k):
        self.items = [signal[i:i + k] for i in range(0, len(signal) - k, k)]
    def __len__(self):
        return len(self.items)
    def __getitem__(self, idx):
        return self.items[idx]
train_ds, val_ds = random_split(Blocks(torch.load("s.pt"), 64), [0.8, 0.2])
""",
    # One element per position (x[i:i + 1]) is no window; and the windows are made after the
    # split, from the training sequences only.
    """
import numpy as np
from sklearn.model_selection import train_test_split
class Frames:
    def __init__(self, recordings):
        self.frames = [recordings[i:i + 1] for i in range(len(recordings))]
def windows(seqs, k):
    return np.stack([s[t - k:t] for s in seqs for t in range(k, len(s))])
train_seqs, test_seqs = train_test_split(np.load("recordings.npy"), test_size=0.2)
ds = Frames(np.load("frames.npy"))
train_ds, test_ds = train_test_split(ds.frames, test_size=0.2)
x_train = windows(train_seqs, 10)
""",
    # A random mask that only subsamples (no complement is taken), and masks that write rows
    # (``df.loc[noise, ...] = ...``) rather than take them: no split.
    """
import numpy as np
import pandas as pd
df = pd.read_csv("prices.csv").sort_values("date")
keep = np.random.rand(len(df)) < 0.5
sample = df[keep]
noise = np.random.rand(len(df)) < 0.1
df.loc[noise, "price"] = 0.0
df.loc[~noise, "flag"] = 1
""",
    # A random mask split of data with no time order, and a helper whose callers pass shuffled
    # images, not windows.
    """
import numpy as np
import pandas as pd
houses = pd.read_csv("houses.csv")
msk = np.random.rand(len(houses)) < 0.8
train, test = houses[msk], houses[~msk]
def split_rows(data, ratio):
    mask = np.zeros(len(data), dtype=bool)
    mask[:int(len(data) * ratio)] = True
    np.random.shuffle(mask)
    return data[mask], data[np.invert(mask)]
images = np.load("images.npy")
a, b = split_rows(images, 0.8)
""",
    # A date column that is only a feature (days since sign-up), its latest value taken with max():
    # rows of customers, not a series.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv("customers.csv", parse_dates=["signup_date"])
now = df["signup_date"].max()
df["tenure"] = (now - df["signup_date"]).dt.days
train, test = train_test_split(df, test_size=0.2, random_state=0)
""",
    # The last row's time is read, but shuffle=False comes through **params: a dict literal, a key
    # set on a config dict, or a dict that a sibling sets the key of.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
def split(df, config):
    end = df["date"].iloc[-1]
    params = {"test_size": 0.2, "shuffle": False}
    a = train_test_split(df, **params)
    config["split"].setdefault("shuffle", False)
    b = train_test_split(df, **config["split"])
    return a, b, end
""",
    """
from sklearn.model_selection import train_test_split
class Kitchen:
    def __init__(self, config):
        self.config = config
        if "shuffle" not in self.config["split"]:
            self.config["split"].update({"shuffle": False})
    def make_datasets(self, frame, labels):
        return train_test_split(frame, labels, **self.config["split"])
def train(df, kitchen):
    print("training up to", df["date"].iloc[-1])
    return kitchen.make_datasets(df[["a", "b"]], df["y"])
""",
    # The same frame cross-validated with folds that keep the order or split by group.
    """
import pandas as pd
from sklearn.model_selection import GroupKFold, TimeSeriesSplit
def folds(df):
    last = df.timestamp.values[-1]
    for tr, te in TimeSeriesSplit(5).split(df):
        pass
    for tr, te in GroupKFold(5).split(df, groups=df["user"]):
        pass
    return last
""",
    # The first row's date alone (a day's snapshot is labelled by it) says nothing about order.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
def split(df):
    day = df["date"].iloc[0]
    return train_test_split(df.drop(columns="date"), test_size=0.2), day
""",
    # Kept in order before the windows are cut (shuffle=False), and a shuffled split whose parts
    # are cut into disjoint blocks, which share nothing.
    """
import numpy as np
from sklearn.model_selection import train_test_split
def blocks(x, k):
    return np.stack([x[i:i + k] for i in range(0, len(x) - k, k)])
def windows(x, k):
    out = []
    for i in range(len(x) - k):
        end = i + k
        out.append(x[i:end])
    return out
def split(data):
    kept_train, kept_test = train_test_split(data, test_size=0.1, shuffle=False)
    a, b = train_test_split(data, test_size=0.1)
    return windows(kept_train, 20), windows(kept_test, 20), blocks(a, 20), blocks(b, 20)
""",
]

INVALID = [
    """
import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv("sales.csv").sort_values("date")
X, y = df.drop(columns="sales"), df["sales"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)  # expect: DL403
""",
    # Lag features make the neighbour in the training set give the answer away.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv("load.csv")
df["lag_1"] = df["load"].shift(1)
df["lag_24"] = df["load"].shift(24)
df = df.dropna()
X_train, X_test, y_train, y_test = train_test_split(df[["lag_1", "lag_24"]], df["load"],  # expect: DL403
                                                    test_size=0.2, random_state=42)
""",
    # A time index.
    """
import pandas as pd
from sklearn.model_selection import KFold
data = pd.read_csv("weather.csv")
data = data.set_index("timestamp")
kf = KFold(n_splits=5, shuffle=True, random_state=0)
for train_idx, val_idx in kf.split(data):  # expect: DL403
    pass
""",
    # Sorted in place inside a function.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
def prepare(df):
    df.sort_values(by=["user", "event_time"], inplace=True)
    features = df[["a", "b"]].values
    return train_test_split(features, test_size=0.1)  # expect: DL403
""",
    # torch: windows of a series split at random.
    """
import torch
from torch.utils.data import TensorDataset, random_split
series = torch.load("series.pt")
windows = series.unfold(0, 48, 1)
ds = TensorDataset(windows[:, :-1], windows[:, -1])
train_ds, val_ds = random_split(ds, [0.8, 0.2])  # expect: DL403
""",
    # A rolling window feature, notebook style.
    """
# %%
import pandas as pd
from sklearn.model_selection import train_test_split
# %%
prices = pd.read_csv("btc.csv", parse_dates=["Date"], index_col="Date")
prices["ma7"] = prices["Close"].rolling(7).mean()
# %%
train, test = train_test_split(prices.dropna(), test_size=0.2)  # expect: DL403
""",
    # ShuffleSplit on a datetime-indexed frame.
    """
import pandas as pd
from sklearn.model_selection import ShuffleSplit
df = pd.read_csv("traffic.csv")
df.index = pd.to_datetime(df["time"])
splitter = ShuffleSplit(n_splits=3, test_size=0.2)
for tr, te in splitter.split(df.values):  # expect: DL403
    pass
""",
    # A Trainer-style method.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
class Forecaster:
    def split(self, path):
        frame = pd.read_csv(path).sort_values("datetime")
        X = frame.drop(columns=["target"]).to_numpy()
        y = frame["target"].to_numpy()
        return train_test_split(X, y, test_size=0.2, shuffle=True)  # expect: DL403
""",
    # A sliding-window dataset: neighbouring windows share all but one frame.
    """
import numpy as np
import torch
from torch.utils.data import Dataset, random_split
class SequenceWindows(Dataset):
    def __init__(self, path, lookback=10):
        frames = np.load(path)
        self.samples = []
        for t in range(lookback, len(frames)):
            self.samples.append((frames[t - lookback:t], frames[t]))
    def __len__(self):
        return len(self.samples)
    def __getitem__(self, idx):
        return self.samples[idx]
full = SequenceWindows("frames.npy")
train_set, test_set = random_split(full, [0.9, 0.1])  # expect: DL403
""",
    # A window per index in __getitem__, and a helper that makes windows in a comprehension.
    """
import numpy as np
from sklearn.model_selection import train_test_split
from torch.utils.data import Dataset, random_split
class Windows(Dataset):
    def __init__(self, data, size):
        self.data, self.size = data, size
    def __len__(self):
        return len(self.data) - self.size
    def __getitem__(self, index):
        return self.data[index:index + self.size], self.data[index + self.size]
def make_windows(values, k):
    return np.array([values[i:i + k + 1] for i in range(len(values) - k)])
a, b = random_split(Windows(np.load("x.npy"), 32), [0.8, 0.2])  # expect: DL403
w = make_windows(np.load("load.npy"), 24)
w_train, w_test = train_test_split(w, test_size=0.2)  # expect: DL403
""",
    # A boolean mask drawn at random takes the training rows, its complement the test rows.
    """
import numpy as np
import pandas as pd
df = pd.read_csv("sensor.csv", parse_dates=["ts"], index_col="ts")
msk = np.random.rand(len(df)) < 0.8
train = df[msk]  # expect: DL403
test = df[~msk]
""",
    # The split is in a helper; only its caller shows that the rows are windows of a series.
    """
import numpy as np
import pandas as pd
def to_windows(df, k):
    return np.stack([df.values[i:i + k] for i in range(len(df) - k)])
def split_dataset(x, ratio):
    mask = np.zeros(len(x), dtype=np.bool_)
    mask[:int(len(x) * ratio)] = True
    np.random.shuffle(mask)
    train = x[mask]  # expect: DL403
    mask = np.invert(mask)
    test = x[mask]
    return train, test
windows = to_windows(pd.read_csv("prices.csv"), 16)
train, test = split_dataset(windows, 0.9)
""",
    # The last row's time is read as the end of the period, and the frame is split by a method
    # with the parameters of a config, which leave train_test_split's default shuffle=True.
    """
from sklearn.model_selection import train_test_split
class Kitchen:
    def __init__(self, config):
        self.config = config
    def make_datasets(self, frame, labels):
        return train_test_split(frame, labels, **self.config["split"])  # expect: DL403
def train(df, kitchen):
    start, end = df["date"].iloc[0], df["date"].iloc[-1]
    features = df.filter(["a", "b"])
    return kitchen.make_datasets(features, df["y"])
""",
    """
import pandas as pd
from sklearn.model_selection import train_test_split
def split(candles, split_params):
    print("data up to", candles.timestamp.iloc[-1])
    X = candles.drop(columns=["timestamp", "target"])
    return train_test_split(X, candles["target"], **split_params)  # expect: DL403
""",
    # The parts of the split are cut into overlapping windows afterwards, by the caller of the
    # function that splits (through a helper): their rows are consecutive instants.
    """
import numpy as np
from sklearn.model_selection import train_test_split
def segment(x, k):
    out = []
    for i in range(len(x) - k):
        end = i + k
        out.append(x[i:end])
    return np.stack(out)
def segment_all(train, test, k):
    return segment(train, k), segment(test, k)
def split(data):
    X, y = data[:, 1:], data[:, 0]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.1)  # expect: DL403
    return X_train, X_test
def load(path):
    train, test = split(np.load(path))
    (w_train, w_test) = segment_all(train, test, 20)
    return w_train, w_test
""",
]


class ShuffledTimeSplit(Rule):
    """Time-ordered data split at random: the test set holds the past's future."""

    code = "DL403"
    name = "shuffled-time-split"
    summary = "Data ordered in time is split with shuffling, so the model is tested on the past's future."
    # Off by default: too few findings on public training code to measure its precision (fewer
    # than 10 judged; docs/precision.md). Enable with --extend-select DL403.
    default_enabled = False
    severity = "warning"
    VALID = VALID
    INVALID = INVALID

    def check(self, ctx: FileContext) -> None:
        if not ctx.imports.uses("sklearn", "torch", "pandas"):
            return
        provenance = ctx.analysis(DataProvenance)
        shuffling = [s for s in provenance.splits if s.shuffles
                     and s.kind in ("train_test_split", "random_split", "cv", "mask")]
        if not shuffling:
            return
        evidence_by_scope: dict[cst.CSTNode, list[tuple[int, set[str], str]]] = {}
        for split in shuffling:
            why = _ordered(provenance, split.scope, split.data, split.order, evidence_by_scope)
            if why is None and isinstance(split.scope, cst.FunctionDef):
                why = _ordered_by_callers(ctx, provenance, split, evidence_by_scope)
            if why is None and split.outputs and split.kind in ("train_test_split", "random_split"):
                why = _windowed_after(ctx, provenance, split.scope, set(split.outputs), split.order, 0)
            if why is not None:
                ctx.report(split.node, _MESSAGE.format(why=why))


def _ordered(provenance: DataProvenance, scope: cst.CSTNode, data: list[cst.BaseExpression], order: int,
             memo: dict[cst.CSTNode, list[tuple[int, set[str], str]]]) -> str | None:
    """Why the data (expressions of ``scope`` at ``order``) is ordered in time, from the bindings
    of its scope before it; None when nothing says so."""
    if any(isinstance(expr, cst.Call) and provenance.builds_windows(expr) for expr in data):
        return "overlapping windows of a sequence"
    evidence = memo.get(scope)
    if evidence is None:
        evidence = memo[scope] = _time_evidence(provenance, scope)
    data_reads: set[str] = set()
    for expr in data:
        data_reads.update(chains(expr))
        name = dotted_name(expr)
        if name is not None and set(name_tokens(name.split(".")[-1])) & _SERIES_WORDS:
            data_reads.add("<series>")
    for at, names, why in evidence:
        if at >= order:
            continue
        derived = provenance.forward(scope, names, at, until=order)
        if derived & data_reads or ("<series>" in data_reads and why == "series"):
            return why
    return None


_MAX_CALLERS = 8


def _ordered_by_callers(ctx: FileContext, provenance: DataProvenance, split,
                        memo: dict[cst.CSTNode, list[tuple[int, set[str], str]]]) -> str | None:
    """A top-level function that splits what a parameter gives it (``def split_dataset(dataset):``
    ... ``dataset.x[mask]``): why the argument of one of its calls, in this module or another of
    the project, is ordered in time in the caller's scope (``data_set = to_dataset(changes_df, k)``
    with windows cut there; ``split_dataset(data_set)``)."""
    function = split.scope
    klass = owner_class(ctx, function)
    if klass is False:
        return None
    method = klass is not None and not any(dotted_name(d.decorator) == "staticmethod"
                                           for d in function.decorators)
    data_reads: set[str] = set()
    for expr in split.data:
        data_reads.update(chains(expr))
    params = [p.name.value for p in (*function.params.posonly_params, *function.params.params)]
    if method:
        params = params[1:]  # self (or cls) is the object, not the data
    feeding = {p for p in params if provenance.forward(function, {p}, -1, until=split.order) & data_reads}
    if not feeding:
        return None
    sites = _sites(ctx, function, klass is not None)
    for site in sites[:_MAX_CALLERS]:
        caller = site.ctx.analysis(DataProvenance)
        if site.call not in site.ctx.index.order:
            continue
        scope = caller.scope_of(site.call)
        if scope is function:
            continue  # a recursive call
        args = [a.value for a in site.call.args
                if parameter_for(function, site.call, a, klass is not None) in feeding]
        if not args:
            continue
        caller_memo = memo if caller is provenance else {}
        why = _ordered(caller, scope, args, site.ctx.index.order[site.call], caller_memo)
        if why is not None:
            return f"{why}, in the caller at line {site.ctx.position(site.call).start.line}" \
                if site.ctx is ctx else f"{why}, in its caller in {_short(site.ctx.path)}"
    return None


def _windowed_after(ctx: FileContext, provenance: DataProvenance, scope: cst.CSTNode, names: set[str],
                    after: int, depth: int) -> str | None:
    """The parts of a split (``names``, bound at ``after`` in ``scope``) are cut into overlapping
    windows afterwards: a call of the project's code that slides windows over the rows of the
    argument it is given (:func:`dllint.analysis.windows.windowed_parameters`, or a helper that
    passes its parameter to such a function), in ``scope`` or, when ``scope`` returns the parts, in
    a caller's scope (two levels up). Windows over a part's rows mean that its rows are consecutive
    instants of a sequence (self-attention-HAR's Skoda reader: each activity's readings are split
    with the default shuffle, and ``segment_window_all(x_test, ...)`` cuts ``x_test[i:end]``)."""
    derived = provenance.forward(scope, names, after)
    returned: set[int | None] = set()
    for binding in provenance.bindings(scope):
        if binding.order <= after or binding.value is None:
            continue
        if isinstance(binding.node, cst.Return):
            value = binding.value
            elements = value.elements if isinstance(value, cst.Tuple) else None
            if elements is None:
                if set(chains(value)) & derived:
                    returned.add(None)
            else:
                returned.update(i for i, e in enumerate(elements) if set(chains(e.value)) & derived)
    index = provenance.ctx.index
    for node in index.of_type(cst.Call):  # every call, also of statements that bind nothing it knows
        if index.order[node] > after and any(set(chains(a.value)) & derived for a in node.args) \
                and provenance.scope_of(node) is scope and _windows_argument(provenance, node, derived):
            line = ctx.position(node).start.line if provenance.ctx is ctx else None
            return ("its parts are cut into overlapping windows afterwards"
                    + (f", at line {line}" if line is not None else f", in {_short(provenance.ctx.path)}"))
    if not returned or depth >= _MAX_UP or not isinstance(scope, cst.FunctionDef) \
            or owner_class(provenance.ctx, scope) is False:
        return None
    sites = _sites(provenance.ctx, scope, owner_class(provenance.ctx, scope) is not None)
    for site in sites[:_MAX_CALLERS]:
        if site.call not in site.ctx.index.order:
            continue
        caller = site.ctx.analysis(DataProvenance)
        statement = site.ctx.index.statement_of(site.call)
        parts: set[str] = set()
        order = -1
        for binding in caller.bindings_of(statement):
            if binding.value is None or not any(node is site.call for node in iter_subtree(binding.value)):
                continue
            if None in returned or binding.position in returned or binding.position is None:
                parts.update(binding.targets)
                order = binding.order
        if not parts:
            continue
        why = _windowed_after(ctx, caller, caller.scope_of(site.call), parts, order, depth + 1)
        if why is not None:
            return why
    return None


_MAX_UP = 2


def _windows_argument(provenance: DataProvenance, call: cst.Call, derived: set[str], depth: int = 0) -> bool:
    """``call`` (of a function of the project) gives one of ``derived`` to a parameter whose rows
    the function cuts into overlapping windows, itself or through a function it gives it to."""
    resolved = provenance.resolve(call)
    if resolved is None:
        return False
    callee, function, method = resolved
    windowed = _windowed_parameters(callee, function, depth)
    return any(parameter_for(function, call, a, method) in windowed
               for a in call.args if set(chains(a.value)) & derived)


def _windowed_parameters(provenance: DataProvenance, function: cst.FunctionDef, depth: int) -> frozenset[str]:
    """The parameters of ``function`` whose rows it cuts into overlapping windows, itself or (one
    level down) by passing them on unchanged to a function that does."""
    found = set(provenance.ctx.analysis(WindowFacts).windowed_parameters(function))
    if depth >= 1:
        return frozenset(found)
    params = {p.name.value for p in (*function.params.posonly_params, *function.params.params)} - found
    if not params:
        return frozenset(found)
    for node in iter_subtree(function.body):
        if isinstance(node, cst.Call) and any(isinstance(a.value, cst.Name) and a.value.value in params
                                              for a in node.args):
            passed = {a.value.value for a in node.args if isinstance(a.value, cst.Name) and a.value.value in params}
            for name in passed:
                if _windows_argument(provenance, node, {name}, depth + 1):
                    found.add(name)
    return frozenset(found)


def _sites(ctx: FileContext, function: cst.FunctionDef, method: bool) -> list[CallSite]:
    """The calls of ``function`` (a top-level function or a method of a top-level class) in the
    project; when they are not all known (a snippet, a name passed around), this module's calls."""
    sites = ctx.analysis(ProjectCallers).sites(function)
    if sites is None:
        name = function.name.value
        sites = [CallSite(ctx, call) for call in ctx.index.of_type(cst.Call)
                 if ((isinstance(call.func, cst.Attribute) and call.func.attr.value == name) if method
                     else (isinstance(call.func, cst.Name) and call.func.value == name))]
    return sites


def _short(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _time_words(expr: cst.BaseExpression | None) -> bool:
    """``"date"``, ``["user", "event_time"]``: a column name (or list of them) about time."""
    if expr is None:
        return False
    for node in iter_subtree(expr):
        text = string(node) if isinstance(node, cst.SimpleString) else None
        if text is not None and set(name_tokens(text)) & _TIME_WORDS:
            return True
    return False


_POSITIONAL = frozenset({"iloc", "iat", "values"})


def _last_time_read(node: cst.CSTNode) -> str | None:
    """The table whose last row's time ``node`` reads (``df["date"].iloc[-1]``,
    ``df.timestamp.values[-1]``): code that takes the last row for the latest instant keeps its
    rows in time order. None for any other node; ``df["date"].max()`` or the first row alone say
    nothing about the order."""
    if not (isinstance(node, cst.Subscript) and len(node.slice) == 1
            and isinstance(node.value, cst.Attribute) and node.value.attr.value in _POSITIONAL):
        return None
    index = node.slice[0].slice
    if not (isinstance(index, cst.Index) and isinstance(index.value, cst.UnaryOperation)
            and isinstance(index.value.operator, cst.Minus) and isinstance(index.value.expression, cst.Integer)
            and index.value.expression.value == "1"):
        return None
    column = node.value.value
    if isinstance(column, cst.Subscript) and len(column.slice) == 1 and isinstance(column.slice[0].slice, cst.Index):
        key = column.slice[0].slice.value
        if isinstance(key, cst.SimpleString) and _time_words(key):
            return dotted_name(column.value)
    elif isinstance(column, cst.Attribute) and set(name_tokens(column.attr.value)) & _TIME_WORDS:
        return dotted_name(column.value)
    return None


def _time_evidence(provenance: DataProvenance, scope: cst.CSTNode) -> list[tuple[int, set[str], str]]:
    """(order, names made time-ordered there, why) for each binding of ``scope`` that shows time
    order; a read of the last row's time (which changes nothing) dates its table's order back to
    the table's last plain binding (a parameter's: the start of the function)."""
    found: list[tuple[int, set[str], str]] = []
    for binding in provenance.bindings(scope):
        value = binding.value
        if value is None:
            continue
        targets = set(binding.targets)
        if binding.kind == "assign" and isinstance(value, cst.Call) and provenance.builds_windows(value):
            found.append((binding.order, targets, "overlapping windows of a sequence"))
            continue
        why = None
        table = None
        for node in iter_subtree(value):
            if not isinstance(node, cst.Call):
                if table is None and isinstance(node, cst.Subscript):
                    table = _last_time_read(node)
                continue
            method = last_name(node.func)
            if method == "sort_values" and _time_words((positional(node, 0) or keyword(node, "by") or
                                                        cst.Arg(cst.Name("None"))).value):
                why = "sorted by a time column"
            elif method == "set_index" and _time_words(node):
                why = "indexed by time"
            elif method in ("shift", "rolling") and isinstance(node.func, cst.Attribute):
                why = "lag or window features" if method == "shift" else "window features"
            elif method == "read_csv" and keyword(node, "parse_dates") is not None \
                    and keyword(node, "index_col") is not None:
                why = "a datetime index"
            elif method == "to_datetime" and any(t.endswith(".index") for t in binding.targets):
                why = "a datetime index"
            elif method == "unfold" and any(set(name_tokens(n.split(".")[-1])) & _SERIES_WORDS
                                            for n in chains(node.func)):
                why = "windows of a time series"
            if why is not None:
                # An in-place sort or an index assignment changes its receiver.
                if isinstance(node.func, cst.Attribute):
                    receiver = dotted_name(node.func.value)
                    if receiver is not None:
                        targets.add(receiver)
                for target in binding.targets:
                    if target.endswith(".index"):
                        targets.add(target[: -len(".index")])
                break
        if why is None:
            if table is not None:
                # The frame was in time order since it was last bound (a parameter: from the start).
                plain = [b for b in provenance.reaching(scope, table, binding.order)
                         if b.kind != "update"]
                found.append((plain[0].order if plain else -1, {table}, "its last row's time read as the latest"))
                continue
            names = [t for t in binding.targets
                     if set(name_tokens(t.split(".")[-1])) & _SERIES_WORDS and binding.kind == "assign"]
            if names:
                found.append((binding.order, set(names), "series"))
            continue
        if targets:
            found.append((binding.order, targets, why))
    return found
