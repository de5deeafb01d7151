"""DL401: a preprocessing statistic or fit computed over data that is split into train and test later.

Every test instance is meant to be an independent measurement of how the model does on data it has
never seen. A mean, a standard deviation, a min/max, a quantile, an imputation value, a vocabulary,
a PCA basis or a feature selection computed over the whole data set before the split carries
information from the test part into what the model is trained with: the measured score is
optimistic, and nothing after the fact can undo it. The fix is the order of operations: split, fit
the statistic on the training part only, apply it unchanged to validation and test (or put the
preprocessing inside a Pipeline that cross-validation refits on each fold).

What is reported: in one scope (a function, or the module for scripts and exported notebooks),
a statistic over the sample axis (``X.mean(0)``, ``df.std()``, ``np.quantile(X, q, axis=0)``,
``df["age"].median()``, the ``x.mean()`` of a column-wise ``df.apply(lambda x: ...)``) or a
scikit-learn preprocessing ``fit``/``fit_transform`` (scalers, imputers, encoders, feature
selectors, PCA, vectorizers), where (1) the statistic's input, or a value derived from it, flows into
a later split (``train_test_split``, ``random_split``, a cross-validation splitter's ``.split``,
``cross_val_score`` and friends, ``Subset`` pairs, complementary slices ``X[:n]`` / ``X[n:]``, row
ranges kept as train and test parts by a data-loading class) and
(2) the statistic's result is used on the data: it flows into the split's input, or it is applied to
the split's parts afterwards (an in-place ``fillna(..., inplace=True)`` changes the frame). A call of a
function or method whose summary (:meth:`FitBeforeSplit.fit_summary`) says it fits on an argument
and returns it transformed is a fit of that argument: a function of the file or of another project
module, ``self.m(X)``, ``obj.m(X)`` for ``obj = Class(...)`` of the file, helpers calling helpers. A
top-level function that fits its argument is also reported at the fit, in its own module, when a
caller in another module of the project (:class:`dllint.analysis.callers.ProjectCallers`) passes
whole data and splits afterwards: linted alone, the helper's file shows the leak too. A
statistic that is only printed is not a leak and is not reported.

Where the line is drawn for what a fit learns (:func:`dllint.analysis.learning.fit_learns`): a fit
that learns only which values occur (``OneHotEncoder``, ``OrdinalEncoder``, ``LabelEncoder``,
``DictVectorizer``, a ``CountVectorizer`` that keeps every word) or nothing at all (categories
given in the code) is not a leak: a category or a word seen only in the held-out rows gets a
column (or a code) that no training row sets, so nothing of those rows reaches the model. It is a
leak again as soon as the set is chosen by counts over the rows (``min_df``, ``max_df``,
``max_features``, ``min_frequency``, ``max_categories``) or the fit keeps a statistic: idf weights
(``TfidfVectorizer``), a target encoder, scalers, imputers, discretizers, PCA, feature selection.
A statistic used only as the bound of a range, a grid or a calendar (``pd.date_range(df.d.min(),
df.d.max())``, ``range(earliest, latest + 1)`` with ``earliest = g.year.min()``,
``np.arange(X.min() - 1, X.max() + 1, h)``; :meth:`DataProvenance.only_bounds`) makes points to
enumerate, not a feature statistic, and is not reported; used also in arithmetic on the data, it is.

Silent for per-sample scaling (``x / 255.0``, ``x / x.norm(dim=1, keepdim=True)``), statistics over
the feature axis (``x.mean(axis=1)``), statistics taken after the split on the training part,
constants from the literature (``Normalize((0.1307,), (0.3081,))``), a Pipeline handed to
cross-validation, and data that is never split in the same scope.
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.callers import ProjectCallers
from dllint.analysis.calls import keyword, positional, string
from dllint.analysis.data import CV_FUNCTIONS, CV_SPLITTERS, SEARCHERS, TRAIN, DataProvenance, Split, chains, last_name
from dllint.analysis.imports import dotted_name
from dllint.analysis import learning
from dllint.analysis.project import PROJECT
from dllint.context import FileContext
from dllint.index import iter_subtree
from dllint.rule import Rule

STATISTICS = frozenset({"mean", "std", "var", "min", "max", "quantile", "median", "nanmean",
                        "nanstd", "nanvar", "nanmin", "nanmax", "nanmedian", "nanquantile",
                        "percentile", "nanpercentile", "amin", "amax", "ptp", "zscore",
                        # scikit-learn's function forms of the scalers (axis 0 by default)
                        "scale", "minmax_scale", "robust_scale", "maxabs_scale",
                        "quantile_transform", "power_transform"})
_SKLEARN_SCALERS = frozenset({"scale", "minmax_scale", "robust_scale", "maxabs_scale",
                              "quantile_transform", "power_transform"})
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
_FIT_METHODS = frozenset({"fit", "fit_transform"})
# Pandas methods in a receiver chain that make the statistic per group or per window, not global.
_GROUPING = frozenset({"groupby", "rolling", "expanding", "resample", "ewm", "agg", "aggregate",
                       "transform", "apply", "map", "applymap"})
# Calls that run a lambda over a frame's columns (axis 0) or rows (axis 1).
_COLUMN_APPLIERS = frozenset({"apply", "transform", "agg", "aggregate"})

VALID = [
    # Split first, then fit on the training part only.
    """
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
""",
    # Per-sample scaling uses no statistic of other instances.
    """
import torch
from torch.utils.data import TensorDataset, random_split
x = images.float() / 255.0
x = x / x.norm(dim=1, keepdim=True)
train_ds, val_ds = random_split(TensorDataset(x, labels), [50000, 10000])
""",
    # A Pipeline refitted inside each fold.
    """
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
scores = cross_val_score(make_pipeline(StandardScaler(), SVC()), X, y, cv=5)
""",
    # Constants copied from the literature.
    """
