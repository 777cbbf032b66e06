"""collection_status (issue 23 §3): one row per PTSM × family, its last file and its status against the rhythm,
worked out by hand on three PTSM.

Rhythm: fiches_actions and statut_ptsm monthly with one month's grace; roster per census, survey per wave, no grace.
"Now" of a family is its latest period read from any PTSM (fiches_actions: March 2025).
"""

from datetime import date, datetime

import duckdb

from tests.sql_unit import build_model

LEDGER = "family varchar, source_file varchar, file_date date, wave integer, outcome varchar, reason varchar, arrived_at timestamp"
ROWS = "_source_file varchar, _row_number integer, ptsm_id varchar"
PORTAL = "fiches_actions/PTSM-03_portail-20250405T080000Z-abcd_2025-03-31.xlsx"

SEEDS = {
    "ref_ptsm_registry": ("ptsm_id varchar, region_code varchar", [
        ("PTSM-01", "84"), ("PTSM-02", "32"), ("PTSM-03", "84")]),
    "raw.file_ledger": (LEDGER, [
        ("fiches_actions", "fiches_actions/PTSM-01_2025-03-31.xlsx", "2025-03-31", None, "lu", None, "2025-04-02 10:00:00"),
        ("fiches_actions", "fiches_actions/PTSM-02_2025-01-31.xlsx", "2025-01-31", None, "lu", None, "2025-02-03 09:00:00"),
        ("fiches_actions", "fiches_actions/PTSM-03_2025-02-28.xlsx", "2025-02-28", None, "lu", None, "2025-03-01 09:00:00"),
        ("fiches_actions", PORTAL, "2025-03-31", None, "quarantaine", "classeur protégé par un mot de passe", "2025-04-05 08:00:00"),
        ("statut_ptsm", "statut_ptsm/statut_ptsm_2025-03-31.csv", "2025-03-31", None, "lu", None, "2025-04-01 08:00:00"),
        ("coordonnateurs", "coordonnateurs/recensement_coordonnateurs_2024-12-31.csv", "2024-12-31", None, "lu", None, "2025-01-05 08:00:00"),
        ("coordonnateurs", "coordonnateurs/recensement_coordonnateurs_2025-03-31.csv", "2025-03-31", None, "lu", None, "2025-04-01 08:00:00"),
        ("enquete_coordonnateurs", "enquete_coordonnateurs/enquete_2024.csv", None, 2024, "lu", None, "2024-06-01 08:00:00"),
        ("hors_famille", "notes.csv", None, None, "quarantaine", "fichier hors des dossiers", None),
    ]),
    "raw.actions": (ROWS, [
        ("fiches_actions/PTSM-01_2025-03-31.xlsx", 2, "PTSM-01"),
        ("fiches_actions/PTSM-01_2025-03-31.xlsx", 3, "ptsm-01 "),
        ("fiches_actions/PTSM-02_2025-01-31.xlsx", 2, "PTSM-02"),
        ("fiches_actions/PTSM-03_2025-02-28.xlsx", 2, "PTSM-03"),
    ]),
    "raw.milestones": (ROWS, [
        ("statut_ptsm/statut_ptsm_2025-03-31.csv", 2, "PTSM-01"),
        ("statut_ptsm/statut_ptsm_2025-03-31.csv", 3, "PTSM-02"),
    ]),
    "raw.roster": (ROWS, [
        ("coordonnateurs/recensement_coordonnateurs_2024-12-31.csv", 2, "PTSM-01"),
        ("coordonnateurs/recensement_coordonnateurs_2024-12-31.csv", 3, "PTSM-01"),
        ("coordonnateurs/recensement_coordonnateurs_2024-12-31.csv", 4, "PTSM-03"),
        ("coordonnateurs/recensement_coordonnateurs_2025-03-31.csv", 2, "PTSM-01"),
    ]),
    "raw.survey": (ROWS, [
        ("enquete_coordonnateurs/enquete_2024.csv", 2, "PTSM-02"),
        ("enquete_coordonnateurs/enquete_2024.csv", 3, "PTSM-02"),
    ]),
    "marts.quality_report": ("source_file varchar, row_number integer, field varchar, value varchar, reason varchar", [
        ("fiches_actions/PTSM-01_2025-03-31.xlsx", 3, "actions.statut", "fini", "statut inconnu"),
        ("fiches_actions/PTSM-01_2025-03-31.xlsx", 3, "actions.priorites", "9", "priorité inconnue"),
        ("enquete_coordonnateurs/enquete_2024.csv", 3, "contrat", "X", "réponse inconnue"),
        ("notes.csv", None, "fichier", "notes.csv", "fichier hors des dossiers"),
    ]),
}


