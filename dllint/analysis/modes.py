"""Train/eval mode of models, flow-sensitive inside each function, followed across the module's calls.

Every function (and the module's top level) is run once over an abstract state: for each tracked
dotted name (``model``, ``self.model``; ``model.module`` is ``model``) the set of modes it may be in
at this point, one entry per path that reaches it. A mode is a *token*:

* ``TRAIN``: constructed here (a fresh ``nn.Module`` trains), or ``.train()`` / ``.train(True)``;
* an ``ast`` node, the call that switched it to eval mode (``.eval()``, ``.train(False)``, a helper or
  method whose summary ends in eval mode, or a context manager whose ``__enter__`` calls ``eval()``);
* ``PRETRAINED``: fresh from ``from_pretrained`` (Hugging Face returns models in eval mode);
* ``ENTRY``: whatever mode the caller left (a parameter, ``self.x``, a global);
* ``UNKNOWN``: bound to something we cannot read (``torch.load(...)``, a factory);
* ``DYNAMIC``: ``.train(flag)`` with a flag that is not a literal;
* ``CHOSEN_TRAIN``: ``.train()`` inside an ``if`` branch or inside a no-grad region: training mode
  chosen on purpose (``if train: model.train()``; re-estimating batch-norm statistics under
  ``no_grad``), which restores training like ``TRAIN`` but is no evidence that an evaluation forgot
  ``eval()``.

Branches join by union, loops run to a fixed point (so the state at the top of a loop body includes
the state its previous iteration left), ``return``/``raise`` end a path. ``.eval()`` in only one branch
of an ``if`` therefore leaves ``{TRAIN, eval}``: not "in eval mode on every path". Two exceptions:
``for _ in range(...)`` whose bounds are literals or module constants that make it non-empty runs
at least once (the state before it does not reach the code after it), and ``if model is not None:
model.eval()`` leaves the model in eval mode on the other path too (there it is None: no mode to get wrong). Setting the mode of
``model`` sets it for ``model.encoder`` too (children follow their parent).

A call to a function or method of the module applies that function's summary: the modes it leaves
its parameters, ``self.*`` attributes and globals in (``ENTRY`` where it does not touch them). The
eval token of a switch made inside a helper becomes the call of the helper, so a finding points at
``validate(model)`` in the loop rather than inside ``validate``.

What the runs record, for the rules:

* the state of every model call (``model(x)``, ``model.forward(x)``);
* the state at every call of a module function, for the keys it maps (to resolve ``ENTRY`` through
  the callers);
* which parameters a function trains (a model call in a function that back-propagates) while still in
  the mode its caller left.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, NamedTuple

import libcst as cst

from dllint.analysis.backward_reach import BackwardReach
from dllint.analysis.bindings import Bindings
from dllint.analysis.cfg import Edge, Element, build_cfg
from dllint.analysis import flags as _flags
from dllint.analysis.flags import FLAG, WILDCARD, Flag
from dllint.analysis.holders import held_model
from dllint.analysis.imports import dotted_name
from dllint.analysis.model_world import ModelWorld
from dllint.analysis.models import (own_method, COPIES, NO_DEPENDENCE, SELF_RETURNING, TORCH_PACKAGES, UNKNOWN_DEPENDENCE, WRAPPER_NAMES,
                                    WRAPPERS, Models, combine, is_model_name, model_key, unwrap_module)
from dllint.analysis.project import (MAX_FILE_DEPTH, PROJECT, Target, find_called, find_callers,
                                     find_class, find_definition, import_path_between,
                                     project_imports)
from dllint.analysis.name_reaching import NameReaching
from dllint.analysis.name_reaching import names_in_target as _names_in_target
from dllint.analysis.name_reaching import walk_body as _walk_body
from dllint.analysis.regions import Regions, is_optimizer_constructor
from dllint.analysis.solver import solve
from dllint.analysis.unbound_names import UnboundNames

if TYPE_CHECKING:
    from dllint.context import FileContext

TRAIN = "train"
ENTRY = "entry"
UNKNOWN = "unknown"
DYNAMIC = "dynamic"
PRETRAINED = "pretrained"
CHOSEN_TRAIN = "chosen-train"
Token = object  # one of the strings above, or the cst.CSTNode that switched to eval mode
Tokens = frozenset
State = dict[str, frozenset]

_EVAL_NAME = re.compile(
    r"^_*(eval|evaluat|valid|val_|val$|test$|test_epoch$|test_step$|predict|infer$|inference)"
    r"|_(eval|val|valid|evaluate|evaluation|validate|validation|test|inference|predict)$"
)
# data named as held out: ``val_loader``, ``test_dl``, ``X_valid``, ``dev_set``
HELD_OUT_DATA = re.compile(r"(^|_)(val|valid|validation|test|dev|holdout)(_|$|\d)|^(xv|xt|yt|yv)$"
                           r"|(val|test)$", re.IGNORECASE)
_SKIP_DESCEND = (cst.Lambda, cst.FunctionDef, cst.ClassDef)
_UNKNOWN_ONLY = frozenset({UNKNOWN})
_KNOWN_MODES = frozenset({TRAIN, CHOSEN_TRAIN, PRETRAINED, DYNAMIC})
_LIBRARIES = frozenset({"torch", "torchvision", "sklearn", "numpy", "pandas", "transformers", "timm",
                        "lightning", "pytorch_lightning", "copy", "pickle", "joblib"})


def is_eval_token(token: object) -> bool:
    """A token that says "switched to eval mode by this call"."""
    return isinstance(token, cst.CSTNode)


def is_eval_name(name: str) -> bool:
    """``evaluate``, ``validate``, ``test``, ``eval_epoch``, ``run_validation``, ``predict`` ..."""
    return bool(_EVAL_NAME.search(name.lower()))


def _literal_bool(expr: cst.BaseExpression) -> bool | None:
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return expr.value == "True"
    if isinstance(expr, cst.Integer):
        return expr.value != "0"
    return None


def own_step_method(function: cst.FunctionDef) -> bool:
    """``function`` (a method named ``train`` or ``eval``) is the class's own method, not an
    override of ``nn.Module``'s mode switch: ``train(self, loss)`` whose first parameter is no
    mode (not named ``mode``, no ``True``/``False`` default), ``eval(self, loader)`` with a
    required parameter (``nn.Module.eval`` takes none). Calling it sets no mode (Hands-on-RL's
    ``EnsembleModel.train(self, loss)``, an optimiser step; thirteenth audit, DN), while
    ``train(self, mode=True)`` calling ``super().train(mode)`` is still a switch."""
    params = function.params
    positional = [*params.posonly_params, *params.params][1:]
    for node in _walk_body(function.body):
        # ``super().train(flag)``, ``nn.Module.train(self, flag)``, ``self.training = flag``: a switch
        if isinstance(node, cst.Attribute) and (node.attr.value == "training" or (
                node.attr.value in ("train", "eval") and isinstance(node.value, (cst.Call, cst.Name, cst.Attribute))
                and (dotted_name(node.value.func) if isinstance(node.value, cst.Call) else dotted_name(node.value))
                in ("super", "nn.Module", "torch.nn.Module", "Module"))):
            return False
    if function.name.value == "train":
        if not positional:
            return False
        first = positional[0]
        return first.name.value != "mode" and (first.default is None or _literal_bool(first.default) is None)
    if function.name.value == "eval":
        return any(p.default is None for p in (*positional, *params.kwonly_params))
    return False


def mode_call(call: cst.Call) -> tuple[str, object] | None:
    """(receiver key, token) for ``x.eval()`` / ``x.train(...)``; None for any other call.

    The token of ``.eval()`` / ``.train(False)`` is the call itself."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    if method not in ("eval", "train"):
        return None
    key = model_key(func.value)
    if key is None:
        return None
    if method == "eval":
        return (key, call) if not call.args else None
    args = [a for a in call.args if a.keyword is None or a.keyword.value == "mode"]
    if len(call.args) != len(args) or len(args) > 1:
        return None
    if not args:
        return key, TRAIN
    literal = _literal_bool(args[0].value)
    if literal is None:
        return key, DYNAMIC
    return key, (TRAIN if literal else call)


@dataclass
class Run:
    """What one abstract run of a function (or of the module's top level) found."""

    scope: cst.CSTNode
    # model call -> (key, the union of its states over the paths and iterations that reach it)
    model_calls: dict[cst.Call, tuple[str, frozenset]] = field(default_factory=dict)
    # call of a module function -> {caller key: tokens} for every key the callee's summary maps
    call_states: dict[cst.Call, dict[str, frozenset]] = field(default_factory=dict)
    # training uses: (node (a model call or a helper call that trains), key) -> tokens; a helper
    # call trains each model passed to it, with that model's own tokens
    train_uses: dict[tuple[cst.CSTNode, str], frozenset] = field(default_factory=dict)
    # the state when the function ends (return or fall-through)
    exit: State = field(default_factory=dict)
    # for a @contextmanager function: the state at its ``yield`` (what the ``with`` body sees)
    enter: State = field(default_factory=dict)
    # keys the function trains while they may still hold the caller's mode
    trains_entry: set[str] = field(default_factory=set)
    # each ``return`` of a value: (the key it returns when it hands back a name it was given or
    # bound, else None; the modes of the returned value) -- what a caller's ``m = build(...)`` holds
    returns: dict[cst.CSTNode, tuple[str | None, frozenset]] = field(default_factory=dict)
    # not analysed (recursion, or too deep): its effect on what it is given is unknown
    truncated: bool = False


# The class of ``self`` in a run of a base class's method for an instance of a subclass: the
# analysis of the subclass's module and the subclass (its overrides run for ``self.m()``).
SelfClass = tuple["Modes", cst.ClassDef]


# at most this many parameters split a callee's run (2**n or 3**n runs of it)
_MAX_SPLIT = 2


