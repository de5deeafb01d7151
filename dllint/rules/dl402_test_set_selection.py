"""DL402: the test set is used for training or for a selection decision.

The test set is used once, at the end, to measure the model that development produced. Every
decision taken by looking at it (which epoch's checkpoint to keep, when to stop, when to lower the
learning rate, which hyper-parameters win) tunes the model to the test set: the reported score is
then the maximum of many noisy measurements rather than one measurement, and it is optimistic by an
amount nobody can tell afterwards. Training on it (a back-propagated loss, a ``fit``, test data
concatenated into the training data) is worse still. Choices belong on a validation set carved out
of the training data; MNIST or CIFAR shipping without one is no licence to use the test set.

Test data comes from data provenance (``dllint.analysis.data``): ``train=False`` datasets,
``split="test"``, the test parts of ``train_test_split``, files read from a test path, names such
as ``X_test`` / ``testloader`` / ``holdout`` (plus the project's own names in the ``test-names``
option), and every value derived from those: batches, model outputs, losses, accuracies, and what a
helper of the file or of another project module returns (``get_loader("test")``, the second part
of ``make_loaders()``), followed over the control flow (a score computed at the end of one epoch
and compared at the start of the next). Flow beats names: ``eval_loader = get_loader("test")`` is
test data, ``test_loader = get_loader("val")`` is not. The decisions and training uses below are
the facts of ``dllint.analysis.selections``.

Reported at the decision: an ``if`` comparing a test-derived value that saves a checkpoint, records
a best value, stops, or resets a patience counter; ``is_best = test_acc > best``; a call to an
early-stopping helper or ``scheduler.step(metric)`` with a test-derived metric; a ``min``/``max``/
``sorted`` keyed by test results or an ``argmax`` over a list of them. Reported at the training
use: ``loss.backward()`` on a test-derived loss, a ``fit`` on test data (or on data concatenated
with it), a validation set of test data handed to ``fit`` with early stopping or callbacks that
decide on it (``ModelCheckpoint`` only with ``save_best_only=True``: by default it keeps every
epoch's weights, whatever the score).
A ``fit`` that learns nothing of the test rows' values is no training use
(:func:`dllint.analysis.learning.fit_learns`): a label or category encoder refitted on test labels
learns only the class names (poor style, since another label set would change the codes, but no
leak), and a wrapper with prefit semantics that only measures the model it is given
(``PermutationImportance(model)``, eli5's default ``cv="prefit"``) trains nothing, held-out data
being where permutation importance belongs. A prefit wrapper that learns a map on top of the model
(``CalibratedClassifierCV(model, cv="prefit")``) is training, and ``PermutationImportance(model,
cv=None)`` refits the model: both are reported on test data. A call is an early stopper's when
the object called was built by an early-stopping class (``stopper = EarlyStopping(...)``); its
name decides only when what built it is unknown. A frame from ``calibration_and_holdout_data``
holds both periods as columns: ``*_cal`` columns are training data, ``*_holdout`` columns test
data, whatever the frame is called.

Use beats names here too: data cut into folds that are fitted on (a stacker cross-validated on
the level-1 models' labelled hold-out) is development data whatever it is called, and a hold-out
beside data named test is the validation part. So is a hold-out that a training routine cuts from
the rows it was given to train on (its parameter, by complementary indexing, the other part
trained on), and a helper's hold-out parameter that every call in the project hands validation
data. A split named by a configuration entry (``cfg.DATASET.TEST_SET``) is the split the
project's configuration module and files set it to (``'valid'``, ``'val2017'``), where they are
seen. A hand-written ``fit`` of the file's own class that
only prints the score of its test argument (no update, stopping or choice uses it) trains nothing
on it, nor does the own ``backward`` of a hand-written NumPy layer.

Silent for a best test score that is recorded and never read (no print, log, save, return or
later comparison reads the plain name the ``if`` keeps it in: nothing is chosen or reported with
it), for a "best" recorded from one measurement (the best compared still holds the constant it
starts from, outside any loop: an evaluation script's ``best_mse = 1e8`` then one test score), for
a final test evaluation that decides nothing, for validation data used in every
one of these ways (also the part of a split of the training data that the split calls "test"),
for a t-SNE picture of test features, for results sorted by their keys, for keys sorted by how often
they occur (a ``Counter`` of test items: a count of the data, like ``len``), and for the index of an
``enumerate`` (also one bound to a name first), which counts batches and holds no data.
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.data import is_unit_test_file, last_name
from dllint.analysis.selections import (ARG_SELECTORS, FIT_METHODS, FIT_ON_TEST, FIT_VALIDATES_ON_TEST,
                                        FIT_WITH_TRAIN, TestSetUses, imports_project)
from dllint.context import FileContext
from dllint.rule import Rule

VALID = [
    # The split parts kept in a list and unpacked back, or taken by position: each name gets its
    # own part, no test row reaches the fit (eleventh audit CP).
    """
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LinearRegression
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.33, random_state=1)
dataset_copy = [x_train.copy(), x_test.copy(), y_train.copy(), y_test.copy()]
x_train, x_test, y_train, y_test = dataset_copy
lr = LinearRegression()
lr.fit(x_train, y_train)
print(lr.score(x_test, y_test))
LinearRegression().fit(dataset_copy[0], dataset_copy[2])
""",
    # Select on validation data, report the test score once at the end.
    """
import torch
best_acc = 0.0
for epoch in range(epochs):
    train_one_epoch(model, train_loader, optimizer)
    val_acc = evaluate(model, val_loader)
    if val_acc > best_acc:
        best_acc = val_acc
        torch.save(model.state_dict(), "best.pt")
model.load_state_dict(torch.load("best.pt"))
test_acc = evaluate(model, test_loader)
print(f"test accuracy {test_acc:.3f}")
""",
    # A test evaluation every epoch that only prints: no decision is taken on it.
    """
import torch
for epoch in range(10):
    train(model, train_loader)
    test_loss, test_acc = test(model, test_loader)
    print(epoch, test_loss, test_acc)
torch.save(model.state_dict(), "final.pt")
""",
    # ReduceLROnPlateau on the validation loss.
    """
import torch
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, "min")
for epoch in range(epochs):
    train(model, train_loader)
    val_loss = evaluate(model, valid_loader)
    scheduler.step(val_loss)
""",
    # Back-propagating on training batches; the test loop has no backward.
    """
