"""Imports resolved through directories a module computes and puts on ``sys.path`` (twelfth audit
DE): py-faster-rcnn's ``import _init_paths``, ``osp.join(osp.dirname(__file__), "..", "lib")``,
``Path(__file__).resolve().parent / "lib"``; and DL102 then reading the detector's forward."""
from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst

from dllint.analysis.project import PROJECT, ProjectImports, Target
from dllint.index import NodeIndex

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_findings, write_files  # noqa: E402

INIT_PATHS = '''import os.path as osp
import sys

def add_path(path):
    if path not in sys.path:
        sys.path.insert(0, path)

this_dir = osp.dirname(__file__)

# Add lib to PYTHONPATH
lib_path = osp.join(this_dir, 'lib')
add_path(lib_path)
'''

DETECTOR = '''import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Variable


class _Detector(nn.Module):
    def forward(self, feats, gt):
        rois_label = Variable(gt.view(-1).long())    # integer labels of the sampled boxes
        score = self.cls(feats)
        loss = F.cross_entropy(score, rois_label)
        return loss, rois_label, score


class vgg16(_Detector):
    def __init__(self):
        super().__init__()
        self.cls = nn.Linear(16, 3)
'''

TRAIN = '''import torch
import torch.nn as nn

import _init_paths  # noqa: F401
from model.detector import vgg16

model = nn.DataParallel(vgg16())
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for step in range(3):
    loss, rois_label, score = model(torch.randn(8, 16), torch.randint(0, 3, (8,)))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    fg_cnt = torch.sum(rois_label.data.ne(0))
    top = score.data.max(1)
    print(fg_cnt, top)
'''


def _imports(path: Path) -> ProjectImports:
    module = cst.parse_module(path.read_text())
    return ProjectImports(path.resolve(), module, NodeIndex(module))


def _detector_project(root: Path) -> None:
    write_files(root, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "_init_paths.py": INIT_PATHS,
        "lib/model/__init__.py": "",
        "lib/model/detector.py": DETECTOR,
        "trainval_net.py": TRAIN,
    })


def test_an_imported_init_paths_module_puts_its_lib_folder_on_the_path(tmp_path):
    PROJECT.clear()
    _detector_project(tmp_path)
    detector = (tmp_path / "lib/model/detector.py").resolve()
    assert _imports(tmp_path / "trainval_net.py").target("vgg16") == Target(detector, "vgg16")
    # without the import, nothing puts lib/ on the path: the name stays unresolved
    (tmp_path / "no_init.py").write_text(TRAIN.replace("import _init_paths  # noqa: F401\n", ""))
    assert _imports(tmp_path / "no_init.py").target("vgg16") is None


def test_paths_computed_from_the_file_in_the_module_itself(tmp_path):
    PROJECT.clear()
    write_files(tmp_path, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "lib/nets/__init__.py": "",
        "lib/nets/resnet.py": "class ResNet:\n    pass\n",
        "tools/train.py": ("import os\nimport sys\n"
                           "sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))\n"
                           "from nets.resnet import ResNet\n"),
        "tools/test.py": ("import sys\nfrom pathlib import Path\n"
                          "ROOT = Path(__file__).resolve().parent.parent\n"
                          "sys.path.append(str(ROOT / 'lib'))\n"
                          "from nets.resnet import ResNet\n"),
        "tools/other.py": ("import os\nimport sys\n"
                           "sys.path.insert(0, os.path.join(os.getcwd(), 'lib'))\n"  # the working directory: unknown
                           "from nets.resnet import ResNet\n"),
    })
    resnet = Target((tmp_path / "lib/nets/resnet.py").resolve(), "ResNet")
    assert _imports(tmp_path / "tools/train.py").target("ResNet") == resnet
    assert _imports(tmp_path / "tools/test.py").target("ResNet") == resnet
    assert _imports(tmp_path / "tools/other.py").target("ResNet") is None


def test_dl102_reads_the_detector_forward_behind_init_paths(tmp_path, monkeypatch, capsys):
    # the integer labels of the inherited forward are off the graph; the scores beside them are not
    PROJECT.clear()
    _detector_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert lint_findings(capsys, "DL102", "--no-cache", "trainval_net.py") == {("trainval_net.py", 15, "DL102")}


def _computed(source: str) -> list[str]:
    import ast

    from dllint.analysis.project import _ast_computed_sys_paths

    return _ast_computed_sys_paths(ast.parse(source))


def test_a_helper_defined_in_a_block_and_called_under_main_puts_its_path():
    source = '''import os.path as osp
import sys

try:
    def add_path(path):
        sys.path.insert(0, path)
except ImportError:
    pass

def add_path2(path):
    pass

def add_path2(path):  # the second definition inserts: it is the one that counts
    sys.path.append(path)

def main():
    add_path(osp.join(osp.dirname(__file__), "inside"))  # not at the top level

if __name__ == "__main__":
    add_path(osp.join(osp.dirname(__file__), "lib"))
else:
    add_path2(osp.join(osp.dirname(__file__), "other"))
try:
    pass
except ImportError:
    add_path(osp.join(osp.dirname(__file__), "handler"))  # handlers are not read
finally:
    sys.path.insert(0, osp.join(osp.dirname(__file__), "last"))
'''
    assert _computed(source) == ["<file>/lib", "<file>/other", "<file>/last"]


def test_a_module_with_no_top_level_call_that_can_insert_is_not_walked(monkeypatch):
    # most modules call neither sys.path.insert nor a function of their own at the top level:
    # their functions (and the whole tree, for __file__) need not be walked to say so
    import ast

    walked = []
    real_walk = ast.walk

    def counted_walk(node):
        walked.append(node)
        return real_walk(node)

    source = '''import os
import sys

def insert(path):
    sys.path.insert(0, path)

def train(model):
    for batch in model.loader():
        model.step(batch)

print(os.path.dirname(__file__))
x = insert
'''
    monkeypatch.setattr(ast, "walk", counted_walk)
    found = _computed(source)
    monkeypatch.undo()
    assert found == []
    assert walked == []
