"""Facts behind the fourth audit's DL402 fixes: data cut into folds that are fitted on is
development data (``DataProvenance.developed_on``), a hold-out beside data named test validates,
and what a hand-written function does with one parameter's data (``parameter_uses``)."""
from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from dllint.analysis.data import TEST, TRAIN, VAL, DataProvenance
from dllint.analysis.parameter_uses import learns_from
from dllint.context import FileContext


def _provenance(source: str) -> tuple[FileContext, DataProvenance]:
    source = textwrap.dedent(source)
    ctx = FileContext("", source, cst.parse_module(source))
    return ctx, ctx.analysis(DataProvenance)


def _roles_of_probe(source: str) -> frozenset[str]:
    ctx, provenance = _provenance(source)
    probe = next(c for c in ctx.index.of_type(cst.Call)
                 if isinstance(c.func, cst.Name) and c.func.value == "probe")
    return provenance.roles(probe.args[0].value)


_LOAD = 'holdout = np.load("holdout_predictions.npy")\n'


@pytest.mark.parametrize("use", [
    "cross_val_score(stacker, x, y, cv=GroupKFold(5))",
    "folds = list(GroupKFold(5).split(x, y, groups=ids))",
    "x_tr, x_va, y_tr, y_va = train_test_split(x, y)",
    "BayesSearchCV(est, spaces, cv=MySplitter()).fit(x, y)",
    "stacker.fit(x, y, groups=ids)",
])
def test_data_cut_into_folds_is_development_data(use: str) -> None:
    source = _LOAD + "x, y = holdout, labels\nx = scaler.fit_transform(x)\n" + use + "\nprobe(x)\n"
    assert _roles_of_probe(source) == {TRAIN}


@pytest.mark.parametrize("use", [
    "print(stacker.score(x, y))",                             # only scored
    "GridSearchCV(est, grid).fit(x, y)",                       # default folds: not taken as one
    "CalibratedClassifierCV(est, cv='prefit').fit(x, y)",      # prefit: no folds
    "preds = model.predict(x)\ncross_val_score(stacker, preds, y, cv=KFold(5))",  # its predictions
    "both = np.concatenate([x_train, x])\ncross_val_score(m, both, y, cv=KFold(5))",  # a mix
])
def test_test_data_that_is_not_cut_into_folds_stays_test_data(use: str) -> None:
    source = _LOAD + "x, y = holdout, labels\n" + use + "\nprobe(x)\n"
    assert _roles_of_probe(source) == {TEST}


def test_a_concatenation_cross_validated_on_holds_both_parts() -> None:
    source = """
    X_train, X_test, y_train, y_test = train_test_split(X, y)
    both = np.concatenate([X_train, X_test])
    cross_val_score(model, both, y_all, cv=KFold(5))
    probe(both)
    """
    assert _roles_of_probe(source) == {TRAIN, TEST}


def test_a_holdout_beside_data_named_test_validates() -> None:
    beside = "holdout_predictions = get_predictions(models, 'holdout')\n" \
             "test_predictions = get_predictions(models, 'test')\nprobe(holdout_predictions)\n"
    alone = "holdout_predictions = get_predictions(models, 'holdout')\nprobe(holdout_predictions)\n"
    assert _roles_of_probe(beside) == {VAL}
    assert _roles_of_probe(alone) == {TEST}
    # a test-size setting is no data named test
    assert _roles_of_probe("test_size = 0.2\n" + alone) == {TEST}


_FIT = """
class Model:
    def fit(self, train, test, epochs=3):
        for epoch in range(epochs):
            for x, y in train:
                self.session.run(self.train_op, feed_dict={self.x: x, self.y: y})
            {test_use}

    def error(self, data):
        return sum(self.session.run(self.cost, feed_dict={self.x: x}) for x in data)
"""


@pytest.mark.parametrize("test_use, learns", [
    ("print('test error', self.error(test))", False),
    ("errors.append(sum(self.predict(x) for x in test))", False),
    ("self.session.run(self.train_op, feed_dict={self.x: test})", True),
    ("if self.error(test) > 1.0: break", True),
    ("self.last_test = test", True),
    ("return self.error(test)", True),
    ("self.update(test)", True),
])
def test_what_a_hand_written_fit_does_with_a_parameter(test_use: str, learns: bool) -> None:
    ctx, provenance = _provenance(_FIT.replace("{test_use}", test_use))
    fit = next(f for f in ctx.index.of_type(cst.FunctionDef) if f.name.value == "fit")
    assert learns_from(provenance, fit, "test") is learns
    assert learns_from(provenance, fit, "train") is True


def test_the_summary_follows_reaching_bindings_not_names() -> None:
    # the test loop's variables share names with the training loop's: only the bindings that
    # reach a statement count
    source = """
    class Model:
        def fit(self, trees, test_trees):
            for words, labels in trees:
                self.train_op(words, labels)
            for words, labels in test_trees:
                p = self.predict_op(words)
                print(p == labels)
    """
    ctx, provenance = _provenance(source)
    fit = next(iter(ctx.index.of_type(cst.FunctionDef)))
    assert learns_from(provenance, fit, "test_trees") is False
    assert learns_from(provenance, fit, "trees") is True


def test_own_method_of_a_hand_written_class() -> None:
    ctx, provenance = _provenance("""
    class MyReLU:
        def backward(self, grad):
            return grad
    layer = MyReLU()
    layer.backward(g)
    net = make_net()
    net.backward(g)
    """)
    calls = [c for c in ctx.index.of_type(cst.Call)
             if isinstance(c.func, cst.Attribute) and c.func.attr.value == "backward"]
    assert provenance.own_method(calls[0]).name.value == "backward"
    assert provenance.own_method(calls[1]) is None


def test_the_summary_follows_hand_written_callees() -> None:
    source = """
    def run_epoch(model, loader):
        for x, y in loader:
            model.opt.zero_grad()
            model.loss(x, y).backward()

    def report(model, loader):
        print(sum(model.loss(x, y) for x, y in loader))

    class Model:
        def fit(self, train, test):
            run_epoch(self, train)
            report(self, test)

        def fit_both(self, train, test):
            run_epoch(self, train)
            run_epoch(self, test)
    """
    ctx, provenance = _provenance(source)
    fits = {f.name.value: f for f in ctx.index.of_type(cst.FunctionDef)}
    assert learns_from(provenance, fits["fit"], "test") is False
    assert learns_from(provenance, fits["fit_both"], "test") is True


def test_a_declared_test_name_stays_test_data_beside_a_test_set() -> None:
    ctx, provenance = _provenance("""
    holdout_loader = make_loader("holdout")
    test_loader = make_loader("test")
    probe(holdout_loader)
    """)
    probe = next(c for c in ctx.index.of_type(cst.Call)
                 if isinstance(c.func, cst.Name) and c.func.value == "probe")
    assert provenance.roles(probe.args[0].value) == {VAL}
    assert provenance.roles(probe.args[0].value, extra_test=["holdout_loader"]) == {TEST}
