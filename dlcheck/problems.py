"""What a check finds (a Problem) and what the user reads (a Report)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

# Codes are public API (users filter on them); parallel to the linter's DL families.
CODES: dict[str, str] = {
    "DC000": "a dlcheck check failed internally (training was not affected)",
    "DC101": "autograd graph kept alive across steps",
    "DC102": "gradient is None",
    "DC103": "gradient exactly zero",
    "DC201": "shape contract broken",
    "DC202": "loss input and target of different shapes",
    "DC203": "non-finite value",
    "DC301": "evaluating in training mode",
    "DC302": "training in eval mode",
    "DC303": "batch norm on a batch of one",
    "DC401": "dead ReLU units",
    "DC402": "exploding gradient norm",
    "DC403": "vanishing gradient",
    "DC501": "trainable parameter in no optimizer",
    "DC502": "frozen parameter still moved by the optimizer",
    "DC503": "optimizer step changed nothing",
    "DC504": "loss spike",
    "DC505": "GradScaler skipping every step",
    "DC601": "same batch fed again and again",
    "DC602": "labels outside the model's output range",
    "DC603": "a single class in the first batches",
    "DC604": "inputs far from standardised",
    "DC605": "evaluation data seen in training",
    "DC701": "DDP replicas drifted apart",
}


class DCProblemError(RuntimeError):
    """Raised by a watcher created with ``on_problem="raise"``."""

    def __init__(self, problem: "Problem") -> None:
        super().__init__(problem.one_line())
        self.problem = problem


class DCWarning(UserWarning):
    """Category of the warnings dlcheck emits, so users can filter them."""


def _jsonable(value: Any) -> Any:
    # data holds numbers, strings, shapes; make floats like nan/inf survive JSON round trips
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)


@dataclass
class Problem:
    """One finding: a code, where (module path), when (step), the numbers, and what to do."""

    code: str
    module: str
    step: int
    message: str
    suggestion: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    rank: int | None = None

    @property
    def title(self) -> str:
        return CODES.get(self.code, "")

    def one_line(self) -> str:
        where = f" [rank {self.rank}]" if self.rank is not None else ""
        text = f"{self.code} {self.module or '<model>'} (step {self.step}){where}: {self.message}"
        return f"{text} -> {self.suggestion}" if self.suggestion else text

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "module": self.module,
            "step": self.step,
            "rank": self.rank,
            "message": self.message,
            "suggestion": self.suggestion,
            "data": _jsonable(self.data),
        }


@dataclass
class Report:
    """The watcher's findings; ``str(report)`` is a table, ``to_dict()`` is JSON-serialisable."""

    problems: list[Problem] = field(default_factory=list)
    steps: int = 0
    shapes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # per-layer series over steps (dlcheck.history), when the watcher recorded them
    history: dict[str, Any] | None = None

    def __len__(self) -> int:
        return len(self.problems)

    def __bool__(self) -> bool:
        # a report is "truthy" when something is wrong, so `assert not w.report()` reads naturally
        return bool(self.problems)

    def __iter__(self):
        return iter(self.problems)

    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def by_code(self, code: str) -> list[Problem]:
        return [p for p in self.problems if p.code == code]

    def to_dict(self) -> dict[str, Any]:
        out = {
            "steps": self.steps,
            "problems": [p.to_dict() for p in self.problems],
            "shapes": _jsonable(self.shapes),
        }
        if self.history is not None:
            out["history"] = _jsonable(self.history)
        return out

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def __str__(self) -> str:
        if not self.problems:
            return f"dlcheck: no problems in {self.steps} step(s)"
        rows = [("code", "step", "module", "problem")]
        for p in self.problems:
            where = p.module or "<model>"
            if p.rank is not None:
                where = f"{where} [rank {p.rank}]"
            rows.append((p.code, str(p.step), where, p.message))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        lines = [f"dlcheck: {len(self.problems)} problem(s) in {self.steps} step(s)"]
        for i, r in enumerate(rows):
            lines.append("  ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "  " + r[3])
            if i == 0:
                lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 7)
        fixes = [(p.code, p.module, p.suggestion) for p in self.problems if p.suggestion]
        if fixes:
            lines.append("")
            lines.append("suggestions:")
            for code, module, text in fixes:
                lines.append(f"  {code} {module or '<model>'}: {text}")
        return "\n".join(lines)
