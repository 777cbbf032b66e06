"""Hostile and broken export files never crash a run: each ends in `quality_report` with its reason.

The files are generated in a temporary folder (tests/fixtures/reliability/hostile.py), some of them large; one real
`ptsm refresh` reads them all beside the hand-made export set. Reader-level tests pin the limits (rows, bytes,
uncompressed size, memory), and `hypothesis` fuzzes the value parsers, the row typers and the CSV reader.
"""

from __future__ import annotations

import re
import datetime as dt
import io
import os
import struct
import sys
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipelines.lib.catalogue import families as fam
from pipelines.lib.ingest import raw as ingest
from pipelines.lib.core import parsing
from pipelines.lib.ingest import readers
from pipelines.lib.ingest.readers import FileRejected
from pipelines.lib.staging.typing_rows import STAGING_SCHEMAS

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "reliability"))
import hostile  # noqa: E402
from support import check_publication, copy_mini  # noqa: E402
from pipeline_runner import InProcessRun, materialise  # noqa: E402

MINI_SOURCE = Path(__file__).parent / "fixtures" / "exports" / "mini"
ACTION_SHEETS = {"actions": "actions", "financements": "funding"}
FUZZ = settings(suppress_health_check=[HealthCheck.too_slow])  # budget: the Hypothesis profile (tests/conftest.py)

# --- one refresh over every kind of hostile file ----------------------------------------------------------------

EXPECTED_FILE_REASONS = {
    "fiches_actions/aleatoire_2024-01-31.xlsx": "classeur XLSX illisible (pas une archive valide)",
    "fiches_actions/tronque_2024-01-31.xlsx": "classeur XLSX illisible (pas une archive valide)",
    "fiches_actions/bombe_2024-01-31.xlsx":
        "classeur refusé : 314572808 octets une fois décompressé (limite 209715200)",
    "enquete_coordonnateurs/enquete_2024_aleatoire.csv": "fichier binaire, pas un CSV texte",
    "enquete_coordonnateurs/enquete_2024_million.csv": "trop de lignes (plus de 100000)",
    "enquete_coordonnateurs/enquete_2024_cellule.csv": "CSV illisible : field larger than field limit (100000)",
    "statut_ptsm/statut_ptsm_2024-01-31.csv": "fichier trop volumineux (62914560 octets > 52428800)",
    "statut_ptsm/statut_ptsm_2024-02-29.csv": "lien symbolique vers l'extérieur du dossier des exports : non suivi",
    "coordonnateurs/dossier_2024-01-31.csv": "lien symbolique vers l'extérieur du dossier des exports : non suivi",
    "statut_ptsm/boucle_2024-03-31.csv": "lien symbolique cassé ou en boucle : non suivi",
    "statut_ptsm/tube_2024-04-30.csv": "pas un fichier ordinaire (dossier, tube...) : ignoré",
}
EXPECTED_ROW_REASONS = {
    ("enquete_coordonnateurs/enquete_2020_utf8.csv", 3, "contrat", "CD\ufffdD", "octets invalides pour l'encodage UTF-8"),
    ("enquete_coordonnateurs/enquete_2021_tronquee.csv", 5, "ligne", "3 champs",
     "ligne incomplète : 3 champs sur 22 (fichier tronqué ?)"),
    ("enquete_coordonnateurs/enquete_2021_tronquee.csv", 5, "ptsm_id", "PTSM-", "ptsm_id inconnu du registre : PTSM-"),
    ("fiches_actions/erreurs_2024-01-31.xlsx", 3, "actions.priorites", "#N/A", "cellule en erreur Excel (#N/A)"),
    ("fiches_actions/erreurs_2024-01-31.xlsx", 2, "financements.montant_eur", "#REF!",
     "cellule en erreur Excel (#REF!)"),
    # formulas are never evaluated: saved without a computed value, the cell is empty (and reported when required)
    ("fiches_actions/formules_2024-01-31.xlsx", 3, "actions.priorites", None, "priorité manquante"),
    ("fiches_actions/formules_2024-01-31.xlsx", 2, "financements.montant_eur", None, "montant_eur manquant"),
}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> InProcessRun:
    root = tmp_path_factory.mktemp("hostile")
    raw = copy_mini(root / "raw")
    outside = root / "outside"
    outside.mkdir()
    (outside / "statut.csv").write_text("ptsm_id;date_arrete_ptsm;date_signature_ctsm\nPTSM-07;2020-01-01;\n")
    actions, survey, roster, status = (raw / f for f in ("fiches_actions", "enquete_coordonnateurs", "coordonnateurs",
                                                         "statut_ptsm"))
    hostile.random_bytes(actions / "aleatoire_2024-01-31.xlsx")
    hostile.random_bytes(survey / "enquete_2024_aleatoire.csv")
    hostile.truncated(MINI_SOURCE / "fiches_actions" / "ptsm01_2022-03-01.xlsx", actions / "tronque_2024-01-31.xlsx")
    hostile.truncated(MINI_SOURCE / "enquete_coordonnateurs" / "enquete_2023_test.csv",
                      survey / "enquete_2021_tronquee.csv", keep=0.6)
    hostile.zip_bomb(actions / "bombe_2024-01-31.xlsx")
    hostile.million_row_csv(survey / "enquete_2024_million.csv")
    hostile.huge_cell_csv(survey / "enquete_2024_cellule.csv")
    hostile.oversized_file(status / "statut_ptsm_2024-01-31.csv", 60 * 1024 * 1024)
    hostile.invalid_utf8_csv(survey / "enquete_2020_utf8.csv")
    hostile.error_cells_workbook(actions / "erreurs_2024-01-31.xlsx")
    hostile.formula_workbook(actions / "formules_2024-01-31.xlsx")
    os.symlink(outside / "statut.csv", status / "statut_ptsm_2024-02-29.csv")
    os.symlink(outside, roster / "dossier_2024-01-31.csv")
    os.symlink("boucle_2024-03-31.csv", status / "boucle_2024-03-31.csv")
    hostile.fifo(status / "tube_2024-04-30.csv")
    run = materialise(root / "site", raw)  # in process, as `ptsm refresh` runs once it holds the lock
    assert run.returncode == 0, run.output
    return run


