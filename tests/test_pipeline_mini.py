"""End to end on the hand-made export set (tests/fixtures/exports/mini, built by make_fixtures.py).

Every expected value below was worked out by hand from the fixture rows; the comments say how. Most tests read the
session's one in-process materialisation (`mini_run` in conftest.py); the `ptsm refresh` contract (summary, exit codes
0/1/3) is checked once on the real CLI in a subprocess, and the tests that need another state make their own copy."""

from __future__ import annotations

import re
import os
import shutil
from pathlib import Path

import pytest

from pipeline_runner import MINI_EXPORTS, PROJECT_ROOT, Run, materialise


@pytest.fixture
def run(mini_run):
    return mini_run


# --- ingestion and quarantine --------------------------------------------------------------------------------

def test_summary_is_printed(run):
    # the same lines on the real CLI: test_refresh_command_prints_its_summary_and_exits_0_1_or_3
    assert "fichiers analysés : 13 nouveaux ou modifiés, 0 inchangés" in run.output
    assert "11 fichiers lus, 2 fichiers en quarantaine" in run.output
    assert re.search(r"contrôles qualité : [1-9]\d* réussis, 0 en échec", run.output)


def test_quality_report_lists_every_problem_with_its_reason(run):
    rows = run.query("select source_file, row_number, field, value, reason from marts.quality_report")
    expected = {
        ("coordonnateurs/recensement_coordonnateurs_2022-03-31.xlsx", 10, "ptsm_id", "PTSM-00", "ptsm_id inconnu du registre : PTSM-00"),
        ("coordonnateurs/recensement_coordonnateurs_2022-03-31.xlsx", 11, "etp", "1.5", "etp hors de ]0 ; 1]"),
        # a Windows-1252 CSV: the guessed encoding is said (issue 23 §1)
        ("enquete_coordonnateurs/enquete_2023_test.csv", None, "encodage", "Windows-1252",
         "encodage non déclaré : fichier lu comme Windows-1252 ; si des accents ou le signe € sont faux, enregistrez-le "
         "en « CSV UTF-8 » et renvoyez-le"),
        ("enquete_coordonnateurs/enquete_2023_test.csv", 4, "experience", "Vingt ans", "valeur inconnue (expérience) : Vingt ans"),
        ("enquete_coordonnateurs/enquete_2023_test.csv", 5, "id", "4", "identifiant de réponse répété dans la vague : seule la dernière ligne est retenue"),
        ("enquete_coordonnateurs/enquete_2023_test.csv", 6, "id", "5", "réponse incomplète (submitdate vide) : exclue des résultats"),
        ("enquete_coordonnateurs/enquete_2023_test.csv", 8, "ptsm_id", "PTSM-99", "ptsm_id inconnu du registre : PTSM-99"),
        ("fiches_actions/corrompu_2022-03-01.xlsx", None, "fichier", "corrompu_2022-03-01.xlsx", "classeur XLSX illisible (pas une archive valide)"),
        ("fiches_actions/fiche_sans_date.xlsx", None, "fichier", "fiche_sans_date.xlsx", "nom de fichier sans date AAAA-MM-JJ"),
        ("fiches_actions/ptsm02_2022-02-01.xlsx", 3, "actions.priorites", "7", "priorité hors de 1-6 : 7"),
        ("fiches_actions/ptsm02_2022-02-01.xlsx", 3, "financements.montant_eur", "-50", "montant négatif"),
        ("fiches_actions/ptsm02_2022-02-01.xlsx", 4, "actions.publics", "Martiens", "valeur inconnue (public) : Martiens"),
        ("fiches_actions/ptsm02_2022-02-01.xlsx", 4, "financements.num_action", "9", "num_action absent de la feuille actions"),
        ("fiches_actions/ptsm02_2022-02-01.xlsx", 5, "actions.ptsm_id", "PTSM-03", "ptsm_id différent de celui du classeur (PTSM-02)"),
        ("fiches_actions/ptsm02_2022-02-01.xlsx", 5, "financements.num_action", "2", "ligne de financement d'une action en quarantaine"),
        ("fiches_actions/ptsm03a_2022-03-01.xlsx", None, "fichier", "PTSM-03", "deux classeurs du même PTSM à la même date (2022-03-01) : les deux sont écartés"),
        ("fiches_actions/ptsm03b_2022-03-01.xlsx", None, "fichier", "PTSM-03", "deux classeurs du même PTSM à la même date (2022-03-01) : les deux sont écartés"),
        ("statut_ptsm/statut_ptsm_2022-03-31.csv", 4, "date_arrete_ptsm", "2020-02-30",
         "date illisible : « 2020-02-30 » (formats acceptés : AAAA-MM-JJ, JJ/MM/AAAA)"),
    }
    assert set(rows) == expected
    assert len(rows) == len(expected)


