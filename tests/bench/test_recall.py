"""bench/recall.py scores dllint against a manifest of bugs in git repositories: here two tiny
hand-written repositories made in a temporary folder (no fetched code), and the committed manifest's
own consistency."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "recall.py"


def _load():
    spec = importlib.util.spec_from_file_location("dllint_bench_recall", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


recall = _load()

LEAKY = """\
import torch


def train(model, loader, optimizer, criterion):
    running_loss = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        running_loss += loss
    return running_loss
"""

# the same file after the fix: one line changed, nothing moved
FIXED = LEAKY.replace("running_loss += loss\n", "running_loss += loss.item()\n")

# the eval switch lives in another module of the same project
HELPERS = """\
def evaluate(model, loader):
    model.eval()
    return sum(float(model(x).sum()) for x, _ in loader)
"""

DRIVER = """\
import torch
from helpers import evaluate


def fit(model, loader, val_loader, optimizer, criterion):
    for epoch in range(3):
        model.train()
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
        evaluate(model, val_loader)
"""


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        capture_output=True, text=True, check=True,
    ).stdout.strip()


def _commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def fixture_repos(tmp_path_factory):
    """SRC/alice+leaky (a flat mirror) with a bug and its fix; SRC/bob/multi (a plain clone layout)
    whose eval switch is in another module; an untracked file that must not be linted."""
    src = tmp_path_factory.mktemp("src")
    leaky = src / "alice+leaky"
    leaky.mkdir()
    _git(leaky, "init", "-q")
    bug = _commit(leaky, {"pkg/train.py": LEAKY, "README": "not python\n"}, "leaky")
    fix = _commit(leaky, {"pkg/train.py": FIXED}, "fix the leak")
    (leaky / "pkg" / "untracked.py").write_text("this is not python at all (\n")
    multi = src / "bob" / "multi"
    multi.mkdir(parents=True)
    _git(multi, "init", "-q")
    clean = _commit(multi, {"helpers.py": HELPERS, "driver.py": DRIVER}, "multi")
    return src, bug, fix, clean


def _manifest(bug: str, fix: str, clean: str) -> str:
    return f"""
[[entry]]
id = "leak"
repo = "alice/leaky"
commit = "{bug}"
path = "pkg/train.py"
lines = [11]
rule = "DL101"
kind = "bug"
evidence = "fixture"
description = "running_loss += loss"

[[entry]]
id = "leak-fixed"
repo = "alice/leaky"
commit = "{fix}"
path = "pkg/train.py"
lines = [11]
rule = "DL101"
kind = "fixed"
twin_of = "leak"
evidence = "fixture"
description = "running_loss += loss.item()"

[[entry]]
id = "far-line"
repo = "alice/leaky"
commit = "{bug}"
path = "pkg/train.py"
lines = [5]
rule = "DL101"
kind = "bug"
evidence = "fixture"
description = "a line six away from the finding: a miss with a tolerance of 1"
cause = "missing fact"