import torch
from torchvision import datasets, transforms
tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
ds = datasets.MNIST("data", train=True, transform=tf)
train_ds, val_ds = torch.utils.data.random_split(ds, [55000, 5000])
""",
    # A statistic over the feature axis is per instance.
    """
import numpy as np
from sklearn.model_selection import train_test_split
X = X - X.mean(axis=1, keepdims=True)
X_train, X_test = train_test_split(X, test_size=0.2)
""",
    # No split in this file: nothing to leak into.
    """
import numpy as np
X = (X - X.mean(0)) / X.std(0)
np.save("features.npy", X)
""",
    # A statistic that is only looked at.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv("data.csv")
print(df["price"].mean(), df["price"].std())
train, test = train_test_split(df, test_size=0.2)
""",
    # Statistics of the training part before a validation set is carved out of it.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
train_df = pd.read_csv("train.csv")
train_df["fare"] = train_df["fare"].fillna(train_df["fare"].median())
tr, va = train_test_split(train_df, test_size=0.1)
""",
    # A helper applied to each part after the split.
    """
from sklearn.model_selection import train_test_split
def standardize(a):
    return (a - a.mean(axis=0)) / a.std(axis=0)
def stats(a):
    return a.mean(axis=0), a.std(axis=0)
mu, sd = stats(X)
X_train, X_test = train_test_split(X, test_size=0.3)
X_train = standardize(X_train)
""",
    # The number of classes is not a statistic that leaks.
    """
import torch
import torch.nn.functional as F
from torch.utils.data import TensorDataset, random_split
onehot = F.one_hot(labels, labels.max() + 1)
train_ds, val_ds = random_split(TensorDataset(x, onehot), [900, 100])
""",
    # Statistics inside the cross-validation loop, on the fold's training part.
    """
import numpy as np
from sklearn.model_selection import KFold
for tr, te in KFold(5, shuffle=True).split(X):
    mu, sd = X[tr].mean(0), X[tr].std(0)
    X_tr, X_te = (X[tr] - mu) / sd, (X[te] - mu) / sd
""",
    # Notebook: the imputation value comes from the training frame.
    """
# %%
import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv("titanic.csv")
# %%
train_df, test_df = train_test_split(df, test_size=0.2, random_state=0)
# %%
age = train_df["Age"].median()
train_df["Age"] = train_df["Age"].fillna(age)
test_df["Age"] = test_df["Age"].fillna(age)
""",
    # Per-image normalisation inside a loop over instances.
    """
import numpy as np
from sklearn.model_selection import train_test_split
for i in range(len(X)):
    X[i] = (X[i] - X[i].mean()) / X[i].std()
X_train, X_test = train_test_split(X)
""",
    # The statistic is of other data (the canonical training set); the split is of the test set.
    """
import torch
from torch.utils.data import random_split
mean = train_images.float().mean(dim=(0, 2, 3))
val_part, test_part = random_split(test_set, [5000, 5000])
""",
    # Trainer class: fitted on the training split in its own method.
    """
from sklearn.preprocessing import MinMaxScaler
from sklearn.model_selection import train_test_split
class DataModule:
    def setup(self, X, y):
        self.X_train, self.X_val, self.y_train, self.y_val = train_test_split(X, y)
        self.scaler = MinMaxScaler()
        self.X_train = self.scaler.fit_transform(self.X_train)
        self.X_val = self.scaler.transform(self.X_val)
""",
    # A toy vectorizer named ``cv`` shown on two sentences; the keyword ``cv=5`` of the later
    # grid search is not a use of that variable.
    """
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import GridSearchCV
toy = ["a small example", "another small one"]
cv = CountVectorizer().fit(toy)
print(cv.vocabulary_)
search = GridSearchCV(pipeline, grid, cv=5)
features = search.estimator.named_steps["vect"].transform(docs_train)
search.fit(features, labels_train)
""",
    # Fitted in a helper that is handed only the training part.
    """
from sklearn.preprocessing import StandardScaler
from sklearn.model_selection import train_test_split
def fit_scaler(part):
    return StandardScaler().fit(part)
