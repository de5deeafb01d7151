"""Shared fixtures for the dlcheck.reference proofs: the device parameter and float64 defaults."""

from __future__ import annotations

import pytest
import torch

_DEVICES = ["cpu"]
if torch.cuda.is_available():
    _DEVICES.append(pytest.param("cuda", marks=pytest.mark.cuda))


@pytest.fixture(params=_DEVICES)
def device(request: pytest.FixtureRequest) -> torch.device:
    """Every proof runs on the CPU and, where one exists, on a CUDA device."""
    return torch.device(request.param)


@pytest.fixture
def gen() -> torch.Generator:
    """A seeded CPU generator, so statistical tests are reproducible (and cannot flake)."""
    return torch.Generator().manual_seed(1234)
