"""The whole-project view: a name imported from a module of the user's own project, resolved to
the file that defines it, parsed (never imported) and analysed like the file being linted.

The project root is the nearest directory above the file that holds ``pyproject.toml``,
``setup.py``, ``setup.cfg`` or ``.git`` (else the file's own directory). An absolute import is
looked for where Python itself would find it when the project is run or installed: beside the file
(a script's directory is on ``sys.path``), at the root, under ``root/src``, and in the folder above
the file's top package (``python/`` for ``python/baseline/...``). A relative import
goes up from the file's package. Whatever does not resolve to a ``.py`` file there (a library, an
extension module, a namespace with no such file) is left to the rules' knowledge of libraries.

The result is the same whether the project is linted as a directory or one file at a time (from
flake8, pre-commit, an editor): each file finds its root and its imports alone. Parsed modules are
kept per process, keyed by path, size and modification time; summaries are not cached on disk yet.
"""
from __future__ import annotations

import ast
import errno
import hashlib
import os
import re
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.imports import ImportMap, dotted_name

if TYPE_CHECKING:
    from dllint.context import FileContext

ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
MAX_MODULE_BYTES = 1_000_000  # a generated file this large holds no training helper worth parsing
MAX_CACHED_MODULES = 128
MAX_ANCESTOR_BASES = 3  # without a root marker, directories above a file that absolute imports may start from
MAX_FILE_DEPTH = 4  # a summary may use another file's summary, this many files deep
MAX_OUTLINES = 4096
MAX_READ_MODULES = 16  # CPython trees are large: only the modules asked about right now
MAX_TEXT_BYTES = 32_000_000  # the bytes of project files kept for ProjectView.mentions
# The patterns below read a module's text with a newline put in front ("\n" + text), and each starts
# with that newline instead of ``^`` under re.MULTILINE: the same matches (no match ends with a
# newline that the next one would need), found about five times faster, since a pattern that starts
# with a literal is searched for as a string.
# A top-level class statement starts at column 0 (a decorator's line comes before it, and no compound
# statement may follow a semicolon). Matches inside strings only make the set larger, which is safe
# for a gate that says "certainly not defined here".
_TOP_CLASS = re.compile(r"\nclass[ \t]+(\w+)")
# A top-level function: what find_definition looks for (a `def` at column 0, decorated or not).
_TOP_DEF = re.compile(r"\n(?:async[ \t]+)?def[ \t]+(\w+)")
# The same with its base list, when that list is written plainly (no nested parentheses).
_TOP_CLASS_BASES = re.compile(r"\nclass[ \t]+(\w+)[ \t]*(?:\(([^()]*)\))?[ \t]*:")
# A top-level ``from m import a, b as c`` (one line, or a parenthesised list): the names a module
# may only re-export (a package's ``__init__.py`` that lifts its classes out of submodules).
_TOP_FROM_IMPORT = re.compile(r"\nfrom[ \t]+[.\w]+[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)")
# Other top-level bindings of a name (a definition, an assignment): then it is not only re-exported.
# (The character after an assignment's ``=`` is looked at, not taken: it may be the newline that
# starts the next line.)
_TOP_BINDING = re.compile(r"\n(?:(?:async[ \t]+)?def[ \t]+(\w+)|class[ \t]+(\w+)|(\w+)[ \t]*(?::[^=\n]*)?=(?=[^=]))")
# The methods whose call ``Regions`` counts as a training step (``BACKWARD_METHODS`` and ``step``).
_TRAINING_METHODS = frozenset({"backward", "manual_backward", "step"})
MAX_REEXPORTS = 3  # ``from pkg import Net`` followed through at most this many re-exporting modules
# The callers of a method are looked for in at most this many files of the project; a larger tree
# (or a root without a marker that is a whole home directory) leaves them unknown.
MAX_PROJECT_FILES = 2_000
_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "site-packages", "venv", "env", "build",
                           "dist"})


def find_root(path: Path) -> Path:
    """The project root of ``path`` (a file): the nearest directory holding a root marker."""
    start = path.parent
    for directory in (start, *start.parents):
        try:
            folder = str(directory)
            if any(_exists(os.path.join(folder, marker)) for marker in ROOT_MARKERS):
                return directory
        except OSError:  # a directory we may not read
            continue
    return start


# the errors for which pathlib's ``exists()`` answers False rather than raising
_ABSENT_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})


