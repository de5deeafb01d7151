"""The class outline of a project module (``project.ClassOutline``): whether an imported class is an
``nn.Module`` is answered from the module's statements as CPython's parser reads them, without a
libcst parse; the answers must be those of the full analysis of that module."""
from __future__ import annotations

import os
from pathlib import Path

import libcst as cst
import pytest

from dllint.analysis.dataflow import ModuleClasses
from dllint.analysis.project import PROJECT, ClassOutline
from dllint.context import FileContext
from dllint.engine import _python_syntax_error

TRICKY = '''import torch.nn as nn
import torch, os.path
import a.b as ab
from torch.nn import Module as M, Linear
from . import sibling
from ..pkg.mod import thing as other
from star import *


def Net():  # shadowed below: the last top-level definition wins
    pass


@decorator
class Net(nn.Module, metaclass=Meta):
    class Inner(M):
        pass


class Plain(*bases, object, **extra):
    pass


class Called(make_base(1), ab.c.Base):
    pass


async def Plain2():
    pass


class Plain2:
    pass


class Last:
    pass


def Last():
    import transformers as tf

    class Local(tf.PreTrainedModel):
        pass


if torch.cuda.is_available():
    class Guarded(Linear):
        pass
else:
    class Guarded(nn.Module):
        pass
try:
    from extra import Base as Inner
except ImportError:
    class Inner:
        pass
with open(os.path.join("x")) as handle:
    class InWith(Net):
        pass
match torch.x:
    case 1:
        class InMatch(Inner):
            pass
    case _:
        from lightning import LightningModule
'''


def _both(tmp_path: Path, text: str) -> tuple[ClassOutline, ClassOutline]:
    path = tmp_path / "mod.py"
    path.write_text(text)
    _, tree = _python_syntax_error(str(path), text)
    ctx = FileContext(str(path), text, cst.parse_module(text))
    return ClassOutline.of_ast(path, tree), ClassOutline.of_context(path, ctx)


def test_cpython_and_libcst_read_the_same_outline(tmp_path):
    fast, full = _both(tmp_path, TRICKY)
    assert fast.classes == full.classes
    assert [name for name, _ in fast.classes] == ["Net", "Inner", "Plain", "Called", "Plain2", "Last", "Local",
                                                  "Guarded", "Guarded", "Inner", "InWith", "InMatch"]
    assert dict(fast.classes)["Plain"] == ("bases", "object")  # a starred base is its name
    assert dict(fast.classes)["Called"] == (None, "ab.c.Base")
    assert fast.top_classes == full.top_classes == {"Net", "Plain", "Called", "Plain2"}
    assert fast.records == full.records
    assert fast.imports.aliases == full.imports.aliases
    assert fast.imports.modules == full.imports.modules
    assert fast.imports.star_from == full.imports.star_from == {"star"}
    assert fast.imports.aliases["M"] == "torch.nn.Module"
    assert "sibling" not in fast.imports.aliases  # relative: a project module, not a library


def test_the_outline_answers_as_the_libcst_analysis_of_the_module(tmp_path):
    """Each module's module classes, from its outline and from a libcst context of it, agree,
    also through bases imported from other modules of the project."""
    PROJECT.clear()
    (tmp_path / "pyproject.toml").write_text("")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "base.py").write_text("import torch.nn as nn\n\n\nclass Base(nn.Module):\n    pass\n\n\n"
                                 "class Meter(object):\n    pass\n")
    (pkg / "mid.py").write_text("from .base import Base as B, Meter\n\n\nclass Mid(B):\n    pass\n\n\n"
                                "class Avg(Meter):\n    pass\n\n\nclass Loop(Loop2):\n    pass\n\n\n"
                                "class Loop2(Loop):\n    pass\n")
    (pkg / "top.py").write_text("from pkg import mid\nfrom pkg.mid import Avg\n\n\nclass Top(mid.Mid):\n"
                                "    pass\n\n\nclass Counter(Avg):\n    pass\n\n\nclass Own(Top):\n    pass\n")
    expected = {"base.py": {"Base"}, "mid.py": {"Mid"}, "top.py": {"Top", "Own"}}
    for name, names in expected.items():
        path = pkg / name
        outline = PROJECT.class_outline(path)
        assert ModuleClasses(None, outline).names == names
        PROJECT.clear()
        source = path.read_text()
        assert FileContext(str(path), source, cst.parse_module(source)).analysis(ModuleClasses).names == names
        PROJECT.clear()
    (tmp_path / "train.py").write_text("from pkg.top import Top, Counter\n")
    path = tmp_path / "train.py"
    source = path.read_text()
    classes = FileContext(str(path), source, cst.parse_module(source)).analysis(ModuleClasses)
    assert classes.project_class(cst.Name("Top"))
    assert not classes.project_class(cst.Name("Counter"))
    assert not PROJECT._modules  # no libcst parse of any of them


