"""Source text as Python reads it, and the grammars dllint can lint for; no parser imported here
(a warm run, which parses nothing, imports only this)."""
from __future__ import annotations

import codecs
import io
import re
import tokenize

# --target-version: the Python whose grammar the linted code is written for (engine.set_target_version).
TARGET_VERSIONS = {"py310": (3, 10), "py311": (3, 11), "py312": (3, 12), "py313": (3, 13)}


class DecodeError(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


# Codecs that a package registers at run time to rewrite newer syntax for older interpreters
# (``# -*- coding: future_fstrings -*-``): their input is UTF-8 text that the interpreters we lint
# for read as it is. Not registered here, so CPython's cookie lookup fails; any other unknown codec
# stays an error.
_UTF8_SOURCE_CODECS = frozenset({"future_fstrings", "future-fstrings", "future_annotations",
                                 "future-annotations"})


def decode_source(data: bytes) -> str:
    """Bytes to text as Python itself would read them: BOM, PEP 263 cookie, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        unknown = re.match(r"unknown encoding(?: for [^:]*)?: (\S+)", exc.msg or "")
        if unknown is None or unknown.group(1).lower() not in _UTF8_SOURCE_CODECS:
            raise DecodeError(f"cannot detect the source encoding: {exc.msg}") from None
        encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line = data[: getattr(exc, "start", 0)].count(b"\n") + 1
        raise DecodeError(f"cannot decode the file as {encoding}: {exc}", line=line) from None


_INDENT = re.compile(r"[ \t\f]*")


def expand_indentation_tabs(source: str) -> str | None:
    """``source`` with the tabs of every line's indentation expanded as CPython reads them (to the
    next multiple of 8 columns), or None when there is no such tab or the text does not tokenize.

    libcst's tokenizer rejects some mixes of tabs and spaces that CPython accepts (a line indented
    with a tab and spaces inside a block indented with spaces); the expanded text keeps every line
    where it was, so findings keep their lines. Lines inside a multi-line string are left as they
    are."""
    if "\t" not in source:
        return None
    inside: set[int] = set()  # 1-based rows that start inside a string literal
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                inside.update(range(token.start[0] + 1, token.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    lines = source.split("\n")
    changed = False
    for row, line in enumerate(lines, start=1):
        indent = _INDENT.match(line).group()
        if "\t" not in indent or row in inside:
            continue
        column = 0
        for char in indent:
            column = (column // 8 + 1) * 8 if char == "\t" else 0 if char == "\f" else column + 1
        lines[row - 1] = " " * column + line[len(indent):]
        changed = True
    return "\n".join(lines) if changed else None


# A print statement's first argument: a name, a number, a string, a display, or ``>>stream``.
_PRINT_ARGUMENT_OPS = frozenset({"{", ">>"})
_STATEMENT_START = frozenset({tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.NL,
                              tokenize.ENCODING})


def python2_prints_as_calls(source: str) -> str | None:
    """``source`` with its Python 2 print statements written as calls (``print x, y`` ->
    ``print( x, y)``, ``print >>f, x`` -> ``print(  f, x)``, a bare ``print`` -> ``print()``), or
    None when there is none or the text does not tokenize.

    Most Python 2 files of training code differ from Python 3 only by their print statements (the
    first audit: 29 of 31); read this way, the rest of the file can be analysed. Every line stays
    where it was (only columns after ``print`` move on its line), so findings keep their lines. The
    caller checks that the result parses: other Python 2 syntax leaves the file unread."""
    if "print" not in source:
        return None
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
                  if t.type not in (tokenize.COMMENT, tokenize.NL)]
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    edits: list[tuple[tuple[int, int], tuple[int, int], str]] = []  # (start, end, replacement)
    depth = 0
    previous = None
    for index, token in enumerate(tokens):
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth = max(depth - 1, 0)
        starts = (previous is None or previous.type in _STATEMENT_START
                  or (depth == 0 and previous.type == tokenize.OP and previous.string in ":;"))
        previous = token
        if not (starts and token.type == tokenize.NAME and token.string == "print"):
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if following is None or following.type == tokenize.NEWLINE or (
                following.type == tokenize.OP and following.string == ";"):
            edits.append((token.end, token.end, "()"))
            continue
        if not (following.type in (tokenize.NAME, tokenize.NUMBER, tokenize.STRING)
                or (following.type == tokenize.OP and following.string in _PRINT_ARGUMENT_OPS)):
            continue  # print(...), print = ..., print.x: Python 3 reads these already
        # the statement ends at the first NEWLINE or ';' outside brackets
        level, last = 0, following
        for later in tokens[index + 1:]:
            if later.type == tokenize.OP and later.string in "([{":
                level += 1
            elif later.type == tokenize.OP and later.string in ")]}":
                level -= 1
            elif level <= 0 and (later.type in (tokenize.NEWLINE, tokenize.ENDMARKER) or (
                    later.type == tokenize.OP and later.string == ";")):
                break
            last = later
        edits.append((token.end, token.end, "("))
        if following.type == tokenize.OP and following.string == ">>":
            edits.append((following.start, following.end, "  "))
        edits.append((last.end, last.end, ")"))
    if not edits:
        return None
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    text = source
    for (row, column), (end_row, end_column), replacement in sorted(edits, reverse=True):
        start = offsets[row - 1] + column
        end = offsets[end_row - 1] + end_column
        text = text[:start] + replacement + text[end:]
    return text


# Words that became keywords in Python 3.7 and that older code used as names: ``x.cuda(async=True)``
# (PyTorch's ``non_blocking`` was spelled ``async`` before 0.4), ``def f(async=False)``, ``obj.async``.
_NEW_KEYWORDS = frozenset({"async", "await"})


def old_keywords_as_names(source: str) -> str | None:
    """``source`` with ``async``/``await`` used as a name (a keyword argument or parameter
    ``async=...``, an attribute ``.async``) written ``async_``/``await_``, or None when there is none
    or the text does not tokenize.

    Python 3.6 read them as names; since 3.7 such a file is rejected (DL001) and was not analysed
    (issue 14: chexnet's ``target.cuda(async=True)``). Every line stays where it was (only columns
    after the word move on its line). The caller checks that the result parses."""
    if "async" not in source and "await" not in source:
        return None
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
                  if t.type not in (tokenize.COMMENT, tokenize.NL)]
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    edits: list[tuple[int, int]] = []  # (row, column) after each word to rename
    depth = 0
    for index, token in enumerate(tokens):
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth = max(depth - 1, 0)
        if token.type != tokenize.NAME or token.string not in _NEW_KEYWORDS:
            continue
        before = tokens[index - 1] if index else None
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        keyword = depth > 0 and after is not None and after.type == tokenize.OP and after.string == "="
        attribute = before is not None and before.type == tokenize.OP and before.string == "."
        if keyword or attribute:
            edits.append(token.end)
    if not edits:
        return None
    lines = source.splitlines(keepends=True)
    for row, column in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:column] + "_" + line[column:]
    return "".join(lines)
