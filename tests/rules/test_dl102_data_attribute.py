"""DL102 beyond its examples: severity and fix by context."""
from __future__ import annotations

from dllint.engine import lint_source
from dllint.rules.dl102_data_attribute import DataAttribute


def lint(source: str):
    return [d for d in lint_source(source, "x.py", [DataAttribute()], enabled_tool_codes=["DL102"])
            if d.code == "DL102"]


def test_parameter_read_in_forward_is_a_warning_without_fix():
    src = (
        "import torch\nimport torch.nn as nn\n"
        "class L(nn.Module):\n"
        "    def forward(self, x):\n"
        "        return x @ self.weight.data\n"
        "    def show(self):\n"
        "        print(self.weight.data)\n"
    )
    found = lint(src)
    assert [(d.line, d.severity, d.fix is None) for d in found] == [(5, "warning", True), (7, "info", False)]


def test_fix_replaces_only_the_data_attribute():
    src = "import torch\nfor name, p in net.named_parameters():\n    print(name, p.data[0].cpu())\n"
    (found,) = lint(src)
    assert found.fix.applicability == "safe"
    assert [e.content for e in found.fix.edits] == ["p.detach()"]


def test_named_parameters_first_element_is_not_a_parameter():
    src = "import torch\nfor name, p in net.named_parameters():\n    print(name.data)\n"
    assert lint(src) == []


def test_unknown_callee_is_not_judged():
    src = "import torch\nfor p in net.parameters():\n    mutate(p.data)\n"
    assert lint(src) == []


def test_value_kept_in_a_name_gets_an_unsafe_fix():
    src = "import torch\nfor p in net.parameters():\n    snap = p.data.to(torch.float32)\n    print(p.data.cpu())\n"
    found = lint(src)
    assert [(d.line, d.fix.applicability) for d in found] == [(3, "unsafe"), (4, "safe")]


def test_a_leaf_that_requires_grad_is_not_called_a_parameter():
    src = (
        "import torch\nfrom torch.autograd import Variable\n"
        "class M:\n"
        "    def set_input(self, ref):\n"
        "        self.var_ref = Variable(ref, requires_grad=True)\n"
        "    def show(self):\n"
        "        print(self.var_ref.data.cpu())\n"
        "w = torch.nn.Parameter(torch.zeros(3))\n"
        "print(w.data.cpu())\n"
    )
    found = lint(src)
    assert [d.line for d in found] == [7, 9]
    assert "a leaf tensor that requires grad" in found[0].message
    assert "parameter" not in found[0].message
    assert "reads a parameter" in found[1].message


def test_metadata_reads_through_data_are_silent_but_value_reads_beside_them_are_not():
    src = (
        "import torch\n"
        "out = net(x)\n"
        "print(out.data.size(), out.data.dim(), out.data.numel(), out.data.shape, out.data.ndim,\n"
        "      out.data.dtype, out.data.device, len(out.data))\n"
        "print(out.data.size(0), out.data.sum())\n"
    )
    assert [(d.line, d.column) for d in lint(src)] == [(5, 25)]


# (ninth audit, judged twice) ``loss.data[0]`` is the pre-0.4 ``.item()``: on today's 0-d loss it
# raises IndexError, and ``loss.detach()[0]`` would raise too, so the finding names ``.item()``.
LEGACY = (
    "import torch\nimport torch.nn as nn\n"
    "model = nn.Linear(4, 1)\ncriterion = nn.MSELoss()\n"
    "out = model(torch.randn(8, 4))\ny = torch.randn(8, 1)\n"
    "loss = criterion(out, y)\nloss.backward()\n"
    "print('%.4f' % loss.data[0])\n"          # 9: a scalar loss
    "d_loss = -torch.mean(out)\n"
    "print(d_loss.data[0])\n"                 # 11: a mean, named a loss
    "print(criterion(out, y).data[0] / 8)\n"  # 12: the criterion's result itself
    "print(out.data[0])\n"                    # 13: the first row of an output: detach() is right
    "per = nn.MSELoss(reduction='none')(out, y)\n"
    "print(per.data[0])\n"                    # 15: a loss per element: its first row
    "print(loss.data[1:])\n"                  # 16: not the legacy read
)


def test_legacy_data_index_of_a_scalar_loss_is_fixed_with_item():
    found = {d.line: d for d in lint(LEGACY)}
    assert sorted(found) == [9, 11, 12, 13, 15, 16]
    for line, text in ((9, "loss.item()"), (11, "d_loss.item()"), (12, "criterion(out, y).item()")):
        assert "IndexError" in found[line].message
        assert found[line].fix.applicability == "unsafe"
        assert [e.content for e in found[line].fix.edits] == [text]
    for line, text in ((13, "out.detach()"), (15, "per.detach()"), (16, "loss.detach()")):
        assert "IndexError" not in found[line].message
        assert [e.content for e in found[line].fix.edits] == [text]


def test_surgery_read_kept_where_the_local_is_read_elsewhere():
    """The read half of weight surgery must reach only writes of weights: a module-level copy that
    a function also reads, a local that a nested function reads, one passed to an unknown callee,
    or one never used (a dead read) is a read of the parameter."""
    src = (
        "import torch\n"
        "w1 = model.fc.weight.data.clone()\n"
        "other.fc.weight.data = w1\n"
        "def show():\n"
        "    print(w1)\n"
        "def copy(m0, m1):\n"
        "    w = m0.weight.data[:, 0].clone()\n"
        "    m1.weight.data = w\n"
        "    def later():\n"
        "        return w.sum()\n"
        "    return later\n"
        "def keep(m0, m1, history):\n"
        "    w = m0.weight.data.clone()\n"
        "    history.append(w)\n"
        "    m1.weight.data = w\n"
        "    unused = m0.bias.data.clone()\n"
    )
    assert [d.line for d in lint(src)] == [2, 7, 13, 16]


def test_surgery_read_through_a_local_into_a_data_write_is_silent():
    src = (
        "import torch\n"
        "def copy(m0, m1, keep):\n"
        "    w = m0.weight.data[:, keep].clone()\n"
        "    w = torch.cat([w, w.new_zeros(w.size(0), 1)], 1)\n"
        "    m1.weight.data[:, :w.shape[1]] = w\n"
        "    m1.bias.data.detach().copy_(m0.bias.data[keep].clone())\n"
    )
    assert lint(src) == []
