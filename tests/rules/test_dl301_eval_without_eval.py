"""DL301 beyond its examples: severity, message, and what makes it silent."""
from __future__ import annotations

from dllint.testing import lint_snippet

TRAINED = """import torch
import torch.nn as nn
model = {definition}
fit(model)
with torch.no_grad():
    out = model(x)
"""


def _findings(source: str):
    return [d for d in lint_snippet(source, ["DL301"]) if d.code == "DL301"]


def test_warning_when_the_model_has_dropout() -> None:
    (found,) = _findings(TRAINED.format(definition="nn.Sequential(nn.Linear(2, 2), nn.Dropout())"))
    assert found.severity == "warning" and found.line == 6
    assert "model.eval()" in found.message


def test_silent_when_the_whole_definition_is_mode_free() -> None:
    assert not _findings(TRAINED.format(definition="nn.Sequential(nn.Linear(2, 2), nn.ReLU())"))
    assert not _findings(TRAINED.format(definition="nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.0))"))


def test_warning_when_a_dropout_rate_is_not_zero() -> None:
    (found,) = _findings(TRAINED.format(definition="nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.1))"))
    assert found.severity == "warning"


def test_warning_when_the_definition_is_not_visible() -> None:
    source = TRAINED.format(definition="Net()").replace("import torch.nn as nn", "from nets import Net")
    (found,) = _findings(source)
    assert found.severity == "warning"


def test_silent_for_a_factory_whose_result_mode_is_unknown() -> None:
    # ``load_model()`` may return a model already in eval mode
    source = TRAINED.format(definition="load_model()").replace("import torch.nn as nn", "from nets import load_model")
    assert not _findings(source)


def test_silent_without_torch() -> None:
    source = "import numpy as np\nmodel = Net()\nwith no_grad():\n    model(x)\n"
    assert not _findings(source)


def test_caller_message_names_the_function() -> None:
    source = """import torch
import torch.nn as nn
def score(model, x):
    with torch.no_grad():
        return model(x)

model = nn.Sequential(nn.Linear(2, 2), nn.Dropout())
model.train()
score(model, x_val)
"""
    (found,) = _findings(source)
    assert found.line == 5 and "score()" in found.message and "line 9" in found.message


def test_one_caller_in_eval_mode_and_one_in_training_mode_is_reported() -> None:
    source = """import torch
import torch.nn as nn
def score(model, x):
    with torch.no_grad():
        return model(x)

model = nn.Sequential(nn.Linear(2, 2), nn.Dropout())
model.eval()
score(model, x_val)
model.train()
score(model, x_val)
"""
    assert [d.line for d in _findings(source)] == [5]


def test_noqa_silences() -> None:
    source = TRAINED.format(definition="nn.Dropout()").replace("out = model(x)", "out = model(x)  # noqa: DL301")
    assert not _findings(source)


def test_one_finding_per_model_and_region() -> None:
    source = TRAINED.format(definition="nn.Dropout()") + "    out2 = model(y)\nwith torch.no_grad():\n    model(z)\n"
    assert [d.line for d in _findings(source)] == [6, 9]


EPOCH_LOOP = """import torch
import torch.nn as nn
EPOCHS = {epochs}
model = nn.Sequential(nn.Linear(2, 2), nn.Dropout())
for epoch in range(EPOCHS):
    model.train()
    for x, y in loader:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    model.eval()
with torch.no_grad():
    out = model(x_test)
"""


def test_an_epoch_loop_that_runs_at_least_once_ends_in_eval_mode() -> None:
    assert not _findings(EPOCH_LOOP.format(epochs=5))
    assert [d.line for d in _findings(EPOCH_LOOP.format(epochs=0))] == [13]


def test_a_plain_class_model_is_silent_and_a_module_class_is_not() -> None:
    source = """import torch
import torch.nn as nn
class Net{base}:
    def __init__(self):
        self.w = torch.zeros(2, 2)
    def forward(self, x):
        return x @ self.w
def accuracy(model, x):
    with torch.no_grad():
        return model.forward(x)
model = Net()
for x, y in loader:
    opt.zero_grad()
    loss_fn(model.forward(x), y).backward()
    opt.step()
accuracy(model, x_val)
"""
    assert not _findings(source.format(base=""))
    assert not _findings(source.format(base="(nn.Module)"))  # a module, but no layer with a mode
    # (a dropout the forward runs: one built and never called adds nothing, fifteenth audit EH)
    with_dropout = source.replace("self.w = torch.zeros(2, 2)",
                                  "super().__init__()\n        self.drop = nn.Dropout(0.5)") \
        .replace("return x @ self.w", "return self.drop(x)")
    assert _findings(with_dropout.format(base="(nn.Module)"))


WRAPPED = """import torch
import torch.nn as nn
class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(8, 8)
        self.fc = nn.Linear(8, 2){extra}
    def forward(self, x):
        return self.fc(self.rnn(x)[0])

model = Tagger()
model = nn.DataParallel(model)
model = model.cuda()
fit(model)
with torch.no_grad():
    out = model(x)
"""


