"""The ``dllint`` command: lint paths, list the rules, explain one.

``dllint [PATH ...]`` lints; ``dllint rules`` and ``dllint explain CODE`` are subcommands, recognised
only as the first argument (a directory named ``rules`` is linted with ``dllint ./rules``).
Exit status: 0 no findings, 1 findings, 2 a usage, configuration or internal error. Problems with
the user's input are reported in one line, never with a traceback (``DLLINT_DEBUG=1`` shows one
for an internal error).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence, TextIO

from dllint import __version__
from dllint.cache import Cache
from dllint.config import (
    ConfigError, FileConfig, Layer, PerFileIgnores, find_config, load_config, parse_seconds,
    parse_size, resolve_selection, split_codes, validate_selectors,
)
from dllint.files import DEFAULT_EXCLUDE, Excludes, discover
from dllint.add_noqa import add_noqa_to_bytes
from dllint.baseline import read_baseline, split as split_baseline, write_baseline
from dllint.registry import RuleRegistry, default_registry
from dllint.rule_manifest import RuleManifest, read as read_manifest, write as write_manifest
from dllint.config import validate_target_version
from dllint.source import TARGET_VERSIONS, DecodeError, decode_source
from dllint.reports import (
    ALIASES, FORMATS, SHOW_FIXES_FORMATS, STATISTICS_FORMATS, ReportContext, render, rule_page,
)
from dllint.reports.sarif import repository_root
from dllint.reports.style import CHOICES as COLOR_CHOICES, Style, use_color
from dllint.reports.terminal_markdown import render_markdown
from dllint.runner import (
    DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_MEMORY, DEFAULT_TIME_LIMIT, RunResult, RunSettings, lint_stdin, resolve_bound, run,
)

DESCRIPTION = """\
dllint: find the silent bugs of deep-learning training code (PyTorch), statically.

Lints Python files and Jupyter notebooks (directories recursively) without importing or running
them. Subcommands (only as the first argument):
  dllint rules           list every rule: code, name, on by default, fixable, summary
  dllint explain CODE    print the page of a rule (why it is a bug, the fix)
  dllint server          run the language server for editors (docs/editors.md)
A directory named "rules" is linted with: dllint ./rules

CI adoption:
  dllint --baseline dllint-baseline.json --update-baseline .   record today's findings
  dllint --baseline dllint-baseline.json .                     report and fail only on new ones
  dllint --add-noqa .                                          silence today's findings in place"""

