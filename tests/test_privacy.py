"""Personal data never leaves the observatory; survey breakdowns below national level are suppressed under n = 5;
published CSV text never runs as a spreadsheet formula.

One real `ptsm refresh` reads the hand-made export set plus planted exports
(tests/fixtures/reliability/planted.py): coordinator names in a roster (one valid, one quarantined for its FTE, one
quarantined because the name holds a non-UTF-8 byte), free-text survey comments with names and a phone number, and
action titles that look like formulas. Every published output is then searched for the planted strings: the release,
the region exports, the warehouse's marts and the pages. The pages searched by default are the 104 PTSM reviews,
rendered from the release as the refresh renders them (the pages that print per-PTSM text); with the long budgets
(`--long`, tests/budget.py) the refresh renders every page itself (notebooks, profiles, reviews, PDFs: minutes).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from unidecode import unidecode

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "reliability"))
import budget  # noqa: E402
import planted  # noqa: E402
from support import PROJECT_ROOT, Installation, check_publication, copy_mini  # noqa: E402


EXPORT_REGIONS = ("84", "32", "93")
# what a spreadsheet reads as the start of a formula (written out here, not imported from the publisher)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Installation:
    root = tmp_path_factory.mktemp("privacy")
    raw = copy_mini(root / "raw")
    planted.roster(raw / "coordonnateurs" / "recensement_coordonnateurs_2022-06-30.csv")
    planted.survey(raw / "enquete_coordonnateurs" / "enquete_2024_vague.csv")
    planted.formula_titles_workbook(raw / "fiches_actions" / "ptsm05_2022-03-01.xlsx")
    inst = Installation(root / "site", raw)
    if budget.LONG:
        result = inst.run("refresh", timeout=1200)  # with the reports: every page is searched too
    else:
        result = inst.main("refresh", "--no-reports")
    assert result.returncode == 0, result.stdout[-5000:]
    if not budget.LONG:
        from pipelines.lib.reviews.ptsm_reviews import REVIEWS_DIR, render_ptsm_reviews

        render_ptsm_reviews(Path(os.path.realpath(inst.marts)), inst.reports / REVIEWS_DIR)
    for region in EXPORT_REGIONS:
        exported = inst.main("export", "--region", region, "--out", str(root / f"export_{region}"))
        assert exported.returncode == 0, exported.stdout
    return inst


def _texts(site: Installation) -> dict[str, str]:
    """Every published output as text: release files (Parquet cells, names and metadata), region exports, HTML
    reports, and the DuckDB `marts` schema."""
    texts: dict[str, str] = {}
    check_publication(site.marts)
    outputs = [Path(os.path.realpath(site.marts))]
    outputs += [site.root.parent / f"export_{region}" for region in EXPORT_REGIONS]
    outputs.append(site.reports)
    for folder in outputs:
        for path in sorted(folder.rglob("*")):
            if path.suffix == ".parquet":
                table = pq.read_table(path)
                cells = [str(v) for column in table.columns for v in column.to_pylist()]
                meta = [f"{k!r}{v!r}" for k, v in (table.schema.metadata or {}).items()]
                texts[str(path)] = "\n".join([*table.column_names, *meta, *cells])
            elif path.is_file():
                texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    with duckdb.connect(str(site.db), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1").fetchall()]
        for table in tables:
            rows = con.execute(f'select * from marts."{table}"').fetchall()
            texts[f"duckdb:marts.{table}"] = "\n".join("\t".join(map(str, row)) for row in rows)
        comments = con.execute("select comment from duckdb_columns() where schema_name = 'marts'").fetchall()
        texts["duckdb:comments"] = "\n".join(str(c) for (c,) in comments)
    return texts


def _variants(text: str) -> list[str]:
    """Case-folded, accent-folded and JSON/HTML-escaped spellings of a planted string."""
    escaped = json.dumps(text)[1:-1]
    return sorted({text.casefold(), unidecode(text).casefold(), escaped.casefold(),
                   text.replace(" ", "&nbsp;").casefold(), text.replace(" ", "\u00a0").casefold()})


@pytest.mark.slow
def test_the_planted_data_did_reach_the_pipeline(site):
    # otherwise the search below proves nothing
    assert site.query("select count(*) from raw.roster where coordonnateur = 'Zéphyrine Quatremare'") == [(1,)]
    assert site.query("select count(*) from raw.survey where _extra like '%Brindezingue%'") == [(1,)]
    assert site.query("select count(*) from staging.roster_rows where source_file like '%2022-06-30.csv'") == [(1,)]
    reviews = sorted(p.stem for p in site.reports.glob("ptsm/*.html"))
    assert {"PTSM-01", "PTSM-02", "PTSM-03"} <= set(reviews)  # the mini set's three PTSM, among the registry's
    if budget.LONG:
        reports = sorted(p.name for p in site.reports.glob("*.html"))
        assert "00_synthese.html" in reports and len(reports) >= 5


@pytest.mark.slow
def test_no_planted_name_or_comment_appears_in_any_published_output(site):
    texts = _texts(site)
    kinds = {name.split(":")[0] if name.startswith("duckdb:") else Path(name).suffix for name in texts}
    assert {".parquet", ".csv", ".md", ".json", ".html", "duckdb"} <= kinds
    # positive control: published free text (an action title of the planted workbook) is found by this search
    assert [name for name, text in texts.items() if "cliquez" in text.casefold()]
    leaks = [(name, secret) for name, text in texts.items() for secret in planted.PLANTED
             for variant in _variants(secret) if variant in text.casefold()]
    assert leaks == []


@pytest.mark.slow
def test_a_quarantined_roster_row_reports_the_problem_not_the_name(site):
    rows = site.query("select row_number, field, value, reason from marts.quality_report "
                      "where source_file = 'coordonnateurs/recensement_coordonnateurs_2022-06-30.csv' order by 1, 2")
    assert rows == [
        (3, "etp", "1,5", "etp hors de ]0 ; 1]"),
        (4, "coordonnateur", "(nom masqué)", "octets invalides pour l'encodage UTF-8"),
    ]


def test_the_pseudonymisation_key_is_never_committed():
    tracked = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout
    assert [name for name in tracked.splitlines() if name.endswith(".key") or ".ptsm-secret" in name] == []
    ignored = subprocess.run(["git", "check-ignore", "-q", "data/.ptsm-secret/pseudonymisation.key"], cwd=PROJECT_ROOT)
    assert ignored.returncode == 0


@pytest.mark.slow
def test_the_key_is_generated_per_installation_readable_by_its_owner_only(site, tmp_path):
    key = site.secret_dir / "pseudonymisation.key"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert re.fullmatch(r"[0-9a-f]{64}", key.read_text().strip())
    from pipelines.lib.staging.pseudonym import load_or_create_key

    assert load_or_create_key(tmp_path).hex() != key.read_text().strip()  # another installation, another key


# --- statistical disclosure control -------------------------------------------------------------------------------

def _region_rows(site, wave, region, question):
    return site.query("select answer, n, denominator, share, suppressed from marts.survey_results_region "
                      "where wave = ? and region_code = ? and question = ? order by answer", [wave, region, question])


@pytest.mark.slow
def test_a_region_holding_nearly_every_respondent_is_masked_whole(site):
    # 2024: region 84 has 12 of the 13 respondents, region 32 the 13th. Whatever 84 shows, the national results
    # minus 84 are region 32's lone respondent (and 84's denominator 12 says the others hold 1): so 84, the only
    # region with 5 respondents or more, is masked whole, denominators included (issue 20 §1)
    masked = [("Autre", None, None, None, True), ("CDD", None, None, None, True), ("CDI", None, None, None, True),
              ("Titulaire de la fonction publique", None, None, None, True)]
    assert _region_rows(site, 2024, "84", "contrat") == masked
    assert _region_rows(site, 2024, "84", "temps_travail") == [
        ("Temps partiel", None, None, None, True), ("Temps plein", None, None, None, True)]
    # region 32 has one respondent: every cell and the denominator are hidden
    assert _region_rows(site, 2024, "32", "contrat") == masked
    # the national results are not suppressed
    assert site.query("select n from marts.survey_results where wave = 2024 and question = 'contrat' "
                      "and answer = 'CDI'") == [(7,)]
    assert site.query("select n, denominator from marts.survey_results where wave = 2024 and question = 'contrat' "
                      "and answer = 'Titulaire de la fonction publique'") == [(1, 13)]


@pytest.mark.slow
def test_every_published_regional_cell_respects_the_rules(site):
    rows = site.query("select wave, region_code, question, n, denominator, suppressed from marts.survey_results_region")
    assert rows
    groups: dict[tuple, list] = {}
    for wave, region, question, n, denominator, suppressed in rows:
        assert suppressed == (n is None)
        assert n is None or (n >= 5 and denominator >= 5)
        assert denominator is None or denominator >= 5
        groups.setdefault((wave, region, question), []).append((n, denominator, suppressed))
    # and nothing masked can be recomputed: the integer-programming audit of everything published on the survey
    from pipelines.lib.quality.survey_audit import audit_marts

    with duckdb.connect(str(site.db), read_only=True) as con:
        regions = [r for (r,) in con.execute("select distinct region_code from ref_ptsm_registry").fetchall()]
        assert audit_marts(con, regions).messages() == []


@pytest.mark.slow
def test_the_region_export_copies_the_suppressed_cells_as_published(site):
    path = site.root.parent / "export_84" / "survey_results_region.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert {r["region_code"] for r in rows} == {"84"}
    cells = {(r["question"], r["answer"]): (r["n"], r["denominator"], r["share"], r["suppressed"])
             for r in rows if r["wave"] == "2024"}
    assert cells[("temps_travail", "Temps plein")] == ("", "", "", "vrai")
    assert cells[("contrat", "CDI")] == ("", "", "", "vrai")
    from pipelines.lib.publish.french_csv import format_cell

    published = site.query("select question, answer, n, denominator, share, suppressed from marts.survey_results_region "
                           "where wave = 2024 and region_code = '84'")
    assert cells == {(q, a): tuple(format_cell(v) for v in rest) for q, a, *rest in published}


# --- formula injection --------------------------------------------------------------------------------------------

NUMBER = re.compile(r"^-?[0-9]+(,[0-9]+)?$")


def _csv_cells(path: Path):
    text = path.read_text(encoding="utf-8-sig")
    yield from (cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") for cell in row)


@pytest.mark.slow
def test_no_published_csv_cell_starts_like_a_formula(site):
    release = Path(os.path.realpath(site.marts))
    files = sorted(release.glob("*.csv")) + sorted((site.root.parent / "export_84").glob("*.csv"))
    assert len(files) > 14
    offending = [(p.name, c) for p in files for c in _csv_cells(p) if c.startswith(FORMULA_STARTS)
                 and not NUMBER.match(c)]
    assert offending == []
    titles = {c for c in _csv_cells(release / "ptsm_actions.csv")}
    for title in planted.FORMULA_TITLES:
        assert "'" + title in titles, title
