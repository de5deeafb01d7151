"""The built-in rules, registered through the same pluggy hook as any third-party rule pack.

Every module in this package is imported and each ``Rule`` subclass defined in it is a rule, so
adding a rule is adding a module.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil

from dllint.hookspecs import hookimpl
from dllint.rule import Rule


def _builtin_rules() -> list[type[Rule]]:
    rules: list[type[Rule]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Rule) and obj is not Rule and obj.__module__ == module.__name__ and obj.code:
                rules.append(obj)
    return rules


@hookimpl
def dllint_rules() -> list[type[Rule]]:
    return _builtin_rules()
