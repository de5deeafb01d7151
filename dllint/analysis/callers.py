"""The callers of a function across the project: the way back from callee to caller.

Summaries flow from a callee to its callers (what ``evaluate(model)`` does to the model, what
``normalize(X)`` fits). Some facts flow the other way: a decoding helper reads ``logp.data`` on a
tensor that is in no graph because its only caller, in another module, runs it under
``torch.no_grad()``; a preprocessing helper fits a scaler on its argument, and whether that is a
leak depends on whether its callers pass the whole data and split it afterwards.

:class:`ProjectCallers` answers, for a top-level function or a method of a top-level class of the
linted file, its call sites (:class:`CallSite`): the calls in its own module and in the project's
other modules (each resolved through the caller's imports, star imports of a module without an
``__all__`` that leaves the name out included; a method: every ``x.name(...)``, whichever class
``x`` is). The list is unknown (None) when the function may be called in ways no call site shows:
its name used as a value (``hooks = [decode]``, ``fn = utils.decode``), a dunder or ``forward``
(run by ``model(x)``), a project that is not known (a snippet) or too large to search, or more
than :data:`MAX_SITES` sites.

Cheap on purpose: the files of the project are gated by the identifiers they hold (read once per
process and change of the file, like the class outlines), only the modules that name the function
are parsed (through the project view's cache), and every file read counts as consulted, so that a
cached finding goes stale when a caller is added, removed or changed anywhere in the project.
"""
from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.bindings import Bindings
from dllint.analysis.imports import dotted_name
from dllint.analysis.project import MAX_FILE_DEPTH, MAX_MODULE_BYTES, MAX_REEXPORTS, PROJECT, project_imports
from dllint.analysis.regions import Regions

if TYPE_CHECKING:
    from dllint.context import FileContext

MAX_SITES = 32  # a helper called from more places than this is a library function: unknown
MAX_CALLER_DEPTH = 2  # a caller that is itself a helper: its callers, this many levels up
MAX_WORD_TABLES = 4096
# Every byte that cannot be part of an identifier -> a space: ``bytes.split`` then gives the runs
# of identifier characters, each an identifier once its leading digits are dropped (what
# ``re.findall(rb"[A-Za-z_][A-Za-z0-9_]*")`` finds, about a third faster on torch's sources)
_WORD_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
_NOT_WORD = bytes(c if c in _WORD_BYTES else 32 for c in range(256))
_DIGITS = b"0123456789"


def identifiers(data: bytes) -> frozenset[bytes]:
    """The identifiers (ASCII) that ``data`` holds, in code, comments and strings alike."""
    words = set(data.translate(_NOT_WORD).split())
    for word in [w for w in words if w[0] in _DIGITS]:
        words.discard(word)
        rest = word.lstrip(_DIGITS)
        if rest:
            words.add(rest)
    return frozenset(words)


class Words:
    """What :func:`identifiers` would give for ``data``, asked one word at a time: the bytes with
    every byte that cannot be part of an identifier made a space, searched for the word. A project's
    word tables are read for a few names each, and building the set of every identifier of every
    file (millions of small byte strings) was a few per cent of a lint of torch's sources."""

    __slots__ = ("_text", "_disjoint")

    def __init__(self, data: bytes) -> None:
        self._text = b" " + data.translate(_NOT_WORD) + b" "
        # isdisjoint's answers per fixed set of words: a table lives as long as its file is
        # unchanged, and DL401 asks each file that names a helper about the same split words
        # (29 searches of the whole text) again for every linted file with such a helper.
        self._disjoint: dict[frozenset[bytes], bool] = {}

    def __contains__(self, word: bytes) -> bool:
        if not word or word[0] in _DIGITS or word.translate(None, _WORD_BYTES):
            return False  # not an identifier: never in the set
        text, size = self._text, len(word)
        start = text.find(word)
        while start >= 0:
            if text[start + size] == 32:  # the run of identifier bytes ends with the word
                before = start - 1
                while text[before] in _DIGITS:  # leading digits are not part of an identifier
                    before -= 1
                if text[before] == 32:
                    return True
            start = text.find(word, start + 1)
        return False

    def isdisjoint(self, words: "set[bytes] | frozenset[bytes]") -> bool:
        if not isinstance(words, frozenset):
            return not any(word in self for word in words)
        found = self._disjoint.get(words)
        if found is None:
            found = self._disjoint[words] = not any(word in self for word in words)
        return found


