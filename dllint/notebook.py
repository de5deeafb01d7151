"""Jupyter notebooks: their code cells as one module, and findings mapped back to cells.

The code cells are joined in cell order, so that a name defined in one cell and misused in a later
one is seen as in a script (data leakage lives in notebooks more than anywhere). IPython syntax is
read as IPython reads it, and what is not Python is blanked line for line, so that line numbers
stay aligned:

- a cell magic whose body is Python (``%%time``, ``%%timeit``, ``%%capture``, ``%%prun``): its
  first line is blanked and the body linted; any other cell magic (``%%bash``, ``%%writefile``):
  the whole cell;
- a line magic (``%matplotlib inline``), a shell escape (``!pip install x``), a help line (``obj?``,
  ``obj.attr??``, ``??obj``), an automagic (``pip install x``, ``cd data``: a magic's name at the
  start of a line that is not Python): that line, and its continuation lines (after a ``\\``, or
  while a bracket the magic's arguments opened is open: ``%timeit f(a,`` / ``b)``); ``x = !ls``
  and ``y = %time f()`` become ``x = None`` so that the name stays defined; inside an indented block
  a blanked line becomes ``pass`` at its indentation so that the block still parses;
- a cell whose first line is indented (IPython removes that indentation from every line that
  starts with it): dedented, and the columns of its findings shifted back;
- a cell pasted from a console (``>>> x = f()`` / ``... y``, or IPython's ``In [3]: x`` /
  ``   ...: y``): IPython strips the prompts (when the cell's first line has one, or its second
  line a continuation prompt), and so does the linter, columns shifted back as for a dedent.

Cell numbers are 1-based and count ALL cells, markdown and raw ones included: "cell 4" is the fourth
cell from the top as the notebook shows it. Execution counts (``In [7]``) are not used: they change
with every run and are missing in a notebook saved without output.

``--fix`` rewrites a notebook only when that cannot corrupt it (see ``fix_notebook``): otherwise its
findings are reported unfixed, with a warning.
"""
from __future__ import annotations

import codeop
import copy
import json
import re
import warnings
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Callable, Sequence

from dllint.diagnostics import Diagnostic


class NotebookError(Exception):
    """The file is not a notebook we can read (bad JSON, unexpected structure)."""


@dataclass
class NotebookSource:
    source: str
    # (first line of the cell in ``source``, 1-based; the cell's 1-based number; its line count)
    cells: list[tuple[int, int, int]] = field(default_factory=list)
    python: bool = True  # False for a notebook of another language: nothing to lint
    # For fixing: each code cell's dict and its original lines; module lines blanked as IPython syntax.
    code_cells: list[tuple[dict, list[str]]] = field(default_factory=list)
    altered: set[int] = field(default_factory=set)
    notebook: dict | None = None
    # module line -> columns removed from its start (a dedented cell, a console prompt)
    shifts: dict[int, int] = field(default_factory=dict)

    def locate(self, line: int) -> tuple[int, int] | None:
        """Module line -> (cell number, line within the cell)."""
        starts = [start for start, _, _ in self.cells]
        index = bisect_right(starts, line) - 1
        if index < 0:
            return None
        start, number, count = self.cells[index]
        if line >= start + max(count, 1):
            return None
        return number, line - start + 1

    def map_diagnostic(self, diagnostic: Diagnostic) -> Diagnostic:
        where = self.locate(diagnostic.line)
        if where is None:
            return diagnostic.with_changes(cell=None)
        cell, line = where
        offset = diagnostic.line - line
        shift = self.shifts.get(diagnostic.line, 0)  # columns a dedented cell lost
        end = self.locate(diagnostic.end_line)
        if end is not None and end[0] == cell:
            end_line = end[1]
            end_column = diagnostic.end_column + self.shifts.get(diagnostic.end_line, 0)
        else:  # a span running into the next cell: end it at the start line
            end_line, end_column = line, max(diagnostic.end_column, diagnostic.column) + shift
        statement = diagnostic.statement_line
        if statement is not None:
            statement = max(1, statement - offset)
        return diagnostic.with_changes(cell=cell, line=line, column=diagnostic.column + shift,
                                       end_line=end_line, end_column=end_column, statement_line=statement,
                                       message=self._relocate(diagnostic.message))

    def _relocate(self, message: str) -> str:
        """Line numbers a rule cites in its message ("split afterwards (line 57)") are lines of the
        joined module; a reader of the notebook needs the cell and the line inside it."""
        def one(number: str) -> str:
            where = self.locate(int(number))
            return f"cell {where[0]} line {where[1]}" if where else f"line {number}"

        def replace(match: re.Match) -> str:
            return _NUMBER.sub(lambda n: one(n.group(0)), match.group(2))

        return _LINE_REFERENCE.sub(replace, message)