def _truth_positions(test: cst.BaseExpression) -> Iterator[tuple[str, bool]]:
    """The plain names ``test`` reads for their truth (the forms :func:`flags.truth` decides), each
    with whether it is compared with None there."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        yield from _truth_positions(test.expression)
    elif isinstance(test, cst.BooleanOperation):
        yield from _truth_positions(test.left)
        yield from _truth_positions(test.right)
    elif isinstance(test, cst.Comparison):
        if len(test.comparisons) == 1 and isinstance(test.left, cst.Name) \
                and isinstance(test.comparisons[0].operator, (cst.Is, cst.IsNot)) \
                and isinstance(test.comparisons[0].comparator, cst.Name) \
                and test.comparisons[0].comparator.value == "None":
            yield test.left.value, True
    elif isinstance(test, cst.Name):
        yield test.value, False


def _name_occurrences(node: cst.CSTNode, names: set[str]) -> dict[str, int]:
    """How often each of ``names`` occurs as a name in ``node``, nested scopes included (an
    attribute's or a keyword argument's own name is no occurrence)."""
    from dllint.index import child_nodes

    counts: dict[str, int] = {}
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            if current.value in names:
                counts[current.value] = counts.get(current.value, 0) + 1
            continue
        for child in child_nodes(current):
            if isinstance(current, cst.Attribute) and child is current.attr:
                continue
            if isinstance(current, cst.Arg) and child is current.keyword:
                continue
            stack.append(child)
    return counts


def _join_runs(scope: cst.CSTNode, runs: list["Run"]) -> "Run":
    """One run that stands for ``runs`` of the same function under different entry flags: every
    path of each of them (a union, as a branch join is, but with each path's flags kept apart)."""
    joined = Run(scope)
    for run in runs:
        joined.truncated = joined.truncated or run.truncated
        for call, (key, tokens) in run.model_calls.items():
            previous = joined.model_calls.get(call)
            joined.model_calls[call] = (key, tokens if previous is None else previous[1] | tokens)
        for call, states in run.call_states.items():
            into = joined.call_states.setdefault(call, {})
            for key, tokens in states.items():
                into[key] = into.get(key, frozenset()) | tokens
        for use, tokens in run.train_uses.items():
            joined.train_uses[use] = joined.train_uses.get(use, frozenset()) | tokens
        joined.trains_entry |= run.trains_entry
        for node, (key, tokens) in run.returns.items():
            previous = joined.returns.get(node)
            joined.returns[node] = (key, tokens if previous is None else previous[1] | tokens)
    joined.exit = _join([run.exit for run in runs]) or {}
    joined.enter = _join([run.enter for run in runs if run.enter]) or {}
    return joined


def _join(states: list[State | None], absent=None) -> State | None:
    present = [s for s in states if s is not None]
    if not present:
        return None
    if len(present) == 1:
        return dict(present[0])
    keys: dict[str, None] = {}  # first-seen order, not a set's: the state's order reaches messages
    for s in present:
        keys.update(dict.fromkeys(s))
    out: State = {}
    for key in keys:
        tokens: set = set()
        for s in present:
            tokens |= s[key] if key in s else (absent(s, key) if absent else _absent(s, key))
        out[key] = frozenset(tokens)
    return out


def _absent(state: State, key: str) -> frozenset:
    """The tokens of ``key`` in ``state`` when it has no entry of its own: its nearest tracked
    parent's, else "as it came in"."""
    parts = key.split(".")
    for size in range(len(parts) - 1, 0, -1):
        parent = ".".join(parts[:size])
        if parent in state:
            return state[parent]
    return frozenset({ENTRY})


class ModuleReturns:
    """Which functions of one file return a module: some ``return`` hands back one it builds
    (``nn.Sequential(...)``, a module class), a name bound to one, a copy or move of one, or what a
    function of this file that returns a module returns (``truncate`` calling itself on a child).
    A fact of its own, read from ``Models`` and ``Regions``: another module's function is asked it
    (``Modes.external_factory``) without that module's whole mode analysis, which a module of
    torch's sources (``_inductor/compile_fx.py``) took as long to compute as to parse."""

    def __init__(self, ctx: "FileContext") -> None:
        self.models: Models = ctx.analysis(Models)
        self.regions: Regions = ctx.analysis(Regions)
        self.imports = ctx.imports
        self._returns_module: dict[cst.FunctionDef, bool] = {}

    @classmethod
    def compute(cls, ctx: "FileContext") -> "ModuleReturns":
        return cls(ctx)

    def returns_module(self, function: cst.FunctionDef) -> bool:
        found = self._returns_module.get(function)
        if found is None:
            self._returns_module[function] = False  # recursion guard
            found = False
            for node in _walk_body(function.body):
                if isinstance(node, cst.Return) and node.value is not None \
                        and self._module_value(_unwrap_copies(node.value, self.imports), node):
                    found = True
                    break
            self._returns_module[function] = found
        return found

    def _module_value(self, value: cst.BaseExpression, at: cst.CSTNode, depth: int = 0) -> bool:
        if depth > 6:  # ``h = cell(h)`` binds a name to a call of itself: bounded
            return False
        if isinstance(value, cst.Call):
            if self.models.is_model_call(value):
                return True
            callee = self.regions.resolved(value)
            return callee is not None and self.returns_module(callee)
        if isinstance(value, (cst.Name, cst.Attribute)):
            if self.models.is_model(value, at):
                return True
            return any(isinstance(v, cst.Call)
                       and self._module_value(_unwrap_copies(v, self.imports), v, depth + 1)
                       for v in self.models.definition_values(value, at) or ())
        return False


class Modes:
    """Mode analysis of one file; runs are computed on demand and cached."""

    # Summaries are computed depth-first through calls; a long chain of module functions calling
    # each other would otherwise reach Python's recursion limit.
    MAX_NESTING = 12

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        self.index = ctx.index
        self.imports = ctx.imports
        self.models: Models = ctx.analysis(Models)
        self.regions: Regions = ctx.analysis(Regions)
        self._runs: dict[cst.CSTNode, Run] = {}
        self._running: set[cst.CSTNode] = set()
        self._locals: dict[cst.FunctionDef, set[str]] = {}
        self._context_managers: dict[cst.FunctionDef, bool] = {}
        self._eval_functions: dict[cst.FunctionDef, bool] = {}
        self._external: dict[cst.Call, tuple[cst.FunctionDef, Run] | None] = {}
        # the other module's analysis of each function resolved there
        self.foreign_modes: dict[cst.FunctionDef, "Modes"] = {}
        self._foreign_methods: set[cst.FunctionDef] = set()
        self._foreign_classes: dict[cst.FunctionDef, cst.ClassDef] = {}
        self._holder_params: dict[tuple[cst.ClassDef, str], tuple[cst.FunctionDef, str] | None] = {}
        self._rebound: dict[cst.FunctionDef, set[str]] = {}
        self._tested_flags: dict[cst.FunctionDef, tuple[str, ...]] = {}
        self._correlated_flags: dict[cst.FunctionDef, tuple[tuple[str, tuple[Flag, ...]], ...]] = {}
        self._declared_outside: set[str] | None = None
        self._parameter_classes: dict[tuple[cst.FunctionDef, str], Target | None] = {}
        self._factories: dict[cst.Call, tuple[cst.FunctionDef, Run] | None] = {}
        self._run_names: set[str] | None = None
        self._read_out: dict[cst.CSTNode, set[str]] = {}
        self._name_uses: dict[cst.CSTNode, dict[str, list[cst.Name]]] = {}
        self.active = self._worth_running(ctx.source)
        # dotted names that receive ``.eval()`` / ``.train(...)`` somewhere: modules, whatever else
        # the bindings say (a name defined in another notebook cell or file)
        self.mode_keys: set[str] = set()
        self.calls: list[cst.Call] = self.index.of_type(cst.Call)
        self._user_methods: dict[cst.Call, bool] = {}
        for call in self.calls if self.active else ():
            switched = self.switch(call)
            if switched is not None:
                self.mode_keys.add(switched[0])
        self._model_calls: list[tuple[cst.Call, cst.BaseExpression]] | None = None
        self._model_call_map: dict[cst.Call, cst.BaseExpression] = {}
        self._frozen: dict[str, bool] = {}
        self._frozen_for_good: dict[tuple[str, cst.FunctionDef | None], bool] = {}
        self._freeze_index: dict[str | None, list[cst.CSTNode]] | None = None
        self._train_named: dict[str, bool] = {}
        self._constants: dict[str, cst.BaseExpression] | None = None
        self._probed: dict[tuple[cst.Call, str], frozenset] = {}
        self._globals: set[str] | None = None
        # functions that back-propagate or step an optimizer themselves (not through a helper)
        # Where single training steps happen: the loops whose own body (not a nested loop's) runs
        # a backward/step, or calls a module function that does one step (its backward/step is
        # outside any loop: ``train_step(model, batch)``); and the scopes that step outside loops.
        # A loop that only calls ``train_one_epoch(...)`` runs epochs, not steps.
        self.step_loops: set[cst.CSTNode] = set()
        self.steps_outside_loops: set[cst.CSTNode] = set()
        # the loop (or, outside loops, the scope) -> the training calls that make it a step
        self.steps_in: dict[cst.CSTNode, list[cst.CSTNode]] = {}
        # the training loops: the file's own (``Regions``) and those that run a training step
        # through a function or method of another project module (``model.train_emb(*batch)``)
        self.training_loops: set[cst.CSTNode] = set(self.regions.training_loops)
        self._external_steps: set[cst.Call] = set()
        self._step_owners: dict[tuple[cst.CSTNode, str], bool] = {}
        # :mod:`dllint.analysis.stated_modes`: per (model call, key), and the graphs it walks back
        self.stated_cache: dict[tuple[cst.Call, str], bool] = {}
        self.stated_graphs: dict[cst.CSTNode, object] = {}
        # :mod:`dllint.analysis.eval_built`: class -> the attributes its __init__ leaves in eval mode
        self.eval_built_cache: dict[cst.ClassDef, frozenset[str]] = {}
        self._steps_found = False
        self._step_calls: set[cst.CSTNode] | None = None
        if self.active:
            self.find_steps()

    def find_steps(self) -> None:
        """Fill ``step_loops``, ``steps_outside_loops``, ``steps_in``, ``training_loops`` (once).
        Done when the file is analysed; for a file the analysis does not run on (a script that
        imports no torch and drives an agent of another module: ``agent.update(...)`` trains),
        only when another module asks whether one of its calls runs inside a training step."""
        if self._steps_found:
            return
        self._steps_found = True
        external = self._external_training_calls()
        self._external_steps = set(external)
        steps = list(self.regions.training_calls) + external
        for call in [*self.regions.training_calls, *external]:
            if self.regions.loop_of(call) is None:
                function = self.index.function_of(call)
                if function is not None:
                    steps.extend(self.regions.callers(function))
        for call in steps:
            loop = self.regions.loop_of(call)
            if loop is not None:
                self.step_loops.add(loop)
            else:
                self.steps_outside_loops.add(self.scope_of(call))
            self.steps_in.setdefault(loop if loop is not None else self.scope_of(call), []).append(call)
        self._mark_training_loops(external)

    @property
    def unbound(self) -> UnboundNames:
        """The file's names bound nowhere: a statement that reads one cannot complete."""
        return self.ctx.analysis(UnboundNames)

    def runs_training_step(self, call: cst.Call) -> bool:
        """``call`` is one of the calls that make a training step of its loop or scope (a
        backward or optimizer step, a call of a function or method that makes one:
        ``agent.update(batch)``), in a file the analysis runs on or not."""
        self.find_steps()
        if self._step_calls is None:
            self._step_calls = {c for calls in self.steps_in.values() for c in calls}
        return call in self._step_calls

    def is_external_step(self, call: cst.Call) -> bool:
        """``call`` runs a training step of another project module (``model.train_emb(*batch)``)."""
        return call in self._external_steps

    def switch(self, call: cst.Call) -> tuple[str, object] | None:
        """:func:`mode_call`, except for a call of a method of the project's own that happens to be
        named ``train``/``eval`` on an object that is no ``nn.Module``: ``trainer.train(loader)``
        with ``trainer`` a ``Trainer`` of this file runs that method (a summary), it sets no mode."""
        switched = mode_call(call)
        if switched is None or not self.user_method(call):
            return switched
        return None

    def user_method(self, call: cst.Call) -> bool:
        """``call`` runs a method defined in a class that is no module class (its bases, here or
        in the project's other modules, lead to no ``nn.Module``): a class of this file, or the
        class of another project module of which the receiver is an instance
        (:meth:`_foreign_user_method`: ``agent.train(buffer)`` with ``agent = Agent(opt)``
        imported from ``agent.py``, an RL agent's own learning step)."""
        found = self._user_methods.get(call)
        if found is None:
            self._user_methods[call] = False  # a cycle through the project's modules answers no
            target = self.regions.resolved(call)
            klass = self.regions.class_of(target) if target is not None else None
            if klass is not None:
                found = self.plain_class(klass) or own_step_method(target)
            else:
                found = self._foreign_user_method(call) or self._own_step_of_held_model(call)
            self._user_methods[call] = found
        return found

    def plain_class(self, klass: cst.ClassDef) -> bool:
        """:func:`plain_class` of this file's ``klass``."""
        return plain_class(self.ctx, klass)

    def _own_step_of_held_model(self, call: cst.Call) -> bool:
        """``self.model.train(loss)`` where every value bound to ``self.model`` constructs a module
        class of this file that defines that method as its own step (:func:`own_step_method`)."""
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("train", "eval"):
            return False
        values = self.models.definition_values(func.value, call)
        if not values:
            return False
        for value in values:
            klass = self.models.module_class(value.func) \
                if isinstance(value, cst.Call) and isinstance(value.func, (cst.Name, cst.Attribute)) else None
            method = own_method(klass.node, func.attr.value) if klass is not None else None
            if method is None or not own_step_method(method):
                return False
        return True

    def _foreign_user_method(self, call: cst.Call) -> bool:
        """``x.name(...)`` where every value bound to ``x`` here is an instance of one class of
        another project module (:meth:`_instance_targets`; a parameter is not followed) whose
        method ``name`` is defined there, in the class or a base of its module, and the class is
        no module class there (:func:`plain_class` of that module). Nothing is parsed
        unless the receiver is bound to a call of an imported class."""
        func = call.func
        if not isinstance(func, cst.Attribute) or PROJECT.depth >= MAX_FILE_DEPTH:
            return False
        imports = project_imports(self.ctx)
        if imports is None or not imports.names:
            return False
        targets = self._instance_targets(func.value, call, imports)
        if not targets or len(set(targets)) != 1:
            return False
        klass = targets[0]
        if not klass.attribute or "." in klass.attribute:
            return False
        found = find_definition(self.ctx, Target(klass.path, f"{klass.attribute}.{func.attr.value}"))
        if found is None:
            return False
        if found[2] is not None and own_step_method(found[1]):
            return True  # ``model.train(loss)``: the class's own step, not nn.Module.train
        other = found[0]
        top = next((s for s in reversed(other.module.body)  # the last definition wins
                    if isinstance(s, cst.ClassDef) and s.name.value == klass.attribute), None)
        if top is None:
            return False
        PROJECT.depth += 1
        try:
            return plain_class(other, top)
        finally:
            PROJECT.depth -= 1

    def _external_training_calls(self) -> list[cst.Call]:
        """Calls of a function or method of another project module that back-propagates or steps
        an optimizer itself or through its module's functions (its module's ``Regions.trains``):
        ``model.train_emb(*batch)`` with ``model`` an instance of a class of ``model.py``,
        ``train_step(net, batch)`` imported. Each is a training step, like a ``.backward()``."""
        imports = project_imports(self.ctx)
        if imports is None or not imports.names:
            return []
        found: list[cst.Call] = []
        for call in self.calls:
            if self.regions.resolved(call) is not None or self.switch(call) is not None:
                continue
            if self._inherited_training_call(call):
                found.append(call)
                continue
            handed = self._hands_a_model(call)
            if not (handed or self._may_train_instance(call, imports)):
                continue  # like the summaries: only a call that hands its callee a model is looked up
            hit = find_called(self.ctx, call, imports, self._step_receiver_class, training=True)
            if hit is None:
                continue
            other, function, _klass = hit
            other_regions = other.analysis(Regions)
            if other_regions.trains(function) and (handed or _one_step(other_regions, function)):
                found.append(call)
        return found

    def _inherited_training_call(self, call: cst.Call) -> bool:
        """``trainer.train(ts)`` with ``trainer`` an instance of a class of this file that inherits
        ``train`` from a base of another project module, where it trains or calls back an override
        here that trains (``self._train(ts)``, a template method)."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return False
        name = self.regions.instance_class(func.value.value, call)
        if name is None:
            return False
        klass = self.regions.classes[name]
        if self.regions.lookup_method(klass, func.attr.value) is not None:
            return False
        found = self._inherited_method(klass, func.attr.value)
        if found is None:
            return False
        other, function = found
        if other.regions.trains(function):
            return True
        for inner in _calls_post_order(function.body):
            inner_func = inner.func
            if isinstance(inner_func, cst.Attribute) and isinstance(inner_func.value, cst.Name) \
                    and inner_func.value.value == "self":
                override = self.regions.lookup_method(klass, inner_func.attr.value)
                if override is not None and self.regions.trains(override):
                    return True
        return False

    def _may_train_instance(self, call: cst.Call, imports) -> bool:
        """``self.agent.learn(batch)``: a method called on an instance of a class of another project
        module (every value bound to the receiver is a call of that imported class, as
        :meth:`_receiver_class` asks) whose module may train in a function of that name
        (:meth:`ProjectView.may_train_function`, read without libcst). The agent holds the model
        under a name of its own (``self.net``) that this file may never mention. Such a call counts
        as a training step only when the method makes one step (:func:`_one_step`): a
        ``trainer.train_epoch(loader)`` runs epochs, and a pass next to it is no part of a step."""
        func = call.func
        if not isinstance(func, cst.Attribute):
            return False
        targets = self._instance_targets(func.value, call, imports, steps=True)
        return bool(targets) and all(PROJECT.may_train_function(target.path, func.attr.value)
                                     for target in targets)

    def _instance_targets(self, expr: cst.BaseExpression, at: cst.CSTNode, imports,
                          steps: bool = False) -> list[Target] | None:
        """The imported names of which ``expr`` is an instance: every value bound to it is a call
        of one (``Net(...)``, ``Net(...).to(device)``), each resolved by the imports; None when one
        is not, or nothing is bound to ``expr`` here. Nothing is parsed."""
        if not isinstance(expr, (cst.Name, cst.Attribute)):
            return None
        values = self._bound_values(expr, at, steps)
        if not values:
            return None
        targets: list[Target] = []
        for value in values:
            while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                    and value.func.attr.value in SELF_RETURNING:
                value = value.func.value
            dotted = dotted_name(value.func) if isinstance(value, cst.Call) else None
            target = imports.target(dotted) if dotted else None
            if target is None:
                return None
            targets.append(target)
        return targets

    def _bound_values(self, expr: cst.Name | cst.Attribute, at: cst.CSTNode, steps: bool = False
                      ) -> list[cst.BaseExpression] | None:
        """The values bound to ``expr`` seen from ``at``: the model analysis's; when ``steps`` (the
        training steps are looked for) in a module that imports no torch (which that analysis
        skips), the file's bindings: a script that drives an agent of another module
        (``agent = Agent(env)``, ``agent.update(...)``) binds it there. Only for the steps: the
        runs of such a module read ``agent.eval()`` as a switch, as they always have."""
        if not steps or self.imports.uses(*TORCH_PACKAGES):
            return self.models.definition_values(expr, at)
        return self._file_bound_values(expr, at) or None

    def _hands_a_model(self, call: cst.Call) -> bool:
        """``call`` passes its callee (as an argument or as the receiver) a name that holds a
        model or a model holder: switched somewhere in the file, named like one (``model``,
        ``net``), or bound to a module."""
        passed = [arg.value for arg in call.args]
        if isinstance(call.func, cst.Attribute):
            passed.append(call.func.value)
        for expr in passed:
            key = model_key(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
            if key is not None and (key in self.mode_keys or is_model_name(key)
                                    or self.models.is_model(expr, call)):
                return True
        return False

    def _mark_training_loops(self, external: list[cst.Call]) -> None:
        """Add the loops that run an external training call (and the loops around them, and the
        loops around the in-file callers of a function that holds one) to ``training_loops``."""
        todo = list(external)
        done_functions: set[cst.FunctionDef] = set()
        while todo:
            call = todo.pop()
            loop = self.regions.loop_of(call)
            while loop is not None:
                self.training_loops.add(loop)
                loop = self.regions.loop_of(loop)
            function = self.index.function_of(call)
            if function is not None and function not in done_functions:
                done_functions.add(function)
                todo.extend(self.regions.callers(function))

    def step_may_train(self, node: cst.CSTNode, key: str) -> bool:
        """The training step that runs ``node`` (a forward pass of ``key``, or a helper call that
        runs one) may update ``key``'s parameters: some optimiser it steps may own them
        (:func:`dllint.analysis.optimised_tensors.may_own`). The step is the body of the loop
        around ``node`` (nested loops included), or its function when no loop is. False only when
        that step calls ``.step()`` on optimisers whose every constructor is known, each given
        other tensors alone (an adversarial patch ``SGD([patch])``, an input, another module's
        parameters), and runs no helper that trains; a model whose parameters are frozen for the
        whole file (:func:`frozen_for_good`) is not updated either."""
        container = self.regions.loop_of(node) or self.index.function_of(node) or self.ctx.module
        cached = self._step_owners.get((container, key))
        if cached is None:
            cached = self._step_owners[(container, key)] = self._step_may_train(container, key)
        return cached

    def _step_may_train(self, container: cst.CSTNode, key: str) -> bool:
        from dllint.analysis.optimised_tensors import may_own, optimiser_constructors

        if frozen_for_good(self, key, container):
            return False
        steps: list[cst.Call] = []
        for inner in _walk_body(container.body if isinstance(container, (cst.For, cst.While, cst.FunctionDef))
                                else container):
            if not isinstance(inner, cst.Call):
                continue
            if self.regions.is_step_call(inner):
                steps.append(inner)
                continue
            target = self.regions.resolved(inner)
            if inner in self._external_steps or (target is not None and self.regions.trains(target)):
                return True  # a helper that steps some optimiser of its own
        if not steps:
            return True  # a backward whose step is elsewhere: not known
        owners: list[cst.Call] = []
        for step in steps:
            func = step.func
            optimiser = func.value if self.regions.is_optimizer(func.value) or not step.args else step.args[0].value
            constructors = optimiser_constructors(self.ctx, optimiser)
            if constructors is None:
                return True
            owners.extend(c for c in constructors if may_own(self.ctx, c, key))
        # (twelfth audit DB) a linear probe: what may learn of ``key`` is mode-free layers alone
        return bool(owners) and not learns_only_mode_free_parts(self, key, container, owners)

    def runs_at_least_once(self, loop: cst.For) -> bool:
        """``for ... in range(...)`` whose every possible trip count is positive: ``range(N)``,
        ``range(1, 10)``, ``range(10, 0, -1)``, each argument a literal or a name whose every binding
        that reaches the loop (reaching definitions over the loop's scope) is a literal (``epochs =
        200`` before the loop; a later ``epochs = 100`` does not reach it). A name the scope does
        not bind (a global read in a function) counts when it is bound once in the file, to a
        literal."""
        it = loop.iter
        if not (isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value == "range"
                and 1 <= len(it.args) <= 3 and all(a.keyword is None and not a.star for a in it.args)):
            return False
        choices = [self._integers(loop, arg.value) for arg in it.args]
        if any(c is None for c in choices):
            return False
        if len(choices) == 1:
            choices = [{0}, choices[0]]
        starts, stops = choices[0], choices[1]
        steps = choices[2] if len(choices) == 3 else {1}
        return all(start < stop if step > 0 else start > stop if step < 0 else False
                   for start in starts for stop in stops for step in steps)

    def _integers(self, loop: cst.For, expr: cst.BaseExpression) -> set[int] | None:
        """The integers ``expr`` may be where ``loop`` starts: a literal (``-1`` too), or a name
        whose reaching bindings are all literals; None when unknown."""
        if isinstance(expr, cst.Integer):
            return {expr.evaluated_value}
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus) \
                and isinstance(expr.expression, cst.Integer):
            return {-expr.expression.evaluated_value}
        if not isinstance(expr, cst.Name):
            return None
        values = self._reaching_values(loop, expr.value)
        if values is None:
            found = self._module_constant(expr.value)
            values = [found] if found is not None else []
        if not values or any(v is None or isinstance(v, cst.Name) for v in values):
            return None
        out: set[int] = set()
        for value in values:
            found = self._integers(loop, value)
            if found is None:
                return None
            out |= found
        return out

    def _reaching_values(self, loop: cst.For, name: str) -> list[cst.BaseExpression | None] | None:
        """The values of the bindings of ``name`` that reach ``loop`` in its own scope (None for a
        binding that is not a plain ``name = value``); None when the scope never binds ``name`` or
        its reaching definitions are not solved."""
        reaching = self.ctx.analysis(NameReaching)
        scope = reaching.scope_of(loop)
        solved = reaching.solved(scope)
        if solved is None or name not in solved[1]:
            return None
        if scope is self.ctx.module and name in self._declared_global():
            return [None]  # a function may rebind it (``global epochs``) before the loop
        return reaching.values_at(loop, name)

    def _declared_global(self) -> set[str]:
        if self._globals is None:
            self._globals = {name.name.value for node in self.index.of_type(cst.Global)
                             for name in node.names}
        return self._globals

    def _module_constant(self, name: str) -> cst.BaseExpression | None:
        if self._constants is None:
            values: dict[str, list] = {}
            for kind in (cst.Assign, cst.AnnAssign, cst.AugAssign):
                for node in self.index.of_type(kind):
                    targets = ([t.target for t in node.targets] if isinstance(node, cst.Assign)
                               else [node.target])
                    at_top = self.index.parent(self.index.parent(node)) is self.ctx.module
                    for target in targets:
                        for bound in _names_in_target(target):
                            value = node.value if (at_top and isinstance(node, cst.Assign)
                                                   and isinstance(target, cst.Name)) else None
                            values.setdefault(bound, []).append(value)
            for node in self.index.of_type(cst.For):
                for bound in _names_in_target(node.target):
                    values.setdefault(bound, []).append(None)
            self._constants = {k: v[0] for k, v in values.items() if len(v) == 1 and v[0] is not None}
        return self._constants.get(name)

    @classmethod
    def compute(cls, ctx: "FileContext") -> "Modes":
        return cls(ctx)

    def _worth_running(self, source: str) -> bool:
        if not self.imports.uses(*TORCH_PACKAGES):
            return False
        if any(s in source for s in (".eval(", ".train(", "no_grad", "inference_mode",
                                     "set_grad_enabled", ".detach()", ".numpy()", ".tolist()")):
            return True
        # a training script whose only switch is in a helper of another module of the project
        imports = project_imports(self.ctx)
        if imports is None or not imports.names:
            return False
        if ".backward(" in source:
            return True
        # a script whose switches and steps are all methods of its project's classes
        # (``model.train_start()``, ``model.train_emb(*batch)``, ``model.val_start()`` of model.py):
        # worth running when a module it imports from switches modes and trains
        paths = {target.path for target in imports.names.values()}
        return any(PROJECT.mentions(path, ".eval(") and PROJECT.mentions(path, ".backward(")
                   for path in sorted(paths))

    # ---------------------------------------------------------------------------------------------
    # public queries
    def model_calls(self) -> list[tuple[cst.Call, cst.BaseExpression]]:
        """Every call in the file that runs a model, with the model expression, in source order."""
        if self._model_calls is None:
            names = self._candidate_names()
            found: list[tuple[cst.Call, cst.BaseExpression]] = []
            for call in self.calls:
                func = call.func
                if isinstance(func, cst.Attribute) and func.attr.value == "forward":
                    func = func.value
                if isinstance(func, cst.Name):
                    if func.value not in names:
                        continue
                elif isinstance(func, cst.Attribute):
                    if func.attr.value not in names and func.attr.value not in ("module", "_orig_mod"):
                        continue
                else:
                    continue
                model = self.called_model(call)
                if model is not None:
                    found.append((call, model))
            self._model_calls = found
            self._model_call_map = dict(found)
        return self._model_calls

    def model_of_call(self, call: cst.Call) -> cst.BaseExpression | None:
        """The model ``call`` runs (see :meth:`model_calls`), else None."""
        if self._model_calls is None:
            self.model_calls()
        return self._model_call_map.get(call)

    def _candidate_names(self) -> set[str]:
        """Last name parts that may name a model: bound from a call or a name, model-like
        parameters, and names switched with eval()/train(). A cheap filter before the real test."""
        names: set[str] = {k.rsplit(".", 1)[-1] for k in self.mode_keys}
        for (_, name), values in self.models._bindings.items():
            if any(isinstance(v, (cst.Call, cst.Name, cst.Attribute)) for v in values):
                names.add(name.rsplit(".", 1)[-1])
        for (_, name), param in self.models._params.items():
            if param.annotation is not None or is_model_name(name):
                names.add(name)
        return names

    def called_model(self, call: cst.Call) -> cst.BaseExpression | None:
        """The model expression ``call`` runs (``model`` in ``model(x)`` / ``model.forward(x)``):
        a model per :class:`Models`, or a name that is switched with ``.eval()``/``.train()`` in this
        file and bound to nothing else here, or a name or ``self.x`` bound to what a function that
        returns a module returns (``self.img_enc = EncoderImage(...)``, a factory choosing between
        two encoder classes); None for any other call."""
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "forward":
            func = func.value
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return None
        key = model_key(func)
        if key is None or key in ("self", "cls"):
            return None
        if self.models.is_model(func, call):
            return func
        if key in self.mode_keys and self.regions.resolved(call) is None \
                and _no_identity(self.models.definition_values(func, call), key) \
                and "." not in key.replace("self.", "", 1):
            return func
        if "." not in key.replace("self.", "", 1) and self.regions.resolved(call) is None \
                and self._bound_to_returned_module(func, call):
            return func  # ``actmodel = truncate(net, layer)`` then ``actmodel(x)``; ``self.img_enc``
        return None

    def returns_module(self, function: cst.FunctionDef) -> bool:
        """Some ``return`` of ``function`` hands back a module (see :class:`ModuleReturns`)."""
        return self.ctx.analysis(ModuleReturns).returns_module(function)

    def runs_name(self, key: str) -> bool:
        """Some call of the file runs or switches a name whose last part is ``key``'s:
        ``actmodel(x)``, ``net.forward(x)``, ``model.eval()``."""
        if self._run_names is None:
            names: set[str] = {k.rsplit(".", 1)[-1] for k in self.mode_keys}
            for call in self.calls:
                func = call.func
                if isinstance(func, cst.Attribute) and func.attr.value == "forward":
                    func = func.value
                if isinstance(func, cst.Name):
                    names.add(func.value)
                elif isinstance(func, cst.Attribute):
                    names.add(func.attr.value)
            self._run_names = names
        return key.rsplit(".", 1)[-1] in self._run_names

    def external_factory(self, call: cst.Call) -> tuple[cst.FunctionDef, Run] | None:
        """(function, its run) for a call of a function of another project module that returns a
        module (``actmodel = dnn_truncate(net, ...)`` imported from ``models.py``); else None."""
        if call in self._factories:
            return self._factories[call]
        found = None
        imports = project_imports(self.ctx)
        if imports is not None and imports.names and PROJECT.depth < MAX_FILE_DEPTH:
            hit = find_called(self.ctx, call, imports, self._receiver_class)
            if hit is not None:
                other, function, klass_def = hit
                # asked first without the other module's whole mode analysis (most functions a
                # call resolves to return no module: torch's compile_fx_inner, jit.trace)
                if other.analysis(ModuleReturns).returns_module(function):
                    other_modes = other.analysis(Modes)
                    if klass_def is not None:
                        self._foreign_methods.add(function)
                    PROJECT.depth += 1
                    try:
                        found = function, other_modes.run(function)
                    finally:
                        PROJECT.depth -= 1
                    self.foreign_modes[function] = other_modes
        self._factories[call] = found
        return found

    def _bound_to_returned_module(self, expr: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """``expr`` is bound (somewhere in its scope) to what a function returns that returns a
        module: of this file, or, through the imports, of another project module."""
        for bound in self.models.definition_values(expr, at) or ():
            value = _unwrap_copies(bound, self.imports)
            if isinstance(value, (cst.Name, cst.Attribute)):
                if value is not bound and self.models.is_model(value, at):
                    return True  # ``best = copy.deepcopy(model)``
                continue
            if not isinstance(value, cst.Call):
                continue
            callee = self.regions.resolved(value)
            if callee is not None:
                if self.returns_module(callee):
                    return True
            elif self.external_factory(value) is not None:
                return True
        return False

    def maybe_no_grad(self, node: cst.CSTNode) -> bool:
        """:meth:`Regions.maybe_no_grad`, and also a ``with torch.no_grad()`` /
        ``inference_mode`` / ``set_grad_enabled`` (or such a decorator) whose ``torch`` the imports
        do not resolve (a notebook that imported it in another cell): for silencing, the name is
        enough."""
        if self.regions.maybe_no_grad(node):
            return True
        previous: cst.CSTNode = node
        for ancestor in self.index.ancestors(node):
            if isinstance(ancestor, cst.With) and previous is ancestor.body:
                if any(_grad_switch_name(item.item) for item in ancestor.items):
                    return True
            elif isinstance(ancestor, cst.FunctionDef):
                return previous is ancestor.body and any(
                    _grad_switch_name(d.decorator) for d in ancestor.decorators)
            elif isinstance(ancestor, (cst.ClassDef, cst.Lambda)):
                return False
            previous = ancestor
        return False

    def run(self, scope: cst.CSTNode, self_class: "SelfClass | None" = None,
            assume: frozenset = frozenset()) -> Run:
        """The run of a FunctionDef, or of the module's top level (``ctx.module``). With
        ``self_class``: the run of a base class's method for an instance of that subclass of the
        file, whose ``self.m()`` calls run the subclass's overrides (a template method). With
        ``assume``: the run under the caller's known flags, pairs (the function's flag key, its
        :class:`Flag`), see :mod:`dllint.analysis.flags`."""
        cached = scope if self_class is None else (scope, self_class)
        if assume:
            cached = (cached, assume)
        found = self._runs.get(cached)
        if found is not None:
            return found
        if cached in self._running or len(self._running) >= self.MAX_NESTING:
            # recursion, or a call chain too deep to follow: whatever it passes becomes unknown
            return Run(scope, truncated=True)
        self._running.add(cached)
        try:
            found = _Interpreter(self, scope, self_class=self_class, assume=assume).execute()
        finally:
            self._running.discard(cached)
        self._runs[cached] = found
        return found

    def dispatched(self, call: cst.Call, self_class: "SelfClass | None"
                   ) -> tuple["Modes", cst.FunctionDef, "SelfClass | None"] | None:
        """(the analysis of the module that defines it, the method ``call`` runs, the instance's
        class when it is not the method's own) for ``self.m()`` in a run for ``self_class`` and for
        ``x.m()`` with ``x`` an instance of a class of this file. A method the class inherits from a
        base of another project module is that module's (its ``self.m()`` calls come back to the
        overrides here); None when neither applies."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return None
        receiver = func.value.value
        if receiver == "self":
            instance = self_class
        else:
            name = self.regions.instance_class(receiver, call)
            instance = (self, self.regions.classes[name]) if name is not None else None
        if instance is None:
            return None
        owner, klass = instance
        target = owner.regions.lookup_method(klass, func.attr.value)
        if target is not None:
            return owner, target, (instance if owner.regions.class_of(target) is not klass else None)
        found = owner._inherited_method(klass, func.attr.value)
        if found is None:
            return None
        return found[0], found[1], instance

    def _inherited_method(self, klass: cst.ClassDef, name: str) -> tuple["Modes", cst.FunctionDef] | None:
        """The method ``name`` that ``klass`` (a class of this file) inherits from a base class
        imported from another module of the project, with that module's analysis."""
        imports = project_imports(self.ctx)
        if imports is None or PROJECT.depth >= MAX_FILE_DEPTH:
            return None
        local = {c.name.value for c in self.regions.base_classes(klass)}
        for current in self.regions.base_classes(klass):
            for base in current.bases:
                dotted = dotted_name(base.value)
                if dotted is None or dotted in local:
                    continue
                target = imports.target(dotted)
                if target is None or not target.attribute or "." in target.attribute:
                    continue
                found = find_definition(self.ctx, Target(target.path, f"{target.attribute}.{name}"))
                if found is not None:
                    other, function, _klass = found
                    other_modes = other.analysis(Modes)
                    self.foreign_modes[function] = other_modes
                    return other_modes, function
        return None

    def state_at(self, call: cst.Call, key: str) -> frozenset:
        """The modes ``key`` may have just before ``call`` (any call of the file), from a run of
        its scope that records them (cached). Runs record model calls and the keys a callee maps;
        this is for any other key, which only the project's callers of a method ask about."""
        found = self._probed.get((call, key))
        if found is None:
            scope = self.scope_of(call)
            if scope in self._running or len(self._running) >= self.MAX_NESTING:
                return _UNKNOWN_ONLY
            self._running.add(scope)
            try:
                interpreter = _Interpreter(self, scope, {call: key})
                interpreter.execute()
            finally:
                self._running.discard(scope)
            found = interpreter.probed.get(call, frozenset())  # empty: the call is never reached
            self._probed[(call, key)] = found
        return found

    def project_caller_tokens(self, function: cst.FunctionDef, key: str, depth: int = 0,
                              skip: Callable[["Modes", cst.Call], bool] | None = None
                              ) -> list[tuple["FileContext", cst.Call, frozenset]] | None:
        """(module, call, modes of ``key`` there) for each call of ``function`` (a method of a class
        of this file, or a top-level function) in the other modules of the project, following the
        callers' own callers, in their module and in the project, while the mode comes in from them
        (``test(dqn)`` in evaluation.py calls ``dqn.evaluate_q()``; main.py calls ``dqn.eval()``
        and then ``test(dqn)``). None when the project cannot be searched. The callers' own
        callers for which ``skip`` (the caller's module's analysis, the call) is true are left out
        (a call that runs a training step: ``model.update(batch)`` calls ``self.compute_loss(...)``,
        which runs the target network; an evaluation episode called from the training loop is no
        such call); a call whose callers are all
        left out brings no mode in (the first callers are the caller's to judge)."""
        klass = self.regions.class_of(function) if function not in self._foreign_methods else None
        method = klass is not None or function in self._foreign_methods
        if method and not (key == "self" or key.startswith("self.")):
            return None
        found = find_callers(self.ctx, function.name.value, method)
        if found is None:
            return None
        out: list[tuple["FileContext", cst.Call, frozenset]] = []
        PROJECT.depth += 1
        try:
            for other_ctx, call in found:
                other = other_ctx.analysis(Modes)
                if method:
                    if not other._may_hold_instance(call.func.value, call, self.ctx, klass):
                        continue
                    if klass is not None and other.switch(call) is not None and self.plain_class(klass):
                        # ``self.agent.net.train()``: a mode switch where it is written (the
                        # receiver is no instance of a plain class there), not a call of
                        # ``Agent.train``; both modules read the call the same way
                        continue
                    other._foreign_methods.add(function)
                    if klass is not None:
                        other._foreign_classes[function] = klass
                out.append((other_ctx, call, other._tokens_from_callers(call, function, key, depth, skip)))
        finally:
            PROJECT.depth -= 1
        return out

    def _tokens_from_callers(self, call: cst.Call, function: cst.FunctionDef, key: str,
                             depth: int, skip: Callable[["Modes", cst.Call], bool] | None = None
                             ) -> frozenset:
        """The modes of ``function``'s ``key`` at ``call`` (a call of it in this file); where they
        come in from the enclosing function's callers, theirs (this file's and the project's)."""
        mapped = self.map_key(call, function, key)
        if mapped is None:
            return _UNKNOWN_ONLY
        tokens = self.state_at(call, mapped)
        caller = self.index.function_of(call)
        if ENTRY not in tokens or caller is None or depth >= 2:
            return tokens
        outer: set = set()
        callers = list(self.regions.callers(caller))
        for inner in callers:
            if skip is None or not skip(self, inner):
                outer |= self._tokens_from_callers(inner, caller, mapped, depth + 1, skip)
        project = self.project_caller_tokens(caller, mapped, depth + 1, skip)
        for other_ctx, inner, found in project or ():
            if skip is None or not skip(other_ctx.analysis(Modes), inner):
                outer |= found
        if not callers and not project:
            return tokens
        return (tokens - {ENTRY}) | outer

    def _may_hold_instance(self, expr: cst.BaseExpression, at: cst.CSTNode, ctx: "FileContext",
                           klass: cst.ClassDef | None, depth: int = 0) -> bool:
        """:meth:`_may_be_instance`, and where this module has no path of imports to ``ctx``'s
        (:func:`import_path_between`: it neither names the class nor is used by its module), only
        when ``expr`` is a parameter that some caller may pass an instance of ``klass``: a
        tutorial folder's ``evaluate_policy(env, agent)``, called by its own ``main.py`` with
        ``agent = DQN_agent(...)`` of its own folder, never runs ``select_action`` of the agent
        of the folder next door. A receiver held elsewhere (``self.agent``) still counts."""
        if klass is not None and isinstance(expr, cst.Name) and expr.value == "self" \
                and self._self_unrelated(at, ctx, klass):
            return False
        if not self._may_be_instance(expr, at, ctx, klass):
            return False
        if klass is None or import_path_between(self.ctx, ctx):
            return True
        key = model_key(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
        root = key.partition(".")[0] if key is not None else None
        function = self.index.function_of(at)
        if root is None or function is None or root in ("self", "cls") \
                or root not in self._param_names(function) or root in self.locals_of(function):
            return True
        if depth >= 2 or PROJECT.depth >= MAX_FILE_DEPTH:
            return True  # too far to tell
        callers: list[tuple[Modes, cst.Call]] = [(self, call) for call in self.regions.callers(function)]
        if self.regions.class_of(function) is not None or self.index.function_of(function) is not None:
            if not callers:
                return True  # a method's or a closure's callers elsewhere are not searched
        else:
            found = find_callers(self.ctx, function.name.value, False)
            if found is None:
                return True  # the project cannot be searched: unknown
            callers.extend((other.analysis(Modes), call) for other, call in found)
        for modes, call in callers:
            argument = modes._argument_for(call, function, root)
            if argument is None or modes._may_hold_instance(argument, call, ctx, klass, depth + 1):
                return True
        return False  # no caller, or none passes one: no instance of ``klass`` reaches here


    def _self_unrelated(self, at: cst.CSTNode, ctx: "FileContext", klass: cst.ClassDef) -> bool:
        """``self`` at ``at``, in a method of a class K of this file, is no instance of ``klass`` (a
        class of the module ``ctx``): ``self.forward(L=self.L)`` in ``SSKernelNPLR._check`` runs
        the kernel's own forward, not SequenceModel's (sixteenth audit FC). ``self`` is an instance
        of K or of a subclass of K; it is one of ``klass`` only when ``klass`` derives from K, K
        derives from ``klass``, or a class derives from both (a mixin of the two, which no code
        shows: the same standard as a receiver bound to another class's construction). Told only
        when the ancestry of both classes is known to its end (:func:`_project_ancestors`)."""
        function = self.index.function_of(at)
        owner = self.regions.class_of(function) if function is not None else None
        if owner is None or any((dotted_name(d.decorator) or "").rsplit(".", 1)[-1]
                                in ("staticmethod", "classmethod") for d in function.decorators):
            return False  # a nested function, a static or class method: not told
        params = function.params
        first = (*params.posonly_params, *params.params)
        if not first or first[0].name.value != "self":
            return False
        mine = _project_ancestors(self.ctx, owner)
        theirs = _project_ancestors(ctx, klass)
        if mine is None or theirs is None:
            return False
        me = (Path(self.ctx.path).resolve(), owner.name.value)
        them = (Path(ctx.path).resolve(), klass.name.value)
        return me not in theirs and them not in mine

    def _file_bound_values(self, expr: cst.BaseExpression, at: cst.CSTNode) -> list[cst.BaseExpression]:
        """The values the file's bindings give ``expr``'s key at ``at`` (its scope's, else the
        module's); the file's bindings, not the model analysis's: a helper module need not import
        torch."""
        key = model_key(expr)
        if key is None:
            return []
        bindings = self.ctx.analysis(Bindings)
        scope = bindings.scope_key(at, key)
        entries = list(bindings.values.get((scope, key)) or ())
        if isinstance(scope, cst.ClassDef):
            # ``self.cell`` read in a subclass's method (PackedRNN.forward) and bound in the base
            # class's ``__init__`` (RNN's, in this file): an instance's attribute is bound by the
            # methods of its class and of its bases alike (sixteenth audit FC)
            for base in self.regions.base_classes(scope)[1:]:
                entries.extend(bindings.values.get((base, key)) or ())
        entries = entries or bindings.values.get((self.ctx.module, key)) or []
        return [value for _, value in entries if value is not None]
    def _may_be_instance(self, expr: cst.BaseExpression, at: cst.CSTNode, ctx: "FileContext",
                         klass: cst.ClassDef | None) -> bool:
        """``expr`` may be an instance of ``klass`` (a class of the module ``ctx``): it is bound
        to a construction of that class, or to nothing this file can read (a parameter); not when
        it is bound to a call of anything else."""
        if not isinstance(expr, (cst.Name, cst.Attribute)) or model_key(expr) is None:
            return False
        values = self._file_bound_values(expr, at)
        imports = project_imports(self.ctx)
        path = Path(ctx.path).resolve()
        for value in values:
            value = unwrap_module(value, self.imports)
            if not isinstance(value, cst.Call):
                continue
            dotted = dotted_name(value.func)
            target = imports.target(dotted) if dotted and imports is not None else None
            if target is None or target.path.resolve() != path or klass is None \
                    or target.attribute != klass.name.value:
                return False
        return True

    def scope_of(self, node: cst.CSTNode) -> cst.CSTNode:
        function = self.index.function_of(node)
        return function if function is not None else self.ctx.module

    def tokens_at(self, call: cst.Call) -> tuple[str, frozenset] | None:
        """(key, tokens) of the model called by ``call`` (a model call), from its function's run."""
        return self.run(self.scope_of(call)).model_calls.get(call)

    def entry_tokens(self, function: cst.FunctionDef, key: str, depth: int = 0,
                     skip: Callable[[cst.Call], bool] | None = None) -> tuple[frozenset, int]:
        """The modes ``key`` (a parameter, ``self.x`` or a global of ``function``) may have when
        ``function`` starts, from every call of it in this module; and how many calls there are.
        ``ENTRY`` stays in the result when a caller's own callers are not known. Calls for which
        ``skip`` is true are left out (and not counted)."""
        per_call = self.caller_tokens(function, key, depth, skip)
        tokens: set = set()
        for _, found in per_call:
            tokens |= found
        return frozenset(tokens), len(per_call)

    def caller_tokens(self, function: cst.FunctionDef, key: str, depth: int = 0,
                      skip: Callable[[cst.Call], bool] | None = None) -> list[tuple[cst.Call, frozenset]]:
        """(call, modes of ``key`` there) for each call of ``function`` in this module, following
        the callers' own callers (three levels) where the mode came in from them."""
        out: list[tuple[cst.Call, frozenset]] = []
        for call in self.regions.callers(function):
            if skip is not None and skip(call):
                continue
            caller = self.scope_of(call)
            mapped = self.map_key(call, function, key)
            if mapped is None:
                out.append((call, frozenset({UNKNOWN})))
                continue
            states = self.run(caller).call_states.get(call, {})
            found = states.get(mapped, frozenset({UNKNOWN}))
            if ENTRY in found and isinstance(caller, cst.FunctionDef) and depth < 3:
                outer, count = self.entry_tokens(caller, mapped, depth + 1, skip)
                if count:
                    found = (found - {ENTRY}) | outer
            out.append((call, found))
        return out

    def mode_dependence(self, expr: cst.BaseExpression, at: cst.CSTNode) -> str:
        """:meth:`Models.mode_dependence` of the model ``expr`` where ``at`` is; where that model is
        a parameter (or ``self.x`` of a method) of the function holding ``at``, the dependence of
        what the callers pass (:meth:`key_mode_dependence`)."""
        found = self.models.mode_dependence(expr, at)
        key = model_key(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
        if found != UNKNOWN_DEPENDENCE:
            return found
        if key is None:
            return self._world_dependence(found)
        return self._world_dependence(self._caller_dependence(key, at, frozenset()))

    def key_mode_dependence(self, key: str, at: cst.CSTNode) -> str:
        """:meth:`Models.key_mode_dependence` of the model the dotted name ``key`` holds where
        ``at`` is, carried through the module's call chains: a model that comes in as a parameter
        of the function holding ``at`` (or as ``self.x`` of a method) has the dependence of what
        every call of that function in this module passes for it, judged at that call and, where
        that is a parameter again, at its own callers, at any depth (each function once). So an
        ``EncoderRNN`` of Embedding and Linear layers evaluated in ``evaluate()``, called by
        ``evaluate_randomly()``, called from the top level, is known to be mode-free (fourth
        audit, cause AN). ``UNKNOWN`` when some call passes something unreadable, or when the
        function has no caller in the module."""
        found = self.models.key_mode_dependence(key, at)
        if found != UNKNOWN_DEPENDENCE:
            return found
        return self._world_dependence(self._caller_dependence(key, at, frozenset()))

    def _world_dependence(self, found: str) -> str:
        """``found``, or ``NO`` for an unknown model when every model the programs holding this
        module can build is mode-free (:class:`dllint.analysis.model_world.ModelWorld`)."""
        if found == UNKNOWN_DEPENDENCE and self.ctx.analysis(ModelWorld).mode_free:
            return NO_DEPENDENCE
        return found

    def _caller_dependence(self, key: str, at: cst.CSTNode, seen: frozenset) -> str:
        found = self._callers_dependence(key, at, seen)
        return UNKNOWN_DEPENDENCE if found is None else found

    def _callers_dependence(self, key: str, at: cst.CSTNode, seen: frozenset) -> str | None:
        """The dependence of what the callers of the function holding ``at`` pass for ``key``;
        None when they only pass it on round a cycle of calls already followed (recursion adds
        no model of its own: what enters the cycle comes from its other callers)."""
        function = self.index.function_of(at)
        if function is None:
            return UNKNOWN_DEPENDENCE
        if function in seen:
            return None
        if len(seen) >= self.MAX_NESTING:
            return UNKNOWN_DEPENDENCE
        root = key.partition(".")[0]
        if not (root in self._param_names(function) or root == "self" and self.is_method(function)):
            return UNKNOWN_DEPENDENCE  # a local or global the model analysis could not read
        callers = self.regions.callers(function)
        if not callers:
            return UNKNOWN_DEPENDENCE
        seen = seen | {function}
        found: list[str] = []
        for call in callers:
            mapped = self.map_key(call, function, key)
            here: str | None = UNKNOWN_DEPENDENCE if mapped is None \
                else self.models.key_mode_dependence(mapped, call)
            if here == UNKNOWN_DEPENDENCE and mapped is not None:
                here = self._callers_dependence(mapped, call, seen)
            if here is not None:
                found.append(here)
        return combine(found) if found else None

    def map_key(self, call: cst.Call, callee: cst.FunctionDef, key: str) -> str | None:
        """The caller's name for the callee's ``key`` at ``call``: a parameter becomes the argument
        passed, ``self.x`` the receiver's ``x``, a global stays itself."""
        root, dot, rest = key.partition(".")
        params = self._param_names(callee)
        is_method = self.is_method(callee)
        if root == "self" and is_method:
            receiver = self._receiver(call)
            if receiver is None:
                return None
            klass = self.regions.class_of(callee) or self._foreign_classes.get(callee)
            held = held_model(self, call, klass, rest) if rest else None
            return held if held is not None else f"{receiver}{dot}{rest}"
        if root in params:
            if root in self.rebound_params(callee):
                return None  # ``model = deepcopy(model)``: what it does next is not to the caller's
            expr = self._argument_for(call, callee, root)
            if expr is None:
                expr = self._global_default(call, callee, root)
            if expr is None:
                return None
            mapped = model_key(expr)
            if mapped is None:
                return None
            return f"{mapped}{dot}{rest}"
        if root in self.locals_of(callee):
            return None
        return key

    # ---------------------------------------------------------------------------------------------
    # helpers shared with the interpreter
    def _param_names(self, function: cst.FunctionDef) -> list[str]:
        p = function.params
        return [x.name.value for x in (*p.posonly_params, *p.params, *p.kwonly_params)]

    def locals_of(self, function: cst.FunctionDef) -> set[str]:
        """Names a function binds itself (assignments, loop and with targets), params excluded."""
        found = self._locals.get(function)
        if found is None:
            found = set()
            body = function.body
            for node in _walk_body(body):
                targets: list[cst.BaseExpression] = []
                if isinstance(node, cst.Assign):
                    targets = [t.target for t in node.targets]
                elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
                    targets = [node.target]
                elif isinstance(node, cst.For):
                    targets = [node.target]
                elif isinstance(node, cst.WithItem) and node.asname is not None:
                    targets = [node.asname.name]
                for target in targets:
                    for sub in _names_in_target(target):
                        found.add(sub)
            self._locals[function] = found
        return found

    def _receiver(self, call: cst.Call) -> str | None:
        func = call.func
        if isinstance(func, cst.Attribute):
            receiver = func.value
            if isinstance(receiver, cst.Call):  # super().m(...)
                return "self"
            return model_key(receiver)
        return None

    def _argument_for(self, call: cst.Call, callee: cst.FunctionDef, name: str) -> cst.BaseExpression | None:
        """The expression ``call`` passes for the callee's parameter ``name`` (None: not passed, or
        hidden behind ``*args``)."""
        positional = [x.name.value for x in (*callee.params.posonly_params, *callee.params.params)]
        if self.is_method(callee) and positional and positional[0] in ("self", "cls"):
            positional = positional[1:]
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == name:
                return arg.value
        index = 0
        for arg in call.args:
            if arg.star:
                return None
            if arg.keyword is not None:
                continue
            if index < len(positional) and positional[index] == name:
                return arg.value
            index += 1
        return None

    def _global_default(self, call: cst.Call, callee: cst.FunctionDef, name: str) -> cst.Name | None:
        """The default of the callee's parameter ``name`` when ``call`` leaves it out and the
        default is the module's global (``def test(model=model)`` called as ``test()``): both are
        functions of this file, the callee defined at module level after the one binding of that
        global anywhere in the file (so the default is the object the global still holds), and no
        scope around the call binds the name itself. None otherwise (``*args``/``**kwargs`` at the
        call, a default of any other form, a global bound twice or declared ``global``)."""
        index = self.index
        if call not in index.order or index.parent(callee) is not self.ctx.module:
            return None
        if any(arg.star for arg in call.args):
            return None
        p = callee.params
        default = next((x.default for x in (*p.posonly_params, *p.params, *p.kwonly_params)
                        if x.name.value == name), None)
        if not isinstance(default, cst.Name):
            return None
        bound = default.value
        value = self._module_constant(bound)
        if value is None or bound in self._declared_global() or not index.precedes(value, callee):
            return None
        scope = index.function_of(call)
        while scope is not None:
            if bound in self._param_names(scope) or bound in self.locals_of(scope):
                return None
            scope = index.function_of(scope)
        return default

    def rebound_params(self, function: cst.FunctionDef) -> set[str]:
        """Parameters the function binds to another object somewhere (``model = deepcopy(model)``;
        not ``model = model.to(device)`` or ``DDP(model)``, which keep the module): after that the
        name no longer stands for the caller's model, so the summary says nothing about it."""
        found = self._rebound.get(function)
        if found is None:
            params = set(self._param_names(function))
            found = set()
            for node in _walk_body(function.body):
                pairs: list[tuple[cst.BaseExpression, cst.BaseExpression | None]] = []
                if isinstance(node, cst.Assign):
                    pairs = [(t.target, node.value) for t in node.targets]
                elif isinstance(node, cst.AnnAssign):
                    pairs = [(node.target, node.value)]
                elif isinstance(node, (cst.For, cst.AugAssign)):
                    pairs = [(node.target, None)]
                elif isinstance(node, cst.WithItem) and node.asname is not None:
                    pairs = [(node.asname.name, None)]
                for target, value in pairs:
                    for name in _names_in_target(target):
                        if name in params and not (isinstance(target, cst.Name) and value is not None
                                                   and self._same_module(value, name)):
                            found.add(name)
            self._rebound[function] = found
        return found

    def _same_module(self, value: cst.BaseExpression, key: str) -> bool:
        """``value`` is the module ``key`` names: itself, a self-returning method of it
        (``.to(device)``, ``.train()``), or a wrapper around it (``DDP(model)``)."""
        value = unwrap_module(value, self.imports)
        return isinstance(value, (cst.Name, cst.Attribute)) and model_key(value) == key

    def is_method(self, function: cst.FunctionDef) -> bool:
        return self.regions.class_of(function) is not None or function in self._foreign_methods

    def declared_outside(self) -> set[str]:
        """Names a ``global`` / ``nonlocal`` of the file declares: never flags."""
        if self._declared_outside is None:
            self._declared_outside = _flags.declared_outside(self.ctx.index)
        return self._declared_outside

    def tested_flags(self, function: cst.FunctionDef) -> tuple[str, ...]:
        """The flag keys (``self.is_test``, ``test``) that the function's own ``if`` / ``while``
        tests read, sorted, at most ``MAX_ASSUMED``: a caller that holds one at a known value runs
        it under that value."""
        found = self._tested_flags.get(function)
        if found is None:
            keys: set[str] = set()
            for node in _walk_body(function.body):
                if isinstance(node, (cst.If, cst.While)):
                    keys |= _flags.test_reads(node.test)
            declared = self.declared_outside()
            found = tuple(sorted(k for k in keys if k.split(".")[0] not in declared))[:_flags.MAX_ASSUMED]
            self._tested_flags[function] = found
        return found

    def correlated_flags(self, function: cst.FunctionDef) -> tuple[tuple[str, tuple[Flag, ...]], ...]:
        """The parameters of ``function`` that hold one truth for the whole call, each with the
        values that stand for every argument a caller may pass: ``bn_eval=False`` read only as
        ``if bn_eval:`` (sixteenth audit, FF). Each of its tests then takes the same branch on any
        one run, so a caller that passes an unknown value runs the function once per value and
        joins the runs (:meth:`_Interpreter.split_run`) instead of mixing the branches of two tests.

        Sound because the name is read nowhere but in the tests' truth positions (a bare name,
        ``not``, ``and``/``or``, ``is (not) None``): nothing binds, deletes, passes or mutates it in
        the function, and it is declared a flag (a ``True``/``False`` default or a ``bool``
        annotation: a bool never changes its truth). ``True``/``False`` cover every truthy/falsy
        value; ``None`` is added when a test compares the name with None."""
        found = self._correlated_flags.get(function)
        if found is not None:
            return found
        tested = set(self.tested_flags(function))
        params = function.params
        candidates: dict[str, bool] = {}
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            name = param.name.value
            if name not in tested:
                continue
            default = _flags.flag_literal(param.default) if param.default is not None else None
            annotated = param.annotation is not None and isinstance(param.annotation.annotation, cst.Name) \
                and param.annotation.annotation.value == "bool"
            if annotated or (default is not None and default.value is not None):
                candidates[name] = False  # -> whether a test compares it with None
        if candidates:
            truth_reads: dict[str, int] = dict.fromkeys(candidates, 0)
            for node in _walk_body(function.body):
                if isinstance(node, (cst.If, cst.While)):
                    for name, compared in _truth_positions(node.test):
                        if name in truth_reads:
                            truth_reads[name] += 1
                            candidates[name] = candidates[name] or compared
            occurrences = _name_occurrences(function.body, set(candidates))
            candidates = {name: compared for name, compared in candidates.items()
                          if occurrences.get(name, 0) == truth_reads[name]}
        found = tuple((name, (Flag(True), Flag(False), Flag(None)) if compared else (Flag(True), Flag(False)))
                      for name, compared in sorted(candidates.items()))[:_MAX_SPLIT]
        self._correlated_flags[function] = found
        return found

    # -- the project around the file ---------------------------------------------------------------
    def external(self, call: cst.Call) -> tuple[cst.FunctionDef, Run] | None:
        """(function, its run) for a call of a function or method defined in another module of the
        project (``evaluate(model)`` imported from ``utils``; ``model.val_start()`` with ``model``
        an instance of a class imported from ``models``); None when it is not one."""
        if call in self._external:
            return self._external[call]
        found = None
        imports = project_imports(self.ctx)
        if imports is not None:
            found = self._external_run(call, imports)
        self._external[call] = found
        return found

    def _external_run(self, call: cst.Call, imports) -> tuple[cst.FunctionDef, Run] | None:
        found = find_called(self.ctx, call, imports, self._receiver_class)
        if found is None:
            return None
        other, function, klass_def = found
        if klass_def is not None:
            self._foreign_methods.add(function)
        other_modes = other.analysis(Modes)
        PROJECT.depth += 1
        try:
            run = other_modes.run(function)
        finally:
            PROJECT.depth -= 1
        self.foreign_modes[function] = other_modes
        return function, run

    def external_calls(self) -> list[tuple[cst.Call, cst.FunctionDef, Run]]:
        """The calls of this file resolved to a function of another project module, in source
        order (those the runs met)."""
        found = [(call, value[0], value[1]) for call, value in self._external.items() if value is not None]
        found.sort(key=lambda item: self.index.order[item[0]])
        return found

    def _step_receiver_class(self, expr: cst.BaseExpression, at: cst.CSTNode, imports) -> Target | None:
        """:meth:`_receiver_class` where the training steps are looked for (see :meth:`_bound_values`)."""
        return self._receiver_class(expr, at, imports, steps=True)

    def _receiver_class(self, expr: cst.BaseExpression, at: cst.CSTNode, imports,
                        steps: bool = False) -> Target | None:
        """The project class of which ``expr`` is an instance: every value bound to it is a call
        of the same imported class (``Net(...)``, ``Net(...).to(device)``)."""
        if not isinstance(expr, (cst.Name, cst.Attribute)):
            return None
        if not self._bound_values(expr, at, steps):
            return self._parameter_class(expr, at) if isinstance(expr, cst.Name) else None
        targets = self._instance_targets(expr, at, imports, steps)
        if targets is None or any(find_class(self.ctx, target) is None for target in targets):
            return None
        classes = set(targets)
        return classes.pop() if len(classes) == 1 else None

    def _parameter_class(self, expr: cst.Name, at: cst.CSTNode) -> Target | None:
        """The project class of a parameter's value when every call of its function passes an
        instance of that one class: ``train(opt, loader, model)`` called only from ``main`` with
        ``model = VSE(opt)``, in this module and in the project's others (``encode_data(model, ...)``
        called from ``evaluation.py`` and ``train.py``). A function passed around by name, never
        called, or a parameter the function rebinds leaves it unknown; callers' parameters are
        followed the same way, a few calls deep."""
        function = self.index.function_of(at)
        if function is None or expr.value not in self._param_names(function) \
                or expr.value in self.locals_of(function) or expr.value in ("self", "cls"):
            return None
        key = (function, expr.value)
        if key in self._parameter_classes:
            return self._parameter_classes[key]
        self._parameter_classes[key] = None  # a cycle of calls ends here, unknown
        found = self._callers_class(function, expr.value)
        self._parameter_classes[key] = found
        return found

    def _callers_class(self, function: cst.FunctionDef, name: str) -> Target | None:
        if PROJECT.depth >= MAX_FILE_DEPTH or function.name.value in self.regions._names_used_as_values():
            return None
        method = self.is_method(function)
        if method and not (self.regions.class_of(function) is not None
                           and self.index.parent(self.regions.class_of(function)) is self.ctx.module):
            return None
        if not method and self.index.parent(function) is not self.ctx.module:
            return None  # a nested function: its callers are its enclosing function's business
        callers: list[tuple[Modes, cst.Call]] = [(self, c) for c in self.regions.callers(function)]
        # for a method, one call ``x.name(...)`` elsewhere is enough to give up: which class ``x``
        # is, is not known here
        others = find_callers(self.ctx, function.name.value, method, first=method)
        if others is None:
            return None
        if method and others:
            return None
        classes: set[Target] = set()
        PROJECT.depth += 1
        try:
            for other, call in others:
                callers.append((other.analysis(Modes), call))
            if not callers:
                return None
            for modes, call in callers:
                arg = self._argument_for(call, function, name)
                imports = project_imports(modes.ctx)
                if arg is None or imports is None:
                    return None
                found = modes._receiver_class(arg, call, imports)
                if found is None:
                    return None
                classes.add(found)
                if len(classes) > 1:
                    return None
        finally:
            PROJECT.depth -= 1
        return classes.pop()

    def is_context_manager_function(self, function: cst.FunctionDef) -> bool:
        found = self._context_managers.get(function)
        if found is None:
            found = False
            for decorator in function.decorators:
                name = dotted_name(decorator.decorator) or ""
                if name.rsplit(".", 1)[-1] in ("contextmanager", "asynccontextmanager"):
                    found = True
            self._context_managers[function] = found
        return found


def plain_class(ctx: "FileContext", klass: cst.ClassDef) -> bool:
    """``klass`` (a class of the module ``ctx``) and its bases lead to no ``nn.Module``: each base
    is seen (:func:`_known_bases`) and none is a module class. Asked of another project module
    too (an agent class imported by the runner), without its mode analysis."""
    from dllint.analysis.dataflow import ModuleClasses  # dataflow imports this module
    module_classes = ctx.analysis(ModuleClasses).names
    models = ctx.analysis(Models)
    family = ctx.analysis(Regions).base_classes(klass)
    return all(c.name.value not in module_classes and models.module_class(c) is None
               and _known_bases(ctx, c, family) for c in family)


_MAX_ANCESTORS = 32
_STANDARD_BASE_PACKAGES = frozenset({"abc", "typing", "collections", "enum", "dataclasses"})


def _project_ancestors(ctx: "FileContext", klass: cst.ClassDef) -> set[tuple[Path, str]] | None:
    """(module path, class name) of ``klass`` and of each of its ancestors that the project
    defines, followed through the project's imports; library bases (``nn.Module``, a class of an
    installed package) end a line, since no library class derives from a project class. None when
    a base cannot be told: not a plain name, a name nothing binds, a module of the project that is
    not there to read (``src.models.sequence.base`` outside the linted tree), or too many."""
    out: set[tuple[Path, str]] = set()
    todo: list[tuple["FileContext", cst.ClassDef]] = [(ctx, klass)]
    while todo:
        current_ctx, current = todo.pop()
        key = (Path(current_ctx.path).resolve(), current.name.value)
        if key in out:
            continue
        out.add(key)
        if len(out) > _MAX_ANCESTORS:
            return None
        local = current_ctx.analysis(Regions).classes
        imports = project_imports(current_ctx)
        for arg in current.bases:
            if arg.keyword is not None:
                continue  # ``metaclass=...``
            value = arg.value.value if isinstance(arg.value, cst.Subscript) else arg.value
            dotted = dotted_name(value)
            if dotted is None:
                return None
            if dotted == "object":
                continue
            if dotted in local:
                todo.append((current_ctx, local[dotted]))
                continue
            qualified = current_ctx.imports.qualify(value)
            if qualified is None:
                return None  # bound by no import: a class made at run time, a star import
            target = imports.target(dotted) if imports is not None else None
            if target is not None:
                other = PROJECT.context(target.path)
                found = find_class(current_ctx, target) if other is not None else None
                if found is None:
                    return None
                todo.append((other, found))
                continue
            top = qualified.split(".")[0]
            if top in TORCH_PACKAGES or top in _STANDARD_BASE_PACKAGES:
                continue
            if imports is None or any((base / top).is_dir() or (base / f"{top}.py").is_file()
                                      for base in imports.bases):
                return None  # a module of the project that cannot be read
    return out


def _known_bases(ctx: "FileContext", klass: cst.ClassDef, family: list[cst.ClassDef]) -> bool:
    """Every base of ``klass`` is seen: a class of this file, ``object``, ``abc.ABC`` /
    ``typing.Generic``, or a class of another project module (judged by ``ModuleClasses``). A
    library base may be an ``nn.Module`` whose ``train(mode)`` the class overrides."""
    names = {c.name.value for c in family}
    imports = None
    for base in klass.bases:
        dotted = dotted_name(base.value) if not isinstance(base.value, cst.Subscript) \
            else dotted_name(base.value.value)
        if dotted is None:
            return False
        if dotted in names or dotted == "object":
            continue
        qualified = ctx.imports.qualify(base.value if not isinstance(base.value, cst.Subscript)
                                        else base.value.value) or ""
        if qualified.startswith(("abc.", "typing.")):
            continue
        if imports is None:
            imports = project_imports(ctx)
        if imports is None or imports.target(dotted) is None:
            return False
    return True


def _one_step(regions: Regions, function: cst.FunctionDef) -> bool:
    """``function`` (which trains) makes one training step per call: none of its backward/step
    calls, nor of its calls of its module's training functions, is inside a loop of it."""
    steps = set(regions.training_calls)
    for node in _walk_body(function.body):
        if isinstance(node, cst.Call) and (node in steps or regions.resolved(node) in regions.training_functions) \
                and regions.loop_of(node) is not None:
            return False
    return True


def over_held_out_data(modes: Modes, node: cst.CSTNode) -> bool:
    """``node`` runs in a loop over a loader named as held out (``for x, y in val_loader:``,
    ``enumerate(test_dl)``): an evaluation, under ``no_grad`` or not."""
    for loop in modes.regions.loops_of(node):
        if not isinstance(loop, cst.For):
            continue
        name = dotted_name(_iterated(loop.iter))
        if name and HELD_OUT_DATA.search(name.rsplit(".", 1)[-1]):
            return True
    return False


# Methods that take a tensor out of the autograd graph: what they return no backward can reach.
READ_OUT_METHODS = frozenset({"detach", "numpy", "tolist"})


def read_out(modes: Modes, call: cst.Call) -> bool:
    """The model call's output is taken out of the autograd graph in its scope: ``model(x).detach()``,
    ``net(x).cpu().numpy()``, or ``out = model(x)`` and later ``out.detach()`` / ``out.numpy()`` /
    ``out.tolist()``: the pass is run for its values (features, activations, predictions), not
    for a gradient."""
    node: cst.CSTNode = call
    index = modes.index
    while True:
        parent = index.parent(node)
        if not (isinstance(parent, cst.Attribute) and parent.value is node):
            break
        if parent.attr.value in READ_OUT_METHODS:
            return True
        holder = index.parent(parent)
        node = holder if isinstance(holder, cst.Call) and holder.func is parent else parent
    statement = index.parent(node)
    if not (isinstance(statement, cst.Assign) and statement.value is node and len(statement.targets) == 1
            and isinstance(statement.targets[0].target, cst.Name)):
        return False
    return statement.targets[0].target.value in _read_out_names(modes, modes.scope_of(call))


def _read_out_names(modes: Modes, scope: cst.CSTNode) -> set[str]:
    """Names of ``scope`` read out of the graph somewhere in it (``name.detach()``,
    ``name.cpu().numpy()``)."""
    cache = modes._read_out
    found = cache.get(scope)
    if found is None:
        found = set()
        body = scope.body if isinstance(scope, cst.FunctionDef) else scope
        for node in _walk_body(body):
            if isinstance(node, cst.Attribute) and node.attr.value in READ_OUT_METHODS:
                receiver = node.value
                while isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute) \
                        and receiver.func.attr.value in SELF_RETURNING:
                    receiver = receiver.func.value
                if isinstance(receiver, cst.Name):
                    found.add(receiver.value)
        cache[scope] = found
    return found


def read_out_evaluation(modes: Modes, call: cst.Call) -> bool:
    """``call`` runs the model for values read out of the graph (:func:`read_out`) where nothing
    trains: not in a training loop, in a function that neither back-propagates nor steps (itself or
    through its helpers) and whose callers do not train either, and, at a module's top level, with
    no training step after it outside other loops. Such a pass is an inference (features,
    activations, predictions to plot or save), like one under ``no_grad``."""
    if not read_out(modes, call):
        return False
    regions = modes.regions
    if any(loop in modes.training_loops for loop in regions.loops_of(call)):
        return False
    function = modes.index.function_of(call)
    if function is not None:
        if regions.trains(function):
            return False
        for caller in regions.callers(function):
            outer = modes.index.function_of(caller)
            if regions.in_training_loop(caller) or (outer is not None and regions.trains(outer)):
                return False
        return True
    loops = set(regions.loops_of(call))
    for training in regions.training_calls:
        if modes.index.function_of(training) is None and modes.index.precedes(call, training):
            training_loop = regions.loop_of(training)
            if training_loop is None or training_loop in loops:
                return False
    return True


# What reads a value's structure and not its numbers: a tensor's shape, size, rank, dtype, device;
# a dict output's keys.
SHAPE_ATTRIBUTES = frozenset({"shape", "dtype", "ndim", "device", "is_cuda", "layout"})
SHAPE_METHODS = frozenset({"size", "dim", "ndimension", "numel", "nelement", "keys", "get_device"})
SHAPE_BUILTINS = frozenset({"len", "type", "isinstance"})
# Methods whose result is the value (or a part of it) moved or reshaped: its shape is still only a shape.
_CARRYING_METHODS = frozenset({
    "to", "cuda", "cpu", "float", "double", "half", "bfloat16", "detach", "contiguous", "squeeze",
    "unsqueeze", "view", "reshape", "flatten", "permute", "transpose", "get",
})
_ELEMENT_WRAPPERS = (cst.Tuple, cst.List, cst.Element, cst.StarredElement)
_MAX_SHAPE_DEPTH = 5


def shape_only(modes: Modes, call: cst.Call) -> bool:
    """The model call's output is read only for its structure: its shape, size, rank, dtype or
    device, or a dict output's keys, directly (``model(x).shape``) or through the names it is bound
    to, its items and elements (``out = model(x)``, then ``for name, value in out.items():
    print(name, value.size())``; ``out["logits"].shape``). Every use of those names in the scope
    (nested functions included) must be such a read, and there must be one. A shape smoke test
    measures nothing, so the mode it runs in does not matter: it is no evaluation. A comparison, a
    metric, a loss, an ``argmax``, a list of predictions, a print of the values keep it one."""
    scope = modes.scope_of(call)
    return _shape_read(modes, call, scope, 0)


def _shape_read(modes: Modes, node: cst.CSTNode, scope: cst.CSTNode, depth: int) -> bool:
    """Every use of the value of the expression ``node`` reads only its structure."""
    if depth > _MAX_SHAPE_DEPTH:
        return False
    index = modes.index
    parent = index.parent(node)
    if isinstance(parent, cst.Attribute) and parent.value is node:
        attr = parent.attr.value
        if attr in SHAPE_ATTRIBUTES:
            return True
        holder = index.parent(parent)
        if not (isinstance(holder, cst.Call) and holder.func is parent):
            return False
        if attr in SHAPE_METHODS:
            return True
        if attr in _CARRYING_METHODS:
            return _shape_read(modes, holder, scope, depth + 1)
        if attr in ("items", "values"):
            loop = index.parent(holder)
            if not (isinstance(loop, (cst.For, cst.CompFor)) and loop.iter is holder):
                return False
            target = loop.target
            if attr == "items":  # the key is structure; the value must be read as such
                if not (isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == 2):
                    return False
                target = target.elements[1].value
            return _shape_read_target(modes, target, scope, depth + 1)
        return False
    if isinstance(parent, cst.Subscript) and parent.value is node:
        return _shape_read(modes, parent, scope, depth + 1)
    if isinstance(parent, cst.Arg) and parent.value is node and parent.keyword is None:
        holder = index.parent(parent)
        return (isinstance(holder, cst.Call) and bool(holder.args) and holder.args[0] is parent
                and isinstance(holder.func, cst.Name) and holder.func.value in SHAPE_BUILTINS)
    if isinstance(parent, cst.Assign) and parent.value is node and len(parent.targets) == 1:
        target = parent.targets[0].target
        if isinstance(target, cst.Name):
            return _shape_read_name(modes, target.value, scope, depth + 1, unused=False)
        return isinstance(target, (cst.Tuple, cst.List)) \
            and _shape_read_target(modes, target, scope, depth + 1)
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
        return _shape_read_target(modes, parent.target, scope, depth + 1)
    return False


def _shape_read_target(modes: Modes, target: cst.BaseExpression, scope: cst.CSTNode, depth: int) -> bool:
    """Every name bound by ``target`` (an element or item of a value) is read only for its
    structure; one never read is fine (``for name, _ in out.items()``)."""
    if isinstance(target, cst.Name):
        return _shape_read_name(modes, target.value, scope, depth, unused=True)
    if isinstance(target, (cst.Tuple, cst.List)):
        return all(isinstance(element, cst.Element)
                   and _shape_read_target(modes, element.value, scope, depth) for element in target.elements)
    return False


def _shape_read_name(modes: Modes, name: str, scope: cst.CSTNode, depth: int, unused: bool) -> bool:
    uses = _name_uses(modes, scope).get(name, [])
    if not uses:
        return unused
    return all(_shape_read(modes, use, scope, depth) for use in uses)


def _name_uses(modes: Modes, scope: cst.CSTNode) -> dict[str, list[cst.Name]]:
    """Every read of a plain name in ``scope``, nested functions and lambdas included (a closure
    that reads the name uses it too); bindings, attribute names and keywords are no reads. A nested
    function's (or lambda's) own local of the same name is another variable: a method's
    ``output = self.block(x); return output`` is no read of the module's ``output``."""
    found = modes._name_uses.get(scope)
    if found is not None:
        return found
    from dllint.index import child_nodes

    found = {}
    index = modes.index
    no_shadow: frozenset[str] = frozenset()
    stack: list[tuple[cst.CSTNode, frozenset[str]]] = [
        (scope.body if isinstance(scope, cst.FunctionDef) else scope, no_shadow)]
    while stack:
        node, shadowed = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.Lambda)):
            # decorators and defaults run in the enclosing scope; the body sees the function's locals
            inner = shadowed | _local_names(index, node)
            stack.extend((child, inner if child is node.body else shadowed) for child in child_nodes(node))
            continue
        stack.extend((child, shadowed) for child in child_nodes(node))
        if isinstance(node, cst.Name) and node.value not in shadowed and not _not_a_read(index, node):
            found.setdefault(node.value, []).append(node)
    modes._name_uses[scope] = found
    return found


