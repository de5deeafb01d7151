"""The whole-project view: imports resolved to the project's files, their summaries used, and the
same findings whether the project is linted as a directory, one file at a time, or through flake8;
a cached finding goes stale when a module whose summary it used changes."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import libcst as cst
import pytest

from dllint.analysis.project import PROJECT, ProjectImports, Target, find_root
from dllint.cli import main
from dllint.index import NodeIndex

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import flake8_each_file, lint_each_file, lint_findings  # noqa: E402
import mode_project  # noqa: E402  (the fixture project's files)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    return mode_project.write(tmp_path)


def _lint(capsys, *args: str) -> set[tuple[str, int, str]]:
    return lint_findings(capsys, "DL301,DL302", *args)


def test_directory_and_single_files_give_the_same_findings(project, capsys):
    assert _lint(capsys, "--no-cache", ".") == mode_project.EXPECTED
    assert lint_each_file(capsys, "DL301,DL302", mode_project.FILES) == mode_project.EXPECTED


def test_flake8_plugin_gives_the_same_findings(project):
    # one flake8 process over all the files: the project view is not cleared between them
    found = flake8_each_file(project, ("DL301", "DL302"), mode_project.FILES, clear=False)
    assert found == mode_project.EXPECTED


def test_a_cached_finding_goes_stale_when_an_imported_module_changes(project, capsys):
    assert _lint(capsys, ".") == mode_project.EXPECTED
    assert _lint(capsys, ".") == mode_project.EXPECTED  # warm
    evaluation = project / "src/trainlib/evaluation.py"
    text = evaluation.read_text()
    evaluation.write_text(text.replace(
        "        return sum(model(x).sum().item() for x, _ in loader)\n",
        "        total = sum(model(x).sum().item() for x, _ in loader)\n    model.train()\n    return total\n"))
    # evaluate() now restores training mode: its two callers, in two other files, are silent
    assert _lint(capsys, ".") == mode_project.EXPECTED - {("src/trainlib/engine.py", 14, "DL302"),
                                                          ("fresh.py", 12, "DL302")}
    evaluation.write_text(text)
    assert _lint(capsys, ".") == mode_project.EXPECTED


def test_an_imported_module_that_does_not_parse_is_no_crash(project, capsys):
    (project / "src/trainlib/evaluation.py").write_text("def evaluate(model, loader:\n")
    found = _lint(capsys, "--no-cache", "src/trainlib/engine.py")
    assert found == set()  # nothing known of evaluate(); no DL000 either (it would show as a code)
    code = main(["--no-cache", "--format", "json", "src/trainlib/engine.py"])
    assert all(d["code"] != "DL000" for d in json.loads(capsys.readouterr().out))
    assert code in (0, 1)


def test_an_imported_module_indented_as_cpython_reads_tabs_gives_its_facts(project, capsys):
    """A tab among spaces that CPython compiles and libcst's tokenizer rejects: the module is read
    with its indentation expanded as CPython reads it, so its summary still counts (and no DL000)."""
    evaluation = project / "src/trainlib/evaluation.py"
    text = evaluation.read_text().replace(
        "        return sum(model(x).sum().item() for x, _ in loader)\n",
        "        total = sum(model(x).sum().item() for x, _ in loader)\n    if True:\n"
        "\t    model.train()\n    return total\n")
    compile(text, "evaluation.py", "exec")
    with pytest.raises(cst.ParserSyntaxError):
        cst.parse_module(text)
    evaluation.write_text(text)
    # evaluate() restores training mode: its caller's DL302 goes, the unrelated one stays
    assert _lint(capsys, "--no-cache", "src/trainlib/engine.py") == {("src/trainlib/engine.py", 34, "DL302")}
    code = main(["--no-cache", "--format", "json", "src/trainlib/engine.py", "fresh.py"])
    assert all(d["code"] != "DL000" for d in json.loads(capsys.readouterr().out))
    assert code in (0, 1)


def test_import_cycles_and_recursion_across_files_end(project, capsys):
    # a imports b and b imports a (a cycle of modules, not of calls): followed
    (project / "a.py").write_text(
        "import torch\nfrom b import g\n\ndef f(model):\n    model.eval()\n    g(model)\n\n"
        "def k(model):\n    return model\n")
    (project / "b.py").write_text("import torch\nfrom a import k\n\ndef g(model):\n    k(model)\n")
    script = ("import torch\nfrom a import f\nmodel.train()\nfor x, y in loader:\n    opt.zero_grad()\n"
              "    loss(model(x), y).backward()\n    opt.step()\n    f(model)\n")
    (project / "c.py").write_text(script)
    assert _lint(capsys, "--no-cache", "c.py") == {("c.py", 8, "DL302")}
    # f and g call each other: the recursion is cut, and what it does to the model is unknown
    (project / "b.py").write_text("import torch\nfrom a import f\n\ndef g(model):\n    f(model)\n")
    PROJECT.clear()
    assert _lint(capsys, "--no-cache", "c.py") == set()


def _imports(path: Path) -> ProjectImports:
    module = cst.parse_module(path.read_text())
    return ProjectImports(path.resolve(), module, NodeIndex(module))


def test_resolution_of_absolute_relative_src_and_sibling_imports(tmp_path):
    mode_project.write(tmp_path)
    (tmp_path / "helpers.py").write_text("def h():\n    pass\n")
    script = tmp_path / "run.py"
    script.write_text("import trainlib.models as tm\nimport trainlib\nfrom trainlib import evaluation\n"
                      "from trainlib.evaluation import evaluate as ev\nfrom helpers import h\n"
                      "import torch\nfrom numpy import array\nfrom .nothing import x\n")
    imports = _imports(script)
    src = (tmp_path / "src/trainlib").resolve()
    assert imports.root == tmp_path.resolve()
    assert imports.target("tm.Net") == Target(src / "models.py", "Net")
    assert imports.target("trainlib.evaluation.evaluate") == Target(src / "evaluation.py", "evaluate")
    assert imports.target("evaluation.evaluate") == Target(src / "evaluation.py", "evaluate")
    assert imports.target("ev") == Target(src / "evaluation.py", "evaluate")
    assert imports.target("h") == Target((tmp_path / "helpers.py").resolve(), "h")
    assert imports.target("torch.nn") is None and imports.target("array") is None
    assert imports.target("x") is None
    engine = _imports(tmp_path / "src/trainlib/engine.py")
    assert engine.target("evaluate") == Target(src / "evaluation.py", "evaluate")
    assert engine.target("evaluation.evaluate") == Target(src / "evaluation.py", "evaluate")


def test_a_package_in_a_folder_below_the_root_resolves_its_absolute_imports(tmp_path):
    # mead-baseline's layout: .git at the top, the package under python/ (no marker there)
    (tmp_path / ".git").mkdir()
    package = tmp_path / "python/baseline"
    (package / "pytorch/tagger").mkdir(parents=True)
    for folder in (package, package / "pytorch", package / "pytorch/tagger"):
        (folder / "__init__.py").write_text("")
    (package / "train.py").write_text("class Trainer:\n    pass\n")
    script = package / "pytorch/tagger/train.py"
    script.write_text("from baseline.train import Trainer\n")
    imports = _imports(script)
    assert imports.root == tmp_path.resolve()
    assert imports.target("Trainer") == Target((package / "train.py").resolve(), "Trainer")
    outside = tmp_path / "python/tool.py"  # no package: nothing new to look in
    outside.write_text("from baseline.train import Trainer\n")
    assert _imports(outside).target("Trainer") == Target((package / "train.py").resolve(), "Trainer")


def test_root_markers(tmp_path):
    (tmp_path / "proj/pkg/sub").mkdir(parents=True)
    (tmp_path / "proj/setup.py").write_text("")
    assert find_root(tmp_path / "proj/pkg/sub/m.py") == tmp_path / "proj"
    (tmp_path / "proj/pkg/.git").mkdir()
    assert find_root(tmp_path / "proj/pkg/sub/m.py") == tmp_path / "proj/pkg"
    lone = tmp_path / "lone"
    lone.mkdir()
    assert find_root(lone / "s.py") in (lone, *lone.parents)


def test_text_from_stdin_is_placed_in_the_current_directory(project, capsys, monkeypatch):
    import io
    data = (project / "train.py").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code = main(["--format", "json", "--no-cache", "-"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(d["line"], d["code"]) for d in out if d["code"].startswith("DL30")] == [(13, "DL302")]


def test_a_snippet_that_is_no_file_has_no_project_view(project):
    from dllint.testing import lint_snippet
    found = lint_snippet(mode_project.FILES["train.py"], ["DL301", "DL302"], path="not-here/train.py")
    # without Net's methods, val_start() is unknown: the single-file answer
    assert [(d.line, d.code) for d in found] == [(15, "DL301")]


def test_odd_import_names_are_no_crash(tmp_path):
    script = tmp_path / "s.py"
    script.write_text(f"from {'a' * 300}.{'b' * 300} import c\nimport {'d' * 5000}\nfrom ....... import e\n")
    imports = _imports(script)
    assert imports.names == {}
    assert imports.target("c") is None


def test_a_model_class_of_another_module_without_dropout_is_silent(project, capsys):
    (project / "src/trainlib/plain.py").write_text(
        "import torch.nn as nn\n\nclass Plain(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.fc = nn.Linear(4, 2)\n\n"
        "    def forward(self, x):\n        return self.fc(x)\n")
    (project / "plain_script.py").write_text(
        "import torch\nfrom trainlib.plain import Plain\nfrom trainlib.models import Net\n"
        "plain_model = Plain()\nnet = Net()\nfit(plain_model)\nfit(net)\nwith torch.no_grad():\n"
        "    print(plain_model(x))\n    print(net(x))\n")
    code = main(["--format", "json", "--select", "DL301", "--no-cache", "plain_script.py"])
    found = [(d["line"], d["severity"]) for d in json.loads(capsys.readouterr().out)]
    assert code == 1
    assert found == [(10, "warning")]  # Net has dropout, Plain has none: it computes the same


def test_a_name_that_is_no_class_of_its_module_is_answered_without_parsing_it(tmp_path):
    """find_class reads the module's top-level class names from its text: a function or constant
    imported from a big module must not cost that module's parse. The module still counts as
    consulted, so that a cached finding goes stale when it gains the class."""
    from dllint.analysis.project import find_class

    PROJECT.clear()
    (tmp_path / "pyproject.toml").write_text("")
    helpers = tmp_path / "helpers.py"
    helpers.write_text('import torch\n\n\ndef build(x):\n    return x\n\n\nDOC = """\nclass Net:\n"""\n')
    PROJECT.begin_file()
    assert find_class(None, Target(helpers, "build")) is None
    assert helpers not in PROJECT._modules  # not parsed
    assert find_class(None, Target(helpers, "Net")) is None  # only a string's text: parsed, not a class
    assert dict(PROJECT.consulted_files())[str(helpers)] != ""
    helpers.write_text("from torch import nn\n\n\n@decorated\nclass build(nn.Module):\n    pass\n")
    found = find_class(None, Target(helpers, "build"))
    assert isinstance(found, cst.ClassDef) and found.name.value == "build"


def test_a_plain_class_of_another_module_is_known_to_be_no_model_without_parsing_it(tmp_path):
    """A class with no base but ``object`` (or a plain class of its own module, or only a
    metaclass) is no nn.Module: the module it comes from is not parsed to learn that. A class
    whose bases are not written plainly, or that subclasses an imported name, is looked up."""
    PROJECT.clear()
    (tmp_path / "pyproject.toml").write_text("")
    lib = tmp_path / "lib.py"
    lib.write_text("from torch import nn\n\n\nclass Meter:\n    pass\n\n\nclass Avg(Meter, metaclass=type):\n"
                   "    pass\n\n\nclass Obj(object):\n    pass\n\n\nclass Net(\n    nn.Module,\n):\n    pass\n\n\n"
                   "class Odd(make_base(1)):\n    pass\n")
    assert [PROJECT.may_be_subclass(lib, n) for n in ("Meter", "Avg", "Obj", "Net", "Odd", "Missing")] \
        == [False, False, False, True, True, False]
    assert lib not in PROJECT._modules
    (tmp_path / "train.py").write_text(
        "import torch\nfrom lib import Avg, Net\n\nmeter = Avg()\nnet = Net()\nfor x in range(3):\n"
        "    loss = net(x).sum()\n    loss.backward()\n")
    from dllint.analysis.dataflow import ModuleClasses
    from dllint.context import FileContext

    path = tmp_path / "train.py"
    source = path.read_text()
    classes = FileContext(str(path), source, cst.parse_module(source)).analysis(ModuleClasses)
    assert not classes.project_class(cst.Name("Avg"))
    assert lib not in PROJECT._modules
    assert classes.project_class(cst.Name("Net"))
    assert lib in PROJECT._class_outlines  # Net needed a look at its module's statements,
    assert lib not in PROJECT._modules  # through CPython's parser, not libcst's


def test_plain_classes_are_found_through_any_depth_and_order(tmp_path):
    """Whether a class is plain is a fixpoint over the module's outline: a chain of plain classes
    deeper than any recursion bound, written in any order, is plain; one imported base anywhere
    up the chain makes every class below it a maybe."""
    from dllint.analysis.project import _plain_classes

    chain = {f"D{i}": f"D{i + 1}" for i in range(5000)}
    chain["D5000"] = ""
    assert "D0" in _plain_classes(chain)
    chain["D5000"] = "nn.Module"
    assert _plain_classes(chain) == frozenset()
    assert _plain_classes({"A": "A", "B": "object, metaclass=M", "C": None, "E": "B, C"}) == {"B"}
    PROJECT.clear()
    module = tmp_path / "deep.py"
    module.write_text("".join(f"class D{i}(D{i + 1}):\n    pass\n" for i in range(40)) + "class D40:\n    pass\n")
    assert not PROJECT.may_be_subclass(module, "D0")


def test_a_data_set_class_of_another_module_is_read_only_where_a_loader_batches_it(tmp_path):
    """A call of an imported class is looked up as a data set (its __getitem__, in its module's
    shape analysis) only in a file that has a DataLoader: elsewhere the samples serve nothing, and
    reading every imported class's module that way was a fifth of a lint of torch's sources."""
    from dllint.analysis.shapes import Shapes
    from dllint.context import FileContext

    PROJECT.clear()
    (tmp_path / "pyproject.toml").write_text("")
    data = tmp_path / "data.py"
    data.write_text("import torch\nfrom torch.utils.data import Dataset\n\n\nclass Rows(Dataset):\n"
                    "    def __init__(self):\n        self.x = torch.randn(10, 3)\n"
                    "        self.y = torch.randn(10)\n\n"
                    "    def __len__(self):\n        return 10\n\n"
                    "    def __getitem__(self, i):\n        return self.x[i], self.y[i]\n")
    for loader, parsed in (("", False), ("from torch.utils.data import DataLoader\n", True)):
        PROJECT.clear()
        path = tmp_path / "train.py"
        source = f"import torch\n{loader}from data import Rows\n\nds = Rows()\nprint(ds)\n"
        path.write_text(source)
        PROJECT.begin_file()
        FileContext(str(path), source, cst.parse_module(source)).analysis(Shapes)
        assert (data in PROJECT._modules) is parsed, loader


def _context(path: Path):
    from dllint.context import FileContext

    source = path.read_text()
    return FileContext(str(path), source, cst.parse_module(source))


def test_callers_are_searched_without_parsing_modules_that_only_mention_the_name(tmp_path):
    """find_callers reads each module that mentions the name with CPython's parser first, and
    parses with libcst only one that calls it through an import of its module (a plain call, an
    alias, a module attribute, a method call ``x.name()``). The calls it reports are the same."""
    from dllint.analysis.project import find_callers

    PROJECT.clear()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "models.py").write_text("def build(n):\n    return n\n\n\nclass Net:\n    pass\n")
    files = {
        "mention.py": "# build is not called here\nbuild = 3\nprint(build)\n",
        "other.py": "from helpers import build\nbuild(1)\n",  # another module's build
        "helpers.py": "def build(n):\n    return n\n",
        "alias.py": "from models import build as make\nmake(1)\n",
        "dotted.py": "import models\nmodels.build(2)\n",
        "method.py": "class A:\n    def build(self):\n        pass\n\n\nA().build()\n",
        "text.py": "x = 'build(1) Net()'\n",
        "net.py": "from models import Net as N\nN()\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    ctx = _context(tmp_path / "models.py")
    PROJECT.begin_file()
    found = sorted((Path(c.path).name, c.code_for(call)) for c, call in find_callers(ctx, "build", False))
    assert found == [("alias.py", "make(1)"), ("dotted.py", "models.build(2)")]
    parsed = {p.name for p in PROJECT._modules}
    assert parsed == {"alias.py", "dotted.py"}
    consulted = {Path(p).name for p, _ in PROJECT.consulted_files()}
    assert {"mention.py", "other.py", "helpers.py", "text.py"} <= consulted  # a change there is a miss
    methods = sorted((Path(c.path).name, c.code_for(call)) for c, call in find_callers(ctx, "build", True))
    assert methods == [("dotted.py", "models.build(2)"), ("method.py", "A().build()")]
    assert {p.name for p in PROJECT._modules} == {"alias.py", "dotted.py", "method.py"}
    assert [(Path(c.path).name, c.code_for(call)) for c, call in find_callers(ctx, "Net", False)] \
        == [("net.py", "N()")]


def test_the_callers_search_sees_a_call_added_to_a_module_it_read_before(tmp_path):
    """What CPython's parser read of a module is kept per size and modification time: a call
    added there later is found (a stale reading would hide it)."""
    import os

    from dllint.analysis.project import find_callers

    PROJECT.clear()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "models.py").write_text("def build(n):\n    return n\n")
    user = tmp_path / "user.py"
    user.write_text("from models import build\nprint(build)\n")
    ctx = _context(tmp_path / "models.py")
    PROJECT.begin_file()
    assert find_callers(ctx, "build", False) == []
    stamp = user.stat().st_mtime_ns
    user.write_text("from models import build\nbuild(3)\n")  # the same size
    os.utime(user, ns=(stamp + 1_000_000_000, stamp + 1_000_000_000))
    PROJECT.begin_file()
    found = [(Path(c.path).name, c.code_for(call)) for c, call in find_callers(ctx, "build", False)]
    assert found == [("user.py", "build(3)")]
