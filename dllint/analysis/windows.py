"""Overlapping windows of a sequence (DL403's evidence of ordered data).

A function or class that cuts a sequence into windows that start one position apart
(``for t in range(k, n): x[t - k:t]``, ``for i in range(n - k): df[i:i + k]``, or a dataset's
``__getitem__(self, idx)`` returning ``self.data[idx:idx + self.window]``) makes samples whose
neighbours share all but one element: the data is ordered (a time series, a signal, a text), and a
random split of such windows puts the test windows' contents in the training set.

Only a window of a variable length counts: ``x[i:i + 1]`` is one element. Positions must advance
by one (``range`` with one or two arguments, or a step of the literal 1): ``range(0, n, k)`` cuts
disjoint blocks (mini-batches, image tiles), which do not overlap.
"""
from __future__ import annotations

import libcst as cst


def slides_windows(node: cst.CSTNode) -> bool:
    """True when ``node`` (a function, a class, a module) takes overlapping windows of a
    sequence somewhere in its body (see the module docstring)."""
    finder = _Finder()
    node.visit(finder)
    return finder.found


def _step_one_range(iterable: cst.BaseExpression) -> bool:
    if not (isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name)
            and iterable.func.value == "range"):
        return False
    if any(a.keyword is not None or a.star for a in iterable.args) or not 1 <= len(iterable.args) <= 3:
        return False
    if len(iterable.args) == 3:
        step = iterable.args[2].value
        return isinstance(step, cst.Integer) and step.value == "1"
    return True


def _terms(expr: cst.BaseExpression, sign: int = 1) -> list[tuple[int, cst.BaseExpression]]:
    """The signed terms of a sum (``t + k + 1`` -> +t, +k, +1; ``t - k`` -> +t, -k)."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Subtract)):
        right_sign = sign if isinstance(expr.operator, cst.Add) else -sign
        return _terms(expr.left, sign) + _terms(expr.right, right_sign)
    return [(sign, expr)]


def _width(bound: cst.BaseExpression, position: str, sign: int) -> bool:
    """``bound`` is ``position`` plus (``sign`` 1) or minus (``sign`` -1) a length that is not
    the literal 1 (nor 0)."""
    terms = _terms(bound)
    at = [i for i, (s, t) in enumerate(terms) if s == 1 and isinstance(t, cst.Name) and t.value == position]
    if len(at) != 1:
        return False
    rest = [t for i, t in enumerate(terms) if i != at[0]]
    if not rest or any(s != sign for s, _ in rest):
        return False
    return not all(isinstance(t, cst.Integer) for _, t in rest)


def _window(subscript: cst.Subscript, positions: set[str],
            ends: dict[str, tuple[str, int]] | None = None) -> bool:
    """``x[t - k:t]``, ``x[i:i + k]``, or with the other end named in the loop body (``end = i + k``;
    ``x[i:end]``: ``ends`` maps ``end`` to (``i``, +1))."""
    ends = ends or {}
    for element in subscript.slice:
        piece = element.slice
        if not isinstance(piece, cst.Slice) or piece.step is not None \
                or piece.lower is None or piece.upper is None:
            continue
        lower, upper = piece.lower, piece.upper
        if isinstance(lower, cst.Name) and lower.value in positions and (
                _width(upper, lower.value, 1)
                or (isinstance(upper, cst.Name) and ends.get(upper.value) == (lower.value, 1))):
            return True
        if isinstance(upper, cst.Name) and upper.value in positions and (
                _width(lower, upper.value, -1)
                or (isinstance(lower, cst.Name) and ends.get(lower.value) == (upper.value, -1))):
            return True
    return False


class _Finder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.positions: list[str] = []
        self.ends: dict[str, tuple[str, int]] = {}
        self.found = False
        self.bases: set[str] = set()  # what is cut into windows (``x`` of ``x[i:i + k]``)

    def visit_Assign(self, node: cst.Assign) -> bool | None:
        if self.positions and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            name = node.targets[0].target.value
            for position in self.positions:
                for sign in (1, -1):
                    if _width(node.value, position, sign):
                        self.ends[name] = (position, sign)
                        return None
            self.ends.pop(name, None)
        return None

    def visit_For(self, node: cst.For) -> bool | None:
        if isinstance(node.target, cst.Name) and _step_one_range(node.iter):
            self.positions.append(node.target.value)
            node.body.visit(self)
            self.positions.pop()
            if node.orelse is not None:
                node.orelse.visit(self)
            return False
        return None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool | None:
        if node.name.value == "__getitem__":
            params = node.params.params
            if len(params) >= 2:
                self.positions.append(params[1].name.value)
                node.body.visit(self)
                self.positions.pop()
                return False
        return None

    def _comprehension(self, node, parts) -> bool:
        pushed = 0
        comp = node.for_in
        while comp is not None:
            if isinstance(comp.target, cst.Name) and _step_one_range(comp.iter):
                self.positions.append(comp.target.value)
                pushed += 1
            comp = comp.inner_for_in
        for part in parts:
            part.visit(self)
        node.for_in.visit(self)
        del self.positions[len(self.positions) - pushed:]
        return False

    def visit_ListComp(self, node: cst.ListComp) -> bool:
        return self._comprehension(node, [node.elt])

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> bool:
        return self._comprehension(node, [node.elt])

    def visit_SetComp(self, node: cst.SetComp) -> bool:
        return self._comprehension(node, [node.elt])

    def visit_DictComp(self, node: cst.DictComp) -> bool:
        return self._comprehension(node, [node.key, node.value])

    def visit_Subscript(self, node: cst.Subscript) -> bool | None:
        if self.positions and _window(node, set(self.positions), self.ends):
            self.found = True
            base = node.value
            if isinstance(base, cst.Name):
                self.bases.add(base.value)
        return None


def windowed_parameters(function: cst.FunctionDef) -> frozenset[str]:
    """The parameters of ``function`` whose own elements (rows) it cuts into overlapping windows
    (``def segment(x, k): for i in range(len(x)): end = i + k; w[i] = x[i:end]``); not those whose
    items it cuts (``for s in seqs: s[t - k:t]``: the windows stay inside each item)."""
    finder = _Finder()
    function.body.visit(finder)
    params = {p.name.value for p in (*function.params.posonly_params, *function.params.params)}
    return frozenset(finder.bases & params)



class WindowFacts:
    """:func:`slides_windows` of the functions and classes of one file, computed on first use."""

    def __init__(self) -> None:
        self._memo: dict[cst.CSTNode, bool] = {}
        self._params: dict[cst.FunctionDef, frozenset[str]] = {}

    @classmethod
    def compute(cls, ctx) -> "WindowFacts":
        return cls()

    def windowed_parameters(self, function: cst.FunctionDef) -> frozenset[str]:
        found = self._params.get(function)
        if found is None:
            found = self._params[function] = windowed_parameters(function)
        return found

    def slides(self, node: cst.CSTNode) -> bool:
        found = self._memo.get(node)
        if found is None:
            found = self._memo[node] = slides_windows(node)
        return found
