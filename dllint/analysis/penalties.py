"""Squared-L2 penalties over a model's parameters, written by hand: the facts behind DL504.

A penalty is a sum of squares (``p.pow(2)``, ``p ** 2``, ``p * p``, ``p.square()``, ``torch.norm(p)
** 2``) over the parameters: a comprehension over ``m.parameters()`` / ``m.named_parameters()``
(:func:`penalty_sums`), a ``for p in m.parameters()`` loop that accumulates the squares into a name
later added to something (:func:`penalty_accumulations`), or a call of a function of another project
module that returns one (:func:`returns_l2_penalty`, :func:`imported_penalty_calls`), or a call
``x.l2()`` of a method that every model class of the project defining it writes as one
(:func:`method_penalty_calls`; the receiver's class is not needed) or a key of a model's output
that holds such a call (:func:`key_penalty_reads`), its value a term of a sum. A sum over
``self.parameters()`` in a module class that holds no parameter, or over a module built without
any, is zero and no penalty (``parameters.py``). Squares of a parameter's gradient, detached copy
or size are no penalty (the same test for the loop and the comprehension,
:func:`_square_of_parameter`). A sum that is only computed
(never a term of a sum, never returned), or one in a loss that is never back-propagated (under
``torch.no_grad()`` / ``inference_mode``, or in a function that neither back-propagates nor hands its
result to a caller that does), penalises no training: :func:`_evaluation_only`.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import libcst as cst

from dllint.analysis.calls import argument, code_text, number
from dllint.analysis.imports import dotted_name
from dllint.analysis.project import MAX_FILE_DEPTH, PROJECT, find_called, project_imports
from dllint.analysis.regions import Regions
from dllint.analysis.settings import setting_values
from dllint.context import FileContext
from dllint.index import iter_subtree

_PARAMETER_METHODS = {"parameters", "named_parameters"}


def _squares(node: cst.BaseExpression) -> bool:
    """``p.pow(2)``, ``p ** 2``, ``p * p``, ``p.square()``, ``torch.norm(p) ** 2``, ``p.norm(2) ** 2``."""
    for sub in iter_subtree(node):
        if isinstance(sub, cst.BinaryOperation):
            if isinstance(sub.operator, cst.Power) and number(sub.right) == 2:
                return True
            if isinstance(sub.operator, cst.Multiply) and dotted_name(sub.left) and \
                    dotted_name(sub.left) == dotted_name(sub.right):
                return True
        if isinstance(sub, cst.Call) and isinstance(sub.func, cst.Attribute):
            attr = sub.func.attr.value
            if attr == "pow" and sub.args and number(sub.args[0].value) == 2:
                return True
            if attr == "square":
                return True
    return False


def _bound_parameter(target: cst.BaseExpression) -> set[str]:
    """The parameter a ``for`` target binds over ``m.parameters()`` (``p``) or
    ``m.named_parameters()`` (the last name of ``name, p``)."""
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, cst.Tuple) and target.elements and isinstance(target.elements[-1].value, cst.Name):
        return {target.elements[-1].value.value}
    return set()


def _iterates_parameters_call(it: cst.BaseExpression) -> bool:
    return isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute) and \
        it.func.attr.value in _PARAMETER_METHODS


def _comprehension_parameter_names(comp: cst.BaseComp) -> set[str]:
    """The names a comprehension binds to the parameters it iterates (empty: not over parameters)."""
    names: set[str] = set()
    for sub in iter_subtree(comp.for_in):
        if isinstance(sub, cst.CompFor) and _iterates_parameters_call(sub.iter):
            names |= _bound_parameter(sub.target)
    return names


# Read from a parameter, these give no term of the graph over its values: its gradient, a detached
# copy, a Python number, or its size.
_NOT_ITS_VALUES = {"grad", "data", "item", "detach", "numel", "nelement", "size", "shape", "dim"}


def _parameter_loop_names(loop: cst.For) -> set[str]:
    """The names a ``for p in m.parameters()`` (or ``for name, p in m.named_parameters()``) binds."""
    return _bound_parameter(loop.target) if _iterates_parameters_call(loop.iter) else set()


def _penalty_comprehension(comp: cst.BaseComp) -> bool:
    """``sum(p.pow(2).sum() for p in m.parameters())``: the squares of the parameters themselves,
    by the loop's test (``sum(p.grad.norm() ** 2 for p in ...)`` is a gradient norm)."""
    names = _comprehension_parameter_names(comp)
    return bool(names) and _square_of_parameter(comp.elt, names)