EPILOG = f"""\
selection: CODES are full codes (DL101), prefixes (DL1, DL) or ALL, comma-separated or repeated.
  The default is the rules marked on by default. --select replaces, --extend-select adds, --ignore
  removes; the command line beats the configuration file.

configuration: [tool.dllint] in the nearest pyproject.toml (or a dllint.toml, whose top level is
  the table) at or above the first PATH, or --config FILE. Keys: select, ignore, extend-select,
  per-file-ignores (glob -> codes), exclude, extend-exclude, rule-options (CODE -> {{option: value}}),
  target-version (py310 ... py313), max-file-size, time-limit, max-memory.

default excludes: {", ".join(DEFAULT_EXCLUDE)},
  and what .gitignore files ignore. Files named explicitly are linted even when excluded so.

cache: .dllint_cache/ beside the configuration file (else in the current directory).

suppression: "# noqa" or "# noqa: DL101,DL201" on the line of a finding or on the first line of its
  statement; "# dllint: noqa" (optionally with codes) anywhere in a file for the whole file.

baseline: a JSON file of fingerprints (rule, path, the line's text, its occurrence; no line numbers),
  so a finding whose line moves stays accepted. A missing or malformed baseline is an error (2).

colour: --color auto (default) colours a terminal unless NO_COLOR is set (non-empty); FORCE_COLOR
  (non-empty) colours anything unless NO_COLOR is set too; --color always/never decides outright.

--statistics: a table with text and full, an array with json; an error with sarif, github or --diff.
--show-fixes: with text and full (json already holds each finding's fix); an error with --diff.

exit status: 0 no findings, 1 findings (0 with --exit-zero), 2 usage, configuration or internal
  error (a DL000 finding included).
  --add-noqa: 0 when every finding got its comment, 1 when some could not (notebooks, a line that
  ends inside a string or a backslash continuation).
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"dllint: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dllint", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help='files or directories to lint (default: "."); "-" reads stdin')
    selection = parser.add_argument_group("rule selection")
    selection.add_argument("--select", action="append", metavar="CODES",
                           help="lint only with these rules (replaces the configured selection)")
    selection.add_argument("--extend-select", action="append", metavar="CODES",
                           help="add these rules to the selection")
    selection.add_argument("--ignore", action="append", metavar="CODES",
                           help="remove these rules from the selection")
    files = parser.add_argument_group("files")
    files.add_argument("--exclude", action="append", metavar="PATTERNS",
                       help="glob patterns to skip, replacing the default excludes (comma-separated)")
    files.add_argument("--extend-exclude", action="append", metavar="PATTERNS",
                       help="glob patterns to skip in addition to the default excludes")
    files.add_argument("--stdin-filename", metavar="PATH",
                       help='the name of the file read from stdin with "-" (for reports, config)')
    output = parser.add_argument_group("output")
    output.add_argument("--format", metavar="FORMAT",
                        help=f"output format: {', '.join(FORMATS)} (default: text; "
                             "concise is ruff's name for text)")
    output.add_argument("--output-format", metavar="FORMAT",
                        help="the same as --format (ruff's spelling)")
    output.add_argument("--color", metavar="WHEN",
                        help="colour the text and full formats: auto (default), always, never")
    output.add_argument("--show-fixes", action="store_true",
                        help="list the fixes applied (with --fix) or available, per file and rule")
    output.add_argument("--output-file", "-o", metavar="FILE",
                        help="write the report to FILE instead of stdout")
    output.add_argument("--statistics", action="store_true",
                        help="print the number of findings per rule instead of the findings")
    output.add_argument("--exit-zero", action="store_true",
                        help="exit with status 0 even when there are findings")
    output.add_argument("--quiet", "-q", action="store_true",
                        help="print only the findings: no summary line, no warnings")
    fixes = parser.add_argument_group("fixes")
    fixes.add_argument("--fix", action="store_true",
                       help="apply the safe fixes in place")
    fixes.add_argument("--unsafe-fixes", action="store_true",
                       help="with --fix or --diff: apply the unsafe fixes too")
    fixes.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff instead of writing them "
                            "(exit 1 if there is any)")
    run_group = parser.add_argument_group("run")
    run_group.add_argument("--jobs", "-j", type=int, metavar="N",
                           help="lint in N processes (default: the number of CPUs)")
    run_group.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    run_group.add_argument("--max-file-size", metavar="SIZE",
                           help="skip (DL002) files larger than SIZE: bytes, or like 4MB (default: "
                                "4MB; 0: no bound)")
    run_group.add_argument("--time-limit", metavar="SECONDS",
                           help="give up (DL002) on a file after SECONDS of CPU time (default: 120; 0: no "
                                "bound)")
    run_group.add_argument("--max-memory", metavar="SIZE",
                           help="give up (DL002) on a file when its worker's memory passes SIZE: "
                                "bytes, or like 3GiB (default: 3GiB; 0: no bound)")
    run_group.add_argument("--config", metavar="FILE",
                           help="read the configuration from FILE (pyproject.toml or dllint.toml)")
    run_group.add_argument("--target-version", metavar="VERSION",
                           help=f"the Python the code is written for: {', '.join(TARGET_VERSIONS)} "
                                "(default: this interpreter's; newer syntax parses with libcst)")
    ci = parser.add_argument_group("CI adoption")
    ci.add_argument("--baseline", metavar="FILE",
                    help="report and fail only on findings not recorded in FILE")
    ci.add_argument("--update-baseline", action="store_true",
                    help="with --baseline: record the current findings in FILE and exit 0")
    ci.add_argument("--add-noqa", action="store_true",
                    help="add a '# noqa: CODE' comment to every line with findings (Python files; "
                         "notebooks are skipped with a warning)")
    run_group.add_argument("--version", action="version", version=f"dllint {__version__}")
    return parser


# -- helpers ----------------------------------------------------------------------------------------

def _error(message: str) -> int:
    sys.stderr.write(f"dllint: error: {message}\n")
    return 2


def _warn(message: str, quiet: bool) -> None:
    if not quiet:
        sys.stderr.write(f"dllint: warning: {message}\n")


def _tolerant(stream: TextIO) -> None:
    """Never fail on a terminal that cannot show a character of a message."""
    try:
        stream.reconfigure(errors="backslashreplace")  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        pass


def _load_registry(registry: RuleRegistry | None) -> RuleRegistry:
    if registry is not None:
        return registry
    try:
        return default_registry()
    except Exception as exc:  # noqa: BLE001 - a broken rule pack is a configuration problem
        raise ConfigError(f"cannot load the rules: {type(exc).__name__}: {exc}") from None


# -- dllint rules / explain -------------------------------------------------------------------------

def rules_command(argv: Sequence[str], registry: RuleRegistry) -> int:
    parser = _Parser(prog="dllint rules", description="List every rule.")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(list(argv))
    rows = [
        {"code": r.code, "name": r.name, "default": bool(r.default_enabled),
         "fixable": r.fixable, "severity": r.severity, "summary": r.summary,
         "url": r.documentation_url()}
        for r in registry
    ]
    if args.format == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    table = [("CODE", "NAME", "DEFAULT", "FIX", "SUMMARY")]
    table += [(r["code"], r["name"], "on" if r["default"] else "off", r["fixable"] or "-", r["summary"])
              for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        cells = [row[i].ljust(widths[i]) for i in range(4)]
        sys.stdout.write("  ".join(cells) + "  " + row[4] + "\n")
    return 0


def explain_command(argv: Sequence[str], registry: RuleRegistry) -> int:
    parser = _Parser(prog="dllint explain", description="Print the page of a rule.")
    parser.add_argument("code", metavar="CODE")
    parser.add_argument("--color", metavar="WHEN", default="auto",
                        help="render for a terminal: auto (default), always, never")
    args = parser.parse_args(list(argv))
    if args.color not in COLOR_CHOICES:
        return _error(f"--color: unknown value {args.color!r} (one of {', '.join(COLOR_CHOICES)})")
    code = args.code.strip().upper()
    rule = registry.get(code)
    if rule is None:
        return _error(f"unknown rule code {args.code!r} (see `dllint rules`)")
    page = rule_page(code)
    if page is None:
        page = f"# {rule.code}: {rule.name}\n\n{rule.describe()}\n\nDocumentation: {rule.documentation_url()}\n"
    sys.stdout.write(render_markdown(page, Style(use_color(args.color, sys.stdout))))
    return 0


# -- dllint [PATH ...] -----------------------------------------------------------------------------

def _config_path(args: argparse.Namespace, paths: list[str]) -> tuple[Path | None, bool]:
    """The configuration file (None: none found) and whether it was named with --config."""
    if args.config:
        return Path(args.config), True
    if paths == ["-"]:
        start = Path(args.stdin_filename).parent if args.stdin_filename else Path.cwd()
    else:
        start = Path(paths[0])
    return find_config(start), False


def _cached_rules(args: argparse.Namespace, paths: list[str], fmt: str,
                  config_path: Path | None) -> RuleManifest | None:
    """The installed rules' manifest from the cache, when this run may use one instead of loading
    every rule: it reads the cache (not stdin, not --no-cache) and reports no rule's page (sarif)."""
    if args.no_cache or paths == ["-"] or fmt == "sarif":
        return None
    return read_manifest(Cache(FileConfig(path=config_path).root).entries)


