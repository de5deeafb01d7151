"""The fact modules that DL101, DL102, DL201, DL202, DL301, DL401, DL402, DL404, DL502 and DL504
query, asked directly (the rules' examples test them through the rules; these pin what each fact
says on its own)."""
from __future__ import annotations

import textwrap

import libcst as cst

from dllint.analysis.accumulations import Accumulations, accumulations, over_data
from dllint.analysis.batch_tensors import BatchTensors, Rows, bare_squeeze_subject, converted_for_display
from dllint.analysis.broadcasts import Misaligned, ReducedBack, misalignment, operand_pairs
from dllint.analysis.calls import code_text
from dllint.analysis.data_reads import bound_to_name, data_attributes, data_use, writes_data
from dllint.analysis.data import DataProvenance, last_name
from dllint.analysis.dataflow import GraphValues
from dllint.analysis.evaluation_loaders import dropping_evaluation_loaders, guarding_comparison, name_of_home
from dllint.analysis.evaluations import (ImportedEvaluation, TrainingEvaluation, evaluation,
                                         held_out_argument, mode_free_at, part_of_training,
                                         training_evaluations)
from dllint.analysis.fit_leaks import FitLeaks
from dllint.analysis.modes import Modes
from dllint.analysis.project import PROJECT
from dllint.analysis.penalties import imported_penalty_calls, penalty_accumulations, penalty_sums
from dllint.analysis.sample_statistics import SampleStatistics, data_roots, selection_owner
from dllint.analysis.search_spaces import linear_grid, linear_scale_draws, scale_grids
from dllint.analysis.selections import FIT_ON_TEST, FIT_WITH_TRAIN, TestSetUses, branches_decide
from dllint.analysis.shapes import Shapes
from dllint.context import FileContext


def _ctx(source: str) -> FileContext:
    source = textwrap.dedent(source)
    return FileContext("x.py", source, cst.parse_module(source))


def _text(ctx: FileContext, node: cst.CSTNode) -> str:
    return code_text(ctx.module, node)


# -- calls.code_text ---------------------------------------------------------------------------------
def test_code_text_folds_white_space_and_cuts_long_text():
    ctx = _ctx("y = f(a,\n      b)\n")
    call = next(iter(ctx.index.of_type(cst.Call)))
    assert code_text(ctx.module, call) == "f(a, b)"
    assert code_text(ctx.module, call, limit=6) == "f(a..."
    assert code_text(ctx.module, call, limit=7) == "f(a, b)"


# -- broadcasts ----------------------------------------------------------------------------------
def _pairs(ctx: FileContext) -> dict[str, object]:
    shapes = ctx.analysis(Shapes)
    return {_text(ctx, p.node): misalignment(ctx, shapes, p) for p in operand_pairs(ctx)}


def test_a_vector_against_a_column_is_misaligned_and_equal_ranks_are_not():
    ctx = _ctx("""
        import torch
        n = 8
        v = torch.randn(n)
        c = torch.randn(n, 1)
        bad = v - c
        fine = c - c
    """)
    found = _pairs(ctx)
    assert isinstance(found["v - c"], Misaligned)
    assert (found["v - c"].low.rank, found["v - c"].high.rank) == (1, 2)
    assert found["c - c"] is None


def test_a_reduction_over_a_later_dim_divided_back_is_reduced_back_with_its_call():
    ctx = _ctx("""
        import torch
        x = torch.randn(4, 5)
        y = x / x.sum(1)
        z = x / x.sum(0)
    """)
    found = _pairs(ctx)
    back = found["x / x.sum(1)"]
    assert isinstance(back, ReducedBack) and back.dim == 1
    assert back.call is not None and _text(ctx, back.call) == "x.sum(1)"
    assert found["x / x.sum(0)"] is None  # over the leading dimension it aligns as meant


def test_loss_operands_name_the_loss_and_whether_it_raises():
    ctx = _ctx("""
        import torch.nn as nn
        import torch.nn.functional as F
        criterion = nn.BCELoss()
        a = criterion(p, y)
        b = F.mse_loss(p, target=y)
    """)
    pairs = {p.loss: p for p in operand_pairs(ctx) if p.loss is not None}
    assert pairs["criterion"].raises and not pairs["mse_loss"].raises
    assert _text(ctx, pairs["mse_loss"].right) == "y"


# -- batch_tensors ---------------------------------------------------------------------------------
def test_bare_squeeze_subject_reads_methods_and_torch_squeeze_but_not_numpy():
    ctx = _ctx("""
        import torch
        import numpy as np
        a = x.squeeze()
        b = torch.squeeze(y)
        c = np.squeeze(z)
        d = w.squeeze(1)
    """)
    subjects = [bare_squeeze_subject(ctx, c) for c in ctx.index.of_type(cst.Call)]
    assert sorted(_text(ctx, s) for s in subjects if s is not None) == ["x", "y"]


def test_batch_tensors_follow_loader_targets_and_model_calls_in_statement_order():
    ctx = _ctx("""
        import torch
        from torch.utils.data import DataLoader
        loader = DataLoader(ds, batch_size=32)
        for x, y in loader:
            out = model(x)
            a = out.squeeze()
            out = 3
            b = out.squeeze()
            c = torch.squeeze(y)
            d = model(x).squeeze().numpy()
    """)
    batches = BatchTensors(ctx)
    verdicts = []
    for call in ctx.index.of_type(cst.Call):
        subject = bare_squeeze_subject(ctx, call)
        if subject is not None:
            verdicts.append((_text(ctx, call), batches.is_batch(subject), converted_for_display(ctx, call)))
    assert verdicts == [("out.squeeze()", True, False), ("out.squeeze()", False, False),
                        ("torch.squeeze(y)", True, False), ("model(x).squeeze()", True, True)]