@pytest.mark.slow
def test_the_run_succeeds_and_publishes(hostile_run):
    assert re.search(r"contrôles qualité : [1-9]\d* réussis, 0 en échec", hostile_run.output)
    check_publication(hostile_run.marts)


@pytest.mark.slow
def test_every_refused_file_is_in_the_quality_report_with_its_reason(hostile_run):
    rows = hostile_run.query("select source_file, reason from marts.quality_report "
                             "where field = 'fichier' and row_number is null")
    reasons = dict(rows)
    for source, reason in EXPECTED_FILE_REASONS.items():
        assert reasons.get(source) == reason, source


@pytest.mark.slow
def test_broken_cells_and_rows_are_in_the_quality_report_with_their_reason(hostile_run):
    rows = set(hostile_run.query("select source_file, row_number, field, value, reason from marts.quality_report "
                                 "where row_number is not null"))
    assert EXPECTED_ROW_REASONS <= rows
    # the readable rows of the damaged files still count
    assert hostile_run.query("select count(*) from staging.survey_answers "
                             "where source_file = 'enquete_coordonnateurs/enquete_2020_utf8.csv'") == [(3,)]
    assert hostile_run.query("select num_action from staging.action_rows "
                             "where source_file like 'fiches_actions/%_2024-01-31.xlsx' order by 1") == [("E1",), ("F1",)]


@pytest.mark.slow
def test_nothing_outside_the_exports_folder_is_read(hostile_run):
    assert hostile_run.query("select count(*) from raw.milestones where ptsm_id = 'PTSM-07'") == [(0,)]
    assert hostile_run.query("select date_arrete_ptsm from marts.ptsm_overview where ptsm_id = 'PTSM-07'") == [(None,)]


# --- reader limits ---------------------------------------------------------------------------------------------

