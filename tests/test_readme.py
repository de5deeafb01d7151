"""The README stays true: its quick start prints what dllint really prints on examples/, its rule
table lists every registered rule as `dllint rules` does, and CI runs the README's test command."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from dllint.registry import default_registry

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block_after(heading: str, language: str) -> str:
    section = README.split(heading, 1)[1]
    match = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert match, f"no ```{language} block after {heading!r}"
    return match.group(1)


def test_quick_start_is_two_commands_and_ci_runs_the_test_command():
    commands = [line for line in _block_after("## Quick start", "bash").splitlines() if line.strip()]
    assert len(commands) == 2
    assert "torch==2.13.0" in commands[0] and "dllint examples/" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # CI builds its own venv and runs the README's quick start as read from the README itself
    assert "-m venv" in ci and "--system-site-packages" not in ci
    assert '"## Quick start"' in ci and 'bash -euo pipefail -c "${COMMANDS[1]}"' in ci


def test_every_import_is_declared():
    """Each third-party module that the packages import is a declared dependency (or extra)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared_names = {re.split(r"[<>=!;\[ ]", req.strip(), 1)[0].lower()
                      for req in project["dependencies"] + sum(project["optional-dependencies"].values(), [])}
    stdlib = set(sys.stdlib_module_names) | {"dllint", "dlcheck", "tomli"}
    distribution = {"libcst": "libcst", "pluggy": "pluggy", "pathspec": "pathspec", "torch": "torch", "numpy": "numpy",
                    "typeguard": "typeguard", "matplotlib": "matplotlib", "hypothesis": "hypothesis",
                    "pytest": "pytest", "jsonschema": "jsonschema", "yaml": "pyyaml",
                    "pygls": "pygls", "lsprotocol": "lsprotocol", "pytest_lsp": "pytest-lsp",
                    "tensorboard": "tensorboard",
                    "lightning": "lightning", "pytorch_lightning": "pytorch-lightning",
                    "transformers": "transformers"}
    pattern = re.compile(r"^\s*(?:import|from)\s+([A-Za-z_]\w*)", re.M)
    # a test or benchmark script imports its siblings (its folder is first on sys.path)
    local = {path.stem for folder in ("tests", "bench") for path in (ROOT / folder).rglob("*.py")}
    for package in ("dllint", "dlcheck", "tests", "bench", "examples"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            # rule examples are strings of user code, not imports of dllint
            text = re.sub(r'(?s)(\"\"\"|\'\'\').*?\1', "", text)
            for module in pattern.findall(text):
                if module in stdlib or module in local:
                    continue
                assert module in distribution, f"{path.relative_to(ROOT)} imports {module}: declare it"
                assert distribution[module] in declared_names, (
                    f"{path.relative_to(ROOT)} imports {module}, which pyproject.toml does not declare")


def test_quick_start_output_is_what_dllint_prints(tmp_path):
    expected = _block_after("## Quick start", "text").strip()
    result = subprocess.run(
        [sys.executable, "-m", "dllint", "--no-cache", "examples/"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.strip() == expected


def test_fixed_example_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "dllint", "--no-cache", "examples/train_fixed.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_table_lists_every_rule():
    table = README.split("## The rules", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| \[?(DL\d{3})\b.*$", table, re.M)}
    for rule in default_registry():
        if not rule.code.startswith("DL"):
            continue
        assert rule.code in rows, f"{rule.code} is missing from the README's rule table"
        assert ("on" if rule.default_enabled else "off") in rows[rule.code].split("|")[3]


def test_watch_demo_reports_the_planted_problems():
    result = subprocess.run(
        [sys.executable, "examples/watch_demo.py"], cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    table = result.stdout
    for code, module in [("DC102", "unused.weight"), ("DC103", "hidden.weight"), ("DC401", "act")]:
        assert re.search(rf"^{code}\s+\d+\s+{re.escape(module)}\s", table, re.M), (code, module, table)
    documented = _block_after("## Using dlcheck", "text")
    for line in documented.splitlines()[3:]:
        code, step, module = line.split()[:3]
        assert re.search(rf"^{code}\s+{step}\s+{re.escape(module)}\s", table, re.M), line


def test_configuration_example_is_accepted(tmp_path):
    block = _block_after("### Configuration", "toml")
    (tmp_path / "pyproject.toml").write_text(block, encoding="utf-8")
    (tmp_path / "t.py").write_text("x = 1\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "dllint", "--no-cache", "t.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_pack_snippet_works_as_published(tmp_path):
    """The README's rule pack, installed the way its pyproject snippet declares it (an entry point
    in the ``dllint`` group), is found by the CLI and reports its finding."""
    section = README.split("### Writing a rule pack", 1)[1]
    code = _block_after("### Writing a rule pack", "python")
    entry = re.search(r"\[project\.entry-points\.dllint\]\n(\w+) = \"(\w+)\"", section)
    assert entry, "the pack's entry point snippet is missing"
    name, module = entry.groups()
    site = tmp_path / "site"
    (site / module).mkdir(parents=True)
    (site / module / "__init__.py").write_text(code, encoding="utf-8")
    info = site / "acme_rules-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[dllint]\n{name} = {module}\n")
    (tmp_path / "train.py").write_text("loss = 1.0\nprint(loss)\n", encoding="utf-8")
    env = {**__import__("os").environ, "PYTHONPATH": f"{site}{__import__('os').pathsep}{ROOT}"}
    result = subprocess.run(
        [sys.executable, "-m", "dllint", "--no-cache", "--select", "ACME001", "train.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "train.py:2:1: ACME001 print() in training code" in result.stdout


def test_dlcheck_watch_snippet_runs():
    """The README's watch snippet, around a small real model, trains and reports."""
    torch = __import__("pytest").importorskip("torch")
    code = _block_after("## Using dlcheck", "python")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    namespace = {
        "model": model,
        "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
        "loader": [(torch.randn(16, 4), torch.randn(16, 1)) for _ in range(3)],
        "loss_fn": torch.nn.MSELoss(),
    }
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["watcher"].report().steps == 3


def test_pytest_fixture_snippet_runs(tmp_path):
    """The README's ``dlcheck_watch`` test passes on a healthy model and fails, naming the problem,
    on one with a planted dead layer."""
    __import__("pytest").importorskip("torch")
    section = README.split("## Using dlcheck", 1)[1]
    snippet = re.findall(r"```python\n(.*?)```", section, re.S)[1]
    assert "dlcheck_watch" in snippet
    helpers = '''
import torch

def make_model():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    if BROKEN:
        torch.nn.init.constant_(model[0].bias, -100.0)   # every ReLU unit dead
    return model, torch.optim.SGD(model.parameters(), lr=0.1)

def train_one_step(model, optimizer):
    for _ in range(12):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(torch.randn(16, 4)), torch.randn(16, 1))
        loss.backward()
        optimizer.step()
'''
    for broken, expected in ((False, 0), (True, 1)):
        (tmp_path / "test_snippet.py").write_text(f"BROKEN = {broken}\n{helpers}\n{snippet}")
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                 "test_snippet.py"], cwd=tmp_path, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == expected, result.stdout + result.stderr
        if broken:
            assert "DC" in result.stdout, result.stdout