def _exists(path: str) -> bool:
    """``Path(path).exists()`` on a string (no Path object per marker and directory)."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno not in _ABSENT_ERRNOS:
            raise
        return False
    except ValueError:
        return False
    return True


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return False


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _stat_is(path: str, kind) -> bool:
    """``Path(path).is_file()`` / ``is_dir()`` (``kind``: ``stat.S_ISREG`` / ``S_ISDIR``) on a
    string, without a Path object: False for any error, as :func:`_is_file` answers."""
    try:
        return kind(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _module_file(base: Path, parts: list[str], dirs: dict[str, bool] | None = None) -> Path | None:
    if not parts:
        init = base / "__init__.py"
        return init if _is_file(init) else None
    # Strings until a file is found: building Path objects for the candidates that do not exist
    # (most of them: each import is tried under several bases) was most of the time of resolving
    # a file's imports.
    stem = os.path.join(str(base), *parts)
    if dirs is not None and len(parts) > 1:
        # Both candidates lie in stem's folder: where it is no directory, neither is a file. Asked
        # once per folder while one file's imports are resolved (most bases hold no ``torch/``
        # folder, and each import tried two stats under each base).
        folder = os.path.dirname(stem)
        known = dirs.get(folder)
        if known is None:
            known = dirs[folder] = _stat_is(folder, S_ISDIR)
        if not known:
            return None
    if _stat_is(stem + ".py", S_ISREG):
        return base.joinpath(*parts[:-1], parts[-1] + ".py")
    if _stat_is(os.path.join(stem, "__init__.py"), S_ISREG):
        return base.joinpath(*parts, "__init__.py")
    return None


@dataclass(frozen=True)
class Target:
    """A name of the project: ``attribute`` (``evaluate``, ``Net.val_start``) in the module
    ``path``; an empty attribute is the module itself."""

    path: Path
    attribute: str


class ProjectImports:
    """Local names of one file that stand for modules or names of its project."""

    _dirs: dict[str, bool] | None = None

    def __init__(self, path: Path, module: cst.Module | None, index, records: "ImportRecords | None" = None) -> None:
        self.path = path
        self.root = find_root(path)
        self.bases = [path.parent]
        for base in (self.root, self.root / "src"):
            if base not in self.bases and _is_dir(base):
                self.bases.append(base)
        if self.root == path.parent and not any(_is_file(path.parent / m) or _is_dir(path.parent / m)
                                                for m in ROOT_MARKERS):
            # No root marker (a downloaded archive): a script in ``networks/`` importing
            # ``networks.common.metrics`` is run from the directory above; look a few levels up.
            self.bases.extend(list(path.parent.parents)[:MAX_ANCESTOR_BASES])
        # The folder above the file's top package (``python/`` of ``python/baseline/pytorch/x.py``
        # whose packages import ``baseline.pytorch``): where the package is run or installed from,
        # even when the root marker (``.git``) sits higher up.
        top = path.parent
        while _is_file(top / "__init__.py") and top != self.root and _inside(top.parent, self.root):
            top = top.parent
        if top != path.parent and top not in self.bases:
            self.bases.append(top)
        # local name -> (Path of the module, attribute path inside it or "")
        self.names: dict[str, Target] = {}
        records = records if records is not None else ImportRecords.of_index(index)
        self._add_sys_paths(records.sys_paths)
        self._add_imported_sys_paths(records)
        # folder -> is a directory, while the imports are collected (the file system is taken
        # as unchanged within one file's resolution; later look-ups ask it again)
        self._dirs: dict[str, bool] | None = {}
        try:
            self._collect(records)
        finally:
            self._dirs = None

    def _add_sys_paths(self, entries: tuple[str, ...]) -> None:
        """Directories the module puts on ``sys.path`` (a script of ``modeling/`` that inserts
        ``'./preprocessing'`` before ``from data_preprocesser import ...``): a relative one is
        read from where the project is run (its root, or any base above a file without a root
        marker) and from the file's own directory; only directories inside the project count."""
        starts = [*self.bases]
        for entry in entries[:16]:
            if not entry or "\x00" in entry:
                continue
            if entry.startswith(FILE_RELATIVE):
                candidates = [self.path.parent / entry[len(FILE_RELATIVE):]]
            elif os.path.isabs(entry):
                candidates = [Path(entry)]
            else:
                candidates = [base / entry for base in starts]
            for candidate in candidates:
                try:
                    found = Path(os.path.normpath(candidate))
                except (OSError, ValueError):
                    continue
                if found not in self.bases and _is_dir(found) and any(_inside(found, b) for b in starts):
                    self.bases.append(found)
                    break

    def _add_imported_sys_paths(self, records: "ImportRecords") -> None:
        """Directories that a module of the project imported for its side effect puts on
        ``sys.path`` (py-faster-rcnn's ``import _init_paths``, whose top level inserts
        ``osp.join(this_dir, "lib")``): importing it runs that code before the imports after it,
        so they resolve under those directories too. Only a plain ``import name`` of a module file
        beside the importer or at a base; its entries are read from its own directory."""
        for full, asname in records.imports[:32]:
            if asname is not None or "." in full:
                continue
            found = self._absolute(full)
            if found is None or found.name == "__init__.py" or found.resolve() == self.path:
                continue
            outline = PROJECT.class_outline(found)
            if outline is None or not outline.records.sys_paths:
                continue
            entries = []
            for entry in outline.records.sys_paths:
                if entry.startswith(FILE_RELATIVE):
                    entries.append(os.path.normpath(found.parent / entry[len(FILE_RELATIVE):]))
                elif os.path.isabs(entry):
                    entries.append(entry)
            self._add_sys_paths(tuple(entries))

    def _absolute(self, dotted: str) -> Path | None:
        parts = dotted.split(".") if dotted else []
        for base in self.bases:
            found = _module_file(base, parts, self._dirs)
            if found is not None:
                return found
        return None

    def _package_dir(self, level: int) -> Path:
        directory = self.path.parent
        for _ in range(level - 1):
            directory = directory.parent
        return directory

    def _collect(self, records: "ImportRecords") -> None:
        for full, asname in records.imports:
            if asname is not None:
                found = self._absolute(full)
                if found is not None:
                    self.names[asname] = Target(found, "")
            else:
                head = full.split(".")[0]
                found = self._absolute(head)
                if found is not None:
                    self.names.setdefault(head, Target(found, ""))
        for level, module, names in records.froms:
            if names is None:  # a star import
                continue
            parts = module.split(".") if module else []
            if level:
                base = self._package_dir(level)
                source = _module_file(base, parts, self._dirs)
            else:
                base = None
                source = self._absolute(module)
            for name, asname in names:
                local = asname if asname is not None else name
                # ``from pkg import module`` names a module; ``from pkg.mod import f`` a name in one
                submodule = (_module_file(base, [*parts, name], self._dirs) if base is not None
                             else self._absolute(f"{module}.{name}" if module else name))
                if submodule is not None:
                    self.names[local] = Target(submodule, "")
                elif source is not None:
                    self.names[local] = Target(source, name)

    def star_sources(self, records: "ImportRecords") -> list[Path]:
        """The project modules that ``from m import *`` statements of ``records`` name."""
        out: list[Path] = []
        for level, module, names in records.froms:
            if names is not None:
                continue
            parts = module.split(".") if module else []
            found = _module_file(self._package_dir(level), parts) if level else self._absolute(module)
            if found is not None:
                out.append(found)
        return out

    def star_target(self, name: str, records: "ImportRecords") -> Target | None:
        """Where a plain ``name`` that no import binds comes from through ``from m import *``
        (``from util import *``, with ``util/__init__.py`` re-exporting ``to_dataset`` from
        ``.data_util``): the module that defines it as a top-level function or class, the last
        star import first (it wins at run time); None when none does. What the star import
        gives is the imported module's ``__all__`` when it lists names plainly
        (:meth:`ProjectView.exported_names`), else its public names, those it imports included (a
        package ``__init__`` re-exporting ``from .model import Net``, or ``from model import Net``
        in Python 2, an implicit relative import: the package's folder is a base of its imports);
        an ``__all__`` written any other way leaves the module not looked into. A module a
        re-export leads to gives the name whatever its own ``__all__`` says."""
        if name.startswith("_") or name in self.names:
            return None
        for source in reversed(self.star_sources(records)):
            if PROJECT.mentions(source, "__all__"):
                exported = PROJECT.exported_names(source)
                if exported is None:
                    return None  # what it exports is not read: it may give the name
                if name not in exported:
                    continue  # an earlier star import may give it
            path = source
            for _ in range(MAX_REEXPORTS + 1):
                if PROJECT.may_define_function(path, name) or PROJECT.may_define_class(path, name):
                    return Target(path, name)
                moved = PROJECT.reexport(path, name)
                if moved is None or moved.attribute != name:
                    break
                path = moved.path
            if path != source:
                return None  # the source gives the name, from where the re-exports cannot be followed
        return None

    def target(self, dotted: str) -> Target | None:
        """The project name that ``dotted`` (``evaluate``, ``utils.evaluate``, ``pkg.m.f``) stands
        for, following attribute access into sub-modules."""
        head, _, rest = dotted.partition(".")
        found = self.names.get(head)
        if found is None:
            return None
        path, attribute = found.path, found.attribute
        remaining = rest.split(".") if rest else []
        while remaining and not attribute and path.name == "__init__.py":
            sub = _module_file(path.parent, [remaining[0]])
            if sub is None:
                break
            path = sub
            remaining.pop(0)
        attribute = ".".join(p for p in (attribute, *remaining) if p)
        for _ in range(MAX_REEXPORTS):  # ``from pkg import Net``, where pkg/__init__.py re-exports it
            head, _, rest = attribute.partition(".")
            moved = PROJECT.reexport(path, head) if head else None
            if moved is None:
                break
            path, attribute = moved.path, ".".join(p for p in (moved.attribute, rest) if p)
        return Target(path, attribute)


@dataclass
class ImportRecords:
    """The import statements of a module, anywhere in it, in source order: ``import a.b as c``
    as ("a.b", "c" or None), ``from ..m import x as y`` as (2, "m", [("x", "y" or None)]), a star
    import with None for its names. Read from libcst's tree or from CPython's."""

    imports: list[tuple[str, str | None]]
    froms: list[tuple[int, str, list[tuple[str, str | None]] | None]]
    # directories the module puts on ``sys.path`` (``sys.path.insert(1, './preprocessing')``,
    # ``sys.path.append("../utils")``), as written: string literals only
    sys_paths: tuple[str, ...] = ()

    @classmethod
    def of_index(cls, index) -> "ImportRecords":
        imports: list[tuple[str, str | None]] = []
        for node in index.of_type(cst.Import):
            for alias in node.names:
                asname = (alias.asname.name.value if alias.asname is not None
                          and isinstance(alias.asname.name, cst.Name) else None)
                imports.append((dotted_name(alias.name) or "", asname))
        froms: list[tuple[int, str, list[tuple[str, str | None]] | None]] = []
        for node in index.of_type(cst.ImportFrom):
            module = dotted_name(node.module) if node.module is not None else ""
            if module is None:
                continue
            if isinstance(node.names, cst.ImportStar):
                froms.append((len(node.relative), module, None))
                continue
            froms.append((len(node.relative), module, [
                (dotted_name(alias.name) or "",
                 alias.asname.name.value if alias.asname is not None
                 and isinstance(alias.asname.name, cst.Name) else None)
                for alias in node.names]))
        sys_paths: list[str] = []
        computed = False
        for call in index.of_type(cst.Call):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("insert", "append") \
                    and call.args and dotted_name(func.value) == "sys.path":
                value = call.args[-1].value
                if isinstance(value, cst.SimpleString):
                    text = value.evaluated_value
                    if isinstance(text, str):
                        sys_paths.append(text)
                else:
                    computed = True
        if computed:
            # A path computed from ``__file__``: read by the same reader as other modules'
            try:
                tree = ast.parse(index.module.code)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                tree = None
            if tree is not None:
                sys_paths.extend(e for e in _ast_computed_sys_paths(tree) if e not in sys_paths)
        return cls(imports, froms, tuple(sys_paths))

    def import_map(self) -> ImportMap:
        """The :class:`ImportMap` these statements make (as ``ImportMap.compute`` builds it)."""
        result = ImportMap()
        for full, asname in self.imports:
            result.modules.add(full)
            if asname is not None:
                result.aliases[asname] = full
            else:
                head = full.split(".")[0]
                result.aliases.setdefault(head, head)
        for level, base, names in self.froms:
            if level:
                continue
            result.modules.add(base)
            if names is None:
                result.star_from.add(base)
                continue
            for name, asname in names:
                result.aliases[asname if asname is not None else name] = f"{base}.{name}" if base else name
        return result


