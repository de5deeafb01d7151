"""DL504: an explicit squared-L2 penalty over the parameters added to the loss, beside an optimiser
that already decays the weights.

Why: the weights are decayed twice, by ``weight_decay`` and by the penalty's gradient, usually with
one coefficient meant for one of them. And with plain SGD, adding ``lam/2 * sum(p.pow(2).sum())``
to the loss gives the gradient an extra ``lam * p``, exactly what ``SGD(weight_decay=lam)`` adds,
but the penalty is part of the graph: one extra node and saved tensor per parameter every step, and
a sum over every weight in the forward. ``weight_decay`` does the same update in place, outside the
graph. With Adam the two are not the same (Adam rescales the penalty's gradient per weight); what
people usually mean by weight decay there is AdamW's decoupled decay.

Reported only when the file builds a torch optimiser whose ``weight_decay`` may be positive
(``dllint.analysis.penalties.decaying_optimisers``: a positive literal, a value the file does not
show, AdamW's default 0.01); beside ``SGD(params, lr)`` or ``Adam(params)``, which decay nothing,
the penalty is the only L2 term. An L1 penalty (which weight decay cannot replace) is silent. So is
a penalty that trains nothing: never a term of a loss, or in a loss computed without gradients or
in a function that never back-propagates, and a sum over a module that holds no parameter
(``dllint.analysis.penalties``). The penalty may be written elsewhere in the project: a function it
imports, a model's method called on a model whose class the file does not know (``model.l2()``
where every model class that defines ``l2`` returns the squared sum of its parameters), or a key of
the model's output that holds such a call (``out[LOSS_L2]``).
"""
from __future__ import annotations

from dllint.analysis.penalties import (decaying_optimisers, imported_penalty_calls, key_penalty_reads,
                                       method_penalty_calls, penalty_accumulations, penalty_sums)
from dllint.context import FileContext
from dllint.rule import Rule