def test_a_zip_bomb_is_refused_before_anything_is_decompressed(tmp_path, monkeypatch):
    import python_calamine

    def never(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", never)
    bomb = hostile.zip_bomb(tmp_path / "bombe_2024-01-31.xlsx")
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(FileRejected, match=r"^classeur refusé : 314572808 octets une fois décompressé"):
        readers.read_tabular(bomb, key_column="num_action", sheets=ACTION_SHEETS)


def test_a_zip_that_understates_its_size_cannot_inflate_past_it(tmp_path):
    # a sheet whose ZIP headers claim 1000 bytes but that inflates to 24 MB: reading stops at the claimed size
    source = MINI_SOURCE / "fiches_actions" / "ptsm01_2022-03-01.xlsx"

    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    head = sheet.split(b"<sheetData>")[0] + b"<sheetData>"
    row = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>PTSM-01</t></is></c></row>'
    members["xl/worksheets/sheet1.xml"] = head + b"".join(row % (i, i) for i in range(1, 300_000)) + \
        b"</sheetData></worksheet>"
    data = bytearray(hostile.zip_of(members))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 1000)      # local header: uncompressed size
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46:central + 46 + length] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, central + 24, 1000)           # central directory: uncompressed size
        central = data.find(b"PK\x01\x02", central + 4)
    liar = tmp_path / "menteur_2024-01-31.xlsx"
    liar.write_bytes(bytes(data))
    with pytest.raises(FileRejected, match=r"^feuille (Actions|actions) illisible"):
        readers.read_tabular(liar, key_column="num_action", sheets=ACTION_SHEETS)


@pytest.mark.slow  # writes and reads a 100 000+ row file
def test_a_million_row_csv_is_refused_at_the_row_limit_without_holding_it_twice(tmp_path):
    path = hostile.million_row_csv(tmp_path / "enquete_2024.csv")
    size = path.stat().st_size
    assert readers.MAX_ROWS < 1_000_000 and size < readers.MAX_FILE_BYTES  # it is the row limit that acts
    tracemalloc.start()
    try:
        with pytest.raises(FileRejected, match=r"^trop de lignes \(plus de 100000\)$"):
            readers.read_csv(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the bytes, their text, and at most MAX_ROWS parsed rows: never a second copy of the whole file
    assert peak < 3 * size


def test_a_workbook_with_too_many_rows_is_refused_before_its_cells_are_converted(tmp_path, monkeypatch):
    calls = []
    real = readers._table_from_cells
    monkeypatch.setattr(readers, "_table_from_cells", lambda *a: calls.append(a) or real(*a))
    members = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                               b'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                               b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                               b'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
                               b'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
                               b'worksheet+xml"/></Types>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                       b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                       b'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                           b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                           b'<sheets><sheet name="Recensement" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                                      b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                                      b'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                                      b'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                                    b'spreadsheetml/2006/main"><sheetData>'
                                    + b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i)
                                               for i in range(1, readers.MAX_ROWS + 3))
                                    + b"</sheetData></worksheet>",
    }
    path = tmp_path / "recensement_coordonnateurs_2024-03-31.xlsx"
    path.write_bytes(hostile.zip_of(members))
    with pytest.raises(FileRejected, match=r"^feuille Recensement : trop de lignes \(plus de 100000\)$"):
        readers.read_tabular(path, key_column="ptsm_id")
    assert calls == []


def test_an_oversized_file_is_refused_by_its_size_alone(tmp_path, monkeypatch):
    path = hostile.oversized_file(tmp_path / "statut_ptsm_2024-01-31.csv", readers.MAX_FILE_BYTES + 1)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(FileRejected, match=r"^fichier trop volumineux \(52428801 octets > 52428800\)$"):
        readers.read_csv(path)