_LINE_REFERENCE = re.compile(r"\b(lines?) (\d+(?:(?:, and |, | and )\d+)*)\b")
_NUMBER = re.compile(r"\d+")
_CELL_MAGIC = re.compile(r"^\s*%%")
# cell magics that run their body as Python in the kernel
_PYTHON_CELL_MAGIC = re.compile(r"^\s*%%(?:time|timeit|capture|prun)\b")
# IPython line magics and aliases that automagic lets one call without the ``%``
_AUTOMAGICS = frozenset({
    "alias", "autocall", "automagic", "autoreload", "bookmark", "cat", "cd", "clear", "colors",
    "conda", "config", "cp", "debug", "dhist", "dirs", "doctest_mode", "edit", "env", "gui",
    "history", "less", "load", "load_ext", "logstart", "logstop", "ls", "lsmagic", "macro", "magic",
    "mamba", "man", "matplotlib", "micromamba", "mkdir", "more", "mv", "notebook", "page", "pdb",
    "pdef", "pdoc", "pfile", "pinfo", "pinfo2", "pip", "popd", "pprint", "precision", "prun",
    "psearch", "psource", "pushd", "pwd", "pycat", "pylab", "quickref", "recall", "rehashx",
    "reload_ext", "rerun", "reset", "reset_selective", "rm", "rmdir", "run", "save", "sc", "set_env",
    "store", "sx", "system", "tb", "time", "timeit", "unalias", "unload_ext", "uv", "who", "who_ls",
    "whos", "xdel", "xmode",
})
_AUTOMAGIC = re.compile(r"^\s*([A-Za-z_]\w*)\s+\S")
_LINE_ESCAPE = re.compile(r"^(\s*)(%|!)")
_ASSIGN_ESCAPE = re.compile(r"^(\s*)([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*(%|!)")
_HELP = re.compile(r"^(\s*)(?:\?{1,2}[\w.]+|[\w.]+(?:\(\))?\?{1,2})\s*$")


def _scan(line: str, depth: int, quote: str | None) -> tuple[int, str | None]:
    """Bracket depth and open triple-quoted string after ``line``: a magic is only recognised at
    the start of a logical line, never inside brackets (``(a\n % b)``) or a string."""
    i = 0
    n = len(line)
    while i < n:
        char = line[i]
        if quote:
            if char == "\\":
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
            i += 1
            continue
        if char == "#":
            break
        if char in "\"'":
            triple = line[i:i + 3]
            if triple in ('"""', "'''"):
                quote = triple
                i += 3
                continue
            end = i + 1
            while end < n and line[end] != char:
                end += 2 if line[end] == "\\" else 1
            i = end + 1
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        i += 1
    return depth, quote


def _is_automagic(line: str) -> bool:
    """``pip install x``, ``cd ..``: a magic's name first, and a line that Python cannot read (so
    ``time = 3`` and ``run(x)`` stay Python)."""
    match = _AUTOMAGIC.match(line)
    if match is None or match.group(1) not in _AUTOMAGICS:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            # None: the start of a longer statement (``env = dict(``), which is Python
            codeop.compile_command(line.strip(), "<cell>", "exec")
        except SyntaxError:
            return True
        except (ValueError, OverflowError, MemoryError, RecursionError):
            return False
    return False


