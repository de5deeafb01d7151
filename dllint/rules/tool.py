"""The tool's own findings. The engine emits them; they are rules so that users can list, select,
ignore and read about them like any other."""
from __future__ import annotations

from dllint.rule import Rule


class InternalError(Rule):
    """A rule failed on this file. The other rules and files were still linted; please report it
    with the file (or a reduced version of it) so that the rule can be fixed."""

    code = "DL000"
    name = "internal-error"
    summary = "A rule crashed on this file; the rest of the run went on."
    severity = "error"

    def check(self, ctx) -> None:  # emitted by the engine
        return None


class SyntaxErrorRule(Rule):
    """The file could not be decoded or parsed, so no other rule could look at it."""

    code = "DL001"
    name = "syntax-error"
    summary = "The file could not be decoded or parsed."
    severity = "error"
    INVALID = ["def broken(:  # expect: DL001\n    pass\n"]
    VALID = ["def fine():\n    pass\n"]

    def check(self, ctx) -> None:  # emitted by the engine
        return None


class Skipped(Rule):
    """The file was not checked: it is larger than ``max-file-size``, linting it took longer than
    ``time-limit`` or more memory than ``max-memory``, or it is not a regular file (a named pipe,
    a device)."""

    code = "DL002"
    name = "skipped"
    summary = "The file was not checked: over a size, time or memory limit, or not a regular file."
    severity = "error"
    # Only the nesting bound is a property of the text; size, time and file type are the runner's.
    INVALID = ["checks = [\n    " + " or ".join(["flag"] * 1600) + "  # expect: DL002\n]\n"]
    VALID = ["checks = [\n    " + " or ".join(["flag"] * 200) + "\n]\n"]

    def check(self, ctx) -> None:  # emitted by the engine and the runner
        return None
