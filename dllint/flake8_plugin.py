"""dllint inside flake8: the ``DL`` plugin (entry point ``DL`` in ``flake8.extension``).

Editors that speak flake8 (VS Code, PyCharm, vim) show dllint's findings through this adapter. It
ignores flake8's ``ast`` tree: the file is re-parsed with libcst by dllint's own engine from the
``lines`` flake8 read (already decoded, BOM stripped), so the findings are exactly the CLI's.

What flake8 decides:
- which codes are shown: ``--select DL``, ``--extend-ignore DL101``, ``--per-file-ignores``; with
  no ``--select``, the ``DL`` codes and those of every installed rule pack;
- ``# noqa`` on the reported line (or any line of a multi-line statement).

``# noqa`` is honoured twice on purpose, and that is safe because hiding a finding is idempotent:
dllint's own filter adds what flake8 does not know (the file-wide ``# dllint: noqa`` and a ``# noqa``
on the first line of a statement), so flake8 shows the same findings as ``dllint``. Under flake8's
``--disable-noqa`` the plugin switches its own filter off too, as that option promises.

A file that Python cannot parse never reaches the plugin: flake8 reports it as E999 itself, where
the CLI reports DL001.

Which rules run: as for ``dllint`` on the same file: the nearest ``[tool.dllint]`` (select, ignore,
extend-select, per-file-ignores, per-rule options) decides, then any rule whose full code is named
in flake8's ``--select``/``--extend-select`` is added (so ``--extend-select DL599`` switches on an
opt-in rule). A broken configuration is reported once on stderr and the defaults are used: an
editor integration must not fail on every file.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Any, ClassVar, Iterator, Sequence

from dllint import __version__
from dllint.config import (
    ConfigError, FileConfig, Layer, PerFileIgnores, apply_ignores, find_config, load_config,
    resolve_selection,
)
from dllint.engine import lint_source
from dllint.registry import default_registry
from dllint.rule import Rule

TOOL_CODES = ("DL000", "DL001", "DL002")


class _Settings:
    """What one configuration file resolves to; shared by the files it governs."""

    def __init__(self, config: FileConfig, explicit: frozenset[str]) -> None:
        self.registry = default_registry()
        layers = [Layer(config.select, list(config.extend_select), list(config.ignore))]
        wanted = sorted(code for code in explicit if code in self.registry)
        if wanted:
            layers.append(Layer(None, wanted, []))
        self.enabled = resolve_selection(self.registry, layers)
        self.options = config.rule_options
        self.per_file = PerFileIgnores.build(config.per_file_ignores, config.root)
        self._rules: dict[frozenset[str], list[Rule]] = {}

    def rules_for(self, path: Path | None) -> tuple[list[Rule], tuple[str, ...]]:
        codes = self.enabled
        if path is not None:
            codes = apply_ignores(codes, self.per_file.codes_for(path))
        rules = self._rules.get(codes)
        if rules is None:
            rules = [self.registry.by_code[c](self.options.get(c)) for c in sorted(codes)
                     if c not in TOOL_CODES]
            self._rules[codes] = rules
        return rules, tuple(c for c in TOOL_CODES if c in codes)


class Plugin:
    """A flake8 AST plugin; flake8 passes ``tree``, ``lines`` and ``filename`` by parameter name."""

    name = "dllint"
    version = __version__

    # Resolved from flake8's options (parse_options) and the configuration files, once per process.
    _explicit_codes: ClassVar[frozenset[str]] = frozenset()
    _apply_noqa: ClassVar[bool] = True
    _by_config: ClassVar[dict[Path | None, _Settings]] = {}
    _config_of_dir: ClassVar[dict[Path, Path | None]] = {}
    _warned: ClassVar[set[str]] = set()
    # Tests (and embedders) may pin the rule instances; None: from the configuration.
    _rules: ClassVar[list[Rule] | None] = None

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str) -> None:
        del tree  # flake8's ast is not used: dllint works on libcst's concrete tree
        self.lines = lines
        self.filename = filename

    @classmethod
    def parse_options(cls, option_manager: Any, options: Any, args: Any) -> None:
        explicit: set[str] = set()
        for attr in ("select", "extend_select"):
            for code in getattr(options, attr, None) or ():
                explicit.add(str(code).strip().upper())
        cls._explicit_codes = frozenset(explicit)
        cls._select_pack_codes(options)
        cls._apply_noqa = not getattr(options, "disable_noqa", False)
        cls._by_config = {}
        cls._config_of_dir = {}

    @staticmethod
    def _select_pack_codes(options: Any) -> None:
        """flake8 shows by default only the codes that start with a plugin's entry-point name (``DL``):
        a rule pack's codes (``TP001``) were dropped as not selected, whatever dllint reported. Its
        codes join flake8's default selection, which flake8 reads after this hook; an explicit
        ``--select`` still decides alone, as flake8 promises."""
        extended = getattr(options, "extended_default_select", None)
        if not isinstance(extended, list):
            return
        try:
            registry = default_registry()
        except Exception:  # noqa: BLE001 - a broken pack is reported when the rules run
            return
        for code in sorted(registry.by_code):
            if not code.startswith("DL") and code not in extended:
                extended.append(code)

    @classmethod
    def _settings(cls, path: Path | None) -> _Settings:
        directory = (path.parent if path is not None else Path.cwd()).resolve()
        if directory not in cls._config_of_dir:
            cls._config_of_dir[directory] = find_config(directory)
        config_path = cls._config_of_dir[directory]
        settings = cls._by_config.get(config_path)
        if settings is None:
            try:
                config = load_config(config_path, default_registry())
            except ConfigError as exc:
                if str(exc) not in cls._warned:
                    cls._warned.add(str(exc))
                    print(f"dllint (flake8 plugin): {exc}; using the default rules", file=sys.stderr)
                config = FileConfig()
            settings = _Settings(config, cls._explicit_codes)
            cls._by_config[config_path] = settings
        return settings

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        source = "".join(self.lines)
        if source.startswith("\ufeff"):  # flake8 strips the BOM already; a direct caller may not
            source = source[1:]
        path = None if self.filename in ("-", "stdin", "") else Path(self.filename).resolve()
        if self._rules is not None:
            rules, tool_codes = self._rules, TOOL_CODES
        else:
            rules, tool_codes = self._settings(path).rules_for(path)
        findings = lint_source(source, self.filename, rules, enabled_tool_codes=tool_codes,
                               apply_noqa=self._apply_noqa)
        for d in findings:
            # dllint's columns are 1-based; flake8 expects 0-based and adds one when it prints.
            yield d.line, max(d.column - 1, 0), f"{d.code} {d.message}", type(self)