_NO_WORDS = Words(b"")  # an unreadable file


# Methods that run without a call naming them: ``model(x)`` runs ``forward``; Python runs dunders.
_IMPLICIT_METHODS = frozenset({"forward"})

# path -> (stamp, sha256 of the bytes, the identifiers the file holds)
_WORDS: OrderedDict[Path, tuple[tuple[int, int], str, Words | None]] = OrderedDict()
MAX_NOTEBOOK_BYTES = 16_000_000  # a notebook's outputs (images) make it large; its code is read


def _words(path: Path) -> tuple[Words | None, str]:
    """The identifiers of the file at ``path`` and the sha256 of its bytes (read once per change);
    no identifiers (None) for a file too large to read (a module over :data:`MAX_MODULE_BYTES`
    holds no helper worth reading; a notebook over :data:`MAX_NOTEBOOK_BYTES` may hold a caller)."""
    try:
        stat = path.stat()
    except OSError:
        return _NO_WORDS, ""
    stamp = (stat.st_mtime_ns, stat.st_size)
    found = _WORDS.get(path)
    if found is not None and found[0] == stamp:
        _WORDS.move_to_end(path)
        return found[2], found[1]
    limit = MAX_NOTEBOOK_BYTES if path.suffix == ".ipynb" else MAX_MODULE_BYTES
    try:
        data = path.read_bytes() if stat.st_size <= limit else None
    except OSError:
        data = None
    # an empty file (an ``__init__.py``) has the sha256 of no bytes, as the result cache computes
    # it (dllint.cache.file_digest): "" there would make every finding that consulted it stale
    digest = hashlib.sha256(data).hexdigest() if data is not None else ""
    data = data or b""
    words = Words(data) if stat.st_size <= limit or path.suffix != ".ipynb" else None
    _WORDS[path] = (stamp, digest, words)
    while len(_WORDS) > MAX_WORD_TABLES:
        _WORDS.popitem(last=False)
    return words, digest


def files_naming(root: Path, name: str, read: list[tuple[Path, str]],
                 also: frozenset[str] | None = None) -> list[Path] | None:
    """The project's ``.py`` files under ``root`` that hold the identifier ``name``; None when the
    project is too large to search, or when one of its notebooks names it (a caller dllint lints
    but this view does not parse). Every file looked at counts as consulted (and is added to
    ``read`` with its sha256). With ``also``, only the files that hold one of those words too
    (and notebooks are not looked at)."""
    table = _project_words(root)
    if table is None:
        return None
    wanted = name.encode()
    extra = frozenset(w.encode() for w in also) if also is not None else None
    out: list[Path] = []
    for path, words, digest in table[0]:
        is_module = path.suffix == ".py"
        if extra is not None and not is_module:
            continue
        read.append((path, digest))
        if extra is not None and (words is None or wanted not in words or words.isdisjoint(extra)):
            continue
        if words is None or wanted in words:
            if not is_module:
                return None
            out.append(path)
    return out


# root -> (the generation of the project view it was read in, (path, identifiers, sha256) of each
# module and notebook, path -> sha256): every file of the project is looked at once per linted file
_SNAPSHOTS: dict[Path, tuple[int, tuple[list[tuple[Path, Words | None, str]], dict[Path, str]]]] = {}


def _project_words(root: Path) -> tuple[list[tuple[Path, Words | None, str]], dict[Path, str]] | None:
    """The identifiers of every module and notebook of the project at ``root``, looked at (a stat,
    a read when the file changed) once per file that the project view begins; each counts as
    consulted. None when the project is too large to search."""
    found = _SNAPSHOTS.get(root)
    if found is not None and found[0] == PROJECT.generation:
        return found[1]
    files = PROJECT.files(root)
    notebooks = PROJECT.files(root, ".ipynb")
    if files is None or notebooks is None:
        return None
    table: list[tuple[Path, Words | None, str]] = []
    digests: dict[Path, str] = {}
    for path in [*files, *notebooks]:
        words, digest = _words(path)
        PROJECT.consult(path, digest)
        table.append((path, words, digest))
        digests[path] = digest
    _SNAPSHOTS[root] = (PROJECT.generation, (table, digests))
    if len(_SNAPSHOTS) > 64:
        _SNAPSHOTS.pop(next(iter(_SNAPSHOTS)))
    return table, digests