def _output_format(args: argparse.Namespace) -> str:
    """--format and --output-format are one option under two names; they must agree."""
    chosen = []
    for option, value in (("--format", args.format), ("--output-format", args.output_format)):
        if value is None:
            continue
        name = ALIASES.get(value.strip().lower(), value.strip().lower())
        if name not in FORMATS:
            known = ", ".join((*FORMATS, *ALIASES))
            raise ConfigError(f"{option}: unknown output format {value!r} (one of {known})")
        chosen.append((option, value, name))
    if len(chosen) == 2 and chosen[0][2] != chosen[1][2]:
        raise ConfigError(f"--format {chosen[0][1]} and --output-format {chosen[1][1]} disagree; "
                          "give one of them")
    return chosen[0][2] if chosen else "text"


def _check_combinations(args: argparse.Namespace, fmt: str, paths: list[str]) -> None:
    """Options that cannot work together: one line each, never a silent no-op."""
    stdin = paths == ["-"]
    if args.color is not None and args.color not in COLOR_CHOICES:
        raise ConfigError(f"--color: unknown value {args.color!r} (one of {', '.join(COLOR_CHOICES)})")
    if args.statistics and args.diff:
        raise ConfigError("--statistics cannot be combined with --diff (the diff lists the fixes)")
    if args.statistics and fmt not in STATISTICS_FORMATS:
        raise ConfigError(f"--statistics is not available with --format {fmt} "
                          f"(use one of {', '.join(STATISTICS_FORMATS)})")
    if args.show_fixes and args.diff:
        raise ConfigError("--show-fixes cannot be combined with --diff (the diff shows the fixes)")
    if args.show_fixes and fmt not in SHOW_FIXES_FORMATS:
        raise ConfigError(f"--show-fixes is not available with --format {fmt} "
                          f"(use one of {', '.join(SHOW_FIXES_FORMATS)}; json holds each finding's fix)")
    if args.update_baseline and not args.baseline:
        raise ConfigError("--update-baseline needs --baseline FILE")
    if args.update_baseline and (args.statistics or args.show_fixes):
        raise ConfigError("--update-baseline writes the baseline and reports nothing; "
                          "drop --statistics and --show-fixes")
    if args.baseline and stdin:
        raise ConfigError('--baseline cannot be used with "-" (stdin): fingerprints need the file')
    if args.baseline and args.diff:
        raise ConfigError("--baseline cannot be combined with --diff (the diff shows every fix)")
    if args.add_noqa:
        for flag, given in (("--fix", args.fix), ("--diff", args.diff), ("--baseline", args.baseline),
                            ('"-" (stdin)', stdin), ("--statistics", args.statistics),
                            ("--show-fixes", args.show_fixes)):
            if given:
                raise ConfigError(f"--add-noqa cannot be combined with {flag}")