def _square_of_parameter(expr: cst.BaseExpression, names: set[str]) -> bool:
    """A square of the loop's parameter itself, in the graph: not of its gradient, a detached copy
    or its size (a norm for logging or clipping, a count)."""
    if not _squares(expr):
        return False
    reads = False
    for sub in iter_subtree(expr):
        if isinstance(sub, cst.Attribute) and sub.attr.value in _NOT_ITS_VALUES:
            return False
        if isinstance(sub, cst.Name) and sub.value in names:
            reads = True
    return reads


def _accumulations(loop: cst.For, names: set[str]):
    """The statements of ``loop`` that add a squared parameter to a name: ``l2 += p.pow(2).sum()``
    or ``l2 = l2 + torch.norm(p) ** 2``, with the name."""
    for sub in iter_subtree(loop.body):
        if isinstance(sub, cst.AugAssign) and isinstance(sub.operator, cst.AddAssign) and \
                isinstance(sub.target, cst.Name) and _square_of_parameter(sub.value, names):
            yield sub, sub.target.value
        elif isinstance(sub, cst.Assign) and len(sub.targets) == 1 and \
                isinstance(sub.targets[0].target, cst.Name) and isinstance(sub.value, cst.BinaryOperation) and \
                isinstance(sub.value.operator, cst.Add):
            name = sub.targets[0].target.value
            left, right = sub.value.left, sub.value.right
            for own, added in ((left, right), (right, left)):
                if isinstance(own, cst.Name) and own.value == name and _square_of_parameter(added, names):
                    yield sub, name
                    break


