"""``--add-noqa``: silence every current finding with a ``# noqa: CODE`` comment on its line.

The comment goes on the line the finding reports (which ``dllint.noqa`` honours, as it honours the
first line of the statement). An existing ``# noqa: CODES`` comment gets the missing codes merged
into it, sorted and never twice; another comment gets ``  # noqa: CODES`` after it. A line whose
end lies inside a string (a triple-quoted literal spanning lines) or that continues with a
backslash cannot take a comment, nor can a line holding a file-wide ``# dllint: noqa: CODES``; the
comment then goes on the first line of the statement if that one can, else the finding is left
alone and counted. The file is tokenized, never executed, and a result that no longer compiles
is not written.
"""
from __future__ import annotations

import ast
import codecs
import io
import re
import tokenize
import warnings
from dataclasses import dataclass, field
from typing import Iterable

from dllint.diagnostics import Diagnostic
from dllint.source import DecodeError, decode_source
from dllint.noqa import _FILE, _LINE

_CODES = re.compile(r"[,\s]+")


@dataclass
class NoqaResult:
    text: str
    added: int = 0  # codes added to comments
    skipped: list[Diagnostic] = field(default_factory=list)  # no line could take the comment


def _line_facts(source: str) -> tuple[set[int], dict[int, tuple[int, str]]]:
    """Lines whose end cannot take a comment, and each line's comment as (column, text)."""
    blocked: set[int] = set()
    comments: dict[int, tuple[int, str]] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        (start_line, start_col), (end_line, _) = token.start, token.end
        if token.type == tokenize.COMMENT:
            comments[start_line] = (start_col, token.string)
        elif end_line > start_line and token.type not in (tokenize.NL, tokenize.NEWLINE):
            blocked.update(range(start_line, end_line))  # a string spanning lines
    lines = source.splitlines()
    for number, line in enumerate(lines, start=1):
        if number not in comments and line.rstrip().endswith("\\"):
            blocked.add(number)
    return blocked, comments


def _merge(comment: str, codes: set[str]) -> tuple[str, int] | None:
    """The comment with ``codes`` added to its noqa, and how many were new; None for a file-wide
    ``# dllint: noqa`` comment, which makes dllint.noqa read no line codes on its line."""
    if _FILE.search(comment):
        return None
    match = _LINE.search(comment)
    if match is None:
        return f"{comment}  # noqa: {', '.join(sorted(codes))}", len(codes)
    listed = match.group("codes")
    if not listed:  # a bare "# noqa" silences everything already
        return comment, 0
    have = {c.upper() for c in _CODES.split(listed) if c}
    missing = {c for c in codes if not any(c.startswith(h) for h in have)}
    if not missing:
        return comment, 0
    merged = f"# noqa: {', '.join(sorted(have | missing))}"
    return comment[:match.start()] + merged + comment[match.end():], len(missing)


def add_noqa(source: str, diagnostics: Iterable[Diagnostic]) -> NoqaResult:
    """``source`` with a noqa comment for each finding (cell-less findings of this one file)."""
    blocked, comments = _line_facts(source)
    lines = source.splitlines(keepends=True)
    wanted: dict[int, set[str]] = {}
    skipped = []
    for number, (_, comment) in comments.items():
        if _FILE.search(comment):
            blocked.add(number)
    for d in diagnostics:
        target = None
        for line in (d.line, d.statement_line or d.line):
            if 1 <= line <= len(lines) and line not in blocked:
                target = line
                break
        if target is None:
            skipped.append(d)
        else:
            wanted.setdefault(target, set()).add(d.code)
    added = 0
    for number, codes in wanted.items():
        text = lines[number - 1]
        body = text.rstrip("\r\n")
        ending = text[len(body):]
        if number in comments:
            column, comment = comments[number]
            new_comment, count = _merge(comment, codes) or (comment, 0)
            body = body[:column] + new_comment + body[column + len(comment):]
        else:
            body = f"{body.rstrip()}  # noqa: {', '.join(sorted(codes))}"
            count = len(codes)
        added += count
        lines[number - 1] = body + ending
    return NoqaResult("".join(lines), added, skipped)


def _compiles(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<dllint>", "exec", dont_inherit=True, flags=ast.PyCF_ONLY_AST)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def add_noqa_to_bytes(data: bytes, diagnostics: list[Diagnostic]) -> tuple[bytes | None, NoqaResult | None]:
    """New bytes for a file (its encoding, BOM and line endings kept), or ``(None, None)`` when the
    file cannot be tokenized, or the result would not compile where the original did."""
    try:
        source = decode_source(data)
        result = add_noqa(source, diagnostics)
    except (DecodeError, tokenize.TokenError, SyntaxError, IndentationError):
        return None, None
    if result.added == 0:
        return data, result
    if _compiles(source) and not _compiles(result.text):
        return None, None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        return codecs.BOM_UTF8 + result.text.encode("utf-8"), result
    return result.text.encode(encoding if encoding != "utf-8-sig" else "utf-8"), result