def _local_names(index, function: cst.FunctionDef | cst.Lambda) -> frozenset[str]:
    """The names local to ``function``: its parameters and the names its body binds (assignment,
    loop, ``with``/``except``/``import ... as`` targets, nested definitions), less those it declares
    ``global``/``nonlocal``. Comprehension variables are left out (they are local to the
    comprehension, and leaving them out keeps the function's reads of the outer name)."""
    from dllint.index import child_nodes

    params = function.params
    names = {param.name.value for param in (*params.posonly_params, *params.params, *params.kwonly_params)}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    if isinstance(function, cst.Lambda):
        return frozenset(names)
    declared: set[str] = set()
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Global, cst.Nonlocal)):
            declared.update(item.name.value for item in node.names)
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            names.add(node.name.value)
            continue  # their bodies are scopes of their own
        elif isinstance(node, cst.Lambda):
            continue
        elif isinstance(node, cst.Name) and _binds(index, node):
            names.add(node.value)
        stack.extend(child_nodes(node))
    return frozenset(names - declared)


def _binds(index, name: cst.Name) -> bool:
    """``name`` is bound where it stands (not in a comprehension's ``for``)."""
    parent = index.parent(name)
    if isinstance(parent, cst.ImportAlias):
        return parent.name is name and parent.asname is None
    node: cst.CSTNode = name
    while isinstance(parent, _ELEMENT_WRAPPERS):
        node, parent = parent, index.parent(parent)
    if isinstance(parent, (cst.AssignTarget, cst.For, cst.AnnAssign, cst.NamedExpr, cst.AugAssign)):
        return getattr(parent, "target", None) is node
    return isinstance(parent, cst.AsName) and parent.name is node