def check_command(argv: Sequence[str], registry: RuleRegistry | None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv))
    paths = args.paths or ["."]
    if "-" in paths and len(paths) > 1:
        return _error('"-" (stdin) cannot be combined with other paths')
    if args.jobs is not None and args.jobs < 1:
        return _error("--jobs must be at least 1")
    if args.stdin_filename and paths != ["-"]:
        return _error('--stdin-filename is only meaningful with "-" (stdin)')
    fmt = _output_format(args)
    _check_combinations(args, fmt, paths)
    target = (validate_target_version(args.target_version, "--target-version")
              if args.target_version is not None else None)
    accepted = None
    if args.baseline and not args.update_baseline:
        accepted = read_baseline(Path(args.baseline))  # a missing baseline fails before linting

    config_path, explicit = _config_path(args, paths)
    injected = registry
    manifest = _cached_rules(args, paths, fmt, config_path) if injected is None else None
    rules: RuleRegistry | RuleManifest = manifest or _load_registry(injected)
    config = load_config(config_path, rules, explicit=explicit)
    cli_layer = Layer(
        select=validate_selectors(split_codes(args.select), rules, "--select")
        if args.select is not None else None,
        extend_select=validate_selectors(split_codes(args.extend_select) or [], rules, "--extend-select"),
        ignore=validate_selectors(split_codes(args.ignore) or [], rules, "--ignore"),
    )
    file_layer = Layer(config.select, config.extend_select, config.ignore)
    enabled = resolve_selection(rules, [file_layer, cli_layer])
    settings = RunSettings(
        enabled=enabled,
        registry=injected,
        fingerprint=rules.fingerprint(),
        per_file_ignores=PerFileIgnores.build(config.per_file_ignores, config.root),
        rule_options=config.rule_options,
        root=config.root,
        fix=args.fix and not args.diff,
        diff=args.diff,
        unsafe=args.unsafe_fixes,
        jobs=args.jobs,
        cache=None if args.no_cache else Cache(config.root),
        progress=not args.quiet and sys.stderr.isatty(),
        target_version=target or config.target_version,
        max_file_size=resolve_bound(args.max_file_size, config.max_file_size, DEFAULT_MAX_FILE_SIZE,
                             lambda v: parse_size(v, "--max-file-size")),
        time_limit=resolve_bound(args.time_limit, config.time_limit, DEFAULT_TIME_LIMIT,
                          lambda v: parse_seconds(v, "--time-limit")),
        max_memory=resolve_bound(args.max_memory, config.max_memory, DEFAULT_MAX_MEMORY,
                                 lambda v: parse_size(v, "--max-memory")),
    )
    context = ReportContext(
        registry=rules, enabled=enabled, fixing=settings.fix, unsafe=args.unsafe_fixes,
        statistics=args.statistics, quiet=args.quiet, root=repository_root(),
        show_fixes=args.show_fixes,
    )
    args.format = fmt

    if paths == ["-"]:
        return _check_stdin(args, settings, context)

    excludes = Excludes.build(
        config.root, config.exclude, config.extend_exclude, cli_base=Path.cwd().resolve(),
        cli_exclude=split_codes_keep_case(args.exclude),
        cli_extend_exclude=split_codes_keep_case(args.extend_exclude) or [],
    )
    files = discover(paths, excludes)
    if not files:
        _warn("no Python files or notebooks found under the given paths", args.quiet)
    result = run(files, settings)
    if manifest is None and injected is None and settings.cache is not None and settings.cache.enabled:
        # the next run selects its rules from this, without loading them (nothing else to lint)
        write_manifest(settings.cache.entries, rules)
    if args.add_noqa:
        return _add_noqa(result, {f.display: f for f in files}, args)
    context.files = len(files)
    context.fixed = result.fixed if settings.fix else 0
    context.applied = [d for f in result.files for d in f.applied] if settings.fix else []
    if result.notebook_fix_skipped:
        _warn("some notebook findings could not be fixed safely (a fix across cells or IPython "
              "lines, or JSON laid out unlike Jupyter writes it); they are reported unfixed", args.quiet)
    if settings.diff:
        return _report_diff([f.diff for f in result.files if f.diff], result.fixed, args)
    diagnostics = result.diagnostics
    if args.update_baseline:
        count = write_baseline(Path(args.baseline), diagnostics, context.root)
        if not args.quiet:
            noun = "finding" if count == 1 else "findings"
            sys.stderr.write(f"dllint: recorded {count} {noun} in {args.baseline}\n")
        return 0
    if accepted is not None:
        parts = split_baseline(diagnostics, accepted, context.root)
        diagnostics, context.baselined = parts.new, parts.known
        if parts.gone:
            _warn(f"{parts.gone} finding(s) recorded in {args.baseline} no longer occur; "
                  "--update-baseline drops them", args.quiet)
    return _report(diagnostics, args, context)


