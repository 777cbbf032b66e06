"""The four export families of docs/contract.md §2: where their files live, their columns, and how one row is typed.

Typing a row returns the typed values and the list of problems found; the caller decides (per docs/contract.md §2.1) whether
a problem quarantines the whole row (actions, funding, roster, milestones) or only blanks one answer (survey).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from pipelines.lib.core import parsing as p
from pipelines.lib.core.parsing import fold
from pipelines.lib.core.file_formats import EXCEL_ERRORS, TABULAR_SUFFIXES
from pipelines.lib.catalogue import catalogue
from pipelines.lib.catalogue.vocab import vocabulary


@dataclass(frozen=True)
class Problem:
    field: str
    value: str | None
    reason: str


@dataclass(frozen=True)
class Family:
    name: str              # sub-folder of the raw directory
    raw_tables: dict[str, list[str]]   # raw table -> its known columns (folded header names)
    required: dict[str, list[str]]     # raw table -> columns a file must have
    key_column: str
    sheets: dict[str, str] | None = None  # folded sheet name -> raw table (XLSX with several sheets)
    suffixes: tuple[str, ...] = TABULAR_SUFFIXES  # every family as CSV or any workbook format (docs/contract.md §2)

    def sheet_table(self, sheet_name: str) -> str | None:
        """The raw table a sheet holds, by its name or a synonym people use (`Fiches actions`, `Budget`...) from
        the `feuille` vocabulary of vocabularies.csv: a new wording is one line of data, not code."""
        if not self.sheets:
            return None
        if fold(sheet_name) in self.sheets:
            return self.sheets[fold(sheet_name)]
        try:
            return self.sheets.get(fold(vocabulary("feuille").code(sheet_name)))
        except (ValueError, KeyError):
            return None


def _columns(family: str, table: str, kinds: tuple[str, ...] | None = None) -> list[str]:
    return [c.name for c in catalogue.sheet(family, table).columns if kinds is None or c.kind in kinds]


# The survey's columns by kind, from the catalogue (catalogue.toml): a choice column is typed with its vocabulary.
SURVEY_CHOICES = {c.name: c.vocabulary for c in catalogue.sheet("enquete_coordonnateurs", "survey").columns
                  if c.kind == "choice"}
# Codes of a shared vocabulary that a survey column does not allow, with the French reason the quarantine gives:
# the survey offers six employers, the roster seven (issue 19 §1). The answer is blanked and reported at staging,
# so it never reaches the answer labels' list and never unbalances `answers_add_up_to_denominator`.
SURVEY_RESERVED = {c.name: (set(c.exclude), c.exclude_reason)
                   for c in catalogue.sheet("enquete_coordonnateurs", "survey").columns if c.exclude}
NAME_MASK = "(nom masqué)"
MAX_RESPONSE_ID = 2**53  # exact as a float, fits the staging BIGINT
SURVEY_YES_NO = _columns("enquete_coordonnateurs", "survey", ("yes_no",))
SURVEY_MULTIPLE = _columns("enquete_coordonnateurs", "survey", ("ticked",))
SURVEY_COLUMNS = ["id", "submitdate", "ptsm_id", *SURVEY_CHOICES, "quotite", *SURVEY_YES_NO, *SURVEY_MULTIPLE, "salaire_net"]

ROSTER_COLUMNS = _columns("coordonnateurs", "roster")
ACTION_COLUMNS = _columns("fiches_actions", "actions")
FUNDING_COLUMNS = _columns("fiches_actions", "funding")
MILESTONE_COLUMNS = _columns("statut_ptsm", "milestones")


def _family(name: str) -> Family:
    sheets = [s for s in catalogue.sheets() if s.family == name]
    return Family(
        name=name,
        raw_tables={s.table: [c.name for c in s.columns] for s in sheets},
        required={s.table: [c.name for c in s.columns if c.required] for s in sheets},
        key_column=catalogue.key_column(name),
        sheets={s.sheet: s.table for s in sheets} if len(sheets) > 1 else None,
    )


FAMILIES = {name: _family(name) for name in catalogue.family_names()}
# the survey's raw table keeps its historical column order (typing, raw fingerprints)
FAMILIES["enquete_coordonnateurs"] = Family(
    name="enquete_coordonnateurs",
    raw_tables={"survey": SURVEY_COLUMNS},
    required=FAMILIES["enquete_coordonnateurs"].required,
    key_column=FAMILIES["enquete_coordonnateurs"].key_column,
)


def _apply(problems: list[Problem], field: str, value: str | None, parse: Callable[[str | None], object]) -> object:
    if value is not None and value.strip() in EXCEL_ERRORS:
        problems.append(Problem(field, value, f"cellule en erreur Excel ({value.strip()})"))
        return None
    if value is not None and "\ufffd" in value:
        problems.append(Problem(field, value, "octets invalides pour l'encodage UTF-8"))
        return None
    try:
        return parse(value)
    except ValueError as error:
        problems.append(Problem(field, value, str(error)))
        return None


def _known_ptsm(registry: set[str]) -> Callable[[str | None], str | None]:
    def parse(value: str | None) -> str | None:
        if p.is_blank(value):
            raise ValueError("ptsm_id manquant")
        code = str(value).strip().upper()
        if code not in registry:
            raise ValueError(f"ptsm_id inconnu du registre : {str(value).strip()}")
        return code
    return parse


def _choice(kind: str) -> Callable[[str | None], str | None]:
    def parse(value: str | None) -> str | None:
        return None if p.is_blank(value) else vocabulary(kind).code(value)
    return parse


def _survey_choice(column: str, kind: str) -> Callable[[str | None], str | None]:
    """A survey answer from its vocabulary, refused when the code belongs to another family only."""
    parse_any = _choice(kind)
    reserved, reason = SURVEY_RESERVED.get(column, (set(), ""))

    def parse(value: str | None) -> str | None:
        code = parse_any(value)
        if code in reserved:
            raise ValueError(reason)
        return code
    return parse


def _codes(kind: str, required: bool = False) -> Callable[[str | None], list[str]]:
    def parse(value: str | None) -> list[str]:
        items = p.split_list(value)
        if required and not items:
            raise ValueError(f"{kind} manquant")
        codes: list[str] = []
        for item in items:
            code = vocabulary(kind).code(item)
            if code not in codes:
                codes.append(code)
        return codes
    return parse


def _year(value: str | None) -> int | None:
    return p.parse_int(value, 2000, 2100, what="année")


def _required(parse: Callable[[str | None], object], what: str) -> Callable[[str | None], object]:
    def wrapped(value: str | None) -> object:
        if p.is_blank(value):
            raise ValueError(f"{what} manquant")
        return parse(value)
    return wrapped


def type_survey_row(row: dict[str, str | None], registry: set[str]) -> tuple[dict[str, object], list[Problem]]:
    """One LimeSurvey response: an unreadable answer becomes a missing answer (reported)."""
    problems: list[Problem] = []
    typed: dict[str, object] = {
        "response_id": _apply(problems, "id", row.get("id"), _required(lambda v: p.parse_int(v, 0, MAX_RESPONSE_ID, what="id"), "id")),
        "submitdate": _apply(problems, "submitdate", row.get("submitdate"), p.parse_timestamp),
        "ptsm_id": _apply(problems, "ptsm_id", row.get("ptsm_id"), _known_ptsm(registry)),
    }
    for column, kind in SURVEY_CHOICES.items():
        typed[column] = _apply(problems, column, row.get(column), _survey_choice(column, kind))
    typed["quotite"] = _apply(problems, "quotite", row.get("quotite"), _quotite)
    for column in SURVEY_YES_NO:
        typed[column] = _apply(problems, column, row.get(column), p.parse_yes_no)
    for column in SURVEY_MULTIPLE:
        typed[survey_item_column(column)] = _apply(problems, column, row.get(column), p.parse_multiple_choice)
    typed["salaire_net"] = _apply(problems, "salaire_net", row.get("salaire_net"), p.parse_amount)
    return typed, problems


def survey_item_column(question: str) -> str:
    """`moyens[vehicule]` -> `moyens_vehicule` (a SQL-friendly column name)."""
    return question.replace("[", "_").replace("]", "")


def type_roster_row(row: dict[str, str | None], registry: set[str]) -> tuple[dict[str, object], list[Problem]]:
    problems: list[Problem] = []
    typed = {
        "ptsm_id": _apply(problems, "ptsm_id", row.get("ptsm_id"), _known_ptsm(registry)),
        "coordonnateur": _apply(problems, "coordonnateur", row.get("coordonnateur"), _required(lambda v: str(v).strip(), "coordonnateur")),
        "etp": _apply(problems, "etp", row.get("etp"), _required(_fte, "etp")),
        "date_debut": _apply(problems, "date_debut", row.get("date_debut"), _required(p.parse_date, "date_debut")),
        "date_fin": _apply(problems, "date_fin", row.get("date_fin"), p.parse_date),
        "type_contrat": _apply(problems, "type_contrat", row.get("type_contrat"), _choice("contrat")),
        "porteur": _apply(problems, "porteur", row.get("porteur"), _choice("porteur")),
        "financement_ars_eur": _apply(problems, "financement_ars_eur", row.get("financement_ars_eur"), p.parse_amount),
        "cofinancement_eur": _apply(problems, "cofinancement_eur", row.get("cofinancement_eur"), p.parse_amount) or 0.0,
    }
    if typed["date_debut"] and typed["date_fin"] and typed["date_fin"] < typed["date_debut"]:
        problems.append(Problem("date_fin", row.get("date_fin"), "date_fin antérieure à date_debut"))
    # a name never reaches quality_report (a published mart): the reason says what is wrong, not who
    problems = [Problem(q.field, NAME_MASK if q.value else q.value, q.reason) if q.field == "coordonnateur" else q
                for q in problems]
    return typed, problems


def _quotite(value: str | None) -> int | None:
    """Part-time rate in %: `80` or `80 %`."""
    number, _ = p.parse_percent(value)
    return p.parse_int(None if number is None else repr(number), 10, 99, what="quotité")


def _fte(value: str | None) -> float:
    number, percent = p.parse_percent(value)  # `80 %` is 0.8 FTE
    if number is not None and percent:
        number = number / 100
    if number is None or not 0 < number <= 1:
        raise ValueError("etp hors de ]0 ; 1]")
    return number


def type_action_row(row: dict[str, str | None], registry: set[str]) -> tuple[dict[str, object], list[Problem]]:
    problems: list[Problem] = []
    typed = {
        "ptsm_id": _apply(problems, "ptsm_id", row.get("ptsm_id"), _known_ptsm(registry)),
        "num_action": _apply(problems, "num_action", row.get("num_action"), _required(lambda v: str(v).strip(), "num_action")),
        "intitule": (row.get("intitule") or "").strip() or None,
        "priorities": _apply(problems, "priorites", row.get("priorites"), p.parse_priorities),
        "publics": _apply(problems, "publics", row.get("publics"), _codes("public")),
        "thematiques": _apply(problems, "thematiques", row.get("thematiques"), _codes("thematique")),
        "secteurs": _apply(problems, "secteurs", row.get("secteurs"), _codes("secteur")),
        "statut": _apply(problems, "statut", row.get("statut"), _required(_choice("statut"), "statut")),
        "priorisee_ctsm": _apply(problems, "priorisee_ctsm", row.get("priorisee_ctsm"), p.parse_yes_no),
        "annee_debut": _apply(problems, "annee_debut", row.get("annee_debut"), _year),
        "annee_fin": _apply(problems, "annee_fin", row.get("annee_fin"), _year),
    }
    return typed, problems


def type_funding_row(row: dict[str, str | None]) -> tuple[dict[str, object], list[Problem]]:
    problems: list[Problem] = []
    funder = _apply(problems, "financeur", row.get("financeur"), _required(_choice("financeur"), "financeur"))
    typed = {
        "num_action": _apply(problems, "num_action", row.get("num_action"), _required(lambda v: str(v).strip(), "num_action")),
        "financeur": funder,
        "funder_group": vocabulary("financeur").groups.get(funder) if funder else None,
        "annee": _apply(problems, "annee", row.get("annee"), _year),
        "montant_eur": _apply(problems, "montant_eur", row.get("montant_eur"), _required(p.parse_amount, "montant_eur")),
        "nature": _apply(problems, "nature", row.get("nature"), _choice("nature")),
    }
    return typed, problems


def type_milestone_row(row: dict[str, str | None], registry: set[str]) -> tuple[dict[str, object], list[Problem]]:
    problems: list[Problem] = []
    typed = {
        "ptsm_id": _apply(problems, "ptsm_id", row.get("ptsm_id"), _known_ptsm(registry)),
        "date_arrete_ptsm": _apply(problems, "date_arrete_ptsm", row.get("date_arrete_ptsm"), p.parse_date),
        "date_signature_ctsm": _apply(problems, "date_signature_ctsm", row.get("date_signature_ctsm"), p.parse_date),
    }
    return typed, problems


def is_hint_row(row: dict[str, str | None], problems: list[Problem], identity: str) -> bool:
    """A legend or input-hint row (`Identifiant du PTSM`, `Oui / Non`... under the header, or a legend table under
    the data), not a data row: its identity cell is filled but unusable and most of its filled cells are refused.
    It is reported once per sheet rather than as one reason per field."""
    if not any(q.field == identity and not p.is_blank(q.value) for q in problems):
        return False
    bad = {q.field for q in problems}
    filled = sum(1 for name, value in row.items() if not name.startswith("_") and not p.is_blank(value))
    return len(bad) >= 3 and len(bad) * 5 >= filled * 3


def hint_rows_reason(numbers: list[int]) -> tuple[str, str]:
    """(value, reason) of the one line that reports a sheet's legend or hint rows."""
    shown = ", ".join(str(n) for n in numbers[:8]) + (" ..." if len(numbers) > 8 else "")
    what = "ligne" if len(numbers) == 1 else "lignes"
    return (f"{what} {shown}",
            f"{len(numbers)} {what} de légende ou d'aide à la saisie (pas des données) : "
            f"{'ignorée' if len(numbers) == 1 else 'ignorées'} ; supprimez-les du fichier (gardez l'aide dans une "
            "feuille à part, par exemple « Lisez-moi »)")