def _still(read: list[tuple[Path, str]], root: Path) -> bool:
    """Every file of ``read`` still has its sha256 (so an answer computed from them stands); each
    counts as consulted again."""
    current = _project_words(root)
    if current is None:
        return False
    digests = current[1]
    for path, digest in read:
        now = digests.get(path)
        if now is None:
            now = _words(path)[1]
            PROJECT.consult(path, now)
        if now != digest:
            return False
    return True




@dataclass(frozen=True)
class CallSite:
    """A call of the function: the module it is written in and the call node there."""

    ctx: "FileContext"
    call: cst.Call

    def no_grad(self) -> bool:
        """Gradients are surely off at the call (in its module's own view)."""
        return self.ctx.analysis(Regions).no_grad(self.call)


def owner_class(ctx: "FileContext", function: cst.FunctionDef) -> cst.ClassDef | None | bool:
    """The top-level class whose method ``function`` is, None for a top-level function, False for
    anything else (a nested function, a method of a nested class)."""
    if ctx.index.top_level(function):
        return None
    block = ctx.index.parent(function)
    klass = ctx.index.parent(block) if isinstance(block, cst.IndentedBlock) else None
    if isinstance(klass, cst.ClassDef) and ctx.index.top_level(klass):
        return klass
    return False


class ProjectCallers:
    """The call sites of the functions and methods of one file, across its project."""

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        # function -> (its sites, the project files read to find them with their sha256): this
        # module's context outlives one lint (the project view keeps it for the next file), so a
        # cached answer is replayed as consulted, and recomputed when one of those files changed
        self._sites: dict[cst.FunctionDef, tuple[list[CallSite] | None, list[tuple[Path, str]]]] = {}
        self._where: dict[tuple[cst.FunctionDef, frozenset[str]], tuple[list[CallSite], list[tuple[Path, str]]]] = {}

    @classmethod
    def compute(cls, ctx: "FileContext") -> "ProjectCallers":
        return cls(ctx)

    # -- the call sites ------------------------------------------------------------------------------
    def sites(self, function: cst.FunctionDef) -> list[CallSite] | None:
        """Every call of ``function`` in its module and in the project's other modules, in path
        and source order; None when they are not all known (see the module's docstring)."""
        if PROJECT.depth >= MAX_FILE_DEPTH:
            return None
        found = self._sites.get(function)
        imports = project_imports(self.ctx)
        if found is not None and imports is not None and _still(found[1], imports.root):
            return found[0]
        read: list[tuple[Path, str]] = []
        sites = self._compute_sites(function, read)
        self._sites[function] = (sites, read)
        return sites

    def _compute_sites(self, function: cst.FunctionDef, read: list[tuple[Path, str]]) -> list[CallSite] | None:
        ctx = self.ctx
        klass = owner_class(ctx, function)
        name = function.name.value
        if klass is False or (klass is not None and (name in _IMPLICIT_METHODS or name.startswith("__"))):
            return None
        imports = project_imports(ctx)
        if imports is None:
            return None
        here = _local_calls(ctx, function, name, klass is not None)
        if here is None:
            return None
        paths = files_naming(imports.root, name, read)
        if paths is None:
            return None
        me = Path(ctx.path).resolve()
        out = [CallSite(ctx, call) for call in here]
        for path in paths:
            if path.resolve() == me:
                continue
            other = PROJECT.context(path)
            if other is None:
                continue
            found = _calls_in(other, me, name, klass is not None)
            if found is None:
                return None
            out.extend(CallSite(other, call) for call in found)
            if len(out) > MAX_SITES:
                return None
        return out

    def named_elsewhere(self, function: cst.FunctionDef) -> bool:
        """Some other file of the project holds the function's name as a word (or the project
        cannot be searched): it may call or pass the function. Read off the project's word
        tables only, without parsing any module: for a question that only one answer (no other
        caller) helps, an other module that names it ends the search (torch's sources name most
        helpers in many modules, and parsing each was a tenth of a lint)."""
        imports = project_imports(self.ctx)
        if imports is None:
            return True
        paths = files_naming(imports.root, function.name.value, [])
        me = Path(self.ctx.path).resolve()
        return paths is None or any(path.resolve() != me for path in paths)

    def sites_where(self, function: cst.FunctionDef, words: frozenset[str]) -> list[CallSite]:
        """The calls of the top-level ``function`` in the project's other modules whose files also
        hold one of ``words`` (a cheap gate on the caller's side: a splitting call's name), in
        path and source order. Some callers, not all: a module that uses the name as a value still
        gives the calls it writes. Empty when the project is not known or too large."""
        if PROJECT.depth >= MAX_FILE_DEPTH or owner_class(self.ctx, function) is not None:
            return []
        key = (function, words)
        found = self._where.get(key)
        imports = project_imports(self.ctx)
        if found is not None and imports is not None and _still(found[1], imports.root):
            return found[0]
        read: list[tuple[Path, str]] = []
        sites: list[CallSite] = []
        paths = files_naming(imports.root, function.name.value, read, words) if imports is not None else None
        me = Path(self.ctx.path).resolve()
        for path in paths or ():
            if path.suffix != ".py" or path.resolve() == me:
                continue
            # With values=False, _calls_in gives only calls whose callee the module's imports
            # resolve to this function, or the bare name given by a star import: a module that
            # CPython's parser shows has neither (may_call_by_import, the same resolution over
            # the same imports) gives no site, so it is not parsed with libcst (torch's
            # common_utils, 6,000 lines, named a helper `tensor` and a split word, and called neither).
            if not PROJECT.may_call_by_import(path, function.name.value, me):
                continue
            other = PROJECT.context(path)
            if other is not None:
                sites.extend(CallSite(other, call) for call in _calls_in(other, me, function.name.value, False,
                                                                          values=False) or ())
            if len(sites) > MAX_SITES:
                break
        self._where[key] = (sites, read)
        return sites

    # -- facts read from the call sites --------------------------------------------------------------
    def runs_without_grad(self, function: cst.FunctionDef, depth: int = 0) -> bool:
        """Every call of ``function`` (at least one, all known) runs with gradients off: under
        ``no_grad``/``inference_mode`` where it is written, or inside a function of its module
        whose own calls all do (followed :data:`MAX_CALLER_DEPTH` levels up, across modules). A
        function that back-propagates needs gradients, whoever calls it. The calls of a class's
        ``__init__`` are the constructions of the class and of its subclasses (a construction
        ``Klass(...)`` runs it)."""
        regions = self.ctx.analysis(Regions)
        if function in regions.training_functions:
            return False
        sites = self._init_sites(function) if function.name.value == "__init__" else self.sites(function)
        if not sites:
            return False
        answer = True
        for site in sites:
            if site.no_grad():
                continue
            outer = site.ctx.index.function_of(site.call)
            if outer is None or outer is function or depth >= MAX_CALLER_DEPTH:
                answer = False
                break
            other = site.ctx.analysis(ProjectCallers)
            nested = site.ctx is not self.ctx
            PROJECT.depth += nested
            try:
                if not other.runs_without_grad(outer, depth + 1):
                    answer = False
                    break
            finally:
                PROJECT.depth -= nested
        return answer

    def _init_sites(self, init: cst.FunctionDef) -> list[CallSite] | None:
        """The constructions, across the project, of the top-level class whose ``__init__`` is
        ``init`` (:func:`class_constructions`); None when they are not all known."""
        klass = owner_class(self.ctx, init)
        if not isinstance(klass, cst.ClassDef):
            return None
        built = class_constructions(self.ctx, klass)
        return [CallSite(module, call) for module, call in built] if built is not None else None


