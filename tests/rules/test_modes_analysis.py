"""The mode analysis: which mode each model may be in at a call, across branches, loops and the
module's own functions."""
from __future__ import annotations

import libcst as cst
import pytest

from dllint.analysis.modes import (CHOSEN_TRAIN, DYNAMIC, ENTRY, PRETRAINED, TRAIN, UNKNOWN, Modes, eval_function,
                                   frozen, is_eval_name, is_eval_token, mode_call)
from dllint.context import FileContext


def _context(source: str) -> FileContext:
    return FileContext("example.py", source, cst.parse_module(source))


def _kinds(tokens: frozenset) -> set[str]:
    """Tokens with every eval switch written 'eval'."""
    return {"eval" if is_eval_token(t) else t for t in tokens}


def _tokens_at_last_call(source: str, name: str = "model") -> set[str]:
    ctx = _context(source)
    modes = ctx.analysis(Modes)
    calls = [c for c in ctx.index.of_type(cst.Call) if ctx.code_for(c.func) == name]
    found = modes.tokens_at(calls[-1])
    assert found is not None, "not a model call"
    return _kinds(found[1])


HEAD = "import torch\nimport torch.nn as nn\nmodel = nn.Sequential(nn.Linear(2, 2), nn.Dropout())\n"


@pytest.mark.parametrize("body, expected", [
    ("model(x)\n", {TRAIN}),
    ("model.eval()\nmodel(x)\n", {"eval"}),
    ("model.train(False)\nmodel(x)\n", {"eval"}),
    ("model.train(mode=False)\nmodel(x)\n", {"eval"}),
    ("model.eval()\nmodel.train()\nmodel(x)\n", {TRAIN}),
    ("model.train(flag)\nmodel(x)\n", {DYNAMIC}),
    ("if c:\n    model.eval()\nmodel(x)\n", {TRAIN, "eval"}),
    ("if c:\n    model.eval()\nelse:\n    model.eval()\nmodel(x)\n", {"eval"}),
    ("if c:\n    model.eval()\nelif d:\n    model.train()\nelse:\n    pass\nmodel(x)\n", {TRAIN, "eval", CHOSEN_TRAIN}),
    ("if c:\n    model.eval()\nelse:\n    raise ValueError\nmodel(x)\n", {"eval"}),
    ("model = model.eval().to('cuda')\nmodel(x)\n", {"eval"}),
    ("model.eval()\nmodel = nn.DataParallel(model)\nmodel = torch.compile(model)\nmodel(x)\n", {"eval"}),
    ("model.requires_grad_(False)\nmodel(x)\n", {TRAIN}),  # freezing is not eval mode
    ("model = torch.load('m.pt')\nmodel(x)\n", {UNKNOWN}),
    ("try:\n    model.eval()\nexcept Exception:\n    pass\nmodel(x)\n", {TRAIN, "eval"}),
    ("with ctx():\n    model.eval()\nmodel(x)\n", {"eval"}),
    # the train/val phase idiom is a mode chosen by a flag
    ("if phase == 'train':\n    model.train()\nelse:\n    model.eval()\nmodel(x)\n", {DYNAMIC}),
])
def test_straight_line_and_branches(body: str, expected: set[str]) -> None:
    assert _tokens_at_last_call(HEAD + body) == expected


def test_loop_carries_state_to_next_iteration() -> None:
    source = HEAD + "for e in range(3):\n    model(x)\n    model.eval()\n"
    assert _tokens_at_last_call(source) == {TRAIN, "eval"}


def test_loop_with_train_at_top() -> None:
    source = HEAD + "for e in range(3):\n    model.train()\n    model(x)\n    model.eval()\n"
    assert _tokens_at_last_call(source) == {TRAIN}


def test_break_and_continue_paths() -> None:
    source = HEAD + ("for e in range(3):\n    if a:\n        model.eval()\n        continue\n"
                     "    model(x)\n")
    assert _tokens_at_last_call(source) == {TRAIN, "eval"}
    source = HEAD + "while True:\n    model.eval()\n    break\nmodel(x)\n"
    assert _tokens_at_last_call(source) == {"eval"}


def test_children_follow_their_parent() -> None:
    source = HEAD + "model.eval()\nmodel.module(x)\n"
    assert _tokens_at_last_call(source, "model.module") == {"eval"}


def test_parameters_start_in_entry_mode_and_helpers_apply() -> None:
    source = ("import torch\ndef f(model):\n    model(x)\n"
              "def set_eval(m):\n    m.eval()\n"
              "def g(model):\n    set_eval(model)\n    model(x)\n")
    ctx = _context(source)
    modes = ctx.analysis(Modes)
    calls = [c for c in ctx.index.of_type(cst.Call) if ctx.code_for(c.func) == "model"]
    assert _kinds(modes.tokens_at(calls[0])[1]) == {ENTRY}
    tokens = modes.tokens_at(calls[1])[1]
    assert _kinds(tokens) == {"eval"}
    # the eval switch made inside the helper is attributed to the call of the helper
    (token,) = tokens
    assert ctx.code_for(token) == "set_eval(model)"


