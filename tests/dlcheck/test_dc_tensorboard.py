"""dlcheck.tensorboard: the recorded series and the problems, read back from the event file."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import dlcheck

pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from torch.utils.tensorboard import SummaryWriter  # noqa: E402


def _train(logdir, steps=6, every=1):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1), nn.Linear(1, 1))
    with torch.no_grad():
        model[0].bias[:7] = -1e3  # 7 of 8 units dead: DC401
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    writer = SummaryWriter(str(logdir))
    try:
        with dlcheck.watch(model, opt, tensorboard=writer, every=every, on_problem="log",
                           checks={"dead_units": {"window": 2}}) as w:
            for _ in range(steps):
                opt.zero_grad()
                loss = nn.functional.mse_loss(model(torch.randn(16, 4)), torch.randn(16, 1))
                loss.backward()
                opt.step()
    finally:
        writer.close()
    events = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "tensors": 0})
    events.Reload()
    return w, events


def test_every_recorded_series_is_a_scalar_at_its_step(tmp_path):
    w, events = _train(tmp_path)
    history = w.history
    tags = set(events.Tags()["scalars"])
    for layer, series in history["layers"].items():
        for key, values in series.items():
            tag = f"dlcheck/{key}/{layer}"
            assert tag in tags, tag
            got = events.Scalars(tag)
            assert [e.step for e in got] == history["steps"]
            assert [e.value for e in got] == pytest.approx(values, rel=1e-6)
    assert "dlcheck/dead_fraction/1" in tags and "dlcheck/grad_norm/0" in tags
    assert [e.value for e in events.Scalars("dlcheck/dead_fraction/1")] == [7 / 8] * 6
    assert [e.step for e in events.Scalars("dlcheck/loss")] == list(range(6))


def test_each_problem_is_text_at_its_step(tmp_path):
    w, events = _train(tmp_path)
    problems = w.report().problems
    assert [p.code for p in problems] == ["DC401"]
    texts = events.Tensors("dlcheck/problems/text_summary")
    assert [t.step for t in texts] == [p.step for p in problems]
    text = texts[0].tensor_proto.string_val[0].decode()
    assert text.startswith("**DC401**") and "never positive" in text


def test_steps_follow_every(tmp_path):
    _, events = _train(tmp_path, steps=6, every=2)
    assert [e.step for e in events.Scalars("dlcheck/grad_norm/0")] == [0, 2, 4]


def test_a_writer_without_add_scalar_is_refused():
    with pytest.raises(TypeError, match="tensorboard must be a SummaryWriter"):
        dlcheck.watch(nn.Linear(2, 2), tensorboard=object())


def test_any_writer_like_object_works_and_is_flushed_not_closed():
    class Writer:
        def __init__(self):
            self.scalars, self.texts, self.flushed, self.closed = [], [], 0, False

        def add_scalar(self, tag, value, step):
            self.scalars.append((tag, value, step))

        def add_text(self, tag, text, step):
            self.texts.append((tag, text, step))

        def flush(self):
            self.flushed += 1

        def close(self):
            self.closed = True

    writer = Writer()
    model = nn.Linear(3, 1)
    with dlcheck.watch(model, tensorboard=writer) as w:
        for _ in range(2):
            model(torch.randn(4, 3)).sum().backward()
            w.step()
    assert {t for t, _, _ in writer.scalars} >= {"dlcheck/grad_norm/<model>",
                                                 "dlcheck/update_ratio/<model>",
                                                 "dlcheck/act_max/<model>"}
    assert writer.flushed == 1 and not writer.closed
