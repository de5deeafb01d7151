"""dllint's own position computation (dllint.index.compute_positions) gives exactly libcst's
PositionProvider ranges for every node, on real code and on odd line ends."""
from __future__ import annotations

import random
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from dllint.index import compute_positions

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ODD = [
    "x = 1\r\ny = 2\rz = '''a\r\nb'''\n",
    "def f(a,\n      b):  # c\n    return (a +\n            b)\n\n\n@dec\nclass C: pass\n",
    "if x:\n\tpass\nelse:\n\tx = [\n\t\t1,\n\t]\n",
    "s = f'{a!r:>{w}}' \\\n    'tail'\nlambda: (yield)\n",
    "",
    "# only a comment",
]


def sources() -> list[tuple[str, str]]:
    out = [(f"odd-{i}", text) for i, text in enumerate(ODD)]
    out += [(p.name, p.read_text()) for p in sorted((PROJECT_ROOT / "examples").glob("*.py"))]
    out += [(p.name, p.read_text()) for p in sorted((PROJECT_ROOT / "dllint").glob("*.py"))[:6]]
    import importlib.util
    spec = importlib.util.find_spec("torch")
    if spec and spec.submodule_search_locations:
        files = sorted(Path(next(iter(spec.submodule_search_locations))).rglob("*.py"))
        out += [(str(p), p.read_text()) for p in random.Random(5).sample(files, min(8, len(files)))]
    return out


@pytest.mark.parametrize("name,source", sources(), ids=[n for n, _ in sources()])
def test_positions_equal_libcst(name: str, source: str) -> None:
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    got = compute_positions(module)
    assert set(got) == set(expected)
    assert all(got[node] == expected[node] for node in expected)
