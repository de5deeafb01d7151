"""Lint in child processes that may die: forked workers, each handed one file at a time.

A worker that dies (a crash in libcst's native parser, the kernel's out-of-memory killer) or that
runs past the per-file time limit is killed and replaced; its file gets a finding that says what
happened, and every other file keeps its result. The file is never tried again in the main process:
what killed a worker would kill the whole run, and with it every result. The supervisor knows which
file each worker holds, so a death is charged to that file and to no other.
"""
from __future__ import annotations

import multiprocessing
import signal
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Callable, Generic, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Failure:
    """Why a worker gave no result: ``"died"`` (with the exit code or signal) or ``"timeout"``."""

    kind: str
    detail: str


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _serve(conn: Connection, init: Callable[[], None], work: Callable) -> None:
    init()
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        index, task = item
        conn.send((index, work(task)))


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"killed by {name}"
    return f"exited with status {exitcode}"


@dataclass
class _Worker(Generic[T]):
    process: multiprocessing.process.BaseProcess
    conn: Connection
    index: int | None = None  # the task it holds
    deadline: float | None = None

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def run_isolated(tasks: Sequence[T], work: Callable[[T], R], *, jobs: int, time_limit: float | None,
                 init: Callable[[], None], failed: Callable[[T, Failure], R],
                 done: Callable[[], None] = lambda: None) -> list[R]:
    """``work(task)`` for each task in forked workers (``init`` runs once in each); a task whose
    worker dies or runs past ``time_limit`` seconds gets ``failed(task, why)`` instead. Results come
    back in the order of ``tasks``; ``done`` is called after each one (progress)."""
    context = multiprocessing.get_context("fork")
    results: list = [None] * len(tasks)
    finished = [False] * len(tasks)
    pending = deque(range(len(tasks)))
    workers: list[_Worker] = []

    def start() -> _Worker:
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child, init, work), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def feed(worker: _Worker) -> bool:
        if not pending:
            worker.index = worker.deadline = None
            return False
        index = pending.popleft()
        worker.index = index
        worker.deadline = time.monotonic() + time_limit if time_limit else None
        try:
            worker.conn.send((index, tasks[index]))
        except (OSError, EOFError):  # it died before it could take the task: charged at the next wait
            pass
        return True

    def settle(index: int, result) -> None:
        results[index] = result
        finished[index] = True
        done()

    try:
        for _ in range(max(1, min(jobs, len(tasks)))):
            worker = start()
            workers.append(worker)
            feed(worker)
        while not all(finished):
            busy = [w for w in workers if w.index is not None]
            deadlines = [w.deadline for w in busy if w.deadline is not None]
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout)
            now = time.monotonic()
            for worker in list(busy):
                failure = None
                if worker.conn in ready or worker.process.sentinel in ready:
                    try:
                        if worker.conn.poll():
                            index, result = worker.conn.recv()
                            settle(index, result)
                            feed(worker)
                            continue
                    except (EOFError, OSError):
                        pass
                    if worker.process.sentinel in ready or not worker.process.is_alive():
                        worker.process.join()
                        failure = Failure("died", _death(worker.process.exitcode))
                if failure is None and worker.deadline is not None and now >= worker.deadline:
                    failure = Failure("timeout", f"{time_limit:g} s")
                if failure is None:
                    continue
                index = worker.index
                assert index is not None
                worker.stop()
                workers.remove(worker)
                settle(index, failed(tasks[index], failure))
                if pending:
                    replacement = start()
                    workers.append(replacement)
                    feed(replacement)
    finally:
        for worker in workers:
            try:
                worker.conn.send(None)
            except (OSError, EOFError):
                pass
        for worker in workers:
            worker.process.join(timeout=1)
            worker.stop()
    return results
