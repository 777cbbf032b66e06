"""Regional profiles: ONE notebook (`notebooks/regions/profil_region.ipynb`) executed once per region with its
`REGION` parameter, each run written as `<reports>/regions/<code>.html`.

Why one kernel for all regions: starting a kernel and importing pandas/Plotly costs seconds, the work per region
well under one; running the 18 parametrised copies in one kernel keeps the whole set at about the cost of two
notebooks. Each run re-executes every cell (the parameter cell first), so nothing of a region leaks into the next
one but imported modules.

Why self-contained pages (plotly.js inline): a profile travels alone — downloaded from the API by a regional
token, copied into `ptsm export --region` — and must open offline without the reports folder around it.
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from pipelines.lib.config import get_settings
from pipelines.lib.files import write_atomic

if TYPE_CHECKING:
    import nbformat

PROFILE_NOTEBOOK = Path("regions") / "profil_region.ipynb"
PROFILES_DIR = "regions"
PARAMETER_TAG = "parameters"


def region_codes(reference_dir: Path | None = None) -> list[str]:
    """The INSEE region codes of the reference data, in COG order."""
    path = Path(reference_dir or get_settings().reference_dir) / "regions.csv"
    with path.open(encoding="utf-8") as handle:
        return [row["region_code"] for row in csv.DictReader(handle)]


def with_parameter(nb: nbformat.NotebookNode, region: str) -> nbformat.NotebookNode:
    """A copy of the notebook whose cell tagged `parameters` is followed by `REGION = '<code>'` (papermill style:
    the default stays visible, the injected value wins)."""
    import copy

    from nbformat.v4 import new_code_cell

    out = copy.deepcopy(nb)
    index = next((i for i, c in enumerate(out.cells) if PARAMETER_TAG in c.get("metadata", {}).get("tags", [])), None)
    if index is None:
        raise ValueError("le carnet de profil n'a pas de cellule marquée « parameters »")
    cell = new_code_cell(f"REGION = {region!r}  # paramètre injecté au rendu")
    cell.metadata["tags"] = ["injected-parameters"]
    out.cells.insert(index + 1, cell)
    return out


def profile_html(nb: nbformat.NotebookNode, title: str) -> str:
    """One self-contained French page: no code cells, plotly.js and the French locale inline, the report style."""
    from nbconvert import HTMLExporter

    from pipelines.lib.reports import REPORT_CSS, SITE_NAME, plotly_bundle, strip_remote_scripts

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)
    body = strip_remote_scripts(body)
    body = re.sub(r"<html\b[^>]*>", '<html lang="fr">', body, count=1)
    body = re.sub(r"<title>.*?</title>", lambda _: f"<title>{html.escape(f'{title} — {SITE_NAME}', quote=False)}</title>", body,
                  count=1, flags=re.DOTALL)
    script = plotly_bundle().replace("</script", "<\\/script")
    return body.replace("</head>", f'<script charset="utf-8">{script}</script>\n{REPORT_CSS}</head>', 1)


def render_regional_profiles(notebook: Path, out_dir: Path, marts_dir: Path,
                             regions: Iterable[str] | None = None) -> list[Path]:
    """Execute `notebook` once per region in one kernel on `marts_dir`; write `<out_dir>/<code>.html` atomically.

    A region whose run fails raises (the refresh reports it) and leaves the pages already written in place."""
    import nbformat

    from pipelines.lib.marts_reader import region_names
    from pipelines.lib.reports import kernel_env, notebook_kernel

    notebook, out_dir = Path(notebook), Path(out_dir)
    codes = list(regions) if regions is not None else region_codes()
    names = region_names()
    source = nbformat.read(notebook, as_version=4)
    out_dir.mkdir(parents=True, exist_ok=True)
    env = kernel_env(marts_dir, out_dir)
    written: list[Path] = []
    with notebook_kernel(source, notebook.parent) as client:
        for code in codes:
            client.nb = with_parameter(source, code)
            client.execute(env=env)  # the kernel is started by the first run and kept (the client does not own km)
            target = out_dir / f"{code}.html"
            write_atomic(target, profile_html(client.nb, f"Profil régional — {names.get(code, code)}"), mode=0o644)
            written.append(target)
    return written
