"""`ptsm check FILE…`: tell a producer, before sending, whether a file would load whole, and what to fix.

The same code as the refresh reads and types the file (ingest.read_export, then the staging typers), on its own,
with nothing written anywhere: no warehouse, no marts. Exit code 0 when every file would load whole, 1 otherwise.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

from pipelines.lib.ingest import raw as ingest

from pipelines.lib.staging import typing_rows as staging
from pipelines.lib.ingest.discovery import Discovery, archive_members, family_of_path, member_bytes, unassigned_reason
from pipelines.lib.catalogue.families import FAMILIES
from pipelines.lib.catalogue.reference import registry_rows
from pipelines.lib.quality.findings import FileFindings, finding, render_page, render_text
from pipelines.lib.ingest.readers import FileRejected

CHECK_KEY = b"ptsm-check: names are pseudonymised and then thrown away"


def registry_ids() -> set[str]:
    return {row["ptsm_id"] for row in registry_rows()}


def check_archive(path: Path, registry: set[str]) -> list[FileFindings]:
    """A zip archive as the refresh opens it: each member checked as a file (same zip-bomb guard)."""
    found = Discovery()
    archive_members(path, None, path.name, found)
    reports = []
    for member in found.found:
        if member.reason:
            report = FileFindings(member.name, member.family)
            report.findings.append(finding(member.family, "", None, "fichier", member.file_name, member.reason))
            reports.append(report)
            continue
        with tempfile.TemporaryDirectory(prefix="ptsm-check-") as folder:
            local = Path(folder) / member.file_name
            try:
                local.write_bytes(member_bytes(member))
            except FileRejected as error:
                report = FileFindings(member.name, member.family)
                report.findings.append(finding(member.family, "", None, "fichier", member.file_name, str(error)))
                reports.append(report)
                continue
            report = check_file(local, registry, family=member.family)
            report.name = member.name
            reports.append(report)
    return reports


def check_file(path: Path, registry: set[str] | None = None, family: str | None = None) -> FileFindings:
    """One file's report. Its family, unless given (the portal's form), is the one the refresh would assign it
    (`discovery.family_of_path`: its family folder, else its name, else its header row)."""
    family = family or family_of_path(path)
    report = FileFindings(path.name, family)
    if family is None:
        report.findings.append(finding(None, "", None, "fichier", path.name,
                                       unassigned_reason(path, "famille d'export inconnue")))
        return report
    entry = ingest.read_export(path, FAMILIES[family])
    if entry.reason:
        report.findings.append(finding(family, "", None, "fichier", path.name, entry.reason))
        return report
    report.rows_read = entry.n_rows
    for row, column, value, reason in entry.row_issues:
        report.findings.append(finding(family, "", row, column, value, reason))
    out = {table: [] for table in staging.FAMILY_TABLES[family]}
    issues: list[tuple] = []
    staging.TYPERS[family](path.name, entry.file_date, entry.wave, entry.rows, registry or registry_ids(), CHECK_KEY,
                           out, issues)
    for _, _, sheet, row, column, value, reason in issues:
        report.findings.append(finding(family, sheet, row, column, value, reason))
    if family == "enquete_coordonnateurs":
        report.findings += _survey_findings(out["survey_answers"])
    report.findings.sort(key=lambda f: (f.row is not None, f.sheet, f.row or 0, f.column))
    return report


def _survey_findings(answers: list[dict]) -> list:
    """What quality_report adds for a survey: incomplete responses and repeated ids (sql/marts/quality_report.sql)."""
    ids = Counter(a["response_id"] for a in answers)
    found = []
    last = {a["response_id"]: a["row_number"] for a in answers}
    for answer in answers:
        if last[answer["response_id"]] != answer["row_number"] and ids[answer["response_id"]] > 1:
            found.append(finding("enquete_coordonnateurs", "", answer["row_number"], "id", str(answer["response_id"]),
                                 "identifiant de réponse répété dans la vague : seule la dernière ligne est retenue"))
        elif answer["submitdate"] is None:
            found.append(finding("enquete_coordonnateurs", "", answer["row_number"], "id", str(answer["response_id"]),
                                 "réponse incomplète (submitdate vide) : exclue des résultats"))
    return found


def run_check(files: list[Path], html_out: Path | None = None) -> int:
    registry = registry_ids()
    reports = []
    for path in files:
        if not path.is_file():
            report = FileFindings(path.name, None)
            report.findings.append(finding(None, "", None, "fichier", str(path), "fichier introuvable"))
            found = [report]
        elif path.suffix.lower() == ".zip":
            found = check_archive(path, registry)
        else:
            found = [check_file(path, registry)]
        for report in found:
            reports.append(report)
            print(render_text(report))
    bad = sum(1 for r in reports if not r.ok)
    print(f"\n{len(reports)} fichier(s) vérifié(s) : {len(reports) - bad} chargé(s) en entier, {bad} à corriger.")
    if html_out is not None:
        html_out.parent.mkdir(parents=True, exist_ok=True)
        html_out.write_text(render_page(
            "Vérification des fichiers d'export",
            "Chaque problème est situé (feuille, ligne, colonne, valeur) avec la manière de le corriger. Un fichier sans "
            "problème serait chargé en entier par l'observatoire.", reports), encoding="utf-8")
        print(f"Rapport HTML écrit dans {html_out}", file=sys.stderr)
    return 0 if bad == 0 else 1
