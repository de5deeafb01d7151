"""Line numbers cited inside a finding's message are translated to notebook cells too."""
from __future__ import annotations

import json
import subprocess
import sys


def _notebook(*cells: str) -> str:
    return json.dumps({
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                   "source": c} for c in cells],
        "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5,
    })


def test_cited_line_names_the_cell(tmp_path):
    nb = tmp_path / "leak.ipynb"
    nb.write_text(_notebook(
        "import numpy as np\nfrom sklearn.model_selection import train_test_split\nX = np.random.randn(100, 3)\ny = X[:, 0] > 0",
        "X = (X - X.mean(axis=0)) / X.std(axis=0)",
        "X_train, X_test, y_train, y_test = train_test_split(X, y)",
    ), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "dllint", "--no-cache", "--select", "DL401",
                             "--format", "json", str(nb)], capture_output=True, text=True, timeout=120)
    findings = json.loads(result.stdout)
    assert [(f["code"], f["cell"], f["line"]) for f in findings] == [("DL401", 2, 1)]
    message = findings[0]["message"]
    assert "cell 3 line 1" in message, message