# -- selections ------------------------------------------------------------------------------------
def test_test_set_uses_see_fits_and_decisions_on_test_data():
    ctx = _ctx("""
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        clf = LogisticRegression()
        clf.fit(X_test, y_test)
        clf.fit(np.concatenate([X_train, X_test]), y)
        clf.fit(X_train, y_train)
        for epoch in range(10):
            test_acc = clf.score(X_test, y_test)
            if test_acc > best:
                best = test_acc
                save(clf)
    """)
    uses = TestSetUses(ctx)
    fits = {_text(ctx, c): uses.fit_on_test(c) for c in ctx.index.of_type(cst.Call)
            if isinstance(c.func, cst.Attribute) and c.func.attr.value == "fit"}
    assert fits == {"clf.fit(X_test, y_test)": FIT_ON_TEST,
                    "clf.fit(np.concatenate([X_train, X_test]), y)": FIT_WITH_TRAIN,
                    "clf.fit(X_train, y_train)": None}
    comparison = next(iter(ctx.index.of_type(cst.Comparison)))
    assert uses.comparison_decision(comparison) == "acts"
    assert uses.is_test(comparison.left)


def test_branches_that_only_keep_a_best_value_record_and_a_break_acts():
    ctx = _ctx("""
        if acc > best:
            best_acc = acc
        if acc > best:
            break
        if acc > best:
            print(acc)
    """)
    decided = [branches_decide(node) for node in ctx.index.of_type(cst.If)]
    assert decided == ["records", "acts", None]


def test_early_stopping_is_read_from_what_built_the_object():
    ctx = _ctx("""
        stopper = GradientBoostingRegressor(n_iter_no_change=5)
        early_stopping = EarlyStopping(patience=3)
        stopper(val_loss)
        early_stopping(val_loss)
    """)
    uses = TestSetUses(ctx)
    called = {_text(ctx, c): uses.is_early_stopping_call(c) for c in ctx.index.of_type(cst.Call)
              if "val_loss" in _text(ctx, c)}
    assert called == {"stopper(val_loss)": False, "early_stopping(val_loss)": True}


# -- penalties -------------------------------------------------------------------------------------
def test_penalties_in_comprehensions_and_loops_added_to_the_loss():
    ctx = _ctx("""
        import torch
        def step(model, x, y):
            loss = criterion(model(x), y)
            reg = sum(p.pow(2).sum() for p in model.parameters())
            l2 = 0
            for p in model.parameters():
                l2 += p.pow(2).sum()
            norm = 0
            for p in model.parameters():
                norm += p.grad.pow(2).sum()
            return loss + reg + l2
    """)
    assert [_text(ctx, n) for n in penalty_sums(ctx)] == ["sum(p.pow(2).sum() for p in model.parameters())"]
    assert [_text(ctx, n) for n in penalty_accumulations(ctx)] == ["l2 += p.pow(2).sum()"]
    assert list(imported_penalty_calls(ctx)) == []  # x.py has no project imports


# -- search_spaces ---------------------------------------------------------------------------------
def test_scale_grids_and_linear_draws():
    ctx = _ctx("""
        import numpy as np
        lrs = np.linspace(1e-4, 1e-1, 10)
        gammas = np.linspace(1e-4, 1e-1, 10)
        wd = np.logspace(-4, -1, 10)
        def objective(trial):
            lr = trial.suggest_float("lr", 1e-5, 1e-1)
            x = trial.suggest_float("x", 1e-5, 1e-1)
            opt = Adam(params, weight_decay=x)
            return lr
    """)
    grids = {name: linear_grid(ctx, grid) for name, grid in scale_grids(ctx)}
    assert grids == {"lrs": "linspace(0.0001, 0.1, ...)", "wd": None, "lr": None, "weight_decay": None}
    draws = {d.name: d.passed_as for d in linear_scale_draws(ctx)}
    assert draws == {"lr": None, "x": "weight_decay"}


def test_penalties_that_train_nothing():
    ctx = _ctx("""
        import torch
        def validate(model, loader):
            total = 0
            for x, y in loader:
                total += crit(model(x), y) + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())
            return total
        def train(model, loader):
            opt = torch.optim.Adam(model.parameters())
            grad_sq = sum(p.grad.norm().item() ** 2 for p in model.parameters())
            unused = sum(p.pow(2).sum() for p in model.parameters())
            with torch.no_grad():
                frozen = crit(model(x), y) + sum(p.pow(2).sum() for q in [0] for p in model.parameters())
            l2 = sum(p.square().sum() for p in model.parameters())
            reg = l2 * 1e-4
            loss = crit(model(x), y) + reg
            loss.backward()
            history.append(validate(model, loader))
    """)
    assert [_text(ctx, n) for n in penalty_sums(ctx)] == ["sum(p.square().sum() for p in model.parameters())"]


def test_penalty_in_a_function_whose_result_a_caller_backpropagates():
    ctx = _ctx("""
        import torch
        def validate(model, x, y):
            return crit(model(x), y) + sum(p.pow(2).sum() for p in model.parameters())
        def train(model, x, y):
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            val_loss = validate(model, x, y)
            val_loss.backward()
    """)
    assert len(list(penalty_sums(ctx))) == 1


def test_draws_on_finished_trials_and_schedules_are_no_search():
    ctx = _ctx("""
        import numpy as np
        import optuna
        from optuna.trial import FixedTrial
        def objective(trial):
            return trial.suggest_float("lr", 1e-5, 1e-1)
        study = optuna.create_study()
        a = study.best_trial.suggest_uniform("lr", 1e-5, 1e-1)
        best = study.trials[2]
        b = best.suggest_uniform("weight_decay", 1e-6, 1e-2)
        c = FixedTrial({"lr": 1e-3}).suggest_float("lr", 1e-5, 1e-1)
        d = study.ask().suggest_uniform("learning_rate", 1e-5, 1e-1)
        weight_decay = np.linspace(0, 1e-2, 1000)
        for it in range(1000):
            loss = ce + weight_decay[it] * reg
        lr_grid = np.linspace(1e-4, 1e-1, 10)
        for i in range(10):
            scores[i] = fit(lr=lr_grid[i])
        lrs = np.linspace(1, 45, 45)
        l2_grid = np.linspace(1, 100, 12)
    """)
    assert sorted(_text(ctx, d.call) for d in linear_scale_draws(ctx)) == [
        'study.ask().suggest_uniform("learning_rate", 1e-5, 1e-1)', 'trial.suggest_float("lr", 1e-5, 1e-1)']
    grids = {name: linear_grid(ctx, grid, name) for name, grid in scale_grids(ctx)}
    assert "weight_decay" not in grids  # read one element per step: a schedule
    assert grids["lr_grid"] == "linspace(0.0001, 0.1, ...)"
    assert grids["lrs"] is None  # a learning rate from 1 up: another quantity
    assert grids["l2_grid"] == "linspace(1, 100, ...)"  # L1/L2 strengths may exceed 1