class ClassOutline:
    """What another module is asked when a class of the linted file derives from one of its
    classes: every class statement (name, written bases as dotted names, None where a base is
    not one), its top-level classes, its imports. Read with CPython's parser, about ten times
    faster than libcst's: asking whether ``Net`` is an ``nn.Module`` used to parse and analyse
    each such module with libcst, the largest share of a lint of torch's own sources."""

    __slots__ = ("path", "classes", "top_classes", "records", "imports", "project", "verdicts")

    def __init__(self, path: Path, classes: list[tuple[str, tuple[str | None, ...]]],
                 top_classes: frozenset[str], records: ImportRecords) -> None:
        self.path = path
        self.classes = classes
        self.top_classes = top_classes
        self.records = records
        self.imports = records.import_map()
        self.project: ProjectImports | None | bool = None  # built on first use
        self.verdicts = None  # the module classes of this module, once computed (see dataflow)

    def project_imports(self) -> ProjectImports:
        if self.project is None:
            self.project = ProjectImports(self.path.resolve(), None, None, self.records)
        return self.project

    @classmethod
    def of_ast(cls, path: Path, tree: ast.Module) -> "ClassOutline":
        classes: list[tuple[str, tuple[str | None, ...]]] = []
        imports: list[tuple[str, str | None]] = []
        froms: list[tuple[int, str, list[tuple[str, str | None]] | None]] = []
        sys_paths: list[str] = []
        # Statements in source order (classes and imports are statements; expressions hold none).
        stack: list[ast.AST] = list(reversed(tree.body))
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Expr):
                entry = _ast_sys_path_entry(node.value)
                if entry is not None:
                    sys_paths.append(entry)
                continue
            if isinstance(node, ast.ClassDef):
                classes.append((node.name, tuple(
                    _ast_dotted(b.value if isinstance(b, ast.Starred) else b) for b in node.bases)))
            elif isinstance(node, ast.Import):
                imports.extend((alias.name, alias.asname) for alias in node.names)
                continue
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if len(node.names) == 1 and node.names[0].name == "*":
                    froms.append((node.level or 0, module, None))
                else:
                    froms.append((node.level or 0, module, [(a.name, a.asname) for a in node.names]))
                continue
            # only the fields that hold statements (an expression holds none): ast.iter_child_nodes
            # walked every expression of the module's statements
            names = _STATEMENT_FIELDS.get(type(node))
            if names is None:
                names = _STATEMENT_FIELDS[type(node)] = tuple(f for f in type(node)._fields
                                                              if f in _BLOCK_FIELDS)
            children = [child for name in names for child in getattr(node, name, None) or ()
                        if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case))]
            stack.extend(reversed(children))
        top: dict[str, bool] = {}
        for statement in tree.body:  # the last definition wins, as at run time
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                top[statement.name] = isinstance(statement, ast.ClassDef)
        sys_paths.extend(e for e in _ast_computed_sys_paths(tree) if e not in sys_paths)
        return cls(path, classes, frozenset(n for n, is_class in top.items() if is_class),
                   ImportRecords(imports, froms, tuple(sys_paths)))

    @classmethod
    def of_context(cls, path: Path, ctx: "FileContext") -> "ClassOutline":
        """The same, read from libcst's tree (a file only libcst reads: syntax newer than the
        running Python)."""
        classes = [(k.name.value, tuple(dotted_name(a.value) for a in k.bases))
                   for k in ctx.index.of_type(cst.ClassDef)]
        top: dict[str, bool] = {}
        for statement in ctx.module.body:
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                top[statement.name.value] = isinstance(statement, cst.ClassDef)
        return cls(path, classes, frozenset(n for n, is_class in top.items() if is_class),
                   ImportRecords.of_index(ctx.index))


# The fields of CPython's statement nodes that hold statements, except handlers or match cases.
_BLOCK_FIELDS = frozenset({"body", "orelse", "handlers", "finalbody", "cases"})
_STATEMENT_FIELDS: dict[type, tuple[str, ...]] = {}


def _ast_sys_path_entry(node: ast.expr) -> str | None:
    """The directory of ``sys.path.insert(i, "dir")`` / ``sys.path.append("dir")``, else None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr in ("insert", "append") and node.args \
            and _ast_dotted(node.func.value) == "sys.path":
        value = node.args[-1]
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value
    return None


# A ``sys.path`` entry computed from the module's own place (``osp.join(osp.dirname(__file__),
# "lib")``) is kept as this prefix and the path relative to the module's directory.
FILE_RELATIVE = "<file>/"
# How deep a path expression is followed through names (``lib_path = osp.join(this_dir, "lib")``).
_PATH_DEPTH = 16


def _ast_computed_sys_paths(tree: ast.Module) -> list[str]:
    """The directories a module puts on ``sys.path`` with a path it computes at its top level, read
    relative to the module's own directory: ``sys.path.insert(0, osp.join(osp.dirname(__file__),
    "lib"))`` gives ``FILE_RELATIVE + "lib"``; also through module-level names bound once (``this_dir =
    osp.dirname(__file__)``, ``lib_path = osp.join(this_dir, "..", "lib")``) and through a
    module-level helper that inserts its parameter (py-faster-rcnn's ``_init_paths.py``:
    ``def add_path(path): if path not in sys.path: sys.path.insert(0, path)``, ``add_path(lib_path)``).
    ``os.path.join`` / ``dirname`` / ``abspath`` / ``realpath`` / ``normpath``, ``str()``,
    ``pathlib.Path(__file__).resolve().parent / "lib"`` are understood; anything else gives
    nothing. String literals are :func:`_ast_sys_path_entry`'s."""
    bound: dict[str, list[ast.expr]] = {}
    functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
    top: list[ast.stmt] = []
    stack: list[ast.stmt] = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.setdefault(node.name, []).append(node)
            continue
        if isinstance(node, ast.ClassDef):
            continue
        top.append(node)
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            bound.setdefault(node.targets[0].id, []).append(node.value)
        # the statements of its blocks (not of handlers or match cases), in source order: the
        # fields that hold statements, as ast.iter_child_nodes gives them
        blocks = [child for name in _TOP_BLOCK_FIELDS for child in getattr(node, name, None) or ()]
        stack.extend(reversed(blocks))
    # Only a top-level call of ``sys.path.insert``/``append`` or of a module function can put a
    # path on ``sys.path``: most modules have neither, and walking every function (and the whole
    # tree for ``__file__``) only to learn so was a few percent of a lint of torch's sources.
    calls = [node.value for node in top if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)]
    inserts = any(_ast_sys_path_call(call) for call in calls)
    helpers: dict[str, int] = {}  # a function that inserts its parameter -> the parameter's position
    for name in {call.func.id for call in calls if isinstance(call.func, ast.Name) and call.func.id in functions}:
        for function in functions[name]:
            params = [a.arg for a in function.args.args]
            for inner in ast.walk(function):
                if isinstance(inner, ast.Call) and _ast_sys_path_call(inner) \
                        and isinstance(inner.args[-1], ast.Name) and inner.args[-1].id in params:
                    helpers[name] = params.index(inner.args[-1].id)
    if not inserts and not helpers:
        return []
    aliases = _ast_path_aliases(tree)
    if not aliases and "__file__" not in {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}:
        return []
    found: list[str] = []
    for node in top:
        if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
            continue
        call = node.value
        if _ast_sys_path_call(call):
            value = call.args[-1]
        elif isinstance(call.func, ast.Name) and call.func.id in helpers and len(call.args) > helpers[call.func.id]:
            value = call.args[helpers[call.func.id]]
        else:
            continue
        if isinstance(value, ast.Constant):
            continue  # a literal: :func:`_ast_sys_path_entry`
        path = _ast_path(value, aliases, bound, 0)
        if path is not None and path.startswith("<file>"):
            entry = FILE_RELATIVE + os.path.normpath(path[len("<file>"):].lstrip("/") or ".")
            if entry not in found:
                found.append(entry)
    return found