def status_rows() -> list[tuple]:
    con = duckdb.connect()
    build_model("marts/collection_status", SEEDS, con=con)
    return con.execute("""select ptsm_id, family, last_source_file, source, rows_loaded, rows_quarantined,
                                 periods_behind, status
                          from marts.collection_status order by ptsm_id, family""").fetchall()


def test_status_of_each_ptsm_and_family_worked_by_hand() -> None:
    assert status_rows() == [
        # census 2025-03 holds PTSM-01: up to date; its March workbook has 2 rows, row 3 flagged (twice: one row)
        ("PTSM-01", "coordonnateurs", "coordonnateurs/recensement_coordonnateurs_2025-03-31.csv", "dépôt", 1, 0, 0, "à jour"),
        ("PTSM-01", "enquete_coordonnateurs", None, None, 0, 0, None, "jamais reçu"),
        ("PTSM-01", "fiches_actions", "fiches_actions/PTSM-01_2025-03-31.xlsx", "dépôt", 1, 1, 0, "à jour"),
        ("PTSM-01", "statut_ptsm", "statut_ptsm/statut_ptsm_2025-03-31.csv", "dépôt", 1, 0, 0, "à jour"),
        # in no census at all
        ("PTSM-02", "coordonnateurs", None, None, 0, 0, None, "jamais reçu"),
        # wave 2024 is the latest wave: up to date, one row of two flagged
        ("PTSM-02", "enquete_coordonnateurs", "enquete_coordonnateurs/enquete_2024.csv", "dépôt", 1, 1, 0, "à jour"),
        # January workbook, March is the latest month: 2 months behind > 1 month of grace
        ("PTSM-02", "fiches_actions", "fiches_actions/PTSM-02_2025-01-31.xlsx", "dépôt", 1, 0, 2, "en retard"),
        ("PTSM-02", "statut_ptsm", "statut_ptsm/statut_ptsm_2025-03-31.csv", "dépôt", 1, 0, 0, "à jour"),
        # only in the December census, one census behind (no grace for a census)
        ("PTSM-03", "coordonnateurs", "coordonnateurs/recensement_coordonnateurs_2024-12-31.csv", "dépôt", 1, 0, 1, "en retard"),
        ("PTSM-03", "enquete_coordonnateurs", None, None, 0, 0, None, "jamais reçu"),
        # its last file (portal deposit, by its name) was refused; its last readable one is February: 1 behind
        ("PTSM-03", "fiches_actions", PORTAL, "portail", 0, 0, 1, "refusé"),
        ("PTSM-03", "statut_ptsm", None, None, 0, 0, None, "jamais reçu"),
    ]


def test_refused_file_gives_its_reason_and_arrival() -> None:
    con = duckdb.connect()
    build_model("marts/collection_status", SEEDS, con=con)
    assert con.execute("""select region_code, rhythm, last_file_date, arrived_at, refusal_reason
                          from marts.collection_status where ptsm_id = 'PTSM-03' and family = 'fiches_actions'""").fetchall() \
        == [("84", "mensuel", date(2025, 3, 31), datetime(2025, 4, 5, 8), "classeur protégé par un mot de passe")]
    assert con.execute("select last_wave from marts.collection_status where ptsm_id = 'PTSM-02' "
                       "and family = 'enquete_coordonnateurs'").fetchall() == [(2024,)]


def test_one_row_per_ptsm_and_family() -> None:
    rows = status_rows()
    assert len(rows) == 3 * 4 == len({(r[0], r[1]) for r in rows})
