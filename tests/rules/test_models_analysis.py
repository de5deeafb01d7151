"""The model analysis: which expressions are nn.Module instances, and what is known of them."""
from __future__ import annotations

import libcst as cst
import pytest

from dllint.analysis.models import Models, is_model_name, model_key
from dllint.context import FileContext


def _context(source: str) -> FileContext:
    return FileContext("example.py", source, cst.parse_module(source))


def _calls(ctx: FileContext, name: str) -> list[cst.Call]:
    """Calls whose callee is written ``name``."""
    return [c for c in ctx.index.of_type(cst.Call) if ctx.code_for(c.func) == name]


def _is_model_at_call(source: str, name: str) -> bool:
    ctx = _context(source)
    models = ctx.analysis(Models)
    call = _calls(ctx, name)[-1]
    return models.is_model(call.func, call)


@pytest.mark.parametrize("source, name", [
    ("import torch.nn as nn\nm = nn.Linear(2, 2)\nm(x)\n", "m"),
    ("import torch\nm = torch.nn.Sequential(torch.nn.Linear(2, 2))\nm(x)\n", "m"),
    ("import torch.nn as nn\nclass A(nn.Module): pass\nclass B(A): pass\nb = B()\nb(x)\n", "b"),
    ("import torchvision\nr = torchvision.models.resnet18()\nr(x)\n", "r"),
    ("import timm\nt = timm.create_model('vit')\nt(x)\n", "t"),
    ("from transformers import AutoModel\nh = AutoModel.from_pretrained('b')\nh(x)\n", "h"),
    ("import torch\nfrom models import ResNet18\nnet = ResNet18()\nnet(x)\n", "net"),
    ("import torch.nn as nn\nm = nn.Linear(2, 2).to('cuda')\nm(x)\n", "m"),
    ("import torch\nimport torch.nn as nn\ndef f(m: nn.Module):\n    m(x)\n", "m"),
    ("import torch\ndef f(model):\n    model(x)\n", "model"),
    ("import torch\nclass T:\n    def __init__(self, model):\n        self.model = model\n"
     "    def go(self):\n        self.model(x)\n", "self.model"),
    ("import torch\nfrom torch.nn.parallel import DistributedDataParallel as DDP\nm = DDP(net)\nm(x)\n", "m"),
    ("import torch.nn as nn\nmodel = nn.Linear(2, 2)\nmodel.module(x)\n", "model.module"),
])
def test_models_are_recognised(source: str, name: str) -> None:
    assert _is_model_at_call(source, name)


@pytest.mark.parametrize("source, name", [
    ("import torch\nmodel = torch.load('m.pt')\nmodel(x)\n", "model"),  # may be a state dict
    ("import torch\nfrom sklearn.linear_model import LogisticRegression\n"
     "model = LogisticRegression()\nmodel(x)\n", "model"),
    ("import torch.nn as nn\ncriterion = nn.CrossEntropyLoss()\ncriterion(x, y)\n", "criterion"),
    ("import torch\nf = make_thing()\nf(x)\n", "f"),  # unresolved call, name says nothing
    ("import torch\ndef f(loader):\n    loader(x)\n", "loader"),
    ("import torch\nimport torch.nn as nn\ndef f(m: int):\n    m(x)\n", "m"),
    ("import torch.nn as nn\nmodel = nn.Linear(2, 2)\nmodel.encoder(x)\n", "model.encoder"),
    ("import numpy as np\nmodel = Net()\nmodel(x)\n", "model"),  # not a torch file
])
def test_non_models_are_not(source: str, name: str) -> None:
    assert not _is_model_at_call(source, name)


def test_model_names_and_keys() -> None:
    assert is_model_name("model") and is_model_name("target_net") and is_model_name("self.encoder")
    assert not is_model_name("loader") and not is_model_name("optimizer")
    assert model_key(cst.parse_expression("model.module")) == "model"
    assert model_key(cst.parse_expression("self.net._orig_mod")) == "self.net"
    assert model_key(cst.parse_expression("f(x)")) is None


_CLASS = ("import torch\nimport torch.nn as nn\nclass A(nn.Module):\n    def __init__(self{params}):\n"
          "        super().__init__()\n{body}m = {build}\nm(x)\n")


def _klass(body: str, params: str = "", build: str = "A()") -> str:
    return _CLASS.format(params=params, body="".join(f"        {line}\n" for line in body.split(";")),
                         build=build)


