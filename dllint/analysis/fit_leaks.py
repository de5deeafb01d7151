"""Where a statistic's result goes and which split it leaks into: the facts behind DL401.

A statistic or preprocessing fit over data (:mod:`dllint.analysis.sample_statistics`) leaks when,
in one scope (a function, or the module), (1) its input or a value derived from it flows into a
later split (``DataProvenance.splits``: ``train_test_split``, ``random_split``, a cross-validation
splitter, ``Subset`` pairs, complementary slices, row ranges kept as parts) and (2) its result is
used on the data: it flows into the split's input, or it is applied to the split's parts
afterwards (``fillna(..., inplace=True)`` changes the frame). :class:`FitLeaks` finds these leaks in
a file (:meth:`FitLeaks.leaks`), summarises what a function fits and on which argument
(:meth:`FitLeaks.fit_summary`; summaries compose across helpers and project modules), and finds
the callers in other modules that pass a helper whole data and split afterwards
(:meth:`FitLeaks.caller_leaks`). Its summaries are kept for as long as the object lives (a rule's
run), across files.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from dllint.analysis.callers import ProjectCallers
from dllint.analysis.calls import keyword, positional
from dllint.analysis.data import CV_FUNCTIONS, CV_SPLITTERS, SEARCHERS, TRAIN, DataProvenance, Split, chains, last_name
from dllint.analysis.generated_data import Generation
from dllint.analysis.imports import dotted_name
from dllint.analysis.project import PROJECT
from dllint.analysis.sample_statistics import (FIT_METHODS, STATISTICS, TRANSFORMING, SampleStatistics, class_count,
                                               data_roots, selection_owner)
from dllint.context import FileContext
from dllint.index import iter_subtree


@dataclass
class Fit:
    """A statistic or fit (``statistic``: ``mean``, ``fit_transform``...), called directly or
    through ``helper`` (the called function's name; empty when direct)."""

    call: cst.Call
    helper: str
    statistic: str


@dataclass
class Leak:
    """The statistics and fits of one data (``root``: the name it is known by) before ``split``."""

    split: Split
    root: str
    fits: list[Fit]


@dataclass
class CallerLeak:
    """A helper's fit on its ``parameter``, which ``caller`` (a function or "the module") in the
    module at ``where`` passes whole and splits afterwards, on line ``split_line``."""

    fit: cst.CSTNode
    parameter: str
    caller: str
    where: str
    split_line: int


class FitLeaks:
    """Statistics and fits before a split, and what each function fits (for one rule's run)."""

    def __init__(self) -> None:
        self.statistics = SampleStatistics()
        # function node -> (index of the fitted parameter, the statistic), or None; a function
        # being summarised maps to None, so a recursion reads "fits nothing".
        self._summaries: dict[cst.FunctionDef, tuple[int, str] | None] = {}
        # function -> the call in it that fits (a statistic, a fit, or a call of a fitting helper)
        self._summary_nodes: dict[cst.FunctionDef, cst.Call] = {}
        self._summary_depth = 0
        # the made-up data facts of the file being linted (dllint.analysis.generated_data)
        self._generation_facts: Generation | None = None

    def _generation(self, provenance: DataProvenance) -> Generation:
        found = self._generation_facts
        if found is None or found.provenance is not provenance:
            found = self._generation_facts = Generation(provenance)
        return found

    # -- the leaks of one file -----------------------------------------------------------------------
    def leaks(self, ctx: FileContext, provenance: DataProvenance, splits: list[Split]) -> list[Leak]:
        """The statistics and fits of this file over data that a later split of their scope
        divides, and whose result is used on the data: one leak per split and data (five columns
        standardised one by one before the same split are one leak), its calls in source order.
        A call of a function or method whose summary says it fits an argument and returns it
        transformed (``X = normalize(X)``, ``df_num, scaler = self.prep_numeric(X)``,
        ``model.preprocess_data(X)``, ``from preprocessing import standardize``) is a fit of
        that argument."""
        scopes_with_splits = {s.scope for s in splits}
        seen: set[cst.CSTNode] = set()
        found: dict[tuple[int, str], Leak] = {}

        def add(split: Split, data: cst.BaseExpression, fit: Fit) -> None:
            root = (data_roots(data) or [""])[-1]
            leak = found.get((id(split), root))
            if leak is None:
                leak = found[(id(split), root)] = Leak(split, root, [])
            leak.fits.append(fit)

        for call in ctx.index.of_type(cst.Call):
            name = last_name(call.func)
            if name not in STATISTICS and name not in FIT_METHODS:
                continue
            scope = provenance.scope_of(call)
            if scope not in scopes_with_splits:
                continue
            data = self.statistics.statistic_data(ctx, provenance, call, name)
            if data is None:
                continue
            if provenance.roles(data) == {TRAIN}:
                # Already the training part (``X_train``, ``train.csv``): splitting it again only
                # carves out a validation set, which we leave alone.
                continue
            if name in ("max", "min") and class_count(ctx, call):
                continue
            if provenance.only_bounds(call):
                continue  # the bounds of a date range or a grid: no statistic of the values
            statement = ctx.index.statement_of(call)
            if statement in seen:
                continue
            results = self.result_names(ctx, provenance, call, statement)
            if not results:
                continue
            split = self.leaking_split(provenance, scope, statement, data, results, splits)
            if split is None:
                continue
            if self._generation(provenance).generating_ingredient(data, split):
                continue  # a step of making up the data (``pi = pi / pi.max()`` of a toy mixture)
            seen.add(statement)
            add(split, data, Fit(call, "", name))
        for call in ctx.index.of_type(cst.Call):
            scope = provenance.scope_of(call)
            if scope not in scopes_with_splits:
                continue
            if not self.may_leak(ctx, provenance, call, splits):
                # none of its positional arguments is whole data split afterwards: whatever the
                # callee fits, no leak (and its module is not parsed to find out)
                continue
            helper = self.helper_of(provenance, call)
            if helper is None:
                continue
            index, name = helper
            statement = ctx.index.statement_of(call)
            if statement in seen:
                continue
            leak = self.call_leaks(ctx, provenance, call, index, splits)
            if leak is None:
                continue
            split, data = leak
            seen.add(statement)
            add(split, data, Fit(call, last_name(call.func), name))
        for leak in found.values():
            leak.fits.sort(key=lambda fit: ctx.index.order[fit.call])
        return list(found.values())

    def call_leaks(self, ctx: FileContext, provenance: DataProvenance, call: cst.Call, index: int,
                   splits: list[Split]) -> tuple[Split, cst.BaseExpression] | None:
        """(the split, the data) when ``call``, of a helper that fits its argument ``index`` and
        returns it transformed, is given whole data that its scope splits afterwards."""
        arg = positional(call, index)
        if arg is None:
            return None
        data = self.statistics.sample_data(ctx, provenance, arg.value)
        if data is None or provenance.roles(data) == {TRAIN}:
            return None
        statement = ctx.index.statement_of(call)
        results = self.result_names(ctx, provenance, call, statement)
        if not results:
            return None
        split = self.leaking_split(provenance, provenance.scope_of(call), statement, data, results, splits)
        return None if split is None else (split, data)

    def may_leak(self, ctx: FileContext, provenance: DataProvenance, call: cst.Call,
                 splits: list[Split]) -> bool:
        """Some positional argument of ``call`` is whole data that its scope splits afterwards
        (:meth:`call_leaks` for each index): the only calls whose callee's summary can matter."""
        if not isinstance(call.func, (cst.Name, cst.Attribute)):
            return False
        statement = ctx.index.statement_of(call)
        results = self.result_names(ctx, provenance, call, statement)
        if not results:
            return False
        scope = provenance.scope_of(call)
        index = 0
        while (arg := positional(call, index)) is not None:
            index += 1
            # :meth:`call_leaks`'s conditions, the roles (which may read other modules) last
            data = self.statistics.sample_data(ctx, provenance, arg.value)
            if data is not None \
                    and self.leaking_split(provenance, scope, statement, data, results, splits) is not None \
                    and provenance.roles(data) != {TRAIN}:
                return True
        return False

    # -- a helper whose callers in other modules split what it fitted ------------------------------
    def caller_leaks(self, ctx: FileContext, provenance: DataProvenance) -> Iterator[CallerLeak]:
        """A top-level function that fits its argument and returns it transformed, and that a
        caller in another module of the project gives whole data and splits afterwards: the leak
        is that caller's finding, and this module's too, at the fit (the fix is here: split first,
        or fit on the training part). A caller in this module is reported at its call only. One
        leak a function, for the first such caller."""
        functions = [s for s in ctx.module.body if isinstance(s, cst.FunctionDef) and s.params.params]
        if not functions:
            return
        fitting = may_fit(ctx, functions)
        if not fitting:
            return
        callers = ctx.analysis(ProjectCallers)
        for function in fitting:
            # the callers first: only modules that name the helper and a splitting call are parsed,
            # and most helpers have none, so their summaries are never computed
            sites = callers.sites_where(function, SPLIT_WORDS)
            if not sites:
                continue
            summary = self.fit_summary(provenance, function, False)
            if summary is None:
                continue
            for site in sites:
                found = self.caller_splits(site, summary[0])
                if found is None:
                    continue
                split_node, caller_scope = found
                yield CallerLeak(
                    fit=self._summary_nodes.get(function, function),
                    parameter=[p.name.value for p in function.params.params][summary[0]],
                    caller=caller_scope.name.value if isinstance(caller_scope, cst.FunctionDef) else "the module",
                    where=_relative(site.ctx.path, ctx.path),
                    split_line=site.ctx.position(split_node).start.line)
                break

    def caller_splits(self, site, index: int) -> tuple[cst.CSTNode, cst.CSTNode] | None:
        """(the split node, the caller's scope) when the call at ``site`` (another module) passes
        whole data that its scope splits afterwards."""
        other = site.ctx
        PROJECT.depth += 1
        try:
            provenance = other.analysis(DataProvenance)
            splits = provenance.splits
            scope = provenance.scope_of(site.call)
            if not any(s.scope is scope for s in splits):
                return None
            leak = self.call_leaks(other, provenance, site.call, index, splits)
        finally:
            PROJECT.depth -= 1
        return None if leak is None else (leak[0].node, scope)

    # -- function summaries: what a function fits, and on which argument ---------------------------
    def helper_of(self, provenance: DataProvenance, call: cst.Call) -> tuple[int, str] | None:
        """(index of the fitted argument, the statistic) when ``call`` calls a function or method
        of this file or of another project module whose summary says it fits on that argument and
        returns it transformed."""
        if not isinstance(call.func, (cst.Name, cst.Attribute)) or self._summary_depth >= MAX_HELPER_DEPTH:
            return None
        resolved = provenance.resolve(call)
        if resolved is None:
            return None
        other, function, method = resolved
        self._summary_depth += 1
        try:
            return self.fit_summary(other, function, method)
        finally:
            self._summary_depth -= 1

    def fit_summary(self, provenance: DataProvenance, function: cst.FunctionDef,
                    method: bool) -> tuple[int, str] | None:
        """The summary of ``function``: (index of the positional parameter it fits on, ``self``
        not counted for a method; the statistic) when it computes a statistic or fits a
        preprocessor over that parameter (or a value derived from it in its body, or by calling a
        function that does: summaries compose) and returns the data transformed by it (alone or
        in a tuple). None when it fits nothing of its arguments, fits only a training part it
        split off, or returns only the statistic."""
        if function in self._summaries:
            return self._summaries[function]
        self._summaries[function] = None
        ctx = provenance.ctx
        params = [p.name.value for p in function.params.params][1 if method else 0:]
        if not params:
            return None
        was, self.statistics.in_helper = self.statistics.in_helper, True
        found: tuple[int, str] | None = None
        try:
            for call in iter_subtree(function.body):
                if not isinstance(call, cst.Call) or ctx.index.function_of(call) is not function:
                    continue
                name = last_name(call.func)
                data: cst.BaseExpression | None = None
                if name in STATISTICS or name in FIT_METHODS:
                    data = self.statistics.statistic_data(ctx, provenance, call, name)
                elif not self._may_pass_derived(ctx, provenance, function, call, params):
                    # no positional argument derives from a parameter and flows to a return:
                    # whatever the callee fits, the summary does not change (nor is its module parsed)
                    continue
                else:
                    inner = self.helper_of(provenance, call)
                    if inner is not None:
                        arg = positional(call, inner[0])
                        data = selection_owner(arg.value) if arg is not None else None
                        name = inner[1]
                if data is None or provenance.roles(data) == {TRAIN} or provenance.only_bounds(call):
                    continue
                roots = set(data_roots(data)) or set(chains(data))
                order = ctx.index.order[ctx.index.statement_of(call)]
                for position, param in enumerate(params):
                    derived = provenance.forward(function, {param}, -1, until=order)
                    if roots & derived and self._returns_derived(ctx, provenance, function, call, derived):
                        found = (position, name)
                        self._summary_nodes[function] = call
                        break
                if found is not None:
                    break
        finally:
            self.statistics.in_helper = was
        self._summaries[function] = found
        return found

    def _may_pass_derived(self, ctx: FileContext, provenance: DataProvenance, function: cst.FunctionDef,
                          call: cst.Call, params: list[str]) -> bool:
        """Some positional argument of ``call`` (in ``function``) is data derived from one of
        ``params`` that the function returns transformed: what :meth:`fit_summary` asks of a
        call of a fitting helper, for every argument the helper might fit on."""
        if provenance.only_bounds(call):
            return False
        order = ctx.index.order[ctx.index.statement_of(call)]
        derived_of: dict[str, set[str]] = {}
        index = 0
        while (arg := positional(call, index)) is not None:
            index += 1
            data = selection_owner(arg.value)
            if data is None:
                continue
            roots = set(data_roots(data)) or set(chains(data))
            for param in params:
                if param not in derived_of:
                    derived_of[param] = provenance.forward(function, {param}, -1, until=order)
                derived = derived_of[param]
                if roots & derived and provenance.roles(data) != {TRAIN} \
                        and self._returns_derived(ctx, provenance, function, call, derived):
                    return True
        return False

    def _returns_derived(self, ctx: FileContext, provenance: DataProvenance, function: cst.FunctionDef,
                         call: cst.Call, data: set[str]) -> bool:
        """Does the function return the statistic applied to the data (not the statistic alone)?"""
        statement = ctx.index.statement_of(call)
        if isinstance(statement, cst.Return):
            value = statement.value
            if value is call:
                # ``return scaler.fit_transform(a)``, ``return scale(a)``, ``return standardize(a)``
                # (a helper): the data transformed; ``return a.mean(0)``, ``return
                # StandardScaler().fit(a)``: the statistic or the estimator alone
                name = last_name(call.func)
                return name in TRANSFORMING or name not in STATISTICS and name not in FIT_METHODS
            return value is not None and bool(data & set(chains(value)))
        results = self.result_names(ctx, provenance, call, statement)
        if not results:
            return False
        order = ctx.index.order[statement]
        derived = provenance.forward(function, results, order - 1)
        for binding in provenance.bindings(function):
            if isinstance(binding.node, cst.Return) and binding.order > order \
                    and binding.reads & derived:
                return True
        return False

    # -- where the statistic's result goes ---------------------------------------------------------
    def result_names(self, ctx: FileContext, provenance: DataProvenance, call: cst.Call,
                     statement: cst.CSTNode) -> set[str]:
        """The names that hold the statistic's result (or the fitted transformer)."""
        out: set[str] = set()
        if isinstance(statement, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            for binding in provenance.bindings_of(statement):
                out.update(binding.targets)
        if last_name(call.func) == "fit" and isinstance(call.func, cst.Attribute):
            receiver = dotted_name(call.func.value)
            if receiver is not None:
                out.add(receiver)
        if isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call):
            outer = statement.value
            inplace = keyword(outer, "inplace")
            if inplace is not None and isinstance(outer.func, cst.Attribute) \
                    and isinstance(inplace.value, cst.Name) and inplace.value.value == "True":
                # ``df["a"].fillna(df["a"].mean(), inplace=True)`` changes the frame ``df``
                receiver: cst.BaseExpression = outer.func.value
                while isinstance(receiver, cst.Subscript) or (
                        isinstance(receiver, cst.Attribute) and receiver.attr.value in ("loc", "iloc")):
                    receiver = receiver.value
                name = dotted_name(receiver)
                if name is not None:
                    out.add(name)
        return out

    def leaking_split(self, provenance: DataProvenance, scope: cst.CSTNode, statement: cst.CSTNode,
                      data: cst.BaseExpression, results: set[str], splits: list[Split]) -> Split | None:
        order = provenance.index.order[statement]
        # Data created in the statement itself (``standardize(np.load(path))``) is known by the
        # names the statement binds.
        roots = set(results) if isinstance(data, cst.Call) else set(data_roots(data))
        if not roots:
            return None
        for split in splits:
            if split.scope is not scope or split.order <= order:
                continue
            split_reads: set[str] = set()
            for expr in split.data:
                split_reads.update(chains(expr))
            derived = provenance.forward(scope, roots, order - 1, until=split.order)
            if not derived & split_reads:
                continue
            used = provenance.forward(scope, results, order)
            before_split = provenance.forward(scope, results, order, until=split.order)
            if before_split & split_reads:
                return split
            parts = provenance.forward(scope, split.outputs, split.order) if split.outputs else set()
            for binding in provenance.bindings(scope):
                if binding.order <= split.order:
                    continue
                if binding.reads & used and binding.reads & parts:
                    return split
        return None


MAX_HELPER_DEPTH = 6  # helpers calling helpers: a longer chain stays unknown
# The names that DataProvenance's splits are made with (a splitter's class for its ``.split``; slices
# of rows aside): a module of the project that holds none has no caller of a helper that splits what
# the helper fitted, and is not parsed for one.
SPLIT_WORDS = frozenset({"train_test_split", "random_split", "Subset", *CV_SPLITTERS, *CV_FUNCTIONS, *SEARCHERS})


def may_fit(ctx: FileContext, functions: list[cst.FunctionDef]) -> list[cst.FunctionDef]:
    """The functions of ``functions`` that compute a statistic or call a fit, or call one of the
    others that does (a cheap gate before their summaries: names only)."""
    by_name = {f.name.value: f for f in functions}
    direct: set[cst.FunctionDef] = set()
    calls: dict[cst.FunctionDef, set[str]] = {}
    for call in ctx.index.of_type(cst.Call):
        function = ctx.index.function_of(call)
        if function is None or function.name.value not in by_name or by_name[function.name.value] is not function:
            continue
        name = last_name(call.func)
        if name in STATISTICS or name in FIT_METHODS:
            direct.add(function)
        elif isinstance(call.func, cst.Name) and call.func.value in by_name:
            calls.setdefault(function, set()).add(call.func.value)
    found = set(direct)
    changed = True
    while changed:
        changed = False
        for function, called in calls.items():
            if function not in found and any(by_name[n] in found for n in called):
                found.add(function)
                changed = True
    return [f for f in functions if f in found]


def _relative(path: str, start: str) -> str:
    """``path`` as the project shows it: relative to the project root of ``start``."""
    from pathlib import Path
    from dllint.analysis.project import find_root
    try:
        root = find_root(Path(start).resolve())
        return Path(path).resolve().relative_to(root).as_posix()
    except (OSError, ValueError):
        return Path(path).name


