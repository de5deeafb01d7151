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
