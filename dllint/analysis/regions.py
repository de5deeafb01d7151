"""Regions of a file: where gradients are off, which loops train, and how the module's own
functions and methods call each other.

Everything is derived from ``ctx.index`` (one walk of the tree) and ``ctx.imports``:

* **no-grad regions**: the body of ``with torch.no_grad()`` / ``torch.inference_mode()`` /
  ``torch.set_grad_enabled(False)`` / ``torch.autograd.no_grad()`` (any alias the imports resolve
  to), the statements after a bare ``torch.set_grad_enabled(False)`` in the same block, functions
  decorated with ``@torch.no_grad()`` / ``@torch.inference_mode()`` (called or bare), Lightning's
  ``validation_step`` / ``test_step`` / ``predict_step`` (Lightning runs them without gradients),
  and functions of this module that are called only from such regions (followed to a fixed point).
  ``torch.enable_grad()`` nested inside switches gradients back on.
* **training loops**: ``for``/``while`` loops whose body back-propagates (``x.backward()``,
  ``accelerator.backward(x)``, ``self.manual_backward(x)``, ``torch.autograd.backward(...)``) or steps
  an optimizer, directly or through a function or method of this module that does (followed to a
  fixed point, so ``for epoch in ...: train_one_epoch(...)`` is a training loop too).
* **call resolution** within the module: ``f(...)`` to a function, ``self.m(...)`` / ``cls.m(...)`` /
  ``super().m(...)`` to a method of the enclosing class or of a base class defined in the file,
  ``Cls.m(...)``, and ``obj.m(...)`` where ``obj`` was assigned ``Cls(...)`` of a class of the file.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator

import libcst as cst

from dllint.analysis.imports import dotted_name
from dllint.analysis.parameter_uses import parameter_for
from dllint.index import iter_subtree

if TYPE_CHECKING:
    from dllint.context import FileContext

Loop = cst.For | cst.While

# Context managers and decorators that switch gradient recording off (qualified names).
NO_GRAD_NAMES = frozenset({
    "torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad",
    "torch.autograd.grad_mode.no_grad", "torch.autograd.inference_mode",
    "torch.autograd.grad_mode.inference_mode",
})
SET_GRAD_NAMES = frozenset({
    "torch.set_grad_enabled", "torch.autograd.set_grad_enabled",
    "torch.autograd.grad_mode.set_grad_enabled",
})
ENABLE_GRAD_NAMES = frozenset({"torch.enable_grad", "torch.autograd.enable_grad",
                               "torch.autograd.grad_mode.enable_grad"})
BACKWARD_FUNCTIONS = frozenset({"torch.autograd.backward"})
BACKWARD_METHODS = frozenset({"backward", "manual_backward"})
# Lightning runs these hooks under no_grad / inference_mode.
LIGHTNING_NO_GRAD_HOOKS = frozenset({"validation_step", "test_step", "predict_step"})
_SCOPES = (cst.FunctionDef, cst.ClassDef)


def _bool_literal(node: cst.BaseExpression) -> bool | None:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def is_optimizer_name(dotted: str) -> bool:
    """A conventional optimizer name: ``optimizer``, ``opt``, ``self.optim``, ``g_optim``, ``opt_d``."""
    last = dotted.rsplit(".", 1)[-1].lower()
    if "optim" in last:
        return True
    return last == "opt" or last.startswith("opt_") or last.endswith("_opt") or last in ("optd", "optg")


def is_optimizer_constructor(qualified: str) -> bool:
    """``torch.optim.SGD`` and the other optimiser classes of torch (not its schedulers, not
    ``swa_utils``), ``transformers.AdamW``, timm's / bitsandbytes' / apex's optimisers."""
    if qualified.startswith("torch.optim.") and ".lr_scheduler" not in qualified \
            and ".swa_utils" not in qualified:
        return True
    return qualified in ("transformers.AdamW", "transformers.Adafactor") \
        or ".optim." in qualified and qualified.split(".")[0] in ("timm", "bitsandbytes", "apex")


