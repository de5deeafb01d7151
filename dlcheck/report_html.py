"""The report as one self-contained HTML file: per-layer charts over steps and the problems on a
timeline, each linked to its explanation; and the learning-rate range test's curve.

Everything is inline SVG and CSS written here: no script, no font, no image, no style sheet is
fetched, so the file opens offline and shows the same thing everywhere. Every name in the page
(module and parameter names are user data) is escaped. The output is a function of the report
alone (no date, no random ids), so two writes of the same report are byte-identical.
"""

from __future__ import annotations

import html
import math
import os
from typing import Any, Callable, Sequence

from dlcheck.problems import CODES, Report

__all__ = ["render_html", "write_html", "lr_range_svg", "render_lr_range_html",
           "write_lr_range_html", "EXPLANATIONS"]

DOCS_URL = "https://github.com/dllint/dllint/blob/main/docs/dlcheck.md"

# What each code means and what to do, embedded so the explanation is there offline; the longer
# text is the docs section named in the link.
EXPLANATIONS: dict[str, tuple[str, str]] = {
    "DC000": ("codes-and-checks", "A dlcheck check raised an exception. Training went on unchanged; "
              "the check's findings for the rest of the run may be missing. Please report it."),
    "DC101": ("graph-kept-alive-across-steps-dc101--graph",
              "The autograd graphs of several earlier steps are still alive: something keeps the "
              "loss (or an output) as a tensor across steps, e.g. running_loss += loss. Memory "
              "grows every step. Accumulate loss.item() or loss.detach() instead."),
    "DC102": ("gradient-none-and-zero-dc102-dc103--grad_flow",
              "A parameter that requires grad got no gradient: backpropagation never reached it "
              "(.detach(), no_grad, a non-differentiable op, or a module forward never uses). It "
              "will never learn."),
    "DC103": ("gradient-none-and-zero-dc102-dc103--grad_flow",
              "Backpropagation reaches the parameter but its gradient is exactly zero, step after "
              "step: dead ReLUs or saturated activations after it, or a multiplication by zero."),
    "DC201": ("shapes-dc201-dc202--shapes",
              "A module's input or output broke the shape declared with dlcheck.expect."),
    "DC202": ("shapes-dc201-dc202--shapes",
              "A loss got an input and a target of different shapes; they broadcast silently "
              "into a loss over every pair of samples."),
    "DC203": ("non-finite-values-dc203--nonfinite",
              "A NaN or Inf appeared; the problem names the first module whose inputs were "
              "finite and whose output was not. Everything after it in the step is garbage."),
    "DC301": ("traineval-mode-dc301-dc302-dc303--mode",
              "Evaluation ran while dropout or batch norm was in training mode: results are "
              "randomised and batch norm's running statistics learn from evaluation data. Call "
              "model.eval() before evaluating."),
    "DC302": ("traineval-mode-dc301-dc302-dc303--mode",
              "A training step was taken with the model in eval mode: dropout is off and batch "
              "norm does not update. Call model.train() after evaluating."),
    "DC303": ("traineval-mode-dc301-dc302-dc303--mode",
              "Batch norm in training mode saw a batch of one sample: its statistics are "
              "meaningless (drop_last=True on the loader avoids it)."),
    "DC401": ("dead-relu-units-dc401--dead_units",
              "Most units of a ReLU-family layer never fired over a window of steps: they get no "
              "gradient and stop learning. See the dead-unit chart of the layer."),
    "DC402": ("gradient-norms-dc402-dc403--grad_norm",
              "A gradient jumped far above its own running median (or became infinite): the run "
              "is diverging. See the gradient-norm chart; clip gradients or lower the rate."),
    "DC403": ("gradient-norms-dc402-dc403--grad_norm",
              "A weight's gradient stayed below 1e-7 RMS for several steps: the layer barely "
              "learns. See the gradient-norm chart."),
    "DC501": ("optimizer-coverage-dc501-dc502--optimizer_coverage",
              "A trainable parameter is in no optimizer's param groups: it gets a gradient every step and never changes (a head replaced or a layer added after the optimizer was built). Build the optimizer after the model is complete, or add_param_group."),
    "DC502": ("optimizer-coverage-dc501-dc502--optimizer_coverage",
              "A frozen parameter (requires_grad=False) still has a .grad in an optimizer's param groups: the stale gradient, momentum and weight decay keep moving the layer you froze. Set its .grad to None, or leave it out of the optimizer."),
    "DC503": ("an-optimizer-step-that-changed-nothing-dc503--optimizer_step",
              "optimizer.step() changed none of the sampled weights while their gradients were non-zero: a learning rate of 0, a schedule that drove it to 0, or an optimizer built over another model's parameters."),
    "DC504": ("loss-spikes-dc504--loss",
              'The training loss jumped far above its recent median and outside the range it had been moving in: a bad batch, a too-high learning rate, or the start of divergence. See the loss chart.'),
    "DC505": ("gradscaler-skipping-every-step-dc505--grad_scaler",
              'The GradScaler skipped every optimizer step for a while (inf/NaN gradients each time): the model is not training. Look for a NaN source, or an fp16 overflow that lowering the scale cannot fix.'),
    "DC601": ("the-same-batch-again-and-again-dc601--repeated_batch-opt-in",
              'The same batch was fed to the model step after step: a loader created inside the loop, next(iter(loader)) written once, or a data set of one batch. Iterate the loader.'),
    "DC602": ("labels-dc602-dc603--labels",
              "Class labels lie outside the model's output range (a label >= the number of outputs, or negative): the loss reads memory it should not, or raises on CUDA. Check the number of classes and the label encoding."),
    "DC603": ("labels-dc602-dc603--labels",
              'The first batches hold a single class: the data is sorted by label and not shuffled, or the labels are constant. Shuffle the training loader.'),
    "DC604": ("inputs-far-from-standardised-dc604--input_scale",
              'The inputs of the first layers are far from zero mean and unit variance, which the default initialisation assumes: standardise them (mean and std from the training split only).'),
    "DC605": ("evaluation-data-seen-in-training-dc605--eval_leak-opt-in",
              "A sample in an evaluation batch was seen in training (same content): the evaluation score is optimistic. Split before any processing and keep the splits apart (the runtime face of dllint's DL402)."),
    "DC701": ("torchdistributed",
              "Under DDP the replicas' parameters drifted apart: a rank updated its weights outside DDP's synchronised gradients (a rank-local step, a parameter not registered, a buffer changed on one rank)."),
}

