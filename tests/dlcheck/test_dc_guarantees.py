"""Guarantees: bit-identical training, inplace ReLU, shared/nested modules, tuple/dict outputs,
torch.compile."""

from __future__ import annotations

import copy
import warnings

import pytest
import torch
from torch import nn

import dlcheck


class Shared(nn.Module):
    """Nested blocks, one submodule used twice, a tuple and a dict output, inplace ReLU."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8),
                                  nn.ReLU(inplace=True))
        self.block = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(inplace=True))
        self.drop = nn.Dropout(0.2)
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        h = self.block(self.block(self.conv(x)))  # `block` is shared: called twice
        feats = self.drop(h.mean((2, 3)))
        logits = self.head(feats)
        return {"logits": logits, "aux": (feats, logits.softmax(-1))}


def _train(model, device, watch: bool, steps: int = 4):
    torch.manual_seed(1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    outs, grads = [], []
    ctx = dlcheck.watch(model, opt, on_problem="log") if watch else None
    for i in range(steps):
        x = torch.randn(4, 3, 8, 8, device=device)
        y = torch.randint(0, 4, (4,), device=device)
        opt.zero_grad()
        out = model(x)
        loss = nn.functional.cross_entropy(out["logits"], y) + out["aux"][0].pow(2).mean()
        loss.backward()
        opt.step()
        outs.append(out["logits"].detach().clone())
        grads.append([p.grad.clone() for p in model.parameters()])
    model.eval()
    with torch.no_grad():
        outs.append(model(torch.randn(2, 3, 8, 8, device=device))["logits"])
    report = ctx.close() if ctx is not None else None
    return outs, grads, opt.state_dict(), report


def _equal(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return torch.equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return a == b


def test_training_is_bit_identical_with_and_without_watcher(device):
    base = Shared().to(device)
    watched = copy.deepcopy(base)
    plain_out, plain_grads, plain_state, _ = _train(base, device, watch=False)
    out, grads, state, report = _train(watched, device, watch=True)
    assert _equal(plain_out, out)
    assert _equal(plain_grads, grads)
    assert _equal(plain_state, state)
    assert _equal(base.state_dict(), watched.state_dict())
    assert not report.problems, str(report)


def test_shared_module_and_structured_outputs_are_watched(device):
    model = Shared().to(device)
    with torch.no_grad():
        model.block[0].bias.fill_(float("inf"))
    with dlcheck.watch(model, on_problem="log") as w:
        model(torch.randn(2, 3, 8, 8, device=device))
        w.step()
    p = w.report().by_code("DC203")[0]
    assert p.module == "block.0"
    assert w.report().shapes["block.0"]["output"] == [[2, 8, 8, 8]]


def test_compiled_model_still_runs():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(inplace=True), nn.Linear(8, 1))
    reference = copy.deepcopy(model)
    compiled = torch.compile(model, backend="eager")  # eager backend: no C++ toolchain needed
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(8, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with dlcheck.watch(model, opt, on_problem="log") as w:
            for _ in range(3):
                opt.zero_grad()
                compiled(x).pow(2).mean().backward()
                opt.step()
    ref_opt = torch.optim.SGD(reference.parameters(), lr=0.1)
    for _ in range(3):
        ref_opt.zero_grad()
        reference(x).pow(2).mean().backward()
        ref_opt.step()
    assert torch.allclose(model[0].weight, reference[0].weight)
    assert w.report().steps == 3
    assert not [p for p in w.report().problems if p.code == "DC000"]


def test_compiled_model_nan_is_found_and_told_once():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(inplace=True), nn.Linear(8, 1))
    with torch.no_grad():
        model[2].bias.fill_(float("nan"))
    compiled = torch.compile(model, backend="eager")
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with dlcheck.watch(model, opt, on_problem="log") as w:
            for _ in range(3):  # the NaN spreads to every weight after the first step
                opt.zero_grad()
                compiled(torch.randn(8, 4)).pow(2).mean().backward()
                opt.step()
    forward = [p for p in w.report().by_code("DC203") if "forward" in p.message]
    assert [(p.module, p.step) for p in forward] == [("2", 0)]


def test_double_and_bfloat16_models_are_watched_without_false_alarms():
    for dtype in (torch.float64, torch.bfloat16):
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)).to(dtype)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        with dlcheck.watch(model, opt, on_problem="log") as w:
            for _ in range(6):
                opt.zero_grad()
                x, y = torch.randn(4, 4, dtype=dtype), torch.randn(4, 1, dtype=dtype)
                nn.functional.mse_loss(model(x), y).backward()
                opt.step()
            with torch.no_grad():
                model[2].bias.fill_(float("inf"))
            model(torch.randn(4, 4, dtype=dtype))
        assert [(p.code, p.module) for p in w.report().problems] == [("DC203", "2")], dtype


def test_no_host_read_in_forward_and_backward_one_per_step(device, monkeypatch):
    model = Shared().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    reads = []
    for method in ("item", "tolist", "__bool__", "cpu", "numpy"):
        real = getattr(torch.Tensor, method)

        def spy(self, *args, _real=real, _name=method, **kwargs):
            reads.append(_name)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, method, spy)
    with dlcheck.watch(model, opt, on_problem="log") as w:
        for step in range(3):
            x = torch.randn(4, 3, 8, 8, device=device)
            opt.zero_grad()
            out = model(x)
            out["logits"].logsumexp(-1).mean().backward()
            assert reads == [], f"host read during forward/backward of step {step}: {reads}"
            opt.step()  # the end of the step: the one read of the gathered values
            assert reads == ["tolist"], reads
            reads.clear()
    assert not w.report().problems


def test_nothing_of_dlcheck_runs_during_backward_when_an_optimizer_is_given(device):
    # the graph check tags the output node through its metadata, not with a hook that backward
    # would call; the gradient checks run from the optimizer's step hook
    import os
    import sys

    package = os.path.dirname(dlcheck.__file__)
    model = Shared().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    called = []

    def profile(frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith(package):
            called.append(frame.f_code.co_name)

    with dlcheck.watch(model, opt, on_problem="log") as w:
        for _ in range(2):
            opt.zero_grad()
            loss = model(torch.randn(4, 3, 8, 8, device=device))["logits"].logsumexp(-1).mean()
            sys.setprofile(profile)
            try:
                loss.backward()
            finally:
                sys.setprofile(None)
            opt.step()
    assert called == []
    assert not w.report().problems


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_forward_and_backward_never_synchronise():
    model = Shared().cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    with dlcheck.watch(model, opt, on_problem="log") as w:
        for step in range(3):
            x = torch.randn(4, 3, 8, 8, device="cuda")
            opt.zero_grad()
            if step > 0:  # after the first step: buffers exist, nothing is copied from the host
                torch.cuda.set_sync_debug_mode("error")
            try:
                out = model(x)
                out["logits"].logsumexp(-1).mean().backward()
            finally:
                torch.cuda.set_sync_debug_mode("default")
            opt.step()
    assert not w.report().problems


EVERY_CHECK = (*dlcheck.DEFAULT_CHECKS, "repeated_batch", "eval_leak")


def test_every_check_bit_identical_one_read_per_step_and_nothing_left(device, monkeypatch):
    # the checks of issue 16 included: the optimizer, loss, label, input, batch and leak checks
    from dc_trace import leftovers, snapshot

    base = Shared().to(device)
    watched = copy.deepcopy(base)
    plain = _train(base, device, watch=False)
    before = snapshot(watched)
    torch.manual_seed(1)
    opt = torch.optim.Adam(watched.parameters(), lr=1e-2)
    scaler = torch.amp.GradScaler(device.type)
    reads = []
    real = torch.Tensor.tolist

    def spy(self, *args, **kwargs):
        reads.append("tolist")
        return real(self, *args, **kwargs)

    outs, grads = [], []
    w = dlcheck.wrap(watched, opt, checks=list(EVERY_CHECK), on_problem="log")
    monkeypatch.setattr(torch.Tensor, "tolist", spy)
    for i in range(4):
        x = torch.randn(4, 3, 8, 8, device=device)
        y = torch.randint(0, 4, (4,), device=device)
        opt.zero_grad()
        out = watched(x)
        loss = nn.functional.cross_entropy(out["logits"], y) + out["aux"][0].pow(2).mean()
        scaler.scale(loss).backward()
        assert reads == [], f"host read before the end of step {i}"
        scaler.step(opt)
        scaler.update()
        assert reads == ["tolist"], reads  # the step's one read, every check included
        reads.clear()
        outs.append(out["logits"].detach().clone())
        grads.append([p.grad.clone() for p in watched.parameters()])
    monkeypatch.undo()
    report = w.close()
    assert not report.problems, str(report)
    # a scaler at scale 2**16 on these small losses never skips: the same numbers as plain Adam
    assert _equal(plain[0][:4], outs)
    assert leftovers(watched, before, opt, (out["logits"],)) == []


def test_watcher_never_closed_takes_its_global_wraps_out_with_the_model():
    import gc

    from dc_trace import global_hooks
    from dlcheck.checks import grad_scaler

    before = global_hooks()
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    dlcheck.wrap(model, opt, on_problem="log")
    assert grad_scaler.installed() and global_hooks() != before
    del model, opt
    gc.collect()
    assert not grad_scaler.installed() and global_hooks() == before
