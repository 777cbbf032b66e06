"""The `published_comparison` mart written for a reader: French statuses, units, gaps and bases.

Why here: the notebooks display the mart (they never recompute a published figure); this module only translates
what the mart says. Statuses: `reproduced` -> *reproduit*, `differs` -> *écart*, `not_computable` -> *non
recalculable* (with its reason). The base of a figure is read from the unit (`count (of 79)`: 79 PTSM examined by
the Cour des comptes) and from the mart's note (`16 / 46 = 34.8 %`: 16 respondents out of 46).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.lib.reports.formatting import fr_date, fr_eur, fr_num, fr_pct_value, fr_points, is_missing, NNBSP

STATUS_FR = {"reproduced": "reproduit", "differs": "écart", "not_computable": "non recalculable"}
QUALIFIER_FR = {"approx.": "environ", "lower bound": "au moins", "upper bound": "au plus"}
_OF = re.compile(r"\(of (\d+)\)")
_SURVEY_THEME = re.compile(r"^enquete_(\d{4})$")


def report_survey_wave(reference_dir=None) -> int | None:
    """The survey wave the report's published figures are about: the year of the `enquete_AAAA` theme of
    `published_figures.csv`, read exactly as `sql/marts/published_comparison.sql` reads it (largest such year).

    Why: a notebook analysing the latest wave must put published figures next to values of THIS wave (or display
    published_comparison, which is computed on it), never next to the latest wave's."""
    import csv

    from pipelines.lib.core.config import get_settings

    path = Path(reference_dir or get_settings().reference_dir) / "published_figures.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        years = [int(m.group(1)) for row in csv.DictReader(handle) if (m := _SURVEY_THEME.match(row.get("theme") or ""))]
    return max(years) if years else None
_RATIO = re.compile(r"(\d+) / (\d+)")


def _kind(unit: str) -> str:
    unit = unit or ""
    for kind in ("percent", "EUR", "inhabitants", "date", "priority list", "count"):
        if unit.startswith(kind):
            return kind
    return "other"


def _qualifier(unit: str) -> str | None:
    for key, text in QUALIFIER_FR.items():
        if f"({key})" in (unit or ""):
            return text
    return None


def _number(value: Any) -> float | None:
    if is_missing(value):
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return None


def format_value(value: Any, unit: str) -> str:
    """A published or computed value in French, with its unit."""
    if is_missing(value) or value == "":
        return "—"
    kind, number = _kind(unit), _number(value)
    if kind == "percent" and number is not None:
        return fr_pct_value(number, 0 if number.is_integer() else 1)
    if kind == "EUR" and number is not None:
        return fr_eur(number)
    if kind == "inhabitants" and number is not None:
        return f"{fr_num(number)} hab."
    if kind == "count" and number is not None:
        return fr_num(number, 0 if number.is_integer() else 1)
    if kind == "date":
        return fr_date(value)
    if kind == "priority list":
        items = [p for p in str(value).split(";") if p]
        return "priorités " + " et ".join(items) if items else "aucune"
    return str(value)


def unit_fr(unit: str) -> str:
    kind = _kind(unit)
    text = {"percent": "part (%)", "EUR": "euros", "inhabitants": "habitants", "date": "date",
            "priority list": "liste de priorités", "count": "nombre"}.get(kind, unit or "")
    if "of CDD" in (unit or ""):
        text += " des CDD"
    if "of part-time" in (unit or ""):
        text += " des temps partiels"
    if "per year" in (unit or ""):
        text += " par an"
    if "(5 years)" in (unit or ""):
        text += " sur 5 ans"
    qualifier = _qualifier(unit)
    if qualifier:
        text += f", {qualifier}"
    return text


def gap(published: Any, computed: Any, unit: str) -> str:
    """Computed minus published: points for percentages, a difference for counts, a relative gap for amounts."""
    p, c = _number(published), _number(computed)
    if p is None or c is None:
        return "—"
    kind = _kind(unit)
    if c == p:
        return "0"
    if kind == "percent":
        return fr_points(c - p)
    if kind == "count":
        return ("+" if c > p else "") + fr_num(c - p)
    if kind in ("EUR", "inhabitants") and p:
        rel = 100 * (c - p) / p
        return ("+" if rel > 0 else "") + f"{fr_num(rel, 1)}{NNBSP}%"
    return "—"


