"""What every construction of a class passes for an ``__init__`` parameter
(:func:`dllint.analysis.callers.constructor_arguments`), the one fact DL104 (a wrapped module's
``forward``), DL202 (a loader kept from the constructor) and DL501 (``self.hparams`` and a
constructor's parameters followed back to their settings) read: a default left to a call is read
in the module of the ``__init__`` that declares it, and a snippet is a project of one module."""
from __future__ import annotations

from pathlib import Path

import libcst as cst

from dllint.analysis.callers import constructor_arguments
from dllint.analysis.project import PROJECT
from dllint.context import FileContext

HOLDER = """class Holder:
    def __init__(self, loader, size=7):
        self.loader = loader
        self.size = size
"""


def _context(path: str, source: str) -> FileContext:
    return FileContext(path, source, cst.parse_module(source))


def _passed(ctx: FileContext, klass: str, param: str) -> list[tuple[FileContext, str]] | None:
    found = next(s for s in ctx.module.body if isinstance(s, cst.ClassDef) and s.name.value == klass)
    passed = constructor_arguments(ctx, found, param)
    return None if passed is None else [(where, where.module.code_for_node(value)) for where, value in passed]


def test_a_default_left_to_a_call_of_another_module_is_read_where_it_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / ".git").mkdir()
    (tmp_path / "utils.py").write_text(HOLDER)
    (tmp_path / "main.py").write_text("from utils import Holder\n\nh = Holder(a)\nk = Holder(b, size=3)\n")
    # a subclass of another module that inherits __init__: its default is still utils.py's
    (tmp_path / "plain.py").write_text("import utils\n\n\nclass Plain(utils.Holder):\n    pass\n\n\n"
                                       "p = Plain(c)\n")
    PROJECT.begin_file()
    ctx = _context(str(tmp_path / "utils.py"), HOLDER)
    passed = _passed(ctx, "Holder", "size")
    assert passed is not None and sorted(code for _, code in passed) == ["3", "7", "7"]
    # the default is a node of utils.py: read in the calling module it would stand for nothing there
    assert [Path(where.path).name for where, code in passed if code == "7"] == ["utils.py", "utils.py"]
    assert [Path(where.path).name for where, code in passed if code == "3"] == ["main.py"]
    # a parameter without a default that a call leaves out: unknown
    (tmp_path / "other.py").write_text("from utils import Holder\n\nHolder(size=1)\n")
    PROJECT.clear()
    PROJECT.begin_file()
    assert _passed(_context(str(tmp_path / "utils.py"), HOLDER), "Holder", "loader") is None


def test_a_snippet_is_a_project_of_one_module():
    source = HOLDER + "\n\nclass Sub(Holder):\n    def __init__(self, data):\n        super().__init__(data)\n" \
        "\n\nh = Holder(first)\ns = Sub(second)\n"
    assert sorted(code for _, code in _passed(_context("x.py", source), "Holder", "loader")) == ["first", "second"]
    assert _passed(_context("x.py", source + "\nlater = [Holder]\n"), "Holder", "loader") is None  # a value
    assert _passed(_context("x.py", HOLDER), "Holder", "loader") == []  # never built


def test_a_class_imported_under_another_name_is_built_by_that_name(tmp_path, monkeypatch):
    # keras-retinanet's models/__init__.py: ``from .effnet import EfficientNetBackbone as b``
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / ".git").mkdir()
    (tmp_path / "utils.py").write_text(HOLDER)
    (tmp_path / "main.py").write_text("def build(kind):\n    from utils import Holder as b\n    return b(kind)\n")
    PROJECT.begin_file()
    passed = _passed(_context(str(tmp_path / "utils.py"), HOLDER), "Holder", "loader")
    assert [(Path(where.path).name, code) for where, code in passed] == [("main.py", "kind")]


def test_a_notebook_s_class_is_built_only_in_the_notebook(tmp_path, monkeypatch):
    # thirteenth audit: a course repository whose notebooks each define their own KerasModel; the
    # class of the notebook being linted was unknown because notebooks (itself among them) name it
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / ".git").mkdir()
    source = HOLDER + "\n\nh = Holder(first)\n"
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": source.splitlines(keepends=True)}
    import json
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "one.ipynb").write_text(json.dumps(notebook))
    (tmp_path / "two.ipynb").write_text(json.dumps(notebook))
    (tmp_path / "lib.py").write_text("class Holder:\n    pass\n\n\nHolder()\n")
    PROJECT.begin_file()
    passed = _passed(_context(str(tmp_path / "one.ipynb"), source), "Holder", "loader")
    assert passed is not None and [(Path(where.path).name, code) for where, code in passed] == [("one.ipynb", "first")]
    # a module's class is still unknown while a notebook may build it
    PROJECT.clear()
    PROJECT.begin_file()
    module = HOLDER + "\n\nh = Holder(first)\n"
    (tmp_path / "holder.py").write_text(module)
    (tmp_path / "three.ipynb").write_text(json.dumps({**notebook, "cells": [
        {**cell, "source": ["from holder import Holder\n", "Holder(second)\n"]}]}))
    assert _passed(_context(str(tmp_path / "holder.py"), module), "Holder", "loader") is None


SPARSE = """import torch.nn as nn


def rezero(m):
    if isinstance(m, (SparseBase, nn.Linear)):
        m.reset()


class SparseBase(nn.Module):
    def __init__(self, module, sparsity):
        super().__init__()
        self.module = module
        self.sparsity = sparsity

    def forward(self, x):
        return self.module.forward(x)


class Sparse(SparseBase):
    def __init__(self, module, sparsity=0.5):
        super().__init__(module, sparsity)
"""


def test_a_type_test_builds_nothing_and_dl104_reads_no_notebook(tmp_path, monkeypatch, capsys):
    # numenta/nupic.torch (development corpus, DL104): `isinstance(m, SparseWeightsBase)` in a helper
    # and example notebooks that name the class left every construction unknown once the
    # constructions became one fact (callers.constructor_arguments)
    import json
    import sys as _sys
    _sys.path.insert(0, str(Path(__file__).parent))
    from project_lint import lint_each_file, lint_findings, write_files
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": ["from sparse import Sparse\n", "import torch.nn as nn\n", "net = Sparse(nn.Linear(4, 4))\n"]}
    files = {"sparse.py": SPARSE, "model.py": "import torch.nn as nn\nfrom sparse import Sparse\n\n"
             "layer = Sparse(nn.Linear(784, 10), 0.4)\n",
             "demo.ipynb": json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})}
    write_files(tmp_path, {"setup.py": "", **files})
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    found = lint_findings(capsys, "DL104", "--no-cache", ".")
    assert found == {("sparse.py", 16, "DL104")}
    assert lint_each_file(capsys, "DL104", ["sparse.py"]) == found
