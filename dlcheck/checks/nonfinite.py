"""DC203: the first module whose inputs were finite and whose output was not; non-finite
gradients and losses.

Always-on cost: one reduction per module output (its sum is non-finite iff an element is, or the
sum overflowed), kept on the device; one host read per step. A tensor object already probed as a
module's output is not probed again as the next module's input, or as a container's (or an
in-place activation's) output: in a Sequential each activation is probed once. Identity, not
the data pointer, decides: freed memory is reused within a step under no_grad. A module that cannot
turn a finite input into a non-finite output (ReLU, max-pooling) is not probed at all: its record
reuses its input's probe, so a non-finite input counts as a non-finite output there (a ReLU
turns -Inf into 0, but a -Inf reaching a ReLU is worth reporting anyway). A module that only
reshapes (Flatten, Unflatten, Identity) is not even hooked: its output, a view of its input, is
the next module's input, recognised there as a whole view of a probed tensor.

A non-finite module input is blamed only when that module's output is non-finite too: a float
attention mask holds -Inf on purpose, and the module that takes it returns finite values.
"""

from __future__ import annotations

import math
import weakref
from typing import Any, Mapping

import torch
from torch import nn

from dlcheck.arguments import flag
from dlcheck.distributed import local
from dlcheck.checks._util import compiling, finite_probe, is_float, option, tensors
from dlcheck.hookspecs import hookimpl

SUGGEST_FORWARD = (
    "look at this module's operation for log/sqrt/div of values at or below zero, exp overflow, or "
    "parameters that already became NaN; lower the learning rate, clip gradients, use a numerically "
    "stable form (log_softmax, BCEWithLogits), or run in float32 instead of float16"
)
SUGGEST_GRAD = (
    "clip gradients (torch.nn.utils.clip_grad_norm_), lower the learning rate or add warm-up; "
    "look for sqrt/log/pow near zero in the forward, whose derivative is infinite there"
)
SUGGEST_LOSS = (
    "the model output was finite, so the loss function got invalid values: log of 0 (use "
    "log_softmax / BCEWithLogitsLoss), targets outside the valid range, or a division by a zero count"
)
SUGGEST_INPUT = "the data fed to the model already holds NaN/Inf: check the data pipeline and normalisation"


# Modules whose output is finite when their input is, and which nobody feeds -Inf on purpose:
# their output is not probed, and its record reuses the input's probe. Exact types, not
# isinstance: a subclass may override forward. Left out on purpose: Softmax, Sigmoid, Tanh and
# the like (a -Inf mask before them is an idiom, and they return finite values: only their own
# probe can tell), Dropout (scales by 1/(1-p), which overflows float16 near its maximum),
# ELU/SELU (scale > 1), LeakyReLU (its slope may exceed 1), average pooling (sums).
_KEEPS_FINITE = frozenset({
    nn.ReLU, nn.ReLU6, nn.Hardtanh, nn.GELU, nn.SiLU, nn.Mish, nn.MaxPool1d, nn.MaxPool2d,
    nn.MaxPool3d, nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d,
})


# Modules that only reshape: their output is a view of their input, probed (or not) as the
# next module's input. Not hooked at all.
_VIEWS = frozenset({nn.Flatten, nn.Unflatten, nn.Identity})


