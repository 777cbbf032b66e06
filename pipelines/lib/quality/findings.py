"""Problems found in export files, as a producer reads them: sheet, row, column, value, what is wrong, how to fix.

Shared by the validator (`ptsm check`, pipelines/lib/producers/validate.py) and the feedback pages written after every
refresh (pipelines/lib/quality/feedback.py), so that a coordinator reads the same words in both. The HTML is one
self-contained French page (no script, no external resource) that can be attached to an e-mail.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from pipelines.lib.catalogue import export_formats as ef
from pipelines.lib.ingest.discovery import family_of

FAMILY_LABELS = {
    "enquete_coordonnateurs": "enquête coordonnateurs",
    "coordonnateurs": "recensement des coordonnateurs",
    "fiches_actions": "fiches actions",
    "statut_ptsm": "statut des PTSM",
    None: "fichier hors des dossiers d'exports",
}
FILE_FIXES = {
    "nom de fichier sans date": "Renommez le fichier avec sa date d'extraction à la fin : {pattern}.",
    "date invalide dans le nom de fichier": "Renommez le fichier avec une date qui existe, à la fin : {pattern}.",
    "nom de fichier d'enquête sans année": "Renommez le fichier : {pattern}.",
    "année invalide dans le nom de fichier d'enquête": "Renommez le fichier : {pattern}.",
    "colonne obligatoire absente": "Ajoutez la colonne (nom exact dans le modèle : ptsm template), sans la renommer.",
    "feuille": "Gardez les noms de feuilles du modèle (actions, financements), sans les renommer.",
    "format non pris en charge": "Enregistrez le fichier en .xlsx (Excel) ou en .csv.",
    "classeur XLSX illisible": "Le fichier est abîmé ou n'est pas un classeur : ouvrez-le dans Excel et enregistrez-le à nouveau en .xlsx.",
    "fichier binaire": "Enregistrez le fichier en CSV (séparateur point-virgule) ou envoyez le classeur .xlsx.",
}

REASON_FIXES = {
    "réponse incomplète": "Réponse non terminée : elle n'est pas comptée. Rien à faire si c'est voulu, sinon complétez-la.",
    "identifiant de réponse répété": "Gardez une seule ligne par identifiant de réponse (seule la dernière est retenue).",
    "ligne de financement d'une action en quarantaine": "Corrigez d'abord la ligne de cette action dans la feuille actions.",
    "num_action absent de la feuille actions": "Utilisez un numéro d'action qui figure dans la feuille actions.",
    "ptsm_id différent de celui du classeur": "Un classeur ne contient que les actions d'un seul PTSM : corrigez l'identifiant "
                                              "ou envoyez un classeur par PTSM.",
    "num_action en double": "Donnez à chaque action un numéro unique dans le classeur.",
    "deux classeurs du même PTSM à la même date": "Supprimez l'un des deux classeurs (ou corrigez la date de son nom).",
    "autre recensement à la même date": "Ne gardez qu'un fichier de recensement par date.",
}


@dataclass
class Finding:
    sheet: str
    row: int | None
    column: str
    value: str | None
    problem: str
    fix: str = ""


@dataclass
class FileFindings:
    name: str                 # the file as the producer knows it (relative path)
    family: str | None
    findings: list[Finding] = field(default_factory=list)
    rows_read: int | None = None

    @property
    def ok(self) -> bool:
        return not self.findings


def family_of_source(source_file: str) -> str | None:
    """The family of a `source_file` (its first folder, matched like the refresh matches it)."""
    first = source_file.split("/", 1)[0]
    return family_of(first) if "/" in source_file else None


def finding(family: str | None, sheet: str, row: int | None, column: str, value: str | None, reason: str) -> Finding:
    """One problem with its French "how to fix" (from the export formats for a column, by reason for a file)."""
    specific = next((fix for start, fix in REASON_FIXES.items() if reason.startswith(start)), None)
    if specific:
        return Finding(sheet, row, column, value, reason, specific)
    if column in ("fichier", "ligne") or family is None:
        fix = _file_fix(family, reason) if column == "fichier" else ""
    else:
        fix = ef.hint(family, f"{sheet}.{column}" if sheet else column)
    return Finding(sheet, row, column, value, reason, fix)


def from_quality_row(source_file: str, row_number: int | None, field_name: str, value: str | None, reason: str,
                     family: str | None = None) -> Finding:
    """A `quality_report` row (field `actions.statut` for a workbook) as a finding."""
    family = family if family is not None else family_of_source(source_file)
    sheet, _, column = field_name.rpartition(".") if "." in field_name and "[" not in field_name else ("", "", field_name)
    return finding(family, sheet, row_number, column, value, reason)


def _file_fix(family: str | None, reason: str) -> str:
    sheets = ef.sheets_of(family) if family else []
    pattern = sheets[0].file_pattern if sheets else ""
    for start, fix in FILE_FIXES.items():
        if reason.startswith(start):
            return fix.format(pattern=pattern)
    return ""


# --- HTML ---------------------------------------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1e1e1e; background: #f6f6f6; }
main { max-width: 1200px; min-height: 100vh; box-sizing: border-box; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 1.6rem; margin: 0 0 4px; color: #000091; }
h2 { font-size: 1.15rem; margin: 28px 0 6px; overflow-wrap: anywhere; }
p.intro { margin: 4px 0 16px; line-height: 1.45; }
p.meta { color: #555; margin: 2px 0 10px; }
.ok { color: #18753c; font-weight: 600; }
.ko { color: #ce0500; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; table-layout: auto; }
th, td { border: 1px solid #ddd; padding: 6px 8px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: #eef1f8; white-space: nowrap; }
td.num, td.short { white-space: nowrap; }
td.num { text-align: right; }
td.text { width: 30%; }
td.value { font-family: ui-monospace, Menlo, Consolas, monospace; }
footer { margin-top: 32px; color: #666; font-size: 0.85rem; }
"""