import torch
for x, y in train_loader:
    loss = criterion(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
with torch.no_grad():
    test_loss = sum(criterion(model(x), y).item() for x, y in test_loader)
""",
    # Keras: the test data only monitored, with a logging callback; no decision is taken on it.
    """
from tensorflow import keras
model.fit(x_train, y_train, epochs=5, validation_data=(x_test, y_test),
          callbacks=[keras.callbacks.TensorBoard("logs")])
""",
    # A batch index or a count from the test loader is not test data.
    """
for batch_idx, (x, y) in enumerate(test_loader):
    if batch_idx >= 10:
        break
    if len(test_loader.dataset) > 5000 and batch_idx > 2:
        break
""",
    # Input gradients on test data (adversarial examples): backward without an optimizer step.
    """
import torch.nn.functional as F
def fgsm_test(model, test_loader, epsilon):
    correct = 0
    for data, target in test_loader:
        data.requires_grad = True
        loss = F.nll_loss(model(data), target)
        model.zero_grad()
        loss.backward()
        perturbed = data + epsilon * data.grad.sign()
        correct += (model(perturbed).argmax(1) == target).sum().item()
    return correct / len(test_loader.dataset)
""",
    # sklearn: fit on the training part, score on the test part once.
    """
from sklearn.model_selection import train_test_split
X_train, X_test, y_train, y_test = train_test_split(X, y)
clf.fit(X_train, y_train)
print(clf.score(X_test, y_test))
""",
    # Hyper-parameter search scored on validation folds.
    """
results = {}
for lr in [1e-4, 1e-3, 1e-2]:
    model = make_model()
    fit(model, train_loader, lr)
    results[lr] = evaluate(model, val_loader)
best_lr = max(results, key=results.get)
""",
    # Early stopping on validation loss, with a patience counter.
    """
best, bad_epochs = float("inf"), 0
for epoch in range(100):
    train_epoch(model, train_dl)
    val_loss = evaluate(model, dev_dl)
    if val_loss < best:
        best, bad_epochs = val_loss, 0
    else:
        bad_epochs += 1
        if bad_epochs > 5:
            break
""",
    # Argmax over the classes of a test batch is a prediction, not a selection.
    """
import torch
correct = 0
with torch.no_grad():
    for images, labels in test_loader:
        outputs = model(images)
        predicted = outputs.argmax(dim=1)
        correct += (predicted == labels).sum().item()
print(correct / len(test_loader.dataset))
""",
    # Hugging Face: the test split only monitored; the last checkpoint is kept.
    """
from transformers import Trainer, TrainingArguments
args = TrainingArguments("out", eval_strategy="epoch", num_train_epochs=3)
trainer = Trainer(model=model, args=args, train_dataset=ds["train"], eval_dataset=ds["test"])
trainer.train()
""",
    # A unit test of training code: "test" names the test case, not a test set.
    """
import unittest
import torch
class TestTraining(unittest.TestCase):
    def test_step_reduces_loss(self):
        test_input = torch.randn(4, 3)
        loss = model(test_input).sum()
        loss.backward()
        optimizer.step()
""",
    # A threshold on a test metric that only prints.
    """
test_acc = evaluate(model, test_loader)
if test_acc > 0.9:
    print("good model")
""",
    # Trainer class selecting on its validation loader.
    """
import torch
class Trainer:
    def fit(self, epochs):
        for epoch in range(epochs):
            self.train_epoch()
            acc = self.evaluate(self.val_loader)
            if acc > self.best_acc:
                self.best_acc = acc
                torch.save(self.model.state_dict(), self.ckpt_path)
        return self.evaluate(self.test_loader)
""",
    # Validation carved from the training set, picked with the comparison; test once.
    """
import torch
from torch.utils.data import random_split
from torchvision import datasets
full = datasets.MNIST("data", train=True)
train_ds, val_ds = random_split(full, [55000, 5000])
val_loader = torch.utils.data.DataLoader(val_ds, batch_size=256)
best = 0
for epoch in range(5):
    acc = evaluate(model, val_loader)
    if acc > best:
        best = acc
        torch.save(model.state_dict(), "m.pt")
""",
    # Hugging Face: the "test" part of a split of the TRAINING set is a validation set.
    """
import torch
train_ds, test_ds = load_dataset("imdb", split=["train", "test"])
halves = train_ds.train_test_split(test_size=0.2)
train_ds, dev_ds = halves["train"], halves["test"]
best = float("inf")
for epoch in range(5):
    loss = evaluate(model, dev_ds)
    if loss < best:
        best = loss
        torch.save(model.state_dict(), "best.pt")
""",
    # A module-level peek at one test batch says nothing of a method's own ``batch`` argument.
    """
for batch in test_loader:
    break
class Probe:
    def on_train_batch_end(self, batch):
        x, y = batch
        loss = criterion(self.head(x), y)
        loss.backward()
        self.opt.step()
""",
    # The only corpus is called ``test_text``; ids looked up in its vocabulary are no test set.
    """
test_text = "the quick brown fox jumps over the lazy dog".split()
vocab = {w: i for i, w in enumerate(sorted(set(test_text)))}
pairs = [(test_text[i], test_text[i + 1]) for i in range(len(test_text) - 1)]
for word, nxt in pairs:
    loss = criterion(model(torch.tensor([vocab[word]])), torch.tensor([vocab[nxt]]))
    loss.backward()
    optimizer.step()
""",
    # A t-SNE picture of test features: nothing fitted there is applied or scored.
    """
from sklearn.manifold import TSNE
with torch.no_grad():
    feats = encoder(test_x)
points = TSNE(n_components=2).fit_transform(feats.numpy())
plt.scatter(points[:, 0], points[:, 1], c=test_y)
""",
    # Retrieval for a submission: the index images found for each test query, the extra positives
    # ordered by their position in the score-sorted index; nothing is scored against test labels
    # (audit 2026-12f, cause AM).
    """
import numpy as np
import pandas as pd


def rerank(subm, pred_test, pred_index, topk=100, thresh=0.6):
    images = []
    for pred, ids in zip(pred_test["landmark_id"], subm["index_id_list"]):
        whole_positives = pred_index[pred_index["landmark_id"] == pred]
        whole_positives = whole_positives[whole_positives["score"] > thresh]
        diff = sorted(set(whole_positives.index) - set(ids), key=whole_positives.index.get_loc)
        images.append(" ".join(list(ids)[:topk] + diff))
    subm["images"] = images
    return subm
""",
    # The test labels counted and listed by class id: no result is ranked.
    """
from collections import Counter
counts = Counter()
for _, labels in test_loader:
    counts.update(labels.tolist())
print(sorted(counts.items(), key=lambda item: item[0]))
""",
    # A part called "test" carved out of the training file is a validation set: the flow says so.
    """
import pandas as pd
import torch
from sklearn.model_selection import train_test_split
train_df = pd.read_csv("train.csv")
train, test = train_test_split(train_df, test_size=0.1)
best = 0.0
for epoch in range(10):
    fit_one(model, train)
    test_acc = score(model, test)
    if test_acc > best:
        best = test_acc
        torch.save(model.state_dict(), "best.pt")
""",
    # The helper is asked for the validation split, whatever the variable is called.
    """
import torch
def get_loader(split):
    loaders = {"train": make(TrainSet()), "val": make(ValSet()), "test": make(TestSet())}
    return loaders[split]
test_loader = get_loader("val")
best = 0.0
for epoch in range(10):
    acc = evaluate(model, test_loader)
    if acc > best:
        best = acc
        torch.save(model.state_dict(), "best.pt")
""",
    # Keras: the test set is only displayed; the callbacks monitor the training loss.
    """
from tensorflow.keras.callbacks import ModelCheckpoint, ReduceLROnPlateau
callbacks = [ModelCheckpoint("w.h5", monitor="loss", save_best_only=True),
             ReduceLROnPlateau(monitor="loss", patience=10)]
model.fit(X_train, y_train, callbacks=callbacks, validation_data=(X_test, y_test))
""",
    # Keras: checkpoints written every 10th epoch whatever the score (save_best_only=False, the
    # default) and a schedule of the epoch alone: the test score is only logged, the last model kept.
    """
from tensorflow.keras.callbacks import LearningRateScheduler, ModelCheckpoint, TensorBoard
cbks = [LearningRateScheduler(lambda epoch: 0.1 if epoch < 150 else 0.01), TensorBoard("logs"),
        ModelCheckpoint("ckpt.h5", save_best_only=False, period=10)]
model.fit(x_train, y_train, epochs=200, callbacks=cbks, validation_data=(x_test, y_test))
model.save("final.h5")
""",
    # Keras: a checkpoint of every epoch, save_best_only left to its default (False).
    """
from tensorflow import keras
ckpt = keras.callbacks.ModelCheckpoint("weights.{epoch:02d}.h5", monitor="val_loss")
model.fit(x_train, y_train, validation_data=(x_test, y_test), callbacks=[ckpt])
""",
    # Two-fold cross-validation by hand (issue 13 audit, PythonDataScienceHandbook 05.03): each
    # part is fitted on once and scored by the model fitted on the other; no score comes from a
    # model that saw the scored rows.
    """
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.metrics import accuracy_score

model = KNeighborsClassifier(n_neighbors=1)
X1, X2, y1, y2 = train_test_split(X, y, random_state=0, train_size=0.5)
y2_model = model.fit(X1, y1).predict(X2)
y1_model = model.fit(X2, y2).predict(X1)
print(accuracy_score(y1, y1_model), accuracy_score(y2, y2_model))
""",
    # The same swap with an estimator built inline for each fit (third audit AD, jakevdp
    # 05-Validation): each estimator is fresh, each part scored by the one fitted on the other.
    """
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

X1, X2, y1, y2 = train_test_split(X, y, test_size=0.5, random_state=0)
print(KNeighborsClassifier(1).fit(X2, y2).score(X1, y1))
print(KNeighborsClassifier(1).fit(X1, y1).score(X2, y2))
""",
    # Stacking on out-of-fold predictions (third audit AE, jeffheaton keras ensembles): the
    # held-out indices of each fold, named ``test``, validate; every row is predicted by a model
    # that did not see it.
    """
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

def blend_ensemble(x, y, models):
    folds = list(StratifiedKFold(5).split(x, y))
    blend_train = np.zeros((x.shape[0], len(models)))
    for j, model in enumerate(models):
        for i, (train, test) in enumerate(folds):
            model.fit(x[train], y[train])
            blend_train[test, j] = model.predict_proba(x[test])[:, 1]
    blend = LogisticRegression()
    blend.fit(blend_train, y)
    return blend
""",
    # "test" in the name of exam marks (third audit Z, codebasics exercises): the file and the
    # column are no test split; nothing is split at all.
    """
import math
import pandas as pd
from sklearn.linear_model import LinearRegression

df = pd.read_csv("test_scores.csv")
LinearRegression().fit(df[["math"]], df.cs)
d = pd.read_csv("hiring.csv")
median_test_score = math.floor(d["test_score(out of 10)"].mean())
d["test_score(out of 10)"] = d["test_score(out of 10)"].fillna(median_test_score)
LinearRegression().fit(d[["experience", "test_score(out of 10)"]], d["salary($)"])
""",
    # Out-of-core learning (third audit Y, rasbt ch08/ch09): the test batch is added to the model
    # after its final score, and the model is saved for use; nothing is measured afterwards, and
    # a fresh estimator scored on the test batch later did not see it.
    """
import pickle
from sklearn.linear_model import SGDClassifier

clf = SGDClassifier(loss="log_loss", random_state=1)
for X_train, y_train in batches:
    clf.partial_fit(X_train, y_train, classes=[0, 1])
X_test, y_test = next(batches)
print("Accuracy: %.3f" % clf.score(X_test, y_test))
clf = clf.partial_fit(X_test, y_test)
pickle.dump(clf, open("classifier.pkl", "wb"))
clf = SGDClassifier(loss="log_loss", max_iter=1)
clf.partial_fit(X_train, y_train, classes=[0, 1])
print(clf.score(X_test, y_test))
""",
    # The same swap in separate statements, with the usual names and two estimators.
    """
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5)
first = LogisticRegression(C=1.0)
second = LogisticRegression(C=1.0)
first.fit(X_train, y_train)
score_a = first.score(X_test, y_test)
second.fit(X_test, y_test)
score_b = second.score(X_train, y_train)
print((score_a + score_b) / 2)
""",
    # A label encoder refitted on the test labels learns only the class names; the permutation
    # importance of a model fitted before (eli5's default cv="prefit") only scores it on shuffled
    # held-out columns; the score of an estimator named for its early-stopping monitor is printed.
    """
