"""The export formats as Table Schema (issue 13 item 8): `schemas/<family>/<sheet>/schema.json`, validated with the
real `frictionless` library the way a producer (or Validata) would."""

from __future__ import annotations

import json
from pathlib import Path

from frictionless import Resource, Schema

from pipelines.lib.producers import table_schema
from pipelines.lib.core.config import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "data" / "sample"
SCHEMAS = PROJECT_ROOT / "schemas"


def errors(path: Path, schema: str) -> list[tuple]:
    resource = Resource(path=path.name, basepath=str(path.parent),
                        schema=Schema.from_descriptor(json.loads((SCHEMAS / schema / "schema.json").read_text("utf-8"))))
    report = resource.validate()
    return [tuple(e) for e in report.flatten(["rowNumber", "fieldName", "type", "cell"])]


def test_the_committed_schemas_are_regenerated_from_the_definitions(tmp_path):
    written = table_schema.write_schemas(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        "coordonnateurs/recensement/schema.json", "enquete_coordonnateurs/reponses/schema.json",
        "fiches_actions/actions/schema.json", "fiches_actions/financements/schema.json", "statut_ptsm/statut/schema.json"]
    for path in written:
        committed = SCHEMAS / path.relative_to(tmp_path)
        assert committed.read_bytes() == path.read_bytes(), f"{committed} is stale: python -m pipelines.lib.producers.table_schema"


def test_the_vocabularies_are_enum_constraints():
    actions = json.loads((SCHEMAS / "fiches_actions/actions/schema.json").read_text(encoding="utf-8"))
    statut = next(f for f in actions["fields"] if f["name"] == "statut")
    assert statut["constraints"]["required"] is True
    assert {"Non démarrée", "En cours", "Réalisée", "Terminée", "terminée", "Terminee"} <= set(statut["constraints"]["enum"])
    ptsm = next(f for f in actions["fields"] if f["name"] == "ptsm_id")
    assert len(ptsm["constraints"]["enum"]) == 104 and "PTSM-35" in ptsm["constraints"]["enum"]


def test_the_sample_csv_exports_validate_but_for_the_rows_the_refresh_quarantines():
    # the sample plants one unreadable answer and one unreadable date in its CSVs (quality_report lists both)
    assert errors(SAMPLE / "enquete_coordonnateurs/enquete_2023_SYNTHETIQUE.csv", "enquete_coordonnateurs/reponses") == [
        (3, "missions_realisables", "constraint-error", "Je ne sais pas")]
    assert errors(SAMPLE / "coordonnateurs/recensement_coordonnateurs_2023-09-30.csv", "coordonnateurs/recensement") == [
        (52, "date_debut", "constraint-error", "à confirmer")]
    assert errors(SAMPLE / "statut_ptsm/statut_ptsm_2024-03-31.csv", "statut_ptsm/statut") == []
    assert errors(SAMPLE / "statut_ptsm/statut_ptsm_2023-06-30.csv", "statut_ptsm/statut") == []


def test_a_bad_row_does_not_validate(tmp_path):
    path = tmp_path / "statut_ptsm_2024-03-31.csv"
    path.write_text("ptsm_id;date_arrete_ptsm;date_signature_ctsm\nPTSM-35;09/07/2019;\nPTSM-00;31.12.2023;\n",
                    encoding="utf-8")
    assert errors(path, "statut_ptsm/statut") == [
        (3, "ptsm_id", "constraint-error", "PTSM-00"), (3, "date_arrete_ptsm", "constraint-error", "31.12.2023")]
    roster = tmp_path / "recensement_coordonnateurs_2024-03-31.csv"
    roster.write_text("ptsm_id;coordonnateur;etp;date_debut;date_fin\nPTSM-01;A;80 %;2020-01-01;\n"
                      "PTSM-01;B;1,5;;\n", encoding="utf-8")
    assert errors(roster, "coordonnateurs/recensement") == [
        (3, "etp", "constraint-error", "1,5"), (3, "date_debut", "constraint-error", "")]


def test_a_missing_required_column_does_not_validate_an_absent_optional_one_does(tmp_path):
    path = tmp_path / "recensement_coordonnateurs_2024-03-31.csv"
    path.write_text("ptsm_id;etp;date_debut;date_fin\nPTSM-01;1;2020-01-01;\n", encoding="utf-8")
    assert errors(path, "coordonnateurs/recensement") == [(None, "coordonnateur", "missing-label", None)]