# The fields of CPython's statement nodes that hold statements, handlers and match cases aside.
_TOP_BLOCK_FIELDS = ("body", "orelse", "finalbody")


def _ast_sys_path_call(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr in ("insert", "append") \
        and bool(call.args) and _ast_dotted(call.func.value) == "sys.path"


def _ast_path_aliases(tree: ast.Module) -> dict[str, str]:
    """Local names of ``os``, ``os.path``, ``pathlib`` and their functions (``osp``, ``join``)."""
    aliases: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in ("os", "os.path", "pathlib"):
                    aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module in ("os", "os.path", "pathlib") and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _ast_path(node: ast.expr, aliases: dict[str, str], bound: dict[str, list[ast.expr]],
              depth: int) -> str | None:
    """The path ``node`` computes, as ``"<file>/rel/parts"`` when it starts at the module's own
    directory (``dirname(__file__)``), a plain string for a literal part; None when unknown."""
    if depth > _PATH_DEPTH:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        if node.id == "__file__":
            return "<file>/<name>"
        values = bound.get(node.id)
        return _ast_path(values[0], aliases, bound, depth + 1) if values and len(values) == 1 else None
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        inner = _ast_path(node.value, aliases, bound, depth + 1)
        return _parent_of(inner)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left = _ast_path(node.left, aliases, bound, depth + 1)
        right = _ast_path(node.right, aliases, bound, depth + 1)
        return _joined([left, right])
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    func = node.func
    dotted = _ast_dotted(func)
    if dotted is None:
        if isinstance(func, ast.Attribute) and func.attr in ("resolve", "absolute") and not node.args:
            return _ast_path(func.value, aliases, bound, depth + 1)
        return None
    head, _, rest = dotted.partition(".")
    qualified = (aliases[head] + ("." + rest if rest else "")) if head in aliases else dotted
    args = node.args
    if qualified in ("str", "os.fspath", "pathlib.Path", "pathlib.PurePath") and len(args) == 1:
        return _ast_path(args[0], aliases, bound, depth + 1)
    if qualified in ("os.path.abspath", "os.path.realpath", "os.path.normpath") and len(args) == 1:
        return _ast_path(args[0], aliases, bound, depth + 1)
    if qualified == "os.path.dirname" and len(args) == 1:
        return _parent_of(_ast_path(args[0], aliases, bound, depth + 1))
    if qualified in ("os.path.join", "pathlib.Path", "pathlib.PurePath") and args:
        return _joined([_ast_path(a, aliases, bound, depth + 1) for a in args])
    if isinstance(func, ast.Attribute) and func.attr in ("resolve", "absolute") and not args:
        return _ast_path(func.value, aliases, bound, depth + 1)
    return None


def _parent_of(path: str | None) -> str | None:
    if path is None or not path.startswith("<file>"):
        return None  # the parent of a path relative to the working directory: not followed
    if path == "<file>/<name>":
        return "<file>"
    return path + "/.."


def _joined(parts: list[str | None]) -> str | None:
    if not parts or any(p is None for p in parts) or not parts[0].startswith("<file>"):
        return None
    if any(os.path.isabs(p) or p.startswith("<file>") for p in parts[1:]):
        return None
    return "/".join(parts)


def _ast_dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _training_names(defs: list[tuple[str, set[str], int]]) -> frozenset[str]:
    """The names of the functions of the module (methods and nested functions too) that may
    back-propagate or step an optimizer, as ``Regions.training_functions`` tells them: a function
    whose code (nested functions and lambdas included) calls a method or name ``backward``,
    ``manual_backward`` or ``step``, or calls a name or method named like such a function, to a
    fixed point. ``Regions`` resolves a call only to a function of that name, so a function
    whose name is not here does not train; all functions of one name count as one. ``defs``: each
    function's name, the names its own code calls, and the index of the function it is nested in
    (-1 for none), an enclosing function before the functions nested in it."""
    for name, names, parent in reversed(defs):  # a function's code holds its nested functions'
        if parent >= 0:
            defs[parent][1].update(names)
    called: dict[str, set[str]] = {}  # function name -> names its code calls
    for name, names, _parent in defs:
        called.setdefault(name, set()).update(names)
    callers: dict[str, list[str]] = {}  # name called -> the functions that call it
    for name, names in called.items():
        for callee in names:
            callers.setdefault(callee, []).append(name)
    todo = [name for name, names in called.items() if not _TRAINING_METHODS.isdisjoint(names)]
    found = set(todo)
    while todo:
        for caller in callers.get(todo.pop(), ()):
            if caller not in found:
                found.add(caller)
                todo.append(caller)
    return frozenset(found)


class CallNames:
    """The calls of a module, read with CPython's parser: the dotted names called (``f``,
    ``utils.evaluate``) and the attribute names called (``x.step``), with the module's imports.
    :func:`find_callers` asks it whether a module may call a name before parsing it with libcst:
    most modules that mention a name do not call it through an import of its module, and the
    libcst parse of each was most of the time of a search of a project's callers."""

    __slots__ = ("dotted", "attributes", "outline", "may_train", "training_names")

    def __init__(self, dotted: frozenset[str], attributes: frozenset[str], outline: ClassOutline,
                 may_train: bool = True, training_names: frozenset[str] | None = None) -> None:
        self.dotted = dotted
        self.attributes = attributes
        self.outline = outline
        # Some call may be a backward or an optimizer step, as ``Regions`` tells them: a method
        # ``backward``/``manual_backward``/``step``, or a name an import (a star import too) may
        # bind to ``torch.autograd.backward``.
        self.may_train = may_train
        # The names of the functions (at any depth) that may train, when told: see _training_names
        self.training_names = training_names

    @classmethod
    def of_ast(cls, path: Path, tree: ast.Module, outline: ClassOutline | None = None) -> "CallNames":
        dotted: set[str] = set()
        attributes: set[str] = set()
        call, attribute, name_node = ast.Call, ast.Attribute, ast.Name
        function, async_function = ast.FunctionDef, ast.AsyncFunctionDef
        imports_backward = False
        # each function: (name, the names its own code calls, the function it is nested in)
        defs: list[tuple[str, set[str], int]] = []
        stack: list[tuple[ast.AST, int]] = [(tree, -1)]
        push, node_type = stack.append, ast.AST
        while stack:
            node, owner = stack.pop()
            kind = type(node)
            if kind is call:
                func = node.func
                if type(func) is attribute:
                    attributes.add(func.attr)
                    if owner >= 0:
                        defs[owner][1].add(func.attr)
                elif type(func) is name_node and owner >= 0:
                    defs[owner][1].add(func.id)
                name = _ast_dotted(func)
                if name is not None:
                    dotted.add(name)
            elif kind is ast.alias:
                imported = node.name
                imports_backward = imports_backward or imported in ("*", "backward") \
                    or imported.endswith(".backward")
            elif kind is function or kind is async_function:
                defs.append((node.name, set(), owner))
                owner = len(defs) - 1
            # ast.iter_child_nodes inlined (as in engine._nesting): its generators were half of
            # this walk's time, over every project module a lint consults
            for field in node._fields:
                value = getattr(node, field, None)
                if isinstance(value, node_type):
                    push((value, owner))
                elif type(value) is list:
                    for item in value:
                        if isinstance(item, node_type):
                            push((item, owner))
        may_train = imports_backward or not _TRAINING_METHODS.isdisjoint(attributes) or "backward" in dotted
        # with a name imported for ``torch.autograd.backward`` any call may be one: not told
        training_names = None if imports_backward else _training_names(defs) if may_train else frozenset()
        if outline is None:
            outline = ClassOutline.of_ast(path, tree)
        return cls(frozenset(dotted), frozenset(attributes), outline, may_train, training_names)

    def may_call(self, name: str, method: bool, me: Path) -> bool:
        """False when no call of the module is ``x.name(...)`` (a ``method``) or, for a function,
        a name that its imports resolve to ``name`` of the module at ``me``; each dotted name
        called is resolved, as :func:`find_callers` resolves libcst's calls (the same modules
        are consulted on the way)."""
        if method:
            return name in self.attributes
        imports = self.outline.project_imports()
        found = False
        for dotted in sorted(self.dotted):
            target = imports.target(dotted)
            if target is not None and target.attribute == name and target.path.resolve() == me:
                found = True
        return found


class _Parsed:
    __slots__ = ("stamp", "ctx", "digest")

    def __init__(self, stamp: tuple[int, int], ctx: "FileContext | None", digest: str) -> None:
        self.stamp = stamp
        self.ctx = ctx
        self.digest = digest


class ProjectView:
    """Parsed modules of the projects being linted, shared by every file this process lints."""

    def __init__(self) -> None:
        self._modules: OrderedDict[Path, _Parsed] = OrderedDict()
        # path -> (stamp, top-level class -> written bases, sha256, plain classes): see _outline
        self._outlines: OrderedDict[Path, tuple[tuple[int, int], dict[str, str | None], str, frozenset[str],
                                                frozenset[str]]] \
            = OrderedDict()
        # path -> (stamp, class outline or None, sha256): see class_outline
        self._class_outlines: OrderedDict[Path, tuple[tuple[int, int], ClassOutline | None, str]] = OrderedDict()
        # path -> (stamp, the calls of the module or None): see may_call
        self._calls: OrderedDict[Path, tuple[tuple[int, int], CallNames | None]] = OrderedDict()
        # The last few modules' text and CPython tree: a module's outline, its call names and its
        # libcst context are asked for one after another, each of which began with a read and a
        # CPython parse of its own (three syntax checks of one module, 8% of a cold lint).
        self._python: OrderedDict[Path, tuple[tuple[int, int], tuple[str | None, "ast.Module | None", str]]] = OrderedDict()
        self.depth = 0  # files being analysed for a summary, one inside another
        # counts the files begun: what is read of the project's files may be kept for the lint of
        # one file (whose consulted files are recorded once), and is looked at again for the next
        self.generation = 0
        # the project files consulted since :meth:`begin_file` (path -> sha256 of their bytes),
        # stored with a file's cached findings: a change to any of them is a cache miss
        self._consulted: dict[str, str] = {}
        self._files: dict[tuple[Path, str], list[Path] | None] = {}
        # path -> (stamp, bytes, sha256): see mentions
        self._texts: OrderedDict[Path, tuple[tuple[int, int], bytes, str]] = OrderedDict()
        self._text_bytes = 0

    def begin_file(self) -> None:
        self._consulted = {}
        self.generation += 1

    def consult(self, path: Path, digest: str) -> None:
        """Record a project file read outside this view (its sha256, "" when unreadable)."""
        self._consulted.setdefault(str(path), digest)

    def consulted_files(self) -> list[tuple[str, str]]:
        return sorted(self._consulted.items())

    def context(self, path: Path) -> "FileContext | None":
        """The analysis context of the project module at ``path`` (parsed once per change of the
        file), or None when it cannot be read or parsed."""
        try:
            stat = path.stat()
        except OSError:
            self._consulted[str(path)] = ""
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        found = self._modules.get(path)
        if found is not None and found.stamp == stamp:
            self._modules.move_to_end(path)
            self._consulted[str(path)] = found.digest
            return found.ctx
        ctx, digest = (None, "") if stat.st_size > MAX_MODULE_BYTES else _parse(path, self._read(path, stamp))
        self._modules[path] = _Parsed(stamp, ctx, digest)
        self._consulted[str(path)] = digest
        while len(self._modules) > MAX_CACHED_MODULES:
            self._modules.popitem(last=False)
        return ctx

    def class_outline(self, path: Path) -> ClassOutline | None:
        """The :class:`ClassOutline` of the module at ``path`` (read once per change of the file),
        or None when it cannot be read or parsed. The file counts as consulted."""
        try:
            stat = path.stat()
        except OSError:
            self._consulted[str(path)] = ""
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        found = self._class_outlines.get(path)
        if found is not None and found[0] == stamp:
            self._class_outlines.move_to_end(path)
            self._consulted[str(path)] = found[2]
            return found[1]
        outline, digest = (None, "") if stat.st_size > MAX_MODULE_BYTES else self._read_outline(path, stamp)
        self._class_outlines[path] = (stamp, outline, digest)
        self._consulted[str(path)] = digest
        while len(self._class_outlines) > MAX_OUTLINES:
            self._class_outlines.popitem(last=False)
        return outline

    def _read(self, path: Path, stamp: tuple[int, int]) -> tuple[str | None, "ast.Module | None", str]:
        """:func:`_read_python` of the module at ``path``, kept for the next few questions about it
        while its stamp holds."""
        found = self._python.get(path)
        if found is not None and found[0] == stamp:
            self._python.move_to_end(path)
            return found[1]
        read = _read_python(path)
        self._python[path] = (stamp, read)
        while len(self._python) > MAX_READ_MODULES:
            self._python.popitem(last=False)
        return read

    def _read_outline(self, path: Path, stamp: tuple[int, int]) -> tuple[ClassOutline | None, str]:
        source, tree, digest = self._read(path, stamp)
        if source is None:
            return None, digest
        if tree is None:  # syntax newer than this Python: libcst reads it, or nothing does
            ctx = self.context(path)
            return (None if ctx is None else ClassOutline.of_context(path, ctx)), digest
        return ClassOutline.of_ast(path, tree), digest

    def may_call(self, path: Path, name: str, method: bool, me: Path) -> bool:
        """False when the module at ``path`` certainly has no call that :func:`find_callers`
        would report (read once per change of the file with CPython's parser, see
        :class:`CallNames`); True when it may, or cannot be read that way (libcst decides)."""
        calls = self._call_names(path)
        return calls is None or calls.may_call(name, method, me)

    def may_call_by_import(self, path: Path, name: str, me: Path) -> bool:
        """False when the module at ``path`` certainly has no call whose callee its imports (not a
        star import) resolve to the function ``name`` of the module at ``me``: :meth:`may_call`,
        and True for a module with any ``from m import *`` (a star import may give the name)."""
        calls = self._call_names(path)
        if calls is None or any(names is None for _level, _module, names in calls.outline.records.froms):
            return True
        return calls.may_call(name, False, me)

    def may_train_function(self, path: Path, name: str) -> bool:
        """False when no function called ``name`` of the module at ``path`` can back-propagate or
        step an optimizer, itself or through the module's functions it calls (``Regions.trains``
        is False for each): none of the module's calls is ``x.backward()``, ``x.manual_backward()``,
        ``x.step()`` or a name that may stand for ``torch.autograd.backward`` (``CallNames.may_train``),
        or none is reached from a function of that name (:func:`_training_names`). Read with
        CPython's parser (cached, see :class:`CallNames`): most project modules that a file hands a
        model to never train it, and parsing them with libcst only to find no training step there
        was a tenth of a lint of torch's sources; a module with a step somewhere (torch's
        ``_inductor/utils.py``) need not be parsed either to ask about its other functions."""
        calls = self._call_names(path)
        return calls is None or calls.training_names is None or name in calls.training_names

    def _call_names(self, path: Path) -> "CallNames | None":
        try:
            stat = path.stat()
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        found = self._calls.get(path)
        if found is not None and found[0] == stamp:
            self._calls.move_to_end(path)
            calls = found[1]
        else:
            calls = None
            if stat.st_size <= MAX_MODULE_BYTES:
                source, tree, digest = self._read(path, stamp)
                if source is not None and tree is not None:
                    # the module's class outline when it is already known (a second walk of the
                    # tree otherwise); asking for it here does not make the file consulted
                    found_outline = self._class_outlines.get(path)
                    if found_outline is None or found_outline[0] != stamp:
                        found_outline = (stamp, ClassOutline.of_ast(path, tree), digest)
                        self._class_outlines[path] = found_outline
                        while len(self._class_outlines) > MAX_OUTLINES:
                            self._class_outlines.popitem(last=False)
                    calls = CallNames.of_ast(path, tree, found_outline[1])
            self._calls[path] = (stamp, calls)
            while len(self._calls) > MAX_OUTLINES:
                self._calls.popitem(last=False)
        return calls

    def holds_context(self, path: Path, ctx: "FileContext") -> bool:
        """``ctx`` is the context this view holds for the module at ``path``."""
        found = self._modules.get(path)
        return found is not None and found.ctx is ctx

    def _outline(self, path: Path) -> dict[str, str | None] | None:
        """Top-level class name -> its base list as written ("" for none; None when it is not
        written plainly or the name is defined twice), read from the text without a parse: most
        names a file imports from its project are functions and constants, and parsing every
        module they come from only to find no class there was most of the time of a lint of a
        large package (torch) whose files import one another. None when the file cannot be read.
        The file counts as consulted (a class added there later changes the cached findings)."""
        try:
            stat = path.stat()
        except OSError:
            self._consulted[str(path)] = ""
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        found = self._outlines.get(path)
        if found is None or found[0] != stamp:
            try:
                read: bytes | None = path.read_bytes() if stat.st_size <= MAX_MODULE_BYTES else None
            except OSError:
                read = None
            data = read or b""
            text = "\n" + data.decode("utf-8", errors="replace")  # see _TOP_CLASS
            defined = Counter(_TOP_CLASS.findall(text))
            bases: dict[str, str | None] = dict.fromkeys(defined)
            for name, written in _TOP_CLASS_BASES.findall(text):
                if defined[name] == 1:
                    bases[name] = written
            # an empty file has the sha256 of no bytes, as the result cache computes it
            found = (stamp, bases, hashlib.sha256(read).hexdigest() if read is not None else "", _plain_classes(bases),
                     _reexported(text), frozenset(_TOP_DEF.findall(text)))
            self._outlines[path] = found
            while len(self._outlines) > MAX_OUTLINES:
                self._outlines.popitem(last=False)
        self._consulted[str(path)] = found[2]
        return found[1]

    def may_define_function(self, path: Path, name: str) -> bool:
        """False when the module at ``path`` certainly defines no top-level function ``name``
        (no ``def name`` at the start of a line): most calls of imported names that an analysis
        follows are of classes or of other modules' re-exports, and parsing the module only to
        find no function there cost a tenth of a lint of torch's sources."""
        return self._outline(path) is not None and name in self._outlines[path][5]

    def may_define_class(self, path: Path, name: str) -> bool:
        """False when the module at ``path`` certainly defines no top-level class ``name``.
        Matches inside strings only make the answer "maybe", which is safe for a gate."""
        outline = self._outline(path)
        return outline is not None and name in outline

    def may_be_subclass(self, path: Path, name: str) -> bool:
        """False when the top-level class ``name`` of ``path`` certainly has no base but
        ``object`` and classes of its own module that have none either (a plain class, a
        ``metaclass=`` keyword only): such a class is no ``nn.Module``, and its module need not
        be parsed to say so."""
        outline = self._outline(path)
        return outline is not None and name in outline and name not in self._outlines[path][3]

    def reexport(self, path: Path, name: str) -> "Target | None":
        """Where the module at ``path`` takes ``name`` from, when its only top-level binding of it
        is a ``from ... import`` of a project module (``from .model import Net`` in a package's
        ``__init__.py``); None otherwise. Read from the module's :class:`ClassOutline` (CPython's
        parser, cached): a libcst parse of every package ``__init__.py`` a name passes through
        cost more than the rest of the cross-module look-ups together."""
        if self._outline(path) is None or name not in self._outlines[path][4]:
            return None
        outline = self.class_outline(path)
        if outline is None:
            return None
        imports = outline.project_imports()
        found = imports.names.get(name)
        return None if found is None or (found.path == path and found.attribute == name) else found

    def clear(self) -> None:
        self._modules.clear()
        self._outlines.clear()
        self._class_outlines.clear()
        self._calls.clear()
        self._python.clear()
        self._files.clear()
        self._texts.clear()
        self._text_bytes = 0

    def files(self, root: Path, suffix: str = ".py") -> list[Path] | None:
        """The files under ``root`` whose names end with ``suffix`` (``.py``; ``.ipynb``), in path
        order (hidden, virtual-environment and build folders left out); None when there are more
        than :data:`MAX_PROJECT_FILES`."""
        key = (root, suffix)
        if key in self._files:
            return self._files[key]
        found: list[Path] | None = []
        seen = 0
        for directory, folders, names in os.walk(root):
            folders[:] = sorted(f for f in folders if not f.startswith(".") and f not in _SKIPPED_DIRS)
            seen += len(names) + len(folders)
            found.extend(Path(directory) / n for n in names if n.endswith(suffix))
            if len(found) > MAX_PROJECT_FILES or seen > 20 * MAX_PROJECT_FILES:
                found = None
                break
        if found is not None:
            found.sort()
        self._files[key] = found
        return found

    def mentions(self, path: Path, word: str) -> bool:
        """The file at ``path`` holds ``word`` (a cheap test before parsing it). The file counts
        as consulted: a call of ``word`` added there later must change the cached findings."""
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            found = self._texts.get(path)
            if found is None or found[0] != stamp:
                data = path.read_bytes() if stat.st_size <= MAX_MODULE_BYTES else b""
                found = self._keep_text(path, stamp, data)
            else:
                self._texts.move_to_end(path)
        except OSError:
            self._consulted[str(path)] = ""
            return False
        self._consulted.setdefault(str(path), found[2])
        return word.encode() in found[1]

    def exported_names(self, path: Path) -> frozenset[str] | None:
        """The names ``from m import *`` of the module at ``path`` gives when its ``__all__`` says
        so plainly: one top-level ``__all__ = [...]`` (or a tuple) of string literals, the only
        place its text names ``__all__`` (no ``+=``, ``append`` or computed list). None when the
        module has no ``__all__`` or one written any other way. The file counts as consulted."""
        if not self.mentions(path, "__all__"):
            return None
        found = self._texts.get(path)
        if found is None or found[1].count(b"__all__") != 1:
            return None
        source, tree, _digest = self._read(path, found[0])
        if tree is None:
            return None
        for statement in tree.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
                    and isinstance(statement.targets[0], ast.Name) and statement.targets[0].id == "__all__" \
                    and isinstance(statement.value, (ast.List, ast.Tuple)) \
                    and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in statement.value.elts):
                return frozenset(e.value for e in statement.value.elts)
        return None

    def text(self, path: Path, limit: int) -> str | None:
        """The text of the file at ``path`` (a configuration file the code may load), read once per
        change and counted as consulted; None when it cannot be read or is over ``limit`` bytes."""
        try:
            if path.stat().st_size > min(limit, MAX_MODULE_BYTES):
                self.consult(path, "")
                return None
        except OSError:
            self._consulted[str(path)] = ""
            return None
        self.mentions(path, "")
        found = self._texts.get(path)
        return found[1].decode("utf-8", "replace") if found is not None else None

    def _keep_text(self, path: Path, stamp: tuple[int, int], data: bytes) -> tuple[tuple[int, int], bytes, str]:
        """Keep a file's bytes and sha256 for :meth:`mentions` (asked of the same files for many
        words, by every file linted: reading each again was a fiftieth of a lint of torch's
        sources), the least recently used dropped beyond :data:`MAX_TEXT_BYTES` in all."""
        old = self._texts.pop(path, None)
        if old is not None:
            self._text_bytes -= len(old[1])
        found = (stamp, data, hashlib.sha256(data).hexdigest())
        self._texts[path] = found
        self._text_bytes += len(data)
        while self._text_bytes > MAX_TEXT_BYTES and len(self._texts) > 1:
            self._text_bytes -= len(self._texts.popitem(last=False)[1][1])
        return found


