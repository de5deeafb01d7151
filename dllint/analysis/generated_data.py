"""Data a scope makes up itself, and the statistics that belong to its making.

A function that generates a toy data set draws its inputs at random and computes the target from
them: ``x = np.random.sample(n)``, ``pi = np.sin(x) + 3 * x * np.cos(x)``, ``pi = pi / pi.max()``,
then ``pi.round()`` picks which of two noisy lines gives ``y``, and ``x`` and ``y`` are split
(pytorch_tabular's mixture density tutorial: eighth audit BP). The max there is part of the
definition of the ground truth, a step of the generating process: no preprocessing that a model
would replay on new rows, and no data set was fitted. Two facts say so:

- :func:`generated`: a value made, in its scope, only of random draws (``np.random.*``, a
  generator's draws, ``torch.rand*``), numpy/torch functions of such values, sizes (number
  literals, ``len(...)``, a parameter whose default is a number) and arithmetic: nothing read from a
  file, a data set or a caller's data.
- :meth:`Lineage.holds`: the bindings whose value *is* the split data up to reshaping, indexing,
  stacking, a method or function of one array and arithmetic with scalars (a statistic, a number);
  a combination of two or more arrays (``pi.round() * g1 + (1 - pi.round()) * g2``) is a new array
  made from ingredients, and the walk stops there.

:func:`generating_ingredient` puts them together for DL401: the statistic's input is generated, it
is not (a binding of) the split data itself, and it is computed from an array that is (``pi`` from
``x``): an intermediate of the data's generation. A statistic of a generated array that is split
(``y = MinMaxScaler().fit_transform(y)`` of a random ``y``, ``X = (raw - raw.mean(0)) / raw.std(0)``)
remains a preprocessing of the data, and so does one of a generated array that only noise is added
to before the split (``X = X_n + noise``: ``X_n``'s input derives from no split array). Every walk
is bounded (:data:`MAX_DEPTH` names deep, :data:`MAX_BINDINGS` bindings).
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.data import Binding, DataProvenance, Split, last_name
from dllint.analysis.imports import dotted_name
from dllint.analysis.sample_statistics import STATISTICS

MAX_DEPTH = 8
MAX_BINDINGS = 64
# random draws that take sizes and distribution parameters, and the generators that make them;
# never data to resample (``choice``, ``permutation`` or ``shuffle`` of an array are left out)
_DRAWS = frozenset({"rand", "randn", "random", "random_sample", "sample", "ranf", "uniform", "normal",
                    "standard_normal", "randint", "integers", "binomial", "poisson", "exponential",
                    "beta", "gamma", "multivariate_normal", "laplace", "logistic", "lognormal",
                    "standard_t", "chisquare", "dirichlet", "multinomial", "geometric", "bernoulli",
                    "rand_like", "randn_like", "randint_like", "gauss", "default_rng", "RandomState"})
_MADE = frozenset({"arange", "linspace", "zeros", "ones", "full", "eye"})
# builtins whose result is a number made from numbers
_NUMBER_BUILTINS = frozenset({"int", "float", "abs", "round", "min", "max"})
_ARRAY_LIBRARIES = ("numpy.", "torch.", "math.", "random.")
_LOADERS = frozenset({"load", "loadtxt", "genfromtxt", "fromfile", "memmap", "frombuffer", "fromregex",
                      "from_file", "read", "open"})


class Generation:
    """The two facts of the module docstring, for one file's :class:`DataProvenance`."""

    def __init__(self, provenance: DataProvenance) -> None:
        self.provenance = provenance
        self.index = provenance.index
        self.imports = provenance.ctx.imports
        self._generated: dict[cst.CSTNode, bool] = {}
        self._array: dict[cst.CSTNode, bool] = {}
        self._lineages: dict[int, set[int]] = {}

    # -- made up in the scope ----------------------------------------------------------------------
    def generated(self, expr: cst.BaseExpression, depth: int = 0) -> bool:
        """Is ``expr`` made in its scope only of random draws, numpy/torch functions of them, sizes
        and arithmetic? False whenever a part is not known to be so."""
        found = self._generated.get(expr)
        if found is None:
            if depth > MAX_DEPTH:
                return False
            self._generated[expr] = False  # a cycle through a loop's rebinding: not known
            found = self._generated[expr] = self._compute_generated(expr, depth)
        return found

    def _compute_generated(self, expr: cst.BaseExpression, depth: int) -> bool:
        if isinstance(expr, (cst.Integer, cst.Float, cst.Imaginary)):
            return True
        if isinstance(expr, cst.Name):
            if expr.value in ("None", "True", "False"):
                return True
            if expr not in self.index.order:
                return False
            found = self.provenance.lookup(expr, expr.value)
            if not found:
                return self._size_parameter(expr)
            return all(self._binding_generated(b, depth + 1) for b in found)
        if isinstance(expr, cst.Attribute):
            if (self.imports.qualify(expr) or "").startswith(_ARRAY_LIBRARIES):
                return True  # ``np.float32``, ``np.newaxis``, ``np.pi``
            return self.generated(expr.value, depth)  # ``x.T``, ``x.shape``
        if isinstance(expr, cst.UnaryOperation):
            return self.generated(expr.expression, depth)
        if isinstance(expr, (cst.BinaryOperation, cst.Comparison)):
            return all(self.generated(o, depth) for o in _operands(expr))
        if isinstance(expr, (cst.Tuple, cst.List)):
            return all(self.generated(e.value, depth) for e in expr.elements)
        if isinstance(expr, cst.Subscript):
            return self.generated(expr.value, depth)  # some of its rows or columns: still made up
        if isinstance(expr, cst.Call):
            return self._call_generated(expr, depth)
        return False

    def _call_generated(self, call: cst.Call, depth: int) -> bool:
        func = call.func
        if isinstance(func, cst.Name) and func.value == "len":
            return True  # a size, of anything
        args = all(self.generated(a.value, depth) for a in call.args
                   if a.keyword is None or not isinstance(a.value, cst.SimpleString))  # dtype="float32"
        if isinstance(func, cst.Name):
            return func.value in _NUMBER_BUILTINS and args
        name = last_name(func) or ""
        qualified = self.imports.qualify(func) or ""
        if qualified.startswith(_ARRAY_LIBRARIES):
            # ``np.random.sample(n)``, ``np.sin(x)``, ``np.float32(x)``; ``np.load(path)`` reads a file
            return name not in _LOADERS and args
        if qualified.startswith("sklearn.datasets.make_"):
            return args
        if isinstance(func, cst.Attribute) and not qualified:
            # a method of a made-up value: ``x.astype(np.float32)``, ``pi.max()``, ``rng.normal(size=n)``
            return name not in _LOADERS and args and self.generated(func.value, depth)
        return False

    def _binding_generated(self, binding: Binding, depth: int) -> bool:
        value = _bound_value(binding)
        return value is not None and self.generated(value, depth)

    def _size_parameter(self, name: cst.Name) -> bool:
        """A parameter of the enclosing function whose default is a number (``samples=int(1e5)``):
        a size or a rate, not data."""
        function = self.index.function_of(name)
        if function is None:
            return False
        params = function.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.name.value == name.value:
                return param.default is not None and _number(param.default)
        return False

    # -- the split data itself -----------------------------------------------------------------------
    def lineage(self, split: Split) -> set[int]:
        """The ids of the bindings whose value is the data ``split`` divides, up to reshaping,
        indexing, stacking, a function or method of one array and arithmetic with scalars; a
        combination of two or more arrays is made from ingredients, and the walk stops there."""
        found = self._lineages.get(id(split.node))
        if found is None:
            found = self._lineages[id(split.node)] = set()
            for expr in split.data:
                self._walk(expr, found, 0)
        return found

    def _walk(self, expr: cst.CSTNode, found: set[int], depth: int) -> None:
        if depth > MAX_DEPTH or len(found) > MAX_BINDINGS:
            return
        if isinstance(expr, (cst.Name, cst.Attribute)):
            name = dotted_name(expr)
            bindings = self.provenance.lookup(expr, name) if name and expr in self.index.order else []
            if not bindings and isinstance(expr, cst.Attribute):
                self._walk(expr.value, found, depth)
            for binding in bindings:
                if id(binding) not in found:
                    found.add(id(binding))
                    value = _bound_value(binding)
                    if value is not None:
                        self._walk(value, found, depth + 1)
            return
        if isinstance(expr, (cst.BinaryOperation, cst.Comparison)):
            operands = _operands(expr)
            if sum(1 for o in operands if self.array(o)) >= 2:
                return  # a new array made of several: its ingredients are not the data
            for operand in operands:
                self._walk(operand, found, depth)
            return
        if isinstance(expr, cst.Call) and (last_name(expr.func) or "") in STATISTICS:
            return  # a statistic: a number, not the array
        for child in _children(expr):
            self._walk(child, found, depth)

    def array(self, expr: cst.BaseExpression, depth: int = 0) -> bool:
        """Is ``expr`` an array made in the scope (a draw, a range, or computed from one)?
        Numbers, statistics and what is not known count as scalars."""
        found = self._array.get(expr)
        if found is None:
            if depth > MAX_DEPTH:
                return False
            self._array[expr] = False
            found = self._array[expr] = self._compute_array(expr, depth)
        return found

    def _compute_array(self, expr: cst.BaseExpression, depth: int) -> bool:
        if isinstance(expr, cst.Name):
            if expr not in self.index.order:
                return False
            return any(value is not None and self.array(value, depth + 1)
                       for value in map(_bound_value, self.provenance.lookup(expr, expr.value)))
        if isinstance(expr, cst.Call):
            name = last_name(expr.func) or ""
            if name in STATISTICS or name == "len":
                return False
            if name in _DRAWS or name in _MADE:
                return True
            parts = [a.value for a in expr.args]
            if isinstance(expr.func, cst.Attribute):
                parts.append(expr.func.value)
            return any(self.array(p, depth) for p in parts)
        if isinstance(expr, (cst.Attribute, cst.Subscript)):
            return self.array(expr.value, depth)
        if isinstance(expr, cst.UnaryOperation):
            return self.array(expr.expression, depth)
        if isinstance(expr, (cst.BinaryOperation, cst.Comparison)):
            return any(self.array(o, depth) for o in _operands(expr))
        return False

    # -- the fact DL401 asks -------------------------------------------------------------------------
    def generating_ingredient(self, data: cst.BaseExpression, split: Split) -> bool:
        """Is a statistic over ``data`` a step of generating the data ``split`` divides: ``data``
        is :meth:`generated`, no binding of it is the split data itself (:meth:`lineage`), and it
        is computed from a binding that is (``pi`` from ``x``)?"""
        if not self.generated(data):
            return False
        lineage = self.lineage(split)
        frontier: list[Binding] = []
        for node in _names(data):
            for binding in self.provenance.lookup(node, dotted_name(node) or ""):
                if id(binding) in lineage:
                    return False  # the statistic is over the data that is split
                frontier.append(binding)
        seen: set[int] = set()
        while frontier and len(seen) < MAX_BINDINGS:
            binding = frontier.pop()
            value = _bound_value(binding)
            if id(binding) in seen or value is None:
                continue
            seen.add(id(binding))
            for node in _names(value):
                for earlier in self.provenance.lookup(node, dotted_name(node) or ""):
                    if id(earlier) in lineage:
                        return True
                    frontier.append(earlier)
        return False