def test_raw_keeps_every_source_row_and_extra_columns(run):
    # 7 survey rows in 2023 + 1 in 2022; the free-text 'commentaire' column is kept in raw only
    assert run.query("select count(*) from raw.survey") == [(8,)]
    assert run.query("select _extra from raw.survey where _row_number = 2 and _source_file like '%2023%'") == [
        ('{"commentaire": "Je m\'appelle Jeanne Témoin"}',)
    ]
    # the XLSX title block is skipped: the roster header is on spreadsheet row 4, data from row 5
    assert run.query("select min(_row_number) from raw.roster where _source_file like '%2022-03-31.xlsx'") == [(5,)]


def test_staged_values_are_typed_and_canonical(run):
    # decimal comma and euro sign; synonym 'Titulaire'; excel dates
    rows = run.query(
        "select etp, date_debut::varchar, type_contrat, porteur, financement_ars_eur, cofinancement_eur "
        "from staging.roster_posts where ptsm_id = 'PTSM-01' order by date_debut")
    assert rows == [
        (1.0, "2020-01-01", "CDI", "Établissement sanitaire", 57700.0, 0.0),
        (0.5, "2021-07-01", "CDD", "Association", 28850.0, 5000.0),
    ]
    assert run.query("select type_contrat from staging.roster_posts where ptsm_id = 'PTSM-02' and date_debut = '2021-04-01'") == [
        ("Titulaire de la fonction publique",)
    ]
    actions = run.query("select num_action, priorities, publics, thematiques, secteurs, statut, priorisee_ctsm "
                        "from staging.current_actions where ptsm_id = 'PTSM-01' order by num_action")
    assert actions == [
        ("A1", [1, 2], ["perinatalite", "enfants"], ["pedopsychiatrie_liaison"], ["sanitaire", "medico_social", "social"], "En cours", True),
        ("A2", [1, 4], ["adolescents_jeunes"], [], ["sanitaire"], "Réalisée", False),
        ("A3", [6], ["precarite"], ["logement"], ["social", "usagers"], "Non démarrée", None),
    ]
    assert run.query("select montant_eur from staging.current_funding where ptsm_id = 'PTSM-01' and num_action = 'A1' and financeur = 'ars_fir'") == [(12500.5,)]


def test_names_are_pseudonymised(run):
    ids = run.query("select coordonnateur_id from staging.roster_posts")
    assert ids and all(i.startswith("P-") and "Témoin" not in i for (i,) in ids)
    assert (run.root / "secret" / "pseudonymisation.key").exists()


# --- marts ------------------------------------------------------------------------------------------------

