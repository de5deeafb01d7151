"""One file in, its findings out: decode, parse once, run every enabled rule, apply ``# noqa``.

Never raises on user input: bytes that do not decode or a file that does not parse become a DL001
finding; a rule that crashes becomes a DL000 finding naming the rule, and the other rules still run.
"""
from __future__ import annotations

import ast
import gc
import io
import re
import sys
import threading
import tokenize
import traceback
import warnings
from typing import Iterable, Sequence

import libcst as cst

from dllint.analysis.unreachable import DeadLines, switched_spans
from dllint.context import FileContext
from dllint.diagnostics import Diagnostic, rule_url
from dllint.noqa import parse_suppressions
from dllint.rule import Rule
# decoding and the grammar names live apart, so that a warm run (nothing to parse) never imports libcst
from dllint.source import TARGET_VERSIONS, DecodeError, decode_source  # noqa: F401 - re-exported
from dllint.source import expand_indentation_tabs, old_keywords_as_names, python2_prints_as_calls

PARSE_ERROR = ("DL001", "syntax-error")
INTERNAL_ERROR = ("DL000", "internal-error")
SKIPPED = ("DL002", "skipped")

# --target-version: the Python whose grammar the linted code is written for. None: the running one.
# Set once per process (the runner does it in each worker), like the rules a worker builds.
_target: tuple[int, int] | None = None
_config: cst.PartialParserConfig | None = None
# Without CPython's own check (syntax newer than this interpreter), libcst's native parser must be
# kept from input that overflows its stack; CPython itself stops at 200 nested brackets.
_MAX_NESTING = 100
_MAX_UNARY_CHAIN = 100
_MAX_ELIF = 1000


def parser_config(name: str) -> cst.PartialParserConfig:
    """libcst's configuration for a target; ValueError when the installed libcst does not know
    that grammar (its list grows with its releases)."""
    major, minor = TARGET_VERSIONS[name]
    return cst.PartialParserConfig(python_version=f"{major}.{minor}")


def set_target_version(name: str | None) -> None:
    """Lint for the grammar of ``name`` (a key of TARGET_VERSIONS), or of this interpreter."""
    global _target, _config
    _target = TARGET_VERSIONS[name] if name else None
    _config = parser_config(name) if name else None


def _tool_diagnostic(path: str, code_name: tuple[str, str], message: str, line: int = 1,
                     column: int = 1) -> Diagnostic:
    code, name = code_name
    return Diagnostic(
        path=path, line=line, column=column, end_line=line, end_column=column, code=code,
        name=name, message=message, severity="error", url=rule_url(code), statement_line=line,
    )


def _python_syntax_error(path: str, source: str) -> tuple[Diagnostic | None, ast.Module | None]:
    """(DL001, None) if CPython's own parser rejects the file, else (None, its ast tree).

    Run before libcst on every file, for two reasons. libcst's native parser overflows its stack and
    kills the whole process (a segmentation fault, not an exception) on input nested deeper than
    CPython accepts: 1,500 nested parentheses, 10,000 chained unary minuses or ``elif``s; and it
    takes quadratic time on some long chains CPython refuses anyway. CPython's parser stops such
    input within milliseconds (a nesting limit, a recursion limit). And its message and position
    are exact, where libcst's are often a line late. It costs about 8% of a libcst parse.
    """
    target, running = _target, sys.version_info[:2]
    # Under the recursion limit Python would run the file with, not the deep stack's: what
    # CPython refuses there (too deeply nested to compile) is a file Python cannot run.
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(min(limit, _python_limit))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like are not ours to report
            if target is not None and target < running:
                # CPython's parser refuses (best effort) syntax newer than the target.
                tree = compile(source, path, "exec", dont_inherit=True, flags=ast.PyCF_ONLY_AST,
                               _feature_version=target[1])
            else:
                tree = compile(source, path, "exec", dont_inherit=True, flags=ast.PyCF_ONLY_AST)
    except SyntaxError as syntax:
        if target is not None and target > running and not _too_deep(source):
            return None, None  # maybe syntax of the newer target: libcst decides
        line = max(syntax.lineno or 1, 1)
        column = max(syntax.offset or 1, 1)
        return _tool_diagnostic(path, PARSE_ERROR, f"could not parse the file: {syntax.msg}",
                                line=line, column=column), None
    except ValueError as exc:  # null bytes (Python 3.11)
        line = source[: source.find("\0")].count("\n") + 1 if "\0" in source else 1
        return _tool_diagnostic(path, PARSE_ERROR, f"could not parse the file: {exc}", line=line), None
    except (RecursionError, MemoryError):
        return _tool_diagnostic(path, PARSE_ERROR,
                                "could not parse the file: it is nested too deeply for Python's parser"), None
    finally:
        sys.setrecursionlimit(limit)
    return None, tree


