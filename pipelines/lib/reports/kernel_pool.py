"""Notebook runs shared among a few long-lived kernels: the numbered reports and the 18 regional profiles of a release.

Why: starting a kernel and importing pandas, Plotly and DuckDB in it costs about 2.5 s of CPU, the run of a report
about 1 s (measured on the sample). A fresh kernel per report spent most of the reports' time starting kernels, and
one kernel for the profiles beside one for the reports left a core idle once the shorter list was done. Here every
run is a job taken by the first free kernel (two kernels for two cores), so both cores stay busy to the end.

What a run in a shared kernel sees of the runs before it: nothing of their variables (every name they defined is
removed first, as `%reset -f` does, so a notebook that forgets to define a name fails here as it would alone), only
the modules they imported (the cost saved) and those modules' settings, which every notebook sets itself
(`figures.setup()`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import nbformat

# what `%reset -f` does to the namespace (every name a run defined goes; the kernel's own names stay), without its
# history flush and full garbage collection, which cost ~0.15 s a run (18 profiles: +3 s, measured)
RESET_SOURCE = ("for _name in [n for n in get_ipython().user_ns if not n.startswith('_') "
                "and n not in get_ipython().user_ns_hidden]:\n    del get_ipython().user_ns[_name]")


@dataclass
class NotebookJob:
    """One notebook to run (`nb`, executed in place) and what to do with it once run (`finish`: write its page, in
    the kernel's thread); `name` names the job in an error."""
    name: str
    nb: nbformat.NotebookNode
    finish: Callable[[nbformat.NotebookNode], Path]


def _with_reset(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    from nbformat.v4 import new_code_cell

    nb.cells.insert(0, new_code_cell(RESET_SOURCE))
    return nb


def run_jobs(jobs: list[NotebookJob], cwd: Path, env: dict[str, str], kernels: int = 1) -> list[Path]:
    """Every job run in one of `kernels` kernels (each in a thread of its own, started with `env` in `cwd`), taken in
    order by the first free kernel, and finished in that thread. Returns what each job's `finish` returned, in the
    jobs' order.

    The first failing job stops the kernels from taking new jobs; the running ones end, every kernel is shut down,
    then the error is raised again (a notebook's own error names its cell). Pages already finished stay written."""
    from pipelines.lib.reports.notebooks import import_renderers, notebook_kernel

    import_renderers()  # before the threads: two threads importing nbformat at once break each other
    results: list[Path | None] = [None] * len(jobs)
    errors: list[BaseException] = []
    lock = threading.Lock()
    pending = iter(range(len(jobs)))

    def take() -> int | None:
        with lock:
            return None if errors else next(pending, None)

    def kernel() -> None:
        index = take()
        if index is None:
            return
        try:
            with notebook_kernel(jobs[index].nb, cwd) as client:
                first = True
                while index is not None:
                    job = jobs[index]
                    client.nb = job.nb if first else _with_reset(job.nb)
                    client.execute(env=env)  # the first run starts the kernel; the next ones reuse it
                    if not first:
                        job.nb.cells.pop(0)  # the reset is the pool's, not the notebook's
                    first = False
                    results[index] = job.finish(job.nb)
                    index = take()
        except BaseException as exc:  # noqa: BLE001 - re-raised below, once every kernel is shut down
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=kernel, name=f"ptsm-kernel-{i}", daemon=True)
               for i in range(max(1, min(kernels, len(jobs))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results  # type: ignore[return-value]
