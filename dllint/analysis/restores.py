"""A mode "restored" with the mode it was switched to: the repeated switch fact (issue 14).

A function that switches a model to eval mode, runs it, and at its end switches it to eval mode
*again* (``if eval_: net.eval()`` ... ``if eval_: net.eval()``, havakv/torchtuples' fix PR #9) meant
to put training mode back: as written, the second switch does nothing and the function returns the
model in eval mode to a caller that may go on training. The shape is narrow on purpose:

- both switches are ``.eval()`` / ``.train(False)`` of the same model key, in one function that has
  no other mode switch of that key (a ``.train()`` anywhere there: the author handles modes);
- the model is run (a direct call of it) between them, and never after the second (a second
  evaluation after a re-switch is not a restore);
- the first switch reaches the second (the mode analysis' state there holds its token), and the two
  sit in the same loops (a final ``model.eval()`` after an epoch loop that evaluates is a deliberate
  hand-over in eval mode).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.models import model_key
from dllint.analysis.modes import is_eval_token, mode_call

if TYPE_CHECKING:
    from dllint.analysis.modes import Modes


def repeated_eval_switches(modes: "Modes") -> list[tuple[cst.Call, cst.Call, str]]:
    """(first switch, repeated switch, model key) for each function of the file that ends an
    evaluation by switching the model to eval mode a second time; in source order."""
    if not modes.active:
        return []
    index = modes.index
    order = index.order
    switches: dict[tuple[cst.CSTNode, str], list[tuple[cst.Call, object]]] = {}
    for call in modes.calls:
        switched = mode_call(call)
        if switched is None:
            continue
        function = index.function_of(call)
        if function is None:
            continue
        switches.setdefault((function, switched[0]), []).append((call, switched[1]))
    if not any(len(found) > 1 for found in switches.values()):
        return []  # most files: no function switches one model twice
    runs: dict[tuple[cst.CSTNode, str], list[cst.Call]] = {}
    for call, model in modes.model_calls():
        key = model_key(model)
        function = index.function_of(call)
        if key is not None and function is not None:
            runs.setdefault((function, key), []).append(call)
    found: list[tuple[cst.Call, cst.Call, str]] = []
    for (function, key), calls in switches.items():
        if len(calls) < 2 or not all(is_eval_token(token) for _, token in calls):
            continue
        calls = sorted(calls, key=lambda item: order[item[0]])
        first, second = calls[-2][0], calls[-1][0]
        model_runs = [order[run] for run in runs.get((function, key), ())]
        if not any(order[first] < at < order[second] for at in model_runs):
            continue
        if any(at > order[second] for at in model_runs):
            continue
        if list(modes.regions.loops_of(first)) != list(modes.regions.loops_of(second)):
            continue
        if first not in modes.state_at(second, key):
            continue
        found.append((first, second, key))
    return sorted(found, key=lambda item: order[item[1]])
