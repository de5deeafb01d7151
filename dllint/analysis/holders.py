"""A model kept by a plain holder object: ``predictor = Predictor(net)`` whose ``__init__`` does
``self.model = model``, then ``predictor.predict(x)`` running ``self.model(...)``.

The holder stores the caller's object itself, so at ``predictor.predict(x)`` the mode of the
callee's ``self.model`` is the mode of ``net`` at that call: the mode analysis maps the callee's
``self.model`` to the caller's ``net`` (:meth:`dllint.analysis.modes.Modes.map_key`) instead of a
``predictor.model`` that nothing in the caller tracks.

Only when the alias is certain and nothing else can switch the held model:

* the class assigns ``self.<attr>`` once, in a plain statement of ``__init__``, from one of its
  parameters, and no method of the class calls ``.eval()``/``.train(...)`` on ``self`` or
  ``self.<attr>`` (the fixed ``Predictor`` that calls ``self.model.eval()`` in ``__init__`` keeps
  its own mode);
* the receiver is a plain name bound once in the caller's scope, to a construction of the class
  (by its name), which passes a model name (``net``, ``self.net``) for that parameter;
* the caller's scope never switches or rebinds ``<receiver>.<attr>``, calls ``.eval()``/
  ``.train(...)`` on the receiver, nor passes the receiver to another call (which could switch the
  held model).

API::

    held_model(modes, call, klass, rest) -> "net.rest" | None
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.bindings import Bindings
from dllint.analysis.callers import init_of
from dllint.analysis.imports import dotted_name
from dllint.analysis.models import model_key

if TYPE_CHECKING:
    from dllint.analysis.modes import Modes

MODE_SWITCHES = frozenset({"eval", "train"})


def held_model(modes: "Modes", call: cst.Call, klass: cst.ClassDef | None, rest: str) -> str | None:
    """The caller's name for the callee's ``self.<rest>`` at ``call`` (``holder.method(...)``,
    ``klass`` the method's class) when ``self.<attr>`` holds the object the holder was built with;
    None when that is not certain."""
    if klass is None or not isinstance(call.func, cst.Attribute) \
            or not isinstance(call.func.value, cst.Name):
        return None
    receiver = call.func.value.value
    if receiver == "self":
        return None
    attr, dot, tail = rest.partition(".")
    bindings = modes.ctx.analysis(Bindings)
    scope = bindings.scope_key(call, receiver)
    entries = bindings.values.get((scope, receiver)) or []
    if len(entries) != 1:
        return None
    built = bindings.value_before(call, receiver)
    if not isinstance(built, cst.Call) or built is not entries[0][1]:
        return None
    name = dotted_name(built.func)
    if name is None or name.rsplit(".", 1)[-1] != klass.name.value:
        return None
    key = (klass, attr)
    if key not in modes._holder_params:
        modes._holder_params[key] = _init_parameter(klass, attr)
    param = modes._holder_params[key]
    if param is None:
        return None
    init, parameter = param
    if not modes.is_method(init):
        modes._foreign_methods.add(init)  # the class is another module's: ``self`` is no argument
    passed = modes._argument_for(built, init, parameter)
    source = model_key(passed) if isinstance(passed, (cst.Name, cst.Attribute)) else None
    if source is None or source.partition(".")[0] == receiver:
        return None
    if _touched(modes, call, receiver, attr):
        return None
    return f"{source}{dot}{tail}"


def _init_parameter(klass: cst.ClassDef, attr: str) -> tuple[cst.FunctionDef, str] | None:
    """(``__init__``, the parameter) when ``__init__`` sets ``self.<attr> = <parameter>`` in a
    statement of its own body, the class sets ``self.<attr>`` nowhere else, and never switches
    the mode of ``self`` or ``self.<attr>``."""
    init = init_of(klass)
    if init is None:
        return None
    signature = init.params
    params = [p.name.value for p in (*signature.posonly_params, *signature.params, *signature.kwonly_params)]
    target = f"self.{attr}"
    found: str | None = None
    direct = {id(s) for s in init.body.body} if isinstance(init.body, cst.IndentedBlock) else set()
    for statement, node in _statements(klass):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                and node.func.attr.value in MODE_SWITCHES \
                and dotted_name(node.func.value) in ("self", target):
            return None
        targets: list[cst.BaseExpression] = []
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
            targets = [node.target]
        if not any(dotted_name(t) == target or _unpacks(t, target) for t in targets):
            continue
        value = node.value if isinstance(node, (cst.Assign, cst.AnnAssign)) else None
        if found is not None or id(statement) not in direct or not isinstance(node, cst.Assign) \
                or len(node.targets) != 1 or not isinstance(value, cst.Name) \
                or value.value not in params[1:]:
            return None
        found = value.value
    return (init, found) if found is not None else None


def _unpacks(target: cst.BaseExpression, name: str) -> bool:
    return isinstance(target, (cst.Tuple, cst.List)) and any(
        dotted_name(e.value) == name or _unpacks(e.value, name) for e in target.elements)


def _statements(klass: cst.ClassDef):
    """(the statement line of the class's methods it is in, node) for every node of the class."""
    out: list[tuple[cst.CSTNode, cst.CSTNode]] = []

    class _Walk(cst.CSTVisitor):
        def __init__(self) -> None:
            self.line: cst.CSTNode | None = None

        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
            self.line = node

        def on_visit(self, node: cst.CSTNode) -> bool:
            super().on_visit(node)
            if self.line is not None:
                out.append((self.line, node))
            return True

    klass.body.visit(_Walk())
    return out


def _touched(modes: "Modes", call: cst.Call, receiver: str, attr: str) -> bool:
    """The scope of ``call`` switches or rebinds ``<receiver>.<attr>``, switches the receiver, or
    hands the receiver to another call."""
    index = modes.index
    scope = index.function_of(call)
    held = f"{receiver}.{attr}"
    for node in index.of_type(cst.Call, cst.Assign, cst.AugAssign, cst.AnnAssign):
        if index.function_of(node) is not scope:
            continue
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in MODE_SWITCHES \
                    and dotted_name(func.value) in (receiver, held):
                return True
            if any(isinstance(a.value, cst.Name) and a.value.value == receiver for a in node.args):
                return True
            continue
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        if any((dotted_name(t) or "").startswith(held) for t in targets):
            return True
    return False
