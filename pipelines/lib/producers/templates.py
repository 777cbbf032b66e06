"""`ptsm template`: one XLSX template per export family, generated from the export formats and the vocabularies.

A coordinator who fills a template sends a file the refresh reads whole: exact sheet names and headers, a
`Lisez-moi` sheet explaining every column in French, drop-down lists (Excel data validation) for every controlled
value, number and date formats on the cells, the PTSM prefilled when given, and the file name to use. The files are
byte-identical from one generation to the next (fixed document properties; xlsxwriter fixes the zip timestamps),
so a changed template in git always means a changed format.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from pipelines.lib.catalogue import export_formats as ef
from pipelines.lib.catalogue.vocab import KIND_LABELS

ROWS = 1000                       # rows prepared with formats and drop-down lists
FIXED_DATE = dt.datetime(2024, 1, 1)
FILES = {
    "enquete_coordonnateurs": "modele_enquete_coordonnateurs",
    "coordonnateurs": "modele_recensement_coordonnateurs",
    "fiches_actions": "modele_fiches_actions",
    "statut_ptsm": "modele_statut_ptsm",
}
LISTS_SHEET = "listes"
KIND_TEXT = {
    "text": "texte libre",
    "integer": "nombre entier",
    "number": "nombre (virgule décimale acceptée, « 12 500,50 € » aussi)",
    "date": "date (AAAA-MM-JJ, JJ/MM/AAAA ou date Excel)",
    "datetime": "date et heure (AAAA-MM-JJ HH:MM:SS ou JJ/MM/AAAA HH:MM)",
    "yes_no": "Oui / Non",
    "ticked": "Y si coché, vide sinon",
    "choice": "une valeur de la liste déroulante",
    "choices": "une ou plusieurs valeurs de la liste, séparées par « ; »",
    "priorities": "nombres de 1 à 6 séparés par « ; »",
    "ptsm": "identifiant du registre des 104 PTSM",
}


def run_template(out: Path, ptsm: str | None) -> int:
    """`ptsm template`: write the templates and say where, in French."""
    try:
        written = write_templates(out, ptsm)
    except ValueError as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 2
    print(f"{len(written)} modèles écrits dans {out} :")
    for path in written:
        print(f"  {path.name}")
    return 0


def write_templates(out: Path, ptsm: str | None = None) -> list[Path]:
    """Write the four templates into `out`; with `ptsm`, the action-plan template (the one file a PTSM sends
    itself; the others are national) is prefilled for that PTSM."""
    if ptsm is not None:
        ptsm = ptsm.strip().upper()
        if ptsm not in dict(ef.registry()):
            raise ValueError(f"PTSM inconnu du registre : {ptsm}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for family, stem in FILES.items():
        own = ptsm if family == "fiches_actions" else None
        written.append(_write(out / (f"{stem}_{own}.xlsx" if own else f"{stem}.xlsx"), family, own))
    return written


def _write(path: Path, family: str, ptsm: str | None) -> Path:
    import xlsxwriter

    sheets = ef.sheets_of(family)
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    book.set_properties({"title": sheets[0].title, "author": "DMSMP — Observatoire des PTSM", "company": "DMSMP",
                         "created": FIXED_DATE, "comments": "Modèle généré par ptsm template"})
    styles = _styles(book)
    readme = book.add_worksheet("Lisez-moi")
    data_sheets = {sheet.sheet: book.add_worksheet(sheet.sheet) for sheet in sheets}
    lists = book.add_worksheet(LISTS_SHEET)
    sources = _write_lists(lists, styles, ptsm)
    lists.hide()
    _write_readme(readme, styles, sheets, ptsm)
    for sheet in sheets:
        _write_data_sheet(data_sheets[sheet.sheet], styles, sheet, sources, ptsm)
    data_sheets[sheets[0].sheet].activate()
    book.close()
    return path


def _styles(book) -> dict[str, object]:
    return {
        "header": book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "top"}),
        "required": book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True, "valign": "top"}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "bold": book.add_format({"bold": True}),
        "text": book.add_format({"num_format": "@"}),
        "integer": book.add_format({"num_format": "0"}),
        "number": book.add_format({"num_format": "#,##0.00"}),
        "date": book.add_format({"num_format": "dd/mm/yyyy"}),
        "datetime": book.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"}),
    }


def _write_lists(sheet, styles, ptsm: str | None) -> dict[str, str]:
    """The values of every drop-down list, one column each on a hidden sheet; returns kind -> range formula."""
    columns: list[tuple[str, str, list[str]]] = [("ptsm", "Identifiants PTSM", [p for p, _ in ef.registry()])]
    # one list per vocabulary, and one per part of a vocabulary a column accepts (survey porteur: no roster-only value)
    lists = {ef.list_key(c): c for s in ef.SHEETS for c in s.columns if c.vocabulary}
    columns += [(key, f"Valeurs : {KIND_LABELS.get(c.vocabulary, c.vocabulary)}"
                 + "".join(f" sans {code}" for code in c.exclude), ef.accepted_values(c.vocabulary, c.exclude))
                for key, c in sorted(lists.items(), key=lambda item: (bool(item[1].exclude), item[0]))]
    columns += [("yes_no", "Valeurs : oui/non", ["Oui", "Non"]), ("ticked", "Valeurs : coché", ["Y"])]
    sources = {}
    for index, (kind, title, values) in enumerate(columns):
        sheet.write_string(0, index, title, styles["bold"])
        for row, value in enumerate(values, start=1):
            sheet.write_string(row, index, value)
        letter = _letter(index)
        sources[kind] = f"={LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
    if ptsm:
        sources["ptsm"] = [ptsm]
    return sources


def _letter(index: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(index)


def _write_readme(sheet, styles, sheets: list[ef.Sheet], ptsm: str | None) -> None:
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 12)
    sheet.set_column(2, 2, 70)
    sheet.set_column(3, 3, 60)
    sheet.set_column(4, 4, 24)
    pattern = sheets[0].file_pattern.replace("<PTSM>", ptsm or "PTSM-XX")
    lines = [
        (sheets[0].title, styles["title"]),
        ("Comment remplir ce modèle", styles["bold"]),
        (f"1. Enregistrez le fichier sous le nom : {pattern}.", None),
        ("2. Ne renommez pas les feuilles et ne modifiez pas la ligne d'en-tête (noms des colonnes).", None),
        ("3. Une ligne par enregistrement, sans ligne vide ni ligne de commentaire entre les lignes.", None),
        ("4. Les colonnes marquées « oui » sont obligatoires ; les listes déroulantes donnent les valeurs acceptées.", None),
        ("5. Avant l'envoi, vérifiez le fichier : ptsm check <fichier> (ou demandez-le à la DMSMP).", None),
    ]
    if ptsm:
        name = dict(ef.registry())[ptsm]
        lines.insert(1, (f"Modèle préparé pour {ptsm} ({name}).", styles["bold"]))
    for row, (text, style) in enumerate(lines):
        sheet.write_string(row, 0, text, style) if style else sheet.write_string(row, 0, text)
    row = len(lines) + 1
    for spec in sheets:
        sheet.write_string(row, 0, f"Feuille « {spec.sheet} »", styles["title"])
        row += 1
        for col, title in enumerate(["Colonne", "Obligatoire", "Description", "Valeurs acceptées", "Exemple"]):
            sheet.write_string(row, col, title, styles["header"])
        row += 1
        for column in spec.columns:
            accepted = KIND_TEXT[column.kind]
            if column.vocabulary:
                accepted += " : " + " ; ".join(ef.accepted_values(column.vocabulary, column.exclude))
            if column.minimum is not None and column.kind in ("integer", "number"):
                accepted += f" (de {_num(column.minimum)}" + (f" à {_num(column.maximum)})" if column.maximum is not None else ")")
            required = "oui" if column.filled else ("colonne oui, valeur facultative" if column.required else "non")
            values = [column.name, required, column.description, accepted, column.example]
            for col, value in enumerate(values):
                sheet.write_string(row, col, value, styles["wrap"])
            row += 1
        row += 1


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def _write_data_sheet(sheet, styles, spec: ef.Sheet, sources: dict[str, object], ptsm: str | None) -> None:
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(spec.columns):
        sheet.write_string(0, index, column.name, styles["required" if column.filled else "header"])
        style = {"integer": "integer", "number": "number", "date": "date", "datetime": "datetime"}.get(column.kind, "text")
        sheet.set_column(index, index, max(14, min(40, len(column.name) + 4)), styles[style])
        sheet.data_validation(1, index, ROWS, index, _validation(column, sources))
        if column.kind == "ptsm" and ptsm:
            sheet.write_string(1, index, ptsm, styles["text"])


def _validation(column: ef.Column, sources: dict[str, object]) -> dict[str, object]:
    title = column.name[:32]
    message = column.description[:255]
    rule: dict[str, object] = {"input_title": title, "input_message": message, "error_title": title,
                               "ignore_blank": True}
    if column.kind in ("choice", "choices", "ptsm", "yes_no", "ticked"):
        key = ef.list_key(column)
        rule.update({"validate": "list", "source": sources[key]})
        if column.kind == "choices":  # several values separated by ";": the list helps, it does not forbid
            rule["error_type"] = "information"
            rule["error_message"] = "Plusieurs valeurs ? Séparez-les par « ; » (ex. Enfants; Proches et aidants)."
        else:
            rule["error_message"] = "Choisissez une valeur de la liste déroulante."
    elif column.kind == "integer":
        rule.update({"validate": "integer", "criteria": "between", "minimum": int(column.minimum or 0),
                     "maximum": int(column.maximum if column.maximum is not None else 2**31 - 1),
                     "error_message": "Nombre entier attendu" + (f" (de {_num(column.minimum)} à {_num(column.maximum)})."
                                                                 if column.maximum is not None else ".")})
    elif column.kind == "number":
        rule.update({"validate": "decimal", "criteria": "between", "minimum": column.minimum or 0,
                     "maximum": column.maximum if column.maximum is not None else 1e12,
                     "error_message": "Nombre positif attendu" + (f" (au plus {_num(column.maximum)})."
                                                                 if column.maximum is not None else ".")})
    elif column.kind in ("date", "datetime"):
        rule.update({"validate": "date", "criteria": "between", "minimum": dt.date(1990, 1, 1),
                     "maximum": dt.date(2100, 12, 31), "error_message": "Date attendue (JJ/MM/AAAA)."})
    else:
        rule.update({"validate": "any"})
    return rule
