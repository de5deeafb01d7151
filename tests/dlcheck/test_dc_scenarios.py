"""The scenario matrix: dlcheck inside the ways people really train. Each scenario trains a few
steps twice from the same seed, once plain and once watched, and checks that

- the numbers (outputs, losses, parameters, gradients) are bit-identical;
- dlcheck raised nothing and reported nothing (a healthy run: no false problem, no DC000);
- nothing of dlcheck is left after close: no hook in any of the model's hook dicts or in
  torch's global ones, no new attribute on a module or parameter, no optimizer hook, nothing
  in the output node's metadata, no wrapped loss function.
"""

from __future__ import annotations

import copy
import io
import pickle
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest
import torch
from torch import nn
from torch.func import functional_call, grad, vmap
from torch.utils.checkpoint import checkpoint

import dlcheck
from dc_trace import leftovers, snapshot


def _mlp(dtype: torch.dtype = torch.float32) -> nn.Module:
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3)).to(dtype)


class _Checkpointed(nn.Module):
    """A stem, then a checkpointed block holding dropout and batch norm."""

    def __init__(self, reentrant: bool) -> None:
        super().__init__()
        self.reentrant = reentrant
        self.stem = nn.Linear(6, 16)
        self.block = nn.Sequential(nn.Linear(16, 16), nn.BatchNorm1d(16), nn.ReLU(),
                                   nn.Dropout(0.2))
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        h = self.stem(x)
        h = checkpoint(self.block, h, use_reentrant=self.reentrant)
        return self.head(h)


@dataclass
class Run:
    """What one training run leaves to compare."""

    numbers: list[torch.Tensor] = field(default_factory=list)
    outputs: list[torch.Tensor] = field(default_factory=list)  # the last one, with its graph
    extra: dict[str, Any] = field(default_factory=dict)

    def keep(self, *tensors: torch.Tensor) -> None:
        for t in tensors:
            self.numbers.append(t.detach().clone())


def _step(model, opt, x, y, run: Run, forward=None, loss_fn=None) -> torch.Tensor:
    opt.zero_grad()
    out = (forward or model)(x)
    loss = (loss_fn or nn.functional.cross_entropy)(out, y)
    loss.backward()
    opt.step()
    run.keep(out, loss, *[p.grad for p in model.parameters() if p.grad is not None],
             *model.parameters())
    run.outputs[:] = [out]  # more, and the graphs of several steps would be alive: DC101
    return out


def _data(i: int, dtype=torch.float32):
    g = torch.Generator().manual_seed(100 + i)
    return torch.randn(8, 6, generator=g).to(dtype), torch.randint(0, 3, (8,), generator=g)


# ---------------------------------------------------------------- the scenarios
# Each: make() -> (model, optimizer, the object given to dlcheck.watch); train(model, opt, run,
# i) does step i.

def _plain_make():
    m = _mlp()
    return m, torch.optim.Adam(m.parameters(), lr=1e-2), m


def _compile_train(model, opt, run, i):
    compiled = run.extra.get("compiled")
    if compiled is None:
        torch._dynamo.reset()
        compiled = run.extra["compiled"] = torch.compile(model)
    _step(model, opt, *_data(i), run, forward=compiled)


def _autocast_train(model, opt, run, i):
    x, y = _data(i)

    def forward(x):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return model(x)

    _step(model, opt, x, y, run, forward=forward,
          loss_fn=lambda out, y: nn.functional.cross_entropy(out.float(), y))


def _checkpoint_make(reentrant: bool):
    def make():
        m = _Checkpointed(reentrant)
        return m, torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9), m
    return make


def _plain_train(model, opt, run, i):
    _step(model, opt, *_data(i), run)


def _vmap_train(model, opt, run, i):
    """Per-sample gradients with torch.func, then an ordinary functional_call forward."""
    x, y = _data(i)
    params = {k: v.detach() for k, v in model.named_parameters()}

    def sample_loss(p, xi, yi):
        out = functional_call(model, p, (xi.unsqueeze(0),))
        return nn.functional.cross_entropy(out, yi.unsqueeze(0))

    per_sample = vmap(grad(sample_loss), in_dims=(None, 0, 0))(params, x, y)
    opt.zero_grad()
    for name, p in model.named_parameters():
        p.grad = per_sample[name].mean(0)
    opt.step()
    run.keep(*per_sample.values(), *model.parameters())
    out = functional_call(model, {k: v * 1.0 for k, v in model.named_parameters()}, (x,))
    run.keep(out)
    run.outputs[:] = [out]


def _no_dropout_make():
    # no dropout: under vmap it needs randomness="different"
    m = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    return m, torch.optim.Adam(m.parameters(), lr=1e-2), m


def _data_parallel_make():
    m = _mlp()
    dp = nn.DataParallel(m)  # without GPUs it calls the module itself
    return dp, torch.optim.Adam(m.parameters(), lr=1e-2), dp


