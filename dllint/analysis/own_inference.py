"""Inference methods of a module class that run the module itself in whatever mode they find it
(issue 14, mead-ml/mead-baseline#680: ``TaggerModelBase.predict`` runs ``self(inputs)``; a model
loaded for serving, saved in training mode, keeps dropping words and activations).

A *self pass* is a call ``self(...)`` or ``self.forward(...)`` in a method of an ``nn.Module``
class of the file (not a Lightning module: Lightning sets the mode around its hooks) when:

- the method is named as an inference (``predict``, ``evaluate``, ``infer``, ``test``...:
  :func:`dllint.analysis.modes.is_eval_name`), neither back-propagates nor steps, and hands back
  what the pass computed (its output reaches a ``return`` or ``yield``, through names, lists it is
  appended to, or the calls that wrap it): predictions, scores, decoded tags;
- nothing in the method sets the module's mode before the pass on any path (the mode analysis'
  state of ``self`` there is only what the caller left: no ``self.eval()``, ``self.train(...)``,
  helper, context manager or ``super()`` call that may switch it).

Its callers then decide, found in the file (``self.predict(x)`` in another method, ``model.predict(x)``
on an instance) and in the project's other modules (``x.predict(...)`` whose receiver may be an
instance, :meth:`dllint.analysis.modes.Modes.project_caller_tokens`), each with the mode of its
receiver just before the call (followed up through the callers' own callers). A caller inside a
training step is left out (a training accuracy). The pass is:

- *guarded* (no finding) when there is at least one caller and every one has put the module in
  eval mode first (or holds it fresh from ``from_pretrained``);
- *reached in training mode* when a caller's receiver may be training (built, or ``.train()``)
  and the class is not known to compute the same in both modes;
- *unguarded* when no caller is found or some caller's mode cannot be read (a model loaded with
  ``torch.load`` for a service, a caller outside the project): reported only when the class itself
  visibly computes differently in training mode (a dropout with p > 0, a batch norm, a
  ``self.training`` test: :meth:`dllint.analysis.models.Models.class_dependence`). A class whose
  layers are not visible (built by subclasses or factories) stays silent then.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.models import NO_DEPENDENCE, YES_DEPENDENCE, Models
from dllint.analysis.modes import CHOSEN_TRAIN, ENTRY, PRETRAINED, TRAIN, Modes, is_eval_name, \
    is_eval_token
from dllint.analysis.name_reaching import walk_body
from dllint.index import child_nodes

if TYPE_CHECKING:
    from dllint.context import FileContext

# Methods that wrap a pass's output without taking it out of what is handed back.
_COLLECTING = frozenset({"append", "extend", "add", "update", "insert", "put"})


@dataclass(frozen=True)
class SelfPass:
    """``call`` (``self(...)``) in ``method``: ``caller`` is ``"file:line"`` of a caller that may
    leave the module training, or None when no caller guards it (none found, or modes unknown)."""

    call: cst.Call
    method: cst.FunctionDef
    caller: str | None


class OwnInference:
    """The self passes of a file's module classes that no caller guards (see the module docstring)."""

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        self.found: list[SelfPass] = []
        if "self(" not in ctx.source and ".forward(" not in ctx.source:
            return  # most files: no module runs itself
        models = ctx.analysis(Models)
        if not models.classes:
            return
        for call, method, klass in self._candidates(models):
            verdict = self._judge(call, method, klass, models)
            if verdict is not None:
                self.found.append(verdict)

    @classmethod
    def compute(cls, ctx: "FileContext") -> "OwnInference":
        return cls(ctx)

    def unguarded(self) -> list[SelfPass]:
        return self.found

    # ---------------------------------------------------------------------------------------------
    def _candidates(self, models: Models):
        index = self.ctx.index
        for call in index.of_type(cst.Call):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "forward":
                func = func.value
            if not (isinstance(func, cst.Name) and func.value == "self"):
                continue
            method = index.function_of(call)
            if method is None or not is_eval_name(method.name.value) \
                    or method.name.value.startswith("__"):
                continue
            klass = index.parent(index.parent(method))  # FunctionDef -> IndentedBlock -> ClassDef
            if not isinstance(klass, cst.ClassDef):
                continue
            found = models.classes.get(klass.name.value)
            if found is None or found.node is not klass or found.lightning:
                continue
            yield call, method, found

    def _judge(self, call: cst.Call, method: cst.FunctionDef, klass, models: Models) -> SelfPass | None:
        modes = self.ctx.analysis(Modes)
        regions = modes.regions
        if regions.trains(method) or not _handed_back(call, method):
            return None
        if _calls_super(method):
            return None  # the base's method may switch modes around what it runs
        dependence = models.class_dependence(klass).value
        if dependence == NO_DEPENDENCE:
            return None  # both modes compute the same
        if modes.state_at(call, "self") != frozenset({ENTRY}):
            return None  # the method (or a helper, a context manager) sets the mode itself
        callers = self._callers(modes, method)
        if callers is None:
            return None  # called only inside training steps: part of training, not an inference
        if callers and all(tokens and all(is_eval_token(t) or t == PRETRAINED for t in tokens)
                           for _, tokens in callers):
            return None  # every caller switched to eval mode first
        for where, tokens in callers:
            if TRAIN in tokens and CHOSEN_TRAIN not in tokens:
                return SelfPass(call, method, where)
        if any(CHOSEN_TRAIN in tokens for _, tokens in callers):
            return None  # a caller picks training mode on purpose (Monte Carlo dropout)
        if dependence != YES_DEPENDENCE:
            return None
        return SelfPass(call, method, None)

    def _callers(self, modes: Modes, method: cst.FunctionDef) -> list[tuple[str, frozenset]] | None:
        """("file:line", modes of the receiver) for each call of ``method`` outside a training
        step, in this file and the project's other modules; None when every call found is inside
        a training step (a training accuracy)."""
        out: list[tuple[str, frozenset]] = []
        stepping = 0
        name = Path(self.ctx.path).name
        for call in modes.regions.callers(method):
            if _in_training_step(modes, call):
                stepping += 1
                continue
            tokens = modes._tokens_from_callers(call, method, "self", 0)
            out.append((f"{name}:{self.ctx.position(call).start.line}", tokens))
        for other, call, tokens in modes.project_caller_tokens(method, "self") or ():
            if _in_training_step(other.analysis(Modes), call):
                stepping += 1
                continue
            out.append((f"{Path(other.path).name}:{other.position(call).start.line}", tokens))
        return None if stepping and not out else out


