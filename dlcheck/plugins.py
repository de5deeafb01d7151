"""Build the plugin manager a watcher dispatches through: built-ins come from the entry point."""

from __future__ import annotations

import importlib
import importlib.metadata
from typing import Any

import pluggy

from dlcheck import hookspecs

_ENTRY_POINT_PLUGINS: list[tuple[str, Any]] | None = None


def _entry_point_plugins() -> list[tuple[str, Any]]:
    # Scanning distribution metadata costs tens of milliseconds: do it once per process.
    global _ENTRY_POINT_PLUGINS
    if _ENTRY_POINT_PLUGINS is None:
        found: list[tuple[str, Any]] = []
        for ep in importlib.metadata.entry_points(group=hookspecs.PROJECT):
            found.append((ep.name, ep.load()))
        if not any(name == "builtin" for name, _ in found):
            # running from a source tree that was never pip-installed: the built-ins must still load
            found.insert(0, ("builtin", importlib.import_module("dlcheck.checks")))
        _ENTRY_POINT_PLUGINS = found
    return _ENTRY_POINT_PLUGINS


def make_plugin_manager(extra_plugins: list[Any] | None = None) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name, plugin in _entry_point_plugins():
        if pm.get_plugin(name) is None and not pm.is_registered(plugin):
            pm.register(plugin, name=name)
    for plugin in extra_plugins or ():
        pm.register(plugin)
    return pm
