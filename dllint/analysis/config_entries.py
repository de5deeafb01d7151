"""What a configuration entry holds, read from the project's configuration module and files.

``cfg.DATASET.TEST_SET`` names a split by its key, but the split it selects is the value the
project gives the key: HRNet's ``lib/config/default.py`` sets ``_C.DATASET.TEST_SET = 'valid'`` and
every shipped experiment file ``TEST_SET: 'val2017'`` or ``valid`` (fifteenth audit, cause ED).
:func:`entry_texts` gives those values, so that the data roles (``data.py``) read what the entry
holds before going by what its key is called.

The fact holds only where the value is visible: ``cfg`` is a name the file imports from a project
module (bound nowhere in the file) or binds once at module level, an object built empty once
(``_C = CN()``, not ``parser.parse_args()``), and that module writes the entry (``_C.DATASET.TEST_SET = 'valid'``). Every write
of the key in the project's modules (of the same section: ``X.DATASET.TEST_SET = v``, a name bound
to ``X.DATASET``; any other form naming the key, through
:func:`~dllint.analysis.setting_origins._module_config_values`) and every value the project's
``.yml``/``.yaml``/``.json`` files give the key (at any depth) counts. A value that is no string
literal (a name, a call, a nested section) is None: the caller then keeps the key's name. Values
set at run time from the command line (``cfg.merge_from_list(args.opts)``) or from a file outside
the project are not seen.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from dllint.analysis.bindings import Bindings
from dllint.analysis.calls import string
from dllint.analysis.imports import dotted_name
from dllint.analysis.project import MAX_FILE_DEPTH, PROJECT, project_imports
from dllint.analysis.setting_origins import MAX_CONFIG_FILES, _module_config_values, config_file_texts

if TYPE_CHECKING:
    from dllint.context import FileContext


def _text_of(expr: cst.BaseExpression | None) -> str | None:
    return string(expr) if expr is not None else None


def entry_texts(ctx: "FileContext", expr: cst.Attribute) -> list[str | None] | None:
    """The values the project gives the configuration entry ``expr`` (``cfg.DATASET.TEST_SET``):
    a string for each string literal written to it or given it by a configuration file, None for
    any other value. None when the entry is not known to be a project configuration object's (see
    the module's docstring), or its configuration module does not write it."""
    dotted = dotted_name(expr)
    if dotted is None or dotted.count(".") < 1:
        return None
    parts = dotted.split(".")
    head, key = parts[0], parts[-1]
    section = parts[-2] if len(parts) >= 3 else None
    if head == "self":
        return None
    bindings = ctx.analysis(Bindings).values
    own = [value for (scope, bound), entries in bindings.items() if bound == head for _, value in entries]
    imports = project_imports(ctx)
    if own:
        # the file's own configuration object: bound once, at module level, to a construction
        if len(own) != 1 or not _fresh(ctx, own[0]) \
                or not any(scope is ctx.module and bound == head for (scope, bound) in bindings):
            return None
        home = ctx
    else:
        # a name the file imports from a project module, built once there (``_C = CN()``)
        target = imports.target(head) if imports is not None else None
        if target is None or not target.attribute or "." in target.attribute or PROJECT.depth >= MAX_FILE_DEPTH:
            return None
        found_home = PROJECT.context(target.path)
        if found_home is None:
            return None
        home = found_home
        built = [value for (scope, bound), entries in home.analysis(Bindings).values.items()
                 if scope is home.module and bound == target.attribute for _, value in entries]
        if len(built) != 1 or not _fresh(home, built[0]):
            return None
    own_writes = _module_config_values(ctx, key, section, _text_of) if key in ctx.source else []
    if imports is None:
        # a file alone: its writes are all there is, unless it loads a file nobody sees
        if home is not ctx or not own_writes or _loads(ctx):
            return None
        return own_writes
    files = PROJECT.files(imports.root)
    if files is None:
        return None
    out: list[str | None] = list(own_writes)
    me = imports.path
    home_writes = own_writes if home is ctx else None
    modules = 0
    PROJECT.depth += 1
    try:
        for path in files:
            if path.resolve() == me or not PROJECT.mentions(path, key):
                continue
            modules += 1
            if modules > MAX_CONFIG_FILES:
                return None
            other = PROJECT.context(path)
            if other is None:
                return None
            found = _module_config_values(other, key, section, _text_of)
            if other is home:
                home_writes = found
            out.extend(found)
    finally:
        PROJECT.depth -= 1
    if not home_writes:
        return None  # the configuration module sets no default: the value is not visible
    texts = config_file_texts(ctx, key)
    if texts is None or (not texts and (_loads(ctx) or _loads(home))):
        return None  # a configuration file is loaded, and none of the project's sets the key
    out.extend(text or None for text in texts)
    return out


def _fresh(ctx: "FileContext", value: cst.BaseExpression | None) -> bool:
    """``value`` builds an empty configuration object: a call of an imported class or function, or
    of a class of the module, given no positional argument (``CN()``, ``CfgNode(new_allowed=True)``,
    ``edict()``). Its entries are then only those the project writes or loads; not so for what a
    local object returns (``parser.parse_args()``: the command line's values) or a construction
    from a dictionary (``CN(init_dict)``)."""
    if not isinstance(value, cst.Call) or any(a.keyword is None for a in value.args):
        return False
    if ctx.imports.qualify(value.func) is not None:
        return True
    return isinstance(value.func, cst.Name) and any(
        isinstance(s, cst.ClassDef) and s.name.value == value.func.value for s in ctx.module.body)


def _loads(ctx: "FileContext") -> bool:
    """The file calls something that loads (``merge_from_file``, ``yaml.safe_load``,
    ``OmegaConf.load``): entries may come from a file that is not seen."""
    for call in ctx.index.of_type(cst.Call):
        last = (dotted_name(call.func) or "").rsplit(".", 1)[-1].lower()
        if _LOADING.fullmatch(last):
            return True
    return False


# ``load``, ``safe_load``, ``load_yaml_with_base``, ``merge_from_file``, ``merge_from_list``; not
# ``DataLoader``
_LOADING = re.compile(r"(\w+_)?loads?(_\w+)?|merge\w*")
