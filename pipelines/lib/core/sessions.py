"""Work shared among a few threads, each holding one long-lived session: a notebook kernel, a browser.

Why one helper: a release's pages run their notebooks in two kernels (`reports.notebooks.run_jobs`) and are checked
and printed by four browsers (`reports.report_check.in_browsers`); both need the same discipline, which was written
twice. Each thread opens its session once (a kernel's start or a browser's launch costs seconds) and takes the next
item whenever it is free, so the cores stay busy to the end; results come back in the items' order whatever order they
end in, so what is recorded does not depend on timing; the first error stops every thread from taking new items,
every session is closed, then that error is raised again with a note naming its item.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Any, Callable, Iterable


def in_sessions(items: Iterable[Any], open_session: Callable[[], AbstractContextManager], work: Callable[[Any, Any], Any],
                threads: int, name: str, label: Callable[[Any], str] = str) -> list:
    """`work(session, item)` for every item, by `threads` threads (no more than items) named `name-<i>`, each in the
    session `open_session()` opens for it (a context manager, closed when the thread has no item left or failed).
    Returns the results in the order of `items`. On the first error: no thread takes a new item, the running ones end,
    every session is closed, then the error is raised again, noted with `label(item)`."""
    items = list(items)
    results: list = [None] * len(items)
    errors: list[BaseException] = []
    lock = threading.Lock()
    pending = iter(range(len(items)))

    def take() -> int | None:
        with lock:
            return None if errors else next(pending, None)

    def worker() -> None:
        index = take()
        if index is None:
            return  # nothing left for this thread: no session opened for nothing
        try:
            with open_session() as session:
                while index is not None:
                    try:
                        results[index] = work(session, items[index])
                    except BaseException as error:
                        error.add_note(label(items[index]))
                        raise
                    index = take()
        except BaseException as error:  # noqa: BLE001 - raised again in the caller's thread, once all have ended
            with lock:
                errors.append(error)

    workers = [threading.Thread(target=worker, name=f"{name}-{i}", daemon=True)
               for i in range(max(1, min(threads, len(items))))]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    if errors:
        raise errors[0]
    return results