def _is_help(line: str) -> bool:
    """``obj?``, ``obj.method??``, ``?obj``, ``%magic?``: IPython's help, never Python (a ``?``
    cannot end a Python line outside a string or comment)."""
    stripped = line.strip()
    if _HELP.match(line):
        return True
    if not stripped.endswith("?") or "#" in stripped or "'" in stripped or '"' in stripped:
        return False
    return True


def _leading_indent(lines: list[str]) -> str:
    """The indentation IPython removes from a cell: that of its first line, when it has any."""
    first = lines[0] if lines else ""
    return first[: len(first) - len(first.lstrip(" \t"))] if first.strip() else ""


# IPython's classic and ipython prompt strippers (IPython.core.inputtransformer2): a prompt is taken
# off every line that has one when the cell's first non-blank line starts with the first prompt or
# the line after it with a continuation prompt.
_PROMPTS = (
    (re.compile(r"^>>>( |$)"), re.compile(r"^(>>>|\.\.\.)( |$)")),
    (re.compile(r"^In \[\d+\]: "), re.compile(r"^(In \[\d+\]: |\s*\.{3,}: ?)")),
)


def _strip_prompts(lines: list[str]) -> list[str]:
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    for first, prompt in _PROMPTS:
        if start < len(lines) and (first.match(lines[start])
                                   or (start + 1 < len(lines) and prompt.match(lines[start + 1]))):
            lines = [prompt.sub("", line, count=1) for line in lines]
    return lines


def _clean_cell(lines: list[str]) -> list[str]:
    first = next((line for line in lines if line.strip()), "")
    if _CELL_MAGIC.match(first):
        if not _PYTHON_CELL_MAGIC.match(first):
            return ["" for _ in lines]
        index = lines.index(first)
        return ["" for _ in lines[: index + 1]] + _clean_cell(lines[index + 1:])
    out: list[str] = []
    # A blanked line's logical line goes on: after a ``\\``, or while a bracket or a triple-quoted
    # string its arguments opened is still open (IPython reads ``%timeit f(a,\n  b)`` as one
    # line, as Python's tokenizer does).
    continuing = False
    magic_depth, magic_quote = 0, None
    depth, quote = 0, None
    joined = False  # a backslash continuation of a code line
    for line in lines:
        if continuing:
            magic_depth, magic_quote = _scan(line, magic_depth, magic_quote)
            continuing = magic_depth > 0 or magic_quote is not None or line.rstrip().endswith("\\")
            out.append("")
            continue
        at_statement_start = depth == 0 and quote is None and not joined
        if at_statement_start:
            assign = _ASSIGN_ESCAPE.match(line)
            escape = _LINE_ESCAPE.match(line)
            if assign or escape or _is_help(line) or _is_automagic(line):
                out.append(f"{assign.group(1)}{assign.group(2)} = None" if assign else _blank(line))
                magic_depth, magic_quote = _scan(line, 0, None) if assign or escape else (0, None)
                continuing = magic_depth > 0 or magic_quote is not None or line.rstrip().endswith("\\")
                continue
        depth, quote = _scan(line, depth, quote)
        joined = quote is None and line.rstrip().endswith("\\")
        out.append(line)
    return out


def _blank(line: str) -> str:
    indent = line[: len(line) - len(line.lstrip())]
    return f"{indent}pass" if indent else ""


def _cell_text(cell: dict) -> str:
    text = cell.get("source", cell.get("input", ""))
    if isinstance(text, list):
        if not all(isinstance(part, str) for part in text):
            raise NotebookError("a cell's source is not text")
        return "".join(text)
    if not isinstance(text, str):
        raise NotebookError("a cell's source is not text")
    return text


def _cells(notebook: dict) -> list[dict]:
    if "cells" in notebook:
        cells = notebook["cells"]
    elif "worksheets" in notebook:  # nbformat 3
        cells = [c for sheet in notebook.get("worksheets") or [] for c in sheet.get("cells", [])]
    else:
        raise NotebookError("no 'cells' in the notebook")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise NotebookError("'cells' is not a list of cells")
    return cells


