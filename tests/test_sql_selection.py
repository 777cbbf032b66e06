"""SQL unit tier: which file or row counts, why the others are set aside, and the quality report that lists them.

Each model is built by the project's loader on an in-memory DuckDB seeded with a few rows (tests/sql_unit.py).
Expected tables are worked out by hand from the seeds.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.sql_unit import build_model

WORKBOOKS = "source_file varchar, file_date date, ptsm_id varchar"
SAME_DATE = "deux classeurs du même PTSM à la même date (2022-03-01) : les deux sont écartés"
NO_PTSM = "aucune ligne du classeur ne porte un ptsm_id du registre : classeur écarté"


def current_workbooks(rows: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """(current_workbooks, set-aside workbooks) for the given staging.action_workbooks rows."""
    con = duckdb.connect()
    selection = build_model("staging/workbook_selection", {"staging.action_workbooks": (WORKBOOKS, rows)}, con=con)
    current = build_model("staging/current_workbooks", {}, con=con)
    set_aside = [(source, reason) for _, source, _, _, reason in selection if reason is not None]
    return [(p, s, str(d)) for p, s, d in current], sorted(set_aside)


@pytest.mark.parametrize("rows, current, set_aside", [
    # the plain case: the latest of two dated workbooks counts, the older one is history (not reported)
    ([("a_2022-01-01.xlsx", "2022-01-01", "PTSM-01"), ("b_2022-02-01.xlsx", "2022-02-01", "PTSM-01")],
     [("PTSM-01", "b_2022-02-01.xlsx", "2022-02-01")], []),
    # same date at the top: both set aside, and the PTSM falls back to its latest readable other workbook
    ([("a_2022-01-01.xlsx", "2022-01-01", "PTSM-01"), ("b_2022-03-01.xlsx", "2022-03-01", "PTSM-01"),
      ("c_2022-03-01.xlsx", "2022-03-01", "PTSM-01")],
     [("PTSM-01", "a_2022-01-01.xlsx", "2022-01-01")],
     [("b_2022-03-01.xlsx", SAME_DATE), ("c_2022-03-01.xlsx", SAME_DATE)]),
    # same date with nothing older: the PTSM has no current workbook at all (null counts downstream, not zeros)
    ([("b_2022-03-01.xlsx", "2022-03-01", "PTSM-02"), ("c_2022-03-01.xlsx", "2022-03-01", "PTSM-02")],
     [], [("b_2022-03-01.xlsx", SAME_DATE), ("c_2022-03-01.xlsx", SAME_DATE)]),
    # an older same-date pair under a newer workbook: the newer one counts, the pair is still reported
    ([("b_2022-03-01.xlsx", "2022-03-01", "PTSM-01"), ("c_2022-03-01.xlsx", "2022-03-01", "PTSM-01"),
      ("d_2022-06-01.xlsx", "2022-06-01", "PTSM-01")],
     [("PTSM-01", "d_2022-06-01.xlsx", "2022-06-01")],
     [("b_2022-03-01.xlsx", SAME_DATE), ("c_2022-03-01.xlsx", SAME_DATE)]),
    # two PTSM on the same date is no conflict: the rule is per PTSM
    ([("p1_2022-03-01.xlsx", "2022-03-01", "PTSM-01"), ("p2_2022-03-01.xlsx", "2022-03-01", "PTSM-02")],
     [("PTSM-01", "p1_2022-03-01.xlsx", "2022-03-01"), ("PTSM-02", "p2_2022-03-01.xlsx", "2022-03-01")], []),
    # a workbook none of whose rows carries a registry id cannot count, and is named (not silently ignored)
    ([("vide_2022-03-01.xlsx", "2022-03-01", None), ("a_2022-01-01.xlsx", "2022-01-01", "PTSM-01")],
     [("PTSM-01", "a_2022-01-01.xlsx", "2022-01-01")], [("vide_2022-03-01.xlsx", NO_PTSM)]),
])
def test_current_workbooks(rows, current, set_aside):
    assert current_workbooks(rows) == (current, set_aside)


LEDGER = ("family varchar, source_file varchar, root varchar, size_bytes bigint, sha256 varchar, file_date date, "
          "wave integer, n_rows integer, outcome varchar, reason varchar, parser_fingerprint varchar")


def ledger_row(source: str, day: str, outcome: str = "lu", family: str = "coordonnateurs") -> tuple:
    return (family, source, "/x", 1, "s", day, None, 1, outcome, None, "f")


@pytest.mark.parametrize("files, selected, set_aside", [
    # the latest file is the complete history; older files are neither used nor reported
    ([ledger_row("r_2021-06-30.csv", "2021-06-30"), ledger_row("r_2022-03-31.xlsx", "2022-03-31")],
     "r_2022-03-31.xlsx", []),
    # two readable files on the latest date: the last by name counts, the other is reported naming it
    ([ledger_row("a_2022-03-31.csv", "2022-03-31"), ledger_row("b_2022-03-31.xlsx", "2022-03-31"),
      ledger_row("r_2021-06-30.csv", "2021-06-30")],
     "b_2022-03-31.xlsx", [("a_2022-03-31.csv", "autre recensement à la même date : seul b_2022-03-31.xlsx est retenu")]),
    # a quarantined newer file is not a roster: the latest readable one counts (its own reason is in raw.file_issues)
    ([ledger_row("r_2021-06-30.csv", "2021-06-30"), ledger_row("r_2023-01-31.xlsx", "2023-01-31", "quarantaine")],
     "r_2021-06-30.csv", []),
])
def test_roster_file_selection(files, selected, set_aside):
    rows = build_model("staging/latest_file_selection", {"raw.file_ledger": (LEDGER, files)})
    assert [source for _, source, _, is_selected, _ in rows if is_selected] == [selected]
    assert [(source, reason) for _, source, _, _, reason in rows if reason] == set_aside



def test_two_milestone_files_of_the_same_latest_date_are_never_merged():
    """The roster's rule, for the milestones (issue 19 §6: merged silently before): the last by name counts, the
    other is reported naming it, and the milestones come from the kept file only."""
    con = duckdb.connect()
    selection = build_model("staging/latest_file_selection", {"raw.file_ledger": (LEDGER, [
        ledger_row("statut_ptsm/a_2024-03-31.csv", "2024-03-31", family="statut_ptsm"),
        ledger_row("statut_ptsm/b_2024-03-31.csv", "2024-03-31", family="statut_ptsm"),
        ledger_row("coordonnateurs/r_2024-03-31.csv", "2024-03-31")])}, con=con)
    assert [(family, source, selected, reason) for family, source, _, selected, reason in selection] == [
        ("coordonnateurs", "coordonnateurs/r_2024-03-31.csv", True, None),
        ("statut_ptsm", "statut_ptsm/a_2024-03-31.csv", False,
         "autre fichier de statuts à la même date : seul statut_ptsm/b_2024-03-31.csv est retenu"),
        ("statut_ptsm", "statut_ptsm/b_2024-03-31.csv", True, None),
    ]
    milestones = build_model("staging/milestones", {"staging.milestone_rows": (
        "source_file varchar, row_number integer, ptsm_id varchar, date_arrete_ptsm date, date_signature_ctsm date, "
        "file_date date", [
            ("statut_ptsm/a_2024-03-31.csv", 2, "PTSM-01", "2020-01-01", None, "2024-03-31"),
            ("statut_ptsm/a_2024-03-31.csv", 3, "PTSM-02", "2020-02-01", None, "2024-03-31"),
            ("statut_ptsm/b_2024-03-31.csv", 2, "PTSM-01", "2021-06-30", "2022-01-15", "2024-03-31"),
        ])}, con=con)
    # PTSM-02 appears only in the set-aside file: it is not taken from it
    assert [(ptsm, str(approved), str(signed)) for ptsm, approved, signed, _ in milestones] == [
        ("PTSM-01", "2021-06-30", "2022-01-15")]

SURVEY = "source_file varchar, row_number integer, wave integer, response_id bigint, submitdate timestamp"
REPEATED = "identifiant de réponse répété dans la vague : seule la dernière ligne est retenue"
INCOMPLETE = "réponse incomplète (submitdate vide) : exclue des résultats"


@pytest.mark.parametrize("rows, expected", [
    # a repeated id keeps its last row in file order; the earlier one is reported
    ([("e.csv", 2, 2023, 4, "2023-05-03"), ("e.csv", 5, 2023, 4, "2023-05-04")],
     [("e.csv", 2, False, REPEATED), ("e.csv", 5, True, None)]),
    # the last row of a repeated id is incomplete: the response is excluded, each row with its own reason
    ([("e.csv", 2, 2023, 4, "2023-05-03"), ("e.csv", 5, 2023, 4, None)],
     [("e.csv", 2, False, REPEATED), ("e.csv", 5, False, INCOMPLETE)]),
    # the same id in two waves is two respondents, not a repetition
    ([("e2022.csv", 2, 2022, 1, "2022-06-01"), ("e2023.csv", 2, 2023, 1, "2023-05-01")],
     [("e2022.csv", 2, True, None), ("e2023.csv", 2, True, None)]),
    # two files of one wave: "last in file order" goes by file name, then row
    ([("e2023_a.csv", 9, 2023, 7, "2023-05-01"), ("e2023_b.csv", 2, 2023, 7, "2023-05-02")],
     [("e2023_a.csv", 9, False, REPEATED), ("e2023_b.csv", 2, True, None)]),
])
def test_survey_row_selection(rows, expected):
    got = build_model("staging/survey_row_selection", {"staging.survey_answers": (SURVEY, rows)})
    assert [(source, number, selected, reason) for source, number, _, _, selected, reason in got] == expected


def test_quality_report_is_the_union_of_what_each_layer_sets_aside():
    """One problem of each kind, each reported once, in the report's order (file, row with nulls first...)."""
    con = duckdb.connect()
    build_model("staging/workbook_selection", {"staging.action_workbooks": (WORKBOOKS, [
        ("fiches_actions/a_2022-03-01.xlsx", "2022-03-01", "PTSM-03"),
        ("fiches_actions/b_2022-03-01.xlsx", "2022-03-01", "PTSM-03")])}, con=con)
    build_model("staging/latest_file_selection", {"raw.file_ledger": (LEDGER, [
        ledger_row("coordonnateurs/a_2022-03-31.csv", "2022-03-31"),
        ledger_row("coordonnateurs/b_2022-03-31.csv", "2022-03-31")])}, con=con)
    build_model("staging/survey_row_selection", {"staging.survey_answers": (SURVEY, [
        ("enquete_coordonnateurs/e.csv", 6, 2023, 5, None)])}, con=con)
    report = build_model("marts/quality_report", {
        "raw.file_issues": ("family varchar, source_file varchar, row_number integer, field varchar, value varchar, "
                            "reason varchar", [
                                ("fiches_actions", "fiches_actions/sans_date.xlsx", None, "fichier", "sans_date.xlsx",
                                 "nom de fichier sans date AAAA-MM-JJ")]),
        "staging.row_issues": ("family varchar, source_file varchar, sheet varchar, row_number integer, field varchar, "
                               "value varchar, reason varchar", [
                                   ("fiches_actions", "fiches_actions/a_2022-03-01.xlsx", "actions", 3, "priorites", "7",
                                    "priorité hors de 1-6 : 7"),
                                   ("statut_ptsm", "statut_ptsm/s.csv", "", 4, "date_arrete_ptsm", "2020-02-30",
                                    "date illisible")]),
    }, order_by="source_file, row_number nulls first, field, reason, value", con=con)
    assert report == [
        ("coordonnateurs/a_2022-03-31.csv", None, "fichier", "2022-03-31",
         "autre recensement à la même date : seul coordonnateurs/b_2022-03-31.csv est retenu"),
        ("enquete_coordonnateurs/e.csv", 6, "id", "5", INCOMPLETE),
        ("fiches_actions/a_2022-03-01.xlsx", None, "fichier", "PTSM-03", SAME_DATE),
        # the sheet prefixes the field of a workbook row; a CSV row (no sheet) keeps its bare field
        ("fiches_actions/a_2022-03-01.xlsx", 3, "actions.priorites", "7", "priorité hors de 1-6 : 7"),
        ("fiches_actions/b_2022-03-01.xlsx", None, "fichier", "PTSM-03", SAME_DATE),
        ("fiches_actions/sans_date.xlsx", None, "fichier", "sans_date.xlsx", "nom de fichier sans date AAAA-MM-JJ"),
        ("statut_ptsm/s.csv", 4, "date_arrete_ptsm", "2020-02-30", "date illisible"),
    ]
