"""DL501: ``torch.optim.Adam`` with ``weight_decay > 0``.

Why: Adam's ``weight_decay`` adds ``w * p`` to the gradient before the adaptive normalisation, so the
decay of each weight is divided by the running root-mean-square of its gradient: weights with large
gradients are barely decayed, rarely-updated ones strongly. That is neither weight decay nor the L2
penalty it is meant to stand for. AdamW applies the decay to the weights directly, decoupled from
the gradient statistics (Loshchilov & Hutter, "Decoupled Weight Decay Regularization").

Reported for a positive literal, and for a decay the user supplies or that is positive on some path
(``dllint.analysis.settings``): a name bound to a positive number, a configuration entry
(``weight_decay=cfg["opt"]["decay"]``, ``config.weight_decay``), a command-line option whose default
is positive: whoever passes a decay means to decay, and Adam couples it. Silent when every path the
file shows gives 0: a literal 0, a parameter or a command-line option whose default is 0, ``None``,
a settings dictionary, namespace or configuration file of the project that gives 0 wherever it
comes from, an ml_collections configuration whose every configuration module sets 0, Lightning's
``self.hparams`` saved from arguments or options of default 0
(:mod:`dllint.analysis.setting_origins`); and on what is computed (arithmetic, calls),
which is not followed. Nor is an optimiser given only
tensors the code created (``Adam([image], ...)`` optimising an input image) reported: the L2 is
then a prior on that input, not a decay of weights (:mod:`dllint.analysis.optimised_tensors`); nor
``Adam(m.parameters())`` of a module of the project that only holds such an unknown (its
``nn.Parameter`` attributes and no layer, a ``forward`` that takes no input: the initial state of an
inverse problem).
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.calls import argument, code_text, number
from dllint.analysis.optimised_tensors import created_tensors_only, unknowns_only
from dllint.analysis.settings import positive_or_supplied, setting_values
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
        # every path the file shows gives 0: an option's default, a parameter's default, a name
        "import argparse\nimport torch\nparser = argparse.ArgumentParser()\n"
        "parser.add_argument('--weight-decay', type=float, default=0.0)\nargs = parser.parse_args()\n"
        "opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)\n",
        "import torch\ndef make_optimizer(model, lr=1e-3, weight_decay=0):\n"
        "    return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)\n",
        "import torch\nclass Trainer:\n    def __init__(self, model, wd=0.0):\n        self.wd = wd\n"
        "    def optimizer(self):\n        return torch.optim.Adam(self.model.parameters(), weight_decay=self.wd)\n",
        "import torch\nwd = 0\nopt = torch.optim.Adam(model.parameters(), weight_decay=wd)\n",
        "import torch\ndef make(model, l2=None):\n"
        "    return torch.optim.Adam(model.parameters(), weight_decay=l2 if l2 else 0.0)\n",
        # a helper's parameter is what its callers pass: here 0, or no call in the file at all
        "import torch\ndef make_optimizer(model, weight_decay):\n"
        "    return torch.optim.Adam(model.parameters(), weight_decay=weight_decay)\n"
        "opt = make_optimizer(net, 0)\n",
        "import torch\nclass Net(torch.nn.Module):\n    def get_optimizer(self, lr, weight_decay):\n"
        "        return torch.optim.Adam(self.parameters(), lr=lr, weight_decay=weight_decay)\n",
        # a configuration class of the file that sets it to 0
        "import torch\nclass DefaultConfig:\n    lr = 1e-3\n    weight_decay = 0e-5\nopt = DefaultConfig()\n"
        "optimizer = torch.optim.Adam(model.parameters(), lr=opt.lr, weight_decay=opt.weight_decay)\n",
        # a configuration dict made of the file's options, whose default is 0
        "import argparse\nimport torch\nparser = argparse.ArgumentParser()\n"
        "parser.add_argument('--weight_decay', type=float, default=0)\nconfig = vars(parser.parse_args())\n"
        "opt = torch.optim.Adam(net.parameters(), lr=config['lr'], weight_decay=config['weight_decay'])\n",
        # an option spelt with a single dash: argparse's dest is "wd", its default 0, read through a
        # module global the class uses
        "import argparse\nimport torch\nclass Agent:\n    def __init__(self, critic):\n"
        "        self.opt = torch.optim.Adam(critic.parameters(), lr=3e-4, weight_decay=WEIGHT_DECAY)\n"
        "parser = argparse.ArgumentParser()\nparser.add_argument('-wd', type=float, default=0)\n"
        "args = parser.parse_args()\nif __name__ == '__main__':\n    WEIGHT_DECAY = args.wd\n",
        # a settings dictionary that every construction of the class is given holds 0 (audit
        # 2026-12j, CG; across modules too: tests/engine/test_setting_origins_project.py)
        "import torch\nlearner_args = {'input_dim': 8, 'lr': 1e-3, 'weight_decay': 0.}\n"
        "class Tree(torch.nn.Module):\n    def __init__(self, args):\n        super().__init__()\n"
        "        self.args = args\n        self.fc = torch.nn.Linear(args['input_dim'], 4)\n"
        "        self.optimizer = torch.optim.Adam(self.parameters(), lr=self.args['lr'],\n"
        "                                          weight_decay=self.args['weight_decay'])\n"
        "learner_args['model_path'] = './model/tree'\ntree = Tree(learner_args)\n",
        # an ml_collections configuration whose every ``get_config`` sets 0 (audit 2026-12l, DI;
        # across modules and through ``FLAGS.config``: tests/engine/test_setting_origins_project.py)
        "import ml_collections\nimport torch\n"
        "def get_config():\n    config = ml_collections.ConfigDict()\n"
        "    config.optim = optim = ml_collections.ConfigDict()\n    optim.lr = 2e-4\n    optim.weight_decay = 0\n"
        "    return config\n"
        "def get_optimizer(config, params):\n"
        "    return torch.optim.Adam(params, lr=config.optim.lr, weight_decay=config.optim.weight_decay)\n"
        "optimizer = get_optimizer(get_config(), model.parameters())\n",
        # Lightning's hyper-parameters saved from __init__'s arguments, whose default is 0, or from
        # a namespace whose option's default is 0 (audit 2026-12l, CJ)
        "import argparse\nimport torch\nimport pytorch_lightning as pl\n"
        "class LitModel(pl.LightningModule):\n"
        "    def __init__(self, lr=1e-3, weight_decay=0.0):\n        super().__init__()\n"
        "        self.save_hyperparameters()\n        self.net = torch.nn.Linear(8, 2)\n"
        "    def configure_optimizers(self):\n"
        "        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay)\n"
        "parser = argparse.ArgumentParser()\nparser.add_argument('--weight_decay', type=float, default=0)\n"
        "args = parser.parse_args()\nmodel = LitModel(lr=1e-4, weight_decay=args.weight_decay)\n",
        "import argparse\nimport torch\nfrom pytorch_lightning import LightningModule\n"
        "class System(LightningModule):\n    def __init__(self, hparams):\n        super().__init__()\n"
        "        self.save_hyperparameters(hparams)\n"
        "    def configure_optimizers(self):\n"
        "        return [torch.optim.Adam(self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay)]\n"
        "def get_opts():\n    parser = argparse.ArgumentParser()\n"
        "    parser.add_argument('--lr', type=float, default=5e-4)\n"
        "    parser.add_argument('--weight_decay', type=float, default=0)\n    return parser.parse_args()\n"
        "system = System(get_opts())\n",
        # computed: not followed
        "import torch\nopt = torch.optim.Adam(model.parameters(), weight_decay=base * scale)\n",
        # an option declared without a default: nothing is known
        "import argparse\nimport torch\np = argparse.ArgumentParser()\np.add_argument('--wd', type=float)\n"
        "args = p.parse_args()\nopt = torch.optim.Adam(model.parameters(), weight_decay=args.wd)\n",
        # a decay supplied to SGD: coupled decay is right there
        "import torch\nopt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=cfg['decay'])\n",
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
        # The unknown of an inverse problem held by a module: one nn.Parameter, no layer, a
        # forward that takes no input (the initial state of a PDE recovered through a frozen
        # surrogate). The L2 is a prior on the unknown, as for Adam([image]) (fifteenth audit, EI).
        """
