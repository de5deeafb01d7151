"""The GitHub Action (action.yml): it parses, has the inputs the docs name, and its shell steps,
run as GitHub runs them (bash -eo pipefail, inputs in env variables, GITHUB_OUTPUT a file), lint a
project, write SARIF, honour a baseline and fail on findings."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
STEPS = {step["name"]: step for step in ACTION["runs"]["steps"]}
TRAIN = """import torch


def train(model, loader, opt):
    running_loss = 0
    for x, y in loader:
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        running_loss += loss
    return running_loss
"""


def _inputs(**given: str) -> dict[str, str]:
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    values.update(given)
    return values


def _run_step(name: str, cwd: Path, inputs: dict[str, str], outputs: dict[str, str] | None = None):
    """Run a step's script as GitHub would: its env with the ${{ }} expressions substituted."""
    step = STEPS[name]
    assert step["shell"] == "bash"
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    output_file = cwd / "github_output"
    output_file.write_text("")
    env["GITHUB_OUTPUT"] = str(output_file)
    for key, expression in (step.get("env") or {}).items():
        expression = expression.strip()
        assert expression.startswith("${{") and expression.endswith("}}")
        ref = expression[3:-2].strip()
        if ref.startswith("inputs."):
            env[key] = inputs[ref[len("inputs."):]]
        else:
            assert ref == "steps.lint.outputs.exit-code"
            env[key] = (outputs or {})["exit-code"]
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    produced = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
    return done, produced


def test_the_action_is_a_composite_action_with_its_inputs():
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) >= {"args", "paths", "baseline", "upload-sarif"}
    uses = [step.get("uses", "") for step in ACTION["runs"]["steps"]]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert '"$GITHUB_ACTION_PATH"' in STEPS["Install dllint"]["run"]
    upload = STEPS["Upload SARIF to code scanning"]
    assert "inputs.upload-sarif == 'true'" in upload["if"]
    for step in ACTION["runs"]["steps"]:  # inputs reach scripts through env, never spliced in
        assert "${{" not in step.get("run", "")


def test_the_docs_workflow_parses_and_uses_the_action():
    text = (REPO / "docs" / "github-action.md").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text.split("```yaml\n", 1)[1].split("```", 1)[0])
    steps = workflow["jobs"]["dllint"]["steps"]
    action = next(s for s in steps if s.get("uses", "").startswith("dllint/dllint@"))
    assert set(action["with"]) <= set(ACTION["inputs"])
    assert workflow["permissions"]["security-events"] == "write"


@pytest.mark.slow
def test_the_lint_step_writes_sarif_shows_findings_and_reports_the_status(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(TRAIN)
    (tmp_path / "other.py").write_text("running_loss = (\n")  # not linted: outside `paths`
    done, outputs = _run_step("Run dllint", tmp_path, _inputs(paths="src", args="--no-cache --select DL1"))
    assert done.returncode == 0, done.stderr
    assert outputs["exit-code"] == "1"
    log = json.loads((tmp_path / "dllint.sarif").read_text())
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["DL101"]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/train.py"
    assert "11 |         running_loss += loss" in done.stdout  # the full format in the log

    failed, _ = _run_step("Fail on findings", tmp_path, _inputs(), outputs)
    assert failed.returncode == 1
    tolerated, _ = _run_step("Fail on findings", tmp_path, _inputs(**{"fail-on-findings": "false"}), outputs)
    assert tolerated.returncode == 0


@pytest.mark.slow
def test_the_lint_step_honours_a_baseline_and_reports_errors(tmp_path):
    (tmp_path / "train.py").write_text(TRAIN)
    subprocess.run([sys.executable, "-m", "dllint", "--baseline", "base.json", "--update-baseline", "."],
                   cwd=tmp_path, check=True, capture_output=True)
    done, outputs = _run_step("Run dllint", tmp_path, _inputs(baseline="base.json", **{"sarif-file": "out.sarif"}))
    assert done.returncode == 0 and outputs["exit-code"] == "0", done.stderr
    assert json.loads((tmp_path / "out.sarif").read_text())["runs"][0]["results"] == []
    passed, _ = _run_step("Fail on findings", tmp_path, _inputs(), outputs)
    assert passed.returncode == 0

    broken, outputs = _run_step("Run dllint", tmp_path, _inputs(baseline="missing.json"))
    assert outputs["exit-code"] == "2"
    assert "baseline file not found: missing.json" in broken.stderr
    assert "::error title=dllint::" in broken.stdout
    failed, _ = _run_step("Fail on findings", tmp_path, _inputs(**{"fail-on-findings": "false"}), outputs)
    assert failed.returncode == 2