class _Bag(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(40, 8, sparse=True)

    def forward(self, idx):
        return self.emb(idx).mean(1)


def _sparse_make(optimizer):
    def make():
        m = _Bag()
        return m, optimizer(m.parameters()), m
    return make


def _sparse_train(model, opt, run, i):
    g = torch.Generator().manual_seed(100 + i)
    idx = torch.randint(0, 40, (8, 5), generator=g)
    opt.zero_grad()
    out = model(idx)
    loss = out.pow(2).mean() + (out - 1).abs().mean()
    loss.backward()
    opt.step()
    run.keep(out, loss, model.emb.weight.grad.to_dense(), model.emb.weight)
    run.outputs[:] = [out]


def _complex_make():
    m = nn.Sequential(nn.Linear(6, 8, dtype=torch.cfloat), nn.Tanh(),
                      nn.Linear(8, 2, dtype=torch.cfloat))
    return m, torch.optim.Adam(m.parameters(), lr=1e-2), m


def _complex_train(model, opt, run, i):
    x, _ = _data(i)
    x = torch.complex(x, x.flip(1))
    _step(model, opt, x, None, run, loss_fn=lambda out, _: out.abs().pow(2).mean())


def _half_make():
    m = _mlp(torch.float16)
    return m, torch.optim.SGD(m.parameters(), lr=1e-2), m


def _half_train(model, opt, run, i):
    x, y = _data(i, torch.float16)
    _step(model, opt, x, y, run,
          loss_fn=lambda out, y: nn.functional.cross_entropy(out.float(), y))


def _deepcopy_train(model, opt, run, i):
    """An EMA copy made at the first step and updated after each, as timm's ModelEmaV2 does."""
    _step(model, opt, *_data(i), run)
    if "ema" not in run.extra:
        run.extra["ema"] = copy.deepcopy(model)
    ema = run.extra["ema"]
    with torch.no_grad():
        for e, p in zip(ema.parameters(), model.parameters()):
            e.mul_(0.9).add_(p, alpha=0.1)
        ema.eval()
        run.keep(ema(_data(i)[0]))


def _pickle_train(model, opt, run, i):
    """The whole model saved and reloaded inside the block, by torch.save and by pickle; the
    optimizer pickled and deep-copied."""
    _step(model, opt, *_data(i), run)
    buf = io.BytesIO()
    torch.save(model, buf)
    buf.seek(0)
    loaded = torch.load(buf, weights_only=False)
    again = pickle.loads(pickle.dumps(model))
    x = _data(i)[0]
    model.eval()
    with torch.no_grad():
        run.keep(model(x), loaded.eval()(x), again.eval()(x))
    model.train()
    run.extra.setdefault("copies", []).extend([loaded, again])
    run.extra.setdefault("optimizer copies", []).extend(
        [pickle.loads(pickle.dumps(opt)), copy.deepcopy(opt)])


SCENARIOS: dict[str, tuple[Callable, Callable]] = {
    # dropout: a graph break would draw other masks in inductor's own generator
    "compile-inductor": (_plain_make, _compile_train),
    "autocast-bfloat16": (_plain_make, _autocast_train),
    "checkpoint-reentrant": (_checkpoint_make(True), _plain_train),
    "checkpoint-non-reentrant": (_checkpoint_make(False), _plain_train),
    "vmap-functional_call": (_no_dropout_make, _vmap_train),
    "data-parallel": (_data_parallel_make, _plain_train),
    "sparse-sgd": (_sparse_make(lambda ps: torch.optim.SGD(ps, lr=0.5)), _sparse_train),
    "sparse-adam": (_sparse_make(lambda ps: torch.optim.SparseAdam(list(ps), lr=0.05)),
                    _sparse_train),
    "complex": (_complex_make, _complex_train),
    "half": (_half_make, _half_train),
    "deepcopy": (_plain_make, _deepcopy_train),
    "pickle": (_plain_make, _pickle_train),
}

STEPS = 4


def _train(name: str, watched: bool, checks: Any = "default", on_problem: str = "raise"):
    make, train = SCENARIOS[name]
    torch.manual_seed(0)
    model, opt, target = make()
    run = Run()
    w = dlcheck.wrap(target, opt, checks=checks, on_problem=on_problem) if watched else None
    with warnings.catch_warnings():
        warnings.simplefilter("error", dlcheck.DCWarning)
        for i in range(STEPS):
            torch.manual_seed(1000 + i)  # dropout draws the same masks in both runs
            train(model, opt, run, i)
    report = w.close() if w is not None else None
    return model, opt, run, report


def _params(name: str):
    marks = [pytest.mark.slow] if name == "compile-inductor" else []
    return pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", [_params(n) for n in SCENARIOS])
def test_scenario(name):
    plain_model, _, plain, _ = _train(name, watched=False)
    model, opt, run, report = _train(name, watched=True)

    assert len(plain.numbers) == len(run.numbers)
    for i, (a, b) in enumerate(zip(plain.numbers, run.numbers)):
        assert a.dtype == b.dtype and torch.equal(a, b), f"value {i} differs with the watcher"
    assert not report.problems, str(report)
    assert report.steps == STEPS
    # the attributes of the model trained without the watcher (torch.compile adds its own)
    assert leftovers(model, snapshot(plain_model), opt, tuple(run.outputs)) == []
    for copied in [run.extra.get("ema"), *run.extra.get("copies", [])]:
        if copied is not None:
            assert leftovers(copied) == []
            pickle.dumps(copied)
    for copied in run.extra.get("optimizer copies", []):
        assert not copied._optimizer_step_pre_hooks and not copied._optimizer_step_post_hooks


# the opt-in checks too; the pickle scenario evaluates the model on the batch it was just
# trained on, which eval_leak reports (correctly: it is training data)
EVERY_CHECK = (*dlcheck.DEFAULT_CHECKS, "repeated_batch", "eval_leak")
EXPECTED = {"pickle": {"DC605"}}


@pytest.mark.parametrize("name", [_params(n) for n in SCENARIOS])
def test_scenario_with_every_check(name):
    _, _, plain, _ = _train(name, watched=False)
    model, opt, run, report = _train(name, watched=True, checks=list(EVERY_CHECK),
                                     on_problem="log")
    for i, (a, b) in enumerate(zip(plain.numbers, run.numbers)):
        assert a.dtype == b.dtype and torch.equal(a, b), f"value {i} differs with the watcher"
    assert set(report.codes()) <= EXPECTED.get(name, set()), str(report)
    assert leftovers(model, None, opt, tuple(run.outputs)) == []
