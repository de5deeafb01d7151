"""What a numeric setting given to a call may be, read from the file alone.

``Adam(params, weight_decay=x)``: is ``x`` zero, a known positive number, or a value the user
supplies from outside the file? :func:`setting_values` follows ``x`` back and returns the set of
outcomes of every path it can follow:

* a number: a literal (``5e-4``, ``-1``), ``None`` read as 0 (nothing set), reached through names
  (``wd = 5e-4`` before the call, reaching definitions of its scope, or the module-level binding),
  ``self.x`` attributes bound anywhere in the class, parameter defaults (``def build(m, wd=0.0)``),
  what the file's calls pass for a parameter without a default (at most 8 calls),
  ``float()``/``int()`` wrappers, both arms of ``a if c else b``, the ``default=`` of a
  command-line option the file declares (``parser.add_argument("--weight-decay", default=0)`` for
  ``args.weight_decay``; the option's name is argparse's ``dest``: ``dest=``, else the first long
  option, else the first short one, so ``add_argument("-wd", default=0)`` is ``args.wd``), and
  the class-level fields of a configuration class of the file (``class Config: weight_decay = 0``
  for ``opt.weight_decay``);
* for a subscript or attribute that none of those explains, the values at the origins of the
  settings object (:mod:`dllint.analysis.setting_origins`): the entry of every dictionary literal
  it may be (``self.args["weight_decay"]`` with every ``Tree(learner_args)`` of the project given
  ``learner_args = {..., "weight_decay": 0.}``), the default of the option whose parser's namespace
  it is (``opt.weight_decay`` in a helper that every caller hands ``opts.parse_opt()``), the values
  the project's configuration files give a loaded file's key, the values the project's
  ml_collections configuration modules set (``config.optim.weight_decay`` with every
  ``get_config()`` setting ``optim.weight_decay = 0``; for a section read even where the origin is
  not reached), the argument of ``__init__`` that Lightning's ``save_hyperparameters()`` keeps in
  ``self.hparams``, and every other write of the key met on the way; :data:`SUPPLIED` when one of
  them cannot be read;
* :data:`SUPPLIED`: a value read from a configuration the file does not hold: a subscript with a
  string key that names no option the file declares (``cfg["opt"]["decay"]``; ``config["wd"]``
  with ``add_argument("--wd", default=0)`` in the file is that option's default), an attribute of an object that is not ``self`` and is
  neither a command-line option nor a class field the file declares (``config.weight_decay``, ``args.wd`` with the parser in
  another file);
* :data:`UNKNOWN`: anything else (arithmetic, a call, a loop variable, tuple unpacking, an option
  declared without a default, an attribute of ``self`` the class never binds, a parameter without a
  default that no call of the file passes, or that one passes through ``*args``): nothing is said.

Used by DL501: a decay the user supplies is a decay they mean to apply, so Adam's coupling matters;
a setting that is provably 0 on every path (a parameter whose default is 0, an option whose default
is 0) is not.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Union

import libcst as cst

from dllint.analysis.bindings import Bindings
from dllint.analysis.callers import constructor_arguments
from dllint.analysis.calls import keyword, number, string
from dllint.analysis.imports import dotted_name
from dllint.analysis.name_reaching import NameReaching
from dllint.analysis.parameter_uses import parameter_for
from dllint.analysis.setting_origins import (MAX_SITES, config_file_values, config_module_values, dict_entry,
                                             origins, saved_names, section_of, writes)

if TYPE_CHECKING:
    from dllint.context import FileContext

SUPPLIED = "supplied"
UNKNOWN = "unknown"
Outcome = Union[float, str]

_DEPTH = 8
_MAX_CALLS = 8
_CASTS = frozenset({"float", "int"})


def setting_values(ctx: "FileContext", expr: cst.BaseExpression) -> frozenset[Outcome]:
    """The outcomes ``expr`` may take (numbers, :data:`SUPPLIED`, :data:`UNKNOWN`)."""
    return frozenset(_Resolver(ctx).values(expr, _DEPTH, frozenset()))


def positive_or_supplied(outcomes: frozenset[Outcome]) -> bool:
    """Is some path a positive number or a value the user supplies?"""
    return any(o == SUPPLIED or (isinstance(o, float) and o > 0) for o in outcomes)


class _Resolver:
    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx

    def values(self, expr: cst.BaseExpression, depth: int, seen: frozenset[int]) -> set[Outcome]:
        if depth <= 0 or id(expr) in seen:
            return {UNKNOWN}
        seen = seen | {id(expr)}
        value = number(expr)
        if value is not None:
            return {value}
        if isinstance(expr, cst.Name) and expr.value == "None":
            return {0.0}
        if isinstance(expr, cst.IfExp):
            return self.values(expr.body, depth - 1, seen) | self.values(expr.orelse, depth - 1, seen)
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value in _CASTS \
                and len(expr.args) == 1 and not expr.args[0].keyword and not expr.args[0].star:
            return self.values(expr.args[0].value, depth - 1, seen)
        if isinstance(expr, cst.Name):
            return self._name(expr, depth, seen)
        if isinstance(expr, cst.Attribute):
            return self._attribute(expr, depth, seen)
        if isinstance(expr, cst.Subscript):
            return self._subscript(expr, depth, seen)
        return {UNKNOWN}

    def _follow(self, values, depth: int, seen: frozenset[int]) -> set[Outcome]:
        out: set[Outcome] = set()
        for value in values:
            out |= {UNKNOWN} if value is None else self.values(value, depth - 1, seen)
        return out or {UNKNOWN}

    def _name(self, expr: cst.Name, depth: int, seen: frozenset[int]) -> set[Outcome]:
        name = expr.value
        reaching = self.ctx.analysis(NameReaching).values_at(expr, name)
        if reaching is not None:
            return self._follow(reaching, depth, seen)
        function = self.ctx.index.function_of(expr)
        if function is not None:
            params = function.params
            for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                if param.name.value == name:
                    if param.default is None:
                        return self._passed(function, name, depth, seen)
                    return self.values(param.default, depth - 1, seen)
        bound = self.ctx.analysis(Bindings).value_before(expr, name)
        return {UNKNOWN} if bound is None else self.values(bound, depth - 1, seen)

    def _passed(self, function: cst.FunctionDef, name: str, depth: int, seen: frozenset[int]) -> set[Outcome]:
        """A parameter without a default: what the calls of ``function`` in this file pass for it
        (a helper ``get_optimizer(lr, weight_decay)`` only hands on what its callers give).
        Unknown when the file never calls it, or a call's argument cannot be told."""
        owner = self.ctx.index.parent(self.ctx.index.parent(function) or function)
        is_method = isinstance(owner, cst.ClassDef)
        target = function.name.value
        out: set[Outcome] = set()
        calls = 0
        for call in self.ctx.index.of_type(cst.Call):
            func = call.func
            if is_method:
                if not (isinstance(func, cst.Attribute) and func.attr.value == target):
                    continue
            elif not (isinstance(func, cst.Name) and func.value == target):
                continue
            calls += 1
            if calls > _MAX_CALLS:
                return out | {UNKNOWN}
            given = [a for a in call.args if parameter_for(function, call, a, is_method) == name]
            if not given:
                out.add(UNKNOWN)  # passed through a star argument, or not at all
                continue
            out |= self.values(given[0].value, depth - 1, seen)
        return out or {UNKNOWN}

    def _attribute(self, expr: cst.Attribute, depth: int, seen: frozenset[int]) -> set[Outcome]:
        dotted = dotted_name(expr)
        if dotted is None:
            return {UNKNOWN}
        if dotted.startswith("self."):
            if dotted.count(".") > 1:  # self.config.weight_decay, self.hparams.wd
                return self._from_origins(expr.value, expr.attr.value, False, depth, seen)
            bindings = self.ctx.analysis(Bindings)
            owner = self.ctx.index.enclosing(expr, cst.ClassDef)
            entries = bindings.values.get((owner, dotted)) if owner is not None else None
            if not entries:
                return {UNKNOWN}
            return self._follow([value for _, value in entries], depth, seen)
        declared = self.ctx.analysis(DeclaredOptions)
        option = declared.found.get(expr.attr.value)
        if option is not None:
            default = keyword(option, "default")
            return {UNKNOWN} if default is None else self.values(default.value, depth - 1, seen)
        fields = declared.fields.get(expr.attr.value)
        if fields:  # a configuration class of this file: ``class Config: weight_decay = 0``
            return self._follow(fields, depth, seen)
        return self._from_origins(expr.value, expr.attr.value, False, depth, seen)

    def _subscript(self, expr: cst.Subscript, depth: int, seen: frozenset[int]) -> set[Outcome]:
        if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
            key = string(expr.slice[0].slice.value)
            if key is not None:
                # ``config = vars(args)``; ``config["weight_decay"]``: an option the file declares
                option = self.ctx.analysis(DeclaredOptions).found.get(key)
                if option is not None:
                    default = keyword(option, "default")
                    return {UNKNOWN} if default is None else self.values(default.value, depth - 1, seen)
                return self._from_origins(expr.value, key, True, depth, seen)
        return {UNKNOWN}

    def _from_origins(self, base: cst.BaseExpression, key: str, subscript: bool, depth: int,
                      seen: frozenset[int]) -> set[Outcome]:
        """``base[key]`` / ``base.key`` read where ``base`` comes from (:mod:`setting_origins`): the
        entry of every dictionary literal it may be, the default of the option of the parser whose
        namespace it is, the values the project's configuration files give a loaded file's key,
        and every other write of the key met on the way. :data:`SUPPLIED` when an origin or a
        writer is not found or one of their values is not known: the user supplies it."""
        walk = origins(self.ctx, base)
        if walk is None:
            return self._configured_section(base, key, subscript)
        writers = writes(walk.followed, key, subscript)
        if writers is None:
            return {SUPPLIED}
        out: set[Outcome] = set()
        for origin in walk.found:
            resolver = _Resolver(origin.ctx)
            if origin.kind == "namespace":
                option = origin.ctx.analysis(DeclaredOptions).found.get(key)
                default = keyword(option, "default") if option is not None else None
                if default is None:
                    return {SUPPLIED}
                out |= resolver.values(default.value, depth - 1, seen)
            elif origin.kind == "config module":  # ``FLAGS.config`` of ml_collections
                modules = config_module_values(origin.ctx, key, None if subscript else section_of(self.ctx, base))
                if not modules:
                    return {SUPPLIED}
                out |= {SUPPLIED if v is None else v for v in modules}
            elif origin.kind == "arguments":  # Lightning's ``self.hparams`` after save_hyperparameters()
                out |= self._init_argument(origin, key, depth, seen)
            elif not subscript:
                return {SUPPLIED}  # a dictionary's entry is no attribute
            elif origin.kind == "dict":
                value = dict_entry(origin.node, key)
                if value is None:
                    return {SUPPLIED}
                out |= resolver.values(value, depth - 1, seen)
            else:  # a loaded configuration file: the key as the project's files give it
                files = config_file_values(origin.ctx, key)
                if not files:
                    return {SUPPLIED}
                out |= {SUPPLIED if v is None else v for v in files}
        written, from_files = writers
        for where, value in written:
            out |= _Resolver(where).values(value, depth - 1, seen)
        if from_files:
            files = config_file_values(self.ctx, key)
            if files is None:
                return {SUPPLIED}
            out |= {SUPPLIED if v is None else v for v in files}
        return {SUPPLIED} if UNKNOWN in out or not out else out

    def _configured_section(self, base: cst.BaseExpression, key: str, subscript: bool) -> set[Outcome]:
        """``config.optim.weight_decay`` on a settings object whose origin is not followed (a
        caller in a notebook, a namespace of a library): in a project configured by Python
        configuration modules (ml_collections' ``get_config()``), the values those modules set
        for that key of that section (``optim.weight_decay = 0``); :data:`SUPPLIED` when none
        sets it or one sets it in a way not read, and with the values the project's YAML and
        JSON files give the key (which may override them). A section is required: a bare
        ``args.wd`` may be anything's."""
        section = None if subscript else section_of(self.ctx, base)
        if section is None:
            return {SUPPLIED}
        modules = config_module_values(self.ctx, key, section)
        # a YAML or JSON file of the project may override the modules' defaults (yacs, Hydra)
        files = config_file_values(self.ctx, key)
        if not modules or files is None or None in modules or None in files:
            return {SUPPLIED}
        return set(modules) | set(files)

    def _init_argument(self, origin, key: str, depth: int, seen: frozenset[int]) -> set[Outcome]:
        """``self.hparams.key`` kept by ``save_hyperparameters()``: the argument ``key`` of that
        ``__init__``, as every construction of the class in the project passes it, or its default
        where one passes nothing. :data:`SUPPLIED` when it is not one of the names kept, not a
        parameter, or a construction cannot be read (``Model(**vars(args))``)."""
        found = saved_names(origin.ctx, origin.node)
        if found is None:
            return {SUPPLIED}
        init, klass, kept = found
        params = init.params
        param = next((p for p in (*params.params, *params.kwonly_params) if p.name.value == key), None)
        if param is None or (kept is not None and key not in kept):
            return {SUPPLIED}
        # save_hyperparameters() also keeps the arguments of the __init__s of subclasses (every
        # __init__ frame up the chain): a subclass may give the key a value of its own
        if any(isinstance(s, cst.ClassDef) and any(dotted_name(b.value) == klass.name.value for b in s.bases)
               for s in origin.ctx.module.body):
            return {SUPPLIED}
        passed = constructor_arguments(origin.ctx, klass, key)  # a default where a call passes nothing
        if passed is None or len(passed) > MAX_SITES:
            return {SUPPLIED}
        out: set[Outcome] = set()
        for where, value in passed:
            out |= _Resolver(where).values(value, depth - 1, seen)
        if not passed:  # no construction in the project: the default is what the class says
            if param.default is None:
                return {SUPPLIED}
            out |= _Resolver(origin.ctx).values(param.default, depth - 1, seen)
        return out