def render_page(title: str, intro: str, files: list[FileFindings], footer: str = "") -> str:
    """One French page listing, per file, every problem with where it is and how to fix it."""
    parts = [f"<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
             f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{_e(title)}</title>\n"
             f"<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{_e(title)}</h1>\n<p class=\"intro\">{_e(intro)}</p>\n"]
    for report in files:
        parts.append(f"<h2>{_e(report.name)}</h2>\n")
        label = FAMILY_LABELS.get(report.family, "")
        rows = f", {report.rows_read} lignes lues" if report.rows_read is not None else ""
        if report.ok:
            parts.append(f"<p class=\"meta\">{_e(label)}{rows} — <span class=\"ok\">aucun problème : le fichier serait "
                         "chargé en entier.</span></p>\n")
            continue
        count = len(report.findings)
        parts.append(f"<p class=\"meta\">{_e(label)}{rows} — <span class=\"ko\">{count} problème{'s' if count > 1 else ''} "
                     "à corriger</span></p>\n<table>\n<thead><tr><th>Feuille</th><th>Ligne</th><th>Colonne</th>"
                     "<th>Valeur</th><th>Ce qui ne va pas</th><th>Comment corriger</th></tr></thead>\n<tbody>\n")
        for item in report.findings:
            row = "fichier entier" if item.row is None else str(item.row)
            parts.append(f"<tr><td class=\"short\">{_e(item.sheet)}</td><td class=\"num\">{_e(row)}</td>"
                         f"<td class=\"short\">{_e(item.column)}</td><td class=\"value\">{_e(item.value or '')}</td>"
                         f"<td class=\"text\">{_e(item.problem)}</td><td class=\"text\">{_e(item.fix)}</td></tr>\n")
        parts.append("</tbody>\n</table>\n")
    if footer:
        parts.append(f"<footer>{_e(footer)}</footer>\n")
    parts.append("</main>\n</body>\n</html>\n")
    return "".join(parts)


def render_text(report: FileFindings) -> str:
    """The same report as terminal text."""
    label = FAMILY_LABELS.get(report.family, "")
    rows = f", {report.rows_read} lignes lues" if report.rows_read is not None else ""
    lines = [f"Fichier : {report.name} ({label}{rows})"]
    for item in report.findings:
        where = [f"feuille {item.sheet}" if item.sheet else "", "fichier entier" if item.row is None else f"ligne {item.row}",
                 f"colonne {item.column}" if item.column not in ("fichier", "ligne") else ""]
        value = f", valeur « {item.value} »" if item.value not in (None, "") and item.column != "fichier" else ""
        lines.append(f"  - {', '.join(w for w in where if w)}{value} : {item.problem}")
        if item.fix:
            lines.append(f"      comment corriger : {item.fix}")
    lines.append("  => le fichier serait chargé en entier." if report.ok else
                 f"  => {len(report.findings)} problème(s) : le fichier ne serait pas chargé en entier.")
    return "\n".join(lines)


def _e(text: object) -> str:
    return html.escape(str(text), quote=False)  # text content only; attribute values are ids
