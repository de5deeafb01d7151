"""Attributes that are one constant in their class's methods: ``self.class_wise_learnable_norm =
True`` in ``__init__`` and nothing else anywhere that may set it (the fourteenth audit's cause DZ).

A branch under ``if not self.class_wise_learnable_norm:`` in ``forward`` then never runs, like one
under ``if False:``; :func:`dllint.analysis.unreachable.switched_spans` drops findings there.

An attribute is such a constant of class ``C`` only when every way it could be set is seen:

* the attribute's name occurs in the file only as ``self.<name>`` in the methods of ``C`` (a word
  count over the text: a subclass, another object, a string given to ``getattr`` or a comment all
  leave it open), and every assignment is ``self.<name> = <literal>`` in ``__init__``, all of one
  truth (no augmented, unpacking or ``del`` target);
* no other ``.py`` or ``.ipynb`` file of the project holds the name (when the file is not on
  disk, a snippet, the file is the whole program);
* neither the file nor (where known) the project writes attributes by a computed name
  (``setattr``, ``__dict__``, ``vars(``, ``exec(``): a configuration's keys set that way name no
  attribute in the code;
* ``C``'s bases are none, ``object`` or torch's ``Module`` (a library base may set the attribute in
  its own methods: ``Module.train`` sets ``training``), and the name is not ``training`` nor
  private (``_parameters`` and the like belong to ``Module``).

A read of the attribute in ``__init__`` before its assignment raises, and after it sees the
constant: either way the branch it guards does not run against the constant.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.imports import dotted_name
from dllint.analysis.unreachable import literal_truth

if TYPE_CHECKING:
    from dllint.context import FileContext

# A test of an attribute of ``self`` by its plain truth: the gate before any tree is walked.
_SELF_TEST = re.compile(r"^[ \t]*(?:if|elif|while)[ \t(]+(?:not[ \t(]+)*self\.(\w+)[ \t)]*:", re.MULTILINE)
# Writes of attributes by a computed name (``setattr`` also finds ``__setattr__(``).
_COMPUTED_WRITE = re.compile(r"setattr\(|__dict__|\bvars\(|\bexec\(")
_MODULE_BASES = frozenset({"nn.Module", "torch.nn.Module", "Module", "object"})


def attribute_test(test: cst.BaseExpression) -> tuple[str, bool] | None:
    """``(attribute, negated)`` for ``self.x``, ``not self.x``."""
    negated = False
    while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        negated = not negated
        test = test.expression
    if isinstance(test, cst.Attribute) and isinstance(test.value, cst.Name) and test.value.value == "self":
        return test.attr.value, negated
    return None


def constant_attribute_tests(ctx: "FileContext") -> dict[cst.CSTNode, bool]:
    """The ``if``/``while`` statements in methods whose test reads a constant attribute of the
    class, each with the truth of its test."""
    wanted = {m.group(1) for m in _SELF_TEST.finditer(ctx.source)}
    wanted = {name for name in wanted if not name.startswith("_") and name != "training"}
    if not wanted or _COMPUTED_WRITE.search(ctx.source):
        return {}
    by_function: dict[cst.CSTNode, list[tuple[cst.CSTNode, str, bool]]] = {}
    for node in ctx.index.of_type(cst.If, cst.While):
        found = attribute_test(node.test)
        function = ctx.index.function_of(node)
        if found is not None and found[0] in wanted and function is not None:
            by_function.setdefault(function, []).append((node, *found))
    out: dict[cst.CSTNode, bool] = {}
    project: list[Path] | None = None
    for klass in ctx.index.of_type(cst.ClassDef):
        methods = [s for s in klass.body.body if isinstance(s, cst.FunctionDef) and _first_param(s) == "self"]
        tests = [test for method in methods for test in by_function.get(method, ())]
        if not tests or not _plain_bases(ctx, klass):
            continue
        for name in sorted({name for _, name, _ in tests}):
            truth = _constant(ctx, klass, methods, name)
            if truth is None:
                continue
            if project is None:
                project = _project_files(ctx)
            if project is None or any(_mentions(path, name) for path in project):
                continue
            for node, tested, negated in tests:
                if tested == name:
                    out[node] = truth != negated
    return out


def _first_param(function: cst.FunctionDef) -> str | None:
    if any(isinstance(d.decorator, cst.Name) and d.decorator.value in ("staticmethod", "classmethod")
           for d in function.decorators):
        return None
    params = (*function.params.posonly_params, *function.params.params)
    return params[0].name.value if params else None


def _plain_bases(ctx: "FileContext", klass: cst.ClassDef) -> bool:
    for base in klass.bases:
        if base.keyword is not None or base.star:
            return False
        dotted = dotted_name(base.value)
        if dotted not in _MODULE_BASES:
            return False
        if dotted != "object" and ctx.imports.qualify_dotted(dotted) != "torch.nn.Module":
            return False
    return True


def _constant(ctx: "FileContext", klass: cst.ClassDef, methods: list[cst.FunctionDef],
              name: str) -> bool | None:
    """The truth of the literals ``__init__`` assigns to ``self.<name>``, when those are the only
    assignments and the name occurs nowhere else in the file; else None."""
    seen = 0
    truths: set[bool | None] = set()
    for node in ctx.index.of_type(cst.Attribute):
        if node.attr.value != name or not isinstance(node.value, cst.Name) or node.value.value != "self":
            continue
        function = ctx.index.function_of(node)
        if function not in methods:
            return None
        seen += 1
        parent = ctx.index.parent(node)
        if isinstance(parent, cst.AssignTarget):
            assign = ctx.index.parent(parent)
            if function.name.value != "__init__" or not isinstance(assign, cst.Assign):
                return None
            truths.add(literal_truth(assign.value))
        elif isinstance(parent, (cst.AugAssign, cst.AnnAssign, cst.Del, cst.Element, cst.StarredElement,
                                 cst.For, cst.CompFor, cst.AsName, cst.NamedExpr)):
            return None  # a target, or may be one: not a plain read
    if not truths or len(truths) != 1 or None in truths:
        return None
    if len(re.findall(rf"\b{re.escape(name)}\b", ctx.source)) != seen:
        return None  # the name is written somewhere this does not account for
    return truths.pop()


def _project_files(ctx: "FileContext") -> list[Path] | None:
    """The project's other ``.py`` and ``.ipynb`` files ([] for a snippet not on disk); None when
    the project is too large to read, or writes attributes by a computed name somewhere."""
    from dllint.analysis.project import PROJECT, project_imports

    imports = project_imports(ctx)
    if imports is None:
        return []
    me = Path(ctx.path).resolve()
    files: list[Path] = []
    for suffix in (".py", ".ipynb"):
        found = PROJECT.files(imports.root, suffix)
        if found is None:
            return None
        files.extend(path for path in found if path.resolve() != me)
    for path in files:
        if any(_mentions(path, word) for word in ("setattr(", "__dict__", "vars(", "exec(")):
            return None
    return files


def _mentions(path: Path, word: str) -> bool:
    from dllint.analysis.project import PROJECT

    return PROJECT.mentions(path, word)
