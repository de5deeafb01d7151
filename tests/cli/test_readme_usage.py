"""The README's "Using dllint" commands run as written (exit 0 or 1, never a usage error) on a small
project, and its "CI" snippets are valid YAML that uses the action's real inputs."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from cli_helpers import write
from test_cli_target_version import PY312
from test_github_action import ACTION, TRAIN

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _section(heading: str) -> str:
    return README.split(heading + "\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def test_every_dllint_command_of_using_dllint_runs(cli, project):
    write(project / "train.py", TRAIN)
    write(project / "src" / "model.py", PY312)
    commands = [line.split("  #", 1)[0].strip() for block in _blocks(_section("## Using dllint"), "bash")
                for line in block.splitlines()]
    commands = [c for c in commands if c.startswith("dllint")]
    assert len(commands) >= 14 and any("--baseline" in c for c in commands)
    for command in commands:
        args = shlex.split(command)[1:]
        result = cli(*args, "--no-cache" if args[:1] != ["explain"] else "--color=never", registry=None)
        assert result.code in (0, 1), (command, result.err)
        assert "error" not in result.err, (command, result.err)


def test_the_ci_snippets_are_yaml_and_use_the_action_inputs():
    blocks = [yaml.safe_load(block) for block in _blocks(_section("### CI"), "yaml")]
    steps = [step for block in blocks for step in (block["steps"] if isinstance(block, dict) else block)]
    action = next(step for step in steps if step.get("uses", "").startswith("dllint/dllint@"))
    assert set(action["with"]) <= set(ACTION["inputs"]) and "baseline" in action["with"]
