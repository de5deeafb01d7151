"""Validation of the public arguments of dlcheck: a wrong value is refused at the user's call,
before training starts, with a message naming the argument, the value and what is accepted."""

from __future__ import annotations

import math
import numbers
from typing import Any, Iterable


def _shown(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def integer(where: str, name: str, value: Any, minimum: int = 1) -> int:
    """An integer (a numpy integer too; not a bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: {name} must be an int >= {minimum}, got {_shown(value)}")
    if value < minimum:
        raise ValueError(f"{where}: {name} must be an int >= {minimum}, got {value}")
    return int(value)


def number(where: str, name: str, value: Any, low: float = 0.0, high: float = math.inf,
           low_open: bool = False) -> float:
    """A finite real (or +inf when ``high`` is) in [low, high] (or (low, high] when
    ``low_open``)."""
    accepted = f"a number in {'(' if low_open else '['}{low:g}, {high:g}]"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be {accepted}, got {_shown(value)}")
    if math.isnan(value) or value < low or value > high or (low_open and value == low):
        raise ValueError(f"{where}: {name} must be {accepted}, got {value!r}")
    return float(value)


def flag(where: str, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{where}: {name} must be True or False, got {_shown(value)}")
    return value


def choice(where: str, name: str, value: Any, accepted: Iterable[str]) -> str:
    accepted = tuple(accepted)
    if not isinstance(value, str) or value not in accepted:
        raise (ValueError if isinstance(value, str) else TypeError)(
            f"{where}: {name} must be one of {', '.join(map(repr, accepted))}, "
            f"got {_shown(value)}")
    return value


def options(where: str, check: str, given: dict[str, Any], accepted: Iterable[str]) -> None:
    """Option names of one check: an unknown one is refused with the accepted list."""
    accepted = tuple(accepted)
    unknown = sorted(k for k in given if k not in accepted)
    if unknown:
        raise TypeError(f"{where}: check {check!r} has no option {unknown[0]!r}; its options: "
                        f"{', '.join(accepted) or '(none)'}")