@pytest.mark.parametrize("source, expected", [
    ("import torch.nn as nn\nm = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.LayerNorm(2))\nm(x)\n", "no"),
    ("import torch.nn as nn\nm = nn.Sequential(nn.Linear(2, 2), nn.Dropout())\nm(x)\n", "yes"),
    ("import torch.nn as nn\nm = nn.Sequential(nn.Linear(2, 2), nn.Dropout(p=0))\nm(x)\n", "no"),
    ("import torch.nn as nn\nm = nn.Sequential(nn.Linear(2, 2), nn.AlphaDropout(0.1))\nm(x)\n", "yes"),
    ("import torch.nn as nn\nm = nn.LSTM(2, 2)\nm(x)\n", "no"),
    ("import torch.nn as nn\nm = nn.LSTM(2, 2, dropout=0.5)\nm(x)\n", "yes"),
    ("import torch.nn as nn\nm = nn.LSTM(2, 2, dropout=0.0)\nm(x)\n", "no"),
    ("import torch.nn as nn\nm = nn.BatchNorm2d(3)\nm(x)\n", "yes"),
    ("import torch.nn as nn\nm = nn.BatchNorm2d(3, track_running_stats=False)\nm(x)\n", "no"),
    ("import torch.nn as nn\nm = nn.InstanceNorm2d(3)\nm(x)\n", "no"),
    ("import torch.nn as nn\nm = nn.InstanceNorm2d(3, track_running_stats=True)\nm(x)\n", "yes"),
    ("import torch.nn as nn\nm = nn.TransformerEncoderLayer(8, 2)\nm(x)\n", "yes"),
    ("import torch.nn as nn\nm = nn.MultiheadAttention(8, 2)\nm(x)\n", "no"),
    ("import torch\ndef f(a):\n    m = torch.nn.UpsamplingBilinear2d(size=a.shape[-2:])\n    m(x)\n", "no"),
    ("import torch.nn as nn\nfrom collections import OrderedDict\n"
     "m = nn.Sequential(OrderedDict([('a', nn.Linear(2, 2)), ('b', nn.ReLU())]))\nm(x)\n", "no"),
    ("import torch.nn as nn\nlayers = [nn.Linear(2, 2), nn.ReLU()]\nm = nn.Sequential(*layers)\nm(x)\n", "no"),
    ("import torch.nn as nn\nm = nn.ModuleDict({'a': nn.Linear(2, 2), 'b': nn.Dropout(0.2)})\nm(x)\n", "yes"),
    (_klass("self.fc = nn.Linear(2, 2)"), "no"),
    (_klass("self.bn = nn.BatchNorm1d(2)"), "yes"),
    ("import torch.nn as nn\nimport torch.nn.functional as F\nclass A(nn.Module):\n"
     "    def forward(self, x):\n        return F.dropout(x, 0.5, self.training)\nm = A()\nm(x)\n", "yes"),
    (_klass("self.body = make_layers()"), "unknown"),  # not visible
    ("import torchvision\nm = torchvision.models.resnet18()\nm(x)\n", "unknown"),
    ("import torch.nn as nn\nimport torchvision\nclass A(nn.Module):\n    def __init__(self):\n"
     "        super().__init__()\n        self.body = torchvision.models.resnet18()\nm = A()\nm(x)\n", "unknown"),
    (_klass("self.w = nn.Parameter(torch.zeros(3))"), "no"),
    # a rate that is an __init__ parameter: its literal default, unless the construction passes one
    (_klass("self.d = nn.Dropout(dropout)", ", dropout=0.0"), "no"),
    (_klass("self.d = nn.Dropout(dropout)", ", dropout=0.0", "A(dropout=0.3)"), "unknown"),
    (_klass("self.d = nn.Dropout(dropout)", ", dropout=0.0", "A(0.0)"), "no"),
    (_klass("self.d = nn.Dropout(dropout)", ", dropout=0.5"), "yes"),
    # layers gathered in a list of the class's own calls, or a parameter put into the model
    (_klass("layers = [];layers.append(nn.Linear(2, 2));layers += [nn.ReLU()];self.s = nn.Sequential(*layers)"),
     "no"),
    (_klass("self.l = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])"), "no"),
    (_klass("self.s = nn.Sequential(backbone, nn.Linear(2, 2))", ", backbone", "A(net)"), "unknown"),
    (_klass("layers = [backbone];self.s = nn.Sequential(*layers)", ", backbone", "A(net)"), "unknown"),
    # (issue 13, fourth audit AR) a layer built inside forward, called at once or held by a local
    # name, is new at every call and in training mode: the model's mode never reaches it
    ("import torch.nn as nn\nclass A(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
     "        self.fc = nn.Linear(2, 2)\n    def forward(self, x, d):\n        return nn.Dropout(d)(self.fc(x))\n"
     "m = A()\nm(x, 0.0)\n", "no"),
    ("import torch.nn as nn\nclass A(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
     "        self.fc = nn.Linear(2, 2)\n    def forward(self, x):\n        drop = nn.Dropout(0.5)\n"
     "        return drop(self.fc(x))\nm = A()\nm(x)\n", "no"),
    # ... but one stored on the module in forward (built lazily, then registered) follows it
    ("import torch.nn as nn\nclass A(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
     "        self.fc = nn.Linear(2, 2)\n    def forward(self, x):\n        self.drop = nn.Dropout(0.5)\n"
     "        return self.drop(self.fc(x))\nm = A()\nm(x)\n", "yes"),
    # ... also through a local name that is itself stored on the module
    ("import torch.nn as nn\nclass A(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
     "        self.fc = nn.Linear(2, 2)\n    def forward(self, x):\n        drop = nn.Dropout(0.5)\n"
     "        self.drop = drop\n        return drop(self.fc(x))\nm = A()\nm(x)\n", "yes"),
    # the spectral GNN of the audit: an initialisation helper called from __init__ (numpy and
    # in-place tensor methods only), a loss method that builds its criterion at each call
    ("import numpy as np\nimport torch.nn as nn\nclass A(nn.Module):\n    def __init__(self):\n"
     "        super().__init__()\n        self.fc = nn.Linear(2, 2)\n        self.init_layers(self.fc, 2, 2)\n"
     "    def init_layers(self, W, n_in, n_out):\n        scale = np.sqrt(2.0 / (n_in + n_out))\n"
     "        W.weight.data.uniform_(-scale, scale)\n        return W\n"
     "    def loss(self, y, t):\n        return nn.CrossEntropyLoss()(y, t)\n"
     "    def forward(self, x, d):\n        return nn.Dropout(d)(self.fc(x))\nm = A()\nm(x, 0.0)\n", "no"),
    # ... but a helper of __init__ that calls what cannot be seen may build any layer
    ("import torch.nn as nn\nclass A(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
     "        self.build()\n    def build(self):\n        self.body = make_layers()\n"
     "    def forward(self, x):\n        return self.body(x)\nm = A()\nm(x)\n", "unknown"),
    # ... and one built in another method (called from __init__) is a submodule like any other
    ("import torch.nn as nn\nclass A(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
     "        self.drop = self.build()\n    def build(self):\n        return nn.Dropout(0.5)\n"
     "    def forward(self, x):\n        return self.drop(x)\nm = A()\nm(x)\n", "yes"),
])
def test_mode_dependence(source: str, expected: str) -> None:
    ctx = _context(source)
    call = _calls(ctx, "m")[-1]
    assert ctx.analysis(Models).mode_dependence(call.func, call) == expected