def _add_noqa(result: RunResult, files: dict, args: argparse.Namespace) -> int:
    """Write a noqa comment for every finding; notebooks and unsafe lines are counted, not touched."""
    added = changed = 0
    left: list[str] = []
    notebooks = 0
    for file_result in result.files:
        found = [d for d in file_result.diagnostics if d.code != "DL000"]
        source = files.get(file_result.display)
        if not found or source is None:
            continue
        if source.is_notebook:
            notebooks += 1
            left.extend(f"{d.path}:cell {d.cell}:{d.line}" for d in found)
            continue
        try:
            data = source.path.read_bytes()
        except OSError as exc:
            _warn(f"cannot read {file_result.display}: {exc.strerror or exc}", args.quiet)
            left.extend(f"{d.path}:{d.line}" for d in found)
            continue
        new_data, noqa = add_noqa_to_bytes(data, found)
        if new_data is None or noqa is None:
            _warn(f"{file_result.display}: cannot add noqa comments safely (it does not tokenize, "
                  "or the result would not compile); left as it is", args.quiet)
            left.extend(f"{d.path}:{d.line}" for d in found)
            continue
        left.extend(f"{d.path}:{d.line}" for d in noqa.skipped)
        if new_data != data:
            try:
                source.path.write_bytes(new_data)
            except OSError as exc:
                _warn(f"cannot write {file_result.display}: {exc.strerror or exc}", args.quiet)
                left.extend(f"{d.path}:{d.line}" for d in found)
                continue
            added += noqa.added
            changed += 1
    if notebooks:
        _warn(f"--add-noqa does not edit notebooks: {notebooks} notebook(s) with findings left as "
              "they are (add the comments in the cells)", args.quiet)
    if left:
        _warn(f"{len(left)} finding(s) could not get a noqa comment (a notebook, or a line ending "
              f"inside a string or a backslash continuation), first at {left[0]}", args.quiet)
    if not args.quiet:
        files_noun = "file" if changed == 1 else "files"
        sys.stderr.write(f"Added {added} noqa comment{'' if added == 1 else 's'} "
                         f"in {changed} {files_noun}.\n")
    return 1 if left and not args.exit_zero else 0