def _not_a_read(index, name: cst.Name) -> bool:
    parent = index.parent(name)
    if isinstance(parent, cst.Attribute):
        return parent.attr is name
    if isinstance(parent, (cst.Arg, cst.Param, cst.FunctionDef, cst.ClassDef, cst.ImportAlias)):
        return getattr(parent, "keyword", None) is name or getattr(parent, "name", None) is name
    node: cst.CSTNode = name
    while isinstance(parent, _ELEMENT_WRAPPERS):
        node, parent = parent, index.parent(parent)
    if isinstance(parent, (cst.AssignTarget, cst.For, cst.CompFor, cst.AnnAssign, cst.NamedExpr)):
        return getattr(parent, "target", None) is node
    return isinstance(parent, cst.AsName) and parent.name is node


def _iterated(iterable: cst.BaseExpression) -> cst.BaseExpression:
    """What a loop walks, under ``enumerate``/``tqdm``/``iter``: ``loader`` in
    ``enumerate(tqdm(loader))``."""
    while isinstance(iterable, cst.Call) and iterable.args \
            and (dotted_name(iterable.func) or "").rsplit(".", 1)[-1] in ("enumerate", "tqdm", "iter"):
        iterable = iterable.args[0].value
    return iterable


# A data loader by its name's last part: ``train_loader``, ``trainloader``, ``self.test_loader``,
# ``dataloaders["train"]``, ``val_dl``.
LOADER_NAME = re.compile(r"loader|(^|_)dl$", re.IGNORECASE)