def python_syntax_error(path: str, source: str) -> Diagnostic | None:
    """The DL001 that CPython's parser gives ``source`` (under the target version), or None when it
    accepts it. Cheap: no libcst parse, no rule (a notebook's cells are checked one by one)."""
    return _python_syntax_error(path, source)[0]


def _parse_error(path: str, source: str, exc: cst.ParserSyntaxError) -> Diagnostic:
    """DL001 for a file CPython accepts and libcst does not: rare (``(x): int = 1``, syntax newer
    than libcst), and the tool's limitation rather than the user's mistake, which the message says."""
    message = str(exc.message).strip().splitlines()[0] if exc.message else "invalid syntax"
    return _tool_diagnostic(path, PARSE_ERROR,
                            "could not parse the file: Python accepts it, but dllint's parser "
                            f"(libcst) does not support this syntax: {message}",
                            line=max(exc.editor_line, 1), column=max(exc.editor_column, 1))


def _too_deep(source: str) -> bool:
    """Whether ``source`` nests deeper than libcst's parser can safely take (or does not tokenize)."""
    depth = deepest = unary = longest = elifs = 0
    previous = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            text = token.string
            if token.type == tokenize.OP and text in "([{":
                depth += 1
                deepest = max(deepest, depth)
            elif token.type == tokenize.OP and text in ")]}":
                depth -= 1
            if (text in ("-", "+", "~", "not") and previous is not None
                    and (previous.type == tokenize.OP or previous.string == "not")):
                unary += 1
                longest = max(longest, unary)
            elif token.type not in (tokenize.NL, tokenize.COMMENT):
                unary = 0
            elifs += text == "elif" and token.type == tokenize.NAME
            previous = token
    except (tokenize.TokenError, SyntaxError, ValueError):
        return True
    return deepest > _MAX_NESTING or longest > _MAX_UNARY_CHAIN or elifs > _MAX_ELIF


def python3_reading(path: str, source: str) -> tuple[str, ast.Module] | None:
    """For a file CPython rejects: the text with its Python 2 print statements read as calls and
    ``async``/``await`` used as names (Python <= 3.6) renamed, and CPython's tree of it, when that
    text is Python 3; else None."""
    text = source
    for rewrite in (python2_prints_as_calls, old_keywords_as_names):
        rewritten = rewrite(text)
        if rewritten is not None:
            text = rewritten
    if text is source:
        return None
    rejected, tree = _python_syntax_error(path, text)
    if rejected is not None or tree is None:
        return None
    return text, tree


def parse(source: str) -> cst.Module:
    if _config is None:
        return cst.parse_module(source)
    return cst.parse_module(source, config=_config)


def parse_as_python_reads(source: str) -> tuple[cst.Module, str]:
    """The libcst tree of ``source`` and the text it was parsed from: ``source`` itself, or, when
    libcst's tokenizer rejects an indentation that CPython accepts (a tab among spaces), the text
    with its indentation tabs expanded (same lines; columns move on those lines). Raises libcst's
    error when neither parses."""
    try:
        return parse(source), source
    except cst.ParserSyntaxError:
        expanded = expand_indentation_tabs(source)
        if expanded is None:
            raise
        try:
            return parse(expanded), expanded
        except cst.ParserSyntaxError:
            pass
        raise


