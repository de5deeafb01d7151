"""A forward dataflow solver over a :mod:`control-flow graph <dllint.analysis.cfg>`.

An analysis supplies a :class:`Lattice`: how two states join where paths meet, how an element
changes a state, and (optionally) what a path learns along an edge (``if x is not None`` on its
false edge: ``x`` is None there). ``None`` stands for "no path reaches here" (the lattice's
bottom) and never reaches ``join`` or ``transfer``.

The worklist visits blocks in reverse post-order, merges at every join, and stops at a fixpoint.
A monotone transfer over a lattice of finite height gets there; the visit bound is a safety net
for one that is not: a block visited more than ``max_visits`` times stops being revisited and
the solution says it is ``truncated`` (its states are then those of the last visit, not a
fixpoint), so a bug in an analysis costs precision rather than a hang.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Generic, Iterator, Protocol, TypeVar

from dllint.analysis.cfg import CFG, Block, Edge, Element

S = TypeVar("S")


class Lattice(Protocol[S]):
    def join(self, a: S, b: S) -> S:
        """The state where paths carrying ``a`` and ``b`` meet (commutative, idempotent)."""

    def transfer(self, element: Element, state: S) -> S | None:
        """The state after ``element``; None when no path goes on (the element cannot complete)."""

    def edge(self, edge: Edge, state: S) -> S | None:
        """The state along ``edge``; None when the edge cannot be taken with this state."""

    def same(self, a: S, b: S) -> bool:
        """``a`` and ``b`` are the same state (the fixpoint test)."""


class PlainLattice(Generic[S]):
    """Defaults for a lattice: edges carry states unchanged, ``==`` decides sameness."""

    def edge(self, edge: Edge, state: S) -> S | None:
        return state

    def same(self, a: S, b: S) -> bool:
        return a == b


@dataclass
class Solution(Generic[S]):
    cfg: CFG
    lattice: Lattice[S]
    inputs: dict[int, S] = field(default_factory=dict)  # block id -> state at its start
    outputs: dict[int, S] = field(default_factory=dict)  # block id -> state at its end
    truncated: bool = False
    visits: int = 0
    # block id -> (the input of its last visit, the state before each of its elements then),
    # kept when ``solve`` is asked to (``trace``): see :meth:`states`
    trace: dict[int, tuple[S, list[S]]] = field(default_factory=dict)

    def state_in(self, block: Block) -> S | None:
        return self.inputs.get(block.id)

    def state_out(self, block: Block) -> S | None:
        return self.outputs.get(block.id)

    @property
    def exit_state(self) -> S | None:
        return self.inputs.get(self.cfg.exit.id)

    @property
    def raise_state(self) -> S | None:
        return self.inputs.get(self.cfg.raise_exit.id)

    def states(self, block: Block) -> Iterator[tuple[Element, S]]:
        """Each element of ``block`` with the state just before it (recomputed from the block's
        input: transfer must be a function of its arguments). With a trace, the states of the
        block's last visit when its input is still the one that visit started from (at a fixpoint,
        every block that was not truncated): the same states, without running transfer again."""
        state = self.inputs.get(block.id)
        traced = self.trace.get(block.id)
        if traced is not None and traced[0] is state:
            yield from zip(block.elements, traced[1])
            return
        for element in block.elements:
            if state is None:
                return
            yield element, state
            state = self.lattice.transfer(element, state)


def solve(cfg: CFG, lattice: Lattice[S], entry: S, max_visits: int = 64, trace: bool = False) -> Solution[S]:
    """Run ``lattice`` forward over ``cfg`` from ``entry`` to a fixpoint. With ``trace``, the
    states of each block's last visit are kept for :meth:`Solution.states` (for a lattice whose
    transfer gives the same state for the same element and state after the solve as during it:
    it reads nothing that the solve's own transfers change)."""
    solution: Solution[S] = Solution(cfg, lattice)
    order = {block.id: rank for rank, block in enumerate(cfg.reachable())}
    blocks = {block.id: block for block in cfg.blocks}
    inputs = solution.inputs
    inputs[cfg.entry.id] = entry
    visits: dict[int, int] = {}
    queue: list[int] = [order[cfg.entry.id]]
    queued = {cfg.entry.id}
    by_rank = {rank: block_id for block_id, rank in order.items()}
    while queue:
        block = blocks[by_rank[heapq.heappop(queue)]]
        queued.discard(block.id)
        count = visits.get(block.id, 0) + 1
        visits[block.id] = count
        solution.visits += 1
        if count > max_visits:
            solution.truncated = True
            continue
        state: S | None = inputs[block.id]
        if trace:
            before: list[S] = []
            solution.trace[block.id] = (state, before)  # type: ignore[assignment]
            for element in block.elements:
                before.append(state)  # type: ignore[arg-type]
                state = lattice.transfer(element, state)  # type: ignore[arg-type]
                if state is None:
                    break
        else:
            for element in block.elements:
                state = lattice.transfer(element, state)  # type: ignore[arg-type]
                if state is None:
                    break
        if state is None:
            continue
        solution.outputs[block.id] = state
        for edge in block.succs:
            carried = lattice.edge(edge, state)
            if carried is None:
                continue
            target = edge.target.id
            previous = inputs.get(target)
            merged = carried if previous is None else lattice.join(previous, carried)
            if previous is not None and lattice.same(previous, merged):
                continue
            inputs[target] = merged
            if target not in queued and target in order:
                queued.add(target)
                heapq.heappush(queue, order[target])
    return solution
