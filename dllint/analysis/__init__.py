"""What rules share, computed once per file on demand: ``ctx.analysis(SomeAnalysis)``.

An analysis is a class with a ``compute(ctx)`` classmethod; the context caches the instance, so the
second rule that asks for it pays nothing. Analyses read ``ctx.index`` (one walk of the tree) rather
than walking the tree again.
"""
from dllint.analysis.imports import ImportMap, dotted_name

__all__ = ["ImportMap", "dotted_name"]
