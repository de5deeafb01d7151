"""DL404's fix removes the argument cleanly in the layouts people write."""
from __future__ import annotations

import libcst as cst

from dllint.testing import fix_snippet, lint_snippet


def test_fix_of_a_last_argument_on_its_own_line():
    source = """import torch
valid_iter = torch.utils.data.DataLoader(valid_ds, batch_size, shuffle=False,
                                         drop_last=True)
"""
    fixed = fix_snippet(source, ["DL404"])
    assert fixed == """import torch
valid_iter = torch.utils.data.DataLoader(valid_ds, batch_size, shuffle=False)
"""
    cst.parse_module(fixed)


def test_fix_of_a_middle_argument_keeps_the_rest():
    source = """import torch
test_iter = torch.utils.data.DataLoader(
    VOCSeg(False, crop, root), batch_size,
    drop_last=True, num_workers=workers)
"""
    assert fix_snippet(source, ["DL404"]) == """import torch
test_iter = torch.utils.data.DataLoader(
    VOCSeg(False, crop, root), batch_size,
    num_workers=workers)
"""


def test_fix_is_unsafe_only():
    source = """import torch
val_loader = torch.utils.data.DataLoader(val_ds, batch_size=8, drop_last=True)
"""
    assert fix_snippet(source, ["DL404"], unsafe=False) == source
    [finding] = lint_snippet(source, ["DL404"])
    assert finding.fix is not None and finding.fix.applicability == "unsafe"


def test_training_loader_named_by_dataset_is_silent_even_without_shuffle():
    source = """import torch
from torchvision import datasets
ds = datasets.MNIST("data", train=True)
loader = torch.utils.data.DataLoader(ds, batch_size=64, drop_last=True)
"""
    assert lint_snippet(source, ["DL404"]) == []


def test_project_validation_names_option():
    from dllint.engine import lint_source
    from dllint.registry import default_registry

    source = """import torch
loader = torch.utils.data.DataLoader(monitor_set, batch_size=64, drop_last=True)
"""
    rule_class = default_registry().by_code["DL404"]
    assert lint_source(source, "x.py", [rule_class()]) == []
    found = lint_source(source, "x.py", [rule_class({"validation-names": ["monitor_set"]})])
    assert [d.line for d in found] == [2]


def test_fix_inside_a_block_keeps_the_other_arguments_where_they_were():
    source = """import torch
def build(test_ds):
    if True:
        test_loader = torch.utils.data.DataLoader(
            test_ds,
            drop_last=True,
            batch_size=4,
        )
        other = torch.utils.data.DataLoader(test_ds, batch_size=4,
                                            drop_last=True)
    return test_loader, other
"""
    assert fix_snippet(source, ["DL404"]) == """import torch
def build(test_ds):
    if True:
        test_loader = torch.utils.data.DataLoader(
            test_ds,
            batch_size=4,
        )
        other = torch.utils.data.DataLoader(test_ds, batch_size=4)
    return test_loader, other
"""


def test_fix_before_a_double_star_argument_keeps_the_stars():
    source = """import torch
test_loader = torch.utils.data.DataLoader(test_ds, drop_last=True, **kwargs)
"""
    assert fix_snippet(source, ["DL404"]) == """import torch
test_loader = torch.utils.data.DataLoader(test_ds, **kwargs)
"""