class NonFinite:
    name = "nonfinite"
    # on a sentinel step only the loss and gradient parts run; a non-finite one there makes the
    # watcher replay the step's forward with this check's module hooks (dlcheck/replay.py)
    sentinel = True

    def __init__(self, grads: bool = True, inputs: bool = True) -> None:
        self.check_grads = flag("dlcheck.watch", option(self.name, "grads"), grads)
        self.check_inputs = flag("dlcheck.watch", option(self.name, "inputs"), inputs)
        # once NaN is in the weights every later step is non-finite everywhere: only the first
        # occurrence of each kind (forward, loss, gradient) says where it came from
        self._told: set[str] = set()
        self._note = ""  # said with a finding made from a replay that may differ
        self._reset()

    @hookimpl
    def dlcheck_attach(self, watch: Any, model: Any) -> None:
        self._root_id = id(model)

    def module_filter(self, module: Any) -> bool:
        # a nested Sequential only passes its last child's output on, and a reshaping module
        # returns a view of its input (the next module's input check sees the viewed tensor):
        # nothing new to probe, and a hooked module pays torch's slow call path
        if id(module) == getattr(self, "_root_id", None):
            return True
        return type(module) is not nn.Sequential and type(module) not in _VIEWS

    def _reset(self) -> None:
        self._probes: list[torch.Tensor] = []
        # (kind, module name, extra): kind in "in", "out", "loss"
        self._where: list[tuple[str, str, Any]] = []
        # id(tensor) -> (weak reference to it, its probe): a tensor is probed once per step
        self._probed: dict[int, tuple[weakref.ref, torch.Tensor]] = {}
        self._pass_ends: set[int] = set()  # probe counts at which a forward of the model ended
        self._grad_norms: list[torch.Tensor] = []
        self._grad_names: list[str] = []
        self._grads: Any = None  # a sentinel step's gradients, until its read

    def _seen(self, t: torch.Tensor) -> bool:
        return self._probe_of(t) is not None

    def _probe_of(self, t: torch.Tensor) -> torch.Tensor | None:
        entry = self._probed.get(id(t))
        return entry[1] if entry is not None and entry[0]() is t else None

    @hookimpl
    def dlcheck_forward(self, watch: Any, module: Any, name: str, inputs: tuple, output: Any) -> None:
        # runs for every module on every checked step: written for the common case of plain
        # tensors, with the nested containers handed to the generic walk, and with the
        # "already probed?" test inlined (a call per test costs more than the test)
        track = self.check_inputs and not compiling()
        probed = self._probed
        if track:
            for t in inputs:
                if not isinstance(t, torch.Tensor):
                    if isinstance(t, (tuple, list, Mapping)):
                        for u in tensors(t):
                            if is_float(u) and not self._seen(u):
                                self._probe_input(u, name, module)
                    continue
                entry = probed.get(id(t))
                if (entry is None or entry[0]() is not t) and (t.is_floating_point() or t.is_complex()) \
                        and not (t._base is not None and self._seen_whole_base(t)):
                    self._probe_input(t, name, module)
        if isinstance(output, torch.Tensor):
            if track:
                done = False
                if type(module) in _KEEPS_FINITE and len(inputs) == 1:
                    entry = probed.get(id(inputs[0]))
                    if entry is not None and entry[0]() is inputs[0]:
                        # finite exactly when its input is: its record reuses the input's
                        # probe (also when the module works in place: output is input)
                        self._probes.append(entry[1])
                        self._where.append(("out", name, type(module).__name__))
                        probed[id(output)] = (weakref.ref(output), entry[1])
                        done = True
                if not done:
                    # nothing new: probed already (a container passing a child's output on),
                    # or a view of a probed tensor (Flatten, reshape) holding the same values
                    entry = probed.get(id(output))
                    done = (entry is not None and entry[0]() is output) or (
                        output._base is not None and self._seen_whole_base(output))
                if done:
                    if name == "":
                        self._pass_ends.add(len(self._probes))
                    return
            if output.is_floating_point() or output.is_complex():
                probe = finite_probe(output)
                self._probes.append(probe)
                self._where.append(("out", name, type(module).__name__))
                if track:
                    probed[id(output)] = (weakref.ref(output), probe)
        else:
            probe = None
            for t in tensors(output):
                if is_float(t) and not (track and self._seen(t)):
                    p = finite_probe(t)
                    probe = p if probe is None else probe + p
                    if track:
                        probed[id(t)] = (weakref.ref(t), p)
            if probe is not None:
                self._probes.append(probe)
                self._where.append(("out", name, type(module).__name__))
        if name == "":
            self._pass_ends.add(len(self._probes))

    def _probe_input(self, t: torch.Tensor, name: str, module: Any) -> None:
        probe = finite_probe(t)
        self._probes.append(probe)
        self._where.append(("in", name, type(module).__name__))
        # a tensor fed to several modules (a residual branch and its skip) is probed once
        self._probed[id(t)] = (weakref.ref(t), probe)

    def _seen_whole_base(self, t: torch.Tensor) -> bool:
        base = t._base
        return base is not None and base.numel() == t.numel() and self._seen(base)

    @hookimpl
    def dlcheck_loss(self, watch: Any, fn_name: str, input: Any, target: Any, loss: Any) -> None:
        if not isinstance(loss, torch.Tensor):
            return
        if loss.dtype is torch.float32 and not loss.ndim:
            # the common case, the probe being the loss itself: detached once for every check of
            # this loss call (the loss check reads the same tensor)
            self._probes.append(watch.detached(loss))
        elif is_float(loss):
            self._probes.append(finite_probe(watch.detached(loss)))
        else:
            return
        self._where.append(("loss", fn_name, None))

    @hookimpl
    def dlcheck_after_backward(self, watch: Any, grads: Any) -> None:
        if self.check_grads:
            # a sentinel step only asks whether the gradients are finite: a few sums (probes)
            sentinel = not watch.full_step
            self._grad_norms = grads.probes if sentinel else grads.norms
            self._grad_names = grads.names
            self._grads = grads if sentinel else None

    @hookimpl
    def dlcheck_gather(self, watch: Any, gather: Any) -> None:
        if self._probes:
            gather.add(self, self._probes)  # 0-d probes: stacked with every other scalar
        if self._grad_norms:
            gather.add(self, self._grad_norms)

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        values = read.get(self)
        where, grad_names, pass_ends = self._where, self._grad_names, self._pass_ends
        has_probes, grads = bool(self._probes), self._grads
        # (_reset, inlined: every step; a sentinel step leaves the dict and the set of the
        # module probes empty, and an empty one is kept rather than made anew)
        self._probes, self._where = [], []
        if self._probed:
            self._probed = {}
        if pass_ends:
            self._pass_ends = set()
        self._grad_norms, self._grad_names, self._grads = [], [], None
        if not values:
            return
        probes = values.pop(0) if has_probes else []
        if all(map(math.isfinite, probes)) and (not values or all(map(math.isfinite, values[0]))):
            self._note = ""
            return  # every step but a failing one: nothing below would find anything
        if grads is not None and values and not all(map(math.isfinite, values[0])):
            # a sentinel step's probe (a sum over one or several gradients) is not finite: a
            # NaN/Inf in a gradient, or only a sum that overflowed. One value per gradient from
            # here on, as the norms of a fully checked step
            bad = set(grads.nonfinite(values[0]))
            values[0] = [math.nan if i in bad else 0.0 for i in range(len(grad_names))]
        if not watch.full_step and not (
                all(map(math.isfinite, probes)) and (not values or all(map(math.isfinite, values[0])))):
            # a sentinel step: no module was probed. The loss or a gradient is not finite:
            # replay the step's forward with every module probed (before the update)
            if "forward" in self._told:
                where, probes = [], []  # the loss of weights already reported non-finite
            else:
                replayed = self._replay(watch)
                if replayed is not None:
                    r_where, r_probes, pass_ends = replayed
                    where, probes = r_where + where, r_probes + probes
                else:
                    self._note = " (no module was probed at this step: its forward could not be replayed)"
        if probes:
            if not all(map(math.isfinite, probes)) and not {"forward", "loss"} <= self._told:
                self._localise(watch, where, probes, pass_ends)
        self._note = ""
        if values:
            l2 = values[0]
            if all(map(math.isfinite, l2)):
                return
            bad = [n for n, v in zip(grad_names, l2) if not math.isfinite(v)]
            if "grad" not in self._told:
                self._told.add("grad")
                # backward runs from the output towards the input: the last parameter is
                # closest to where the non-finite gradient entered
                first = bad[-1]
                watch.emit(
                    "DC203", first,
                    f"gradient of {len(bad)} parameter(s) is NaN/Inf after backward; nearest the "
                    f"output: {first!r}",
                    SUGGEST_GRAD, {"parameters": bad[:20], "count": len(bad)}, key="grad",
                    shared=watch.grads_synced,
                )

    def _replay(self, watch: Any) -> tuple[list, list[float], set[int]] | None:
        replay_forward = getattr(watch, "replay_forward", None)
        if replay_forward is None or not replay_forward():
            return None
        where, probes, pass_ends = self._where, self._probes, self._pass_ends
        self._reset()
        if watch.replay_notes:
            self._note = f" (found in a replay of the step's forward; {watch.replay_notes[0]}, " \
                         f"so the replay may differ from it)"
        if not probes:
            return where, [], pass_ends
        dev = probes[0].device
        values = torch.stack([p.to(dev, torch.float32) for p in probes]).tolist()
        return where, values, pass_ends

    def _localise(self, watch: Any, where: list, probes: list[float], pass_ends: set[int]) -> None:
        # Records come in the order the modules finished, a module's inputs just before its
        # output. A non-finite input is blamed only when the module's output is non-finite too:
        # a float attention mask holds -Inf on purpose, and the module that receives it returns
        # finite values.
        bad_inputs: dict[str, float] = {}
        pass_started = False  # has any module finished in the current forward pass?
        for i, ((kind, name, extra), v) in enumerate(zip(where, probes)):
            if i in pass_ends:
                pass_started = False  # the model's forward ended: a new pass starts here
            finite = math.isfinite(v)
            if kind == "in":
                if not finite:
                    bad_inputs.setdefault(name, v)
                continue
            if kind == "out" and finite:
                pass_started = pass_started or name != ""
                continue
            if kind == "loss":
                if finite:
                    continue
                if "loss" in self._told:
                    return
                self._told.add("loss")
                watch.emit("DC203", f"loss:{name}",
                           f"the loss ({name}) is {_describe(v)} while every module output was "
                           f"finite{self._note}",
                           SUGGEST_LOSS, {"value": v, "loss": name}, key="loss")
                return
            if "forward" in self._told:
                return
            self._told.add("forward")
            if name in bad_inputs:
                v = bad_inputs[name]  # describe what came in, not what the module made of it
                if not pass_started:
                    watch.emit("DC203", "",
                               f"the input to the model was already {_describe(v)} (first seen at "
                               f"{name or '<model>'!r})", SUGGEST_INPUT,
                               {"module_type": extra, "value": v, "first_module": name},
                               key="forward")
                else:
                    parent = name.rpartition(".")[0] or "<model>"
                    watch.emit("DC203", name,
                               f"input to {name!r} was already {_describe(v)}: it was produced by "
                               f"code in the forward of {parent!r} that is not a module "
                               f"(a functional call or tensor operation)", SUGGEST_FORWARD,
                               {"module_type": extra, "value": v, "parent": parent},
                               key="forward")
                return
            params = _bad_params(watch, name)
            msg = (f"first non-finite value in forward: output of {name or '<model>'!r} ({extra}) "
                   f"is {_describe(v)} although its inputs were finite")
            if params:
                msg += f"; its parameters {params} are already non-finite"
            watch.emit("DC203", name, msg, SUGGEST_FORWARD,
                       {"module_type": extra, "value": v, "bad_parameters": params}, key="forward")
            return


def _describe(v: float) -> str:
    return "NaN" if math.isnan(v) else "Inf" if v > 0 else "-Inf"


def _bad_params(watch: Any, name: str) -> list[str]:
    # runs only once a NaN was found, so a host read per parameter is fine here
    model = watch.model
    if model is None:
        return []
    try:
        module = model.get_submodule(name) if name else model
    except AttributeError:
        return []
    return [
        f"{name}.{pn}" if name else pn
        for pn, p in module.named_parameters(recurse=False)
        # a shard of fully_shard's: its own values (the whole tensor would need every rank)
        if not bool(torch.isfinite(local(p.detach())).all())
    ]