def _option_dest(flags: list[str | None]) -> str | None:
    """argparse's ``dest`` for an ``add_argument`` call's option strings (``None``: not a literal):
    the first long option (``--x-y`` -> ``x_y``), else the first option string (``-wd`` -> ``wd``,
    a positional ``name`` -> ``name``), dashes stripped and inner ones made underscores. ``None``
    when a string argparse would look at is not a literal."""
    for flag in flags:
        if flag is None:
            return None
        if flag.startswith("--") and len(flag) > 2:
            return flag.lstrip("-").replace("-", "_") or None
    if not flags or flags[0] is None:
        return None
    return flags[0].lstrip("-").replace("-", "_") or None


class DeclaredOptions:
    """Command-line options the file declares: destination name -> its ``add_argument`` call."""

    def __init__(self, found: dict[str, cst.Call], fields: dict[str, list[cst.BaseExpression]]) -> None:
        self.found = found
        # class-level assignments of the file's classes (a configuration class): name -> values
        self.fields = fields

    @classmethod
    def compute(cls, ctx: "FileContext") -> "DeclaredOptions":
        found: dict[str, cst.Call] = {}
        for call in ctx.index.of_type(cst.Call):
            if not (isinstance(call.func, cst.Attribute) and call.func.attr.value == "add_argument"):
                continue
            dest = keyword(call, "dest")
            name = string(dest.value) if dest is not None else None
            if name is None and dest is None:
                name = _option_dest([string(a.value) for a in call.args if a.keyword is None])
            if name:
                found.setdefault(name, call)
        fields: dict[str, list[cst.BaseExpression]] = {}
        for klass in ctx.index.of_type(cst.ClassDef):
            for statement in klass.body.body:
                if not isinstance(statement, cst.SimpleStatementLine):
                    continue
                for small in statement.body:
                    if isinstance(small, cst.Assign) and len(small.targets) == 1 \
                            and isinstance(small.targets[0].target, cst.Name):
                        fields.setdefault(small.targets[0].target.value, []).append(small.value)
                    elif isinstance(small, cst.AnnAssign) and small.value is not None \
                            and isinstance(small.target, cst.Name):
                        fields.setdefault(small.target.value, []).append(small.value)
        return cls(found, fields)

    def is_switch(self, name: str) -> bool:
        """The option ``name`` is a boolean switch: ``action="store_true"`` / ``"store_false"`` or
        ``argparse.BooleanOptionalAction``. It turns behaviour on or off; it holds no data."""
        option = self.found.get(name)
        action = keyword(option, "action") if option is not None else None
        if action is None:
            return False
        text = string(action.value)
        if text is not None:
            return text in ("store_true", "store_false")
        return isinstance(action.value, (cst.Name, cst.Attribute)) \
            and (dotted_name(action.value) or "").rsplit(".", 1)[-1] == "BooleanOptionalAction"