from eli5.sklearn import PermutationImportance
from sklearn.ensemble import RandomForestClassifier, GradientBoostingClassifier
from sklearn.preprocessing import LabelEncoder
from sklearn.model_selection import train_test_split
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25)
le = LabelEncoder()
y_tr = le.fit_transform(y_train)
y_ts = le.fit_transform(y_test)
rf = RandomForestClassifier().fit(X_train, y_tr)
perm = PermutationImportance(rf, n_iter=15)
perm.fit(X_test, y_ts)
est_early_stopping = GradientBoostingClassifier(n_estimators=1000, subsample=0.5)
est_early_stopping.fit(X_train, y_tr, monitor=monitor)
print(est_early_stopping.score(X_test, y_ts))
""",
    # lifetimes: the calibration-period columns of the calibration/holdout frame are fitted, the
    # holdout columns only compared; the frame's name does not make the calibration columns test.
    """
import pandas as pd
from lifetimes import BetaGeoFitter
from lifetimes.utils import calibration_and_holdout_data
df = pd.read_excel("Online_Retail.xlsx")
bgf = BetaGeoFitter(penalizer_coef=0.0)
summary_cal_holdout = calibration_and_holdout_data(df, "CustomerID", "InvoiceDate",
                                                  calibration_period_end="2011-06-08",
                                                  observation_period_end="2011-12-09")
bgf.fit(summary_cal_holdout["frequency_cal"], summary_cal_holdout["recency_cal"],
        summary_cal_holdout["T_cal"])
print(summary_cal_holdout["frequency_holdout"].mean())
""",
    # A hand-written holdout: the training part hides the test entries by zeroing them.
    """
import numpy as np
def create_train_test(ratings):
    train = ratings.copy()
    test = np.zeros_like(ratings)
    for u in range(ratings.shape[0]):
        test_index = np.random.choice(ratings.shape[1], size=2, replace=False)
        test[u, test_index] = ratings[u, test_index]
        train[u, test_index] = 0
    return train, test
X_train, X_test = create_train_test(X)
model.fit(X_train)
""",
    # Stacking (fourth audit AJ, a Kaggle solution): the level-1 models' predictions on the
    # labelled hold-out are the stacker's training data, cross-validated on by GroupKFold; the
    # competition's test set is only predicted. Data cut into folds that are fitted on is
    # development data, whatever its name or file says.
    """
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.preprocessing import StandardScaler

holdout_predictions = np.load("holdout_predictions.npy")
holdout_labels = np.load("holdout_labels.npy")
test_predictions = np.load("test_predictions.npy")
x, y = holdout_predictions, holdout_labels
sc = StandardScaler()
x = sc.fit_transform(x)
x_test = sc.transform(test_predictions)
stacker = LogisticRegression()
print(cross_val_score(stacker, x, y, groups=image_ids, cv=GroupKFold(5)).mean())
stacker.fit(x, y)
submission = stacker.predict_proba(x_test)[:, 1]
""",
    # ... the same inside a script's main(), tuned by a search whose folds are a splitter over the
    # hold-out predictions, and by a search given its own splitter class (a notebook's style).
    """
from sklearn.model_selection import GroupKFold, RandomizedSearchCV
from skopt import BayesSearchCV

def main():
    holdout_predictions = get_predictions_csv(experiments, "holdout")
    test_predictions = get_predictions_csv(experiments, "test")
    x, y = get_x_y(holdout_predictions)
    x_test, _ = get_x_y(test_predictions)
    search = RandomizedSearchCV(xgb, params, cv=GroupKFold(5).split(x, y, groups=ids))
    search.fit(x, y)
    tuner = BayesSearchCV(CatBoostClassifier(), spaces, cv=DownsampledShuffleSplit(10))
    tuner.fit(x, y)
    sclf = StackingCVClassifier(classifiers=[lr, lgbm], cv=4)
    sclf.fit(x, y, groups=ids)
    return search.predict_proba(x_test)
""",
    # Blends chosen on the labelled hold-out, beside a test set that is only predicted: train /
    # holdout / test, as competitions name them; the hold-out validates.
    """
import itertools
holdout_predictions = get_predictions_csv(experiments, "holdout")
test_predictions = get_predictions_csv(experiments, "test")
best_auc, best_comb = 0, None
for comb in itertools.combinations(range(len(holdout_predictions)), 3):
    auc = weighted_auc(y_true, holdout_predictions[list(comb)].mean(axis=0))
    if auc > best_auc:
        best_auc, best_comb = auc, comb
        save_submission(test_predictions[list(best_comb)].mean(axis=0))
""",
    # A hand-written fit (fourth audit AH, lazyprogrammer) given the test set only to print its
    # error each epoch: no update, stopping or choice uses it.
    """
import numpy as np

class Model:
    def __init__(self):
        self.w = 0.0

    def fit(self, train, test, epochs=3):
        for epoch in range(epochs):
            for x, y in train:
                self.w -= 0.1 * (self.w * x - y) * x
            print("epoch", epoch, "test error:", self.error(test))

    def error(self, data):
        return np.mean([(self.w * x - y) ** 2 for x, y in data])

train = [(1.0, 2.0), (2.0, 4.1)]
test = [(3.0, 6.0)]
model = Model()
model.fit(train, test)
print("test error:", model.error(test))
""",
    # ... the TensorFlow 1 style: the test batches go through the prediction op only, shuffled
    # jointly with the training rows (the training op sees the training rows).
    """
from sklearn.utils import shuffle

class RBM:
    def fit(self, X, X_test, epochs=10):
        for i in range(epochs):
            X, X_test = shuffle(X, X_test)
            for x in X:
                self.session.run(self.train_op, feed_dict={self.X_in: x})
            test_cost = self.session.run(self.cost, feed_dict={self.X_in: X_test})
            print("test cost:", test_cost)

A, A_test = load("Atrain.npz"), load("Atest.npz")
rbm = RBM()
rbm.fit(A, A_test)
""",
    # A hand-written NumPy layer tried on one point (fourth audit AO, a homework notebook): "test"
    # names the check; its own backward is no loss of a data set, though the file trains a net.
    """
import numpy as np
import torch

class MyReLU:
    def forward(self, x):
        self.mask = (x > 0).astype("float")
        return self.mask * x

    def backward(self, grad_output):
        return self.mask * grad_output

