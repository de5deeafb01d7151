"""dlcheck.reference: the correct patterns, small enough to read, checked against PyTorch.

Where dllint says what not to do, this package shows the right way: short implementations of
standard deep-learning practice, each documented with the reason behind it, that you can use
directly or compare with your own code. Every one is tested against PyTorch's implementation or a
closed form (see tests/reference and docs/reference.md).

Modules:

- :mod:`.init`: Glorot, He and LeCun initialisation, activation gains, ``init_model``.
- :mod:`.norm`: batch, layer, group and instance normalisation.
- :mod:`.optim`: SGD (momentum, Nesterov), Adam, AdamW as drop-in ``torch.optim`` optimisers.
- :mod:`.regularize`: L1/L2 penalties, weight decay, inverted dropout, residual block.
- :mod:`.schedule`: warm-up/cool-down for ``LambdaLR``, gradient clipping by global norm.
- :func:`lr_range_test`: the learning-rate range test.
- :mod:`.stats`: confidence interval of a test accuracy, comparing two accuracies.
- :mod:`.data`: leak-free preprocessing (split first, then fit on training data only).

This package depends only on torch and numpy, not on the rest of dlcheck.
"""

from __future__ import annotations

from . import data, init, norm, optim, regularize, schedule, stats
from .lr_range import LRRangeResult, lr_range_test

__all__ = [
    "data",
    "init",
    "norm",
    "optim",
    "regularize",
    "schedule",
    "stats",
    "lr_range_test",
    "LRRangeResult",
]
