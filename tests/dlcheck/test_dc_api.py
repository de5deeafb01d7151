"""Public API: watch/wrap, hook removal, weak references, the report, on_problem, plugins."""

from __future__ import annotations

import gc
import json
import logging
import warnings
import weakref

import pytest
import torch
from torch import nn

import dlcheck
from dlcheck.hookspecs import hookimpl


def mlp(d_in: int = 8, hidden: int = 16, d_out: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, d_out))


def train_steps(model, opt, x, y, steps: int = 3) -> None:
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()


def _hook_count(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks)
               for m in model.modules())


def _global_hook_count() -> int:
    from torch.nn.modules import module as torch_module
    return len(torch_module._global_forward_hooks) + len(torch_module._global_forward_pre_hooks)


def _nan_model() -> nn.Sequential:
    m = mlp()
    with torch.no_grad():
        m[2].weight.fill_(float("nan"))
    return m


def test_hooks_removed_after_with_block():
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    before = _global_hook_count()
    with dlcheck.watch(model, opt) as w:
        # the hooks are global, looked up by module: none in the model's own dicts, where a
        # copy or a pickle of the model would carry them
        assert _global_hook_count() > before and _hook_count(model) == 0
        train_steps(model, opt, torch.randn(4, 8), torch.randn(4, 1))
    assert _hook_count(model) == 0 and _global_hook_count() == before
    assert not opt._optimizer_step_pre_hooks and not opt._optimizer_step_post_hooks
    assert w.closed
    # the loss functions are restored too
    assert not hasattr(nn.functional.mse_loss, "__dlcheck_original__")


def test_hooks_removed_when_body_raises():
    model = mlp()
    before = _global_hook_count()
    with pytest.raises(KeyError):
        with dlcheck.watch(model):
            model(torch.randn(2, 8))
            raise KeyError("user error")
    assert _hook_count(model) == 0 and _global_hook_count() == before
    assert not hasattr(nn.functional.mse_loss, "__dlcheck_original__")


def test_wrap_close_and_no_reference_kept():
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    w = dlcheck.wrap(model, opt)
    train_steps(model, opt, torch.randn(4, 8), torch.randn(4, 1), steps=2)
    report = w.close()
    assert report.steps == 2
    ref = weakref.ref(model)
    del model, opt
    gc.collect()
    assert ref() is None, "the watcher kept the model alive after close()"
    assert w.model is None


def test_report_structure_and_json():
    model = _nan_model()
    with dlcheck.watch(model, on_problem="log") as w:
        model(torch.randn(4, 8))
        w.step()
    report = w.report()
    assert report.codes() == ["DC203"]
    p = report.problems[0]
    assert (p.code, p.module, p.step) == ("DC203", "2", 0)
    assert "NaN" in p.message and p.suggestion and p.data["module_type"] == "Linear"
    text = str(report)
    assert "DC203" in text and "suggestions:" in text
    d = json.loads(json.dumps(report.to_dict()))
    assert d["problems"][0]["code"] == "DC203" and d["steps"] == 1
    assert d["problems"][0]["data"]["value"] == "nan"  # non-finite numbers survive JSON


def test_problem_warned_once_not_every_step():
    model = _nan_model()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with dlcheck.watch(model) as w:
            for _ in range(5):
                model(torch.randn(4, 8))
                w.step()
    ours = [r for r in rec if issubclass(r.category, dlcheck.DCWarning)]
    assert len(ours) == 1 and "DC203" in str(ours[0].message)


def test_on_problem_log(caplog):
    model = _nan_model()
    with caplog.at_level(logging.WARNING, logger="dlcheck"):
        with dlcheck.watch(model, on_problem="log") as w:
            model(torch.randn(4, 8))
            w.step()
    assert any("DC203" in r.message for r in caplog.records)


def test_on_problem_raise():
    model = _nan_model()
    with pytest.raises(dlcheck.DCProblemError) as info:
        with dlcheck.watch(model, on_problem="raise") as w:
            model(torch.randn(4, 8))
            w.step()
    assert info.value.problem.code == "DC203"
    assert _hook_count(model) == 0


def test_every_skips_unchecked_steps():
    model = mlp()
    with dlcheck.watch(model, every=3, on_problem="log") as w:
        model(torch.randn(4, 8))
        w.step()  # step 0: checked, healthy
        with torch.no_grad():
            model[2].weight.fill_(float("nan"))
        for _ in range(2):  # steps 1 and 2: not checked, the NaN goes unseen
            model(torch.randn(4, 8))
            w.step()
        assert not w.problems
        model(torch.randn(4, 8))
        w.step()  # step 3: checked
        assert [(p.code, p.step) for p in w.problems] == [("DC203", 3)]


def test_step_with_optimizer_does_not_count_twice():
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with dlcheck.watch(model, opt) as w:
        opt.zero_grad()
        loss = model(torch.randn(4, 8)).sum()
        loss.backward()
        opt.step()
        w.step(loss=loss)
    assert w.report().steps == 1


