"""The public API promised in issue 5 exists under its agreed names, and dlcheck.reference does not
depend on the rest of dlcheck (it must import on its own and import no dlcheck sibling)."""

from __future__ import annotations

import subprocess
import sys

import torch
from torch import nn

import dlcheck.reference as reference

PROMISED = {
    "init": ["glorot_uniform_", "glorot_normal_", "he_uniform_", "he_normal_", "lecun_normal_", "gain", "init_model"],
    "norm": ["BatchNorm", "LayerNorm", "GroupNorm", "InstanceNorm"],
    "optim": ["SGD", "Adam", "AdamW"],
    "regularize": ["l1_penalty", "l2_penalty", "Dropout", "Residual"],
    "schedule": ["warmup_cooldown", "clip_grad_norm_"],
    "stats": ["accuracy_ci", "differ"],
    "data": ["Standardizer", "split_then_fit"],
}


def test_promised_names_exist_and_are_exported() -> None:
    for module_name, names in PROMISED.items():
        module = getattr(reference, module_name)
        for name in names:
            assert callable(getattr(module, name)), f"{module_name}.{name}"
            assert name in module.__all__, f"{module_name}.{name} missing from __all__"
    assert callable(reference.lr_range_test)


def test_kinds() -> None:
    for name in PROMISED["optim"]:
        assert issubclass(getattr(reference.optim, name), torch.optim.Optimizer)
    for name in PROMISED["norm"]:
        assert issubclass(getattr(reference.norm, name), nn.Module)
    assert issubclass(reference.regularize.Dropout, nn.Module)


def test_imports_standalone_without_other_dlcheck_modules() -> None:
    code = (
        "import sys\n"
        "from dlcheck.reference import init, lr_range_test\n"
        "import dlcheck.reference\n"
        "others = sorted(m for m in sys.modules\n"
        "                if m.startswith('dlcheck.') and not m.startswith('dlcheck.reference'))\n"
        "assert not others, others\n"
        "assert 'matplotlib' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