# -- accumulations ---------------------------------------------------------------------------------
def _accumulated(ctx: FileContext) -> dict[str, tuple[str, str]]:
    """statement's first line -> (accumulator, accumulated value)."""
    return {_text(ctx, s).splitlines()[0]: (key, _text(ctx, v)) for s, key, v in accumulations(ctx)}


def _statement(ctx: FileContext, text: str) -> cst.CSTNode:
    return next(s for s, _, _ in accumulations(ctx) if _text(ctx, s).startswith(text))


def test_accumulations_are_sums_into_themselves_cats_and_appends():
    ctx = _ctx("""
        import torch
        total += loss
        total -= aux
        stats["a"] = stats.get("a", 0) + loss
        s = s + loss
        s = loss + s
        d = loss - d
        acc = torch.cat([acc, out])
        other = torch.cat([out, acc])
        losses.append(loss)
        x = y + loss
    """)
    assert _accumulated(ctx) == {
        "total += loss": ("total", "loss"), "total -= aux": ("total", "aux"),
        'stats["a"] = stats.get("a", 0) + loss': ("stats", "loss"),
        "s = s + loss": ("s", "loss"), "s = loss + s": ("s", "loss"),
        "acc = torch.cat([acc, out])": ("acc", "out"), "losses.append(loss)": ("losses", "loss"),
    }  # ``d = loss - d`` subtracts the accumulator: not an accumulation into it


def test_loops_over_data_are_read_from_the_iterable():
    def over(text: str) -> bool:
        return over_data(cst.parse_expression(text))
    assert over("enumerate(tqdm(train_loader))") and over("zip(a, val_dl)") and over("batches")
    assert over("self.trainloader") and over("tqdm.tqdm(data_iter)")
    assert not over("range(10)") and not over("valid_lens_x_shards") and not over("epochs")


def test_an_accumulator_outlives_a_step_when_made_outside_the_loop_or_kept_on_self():
    ctx = _ctx("""
        import torch
        total = 0
        for x, y in loader:
            fresh = 0
            loss = criterion(model(x), y)
            total += loss
            fresh += loss
        for i in range(3):
            other += loss
        class Lit:
            def training_step(self, batch, i):
                self.history.append(batch)
            def helper(self, v):
                self.seen.append(v)
    """)
    facts = Accumulations(ctx)
    assert facts.outlives_step(_statement(ctx, "total +="), "total")
    assert not facts.outlives_step(_statement(ctx, "fresh +="), "fresh")  # a new one every step
    assert not facts.outlives_step(_statement(ctx, "other +="), "other")  # not a loop over data
    assert facts.outlives_step(_statement(ctx, "self.history"), "self.history")
    assert not facts.outlives_step(_statement(ctx, "self.seen"), "self.seen")


def test_an_accumulator_made_per_batch_for_its_sub_batches_lives_one_step():
    ctx = _ctx("""
        import torch
        per_epoch = []
        for x, y in loader:
            chunks = []
            steps = []
            for xc, yc in zip(x.chunk(2), y.chunk(2)):
                out = model(xc)
                chunks.append(out)
                per_epoch.append(out)
                criterion(out, yc).backward()
            opt.step()
            for it in range(5):
                loss = criterion(model(x), y)
                loss.backward()
                opt.step()
                steps.append(loss)
        for epoch in range(3):
            epoch_outs = []
            for x, y in loader:
                out = model(x)
                epoch_outs.append(out)
                criterion(out, y).backward()
    """)
    facts = Accumulations(ctx)
    assert not facts.outlives_step(_statement(ctx, "chunks.append"), "chunks")  # re-made per batch
    assert facts.outlives_step(_statement(ctx, "per_epoch.append"), "per_epoch")  # made once
    assert facts.outlives_step(_statement(ctx, "steps.append"), "steps")  # the inner loop steps
    assert facts.outlives_step(_statement(ctx, "epoch_outs.append"), "epoch_outs")  # per epoch


def test_an_accumulator_differentiated_by_autograd_grad_is_consumed():
    ctx = _ctx("""
        import torch
        from torch import autograd
        def fisher(model, loader):
            lls = []
            for x, y in loader:
                lls.append(model(x)[0])
            lls = torch.cat(lls).unbind()
            return [autograd.grad(l, model.parameters()) for l in lls]
        def grad_of_each_step(model, loader):
            losses = []
            for x, y in loader:
                loss = criterion(model(x), y)
                losses.append(loss)
                autograd.grad(loss, list(model.parameters()))
            print(torch.stack(losses).mean())
        def loop_backward(model, loader):
            outs = []
            for x, y in loader:
                outs.append(criterion(model(x), y))
            for o in outs:
                o.backward()
    """)
    facts = Accumulations(ctx)
    consumed = {key: facts.consumed(s, key) for s, key, _ in accumulations(ctx)}
    assert consumed == {"lls": True, "losses": False, "outs": True}


def test_an_accumulator_is_consumed_when_it_or_a_value_derived_from_it_is_backpropagated():
    ctx = _ctx("""
        import torch
        def wanted(model, loader):
            total = 0
            for x, y in loader:
                total += criterion(model(x), y)
            mean = total / len(loader)
            mean.backward()
        def returned(model, loader):
            total = 0
            for x, y in loader:
                total += criterion(model(x), y)
            return total
        def logged(model, loader):
            total = 0
            for x, y in loader:
                total += criterion(model(x), y)
            print(total)
        loss = returned(model, loader)
        loss.backward()
    """)
    facts = Accumulations(ctx)
    statements = [s for s, key, _ in accumulations(ctx) if key == "total"]
    assert [facts.consumed(s, "total") for s in statements] == [True, True, False]