def test_excel_error_cells_are_read_as_their_error_text(tmp_path):
    tables = readers.read_tabular(hostile.error_cells_workbook(tmp_path / "e_2024-01-31.xlsx"),
                                  key_column="num_action", sheets=ACTION_SHEETS)
    assert tables["actions"].rows[1] == (3, ["PTSM-05", "E2", "Priorité en erreur", "#N/A", "Enfants", None,
                                             "Sanitaire", "En cours", "Oui", "2023", "2025"])
    assert tables["funding"].rows == [(2, ["E1", "FIR", "2023", "#REF!", "Pérenne"])]


def test_a_family_folder_that_links_outside_is_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "statut_ptsm_2024-01-31.csv").write_text("ptsm_id;date_arrete_ptsm;date_signature_ctsm\nPTSM-07;2020-01-01;\n")
    root = tmp_path / "raw"
    root.mkdir()
    os.symlink(outside, root / "statut_ptsm")
    con = duckdb.connect()
    stats = ingest.ingest_family(con, fam.FAMILIES["statut_ptsm"], root)
    assert (stats.files_seen, stats.files_quarantined, stats.rows_loaded) == (1, 1, 0)
    assert con.execute("select source_file, reason from raw.file_issues").fetchall() == [
        ("statut_ptsm/statut_ptsm_2024-01-31.csv", "lien symbolique vers l'extérieur du dossier des exports : non suivi")]


# --- fuzzing: parsers, row typers, CSV reader ----------------------------------------------------------------------

cell = st.one_of(st.none(), st.text(max_size=40),
                 st.from_regex(r"[-+]?[0-9 .,]{1,420}(€| EUR)?", fullmatch=True),
                 st.sampled_from(sorted(readers.EXCEL_ERRORS) + ["Oui", "N", "1;7", "2024-02-30", "31/12/2023 23:59"]))
PARSERS = [parsing.parse_number, parsing.parse_amount, parsing.parse_int, parsing.parse_date, parsing.parse_timestamp,
           parsing.parse_yes_no, parsing.parse_multiple_choice, parsing.parse_priorities, parsing.split_list]


@FUZZ
@given(text=cell)
@example(text="9" * 400)
@example(text="-" + "1" * 330 + ",5")
@example(text="\ufffd")
@example(text="0000")  # read as the survey wave 0 until the long budget found it
def test_parsers_return_a_value_or_a_french_reason(text):
    for parse in PARSERS:
        try:
            value = parse(text)
        except ValueError as error:
            assert str(error) and not str(error).startswith(("could not", "invalid literal")), (parse, text, error)
            continue
        if parse in (parsing.parse_number, parsing.parse_amount) and value is not None:
            assert value == value and abs(value) != float("inf")
    assert isinstance(parsing.fold(text), str)
    # a file name gives its date / wave read from the name itself, or one of the French reasons quality_report shows
    name = f"enquete_{text}.csv"
    try:
        day = parsing.file_date(name)
    except ValueError as error:
        assert str(error) in ("nom de fichier sans date AAAA-MM-JJ", "date invalide dans le nom de fichier"), error
    else:
        assert name.endswith(f"_{day.isoformat()}.csv"), (name, day)
    try:
        wave = parsing.survey_wave(name)
    except ValueError as error:
        assert str(error) in ("nom de fichier d'enquête sans année (enquete_AAAA...)",
                              "année invalide dans le nom de fichier d'enquête (enquete_AAAA...)"), error
    else:
        assert 1000 <= wave <= 9999 and f"enquete_{text}".startswith(f"enquete_{wave:04d}"), (name, wave)


REGISTRY = {f"PTSM-{i:02d}" for i in range(1, 105)}


def _arrow_row(schema_name: str, record: dict) -> None:
    """The typed row must fit its staging Arrow schema (the insert would crash the run otherwise)."""
    schema = STAGING_SCHEMAS[schema_name]
    pa.table({f.name: [record.get(f.name)] for f in schema}, schema=schema)


