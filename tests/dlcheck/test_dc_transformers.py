"""dlcheck.integrations.transformers: the callback inside a real Hugging Face Trainer, on tiny
models built from a config (nothing is downloaded)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before transformers is imported

import pytest
import torch
from torch.nn.modules import module as torch_module

from transformers import (BertConfig, BertForSequenceClassification, GPT2Config, GPT2LMHeadModel,
                          Trainer, TrainingArguments)

from dlcheck import DCProblemError, DCWarning, losses
from dlcheck.integrations.transformers import DLCheckCallback

ROOT = Path(__file__).resolve().parents[2]


def bert() -> BertForSequenceClassification:
    torch.manual_seed(0)
    # initializer_range 0.2, not BERT's 0.02: at 0.02 a 16-wide model's attention scores are
    # all alike, and the query/key gradients (RMS ~7e-8) are vanishing by dlcheck's measure
    return BertForSequenceClassification(BertConfig(
        vocab_size=64, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=16, num_labels=3, initializer_range=0.2))


def gpt2() -> GPT2LMHeadModel:
    torch.manual_seed(0)
    return GPT2LMHeadModel(GPT2Config(vocab_size=64, n_positions=16, n_embd=16, n_layer=2,
                                      n_head=2, initializer_range=0.2))


def samples(kind: str, n: int = 32) -> list[dict]:
    """Made-up token ids: no tokenizer."""
    g = torch.Generator().manual_seed(1)
    out = []
    for _ in range(n):
        ids = torch.randint(1, 64, (12,), generator=g)
        item = {"input_ids": ids, "attention_mask": torch.ones(12, dtype=torch.long)}
        if kind == "gpt2":
            item["labels"] = ids.clone()
        else:
            item["labels"] = int(torch.randint(0, 3, (1,), generator=g))
        out.append(item)
    return out


def train(model, callback: DLCheckCallback, tmp_path, kind: str = "bert", **kwargs) -> Trainer:
    options = dict(output_dir=str(tmp_path / "out"), max_steps=6, per_device_train_batch_size=4,
                   gradient_accumulation_steps=2, report_to="none", use_cpu=True,
                   logging_steps=2, save_strategy="no", disable_tqdm=True,
                   eval_strategy="steps", eval_steps=3, per_device_eval_batch_size=8)
    options.update(kwargs)
    data = samples(kind)
    trainer = Trainer(model=model, args=TrainingArguments(**options), train_dataset=data,
                      eval_dataset=data[:8], callbacks=[callback])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DCWarning)
        trainer.train()
    return trainer


def hooks_now() -> tuple:
    return (len(torch_module._global_forward_hooks), len(torch_module._global_forward_pre_hooks),
            losses.installed())


def assert_nothing_left(model, before: tuple) -> None:
    assert hooks_now() == before
    for m in model.modules():
        assert not m._forward_hooks and not m._forward_pre_hooks and not m._backward_hooks
        assert not [k for k in vars(m) if "dlcheck" in k.lower()]


@pytest.mark.parametrize("kind, bf16", [("bert", False), ("gpt2", True)])
def test_healthy_training_is_silent_and_leaves_nothing(kind, bf16, tmp_path, capsys):
    before = hooks_now()
    model = bert() if kind == "bert" else gpt2()
    callback = DLCheckCallback()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DCWarning)
        trainer = train(model, callback, tmp_path, kind, bf16=bf16)
    report = callback.report
    assert report is not None and report.codes() == [], str(report)
    # 2 micro-batches per optimizer step: a dlcheck step is an optimizer step
    assert report.steps == trainer.state.global_step == 6
    assert not [k for entry in trainer.state.log_history for k in entry if k.startswith("dlcheck")]
    assert callback.watcher is None
    assert_nothing_left(model, before)
    assert "dlcheck: no problems in 6 step(s)" in capsys.readouterr().out


def _nan_weight(model) -> str:
    with torch.no_grad():
        model.bert.encoder.layer[1].output.dense.weight[0, 0] = float("nan")
    return "bert.encoder.layer.1.output.dense"


def _detached_embeddings(model) -> str:
    # the bug: the embeddings' output is cut off the graph, so they never learn
    model.bert.embeddings.register_forward_hook(lambda m, i, o: o.detach())
    return "bert.embeddings.word_embeddings.weight"


@pytest.mark.parametrize("plant, code", [(_nan_weight, "DC203"), (_detached_embeddings, "DC102")])
def test_planted_bug_is_found_and_logged(plant, code, tmp_path):
    model = bert()
    module = plant(model)
    callback = DLCheckCallback(verbose=False)
    trainer = train(model, callback, tmp_path)
    report = callback.report
    assert report.problems and report.problems[0].code == code, str(report)
    assert report.problems[0].module == module and report.problems[0].step == 0
    # the problem made the Trainer log at its step, with the counts
    logged = [e for e in trainer.state.log_history if f"dlcheck/{code}" in e]
    assert logged and logged[0]["step"] == 1 and logged[0]["dlcheck/problems"] >= 1
    assert logged[-1]["dlcheck/problems"] == len(report.problems)


def test_on_problem_raise_stops_at_the_end_of_the_step_and_leaves_nothing(tmp_path):
    before = hooks_now()
    model = bert()
    _nan_weight(model)
    callback = DLCheckCallback(on_problem="raise", verbose=False)
    data = samples("bert")
    trainer = Trainer(model=model, train_dataset=data, callbacks=[callback], args=TrainingArguments(
        output_dir=str(tmp_path / "out"), max_steps=6, per_device_train_batch_size=4,
        report_to="none", use_cpu=True, save_strategy="no", disable_tqdm=True))
    with pytest.raises(DCProblemError) as info:
        trainer.train()
    assert (info.value.problem.code, info.value.problem.step) == ("DC203", 0)
    assert trainer.state.global_step == 1  # the first of 6 steps
    assert callback.watcher is None
    assert_nothing_left(model, before)


@pytest.mark.parametrize("kwargs, error, text", [
    ({"on_problem": "loud"}, ValueError, "DLCheckCallback: on_problem must be one of"),
    ({"checks": {"dead_units": {"treshold": 0.5}}}, TypeError, "has no option 'treshold'"),
])
def test_bad_arguments_are_refused_at_the_call(kwargs, error, text):
    with pytest.raises(error, match=text):
        DLCheckCallback(**kwargs)


def _doc_block(section: str, lang: str) -> str:
    """The first fenced block of ``lang`` ("" for plain output) in a section of docs/dlcheck.md."""
    text = (ROOT / "docs" / "dlcheck.md").read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```(\w*)\n(.*?)^```$", body, re.M | re.S)
    return next(code for tag, code in blocks if tag == lang)


@pytest.mark.slow
def test_the_docs_snippet_prints_the_report_shown_there(tmp_path):
    script = tmp_path / "snippet.py"
    script.write_text(_doc_block("Hugging Face Trainer", "python"))
    shown = _doc_block("Hugging Face Trainer", "")
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONWARNINGS="ignore")
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    printed = run.stdout[run.stdout.index("dlcheck: "):].strip()
    assert printed == shown[shown.index("dlcheck: "):].strip()