def _bound_value(binding: Binding) -> cst.BaseExpression | None:
    """The value ``binding`` gives its target (its element of a tuple value); None when that is not
    known (a loop variable, an unpacked call, a statement that binds nothing)."""
    value = binding.value
    if value is None or binding.kind in ("for", "use"):
        return None
    if binding.position is not None:
        if not isinstance(value, (cst.Tuple, cst.List)) or len(value.elements) != binding.count:
            return None
        return value.elements[binding.position].value
    return value


def _number(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, (cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.UnaryOperation):
        return _number(expr.expression)
    if isinstance(expr, cst.BinaryOperation):
        return _number(expr.left) and _number(expr.right)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value in ("int", "float"):
        return len(expr.args) == 1 and _number(expr.args[0].value)
    return False


def _operands(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(expr, cst.BinaryOperation):
        return [expr.left, expr.right]
    if isinstance(expr, cst.Comparison):
        return [expr.left, *(c.comparator for c in expr.comparisons)]
    return [expr]


def _children(expr: cst.CSTNode) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    for child in expr.children:
        if isinstance(child, cst.BaseExpression):
            out.append(child)
        else:
            out.extend(_children(child))
    return out


def _names(expr: cst.CSTNode) -> list[cst.BaseExpression]:
    """The variables ``expr`` reads, as their outermost names (``pi`` of ``pi.round()``, ``x`` of
    ``x.shape``; ``self.x`` whole)."""
    out: list[cst.BaseExpression] = []
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            out.append(node)
        elif isinstance(node, cst.Attribute) and dotted_name(node) is not None:
            head: cst.BaseExpression = node
            while isinstance(head, cst.Attribute) and dotted_name(head.value) != "self":
                head = head.value
            out.append(head)
        elif isinstance(node, cst.Arg) and node.keyword is not None:
            stack.append(node.value)
        else:
            stack.extend(reversed(node.children))
    return out
