"""dlcheck.integrations.lightning: the callback inside a real Lightning Trainer (CPU)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.modules import module as torch_module
from torch.utils.data import DataLoader, TensorDataset

import lightning.pytorch as pl
from lightning.pytorch.loggers import Logger

from dlcheck import DCProblemError, DCWarning, losses
from dlcheck.integrations.lightning import DLCheckCallback

ROOT = Path(__file__).resolve().parents[2]


class Net(pl.LightningModule):
    """A small classifier with dropout (eval mode matters) and the bugs the tests plant."""

    def __init__(self, bug: str | None = None) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3))
        self.bug = bug
        if bug == "unused":  # a head added and never called: backprop never reaches it
            self.extra = nn.Linear(16, 3)
        if bug == "nan":
            with torch.no_grad():
                self.body[3].weight[1, 2] = float("nan")
        self.running = 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        if self.bug == "running":  # DL101's bug: every step's graph stays alive
            self.running = self.running + loss  # noqa: DL101 - the bug under test
        if self.bug == "skip" and batch_idx % 2 == 0:
            return None  # Lightning skips backward, and still calls the optimizer's step
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", F.cross_entropy(self(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


class TwoOptimizers(pl.LightningModule):
    """Manual optimization with two optimizers taking turns, each over its own layer; the
    second layer's input is detached, so the first layer gets no gradient in its step."""

    def __init__(self) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.a = nn.Linear(8, 8)
        self.b = nn.Linear(8, 3)

    def training_step(self, batch, batch_idx):
        x, y = batch
        opt_a, opt_b = self.optimizers()
        h = self.a(x)
        opt_a.zero_grad()
        self.manual_backward(h.pow(2).mean())
        opt_a.step()
        opt_b.zero_grad()
        self.manual_backward(F.cross_entropy(self.b(h.detach()), y))
        opt_b.step()

    def configure_optimizers(self):
        return (torch.optim.SGD(self.a.parameters(), lr=0.01),
                torch.optim.SGD(self.b.parameters(), lr=0.01))


class Recorder(Logger):
    """A logger that keeps what it is given, and an experiment with TensorBoard's add_text."""

    def __init__(self) -> None:
        super().__init__()
        self.metrics: list[tuple[int | None, dict]] = []
        self.texts: list[tuple[str, str, int]] = []

    @property
    def name(self) -> str:
        return "recorder"

    @property
    def version(self) -> int:
        return 0

    @property
    def experiment(self) -> "Recorder":
        return self

    def add_text(self, tag: str, text: str, step: int) -> None:
        self.texts.append((tag, text, step))

    def log_metrics(self, metrics: dict, step: int | None = None) -> None:
        self.metrics.append((step, dict(metrics)))

    def log_hyperparams(self, params, *args, **kwargs) -> None:
        pass


def data(n: int = 64) -> DataLoader:
    g = torch.Generator().manual_seed(0)
    ds = TensorDataset(torch.randn(n, 8, generator=g), torch.randint(0, 3, (n,), generator=g))
    return DataLoader(ds, batch_size=8)


def trainer(callbacks: list, **kwargs) -> pl.Trainer:
    options = dict(accelerator="cpu", devices=1, max_epochs=1, logger=False,
                   enable_progress_bar=False, enable_model_summary=False,
                   enable_checkpointing=False)
    options.update(kwargs)
    return pl.Trainer(callbacks=callbacks, **options)


def hooks_now() -> tuple:
    return (len(torch_module._global_forward_hooks), len(torch_module._global_forward_pre_hooks),
            losses.installed())


def assert_nothing_left(model: nn.Module, before: tuple) -> None:
    assert hooks_now() == before
    for m in model.modules():
        assert not m._forward_hooks and not m._forward_pre_hooks and not m._backward_hooks
        assert not [k for k in vars(m) if "dlcheck" in k.lower()]


def fit(model: nn.Module, callback: DLCheckCallback, **kwargs) -> pl.Trainer:
    t = trainer([callback], **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DCWarning)
        t.fit(model, data(), data(16))
    return t


def test_healthy_run_with_accumulation_and_bf16_is_silent_and_leaves_nothing(capsys):
    before = hooks_now()
    torch.manual_seed(0)
    model = Net()
    callback = DLCheckCallback()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DCWarning)
        t = trainer([callback], max_epochs=2, accumulate_grad_batches=2,
                    precision="bf16-mixed")
        t.fit(model, data(), data(16))
    report = callback.report
    assert report is not None and report.codes() == [], str(report)
    # 8 batches an epoch, an optimizer step every 2: a dlcheck step is an optimizer step
    assert report.steps == t.global_step == 8
    assert callback.watcher is None
    assert_nothing_left(model, before)
    assert "dlcheck: no problems in 8 step(s)" in capsys.readouterr().out