class L2PenaltyInLoss(Rule):
    """A hand-written squared-L2 penalty on the parameters: with SGD use ``weight_decay``; with Adam
    consider AdamW's decoupled weight decay."""

    code = "DL504"
    name = "l2-penalty-in-loss"
    summary = "Squared-L2 penalty in the loss beside the optimiser's weight_decay: the weights are decayed twice."
    # Off by default: judged where it fires on public code, 18 findings right of 22 (0.82), under
    # the 0.95 a default rule needs (docs/precision.md). Enable with --extend-select DL504. The causes
    # of its false findings are silent since (gradient norms as comprehensions, evaluation-only
    # losses); on by default only after a fresh sample stays at 0.95 or more.
    default_enabled = False
    severity = "info"

    VALID = [
        # weight decay in the optimiser
        "import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1, weight_decay=1e-4)\nloss = crit(m(x), y)\n",
        # L1 is not replaceable by weight decay
        "import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1, weight_decay=5e-4)\n"
        "loss = loss + 1e-4 * sum(p.abs().sum() for p in m.parameters())\n",
        # unknown optimiser: no concrete advice, stay silent
        "import torch\nfrom lion_pytorch import Lion\nopt = Lion(m.parameters())\n"
        "loss = loss + 1e-4 * sum(p.pow(2).sum() for p in m.parameters())\n",
        # AdamW told not to decay: the penalty is the only L2 term
        "import torch\nopt = torch.optim.AdamW(m.parameters(), weight_decay=0.0)\n"
        "loss = loss + 1e-4 * sum((p ** 2).sum() for p in m.parameters())\n",
        # The penalty is the only L2 term when the optimiser decays nothing: SGD and Adam without
        # weight_decay, a literal 0, a parameter or a command-line option whose default is 0.
        "import torch\nopt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)\n"
        "loss = crit(model(x), y) + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())\n",
        "import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3)\nl2 = 0\n"
        "for p in model.parameters():\n    l2 = l2 + torch.norm(p) ** 2\nloss = crit(model(x), y) + 1e-4 * l2\n",
        "import torch\nopt = torch.optim.SGD(model.parameters(), 0.1, 0.9, 0, 0)\n"
        "loss = crit(model(x), y) + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())\n",
        "import torch\ndef make(model, lr=0.1, weight_decay=0.0):\n"
        "    return torch.optim.SGD(model.parameters(), lr=lr, weight_decay=weight_decay)\n"
        "opt = make(model)\nloss = crit(model(x), y) + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())\n",
        "import argparse\nimport torch\nparser = argparse.ArgumentParser()\n"
        "parser.add_argument('--wd', type=float, default=0)\nargs = parser.parse_args()\n"
        "opt = torch.optim.Adam(model.parameters(), weight_decay=args.wd)\n"
        "loss = crit(model(x), y) + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())\n",
        "import torch\nopt = torch.optim.SGD([{'params': model.parameters(), 'weight_decay': 0}], lr=0.1)\n"
        "loss = crit(model(x), y) + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())\n",
        # a penalty on activations, not parameters
        "import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1, weight_decay=5e-4)\n"
        "loss = loss + 1e-3 * sum(h.pow(2).mean() for h in hidden_states)\n",
        # an unsquared norm is not weight decay
        "import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1, weight_decay=5e-4)\n"
        "loss = loss + 1e-3 * sum(p.norm(2) for p in m.parameters())\n",
        # not torch
        "params = model.parameters()\npenalty = sum(p ** 2 for p in model.parameters())\n",
        "import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1, weight_decay=5e-4)\n"
        "n = sum(p.numel() for p in m.parameters())\n",
        # a loop that counts the parameters
        "import torch\nopt = torch.optim.Adam(m.parameters(), weight_decay=5e-4)\n"
        "n = 0\n"
        "for p in m.parameters():\n"
        "    n = n + p.numel() ** 2\n"
        "loss = loss + 1e-9 * n\n",
        # the gradient norm for clipping: squares of p.grad, then a square root, not a loss term
        "import torch\nopt = torch.optim.Adam(model.parameters(), weight_decay=5e-4)\n"
        "total = 0.0\n"
        "for p in model.parameters():\n"
        "    total += p.grad.norm(2) ** 2\n"
        "total = total ** 0.5\n",
        # the weights' norm for logging: never added to a loss
        "import torch\nopt = torch.optim.Adam(model.parameters(), weight_decay=5e-4)\n"
        "def log_norm(model, writer, step):\n"
        "    sq = 0.0\n"
        "    for name, p in model.named_parameters():\n"
        "        sq = sq + p.norm() ** 2\n"
        "    writer.add_scalar('weight_norm', sq.sqrt(), step)\n",
        # an L1 penalty accumulated in a loop
        "import torch\nopt = torch.optim.Adam(model.parameters(), weight_decay=5e-4)\n"
        "l1 = 0\n"
        "for p in model.parameters():\n"
        "    l1 += p.abs().sum()\n"
        "loss = loss + 1e-4 * l1\n",
        # The gradient norm, written as a comprehension: squares of p.grad (and Python numbers),
        # the same test as the loop form.
        "import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=5e-4)\nloss.backward()\n"
        "grad_norm = sum(p.grad.norm().item() ** 2 for p in model.parameters() if p.grad is not None) ** 0.5\n"
        "opt.step()\n",
        "import math\nimport torch\nopt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)\n"
        "total_norm = math.sqrt(sum(p.grad.data.norm(2) ** 2 for p in model.parameters()))\n",
        # A penalty only computed, never added to a loss (the term commented out).
        "import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=5e-4)\n"
        "l2_penalty = sum(p.pow(2.0).sum() for p in model.parameters())\n"
        "loss = crit(model(x), y)  # + 1e-4 * l2_penalty\nloss.backward()\nopt.step()\n",
        # A validation loss under no_grad: no graph, no update, a number reported.
        "import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=5e-4)\nwith torch.no_grad():\n"
        "    val_loss = crit(model(x), y) + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())\n",
        "import torch\nopt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)\n"
        "@torch.inference_mode()\ndef evaluate(model, x, y):\n    reg = 0\n"
        "    for p in model.parameters():\n        reg += p.pow(2).sum()\n"
        "    return crit(model(x), y) + 1e-4 * reg\n",
        # A validate() that never back-propagates, whose loss the training loop only records.
        "import torch\n"
        "def validate(model, loader):\n    total = 0\n    for x, y in loader:\n"
        "        l2 = sum(p.pow(2.0).sum() for p in model.parameters())\n"
        "        total += crit(model(x), y) + 1e-4 * l2\n    return total\n"
        "def train(model, loader, val_loader):\n    opt = torch.optim.Adam(model.parameters(), weight_decay=5e-4)\n"
        "    history = []\n    for x, y in loader:\n        loss = crit(model(x), y)\n"
        "        loss.backward()\n        opt.step()\n"
        "    val_loss = validate(model, val_loader)\n    history.append(val_loss)\n",
        # Scaled into a name, then only logged.
        "import torch\nopt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)\n"
        "l2 = sum(p.pow(2).sum() for p in model.parameters())\nscaled = l2 * 1e-4\n"
        "writer.add_scalar('l2', scaled, step)\n",
        # A model method named l2 that is a distance, not a penalty over the parameters.
        "import torch\nimport torch.nn as nn\n"
        "class Siamese(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(8, 4)\n    def forward(self, x):\n        return self.fc(x)\n"
        "    def l2(self, a, b):\n        return ((self.fc(a) - self.fc(b)) ** 2).sum()\n"
        "class Trainer:\n    def fit(self, model, loader, lam):\n"
        "        opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)\n        for a, b, y in loader:\n"
        "            loss = crit(model(a), y) + model.l2(a, b) * lam\n            loss.backward()\n"
        "            opt.step()\n",
        # The model's norm() is a penalty, but h.norm() is a tensor's: its receiver is no model.
        "import torch\nimport torch.nn as nn\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(4, 2)\n    def forward(self, x):\n        return self.fc(x)\n"
        "    def norm(self):\n        l2 = 0\n        for p in self.parameters():\n"
        "            l2 += (p ** 2).sum()\n        return l2\n"
        "net = Net()\nopt = torch.optim.SGD(net.parameters(), lr=0.1, weight_decay=5e-4)\nh = net(x)\n"
        "loss = crit(h, y) + 1e-3 * h.norm()\n",
        # One class's l2 is a penalty, another's a distance: the name alone says nothing.
        "import torch\nimport torch.nn as nn\n"
        "class MF(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.emb = nn.Embedding(10, 4)\n    def l2(self):\n        l2 = 0\n"
        "        for p in self.parameters():\n            l2 += (p ** 2).sum()\n        return l2\n"
        "class Pair(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(4, 4)\n    def l2(self):\n        return (self.fc.weight - 1).pow(2).sum()\n"
        "def fit(model, loader, lam):\n    opt = torch.optim.Adam(model.parameters(), weight_decay=5e-4)\n"
        "    for x, y in loader:\n        loss = crit(model(x), y) + model.l2() * lam\n"
        "        loss.backward()\n        opt.step()\n",
        # A penalty method in a validation loss only: no gradient.
        "import torch\nimport torch.nn as nn\n"
        "class MF(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.emb = nn.Embedding(10, 4)\n    def l2(self):\n        l2 = 0\n"
        "        for p in self.parameters():\n            l2 += (p ** 2).sum()\n        return l2\n"
        "model = MF()\nopt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)\nwith torch.no_grad():\n"
        "    val_loss = crit(model(x), y) + model.l2() * 1e-4\n",
        # The squares of an empty parameter list: a loss module holds none (the sum is zero).
        "import torch\nimport torch.nn as nn\n"
        "class SmoothLoss(nn.Module):\n    def __init__(self, eps=0.1):\n        super().__init__()\n"
        "        self.eps = eps\n    def forward(self, out, y):\n        return ((out - y) ** 2).mean()\n"
        "    def reg(self):\n        return sum(p.pow(2).sum() for p in self.parameters())\n"
        "crit = SmoothLoss()\nopt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)\n"
        "loss = crit(model(x), y) + 1e-4 * crit.reg()\n",
        # A key the model fills with a penalty in one place and a distance in another.
        "import torch\nimport torch.nn as nn\n"
        "class MF(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.emb = nn.Embedding(10, 4)\n    def l2(self):\n        l2 = 0\n"
        "        for p in self.parameters():\n            l2 += (p ** 2).sum()\n        return l2\n"
        "    def forward(self, batch, other=None):\n        out = {'prediction': self.emb(batch).sum(-1)}\n"
        "        if other is None:\n            out['reg'] = self.l2()\n"
        "        else:\n            out['reg'] = (self.emb(batch) - self.emb(other)).pow(2).sum()\n"
        "        return out\n"
        "model = MF()\nopt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)\nfor batch, y in loader:\n"
        "    out = model(batch)\n    loss = crit(out['prediction'], y) + 1e-4 * out['reg']\n"
        "    loss.backward()\n    opt.step()\n",
    ]
    INVALID = [
        # AdamW decays by default (weight_decay=0.01): the penalty decays a second time
        "import torch\nopt = torch.optim.AdamW(model.parameters())\n"
        "l2 = 0\n"
        "for p in model.parameters():\n"
        "    l2 += p.pow(2).sum()  # expect: DL504\n"
        "loss = loss + 1e-4 * l2\n",
        # a decay given positionally, in a parameter group, or through **kwargs the file does not show
        "import torch\nopt = torch.optim.SGD(model.parameters(), 0.1, 0.9, 0, 5e-4)\n"
        "loss = crit(model(x), y) + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())  # expect: DL504\n",
        "import torch\nopt = torch.optim.SGD([{'params': model.parameters(), 'weight_decay': 1e-4}], lr=0.1)\n"
        "loss = crit(model(x), y) + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())  # expect: DL504\n",
        "import torch\nopt = torch.optim.Adam(model.parameters(), **cfg['optim'])\n"
        "loss = crit(model(x), y) + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())  # expect: DL504\n",
        "import torch\ndef make(model, lr=0.1, weight_decay=1e-4):\n"
        "    return torch.optim.SGD(model.parameters(), lr=lr, weight_decay=weight_decay)\n"
        "opt = make(model)\nloss = crit(model(x), y) + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())  # expect: DL504\n",
        "import torch\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)\n"
        "loss = criterion(model(x), y)\n"
        "loss = loss + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())  # expect: DL504\n",
        "import torch\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=args.wd)\n"
        "l2 = sum((p ** 2).sum() for p in model.parameters())  # expect: DL504\n"
        "loss = ce + lam * l2\n",
        "from torch import optim\n"
        "opt = optim.Adam(net.parameters(), lr=1e-3, weight_decay=5e-4)\n"
        "reg = sum(torch.sum(w * w) for w in net.parameters())  # expect: DL504\n"
        "loss = crit(net(x), y) + 1e-4 * reg\n",
        "import torch\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.01, weight_decay=5e-4)\n"
        "penalty = sum(p.norm(2) ** 2 for name, p in model.named_parameters() if 'weight' in name)  # expect: DL504\n"
        "loss += 1e-4 * penalty\n",
        "import torch\n"
        "def train(model, loader, lam=1e-4):\n"
        "    opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)\n"
        "    for x, y in loader:\n"
        "        loss = crit(model(x), y) + lam * sum([p.square().sum() for p in model.parameters()])  # expect: DL504\n",
        "import torch.optim as optim\n"
        "optimizer = optim.SGD(model.parameters(), lr=0.05, weight_decay=args.wd)\n"
        "l2_reg = torch.tensor(0.)\n"
        "l2_reg = sum(param.pow(2.0).sum() for param in model.parameters())  # expect: DL504\n"
        "loss = crit(model(x), y) + l2_lambda * l2_reg\n",
        "import torch\n"
        "class Trainer:\n"
        "    def __init__(self, model):\n"
        "        self.opt = torch.optim.Adam(model.parameters(), weight_decay=5e-4)\n"
        "    def loss(self, out, y):\n"
        "        return self.crit(out, y) + 1e-5 * sum((w**2).sum() for w in self.model.parameters())  # expect: DL504\n",
        "import torch\n"
        "opt = torch.optim.SGD(m.parameters(), lr=0.1, weight_decay=5e-4)\n"
        "loss += 5e-4 * sum(torch.norm(p) ** 2 for p in m.parameters())  # expect: DL504\n",
        # the loop form, in a script
        "import torch\n"
        "opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=5e-4)\n"
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
        "        self.opt = torch.optim.Adam(model.parameters(), weight_decay=cfg['wd'])\n"
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
        "opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)\n"
        "l2 = 0\n"
        "for p in model.parameters():\n"
        "    l2 += (p * p).sum()  # expect: DL504\n"
        "loss = ce + 5e-4 * l2\n",
        # Twins of the silent cases: the weights' own squares in a comprehension, added to the
        # loss after the gradient norm is taken; a penalty in a training loss beside a no_grad
        # validation; a function without backward() whose loss a caller back-propagates.
        "import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=5e-4)\n"
        "grad_norm = sum(p.grad.norm().item() ** 2 for p in model.parameters()) ** 0.5\n"
        "loss = crit(model(x), y) + 1e-4 * sum(p.norm() ** 2 for p in model.parameters())  # expect: DL504\n",
        "import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=5e-4)\n"
        "loss = crit(model(x), y) + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())  # expect: DL504\n"
        "loss.backward()\nwith torch.no_grad():\n"
        "    val_loss = crit(model(vx), vy) + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())\n",
        "import torch\n"
        "def compute_loss(model, x, y):\n"
        "    l2 = sum(p.pow(2.0).sum() for p in model.parameters())  # expect: DL504\n"
        "    return crit(model(x), y) + 1e-4 * l2\n"
        "def train(model, loader):\n    opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)\n"
        "    for x, y in loader:\n        loss = compute_loss(model, x, y)\n"
        "        loss.backward()\n        opt.step()\n",
        "import torch\n"
        "def validate(model, loader):\n    total = 0\n    for x, y in loader:\n"
        "        total += crit(model(x), y) + 1e-4 * sum(p.pow(2.0).sum() for p in model.parameters())  # expect: DL504\n"
        "    return total\n"
        "def train(model, loader, val_loader):\n    opt = torch.optim.Adam(model.parameters(), weight_decay=5e-4)\n"
        "    val_loss = validate(model, val_loader)\n    val_loss.backward()\n    opt.step()\n",
        # Scaled into a name before the add (a Lightning training_step; a loop's accumulator).
        "import torch\nimport pytorch_lightning as pl\nclass Net(pl.LightningModule):\n"
        "    def training_step(self, batch, batch_idx):\n"
        "        l2_norm = sum(p.pow(2.0).sum() for p in self.encoder.parameters())  # expect: DL504\n"
        "        l2_regularization = l2_norm * 0.001\n"
        "        return self.crit(self(batch[0]), batch[1]).mean() + l2_regularization\n"
        "    def configure_optimizers(self):\n        return torch.optim.SGD(self.parameters(), lr=0.05, weight_decay=5e-4)\n",
        "import torch\nopt = torch.optim.Adam(model.parameters(), weight_decay=5e-4)\ntotal = 0\n"
        "for p in model.parameters():\n    total += torch.norm(p) ** 2  # expect: DL504\n"
        "reg = 1e-5 * total\nloss = crit(model(x), y) + reg\n",
        # A model's penalty method called from a trainer that receives the model (its class
        # unknown there): the name is a penalty on every model class that defines it.
        "import torch\nimport torch.nn as nn\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(4, 2)\n    def forward(self, x):\n        return self.fc(x)\n"
        "    def l2(self):\n        l2 = 0\n        for p in self.parameters():\n"
        "            l2 += (p ** 2).sum()\n        return l2\n"
        "class Trainer:\n    def __init__(self, lam):\n        self.lam = lam\n"
        "    def fit(self, model, loader):\n"
        "        opt = torch.optim.Adam(model.parameters(), weight_decay=self.lam)\n"
        "        for x, y in loader:\n"
        "            loss = crit(model(x), y) + model.l2() * self.lam  # expect: DL504\n"
        "            loss.backward()\n            opt.step()\n",
        # The same penalty stored by forward() under a key of its output, read in a script.
        "import torch\nimport torch.nn as nn\n"
        "class MF(nn.Module):\n    def __init__(self, n):\n        super().__init__()\n"
        "        self.emb = nn.Embedding(n, 8)\n"
        "    def l2(self):\n        return sum(p.pow(2).sum() for p in self.parameters())  # expect: DL504\n"
        "    def forward(self, batch):\n        out = {'prediction': self.emb(batch).sum(-1)}\n"
        "        out['loss_l2'] = self.l2()\n        return out\n"
        "model = MF(100)\nopt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=1e-4)\n"
        "for batch, y in loader:\n    out = model(batch)\n"
        "    l2 = out['loss_l2'] * 1e-4  # expect: DL504\n"
        "    loss = crit(out['prediction'], y) + l2\n    loss.backward()\n    opt.step()\n",
        # Twin of the empty loss module: the model's own parameters.
        "import torch\nimport torch.nn as nn\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(4, 2)\n    def forward(self, x):\n        return self.fc(x)\n"
        "    def reg(self):\n        return sum(p.pow(2).sum() for p in self.parameters())  # expect: DL504\n"
        "net = Net()\nopt = torch.optim.SGD(net.parameters(), lr=0.1, weight_decay=5e-4)\n"
        "loss = crit(net(x), y) + 1e-4 * net.reg()  # expect: DL504\n",
    ]

    def check(self, ctx: FileContext) -> None:
        if not ctx.imports.uses("torch"):
            return
        decaying = decaying_optimisers(ctx)
        if not decaying:
            return  # no weight decay beside the penalty: the one L2 term the file applies
        call, given = decaying[0]
        line = ctx.position(call).start.line
        message = (f"a squared-L2 penalty on the parameters in the loss, beside {given} at line {line}: "
                   "the weights are decayed twice. Keep one: weight_decay does it without the graph "
                   "nodes and memory (with Adam both are rescaled per weight; AdamW decouples the decay)")
        for node in penalty_sums(ctx):
            ctx.report(node, message)
        for statement in penalty_accumulations(ctx):
            ctx.report(statement, message)
        for call in imported_penalty_calls(ctx):
            ctx.report(call, message)
        for call in method_penalty_calls(ctx):
            ctx.report(call, message)
        for read in key_penalty_reads(ctx):
            ctx.report(read, message)
