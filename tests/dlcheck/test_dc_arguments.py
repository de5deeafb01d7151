"""Every public argument of dlcheck is checked at the call, before training starts: a wrong type
is a TypeError, a wrong value a ValueError, and the message names the argument, the value and
what is accepted."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import dlcheck
from dc_trace import global_hooks


def mlp() -> nn.Sequential:
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))


def _opt(model: nn.Module) -> torch.optim.Optimizer:
    return torch.optim.SGD(model.parameters(), lr=0.1)


# (id, keyword arguments beside the model, exception, words the message must hold)
BAD_WATCH = [
    ("checks-unknown-name", {"checks": "nonsense"}, ValueError,
     ["checks", "'nonsense'", "nonfinite", "dead_units"]),
    ("checks-typo-in-list", {"checks": ["nonfinite", "typo"]}, ValueError,
     ["checks", "'typo'", "grad_norm"]),
    ("checks-typo-in-mapping", {"checks": {"dead_unit": {"threshold": 0.5}}}, ValueError,
     ["'dead_unit'", "dead_units"]),
    ("checks-int", {"checks": 42}, TypeError, ["checks", "42", "list of check names"]),
    ("checks-tensor", {"checks": torch.zeros(2)}, TypeError, ["checks", "item", "Tensor"]),
    ("checks-list-of-int", {"checks": [1]}, TypeError, ["checks", "1", "int"]),
    ("checks-options-not-mapping", {"checks": {"dead_units": 0.5}}, TypeError,
     ["checks['dead_units']", "0.5", "mapping"]),
    ("check-option-unknown", {"checks": {"dead_units": {"treshold": 0.5}}}, TypeError,
     ["'dead_units'", "'treshold'", "threshold", "window"]),
    ("threshold-negative", {"checks": {"dead_units": {"threshold": -1}}}, ValueError,
     ["threshold", "-1", "[0, 1]"]),
    ("threshold-above-one", {"checks": {"dead_units": {"threshold": 1.5}}}, ValueError,
     ["threshold", "1.5"]),
    ("threshold-string", {"checks": {"dead_units": {"threshold": "0.5"}}}, TypeError,
     ["threshold", "'0.5'", "str"]),
    ("threshold-nan", {"checks": {"dead_units": {"threshold": float("nan")}}}, ValueError,
     ["threshold", "nan"]),
    ("window-zero", {"checks": {"dead_units": {"window": 0}}}, ValueError,
     ["window", "int >= 1", "0"]),
    ("window-float", {"checks": {"dead_units": {"window": 2.0}}}, TypeError,
     ["window", "2.0", "float"]),
    ("min-active-negative", {"checks": {"dead_units": {"min_active": -0.1}}}, ValueError,
     ["min_active", "-0.1"]),
    ("history-zero", {"checks": {"grad_norm": {"history": 0}}}, ValueError,
     ["history", "int >= 1", "0"]),
    ("min-history-above-history", {"checks": {"grad_norm": {"history": 3, "min_history": 5}}},
     ValueError, ["min_history", "history", "5"]),
    ("factor-one", {"checks": {"grad_norm": {"factor": 1}}}, ValueError, ["factor", "(1, inf]"]),
    ("vanishing-negative", {"checks": {"grad_norm": {"vanishing": -1e-7}}}, ValueError,
     ["vanishing"]),
    ("include-1d-int", {"checks": {"grad_norm": {"include_1d": 1}}}, TypeError,
     ["include_1d", "True or False"]),
    ("patience-zero", {"checks": {"grad_flow": {"patience": 0}}}, ValueError, ["patience", "0"]),
    ("graph-min-steps-zero", {"checks": {"graph": {"min_steps": 0}}}, ValueError,
     ["min_steps", "int >= 1", "0"]),
    ("nonfinite-grads-string", {"checks": {"nonfinite": {"grads": "yes"}}}, TypeError,
     ["grads", "True or False"]),
    ("shapes-record-none", {"checks": {"shapes": {"record": None}}}, TypeError,
     ["record", "True or False"]),
    ("every-float", {"every": 2.5}, TypeError, ["every", "int >= 1", "2.5"]),
    ("every-bool", {"every": True}, TypeError, ["every", "int >= 1", "True", "bool"]),
    ("every-string", {"every": "2"}, TypeError, ["every", "int >= 1", "'2'", "str"]),
    ("every-zero", {"every": 0}, ValueError, ["every", "int >= 1", "0"]),
    ("on-problem-unknown", {"on_problem": "shout"}, ValueError,
     ["on_problem", "'shout'", "'warn'", "'raise'", "'log'"]),
    ("on-problem-none", {"on_problem": None}, TypeError, ["on_problem", "None"]),
    ("plugins-string", {"plugins": "mine"}, TypeError, ["plugins", "str"]),
]


@pytest.mark.parametrize("entry", [pytest.param(("watch",) + b, id=b[0]) for b in BAD_WATCH]
                         + [pytest.param(("wrap",) + BAD_WATCH[0], id="wrap-" + BAD_WATCH[0][0])])
def test_a_bad_argument_is_refused_at_the_call(entry):
    fn, _, kwargs, exc, words = entry
    before = global_hooks()
    model = mlp()
    with pytest.raises(exc) as info:
        getattr(dlcheck, fn)(model, _opt(model), **kwargs)
    message = str(info.value)
    assert "\n" not in message and message.startswith("dlcheck.watch: ")
    for word in words:
        assert word in message, (word, message)
    # a refused watch leaves nothing behind
    assert global_hooks() == before
    assert not hasattr(nn.functional.mse_loss, "__dlcheck_original__")


@pytest.mark.parametrize("model, optimizer, exc, words", [
    pytest.param(None, None, TypeError, ["model", "torch.nn.Module", "NoneType"], id="model-None"),
    pytest.param(torch.zeros(3), None, TypeError, ["model", "torch.nn.Module", "Tensor"],
                 id="model-tensor"),
    pytest.param(mlp(), mlp(), TypeError, ["optimizer", "torch.optim.Optimizer", "Sequential"],
                 id="optimizer-model"),
    pytest.param(mlp(), "sgd", TypeError, ["optimizer", "str"], id="optimizer-string"),
])
def test_a_wrong_model_or_optimizer_is_named(model, optimizer, exc, words):
    with pytest.raises(exc) as info:
        dlcheck.watch(model, optimizer)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


@pytest.mark.parametrize("kwargs", [
    {"checks": "default"}, {"checks": None}, {"checks": "all"}, {"checks": "dead_units"},
    {"checks": ("nonfinite", "graph")}, {"checks": []},
    {"checks": {"dead_units": {"threshold": 0.0, "window": 1, "min_active": 1.0}}},
    {"checks": {"dead_units": True, "graph": None, "shapes": False}},
    {"checks": {"grad_norm": {"factor": float("inf"), "history": 5, "min_history": 5}}},
    {"checks": {"graph": {"min_steps": 1}}}, {"every": 3}, {"on_problem": "log"},
], ids=repr)
def test_good_arguments_are_accepted(kwargs):
    model = mlp()
    with dlcheck.watch(model, _opt(model), **kwargs) as w:
        pass
    assert w.closed


def test_a_third_party_check_name_is_known_once_its_pack_builds_it():
    from dlcheck.hookspecs import hookimpl

    class Named:
        name = "mine"

    class Pack:
        @hookimpl
        def dlcheck_make_checks(self, config):
            return [Named()] if "mine" in config else []

    from dlcheck import plugins

    real = plugins._entry_point_plugins()
    plugins._ENTRY_POINT_PLUGINS = real + [("pack", Pack())]
    try:
        with dlcheck.watch(mlp(), checks=["mine", "graph"]) as w:
            assert sorted(c.name for c in w.checks) == ["graph", "mine"]
        with pytest.raises(ValueError, match="unknown check 'other'"):
            dlcheck.watch(mlp(), checks=["other"])
    finally:
        plugins._ENTRY_POINT_PLUGINS = real


@pytest.mark.parametrize("call, exc, words", [
    pytest.param(lambda: dlcheck.expect(torch.zeros(2), inputs="B D"), TypeError,
                 ["module", "torch.nn.Module", "Tensor"], id="module-tensor"),
    pytest.param(lambda: dlcheck.expect(nn.Linear(2, 2), inputs=3), TypeError,
                 ["inputs", "3"], id="inputs-int"),
    pytest.param(lambda: dlcheck.expect(nn.Linear(2, 2), output=["B D", 4]), TypeError,
                 ["output", "4"], id="output-item-int"),
    pytest.param(lambda: dlcheck.expect(nn.Linear(2, 2), inputs="B ... T ..."), ValueError,
                 ["inputs", "'B ... T ...'", "one '...'"], id="two-ellipses"),
    pytest.param(lambda: dlcheck.expect(nn.Linear(2, 2), inputs="B D-1"), ValueError,
                 ["inputs", "'D-1'"], id="bad-dimension"),
    pytest.param(lambda: dlcheck.expect(nn.Linear(2, 2), inputs="B -1"), ValueError,
                 ["inputs", "'-1'"], id="negative-size"),
])
def test_expect_checks_its_arguments(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    assert message.startswith("dlcheck.expect: ")
    for word in words:
        assert word in message, (word, message)


def test_expect_accepts_every_documented_spec():
    for spec in ("B T D", "B, T, D", "B 3 _", "... D", "*batch D", "B ...", "_", ""):
        dlcheck.expect(nn.Linear(2, 2), inputs=spec, output=[spec, None])
