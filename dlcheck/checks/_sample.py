"""Content fingerprints of tensors from a fixed sample of their elements, computed on the device.

A fingerprint is exact: the sampled elements' bit patterns, as integers, times fixed odd weights,
summed modulo 2**64 (integer sums do not depend on the order of the reduction, so a row gives
the same fingerprint in any batch and on any kernel). It is returned as three 20-bit pieces in
float32, which hold integers below 2**24 exactly: the watcher's one read per step is a float32
vector, and the pieces survive it unchanged. Positions and weights come from a private
``random.Random``, never from torch's generators: the user's random stream is not touched.
"""

from __future__ import annotations

import random
from typing import Any

import torch

# same-size integer views of the floating types: the bits, not the values (-0.0 != 0.0, and NaN
# has a fingerprint)
_BITS = {torch.float32: torch.int32, torch.float64: torch.int64, torch.float16: torch.int16,
         torch.bfloat16: torch.int16}
_PIECE = 20
_MASK = (1 << _PIECE) - 1


def _as_int64(t: torch.Tensor) -> torch.Tensor:
    if t.is_complex():
        t = torch.view_as_real(t).reshape(t.shape[0], -1)
    bits = _BITS.get(t.dtype)
    if bits is not None:
        t = t.view(bits)
    elif t.is_floating_point():  # float8 and other rare types: through float32
        t = t.to(torch.float32).view(torch.int32)
    return t.to(torch.int64)


class Fingerprints:
    """Per-row fingerprints of tensors from ``columns`` fixed positions of each row. Owns its
    caches of positions and weights (device tensors), dropped with ``clear()``."""

    def __init__(self, columns: int = 64) -> None:
        self.columns = columns
        self._index: dict[tuple[int, Any], torch.Tensor] = {}
        self._weights: dict[tuple[int, Any], torch.Tensor] = {}
        self._shifts: dict[Any, torch.Tensor] = {}

    def _positions(self, width: int, device: torch.device) -> torch.Tensor | None:
        if width <= self.columns:
            return None
        key = (width, device)
        idx = self._index.get(key)
        if idx is None:
            if len(self._index) > 32:  # inputs of ever-changing widths: keep the cache small
                self._index.clear()
            pos = sorted(random.Random(width).sample(range(width), self.columns))
            idx = self._index[key] = torch.tensor(pos, dtype=torch.long, device=device)
        return idx

    def _weight(self, width: int, device: torch.device) -> torch.Tensor:
        key = (width, device)
        w = self._weights.get(key)
        if w is None:
            if len(self._weights) > 32:
                self._weights.clear()
            rng = random.Random(7919 + width)
            w = self._weights[key] = torch.tensor(
                [rng.randrange(1 << 40) | 1 for _ in range(width)], dtype=torch.int64,
                device=device)
        return w

    def rows(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3) float32: one fingerprint per row of ``x`` (dimension 0); a 0-d or empty
        ``x`` gives no row."""
        x = x.detach()
        if x.dim() == 0 or x.numel() == 0:
            return torch.zeros(0, 3, device=x.device)
        flat = x.reshape(x.shape[0], -1)
        idx = self._positions(flat.shape[1], flat.device)
        if idx is not None:
            flat = flat.index_select(1, idx)
        v = _as_int64(flat)
        h = (v * self._weight(v.shape[1], v.device)).sum(1)  # wraps modulo 2**64
        shifts = self._shifts.get(h.device)
        if shifts is None:
            shifts = self._shifts[h.device] = torch.tensor([0, _PIECE, 2 * _PIECE],
                                                           dtype=torch.int64, device=h.device)
        return ((h.unsqueeze(1) >> shifts) & _MASK).to(torch.float32)

    def whole(self, x: torch.Tensor) -> torch.Tensor:
        """(3,) float32: one fingerprint of the whole tensor."""
        x = x.detach()
        if x.numel() == 0:
            return torch.zeros(3, device=x.device)
        return self.rows(x.reshape(1, -1))[0]

    def clear(self) -> None:
        self._index.clear()
        self._weights.clear()
        self._shifts.clear()


def first_tensor(inputs: Any) -> torch.Tensor | None:
    """The model's first input tensor (positional first, then the first in a container)."""
    from dlcheck.checks._util import tensors

    for t in tensors(inputs):
        return t
    return None


def key_of(values: list[float], start: int) -> tuple[float, float, float]:
    """One fingerprint read back from the host values at ``start``."""
    return (values[start], values[start + 1], values[start + 2])
