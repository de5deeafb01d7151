"""The ``dlcheck`` command: ``dlcheck run [options] script.py [args...]`` (or ``-m module``).

Runs a training program unchanged, as ``python script.py args...`` would (``__main__``,
``sys.argv``, ``sys.path[0]``), with a watcher attached to every model it trains
(:mod:`dlcheck.autoattach`). Problems are printed on stderr as they are found and as a table at
the end; ``--json``/``--html`` write report files.

Exit status: the program's own when it is not 0 (``sys.exit(n)``, 1 for an uncaught exception,
a Ctrl-C ends it by SIGINT as Python does); else 1 when a problem at or above ``--fail-on`` was
found; else 0. 2: a bad option, or a report file that could not be written.
"""

from __future__ import annotations

import argparse
import ast
import json
import logging
import os
import runpy
import signal
import sys
from typing import Any, Sequence

from dlcheck.severity import FAIL_ON, fails

PROG = "dlcheck"
_OWN_MODULES = frozenset({__name__, "runpy"})


class UsageError(Exception):
    """A bad command line: one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _run_parser() -> _Parser:
    p = _Parser(
        prog=f"{PROG} run",
        usage=f"{PROG} run [options] script.py [args ...]  |  {PROG} run [options] -m module "
              "[args ...]",
        description="Run a training script unchanged, with dlcheck watching every model it "
                    "trains (each optimizer's model, found through torch's global hooks).",
        epilog="Everything after the script (or -m module) is the script's own arguments. "
               "Exit status: the script's own when not 0; else 1 when a problem at or above "
               "--fail-on was found; else 0; 2 for a bad option.")
    p.add_argument("--checks", metavar="NAMES", default="default",
                   help="comma-separated check names, or 'default' (all): nonfinite, shapes, "
                        "dead_units, grad_flow, grad_norm, mode, graph")
    p.add_argument("-o", "--option", metavar="CHECK.OPTION=VALUE", action="append", default=[],
                   help="a check's option, e.g. dead_units.threshold=0.5 (repeatable)")
    p.add_argument("--every", metavar="N", default="1",
                   help="check steps 0, N, 2N, ... (default 1: every step)")
    p.add_argument("--on-problem", choices=("warn", "log", "raise"), default="warn",
                   help="warn: print each problem on stderr when it is found (default); log: "
                        "to the logger 'dlcheck' (level WARNING), through the script's logging "
                        "setup; raise: stop the script with DCProblemError at the first one")
    p.add_argument("--fail-on", choices=FAIL_ON, default="warning",
                   help="exit 1 when a problem of this severity or worse was found (default "
                        "warning: any problem; error: only conclusive ones; never)")
    p.add_argument("--json", metavar="FILE", help="write the report as JSON to FILE")
    p.add_argument("--html", metavar="FILE", help="write the report as one HTML file")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="print the final report only when there are problems")
    return p


def _split(argv: Sequence[str], parser: argparse.ArgumentParser
           ) -> tuple[list[str], str, str, list[str]]:
    """(dlcheck's options, "path" or "module", the script or module, the script's arguments):
    the first word that is not one of our options starts the program's command line."""
    ours: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok == "--":
            i += 1
            break
        if tok == "-m" or (tok.startswith("-m") and not tok.startswith("--")):
            module = tok[2:] or (argv[i + 1] if i + 1 < len(argv) else "")
            if not module:
                raise UsageError("-m needs a module name")
            rest = list(argv[i + (1 if tok[2:] else 2):])
            return ours, "module", module, rest
        if not tok.startswith("-") or tok == "-":
            break
        action = parser._option_string_actions.get(tok.split("=", 1)[0])
        if action is None:
            if tok in ("-h", "--help"):
                ours.append(tok)
                i += 1
                continue
            raise UsageError(f"unknown option {tok!r} (the script's own options go after "
                             "the script)")
        takes_value = action.nargs != 0 and "=" not in tok
        ours.extend(argv[i:i + (2 if takes_value else 1)])
        i += 2 if takes_value else 1
    if "-h" in ours or "--help" in ours:
        return ours, "path", "", []
    if i >= len(argv):
        raise UsageError("no script given: dlcheck run [options] script.py [args ...]")
    if argv[i] == "-":
        raise UsageError("a script from stdin ('-') is not supported; give a file")
    return ours, "path", argv[i], list(argv[i + 1:])


