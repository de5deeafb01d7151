"""Evaluations of a model that may still be in training mode (DL301's facts).

An *evaluation* is a model call (:meth:`dllint.analysis.modes.Modes.model_calls`) inside an
evaluation region: under ``torch.no_grad()`` / ``inference_mode()``, in a function named like
``evaluate``/``validate``/``test``/``predict``, in a loop over a loader named as held out, or a pass
whose output is read out of the graph where nothing trains (:func:`dllint.analysis.modes.eval_function`,
``over_held_out_data``, ``read_out_evaluation``). It is *reached in training mode*
(:class:`TrainingEvaluation`, with the reason in words) when the mode analysis' state of the model
there may be training:

- directly: built or switched with ``.train()`` and no ``.eval()`` on some path;
- through callers: a function whose model comes from its caller (``def evaluate(model, loader)``),
  when a caller in the file may pass it training (unless what that caller passes has no
  mode-dependent layer); when no caller is in the file, only a method of a class that switches the
  same ``self`` attribute to ``.train()`` elsewhere and is named as an evaluation, unless its callers
  in the project's other modules decide (one passes it training: reached; all switched to eval
  first: not), and not when the class derives from a project class of another module. Callers in
  the project count only where the receiver may be an instance of the class
  (:meth:`dllint.analysis.modes.Modes._may_hold_instance`), and their own callers that run a
  training step (``model.update(batch)`` reaching ``self.compute_loss(batch)``) bring no mode in.

Left out: a model's own method and Lightning modules, a call in a loop whose own body
back-propagates (:func:`part_of_training`: a target network, a training-accuracy re-forward) unless
its data is named as held out, a mode picked from a flag, a model fresh from ``from_pretrained`` never
switched to training, a model that computes the same in both modes (``Models.mode_dependence``),
a pass read only for its structure (:func:`dllint.analysis.modes.shape_only`), and a sampling pass
(:func:`dllint.analysis.sampling_passes.sampling_pass`: the same input again and again, every output
kept: Monte Carlo dropout). One evaluation per model and region (the enclosing ``with`` or
function).

An *imported evaluation* (:class:`ImportedEvaluation`) is a call of a function of another module of
the project (``predict(model, x)``) whose body evaluates the model it is given in whatever mode it
comes, when the model passed may still be training at the call: the other module cannot see this
caller, so the fact is placed at the call.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import libcst as cst

from dllint.analysis.eval_built import built_in_eval
from dllint.analysis.imports import dotted_name
from dllint.analysis.models import NO_DEPENDENCE
from dllint.analysis.modes import (CHOSEN_TRAIN, ENTRY, HELD_OUT_DATA, TRAIN, Modes, class_trains,
                                   eval_function, inherits_unseen_code, is_eval_name, is_eval_token,
                                   over_held_out_data, read_out_evaluation, shape_only,
                                   train_calls_named)
from dllint.analysis.sampling_passes import sampling_pass
from dllint.analysis.stated_modes import stated_training

if TYPE_CHECKING:
    from dllint.context import FileContext


@dataclass(frozen=True)
class TrainingEvaluation:
    """The model call ``call`` (of ``func``, the model known as ``key``) evaluates a model that may
    still be in training mode; ``reason`` says why, in words."""

    call: cst.Call
    func: cst.BaseExpression
    key: str
    reason: str


@dataclass(frozen=True)
class ImportedEvaluation:
    """``call`` runs ``function`` of another module, which evaluates the model it is given in the
    mode it comes (its model call at ``where``, ``"file.py:line"``); ``key`` is the model passed here,
    which may still be in training mode."""

    call: cst.Call
    function: cst.FunctionDef
    key: str
    where: str


def training_evaluations(ctx: "FileContext") -> Iterator[TrainingEvaluation | ImportedEvaluation]:
    """The evaluations of ``ctx``'s file reached in training mode, in the order of the model calls,
    then the calls of imported helpers that evaluate a model passed training, in source order (see
    the module docstring); nothing when the mode analysis does not run on the file."""
    modes = ctx.analysis(Modes)
    if not modes.active:
        return
    models = modes.models
    regions = modes.regions
    modes.run(ctx.module)  # every scope that runs the imported helpers is solved below anyway
    seen: set[tuple[str, cst.CSTNode | None]] = set()  # one finding per model and region
    for call, func in modes.model_calls():
        function = ctx.index.function_of(call)
        in_eval_function = eval_function(modes, function)
        if not (in_eval_function or regions.no_grad(call) or over_held_out_data(modes, call)
                or read_out_evaluation(modes, call)):
            continue
        if models.enclosing_module_class(call) is not None:
            continue  # a model's own method, or a Lightning module: not ours to decide
        if part_of_training(modes, call):
            continue
        found = modes.tokens_at(call)
        if found is None:
            continue
        key, tokens = found
        reason = training_reason(modes, call, function, key, tokens, in_eval_function)
        if reason is None:
            continue
        if models.from_pretrained(func, call) and not train_calls_named(modes, key):
            continue
        if built_in_eval(modes, func, call, key):
            continue  # its layers were put in eval mode when it was built, and nothing switches them back
        if modes.mode_dependence(func, call) == NO_DEPENDENCE:
            continue  # no dropout, no batch norm...: both modes compute the same
        if shape_only(modes, call):
            continue  # a shape smoke test: only the output's structure is read, nothing is measured
        if sampling_pass(modes, call):
            continue  # Monte Carlo dropout: passes over the same input differ only in training mode
        region = ctx.index.enclosing(call, cst.With, cst.FunctionDef)
        if (key, region) in seen:
            continue
        seen.add((key, region))
        yield TrainingEvaluation(call, func, key, reason)
    yield from _imported_evaluations(modes)


def _imported_evaluations(modes: Modes) -> Iterator[ImportedEvaluation]:
    """``predict(model, x)`` / ``evaluate(model, loader)`` imported from another module of the
    project evaluates the model it is given in whatever mode it comes: one fact per call, at the
    call, when the model may still be training (the other module cannot see this caller). The calls
    are those the runs of :func:`training_evaluations` met."""
    for call, function, run in modes.external_calls():
        other = modes.foreign_modes.get(function)
        if other is None:
            continue
        for inner, (key, tokens) in sorted(run.model_calls.items(),
                                            key=lambda item: other.index.order[item[0]]):
            if ENTRY not in tokens or not evaluation(other, inner, function):
                continue
            mapped = modes.map_key(call, function, key)
            if mapped is None:
                continue
            states = modes.run(modes.scope_of(call)).call_states.get(call, {})
            if TRAIN not in states.get(mapped, frozenset()) or part_of_training(modes, call):
                continue
            if modes.key_mode_dependence(mapped, call) == NO_DEPENDENCE:
                continue
            where = f"{Path(other.ctx.path).name}:{other.ctx.position(inner).start.line}"
            yield ImportedEvaluation(call, function, mapped, where)
            break


def training_reason(modes: Modes, call: cst.Call, function: cst.FunctionDef | None, key: str,
                    tokens: frozenset, in_eval_function: bool) -> str | None:
    """Why the model ``key``, called at ``call`` with the mode tokens ``tokens``, may be training
    there (in words), or None when it is not, or not ours to say."""
    if TRAIN in tokens:
        if stated_training(modes, call, key):
            return None  # ``net.train()`` just before, nothing trained since: the mode of this pass, stated
        return "no `.eval()` on some path since it was built or set to `.train()`"
    if ENTRY not in tokens or function is None or CHOSEN_TRAIN in tokens:
        return None  # (a function that picks the mode with ``if flag: model.train()`` decides itself)
    callers = modes.caller_tokens(function, key, skip=lambda c: part_of_training(modes, c))
    if callers:
        for caller, found in callers:
            if TRAIN in found and not mode_free_at(modes, caller, function, key):
                line = modes.ctx.position(caller).start.line
                return f"`{function.name.value}()` is called in training mode on line {line}"
        return None
    # Never called in this module: only a method of a class that itself switches the same
    # attribute to training mode elsewhere (a Trainer that toggles and forgot here). A plain
    # function that nobody calls here is library code; its callers are elsewhere.
    klass = modes.regions.class_of(function)
    if klass is None or not key.startswith("self."):
        return None
    # The method's callers in the other modules of the project (a script that calls
    # ``agent.eval()`` and then a helper that calls ``agent.evaluate_q()``) decide when found.
    project = modes.project_caller_tokens(function, key, skip=lambda other, c: other.runs_training_step(c))
    if project:
        for other, caller, found in project:
            if TRAIN in found and not part_of_training(other.analysis(Modes), caller):
                where = f"{Path(other.path).name}:{other.position(caller).start.line}"
                return f"`{function.name.value}()` is called in training mode at {where}"
        if all(found and all(is_eval_token(t) for t in found) for _, _, found in project):
            return None
    if not (in_eval_function or is_eval_name(function.name.value)):
        return None
    if class_trains(modes, klass, key) and not inherits_unseen_code(modes, klass):
        return f"`{function.name.value}()` does not call `.eval()` and this class calls `.train()`"
    return None


def mode_free_at(modes: Modes, call: cst.Call, function: cst.FunctionDef, key: str) -> bool:
    """The model that ``call`` passes for ``function``'s ``key`` has no mode-dependent layer."""
    mapped = modes.map_key(call, function, key)
    return mapped is not None and modes.key_mode_dependence(mapped, call) == NO_DEPENDENCE