import torch
import torch.nn.functional as F
from torch import nn


class InitialCondition(nn.Module):
    def __init__(self, size, coarse):
        super().__init__()
        self.size = size
        self.scale = 1 / coarse
        self.mode = "linear" if len(size) == 1 else "bilinear"
        self.latent = nn.Parameter(self.scale * torch.rand(1, 1, coarse))

    def upsample(self, latent):
        return F.interpolate(latent, size=self.size, mode=self.mode)

    def forward(self):
        return self.upsample(self.latent).squeeze()


def invert(surrogate, y, grid, steps=500):
    u0_model = InitialCondition([1024], 64).to("cpu")
    optimizer = torch.optim.Adam(u0_model.parameters(), lr=1e-2, weight_decay=1e-4)
    for _ in range(steps):
        loss = F.mse_loss(surrogate(u0_model().unsqueeze(0), grid), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return u0_model()
""",
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
        # Twins of the module holding an unknown: its parameter is a weight applied to an input
        # (forward takes one, or another method reads the parameter with an input), or the module
        # holds a layer (built in __init__, or handed to it by its construction).
        """
import torch
from torch import nn
class Scale(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.w = nn.Parameter(torch.ones(n))
    def forward(self, x):
        return x * self.w
opt = torch.optim.Adam(Scale(8).parameters(), weight_decay=1e-4)  # expect: DL501
scale = Scale(8)
opt = torch.optim.Adam(scale.parameters(), weight_decay=1e-4)  # expect: DL501
""",
        """
import torch
from torch import nn
class Gain(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.w = nn.Parameter(torch.ones(n))
    def forward(self):
        return self.w
    def apply_to(self, x):
        return x * self()
gain = Gain(8)
opt = torch.optim.Adam(gain.parameters(), weight_decay=1e-4)  # expect: DL501
""",
        """
import torch
from torch import nn
class ImagePrior(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.z = nn.Parameter(torch.randn(1, 32, n))
        self.net = nn.Conv1d(32, 1, 3, padding=1)
    def forward(self):
        return self.net(self.z)
prior = ImagePrior(64)
opt = torch.optim.Adam(prior.parameters(), weight_decay=1e-4)  # expect: DL501
""",
        """
import torch
from torch import nn
class Decoded(nn.Module):
    def __init__(self, decoder, n):
        super().__init__()
        self.decoder = decoder
        self.z = nn.Parameter(torch.randn(1, n))
    def forward(self):
        return self.decoder(self.z)
code = Decoded(nn.Linear(16, 64), 16)
opt = torch.optim.Adam(code.parameters(), weight_decay=1e-4)  # expect: DL501
""",
        # a decay the user supplies, or one positive on some path the file shows
        "from torch.optim import Adam\n"
        "optimizer = Adam(net.parameters(), lr=model['opt']['lr'], weight_decay=model['opt']['decay'])  # expect: DL501\n",
        "from torch.optim import Adam\nopt = Adam(model.parameters(), lr=args.lr, weight_decay=args.wd)  # expect: DL501\n",
        "from torch.optim import Adam\nweight_decay = 5e-4\nlr = 1e-3\n"
        "opt = Adam(model.parameters(), lr, weight_decay=weight_decay)  # expect: DL501\n",
        "import argparse\nfrom torch.optim import Adam\nparser = argparse.ArgumentParser()\n"
        "parser.add_argument('--wd', '--weight-decay', type=float, default=1e-4)\nargs = parser.parse_args()\n"
        "opt = Adam(model.parameters(), weight_decay=args.wd)  # expect: DL501\n",
        "import argparse\nfrom torch.optim import Adam\nparser = argparse.ArgumentParser()\n"
        "parser.add_argument('-wd', type=float, default=1e-2)\nargs = parser.parse_args()\n"
        "opt = Adam(model.parameters(), weight_decay=args.wd)  # expect: DL501\n",
        "from torch.optim import Adam\ndef make_optimizer(model, weight_decay):\n"
        "    return Adam(model.parameters(), weight_decay=weight_decay)  # expect: DL501\n"
        "opt = make_optimizer(net, weight_decay=cfg['train']['wd'])\n",
        "from torch.optim import Adam\nclass Trainer:\n    def __init__(self, model, wd=1e-4):\n        self.wd = wd\n"
        "    def optimizer(self):\n        return Adam(self.model.parameters(), weight_decay=self.wd)  # expect: DL501\n",
        "from torch.optim import Adam\ndef make(model, cfg):\n"
        "    return Adam(model.parameters(), weight_decay=float(cfg.weight_decay))  # expect: DL501\n",
        "from torch.optim import Adam\ndef make(model, l2=None):\n"
        "    return Adam(model.parameters(), weight_decay=l2 if l2 else 1e-5)  # expect: DL501\n",
        # the settings dictionary holds 0 for one construction and a decay for the other, or is
        # given a decay after it is written
        "import torch\nclass Tree(torch.nn.Module):\n    def __init__(self, args):\n        super().__init__()\n"
        "        self.args = args\n"
        "        self.optimizer = torch.optim.Adam(self.parameters(), weight_decay=self.args['weight_decay'])  # expect: DL501\n"
        "small = Tree({'lr': 1e-3, 'weight_decay': 0.})\nlarge = Tree({'lr': 1e-3, 'weight_decay': 5e-4})\n",
        "import torch\nclass Tree(torch.nn.Module):\n    def __init__(self, args):\n        super().__init__()\n"
        "        self.args = args\n"
        "        self.optimizer = torch.optim.Adam(self.parameters(), weight_decay=self.args['weight_decay'])  # expect: DL501\n"
        "learner_args = {'lr': 1e-3, 'weight_decay': 0.}\nif big:\n    learner_args['weight_decay'] = 5e-4\n"
        "tree = Tree(learner_args)\n",
        # twins of the configuration modules: one configuration sets a decay, or one sets it to
        # a value not read
        "import ml_collections\nimport torch\n"
        "def get_config():\n    config = ml_collections.ConfigDict()\n"
        "    config.optim = optim = ml_collections.ConfigDict()\n    optim.weight_decay = 0\n    return config\n"
        "def get_large_config():\n    config = get_config()\n    config.optim.weight_decay = 5e-4\n    return config\n"
        "def get_optimizer(config, params):\n"
        "    return torch.optim.Adam(params, weight_decay=config.optim.weight_decay)  # expect: DL501\n"
        "optimizer = get_optimizer(get_config(), model.parameters())\n",
        "import ml_collections\nimport torch\n"
        "def get_config(wd):\n    config = ml_collections.ConfigDict()\n"
        "    config.optim = optim = ml_collections.ConfigDict()\n    optim.weight_decay = wd\n    return config\n"
        "def get_optimizer(config, params):\n"
        "    return torch.optim.Adam(params, weight_decay=config.optim.weight_decay)  # expect: DL501\n"
        "optimizer = get_optimizer(get_config(0), model.parameters())\n",
        # twins of the saved hyper-parameters: a construction passes a decay, passes what is not
        # seen, or the option's default is a decay
        "import torch\nimport pytorch_lightning as pl\n"
        "class LitModel(pl.LightningModule):\n"
        "    def __init__(self, lr=1e-3, weight_decay=0.0):\n        super().__init__()\n"
        "        self.save_hyperparameters()\n"
        "    def configure_optimizers(self):\n"
        "        return torch.optim.Adam(self.parameters(), weight_decay=self.hparams.weight_decay)  # expect: DL501\n"
        "small = LitModel()\nlarge = LitModel(weight_decay=1e-4)\n",
        "import torch\nimport pytorch_lightning as pl\n"
        "class LitModel(pl.LightningModule):\n"
        "    def __init__(self, lr=1e-3, weight_decay=0.0):\n        super().__init__()\n"
        "        self.save_hyperparameters()\n"
        "    def configure_optimizers(self):\n"
        "        return torch.optim.Adam(self.parameters(), weight_decay=self.hparams.weight_decay)  # expect: DL501\n"
        "model = LitModel(**vars(args))\n",
        "import argparse\nimport torch\nfrom pytorch_lightning import LightningModule\n"
        "class System(LightningModule):\n    def __init__(self, hparams):\n        super().__init__()\n"
        "        self.save_hyperparameters(hparams)\n"
        "    def configure_optimizers(self):\n"
        "        return [torch.optim.Adam(self.parameters(), weight_decay=self.hparams.weight_decay)]  # expect: DL501\n"
        "def get_opts():\n    parser = argparse.ArgumentParser()\n"
        "    parser.add_argument('--weight_decay', type=float, default=1e-4)\n    return parser.parse_args()\n"
        "system = System(get_opts())\n",
    ]

    def check(self, ctx) -> None:
        if not ctx.imports.uses("torch"):
            return
        for call in ctx.index.of_type(cst.Call):
            if ctx.imports.qualify(call.func) != "torch.optim.Adam":
                continue
            given = argument(call, _WEIGHT_DECAY_POSITION, "weight_decay")
            if given is None:
                continue
            decay = number(given)
            if decay is not None:
                if decay <= 0:
                    continue
                shown = f"{decay:g}"
            elif positive_or_supplied(setting_values(ctx, given)):
                shown = code_text(ctx.module, given, limit=40)
            else:
                continue
            if created_tensors_only(ctx, call):
                continue  # an input being optimised (activation maximisation): no weight to decay
            if unknowns_only(ctx, call):
                continue  # the unknown of an inverse problem, held by a module with no layer
            ctx.report(
                call,
                f"Adam(weight_decay={shown}) adds an L2 term that Adam's normaliser rescales per "
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
