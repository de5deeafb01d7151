"""Modules with no trainable parameter: their output is on the autograd graph only through their input.

A call of an ``nn.Module`` is taken as a graph tensor because its parameters require grad. A module
that has none (``nn.AvgPool2d``, ``nn.ReLU``, an ``nn.Sequential`` of such layers, or a class of the
file that keeps only plain tensors: a logistic regression written by hand with ``torch.zeros``
weights that it updates itself) puts nothing on the graph: its output is a graph tensor only when
an input is one, or is a leaf that requires grad (fourth audit, cause AF).

A class of the file is parameter-free when it derives from ``nn.Module`` directly, defines
``forward``, nothing in it
names ``Parameter``, ``requires_grad``, ``register_parameter``, ``add_module``, ``setattr`` or
``register_module``, no class of the file derives from it, and every value its methods store into
``self`` (``self.w = ...``, ``self.grads["dw"] = ...``) is *plain*: literals, containers and
arithmetic of plain values, tensors made by torch factories without ``requires_grad``, torch
functions and tensor methods of plain values, parameter-free layers, other plain ``self``
attributes, and method parameters for which every call of the method in the file passes a value
that is neither on the graph nor a leaf that requires grad (for ``__init__``: every construction
of the class, or the parameter's plain default). A class that a project module could construct
(the file has a project and another module names the class) is not judged.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.imports import dotted_name
from dllint.analysis.models import STATELESS_LAYERS
from dllint.index import iter_subtree

if TYPE_CHECKING:
    from dllint.analysis.dataflow import GraphValues

# torch.nn layers that hold no parameter (``weight``/``bias``) and no buffer that requires grad.
PARAMETER_FREE_LAYERS = STATELESS_LAYERS | frozenset({
    "RReLU", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "FractionalMaxPool2d",
    "FractionalMaxPool3d",
    "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
    "ChannelShuffle", "Fold", "Unfold", "CircularPad1d", "CircularPad2d", "CircularPad3d",
})
# torch functions that make a new tensor from sizes, data or a shape: off the graph unless asked
# for ``requires_grad``.
TORCH_FACTORIES = frozenset({
    "zeros", "ones", "empty", "full", "eye", "rand", "randn", "randint", "randperm", "arange",
    "linspace", "logspace", "tensor", "as_tensor", "from_numpy", "scalar_tensor", "zeros_like",
    "ones_like", "empty_like", "full_like", "rand_like", "randn_like", "randint_like", "Tensor",
    "FloatTensor", "LongTensor", "DoubleTensor", "IntTensor", "ByteTensor", "BoolTensor", "device",
})
# Tensor methods whose result carries no graph of their arguments: conversions keep only the
# receiver's graph, detaching ones none.
CONVERSIONS = frozenset({"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "long", "int",
                         "bool", "byte", "type", "type_as", "contiguous"})
DETACHED = frozenset({"item", "tolist", "numpy", "detach", "size", "dim", "numel"})
# Names in a class body that may give it a parameter or a leaf that requires grad.
_PARAMETER_WORDS = frozenset({"Parameter", "ParameterList", "ParameterDict", "requires_grad",
                              "requires_grad_", "register_parameter", "add_module", "register_module",
                              "setattr", "__setattr__", "Variable"})
_MAX_DEPTH = 12
# Methods that add a part (and so parameters) to a module after it is built.
_ADDING_METHODS = frozenset({"add_module", "register_module", "register_parameter", "append", "extend",
                             "insert", "update", "requires_grad_", "load_state_dict"})


class ParameterFree:
    """Which module calls of one file run a module with no trainable parameter."""

    def __init__(self, values: "GraphValues") -> None:
        self.values = values
        self.ctx = values.ctx
        self.index = values.index
        self.imports = values.imports
        self._classes: dict[cst.ClassDef, bool] = {}
        self._attributes: dict[tuple[cst.ClassDef, str], bool] = {}
        self._classes_by_name: dict[str, list[cst.ClassDef]] | None = None
        self._leaf_names: set[str] | None = None
        self._mutated_names: set[str] | None = None

    # ---------------------------------------------------------------------------------------------
    # the question
    def call_without_graph(self, call: cst.Call, module: cst.BaseExpression) -> bool:
        """``call`` runs ``module`` (a name, or a constructor called at once), which holds no
        trainable parameter, on inputs none of which is a graph tensor or a leaf that requires
        grad: its output is off the graph."""
        if not self.module_free(module, call):
            return False
        return all(arg.keyword is None or arg.keyword.value not in ("requires_grad",)
                   for arg in call.args) and all(self.outer_plain(arg.value) for arg in call.args)

    def module_free(self, module: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """The module ``module`` names where ``at`` is holds no trainable parameter."""
        if isinstance(module, cst.Call):
            return self.constructor_free(module)
        key = dotted_name(module)
        if key is None or "." in key:
            return False
        if key in self._mutated():
            return False  # ``net.add_module(...)``, ``net.fc = nn.Linear(...)``: filled later
        definitions = self.values.reaching_all(key, at)
        if not definitions:
            return False
        for definition in definitions:
            if definition.kind != "assign" or definition.element is not None or definition.value is None:
                return False
            value = definition.value
            while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                    and value.func.attr.value in ("to", "cuda", "cpu", "float", "double", "half",
                                                  "train", "eval"):
                value = value.func.value
            if not (isinstance(value, cst.Call) and self.constructor_free(value)):
                return False
        return True

    def _mutated(self) -> set[str]:
        """Names whose module may get parts after it is built: a method that adds one is called on
        it (``add_module``, ``append``, ``register_parameter``...), or an attribute or item of it
        is assigned."""
        if self._mutated_names is None:
            found: set[str] = set()
            for call in self.index.of_type(cst.Call):
                func = call.func
                if isinstance(func, cst.Attribute) and func.attr.value in _ADDING_METHODS:
                    key = dotted_name(func.value)
                    if key:
                        found.add(key)
            for node in [*self.index.of_type(cst.Assign), *self.index.of_type(cst.AugAssign),
                         *self.index.of_type(cst.AnnAssign)]:
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) \
                    else [node.target]
                for target in targets:
                    if isinstance(target, (cst.Attribute, cst.Subscript)):
                        key = dotted_name(target.value)
                        if key:
                            found.add(key)
            self._mutated_names = found
        return self._mutated_names

    def constructor_free(self, call: cst.Call, depth: int = 0) -> bool:
        """``call`` builds a module with no trainable parameter."""
        if depth > _MAX_DEPTH:
            return False
        qualified = self.imports.qualify(call.func) or ""
        if qualified.startswith("torch.nn.") and qualified.count(".") == 2:
            last = qualified.rsplit(".", 1)[-1]
            if last in PARAMETER_FREE_LAYERS:
                return True
            if last == "Sequential":
                # an empty one is a placeholder (an exercise's ``nn.Sequential(# TODO)``)
                return bool(call.args) and all(not arg.star and arg.keyword is None and isinstance(arg.value, cst.Call)
                           and self.constructor_free(arg.value, depth + 1) for arg in call.args)
            return False
        if isinstance(call.func, cst.Name):
            classes = self._class_defs().get(call.func.value, [])
            if len(classes) == 1:
                return self.class_free(classes[0])
        return False

    # ---------------------------------------------------------------------------------------------
    # classes of the file
    def _class_defs(self) -> dict[str, list[cst.ClassDef]]:
        if self._classes_by_name is None:
            self._classes_by_name = {}
            for klass in self.index.of_type(cst.ClassDef):
                self._classes_by_name.setdefault(klass.name.value, []).append(klass)
        return self._classes_by_name

    def class_free(self, klass: cst.ClassDef) -> bool:
        found = self._classes.get(klass)
        if found is None:
            self._classes[klass] = True  # assumed while it is judged: a cycle creates no parameter
            found = self._classes[klass] = self._class_free(klass)
        return found

    def _class_free(self, klass: cst.ClassDef) -> bool:
        from dllint.analysis.dataflow import _is_module_base
        from dllint.analysis.project import find_callers, project_imports

        if not klass.bases or not all(_is_module_base(self.imports, b.value) for b in klass.bases) \
                or klass.keywords or self.index.enclosing(klass, cst.ClassDef) is not None:
            return False
        if not any(f.name.value == "forward" for f in self._methods(klass)):
            return False  # a placeholder, or a forward inherited from elsewhere: not seen whole
        for node in iter_subtree(klass):
            if isinstance(node, cst.Name) and node.value in _PARAMETER_WORDS:
                return False
        name = klass.name.value
        for other in self.index.of_type(cst.ClassDef):
            if any(dotted_name(b.value) == name for b in other.bases):
                return False  # a subclass may add parameters and pass its own on
        for function in self._methods(klass):
            for key, definitions in self.values.scope_definitions(function).items():
                if key != "self" and not key.startswith("self."):
                    continue
                for definition in definitions:
                    if definition.kind == "detach":
                        continue
                    if definition.kind not in ("assign", "aug", "item") or definition.value is None \
                            or not self.plain(definition.value, function, klass, 0):
                        return False
        # last, for it searches the whole project: every check before reads this file only
        if project_imports(self.ctx) is not None and find_callers(self.ctx, name, method=False, first=True):
            return False  # constructed in another module too: not all constructions are here
        return True

    def _methods(self, klass: cst.ClassDef) -> list[cst.FunctionDef]:
        return [f for f in self.index.of_type(cst.FunctionDef)
                if self.index.enclosing(f, cst.ClassDef) is klass]

    def _attribute_plain(self, klass: cst.ClassDef, key: str) -> bool:
        """Every value stored into ``key`` (``self.w``) by a method of ``klass`` is plain; False
        when nothing stores it (it is set from outside)."""
        marker = (klass, key)
        found = self._attributes.get(marker)
        if found is not None:
            return found
        self._attributes[marker] = True  # assumed while judged (``self.w = self.w - lr * g``)
        stored = False
        result = True
        for function in self._methods(klass):
            for definition in self.values.definitions(function, key):
                stored = True
                if definition.kind == "detach":
                    continue
                if definition.kind not in ("assign", "aug", "item") or definition.value is None \
                        or not self.plain(definition.value, function, klass, 0):
                    result = False
        result = result and stored
        self._attributes[marker] = result
        return result

    # ---------------------------------------------------------------------------------------------
    # plain values inside the class
    def plain(self, expr: cst.BaseExpression, function: cst.FunctionDef, klass: cst.ClassDef,
              depth: int) -> bool:
        """``expr`` (in a method of ``klass``) holds no parameter and no graph tensor, given that
        ``klass`` holds none."""
        if depth > _MAX_DEPTH:
            return False
        recurse = lambda e: self.plain(e, function, klass, depth + 1)  # noqa: E731
        if isinstance(expr, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString,
                             cst.ConcatenatedString, cst.FormattedString, cst.Ellipsis)):
            return True
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            return all(recurse(e.value) for e in expr.elements)
        if isinstance(expr, cst.Dict):
            return all(isinstance(e, cst.DictElement) and recurse(e.key) and recurse(e.value)
                       for e in expr.elements)
        if isinstance(expr, cst.BinaryOperation):
            return recurse(expr.left) and recurse(expr.right)
        if isinstance(expr, cst.UnaryOperation):
            return recurse(expr.expression)
        if isinstance(expr, (cst.Comparison, cst.BooleanOperation)):
            return True  # booleans
        if isinstance(expr, cst.IfExp):
            return recurse(expr.body) and recurse(expr.orelse)
        if isinstance(expr, cst.Subscript):
            return recurse(expr.value)
        if isinstance(expr, cst.Attribute):
            key = dotted_name(expr)
            if key is not None and key.startswith("self.") and key.count(".") == 1:
                return self._attribute_plain(klass, key)
            if expr.attr.value in ("shape", "dtype", "device", "ndim"):
                return True
            return recurse(expr.value)
        if isinstance(expr, cst.Name):
            return self._name_plain(expr, function, klass, depth)
        if isinstance(expr, cst.Call):
            return self._call_plain(expr, function, klass, depth)
        return False

    def _call_plain(self, call: cst.Call, function: cst.FunctionDef, klass: cst.ClassDef,
                    depth: int) -> bool:
        recurse = lambda e: self.plain(e, function, klass, depth + 1)  # noqa: E731
        func = call.func
        qualified = self.imports.qualify(func) or ""
        if qualified.startswith("torch."):
            last = qualified.rsplit(".", 1)[-1]
            if qualified.startswith("torch.nn.") and last[:1].isupper():
                return self.constructor_free(call, depth + 1)
            if any(arg.keyword is not None and arg.keyword.value == "requires_grad" for arg in call.args):
                return False
            if last in TORCH_FACTORIES:
                return True
            return all(recurse(arg.value) for arg in call.args)
        if isinstance(func, cst.Attribute) and not qualified:
            method = func.attr.value
            if method in DETACHED:
                return True
            if method in CONVERSIONS:
                return recurse(func.value)
            receiver = dotted_name(func.value)
            if receiver == "self":
                return False  # another method's return value: not followed
            return recurse(func.value) and all(recurse(arg.value) for arg in call.args)
        if isinstance(func, cst.Name) and func.value in ("float", "int", "len", "bool", "str", "range",
                                                         "round", "abs", "min", "max", "sum"):
            return func.value in ("float", "int", "len", "bool", "str", "range", "round") \
                or all(recurse(arg.value) for arg in call.args)
        return False

    def _name_plain(self, name: cst.Name, function: cst.FunctionDef, klass: cst.ClassDef,
                    depth: int) -> bool:
        if name.value in ("True", "False", "None"):
            return True
        params = [p for p in (*function.params.posonly_params, *function.params.params,
                              *function.params.kwonly_params)]
        definitions = self.values.reaching_all(name.value, name)
        if definitions:
            return all(d.kind in ("assign", "aug", "item") and d.value is not None
                       and self.plain(d.value, function, klass, depth + 1) for d in definitions)
        param = next((p for p in params if p.name.value == name.value), None)
        if param is None:
            # a global of the file: its module-level values
            values = self.values.definitions(None, name.value)
            return bool(values) and all(d.kind == "assign" and d.value is not None
                                        and self.outer_plain(d.value) for d in values)
        if param is params[0] and param.name.value == "self":
            return False
        return self._passed_plain(function, klass, param)

    def _passed_plain(self, function: cst.FunctionDef, klass: cst.ClassDef, param: cst.Param) -> bool:
        """Every call of the method ``function`` in the file passes a plain value for ``param``
        (for ``__init__``: every construction of ``klass``, the default where none is passed)."""
        from dllint.analysis.modes import Modes

        modes = self.ctx.analysis(Modes)
        if function.name.value == "__init__":
            calls = [c for c in self.index.of_type(cst.Call)
                     if isinstance(c.func, cst.Name) and c.func.value == klass.name.value]
        else:
            calls = [c for c in self.index.of_type(cst.Call) if isinstance(c.func, cst.Attribute)
                     and c.func.attr.value == function.name.value]
            arity = sum(1 for p in function.params.params if p.default is None) - 1
            # calls of another object's method of the same name (``loss.backward()``) pass fewer
            # arguments than this method needs; any other must resolve to it
            calls = [c for c in calls if len(c.args) >= arity or any(a.star for a in c.args)]
            if any(self.values.regions.resolved(c) is not function for c in calls):
                return False
        if not calls:
            return False
        for call in calls:
            passed = modes._argument_for(call, function, param.name.value)
            if passed is None:
                if any(arg.star for arg in call.args):
                    return False
                if param.default is None or not self.outer_plain(param.default):
                    return False
            elif not self.outer_plain(passed):
                return False
        return True

    # ---------------------------------------------------------------------------------------------
    # values outside the class
    def outer_plain(self, expr: cst.BaseExpression) -> bool:
        """``expr`` is neither on the graph nor a leaf that requires grad (nor reads a module's
        ``weight``/``bias``/``parameters()``)."""
        if self.values.is_graph(expr):
            return False
        return not self._may_require_grad(expr, 0, set())

    def leaves_in_place(self) -> set[str]:
        """Names made leaves that require grad in place: ``x.requires_grad_()``,
        ``x.requires_grad = True``."""
        if self._leaf_names is None:
            self._leaf_names = set()
            for call in self.index.of_type(cst.Call):
                func = call.func
                if isinstance(func, cst.Attribute) and func.attr.value == "requires_grad_":
                    key = dotted_name(func.value)
                    if key:
                        self._leaf_names.add(key)
            for assign in self.index.of_type(cst.Assign):
                for target in assign.targets:
                    if isinstance(target.target, cst.Attribute) \
                            and target.target.attr.value == "requires_grad":
                        key = dotted_name(target.target.value)
                        if key:
                            self._leaf_names.add(key)
        return self._leaf_names

    def _may_require_grad(self, expr: cst.BaseExpression, depth: int, seen: set) -> bool:
        """``expr`` may hold a leaf that requires grad or a module's parameter, following the
        definitions that reach its names (each once: a definition met again round a loop,
        ``y = y.unsqueeze(0)``, adds nothing new)."""
        if depth > 24:  # each definition is followed once; this only bounds the recursion
            return True
        for node in iter_subtree(expr):
            if isinstance(node, cst.Name) and node.value in _PARAMETER_WORDS | {"weight", "bias",
                                                                              "parameters"}:
                return True
            if isinstance(node, cst.Arg) and node.keyword is not None \
                    and node.keyword.value == "requires_grad":
                return True
            if isinstance(node, (cst.Name, cst.Attribute)):
                key = dotted_name(node)
                if key is None:
                    continue
                if key in self.leaves_in_place():
                    return True
                if not isinstance(node, cst.Name):
                    continue
                definitions = self.values.reaching_all(key, node)
                function = self.index.function_of(node)
                if not definitions and function is not None and any(
                        p.name.value == key for p in (*function.params.params,
                                                      *function.params.posonly_params,
                                                      *function.params.kwonly_params)):
                    return True  # a parameter: whatever the callers pass
                for definition in definitions:
                    if definition in seen:
                        continue
                    seen.add(definition)
                    if definition.value is None and definition.kind != "detach":
                        return True
                    if definition.value is not None \
                            and self._may_require_grad(definition.value, depth + 1, seen):
                        return True
        return False
