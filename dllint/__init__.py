"""dllint: a linter for the silent bugs of deep-learning training code.

The package never imports torch and never imports or executes the code it reads.
"""
from __future__ import annotations

__version__ = "0.1.0"

from dllint.diagnostics import Diagnostic, Edit, Fix, Severity
from dllint.rule import Invalid, Rule

__all__ = ["Diagnostic", "Edit", "Fix", "Invalid", "Rule", "Severity", "__version__"]
