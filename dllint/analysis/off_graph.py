"""Values that are never on the autograd graph, whatever reaches them: the must-side of
:mod:`dllint.analysis.dataflow` (which asks "may it be on the graph?").

Some results cannot carry a gradient: integer-valued results (indices sampled by
``probs.multinomial()``, ``argmax``/``argmin``/``argsort``, the indices of ``max``/``topk``/``sort``,
``randint``, ``bucketize``), comparisons and other booleans, Python numbers, new tensors built from
data (``torch.LongTensor(...)``, ``torch.tensor(...)``), and whatever is computed only from such
values and from inputs that are off the graph themselves (``inputs[rows, idxs].norm(-1)``: the
input coordinates gathered with sampled indices). :meth:`OffGraph.model_part_off` answers, for a
call of a model whose class is a class of the project (``R, probs, idxs = model(batch)``), which
parts of the tuple its ``forward`` returns are such values, given which of the call's arguments are
off the graph: a model's forward often returns its sampled actions or a reward beside the
probabilities, and only the probabilities are graph tensors (seventh audit, cause BH).

The analysis is conservative: a value is off the graph only when every definition of it that may
reach the use (reaching definitions over the scope's control flow, as the graph values read them)
is; a list is off the graph when it is made empty or of such values and everything appended to it
is; a call of a function or method of the file (``self.decode(...)``), of a project class's model
(``self.decoder(...)``), follows the callee's returns, at most ``MAX_DEPTH`` calls deep. Any other
call, attribute of ``self`` or value it cannot follow may be on the graph.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.imports import dotted_name
from dllint.analysis.models import WRAPPER_NAMES, WRAPPERS
from dllint.analysis.project import MAX_FILE_DEPTH, PROJECT, find_class, free_class, project_imports

if TYPE_CHECKING:
    from dllint.analysis.dataflow import Definition
    from dllint.context import FileContext

MAX_DEPTH = 6  # calls followed into callees (a model's forward, its submodules, their helpers)
MAX_STEPS = 20_000  # values judged per file: past it, what is left may be on the graph
_PYTHON_VALUES = frozenset({"int", "float", "bool", "len", "round", "str", "range"})
# Tensors made from data: new leaves that record no graph.
_DATA_TENSORS = frozenset({"Tensor", "FloatTensor", "LongTensor", "IntTensor", "ByteTensor", "BoolTensor",
                           "DoubleTensor", "HalfTensor", "multinomial", "randint_like"})
_LIST_GROWERS = frozenset({"append", "extend", "insert"})


def _target_path(target: cst.BaseExpression, key: str) -> tuple[int, ...] | None:
    """The positions that lead to ``key`` in an unpacking target: ``(0, 1)`` for ``idxs`` in
    ``(probs, idxs), hidden = ...``; ``()`` for the target itself."""
    if dotted_name(target) == key:
        return ()
    if isinstance(target, (cst.Tuple, cst.List)):
        for position, element in enumerate(target.elements):
            if isinstance(element.value, cst.StarredElement):
                return None
            found = _target_path(element.value, key)
            if found is not None:
                return (position, *found)
    return None


class OffGraph:
    """Which values of one file are never on the autograd graph (see the module docstring)."""

    def __init__(self, ctx: "FileContext") -> None:
        from dllint.analysis.dataflow import GraphValues
        self.ctx = ctx
        self.flow = ctx.analysis(GraphValues)
        self.index = ctx.index
        self._memo: dict[tuple, bool] = {}
        self._active: set[tuple] = set()
        self._in_cycle = False
        self._steps = 0
        self._grown: dict[cst.CSTNode | None, dict[str, list[cst.BaseExpression]]] | None = None

    @classmethod
    def compute(cls, ctx: "FileContext") -> "OffGraph":
        return cls(ctx)

    # -- a model's outputs -------------------------------------------------------------------------
    def model_part_off(self, call: cst.Call, path: tuple[int, ...], arguments_off) -> bool:
        """The part ``path`` of what the model call ``call`` returns is off the graph, its
        arguments being off the graph where ``arguments_off(expr)`` says so."""
        found = self._model_forwards(call)
        if not found:
            return False
        return all(self._forward_off(f, path, self._off_parameters(call, f[1], True, arguments_off), 0)
                   for f in found)

    def _forward_off(self, found: tuple["OffGraph", cst.FunctionDef], path: tuple[int, ...],
                     params: frozenset[str], depth: int) -> bool:
        other, forward = found
        if other is self:
            return self._returns_off(forward, path, params, depth)
        PROJECT.depth += 1  # another module's facts, at most MAX_FILE_DEPTH files deep
        try:
            return other._returns_off(forward, path, params, depth)
        finally:
            PROJECT.depth -= 1

    def _model_forwards(self, call: cst.Call) -> list[tuple["OffGraph", cst.FunctionDef]] | None:
        """(the analysis of its module, ``forward``) of each project class whose instance ``call``
        may call: ``model(x)`` after ``model = Net(...)``, ``self.decoder(x)`` after
        ``self.decoder = Decoder(...)`` in the class, either defined in this file or imported; one
        per class when the model is built of one of several by a flag (``vgg16(...)`` or
        ``resnet(...)``); a ``forward`` inherited from a base class (faster-rcnn's ``vgg16`` and
        ``resnet`` share ``_fasterRCNN.forward``) is the base's. None when one is not known."""
        names = self._built_by(call.func, call, 4)
        if names is None:
            return None
        names.discard("torch.load")  # resumed from a file, or built: the class it is built of
        if not names or len(names) > 4:
            return None
        found = []
        for name in sorted(names):
            forward = self._class_forward(name, 0)
            if forward is None:
                return None
            found.append(forward)
        return found

    def _class_forward(self, name: str, depth: int) -> tuple["OffGraph", cst.FunctionDef] | None:
        """The ``forward`` of the class ``name`` (as this file names it): its own, else the one its
        first base that has one gives it, through at most three bases, in this file or in other
        modules of the project."""
        if depth > 3:
            return None
        regions = self.flow.regions
        klass = regions.classes.get(name)
        if klass is not None:
            forward = regions.methods(klass).get("forward")
            if forward is not None:
                return (self, forward)
            for base in klass.bases:
                if base.keyword is not None or base.star:
                    continue
                dotted = dotted_name(base.value)
                if dotted is None or dotted == name:
                    continue
                found = self._class_forward(dotted, depth + 1)
                if found is not None:
                    return found
            return None
        imports = project_imports(self.ctx)
        target = imports.target(name) if imports is not None and PROJECT.depth < MAX_FILE_DEPTH else None
        if target is None and imports is not None and PROJECT.depth < MAX_FILE_DEPTH and "." not in name:
            # a class name the file binds nowhere: what ``from pkg import *`` gives (through the
            # package's ``__init__`` re-exports) or a sibling module defines (sixteenth audit, BH)
            target = free_class(self.ctx, name)
        if target is None or not target.attribute or find_class(self.ctx, target) is None:
            return None
        other_ctx = PROJECT.context(target.path)
        if other_ctx is None:
            return None
        PROJECT.depth += 1
        try:
            other = other_ctx.analysis(OffGraph)
            if other is self:
                return None
            return other._class_forward(target.attribute, depth + 1)
        finally:
            PROJECT.depth -= 1

    def _built_by(self, expr: cst.BaseExpression, at: cst.CSTNode, depth: int) -> set[str] | None:
        """The dotted names of the callables whose calls built the object ``expr`` holds at
        ``at`` (``{"Net"}`` for ``model`` after ``model = Net().cuda()``; ``torch.load``'s qualified
        name for a model read from a file); None when one binding is something else."""
        key = dotted_name(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
        if key is None or depth <= 0:
            return None
        regions = self.flow.regions
        if key.startswith("self."):
            klass = regions.enclosing_class(at)
            if klass is None:
                return None
            definitions = [d for method in regions.methods(klass).values()
                           for d in self.flow.definitions(method, key)]
        else:
            definitions = self.flow.reaching_all(key, at)
        if not definitions:
            # a parameter the function has not rebound: what every caller passes for it
            return self._built_by_callers(key, (), at, depth)
        names: set[str] = set()
        for definition in definitions:
            value = definition.value
            if definition.kind == "assign" and definition.element is not None and isinstance(value, cst.Name) \
                    and isinstance(definition.node, cst.Assign) and len(definition.node.targets) == 1 \
                    and not self.flow.reaching_all(value.value, definition.node):
                # ``net_g, net_d = nets``, ``nets`` a parameter: the element each caller's list gives
                path = _target_path(definition.node.targets[0].target, definition.key)
                inner = self._built_by_callers(value.value, path, definition.node, depth) if path else None
                if inner is None:
                    return None
                names |= inner
                continue
            if definition.kind != "assign" or definition.element is not None or value is None:
                return None
            while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                    and value.func.attr.value in ("to", "cuda", "cpu", "train", "eval", "float", "double"):
                value = value.func.value
            if isinstance(value, cst.Call) and value.args and not value.args[0].keyword \
                    and (self.flow.imports.qualify(value.func) in WRAPPERS
                         or (dotted_name(value.func) or "").rsplit(".", 1)[-1] in WRAPPER_NAMES):
                value = value.args[0].value  # ``nn.DataParallel(model)`` runs ``model``'s forward
            if isinstance(value, (cst.Name, cst.Attribute)):
                inner = self._built_by(value, definition.node, depth - 1)  # ``model = model.cuda()``
                if inner is None:
                    return None
                names |= inner
                continue
            if not isinstance(value, cst.Call):
                return None
            qualified = self.flow.imports.qualify(value.func)
            name = "torch.load" if qualified == "torch.load" else dotted_name(value.func)
            if name is None:
                return None
            names.add(name)
        return names

    def _built_by_callers(self, name: str, path: tuple[int, ...], at: cst.CSTNode, depth: int) -> set[str] | None:
        """:meth:`_built_by` of the part ``path`` of what the callers of the function holding
        ``at`` pass for its parameter ``name`` (``train_and_evaluate(rank, [net_g, net_d])``, the
        function unpacking ``net_g, net_d = nets``): every call known
        (:meth:`dllint.analysis.callers.ProjectCallers.sites`, one at least), all in this file (the
        names are this file's), each passing a literal list or tuple down ``path`` (no starred
        element) whose part is built of known callables where the call is. None otherwise."""
        from dllint.analysis.callers import ProjectCallers
        from dllint.analysis.parameter_uses import parameter_for

        function = self.index.function_of(at)
        if "." in name or depth <= 1 or function is None or not self._is_parameter(function, name):
            return None
        sites = self.ctx.analysis(ProjectCallers).sites(function)
        if not sites:
            return None
        method = isinstance(self.index.parent(self.index.parent(function)), cst.ClassDef)
        names: set[str] = set()
        for site in sites:
            if site.ctx is not self.ctx:
                return None
            passed = [arg.value for arg in site.call.args if parameter_for(function, site.call, arg, method) == name]
            if len(passed) != 1 or any(arg.star for arg in site.call.args):
                return None
            value = passed[0]
            for position in path:
                if not isinstance(value, (cst.List, cst.Tuple)) or position >= len(value.elements) \
                        or any(isinstance(e.value, cst.StarredElement) for e in value.elements[:position + 1]):
                    return None
                value = value.elements[position].value
            inner = self._built_by(value, site.call, depth - 1)
            if inner is None:
                return None
            names |= inner
        return names

    def _off_parameters(self, call: cst.Call, function: cst.FunctionDef, method: bool, arguments_off
                        ) -> frozenset[str]:
        """The parameters of ``function`` that ``call`` binds to values off the graph (a default
        left as it is: a literal); nothing when a ``*args`` / ``**kwargs`` hides the binding."""
        if any(arg.star for arg in call.args):
            return frozenset()
        params = list(function.params.params)
        if method and params:
            params = params[1:]
        off: set[str] = set()
        bound: set[str] = set()
        for position, arg in enumerate(call.args):
            if arg.keyword is not None:
                name = arg.keyword.value
            elif position < len(params):
                name = params[position].name.value
            else:
                continue
            bound.add(name)
            if arguments_off(arg.value):
                off.add(name)
        for param in (*params, *function.params.kwonly_params):
            if param.name.value not in bound and param.default is not None \
                    and (isinstance(param.default, (cst.Integer, cst.Float, cst.SimpleString))
                         or isinstance(param.default, cst.Name) and param.default.value in ("None", "True", "False")):
                off.add(param.name.value)
        return frozenset(off)

    def _returns_off(self, function: cst.FunctionDef, path: tuple[int, ...], params: frozenset[str],
                     depth: int) -> bool:
        """Every ``return`` of ``function`` gives, at ``path``, a value off the graph."""
        returns = self.flow.returns_of(function)
        if not returns or depth > MAX_DEPTH:
            return False
        return all(ret.value is not None and self._part_off(ret.value, path, params, depth) for ret in returns)

    def _part_off(self, expr: cst.BaseExpression, path: tuple[int, ...], params: frozenset[str],
                  depth: int) -> bool:
        while path and isinstance(expr, (cst.Tuple, cst.List)):
            position, path = path[0], path[1:]
            if position >= len(expr.elements) or isinstance(expr.elements[position].value, cst.StarredElement):
                return False
            expr = expr.elements[position].value
        if not path:
            return self.off(expr, params, depth)
        if isinstance(expr, cst.Call):
            return self._call_part_off(expr, path, params, depth)
        if isinstance(expr, (cst.Name, cst.Attribute)):
            key = dotted_name(expr)
            definitions = self.flow.reaching_all(key, expr) if key is not None else []
            return bool(definitions) and all(
                d.kind == "assign" and d.element is None and d.value is not None
                and self._part_off(d.value, path, params, depth) for d in definitions)
        return False

    def _call_part_off(self, call: cst.Call, path: tuple[int, ...], params: frozenset[str], depth: int) -> bool:
        """The part ``path`` of what ``call`` returns is off the graph: a call of a function or
        method of this file, or of a project model, followed into its returns."""
        if depth >= MAX_DEPTH:
            return False

        def argument_off(value: cst.BaseExpression) -> bool:
            return self.off(value, params, depth + 1)

        target = self.flow.regions.resolved(call)
        if target is not None:
            klass = self.index.enclosing(target, cst.ClassDef)
            method = klass is not None and target in klass.body.body
            return self._returns_off(target, path, self._off_parameters(call, target, method, argument_off),
                                     depth + 1)
        found = self._model_forwards(call)
        if not found:
            return False
        return all(self._forward_off(f, path, self._off_parameters(call, f[1], True, argument_off), depth + 1)
                   for f in found)

    # -- one value ---------------------------------------------------------------------------------
    def off(self, expr: cst.BaseExpression, params: frozenset[str] = frozenset(), depth: int = 0) -> bool:
        """``expr``, where it stands, is never a tensor on the autograd graph, the parameters
        ``params`` of its function holding values off the graph."""
        key = (expr, params)
        found = self._memo.get(key)
        if found is not None:
            return found
        if key in self._active or self._steps >= MAX_STEPS:
            self._in_cycle = True  # a cycle (a value rebound round a loop) proves nothing
            return False
        self._steps += 1
        outer, self._in_cycle = self._in_cycle, False
        self._active.add(key)
        try:
            result = self._off(expr, params, depth)
        finally:
            self._active.discard(key)
        if result or not self._in_cycle:
            # "off" never rests on a cycle (a cycle answers "maybe on the graph"), and an answer
            # that met none is final: kept whatever the order of the questions
            self._memo[key] = result
        self._in_cycle = outer or self._in_cycle
        return result

    def _off(self, expr: cst.BaseExpression, params: frozenset[str], depth: int) -> bool:
        from dllint.analysis.dataflow import (DETACHING_METHODS, GRAPH_METHODS, METADATA_ATTRIBUTES,
                                              TORCH_NON_GRAPH, _indices_of_pair, _returns_values_indices,
                                              without_graph_gradients)
        if isinstance(expr, (cst.Integer, cst.Float, cst.SimpleString, cst.FormattedString,
                             cst.ConcatenatedString, cst.Comparison)):
            return True
        if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
            return True
        if isinstance(expr, cst.Attribute):
            if expr.attr.value in METADATA_ATTRIBUTES or expr.attr.value == "data" \
                    or expr.attr.value == "indices" and _returns_values_indices(expr.value):
                return True
        if isinstance(expr, (cst.Name, cst.Attribute)):
            return self._name_off(expr, params, depth)
        if isinstance(expr, cst.Subscript):
            # indexing a value off the graph, with anything, gives values off the graph
            return _indices_of_pair(expr) or self.off(expr.value, params, depth)
        if isinstance(expr, cst.BinaryOperation):
            return self.off(expr.left, params, depth) and self.off(expr.right, params, depth)
        if isinstance(expr, cst.UnaryOperation):
            return self.off(expr.expression, params, depth)
        if isinstance(expr, cst.BooleanOperation):
            return self.off(expr.left, params, depth) and self.off(expr.right, params, depth)
        if isinstance(expr, cst.IfExp):
            return self.off(expr.body, params, depth) and self.off(expr.orelse, params, depth)
        if isinstance(expr, (cst.List, cst.Tuple)):
            return all(not isinstance(e.value, cst.StarredElement) and self.off(e.value, params, depth)
                       for e in expr.elements)
        if isinstance(expr, cst.Call):
            func = expr.func
            qualified = self.flow.imports.qualify(func)
            if qualified is not None:
                last = qualified.rsplit(".", 1)[-1]
                if not qualified.startswith("torch."):
                    return False
                if last in TORCH_NON_GRAPH or last in DETACHING_METHODS or last in _DATA_TENSORS \
                        or without_graph_gradients(qualified, expr):
                    return True
                if qualified.startswith("torch.nn.") and last[:1].isupper():
                    return False  # a module built here
                return self._arguments_off(expr, params, depth)
            if isinstance(func, cst.Name) and func.value in _PYTHON_VALUES:
                return True
            if isinstance(func, cst.Attribute):
                method = func.attr.value
                if method in DETACHING_METHODS or method in _DATA_TENSORS:
                    return True
                if method in GRAPH_METHODS:
                    return self.off(func.value, params, depth) and self._arguments_off(expr, params, depth)
            return self._call_part_off(expr, (), params, depth)
        return False

    def _arguments_off(self, call: cst.Call, params: frozenset[str], depth: int) -> bool:
        return all(self.off(arg.value, params, depth) for arg in call.args
                   if arg.keyword is None or arg.keyword.value not in ("dim", "keepdim", "dtype", "device"))

    def _name_off(self, expr: cst.BaseExpression, params: frozenset[str], depth: int) -> bool:
        key = dotted_name(expr)
        if key is None:
            return False
        definitions = self.flow.reaching_all(key, expr)
        if not definitions:
            function = self.index.function_of(expr)
            return isinstance(expr, cst.Name) and function is not None and key in params \
                and self._is_parameter(function, key)
        grown = self._grown_values(self.index.function_of(expr)).get(key, [])
        if grown and not all(self.off(value, params, depth) for value in grown):
            return False  # something not off the graph is appended to the list
        return all(self._definition_off(d, params, depth) for d in definitions)

    @staticmethod
    def _is_parameter(function: cst.FunctionDef, name: str) -> bool:
        found = function.params
        return any(p.name.value == name for p in (*found.posonly_params, *found.params, *found.kwonly_params))

    def _definition_off(self, definition: "Definition", params: frozenset[str], depth: int) -> bool:
        kind, value = definition.kind, definition.value
        if kind == "detach":
            return True
        if value is None or kind == "opaque":
            return False
        if kind == "for":
            # each item of a container (or rows of a tensor) off the graph is off the graph
            return definition.element is None and self.off(value, params, depth)
        if kind in ("aug", "item"):
            return self.off(value, params, depth)  # what it held before is another definition
        node = definition.node
        if definition.element is None:
            return self.off(value, params, depth)
        if not isinstance(node, cst.Assign):
            return False
        for target in node.targets:
            path = _target_path(target.target, definition.key)
            if path is not None:
                if path[:1] == (1,) and len(path) == 1 and _returns_values_indices_of(value):
                    return True  # ``_, idx = out.max(1)``
                return self._part_off(value, path, params, depth)
        return False

    def _grown_values(self, scope: cst.CSTNode | None) -> dict[str, list[cst.BaseExpression]]:
        """What each list of ``scope`` is grown with: ``x`` of ``name.append(x)``."""
        if self._grown is None:
            self._grown = {}  # one pass over the file's calls, for every scope
            for call in self.flow._nodes(cst.Call):
                func = call.func
                if isinstance(func, cst.Attribute) and func.attr.value in _LIST_GROWERS and call.args:
                    key = dotted_name(func.value)
                    if key is not None:
                        self._grown.setdefault(self.index.function_of(call), {}) \
                            .setdefault(key, []).append(call.args[-1].value)
        return self._grown.get(scope, {})


def _returns_values_indices_of(value: cst.BaseExpression) -> bool:
    from dllint.analysis.dataflow import _returns_values_indices
    return _returns_values_indices(value)
