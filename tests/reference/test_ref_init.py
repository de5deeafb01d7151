"""Proof for dlcheck.reference.init.

- gains and fans equal the closed forms (and torch.nn.init.calculate_gain);
- every initialiser produces the stated variance on a large tensor (seeded, tolerance 3%, about
  ten standard errors, while any wrong fan or gain changes the variance by 30% or more);
- with the same random generator, each initialiser draws exactly what torch.nn.init draws;
- a 20-layer ReLU network keeps its activation variance within a factor 2 with He initialisation,
  and visibly vanishes or explodes with PyTorch's default, Glorot, or too-large weights;
- init_model picks the initialisation that fits the activation after each layer.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from dlcheck.reference import init as ref


@pytest.mark.parametrize(
    ("name", "param", "expected"),
    [
        ("linear", None, 1.0),
        ("conv2d", None, 1.0),
        ("sigmoid", None, 1.0),
        ("relu", None, math.sqrt(2.0)),
        ("leaky_relu", None, math.sqrt(2.0 / (1 + 0.01**2))),
        ("leaky_relu", 0.2, math.sqrt(2.0 / 1.04)),
        ("tanh", None, 5.0 / 3.0),
        ("selu", None, 0.75),
    ],
)
def test_gain_closed_form_and_torch(name: str, param: float | None, expected: float) -> None:
    assert ref.gain(name, param) == pytest.approx(expected, rel=1e-12)
    assert ref.gain(name, param) == pytest.approx(nn.init.calculate_gain(name, param), rel=1e-12)


def test_unknown_gain_and_bad_tensor() -> None:
    with pytest.raises(ValueError):
        ref.gain("swish")
    with pytest.raises(ValueError):
        ref.he_normal_(torch.empty(10))


def test_fans_include_the_kernel() -> None:
    assert ref.fans(torch.empty(16, 8, 3, 3)) == (8 * 9, 16 * 9)
    assert ref.fans(torch.empty(30, 20)) == (20, 30)


# (initialiser call, expected variance for a (out=400, in=1000) weight, is uniform)
FAN_IN, FAN_OUT = 1000, 400
CASES = {
    "glorot_uniform": (lambda t: ref.glorot_uniform_(t), 2.0 / (FAN_IN + FAN_OUT), True),
    "glorot_uniform_tanh": (
        lambda t: ref.glorot_uniform_(t, gain=5 / 3),
        (5 / 3) ** 2 * 2.0 / (FAN_IN + FAN_OUT),
        True,
    ),
    "glorot_normal": (lambda t: ref.glorot_normal_(t), 2.0 / (FAN_IN + FAN_OUT), False),
    "he_uniform": (lambda t: ref.he_uniform_(t), 2.0 / FAN_IN, True),
    "he_normal": (lambda t: ref.he_normal_(t), 2.0 / FAN_IN, False),
    "he_normal_fan_out": (lambda t: ref.he_normal_(t, mode="fan_out"), 2.0 / FAN_OUT, False),
    "he_normal_leaky": (lambda t: ref.he_normal_(t, "leaky_relu", 0.3), 2.0 / (1.09 * FAN_IN), False),
    "he_uniform_tanh": (lambda t: ref.he_uniform_(t, "tanh"), (5 / 3) ** 2 / FAN_IN, True),
    "he_normal_selu": (lambda t: ref.he_normal_(t, "selu"), 0.75**2 / FAN_IN, False),
    "lecun_normal": (lambda t: ref.lecun_normal_(t), 1.0 / FAN_IN, False),
    "lecun_uniform": (lambda t: ref.lecun_uniform_(t), 1.0 / FAN_IN, True),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_stated_variance(case: str, device: torch.device) -> None:
    fill, variance, uniform = CASES[case]
    torch.manual_seed(0)
    w = torch.empty(FAN_OUT, FAN_IN, device=device)
    fill(w)
    assert abs(float(w.mean())) < 5 * math.sqrt(variance / w.numel())
    assert float(w.var()) == pytest.approx(variance, rel=0.03)
    bound = math.sqrt(3.0 * variance)
    if uniform:
        # U(-b, b) with b = sqrt(3 var): nothing outside the bound, and the bound is reached
        assert float(w.abs().max()) <= bound * (1 + 1e-6)
        assert float(w.abs().max()) > 0.999 * bound
    else:
        # a normal distribution puts about 8% of its mass beyond sqrt(3) standard deviations
        assert 0.06 < float((w.abs() > bound).float().mean()) < 0.10


def test_conv_variance_uses_receptive_field(device: torch.device) -> None:
    torch.manual_seed(0)
    w = torch.empty(64, 32, 5, 5, device=device)
    ref.he_normal_(w)
    assert float(w.var()) == pytest.approx(2.0 / (32 * 25), rel=0.03)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda t, g: ref.glorot_uniform_(t, generator=g), lambda t, g: nn.init.xavier_uniform_(t, generator=g)),
        (lambda t, g: ref.glorot_normal_(t, 1.3, g), lambda t, g: nn.init.xavier_normal_(t, 1.3, g)),
        (
            lambda t, g: ref.he_uniform_(t, "relu", generator=g),
            lambda t, g: nn.init.kaiming_uniform_(t, nonlinearity="relu", generator=g),
        ),
        (
            lambda t, g: ref.he_normal_(t, "leaky_relu", 0.2, "fan_out", generator=g),
            lambda t, g: nn.init.kaiming_normal_(t, 0.2, "fan_out", "leaky_relu", generator=g),
        ),
        (
            lambda t, g: ref.lecun_normal_(t, generator=g),
            lambda t, g: nn.init.kaiming_normal_(t, nonlinearity="linear", generator=g),
        ),
    ],
    ids=["glorot_uniform", "glorot_normal", "he_uniform", "he_normal_leaky_fan_out", "lecun_normal"],
)
def test_same_draw_as_torch(ours, theirs) -> None:
    """Given the same random stream, the reference and torch.nn.init produce the same weights."""
    a, b = torch.empty(50, 20, 3), torch.empty(50, 20, 3)
    ours(a, torch.Generator().manual_seed(7))
    theirs(b, torch.Generator().manual_seed(7))
    assert torch.allclose(a, b, rtol=1e-6, atol=0)


# --- depth: the point of it all --------------------------------------------------------------------

DEPTH, WIDTH, BATCH = 20, 256, 512


def _deep_relu(device: torch.device) -> nn.Sequential:
    layers: list[nn.Module] = []
    for _ in range(DEPTH):
        layers += [nn.Linear(WIDTH, WIDTH), nn.ReLU()]
    return nn.Sequential(*layers[:-1]).to(device)  # the output layer has no activation


def _variance_ratio(model: nn.Sequential, device: torch.device) -> float:
    """Variance of the last pre-activation divided by the variance of the (unit-variance) input."""
    torch.manual_seed(1)
    x = torch.randn(BATCH, WIDTH, device=device)
    with torch.no_grad():
        y = model(x)
    return float(y.var()) / float(x.var())


def _apply(model: nn.Sequential, fill) -> None:
    with torch.no_grad():
        for m in model:
            if isinstance(m, nn.Linear):
                fill(m.weight)
                m.bias.zero_()


def test_he_keeps_variance_through_20_relu_layers(device: torch.device) -> None:
    torch.manual_seed(0)
    model = _deep_relu(device)
    _apply(model, ref.he_normal_)
    assert 0.5 < _variance_ratio(model, device) < 2.0


def test_init_model_keeps_variance_through_20_relu_layers(device: torch.device) -> None:
    torch.manual_seed(0)
    model = _deep_relu(device)
    records = ref.init_model(model)
    assert [r.method for r in records] == ["he_normal"] * (DEPTH - 1) + ["glorot_uniform"]
    # the output layer gets Glorot (variance 2/(n+n) = 1/n): one halving relative to He
    assert 0.25 < _variance_ratio(model, device) < 1.0


def test_bad_initialisations_vanish_or_explode(device: torch.device) -> None:
    torch.manual_seed(0)
    model = _deep_relu(device)  # PyTorch's default: U(+-1/sqrt(fan_in)), variance 1/(3 fan_in)
    # zero the (default random) biases: otherwise the output variance is just bias noise of about
    # 1/(3 fan_in) that has nothing to do with the input, which hides the vanished signal
    _apply(model, lambda w: w)
    default_ratio = _variance_ratio(model, device)
    _apply(model, ref.glorot_normal_)  # no ReLU gain: the variance halves at every layer
    glorot_ratio = _variance_ratio(model, device)
    _apply(model, lambda w: ref.he_normal_(w).mul_(2.0))  # twice He's std: 4x the variance per layer
    large_ratio = _variance_ratio(model, device)
    assert default_ratio < 1e-6  # about (1/3)**19
    assert glorot_ratio < 1e-4  # about (1/2)**19
    assert large_ratio > 1e6  # about 4**19


# --- init_model ----------------------------------------------------------------------------------


def test_init_model_reads_activation_through_norm_and_dropout() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3),
        nn.BatchNorm2d(8),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(8 * 6 * 6, 32),
        nn.Dropout(0.5),
        nn.Tanh(),
        nn.Linear(32, 16),
        nn.SELU(),
        nn.Linear(16, 4),
    )
    records = {r.name: r for r in ref.init_model(model)}
    assert records["0"].activation == "leaky_relu" and records["0"].method == "he_normal"
    assert records["0"].std == pytest.approx(ref.gain("leaky_relu", 0.2) / math.sqrt(3 * 9))
    assert records["4"].activation == "tanh" and records["4"].method.startswith("glorot_uniform")
    assert records["7"].method == "lecun_normal"
    assert records["9"].activation == "linear" and "no activation" in records["9"].note
    for name, record in records.items():
        layer = model[int(name)]
        assert torch.count_nonzero(layer.bias) == 0  # biases zeroed
        if record.method.startswith("glorot_uniform"):
            # the uniform bound follows from the recorded std
            assert float(layer.weight.detach().abs().max()) <= math.sqrt(3) * record.std * (1 + 1e-6)


def test_init_model_overrides_and_nested_modules() -> None:
    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(10, 10)  # used as F.relu(self.fc(x)): invisible to the module walk
            self.out = nn.Sequential(nn.Linear(10, 10), nn.GELU())

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.out(torch.relu(self.fc(x)))

    model = Block()
    records = {r.name: r for r in ref.init_model(model, overrides={"fc": "relu"})}
    assert records["fc"].method == "he_normal"
    assert records["out.0"].method == "he_normal" and "approximation" in records["out.0"].note
    with pytest.raises(ValueError):
        ref.init_model(model, overrides={"nope": "relu"})


def test_init_model_verbose_says_what_it_did(capsys: pytest.CaptureFixture[str]) -> None:
    ref.init_model(nn.Sequential(nn.Linear(4, 4), nn.ReLU()), verbose=True)
    assert "he_normal" in capsys.readouterr().out


def test_init_model_reports_layers_it_leaves_alone() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.ConvTranspose2d(4, 2, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(3))
    before = model[0].weight.detach().clone()
    records = ref.init_model(model)
    assert [(r.layer, r.method) for r in records] == [("ConvTranspose2d", "unchanged"), ("LazyLinear", "unchanged")]
    assert torch.equal(model[0].weight.detach(), before)
