"""The audit re-scoring tools (bench/audits): a page's judged findings against a re-run's results."""
import json
import subprocess
import sys
from pathlib import Path

AUDITS = Path(__file__).resolve().parents[2] / "bench" / "audits"

PAGE = """# An audit

| repository | commit | kind | .py | .ipynb | findings | DL000/DL001/DL002 |
| --- | --- | --- | --- | --- | --- | --- |
| someone/proj | 0123456 | demo | 2 | 1 | 3 | 0 |

Full commits (same order): 0123456789abcdef0123456789abcdef01234567.

## Every judged finding

- `someone+proj/train.py:12` DL101 **TRUE**: running loss kept as a tensor
- `someone+proj/train.py:40` DL301 **FALSE**: (X): no dropout, no batch norm
- `someone+proj/nb.ipynb:cell 4:2` DL102 **TRUE**: .data of a parameter
- `someone+proj/eval.py:3` DL001 **TRUE**: Python 2 print

## After
"""


def finding(path, line, code, cell=None):
    where = f"{cell}:{line}" if cell is not None else str(line)
    return {"path": path, "where": where, "line": line, "cell": cell, "code": code, "message": "m",
            "severity": "warning", "repo": "someone+proj"}


def run_diff(tmp_path, findings, *extra):
    (tmp_path / "page.md").write_text(PAGE)
    results = {"auditdir": "x", "env": [], "runs": {"someone+proj": {"rc": 0, "stderr": ""}},
               "findings": findings}
    (tmp_path / "results.json").write_text(json.dumps(results))
    out = tmp_path / "cmp.json"
    proc = subprocess.run([sys.executable, str(AUDITS / "diff.py"), str(tmp_path / "page.md"),
                           str(tmp_path / "results.json"), *extra, "--json", str(out)],
                          capture_output=True, text=True, check=True)
    return proc.stdout, json.loads(out.read_text())


def test_new_gone_and_precision(tmp_path):
    stdout, cmp = run_diff(tmp_path, [
        finding("someone+proj/train.py", 12, "DL101"),
        finding("someone+proj/nb.ipynb", 2, "DL102", cell=4),
        finding("someone+proj/train.py", 77, "DL402"),
        finding("someone+proj/eval.py", 3, "DL001"),
    ])
    assert cmp["precision"] == [2, 2]  # the FALSE DL301 is no longer made; DL001 counted apart
    assert [(g["code"], g["verdict"]) for g in cmp["gone"]] == [("DL301", "FALSE")]
    assert [(f["path"], f["line"], f["code"]) for f in cmp["new"]] == [("someone+proj/train.py", 77, "DL402")]
    assert "- `someone+proj/train.py:77` DL402: m" in stdout


def test_extra_verdicts_judge_new_findings(tmp_path):
    extra = tmp_path / "extra.txt"
    extra.write_text("# later verdicts\n- `someone+proj/train.py:77` DL402 **FALSE**: a flag, not data\n")
    _, cmp = run_diff(tmp_path, [finding("someone+proj/train.py", 12, "DL101"),
                                 finding("someone+proj/train.py", 40, "DL301"),
                                 finding("someone+proj/train.py", 77, "DL402")], str(extra))
    assert cmp["new"] == []
    assert cmp["precision"] == [1, 3]


def test_corpus_table_and_full_commits():
    sys.path.insert(0, str(AUDITS))
    try:
        from pages import corpus, judged
    finally:
        sys.path.remove(str(AUDITS))
    assert corpus(PAGE) == [("someone", "proj", "0123456789abcdef0123456789abcdef01234567", 2, 1)]
    assert [(p, w, c, v) for p, w, c, v, _, _ in judged(PAGE)][2] == ("someone+proj/nb.ipynb", "4:2", "DL102", "TRUE")


def test_the_audit_pages_parse():
    docs = AUDITS.parents[1] / "docs"
    sys.path.insert(0, str(AUDITS))
    try:
        from pages import corpus, judged
    finally:
        sys.path.remove(str(AUDITS))
    for name, repos in (("audit-2026-12g.md", 28), ("audit-2026-12h.md", 30), ("audit-2026-12n.md", 30)):
        text = (docs / name).read_text(encoding="utf-8")
        assert len(corpus(text)) == repos
        assert len(judged(text, name)) > 100