X_train, X_test, y_train, y_test = train_test_split(X, y)
scaler = fit_scaler(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
""",
    # Fitted on the training rows only (a slice), then applied to all rows before the ranges.
    """
import numpy as np
from sklearn.preprocessing import MinMaxScaler
class SeriesDataset:
    def __init__(self, path, flag, train_ratio=0.7):
        data = np.load(path)
        n_train = int(len(data) * train_ratio)
        scaler = MinMaxScaler().fit(data[:n_train])
        data = scaler.transform(data)
        if flag == "train":
            self.train_data = data[0:n_train]
        else:
            self.test_data = data[n_train:len(data)]
""",
    # A one-hot encoder fitted on all rows learns only the set of categories: a category seen only
    # in the test rows gets a column that every training row leaves at zero.
    """
from sklearn.preprocessing import OneHotEncoder
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LinearRegression
X = OneHotEncoder().fit_transform(X).toarray()
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
LinearRegression().fit(X_train, y_train)
""",
    # Notebook: ordinal codes from categories given in the code, a plain word-count vocabulary and
    # the class names: nothing of the held-out rows' values is learnt.
    """
# %%
import pandas as pd
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, LabelEncoder
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import train_test_split
df = pd.read_csv("listings.csv")
# %%
df[["stage"]] = OrdinalEncoder(categories=[["I", "II", "III"]]).fit_transform(df[["stage"]])
enc = OneHotEncoder(handle_unknown="ignore")
cat = enc.fit_transform(df[["city", "room_type"]])
words = CountVectorizer(tokenizer=lambda s: s.split(","))
amenities = words.fit_transform(df["amenities"])
y = LabelEncoder().fit_transform(df["label"])
# %%
X_train, X_test, y_train, y_test = train_test_split(amenities, y, test_size=0.2)
""",
    # min()/max() only bound a date range (then a forward fill, which looks back only).
    """
import pandas as pd
df = pd.read_csv("prices.csv", index_col=0, parse_dates=True)
full = df.reindex(index=pd.date_range(df.index.min(), df.index.max(), freq="D")).ffill()
train_size = int(full.shape[0] * 0.9)
train_df = full.iloc[:train_size]
test_df = full.iloc[train_size + 1:]
model.fit(train_df)
""",
    # Bounds of a list of years per group, of a holiday calendar and of a plotting grid.
    """
import numpy as np
import pandas as pd
from pandas.tseries.holiday import USFederalHolidayCalendar
from sklearn.model_selection import train_test_split
rows = []
for cid in df["contract_id"].unique():
    sub = df.loc[df["contract_id"] == cid]
    earliest = sub["arrival_year"].min()
    latest = min(sub["arrival_year"].max(), 2019)
    rows.append([(year, cid) for year in range(earliest, latest + 1)])
holidays = USFederalHolidayCalendar().holidays(start=df.first_active.min(), end=df.first_active.max())
df["holiday"] = df.first_active.isin(holidays)
xx, yy = np.meshgrid(np.arange(df.a.min() - 1, df.a.max() + 1, 0.02), np.arange(0, 1, 0.02))
train, test = train_test_split(df, test_size=0.2)
""",
    # In-place fill after the split, with the training part's median.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv("houses.csv")
train_df, test_df = train_test_split(df, test_size=0.2)
median = train_df["LotFrontage"].median()
train_df["LotFrontage"].fillna(median, inplace=True)
test_df["LotFrontage"].fillna(median, inplace=True)
""",
    # A base class's method fits what its subclasses build: here each builds only a category set
    # (words that occur) or a stateless hasher, so nothing of the held-out rows is learned.
    """
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.model_selection import train_test_split


class Model:
    def __init__(self):
        self.extraction_pipeline = None

    def train(self, items, y):
        X = self.extraction_pipeline.fit_transform(items)
        X_train, X_test, y_train, y_test = train_test_split(X, y)
        return X_train, X_test


class BugModel(Model):
    def __init__(self):
        self.extraction_pipeline = DictVectorizer()


class CommitModel(Model):
    def __init__(self):
        self.extraction_pipeline = HashingVectorizer(n_features=256)
""",
    # The subclasses' pipeline learns idf weights, but the base fits it on the training part only.
    """
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split


class Model:
    def train(self, items, y):
        X_train, X_test, y_train, y_test = train_test_split(items, y)
        X_train = self.extraction_pipeline.fit_transform(X_train)
        X_test = self.extraction_pipeline.transform(X_test)
        return X_train, X_test


class BugModel(Model):
    def __init__(self):
        self.extraction_pipeline = TfidfVectorizer()
""",
    # A helper that fits what it is given, called with the training part after the split (in
    # another module, read through the project's callers: tests/engine/split_callers_project.py),
    # and one whose caller passes whole data but never splits it.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def scale_part(part):
    return StandardScaler().fit_transform(part)


def tune(path, target):
    data = pd.read_csv(path)
    y = data.pop(target)
    X_train, X_test, y_train, y_test = train_test_split(data, y, test_size=0.2)
    X_train = scale_part(X_train)
    return X_train, X_test


def describe(path):
    return scale_part(pd.read_csv(path))
""",
]

INVALID = [
    # The classic: standardise everything, then split.
    """
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
X = StandardScaler().fit_transform(X)  # expect: DL401
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
""",
    # Statistics by hand with numpy.
    """
import numpy as np
from sklearn.model_selection import train_test_split
mean = X.mean(axis=0)  # expect: DL401
std = X.std(axis=0)
X = (X - mean) / std
X_train, X_test = train_test_split(X, test_size=0.25)
""",
    # torch tensors, random_split of a TensorDataset.
    """
import torch
from torch.utils.data import TensorDataset, random_split
x = torch.load("features.pt")
x = (x - x.mean(dim=0)) / x.std(dim=0)  # expect: DL401
ds = TensorDataset(x, y)
train_ds, test_ds = random_split(ds, [8000, 2000])
""",
    # Imputation with the whole column's mean.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv("houses.csv")
df["LotFrontage"] = df["LotFrontage"].fillna(df["LotFrontage"].mean())  # expect: DL401
train, test = train_test_split(df, test_size=0.2)
""",
    # Fitted on everything, applied to the parts after the split.
    """
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
pca = PCA(n_components=50)
pca.fit(X)  # expect: DL401
X_train, X_test, y_train, y_test = train_test_split(X, y)
X_train, X_test = pca.transform(X_train), pca.transform(X_test)
""",
    # Cross-validation of data scaled outside the folds.
    """
from sklearn.preprocessing import MinMaxScaler
from sklearn.model_selection import cross_val_score
from sklearn.linear_model import LogisticRegression
X_scaled = MinMaxScaler().fit_transform(X)  # expect: DL401
print(cross_val_score(LogisticRegression(), X_scaled, y, cv=5).mean())
""",
    # Feature selection with the labels, then a KFold loop.
    """
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.model_selection import StratifiedKFold
X_sel = SelectKBest(f_classif, k=20).fit_transform(X, y)  # expect: DL401
for train_idx, test_idx in StratifiedKFold(5).split(X_sel, y):
    model.fit(X_sel[train_idx], y[train_idx])
""",
    # A split by index after standardising (the d2l Kaggle chapter's shape).
    """
import pandas as pd
def preprocess(train_raw, test_raw):
    features = pd.concat((train_raw.drop(columns=["Id", "y"]), test_raw.drop(columns=["Id"])))
    numeric = features.dtypes[features.dtypes != "object"].index
    features[numeric] = features[numeric].apply(lambda x: (x - x.mean()) / x.std())  # expect: DL401
    n_train = train_raw.shape[0]
    train_features = features[:n_train]
    test_features = features[n_train:]
    return train_features, test_features
""",
    # Notebook cells: min-max scaling with pandas, split by a permutation index.
    """
# %%
import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv("wine.csv")
# %%
cols = ["alcohol", "acidity"]
df[cols] = (df[cols] - df[cols].min()) / (df[cols].max() - df[cols].min())  # expect: DL401
# %%
train_df, test_df = train_test_split(df, stratify=df["quality"])
""",
    # A Trainer-style method: per-channel statistics of the whole set, then a random split.
    """
import torch
from torch.utils.data import random_split
class Experiment:
    def prepare(self, images, labels):
        self.mean = images.mean(dim=(0, 2, 3), keepdim=True)  # expect: DL401
        self.std = images.std(dim=(0, 2, 3), keepdim=True)
        images = (images - self.mean) / self.std
        self.train_set, self.val_set = random_split(list(zip(images, labels)), [0.9, 0.1])
""",
    # A fitted vectorizer's vocabulary comes from the test documents too.
    """
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
vectorizer = TfidfVectorizer(min_df=2)
X = vectorizer.fit_transform(texts)  # expect: DL401
X_train, X_test, y_train, y_test = train_test_split(X, labels, random_state=1)
""",
    # scipy's zscore standardises each column over all rows (a notebook staple).
    """
import pandas as pd
from scipy.stats import zscore
from sklearn.model_selection import train_test_split
df = pd.read_csv("jobs.csv", na_values=["NA", "?"])
df["income"] = zscore(df["income"])  # expect: DL401
x = df[["income", "aspect"]].values
x_train, x_test, y_train, y_test = train_test_split(x, df["age"].values, test_size=0.25)
""",
    # scikit-learn's function form of the scaler, on a lag-feature frame (a stock tutorial classic).
    """
import numpy as np
from sklearn import preprocessing
from sklearn.model_selection import train_test_split
frame["target"] = frame["close"].shift(-horizon)
features = np.array(frame.drop(columns=["target"]))
features = preprocessing.scale(features)  # expect: DL401
features = features[:-horizon]
labels = np.array(frame["target"])[:-horizon]
X_train, X_test, y_train, y_test = train_test_split(features, labels, test_size=0.2)
""",
    # A helper of the same file standardises its argument; it is called before the split.
    """
import numpy as np
from sklearn.model_selection import train_test_split
def standardize(a):
    mu = a.mean(axis=0)
    return (a - mu) / a.std(axis=0)
X = standardize(np.load("x.npy"))  # expect: DL401
X_train, X_test = train_test_split(X, test_size=0.3)
""",
    # np function form, then complementary slices.
    """
import numpy as np
data = np.loadtxt("series.csv")
lo, hi = np.min(data, axis=0), np.max(data, axis=0)  # expect: DL401
data = (data - lo) / (hi - lo)
train = data[:split_at]
test = data[split_at:]
""",
    # Notebook: an in-place fill with the whole column's mean, then the split.
    """
# %%
import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv("houses.csv")
# %%
df["LotFrontage"].fillna(df["LotFrontage"].mean(), inplace=True)  # expect: DL401
# %%
train_df, test_df = train_test_split(df, test_size=0.2)
""",
    # Statistics of the whole frame, applied to the parts after the split.
    """
import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv("sensors.csv")
mean, std = df.mean(), df.std()  # expect: DL401
train, test = train_test_split(df, test_size=0.2)
train, test = (train - mean) / std, (test - mean) / std
""",
    # The name says training data; the flow says the whole corpus is fitted, then split.
    """
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
count_vect = TfidfVectorizer()
X_train_counts = count_vect.fit_transform(df.text)  # expect: DL401
X_train, X_test, y_train, y_test = train_test_split(X_train_counts, df.label, test_size=0.2)
""",
    # Vocabularies chosen by document frequencies over all rows, idf weights, a one-hot encoder
    # that groups infrequent categories by their counts: statistics of the held-out rows.
    """
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import OneHotEncoder
from sklearn.model_selection import train_test_split
counts = CountVectorizer(min_df=5).fit_transform(docs)  # expect: DL401
tfidf = TfidfVectorizer().fit_transform(docs)  # expect: DL401
cities = OneHotEncoder(min_frequency=10).fit_transform(df[["city"]])  # expect: DL401
a_train, a_test = train_test_split(counts)
b_train, b_test = train_test_split(tfidf)
c_train, c_test = train_test_split(cities)
""",
    # The minimum bounds a grid, and also shifts the values: a statistic of the held-out rows.
    """
import numpy as np
from sklearn.model_selection import train_test_split
lo = df["price"].min()  # expect: DL401
bins = np.linspace(lo, df["price"].max(), 10)
df["price_from_min"] = df["price"] - lo
train, test = train_test_split(df, test_size=0.2)
""",
    # A data-loading class normalises the whole series, then keeps its part by index ranges.
    """
import numpy as np
from sklearn.preprocessing import MinMaxScaler
from torch.utils.data import Dataset
class SeriesDataset(Dataset):
    def __init__(self, path, flag, train_ratio=0.7, val_ratio=0.1):
        data = np.load(path)
        data = MinMaxScaler().fit_transform(data)  # expect: DL401
        n_train = int(len(data) * train_ratio)
        n_val = int(len(data) * (train_ratio + val_ratio))
        if flag == "train":
            self.train_data = data[0:n_train]
        elif flag == "val":
            self.val_data = data[n_train:n_val]
        else:
            self.test_data = data[n_val:len(data)]
""",
    # A Trainer class: fit() preprocesses through its own methods (one fits the scalers on a copy
    # of the numeric columns and returns them), then splits what they return.
    """
import pandas as pd
from sklearn.preprocessing import StandardScaler
from sklearn.model_selection import train_test_split
class HierarchicalClassifier:
    def prep_numeric_cols(self, X):
        scaler = StandardScaler()
        df_num = X[self.num_columns].copy()
        df_num[self.num_columns] = scaler.fit_transform(df_num[self.num_columns])
        return df_num, scaler
    def prep_input(self, X):
        df_num, self.scaler = self.prep_numeric_cols(X.copy())
        return df_num
    def fit(self, X, y):
        df_num = self.prep_input(X)  # expect: DL401
        df = pd.concat([df_num, y], axis=1).dropna()
        X = df.drop(columns=["target"])
        X_train, X_test, y_train, y_test = train_test_split(X, df["target"], train_size=0.8)
""",
    # A script drives a model class of the same file: its preprocessing method fits a scaler on
    # whatever it is given, and the split comes after.
    """
import pandas as pd
from sklearn.preprocessing import RobustScaler
from sklearn.model_selection import train_test_split
class MLModel:
    def preprocess_data(self, X):
        try:
            X_scaled = RobustScaler().fit_transform(X)
            return pd.DataFrame(X_scaled, columns=X.columns)
        except ValueError:
            raise SystemExit(1)
def main(path):
    ml_model = MLModel(path)
    X, y = ml_model.load_data()
    X_pre = ml_model.preprocess_data(X)  # expect: DL401
    X_sel = ml_model.select_features(X_pre, y)
    X_train, X_test, y_train, y_test = train_test_split(X_sel, y, test_size=0.2)
""",
    # A ColumnTransformer (imputer, scaler, one-hot) fitted on the whole frame, then split.
    """
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.model_selection import train_test_split
num = Pipeline([("imputer", SimpleImputer(strategy="median")), ("scaler", StandardScaler())])
full = ColumnTransformer([("num", num, numeric), ("cat", OneHotEncoder(), categorical)])
data = full.fit_transform(data)  # expect: DL401
X_train, X_test, y_train, y_test = train_test_split(data, y, test_size=0.2)
""",
    # A base class's method fits what a subclass builds (idf weights learned from every item),
    # then splits: the held-out items' words weigh in the features the classifier is trained on.
    """
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline


class Model:
    def __init__(self):
        self.extraction_pipeline = None

    def train(self, items, y):
        X = self.extraction_pipeline.fit_transform(items)  # expect: DL401
        X_train, X_test, y_train, y_test = train_test_split(X, y)
        return X_train, X_test


class BugModel(Model):
    pass


class DefectModel(BugModel):
    def __init__(self):
        super().__init__()
        self.extraction_pipeline = Pipeline([("dict", DictVectorizer()), ("tfidf", TfidfVectorizer())])
""",
    # (Palashio/libra) the helper fits a ColumnTransformer on whatever it is given; its caller
    # passes the whole frame and splits afterwards. With the caller in another module (libra's
    # ``modeling/tuner.py``), the helper's module is told too, at the fit
    # (tests/engine/split_callers_project.py).
    """
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def structured_preprocesser(data):
    numeric = data.select_dtypes(include=["number"]).columns
    pipeline = ColumnTransformer([("num", StandardScaler(), numeric)])
    return pd.DataFrame(pipeline.fit_transform(data), columns=list(numeric)), pipeline


def tune(path, target):
    data = pd.read_csv(path)
    y = data.pop(target)
    data, pipeline = structured_preprocesser(data)  # expect: DL401
    return train_test_split(data, y, test_size=0.2)
""",
]