def _is_python(notebook: dict) -> bool:
    metadata = notebook.get("metadata")
    if not isinstance(metadata, dict):
        return True
    info = metadata.get("language_info")
    if isinstance(info, dict) and isinstance(info.get("name"), str):
        return info["name"].lower() in ("python", "python3", "ipython", "ipython3")
    kernel = metadata.get("kernelspec")
    if isinstance(kernel, dict) and isinstance(kernel.get("language"), str):
        return kernel["language"].lower() == "python"
    return True


def load_notebook(text: str) -> NotebookSource:
    try:
        notebook = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise NotebookError(f"not valid JSON: {exc}") from None
    return notebook_source(notebook)


def notebook_source(notebook: object) -> NotebookSource:
    if not isinstance(notebook, dict):
        raise NotebookError("the notebook is not a JSON object")
    cells = _cells(notebook)
    result = NotebookSource(source="", python=_is_python(notebook), notebook=notebook)
    parts: list[str] = []
    line = 1
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        lines = _cell_text(cell).replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        indent = _leading_indent(lines)
        dedented = _strip_prompts(
            [text[len(indent):] if indent and text.startswith(indent) else text for text in lines])
        cleaned = _clean_cell(dedented)
        result.cells.append((line, number, len(cleaned)))
        result.code_cells.append((cell, lines))
        result.altered.update(line + i for i, (a, b) in enumerate(zip(lines, cleaned)) if a != b)
        for i, (a, b) in enumerate(zip(lines, dedented)):
            if a != b:
                result.shifts[line + i] = len(a) - len(b)
        parts.extend(cleaned)
        # An empty cell still takes no line; the next cell starts right after this one.
        line += len(cleaned)
    result.source = "\n".join(parts) + ("\n" if parts else "")
    return result


# -- fixing -----------------------------------------------------------------------------------------
#
# A notebook is rewritten only when nothing but the fixed cells' sources can change: its JSON must
# re-serialise byte for byte as it was read (the layout Jupyter writes: sorted or not, any indent),
# every edit must lie inside one code cell and leave IPython lines alone, no cell may hold a
# carriage return, and the joined module must still parse after every round.

def _serialise(notebook: dict, indent: int | None, ascii_only: bool, trailing: str) -> str:
    return json.dumps(notebook, indent=indent, ensure_ascii=ascii_only) + trailing


def _layout(text: str, notebook: dict) -> tuple[int | None, bool, str] | None:
    """The json.dumps settings that reproduce ``text`` exactly, or None."""
    trailing = text[len(text.rstrip("\n")):]
    for ascii_only in (False, True):
        for indent in (1, 2, 4, None, 3):
            if _serialise(notebook, indent, ascii_only, trailing) == text:
                return indent, ascii_only, trailing
    return None


def _set_source(cell: dict, text: str) -> None:
    key = "source" if "source" in cell else "input"
    if isinstance(cell.get(key), list):
        cell[key] = text.splitlines(keepends=True)
    else:
        cell[key] = text


def fix_notebook(text: str, lint: "Callable[[str], Sequence[Diagnostic]]", *, unsafe: bool = False,
                 rounds: int = 10) -> tuple[str | None, list[Diagnostic]]:
    """Apply the wanted fixes to the notebook ``text``; ``lint`` lints a joined module source.

    Returns the new text (None: unchanged or not safely fixable) and the fixes applied.
    """
    import libcst as cst

    from dllint.fix import apply_edits, wanted

    try:
        notebook = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None, []
    if not isinstance(notebook, dict):
        return None, []
    layout = _layout(text, notebook)
    if layout is None:
        return None, []
    applied: list[Diagnostic] = []
    for _ in range(rounds):
        snapshot = copy.deepcopy(notebook)
        try:
            loaded = notebook_source(notebook)
        except NotebookError:
            return None, []
        if any("\r" in "".join(lines) for _, lines in loaded.code_cells):
            return None, []
        per_cell: dict[int, list] = {}
        taken: list[Diagnostic] = []
        for diagnostic in lint(loaded.source):
            if not wanted(diagnostic, unsafe):
                continue
            mapped = cell_edits(loaded, diagnostic)
            if mapped is None:
                continue
            index, edits = mapped
            per_cell.setdefault(index, []).extend(edits)
            taken.append(diagnostic)
        if not per_cell:
            break
        changed = False
        for index, edits in per_cell.items():
            cell, lines = loaded.code_cells[index]
            original = _cell_text(cell)
            body = "\n".join(lines) + "\n"
            new = apply_edits(body, edits)
            if not original.endswith("\n") and new.endswith("\n"):
                new = new[:-1]
            if new != original:
                _set_source(cell, new)
                changed = True
        if not changed:
            break
        try:
            cst.parse_module(notebook_source(notebook).source)
        except Exception:  # noqa: BLE001 - a fix that breaks the code is never written
            notebook = snapshot
            break
        applied.extend(taken)
    if not applied:
        return None, []
    new_text = _serialise(notebook, *layout)
    return (new_text if new_text != text else None), applied


