"""The four export families of docs/contract.md §2: where their files live, their columns, and how one row is typed.

One typer for every family (`type_row`), driven by each column's catalogue entry (type, vocabulary and the codes it
excludes, bounds, required, unit...) with the per-type parsers of core/parsing.py: a column added to catalogue.toml is
typed without code, and the typers can no longer drift from the templates, Table Schemas and contract generated from
the same entries. Typing a row returns the typed values and the list of problems found; the caller decides (per
docs/contract.md §2.1) whether a problem quarantines the whole row (actions, funding, roster, milestones) or only
blanks one answer (survey).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
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
NAME_MASK = "(nom masqué)"
# an integer column without a maximum (the survey's id): exact as a float, fits the staging BIGINT
MAX_INTEGER = 2**53
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


def _required(parse: Callable[[str | None], object], what: str) -> Callable[[str | None], object]:
    def wrapped(value: str | None) -> object:
        if p.is_blank(value):
            raise ValueError(f"{what} manquant")
        return parse(value)
    return wrapped


def staged_name(column: catalogue.Column) -> str:
    """The staging column of an input column: `staged_as`, else its name with brackets folded (`moyens[vehicule]` ->
    `moyens_vehicule`, a SQL-friendly name)."""
    return column.staged_as or survey_item_column(column.name)


def _bounded(column: catalogue.Column, value: float | None) -> float | None:
    """A number within its catalogue bounds. A number with only a lower bound of 0 is an amount (« montant
    négatif »); one with both bounds names them (etp: « etp hors de ]0 ; 1] »)."""
    if column.maximum is None:
        if column.minimum == 0 and value is not None and value < 0:
            raise ValueError("montant négatif")
        return value
    low = column.minimum
    if value is None or (low is not None and (value < low or (column.exclusive_minimum and value == low))) \
            or value > column.maximum:
        bracket = "]" if column.exclusive_minimum else "["
        raise ValueError(f"{column.noun or column.name} hors de {bracket}{low:g} ; {column.maximum:g}]")
    return value


def _number(column: catalogue.Column) -> Callable[[str | None], float | None]:
    def parse(value: str | None) -> float | None:
        if column.unit is None:
            number = p.parse_number(value)
        else:
            number, percent = p.parse_percent(value)
            if number is not None and percent and column.unit == "fraction":  # `80 %` is 0.8 FTE
                number = number / 100
            if number is None and column.filled:  # a lone `%`: no number where one is due
                return _bounded(column, None)
        return _bounded(column, number)
    return parse


def _integer(column: catalogue.Column) -> Callable[[str | None], int | None]:
    what = column.noun or column.name
    high = column.maximum if column.maximum is not None else MAX_INTEGER
    low, high = (None if column.minimum is None else int(column.minimum)), int(high)

    def parse(value: str | None) -> int | None:
        if column.unit == "percent":  # `80 %` is 80
            number, _ = p.parse_percent(value)
            value = None if number is None else repr(number)
        return p.parse_int(value, low, high, what=what)
    return parse


def _text(value: str | None) -> str:
    return str(value).strip()


def _parser(column: catalogue.Column) -> Callable[[str | None], object] | None:
    """The parser of one column, from its catalogue entry; a column that must be filled says so by its name. None
    for a PTSM id, whose parser is the registry of the run."""
    kind = column.kind
    if kind == "ptsm":
        return None
    if kind == "priorities":  # says itself what is missing (« priorité manquante »)
        return p.parse_priorities
    parse: Callable[[str | None], object]
    if kind == "text":
        parse = _text
    elif kind == "integer":
        parse = _integer(column)
    elif kind == "number":
        parse = _number(column)
    elif kind == "date":
        parse = p.parse_date
    elif kind == "datetime":
        parse = p.parse_timestamp
    elif kind == "yes_no":
        parse = p.parse_yes_no
    elif kind == "ticked":
        parse = p.parse_multiple_choice
    elif kind == "choice":
        parse = _excluding(_choice(column.vocabulary), column)
    elif kind == "choices":
        parse = _codes(column.vocabulary)
    else:
        raise ValueError(f"type de colonne inconnu dans le catalogue : {kind} ({column.name})")
    return _required(parse, column.name) if column.filled else parse


def _excluding(parse: Callable[[str | None], str | None], column: catalogue.Column) -> Callable[[str | None], str | None]:
    """A code of the vocabulary that this column does not accept (the survey's `porteur` refuses the roster-only
    `Cabinet de conseil`): refused with the catalogue's reason, so it never reaches the answer labels' list and never
    unbalances `answers_add_up_to_denominator` (issue 19 §1)."""
    if not column.exclude:
        return parse

    def parsed(value: str | None) -> str | None:
        code = parse(value)
        if code in column.exclude:
            raise ValueError(column.exclude_reason)
        return code
    return parsed


@dataclass(frozen=True)
class _Plan:
    """How one raw table is typed, built once from the catalogue."""
    columns: tuple[tuple[str, catalogue.Column, Callable[[str | None], object] | None], ...]  # raw table's order
    not_before: tuple[tuple[catalogue.Column, catalogue.Column], ...]  # (date, the date it may not precede)
    personal: frozenset[str]


@lru_cache(maxsize=None)
def _plan(family: str, table: str) -> _Plan:
    """Each column with its parser, in the raw table's order (the survey's is historical)."""
    columns = {c.name: c for c in catalogue.sheet(family, table).columns}
    return _Plan(tuple((name, columns[name], _parser(columns[name])) for name in FAMILIES[family].raw_tables[table]),
                 tuple((c, columns[c.not_before]) for c in columns.values() if c.not_before),
                 frozenset(c.name for c in columns.values() if c.personal))


def type_row(family: str, table: str, row: dict[str, str | None], registry: set[str]
             ) -> tuple[dict[str, object], list[Problem]]:
    """One raw row typed column by column from the catalogue: values under their staging names, and the problems
    found. The caller decides (docs/contract.md §2.1) whether a problem quarantines the row (actions, funding,
    roster, milestones) or only blanks one answer (survey). A free-text column that may stay empty is kept as typed:
    nothing in it can be wrong. A person's name stays under its column name (the staging layer pseudonymises it)
    and is masked in every problem."""
    plan = _plan(family, table)
    known_ptsm = _known_ptsm(registry)
    problems: list[Problem] = []
    typed: dict[str, object] = {}
    for name, column, parse in plan.columns:
        if column.kind == "text" and not column.required:
            typed[staged_name(column)] = _text(row.get(name) or "") or None
            continue
        value = _apply(problems, name, row.get(name), parse or known_ptsm)
        if value is None and column.empty_value is not None:
            value = column.empty_value
        typed[name if column.personal else staged_name(column)] = value
        if column.group_column:
            typed[column.group_column] = vocabulary(column.vocabulary).groups.get(value) if value else None
    for column, earlier in plan.not_before:
        before, after = typed[staged_name(earlier)], typed[staged_name(column)]
        if before and after and after < before:
            problems.append(Problem(column.name, row.get(column.name), f"{column.name} antérieure à {earlier.name}"))
    # a name never reaches quality_report (a published mart): the reason says what is wrong, not who
    if plan.personal:
        problems = [Problem(q.field, NAME_MASK if q.value else q.value, q.reason) if q.field in plan.personal else q
                    for q in problems]
    return typed, problems


def survey_item_column(question: str) -> str:
    """`moyens[vehicule]` -> `moyens_vehicule` (a SQL-friendly column name)."""
    return question.replace("[", "_").replace("]", "")


# One name per sheet for callers that type one family (tests, fuzzing): each is `type_row`, nothing more.
def type_survey_row(row: dict[str, str | None], registry: set[str]) -> tuple[dict[str, object], list[Problem]]:
    return type_row("enquete_coordonnateurs", "survey", row, registry)


def type_roster_row(row: dict[str, str | None], registry: set[str]) -> tuple[dict[str, object], list[Problem]]:
    return type_row("coordonnateurs", "roster", row, registry)


def type_action_row(row: dict[str, str | None], registry: set[str]) -> tuple[dict[str, object], list[Problem]]:
    return type_row("fiches_actions", "actions", row, registry)


def type_funding_row(row: dict[str, str | None]) -> tuple[dict[str, object], list[Problem]]:
    return type_row("fiches_actions", "funding", row, set())


def type_milestone_row(row: dict[str, str | None], registry: set[str]) -> tuple[dict[str, object], list[Problem]]:
    return type_row("statut_ptsm", "milestones", row, registry)


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
