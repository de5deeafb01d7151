"""Symbolic shape contracts: ``expect(module, inputs="B T D", output="B T D")`` for modules and
``Shaped["B T D"]`` annotations checked by typeguard at call time.

A spec is a space-separated list of dimensions: a name binds a size (the same name must have
the same size everywhere it appears within one binding scope), an integer is a fixed size, ``_``
is any single size, and ``...`` (or ``*name``) stands for any number of dimensions.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import typing
import weakref
from dataclasses import dataclass
from typing import Annotated, Any, Callable, Sequence, TypeVar

import torch
import typeguard

__all__ = ["ShapeSpec", "expect", "Shaped", "shapecheck", "ShapeError", "contract_of"]


class ShapeError(ValueError):
    """A tensor's shape does not match its declared spec."""


@dataclass(frozen=True)
class ShapeSpec:
    text: str

    @functools.cached_property
    def dims(self) -> tuple[str, ...]:
        return tuple(self.text.replace(",", " ").split())

    def match(self, shape: Sequence[int], bindings: dict[str, int],
              binder: dict[str, str] | None = None, who: str = "") -> str | None:
        """Return None when ``shape`` fits (binding new names), else why it does not."""
        dims = self.dims
        shape = tuple(int(s) for s in shape)
        star = [i for i, d in enumerate(dims) if d == "..." or d.startswith("*")]
        if len(star) > 1:
            return f"spec {self.text!r} has more than one '...'"
        if star:
            head, tail = dims[:star[0]], dims[star[0] + 1:]
            if len(shape) < len(head) + len(tail):
                return f"has {len(shape)} dims, spec {self.text!r} needs at least {len(head) + len(tail)}"
            pairs = list(zip(head, shape[:len(head)]))
            pairs += list(zip(tail, shape[len(shape) - len(tail):])) if tail else []
        else:
            if len(shape) != len(dims):
                return f"has {len(shape)} dims, spec {self.text!r} has {len(dims)}"
            pairs = list(zip(dims, shape))
        new: dict[str, int] = {}
        for d, size in pairs:
            if d == "_":
                continue
            if d.lstrip("-").isdigit():
                if int(d) != size:
                    return f"dimension {d} expected, got {size}"
                continue
            bound = bindings.get(d, new.get(d))
            if bound is None:
                new[d] = size
            elif bound != size:
                src = f" by {binder[d]}" if binder and d in binder else ""
                return f"{d}={size}, but {d} was bound to {bound}{src}"
        bindings.update(new)
        if binder is not None:
            for d in new:
                binder[d] = who
        return None


@dataclass(frozen=True)
class Contract:
    inputs: tuple[ShapeSpec | None, ...]
    outputs: tuple[ShapeSpec | None, ...]


_CONTRACTS: "weakref.WeakKeyDictionary[torch.nn.Module, Contract]" = weakref.WeakKeyDictionary()


def _spec(where: str, argument: str, text: str) -> ShapeSpec:
    """A spec whose every dimension is a name, a size, ``_``, ``...`` or ``*name``, with at most
    one ``...``; anything else is refused here rather than never matching later."""
    spec = ShapeSpec(text)
    accepted = "names, sizes, '_', and at most one '...' or '*name'"
    rest = 0
    for d in spec.dims:
        if d == "..." or (d.startswith("*") and d[1:].isidentifier()):
            rest += 1
        elif not (d == "_" or d.isidentifier() or (d.isdigit() and d.isascii())):
            raise ValueError(f"{where}: {argument} {text!r} has the dimension {d!r}; a spec "
                             f"holds {accepted}")
    if rest > 1:
        raise ValueError(f"{where}: {argument} {text!r} has more than one '...'; a spec holds "
                         f"{accepted}")
    return spec


def _specs(argument: str, value: str | Sequence[str | None] | None,
           where: str = "dlcheck.expect") -> tuple[ShapeSpec | None, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (_spec(where, argument, value),)
    accepted = "a spec string, a list of spec strings (None for a tensor left unchecked) or None"
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{where}: {argument} must be {accepted}, got {value!r} "
                        f"({type(value).__name__})")
    for v in value:
        if v is not None and not isinstance(v, str):
            raise TypeError(f"{where}: {argument} must be {accepted}; got the item {v!r} "
                            f"({type(v).__name__})")
    return tuple(None if v is None else _spec(where, f"{argument}", v) for v in value)


