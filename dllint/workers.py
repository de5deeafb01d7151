"""Lint in child processes that may die: forked workers, each handed one file at a time.

A worker that dies (a crash in libcst's native parser, the kernel's out-of-memory killer), that
spends more than the per-file time limit on one file (CPU time), or whose resident memory grows past
the per-file memory limit is killed and replaced; its file gets a finding that says what happened,
and every other file keeps its result. The file is never tried again in the main process:
what killed a worker would kill the whole run, and with it every result. The supervisor knows which
file each worker holds, so a death is charged to that file and to no other.
"""
from __future__ import annotations

import functools
import multiprocessing
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Callable, Generic, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")


@dataclass(frozen=True)
class Failure:
    """Why a worker gave no result: ``"died"`` (with the exit code or signal), ``"timeout"`` or
    ``"memory"``."""

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


# The time limit counts the worker's CPU time, so that a loaded machine does not turn a file's
# finding into DL002 (the output must not depend on the machine's load); wall time is only a
# backstop, at this multiple of the limit, for a worker that waits without computing.
WALL_FACTOR = 4
_POLL_S = 0.5  # how often the CPU time of busy workers is read


def _cpu_seconds(pid: int) -> float | None:
    """The CPU time (user + system) of a process so far, from /proc; None where there is none."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _resident_bytes(pid: int) -> int | None:
    """The resident memory of a process now, from /proc; None where there is none."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _mib(size: int) -> str:
    return f"{size / 2 ** 20:,.0f} MiB"


@dataclass
class _Worker(Generic[T]):
    process: multiprocessing.process.BaseProcess
    conn: Connection
    index: int | None = None  # the task it holds
    deadline: float | None = None  # wall-clock backstop
    cpu_start: float | None = None  # its CPU time when it took the task

    def over_time(self, limit: float, now: float) -> bool:
        if self.deadline is not None and now >= self.deadline:
            return True
        if self.cpu_start is None:
            return False
        cpu = _cpu_seconds(self.process.pid)
        return cpu is not None and cpu - self.cpu_start >= limit

    def over_memory(self, limit: int) -> int | None:
        """Its resident memory when that is past ``limit`` bytes, else None."""
        size = _resident_bytes(self.process.pid)
        return size if size is not None and size > limit else None

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def run_isolated(tasks: Sequence[T], work: Callable[[T], R], *, jobs: int, time_limit: float | None,
                 init: Callable[[], None], failed: Callable[[T, Failure], R],
                 done: Callable[[], None] = lambda: None,
                 memory_limit: int | None = None) -> list[R]:
    """``work(task)`` for each task in forked workers (``init`` runs once in each); a task whose
    worker dies, runs past ``time_limit`` seconds or holds more than ``memory_limit`` bytes gets
    ``failed(task, why)`` instead. Results come back in the order of ``tasks``; ``done`` is called
    after each one (progress). Memory is read every half second: the parser's memory grows with
    the time it spends, so a worker is stopped well before a file takes the machine's memory."""
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
        worker.deadline = time.monotonic() + WALL_FACTOR * time_limit if time_limit else None
        worker.cpu_start = _cpu_seconds(worker.process.pid) if time_limit else None
        if time_limit and worker.cpu_start is None:  # no /proc: wall time it is
            worker.deadline = time.monotonic() + time_limit
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
            if memory_limit or any(w.cpu_start is not None for w in busy):
                timeout = _POLL_S if timeout is None else min(timeout, _POLL_S)
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
                if failure is None and time_limit and worker.over_time(time_limit, now):
                    failure = Failure("timeout", f"{time_limit:g} s")
                if failure is None and memory_limit:
                    size = worker.over_memory(memory_limit)
                    if size is not None:
                        failure = Failure("memory", f"{_mib(size)} > {_mib(memory_limit)}")
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


class _Child:
    """A worker started as a new interpreter (``python -c ...``), seen as a multiprocessing
    process by ``_Worker``."""

    def __init__(self, popen: subprocess.Popen) -> None:
        self.popen = popen
        self.pid = popen.pid

    def is_alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        self.popen.kill()

    def join(self, timeout: float | None = None) -> None:
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            pass

    @property
    def exitcode(self) -> int | None:
        return self.popen.poll()


