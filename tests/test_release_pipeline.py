"""Publication as one unit, through the real `ptsm` CLI (in process: `Installation.main`) and the real Dagster reports
asset (in a subprocess killed while rendering, over a copy of the sample installation's pages).

Observations of issue 12 reproduced here: a synthetic run published over the real publication; a failed check left
its broken table in the warehouse's `marts` (105 rows in marts.ptsm_overview); a run killed while rendering reports
left data/reports mixing two runs. Plus `ptsm releases rollback`, byte for byte.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from pipeline_runner import (MINI_EXPORTS, PROJECT_ROOT, Installation, files_under,  # noqa: E402
                             sql_with_a_repeated_row)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def published(mini_run, tmp_path_factory) -> Path:
    """One installation refreshed once on the mini exports (real, not synthetic): a copy of the session's
    `mini_run` (refreshed in process), its exports beside it; tests work on copies of it."""
    assert mini_run.returncode == 0, mini_run.output
    site = Path(shutil.copytree(mini_run.root, tmp_path_factory.mktemp("published") / "site", symlinks=True))
    shutil.copytree(MINI_EXPORTS, site / "raw")
    return site


def _copy(published: Path, tmp_path: Path) -> Installation:
    target = shutil.copytree(published, tmp_path / "site", symlinks=True)  # relative links stay valid
    return Installation(target, target / "raw")


def test_a_synthetic_run_never_replaces_the_real_publication(published, tmp_path):
    site = _copy(published, tmp_path)
    before, before_marts = files_under(site.marts), site.query("select * from marts.ptsm_overview order by all")
    shutil.move(site.raw_dir, tmp_path / "raw.moved")  # the exports folder is unmounted
    site.raw_dir.mkdir()
    result = site.refresh(in_process=True)
    assert result.returncode == 1, result.stdout
    assert "exécution sur l'échantillon SYNTHÉTIQUE" in result.stdout
    assert ("Publication refusée : une publication SYNTHÉTIQUE (échantillon de démonstration) ne remplace jamais la "
            "publication en cours") in result.stdout
    assert "ÉCHEC : la publication précédente reste en place." in result.stdout
    assert files_under(site.marts) == before
    assert json.loads((site.marts / "manifest.json").read_text(encoding="utf-8"))["synthetic"] is False
    assert site.query("select * from marts.ptsm_overview order by all") == before_marts


def test_a_failed_check_leaves_the_warehouse_marts_on_the_previous_state(published, tmp_path):
    site = _copy(published, tmp_path)
    tables = [r[0] for r in site.query("select table_name from duckdb_tables() where schema_name = 'marts' order by 1")]
    assert tables == sorted(p.stem for p in (PROJECT_ROOT / "sql" / "marts").glob("*.sql"))  # every mart
    before = {t: site.query(f"select * from marts.{t} order by all") for t in tables}
    result = site.refresh(in_process=True, PTSM_SQL_DIR=str(sql_with_a_repeated_row(tmp_path / "sql")))
    assert result.returncode == 1, result.stdout
    assert "ÉCHEC marts/ptsm_overview:gx_ptsm_overview" in result.stdout
    assert site.query("select count(*) from marts.ptsm_overview") == [(104,)]  # before the fix: 105
    assert {t: site.query(f"select * from marts.{t} order by all") for t in tables} == before
    assert site.query("select count(*) from marts_next.ptsm_overview") == [(105,)]  # built and checked aside


def test_rollback_restores_a_release_byte_for_byte(published, tmp_path):
    site = _copy(published, tmp_path)
    first = os.path.basename(os.path.realpath(site.marts))
    first_files = files_under(site.marts)
    shutil.copy(site.raw_dir / "fiches_actions" / "ptsm03_2021-12-01.xlsx",
                site.raw_dir / "fiches_actions" / "ptsm03_2022-03-15.xlsx")  # a newer workbook: new marts
    assert site.refresh(in_process=True).returncode == 0
    second = os.path.basename(os.path.realpath(site.marts))
    assert second != first and files_under(site.marts) != first_files

    result = site.main("releases", "rollback", first)
    assert result.returncode == 0, result.stdout
    assert f"Publication {first} rétablie" in result.stdout
    assert os.readlink(site.marts) == os.path.join(".marts-releases", first)
    assert files_under(site.marts) == first_files  # every file, the manifest included

    unknown = site.main("releases", "rollback", "0000000000000000")
    assert unknown.returncode == 2
    assert f"Erreur : Publication inconnue : 0000000000000000. Publications disponibles : {first}, {second}." \
        in unknown.stdout
    assert os.readlink(site.marts) == os.path.join(".marts-releases", first)


# shown as the reports show text (a raw printed output is refused by the release's page check)
PRINT_RELEASE = ("from IPython.display import Markdown, display\nfrom pipelines.lib.reports import marts_reader\n"
                 "display(Markdown('publication ' + marts_reader.manifest()['release_id']))")
SLEEP = "import os, time\ntime.sleep(float(os.environ.get('PTSM_TEST_REPORT_SLEEP', '0')))"


def _notebooks(folder: Path) -> Path:
    """Three tiny notebooks that print the release they read; the second one can be made to hang."""
    import nbformat

    folder.mkdir()
    for name, cells in (("01_premier", [PRINT_RELEASE]), ("02_second", [PRINT_RELEASE, SLEEP]),
                        ("03_troisieme", [PRINT_RELEASE])):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(code) for code in cells]
        nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


RENDER = """
import sys
import dagster as dg
from pipelines.defs.publish.reports import reports_asset
from pipelines.defs.resources import PtsmPaths
marts, reports, notebooks = sys.argv[1:4]
paths = PtsmPaths(raw_dir="", sample_dir="", reference_dir="", secret_dir="", marts_dir=marts, reports_dir=reports,
                  notebooks_dir=notebooks)