def local_sites(ctx: "FileContext", function: cst.FunctionDef) -> list[cst.Call] | None:
    """The calls of a top-level function or of a method of a top-level class written in its own
    module (a method: every ``x.name(...)``, whichever class ``x`` is); None when they may not be
    all: a nested function, ``forward`` or a dunder (run without a call naming them), or a name
    used as a value. The project's other modules are not searched (see :meth:`ProjectCallers.sites`)."""
    klass = owner_class(ctx, function)
    name = function.name.value
    if klass is False or (klass is not None and (name in _IMPLICIT_METHODS or name.startswith("__"))):
        return None
    return _local_calls(ctx, function, name, klass is not None)


def _local_calls(ctx: "FileContext", function: cst.FunctionDef, name: str, method: bool) -> list[cst.Call] | None:
    """The calls of ``function`` in its own module, or None when its name is used as a value there
    (passed, stored, aliased: called where no call shows it)."""
    regions = ctx.analysis(Regions)
    calls: list[cst.Call] = list(regions.callers(function))
    if method:
        for call in ctx.index.of_type(cst.Call):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == name and call not in calls \
                    and regions.resolved(call) in (None, function):
                calls.append(call)
    else:
        for call in ctx.index.of_type(cst.Call):
            # a call the module's resolution left open counts too: "every call" over-approximates
            if isinstance(call.func, cst.Name) and call.func.value == name and call not in calls \
                    and regions.resolved(call) in (None, function):
                calls.append(call)
    if _used_as_value(ctx, name, method, lambda node: True, function):
        return None
    calls.sort(key=ctx.index.order.__getitem__)
    return calls


