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
        """Identifies the installed rule set, for the result cache key."""
        text = "|".join(f"{r.code}:{r.__module__}.{r.__qualname__}" for r in self)
        return hashlib.sha256((text + "|" + ",".join(self.plugin_names)).encode()).hexdigest()[:16]


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
