"""Configuration: the ``[tool.dllint]`` table, rule selection and per-file ignores.

Where the table comes from: ``--config FILE`` (a ``pyproject.toml`` holding ``[tool.dllint]``, or a
``dllint.toml`` whose top level is the table), else the nearest ``dllint.toml`` or ``pyproject.toml``
with a ``[tool.dllint]`` table in the first linted path's directory or above it (the current
directory when linting stdin). Paths in the table (per-file-ignores, exclude) are relative to the
directory of the file that holds it; with no file, to the current directory.

Selection is layered like ruff's: the rules that are on by default, then the configuration file,
then the command line. In each layer ``select`` starts over, ``extend-select`` adds and ``ignore``
removes; within a layer the more specific selector wins (``--select DL1 --ignore DL101`` drops
DL101, ``--select DL101 --ignore DL1`` keeps it), and on a tie ``ignore`` wins.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from dllint.globs import InvalidGlob, compile_pattern, matched, matched_itself
from dllint.registry import RuleRegistry

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, published as tomli (declared for 3.10 in pyproject.toml)
    import tomli as tomllib

KEYS = (
    "select", "ignore", "extend-select", "per-file-ignores", "exclude", "extend-exclude",
    "rule-options", "target-version", "max-file-size", "time-limit", "max-memory",
)
# The tool's findings that no selection hides: a file that crashed or was skipped was not checked,
# and saying nothing about it would pass for "no findings". Only an ``ignore`` naming them drops them.
ALWAYS_REPORTED = ("DL000", "DL002")
ECHO_LIMIT = 60  # characters of a user's value echoed back in an error message
SELECTOR = re.compile(r"^(ALL|[A-Z]+[0-9]*)$")


class ConfigError(Exception):
    """A problem with the configuration or the command line: one line, exit status 2."""


@dataclass
class FileConfig:
    """The validated ``[tool.dllint]`` table (empty when there is none) and where it lives."""

    path: Path | None = None
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] | None = None
    extend_exclude: list[str] = field(default_factory=list)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    target_version: str | None = None
    max_file_size: int | None = None  # None: not set here (the runner's default applies)
    max_memory: int | None = None  # None: not set here (the runner's default applies)
    time_limit: float | None = None

    @property
    def root(self) -> Path:
        return self.path.parent.resolve() if self.path else Path.cwd().resolve()


# -- finding and reading the file -------------------------------------------------------------------

def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None
    except RecursionError:  # tomllib parses arrays and inline tables recursively
        raise ConfigError(f"{path}: malformed TOML: arrays or tables nested too deeply") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot decode as UTF-8: {exc.reason}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration file {path}: {exc.strerror or exc}") from None


def _table_of(path: Path, data: dict) -> dict | None:
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        if not isinstance(tool, dict):
            return None
        table = tool.get("dllint")
        if table is not None and not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.dllint] must be a table")
        return table
    return data


def find_config(start: Path) -> Path | None:
    """The nearest ``dllint.toml`` or ``pyproject.toml`` with ``[tool.dllint]`` at or above ``start``."""
    try:
        start = start.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        start = Path(os.path.abspath(start))
    directory = start if start.is_dir() else start.parent
    for candidate_dir in (directory, *directory.parents):
        own = candidate_dir / "dllint.toml"
        if own.is_file():
            return own
        pyproject = candidate_dir / "pyproject.toml"
        if pyproject.is_file():
            try:
                with open(pyproject, "rb") as handle:
                    data = tomllib.load(handle)
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError):
                # An unrelated broken pyproject above us is not ours to complain about, unless it
                # names our table; a cheap textual check decides.
                try:
                    if "[tool.dllint" in pyproject.read_text(errors="replace"):
                        return pyproject
                except OSError:
                    pass
                continue
            tool = data.get("tool")
            if isinstance(tool, dict) and "dllint" in tool:
                return pyproject
    return None


def load_config(path: Path | None, registry: RuleRegistry, *, explicit: bool = False) -> FileConfig:
    """Read and validate the table in ``path`` (``None``: no configuration file)."""
    if path is None:
        return FileConfig()
    if explicit and not path.is_file():
        raise ConfigError(f"configuration file not found: {path}")
    data = _read_toml(path)
    table = _table_of(path, data)
    if table is None:
        if explicit:
            raise ConfigError(f"{path}: no [tool.dllint] table")
        return FileConfig(path=path)
    return validate_table(table, registry, path)


def _where(path: Path | None, key: str) -> str:
    return f"{path}: {key}" if path else key


def shown(value: Any) -> str:
    """``repr(value)``, cut short: an error message echoes what the user wrote, not 10 MB of it.
    Built without ``repr`` of the whole value, which recurses through nested lists and tables."""
    if isinstance(value, (list, dict)):
        text = "[...]" if isinstance(value, list) else "{...}"
        if len(value) == 0:
            text = "[]" if isinstance(value, list) else "{}"
        return text
    text = repr(value[: ECHO_LIMIT + 1] if isinstance(value, str) else value)
    if len(text) > ECHO_LIMIT:
        text = text[:ECHO_LIMIT] + "..."
    return text


def _string_list(value: Any, path: Path | None, key: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        bad = next((v for v in value if not isinstance(v, str)), value) if isinstance(value, list) else value
        raise ConfigError(f"{_where(path, key)} must be a list of strings, got {shown(bad)}")
    return list(value)


_UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3, "KIB": 1024, "MIB": 1024 ** 2,
          "GIB": 1024 ** 3}


def parse_size(value: Any, where: str) -> int | None:
    """``max-file-size``: bytes as an integer, or a string such as ``"4MB"`` or ``"512 KiB"``;
    0 means no bound (``None``)."""
    number: float | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", value[:40])
        if match and match.group(2).upper() in _UNITS:
            number = float(match.group(1)) * _UNITS[match.group(2).upper()]
    if number is None or number < 0:
        raise ConfigError(f"{where} must be a size in bytes (like 4000000, \"4MB\" or \"512KiB\"; "
                          f"0 for no bound), got {shown(value)}")
    return int(number) or None


def parse_seconds(value: Any, where: str) -> float | None:
    """``time-limit``: seconds, a positive number; 0 means no bound (``None``)."""
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value[:40])
        except ValueError:
            number = None
    if number is None or not number >= 0 or number == float("inf"):
        raise ConfigError(f"{where} must be a number of seconds (0 for no bound), got {shown(value)}")
    return number or None


def validate_selectors(selectors: Iterable[str], registry: RuleRegistry, where: str) -> list[str]:
    out = []
    for raw in selectors:
        selector = raw.strip().upper()
        if not selector:
            continue
        if not SELECTOR.match(selector):
            raise ConfigError(f"{where}: {shown(raw)} is not a rule code or prefix (like DL101 or DL1)")
        if selector != "ALL" and not any(code.startswith(selector) for code in registry.by_code):
            raise ConfigError(f"{where}: unknown rule code or prefix {shown(raw)} (see `dllint rules`)")
        out.append(selector)
    return out


def _type_ok(default: Any, value: Any, items: type | None = None) -> bool:
    if default is None:
        return True
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, (list, tuple)):
        if not isinstance(value, list):
            return False
        kinds = {type(v) for v in default} or {items or str}
        return all(type(v) in kinds for v in value)
    return isinstance(value, type(default))


def _type_name(default: Any, items: type | None) -> str:
    if isinstance(default, (list, tuple)):
        kinds = sorted({type(v).__name__ for v in default}) or [(items or str).__name__]
        return f"list of {' or '.join(kinds)}"
    return type(default).__name__


def validate_rule_options(options: Any, registry: RuleRegistry, path: Path | None) -> dict[str, dict[str, Any]]:
    if not isinstance(options, dict):
        raise ConfigError(f"{_where(path, 'rule-options')} must be a table of CODE -> options")
    out: dict[str, dict[str, Any]] = {}
    for code, values in options.items():
        rule = registry.get(str(code).upper())
        if rule is None:
            raise ConfigError(f"{_where(path, 'rule-options')}: unknown rule code {shown(code)}")
        if not isinstance(values, dict):
            raise ConfigError(f"{_where(path, f'rule-options.{rule.code}')} must be a table")
        for name, value in values.items():
            if name not in rule.options:
                known = ", ".join(sorted(rule.options)) or "none"
                raise ConfigError(
                    f"{_where(path, f'rule-options.{rule.code}')}: unknown option {shown(name)} "
                    f"(options of {rule.code}: {known})"
                )
            default = rule.options[name]
            items = rule.option_items.get(name)
            if not _type_ok(default, value, items):
                raise ConfigError(
                    f"{_where(path, f'rule-options.{rule.code}.{name}')} must be of type "
                    f"{_type_name(default, items)} like its default {shown(default)}, got {shown(value)}"
                )
        out[rule.code] = dict(values)
    return out


def validate_table(table: dict, registry: RuleRegistry, path: Path | None = None) -> FileConfig:
    for key in table:
        if key not in KEYS:
            hint = ""
            if key.replace("_", "-") in KEYS:
                hint = f" (did you mean {key.replace('_', '-')!r}?)"
            where = f"{path}: " if path else ""
            raise ConfigError(f"{where}unknown key {shown(key)} in the dllint configuration{hint}")
    config = FileConfig(path=path)
    if "select" in table:
        config.select = validate_selectors(_string_list(table["select"], path, "select"), registry,
                                           _where(path, "select"))
    if "ignore" in table:
        config.ignore = validate_selectors(_string_list(table["ignore"], path, "ignore"), registry,
                                           _where(path, "ignore"))
    if "extend-select" in table:
        config.extend_select = validate_selectors(
            _string_list(table["extend-select"], path, "extend-select"), registry,
            _where(path, "extend-select"))
    if "per-file-ignores" in table:
        value = table["per-file-ignores"]
        if not isinstance(value, dict):
            raise ConfigError(f"{_where(path, 'per-file-ignores')} must be a table of glob -> codes")
        for glob, codes in value.items():
            key = f"per-file-ignores.{shown(glob)}"
            if isinstance(codes, str):
                codes = [codes]
            config.per_file_ignores[glob] = validate_selectors(
                _string_list(codes, path, key), registry, _where(path, key))
            PathPattern(glob, Path("."), _where(path, "per-file-ignores"))
    if "exclude" in table:
        config.exclude = _string_list(table["exclude"], path, "exclude")
        for glob in config.exclude:
            PathPattern(glob, Path("."), _where(path, "exclude"))
    if "extend-exclude" in table:
        config.extend_exclude = _string_list(table["extend-exclude"], path, "extend-exclude")
        for glob in config.extend_exclude:
            PathPattern(glob, Path("."), _where(path, "extend-exclude"))
    if "rule-options" in table:
        config.rule_options = validate_rule_options(table["rule-options"], registry, path)
    if "target-version" in table:
        config.target_version = validate_target_version(table["target-version"],
                                                        _where(path, "target-version"))
    if "max-file-size" in table:
        config.max_file_size = parse_size(table["max-file-size"], _where(path, "max-file-size")) or 0
    if "max-memory" in table:
        config.max_memory = parse_size(table["max-memory"], _where(path, "max-memory")) or 0
    if "time-limit" in table:
        config.time_limit = parse_seconds(table["time-limit"], _where(path, "time-limit")) or 0.0
    return config


def validate_target_version(value: Any, where: str) -> str:
    """``py310`` ... ``py313``: the grammars libcst's native parser and this tool are tested with."""
    from dllint.engine import TARGET_VERSIONS, parser_config

    if not isinstance(value, str) or value.strip().lower() not in TARGET_VERSIONS:
        raise ConfigError(f"{where}: unsupported target version {value!r} "
                          f"(one of {', '.join(TARGET_VERSIONS)})")
    name = value.strip().lower()
    try:
        parser_config(name)
    except ValueError:
        raise ConfigError(f"{where}: the installed libcst cannot parse the grammar of {name}; "
                          "upgrade libcst") from None
    return name


