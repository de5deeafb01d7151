"""Data roles on the engine: reaching definitions over the control-flow graph (branches joined,
loops followed) and function summaries of the roles a function returns."""
from __future__ import annotations

import textwrap

import libcst as cst

from dllint.analysis.data import TEST, TRAIN, VAL, DataProvenance
from dllint.analysis.reaching import ReachingDefinitions, binding_element, gen_of
from dllint.context import FileContext


def _provenance(source: str, path: str = "") -> tuple[FileContext, DataProvenance]:
    source = textwrap.dedent(source)
    ctx = FileContext(path, source, cst.parse_module(source))
    return ctx, ctx.analysis(DataProvenance)


def _roles_at(source: str, marker: str) -> frozenset[str]:
    """The roles of the expression of the statement ``probe(<expr>)`` that follows ``# <marker>``."""
    ctx, provenance = _provenance(source)
    for call in ctx.index.of_type(cst.Call):
        if isinstance(call.func, cst.Name) and call.func.value == "probe":
            line = ctx.position(call).start.line
            if ctx.source.splitlines()[line - 2].strip() == f"# {marker}":
                return provenance.roles(call.args[0].value)
    raise AssertionError(f"no probe after # {marker}")


def test_branches_join_to_the_shared_role_or_to_none():
    source = """
    if flag:
        loader = test_loader
    else:
        loader = holdout_loader
    # same
    probe(loader)
    if flag:
        other = test_loader
    else:
        other = val_loader
    # differ
    probe(other)
    maybe = None
    if flag:
        maybe = test_loader
    # one-sided
    probe(maybe)
    """
    assert _roles_at(source, "same") == {TEST}
    assert _roles_at(source, "differ") == frozenset()  # one of two parts, unknown which
    assert _roles_at(source, "one-sided") == {TEST}


def test_a_value_bound_late_in_a_loop_reaches_its_top():
    source = """
    best = 0
    for epoch in range(epochs):
        # top
        probe(acc)
        acc = evaluate(model, test_loader)
    """
    assert _roles_at(source, "top") == {TEST}


def test_source_order_is_not_control_flow():
    # the else branch is later in the source, but it returns: only the if branch reaches the probe
    source = """
    def f(flag):
        if flag:
            data = test_set
        else:
            data = train_set
            return None
        # after
        probe(data)
    """
    assert _roles_at(source, "after") == {TEST}


def test_a_helper_that_picks_the_split_by_a_string():
    source = """
    def get_loader(split):
        if split == "train":
            ds = datasets.MNIST("d", train=True)
        elif split in ("val", "valid"):
            ds = datasets.ImageFolder("data/val")
        else:
            ds = datasets.MNIST("d", train=False)
        return DataLoader(ds)
    def by_key(split):
        loaders = {"train": a, "val": b, "test": c}
        return loaders[split]
    # train
    probe(get_loader("train"))
    # val
    probe(get_loader(split="val"))
    # test
    probe(get_loader("test"))
    # key
    probe(by_key("test"))
    # unknown
    probe(get_loader(name))
    """
    assert _roles_at(source, "train") == {TRAIN}
    assert _roles_at(source, "val") == {VAL}
    assert _roles_at(source, "test") == {TEST}
    assert _roles_at(source, "key") == {TEST}
    assert _roles_at(source, "unknown") == frozenset()


def test_a_returned_tuple_part_by_part_and_parameters_from_the_caller():
    source = """
    def make(root):
        return DataLoader(MNIST(root, train=True)), DataLoader(MNIST(root, train=False))
    def score(model, train_loader, loader):
        fit(model, train_loader)
        return sum(model(x) for x, _ in loader)
    first, second = make("d")
    # first
    probe(first)
    # second
    probe(second)
    # score
    probe(score(model, train_dl, test_dl))
    """
    assert _roles_at(source, "first") == {TRAIN}
    assert _roles_at(source, "second") == {TEST}
    # two parts given, the summary says the result comes from the second
    assert _roles_at(source, "score") == {TEST}


