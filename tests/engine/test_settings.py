"""What a numeric setting may be (dllint.analysis.settings): the values of the decay given to the
last call of each snippet, followed through names, parameters, options and configurations."""
from __future__ import annotations

import libcst as cst
import pytest

from dllint.analysis.calls import keyword
from dllint.analysis.settings import SUPPLIED, UNKNOWN, positive_or_supplied, setting_values
from dllint.context import FileContext


_TREE = ("class Tree(nn.Module):\n    def __init__(self, args):\n        self.args = args\n"
         "        self.opt = Adam(self.parameters(), weight_decay=self.args['weight_decay'])\n")


def _outcomes(source: str) -> set:
    ctx = FileContext("x.py", source, cst.parse_module(source))
    calls = [c for c in ctx.index.of_type(cst.Call) if keyword(c, "weight_decay") is not None]
    assert calls, "the snippet passes no weight_decay"
    return set(setting_values(ctx, keyword(calls[-1], "weight_decay").value))


@pytest.mark.parametrize("source, expected", [
    ("Adam(p, weight_decay=1e-4)\n", {1e-4}),
    ("Adam(p, weight_decay=-1)\n", {-1.0}),
    ("Adam(p, weight_decay=None)\n", {0.0}),
    ("wd = 5e-4\nAdam(p, weight_decay=wd)\n", {5e-4}),
    # the binding that reaches, not a later one
    ("wd = 0\nAdam(p, weight_decay=wd)\nwd = 1e-2\n", {0.0}),
    ("if a:\n    wd = 1e-4\nelse:\n    wd = 0\nAdam(p, weight_decay=wd)\n", {1e-4, 0.0}),
    ("wd = 1e-4\ndef f(p):\n    return Adam(p, weight_decay=wd)\n", {1e-4}),
    ("def f(p, wd=0.0):\n    return Adam(p, weight_decay=wd)\n", {0.0}),
    ("def f(p, *, wd=3e-4):\n    return Adam(p, weight_decay=float(wd))\n", {3e-4}),
    # a parameter without a default: what the file's calls pass, unknown without a call
    ("def f(p, wd):\n    return Adam(p, weight_decay=wd)\n", {UNKNOWN}),
    ("def f(p, wd):\n    return Adam(p, weight_decay=wd)\nf(m, cfg['wd'])\nf(m, wd=0)\n", {SUPPLIED, 0.0}),
    ("def f(p, wd):\n    return Adam(p, weight_decay=wd)\ndef g(wd):\n    f(m, wd)\ng(0)\n", {0.0}),
    ("def f(p, wd):\n    return Adam(p, weight_decay=wd)\nf(*args)\n", {UNKNOWN}),
    ("class M:\n    def opt(self, lr, wd):\n        return Adam(p, lr, weight_decay=wd)\n"
     "    def fit(self):\n        self.opt(1e-3, 1e-4)\n", {1e-4}),
    ("a, wd = 1, 0\ndef f(p, wd):\n    return Adam(p, weight_decay=wd)\nf(m, wd)\n", {UNKNOWN}),
    ("def f(p, wd=None):\n    return Adam(p, weight_decay=wd if wd else 1e-5)\n", {0.0, 1e-5}),
    ("class T:\n    def __init__(self, wd=0):\n        self.wd = wd\n"
     "    def opt(self):\n        return Adam(p, weight_decay=self.wd)\n", {0.0}),
    ("class T:\n    def opt(self):\n        return Adam(p, weight_decay=self.wd)\n", {UNKNOWN}),
    ("class T:\n    def opt(self):\n        return Adam(p, weight_decay=self.cfg.wd)\n", {SUPPLIED}),
    ("Adam(p, weight_decay=cfg['opt']['decay'])\n", {SUPPLIED}),
    ("Adam(p, weight_decay=decays[0])\n", {UNKNOWN}),
    ("p.add_argument('--weight_decay', type=float, default=0)\nconfig = vars(p.parse_args())\n"
     "Adam(q, weight_decay=config['weight_decay'])\n", {0.0}),
    ("p.add_argument('--weight_decay', type=float, default=5e-4)\nconfig = vars(p.parse_args())\n"
     "Adam(q, weight_decay=config['weight_decay'])\n", {5e-4}),
    ("Adam(p, weight_decay=config.weight_decay)\n", {SUPPLIED}),
    ("import argparse\np = argparse.ArgumentParser()\np.add_argument('--weight-decay', type=float, default=0)\n"
     "args = p.parse_args()\nAdam(q, weight_decay=args.weight_decay)\n", {0.0}),
    ("p.add_argument('--wd', '--weight_decay', default=1e-4)\nAdam(q, weight_decay=args.wd)\n", {1e-4}),
    ("p.add_argument('-w', dest='decay', default=2e-4)\nAdam(q, weight_decay=opt.decay)\n", {2e-4}),
    ("p.add_argument('--wd', type=float)\nAdam(q, weight_decay=args.wd)\n", {UNKNOWN}),
    # argparse's dest: the first long option, else the first short one without its dash
    ("p.add_argument('-wd', type=float, default=0)\nAdam(q, weight_decay=args.wd)\n", {0.0}),
    ("p.add_argument('-wd', type=float, default=1e-4)\nAdam(q, weight_decay=args.wd)\n", {1e-4}),
    ("p.add_argument('-w', '--weight-decay', default=0)\nAdam(q, weight_decay=args.weight_decay)\n", {0.0}),
    ("p.add_argument('-w', '--weight-decay', default=0)\nAdam(q, weight_decay=args.w)\n", {SUPPLIED}),
    ("p.add_argument('-w', '-wd', default=0)\nAdam(q, weight_decay=args.wd)\n", {SUPPLIED}),
    # dest= wins, even when it is not a literal (then the option's name is not known)
    ("p.add_argument('-wd', dest=name, default=0)\nAdam(q, weight_decay=args.wd)\n", {SUPPLIED}),
    ("class DefaultConfig:\n    lr = 1e-3\n    weight_decay = 0e-5\nopt = DefaultConfig()\n"
     "Adam(p, weight_decay=opt.weight_decay)\n", {0.0}),
    ("class Config:\n    weight_decay: float = 1e-4\nAdam(p, weight_decay=cfg.weight_decay)\n", {1e-4}),
    # a settings dictionary: the entry of every literal it may be (the constructions of the class
    # that keeps it, the calls of the helper given it, what a function returns), with the other
    # writes of the key (audit 2026-12j, CG)
    (_TREE + "tree = Tree({'lr': 1e-3, 'weight_decay': 0.})\n", {0.0}),
    (_TREE + "args = {'lr': 1e-3, 'weight_decay': 0.}\nargs['path'] = 'x'\ntree = Tree(args)\n", {0.0}),
    (_TREE + "tree = Tree({'weight_decay': 0.})\nbig = Tree({'weight_decay': 1e-4})\n", {0.0, 1e-4}),
    (_TREE + "args = {'weight_decay': 0.}\nargs['weight_decay'] = 5e-4\ntree = Tree(args)\n", {0.0, 5e-4}),
    (_TREE + "args = {'weight_decay': 0.}\nargs.update(extra)\ntree = Tree(args)\n", {SUPPLIED}),
    (_TREE + "args = {'weight_decay': 0.}\nargs[key] = 1\ntree = Tree(args)\n", {SUPPLIED}),
    (_TREE + "tree = Tree({'lr': 1e-3})\n", {SUPPLIED}),
    (_TREE + "tree = Tree({'weight_decay': 0., **extra})\n", {SUPPLIED}),
    (_TREE + "tree = Tree({'weight_decay': wd})\n", {SUPPLIED}),
    (_TREE + "tree = Tree(args)\n", {SUPPLIED}),
    (_TREE, {SUPPLIED}),
    ("def make(p, cfg):\n    return Adam(p, weight_decay=cfg['wd'])\nmake(m, {'wd': 0})\n", {0.0}),
    ("def make(p, cfg):\n    return Adam(p, weight_decay=cfg['wd'])\nmake(m, {'wd': 0})\nmake(m, c)\n",
     {SUPPLIED}),
    ("def config():\n    return {'opt': {'wd': 0}}\ncfg = config()\nAdam(p, weight_decay=cfg['opt']['wd'])\n",
     {0.0}),
    ("cfg = {'opt': {'wd': 0}}\ncfg['opt'] = other\nAdam(p, weight_decay=cfg['opt']['wd'])\n", {SUPPLIED}),
    # the namespace a parsing function of the file returns, given to a helper
    ("import argparse\ndef parse():\n    p = argparse.ArgumentParser()\n"
     "    p.add_argument('--wd', type=float, default=0)\n    return p.parse_args()\n"
     "def build(m, opt):\n    return Adam(m, weight_decay=opt.wd)\nbuild(net, parse())\n", {0.0}),
    ("def parse():\n    return parser.parse_args()\n"
     "def build(m, opt):\n    return Adam(m, weight_decay=opt.wd)\nbuild(net, parse())\n", {SUPPLIED}),
    ("Adam(p, weight_decay=base * 2)\n", {UNKNOWN}),
    ("for wd in (0, 1e-4):\n    Adam(p, weight_decay=wd)\n", {UNKNOWN}),
    ("Adam(p, weight_decay=undefined_name)\n", {UNKNOWN}),
])
def test_outcomes(source, expected):
    assert _outcomes(source) == expected


def test_cycles_and_chains_end():
    # a self-reference and a cycle through two names: no hang, nothing known
    assert _outcomes("wd = wd\nAdam(p, weight_decay=wd)\n") <= {UNKNOWN}
    assert _outcomes("a = b\nb = a\nAdam(p, weight_decay=b)\n") <= {UNKNOWN}
    # a long chain of names is cut at the depth limit, not followed for ever
    chain = "".join(f"w{i} = w{i + 1}\n" for i in range(40)) + "w40 = 1e-4\nAdam(p, weight_decay=w0)\n"
    assert _outcomes(chain) == {UNKNOWN}


@pytest.mark.parametrize("outcomes, expected", [
    ({0.0}, False), ({-1.0}, False), ({UNKNOWN}, False), ({0.0, UNKNOWN}, False),
    ({1e-4}, True), ({SUPPLIED}, True), ({0.0, SUPPLIED}, True), ({0.0, 1e-5}, True),
])
def test_positive_or_supplied(outcomes, expected):
    assert positive_or_supplied(frozenset(outcomes)) is expected