# -- selection --------------------------------------------------------------------------------------

def split_codes(values: Sequence[str] | None) -> list[str] | None:
    """``["DL1,DL2", "DL301"]`` (repeated or comma-separated options) -> ``["DL1", "DL2", "DL301"]``."""
    if values is None:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _specificity(selector: str, code: str) -> int:
    if selector == "ALL":
        return 0
    return len(selector) if code.startswith(selector) else -1


@dataclass
class Layer:
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)


def resolve_selection(registry: RuleRegistry, layers: Iterable[Layer]) -> frozenset[str]:
    layers = list(layers)
    enabled = {rule.code for rule in registry if rule.default_enabled}
    for layer in layers:
        current = set() if layer.select is not None else set(enabled)
        adding = list(layer.select or []) + list(layer.extend_select)
        for code in registry.by_code:
            selected = max((_specificity(s, code) for s in adding), default=-1)
            ignored = max((_specificity(s, code) for s in layer.ignore), default=-1)
            if selected < 0 and ignored < 0:
                continue
            if selected > ignored:
                current.add(code)
            else:
                current.discard(code)
        enabled = current
    for code in ALWAYS_REPORTED:
        ignored = any(_specificity(s, code) > 0 for layer in layers for s in layer.ignore)
        if code in registry.by_code and not ignored:
            enabled.add(code)
    return frozenset(enabled)