def note_fr(note: Any) -> str:
    """Notes of the mart with French decimals and dates (`34.8 %` -> `34,8 %`, `2021-09-14` -> `14 septembre 2021`)."""
    if is_missing(note) or note == "":
        return ""
    text = str(note)
    text = re.sub(r"(\d{4}-\d{2}-\d{2})", lambda m: fr_date(m.group(1)), text)
    text = re.sub(r"(\d{2})/(\d{2})/(\d{4})", lambda m: fr_date(f"{m.group(3)}-{m.group(2)}-{m.group(1)}"), text)
    text = re.sub(r"(\d)\.(\d)", r"\1,\2", text)
    text = re.sub(r"(?<![\d,])(\d+) / (\d+)(?![\d,])",
                  lambda m: f"{fr_num(int(m.group(1)))} sur {fr_num(int(m.group(2)))}", text)
    text = re.sub(r"(\d) %", f"\\1{NNBSP}%", text)
    return text.replace("points", "pts")


def bases(row: pd.Series) -> tuple[str, str]:
    """(published base, computed base) when the figure has one; empty strings otherwise."""
    unit = str(row.get("unit") or "")
    published = ""
    match = _OF.search(unit)
    if match:
        published = f"{match.group(1)} PTSM examinés" if row.get("figure_id", "").startswith("cdc_") \
            else f"sur {match.group(1)}"
    computed = ""
    denominator = _number(row.get("denominator"))
    if denominator is None:  # a release published before the mart carried its denominator: read it from the note
        note = row.get("note")
        ratio = _RATIO.search(str(note)) if not is_missing(note) else None
        denominator = float(ratio.group(2)) if ratio else None
    if denominator is not None and _kind(unit) in ("percent", "count"):
        computed = f"sur {fr_num(int(denominator))}"
    if row.get("status") == "not_computable" and published:
        computed = "PTSM non identifiés"
    return published, computed


def comparison_frame(table: pd.DataFrame) -> pd.DataFrame:
    """One French row per published figure (every row kept), sorted by theme of the figure id."""
    rows = []
    for _, row in table.iterrows():
        unit = str(row.get("unit") or "")
        status = str(row.get("status"))
        published_base, computed_base = bases(row)
        note = note_fr(row.get("note"))
        rows.append({
            "Indicateur": row.get("description") or row.get("figure_id"),
            "Valeur publiée": format_value(row.get("published_value"), unit),
            "Base publiée": published_base,
            "Valeur recalculée": format_value(row.get("computed_value"), unit),
            "Base recalculée": computed_base,
            "Unité": unit_fr(unit),
            "Écart (recalculé − publié)": gap(row.get("published_value"), row.get("computed_value"), unit),
            "Statut": STATUS_FR.get(status, status),
            "Explication": note,
            "Source du chiffre publié": row.get("source") or "",
            "_status": status,
            "figure_id": row.get("figure_id"),
        })
    return pd.DataFrame(rows)


COLUMNS = ["Indicateur", "Valeur publiée", "Base publiée", "Valeur recalculée", "Base recalculée",
           "Écart (recalculé − publié)", "Statut", "Explication", "Source du chiffre publié"]


def show_comparison(report, table: pd.DataFrame, *, title: str, figure_ids=None) -> int:
    """Display the comparison (all rows, or `figure_ids`) as a numbered French table; differing rows highlighted,
    non-recalculable rows muted with their reason."""
    if figure_ids is not None:
        wanted = list(figure_ids)
        table = table[table["figure_id"].isin(wanted)]
    frame = comparison_frame(table)
    if "figure_id" in table.columns and figure_ids is None:
        frame = frame.sort_values("figure_id", kind="stable")
    counts = frame["Statut"].value_counts()
    summary = ", ".join(f"{fr_num(counts.get(s, 0))} {s}" for s in ("reproduit", "écart", "non recalculable"))
    return report.table(
        frame, title=title, columns={c: (c, None) for c in COLUMNS},
        highlight=(frame["_status"] == "differs").tolist(), muted=(frame["_status"] == "not_computable").tolist(),
        lecture=("chaque ligne met en regard un chiffre publié par le rapport et sa valeur recalculée sur cette "
                 "publication des données ; les lignes en écart sont surlignées, les chiffres non recalculables "
                 "grisés avec leur raison."),
        champ=f"{fr_num(len(frame))} chiffres publiés : {summary}.",
        source=("rapport",),
        note=("« reproduit » : égal au chiffre publié, ou dans la tolérance annoncée (± 2 points pour une part "
              "« environ », ± 5 % sinon ; du bon côté d'une borne « au moins » / « au plus ») ; une part est comparée "
              "une fois arrondie au point entier, sur la base retenue par le rapport (répondants à la question)."),
    )