def test_a_recursive_helper_ends():
    source = """
    def loader(split, depth=0):
        if depth > 3:
            return loader(split, depth - 1)
        return loader(split, depth + 1)
    # rec
    probe(loader("test"))
    """
    assert _roles_at(source, "rec") == frozenset()


def test_unreachable_code_falls_back_to_source_order():
    source = """
    def f():
        data = test_set
        return data
        # after
        probe(data)
    """
    assert _roles_at(source, "after") == {TEST}


def test_reaching_definitions_of_a_graph():
    module = cst.parse_module("x = 1\nif c:\n    x = 2\nx += 3\ny = x\n")
    statements = [line.body[0] for line in module.body if isinstance(line, cst.SimpleStatementLine)]
    first, augmented, last = statements
    branch = module.body[1].body.body[0].body[0]
    bindings = [(first, "x", 0, False), (branch, "x", 1, False), (augmented, "x", 2, True),
                (last, "y", 3, False)]
    graph = ReachingDefinitions(module, gen_of((binding_element(node), key, number, update)
                                               for node, key, number, update in bindings))
    assert graph.solved
    assert graph.before(augmented)["x"] == {0, 1}
    assert graph.before(last)["x"] == {0, 1, 2}
    assert "y" not in graph.before(last)


def test_a_chain_of_helpers_is_followed_a_few_levels_and_a_long_one_ends():
    def chain(length: int) -> str:
        lines = ["def f0(split):", "    if split == 'train':", "        return DataLoader(MNIST('d', train=True))",
                 "    return DataLoader(MNIST('d', train=False))", "def f1():", "    return f0('test')"]
        for i in range(2, length):
            lines += [f"def f{i}():", f"    return f{i - 1}()"]
        return "\n".join(lines) + f"\n# probe\nprobe(f{length - 1}())\n"
    assert _roles_at(chain(4), "probe") == {TEST}
    assert _roles_at(chain(400), "probe") == frozenset()  # deeper than summaries go: unknown, no crash


def test_a_string_argument_passed_down_keeps_its_part():
    source = """
    def load(name):
        return read_csv(name)
    def loader(part):
        return DataLoader(load(part))
    # passed
    probe(loader("data/test.csv"))
    """
    assert _roles_at(source, "passed") == {TEST}


def test_long_chains_through_several_summaries_end_without_an_internal_error():
    from dllint.testing import lint_snippet
    lines = ["import torch"]
    for h in range(8):
        lines.append(f"def h{h}(loader, flag):")
        lines.append(f"    v0 = h{h - 1}(loader, flag) if flag else loader" if h else "    v0 = loader")
        lines += [f"    v{i} = v{i - 1} + {i}" for i in range(1, 110)]
        lines.append("    return v109")
    lines += ["best = 0", "for epoch in range(3):", "    acc = h7(test_loader, True)", "    if acc > best:",
              "        best = acc", "        torch.save(model.state_dict(), 'b.pt')"]
    found = lint_snippet("\n".join(lines) + "\n", ["DL000", "DL402"])
    assert [d.code for d in found] == ["DL402"]


def _batch_sizes(source: str) -> list[int | None]:
    """The batch size of every ``DataLoader(...)`` call, in source order."""
    ctx, provenance = _provenance(source)
    return [provenance.batch_size(call) for call in ctx.index.of_type(cst.Call)
            if isinstance(call.func, cst.Name) and call.func.value == "DataLoader"]