def _calls_in(other: "FileContext", me: Path, name: str, method: bool, values: bool = True) -> list[cst.Call] | None:
    """The calls in ``other`` of the function ``name`` of the module at ``me`` (a method: every
    ``x.name(...)``), or None when ``other`` uses it as a value (unless ``values`` is False)."""
    if method:
        if _used_as_value(other, name, True, lambda node: True, None):
            return None
        return [c for c in other.index.of_type(cst.Call)
                if isinstance(c.func, cst.Attribute) and c.func.attr.value == name]
    imports = project_imports(other)
    if imports is None:
        return []
    starred = name not in imports.names and not name.startswith("_") \
        and any(_star_gives(p, me, name) for p in imports.star_sources(_records(other)))

    def ours(node: cst.BaseExpression) -> bool:
        dotted = dotted_name(node)
        if dotted is None:
            return False
        if starred and dotted == name:
            return not _binds_at_top(other, name)
        target = imports.target(dotted)
        return target is not None and target.attribute == name and target.path.resolve() == me

    if values and _used_as_value(other, name, False, ours, None, aliases=_aliases(imports, me, name)):
        return None
    out = []
    for call in other.index.of_type(cst.Call):
        if isinstance(call.func, (cst.Name, cst.Attribute)) and ours(call.func):
            out.append(call)
    return out


def _aliases(imports, me: Path, name: str) -> set[str]:
    """Local names bound to the function by ``from m import name as alias``."""
    return {local for local, target in imports.names.items()
            if target.attribute == name and local != name and target.path.resolve() == me}


def _used_as_value(ctx: "FileContext", name: str, method: bool, ours, function: cst.FunctionDef | None,
                   aliases: set[str] = frozenset()) -> bool:
    """``name`` (or an alias of it) appears in ``ctx`` other than as the callee of a call, its own
    ``def`` or an import: then calls may happen where none is written."""
    wanted = {name, *aliases}
    for node in ctx.index.of_type(cst.Name):
        if node.value not in wanted:
            continue
        parent = ctx.index.parent(node)
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            if not method and not ours(parent):
                continue
            subject: cst.CSTNode = parent
        else:
            if method:
                continue  # a plain name is not the method (``self.decode`` is an attribute)
            if not ours(node):
                continue
            subject = node
        holder = ctx.index.parent(subject)
        if isinstance(holder, cst.Call) and holder.func is subject:
            continue
        if isinstance(holder, (cst.FunctionDef, cst.ClassDef)) and holder.name is subject:
            continue
        if isinstance(holder, (cst.ImportAlias, cst.ImportFrom, cst.Import)) \
                or ctx.index.enclosing(subject, cst.ImportFrom) is not None \
                or ctx.index.enclosing(subject, cst.Import) is not None:
            continue
        return True
    return False


def _records(ctx: "FileContext"):
    from dllint.analysis.project import ImportRecords
    return ImportRecords.of_index(ctx.index)