def _read_python(path: Path) -> tuple[str | None, "ast.Module | None", str]:
    """The module's text, CPython's tree of it (None for syntax newer than this Python) and the
    sha256 of its bytes ("" when unreadable); no text when it cannot be read or decoded or the
    syntax check rejects it (which also keeps libcst's parser away from what would crash it)."""
    from dllint.engine import DecodeError, _python_syntax_error, decode_source, python3_reading

    try:
        data = path.read_bytes()
    except OSError:
        return None, None, ""
    digest = hashlib.sha256(data).hexdigest()
    try:
        source = decode_source(data)
    except DecodeError:
        return None, None, digest
    rejected, tree = _python_syntax_error(str(path), source)
    if rejected is not None:
        legacy = python3_reading(str(path), source)  # print statements as calls, async= as a name
        if legacy is None:
            return None, None, digest
        source, tree = legacy
    return source, tree, digest


def _parse(path: Path, read: tuple[str | None, "ast.Module | None", str]) -> tuple["FileContext | None", str]:
    """The module's context (None when it cannot be read or parsed) and the sha256 of its bytes,
    from :func:`_read_python`'s ``read`` of it."""
    from dllint.context import FileContext

    source, tree, digest = read
    if source is None:
        return None, digest
    from dllint.engine import _python_syntax_error, parse_as_python_reads

    try:
        module, text = parse_as_python_reads(source)
    except (cst.ParserSyntaxError, RecursionError, MemoryError, ValueError):
        return None, digest
    if text is not source:  # tabs expanded: CPython's tree of the text the rules read
        tree = _python_syntax_error(str(path), text)[1]
    return FileContext(str(path), text, module, python_ast=tree), digest