def test_method_summaries_and_self_attributes() -> None:
    source = ("import torch\nclass T:\n    def __init__(self, model):\n        self.model = model\n"
              "    def to_eval(self):\n        self.model.eval()\n"
              "    def run(self):\n        self.to_eval()\n        self.model(x)\n")
    assert _tokens_at_last_call(source, "self.model") == {"eval"}


def test_context_managers() -> None:
    source = ("import contextlib\nimport torch\nimport torch.nn as nn\n"
              "@contextlib.contextmanager\ndef evaluating(m):\n    m.eval()\n    yield\n    m.train()\n"
              "model = nn.Linear(2, 2)\nwith evaluating(model):\n    model(x)\nmodel(y)\n")
    ctx = _context(source)
    modes = ctx.analysis(Modes)
    calls = [c for c in ctx.index.of_type(cst.Call) if ctx.code_for(c.func) == "model"]
    assert _kinds(modes.tokens_at(calls[0])[1]) == {"eval"}
    assert _kinds(modes.tokens_at(calls[1])[1]) == {TRAIN}


def test_class_context_manager() -> None:
    source = ("import torch\nimport torch.nn as nn\nclass Ev:\n    def __init__(self, net):\n"
              "        self.net = net\n    def __enter__(self):\n        self.net.eval()\n"
              "    def __exit__(self, *a):\n        self.net.train()\n"
              "model = nn.Linear(2, 2)\nwith Ev(model):\n    model(x)\nmodel(y)\n")
    ctx = _context(source)
    modes = ctx.analysis(Modes)
    calls = [c for c in ctx.index.of_type(cst.Call) if ctx.code_for(c.func) == "model"]
    assert _kinds(modes.tokens_at(calls[0])[1]) == {"eval"}
    assert _kinds(modes.tokens_at(calls[1])[1]) == {TRAIN}


def test_pretrained_and_entry_through_callers() -> None:
    source = ("import torch\nfrom transformers import AutoModel\n"
              "model = AutoModel.from_pretrained('b')\nmodel(x)\n")
    assert _tokens_at_last_call(source) == {PRETRAINED}
    source = ("import torch\nimport torch.nn as nn\ndef f(net):\n    net(x)\n"
              "model = nn.Linear(2, 2)\nf(model)\nmodel.eval()\nf(model)\n")
    ctx = _context(source)
    modes = ctx.analysis(Modes)
    function = ctx.index.of_type(cst.FunctionDef)[0]
    tokens, callers = modes.entry_tokens(function, "net")
    assert callers == 2 and _kinds(tokens) == {TRAIN, "eval"}


def test_mode_call_parsing() -> None:
    def parse(text: str):
        return mode_call(cst.parse_expression(text))

    assert parse("m.train()") == ("m", TRAIN)
    assert parse("m.train(True)") == ("m", TRAIN)
    assert parse("m.train(phase)") == ("m", DYNAMIC)
    assert is_eval_token(parse("m.eval()")[1])
    assert is_eval_token(parse("self.net.train(False)")[1])
    assert parse("m.eval(x)") is None  # not nn.Module.eval
    assert parse("trainer.fit(m)") is None


def test_eval_names() -> None:
    for name in ("evaluate", "validate", "test", "eval_epoch", "run_validation", "predict", "_val_step",
                 "valid", "inference"):
        assert is_eval_name(name), name
    for name in ("train", "test_forward_shapes", "test_model_output", "fit", "interval", "retest",
                 "train_step", "infer_shape", "scores"):
        assert not is_eval_name(name), name


def test_eval_function_excludes_training_helpers() -> None:
    source = ("import torch\ndef predict(model, x):\n    return model(x)\n"
              "def evaluate(model, x):\n    return model(x)\n"
              "for x, y in loader:\n    loss = (predict(model, x) - y).pow(2).mean()\n"
              "    loss.backward()\n    optimizer.step()\n")
    ctx = _context(source)
    modes = ctx.analysis(Modes)
    predict, evaluate = ctx.index.of_type(cst.FunctionDef)
    assert not eval_function(modes, predict)  # used for the training loss
    assert eval_function(modes, evaluate)


def test_frozen() -> None:
    ctx = _context("import torch\nbackbone.requires_grad_(False)\n"
                   "for p in head.parameters():\n    p.requires_grad = False\n")
    modes = ctx.analysis(Modes)
    assert frozen(modes, "backbone") and frozen(modes, "head") and frozen(modes, "backbone.layer1")
    assert not frozen(modes, "model")


