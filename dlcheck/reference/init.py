"""Weight initialisation that keeps the signal's variance constant through depth.

Principle: a layer computes ``y_i = sum_j W_ij x_j``. If the inputs and the weights are independent
with mean zero, ``Var(y_i) = fan_in * Var(W) * Var(x)``. Unless ``fan_in * Var(W)`` is 1, every layer
multiplies the variance by the same factor, so after 20 layers the activations (and, by the same
argument run backwards with ``fan_out``, the gradients) have grown or shrunk exponentially: the
network either overflows or never starts to learn.

- Glorot (Xavier) cannot satisfy both directions unless the matrix is square, so it compromises on
  ``Var(W) = 2 / (fan_in + fan_out)``. Its derivation assumes a linear (or near-linear, such as tanh
  around zero) activation.
- He (Kaiming) keeps the forward direction (``fan_in``) and multiplies by the *gain* of the
  activation that follows: a ReLU zeroes half its inputs, which halves the variance, so the weights
  need twice the variance (a gain of ``sqrt(2)`` on the standard deviation).
- LeCun uses ``Var(W) = 1 / fan_in``: He with the linear gain. It is the initialisation that
  self-normalising (SELU) networks rely on.

PyTorch's own default for ``nn.Linear`` and ``nn.ConvNd`` is none of these: it draws from
``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, a variance of ``1 / (3 fan_in)``, which shrinks the signal
by a factor 3 per layer in a linear net and by 6 in a ReLU net. A linear layer also cannot know
which activation follows it; :func:`init_model` looks that up for you.

A uniform distribution on ``[-b, b]`` has variance ``b**2 / 3``, so for a target standard deviation
``s`` the bound is ``b = sqrt(3) * s``; the normal variants use ``s`` directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

__all__ = [
    "gain",
    "fans",
    "glorot_uniform_",
    "glorot_normal_",
    "he_uniform_",
    "he_normal_",
    "lecun_uniform_",
    "lecun_normal_",
    "InitRecord",
    "init_model",
]

Mode = Literal["fan_in", "fan_out"]

# Activations for which the same gain as PyTorch's calculate_gain is defined. The values follow from
# the maths of each function (see gain()).
_LINEAR_NAMES = {"linear", "identity", "conv1d", "conv2d", "conv3d", "sigmoid"}


def gain(nonlinearity: str, param: float | None = None) -> float:
    """Factor by which to scale the weights' standard deviation for the activation that follows.

    - ``linear`` / ``identity`` / ``conv*`` / ``sigmoid``: 1. Sigmoid is near-linear around zero
      (its slope there is 1/4, but the convention, also PyTorch's, is 1).
    - ``relu``: ``sqrt(2)``. Half of a zero-mean input is set to zero, so the second moment halves;
      doubling the weights' variance restores it.
    - ``leaky_relu`` with negative slope ``a`` (default 0.01): ``sqrt(2 / (1 + a**2))``; the
      negative half keeps ``a**2`` of its second moment instead of none.
    - ``tanh``: 5/3, an empirical value that keeps the variance of tanh activations near a fixed
      point (tanh squashes large inputs, so it needs a little more than 1).
    - ``selu``: 3/4, PyTorch's value. For self-normalising networks use :func:`lecun_normal_`
      (gain 1) instead; SELU's fixed point is derived for ``Var(W) = 1 / fan_in``.
    """
    name = nonlinearity.lower()
    if name in _LINEAR_NAMES:
        return 1.0
    if name == "relu":
        return math.sqrt(2.0)
    if name == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    if name == "tanh":
        return 5.0 / 3.0
    if name == "selu":
        return 3.0 / 4.0
    raise ValueError(f"no gain defined for nonlinearity {nonlinearity!r}")


def fans(tensor: torch.Tensor) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` of a weight of shape ``(out, in, *kernel)``.

    Each output of a convolution sums over ``in * prod(kernel)`` inputs, and each input reaches
    ``out * prod(kernel)`` outputs, so the kernel size multiplies both fans. A 1-D tensor (a bias)
    has no fan-in in this sense, which is why it is rejected.
    """
    if tensor.dim() < 2:
        raise ValueError(
            f"fans need a weight with at least 2 dimensions (out, in, ...), got shape {tuple(tensor.shape)}"
        )
    receptive = 1
    for size in tensor.shape[2:]:
        receptive *= int(size)
    return int(tensor.shape[1]) * receptive, int(tensor.shape[0]) * receptive


def _fill_uniform(tensor: torch.Tensor, std: float, generator: torch.Generator | None) -> torch.Tensor:
    bound = math.sqrt(3.0) * std  # Var(U(-b, b)) = b**2 / 3
    with torch.no_grad():  # initialisation is not part of the model's computation graph
        return tensor.uniform_(-bound, bound, generator=generator)


def _fill_normal(tensor: torch.Tensor, std: float, generator: torch.Generator | None) -> torch.Tensor:
    with torch.no_grad():
        return tensor.normal_(0.0, std, generator=generator)


def glorot_uniform_(
    tensor: torch.Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Fill ``tensor`` in place from ``U(-b, b)`` with variance ``gain**2 * 2 / (fan_in + fan_out)``.

    The average of the two fans is the compromise between keeping the forward variance (needs
    ``1/fan_in``) and the backward variance (needs ``1/fan_out``).
    """
    fan_in, fan_out = fans(tensor)
    return _fill_uniform(tensor, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def glorot_normal_(
    tensor: torch.Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Fill ``tensor`` in place from ``N(0, gain**2 * 2 / (fan_in + fan_out))`` (see glorot_uniform_)."""
    fan_in, fan_out = fans(tensor)
    return _fill_normal(tensor, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _he_std(tensor: torch.Tensor, nonlinearity: str, negative_slope: float, mode: Mode) -> float:
    fan_in, fan_out = fans(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    return gain(nonlinearity, negative_slope) / math.sqrt(fan)


def he_uniform_(
    tensor: torch.Tensor,
    nonlinearity: str = "relu",
    negative_slope: float = 0.01,
    mode: Mode = "fan_in",
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Fill ``tensor`` in place from ``U(-b, b)`` with variance ``gain(nonlinearity)**2 / fan``.

    ``mode='fan_in'`` (the default) preserves the variance of the activations in the forward pass;
    ``'fan_out'`` preserves the variance of the gradients in the backward pass. Unlike
    ``torch.nn.init.kaiming_uniform_`` the default activation is ReLU, the common case, and
    ``negative_slope`` is only used for ``leaky_relu``.
    """
    return _fill_uniform(tensor, _he_std(tensor, nonlinearity, negative_slope, mode), generator)


def he_normal_(
    tensor: torch.Tensor,
    nonlinearity: str = "relu",
    negative_slope: float = 0.01,
    mode: Mode = "fan_in",
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Fill ``tensor`` in place from ``N(0, gain(nonlinearity)**2 / fan)`` (see he_uniform_)."""
    return _fill_normal(tensor, _he_std(tensor, nonlinearity, negative_slope, mode), generator)


def lecun_uniform_(tensor: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Fill ``tensor`` in place from ``U(-b, b)`` with variance ``1 / fan_in`` (He with gain 1)."""
    fan_in, _ = fans(tensor)
    return _fill_uniform(tensor, 1.0 / math.sqrt(fan_in), generator)


def lecun_normal_(tensor: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Fill ``tensor`` in place from ``N(0, 1 / fan_in)``.

    This keeps the forward variance of a linear layer exactly, and it is the initialisation under
    which SELU networks are self-normalising.
    """
    fan_in, _ = fans(tensor)
    return _fill_normal(tensor, 1.0 / math.sqrt(fan_in), generator)


# --- init_model -----------------------------------------------------------------------------------

# Module types whose presence between a weight layer and its activation does not change which
# activation the layer feeds (they rescale, reshape or drop, but the nonlinearity is still next).
_TRANSPARENT = (
    nn.Dropout,
    nn.Dropout1d,
    nn.Dropout2d,
    nn.Dropout3d,
    nn.AlphaDropout,
    nn.Flatten,
    nn.Unflatten,
    nn.Identity,
    nn.modules.batchnorm._BatchNorm,
    nn.LayerNorm,
    nn.GroupNorm,
    nn.modules.instancenorm._InstanceNorm,
    nn.MaxPool1d,
    nn.MaxPool2d,
    nn.MaxPool3d,
    nn.AvgPool1d,
    nn.AvgPool2d,
    nn.AvgPool3d,
    nn.AdaptiveAvgPool1d,
    nn.AdaptiveAvgPool2d,
    nn.AdaptiveAvgPool3d,
    nn.AdaptiveMaxPool1d,
    nn.AdaptiveMaxPool2d,
    nn.AdaptiveMaxPool3d,
)

_WEIGHT_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
# Weight layers init_model does not touch, but reports: a transposed convolution stores its weight
# as (in, out, ...), so the fan convention above would swap fan_in and fan_out.
_UNHANDLED_LAYERS = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d, nn.Bilinear)


def _activation_name(module: nn.Module) -> tuple[str, float | None, bool] | None:
    """Map an activation module to ``(gain name, parameter, exact)``; None if it is not one.

    ``exact`` is False for smooth ReLU-like activations (GELU, SiLU, ELU, ...) that have no closed
    form gain: they pass positive inputs and squash negative ones, so the ReLU gain is the
    closest standard choice.
    """
    if isinstance(module, nn.ReLU):
        return ("relu", None, True)
    if isinstance(module, nn.LeakyReLU):
        return ("leaky_relu", float(module.negative_slope), True)
    if isinstance(module, nn.Tanh):
        return ("tanh", None, True)
    if isinstance(module, nn.SELU):
        return ("selu", None, True)
    if isinstance(module, nn.Sigmoid):
        return ("sigmoid", None, True)
    relu_like = (nn.ReLU6, nn.GELU, nn.SiLU, nn.ELU, nn.CELU, nn.Mish, nn.Softplus, nn.PReLU, nn.Hardswish)
    if isinstance(module, relu_like):
        return ("relu", None, False)
    return None


@dataclass(frozen=True)
class InitRecord:
    """What :func:`init_model` did to one layer, so that the choice can be read and checked."""

    name: str
    layer: str
    activation: str
    method: str
    std: float
    note: str = ""

    def __str__(self) -> str:
        text = f"{self.name} ({self.layer}) -> {self.activation}: {self.method}, std={self.std:.4g}"
        return f"{text} [{self.note}]" if self.note else text


def init_model(
    model: nn.Module,
    *,
    overrides: dict[str, str] | None = None,
    zero_bias: bool = True,
    generator: torch.Generator | None = None,
    verbose: bool = False,
) -> list[InitRecord]:
    """Give every Linear/Conv layer of ``model`` the initialisation that fits its activation.

    The activation is the first activation module that follows the layer in registration order
    (``model.modules()``), skipping dropout, normalisation, pooling and reshaping modules; the
    search stops at the next weight layer. That order is the execution order for ``nn.Sequential``
    and for most hand-written models, but not for activations applied functionally
    (``F.relu(self.fc(x))``): name those layers in ``overrides`` (``{"fc": "relu"}``), otherwise
    they are treated as linear.

    - ReLU / LeakyReLU (and, approximately, GELU, SiLU, ELU, ...): He normal with the ReLU/leaky
      gain, because these activations drop (most of) the negative half of the signal.
    - tanh: Glorot uniform with gain 5/3; tanh is symmetric and near-linear around zero, which is
      Glorot's assumption.
    - SELU: LeCun normal (variance ``1/fan_in``), the condition for self-normalisation.
    - sigmoid or nothing (an output layer): Glorot uniform with gain 1.

    Biases are set to zero (``zero_bias``): the variance argument assumes zero-mean pre-activations,
    and PyTorch's default random bias only adds noise to that. Lazy layers that have not seen an
    input yet (their shape, hence their fan-in, is unknown), transposed convolutions and
    ``nn.Bilinear`` are left alone and listed with the method ``"unchanged"``.

    Returns one :class:`InitRecord` per layer (printed when ``verbose``), so that you can see and
    test what was done instead of trusting it.
    """
    overrides = dict(overrides or {})
    named = [(name, module) for name, module in model.named_modules() if not list(module.children())]
    records: list[InitRecord] = []
    for index, (name, module) in enumerate(named):
        if isinstance(module, _UNHANDLED_LAYERS):
            note = "not initialised: set this layer by hand (its weight layout differs)"
            records.append(InitRecord(name or "<model>", type(module).__name__, "-", "unchanged", math.nan, note))
            continue
        if not isinstance(module, _WEIGHT_LAYERS):
            continue
        if isinstance(module.weight, nn.parameter.UninitializedParameter):
            note = "lazy layer not materialised: run one forward pass before init_model"
            records.append(InitRecord(name or "<model>", type(module).__name__, "-", "unchanged", math.nan, note))
            continue
        activation: tuple[str, float | None, bool] | None = None
        if name in overrides:
            act_name = overrides.pop(name)
            activation = (act_name, None, True)
        else:
            for _, follower in named[index + 1 :]:
                if isinstance(follower, _WEIGHT_LAYERS + _UNHANDLED_LAYERS):
                    break
                found = _activation_name(follower)
                if found is not None:
                    activation = found
                    break
                if not isinstance(follower, _TRANSPARENT):
                    # an unknown module may be anything (an attention block, a custom op):
                    # guessing through it would be worse than assuming linear
                    break
        act, param, exact = activation if activation is not None else ("linear", None, True)
        weight = module.weight
        note = "" if exact else "ReLU-like activation, ReLU gain used as an approximation"
        if act in ("relu", "leaky_relu"):
            he_normal_(weight, act, 0.01 if param is None else param, generator=generator)
            method = "he_normal"
            std = _he_std(weight, act, 0.01 if param is None else param, "fan_in")
        elif act == "tanh":
            glorot_uniform_(weight, gain("tanh"), generator=generator)
            method = "glorot_uniform(gain=5/3)"
            fan_in, fan_out = fans(weight)
            std = gain("tanh") * math.sqrt(2.0 / (fan_in + fan_out))
        elif act == "selu":
            lecun_normal_(weight, generator=generator)
            method = "lecun_normal"
            std = 1.0 / math.sqrt(fans(weight)[0])
        elif act in _LINEAR_NAMES:
            glorot_uniform_(weight, 1.0, generator=generator)
            method = "glorot_uniform"
            fan_in, fan_out = fans(weight)
            std = math.sqrt(2.0 / (fan_in + fan_out))
            if activation is None:
                note = "no activation found after it (output layer or functional activation?)"
        else:
            raise ValueError(f"init_model: unknown activation {act!r} for layer {name!r}")
        if zero_bias and module.bias is not None:
            with torch.no_grad():
                module.bias.zero_()
        records.append(InitRecord(name or "<model>", type(module).__name__, act, method, std, note))
    if overrides:
        raise ValueError(f"init_model: overrides name layers that are not Linear/Conv: {sorted(overrides)}")
    if verbose:
        for record in records:
            print(record)
    return records
