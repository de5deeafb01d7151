"""Defects found by the stress run (issue 15), one test each: torch.compile recompiled at every
step, a false DC301 under reentrant checkpointing, DC000 under torch.func.vmap, copies and pickles
of a watched model carrying dlcheck's hooks, a sentinel left in the output node's metadata."""

from __future__ import annotations

import copy
import gc
import io
import pickle
import warnings

import pytest
import torch
from torch import nn
from torch._dynamo.utils import counters
from torch.func import functional_call, grad, vmap
from torch.utils.checkpoint import checkpoint

import dlcheck
from dlcheck.hookspecs import hookimpl
from dc_trace import leftovers, snapshot


def mlp() -> nn.Sequential:
    return nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 1))


class _Forwards:
    """A third-party check counting the forwards it is handed."""

    name = "forwards"

    def __init__(self) -> None:
        self.count = 0

    @hookimpl
    def dlcheck_forward(self, name):
        self.count += 1


class _Backwards:
    name = "backwards"

    def __init__(self) -> None:
        self.count = 0

    @hookimpl
    def dlcheck_after_backward(self, watch, grads):
        self.count += len(grads.names) > 0


# ---------------------------------------------------------------- torch.compile
def _compiled_run(watch: bool, steps: int, passes: int = 1, optimizer: bool = True,
                  every: int = 1):
    torch._dynamo.reset()
    counters.clear()
    torch.manual_seed(0)
    # dropout and batch norm: the mode check hooks them (torch.is_inference_mode_enabled() there
    # was a graph break)
    model = nn.Sequential(nn.Linear(4, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.1),
                          nn.Linear(64, 1))
    compiled = torch.compile(model, backend="eager")
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    backwards = _Backwards()
    with warnings.catch_warnings():
        # torch warns at each call of a compiled module while a global module hook exists;
        # dlcheck filters that warning (its hooks ignore the wrapper), also under an "error"
        # filter set before the watch starts, as `python -W error` sets it
        warnings.filterwarnings("error", message=".*global hooks", category=UserWarning)
        w = dlcheck.wrap(model, opt if optimizer else None, on_problem="log", every=every,
                         plugins=[backwards]) if watch else None
        try:
            for _ in range(steps):
                opt.zero_grad()
                for _ in range(passes):  # gradient accumulation
                    compiled(torch.randn(8, 4)).pow(2).mean().backward()
                if w is not None and not optimizer:
                    w.step()
                opt.step()
        finally:
            report = w.close() if w is not None else None
    return (dict(counters["frames"]), dict(counters["stats"]), dict(counters["graph_break"]),
            report, backwards.count)


@pytest.mark.parametrize("optimizer", [True, False], ids=["optimizer", "w.step"])
def test_watching_a_compiled_model_adds_no_recompile_and_no_graph_break(optimizer):
    plain_frames, plain_stats, plain_breaks, _, _ = _compiled_run(False, steps=12)
    frames, stats, breaks, report, backwards = _compiled_run(True, steps=12, optimizer=optimizer)
    assert backwards == 12  # the gradient checks saw every step
    assert breaks == plain_breaks == {}
    assert frames == plain_frames
    assert stats["unique_graphs"] == plain_stats["unique_graphs"] == 1
    assert report.steps == 12 and not report.problems, str(report)


def test_gradient_accumulation_under_compile_stays_within_two_graphs():
    # the first forward pass of a step is checked in compiled code, the others are not: two
    # variants of the graph, whatever the number of passes (10 here, over the recompile limit
    # of 8 when each pass had its own)
    frames, stats, breaks, report, _ = _compiled_run(True, steps=4, passes=10)
    assert breaks == {}
    assert stats["unique_graphs"] <= 2
    assert not report.problems, str(report)
    _, stats, _, _, _ = _compiled_run(True, steps=6, every=3)
    assert stats["unique_graphs"] <= 3  # checked and unchecked steps


def test_dead_units_are_still_found_in_a_compiled_model():
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
    with torch.no_grad():
        model[0].bias.fill_(-100.0)  # every unit of the ReLU is dead
    torch._dynamo.reset()
    compiled = torch.compile(model, backend="eager")
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    with dlcheck.watch(model, opt, checks={"dead_units": {"window": 3}}, on_problem="log") as w:
        for _ in range(3):
            opt.zero_grad()
            compiled(torch.randn(8, 4)).pow(2).mean().backward()
            opt.step()
    assert [(p.code, p.module, p.data["forward_passes"]) for p in w.report().problems] == \
        [("DC401", "1", 3)]


# ---------------------------------------------------------------- checkpointing
class _Checkpointed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Linear(4, 8)
        self.block = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.Dropout(0.1))
        self.head = nn.Linear(8, 1)

    def forward(self, x):
        return self.head(checkpoint(self.block, self.stem(x), use_reentrant=True))