def _each_problem_explains_its_cell(row: dict, typed: dict, problems: list, masked: frozenset = frozenset(),
                                    renamed: dict | None = None) -> None:
    """A row with problems is reported, not silently typed: each problem names a column of the row, carries that
    cell's value (a name is masked: it is published in quality_report) and a French reason, and the refused cell is
    not typed (None), so the bad value never reaches staging. A row without problems has no unreadable filled cell."""
    renamed = renamed or {}
    for problem in problems:
        assert problem.field in row, problem
        assert problem.reason and not problem.reason.startswith(("could not", "invalid literal")), problem
        if problem.field in masked:
            assert problem.value in (None, "", fam.NAME_MASK), problem
        else:
            assert problem.value == row[problem.field], (problem, row[problem.field])
        if "antérieure" in problem.reason:  # a date_fin before date_debut: both dates are readable
            continue
        key = renamed.get(problem.field, problem.field)
        if key == "cofinancement_eur":  # an unreadable co-funding counts as none
            assert typed[key] == 0.0, (problem, typed[key])
        else:
            assert typed[key] is None, (problem, typed[key])


@FUZZ
@given(row=st.fixed_dictionaries({c: cell for c in fam.SURVEY_COLUMNS}))
@example(row={"id": "1" + "0" * 40, "submitdate": "2024-01-01", "ptsm_id": "PTSM-01"})
def test_survey_rows_are_typed_or_reported_never_crash(row):
    typed, problems = fam.type_survey_row(row, REGISTRY)
    _each_problem_explains_its_cell(row, typed, problems, renamed={
        "id": "response_id", **{c: fam.survey_item_column(c) for c in fam.SURVEY_MULTIPLE}})
    _arrow_row("survey_answers", {"source_file": "f", "row_number": 2, "wave": 2024, **typed})


@FUZZ
@given(row=st.fixed_dictionaries({c: cell for c in fam.ROSTER_COLUMNS}))
def test_roster_rows_are_typed_or_reported_never_crash(row):
    typed, problems = fam.type_roster_row(row, REGISTRY)
    _each_problem_explains_its_cell(row, typed, problems, masked={"coordonnateur"})
    if not problems:
        typed.pop("coordonnateur")
        _arrow_row("roster_rows", {"source_file": "f", "row_number": 2, "file_date": dt.date(2024, 1, 31),
                                   "coordonnateur_id": "P-0", **typed})


@FUZZ
@given(action=st.fixed_dictionaries({c: cell for c in fam.ACTION_COLUMNS}),
       funding=st.fixed_dictionaries({c: cell for c in fam.FUNDING_COLUMNS}),
       milestone=st.fixed_dictionaries({c: cell for c in fam.MILESTONE_COLUMNS}))
def test_action_funding_and_milestone_rows_are_typed_or_reported_never_crash(action, funding, milestone):
    base = {"source_file": "f", "row_number": 2, "file_date": dt.date(2024, 1, 31)}
    typed, problems = fam.type_action_row(action, REGISTRY)
    _each_problem_explains_its_cell(action, typed, problems, renamed={"priorites": "priorities"})
    if not problems:
        _arrow_row("action_rows", {**base, **typed})
    typed, problems = fam.type_funding_row(funding)
    _each_problem_explains_its_cell(funding, typed, problems)
    if not problems:
        _arrow_row("funding_rows", {**base, "ptsm_id": "PTSM-01", **typed})
    typed, problems = fam.type_milestone_row(milestone, REGISTRY)
    _each_problem_explains_its_cell(milestone, typed, problems)
    if not problems:
        _arrow_row("milestone_rows", {**base, **typed})


@FUZZ
@given(data=st.one_of(st.binary(max_size=2000),
                      st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=6), min_size=1, max_size=8).map(
                          lambda rows: "\n".join(";".join(r) for r in rows).encode("utf-8")),
                      st.text(max_size=300).map(lambda t: ("id;submitdate;ptsm_id\n" + t).encode("cp1252", "replace"))))
def test_the_csv_reader_returns_rows_or_a_reason(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "enquete_2024.csv"
        path.write_bytes(data)
        try:
            table = readers.read_tabular(path, key_column="id")
        except FileRejected as error:
            assert str(error)
            return
    rows = next(iter(table.values())).rows
    assert all(isinstance(n, int) and n >= 2 for n, _ in rows)