def test_inactive_without_torch() -> None:
    ctx = _context("import numpy as np\nmodel.eval()\n")
    assert not ctx.analysis(Modes).active


def test_caller_tokens_per_call() -> None:
    source = ("import torch\nimport torch.nn as nn\ndef f(net):\n    net(x)\n"
              "model = nn.Linear(2, 2)\nf(model)\nmodel.eval()\nf(model)\n")
    ctx = _context(source)
    modes = ctx.analysis(Modes)
    function = ctx.index.of_type(cst.FunctionDef)[0]
    per_call = modes.caller_tokens(function, "net")
    assert [(ctx.position(c).start.line, _kinds(t)) for c, t in per_call] == [(6, {TRAIN}), (8, {"eval"})]
    assert modes.caller_tokens(function, "net", skip=lambda c: True) == []


def test_train_inside_if_or_no_grad_is_chosen() -> None:
    assert _tokens_at_last_call(HEAD + "if flag:\n    model.train()\nmodel(x)\n") == {TRAIN, CHOSEN_TRAIN}
    assert _tokens_at_last_call(HEAD + "with torch.no_grad():\n    model.train()\n    model(x)\n") == {CHOSEN_TRAIN}
    source = HEAD.replace("model = ", "def main():\n    model = ") + \
        "if __name__ == '__main__':\n    model.train()\n    model(x)\n"
    assert _tokens_at_last_call(source) == {TRAIN}


@pytest.mark.parametrize("body, expected", [
    ("try:\n    model.eval()\nfinally:\n    model.train()\nmodel(x)\n", {TRAIN}),
    ("while cond:\n    model.eval()\nelse:\n    model.train()\nmodel(x)\n", {TRAIN}),
    ("match mode:\n    case 'eval':\n        model.eval()\n    case _:\n        pass\nmodel(x)\n", {TRAIN, "eval"}),
    ("for b in loader:\n    model.eval()\n    break\nmodel(x)\n", {TRAIN, "eval"}),
])
def test_other_statements(body: str, expected: set[str]) -> None:
    assert _tokens_at_last_call(HEAD + body) == expected


def test_recursion_and_deep_chains_make_the_mode_unknown() -> None:
    source = ("import torch\nimport torch.nn as nn\ndef f(model, n):\n    if n:\n        f(model, n - 1)\n"
              "    else:\n        model.eval()\nmodel = nn.Linear(2, 2)\nf(model, 3)\nmodel(x)\n")
    assert _tokens_at_last_call(source) == {UNKNOWN, "eval"}
    n = 60
    chain = "".join(f"def f{i}(model):\n    f{i + 1}(model)\n" for i in range(n))
    source = ("import torch\nimport torch.nn as nn\n" + chain + f"def f{n}(model):\n    model.eval()\n"
              "model = nn.Linear(2, 2)\nf0(model)\nmodel(x)\n")
    assert TRAIN not in _tokens_at_last_call(source)


@pytest.mark.parametrize("head, loop, expected", [
    ("", "for e in range(3):\n", {"eval"}),
    ("EPOCHS = 3\n", "for e in range(EPOCHS):\n", {"eval"}),
    # may run zero times: the state before the loop reaches the code after it
    ("", "for e in range(0):\n", {TRAIN, "eval"}),
    ("", "for e in range(n):\n", {TRAIN, "eval"}),
    ("EPOCHS = 0\n", "for e in range(EPOCHS):\n", {TRAIN, "eval"}),
    ("EPOCHS = 3\nEPOCHS = 0\n", "for e in range(EPOCHS):\n", {TRAIN, "eval"}),
    # a function's own EPOCHS is not the global; one that declares it global may rebind it
    ("EPOCHS = 3\ndef f():\n    EPOCHS = 0\n", "for e in range(EPOCHS):\n", {"eval"}),
    ("EPOCHS = 3\ndef f():\n    global EPOCHS\n    EPOCHS = 0\n", "for e in range(EPOCHS):\n", {TRAIN, "eval"}),
    ("EPOCHS = 3\nif quick:\n    EPOCHS = 0\n", "for e in range(EPOCHS):\n", {TRAIN, "eval"}),
    ("EPOCHS = 3\nEPOCHS += extra\n", "for e in range(EPOCHS):\n", {TRAIN, "eval"}),
    ("", "for e in range(1, 3):\n", {"eval"}),  # (second audit M) two literal bounds
    ("START = 1\n", "for e in range(START, 3):\n", {"eval"}),
    ("", "for e in range(10, 0, -1):\n", {"eval"}),
    ("", "for e in range(3, 1):\n", {TRAIN, "eval"}),  # empty
    ("", "for e in range(1, 3, -1):\n", {TRAIN, "eval"}),  # empty
    ("", "for e in range(1, n):\n", {TRAIN, "eval"}),  # n unknown
    ("", "for e in range(-2):\n", {TRAIN, "eval"}),
    ("", "for e in loader:\n", {TRAIN, "eval"}),
])
def test_a_range_loop_over_a_positive_constant_runs_at_least_once(head: str, loop: str, expected: set[str]) -> None:
    body = loop + "    model.train()\n    step(model)\n    model.eval()\nmodel(x)\n"
    assert _tokens_at_last_call(HEAD + head + body) == expected


