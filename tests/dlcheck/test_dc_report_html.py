"""dlcheck.report_html: one self-contained HTML file with the charts and the problem timeline."""

from __future__ import annotations

import math
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest
import torch
from torch import nn

import dlcheck
from dlcheck import report_html
from dlcheck.problems import Problem, Report
from dlcheck.reference.lr_range import LRRangeResult
from dlcheck.report_html import (EXPLANATIONS, lr_range_svg, render_html,
                                 render_lr_range_html, write_html, write_lr_range_html)

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<img src=x onerror="alert(1)">&'


class Net(nn.Module):
    """A ReLU layer half dead, and a layer named like an HTML injection."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 8)
        self.act = nn.ReLU()
        self.add_module(EVIL, nn.Linear(8, 1))
        with torch.no_grad():
            self.fc.bias[:6] = -1e3

    def forward(self, x):
        return getattr(self, EVIL)(self.act(self.fc(x)))


def _watched(steps: int = 12):
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    with dlcheck.watch(model, opt, history=True, on_problem="log",
                       checks={"dead_units": {"threshold": 0.5, "window": 4}}) as w:
        for _ in range(steps):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(torch.randn(16, 6)), torch.randn(16, 1))
            loss.backward()
            opt.step()
    return w


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> tuple[str, Report]:
    w = _watched()
    path = tmp_path_factory.mktemp("html") / "report.html"
    report = w.save_html(path)
    return path.read_text(encoding="utf-8"), report


def _svgs(text: str) -> dict[str, ET.Element]:
    """The overview charts by id, parsed as XML (the SVG we write is well-formed)."""
    out = {}
    for m in re.finditer(r'<div class="chart" id="chart-([\w-]+)"><h3>.*?</h3>(<svg.*?</svg>)',
                         text, re.S):
        out[m.group(1)] = ET.fromstring(m.group(2))
    return out


def test_every_chart_is_drawn_from_the_history(page):
    text, report = page
    charts = _svgs(text)
    assert set(charts) == {"loss", "grad_norm", "update_ratio", "dead_fraction", "act_absmax"}
    steps = len(report.history["steps"])
    assert steps == 12
    # one line per layer that has the series, each with one point per step
    lines = {k: [p for p in svg.iter(f"{SVG}polyline")] for k, svg in charts.items()}
    assert len(lines["grad_norm"]) == 2 and len(lines["dead_fraction"]) == 1
    assert len(lines["act_absmax"]) == 3 and len(lines["loss"]) == 1
    for polyline in lines["grad_norm"]:
        assert len(polyline.get("points").split()) == steps


def test_dead_fraction_is_drawn_where_the_values_say(page):
    text, report = page
    svg = _svgs(text)["dead_fraction"]
    [line] = list(svg.iter(f"{SVG}polyline"))
    ys = [float(p.split(",")[1]) for p in line.get("points").split()]
    frame = next(svg.iter(f"{SVG}rect"))
    top, height = float(frame.get("y")), float(frame.get("height"))
    # 6 of the 8 units can never fire: 0.75 or more on a 0..1 axis, never below
    for y in ys:
        assert top <= y <= top + height * 0.25 + 1e-6


def test_names_are_escaped(page):
    text, _ = page
    assert EVIL not in text and "<img" not in text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;" in text


def test_nothing_is_fetched(page):
    text, _ = page
    lowered = text.lower()
    for fetching in ("<script", "<link", "<img", "<iframe", "<object", "<embed", "@import",
                     "url("):
        assert fetching not in lowered, fetching
    assert not re.search(r"<[^>]*\s(src|srcset|xlink:href)=", lowered)
    # the only links are anchors in the page and the docs (followed when clicked, not fetched)
    assert set(re.findall(r'href="([^"#]*)', text)) <= {"", report_html.DOCS_URL}
    assert "default-src 'none'" in text  # and the browser refuses any fetch


def test_problems_on_the_timeline_link_to_rows_and_explanations(page):
    text, report = page
    assert report.problems
    for i, p in enumerate(report.problems):
        assert f'<tr id="problem-{i}">' in text
        assert f'<a href="#problem-{i}"><circle' in text
        assert f'<dt id="{p.code}">' in text and f'<a href="#{p.code}"' in text
        assert re.search(rf'<dt id="{p.code}">.*?<a href="https://[^"]+#[\w-]+">', text, re.S)


def test_explanation_anchors_exist_in_the_docs():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "dlcheck.md").read_text("utf-8")

    def anchor(heading: str) -> str:  # GitHub's slug of a heading
        return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")

    anchors = {anchor(h) for h in re.findall(r"^#+ (.*)$", docs, re.M)}
    for code, (target, text) in EXPLANATIONS.items():
        assert code in dlcheck.CODES and text
        assert target in anchors, (code, target)
    assert set(dlcheck.CODES) <= set(EXPLANATIONS)


def test_same_report_same_bytes(page):
    text, report = page
    assert render_html(report) == text


def test_report_without_history_says_how_to_get_it(tmp_path):
    model = nn.Linear(2, 2)
    with dlcheck.watch(model) as w:
        model(torch.randn(3, 2)).sum().backward()
        w.step()
    write_html(w.report(), tmp_path / "r.html")
    text = (tmp_path / "r.html").read_text("utf-8")
    assert "history=True" in text and "<polyline" not in text
    assert "No check fired" in text


def test_non_finite_values_are_marked_not_drawn():
    report = Report([Problem("DC203", "a", 2, "NaN")], 4, {}, {
        "steps": [0, 1, 2, 3], "stride": 1, "loss": [],
        "layers": {"a": {"grad_norm": [1.0, 2.0, math.inf, "nan"], "act_min": [0, 0, 0, 0],
                         "act_max": [1, 2, 0, 1]}}})
    text = render_html(report)
    grad = _svgs(text)["grad_norm"]
    [line] = list(grad.iter(f"{SVG}polyline"))
    assert len(line.get("points").split()) == 2
    assert sum(1 for t in grad.iter(f"{SVG}title") if "non-finite" in (t.text or "")) == 2
    # a zero on the log axis: the bottom tick says 0
    act = _svgs(text)["act_absmax"]
    assert "0" in [t.text for t in act.iter(f"{SVG}text")]


def test_wrong_input_is_refused(tmp_path):
    with pytest.raises(TypeError, match="watcher or Report"):
        write_html({"problems": []}, tmp_path / "x.html")
    with pytest.raises(TypeError, match="Report"):
        render_html("report")


def _lr_result() -> LRRangeResult:
    lrs = [1e-5 * 10 ** (i / 10) for i in range(50)]
    smoothed = [2.0 - math.exp(-((math.log10(lr) + 2) ** 2)) for lr in lrs]
    lr_at_min = lrs[smoothed.index(min(smoothed))]
    return LRRangeResult(lrs, [s + 0.05 * (-1) ** i for i, s in enumerate(smoothed)], smoothed,
                         lr_at_min / 10, lr_at_min, True, ["stopped at step 50"])


def test_lr_range_chart_marks_the_suggested_rate(tmp_path):
    result = _lr_result()
    svg = ET.fromstring(lr_range_svg(result))
    frame = next(svg.iter(f"{SVG}rect"))
    x0, w = float(frame.get("x")), float(frame.get("width"))
    lo, hi = math.log10(result.lrs[0]), math.log10(result.lrs[-1])
    expected = x0 + (math.log10(result.suggested_lr) - lo) / (hi - lo) * w
    dashed = [float(ln.get("x1")) for ln in svg.iter(f"{SVG}line")
              if ln.get("stroke") == "#2ca02c"]
    assert dashed == [pytest.approx(expected, abs=0.1)]
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    assert f"suggested {result.suggested_lr:.2g}" in labels
    assert len(list(svg.iter(f"{SVG}polyline"))) == 2
    write_lr_range_html(result, tmp_path / "lr.html")
    text = (tmp_path / "lr.html").read_text("utf-8")
    assert text == render_lr_range_html(result) and "stopped at step 50" in text


def test_lr_range_matplotlib_figure_marks_the_suggested_rate():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = _lr_result()
    ax = result.plot()
    try:
        vertical = [ln for ln in ax.get_lines() if len(set(ln.get_xdata())) == 1]
        assert [ln.get_xdata()[0] for ln in vertical] == [pytest.approx(result.suggested_lr)]
        assert ax.get_xscale() == "log"
    finally:
        plt.close(ax.figure)


# ------------------------------------------------------------------ a real browser
def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA, non-interlaced PNG (what Chromium writes) into rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, bpp, rows


@pytest.mark.slow
def test_chromium_draws_the_charts(tmp_path):
    """Render the report in headless Chromium, offline, and count coloured pixels where the
    charts are: the lines are drawn in colours (the page itself is black on white and grey)."""
    browser = _chromium()
    if browser is None:
        pytest.skip("no chromium binary on PATH (apt-get install chromium) to render the report")
    report_path = tmp_path / "report.html"
    _watched(steps=20).save_html(report_path)
    shot = tmp_path / "shot.png"
    # no network at all: a proxy that does not exist, and the page's policy refuses fetches
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--no-first-run", "--proxy-server=127.0.0.1:9", "--window-size=1200,1400",
           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
           report_path.as_uri()]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("chromium did not finish rendering within 120 s")
    assert shot.exists(), done.stderr[-2000:]
    width, bpp, rows = _png_pixels(shot.read_bytes())

    def coloured(row: bytes) -> int:
        # saturated pixels: a chart's line, not text or a grid line
        return sum(1 for i in range(0, len(row), bpp)
                   if max(row[i:i + 3]) - min(row[i:i + 3]) > 60)

    per_row = [coloured(r) for r in rows]
    assert sum(per_row) > 2000, "almost nothing coloured was drawn"
    # the charts are spread down the page: coloured pixels in many separate bands of rows
    bands = sum(1 for y in range(0, len(rows), 50) if sum(per_row[y:y + 50]) > 50)
    assert bands >= 8, per_row
