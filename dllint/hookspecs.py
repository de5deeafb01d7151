"""The one extension point of dllint: a pluggy hook that hands over rule classes.

Built-in rules are registered exactly like a third-party pack: a module (or object) with a
``dllint_rules`` hook implementation, advertised in the ``dllint`` entry-point group.
"""
from __future__ import annotations

import pluggy

PROJECT = "dllint"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class RuleSpec:
    @hookspec
    def dllint_rules(self) -> list:
        """Return the rule classes (``dllint.Rule`` subclasses) this plugin provides."""
