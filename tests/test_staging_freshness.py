"""Staging cannot go stale: a file already staged is typed again as soon as a rule it was typed with changes.

Issue 11 §1: a synonym added to the vocabularies left an old row quarantined, because "already staged" meant
"same file content and same hand-bumped STAGING_VERSION". The key is now the file content plus a fingerprint of the
rules (typing code, vocabulary file, registry, key) and of the code that read the file into raw rows.

Fast tier: the real raw and staging layers (lib functions, in-memory DuckDB) on the two files of
tests/fixtures/exports/rule_change/. The end-to-end version through `ptsm refresh` is in
tests/test_pipeline_rule_change.py (slow).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.catalogue.families import FAMILIES
from pipelines.lib.warehouse.fingerprint import code_closure, fingerprint
from pipelines.lib.ingest.raw import ingest_family
from pipelines.lib.staging.typing_rows import STAGING_SCHEMAS, stage_family

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "tests" / "fixtures" / "exports" / "rule_change"
VOCABULARIES = ROOT / "pipelines" / "lib" / "vocabularies.csv"
KEY = b"k" * 32
REGISTRY = {f"PTSM-{n:02d}" for n in range(1, 96)}  # enough for the fixture: PTSM-05 known, PTSM-99 not
FUNDER_ISSUE = ("fiches_actions/ptsm05_2022-03-01.xlsx", "financements", 3, "financeur", "Banque mondiale",
                "valeur inconnue (financeur) : Banque mondiale")
PTSM_ISSUE = ("enquete_coordonnateurs/enquete_2023_regle.csv", "", 3, "ptsm_id", "PTSM-99",
              "ptsm_id inconnu du registre : PTSM-99")


@pytest.fixture
def vocabulary_copy(tmp_path, monkeypatch) -> Path:
    """A copy of the vocabularies the test may edit; the pipeline reads it through PTSM_VOCABULARY_FILE."""
    copy = tmp_path / "vocabularies.csv"
    shutil.copyfile(VOCABULARIES, copy)
    monkeypatch.setenv("PTSM_VOCABULARY_FILE", str(copy))
    return copy


def add_synonym(vocabulary: Path, kind: str, code: str, synonym: str) -> None:
    lines = vocabulary.read_text(encoding="utf-8").splitlines()
    prefix = f"{kind},{code},"
    index = next(i for i, line in enumerate(lines) if line.startswith(prefix))
    kind_, code_, label, synonyms, group = lines[index].split(",")
    lines[index] = ",".join([kind_, code_, label, "|".join(filter(None, [synonyms, synonym])), group])
    vocabulary.write_text("\n".join(lines) + "\n", encoding="utf-8")


def refresh(con: duckdb.DuckDBPyConnection, registry: set[str]) -> dict[str, tuple[int, int]]:
    """Raw then staging for every family; (files parsed, files typed) of the two families the fixture has."""
    done = {}
    for family in FAMILIES.values():
        parsed = ingest_family(con, family, EXPORTS).files_parsed
        done[family.name] = (parsed, stage_family(con, family.name, registry, KEY).files_typed)
    assert done["coordonnateurs"] == done["statut_ptsm"] == (0, 0)  # no file of these families
    return {name: done[name] for name in ("enquete_coordonnateurs", "fiches_actions")}


def row_issues(con) -> list[tuple]:
    return con.execute("select source_file, sheet, row_number, field, value, reason from staging.row_issues "
                       "order by all").fetchall()


def staging_state(con) -> dict[str, list[tuple]]:
    """Every staging table as sorted rows (what the SQL models downstream read)."""
    tables = [*STAGING_SCHEMAS, "row_issues", "synonym_usage"]
    return {t: con.execute(f"select * from staging.{t} order by all").fetchall() for t in tables}


def from_scratch(registry: set[str]) -> dict[str, list[tuple]]:
    with duckdb.connect() as con:
        refresh(con, registry)
        return staging_state(con)


def test_unchanged_inputs_are_neither_parsed_nor_typed_again(vocabulary_copy):
    con = duckdb.connect()
    assert refresh(con, REGISTRY) == {"enquete_coordonnateurs": (1, 1), "fiches_actions": (1, 1)}
    assert row_issues(con) == sorted([FUNDER_ISSUE, PTSM_ISSUE])
    assert refresh(con, REGISTRY) == {"enquete_coordonnateurs": (0, 0), "fiches_actions": (0, 0)}


def test_a_synonym_added_to_the_vocabularies_restages_the_old_file(vocabulary_copy):
    con = duckdb.connect()
    refresh(con, REGISTRY)
    assert FUNDER_ISSUE in row_issues(con)

    add_synonym(vocabulary_copy, "financeur", "autre", "Banque mondiale")
    # the reader's fingerprint covers only the sheet-name rows (vocabulary `feuille`) of the vocabulary file: a
    # funder synonym leaves the raw rows as they were (not parsed again) but every file is typed again
    assert refresh(con, REGISTRY) == {"enquete_coordonnateurs": (0, 1), "fiches_actions": (0, 1)}
    assert row_issues(con) == [PTSM_ISSUE]
    assert con.execute("select num_action, financeur, funder_group, montant_eur from staging.funding_rows "
                       "order by num_action").fetchall() == [("1", "ars_fir", "ars", 10000.0),
                                                             ("2", "autre", "autre", 5000.0)]
    assert ("fiches_actions", "fiches_actions/ptsm05_2022-03-01.xlsx", "financeur", "Banque mondiale", 1) in \
        con.execute("select * from staging.synonym_usage").fetchall()
    assert staging_state(con) == from_scratch(REGISTRY)


def test_a_registry_change_restages_the_old_file(vocabulary_copy):
    con = duckdb.connect()
    refresh(con, REGISTRY)
    assert con.execute("select response_id, ptsm_id from staging.survey_answers order by 1").fetchall() == [
        (1, "PTSM-05"), (2, None)]

    wider = REGISTRY | {"PTSM-99"}
    assert refresh(con, wider) == {"enquete_coordonnateurs": (0, 1), "fiches_actions": (0, 1)}
    assert con.execute("select response_id, ptsm_id from staging.survey_answers order by 1").fetchall() == [
        (1, "PTSM-05"), (2, "PTSM-99")]
    assert row_issues(con) == [FUNDER_ISSUE]
    assert staging_state(con) == from_scratch(wider)


def test_a_file_read_by_other_code_is_parsed_and_staged_again(vocabulary_copy):
    """A ledger written by older reading code (another fingerprint) no longer vouches for the raw rows; staging
    follows, since its key includes the fingerprint of the code that made the raw rows."""
    con = duckdb.connect()
    refresh(con, REGISTRY)
    con.execute("update raw.file_ledger set parser_fingerprint = 'older code' where family = 'fiches_actions'")
    # staging alone: the raw rows now come from other code, so the workbook is typed again...
    assert stage_family(con, "fiches_actions", REGISTRY, KEY).files_typed == 1
    # ...and the next refresh parses it with this code, then types it again from those rows
    assert refresh(con, REGISTRY) == {"enquete_coordonnateurs": (0, 0), "fiches_actions": (1, 1)}
    assert staging_state(con) == from_scratch(REGISTRY)


def test_a_warehouse_staged_with_a_version_number_is_staged_again(vocabulary_copy):
    """Warehouses from before the fingerprints: their bookkeeping had `staging_version`; everything is typed again
    and nothing staged under the old rules survives."""
    con = duckdb.connect()
    refresh(con, REGISTRY)
    con.execute("drop table staging.processed_files")
    con.execute("create table staging.processed_files (family varchar, source_file varchar, sha256 varchar, "
                "staging_version integer)")
    con.execute("insert into staging.processed_files values ('fiches_actions', 'fiches_actions/gone_2020-01-01.xlsx', "
                "'x', 2)")
    con.execute("insert into staging.action_workbooks (source_file, ptsm_id) values "
                "('fiches_actions/gone_2020-01-01.xlsx', 'PTSM-01')")
    assert refresh(con, REGISTRY) == {"enquete_coordonnateurs": (0, 1), "fiches_actions": (0, 1)}
    assert staging_state(con) == from_scratch(REGISTRY)


def test_the_typing_fingerprint_covers_every_module_the_typing_code_imports():
    """By construction: vocab, families, parsing and the file-format constants are reached through imports, not
    listed by hand."""
    closure = code_closure("pipelines.lib.staging.typing_rows")
    assert {"pipelines.lib.staging.typing_rows", "pipelines.lib.catalogue.families", "pipelines.lib.catalogue.vocab", "pipelines.lib.core.parsing",
            "pipelines.lib.core.file_formats", "pipelines.lib.staging.pseudonym"} <= set(closure)
    assert "pipelines.lib.ingest.readers" in code_closure("pipelines.lib.ingest.raw")
    assert fingerprint("ab", "c") != fingerprint("a", "bc")


def test_a_ledger_with_a_parser_version_number_is_read_again(vocabulary_copy):
    """Ledgers from before the fingerprints had an integer `parser_version`: the column goes, every file is parsed
    again once, and the next refresh parses nothing."""
    con = duckdb.connect()
    refresh(con, REGISTRY)
    con.execute("alter table raw.file_ledger drop column parser_fingerprint")
    con.execute("alter table raw.file_ledger add column parser_version integer")
    con.execute("update raw.file_ledger set parser_version = 2")
    # parsed again; not typed again, since staging (untouched here) was typed from rows this very code made
    assert refresh(con, REGISTRY) == {"enquete_coordonnateurs": (1, 0), "fiches_actions": (1, 0)}
    assert "parser_version" not in [c[0] for c in con.execute("describe raw.file_ledger").fetchall()]
    assert refresh(con, REGISTRY) == {"enquete_coordonnateurs": (0, 0), "fiches_actions": (0, 0)}
    assert staging_state(con) == from_scratch(REGISTRY)


def test_a_sheet_name_synonym_added_to_the_vocabularies_reads_the_files_again(vocabulary_copy):
    """Sheet-name synonyms (vocabulary `feuille`) are rules of the reader: the raw rows are read again."""
    con = duckdb.connect()
    refresh(con, REGISTRY)
    add_synonym(vocabulary_copy, "feuille", "actions", "Plan d'actions du PTSM")
    assert refresh(con, REGISTRY) == {"enquete_coordonnateurs": (1, 1), "fiches_actions": (1, 1)}
    assert refresh(con, REGISTRY) == {"enquete_coordonnateurs": (0, 0), "fiches_actions": (0, 0)}