class Regions:
    """Gradient-free regions, training loops and intra-module call resolution of one file."""

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        self.index = ctx.index
        self.imports = ctx.imports
        # -- functions and classes ---------------------------------------------------------------
        self.functions: dict[str, list[cst.FunctionDef]] = {}  # plain functions (not methods) by name
        self.classes: dict[str, cst.ClassDef] = {}
        self._class_of: dict[cst.FunctionDef, cst.ClassDef] = {}
        self._methods: dict[cst.ClassDef, dict[str, cst.FunctionDef]] = {}
        for func in self.index.of_type(cst.FunctionDef):
            parent = self.index.parent(func)
            owner = self.index.parent(parent) if isinstance(parent, cst.IndentedBlock) else None
            if isinstance(owner, cst.ClassDef):
                self._class_of[func] = owner
                self._methods.setdefault(owner, {})[func.name.value] = func
            else:
                self.functions.setdefault(func.name.value, []).append(func)
        for klass in self.index.of_type(cst.ClassDef):
            self.classes.setdefault(klass.name.value, klass)
        self._ambiguous_instances: set[tuple[cst.FunctionDef | None, str]] = set()
        self._instances = self._instance_classes()
        self._optimizers = self._optimizer_names()
        # names bound to instances of the file's classes that are no optimizer: computed when a
        # call ``x.step()`` on a name like an optimizer's asks (:meth:`_not_an_optimizer`); most
        # files have none, and the classes' bodies were walked for every file with a class
        self._not_optimizers: dict[tuple[cst.FunctionDef | None, str], bool] | None = None
        # -- resolved calls ----------------------------------------------------------------------
        self._calls = self.index.of_type(cst.Call)
        self._resolved: dict[cst.Call, cst.FunctionDef] = {}
        self._callers: dict[cst.FunctionDef, list[cst.Call]] = {}
        for call in self._calls:
            target = self.resolve_call(call)
            if target is not None:
                self._resolved[call] = target
                self._callers.setdefault(target, []).append(call)
        self._dispatch_to_subclasses()
        # -- gradient regions --------------------------------------------------------------------
        self._grad_with: dict[cst.With, bool] = {}  # With -> False (no grad) / True (enable grad)
        self._grad_stmts: dict[cst.CSTNode, bool] = {}  # statements after set_grad_enabled(x)
        self._grad_funcs: dict[cst.FunctionDef, bool] = {}  # decorated functions / Lightning hooks
        self._maybe_no_grad_with: set[cst.With] = set()
        self._global_no_grad = False
        self._collect_grad_regions()
        self._no_grad_callers_only()
        # -- training ---------------------------------------------------------------------------
        self.training_functions: set[cst.FunctionDef] = set()
        self.training_calls: list[cst.Call] = []  # backward / optimizer-step calls, in source order
        self.training_loops: list[Loop] = []
        self._training_loop_set: set[Loop] = set()
        self._collect_training()

    @classmethod
    def compute(cls, ctx: "FileContext") -> "Regions":
        return cls(ctx)

    # ---------------------------------------------------------------------------------------------
    # call resolution
    def class_of(self, func: cst.FunctionDef) -> cst.ClassDef | None:
        """The class ``func`` is a method of, else None."""
        return self._class_of.get(func)

    def methods(self, klass: cst.ClassDef) -> dict[str, cst.FunctionDef]:
        """The methods defined directly in ``klass``, by name."""
        return self._methods.get(klass, {})

    def base_classes(self, klass: cst.ClassDef) -> list[cst.ClassDef]:
        """``klass`` and its bases that are defined in this file, nearest first."""
        out: list[cst.ClassDef] = []
        todo = [klass]
        while todo:
            current = todo.pop(0)
            if current in out:
                continue
            out.append(current)
            for arg in current.bases:
                name = dotted_name(arg.value)
                if name in self.classes:
                    todo.append(self.classes[name])
        return out

    def lookup_method(self, klass: cst.ClassDef, name: str, *, skip_self: bool = False) -> cst.FunctionDef | None:
        """The method ``name`` of ``klass`` (or of a base defined in this file)."""
        for current in self.base_classes(klass)[1 if skip_self else 0:]:
            found = self.methods(current).get(name)
            if found is not None:
                return found
        return None

    def enclosing_class(self, node: cst.CSTNode) -> cst.ClassDef | None:
        """The class of the innermost method containing ``node``."""
        func = self.index.function_of(node)
        while func is not None:
            klass = self._class_of.get(func)
            if klass is not None:
                return klass
            func = self.index.function_of(func)
        return None

    def resolve_call(self, call: cst.Call) -> cst.FunctionDef | None:
        """The function or method of this module that ``call`` runs, when it can be told."""
        func = call.func
        if isinstance(func, cst.Name):
            found = self.functions.get(func.value)
            if found:
                return found[-1]
            return None  # a class constructor (or a library function): not followed
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        receiver = func.value
        if isinstance(receiver, cst.Name):
            if receiver.value in ("self", "cls"):
                klass = self.enclosing_class(call)
                return self.lookup_method(klass, method) if klass is not None else None
            if receiver.value in self.classes:
                return self.lookup_method(self.classes[receiver.value], method)
            klass_name = self.instance_class(receiver.value, call)
            if klass_name is not None:
                return self.lookup_method(self.classes[klass_name], method)
            return None
        if (isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name)
                and receiver.func.value == "super"):
            klass = self.enclosing_class(call)
            return self.lookup_method(klass, method, skip_self=True) if klass is not None else None
        return None

    def _dispatch_to_subclasses(self) -> None:
        """``self.m()`` in a class that does not define ``m`` (a template method: the base's
        ``train()`` calls ``self._valid_epoch()``, which each subclass defines) calls the ``m`` of
        the subclasses of this file: those calls are callers of theirs (not resolved to one target,
        since which one runs depends on the instance)."""
        subclasses: dict[cst.ClassDef, list[cst.ClassDef]] = {}
        for klass in self.classes.values():
            for base in self.base_classes(klass)[1:]:
                subclasses.setdefault(base, []).append(klass)
        if not subclasses:
            return
        for call in self._calls:
            func = call.func
            if call in self._resolved or not isinstance(func, cst.Attribute) \
                    or not isinstance(func.value, cst.Name) or func.value.value != "self":
                continue
            klass = self.enclosing_class(call)
            if klass is None or klass not in subclasses:
                continue
            for sub in subclasses[klass]:
                target = self.methods(sub).get(func.attr.value)
                if target is not None:
                    self._callers.setdefault(target, []).append(call)

    def callers(self, func: cst.FunctionDef) -> list[cst.Call]:
        """The calls in this module that resolve to ``func``."""
        return self._callers.get(func, [])

    def calls_in(self, func: cst.FunctionDef) -> Iterator[tuple[cst.Call, cst.FunctionDef]]:
        """(call, target) for each call inside ``func`` (nested functions included) that resolves."""
        for call, target in self._resolved.items():
            if self._inside(call, func):
                yield call, target

    def function_calls(self, name: str) -> list[cst.Call]:
        """Every call in this module that resolves to a function or method called ``name``."""
        return [call for call, target in self._resolved.items() if target.name.value == name]

    def resolved(self, call: cst.Call) -> cst.FunctionDef | None:
        """Cached :meth:`resolve_call`."""
        return self._resolved.get(call)

    def _inside(self, node: cst.CSTNode, container: cst.CSTNode) -> bool:
        for ancestor in self.index.ancestors(node):
            if ancestor is container:
                return True
        return False

    def _instance_classes(self) -> dict[tuple[cst.FunctionDef | None, str], str]:
        """Names assigned an instance of a class of this file (``trainer = Trainer(...)``), by
        the function that binds them (None: the module): ``trainer`` may be a ``Trainer`` in one
        function and a ``SafeTrainer`` in the next."""
        found: dict[tuple[cst.FunctionDef | None, str], str] = {}
        ambiguous: set[tuple[cst.FunctionDef | None, str]] = set()
        if not self.classes:
            return found
        for assign in self.index.of_type(cst.Assign):
            value = assign.value
            if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Name)
                    and value.func.value in self.classes):
                continue
            scope = self.index.function_of(assign)
            for target in assign.targets:
                if isinstance(target.target, cst.Name):
                    key = (scope, target.target.value)
                    if found.get(key, value.func.value) != value.func.value:
                        ambiguous.add(key)
                    found[key] = value.func.value
        for key in ambiguous:
            found.pop(key, None)
        self._ambiguous_instances = ambiguous
        return found

    def instance_class(self, name: str, at: cst.CSTNode) -> str | None:
        """The class of this file that ``name`` holds an instance of at ``at`` (bound in its
        function, else at module level), else None."""
        function = self.index.function_of(at)
        if function is not None and (function, name) in self._instances:
            return self._instances[(function, name)]
        if function is not None and (function, name) in self._ambiguous_instances:
            return None
        return self._instances.get((None, name))

    # ---------------------------------------------------------------------------------------------
    # optimizers
    def _optimizer_names(self) -> set[str]:
        """Dotted names assigned an optimizer constructed from ``torch.optim`` (or a known library)."""
        names: set[str] = set()
        for assign in self.index.of_type(cst.Assign):
            value = assign.value
            if not isinstance(value, cst.Call):
                continue
            last = (dotted_name(value.func) or "").rsplit(".", 1)[-1]
            if not (last[:1].isupper() or "optim" in last.lower()):
                continue  # optimizer classes are capitalised; factories say "optim"
            qualified = self.imports.qualify(value.func) or ""
            if not is_optimizer_constructor(qualified):
                continue
            for target in assign.targets:
                dotted = dotted_name(target.target)
                if dotted:
                    names.add(dotted)
        return names


    def _non_optimizer_classes(self) -> set[str]:
        """Classes of this file that are no optimizer: their bases are only ``object`` or such
        classes of the file, and no method reads a ``.grad`` or calls a ``step``/``zero_grad``
        (a wrapper such as Lookahead, whose ``step`` steps the optimizer it holds, is one). A
        weight average (``WeightEMA.step`` mixes the weights into a copy) applies no gradient."""
        found: set[str] = set()
        pending = dict(self.classes)
        changed = True
        while changed:  # bases first: at most one pass per class
            changed = False
            for name, klass in list(pending.items()):
                bases = [dotted_name(b.value) for b in klass.bases]
                if klass.keywords or any(b not in ("object", *found) for b in bases):
                    continue
                del pending[name]
                if not any(isinstance(n, cst.Attribute) and n.attr.value in ("grad", "step", "zero_grad")
                           for n in iter_subtree(klass.body)):
                    found.add(name)
                    changed = True
        return found

    def _non_optimizer_bindings(self) -> dict[tuple[cst.FunctionDef | None, str], bool]:
        """For each name assigned in this file (by its function, or None: module level;
        attributes such as ``self.ema`` over the file), whether every assignment builds an
        instance of a class of this file that is no optimizer (:meth:`_non_optimizer_classes`):
        ``ema_optimizer = WeightEMA(model, ema)``. Empty when the file has no such class."""
        classes = self._non_optimizer_classes() if self.classes else set()
        verdicts: dict[tuple[cst.FunctionDef | None, str], bool] = {}
        if not classes:
            return verdicts
        for assign in self.index.of_type(cst.Assign):
            value = assign.value
            built = isinstance(value, cst.Call) and isinstance(value.func, cst.Name) \
                and value.func.value in classes
            for target in assign.targets:
                dotted = dotted_name(target.target)
                if dotted is None:
                    continue
                scope = self.index.function_of(assign) if isinstance(target.target, cst.Name) else None
                verdicts[(scope, dotted)] = verdicts.get((scope, dotted), True) and built
        return verdicts

    def _not_an_optimizer(self, expr: cst.BaseExpression, dotted: str, depth: int = 2) -> bool:
        """``expr`` holds an instance of a class of this file that is no optimizer, whatever it is
        called; a parameter of the enclosing function holds what every call of the function in
        this file passes for it (``train(..., ema_optimizer)``; a level or two, at most 8 calls,
        unknown when a call does not show it)."""
        if self._not_optimizers is None:
            self._not_optimizers = self._non_optimizer_bindings()
        if not self._not_optimizers:
            return False
        function = self.index.function_of(expr) \
            if isinstance(expr, cst.Name) and expr in self.index.parents else None
        if function is not None:
            local = self._not_optimizers.get((function, dotted))
            if local is not None:
                return local
            params = function.params
            if any(p.name.value == dotted for p in (*params.params, *params.posonly_params,
                                                     *params.kwonly_params)):
                return self._passes_non_optimizers(function, dotted, depth)
        return self._not_optimizers.get((None, dotted), False)

    def _passes_non_optimizers(self, function: cst.FunctionDef, name: str, depth: int) -> bool:
        """Every call of ``function`` in this file passes for parameter ``name`` a name that holds
        an instance of a class of the file that is no optimizer."""
        callers = self._callers.get(function, []) if depth > 0 else []
        if not callers or len(callers) > 8:
            return False
        is_method = function in self._class_of
        for call in callers:
            given = [a.value for a in call.args if parameter_for(function, call, a, is_method) == name]
            if not (given and isinstance(given[0], cst.Name)
                    and self._not_an_optimizer(given[0], given[0].value, depth - 1)):
                return False
        return True

    def is_optimizer(self, expr: cst.BaseExpression) -> bool:
        """``expr`` names an optimizer: assigned from an optimizer constructor, or named like one
        and not an instance of a class of this file that is no optimizer."""
        dotted = dotted_name(expr)
        if dotted is None:
            return False
        if dotted in self._optimizers:
            return True
        return is_optimizer_name(dotted) and not self._not_an_optimizer(expr, dotted)

    def is_backward_call(self, call: cst.Call) -> bool:
        """``x.backward()``, ``accelerator.backward(x)``, ``self.manual_backward(x)``,
        ``torch.autograd.backward(...)``."""
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in BACKWARD_METHODS:
            return True
        return (self.imports.qualify(func) or "") in BACKWARD_FUNCTIONS

    def is_step_call(self, call: cst.Call) -> bool:
        """``optimizer.step()`` on a known optimizer, or ``scaler.step(optimizer)``."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "step"):
            return False
        if self.is_optimizer(func.value):
            return True
        return bool(call.args) and self.is_optimizer(call.args[0].value)

    def is_zero_grad_call(self, call: cst.Call) -> bool:
        """``optimizer.zero_grad()`` / ``model.zero_grad()``: any ``.zero_grad(...)`` call."""
        return isinstance(call.func, cst.Attribute) and call.func.attr.value == "zero_grad"

    # ---------------------------------------------------------------------------------------------
    # gradient regions
    def _grad_mode_of(self, expr: cst.BaseExpression) -> bool | None:
        """False for a no-grad context/decorator expression, True for enable_grad, None otherwise.

        ``set_grad_enabled(cond)`` with a non-literal ``cond`` is None (unknown)."""
        call_args: Iterable[cst.Arg] = ()
        target = expr
        if isinstance(expr, cst.Call):
            target = expr.func
            call_args = expr.args
        qualified = self.imports.qualify(target) if isinstance(target, (cst.Name, cst.Attribute)) else None
        if qualified is None:
            return None
        args = list(call_args)
        if qualified in NO_GRAD_NAMES:
            if qualified.endswith("inference_mode") and args:
                literal = _bool_literal(args[0].value)
                return None if literal is None else (False if literal else None)
            return False
        if qualified in ENABLE_GRAD_NAMES:
            return True
        if qualified in SET_GRAD_NAMES and args:
            literal = _bool_literal(args[0].value)
            return literal
        return None

    def _collect_grad_regions(self) -> None:
        if not self.imports.uses("torch", "lightning", "pytorch_lightning"):
            return
        for with_node in self.index.of_type(cst.With):
            for item in with_node.items:
                mode = self._grad_mode_of(item.item)
                if mode is not None:
                    self._grad_with[with_node] = mode
                    break
                call = item.item
                if (isinstance(call, cst.Call)
                        and (self.imports.qualify(call.func) or "") in SET_GRAD_NAMES):
                    self._maybe_no_grad_with.add(with_node)
        switches_at_top_level: list[bool] = []
        for call in self._calls:
            func = call.func
            last = func.attr.value if isinstance(func, cst.Attribute) else \
                func.value if isinstance(func, cst.Name) else None
            if last != "set_grad_enabled" or not call.args:
                continue  # the cheap test first: qualify() on every call of a file adds up
            qualified = self.imports.qualify(func)
            if qualified not in SET_GRAD_NAMES:
                continue
            mode = _bool_literal(call.args[0].value)
            expr = self.index.parent(call)
            if mode is None or not isinstance(expr, cst.Expr):
                continue
            statement = self.index.parent(expr)
            suite = self.index.parent(statement) if statement is not None else None
            if not isinstance(suite, (cst.IndentedBlock, cst.Module)):
                continue
            body = list(suite.body)
            after = body[body.index(statement) + 1:] if statement in body else []
            for following in after:
                self._grad_stmts[following] = mode  # the latest switch before it wins
            if self.index.function_of(call) is None:
                switches_at_top_level.append(mode)
        # A script that switches gradients off at top level and never on again cannot train:
        # every function it runs, wherever defined, runs without gradients.
        self._global_no_grad = bool(switches_at_top_level) and not any(switches_at_top_level) \
            and not any(_bool_literal(c.args[0].value) is not False for c in self._calls
                        if c.args and (self.imports.qualify(c.func) or "") in SET_GRAD_NAMES)
        for func in self.index.of_type(cst.FunctionDef):
            for decorator in func.decorators:
                mode = self._grad_mode_of(decorator.decorator)
                if mode is not None:
                    self._grad_funcs[func] = mode
                    break
            else:
                if func.name.value in LIGHTNING_NO_GRAD_HOOKS and self._is_lightning_method(func):
                    self._grad_funcs[func] = False

    def _is_lightning_method(self, func: cst.FunctionDef) -> bool:
        klass = self._class_of.get(func)
        if klass is None:
            return False
        for current in self.base_classes(klass):
            for arg in current.bases:
                qualified = self.imports.qualify(arg.value) or ""
                if qualified.endswith("LightningModule"):
                    return True
        return False

    def _no_grad_callers_only(self) -> None:
        """A function called from this module, only from no-grad regions, and never passed around
        by name, runs without gradients too. A construction ``Klass(...)`` runs ``Klass.__init__``:
        the constructions of a class are calls of its ``__init__`` (the class never used as a
        value either: a base, an alias, an argument may build it where no call shows it)."""
        callers: dict[cst.FunctionDef, tuple[str, list[cst.Call]]] = {
            func: (func.name.value, calls) for func, calls in self._callers.items()}
        for init, (klass_name, built) in self._constructions().items():
            callers[init] = (klass_name, [*self._callers.get(init, []), *built])
        referenced: set[str] | None = None
        changed = True
        while changed:
            changed = False
            for func, (name, calls) in callers.items():
                if func in self._grad_funcs or not calls:
                    continue
                if not all(self.no_grad(call) for call in calls):
                    continue
                if referenced is None:
                    referenced = self._names_used_as_values({n for n, _ in callers.values()})
                if name in referenced:
                    continue
                self._grad_funcs[func] = False
                changed = True

    def _constructions(self) -> dict[cst.FunctionDef, tuple[str, list[cst.Call]]]:
        """The ``__init__`` of each class of this module (one class of its name) -> (the class's
        name, the calls ``Klass(...)`` of the module)."""
        inits: dict[str, cst.FunctionDef] = {}
        for klass in self.index.of_type(cst.ClassDef):
            init = self.methods(klass).get("__init__")
            name = klass.name.value
            if init is not None and self.classes.get(name) is klass:
                inits[name] = init
        if not inits:
            return {}
        out: dict[cst.FunctionDef, tuple[str, list[cst.Call]]] = {}
        for call in self._calls:
            if isinstance(call.func, cst.Name) and call.func.value in inits:
                init = inits[call.func.value]
                out.setdefault(init, (call.func.value, []))[1].append(call)
        return out

    def _names_used_as_values(self, wanted: set[str] | None = None) -> set[str]:
        """Names of ``wanted`` (functions, classes; by default the functions called here) that
        appear other than as the callee of a call or their own def."""
        out: set[str] = set()
        if wanted is None:
            wanted = {f.name.value for f in self._callers}
        for name in self.index.of_type(cst.Name):
            if name.value not in wanted:
                continue
            parent = self.index.parent(name)
            if isinstance(parent, cst.Call) and parent.func is name:
                continue
            if isinstance(parent, (cst.FunctionDef, cst.ClassDef)) and parent.name is name:
                continue
            if isinstance(parent, cst.Attribute) and parent.attr is name:
                grand = self.index.parent(parent)
                if isinstance(grand, cst.Call) and grand.func is parent:
                    continue
            out.add(name.value)
        return out

    def grad_mode(self, node: cst.CSTNode) -> bool | None:
        """False where gradients are surely off, True where surely on (enable_grad), None when no
        grad-mode construct encloses ``node`` (default: on) or the mode is not a literal."""
        previous: cst.CSTNode = node
        for ancestor in self.index.ancestors(node):
            kind = type(ancestor)  # exact types (no subclasses): no ABCMeta check per ancestor
            if kind is cst.With and previous is ancestor.body:
                mode = self._grad_with.get(ancestor)
                if mode is not None:
                    return mode
            elif ancestor in self._grad_stmts:
                return self._grad_stmts[ancestor]
            elif kind is cst.FunctionDef:
                mode = self._grad_funcs.get(ancestor)
                if mode is not None and previous is ancestor.body:
                    return mode
                # A nested function runs when it is called, not where it is defined.
                return False if self._global_no_grad else None
            elif kind is cst.ClassDef:
                return False if self._global_no_grad else None
            previous = ancestor
        return None

    def no_grad(self, node: cst.CSTNode) -> bool:
        """``node`` runs with gradient recording surely off."""
        return self.grad_mode(node) is False

    def maybe_no_grad(self, node: cst.CSTNode) -> bool:
        """``node`` may run without gradients: :meth:`no_grad`, or inside
        ``with torch.set_grad_enabled(<not a literal>)`` (the train/val phase idiom)."""
        if self.no_grad(node):
            return True
        previous: cst.CSTNode = node
        for ancestor in self.index.ancestors(node):
            if isinstance(ancestor, cst.With) and previous is ancestor.body \
                    and ancestor in self._maybe_no_grad_with:
                return True
            if isinstance(ancestor, _SCOPES):
                return False
            previous = ancestor
        return False

    # ---------------------------------------------------------------------------------------------
    # training loops
    def _collect_training(self) -> None:
        direct: list[cst.Call] = []
        for call in self._calls:
            if self.is_backward_call(call) or self.is_step_call(call):
                direct.append(call)
        self.training_calls = direct
        if not direct:
            return
        marked_calls: list[cst.Call] = list(direct)
        for call in direct:
            func = self.index.function_of(call)
            if func is not None:
                self.training_functions.add(func)
        # Functions that call a training function train too, to a fixed point.
        changed = True
        while changed:
            changed = False
            for target, calls in self._callers.items():
                if target not in self.training_functions:
                    continue
                for call in calls:
                    if call in marked_calls:
                        continue
                    marked_calls.append(call)
                    outer = self.index.function_of(call)
                    if outer is not None and outer not in self.training_functions:
                        self.training_functions.add(outer)
                        changed = True
        for call in marked_calls:
            loop = self.loop_of(call)
            while loop is not None:
                self._training_loop_set.add(loop)
                loop = self.loop_of(loop)
        self.training_loops = sorted(self._training_loop_set, key=self.index.order.__getitem__)

    def loop_of(self, node: cst.CSTNode) -> Loop | None:
        """The innermost ``for``/``while`` of the same function whose body (or ``while`` test)
        runs ``node`` once per iteration; None when there is none."""
        previous: cst.CSTNode = node
        for ancestor in self.index.ancestors(node):
            kind = type(ancestor)  # exact types (no subclasses): no ABCMeta check per ancestor
            if kind is cst.For and previous is ancestor.body:
                return ancestor
            if kind is cst.While and (previous is ancestor.body or previous is ancestor.test):
                return ancestor
            if kind is cst.FunctionDef or kind is cst.ClassDef or kind is cst.Lambda:
                return None
            previous = ancestor
        return None

    def loops_of(self, node: cst.CSTNode) -> list[Loop]:
        """Every loop of the same function running ``node`` per iteration, innermost first."""
        out: list[Loop] = []
        loop = self.loop_of(node)
        while loop is not None:
            out.append(loop)
            loop = self.loop_of(loop)
        return out

    def is_training_loop(self, loop: Loop) -> bool:
        return loop in self._training_loop_set

    def training_loop_of(self, node: cst.CSTNode) -> Loop | None:
        """The innermost training loop running ``node`` per iteration, else None."""
        for loop in self.loops_of(node):
            if loop in self._training_loop_set:
                return loop
        return None

    def in_training_loop(self, node: cst.CSTNode) -> bool:
        """``node`` runs once per iteration of a training loop of its function."""
        return self.training_loop_of(node) is not None

    def trains(self, func: cst.FunctionDef) -> bool:
        """``func`` back-propagates or steps an optimizer, directly or through module calls."""
        return func in self.training_functions
