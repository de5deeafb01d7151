"""Which output activation a value went through last: softmax, log_softmax or sigmoid.

The loss rules (DL505) ask whether what a loss is given is already probabilities. The answer is
read from what the code states:

* an inline call: ``F.softmax(z)``, ``torch.sigmoid(z)``, ``z.log_softmax(-1)``;
* ``torch.exp`` of a log_softmax (``z.exp()`` too), which is a softmax;
* a method that only moves or reshapes a value (``view``, ``reshape``, ``resize``, ``squeeze``,
  ``to``, ``float`` ...) keeps what the value is;
* a name bound to one of these (the binding before the use, followed through a name bound to
  another name, ``loss_func = self.loss_func``; a function's parameter takes what
  every call of the function in the file passes, or, for a top-level function the file never
  calls, what every call in the project's other modules passes);
* the output of a module: an ``nn.Softmax`` bound to a name, an ``nn.Sequential`` ending in one, a
  class whose ``forward`` returns one, in this file or another module of the project. Those come
  from the model-output fact of :class:`dllint.analysis.shapes.Shapes` (activation, rank, last
  size), which the shape rules read as well.

API::

    activations = ctx.analysis(Activations)
    activations.of(expr) -> "softmax" | "log_softmax" | "sigmoid" | None
    activations.of_class(klass) -> the same, for what the class's ``forward`` returns
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.bindings import Bindings
from dllint.analysis.imports import dotted_name
from dllint.analysis.shapes import ACTIVATION_MODULES, Shapes

if TYPE_CHECKING:
    from dllint.context import FileContext

FUNCTIONS = {
    "torch.softmax": "softmax",
    "torch.nn.functional.softmax": "softmax",
    "torch.special.softmax": "softmax",
    "torch.log_softmax": "log_softmax",
    "torch.nn.functional.log_softmax": "log_softmax",
    "torch.special.log_softmax": "log_softmax",
    "torch.sigmoid": "sigmoid",
    "torch.nn.functional.sigmoid": "sigmoid",
    "torch.special.expit": "sigmoid",
}
METHODS = {"softmax": "softmax", "log_softmax": "log_softmax", "sigmoid": "sigmoid"}
# Methods whose result holds the same numbers as their receiver, moved or reshaped.
KEEPING_METHODS = frozenset({
    "view", "reshape", "resize", "resize_", "contiguous", "squeeze", "unsqueeze", "flatten",
    "float", "double", "half", "to", "cpu", "cuda", "clone", "permute", "transpose", "view_as",
    "reshape_as", "type",
})
_MAX_DEPTH = 6
_UNKNOWN = object()  # the reaching bindings of a name give no answer


class Activations:
    """Per-file answers; see the module docstring."""

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        self.bindings = ctx.analysis(Bindings)
        self._classes: dict[cst.ClassDef, str | None] = {}
        self._params: dict[tuple[cst.FunctionDef, str], list[cst.BaseExpression] | None] = {}
        self._elsewhere: dict[tuple[cst.FunctionDef, str], str | None] = {}

    @classmethod
    def compute(cls, ctx: "FileContext") -> "Activations":
        return cls(ctx)

    def of(self, expr: cst.BaseExpression, at: cst.CSTNode | None = None, depth: int = 0) -> str | None:
        """The activation ``expr`` (a node of this file) went through last, where it stands."""
        if depth > _MAX_DEPTH:
            return None
        at = expr if at is None else at
        imports = self.ctx.imports
        if isinstance(expr, cst.Call):
            qualified = imports.qualify(expr.func)
            if qualified in FUNCTIONS:
                return FUNCTIONS[qualified]
            if qualified in ("torch.exp", "numpy.exp") and expr.args:
                inner = self.of(expr.args[0].value, at, depth + 1)
                return "softmax" if inner == "log_softmax" else None
            if qualified is None and isinstance(expr.func, cst.Attribute):
                method = expr.func.attr.value
                receiver = expr.func.value
                if method in METHODS:
                    # ``torch.softmax`` resolved above; ``F.softmax`` without import is unknown
                    name = dotted_name(receiver)
                    if name is None or imports.qualify_dotted(name) is None:
                        return METHODS[method]
                if method == "exp":
                    return "softmax" if self.of(receiver, at, depth + 1) == "log_softmax" else None
                if method in KEEPING_METHODS:
                    return self.of(receiver, at, depth + 1)
            return self._module_output(expr, at, depth)
        name = dotted_name(expr)
        if name is None:
            return None
        if isinstance(expr, cst.Name) and self.bindings.rebound(name):
            reached = self._reaching(at, name, depth)
            if reached is not _UNKNOWN:
                return reached  # type: ignore[return-value]
        value = self.bindings.value_before(at, name)
        if value is not None and value is not expr:
            return self.of(value, at, depth + 1)
        if value is None and "." not in name:
            passed = self._passed(at, name)
            if passed:
                found = {self.of(v, v, depth + 1) for v in passed}
                return found.pop() if len(found) == 1 else None
        return None

    def _reaching(self, at: cst.CSTNode, name: str, depth: int) -> object:
        """The activation of a rebound name at ``at`` from the bindings that reach it on the
        control-flow graph (``if colored: y = torch.sigmoid(y) ... else: loss(y)``: the sigmoid
        of the other branch does not reach the loss), each read where it is bound; only what
        every reaching binding agrees on. :data:`_UNKNOWN` when the solve has no answer (the
        last binding before ``at`` is read instead)."""
        from dllint.analysis.name_reaching import NameReaching
        reaching = self.ctx.analysis(NameReaching).reaching(at, name)
        if reaching is None:
            return _UNKNOWN
        if not reaching:
            # none of the scope's bindings reaches: a parameter, holding what its callers pass
            passed = self._passed(at, name)
            found = {self.of(v, v, depth + 1) for v in passed} if passed else {None}
            return found.pop() if len(found) == 1 else None
        if any(v is None for v in reaching):
            return None  # a loop target, an unpacking, an augmented assignment: not followed
        found = {self.of(v, v, depth + 1) for v in reaching if v is not None}
        return found.pop() if len(found) == 1 else None

    def _module_output(self, call: cst.Call, at: cst.CSTNode, depth: int) -> str | None:
        """The activation of the module ``call`` calls: the shapes analysis's model-output fact;
        else the constructor bound to the callee's name (a parameter bound by every caller)."""
        shapes = self.ctx.analysis(Shapes)
        output = shapes.model_output(call)
        if output is not None:
            return output.activation
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "forward":
            func = func.value
        for constructor in self.constructors(func, at, depth):
            return self._built(constructor, depth)
        if isinstance(func, cst.Name):
            return self._passed_from_elsewhere(at, func.value, depth)
        return None

    def _built(self, constructor: cst.BaseExpression, depth: int) -> str | None:
        """The activation of the module ``constructor`` builds: an activation module, a model
        (shapes' fact), an ``nn.Sequential()`` filled by ``add_module``, or what a function of
        this file that builds the model returns."""
        if not isinstance(constructor, cst.Call) or depth > _MAX_DEPTH:
            return None
        qualified = self.ctx.imports.qualify(constructor.func)
        if qualified in ACTIVATION_MODULES:
            return ACTIVATION_MODULES[qualified]
        if qualified == "torch.nn.Sequential" and not constructor.args:
            last = self._last_added(constructor)
            return self._built(last, depth + 1) if last is not None else None
        built = self.ctx.analysis(Shapes).constructed_output(constructor)
        if built is not None:
            return built.activation
        from dllint.analysis.regions import Regions
        function = self.ctx.analysis(Regions).resolved(constructor)
        if function is None or self.ctx.analysis(Regions).class_of(function) is not None:
            return None
        returns = [r.value for r in self.ctx.index.of_type(cst.Return)
                   if r.value is not None and self.ctx.index.function_of(r) is function]
        found = set()
        for value in returns:
            made = self.constructors(value, value, depth + 1)
            found.add(self._built(made[0], depth + 1) if made else None)
        return found.pop() if len(found) == 1 else None

    def _last_added(self, constructor: cst.Call) -> cst.BaseExpression | None:
        """The layer of the last ``name.add_module(key, layer)`` on the empty ``nn.Sequential``
        bound by ``name = nn.Sequential()`` (in the same function, or the class for
        ``self.name``)."""
        small = self.ctx.index.statement_of(constructor)
        if not isinstance(small, cst.Assign) or len(small.targets) != 1 or small.value is not constructor:
            return None
        name = dotted_name(small.targets[0].target)
        if name is None:
            return None
        scope = self.bindings.scope_key(small, name)
        last = None
        for call in self.ctx.index.of_type(cst.Call):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "add_module" \
                    and dotted_name(func.value) == name and len(call.args) == 2 \
                    and self.bindings.scope_key(call, name) is scope:
                if last is None or self.ctx.index.order[call] > self.ctx.index.order[last]:
                    last = call
        return last.args[1].value if last is not None else None

    def constructors(self, func: cst.BaseExpression, at: cst.CSTNode, depth: int) -> list[cst.BaseExpression]:
        """The module expression(s) a callee was made from: ``nn.X()(...)``, ``name = nn.X()``, or
        what every call of the enclosing function passes for the parameter ``name``."""
        if isinstance(func, cst.Call):
            return [func]
        name = dotted_name(func)
        if name is None:
            return []
        if isinstance(func, cst.Name) and self.bindings.rebound(name):
            # bound on several paths (if ...: criterion = CTCLoss() else: ... CrossEntropyLoss()):
            # only what every binding that reaches ``at`` agrees on
            from dllint.analysis.name_reaching import NameReaching
            reaching = self.ctx.analysis(NameReaching).values_at(at, name)
            if reaching is not None and len(reaching) > 1 and not all(
                    v is not None and v.deep_equals(reaching[0]) for v in reaching):
                return []
        value = self.bindings.value_before(at, name)
        if value is not None:
            return self._aliased(value, depth)
        if "." in name or depth > _MAX_DEPTH:
            return []
        passed = self._passed(at, name) or []
        out = []
        for value in passed:
            out.extend(self.constructors(value, value, depth + 1) if isinstance(value, cst.Name)
                       else [value])
        # only an answer all callers agree on
        return out[:1] if out and all(cst.ensure_type(v, cst.BaseExpression).deep_equals(out[0])
                                      for v in out) else []

    def _aliased(self, value: cst.BaseExpression, depth: int) -> list[cst.BaseExpression]:
        """``value`` bound to a callee's name; where it is another name of the file
        (``loss_func = self.loss_func``, with ``self.loss_func = nn.CrossEntropyLoss()`` in
        ``__init__``), the constructor that name was made from, when one is found; else ``value``."""
        if isinstance(value, (cst.Name, cst.Attribute)) and depth < _MAX_DEPTH \
                and value in self.ctx.index.order:
            found = self.constructors(value, value, depth + 1)
            if found and isinstance(found[0], cst.Call):
                return found
        return [value]

    def _passed(self, at: cst.CSTNode, name: str) -> list[cst.BaseExpression] | None:
        """What every call of the function around ``at`` passes for its parameter ``name``."""
        function = self.ctx.index.function_of(at)
        if function is None:
            return None
        key = (function, name)
        if key in self._params:
            return self._params[key]
        self._params[key] = None
        from dllint.analysis.regions import Regions
        params = list(function.params.params)
        position = next((i for i, p in enumerate(params) if p.name.value == name), None)
        if position is None:
            return None
        if position == 0 and self.ctx.index.enclosing(function, cst.ClassDef) is not None:
            return None  # self
        calls = self.ctx.analysis(Regions).callers(function)
        if not calls or len(calls) > 8:
            return None
        offset = 1 if self.ctx.index.enclosing(function, cst.ClassDef) is not None else 0
        values = []
        for call in calls:
            value = None
            for i, arg in enumerate(call.args):
                if arg.star:
                    return None
                if arg.keyword is not None:
                    if arg.keyword.value == name:
                        value = arg.value
                elif i + offset == position:
                    value = arg.value
            if value is None:
                return None
            values.append(value)
        self._params[key] = values
        return values

    def _passed_from_elsewhere(self, at: cst.CSTNode, name: str, depth: int) -> str | None:
        """The activation of the module that every call of the top-level function around ``at``
        passes for its parameter ``name``, when those calls are all in other modules of the
        project (``train.fit(encoder, classifier, loader)`` in ``main.py``, with ``classifier =
        models.Classifier()``): each caller's module reads its own argument, and all must agree."""
        from dllint.analysis.project import PROJECT, find_callers
        from dllint.analysis.regions import Regions
        function = self.ctx.index.function_of(at)
        if function is None or depth > _MAX_DEPTH or not self.ctx.index.top_level(function):
            return None  # only a top-level function is found by name from another module
        key = (function, name)
        if key in self._elsewhere:
            return self._elsewhere[key]
        self._elsewhere[key] = None  # a cycle through the callers: unknown
        if self.bindings.value_before(at, name) is not None \
                or self.ctx.analysis(Regions).callers(function):
            return None
        params = function.params
        position = next((i for i, p in enumerate(params.params) if p.name.value == name), None)
        keyword_only = any(p.name.value == name for p in params.kwonly_params)
        if position is None and not keyword_only:
            return None
        calls = find_callers(self.ctx, function.name.value, method=False)
        if not calls or len(calls) > 8:
            return None
        found: set[str | None] = set()
        PROJECT.depth += 1
        try:
            for other, call in calls:
                value = _argument_for(call, name, position)
                if value is None:
                    return None
                activations = other.analysis(Activations)
                made = activations.constructors(value, value, depth + 1) \
                    if isinstance(value, (cst.Name, cst.Attribute)) else [value]
                if not made:
                    return None
                found.add(activations._built(made[0], depth + 1))
                if len(found) > 1:
                    return None
        finally:
            PROJECT.depth -= 1
        answer = found.pop() if found else None
        self._elsewhere[key] = answer
        return answer

    def of_class(self, klass: cst.ClassDef) -> str | None:
        """The activation every ``return`` of the class's ``forward`` (its own or a base's in
        this file) applies last, if they all agree."""
        if klass in self._classes:
            return self._classes[klass]
        self._classes[klass] = None  # a forward that calls its own class: unknown
        from dllint.analysis.project import _class_and_bases
        forward = None
        for owner in _class_and_bases(self.ctx, klass):
            body = owner.body.body if isinstance(owner.body, cst.IndentedBlock) else ()
            forward = next((s for s in body if isinstance(s, cst.FunctionDef) and s.name.value == "forward"),
                           None)
            if forward is not None:
                break
        if forward is None or forward not in self.ctx.index.order:
            return None
        returns = [r for r in self.ctx.index.of_type(cst.Return)
                   if r.value is not None and self.ctx.index.function_of(r) is forward]
        found = {self.of(r.value, r) for r in returns}
        answer = found.pop() if len(found) == 1 else None
        self._classes[klass] = answer
        return answer


def _argument_for(call: cst.Call, name: str, position: int | None) -> cst.BaseExpression | None:
    """What ``call`` passes for the parameter ``name`` (at ``position``, None when keyword-only);
    None when it passes nothing or a ``*args``/``**kwargs`` may hold it."""
    for i, arg in enumerate(call.args):
        if arg.star:
            return None
        if arg.keyword is not None:
            if arg.keyword.value == name:
                return arg.value
        elif i == position:
            return arg.value
    return None
