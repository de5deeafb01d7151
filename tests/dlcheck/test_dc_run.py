"""``dlcheck run``: a script run unchanged, with a watcher on every model it trains.

The done-when test of issue 17 runs tests/dlcheck/data/tiny_gpt.py (a nanoGPT-shaped
character model on made-up text) as a subprocess, with and without its planted bugs. The other
tests run small scripts in process through ``dlcheck.cli.main``.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch.nn.modules import module as module_hooks
from torch.optim import optimizer as optimizer_hooks

from dlcheck import cli, losses
from dlcheck.autoattach import AutoAttach
from dlcheck.severity import fails, severity

DATA = Path(__file__).parent / "data"
GPT = DATA / "tiny_gpt.py"
ROOT = Path(__file__).parents[2]

# a small model trained with an optimizer; {body} runs after each step (`step`, `loss` are set)
TRAIN = """
import torch
from torch import nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
x, y = torch.randn(16, 4), torch.randn(16, 1)
history = []
for step in range({steps}):
    loss = nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
{body}
"""


def script(tmp_path: Path, text: str, name: str = "train.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def train_script(tmp_path: Path, body: str = "", steps: int = 6, tail: str = "") -> Path:
    body = textwrap.indent(textwrap.dedent(body), "    ") if body else "    pass"
    return script(tmp_path, TRAIN.format(steps=steps, body=body) + textwrap.dedent(tail))


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    status = cli.main(["run", *map(str, argv)])
    out, err = capsys.readouterr()
    return status, out, err


def global_state() -> tuple:
    return (len(module_hooks._global_forward_pre_hooks), len(module_hooks._global_forward_hooks),
            len(optimizer_hooks._global_optimizer_pre_hooks),
            len(optimizer_hooks._global_optimizer_post_hooks),
            torch.optim.Optimizer.__dict__["__init__"], F.mse_loss, F.cross_entropy,
            tuple(logging.getLogger("dlcheck").handlers), logging.getLogger("dlcheck").propagate,
            logging.getLogger("dlcheck").level,
            tuple(sys.argv), tuple(sys.path))


# ---------------------------------------------------------------------------- done-when


def _run_gpt(tmp_path: Path, *args: str, under_dlcheck: bool = True):
    out = tmp_path / "report.json"
    prefix = [sys.executable, "-m", "dlcheck", "run", "--json", str(out)] if under_dlcheck \
        else [sys.executable]
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore::UserWarning")
    proc = subprocess.run([*prefix, str(GPT), "--steps", "12", "--eval-every", "10", *args],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    report = json.loads(out.read_text()) if under_dlcheck else None
    return proc, report


@pytest.mark.slow
def test_unchanged_gpt_script_with_planted_bugs_reports_each(tmp_path: Path) -> None:
    proc, report = _run_gpt(tmp_path, "--bugs")
    assert proc.returncode == 1, proc.stderr
    found = {(p["code"], p["module"]) for p in report["problems"]}
    assert ("DC101", "") in found  # running_loss += loss
    assert ("DC301", "drop") in found  # evaluation without model.eval()
    never = {m for c, m in found if c == "DC102"}  # the copy-paste slip: ln_2 unused
    assert never == {f"h.{i}.ln_2.{p}" for i in range(2) for p in ("weight", "bias")}
    assert {c for c, _ in found} == {"DC101", "DC301", "DC102"}
    assert report["models"] == [{"name": "GPT", "class": "GPT", "optimizer": "AdamW",
                                 "steps": 12}]
    # told as found, then the table at the end; the script's own output is untouched
    assert "dlcheck: DC301 drop (step 0): evaluating in training mode" in proc.stderr
    assert "dlcheck: 6 problem(s) in 12 step(s)" in proc.stderr
    assert proc.stdout.startswith("step 0: train loss ")


@pytest.mark.slow
def test_unchanged_gpt_script_without_the_bugs_reports_nothing(tmp_path: Path) -> None:
    proc, report = _run_gpt(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert report["problems"] == [] and report["steps"] == 12
    assert "dlcheck: no problems in 12 step(s)" in proc.stderr
    assert "DC" not in proc.stderr
    plain, _ = _run_gpt(tmp_path, under_dlcheck=False)
    assert plain.returncode == 0
    assert proc.stdout == plain.stdout  # the same losses to the last digit: nothing changed


@pytest.mark.slow
def test_script_exit_status_passes_through_a_subprocess(tmp_path: Path) -> None:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "dlcheck", "run", str(GPT), "--steps", "2",
                           "--eval-every", "5", "--exit-code", "7"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert proc.returncode == 7, proc.stderr
    assert "dlcheck: no problems in 2 step(s)" in proc.stderr


# ---------------------------------------------------------------------------- the program


def test_argv_main_path_and_pickling_are_as_under_python(tmp_path, capsys) -> None:
    (tmp_path / "helper_mod_dcrun.py").write_text("VALUE = 41\n")
    path = script(tmp_path, """
        import json, pickle, sys
        import helper_mod_dcrun  # found through sys.path[0], the script's directory

        class Thing:
            pass

        if __name__ == "__main__":
            back = pickle.loads(pickle.dumps(Thing()))  # a class of the script pickles
            print(json.dumps({"argv": sys.argv, "path0": sys.path[0], "file": __file__,
                              "value": helper_mod_dcrun.VALUE + 1,
                              "cls": type(back).__qualname__}))
        """)
    before = global_state()
    status, out, err = run(capsys, path, "--lr", "3", "-m", "x", "--", "y")
    assert status == 0, err
    seen = json.loads(out)
    assert seen == {"argv": [str(path), "--lr", "3", "-m", "x", "--", "y"],
                    "path0": str(tmp_path.resolve()), "file": str(path), "value": 42,
                    "cls": "Thing"}
    assert "dlcheck: no model was trained" in err
    assert global_state() == before
    sys.modules.pop("helper_mod_dcrun", None)


def test_module_form_runs_as_main_with_cwd_on_path(tmp_path, capsys, monkeypatch) -> None:
    pkg = tmp_path / "dcrunpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "train.py").write_text(TRAIN.format(steps=3, body="    pass") + textwrap.dedent("""
        import sys
        print(__name__, sys.argv)
        """))
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "-m", "dcrunpkg.train", "a", "--b")
    assert status == 0, err
    assert out.strip() == f"__main__ {[str(pkg / 'train.py'), 'a', '--b']}"
    assert "watched Sequential (SGD, 3 step(s))" in err
    for name in ("dcrunpkg", "dcrunpkg.train"):
        sys.modules.pop(name, None)


@pytest.mark.parametrize("tail, status, text", [
    ("import sys; sys.exit(3)", 3, None),
    ("import sys; sys.exit()", 0, None),
    ("import sys; sys.exit('stopped by the script')", 1, "stopped by the script"),
    ("raise SystemExit(None)", 0, None),
])
def test_script_exit_status_passes_through(tmp_path, capsys, tail, status, text) -> None:
    path = train_script(tmp_path, tail=tail)
    got, _, err = run(capsys, path)
    assert got == status
    if text:
        assert err.splitlines()[0] == text
    assert "no problems in 6 step(s)" in err  # the report comes all the same


def test_exception_shows_python_traceback_and_the_report(tmp_path, capsys) -> None:
    path = train_script(tmp_path, body="history.append(loss)", tail="""
        def fail():
            raise ValueError("the script's own error")
        fail()
        """)
    before = global_state()
    status, _, err = run(capsys, path)
    assert status == 1
    told, rest = err.split("Traceback (most recent call last):\n")
    assert told.startswith("dlcheck: DC101")  # told when found, before the failure
    traceback, report = rest.split("ValueError: the script's own error\n")
    lines = ["Traceback (most recent call last):", *traceback.splitlines()]
    assert lines[0] == "Traceback (most recent call last):"
    # the program's frames only, from its first line on: no runpy, no dlcheck
    assert lines[1].startswith(f'  File "{path}", line ') and lines[1].endswith("in <module>")
    assert "runpy" not in traceback and "dlcheck" not in traceback
    assert "in fail" in traceback
    assert "DC101" in report and "problem(s) in 6 step(s)" in report
    assert global_state() == before


def test_syntax_error_is_shown_as_python_does(tmp_path, capsys) -> None:
    path = script(tmp_path, "x = (\n")
    status, _, err = run(capsys, path)
    assert status == 1
    assert "SyntaxError" in err and "runpy" not in err and "Traceback" not in err


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="POSIX signals")
@pytest.mark.slow
def test_ctrl_c_ends_by_sigint_after_the_report(tmp_path) -> None:
    path = train_script(tmp_path, body="""
        history.append(loss)
        if step == 4:
            import os, signal
            os.kill(os.getpid(), signal.SIGINT)
        """, steps=1000)
    proc = subprocess.run([sys.executable, "-m", "dlcheck", "run", str(path)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600,
                          env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert proc.returncode == -signal.SIGINT
    assert "KeyboardInterrupt" in proc.stderr
    assert "dlcheck: 1 problem(s) in 5 step(s)" in proc.stderr  # DC101, found before the stop


# ---------------------------------------------------------------------------- what is found


def test_each_problem_is_told_when_found_and_the_table_at_the_end(tmp_path, capsys) -> None:
    path = train_script(tmp_path, body="""
        history.append(loss)                # DC101 after three steps
        if step == 4:
            print("marker", flush=True)
        """)
    status, out, err = run(capsys, path)
    assert status == 1
    assert err.splitlines()[0].startswith("dlcheck: DC101 <model> (step 3): the autograd graphs")
    assert "dlcheck: watched Sequential (SGD, 6 step(s))" in err
    assert "dlcheck: 1 problem(s) in 6 step(s)" in err


def test_eval_in_training_mode_before_the_first_step_is_found(tmp_path, capsys) -> None:
    # nanoGPT evaluates at iteration 0, before any optimizer step
    path = script(tmp_path, """
        import torch
        from torch import nn
        model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 1))
        opt = torch.optim.Adam(model.parameters())
        x = torch.randn(8, 4)
        with torch.no_grad():
            model(x)                      # evaluation, model.eval() forgotten
        for _ in range(2):
            opt.zero_grad()
            model(x).sum().backward()
            opt.step()
        """)
    out = tmp_path / "r.json"
    status, _, err = run(capsys, "--json", out, path)
    assert status == 1
    report = json.loads(out.read_text())
    assert [(p["code"], p["module"], p["step"]) for p in report["problems"]] == \
        [("DC301", "1", 0)]


def test_healthy_evaluation_and_training_are_silent(tmp_path, capsys) -> None:
    path = train_script(tmp_path, body="""
        history.append(loss.item())
        model.eval()
        with torch.no_grad():
            model(x)
        model.train()
        """)
    status, _, err = run(capsys, path)
    assert status == 0, err
    assert "DC" not in err


def test_two_models_two_optimizers_each_watched_and_named(tmp_path, capsys) -> None:
    path = script(tmp_path, """
        import torch
        from torch import nn

        class Generator(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2, 4)
                self.unused = nn.Linear(4, 4)
            def forward(self, z):
                return self.fc(z)

        class Critic(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 1)
            def forward(self, x):
                return self.fc(x)

        g, d = Generator(), Critic()
        opt_g = torch.optim.Adam(g.parameters())
        opt_d = torch.optim.Adam(d.parameters())
        for _ in range(3):
            opt_d.zero_grad()
            d(g(torch.randn(8, 2)).detach()).mean().backward()
            opt_d.step()
            opt_g.zero_grad()
            (-d(g(torch.randn(8, 2)))).mean().backward()
            opt_g.step()
        """)
    out = tmp_path / "r.json"
    status, _, err = run(capsys, "--json", out, path)
    report = json.loads(out.read_text())
    assert [m["name"] for m in report["models"]] == ["Generator", "Critic"]
    assert [m["steps"] for m in report["models"]] == [3, 3]
    modules = {(p["code"], p["module"]) for p in report["problems"]}
    assert modules == {("DC102", "Generator.unused.weight"), ("DC102", "Generator.unused.bias")}
    assert status == 1


def test_optimizer_built_after_the_first_forward_and_model_called_via_wrapper(
        tmp_path, capsys) -> None:
    # a forward before the optimizer exists (lazy shapes), then DataParallel around the model
    path = script(tmp_path, """
        import torch
        from torch import nn
        net = nn.Sequential(nn.LazyLinear(3), nn.ReLU(), nn.Linear(3, 1))
        net(torch.randn(2, 5))
        model = nn.DataParallel(net)
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        kept = []
        for _ in range(5):
            opt.zero_grad()
            loss = model(torch.randn(4, 5)).pow(2).mean()
            loss.backward()
            opt.step()
            kept.append(loss)
        """)
    out = tmp_path / "r.json"
    status, _, err = run(capsys, "--json", out, path)
    report = json.loads(out.read_text())
    assert report["models"][0]["class"] == "Sequential"
    assert report["models"][0]["steps"] == 5
    assert [p["code"] for p in report["problems"]] == ["DC101"]


def test_new_optimizer_for_a_second_phase_goes_on_counting(tmp_path, capsys) -> None:
    path = script(tmp_path, """
        import torch
        from torch import nn
        model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 1))
        x = torch.randn(8, 4)
        for phase in range(2):
            opt = torch.optim.SGD(model.parameters(), lr=0.01 / (phase + 1))
            for _ in range(3):
                opt.zero_grad()
                model(x).pow(2).mean().backward()
                opt.step()
        """)
    out = tmp_path / "r.json"
    status, _, err = run(capsys, "--json", out, path)
    assert status == 0, err
    report = json.loads(out.read_text())
    assert report["steps"] == 6
    assert [m["steps"] for m in report["models"]] == [3, 6]


def test_global_prehook_leaves_once_every_optimizer_is_covered() -> None:
    before = len(module_hooks._global_forward_pre_hooks)
    model = torch.nn.Linear(2, 1)
    with AutoAttach() as attach:
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        assert attach._pre_handle is not None  # an optimizer whose model is not found yet
        model(torch.randn(3, 2)).sum().backward()
        opt.step()
        assert attach._pre_handle is None
        assert len(attach.watchers) == 1 and attach.watchers[0].model is model
    assert len(module_hooks._global_forward_pre_hooks) == before
    assert attach.watchers[0].closed


def test_optimizer_unknown_at_construction_is_found_at_its_step() -> None:
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)  # built before the attach
    with AutoAttach() as attach:
        for _ in range(3):
            opt.zero_grad()
            model(torch.randn(3, 2)).sum().backward()
            opt.step()
    assert [m["steps"] for m in attach.models()] == [2]  # from its first step on


# ---------------------------------------------------------------------------- options


def test_on_problem_raise_stops_the_script_with_a_traceback(tmp_path, capsys) -> None:
    path = train_script(tmp_path, body="history.append(loss)", tail="print('not reached')")
    status, out, err = run(capsys, "--on-problem", "raise", path)
    assert status == 1
    assert "not reached" not in out
    assert "dlcheck.problems.DCProblemError: DC101" in err
    assert "dlcheck: 1 problem(s)" in err


def test_on_problem_log_goes_through_logging(tmp_path, capsys, caplog) -> None:
    path = train_script(tmp_path, body="history.append(loss)")
    with caplog.at_level(logging.WARNING, logger="dlcheck"):
        status, _, err = run(capsys, "--on-problem", "log", path)
    assert status == 1
    assert [r.getMessage().split(" ")[0] for r in caplog.records] == ["DC101"]


def test_checks_and_options_reach_the_watchers(tmp_path, capsys) -> None:
    path = train_script(tmp_path, body="history.append(loss)")
    status, _, err = run(capsys, "--checks", "mode,grad_flow", path)
    assert status == 0 and "DC101" not in err
    status, _, err = run(capsys, "--checks", "graph", "-o", "graph.min_steps=5", path)
    assert status == 1 and "DC101 <model> (step 5)" in err
    every_other = train_script(tmp_path, "history.append(loss)", steps=10)
    status, _, err = run(capsys, "--every", "2", every_other)
    assert status == 1 and "DC101 <model> (step 6)" in err  # steps 0, 2, 4 kept at step 6


def test_fail_on_decides_the_exit_status(tmp_path, capsys) -> None:
    # a gradient exactly zero (a parameter multiplied by zero): DC103, a warning
    path = script(tmp_path, """
        import torch
        from torch import nn
        model = nn.Linear(2, 1)
        scale = nn.Parameter(torch.ones(1))
        opt = torch.optim.SGD([*model.parameters(), scale], lr=0.1)
        class Wrapped(nn.Module):
            def __init__(self):
                super().__init__()
                self.model, self.scale = model, scale
            def forward(self, x):
                return self.model(x) + 0 * self.scale
        net = Wrapped()
        for _ in range(4):
            opt.zero_grad()
            net(torch.randn(3, 2)).pow(2).mean().backward()
            opt.step()
        """)
    assert run(capsys, path)[0] == 1
    assert run(capsys, "--fail-on", "warning", path)[0] == 1
    status, _, err = run(capsys, "--fail-on", "error", path)
    assert status == 0 and "DC103 scale" in err
    assert run(capsys, "--fail-on", "never", path)[0] == 0


def test_severity_of_codes() -> None:
    assert [severity(c) for c in ("DC101", "DC102", "DC203", "DC301", "DC103", "DC401",
                                  "DC000", "XX999")] == \
        ["error"] * 4 + ["warning"] * 3 + ["error"]

    class P:
        def __init__(self, code):
            self.code = code
    assert fails([P("DC401")], "warning") and not fails([P("DC401")], "error")
    assert fails([P("DC301")], "error") and not fails([P("DC301")], "never")
    assert not fails([], "warning")
    with pytest.raises(ValueError, match="'sometimes'"):
        fails([], "sometimes")


@pytest.mark.parametrize("argv, named", [
    (["--checks", "nonfinite,typo"], "'typo'"),
    (["--checks", ","], "','"),
    (["-o", "dead_units.threshold=-1"], "-1"),
    (["-o", "dead_units.colour=1"], "'colour'"),
    (["-o", "threshold=0.5"], "'threshold=0.5'"),
    (["--checks", "mode", "-o", "graph.min_steps=2"], "'graph'"),
    (["--every", "0"], "0"),
    (["--every", "two"], "'two'"),
    (["--fail-on", "sometimes"], "'sometimes'"),
    (["--on-problem", "shout"], "'shout'"),
    (["--bogus"], "'--bogus'"),
    (["--json", "/nonexistent-dir-dcrun/r.json"], "/nonexistent-dir-dcrun/r.json"),
])
def test_bad_option_is_one_line_naming_the_value_and_exit_2(tmp_path, capsys, argv,
                                                            named) -> None:
    path = train_script(tmp_path, tail="print('ran')")
    before = global_state()
    status, out, err = run(capsys, *argv, path)
    assert status == 2
    assert out == ""  # the script did not run
    assert len(err.splitlines()) == 1 and err.startswith("dlcheck run: error: ")
    assert named in err
    assert global_state() == before


def test_missing_script_or_module_and_no_script(tmp_path, capsys) -> None:
    cases = ((["missing.py"], "'missing.py'"), (["-m", "no_such_mod_dcrun"], "no_such_mod_dcrun"),
             ([], "script"))
    for argv, named in cases:
        status, _, err = run(capsys, *argv)
        assert status == 2 and len(err.splitlines()) == 1 and named in err
    assert cli.main([]) == 2
    assert capsys.readouterr().err.startswith("usage: dlcheck run [options] script.py")
    assert cli.main(["lint"]) == 2
    err = capsys.readouterr().err
    assert err == "dlcheck: error: unknown command 'lint' (the command is 'run')\n"


def test_help(capsys) -> None:
    assert cli.main(["--help"]) == 0
    assert "dlcheck run [options] script.py" in capsys.readouterr().out
    assert cli.main(["run", "--help"]) == 0
    assert "--fail-on" in capsys.readouterr().out


def test_json_report(tmp_path, capsys) -> None:
    path = train_script(tmp_path, body="history.append(loss)")
    out = tmp_path / "r.json"
    status, _, _ = run(capsys, "--json", out, path)
    data = json.loads(out.read_text())
    assert status == 1
    assert data["steps"] == 6
    assert [(p["code"], p["step"], p["title"]) for p in data["problems"]] == \
        [("DC101", 3, "autograd graph kept alive across steps")]
    assert data["models"] == [{"name": "Sequential", "class": "Sequential", "optimizer": "SGD",
                               "steps": 6}]
    assert "0" in data["shapes"]  # the first Linear's shapes


def test_html_report_has_the_charts_of_the_run(tmp_path, capsys) -> None:
    path = train_script(tmp_path, body="history.append(loss)")
    out = tmp_path / "r.html"
    status, _, err = run(capsys, "--html", out, path)
    assert status == 1, err
    page = out.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "Charts over steps" in page and "No history was recorded" not in page  # history on
    assert "DC101" in page


def test_console_script_is_declared() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert 'dlcheck = "dlcheck.cli:main"' in text


def test_losses_and_hooks_restored_after_a_watch_in_the_script(tmp_path, capsys) -> None:
    # the script's own dlcheck.watch next to the automatic one: both close, nothing stays
    path = train_script(tmp_path, tail="""
        import dlcheck
        with dlcheck.watch(model, opt) as w:
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad(); loss.backward(); opt.step()
        assert not w.report()
        """)
    before = global_state()
    status, _, err = run(capsys, path)
    assert status == 0, err
    assert global_state() == before and not losses.installed()


def test_readme_command_is_the_one_the_done_when_test_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line.split("#")[0].split() for line in readme.splitlines()
             if line.startswith("dlcheck run ")]
    assert lines == [["dlcheck", "run", "tests/dlcheck/data/tiny_gpt.py", "--bugs"]]
    ours, kind, target, args = cli._split(lines[0][2:], cli._run_parser())
    assert (ours, kind, ROOT / target, args) == ([], "path", GPT, ["--bugs"])


def test_quiet_prints_nothing_on_a_healthy_run(tmp_path, capsys) -> None:
    path = train_script(tmp_path)
    assert run(capsys, "-q", path)[2] == ""
    status, _, err = run(capsys, "--quiet", train_script(tmp_path, "history.append(loss)"))
    assert status == 1 and "dlcheck: 1 problem(s) in 6 step(s)" in err


def test_problem_found_at_the_very_end_in_raise_mode_is_reported(tmp_path, capsys) -> None:
    # evaluation in training mode after the last step: found by the final flush, at close
    path = train_script(tmp_path, tail="""
        with torch.no_grad():
            model(x)
        print("script done")
        """)
    out = tmp_path / "r.json"
    status, stdout, err = run(capsys, "--on-problem", "raise", "--json", out, path)
    assert status == 1 and stdout == "script done\n"
    assert [p["code"] for p in json.loads(out.read_text())["problems"]] == ["DC301"]
    assert "failed" not in err and "Traceback" not in err


@pytest.mark.slow
def test_compiled_model_is_watched_through_its_wrapper(tmp_path, capsys, recwarn) -> None:
    path = script(tmp_path, """
        import torch
        from torch import nn
        net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
        model = torch.compile(net, backend="eager")
        opt = torch.optim.Adam(model.parameters())
        kept = []
        for step in range(6):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(torch.randn(16, 4)), torch.randn(16, 1))
            loss.backward()
            opt.step()
            kept.append(loss)
        """)
    out = tmp_path / "r.json"
    status, _, err = run(capsys, "--json", out, path)
    report = json.loads(out.read_text())
    assert report["models"] == [{"name": "Sequential", "class": "Sequential",
                                 "optimizer": "Adam", "steps": 6}]
    assert [p["code"] for p in report["problems"]] == ["DC101"] and status == 1
    assert not [w for w in recwarn if "global hooks" in str(w.message)]
    # the filter that hid it is gone (importing dynamo adds filters of its own)
    assert not [f for f in __import__("warnings").filters
                if f[1] is not None and "global hooks" in f[1].pattern]


def test_problems_are_told_when_the_script_silences_logging(tmp_path, capsys) -> None:
    path = train_script(tmp_path, body="history.append(loss)", tail="")
    text = path.read_text()
    path.write_text("import logging\nlogging.getLogger().setLevel(logging.CRITICAL)\n" + text)
    before, level = global_state(), logging.getLogger().level
    try:
        status, _, err = run(capsys, path)
    finally:
        logging.getLogger().setLevel(level)
    assert status == 1 and err.startswith("dlcheck: DC101 <model> (step 3)")
    assert global_state() == before