# -- globs (per-file-ignores, exclude) --------------------------------------------------------------

_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.-]+\Z")


class PathPattern:
    """A glob with gitignore's meaning (``dllint.globs``): without a ``/`` it matches a file or
    directory name at any depth; with one, a path relative to ``base``; a trailing ``/`` matches
    directories only. Raises ConfigError, naming the pattern, when it cannot be compiled."""

    def __init__(self, pattern: str, base: Path, where: str = "") -> None:
        self.pattern = pattern
        text = pattern.strip()
        if text.startswith("./"):
            text = text[2:]
        self.anchored = "/" in text.rstrip("/")
        try:
            self.spec = compile_pattern(text, where)
        except InvalidGlob as exc:
            raise ConfigError(str(exc)) from None
        self.base = base
        # A bare name (".git", "build"): the walk asks every entry of the tree about every default
        # exclude, and comparing names answers as pathspec does at a fraction of its cost.
        self.name = text if _PLAIN_NAME.match(text) and text not in (".", "..") else None

    def matches(self, relative: str, is_dir: bool = False) -> bool:
        """``relative``: the path relative to ``base`` with ``/`` separators."""
        return matched(self.spec, relative, is_dir) is True

    def matches_entry(self, relative: str, is_dir: bool = False) -> bool:
        """Whether the pattern matches the path itself, not only a directory above it."""
        if self.name is not None and relative and not relative.startswith("/"):
            # the entry is named so, and no directory above it is (then that directory matched)
            parts = relative.rstrip("/").split("/")
            return parts[-1] == self.name and self.name not in parts[:-1]
        return matched_itself(self.spec, relative, is_dir) is True