def test_only_accumulators_and_reads_as_a_tensor_later():
    ctx = _ctx("""
        import torch
        def train(model, loader):
            tl = 0
            hist = []
            kept = []
            for x, y in loader:
                loss = criterion(model(x), y)
                tl += loss
                hist.append(tl / 2)
                kept.append(loss)
            return torch.stack(kept)
        def fit(model, loader):
            total = 0
            for x, y in loader:
                total += criterion(model(x), y)
            return total
        result = fit(model, loader)
        print(result.item())
    """)
    facts = Accumulations(ctx)
    values = {_text(ctx, s): v for s, _, v in accumulations(ctx)}
    assert facts.only_accumulators(values["hist.append(tl / 2)"])
    assert not facts.only_accumulators(values["kept.append(loss)"])
    assert facts.kept_as_tensor(_statement(ctx, "kept.append"), "kept")  # torch.stack(kept)
    assert not facts.kept_as_tensor(_statement(ctx, "tl +="), "tl")
    assert facts.kept_as_tensor(_statement(ctx, "total +="), "total")  # the caller's result.item()


def test_a_meter_update_in_a_step_loop_is_a_helper_accumulation_unless_made_each_step():
    ctx = _ctx("""
        import torch
        class AverageMeter:
            def __init__(self):
                self.sum = 0
            def update(self, val, n=1):
                self.sum += val * n
            def reset(self, val):
                val = 0
                self.sum += val
        def train(loader, model, criterion, optimizer):
            losses = AverageMeter()
            for x, y in loader:
                loss = criterion(model(x), y)
                losses.update(loss, x.size(0))
                step = AverageMeter()
                step.update(loss)
                losses.update(loss.item())
                optimizer.zero_grad()
                loss.backward()
    """)
    facts = Accumulations(ctx)
    flow = ctx.analysis(GraphValues)
    update = next(f for f in ctx.index.of_type(cst.FunctionDef) if f.name.value == "update")
    reset = next(f for f in ctx.index.of_type(cst.FunctionDef) if f.name.value == "reset")
    assert [(i, key) for i, _, key in facts.self_accumulations()[update]] == [(1, "self.sum"),
                                                                             (2, "self.sum")]
    assert reset not in facts.self_accumulations()  # ``val`` is rebound before it is added
    statement = next(s for s, _, _ in accumulations(ctx) if _text(ctx, s) == "self.sum += val * n")
    assert flow.accumulated_parameters(update, statement, statement.value) == [1, 2]  # val and n
    found = list(facts.helper_accumulations())
    assert [(_text(ctx, h.call), h.accumulator, _text(ctx, h.value), h.helper, h.key) for h in found] == [
        ("losses.update(loss, x.size(0))", "losses", "loss", "AverageMeter.update", "self.sum")]


# -- data_reads and GraphValues.leaf_kind ----------------------------------------------------------
def _reads(ctx: FileContext) -> dict[str, cst.Attribute]:
    """statement text -> its (first) ``.data`` read."""
    found = {}
    for node in data_attributes(ctx):
        found.setdefault(_text(ctx, ctx.index.statement_of(node)), node)
    return found


def test_data_use_tells_shown_from_computed_from_neither():
    ctx = _ctx("""
        import torch
        import torch.nn as nn
        print(x.data)
        a = x.data.cpu()
        b = x.data + 1
        c = torch.max(x.data, 1)
        d = x.data.T
        e = x.data[0] * 2
        f"{x.data}"
        s = x.data.shape
        i = x.data.item()
        x.data.copy_(y)
        n = len(x.data)
        nn.init.normal_(x.data)
        torch.add(a, b, out=x.data)
        g = helper(x.data)
        h = x.data
        m = x.data.new().resize_(3)
        z = x.data.new_zeros(3)
    """)
    uses = {text: data_use(ctx, node) for text, node in _reads(ctx).items()}
    assert uses == {
        "print(x.data)": "log", "a = x.data.cpu()": "log", 'f"{x.data}"': "log",
        "b = x.data + 1": "compute", "c = torch.max(x.data, 1)": "compute", "d = x.data.T": "compute",
        "e = x.data[0] * 2": "compute",
        "s = x.data.shape": None, "i = x.data.item()": None, "x.data.copy_(y)": None, "n = len(x.data)": None,
        "nn.init.normal_(x.data)": None, "torch.add(a, b, out=x.data)": None, "g = helper(x.data)": None,
        "h = x.data": None, "m = x.data.new().resize_(3)": None, "z = x.data.new_zeros(3)": None,
    }


def test_data_attributes_skip_gradients_and_modules_and_writes_are_seen():
    ctx = _ctx("""
        import torch
        import torch.utils.data
        ds = torch.utils.data.TensorDataset(x)
        print(p.grad.data)
        w.data = w.data - lr * g
        p.data.mul_(0.9).add_(q.data)
        y = q.data.cpu().numpy()
        print(q.data)
    """)
    reads = _reads(ctx)
    assert sorted(reads) == ["p.data.mul_(0.9).add_(q.data)", "print(q.data)", "w.data = w.data - lr * g",
                             "y = q.data.cpu().numpy()"]
    assert writes_data(ctx, reads["w.data = w.data - lr * g"])
    assert writes_data(ctx, reads["p.data.mul_(0.9).add_(q.data)"])
    assert not writes_data(ctx, reads["print(q.data)"])
    assert bound_to_name(ctx, reads["y = q.data.cpu().numpy()"])
    assert not bound_to_name(ctx, reads["print(q.data)"])


def test_leaf_kind_tells_parameters_from_leaves_that_require_grad():
    ctx = _ctx("""
        import torch
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = nn.Parameter(torch.ones(1))
                self.mixed = nn.Parameter(torch.ones(1))
            def reset(self):
                self.mixed = torch.zeros(1, requires_grad=True)
            def forward(self, x):
                return x * self.scale * self.mixed * self.buffer
        for p in model.parameters():
            print(p)
        for name, q in model.named_parameters():
            print(name, q)
        w = torch.zeros(3, requires_grad=True)
        v = torch.zeros(3)
        u = v.requires_grad_()
        print(model.fc.weight, w, v, u)
    """)
    flow = ctx.analysis(GraphValues)
    kinds = {}
    for node in ctx.index.of_type(cst.Name, cst.Attribute):
        parent = ctx.index.parent(node)
        if isinstance(parent, (cst.Arg, cst.BinaryOperation)) and _text(ctx, node) not in kinds:
            kinds[_text(ctx, node)] = flow.leaf_kind(node)
    assert kinds["self.scale"] == "parameter" and kinds["self.mixed"] == "leaf"
    assert kinds["self.buffer"] is None
    assert kinds["p"] == "parameter" and kinds["q"] == "parameter" and kinds["name"] is None
    assert kinds["model.fc.weight"] == "parameter"
    assert kinds["w"] == "leaf" and kinds["u"] == "leaf" and kinds["v"] is None


