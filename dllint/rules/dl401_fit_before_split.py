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
function or method whose summary (:meth:`dllint.analysis.fit_leaks.FitLeaks.fit_summary`) says it fits on an argument
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
A statistic of a made-up intermediate (``pi = pi / pi.max()`` with ``pi`` computed from the random
``x`` that is split, and not split itself: :meth:`Generation.generating_ingredient`) is a step of
generating a toy data set, not a preprocessing, and is not reported either.

Silent for per-sample scaling (``x / 255.0``, ``x / x.norm(dim=1, keepdim=True)``), statistics over
the feature axis (``x.mean(axis=1)``), statistics taken after the split on the training part,
constants from the literature (``Normalize((0.1307,), (0.3081,))``), a Pipeline handed to
cross-validation, and data that is never split in the same scope.

The statistics and fits over the sample axis are the facts of ``dllint.analysis.sample_statistics``;
where their results go, which split they leak into, what a helper fits and which callers in other
modules split what it fitted, those of ``dllint.analysis.fit_leaks``.
"""
from __future__ import annotations

from dllint.analysis.data import DataProvenance
from dllint.analysis.fit_leaks import FitLeaks
from dllint.analysis.sample_statistics import FIT_METHODS
from dllint.context import FileContext
from dllint.rule import Rule


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
    # A helper that returns the data it fitted on, handed only the training part.
    """
from sklearn.preprocessing import StandardScaler
from sklearn.model_selection import train_test_split
def scaled(frame):
    return StandardScaler().fit_transform(frame)
def fit_on(frame):
    return StandardScaler().fit(frame)
X_train, X_test, y_train, y_test = train_test_split(X, y)
X_train = scaled(X_train)
scaler = fit_on(X)
print(scaler.mean_)
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
    # (eighth audit BP) a toy data set made up in the function: the max normalises ``pi``, computed
    # from the random ``x``, and ``pi.round()`` picks which noisy line gives ``y``: a step of the
    # data's definition, not a preprocessing of the split data; the same for the probability that
    # draws each label
    """
import numpy as np
from sklearn.model_selection import train_test_split


def generate_mixture(samples=int(1e5)):
    x = np.random.sample(samples)[:, np.newaxis].astype(np.float32)
    pi = np.sin(x) + 3 * x * np.cos(x)
    pi = pi / pi.max()
    g1 = 2 * x.squeeze() + 0.5 * np.random.sample(samples)
    g2 = 8 * x.squeeze() + 0.5 * np.random.sample(samples)
    y = (pi.round().squeeze() * g1 + (1 - pi.round().squeeze()) * g2).reshape(-1, 1)
    return train_test_split(x, y, test_size=0.5)


def generate_labels(n=1000):
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, size=(n, 2))
    logits = x[:, 0] * x[:, 1]
    p = (logits - logits.min()) / (logits.max() - logits.min())
    y = (rng.uniform(size=n) < p).astype(int)
    return train_test_split(x, y, test_size=0.25)
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
    # Helpers that return the transformed data straight from the fit: a fit of their argument.
    """
from sklearn.preprocessing import StandardScaler
from sklearn.model_selection import train_test_split
def scaled(frame):
    return StandardScaler().fit_transform(frame)
def prepare(frame):
    return scaled(frame)
X = prepare(X)  # expect: DL401
X_train, X_test, y_train, y_test = train_test_split(X, y)
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
    # (eighth audit BP) made-up data whose split arrays themselves are scaled: the scaler of the
    # target, the standardised features, a feature scaled before noise is added to it; and the
    # mixture of the audit on data read from a file
    """
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler


def generate_target(samples=int(1e5)):
    x = np.random.uniform(-10, 10, (samples, 1)).astype(np.float32)
    y = np.square(x) + 2.0 * np.random.normal(size=x.shape)
    y = MinMaxScaler().fit_transform(y)  # expect: DL401
    return train_test_split(x, y, test_size=0.5)


def generate_features(n=500):
    raw = np.random.randn(n, 4) * np.array([1.0, 10.0, 100.0, 0.1])
    x = (raw - raw.mean(0)) / raw.std(0)  # expect: DL401
    y = x @ np.random.randn(4) + np.random.randn(n)
    return train_test_split(x, y)


def generate_noisy(n=500):
    base = np.random.exponential(size=(n, 3))
    scaled = base / base.max(0)  # expect: DL401
    x = scaled + 0.1 * np.random.randn(n, 3)
    y = np.random.randint(0, 2, n)
    return train_test_split(x, y)


def mixture_of(path):
    x = pd.read_csv(path)["x"].to_numpy()
    pi = np.sin(x) + 3 * x * np.cos(x)
    pi = pi / pi.max()  # expect: DL401
    g1 = 2 * x + 0.5 * np.random.sample(len(x))
    g2 = 8 * x + 0.5 * np.random.sample(len(x))
    y = pi.round() * g1 + (1 - pi.round()) * g2
    return train_test_split(x, y, test_size=0.5)
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.facts = FitLeaks()  # its function summaries serve every file of the run

    def check(self, ctx: FileContext) -> None:
        if not ctx.imports.uses("numpy", "torch", "pandas", "sklearn"):
            return
        provenance = ctx.analysis(DataProvenance)
        for leak in self.facts.caller_leaks(ctx, provenance):
            ctx.report(leak.fit, f"preprocessing fitted on `{leak.parameter}`, which {leak.caller} "
                       f"({leak.where}) passes whole and splits afterwards (line {leak.split_line}): "
                       "the held-out part leaks into it; split first and fit on the training part only")
        splits = provenance.splits
        if not splits:
            return
        for leak in self.facts.leaks(ctx, provenance, splits):
            first, *others = leak.fits
            by = f" by {first.helper}()" if first.helper else ""
            what = f"preprocessing fitted{by}" if first.statistic in FIT_METHODS \
                else f"preprocessing statistic ({first.statistic}) computed{by}"
            line = ctx.position(leak.split.node).start.line
            more = ""
            if others:
                lines = ", ".join(str(ctx.position(fit.call).start.line) for fit in others)
                more = f" (and {len(others)} more of {leak.root} on lines {lines})"
            ctx.report(first.call, f"{what} over data that is split afterwards "
                       f"(line {line}){more}: the held-out part leaks into it; split first and "
                       "fit on the training part only")
