"""Graph values on the control-flow graph (dllint/analysis/reaching.py under
dllint/analysis/dataflow.py): reaching definitions solved to a fixpoint, branches merged, loops
followed around, facts that prove a value is on the graph, and the bound that keeps it linear."""
from __future__ import annotations

import libcst as cst
import pytest

from dllint.analysis.dataflow import GraphValues
from dllint.analysis.dataflow import MAX_DEFINITIONS, _ScopeReaching
from dllint.analysis.imports import dotted_name
from dllint.context import FileContext

HEAD = "import torch\nimport torch.nn as nn\ncriterion = nn.CrossEntropyLoss()\nmodel = nn.Linear(3, 2)\n"


def probes(source: str) -> dict[str, bool]:
    """is_graph of the argument of every ``probe_<name>(expr)`` call."""
    source = HEAD + source
    ctx = FileContext("x.py", source, cst.parse_module(source))
    flow = ctx.analysis(GraphValues)
    out = {}
    for call in ctx.index.of_type(cst.Call):
        if isinstance(call.func, cst.Name) and call.func.value.startswith("probe_"):
            out[call.func.value[len("probe_"):]] = flow.is_graph(call.args[0].value)
    return out


def test_branches_merge_a_value_detached_on_one_path_only_stays_on_the_graph():
    found = probes(
        "loss = criterion(model(x), y)\n"
        "if flag:\n    loss = loss.item()\n"
        "probe_one(loss)\n"
        "if flag:\n    loss = loss.item()\nelse:\n    loss = float(loss)\n"
        "probe_both(loss)\n")
    assert found == {"one": True, "both": False}


def test_a_value_carried_round_a_loop_reaches_the_top_of_the_next_iteration():
    found = probes(
        "prev = None\n"
        "for x, y in loader:\n"
        "    probe_top(prev)\n"
        "    prev = criterion(model(x), y)\n"
        "    probe_bottom(prev)\n"
        "    prev = prev.detach()\n"
        "probe_after(prev)\n")
    assert found == {"top": False, "bottom": True, "after": False}


def test_return_and_break_cut_the_path():
    found = probes(
        "def f(x):\n"
        "    out = model(x)\n"
        "    if x is None:\n"
        "        out = out.detach()\n"
        "        return out\n"
        "    probe_ret(out)\n"
        "    for b in x:\n"
        "        out = out.detach()\n"
        "        break\n"
        "    probe_brk(out)\n")
    # after the early return only the graph value reaches; after the loop, the loop may not run
    assert found == {"ret": True, "brk": True}


def test_backward_proves_a_value_is_on_the_graph():
    found = probes(
        "from mylib import compute, helper\n"
        "a = compute(x)\n"
        "a.backward()\n"
        "probe_a(a)\n"
        "b = helper(x)\n"
        "probe_b(b)\n"
        "c = compute(x)\n"
        "scaler.scale(c * 2).backward()\n"
        "probe_c(c)\n"
        "d = compute(x)\n"
        "accelerator.backward(d)\n"
        "probe_d(d)\n"
        "out = compute(x)\n"
        "out['loss'].backward()\n"
        "probe_out(out)\n"
        "out['loss'] = out['loss'].detach()\n"
        "probe_replaced(out)\n"
        "out['aux'] = out['loss'] * 2\n"
        "probe_other(out)\n")
    # a store by key replaces what the key held: once the back-propagated entry is detached, the
    # dict holds no graph tensor
    assert found == {"a": True, "b": False, "c": True, "d": True, "out": True, "replaced": False,
                     "other": False}


def test_containers_and_iteration_over_a_loss_dict():
    found = probes(
        "losses = {'ce': criterion(model(x), y), 'n': 3}\n"
        "probe_dict(losses)\n"
        "for k, v in losses.items():\n    probe_item(v)\n    probe_key(k)\n"
        "for v in losses.values():\n    probe_value(v)\n"
        "totals = {}\n"
        "totals['ce'] = 0.0\n"
        "probe_empty(totals)\n"
        "totals['ce'] += losses['ce']\n"
        "probe_filled(totals)\n"
        "for x, y in loader:\n    probe_batch(x)\n")
    assert found == {"dict": True, "item": True, "key": False, "value": True, "empty": False,
                     "filled": True, "batch": False}