M = TypeVar("M", bound=torch.nn.Module)


def expect(module: M, inputs: str | Sequence[str | None] | None = None,
           output: str | Sequence[str | None] | None = None) -> M:
    """Declare the symbolic shapes of ``module``'s tensor inputs and output(s).

    Checked by every watcher started afterwards (check ``shapes``, code DC201); names are bound
    consistently across all modules within one step. Returns ``module`` for chaining.
    """
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"dlcheck.expect: module must be a torch.nn.Module, got "
                        f"{type(module).__module__}.{type(module).__name__}")
    _CONTRACTS[module] = Contract(_specs("inputs", inputs), _specs("output", output))
    return module


def contract_of(module: torch.nn.Module) -> Contract | None:
    return _CONTRACTS.get(module)


# ---------------------------------------------------------------- typeguard annotations
_SCOPE: contextvars.ContextVar[dict[str, int] | None] = contextvars.ContextVar(
    "dlcheck_shape_scope", default=None)


class _ShapedFactory:
    """``Shaped["B T D"]`` is ``Annotated[torch.Tensor, ShapeSpec("B T D")]``: any type checker
    sees a Tensor; typeguard (through the lookup registered below) also checks the shape."""

    def __getitem__(self, spec: str) -> Any:
        if not isinstance(spec, str):
            raise TypeError(f"dlcheck.Shaped: the spec must be a string like 'B T D', got "
                            f"{spec!r} ({type(spec).__name__})")
        return Annotated[torch.Tensor, _spec("dlcheck.Shaped", "spec", spec)]


Shaped = _ShapedFactory()


def _check_shaped(value: Any, origin_type: Any, args: tuple, memo: Any, spec: ShapeSpec) -> None:
    if not isinstance(value, torch.Tensor):
        raise typeguard.TypeCheckError(f"is not a torch.Tensor (got {type(value).__name__})")
    scope = _SCOPE.get()
    bindings = scope if scope is not None else {}
    why = spec.match(value.shape, bindings)
    if why is not None:
        raise typeguard.TypeCheckError(f"has shape {tuple(value.shape)}, expected {spec.text!r}: {why}")


def _lookup(origin_type: Any, args: tuple, extras: tuple) -> Callable | None:
    for extra in extras:
        if isinstance(extra, ShapeSpec):
            return functools.partial(_check_shaped, spec=extra)
    return None


if _lookup not in typeguard.checker_lookup_functions:
    typeguard.checker_lookup_functions.insert(0, _lookup)

F = TypeVar("F", bound=Callable[..., Any])


def shapecheck(fn: F) -> F:
    """Check ``Shaped[...]`` (and every other) annotation of ``fn`` at call time with typeguard.

    Names bind across all arguments and the return value of one call; a mismatch raises
    ``typeguard.TypeCheckError``. Each argument goes through ``typeguard.check_type`` rather than
    ``@typeguard.typechecked``: typeguard's code instrumentation reads string constants inside
    annotations as forward references ("B T D" is not a Python expression), which is also why
    jaxtyping's string shapes fail under typeguard 4.
    """
    sig = inspect.signature(fn)
    hints: dict[str, Any] | None = None

    def check(value: Any, annotation: Any, what: str) -> None:
        try:
            typeguard.check_type(value, annotation)
        except typeguard.TypeCheckError as exc:
            raise typeguard.TypeCheckError(f"{what} of {fn.__qualname__}(): {exc}") from None

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal hints
        if hints is None:  # resolved on first call: annotations may be strings (PEP 563)
            hints = typing.get_type_hints(fn, include_extras=True)
        token = _SCOPE.set({})
        try:
            bound = sig.bind(*args, **kwargs)
            for name, value in bound.arguments.items():
                annotation = hints.get(name)
                if annotation is None:
                    continue
                kind = sig.parameters[name].kind
                if kind is inspect.Parameter.VAR_POSITIONAL:
                    for i, v in enumerate(value):
                        check(v, annotation, f"argument *{name}[{i}]")
                elif kind is inspect.Parameter.VAR_KEYWORD:
                    for k, v in value.items():
                        check(v, annotation, f"argument **{name}[{k!r}]")
                else:
                    check(value, annotation, f"argument {name!r}")
            result = fn(*args, **kwargs)
            if "return" in hints:
                check(result, hints["return"], "the return value")
            return result
        finally:
            _SCOPE.reset(token)

    return wrapper  # type: ignore[return-value]