def cell_edits(loaded: NotebookSource, diagnostic: Diagnostic):
    """The diagnostic's edits in the coordinates of one cell, or None when they are not all inside
    one code cell's Python lines."""
    fix = diagnostic.fix
    if fix is None or not fix.edits:
        return None
    from dllint.diagnostics import Edit

    found_index = None
    out = []
    starts = [start for start, _, _ in loaded.cells]
    for edit in fix.edits:
        index = bisect_right(starts, edit.line) - 1
        if index < 0:
            return None
        start, _, count = loaded.cells[index]
        last = start + count - 1
        if edit.line > last:
            return None
        end_line, end_column = edit.end_line, edit.end_column
        if end_line == last + 1 and end_column == 1:
            pass  # up to the end of the cell's last line, newline included
        elif end_line > last:
            return None
        if any(line in loaded.altered for line in range(edit.line, min(end_line, last) + 1)):
            return None
        if found_index is not None and index != found_index:
            return None
        found_index = index
        out.append(Edit(edit.line - start + 1, edit.column, end_line - start + 1, end_column,
                        edit.content))
    return found_index, out


# -- locations in the notebook file -----------------------------------------------------------------

def json_locations(text: str, wanted: "Sequence[tuple[int, int]]") -> dict[tuple[int, int], tuple[int, int, str, bool]]:
    """Where source lines sit in the ``.ipynb`` file itself, for tools that show the raw file
    (SARIF viewers): (cell number, line in the cell) -> (line in the file, 1-based column where the
    line's JSON string content starts, the source line, whether the file escapes non-ASCII).

    Only for the layout Jupyter writes (an indented JSON whose sources are lists of lines); other
    notebooks give an empty mapping. Each wanted source string is swapped for a marker, the
    notebook is serialised again in its own layout, and the marker found: one JSON string for
    another, so line numbers and the indentation before the string are those of the file.
    """
    try:
        notebook = json.loads(text)
        cells = _cells(notebook)
    except (json.JSONDecodeError, RecursionError, NotebookError, AttributeError, TypeError):
        return {}
    layout = _layout(text, notebook)
    if layout is None or layout[0] is None:
        return {}
    marks: dict[tuple[int, int], tuple[str, str]] = {}
    for number, line in sorted(set(wanted)):
        if not 1 <= number <= len(cells):
            continue
        source = cells[number - 1].get("source")
        if not isinstance(source, list) or not 1 <= line <= len(source):
            continue
        marker = f"\x00dllint-{number}-{line}\x00"
        marks[(number, line)] = (marker, source[line - 1])
        source[line - 1] = marker
    dumped = _serialise(notebook, *layout)
    out = {}
    for key, (marker, original) in marks.items():
        position = dumped.find(json.dumps(marker))
        if position < 0:
            continue
        line_start = dumped.rfind("\n", 0, position) + 1
        out[key] = (dumped.count("\n", 0, position) + 1, position - line_start + 2, original, layout[1])
    return out


def json_column(location: tuple[int, int, str, bool], column: int) -> int:
    """The file column of ``column`` (1-based, in the source line) inside the JSON string."""
    _, start, text, ascii_only = location
    prefix = text[: max(column - 1, 0)]
    return start + len(json.dumps(prefix, ensure_ascii=ascii_only)) - 2
