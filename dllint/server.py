"""``dllint server``: run the language server on stdin and stdout.

pygls is an optional dependency (the ``lsp`` extra), imported only here, only when the server is
asked for: linting never needs it.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from dllint.registry import RuleRegistry

INSTALL_HINT = 'pip install "dllint[lsp]"'
# pygls and what it needs: any of them missing is fixed by installing the extra
_LSP_DISTRIBUTIONS = ("pygls", "lsprotocol", "cattrs", "attrs")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dllint server",
        description="Run the dllint language server over stdin and stdout (for editors: diagnostics "
                    "on open, change and save; fixes as code actions). See docs/editors.md.",
    )
    # Editors' LSP clients commonly pass --stdio; it is the only transport, so it changes nothing.
    parser.add_argument("--stdio", action="store_true", help="talk over stdin and stdout (the default)")
    return parser


def server_command(argv: Sequence[str], registry: RuleRegistry) -> int:
    """Serve until the client says exit; returns the exit status (2: pygls is missing)."""
    _parser().parse_args(list(argv))
    try:
        from dllint.lsp import build_server
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in _LSP_DISTRIBUTIONS:
            raise  # a broken dllint, not a missing extra
        # also an older pygls, whose modules are laid out differently
        sys.stderr.write(f"dllint: error: the language server needs pygls 2 ({exc}): {INSTALL_HINT}\n")
        return 2
    original = sys.stdout
    # stdout carries the protocol alone: a stray print (a rule pack's, say) goes to stderr instead
    sys.stdout = sys.stderr
    try:
        build_server(registry).start_io(sys.stdin.buffer, original.buffer)
    finally:
        sys.stdout = original
    return 0
