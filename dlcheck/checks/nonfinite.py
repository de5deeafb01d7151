"""DC203: the first module whose inputs were finite and whose output was not; non-finite
gradients and losses.

Always-on cost: one reduction per module output (its sum is non-finite iff an element is, or the
sum overflowed), kept on the device; one host read per step. A tensor object already probed as a
module's output is not probed again as the next module's input, or as a container's (or an
in-place activation's) output: in a Sequential each activation is probed once. Identity, not
the data pointer, decides: freed memory is reused within a step under no_grad.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

import torch
from torch import nn

from dlcheck.checks._util import compiling, finite_probe, is_float, tensors
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


class NonFinite:
    name = "nonfinite"

    def __init__(self, grads: bool = True, inputs: bool = True) -> None:
        self.check_grads = grads
        self.check_inputs = inputs
        # once NaN is in the weights every later step is non-finite everywhere: only the first
        # occurrence of each kind (forward, loss, gradient) says where it came from
        self._told: set[str] = set()
        self._reset()

    @hookimpl
    def dlcheck_attach(self, watch: Any, model: Any) -> None:
        self._root_id = id(model)

    def module_filter(self, module: Any) -> bool:
        # a nested Sequential only passes its last child's output on: nothing new to probe, and
        # a hooked module pays torch's slow call path
        return type(module) is not nn.Sequential or id(module) == getattr(self, "_root_id", None)

    def _reset(self) -> None:
        self._probes: list[torch.Tensor] = []
        # (kind, module name, extra): kind in "in", "out", "loss"
        self._where: list[tuple[str, str, Any]] = []
        self._probed: dict[int, weakref.ref] = {}
        self._pass_ends: set[int] = set()  # probe counts at which a forward of the model ended
        self._grad_l2: torch.Tensor | None = None
        self._grad_names: list[str] = []

    def _seen(self, t: torch.Tensor) -> bool:
        ref = self._probed.get(id(t))
        return ref is not None and ref() is t

    @hookimpl
    def dlcheck_forward(self, watch: Any, module: Any, name: str, inputs: tuple, output: Any) -> None:
        track = self.check_inputs and not compiling()
        if track:
            for t in (inputs if _plain(inputs) else tensors(inputs)):
                if is_float(t) and not self._seen(t):
                    self._probes.append(finite_probe(t))
                    self._where.append(("in", name, None))
        if isinstance(output, torch.Tensor):  # the common case, without the generator
            # a view of a probed tensor (Flatten, reshape) holds the same values: skip it too
            base = output._base
            if is_float(output) and not (track and (self._seen(output) or (
                    base is not None and base.numel() == output.numel() and self._seen(base)))):
                self._probes.append(finite_probe(output))
                self._where.append(("out", name, type(module).__name__))
                if track:
                    self._probed[id(output)] = weakref.ref(output)
        else:
            probe = None
            for t in tensors(output):
                if is_float(t) and not (track and self._seen(t)):
                    p = finite_probe(t)
                    probe = p if probe is None else probe + p
                    if track:
                        self._probed[id(t)] = weakref.ref(t)
            if probe is not None:
                self._probes.append(probe)
                self._where.append(("out", name, type(module).__name__))
        if name == "":
            self._pass_ends.add(len(self._probes))

    @hookimpl
    def dlcheck_loss(self, watch: Any, fn_name: str, input: Any, target: Any, loss: Any) -> None:
        if isinstance(loss, torch.Tensor) and is_float(loss):
            self._probes.append(finite_probe(loss))
            self._where.append(("loss", fn_name, None))

    @hookimpl
    def dlcheck_after_backward(self, watch: Any, grads: Any) -> None:
        if self.check_grads and grads.l2 is not None:
            self._grad_l2 = grads.l2
            self._grad_names = grads.names

    @hookimpl
    def dlcheck_gather(self, watch: Any, gather: Any) -> None:
        if self._probes:
            try:
                stacked = torch.stack(self._probes)
            except RuntimeError:  # a model spread over several devices
                stacked = torch.stack([p.to(self._probes[0].device) for p in self._probes])
            gather.add(self, stacked)
        if self._grad_l2 is not None:
            gather.add(self, self._grad_l2)

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        values = read.get(self)
        where, grad_names, pass_ends = self._where, self._grad_names, self._pass_ends
        has_probes = bool(self._probes)
        self._reset()
        if not values:
            return
        if has_probes:
            probes = values.pop(0)
            if not all(map(math.isfinite, probes)) and not {"forward", "loss"} <= self._told:
                self._localise(watch, where, probes, pass_ends)
        if values:
            l2 = values[0]
            bad = [n for n, v in zip(grad_names, l2) if not math.isfinite(v)]
            if bad and "grad" not in self._told:
                self._told.add("grad")
                # backward runs from the output towards the input: the last parameter is
                # closest to where the non-finite gradient entered
                first = bad[-1]
                watch.emit(
                    "DC203", first,
                    f"gradient of {len(bad)} parameter(s) is NaN/Inf after backward; nearest the "
                    f"output: {first!r}",
                    SUGGEST_GRAD, {"parameters": bad[:20], "count": len(bad)}, key="grad",
                )

    def _localise(self, watch: Any, where: list, probes: list[float], pass_ends: set[int]) -> None:
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
                           f"the loss ({name}) is {_describe(v)} while every module output was finite",
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


def _plain(inputs: tuple) -> bool:
    # a tuple of tensors only (the usual module input): iterate it directly
    return all(isinstance(t, torch.Tensor) for t in inputs)


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
        if not bool(torch.isfinite(p.detach()).all())
    ]