def test_priority_coverage(run):
    rows = run.query("select ptsm_id, priority, n_actions, n_actions_implemented, covered from marts.ptsm_priority_coverage "
                     "where ptsm_id in ('PTSM-01', 'PTSM-02', 'PTSM-03', 'PTSM-04') order by ptsm_id, priority")
    assert rows == [
        # PTSM-01: A1 (1;2, En cours), A2 (1,4, Réalisée), A3 (6, Non démarrée); A4 (3) is abandoned
        ("PTSM-01", 1, 2, 2, True), ("PTSM-01", 2, 1, 1, True), ("PTSM-01", 3, 0, 0, False),
        ("PTSM-01", 4, 1, 1, True), ("PTSM-01", 5, 0, 0, False), ("PTSM-01", 6, 1, 0, True),
        # PTSM-02: only action 1 (2/4) survives quarantine
        ("PTSM-02", 1, 0, 0, False), ("PTSM-02", 2, 1, 1, True), ("PTSM-02", 3, 0, 0, False),
        ("PTSM-02", 4, 1, 1, True), ("PTSM-02", 5, 0, 0, False), ("PTSM-02", 6, 0, 0, False),
        # PTSM-03: falls back to its 2021-12-01 workbook (X1: 3 5, Réalisée)
        ("PTSM-03", 1, 0, 0, False), ("PTSM-03", 2, 0, 0, False), ("PTSM-03", 3, 1, 1, True),
        ("PTSM-03", 4, 0, 0, False), ("PTSM-03", 5, 1, 1, True), ("PTSM-03", 6, 0, 0, False),
        # PTSM-04 sent no workbook: unknown, not zero
        *[("PTSM-04", p, None, None, None) for p in range(1, 7)],
    ]
    assert run.query("select count(*) from marts.ptsm_priority_coverage") == [(624,)]


def test_public_coverage(run):
    rows = run.query("select ptsm_id, public, n_actions from marts.ptsm_public_coverage "
                     "where ptsm_id = 'PTSM-01' and n_actions > 0 order by public")
    assert rows == [("PTSM-01", "adolescents_jeunes", 1), ("PTSM-01", "enfants", 1),
                    ("PTSM-01", "perinatalite", 1), ("PTSM-01", "precarite", 1)]
    # 'Détenus' only appears on the abandoned action
    assert run.query("select covered from marts.ptsm_public_coverage where ptsm_id = 'PTSM-01' and public = 'justice'") == [(False,)]
    assert run.query("select count(*) from marts.ptsm_public_coverage") == [(104 * 14,)]


def test_vacancy_monthly(run):
    rows = run.query("select snapshot_date::varchar, coordinators_in_post, fte_in_post, vacant from marts.coordinator_vacancy_monthly "
                     "where ptsm_id = 'PTSM-02' and snapshot_date <= '2021-04-30' order by snapshot_date")
    # Chloé's last day worked is 2021-03-30 and David starts 2021-04-01: vacant on 2021-03-31 only
    assert rows == [("2021-01-31", 1, 0.8, False), ("2021-02-28", 1, 0.8, False),
                    ("2021-03-31", 0, 0.0, True), ("2021-04-30", 1, 1.0, False)]
    # PTSM-01 has two coordinators at once from July 2021 (1 + 0.5 FTE)
    assert run.query("select coordinators_in_post, fte_in_post from marts.coordinator_vacancy_monthly "
                     "where ptsm_id = 'PTSM-01' and snapshot_date = '2021-07-31'") == [(2, 1.5)]
    # 15 month ends from 2021-01-31 to the roster date 2022-03-31, for all 104 PTSM
    assert run.query("select count(distinct snapshot_date), count(*) from marts.coordinator_vacancy_monthly") == [(15, 15 * 104)]


def test_vacancy_national(run):
    rows = run.query("select snapshot_date::varchar, n_ptsm, n_vacant, vacancy_rate, coordinators_in_post, fte_in_post "
                     "from marts.coordinator_vacancy_national where snapshot_date in ('2021-01-31', '2021-03-31', '2022-03-31') "
                     "order by snapshot_date")
    assert rows == [
        ("2021-01-31", 104, 101, 101 / 104, 3, 2.8),   # Alice, Chloé, Emma
        ("2021-03-31", 104, 102, 102 / 104, 2, 2.0),   # Alice, Emma (PTSM-02 vacant that day)
        ("2022-03-31", 104, 102, 102 / 104, 3, 2.5),   # Alice, Bruno, David (Emma left 2021-12-31)
    ]