# -- sample_statistics -----------------------------------------------------------------------------
def _statistic_data(ctx: FileContext) -> dict[str, str | None]:
    from dllint.analysis.data import last_name
    from dllint.analysis.sample_statistics import FIT_METHODS, STATISTICS
    statistics, provenance = SampleStatistics(), ctx.analysis(DataProvenance)
    found: dict[str, str | None] = {}
    for call in ctx.index.of_type(cst.Call):
        name = last_name(call.func)
        if name in STATISTICS or name in FIT_METHODS:
            data = statistics.statistic_data(ctx, provenance, call, name)
            found[_text(ctx, call)] = None if data is None else _text(ctx, data)
    return found


def test_statistic_data_is_the_data_a_reduction_over_the_instances_reads():
    ctx = _ctx("""
        import numpy as np
        a = X.mean(0)
        b = X.std(axis=1)
        c = np.quantile(X, 0.9, axis=0)
        d = np.quantile(X, 0, 1)
        e = df["age"].astype(float).median()
        f = df.groupby("g")["v"].mean()
        g = X[:n_train].mean(0)
        h = X[i].mean()
        k = X.T.mean(0)
        m = min(a, b)
        p = df.apply(lambda col: col - col.mean())
        q = df.apply(lambda row: row - row.mean(), axis=1)
    """)
    assert _statistic_data(ctx) == {
        "X.mean(0)": "X", "X.std(axis=1)": None, "np.quantile(X, 0.9, axis=0)": "X",
        "np.quantile(X, 0, 1)": None, 'df["age"].astype(float).median()': "df",
        'df.groupby("g")["v"].mean()': None, "X[:n_train].mean(0)": None, "X[i].mean()": None,
        "X.T.mean(0)": None, "min(a, b)": None, "col.mean()": "df", "row.mean()": None}


def test_a_fit_reads_its_data_only_when_the_estimator_learns_statistics_of_the_rows():
    ctx = _ctx("""
        from sklearn.preprocessing import OneHotEncoder, StandardScaler
        from sklearn.pipeline import make_pipeline
        from sklearn.svm import SVC
        scaler = StandardScaler()
        scaler.fit(X)
        scaler.fit(X[:n])
        OneHotEncoder().fit_transform(C)
        OneHotEncoder(min_frequency=5).fit_transform(D)
        make_pipeline(StandardScaler(), SVC()).fit(Y, y)
        make_pipeline(StandardScaler(), SVC()).fit_transform(Z)
    """)
    assert _statistic_data(ctx) == {
        "scaler.fit(X)": "X", "scaler.fit(X[:n])": None, "OneHotEncoder().fit_transform(C)": None,
        "OneHotEncoder(min_frequency=5).fit_transform(D)": "D",
        "make_pipeline(StandardScaler(), SVC()).fit(Y, y)": None,
        "make_pipeline(StandardScaler(), SVC()).fit_transform(Z)": "Z"}


def test_a_parameter_is_data_only_in_a_scope_that_splits_or_while_a_helper_is_summarised():
    ctx = _ctx("""
        import numpy as np
        from sklearn.model_selection import train_test_split
        def norm(a):
            return a - a.mean(0)
        def prepare(b):
            m = b.mean(0)
            return train_test_split(b - m)
    """)
    statistics, provenance = SampleStatistics(), ctx.analysis(DataProvenance)
    calls = {_text(ctx, c): c for c in ctx.index.of_type(cst.Call)}
    assert statistics.statistic_data(ctx, provenance, calls["a.mean(0)"], "mean") is None
    assert _text(ctx, statistics.statistic_data(ctx, provenance, calls["b.mean(0)"], "mean")) == "b"
    statistics.in_helper = True
    assert _text(ctx, statistics.statistic_data(ctx, provenance, calls["a.mean(0)"], "mean")) == "a"


def test_data_roots_and_selection_owners():
    ctx = _ctx("y = (self.X.v, X[cols].copy(), X[:n].copy(), df.loc[rows])\n")
    tuple_ = next(iter(ctx.index.of_type(cst.Tuple)))
    first, columns, rows, located = (e.value for e in tuple_.elements)
    assert data_roots(first) == ["self.X.v", "self.X"]
    assert _text(ctx, selection_owner(columns)) == "X"
    assert _text(ctx, selection_owner(rows)) == "X[:n]"
    assert _text(ctx, selection_owner(located)) == "df"


# -- fit_leaks -------------------------------------------------------------------------------------
def test_statistics_of_one_data_before_one_split_are_one_leak_in_source_order():
    ctx = _ctx("""
        import numpy as np
        from sklearn.model_selection import train_test_split
        mu = X.mean(0)
        sd = X.std(0)
        print(Z.mean(0))
        X = (X - mu) / sd
        X_train, X_test = train_test_split(X, test_size=0.2)
    """)
    provenance = ctx.analysis(DataProvenance)
    leaks = FitLeaks().leaks(ctx, provenance, provenance.splits)
    assert [(leak.root, [(_text(ctx, f.call), f.helper, f.statistic) for f in leak.fits],
             ctx.position(leak.split.node).start.line) for leak in leaks] == [
        ("X", [("X.mean(0)", "", "mean"), ("X.std(0)", "", "std")], 8)]


def test_a_statistic_applied_to_the_parts_after_the_split_and_a_fitting_helper_leak_too():
    ctx = _ctx("""
        import numpy as np
        from sklearn.model_selection import train_test_split
        def standardize(a):
            return (a - a.mean(0)) / a.std(0)
        def run(X, Z):
            Z = standardize(Z)
            mu = X.mean(0)
            X_train, X_test = train_test_split(X)
            X_train, X_test = X_train - mu, X_test - mu
            m2 = X_train.mean(0)
            X_train = X_train - m2
            return train_test_split(Z)
    """)
    provenance = ctx.analysis(DataProvenance)
    leaks = FitLeaks().leaks(ctx, provenance, provenance.splits)
    assert sorted((leak.root, [(_text(ctx, f.call), f.helper, f.statistic) for f in leak.fits])
                  for leak in leaks) == [("X", [("X.mean(0)", "", "mean")]),
                                         ("Z", [("standardize(Z)", "standardize", "mean")])]


