"""A warm run (every file answered by the cache) loads neither the parser nor a rule: it selects the
rules from the manifest the previous run left in the cache. The manifest is dropped as soon as
what it describes may have changed, and the findings are the same either way. Each run is a fresh
interpreter, as a user's is."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dllint import rule_manifest
from dllint.cache import CACHE_DIR_NAME
from dllint.registry import RuleRegistry
from dllint.rule import Rule

# Runs the command line, then says on stderr which heavy modules the run imported.
DRIVER = """
import json, sys
from dllint.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in sys.modules
               if m in ("libcst", "pluggy", "dllint.engine") or m.startswith("dllint.rules"))
sys.stderr.write("\\nHEAVY " + json.dumps(heavy) + "\\n")
sys.exit(code)
"""

TRAIN = """import torch

total = 0
for x, y in loader:
    loss = model(x).sum()
    total += loss
"""


def dllint(project: Path, *args: str, env: dict | None = None) -> tuple[str, list[str]]:
    proc = subprocess.run([sys.executable, "-c", DRIVER, "--format", "json", "--exit-zero", *args],
                          cwd=project, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    heavy = json.loads(proc.stderr.rsplit("HEAVY ", 1)[1])
    return proc.stdout, heavy


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.dllint]\nextend-select = [\"DL104\"]\n")
    (tmp_path / "train.py").write_text(TRAIN)
    (tmp_path / "model.py").write_text("import torch.nn as nn\n\nnet = nn.Linear(2, 2)\n")
    return tmp_path


def _manifest(project: Path) -> Path:
    return next((project / CACHE_DIR_NAME).glob(f"*/{rule_manifest.MANIFEST_NAME}"))


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_a_warm_run_imports_no_parser_and_no_rule(project, fmt):
    cold, heavy = dllint(project, "--format", fmt)
    assert "libcst" in heavy and "dllint.rules.dl101_graph_accumulation" in heavy
    assert fmt != "json" or "DL101" in cold
    warm, heavy = dllint(project, "--format", fmt)
    assert warm == cold
    if fmt == "json":
        assert heavy == []
    else:  # a SARIF report describes each rule: it loads them, never the parser
        assert "dllint.engine" not in heavy


def test_a_run_without_the_cache_neither_reads_nor_writes_a_manifest(project):
    dllint(project, "--no-cache")
    assert not (project / CACHE_DIR_NAME).exists()
    dllint(project)
    _, heavy = dllint(project, "--no-cache")
    assert "libcst" in heavy


def test_a_changed_rule_file_drops_the_manifest(project):
    """A stamp that no longer matches (a rule module edited, a plugin installed) loads the rules
    again, and the next run has a manifest true of them."""
    cold, _ = dllint(project)
    path = _manifest(project)
    data = json.loads(path.read_text())
    stamp = next(s for s in data["files"] if s[0].endswith("dl101_graph_accumulation.py"))
    stamp[1] += 1
    path.write_text(json.dumps(data))
    again, heavy = dllint(project)
    assert again == cold and "dllint.rules.dl101_graph_accumulation" in heavy
    third, heavy = dllint(project)
    assert third == cold and heavy == []


def test_another_python_path_drops_the_manifest(project, tmp_path_factory):
    cold, _ = dllint(project)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path_factory.mktemp("plugins")),
                                                      env.get("PYTHONPATH")]))
    again, heavy = dllint(project, env=env)
    assert again == cold and "pluggy" in heavy


def test_a_changed_selection_is_still_resolved_from_the_manifest(project):
    dllint(project)
    only, heavy = dllint(project, "--select", "DL104")
    assert "DL101" not in only
    assert "libcst" in heavy  # a new selection is a new cache key: the files are linted
    again, heavy = dllint(project, "--select", "DL104")
    assert again == only and heavy == []


def test_an_unknown_code_is_still_an_error_with_the_manifest(project):
    dllint(project)
    proc = subprocess.run([sys.executable, "-m", "dllint", "--select", "DL999", "."], cwd=project,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "unknown rule code or prefix 'DL999'" in proc.stderr


class _Tupled(Rule):
    code = "TST901"
    name = "tupled"
    options = {"sizes": (1, 2)}  # JSON gives a list back: the manifest could not stand in

    def check(self, ctx) -> None:
        pass


class _Listed(_Tupled):
    code = "TST902"
    options = {"sizes": [1, 2], "names": []}
    option_items = {"names": str}


def test_a_manifest_is_only_written_when_it_holds_the_rules_exactly(tmp_path):
    assert rule_manifest.describe(RuleRegistry([_Tupled])) is None
    described = rule_manifest.describe(RuleRegistry([_Listed]))
    assert described is not None
    rule_manifest.write(tmp_path, RuleRegistry([_Listed]))
    manifest = rule_manifest.read(tmp_path)
    assert manifest is not None
    rule = manifest.get("TST902")
    assert rule.options == {"sizes": [1, 2], "names": []} and rule.option_items == {"names": str}
    assert manifest.fingerprint() == RuleRegistry([_Listed]).fingerprint()
    (tmp_path / rule_manifest.MANIFEST_NAME).write_text("{not json")
    assert rule_manifest.read(tmp_path) is None


def test_an_edited_analysis_module_drops_the_manifest(project):
    """An analysis module is no rule's file, yet its code changes findings: the manifest watches
    every file of the rules' package, so the registry (and with it the cache key) is made again."""
    dllint(project)
    path = _manifest(project)
    data = json.loads(path.read_text())
    stamp = next(s for s in data["files"] if s[0].endswith(os.path.join("analysis", "shapes.py")))
    stamp[2] += 1
    path.write_text(json.dumps(data))
    _, heavy = dllint(project)
    assert "dllint.rules.dl101_graph_accumulation" in heavy


PLUGIN_RULE = """from dllint.rule import Rule
from {package} import facts


class Counted(Rule):
    code = "TST903"
    name = "counted"

    def check(self, ctx) -> None:
        facts.look(ctx)
"""


def test_the_cache_key_changes_with_the_code_behind_the_rules(tmp_path, monkeypatch):
    """Cached findings made by old code must not be served after an upgrade or an edit that keeps
    every rule's name: the fingerprint hashes every file of the rules' package, the analysis
    module the rule imports included; the same code gives the same key."""
    import importlib

    package = "dllint_fingerprint_probe"
    root = tmp_path / package
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "rules.py").write_text(PLUGIN_RULE.format(package=package))
    (root / "facts.py").write_text("def look(ctx):\n    return None\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        rule = importlib.import_module(f"{package}.rules").Counted
        before = RuleRegistry([rule]).fingerprint()
        assert RuleRegistry([rule]).fingerprint() == before
        (root / "facts.py").write_text("def look(ctx):\n    return 1\n")
        after = RuleRegistry([rule]).fingerprint()
        assert after != before
        (root / "facts.py").write_text("def look(ctx):\n    return None\n")
        assert RuleRegistry([rule]).fingerprint() == before
    finally:
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]
