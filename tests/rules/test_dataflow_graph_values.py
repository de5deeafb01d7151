"""GraphValues: which expressions hold tensors attached to the autograd graph."""
from __future__ import annotations

import libcst as cst

from dllint.analysis.dataflow import GraphValues
from dllint.context import FileContext


def analyse(source: str) -> tuple[GraphValues, FileContext]:
    ctx = FileContext("x.py", source, cst.parse_module(source))
    return ctx.analysis(GraphValues), ctx


def probes(source: str) -> dict[str, bool]:
    """is_graph of the argument of every ``probe_<name>(expr)`` call."""
    flow, ctx = analyse(source)
    out = {}
    for call in ctx.index.of_type(cst.Call):
        if isinstance(call.func, cst.Name) and call.func.value.startswith("probe_"):
            out[call.func.value[len("probe_"):]] = flow.is_graph(call.args[0].value)
    return out


def test_model_and_loss_outputs_and_detaching():
    src = (
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        "crit = nn.CrossEntropyLoss()\n"
        "class Net(nn.Module):\n    pass\n"
        "m = Net().to(device)\n"
        "out = m(x)\n"
        "loss = crit(out, y)\n"
        "probe_out(out)\nprobe_loss(loss)\n"
        "probe_scaled(loss * x.size(0))\n"
        "probe_item(loss.item())\nprobe_detach(loss.detach())\nprobe_float(float(loss))\n"
        "probe_cmp((out.argmax(1) == y).sum())\n"
        "probe_mean(out.mean())\n"
        "probe_functional(F.mse_loss(a, b))\n"
        "probe_data(out.data)\nprobe_shape(out.shape)\n"
        "probe_stack(torch.stack([loss, loss]))\n"
        "probe_plain(x + 1)\n"
        "loss = loss.item()\n"
        "probe_reassigned(loss)\n"
    )
    assert probes(src) == {
        "out": True, "loss": True, "scaled": True, "item": False, "detach": False, "float": False,
        "cmp": False, "mean": True, "functional": True, "data": False, "shape": False,
        "stack": True, "plain": False, "reassigned": False,
    }


def test_no_grad_and_no_torch():
    src = (
        "import torch\n"
        "with torch.no_grad():\n    out = model(x)\n"
        "probe_out(out)\n"
        "probe_live(model(x))\n"
    )
    assert probes(src) == {"out": False, "live": True}
    assert probes("out = model(x)\nprobe_out(out)\n") == {"out": False}


def test_function_summaries_and_tuple_unpacking():
    src = (
        "import torch\nimport torch.nn.functional as F\n"
        "def step(model, x, y):\n"
        "    out = model(x)\n"
        "    return F.cross_entropy(out, y), (out.argmax(1) == y).float().mean()\n"
        "def metric(model, x):\n"
        "    return model(x).argmax(1)\n"
        "def wrapper(model, x, y):\n"
        "    return step(model, x, y)[0]\n"
        "loss, acc = step(net, x, y)\n"
        "probe_loss(loss)\nprobe_acc(acc)\n"
        "probe_metric(metric(net, x))\n"
        "probe_wrapped(wrapper(net, x, y))\n"
        "logits, l2 = model(x, y)\n"
        "probe_l2(l2)\n"
    )
    assert probes(src) == {"loss": True, "acc": False, "metric": False, "wrapped": True, "l2": True}
    flow, ctx = analyse(src)
    funcs = {f.name.value: f for f in ctx.index.of_type(cst.FunctionDef)}
    assert flow.return_summary(funcs["step"]) == (True, False)
    assert not flow.returns_graph(funcs["metric"])


def test_methods_self_attributes_and_models():
    src = (
        "import torch\nimport torch.nn as nn\n"
        "class Trainer:\n"
        "    def __init__(self):\n"
        "        self.encoder = nn.Linear(3, 3)\n"
        "    def loss(self, x):\n"
        "        return self.encoder(x).pow(2).mean()\n"
        "    def run(self, x):\n"
        "        self.last = self.loss(x)\n"
        "        probe_last(self.last)\n"
        "        probe_cfg(self.model_config(x))\n"
        "        probe_forward(model.forward(x))\n"
    )
    assert probes(src) == {"last": True, "cfg": False, "forward": True}
    flow, ctx = analyse(src)
    names = [n for n in ctx.index.of_type(cst.Attribute) if ctx.code_for(n) == "self.encoder"]
    assert flow.is_model(names[0])


def test_loss_values_and_scalars():
    src = (
        "import torch\nimport torch.nn as nn\n"
        "crit = nn.MSELoss(reduction='none')\n"
        "per = crit(out, y)\n"
        "train_loss = model(x)\n"
        "probe(per)\nprobe(train_loss)\nprobe(per.mean())\nprobe(out)\n"
    )
    flow, ctx = analyse(src)
    args = [c.args[0].value for c in ctx.index.of_type(cst.Call)
            if isinstance(c.func, cst.Name) and c.func.value == "probe"]
    assert [flow.is_loss_value(a) for a in args] == [True, True, True, False]
    assert [flow.is_scalar_loss(a) for a in args] == [False, True, True, False]


def test_frozen_models_output_no_graph():
    src = (
        "import torch\n"
        "backbone.requires_grad_(False)\n"
        "for p in model.parameters():\n    p.requires_grad = False\n"
        "for p in net.features.parameters():\n    p.requires_grad = False\n"
        "probe_backbone(backbone(x))\nprobe_model(model(x))\nprobe_net(net(x))\n"
    )
    assert probes(src) == {"backbone": False, "model": False, "net": True}


def test_frozen_model_with_a_new_head_is_trainable_again():
    src = (
        "import torch\nimport torch.nn as nn\n"
        "for p in model.parameters():\n    p.requires_grad = False\n"
        "model.fc = nn.Linear(512, 2)\n"
        "probe_model(model(x))\n"
    )
    assert probes(src) == {"model": True}


def test_read_with_numpy_means_not_on_the_graph():
    src = (
        "import torch\n"
        "for x, y in test_loader:\n"
        "    predictions = torch.squeeze(model(x))\n"
        "    keep.append(predictions.cpu().numpy())\n"
        "    loss = loss_fn(predictions, y)\n"
        "    probe_pred(predictions)\n"
        "    probe_loss(loss)\n"
        "    out = model(x)\n"
        "    probe_out(out)\n"
        "    probe_other_loss(loss_fn(out, y))\n"
    )
    assert probes(src) == {"pred": False, "loss": False, "out": True, "other_loss": True}


def test_constructed_and_called_at_once():
    src = (
        "import torch\nimport torch.nn as nn\n"
        "probe_loss(nn.CrossEntropyLoss()(out, y))\n"
        "probe_layer(nn.Linear(3, 1)(x))\n"
        "probe_other(make()(x))\n"
    )
    assert probes(src) == {"loss": True, "layer": True, "other": False}