def test_self_call_in_a_module_and_variable_and_dtype_moves():
    found = probes(
        "from torch.autograd import Variable\n"
        "class Net(nn.Module):\n"
        "    def step(self, x):\n"
        "        out = self(x)\n"
        "        probe_self(out)\n"
        "        probe_var(Variable(out))\n"
        "        probe_moved(out.to('cpu').float().cuda())\n"
        "        probe_numpy(self(x).detach().cpu().numpy())\n"
        "        probe_list(out.tolist())\n"
        "class Plain:\n"
        "    def step(self, x):\n"
        "        probe_plain(self(x))\n")
    assert found == {"self": True, "var": True, "moved": True, "numpy": False, "list": False,
                     "plain": False}


def test_no_grad_regions_and_a_model_rebound_keeps_its_class():
    found = probes(
        "class Net(nn.Module):\n    pass\n"
        "m = Net()\n"
        "m = m.to(device)\n"
        "m = m.train()\n"
        "probe_rebound(m(x))\n"
        "with torch.no_grad():\n"
        "    probe_nograd(m(x))\n"
        "probe_after(m(x))\n")
    assert found == {"rebound": True, "nograd": False, "after": True}


def test_states_stay_bounded_on_a_module_of_many_loops():
    """Each loop may run zero times, so without a bound every earlier assignment of ``loss`` would
    reach every later loop: the states would grow with the file (quadratic time)."""
    source = HEAD + "".join("for x, y in loader:\n    loss = criterion(model(x), y)\n" for _ in range(60))
    module = cst.parse_module(source)
    ctx = FileContext("x.py", source, module)
    flow = ctx.analysis(GraphValues)
    reaching = _ScopeReaching(module, ctx.index, flow.scope_definitions(None))
    assert "loss" in reaching.tracked
    assert reaching.graph.solved  # not truncated: the answer is the fixpoint
    sizes = [len(state.get("loss", ())) for state in reaching.graph._before.values()]
    assert max(sizes) == MAX_DEFINITIONS


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_answer_does_not_depend_on_the_order_of_queries(seed):
    import random
    source = HEAD + (
        "total = 0\n"
        "for x, y in loader:\n"
        "    loss = criterion(model(x), y)\n"
        "    if flag:\n        loss = loss.item()\n"
        "    total += loss\n"
        "    total = total * 0.9\n"
        "probe_total(total)\n")
    ctx = FileContext("x.py", source, cst.parse_module(source))
    flow = ctx.analysis(GraphValues)
    exprs = [n for n in ctx.index.of_type(cst.Name) if n.value in ("loss", "total")]
    random.Random(seed).shuffle(exprs)
    answers = {ctx.index.order[e]: flow.is_graph(e) for e in exprs}
    fresh = FileContext("x.py", source, cst.parse_module(source))
    again = fresh.analysis(GraphValues)
    names = [n for n in fresh.index.of_type(cst.Name) if n.value in ("loss", "total")]
    assert {fresh.index.order[e]: again.is_graph(e) for e in names} == answers


def test_accumulations_that_reach_each_other_round_a_loop_end():
    """``a += x`` and ``a += y`` in one loop each reach the other: judging one asks the other,
    which asks the first (this recursed without end once)."""
    found = probes(
        "a = 0\n"
        "for x, y in loader:\n"
        "    if x:\n        a += x\n"
        "    else:\n        a += y\n"
        "    probe_plain(a)\n"
        "    if y:\n        a += criterion(model(x), y)\n"
        "probe_graph(a)\n")
    assert found == {"plain": True, "graph": True}  # round the loop the graph value comes back


def test_an_in_place_detach_kills_the_graph_fact_on_the_paths_through_it():
    found = probes(
        "out = model(x)\n"
        "probe_before(out)\n"
        "out.detach_()\n"
        "probe_after(out)\n"
        "logits = model(x)\n"
        "if flag:\n    logits.detach_()\n"
        "probe_one_branch(logits)\n"
        "scores = model(x)\n"
        "scores.clone().detach_()\n"
        "probe_copy(scores)\n"
        "h = model(x)\n"
        "h.requires_grad_(False)\n"
        "probe_frozen(h)\n"
        "g = model(x)\n"
        "g.requires_grad_(True)\n"
        "probe_thawed(g)\n"
        "for b in loader:\n"
        "    o = model(b)\n"
        "    probe_loop_top(o)\n"
        "    o.detach_()\n")
    assert found == {"before": True, "after": False, "one_branch": True, "copy": True,
                     "frozen": False, "thawed": True, "loop_top": True}


