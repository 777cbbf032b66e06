"""Report kernels end with their notebook: none outlives the run (an orphaned kernel printed "Parent appears to have
exited" into `ptsm refresh`'s output once the refresh had exited)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from pipelines.lib.reports.notebooks import execute_notebook

pytestmark = pytest.mark.slow  # starts a real ipykernel


def child_processes() -> list[str]:
    """Command lines of this process's live children (zombies excluded), read from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        state, ppid = fields[0], int(fields[1])
        if ppid == os.getpid() and state != "Z":
            children.append((stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode())
    return children


def test_execute_notebook_leaves_no_kernel_running(tmp_path):
    notebook = tmp_path / "01_essai.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nprint(os.environ['PTSM_MARTS_DIR'])")]
    nbformat.write(nb, notebook)
    marts = tmp_path / "marts"
    marts.mkdir()
    assert child_processes() == []

    executed = execute_notebook(notebook, marts)

    assert executed.cells[0].outputs[0]["text"] == f"{marts.resolve()}\n"  # the kernel did run, on these marts
    assert child_processes() == []  # ... and was shut down before execute_notebook returned