def test_a_module_is_read_once_per_version(tmp_path):
    """The outline is kept per version of the file (modification time and size)."""
    PROJECT.clear()
    lib = tmp_path / "lib.py"
    lib.write_text("from torch import nn\n\n\nclass Net(nn.Module):\n    pass\n")
    first = PROJECT.class_outline(lib)
    assert first is not None and PROJECT.class_outline(lib) is first
    stamp = lib.stat().st_mtime_ns
    lib.write_text("from torch import nn\n\n\nclass Net(nn.Module):\n    pass\n")  # same size
    os.utime(lib, ns=(stamp + 10**9, stamp + 10**9))
    second = PROJECT.class_outline(lib)
    assert second is not first and second.classes == first.classes
    PROJECT.clear()


@pytest.mark.parametrize("text, is_module", [
    ("from torch import nn\n\n\nclass Net(object):\n    pass\n", False),
    ("from torch import nn\n\n\nclass Net(nn.Module):  # edited\n    pass\n", True),
    ("class Net(nn.Module):\n    pass\n", False),  # nn never imported: no module
    ("from torch import nn\n\n\nclass Net(nn.Module):\n    pass\n\n\nNet = 1\n\n\ndef Net():\n    pass\n", False),
    ("from torch import nn\n\n\nclass Net(nn.Module)\n    pass\n", False),  # does not parse
])
def test_an_edit_changes_the_answer(tmp_path, text, is_module):
    PROJECT.clear()
    (tmp_path / "pyproject.toml").write_text("")
    lib = tmp_path / "lib.py"
    lib.write_text("from torch import nn\n\n\nclass Net(nn.Module):\n    pass\n")
    train = tmp_path / "train.py"
    train.write_text("from lib import Net\n")
    source = train.read_text()

    def verdict() -> bool:
        PROJECT.begin_file()
        ctx = FileContext(str(train), source, cst.parse_module(source))
        return ctx.analysis(ModuleClasses).project_class(cst.Name("Net"))

    assert verdict()
    before = dict(PROJECT.consulted_files())[str(lib)]
    stamp = lib.stat().st_mtime_ns
    lib.write_text(text)
    os.utime(lib, ns=(stamp + 10**9, stamp + 10**9))  # a later modification time, whatever the clock
    assert verdict() is is_module
    assert dict(PROJECT.consulted_files())[str(lib)] != before
    PROJECT.clear()


def test_a_module_is_parsed_for_a_function_only_when_its_text_defines_one(tmp_path: Path) -> None:
    # find_definition's gate: `def name` at the start of a line (decorated, async or not); a
    # nested or indented def, a class or a re-export of that name is no top-level function
    module = tmp_path / "helpers.py"
    module.write_text("import torch\n@torch.no_grad()\ndef evaluate(model):\n    pass\n"
                      "async def fetch():\n    pass\nclass Net:\n    def forward(self):\n        pass\n"
                      "from .other import train\n")
    PROJECT.clear()
    assert PROJECT.may_define_function(module, "evaluate")
    assert PROJECT.may_define_function(module, "fetch")
    for name in ("forward", "Net", "train", "missing"):
        assert not PROJECT.may_define_function(module, name), name
    module.write_text(module.read_text() + "def train(model):\n    pass\n")
    os.utime(module, ns=(1, 1))  # another stamp, whatever the clock's resolution
    assert PROJECT.may_define_function(module, "train")