def iterates_loader(loop: cst.For) -> bool:
    """``for x, y in train_loader:``, ``enumerate(tqdm(dataloaders[phase]))``,
    ``DataLoader(dataset, ...)``: a loop over a data loader. Code written around one expects
    batches; a path on which the loader yields none is a run on no data (see docs/engine.md,
    "Loop trip counts")."""
    iterable = _iterated(loop.iter)
    if isinstance(iterable, cst.Call):
        return (dotted_name(iterable.func) or "").rsplit(".", 1)[-1] == "DataLoader"
    while isinstance(iterable, cst.Subscript):
        iterable = iterable.value
    name = dotted_name(iterable)
    return name is not None and bool(LOADER_NAME.search(name.rsplit(".", 1)[-1]))


def _no_identity(values: list[cst.BaseExpression] | None, key: str) -> bool:
    """The bindings of ``key`` say nothing about what it holds: none in this file, or only
    ``None`` (a placeholder until a loader or a factory of another module fills it) and moves of
    itself (``self.model = self.model.to(device)``). A name switched with ``.eval()`` / ``.train()``
    and bound to nothing else is then a module."""
    for value in values or ():
        if isinstance(value, cst.Name) and value.value == "None":
            continue
        while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                and value.func.attr.value in SELF_RETURNING:
            value = value.func.value
        if isinstance(value, (cst.Name, cst.Attribute)) and model_key(value) == key:
            continue
        return False
    return True


def _not_none_key(test: cst.BaseExpression) -> str | None:
    """The model key ``k`` of a test ``k is not None``."""
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        if isinstance(target.operator, cst.IsNot) and isinstance(target.comparator, cst.Name) \
                and target.comparator.value == "None":
            return model_key(test.left)
    return None


def _mode_token_of(statement: cst.CSTNode, key: str) -> object:
    """The mode token a statement ``key.eval()`` / ``key.train()`` sets, else None."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return None
    token = None
    for small in statement.body:
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            switched = mode_call(small.value)
            if switched is not None and switched[0] == key:
                token = switched[1]
    return token


def _switched_keys(node: cst.CSTNode | None) -> set[str]:
    """Keys that ``node`` switches with ``.eval()`` / ``.train(...)`` itself."""
    if node is None:
        return set()
    out: set[str] = set()
    for sub in _walk_body(node):
        if isinstance(sub, cst.Call):
            switched = mode_call(sub)
            if switched is not None:
                out.add(switched[0])
    return out


def _grad_switch_name(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Call):
        expr = expr.func
    last = (dotted_name(expr) or "").rsplit(".", 1)[-1]
    # also project wrappers such as yolov5's ``@smart_inference_mode()``
    return "no_grad" in last or "inference_mode" in last or last == "set_grad_enabled"


def _calls_post_order(node: cst.CSTNode) -> list[cst.Call]:
    """The calls of an expression in evaluation order (arguments and receivers before the call).

    Iterative: generated code nests expressions deeper than Python's recursion limit."""
    from dllint.index import child_nodes

    out: list[cst.Call] = []
    stack: list[tuple[cst.CSTNode, bool]] = [(node, False)]
    while stack:
        current, expanded = stack.pop()
        if expanded:
            if isinstance(current, cst.Call):
                out.append(current)
            continue
        stack.append((current, True))
        for child in reversed(child_nodes(current)):
            if not isinstance(child, _SKIP_DESCEND):
                stack.append((child, False))
    return out


_COPIES = COPIES


def _unwrap_copies(value: cst.BaseExpression, imports) -> cst.BaseExpression:
    """The module under moves, wrappers and copies: ``net`` for ``deepcopy(net).to(device)``."""
    for _ in range(16):
        value = unwrap_module(value, imports)
        if isinstance(value, cst.Call) and value.args and isinstance(value.func, (cst.Name, cst.Attribute)) \
                and imports.qualify(value.func) in _COPIES:
            value = value.args[0].value
            continue
        return value
    return value


class Saved(NamedTuple):
    """The value of ``model.training`` read into a variable: the modes ``key`` had then."""

    key: str
    tokens: frozenset


def _saved_tokens(tokens: frozenset | None, key: str) -> frozenset | None:
    if not tokens:
        return None
    found = [t.tokens for t in tokens if isinstance(t, Saved) and t.key == key]
    if not found or len(found) != len(tokens):
        return None
    return frozenset().union(*found)


def _ends_abruptly(suite: cst.BaseSuite) -> bool:
    """The suite's last statement is a ``return``, ``raise``, ``break`` or ``continue``."""
    body = suite.body if isinstance(suite, cst.IndentedBlock) else [suite]
    last = body[-1] if body else None
    if isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) and last.body:
        return isinstance(last.body[-1], (cst.Return, cst.Raise, cst.Break, cst.Continue))
    return False


def _switch_kinds(node: cst.CSTNode, key: str) -> frozenset:
    """"train" / "eval" for each literal ``key.train()`` / ``key.eval()`` in ``node``."""
    kinds = set()
    for sub in _walk_body(node):
        if isinstance(sub, cst.Call):
            switched = mode_call(sub)
            if switched is not None and switched[0] == key:
                kinds.add("train" if switched[1] == TRAIN else "eval" if is_eval_token(switched[1])
                          else "dynamic")
    return frozenset(kinds)