def test_an_in_place_fill_and_a_fitted_receiver_name_the_results():
    ctx = _ctx("""
        df["a"].fillna(df["a"].mean(), inplace=True)
        scaler.fit(X)
        m = X.mean(0)
    """)
    facts, provenance = FitLeaks(), ctx.analysis(DataProvenance)
    names = {_text(ctx, c): facts.result_names(ctx, provenance, c, ctx.index.statement_of(c))
             for c in ctx.index.of_type(cst.Call) if _text(ctx, c) in ('df["a"].mean()', "scaler.fit(X)", "X.mean(0)")}
    assert names == {'df["a"].mean()': {"df"}, "scaler.fit(X)": {"scaler"}, "X.mean(0)": {"m"}}


def test_fit_summaries_say_which_argument_a_function_fits_and_compose():
    ctx = _ctx("""
        import numpy as np
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler
        def standardize(a):
            return (a - a.mean(axis=0)) / a.std(axis=0)
        def stats(a):
            return a.mean(axis=0)
        def load_and_scale(path, X):
            cols = X[["a", "b"]].copy()
            return standardize(cols), path
        def fit_on_part(X):
            X_tr, X_te = train_test_split(X)
            return StandardScaler().fit_transform(X_tr), X_te
        def recurse(a):
            return recurse(a)
        class Prep:
            def scale(self, X):
                scaled = StandardScaler().fit_transform(X)
                return scaled
        def direct(a):
            return StandardScaler().fit_transform(a)
        def through(a):
            return direct(a)
        def estimator(a):
            return StandardScaler().fit(a)
    """)
    facts, provenance = FitLeaks(), ctx.analysis(DataProvenance)
    functions = {f.name.value: f for f in ctx.index.of_type(cst.FunctionDef)}
    summaries = {name: facts.fit_summary(provenance, f, name == "scale") for name, f in functions.items()}
    assert summaries == {"standardize": (0, "mean"), "stats": None, "load_and_scale": (1, "mean"),
                         "fit_on_part": None, "recurse": None, "scale": (0, "fit_transform"),
                         "direct": (0, "fit_transform"), "through": (0, "fit_transform"), "estimator": None}


def test_a_helper_fitted_on_whole_data_that_a_caller_in_another_module_splits(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "prep.py").write_text(textwrap.dedent("""
        import numpy as np
        def standardize(frame):
            return (frame - frame.mean()) / frame.std()
        def scale_part(part):
            return (part - part.mean()) / part.std()
    """))
    (tmp_path / "main.py").write_text(textwrap.dedent("""
        import numpy as np
        from sklearn.model_selection import train_test_split
        from prep import scale_part, standardize
        def run(X):
            X = standardize(X)
            X_train, X_test = train_test_split(X)
            return scale_part(X_train)
    """))
    PROJECT.clear()
    try:
        PROJECT.begin_file()
        source = (tmp_path / "prep.py").read_text()
        ctx = FileContext(str(tmp_path / "prep.py"), source, cst.parse_module(source))
        leaks = list(FitLeaks().caller_leaks(ctx, ctx.analysis(DataProvenance)))
        assert [(_text(ctx, leak.fit), leak.parameter, leak.caller, leak.where, leak.split_line)
                for leak in leaks] == [("frame.mean()", "frame", "run", "main.py", 7)]
    finally:
        PROJECT.clear()


# -- evaluations ---------------------------------------------------------------------------------
def _evaluations(ctx: FileContext) -> list[tuple]:
    found = []
    for fact in training_evaluations(ctx):
        assert isinstance(fact, TrainingEvaluation)
        found.append((ctx.position(fact.call).start.line, _text(ctx, fact.func), fact.key, fact.reason))
    return found


def _call_at(ctx: FileContext, line: int, text: str) -> cst.Call:
    return next(c for c in ctx.index.of_type(cst.Call)
                if ctx.position(c).start.line == line and _text(ctx, c) == text)


TRAINED_SCRIPT = """
    import torch
    from torch import nn
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    {switch}
    with torch.no_grad():
        out = model(x_test)
        again = model(x_test).argmax(1)
"""


def test_an_evaluation_reached_in_training_mode_is_one_fact_per_model_and_region():
    ctx = _ctx(TRAINED_SCRIPT.format(switch="pass"))
    assert _evaluations(ctx) == [
        (12, "model", "model", "no `.eval()` on some path since it was built or set to `.train()`")]
    assert _evaluations(_ctx(TRAINED_SCRIPT.format(switch="model.eval()"))) == []


def test_a_model_that_computes_the_same_in_both_modes_or_is_read_for_its_shape_is_no_fact():
    ctx = _ctx(TRAINED_SCRIPT.format(switch="pass").replace("nn.Dropout(0.5)", "nn.Tanh()"))
    assert _evaluations(ctx) == []
    ctx = _ctx(TRAINED_SCRIPT.format(switch="pass").replace(
        "again = model(x_test).argmax(1)", "assert model(x_test).shape == (2, 2)").replace(
        "out = model(x_test)", "pass"))
    assert _evaluations(ctx) == []


def test_a_re_forward_in_a_training_step_is_part_of_training_unless_its_data_is_held_out():
    ctx = _ctx("""
        import torch
        from torch import nn
        model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
            with torch.no_grad():
                train_acc = (model(x).argmax(1) == y).float().mean()
                val_acc = (model(x_val).argmax(1) == y_val).float().mean()
    """)
    modes = ctx.analysis(Modes)
    train_call, val_call = _call_at(ctx, 10, "model(x)"), _call_at(ctx, 11, "model(x_val)")
    assert part_of_training(modes, train_call) and not held_out_argument(train_call)
    assert not part_of_training(modes, val_call) and held_out_argument(val_call)
    assert [(line, key) for line, _, key, _ in _evaluations(ctx)] == [(11, "model")]


HELPER_SCRIPT = """
    import torch
    from torch import nn
    def evaluate(net, loader):
        with torch.no_grad():
            return [net(x) for x, _ in loader]
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    plain = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x) + plain(x), y).backward()
        optimizer.step()
    {switch}
    evaluate({passed}, val_loader)
"""