def test_a_later_binding_of_the_count_does_not_reach_the_loop() -> None:
    # (audit C) a later notebook cell sets ``epochs = 100`` for another model
    body = ("epochs = 200\nfor e in range(epochs):\n    model.train()\n    step(model)\n    model.eval()\n"
            "model(x)\nepochs = 100\n")
    assert _tokens_at_last_call(HEAD + body) == {"eval"}
    assert _tokens_at_last_call(HEAD + body.replace("epochs = 200", "epochs = 0")) == {TRAIN, "eval"}


def test_the_mode_of_a_none_model_on_the_skipped_path_is_moot() -> None:
    body = "if model is not None:\n    model.eval()\nmodel(x)\n"
    assert _tokens_at_last_call(HEAD + body) == {"eval"}
    body = "if model is None:\n    model.eval()\nmodel(x)\n"
    assert _tokens_at_last_call(HEAD + body) == {TRAIN, "eval"}
    body = "if ready:\n    model.eval()\nmodel(x)\n"
    assert _tokens_at_last_call(HEAD + body) == {TRAIN, "eval"}


def test_a_plain_class_is_not_a_model() -> None:
    from dllint.analysis.models import Models
    source = ("import torch\nimport torch.nn as nn\nclass Scratch:\n    pass\nclass Net(nn.Module):\n    pass\n"
              "model = Scratch()\nnet = Net()\n")
    ctx = _context(source)
    models = ctx.analysis(Models)
    names = {ctx.code_for(c.func): c for c in ctx.index.of_type(cst.Call) if ctx.code_for(c.func) in ("Scratch", "Net")}
    assert not models.is_model_call(names["Scratch"], "model")
    assert models.is_model_call(names["Net"], "net")


DEFAULT_HEAD = """import torch.nn as nn
model = nn.Sequential(nn.Linear(2, 2), nn.Dropout())
def test(net=model, other=None, *, scale=model):
    net.eval()
"""


@pytest.mark.parametrize("tail, key, expected", [
    ("test()\n", "net", "model"),                      # left out: the default, the global itself
    ("test(scale=1)\n", "net", "model"),
    ("test(None, 1)\n", "scale", "model"),
    ("test(other)\n", "net", "other"),
    ("test()\n", "scale", "model"),                    # keyword-only too
    ("test()\n", "other", None),                       # a default that is no name
    ("test(m)\n", "net", "m"),                         # passed: the argument
    ("test(*args)\n", "net", None),                    # may be passed behind *args / **kwargs
    ("test(**kw)\n", "net", None),
    ("def f(model):\n    test()\n", "net", None),      # the caller's model is its own parameter
    ("def f():\n    model = 1\n    test()\n", "net", None),  # ... or its own local
    ("def f():\n    test()\n", "net", "model"),        # a global read in the caller
    ("model = nn.Linear(2, 2)\ntest()\n", "net", None),  # bound again: the default is the old one
    ("def f():\n    global model\n    model = None\ntest()\n", "net", None),
])
def test_a_parameter_left_out_maps_to_a_global_default(tail: str, key: str, expected: str | None) -> None:
    ctx = _context(DEFAULT_HEAD + tail)
    modes = ctx.analysis(Modes)
    callee = next(f for f in ctx.index.of_type(cst.FunctionDef) if f.name.value == "test")
    call = next(c for c in ctx.index.of_type(cst.Call) if ctx.code_for(c.func) == "test")
    assert modes.map_key(call, callee, key) == expected


def test_a_default_is_not_followed_for_a_nested_function_or_one_bound_before_the_global() -> None:
    nested = ("import torch.nn as nn\nmodel = nn.Linear(2, 2)\ndef outer():\n"
              "    def test(net=model):\n        net.eval()\n    test()\n")
    # the default is the module ``model`` (coRNN's shape), not the network bound to the name later
    early = ("import model\ndef test(net=model):\n    net.eval()\n"
             "model = model.Net()\ntest()\n")
    for source in (nested, early):
        ctx = _context(source)
        modes = ctx.analysis(Modes)
        callee = next(f for f in ctx.index.of_type(cst.FunctionDef) if f.name.value == "test")
        call = next(c for c in ctx.index.of_type(cst.Call) if ctx.code_for(c.func) == "test")
        assert modes.map_key(call, callee, "net") is None