def test_cofunding(run):
    rows = run.query("select ptsm_id, total_eur, ars_eur, non_ars_eur, cofunding_share, n_funded_actions, "
                     "n_cofunded_actions, n_tripartite_actions, n_current_actions from marts.ptsm_cofunding "
                     "where ptsm_id in ('PTSM-01', 'PTSM-02', 'PTSM-03', 'PTSM-04') order by ptsm_id")
    assert rows == [
        # A1: FIR 12 500,50 + CPAM 2 500 (cofunded, tripartite); A2: DAF 10 000 + FIR 5 000 (ARS only)
        ("PTSM-01", 30000.5, 27500.5, 2500.0, 2500 / 30000.5, 2, 1, 1, 3),
        # action 1: CD 3 000 (the FIR -50 line is quarantined): one funder only, so not cofunded
        ("PTSM-02", 3000.0, 0.0, 3000.0, 1.0, 1, 0, 0, 1),
        # a workbook without funding lines: zero euros, unknown share
        ("PTSM-03", 0.0, 0.0, 0.0, None, 0, 0, 0, 1),
        ("PTSM-04", None, None, None, None, None, None, None, None),
    ]


def test_overview(run):
    rows = run.query("select ptsm_id, population, actions_snapshot_date::varchar, n_current_actions, priorities_covered, "
                     "publics_covered, vacant_latest, vacancy_months_since_2021, coordinators_since_2021, "
                     "coordinator_posts_cofunded, date_arrete_ptsm::varchar, date_signature_ctsm::varchar, ctsm_signed "
                     "from marts.ptsm_overview where ptsm_id in ('PTSM-01', 'PTSM-02', 'PTSM-03', 'PTSM-04') order by ptsm_id")
    assert rows == [
        ("PTSM-01", 679344, "2022-03-01", 3, 4, 4, False, 0, 2, 1, "2019-12-03", "2021-06-30", True),
        ("PTSM-02", 523342, "2022-02-01", 1, 2, 1, False, 1, 2, 0, "2020-01-15", None, False),
        ("PTSM-03", 333298, "2021-12-01", 1, 2, 1, True, 3, 1, 0, None, None, None),
        ("PTSM-04", 168054, None, None, None, None, True, 15, 0, 0, None, None, None),
    ]
    assert run.query("select count(*) from marts.ptsm_overview") == [(104,)]


def test_survey_results(run):
    def result(question):
        return run.query("select answer, n, denominator from marts.survey_results where wave = 2023 and question = ? "
                         "order by n desc, answer", [question])

    # ids 1, 2, 3, 4 (its last row) and 6 are complete; 5 is incomplete
    assert result("contrat") == [("CDD", 3, 5), ("CDI", 1, 5), ("Titulaire de la fonction publique", 1, 5), ("Autre", 0, 5)]
    # CDD respondents who answered: 1 (1 an) and 6 (2 ans); 2 skipped the question
    assert result("duree_cdd")[:2] == [("1 an", 1, 2), ("2 ans", 1, 2)]
    assert result("quotite") == [("50", 1, 2), ("80", 1, 2)]
    assert result("autres_missions") == [("non", 3, 4), ("oui", 1, 4)]  # id 6 did not answer
    assert result("experience")[0] == ("16 ans et plus", 2, 4)  # 'Vingt ans' became a missing answer
    assert result("moyens[vehicule]") == [("oui", 2, 5)]
    assert result("moyens[aucun]") == [("oui", 0, 5)]  # id 4's last row ticks nothing
    # FTE salary: 2 250,50 (full); 1 600 at 80 % -> 2 000; 1 400 at 50 % -> 2 800; 3 100 (full); id 6 no salary
    assert result("salaire_etp_tranche") == [("2000-2299", 2, 4), ("2500-2999", 1, 4), (">=3000", 1, 4),
                                             ("2300-2499", 0, 4), ("<2000", 0, 4)]
    assert run.query("select answer, n, denominator from marts.survey_results where wave = 2022 and question = 'salaire_etp_tranche' and n > 0") == [
        ("2300-2499", 1, 1)]  # "2410,5" in a UTF-8-BOM comma file


def test_posts_national(run):
    rows = run.query("select dimension, value, n_posts, denominator from marts.coordinator_posts_national order by dimension, value")
    assert rows == [
        ("cofinancement", "non", 2, 3), ("cofinancement", "oui", 1, 3),
        ("financement_ars_median", "57700.0", 3, 3),
        ("porteur", "Association", 1, 3), ("porteur", "Établissement sanitaire", 2, 3),
        ("type_contrat", "CDD", 1, 3), ("type_contrat", "CDI", 1, 3), ("type_contrat", "Titulaire de la fonction publique", 1, 3),
    ]