@pytest.mark.slow
def test_training_under_the_callback_is_bit_identical():
    params = []
    for callbacks in ([], [DLCheckCallback()]):
        torch.manual_seed(0)
        model = Net()
        t = trainer(callbacks, max_epochs=1, accumulate_grad_batches=2)
        t.fit(model, data(), data(16))
        params.append([p.detach().clone() for p in model.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*params))


@pytest.mark.parametrize("bug, code, module", [
    ("unused", "DC102", "extra.weight"),
    ("nan", "DC203", "body.3"),
    ("running", "DC101", ""),
])
def test_planted_bug_is_found_and_logged(bug, code, module):
    before = hooks_now()
    torch.manual_seed(0)
    model = Net(bug)
    callback = DLCheckCallback(verbose=False)
    recorder = Recorder()
    t = fit(model, callback, logger=recorder, limit_train_batches=6, limit_val_batches=1)
    report = callback.report
    found = [p for p in report.problems if p.code == code]
    assert found and found[0].module == module, str(report)
    if bug != "nan":  # a NaN weight also makes every gradient NaN; the others are alone
        assert set(report.codes()) == {code}, str(report)
    # the loggers got the counts while training and at the end, and the text of each problem
    counted = [m for _, m in recorder.metrics if f"dlcheck/{code}" in m]
    assert counted and counted[-1]["dlcheck/problems"] == len(report.problems)
    assert any(tag == f"dlcheck/{code}" and code in text for tag, text, _ in recorder.texts)
    assert any(tag == "dlcheck/report" for tag, _, _ in recorder.texts)
    assert_nothing_left(model, before)
    assert t.global_step == 6


def test_fast_dev_run_finds_the_nan_and_a_healthy_one_is_silent():
    for bug, expected in ((None, []), ("nan", ["DC203"])):
        torch.manual_seed(0)
        callback = DLCheckCallback(verbose=False)
        t = fit(Net(bug), callback, fast_dev_run=True)
        # after a NaN step, the NaN weights also leave the ReLU's units dead (DC401): the
        # report leads with the cause
        assert callback.report.codes()[:len(expected)] == expected, str(callback.report)
        assert callback.report.steps == t.global_step == 1


def test_a_skipped_batch_is_no_missing_gradient():
    torch.manual_seed(0)
    callback = DLCheckCallback(verbose=False)
    fit(Net("skip"), callback, limit_train_batches=6, limit_val_batches=0)
    assert callback.report.codes() == [], str(callback.report)
    assert callback.report.steps == 3  # the three batches that had a backward


def test_on_problem_raise_stops_fit_and_leaves_nothing():
    before = hooks_now()
    torch.manual_seed(0)
    model = Net("unused")
    callback = DLCheckCallback(on_problem="raise", verbose=False)
    with pytest.raises(DCProblemError) as info:
        trainer([callback], limit_train_batches=4).fit(model, data())
    assert info.value.problem.code == "DC102"
    assert callback.watcher is None and callback.report is not None
    assert_nothing_left(model, before)


def test_two_optimizers_taking_turns_are_judged_on_their_own_parameters():
    torch.manual_seed(0)
    callback = DLCheckCallback(verbose=False)
    t = fit(TwoOptimizers(), callback, limit_train_batches=4, limit_val_batches=0)
    # without the per-optimizer view, layer a (no gradient in b's step) would be DC102
    assert callback.report.codes() == [], str(callback.report)
    assert callback.report.steps == t.global_step == 8


def test_validation_in_eval_mode_is_not_a_mode_problem_but_training_mode_is():
    class EvalInTrainMode(Net):
        def on_validation_model_eval(self) -> None:
            self.train()  # the bug: the validation loop runs with dropout on

    for model, expected in ((Net(), []), (EvalInTrainMode(), ["DC301"])):
        torch.manual_seed(0)
        callback = DLCheckCallback(verbose=False)
        fit(model, callback, limit_train_batches=2, limit_val_batches=2)
        assert callback.report.codes() == expected, str(callback.report)


@pytest.mark.parametrize("kwargs, error, text", [
    ({"on_problem": "loud"}, ValueError, "DLCheckCallback: on_problem must be one of"),
    ({"every": 0}, ValueError, "DLCheckCallback: every must be an int >= 1, got 0"),
    ({"checks": ["nonfinite", "typo"]}, ValueError, "unknown check 'typo'"),
    ({"verbose": "yes"}, TypeError, "DLCheckCallback: verbose must be True or False"),
    ({"plugins": "x"}, TypeError, "DLCheckCallback: plugins must be a sequence"),
])
def test_bad_arguments_are_refused_at_the_call(kwargs, error, text):
    before = hooks_now()
    with pytest.raises(error, match=text.replace("(", r"\(")):
        DLCheckCallback(**kwargs)
    assert hooks_now() == before


