"""DL504: an explicit squared-L2 penalty over the parameters added to the loss.

Why: with plain SGD, adding ``lam/2 * sum(p.pow(2).sum())`` to the loss gives the gradient an extra
``lam * p``, exactly what ``SGD(weight_decay=lam)`` adds, but the penalty is part of the graph: one
extra node and saved tensor per parameter every step, and a sum over every weight in the forward.
``weight_decay`` does the same update in place, outside the graph. With Adam the two are not the
same (Adam rescales the penalty's gradient per weight); what people usually mean by weight decay
there is AdamW's decoupled decay.

Reported only when the file builds a torch SGD or Adam optimiser, so that the advice is concrete;
a penalty used with another optimiser, or an L1 penalty (which weight decay cannot replace), is
silent.
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.calls import number
from dllint.analysis.imports import dotted_name
from dllint.analysis.project import find_called, project_imports
from dllint.index import iter_subtree
from dllint.rule import Rule

_PARAMETER_METHODS = {"parameters", "named_parameters"}


def _squares(node: cst.BaseExpression) -> bool:
    """``p.pow(2)``, ``p ** 2``, ``p * p``, ``p.square()``, ``torch.norm(p) ** 2``, ``p.norm(2) ** 2``."""
    for sub in iter_subtree(node):
        if isinstance(sub, cst.BinaryOperation):
            if isinstance(sub.operator, cst.Power) and number(sub.right) == 2:
                return True
            if isinstance(sub.operator, cst.Multiply) and dotted_name(sub.left) and \
                    dotted_name(sub.left) == dotted_name(sub.right):
                return True
        if isinstance(sub, cst.Call) and isinstance(sub.func, cst.Attribute):
            attr = sub.func.attr.value
            if attr == "pow" and sub.args and number(sub.args[0].value) == 2:
                return True
            if attr == "square":
                return True
    return False


def _iterates_parameters(comp: cst.BaseComp) -> bool:
    for sub in iter_subtree(comp.for_in):
        if isinstance(sub, cst.CompFor) and isinstance(sub.iter, cst.Call) and \
                isinstance(sub.iter.func, cst.Attribute) and sub.iter.func.attr.value in _PARAMETER_METHODS:
            return True
    return False


# Read from a parameter, these give no term of the graph over its values: its gradient, a detached
# copy, a Python number, or its size.
_NOT_ITS_VALUES = {"grad", "data", "item", "detach", "numel", "nelement", "size", "shape", "dim"}


def _parameter_loop_names(loop: cst.For) -> set[str]:
    """The names a ``for p in m.parameters()`` (or ``for name, p in m.named_parameters()``) binds."""
    it = loop.iter
    if not (isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute) and
            it.func.attr.value in _PARAMETER_METHODS):
        return set()
    target = loop.target
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, cst.Tuple) and target.elements and isinstance(target.elements[-1].value, cst.Name):
        return {target.elements[-1].value.value}
    return set()


def _square_of_parameter(expr: cst.BaseExpression, names: set[str]) -> bool:
    """A square of the loop's parameter itself, in the graph: not of its gradient, a detached copy
    or its size (a norm for logging or clipping, a count)."""
    if not _squares(expr):
        return False
    reads = False
    for sub in iter_subtree(expr):
        if isinstance(sub, cst.Attribute) and sub.attr.value in _NOT_ITS_VALUES:
            return False
        if isinstance(sub, cst.Name) and sub.value in names:
            reads = True
    return reads


def _accumulations(loop: cst.For, names: set[str]):
    """The statements of ``loop`` that add a squared parameter to a name: ``l2 += p.pow(2).sum()``
    or ``l2 = l2 + torch.norm(p) ** 2``, with the name."""
    for sub in iter_subtree(loop.body):
        if isinstance(sub, cst.AugAssign) and isinstance(sub.operator, cst.AddAssign) and \
                isinstance(sub.target, cst.Name) and _square_of_parameter(sub.value, names):
            yield sub, sub.target.value
        elif isinstance(sub, cst.Assign) and len(sub.targets) == 1 and \
                isinstance(sub.targets[0].target, cst.Name) and isinstance(sub.value, cst.BinaryOperation) and \
                isinstance(sub.value.operator, cst.Add):
            name = sub.targets[0].target.value
            left, right = sub.value.left, sub.value.right
            for own, added in ((left, right), (right, left)):
                if isinstance(own, cst.Name) and own.value == name and _square_of_parameter(added, names):
                    yield sub, name
                    break


def _added_after(ctx, loop: cst.CSTNode, name: str) -> bool:
    """Whether ``name`` is read after the loop, in its function, as a term of a sum (the loss)."""
    scope = ctx.index.function_of(loop) or ctx.module
    end = max(ctx.index.order[n] for n in iter_subtree(loop))
    for use in ctx.index.of_type(cst.Name):
        if use.value != name or ctx.index.order[use] <= end or \
                (ctx.index.function_of(use) or ctx.module) is not scope:
            continue
        for ancestor in ctx.index.ancestors(use):
            if isinstance(ancestor, cst.BinaryOperation) and isinstance(ancestor.operator, cst.Add):
                return True
            if isinstance(ancestor, cst.AugAssign):
                return isinstance(ancestor.operator, cst.AddAssign) and ancestor.value is not None and \
                    any(n is use for n in iter_subtree(ancestor.value))
            if isinstance(ancestor, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
                break
    return False


def _penalty_expressions(function: cst.FunctionDef) -> tuple[list[cst.BaseExpression], set[str]]:
    """The squared-L2 sums over the parameters that ``function`` builds: the comprehensions, and
    the names a loop accumulates them into or a comprehension is assigned to."""
    comps = [c for c in iter_subtree(function.body) if isinstance(c, (cst.GeneratorExp, cst.ListComp))
             and _iterates_parameters(c) and _squares(c.elt)]
    names: set[str] = set()
    for loop in iter_subtree(function.body):
        if isinstance(loop, cst.For):
            names |= {name for _, name in _accumulations(loop, _parameter_loop_names(loop))}
    for assign in iter_subtree(function.body):
        if isinstance(assign, cst.Assign) and len(assign.targets) == 1 and \
                isinstance(assign.targets[0].target, cst.Name) and \
                any(c is sub for c in comps for sub in iter_subtree(assign.value)):
            names.add(assign.targets[0].target.value)
    return comps, names


def returns_l2_penalty(function: cst.FunctionDef) -> bool:
    """Whether ``function`` returns a squared-L2 sum over the parameters it iterates (a summary of
    the function, read where a caller in another module adds the result to its loss)."""
    comps, names = _penalty_expressions(function)
    for ret in iter_subtree(function.body):
        if not isinstance(ret, cst.Return) or ret.value is None:
            continue
        for sub in iter_subtree(ret.value):
            if any(sub is c for c in comps) or (isinstance(sub, cst.Name) and sub.value in names):
                return True
    return False


def _no_receiver_facts(expr, call, imports):
    return None  # only imported functions: a method's receiver class is not known here


def _in_a_sum(ctx, call: cst.Call) -> bool:
    """Whether the value of ``call`` is a term of a sum: in the statement itself, or through the
    name it is assigned to."""
    for ancestor in ctx.index.ancestors(call):
        if isinstance(ancestor, cst.BinaryOperation) and isinstance(ancestor.operator, cst.Add):
            return True
        if isinstance(ancestor, cst.AugAssign):
            return isinstance(ancestor.operator, cst.AddAssign)
        if isinstance(ancestor, cst.Assign):
            targets = ancestor.targets
            return len(targets) == 1 and isinstance(targets[0].target, cst.Name) and \
                _added_after(ctx, ancestor, targets[0].target.value)
        if isinstance(ancestor, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            return False
    return False


class L2PenaltyInLoss(Rule):
    """A hand-written squared-L2 penalty on the parameters: with SGD use ``weight_decay``; with Adam
    consider AdamW's decoupled weight decay."""

    code = "DL504"
    name = "l2-penalty-in-loss"
    summary = "Squared-L2 penalty added to the loss: SGD's weight_decay does it without graph memory."
    # Off by default: judged where it fires on public code, 18 findings right of 22 (0.82), under
    # the 0.95 a default rule needs (docs/precision.md). Enable with --extend-select DL504.
    default_enabled = False
    severity = "info"

    VALID = [
        # weight decay in the optimiser
        "import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1, weight_decay=1e-4)\nloss = crit(m(x), y)\n",
        # L1 is not replaceable by weight decay
        "import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
        "loss = loss + 1e-4 * sum(p.abs().sum() for p in m.parameters())\n",
        # unknown optimiser: no concrete advice, stay silent
        "import torch\nfrom lion_pytorch import Lion\nopt = Lion(m.parameters())\n"
        "loss = loss + 1e-4 * sum(p.pow(2).sum() for p in m.parameters())\n",
        # AdamW already decouples; a penalty on top is a deliberate choice
        "import torch\nopt = torch.optim.AdamW(m.parameters())\n"
        "loss = loss + 1e-4 * sum((p ** 2).sum() for p in m.parameters())\n",
        # a penalty on activations, not parameters
        "import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
        "loss = loss + 1e-3 * sum(h.pow(2).mean() for h in hidden_states)\n",
        # an unsquared norm is not weight decay
        "import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
        "loss = loss + 1e-3 * sum(p.norm(2) for p in m.parameters())\n",
        # not torch
        "params = model.parameters()\npenalty = sum(p ** 2 for p in model.parameters())\n",
        "import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
        "n = sum(p.numel() for p in m.parameters())\n",
        # a loop that counts the parameters
        "import torch\nopt = torch.optim.Adam(m.parameters())\n"
        "n = 0\n"
        "for p in m.parameters():\n"
        "    n = n + p.numel() ** 2\n"
        "loss = loss + 1e-9 * n\n",
        # the gradient norm for clipping: squares of p.grad, then a square root, not a loss term
        "import torch\nopt = torch.optim.Adam(model.parameters())\n"
        "total = 0.0\n"
        "for p in model.parameters():\n"
        "    total += p.grad.norm(2) ** 2\n"
        "total = total ** 0.5\n",
        # the weights' norm for logging: never added to a loss
        "import torch\nopt = torch.optim.Adam(model.parameters())\n"
        "def log_norm(model, writer, step):\n"
        "    sq = 0.0\n"
        "    for name, p in model.named_parameters():\n"
        "        sq = sq + p.norm() ** 2\n"
        "    writer.add_scalar('weight_norm', sq.sqrt(), step)\n",
        # an L1 penalty accumulated in a loop
        "import torch\nopt = torch.optim.Adam(model.parameters())\n"
        "l1 = 0\n"
        "for p in model.parameters():\n"
        "    l1 += p.abs().sum()\n"
        "loss = loss + 1e-4 * l1\n",
        # AdamW: a deliberate extra penalty
        "import torch\nopt = torch.optim.AdamW(model.parameters())\n"
        "l2 = 0\n"
        "for p in model.parameters():\n"
        "    l2 += p.pow(2).sum()\n"
        "loss = loss + 1e-4 * l2\n",
    ]
    INVALID = [
        "import torch\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "loss = criterion(model(x), y)\n"
        "loss = loss + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())  # expect: DL504\n",
        "import torch\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)\n"
        "l2 = sum((p ** 2).sum() for p in model.parameters())  # expect: DL504\n"
        "loss = ce + lam * l2\n",
        "from torch import optim\n"
        "opt = optim.Adam(net.parameters(), lr=1e-3)\n"
        "reg = sum(torch.sum(w * w) for w in net.parameters())  # expect: DL504\n",
        "import torch\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.01)\n"
        "penalty = sum(p.norm(2) ** 2 for name, p in model.named_parameters() if 'weight' in name)  # expect: DL504\n",
        "import torch\n"
        "def train(model, loader, lam=1e-4):\n"
        "    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    for x, y in loader:\n"
        "        loss = crit(model(x), y) + lam * sum([p.square().sum() for p in model.parameters()])  # expect: DL504\n",
        "import torch.optim as optim\n"
        "optimizer = optim.SGD(model.parameters(), lr=0.05)\n"
        "l2_reg = torch.tensor(0.)\n"
        "l2_reg = sum(param.pow(2.0).sum() for param in model.parameters())  # expect: DL504\n",
        "import torch\n"
        "class Trainer:\n"
        "    def __init__(self, model):\n"
        "        self.opt = torch.optim.Adam(model.parameters())\n"
        "    def loss(self, out, y):\n"
        "        return self.crit(out, y) + 1e-5 * sum((w**2).sum() for w in self.model.parameters())  # expect: DL504\n",
        "import torch\n"
        "opt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
        "loss += 5e-4 * sum(torch.norm(p) ** 2 for p in m.parameters())  # expect: DL504\n",
        # the loop form, in a script
        "import torch\n"
        "opt = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
        "for x, y in loader:\n"
        "    loss = crit(model(x), y)\n"
        "    l2 = 0\n"
        "    for p in model.parameters():\n"
        "        l2 = l2 + torch.norm(p) ** 2  # expect: DL504\n"
        "    loss = loss + lam * l2\n"
        "    opt.zero_grad()\n"
        "    loss.backward()\n"
        "    opt.step()\n",
        # the loop form, in a Trainer method, over named parameters
        "import torch\n"
        "class Trainer:\n"
        "    def __init__(self, model):\n"
        "        self.model = model\n"
        "        self.opt = torch.optim.Adam(model.parameters())\n"
        "    def compute_loss(self, out, y):\n"
        "        loss = self.crit(out, y)\n"
        "        reg = torch.tensor(0.0)\n"
        "        for name, w in self.model.named_parameters():\n"
        "            if 'weight' in name:\n"
        "                reg += w.pow(2).sum()  # expect: DL504\n"
        "        loss += self.lam * reg\n"
        "        return loss\n",
        # with SGD the penalty is weight decay
        "import torch\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "l2 = 0\n"
        "for p in model.parameters():\n"
        "    l2 += (p * p).sum()  # expect: DL504\n"
        "loss = ce + 5e-4 * l2\n",
    ]

    def check(self, ctx) -> None:
        if not ctx.imports.uses("torch"):
            return
        optimisers = {ctx.imports.qualify(c.func) for c in ctx.index.of_type(cst.Call)} & {
            "torch.optim.SGD", "torch.optim.Adam"}
        if not optimisers:
            return
        if "torch.optim.SGD" in optimisers:
            message = ("a squared-L2 penalty in the loss is what SGD(weight_decay=...) does, "
                       "without the graph nodes and memory: drop the penalty and set weight_decay")
        else:
            message = ("with Adam an L2 penalty is rescaled per weight by Adam's normaliser; for "
                       "weight decay use torch.optim.AdamW(weight_decay=...) instead of the penalty")
        for comp in ctx.index.of_type(cst.GeneratorExp, cst.ListComp):
            if not _iterates_parameters(comp) or not _squares(comp.elt):
                continue
            parent = ctx.index.parent(comp)
            if isinstance(parent, cst.Arg):
                parent = ctx.index.parent(parent)
            report_at = parent if isinstance(parent, cst.Call) else comp
            ctx.report(report_at, message)
        # The loop form: ``l2 = 0; for p in m.parameters(): l2 += p.pow(2).sum()``, then the sum
        # is added to the loss.
        for loop in ctx.index.of_type(cst.For):
            names = _parameter_loop_names(loop)
            if not names:
                continue
            for statement, accumulator in _accumulations(loop, names):
                if _added_after(ctx, loop, accumulator):
                    ctx.report(statement, message)
        # The penalty written in another module of the project: ``loss = ce + lam * l2(model)``
        # where ``l2`` (imported) returns the squared sum over the parameters.
        imports = project_imports(ctx)
        if imports is None:
            return
        for call in ctx.index.of_type(cst.Call):
            found = find_called(ctx, call, imports, _no_receiver_facts)
            if found is not None and returns_l2_penalty(found[1]) and _in_a_sum(ctx, call):
                ctx.report(call, message)