def _star_gives(path: Path, me: Path, name: str) -> bool:
    """``from <module at path> import *`` binds the function ``name`` of the module at ``me``: it
    is that module, or a package ``__init__.py`` that re-exports it (``from .data_util import
    split_dataset``, followed through at most :data:`MAX_REEXPORTS` modules)."""
    if not _star_exports(path, name):
        return False
    for _ in range(MAX_REEXPORTS + 1):
        if path.resolve() == me:
            return True
        moved = PROJECT.reexport(path, name)
        if moved is None or moved.attribute != name:
            return False
        path = moved.path
    return False


def _star_exports(path: Path, name: str) -> bool:
    """``from <module at path> import *`` binds ``name``: the module has no ``__all__`` (a public
    top-level name is exported), or its ``__all__`` lists it (read from its text)."""
    words, _ = _words(path)
    if words is not None and b"__all__" not in words:
        return True
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    match = re.search(r"^__all__\s*[+]?=\s*[\[(]([^\])]*)[\])]", text, re.MULTILINE)
    return match is not None and re.search(rf"""['"]{re.escape(name)}['"]""", match.group(1)) is not None


def _binds_at_top(ctx: "FileContext", name: str) -> bool:
    """The module defines or assigns ``name`` at its top level (so a star import does not give it)."""
    for statement in ctx.module.body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and statement.name.value == name:
            return True
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets):
                    return True
    return False


# -- the constructions of a class --------------------------------------------------------------
MAX_CONSTRUCTIONS = 32  # a class built in more places than this is a library class: unknown


def init_of(klass: cst.ClassDef) -> cst.FunctionDef | None:
    """The ``__init__`` written in the body of ``klass``, the last one as at run time (None when it
    inherits one)."""
    found = None
    for statement in klass.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "__init__":
            found = statement
    return found


def constructor_arguments(ctx: "FileContext", klass: cst.ClassDef, param: str, notebooks: bool = True
                          ) -> list[tuple["FileContext", cst.BaseExpression]] | None:
    """What every construction of ``klass`` (a top-level class of ``ctx``'s module, with its own
    ``__init__``) passes for the ``__init__`` parameter ``param``, with the module each argument is
    written in: the calls ``Klass(...)`` in this module and in the project's other modules, and
    those of its subclasses, through a subclass's ``super().__init__(..., p, ...)`` of a parameter
    ``p`` of its own ``__init__`` (or its inherited ``__init__``), at most :data:`MAX_CALLER_DEPTH`
    subclasses down. A call that leaves the parameter out passes its default (with the module of
    the ``__init__`` that declares it). Empty when the class is never built; None when the
    constructions are not all known: the class used as a value (passed, stored, aliased), a call
    with ``*args``, a parameter without a default left out, a subclass that builds its base any
    other way, the project too large (a snippet, not a file, is a project of one module). With
    ``notebooks=False`` a notebook that names the class is not taken for a construction nobody sees
    (DL104: the examples in notebooks wrap layers as the modules do)."""
    init = init_of(klass)
    if init is None or klass not in ctx.module.body or PROJECT.depth >= MAX_FILE_DEPTH:
        return None
    out: list[tuple["FileContext", cst.BaseExpression]] = []
    PROJECT.depth += 1
    try:
        if not _constructions(ctx, klass, init, ctx, param, 0, out, notebooks):
            return None
    finally:
        PROJECT.depth -= 1
    return out


def _constructions(ctx: "FileContext", klass: cst.ClassDef, init: cst.FunctionDef, home: "FileContext",
                   param: str, depth: int, out: list, notebooks: bool = True) -> bool:
    """Add to ``out`` what each construction of ``klass`` passes for ``init``'s ``param`` (``init``
    is written in ``home``'s module, as the default is); False when they are not all known."""
    if depth > MAX_CALLER_DEPTH:
        return False
    params = [*init.params.posonly_params, *init.params.params]
    names = [p.name.value for p in params]
    chosen = next((p for p in (*params, *init.params.kwonly_params) if p.name.value == param), None)
    if chosen is None or not names or names[0] != "self":
        return False
    position = names.index(param) - 1 if param in names else None  # after the instance
    uses = _class_uses(ctx, klass, notebooks)
    if uses is None:
        return False
    for module, use in uses:
        if isinstance(use, cst.Call):
            if any(a.star for a in use.args):
                return False
            argument = _argument_for(use, position, param)
            if argument is not None:
                out.append((module, argument))
            elif chosen.default is not None:
                out.append((home, chosen.default))
            else:
                return False
        elif not _subclass_constructions(module, use, init, home, param, position, depth, out, notebooks):
            return False
        if len(out) > MAX_CONSTRUCTIONS:
            return False
    return True


