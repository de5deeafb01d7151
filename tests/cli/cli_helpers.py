"""Helpers for the CLI tests: a small rule pack registered through the pluggy hook (as a
third-party pack would be), a result type and a file writer."""
from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
import pluggy

from dllint.diagnostics import Fix
from dllint.hookspecs import PROJECT, RuleSpec, hookimpl
from dllint.registry import collect_rules
from dllint.rule import Rule
from dllint.rules.tool import InternalError, Skipped, SyntaxErrorRule


def _calls(ctx, names):
    for call in ctx.index.of_type(cst.Call):
        if isinstance(call.func, cst.Name) and call.func.value in names:
            yield call


class BadCall(Rule):
    """Calls to ``bad()``: the test rule with a safe fix (rename to ``good``)."""

    code = "TST001"
    name = "bad-call"
    summary = "A call to bad()."
    severity = "warning"
    fixable = "safe"
    options = {"names": ["bad"], "limit": 0}

    def check(self, ctx) -> None:
        for call in _calls(ctx, self.config["names"]):
            ctx.report(call, f"call to {call.func.value}()",
                       fix=Fix("safe", (ctx.replace_edit(call.func, "good"),), "call good()"))


class RiskyCall(Rule):
    """Calls to ``risky()``: severity error, an unsafe fix (rename to ``careful``)."""

    code = "TST002"
    name = "risky-call"
    summary = "A call to risky()."
    severity = "error"
    fixable = "unsafe"

    def check(self, ctx) -> None:
        for call in _calls(ctx, ("risky",)):
            ctx.report(call, "call to risky()",
                       fix=Fix("unsafe", (ctx.replace_edit(call.func, "careful"),), "call careful()"))


class Todo(Rule):
    """Calls to ``todo()``: off by default, severity info."""

    code = "TST003"
    name = "todo-call"
    summary = "A call to todo()."
    severity = "info"
    default_enabled = False

    def check(self, ctx) -> None:
        for call in _calls(ctx, ("todo",)):
            ctx.report(call, "call to todo(): 50% done, a:b,c")


class Crashes(Rule):
    """Raises on files that call ``crash()``: shows DL000."""

    code = "TST004"
    name = "crashes"
    summary = "Crashes on crash()."

    def check(self, ctx) -> None:
        for _ in _calls(ctx, ("crash",)):
            raise RuntimeError("boom")


class BreaksSyntax(Rule):
    """Calls to ``broken()``: a safe fix whose result does not parse (must be refused)."""

    code = "TST005"
    name = "breaks-syntax"
    summary = "A fix that would break the file."
    fixable = "safe"
    default_enabled = False

    def check(self, ctx) -> None:
        for call in _calls(ctx, ("broken",)):
            ctx.report(call, "call to broken()",
                       fix=Fix("safe", (ctx.replace_edit(call.func, "def ("),), "break it"))


class KillsProcess(Rule):
    """Kills the process linting a file that calls ``die()``, as a crash in native code would."""

    code = "TST006"
    name = "kills-process"
    summary = "Dies on die()."
    default_enabled = False

    def check(self, ctx) -> None:
        for _ in _calls(ctx, ("die",)):
            os.kill(os.getpid(), signal.SIGSEGV)


class Hangs(Rule):
    """Never finishes on a file that calls ``hang()``: shows the per-file time limit."""

    code = "TST007"
    name = "hangs"
    summary = "Hangs on hang()."
    default_enabled = False

    def check(self, ctx) -> None:
        for _ in _calls(ctx, ("hang",)):
            while True:  # computes: the time limit counts CPU time
                time.perf_counter()


class Hogs(Rule):
    """Grows its memory on a file that calls ``hog()``, as the parser does on a huge literal: shows
    the per-file memory limit. Stops at 2 GiB, so a broken bound fails the test, not the machine."""

    code = "TST008"
    name = "hogs"
    summary = "Eats memory on hog()."
    default_enabled = False

    def check(self, ctx) -> None:
        for _ in _calls(ctx, ("hog",)):
            held = []
            for _ in range(64):
                held.append(bytearray(32 * 2 ** 20))  # written: resident, not only reserved
                time.sleep(0.05)


class _Pack:
    @hookimpl
    def dllint_rules(self):
        return [InternalError, SyntaxErrorRule, Skipped, BadCall, RiskyCall, Todo, Crashes,
                BreaksSyntax, KillsProcess, Hangs, Hogs]


def _plugin_manager() -> pluggy.PluginManager:
    # Through the same hook as any rule pack, but without the built-in rule modules: the CLI tests
    # must not depend on the rules other work is adding (the default registry is tested end to end
    # in the subprocess tests).
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(RuleSpec)
    pm.register(_Pack(), name="cli-test-pack")
    return pm


TEST_REGISTRY = collect_rules(_plugin_manager())


@dataclass
class Result:
    code: int
    out: str
    err: str


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
