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


class L2PenaltyInLoss(Rule):
    """A hand-written squared-L2 penalty on the parameters: with SGD use ``weight_decay``; with Adam
    consider AdamW's decoupled weight decay."""

    code = "DL504"
    name = "l2-penalty-in-loss"
    summary = "Squared-L2 penalty added to the loss: SGD's weight_decay does it without graph memory."
    # Off by default: too few findings on public training code to measure its precision (fewer
    # than 10 judged; docs/precision.md). Enable with --extend-select DL504.
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
    ]

    def check(self, ctx) -> None:
        if not ctx.imports.uses("torch"):
            return
        optimisers = {ctx.imports.qualify(c.func) for c in ctx.index.of_type(cst.Call)} & {
            "torch.optim.SGD", "torch.optim.Adam"}
        if not optimisers:
            return
        for comp in ctx.index.of_type(cst.GeneratorExp, cst.ListComp):
            if not _iterates_parameters(comp) or not _squares(comp.elt):
                continue
            parent = ctx.index.parent(comp)
            if isinstance(parent, cst.Arg):
                parent = ctx.index.parent(parent)
            report_at = parent if isinstance(parent, cst.Call) else comp
            if "torch.optim.SGD" in optimisers:
                message = ("a squared-L2 penalty in the loss is what SGD(weight_decay=...) does, "
                           "without the graph nodes and memory: drop the penalty and set weight_decay")
            else:
                message = ("with Adam an L2 penalty is rescaled per weight by Adam's normaliser; for "
                           "weight decay use torch.optim.AdamW(weight_decay=...) instead of the penalty")
            ctx.report(report_at, message)
