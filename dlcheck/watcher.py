"""The watcher: attaches hooks to a model, counts steps, dispatches events to the checks.

Design for the hot path: forward hooks only queue device tensors; everything a check wants to
read goes into one gather at the end of a checked step, read to the host once (and, under
torch.distributed, all-reduced in one collective). Nothing is computed on unchecked steps.
"""

from __future__ import annotations

import logging
import math
import operator
import sys
import warnings
import weakref
from typing import Any, Callable, Iterable, Mapping, Sequence

import torch
from torch import nn
from torch.nn.modules import module as _torch_module
from torch.nn.modules.module import (register_module_forward_hook,
                                     register_module_forward_pre_hook)

from dlcheck import arguments, distributed, losses, replay
from dlcheck.checks._util import compiling, finite_probe, tensors, transforms_active
from dlcheck.plugins import make_plugin_manager
from dlcheck.problems import DCProblemError, DCWarning, Problem, Report

logger = logging.getLogger("dlcheck")

_ON_PROBLEM = ("warn", "raise", "log")


class Gather:
    """Device tensors the checks want read at the end of a step.

    A part is a tensor (read flattened) or a list of 0-d tensors (one value each: the
    per-module probes, the per-parameter norms). All the 0-d values of a step go into one
    ``torch.stack``: at a few microseconds per op inside a training step, stacking each list
    and then concatenating the stacks cost more than the checks' own reductions (a sentinel
    step's few CPU values are read with ``item()`` each, cheaper still). Several checks
    often want the same part (the gradient norms): a part added by more than one check (the
    same object) is transferred once and handed to each."""

    def __init__(self) -> None:
        self.local: list[tuple[Any, Any]] = []
        self.reduced: list[tuple[Any, Any]] = []

    def add(self, owner: Any, tensor: Any, reduce: str | None = None) -> None:
        if reduce not in (None, "sum"):
            raise ValueError("reduce must be None or 'sum'")
        (self.reduced if reduce else self.local).append((owner, tensor))

    @staticmethod
    def _to_host(parts: list[tuple[Any, Any]], all_reduce: bool,
                 quick: bool = True) -> list[tuple[Any, list[float]]]:
        if not parts:
            return []
        if quick and not all_reduce:
            quick = Gather._lists_to_host(parts)
            if quick is not None:
                return quick
        # id(part) -> (is a vector, start, stop): scalars' positions count from 0, vectors'
        # from the first value after the scalars
        span: dict[int, tuple[bool, int, int]] = {}
        scalars: list[torch.Tensor] = []
        vectors: list[torch.Tensor] = []
        vector_values = 0
        for _, part in parts:
            if id(part) in span:
                continue
            if isinstance(part, torch.Tensor) and part.dim() != 0:
                flat = part.detach() if part.requires_grad else part
                if flat.dim() != 1:
                    flat = flat.reshape(-1)
                span[id(part)] = (True, vector_values, vector_values + flat.numel())
                vector_values += flat.numel()
                vectors.append(flat)
            else:
                items = [part] if isinstance(part, torch.Tensor) else list(part)
                span[id(part)] = (False, len(scalars), len(scalars) + len(items))
                scalars.extend(items)
        pieces: list[torch.Tensor] = []
        if scalars:
            try:
                pieces.append(torch.stack(scalars))
            except RuntimeError:  # a model spread over several devices
                pieces.append(torch.stack([t.to(scalars[0].device) for t in scalars]))
        pieces.extend(vectors)
        if not pieces:  # only empty lists were added
            return [(owner, []) for owner, _ in parts]
        try:
            flat = torch.cat(pieces) if len(pieces) > 1 else pieces[0]
        except RuntimeError:  # several devices
            flat = torch.cat([p.to(pieces[0].device) for p in pieces])
        owned = not (len(pieces) == 1 and vectors)  # stack and cat make a new tensor
        if flat.dtype is not torch.float32:
            flat, owned = flat.to(torch.float32), True
        if flat.requires_grad:
            flat = flat.detach()
        if all_reduce:
            if not owned:
                flat = flat.clone()  # the collective works in place: never on a check's tensor
            distributed.all_reduce_sum(flat)
        values = flat.tolist()  # the one host read of the step
        offset = len(scalars)
        out = []
        for owner, part in parts:
            is_vector, a, b = span[id(part)]
            out.append((owner, values[a + offset:b + offset] if is_vector else values[a:b]))
        return out

    @staticmethod
    def _read_lists(parts: list[tuple[Any, Any]]) -> dict[int, list[list[float]]] | None:
        """``_lists_to_host`` and the grouping by owner in one pass, no frame per part: what a
        sentinel step's read (the loss, the gradients' probes) costs in Python is mostly this
        bookkeeping, not the one stack and host read (a few CPU values: ``item()`` each).
        None when a part is not a list of 0-d float32 tensors on one device."""
        scalars: list[torch.Tensor] = []
        spans: dict[int, tuple[int, int]] = {}  # id(part) -> where its values are
        for _, part in parts:
            if type(part) is not list:
                return None
            key = id(part)
            if key not in spans:
                start = len(scalars)
                scalars += part
                spans[key] = (start, start + len(part))
        if not scalars:
            return None
        # A few values on the CPU are read one by one: item() on a CPU tensor is a direct read
        # (about 1k instructions, and 2k for the two attributes tested), where the stack that
        # gathers them for one host read costs 22k (an allocation and a cat). One read per
        # device matters where a read synchronises (CUDA); on the CPU nothing waits. Plain
        # float32 tensors only (the generic read gives others' values in float32); item()
        # raises on several elements, and gives a value with a graph all the same.
        values: list[float] | None = None
        if len(scalars) <= _ITEMS_MAX:
            values = []
            try:
                for t in scalars:
                    if type(t) is not _Tensor or t.dtype is not _F32 or not t.is_cpu:
                        values = None
                        break
                    values.append(t.item())
            except RuntimeError:  # not one element
                values = None
        if values is None:
            try:
                flat = torch.stack(scalars)
            except RuntimeError:  # several devices
                return None
            # (attributes, not method calls: this runs every step)
            if flat.ndim != 1 or flat.dtype is not torch.float32 or flat.requires_grad:
                return None
            values = flat.tolist()
        out: dict[int, list[list[float]]] = {}
        for owner, part in parts:
            start, stop = spans[id(part)]
            key = id(owner)
            got = out.get(key)
            if got is None:
                out[key] = [values[start:stop]]
            else:
                got.append(values[start:stop])
        return out

    @staticmethod
    def _lists_to_host(parts: list[tuple[Any, Any]]) -> list[tuple[Any, list[float]]] | None:
        """``_read_lists`` as one (owner, values) pair per part, in the order of ``parts``."""
        grouped = Gather._read_lists(parts)
        if grouped is None:
            return None
        taken: dict[int, int] = {}
        out = []
        for owner, _ in parts:
            i = taken.get(id(owner), 0)
            taken[id(owner)] = i + 1
            out.append((owner, grouped[id(owner)][i]))
        return out

    def read(self, all_reduce: bool) -> "Read":
        if not self.reduced:
            quick = self._read_lists(self.local)
            if quick is not None:
                return Read(quick)
        out: dict[int, list[list[float]]] = {}
        # (the local parts failed the quick read above when nothing is reduced)
        parts = self._to_host(self.local, False, bool(self.reduced)) if self.local else []
        if self.reduced:
            parts += self._to_host(self.reduced, all_reduce)
        for owner, values in parts:
            out.setdefault(id(owner), []).append(values)
        return Read(out)