def split_codes_keep_case(values: Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _check_stdin(args: argparse.Namespace, settings: RunSettings, context: ReportContext) -> int:
    limit = settings.max_file_size  # one byte past it is enough to know: never read /dev/zero whole
    data = sys.stdin.buffer.read() if limit is None else sys.stdin.buffer.read(limit + 1)
    display = args.stdin_filename or "-"
    notebook = display.endswith(".ipynb")
    result = lint_stdin(data, display, settings, notebook=notebook)
    if settings.diff:
        return _report_diff([result.diff] if result.diff else [], result.fixed, args)
    try:
        text = data.decode("utf-8-sig") if notebook else decode_source(data)
        context.sources[display] = result.fixed_source if result.fixed_source is not None else text
    except (DecodeError, UnicodeDecodeError):
        pass  # the full format shows the findings without their source
    if settings.fix:
        # The fixed text goes to stdout, as editors and formatters expect; the report to stderr.
        text = result.fixed_source
        if text is None:
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(text)
        sys.stdout.flush()
        context.fixed = result.fixed
        context.applied = list(result.applied)
        return _report(result.diagnostics, args, context, stream=sys.stderr)
    return _report(result.diagnostics, args, context)


def _report_diff(diffs: list[str], fixed: int, args: argparse.Namespace) -> int:
    sys.stdout.write("".join(diffs))
    sys.stdout.flush()
    if not args.quiet:
        noun = "finding" if fixed == 1 else "findings"
        sys.stderr.write(f"Would fix {fixed} {noun}.\n" if diffs else "No fixes available.\n")
    return 1 if diffs and not args.exit_zero else 0


def _report(diagnostics: list, args: argparse.Namespace, context: ReportContext,
            stream: TextIO | None = None) -> int:
    out = stream or sys.stdout
    context.color = use_color(args.color or "auto", None if args.output_file else out)
    text = render(args.format, diagnostics, context)
    if args.output_file:
        try:
            with open(args.output_file, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            return _error(f"cannot write {args.output_file}: {exc.strerror or exc}")
    else:
        out.write(text)
        out.flush()
    if any(d.code == "DL000" for d in diagnostics):
        return 2  # an internal error, whatever --exit-zero says: the run did not check everything
    return 1 if diagnostics and not args.exit_zero else 0


def main(argv: list[str] | None = None, *, registry: RuleRegistry | None = None) -> int:
    """Run the ``dllint`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _tolerant(sys.stdout)
    _tolerant(sys.stderr)
    try:
        if argv and argv[0] == "rules":
            return rules_command(argv[1:], _load_registry(registry))
        if argv and argv[0] == "explain":
            return explain_command(argv[1:], _load_registry(registry))
        if argv and argv[0] == "server":
            from dllint.server import server_command  # pygls is optional: imported on demand
            return server_command(argv[1:], _load_registry(registry))
        # the rules are loaded there, unless the cache's manifest of them is still true
        return check_command(argv, registry)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 2)
    except ConfigError as exc:
        return _error(str(exc))
    except KeyboardInterrupt:
        sys.stderr.write("dllint: interrupted\n")
        return 130
    except BrokenPipeError:
        # The reader went away (dllint ... | head): not an error of ours.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user
        if os.environ.get("DLLINT_DEBUG"):
            raise
        return _error(f"internal error: {type(exc).__name__}: {exc} "
                      "(run with DLLINT_DEBUG=1 for the traceback, and please report it)")