class FitBeforeSplit(Rule):
    """A statistic or preprocessing fit over data that is split into train and test afterwards."""

    code = "DL401"
    name = "fit-before-split"
    summary = "A preprocessing statistic or fit sees the whole data set before the train/test split, leaking test data."
    severity = "warning"
    VALID = VALID
    INVALID = INVALID

    def check(self, ctx: FileContext) -> None:
        if not ctx.imports.uses("numpy", "torch", "pandas", "sklearn"):
            return
        provenance = ctx.analysis(DataProvenance)
        self._split_by_callers(ctx, provenance)
        splits = provenance.splits
        if not splits:
            return
        scopes_with_splits = {s.scope for s in splits}
        seen: set[cst.CSTNode] = set()
        # One finding per mistake: the statistics of the same data before the same split (five
        # columns standardised one by one) are one leak, reported at the first of them.
        findings: dict[tuple[int, str], list[tuple[cst.Call, str]]] = {}
        for call in ctx.index.of_type(cst.Call):
            name = last_name(call.func)
            if name not in STATISTICS and name not in _FIT_METHODS:
                continue
            scope = provenance.scope_of(call)
            if scope not in scopes_with_splits:
                continue
            data = self._statistic_data(ctx, provenance, call, name)
            if data is None:
                continue
            if provenance.roles(data) == {TRAIN}:
                # Already the training part (``X_train``, ``train.csv``): splitting it again only
                # carves out a validation set, which we leave alone.
                continue
            if name in ("max", "min") and _class_count(ctx, call):
                continue
            if provenance.only_bounds(call):
                continue  # the bounds of a date range or a grid: no statistic of the values
            statement = ctx.index.statement_of(call)
            if statement in seen:
                continue
            results = self._results(ctx, provenance, call, statement)
            if not results:
                continue
            split = self._leaking_split(provenance, scope, statement, data, results, splits)
            if split is None:
                continue
            seen.add(statement)
            root = (_roots(data) or [""])[-1]
            findings.setdefault((id(split), root), []).append((call, name))
        # Calls of functions and methods whose summary says they fit on an argument and return it
        # transformed: ``X = normalize(X)``, ``df_num, scaler = self.prep_numeric(X)``,
        # ``model.preprocess_data(X)``, ``from preprocessing import standardize``.
        for call in ctx.index.of_type(cst.Call):
            scope = provenance.scope_of(call)
            if scope not in scopes_with_splits:
                continue
            if not self._may_leak(ctx, provenance, call, splits):
                # none of its positional arguments is whole data split afterwards: whatever the
                # callee fits, no leak (and its module is not parsed to find out)
                continue
            found = self._helper_of(provenance, call)
            if found is None:
                continue
            index, name = found
            statement = ctx.index.statement_of(call)
            if statement in seen:
                continue
            leak = self._call_leaks(ctx, provenance, call, index, splits)
            if leak is None:
                continue
            split, data = leak
            seen.add(statement)
            root = (_roots(data) or [""])[-1]
            findings.setdefault((id(split), root), []).append((call, f"{last_name(call.func)}: {name}"))
        split_nodes = {id(s): s.node for s in splits}
        for (split_id, root), calls in findings.items():
            calls.sort(key=lambda c: ctx.index.order[c[0]])
            call, name = calls[0]
            helper, _, statistic = name.rpartition(": ")
            by = f" by {helper}()" if helper else ""
            what = f"preprocessing fitted{by}" if statistic in _FIT_METHODS \
                else f"preprocessing statistic ({statistic}) computed{by}"
            line = ctx.position(split_nodes[split_id]).start.line
            more = ""
            if len(calls) > 1:
                others = ", ".join(str(ctx.position(c).start.line) for c, _ in calls[1:])
                more = f" (and {len(calls) - 1} more of {root} on lines {others})"
            ctx.report(call, f"{what} over data that is split afterwards "
                       f"(line {line}){more}: the held-out part leaks into it; split first and "
                       "fit on the training part only")

    def _call_leaks(self, ctx: FileContext, provenance: DataProvenance, call: cst.Call, index: int,
                    splits: list[Split]) -> tuple[Split, cst.BaseExpression] | None:
        """(the split, the data) when ``call``, of a helper that fits its argument ``index`` and
        returns it transformed, is given whole data that its scope splits afterwards."""
        arg = positional(call, index)
        if arg is None:
            return None
        data = self._sample_data(ctx, provenance, arg.value)
        if data is None or provenance.roles(data) == {TRAIN}:
            return None
        statement = ctx.index.statement_of(call)
        results = self._results(ctx, provenance, call, statement)
        if not results:
            return None
        split = self._leaking_split(provenance, provenance.scope_of(call), statement, data, results, splits)
        return None if split is None else (split, data)

    def _may_leak(self, ctx: FileContext, provenance: DataProvenance, call: cst.Call,
                  splits: list[Split]) -> bool:
        """Some positional argument of ``call`` is whole data that its scope splits afterwards
        (:meth:`_call_leaks` for each index): the only calls whose callee's summary can matter."""
        if not isinstance(call.func, (cst.Name, cst.Attribute)):
            return False
        statement = ctx.index.statement_of(call)
        results = self._results(ctx, provenance, call, statement)
        if not results:
            return False
        scope = provenance.scope_of(call)
        index = 0
        while (arg := positional(call, index)) is not None:
            index += 1
            # :meth:`_call_leaks`'s conditions, the roles (which may read other modules) last
            data = self._sample_data(ctx, provenance, arg.value)
            if data is not None \
                    and self._leaking_split(provenance, scope, statement, data, results, splits) is not None \
                    and provenance.roles(data) != {TRAIN}:
                return True
        return False

    # -- a helper whose callers in other modules split what it fitted ------------------------------
    def _split_by_callers(self, ctx: FileContext, provenance: DataProvenance) -> None:
        """A top-level function that fits its argument and returns it transformed, and that a
        caller in another module of the project gives whole data and splits afterwards: the leak
        is that caller's finding, and this module's too, at the fit (the fix is here: split first,
        or fit on the training part). A caller in this module is reported at its call only."""
        functions = [s for s in ctx.module.body if isinstance(s, cst.FunctionDef) and s.params.params]
        if not functions:
            return
        fitting = _may_fit(ctx, functions)
        if not fitting:
            return
        callers = ctx.analysis(ProjectCallers)
        for function in fitting:
            # the callers first: only modules that name the helper and a splitting call are parsed,
            # and most helpers have none, so their summaries are never computed
            sites = callers.sites_where(function, _SPLIT_WORDS)
            if not sites:
                continue
            summary = self.fit_summary(provenance, function, False)
            if summary is None:
                continue
            for site in sites:
                found = self._caller_splits(site, summary[0])
                if found is None:
                    continue
                split_node, caller_scope = found
                where = _relative(site.ctx.path, ctx.path)
                line = site.ctx.position(split_node).start.line
                caller = caller_scope.name.value if isinstance(caller_scope, cst.FunctionDef) else "the module"
                param = [p.name.value for p in function.params.params][summary[0]]
                fit = self._summary_nodes.get(function, function)
                ctx.report(fit, f"preprocessing fitted on `{param}`, which {caller} ({where}) passes "
                           f"whole and splits afterwards (line {line}): the held-out part leaks into "
                           "it; split first and fit on the training part only")
                break

    def _caller_splits(self, site, index: int) -> tuple[cst.CSTNode, cst.CSTNode] | None:
        """(the split node, the caller's scope) when the call at ``site`` (another module) passes
        whole data that its scope splits afterwards."""
        other = site.ctx
        PROJECT.depth += 1
        try:
            provenance = other.analysis(DataProvenance)
            splits = provenance.splits
            scope = provenance.scope_of(site.call)
            if not any(s.scope is scope for s in splits):
                return None
            leak = self._call_leaks(other, provenance, site.call, index, splits)
        finally:
            PROJECT.depth -= 1
        return None if leak is None else (leak[0].node, scope)

    # -- function summaries: what a function fits, and on which argument ---------------------------
    _in_helper = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # function node -> (index of the fitted parameter, the statistic), or None; a function
        # being summarised maps to None, so a recursion reads "fits nothing".
        self._summaries: dict[cst.FunctionDef, tuple[int, str] | None] = {}
        # function -> the call in it that fits (a statistic, a fit, or a call of a fitting helper)
        self._summary_nodes: dict[cst.FunctionDef, cst.Call] = {}
        self._summary_depth = 0

    def _helper_of(self, provenance: DataProvenance, call: cst.Call) -> tuple[int, str] | None:
        """(index of the fitted argument, the statistic) when ``call`` calls a function or method
        of this file or of another project module whose summary says it fits on that argument and
        returns it transformed."""
        if not isinstance(call.func, (cst.Name, cst.Attribute)) or self._summary_depth >= _MAX_HELPER_DEPTH:
            return None
        resolved = provenance.resolve(call)
        if resolved is None:
            return None
        other, function, method = resolved
        self._summary_depth += 1
        try:
            return self.fit_summary(other, function, method)
        finally:
            self._summary_depth -= 1

    def fit_summary(self, provenance: DataProvenance, function: cst.FunctionDef,
                    method: bool) -> tuple[int, str] | None:
        """The summary of ``function``: (index of the positional parameter it fits on, ``self``
        not counted for a method; the statistic) when it computes a statistic or fits a
        preprocessor over that parameter (or a value derived from it in its body, or by calling a
        function that does: summaries compose) and returns the data transformed by it (alone or
        in a tuple). None when it fits nothing of its arguments, fits only a training part it
        split off, or returns only the statistic."""
        if function in self._summaries:
            return self._summaries[function]
        self._summaries[function] = None
        ctx = provenance.ctx
        params = [p.name.value for p in function.params.params][1 if method else 0:]
        if not params:
            return None
        was, self._in_helper = self._in_helper, True
        found: tuple[int, str] | None = None
        try:
            for call in iter_subtree(function.body):
                if not isinstance(call, cst.Call) or ctx.index.function_of(call) is not function:
                    continue
                name = last_name(call.func)
                data: cst.BaseExpression | None = None
                if name in STATISTICS or name in _FIT_METHODS:
                    data = self._statistic_data(ctx, provenance, call, name)
                elif not self._may_pass_derived(ctx, provenance, function, call, params):
                    # no positional argument derives from a parameter and flows to a return:
                    # whatever the callee fits, the summary does not change (nor is its module parsed)
                    continue
                else:
                    inner = self._helper_of(provenance, call)
                    if inner is not None:
                        arg = positional(call, inner[0])
                        data = _selection_owner(arg.value) if arg is not None else None
                        name = inner[1]
                if data is None or provenance.roles(data) == {TRAIN} or provenance.only_bounds(call):
                    continue
                roots = set(_roots(data)) or set(chains(data))
                order = ctx.index.order[ctx.index.statement_of(call)]
                for position, param in enumerate(params):
                    derived = provenance.forward(function, {param}, -1, until=order)
                    if roots & derived and self._returns_derived(ctx, provenance, function, call, derived):
                        found = (position, name)
                        self._summary_nodes[function] = call
                        break
                if found is not None:
                    break
        finally:
            self._in_helper = was
        self._summaries[function] = found
        return found

    def _may_pass_derived(self, ctx: FileContext, provenance: DataProvenance, function: cst.FunctionDef,
                          call: cst.Call, params: list[str]) -> bool:
        """Some positional argument of ``call`` (in ``function``) is data derived from one of
        ``params`` that the function returns transformed: what :meth:`fit_summary` asks of a
        call of a fitting helper, for every argument the helper might fit on."""
        if provenance.only_bounds(call):
            return False
        order = ctx.index.order[ctx.index.statement_of(call)]
        derived_of: dict[str, set[str]] = {}
        index = 0
        while (arg := positional(call, index)) is not None:
            index += 1
            data = _selection_owner(arg.value)
            if data is None:
                continue
            roots = set(_roots(data)) or set(chains(data))
            for param in params:
                if param not in derived_of:
                    derived_of[param] = provenance.forward(function, {param}, -1, until=order)
                derived = derived_of[param]
                if roots & derived and provenance.roles(data) != {TRAIN} \
                        and self._returns_derived(ctx, provenance, function, call, derived):
                    return True
        return False

    def _returns_derived(self, ctx: FileContext, provenance: DataProvenance, function: cst.FunctionDef,
                         call: cst.Call, data: set[str]) -> bool:
        """Does the function return the statistic applied to the data (not the statistic alone)?"""
        statement = ctx.index.statement_of(call)
        if isinstance(statement, cst.Return):
            value = statement.value
            return value is not None and value is not call and bool(data & set(chains(value)))
        results = self._results(ctx, provenance, call, statement)
        if not results:
            return False
        order = ctx.index.order[statement]
        derived = provenance.forward(function, results, order - 1)
        for binding in provenance.bindings(function):
            if isinstance(binding.node, cst.Return) and binding.order > order \
                    and binding.reads & derived:
                return True
        return False

    # -- what the statistic is computed over -------------------------------------------------------
    def _statistic_data(self, ctx: FileContext, provenance: DataProvenance, call: cst.Call,
                        name: str) -> cst.BaseExpression | None:
        """The data a statistic or fit reads, or None when it is not one over the sample axis."""
        func = call.func
        if name in _FIT_METHODS:
            if not isinstance(func, cst.Attribute) \
                    or not self._is_preprocessor(provenance, func.value, call, name == "fit_transform"):
                return None
            first = positional(call, 0) or keyword(call, "X") or keyword(call, "raw_documents")
            if first is None or _row_part(first.value):
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
        return self._sample_data(ctx, provenance, data)

    def _sample_data(self, ctx: FileContext, provenance: DataProvenance,
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
                if _row_part(current):
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
                return self._lambda_param_owner(ctx, current)
            function = ctx.index.function_of(current)
            if function is not None and _is_parameter(function, current.value) \
                    and not _is_split_in(provenance, function) and not self._in_helper:
                return None
        if dotted_name(current) is None:
            return None
        return current

    def _lambda_param_owner(self, ctx: FileContext, name: cst.Name) -> cst.BaseExpression | None:
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
        return self._sample_data(ctx, ctx.analysis(DataProvenance), owner) if not isinstance(owner, cst.Name) else owner

    def _is_preprocessor(self, provenance: DataProvenance, receiver: cst.BaseExpression,
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

    # -- where the statistic's result goes ---------------------------------------------------------
    def _results(self, ctx: FileContext, provenance: DataProvenance, call: cst.Call,
                 statement: cst.CSTNode) -> set[str]:
        """The names that hold the statistic's result (or the fitted transformer)."""
        out: set[str] = set()
        if isinstance(statement, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            for binding in provenance.bindings_of(statement):
                out.update(binding.targets)
        if last_name(call.func) == "fit" and isinstance(call.func, cst.Attribute):
            receiver = dotted_name(call.func.value)
            if receiver is not None:
                out.add(receiver)
        if isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call):
            outer = statement.value
            inplace = keyword(outer, "inplace")
            if inplace is not None and isinstance(outer.func, cst.Attribute) \
                    and isinstance(inplace.value, cst.Name) and inplace.value.value == "True":
                # ``df["a"].fillna(df["a"].mean(), inplace=True)`` changes the frame ``df``
                receiver: cst.BaseExpression = outer.func.value
                while isinstance(receiver, cst.Subscript) or (
                        isinstance(receiver, cst.Attribute) and receiver.attr.value in ("loc", "iloc")):
                    receiver = receiver.value
                name = dotted_name(receiver)
                if name is not None:
                    out.add(name)
        return out

    def _leaking_split(self, provenance: DataProvenance, scope: cst.CSTNode, statement: cst.CSTNode,
                       data: cst.BaseExpression, results: set[str], splits: list[Split]) -> Split | None:
        order = provenance.index.order[statement]
        # Data created in the statement itself (``standardize(np.load(path))``) is known by the
        # names the statement binds.
        roots = set(results) if isinstance(data, cst.Call) else set(_roots(data))
        if not roots:
            return None
        for split in splits:
            if split.scope is not scope or split.order <= order:
                continue
            split_reads: set[str] = set()
            for expr in split.data:
                split_reads.update(chains(expr))
            derived = provenance.forward(scope, roots, order - 1, until=split.order)
            if not derived & split_reads:
                continue
            used = provenance.forward(scope, results, order)
            before_split = provenance.forward(scope, results, order, until=split.order)
            if before_split & split_reads:
                return split
            parts = provenance.forward(scope, split.outputs, split.order) if split.outputs else set()
            for binding in provenance.bindings(scope):
                if binding.order <= split.order:
                    continue
                if binding.reads & used and binding.reads & parts:
                    return split
        return None


_MAX_HELPER_DEPTH = 6  # helpers calling helpers: a longer chain stays unknown
# The names that DataProvenance's splits are made with (a splitter's class for its ``.split``; slices
# of rows aside): a module of the project that holds none has no caller of a helper that splits what
# the helper fitted, and is not parsed for one.
_SPLIT_WORDS = frozenset({"train_test_split", "random_split", "Subset", *CV_SPLITTERS, *CV_FUNCTIONS, *SEARCHERS})


def _may_fit(ctx: FileContext, functions: list[cst.FunctionDef]) -> list[cst.FunctionDef]:
    """The functions of ``functions`` that compute a statistic or call a fit, or call one of the
    others that does (a cheap gate before their summaries: names only)."""
    by_name = {f.name.value: f for f in functions}
    direct: set[cst.FunctionDef] = set()
    calls: dict[cst.FunctionDef, set[str]] = {}
    for call in ctx.index.of_type(cst.Call):
        function = ctx.index.function_of(call)
        if function is None or function.name.value not in by_name or by_name[function.name.value] is not function:
            continue
        name = last_name(call.func)
        if name in STATISTICS or name in _FIT_METHODS:
            direct.add(function)
        elif isinstance(call.func, cst.Name) and call.func.value in by_name:
            calls.setdefault(function, set()).add(call.func.value)
    found = set(direct)
    changed = True
    while changed:
        changed = False
        for function, called in calls.items():
            if function not in found and any(by_name[n] in found for n in called):
                found.add(function)
                changed = True
    return [f for f in functions if f in found]


def _relative(path: str, start: str) -> str:
    """``path`` as the project shows it: relative to the project root of ``start``."""
    from pathlib import Path
    from dllint.analysis.project import find_root
    try:
        root = find_root(Path(start).resolve())
        return Path(path).resolve().relative_to(root).as_posix()
    except (OSError, ValueError):
        return Path(path).name


def _selection_owner(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``X[num_columns].copy()`` -> ``X``: the frame a column selection (or a copy) is taken from."""
    while True:
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) \
                and expr.func.attr.value in ("copy", "astype", "to_numpy", "reset_index"):
            expr = expr.func.value
        elif isinstance(expr, cst.Subscript) and not _row_part(expr):
            expr = expr.value
        elif isinstance(expr, cst.Attribute) and expr.attr.value in ("values", "loc", "iloc"):
            expr = expr.value
        else:
            return expr


def _roots(expr: cst.BaseExpression) -> list[str]:
    dotted = dotted_name(expr)
    if dotted is None:
        return list(chains(expr))
    parts = dotted.split(".")
    return [".".join(parts[:end]) for end in range(len(parts), 0, -1)
            if ".".join(parts[:end]) not in ("self", "cls")]


def _row_part(expr: cst.BaseExpression) -> bool:
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


def _class_count(ctx: FileContext, call: cst.Call) -> bool:
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