class Read:
    def __init__(self, values: dict[int, list[list[float]]]) -> None:
        self._values = values

    def get(self, owner: Any) -> list[list[float]]:
        return self._values.get(id(owner), [])


class _GradLayout:
    """Which parameters have a gradient, and their names and sizes: the same from step to step
    in nearly every training loop, so it is built once and reused."""

    __slots__ = ("pattern", "names", "none", "numels", "ndims", "reusable", "sharded", "f32",
                 "groups", "takes", "params", "types")

    def __init__(self, named: list[tuple[str, nn.Parameter]], grads: list[Any]) -> None:
        self.pattern = _pattern(grads)
        self.names: list[str] = []
        self.none: list[str] = []
        self.numels: list[int] = []
        self.ndims: list[int] = []
        # sparse gradients change their number of values every step; graph gradients
        # (backward(create_graph=True)) need detaching: both take the slow path every time
        self.reusable = True
        self.sharded = False  # some gradient is a DTensor (fully_shard): see GradInfo.norms
        # every gradient a float32 tensor of at least one dimension: its sum is its probe. (A
        # dtype changed later under the same layout only costs a probe's exactness: a sum that
        # overflows is settled by GradInfo.finite.)
        self.f32 = True
        for (name, p), g in zip(named, grads):
            if g is False:
                continue
            if g is None:
                self.none.append(name)
                continue
            if g.is_sparse or g.requires_grad:
                self.reusable = False
                if g.is_sparse:
                    g = g.coalesce().values()
            self.sharded = self.sharded or distributed.is_sharded(g)
            self.f32 = self.f32 and g.dtype is torch.float32 and g.dim() > 0
            self.names.append(name)
            self.numels.append(max(g.numel(), 1))  # a DTensor's numel is the whole parameter's
            self.ndims.append(p.dim())
        # the sentinel's probes (GradInfo.probes): which gradients each one sums
        self.groups: list[list[int]] | None = None
        self.takes: list[Any] = []
        if self.f32 and self.reusable and not self.sharded:
            small: dict[Any, list[int]] = {}
            self.groups = []
            for i, g in enumerate(g for g in grads if g is not None and g is not False):
                if self.numels[i] > _FLAT_MAX:
                    self.groups.append([i])
                else:
                    small.setdefault(g.device, []).append(i)
            for idx in small.values():
                # a few small gradients are summed one by one: flattening them costs a cold
                # path of its own (views, a cat, a copy) that several sums on the path the
                # large gradients already took do not (see _FLAT_MIN)
                if len(idx) < _FLAT_MIN:
                    self.groups += [[i] for i in idx]
                else:
                    self.groups.append(idx)
            # how each probe takes its gradients from GradInfo's list: an index, or an
            # itemgetter (one C call for the group)
            self.takes: list[Any] = [idx[0] if len(idx) == 1 else operator.itemgetter(*idx)
                                     for idx in self.groups]
        # Every parameter trainable and with a gradient (the usual case): GradInfo then reads
        # the gradients and tests the layout in C (attrgetter, map), with no Python frame per
        # parameter. ``types`` also tells a gradient that went missing (None) from one there.
        self.params: list[nn.Parameter] | None = None
        self.types: tuple[type, ...] = ()
        if self.reusable and not self.none and len(self.names) == len(named):
            self.params = [p for _, p in named]
            self.types = tuple(map(type, grads))


# A sentinel step sums each gradient above this many elements on its own, and the smaller ones
# of a device flattened into one tensor (one copy, one sum): an op costs a few microseconds on
# CPU, more than copying 64 KB (a CNN's 14 gradients: 13 us instead of 30).
_FLAT_MAX = 1 << 14
# ... but fewer small gradients than this of a device are summed one by one. Inside a training
# step every distinct op path is cold (the step's kernels evict it): measured in place, in the
# optimizer's step pre-hook of the benchmark's MLP (medians of 1200 steps, the 2-core machine
# shared, 2026-12-05), the flattened copy and its sum took 77-90 us whatever the count, a sum
# per gradient about 62 us for 2, 70 for 4, 77 for 6 and 87 for 8 (the two large sums
# included). The MLP's four small gradients: sums 8-12 us a step cheaper than the flattening.
_FLAT_MIN = 7
# Gather._read_lists reads at most this many CPU values one by one (item()); more are stacked
_ITEMS_MAX = 16
_Tensor = torch.Tensor
_F32 = torch.float32
# one C++ call: the views and the copy of several gradients into one flat tensor
_flatten = getattr(getattr(torch._C, "_nn", None), "flatten_dense_tensors", None) or (
    lambda ts: torch.cat([t.reshape(-1) for t in ts]))


_REQUIRES_GRAD = operator.attrgetter("requires_grad")
_GRAD = operator.attrgetter("grad")


def _pattern(grads: list[Any]) -> list[bool]:
    return [g is None or g is False for g in grads]


def _l2_norms(grads: list[torch.Tensor]) -> list[torch.Tensor]:
    """One L2 norm (a 0-d tensor on the gradient's device) per gradient: one foreach call per
    device. L2, not L1: torch's foreach L1 norm is ~6x slower on CPU. Zero, non-finite, RMS
    and the relative size all follow from it."""
    by_dev: dict[torch.device, list[int]] = {}
    for i, g in enumerate(grads):
        by_dev.setdefault(g.device, []).append(i)
    if len(by_dev) <= 1:
        return list(torch._foreach_norm(grads)) if grads else []
    out: list[Any] = [None] * len(grads)
    for idx in by_dev.values():
        for i, n in zip(idx, torch._foreach_norm([grads[i] for i in idx])):
            out[i] = n
    return out