class _ModeLattice:
    """The lattice of :class:`_Interpreter`'s states for the solver: a map from model key to the
    set of modes it may be in; joined key by key, by union."""

    def __init__(self, interpreter: "_Interpreter") -> None:
        self.interpreter = interpreter

    def join(self, a: State, b: State) -> State:
        return self.interpreter.join([a, b]) or {}

    def transfer(self, element: Element, state: State) -> State | None:
        after = self.interpreter.element(element, state)
        if after is not None and self.interpreter.modes.unbound.raises(element):
            return None  # it reads a name bound nowhere: NameError, no path goes on (CM)
        return after

    def edge(self, edge: Edge, state: State) -> State | None:
        return self.interpreter.along(edge, state)

    def same(self, a: State, b: State) -> bool:
        return a == b


class _Interpreter:
    """One abstract run; see the module docstring."""

    def __init__(self, modes: Modes, scope: cst.CSTNode,
                 probes: dict[cst.Call, str] | None = None, self_class: "SelfClass | None" = None,
                 assume: frozenset = frozenset()) -> None:
        self.modes = modes
        self.assume = assume
        self.self_class = self_class
        self.probes = probes or {}
        self.probed: dict[cst.Call, frozenset] = {}
        self.models = modes.models
        self.regions = modes.regions
        self.scope = scope
        self.result = Run(scope)
        self._with_exits: dict[cst.CSTNode, list[tuple[cst.Call, Run, bool]]] = {}
        self.yields: list[State] = []
        self._steps_reached: set[cst.CSTNode] = set()  # the training calls this run reached
        self.function = scope if isinstance(scope, cst.FunctionDef) else None
        # a @contextmanager function: its ``yield`` is where the ``with`` body runs
        self.yield_exit = self.function is not None and modes.is_context_manager_function(self.function)

    # -- state ------------------------------------------------------------------------------------
    def default(self, key: str) -> frozenset:
        if self.function is None:
            return frozenset({UNKNOWN})
        root = key.split(".")[0]
        if root in self.modes.locals_of(self.function) and root not in self.modes._param_names(self.function):
            return frozenset({UNKNOWN})
        return frozenset({ENTRY})

    def join(self, states: list[State | None]) -> State | None:
        return _join(states, lambda s, key: self.get(s, key))

    def get(self, state: State, key: str) -> frozenset:
        if key in state:
            return state[key]
        if key.startswith(FLAG):
            # a flag the path never set: as it came in, unless an unfollowed call got its object
            root = key.partition(".")[0]
            return _UNKNOWN_ONLY if "." in key and root + WILDCARD in state else frozenset({ENTRY})
        parts = key.split(".")
        for size in range(len(parts) - 1, 0, -1):
            parent = ".".join(parts[:size])
            if parent in state:
                return state[parent]
        return self.default(key)

    def set(self, state: State, key: str, tokens: frozenset) -> None:
        if tokens == _UNKNOWN_ONLY and key not in state and self.get(state, key) == _UNKNOWN_ONLY:
            return  # keep the state small: untracked names are unknown anyway
        prefix = key + "."
        for other in [k for k in state if k.startswith(prefix)]:
            del state[other]
        state[key] = tokens

    # -- flags (see :mod:`dllint.analysis.flags`) --------------------------------------------------
    def flag(self, state: State, key: str) -> Flag | None:
        """The value the flag ``key`` holds on every path here, else None."""
        if key.split(".")[0] in self.modes.declared_outside():
            return None
        return _flags.known(state.get(FLAG + key))

    def _bind_flag(self, target: cst.BaseExpression, value: cst.BaseExpression, state: State) -> None:
        key = _flags.flag_key(target)
        if key is None or key.split(".")[0] in self.modes.declared_outside():
            self._unset_flags(target, state)
            return
        found = _flags.flag_literal(value)
        copied = _flags.flag_key(value)
        if found is None and copied is not None:
            found = self.flag(state, copied)
        if found is not None:
            state[FLAG + key] = frozenset({found})
        elif "." in key or FLAG + key in state:
            # (an attribute is always recorded, so that a callee's exit state tells its callers)
            state[FLAG + key] = _UNKNOWN_ONLY

    def _unset_flags(self, target: cst.BaseExpression, state: State) -> None:
        for key in _flags.assigned_keys(target):
            if "." in key or FLAG + key in state:
                state[FLAG + key] = _UNKNOWN_ONLY

    def _forget_flags_on(self, root: str, state: State) -> None:
        """An unfollowed call was given the object ``root``: every flag on it is unknown; for
        ``self`` or a parameter, also in the callers (the wildcard of the exit state)."""
        prefix = FLAG + root + "."
        for key in [k for k in state if k.startswith(prefix)]:
            state[key] = _UNKNOWN_ONLY
        if self.function is not None and (root == "self" or root in self.modes._param_names(self.function)):
            state[FLAG + root + WILDCARD] = _UNKNOWN_ONLY

    def _forget_flags_of_call(self, call: cst.Call, state: State) -> None:
        """A call the analysis does not follow: the objects it is given (its receiver when that is
        a plain name or ``super()``, each plain name passed) may have their flags rebound."""
        func = call.func
        if isinstance(func, cst.Name) and func.value in _flags.READ_ONLY_BUILTINS:
            return
        roots = [a.value.value for a in call.args if isinstance(a.value, cst.Name)]
        if isinstance(func, cst.Attribute):
            if isinstance(func.value, cst.Name):
                roots.append(func.value.value)
            elif isinstance(func.value, cst.Call) and isinstance(func.value.func, cst.Name) \
                    and func.value.func.value == "super":
                roots.append("self")  # super().m(...)
        for root in roots:
            self._forget_flags_on(root, state)

    def split_run(self, call: cst.Call, owner: "Modes", target: cst.FunctionDef,
                  subclass: "SelfClass | None", state: State) -> Run:
        """The callee's run under the flags the caller holds at a known value; a parameter that
        holds one truth for the whole call (:meth:`Modes.correlated_flags`) and whose argument is
        not known splits it: one run per value it may take, joined. ``if bn_eval: model.eval()``
        ... ``if bn_eval: model.train()`` then leaves the model as it came on every path."""
        assumed = self._assumed(call, owner, target, state)
        known = {key for key, _ in assumed}
        split = [(key, values) for key, values in owner.correlated_flags(target) if key not in known]
        if not split:
            return owner.run(target, subclass, assumed)
        choices: list[frozenset] = [assumed]
        for key, values in split:
            choices = [choice | {(key, value)} for choice in choices for value in values]
        return _join_runs(target, [owner.run(target, subclass, choice) for choice in choices])

    def _assumed(self, call: cst.Call, owner: "Modes", target: cst.FunctionDef, state: State) -> frozenset:
        """(the callee's flag key, value) for each flag the callee's tests read that the caller
        holds at a known value here: the callee runs under them."""
        tested = owner.tested_flags(target)
        if not tested:
            return frozenset()
        found = []
        for key in tested:
            value = self._passed_flag(call, owner, target, key, state)
            if value is not None:
                found.append((key, value))
        return frozenset(found)

    def _passed_flag(self, call: cst.Call, owner: "Modes", target: cst.FunctionDef, key: str,
                     state: State) -> Flag | None:
        root, dot, rest = key.partition(".")
        if root == "self" and dot and owner.is_method(target):
            receiver = self.modes._receiver(call)
            if receiver is None or "." in receiver:
                return None
            return self.flag(state, f"{receiver}.{rest}")
        if root not in owner._param_names(target):
            return None  # a local or a global: as it comes in
        expr = self.modes._argument_for(call, target, root)
        if expr is None:
            if dot or any(arg.star for arg in call.args):
                return None
            params = target.params
            for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                if param.name.value == root:
                    return _flags.flag_literal(param.default)
            return None
        if dot:
            return self.flag(state, f"{expr.value}.{rest}") if isinstance(expr, cst.Name) else None
        literal = _flags.flag_literal(expr)
        if literal is not None:
            return literal
        passed = _flags.flag_key(expr)
        return self.flag(state, passed) if passed is not None else None

    def _drop_unreached_steps(self) -> None:
        """Under the caller's flags a step may be dead: ``run_epoch(model, val_loader, loss_fn, None)``
        with ``if optimizer: loss.backward(); optimizer.step()``. A forward whose loop (or scope)
        is a training step only through training calls of this scope that the run never reached is
        then an evaluation: it is no training use, and the entry model is not trained."""
        uses = self.result.train_uses
        dropped = False
        for use, key in list(uses):
            if not isinstance(use, cst.Call) or self.modes.model_of_call(use) is None:
                continue  # a helper's training (its own run decided it)
            loop = self.regions.loop_of(use)
            steps = self.modes.steps_in.get(loop if loop is not None else self.scope)
            if not steps or any(self.modes.scope_of(step) is not self.scope or step in self._steps_reached
                                for step in steps):
                continue
            del uses[(use, key)]
            dropped = True
        if dropped:
            self.result.trains_entry = {key for (_, key), tokens in uses.items() if ENTRY in tokens}

    def _flag_exit(self, call: cst.Call, callee: cst.FunctionDef, run: Run, state: State) -> None:
        """The flags a followed callee leaves on the objects it was given (``self.x`` of the receiver,
        ``p.x`` of an argument): set, made unknown, or untouched (``ENTRY``)."""
        updates: list[tuple[str, frozenset]] = []
        forgotten: list[str] = []
        for key, tokens in run.exit.items():
            if not key.startswith(FLAG) or "." not in key or tokens == frozenset({ENTRY}):
                continue
            root, _, rest = key[len(FLAG):].partition(".")
            mapped = self._mapped_root(call, callee, root)
            if mapped is None:
                continue
            if rest == "*":
                forgotten.append(mapped)
            else:
                updates.append((f"{FLAG}{mapped}.{rest}", tokens))
        for root in forgotten:
            self._forget_flags_on(root, state)
        for key, tokens in updates:
            new: set = set()
            for token in tokens:
                new |= self.get(state, key) if token == ENTRY else {token}
            state[key] = frozenset(new)

    def _mapped_root(self, call: cst.Call, callee: cst.FunctionDef, root: str) -> str | None:
        """The caller's plain name for the callee's object ``root`` (``self`` or a parameter)."""
        if root == "self" and self.modes.is_method(callee):
            receiver = self.modes._receiver(call)
            return receiver if receiver is not None and "." not in receiver else None
        if root in self.modes._param_names(callee):
            expr = self.modes._argument_for(call, callee, root)
            return expr.value if isinstance(expr, cst.Name) else None
        return None

    # -- running ----------------------------------------------------------------------------------
    def execute(self) -> Run:
        """Solve the scope's control-flow graph to a fixpoint (see :mod:`dllint.analysis.solver`);
        the calls met on the way record what they see, as a union over every visit."""
        graph = build_cfg(self.scope, at_least_once=self.modes.runs_at_least_once)
        entry: State = {FLAG + key: frozenset({value}) for key, value in sorted(self.assume)}
        solution = solve(graph, _ModeLattice(self), entry)
        if self.assume and not solution.truncated:
            self._drop_unreached_steps()
        self.result.exit = solution.exit_state or {}
        self.result.enter = self.join(self.yields) or {}
        self.result.truncated = self.result.truncated or solution.truncated
        return self.result

    # -- transfer over one element of the graph -----------------------------------------------------
    def element(self, element: Element, state: State) -> State | None:
        kind, node = element
        state = dict(state)
        if kind == "stmt":
            self.small(node, state)  # type: ignore[arg-type]
        elif kind == "test":
            self.expression(node, state)
        elif kind == "iter":
            self.expression(node.iter, state)  # type: ignore[attr-defined]
        elif kind == "target":
            for name in _names_in_target(node.target):  # type: ignore[attr-defined]
                self.set(state, name, frozenset({UNKNOWN}))
            self._unset_flags(node.target, state)  # type: ignore[attr-defined]
        elif kind == "enter":
            exits: list[tuple[cst.Call, Run, bool]] = []
            self.expression(node.item, state)  # type: ignore[attr-defined]
            self.context_manager(node.item, state, exits)  # type: ignore[attr-defined]
            self._with_exits[node] = exits
            if node.asname is not None:  # type: ignore[attr-defined]
                for name in _names_in_target(node.asname.name):  # type: ignore[attr-defined]
                    self.set(state, name, frozenset({UNKNOWN}))
                self._unset_flags(node.asname.name, state)  # type: ignore[attr-defined]
        elif kind == "exit":
            for call, run, premapped in reversed(self._with_exits.get(node, [])):
                if premapped:
                    self._apply_mapped(call, run.exit, state)
                else:
                    self.apply(call, run, state, record=False)
        elif kind == "subject":
            self.expression(node.subject, state)  # type: ignore[attr-defined]
        return state

    def small(self, node: cst.BaseSmallStatement, state: State) -> None:
        if isinstance(node, cst.Return):
            if node.value is not None:
                self.expression(node.value, state)
                self._record_return(node, node.value, state)
            return
        if isinstance(node, cst.Raise):
            if node.exc is not None:
                self.expression(node.exc, state)
            return
        if isinstance(node, (cst.Break, cst.Continue)):
            return
        if isinstance(node, cst.Assign):
            self.expression(node.value, state)
            for target in node.targets:
                self.bind(target.target, node.value, state)
                self._bind_flag(target.target, node.value, state)
            return
        if isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.expression(node.value, state)
                self.bind(node.target, node.value, state)
                self._bind_flag(node.target, node.value, state)
            return
        if isinstance(node, cst.AugAssign):
            self._unset_flags(node.target, state)
        if isinstance(node, cst.Expr) and isinstance(node.value, (cst.Yield,)) and self.yield_exit:
            self.yields.append(dict(state))
            return
        self.expression(node, state)

    def along(self, edge: Edge, state: State) -> State | None:
        """What a path learns on the branches of an ``if``."""
        if edge.kind in ("true", "false") and edge.test is not None:
            holds = _flags.truth(edge.test, lambda key: self.flag(state, key))
            if holds is not None and holds != (edge.kind == "true"):
                return None  # ``if self.is_test:`` after ``self.is_test = False``: not taken
        if edge.kind != "false" or edge.test is None:
            return state
        node = self.modes.index.parent(edge.test)
        if not isinstance(node, cst.If) or node.orelse is not None or _ends_abruptly(node.body):
            return state
        restore = self._restore_guard(node, state)
        if restore is not None:
            state = dict(state)
            state[restore[0]] = restore[1]
            return state
        if self._isinstance_module_guard(node.test):
            # ``if isinstance(net, nn.Module): net.eval()``: on the other path it is not a module.
            return None
        none_key = _not_none_key(node.test)
        if none_key is not None and none_key in _switched_keys(node.body):
            # ``if encoder is not None: encoder.eval()``: on the other path ``encoder`` is None, so
            # its mode there is moot (any later ``encoder(x)`` needs the same test to run).
            state = dict(state)
            state[none_key] = frozenset()
        return state

    def _restored(self, call: cst.Call, key: str, state: State) -> frozenset | None:
        """The saved mode that ``model.train(was_training)``, or ``model.train()`` under
        ``if was_training:``, puts back (``was_training = model.training`` earlier); else None."""
        args = call.args
        if len(args) == 1 and isinstance(args[0].value, cst.Name):
            return _saved_tokens(state.get(args[0].value.value), key)
        if args:
            return None
        parent = self.modes.index.parent(self.modes.index.statement_of(call))
        if not isinstance(parent, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            return None
        branch = self.modes.index.parent(parent)
        if isinstance(branch, cst.If) and branch.body is parent:
            restore = self._restore_guard(branch, state)
            if restore is not None and restore[0] == key:
                return restore[1]
        return None

    def _restore_guard(self, node: cst.If, state: State) -> tuple[str, frozenset] | None:
        """(key, saved modes) for ``if was_training: key.train()`` (no else), where
        ``was_training`` holds ``key``'s saved mode: on both paths ``key`` ends as it was saved."""
        test = node.test
        if node.orelse is not None or not isinstance(test, cst.Name) or test.value not in state:
            return None
        for key in sorted({t.key for t in state[test.value] if isinstance(t, Saved)}):
            if _switch_kinds(node.body, key) == frozenset({"train"}):
                saved = _saved_tokens(state[test.value], key)
                if saved is not None:
                    return key, saved
        return None

    def _by_condition(self, call: cst.Call) -> bool:
        """``if phase == "train": model.train() else: model.eval()`` is ``model.train(flag)``: the
        later code tests the same condition, which this analysis does not follow, so the mode is
        DYNAMIC rather than "train on one path, eval on another"."""
        switched = mode_call(call)
        if switched is None:
            return False
        key = switched[0]
        for ancestor in self.modes.index.ancestors(call):
            if ancestor is self.scope or isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                return False
            if isinstance(ancestor, cst.If) and isinstance(ancestor.orelse, cst.Else):
                one = _switch_kinds(ancestor.body, key)
                other = _switch_kinds(ancestor.orelse, key)
                return (one, other) in ((frozenset({"train"}), frozenset({"eval"})),
                                        (frozenset({"eval"}), frozenset({"train"})))
        return False

    def _isinstance_module_guard(self, test: cst.BaseExpression) -> bool:
        if not (isinstance(test, cst.Call) and isinstance(test.func, cst.Name)
                and test.func.value == "isinstance" and len(test.args) == 2):
            return False
        qualified = self.modes.imports.qualify(test.args[1].value) or ""
        return qualified.startswith("torch.nn.")

    def context_manager(self, expr: cst.BaseExpression, state: State, exits: list) -> None:
        """``with eval_mode(model):`` (a @contextmanager of this module) or ``with EvalMode(model):``
        (a class of this module whose ``__enter__`` switches the mode)."""
        if not isinstance(expr, cst.Call):
            return
        target = self.regions.resolved(expr)
        if target is not None and self.modes.is_context_manager_function(target):
            run = self.modes.run(target)
            self.apply(expr, Run(target, exit=run.enter), state, record=False)
            exits.append((expr, run, False))
            return
        if isinstance(expr.func, cst.Name) and expr.func.value in self.regions.classes:
            klass = self.regions.classes[expr.func.value]
            enter = self.regions.lookup_method(klass, "__enter__")
            init = self.regions.lookup_method(klass, "__init__")
            if enter is None or init is None:
                return
            attributes = self._init_attributes(init)
            for method, when in ((enter, "enter"), (self.regions.lookup_method(klass, "__exit__"), "exit")):
                if method is None:
                    continue
                run = self.modes.run(method)
                mapped: State = {}
                for key, tokens in run.exit.items():
                    root, dot, rest = key.partition(".")
                    if root != "self":
                        continue
                    attr, _, tail = rest.partition(".")
                    param = attributes.get(attr)
                    if param is None:
                        continue
                    argument = self.modes._argument_for(expr, init, param)
                    caller_key = model_key(argument) if argument is not None else None
                    if caller_key is None:
                        continue
                    mapped[caller_key + ("." + tail if tail else "")] = tokens
                if when == "enter":
                    self._apply_mapped(expr, mapped, state)
                else:
                    exits.append((expr, Run(method, exit=mapped), True))

    def _init_attributes(self, init: cst.FunctionDef) -> dict[str, str]:
        """``self.model = model`` in ``__init__``: attribute -> parameter."""
        params = set(self.modes._param_names(init))
        out: dict[str, str] = {}
        for node in _walk_body(init.body):
            if isinstance(node, cst.Assign) and isinstance(node.value, cst.Name) \
                    and node.value.value in params:
                for target in node.targets:
                    name = dotted_name(target.target) or ""
                    if name.startswith("self.") and name.count(".") == 1:
                        out[name[5:]] = node.value.value
        return out

    # -- expressions ------------------------------------------------------------------------------
    def expression(self, node: cst.CSTNode, state: State) -> None:
        for call in _calls_post_order(node):
            self.call(call, state)

    def call(self, call: cst.Call, state: State) -> None:
        self._steps_reached.add(call)
        if call in self.probes:
            self.probed[call] = self.probed.get(call, frozenset()) | self.get(state, self.probes[call])
        switched = self.modes.switch(call)
        if switched is not None:
            key, token = switched
            restored = self._restored(call, key, state)
            if restored is not None:
                self.set(state, key, restored)
                return
            if self._by_condition(call):
                token = DYNAMIC
            elif token == TRAIN and (self._conditional(call, key) or (
                    self.regions.no_grad(call) and not over_held_out_data(self.modes, call))):
                # chosen on purpose: under a condition, or inside a no-grad region (``update_bn``
                # re-estimating batch-norm statistics in training mode); not so inside a loop
                # over held-out data, where each forward pass is an evaluation
                token = CHOSEN_TRAIN
            self.set(state, key, frozenset({token}))
            return
        model_expr = self.modes.model_of_call(call)
        if model_expr is not None:
            key = model_key(model_expr)
            if key is not None:
                tokens = self.get(state, key)
                if self._has_trained_child(state, key):
                    tokens = tokens | {TRAIN}
                previous = self.result.model_calls.get(call)
                merged = tokens | previous[1] if previous else tokens
                self.result.model_calls[call] = (key, frozenset(merged))
                if self._training_use(call) and not self._between_eval_and_train(call, key) \
                        and self.modes.step_may_train(call, key):
                    self._record_train_use(call, key, tokens)
                    if ENTRY in tokens:
                        self.result.trains_entry.add(key)
            return
        key = self._loss_method_key(call)
        if key is not None:
            tokens = self.get(state, key)
            if self._training_use(call) and not self._between_eval_and_train(call, key) \
                    and self.modes.step_may_train(call, key):
                self._record_train_use(call, key, tokens)
                if ENTRY in tokens:
                    self.result.trains_entry.add(key)
            return
        target = self.regions.resolved(call)
        owner, subclass = self.modes, None
        dispatched = self.modes.dispatched(call, self.self_class)
        if dispatched is not None:
            owner, target, subclass = dispatched
        if target is None:
            external = self.modes.external(call) if self._passes_a_model(call, state) else None
            if external is not None:
                self.apply(call, external[1], state, record=True, callee=external[0])
            else:
                self._forget_flags_of_call(call, state)
        elif target is self.function and owner is self.modes and subclass == self.self_class:
            self.apply(call, Run(target, truncated=True), state, record=False, callee=target)
        elif owner is self.modes:
            run = self.split_run(call, owner, target, subclass, state)
            self.apply(call, run, state, record=True, callee=target)
        else:
            if target not in self.modes.foreign_modes:
                self.modes.foreign_modes[target] = owner
            if owner.regions.class_of(target) is not None:
                self.modes._foreign_methods.add(target)  # ``self`` is the receiver, not an argument
            PROJECT.depth += 1
            try:
                run = self.split_run(call, owner, target, subclass, state)
            finally:
                PROJECT.depth -= 1
            self.apply(call, run, state, record=True, callee=target)

    def _loss_method_key(self, call: cst.Call) -> str | None:
        """The model whose own method computes the loss that is back-propagated:
        ``loss = self.model.compute_loss(batch)`` then ``loss.backward()`` in the same block or
        loop. That method runs the forward pass, so the call trains the model like ``model(x)``."""
        func = call.func
        if not isinstance(func, cst.Attribute) or not isinstance(func.value, (cst.Name, cst.Attribute)):
            return None
        key = model_key(func.value)
        if key is None or key in ("self", "cls") or key not in self.modes.mode_keys:
            return None
        statement = self.modes.index.statement_of(call)
        if not (isinstance(statement, cst.Assign) and statement.value is call and len(statement.targets) == 1
                and isinstance(statement.targets[0].target, cst.Name)):
            return None
        name = statement.targets[0].target.value
        container = self.regions.loop_of(call) or self.function
        if container is None:
            return None
        for node in self.regions.training_calls:
            backward = node.func
            if isinstance(backward, cst.Attribute) and backward.attr.value == "backward" \
                    and isinstance(backward.value, cst.Name) and backward.value.value == name \
                    and (self.regions.loop_of(node) or self.modes.index.function_of(node)) is container:
                return key
        return None

    def _passes_a_model(self, call: cst.Call, state: State) -> bool:
        """``call`` hands a model (as an argument or as the receiver of a method) to its callee.
        Only then can another module's summary change this file's modes (a module's own globals
        are its own), so only then is the project asked: most calls pass tensors."""
        passed = [arg.value for arg in call.args]
        if isinstance(call.func, cst.Attribute):
            passed.append(call.func.value)
        for expr in passed:
            key = model_key(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
            if key is None:
                continue
            tokens = self.get(state, key)
            if any(t in _KNOWN_MODES or is_eval_token(t) for t in tokens):
                return True
            if ENTRY in tokens and (key in self.modes.mode_keys or is_model_name(key)
                                    or self.models.is_model(expr, call)):
                return True
        return False

    def _has_trained_child(self, state: State, key: str) -> bool:
        prefix = key + "."
        return any(k.startswith(prefix) and (TRAIN in v or CHOSEN_TRAIN in v) for k, v in state.items())

    def _conditional(self, call: cst.Call, key: str) -> bool:
        """``call`` sits in a branch of an ``if`` of this scope (not ``if __name__ == ...``)."""
        previous: cst.CSTNode = call
        for ancestor in self.modes.index.ancestors(call):
            if ancestor is self.scope or isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                return False
            if isinstance(ancestor, cst.Else) and not isinstance(self.modes.index.parent(ancestor), cst.If):
                previous = ancestor  # the else of a loop or a try runs unconditionally enough
                continue
            if isinstance(ancestor, (cst.If, cst.Else)) and previous is not getattr(ancestor, "test", None):
                if isinstance(ancestor, cst.If) and "__name__" in self.modes.ctx.code_for(ancestor.test):
                    previous = ancestor
                    continue
                branch = ancestor if isinstance(ancestor, cst.If) else self.modes.index.parent(ancestor)
                if isinstance(branch, cst.If) and isinstance(branch.orelse, cst.Else) \
                        and _switch_kinds(branch.body, key) == _switch_kinds(branch.orelse, key) \
                        == frozenset({"train"}):
                    # ``if packed: model.train(); out = model(a) else: model.train(); out = model(b)``:
                    # every arm trains, nothing is chosen
                    previous = branch
                    continue
                return True
            previous = ancestor
        return False

    def _training_use(self, call: cst.Call) -> bool:
        """A forward pass that is part of a training step: with gradients, in a loop whose own body
        trains, or outside loops in a function that trains outside loops (``train_step``). A model
        call after the batch loop, in the epoch loop's body, is an evaluation, not a step. Nor is a
        pass whose value reaches no backward pass (:mod:`dllint.analysis.backward_reach`: a test
        batch's loss only printed, in the loop that trains)."""
        if self.modes.maybe_no_grad(call):
            return False
        if not self.modes.ctx.analysis(BackwardReach).may_reach_backward(call):
            return False
        loop = self.regions.loop_of(call)
        if loop is not None:
            return loop in self.modes.step_loops
        return self.scope in self.modes.steps_outside_loops

    def _between_eval_and_train(self, call: cst.Call, key: str) -> bool:
        """``model.eval()``, then ``call``, then ``model.train()``, all in one block: an evaluation
        forward pass that switches back itself (``if t % 10 == 0: net.eval(); plot(net(x)); net.train()``),
        not a training step, even outside ``no_grad``."""
        statement = self.modes.index.statement_of(call)
        for node in (statement, *self.modes.index.ancestors(statement)):
            if node is self.scope or isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                return False
            parent = self.modes.index.parent(node)
            if isinstance(parent, cst.SimpleStatementLine):
                continue
            if isinstance(parent, (cst.IndentedBlock, cst.Module)) and node in parent.body:
                where = parent.body.index(node)
                before = [_mode_token_of(s, key) for s in parent.body[:where]]
                after = [_mode_token_of(s, key) for s in parent.body[where + 1:]]
                switched_before = [t for t in before if t is not None]
                switched_after = [t for t in after if t is not None]
                if switched_before or switched_after:
                    return (bool(switched_before) and is_eval_token(switched_before[-1])
                            and bool(switched_after) and switched_after[0] is TRAIN)
        return False

    def _record_return(self, node: cst.Return, value: cst.BaseExpression, state: State) -> None:
        """The modes of what ``return value`` hands back, and the name it hands back (a parameter
        returned as it came, ``return model.to(device)``, maps to the caller's argument)."""
        tokens = self.value_tokens(value, state)
        inner = _unwrap_copies(value, self.modes.imports)
        key = model_key(inner) if isinstance(inner, (cst.Name, cst.Attribute)) else None
        if key is None and isinstance(inner, cst.Call):
            # ``return nn.Sequential(*list(net.children())[:depth])``: the caller's ``net`` decides
            owners = rebuilt_owners(inner, self.modes.imports)
            key = model_key(owners[0]) if len(owners) == 1 else None
        previous = self.result.returns.get(node)
        if previous is not None:
            tokens = tokens | previous[1]
        self.result.returns[node] = (key, tokens)

    def _returned_tokens(self, call: cst.Call, state: State, target: str | None,
                         depth: int = 0) -> frozenset | None:
        """The modes of the module that ``call`` returns, from the callee's returns: a function of
        this file (``actmodel = truncate(net)``, which returns ``nn.Sequential(...)``: a fresh
        module trains) or, for a name the file runs or switches, of another project module. A
        switch inside the callee is, seen from here, ``call``; a returned parameter has the
        caller's modes of the argument. None when the callee is not known or returns nothing."""
        callee = self.regions.resolved(call)
        if callee is not None:
            if callee is self.function or not self.modes.returns_module(callee):
                return None
            run = self.modes.run(callee)
        elif target is not None and self.modes.runs_name(target):
            found = self.modes.external_factory(call)
            if found is None:
                return None
            callee, run = found
        else:
            return None
        if run.truncated or not run.returns:
            return None
        tokens: set = set()
        for key, returned in run.returns.values():
            for token in returned:
                if token == ENTRY:
                    mapped = self.modes.map_key(call, callee, key) if key is not None else None
                    if mapped is not None:
                        tokens |= self.get(state, mapped)
                        continue
                    # a parameter handed back (or rebuilt from) whose argument is no name:
                    # ``truncate(backbone(), 3)`` returns what ``backbone()`` builds, in its modes
                    passed = self._passed_expression(call, callee, key)
                    tokens |= self.value_tokens(passed, state, depth + 1, target) if passed is not None \
                        else _UNKNOWN_ONLY
                elif is_eval_token(token):
                    tokens.add(call)
                elif not isinstance(token, Saved):
                    tokens.add(token)
        return frozenset(tokens) or None

    def _passed_expression(self, call: cst.Call, callee: cst.FunctionDef,
                           key: str | None) -> cst.Call | None:
        """The call passed at ``call`` for ``callee``'s parameter ``key`` (a plain parameter the
        callee does not rebind), when it is a call; None otherwise."""
        if key is None or "." in key or key not in self.modes._param_names(callee) \
                or key in self.modes.rebound_params(callee):
            return None
        passed = self.modes._argument_for(call, callee, key)
        return passed if isinstance(passed, cst.Call) else None

    def _record_train_use(self, node: cst.CSTNode, key: str, tokens: frozenset) -> None:
        previous = self.result.train_uses.get((node, key), frozenset())
        self.result.train_uses[(node, key)] = previous | tokens

    def apply(self, call: cst.Call, run: Run, state: State, *, record: bool,
              callee: cst.FunctionDef | None = None) -> None:
        """Apply a callee's summary at ``call``."""
        callee = callee or (run.scope if isinstance(run.scope, cst.FunctionDef) else None)
        if callee is None:
            return
        if run.truncated:
            passed = [a.value for a in call.args]
            if isinstance(call.func, cst.Attribute):
                passed.append(call.func.value)
            for expr in passed:
                key = model_key(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
                if key is not None:
                    self.set(state, key, _UNKNOWN_ONLY)
            self._forget_flags_of_call(call, state)
            return
        if record:
            states = self.result.call_states.setdefault(call, {})
            for key in sorted(self._interesting_keys(callee, run)):
                mapped = self.modes.map_key(call, callee, key)
                if mapped is None:
                    continue
                tokens = self.get(state, mapped)
                states[mapped] = states.get(mapped, frozenset()) | tokens
                if key in run.trains_entry and not self.modes.maybe_no_grad(call) \
                        and not frozen_for_good(self.modes, mapped, call):
                    self._record_train_use(call, mapped, tokens)
                    if ENTRY in tokens:
                        self.result.trains_entry.add(mapped)
            for key in sorted(self._forwarded_in_step(call, callee, run)):
                mapped = self.modes.map_key(call, callee, key)
                if mapped is None or self._between_eval_and_train(call, mapped) \
                        or not self.modes.step_may_train(call, mapped):
                    continue  # (``net.eval(); plot(net, x); net.train()``: an evaluation, as for a pass)
                tokens = self.get(state, mapped)
                self._record_train_use(call, mapped, tokens)
                if ENTRY in tokens:
                    self.result.trains_entry.add(mapped)
        self._flag_exit(call, callee, run, state)
        mapped_exit: State = {}
        for key, tokens in run.exit.items():
            if tokens == frozenset({ENTRY}) or key.startswith(FLAG):
                continue
            mapped = self.modes.map_key(call, callee, key)
            if mapped is not None:
                mapped_exit[mapped] = mapped_exit.get(mapped, frozenset()) | tokens
        self._apply_mapped(call, mapped_exit, state)

    def _forwarded_in_step(self, call: cst.Call, callee: cst.FunctionDef, run: Run) -> set[str]:
        """The keys whose forward pass a helper called as part of a training step runs in the mode
        it is given: ``img, cap = self.forward_emb(images, captions)`` in a ``train_emb`` that
        back-propagates the loss over them (a step outside loops), or in a loop whose own body
        steps. Those passes are the step's own, so they train the models they run. Not a helper
        named or written as an evaluation, nor a pass under ``no_grad`` there."""
        if not self._training_use(call) or is_eval_name(callee.name.value):
            return set()
        callee_modes = self.modes.foreign_modes.get(callee, self.modes)
        if eval_function(callee_modes, callee):
            return set()
        keys: set[str] = set()
        for inner, (key, tokens) in run.model_calls.items():
            if ENTRY in tokens and key not in run.trains_entry and not callee_modes.maybe_no_grad(inner):
                keys.add(key)
        return keys

    def _apply_mapped(self, call: cst.Call, mapped_exit: State, state: State) -> None:
        for mapped, tokens in mapped_exit.items():
            new: set = set()
            for token in tokens:
                if token == ENTRY:
                    new |= self.get(state, mapped)
                elif is_eval_token(token):
                    new.add(call)  # the switch, seen from here, is this call
                else:
                    new.add(token)
            self.set(state, mapped, frozenset(new))

    def _interesting_keys(self, callee: cst.FunctionDef, run: Run) -> set[str]:
        keys = set(run.trains_entry)
        for key, _tokens in run.model_calls.values():
            keys.add(key)
        for states in run.call_states.values():
            keys.update(k for k in states)
        keys.update(k for k in run.exit if not k.startswith(FLAG))
        return keys

    # -- bindings ---------------------------------------------------------------------------------
    def bind(self, target: cst.BaseExpression, value: cst.BaseExpression, state: State) -> None:
        key = model_key(target) if isinstance(target, (cst.Name, cst.Attribute)) else None
        if key is not None:
            self.set(state, key, self.value_tokens(value, state, target=key))
            return
        for name in _names_in_target(target):
            self.set(state, name, frozenset({UNKNOWN}))

    def value_tokens(self, value: cst.BaseExpression, state: State, depth: int = 0,
                     target: str | None = None) -> frozenset:
        if depth > 8:
            return frozenset({UNKNOWN})
        if isinstance(value, cst.Attribute) and value.attr.value == "training":
            # ``was_training = model.training``: the mode, saved to be restored later
            key = model_key(value.value)
            if key is not None:
                return frozenset({Saved(key, self.get(state, key))})
        if isinstance(value, (cst.Name, cst.Attribute)):
            key = model_key(value)
            return self.get(state, key) if key is not None else frozenset({UNKNOWN})
        if not isinstance(value, cst.Call):
            return frozenset({UNKNOWN})
        switched = self.modes.switch(value) if isinstance(value.func, cst.Attribute) else None
        func = value.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("eval", "train") \
                and not self.modes.user_method(value):
            if func.attr.value == "eval" and not value.args:
                return frozenset({value})
            if switched is not None:
                return frozenset({switched[1]})
            if not value.args:
                return frozenset({TRAIN})
            return frozenset({DYNAMIC})
        if isinstance(func, cst.Attribute) and func.attr.value in SELF_RETURNING:
            return self.value_tokens(func.value, state, depth + 1, target)
        rebuilt = self._rebuilt_tokens(value, state, depth)
        if rebuilt is not None:
            return rebuilt
        kind = self.models.constructor_kind(value)
        if kind in ("nn", "class", "known"):
            return frozenset({TRAIN})
        if kind == "pretrained":
            return frozenset({PRETRAINED})
        qualified = self.modes.imports.qualify(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        last = (dotted_name(func) or "").rsplit(".", 1)[-1]
        if (qualified in WRAPPERS or last in WRAPPER_NAMES or qualified in _COPIES) and value.args:
            # (a copy of a module keeps its ``training`` flag)
            return self.value_tokens(value.args[0].value, state, depth + 1)
        if target is not None and last[:1].isupper() \
                and (qualified is None or qualified.split(".")[0] not in _LIBRARIES) \
                and self.models.is_model_call(value, target):
            # ``net = ResNet18()`` with the class imported from the project: a fresh module trains
            return frozenset({TRAIN})
        returned = self._returned_tokens(value, state, target, depth)
        if returned is not None:
            return returned
        return frozenset({UNKNOWN})

    def _rebuilt_tokens(self, value: cst.Call, state: State, depth: int) -> frozenset | None:
        """The modes of a container rebuilt from a model's children (fifteenth audit, EE):
        ``nn.Sequential(*list(vgg.children())[:31])`` holds ``vgg``'s own layers, each in the mode
        it is in (a layer's own ``training`` flag decides how it computes; the new container's
        flag reaches none of them, and ``nn.Sequential``/``nn.ModuleList`` compute nothing
        themselves): the modes of ``vgg`` here. Any other argument adds its own modes (a fresh
        ``nn.Dropout(0.2)`` beside them trains). None when no argument is a model's ``children()``
        (``nn.Sequential(*layers)`` over a list of fresh layers is a fresh, training container)."""
        func = value.func
        qualified = self.modes.imports.qualify(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        if qualified not in _REBUILDING_CONTAINERS or not value.args:
            return None
        tokens: set = set()
        rebuilt = False
        for arg in value.args:
            if arg.keyword is not None or arg.star == "**":
                return None
            owner = _children_owner(arg.value)
            if owner is not None and (arg.star == "*" or qualified.endswith("ModuleList")):
                rebuilt = True
                tokens |= self.value_tokens(owner, state, depth + 1)
            elif arg.star:
                return None  # ``*layers``: what the list holds is not read here
            else:
                tokens |= self.value_tokens(arg.value, state, depth + 1)
        return frozenset(tokens) if rebuilt else None


# Containers that run their children in turn and compute nothing themselves (their own ``training``
# flag changes no result): built from a model's children, they hold its layers in their modes.
_REBUILDING_CONTAINERS = frozenset({"torch.nn.Sequential", "torch.nn.ModuleList"})


def rebuilt_owners(value: cst.Call, imports) -> list[cst.BaseExpression]:
    """The models whose children the container ``value`` is rebuilt from (``[vgg]`` for
    ``nn.Sequential(*list(vgg.children())[:31])``); empty when it is none (see
    :meth:`_Interpreter._rebuilt_tokens`)."""
    qualified = imports.qualify(value.func) if isinstance(value.func, (cst.Name, cst.Attribute)) else None
    if qualified not in _REBUILDING_CONTAINERS:
        return []
    owners = []
    for arg in value.args:
        owner = _children_owner(arg.value)
        if owner is not None and (arg.star == "*" or qualified.endswith("ModuleList")):
            owners.append(owner)
    return owners


def _children_owner(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``vgg`` for ``vgg.children()``, ``list(vgg.children())``, ``list(vgg.children())[:31]``,
    ``tuple(vgg.children())[2:]``: the model whose child modules (a part of them) ``expr`` lists."""
    for _ in range(4):
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1 \
                and isinstance(expr.slice[0].slice, cst.Slice):
            expr = expr.value  # a slice keeps a part of the children
        elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) \
                and expr.func.value in ("list", "tuple") and len(expr.args) == 1 and not expr.args[0].star:
            expr = expr.args[0].value
        else:
            break
    if isinstance(expr, cst.Call) and not expr.args and isinstance(expr.func, cst.Attribute) \
            and expr.func.attr.value == "children" and model_key(expr.func.value) is not None:
        return expr.func.value
    return None


def eval_function(modes: Modes, function: cst.FunctionDef | None) -> bool:
    """A function whose name says it evaluates, that neither trains nor runs inside training."""
    if function is None or not is_eval_name(function.name.value):
        return False
    cache = modes._eval_functions
    if function not in cache:
        cache[function] = _eval_function(modes, function)
    return cache[function]


def _eval_function(modes: Modes, function: cst.FunctionDef) -> bool:
    regions = modes.regions
    if regions.trains(function):
        return False
    for call in regions.callers(function):
        if regions.in_training_loop(call) and not regions.maybe_no_grad(call):
            # ``predict(...)`` used to compute the training loss is not an evaluation
            caller = regions.index.function_of(call)
            if caller is None or regions.trains(caller):
                return False
    return True


def train_calls_named(modes: Modes, key: str) -> bool:
    """Some ``X.train()`` in the module whose receiver's last name part is ``key``'s."""
    last = key.rsplit(".", 1)[-1]
    if last not in modes._train_named:
        modes._train_named[last] = any(
            switched is not None and switched[1] in (TRAIN, DYNAMIC) and switched[0].rsplit(".", 1)[-1] == last
            for switched in map(mode_call, modes.calls))
    return modes._train_named[last]


def frozen(modes: Modes, key: str) -> bool:
    """``key`` (or a parent) has its parameters frozen somewhere in the module:
    ``model.requires_grad_(False)`` or ``for p in model.parameters(): p.requires_grad = False``."""
    if key not in modes._frozen:
        modes._frozen[key] = _frozen(modes, key)
    return modes._frozen[key]


def _frozen(modes: Modes, key: str) -> bool:
    candidates = {key}
    parts = key.split(".")
    for size in range(1, len(parts)):
        candidates.add(".".join(parts[:size]))
    for call in modes.calls:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "requires_grad_" and call.args:
            if _literal_bool(call.args[0].value) is False and model_key(func.value) in candidates:
                return True
    for loop in modes.index.of_type(cst.For):
        iterator = loop.iter
        if isinstance(iterator, cst.Call) and isinstance(iterator.func, cst.Attribute) \
                and iterator.func.attr.value in ("parameters", "named_parameters") \
                and model_key(iterator.func.value) in candidates:
            text = modes.ctx.code_for(loop.body)
            if "requires_grad = False" in text or "requires_grad=False" in text \
                    or "requires_grad_(False)" in text:
                return True
    return False


def frozen_for_good(modes: Modes, key: str, at: cst.CSTNode) -> bool:
    """Every parameter of ``key`` (as read at ``at``) is frozen and stays frozen: the file freezes
    all of them (``key.requires_grad_(False)``, or ``p.requires_grad = False`` /
    ``p.requires_grad_(False)`` as a statement of the body of ``for p in key.parameters():``, with
    no condition around it; ``key`` or a parent of it), in the scope ``at`` reads ``key`` in (or at
    module level for a global); the file turns no gradient back on for anything that may be a
    module (``requires_grad = True``, ``requires_grad_()``, but not on a fresh ``x.clone()`` /
    ``x.detach()`` / a tensor the code created); and no optimiser of the file may be given
    ``key``'s parameters (an optimiser over them, or a call of an optimiser factory, may train it
    before it is frozen)."""
    cache = modes._frozen_for_good
    scope = modes.index.function_of(at) if not isinstance(at, cst.FunctionDef) else at
    found = cache.get((key, scope))
    if found is None:
        found = cache[(key, scope)] = _frozen_for_good(modes, key, scope)
    return found


def _frozen_for_good(modes: Modes, key: str, scope: cst.FunctionDef | None) -> bool:
    from dllint.analysis.optimised_tensors import may_own

    parts = key.split(".")
    candidates = {".".join(parts[:size]) for size in range(1, len(parts) + 1)}
    scopes = {scope}
    if scope is not None and parts[0] not in modes.locals_of(scope) and parts[0] != "self" \
            and parts[0] not in modes._param_names(scope):
        scopes.add(None)  # a global: frozen at module level
    if not any(modes.index.function_of(call) in scopes for call in _freezes(modes, candidates)):
        return False
    ctx = modes.ctx
    for call in modes.calls:
        func = call.func
        qualified = modes.imports.qualify(func) or ""
        last = (dotted_name(func) or "").rsplit(".", 1)[-1]
        if is_optimizer_constructor(qualified):
            if may_own(ctx, call, key):
                return False
        elif "optim" in last.lower():
            return False  # an optimiser factory: what it is given is not known
    return not _unfreezes_anything(modes)


def learns_only_mode_free_parts(modes: Modes, key: str, at: cst.CSTNode, owners: list[cst.Call]) -> bool:
    """Every parameter of ``key`` that a training step at ``at`` may update belongs to a sub-module
    of ``key`` that computes the same in both modes (no dropout, no batch norm: a linear head), so
    eval mode only fixes the frozen rest (the linear-evaluation protocol: the frozen encoder's batch
    norm keeps its statistics). The parts that may learn are known from the optimisers ``owners``
    of the step that may own ``key``'s parameters, when each is given ``key.part.parameters()``
    alone (:func:`_optimised_parts`), or from a freeze of every parameter of ``key`` but some named
    ones (:func:`_kept_parts`); both known, the smaller."""
    parts = _optimised_parts(modes, key, owners)
    kept = _kept_parts(modes, key, at)
    if parts is None or (kept is not None and len(kept) < len(parts)):
        parts = kept
    if not parts:
        return False
    return all(_part_dependence(modes, key, part, at) == NO_DEPENDENCE for part in sorted(parts))


def _optimised_parts(modes: Modes, key: str, owners: list[cst.Call]) -> frozenset[str] | None:
    """The sub-modules of ``key`` whose parameters the optimisers ``owners`` are given, when each
    is given ``key.part.parameters()`` alone (in a list, a sum, ``itertools.chain``, a param group
    dict): ``SGD(model.fc.parameters())``; None when one is given anything else."""
    from dllint.analysis.calls import argument

    found: set[str] = set()
    for constructor in owners:
        params = argument(constructor, 0, "params")
        if params is None or any(arg.star for arg in constructor.args):
            return None
        parts = _parameters_parts(modes, params.value if isinstance(params, cst.Arg) else params, key, 0)
        if parts is None:
            return None
        found |= parts
    return frozenset(found)


def _parameters_parts(modes: Modes, expr: cst.BaseExpression, key: str, depth: int) -> set[str] | None:
    if depth > 4:
        return None
    if isinstance(expr, (cst.List, cst.Tuple)):
        found: set[str] = set()
        for element in expr.elements:
            if isinstance(element, cst.StarredElement):
                return None
            inner = _parameters_parts(modes, element.value, key, depth + 1)
            if inner is None:
                return None
            found |= inner
        return found
    if isinstance(expr, cst.Dict):
        groups = [e.value for e in expr.elements if isinstance(e, cst.DictElement)
                  and isinstance(e.key, cst.SimpleString) and e.key.evaluated_value == "params"]
        return _parameters_parts(modes, groups[0], key, depth + 1) if len(groups) == 1 else None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        left = _parameters_parts(modes, expr.left, key, depth + 1)
        right = _parameters_parts(modes, expr.right, key, depth + 1) if left is not None else None
        return left | right if right is not None else None
    if not isinstance(expr, cst.Call):
        return None
    func = expr.func
    if isinstance(func, cst.Name) and func.value in ("list", "tuple") and len(expr.args) == 1 \
            or (modes.imports.qualify(func) or "") == "itertools.chain":
        found = set()
        for arg in expr.args:
            inner = _parameters_parts(modes, arg.value, key, depth + 1) if not arg.star and arg.keyword is None else None
            if inner is None:
                return None
            found |= inner
        return found
    if isinstance(func, cst.Attribute) and func.attr.value == "parameters" and not expr.args:
        owner = model_key(func.value)
        if owner is not None and owner.startswith(key + "."):
            return {owner[len(key) + 1:]}
    return None


def _kept_parts(modes: Modes, key: str, at: cst.CSTNode) -> frozenset[str] | None:
    """The sub-modules of ``key`` left trainable by a freeze of all its other parameters:
    ``for name, p in key.named_parameters(): if name not in ["fc.weight", "fc.bias"]:
    p.requires_grad = False`` (MoCo's linear evaluation), a statement of the scope ``at`` reads
    ``key`` in (or of the module, for a global), under no condition, before ``at``; and nothing in
    the file turns a gradient back on. None when there is no such freeze."""
    scope = modes.index.function_of(at) if not isinstance(at, cst.FunctionDef) else at
    scopes = {scope}
    root = key.split(".")[0]
    if scope is not None and root not in modes.locals_of(scope) and root != "self" \
            and root not in modes._param_names(scope):
        scopes.add(None)
    order = modes.ctx.index.order
    for loop in modes.index.of_type(cst.For):
        iterator = loop.iter
        if not (isinstance(iterator, cst.Call) and isinstance(iterator.func, cst.Attribute)
                and iterator.func.attr.value == "named_parameters" and not iterator.args
                and model_key(iterator.func.value) == key):
            continue
        where = modes.index.function_of(loop)
        if where not in scopes or (where is scope and isinstance(at, (cst.For, cst.While))
                                   and order.get(loop, 0) > order.get(at, 0)):
            continue  # frozen only after the loop that trains
        if any(isinstance(a, (cst.If, cst.While, cst.For, cst.Try, cst.With)) and a is not loop
               for a in _ancestors_up_to(modes, loop, where)):
            continue  # a freeze under a condition (``if not args.supervised:``) may not run
        kept = _named_kept(loop)
        if kept is not None and not _unfreezes_anything(modes):
            return kept
    return None


def _ancestors_up_to(modes: Modes, node: cst.CSTNode, scope: cst.FunctionDef | None) -> list[cst.CSTNode]:
    found = []
    for ancestor in modes.index.ancestors(node):
        if ancestor is scope or isinstance(ancestor, (cst.FunctionDef, cst.Module)):
            break
        found.append(ancestor)
    return found


def _named_kept(loop: cst.For) -> frozenset[str] | None:
    """``for name, p in m.named_parameters():`` whose body is one ``if name not in [...]:`` that
    freezes ``p``: the sub-modules of the names kept (``fc`` of ``fc.weight``); None otherwise, and
    for a parameter of the model itself (no dot)."""
    target = loop.target
    if not (isinstance(target, cst.Tuple) and len(target.elements) == 2
            and all(isinstance(e.value, cst.Name) for e in target.elements)
            and isinstance(loop.body, cst.IndentedBlock) and len(loop.body.body) == 1):
        return None
    name, param = (e.value.value for e in target.elements)
    statement = loop.body.body[0]
    if not (isinstance(statement, cst.If) and statement.orelse is None
            and isinstance(statement.body, cst.IndentedBlock)):
        return None
    test = statement.test
    if not (isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and test.left.value == name
            and len(test.comparisons) == 1 and isinstance(test.comparisons[0].operator, cst.NotIn)):
        return None
    names = test.comparisons[0].comparator
    if not isinstance(names, (cst.List, cst.Tuple, cst.Set)) or not names.elements:
        return None
    kept: set[str] = set()
    for element in names.elements:
        value = element.value
        text = value.evaluated_value if isinstance(value, cst.SimpleString) else None
        if not isinstance(text, str) or "." not in text:
            return None
        kept.add(text.rsplit(".", 1)[0])
    body = statement.body.body
    if not any(isinstance(line, cst.SimpleStatementLine) and any(_sets_off(small, param) for small in line.body)
               for line in body):
        return None
    return frozenset(kept)


def _unfreezes_anything(modes: Modes) -> bool:
    """The file turns a gradient back on for something that may be a module's parameter
    (``requires_grad = True``, ``requires_grad_()``; not on a fresh ``x.clone()`` / a created tensor)."""
    for call in modes.calls:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "requires_grad_" \
                and not (call.args and _literal_bool(call.args[0].value) is False) \
                and not _fresh_tensor(modes, func.value):
            return True
    for assign in modes.index.of_type(cst.Assign):
        for target in assign.targets:
            node = target.target
            if isinstance(node, cst.Attribute) and node.attr.value == "requires_grad" \
                    and _literal_bool(assign.value) is not False and not _fresh_tensor(modes, node.value):
                return True
    return False


def _part_dependence(modes: Modes, key: str, part: str, at: cst.CSTNode) -> str:
    """The mode dependence of the sub-module ``key.part``: as the engine knows it, else, for
    ``key`` built on every binding as an instance of a module class of this file, of every value
    the class binds to ``self.part`` (``self.fc = nn.Linear(8, 10)``)."""
    found = modes.key_mode_dependence(f"{key}.{part}", at)
    if found != UNKNOWN_DEPENDENCE or "." in part:
        return found
    models = modes.models
    try:
        expr = cst.parse_expression(key)
    except cst.ParserSyntaxError:
        return UNKNOWN_DEPENDENCE
    values = models.definition_values(expr, at)
    if not values:
        return UNKNOWN_DEPENDENCE
    bindings = modes.ctx.analysis(Bindings)
    parts = []
    for value in values:
        while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                and value.func.attr.value in SELF_RETURNING:
            value = value.func.value
        klass = models.module_class(value.func) if isinstance(value, cst.Call) else None
        if klass is None:
            return UNKNOWN_DEPENDENCE
        entries = bindings.values.get((klass.node, f"self.{part}"), [])
        if not entries or any(v is None for _, v in entries):
            return UNKNOWN_DEPENDENCE
        parts.extend(models._value_dependence(v, v, 1) for _, v in entries)
    return combine(parts) if parts else UNKNOWN_DEPENDENCE


def _freezes(modes: Modes, candidates: set[str]) -> list[cst.CSTNode]:
    """The statements that freeze every parameter of one of ``candidates``."""
    # One pass over the file's calls and loops, kept on the analysis: asked once per model and
    # scope, a pass each time made a file of 3,500 training functions quadratic.
    if modes._freeze_index is None:
        modes._freeze_index = _freeze_index(modes)
    index = modes._freeze_index
    return [node for key in sorted(candidates) for node in index.get(key, ())]


def _freeze_index(modes: Modes) -> dict[str | None, list[cst.CSTNode]]:
    """Every statement that freezes all the parameters of a model, by the model's key."""
    found: dict[str | None, list[cst.CSTNode]] = {}
    for call in modes.calls:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "requires_grad_" and call.args \
                and _literal_bool(call.args[0].value) is False:
            found.setdefault(model_key(func.value), []).append(call)
    for loop in modes.index.of_type(cst.For):
        iterator = loop.iter
        if not (isinstance(iterator, cst.Call) and isinstance(iterator.func, cst.Attribute)
                and iterator.func.attr.value in ("parameters", "named_parameters")):
            continue
        key = model_key(iterator.func.value)
        target = loop.target
        if iterator.func.attr.value == "named_parameters":
            if not (isinstance(target, cst.Tuple) and len(target.elements) == 2):
                continue
            target = target.elements[1].value
        if not isinstance(target, cst.Name) or not isinstance(loop.body, cst.IndentedBlock):
            continue
        for statement in loop.body.body:
            if isinstance(statement, cst.SimpleStatementLine) and any(
                    _sets_off(small, target.value) for small in statement.body):
                found.setdefault(key, []).append(loop)
                break
    return found


def _sets_off(small: cst.BaseSmallStatement, name: str) -> bool:
    """``name.requires_grad = False`` or ``name.requires_grad_(False)``."""
    if isinstance(small, cst.Assign):
        return _literal_bool(small.value) is False and any(
            isinstance(t.target, cst.Attribute) and t.target.attr.value == "requires_grad"
            and isinstance(t.target.value, cst.Name) and t.target.value.value == name for t in small.targets)
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        func = small.value.func
        return isinstance(func, cst.Attribute) and func.attr.value == "requires_grad_" \
            and isinstance(func.value, cst.Name) and func.value.value == name and bool(small.value.args) \
            and _literal_bool(small.value.args[0].value) is False
    return False


def _fresh_tensor(modes: Modes, expr: cst.BaseExpression) -> bool:
    """``expr`` is a tensor of its own, no module's parameter: ``x.clone()``, ``x.detach()``, or one
    the code created (:mod:`dllint.analysis.optimised_tensors`)."""
    from dllint.analysis.optimised_tensors import created_tensor

    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) \
            and expr.func.attr.value in ("clone", "detach"):
        return True
    return created_tensor(modes.ctx, expr)


_PLAIN_BASES = frozenset({"object", "ABC", "abc.ABC", "Generic", "typing.Generic", "Protocol",
                          "typing.Protocol"})


def inherits_unseen_code(modes: Modes, klass: cst.ClassDef) -> bool:
    """``klass`` (or a base of it in this file) derives from a class of the project that is not in
    this file (``class Clf(PytorchClassifier)`` imported from ``base.py``): that base's methods may
    call this class's methods and switch modes around the call (a template method that calls
    ``self.model.eval()`` and then ``self._predict_proba(...)``); this file does not see them."""
    known = modes.regions.classes
    for current in modes.regions.base_classes(klass):
        for arg in current.bases:
            if arg.keyword is not None:
                continue
            name = dotted_name(arg.value)
            if name is None or name in known or name in _PLAIN_BASES:
                continue
            qualified = modes.imports.qualify(arg.value) or ""
            top = qualified.split(".")[0]
            if qualified in _PLAIN_BASES or top in _LIBRARIES or top in TORCH_PACKAGES \
                    or top in ("abc", "typing", "collections", "enum", "dataclasses"):
                continue
            return True
    return False


def class_trains(modes: Modes, klass: cst.ClassDef, key: str) -> bool:
    """A method of ``klass`` (or a base in the file) calls ``key.train()`` (``self.model.train()``)."""
    for current in modes.regions.base_classes(klass):
        for method in modes.regions.methods(current).values():
            for node in _walk_body(method.body):
                if isinstance(node, cst.Call):
                    switched = modes.switch(node)  # not ``self.model.train(loss)``, its own step
                    if switched is not None and switched[0] == key and switched[1] in (TRAIN, DYNAMIC):
                        return True
    return False
