"""The closed world of models of the programs a file belongs to (issue 13, DL301/DL302).

A model that the mode analysis cannot follow to its definition (a parameter whose callers are not
all seen, an attribute, a factory's result, a class built from classes passed in) is ``UNKNOWN``:
it may have dropout or batch norm. But it is one of the models the program builds. The *world* of
a file is every module of the programs that hold it: the modules it imports (transitively), and for
each project module that imports it (transitively) the modules that one imports. A notebook, which
nothing imports, is a world with the modules it imports; a snippet (no file) is a world of one.

The world is *mode-free* when nothing in it can build or bring in a model whose two modes differ:

* no module's text names a mode-dependent layer or test (``dropout``, ``BatchNorm``,
  ``InstanceNorm``, ``batch_norm``, ``RReLU``, ``Transformer``, ``spectral_norm`` (its power
  iteration runs in training mode only), quantisation, ``.training``): a word in a comment is
  enough to keep the world open, which is safe; nor does a module class override ``train`` or
  ``eval`` with one that sets an attribute (a mode flag of its own that ``forward`` may read);
* no model arrives whole or from a library: no ``torchvision.models``, ``torch.hub``,
  ``torch.jit.load``, ``pickle``, ``joblib``, ``from_pretrained``, ``load_from_checkpoint``,
  ``timm`` ...; no ``torch.load`` whose result is used as anything but a state dict (passed to
  ``load_state_dict``, subscripted, ``.get``/``.keys``/``.items``);
* every imported package is the project's own, the standard library's, or one of
  :data:`NO_MODEL_PACKAGES` (torch itself, numpy, gym, matplotlib...): a third-party package may
  hand out a model (``segmentation_models_pytorch.Unet``);
* no module calls a name it neither defines nor imports (a star import of a library, a free name
  of a snippet: a factory whose layers are not visible), nor picks a class by a string at run time
  (``getattr(nn, name)``, ``models.__dict__[arch]``, ``importlib``, ``eval``);
* and the world is a program that builds a model: some module defines an ``nn.Module`` subclass
  or builds an ``nn`` layer (rewrapping a model it was given in ``nn.Sequential`` builds none),
  and some module runs code at its top level (a call, a loop, ``if __name__ == "__main__":``,
  a notebook). Modules of definitions only (a library: ``def evaluate(model, loader)``) get their
  models from their users, outside the world.

Then a model of unknown dependence there is mode-free (``Modes.mode_dependence``): the fact adds
evidence of NO, it never turns a known YES into anything else. The world is open (the fact says
nothing) when a module cannot be read or parsed, or the project is too large
(:data:`MAX_WORLD_FILES`). The answer is the same from a directory run or one file alone: each
file computes its own world from the files on disk, which count as consulted for the cache.
"""
from __future__ import annotations

import ast
import re
import sys
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from dllint.analysis.project import (MAX_MODULE_BYTES, PROJECT, ClassOutline, ImportRecords, _imported_paths,
                                     project_imports)

if TYPE_CHECKING:
    from dllint.context import FileContext

MAX_WORLD_FILES = 64  # a world larger than this is a library, not a program: open
# Words that name a layer or test whose result depends on the mode (case as written in torch).
_MODE_WORDS = re.compile(r"dropout|Dropout|BatchNorm|batch_norm|InstanceNorm|instance_norm|\.training\b"
                         r"|\btraining\s*=|RReLU|rrelu|Transformer|spectral_norm|quantiz")
# Ways a model comes from a library or arrives whole.
_OPEN_WORDS = re.compile(r"torchvision\.models|from\s+torchvision\s+import[^\n]*\bmodels\b|torch\.hub|hub\.load"
                         r"|jit\.load|pickle|joblib|dill\b|from_pretrained|load_from_checkpoint"
                         r"|create_model|__dict__|\btimm\b|transformers|importlib|__import__|(?<![.\w])eval\(|exec\(")