def lint_source(
    source: str,
    path: str,
    rules: Sequence[Rule],
    *,
    enabled_tool_codes: Iterable[str] = ("DL000", "DL001", "DL002"),
    apply_noqa: bool = True,
) -> list[Diagnostic]:
    """Lint text. ``rules`` are the enabled rule instances; DL000/DL001 obey ``enabled_tool_codes``.

    ``apply_noqa=False`` keeps the findings that ``# noqa`` comments would hide (the flake8 plugin
    under ``--disable-noqa``)."""
    # The cyclic garbage collector is paused while one file is linted: a libcst tree is hundreds of
    # thousands of acyclic objects whose allocation keeps triggering collections that find nothing
    # (10 to 25% of the lint time, and superlinear in the file's size). Cycles that rules or
    # analyses create are collected after the file, when the collector runs again.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return on_deep_stack(_lint_source, source, path, rules, enabled_tool_codes, apply_noqa)
    finally:
        if paused:
            gc.enable()


# How deep an expression dllint follows, counted as libcst nests it (``a or b or c`` is one node in
# Python's tree and a chain of two in libcst's). CPython itself refuses about 3,000 levels of
# parentheses, operators or calls; chains of ``and``/``or`` go past that, and make libcst's native
# parser overflow its stack. Hand-written code stays far below (torch's deepest is under 100);
# several analyses cost the square of the depth. A deeper file is skipped (DL002), never half-linted.
MAX_NESTING = 1500
# Every walk of libcst (its parser, visitors, code generation) and several analyses recurse once
# or more per level of nesting, so a file is linted on a thread whose stack and recursion limit
# fit MAX_NESTING levels, whatever the caller's own stack.
_STACK_BYTES = 1 << 29
_RECURSION_LIMIT = 30 * MAX_NESTING
_python_limit = sys.getrecursionlimit()  # the limit of the caller of the latest lint


def on_deep_stack(function, *args):
    outcome: list = []

    def target() -> None:
        try:
            outcome.append((True, function(*args)))
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            outcome.append((False, exc))

    global _python_limit
    limit = sys.getrecursionlimit()
    if limit < _RECURSION_LIMIT:  # not a call from within a deep stack
        _python_limit = limit
    try:
        previous_size = threading.stack_size(_STACK_BYTES)
    except (ValueError, RuntimeError):  # a platform without settable stacks: lint here
        return function(*args)
    try:
        worker = threading.Thread(target=target, name="dllint-lint", daemon=True)
        sys.setrecursionlimit(max(limit, _RECURSION_LIMIT))
        try:
            worker.start()
        except RuntimeError:  # no memory for such a stack (overcommit off): lint here
            sys.setrecursionlimit(limit)
            return function(*args)
    finally:
        threading.stack_size(previous_size)
    worker.join()
    sys.setrecursionlimit(limit)
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def _nesting(tree: ast.AST) -> tuple[int, int]:
    """(depth, line) of the most deeply nested expression, as libcst will nest it; an explicit
    stack, for the tree may be deeper than Python's recursion limit."""
    deepest, line = 0, 1
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    push = stack.append
    node_type, bool_op = ast.AST, ast.BoolOp
    while stack:
        node, depth = stack.pop()
        depth += len(node.values) - 1 if type(node) is bool_op else 1  # type: ignore[attr-defined]
        if depth > deepest:
            deepest, line = depth, getattr(node, "lineno", line)
        # ast.iter_child_nodes inlined (the same children in the same order): two generators per
        # node made this walk a tenth of the lint's time
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, node_type):
                push((value, depth))
            elif type(value) is list:
                for item in value:
                    if isinstance(item, node_type):
                        push((item, depth))
    return deepest, line


def _one_line(exc: BaseException) -> str:
    """An exception's text as one short line: a KeyError of a syntax node is its whole repr."""
    lines = str(exc).splitlines() or [""]
    text = lines[0] + (" ..." if len(lines) > 1 else "")
    return text if len(text) <= 160 else text[:157] + "..."


