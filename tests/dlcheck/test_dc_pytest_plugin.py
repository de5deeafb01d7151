"""The pytest11 plugin: a user's test fails with dlcheck's report when a check fires."""

from __future__ import annotations

import subprocess
import sys
import textwrap

USER_TESTS = textwrap.dedent('''
    import torch
    from torch import nn

    def _step(model, opt):
        opt.zero_grad()
        model(torch.randn(8, 4)).pow(2).mean().backward()
        opt.step()

    def test_healthy_step(dlcheck_watch):
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        dlcheck_watch(model, opt)
        _step(model, opt)

    def test_sick_step(dlcheck_watch):
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
        with torch.no_grad():
            model[2].weight.fill_(float("nan"))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        dlcheck_watch(model, opt)
        _step(model, opt)

    def test_expected_problems(dlcheck_watch):
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
        model.eval()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        w = dlcheck_watch(model, opt, expect_problems=True)
        with torch.no_grad():
            model[2].weight.fill_(float("nan"))
        _step(model, opt)
        assert "DC203" in w.report().codes()
''')


def test_fixture_fails_a_sick_training_step(tmp_path):
    # the plugin comes from the installed pytest11 entry point, as in a user's project
    (tmp_path / "test_user.py").write_text(USER_TESTS)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore",
         str(tmp_path / "test_user.py")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    out = proc.stdout
    assert "1 failed, 2 passed" in out, out[-3000:] + proc.stderr[-3000:]
    assert "FAILED" in out and "test_sick_step" in out
    assert "dlcheck found problems" in out and "DC203" in out and "suggestions:" in out
