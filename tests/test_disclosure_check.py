"""The disclosure audit is a blocking check of every release (issue 20 §1, issue 19 §6), through the real `ptsm` CLI.

A release whose survey_results_region drops its quotite rows where the count is 0 (the row-presence leak of issue 20,
one masking removed) fails the audit: the refresh exits 1, the summary names a cell in French, and the previous
publication and the warehouse's `marts` stay as they were.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from pipeline_runner import PROJECT_ROOT, files_under  # noqa: E402

pytestmark = pytest.mark.slow


def _leaking_sql_dir(target: Path) -> Path:
    """A copy of sql/ whose regional survey mart publishes a quotite row only where its count is at least 1."""
    shutil.copytree(PROJECT_ROOT / "sql", target)
    path = target / "marts" / "survey_results_region.sql"
    text = path.read_text(encoding="utf-8")
    assert text.count("\nfrom suppressed\n") == 1
    path.write_text(text.replace("\nfrom suppressed\n", "\nfrom suppressed\nwhere question <> 'quotite' or n > 0\n"),
                    encoding="utf-8")
    return target


def test_a_leaking_release_is_refused_and_the_previous_publication_stays(mini_run, mini_copy, tmp_path):
    assert "ÉCHEC" not in mini_run.output  # the audit passes on what the real SQL publishes
    site = mini_copy  # the previous publication: a copy of that installation
    before = files_under(site.marts)
    before_rows = site.query("select * from marts.survey_results_region order by all")

    result = site.refresh(in_process=True, PTSM_SQL_DIR=str(_leaking_sql_dir(tmp_path / "sql")))
    assert result.returncode == 1, result.stdout
    assert "ÉCHEC marts/survey_results_region:disclosure_audit" in result.stdout
    # the mart's GX suite sees the missing rows too; both checks run in the mart's step, so both verdicts are read
    assert "ÉCHEC marts/survey_results_region:gx_survey_results_region" in result.stdout
    assert "contrôles qualité : 20 réussis, 2 en échec" in result.stdout  # every check of the run has its verdict
    assert ("étape en échec : marts__survey_results_region — contrôle bloquant en échec, rien n'est publié : "
            "marts/survey_results_region: gx_survey_results_region,disclosure_audit") in result.stdout
    assert "Secret statistique rompu : " in result.stdout and "quotite" in result.stdout
    assert "la case masquée vaut exactement" in result.stdout or "la case masquée est comprise entre" in result.stdout
    assert "ÉCHEC : la publication précédente reste en place." in result.stdout
    assert files_under(site.marts) == before
    assert site.query("select * from marts.survey_results_region order by all") == before_rows