def test_a_model_frozen_in_place_keeps_its_class_across_modules(tmp_path):
    (tmp_path / "nets.py").write_text(
        "import torch.nn as nn\n\nclass Net(nn.Module):\n    def forward(self, x):\n        return x\n")
    source = ("import torch\nfrom nets import Net\nnet = Net()\nnet.requires_grad_(False)\n"
              "net = net.to('cpu')\nprobe(net)\n")
    path = tmp_path / "train.py"
    path.write_text(source)
    ctx = FileContext(str(path), source, cst.parse_module(source))
    flow = ctx.analysis(GraphValues)
    probe = next(c for c in ctx.index.of_type(cst.Call) if dotted_name(c.func) == "probe")
    from dllint.analysis.project import project_imports
    imports = project_imports(ctx)
    assert imports is not None
    assert flow._receiver_class(probe.args[0].value, probe, imports) is not None


def test_loader_loops_and_known_trip_counts_have_no_zero_trip_path():
    body = ("with torch.no_grad():\n"
            "    for x in {iterable}:\n"
            "        out = model(x)\n")
    head = "out = model(x0)\n"
    for iterable, expected in (("test_loader", False), ("enumerate(tqdm(loaders['val']))", False),
                               ("DataLoader(ds, batch_size=4)", False), ("range(3)", False),
                               ("pending", True), ("range(n)", True)):
        found = probes(head + body.format(iterable=iterable) + "probe_after(out)\n")
        assert found == {"after": expected}, iterable
    # the loop runs, but an iteration may skip the binding: the earlier value still reaches
    found = probes(head + "for x in test_loader:\n    if x is None:\n        continue\n"
                   "    with torch.no_grad():\n        out = model(x)\nprobe_after(out)\n")
    assert found == {"after": True}


def test_a_data_read_that_only_rebuilds_a_parameter():
    source = HEAD + (
        "class P(nn.Module):\n"
        "    def prune(self, keep, extra):\n"
        "        self.w = nn.Parameter(self.w.data[keep, ...], requires_grad=True)\n"
        "        self.v = torch.nn.Parameter(data=torch.cat([self.v.data.clone(), extra]))\n"
        "        kept = nn.Parameter(self.w.data[keep])\n"
        "        self.u = nn.Parameter(torch.ones(3), self.u.data.any())\n"
        "        self.t = nn.Parameter(helper(self.t.data))\n"
        "        self.s = nn.Parameter(self.s.data.shape)\n"
        "    def forward(self, x):\n"
        "        self.r = nn.Parameter(self.r.data[0])\n"
        "        return x\n")
    ctx = FileContext("x.py", source, cst.parse_module(source))
    flow = ctx.analysis(GraphValues)
    reads = {}
    for node in ctx.index.of_type(cst.Attribute):
        if node.attr.value == "data":
            reads.setdefault(dotted_name(node.value), []).append(flow.surgery_read(node))
    assert reads == {"self.w": [True, False], "self.v": [True], "self.u": [False], "self.t": [False],
                     "self.s": [False], "self.r": [False]}


def test_a_data_read_that_only_feeds_data_writes_through_locals():
    """Fourteenth audit, cause EA: the read half of weight surgery split over statements."""
    source = HEAD + (
        "def copy(m0, m1, m2, keep, log):\n"
        "    w1 = m0.weight.data[:, keep].clone()\n"
        "    if keep.size > 1:\n"
        "        w1 = w1[keep].clone()\n"
        "    m1.weight.data = w1.clone()\n"
        "    a = m0.bias.data.view(-1)\n"
        "    m1.bias.data = a\n"
        "    log(a)\n"
        "    n = torch.norm(m2.weight.data, dim=1).unsqueeze(1)\n"
        "    m2.weight.data.div_(n + 1e-5)\n"
        "    g = m2.bias.data * 2\n"
        "    m2.bias.data = g\n"
        "    return g\n")
    ctx = FileContext("x.py", source, cst.parse_module(source))
    flow = ctx.analysis(GraphValues)
    reads = {}
    for node in ctx.index.of_type(cst.Attribute):
        if node.attr.value == "data":
            reads.setdefault(dotted_name(node.value), []).append(flow.surgery_read(node))
    assert reads == {"m0.weight": [True], "m1.weight": [False], "m0.bias": [False],
                     "m1.bias": [False], "m2.weight": [True, False], "m2.bias": [False, False]}