def test_population_coverage(run):
    rows = run.query("select n_ptsm_known, n_ptsm_covered, population_known, population_covered "
                     "from marts.population_coverage where dimension = 'priorite' and item = '1'")
    # known: PTSM-01, 02, 03; only PTSM-01 (679 344 inhabitants) covers priority 1
    assert rows == [(3, 1, 679344 + 523342 + 333298, 679344)]


def test_published_comparison_never_copies_and_judges(run):
    rows = dict((r[0], r[1:]) for r in run.query(
        "select figure_id, computed_value, status from marts.published_comparison"))
    assert rows["ptsm_count"] == ("104", "reproduced")
    assert rows["ptsm_count_na"] == ("10", "reproduced")
    assert rows["survey_n"] == ("5", "differs")
    assert rows["survey_cdd"] == ("60", "differs")  # 3/5
    assert rows["first_ptsm_date"] == ("2019-12-03", "differs")
    assert rows["cdc_transition"] == (None, "not_computable")
    assert rows["coord_in_post_2024q1"] == (None, "not_computable")  # the roster stops in 2022


# --- publication and idempotence ------------------------------------------------------------------------------

def test_marts_are_published(run):
    names = {p.name for p in run.marts.iterdir()}
    for mart in ("ptsm_priority_coverage", "quality_report", "published_comparison", "survey_results"):
        assert f"{mart}.parquet" in names and f"{mart}.csv" in names
    assert "DICTIONNAIRE.md" in names and "manifest.json" in names


def test_regional_survey_breakdown_is_suppressed_below_five(run):
    # region 84 (PTSM-01, PTSM-03) has 2 respondents in 2023, region 32 (PTSM-02) 1: every cell is under 5
    rows = run.query("select count(*), count(n), count(denominator), bool_and(suppressed) from marts.survey_results_region")
    total, shown, denominators, all_suppressed = rows[0]
    assert total > 0 and shown == 0 and denominators == 0 and all_suppressed
    # a fixed grid: every region of the registry, whether or not it has respondents (row presence tells nothing);
    # the unknown PTSM-99 respondent has no region and is left out of the regional breakdown
    assert run.query("select distinct region_code from marts.survey_results_region order by 1") == run.query(
        "select distinct region_code from ref_ptsm_registry where region_code is not null order by 1")


def test_unused_synonyms_are_reported(run):
    unused = {(kind, synonym) for kind, _, synonym in run.query("select * from staging.unused_synonyms")}
    # used by the fixtures: 'Précaires', 'Adolescents', 'CPAM', 'DAF psy', 'FIR', 'Hôpital', 'Titulaire', 'Master'
    for used in [("public", "précaires"), ("public", "adolescents"), ("financeur", "CPAM"), ("financeur", "DAF psy"),
                 ("financeur", "FIR"), ("porteur", "Hôpital"), ("contrat", "Titulaire"), ("diplome", "Master")]:
        assert used not in unused, used
    # never met in the fixtures
    assert {("public", "ASE"), ("financeur", "MILDECA"), ("secteur", "GEM")} <= unused



# --- the refresh contract, reruns and other states (each its own installation) ------------------------------------

def _mini_copy(root: Path) -> Path:
    raw = root / "raw"
    shutil.copytree(MINI_EXPORTS, raw)
    return raw


def _published(marts: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in marts.iterdir() if p.suffix in (".parquet", ".csv")}