def test_select_checks_by_name():
    model = _nan_model()
    with dlcheck.watch(model, checks=["mode", "graph"]) as w:
        model(torch.randn(4, 8))
        w.step()
    assert not w.report().problems
    assert sorted(c.name for c in w.checks) == ["graph", "mode"]


def test_bad_arguments():
    with pytest.raises(ValueError):
        dlcheck.watch(mlp(), on_problem="shout")
    with pytest.raises(ValueError):
        dlcheck.watch(mlp(), every=0)


class _CountingCheck:
    """A third-party check, registered through the same hooks as the built-ins."""

    name = "counting"

    def __init__(self) -> None:
        self.forwards = 0

    @hookimpl
    def dlcheck_forward(self, name):  # pluggy style: only the arguments it needs
        self.forwards += 1

    @hookimpl
    def dlcheck_gather(self, watch, gather):
        gather.add(self, torch.tensor([float(self.forwards)]))

    @hookimpl
    def dlcheck_step(self, watch, step, read):
        if read.get(self) and read.get(self)[0][0] > 2:
            watch.emit("DC999", "", f"{self.forwards} forwards", "")


def test_third_party_check_through_hooks():
    check = _CountingCheck()
    model = mlp()
    with dlcheck.watch(model, checks=[], plugins=[check], on_problem="log") as w:
        model(torch.randn(2, 8))
        w.step()
    assert check.forwards == 4  # root + 3 children
    assert w.report().codes() == ["DC999"]


class _GradReader:
    """A third-party check reading the shared gradient norms both ways, next to the built-ins,
    and gathering a vector, a list of 0-d tensors and the shared norms in one step."""

    name = "grad_reader"

    def __init__(self) -> None:
        self.expected: list[list[float]] = []
        self.got: list[list[list[float]]] = []

    @hookimpl
    def dlcheck_after_backward(self, watch, grads):
        self.norms, self.l2 = grads.norms, grads.l2
        self.expected.append([float(n) for n in grads.norms])

    @hookimpl
    def dlcheck_gather(self, watch, gather):
        gather.add(self, torch.tensor([1.0, 2.0]))  # read flattened
        gather.add(self, self.norms)  # the very list the built-ins add: read once
        gather.add(self, [torch.tensor(3.0), torch.tensor(4.0)])
        gather.add(self, self.l2)

    @hookimpl
    def dlcheck_step(self, watch, step, read):
        self.got.append(read.get(self))


def test_a_third_party_check_reads_the_shared_gradient_norms():
    check = _GradReader()
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with dlcheck.watch(model, opt, plugins=[check], on_problem="log"):
        for _ in range(2):
            opt.zero_grad()
            model(torch.randn(4, 8)).pow(2).mean().backward()
            opt.step()
    assert len(check.got) == 2
    for expected, (vector, norms, pair, l2) in zip(check.expected, check.got):
        assert vector == [1.0, 2.0] and pair == [3.0, 4.0]
        assert norms == pytest.approx(expected) and l2 == pytest.approx(expected)
        assert len(expected) == len(list(model.parameters())) and min(expected) > 0


def test_builtins_come_from_the_entry_point():
    from dlcheck.plugins import make_plugin_manager
    import dlcheck.checks

    pm = make_plugin_manager()
    assert pm.get_plugin("builtin") is dlcheck.checks


def test_a_failing_check_never_breaks_training():
    class Broken:
        name = "broken"

        @hookimpl
        def dlcheck_forward(self, watch, module, name, inputs, output):
            raise RuntimeError("bug in a check")

    model = _nan_model()
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        with dlcheck.watch(model, plugins=[Broken()]) as w:
            out = model(torch.randn(2, 8))
            w.step()
    assert out.shape == (2, 1)
    # told once, and the other checks still ran after the broken one
    assert sorted(w.report().codes()) == ["DC000", "DC203"]


def test_import_dlcheck_pytest_plugin_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, dlcheck, dlcheck.pytest_plugin; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_inference_mode_first_then_training_is_quiet():
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with dlcheck.watch(model, opt, on_problem="log") as w:
        model.eval()
        with torch.inference_mode():  # buffers first created under inference mode
            model(torch.randn(4, 8))
        model.train()
        train_steps(model, opt, torch.randn(4, 8), torch.randn(4, 1))
    assert not w.report().problems, str(w.report())


def test_warnings_as_errors_do_not_break_training(caplog):
    model = _nan_model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with caplog.at_level(logging.WARNING, logger="dlcheck"):
            with dlcheck.watch(model) as w:
                out = model(torch.randn(4, 8))
                w.step()
    assert out.shape == (4, 1) and w.report().codes() == ["DC203"]
    assert any("DC203" in r.message for r in caplog.records)
