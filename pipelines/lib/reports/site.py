"""Where the published site's pages live, read by both the reports' home page (`notebooks.index_html`) and the
regional profiles' renderer (`regional_profiles`).

Why its own module: the home page lists the profiles present while the profiles reuse the reports' exporter, so
keeping this layout in either module made `notebooks` and `regional_profiles` import each other. This module imports
neither.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.lib.catalogue import reference

PROFILES_DIR = "regions"


def region_codes(reference_dir: Path | None = None) -> list[str]:
    """The INSEE region codes of the reference data, in COG order."""
    return reference.region_codes(reference_dir)


def rendered_profiles(reports_dir: Path) -> list[tuple[str, str]]:
    """(code, French name) of the profiles present in `<reports_dir>/regions/`, in COG order: the home page's list."""
    from pipelines.lib.reports.marts_reader import region_names

    folder = Path(reports_dir) / PROFILES_DIR
    names = region_names()
    return [(code, names.get(code, code)) for code in region_codes() if (folder / f"{code}.html").is_file()]


# ------------------------------------------------------------------ the publication apparatus (issue 21 §7)

PUBLISHER = "Délégation ministérielle à la santé mentale et à la psychiatrie (DMSMP)"
CONTACT = "DMSMP — observatoire des projets territoriaux de santé mentale (PTSM), ministère chargé de la santé"
LICENCE_NAME = "Licence Ouverte / Etalab 2.0"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"


def release_number(info: dict) -> str:
    """The release as readers quote it: its date and the first four characters of its id, `2026.12.06-595c`.

    Why not the id alone: a 16-character hash cannot be read out or remembered; the date alone is not unique (two
    refreshes a day). Same release, same number, on every page and in every PDF."""
    produced = str(info.get("produced_at") or "")[:10]
    release_id = str(info.get("release_id") or "")
    if len(produced) != 10 or not release_id:
        return release_id or "?"
    return f"{produced.replace('-', '.')}-{release_id[:4]}"


def colophon_html(title: str, info: dict, *, data_href: str, pdf_href: str | None = None) -> str:
    """"Pour citer", licence, contact, the release (date and quotable number) and the page's data and PDF: the last
    section of every page, as DREES and Santé publique France close theirs."""
    import html

    from pipelines.lib.reports.formatting import fr_date

    produced = str(info.get("produced_at") or "")[:10]
    date = fr_date(produced) if produced else "date inconnue"
    number = release_number(info)
    cite = (f"{PUBLISHER}, « {title} », Observatoire des PTSM, publication n° {number} du {date}. "
            f"{LICENCE_NAME}.")
    pdf = f' · <a href="{html.escape(pdf_href)}">version PDF (A4)</a>' if pdf_href else ""
    return (f'<footer class="ptsm-colophon" aria-labelledby="ptsm-pour-citer"><h2 id="ptsm-pour-citer">Pour citer</h2>'
            f'<p class="ptsm-cite">{html.escape(cite)}</p>'
            f'<p>Publication n° <b>{html.escape(number)}</b> du {html.escape(date)} '
            f'(identifiant complet : <code>{html.escape(str(info.get("release_id") or "?"))}</code>).</p>'
            f'<p>Licence : les données et ces pages sont diffusées sous <a href="{LICENCE_URL}">{LICENCE_NAME}</a> : '
            f'réutilisation libre, en citant la source et la date.</p>'
            f'<p>Contact : {html.escape(CONTACT)}.</p>'
            f'<p><a href="{html.escape(data_href)}">Données de la publication</a> (indicateurs publics, dictionnaire, '
            f'datapackage.json){pdf}</p></footer>')


def add_colophon(page: str, colophon: str) -> str:
    """`colophon` as the last block of the page's <main> (or of its <body> when it has no <main>)."""
    for closing in ("</main>", "</body>"):
        at = page.rfind(closing)
        if at != -1:
            return page[:at] + colophon + page[at:]
    return page + colophon


# files of a release a page may link to: the public marts (CSV, Parquet), the dictionary, the Data Package
CURATED_FILES = ("DICTIONNAIRE.md",)


def curate_data(folder: Path, release: Path) -> list[str]:
    """`folder` (the reports' `donnees/`) holding only what a reader may download from the release: each public mart's
    CSV and Parquet (relative links into the release), `DICTIONNAIRE.md`, and a `datapackage.json` listing those marts
    only. Never `quality_report` (raw values of the received files: internal) nor `manifest.json` (the server's input
    path): the README keeps them inside the observatory, so no page can reach them.

    Returns the names in the folder. Rebuilt whole at each render."""
    import json
    import os
    import shutil

    from pipelines.lib.core.files import write_atomic
    from pipelines.lib.publish.datapackage import DATAPACKAGE, INTERNAL_MARTS
    from pipelines.lib.publish.release import read_manifest

    folder, release = Path(folder), Path(os.path.realpath(release))
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.is_dir():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    marts = read_manifest(release).get("marts") or []
    marts = sorted(marts if isinstance(marts, list) else marts.keys())
    public = [m for m in marts if m not in INTERNAL_MARTS]
    names = [f"{m}.{ext}" for m in public for ext in ("csv", "parquet")] + list(CURATED_FILES)
    linked = []
    for name in names:
        if (release / name).is_file():
            os.symlink(os.path.relpath(release / name, os.path.realpath(folder)), folder / name)
            linked.append(name)
    package_path = release / DATAPACKAGE
    if package_path.is_file():
        package = json.loads(package_path.read_text(encoding="utf-8"))
        package["resources"] = [r for r in package.get("resources", []) if r.get("name") in public]
        write_atomic(folder / DATAPACKAGE, json.dumps(package, ensure_ascii=False, indent=2) + "\n", mode=0o644)
        linked.append(DATAPACKAGE)
    return sorted(linked)