def relative_posix(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` with ``/``, or the absolute path when it lies outside."""
    # The common case, a path below its base, by its text: the walk asks this of every entry for
    # every exclude pattern, and pathlib's relative_to was most of a warm run's time.
    if os.sep == "/":
        text, prefix = str(path), str(base)
        if len(text) > len(prefix) + 1 and text.startswith(prefix) and text[len(prefix)] == "/" \
                and prefix != "/" and prefix:
            return text[len(prefix) + 1:]
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass
class PerFileIgnores:
    entries: list[tuple[PathPattern, list[str]]] = field(default_factory=list)

    @classmethod
    def build(cls, table: dict[str, list[str]], base: Path) -> "PerFileIgnores":
        return cls([(PathPattern(glob, base), codes) for glob, codes in table.items()])

    def codes_for(self, path: Path) -> list[str]:
        """The selectors ignored for ``path`` (an absolute path)."""
        out: list[str] = []
        for pattern, codes in self.entries:
            relative = relative_posix(path, pattern.base)
            # A pattern also matches any ancestor directory of the file: "tests/" or "tests/**".
            parts = relative.split("/")
            candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
            if any(pattern.matches(c, is_dir=i < len(parts) - 1) for i, c in enumerate(candidates)):
                out.extend(codes)
        return out


def apply_ignores(enabled: frozenset[str], ignored: Sequence[str]) -> frozenset[str]:
    if not ignored:
        return enabled
    return frozenset(
        code for code in enabled if not any(_specificity(s, code) >= 0 for s in ignored)
    )

