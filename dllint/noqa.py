"""``# noqa`` comments: on a finding's line, on the first line of its statement, or file-wide.

Comments are found with the tokenizer, so a ``# noqa`` inside a string literal does not count; the
tokenizer only runs when the text "noqa" appears at all.
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

ALL = "*"
_LINE = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_FILE = re.compile(
    r"#\s*dllint\s*:\s*noqa(?::\s?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)


def _codes(text: str | None) -> frozenset[str]:
    if not text:
        return frozenset({ALL})
    return frozenset(c.upper() for c in re.split(r"[,\s]+", text.strip()) if c)


@dataclass
class Suppressions:
    by_line: dict[int, frozenset[str]] = field(default_factory=dict)
    file_codes: frozenset[str] = frozenset()

    def suppresses(self, code: str, lines: tuple[int, ...]) -> bool:
        if ALL in self.file_codes or _matches(code, self.file_codes):
            return True
        for line in lines:
            codes = self.by_line.get(line)
            if codes and (ALL in codes or _matches(code, codes)):
                return True
        return False


def _matches(code: str, codes: frozenset[str]) -> bool:
    return any(code.startswith(c) for c in codes)


def _comments(source: str) -> list[tuple[int, str]]:
    try:
        tokens = tokenize.generate_tokens(io.StringIO(source).readline)
        return [(tok.start[0], tok.string) for tok in tokens if tok.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # Fall back to a textual scan; a file that tokenizes badly still honours its noqa comments.
        found = []
        for number, line in enumerate(source.splitlines(), start=1):
            index = line.find("#")
            if index >= 0:
                found.append((number, line[index:]))
        return found


def parse_suppressions(source: str) -> Suppressions:
    result = Suppressions()
    if "noqa" not in source.lower():
        return result
    file_codes: set[str] = set()
    for line, comment in _comments(source):
        file_match = _FILE.search(comment)
        if file_match:
            file_codes |= _codes(file_match.group("codes"))
            continue
        match = _LINE.search(comment)
        if match:
            result.by_line[line] = result.by_line.get(line, frozenset()) | _codes(match.group("codes"))
    result.file_codes = frozenset(file_codes)
    return result
