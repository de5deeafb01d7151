"""Which data trains a model or selects one: the facts behind DL402.

A selection decision is a choice made by looking at a score: an ``if`` comparing it that saves a
checkpoint, stops, or counts patience; a ``best``-named flag; an early stopper or a learning-rate
schedule fed the score; ``max``/``min``/``sorted`` keyed by results, an ``argmax`` over them; a
Hugging Face ``Trainer`` that keeps its best checkpoint on its evaluation data; Keras callbacks that
decide on ``validation_data``. A training use is a back-propagated loss that an optimizer step
follows, or a ``fit`` that learns from its rows. :class:`TestSetUses` answers, for each of these,
whether test data (``dllint.analysis.data``'s provenance) drives it.
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis import learning
from dllint.analysis.calls import argument, keyword, positional, string
from dllint.analysis.data import TEST, TRAIN, DataProvenance, last_name, name_tokens
from dllint.analysis.imports import dotted_name
from dllint.analysis.name_reaching import NameReaching
from dllint.analysis.project import project_imports
from dllint.analysis.regions import Regions
from dllint.context import FileContext
from dllint.index import iter_subtree

ORDERING = (cst.LessThan, cst.GreaterThan, cst.LessThanEqual, cst.GreaterThanEqual)
_SELECTION_WORDS = frozenset({"best", "patience", "counter", "wait", "bad", "improved", "improvement",
                              "stale", "no_improve", "trigger", "trials"})
FIT_METHODS = frozenset({"fit", "fit_transform", "partial_fit", "fit_generator"})
_SELECTING_CALLBACKS = frozenset({"EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau"})
# Bound methods that give an element's position in a sequence (``list.index``, pandas'
# ``Index.get_loc``, ``str.find``, ``searchsorted``): as a sort key they keep an existing order.
POSITION_LOOKUPS = frozenset({"index", "get_loc", "find", "rfind", "rindex", "searchsorted"})
ARG_SELECTORS = frozenset({"argmax", "argmin", "idxmax", "idxmin", "nanargmax", "nanargmin"})
# Embeddings for plots that have no out-of-sample ``transform``: fitting one on test features
# (a t-SNE picture of them) learns nothing that can be applied to other data or scored.
_PLOT_EMBEDDINGS = frozenset({"TSNE", "MDS", "SpectralEmbedding"})

# What a ``fit`` on test data does (:meth:`TestSetUses.fit_on_test`).
FIT_WITH_TRAIN = "with-train"       # on data that includes the test set
FIT_ON_TEST = "test"                # on test data
FIT_VALIDATES_ON_TEST = "validate"  # test data as validation data with callbacks / early stopping


def _keeps_best(checkpoint: cst.Call) -> bool:
    """``ModelCheckpoint(path, save_best_only=True)`` keeps the epoch with the best monitored
    score; Keras's default, ``save_best_only=False``, writes every epoch (or every ``period``)
    whatever its score and selects nothing. Unknown when the flag is not a literal, when
    ``*args``/``**kwargs`` may set it, or for a Lightning-style ``save_top_k``: counted as keeping
    the best."""
    if keyword(checkpoint, "save_top_k") is not None or any(a.star for a in checkpoint.args):
        return True
    flag = argument(checkpoint, 3, "save_best_only")  # (filepath, monitor, verbose, save_best_only)
    if flag is None:
        return False
    return not (isinstance(flag, cst.Name) and flag.value in ("False", "None")
                or isinstance(flag, cst.Integer) and flag.value == "0")


def imports_project(ctx: FileContext) -> bool:
    """The file imports a module of its own project (whose helpers may hand it test data)."""
    imports = project_imports(ctx)
    return imports is not None and bool(imports.names)


class TestSetUses:
    """Whether test data reaches training or a selection decision in one file; ``extra_test``
    names more test data (DL402's ``test-names`` option)."""

    __test__ = False  # not a pytest class, whatever its name

    def __init__(self, ctx: FileContext, extra_test: tuple[str, ...] = ()) -> None:
        self.ctx = ctx
        self.provenance = ctx.analysis(DataProvenance)
        self.regions = ctx.analysis(Regions)
        self.extra = extra_test
        # An early-stopping name (names_early_stopping: the words "early" and "stop"/"stopping"/
        # "stopper", "earlystopping" or "stopper") is written in the file, lower-cased, as
        # "stopper" or as both "early" and "stop": a file with neither has no such call, and the
        # bindings of each called object need not be looked up (torch's sources hold "stop" in
        # StopIteration and the like in many files, "early" beside it in few).
        source = ctx.source.lower()
        self.stoppers = "stopper" in source or ("early" in source and "stop" in source)
        self._reads_by_name: bool | None = None
        self._written: set[int] | None = None

    # -- provenance ------------------------------------------------------------------------------
    def roles(self, expr: cst.BaseExpression) -> frozenset[str]:
        return self.provenance.roles(expr, extra_test=self.extra)

    def is_test(self, expr: cst.BaseExpression) -> bool:
        return TEST in self.roles(expr)

    # -- training uses ---------------------------------------------------------------------------
    def backward_trains_on_test(self, call: cst.Call) -> bool:
        """A backward call (``loss.backward()``, ``backward(loss)``) of a test-derived loss whose
        gradients an optimizer step uses, on no hand-written layer's own ``backward``."""
        name = last_name(call.func)
        loss = call.func.value if name == "backward" and isinstance(call.func, cst.Attribute) \
            else (call.args[0].value if call.args else None)
        return loss is not None and self.is_test(loss) and self._steps_an_optimizer(call) \
            and not self._own_backward(call)

    def fit_on_test(self, call: cst.Call) -> str | None:
        """What ``est.fit(...)`` does with test data: :data:`FIT_WITH_TRAIN`, :data:`FIT_ON_TEST`,
        :data:`FIT_VALIDATES_ON_TEST`, or None (no test data, or nothing learnt from it)."""
        if self._plot_embedding(call):
            return None
        built = self.provenance.constructors(call.func.value, call)  # type: ignore[attr-defined]
        if built and all(learning.fit_learns(c) != learning.STATISTICS for c in built):
            return None  # a label encoder, a prefit permutation importance: nothing is learnt
        data = [a for a in call.args if a.keyword is None][:2]
        data += [a for a in call.args if a.keyword is not None
                 and a.keyword.value in ("X", "y", "x", "train_dataloaders", "train_dataloader")]
        for arg in data:
            roles = self.roles(arg.value)
            if TEST in roles:
                if not self.provenance.learns_from_argument(call, arg):
                    continue  # a hand-written fit that only reports its score on this argument
                if TRAIN in roles:
                    return FIT_WITH_TRAIN
                if self.provenance.refit_after_final_score(call, self.is_test):
                    return None  # the test score was taken before; nothing is measured after
                return FIT_ON_TEST
        held_out = keyword(call, "validation_data") or keyword(call, "eval_set")
        if held_out is not None and self.is_test(held_out.value) and (
                self._selecting_callbacks(call) or keyword(call, "early_stopping_rounds") is not None):
            return FIT_VALIDATES_ON_TEST
        return None

    def _steps_an_optimizer(self, backward: cst.Call) -> bool:
        """The gradients are used to update weights: an optimizer step in the same loop (or
        function). A backward pass for input gradients on test data (adversarial examples,
        saliency maps) trains nothing."""
        scope = self.ctx.index.enclosing(backward, cst.For, cst.While, cst.FunctionDef) or self.ctx.module
        return any(isinstance(node, cst.Call) and self.regions.is_step_call(node)
                   for node in iter_subtree(scope))

    def _own_backward(self, call: cst.Call) -> bool:
        """``test_relu.backward(np.ones(1))`` of a hand-written layer class of the file whose
        ``backward`` back-propagates nothing through autograd (it calls no backward itself):
        the object's own method, tried on one point, is no loss of a data set."""
        method = self.provenance.own_method(call)
        return method is not None and not any(
            isinstance(n, cst.Call) and self.regions.is_backward_call(n) for n in iter_subtree(method.body))

    def _plot_embedding(self, call: cst.Call) -> bool:
        """``TSNE(n_components=2).fit_transform(x)``, also through a name bound to the estimator."""
        if not isinstance(call.func, cst.Attribute):
            return False
        receiver = call.func.value
        values: list[cst.BaseExpression] = [receiver]
        dotted = dotted_name(receiver)
        if dotted is not None:
            values = [b.value for b in self.provenance.lookup(call, dotted) if b.value is not None]
        return bool(values) and all(isinstance(v, cst.Call) and last_name(v.func) in _PLOT_EMBEDDINGS
                                    for v in values)

    def _selecting_callbacks(self, call: cst.Call) -> bool:
        """``callbacks=[EarlyStopping(...), ModelCheckpoint(save_best_only=True)]`` (also through a
        name bound to the list): callbacks that decide on the validation data."""
        callbacks = keyword(call, "callbacks")
        if callbacks is None:
            return False
        # Follow names to what they were bound to, a few levels deep: ``cbs = [checkpoint]`` with
        # ``checkpoint = ModelCheckpoint(...)``, ``callbacks.append(EarlyStopping(...))``.
        todo: list[cst.CSTNode] = [callbacks.value]
        seen: set[int] = set()
        while todo and len(seen) < 64:
            value = todo.pop()
            if id(value) in seen:
                continue
            seen.add(id(value))
            for node in iter_subtree(value):
                if isinstance(node, cst.Call) and last_name(node.func) in _SELECTING_CALLBACKS:
                    if last_name(node.func) == "ModelCheckpoint" and not _keeps_best(node):
                        continue  # a checkpoint every epoch (or ``period``), whatever its score
                    monitor = keyword(node, "monitor")
                    text = string(monitor.value) if monitor is not None else None
                    if text is None or text.startswith("val"):
                        return True  # Keras monitors "val_loss" unless told otherwise
                    continue  # ``monitor="loss"``: it decides on the training data
                dotted = dotted_name(node) if isinstance(node, (cst.Name, cst.Attribute)) else None
                if dotted is not None and node in self.provenance.index.order:
                    todo.extend(b.value for b in self.provenance.lookup(node, dotted) if b.value is not None)
        return False

    # -- callers that decide ---------------------------------------------------------------------
    def is_scheduler_step(self, call: cst.Call) -> bool:
        """``scheduler.step(metric)``: a learning-rate schedule (named so, or a
        ``ReduceLROnPlateau``) given a metric."""
        if not (last_name(call.func) == "step" and isinstance(call.func, cst.Attribute) and call.args):
            return False
        dotted = dotted_name(call.func.value)
        if dotted is None:
            return False
        if "sched" in dotted.split(".")[-1].lower():
            return True
        return any(isinstance(b.value, cst.Call) and last_name(b.value.func) == "ReduceLROnPlateau"
                   for b in self.provenance.lookup(call, dotted))

    def is_early_stopping_call(self, call: cst.Call) -> bool:
        """A call of an early stopper (``early_stopping(val_loss, model)``, ``stopper.step(m)``):
        decided by what built the object called when that is known (``est_early_stopping =
        GradientBoostingSurvivalAnalysis(...)`` is an estimator, whatever its name), by the
        name otherwise."""
        if not self.stoppers:
            return False
        func = call.func
        obj = func.value if isinstance(func, cst.Attribute) else func
        built = self.provenance.constructors(obj, call) if isinstance(obj, (cst.Name, cst.Attribute)) else None
        if built is not None:
            return any(names_early_stopping(c) for c in built)
        return names_early_stopping(call)

    def hf_selects_on_test(self, call: cst.Call) -> bool:
        """``Trainer(..., eval_dataset=<test>)`` whose arguments load the best model at the end,
        or with an EarlyStoppingCallback: the test set picks the checkpoint."""
        eval_data = keyword(call, "eval_dataset")
        if eval_data is None or not self.is_test(eval_data.value):
            return False
        callbacks = keyword(call, "callbacks")
        if callbacks is not None and any(
                isinstance(n, cst.Call) and last_name(n.func) == "EarlyStoppingCallback"
                for n in iter_subtree(callbacks.value)):
            return True
        args = keyword(call, "args") or positional(call, 1)
        if args is None:
            return False
        candidates: list[cst.CSTNode] = [args.value]
        dotted = dotted_name(args.value)
        if dotted is not None:
            candidates.extend(b.value for b in self.provenance.lookup(call, dotted) if b.value is not None)
        for value in candidates:
            if isinstance(value, cst.Call) and last_name(value.func) in ("TrainingArguments",
                                                                         "Seq2SeqTrainingArguments"):
                best = keyword(value, "load_best_model_at_end")
                if best is not None and isinstance(best.value, cst.Name) and best.value.value == "True":
                    return True
        return False

    # -- selections ------------------------------------------------------------------------------
    def comparison_decision(self, comparison: cst.Comparison) -> str | None:
        """What an ordering comparison decides: "acts" for an ``if`` whose branches save, stop or
        count patience, and for a ``best``-named flag (``is_best = acc > best``, handed to a
        saver); "records" for an ``if`` that only keeps the best value; None otherwise (also for a
        comparison that orders nothing)."""
        if not any(isinstance(t.operator, ORDERING) for t in comparison.comparisons):
            return None
        parent = self.ctx.index.parent(comparison)
        while isinstance(parent, (cst.BooleanOperation, cst.UnaryOperation)):
            parent = self.ctx.index.parent(parent)
        if isinstance(parent, cst.If) and parent.test is not None:
            decided = branches_decide(parent)
            if decided == "records" and self._best_never_read(parent):
                return None  # (twelfth audit DC) a best score kept and never looked at selects nothing
            if decided == "records" and self._single_measurement(parent):
                return None  # (fourteenth audit DS) one score against the starting sentinel: no best of many
            return decided
        if isinstance(parent, cst.Assign):
            for target in parent.targets:
                name = dotted_name(target.target)
                if name is not None and set(name_tokens(name.split(".")[-1])) & {"best", "improved"}:
                    return "acts"
        return None

    def _best_never_read(self, node: cst.If) -> bool:
        """The branches of ``node`` only bind best values (:func:`_only_assigns`), plain names that
        nothing in the file reads but the test of ``node`` itself: no print, log, save, return, later comparison,
        f-string or bare notebook expression. A best kept that way is never reported, so it chooses
        nothing. False for an attribute (``self.best_acc``: another module may read it) and in a
        file that reads its variables by name (``locals()``, ``vars()``, ``globals()``, ``eval``)."""
        names = _recorded_best(node)
        if not names or any("." in name for name in names) or not _only_assigns(node, names):
            return False
        if self._reads_by_name is None:
            self._reads_by_name = any(
                isinstance(call.func, cst.Name) and call.func.value in ("locals", "vars", "globals", "eval", "exec")
                for call in self.ctx.index.of_type(cst.Call))
        if self._reads_by_name:
            return False
        test = node.test
        if self._written is None:
            self._written = _written_names(self.ctx)
        written = self._written
        for name in self.ctx.index.of_type(cst.Name):
            if name.value not in names or id(name) in written:
                continue
            if isinstance(self.ctx.index.parent(name), cst.NameItem):
                continue  # ``global best_acc``: a declaration, no read
            if any(ancestor is test for ancestor in self.ctx.index.ancestors(name)):
                continue  # the comparison that keeps the best
            return False
        return True

    def _single_measurement(self, node: cst.If) -> bool:
        """The best values that the test of ``node`` compares are plain names that hold, there,
        only the constants they start from (``best_mse = 1e8``, ``float("inf")``, ``None``), and
        ``node`` is in no loop of its scope: the update can run once per binding of the best, so
        what it keeps is the one score measured, never the best of several. A best that a
        previous pass may have updated reaches the test around the loop (or is an attribute, a
        parameter, a global of a function: not a local constant), and none of those is passed."""
        names = {name for name in _recorded_best(node) if "." not in name}
        compared = {n.value for n in iter_subtree(node.test) if isinstance(n, cst.Name)} & names
        if not compared:
            return False
        if isinstance(self.ctx.index.enclosing(node, cst.For, cst.While, cst.FunctionDef), (cst.For, cst.While)):
            return False
        reaching = self.ctx.analysis(NameReaching)
        for name in compared:
            values = reaching.values_at(node.test, name)  # the test is the element the CFG holds
            if not values or not all(_constant(value) for value in values):
                return False
        return True

    def keyed_by_test(self, call: cst.Call) -> bool:
        """``max``/``min``/``sorted(..., key=...)`` whose key reads test results."""
        found = keyword(call, "key")
        if found is None:
            return False
        key = found.value
        if isinstance(key, cst.Lambda):
            if self.is_test(key.body):
                looked_up = _looked_up(key)
                return looked_up is None or not self.provenance.occurrence_counts(looked_up, call)
            # ``sorted(test_results.items(), key=lambda kv: kv[1])``: the key reads the items of
            # a collection of test results (not of test data: sorting test samples picks nothing).
            items = positional(call, 0)
            if items is None:
                return False
            collection = items.value
            if isinstance(collection, cst.Call) and isinstance(collection.func, cst.Attribute) \
                    and collection.func.attr.value in ("items", "values"):
                if collection.func.attr.value == "items" and _first_of_param(key):
                    return False  # ordered by the keys (the settings, the class ids), not the results
                collection = collection.func.value
            return self._results_collection(collection, call)
        if isinstance(key, cst.Attribute) and key.attr.value in ("get", "__getitem__"):
            # ``key=popularity.get`` of a ``Counter`` of test items: how often each occurs, a
            # count of the data like ``len``, not a result (fourteenth audit DU)
            return self.is_test(key.value) and not self.provenance.occurrence_counts(key.value, call)
        if isinstance(key, cst.Attribute) and key.attr.value in POSITION_LOOKUPS:
            # ``key=ranked.index.get_loc``: each candidate's position in a sequence; that order
            # carries no result of its own (a sequence ordered by test results was sorted by them
            # earlier, and that sort is the selection).
            return False
        return self.is_test(key)

    def argselect_over_test(self, call: cst.Call) -> bool:
        """``np.argmax(test_accs)`` / ``scores.idxmax()`` over a collection of results, without an
        axis (an argmax along a dimension of model outputs is a prediction)."""
        if keyword(call, "axis") or keyword(call, "dim"):
            return False
        qualified = self.ctx.imports.qualify(call.func) or ""
        if qualified.split(".")[0] in ("numpy", "torch"):
            data = positional(call, 0)
            if data is None or positional(call, 1) is not None:
                return False
            collection = data.value
        elif isinstance(call.func, cst.Attribute) and not call.args:
            collection = call.func.value
        else:
            return False
        return self._results_collection(collection, call)

    def _results_collection(self, collection: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """A list or dict of test results built in this file (appended to, or a literal)."""
        dotted = dotted_name(collection)
        if dotted is None:
            return False
        bindings = self.provenance.lookup(at, dotted)
        built = any(b.kind == "update" for b in bindings) or any(
            isinstance(b.value, (cst.List, cst.ListComp, cst.Dict, cst.DictComp)) for b in bindings)
        return built and self.is_test(collection)


def branches_decide(node: cst.If) -> str | None:
    """What the branches of an ``if`` do with the outcome: "acts" when they save a checkpoint, copy
    the weights, stop, or count patience; "records" when they only keep a best value; else None."""
    found: str | None = None
    for child in iter_subtree(node):
        if isinstance(child, cst.Break):
            return "acts"
        if isinstance(child, cst.Call):
            name = (last_name(child.func) or "").lower()
            if ("save" in name and name != "savefig") or name in ("deepcopy", "state_dict", "load_state_dict"):
                return "acts"
        if isinstance(child, (cst.Assign, cst.AugAssign)):
            targets = [t.target for t in child.targets] if isinstance(child, cst.Assign) else [child.target]
            for target in targets:
                for element in (target.elements if isinstance(target, (cst.Tuple, cst.List)) else [target]):
                    value = element.value if isinstance(element, cst.Element) else element
                    name = dotted_name(value) if isinstance(value, cst.BaseExpression) else None
                    if name is None:
                        continue
                    words = set(name_tokens(name.split(".")[-1]))
                    if words & (_SELECTION_WORDS - {"best"}):
                        return "acts"
                    if "best" in words:
                        found = "records"
    return found


def _recorded_best(node: cst.If) -> set[str]:
    """The dotted names with "best" in them that the branches of ``node`` assign."""
    found: set[str] = set()
    for child in iter_subtree(node):
        if isinstance(child, cst.Assign):
            targets = [t.target for t in child.targets]
        elif isinstance(child, (cst.AugAssign, cst.AnnAssign)):
            targets = [child.target]
        else:
            continue
        for target in targets:
            for element in (target.elements if isinstance(target, (cst.Tuple, cst.List)) else [target]):
                value = element.value if isinstance(element, cst.BaseElement) else element
                name = dotted_name(value) if isinstance(value, cst.BaseExpression) else None
                if name is not None and "best" in name_tokens(name.split(".")[-1]):
                    found.add(name)
    return found


def _only_assigns(node: cst.If, names: set[str]) -> bool:
    """The branches of ``node`` do nothing but bind ``names`` (``best_acc = acc``, ``best_acc,
    best_epoch = acc, epoch``): no call made for its effect (``checkpoint(acc, epoch)`` saves), no
    other name bound, no nested statement."""
    blocks = [node.body]
    orelse = node.orelse
    while orelse is not None:
        blocks.append(orelse.body)
        orelse = orelse.orelse if isinstance(orelse, cst.If) else None
    for block in blocks:
        if not isinstance(block, cst.IndentedBlock):
            return False
        for line in block.body:
            if not isinstance(line, cst.SimpleStatementLine):
                return False
            for small in line.body:
                if isinstance(small, cst.Pass):
                    continue
                if not isinstance(small, cst.Assign):
                    return False
                for target in small.targets:
                    elements = target.target.elements if isinstance(target.target, (cst.Tuple, cst.List)) \
                        else [target.target]
                    for element in elements:
                        value = element.value if isinstance(element, cst.BaseElement) else element
                        if dotted_name(value) not in names:
                            return False
    return True


def _written_names(ctx: FileContext) -> set[int]:
    """The ids of the Name nodes that are only written: plain assignment targets (also inside a
    tuple or list target) and ``for`` targets. An augmented assignment reads its target."""
    written: set[int] = set()

    def add(target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            written.add(id(target))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                add(element.value)
        elif isinstance(target, cst.StarredElement):
            add(target.value)

    for assign in ctx.index.of_type(cst.Assign):
        for target in assign.targets:
            add(target.target)
    for annotated in ctx.index.of_type(cst.AnnAssign):
        if annotated.value is not None:
            add(annotated.target)
    for loop in ctx.index.of_type(cst.For):
        add(loop.target)
    return written


def names_early_stopping(call: cst.Call) -> bool:
    """The called name says early stopping (``early_stopping``, ``EarlyStopping``, ``stopper``)."""
    dotted = dotted_name(call.func)
    if dotted is None:
        return False
    tokens = set(name_tokens(dotted.replace(".", "_")))
    return ("early" in tokens and ("stop" in tokens or "stopping" in tokens or "stopper" in tokens)) \
        or "earlystopping" in tokens or "stopper" in tokens


def _first_of_param(key: cst.Lambda) -> bool:
    """``lambda kv: kv[0]``: the key of a ``(key, value)`` item."""
    params = key.params.params
    body = key.body
    if len(params) != 1 or not isinstance(body, cst.Subscript) or len(body.slice) != 1:
        return False
    index = body.slice[0].slice
    return isinstance(body.value, cst.Name) and body.value.value == params[0].name.value \
        and isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) \
        and index.value.value == "0"


def _constant(expr: cst.BaseExpression | None) -> bool:
    """A literal a best value starts from: a number (signed), ``None``, ``float("inf")``,
    ``np.inf`` / ``math.inf``."""
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.Minus, cst.Plus)):
        return _constant(expr.expression)
    if isinstance(expr, (cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.Name):
        return expr.value == "None"
    if isinstance(expr, cst.Attribute):
        return expr.attr.value in ("inf", "Inf", "infty", "PINF", "NINF") and isinstance(expr.value, cst.Name)
    if isinstance(expr, cst.Call):
        return isinstance(expr.func, cst.Name) and expr.func.value == "float" and len(expr.args) == 1 \
            and isinstance(expr.args[0].value, cst.SimpleString)
    return False


def _looked_up(key: cst.Lambda) -> cst.BaseExpression | None:
    """The map of ``lambda k: counts[k]`` / ``lambda k: counts.get(k, 0)``, a lookup of the
    lambda's one parameter."""
    params = key.params.params
    body = key.body
    if len(params) != 1:
        return None
    name = params[0].name.value
    if isinstance(body, cst.Subscript) and len(body.slice) == 1 and isinstance(body.slice[0].slice, cst.Index):
        index = body.slice[0].slice.value
        return body.value if isinstance(index, cst.Name) and index.value == name else None
    if isinstance(body, cst.Call) and isinstance(body.func, cst.Attribute) and body.func.attr.value == "get" \
            and body.args and isinstance(body.args[0].value, cst.Name) and body.args[0].value.value == name:
        return body.func.value
    return None
