"""Finds every rule: built-in and third-party, through the same pluggy hook and entry-point group."""
from __future__ import annotations

import functools
import hashlib
from typing import TYPE_CHECKING, Iterable

from dllint.rule import Rule, validate_rule_class

if TYPE_CHECKING:
    import pluggy

# pluggy and importlib.metadata are imported when the rules are loaded, not with this module: a
# warm run selects its rules from the cached manifest (dllint.rule_manifest) and loads none.

ENTRY_POINT_GROUP = "dllint"
BUILTIN_MODULE = "dllint.rules"


class RuleRegistry:
    def __init__(self, rules: Iterable[type[Rule]], plugin_names: Iterable[str] = ()) -> None:
        self.by_code: dict[str, type[Rule]] = {}
        for rule in rules:
            validate_rule_class(rule)
            if rule.code in self.by_code and self.by_code[rule.code] is not rule:
                raise ValueError(
                    f"rule code {rule.code} is registered twice "
                    f"({self.by_code[rule.code].__module__} and {rule.__module__})"
                )
            self.by_code[rule.code] = rule
        self.plugin_names = tuple(sorted(plugin_names))

    def __iter__(self):
        return iter(sorted(self.by_code.values(), key=lambda r: r.code))

    def __contains__(self, code: str) -> bool:
        return code in self.by_code

    def get(self, code: str) -> type[Rule] | None:
        return self.by_code.get(code)

    def fingerprint(self) -> str:
        """Identifies the installed rule set and the code behind it, for the result cache key.

        The code counts, not only the rules' names: an upgraded plugin, or an edited analysis
        module of dllint or of a plugin, changes findings while every rule keeps its name, and a
        key of names alone kept serving the old findings."""
        digest = hashlib.sha256()
        digest.update("|".join(f"{r.code}:{r.__module__}.{r.__qualname__}" for r in self).encode())
        digest.update(("|" + ",".join(self.plugin_names)).encode())
        for path in code_files(self):
            digest.update(b"\0" + path.encode())
            try:
                with open(path, "rb") as handle:
                    digest.update(hashlib.sha256(handle.read()).digest())
            except OSError:
                digest.update(b"unreadable")
        return digest.hexdigest()[:16]


def code_files(rules: Iterable[type[Rule]]) -> list[str]:
    """The Python files whose code may change what ``rules`` find: every ``.py`` file of the
    top-level package of each rule's module (a rule queries analyses anywhere in its package), or
    the module's own file when it is no package's."""
    import os
    import sys

    files: set[str] = set()
    seen: set[str] = set()
    for rule in rules:
        top = rule.__module__.partition(".")[0]
        if top in seen:
            continue
        seen.add(top)
        package = sys.modules.get(top)
        roots = list(getattr(package, "__path__", None) or [])
        if not roots:
            path = getattr(sys.modules.get(rule.__module__), "__file__", None)
            if path:
                files.add(os.path.abspath(path))
            continue
        for root in roots:
            for folder, dirs, names in os.walk(root):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
                files.update(os.path.join(folder, n) for n in names if n.endswith(".py"))
    return sorted(files)


def make_plugin_manager(extra_plugins: Iterable[object] = ()) -> "pluggy.PluginManager":
    import pluggy

    from dllint.hookspecs import PROJECT, RuleSpec

    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(RuleSpec)
    loaded = pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    del loaded
    # Running from a source tree that was never installed: the entry point is absent, yet the
    # built-in rules must still be there. Registered through the same hook all the same.
    import importlib

    builtin = importlib.import_module(BUILTIN_MODULE)
    if not pm.is_registered(builtin):
        already = any(getattr(p, "__name__", None) == BUILTIN_MODULE for p in pm.get_plugins())
        if not already:
            pm.register(builtin, name="builtin")
    for plugin in extra_plugins:
        if not pm.is_registered(plugin):
            pm.register(plugin)
    return pm


def collect_rules(pm: "pluggy.PluginManager") -> RuleRegistry:
    rules: list[type[Rule]] = []
    for batch in pm.hook.dllint_rules():
        rules.extend(batch or [])
    names = [name for name, _ in pm.list_name_plugin()]
    return RuleRegistry(rules, names)


@functools.lru_cache(maxsize=1)
def default_registry() -> RuleRegistry:
    return collect_rules(make_plugin_manager())


def entry_point_names() -> list[str]:
    from importlib import metadata

    return sorted(ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP))
