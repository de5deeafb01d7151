"""Ecosystem sweep: the real CLI over the installed sources of the big ML packages the dev extras
pull in (torch: about 2,300 files, 1.2 million lines), with every rule, in two processes. It fails
on any internal error (DL000), on a run that does not finish or exits with an unexpected status,
and on output that is not the JSON report. Its figures (files, lines, seconds, peak memory of a
worker, counts per tool code) are printed, for the issue notes: ``pytest -s -k sweep``."""
from __future__ import annotations

import importlib.util
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

# name -> how many of its files to lint (None: all). Sampled packages are sampled by a fixed rule
# (every k-th file in sorted order) so that a run is reproducible.
PACKAGES = {"torch": None}
TIMEOUT_S = 1200


def package_files(name: str) -> list[Path]:
    spec = importlib.util.find_spec(name)  # found, never imported
    if spec is None or not spec.submodule_search_locations:
        return []
    return sorted(p for location in spec.submodule_search_locations for p in Path(location).rglob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_sweep_of_installed_package_has_no_internal_error(package, tmp_path):
    files = package_files(package)
    if not files:
        pytest.skip(f"{package} is not installed")
    limit = PACKAGES[package]
    if limit is not None and len(files) > limit:
        files = files[:: max(1, len(files) // limit)][:limit]
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    (tmp_path / "dllint.toml").write_text('select = ["ALL"]\n')
    listing = tmp_path / "files.txt"
    listing.write_text("\n".join(str(p) for p in files))
    start = time.monotonic()
    # xargs would split the list across several runs; one run with every path is what a user does.
    result = subprocess.run(
        [sys.executable, "-m", "dllint", "--config", str(tmp_path / "dllint.toml"), "--no-cache",
         "--jobs", "2", "--format", "json", "--exit-zero", "-q", *map(str, files)],
        cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT_S,
    )
    seconds = time.monotonic() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert result.returncode in (0, 2), result.stderr[-2000:]
    findings = json.loads(result.stdout)
    tool = Counter(f["code"] for f in findings if f["code"] in ("DL000", "DL001", "DL002"))
    print(f"\nsweep {package}: {len(files)} files, {lines:,} lines, {seconds:.0f} s on 2 processes, "
          f"peak RSS of a process {peak_mb:.0f} MB, {len(findings)} findings, "
          f"DL000 {tool['DL000']}, DL001 {tool['DL001']}, DL002 {tool['DL002']}")
    crashes = [f"{f['path']}:{f['line']}: {f['message'][:200]}" for f in findings if f["code"] == "DL000"]
    assert crashes == []
    assert result.returncode == 0