def _in_training_step(modes: Modes, call: cst.Call) -> bool:
    loop = modes.regions.loop_of(call)
    return loop is not None and (loop in modes.step_loops or modes.regions.in_training_loop(call))


def _calls_super(method: cst.FunctionDef) -> bool:
    for node in walk_body(method.body):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "super":
            return True
    return False


def _handed_back(call: cst.Call, method: cst.FunctionDef) -> bool:
    """The output of ``call`` reaches a ``return``/``yield`` of ``method``: directly, through names
    bound from expressions holding it (in source order, to a fixpoint over loops), through
    containers it is appended to, or through the calls that wrap it."""
    tainted: set[str] = set()

    def holds(node: cst.CSTNode) -> bool:
        for inner in _walk_expression(node):
            if inner is call or (isinstance(inner, cst.Name) and inner.value in tainted):
                return True
        return False

    statements = [node for node in walk_body(method.body)
                  if isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign, cst.Expr, cst.For,
                                       cst.Return))]
    for _ in range(3):  # names may feed each other around a loop
        before = len(tainted)
        for node in statements:
            if isinstance(node, cst.Assign) and holds(node.value):
                for target in node.targets:
                    tainted.update(_names(target.target))
            elif isinstance(node, (cst.AugAssign, cst.AnnAssign)) and node.value is not None \
                    and holds(node.value):
                tainted.update(_names(node.target))
            elif isinstance(node, cst.For) and holds(node.iter):
                tainted.update(_names(node.target))
            elif isinstance(node, cst.Expr) and isinstance(node.value, cst.Call):
                func = node.value.func
                if isinstance(func, cst.Attribute) and func.attr.value in _COLLECTING \
                        and isinstance(func.value, cst.Name) and holds(node.value):
                    tainted.add(func.value.value)
        if len(tainted) == before:
            break
    for node in walk_body(method.body):
        if isinstance(node, cst.Return) and node.value is not None and holds(node.value):
            return True
        if isinstance(node, cst.Yield) and node.value is not None and holds(node.value):
            return True
    return False


def _names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _names(element.value)]
    if isinstance(target, cst.StarredElement):
        return _names(target.value)
    return []


def _walk_expression(node: cst.CSTNode):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, (cst.Lambda, cst.FunctionDef, cst.ClassDef)) and current is not node:
            continue
        stack.extend(child_nodes(current))
