"""Data provenance: which names hold training, validation or test data, and where data is split.

Two questions the data-hygiene rules (DL401-DL404) ask of a file:

* **roles**: does this expression hold training, validation or test data? A role comes from
  (1) the naming convention people use for their splits (``X_test``, ``test_loader``, ``testloader``,
  ``df_test``, ``val_ds``, ``valid_loader``, ``dev_set``; plus a project's own test names given as a
  rule option), (2) what the value was made from: the outputs of a split by position
  (``X_train, X_test, ... = train_test_split(...)``, ``train_ds, val_ds = random_split(...)``,
  ``for train_idx, val_idx in kf.split(X)``), a dataset built with ``train=False`` or
  ``split="test"`` / ``"validation"``, a file read from a ``test`` path, and (3) values derived from
  those: loaders over a dataset, batches drawn from a loader, model outputs on a batch, a loss or an
  accuracy over them. A value drawn from both training and test data (a concatenation) has both;
  any other call over several parts (``build_vocab(train, test)``, ``f(train_loader, val_loader)``)
  has none, since which part its result holds is unknown. What a value was made from beats what
  it is called (``val_loss = evaluate(model, test_loader)`` is test data); the name decides when
  the value says nothing, and for the guessed positions of ``random_split`` outputs. The held-out
  part of a ``train_test_split`` of training data is validation data, whatever the split calls it
  (Hugging Face keys it ``"test"``); ids looked up in a vocabulary (``{w: i for i, w in
  enumerate(words)}``) hold no role. Counts
  (``len(test_ds)``, ``x.size(0)``) and ``enumerate`` indices hold no data. In unit-test files
  (``is_unit_test_file``) "test" names a test case, so rules that lean on names stay out of them.
* **splits and data flow**: every call or slicing that splits data into parts, and, per scope, the
  bindings in source order with the names each one reads, so that a rule can follow a value forward
  ("does something derived from this statistic's input reach that split?").

Flow is per scope (a function, or the module for scripts and exported notebooks; a function reads
the module's variable only for a name that is neither its parameter nor bound in it) and follows
source order: the value a name holds at a point is its last binding before that point (plus in-place
updates since). Branches and loops are not distinguished; that can only lose findings, which is
the side we err on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator

import libcst as cst

from dllint.analysis.calls import keyword, positional, string
from dllint.analysis.imports import dotted_name
from dllint.analysis.reaching import ReachingDefinitions, binding_element, gen_of
from dllint.analysis.settings import DeclaredOptions
from dllint.index import child_nodes, iter_subtree

if TYPE_CHECKING:
    from dllint.analysis.imports import ImportMap
    from dllint.context import FileContext

TRAIN, VAL, TEST = "train", "val", "test"
NO_ROLES: frozenset[str] = frozenset()

_TEST_WORDS = frozenset({"test", "testing", "tst", "holdout", "heldout", "test_set"})
_VAL_WORDS = frozenset({"val", "valid", "validation", "validate", "dev", "eval", "evaluation", "vl"})
_TRAIN_WORDS = frozenset({"train", "training", "trn", "trainval"})
# A prefix or suffix glued to a role word (``testloader``, ``xtest``, ``valset``).
_GLUED = ("loader", "loaders", "set", "sets", "data", "dataset", "datasets", "ds", "dl", "x", "y",
          "iter", "df", "images", "imgs", "labels", "inputs", "targets", "feats", "features", "gen",
          "batch", "batches", "samples", "acc", "loss", "score", "dataloader", "examples", "idx")
# Names that merely configure a split or a loader are not data: ``test_size``, ``val_every``,
# ``test_batch_size``, ``test_transform``, ``args.test``-style flags, paths and directories.
_CONFIG_WORDS = frozenset({
    "size", "sizes", "ratio", "frac", "fraction", "split", "splits", "pct", "percent", "portion",
    "n", "num", "number", "count", "len", "length", "every", "interval", "freq", "frequency",
    "period", "bs", "steps", "step", "epochs", "epoch", "iters", "only", "mode", "flag", "is", "do",
    "run", "dir", "dirs", "path", "paths", "file", "files", "root", "url", "urls", "transform",
    "transforms", "tf", "tfs", "fn", "func", "function", "name", "names", "prefix", "suffix",
    "kwargs", "args", "cfg", "config", "params", "workers", "shuffle", "aug", "augment", "case",
    "cases", "suite", "time", "start", "end", "begin", "stop", "mask", "perc", "proportion",
    "fold", "folds", "key", "keys", "type", "format", "fmt", "metric", "metrics", "log", "logger",
    "writer", "callback", "hook", "freq", "sampler", "strategy", "method", "step_size",
})
_ROW_SLICE = re.compile(r"\[[\w.()+*/ -]*:")  # ``data[begin:end]``, ``x[n_train:]``
_SPLIT_TOKEN = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def name_tokens(name: str) -> list[str]:
    """``X_test`` -> ['x', 'test']; ``testLoader`` -> ['test', 'loader']."""
    out: list[str] = []
    for part in re.split(r"[_\W]+", name):
        out.extend(t.lower() for t in _SPLIT_TOKEN.findall(part))
    return out


def _word_role(token: str, extra_test: frozenset[str] = NO_ROLES,
               extra_val: frozenset[str] = NO_ROLES) -> str | None:
    if token in _TEST_WORDS or token in extra_test:
        return TEST
    if token in _VAL_WORDS or token in extra_val:
        return VAL
    if token in _TRAIN_WORDS:
        return TRAIN
    for words, role in ((_TEST_WORDS, TEST), (("val", "valid", "dev"), VAL), (("train",), TRAIN)):
        for word in words:
            if len(word) < 3:
                continue
            if token.startswith(word) and token[len(word):] in _GLUED:
                return role
            if token.endswith(word) and token[: -len(word)] in _GLUED:
                return role
    return None


def is_unit_test_file(imports: "ImportMap") -> bool:
    """A file of unit tests (it imports unittest or pytest): there ``test`` names a test case, not a
    test set, and the naming convention says nothing about data."""
    return imports.uses("unittest", "pytest")


def name_role(name: str, extra_test: Iterable[str] = (), extra_val: Iterable[str] = ()) -> str | None:
    """The role a single identifier announces by the usual naming convention, or None.

    ``X_test``, ``test_loader``, ``testloader``, ``df_test``, ``holdout`` -> test; ``val_ds``,
    ``valid_loader``, ``dev_set`` -> val; ``train_ds`` -> train. Configuration names
    (``test_size``, ``val_every``, ``test_batch_size``) and names mixing two roles (``train_test``)
    have none. ``extra_test`` are a project's own names for its test data (whole identifiers).
    """
    extra_t = frozenset(n.lower() for n in extra_test)
    extra_v = frozenset(n.lower() for n in extra_val)
    if name.lower() in extra_t:
        return TEST
    if name.lower() in extra_v:
        return VAL
    tokens = name_tokens(name)
    if any(a in ("to", "be", "should", "must") and b.startswith("test") for a, b in zip(tokens, tokens[1:])):
        return None  # ``models_to_test``: the verb, in unit tests
    roles = {r for r in (_word_role(t, extra_t, extra_v) for t in tokens) if r is not None}
    if len(roles) != 1:
        return None
    if any(t in _CONFIG_WORDS for t in tokens):
        return None
    return next(iter(roles))


def _path_roles(path: str, source: str) -> frozenset[str]:
    """Roles a file's path announces: a folder or file named as a part (``data/test.csv``,
    ``test/``, ``testset.npy``, ``X_test.csv``), or a name with other words in it
    (``mnist_test.csv``) when the code also names its training twin (``mnist_train``): a file of
    exam marks, ``test_scores.csv``, is no test split."""
    roles: set[str] = set()
    for part in re.split(r"[/\\]+", path.lower()):
        stem = part.split(".")[0]
        tokens = name_tokens(stem)
        found = {t: r for t in tokens if (r := _word_role(t)) is not None}
        if len(set(found.values())) != 1:
            continue
        role = next(iter(found.values()))
        others = [t for t in tokens if t not in found and not t.isdigit()]
        if all(t in _PATH_NEUTRAL for t in others):
            roles.add(role)
        elif role != TRAIN and any(stem.replace(word, twin, 1) in source.lower()
                                   for word in found for twin in ("train", "training")):
            roles.add(role)
        elif role == TRAIN:
            roles.add(role)
    return frozenset(roles) if len(roles) == 1 else NO_ROLES


def _string_roles(text: str) -> frozenset[str]:
    """Roles a split name or a path announces: ``"test"``, ``"validation"``, ``"data/test.csv"``,
    ``"train[:90%]"``."""
    tokens = [t for t in re.split(r"[^a-zA-Z]+", text.lower()) if t]
    roles = {r for r in (_word_role(t) for t in tokens) if r is not None}
    return frozenset(roles) if len(roles) == 1 else NO_ROLES


# -- splits ---------------------------------------------------------------------------------------
CV_SPLITTERS = frozenset({
    "KFold", "StratifiedKFold", "GroupKFold", "StratifiedGroupKFold", "RepeatedKFold",
    "RepeatedStratifiedKFold", "ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit",
    "LeaveOneOut", "LeavePOut", "LeaveOneGroupOut", "LeavePGroupsOut", "TimeSeriesSplit",
    "PredefinedSplit",
})
CV_FUNCTIONS = frozenset({"cross_val_score", "cross_validate", "cross_val_predict",
                          "learning_curve", "validation_curve", "permutation_test_score"})
SEARCHERS = frozenset({"GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV",
                       "HalvingRandomSearchCV"})
# Calls and attributes that count instances: ``len(test_ds)``, ``x.size(0)``, ``x.shape[0]``.
_COUNTS = frozenset({"len", "size", "numel", "__len__", "shape", "ndim", "dim", "count_nonzero"})
# Calls whose result holds all their inputs (a value made from train and test data holds both).
CONCATENATIONS = frozenset({"concatenate", "cat", "concat", "ConcatDataset", "vstack", "hstack",
                            "stack", "row_stack", "chain", "append", "union", "merge", "join"})
# File readers whose path argument may name the split (``pd.read_csv("test.csv")``).
_READERS = frozenset({"read_csv", "read_parquet", "read_json", "read_table", "read_pickle",
                      "read_feather", "read_excel", "load", "loadtxt", "genfromtxt", "ImageFolder",
                      "DatasetFolder", "load_from_disk", "open"})
# Readers of one table: a string key of what they return selects a column (a feature, whatever
# it is called), not a part of the data (``np.load``'s archive and a saved DatasetDict are keyed
# by part, so they are not here).
_TABLE_READERS = frozenset({"read_csv", "read_parquet", "read_table", "read_feather", "read_excel"})
# What keeps the rows of a table (a column's statistic, a filled or cast copy): derived from a
# file that is not a split, it is not a split either, whatever the name it is given.
_ROW_KEEPING = frozenset({"mean", "median", "std", "var", "mode", "sum", "min", "max", "fillna",
                          "astype", "copy", "to_numpy", "floor", "ceil", "round", "int", "float"})
# Words that may stand beside a role word in a file's name without saying what else the file is.
_PATH_NEUTRAL = frozenset(_GLUED) - {"acc", "loss", "score"}
# Keyword arguments of loaders and datasets that configure rather than carry data.
_CONFIG_KEYWORDS = frozenset({
    "batch_size", "shuffle", "num_workers", "transform", "target_transform", "transforms",
    "collate_fn", "pin_memory", "drop_last", "device", "seed", "random_state", "test_size",
    "train_size", "download", "root", "persistent_workers", "prefetch_factor", "worker_init_fn",
    "generator", "stratify", "timeout", "multiprocessing_context",
})


@dataclass
class Split:
    """One place where data is divided into parts."""

    node: cst.CSTNode           # the call (or the first of a pair of complementary slices)
    # 'train_test_split', 'random_split', 'cv', 'cv_function', 'search', 'subset', 'slice' or 'mask'
    kind: str
    data: list[cst.BaseExpression]   # the expressions holding the data that is divided
    scope: cst.CSTNode
    order: int
    shuffles: bool | None = None     # does it shuffle? None when unknown
    outputs: list[str] = field(default_factory=list)  # names bound to its parts


@dataclass
class Binding:
    """One statement (or loop header) of a scope, with the names it binds and the names it reads."""

    order: int
    node: cst.CSTNode
    targets: tuple[str, ...]
    value: cst.BaseExpression | None
    # What else it reads besides ``value`` (the index of ``a[i] = v``, the target of ``a += v``).
    also_reads: tuple[cst.CSTNode | str, ...] = ()
    kind: str = "assign"        # 'assign', 'update' (augmented, subscript or .append), 'for', 'use'
    position: int | None = None  # index of the target in a tuple target
    count: int = 0               # number of targets in that tuple
    _reads: frozenset[str] | None = None

    @property
    def reads(self) -> frozenset[str]:
        """Every dotted name (and prefix) the binding reads; computed on first use, since only
        the data-flow rules ask for it."""
        if self._reads is None:
            found: set[str] = set(chains(self.value)) if self.value is not None else set()
            for extra in self.also_reads:
                if isinstance(extra, str):
                    found.add(extra)
                else:
                    found.update(chains(extra))
            self._reads = frozenset(found)
        return self._reads


def chains(expr: cst.CSTNode) -> Iterator[str]:
    """Every dotted name an expression reads, with its prefixes (``ds.data`` -> ``ds.data``,
    ``ds``); ``self`` alone is left out: it would link every attribute of an object.

    A keyword's name (``cv`` in ``GridSearchCV(pipe, grid, cv=5)``) and an attribute's name
    (``steps`` in ``pipe.steps``) are not reads of variables so called."""
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Name, cst.Attribute)):
            dotted = dotted_name(node)
            if dotted is not None:
                parts = dotted.split(".")
                for end in range(len(parts), 0, -1):
                    prefix = ".".join(parts[:end])
                    if prefix in ("self", "cls"):
                        continue
                    yield prefix
                continue  # its prefixes are every name it reads
            if isinstance(node, cst.Attribute):  # ``f(x).attr``: only the receiver is read
                stack.append(node.value)
                continue
        if isinstance(node, cst.Arg):
            stack.append(node.value)
            continue
        stack.extend(child_nodes(node))


def _target_names(target: cst.BaseExpression) -> list[cst.BaseExpression | None]:
    """The elements of an assignment target; None for those that bind nothing we track."""
    if isinstance(target, (cst.Tuple, cst.List)):
        out: list[cst.BaseExpression | None] = []
        for element in target.elements:
            value = element.value
            out.append(value)
        return out
    return [target]


def _flat_names(target: cst.BaseExpression | None) -> list[str]:
    """Every name a (possibly nested) target binds: ``i, (x, y)`` -> i, x, y."""
    if target is None:
        return []
    if isinstance(target, cst.StarredElement):
        target = target.value
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _flat_names(e.value)]
    name, _ = _bound_name(target)
    return [name] if name is not None else []


def _bound_name(target: cst.BaseExpression | None) -> tuple[str | None, bool]:
    """The name a target binds and whether it only updates it (``a[i] = v`` updates ``a``)."""
    if target is None:
        return None, False
    if isinstance(target, cst.StarredElement):
        target = target.value
    dotted = dotted_name(target)
    if dotted is not None:
        return dotted, False
    if isinstance(target, cst.Subscript):
        base: cst.BaseExpression = target
        while isinstance(base, cst.Subscript):
            base = base.value
        if isinstance(base, cst.Attribute) and base.attr.value in ("loc", "iloc", "at", "iat"):
            base = base.value
        return dotted_name(base), True
    return None, False


# Calls that build a map (``Counter.update`` adds its values rather than counting its keys).
_MAPS = frozenset({"dict", "Counter", "defaultdict", "OrderedDict", "vars"})
_UPDATE_METHODS = frozenset({"append", "extend", "add", "update", "insert", "appendleft"})
# Methods that score or predict rows with a fitted estimator.
_PREDICTING = frozenset({"predict", "predict_proba", "predict_log_proba", "decision_function", "score"})


class DataProvenance:
    """Roles of values and the splits of one file (see the module docstring)."""

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        self.index = ctx.index
        self._scopes: dict[cst.CSTNode, list[Binding]] | None = None
        self.by_name: dict[tuple[cst.CSTNode, str], list[Binding]] = {}
        self._splits: list[Split] | None = None
        self._configured: dict[str | None, frozenset[str] | None] = {}
        self._roles_memo: dict[tuple, frozenset[str]] = {}
        # Function summaries (see :meth:`return_roles`): while one is computed, the function, its
        # parameters bound to the caller's string constants, and a key for the memo.
        self._summary_function: cst.FunctionDef | None = None
        self._constants: dict[str, str] = {}
        self._context_key: tuple = ()
        self._summaries: dict[tuple, tuple[frozenset[str], ...]] = {}
        self._class_scopes: dict[cst.CSTNode, list[cst.CSTNode]] = {}
        self._locals: dict[cst.CSTNode, set[str]] | None = None
        self._reaching: dict[tuple, tuple[ReachingDefinitions, list[Binding]]] = {}
        self._cross_fitted: dict[cst.CSTNode, bool] = {}
        self._cfgs: dict[cst.CSTNode, object] = {}
        self._subclass_values: dict[tuple[cst.ClassDef, str], list[cst.BaseExpression]] = {}
        self._developed: set[int] | None = None
        self._test_names: dict[tuple[frozenset[str], frozenset[str]], bool] = {}
        self._shuffle_words: list[frozenset[str]] | None = None

    @classmethod
    def compute(cls, ctx: "FileContext") -> "DataProvenance":
        # Both halves are computed on first use: most files never ask for them.
        return cls(ctx)

    @property
    def scopes(self) -> dict[cst.CSTNode, list[Binding]]:
        if self._scopes is None:
            self._scopes = {}
            self._collect_bindings()
        return self._scopes

    @property
    def splits(self) -> list[Split]:
        """Every split of the file, in source order."""
        if self._splits is None:
            self._splits = []
            self._collect_splits()
        return self._splits

    # -- scopes and bindings ---------------------------------------------------------------------
    def scope_of(self, node: cst.CSTNode) -> cst.CSTNode:
        function = self.index.function_of(node)
        return function if function is not None else self.ctx.module

    def _add(self, binding: Binding, scope: cst.CSTNode) -> None:
        self._scopes.setdefault(scope, []).append(binding)  # type: ignore[union-attr]
        for name in binding.targets:
            self.by_name.setdefault((scope, name), []).append(binding)

    def _collect_bindings(self) -> None:
        index = self.index
        order = index.order
        nodes = index.of_type(cst.Assign, cst.AnnAssign, cst.AugAssign, cst.For, cst.Expr, cst.Return,
                              cst.WithItem, cst.If)
        for node in nodes:
            scope = self.scope_of(node)
            if isinstance(node, (cst.Assign, cst.AnnAssign)):
                value = node.value
                if value is None:
                    continue
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                for target in targets:
                    elements = _target_names(target)
                    for position, element in enumerate(elements):
                        name, update = _bound_name(element)
                        if name is None:
                            continue
                        extra: tuple[cst.CSTNode | str, ...] = ()
                        if update and isinstance(element, cst.Subscript) and element.slice:
                            extra = (element.slice[0],)
                        self._add(Binding(order[node], node, (name,), value, extra,
                                          "update" if update else "assign",
                                          position if len(elements) > 1 else None, len(elements)), scope)
            elif isinstance(node, cst.AugAssign):
                name, _ = _bound_name(node.target)
                if name is not None:
                    self._add(Binding(order[node], node, (name,), node.value, (name,), "update"), scope)
            elif isinstance(node, cst.For):
                elements = _target_names(node.target)
                for position, element in enumerate(elements):
                    for name in _flat_names(element):
                        self._add(Binding(order[node], node, (name,), node.iter, (), "for",
                                          position if len(elements) > 1 else None, len(elements)), scope)
            elif isinstance(node, cst.WithItem):
                if node.asname is not None:
                    name, _ = _bound_name(node.asname.name)
                    if name is not None:
                        self._add(Binding(order[node], node, (name,), node.item, (), "assign"), scope)
            elif isinstance(node, cst.If):
                self._add(Binding(order[node], node, (), node.test, (), "use"), scope)
            else:  # Expr, Return
                value = node.value
                if value is None:
                    continue
                if (isinstance(node, cst.Expr) and isinstance(value, cst.Call)
                        and isinstance(value.func, cst.Attribute)
                        and value.func.attr.value in _UPDATE_METHODS):
                    name = dotted_name(value.func.value)
                    if name is not None:
                        self._add(Binding(order[node], node, (name,), value, (), "update"), scope)
                        continue
                self._add(Binding(order[node], node, (), value, (), "use"), scope)

    def bindings(self, scope: cst.CSTNode) -> list[Binding]:
        return self.scopes.get(scope, [])

    def reaching(self, scope: cst.CSTNode, name: str, before: int) -> list[Binding]:
        """The bindings of ``name`` that hold at order ``before``: the last plain binding and the
        in-place updates after it."""
        self.scopes  # noqa: B018 - make sure the bindings exist
        found = self.by_name.get((scope, name))
        if not found:
            return []
        out: list[Binding] = []
        for binding in reversed(found):
            if binding.order >= before:
                continue
            out.append(binding)
            if binding.kind != "update":
                break
        return out

    def _graph(self, scope: cst.CSTNode) -> tuple[ReachingDefinitions, list[Binding]]:
        constants = self._constants if scope is self._summary_function else {}
        key = (scope, tuple(sorted(constants.items())))
        found = self._reaching.get(key)
        if found is None:
            numbered = sorted(self.bindings(scope), key=lambda b: b.order)
            gen = gen_of((binding_element(b.node), name, number, b.kind == "update")
                         for number, b in enumerate(numbered) for name in b.targets)
            cut = _contradicts(dict(constants)) if constants else None
            found = (ReachingDefinitions(scope, gen, _runs_at_least_once, cut), numbered)
            self._reaching[key] = found
        return found

    def flowing(self, scope: cst.CSTNode, node: cst.CSTNode, name: str) -> list[Binding] | None:
        """The bindings of ``name`` that may hold where ``node`` is evaluated, over the scope's
        control-flow graph (branches merged, loops followed: :mod:`dllint.analysis.reaching`),
        latest first; None when the node is not placed in the graph (unreachable code, a class
        body, a scope too large or truncated)."""
        graph, numbered = self._graph(scope)
        if not graph.solved:
            return None
        current: cst.CSTNode | None = node
        while current is not None and current is not scope:
            if graph.has(current):
                state = graph.before(current)
                numbers = state.get(name) if state is not None else None
                if not numbers:
                    return []
                return sorted((numbered[n] for n in numbers), key=lambda b: b.order, reverse=True)
            if isinstance(current, (cst.FunctionDef, cst.ClassDef)):
                return None
            current = self.index.parent(current)
        return None

    def lookup(self, node: cst.CSTNode, name: str) -> list[Binding]:
        """Bindings of ``name`` visible at ``node``: its function's, else its class's (for
        ``self.x``), else the module's."""
        # Before the statement, not the node: in ``x = x.to(device)`` the ``x`` read is the old one.
        scope = self.scope_of(node)
        found = self.flowing(scope, node, name)
        if found is None:  # not placed in the scope's graph: source order
            found = self.reaching(scope, name, self.index.order[self.index.statement_of(node)])
        if found or scope is self.ctx.module:
            return found
        if self._local(scope, name.split(".")[0]):
            # A parameter or local of the function is not the module's variable of that name
            # (a module-level ``for batch in test_loader`` says nothing of a ``batch`` argument).
            return []
        if name.startswith("self."):
            klass = self.index.enclosing(scope, cst.ClassDef)
            if klass is not None:
                out: list[Binding] = []
                for method in self._methods(klass):
                    out.extend(self.by_name.get((method, name), []))
                return out
        return list(self.by_name.get((self.ctx.module, name), []))

    def _local(self, scope: cst.CSTNode, name: str) -> bool:
        """``name`` is a parameter of the function ``scope`` or bound somewhere in its body."""
        if name in ("self", "cls"):
            return False  # ``self.x`` falls back to the class, handled by the caller
        if self._locals is None:
            self._locals = {}
            for scope_, bound in self.by_name:
                if "." not in bound:
                    self._locals.setdefault(scope_, set()).add(bound)
            for function in self.index.of_type(cst.FunctionDef):
                params = function.params
                found = self._locals.setdefault(function, set())
                for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                    found.add(param.name.value)
                for star in (params.star_arg, params.star_kwarg):
                    if isinstance(star, cst.Param):
                        found.add(star.name.value)
            for declaration in self.index.of_type(cst.Global, cst.Nonlocal):
                function = self.index.function_of(declaration)
                if function is not None:
                    self._locals.get(function, set()).difference_update(
                        n.name.value for n in declaration.names)
        return name in self._locals.get(scope, ())

    def bindings_of(self, node: cst.CSTNode) -> list[Binding]:
        """The bindings a statement (or loop header) makes, in target order."""
        scope = self.scope_of(node)
        return [b for b in self.bindings(scope) if b.node is node]

    def _methods(self, klass: cst.CSTNode) -> list[cst.CSTNode]:
        found = self._class_scopes.get(klass)
        if found is None:
            found = [s for s in self.scopes if isinstance(s, cst.FunctionDef)
                     and self.index.enclosing(s, cst.ClassDef) is klass]
            self._class_scopes[klass] = found
        return found

    def forward(self, scope: cst.CSTNode, names: Iterable[str], after: int,
                until: int | None = None) -> set[str]:
        """The names derived from ``names`` by the bindings of ``scope`` after order ``after``
        (one pass in source order)."""
        tainted = set(names)
        for binding in self.bindings(scope):
            if binding.order <= after or not binding.targets:
                continue
            if until is not None and binding.order >= until:
                break
            if binding.reads & tainted:
                tainted.update(binding.targets)
        return tainted

    # -- roles -----------------------------------------------------------------------------------
    def roles(self, expr: cst.CSTNode, *, extra_test: Iterable[str] = (),
              extra_val: Iterable[str] = ()) -> frozenset[str]:
        """The roles (train / val / test) of the data an expression holds; empty when unknown."""
        key_t = frozenset(extra_test)
        key_v = frozenset(extra_val)
        return self._roles(expr, key_t, key_v, set())

    def _roles(self, expr: cst.CSTNode, et: frozenset[str], ev: frozenset[str],
               active: set[int]) -> frozenset[str]:
        key = (id(expr), et, ev, self._context_key)
        memo = self._roles_memo.get(key)
        if memo is not None:
            return memo
        if id(expr) in active:
            return NO_ROLES
        active.add(id(expr))
        _NESTING[0] += 1
        try:
            result = self._compute_roles(expr, et, ev, active)
        finally:
            _NESTING[0] -= 1
            active.discard(id(expr))
        self._roles_memo[key] = result
        return result

    def name_roles(self, dotted: str, et: frozenset[str] = NO_ROLES,
                   ev: frozenset[str] = NO_ROLES) -> frozenset[str]:
        """The role a dotted name announces by convention (its last part that has one). A
        hold-out (``holdout_predictions``) in a file that also names its test data ``test``
        (``test_predictions``, ``x_test``) is the held-out part of the labelled data, a
        validation set: train / holdout / test, as competitions name them."""
        for part in reversed(dotted.split(".")):
            role = name_role(part, et, ev)
            if role is not None:
                # a name the project declares as test data (``test-names``) stays test data
                if role == TEST and _holdout_word(part) and part.lower() not in {n.lower() for n in et} \
                        and self._names_test_data(et, ev):
                    return frozenset({VAL})
                return frozenset({role})
        return NO_ROLES

    def configured_roles(self, expr: cst.Attribute) -> frozenset[str] | None:
        """The one part that every value the project gives the configuration entry ``expr``
        names (``cfg.DATASET.TEST_SET`` set to ``'valid'`` and ``'val2017'``: validation), by
        :func:`~dllint.analysis.config_entries.entry_texts`; None when a value is unknown, names
        no part or not the same one as the others."""
        dotted = dotted_name(expr)
        if dotted in self._configured:
            return self._configured[dotted]
        from dllint.analysis.config_entries import entry_texts

        texts = entry_texts(self.ctx, expr)
        found: frozenset[str] | None = None
        if texts and all(t is not None for t in texts):
            roles: set[str] = set()
            for text in texts:
                said = _string_roles(text) or frozenset(r for r in (name_role(text),) if r is not None)  # type: ignore[arg-type]
                if len(said) != 1:
                    roles = set()
                    break
                roles |= said
            found = frozenset(roles) if len(roles) == 1 else None
        self._configured[dotted] = found  # type: ignore[index]
        return found

    def passed_roles(self, expr: cst.Name, et: frozenset[str] = NO_ROLES,
                     ev: frozenset[str] = NO_ROLES) -> frozenset[str] | None:
        """For a parameter read where no binding of the function reaches (it holds what the caller
        passed): the one set of roles, none of them test, that every call of the function in the
        project passes for it (``ProjectCallers.sites``, all known, each argument judged in its
        caller's module); None when a call passes nothing known, test data, a ``*`` argument or
        leaves the parameter to its default, or the calls disagree. Asked only where the name says
        test: a parameter named for validation that callers hand test data is reported at those
        calls (the callee's summary), as before."""
        from dllint.analysis.callers import ProjectCallers, owner_class
        from dllint.analysis.parameter_uses import parameter_for

        function = self.scope_of(expr)
        name = expr.value
        if not isinstance(function, cst.FunctionDef) or name not in _parameters(function):
            return None
        key = (id(function), name)
        if key in _ASKING:
            return None
        _ASKING.add(key)
        try:
            sites = self.ctx.analysis(ProjectCallers).sites(function)
            if not sites:
                return None
            klass = owner_class(self.ctx, function)
            is_method = isinstance(klass, cst.ClassDef)
            found: set[frozenset[str]] = set()
            for site in sites:
                given = None
                for arg in site.call.args:
                    if arg.star:
                        return None
                    if parameter_for(function, site.call, arg, is_method) == name:
                        given = arg.value
                if given is None:
                    return None
                roles = site.ctx.analysis(DataProvenance).roles(given, extra_test=et, extra_val=ev)
                if not roles or TEST in roles or any(r.startswith(PARAMETER) for r in roles):
                    return None
                found.add(roles)
            return next(iter(found)) if len(found) == 1 else None
        finally:
            _ASKING.discard(key)

    def held_out_of_trained_argument(self, binding: Binding) -> bool:
        """``binding`` takes a part of a parameter of its function (still the caller's value
        there) by complementary indexing (``x[idx[:n]]`` beside ``x[idx[n:]]``, or ``x[:n]``
        beside ``x[n:]``), and a value made from the other part reaches a training call of the
        function (:func:`~dllint.analysis.parameter_uses.trains_on`). The function was given the
        rows to train on: what it keeps back from them is its own validation split, not a test
        set (a test set is not handed to a training routine mixed with its training rows)."""
        from dllint.analysis.parameter_uses import trains_on

        function = self.scope_of(binding.node)
        value = binding.value
        if not isinstance(function, cst.FunctionDef) or binding.kind != "assign" or value is None:
            return False
        if binding.position is not None:
            if not isinstance(value, (cst.Tuple, cst.List)) or len(value.elements) != binding.count:
                return False
            value = value.elements[binding.position].value
        cut = _row_cut(value)
        if cut is None or not isinstance(value, cst.Subscript) or not isinstance(value.value, cst.Name):
            return False
        base = value.value.value
        if not self._rows_of_parameter(base, binding.node, function, 0):
            return False
        held = {id(b) for b in self.lookup(binding.node, base)}
        for other in self.bindings(function):
            if other is binding or other.kind != "assign" or other.value is None:
                continue
            part = other.value
            if other.position is not None:
                if not isinstance(part, (cst.Tuple, cst.List)) or len(part.elements) != other.count:
                    continue
                part = part.elements[other.position].value
            twin = _row_cut(part)
            if twin is None or twin[:2] != cut[:2] or twin[2] == cut[2] \
                    or not (isinstance(part, cst.Subscript) and isinstance(part.value, cst.Name)
                            and part.value.value == base) \
                    or {id(b) for b in self.lookup(other.node, base)} != held:
                continue  # not the other part of the same value
            if trains_on(self, function, other):
                return True
        return False

    def _rows_of_parameter(self, name: str, at: cst.CSTNode, function: cst.FunctionDef, depth: int) -> bool:
        """At ``at``, ``name`` holds rows of a parameter of ``function`` as the caller passed it:
        the parameter itself (no binding reaches), or, on every binding that reaches, rows taken
        from such a value by indexing (``inputs, labels = inputs[perm], labels[perm]``)."""
        found = self.lookup(at, name)
        if not found:
            return name in _parameters(function)
        if depth >= 4:
            return False
        for binding in found:
            value = binding.value
            if binding.kind != "assign" or value is None or self.scope_of(binding.node) is not function:
                return False
            if binding.position is not None:
                if not isinstance(value, (cst.Tuple, cst.List)) or len(value.elements) != binding.count:
                    return False
                value = value.elements[binding.position].value
            if not (isinstance(value, cst.Subscript) and isinstance(value.value, cst.Name)
                    and self._rows_of_parameter(value.value.value, binding.node, function, depth + 1)):
                return False
        return True

    def _names_test_data(self, et: frozenset[str], ev: frozenset[str]) -> bool:
        """Some name bound in the file is test data by a ``test`` word, not a hold-out word; a
        result (``test_acc = model.score(X_holdout, y_holdout)``) names the hold-out's score."""
        found = self._test_names.get((et, ev))
        if found is None:
            self.scopes  # noqa: B018 - make sure the bindings exist
            found = any(name_role(last, et, ev) == TEST and not _holdout_word(last)
                        and not set(name_tokens(last)) & _RESULT_WORDS
                        for last in {bound.rsplit(".", 1)[-1] for (_, bound) in self.by_name})
            self._test_names[(et, ev)] = found
        return found

    def _compute_roles(self, expr: cst.CSTNode, et: frozenset[str], ev: frozenset[str],
                       active: set[int]) -> frozenset[str]:
        if isinstance(expr, cst.Attribute) and expr.attr.value in _COUNTS:
            return NO_ROLES
        if isinstance(expr, (cst.Name, cst.Attribute)):
            dotted = dotted_name(expr)
            if dotted is None:
                return self._roles(expr.value, et, ev, active) if isinstance(expr, cst.Attribute) else NO_ROLES
            # What a value was made from says more than what it is called (``val_loss`` computed
            # on the test loader is test data); the name decides when the value says nothing.
            name = dotted
            while True:
                found = self.lookup(expr, name) if expr in self.index.order else []
                if found:
                    out: set[str] = set()
                    alternatives: set[frozenset[str]] = set()
                    for binding in found:
                        roles = self._binding_roles(binding, et, ev, active)
                        if roles and self.developed_on(binding):
                            # ``x = np.load("holdout_predictions.npy")`` cross-validated on (a
                            # stacker's training data): its use says it is development data;
                            # what it is called, or the file it is read from, says less.
                            roles = _developed(roles)
                        if binding.kind == "update":
                            out |= roles  # accumulated: the value holds them all
                        elif roles:
                            alternatives.add(roles)
                    if len(alternatives) == 1:
                        out |= next(iter(alternatives))
                    # Paths that bind the name to different parts (``if args.test: loader =
                    # test_loader else: loader = val_loader``) join to "one of them, unknown
                    # which": no role, as for any other value of unknown part.
                    if out:
                        return frozenset(out)
                    if len(alternatives) > 1:
                        return NO_ROLES
                    if self._whole_table(expr, name, 0):
                        # ``median_test_score = d["test_score"].mean()`` of a file that is no
                        # split: what it was made from says it is no part; its name says nothing.
                        return NO_ROLES
                    if any(self.developed_on(b) for b in found):
                        named = self.name_roles(dotted, et, ev)
                        return _developed(named)
                    if isinstance(expr, cst.Name) and _holdout_word(expr.value) \
                            and all(self.held_out_of_trained_argument(b) for b in found):
                        # ``inputs, holdout_inputs = inputs[perm[n:]], inputs[perm[:n]]`` in a
                        # function that trains on the first part: the rows it was given to train
                        # on, a part kept back to validate (fifteenth audit, EB).
                        return frozenset({VAL})
                    if self._summary_function is not None and isinstance(expr, cst.Name) \
                            and self.scope_of(expr) is self._summary_function \
                            and all(self._made_of_numbers(b, 0) for b in found):
                        # A helper's local made of numbers alone (``test_acc = correct / count``
                        # of a loop that counts nothing) holds no data: its name tells what the
                        # helper is for, not which split it read; the caller's argument decides.
                        return NO_ROLES
                    break
                if "." not in name:
                    break
                name = name.rsplit(".", 1)[0]
            if self._summary_function is not None and isinstance(expr, cst.Name) \
                    and expr.value in _parameters(self._summary_function) \
                    and self.scope_of(expr) is self._summary_function:
                # In a summary, a parameter's role is the caller's argument's: a placeholder.
                return frozenset({PARAMETER + expr.value})
            if isinstance(expr, cst.Attribute) and self.is_switch(expr):
                # ``args.test`` of ``add_argument("--test", action="store_true")``: a boolean
                # switch holds no data; its name says nothing of what it selects.
                return NO_ROLES
            named = self.name_roles(dotted, et, ev)
            if TEST in named and isinstance(expr, cst.Name):
                passed = self.passed_roles(expr, et, ev)
                if passed is not None:
                    # ``def _save_best(self, epoch, holdout_losses)`` whose every call passes the
                    # losses on a validation split: what the callers pass says more than the
                    # parameter's name (fifteenth audit, EB).
                    return passed
            if named and isinstance(expr, cst.Attribute):
                configured = self.configured_roles(expr)
                if configured is not None:
                    # ``cfg.DATASET.TEST_SET`` of a project configuration that sets it to
                    # ``'valid'``: what the entry holds says more than what its key is called
                    # (fifteenth audit, ED).
                    return configured
            return named
        if isinstance(expr, cst.Call):
            return self._call_roles(expr, et, ev, active)
        if isinstance(expr, cst.Subscript):
            period = self._period_column(expr)
            if period is not None:
                return period
            if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index) \
                    and isinstance(expr.value, cst.Name) and isinstance(expr.slice[0].slice.value, cst.Integer):
                # ``parts[1]`` of a list literal bound once: that element's roles only
                element = self._literal_element(expr.value, int(expr.slice[0].slice.value.value, 0), None)
                if element is not None:
                    return self._roles(element, et, ev, active)
            index_roles: set[str] = set()
            for element in expr.slice:
                if isinstance(element.slice, cst.Index):
                    key = self._string(element.slice.value)
                    if key is not None and self._whole_table_value(expr.value, expr, 0):
                        continue  # ``df["test_score"]`` of a table read from a file: a column
                    if key is not None:  # results["test_acc"], loaders["val"], loaders[split]
                        role = name_role(key, et, ev)
                        if role == TEST and self._splits_training_data(expr.value, et, ev, active):
                            role = VAL  # ``train_ds.train_test_split()["test"]`` is validation data
                        if role is not None:
                            index_roles.add(role)
                        continue
                    index_roles |= self._roles(element.slice.value, et, ev, active)
            if index_roles:
                return frozenset(index_roles)
            base = self._roles(expr.value, et, ev, active)
            if len(base) > 1 and _bounded_rows(expr):
                # ``y.iloc[:len(X_train)]`` of ``concat([y_train, y_test])``: one of the parts,
                # unknown which
                return NO_ROLES
            return base
        if isinstance(expr, (cst.Lambda, cst.SimpleString, cst.FormattedString, cst.Integer, cst.Float)):
            return NO_ROLES
        if isinstance(expr, cst.IfExp):
            # ``test_loader if args.test else train_loader`` holds one of its two values; the
            # condition only chooses between them and flows into neither.
            return self._roles(expr.body, et, ev, active) | self._roles(expr.orelse, et, ev, active)
        if isinstance(expr, cst.DictComp) and _is_index_map(expr):
            # A vocabulary ``{w: i for i, w in enumerate(words)}`` maps tokens to ids: looking a
            # token up in it gives an id, not data of the split the words came from.
            return NO_ROLES
        if isinstance(expr, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            # What is collected, over what it iterates: ``[model(x) for x, _ in test_loader]``.
            out = set()
            comp: cst.CompFor | None = expr.for_in
            while comp is not None:
                out |= self._roles(comp.iter, et, ev, active)
                comp = comp.inner_for_in
            return frozenset(out)
        out = set()
        for child in _expression_children(expr):
            out |= self._roles(child, et, ev, active)
        return frozenset(out)

    def _whole_table(self, at: cst.CSTNode, name: str, depth: int) -> bool:
        """Every binding of ``name`` that reaches ``at`` (in-place updates aside) holds a table read
        from a file that names no part, or a column, statistic or filled copy of one."""
        found = self.lookup(at, name) if at in self.index.order else []
        plain = [b for b in found if b.kind != "update"]
        return bool(plain) and all(b.kind == "assign" and b.position is None and b.value is not None
                                   and self._whole_table_value(b.value, b.node, depth + 1) for b in plain)

    def _whole_table_value(self, expr: cst.BaseExpression, at: cst.CSTNode, depth: int) -> bool:
        if depth > 6:
            return False
        if isinstance(expr, (cst.Name, cst.Attribute)):
            dotted = dotted_name(expr)
            return dotted is not None and self._whole_table(at if at in self.index.order else expr,
                                                            dotted, depth)
        if isinstance(expr, cst.Subscript):
            # columns only: ``df["a"]``, ``df[["a", "b"]]``; a mask or a slice selects rows
            columns = all(isinstance(e.slice, cst.Index) and (
                string(e.slice.value) is not None or (isinstance(e.slice.value, cst.List) and all(
                    string(i.value) is not None for i in e.slice.value.elements))) for e in expr.slice)
            return columns and self._whole_table_value(expr.value, at, depth + 1)
        if not isinstance(expr, cst.Call):
            return False
        last = _last_name(expr.func)
        if last in _TABLE_READERS:
            path = string(expr.args[0].value) if expr.args else None
            # no role word in the path at all: ``df_test = read_csv("sales_test.csv")`` keeps the
            # role its name gives it even where the path alone does not decide
            return path is not None and not _string_roles(path)
        if last not in _ROW_KEEPING:
            return False
        if isinstance(expr.func, cst.Attribute) and not (
                isinstance(expr.func.value, cst.Name) and expr.func.value.value in self.ctx.imports.aliases):
            return self._whole_table_value(expr.func.value, at, depth + 1)
        data = [a.value for a in expr.args if a.keyword is None]
        return len(data) == 1 and self._whole_table_value(data[0], at, depth + 1)

    def _literal_element(self, name: cst.Name, position: int, count: int | None) -> cst.BaseExpression | None:
        """The element at ``position`` of the list or tuple literal that ``name`` holds where it is
        read: its one reaching binding is a plain assignment of a literal without starred elements
        (of ``count`` elements when told). An append, an item assignment or any other binding
        reaching the read (each an ``update`` binding here) leaves it untold (None)."""
        if name not in self.index.order:
            return None
        found = self.lookup(name, name.value)
        if len(found) != 1:
            return None
        binding = found[0]
        value = binding.value
        if binding.kind != "assign" or binding.position is not None \
                or not isinstance(value, (cst.Tuple, cst.List)) \
                or any(isinstance(e, cst.StarredElement) for e in value.elements) \
                or (count is not None and len(value.elements) != count) \
                or not 0 <= position < len(value.elements):
            return None
        return value.elements[position].value

    def _made_of_numbers(self, binding: Binding, depth: int) -> bool:
        """Is the bound value made of number literals and arithmetic on them only, through at most
        four names (``true_preds, count = 0., 0`` then ``acc = true_preds / count``)?"""
        value = binding.value
        if value is None or binding.kind == "update" or depth > 4:
            return False
        if binding.position is not None:
            if not isinstance(value, (cst.Tuple, cst.List)) or len(value.elements) != binding.count:
                return False
            value = value.elements[binding.position].value
        return self._numbers_only(value, depth)

    def _numbers_only(self, expr: cst.BaseExpression, depth: int) -> bool:
        if isinstance(expr, (cst.Integer, cst.Float)):
            return True
        if isinstance(expr, cst.UnaryOperation):
            return self._numbers_only(expr.expression, depth)
        if isinstance(expr, cst.BinaryOperation):
            return self._numbers_only(expr.left, depth) and self._numbers_only(expr.right, depth)
        if isinstance(expr, cst.Name) and expr in self.index.order:
            found = self.lookup(expr, expr.value)
            return bool(found) and all(self._made_of_numbers(b, depth + 1) for b in found)
        return False

    def _binding_roles(self, binding: Binding, et: frozenset[str], ev: frozenset[str],
                       active: set[int]) -> frozenset[str]:
        value = binding.value
        if value is None:
            return NO_ROLES
        if binding.position is not None and isinstance(value, (cst.Tuple, cst.List)) \
                and len(value.elements) == binding.count:
            return self._roles(value.elements[binding.position].value, et, ev, active)
        if binding.position is not None and isinstance(value, cst.Name):
            # ``x_train, x_test, y_train, y_test = parts`` of ``parts = [x_train, x_test, ...]``:
            # each name gets its own element back, not the whole list's roles (eleventh audit CP)
            element = self._literal_element(value, binding.position, binding.count)
            if element is not None:
                return self._roles(element, et, ev, active)
        if binding.position is not None and isinstance(value, cst.Call) \
                and _last_name(value.func) not in _KNOWN_SPLITTERS:
            # ``train_loader, test_loader = get_loaders(...)``: the callee's tuple, part by part.
            summary = self.call_summary(value)
            if summary is not None and len(summary) == binding.count + 1:
                if summary[binding.position + 1]:
                    return summary[binding.position + 1]
                if self._parts_known(value, binding.count):
                    # The callee's own part holds no role of its own (``train`` of ``return train,
                    # test`` after ``train[u, test_index] = 0``): the whole value's roles include
                    # the other parts', not this one's. What the call is given decides
                    # (``mse, mae = eval_epoch(model, test_loader)``), else the target's name.
                    given = self._argument_roles(value, et, ev, active)
                    if given is not None:
                        return given
                    return self.name_roles(binding.targets[0], et, ev) if binding.targets else NO_ROLES
        if binding.position is not None:
            split_role = self._split_output_role(value, binding.position, binding.count)
            if split_role == TEST and self._splits_training_data(value, et, ev, active):
                # The held-out part of the training data validates, whatever it is called
                # (``train, test = train_test_split(train_df)``): flow beats names.
                return frozenset({VAL})
            if split_role == TEST and isinstance(value, cst.Call) and self.cross_fitted(value):
                # ``X1, X2, y1, y2 = train_test_split(...)``, fit on X1 score X2, fit on X2 score
                # X1: two-fold cross-validation by hand; each part is a fold, no score comes
                # from a model that saw the scored rows.
                return frozenset({VAL})
            if split_role == VAL and binding.kind == "for" and isinstance(value, cst.Call) \
                    and _last_name(value.func) == "split":
                # ``for train_idx, test_idx in kf.split(X)``: a cross-validation fold is held out
                # of the data being developed on; it validates, whatever it is called.
                return frozenset({VAL})
            if split_role is not None:
                # The position is a guess (``a, b = random_split(...)``): a name says more.
                named = self.name_roles(binding.targets[0], et, ev) if binding.targets else NO_ROLES
                return named or frozenset({split_role})

        if binding.kind == "for" and isinstance(binding.node, cst.For) and binding.targets:
            fold_part = self._fold_part(binding.node, binding.targets[0])
            if fold_part is not None:
                # ``for i, (train, test) in enumerate(folds)`` over ``folds = list(kf.split(X))``:
                # the held-out indices of a cross-validation fold validate (out-of-fold
                # predictions for stacking are written there), whatever they are called.
                return frozenset({TRAIN if fold_part == 0 else VAL})
        if binding.kind == "for" and binding.position == 0 and self.enumerated(value, binding.node) is not None:
            # The batch index counts; it holds no data. Also through a name (``data_gen =
            # enumerate(test_loader)``, ``for i, batch in data_gen``: fourteenth audit DW).
            return NO_ROLES
        if binding.kind == "for" and isinstance(value, (cst.List, cst.Tuple)):
            # ``for loader in (train_loader, test_loader)``: each pass holds one of them.
            found = self._roles(value, et, ev, active)
            return found if len(found) == 1 else NO_ROLES
        if isinstance(binding.node, cst.Expr) and isinstance(value, cst.Call):  # x.append(v)
            out: set[str] = set()
            for arg in value.args:
                out |= self._roles(arg.value, et, ev, active)
            return frozenset(out)
        return self._roles(value, et, ev, active)

    def _split_output_role(self, value: cst.BaseExpression, position: int, count: int) -> str | None:
        if isinstance(value, cst.Call):
            last = _last_name(value.func)
            if last == "train_test_split":
                return TRAIN if position % 2 == 0 else TEST
            if last == "random_split":
                if count == 3:
                    return (TRAIN, VAL, TEST)[position]
                if count == 2:
                    return TRAIN if position == 0 else VAL
            receiver = value.func.value if isinstance(value.func, cst.Attribute) else value.func
            if last == "split" and self.is_cv_splitter(receiver, value):
                return TRAIN if position == 0 else VAL
        return None

    def _splits_training_data(self, expr: cst.BaseExpression, et: frozenset[str], ev: frozenset[str],
                              active: set[int]) -> bool:
        """``expr`` is (or names) the result of ``train_test_split`` over training data only:
        whatever its second part is called (Hugging Face keys it ``"test"``), that part is carved
        out of the training data, so it is validation data; the test set is elsewhere."""
        calls: list[cst.BaseExpression] = [expr]
        dotted = dotted_name(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
        if dotted is not None and expr in self.index.order:
            calls = [b.value for b in self.lookup(expr, dotted) if b.kind == "assign" and b.value is not None]
        for call in calls:
            if not (isinstance(call, cst.Call) and _last_name(call.func) == "train_test_split"):
                continue
            data = [a.value for a in call.args if a.keyword is None and not a.star]
            if not data and isinstance(call.func, cst.Attribute):
                data = [call.func.value]  # ``ds.train_test_split(test_size=0.1)``
            roles: set[str] = set()
            for item in data:
                roles |= self._roles(item, et, ev, active)
            if roles == {TRAIN}:
                return True
        return False

    def _call_roles(self, call: cst.Call, et: frozenset[str], ev: frozenset[str],
                    active: set[int]) -> frozenset[str]:
        last = _last_name(call.func)
        if last in _COUNTS:
            return NO_ROLES  # how many instances there are is not data
        # A dataset says which part it is: ``MNIST(..., train=False)``, ``load_dataset(..., split="test")``.
        train_kw = keyword(call, "train")
        # ``MNIST(root, train=False)``, ``get_dataset(train=False)``; not a flag of a helper
        # (``dataloader(data, batch_size, train=False)`` only stops shuffling)
        if train_kw is not None and isinstance(train_kw.value, cst.Name) \
                and train_kw.value.value in ("True", "False") and last is not None \
                and (last[:1].isupper() or "dataset" in last.lower()):
            return frozenset({TRAIN if train_kw.value.value == "True" else TEST})
        split_kw = keyword(call, "split")
        if split_kw is not None:
            text = self._string(split_kw.value)
            if text is not None:
                return _string_roles(text)
        if last in _READERS:
            for arg in call.args:
                text = self._string(arg.value)
                if text is not None:
                    found = _path_roles(text, self.ctx.source)
                    if found:
                        return found
        if _two_period(call):
            return frozenset({TRAIN, TEST})
        out: set[str] = set()
        if isinstance(call.func, cst.Attribute):
            receiver = call.func.value
            predicts = last in _PREDICTING and positional(call, 0) is not None
            # ``model.score(X_test, y_test)``: the result is about the rows given, not about the
            # data the estimator was fitted on.
            if not predicts and not (isinstance(receiver, cst.Name) and receiver.value in self.ctx.imports.aliases):
                out |= self._roles(receiver, et, ev, active)
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in _CONFIG_KEYWORDS:
                continue
            out |= self._roles(arg.value, et, ev, active)
        if last not in CONCATENATIONS:
            # What the callee returns says more than what it is given (``get_loader("test")``,
            # ``evaluate(model, train_loader, test_loader)`` returning the test accuracy,
            # ``get_test_dataloader(TRAIN_MEAN, TRAIN_STD)`` returning the test set).
            summary = self.call_summary(call)
            if summary is not None and summary[0]:
                return summary[0]
        if len(out) > 1 and last not in CONCATENATIONS:
            # ``build_vocab(train, test)``, ``splits((train, dev, test))``: one value made from
            # several parts is not known to hold them all.
            return NO_ROLES
        return frozenset(out)

    def is_switch(self, expr: cst.Attribute) -> bool:
        """``args.test`` is a boolean command-line switch (``store_true``, ``store_false``,
        ``BooleanOptionalAction``) declared in this file, or in the project module whose function
        returned ``args`` (``args = parse_args()`` imported from ``env.py``)."""
        name = expr.attr.value
        if self.ctx.analysis(DeclaredOptions).is_switch(name):
            return True
        base = dotted_name(expr.value)
        if base is None or expr not in self.index.order:
            return False
        for binding in self.lookup(expr, base):
            if isinstance(binding.value, cst.Call) and binding.position is None:
                resolved = self.resolve(binding.value)
                if resolved is not None and resolved[0] is not self \
                        and resolved[0].ctx.analysis(DeclaredOptions).is_switch(name):
                    return True
        return False

    # -- development data --------------------------------------------------------------------------
    def developed_on(self, binding: Binding) -> bool:
        """The value of ``binding`` (or one it is made from) is split into parts that are fitted
        on: the data of a cross-validation splitter's ``split``, of ``cross_val_score`` and its
        kin, of ``train_test_split`` or ``random_split``, followed backwards through the bindings
        it is made from, in one scope. Data that is cross-validated on or cut into training and
        validation parts is development data, whatever it is called: a test set is scored, not
        split. The walk stops at a row concatenation (its parts keep their roles: test data
        concatenated into the training data stays test data) and at predictions (the rows a
        model is asked about are not the data its predictions train)."""
        if self._developed is None:
            self._developed = self._collect_developed()
        return id(binding) in self._developed

    def _collect_developed(self) -> set[int]:
        found: set[int] = set()
        todo: list[tuple[cst.CSTNode, str]] = []
        for split in self.splits:
            if split.kind not in ("cv", "cv_function", "train_test_split", "random_split"):
                continue
            for expr in split.data:
                todo.extend((expr, name) for name in chains(expr) if "." not in name)
        for call in self.index.of_type(cst.Call):
            if self._cross_validated_fit(call):
                for arg in [a for a in call.args if a.keyword is None][:2]:
                    todo.extend((arg.value, name) for name in chains(arg.value) if "." not in name)
        while todo and len(found) < 256:
            at, name = todo.pop()
            if at not in self.index.order:
                continue
            for binding in self.lookup(at, name):
                if id(binding) in found or not _keeps_rows(binding.value):
                    continue
                found.add(id(binding))
                reads = binding.reads
                if binding.position is not None and isinstance(binding.value, (cst.Tuple, cst.List)) \
                        and len(binding.value.elements) == binding.count:
                    # ``x, y = holdout, labels``: ``y`` is made from ``labels`` alone
                    reads = frozenset(chains(binding.value.elements[binding.position].value))
                todo.extend((binding.node, read) for read in reads if "." not in read)
        return found

    def _cross_validated_fit(self, call: cst.Call) -> bool:
        """``search.fit(X, y)`` of an estimator built with a ``cv=`` splitter or fold count
        (``BayesSearchCV(..., cv=GroupShuffleSplit(...))``, ``StackingCVClassifier(cv=4)``), or
        ``fit(X, y, groups=ids)``, whose groups only matter to the folds: the data is cut into
        folds that are fitted on. A searcher left at its default folds is not taken as one (a
        grid search fitted on the test set is the classic selection on it)."""
        if not (isinstance(call.func, cst.Attribute) and call.func.attr.value == "fit" and call.args):
            return False
        if keyword(call, "groups") is not None:
            return True
        built = self.constructors(call.func.value, call)
        for constructor in built or ():
            folds = keyword(constructor, "cv")
            if folds is None:
                continue
            text = string(folds.value)
            if text == "prefit" or (isinstance(folds.value, cst.Name) and folds.value.value == "None"):
                continue
            return True
        return False

    # -- function summaries ------------------------------------------------------------------------
    def _string(self, expr: cst.BaseExpression) -> str | None:
        """A string literal, or (in a summary) a parameter bound to the caller's string constant
        and not rebound on the way."""
        text = string(expr)
        if text is not None or not self._constants or not isinstance(expr, cst.Name):
            return text
        value = self._constants.get(expr.value)
        if value is None or self.scope_of(expr) is not self._summary_function:
            return None
        return value if not self.lookup(expr, expr.value) else None

    def resolve(self, call: cst.Call) -> tuple["DataProvenance", cst.FunctionDef, bool] | None:
        """(provenance of its module, the function, is it a method) for a call of a function of
        this file (``f(...)``, ``self.m(...)``) or of another module of the project
        (``from data import get_loader``; ``data.get_loader``)."""
        func = call.func
        if isinstance(func, cst.Name):
            found = self._top_functions().get(func.value)
            if found is not None:
                return self, found, False
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) \
                and func.value.value == "self":
            klass = self.index.enclosing(call, cst.ClassDef)
            if klass is not None:
                for statement in klass.body.body:
                    if isinstance(statement, cst.FunctionDef) and statement.name.value == func.attr.value:
                        return self, statement, True
            return None
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            found_method = self._instance_method(call, func.value.value, func.attr.value)
            if found_method is not None:
                return self, found_method, True
        dotted = dotted_name(func)
        if dotted is None:
            return None
        from dllint.analysis.project import find_definition, project_imports
        imports = project_imports(self.ctx)
        target = imports.target(dotted) if imports is not None else None
        if target is None or not target.attribute or "." in target.attribute:
            return None
        found_def = find_definition(self.ctx, target)
        if found_def is None:
            return None
        other, function, _ = found_def
        return other.analysis(DataProvenance), function, False

    def builds_windows(self, call: cst.Call) -> bool:
        """The call constructs a class or calls a function, of this file or of another module of
        the project, that cuts a sequence into overlapping windows (:mod:`dllint.analysis.windows`:
        a sliding-window ``Dataset``, a ``make_windows(series, k)`` helper)."""
        from dllint.analysis.windows import WindowFacts

        func = call.func
        if isinstance(func, cst.Name):
            klass = self._top_classes().get(func.value)
            if klass is not None:
                return self.ctx.analysis(WindowFacts).slides(klass)
        resolved = self.resolve(call)
        if resolved is not None:
            provenance, function, _ = resolved
            return provenance.ctx.analysis(WindowFacts).slides(function)
        dotted = dotted_name(func)
        if dotted is None:
            return False
        from dllint.analysis.project import PROJECT, ImportRecords, find_class, find_definition, project_imports
        imports = project_imports(self.ctx)
        if imports is None:
            return False
        target = imports.target(dotted)
        if target is None and isinstance(func, cst.Name):
            target = imports.star_target(func.value, ImportRecords.of_index(self.index))
            found_def = find_definition(self.ctx, target) if target is not None else None
            if found_def is not None:
                return found_def[0].analysis(WindowFacts).slides(found_def[1])
        if target is None or not target.attribute or "." in target.attribute:
            return False
        found = find_class(self.ctx, target)
        if found is None:
            return False
        other = PROJECT.context(target.path)
        return other is not None and other.analysis(WindowFacts).slides(found)

    def learns_from_argument(self, call: cst.Call, arg: cst.Arg) -> bool:
        """A call of a hand-written function or method (of this file or the project) may learn
        from, or decide on, what ``arg`` gives it (:mod:`dllint.analysis.parameter_uses`); True
        when the callee is not known."""
        from dllint.analysis.parameter_uses import learns_from, parameter_for

        resolved = self.resolve(call)
        if resolved is None:
            return True
        provenance, function, is_method = resolved
        parameter = parameter_for(function, call, arg, is_method)
        return parameter is None or learns_from(provenance, function, parameter)

    def own_method(self, call: cst.Call) -> cst.FunctionDef | None:
        """``layer.backward(grad)`` where every binding of ``layer`` that reaches the call is an
        instance of one class of this file that defines the method itself (a hand-written NumPy
        layer): that method; None otherwise."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)) \
                or call not in self.index.order:
            return None
        return self._instance_method(call, func.value.value, func.attr.value)

    def _instance_method(self, call: cst.Call, name: str, attr: str) -> cst.FunctionDef | None:
        """``model.preprocess(X)`` where every binding of ``model`` that reaches the call is an
        instance of one class of this file (``model = Model(...)``): that class's method."""
        bindings = self.lookup(call, name)
        classes: set[str] = set()
        for binding in bindings:
            value = binding.value
            if binding.kind != "assign" or not isinstance(value, cst.Call) \
                    or not isinstance(value.func, cst.Name):
                return None
            classes.add(value.func.value)
        if len(classes) != 1:
            return None
        klass = self._top_classes().get(classes.pop())
        if klass is None:
            return None
        for statement in klass.body.body:
            if isinstance(statement, cst.FunctionDef) and statement.name.value == attr:
                return statement
        return None

    def _top_classes(self) -> dict[str, cst.ClassDef]:
        if self._classes is None:
            self._classes = {s.name.value: s for s in self.ctx.module.body if isinstance(s, cst.ClassDef)}
        return self._classes

    _classes: dict[str, cst.ClassDef] | None = None

    def _top_functions(self) -> dict[str, cst.FunctionDef]:
        found = self._top
        if found is None:
            found = {}
            for statement in self.ctx.module.body:  # the last definition wins, as at run time
                if isinstance(statement, cst.FunctionDef):
                    found[statement.name.value] = statement
            self._top = found
        return found

    _top: dict[str, cst.FunctionDef] | None = None
    _depth = 0  # summaries being computed in this file, one inside another

    def call_summary(self, call: cst.Call) -> tuple[frozenset[str], ...] | None:
        """The roles of what a call of a resolvable function returns (:meth:`return_roles`), the
        placeholders of its parameters replaced by the roles of this call's arguments: the whole
        value first, then each part of a returned tuple. None when the callee is not known."""
        if self._depth >= MAX_SUMMARY_DEPTH or _NESTING[0] > MAX_NESTING:
            return None  # a long chain of helpers: what the deepest returns stays unknown
        resolved = self.resolve(call)
        if resolved is None:
            return None
        other, function, method = resolved
        params = _positional_parameters(function)[1 if method else 0:]
        arguments: dict[str, cst.BaseExpression] = {}
        for index, arg in enumerate(call.args):
            if arg.star:
                break
            if arg.keyword is not None:
                arguments[arg.keyword.value] = arg.value
            elif index < len(params):
                arguments[params[index]] = arg.value
        defaults: set[str] = set()
        for param in function.params.params:
            if param.name.value not in arguments and param.default is not None:
                arguments[param.name.value] = param.default
                defaults.add(param.name.value)
        constants = tuple(sorted((name, text) for name, value in arguments.items()
                                 if (text := string(value)) is not None))
        from dllint.analysis.project import PROJECT
        PROJECT.depth += other is not self
        other._depth += 1
        try:
            summary = other.return_roles(function, constants)
        finally:
            PROJECT.depth -= other is not self
            other._depth -= 1
        out: list[frozenset[str]] = []
        for roles in summary:
            found: set[str] = set()
            for role in roles:
                if not role.startswith(PARAMETER):
                    found.add(role)
                    continue
                value = arguments.get(role[len(PARAMETER):])
                if value is None:
                    continue
                text = string(value)
                # A default is the callee's expression: read it where it was written (another
                # module's node is not in this file's index).
                reader = other if role[len(PARAMETER):] in defaults else self
                found |= _string_roles(text) if text is not None else reader.roles(value)
            out.append(frozenset(found) if len(found) == 1 else NO_ROLES)
        return tuple(out)

    def return_roles(self, function: cst.FunctionDef,
                     constants: tuple[tuple[str, str], ...] = ()) -> tuple[frozenset[str], ...]:
        """A function's summary: the roles of what it returns when its parameters named in
        ``constants`` hold those strings (``get_loader(split="test")``): the whole value first,
        then each part of a returned tuple (empty when the returns disagree on its length). A
        parameter's own role is a placeholder (``PARAMETER + name``) the caller replaces. Returns
        reached only on the false side of ``split == "test"`` (or the true side of ``!=``) are
        left out for ``split="test"``; each summary is computed once."""
        key = (function, constants)
        found = self._summaries.get(key)
        if found is not None:
            return found
        self._summaries[key] = (NO_ROLES,)  # a recursive call learns nothing
        saved = (self._summary_function, self._constants, self._context_key)
        self._summary_function = function
        self._constants = dict(constants)
        self._context_key = (id(function), constants)
        try:
            values = [r.value for r in _reachable_returns(function, self._constants) if r.value is not None]
            whole: set[str] = set()
            parts: list[set[str]] | None = None
            for value in values:
                roles = self._roles(value, NO_ROLES, NO_ROLES, set())
                whole |= roles
                if isinstance(value, cst.Tuple):
                    elements = [self._roles(e.value, NO_ROLES, NO_ROLES, set()) for e in value.elements]
                    if parts is None:
                        parts = [set(e) for e in elements]
                    elif len(parts) == len(elements):
                        for part, roles_ in zip(parts, elements):
                            part |= roles_
                    else:
                        parts = []
                else:
                    parts = []  # a return that is not a tuple: no part is known
            result = (frozenset(whole), *(frozenset(p) for p in (parts or [])))
        finally:
            self._summary_function, self._constants, self._context_key = saved
        self._summaries[key] = result
        return result

    # -- what an object was built by (data-rules facts, h4/data-rules) ---------------------------
    def constructors(self, receiver: cst.BaseExpression, at: cst.CSTNode) -> list[cst.Call] | None:
        """The calls that built the object ``receiver`` holds at ``at``: ``[OneHotEncoder()]`` for
        ``enc`` after ``enc = OneHotEncoder()``, the call itself for ``OneHotEncoder().fit``. None
        when unknown: no binding is seen, or one of them is not a plain call (a parameter, an
        update, a value returned by something else is not known to be built by that call)."""
        if isinstance(receiver, cst.Call):
            return [receiver]
        dotted = dotted_name(receiver)
        if dotted is None or at not in self.index.order:
            return None
        found = self.lookup(at, dotted)
        if not found or any(b.kind != "assign" or b.position is not None or not isinstance(b.value, cst.Call)
                            for b in found):
            return None
        return [_built_by(b.value) for b in found]  # type: ignore[arg-type]

    def subclass_constructors(self, attribute: cst.Attribute, at: cst.CSTNode) -> list[cst.Call]:
        """The calls that may build ``self.<attr>`` read at ``at`` in a method of a top-level
        class that never binds it to a call itself: the constructors its subclasses assign (here
        and in the project's other modules: a base ``Model.train`` fits ``self.extraction_pipeline``,
        which each model of ``models/*.py`` builds). The method runs on instances of those
        subclasses, so each is a possible value; empty when none is known."""
        if not (isinstance(attribute.value, cst.Name) and attribute.value.value == "self"):
            return []
        klass = self.index.enclosing(at, cst.ClassDef)
        if klass is None or self.index.parent(klass) is not self.ctx.module:
            return []
        key = (klass, attribute.attr.value)
        found = self._subclass_values.get(key)
        if found is None:
            from dllint.analysis.project import PROJECT, subclass_assignments
            PROJECT.depth += 1
            try:
                values = subclass_assignments(self.ctx, klass, attribute.attr.value)
            finally:
                PROJECT.depth -= 1
            found = [_built_by(v) for v in values if isinstance(v, cst.Call)]
            self._subclass_values[key] = found
        return found

    def only_bounds(self, expr: cst.BaseExpression, depth: int = 0) -> bool:
        """The value of ``expr`` (a statistic such as ``df.d.min()``) is used only as a bound of a
        range, a grid or a calendar: an argument of ``range``, ``np.arange``, ``np.linspace``,
        ``pd.date_range``, ``calendar.holidays(start=..., end=...)`` in a bound position, directly
        or through arithmetic, ``min``/``max``/``int``/``round``, a date conversion, an attribute
        (``.year``) and names bound to it whose every later read in the scope is again such a
        bound. Such a value makes a set of points to enumerate, not a feature statistic."""
        current: cst.CSTNode = expr
        while True:
            parent = self.index.parent(current)
            if isinstance(parent, (cst.BinaryOperation, cst.UnaryOperation)):
                current = parent
                continue
            if isinstance(parent, cst.Attribute) and parent.value is current:
                grand = self.index.parent(parent)
                current = grand if isinstance(grand, cst.Call) and grand.func is parent else parent
                continue
            if isinstance(parent, cst.Arg) and parent.value is current:
                call = self.index.parent(parent)
                if not isinstance(call, cst.Call):
                    return False
                name = _last_name(call.func)
                if name in _BOUND_PASSING:
                    current = call
                    continue
                return name in _RANGES and _bound_argument(call, parent)
            if isinstance(parent, cst.Assign) and parent.value is current and depth < 3:
                names = [t.target.value for t in parent.targets if isinstance(t.target, cst.Name)]
                if len(names) != len(parent.targets):
                    return False
                reads = [n for name in names for n in self._later_reads(parent, name)]
                return bool(reads) and all(self.only_bounds(n, depth + 1) for n in reads)
            return False

    def _later_reads(self, statement: cst.CSTNode, name: str) -> list[cst.Name]:
        """The reads of ``name`` after ``statement`` in its scope (source order)."""
        scope = self.scope_of(statement)
        after = self.index.order[statement]
        if self._names is None:
            self._names = {}
            for node in self.index.of_type(cst.Name):
                self._names.setdefault(node.value, []).append(node)
        found: list[cst.Name] = []
        for node in self._names.get(name, ()):
            if self.index.order.get(node, -1) <= after or self.scope_of(node) is not scope:
                continue
            parent = self.index.parent(node)
            if isinstance(parent, cst.Attribute) and parent.attr is node:
                continue
            if isinstance(parent, (cst.AssignTarget, cst.Arg)) and getattr(parent, "keyword", None) is node:
                continue
            if isinstance(parent, cst.AssignTarget):
                continue
            found.append(node)
        return found

    def _argument_roles(self, call: cst.Call, et: frozenset[str], ev: frozenset[str],
                        active: set[int]) -> frozenset[str] | None:
        """The roles of the data a call is given (receiver and arguments, configuration keywords
        left out): one part, or none when they say nothing (None) or name several (empty)."""
        out: set[str] = set()
        if isinstance(call.func, cst.Attribute):
            receiver = call.func.value
            if not (isinstance(receiver, cst.Name) and receiver.value in self.ctx.imports.aliases):
                out |= self._roles(receiver, et, ev, active)
        for arg in call.args:
            if arg.keyword is None or arg.keyword.value not in _CONFIG_KEYWORDS:
                out |= self._roles(arg.value, et, ev, active)
        if not out:
            return None
        return frozenset(out) if len(out) == 1 else NO_ROLES

    def _parts_known(self, call: cst.Call, count: int) -> bool:
        """Every return of the callee is a tuple of ``count`` parts written out (``return train,
        test``): each part's roles are its own."""
        resolved = self.resolve(call)
        if resolved is None:
            return False
        other, function, _ = resolved
        returns = [n for n in iter_subtree(function.body)
                   if isinstance(n, cst.Return) and other.index.function_of(n) is function]
        return bool(returns) and all(isinstance(r.value, cst.Tuple) and len(r.value.elements) == count
                                     for r in returns)

    _names: dict[str, list[cst.Name]] | None = None  # every Name node of the file, by identifier
    _two_periods: bool | None = None  # does the file call a two-period function at all?

    def _period_column(self, expr: cst.Subscript) -> frozenset[str] | None:
        """``summary["frequency_cal"]`` of a two-period frame (:func:`_two_period`): the column's
        suffix says its part (``_cal`` calibration: training, ``_holdout``: test; another column:
        unknown), whatever the frame is called. None when the base is no such frame."""
        if self._two_periods is None:
            self._two_periods = any(_two_period(c) for c in self.index.of_type(cst.Call))
        if not self._two_periods:
            return None
        if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return None
        key = string(expr.slice[0].slice.value)
        base = expr.value
        if key is None:
            return None
        if not isinstance(base, cst.Call):
            dotted = dotted_name(base)
            found = self.lookup(expr, dotted) if dotted is not None and expr in self.index.order else []
            if not found or any(b.kind != "assign" or not isinstance(b.value, cst.Call) for b in found):
                return None
            if not all(_two_period(b.value) for b in found):  # type: ignore[arg-type]
                return None
        elif not _two_period(base):
            return None
        last = name_tokens(key)[-1:] or [""]
        if last[0] in _PERIOD_TRAIN:
            return frozenset({TRAIN})
        if last[0] in _TEST_WORDS:
            return frozenset({TEST})
        return NO_ROLES

    # -- splits ----------------------------------------------------------------------------------
    # -- the batch size of a DataLoader ----------------------------------------------------------
    def batch_size(self, loader: cst.Call) -> int | None:
        """The batch size a ``DataLoader(...)`` call is built with, when it is known: a literal
        (``batch_size=1``, or the second positional argument), a name whose every reaching
        definition is the same literal (``bs = 1``; a tuple assignment's element too), or torch's
        default of 1 when the call names none (and has no ``*args``/``**kwargs`` or
        ``batch_sampler`` that could set it). None when unknown."""
        arg = keyword(loader, "batch_size") or positional(loader, 1)
        if arg is None:
            if any(a.star for a in loader.args) or keyword(loader, "batch_sampler") is not None:
                return None
            return 1  # torch.utils.data.DataLoader's default
        return self._integer(arg.value, loader, depth=0)

    def _integer(self, expr: cst.BaseExpression, at: cst.CSTNode, depth: int) -> int | None:
        if isinstance(expr, cst.Integer):
            return int(expr.value, 0) if expr.value.isdigit() else None
        name = dotted_name(expr)
        if name is None or depth > 3:
            return None
        found = self.lookup(at, name)
        if not found:
            return None  # a parameter, an attribute or a setting: not known here
        values: set[int | None] = set()
        for binding in found:
            if binding.kind != "assign" or binding.value is None:
                return None
            value: cst.BaseExpression | None = binding.value
            if binding.position is not None:
                elements = value.elements if isinstance(value, (cst.Tuple, cst.List)) else ()
                value = elements[binding.position].value if len(elements) == binding.count and not any(
                    isinstance(e, cst.StarredElement) for e in elements) else None
            values.add(None if value is None else self._integer(value, binding.node, depth + 1))
        return values.pop() if len(values) == 1 else None

    # -- a refit after the final test score --------------------------------------------------------
    def refit_after_final_score(self, fit: cst.Call, is_test) -> bool:
        """``fit`` (``clf.partial_fit(X_test, y_test)``) comes after the final test score: the same
        estimator was scored or asked for predictions on test data before it in its scope, and on
        no path from the fit (until the name is bound to another estimator) does the estimator
        predict or score anything, nor a statement that reads it also read another name of test
        data (``is_test`` judges them), nor return it to a caller that might measure it.
        Out-of-core learning adds the test batch to the model that is then saved for use: the
        score printed before is untouched and nothing measured afterwards comes from the model
        that saw the test rows."""
        if not isinstance(fit.func, cst.Attribute) or not isinstance(fit.func.value, cst.Name):
            return False
        estimator = fit.func.value.value
        scope = self.scope_of(fit)
        order = self.index.order
        scored = any(
            isinstance(c.func, cst.Attribute) and c.func.attr.value in _PREDICTING
            and isinstance(c.func.value, cst.Name) and c.func.value.value == estimator
            and self.scope_of(c) is scope and order.get(c, -1) < order[fit]
            and any(is_test(a.value) for a in c.args if a.keyword is None)
            for c in self.index.of_type(cst.Call))
        if not scored:
            return False

        def reads(node: cst.CSTNode) -> bool:
            return any(isinstance(n, cst.Name) and n.value == estimator for n in iter_subtree(node))

        def rebinds(node: cst.CSTNode) -> bool:
            """``clf = SGDClassifier()``: another estimator from here on."""
            if isinstance(node, cst.Assign):
                targets = [t.target for t in node.targets]
            elif isinstance(node, cst.AnnAssign) and node.value is not None:
                targets = [node.target]
            else:
                return False
            return any(isinstance(t, cst.Name) and t.value == estimator for t in targets) \
                and not reads(node.value)  # type: ignore[union-attr]

        def measures(node: cst.CSTNode) -> bool:
            if isinstance(node, cst.Return):
                return node.value is not None and reads(node.value)
            if not reads(node):
                return False
            if any(isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute)
                   and n.func.attr.value in _PREDICTING and isinstance(n.func.value, cst.Name)
                   and n.func.value.value == estimator for n in iter_subtree(node)):
                return True  # the model that saw the test rows predicts or scores again
            # the estimator itself holds the test rows it learnt: other names say what is measured
            return any(isinstance(n, cst.Name) and n.value != estimator and n in order and is_test(n)
                       for n in iter_subtree(node))

        walk = self._walk_after(scope, fit)
        if walk is None:
            return False
        for node in walk(rebinds):
            if measures(node):
                return False
        return True

    def _walk_after(self, scope: cst.CSTNode, node: cst.CSTNode):
        """A walk of the control-flow elements that may run after the one holding ``node`` (loops
        included); the walk takes ``stop(element_node)``, which ends a path there. None when the
        node is not placed."""
        graph = self._cfgs.get(scope)
        if graph is None:
            from dllint.analysis.cfg import build_cfg
            try:
                graph = build_cfg(scope)
            except TypeError:
                return None
            self._cfgs[scope] = graph
        # ``where`` places statement lines; their elements are the small statements in them
        current: cst.CSTNode | None = node
        path: list[cst.CSTNode] = []
        while current is not None and current not in graph.where:
            path.append(current)
            current = self.index.parent(current)
        if current is None:
            return None
        block = graph.where[current]
        inside = set(map(id, path)) | {id(current)}
        positions = [i for i, e in enumerate(block.elements) if id(e.node) in inside]
        if not positions:
            return None

        def walk(stop) -> Iterator[cst.CSTNode]:
            seen: set[tuple[int, int]] = set()
            stack = [(block, positions[-1] + 1)]
            while stack:
                reached, start = stack.pop()
                if (reached.id, start) in seen:
                    continue
                seen.add((reached.id, start))
                for element in reached.elements[start:]:
                    if element.kind == "def":
                        continue
                    yield element.node
                    if stop(element.node):
                        break
                else:
                    stack.extend((edge.target, 0) for edge in reached.succs)
        return walk

    # -- two-fold cross-validation by hand ----------------------------------------------------------
    def cross_fitted(self, split_call: cst.Call) -> bool:
        """The two parts of a ``train_test_split`` are swapped: in the split's scope, an estimator
        fitted on the first part predicts or scores the second, and one fitted on the second
        predicts or scores the first (``model.fit(X1, y1).predict(X2)`` then
        ``model.fit(X2, y2).predict(X1)``). Only estimators whose ``fit`` starts afresh (scikit-learn,
        no ``warm_start=True``) count, and every estimator fitted on a part must be one: a Keras
        model's second ``fit`` goes on training on top of the first. The parts are the split's own
        names (no other definition reaches the use). Source order within the scope is the order
        of the events."""
        if split_call not in self._cross_fitted:
            self._cross_fitted[split_call] = self._compute_cross_fitted(split_call)
        return self._cross_fitted[split_call]

    def _compute_cross_fitted(self, split_call: cst.Call) -> bool:
        names = self._outputs(split_call)
        if len(names) < 2 or len(names) % 2 or _last_name(split_call.func) != "train_test_split":
            return False
        part_of = {name: position % 2 for position, name in enumerate(names)}
        statement = self.index.statement_of(split_call)
        scope = self.scope_of(split_call)
        order = self.index.order

        def part(expr: cst.BaseExpression, at: cst.CSTNode) -> int | None:
            name = dotted_name(expr)
            if name not in part_of:
                return None
            found = self.lookup(at, name)
            if not found or any(b.node is not statement for b in found):
                return None
            return part_of[name]

        events: list[tuple[tuple[int, int], str, str, int | None]] = []
        for call in self.index.of_type(cst.Call):
            func = call.func
            if not isinstance(func, cst.Attribute) or self.scope_of(call) is not scope:
                continue
            method = func.attr.value
            if method not in _PREDICTING and method not in ("fit", "partial_fit", "fit_transform"):
                continue
            first = positional(call, 0)
            rows = part(first.value, call) if first is not None else None
            receiver = func.value
            when = (order[call], 0)
            if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute) \
                    and receiver.func.attr.value == "fit":
                when = (order[receiver], 1)  # ``m.fit(a).predict(b)``: after the inner fit
                receiver = receiver.func.value
            estimator = dotted_name(receiver)
            fresh = False
            if estimator is None and isinstance(receiver, cst.Call):
                # ``KNeighborsClassifier(1).fit(X2, y2).score(X1, y1)``: an estimator built for
                # this one fit, by its position in the file
                estimator, fresh = f"#built@{order[receiver]}", _builds_fresh_estimator(self.ctx, receiver)
            if estimator is None:
                continue
            if method in _PREDICTING:
                events.append((when, "predict", estimator, rows))
                continue
            refits = fresh if estimator.startswith("#") else self._refits(estimator, call)
            if rows is not None and (method != "fit" or not refits):
                return False  # a part goes into a model that keeps what it learnt before
            events.append((when, "fit", estimator, rows))
        fitted_on: dict[str, int | None] = {}
        directions: set[int] = set()
        for _, kind, estimator, rows in sorted(events, key=lambda e: e[0]):
            if kind == "fit":
                fitted_on[estimator] = rows
            elif rows is not None and fitted_on.get(estimator) is not None \
                    and fitted_on[estimator] != rows:
                directions.add(fitted_on[estimator])  # type: ignore[arg-type]
        return directions == {0, 1}

    def _refits(self, estimator: str, at: cst.CSTNode) -> bool:
        """``estimator`` is built by scikit-learn (every definition that reaches ``at``) without
        ``warm_start=True``: its ``fit`` forgets what an earlier ``fit`` learnt."""
        found = self.lookup(at, estimator)
        if not found:
            return False
        return all(binding.kind == "assign" and binding.position is None and isinstance(binding.value, cst.Call)
                   and _builds_fresh_estimator(self.ctx, binding.value) for binding in found)

    def is_cv_splitter(self, receiver: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """``receiver`` is a scikit-learn cross-validation splitter (``KFold(5)`` or a name bound to one)."""
        return self.splitter_call(receiver, at) is not None

    def splitter_call(self, receiver: cst.BaseExpression, at: cst.CSTNode) -> cst.Call | None:
        if isinstance(receiver, cst.Call):
            return receiver if _last_name(receiver.func) in CV_SPLITTERS else None
        dotted = dotted_name(receiver)
        if dotted is None or at not in self.index.order:
            return None
        for binding in self.lookup(at, dotted):
            if isinstance(binding.value, cst.Call) and binding.kind == "assign" \
                    and _last_name(binding.value.func) in CV_SPLITTERS:
                return binding.value
        return None

    def enumerated(self, expr: cst.BaseExpression, at: cst.CSTNode, depth: int = 0) -> list[cst.BaseExpression] | None:
        """What ``expr`` enumerates, when it is an ``enumerate`` object (whose pairs start with an
        ``int`` counter): ``[loader]`` for ``enumerate(loader)``; for a name, the iterable of each
        of its bindings reaching ``at``, when every one is a plain assignment of such an object
        (``data_gen = enumerate(loader)``); ``[]`` where what is enumerated cannot be told
        (``enumerate(*parts)``). None when ``expr`` may hold anything else (a name also bound
        otherwise, a parameter)."""
        if isinstance(expr, cst.Call):
            if _last_name(expr.func) != "enumerate":
                return None
            first = expr.args[0] if expr.args else None
            return [first.value] if first is not None and not first.star and first.keyword is None else []
        if not isinstance(expr, cst.Name) or depth > 4 or at not in self.index.order:
            return None
        found = self.lookup(at, expr.value)
        if not found:
            return None
        out: list[cst.BaseExpression] = []
        for binding in found:
            if binding.kind != "assign" or binding.position is not None or binding.value is None:
                return None
            inner = self.enumerated(binding.value, binding.node, depth + 1)
            if inner is None:
                return None
            out.extend(inner)
        return out

    def occurrence_counts(self, expr: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """``expr`` names a map whose values, where ``at`` reads it, only count occurrences: every
        binding reaching ``at`` builds an empty or counting map (``Counter()``, ``Counter(items)``,
        ``defaultdict(int)``, ``{}``) or adds to it ``counter.update(items)`` or ``counts[k] += 1``
        (a literal whole number). Like ``len``, such a value is how many times a key occurs, not a
        value read from the data or computed by a model (fourteenth audit DU: items sorted by
        popularity). False when a map may be added (``Counter(scores)``, ``update({...})``, a
        keyword): its values then come in with it."""
        dotted = dotted_name(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
        if dotted is None or at not in self.index.order:
            return False
        found = self.lookup(at, dotted)
        built = [b for b in found if b.kind != "update"]
        if not built or any(b.kind != "assign" or b.position is not None for b in built):
            return False
        counters = all(isinstance(b.value, cst.Call) and _last_name(b.value.func) == "Counter" for b in built)
        for binding in found:
            value = binding.value
            if binding.kind == "assign":
                if not self._counting_map(value, binding.node):
                    return False
            elif isinstance(binding.node, cst.AugAssign):
                target = binding.node.target
                if not (isinstance(binding.node.operator, cst.AddAssign) and isinstance(value, cst.Integer)
                        and isinstance(target, cst.Subscript) and dotted_name(target.value) == dotted):
                    return False
            elif not (counters and isinstance(value, cst.Call) and _last_name(value.func) == "update"
                      and self._counted_items(value, binding.node)):
                return False
        return True

    def _counting_map(self, value: cst.BaseExpression | None, at: cst.CSTNode) -> bool:
        if isinstance(value, cst.Dict):
            return not value.elements
        if not isinstance(value, cst.Call):
            return False
        last = _last_name(value.func)
        if last == "Counter":
            return self._counted_items(value, at)
        if last == "dict":
            return not value.args
        return last == "defaultdict" and len(value.args) == 1 and isinstance(value.args[0].value, cst.Name) \
            and value.args[0].value.value == "int"

    def _counted_items(self, call: cst.Call, at: cst.CSTNode) -> bool:
        """``Counter(items)`` / ``counter.update(items)`` counts the elements of ``items``: at most
        one positional argument, no keyword, and nothing known to be a map (whose values would be
        added instead)."""
        if not call.args:
            return True
        if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
            return False
        return not self._may_be_map(call.args[0].value, at)

    def _may_be_map(self, expr: cst.BaseExpression, at: cst.CSTNode, depth: int = 0) -> bool:
        if isinstance(expr, (cst.Dict, cst.DictComp)):
            return True
        if isinstance(expr, cst.Call):
            return _last_name(expr.func) in _MAPS
        dotted = dotted_name(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
        if dotted is None or depth > 4 or at not in self.index.order:
            return depth > 4
        return any(b.value is not None and self._may_be_map(b.value, b.node, depth + 1)
                   for b in self.lookup(at, dotted) if b.kind == "assign" and b.position is None)

    def _fold_part(self, loop: cst.For, name: str) -> int | None:
        """The part (0: training indices, 1: held-out indices) of a cross-validation fold that
        ``name`` takes in ``for train, test in folds`` or ``for i, (train, test) in
        enumerate(folds)``, where the iterable is a splitter's ``split`` (directly, through
        ``list``/``tuple``, or a name every reaching binding of which is one); None otherwise."""
        target, iterable = loop.target, loop.iter
        enumerated = self.enumerated(iterable, loop)
        if enumerated is not None and len(enumerated) == 1 \
                and isinstance(target, cst.Tuple) and len(target.elements) == 2:
            target, iterable = target.elements[1].value, enumerated[0]
        if not (isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == 2):
            return None
        names = [dotted_name(e.value) for e in target.elements]
        if name not in names or not self._cv_folds(iterable, loop, 0):
            return None
        return names.index(name)

    def _cv_folds(self, expr: cst.BaseExpression, at: cst.CSTNode, depth: int) -> bool:
        """``expr`` holds the folds of a cross-validation splitter (``kf.split(X)``)."""
        if depth > 4:
            return False
        if isinstance(expr, cst.Call):
            last = _last_name(expr.func)
            if last == "split" and isinstance(expr.func, cst.Attribute):
                return self.is_cv_splitter(expr.func.value, expr)
            if last in ("list", "tuple") and isinstance(expr.func, cst.Name) and len(expr.args) == 1:
                return self._cv_folds(expr.args[0].value, at, depth + 1)
            return False
        dotted = dotted_name(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
        if dotted is None or at not in self.index.order:
            return False
        found = self.lookup(at, dotted)
        return bool(found) and all(b.kind == "assign" and b.position is None and b.value is not None
                                   and self._cv_folds(b.value, b.node, depth + 1) for b in found)

    def _searcher(self, receiver: cst.BaseExpression, at: cst.CSTNode) -> bool:
        if isinstance(receiver, cst.Call):
            return _last_name(receiver.func) in SEARCHERS
        dotted = dotted_name(receiver)
        if dotted is None:
            return False
        return any(isinstance(b.value, cst.Call) and _last_name(b.value.func) in SEARCHERS
                   for b in self.lookup(at, dotted))

    def _outputs(self, node: cst.CSTNode) -> list[str]:
        statement = self.index.statement_of(node)
        parent = self.index.parent(node)
        if isinstance(statement, cst.Assign) and statement.value is node:
            names = []
            for target in statement.targets:
                for element in _target_names(target.target):
                    name, _ = _bound_name(element)
                    if name is not None:
                        names.append(name)
            return names
        if isinstance(parent, cst.For) and parent.iter is node:
            return [n for n in (_bound_name(e)[0] for e in _target_names(parent.target)) if n]
        return []

    def _assigned(self, node: cst.CSTNode) -> bool:
        """``a = x[:k]``, ``a, b = x[:k], x[k:]``, ``a = x[:k].copy()``: the value itself is kept."""
        current = node
        while True:
            parent = self.index.parent(current)
            if isinstance(parent, (cst.Assign, cst.AnnAssign)):
                return parent.value is current
            if isinstance(parent, cst.Element) or (isinstance(parent, cst.Tuple)):
                current = parent
                continue
            if isinstance(parent, cst.Attribute) and parent.value is current:
                grand = self.index.parent(parent)
                current = grand if isinstance(grand, cst.Call) and grand.func is parent else parent
                continue
            return False

    def _statement_targets(self, node: cst.CSTNode) -> list[str]:
        statement = self.index.statement_of(node)
        if isinstance(statement, cst.Assign):
            return [n for t in statement.targets for n in _flat_names(t.target)]
        if isinstance(statement, cst.AnnAssign):
            return _flat_names(statement.target)
        return []

    def _unpacked_shuffle(self, call: cst.Call) -> bool | None:
        """Whether ``train_test_split(..., **params)`` shuffles, as far as its ``**`` arguments
        tell: sklearn's default (True) when no ``**`` argument can set ``shuffle``. A dict literal
        says what it holds (``**{"test_size": 0.2, "shuffle": False}``); a dict of unknown content
        (a parameter, ``**config["split"]``) keeps the default, unless a statement of the module
        names both a ``shuffle`` key and the dict's last name or key (``params["shuffle"] = False``,
        ``params = {..., "shuffle": False}``, ``config["split"].setdefault("shuffle", False)``,
        ``if "shuffle" not in config["split"]:``): then unknown (None)."""
        shuffles: bool | None = True
        for arg in call.args:
            if arg.star != "**":
                continue
            if isinstance(arg.value, cst.Dict):
                for element in arg.value.elements:
                    if isinstance(element, cst.StarredDictElement):
                        return None
                    if string(element.key) == "shuffle":
                        value = element.value
                        if not (isinstance(value, cst.Name) and value.value in ("True", "False")):
                            return None
                        shuffles = shuffles and value.value == "True"
                continue
            leaf = _leaf_name(arg.value)
            if leaf is None or any(leaf in words for words in self._shuffle_statements()):
                return None
        return shuffles

    def _shuffle_statements(self) -> list[frozenset[str]]:
        """The names and strings of each statement that names a ``shuffle`` key: a ``"shuffle"``
        string, or ``shuffle=`` given to ``dict``, ``update`` or ``setdefault``."""
        found = self._shuffle_words
        if found is None:
            found = []
            if "shuffle" in self.ctx.source:
                mentions: list[cst.CSTNode] = [n for n in self.index.of_type(cst.SimpleString)
                                               if string(n) == "shuffle"]
                mentions += [c for c in self.index.of_type(cst.Call)
                             if _last_name(c.func) in ("dict", "update", "setdefault")
                             and keyword(c, "shuffle") is not None]
                seen: set[int] = set()
                for node in mentions:
                    statement = self.index.statement_of(node)
                    if id(statement) in seen:
                        continue
                    seen.add(id(statement))
                    words: set[str] = set()
                    for part in iter_subtree(statement):
                        if isinstance(part, cst.Name):
                            words.add(part.value)
                        elif isinstance(part, cst.SimpleString):
                            text = string(part)
                            if text is not None:
                                words.add(text)
                    found.append(frozenset(words))
            self._shuffle_words = found
        return found

    def _collect_splits(self) -> None:
        index = self.index
        source = self.ctx.source
        self._collect_mask_splits()
        words = ("split", "Split", "Fold", "Subset", "cross_val", "SearchCV", "LeaveO", "LeaveP", "[:")
        if not any(word in source for word in words) and not _ROW_SLICE.search(source):
            return
        cv_possible = any(word in source for word in ("Fold", "Split", "LeaveO", "LeaveP"))
        for call in index.of_type(cst.Call):
            last = _last_name(call.func)
            if last is None:
                continue
            split: Split | None = None
            if last == "train_test_split":
                data = [a.value for a in call.args if a.keyword is None and not a.star]
                shuffle = keyword(call, "shuffle")
                shuffles = not (shuffle is not None and isinstance(shuffle.value, cst.Name)
                                and shuffle.value.value == "False")
                if shuffle is not None and not isinstance(shuffle.value, cst.Name):
                    shuffles = None
                if shuffle is None and shuffles:
                    shuffles = self._unpacked_shuffle(call)
                split = Split(call, "train_test_split", data, self.scope_of(call), index.order[call], shuffles)
            elif last == "random_split":
                first = positional(call, 0) or keyword(call, "dataset")
                if first is not None:
                    split = Split(call, "random_split", [first.value], self.scope_of(call),
                                  index.order[call], True)
            elif last == "split" and cv_possible and isinstance(call.func, cst.Attribute) and call.args \
                    and not isinstance(call.func.value, (cst.SimpleString, cst.FormattedString)):
                splitter = self.splitter_call(call.func.value, call)
                if splitter is not None:
                    data = [a.value for a in call.args if a.keyword is None or a.keyword.value in ("X", "y")]
                    split = Split(call, "cv", data, self.scope_of(call), index.order[call],
                                  _splitter_shuffles(splitter))
            elif last in CV_FUNCTIONS:
                data = [a.value for a in call.args[1:3] if a.keyword is None]
                data += [a.value for a in call.args if a.keyword is not None and a.keyword.value in ("X", "y")]
                if data:
                    split = Split(call, "cv_function", data, self.scope_of(call), index.order[call], None)
            elif last == "fit" and isinstance(call.func, cst.Attribute) and call.args \
                    and self._searcher(call.func.value, call):
                split = Split(call, "search", [a.value for a in call.args if a.keyword is None][:2],
                              self.scope_of(call), index.order[call], None)
            if split is not None:
                split.outputs = self._outputs(call)
                self._splits.append(split)  # type: ignore[union-attr]
        self._collect_subset_splits()
        self._collect_slice_splits()
        self._collect_range_splits()
        self._splits.sort(key=lambda s: s.order)  # type: ignore[union-attr]

    def _collect_mask_splits(self) -> None:
        """A random boolean mask that takes the rows of one part, its complement the other's:
        ``msk = np.random.rand(len(df)) < 0.8`` then ``df[msk]`` and ``df[~msk]``, or
        ``mask = np.zeros(n, dtype=bool)``, ``mask[:k] = True``, ``np.random.shuffle(mask)`` then
        ``x[mask]`` and ``x[np.invert(mask)]`` (or ``x[mask]`` again after ``mask = ~mask``). A
        shuffling split: kind ``mask``. One base indexed once by the mask is a random subsample,
        no split."""
        source = self.ctx.source
        if "rand" not in source and "shuffle" not in source:
            return
        index = self.index
        masks: set[tuple[cst.CSTNode, str]] = set()
        bool_arrays: set[tuple[cst.CSTNode, str]] = set()
        for node in index.of_type(cst.Assign):
            if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
                continue
            name, value = node.targets[0].target.value, node.value
            if _random_draw_compared(value):
                masks.add((self.scope_of(node), name))
            elif isinstance(value, cst.Call) and _last_name(value.func) in _BOOL_BUILDERS \
                    and re.search(r"\bbool", self.ctx.code_for(value)):
                bool_arrays.add((self.scope_of(node), name))
        if bool_arrays:
            for call in index.of_type(cst.Call):
                if _last_name(call.func) == "shuffle" and len(call.args) == 1 \
                        and isinstance(call.args[0].value, cst.Name):
                    key = (self.scope_of(call), call.args[0].value.value)
                    if key in bool_arrays:
                        masks.add(key)
        if not masks:
            return
        uses: dict[tuple[cst.CSTNode, str], dict[str, list[cst.Subscript]]] = {}
        for node in index.of_type(cst.Subscript):
            if not node.slice or not isinstance(node.slice[0].slice, cst.Index):
                continue
            name = _mask_name(node.slice[0].slice.value)
            if name is None:
                continue
            key = (self.scope_of(node), name)
            if key not in masks or not self._in_assigned_value(node):
                continue
            base = node.value
            if isinstance(base, cst.Attribute) and base.attr.value in ("iloc", "loc"):
                base = base.value
            base_text = dotted_name(base)
            if base_text is not None:
                uses.setdefault(key, {}).setdefault(base_text, []).append(node)
        for (scope, _), by_base in uses.items():
            parts = [nodes for nodes in by_base.values() if len(nodes) >= 2]
            if not parts:
                continue
            first = min((n for nodes in parts for n in nodes), key=index.order.__getitem__)
            data = []
            for nodes in parts:
                base = nodes[0].value
                if isinstance(base, cst.Attribute) and base.attr.value in ("iloc", "loc"):
                    base = base.value
                data.append(base)
            outputs = [t for nodes in parts for n in nodes for t in self._statement_targets(n)]
            self._splits.append(Split(first, "mask", data, scope,  # type: ignore[union-attr]
                                      index.order[first], True, outputs))

    def _in_assigned_value(self, node: cst.CSTNode) -> bool:
        """``node`` is part of the value of an assignment (``train = df[msk]``), not of its
        targets (``x[msk] = 0`` writes rows, it takes none)."""
        statement = self.index.statement_of(node)
        if not isinstance(statement, (cst.Assign, cst.AnnAssign)):
            return False
        current = node
        while current is not None and current is not statement:
            if current is statement.value:
                return True
            current = self.index.parent(current)
        return False

    def _collect_subset_splits(self) -> None:
        groups: dict[tuple[cst.CSTNode, str], list[cst.Call]] = {}
        for call in self.index.of_type(cst.Call):
            if _last_name(call.func) != "Subset" or len(call.args) < 2:
                continue
            base = self.ctx.code_for(call.args[0].value)
            groups.setdefault((self.scope_of(call), base), []).append(call)
        for (scope, _), calls in groups.items():
            if len(calls) < 2:
                continue
            for call in calls:
                self._splits.append(Split(call, "subset", [call.args[0].value], scope,  # type: ignore[union-attr]
                                          self.index.order[call], None, self._outputs(call)))

    def _collect_range_splits(self) -> None:
        """``self.trainData = data[begin:end]`` and ``self.testData = data[begin:end]`` (bounds
        computed per part, often in branches on a ``flag``): bounded row slices of one base in one
        scope, kept under names of different parts (train with val or test), split the base."""
        groups: dict[tuple[cst.CSTNode, str], list[tuple[cst.Subscript, str]]] = {}
        for node in self.index.of_type(cst.Subscript):
            if not _bounded_rows(node) or not self._assigned(node):
                continue
            base = node.value
            if isinstance(base, cst.Attribute) and base.attr.value in ("iloc", "loc"):
                base = base.value
            base_text = dotted_name(base)
            targets = self._statement_targets(node)
            if base_text is None or len(targets) != 1:
                continue
            role = self.name_roles(targets[0])
            if len(role) != 1:
                continue
            groups.setdefault((self.scope_of(node), base_text), []).append((node, next(iter(role))))
        for (scope, _), found in groups.items():
            roles = {role for _, role in found}
            if TRAIN not in roles or not roles & {VAL, TEST}:
                continue
            first = min((node for node, _ in found), key=self.index.order.__getitem__)
            if any(s.node is first for s in self._splits):  # type: ignore[union-attr]
                continue
            base = first.value
            if isinstance(base, cst.Attribute) and base.attr.value in ("iloc", "loc"):
                base = base.value
            outputs = [n for node, _ in found for n in self._statement_targets(node)]
            self._splits.append(Split(first, "slice", [base], scope,  # type: ignore[union-attr]
                                      self.index.order[first], False, outputs))

    def _collect_slice_splits(self) -> None:
        """``X[:n]`` with ``X[n:]`` (same base, same bound): the two parts of a split by index."""
        halves: dict[tuple[cst.CSTNode, str, str], dict[str, cst.Subscript]] = {}
        for node in self.index.of_type(cst.Subscript):
            if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Slice):
                continue
            piece = node.slice[0].slice
            if piece.step is not None or (piece.lower is None) == (piece.upper is None):
                continue
            bound = piece.upper if piece.lower is None else piece.lower
            # Both halves must be kept (assigned): ``torch.cat([x[:k], x[k:]])`` splits nothing.
            if not self._assigned(node):
                continue
            side_text = dotted_name(bound) or self.ctx.code_for(bound)
            base = node.value
            if isinstance(base, cst.Attribute) and base.attr.value in ("iloc", "loc"):
                base = base.value
            base_text = dotted_name(base)
            if base_text is None:
                continue
            key = (self.scope_of(node), base_text, side_text)
            halves.setdefault(key, {})["upper" if piece.lower is None else "lower"] = node
        for (scope, _, _), found in halves.items():
            if len(found) != 2:
                continue
            first = min(found.values(), key=self.index.order.__getitem__)
            base = first.value
            if isinstance(base, cst.Attribute) and base.attr.value in ("iloc", "loc"):
                base = base.value
            outputs = [n for part in found.values() for n in self._statement_targets(part)]
            split = Split(first, "slice", [base], scope, self.index.order[first], False, outputs)
            self._splits.append(split)  # type: ignore[union-attr]


MAX_SUMMARY_DEPTH = 8
# Roles asked inside roles (every file of the project together): past this, no summary is opened,
# so that a long chain of derivations in several summaries stays far from the recursion limit.
MAX_NESTING = 120
_NESTING = [0]
_ASKING: set[tuple[int, str]] = set()  # parameters whose callers are being asked (recursion)
PARAMETER = "$"  # a summary's placeholder for "the role of the caller's argument to this parameter"
_KNOWN_SPLITTERS = frozenset({"train_test_split", "random_split", "split"})


_RANDOM_DRAWS = frozenset({"rand", "random", "random_sample", "uniform", "rand_like"})
_BOOL_BUILDERS = frozenset({"zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "array"})


def _random_draw_compared(value: cst.BaseExpression) -> bool:
    """``np.random.rand(len(df)) < 0.8``, ``torch.rand(n) >= p``: one uniform draw per row,
    compared with a threshold (a boolean mask of random rows)."""
    if not isinstance(value, cst.Comparison) or len(value.comparisons) != 1:
        return False
    if not isinstance(value.comparisons[0].operator, (cst.LessThan, cst.LessThanEqual, cst.GreaterThan,
                                                       cst.GreaterThanEqual)):
        return False
    for side in (value.left, value.comparisons[0].comparator):
        if isinstance(side, cst.Call) and _last_name(side.func) in _RANDOM_DRAWS and side.args \
                and isinstance(side.func, cst.Attribute):
            return True
    return False


def _mask_name(expr: cst.BaseExpression) -> str | None:
    """``m``, ``~m``, ``np.invert(m)``, ``np.logical_not(m)``: the mask name indexed with."""
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.BitInvert, cst.Not)):
        expr = expr.expression
    elif isinstance(expr, cst.Call) and _last_name(expr.func) in ("invert", "logical_not") \
            and len(expr.args) == 1:
        expr = expr.args[0].value
    return expr.value if isinstance(expr, cst.Name) else None


def _row_cut(node: cst.BaseExpression) -> tuple[str, str, str] | None:
    """``x[:n]``, ``x[n:]``, ``x[idx[:n]]``, ``x[idx[n:]]`` (no step): (the index array's dotted
    name or "", the bound's text, "head" or "tail"); None for anything else."""
    if not isinstance(node, cst.Subscript) or len(node.slice) != 1:
        return None
    piece = node.slice[0].slice
    through = ""
    if isinstance(piece, cst.Index):
        inner = piece.value
        if not isinstance(inner, cst.Subscript) or len(inner.slice) != 1:
            return None
        through = dotted_name(inner.value) or ""
        if not through:
            return None
        piece = inner.slice[0].slice
    if not isinstance(piece, cst.Slice) or piece.step is not None \
            or (piece.lower is None) == (piece.upper is None):
        return None
    bound = piece.upper if piece.lower is None else piece.lower
    text = dotted_name(bound) or cst.Module([]).code_for_node(bound)  # type: ignore[arg-type]
    return through, text, "head" if piece.lower is None else "tail"


def _parameters(function: cst.FunctionDef) -> set[str]:
    params = function.params
    return {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}


def _positional_parameters(function: cst.FunctionDef) -> list[str]:
    return [p.name.value for p in (*function.params.posonly_params, *function.params.params)]


def _compared_constant(test: cst.BaseExpression, constants: dict[str, str]) -> bool | None:
    """The value of ``split == "test"`` / ``split != "test"`` / ``split in ("val", "test")`` (either
    side) with ``split`` bound to a constant; None when it is not such a test."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = _compared_constant(test.expression, constants)
        return None if inner is None else not inner
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1):
        return None
    left, target = test.left, test.comparisons[0]
    right, operator = target.comparator, target.operator
    if isinstance(right, cst.Name) and isinstance(left, (cst.SimpleString, cst.Tuple, cst.List, cst.Set)):
        left, right = right, left
    if not (isinstance(left, cst.Name) and left.value in constants):
        return None
    value = constants[left.value]
    if isinstance(operator, (cst.Equal, cst.NotEqual)):
        text = string(right)
        if text is None:
            return None
        return (text == value) == isinstance(operator, cst.Equal)
    if isinstance(operator, (cst.In, cst.NotIn)) and isinstance(right, (cst.Tuple, cst.List, cst.Set)):
        texts = [string(e.value) for e in right.elements]
        if any(t is None for t in texts):
            return None
        return (value in texts) == isinstance(operator, cst.In)
    return None


def _contradicts(constants: dict[str, str]):
    """An edge filter: the ``true``/``false`` edges whose test the constants decide the other way."""
    def cut(edge) -> bool:
        if edge.kind not in ("true", "false") or edge.test is None:
            return False
        value = _compared_constant(edge.test, constants)
        return value is not None and value != (edge.kind == "true")
    return cut


def _reachable_returns(function: cst.FunctionDef, constants: dict[str, str]) -> list[cst.Return]:
    """The ``return`` statements of ``function`` that a call with ``constants`` may reach: the
    control-flow graph solved with the edges that contradict a constant cut."""
    from dllint.analysis.cfg import build_cfg
    from dllint.analysis.solver import PlainLattice, solve

    class Reach(PlainLattice[bool]):
        def join(self, a: bool, b: bool) -> bool:
            return True

        def transfer(self, element, state: bool) -> bool:
            return state

        def edge(self, edge, state: bool) -> bool | None:
            return None if constants and cut(edge) else state

    cut = _contradicts(constants)

    graph = build_cfg(function)
    solution = solve(graph, Reach(), True)
    found: list[cst.Return] = []
    for block in graph.blocks:
        if solution.state_in(block) is None:
            continue
        found.extend(e.node for e in block.elements if e.kind == "stmt" and isinstance(e.node, cst.Return))
    return found


# Words of a name that holds a result computed on data, not the data (``test_acc``).
_RESULT_WORDS = frozenset({"acc", "accuracy", "loss", "losses", "score", "scores", "error", "errors",
                           "err", "auc", "f1", "mse", "rmse", "mae", "metric", "metrics", "result",
                           "results", "correct", "total", "perf", "ppl", "precision", "recall"})


def _holdout_word(name: str) -> bool:
    """The name says test data by a hold-out word only (``holdout_ds``, ``X_heldout``)."""
    tokens = name_tokens(name)
    return any(t.startswith(("holdout", "heldout")) or t.endswith(("holdout", "heldout")) for t in tokens) \
        and not any(_word_role(t) == TEST for t in tokens if "holdout" not in t and "heldout" not in t)


def _developed(roles: frozenset[str]) -> frozenset[str]:
    """The roles of data that is developed on (:meth:`DataProvenance.developed_on`): test only
    by its name or source, it is training data."""
    return frozenset({TRAIN}) if roles == {TEST} else roles


def _keeps_rows(value: cst.BaseExpression | None) -> bool:
    """A binding's value that holds the rows of the data it reads, not a mix of parts or the
    answers of a model about them: not a row concatenation, not a prediction."""
    if not isinstance(value, cst.Call):
        return value is not None
    last = _last_name(value.func)
    return last not in CONCATENATIONS and last not in _PREDICTING


def _builds_fresh_estimator(ctx: "FileContext", call: cst.Call) -> bool:
    """``call`` builds a scikit-learn estimator without ``warm_start=True``: its ``fit`` forgets
    what an earlier ``fit`` learnt."""
    qualified = ctx.imports.qualify(call.func) or ""
    if not qualified.startswith("sklearn."):
        return False
    warm = keyword(call, "warm_start")
    return warm is None or (isinstance(warm.value, cst.Name) and warm.value.value == "False")


def _bounded_rows(node: cst.Subscript) -> bool:
    """``x[a:b]``, ``x[:n]``, ``x.iloc[n:]``: a bounded slice of the rows (the first axis)."""
    if not node.slice or not isinstance(node.slice[0].slice, cst.Slice):
        return False
    piece = node.slice[0].slice
    return piece.step is None and (piece.lower is not None or piece.upper is not None)


def _runs_at_least_once(loop: cst.For) -> bool:
    """``for _ in range(5)``: the body runs, the state before the loop reaches only through it."""
    it = loop.iter
    return (isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value == "range"
            and len(it.args) == 1 and isinstance(it.args[0].value, cst.Integer)
            and it.args[0].keyword is None and it.args[0].value.evaluated_value > 0)


def _is_index_map(comp: cst.DictComp) -> bool:
    """``{w: i for i, w in enumerate(words)}``: the values are the enumerate indices."""
    target, iterated = comp.for_in.target, comp.for_in.iter
    return (comp.for_in.inner_for_in is None and isinstance(comp.value, cst.Name)
            and isinstance(iterated, cst.Call) and _last_name(iterated.func) == "enumerate"
            and isinstance(target, cst.Tuple) and len(target.elements) == 2
            and isinstance(target.elements[0].value, cst.Name)
            and target.elements[0].value.value == comp.value.value)


def _leaf_name(expr: cst.BaseExpression) -> str | None:
    """The last name or string key of a dict's expression: ``params``, ``self.split_params``,
    ``config["freqai"]["data_split_parameters"]``; None for anything else (what a call returns
    is not followed)."""
    while True:
        if isinstance(expr, cst.Name):
            return expr.value
        if isinstance(expr, cst.Attribute):
            return expr.attr.value
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
            key = string(expr.slice[0].slice.value)
            if key is not None:
                return key
            expr = expr.value
            continue
        return None


def _splitter_shuffles(call: cst.Call) -> bool | None:
    name = _last_name(call.func)
    if name in ("ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit"):
        return True
    if name in ("TimeSeriesSplit", "GroupKFold", "LeaveOneOut", "LeavePOut", "LeaveOneGroupOut",
                "PredefinedSplit", "LeavePGroupsOut"):
        return False
    shuffle = keyword(call, "shuffle")
    if shuffle is None:
        return False
    if isinstance(shuffle.value, cst.Name) and shuffle.value.value in ("True", "False"):
        return shuffle.value.value == "True"
    return None


# Range, grid and calendar constructors, with the positions of their bounds (None: all of them).
_RANGES: dict[str, tuple[int, ...] | None] = {
    "range": None, "arange": (0, 1), "linspace": (0, 1), "logspace": (0, 1), "geomspace": (0, 1),
    "date_range": (0, 1), "bdate_range": (0, 1), "period_range": (0, 1), "timedelta_range": (0, 1),
    "interval_range": (0, 1), "DatetimeIndex": (), "holidays": (0, 1),
}
_BOUND_KEYWORDS = frozenset({"start", "end", "stop"})
# Calls that hand a bound on unchanged in kind: ``min(df.year.max(), 2019)``, ``int(x.max())``.
_BOUND_PASSING = frozenset({"min", "max", "int", "round", "float", "floor", "ceil", "to_datetime",
                            "Timestamp", "datetime"})


def _bound_argument(call: cst.Call, arg: cst.Arg) -> bool:
    if arg.keyword is not None:
        return arg.keyword.value in _BOUND_KEYWORDS
    positions = _RANGES.get(_last_name(call.func) or "")
    positional_args = [a for a in call.args if a.keyword is None]
    index = next(i for i, a in enumerate(positional_args) if a is arg)
    return positions is None or index in positions


# A calibration (fitting) period, as a column suffix of a two-period frame.
_PERIOD_TRAIN = frozenset({"cal", "calibration", "train", "training", "fit"})


def _two_period(call: cst.Call) -> bool:
    """``calibration_and_holdout_data(...)`` (lifetimes), ``train_and_test_frame(...)``: a call
    named for a fitting period *and* a held-out period returns one frame holding both, as columns
    (``frequency_cal``, ``frequency_holdout``)."""
    name = _last_name(call.func)
    if name is None:
        return False
    tokens = name_tokens(name)
    if "and" not in tokens:
        return False
    at = tokens.index("and")
    before, after = set(tokens[:at]), set(tokens[at + 1:])
    return bool(before & _PERIOD_TRAIN) and bool(after & _TEST_WORDS)


def _built_by(call: cst.Call) -> cst.Call:
    """``OneHotEncoder(...).fit(X)`` -> ``OneHotEncoder(...)``: a fit returns the object it fits."""
    while isinstance(call.func, cst.Attribute) and call.func.attr.value in ("fit", "set_params") \
            and isinstance(call.func.value, cst.Call):
        call = call.func.value
    return call


def _last_name(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def last_name(func: cst.BaseExpression) -> str | None:
    """``f`` for ``f`` and for ``a.b.f``; None for other callees."""
    return _last_name(func)


def _expression_children(expr: cst.CSTNode) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    for child in child_nodes(expr):
        if isinstance(child, (cst.BaseExpression,)):
            out.append(child)
        else:
            out.extend(c for c in _expression_children(child))
    return out