def test_reentrant_checkpointing_is_a_training_step_not_an_evaluation():
    model = _Checkpointed()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with dlcheck.watch(model, opt, on_problem="raise") as w:
        for _ in range(3):
            opt.zero_grad()
            model(torch.randn(4, 4)).pow(2).mean().backward()
            opt.step()
    assert not w.report().problems


def test_a_checkpointed_model_evaluated_in_training_mode_is_still_told():
    model = _Checkpointed()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # checkpoint: no input requires grad
        with dlcheck.watch(model, on_problem="log") as w:
            with torch.no_grad():
                model(torch.randn(4, 4))  # noqa: DL301 - the bug under test
            w.step()
    assert w.report().codes() == ["DC301"]


# ---------------------------------------------------------------- torch.func
def test_vmap_and_grad_of_the_watched_model_cause_no_internal_error():
    model = mlp()
    check = _Forwards()
    x, y = torch.randn(6, 4), torch.randn(6, 1)
    params = {k: v.detach() for k, v in model.named_parameters()}

    def loss(p, xi, yi):
        out = functional_call(model, p, (xi.unsqueeze(0),))
        return nn.functional.mse_loss(out, yi.unsqueeze(0))

    with dlcheck.watch(model, plugins=[check], on_problem="raise") as w:
        batched = vmap(model)(x.unsqueeze(1))
        per_sample = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)
        w.step()
        assert check.count == 0  # nothing is probed inside a transform
        out = functional_call(model, params, (x,))  # outside a transform: watched
        w.step()
        assert check.count == 4
    assert torch.equal(batched.squeeze(1), model(x))
    assert per_sample["0.weight"].shape == (6, 64, 4)
    assert torch.equal(out, model(x))
    assert not w.report().problems, str(w.report())


# ---------------------------------------------------------------- copies and pickles
def test_torch_save_of_the_whole_model_inside_the_block():
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with dlcheck.watch(model, opt, on_problem="raise"):
        opt.zero_grad()
        model(torch.randn(16, 4)).sum().backward()
        opt.step()
        buf = io.BytesIO()
        torch.save(model, buf)
        saved = pickle.dumps(model)
    buf.seek(0)
    for loaded in (torch.load(buf, weights_only=False), pickle.loads(saved)):
        assert leftovers(loaded) == []
        assert snapshot(loaded)["modules"] == snapshot(model)["modules"]
        x = torch.randn(3, 4)
        assert torch.equal(loaded(x), model(x))


def test_a_copy_made_while_watching_carries_nothing_and_never_feeds_the_watcher():
    model = mlp()
    check = _Forwards()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    w = dlcheck.wrap(model, opt, plugins=[check], on_problem="raise")
    model(torch.randn(16, 4))
    ema = copy.deepcopy(model)
    assert leftovers(ema, closed=False) == []
    seen = check.count
    ema(torch.randn(2, 4))  # while watching: the copy is not the watched model
    assert check.count == seen
    w.close()
    for _ in range(3):
        ema(torch.randn(2, 4))
    assert check.count == seen
    assert w.report().problems == []
    pickle.dumps(ema)
    assert leftovers(ema) == [] and leftovers(model) == []


def test_nothing_is_left_in_the_output_node_or_on_the_output():
    model = mlp()
    w = dlcheck.wrap(model, on_problem="raise")  # no optimizer: a hook on the output
    out = model(torch.randn(16, 4))
    assert out.grad_fn.metadata == {}  # the graph check writes nothing there
    assert out._backward_hooks  # the hook that tells the end of backward
    w.close()
    assert leftovers(model, outputs=(out,)) == []
    assert not out._backward_hooks


def test_a_module_freed_while_watched_is_forgotten():
    model = mlp()
    w = dlcheck.wrap(model, on_problem="log")
    old = id(model[2])
    model[2] = nn.Linear(64, 1)  # replaced: the old one is freed, its id may be reused
    gc.collect()
    assert old not in w._fwd_table
    w.close()


def test_a_watcher_never_closed_lets_go_when_its_model_is_freed():
    from dc_trace import global_hooks

    before = global_hooks()
    model = mlp()
    w = dlcheck.wrap(model, on_problem="log")
    model(torch.randn(16, 4))
    assert global_hooks() != before
    del model
    gc.collect()
    assert global_hooks() == before
    assert not hasattr(nn.functional.mse_loss, "__dlcheck_original__")
    assert w.report().steps == 0


def test_a_graph_kept_across_steps_is_found_in_a_compiled_model():
    model = mlp()
    torch._dynamo.reset()
    compiled = torch.compile(model, backend="eager")
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    running = 0.0
    with dlcheck.watch(model, opt, checks=["graph"], on_problem="log") as w:
        for _ in range(6):
            opt.zero_grad()
            loss = nn.functional.mse_loss(compiled(torch.randn(16, 4)), torch.zeros(16, 1))
            loss.backward(retain_graph=True)
            opt.step()
            running = running + loss  # noqa: DL101 - the bug under test
    assert w.report().codes() == ["DC101"]
    assert loss.grad_fn.metadata == {}
