"""Colour for people at a terminal: when to use it, and the few styles the reports use.

``--color always|never`` decides outright. ``auto`` (the default) asks the environment: ``NO_COLOR``
set to anything non-empty turns colour off (https://no-color.org), else ``FORCE_COLOR`` set to
anything non-empty turns it on (https://force-color.org), else colour is on when the output is a
terminal that is not ``TERM=dumb``. ``NO_COLOR`` wins over ``FORCE_COLOR``: both set means one of
them was inherited, and plain text is the safer reading.
"""
from __future__ import annotations

import os
from typing import Mapping, TextIO

CHOICES = ("auto", "always", "never")

_CODES = {
    "bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34",
    "magenta": "35", "cyan": "36", "bold-red": "1;31", "bold-cyan": "1;36", "bold-blue": "1;34",
}


def use_color(choice: str, stream: TextIO | None, environ: Mapping[str, str] | None = None) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class Style:
    """``style.paint(text, "red")``: ANSI-coloured when enabled, the text itself when not."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def paint(self, text: str, name: str) -> str:
        if not self.enabled or not text:
            return text
        return f"\x1b[{_CODES[name]}m{text}\x1b[0m"


SEVERITY_COLOR = {"error": "bold-red", "warning": "yellow", "info": "blue"}
