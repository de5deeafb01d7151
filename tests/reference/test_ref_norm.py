"""Proof for dlcheck.reference.norm: outputs, running statistics and gradients equal torch.nn's.

Both modules get the same random affine parameters and the same float64 inputs for several
training steps, then an evaluation step; outputs, buffers and the gradients of the input and the
parameters (under a random upstream gradient) are compared to 1e-10.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlcheck.reference import norm as ref

TOL = 1e-10


def _randomise_affine(a: nn.Module, b: nn.Module, gen: torch.Generator) -> None:
    with torch.no_grad():
        for (name_a, pa), (name_b, pb) in zip(a.named_parameters(), b.named_parameters()):
            assert name_a == name_b  # same names: state dicts are interchangeable
            value = torch.randn(pa.shape, generator=gen, dtype=torch.float64).to(pa.device) + 1.0
            pa.copy_(value)
            pb.copy_(value)


def _step(mod: nn.Module, x: torch.Tensor, upstream: torch.Tensor) -> tuple[torch.Tensor, ...]:
    x = x.clone().requires_grad_(True)
    for p in mod.parameters():
        p.grad = None
    out = mod(x)
    out.backward(upstream)
    grads = tuple(p.grad.clone() for p in mod.parameters())
    return (out.detach(), x.grad.clone()) + grads


def _compare(mine: nn.Module, theirs: nn.Module, shape: tuple[int, ...], device: torch.device, gen: torch.Generator):
    mine.to(device=device, dtype=torch.float64)
    theirs.to(device=device, dtype=torch.float64)
    _randomise_affine(mine, theirs, gen)
    for mode in ("train", "train", "train", "eval", "train", "eval"):
        mine.train(mode == "train")
        theirs.train(mode == "train")
        # shifted, scaled inputs: statistics far from (0, 1) so that normalisation visibly matters
        x = (3.0 * torch.randn(shape, generator=gen, dtype=torch.float64) + 2.0).to(device)
        upstream = torch.randn(shape, generator=gen, dtype=torch.float64).to(device)
        ours, reference = _step(mine, x, upstream), _step(theirs, x, upstream)
        assert len(ours) == len(reference)
        for a, b in zip(ours, reference):
            assert a.shape == b.shape
            assert float((a - b).abs().max()) < TOL, mode
        theirs_buffers = dict(theirs.named_buffers())
        for name, buf in mine.named_buffers():
            assert torch.allclose(buf.to(theirs_buffers[name].dtype), theirs_buffers[name], rtol=0, atol=TOL), name
        assert set(dict(mine.named_buffers())) == set(theirs_buffers)


@pytest.mark.parametrize(
    ("shape", "torch_cls"),
    [((16, 6), nn.BatchNorm1d), ((8, 6, 5), nn.BatchNorm1d), ((4, 6, 3, 5), nn.BatchNorm2d)],
)
@pytest.mark.parametrize("momentum", [0.1, 0.3, None])
def test_batchnorm_matches_torch(shape, torch_cls, momentum, device, gen) -> None:
    _compare(ref.BatchNorm(6, momentum=momentum), torch_cls(6, momentum=momentum), shape, device, gen)


def test_batchnorm_without_affine_or_running_stats(device, gen) -> None:
    _compare(
        ref.BatchNorm(6, affine=False, track_running_stats=False),
        nn.BatchNorm2d(6, affine=False, track_running_stats=False),
        (4, 6, 3, 3),
        device,
        gen,
    )


def test_batchnorm_eval_uses_running_stats_not_the_batch() -> None:
    """In eval mode an instance's output must not depend on the rest of the batch (no leak)."""
    bn = ref.BatchNorm(3)
    for _ in range(20):
        bn(torch.randn(32, 3) * 2 + 5)
    bn.eval()
    batch = torch.randn(10, 3)
    alone = bn(batch[:1])
    together = bn(batch)[:1]
    assert torch.allclose(alone, together)
    bn.train()
    # in training mode the same instance is normalised differently depending on its batch-mates
    assert not torch.allclose(bn(batch[:2])[:1], bn(batch)[:1])


def test_batchnorm_state_dict_loads_from_torch() -> None:
    theirs = nn.BatchNorm1d(4)
    theirs(torch.randn(8, 4) + 1.0)
    mine = ref.BatchNorm(4)
    mine.load_state_dict(theirs.state_dict())  # strict: same parameter and buffer names
    assert torch.equal(mine.running_mean, theirs.running_mean)


@pytest.mark.parametrize(
    ("normalized_shape", "shape", "affine", "bias"),
    [
        (7, (5, 7), True, True),
        ((4, 5), (3, 6, 4, 5), True, True),
        (5, (2, 3, 5), False, True),
        (6, (4, 6), True, False),
    ],
)
def test_layernorm_matches_torch(normalized_shape, shape, affine, bias, device, gen) -> None:
    _compare(
        ref.LayerNorm(normalized_shape, elementwise_affine=affine, bias=bias),
        nn.LayerNorm(normalized_shape, elementwise_affine=affine, bias=bias),
        shape,
        device,
        gen,
    )


@pytest.mark.parametrize("groups", [1, 2, 3, 6])
@pytest.mark.parametrize("shape", [(4, 6, 5), (3, 6, 4, 4)])
def test_groupnorm_matches_torch(groups, shape, device, gen) -> None:
    _compare(ref.GroupNorm(groups, 6), nn.GroupNorm(groups, 6), shape, device, gen)


@pytest.mark.parametrize(
    ("shape", "torch_cls"), [((4, 3, 7), nn.InstanceNorm1d), ((4, 3, 5, 6), nn.InstanceNorm2d)]
)
@pytest.mark.parametrize(("affine", "track"), [(False, False), (True, False), (True, True), (False, True)])
def test_instancenorm_matches_torch(shape, torch_cls, affine, track, device, gen) -> None:
    _compare(
        ref.InstanceNorm(3, affine=affine, track_running_stats=track),
        torch_cls(3, affine=affine, track_running_stats=track),
        shape,
        device,
        gen,
    )


def test_wrong_input_shape_is_rejected() -> None:
    with pytest.raises(ValueError):
        ref.BatchNorm(4)(torch.randn(8, 5))
    with pytest.raises(ValueError):
        ref.LayerNorm(4)(torch.randn(8, 5))
    with pytest.raises(ValueError):
        ref.GroupNorm(4, 6)