def _added_after(ctx: FileContext, loop: cst.CSTNode, name: str, *, returned: bool = False,
                 depth: int = 0) -> bool:
    """Whether ``name`` is read after the loop, in its function, as a term of a sum (the loss), or
    (``returned``) handed to the caller by a ``return``; through a scaled copy too
    (``reg = l2 * lam`` then ``loss = ce + reg``)."""
    scope = ctx.index.function_of(loop) or ctx.module
    end = max(ctx.index.order[n] for n in iter_subtree(loop))
    for use in ctx.index.of_type(cst.Name):
        if use.value != name or ctx.index.order[use] <= end or \
                (ctx.index.function_of(use) or ctx.module) is not scope:
            continue
        scaled = True  # the path from the read up holds only products and quotients
        for ancestor in ctx.index.ancestors(use):
            if isinstance(ancestor, cst.BinaryOperation) and isinstance(ancestor.operator, cst.Add):
                return True
            if isinstance(ancestor, cst.AugAssign):
                if isinstance(ancestor.operator, cst.AddAssign) and \
                        any(n is use for n in iter_subtree(ancestor.value)):
                    return True
                break
            if returned and isinstance(ancestor, cst.Return):
                return True
            if isinstance(ancestor, cst.Assign):
                targets = ancestor.targets
                if scaled and depth < 3 and len(targets) == 1 and isinstance(targets[0].target, cst.Name) \
                        and _added_after(ctx, ancestor, targets[0].target.value, returned=returned,
                                         depth=depth + 1):
                    return True
                break
            if isinstance(ancestor, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
                break
            if isinstance(ancestor, cst.BinaryOperation):
                scaled = scaled and isinstance(ancestor.operator, (cst.Multiply, cst.Divide))
            elif not isinstance(ancestor, (cst.UnaryOperation, cst.Name)):
                scaled = False
    return False


def _reaches_a_sum(ctx: FileContext, node: cst.CSTNode, *, written_here: bool = True) -> bool:
    """Whether the penalty ``node`` becomes a term of a sum (the loss): in its own statement
    (``loss = ce + lam * sum(...)``, ``loss += ...``) or through the name it is assigned to.

    A penalty ``written_here`` (a comprehension over the parameters in this file) also counts when
    it is returned to a caller or stored where it cannot be followed (``self.l2 = sum(...)``): such
    code exists only to be added to a loss. A call of an imported penalty function counts only when
    the sum is seen."""
    for ancestor in ctx.index.ancestors(node):
        if isinstance(ancestor, cst.BinaryOperation) and isinstance(ancestor.operator, cst.Add):
            return True
        if isinstance(ancestor, cst.AugAssign):
            return isinstance(ancestor.operator, cst.AddAssign)
        if isinstance(ancestor, cst.Return):
            return written_here
        if isinstance(ancestor, cst.Assign) or (written_here and isinstance(ancestor, cst.AnnAssign)):
            targets = [t.target for t in ancestor.targets] if isinstance(ancestor, cst.Assign) \
                else [ancestor.target]
            if len(targets) != 1 or not isinstance(targets[0], cst.Name):
                return written_here
            return _added_after(ctx, ancestor, targets[0].value, returned=written_here)
        if isinstance(ancestor, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            return False
    return False


# Calls that record a number (a list of losses, a log, a progress bar, a meter), not a training.
_RECORDING_CALLS = frozenset({
    "append", "extend", "print", "log", "log_dict", "log_metrics", "add_scalar", "add_scalars", "item",
    "float", "int", "str", "format", "write", "info", "debug", "warning", "update", "round",
    "set_postfix", "tolist", "cpu", "numpy", "detach",
})


def _callee_name(call: cst.Call) -> str | None:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else None


def _value_trains(ctx: FileContext, node: cst.CSTNode) -> bool:
    """Whether the value of ``node`` (a call's result, a name's read) may reach a backward pass
    from where it stands: back-propagated, a term of a sum, returned, or handed to a call that does
    not merely record it. Only recording and comparing are known not to."""
    previous = node
    for ancestor in ctx.index.ancestors(node):
        if isinstance(ancestor, cst.Attribute) and ancestor.value is previous:
            if ancestor.attr.value in ("backward", "manual_backward"):
                return True
            if ancestor.attr.value in _RECORDING_CALLS:
                return False
        elif isinstance(ancestor, cst.Call) and previous is not ancestor.func:
            return _callee_name(ancestor) not in _RECORDING_CALLS
        elif isinstance(ancestor, cst.BinaryOperation) and isinstance(ancestor.operator, cst.Add):
            return True
        elif isinstance(ancestor, (cst.AugAssign, cst.Return, cst.Yield)):
            return True
        elif isinstance(ancestor, cst.Assign):
            targets = ancestor.targets
            if len(targets) != 1 or not isinstance(targets[0].target, cst.Name):
                return True
            return _name_trains(ctx, ancestor, targets[0].target.value)
        elif isinstance(ancestor, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            return False
        previous = ancestor
    return False


def _name_trains(ctx: FileContext, assign: cst.CSTNode, name: str) -> bool:
    scope = ctx.index.function_of(assign) or ctx.module
    end = max(ctx.index.order[n] for n in iter_subtree(assign))
    for use in ctx.index.of_type(cst.Name):
        if use.value == name and ctx.index.order[use] > end and \
                (ctx.index.function_of(use) or ctx.module) is scope and _value_trains(ctx, use):
            return True
    return False


def _evaluation_only(ctx: FileContext, node: cst.CSTNode) -> bool:
    """Whether the loss that holds the penalty ``node`` surely trains nothing: it is computed
    without gradients (``torch.no_grad()``, ``inference_mode``, a no-grad decorator or Lightning
    evaluation hook), or in a function that does not back-propagate, called in this module only
    where its result is recorded, compared or dropped (a ``validate()`` whose loss is appended to
    a history). A function with no caller here is handed to someone else: not known."""
    regions = ctx.analysis(Regions)
    if regions.no_grad(node):
        return True
    function = ctx.index.function_of(node)
    if function is None or regions.trains(function):
        return False
    callers = regions.callers(function)
    return bool(callers) and not any(_value_trains(ctx, call) for call in callers)


def _parameter_sources(node: cst.CSTNode) -> list[cst.BaseExpression]:
    """The modules whose ``parameters()`` a penalty comprehension or loop iterates (``model`` of
    ``model.parameters()``)."""
    if isinstance(node, cst.For):
        calls = [node.iter]
    else:
        calls = [sub.iter for sub in iter_subtree(node.for_in) if isinstance(sub, cst.CompFor)]
    return [c.func.value for c in calls if _iterates_parameters_call(c)]


def _over_empty_modules(ctx: FileContext | None, node: cst.CSTNode) -> bool:
    """Every module whose parameters the penalty ``node`` (a comprehension or a loop) sums holds
    none: ``self.parameters()`` in a module class of the file without a parameter (a loss module),
    or a name bound only to a module built without any (``pool = nn.AvgPool2d(2)``). The sum is zero:
    no penalty, whatever the optimiser (``parameters.py`` decides)."""
    if ctx is None:
        return False
    sources = _parameter_sources(node)
    if not sources:
        return False
    from dllint.analysis.dataflow import GraphValues  # dataflow's own imports reach this module's

    free = ctx.analysis(GraphValues).parameter_free()
    for source in sources:
        if isinstance(source, cst.Name) and source.value == "self":
            klass = ctx.index.enclosing(node, cst.ClassDef)
            if klass is None or not free.class_free(klass):
                return False
        elif not free.module_free(source, source):
            return False
    return True


def _penalty_expressions(function: cst.FunctionDef, ctx: FileContext | None = None
                         ) -> tuple[list[cst.BaseExpression], set[str]]:
    """The squared-L2 sums over the parameters that ``function`` builds: the comprehensions, and
    the names a loop accumulates them into or a comprehension is assigned to (with ``ctx``, the
    function's file: not those over modules without parameters)."""
    comps = [c for c in iter_subtree(function.body) if isinstance(c, (cst.GeneratorExp, cst.ListComp))
             and _penalty_comprehension(c) and not _over_empty_modules(ctx, c)]
    names: set[str] = set()
    for loop in iter_subtree(function.body):
        if isinstance(loop, cst.For):
            found = {name for _, name in _accumulations(loop, _parameter_loop_names(loop))}
            if found and not _over_empty_modules(ctx, loop):
                names |= found
    for assign in iter_subtree(function.body):
        if isinstance(assign, cst.Assign) and len(assign.targets) == 1 and \
                isinstance(assign.targets[0].target, cst.Name) and \
                any(c is sub for c in comps for sub in iter_subtree(assign.value)):
            names.add(assign.targets[0].target.value)
    return comps, names


def returns_l2_penalty(function: cst.FunctionDef, ctx: FileContext | None = None) -> bool:
    """Whether ``function`` returns a squared-L2 sum over the parameters it iterates (a summary of
    the function, read where a caller in another module adds the result to its loss). With
    ``ctx``, the file that holds ``function``, a sum over modules without parameters is none."""
    comps, names = _penalty_expressions(function, ctx)
    for ret in iter_subtree(function.body):
        if not isinstance(ret, cst.Return) or ret.value is None:
            continue
        for sub in iter_subtree(ret.value):
            if any(sub is c for c in comps) or (isinstance(sub, cst.Name) and sub.value in names):
                return True
    return False


def _no_receiver_facts(expr, call, imports):
    return None  # only imported functions: a method's receiver class is not known here


def penalty_sums(ctx: FileContext) -> Iterator[cst.CSTNode]:
    """Where the file writes a squared-L2 sum over parameters as a comprehension: the call that
    holds it (``sum(p.pow(2).sum() for p in m.parameters())``), else the comprehension itself."""
    for comp in ctx.index.of_type(cst.GeneratorExp, cst.ListComp):
        if not _penalty_comprehension(comp):
            continue
        parent = ctx.index.parent(comp)
        if isinstance(parent, cst.Arg):
            parent = ctx.index.parent(parent)
        node = parent if isinstance(parent, cst.Call) else comp
        if _reaches_a_sum(ctx, node) and not _evaluation_only(ctx, node) and \
                not _over_empty_modules(ctx, comp):
            yield node


def penalty_accumulations(ctx: FileContext) -> Iterator[cst.CSTNode]:
    """``l2 = 0; for p in m.parameters(): l2 += p.pow(2).sum()``, then ``l2`` added to a sum
    after the loop: the accumulating statements."""
    for loop in ctx.index.of_type(cst.For):
        names = _parameter_loop_names(loop)
        if not names:
            continue
        for statement, accumulator in _accumulations(loop, names):
            if _added_after(ctx, loop, accumulator) and not _evaluation_only(ctx, statement) and \
                    not _over_empty_modules(ctx, loop):
                yield statement


def imported_penalty_calls(ctx: FileContext) -> Iterator[cst.Call]:
    """``loss = ce + lam * l2(model)`` where ``l2``, imported from another module of the project,
    returns the squared sum over the parameters."""
    imports = project_imports(ctx)
    if imports is None:
        return
    for call in ctx.index.of_type(cst.Call):
        if not _may_reach_a_sum(ctx, call):
            continue  # its own statement first: the callee's module is parsed only for a term of a sum
        found = find_called(ctx, call, imports, _no_receiver_facts)
        if found is not None and returns_l2_penalty(found[1], found[0]) and \
                _reaches_a_sum(ctx, call, written_here=False) and not _evaluation_only(ctx, call):
            yield call


def _may_reach_a_sum(ctx: FileContext, node: cst.CSTNode) -> bool:
    """A cheap first test of :func:`_reaches_a_sum` (its own statement only): a term of a sum, or
    bound to a name that may be one later."""
    for ancestor in ctx.index.ancestors(node):
        if isinstance(ancestor, cst.BinaryOperation) and isinstance(ancestor.operator, cst.Add):
            return True
        if isinstance(ancestor, cst.AugAssign):
            return isinstance(ancestor.operator, cst.AddAssign)
        if isinstance(ancestor, cst.Assign):
            return len(ancestor.targets) == 1 and isinstance(ancestor.targets[0].target, cst.Name)
        if isinstance(ancestor, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            return False
    return False


def _class_methods(ctx: FileContext, name: str) -> list[tuple[cst.FunctionDef, cst.ClassDef]]:
    """The methods ``name`` of the top-level classes of ``ctx``'s module."""
    out = []
    for statement in ctx.module.body:
        if isinstance(statement, cst.ClassDef):
            for member in statement.body.body:
                if isinstance(member, cst.FunctionDef) and member.name.value == name:
                    out.append((member, statement))
    return out


class PenaltyMethods:
    """Which method names are penalty methods for one file: every definition of the name in a
    class of the file or of another module of the project is a method of an ``nn.Module`` class
    (through bases of any project module) that returns a squared-L2 sum over parameters (a model's
    ``l2()``), and there is at least one. The receiver of a call ``model.l2()`` need not be
    resolved: a model handed in as an argument (a runner's ``fit(model, ...)``, the class chosen
    from the command line) is of one of those classes, whichever it is. A name one class defines
    otherwise (an ``l2`` that returns a distance, a class that is no module) is no penalty method;
    nor is a name whose definitions could not all be read (a project too large to list)."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._names: dict[str, bool] = {}

    @classmethod
    def compute(cls, ctx: FileContext) -> "PenaltyMethods":
        return cls(ctx)

    def is_penalty_method(self, name: str) -> bool:
        found = self._names.get(name)
        if found is None:
            found = self._names[name] = self._judge(name)
        return found

    def _judge(self, name: str) -> bool:
        from dllint.analysis.dataflow import ModuleClasses

        definitions = [(self.ctx, f, k) for f, k in _class_methods(self.ctx, name)]
        imports = project_imports(self.ctx)
        if imports is not None:
            if PROJECT.depth >= MAX_FILE_DEPTH:
                return False
            files = PROJECT.files(imports.root)
            if files is None:
                return False
            me = Path(self.ctx.path).resolve()
            for path in files:
                if path.resolve() == me or not PROJECT.mentions(path, f"def {name}"):
                    continue
                other = PROJECT.context(path)
                if other is not None:
                    definitions.extend((other, f, k) for f, k in _class_methods(other, name))
        if not definitions:
            return False
        for where, function, klass in definitions:
            if where is not self.ctx:
                PROJECT.depth += 1
            try:
                if klass.name.value not in where.analysis(ModuleClasses).names or \
                        not returns_l2_penalty(function, where):
                    return False
            finally:
                if where is not self.ctx:
                    PROJECT.depth -= 1
        return True


def _may_be_model(ctx: FileContext, receiver: cst.BaseExpression, call: cst.Call) -> bool:
    """The receiver of ``receiver.l2()`` is a model: ``self`` in a module class, or what
    ``models.py`` takes for one (a module built here, a parameter or attribute named like a model:
    ``fit(self, model, ...)``). A tensor's ``x.norm()`` is not asked about the project's ``norm``."""
    from dllint.analysis.dataflow import ModuleClasses
    from dllint.analysis.models import Models

    if isinstance(receiver, cst.Name) and receiver.value == "self":
        klass = ctx.index.enclosing(call, cst.ClassDef)
        return klass is not None and klass.name.value in ctx.analysis(ModuleClasses).names
    return ctx.analysis(Models).is_model(receiver, call)


def method_penalty_calls(ctx: FileContext) -> Iterator[cst.Call]:
    """``loss = out['loss'] + model.l2() * lam`` where ``l2`` is a penalty method
    (:class:`PenaltyMethods`), in this module or another of the project, and the call's value is a
    term of a sum that trains. A call that resolves through the imports (a module's function, a
    library) is not a method call; the receiver is a model (:func:`_may_be_model`)."""
    imports = project_imports(ctx)
    methods: PenaltyMethods | None = None
    for call in ctx.index.of_type(cst.Call):
        func = call.func
        if not isinstance(func, cst.Attribute) or dotted_name(func.value) is None:
            continue
        dotted = dotted_name(func)
        if ctx.imports.qualify_dotted(dotted) is not None or \
                (imports is not None and imports.target(dotted) is not None):
            continue
        if not _may_reach_a_sum(ctx, call) or not _may_be_model(ctx, func.value, call):
            continue
        if methods is None:
            methods = ctx.analysis(PenaltyMethods)
        if methods.is_penalty_method(func.attr.value) and \
                _reaches_a_sum(ctx, call, written_here=False) and not _evaluation_only(ctx, call):
            yield call


# A key's stores, read from a module's text: ``out[KEY] = value`` and ``{KEY: value}`` (the value
# to the end of its line), and a value that is a method call ``self.l2(...)`` (its name).
_METHOD_CALL_VALUE = re.compile(r"\s*(?:\w+\.)+(\w+)\(")


def _key_pattern(key: cst.BaseExpression) -> re.Pattern | None:
    """The text of a subscript's key as a constant name (``LOSS_L2``, upper case: a loop's ``x[i]``
    is no key) or a string (``'l2'``)."""
    if isinstance(key, cst.Name):
        if not key.value.isupper():
            return None
        written = re.escape(key.value)
    elif isinstance(key, cst.SimpleString) and key.prefix == "":
        value = key.evaluated_value
        if not isinstance(value, str) or not value.isidentifier():
            return None
        written = f"['\"]{re.escape(value)}['\"]"
    else:
        return None
    return re.compile(rf"(?:\[\s*{written}\s*\]\s*=(?!=)|(?<![\w.]){written}\s*:(?!=))([^\n]*)")


class PenaltyKeys:
    """Which dictionary keys hold a penalty for one file: every store of the key in the file and in
    the project's other modules (``out_dict[LOSS_L2] = self.l2(out_dict)`` in a model's
    ``forward``, ``{'l2': self.l2()}``) is a call of a penalty method (:class:`PenaltyMethods`),
    and there is at least one. ``output_dict[LOSS_L2]`` read from what the model returned is then
    the penalty, wherever the model comes from. Stores are read from the modules' text (the files
    that mention the key), the same key by its written name or string."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._keys: dict[str, bool] = {}

    @classmethod
    def compute(cls, ctx: FileContext) -> "PenaltyKeys":
        return cls(ctx)

    def holds_penalty(self, key: cst.BaseExpression) -> bool:
        pattern = _key_pattern(key)
        if pattern is None:
            return False
        found = self._keys.get(pattern.pattern)
        if found is None:
            found = self._keys[pattern.pattern] = self._judge(pattern, key)
        return found

    def _texts(self, word: str) -> Iterator[str] | None:
        yield self.ctx.module.code
        imports = project_imports(self.ctx)
        if imports is None:
            return
        files = PROJECT.files(imports.root) if PROJECT.depth < MAX_FILE_DEPTH else None
        if files is None:
            yield ""  # unknown: a value that is no method call
            return
        me = Path(self.ctx.path).resolve()
        for path in files:
            if path.resolve() != me and PROJECT.mentions(path, word):
                try:
                    yield path.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    yield ""

    def _judge(self, pattern: re.Pattern, key: cst.BaseExpression) -> bool:
        word = key.value if isinstance(key, cst.Name) else str(key.evaluated_value)
        names: set[str] = set()
        for text in self._texts(word):
            if text == "":
                return False
            for match in pattern.finditer(text):
                value = _METHOD_CALL_VALUE.match(match.group(1))
                if value is None:
                    return False
                names.add(value.group(1))
        methods = self.ctx.analysis(PenaltyMethods)
        return bool(names) and all(methods.is_penalty_method(name) for name in names)


def key_penalty_reads(ctx: FileContext) -> Iterator[cst.Subscript]:
    """``loss = out[LOSS] + out[LOSS_L2] * lam`` where the key ``LOSS_L2`` holds a penalty
    (:class:`PenaltyKeys`), its value a term of a sum that trains."""
    keys: PenaltyKeys | None = None
    for read in ctx.index.of_type(cst.Subscript):
        if len(read.slice) != 1 or not isinstance(read.slice[0].slice, cst.Index):
            continue
        key = read.slice[0].slice.value
        if not isinstance(key, (cst.Name, cst.SimpleString)) or not _may_reach_a_sum(ctx, read):
            continue
        parent = ctx.index.parent(read)
        if isinstance(parent, cst.AssignTarget) or \
                (isinstance(parent, cst.AugAssign) and parent.target is read):
            continue  # a store, not a read
        if keys is None:
            keys = ctx.analysis(PenaltyKeys)
        if keys.holds_penalty(key) and _reaches_a_sum(ctx, read, written_here=False) and \
                not _evaluation_only(ctx, read):
            yield read


# The torch optimisers with a ``weight_decay`` (its positional index, its default). AdamW decays
# by default; the others only when given a non-zero value.
_DECAYING = {"torch.optim.SGD": (4, 0.0), "torch.optim.Adam": (4, 0.0), "torch.optim.AdamW": (4, 0.01),
             "torch.optim.Adagrad": (3, 0.0), "torch.optim.RMSprop": (4, 0.0)}


def _may_be_positive(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """``expr`` is not provably 0 (or None): a positive literal, a value the user supplies, or one
    the file does not show (``weight_decay=args.wd`` with the parser elsewhere, arithmetic)."""
    value = number(expr)
    if value is not None:
        return value > 0
    if isinstance(expr, cst.Name) and expr.value == "None":
        return False
    outcomes = setting_values(ctx, expr)
    return not outcomes or any(not isinstance(o, float) or o > 0 for o in outcomes)


def _group_decays(call: cst.Call) -> list[cst.BaseExpression]:
    """The ``'weight_decay'`` values of the parameter groups written in the call's first argument
    (``SGD([{'params': ..., 'weight_decay': 1e-4}, ...])``)."""
    if not call.args or not isinstance(call.args[0].value, (cst.List, cst.Tuple)):
        return []
    found = []
    for element in call.args[0].value.elements:
        if isinstance(element.value, cst.Dict):
            for item in element.value.elements:
                if isinstance(item, cst.DictElement) and isinstance(item.key, cst.SimpleString) \
                        and item.key.evaluated_value == "weight_decay":
                    found.append(item.value)
    return found


def decaying_optimisers(ctx: FileContext) -> list[tuple[cst.Call, str]]:
    """The torch optimisers the file builds that may decay the weights, in file order: (the call,
    how its decay is given: ``weight_decay=5e-4``, ``weight_decay=args.wd``, AdamW's default).
    A decay is possible unless every path the file shows gives 0: a literal, AdamW's default 0.01,
    a value followed by :func:`dllint.analysis.settings.setting_values` (a parameter's or an
    option's default, a name; what it cannot follow counts as possible), a parameter group's
    ``'weight_decay'``, or a ``**kwargs`` that may hold one. ``SGD(params, lr=0.1)`` and
    ``Adam(params)`` decay nothing."""
    found = []
    for call in ctx.index.of_type(cst.Call):
        qualified = ctx.imports.qualify(call.func)
        if qualified not in _DECAYING:
            continue
        name = qualified.rsplit(".", 1)[1]
        position, default = _DECAYING[qualified]
        given = argument(call, position, "weight_decay")
        if given is not None:
            if _may_be_positive(ctx, given):
                found.append((call, f"{name}(weight_decay={code_text(ctx.module, given, limit=40)})"))
            continue
        groups = [g for g in _group_decays(call) if _may_be_positive(ctx, g)]
        if groups:
            found.append((call, f"{name} with a parameter group's weight_decay "
                                f"{code_text(ctx.module, groups[0], limit=40)}"))
        elif any(arg.star == "**" for arg in call.args):
            found.append((call, f"{name}(**...), which may set weight_decay"))
        elif default > 0:
            found.append((call, f"{name} (weight_decay {default:g} by default)"))
    return found