PROJECT = ProjectView()


def _reexported(text: str) -> frozenset[str]:
    """The names that the module's text (after a newline put in front) binds at the top level
    only by ``from ... import``."""
    if "import" not in text:
        return frozenset()
    imported: Counter[str] = Counter()
    for listed in _TOP_FROM_IMPORT.findall(text):
        if not listed.startswith("("):
            listed = listed.split(";", 1)[0]
        listed = " ".join(line.split("#", 1)[0] for line in listed.strip("()").splitlines())
        for item in listed.split(","):
            words = item.split()
            if len(words) == 1 and words[0] != "*":
                imported[words[0]] += 1
            elif len(words) == 3 and words[1] == "as":
                imported[words[2]] += 1
    if not imported:
        return frozenset()
    bound = {name for groups in _TOP_BINDING.findall(text) for name in groups if name}
    return frozenset(name for name, count in imported.items()
                     if count == 1 and name not in bound and name.isidentifier())


def project_imports(ctx: "FileContext") -> ProjectImports | None:
    """The project imports of the file ``ctx`` lints (text from stdin counts as a file of the
    current directory); None when it is not a file on disk (a snippet in a test)."""
    found = ctx._analyses.get(ProjectImports)
    if found is None:
        path = Path(ctx.path)
        if ctx.path == "-":  # stdin: as if the text were a file of the current directory
            found = ProjectImports(Path.cwd().resolve() / "-", ctx.module, ctx.index)
        elif not ctx.path or not os.path.isfile(path):
            found = False
        else:
            found = ProjectImports(path.resolve(), ctx.module, ctx.index)
        ctx._analyses[ProjectImports] = found
    return found or None


