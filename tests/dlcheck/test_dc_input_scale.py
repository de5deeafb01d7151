"""DC604: inputs far from standardised at the first layers that take data."""

from __future__ import annotations

import torch
from torch import nn

import dlcheck


def _mlp() -> nn.Sequential:
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def _cnn() -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(8, 10))


def _images(scale: str, n: int = 16, shape=(1, 8, 8)) -> torch.Tensor:
    pixels = torch.randint(0, 256, (n, *shape)).float()  # raw 8-bit pixels
    if scale == "raw":
        return pixels
    if scale == "unit":
        return pixels / 255  # ToTensor() without Normalize
    if scale == "twice":
        return pixels / 255 / 255
    return (pixels / 255 - 0.5) / 0.29  # standardised


def _train(model, make, steps=5, checks=("input_scale",)):
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    with dlcheck.watch(model, opt, checks=checks if isinstance(checks, (str, dict)) else list(checks), on_problem="log") as w:
        for _ in range(steps):
            opt.zero_grad()
            nn.functional.cross_entropy(model(make()), torch.randint(0, 10, (16,))).backward()
            opt.step()
    return w.report()


def test_raw_pixels_into_a_linear_layer():
    report = _train(_mlp(), lambda: _images("raw"))
    [p] = report.by_code("DC604")
    assert p.module == "1"  # the Linear after Flatten
    assert p.data["large"] == 64 and p.data["features"] == 64
    assert 90 < p.data["worst_mean"] < 170 and "Normalize" in p.suggestion
    assert p.step == 2  # judged with the third step's read


def test_raw_pixels_into_a_conv_layer_per_channel():
    report = _train(_cnn(), lambda: _images("raw", shape=(3, 8, 8)))
    [p] = report.by_code("DC604")
    assert p.module == "0" and p.data["features"] == 3 and "channel" in p.message


def test_standardised_and_unit_range_inputs_are_quiet():
    assert not _train(_mlp(), lambda: _images("std")).problems
    assert not _train(_mlp(), lambda: _images("unit")).problems  # [0, 1] is close enough
    assert not _train(_cnn(), lambda: _images("std", shape=(3, 8, 8))).problems


def test_scaled_twice_is_too_small():
    [p] = _train(_mlp(), lambda: _images("twice")).by_code("DC604")
    assert p.data["rms"] < 0.01 and "twice" in p.suggestion


def test_sparse_bag_of_words_is_not_too_small():
    def bags():
        x = torch.zeros(16, 64)
        x[torch.arange(16), torch.randint(0, 64, (16,))] = 1.0  # one word per document
        return x

    model = nn.Sequential(nn.Linear(64, 10))
    assert not _train(model, bags).problems


def test_one_unscaled_column_among_standardised_ones():
    def table():
        x = torch.randn(16, 64)
        x[:, 5] = 1990 + torch.randint(0, 30, (16,)).float()  # a year
        return x

    [p] = _train(_mlp(), table).by_code("DC604")
    assert p.data["large"] == 1 and p.data["indices"] == [5]


def test_layers_after_learned_ones_are_not_judged():
    class Embedded(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(50, 64)
            self.head = nn.Linear(64, 10)

        def forward(self, idx):
            return self.head(self.emb(idx).mul(100).mean(1))  # large, but learned

    report = _train(Embedded(), lambda: torch.randint(0, 50, (16, 5)))
    assert not report.problems


def test_nothing_is_computed_after_the_first_batches():
    class Count(torch.overrides.TorchFunctionMode):
        def __init__(self) -> None:
            super().__init__()
            self.calls = 0

        def __torch_function__(self, func, types, args=(), kwargs=None):
            self.calls += 1
            return func(*args, **(kwargs or {}))

    model = _mlp()
    x = _images("std")
    with Count() as plain:
        model(x)
    counts = []
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    with dlcheck.watch(model, opt, checks=["input_scale"], on_problem="log") as w:
        for _ in range(6):
            opt.zero_grad()
            with Count() as watched:
                out = model(x)
            counts.append(watched.calls - plain.calls)
            nn.functional.cross_entropy(out, torch.randint(0, 10, (16,))).backward()
            opt.step()
    assert all(c > 0 for c in counts[:3]) and counts[3:] == [0, 0, 0], counts
    assert not w.report().problems


def test_lazy_and_unbatched_layers():
    model = nn.Sequential(nn.LazyConv2d(4, 3), nn.Flatten(0), nn.LazyLinear(10))
    with dlcheck.watch(model, checks=["input_scale"], on_problem="log") as w:
        for _ in range(3):
            out = model(_images("raw", n=1)[0].expand(3, 8, 8).contiguous())  # unbatched (C, H, W)
            out.sum().backward()
            w.step()
    assert [p.code for p in w.report().problems] == ["DC604"], str(w.report())
    assert w.report().problems[0].data["features"] == 3
