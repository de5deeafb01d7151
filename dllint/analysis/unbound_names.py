"""Names a file reads and binds nowhere, and the statements that certainly read one (NameError).

A plain name that no statement of the file binds (no assignment, loop, ``with`` or ``except``
target, walrus, import, ``def``, ``class``, parameter, ``global``/``nonlocal``, ``match`` capture),
that no star import may give, and that is no builtin, raises ``NameError`` when it is read. A
statement whose evaluation certainly reads such a name cannot complete, and the path through it
ends there: ``model = MultiModels(models)`` in an ``if ensemble:`` branch of a script that neither
defines nor imports ``MultiModels`` gives no path on which that model reaches the code after the
``if`` (eleventh audit CM: bamps53's ``prediction.py``).

Only in a *stale branch*: a branch of an ``if`` that holds every read of such a name in its scope
(function or module top level), not an ``if __name__ == "__main__":`` block. Code that reads
names bound nowhere in several places (``for x, y in train_loader:``, ``loss_fn(out, y)``) is a
fragment, an example that leaves its loaders and helpers to the reader (rule examples, snippets in
a repository's docs folder), and its paths are all taken as they read; a complete function with
one branch left behind by a refactoring is what this fact is about.

Kept alive (no statement is said to raise) in any file that may bind names unseen: a star import
(``from x import *``, of any module), a call of ``exec``/``eval``/``globals``/``locals``/``vars``/
``execfile``, a mention of ``builtins``/``__builtins__``/``sys.modules`` (a name set there), and every
notebook (a cell run and then deleted, ``%run``, ``%load`` and other magics bind names that the cells
left do not show). Dunder names (``__file__``), Python 2 and IPython builtins (``xrange``,
``get_ipython``, ``display``) count as bound. A statement inside a ``try`` of its scope is never
said to raise (a handler may catch the NameError and carry on).

Only the reads a statement makes for sure count: the value of an assignment, an expression
statement, a ``return``, an ``assert``'s test, the test of an ``if``/``while``, a loop's iterable, a
``with`` item, a ``match`` subject; inside them, not the body of a lambda or a comprehension (but the
first iterable of a comprehension, evaluated at once), not the right operand of ``and``/``or``, the
arms of a conditional expression or the later links of a chained comparison (short-circuited), and
not annotations.
"""
from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Iterator

import libcst as cst

from dllint.analysis.cfg import Element
from dllint.analysis.name_reaching import names_in_target

if TYPE_CHECKING:
    from dllint.context import FileContext

# Names that run time provides though Python 3's builtins lack them: Python 2's builtins (scripts
# of that age are linted too), IPython's, and Windows-only ones.
_OTHER_BUILTINS = frozenset({
    "xrange", "unicode", "raw_input", "reduce", "file", "long", "basestring", "execfile", "unichr",
    "cmp", "buffer", "apply", "intern", "coerce", "reload", "StandardError", "WindowsError",
    "get_ipython", "display", "In", "Out", "exit", "quit",
})
# Calls that may bind names the file does not show.
_BINDING_CALLS = frozenset({"exec", "eval", "execfile", "globals", "locals", "vars"})
_SKIP = (cst.Lambda, cst.FunctionDef, cst.ClassDef)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class UnboundNames:
    """Per file: the plain names it binds anywhere, and whether it may bind others unseen."""

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        self.bound: set[str] = set()
        self.open = False  # names may be bound unseen: no statement is said to raise
        self._raises: dict[cst.CSTNode, bool] = {}
        self._arms: dict[cst.CSTNode, cst.CSTNode | None] = {}

    @classmethod
    def compute(cls, ctx: "FileContext") -> "UnboundNames":
        found = cls(ctx)
        if ctx.path.endswith(".ipynb") or "builtins__" in ctx.source or "import builtins" in ctx.source \
                or "sys.modules" in ctx.source:
            found.open = True
            return found
        index = ctx.index
        bound = found.bound
        for node in index.of_type(cst.Assign):
            for target in node.targets:
                bound.update(names_in_target(target.target))
        for node in index.of_type(cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor, cst.NamedExpr):
            bound.update(names_in_target(node.target))
        for node in index.of_type(cst.AsName):  # ``with ... as x``, ``except E as x``, ``import a as b``
            bound.update(names_in_target(node.name))  # type: ignore[arg-type]
        for node in index.of_type(cst.Import):
            for alias in node.names:
                if alias.asname is None:
                    bound.add(_first_part(alias.name))
        for node in index.of_type(cst.ImportFrom):
            if isinstance(node.names, cst.ImportStar):
                found.open = True
                return found
            for alias in node.names:
                if alias.asname is None and isinstance(alias.name, cst.Name):
                    bound.add(alias.name.value)
        for node in index.of_type(cst.FunctionDef, cst.ClassDef, cst.Param):
            bound.add(node.name.value)
        for node in index.of_type(cst.TypeVar, cst.TypeVarTuple, cst.ParamSpec, cst.TypeAlias):
            bound.add(node.name.value)  # ``def f[T](x: T)``, ``type Pair = ...``
        for node in index.of_type(cst.Global, cst.Nonlocal):
            bound.update(item.name.value for item in node.names)
        for node in index.of_type(cst.MatchAs, cst.MatchStar):
            if node.name is not None:
                bound.add(node.name.value)
        for node in index.of_type(cst.MatchMapping):
            if node.rest is not None:
                bound.add(node.rest.value)
        for node in index.of_type(cst.Call):
            if isinstance(node.func, cst.Name) and node.func.value in _BINDING_CALLS:
                found.open = True
                return found
        return found

    def unbound(self, name: str) -> bool:
        """Reading ``name`` raises NameError wherever it happens in this file."""
        if self.open or name in self.bound or name in _OTHER_BUILTINS or hasattr(builtins, name):
            return False
        return not (name.startswith("__") and name.endswith("__"))

    def raises(self, element: Element) -> bool:
        """The graph element certainly reads a name bound nowhere, in the stale branch of its
        scope (:meth:`stale_arm`): it cannot complete."""
        if self.open:
            return False
        kind, node = element
        found = self._raises.get(node)
        if found is None:
            found = False
            parts = _evaluated(kind, node)
            if parts and not self._in_try(node) \
                    and any(self.unbound(name.value) for part in parts for name in certain_reads(part)):
                scope = self.ctx.index.function_of(node) or self.ctx.module
                arm = self.stale_arm(scope)
                found = arm is not None and any(a is arm for a in self.ctx.index.ancestors(node))
            self._raises[node] = found
        return found

    def stale_arm(self, scope: cst.CSTNode) -> cst.CSTNode | None:
        """The branch of an ``if`` of ``scope`` (its indented body, or its ``else``'s) that holds
        every read of a name bound nowhere in the scope, when there is at least one such read and
        the ``if`` does not test ``__name__``; else None. A scope that reads such names in more
        than one branch, or outside any, is a fragment (an example that leaves its loaders and
        helpers to the reader): its reads say nothing about a path that cannot complete."""
        if scope in self._arms:
            return self._arms[scope]
        found: cst.CSTNode | None = None
        common: list[cst.CSTNode] | None = None
        for name in _scope_reads(scope):
            if not self.unbound(name.value):
                continue
            arms = self._arms_of(name, scope)
            common = arms if common is None else [a for a in common if any(a is b for b in arms)]
            if not common:
                break
        if common:
            found = common[-1]  # the outermost arm that holds them all
        self._arms[scope] = found
        return found

    def _arms_of(self, node: cst.CSTNode, scope: cst.CSTNode) -> list[cst.CSTNode]:
        """The ``if`` branches around ``node`` in ``scope``, innermost first (not ``if __name__``)."""
        index = self.ctx.index
        arms: list[cst.CSTNode] = []
        for ancestor in index.ancestors(node):
            if ancestor is scope:
                break
            if isinstance(ancestor, cst.IndentedBlock):
                parent = index.parent(ancestor)
                owner = index.parent(parent) if isinstance(parent, cst.Else) else parent
                if isinstance(owner, cst.If) and "__name__" not in self.ctx.code_for(owner.test):
                    arms.append(ancestor)
        return arms

    def _in_try(self, node: cst.CSTNode) -> bool:
        for ancestor in self.ctx.index.ancestors(node):
            if isinstance(ancestor, (cst.Try, cst.TryStar)):
                return True
            if isinstance(ancestor, _SKIP):
                return False
        return False


