"""Publication of the marts: release folders, French Excel CSV, atomic symlink swap, dictionary from the SQL headers,
regional export."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipelines.lib.publish import publisher as publish
from pipelines.lib.publish import release as releases
from pipelines.lib.core.config import PROJECT_ROOT
from pipelines.lib.core.hashing import sha256_file
from pipelines.lib.reports.regional_export import export_region
from pipelines.lib.warehouse.sql_files import SqlModel

T0 = dt.datetime(2026, 1, 31, 12, 0, tzinfo=dt.timezone.utc)
T1 = dt.datetime(2026, 2, 28, 12, 0, tzinfo=dt.timezone.utc)
MARTS = ["ptsm_cofunding", "survey_results_region", "coordinator_vacancy_national", "quality_report"]


def _warehouse(label_value: str = "=HYPERLINK(\"http://x\")") -> duckdb.DuckDBPyConnection:
    """A tiny warehouse: rows inserted out of order on purpose (publication must sort them)."""
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        """
        create table marts.ptsm_cofunding (ptsm_id varchar, region_code varchar, label varchar, total_eur double,
                                           delta integer, cofunded boolean, snapshot date);
        insert into marts.ptsm_cofunding values
            ('PTSM-75', '11', 'placeholder', 1234.5, -3, true, date '2024-03-31'),
            ('PTSM-01', '84', '-2 mois', 0.1, 7, false, null),
            ('PTSM-03', '84', 'Plan; « accents » é', null, null, null, date '2021-01-31');
        create table marts.survey_results_region (wave integer, region_code varchar, question varchar, answer varchar,
                                                  n integer, denominator integer, share double, suppressed boolean);
        insert into marts.survey_results_region values
            (2024, '84', 'contrat', 'CDI', null, 9, null, true),
            (2024, '84', 'contrat', 'CDD', 5, 9, 0.5555555555555556, false),
            (2024, '11', 'contrat', 'CDI', 6, 6, 1.0, false);
        create table marts.coordinator_vacancy_national (snapshot_date date, n_ptsm integer, vacancy_rate double);
        insert into marts.coordinator_vacancy_national values (date '2021-01-31', 104, 0.25);
        create table marts.quality_report (source_file varchar, row_number integer, field varchar, value varchar,
                                           reason varchar);
        insert into marts.quality_report values ('roster.csv', 3, 'coordonnateur', 'Jean Dupont', 'date illisible');
        """
    )
    con.execute("update marts.ptsm_cofunding set label = ? where ptsm_id = 'PTSM-75'", [label_value])
    return con


# The SQL headers the dictionary is written from (what pipelines.lib.warehouse.sql_files parses out of sql/marts/*.sql).
MODELS = [SqlModel(layer="marts", name="ptsm_cofunding", path=Path("ptsm_cofunding.sql"), sql="",
                   description="Cofinancement des actions par PTSM.", grain="une ligne par PTSM",
                   columns={"total_eur": "Total des financements (€)"})]


def _publish(con, marts_dir: Path, produced_at=T0, **kwargs) -> Path:
    return publish.publish_release(con, MARTS, marts_dir, synthetic=True, input_label="sample", produced_at=produced_at,
                                   models=MODELS, **kwargs)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_release_layout_and_manifest(tmp_path):
    marts_dir = tmp_path / "marts"
    release = _publish(_warehouse(), marts_dir)
    assert marts_dir.is_symlink()
    assert os.readlink(marts_dir) == os.path.join(".marts-releases", release.name)  # relative: the tree can move
    assert releases.current(marts_dir) == release
    names = sorted(p.name for p in release.iterdir())
    assert names == sorted([f"{m}.{ext}" for m in MARTS for ext in ("csv", "parquet")]
                           + ["DICTIONNAIRE.md", "datapackage.json", "dictionary.json", "manifest.json"])
    manifest = releases.read_manifest(marts_dir)
    assert manifest["release_id"] == release.name
    assert manifest["produced_at"] == "2026-01-31T12:00:00+00:00"
    assert (manifest["synthetic"], manifest["input"]) == (True, "sample")
    assert manifest["marts"] == sorted(MARTS)
    assert set(manifest["files"]) == set(names) - {"manifest.json"}
    assert manifest["files"]["ptsm_cofunding.csv"] == sha256_file(release / "ptsm_cofunding.csv")
    assert releases.verify(release)


def test_csv_is_french_excel_and_neutralises_formulas(tmp_path):
    release = _publish(_warehouse(), tmp_path / "marts")
    raw = (release / "ptsm_cofunding.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw[3:].decode("utf-8").split("\r\n")
    assert lines == [
        "ptsm_id;region_code;label;total_eur;delta;cofunded;snapshot",
        "PTSM-01;84;'-2 mois;0,1;7;faux;",
        'PTSM-03;84;"Plan; « accents » é";;;;2021-01-31',
        # the neutralised cell is quoted because it holds quotes; Excel reads it as text '=HYPERLINK("http://x")
        'PTSM-75;11;"\'=HYPERLINK(""http://x"")";1234,5;-3;vrai;2024-03-31',
        "",
    ]


def test_parquet_is_sorted_exact_and_labelled(tmp_path):
    release = _publish(_warehouse(), tmp_path / "marts")
    table = pq.read_table(release / "ptsm_cofunding.parquet")
    assert table.column("ptsm_id").to_pylist() == ["PTSM-01", "PTSM-03", "PTSM-75"]
    assert table.column("total_eur").to_pylist() == [0.1, None, 1234.5]
    assert table.column("label").to_pylist()[2] == '=HYPERLINK("http://x")'  # Parquet keeps the exact value
    assert table.schema.metadata[b"ptsm_synthetic"] == b"true"


def test_dictionary_from_the_sql_headers(tmp_path):
    release = _publish(_warehouse(), tmp_path / "marts")
    entry = json.loads((release / "dictionary.json").read_text(encoding="utf-8"))["ptsm_cofunding"]
    assert entry["description"] == "Cofinancement des actions par PTSM."
    assert entry["grain"] == "une ligne par PTSM"
    assert entry["columns"][3] == {"name": "total_eur", "type": "DOUBLE", "description": "Total des financements (€)"}
    markdown = (release / "DICTIONNAIRE.md").read_text(encoding="utf-8")
    assert "**Données SYNTHÉTIQUES**" in markdown
    assert "| `total_eur` | DOUBLE | Total des financements (€) |" in markdown


def test_same_tables_give_the_same_release(tmp_path):
    first = _publish(_warehouse(), tmp_path / "a" / "marts", produced_at=T0)
    second = _publish(_warehouse(), tmp_path / "b" / "marts", produced_at=T1)
    assert first.name == second.name
    one, two = _snapshot(first), _snapshot(second)
    assert one.pop("manifest.json") != two.pop("manifest.json")  # only the manifest carries the run time
    assert one == two
    # publishing again in place reuses the folder and keeps it the target
    again = _publish(_warehouse(), tmp_path / "a" / "marts", produced_at=T1)
    assert again == first and releases.current(tmp_path / "a" / "marts") == first


def test_new_content_new_release_and_keep_last_three(tmp_path):
    marts_dir = tmp_path / "marts"
    published = [_publish(_warehouse(f"v{i}"), marts_dir, keep=3) for i in range(5)]
    assert len({r.name for r in published}) == 5
    assert releases.current(marts_dir) == published[-1]
    kept = sorted(p.name for p in releases.releases_dir(marts_dir).iterdir())
    assert kept == sorted(r.name for r in published[-3:])


def test_failure_mid_write_leaves_previous_release(tmp_path, monkeypatch):
    marts_dir = tmp_path / "marts"
    previous = _publish(_warehouse(), marts_dir)
    before = _snapshot(previous)
    calls = []

    def broken_csv(table, path):
        calls.append(path.name)
        if len(calls) == 2:
            raise OSError("disk full")
        original(table, path)

    original = publish.write_csv
    monkeypatch.setattr(publish, "write_csv", broken_csv)
    with pytest.raises(OSError, match="disk full"):
        _publish(_warehouse("changed"), marts_dir)
    assert releases.current(marts_dir) == previous
    assert _snapshot(previous) == before
    assert [p.name for p in releases.releases_dir(marts_dir).iterdir()] == [previous.name]  # partial folder removed


def test_legacy_real_folder_is_refused_unless_empty(tmp_path):
    marts_dir = tmp_path / "marts"
    marts_dir.mkdir()
    (marts_dir / "old.csv").write_text("x")
    with pytest.raises(RuntimeError, match="dossier réel non vide"):
        _publish(_warehouse(), marts_dir)
    assert (marts_dir / "old.csv").read_text() == "x"
    (marts_dir / "old.csv").unlink()
    release = _publish(_warehouse(), marts_dir)
    assert marts_dir.is_symlink() and releases.current(marts_dir) == release


def test_missing_mart_is_refused_before_writing(tmp_path):
    with pytest.raises(ValueError, match="marts.ptsm_overview"):
        publish.publish_release(_warehouse(), ["ptsm_overview"], tmp_path / "marts", synthetic=True,
                                input_label="sample", models=MODELS)
    assert not (tmp_path / "marts").exists()


def test_region_export_only_that_region(tmp_path):
    marts_dir = tmp_path / "marts"
    _publish(_warehouse(), marts_dir)
    out = tmp_path / "export84"
    paths = export_region(marts_dir, "84", out, reference_dir=PROJECT_ROOT / "data" / "reference")
    assert sorted(p.name for p in paths) == sorted([
        "ptsm_cofunding.parquet", "ptsm_cofunding.csv", "survey_results_region.parquet", "survey_results_region.csv",
        "coordinator_vacancy_national.parquet", "coordinator_vacancy_national.csv",
        "dictionary.json", "DICTIONNAIRE.md", "README.md",
    ])  # never quality_report
    cofunding = pq.read_table(out / "ptsm_cofunding.parquet")
    assert cofunding.column("ptsm_id").to_pylist() == ["PTSM-01", "PTSM-03"]
    survey = pq.read_table(out / "survey_results_region.parquet").to_pylist()
    assert [(r["answer"], r["n"], r["share"], r["suppressed"]) for r in survey] == [
        ("CDD", 5, 0.5555555555555556, False), ("CDI", None, None, True),  # stays suppressed
    ]
    assert pq.read_table(out / "coordinator_vacancy_national.parquet").num_rows == 1
    assert (out / "survey_results_region.csv").read_bytes()[3:].decode().splitlines()[1:] == [
        "2024;84;contrat;CDD;5;9;0,5555555555555556;faux",
        "2024;84;contrat;CDI;;9;;vrai",
    ]
    assert set(json.loads((out / "dictionary.json").read_text(encoding="utf-8"))) == {
        "ptsm_cofunding", "survey_results_region", "coordinator_vacancy_national"}
    assert "Auvergne-Rhône-Alpes" in (out / "README.md").read_text(encoding="utf-8")


def test_region_export_unknown_region(tmp_path):
    marts_dir = tmp_path / "marts"
    _publish(_warehouse(), marts_dir)
    with pytest.raises(ValueError, match=r"Code région inconnu : '99'.*84 Auvergne-Rhône-Alpes"):
        export_region(marts_dir, "99", tmp_path / "out", reference_dir=PROJECT_ROOT / "data" / "reference")
    assert not (tmp_path / "out").exists()


def test_read_published_without_release(tmp_path):
    with pytest.raises(FileNotFoundError, match="Aucune publication"):
        releases.current(tmp_path / "marts")


def test_promote_marts_copies_the_checked_tables_in_one_transaction():
    con = duckdb.connect()
    con.execute("create schema marts; create schema marts_next")
    con.execute("create table marts.a as select 1 as x; create table marts.b as select 'old' as y")
    con.execute("create table marts_next.a as select 2 as x union all select 3")
    con.execute("create table marts_next.b as select 'new' as y")
    con.execute("comment on table marts_next.a is 'Table A'; comment on column marts_next.a.x is 'Colonne x'")
    publish.promote_marts(con, ["a", "b"])
    assert con.sql("select x from marts.a order by x").fetchall() == [(2,), (3,)]
    assert con.sql("select y from marts.b").fetchall() == [("new",)]
    assert con.sql("select comment from duckdb_columns() where schema_name = 'marts' and table_name = 'a'"
                   ).fetchall() == [("Colonne x",)]
    # a mart missing from the scratch schema: nothing is copied at all
    con.execute("create table marts_next.c as select 'c' as z")
    con.execute("drop table marts_next.b")
    with pytest.raises(ValueError, match="marts_next.b"):
        publish.promote_marts(con, ["c", "b"])
    assert con.sql("select y from marts.b").fetchall() == [("new",)]
    assert "c" not in {r[0] for r in con.sql("select table_name from duckdb_tables() where schema_name = 'marts'"
                                             ).fetchall()}
