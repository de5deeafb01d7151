"""DL403 on evidence of ordered data that only another module holds
(tests/engine/window_callers_project.py): the same findings linted as a directory and one file at
a time (each as a fresh process would), and none once the caller stops passing windows."""
from __future__ import annotations

import sys
from pathlib import Path

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_each_file, lint_findings  # noqa: E402
import window_callers_project  # noqa: E402


def test_as_a_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    window_callers_project.write(tmp_path)
    assert lint_findings(capsys, "DL403", "--no-cache", ".") == window_callers_project.EXPECTED


def test_one_file_at_a_time(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    window_callers_project.write(tmp_path)
    assert lint_each_file(capsys, "DL403", window_callers_project.FILES) == window_callers_project.EXPECTED


def test_the_helper_is_silent_when_its_caller_passes_no_windows(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    window_callers_project.write(tmp_path)
    run = tmp_path / "train/run.py"
    run.write_text(run.read_text().replace('to_windows(pd.read_csv(path)["close"].values, 16)',
                                           'np.load("images.npy")'))
    assert lint_findings(capsys, "DL403", "--no-cache", ".") == {("evaluate.py", 7, "DL403"),
                                                                  ("kitchen/data_kitchen.py", 9, "DL403"),
                                                                  ("har/reader.py", 6, "DL403")}


def test_the_method_is_silent_when_its_caller_reads_no_last_date(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    window_callers_project.write(tmp_path)
    base = tmp_path / "models/base.py"
    base.write_text(base.read_text().replace('unfiltered_df["date"].iloc[-1]', 'unfiltered_df["date"].max()'))
    assert ("kitchen/data_kitchen.py", 9, "DL403") not in lint_findings(capsys, "DL403", "--no-cache", ".")


def test_the_split_is_silent_when_its_parts_are_cut_into_blocks(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    window_callers_project.write(tmp_path)
    helper = tmp_path / "har/windows.py"
    helper.write_text(helper.read_text().replace("range(len(x) - k)", "range(0, len(x) - k, k)"))
    assert ("har/reader.py", 6, "DL403") not in lint_findings(capsys, "DL403", "--no-cache", ".")