# Packages that hand out no module whose modes differ, beyond the standard library (torch's own
# layers are read by the words above).
NO_MODEL_PACKAGES = frozenset({
    "torch", "torchvision", "numpy", "scipy", "pandas", "matplotlib", "seaborn", "sklearn", "gym",
    "gymnasium", "tqdm", "PIL", "cv2", "yaml", "tensorboardX", "wandb", "IPython", "h5py", "imageio",
    "skimage", "plotly", "ipywidgets", "sympy", "networkx", "numba", "tabulate", "termcolor",
    # command lines, configuration, logging and environments: no layers
    "tyro", "absl", "fire", "click", "omegaconf", "easydict", "configargparse", "visdom", "tensorboard",
    "tensorboard_logger", "rich", "psutil", "requests", "pygame", "envpool", "ale_py", "mujoco",
})
_CONTAINERS = frozenset({"Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Parameter"})
_STATE_DICT_USES = frozenset({"get", "keys", "items", "values", "pop"})
_BUILTINS = frozenset(dir(__import__("builtins"))) | {"__file__", "__name__", "get_ipython", "display"}
# path -> (stamp, verdict): the per-module verdicts, read once per change of the file
_VERDICTS: OrderedDict[Path, tuple[tuple[int, int], "_Verdict"]] = OrderedDict()
MAX_VERDICTS = 4096
# path -> (the import records of its class outline, the project modules they import): see _module_paths
_PATHS: OrderedDict[Path, tuple[ImportRecords, frozenset[Path]]] = OrderedDict()
# root -> (ProjectView.files' list, each file with its resolved path): see _importers
_RESOLVED: OrderedDict[Path, tuple[list[Path], list[tuple[Path, Path]]]] = OrderedDict()


class _Verdict:
    """What one module contributes: ``closed`` (nothing in it builds or brings a model that could
    depend on the mode), ``builds`` (it defines a module class or builds an ``nn`` layer other
    than a container: ``nn.Sequential(*list(net.children()))`` only rewraps a model it was given)
    and ``runs`` (code at its top level: a script, not only definitions)."""

    __slots__ = ("closed", "builds", "runs")

    def __init__(self, closed: bool, builds: bool, runs: bool = False) -> None:
        self.closed = closed
        self.builds = builds
        self.runs = runs


class ModelWorld:
    """``mode_free``: the world of models of this file's programs is closed and mode-free."""

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        self._mode_free: bool | None = None

    @classmethod
    def compute(cls, ctx: "FileContext") -> "ModelWorld":
        return cls(ctx)

    @property
    def mode_free(self) -> bool:
        if self._mode_free is None:
            self._mode_free = self._compute()
        return self._mode_free

    def _compute(self) -> bool:
        ctx = self.ctx
        own = _module_verdict(ctx.source, lambda records: _own_project_resolves(ctx, records))
        if not own.closed:
            return False
        builds, runs = own.builds, own.runs or ctx.path.endswith(".ipynb")
        imports = project_imports(ctx)
        if imports is None:
            return builds and runs  # a snippet: a world of one
        me = Path(ctx.path).resolve()
        world = {me}
        # the modules this one imports first (cheap, and where most worlds open), then the
        # programs that import it, each with the modules it imports
        found = _walk(sorted(_module_paths(imports, ImportRecords.of_index(ctx.index))), world)
        if found is None:
            return False
        builds, runs = builds or found[0], runs or found[1]
        if me.suffix == ".py":
            importers = _importers(imports.root, me)
            if importers is None:
                return False
            found = _walk(sorted(importers), world)
            if found is None:
                return False
            builds, runs = builds or found[0], runs or found[1]
        return builds and runs


def _walk(todo: list[Path], world: set[Path]) -> tuple[bool, bool] | None:
    """Add to ``world`` the modules of ``todo`` and those they import, transitively: whether one
    builds a model and whether one runs code; None when one is not closed or the world grows past
    :data:`MAX_WORLD_FILES`."""
    builds = runs = False
    while todo:
        path = todo.pop()
        if path in world:
            continue
        world.add(path)
        if len(world) > MAX_WORLD_FILES:
            return None
        outline = PROJECT.class_outline(path)
        verdict = _file_verdict(path, outline)
        if verdict is None or not verdict.closed:
            return None
        builds, runs = builds or verdict.builds, runs or verdict.runs
        todo.extend(sorted(_module_paths(outline.project_imports(), outline.records, path) - world))
    return builds, runs


