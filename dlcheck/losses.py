"""See the loss functions' inputs: wrap ``torch.nn.functional`` losses while a watch is active.

The ``nn`` loss modules call ``F.<loss>`` through the module attribute, so wrapping the functional
covers both spellings. The wrapper returns the original result untouched; it is installed when
the first watcher starts and the original functions are put back when the last one closes.
"""

from __future__ import annotations

import functools
import threading
import weakref
from typing import Any, Callable

import torch.nn.functional as F

# losses whose input and target must have the same shape (else they broadcast silently)
SAME_SHAPE = (
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "soft_margin_loss", "kl_div", "poisson_nll_loss",
)
# losses whose shapes differ by design; wrapped only to see a non-finite loss value
OTHER = ("cross_entropy", "nll_loss", "gaussian_nll_loss", "margin_ranking_loss")

# reentrant: a watcher whose model is garbage collected uninstalls from a finalizer, which
# may run inside install()
_lock = threading.RLock()
_watchers: "weakref.WeakSet[Any]" = weakref.WeakSet()
_originals: dict[str, Callable] = {}
# what the wrappers iterate on every loss call: a tuple of weak references, cheaper than
# walking the WeakSet; rebuilt under the lock on every change
_live: tuple[weakref.ref, ...] = ()


def _wrap(name: str, fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(input: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
        for ref in _live:
            w = ref()
            if w is not None and w.wants_loss_pre:
                w.on_loss_pre(name, input, target, kwargs)
        out = fn(input, target, *args, **kwargs)
        for ref in _live:
            w = ref()
            if w is not None:
                w.on_loss(name, input, target, out)
        return out

    wrapper.__dlcheck_original__ = fn  # type: ignore[attr-defined]
    return wrapper


def install(watcher: Any) -> None:
    with _lock:
        if not _watchers:
            for name in SAME_SHAPE + OTHER:
                fn = getattr(F, name, None)
                if fn is None or hasattr(fn, "__dlcheck_original__"):
                    continue
                _originals[name] = fn
                setattr(F, name, _wrap(name, fn))
        _watchers.add(watcher)
        _refresh()


def uninstall(watcher: Any) -> None:
    with _lock:
        _watchers.discard(watcher)
        _refresh()
        if not _watchers:
            for name, fn in _originals.items():
                setattr(F, name, fn)
            _originals.clear()


def _refresh() -> None:
    global _live
    _live = tuple(weakref.ref(w) for w in _watchers)


def installed() -> bool:
    return bool(_originals)
