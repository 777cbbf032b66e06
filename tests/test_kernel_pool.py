"""The kernels of a release's pages (`run_jobs` in pipelines/lib/reports/notebooks.py): runs shared among long-lived
kernels, each run blind to the variables of the runs before it, results in the jobs' order, and no kernel left
running, even when a run fails."""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError
from nbformat.v4 import new_code_cell, new_notebook

from pipelines.lib.reports.notebooks import NotebookJob, run_jobs
from tests.test_reports_kernel import child_processes

pytestmark = pytest.mark.slow  # starts real ipykernels


def job(name: str, *sources: str, seen: list | None = None) -> NotebookJob:
    """A notebook of `sources`; once run, the text it printed (its kernel's pid first) is returned as its result."""
    nb = new_notebook(cells=[new_code_cell("import os\nprint(os.getpid())")] + [new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}

    def finish(executed: nbformat.NotebookNode) -> str:
        printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
        if seen is not None:
            seen.append((name, len(executed.cells)))
        return printed

    return NotebookJob(name, nb, finish)


def test_one_kernel_runs_every_job_in_order_each_blind_to_the_previous_ones_variables(tmp_path):
    seen: list = []
    jobs = [job("a", "x = 41\nprint(x + 1)", seen=seen),
            job("b", "print('x' in dir())", seen=seen),
            job("c", "print(sum(range(4)))", seen=seen)]

    printed = run_jobs(jobs, tmp_path, dict(os.environ))

    pids = [p.split("\n")[0] for p in printed]
    assert len(set(pids)) == 1 and pids[0] != str(os.getpid())  # one kernel, not this process, for the three runs
    assert [p.split("\n")[1:] for p in printed] == [["42", ""], ["False", ""], ["6", ""]]  # b does not see a's x
    # the reset is the pool's: each finished notebook has its own two cells only, in the jobs' order
    assert seen == [("a", 2), ("b", 2), ("c", 2)]
    assert child_processes() == []


def test_two_kernels_share_the_jobs_and_return_the_results_in_the_jobs_order(tmp_path):
    jobs = [job(str(i), f"print({i} * 10)") for i in range(5)]

    printed = run_jobs(jobs, tmp_path, dict(os.environ), kernels=2)

    assert [p.split("\n")[1] for p in printed] == ["0", "10", "20", "30", "40"]
    assert len({p.split("\n")[0] for p in printed}) == 2  # both kernels ran some
    assert child_processes() == []


def test_a_failing_run_stops_the_queue_is_raised_and_leaves_no_kernel(tmp_path):
    done: list = []
    jobs = [job("a", "print(1)", seen=done), job("b", "raise RuntimeError('profil 84 en échec')", seen=done)]
    jobs += [job(f"after-{i}", "print(2)", seen=done) for i in range(4)]

    with pytest.raises(CellExecutionError, match="profil 84 en échec"):
        run_jobs(jobs, tmp_path, dict(os.environ))

    assert done == [("a", 2)]  # the failing run is not finished, nor any run after it
    assert child_processes() == []

