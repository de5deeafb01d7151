"""The language server's worker (``workers.Resident``): a new interpreter that keeps its state
between calls, and that a crash, a hang or a memory blow-up costs one call, never the caller."""
from __future__ import annotations

import os

import pytest

from dllint.workers import Failure, Resident
from resident_tasks import init, work


@pytest.fixture
def resident():
    r = Resident(work)
    yield r
    r.close()


def test_the_worker_is_kept_between_calls_and_replaced_when_the_state_changes(resident):
    first = resident.call(init, "a", "x", time_limit=None, memory_limit=None)
    second = resident.call(init, "a", "y", time_limit=None, memory_limit=None)
    assert first[:2] == ("x", "a") and second[:2] == ("y", "a")
    assert first[2] == second[2] != os.getpid()  # one worker, not this process
    third = resident.call(init, "b", "z", time_limit=None, memory_limit=None)
    assert third[:2] == ("z", "b") and third[2] != first[2]


# The hog gets a long time limit: on a loaded 2-core machine writing 200 MiB can take longer than
# the hang's half second, and the test is about which bound stops it, not how fast it gets there.
@pytest.mark.parametrize("task, kind, detail, seconds", [
    ("die", "died", "killed by SIGSEGV", 0.5),
    ("hang", "timeout", "0.5 s", 0.5),
    ("hog", "memory", "> 200 MiB", 60.0),
])
def test_a_failing_call_costs_only_itself(resident, task, kind, detail, seconds):
    before = resident.call(init, "s", "x", time_limit=seconds, memory_limit=200 * 2 ** 20)
    outcome = resident.call(init, "s", task, time_limit=seconds, memory_limit=200 * 2 ** 20)
    assert isinstance(outcome, Failure) and outcome.kind == kind and detail in outcome.detail
    after = resident.call(init, "s", "y", time_limit=seconds, memory_limit=200 * 2 ** 20)
    assert after[:2] == ("y", "s") and after[2] != before[2]  # a new worker took over
