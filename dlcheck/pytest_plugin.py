"""pytest plugin (entry point ``pytest11``): the ``dlcheck_watch`` fixture.

    def test_training_step_is_healthy(dlcheck_watch):
        w = dlcheck_watch(model, optimizer)
        ...one or more training steps...
        # the test fails with dlcheck's report if any check fired

pytest loads this module in every run, also where torch is absent: nothing here imports torch
(or dlcheck's torch-using modules) at import time.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

_KEY = pytest.StashKey[list]()


@pytest.fixture
def dlcheck_watch(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """Factory: ``dlcheck_watch(model, optimizer=None, **watch_options)`` returns an active
    watcher. After the test body, every watcher is closed; if any check fired, the test fails
    with the report. Use ``w.report()`` inside the test to assert on specific codes instead, and
    pass ``expect_problems=True`` to opt out of the automatic failure."""
    import dlcheck  # lazily: only tests that use the fixture need torch

    watchers: list[tuple[Any, bool]] = request.node.stash.setdefault(_KEY, [])

    def make(model: Any, optimizer: Any = None, *, expect_problems: bool = False,
             **options: Any) -> Any:
        w = dlcheck.wrap(model, optimizer, **options)
        watchers.append((w, expect_problems))
        return w

    yield make
    for w, _ in watchers:
        if not w.closed:
            w.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    # Judge in the call phase, so a sick training step is a test *failure*, not a teardown error.
    result = yield
    failures = []
    for w, expect_problems in item.stash.get(_KEY, []):
        report = w.close() if not w.closed else w.report()
        if report.problems and not expect_problems:
            failures.append(str(report))
    if failures:
        pytest.fail("dlcheck found problems in this training step:\n" + "\n\n".join(failures),
                    pytrace=False)
    return result
