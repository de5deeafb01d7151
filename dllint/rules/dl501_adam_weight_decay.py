"""DL501: ``torch.optim.Adam`` with ``weight_decay > 0``.

Why: Adam's ``weight_decay`` adds ``w * p`` to the gradient before the adaptive normalisation, so the
decay of each weight is divided by the running root-mean-square of its gradient: weights with large
gradients are barely decayed, rarely-updated ones strongly. That is neither weight decay nor the L2
penalty it is meant to stand for. AdamW applies the decay to the weights directly, decoupled from
the gradient statistics (Loshchilov & Hutter, "Decoupled Weight Decay Regularization").

Only a literal positive value is reported: ``weight_decay=args.wd`` may well be zero. Nor is an
optimiser given only tensors the code created (``Adam([image], ...)`` optimising an input image):
the L2 is then a prior on that input, not a decay of weights
(:mod:`dllint.analysis.optimised_tensors`).
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.calls import argument, number
from dllint.analysis.optimised_tensors import created_tensors_only
from dllint.diagnostics import Fix
from dllint.rule import Invalid, Rule

# Adam's positional order: params, lr, betas, eps, weight_decay
_WEIGHT_DECAY_POSITION = 4


class AdamWeightDecay(Rule):
    """Adam with ``weight_decay`` is an L2 term distorted by Adam's normaliser, not weight decay;
    use AdamW for decoupled weight decay."""

    code = "DL501"
    name = "adam-coupled-weight-decay"
    summary = "torch.optim.Adam with weight_decay > 0: use AdamW for real (decoupled) weight decay."
    severity = "warning"
    fixable = "unsafe"

    VALID = [
        "import torch\nopt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)\n",
        "import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3)\n",
        "import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=0)\n",
        "import torch\nopt = torch.optim.Adam(model.parameters(), weight_decay=0.0)\n",
        # not a literal: may be zero, stay silent
        "import torch\nopt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.wd)\n",
        "import torch\nopt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)\n",
        # not torch's Adam
        "from myproject.optim import Adam\nopt = Adam(params, weight_decay=1e-4)\n",
        "import tensorflow as tf\nopt = tf.keras.optimizers.Adam(weight_decay=1e-4)\n",
        "from torch import optim\nopt = optim.Adam(net.parameters(), 1e-3, (0.9, 0.999), 1e-8, 0)\n",
        "import torch.optim as optim\nopt = optim.Adam(net.parameters(), lr=1e-3, weight_decay=0, amsgrad=True)\n",
        # Only an input image is optimised (activation maximisation): the L2 is a prior on the
        # image, there is no weight to decay (audit 2026-12f, cause AZ).
        "import torch\n"
        "from torch.optim import Adam\n"
        "image = torch.rand(1, 3, 32, 32, requires_grad=True)\n"
        "optimizer = Adam([image], lr=0.1, weight_decay=1e-6)\n"
        "for _ in range(30):\n"
        "    optimizer.zero_grad()\n"
        "    loss = -model(image)[0, 3].mean()\n"
        "    loss.backward()\n"
        "    optimizer.step()\n",
        # ... made by a helper of the file, through Variable(..., requires_grad=True)
        "import numpy as np\n"
        "import torch\n"
        "from torch.autograd import Variable\n"
        "def preprocess_image(im):\n"
        "    t = torch.from_numpy(np.float32(im)).float()\n"
        "    t.unsqueeze_(0)\n"
        "    return Variable(t, requires_grad=True)\n"
        "class Visualiser:\n"
        "    def run(self):\n"
        "        processed_image = preprocess_image(np.uint8(np.random.uniform(150, 180, (224, 224, 3))))\n"
        "        optimizer = torch.optim.Adam([processed_image], lr=0.1, weight_decay=1e-6)\n",
        # ... or a noise tensor made to require grad
        "import torch\n"
        "delta = torch.zeros_like(x).requires_grad_()\n"
        "opt = torch.optim.Adam([delta], lr=1e-2, weight_decay=1e-4)\n",
    ]
    INVALID = [
        Invalid(
            "import torch\n"
            "opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)  # expect: DL501\n",
            fixed="import torch\n"
            "opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)  # expect: DL501\n",
        ),
        Invalid(
            "from torch import optim\n"
            "opt = optim.Adam(net.parameters(), lr=3e-4, weight_decay=5e-4)  # expect: DL501\n",
            fixed="from torch import optim\n"
            "opt = optim.AdamW(net.parameters(), lr=3e-4, weight_decay=5e-4)  # expect: DL501\n",
        ),
        # imported by name: reported, but no fix (AdamW is not imported)
        "from torch.optim import Adam\nopt = Adam(model.parameters(), weight_decay=1e-5)  # expect: DL501\n",
        "import torch.optim as optim\n"
        "optimizer = optim.Adam(net.parameters(), 1e-3, (0.9, 0.999), 1e-8, 1e-4)  # expect: DL501\n",
        "import torch\n"
        "class Trainer:\n"
        "    def configure(self):\n"
        "        self.opt = torch.optim.Adam(  # expect: DL501\n"
        "            self.model.parameters(),\n"
        "            lr=self.lr,\n"
        "            weight_decay=1e-2,\n"
        "        )\n",
        "import torch\n"
        "params = [{'params': enc.parameters()}, {'params': dec.parameters(), 'lr': 1e-4}]\n"
        "opt = torch.optim.Adam(params, lr=1e-3, weight_decay=2e-5)  # expect: DL501\n",
        "import torch\n"
        "def make_optimizer(model):\n"
        "    return torch.optim.Adam(model.parameters(), weight_decay=1e-4)  # expect: DL501\n",
        "import torch.optim\nopt = torch.optim.Adam(m.parameters(), weight_decay=.001)  # expect: DL501\n",
        "from torch.optim import Adam as Optimiser\nopt = Optimiser(m.parameters(), weight_decay=1e-3)  # expect: DL501\n",
        "import torch\n"
        "for wd in (1e-4,):\n"
        "    opt = torch.optim.Adam(m.parameters(), lr=1e-3, weight_decay=0.1)  # expect: DL501\n",
        # Twins of the optimised-input case: a list of tensors not known to be made by the code
        # (a parameter of the function, an nn.Parameter, a module's weight, the image beside the
        # network's parameters) keeps the finding.
        "import torch\n"
        "def visualise(image):\n"
        "    return torch.optim.Adam([image], lr=0.1, weight_decay=1e-6)  # expect: DL501\n",
        "import torch\n"
        "import torch.nn as nn\n"
        "w = nn.Parameter(torch.randn(10, 10))\n"
        "opt = torch.optim.Adam([w], lr=0.1, weight_decay=1e-4)  # expect: DL501\n",
        "import torch\n"
        "image = torch.rand(1, 3, 32, 32, requires_grad=True)\n"
        "opt = torch.optim.Adam([model.fc.weight, image], lr=0.1, weight_decay=1e-4)  # expect: DL501\n",
        "import torch\n"
        "image = torch.rand(1, 3, 32, 32, requires_grad=True)\n"
        "opt = torch.optim.Adam([image] + list(model.parameters()), weight_decay=1e-4)  # expect: DL501\n",
        "import torch\n"
        "image = torch.rand(1, 3, 32, 32, requires_grad=True)\n"
        "if warm:\n"
        "    image = model.embedding.weight\n"
        "opt = torch.optim.Adam([image], lr=0.1, weight_decay=1e-4)  # expect: DL501\n",
    ]

    def check(self, ctx) -> None:
        if not ctx.imports.uses("torch"):
            return
        for call in ctx.index.of_type(cst.Call):
            if ctx.imports.qualify(call.func) != "torch.optim.Adam":
                continue
            decay = number(argument(call, _WEIGHT_DECAY_POSITION, "weight_decay"))
            if decay is None or decay <= 0:
                continue
            if created_tensors_only(ctx, call):
                continue  # an input being optimised (activation maximisation): no weight to decay
            ctx.report(
                call,
                f"Adam(weight_decay={decay:g}) adds an L2 term that Adam's normaliser rescales per "
                "weight: it is not weight decay. Use torch.optim.AdamW for decoupled weight decay "
                "(and retune the value: AdamW's decay is usually 1e-2 to 1e-1)",
                fix=self._fix(ctx, call),
            )

    @staticmethod
    def _fix(ctx, call: cst.Call) -> Fix | None:
        # Only ``<module>.Adam``: renaming the attribute keeps the import valid; a bare ``Adam``
        # would need a new import, which is left to the user.
        if not isinstance(call.func, cst.Attribute) or call.func.attr.value != "Adam":
            return None
        edit = ctx.replace_edit(call.func.attr, "AdamW")
        return Fix("unsafe", (edit,), "Replace Adam with AdamW (the decay value may need retuning)")