def evaluation(modes: Modes, call: cst.Call, function: cst.FunctionDef) -> bool:
    """The model call ``call`` in ``function`` is an evaluation: under no_grad, in a function named
    like one, or over a held-out loader; and not part of a training step."""
    if modes.models.enclosing_module_class(call) is not None or part_of_training(modes, call):
        return False
    if shape_only(modes, call) or sampling_pass(modes, call):
        return False
    return (eval_function(modes, function) or modes.regions.no_grad(call)
            or over_held_out_data(modes, call))


def part_of_training(modes: Modes, call: cst.Call) -> bool:
    """``call`` runs once per training step (its innermost loop's own body back-propagates): a
    target network, a re-forward for the training accuracy. Not when its data is named as held out.
    An epoch loop that only calls ``train_one_epoch(...)`` does not count."""
    loops = modes.regions.loops_of(call)
    if not loops or held_out_argument(call):
        return False
    modes.find_steps()  # a caller's module that the analysis does not run on itself
    return loops[0] in modes.step_loops or in_unrolled_step(modes, call, loops)


def in_unrolled_step(modes: Modes, call: cst.Call, loops: list | None = None) -> bool:
    """The model call ``call`` runs in a loop nested in a training-step loop (a loop whose own body
    back-propagates), and that nested loop builds the step's loss: it also runs the same model with
    gradients, in a pass whose value may reach a backward pass (fifteenth audit, EJ). The no-grad
    passes of such a loop are steps of the unroll the outer iteration trains (PDEBench's
    pushforward trick: the first steps of an autoregressive rollout under ``no_grad``, the last ones
    with gradients, one ``loss.backward()`` after the inner loop), not an evaluation. Not over data
    named as held out; a periodic validation loop inside the batch loop runs its passes under
    ``no_grad`` only (or its values reach no backward pass: ``val_loss += ...`` then ``.item()``)
    and stays an evaluation."""
    from dllint.analysis.backward_reach import BackwardReach

    if loops is None:
        loops = modes.regions.loops_of(call)
    model = modes.model_of_call(call)
    name = dotted_name(model) if model is not None else None
    if name is None:
        return False
    nested = None
    for depth in range(1, len(loops)):
        if loops[depth] in modes.step_loops:
            nested = loops[depth - 1]  # the loop of the step loop's own body that holds the pass
            break
    if nested is None or over_held_out_data(modes, call):
        return False
    reach = modes.ctx.analysis(BackwardReach)
    for other, other_model in modes.model_calls():
        if other is call or dotted_name(other_model) != name or modes.maybe_no_grad(other) \
                or nested not in modes.regions.loops_of(other):
            continue
        if reach.may_reach_backward(other):
            return True
    return False


def held_out_argument(call: cst.Call) -> bool:
    """``model(x_val)``, ``net(test_x)``: data named as held out."""
    for arg in call.args:
        name = dotted_name(arg.value)
        if name and HELD_OUT_DATA.search(name.rsplit(".", 1)[-1]):
            return True
    return False