assert dg.materialize([reports_asset], resources={"paths": paths}).success
"""


def _render(site: Installation, notebooks: Path, **env: str) -> subprocess.Popen:
    """Materialise the real `publish/reports` asset in its own process group (its log in a file)."""
    log = (site.root / f"render-{time.monotonic_ns()}.log").open("w")
    process = subprocess.Popen([sys.executable, "-c", RENDER, str(site.marts), str(site.reports), str(notebooks)],
                               cwd=PROJECT_ROOT, env={**os.environ, **env}, start_new_session=True,
                               stdout=log, stderr=subprocess.STDOUT, text=True)
    process.log_path = Path(log.name)
    log.close()
    return process


def _report_files(root: Path) -> dict[Path, int]:
    """Every real file of a reports folder under `root` (the old layout or a release's), with its mtime."""
    files = {}
    for path in root.rglob("*"):
        if any(part.lstrip(".").startswith("reports") for part in path.relative_to(root).parts[:-1]):
            try:
                if path.is_file() and not path.is_symlink():
                    files[path] = path.stat().st_mtime_ns
            except FileNotFoundError:  # a temporary file renamed meanwhile
                pass
    return files


def test_a_run_killed_while_rendering_reports_leaves_the_pages_shown_untouched(sample_release, tmp_path):
    """The pages shown are a copy of the sample installation's (its refresh rendered and checked them: reports,
    profiles, reviews, their PDFs). A run of the reports step, in a process of its own, is killed as soon as it has
    written its first file: every file shown before is still shown, byte for byte, and none was written since (the
    same modification times), so the folder never mixes the pages of two runs, whichever release they are of."""
    root = Path(shutil.copytree(sample_release.root, tmp_path / "site", symlinks=True))  # relative links stay valid
    site = Installation(root, root / "raw")
    notebooks = _notebooks(tmp_path / "notebooks")
    shown, pdfs = files_under(site.reports), files_under(root / "bilans")
    shown_at = {path: mtime for path, mtime in _report_files(root).items()
                if Path(os.path.realpath(site.reports)) in path.parents}
    assert "00_synthese.html" in shown and "ptsm/PTSM-35.html" in shown
    assert len(shown_at) > 104  # the pages and PDFs themselves (not the links to the published tables)
    before = _report_files(root)
    running = _render(site, notebooks, PTSM_TEST_REPORT_SLEEP="600")  # the second notebook never ends
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and running.poll() is None:  # until the run writes its first report file
            now = _report_files(root)
            if any(before.get(path) != mtime for path, mtime in now.items()):
                break
            time.sleep(0.05)
        assert running.poll() is None, running.log_path.read_text()[-3000:]
        assert time.monotonic() < deadline, "the killed run never wrote a report file"
    finally:
        os.killpg(running.pid, signal.SIGKILL)
        running.wait(timeout=60)
    assert files_under(site.reports) == shown  # every file still the shown one, none from the killed run
    assert {path: mtime for path, mtime in _report_files(root).items() if path in shown_at} == shown_at
    assert files_under(root / "bilans") == pdfs  # and the review PDFs of the pages shown