def _importers(root: Path, me: Path) -> set[Path] | None:
    """The project's ``.py`` modules that import ``me``, transitively (``me`` left out); None when
    the project is too large to search or the importers are too many. Only a module whose text
    holds the imported module's name is read (its class outline: CPython's parser, cached)."""
    files = PROJECT.files(root)
    if files is None:
        return None
    cached = _RESOLVED.get(root)
    if cached is None or cached[0] is not files:
        cached = (files, [(path, path.resolve()) for path in files])
        _RESOLVED[root] = cached
        while len(_RESOLVED) > 16:
            _RESOLVED.popitem(last=False)
    found: set[Path] = set()
    todo = [me]
    while todo:
        goal = todo.pop()
        word = goal.parent.name if goal.name == "__init__.py" else goal.stem
        for path, resolved in cached[1]:
            if resolved == me or resolved in found or not PROJECT.mentions(path, word):
                continue
            outline = PROJECT.class_outline(path)
            if outline is None:
                return None
            if goal in _module_paths(outline.project_imports(), outline.records, path):
                found.add(resolved)
                todo.append(resolved)
                if len(found) > MAX_WORLD_FILES:
                    return None
    return found


def _module_paths(imports, records: ImportRecords, path: Path | None = None) -> set[Path]:
    """The project modules that ``records`` import: each name's module, star imports, and every
    module of a dotted ``import a.b.c`` (``a``, ``a/b``, ``a/b/c``: the names map keeps ``a``).
    Kept per class outline of the module at ``path`` (a new outline when the file changes)."""
    if path is not None:
        kept = _PATHS.get(path)
        if kept is not None and kept[0] is records:
            return kept[1]
    out = _imported_paths(imports, records)
    for full, _asname in records.imports:
        parts = full.split(".")
        for end in range(2, len(parts) + 1):
            found = imports._absolute(".".join(parts[:end]))
            if found is not None:
                out.add(found.resolve())
    if path is not None:
        _PATHS[path] = (records, frozenset(out))
        while len(_PATHS) > MAX_VERDICTS:
            _PATHS.popitem(last=False)
    return out


def _file_verdict(path: Path, outline: ClassOutline | None) -> _Verdict | None:
    """The verdict of the project module at ``path`` (cached per change of the file); None when it
    cannot be read."""
    if outline is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    found = _VERDICTS.get(path)
    if found is not None and found[0] == stamp:
        _VERDICTS.move_to_end(path)
        return found[1]
    text = PROJECT.text(path, MAX_MODULE_BYTES)
    if text is None:
        return None
    imports = outline.project_imports()
    verdict = _module_verdict(text, lambda records: _resolves(imports, records))
    _VERDICTS[path] = (stamp, verdict)
    while len(_VERDICTS) > MAX_VERDICTS:
        _VERDICTS.popitem(last=False)
    return verdict


def _own_project_resolves(ctx: "FileContext", records: "list[tuple[int, str]]") -> bool:
    imports = project_imports(ctx)
    return imports is not None and _resolves(imports, records)


def _resolves(imports, records: "list[tuple[int, str]]") -> bool:
    """Every (level, module) of ``records`` is a project module or a package known to build no
    model (the standard library's, :data:`NO_MODEL_PACKAGES`)."""
    for level, module in records:
        if level or _known_package(module):
            continue
        if imports is None or imports._absolute(module.split(".")[0]) is None:
            return False
    return True


def _known_package(module: str) -> bool:
    head = module.split(".")[0]
    return head in NO_MODEL_PACKAGES or head in sys.stdlib_module_names