def _literal(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _checks(args: argparse.Namespace) -> Any:
    """The ``checks`` argument of dlcheck.watch from --checks and --option."""
    names = [n.strip() for n in args.checks.split(",") if n.strip()]
    if not names:
        raise UsageError(f"--checks {args.checks!r} names no check")
    if names == ["default"] or names == ["all"]:
        from dlcheck.watcher import DEFAULT_CHECKS
        names = list(DEFAULT_CHECKS)
    config: dict[str, Any] = {name: {} for name in names}
    for item in args.option:
        key, eq, value = item.partition("=")
        check, dot, option = key.strip().partition(".")
        if not eq or not dot or not check or not option:
            raise UsageError(f"--option {item!r}: expected CHECK.OPTION=VALUE, e.g. "
                             "dead_units.threshold=0.5")
        if check not in config:
            raise UsageError(f"--option {item!r}: check {check!r} is not among --checks "
                             f"({', '.join(names)})")
        config[check][option.strip()] = _literal(value.strip())
    return config


def _every(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return _literal(text)  # the watcher names the bad value and its type


def _check_writable(option: str, path: str | None) -> None:
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        raise UsageError(f"{option} {path!r} is a directory")
    if not os.path.isdir(folder):
        raise UsageError(f"{option} {path!r}: no directory {folder!r}")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"{option} {path!r}: the directory is not writable")


def write_html(attach: Any, path: str) -> None:
    """The one place ``--html`` reaches the HTML report: one model's watcher (its charts and
    problems), else the report of every model (problems and timeline; per-layer charts are drawn
    for one model at a time)."""
    from dlcheck.report_html import write_html as write

    watchers = attach.watchers
    write(watchers[0] if len(watchers) == 1 else attach.report(), path)


def write_json(attach: Any, path: str) -> None:
    data = attach.report().to_dict()
    data["models"] = attach.models()
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")


class _ProblemLines(logging.Handler):
    """--on-problem warn: each problem as one line on the stderr of the moment."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(f"dlcheck: {record.getMessage()}\n")
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - a closed stderr must not stop training
            pass


def _trimmed(tb: Any) -> Any:
    """The traceback from the program's first frame on, as ``python script.py`` shows it."""
    while tb is not None and tb.tb_frame.f_globals.get("__name__") in _OWN_MODULES:
        tb = tb.tb_next
    return tb


def _print_exception(exc: BaseException) -> None:
    tb = _trimmed(exc.__traceback__)
    exc.__traceback__ = tb  # the hook prints the exception's own traceback
    try:
        sys.excepthook(type(exc), exc, tb)  # the program's own hook, if it set one
    except Exception:  # noqa: BLE001
        import traceback
        traceback.print_exception(type(exc), exc, tb)


def _run_program(kind: str, target: str, script_args: list[str]) -> None:
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    try:
        if kind == "path":
            sys.argv = [target, *script_args]
            if not sys.flags.safe_path:  # python -P adds no directory
                sys.path[0] = os.path.dirname(os.path.realpath(target))
            runpy.run_path(target, run_name="__main__")
        else:
            sys.argv = [target, *script_args]  # runpy puts the module's file in argv[0]
            if not sys.flags.safe_path:
                sys.path[0] = os.getcwd()
            runpy.run_module(target, run_name="__main__", alter_sys=True)
    finally:
        sys.argv[:] = saved_argv
        sys.path[:] = saved_path


def _exit_code(code: Any) -> int:
    """SystemExit's code as Python turns it into an exit status (a text is printed, status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    try:
        print(code, file=sys.stderr)
    except Exception:  # noqa: BLE001
        pass
    return 1


def _summary(attach: Any) -> str:
    models = attach.models()
    if not models:
        return ("dlcheck: no model was trained (no optimizer stepped the parameters of a module "
                "called in the script)")
    parts = [f"{m['name']} ({m['optimizer']}, {m['steps']} step(s))" for m in models]
    return f"dlcheck: watched {', '.join(parts)}"


def run(argv: Sequence[str]) -> int:
    """``dlcheck run``: returns the exit status (a Ctrl-C in the program ends the process by
    SIGINT, as Python does)."""
    parser = _run_parser()
    ours, kind, target, script_args = _split(argv, parser)
    try:
        args = parser.parse_args(ours)
    except SystemExit as exc:  # -h printed the help
        return _exit_code(exc.code)
    checks = _checks(args)
    every = _every(args.every)
    _check_writable("--json", args.json)
    _check_writable("--html", args.html)
    if kind == "path":
        if not os.path.exists(target):
            raise UsageError(f"can't open file {target!r}: no such file")
    elif not target or target.startswith(".") or not all(
            part.isidentifier() for part in target.split(".")):
        raise UsageError(f"-m {target!r} is not a module name")
    try:
        import torch  # noqa: F401
    except ImportError:
        raise UsageError("dlcheck needs torch: pip install 'dllint[runtime]'") from None
    from dlcheck.autoattach import AutoAttach

    on_problem = "log" if args.on_problem == "warn" else args.on_problem
    # --html draws the per-layer charts, which need the history recorded from the first step
    attach = AutoAttach(checks=checks, every=every, on_problem=on_problem, history=bool(args.html))
    try:
        attach.start()
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None

    handler = None
    dlcheck_logger = logging.getLogger("dlcheck")
    saved_propagate, saved_level = dlcheck_logger.propagate, dlcheck_logger.level
    if args.on_problem == "warn":
        handler = _ProblemLines()
        dlcheck_logger.addHandler(handler)
        dlcheck_logger.propagate = False
        # a script that raises the root logger's level must not silence the problems
        dlcheck_logger.setLevel(logging.WARNING)

    status = 0
    interrupted: BaseException | None = None
    not_found = None
    try:
        try:
            _run_program(kind, target, script_args)
        except ImportError as exc:
            if kind == "module" and _trimmed(exc.__traceback__) is None:
                not_found = str(exc)  # runpy found no such module: no program line ran
            else:
                _print_exception(exc)
                status = 1
        except SystemExit as exc:
            status = _exit_code(exc.code)
        except KeyboardInterrupt as exc:
            _print_exception(exc)
            interrupted = exc
        except BaseException as exc:  # noqa: BLE001 - the program's failure, shown as Python would
            _print_exception(exc)
            status = 1
    finally:
        report = attach.close()
        if handler is not None:
            dlcheck_logger.removeHandler(handler)
            dlcheck_logger.propagate = saved_propagate
            dlcheck_logger.setLevel(saved_level)
    if not_found is not None:
        raise UsageError(f"-m {target}: {not_found}")

    try:
        sys.stdout.flush()
    except Exception:  # noqa: BLE001
        pass
    if report or not args.quiet:
        print(_summary(attach), file=sys.stderr)
        print(report, file=sys.stderr)
    files_ok = True
    for option, path, writer in (("--json", args.json, write_json),
                                 ("--html", args.html, write_html)):
        if path is None:
            continue
        try:
            writer(attach, path)
        except OSError as exc:
            print(f"{PROG} run: error: {option} {path!r}: {exc.strerror or exc}", file=sys.stderr)
            files_ok = False
    sys.stderr.flush()
    if interrupted is not None:
        _exit_by_sigint()
    if status != 0:
        return status
    if not files_ok:
        return 2
    return 1 if fails(report.problems, args.fail_on) else 0


def _exit_by_sigint() -> None:
    """End as an interrupted Python program does: killed by SIGINT (status 130 in a shell)."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # noqa: BLE001
        pass
    if hasattr(signal, "SIGINT") and hasattr(os, "kill"):
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    raise SystemExit(130)  # where a signal cannot end the process


_USAGE = f"""usage: {PROG} run [options] script.py [args ...]
       {PROG} run [options] -m module [args ...]

Run a training script unchanged with dlcheck watching every model it trains.
`{PROG} run --help` lists the options."""


def main(argv: Sequence[str] | None = None) -> int:
    """The ``dlcheck`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_USAGE, file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    try:
        if command != "run":
            raise UsageError(f"unknown command {command!r} (the command is 'run')")
        return run(rest)
    except UsageError as exc:
        print(f"{PROG}{' run' if command == 'run' else ''}: error: {exc}", file=sys.stderr)
        return 2
