"""Sentinel steps and replay (dlcheck/replay.py): after the fully checked first steps, a step
reads only whether the loss and the gradients are finite; a step where one is not replays its
forward with every module probed. The finding must be the one a fully checked step gives, and
the replay must change nothing the user sees."""

from __future__ import annotations

import collections
import copy
import os
import pickle
import sys

import pytest
import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

import dlcheck
from dlcheck import watcher as watcher_module
from dc_trace import global_hooks, leftovers, snapshot

SENTINEL_STEP = 27  # after the fully checked first steps, not a multiple of FULL_EVERY


def test_step_27_is_a_sentinel_step():
    # the tests below plant their faults on a sentinel step: keep them meaningful if the
    # schedule changes
    assert not watcher_module._fully_checked(SENTINEL_STEP)
    assert watcher_module._fully_checked(0) and watcher_module._fully_checked(40)


class Net(nn.Module):
    """Linear layers, batch norm and dropout: the replay must reproduce the dropout masks and
    must not move the running statistics."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(6, 16), nn.Linear(16, 16), nn.Linear(16, 16)])
        self.bn = nn.BatchNorm1d(16)
        self.drop = nn.Dropout(0.3)
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        x = torch.relu(self.layers[0](x))
        x = self.drop(self.bn(x))
        for layer in self.layers[1:]:
            x = torch.relu(layer(x))
        return self.head(x)


def _data(steps: int):
    g = torch.Generator().manual_seed(1)
    return [(torch.randn(12, 6, generator=g), torch.randint(0, 3, (12,), generator=g))
            for _ in range(steps)]


def _train(plant, steps: int, watch: dict | None, after_step=None):
    """Train Net for ``steps`` steps; ``plant(model, step)`` runs before each step's forward.
    Returns the report (None unwatched), the model and the final RNG state."""
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    data = _data(steps)
    w = dlcheck.wrap(model, opt, on_problem="log", **watch) if watch is not None else None
    try:
        for step, (x, y) in enumerate(data):
            plant(model, step)
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            if after_step is not None:
                after_step(model, step)
            opt.step()
    finally:
        report = w.close() if w is not None else None
    return report, model, torch.get_rng_state()


def _nan_bias(layer: int, at: int):
    def plant(model, step):
        if step == at:
            with torch.no_grad():
                model.layers[layer].bias[0] = float("nan")
    return plant


@pytest.mark.parametrize("layer", [0, 1, 2])
def test_nan_planted_at_layer_k_is_reported_at_layer_k_and_its_step(layer):
    report, _, _ = _train(_nan_bias(layer, SENTINEL_STEP), SENTINEL_STEP + 3, {})
    forward = [p for p in report.by_code("DC203") if "forward" in p.message]
    assert [(p.module, p.step) for p in forward] == [(f"layers.{layer}", SENTINEL_STEP)]
    assert forward[0].data["bad_parameters"] == [f"layers.{layer}.bias"]
    # the same findings (code, module, step) as with every step fully checked. The message
    # may differ in one way: a fully checked step is read after the optimizer's update, which
    # has already spread the NaN to the layer's weight; the replay runs before it
    full, _, _ = _train(_nan_bias(layer, SENTINEL_STEP), SENTINEL_STEP + 3, {"sentinel": False})
    assert [(p.code, p.module, p.step) for p in report.problems] == \
        [(p.code, p.module, p.step) for p in full.problems]


def test_nan_from_the_data_at_a_sentinel_step_is_blamed_on_the_input():
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    with dlcheck.watch(model, opt, on_problem="log") as w:
        for step, (x, y) in enumerate(_data(SENTINEL_STEP + 1)):
            if step == SENTINEL_STEP:
                x = x.clone()
                x[3, 2] = float("nan")
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    [p] = [p for p in w.report().by_code("DC203") if p.module == ""]
    assert p.step == SENTINEL_STEP and "input to the model was already NaN" in p.message


def test_replay_leaves_rng_state_grads_buffers_and_parameters_unchanged():
    grads = {}

    def keep_grads(model, step):  # in backward's wake, before the optimizer (and the replay)
        if step == SENTINEL_STEP:
            grads["before"] = [p.grad.clone() for p in model.parameters()]

    plant = _nan_bias(1, SENTINEL_STEP)
    # the step after the NaN: everything is NaN in both runs; stop right after the planted one
    watched, w_model, w_rng = _train(plant, SENTINEL_STEP + 1, {}, keep_grads)
    plain_grads = {}

    def keep_plain(model, step):
        if step == SENTINEL_STEP:
            plain_grads["before"] = [p.grad.clone() for p in model.parameters()]

    _, p_model, p_rng = _train(plant, SENTINEL_STEP + 1, None, keep_plain)
    assert [p.step for p in watched.by_code("DC203")][:1] == [SENTINEL_STEP]  # a replay ran
    assert torch.equal(w_rng, p_rng)  # the random stream goes on as without dlcheck
    for a, b in zip(grads["before"], plain_grads["before"]):
        assert torch.equal(a.nan_to_num(7.0), b.nan_to_num(7.0))
    for a, b in zip(w_model.state_dict().values(), p_model.state_dict().values()):
        # parameters after the update, batch norm's running statistics and its counter
        assert torch.equal(a.nan_to_num(7.0), b.nan_to_num(7.0))


def test_a_watched_run_without_faults_is_bit_identical_to_a_plain_one():
    no_plant = lambda model, step: None  # noqa: E731
    _, w_model, w_rng = _train(no_plant, 45, {})
    _, p_model, p_rng = _train(no_plant, 45, None)
    assert torch.equal(w_rng, p_rng)
    for a, b in zip(w_model.state_dict().values(), p_model.state_dict().values()):
        assert torch.equal(a, b)


def test_replay_leaves_nothing_behind():
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    before = snapshot(model)
    hooks_before = global_hooks()
    w = dlcheck.wrap(model, opt, on_problem="log")
    copies = []
    for step, (x, y) in enumerate(_data(SENTINEL_STEP + 2)):
        _nan_bias(2, SENTINEL_STEP)(model, step)
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        if step == SENTINEL_STEP:
            copies.append(copy.deepcopy(model))  # made right after the replay, while watched
    assert w._replays == 1 and not w.replaying
    w.close()
    assert not w._passes.entries  # no reference to the user's batches is kept
    assert leftovers(model, before, optimizer=opt) == []
    assert global_hooks() == hooks_before
    assert snapshot(copies[0]) == snapshot(model)
    pickle.dumps(copies[0])  # nothing of dlcheck (a hook, a bound method) travels with a copy


def test_gradient_only_nan_is_reported_at_its_parameter_on_a_sentinel_step():
    class Root(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 4)
            self.out = nn.Linear(4, 1)

        def forward(self, x, zero: bool = False):
            h = self.fc(x)
            if zero:  # sqrt at 0: finite forward, infinite derivative
                h = torch.sqrt(h * 0)
            return self.out(h)

    def run(sentinel: bool):
        torch.manual_seed(0)
        model = Root()
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        with dlcheck.watch(model, opt, on_problem="log", sentinel=sentinel) as w:
            for step in range(SENTINEL_STEP + 1):
                opt.zero_grad()
                model(torch.randn(8, 4), zero=step == SENTINEL_STEP).pow(2).mean().backward()
                opt.step()
        return [(p.code, p.module, p.step, p.message) for p in w.report().problems]

    got = run(True)
    assert [(c, m, s) for c, m, s, _ in got] == [("DC203", "fc.bias", SENTINEL_STEP)]
    assert got == run(False)


@pytest.mark.parametrize("case", ["embedding row", "in no optimizer"])
def test_a_gradient_nan_that_never_reaches_a_later_loss_is_reported_at_its_step(case):
    # Why a sentinel step reads every gradient (a pass over their data) rather than waiting for
    # the NaN to show in a later step's loss (a scalar read anyway): the NaN may never reach a
    # later loss. An embedding row whose token no later batch holds, or a parameter no
    # optimizer steps: the losses after the step stay finite, and only the step's own gradient
    # probe names the parameter at its step.
    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(10, 4)
            self.fc = nn.Linear(4, 1)

        def forward(self, tokens):
            return self.fc(self.emb(tokens)).mean()

    def run(sentinel: bool):
        torch.manual_seed(0)
        model = Model()
        where = "emb.weight"
        params = model.fc.parameters() if case == "in no optimizer" else model.parameters()
        opt = torch.optim.SGD(params, lr=0.1)

        def poison(grad):
            grad = grad.clone()
            grad[3, 0] = float("nan")  # token 3's row
            return grad

        losses = []
        with dlcheck.watch(model, opt, on_problem="log", sentinel=sentinel,
                           checks=["nonfinite"]) as w:
            for step in range(SENTINEL_STEP + 4):
                tokens = torch.tensor([3, 4]) if step == SENTINEL_STEP else torch.tensor([1, 2])
                handle = model.get_parameter(where).register_hook(poison) \
                    if step == SENTINEL_STEP else None
                opt.zero_grad()
                loss = model(tokens)
                loss.backward()
                if handle is not None:
                    handle.remove()
                opt.step()
                losses.append(loss.item())
        assert all(map(torch.isfinite, torch.tensor(losses)))  # no later loss shows it
        return [(p.code, p.module, p.step, p.message) for p in w.report().problems]

    got = run(True)
    assert [(c, m, s) for c, m, s, _ in got] == [("DC203", "emb.weight", SENTINEL_STEP)]
    assert got == run(False)


def test_without_an_optimizer_the_replay_runs_when_backward_ends():
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    with dlcheck.watch(model, on_problem="log") as w:
        for step, (x, y) in enumerate(_data(SENTINEL_STEP + 2)):
            _nan_bias(0, SENTINEL_STEP)(model, step)
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()  # the update spoils every layer: the replay ran before it
            w.step()
    forward = [p for p in w.report().by_code("DC203") if "forward" in p.message]
    assert [(p.module, p.step) for p in forward] == [("layers.0", SENTINEL_STEP)]


def test_dead_units_after_the_first_steps_are_found_at_their_layer_at_a_sampled_window_end():
    # units killed at step 30: with every step checked the window of steps 30..39 reports them
    # at step 39; with sentinels the windows count fully checked steps (0..19, then every
    # 20th), so the first window wholly after step 30 is steps 220..400
    def run(sentinel: bool):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 10), nn.ReLU(), nn.Linear(10, 1))
        opt = torch.optim.SGD(model.parameters(), lr=0.0)
        with dlcheck.watch(model, opt, on_problem="log", sentinel=sentinel,
                           checks=["dead_units"]) as w:
            for step in range(420):
                if step == 30:
                    with torch.no_grad():
                        model[0].bias[:9] = -1e3
                opt.zero_grad()
                model(torch.randn(8, 4)).mean().backward()
                opt.step()
        return [(p.module, p.step) for p in w.report().by_code("DC401")]

    assert run(False) == [("1", 39)]
    assert run(True) == [("1", 400)]


def test_sentinel_must_be_a_bool():
    with pytest.raises(TypeError, match="sentinel must be True or False, got 1 \\(int\\)"):
        dlcheck.watch(nn.Linear(2, 2), sentinel=1)


def test_a_gradient_whose_sum_overflows_but_is_finite_is_not_reported_on_a_sentinel_step():
    # a sentinel step reads one sum per gradient: 64 elements of 1e37 sum past float32's range
    # although every one is finite; the step must settle that before blaming the gradient
    torch.manual_seed(0)
    model = nn.Linear(64, 1, bias=False)
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    with dlcheck.watch(model, opt, on_problem="log", checks=["nonfinite"]) as w:
        for step in range(SENTINEL_STEP + 2):
            x = torch.full((1, 64), 1e37) if step == SENTINEL_STEP else torch.randn(1, 64)
            opt.zero_grad()
            model(x).sum().backward()
            assert torch.isfinite(model.weight.grad).all()
            if step == SENTINEL_STEP:
                assert not torch.isfinite(model.weight.grad.sum())
            opt.step()
    assert w.report().by_code("DC203") == []


class _OpCounts(TorchDispatchMode):
    """The aten ops of a block, by name (the ops that reach the dispatcher's Python key)."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: collections.Counter = collections.Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.counts[func.overloadpacket.__name__] += 1
        return func(*args, **(kwargs or {}))


def _step_ops(model, opt, x, y) -> collections.Counter:
    with _OpCounts() as ops:
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return ops.counts


def test_a_sentinel_step_sums_a_device_s_small_gradients_at_once_and_detaches_the_loss_once():
    # Net's ten gradients are all small: one flattened copy and one sum probe them, where a
    # sum per gradient took ten ops; the loss, read by the nonfinite and the loss checks, is
    # detached once for both. On the CPU the three values (the loss for each check, the
    # probe) are read one by one: no stack (22k instructions) to gather them
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    data = _data(SENTINEL_STEP + 1)
    plain = _step_ops(model, opt, *data[0])
    with dlcheck.watch(model, opt, on_problem="log") as w:
        for x, y in data[:SENTINEL_STEP]:
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        assert not w.full_step  # the next step is a sentinel step
        watched = _step_ops(model, opt, *data[SENTINEL_STEP])
    added = watched - plain
    assert added["sum"] == 1 and added["cat"] == 1 and added["stack"] == 0
    assert added["_local_scalar_dense"] == 3
    assert added["detach"] == 1
    assert w.report().problems == []


def test_gradients_finite_one_by_one_whose_probe_overflows_together_are_not_reported():
    # each gradient's sum is 2e38, within float32's range; the two summed together are not.
    # (Two small gradients now take a sum each, below _FLAT_MIN: the test after this one
    # holds the shared probe's case.) The step must look at them one by one before blaming either.
    class Two(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Parameter(torch.zeros(1))
            self.b = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return (self.a * x).sum() + (self.b * x).sum()

    torch.manual_seed(0)
    model = Two()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    with dlcheck.watch(model, opt, on_problem="log", checks=["nonfinite"]) as w:
        for step in range(SENTINEL_STEP + 2):
            x = torch.full((1,), 2e38 if step == SENTINEL_STEP else 1.0)
            opt.zero_grad()
            model(x).backward()
            if step == SENTINEL_STEP:
                assert torch.isfinite(model.a.grad).all() and torch.isfinite(model.b.grad).all()
                assert not torch.isfinite(model.a.grad.sum() + model.b.grad.sum())
            opt.step()
    assert w.report().by_code("DC203") == []


@pytest.mark.parametrize("where", ["0.weight", "1.bias", "2.weight"])
def test_a_nan_in_one_gradient_of_a_probe_group_is_reported_at_that_parameter(where):
    # a large gradient has its own probe, the five small ones a sum each (fewer than
    # _FLAT_MIN; the shared probe: test_few_small_gradients_...): the finding names the
    # parameter, as a fully checked step does
    def run(sentinel: bool):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(200, 100), nn.Linear(100, 10), nn.Linear(10, 1))
        assert model[0].weight.numel() > watcher_module._FLAT_MAX
        opt = torch.optim.SGD(model.parameters(), lr=0.0)

        def poison(grad):
            grad = grad.clone()
            grad.view(-1)[0] = float("nan")
            return grad

        with dlcheck.watch(model, opt, on_problem="log", sentinel=sentinel,
                           checks=["nonfinite"]) as w:
            for step in range(SENTINEL_STEP + 1):
                handle = model.get_parameter(where).register_hook(poison) \
                    if step == SENTINEL_STEP else None
                opt.zero_grad()
                model(torch.randn(4, 200)).sum().backward()
                if handle is not None:
                    handle.remove()
                opt.step()
        return [(p.code, p.module, p.step, p.message) for p in w.report().problems]

    got = run(True)
    assert [(c, m, s) for c, m, s, _ in got] == [("DC203", where, SENTINEL_STEP)]
    assert got == run(False)


def test_a_group_of_small_gradients_finite_one_by_one_whose_sum_overflows_is_not_reported():
    # the test above with enough small gradients to share one flattened probe (_FLAT_MIN):
    # their sum overflows, each is finite
    n = watcher_module._FLAT_MIN

    class Many(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ps = nn.ParameterList([nn.Parameter(torch.zeros(1)) for _ in range(n)])

        def forward(self, x):
            return sum((p * x).sum() for p in self.ps)

    torch.manual_seed(0)
    model = Many()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    with dlcheck.watch(model, opt, on_problem="log", checks=["nonfinite"]) as w:
        for step in range(SENTINEL_STEP + 2):
            x = torch.full((1,), 2e38 if step == SENTINEL_STEP else 1.0)
            opt.zero_grad()
            model(x).backward()
            if step == SENTINEL_STEP:
                assert w._grad_layout.groups == [list(range(n))]  # one probe for all
                assert all(torch.isfinite(p.grad).all() for p in model.ps)
            opt.step()
    assert w.report().by_code("DC203") == []


@pytest.mark.parametrize("small", [1, 2, watcher_module._FLAT_MIN - 1, watcher_module._FLAT_MIN])
def test_few_small_gradients_are_summed_one_by_one_and_many_flattened(small):
    # below _FLAT_MIN small gradients a sentinel step sums each (no cat); from it on, one
    # flattened copy and one sum. A NaN planted in the last small gradient is named at its
    # parameter either way, as on a fully checked step.
    def run(sentinel: bool, plant: bool):
        torch.manual_seed(0)
        # one large gradient (its own probe), then ``small`` small ones
        model = nn.Sequential(nn.Linear(200, 100, bias=False), nn.Linear(100, 2, bias=False),
                              *[nn.Linear(2, 2, bias=False) for _ in range(small - 1)])
        assert model[0].weight.numel() > watcher_module._FLAT_MAX
        opt = torch.optim.SGD(model.parameters(), lr=0.0)
        where = f"{small}.weight"

        def poison(grad):
            grad = grad.clone()
            grad.view(-1)[0] = float("nan")
            return grad

        with dlcheck.watch(model, opt, on_problem="log", sentinel=sentinel,
                           checks=["nonfinite"]) as w:
            for step in range(SENTINEL_STEP + 1):
                x = torch.randn(4, 200)
                if step == SENTINEL_STEP and not plant:
                    ops = _step_ops(model, opt, x, torch.zeros(4, dtype=torch.long))
                    continue
                handle = model.get_parameter(where).register_hook(poison) \
                    if plant and step == SENTINEL_STEP else None
                opt.zero_grad()
                model(x).sum().backward()
                if handle is not None:
                    handle.remove()
                opt.step()
        if not plant:
            return ops
        return [(p.code, p.module, p.step, p.message) for p in w.report().problems]

    watched = run(True, False)
    flattened = small >= watcher_module._FLAT_MIN
    assert watched["cat"] == (1 if flattened else 0)
    got = run(True, True)
    assert [(c, m, s) for c, m, s, _ in got] == [("DC203", f"{small}.weight", SENTINEL_STEP)]
    assert got == run(False, True)


# ---------------------------------------------------------------- bare training passes
# On a sentinel step the model's training forward runs with the watcher's global module hooks
# out of torch's dicts ("bare"): torch then calls every module on its fast path. They come
# back at the loss, at the optimizer's step or at the step's end.

def _ours_in_global_dicts(w) -> bool:
    from torch.nn.modules import module as torch_module
    return any(getattr(fn, "__self__", None) is w
               for d in (torch_module._global_forward_hooks,
                         torch_module._global_forward_pre_hooks) for fn in d.values())


class _Spy(nn.Module):
    """Records, at each call, whether any global module hook is registered (torch's hooked
    call path) and whether one of the watcher's is."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 3)
        self.seen: list[tuple[bool, bool]] = []
        self.watcher = None

    def forward(self, x):
        from torch.nn.modules import module as torch_module
        self.seen.append((bool(torch_module._global_forward_hooks
                               or torch_module._global_forward_pre_hooks),
                          self.watcher is not None and _ours_in_global_dicts(self.watcher)))
        return self.fc(x)


def test_a_sentinel_step_runs_its_training_pass_on_torch_s_fast_path():
    torch.manual_seed(0)
    model = _Spy()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    data = _data(SENTINEL_STEP + 2)
    with dlcheck.watch(model, opt, on_problem="log") as w:
        model.watcher = w
        for step, (x, y) in enumerate(data):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            assert _ours_in_global_dicts(w)  # back once the loss is taken
            opt.step()
            with torch.no_grad():  # an evaluation between steps is seen as before
                model.eval()
                model(x)
                model.train()
    train = model.seen[0::2]
    evaluation = model.seen[1::2]
    assert all(hooked for hooked, _ in train[:20])  # fully checked steps: every module hooked
    assert train[SENTINEL_STEP] == (False, False)  # a sentinel step: no global hook at all
    assert all(ours for _, ours in evaluation)
    model.watcher = None


class _Scaled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(6, 16)
        self.b = nn.Linear(16, 3)

    def forward(self, x, *, scale=None):
        h = self.a(x)
        if scale is not None:
            h = h * scale
        return self.b(h)


def test_a_bare_pass_called_with_keywords_is_replayed_with_them():
    # the NaN comes from a keyword argument: a replay without it would find a finite forward
    # and blame the gradients instead of the module
    def run(sentinel: bool):
        torch.manual_seed(0)
        model = _Scaled()
        opt = torch.optim.SGD(model.parameters(), lr=0.05)
        with dlcheck.watch(model, opt, on_problem="log", sentinel=sentinel) as w:
            for step, (x, y) in enumerate(_data(SENTINEL_STEP + 1)):
                scale = torch.full((16,), float("inf") if step == SENTINEL_STEP else 1.0)
                opt.zero_grad()
                nn.functional.cross_entropy(model(x, scale=scale), y).backward()
                opt.step()
        return [(p.code, p.module, p.step) for p in w.report().problems]

    got = run(True)
    # inf * 0 in the forward's own code, between 'a' and 'b': the input to 'b' is blamed
    assert ("DC203", "b", SENTINEL_STEP) in got
    assert got == run(False)


def test_gradient_accumulation_keeps_every_pass_of_a_sentinel_step_seen():
    # two micro-batches per step and a hand-written loss (no loss call between the passes to
    # put the hooks back): the fully checked steps see two passes, so no pass runs bare, and a
    # NaN that enters with the second micro-batch is found where it entered
    def run(sentinel: bool):
        torch.manual_seed(0)
        model = Net()
        opt = torch.optim.SGD(model.parameters(), lr=0.05)
        data = _data(2 * (SENTINEL_STEP + 1))
        with dlcheck.watch(model, opt, on_problem="log", sentinel=sentinel) as w:
            for step in range(SENTINEL_STEP + 1):
                opt.zero_grad()
                for micro in range(2):
                    x, _ = data[2 * step + micro]
                    if step == SENTINEL_STEP and micro == 1:
                        x = x.clone()
                        x[3, 2] = float("nan")
                    model(x).pow(2).mean().backward()
                opt.step()
        return [(p.code, p.module, p.step) for p in w.report().problems]

    got = run(True)
    # blamed on the model's input, found only in a replay of the second pass; not only the
    # gradients' NaN that a replay of the first pass alone would leave
    assert ("DC203", "", SENTINEL_STEP) in got
    assert got == run(False)


def test_a_batch_norm_batch_of_one_on_a_sentinel_step_is_told_at_that_step():
    # DC303 looks at a training pass: a model input with a batch of one keeps the hooks
    def run(sentinel: bool):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Conv1d(6, 8, 1), nn.BatchNorm1d(8), nn.ReLU(),
                              nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(8, 3))
        opt = torch.optim.SGD(model.parameters(), lr=0.05)
        with dlcheck.watch(model, opt, on_problem="log", sentinel=sentinel) as w:
            for step in range(SENTINEL_STEP + 2):
                batch = 1 if step == SENTINEL_STEP else 12  # the last batch of an epoch
                x, y = torch.randn(batch, 6, 4), torch.randint(0, 3, (batch,))
                opt.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                opt.step()
        return [(p.code, p.module, p.step) for p in w.report().problems]

    assert run(True) == [("DC303", "1", SENTINEL_STEP)] == run(False)


def test_a_copy_made_inside_a_bare_pass_holds_nothing_and_the_hooks_come_back():
    class Copier(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(6, 3)
            self.copies: list[nn.Module] = []

        def forward(self, x):
            if len(self.copies) < 40:
                self.copies.append(copy.deepcopy(self.fc))  # an EMA taken inside forward
            return self.fc(x)

    torch.manual_seed(0)
    model = Copier()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    before = snapshot(model)
    hooks_before = global_hooks()
    w = dlcheck.wrap(model, opt, on_problem="log")
    for x, y in _data(SENTINEL_STEP + 1):
        opt.zero_grad()
        loss = model(x).pow(2).mean()  # a hand-written loss: the hooks come back at the step
        # bare on sentinel steps only
        assert w._bare == (not watcher_module._fully_checked(len(model.copies) - 1))
        loss.backward()
        opt.step()
        assert not w._bare and _ours_in_global_dicts(w)
    w.close()
    assert leftovers(model, before, optimizer=opt) == []
    assert global_hooks() == hooks_before
    copied = model.copies[SENTINEL_STEP]
    assert snapshot(copied)["modules"] == snapshot(model.fc)["modules"]
    pickle.dumps(copied)


def test_a_forward_that_raises_in_a_bare_pass_leaves_nothing_behind():
    class Fails(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(6, 3)
            self.fail = False

        def forward(self, x):
            if self.fail:
                raise RuntimeError("out of memory")
            return self.fc(x)

    torch.manual_seed(0)
    model = Fails()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    before = snapshot(model)
    hooks_before = global_hooks()
    with pytest.raises(RuntimeError, match="out of memory"):
        with dlcheck.watch(model, opt, on_problem="log") as w:
            for step, (x, y) in enumerate(_data(SENTINEL_STEP + 1)):
                model.fail = step == SENTINEL_STEP
                opt.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                opt.step()
    assert w._bare is False and w.closed
    assert leftovers(model, before, optimizer=opt) == []
    assert global_hooks() == hooks_before


def test_with_every_two_the_checked_sentinel_steps_run_bare():
    # the steps between checked ones see no pass: they must not count as steps without one
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    bare = []
    with dlcheck.watch(model, opt, on_problem="log", every=2) as w:
        for x, y in _data(48):
            opt.zero_grad()
            out = model(x)
            bare.append(w._bare)
            nn.functional.cross_entropy(out, y).backward()
            opt.step()
    # checked steps 0..19 (steps 0..39) and 20 (step 40) fully checked
    assert [i for i, b in enumerate(bare) if b] == [42, 44, 46]


def test_a_sentinel_step_runs_few_of_dlcheck_s_python_functions():
    # A sentinel step's cost beside the model is mostly Python frames: the model's entry, the
    # loss wrapper, the gradients' probe and its read. 41 frames of dlcheck's code for Net (a
    # batch norm: the mode check's bare-pass gate runs), 52 before the read lost its generic
    # bookkeeping, GradInfo its list comprehensions and the optimizer's hooks their wrappers.
    root = os.path.dirname(dlcheck.__file__)
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    data = _data(SENTINEL_STEP + 1)
    frames: list[str] = []

    def count(frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith(root):
            frames.append(frame.f_code.co_name)

    with dlcheck.watch(model, opt, on_problem="log") as w:
        for step, (x, y) in enumerate(data):
            if step == SENTINEL_STEP:
                sys.setprofile(count)
            try:
                opt.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                opt.step()
            finally:
                sys.setprofile(None)
    assert w.report().problems == []
    assert "_read_lists" in frames and "_to_host" not in frames
    assert len(frames) <= 41, frames