@pytest.mark.slow
def test_refresh_command_prints_its_summary_and_exits_0_1_or_3(tmp_path, mini_copy):
    """The real CLI in a process of its own, on a copy of the session's mini installation (its exports folder new to
    it: every file read again; an empty warehouse's first run is the session's sample refresh, `sample_release`)."""
    from pipelines.lib.warehouse.locking import refresh_lock

    site = Run(mini_copy.root, mini_copy.raw_dir)
    first = site.refresh()
    assert first.returncode == 0, first.output
    assert "fichiers analysés : 13 nouveaux ou modifiés, 0 inchangés" in first.output
    assert "11 fichiers lus, 2 fichiers en quarantaine" in first.output
    assert re.search(r"contrôles qualité : [1-9]\d* réussis, 0 en échec", first.output)
    assert f"marts publiés dans {site.marts}" in first.output
    published = _published(site.marts)

    # 3: another refresh holds the lock (here: this process)
    with refresh_lock(site.db, wait=0):
        locked = site.run("refresh", "--no-reports", "--wait", "0.2")
    assert locked.returncode == 3, locked.stdout
    assert f"un autre rafraîchissement est en cours (PID {os.getpid()}, " in locked.stdout

    # 1: a mart whose SQL does not run; the previous publication stays
    sql = tmp_path / "sql"
    shutil.copytree(PROJECT_ROOT / "sql", sql)
    (sql / "marts" / "ptsm_cofunding.sql").write_text("select * from marts.no_such_table\n", encoding="utf-8")
    failed = site.refresh(PTSM_SQL_DIR=str(sql))
    assert failed.returncode == 1, failed.output
    assert "étape en échec : marts__ptsm_cofunding" in failed.output
    assert "ÉCHEC : la publication précédente reste en place." in failed.output
    assert "marts publiés dans" not in failed.output
    assert _published(site.marts) == published


@pytest.mark.slow
def test_rerun_parses_nothing_and_publishes_identical_marts(tmp_path):
    raw = _mini_copy(tmp_path)
    first = materialise(tmp_path / "site", raw)
    before = _published(first.marts)
    again = materialise(tmp_path / "site", raw)
    assert again.returncode == 0, again.output
    assert "fichiers analysés : 0 nouveaux ou modifiés, 13 inchangés" in again.output
    assert again.query("select count(*) from raw.file_ledger") == [(13,)]
    assert _published(again.marts) == before


@pytest.mark.slow
def test_incremental_run_matches_a_run_from_scratch(tmp_path):
    # a new workbook lands for PTSM-02: only that file is parsed, and the marts equal a from-scratch run's
    raw = _mini_copy(tmp_path)
    materialise(tmp_path / "site", raw)
    new = raw / "fiches_actions" / "ptsm02_2022-03-15.xlsx"
    shutil.copy(raw / "fiches_actions" / "ptsm03_2021-12-01.xlsx", new)  # carries PTSM-03 rows: a newer PTSM-03 snapshot
    incremental = materialise(tmp_path / "site", raw)
    assert incremental.returncode == 0, incremental.output
    assert "fichiers analysés : 1 nouveaux ou modifiés, 13 inchangés" in incremental.output
    assert incremental.query("select count(*) from raw.file_ledger") == [(14,)]
    scratch = materialise(tmp_path / "scratch", raw)
    assert scratch.returncode == 0, scratch.output
    for name in ("ptsm_priority_coverage", "ptsm_overview", "ptsm_cofunding", "quality_report", "survey_results"):
        assert (incremental.marts / f"{name}.parquet").read_bytes() == (scratch.marts / f"{name}.parquet").read_bytes(), name


@pytest.mark.slow
def test_two_rosters_with_the_same_date_count_once(tmp_path):
    # a CSV copy of the current roster's date next to the XLSX: one file counts (the last by name), the other is
    # reported, and FTE is not doubled (2022-03-31: Alice 1 + Bruno 0.5 + David 1, as in test_vacancy_national)
    raw = tmp_path / "raw"
    shutil.copytree(MINI_EXPORTS, raw)
    roster = raw / "coordonnateurs"
    (roster / "recensement_coordonnateurs_2022-03-31.csv").write_bytes(
        (roster / "recensement_coordonnateurs_2021-06-30.csv").read_bytes())
    same_date = materialise(tmp_path / "site", raw)
    assert same_date.returncode == 0, same_date.output
    assert same_date.query("select coordinators_in_post, fte_in_post from marts.coordinator_vacancy_national "
                           "where snapshot_date = '2022-03-31'") == [(3, 2.5)]
    assert same_date.query("select source_file, reason from marts.quality_report where reason like 'autre recensement%'") == [
        ("coordonnateurs/recensement_coordonnateurs_2022-03-31.csv",
         "autre recensement à la même date : seul coordonnateurs/recensement_coordonnateurs_2022-03-31.xlsx est retenu")]
