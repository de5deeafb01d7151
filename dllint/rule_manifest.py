"""What the command line needs to know about the installed rules before linting, kept in the cache.

Choosing the enabled rules, validating a configuration and keying the result cache need each rule's
code, ``default_enabled``, options and the registry's fingerprint, not its code. Loading the
registry imports every rule, every analysis and libcst: most of a warm run (nothing to lint) was
spent there. A manifest written beside the cache entries after a real load answers these questions
on the next run, as long as nothing that made the registry changed: it records the rule and plugin
modules' files, every Python file of their packages (the registry's fingerprint hashes that code),
the built-in rules' directory, and every ``sys.path`` directory (installing or
removing a distribution adds or removes an entry there), each by size and mtime. Any difference,
or anything the manifest cannot hold exactly (an option default JSON does not round-trip), and the
registry is loaded as before.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any, Iterator

from dllint import __version__
from dllint.cache import write_json

MANIFEST_NAME = "rules-manifest.json"
FORMAT = 1
_ITEM_TYPES = {"str": str, "int": int, "float": float, "bool": bool}


class RuleInfo:
    """The attributes of a rule class that selection and configuration checks read."""

    def __init__(self, code: str, default_enabled: bool, options: dict[str, Any],
                 option_items: dict[str, type]) -> None:
        self.code = code
        self.default_enabled = default_enabled
        self.options = options
        self.option_items = option_items


class RuleManifest:
    """A stand-in for the :class:`~dllint.registry.RuleRegistry` of the installed rules, for
    selection, configuration checks and the cache key only (it holds no rule to run)."""

    def __init__(self, rules: list[RuleInfo], fingerprint: str) -> None:
        self.by_code = {r.code: r for r in rules}
        self._fingerprint = fingerprint

    def __iter__(self) -> Iterator[RuleInfo]:
        return iter(sorted(self.by_code.values(), key=lambda r: r.code))

    def __contains__(self, code: str) -> bool:
        return code in self.by_code

    def get(self, code: str) -> RuleInfo | None:
        return self.by_code.get(code)

    def fingerprint(self) -> str:
        return self._fingerprint


def _stamp(path: str) -> list:
    try:
        info = os.stat(path)
    except OSError:
        return [path, -1, -1]
    return [path, info.st_mtime_ns, info.st_size]


def _environment() -> str:
    """What the manifest's validity depends on besides files: the interpreter and its path."""
    # absolute: "python -c" puts "" where "python -m" puts the current directory
    path = [os.path.abspath(entry or os.curdir) for entry in sys.path]
    text = json.dumps([__version__, FORMAT, sys.version, sys.executable, path])
    return hashlib.sha256(text.encode()).hexdigest()


def _same_json(value: Any) -> bool:
    """True when ``value`` comes back from JSON equal and of the same types all the way down."""
    def same(a: Any, b: Any) -> bool:
        if type(a) is not type(b):
            return False
        if isinstance(a, list):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        if isinstance(a, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        return a == b
    try:
        return same(value, json.loads(json.dumps(value)))
    except (TypeError, ValueError):
        return False


def _watched(registry) -> list[str]:
    """The files whose change may change the registry: the modules that define its rules and the
    plugins, their directories (a rule module added to a package), and ``sys.path``'s directories."""
    from dllint import registry as registry_module, rule as rule_module

    # the code behind the rules too: the fingerprint this manifest stands in for hashes it
    files = {registry_module.__file__, rule_module.__file__, *registry_module.code_files(registry)}
    for rule in registry:
        module = sys.modules.get(rule.__module__)
        path = getattr(module, "__file__", None)
        if not path:
            return []  # a rule defined where no file says it changed
        files.add(path)
        files.add(os.path.dirname(path))
    for entry in sys.path:
        files.add(os.path.abspath(entry or os.curdir))
    return sorted(files)


def describe(registry) -> dict | None:
    """The manifest of a loaded registry, or None when one cannot stand in for it exactly."""
    rules = []
    for rule in registry:
        items = {}
        for name, kind in rule.option_items.items():
            if _ITEM_TYPES.get(getattr(kind, "__name__", "")) is not kind:
                return None
            items[name] = kind.__name__
        options = dict(rule.options)
        if not _same_json(options) or not isinstance(rule.default_enabled, bool):
            return None
        rules.append({"code": rule.code, "default_enabled": rule.default_enabled,
                      "options": options, "option_items": items})
    watched = _watched(registry)
    if not watched:
        return None
    return {"format": FORMAT, "environment": _environment(), "files": [_stamp(p) for p in watched],
            "fingerprint": registry.fingerprint(), "rules": rules}


def read(directory: Path) -> RuleManifest | None:
    """The manifest stored in ``directory`` if it is still true of the installed rules, else None."""
    try:
        with open(directory / MANIFEST_NAME, "rb") as handle:
            data = json.loads(handle.read())
        if data.get("format") != FORMAT or data.get("environment") != _environment():
            return None
        for stamp in data["files"]:
            if _stamp(stamp[0]) != stamp:
                return None
        rules = [RuleInfo(r["code"], r["default_enabled"], r["options"],
                          {k: _ITEM_TYPES[v] for k, v in r["option_items"].items()})
                 for r in data["rules"]]
        return RuleManifest(rules, data["fingerprint"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write(directory: Path, registry) -> None:
    """Store the manifest of ``registry`` in ``directory`` (atomically; never fails the run)."""
    data = describe(registry)
    if data is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        write_json(directory / MANIFEST_NAME, data)
    except OSError:
        pass