class GradInfo:
    """Gradients of one after-backward event, computed once and shared by the checks.

    ``names``, ``numels`` and ``ndims`` are the very same list objects from step to step while
    the parameters that have a gradient do not change, so a check may cache what it derives
    from them with an identity test."""

    # built at every after-backward event, sentinel steps included: no instance dict
    __slots__ = ("layout", "names", "none", "numels", "ndims", "_grads", "_sharded", "_norms",
                 "_l2", "_probe_groups")

    def __init__(self, named: list[tuple[str, nn.Parameter]],
                 layout: _GradLayout | None = None) -> None:
        params = layout.params if layout is not None else None
        grads: list[Any] | None = None
        if params is not None and all(map(_REQUIRES_GRAD, params)):
            # every parameter trainable: the gradients are kept as they are when each one's type
            # is what it was (a gradient gone to None changes it)
            grads = list(map(_GRAD, params))
            if tuple(map(type, grads)) != layout.types:
                grads = None
        if grads is None:
            # requires_grad is read every step: a layer may be frozen or unfrozen mid-training
            grads = [p.grad if p.requires_grad else False for _, p in named]
            if layout is None or not layout.reusable or layout.pattern != [
                    g is None or g is False for g in grads]:  # _pattern, inlined: every step
                layout = _GradLayout(named, grads)
            if layout.reusable:
                grads = [g for g in grads if g is not None and g is not False]
            else:
                grads = [(g.coalesce().values() if g.is_sparse else g).detach()
                         for g in grads if g is not None and g is not False]
        self.layout = layout
        self.names, self.none = layout.names, layout.none
        self.numels, self.ndims = layout.numels, layout.ndims
        self._grads = grads
        self._sharded: list[Any] | None = None
        if layout.sharded:
            self._sharded = self._grads
            self._grads = [distributed.local(g) for g in self._grads]
        self._norms: list[torch.Tensor] | None = None
        self._l2: torch.Tensor | None = None
        self._probe_groups: list[list[int]] | None = None  # what each of ``probes`` covers

    @property
    def norms(self) -> list[torch.Tensor]:
        """Per-parameter L2 norms as 0-d tensors on the device, in the order of ``names``,
        computed on first use only. The checks hand this very list to the gatherer: it is read
        once, in the step's one stack of scalars."""
        if self._norms is None:
            self._norms = _l2_norms(self._grads)
            if self._sharded is not None:
                # each rank holds a shard: the norms of the whole gradients need every rank's
                # part (one all-reduce; every rank runs backward, so none waits alone)
                self._norms = distributed.global_norms(self._sharded, self._norms)
        return self._norms

    @property
    def probes(self) -> list[torch.Tensor]:
        """0-d values, each non-finite when a gradient it covers holds a NaN/Inf (or when a sum
        overflows float32: ``nonfinite`` settles that). What a sentinel step reads: a sum per
        large gradient and one over the small ones flattened together (``_GradLayout.groups``);
        the norms' other uses (flow, size) run on fully checked steps only."""
        if self._norms is not None:  # already paid for: as good a probe
            self._probe_groups = None
            return self._norms
        groups = self.layout.groups
        grads = self._grads
        if groups is not None:
            try:
                # (a loop, not a list comprehension: no frame of its own, every sentinel step)
                out = []
                for take in self.layout.takes:
                    out.append(grads[take].sum() if type(take) is int
                               else _flatten(take(grads)).sum())
                self._probe_groups = groups
                return out
            except RuntimeError:  # a gradient moved to another device under the same layout
                pass
        self._probe_groups = None
        return [finite_probe(g) for g in grads]

    def nonfinite(self, values: list[float]) -> list[int]:
        """The gradients (indices in the order of ``names``) that hold a NaN/Inf, from the values
        read of ``probes``: the gradients under a non-finite probe are looked at one by one (a
        sum that overflowed is not a NaN)."""
        groups = self._probe_groups
        suspects = [i for j, v in enumerate(values) if not math.isfinite(v)
                    for i in (groups[j] if groups is not None else (j,))]
        return sorted(i for i in suspects if not self.finite(i))

    def finite(self, i: int) -> bool:
        """Is every element of the ``i``-th gradient finite? (A non-finite probe may be a sum
        that overflowed.)"""
        g = self._grads[i]
        return bool(torch.isfinite(g).all()) if g.is_floating_point() or g.is_complex() else True

    @property
    def l2(self) -> torch.Tensor | None:
        """The same norms as one float32 vector on the first gradient's device (None when no
        parameter has a gradient)."""
        if self._l2 is None and self.norms:
            norms = self.norms
            dev = norms[0].device
            l2 = torch.stack([n if n.device == dev else n.to(dev) for n in norms])
            self._l2 = l2 if l2.dtype == torch.float32 else l2.to(torch.float32)
        return self._l2


