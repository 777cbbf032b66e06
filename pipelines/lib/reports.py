"""Execute the analysis notebooks on a marts release and render them as self-contained HTML reports."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.lib.files import write_atomic

if TYPE_CHECKING:  # the notebook libraries cost seconds to import: only the reports step imports them
    import nbformat

KERNEL_TIMEOUT_S = 600


def notebook_paths(notebooks_dir: Path) -> list[Path]:
    """The numbered analysis notebooks (`NN_topic.ipynb`), in order."""
    return sorted(p for p in Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))


def execute_notebook(path: Path, marts_dir: Path) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel of this interpreter, reading `marts_dir`."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, "PTSM_MARTS_DIR": str(Path(marts_dir).resolve())}
    # The kernel spec runs `python`: put this interpreter's folder first so the kernel sees the project's venv.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    client = NotebookClient(nb, timeout=KERNEL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(Path(path).parent)}})
    client.execute(env=env)  # passed on to the kernel manager: the kernel process gets this environment
    return nb


def to_html(nb: nbformat.NotebookNode) -> str:
    """Self-contained HTML without the code cells (plotly.js is embedded by the notebook's first chart)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)
    return strip_remote_scripts(body)


_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.IGNORECASE)


def strip_remote_scripts(html: str) -> str:
    """Drop the CDN scripts nbconvert's template and Plotly's notebook output add (require.js, MathJax):
    the reports use no maths, embed plotly.js inline, and must open offline without network requests."""
    return _REMOTE_SCRIPT.sub("", html)


def render_notebooks(notebooks_dir: Path, reports_dir: Path, marts_dir: Path) -> list[Path]:
    """Execute every numbered notebook on `marts_dir` and write `<reports_dir>/<name>.html` atomically.

    A failing notebook (an asserted sentence disagreeing with the marts, a crash) raises and leaves the previous
    report of that notebook in place.
    """
    written = []
    for path in notebook_paths(notebooks_dir):
        nb = execute_notebook(path, marts_dir)
        target = Path(reports_dir) / f"{path.stem}.html"
        write_atomic(target, to_html(nb))
        written.append(target)
    return written