def _module_verdict(text: str, resolves) -> _Verdict:
    """The verdict of one module's code ``text``; ``resolves(records)`` says whether its imports
    other than known packages are the project's."""
    if _MODE_WORDS.search(text) or _OPEN_WORDS.search(text):
        return _Verdict(False, False)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _Verdict(False, False)
    records: list[tuple[int, str]] = []
    bound: set[str] = set()
    modules: set[str] = set()  # the names imports bind
    star = False
    builds = False
    loads: list[ast.Call] = []
    # torchvision hands out no model but through its ``models``, which _OPEN_WORDS finds as written;
    # under an alias (``import torchvision as tv``) the text reads ``tv.models``
    vision: set[str] = set()
    uses: dict[str, list[ast.AST]] = {}
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
        if isinstance(node, ast.Import):
            for alias in node.names:
                records.append((0, alias.name))
                modules.add(alias.asname or alias.name.split(".")[0])
                if alias.name == "torchvision" and alias.asname:
                    vision.add(alias.asname)
        elif isinstance(node, ast.ImportFrom):
            records.append((node.level or 0, node.module or ""))
            for alias in node.names:
                if alias.name == "*":
                    star = star or not (node.level or 0) and not _known_package(node.module or "")
                else:
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            if isinstance(node, ast.ClassDef) and any("Module" in ast.unparse(b) for b in node.bases):
                builds = True
                if any(isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and m.name in ("train", "eval")
                       and _sets_state(m) for m in node.body):
                    return _Verdict(False, True)  # a switch that keeps a mode flag of its own
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                bound.add(node.id)
            else:
                uses.setdefault(node.id, []).append(node)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
        elif isinstance(node, ast.Attribute) and node.attr == "models" and isinstance(node.value, ast.Name) \
                and node.value.id in vision:
            return _Verdict(False, builds, False)
        elif isinstance(node, ast.Call):
            func = node.func
            dotted = ast.unparse(func) if isinstance(func, (ast.Name, ast.Attribute)) else ""
            last = dotted.rsplit(".", 1)[-1]
            if dotted.startswith(("nn.", "torch.nn.")) and last[:1].isupper() and last not in _CONTAINERS:
                builds = True
            if dotted == "torch.load":
                loads.append(node)
    bound |= modules
    runs = any(_runs(statement) for statement in tree.body)
    if star or not _resolves_records(records, resolves):
        return _Verdict(False, builds, runs)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id not in bound and node.func.id not in _BUILTINS:
            return _Verdict(False, builds, runs)  # a factory no module of the world shows
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
                and len(node.args) >= 2 and not isinstance(node.args[1], ast.Constant) \
                and isinstance(node.args[0], (ast.Name, ast.Attribute)) \
                and ast.unparse(node.args[0]).split(".")[0] in modules:
            return _Verdict(False, builds, runs)  # getattr(nn, name)(): any layer a string names
    for call in loads:
        if not _state_dict_load(call, parents, uses):
            return _Verdict(False, builds, runs)
    return _Verdict(True, builds, runs)


def _sets_state(method: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The method sets an attribute (``self.deterministic = not mode``, ``setattr``): an override
    of ``train``/``eval`` that may keep the mode in a flag of its own, which ``forward`` may read.
    A ``train(self, loss)`` that steps an optimiser sets none (thirteenth audit, DN)."""
    for node in ast.walk(method):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        if any(isinstance(t, ast.Attribute) for t in targets):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
            return True
    return False


def _runs(statement: ast.stmt) -> bool:
    """A top-level statement of a script: a call, a loop, a ``with``, ``if __name__ ==
    "__main__":``. Definitions, imports and assignments are what a library's modules hold too
    (``device = torch.device("cuda")``, a table of constructors)."""
    if isinstance(statement, (ast.For, ast.While, ast.With)):
        return True
    if isinstance(statement, ast.If):
        return any(isinstance(n, ast.Name) and n.id == "__name__" for n in ast.walk(statement.test))
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)


def _resolves_records(records: "list[tuple[int, str]]", resolves) -> bool:
    unknown = [(level, module) for level, module in records if not level and not _known_package(module)]
    return not unknown or resolves(unknown)


def _state_dict_load(call: ast.Call, parents: dict, uses: dict) -> bool:
    """``torch.load(...)`` whose result is read only as a state dict: the argument of
    ``load_state_dict``, subscripted, or bound to a name that is only ever used that way."""
    holder = parents.get(call)
    if _state_dict_use(call, holder, parents):
        return True
    if isinstance(holder, ast.Assign) and len(holder.targets) == 1 and isinstance(holder.targets[0], ast.Name):
        name = holder.targets[0].id
        return all(_state_dict_use(use, parents.get(use), parents) for use in uses.get(name, []))
    return False


def _state_dict_use(node: ast.AST, holder: ast.AST | None, parents: dict) -> bool:
    if isinstance(holder, ast.Subscript) and holder.value is node:
        return True
    if isinstance(holder, ast.Attribute) and holder.value is node and holder.attr in _STATE_DICT_USES:
        return True
    if isinstance(holder, ast.Compare) and node in holder.comparators:
        return True  # "model" in checkpoint
    if isinstance(holder, ast.keyword):
        holder = parents.get(holder)
    return isinstance(holder, ast.Call) and isinstance(holder.func, ast.Attribute) \
        and holder.func.attr == "load_state_dict"
