"""Work shared among threads that each hold one session (pipelines/lib/core/sessions.py): the discipline the pages'
kernels and browsers share, shown here with sessions that only count what happens to them."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import pytest

from pipelines.lib.core.sessions import in_sessions


class Sessions:
    def __init__(self):
        self.opened, self.closed, self.lock = 0, 0, threading.Lock()

    @contextmanager
    def open(self):
        with self.lock:
            self.opened += 1
            number = self.opened
        try:
            yield number
        finally:
            with self.lock:
                self.closed += 1


def test_each_thread_opens_one_session_and_the_results_keep_the_items_order():
    sessions, seen = Sessions(), []

    def work(session, item):
        time.sleep(0.02 if item % 2 else 0.001)  # items end out of order
        seen.append(session)
        return item * 10

    assert in_sessions(range(8), sessions.open, work, threads=3, name="essai") == [0, 10, 20, 30, 40, 50, 60, 70]
    assert sessions.opened == sessions.closed == 3 and set(seen) == {1, 2, 3}


def test_no_session_is_opened_for_no_item_nor_more_threads_than_items():
    sessions = Sessions()
    assert in_sessions([], sessions.open, lambda s, i: i, threads=4, name="essai") == []
    assert in_sessions(["a"], sessions.open, lambda s, i: i, threads=4, name="essai") == ["a"]
    assert sessions.opened == sessions.closed == 1


def test_the_first_error_stops_the_queue_closes_every_session_and_names_its_item():
    sessions, done = Sessions(), []

    def work(session, item):
        if item == "b":
            raise RuntimeError("carnet en échec")
        done.append(item)

    with pytest.raises(RuntimeError, match="carnet en échec") as failed:
        in_sessions(["a", "b", "c", "d"], sessions.open, work, threads=1, name="essai", label=lambda i: f"carnet : {i}")
    assert failed.value.__notes__ == ["carnet : b"]
    assert done == ["a"] and sessions.opened == sessions.closed == 1  # c and d never taken
