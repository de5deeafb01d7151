"""Where a settings object comes from, across the project: the dictionary literals, command-line
parsers and configuration files that every path leading to ``args["weight_decay"]`` or
``opt.weight_decay`` starts from.

:func:`dllint.analysis.settings.setting_values` reads an option's default or a configuration
class's field when the file declares it. A settings object often comes from further away:

* a dictionary literal handed to a class's constructor (``SDT(learner_args)``, with
  ``learner_args = {..., 'weight_decay': 0.}`` in another module, kept as ``self.args``);
* the namespace a parsing function of another module returns (``opt = opts.parse_opt()``),
  handed on to a helper (``build_optimizer(params, opt)``) through parameters, ``self``
  attributes and constructors;
* a configuration file the code loads (``yaml.safe_load(f)``), when the key's values are those
  the project's configuration files give;
* an ml_collections configuration (``FLAGS.config`` of ``config_flags.DEFINE_config_file``, a
  ``ConfigDict()`` a ``get_config()`` builds), whose keys are what the project's configuration
  modules set (:func:`config_module_values`), a section read by attribute (``config.optim``) by
  the key alone;
* Lightning's ``self.hparams`` after ``self.save_hyperparameters(...)`` in ``__init__``: the object
  given, or ``__init__``'s arguments by name (:func:`saved_names`; what each construction passes:
  :func:`~dllint.analysis.callers.constructor_arguments`).

:func:`origins` follows an expression back through names (reaching definitions, the module-level
binding, a name imported from a project module), parameters (their default, or what every call
of the function in the project passes: :class:`~dllint.analysis.callers.ProjectCallers`, and
:func:`~dllint.analysis.callers.constructor_arguments` for ``__init__``), ``self.x`` attributes
(every binding in the class), ``vars(x)``, literal subscripts of dictionaries and calls of the
project's functions (what every ``return`` gives) to its :class:`Origin` s; nothing when one path
cannot be followed. :func:`keyed_values` gives a key's values at those origins, together with
every other writer the walk met: ``name["key"] = v``, ``ns.key = v``, ``setattr(ns, "key", v)``
in the modules it passed through, and, for a ``setattr(ns, k, v)`` or ``vars(ns).update(...)``
with a key that is not a literal next to a load of a file, the values that the project's
configuration files (``.yml``, ``.yaml``, ``.json``) give the key. Anything else that may write
the key (``d.update(...)``, a dynamic ``setattr`` with no file loaded, a ``**`` in the literal, a
key the literal lacks) leaves it untold.

Bounded: :data:`MAX_STEPS` expressions per walk, :data:`MAX_FILE_DEPTH` modules deep, at most
:data:`MAX_CONFIG_FILES` configuration files (more leave the key untold), each read once per
change through the project view, which records them as consulted for the result cache; a file
over :data:`MAX_CONFIG_BYTES` is data, not settings, and is not read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import libcst as cst

from dllint.analysis.bindings import Bindings
from dllint.analysis.calls import string
from dllint.analysis.imports import dotted_name
from dllint.analysis.name_reaching import NameReaching
from dllint.analysis.parameter_uses import parameter_for
from dllint.analysis.callers import ProjectCallers, constructor_arguments, init_of, owner_class
from dllint.analysis.project import MAX_FILE_DEPTH, PROJECT, find_definition, project_imports

if TYPE_CHECKING:
    from dllint.context import FileContext

MAX_STEPS = 48  # expressions one walk may visit
MAX_SITES = 16  # calls of one function whose arguments are followed
MAX_CONFIG_FILES = 400
MAX_CONFIG_BYTES = 1_000_000  # a larger .json is data (annotations, a vocabulary), not settings
CONFIG_SUFFIXES = (".yml", ".yaml", ".json")
# ``yaml.safe_load(f)``, ``json.load(f)``: a configuration file read whole
_FILE_LOADS = frozenset({"yaml.load", "yaml.safe_load", "yaml.full_load", "yaml.unsafe_load", "json.load"})
# origins whose sections (``cfg["train"]``, ``config.optim``) are read by their keys alone
_SECTIONED = frozenset({"file", "config module"})
# methods that write keys of a dictionary (or a namespace's __dict__) the walk cannot read
_DICT_WRITERS = frozenset({"update", "setdefault", "__setitem__", "pop", "popitem", "clear"})


@dataclass(frozen=True)
class Origin:
    """Where a settings object starts: ``kind`` is ``"dict"`` (``node`` a :class:`cst.Dict`),
    ``"namespace"`` (``node`` an argparse ``parse_args()`` call; its options are those its module
    declares), ``"file"`` (``node`` a call that loads a configuration file), ``"config module"``
    (``node`` a ``DEFINE_config_file`` or ``ConfigDict`` call: the project's configuration modules
    set its keys) or ``"arguments"`` (``node`` a ``self.save_hyperparameters()`` call: its
    ``__init__``'s arguments by name)."""

    ctx: "FileContext"
    kind: str
    node: cst.CSTNode


@dataclass
class Walk:
    """The origins of one expression and the names followed on the way (whose writes count)."""

    found: list[Origin] = field(default_factory=list)
    followed: list[tuple["FileContext", str]] = field(default_factory=list)
    steps: int = 0


def origins(ctx: "FileContext", expr: cst.BaseExpression) -> Walk | None:
    """The origins of the settings object ``expr`` (see the module's docstring); None when a path
    cannot be followed or none is found."""
    walk = Walk()
    if not _walk(walk, ctx, expr) or not walk.found:
        return None
    return walk


def _walk(walk: Walk, ctx: "FileContext", expr: cst.BaseExpression) -> bool:
    walk.steps += 1
    if walk.steps > MAX_STEPS:
        return False
    if isinstance(expr, cst.Dict):
        walk.found.append(Origin(ctx, "dict", expr))
        return True
    if isinstance(expr, cst.Call):
        return _call(walk, ctx, expr)
    if isinstance(expr, cst.Subscript):
        return _subscript(walk, ctx, expr)
    dotted = dotted_name(expr)
    if dotted is None:
        return False
    if isinstance(expr, cst.Name):
        walk.followed.append((ctx, dotted))
        return _name(walk, ctx, expr)
    if dotted.count(".") == 1 and dotted.startswith("self."):
        walk.followed.append((ctx, dotted))
        owner = ctx.index.enclosing(expr, cst.ClassDef)
        entries = ctx.analysis(Bindings).values.get((owner, dotted)) if owner is not None else None
        if not entries and dotted == "self.hparams" and owner is not None:
            return _saved_hyperparameters(walk, ctx, owner)
        return bool(entries) and all(value is not None and _walk(walk, ctx, value) for _, value in entries)
    if isinstance(expr, cst.Attribute):
        flag = _config_flag(ctx, expr)
        if flag is not None:
            walk.followed.append((ctx, dotted))
            walk.found.append(Origin(ctx, "config module", flag))
            return True
        return _section(walk, ctx, expr, dotted)
    return False


def _saved_hyperparameters(walk: Walk, ctx: "FileContext", klass: cst.ClassDef) -> bool:
    """``self.hparams`` of a Lightning module whose ``__init__`` calls ``self.save_hyperparameters``:
    the object it is given (``save_hyperparameters(args)``: a namespace or a dictionary), or, called
    with no object (nothing, names, ``ignore=``), the arguments of that ``__init__`` by name."""
    init = init_of(klass)
    if init is None:
        return False
    saves = [c for c in ctx.index.of_type(cst.Call) if ctx.index.function_of(c) is init
             and dotted_name(c.func) == "self.save_hyperparameters"]
    if len(saves) != 1:
        return False
    given = [a for a in saves[0].args if a.keyword is None]
    if any(a.star for a in given):
        return False
    objects = [a for a in given if string(a.value) is None]
    if len(objects) > 1 or (objects and len(given) > 1):
        return False
    if objects:
        return _walk(walk, ctx, objects[0].value)
    walk.found.append(Origin(ctx, "arguments", saves[0]))
    return True


def saved_names(ctx: "FileContext", save: cst.Call
                ) -> tuple[cst.FunctionDef, cst.ClassDef, frozenset[str] | None] | None:
    """For an ``"arguments"`` origin (a ``self.save_hyperparameters(...)`` call): the ``__init__``
    that makes it, its class, and the names it keeps (None: every argument)."""
    init = ctx.index.function_of(save)
    klass = ctx.index.enclosing(save, cst.ClassDef)
    if init is None or klass is None:
        return None
    names = [string(a.value) for a in save.args if a.keyword is None]
    if any(n is None for n in names):
        return None
    return init, klass, (frozenset(n for n in names if n) if names else None)


def _config_flag(ctx: "FileContext", expr: cst.Attribute) -> cst.Call | None:
    """``FLAGS.config`` where this module declares ``config_flags.DEFINE_config_file("config", ...)``
    (ml_collections): the ``ConfigDict`` that the ``get_config()`` of a configuration module of
    the project builds, the module named on the command line. The declaring call, else None."""
    base = dotted_name(expr.value)
    if base is None or base.rsplit(".", 1)[-1] != "FLAGS":
        return None
    for call in ctx.index.of_type(cst.Call):
        func = call.func
        if isinstance(func, (cst.Name, cst.Attribute)) \
                and (ctx.imports.qualify(func) or dotted_name(func) or "").endswith("config_flags.DEFINE_config_file") \
                and call.args and call.args[0].keyword is None and string(call.args[0].value) == expr.attr.value:
            return call
    return None


def section_of(ctx: "FileContext", base: cst.BaseExpression) -> str | None:
    """The section that ``base`` names when ``base.key`` is read (``optim`` for ``config.optim``),
    as :func:`origins` reads it; None for a settings object itself (a name, ``self.config``,
    ``FLAGS.config``)."""
    if not isinstance(base, cst.Attribute):
        return None
    dotted = dotted_name(base)
    if dotted is None or (dotted.count(".") == 1 and dotted.startswith("self.")) \
            or _config_flag(ctx, base) is not None:
        return None
    return base.attr.value


def _section(walk: Walk, ctx: "FileContext", expr: cst.Attribute, dotted: str) -> bool:
    """``config.optim``: a section of a configuration read by attribute; its keys are read by
    their names alone, as the project's configuration modules or files give them. Only for those
    origins: an attribute of a namespace or of a dictionary's entry is a value, not a section."""
    inner = Walk(steps=walk.steps)
    if not _walk(inner, ctx, expr.value):
        return False
    if not all(origin.kind in _SECTIONED for origin in inner.found):
        return False
    walk.steps = inner.steps
    walk.followed.extend(inner.followed)
    walk.followed.append((ctx, dotted))
    walk.found.extend(inner.found)
    return True


def _name(walk: Walk, ctx: "FileContext", expr: cst.Name) -> bool:
    name = expr.value
    reaching = ctx.analysis(NameReaching).values_at(expr, name)
    if reaching is not None:
        return all(value is not None and _walk(walk, ctx, value) for value in reaching)
    function = ctx.index.function_of(expr)
    if function is not None:
        params = function.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.name.value == name:
                if param.default is not None:
                    return _walk(walk, ctx, param.default)
                return _passed(walk, ctx, function, name)
    bound = ctx.analysis(Bindings).value_before(expr, name)
    if bound is not None:
        return _walk(walk, ctx, bound)
    # a name imported from a project module: its one module-level binding there
    imports = project_imports(ctx)
    target = imports.target(name) if imports is not None else None
    if target is None or not target.attribute or "." in target.attribute:
        return False
    if PROJECT.depth >= MAX_FILE_DEPTH:
        return False
    other = PROJECT.context(target.path)
    return other is not None and _across(ctx, other, lambda module: _module_binding(walk, module, target.attribute))


def _module_binding(walk: Walk, other: "FileContext", name: str) -> bool:
    values = [value for (scope, bound), entries in other.analysis(Bindings).values.items()
              if scope is other.module and bound == name for _, value in entries]
    if len(values) != 1 or values[0] is None:
        return False
    walk.followed.append((other, name))
    return _walk(walk, other, values[0])


def _across(ctx: "FileContext", other: "FileContext", then: Callable[["FileContext"], bool]) -> bool:
    """Run ``then`` on ``other`` (another module of the project), one file deeper."""
    if PROJECT.depth >= MAX_FILE_DEPTH:
        return False
    nested = other is not ctx
    PROJECT.depth += nested
    try:
        return then(other)
    finally:
        PROJECT.depth -= nested


def _passed(walk: Walk, ctx: "FileContext", function: cst.FunctionDef, name: str) -> bool:
    """A parameter without a default: what every call of its function passes (a constructor's
    parameter: every construction of the class)."""
    klass = owner_class(ctx, function)
    if klass is False:
        return False
    if klass is not None and function.name.value == "__init__":
        passed = constructor_arguments(ctx, klass, name)
        if not passed or len(passed) > MAX_SITES:
            return False
        return all(_in(walk, ctx, where, value) for where, value in passed)
    if project_imports(ctx) is None:  # a snippet: the calls of the file
        target = function.name.value
        sites = [(ctx, c) for c in ctx.index.of_type(cst.Call)
                 if (isinstance(c.func, cst.Attribute) if klass is not None else isinstance(c.func, cst.Name))
                 and (c.func.attr.value if isinstance(c.func, cst.Attribute) else c.func.value) == target]
    else:
        found = ctx.analysis(ProjectCallers).sites(function)
        sites = [(site.ctx, site.call) for site in found] if found is not None else []
    if not sites or len(sites) > MAX_SITES:
        return False
    for where, call in sites:
        given = [a for a in call.args if parameter_for(function, call, a, klass is not None) == name]
        if not given or not _in(walk, ctx, where, given[0].value):
            return False
    return True


def _in(walk: Walk, ctx: "FileContext", where: "FileContext", value: cst.BaseExpression) -> bool:
    """Follow ``value``, written in ``where`` (this module or another)."""
    return _across(ctx, where, lambda module: _walk(walk, module, value))


def _call(walk: Walk, ctx: "FileContext", call: cst.Call) -> bool:
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == "parse_args":
        walk.found.append(Origin(ctx, "namespace", call))
        return True
    qualified = ctx.imports.qualify(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
    if qualified in _FILE_LOADS:
        walk.found.append(Origin(ctx, "file", call))
        return True
    if qualified is not None and qualified.startswith("ml_collections.") and qualified.endswith("ConfigDict"):
        walk.found.append(Origin(ctx, "config module", call))  # its keys: as the configuration modules set them
        return True
    if isinstance(func, cst.Name) and func.value == "vars" and len(call.args) == 1 and not call.args[0].star:
        return _walk(walk, ctx, call.args[0].value)
    dotted = dotted_name(func)
    if dotted is None:
        return False
    here = next((s for s in ctx.module.body if isinstance(s, cst.FunctionDef) and s.name.value == dotted), None)
    if here is not None:
        return _returns(walk, ctx, here)
    imports = project_imports(ctx)
    target = imports.target(dotted) if imports is not None else None
    if target is None:
        return False
    found = find_definition(ctx, target)
    if found is None or found[2] is not None:
        return False
    other, function, _ = found
    return _across(ctx, other, lambda module: _returns(walk, module, function))


def _returns(walk: Walk, ctx: "FileContext", function: cst.FunctionDef) -> bool:
    """What every ``return`` of the top-level ``function`` gives (at least one)."""
    returns = [r for r in ctx.index.of_type(cst.Return) if ctx.index.function_of(r) is function]
    if not returns:
        return False
    return all(r.value is not None and _walk(walk, ctx, r.value) for r in returns)


def _subscript(walk: Walk, ctx: "FileContext", expr: cst.Subscript) -> bool:
    """``cfg["train"]``: the entry of every dictionary ``cfg`` may be (a nested literal), or the
    loaded file itself (a configuration file's sections are read by their keys alone)."""
    key = _key(expr)
    if key is None:
        return False
    inner = Walk(steps=walk.steps)
    if not _walk(inner, ctx, expr.value):
        return False
    walk.steps = inner.steps
    walk.followed.extend(inner.followed)
    for origin in inner.found:
        if origin.kind in _SECTIONED:
            walk.found.append(origin)
            continue
        if origin.kind != "dict" or writes(inner.followed, key, subscript=True) != ([], False):
            return False
        value = dict_entry(origin.node, key)
        if value is None or not _walk(walk, origin.ctx, value):
            return False
    return True


def _key(expr: cst.Subscript) -> str | None:
    if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
        return string(expr.slice[0].slice.value)
    return None


def dict_entry(node: cst.CSTNode, key: str) -> cst.BaseExpression | None:
    """The value a dictionary literal gives ``key``; None when it lacks it or a ``**`` may."""
    if not isinstance(node, cst.Dict):
        return None
    found = None
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            return None  # ``**other``: any key
        if string(element.key) == key:
            found = element.value
    return found


def writes(followed: list[tuple["FileContext", str]], key: str, subscript: bool
           ) -> tuple[list[tuple["FileContext", cst.BaseExpression]], bool] | None:
    """Other writes of ``key`` on the names followed, in their modules: (the values written, with
    their module; whether a dynamic write next to a file load may set it from a configuration
    file). None when a write cannot be read."""
    values: list[tuple["FileContext", cst.BaseExpression]] = []
    from_files = False
    by_module: dict[int, tuple["FileContext", set[str]]] = {}
    for ctx, name in followed:
        by_module.setdefault(id(ctx), (ctx, set()))[1].add(name)
    for ctx, names in by_module.values():
        found = _module_writes(ctx, frozenset(names), key, subscript)
        if found is None:
            return None
        values.extend((ctx, v) for v in found[0])
        from_files = from_files or found[1]
    return values, from_files


def _module_writes(ctx: "FileContext", names: frozenset[str], key: str, subscript: bool
                   ) -> tuple[list[cst.BaseExpression], bool] | None:
    values: list[cst.BaseExpression] = []
    from_files = False
    for node in ctx.index.of_type(cst.Assign, cst.AugAssign, cst.AnnAssign):
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        for target in targets:
            if subscript and isinstance(target, cst.Subscript) and dotted_name(target.value) in names:
                written = _key(target)
                if written is None or (written == key and (isinstance(node, cst.AugAssign) or node.value is None)):
                    return None
                if written == key:
                    values.append(node.value)
            elif not subscript and isinstance(target, cst.Attribute) and target.attr.value == key \
                    and _within(dotted_name(target.value), names):
                if isinstance(node, cst.AugAssign) or node.value is None:
                    return None
                values.append(node.value)
    for call in ctx.index.of_type(cst.Call):
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in _DICT_WRITERS:
            owner = func.value
            if isinstance(owner, cst.Attribute) and owner.attr.value == "__dict__":
                owner = owner.value
            elif isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name) and owner.func.value == "vars" \
                    and owner.args:
                owner = owner.args[0].value
            if dotted_name(owner) in names:
                if subscript and owner is func.value:
                    return None  # ``d.update(...)`` on a dictionary
                if not _loads_file(ctx, call):
                    return None
                from_files = True
        elif isinstance(func, cst.Name) and func.value == "setattr" and len(call.args) >= 3 and not subscript \
                and dotted_name(call.args[0].value) in names:
            written = string(call.args[1].value)
            if written == key:
                values.append(call.args[2].value)
            elif written is None:
                if not _loads_file(ctx, call):
                    return None
                from_files = True
    return values, from_files


def _within(dotted: str | None, names: frozenset[str]) -> bool:
    """``dotted`` is one of ``names`` or a section of one (``config.optim`` of ``config``): a write
    of the key there may be the one read (counted whichever section it is: more values, never
    fewer findings)."""
    return dotted is not None and (dotted in names or any(dotted.startswith(n + ".") for n in names))


def _loads_file(ctx: "FileContext", node: cst.CSTNode) -> bool:
    """The scope of ``node`` loads a file (a call whose name holds ``load``: ``yaml.safe_load``,
    ``json.load``, ``CfgNode.load_yaml_with_base``, ``OmegaConf.load``): a dynamic write there
    copies a configuration file's entries."""
    scope = ctx.index.function_of(node)
    for call in ctx.index.of_type(cst.Call):
        if ctx.index.function_of(call) is not scope:
            continue
        dotted = dotted_name(call.func) or ""
        if "load" in dotted.rsplit(".", 1)[-1].lower():
            return True
    return False


# -- configuration files ---------------------------------------------------------------------------
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def config_file_values(ctx: "FileContext", key: str) -> list[float | None] | None:
    """The values the project's configuration files (``.yml``, ``.yaml``, ``.json`` under the
    root, at most :data:`MAX_CONFIG_FILES`) give ``key``, at any depth: a number, or None for
    anything else (a string, a nested section, a list). None when the project is not known or
    too large."""
    raw = config_file_texts(ctx, key)
    return None if raw is None else [_scalar(text) for text in raw]


def config_file_texts(ctx: "FileContext", key: str) -> list[str] | None:
    """:func:`config_file_values`, as written: the text after ``key:`` on its line (quotes and a
    comment stripped; empty for a nested section), one per occurrence."""
    imports = project_imports(ctx)
    if imports is None:
        return None
    paths: list[Path] = []
    for suffix in CONFIG_SUFFIXES:
        found = PROJECT.files(imports.root, suffix)
        if found is None:
            return None
        paths.extend(found)
    if len(paths) > MAX_CONFIG_FILES:
        return None
    yaml_key = re.compile(r"^[ \t]*(?:-[ \t]+)?[\"']?" + re.escape(key) + r"[\"']?[ \t]*:(.*)$", re.MULTILINE)
    json_key = re.compile(r"\"" + re.escape(key) + r"\"[ \t]*:[ \t]*([^,}\]\n]*)")
    out: list[str] = []
    for path in sorted(paths):
        text = PROJECT.text(path, MAX_CONFIG_BYTES)
        if text is None or key not in text:  # a file over the limit holds data, not settings
            continue
        pattern = json_key if path.suffix == ".json" else yaml_key
        for match in pattern.finditer(text):
            raw = match.group(1).split("#", 1)[0].strip().strip("\"'") if path.suffix != ".json" \
                else match.group(1).strip()
            out.append(raw)
    return out


def _scalar(raw: str) -> float | None:
    if raw in ("null", "~", "None"):
        return 0.0
    if _NUMBER.fullmatch(raw):
        return float(raw)
    return None


# -- configuration modules (ml_collections) ---------------------------------------------------------
# the words that make a module of the project a configuration module: it builds a ``ConfigDict``
# (imports ml_collections) or is one that ``config_flags`` runs (defines ``get_config``)
_CONFIG_MODULE_WORDS = ("ml_collections", "get_config")
# calls whose keywords are a configuration's keys: ``ConfigDict(dict(weight_decay=0))``, ``update``
_CONFIG_BUILDERS = frozenset({"dict", "ConfigDict", "FrozenConfigDict", "update", "unlocked_update"})


def config_module_values(ctx: "FileContext", key: str, section: str | None = None) -> list[float | None] | None:
    """The values the project's configuration modules give ``key`` (of the section ``section``
    when given: ``optim`` for ``config.optim.weight_decay``): every module under the root that
    imports ``ml_collections`` or defines ``get_config`` and names ``key`` (at most
    :data:`MAX_CONFIG_FILES`), read for ``<section>.key = v`` (``optim.weight_decay = 0`` with
    ``config.optim = optim = ConfigDict()``, ``config.optim.weight_decay = 0``), and, without a
    section, ``x["key"] = v``, ``key=v`` (``ConfigDict(dict(...))``, ``update``), ``{"key": v}``
    and ``setattr(x, "key", v)``: a number, or None for anything else (a name, a placeholder, an
    ``+=``, any other use of the key's string, and with a section any form but the first). None
    when the project is not known, too large, or a module cannot be parsed."""
    # the linted file as it is given (a snippet, stdin, an editor's buffer), then the others
    out = _module_config_values(ctx, key, section) \
        if any(w in ctx.source for w in _CONFIG_MODULE_WORDS) else []
    imports = project_imports(ctx)
    if imports is None:
        return out
    if PROJECT.depth >= MAX_FILE_DEPTH:
        return None
    files = PROJECT.files(imports.root)
    if files is None:
        return None
    me = imports.path
    modules = 0
    for path in files:
        if path.resolve() == me or not PROJECT.mentions(path, key) \
                or not any(PROJECT.mentions(path, w) for w in _CONFIG_MODULE_WORDS):
            continue
        modules += 1
        if modules > MAX_CONFIG_FILES:
            return None
        other = PROJECT.context(path)
        if other is None:
            return None
        out.extend(_module_config_values(other, key, section))
    return out


def _is_section(ctx: "FileContext", base: cst.BaseExpression, section: str) -> bool:
    """``base`` (what ``.key`` is set on) is the section ``section``: ``config.optim``, or a name
    bound to it (``optim = config.optim``, ``config.optim = optim = ConfigDict()``)."""
    if isinstance(base, cst.Attribute):
        return base.attr.value == section
    if not isinstance(base, cst.Name):
        return False
    if base.value == section:
        return True
    for node in ctx.index.of_type(cst.Assign):
        names = [t.target for t in node.targets]
        if any(isinstance(t, cst.Name) and t.value == base.value for t in names) \
                and (any(isinstance(t, cst.Attribute) and t.attr.value == section for t in names)
                     or (isinstance(node.value, cst.Attribute) and node.value.attr.value == section)):
            return True
    return False


def _number_of(expr: cst.BaseExpression | None) -> float | None:
    from dllint.analysis.calls import number

    if isinstance(expr, cst.Name) and expr.value == "None":
        return 0.0
    return number(expr)


def _module_config_values(ctx: "FileContext", key: str, section: str | None,
                          value_of: Callable[[cst.BaseExpression | None], Any] = _number_of) -> list[Any]:
    """What the module writes for ``key`` (see :func:`config_module_values`), each value read by
    ``value_of`` (a number by default; None when it is not one)."""
    out: list[Any] = []
    index = ctx.index
    for node in index.of_type(cst.Attribute):
        if node.attr.value != key:
            continue
        holder = index.parent(node)
        written = isinstance(holder, cst.AssignTarget) \
            or (isinstance(holder, (cst.AugAssign, cst.AnnAssign)) and holder.target is node)
        if written and section is not None and not _is_section(ctx, node.value, section):
            continue  # the key of another section
        if isinstance(holder, cst.AssignTarget):
            out.append(value_of(index.parent(holder).value))
        elif isinstance(holder, (cst.AugAssign, cst.AnnAssign)) and holder.target is node:
            out.append(value_of(holder.value) if isinstance(holder, cst.AnnAssign) else None)
    for arg in index.of_type(cst.Arg):
        if arg.keyword is not None and arg.keyword.value == key:
            call = index.parent(arg)
            name = (dotted_name(call.func) or "").rsplit(".", 1)[-1] if isinstance(call, cst.Call) else ""
            if name not in _CONFIG_BUILDERS:
                continue  # a keyword of another call (the optimiser's ``weight_decay=``) sets nothing
            if section is not None:
                out.append(None)  # whose section it sets is not followed
                continue
            out.append(value_of(arg.value))
    for text in index.of_type(cst.SimpleString):
        if string(text) != key:
            continue
        holder = index.parent(text)
        if isinstance(holder, cst.DictElement) and holder.key is text:
            out.append(None if section is not None else value_of(holder.value))
            continue
        if isinstance(holder, cst.Arg):
            call = index.parent(holder)
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value == "setattr" \
                    and len(call.args) == 3 and call.args[1] is holder:
                out.append(None if section is not None else value_of(call.args[2].value))
                continue
        subscript = index.parent(index.parent(holder)) if isinstance(holder, cst.Index) else None
        if isinstance(subscript, cst.Subscript):
            target = index.parent(subscript)
            if isinstance(target, cst.AssignTarget):
                out.append(None if section is not None else value_of(index.parent(target).value))
            elif isinstance(target, (cst.AugAssign, cst.AnnAssign)) and target.target is subscript:
                out.append(None)
            continue  # a read
        out.append(None)  # the key named some other way: untold
    return out