def _subclass_constructions(ctx: "FileContext", sub: cst.ClassDef, base_init: cst.FunctionDef,
                            home: "FileContext", param: str, position: int | None, depth: int,
                            out: list, notebooks: bool = True) -> bool:
    """The constructions of the subclass ``sub``: those of its own ``__init__``'s parameter that
    its ``super().__init__(...)`` passes on as ``param``, or of ``param`` itself when it inherits
    the base's ``__init__``."""
    own = init_of(sub)
    if own is None:
        return _constructions(ctx, sub, base_init, home, param, depth + 1, out, notebooks)
    supers = [c for c in ctx.index.of_type(cst.Call) if ctx.index.function_of(c) is own and _is_super_init(c)]
    if len(supers) != 1 or any(a.star for a in supers[0].args):
        return False
    passed = _argument_for(supers[0], position, param)
    if passed is None:
        return False
    bindings = ctx.analysis(Bindings)
    if isinstance(passed, cst.Name) and any(p.name.value == passed.value for p in (
            *own.params.posonly_params, *own.params.params, *own.params.kwonly_params)):
        if len(bindings.values.get((own, passed.value), [])) != 1:
            return False  # rebound before it is passed on
        return _constructions(ctx, sub, own, ctx, passed.value, depth + 1, out, notebooks)
    out.append((ctx, passed))
    return True


def _is_super_init(call: cst.Call) -> bool:
    """``super().__init__(...)`` or ``super(Klass, self).__init__(...)``."""
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value == "__init__" \
        and isinstance(func.value, cst.Call) and isinstance(func.value.func, cst.Name) \
        and func.value.func.value == "super"