def test_batch_size_from_literals_names_and_the_default():
    source = """
    one = 1
    a, b = 1, 32
    def make(ds, size, flag):
        n = 1
        if flag:
            n = 8
        m = 1
        return [DataLoader(ds, batch_size=n), DataLoader(ds, batch_size=m), DataLoader(ds, size)]
    loaders = [DataLoader(ds, batch_size=1), DataLoader(ds, batch_size=one), DataLoader(ds, a),
               DataLoader(ds, batch_size=b), DataLoader(ds), DataLoader(ds, **kw),
               DataLoader(ds, batch_sampler=s), DataLoader(ds, batch_size=cfg.VAL.batch_size),
               DataLoader(ds, batch_size=0x10)]
    """
    assert _batch_sizes(source) == [None, 1, None, 1, 1, 1, 32, 1, None, None, None, None]


def test_a_conditional_expression_holds_its_values_not_its_condition():
    source = """
    # mode
    probe("human" if test else None)
    # picked
    probe(test_loader if flag else train_loader)
    # both-test
    probe(x_test[:100] if quick else x_test)
    """
    assert _roles_at(source, "mode") == frozenset()  # the condition only chooses
    assert _roles_at(source, "picked") == {TEST, TRAIN}
    assert _roles_at(source, "both-test") == {TEST}


def test_a_boolean_command_line_switch_holds_no_data():
    source = """
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--test", action="store_true")
    parser.add_argument("--no-val", dest="holdout", action="store_false")
    parser.add_argument("--test-only", action=argparse.BooleanOptionalAction)
    parser.add_argument("--test-set", default="data/points.csv")
    args = parser.parse_args()
    # store-true
    probe(args.test)
    # store-false
    probe(args.holdout)
    # optional
    probe(args.test_only)
    # path
    probe(args.test_set)
    # undeclared
    probe(args.test_data)
    """
    assert _roles_at(source, "store-true") == frozenset()
    assert _roles_at(source, "store-false") == frozenset()
    assert _roles_at(source, "optional") == frozenset()
    assert _roles_at(source, "path") == {TEST}  # an option that holds a path: its name decides
    assert _roles_at(source, "undeclared") == {TEST}


def test_the_counter_of_an_enumerate_bound_to_a_name_holds_no_data():
    # (fourteenth audit DW) the index counts, inline or through names; the batch keeps its role
    source = """
    data_gen = enumerate(test_loader)
    batches = data_gen
    for i, (x, y) in batches:
        # index
        probe(i)
        # batch
        probe(x)
    pairs = zip(test_scores, configs)
    for score, config in pairs:
        # zipped
        probe(score)
    """
    assert _roles_at(source, "index") == frozenset()
    assert _roles_at(source, "batch") == frozenset({TEST})
    assert _roles_at(source, "zipped") == frozenset({TEST})


def _sort_key_map(source: str) -> tuple[DataProvenance, cst.Call, cst.BaseExpression]:
    ctx, provenance = _provenance(source)
    call = next(c for c in ctx.index.of_type(cst.Call) if isinstance(c.func, cst.Name) and c.func.value == "sorted")
    key = next(a.value for a in call.args if a.keyword is not None)
    assert isinstance(key, cst.Attribute)
    return provenance, call, key.value


def test_occurrence_counts_are_counters_of_items_not_maps_of_values():
    # (fourteenth audit DU) counting keys, not adding values
    counted = """
    counts = Counter(test_labels)
    for user in users:
        counts.update(test_items[user])
    seen = defaultdict(int)
    sorted(counts, key=counts.get)
    """
    provenance, call, counts = _sort_key_map(counted)
    assert provenance.occurrence_counts(counts, call)
    for added in ("counts.update({name: acc})", "counts.update(scores)", "counts.update(a=1)",
                  "counts[name] += acc", "counts[name] = acc"):
        source = f"""
        scores = {{"a": evaluate(model, test_loader)}}
        counts = Counter()
        {added}
        sorted(counts, key=counts.get)
        """
        provenance, call, counts = _sort_key_map(source)
        assert not provenance.occurrence_counts(counts, call), added
    source = """
    counts = dict(scores)
    sorted(counts, key=counts.get)
    """
    provenance, call, counts = _sort_key_map(source)
    assert not provenance.occurrence_counts(counts, call)
