"""Work for the resident-worker tests, importable by the worker (a new interpreter)."""
from __future__ import annotations

import os
import signal
import time

STATE = None


def init(state):
    global STATE
    STATE = state


def work(task):
    if task == "die":
        os.kill(os.getpid(), signal.SIGSEGV)
    if task == "hang":
        while True:
            time.perf_counter()
    if task == "hog":
        held = []
        while True:  # until the memory bound stops it; the test proves it does
            held.append(bytearray(32 * 2 ** 20))
    return (task, STATE, os.getpid())
