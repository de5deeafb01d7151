"""DL501 across modules: an optimiser given only an input image that a helper of another project
module makes (``Variable(torch.from_numpy(a).float(), requires_grad=True)``) optimises no weight,
while one given what a helper makes as ``nn.Parameter`` (or what a helper not found returns) keeps
the finding (:mod:`dllint.analysis.optimised_tensors`; audit 2026-12f, cause AZ)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from dllint.analysis.project import PROJECT  # noqa: E402
from project_lint import lint_findings, write_files  # noqa: E402

FILES = {
    "setup.py": "",
    "misc_functions.py": (
        "import numpy as np\n"
        "import torch\n"
        "import torch.nn as nn\n"
        "from torch.autograd import Variable\n"
        "\n"
        "def preprocess_image(im):\n"
        "    im_as_ten = torch.from_numpy(np.float32(im)).float()\n"
        "    im_as_ten.unsqueeze_(0)\n"
        "    im_as_var = Variable(im_as_ten, requires_grad=True)\n"
        "    return im_as_var\n"
        "\n"
        "def make_weight(n):\n"
        "    return nn.Parameter(torch.randn(n, n))\n"
        "\n"
        "def maybe_image(im, model):\n"
        "    if im is None:\n"
        "        return model.embedding.weight\n"
        "    return torch.rand(1, 3, 8, 8, requires_grad=True)\n"
    ),
    "visualise.py": (
        "import numpy as np\n"
        "from torch.optim import Adam\n"
        "from misc_functions import preprocess_image, make_weight, maybe_image\n"
        "\n"
        "image = preprocess_image(np.uint8(np.random.uniform(150, 180, (224, 224, 3))))\n"
        "opt_image = Adam([image], lr=0.1, weight_decay=1e-6)\n"
        "w = make_weight(10)\n"
        "opt_weight = Adam([w], lr=0.1, weight_decay=1e-6)\n"
        "x = maybe_image(None, model)\n"
        "opt_maybe = Adam([x], lr=0.1, weight_decay=1e-6)\n"
    ),
}


def test_input_image_made_in_another_module(tmp_path, monkeypatch, capsys):
    write_files(tmp_path, FILES)
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    assert lint_findings(capsys, "DL501", "--no-cache", ".") == {
        ("visualise.py", 8, "DL501"),
        ("visualise.py", 10, "DL501"),
    }