def _argument_for(call: cst.Call, position: int | None, name: str) -> cst.BaseExpression | None:
    """The argument ``call`` gives the parameter ``name`` at ``position`` (None: keyword-only)."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    return positional[position] if position is not None and 0 <= position < len(positional) else None


def _class_uses(ctx: "FileContext", klass: cst.ClassDef, notebooks: bool = True
                ) -> list[tuple["FileContext", cst.Call | cst.ClassDef]] | None:
    """The calls ``Klass(...)`` of the top-level class ``klass`` of ``ctx``'s module and the
    top-level classes that derive from it (``class Sub(Klass)``, ``class Sub(utils.Klass)``), in
    this module and in the project's other modules, each with its module. None when the class
    may be built where no call shows it (used as a value, a star import, a notebook naming it),
    when the project is too large to search, or when it is called more than
    :data:`MAX_CONSTRUCTIONS` times. A snippet (no file) has no other modules, and a notebook's
    class is built only in the notebook: nothing can import it."""
    name = klass.name.value
    me = Path(ctx.path).resolve()
    modules: list["FileContext"] = [ctx]
    # no import reaches a notebook's classes: only its own cells build them (and a notebook that
    # names the class, itself among them, defines its own)
    imports = project_imports(ctx) if me.suffix != ".ipynb" else None
    if imports is not None:
        paths = files_naming(imports.root, name, [], None if notebooks else frozenset({name}))
        if paths is None:
            return None
        for path in paths:
            if path.resolve() != me:
                other = PROJECT.context(path)
                if other is None:
                    return None
                modules.append(other)
    out: list[tuple["FileContext", cst.Call | cst.ClassDef]] = []
    for module in modules:
        references = _class_references(module, me, name, module is ctx)
        if references is None:
            return None
        for subject in references:
            holder = module.index.parent(subject)
            if isinstance(holder, cst.ClassDef) and holder.name is subject or \
                    module.index.enclosing(subject, cst.ImportFrom) is not None or \
                    module.index.enclosing(subject, cst.Import) is not None:
                continue
            if isinstance(holder, cst.Call) and holder.func is subject:
                out.append((module, holder))
            elif _type_test(module, subject):
                continue  # isinstance(m, Klass): a test of a class, which builds nothing
            elif isinstance(holder, cst.Arg) and holder.keyword is None and not holder.star and \
                    isinstance(module.index.parent(holder), cst.ClassDef) and \
                    module.index.parent(holder) in module.module.body:
                out.append((module, module.index.parent(holder)))
            else:
                return None  # the class passed, stored or aliased: built where no call shows it
    if sum(isinstance(use, cst.Call) for _, use in out) > MAX_CONSTRUCTIONS:
        return None
    return out


def _type_test(ctx: "FileContext", subject: cst.BaseExpression) -> bool:
    """``subject`` is the class argument of ``isinstance(x, Klass)`` / ``issubclass(c, Klass)``,
    alone or in a tuple of classes there."""
    node = ctx.index.parent(subject)
    if isinstance(node, cst.Element):
        node = ctx.index.parent(ctx.index.parent(node))  # the tuple's Arg
    if not isinstance(node, cst.Arg) or node.keyword is not None or node.star:
        return False
    call = ctx.index.parent(node)
    return isinstance(call, cst.Call) and isinstance(call.func, cst.Name) \
        and call.func.value in ("isinstance", "issubclass") and len(call.args) == 2 \
        and call.args[1] is node


def _class_references(ctx: "FileContext", me: Path, name: str, own: bool
                      ) -> list[cst.BaseExpression] | None:
    """The names (``Klass``) and attributes (``utils.Klass``) of ``ctx``'s module that stand for
    the class ``name`` of the module at ``me`` (``own``: ``ctx`` is that module); None when a
    bare ``Klass`` of another module may be it without an import naming it (a star import). A
    name that another module imports it as (``from .effnet import Backbone as b``) stands for it
    there too."""
    imports = project_imports(ctx) if not own else None
    aliases: set[str] = set()
    if imports is not None:
        for local in imports.names:
            target = imports.target(local) if local != name else None
            if target is not None and target.attribute == name and target.path.resolve() == me:
                aliases.add(local)
    found: list[cst.BaseExpression] = []
    for node in ctx.index.of_type(cst.Name):
        if node.value != name and node.value not in aliases:
            continue
        parent = ctx.index.parent(node)
        subject: cst.BaseExpression = node
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            if own or node.value != name:
                continue  # x.Klass: some other object's attribute
            subject = parent
        if isinstance(ctx.index.parent(subject), cst.Arg):
            call = ctx.index.parent(ctx.index.parent(subject))
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and \
                    call.func.value == "super":
                continue  # super(Klass, self)
        if own:
            found.append(subject)
            continue
        dotted = dotted_name(subject)
        target = imports.target(dotted) if imports is not None and dotted is not None else None
        if target is not None:
            if target.attribute == name and target.path.resolve() == me:
                found.append(subject)
        elif isinstance(subject, cst.Name) and not _binds_at_top(ctx, name) and \
                ctx.index.enclosing(node, cst.ImportFrom) is None:
            return None  # a name no import of the module explains: a star import may give it
    return found


def class_constructions(ctx: "FileContext", klass: cst.ClassDef
                        ) -> list[tuple["FileContext", cst.Call]] | None:
    """Every call that builds an instance of ``klass`` (a top-level class of ``ctx``'s module) or
    of one of its subclasses, across the project (at most :data:`MAX_CALLER_DEPTH` subclasses
    down), with the module it is written in; None when they are not all known (the class or a
    subclass used as a value, a star import, the project too large)."""
    if PROJECT.depth >= MAX_FILE_DEPTH:
        return None
    out: list[tuple["FileContext", cst.Call]] = []
    PROJECT.depth += 1
    try:
        if not _family_calls(ctx, klass, 0, out):
            return None
    finally:
        PROJECT.depth -= 1
    return out


def _family_calls(ctx: "FileContext", klass: cst.ClassDef, depth: int, out: list) -> bool:
    if depth > MAX_CALLER_DEPTH:
        return False
    uses = _class_uses(ctx, klass)
    if uses is None:
        return False
    for module, use in uses:
        if isinstance(use, cst.Call):
            out.append((module, use))
        elif not _family_calls(module, use, depth + 1, out):
            return False
        if len(out) > MAX_CONSTRUCTIONS:
            return False
    return True
