"""Whether what an expression computes may reach a backward pass (DL302, cause O).

A forward pass is a training step only when the gradient of something it computes is taken: its
value (or a value computed from it) reaches ``.backward()``. An evaluation on one test batch inside
the training loop (``model.eval(); loss = F.nll_loss(model(xt), yt); print(loss.item())``) computes
a loss that is only printed: no gradient flows from it, so that pass trains nothing, whatever the
loop around it does.

The answer is a may-fact, followed from the expression to every use of its value, and "may" is the
answer wherever a use is not understood:

* through the expressions that carry a tensor: arithmetic, indexing, attributes (``out.logits``),
  the methods that keep it on the graph (``.view``, ``.mean``, the values of ``.max(1)``), torch
  functions (``F.nll_loss(out, y)``, ``torch.cat``; not ``torch.autograd.*``), a call of a model or
  of a name bound, on every binding, to an ``nn.*`` instance (``criterion = nn.MSELoss()``), the
  builtins ``sum``/``max``/``min``/``abs``/``list``/``tuple``, a conditional expression;
* through assignments to plain names (tuple targets included) and augmented assignments, to the
  reads of the name that binding reaches (:class:`dllint.analysis.name_reaching.NameReaching`, one
  solve per scope; a name read in a nested function, declared ``global``/``nonlocal``, or bound in a
  class body counts as reaching);
* it stops where the value leaves the graph: a detaching method (``.item()``, ``.detach()``,
  ``.argmax()``, ``.numpy()``), ``.data``/``.grad`` and metadata, a comparison, a test, an f-string,
  ``print``/``float``/``str``/``len``....

Anything else (a return, a yield, an attribute or subscript target, a container, a call of any
other function or method, ``losses.append(loss)``, ``scaler.scale(loss)``, a statement that drops
the value (a pass run for what it leaves behind), a use past the step budget) may reach a backward
pass, and so may everything in a file that registers a hook on a module. Not looked into: what a
module keeps on itself during its forward (``self.loss``) and reads back later.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.name_reaching import NameReaching, names_in_target, walk_body

if TYPE_CHECKING:
    from dllint.context import FileContext

# Methods that back-propagate their receiver.
_BACKWARD_METHODS = frozenset({"backward", "manual_backward"})
# Builtins whose result is a Python value (or None): no tensor of the graph comes out.
_OFF_GRAPH_BUILTINS = frozenset({"print", "float", "int", "bool", "str", "repr", "format", "len",
                                 "isinstance", "type", "id", "hash"})
# Builtins whose result holds (or is) the tensors given.
_CARRYING_BUILTINS = frozenset({"sum", "max", "min", "abs", "list", "tuple"})
# Tensor methods that take another tensor as an operand (the others take dims, sizes, devices).
_TENSOR_OPERAND_METHODS = frozenset({"mul", "add", "sub", "div", "matmul", "mm", "bmm", "masked_fill",
                                     "pow", "float_power", "clamp", "clamp_min", "clamp_max",
                                     "view_as", "reshape_as", "expand_as", "type"})
# How many name bindings one question follows before answering "may".
_BUDGET = 64


class BackwardReach:
    """Per file: :meth:`may_reach_backward` of expressions, cached."""

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        self.index = ctx.index
        self.reaching: NameReaching = ctx.analysis(NameReaching)
        self._answers: dict[tuple[cst.CSTNode, bool], bool] = {}
        # scope -> (name -> reads of it in the scope's own body, names read in nested scopes
        # without a binding there, names declared global/nonlocal there)
        self._defined: set[str] | None = None
        self._hooks: bool | None = None
        self._reads: dict[cst.CSTNode, tuple[dict[str, list[cst.Name]], set[str]]] = {}

    @classmethod
    def compute(cls, ctx: "FileContext") -> "BackwardReach":
        return cls(ctx)

    def may_reach_backward(self, node: cst.BaseExpression) -> bool:
        """The value ``node`` computes, or one computed from it, may be back-propagated."""
        return self._answer(node, False)

    def only_back_propagated(self, node: cst.BaseExpression) -> bool:
        """Every use of the value ``node`` computes is known, and it (or what is computed from it)
        is only back-propagated, combined on the way only with literals and with
        tensors the code made (:func:`dllint.analysis.optimised_tensors.created_tensor`): nothing
        reads its numbers, and the backward passes it feeds reach no other tensor's gradient but
        through those made tensors."""
        return not self._answer(node, True)

    def _answer(self, node: cst.BaseExpression, strict: bool) -> bool:
        answer = self._answers.get((node, strict))
        if answer is None and self._hooked():
            answer = True  # a hook hands activations on, whatever becomes of the output
        if answer is None:
            answer = self._answers[(node, strict)] = self._value(node, set(), [_BUDGET], strict)
        return answer

    def _hooked(self) -> bool:
        """The file registers a hook on a module (``register_forward_hook``...): what a forward
        pass computes may leave it other than as its value."""
        if self._hooks is None:
            self._hooks = any(isinstance(node, cst.Attribute) and node.attr.value.startswith("register_")
                              and node.attr.value.endswith("hook")
                              for node in self.index.of_type(cst.Attribute))
        return self._hooks

    # -- following a value ------------------------------------------------------------------------
    def _value(self, node: cst.CSTNode, seen: set, budget: list[int], strict: bool) -> bool:
        """Whether the event asked about may happen to the value of ``node``: it reaches a backward
        pass; or, ``strict``, it is used otherwise (read, kept, mixed with an unknown tensor)."""
        from dllint.analysis.dataflow import DETACHING_METHODS, GRAPH_METHODS, METADATA_ATTRIBUTES, \
            METADATA_METHODS, PLAIN_ATTRIBUTES, VALUES_INDICES

        index = self.index
        while True:
            parent = index.parent(node)
            if isinstance(parent, cst.Attribute) and parent.value is node:
                attr = parent.attr.value
                holder = index.parent(parent)
                if isinstance(holder, cst.Call) and holder.func is parent:
                    if attr in _BACKWARD_METHODS:
                        return not strict
                    if attr in DETACHING_METHODS or attr in METADATA_METHODS:
                        return strict
                    if attr in GRAPH_METHODS or attr in VALUES_INDICES:
                        if strict and attr in _TENSOR_OPERAND_METHODS \
                                and not all(self._inert(a.value) for a in holder.args):
                            return True
                        node = holder
                        continue
                    return True  # a method we do not know: it may back-propagate
                if attr in PLAIN_ATTRIBUTES or attr in METADATA_ATTRIBUTES:
                    return strict  # ``out.data``, ``out.grad``, ``out.shape``: off the graph
                node = parent  # ``outputs.logits``
                continue
            if isinstance(parent, cst.Arg) and parent.value is node:
                call = index.parent(parent)
                carried = self._call_carries(call) if isinstance(call, cst.Call) else None
                if carried is None:
                    return True
                if not carried:
                    return strict
                if strict and (self._call_carries(call, strict=True) is not True
                               or not all(a is parent or self._inert(a.value) for a in call.args)):
                    return True  # another module's weights, or an unknown tensor, join the graph
                node = call
                continue
            if isinstance(parent, cst.BinaryOperation):
                if strict and not self._inert(parent.right if parent.left is node else parent.left):
                    return True
                node = parent
                continue
            if isinstance(parent, cst.UnaryOperation) or isinstance(parent, cst.Subscript) and parent.value is node:
                node = parent
                continue
            if not strict and (isinstance(parent, cst.IfExp) and parent.test is not node
                               or isinstance(parent, cst.BooleanOperation)):
                node = parent
                continue
            if isinstance(parent, cst.Expr):
                return True  # dropped: a pass run for what it leaves behind (hooks, ``self.loss``)
            if isinstance(parent, (cst.Comparison, cst.FormattedStringExpression)) \
                    or isinstance(parent, (cst.If, cst.While, cst.IfExp, cst.Assert)) and parent.test is node:
                return strict
            if isinstance(parent, cst.Assign) and parent.value is node:
                targets = [t.target for t in parent.targets]
                return any(self._bound(parent, target, seen, budget, strict) for target in targets)
            if isinstance(parent, cst.AugAssign) and parent.value is node and not strict:
                return self._bound(parent, parent.target, seen, budget, strict)
            return True

    def _inert(self, expr: cst.BaseExpression) -> bool:
        """``expr`` puts no other tensor of the graph next to the value followed: a number or
        string literal, or a tensor the code made."""
        from dllint.analysis.optimised_tensors import created_tensor

        while isinstance(expr, cst.UnaryOperation):
            expr = expr.expression
        if isinstance(expr, (cst.Integer, cst.Float, cst.SimpleString)):
            return True
        return isinstance(expr, (cst.Name, cst.Call)) and created_tensor(self.ctx, expr)

    def _call_carries(self, call: cst.Call, strict: bool = False) -> bool | None:
        """What ``call`` does with the tensors it is given: True when its result holds them (a
        torch function, a module, a carrying builtin), False when no graph tensor comes out
        (``print``, ``float``), None when it is not known (it may back-propagate them). ``strict``:
        a module (whose own weights join the graph) is not known."""
        func = call.func
        qualified = self.ctx.imports.qualify(func)
        if qualified is not None:
            if qualified.startswith("torch.") and not qualified.startswith("torch.autograd"):
                return True
            return None
        if isinstance(func, cst.Name) and func.value in (_OFF_GRAPH_BUILTINS | _CARRYING_BUILTINS) \
                and not self._defined_in_file(func.value):
            return func.value in _CARRYING_BUILTINS
        if strict:
            return None
        if _models(self.ctx).is_model_call(call) or self._nn_instance(func, call):
            return True  # a forward pass carries its input's graph; it back-propagates nothing
        return None

    def _defined_in_file(self, name: str) -> bool:
        if self._defined is None:
            self._defined = {bound for (_, bound) in _bindings(self.ctx).values}
            self._defined.update(f.name.value for f in self.index.of_type(cst.FunctionDef, cst.ClassDef))
        return name in self._defined

    def _nn_instance(self, func: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """``func`` is a plain name bound, on every binding of the scope that binds it where it is
        read, to a constructor call of a ``torch.nn`` class (``criterion = nn.CrossEntropyLoss()``)."""
        if not isinstance(func, cst.Name):
            return False
        bindings = _bindings(self.ctx)
        function = self.index.function_of(at)
        scopes = []
        while function is not None:
            scopes.append(function)
            function = self.index.function_of(function)
        scopes.append(self.ctx.module)
        for scope in scopes:
            values = bindings.values.get((scope, func.value))
            if not values:
                continue
            return all(isinstance(value, cst.Call)
                       and (self.ctx.imports.qualify(value.func) or "").startswith("torch.nn.")
                       and (self.ctx.imports.qualify(value.func) or "").rsplit(".", 1)[-1][:1].isupper()
                       for _, value in values)
        return False

    # -- following a name -------------------------------------------------------------------------
    def _bound(self, statement: cst.CSTNode, target: cst.BaseExpression, seen: set,
               budget: list[int], strict: bool) -> bool:
        """The value bound by ``statement`` to ``target`` may reach a backward pass: ``target`` is
        not a plain name (or names), or a read of one that this binding reaches may."""
        if isinstance(target, (cst.Tuple, cst.List)):
            elements = [e.value for e in target.elements]
            if not all(isinstance(e, cst.Name) or isinstance(e, cst.StarredElement)
                       and isinstance(e.value, cst.Name) for e in elements):
                return True
        elif not isinstance(target, cst.Name):
            return True  # ``self.out = ...``, ``outs[i] = ...``: kept where we do not follow
        if self.index.enclosing(statement, cst.ClassDef, cst.FunctionDef) is not \
                self.index.function_of(statement):
            return True  # a class body
        scope = self.reaching.scope_of(statement)
        solved = self.reaching.solved(scope)
        if solved is None:
            return True
        definitions = solved[0]
        reads, free = self.scope_reads(scope)
        for name in names_in_target(target):
            if name in free:
                return True
            if (statement, name, strict) in seen:
                continue
            seen.add((statement, name, strict))
            budget[0] -= 1
            if budget[0] < 0:
                return True
            for read in reads.get(name, ()):
                reached = self._reached_by(definitions, read, name, statement)
                if reached is None or reached and self._read_reaches(read, seen, budget, strict):
                    return True
        return False

    def _read_reaches(self, read: cst.Name, seen: set, budget: list[int], strict: bool) -> bool:
        parent = self.index.parent(read)
        if isinstance(parent, cst.AugAssign) and parent.target is read:
            if strict and not self._inert(parent.value):
                return True
            return self._bound(parent, read, seen, budget, strict)  # ``total += out``: the new value
        return self._value(read, seen, budget, strict)

    def _reached_by(self, definitions, read: cst.Name, name: str, statement: cst.CSTNode) -> bool | None:
        """The binding made by ``statement`` may hold ``name`` at ``read``; None when not known."""
        point: cst.CSTNode | None = read
        if not definitions.has(point):
            point = next((a for a in self.index.ancestors(read) if definitions.has(a)), None)
            if point is None:
                return False  # not reached (dead code)
        state = definitions.before(point)
        held = state.get(name, frozenset()) if state is not None else frozenset()
        if len(held) >= 32:
            return None  # the solve keeps 32 bindings a name: an older one may be hidden
        return any(binding[0] is statement for binding in held)

    def scope_reads(self, scope: cst.CSTNode) -> tuple[dict[str, list[cst.Name]], set[str]]:
        """(each name's reads in the own body of ``scope``, a function or the module; the names a
        nested scope reads without binding them, or that a statement declares global/nonlocal)."""
        found = self._reads.get(scope)
        if found is not None:
            return found
        reads: dict[str, list[cst.Name]] = {}
        free: set[str] = set()
        body = scope.body if isinstance(scope, cst.FunctionDef) else scope
        for node in walk_body(body):
            if isinstance(node, cst.Name) and self._is_read(node):
                reads.setdefault(node.value, []).append(node)
            elif isinstance(node, (cst.Global, cst.Nonlocal)):
                free.update(item.name.value for item in node.names)
        for nested in self._nested_scopes(scope):
            bound = self._bound_in(nested)
            for node in _subtree_names(nested):
                if node.value not in bound and self._is_read(node):
                    free.add(node.value)
        found = self._reads[scope] = (reads, free)
        return found

    def _nested_scopes(self, scope: cst.CSTNode) -> list[cst.CSTNode]:
        out = []
        for node in self.index.of_type(cst.FunctionDef, cst.Lambda, cst.ClassDef):
            if node is scope:
                continue
            owner = self.index.enclosing(self.index.parent(node), cst.FunctionDef, cst.Lambda, cst.ClassDef)
            if owner is None and scope is self.ctx.module or owner is scope:
                out.append(node)
        return out

    def _bound_in(self, nested: cst.CSTNode) -> set[str]:
        """Names a nested function binds itself (its parameters, its assignments) and declares
        neither ``global`` nor ``nonlocal``; nothing for a lambda's body or a class body beyond
        the lambda's parameters."""
        names: set[str] = set()
        if isinstance(nested, (cst.FunctionDef, cst.Lambda)):
            params = nested.params
            for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                names.add(param.name.value)
            for star in (params.star_arg, params.star_kwarg):
                if isinstance(star, cst.Param):
                    names.add(star.name.value)
        if isinstance(nested, cst.FunctionDef):
            solved = self.reaching.solved(nested)
            if solved is not None:
                names |= solved[1]
            for node in walk_body(nested.body):
                if isinstance(node, (cst.Global, cst.Nonlocal)):
                    names -= {item.name.value for item in node.names}
        return names

    def _is_read(self, name: cst.Name) -> bool:
        """``name`` reads a variable: not an attribute's name, a keyword, a definition's name or a
        parameter, an import, and not (part of) a target that is bound."""
        parent = self.index.parent(name)
        if isinstance(parent, cst.Attribute) and parent.attr is name:
            return False
        if isinstance(parent, cst.Arg) and parent.keyword is name:
            return False
        if isinstance(parent, (cst.Param, cst.FunctionDef, cst.ClassDef, cst.ImportAlias, cst.AsName,
                               cst.NameItem, cst.Global, cst.Nonlocal, cst.ImportFrom)):
            return False
        node: cst.CSTNode = name
        while isinstance(parent, (cst.Tuple, cst.List, cst.Element, cst.StarredElement)):
            node, parent = parent, self.index.parent(parent)
        if isinstance(parent, cst.AssignTarget) and parent.target is node \
                or isinstance(parent, (cst.For, cst.CompFor)) and parent.target is node \
                or isinstance(parent, cst.AnnAssign) and parent.target is node \
                or isinstance(parent, cst.Del) and parent.target is node:
            return False
        return True


def _subtree_names(node: cst.CSTNode) -> list[cst.Name]:
    from dllint.index import iter_subtree

    return [n for n in iter_subtree(node) if isinstance(n, cst.Name)]


def _bindings(ctx: "FileContext"):
    from dllint.analysis.bindings import Bindings

    return ctx.analysis(Bindings)


def _models(ctx: "FileContext"):
    from dllint.analysis.models import Models

    return ctx.analysis(Models)
