"""What a rule is: a small class with a code, a name, its examples and a check.

A rule reads top to bottom as: what it looks for (docstring), why it is a bug (docstring and its page
in ``rules/``), the examples that are its tests (VALID, INVALID), the check, and the optional fix.

In an INVALID example the line where the finding must appear ends with ``# expect: CODE``; the test
suite turns every example of every registered rule into a test (``tests/test_rule_examples.py``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from dllint.diagnostics import Severity

if TYPE_CHECKING:
    from dllint.context import FileContext

CODE_PATTERN = re.compile(r"^[A-Z]{1,5}[0-9]{3}$")
EXPECT_MARKER = re.compile(r"#\s*expect:\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)")


@dataclass(frozen=True)
class Invalid:
    """An example that must produce the rule's code at each ``# expect:`` line.

    ``fixed``, when given, is the source after applying the rule's fixes (safe and unsafe).
    """

    code: str
    fixed: str | None = None


def expected_lines(source: str, code: str) -> list[int]:
    """The 1-based lines of ``source`` marked ``# expect: code``."""
    lines = []
    for number, text in enumerate(source.splitlines(), start=1):
        match = EXPECT_MARKER.search(text)
        if match and code in {c.strip() for c in match.group(1).split(",")}:
            lines.append(number)
    return lines


class Rule:
    """Base class of every rule, built-in or from a third-party rule pack.

    Subclasses set the class attributes and implement :meth:`check`, which reports through
    ``ctx.report``. One instance is made per lint run with the resolved per-rule ``options``.
    """

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""  # one sentence: what it finds
    severity: ClassVar[Severity] = "warning"
    default_enabled: ClassVar[bool] = True
    # "safe", "unsafe" or None: the best applicability of the fixes this rule can offer.
    fixable: ClassVar[str | None] = None
    # The rule's page; built-in rules link to rules/CODE.md, a rule pack may point at its own docs.
    url: ClassVar[str] = ""
    # Per-rule options users may set under [tool.dllint.rule-options.CODE] (name -> default value).
    options: ClassVar[dict[str, Any]] = {}
    # The type of the items of a list option whose default is empty (default: str); the
    # configuration is checked against it before any rule runs.
    option_items: ClassVar[dict[str, type]] = {}
    VALID: ClassVar[list[str]] = []
    INVALID: ClassVar[list[str | Invalid]] = []

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        merged = dict(self.options)
        if options:
            merged.update(options)
        self.config: dict[str, Any] = merged

    def check(self, ctx: "FileContext") -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def documentation_url(cls) -> str:
        """Where the rule's page is: its own ``url`` (a rule pack's docs), else the built-in
        catalogue's page. Every output format links this."""
        from dllint.diagnostics import rule_url

        return cls.url or rule_url(cls.code)

    @classmethod
    def describe(cls) -> str:
        return (cls.__doc__ or cls.summary or "").strip()


def validate_rule_class(rule: type[Rule]) -> None:
    """Reject a malformed rule at registration, with a message that names it."""
    if not isinstance(rule, type) or not issubclass(rule, Rule):
        raise TypeError(f"{rule!r} is not a dllint.Rule subclass")
    if not CODE_PATTERN.match(rule.code or ""):
        raise ValueError(f"rule {rule.__name__} has an invalid code {rule.code!r}")
    if not rule.name:
        raise ValueError(f"rule {rule.code} has no name")
    if rule.severity not in ("error", "warning", "info"):
        raise ValueError(f"rule {rule.code} has an invalid severity {rule.severity!r}")
    if rule.fixable not in (None, "safe", "unsafe"):
        raise ValueError(f"rule {rule.code} has an invalid fixable {rule.fixable!r}")