def test_a_helper_given_its_model_is_judged_by_its_callers():
    ctx = _ctx(HELPER_SCRIPT.format(switch="pass", passed="model"))
    assert _evaluations(ctx) == [(6, "net", "net", "`evaluate()` is called in training mode on line 14")]
    assert _evaluations(_ctx(HELPER_SCRIPT.format(switch="model.eval()", passed="model"))) == []
    # the caller passes a model with no mode-dependent layer: free of mode where it is passed
    ctx = _ctx(HELPER_SCRIPT.format(switch="pass", passed="plain"))
    assert _evaluations(ctx) == []
    modes = ctx.analysis(Modes)
    function = next(f for f in ctx.index.of_type(cst.FunctionDef) if f.name.value == "evaluate")
    assert mode_free_at(modes, _call_at(ctx, 14, "evaluate(plain, val_loader)"), function, "net")
    ctx = _ctx(HELPER_SCRIPT.format(switch="pass", passed="model"))
    modes = ctx.analysis(Modes)
    function = next(f for f in ctx.index.of_type(cst.FunctionDef) if f.name.value == "evaluate")
    assert not mode_free_at(modes, _call_at(ctx, 14, "evaluate(model, val_loader)"), function, "net")



def test_a_helper_called_in_a_training_step_and_a_module_s_own_method_are_left_out():
    # a training accuracy through a helper: its only caller is part of the training step
    ctx = _ctx("""
        import torch
        from torch import nn
        def accuracy(net, x, y):
            with torch.no_grad():
                return (net(x).argmax(1) == y).float().mean()
        model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
            acc = accuracy(model, x, y)
    """)
    assert _evaluations(ctx) == []
    # a model's own method decides the mode of the modules it holds
    ctx = _ctx("""
        import torch
        from torch import nn
        class Wrapper(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
            def validate(self, x):
                self.net.train()
                with torch.no_grad():
                    return self.net(x)
    """)
    assert _evaluations(ctx) == []

TRAINER_SCRIPT = """
    import torch
    class Trainer:
        def __init__(self, model):
            self.model = model
        def fit(self, loader):
            self.model.train()
            for x, y in loader:
                self.opt.zero_grad()
                self.loss(self.model(x), y).backward()
                self.opt.step()
        def {name}(self, loader):
            with torch.no_grad():
                return [self.model(x) for x, _ in loader]
"""


def test_a_method_nobody_calls_here_needs_an_evaluation_name_and_a_class_that_trains():
    ctx = _ctx(TRAINER_SCRIPT.format(name="validate"))
    assert _evaluations(ctx) == [(14, "self.model", "self.model",
                                  "`validate()` does not call `.eval()` and this class calls `.train()`")]
    assert _evaluations(_ctx(TRAINER_SCRIPT.format(name="gather"))) == []
    assert _evaluations(_ctx(TRAINER_SCRIPT.format(name="validate").replace("self.model.train()",
                                                                           "pass"))) == []


def test_an_evaluation_in_another_module_is_a_model_call_under_no_grad_and_not_a_training_step():
    ctx = _ctx("""
        import torch
        def predict(model, x):
            with torch.no_grad():
                return model(x).softmax(-1)
        def measure(model, x):
            with torch.no_grad():
                return model(x).shape
        def step(model, loader):
            for x, y in loader:
                loss(model(x), y).backward()
    """)
    modes = ctx.analysis(Modes)
    functions = {f.name.value: f for f in ctx.index.of_type(cst.FunctionDef)}
    assert evaluation(modes, _call_at(ctx, 5, "model(x)"), functions["predict"])
    assert not evaluation(modes, _call_at(ctx, 8, "model(x)"), functions["measure"])
    assert not evaluation(modes, _call_at(ctx, 11, "model(x)"), functions["step"])


def test_a_helper_of_another_module_that_evaluates_a_model_passed_training(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "nets.py").write_text(textwrap.dedent("""
        from torch import nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
            def forward(self, x):
                return self.body(x)
    """))
    (tmp_path / "evaluation.py").write_text(textwrap.dedent("""
        import torch
        def predict(model, x):
            with torch.no_grad():
                return model(x).softmax(-1)
    """))
    (tmp_path / "main.py").write_text(textwrap.dedent("""
        import torch
        from evaluation import predict
        from nets import Net
        model = Net()
        model.train()
        fit(model)
        probs = predict(model, torch.randn(2, 4))
        model.eval()
        probs = predict(model, torch.randn(2, 4))
    """))
    PROJECT.clear()
    try:
        PROJECT.begin_file()
        source = (tmp_path / "main.py").read_text()
        ctx = FileContext(str(tmp_path / "main.py"), source, cst.parse_module(source))
        found = list(training_evaluations(ctx))
        assert all(isinstance(fact, ImportedEvaluation) for fact in found)
        assert [(ctx.position(f.call).start.line, f.function.name.value, f.key, f.where)
                for f in found] == [(8, "predict", "model", "evaluation.py:5")]
    finally:
        PROJECT.clear()



# -- evaluation_loaders ----------------------------------------------------------------------------
def _dropping(ctx: FileContext, extra_test: tuple[str, ...] = ()) -> list[tuple]:
    return [(ctx.position(found.call).start.line, found.role, found.flag, _text(ctx, found.drop))
            for found in dropping_evaluation_loaders(ctx, extra_test)]


def test_dropping_loaders_are_evaluation_loaders_by_their_home_or_their_data():
    ctx = _ctx("""
        import torch
        from torch.utils.data import DataLoader
        from torchvision import datasets
        from mylib import DataLoader as Mine
        test_set = datasets.MNIST("data", train=False)
        train_loader = DataLoader(train_ds, batch_size=64, drop_last=True)
        val_loader = DataLoader(val_ds, batch_size=64, drop_last=True)
        loader = torch.utils.data.DataLoader(test_set, batch_size=128, drop_last=True)
        kept = DataLoader(val_ds, batch_size=64, drop_last=False)
        single = DataLoader(test_set, batch_size=1, drop_last=True)
        theirs = Mine(val_ds, batch_size=64, drop_last=True)
        loaders = {"val": DataLoader(val_ds, batch_size=8, drop_last=True)}
        def get_test_loader(ds):
            return DataLoader(ds, batch_size=32, drop_last=True)
        vault_loader = DataLoader(ds, batch_size=32, drop_last=True)
        cifar = datasets.CIFAR10("data", train=True)
        loader_c = DataLoader(cifar, batch_size=64, drop_last=True)
    """)
    expected = [(8, "val", None, "drop_last=True"), (9, "test", None, "drop_last=True"),
                (13, "val", None, "drop_last=True"), (15, "test", None, "drop_last=True")]
    assert _dropping(ctx) == expected
    assert _dropping(ctx, ("vault_loader",)) == expected + [(16, "test", None, "drop_last=True")]
    calls = {ctx.position(c).start.line: c for c in ctx.index.of_type(cst.Call) if last_name(c.func) == "DataLoader"}
    assert [name_of_home(ctx, calls[line]) for line in (7, 13, 15)] == ["train_loader", "val", "get_test_loader"]
    # a DataLoader never imported is not torch's; one reached through an unknown module may be
    ctx = _ctx("""
        import torch
        val_loader = DataLoader(val_ds, batch_size=64, drop_last=True)
        test_loader = data.DataLoader(test_ds, batch_size=64, drop_last=True)
    """)
    assert _dropping(ctx) == [(4, "test", None, "drop_last=True")]


