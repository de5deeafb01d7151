"""A sample of the standard library and of the installed torch package, linted with every rule:
no rule crashes (DL000) and DL001 appears only on files CPython cannot compile either.
The full run is ``python bench/lint_corpus.py`` (minutes); this deterministic sample takes seconds."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def load_bench():
    spec = importlib.util.spec_from_file_location("dllint_bench_lint_corpus", PROJECT_ROOT / "bench" / "lint_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = load_bench()


@pytest.mark.slow
@pytest.mark.parametrize("corpus", ["stdlib", "torch"])
def test_corpus_sample_has_no_crash(corpus: str) -> None:
    paths = bench.stdlib_files() if corpus == "stdlib" else bench.torch_files()
    if not paths:
        pytest.skip(f"no {corpus} sources installed")
    paths = bench.sample(paths, 30, seed=1)
    report = bench.lint_corpus(paths, jobs=1)
    assert report.files == 30 and report.lines > 1000
    assert report.crashes == []
    assert report.wrong_syntax_errors == []


def test_stdlib_syntax_error_files_are_dl001(tmp_path: Path) -> None:
    """The check itself can fail: a file CPython rejects is counted as a syntax error, and a file
    CPython accepts is never one."""
    bad = tmp_path / "bad.py"
    bad.write_text("print 'python 2'\n")
    good = tmp_path / "good.py"
    good.write_text("print('python 3')\n")
    report = bench.lint_corpus([bad, good], jobs=1)
    assert report.syntax_errors == 1 and report.wrong_syntax_errors == [] and report.ok
    assert bench.python_rejects(bad) and not bench.python_rejects(good)
