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


def test_info_when_the_whole_definition_is_mode_free() -> None:
    (found,) = _findings(TRAINED.format(definition="nn.Sequential(nn.Linear(2, 2), nn.ReLU())"))
    assert found.severity == "info"


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