def test_pytorch_lightning_package_gets_the_same_callback():
    import pytorch_lightning
    from dlcheck.integrations.pytorch_lightning import DLCheckCallback as PLCallback

    class PLNet(pytorch_lightning.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.used = nn.Linear(8, 3)
            self.unused = nn.Linear(8, 3)

        def training_step(self, batch, batch_idx):
            x, y = batch
            return F.cross_entropy(self.used(x), y)

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.01)

    callback = PLCallback(verbose=False)
    t = pytorch_lightning.Trainer(callbacks=[callback], accelerator="cpu", fast_dev_run=2,
                                  enable_progress_bar=False, enable_model_summary=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DCWarning)
        t.fit(PLNet(), data())
    assert callback.report.codes() == ["DC102", "DC102"]
    assert [p.module for p in callback.report.problems] == ["unused.weight", "unused.bias"]


DDP_WORKER = textwrap.dedent('''
    import json, os, sys, warnings
    import torch, torch.nn.functional as F
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset
    import lightning.pytorch as pl
    from dlcheck.integrations.lightning import DLCheckCallback

    class Net(pl.LightningModule):
        def __init__(self, nan_on_rank=None):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
            self.nan_on_rank = nan_on_rank

        def on_train_start(self):
            # a weight of one rank's replica turns NaN after DDP's first broadcast
            if self.global_rank == self.nan_on_rank:
                with torch.no_grad():
                    self.body[0].weight[0, 0] = float("nan")

        def training_step(self, batch, batch_idx):
            x, y = batch
            return F.cross_entropy(self.body(x), y)

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.05)

    def main(out):
        warnings.simplefilter("ignore")
        result = {}
        for name, bug in (("healthy", None), ("nan", 1)):
            torch.manual_seed(0)
            ds = TensorDataset(torch.randn(32, 4), torch.randint(0, 2, (32,)))
            callback = DLCheckCallback(on_problem="log")
            trainer = pl.Trainer(callbacks=[callback], accelerator="cpu", strategy="ddp",
                                 devices=2, max_epochs=1,
                                 limit_train_batches=3, logger=False, enable_progress_bar=False,
                                 enable_model_summary=False, enable_checkpointing=False)
            trainer.fit(Net(bug), DataLoader(ds, batch_size=4))
            result[name] = {"problems": [p.to_dict() for p in callback.report.problems],
                            "steps": callback.report.steps, "global_step": trainer.global_step}
        rank = int(os.environ["RANK"])
        with open(os.path.join(out, f"rank{rank}.json"), "w") as f:
            json.dump(result, f)

    if __name__ == "__main__":
        main(sys.argv[1])
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)  # gloo's threads may race the interpreter's teardown (see test_dc_ddp.py)
''')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_ddp_on_cpu_reports_every_rank_once_on_rank_zero(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(DDP_WORKER)
    port = str(_free_port())
    procs = []
    for rank in (0, 1):
        # LOCAL_RANK set: Lightning takes the processes as launched, and launches none itself
        env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=port, WORLD_SIZE="2",
                   RANK=str(rank), LOCAL_RANK=str(rank), NODE_RANK="0", PYTHONWARNINGS="ignore")
        procs.append(subprocess.Popen([sys.executable, str(script), str(tmp_path)], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    try:
        outputs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert all(p.returncode == 0 for p in procs), "\n".join(e[-3000:] for _, e in outputs)
    r0, r1 = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1))
    for r in (r0, r1):
        assert r["healthy"]["problems"] == []
        assert r["healthy"]["steps"] == r["healthy"]["global_step"] == 3
    # rank 0's report holds the forward NaN where it was born: rank 1, step 0 (rank 0 meets
    # it at step 1, once the NaN gradient has been applied everywhere)
    forward = [p for p in r0["nan"]["problems"] if p["code"] == "DC203" and p["module"] == "body.0"]
    assert len(forward) == 1 and (forward[0]["rank"], forward[0]["step"]) == (1, 0)
    assert forward[0]["data"]["ranks"] == [0, 1]
    # the NaN gradient after the all-reduce, seen by both ranks, is listed once
    grads = [p for p in r0["nan"]["problems"] if "gradient" in p["message"]]
    assert len(grads) == 1 and grads[0]["data"]["ranks"] == [0, 1]
    # the report is printed once, by rank 0
    assert outputs[0][0].count("dlcheck: 2 problem(s)") == 1
    assert "dlcheck:" not in outputs[1][0]


def _doc_block(section: str, lang: str) -> str:
    """The first fenced block of ``lang`` ("" for plain output) in a section of docs/dlcheck.md."""
    text = (ROOT / "docs" / "dlcheck.md").read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```(\w*)\n(.*?)^```$", body, re.M | re.S)
    return next(code for tag, code in blocks if tag == lang)


@pytest.mark.slow
def test_the_docs_snippet_prints_the_report_shown_there(tmp_path):
    script = tmp_path / "snippet.py"
    script.write_text(_doc_block("Lightning", "python"))
    shown = _doc_block("Lightning", "")
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONWARNINGS="ignore")
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    printed = run.stdout[run.stdout.index("dlcheck: "):].strip()
    assert printed == shown[shown.index("dlcheck: "):].strip()
