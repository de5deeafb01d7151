"""A rule page (Markdown) rendered for a terminal, for ``dllint explain``.

Headings become bold (the page title also coloured), fenced code blocks are indented by four spaces
and coloured, inline ``code`` is coloured and ``**bold**`` is bold; links show their text and
address. Without colour (piped, ``NO_COLOR``, ``--color never``) the page is printed as written:
Markdown is already plain text, and a reader piping it to a file or a pager may want the source.
"""
from __future__ import annotations

import re

from dllint.reports.style import Style

_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*([^*\n]+)\*\*")
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _inline(text: str, style: Style) -> str:
    # Code spans first, so that ** or [] inside them stay literal.
    parts = _INLINE_CODE.split(text)
    out = []
    for index, part in enumerate(parts):
        if index % 2:
            out.append(style.paint(part, "cyan"))
        else:
            part = _LINK.sub(lambda m: f"{m.group(1)} ({style.paint(m.group(2), 'blue')})", part)
            part = _BOLD.sub(lambda m: style.paint(m.group(1), "bold"), part)
            out.append(part)
    return "".join(out)


def render_markdown(page: str, style: Style) -> str:
    if not style.enabled:
        return page if page.endswith("\n") else page + "\n"
    out: list[str] = []
    fence: str | None = None
    for line in page.splitlines():
        opener = _FENCE.match(line)
        if fence is not None:
            if opener and opener.group(1) == fence:
                fence = None
                out.append("")
            else:
                out.append("    " + style.paint(line, "green"))
            continue
        if opener:
            fence = opener.group(1)
            if out and out[-1] != "":
                out.append("")
            continue
        heading = _HEADING.match(line)
        if heading:
            level, title = len(heading.group(1)), heading.group(2).strip()
            out.append(style.paint(title, "bold-cyan" if level == 1 else "bold"))
            if level == 1:
                out.append(style.paint("=" * len(title), "cyan"))
            continue
        out.append(_inline(line, style))
    return "\n".join(out).rstrip("\n") + "\n"