def _resident_main() -> None:
    """The worker's side of ``Resident``: the parent's ``sys.path``, then ``init`` and ``work``
    (pickled by reference), then tasks, as ``_serve`` takes them."""
    # the caller's stdout may be a protocol stream (the language server's): whatever a rule prints
    # goes to stderr, at once
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    conn = Connection(int(sys.argv[1]))
    sys.path[:] = conn.recv()
    init, work = pickle.loads(conn.recv_bytes())
    _serve(conn, init, work)


class Resident(Generic[T, R]):
    """One long-lived worker for a caller that lints one text at a time and has threads or an event
    loop of its own (the language server). Such a process must not fork itself, and multiprocessing's
    other start methods run the caller's ``__main__`` again in the child; so the worker is a new
    interpreter that imports dllint and nothing of the caller. It keeps what it learnt between calls
    (the project modules it parsed) and is replaced when it dies, runs past the time limit or grows
    past the memory bound (that call alone gets a ``Failure``), or when the state it was started
    with changes."""

    def __init__(self, work: Callable[[T], R]) -> None:
        self._work = work
        self._worker: _Worker | None = None
        self._state: object = None
        self._lock = threading.Lock()

    def _start(self, init: Callable[[], None]) -> _Worker:
        ours, theirs = socket.socketpair()
        try:
            popen = subprocess.Popen(
                [sys.executable, "-c", "from dllint.workers import _resident_main; _resident_main()",
                 str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                close_fds=True)  # stdout: never the caller's (see _resident_main)
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        conn.send(list(sys.path))
        conn.send_bytes(pickle.dumps((init, self._work)))
        return _Worker(_Child(popen), conn)  # type: ignore[arg-type]

    def call(self, init: Callable[[S], None], state: S, task: T, *, time_limit: float | None,
             memory_limit: int | None) -> R | Failure:
        """``work(task)`` in the worker, after ``init(state)`` there (once per worker; a ``state``
        unequal to the last one starts a new worker). ``init``, ``state`` and ``task`` must pickle."""
        with self._lock:
            worker = self._worker
            if worker is None or state != self._state or not worker.process.is_alive():
                if worker is not None:
                    worker.stop()
                worker = self._worker = self._start(functools.partial(init, state))
                self._state = state
            try:
                outcome = self._ask(worker, task, time_limit, memory_limit)
            except BaseException:
                self.close()  # interrupted half-way: its answer must not go to the next call
                raise
            if isinstance(outcome, Failure):
                self.close()
            return outcome

    @staticmethod
    def _ask(worker: _Worker, task: T, time_limit: float | None,
             memory_limit: int | None) -> R | Failure:
        worker.deadline = time.monotonic() + WALL_FACTOR * time_limit if time_limit else None
        worker.cpu_start = _cpu_seconds(worker.process.pid) if time_limit else None
        if time_limit and worker.cpu_start is None:
            worker.deadline = time.monotonic() + time_limit
        try:
            worker.conn.send((0, task))
        except (OSError, EOFError):
            pass  # it died already: found below
        poll = _POLL_S if (time_limit or memory_limit) else None
        while True:
            # the worker's end of the socket closes when it dies: a death wakes this wait too
            wait([worker.conn], poll)
            try:
                if worker.conn.poll():
                    return worker.conn.recv()[1]
            except (EOFError, OSError):
                worker.process.join(timeout=5)
                return Failure("died", _death(worker.process.exitcode))
            if not worker.process.is_alive():
                return Failure("died", _death(worker.process.exitcode))
            if time_limit and worker.over_time(time_limit, time.monotonic()):
                return Failure("timeout", f"{time_limit:g} s")
            if memory_limit:
                size = worker.over_memory(memory_limit)
                if size is not None:
                    return Failure("memory", f"{_mib(size)} > {_mib(memory_limit)}")

    def close(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
            self._state = None