test_relu = MyReLU()
test_relu.forward(X[10])
test_relu.backward(np.ones(1))
for x, y in train_loader:
    loss = criterion(net(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A ``--test`` switch (store_true: "replay a saved policy") only picks the render mode of the
    # one environment the agent trains in: the condition of ``a if args.test else b`` chooses, it
    # is not data, and the returns it stops on are training returns.
    """
import argparse
import gymnasium as gym
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--test", action="store_true", help="replay a saved policy")
args = parser.parse_args()
env = gym.make("CartPole-v1", render_mode="human" if args.test else None)
scores = []
for episode in range(500):
    state, _ = env.reset()
    done, score = False, 0
    while not done:
        state, reward, terminated, truncated, _ = env.step(agent.act(state))
        done = terminated or truncated
        score += reward
    scores.append(score)
    if np.mean(scores[-10:]) > 490:
        break
""",
    # ... and handed on as an argument, the switch's name says nothing of what it turns on.
    """
import argparse
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--test", action="store_true")
args = parser.parse_args()
env = make_env("CartPole-v1", render=args.test)
scores = []
for episode in range(500):
    scores.append(play(env, agent))
    if np.mean(scores[-10:]) > 490:
        break
""",
    # (issue 13, eighth audit BU) an exercise's stub helper counts nothing: its local
    # ``test_acc`` is made of numbers alone, so its name does not make the validation score "test"
    """
import torch
from torch.utils import data

val_loader = data.DataLoader(val_set, batch_size=1024)
test_loader = data.DataLoader(test_set, batch_size=1024)


def evaluate(net, data_loader):
    net.eval()
    true_preds, count = 0., 0
    for imgs, labels in data_loader:
        ...
    test_acc = true_preds / count
    return test_acc


def train_model(net, max_epochs=50):
    val_scores = []
    best_val_epoch = -1
    for epoch in range(max_epochs):
        val_acc = evaluate(net, val_loader)
        val_scores.append(val_acc)
        if len(val_scores) == 1 or val_acc > val_scores[best_val_epoch]:
            torch.save(net.state_dict(), "best.pt")
            best_val_epoch = epoch
    return evaluate(net, test_loader)
""",
    # (twelfth audit DC) a best test score kept and never read again: not printed, logged, saved
    # or compared for anything else; the checkpoint is written every epoch whatever the score, so
    # nothing is chosen and no best is reported (the twins in INVALID read it)
    """
import torch
from torch.utils.data import DataLoader
from torchvision import datasets
testloader = DataLoader(datasets.CIFAR10("data", train=False), batch_size=1000)
best_acc = 0
for epoch in range(10):
    train_one_epoch(net, trainloader)
    acc = test(net, testloader)
    if acc > best_acc:
        best_acc = acc
    torch.save(net.state_dict(), "checkpoint.pt")
""",
    # (twelfth audit DC) the same in a Trainer class, the best a local of the method, and the
    # declared global of a function (``global best_acc`` declares, it reads nothing)
    """
import torch
class Trainer:
    def fit(self, epochs):
        best_acc = 0.0
        for epoch in range(epochs):
            self.train_epoch()
            acc = self.evaluate(self.test_loader)
            if acc > best_acc:
                best_acc = acc
            torch.save(self.model.state_dict(), f"epoch{epoch}.pt")
best_loss = float("inf")
def run_test(epoch):
    global best_loss
    loss = evaluate(model, test_loader)
    if loss < best_loss:
        best_loss = loss
    print(f"epoch {epoch}: test loss {loss:.3f}")
""",
    # (fourteenth audit DS) an evaluation script's "best" from one evaluation: best_mse starts at
    # a constant and is compared once, outside any loop; the update always happens, nothing is
    # chosen among several scores (the twins in INVALID compare twice, or in a loop)
    """
import torch


def evaluate(model, test_loader, model_path):
    best_mse = 1e8
    model.load_state_dict(torch.load(model_path))
    model.eval()
    with torch.no_grad():
        mse = sum(((model(x) - y) ** 2).mean().item() for x, y in test_loader) / len(test_loader)
    best_metrics = []
    if best_mse > mse:
        best_mse = mse
        best_metrics = [mse]
    return best_metrics
""",
    # (fourteenth audit DU) item ids sorted by how often they occur in the train, validation and
    # test sequences (a Counter, or counts[k] += 1): a count of the data, like len(), no result
    """
from collections import Counter, defaultdict


class PopularNegativeSampler:
    def items_by_popularity(self):
        popularity = Counter()
        for user in range(self.user_count):
            popularity.update(self.train[user])
            popularity.update(self.val[user])
            popularity.update(self.test[user])
        return sorted(popularity, key=popularity.get, reverse=True)


def frequent_test_labels(test_loader):
    counts = Counter()
    for _, labels in test_loader:
        counts.update(labels.tolist())
    return sorted(counts, key=lambda label: counts[label], reverse=True)
""",
    # (fourteenth audit DW) the index of an enumerate bound to a name first is still a counter:
    # a limit on how many test videos are scored, no decision on a test result
    """
import torch
test_set = torch.load(args.test_list)
data_loader = torch.utils.data.DataLoader(test_set, batch_size=1, shuffle=False)
data_gen = enumerate(data_loader)
max_num = args.max_num if args.max_num > 0 else len(data_loader.dataset)
output = []
with torch.no_grad():
    for i, (data, label) in data_gen:
        if i >= max_num:
            break
        output.append((net(data).argmax(1).item(), label.item()))
""",
    # A split named by a configuration entry is what the project's configuration sets it to: the
    # key says TEST_SET, the value the validation split (HRNet's yacs default, fifteenth audit ED).
    """
import torch
from yacs.config import CfgNode as CN

import dataset

cfg = CN()
cfg.DATASET = CN()
cfg.DATASET.ROOT = "data/coco"
cfg.DATASET.TRAIN_SET = "train2017"
cfg.DATASET.TEST_SET = "val2017"


def main(model, train, validate, optimizer):
    valid_dataset = dataset.coco(cfg, cfg.DATASET.ROOT, cfg.DATASET.TEST_SET, False)
    valid_loader = torch.utils.data.DataLoader(valid_dataset, batch_size=32, shuffle=False)
    best_perf = 0.0
    for epoch in range(140):
        train(model, optimizer, epoch)
        perf_indicator = validate(valid_loader, model)
        if perf_indicator >= best_perf:
            best_perf = perf_indicator
            torch.save(model.state_dict(), "model_best.pth")
""",
    # A hold-out cut by a training routine from the rows it was given to train on (its own
    # parameter, by complementary indexing, the other part trained on): a validation split of its
    # training data, not a test set, whatever the word (fifteenth audit EB: MBPO's ensemble).
    """
import numpy as np
import torch
from torch import nn


class Ensemble:
    def __init__(self):
        self.net = nn.Linear(8, 8)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)
        self.best = 1e10

    def train(self, inputs, targets, holdout_ratio=0.2, epochs=100):
        n = int(inputs.shape[0] * holdout_ratio)
        perm = np.random.permutation(inputs.shape[0])
        inputs, holdout_inputs = inputs[perm[n:]], inputs[perm[:n]]
        targets, holdout_targets = targets[perm[n:]], targets[perm[:n]]
        for epoch in range(epochs):
            loss = ((self.net(inputs) - targets) ** 2).mean()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            with torch.no_grad():
                holdout_loss = ((self.net(holdout_inputs) - holdout_targets) ** 2).mean().item()
            if holdout_loss < self.best:
                self.best = holdout_loss
                torch.save(self.net.state_dict(), "best.pt")
""",
    """
import numpy as np
import torch


def fit_dynamics(model, optimizer, inputs, labels, holdout_ratio=0.1):
    perm = np.random.permutation(len(inputs))
    inputs, labels = inputs[perm], labels[perm]
    n = int(len(inputs) * holdout_ratio)
    train_x, train_y = inputs[n:], labels[n:]
    holdout_x, holdout_y = inputs[:n], labels[:n]
    best = float("inf")
    for epoch in range(50):
        loss = torch.nn.functional.mse_loss(model(train_x), train_y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        holdout_mse = torch.nn.functional.mse_loss(model(holdout_x), holdout_y).item()
        if holdout_mse < best:
            best = holdout_mse
            torch.save(model.state_dict(), "dynamics.pt")
""",
]

INVALID = [
    # The parts unpacked back in the wrong order: the test part is fitted.
    """
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LinearRegression
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.33, random_state=1)
parts = [x_test, x_train, y_test, y_train]
x_train, x_test, y_train, y_test = parts
LinearRegression().fit(x_train, y_train)  # expect: DL402
""",
    # An element taken by position that is the test part.
    """
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LinearRegression
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.33, random_state=1)
parts = (x_train, x_test, y_train, y_test)
LinearRegression().fit(parts[1], parts[3])  # expect: DL402
""",
    # Twins of the hand-made two-fold cross-validation: the way back is missing (fit on the test
    # part after fitting on the training part, nothing scored on the training part by it).
    """
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

model = KNeighborsClassifier(n_neighbors=1)
X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=0.5)
y_pred = model.fit(X_train, y_train).predict(X_test)
model.fit(X_test, y_test)  # expect: DL402
final = model.predict(X_test)
""",
    # ... inline estimators, but the one fitted on the test part is scored on it, not on the other.
    """
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

X1, X2, y1, y2 = train_test_split(X, y, test_size=0.5, random_state=0)
print(KNeighborsClassifier(1).fit(X2, y2).score(X2, y2))  # expect: DL402
print(KNeighborsClassifier(1).fit(X1, y1).score(X2, y2))
""",
    # Twin of stacking on out-of-fold predictions: the "folds" are one train/test split, so the
    # blender learns from predictions on the test part.
    """
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

def blend_ensemble(x, y, models):
    idx_train, idx_test = train_test_split(np.arange(len(y)))
    folds = [(idx_train, idx_test)]
    blend_train = np.zeros((x.shape[0], len(models)))
    for j, model in enumerate(models):
        for i, (train, test) in enumerate(folds):
            model.fit(x[train], y[train])
            blend_train[test, j] = model.predict_proba(x[test])[:, 1]
    blend = LogisticRegression()
    blend.fit(blend_train, y)  # expect: DL402
    return blend
""",
    # Twins of the exam marks: a file named as the test part (beside its training twin, or alone
    # as ``test.csv``), and an archive keyed by part.
    """
import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression

train = pd.read_csv("mnist_train.csv")
df = pd.read_csv("mnist_test.csv")
LinearRegression().fit(df[["pixel0"]], df.label)  # expect: DL402
d = pd.read_csv("data/test.csv")
mean_age = d["age"].mean()
LinearRegression().fit(d[["age", "income"]], d["salary"])  # expect: DL402
data = np.load("mnist.npz")
LinearRegression().fit(data["x_test"], data["y_test"])  # expect: DL402
df_test = pd.read_csv("sales_test.csv")
LinearRegression().fit(df_test[["price"]], df_test.sold)  # expect: DL402
""",
    # Twins of the refit after the final score: the model is scored again after it (below, in the
    # next pass of a loop, or by the caller it is returned to).
    """
from sklearn.linear_model import SGDClassifier

clf = SGDClassifier(loss="log_loss", random_state=1)
print("Accuracy: %.3f" % clf.score(X_test, y_test))
clf = clf.partial_fit(X_test, y_test)  # expect: DL402
print(clf.score(X_test, y_test))
for epoch in range(5):
    clf.partial_fit(X_train, y_train, classes=[0, 1])
    print(clf.score(X_test, y_test))
    clf.partial_fit(X_test, y_test)  # expect: DL402

def update(model, X_test, y_test):
    print(model.score(X_test, y_test))
    model.partial_fit(X_test, y_test)  # expect: DL402
    return model
""",
    # ... a model whose second fit goes on from the first (Keras, warm_start): it saw both parts.
    """
from sklearn.model_selection import train_test_split
from sklearn.linear_model import SGDClassifier

X1, X2, y1, y2 = train_test_split(X, y, train_size=0.5)
keras_model.fit(X1, y1)
p2 = keras_model.predict(X2)
keras_model.fit(X2, y2)  # expect: DL402
p1 = keras_model.predict(X1)
sgd = SGDClassifier(warm_start=True)
q2 = sgd.fit(X1, y1).predict(X2)
q1 = sgd.fit(X2, y2).predict(X1)  # expect: DL402
""",
    # ... a setting chosen by the test score, one way only.
    """
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=0.5)
best_score = 0.0
for k in range(1, 20):
    model = KNeighborsClassifier(n_neighbors=k).fit(X_train, y_train)
    score = model.score(X_test, y_test)
    if score > best_score:  # expect: DL402
        best_score = score
        best_k = k
print("chosen k:", best_k)
""",
    # pytorch-cifar style: the test function keeps the best test checkpoint.
    """
import torch
best_acc = 0
def test(epoch):
    global best_acc
    net.eval()
    correct = total = 0
    with torch.no_grad():
        for inputs, targets in testloader:
            outputs = net(inputs)
            _, predicted = outputs.max(1)
            total += targets.size(0)
            correct += predicted.eq(targets).sum().item()
    acc = 100. * correct / total
    if acc > best_acc:  # expect: DL402
        torch.save(net.state_dict(), "ckpt.pth")
        best_acc = acc
""",
    # The evaluation helper returns accuracy on the test loader; the loop keeps the best.
    """
import torch
best = 0.0
for epoch in range(epochs):
    train(model, train_loader, optimizer)
    acc = evaluate(model, test_loader)
    if acc > best:  # expect: DL402
        best = acc
        torch.save(model.state_dict(), "best.pt")
""",
    # MNIST's test set used as the validation set: a name does not change what it is.
    """
import torch
from torchvision import datasets
val_set = datasets.MNIST("data", train=False, download=True)
val_loader = torch.utils.data.DataLoader(val_set, batch_size=1000)
best_loss = float("inf")
for epoch in range(20):
    val_loss = validate(model, val_loader)
    if val_loss < best_loss:  # expect: DL402
        best_loss = val_loss
        best_state = copy.deepcopy(model.state_dict())
""",
    # ReduceLROnPlateau driven by the test loss.
    """
import torch
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min")
for epoch in range(epochs):
    train(model, train_loader)
    test_loss = evaluate(model, test_loader)
    scheduler.step(test_loss)  # expect: DL402
""",
    # Early stopping helper fed with the test loss.
    """
early_stopping = EarlyStopping(patience=7)
for epoch in range(epochs):
    train(model, train_loader)
    test_loss = evaluate(model, test_loader)
    early_stopping(test_loss, model)  # expect: DL402
    if early_stopping.early_stop:
        break
""",
    # Back-propagating a loss on test batches.
    """
for x, y in test_loader:
    loss = criterion(model(x), y)
    optimizer.zero_grad()
    loss.backward()  # expect: DL402
    optimizer.step()
""",
    # Training on train and test concatenated.
    """
import numpy as np
from sklearn.model_selection import train_test_split
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
X_all = np.concatenate([X_train, X_test])
y_all = np.concatenate([y_train, y_test])
clf.fit(X_all, y_all)  # expect: DL402
print(clf.score(X_test, y_test))
""",
    # Only the best test accuracy is kept (reported with severity info).
    """
best_test_acc = 0.0
for epoch in range(epochs):
    train(model, train_loader)
    val_acc, test_acc = evaluate(model, val_loader), evaluate(model, test_loader)
    if test_acc > best_test_acc:  # expect: DL402
        best_test_acc = test_acc
print("best test accuracy", best_test_acc)
""",
    # Twin of the retrieval case: models ranked by a lookup of their test scores (a result). A
    # later sort by position in that ranking adds no selection: the ranking is reported.
    """
test_scores = {}
for name, model in models.items():
    test_scores[name] = evaluate(model, test_loader)
ranking = sorted(test_scores, key=test_scores.get, reverse=True)  # expect: DL402
shortlist = sorted(set(ranking[:3]) & set(fast_models), key=ranking.index)
""",
    # Hyper-parameter choice by test accuracy.
    """
test_scores = {}
for lr in [1e-4, 1e-3, 1e-2]:
    model = make_model()
    fit(model, train_loader, lr)
    test_scores[lr] = evaluate(model, test_loader)
best_lr = max(test_scores, key=test_scores.get)  # expect: DL402
""",
    # Keras: early stopping on the test data.
    """
from tensorflow import keras
model.fit(x_train, y_train, epochs=50,  # expect: DL402
          validation_data=(x_test, y_test),
          callbacks=[keras.callbacks.EarlyStopping(patience=3)])
""",
    # Keras: the early-stopping callback is bound to a name first.
    """
from tensorflow.keras.callbacks import EarlyStopping
monitor = EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
model.fit(x_train, y_train, validation_data=(x_test, y_test), callbacks=[monitor],  # expect: DL402
          epochs=1000)
""",
    # is_best computed on a test metric, as in many training scripts.
    """
import torch
for epoch in range(args.epochs):
    train(train_loader, model, criterion, optimizer)
    acc1 = validate(test_loader, model, criterion)
    is_best = acc1 > best_acc1  # expect: DL402
    best_acc1 = max(acc1, best_acc1)
    save_checkpoint(model.state_dict(), is_best)
""",
    # Trainer class selecting on self.test_loader.
    """
import torch
class Trainer:
    def fit(self, epochs):
        for epoch in range(epochs):
            self.train_epoch()
            acc = self.evaluate(self.test_loader)
            if acc > self.best_acc:  # expect: DL402
                self.best_acc = acc
                torch.save(self.model.state_dict(), self.ckpt_path)
""",
    # Hugging Face: the test split as eval_dataset with the best checkpoint loaded at the end.
    """
from datasets import load_dataset
from transformers import Trainer, TrainingArguments
imdb = load_dataset("imdb")
args = TrainingArguments("out", eval_strategy="epoch", save_strategy="epoch",
                         load_best_model_at_end=True, metric_for_best_model="accuracy")
trainer = Trainer(model=model, args=args, train_dataset=imdb["train"],  # expect: DL402
                  eval_dataset=imdb["test"], compute_metrics=compute_metrics)
trainer.train()
""",
    # Notebook: argmax over test accuracies picks the number of layers.
    """
# %%
import numpy as np
depths = [2, 4, 8]
test_accs = []
for d in depths:
    m = build(d)
    m.fit(X_train, y_train)
    test_accs.append(m.score(X_test, y_test))
# %%
best_depth = depths[int(np.argmax(test_accs))]  # expect: DL402
""",
    # Keras: save_best_only given by position (filepath, monitor, verbose, save_best_only).
    """
from tensorflow.keras.callbacks import ModelCheckpoint
model.fit(x_train, y_train, validation_data=(x_test, y_test),  # expect: DL402
          callbacks=[ModelCheckpoint("best.h5", "val_acc", 1, True)])
""",
    # Keras: the periodic checkpoint selects nothing, but early stopping on the test loss does.
    """
from tensorflow.keras.callbacks import EarlyStopping, ModelCheckpoint
cbks = [ModelCheckpoint("ckpt.h5", save_best_only=False, period=10), EarlyStopping(patience=5)]
model.fit(x_train, y_train, callbacks=cbks, validation_data=(x_test, y_test))  # expect: DL402
""",
    # Keras: save_best_only from a setting, unknown here: counted as keeping the best.
    """
from tensorflow.keras.callbacks import ModelCheckpoint
ckpt = ModelCheckpoint("best.h5", save_best_only=args.save_best)
model.fit(x_train, y_train, validation_data=(x_test, y_test), callbacks=[ckpt])  # expect: DL402
""",
    # Keras: the checkpoint is held in a name, the list in another, inside a training function.
    """
from tensorflow.keras.callbacks import ModelCheckpoint
def train(model, X_train, y_train, X_test, y_test):
    checkpoint = ModelCheckpoint("w.h5", monitor="val_acc", save_best_only=True)
    callback_list = [checkpoint]
    model.fit(X_train, y_train, validation_data=(X_test, y_test), callbacks=callback_list)  # expect: DL402
""",
    # The score of the previous epoch's test pass picks the checkpoint at the top of the loop:
    # the value reaches the decision around the loop.
    """
import torch
def run(model, train_loader, test_loader, epochs):
    best = 0.0
    for epoch in range(epochs):
        if epoch > 0 and acc > best:  # expect: DL402
            best = acc
            torch.save(model.state_dict(), "best.pt")
        train_epoch(model, train_loader)
        acc = evaluate(model, test_loader)
""",
    # Trainer class: the loader comes from a helper that picks the split by a string; the
    # attribute is called "eval", the helper is asked for "test".
    """
import torch
from torch.utils.data import DataLoader
from torchvision import datasets
def get_loader(split):
    if split == "train":
        dataset = datasets.MNIST("data", train=True)
    else:
        dataset = datasets.MNIST("data", train=False)
    return DataLoader(dataset, batch_size=64)
class Trainer:
    def __init__(self, model):
        self.model = model
        self.eval_loader = get_loader("test")
        self.best = 0.0
    def evaluate(self):
        correct = 0
        for x, y in self.eval_loader:
            correct += (self.model(x).argmax(1) == y).sum().item()
        return correct / len(self.eval_loader.dataset)
    def fit(self, epochs):
        for epoch in range(epochs):
            self.train_epoch()
            score = self.evaluate()
            if score > self.best:  # expect: DL402
                self.best = score
                torch.save(self.model.state_dict(), "best.pt")
""",
    # A helper returns the loaders as a tuple; its second part is the test set.
    """
import torch
from torch.utils.data import DataLoader
from torchvision import datasets
def make_loaders(root):
    train = datasets.CIFAR10(root, train=True)
    test = datasets.CIFAR10(root, train=False)
    return DataLoader(train, shuffle=True), DataLoader(test)
train_loader, val_loader = make_loaders("data")
best = 0.0
for epoch in range(30):
    train_epoch(model, train_loader)
    acc = evaluate(model, val_loader)
    if acc > best:  # expect: DL402
        best = acc
        torch.save(model.state_dict(), "best.pt")
""",
    # Twins: a model (not an encoder) fitted on the encoded test labels; eli5 refitting the model
    # on the test set (cv=None); a calibration map learnt on the test set on top of a prefit model.
    """
from eli5.sklearn import PermutationImportance
from sklearn.calibration import CalibratedClassifierCV
from sklearn.preprocessing import LabelEncoder
from sklearn.model_selection import train_test_split
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25)
le = LabelEncoder()
y_ts = le.fit_transform(y_test)
clf.fit(X_test, y_ts)  # expect: DL402
PermutationImportance(rf, cv=None).fit(X_test, y_test)  # expect: DL402
calibrated = CalibratedClassifierCV(rf, cv="prefit")
calibrated.fit(X_test, y_test)  # expect: DL402
""",
    # lifetimes: fitted on the holdout-period columns.
    """
from lifetimes import BetaGeoFitter
from lifetimes.utils import calibration_and_holdout_data
summary = calibration_and_holdout_data(df, "CustomerID", "InvoiceDate", calibration_period_end="2011-06-08")
BetaGeoFitter().fit(summary["frequency_holdout"], summary["recency_holdout"], summary["T_holdout"])  # expect: DL402
""",
    # A hand-written holdout that returns the parts the other way round; an early stopper built
    # under a neutral name, stepped with the test loss.
    """
import numpy as np
def create_train_test(ratings):
    train = ratings.copy()
    test = np.zeros_like(ratings)
    for u in range(ratings.shape[0]):
        test_index = np.random.choice(ratings.shape[1], size=2, replace=False)
        test[u, test_index] = ratings[u, test_index]
        train[u, test_index] = 0
    return test, train
X_train, X_test = create_train_test(X)
model.fit(X_train)  # expect: DL402
stopper = EarlyStopping(patience=5)
for epoch in range(100):
    test_loss = evaluate(model, X_test)
    stopper(test_loss, model)  # expect: DL402
""",
    # Twins of stacking on the hold-out: a hold-out that is only scored at the end is the test set
    # (fitted on, it is trained on), and test data concatenated into the cross-validated data
    # stays test data.
    """
import numpy as np
from sklearn.model_selection import KFold, cross_val_score
X_train, X_holdout, y_train, y_holdout = train_test_split(X, y, test_size=0.2)
print(cross_val_score(model, X_train, y_train, cv=KFold(5)).mean())
model.fit(X_holdout, y_holdout)  # expect: DL402
X_all = np.concatenate([X_train, X_holdout])
y_all = np.concatenate([y_train, y_holdout])
print(cross_val_score(model, X_all, y_all, cv=KFold(5)).mean())
model.fit(X_all, y_all)  # expect: DL402
""",
    # ... a grid search left at its default folds, fitted on the test set; a blend chosen on the
    # hold-out when no other data is called test.
    """
from sklearn.model_selection import GridSearchCV
from sklearn.svm import SVC
X_train, X_test, y_train, y_test = train_test_split(X, y)
grid = GridSearchCV(SVC(), {"C": [0.1, 1, 10]})
grid.fit(X_test, y_test)  # expect: DL402
""",
    """
holdout_predictions = np.load("holdout_predictions.npy")
best_auc = 0
for comb in combinations:
    auc = weighted_auc(y_true, holdout_predictions[list(comb)].mean(axis=0))
    if auc > best_auc:  # expect: DL402
        best_auc = auc
        save_submission(comb)
""",
    # ... a hold-out split off the data, picking the setting by its score, which is named test.
    """
from sklearn.model_selection import train_test_split
X_train, X_holdout, y_train, y_holdout = train_test_split(X, y, test_size=0.2)
best_acc, best_c = 0.0, None
for c in [0.1, 1.0, 10.0]:
    model = SVC(C=c).fit(X_train, y_train)
    test_acc = model.score(X_holdout, y_holdout)
    if test_acc > best_acc:  # expect: DL402
        best_acc, best_c = test_acc, c
        best_model = copy.deepcopy(model)
""",
    # Twins of the hand-written fit: the test error stops the training, or the test rows go
    # through the training op.
    """
import numpy as np

class Model:
    def fit(self, train, test, epochs=100):
        best = np.inf
        for epoch in range(epochs):
            for x, y in train:
                self.w -= 0.1 * (self.w * x - y) * x
            error = np.mean([(self.w * x - y) ** 2 for x, y in test])
            if error > best:  # expect: DL402
                break
            best = error

class RBM:
    def fit(self, X, X_test):
        for x in X + X_test:
            self.session.run(self.train_op, feed_dict={self.X_in: x})

model = Model()
model.fit(train, test)  # expect: DL402
RBM().fit(A, A_test)  # expect: DL402
""",
    # Twin of the hand-written layer: a class whose backward runs autograd on a test loss.
    """
import torch

class LossWrapper:
    def __init__(self, loss):
        self.loss = loss

    def backward(self):
        self.loss.backward()

test_loss = LossWrapper(criterion(net(x_test), y_test))
test_loss.backward()  # expect: DL402
optimizer.step()
""",
    # Twin of the switch: a quick mode picks a slice of the test set or all of it; either way the
    # value chosen is test data, and the checkpoint is chosen on it.
    """
import argparse
import torch

parser = argparse.ArgumentParser()
parser.add_argument("--quick", action="store_true")
args = parser.parse_args()
x_eval = x_test[:500] if args.quick else x_test
best = 0.0
for epoch in range(20):
    train_epoch(model, x_train, y_train)
    acc = accuracy(model, x_eval)
    if acc > best:  # expect: DL402
        best = acc
        torch.save(model.state_dict(), "best.pt")
""",
    # ... and an option named ``--test`` that holds a path, not a switch: the data read from it.
    """
import argparse
import numpy as np
import torch

parser = argparse.ArgumentParser()
parser.add_argument("--test", default="data/points.npy")
args = parser.parse_args()
data = np.load(args.test)
best = 0.0
for epoch in range(20):
    train_epoch(model)
    acc = accuracy(model, data)
    if acc > best:  # expect: DL402
        best = acc
        torch.save(model.state_dict(), "best.pt")
""",
    # (issue 13, eighth audit BU) the same stub helper, given the test loader by its caller: the
    # argument, not the local's name, makes the score a test score
    """
import torch
from torch.utils import data

val_loader = data.DataLoader(val_set, batch_size=1024)
test_loader = data.DataLoader(test_set, batch_size=1024)


def evaluate(net, data_loader):
    net.eval()
    true_preds, count = 0., 0
    for imgs, labels in data_loader:
        ...
    test_acc = true_preds / count
    return test_acc


def train_model(net, max_epochs=50):
    scores = []
    best_epoch = -1
    for epoch in range(max_epochs):
        acc = evaluate(net, test_loader)
        scores.append(acc)
        if len(scores) == 1 or acc > scores[best_epoch]:  # expect: DL402
            torch.save(net.state_dict(), "best.pt")
            best_epoch = epoch
""",
    # (twelfth audit DC) the twins of the VALID best never read: here the best test score is read
    # after the run (printed, returned, shown by a notebook cell): the epoch is chosen on the test set
    """
import torch
from torch.utils.data import DataLoader
from torchvision import datasets
testloader = DataLoader(datasets.CIFAR10("data", train=False), batch_size=1000)
best_acc = 0
for epoch in range(10):
    train_one_epoch(net, trainloader)
    acc = test(net, testloader)
    if acc > best_acc:  # expect: DL402
        best_acc = acc
    torch.save(net.state_dict(), "checkpoint.pt")
print(f"best test accuracy {best_acc:.3f}")
""",
    """
import torch
class Trainer:
    def fit(self, epochs):
        best_acc = 0.0
        for epoch in range(epochs):
            self.train_epoch()
            acc = self.evaluate(self.test_loader)
            if acc > best_acc:  # expect: DL402
                best_acc = acc
            torch.save(self.model.state_dict(), f"epoch{epoch}.pt")
        return best_acc
""",
    """
# In[1]:
best_loss = float("inf")
for epoch in range(5):
    loss = evaluate(model, test_loader)
    if loss < best_loss:  # expect: DL402
        best_loss = loss
# In[2]:
best_loss
""",
    # (tenth audit, hongyi-zhang/mixup) the best is never read, but the branch also calls a helper
    # of the file that saves the checkpoint: the test accuracy picks the saved epoch
    """
import os
import torch
best_acc = 0
def checkpoint(acc, epoch):
    torch.save({"net": net, "acc": acc, "epoch": epoch}, "./checkpoint/ckpt.t7")
def test(epoch):
    global best_acc
    acc = evaluate(net, testloader)
    if acc > best_acc:  # expect: DL402
        best_acc = acc
        checkpoint(acc, epoch)
""",
    # an attribute may be read by another module (a callback, a report): kept as a record
    """
class Trainer:
    def fit(self, epochs):
        for epoch in range(epochs):
            acc = self.evaluate(self.test_loader)
            if acc > self.best_acc:  # expect: DL402
                self.best_acc = acc
""",
    # (fourteenth audit DS) twins of the single evaluation: a second evaluation compared with the
    # best the first one left, and the same function comparing in a loop (for or while): the best
    # of several scores is kept and reported
    """
import torch
best = 0.0
acc_a = evaluate(model_a, test_loader)
if acc_a > best:
    best = acc_a
acc_b = evaluate(model_b, test_loader)
if acc_b > best:  # expect: DL402
    best = acc_b
print("best test accuracy", best)


def run(model, test_loader, epochs):
    best_mse = float("inf")
    best_metrics = []
    for epoch in range(epochs):
        mse = evaluate(model, test_loader)
        if best_mse > mse:  # expect: DL402
            best_mse = mse
            best_metrics = [mse]
    return best_metrics


def run_until_done(model, test_loader):
    best_mse = float("inf")
    best_metrics = []
    while True:
        mse = evaluate(model, test_loader)
        if best_mse > mse:  # expect: DL402
            best_mse = mse
            best_metrics = [mse]
        if not train_more(model):
            return best_metrics
""",
    # ... and a global best of a function called once per epoch: it starts from the constant at
    # module level, not in the function, so each call compares with the previous calls' best
    """
best_acc = 0


def test(epoch):
    global best_acc
    acc = evaluate(net, test_loader)
    if acc > best_acc:  # expect: DL402
        best_acc = acc
    print(epoch, best_acc)
""",
    # (fourteenth audit DU) twins of the counts: maps of test scores, added to a Counter
    # (``update`` of a map adds its values, ``Counter(scores)`` keeps them) or summed by key
    """
from collections import Counter, defaultdict


def pick(models, test_loader):
    wins = Counter()
    for name, model in models.items():
        wins.update({name: evaluate(model, test_loader)})
    return max(wins, key=wins.get)  # expect: DL402


def pick_total(models, test_loader):
    total = defaultdict(int)
    for name, model in models.items():
        total[name] += evaluate(model, test_loader)
    return max(total, key=lambda k: total[k])  # expect: DL402


def pick_tally(models, test_loader):
    scores = {name: evaluate(model, test_loader) for name, model in models.items()}
    tally = Counter(scores)
    return max(tally, key=tally.get)  # expect: DL402
""",
    # (fourteenth audit DW) twins of the named enumerate: the second element of its pairs is
    # still the test batch, chosen on or trained on
    """
import torch
import torch.nn.functional as F
test_set = torch.load("test.pt")
data_loader = torch.utils.data.DataLoader(test_set, batch_size=1, shuffle=False)
data_gen = enumerate(data_loader)
best = 0.0
for i, (data, label) in data_gen:
    acc = (net(data).argmax(1) == label).float().mean().item()
    if acc > best:  # expect: DL402
        best = acc
        torch.save(net.state_dict(), "best.pt")
batches = enumerate(data_loader)
for step, (x, y) in batches:
    loss = F.cross_entropy(net(x), y)
    optimizer.zero_grad()
    loss.backward()  # expect: DL402
    optimizer.step()
""",
    # Twins of the configured split: the configuration sets a test split, sets one on some path,
    # or loads a file that no configuration file of the project shows: the key's name decides.
    """
import torch
from yacs.config import CfgNode as CN

import dataset

cfg = CN()
cfg.DATASET = CN()
cfg.DATASET.ROOT = "data/coco"
cfg.DATASET.TRAIN_SET = "train2017"
cfg.DATASET.TEST_SET = "test2017"


def main(model, train, validate, optimizer):
    valid_dataset = dataset.coco(cfg, cfg.DATASET.ROOT, cfg.DATASET.TEST_SET, False)
    valid_loader = torch.utils.data.DataLoader(valid_dataset, batch_size=32, shuffle=False)
    best_perf = 0.0
    for epoch in range(140):
        train(model, optimizer, epoch)
        perf_indicator = validate(valid_loader, model)
        if perf_indicator >= best_perf:  # expect: DL402
            best_perf = perf_indicator
            torch.save(model.state_dict(), "model_best.pth")
""",
    """
import torch
from yacs.config import CfgNode as CN

import dataset

cfg = CN()
cfg.DATASET = CN()
cfg.DATASET.ROOT = "data/coco"
cfg.DATASET.TRAIN_SET = "train2017"
cfg.DATASET.TEST_SET = "val2017"
if FAST:
    cfg.DATASET.TEST_SET = "test-dev2017"


def main(model, train, validate, optimizer):
    valid_dataset = dataset.coco(cfg, cfg.DATASET.ROOT, cfg.DATASET.TEST_SET, False)
    valid_loader = torch.utils.data.DataLoader(valid_dataset, batch_size=32, shuffle=False)
    best_perf = 0.0
    for epoch in range(140):
        train(model, optimizer, epoch)
        perf_indicator = validate(valid_loader, model)
        if perf_indicator >= best_perf:  # expect: DL402
            best_perf = perf_indicator
            torch.save(model.state_dict(), "model_best.pth")
""",
    """
import torch
from yacs.config import CfgNode as CN

import dataset

cfg = CN()
cfg.DATASET = CN()
cfg.DATASET.ROOT = "data/coco"
cfg.DATASET.TRAIN_SET = "train2017"
cfg.DATASET.TEST_SET = "val2017"
cfg.merge_from_file("experiment.yaml")


def main(model, train, validate, optimizer):
    valid_dataset = dataset.coco(cfg, cfg.DATASET.ROOT, cfg.DATASET.TEST_SET, False)
    valid_loader = torch.utils.data.DataLoader(valid_dataset, batch_size=32, shuffle=False)
    best_perf = 0.0
    for epoch in range(140):
        train(model, optimizer, epoch)
        perf_indicator = validate(valid_loader, model)
        if perf_indicator >= best_perf:  # expect: DL402
            best_perf = perf_indicator
            torch.save(model.state_dict(), "model_best.pth")
""",
    # Twins of the hold-out cut from the training rows: a script's split of the whole data (no
    # training routine's input), a function that trains on other data, a part named test.
    """
import numpy as np
import torch

X, y = np.load("X.npy"), np.load("y.npy")
n = len(X) // 5
X_train, y_train = X[n:], y[n:]
X_holdout, y_holdout = X[:n], y[:n]
best = float("inf")
for epoch in range(50):
    loss = torch.nn.functional.mse_loss(model(X_train), y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    holdout_mse = torch.nn.functional.mse_loss(model(X_holdout), y_holdout).item()
    if holdout_mse < best:  # expect: DL402
        best = holdout_mse
        torch.save(model.state_dict(), "best.pt")
""",
    """
import numpy as np
import torch


def select(model, optimizer, buffer, inputs, labels):
    n = len(inputs) // 5
    rest_x, rest_y = inputs[n:], labels[n:]
    holdout_x, holdout_y = inputs[:n], labels[:n]
    best = float("inf")
    for epoch in range(50):
        bx, by = buffer.sample()
        loss = torch.nn.functional.mse_loss(model(bx), by)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        holdout_mse = torch.nn.functional.mse_loss(model(holdout_x), holdout_y).item()
        if holdout_mse < best:  # expect: DL402
            best = holdout_mse
            torch.save(model.state_dict(), "best.pt")
    print(rest_x.shape, rest_y.shape)
""",
    """
import numpy as np
import torch


def fit_dynamics(model, optimizer, inputs, labels):
    perm = np.random.permutation(len(inputs))
    n = len(inputs) // 5
    inputs, test_inputs = inputs[perm[n:]], inputs[perm[:n]]
    labels, test_labels = labels[perm[n:]], labels[perm[:n]]
    best = float("inf")
    for epoch in range(50):
        loss = torch.nn.functional.mse_loss(model(inputs), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        test_mse = torch.nn.functional.mse_loss(model(test_inputs), test_labels).item()
        if test_mse < best:  # expect: DL402
            best = test_mse
            torch.save(model.state_dict(), "best.pt")
""",
]


class TestSetSelection(Rule):
    """Test data reaches training or a model-selection decision."""

    code = "DL402"
    name = "test-set-selection"
    summary = "The test set is used for training or to select a checkpoint, a stopping point or hyper-parameters."
    severity = "warning"
    options = {"test-names": []}
    option_items = {"test-names": str}
    VALID = VALID
    INVALID = INVALID

    FIT_MESSAGES = {
        FIT_WITH_TRAIN: "fit on data that includes the test set (concatenated with the training data)",
        FIT_ON_TEST: "fit on test data: the model (or preprocessing) learns from the test set",
        FIT_VALIDATES_ON_TEST: "test data used as the validation data of fit with callbacks or early "
                               "stopping: the test set selects the model",
    }

    def check(self, ctx: FileContext) -> None:
        if is_unit_test_file(ctx.imports):
            return  # unit tests name their cases test_*: the naming convention means nothing there
        extra = tuple(self.config.get("test-names") or ())
        source = ctx.source.lower()
        # Test data is named, read with ``train=False``, or comes from a module of the project
        # (``get_loader("test")`` may be spelt ``get_loader(split)`` in this file).
        if not any(word in source for word in ("test", "holdout", "train=false", *(n.lower() for n in extra))) \
                and not imports_project(ctx):
            return
        if not ctx.imports.is_deep_learning_file() and "test" not in source and "holdout" not in source:
            return
        uses = TestSetUses(ctx, extra)
        reported: set[cst.CSTNode] = set()

        def report(node: cst.CSTNode, message: str, severity: str | None = None) -> None:
            statement = ctx.index.statement_of(node)
            if statement not in reported:
                reported.add(statement)
                ctx.report(node, message, severity=severity)  # type: ignore[arg-type]

        for call in ctx.index.of_type(cst.Call):
            name = last_name(call.func)
            if name is None:
                continue
            if uses.regions.is_backward_call(call):
                if uses.backward_trains_on_test(call):
                    report(call, "a loss computed on test data is back-propagated: the model trains "
                           "on its own test set")
            elif name in FIT_METHODS and isinstance(call.func, cst.Attribute):
                fit = uses.fit_on_test(call)
                if fit is not None:
                    report(call, self.FIT_MESSAGES[fit])
            elif uses.is_scheduler_step(call):
                if uses.is_test(call.args[0].value):
                    report(call, "the learning-rate schedule is driven by a test metric: choices "
                           "belong on a validation set")
            elif uses.is_early_stopping_call(call):
                if any(uses.is_test(a.value) for a in call.args):
                    report(call, "early stopping decided on a test metric: the test set selects "
                           "when to stop; use a validation set")
            elif name in ("max", "min", "sorted") and isinstance(call.func, cst.Name):
                if uses.keyed_by_test(call):
                    report(call, f"{name}() picks by test results: choosing hyper-parameters or "
                           "models on the test set; use a validation set")
            elif name in ARG_SELECTORS and uses.argselect_over_test(call):
                report(call, f"{name}() over test results picks a setting by the test set; use a "
                       "validation set")
            elif name.endswith("Trainer") and uses.hf_selects_on_test(call):
                report(call, "the Trainer evaluates on test data and keeps the best checkpoint "
                       "(load_best_model_at_end) or stops early on it; use a validation split")
        for comparison in ctx.index.of_type(cst.Comparison):
            decision = uses.comparison_decision(comparison)
            operands = [comparison.left, *(t.comparator for t in comparison.comparisons)]
            if decision is None or not any(uses.is_test(o) for o in operands):
                continue
            if decision == "acts":
                report(comparison, "a checkpoint or stopping decision is taken on test data: the "
                       "test set then selects the model; use a validation set")
            else:
                # Keeping the best test score is harmless until it is reported: then it is the
                # epoch chosen on the test set. Less certain than a checkpoint, so only info.
                report(comparison, "the best test score over the run is kept: reporting it selects "
                       "the epoch on the test set; report the test score of the epoch chosen on "
                       "validation data", "info")