def find_called(ctx: "FileContext", call: cst.Call, imports, receiver_class, *, training: bool = False
                ) -> tuple["FileContext", cst.FunctionDef, cst.ClassDef | None] | None:
    """:func:`find_definition` of what ``call`` calls in another module of the project: a name
    imported from it (``evaluate(model)``), or a method of the class that ``receiver_class(expr,
    call, imports)`` says the receiver is an instance of (``meter.update(loss)``). Each analysis
    passes its own receiver facts. With ``training``, only a function of a module that may train
    (:meth:`ProjectView.may_train_function`) is looked for: the caller asks whether it trains."""
    func = call.func
    dotted = dotted_name(func)
    target = imports.target(dotted) if dotted else None
    if target is None and isinstance(func, cst.Attribute):
        klass = receiver_class(func.value, call, imports)
        if klass is not None:
            target = Target(klass.path, f"{klass.attribute}.{func.attr.value}")
    if target is None:
        return None
    return find_definition(ctx, target, training=training)


def find_callers(ctx: "FileContext", name: str, method: bool, *, first: bool = False
                 ) -> list[tuple["FileContext", cst.Call]] | None:
    """Calls in the other modules of the project of the function ``name`` defined at the top of
    ``ctx``'s module (each resolved through its module's imports, as :func:`find_called` does), or,
    for a ``method``, every call ``x.name(...)`` (which class ``x`` is, the caller judges). None when
    the project is not known (a snippet) or too large to search. With ``first``, the calls of the
    first module (in path order) that has any: for a caller that asks only whether there are some,
    the modules after it are not parsed (a method as common as ``__init__`` is called in many)."""
    imports = project_imports(ctx)
    if imports is None or PROJECT.depth >= MAX_FILE_DEPTH:
        return None
    files = PROJECT.files(imports.root)
    if files is None:
        return None
    me = Path(ctx.path).resolve()
    out: list[tuple["FileContext", cst.Call]] = []
    for path in files:
        if path.resolve() == me or not PROJECT.mentions(path, name) \
                or not PROJECT.may_call(path, name, method, me):
            continue
        other = PROJECT.context(path)
        if other is None:
            continue
        other_imports = project_imports(other)
        for call in other.index.of_type(cst.Call):
            func = call.func
            if method:
                if isinstance(func, cst.Attribute) and func.attr.value == name:
                    out.append((other, call))
                continue
            dotted = dotted_name(func)
            target = other_imports.target(dotted) if dotted and other_imports is not None else None
            if target is not None and target.path.resolve() == me and target.attribute == name:
                out.append((other, call))
        if first and out:
            break
    return out


MAX_REACHED_MODULES = 256  # modules walked for :func:`import_path_between` before it answers "maybe"


def import_path_between(one: "FileContext", other: "FileContext") -> bool:
    """The modules of ``one`` and ``other`` lie on one path of project imports: either imports
    the other, directly or through modules it imports (star imports included). A module with no
    such path to a class's module is never handed one of its instances by the class's own code,
    and does not name it: a tutorial folder's ``utils.evaluate(agent)`` calls ``select_action`` of
    its own folder's agent, not of the one next door. True when it cannot be told (a snippet, more
    than :data:`MAX_REACHED_MODULES` modules to walk)."""
    a, b = Path(one.path).resolve(), Path(other.path).resolve()
    if a == b:
        return True
    return _reaches(one, b) is not False or _reaches(other, a) is not False


def _reaches(start: "FileContext", goal: Path) -> bool | None:
    """``goal`` is among the project modules that ``start`` imports, transitively; None when it
    cannot be told."""
    imports = project_imports(start)
    if imports is None:
        return None
    todo = sorted(_imported_paths(imports, ImportRecords.of_index(start.index)))
    seen = set(todo)
    while todo:
        path = todo.pop()
        if path == goal:
            return True
        if len(seen) > MAX_REACHED_MODULES:
            return None
        outline = PROJECT.class_outline(path)
        if outline is None:
            continue
        for found in sorted(_imported_paths(outline.project_imports(), outline.records)):
            if found not in seen:
                seen.add(found)
                todo.append(found)
    return False


def _imported_paths(imports: ProjectImports, records: ImportRecords) -> set[Path]:
    out = {target.path.resolve() for target in imports.names.values()}
    out.update(path.resolve() for path in imports.star_sources(records))
    return out


def subclass_assignments(ctx: "FileContext", klass: cst.ClassDef, attribute: str) -> list[cst.BaseExpression]:
    """The values that methods of the subclasses of ``klass`` (a top-level class of ``ctx``'s
    module) assign to ``self.<attribute>``, in this module and in the project's other modules (a
    base ``Model.train`` fits ``self.extraction_pipeline``, which each model of ``models/*.py``
    builds in its ``__init__``). A subclass is a class whose bases lead to ``klass`` through names
    of its module and imports of the project, at most :data:`MAX_FILE_DEPTH` modules away. Empty
    when none is found (the project unknown or too large counts as none)."""
    out: list[cst.BaseExpression] = []
    family = _subclasses_here(ctx, klass)
    for sub in family:
        if sub is not klass:
            out.extend(_self_assignments(sub, attribute))
    imports = project_imports(ctx)
    if imports is None or PROJECT.depth >= MAX_FILE_DEPTH:
        return out
    files = PROJECT.files(imports.root)
    if files is None:
        return out
    me = Path(ctx.path).resolve()
    names = {c.name.value for c in family}
    for path in files:
        if path.resolve() == me or not PROJECT.mentions(path, attribute):
            continue
        other = PROJECT.context(path)
        if other is None:
            continue
        for statement in other.module.body:
            if isinstance(statement, cst.ClassDef) and _derives(other, statement, me, names, 0):
                out.extend(_self_assignments(statement, attribute))
    return out


def _subclasses_here(ctx: "FileContext", klass: cst.ClassDef) -> list[cst.ClassDef]:
    """``klass`` and the top-level classes of its module that derive from it through names of the
    module (a fixpoint: a subclass of a subclass counts)."""
    family = [klass]
    classes = [s for s in ctx.module.body if isinstance(s, cst.ClassDef)]
    changed = True
    while changed:
        changed = False
        names = {c.name.value for c in family}
        for candidate in classes:
            if candidate not in family and any(
                    isinstance(b.value, cst.Name) and b.value.value in names for b in candidate.bases):
                family.append(candidate)
                changed = True
    return family


