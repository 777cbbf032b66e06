"""Feedback pages after every refresh: what each PTSM (and the national files) should fix, in French.

One page per PTSM whose action workbooks had problems (`<ptsm_id>.html`) and one for the national files
(`national.html`: survey, roster, milestones, files outside the family folders, workbooks whose PTSM is unknown),
listed as the validator lists them (pipelines/lib/quality/findings.py), plus an `index.html`. They are written beside the
published release (`<marts_dir parent>/retours/`), so the DMSMP can send each coordinator what to fix. They are
built from `marts.quality_report`, which never holds a personal name (roster names are masked at typing).
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

import duckdb

from pipelines.lib.quality.findings import FileFindings, family_of_source, from_quality_row, render_page, _e

NATIONAL = "national"
_PTSM_IN_NAME = re.compile(r"PTSM-[0-9A-Z]+(?:-[A-Z]+)?", re.IGNORECASE)


def feedback_dir(marts_dir: Path) -> Path:
    return marts_dir.parent / "retours"


def ptsm_from_name(source_file: str, registry: set[str]) -> str | None:
    """`fiches_actions/PTSM-59-LIL_lille_…xlsx` -> PTSM-59-LIL (the longest registry id the name starts a match with)."""
    for match in _PTSM_IN_NAME.finditer(Path(source_file).name):
        candidate = match.group(0).upper()
        while candidate:
            if candidate in registry:
                return candidate
            candidate = candidate.rpartition("-")[0] if candidate.count("-") > 1 else ""
    return None


def pages_from_report(con: duckdb.DuckDBPyConnection) -> dict[str, list[FileFindings]]:
    """quality_report rows grouped into pages (PTSM id or `national`), then files, in report order."""
    rows = con.execute("select source_file, row_number, field, value, reason from marts.quality_report "
                       "order by source_file, row_number nulls first, field").fetchall()
    registry = {r[0] for r in con.execute("select ptsm_id from ref_ptsm_registry").fetchall()}
    owners = dict(con.execute("select source_file, ptsm_id from staging.action_workbooks where ptsm_id is not null").fetchall())
    pages: dict[str, dict[str, FileFindings]] = {}
    for source, row, field_name, value, reason in rows:
        family = family_of_source(source)
        owner = NATIONAL
        if family == "fiches_actions":
            owner = owners.get(source) or ptsm_from_name(source, registry) or NATIONAL
        files = pages.setdefault(owner, {})
        report = files.setdefault(source, FileFindings(source, family))
        report.findings.append(from_quality_row(source, row, field_name, value, reason, family))
    return {owner: list(files.values()) for owner, files in pages.items()}


def write_feedback(con: duckdb.DuckDBPyConnection, out: Path, *, synthetic: bool = False) -> list[Path]:
    """Replace `out` by this refresh's pages (written aside, then swapped in: a reader never sees half of them)."""
    pages = pages_from_report(con)
    for leftover in out.parent.glob(f".{out.name}-*"):  # left by a refresh killed while writing its pages
        shutil.rmtree(leftover, ignore_errors=True)
    names = dict(con.execute("select ptsm_id, ptsm_nom from ref_ptsm_registry").fetchall())
    staging_dir = out.parent / f".{out.name}-{uuid.uuid4().hex}"
    staging_dir.mkdir(parents=True)
    warning = " Données SYNTHÉTIQUES (échantillon de démonstration) : ces retours ne concernent aucun fichier réel." \
        if synthetic else ""
    written = []
    for owner in sorted(pages):
        if owner == NATIONAL:
            title = "Retour sur les fichiers nationaux"
            intro = ("Fichiers nationaux (enquête, recensement des coordonnateurs, statut des PTSM) et fichiers dont le "
                     "PTSM n'a pu être identifié : chaque problème est situé et la manière de le corriger est indiquée.")
        else:
            title = f"Retour sur les fichiers de {owner} ({names.get(owner, '')})"
            intro = ("Lors du dernier rafraîchissement de l'observatoire, les lignes ou fichiers ci-dessous n'ont pas pu "
                     "être pris en compte. Corrigez-les puis renvoyez le fichier ; vous pouvez le vérifier avant l'envoi "
                     "avec ptsm check ou le modèle ptsm template.")
        path = staging_dir / f"{owner}.html"
        path.write_text(render_page(title, intro + warning, pages[owner],
                                    footer="Observatoire des PTSM — DMSMP. Page produite automatiquement à partir du "
                                           "rapport qualité (quality_report)."), encoding="utf-8")
        written.append(out / path.name)
    (staging_dir / "index.html").write_text(_index(pages, names, warning), encoding="utf-8")
    old = out.parent / f".{out.name}-old-{uuid.uuid4().hex}"
    if out.exists():
        os.replace(out, old)
    os.replace(staging_dir, out)
    shutil.rmtree(old, ignore_errors=True)
    return written


def _index(pages: dict[str, list[FileFindings]], names: dict[str, str], warning: str) -> str:
    items = []
    for owner in sorted(pages):
        count = sum(len(f.findings) for f in pages[owner])
        label = "Fichiers nationaux" if owner == NATIONAL else f"{owner} — {names.get(owner, '')}"
        items.append(f"<li><a href=\"{_e(owner)}.html\">{_e(label)}</a> : {count} problème{'s' if count > 1 else ''}</li>")
    body = "\n".join(items) or "<li>Aucun problème dans les fichiers reçus.</li>"
    return ("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<title>Retours aux producteurs</title>\n"
            "</head>\n<body style=\"font-family: system-ui, sans-serif; max-width: 900px; margin: 24px auto;\">\n"
            f"<h1>Retours aux producteurs de fichiers</h1>\n<p>Une page par PTSM dont les fichiers ont eu des problèmes, et "
            f"une pour les fichiers nationaux.{_e(warning)}</p>\n<ul>\n{body}\n</ul>\n</body>\n</html>\n")