# no red among the layers' colours: red is for problems (markers, non-finite values)
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
            "#bcbd22", "#393b79", "#7f7f7f")
_DASHES = ("", "6 3", "2 2", "8 3 2 3")

# (series key, title, log scale, y label)
_CHARTS = (
    ("grad_norm", "Gradient norm (L2, per layer)", True, "‖g‖"),
    ("update_ratio", "Update-to-weight ratio ‖Δw‖ / ‖w‖", True, "ratio"),
    ("dead_fraction", "Dead-unit fraction (never positive in the step)", False, "fraction"),
    ("act_absmax", "Activation range: max |output|", True, "max |a|"),
)

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#fff}
main{max-width:1180px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}
h3{font-size:15px;margin:16px 0 4px}
.summary{color:#555}.ok{color:#2a7a2a;font-weight:600}.bad{color:#b00020;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}
th{background:#f6f6f6}code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:12px}
.chart{border:1px solid #e3e3e3;border-radius:4px;padding:6px 8px;background:#fff}
.chart h3{margin:2px 0 4px;font-size:13px}
.legend{display:flex;flex-wrap:wrap;gap:2px 12px;font-size:12px;margin-top:2px}
.legend span{white-space:nowrap}.sw{display:inline-block;width:14px;height:3px;
vertical-align:middle;margin-right:4px}
.layers{display:grid;grid-template-columns:minmax(140px,220px) repeat(4,1fr);gap:4px 8px;
align-items:center;font-size:12px}
.layers .head{font-weight:600;color:#555}.lname{overflow-wrap:anywhere}
.explain dt{font-weight:600;margin-top:8px}.explain dd{margin:2px 0 0 16px}
a{color:#0b5cad}.muted{color:#777}
"""


# ------------------------------------------------------------------------------- public API
def write_html(source: Any, path: str | os.PathLike) -> Report:
    """Write ``source`` (a watcher, or a ``Report``) as one HTML file at ``path``; return the
    report. A watcher created with ``history=True`` gives the per-layer charts; without a
    history the page has the problems and their timeline only."""
    report = _report_of(source)
    text = render_html(report)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return report


def render_html(report: Report, title: str = "dlcheck report") -> str:
    """The page as a string."""
    if not isinstance(report, Report):
        raise TypeError(f"render_html: expected a dlcheck Report, got {type(report).__name__}")
    history = report.history or {}
    steps = [int(s) for s in history.get("steps", [])]
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">",
        # nothing may be loaded from anywhere: the page is complete as it is
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{_e(title)}</h1>",
        _summary(report, steps),
        _problems_section(report),
    ]
    if steps:
        parts.append(_charts_section(report, history, steps))
        parts.append(_layers_section(report, history, steps))
    else:
        parts.append("<h2 id=\"charts\">Charts</h2><p class=\"muted\">No history was recorded: "
                     "watch with <code>dlcheck.watch(model, optimizer, history=True)</code> to "
                     "get per-layer charts of gradient norms, update ratios, dead units and "
                     "activation ranges.</p>")
    parts.append(_explanations(report))
    parts.append("</main></body></html>\n")
    return "".join(parts)


def _report_of(source: Any) -> Report:
    if isinstance(source, Report):
        return source
    report = getattr(source, "report", None)
    if callable(report):
        got = report()
        if isinstance(got, Report):
            return got
    raise TypeError(f"write_html: expected a dlcheck watcher or Report, got "
                    f"{type(source).__name__}")


# ------------------------------------------------------------------------------- page parts
def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _summary(report: Report, steps: list[int]) -> str:
    n = len(report.problems)
    verdict = (f"<span class=\"bad\">{n} problem(s)</span>" if n
               else "<span class=\"ok\">no problems</span>")
    recorded = (f"; history: {len(steps)} recorded step(s), every "
                f"{_e(report.history.get('stride', 1))} checked step(s)" if steps
                and report.history else "")
    return f"<p class=\"summary\">{verdict} in {report.steps} step(s){recorded}.</p>"


def _problems_section(report: Report) -> str:
    out = ["<h2 id=\"problems\">Problems</h2>"]
    if not report.problems:
        out.append("<p class=\"ok\">No check fired.</p>")
        return "".join(out)
    out.append(_timeline(report))
    out.append("<table><tr><th>code</th><th>step</th><th>module</th><th>problem</th>"
               "<th>what to do</th></tr>")
    for i, p in enumerate(report.problems):
        where = p.module or "<model>"
        if p.rank is not None:
            where = f"{where} [rank {p.rank}]"
        out.append(
            f"<tr id=\"problem-{i}\"><td><a href=\"#{_e(p.code)}\" title=\"{_e(p.title)}\">"
            f"{_e(p.code)}</a></td><td>{p.step}</td><td class=\"mono\">{_e(where)}</td>"
            f"<td>{_e(p.message)}</td><td>{_e(p.suggestion)}</td></tr>")
    out.append("</table>")
    return "".join(out)


def _timeline(report: Report) -> str:
    """One row per code; a marker at each problem's step, linked to its row in the table."""
    codes = sorted({p.code for p in report.problems})
    width, left, right, row = 1120, 70, 20, 26
    height = 30 + row * len(codes)
    last = max([report.steps - 1, 1] + [p.step for p in report.problems])
    x = _scale(0, last, left, width - right)
    out = [f"<svg class=\"timeline\" role=\"img\" aria-label=\"problems over steps\" "
           f"width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" "
           f"xmlns=\"http://www.w3.org/2000/svg\">"]
    axis_y = height - 18
    out.append(f"<line x1=\"{left}\" y1=\"{axis_y}\" x2=\"{width - right}\" y2=\"{axis_y}\" "
               f"stroke=\"#999\"/>")
    for t in _linear_ticks(0, last, 8):
        if t == int(t):
            out.append(f"<text x=\"{x(t):.1f}\" y=\"{height - 4}\" font-size=\"11\" "
                       f"text-anchor=\"middle\" fill=\"#555\">{int(t)}</text>")
    for r, code in enumerate(codes):
        y = 14 + r * row
        out.append(f"<a href=\"#{_e(code)}\"><text x=\"4\" y=\"{y + 4}\" font-size=\"12\" "
                   f"fill=\"#0b5cad\">{_e(code)}</text></a>")
        out.append(f"<line x1=\"{left}\" y1=\"{y}\" x2=\"{width - right}\" y2=\"{y}\" "
                   f"stroke=\"#eee\"/>")
        for i, p in enumerate(report.problems):
            if p.code != code:
                continue
            out.append(f"<a href=\"#problem-{i}\"><circle cx=\"{x(p.step):.1f}\" cy=\"{y}\" "
                       f"r=\"6\" fill=\"#d62728\" fill-opacity=\"0.85\"><title>"
                       f"{_e(p.one_line())}</title></circle></a>")
    out.append("</svg>")
    return "".join(out)


def _explanations(report: Report) -> str:
    codes = sorted({p.code for p in report.problems})
    if not codes:
        return ""
    out = ["<h2 id=\"explanations\">What the codes mean</h2><dl class=\"explain\">"]
    for code in codes:
        anchor, text = EXPLANATIONS.get(code, ("codes-and-checks", ""))
        out.append(f"<dt id=\"{_e(code)}\">{_e(code)}: {_e(CODES.get(code, ''))}</dt>"
                   f"<dd>{_e(text)} <a href=\"{DOCS_URL}#{_e(anchor)}\">More in the dlcheck "
                   f"docs</a>.</dd>")
    out.append("</dl>")
    return "".join(out)


def _layer_problems(report: Report) -> dict[str, list[tuple[int, Any]]]:
    """Problems by the layer they name (a parameter's module, or the module itself)."""
    out: dict[str, list[tuple[int, Any]]] = {}
    for i, p in enumerate(report.problems):
        out.setdefault(p.module, []).append((i, p))
        parent = p.module.rpartition(".")[0]
        if parent != p.module and p.code in ("DC102", "DC103", "DC402", "DC403"):
            out.setdefault(parent, []).append((i, p))  # a parameter: its layer too
    return out


def _series_of(history: dict[str, Any], layer: str, key: str) -> list[float | None] | None:
    series = history.get("layers", {}).get(layer, {})
    if key == "act_absmax":
        lo, hi = series.get("act_min"), series.get("act_max")
        if lo is None or hi is None:
            return None
        return [None if a is None or b is None else max(abs(_num(a)), abs(_num(b)))
                for a, b in zip(lo, hi)]
    got = series.get(key)
    return None if got is None else [None if v is None else _num(v) for v in got]


def _charts_section(report: Report, history: dict[str, Any], steps: list[int]) -> str:
    layers = list(history.get("layers", {}))
    color = {layer: (_PALETTE[i % len(_PALETTE)], _DASHES[(i // len(_PALETTE)) % len(_DASHES)])
             for i, layer in enumerate(layers)}
    marks = [(p.step, i) for i, p in enumerate(report.problems)]
    out = ["<h2 id=\"charts\">Charts over steps</h2><div class=\"charts\">"]
    loss = [None if v is None else _num(v) for v in history.get("loss", [])]
    if any(v is not None for v in loss):
        positive = [v for v in loss if v is not None and math.isfinite(v) and v > 0]
        # a spike would flatten the rest of the curve on a linear axis
        log = bool(positive) and len(positive) == sum(
            1 for v in loss if v is not None and math.isfinite(v)) and \
            max(positive) > 100 * min(positive)
        svg = _line_chart([("loss", "#222", "", loss)], steps, log=log, width=540, height=220,
                          ylabel="loss", marks=marks)
        out.append(f"<div class=\"chart\" id=\"chart-loss\"><h3>Training loss</h3>{svg}</div>")
    for key, title, log, ylabel in _CHARTS:
        lines = []
        for layer in layers:
            values = _series_of(history, layer, key)
            if values is not None:
                lines.append((layer or "<model>", color[layer][0], color[layer][1], values))
        if not lines:
            continue
        svg = _line_chart(lines, steps, log=log, width=540, height=220, ylabel=ylabel,
                          marks=marks, ymax=1.0 if key == "dead_fraction" else None)
        legend = "".join(
            f"<span><i class=\"sw\" style=\"background:{c}\"></i>{_e(name)}</span>"
            for name, c, _, _ in lines)
        out.append(f"<div class=\"chart\" id=\"chart-{key}\"><h3>{_e(title)}</h3>{svg}"
                   f"<div class=\"legend\">{legend}</div></div>")
    out.append("</div>")
    return "".join(out)


def _layers_section(report: Report, history: dict[str, Any], steps: list[int]) -> str:
    by_layer = _layer_problems(report)
    out = ["<h2 id=\"layers\">Per layer</h2><div class=\"layers\"><div class=\"head\">layer</div>"]
    out.extend(f"<div class=\"head\">{_e(title.split(' (')[0].split(':')[0])}</div>"
               for _, title, _, _ in _CHARTS)
    for layer in history.get("layers", {}):
        found = by_layer.get(layer, [])
        links = " ".join(f"<a href=\"#problem-{i}\">{_e(p.code)}</a>" for i, p in found)
        out.append(f"<div class=\"lname mono\">{_e(layer or '<model>')}"
                   f"{'<br>' + links if links else ''}</div>")
        marks = [(p.step, i) for i, p in found]
        for key, _, log, _ in _CHARTS:
            values = _series_of(history, layer, key)
            if values is None:
                out.append("<div class=\"muted\">-</div>")
                continue
            out.append("<div>" + _line_chart([(layer, "#1f77b4", "", values)], steps, log=log,
                                             width=240, height=80, ylabel="", marks=marks,
                                             small=True,
                                             ymax=1.0 if key == "dead_fraction" else None)
                       + "</div>")
    out.append("</div>")
    return "".join(out)


# ------------------------------------------------------------------------------- charts
def _num(value: Any) -> float:
    if isinstance(value, str):  # JSON's form of a non-finite float ('inf', 'nan')
        try:
            return float(value)
        except ValueError:
            return math.nan
    return float(value)


def _scale(lo: float, hi: float, a: float, b: float) -> Callable[[float], float]:
    span = (hi - lo) or 1.0
    return lambda v: a + (v - lo) / span * (b - a)


def _linear_ticks(lo: float, hi: float, count: int) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    ticks, t = [], first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 12))
        t += step
    return ticks


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1e4 or abs(v) < 1e-2:
        return f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e")
    return f"{v:.3g}"


def _decade(exponent: float) -> str:
    """The label of 10**exponent on a log axis: plain from 0.01 to 1000, else 1e<n>."""
    if exponent != int(exponent):
        return _fmt(10 ** exponent)
    n = int(exponent)
    return f"{10.0 ** n:g}" if -2 <= n <= 3 else f"1e{n}"


def _line_chart(lines: Sequence[tuple[str, str, str, list[float | None]]], xs: Sequence[float],
                *, log: bool, width: int, height: int, ylabel: str,
                marks: Sequence[tuple[int, int]] = (), small: bool = False,
                ymax: float | None = None, xlog: bool = False,
                vlines: Sequence[tuple[float, str, str]] = ()) -> str:
    """An SVG line chart. Gaps where a value is None or NaN; an infinite value is a red mark at
    the top edge; on a log axis a value <= 0 is drawn on the bottom edge. ``marks`` are problem
    steps, drawn as thin red lines linked to the problem; ``vlines`` are (x, label, colour)."""
    left, right, top, bottom = (34, 6, 6, 14) if small else (58, 14, 10, 34)
    finite = [v for _, _, _, ys in lines for v in ys
              if v is not None and math.isfinite(v) and (v > 0 or not log)]
    zeros = log and any(v is not None and v <= 0 for _, _, _, ys in lines for v in ys)
    if log:
        lo = min(finite) if finite else 1e-3
        hi = max(finite) if finite else 1.0
        lo_e, hi_e = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        if hi_e == lo_e:
            hi_e += 1
        if zeros:
            lo_e -= 1  # a decade of room: zero (no log) is drawn on the bottom edge, labelled 0
        ylo, yhi = float(lo_e), float(hi_e)
    else:
        ylo = min(finite + [0.0]) if finite else 0.0
        yhi = max(finite) if finite else 1.0
        if ymax is not None:
            yhi = max(yhi, ymax)
        if yhi == ylo:
            yhi = ylo + 1.0
    xv = [math.log10(x) if xlog else float(x) for x in xs]
    xlo, xhi = (min(xv), max(xv)) if xv else (0.0, 1.0)
    if xhi == xlo:
        xlo, xhi = xlo - 1.0, xhi + 1.0
    sx = _scale(xlo, xhi, left, width - right)
    sy = _scale(ylo, yhi, height - bottom, top)

    def y_of(v: float) -> float:
        if log:
            return sy(math.log10(v)) if v > 0 else height - bottom
        return sy(v)

    out = [f"<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" "
           f"xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{_e(ylabel)}\">",
           f"<rect x=\"{left}\" y=\"{top}\" width=\"{width - left - right}\" "
           f"height=\"{height - top - bottom}\" fill=\"#fcfcfc\" stroke=\"#ccc\"/>"]
    font = 9 if small else 11
    yt = ([float(e) for e in range(int(ylo), int(yhi) + 1)] if log
          else _linear_ticks(ylo, yhi, 2 if small else 5))
    if log and len(yt) > (3 if small else 7):
        stride = math.ceil(len(yt) / (3 if small else 7))
        yt = yt[::stride]
    if zeros and yt[0] != ylo:
        yt = [ylo] + yt
    for t in yt:
        y = sy(t)
        label = ("0" if zeros and t == ylo else _decade(t)) if log else _fmt(t)
        out.append(f"<line x1=\"{left}\" y1=\"{y:.1f}\" x2=\"{width - right}\" y2=\"{y:.1f}\" "
                   f"stroke=\"#eee\"/><text x=\"{left - 3}\" y=\"{y + 3:.1f}\" "
                   f"font-size=\"{font}\" text-anchor=\"end\" fill=\"#555\">{label}</text>")
    if not small:
        xticks = (list(range(math.ceil(xlo), math.floor(xhi) + 1)) if xlog
                  else _linear_ticks(xlo, xhi, 6))
        for t in xticks:
            x = sx(t)
            label = _decade(t) if xlog else (str(int(t)) if t == int(t) else _fmt(t))
            out.append(f"<text x=\"{x:.1f}\" y=\"{height - bottom + 14}\" font-size=\"{font}\" "
                       f"text-anchor=\"middle\" fill=\"#555\">{label}</text>")
        out.append(f"<text x=\"{(left + width - right) / 2:.0f}\" y=\"{height - 3}\" "
                   f"font-size=\"{font}\" text-anchor=\"middle\" fill=\"#555\">"
                   f"{'learning rate' if xlog else 'step'}</text>")
        out.append(f"<text x=\"12\" y=\"{(top + height - bottom) / 2:.0f}\" font-size=\"{font}\" "
                   f"text-anchor=\"middle\" fill=\"#555\" transform=\"rotate(-90 12 "
                   f"{(top + height - bottom) / 2:.0f})\">{_e(ylabel)}</text>")
    else:
        out.append(f"<text x=\"{width - right}\" y=\"{height - 2}\" font-size=\"{font}\" "
                   f"text-anchor=\"end\" fill=\"#777\">step {int(xhi)}</text>")
    for step, i in marks:
        x = sx(math.log10(step) if xlog else step)
        if left <= x <= width - right:
            out.append(f"<a href=\"#problem-{i}\"><line x1=\"{x:.1f}\" y1=\"{top}\" "
                       f"x2=\"{x:.1f}\" y2=\"{height - bottom}\" stroke=\"#d62728\" "
                       f"stroke-width=\"1.5\" stroke-dasharray=\"3 2\"><title>problem at step "
                       f"{step}</title></line></a>")
    for n, (x0, label, colour) in enumerate(vlines):
        x = sx(math.log10(x0) if xlog else x0)
        # the label on the side of the line where it fits; each label on its own line
        right_side = x + 6 + font * 0.6 * len(label) < width - right
        tx, anchor = (x + 4, "start") if right_side else (x - 4, "end")
        out.append(f"<line x1=\"{x:.1f}\" y1=\"{top}\" x2=\"{x:.1f}\" y2=\"{height - bottom}\" "
                   f"stroke=\"{colour}\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>"
                   f"<text x=\"{tx:.1f}\" y=\"{top + 12 + 14 * n}\" font-size=\"{font}\" "
                   f"text-anchor=\"{anchor}\" fill=\"{colour}\">{_e(label)}</text>")
    for name, colour, dash, ys in lines:
        dash_attr = f" stroke-dasharray=\"{dash}\"" if dash else ""
        segment: list[str] = []
        runs: list[list[str]] = []
        alarms = []
        for xval, v in zip(xv, ys):
            if v is None or math.isnan(v) or math.isinf(v):
                if segment:
                    runs.append(segment)
                    segment = []
                if v is not None and (math.isinf(v) or math.isnan(v)):
                    alarms.append(sx(xval))
                continue
            segment.append(f"{sx(xval):.1f},{y_of(v):.1f}")
        if segment:
            runs.append(segment)
        for run in runs:
            if len(run) == 1:
                cx, cy = run[0].split(",")
                out.append(f"<circle cx=\"{cx}\" cy=\"{cy}\" r=\"2\" fill=\"{colour}\"/>")
            else:
                out.append(f"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.6\""
                           f"{dash_attr} points=\"{' '.join(run)}\"><title>{_e(name)}</title>"
                           f"</polyline>")
        for x in alarms:
            out.append(f"<path d=\"M{x - 4:.1f},{top} L{x + 4:.1f},{top} L{x:.1f},{top + 7} Z\" "
                       f"fill=\"#d62728\"><title>{_e(name)}: non-finite</title></path>")
    out.append("</svg>")
    return "".join(out)


# ------------------------------------------------------------------------------- LR range test
def lr_range_svg(result: Any, width: int = 640, height: int = 320) -> str:
    """The range test's loss against the learning rate (log axis): the raw loss per batch, the
    smoothed loss, the suggested rate (dashed) and the rate at the smoothed minimum."""
    lrs = [float(v) for v in result.lrs]
    if not lrs:
        raise ValueError("lr_range_svg: the result has no points")
    raw = [float(v) for v in result.losses]
    smooth = [float(v) for v in result.smoothed]
    # a diverged tail would squash the useful part: the y axis stops at 1.5x the first loss
    cap = None
    finite = [v for v in smooth if math.isfinite(v)]
    if finite:
        cap = max(finite[0], min(finite)) * 1.5
    # drawn on the top edge, not left out: a gap would hide where the loss shot up
    clip = (lambda v: v if cap is None or not math.isfinite(v) else min(v, cap))
    lines = [("loss per batch", "#9ecae1", "", [clip(v) for v in raw]),
             ("smoothed loss", "#1f77b4", "", [clip(v) for v in smooth])]
    vlines = [(float(result.suggested_lr), f"suggested {result.suggested_lr:.2g}", "#2ca02c"),
              (float(result.lr_at_min), f"min {result.lr_at_min:.2g}", "#999")]
    return _line_chart(lines, lrs, log=False, width=width, height=height, ylabel="training loss",
                       xlog=True, vlines=vlines)


def render_lr_range_html(result: Any, title: str = "Learning-rate range test") -> str:
    notes = "".join(f"<li>{_e(n)}</li>" for n in getattr(result, "notes", []))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">"
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>"
            f"<h1>{_e(title)}</h1><p class=\"summary\">suggested learning rate "
            f"<b>{result.suggested_lr:.3g}</b> (the smoothed loss was lowest at "
            f"{result.lr_at_min:.3g}; one tenth of it){'' if result.diverged else '; the loss never diverged'}"
            f".</p><div class=\"chart\" id=\"chart-lr\">{lr_range_svg(result)}"
            "<div class=\"legend\"><span><i class=\"sw\" style=\"background:#9ecae1\"></i>loss "
            "per batch</span><span><i class=\"sw\" style=\"background:#1f77b4\"></i>smoothed "
            "loss</span><span><i class=\"sw\" style=\"background:#2ca02c\"></i>suggested rate"
            f"</span></div></div>{'<ul>' + notes + '</ul>' if notes else ''}</main></body></html>\n")


def write_lr_range_html(result: Any, path: str | os.PathLike) -> None:
    """Write the range test's curve as one self-contained HTML file."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(render_lr_range_html(result))