class Watcher:
    """Returned by :func:`watch` / :func:`wrap`. ``report()`` gives the findings."""

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer | None = None,
        *,
        checks: Any = "default",
        every: int = 1,
        on_problem: str = "warn",
        plugins: Sequence[Any] = (),
        history: bool | int = False,
        tensorboard: Any = None,
        sentinel: bool = True,
    ) -> None:
        where = "dlcheck.watch"
        if not isinstance(model, nn.Module):
            raise TypeError(f"{where}: model must be a torch.nn.Module, got "
                            f"{type(model).__module__}.{type(model).__name__}")
        if optimizer is not None and not _is_optimizer(optimizer):
            raise TypeError(f"{where}: optimizer must be a torch.optim.Optimizer (or None), got "
                            f"{type(optimizer).__module__}.{type(optimizer).__name__}")
        arguments.choice(where, "on_problem", on_problem, _ON_PROBLEM)
        every = arguments.integer(where, "every", every, 1)
        sentinel = arguments.flag(where, "sentinel", sentinel)
        if isinstance(plugins, (str, bytes)) or not isinstance(plugins, Iterable):
            raise TypeError(f"{where}: plugins must be a sequence of plugin objects, got "
                            f"{type(plugins).__name__}")
        inner = _unwrap(model)
        self._model_ref = weakref.ref(inner)
        self._opt_ref = weakref.ref(optimizer) if optimizer is not None else None
        self.every = every
        self.on_problem = on_problem
        self.current_step = 0
        self.rank = distributed.rank()
        self.world_size = distributed.world_size()
        self.model_class = type(inner).__name__
        # gradients are the same on every rank after DDP's all-reduce, and dlcheck sums the
        # shards of fully_shard's itself: problems read from them are shared by all ranks
        # DDP's replicas: every rank holds the whole model, kept equal by DDP (see replicas.py)
        self.replicated = self.world_size > 1 and isinstance(
            model, nn.parallel.DistributedDataParallel)
        self.grads_synced = self.world_size > 1 and (
            isinstance(model, nn.parallel.DistributedDataParallel)
            or any(distributed.is_sharded(p) for p in inner.parameters()))
        self.model_has_mode_layers = any(
            isinstance(m, _MODE_LAYERS) for m in inner.modules()
        )
        self.shapes: dict[str, dict[str, Any]] = {}
        self._problems: list[Problem] = []
        self._seen: set[tuple] = set()
        self._handles: list[Any] = []
        # id(module) -> (name, implementations, is the root): the global module hooks look the
        # module up here. Global hooks, not hooks in each module's own dicts: a copy of the
        # model made while watching (deepcopy, torch.save, DataParallel's replicas) then holds
        # nothing of dlcheck, and nothing is left on the model to pickle or to remove.
        self._fwd_table: dict[int, tuple[str, list, bool]] = {}
        self._pre_table: dict[int, tuple[str, list]] = {}
        self._finalizers: list[weakref.finalize] = []
        self._output_hooks: list[Any] = []  # handles of the hooks on outputs, removed on close
        self._active = True
        self._closed = False
        self._pending = False  # something was observed since the last end of step
        self._compiled_pass_seen = False  # see _on_forward
        self._backward_at_step = False  # see _root_forward
        self._told_steps = False  # see tell_steps
        self._subset_layouts: dict[tuple[int, ...], tuple[list, _GradLayout | None]] = {}
        self._bw_queued = False
        self._detached: tuple[torch.Tensor, torch.Tensor] | None = None  # see detached()
        self._grad_params: list[tuple[str, nn.Parameter]] | None = None
        self._grad_layout: _GradLayout | None = None
        self.grad_enabled_forward_in_eval = False
        self.in_step_end = False  # True while a real end of step (not report()) is flushed
        # Sentinel steps (see dlcheck/replay.py and Schedule): the checks marked ``sampled`` run
        # on fully checked steps only, the module hooks of the ``sentinel`` checks only there
        # and in a replay. Off under torch.compile (changing the global hooks' tables would
        # recompile), with fully_shard or SyncBatchNorm (a replay on one rank would wait for a
        # collective the others never enter) and with sentinel=False.
        self.full_step = True
        self.replaying = False
        self.replay_notes: list[str] = []
        self._passes = replay.Passes()
        self._replays = 0
        self._compiled = False
        self._mode = "full"
        # Bare training passes (see _go_bare): on a sentinel step the model's training forward
        # runs with the watcher's global module hooks out of torch's dicts, so that torch calls
        # every module on its fast path. _bare: they are out now. _bare_ok: the last fully
        # checked step had one training pass (a second one would not be seen until the hooks
        # are back). _grad_passes: grad-enabled passes of the model in this step.
        self._bare = False
        self._bare_ok = False
        self._grad_passes = 0
        self._module_hooks: tuple[tuple[dict, int, Callable], ...] = ()
        self._bare_gates: list[Callable] | None = []
        self._sentinel = sentinel and not (self.world_size > 1 and (
            any(distributed.is_sharded(p) for p in inner.parameters())
            or any(isinstance(m, nn.SyncBatchNorm) for m in inner.modules())))

        self._impl_cache: dict[str, list[tuple[Any, Callable]]] = {}
        self._pm = make_plugin_manager()
        config = _normalise_checks(checks)
        made = self._pm.hook.dlcheck_make_checks(config=config)
        self.checks: list[Any] = [c for group in made for c in (group or ())]
        _refuse_unknown_checks(config, self.checks)
        for c in self.checks:
            self._pm.register(c)
        for p in plugins:
            self._pm.register(p)
        # the recorder and the TensorBoard writer are plugins like any other (dlcheck.history)
        for p in _recorders(history, tensorboard):
            self._pm.register(p)

        # a loss's pre-call hook costs a dispatch per loss call: only when a check has one
        self.wants_loss_pre = bool(self._impls("dlcheck_loss_pre"))
        self._hook_sets = {mode: {name: self._impls_in(name, mode) for name in _STEP_HOOKS}
                           for mode in ("full", "sentinel", "replay")}
        self._hooks = self._hook_sets["full"]
        self._pm.hook.dlcheck_attach(watch=self, model=inner)
        try:
            self._attach(inner, optimizer)
        except BaseException:
            self._remove_hooks()  # never leave half a watcher behind
            self._pm.hook.dlcheck_detach(watch=self)
            raise
        losses.install(self)

    # ---------------------------------------------------------------- attaching
    def _impls(self, hook_name: str) -> list[tuple[Any, Callable]]:
        # resolved once: pluggy's dispatch per module call would cost more than the checks
        cached = self._impl_cache.get(hook_name)
        if cached is None:
            caller = getattr(self._pm.hook, hook_name)
            spec_args = tuple(caller.spec.argnames) if caller.spec else ()
            # pluggy calls the last registered first; keep that order
            cached = [(impl.plugin, _positional(impl.function, tuple(impl.argnames), spec_args))
                      for impl in reversed(caller.get_hookimpls())]
            self._impl_cache[hook_name] = cached
        return cached

    def _impls_in(self, hook_name: str, mode: str) -> list[tuple[Any, Callable]]:
        """The implementations of a hook that run on a fully checked step ("full"), on a
        sentinel step (all but the ``sampled`` checks) or in a replay (the ``sentinel`` checks:
        nothing else may count a replayed pass as one of the step's)."""
        impls = self._impls(hook_name)
        if mode == "full":
            return impls
        if mode == "sentinel":
            return [(p, f) for p, f in impls if not getattr(p, "sampled", False)]
        if mode == "sentinel modules":  # a sentinel check probes modules only in a replay
            return [(p, f) for p, f in impls
                    if not getattr(p, "sampled", False) and not getattr(p, "sentinel", False)]
        return [(p, f) for p, f in impls if getattr(p, "sentinel", False)]

    def _attach(self, model: nn.Module, optimizer: Any) -> None:
        self._root_key = id(model)
        # one pair of tables per mode: switching tables at a step's end costs two assignments
        self._tables: dict[str, tuple[dict, dict]] = {}
        for mode in ("full", "sentinel", "replay"):
            modules = "sentinel modules" if mode == "sentinel" else mode
            fwd = self._impls_in("dlcheck_forward", modules)
            pre = self._impls_in("dlcheck_forward_pre", modules)
            fwd_table: dict[int, tuple[str, list, bool]] = {}
            pre_table: dict[int, tuple[str, list, bool]] = {}
            for name, module in model.named_modules():
                # Each module gets only the checks that care about it: a ReLU-only check costs
                # nothing on a Linear layer.
                f_fns = [(p, f) for p, f in fwd if _accepts(p, module)]
                p_fns = [(p, f) for p, f in pre if _accepts(p, module)]
                is_root = module is model
                if f_fns or is_root:
                    fwd_table[id(module)] = (name, f_fns, is_root)
                # on a sentinel step the model's entry is recorded for a replay
                capture = is_root and mode == "sentinel"
                if p_fns or capture:
                    pre_table[id(module)] = (name, p_fns, capture)
            self._tables[mode] = (fwd_table, pre_table)
        self._fwd_table, self._pre_table = self._tables["full"]
        for module in model.modules():
            # a module freed while watched must not lend its id to a new one
            if any(id(module) in t for pair in self._tables.values() for t in pair):
                self._finalizers.append(weakref.finalize(module, self._forget, id(module)))
        fwd = register_module_forward_hook(self._on_forward, with_kwargs=True)
        self._handles.append(_KwargsHookHandle(fwd))
        self._handles.append(_QuietCompileWarning())
        # always there (also when no check has a pre-hook): it records the model's entry on
        # sentinel steps and sees a torch.compile wrapper of the model before it traces
        pre = register_module_forward_pre_hook(self._on_forward_pre)
        self._handles.append(pre)
        # what a bare pass takes out of torch's global dicts and puts back, under the same ids
        # (the handles above still remove them at close)
        self._module_hooks = tuple(
            (d, h.id, d[h.id]) for d, h in ((_torch_module._global_forward_hooks, fwd),
                                             (_torch_module._global_forward_pre_hooks, pre)))
        # A check that probes modules on sentinel steps must say which training passes it can
        # do without (``bare_pass``); one that cannot say keeps every pass hooked
        gates: dict[int, Any] = {}
        for pair in (self._tables["sentinel"],):
            for table in pair:
                for entry in table.values():
                    for plugin, _ in entry[1]:
                        gates[id(plugin)] = plugin
        if _CALL_KWARGS_CODE is None or any(
                not callable(getattr(p, "bare_pass", None)) for p in gates.values()):
            self._bare_gates = None
        else:
            self._bare_gates = [p.bare_pass for p in gates.values()]
        if getattr(model, "_compiled_call_impl", None) is not None:  # model.compile()
            self._compiled = True
        if optimizer is not None:
            # the events themselves, with no frame between torch's call and them (they take
            # and ignore the hook's arguments: optimizer, args, kwargs)
            self._handles.append(optimizer.register_step_pre_hook(self._after_backward))
            self._handles.append(optimizer.register_step_post_hook(self._end_step))

    def _forget(self, key: int) -> None:
        for pair in self._tables.values():
            for table in pair:
                table.pop(key, None)
        if key == self._root_key:
            # the model is gone and the watcher was never closed: torch's global hook dicts
            # and the loss functions must not keep a dead watcher's hooks for the process's life
            self._remove_hooks()
            losses.uninstall(self)
            self._dispatch(self._impls("dlcheck_detach"), self)  # the checks' own hooks

    def _remove_hooks(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()
        for f in self._finalizers:
            f.detach()
        self._finalizers.clear()
        for pair in getattr(self, "_tables", {}).values():
            for table in pair:
                table.clear()
        self._fwd_table.clear()
        self._pre_table.clear()
        self._passes.clear()
        for h in self._output_hooks:
            h.remove()
        self._output_hooks.clear()
        self._bare = False
        self._module_hooks = ()

    def _go_bare(self) -> None:
        """Take the watcher's global module hooks out of torch's dicts until the pass's loss
        or the step's gradients are seen (``_dress``). A global module hook, even one that
        returns at once, sends every module call of the process down torch's hooked call path
        (4-5 us a module); with none, torch calls each module's forward directly. Nothing is
        put on the model: a copy of it made meanwhile holds nothing of dlcheck."""
        for d, key, _ in self._module_hooks:
            d.pop(key, None)
        self._bare = True

    def _dress(self) -> None:
        """Put the global module hooks back after a bare pass (a no-op otherwise)."""
        self._bare = False
        for d, key, fn in self._module_hooks:
            d[key] = fn

    def _on_forward(self, module: nn.Module, args: tuple, kwargs: dict, output: Any) -> None:
        entry = self._fwd_table.get(id(module))
        if entry is None or not self._active:
            return None
        traced = compiling()
        if traced:
            # Traced by Dynamo, every container a check reads is guarded: lists that grow from
            # pass to pass would recompile the model at each gradient-accumulation pass. Only
            # the first forward pass of a step is checked in compiled code: two variants at most.
            if self._compiled_pass_seen:
                return None
        elif transforms_active():
            # under torch.func (vmap, grad, jvp) values are wrapped per transform level: a
            # probe taken there cannot be read outside it
            return None
        self._pending = True
        name, fns, is_root = entry
        if fns:  # the model itself is in the table on a sentinel step, with no check to call
            self._dispatch(fns, self, module, name, args, output)
        if is_root and not self.replaying:
            if kwargs and self._passes.entries and self._mode == "sentinel":
                last = self._passes.entries[-1]
                if last.args is args:
                    last.kwargs = dict(kwargs)
            self._root_forward(module, output)
            if traced:
                self._compiled_pass_seen = True
        return None

    def _on_forward_pre(self, module: nn.Module, args: tuple) -> None:
        entry = self._pre_table.get(id(module))
        if entry is None:
            if type(module) is _OPTIMIZED and not self._compiled:
                self._saw_compiled_wrapper(module)
            return None
        if not self._active:
            return None
        # (the cheap test first: compiling() is two Python calls, and _compiled_pass_seen is
        # only ever set while compiling)
        if (self._compiled_pass_seen or transforms_active()) and (
                self._compiled_pass_seen if compiling() else transforms_active()):
            return None
        if entry[2] and not self.replaying and not compiling():
            try:
                e = replay.Entry(args)
                passes = self._passes.entries
                if e.grad and len(passes) < replay.MAX_PASSES:
                    passes.append(e)  # (Passes.add's common case, inlined: every sentinel step)
                else:
                    self._passes.add(e)
                if e.grad:
                    self._grad_passes += 1
                    if self._grad_passes == 1 and self._bare_ok and module.training:
                        self._maybe_bare(e, args)
            except Exception as exc:  # noqa: BLE001
                self._internal_error(self, exc)
        if entry[1]:
            self._dispatch(entry[1], self, module, entry[0], args)
        return None

    def _maybe_bare(self, entry: replay.Entry, args: tuple) -> None:
        """At the model's entry into the first training pass of a sentinel step: run the pass
        bare when every check that probes modules on sentinel steps can do without it."""
        # The keyword arguments, which torch hands a global pre-hook none of, and a replay
        # needs: read from torch's frame two up (_on_forward_pre, then torch's closure in
        # nn.Module._call_impl). Not torch's known call path: kwargs unknown, no replay
        # without them, no bare pass.
        frame = sys._getframe(2)
        if frame.f_code is not _CALL_KWARGS_CODE:
            return
        kwargs = frame.f_locals.get("kwargs")
        if not isinstance(kwargs, dict):
            return
        for gate in self._bare_gates or ():
            if not gate(self, args, kwargs):
                return
        if kwargs:
            entry.kwargs = dict(kwargs)
        for d, key, _ in self._module_hooks:  # (_go_bare, inlined: every sentinel step)
            d.pop(key, None)
        self._bare = True

    def _saw_compiled_wrapper(self, module: nn.Module) -> None:
        # torch.compile(model) called in eager code, before it traces: from now on the tables
        # never change (a changed table would be a failed guard, a recompilation)
        if id(getattr(module, "_orig_mod", None)) == self._root_key:
            self._compiled = True
            self._set_mode("full")

    @property
    def hooks_may_change(self) -> bool:
        """May a check remove a global hook of its own mid-run? Yes on an eager model with
        sentinel steps; never on a compiled one (a changed global hook dict is a failed guard,
        a recompilation)."""
        return self._sentinel and not self._compiled

    def _set_mode(self, mode: str) -> None:
        self._mode = mode
        self.full_step = mode == "full"
        self._hooks = self._hook_sets[mode]
        # the loss wrapper calls on_loss_pre only when a check of this kind of step has one
        self.wants_loss_pre = bool(self._hooks["dlcheck_loss_pre"])
        self._fwd_table, self._pre_table = self._tables[mode]

    def replay_forward(self) -> bool:
        """Run the step's forward passes again with the ``sentinel`` checks' module hooks (the
        non-finite check calls this when a sentinel step's loss or gradients are not finite).
        False when there is nothing to replay. ``replay_notes`` says what may make the replay
        differ from the original."""
        model = self._model_ref()
        entries = self._passes.entries
        self._passes = replay.Passes()
        if model is None or not entries or self._mode != "sentinel":
            return False
        self._replays += 1
        before = self._mode
        self._set_mode("replay")
        self.replaying = True
        try:
            self.replay_notes = replay.replay(model, entries)
        finally:
            self.replaying = False
            self._set_mode(before)
        if self._replays >= _MAX_REPLAYS:
            # non-finite values every step (a NaN in the weights that nothing reports twice):
            # full checks from now on cost less than a forward pass replayed at every step
            self._sentinel = False
        return True

    def _dispatch(self, impls: list[tuple[Any, Callable]], *args: Any) -> None:
        """Call every implementation of one hook. A runtime check never breaks training: only
        our own "raise" mode escapes, and after a failing check the loop resumes with the next.
        One try around the loop, not a frame per check: this runs for every module."""
        i, n = 0, len(impls)
        while i < n:
            try:
                while i < n:
                    i += 1
                    impls[i - 1][1](*args)
            except DCProblemError:
                raise
            except Exception as exc:  # noqa: BLE001 - isolate user training from check bugs
                self._internal_error(impls[i - 1][0], exc)

    def _internal_error(self, plugin: Any, exc: BaseException) -> None:
        check = getattr(plugin, "name", type(plugin).__name__)
        key = ("DC000", check, type(exc).__name__)
        if key in self._seen:
            return
        self._seen.add(key)
        p = Problem("DC000", "", self.current_step, f"check {check!r} failed: {type(exc).__name__}: {exc}",
                    "please report this to dlcheck; your training was not affected",
                    {"check": check}, self.rank if self.world_size > 1 else None)
        self._problems.append(p)
        _warn(p.one_line(), 4)

    def _root_forward(self, module: nn.Module, output: Any) -> None:
        if not torch.is_grad_enabled():
            return
        if not compiling() and self.full_step:
            # (a sentinel step counts its passes at the model's entry; compiled code must not
            # read or write a counter: Dynamo would guard on its value)
            self._grad_passes += 1
        if not module.training and self.model_has_mode_layers:
            self.grad_enabled_forward_in_eval = True
        if self._opt_ref is not None or self._told_steps:
            return  # the optimizer's step pre-hook (or the caller) marks the end of backward
        if compiling():
            # a hook on a traced output would be traced into the backward, where the engine's
            # callback cannot go: w.step() takes the gradients instead
            self._backward_at_step = True
            return
        # No optimizer: learn that backward finished from a hook on the model's output.
        for t in tensors(output):
            if t.requires_grad:
                self._output_hooks.append(t.register_hook(self._on_output_grad))
                break

    def _on_output_grad(self, grad: torch.Tensor) -> None:
        if not self._bw_queued:
            self._bw_queued = True
            # Queued callbacks run after the backward pass; ours re-queues itself once so that
            # it runs after DDP's reducer callback, i.e. on all-reduced gradients.
            engine = torch.autograd.Variable._execution_engine
            engine.queue_callback(lambda: engine.queue_callback(self._after_backward_cb))
        return None

    def _after_backward_cb(self) -> None:
        self._bw_queued = False
        self._after_backward()

    # ---------------------------------------------------------------- events
    def _named_grad_params(self) -> list[tuple[str, nn.Parameter]]:
        if self._grad_params is None:
            model = self._model_ref()
            self._grad_params = list(model.named_parameters()) if model is not None else []
        return self._grad_params

    def _after_backward(self, *_: Any) -> None:
        if self._bare:  # (_dress, inlined: every sentinel step)
            self._bare = False
            for d, key, fn in self._module_hooks:
                d[key] = fn
        if not self._active or self._closed:
            return
        self._pending = True
        impls = self._hooks["dlcheck_after_backward"]
        if impls:  # (none on a sentinel step of a watcher whose checks are all sampled)
            try:
                named = self._grad_params
                info = GradInfo(named if named is not None else self._named_grad_params(),
                                self._grad_layout)
                self._grad_layout = info.layout  # the layout only: gradients cost memory
            except Exception as exc:  # noqa: BLE001
                self._internal_error(self, exc)
                return
            self._dispatch(impls, self, info)
        if self._mode == "sentinel":  # (_sentinel_read, inlined: every sentinel step)
            self.in_step_end = True
            try:
                self._flush(all_reduce=True)
            finally:
                self.in_step_end = False

    def _sentinel_read(self) -> None:
        """On a sentinel step the step's values are read as soon as the gradients are final:
        before the optimizer's update, so that a replay runs on the parameters the failing
        forward used. (The callers test that the step is a sentinel step.)"""
        self.in_step_end = True
        try:
            self._flush(all_reduce=True)
        finally:
            self.in_step_end = False

    def on_loss(self, fn_name: str, input: Any, target: Any, loss: Any) -> None:
        if self._bare:  # the bare pass is over: a later pass (or an evaluation) is seen again
            self._bare = False  # (_dress, inlined: every sentinel step)
            for d, key, fn in self._module_hooks:
                d[key] = fn
        if not self._active or self._closed or (transforms_active() and not compiling()):
            return
        self._pending = True
        impls = self._hooks["dlcheck_loss"]
        if impls:
            try:
                self._dispatch(impls, self, fn_name, input, target, loss)
            finally:
                self._detached = None  # no reference to the loss is kept past its call

    def detached(self, t: torch.Tensor) -> torch.Tensor:
        """``t.detach()`` (``t`` itself when it has no graph), made once for all the checks of
        one loss call: a detach is an op, a few microseconds inside a training step."""
        if not t.requires_grad:
            return t
        memo = self._detached
        if memo is None or memo[0] is not t:
            memo = self._detached = (t, t.detach())
        return memo[1]

    def on_loss_pre(self, fn_name: str, input: Any, target: Any, kwargs: dict) -> None:
        if not self._active or self._closed or (transforms_active() and not compiling()):
            return
        self._pending = True
        self._dispatch(self._hooks["dlcheck_loss_pre"], self, fn_name, input, target, kwargs)

    def _flush(self, all_reduce: bool) -> None:
        if not (self._hooks["dlcheck_gather"] or self._hooks["dlcheck_step"]):
            self._pending = False
            self.grad_enabled_forward_in_eval = False
            return
        gather = Gather()
        self._dispatch(self._hooks["dlcheck_gather"], self, gather)
        try:
            read = gather.read(all_reduce and self.world_size > 1)
        except Exception as exc:  # noqa: BLE001
            self._internal_error(self, exc)
            read = Read({})
        self._dispatch(self._hooks["dlcheck_step"], self, self.current_step, read)
        self._pending = False
        self.grad_enabled_forward_in_eval = False

    def _end_step(self, *_: Any) -> None:
        if self._bare:
            self._dress()
        if self._closed:
            return
        # a sentinel step was read when its gradients were final: read again only what came
        # after (a loss of an evaluation pass)
        if self._active and (self._mode != "sentinel" or self._pending):
            self.in_step_end = True
            try:
                self._flush(all_reduce=True)
            finally:
                self.in_step_end = False
        passes = self._passes
        if passes.entries or passes.dropped:  # (Passes.clear, inlined: every sentinel step)
            passes.entries = []
            passes.dropped = 0
        # a bare pass needs a step with one training pass (found on fully checked steps, where
        # every pass is seen), a step end that does not wait on the model's output (an
        # optimizer, or tell_steps) and every module-probing check's consent (_bare_gates)
        if self.full_step and self._active:  # (every=n: a step between checked ones sees nothing)
            self._bare_ok = self._grad_passes == 1 and self._bare_gates is not None and (
                self._opt_ref is not None or self._told_steps)
        elif self._grad_passes > 1:
            self._bare_ok = False
        self._grad_passes = 0
        self.current_step += 1
        self._active = self.current_step % self.every == 0
        self._compiled_pass_seen = False
        if not self._compiled:
            model = self._model_ref()
            if model is not None and getattr(model, "_compiled_call_impl", None) is not None:
                self._compiled = True  # model.compile() while watched
        checked = self.current_step // self.every  # _fully_checked, inlined: every step
        mode = "full" if (not self._sentinel or self._compiled or checked < FULL_FIRST
                          or checked % FULL_EVERY == 0) else "sentinel"
        if mode != self._mode:
            self._set_mode(mode)
        if self._output_hooks:  # forget the hooks of outputs that are gone
            self._output_hooks = [h for h in self._output_hooks if h.hooks_dict_ref() is not None]

    # ---------------------------------------------------------------- public
    def step(self, loss: torch.Tensor | None = None) -> None:
        """Mark the end of a training step (when no optimizer was given to the watcher).

        Passing the step's ``loss`` lets the non-finite check see a loss computed by hand. When the
        watcher was given an optimizer, its step hook already ends each step: then this only
        records ``loss``, so calling both never counts a step twice."""
        if loss is not None and self._active and not self._closed:
            self.on_loss("loss", None, None, loss)
        if self._opt_ref is None:
            if self._backward_at_step:
                self._backward_at_step = False
                self._after_backward()
            self._end_step()

    def tell_steps(self) -> "Watcher":
        """Let the caller mark when gradients are final (:meth:`backward_done`) and when a step
        ends (:meth:`step`), instead of hooks on the model's output: for a training framework
        whose callbacks know both moments (``dlcheck.integrations``), where a forward of the
        model is not a training step and the optimizer's step hook may run before backward
        (an optimizer given a closure). Call it before the first forward; returns the watcher."""
        if self._opt_ref is not None:
            raise ValueError("dlcheck: tell_steps() is for a watcher given no optimizer (the "
                             "optimizer's step hooks already mark the steps)")
        self._told_steps = True
        return self

    def backward_done(self, params: Iterable[nn.Parameter] | None = None) -> None:
        """The gradients of this step are final (accumulated, all-reduced): run the gradient
        checks now. ``params`` limits them to these parameters of the model (those of the
        optimizer about to step, when several optimizers take turns); by default all of them."""
        if params is None:
            self._after_backward()
            return
        key = tuple(id(p) for p in params)
        entry = self._subset_layouts.get(key)
        if entry is None:
            wanted = set(key)
            entry = ([(n, p) for n, p in self._named_grad_params() if id(p) in wanted], None)
        named, layout = entry
        if self._bare:
            self._dress()
        if not self._active or self._closed:
            return
        self._pending = True
        try:
            info = GradInfo(named, layout)
            # one layout per set of parameters: a layout built for another set has other names
            self._subset_layouts[key] = (named, info.layout)
        except Exception as exc:  # noqa: BLE001
            self._internal_error(self, exc)
            return
        self._dispatch(self._hooks["dlcheck_after_backward"], self, info)
        if self._mode == "sentinel":
            self._sentinel_read()

    def emit(
        self,
        code: str,
        module: str,
        message: str,
        suggestion: str = "",
        data: Mapping[str, Any] | None = None,
        key: Any = None,
        shared: bool = False,
    ) -> Problem | None:
        """Record a problem once (per code, module and key) and tell the user as it happens.

        ``shared``: the evidence is the same on every rank (synchronised gradients, statistics
        summed over ranks), so rank 0 alone reports it: once per run, not once per rank."""
        if shared and self.world_size > 1 and self.rank != 0:
            return None
        dedupe = (code, module, key)
        if dedupe in self._seen:
            return None
        self._seen.add(dedupe)
        problem = Problem(code, module, self.current_step, message, suggestion, dict(data or {}),
                          self.rank if self.world_size > 1 else None)
        self._problems.append(problem)
        if self.on_problem == "raise":
            raise DCProblemError(problem)
        if self.on_problem == "warn":
            _warn(problem.one_line(), 3)
        else:
            logger.warning(problem.one_line())
        return problem

    def report(self) -> Report:
        if not self._closed:
            if self._pending and self._active:
                self._flush(all_reduce=False)  # a lone rank must not enter a collective
            self._dispatch(self._impls("dlcheck_report"), self)
        return Report(list(self._problems), self.current_step, dict(self.shapes), self.history)

    @property
    def history(self) -> dict[str, Any] | None:
        """The per-layer series recorded with ``history=True`` (see ``dlcheck.history``), as
        plain lists and dicts; None when nothing records them."""
        from dlcheck.history import find
        recorder = find(self)
        return recorder.to_dict() if recorder is not None else None

    def save_html(self, path: Any) -> Report:
        """Write the report, with the history's charts, as one self-contained HTML file."""
        from dlcheck.report_html import write_html
        return write_html(self, path)

    @property
    def problems(self) -> list[Problem]:
        return list(self._problems)

    def assert_healthy(self) -> None:
        """Raise AssertionError carrying the report when any check fired."""
        report = self.report()
        if report.problems:
            raise AssertionError(str(report))

    def close(self) -> Report:
        """Remove every hook and drop every reference to the model; return the final report."""
        if self._closed:
            return Report(list(self._problems), self.current_step, dict(self.shapes),
                          self.history)
        try:
            report = self.report()
        finally:
            self._closed = True
            self._remove_hooks()
            losses.uninstall(self)
            self._dispatch(self._impls("dlcheck_detach"), self)
            self._grad_params = self._grad_layout = None
            self._subset_layouts.clear()
            self._model_ref = lambda: None  # type: ignore[assignment]
            self._opt_ref = None
        return report

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def model(self) -> nn.Module | None:
        return self._model_ref()

    @property
    def optimizer(self) -> Any:
        """The optimizer given to the watcher (None when none was, or after ``close()``)."""
        return self._opt_ref() if self._opt_ref is not None else None

    def __enter__(self) -> "Watcher":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._closed:
            return
        if exc[0] is not None:
            # the body raised: remove hooks without letting a check's error mask the user's
            self._closed_quietly()
        else:
            self.close()

    def _closed_quietly(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - the original exception is the one that matters
            pass


class _KwargsHookHandle:
    """torch's handle of a global forward hook registered ``with_kwargs`` leaves the hook's id
    in ``_global_forward_hooks_with_kwargs`` when removed: take it out too."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def remove(self) -> None:
        self._handle.remove()
        getattr(_torch_module, "_global_forward_hooks_with_kwargs", {}).pop(self._handle.id, None)


class _QuietCompileWarning:
    """While a global module hook is registered, torch warns at every call of a compiled module
    that global hooks also fire for the compiled wrapper. Ours look the module up and ignore the
    wrapper, so the warning is noise, and under ``-W error`` it would stop the user's training:
    it is filtered while a watcher is open, and the filter is taken out when the last closes."""

    _open = 0
    _entry: Any = None

    def __init__(self) -> None:
        cls = _QuietCompileWarning
        if cls._open == 0:
            warnings.filterwarnings(
                "ignore", message=r"Using `torch\.compile\(module\)` when there are global hooks",
                category=UserWarning)
            cls._entry = warnings.filters[0]
        cls._open += 1
        self._removed = False

    def remove(self) -> None:
        cls = _QuietCompileWarning
        if self._removed:
            return
        self._removed = True
        cls._open -= 1
        if cls._open == 0 and cls._entry is not None:
            try:
                warnings.filters.remove(cls._entry)
                warnings._filters_mutated()  # type: ignore[attr-defined]
            except (ValueError, AttributeError):  # the user reset the filters meanwhile
                pass
            cls._entry = None


_MODE_LAYERS = (nn.modules.dropout._DropoutNd, nn.modules.batchnorm._BatchNorm)

# the hooks dispatched per step, whose implementations depend on the step's kind
_STEP_HOOKS = ("dlcheck_loss", "dlcheck_loss_pre", "dlcheck_after_backward", "dlcheck_gather",
               "dlcheck_step")

# The schedule of fully checked steps on an eager model watched with sentinel=True: the first
# FULL_FIRST checked steps (a fault present from the start is found at the step it is found at
# without sentinels), then every FULL_EVERY-th. The checks marked ``sampled`` (dead units,
# gradient norms, ...) count fully checked steps as their steps.
FULL_FIRST = 20
FULL_EVERY = 20
# replays before the watcher gives up sentinel steps (a NaN that stays in the weights)
_MAX_REPLAYS = 8


def _find_call_kwargs_code() -> Any:
    """The code of the closure in ``nn.Module._call_impl`` that calls the global forward
    pre-hooks, when it holds the call's keyword arguments as ``kwargs`` (torch 2.x); None
    otherwise (then no pass runs bare)."""
    impl = getattr(nn.Module, "_call_impl", None)
    for const in getattr(getattr(impl, "__code__", None), "co_consts", ()):
        if getattr(const, "co_name", None) == "inner" and "kwargs" in getattr(
                const, "co_freevars", ()):
            return const
    return None


_CALL_KWARGS_CODE = _find_call_kwargs_code()


def _fully_checked(checked_step: int) -> bool:
    return checked_step < FULL_FIRST or checked_step % FULL_EVERY == 0


try:
    from torch._dynamo.eval_frame import OptimizedModule as _OPTIMIZED
except Exception:  # noqa: BLE001 - torch without dynamo
    class _OPTIMIZED:  # type: ignore[no-redef]
        pass


def _recorders(history: Any, tensorboard: Any) -> list[Any]:
    if not (history is None or isinstance(history, bool) or
            (isinstance(history, int) and history >= 2)):
        raise (ValueError if isinstance(history, int) else TypeError)(
            f"dlcheck.watch: history must be True, False or the most steps to keep (an int >= 2), "
            f"got {history!r} ({type(history).__name__})")
    if not history and tensorboard is None:
        return []
    from dlcheck.history import DEFAULT_MAX_POINTS, History
    recorder = History(DEFAULT_MAX_POINTS if history is True or not history else history)
    if tensorboard is None:
        return [recorder]
    from dlcheck.tensorboard import TensorBoard
    return [recorder, TensorBoard(tensorboard, recorder)]


def _unwrap(model: nn.Module) -> nn.Module:
    # DDP and DataParallel are watched through the module they wrap: names without "module."
    if isinstance(model, (nn.parallel.DistributedDataParallel, nn.DataParallel)):
        return model.module
    return model


def _is_optimizer(obj: Any) -> bool:
    if isinstance(obj, torch.optim.Optimizer):
        return True
    # an optimizer wrapper that is not a subclass but offers the step hooks dlcheck uses
    return not isinstance(obj, nn.Module) and callable(getattr(obj, "register_step_pre_hook", None)) \
        and callable(getattr(obj, "register_step_post_hook", None))


def _warn(text: str, stacklevel: int) -> None:
    # under `-W error` a warning is an exception, and it would surface from inside the user's
    # forward or backward: log it instead (on_problem="raise" is the way to stop training)
    try:
        warnings.warn(text, DCWarning, stacklevel=stacklevel)
    except Warning:
        logger.warning(text)


def _positional(fn: Callable, argnames: tuple, spec_args: tuple) -> Callable:
    """pluggy lets an implementation take a subset of the spec's arguments, by name; the watcher
    calls positionally in spec order (cheaper on the hot path), so adapt the others once."""
    if argnames == spec_args[:len(argnames)] and len(argnames) == len(spec_args):
        return fn
    index = [spec_args.index(a) for a in argnames]
    return lambda *args: fn(*[args[i] for i in index])


def _accepts(plugin: Any, module: nn.Module) -> bool:
    flt = getattr(plugin, "module_filter", None)
    return True if flt is None else bool(flt(module))


DEFAULT_CHECKS = ("nonfinite", "shapes", "dead_units", "grad_flow", "grad_norm", "mode", "graph",
                  "optimizer_coverage", "optimizer_step", "loss", "grad_scaler", "labels",
                  "input_scale", "replicas")
# built-in checks a user asks for by name (docs/dlcheck.md says why they are not default)
OPTIONAL_CHECKS = ("repeated_batch", "eval_leak")


def _normalise_checks(checks: Any) -> dict[str, Any]:
    """checks: "default" / None, a name, an iterable of names, or a mapping name -> options (a
    mapping of option names to values, or True / None for the defaults, False to leave out)."""
    where = "dlcheck.watch"
    accepted = ('"default", a check name, a list of check names, or a mapping of check names '
                'to options')
    if checks is None or (isinstance(checks, str) and checks in ("default", "all")):
        return {name: {} for name in DEFAULT_CHECKS}
    if isinstance(checks, str):
        checks = [checks]
    if isinstance(checks, Mapping):
        out = {}
        for name, opts in checks.items():
            if not isinstance(name, str):
                raise TypeError(f"{where}: checks must be {accepted}; got the key {name!r} "
                                f"({type(name).__name__})")
            if opts is False:
                continue
            if opts is True or opts is None:
                out[name] = {}
            elif isinstance(opts, Mapping) and all(isinstance(k, str) for k in opts):
                out[name] = dict(opts)
            else:
                raise TypeError(f"{where}: checks[{name!r}] must be True, False, None or a "
                                f"mapping of option names to values, got {opts!r}")
        return out
    if isinstance(checks, (bytes, bytearray)) or not isinstance(checks, Iterable):
        raise TypeError(f"{where}: checks must be {accepted}, got {checks!r} "
                        f"({type(checks).__name__})")
    names = list(checks)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"{where}: checks must be {accepted}; got the item {name!r} "
                            f"({type(name).__name__})")
    return {name: {} for name in names}


def _refuse_unknown_checks(config: dict[str, Any], made: list[Any]) -> None:
    """A name no check pack built a check for is a typo, not a request to run nothing."""
    built = {getattr(c, "name", None) for c in made}
    unknown = [name for name in config if name not in built]
    if unknown:
        known = sorted(set(DEFAULT_CHECKS) | set(OPTIONAL_CHECKS)
                       | {n for n in built if isinstance(n, str)})
        raise ValueError(f"dlcheck.watch: unknown check {unknown[0]!r} in checks; known checks: "
                         f"{', '.join(known)}")


def watch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    checks: Any = "default",
    every: int = 1,
    on_problem: str = "warn",
    plugins: Sequence[Any] = (),
    history: bool | int = False,
    tensorboard: Any = None,
    sentinel: bool = True,
) -> Watcher:
    """Watch ``model`` (use as a context manager): hooks are removed when the block exits.

    Steps are counted by the optimizer's step hook when ``optimizer`` is given, else by
    ``w.step()``. ``checks`` selects checks by name
    (``"nonfinite"``, ``"shapes"``, ``"dead_units"``, ``"grad_flow"``, ``"grad_norm"``,
    ``"mode"``, ``"graph"``) or maps names to options, e.g. ``{"dead_units": {"threshold": .5}}``.
    ``history=True`` (or the most steps to keep) records per-layer series for the HTML report
    (``w.history``, ``w.save_html(path)``); ``tensorboard=SummaryWriter(...)`` writes them, and
    each problem, to TensorBoard (it implies ``history``).
    """
    return Watcher(model, optimizer, checks=checks, every=every, on_problem=on_problem,
                   plugins=plugins, history=history, tensorboard=tensorboard,
                   sentinel=sentinel)


def wrap(
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    checks: Any = "default",
    every: int = 1,
    on_problem: str = "warn",
    plugins: Sequence[Any] = (),
    history: bool | int = False,
    tensorboard: Any = None,
    sentinel: bool = True,
) -> Watcher:
    """Like :func:`watch` without a ``with`` block: call ``.close()`` when done."""
    return Watcher(model, optimizer, checks=checks, every=every, on_problem=on_problem,
                   plugins=plugins, history=history, tensorboard=tensorboard,
                   sentinel=sentinel)
