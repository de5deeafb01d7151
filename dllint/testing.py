"""Helpers for testing rules, built-in or third-party: lint a snippet with chosen rules."""
from __future__ import annotations

from typing import Iterable

from dllint.diagnostics import Diagnostic
from dllint.engine import lint_source
from dllint.fix import fix_source
from dllint.registry import RuleRegistry, default_registry
from dllint.rule import Rule


def make_rules(codes: Iterable[str], registry: RuleRegistry | None = None) -> list[Rule]:
    registry = registry or default_registry()
    return [registry.by_code[c]() for c in codes if c in registry.by_code]


def lint_snippet(source: str, codes: Iterable[str], *, path: str = "example.py",
                 registry: RuleRegistry | None = None) -> list[Diagnostic]:
    codes = list(codes)
    return lint_source(source, path, make_rules(codes, registry), enabled_tool_codes=codes)


def fix_snippet(source: str, codes: Iterable[str], *, unsafe: bool = True,
                registry: RuleRegistry | None = None) -> str:
    codes = list(codes)
    fixed, _ = fix_source(source, lambda text: lint_snippet(text, codes, registry=registry),
                          unsafe=unsafe)
    return fixed