def _scope_reads(scope: cst.CSTNode) -> Iterator[cst.Name]:
    """The plain names read in ``scope``'s own code (lambdas and comprehensions included, nested
    functions and classes not): every ``Name`` but an attribute's or a keyword's name, a
    parameter's and an import's."""
    body = scope.body if isinstance(scope, (cst.FunctionDef, cst.ClassDef)) else scope
    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            yield node
            continue
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Import, cst.ImportFrom, cst.Param)):
            continue
        if isinstance(node, cst.Attribute):
            stack.append(node.value)
        elif isinstance(node, cst.Arg):
            stack.append(node.value)
        else:
            stack.extend(node.children)


def _first_part(name: cst.BaseExpression) -> str:
    while isinstance(name, cst.Attribute):
        name = name.value
    return name.value if isinstance(name, cst.Name) else ""


def _evaluated(kind: str, node: cst.CSTNode) -> list[cst.CSTNode]:
    """The expressions an element evaluates for sure."""
    if kind == "stmt":
        if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Expr, cst.Return)):
            return [node.value] if node.value is not None else []
        if isinstance(node, cst.Assert):
            return [node.test]
        return []
    if kind == "test":
        return [node]
    if kind == "iter":
        return [node.iter]  # type: ignore[attr-defined]
    if kind == "enter":
        return [node.item]  # type: ignore[attr-defined]
    if kind == "subject":
        return [node.subject]  # type: ignore[attr-defined]
    return []


def certain_reads(expr: cst.CSTNode) -> Iterator[cst.Name]:
    """The plain names that evaluating ``expr`` reads whatever the values (see the module
    docstring): no short-circuited operand, no lambda or comprehension body, no keyword or
    attribute name."""
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            yield node
        elif isinstance(node, cst.Attribute):
            stack.append(node.value)
        elif isinstance(node, _SKIP) or isinstance(node, cst.Annotation):
            continue
        elif isinstance(node, _COMPREHENSIONS):
            stack.append(node.for_in.iter)  # the first iterable is evaluated at once
        elif isinstance(node, cst.BooleanOperation):
            stack.append(node.left)
        elif isinstance(node, cst.IfExp):
            stack.append(node.test)
        elif isinstance(node, cst.Comparison):
            stack.append(node.left)
            if node.comparisons:
                stack.append(node.comparisons[0].comparator)
        elif isinstance(node, cst.Arg):
            stack.append(node.value)
        elif isinstance(node, cst.NamedExpr):
            stack.append(node.value)
        else:
            stack.extend(node.children)