def test_a_wrapped_and_moved_model_keeps_its_definition() -> None:
    # ``model = nn.DataParallel(model)`` and ``model = model.cuda()`` add no layer: the definition
    # is still the class's, without dropout or batch norm (seen in hunkim/PyTorchZeroToAll)
    assert not _findings(WRAPPED.format(extra=""))
    (found,) = _findings(WRAPPED.format(extra="\n        self.fc = nn.Sequential(nn.Dropout(0.1), self.fc)"))
    assert found.severity == "warning"


DEFAULTED = """import torch
from torch import nn

model = nn.Sequential(nn.Linear(8, 32), nn.Dropout(0.3), nn.ReLU(), nn.Linear(32, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
train_loader = [(torch.randn(64, 8), torch.randint(0, 2, (64,))) for _ in range(10)]

def evaluate(net=model):
    with torch.no_grad():
        x, y = torch.randn(100, 8), torch.randint(0, 2, (100,))
        return (net(x).argmax(1) == y).float().mean().item()
{rebind}
for epoch in range(10):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
{switch}    print(evaluate())
"""


def test_a_parameter_defaulted_to_the_global_model_is_judged_at_the_call() -> None:
    # ``evaluate()`` leaves ``net`` out: it is the global ``model``, still training after the loop
    (found,) = _findings(DEFAULTED.format(rebind="", switch=""))
    assert found.line == 11 and "line 19" in found.message
    # the twins: switched first; the global bound again after the def (the default holds the
    # first model, which never trains)
    assert not _findings(DEFAULTED.format(rebind="", switch="    model.eval()\n"))
    rebind = "model = nn.Sequential(nn.Linear(8, 2), nn.Dropout(0.3))\n"
    assert not _findings(DEFAULTED.format(rebind=rebind, switch=""))


LIGHTNING = """{imports}
import torch
import torch.nn as nn
class Net({base}):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        {extra}
    def forward(self, x):
        return self.fc(x)
model = Net()
fit(model)
with torch.no_grad():
    out = model(x)
"""


def test_a_lightning_module_without_mode_dependent_layers_is_mode_free() -> None:
    for imports, base in (("import pytorch_lightning as pl", "pl.LightningModule"),
                          ("import lightning as L", "L.LightningModule"),
                          ("from lightning.pytorch import LightningModule", "LightningModule")):
        assert not _findings(LIGHTNING.format(imports=imports, base=base, extra="pass"))


def test_a_lightning_module_with_dropout_is_still_reported() -> None:
    source = LIGHTNING.format(imports="import pytorch_lightning as pl", base="pl.LightningModule",
                              extra="self.fc = nn.Sequential(nn.Dropout(0.5), self.fc)")
    (found,) = _findings(source)
    assert found.line == 14


def test_a_lookalike_lightning_module_base_stays_unknown() -> None:
    # ``LightningModule`` of some other package is not known to be an nn.Module with no layer
    source = LIGHTNING.format(imports="import pytorch_lightning as pl\nfrom mylib import Base",
                              base="Base, pl.LightningModule", extra="pass")
    assert _findings(source)


def test_save_hyperparameters_builds_no_layer_in_a_lightning_module() -> None:
    source = LIGHTNING.format(imports="import pytorch_lightning as pl", base="pl.LightningModule",
                              extra="self.save_hyperparameters()")
    assert not _findings(source)
    # in a class that is not a Lightning module, ``self.save_hyperparameters`` is not Lightning's
    plain = LIGHTNING.format(imports="", base="nn.Module", extra="self.save_hyperparameters()")
    assert _findings(plain)


ACTOR_CRITIC = """import torch
import torch.nn as nn
import torch.nn.functional as F
from agents.base_agent import BaseAgent
class ActorCritic(nn.Module):
    def __init__(self, n_in, n_actions):
        super().__init__()
        init_ = lambda m: self.layer_init(m, nn.init.orthogonal_)
        self.fc1 = init_(nn.Linear(n_in, 64))
        self.actor = init_(nn.Linear(self.feature_size(), n_actions))
        {extra}
        self.train()
    def feature_size(self):
        return self.fc1(torch.zeros(1, 4)).view(1, -1).size(1)
    def layer_init(self, module, weight_init):
        weight_init(module.weight.data)
        return module
    def forward(self, x):
        return self.actor(F.relu(self.fc1(x)))
class Model(BaseAgent):
    def __init__(self, config=None):
        super().__init__(config)
        self.model = ActorCritic(4, 2)
    def get_action(self, s):
        logits = self.model(s)
        return torch.distributions.Categorical(logits=logits).sample()
model = Model()
for step in range(10):
    with torch.no_grad():
        actions = model.get_action(torch.randn(8, 4))
"""


def test_an_actor_critic_that_calls_its_own_methods_in_init_is_mode_free() -> None:
    # ninth audit, BZ: self.train(), an initialiser lambda through an own method, and an own
    # method that runs a layer to size the next one build no layer
    assert not _findings(ACTOR_CRITIC.format(extra="pass"))
    (found,) = _findings(ACTOR_CRITIC.format(extra="self.actor = nn.Sequential(nn.Dropout(0.5), self.actor)"))
    assert found.line == 25