DATA_PROVIDER = """
    from torch.utils.data import DataLoader
    def data_provider(args, flag):
        if flag == "{split}":
            drop_last = {then}
        else:
            drop_last = {other}
        data_set = Data(root_path=args.root_path, flag={passed})
        return DataLoader(data_set, batch_size=args.batch_size, drop_last=drop_last)
"""


def test_a_flag_that_is_true_on_the_test_path_of_the_dataset_it_selects():
    ctx = _ctx(DATA_PROVIDER.format(split="test", passed="flag", then=True, other=False))
    assert _dropping(ctx) == [(9, "test", "drop_last", "drop_last=drop_last")]
    binding = next(a for a in ctx.index.of_type(cst.Assign) if _text(ctx, a) == "drop_last = True")
    function = next(iter(ctx.index.of_type(cst.FunctionDef)))
    assert guarding_comparison(ctx, binding, function) == ("flag", "test")
    assert _dropping(_ctx(DATA_PROVIDER.format(split="train", passed="flag", then=True, other=False))) == []
    # the dataset is not the one the flag selects
    assert _dropping(_ctx(DATA_PROVIDER.format(split="test", passed="'train'", then=True, other=False))) == []
    # True only in the else part: there the flag is not "test"
    ctx = _ctx(DATA_PROVIDER.format(split="test", passed="flag", then=False, other=True))
    binding = next(a for a in ctx.index.of_type(cst.Assign) if _text(ctx, a) == "drop_last = True")
    assert guarding_comparison(ctx, binding, next(iter(ctx.index.of_type(cst.FunctionDef)))) is None
    assert _dropping(ctx) == []


def test_row_counts_are_one_fact_with_its_sources():
    ctx = _ctx("""
        import numpy as np
        import torch
        from torch.utils.data import DataLoader
        full = DataLoader(ds, batch_size=128, drop_last=True)
        for i, (x, y) in enumerate(full):
            a = model(x.cuda())
            b = (a * 2)[:, 0]
        for x2, y2 in DataLoader(ds, batch_size=128):
            c = model(x2)
            d = model(x) + model(x2)
        e = model(torch.from_numpy(s).float().unsqueeze(0))
        idx = np.random.choice(1000, 64)
        f = model(buf[idx]).squeeze()
        g = model(buf[idx][None]).squeeze(0)
    """)
    batches = BatchTensors(ctx)
    values = {}
    for assign in ctx.index.of_type(cst.Assign):
        target = assign.targets[0].target
        if isinstance(target, cst.Name) and len(target.value) == 1:
            values[target.value] = batches.rows(assign.value)
    assert values == {"a": Rows(2), "b": Rows(2), "c": None, "d": None, "e": Rows(1, 1),
                      "f": Rows(2), "g": None}
    assert Rows(1, 1).union(Rows(2)) == Rows(1) and Rows(1, 1).broadcast(Rows(64, 64)) == Rows(64, 64)


def test_row_counts_of_loaders_over_datasets_of_known_size():
    """``sized_batches``: B rows, the last N % B; a count that may be 1, or a loader whose
    batches something else may change, is unknown."""
    ctx = _ctx("""
        import torch
        from torch.utils.data import DataLoader
        from torchvision import datasets
        train = datasets.CIFAR10('data', train=True)
        test = datasets.MNIST('data', train=False)
        bs = 512
        loaders = {}
        for x, y in DataLoader(train, batch_size=bs):
            a = model(x)
        for x, y in DataLoader(test, 128, True):
            b = model(x)
        for x, y in DataLoader(test, batch_size=20000):
            c = model(x)
        for x, y in DataLoader(test, batch_size=99):
            d = model(x)
        for x, y in DataLoader(test, batch_size=128, sampler=sampler):
            e = model(x)
        for x, y in DataLoader(test, 128, True, sampler):
            f = model(x)
        for x, y in DataLoader(test, batch_size=128, collate_fn=collate):
            g = model(x)
        for x, y in DataLoader(test, batch_size=1):
            h = model(x)
        mixed = DataLoader(train, batch_size=512)
        mixed = DataLoader(test, batch_size=128, drop_last=True)
        for x, y in mixed:
            i = model(x)
        for x, y in DataLoader(test, **options):
            j = model(x)
        from torch.utils.data import TensorDataset
        pairs = TensorDataset(torch.randn(1000, 8), torch.randn(1000, 1))
        for x, y in DataLoader(pairs, batch_size=64, shuffle=True):
            k = model(x)
        for x, y in DataLoader(TensorDataset(torch.randn(1025, 8)), batch_size=64):
            l = model(x)
        for x, y in DataLoader(TensorDataset(torch.from_numpy(arr)), batch_size=64):
            m = model(x)
    """)
    batches = BatchTensors(ctx)
    values = {}
    for assign in ctx.index.of_type(cst.Assign):
        target = assign.targets[0].target
        if isinstance(target, cst.Name) and len(target.value) == 1:
            values[target.value] = batches.rows(assign.value)
    assert values == {"a": Rows(336, 512), "b": Rows(16, 128), "c": Rows(10000, 10000),
                      "d": None, "e": None, "f": None, "g": None, "h": None, "i": Rows(2),
                      "j": None, "k": Rows(40, 64), "l": None, "m": None}