def _derives(ctx: "FileContext", klass: cst.ClassDef, path: Path, names: set[str], depth: int) -> bool:
    """A base of ``klass`` (in ``ctx``'s module) is one of the classes ``names`` of the module at
    ``path``, directly or through classes of this module and of other project modules."""
    if depth > MAX_FILE_DEPTH:
        return False
    imports = project_imports(ctx)
    here = Path(ctx.path).resolve()
    for base in klass.bases:
        dotted = dotted_name(base.value)
        if dotted is None or base.keyword is not None:
            continue
        local = _top_level(ctx.module, dotted) if "." not in dotted else None
        if isinstance(local, cst.ClassDef):
            if here == path and dotted in names:
                return True
            if local is not klass and _derives(ctx, local, path, names, depth + 1):
                return True
            continue
        target = imports.target(dotted) if imports is not None else None
        if target is None or not target.attribute or "." in target.attribute:
            continue
        if target.path.resolve() == path and target.attribute in names:
            return True
        found = find_class(ctx, target)
        other = PROJECT.context(target.path) if found is not None else None
        if found is not None and other is not None and _derives(other, found, path, names, depth + 1):
            return True
    return False


def _self_assignments(klass: cst.ClassDef, attribute: str) -> list[cst.BaseExpression]:
    """The values of ``self.<attribute> = value`` statements in the methods of ``klass``."""
    out: list[cst.BaseExpression] = []
    for statement in klass.body.body:
        if not isinstance(statement, cst.FunctionDef):
            continue
        for node in _assignments(statement):
            for target in node.targets:
                t = target.target
                if isinstance(t, cst.Attribute) and t.attr.value == attribute \
                        and isinstance(t.value, cst.Name) and t.value.value == "self":
                    out.append(node.value)
    return out


def _assignments(function: cst.FunctionDef) -> list[cst.Assign]:
    found: list[cst.Assign] = []

    class _Collect(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            found.append(node)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is function  # a nested function's ``self`` is not this one's

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

    function.visit(_Collect())
    return found


def find_definition(ctx: "FileContext", target: Target, *, training: bool = False
                    ) -> tuple["FileContext", cst.FunctionDef, cst.ClassDef | None] | None:
    """(context of the module, the function, its class or None) for a target naming a function
    (``evaluate``) or a method (``Net.val_start``) defined at the top of a project module; with
    ``training``, None for a module that certainly does not train (the module is not parsed)."""
    if PROJECT.depth >= MAX_FILE_DEPTH or not target.attribute:
        return None
    parts = target.attribute.split(".")
    if len(parts) > 2 or not (PROJECT.may_define_function(target.path, parts[0]) if len(parts) == 1
                              else PROJECT.may_define_class(target.path, parts[0])):
        return None
    if training and not PROJECT.may_train_function(target.path, parts[-1]):
        return None
    other = PROJECT.context(target.path)
    if other is None or other is ctx:
        return None
    defined = _top_level(other.module, parts[0])
    if len(parts) == 1:
        return (other, defined, None) if isinstance(defined, cst.FunctionDef) else None
    if not isinstance(defined, cst.ClassDef):
        return None
    for klass in _class_and_bases(other, defined):
        method = _top_level(klass, parts[1])
        if isinstance(method, cst.FunctionDef):
            return other, method, klass
    return None


def find_class(ctx: "FileContext", target: Target) -> cst.ClassDef | None:
    if not target.attribute or "." in target.attribute \
            or not PROJECT.may_define_class(target.path, target.attribute):
        return None
    other = PROJECT.context(target.path)
    if other is None:
        return None
    found = _top_level(other.module, target.attribute)
    return found if isinstance(found, cst.ClassDef) else None


MAX_SIBLINGS = 200  # a folder with more modules than this is not searched for a free name's class


def free_class(ctx: "FileContext", name: str) -> Target | None:
    """The project class that a plain ``name`` the file binds nowhere stands for (``model =
    fastText(config)`` in a script whose only project import is ``from utils import *``, and
    ``utils`` has no ``fastText``): the class a star import of a project module gives (the last
    one first, as at run time); else, when every star import of the file is of a project module
    that neither gives the name nor could give it unseen (no ``__all__``, no star import of its
    own), the one module of the file's own folder that defines a top-level class ``name`` (the
    script's folder is first on ``sys.path``: a ``from model import *`` is all it lacks). None
    when the file binds ``name`` anywhere (an import, an assignment, a parameter, a ``def`` or
    ``class``), when it may bind names unseen (``exec``, ``globals()``), when ``name`` is a
    builtin, and when no module or several modules of the folder define it."""
    import builtins

    from dllint.analysis.bindings import Bindings

    if not name.isidentifier() or name.startswith("_") or hasattr(builtins, name):
        return None
    star_exported = name in ctx.imports.star_exported
    if name in ctx.imports.aliases and not star_exported:
        return None
    imports = project_imports(ctx)
    if imports is None or name in imports.names:
        return None
    records = ImportRecords.of_index(ctx.index)
    imported = {asname or full.split(".")[0] for full, asname in records.imports}
    imported.update(asname or imported_name for _, _, names in records.froms if names
                    for imported_name, asname in names)
    if name in imported or ctx.analysis(Bindings).all_values(name):
        return None
    for node in ctx.index.of_type(cst.FunctionDef, cst.ClassDef):
        if node.name.value == name:
            return None
    for call in ctx.index.of_type(cst.Call):
        if isinstance(call.func, cst.Name) and call.func.value in ("exec", "globals"):
            return None
    stars = [entry for entry in records.froms if entry[2] is None]
    sources = imports.star_sources(records)
    if stars:
        found = imports.star_target(name, records)
        if found is not None or star_exported:
            # a name a star-imported module imports (``from jtnn_vae import JTNNVAE`` in
            # ``jtnn/__init__.py``, a Python 2 implicit relative import that the import map reads
            # as a library's): the project class it re-exports, or a library's name, not a sibling's
            return found
        if len(sources) != len(stars) or any(PROJECT.mentions(p, "__all__") or PROJECT.mentions(p, "import *")
                                             for p in sources):
            return None
    try:
        siblings = sorted(entry.name for entry in os.scandir(imports.path.parent)
                          if entry.name.endswith(".py") and entry.is_file())
    except OSError:
        return None
    if len(siblings) > MAX_SIBLINGS:
        return None
    defining = [imports.path.parent / sibling for sibling in siblings
                if sibling != imports.path.name
                and PROJECT.may_define_class(imports.path.parent / sibling, name)]
    return Target(defining[0], name) if len(defining) == 1 else None


def _plain_classes(bases: dict[str, str | None]) -> frozenset[str]:
    """The classes of an outline whose written bases are only ``object``, keywords
    (``metaclass=``) and other plain classes of the same outline. Linear in the outline (a class
    is plain once all its parents are), so a long chain of plain classes is known as plain and a
    hostile file cannot make it slow."""
    written = {name: {b.strip() for b in text.split(",") if b.strip() and "=" not in b} - {"object"}
               for name, text in bases.items() if text is not None}
    waiting: dict[str, int] = {}
    children: dict[str, list[str]] = {}
    ready: list[str] = []
    for name, parents in written.items():
        if name in parents or not parents <= written.keys():
            continue  # an imported or unreadable base: maybe a module
        waiting[name] = len(parents)
        for parent in parents:
            children.setdefault(parent, []).append(name)
        if not parents:
            ready.append(name)
    plain: set[str] = set()
    while ready:
        name = ready.pop()
        plain.add(name)
        for child in children.get(name, ()):
            if child in waiting:
                waiting[child] -= 1
                if waiting[child] == 0:
                    ready.append(child)
    return frozenset(plain)


def _top_level(scope: cst.Module | cst.ClassDef, name: str) -> cst.CSTNode | None:
    body = scope.body if isinstance(scope, cst.Module) else scope.body.body
    found = None
    for statement in body:  # the last definition wins, as at run time
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and statement.name.value == name:
            found = statement
    return found


def _class_and_bases(ctx: "FileContext", klass: cst.ClassDef) -> list[cst.ClassDef]:
    """The class and its bases defined in the same module (method resolution, simplified)."""
    out: list[cst.ClassDef] = []
    todo = [klass]
    while todo and len(out) < 16:
        current = todo.pop(0)
        if current in out:
            continue
        out.append(current)
        for base in current.bases:
            if isinstance(base.value, cst.Name):
                found = _top_level(ctx.module, base.value.value)
                if isinstance(found, cst.ClassDef):
                    todo.append(found)
    return out
