"""DC201 shape contracts, DC202 loss input and target of different shapes; records the shapes
every module saw in the first checked step (``report.shapes``).

Python-only: shapes are host metadata, no tensor work and no sync.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.nn.modules.module import register_module_forward_hook

from dlcheck.arguments import flag
from dlcheck.checks._util import compiling, option, shape_str, tensors, transforms_active
from dlcheck.hookspecs import hookimpl
from dlcheck.losses import SAME_SHAPE
from dlcheck.shapes import contract_of


class Shapes:
    name = "shapes"
    sampled = True  # runs on fully checked steps only (see dlcheck/replay.py)

    def __init__(self, record: bool = True) -> None:
        self.record = flag("dlcheck.watch", option(self.name, "record"), record)
        self._record_handles: list[Any] = []
        self._recording = False
        self._names: dict[int, str] = {}
        self._watch: Any = None
        self._bindings: dict[str, int] = {}
        self._binder: dict[str, str] = {}

    def module_filter(self, module: Any) -> bool:
        return contract_of(module) is not None

    @hookimpl
    def dlcheck_attach(self, watch: Any, model: Any) -> None:
        if not self.record:
            return
        # one global hook, not one in each module's dicts (a copy of the model would carry
        # those); it records the first step and then returns at once
        self._names = {id(m): n for n, m in model.named_modules()}
        self._watch = watch
        self._recording = True
        self._record_handles.append(register_module_forward_hook(self._record))

    def _record(self, module: Any, args: tuple, output: Any) -> None:
        # compiled code is not recorded: a flag read there would be a guard, and its change
        # after the first step a recompile
        if compiling() or not self._recording or transforms_active():
            return None
        name = self._names.get(id(module))
        if name is None:
            return None
        key = name or "<model>"
        shapes = self._watch.shapes
        if key not in shapes:
            shapes[key] = {
                "type": type(module).__name__,
                "inputs": [list(t.shape) for t in tensors(args)],
                "output": [list(t.shape) for t in tensors(output)],
            }
        return None

    def _stop_recording(self) -> None:
        self._recording = False
        # On a compiled model the hook stays until the watch ends (Dynamo guards torch's global
        # hook dicts: removing it would recompile). An eager model's watcher changes its own
        # tables anyway: there the hook goes, and module calls take a hook fewer.
        if self._watch is not None and getattr(self._watch, "hooks_may_change", False):
            for h in self._record_handles:
                h.remove()
            self._record_handles.clear()

    @hookimpl
    def dlcheck_forward(self, watch: Any, module: Any, name: str, inputs: tuple, output: Any) -> None:
        contract = contract_of(module)
        if contract is None:
            return
        who = name or "<model>"
        ins = [t for t in tensors(inputs)]
        outs = [t for t in tensors(output)]
        for kind, specs, ts in (("input", contract.inputs, ins), ("output", contract.outputs, outs)):
            for i, spec in enumerate(specs):
                if spec is None:
                    continue
                if i >= len(ts):
                    watch.emit("DC201", name, f"{who!r} declared {kind} {i} as {spec.text!r} but "
                               f"got only {len(ts)} tensor {kind}(s)", "", {"spec": spec.text},
                               key=(kind, i))
                    continue
                label = f"{kind}" if len(specs) == 1 else f"{kind} {i}"
                why = spec.match(ts[i].shape, self._bindings, self._binder, f"{who!r} {label}")
                if why is not None:
                    watch.emit(
                        "DC201", name,
                        f"{label} of {who!r} has shape {shape_str(ts[i].shape)}, expected "
                        f"{spec.text!r}: {why}",
                        "check the reshape/transpose/permute or the layer sizes feeding this "
                        "module; a swapped batch and time dimension is the usual cause",
                        {"shape": list(ts[i].shape), "spec": spec.text, "kind": kind, "index": i,
                         "bindings": dict(self._bindings)},
                        key=(kind, i),
                    )

    @hookimpl
    def dlcheck_loss(self, watch: Any, fn_name: str, input: Any, target: Any, loss: Any) -> None:
        if fn_name not in SAME_SHAPE:
            return
        if not (isinstance(input, torch.Tensor) and isinstance(target, torch.Tensor)):
            return
        if input.shape == target.shape:
            return
        try:
            combined = shape_str(torch.broadcast_shapes(input.shape, target.shape))
            effect = (f"they broadcast to {combined}, so the loss compares every pair, not each "
                      f"prediction with its target")
        except RuntimeError:
            combined, effect = None, "they do not even broadcast"
        watch.emit(
            "DC202", f"loss:{fn_name}",
            f"{fn_name} got input {shape_str(input.shape)} and target {shape_str(target.shape)}: "
            f"{effect}",
            "make the shapes equal: output.squeeze(-1) or target.unsqueeze(-1) / "
            "target.view_as(output); see dllint rule DL201",
            {"input_shape": list(input.shape), "target_shape": list(target.shape),
             "broadcast_shape": combined},
            key=(tuple(input.shape), tuple(target.shape)),
        )

    @hookimpl
    def dlcheck_step(self, watch: Any, step: int, read: Any) -> None:
        self._bindings.clear()
        self._binder.clear()
        if getattr(watch, "in_step_end", False):
            self._stop_recording()

    @hookimpl
    def dlcheck_detach(self, watch: Any) -> None:
        self._recording = False
        for h in self._record_handles:
            h.remove()
        self._record_handles.clear()
        self._names = {}
        self._watch = None