def _lint_source(source: str, path: str, rules: Sequence[Rule], enabled_tool_codes: Iterable[str],
                 apply_noqa: bool) -> list[Diagnostic]:
    tool_codes = set(enabled_tool_codes)
    rejected, tree = _python_syntax_error(path, source)
    read = source  # the text that is parsed and analysed
    if rejected is not None:
        legacy = python3_reading(path, source)
        if legacy is None:
            if "DL001" not in tool_codes:
                return []
            return _suppressed([rejected], source) if apply_noqa else [rejected]
        # Python 2 print statements, ``async=`` as a name (Python <= 3.6): DL001 stays, and the
        # rest of the file is analysed as if they were calls / names (same lines); no fix is
        # offered on such a file.
        read, tree = legacy
    # No tree: syntax newer than this interpreter, whose nesting _too_deep already bounded.
    depth, line = _nesting(tree) if tree is not None else (0, 1)
    if depth > MAX_NESTING:
        if "DL002" not in tool_codes:
            return []
        return [_tool_diagnostic(
            path, SKIPPED, f"skipped: an expression on line {line} is nested {depth:,} levels deep; "
            f"dllint follows at most {MAX_NESTING:,} (split the expression)", line=line)]
    try:
        module, text = parse_as_python_reads(read)
    except cst.ParserSyntaxError as exc:
        if "DL001" not in tool_codes:
            return []
        found = [rejected or _parse_error(path, source, exc)]
        return _suppressed(found, source) if apply_noqa else found
    except (RecursionError, MemoryError, ValueError) as exc:  # pathological nesting and the like
        if "DL001" not in tool_codes:
            return []
        return [_tool_diagnostic(path, PARSE_ERROR, f"could not parse the file: {type(exc).__name__}")]
    if text is not read:  # tabs expanded: CPython's tree of the text the rules read
        tree = _python_syntax_error(path, text)[1]
    ctx = FileContext(path, text, module, python_ast=tree)
    found: list[Diagnostic] = []
    for rule in rules:
        ctx.rule = rule
        before = len(ctx.diagnostics)
        try:
            rule.check(ctx)
        except Exception as exc:  # noqa: BLE001 - one rule's bug must not stop the others
            del ctx.diagnostics[before:]
            if "DL000" in tool_codes:
                where = _innermost_frame(exc)
                found.append(_tool_diagnostic(
                    path, INTERNAL_ERROR,
                    f"internal error in rule {rule.code} ({rule.name}) on this file: "
                    f"{type(exc).__name__}: {_one_line(exc)}{where}; please report it",
                ))
    ctx.rule = None
    # only a file with findings pays for its dead spans (a walk of CPython's tree; the switches'
    # spans: positions, a graph per scope): most files have none to drop
    if ctx.diagnostics:
        dead = DeadLines(tree, text, switched_spans(ctx))
        found.extend(d for d in ctx.diagnostics if not dead or d.line not in dead)
    if text is not source:  # a fix's columns are those of the text read, not of the file
        found = [d.with_changes(fix=None) if d.fix else d for d in found]
    if rejected is not None and "DL001" in tool_codes:
        found.append(rejected)
    if not apply_noqa or not found:  # most files: nothing to filter, so the comments are not read
        found.sort(key=Diagnostic.sort_key)
        return found
    return _suppressed(found, source)


def _suppressed(found: list[Diagnostic], source: str) -> list[Diagnostic]:
    """Drop what ``# noqa`` comments hide (never DL000: a crash is not the user's to silence)."""
    if not found:  # nothing to hide: the comments need not be read (most files of a project)
        return found
    suppressions = parse_suppressions(source)
    kept = [
        d for d in found
        if d.code in ("DL000",)
        or not suppressions.suppresses(d.code, (d.line, d.statement_line or d.line))
    ]
    kept.sort(key=Diagnostic.sort_key)
    return kept


def _innermost_frame(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f" (at {re.sub(r'^.*/(dllint|site-packages)/', '', last.filename)}:{last.lineno})"


def lint_bytes(data: bytes, path: str, rules: Sequence[Rule], *,
               enabled_tool_codes: Iterable[str] = ("DL000", "DL001", "DL002"),
               apply_noqa: bool = True) -> list[Diagnostic]:
    try:
        source = decode_source(data)
    except DecodeError as exc:
        if "DL001" not in set(enabled_tool_codes):
            return []
        return [_tool_diagnostic(path, PARSE_ERROR, str(exc), line=exc.line, column=exc.column)]
    return lint_source(source, path, rules, enabled_tool_codes=enabled_tool_codes,
                       apply_noqa=apply_noqa)