def test_mode_dependence_follows_nested_classes_and_their_defaults() -> None:
    inner = ("import torch.nn as nn\nclass B(nn.Module):\n    def __init__(self, p=0.0):\n"
             "        super().__init__()\n        self.d = nn.Dropout(p)\n"
             "class A(nn.Module):\n    def __init__(self, dropout=0.0):\n        super().__init__()\n"
             "        self.b = B(dropout)\n")
    for build, expected in (("A()", "no"), ("A(0.5)", "unknown")):
        ctx = _context(inner + f"m = {build}\nm(x)\n")
        call = _calls(ctx, "m")[-1]
        assert ctx.analysis(Models).mode_dependence(call.func, call) == expected


def test_from_pretrained() -> None:
    ctx = _context("from transformers import AutoModelForCausalLM, AutoTokenizer\n"
                   "m = AutoModelForCausalLM.from_pretrained('g').to('cuda')\n"
                   "tok = AutoTokenizer.from_pretrained('g')\nm(x)\ntok(x)\n")
    models = ctx.analysis(Models)
    m_call = _calls(ctx, "m")[-1]
    tok_call = _calls(ctx, "tok")[-1]
    assert models.from_pretrained(m_call.func, m_call)
    assert not models.is_model(tok_call.func, tok_call)


def test_module_classes_and_lightning() -> None:
    ctx = _context("import lightning as L\nimport torch.nn as nn\nclass Lit(L.LightningModule):\n"
                   "    def step(self):\n        self.net(x)\nclass Plain:\n    pass\n")
    models = ctx.analysis(Models)
    assert models.classes["Lit"].lightning
    assert "Plain" not in models.classes
    call = _calls(ctx, "self.net")[0]
    assert models.enclosing_module_class(call) is models.classes["Lit"]
