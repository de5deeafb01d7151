"""DL501 across modules: a decay read from a settings object that comes from another module
(:mod:`dllint.analysis.setting_origins`). Silent when every origin gives 0: the dictionary literal
every construction of the class receives (tenth audit, CG), the default of the option that the
parsing function of another module declares, handed to a helper through parameters and
constructors (CJ), a key the project's configuration files all set to 0 (eighth audit, BN).
Reported when one origin or another writer may give a decay: a second construction, a later
write, a configuration file that sets the key, a writer that cannot be read."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from dllint.analysis.project import PROJECT  # noqa: E402
from project_lint import lint_each_file, lint_findings, write_files  # noqa: E402

TREE = (
    "import torch\n"
    "import torch.nn as nn\n"
    "\n"
    "class Tree(nn.Module):\n"
    "    def __init__(self, args):\n"
    "        super().__init__()\n"
    "        self.args = args\n"
    "        self.fc = nn.Linear(args['input_dim'], 4)\n"
    "        self.optimizer = torch.optim.Adam(self.parameters(), lr=self.args['lr'],\n"
    "                                          weight_decay=self.args['weight_decay'])\n"
)
SETTINGS = "learner_args = {'input_dim': 8, 'lr': 1e-3, 'weight_decay': 0.}\n" \
           "learner_args['model_path'] = './model/tree'\n"
AGENT = (
    "from sdt.settings import learner_args\n"
    "from sdt.tree import Tree\n"
    "\n"
    "class Agent:\n"
    "    def __init__(self):\n"
    "        self.tree = Tree(learner_args)\n"
)


def _lint(tmp_path, monkeypatch, capsys, files: dict[str, str]) -> set[tuple[str, int, str]]:
    write_files(tmp_path, {"setup.py": "", **files})
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    found = lint_findings(capsys, "DL501", "--no-cache", ".")
    # the same findings when each file is linted alone (pre-commit, an editor)
    assert lint_each_file(capsys, "DL501", sorted(files)) == found
    return found


def test_dict_of_zero_given_to_every_construction(tmp_path, monkeypatch, capsys):
    files = {"sdt/__init__.py": "", "sdt/tree.py": TREE, "sdt/settings.py": SETTINGS, "agent.py": AGENT}
    assert _lint(tmp_path, monkeypatch, capsys, files) == set()


@pytest.mark.parametrize("extra, why", [
    # a second construction with a decay
    ("from sdt.tree import Tree\ntree = Tree({'input_dim': 8, 'lr': 1e-3, 'weight_decay': 1e-4})\n",
     "second construction"),
    # the module that constructs it sets the key first
    ("from sdt.settings import learner_args\nfrom sdt.tree import Tree\n"
     "learner_args['weight_decay'] = 5e-4\ntree = Tree(learner_args)\n", "later write"),
    # a writer that cannot be read
    ("from sdt.settings import learner_args\nfrom sdt.tree import Tree\n"
     "learner_args.update(overrides)\ntree = Tree(learner_args)\n", "update"),
    # a dictionary that does not hold the key (made elsewhere)
    ("from sdt.tree import Tree\ntree = Tree({'input_dim': 8, 'lr': 1e-3, **extra})\n", "spread"),
    # built with what another function is given
    ("from sdt.tree import Tree\ndef build(args):\n    return Tree(args)\n", "no caller"),
])
def test_dict_with_a_decay_on_some_path(tmp_path, monkeypatch, capsys, extra, why):
    files = {"sdt/__init__.py": "", "sdt/tree.py": TREE, "sdt/settings.py": SETTINGS, "agent.py": AGENT,
             "other.py": extra}
    assert _lint(tmp_path, monkeypatch, capsys, files) == {("sdt/tree.py", 9, "DL501")}, why


OPTS = (
    "import argparse\n"
    "\n"
    "def parse_opt():\n"
    "    parser = argparse.ArgumentParser()\n"
    "    parser.add_argument('--learning_rate', type=float, default=4e-4)\n"
    "    parser.add_argument('--weight_decay', type=float, default=0, help='weight_decay')\n"
    "    parser.add_argument('--cfg', type=str, default=None)\n"
    "    args = parser.parse_args()\n"
    "    if args.cfg is not None:\n"
    "        cn = load_yaml(args.cfg)\n"
    "        for k, v in cn.items():\n"
    "            setattr(args, k, v)\n"
    "        args = parser.parse_args(namespace=args)\n"
    "    args.checkpoint_path = args.checkpoint_path or './log'\n"
    "    return args\n"
)
MISC = (
    "from torch import optim\n"
    "\n"
    "def build_optimizer(params, opt):\n"
    "    return optim.Adam(params, opt.learning_rate, weight_decay=opt.weight_decay)\n"
)
TRAIN = (
    "import captioning.opts as opts\n"
    "import captioning.misc as utils\n"
    "\n"
    "def train(opt):\n"
    "    optimizer = utils.build_optimizer(model.parameters(), opt)\n"
    "\n"
    "opt = opts.parse_opt()\n"
    "train(opt)\n"
)
TRAIN_PL = (
    "import captioning.opts as opts\n"
    "import captioning.misc as utils\n"
    "\n"
    "class LitModel:\n"
    "    def __init__(self, opt):\n"
    "        self.opt = opt\n"
    "\n"
    "    def configure_optimizers(self):\n"
    "        opt = self.opt\n"
    "        return utils.build_optimizer(self.model.parameters(), opt)\n"
    "\n"
    "opt = opts.parse_opt()\n"
    "lit = LitModel(opt)\n"
)


def _captioning(**more: str) -> dict[str, str]:
    return {"captioning/__init__.py": "", "captioning/opts.py": OPTS, "captioning/misc.py": MISC,
            "tools/train.py": TRAIN, "tools/train_pl.py": TRAIN_PL,
            "configs/fc.yml": "caption_model: fc\nlearning_rate: 5e-4\n", **more}


def test_option_default_zero_through_a_helper(tmp_path, monkeypatch, capsys):
    assert _lint(tmp_path, monkeypatch, capsys, _captioning()) == set()


@pytest.mark.parametrize("more, why", [
    # the parser copies a configuration file's entries, and one of the project's files sets it
    ({"configs/fc_wd.yml": "caption_model: fc\nweight_decay: 1e-4\n"}, "configuration file"),
    ({"configs/fc_wd.json": '{"caption_model": "fc", "weight_decay": 0.0005}'}, "json configuration"),
    # a script sets it after parsing
    ({"tools/train.py": TRAIN.replace("train(opt)\n", "opt.weight_decay = 5e-4\ntrain(opt)\n")}, "write"),
    # a default that is not 0
    ({"captioning/opts.py": OPTS.replace("default=0, help", "default=1e-5, help")}, "default"),
    # a caller that hands on something else
    ({"tools/eval.py": "import captioning.misc as utils\nutils.build_optimizer(params, config)\n"},
     "other caller"),
])
def test_option_with_a_decay_on_some_path(tmp_path, monkeypatch, capsys, more, why):
    found = _lint(tmp_path, monkeypatch, capsys, _captioning(**more))
    assert found == {("captioning/misc.py", 4, "DL501")}, why


def test_dynamic_write_without_a_file_load_is_not_read(tmp_path, monkeypatch, capsys):
    # setattr(args, k, v) from a dictionary of the code, not a loaded file: the key may be set
    opts = OPTS.replace("        cn = load_yaml(args.cfg)\n", "        cn = OVERRIDES[args.cfg]\n")
    found = _lint(tmp_path, monkeypatch, capsys, _captioning(**{"captioning/opts.py": opts}))
    assert found == {("captioning/misc.py", 4, "DL501")}


LOADED = (
    "import yaml\n"
    "from torch import optim\n"
    "\n"
    "def define_optimizer(model, config):\n"
    "    return optim.Adam(model.parameters(), config['TRAIN']['OPTIM']['LR'],\n"
    "                      weight_decay=config['TRAIN']['OPTIM']['WEIGHT_DECAY'])\n"
    "\n"
    "with open('configs/train.yaml') as f:\n"
    "    config = yaml.full_load(f)\n"
    "optimizer = define_optimizer(model, config)\n"
)


@pytest.mark.parametrize("configs, expected", [
    # every configuration of the project sets it to 0 (eighth audit, BN)
    ({"configs/a.yaml": "TRAIN:\n  OPTIM:\n    LR: 1e-4\n    WEIGHT_DECAY: 0.0\n",
      "configs/b.yaml": "TRAIN:\n  OPTIM:\n    LR: 1e-3\n    WEIGHT_DECAY: 0\n"}, set()),
    # one of them does not
    ({"configs/a.yaml": "TRAIN:\n  OPTIM:\n    WEIGHT_DECAY: 0.0\n",
      "configs/b.yaml": "TRAIN:\n  OPTIM:\n    WEIGHT_DECAY: 1e-4  # for the large model\n"},
     {("train.py", 5, "DL501")}),
    # none holds the key: the file the user loads is not one of the project's
    ({"configs/a.yaml": "TRAIN:\n  OPTIM:\n    LR: 1e-4\n"}, {("train.py", 5, "DL501")}),
    # a value that is not a number
    ({"configs/a.yaml": "TRAIN:\n  OPTIM:\n    WEIGHT_DECAY: ${wd}\n"}, {("train.py", 5, "DL501")}),
])
def test_key_of_a_loaded_configuration_file(tmp_path, monkeypatch, capsys, configs, expected):
    assert _lint(tmp_path, monkeypatch, capsys, {"train.py": LOADED, **configs}) == expected


# -- ml_collections configuration modules (twelfth audit, DI) --------------------------------------
DEFAULT_CONFIG = (
    "import ml_collections\n"
    "\n"
    "def get_default_configs():\n"
    "    config = ml_collections.ConfigDict()\n"
    "    config.optim = optim = ml_collections.ConfigDict()\n"
    "    optim.weight_decay = 0\n"
    "    optim.optimizer = 'Adam'\n"
    "    optim.lr = 2e-4\n"
    "    return config\n"
)
DERIVED_CONFIG = (
    "from configs.default_configs import get_default_configs\n"
    "\n"
    "def get_config():\n"
    "    config = get_default_configs()\n"
    "    optim = config.optim\n"
    "    optim.lr = 1e-4\n"
    "    return config\n"
)
LOSSES = (
    "import torch.optim as optim\n"
    "\n"
    "def get_optimizer(config, params):\n"
    "    return optim.Adam(params, lr=config.optim.lr, weight_decay=config.optim.weight_decay)\n"
)
RUN_LIB = (
    "import losses\n"
    "\n"
    "def train(config, workdir):\n"
    "    optimizer = losses.get_optimizer(config, model.parameters())\n"
)
MAIN = (
    "import run_lib\n"
    "from absl import app, flags\n"
    "from ml_collections.config_flags import config_flags\n"
    "\n"
    "FLAGS = flags.FLAGS\n"
    "config_flags.DEFINE_config_file('config', None, 'Training configuration.', lock_config=True)\n"
    "\n"
    "def main(argv):\n"
    "    run_lib.train(FLAGS.config, FLAGS.workdir)\n"
)
# a notebook calls the helper too: the callers are not all known, the section read is what the
# configuration modules set
NOTEBOOK = (
    '{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null, "source": '
    '["from configs.vp import ddpm as configs\\n", "import losses\\n", "config = configs.get_config()\\n", '
    '"optimizer = losses.get_optimizer(config, model.parameters())\\n"]}], '
    '"metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}'
)


def _score_sde(**more: str) -> dict[str, str]:
    return {"configs/__init__.py": "", "configs/default_configs.py": DEFAULT_CONFIG,
            "configs/vp/__init__.py": "", "configs/vp/ddpm.py": DERIVED_CONFIG,
            "losses.py": LOSSES, "run_lib.py": RUN_LIB, "main.py": MAIN, **more}


@pytest.mark.parametrize("more", [{}, {"demo.ipynb": NOTEBOOK}])
def test_configuration_modules_all_zero(tmp_path, monkeypatch, capsys, more):
    assert _lint(tmp_path, monkeypatch, capsys, _score_sde(**more)) == set()


@pytest.mark.parametrize("more, why", [
    # a configuration module sets a decay (by its section's name, or through the whole path)
    ({"configs/vp/ddpm.py": DERIVED_CONFIG.replace("optim.lr = 1e-4\n", "optim.weight_decay = 1e-4\n")},
     "derived config"),
    ({"configs/ve/big.py": DERIVED_CONFIG.replace("    optim = config.optim\n    optim.lr = 1e-4\n",
                                                  "    config.optim.weight_decay = 5e-4\n")}, "whole path"),
    # ... to a value not read
    ({"configs/vp/ddpm.py": DERIVED_CONFIG.replace("optim.lr = 1e-4\n", "optim.weight_decay = WD\n")},
     "a name"),
    # the script sets it after the flag is read
    ({"run_lib.py": RUN_LIB.replace("    optimizer", "    config.optim.weight_decay = 1e-3\n    optimizer")},
     "write"),
])
def test_configuration_modules_with_a_decay(tmp_path, monkeypatch, capsys, more, why):
    assert _lint(tmp_path, monkeypatch, capsys, _score_sde(**more)) == {("losses.py", 4, "DL501")}, why


@pytest.mark.parametrize("more, why", [
    ({"configs/vp/ddpm.py": DERIVED_CONFIG.replace("optim.lr = 1e-4\n", "optim.weight_decay = 1e-4\n")},
     "derived config"),
    # a YAML file of the project may override the modules' defaults
    ({"configs/override.yaml": "optim:\n  weight_decay: 1e-4\n"}, "yaml"),
])
def test_configuration_modules_read_for_a_caller_not_followed(tmp_path, monkeypatch, capsys, more, why):
    files = _score_sde(**{"demo.ipynb": NOTEBOOK, **more})
    assert _lint(tmp_path, monkeypatch, capsys, files) == {("losses.py", 4, "DL501")}, why


def test_section_of_a_settings_object_not_followed_without_configuration_modules(tmp_path, monkeypatch, capsys):
    # no configuration module of the project sets the key: the user supplies it
    files = _score_sde(**{"demo.ipynb": NOTEBOOK})
    files["configs/default_configs.py"] = DEFAULT_CONFIG.replace("    optim.weight_decay = 0\n", "")
    assert _lint(tmp_path, monkeypatch, capsys, files) == {("losses.py", 4, "DL501")}


# -- Lightning's save_hyperparameters (twelfth audit, CJ) -------------------------------------------
LIT = (
    "import torch\n"
    "import pytorch_lightning as pl\n"
    "\n"
    "class LitModel(pl.LightningModule):\n"
    "    def __init__(self, lr=1e-3, weight_decay=0.0):\n"
    "        super().__init__()\n"
    "        self.save_hyperparameters()\n"
    "\n"
    "    def configure_optimizers(self):\n"
    "        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr,\n"
    "                                weight_decay=self.hparams.weight_decay)\n"
)


@pytest.mark.parametrize("script, expected", [
    ("from lit.model import LitModel\nmodel = LitModel(lr=1e-4)\n", set()),
    ("import argparse\nfrom lit.model import LitModel\np = argparse.ArgumentParser()\n"
     "p.add_argument('--wd', type=float, default=0)\nargs = p.parse_args()\n"
     "model = LitModel(weight_decay=args.wd)\n", set()),
    # a construction in another module passes a decay, or passes what is not seen
    ("from lit.model import LitModel\nmodel = LitModel(weight_decay=1e-4)\n", {("lit/model.py", 10, "DL501")}),
    ("from lit.model import LitModel\nmodel = LitModel(**vars(args))\n", {("lit/model.py", 10, "DL501")}),
])
def test_saved_hyperparameters_across_modules(tmp_path, monkeypatch, capsys, script, expected):
    files = {"lit/__init__.py": "", "lit/model.py": LIT, "train.py": script}
    assert _lint(tmp_path, monkeypatch, capsys, files) == expected
