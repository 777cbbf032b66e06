"""The bundled synthetic sample: reproducible byte for byte, and calibrated to the report's figures.

That the pipeline, reading the sample, reproduces the report's published figures is tested on what it publishes
(tests/test_sample_end_to_end.py, marts/published_comparison). Here: the generator, the exact counts behind the
shares (pipelines/sample/targets.py, read on the session's one sample release, tests/conftest.py), the report's
blind spots, and the defects the sample's README promises.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipelines.lib.ingest import readers
from pipelines.sample import generate

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
# the report's blind spots (ch. 4.1, docs/contract.md §3: the starred publics) and its mainstream publics
BLIND_SPOTS = ("perinatalite", "precarite", "migrants", "justice", "enfance_protegee", "addictions", "tnd",
               "personnes_agees")
MAINSTREAM = ("population_generale", "adolescents_jeunes", "troubles_severes", "professionnels")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow  # generates the whole sample twice
def test_sample_is_reproducible(tmp_path):
    out = tmp_path / "sample"
    generate(out, seed=2024)
    expected, actual = _files(SAMPLE), _files(out)
    assert sorted(actual) == sorted(expected), "the committed sample and a fresh generation list different files"
    different = [name for name in expected if expected[name] != actual[name]]
    assert not different, f"regenerated files differ from data/sample/: {different[:10]}"


def test_generator_refuses_a_foreign_folder(tmp_path):
    (tmp_path / "README.md").write_text("# real exports\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        generate(tmp_path)


@pytest.mark.slow  # the session's sample release
def test_sample_exact_counts(sample_release):
    """The hand-worked counts behind the report's shares (targets.py), read on what the refresh publishes, so a drift
    is caught even inside a rounding band."""
    q = sample_release.query
    # report ch. 7.1: 89 coordinators in post on 2024-03-31 (people), 16 of the 104 PTSM without one
    assert q("select coordinators_in_post, n_vacant, n_ptsm from marts.coordinator_vacancy_national "
             "where snapshot_date = date '2024-03-31'") == [(89, 16, 104)]
    # report ch. 1.2: 57 700 EUR a year per département for the post (median ARS funding of the posts)
    [(median,)] = q("select value from marts.coordinator_posts_national where dimension = 'financement_ars_median'")
    assert float(median) == 57_700
    # annex 3: 47 complete responses in 2023; 31 with a vehicle (65 % is unreachable over 47); 33 of 44 see the ARS
    assert q("select n, denominator from marts.survey_results where wave = 2023 and question = 'moyens[vehicule]' "
             "and answer = 'oui'") == [(31, 47)]
    assert q("select n, denominator from marts.survey_results where wave = 2023 and question = 'rdv_ars' "
             "and answer = 'oui'") == [(33, 44)]
    # every registry PTSM has a plan; the two catalogues the report cites (ch. 4) are 135 and 140 actions long,
    # the other plans a realistic 10 to 60
    sizes = dict(q("select ptsm_id, n_current_actions from marts.ptsm_overview"))
    assert len(sizes) == 104 and None not in sizes.values()
    assert (sizes.pop("PTSM-46"), sizes.pop("PTSM-83")) == (135, 140)
    assert all(10 <= n <= 60 for n in sizes.values()), sizes
    # Lot-et-Garonne: 5 actions in its CTSM
    assert q("select count(*) from marts.ptsm_actions where ptsm_id = 'PTSM-47' and priorisee_ctsm") == [(5,)]


def test_coordinator_names_are_obviously_fake():
    """Every name in the sample's rosters says SYNTHETIQUE (read with the refresh's own reader)."""
    names = set()
    for path in sorted((SAMPLE / "coordonnateurs").glob("recensement_coordonnateurs_*")):
        for table in readers.read_tabular(path, key_column="ptsm_id").values():
            column = table.columns.index("coordonnateur")
            names |= {row[column] for _, row in table.rows if row[column]}
    assert len(names) > 100 and all("SYNTHETIQUE" in name for name in names)


@pytest.mark.slow  # the session's sample release
def test_sample_blind_spots_are_under_covered(sample_release):
    """Report ch. 4.1: vulnerable publics covered by a clear minority of PTSM, mainstream publics by most."""
    coverage = dict(sample_release.query(
        "select public, avg(covered::int) from marts.ptsm_public_coverage where covered is not null group by public"))
    assert all(coverage[p] <= 0.4 for p in BLIND_SPOTS), coverage
    assert all(coverage[p] >= 0.75 for p in MAINSTREAM), coverage
    assert coverage["justice"] < coverage["perinatalite"]


def test_sample_deliberate_defects_are_present():
    """The invalid rows the README lists are really in the files (so quality_report has something to show)."""
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and "SYNTHÉTIQUES" in readme
    for needle in ("`2;7`", "Gens du voyage", "`-4 500`", "`FA-99`", "`PTSM-99`", "à confirmer", "Je ne sais pas",
                   "brouillon", "empty submitdate"):
        assert needle in readme, needle
    survey = pd.read_csv(next((SAMPLE / "enquete_coordonnateurs").glob("*.csv")), sep=";", encoding="cp1252",
                         dtype=str, keep_default_na=False)
    assert (survey["submitdate"] == "").sum() == 4
    assert survey["id"].duplicated().sum() == 1