[[entry]]
id = "multi-clean"
repo = "bob/multi"
commit = "{clean}"
path = "helpers.py"
rule = "DL101"
kind = "clean"
evidence = "fixture"
description = "nothing accumulates a graph tensor"
"""


@pytest.mark.slow
def test_scores_a_bug_its_twin_a_miss_and_a_clean_file(fixture_repos):
    src, bug, fix, clean = fixture_repos
    entries = recall.parse_manifest(_manifest(bug, fix, clean))
    results = recall.lint_entries(entries, src)
    scores = recall.score(entries, results, tolerance=1)
    dl101 = scores["DL101"]
    assert (dl101.bugs, dl101.found) == (2, 1)
    assert dl101.recall == 0.5
    assert [m["id"] for m in dl101.misses] == ["far-line"]
    assert dl101.misses[0]["cause"] == "missing fact"
    assert (dl101.negatives, dl101.false_alarms) == (2, 0)
    assert dl101.negative_lines == len(FIXED.splitlines()) + len(HELPERS.splitlines())
    # the whole tree was extracted at the commit (the untracked file was not), and only .py files
    assert ("alice/leaky", bug) in results.findings
    assert all(f.path.endswith(".py") and "untracked" not in f.path
               for found in results.findings.values() for f in found)


@pytest.mark.slow
def test_tolerance_widens_the_window(fixture_repos):
    src, bug, fix, clean = fixture_repos
    entries = recall.parse_manifest(_manifest(bug, fix, clean))
    results = recall.lint_entries([e for e in entries if e.repo == "alice/leaky"], src)
    part = [e for e in entries if e.repo == "alice/leaky"]
    assert recall.score(part, results, tolerance=0)["DL101"].found == 1
    assert recall.score(part, results, tolerance=6)["DL101"].found == 2


@pytest.mark.slow
def test_a_finding_on_a_fixed_twin_or_a_clean_file_is_a_false_alarm(fixture_repos):
    src, bug, fix, clean = fixture_repos
    # the "fixed" twin points at the buggy commit: its line is reported, so it is a false alarm
    text = _manifest(bug, fix, clean).replace(f'commit = "{fix}"', f'commit = "{bug}"')
    entries = recall.parse_manifest(text)
    scores = recall.score(entries, recall.lint_entries(entries, src))
    assert scores["DL101"].false_alarms == 1
    assert scores["DL101"].alarms[0]["id"] == "leak-fixed"
    assert scores["DL101"].alarms_per_kloc == pytest.approx(
        1000 / (len(LEAKY.splitlines()) + len(HELPERS.splitlines())))


@pytest.mark.slow
def test_the_command_line_prints_text_and_json(fixture_repos, tmp_path):
    src, bug, fix, clean = fixture_repos
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(_manifest(bug, fix, clean))
    heldout = tmp_path / "heldout.txt"
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, str(BENCH), "--manifest", str(manifest), "--heldout", str(heldout), *a],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run("--write-split").returncode == 0
    listed = [l for l in heldout.read_text().splitlines() if l and not l.startswith("#")]
    assert listed == recall.heldout_ids(recall.parse_manifest(manifest.read_text()))
    done = run("--src", str(src), "--part", "all", "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["entries"] == 4
    assert payload["rules"]["DL101"]["found"] == 1
    plan = run("--fetch-plan")
    assert f"alice/leaky {min(bug, fix)} {max(bug, fix)}" in plan.stdout
    assert f"bob/multi {clean}" in plan.stdout
    text = run("--src", str(src), "--part", "all", "--show-heldout-misses")
    assert "| DL101 | 2 | 1 | 0.50 | 2 | 0 | 0.00 |" in text.stdout
    assert "far-line" in text.stdout and "[missing fact]" in text.stdout


@pytest.mark.parametrize("change, message", [
    (('lines = [11]', 'lines = [0]'), "lines must be a list of positive line numbers"),
    (('kind = "bug"', 'kind = "bugg"'), "kind must be one of"),
    (('rule = "DL101"', 'rule = "E501"'), "rule must be a code"),
    (('path = "pkg/train.py"', 'path = "../x.py"'), "path must be a relative .py path"),
    (('twin_of = "leak"', 'twin_of = "nope"'), "is not a bug of the manifest"),
    (('cause = "missing fact"', 'cause = "bad luck"'), "cause must be one of"),
    (('id = "far-line"', 'id = "leak"'), "appears twice"),
])
def test_a_bad_manifest_is_one_line_and_exit_2(fixture_repos, tmp_path, change, message):
    src, bug, fix, clean = fixture_repos
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(_manifest(bug, fix, clean).replace(*change, 1))
    done = subprocess.run([sys.executable, str(BENCH), "--manifest", str(manifest), "--fetch-plan"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_a_missing_repository_is_one_line_and_exit_2(fixture_repos, tmp_path):
    src, bug, fix, clean = fixture_repos
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(_manifest(bug, fix, clean).replace("bob/multi", "carol/absent"))
    heldout = tmp_path / "heldout.txt"
    assert recall.main(["--manifest", str(manifest), "--heldout", str(heldout), "--write-split"]) == 0
    done = subprocess.run([sys.executable, str(BENCH), "--manifest", str(manifest), "--heldout",
                           str(heldout), "--src", str(src), "--part", "all"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "carol/absent" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_the_split_is_a_stable_third_and_keeps_twins_together():
    ids = [f"entry-{i}" for i in range(600)]
    held = [i for i in ids if recall.is_heldout(i)]
    assert 150 < len(held) < 250  # a third, give or take chance
    assert held == [i for i in ids if recall.is_heldout(i)]  # no state, no hash seed
    assert recall.is_heldout("entry-1", seed="other") != recall.is_heldout("entry-1") or \
        recall.is_heldout("entry-2", seed="other") != recall.is_heldout("entry-2") or \
        recall.is_heldout("entry-3", seed="other") != recall.is_heldout("entry-3")
    twin = recall.Entry(id="x-fixed", repo="a/b", commit="0" * 40, path="a.py", lines=(1,),
                        rule="DL101", kind="fixed", evidence="e", description="d", twin_of="x")
    assert twin.group == "x"


def test_the_committed_manifest_is_valid_and_its_split_is_current():
    entries = recall.load_manifest(recall.MANIFEST)
    assert entries, "the corpus is empty"
    assert recall.read_heldout(recall.HELDOUT) == set(recall.heldout_ids(entries))
    for entry in entries:  # every twin is in its bug's part
        if entry.kind == "fixed":
            assert recall.is_heldout(entry.group) == recall.is_heldout(entry.twin_of)
