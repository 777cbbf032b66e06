"""The one catalogue (catalogue.toml, read here only): families, sheets and columns, survey questions with their
answers and conditions, and what some vocabulary values mean to the marts (statuses, the ARS funder group, the
tripartite sectors).

Why one file: the same facts used to be restated in the typers, the SQL marts (question lists, status literals, the
ARS group), the GX value sets, the notebooks and the templates, and drifted (a survey drop-down offered a roster-only
employer). Everything else is generated from here: the row typers and column lists (`families`), the producers'
formats (`export_formats`: templates, Table Schemas, `ptsm check`), the SQL reference tables (`reference_rows`), the
GX value sets (`value_sets`), chart labels and
docs/contract.md. Vocabulary codes, labels and synonyms stay in vocabularies.csv, read by `vocab`.

The catalogue ships with the code (like the SQL files) and is read once per process; its hash is part of the staging
fingerprint, so rows typed under an older catalogue are typed again.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from pipelines.lib.catalogue import vocab

CATALOGUE_FILE = Path(__file__).with_name("catalogue.toml")
YES_NO_ANSWERS = ("oui", "non")   # how survey_results writes a yes/no answer
TICKED_ANSWERS = ("oui",)         # a ticked multiple-choice item


@dataclass(frozen=True)
class Column:
    name: str
    description: str          # French help text, for the producer
    kind: str                 # text | integer | number | date | datetime | yes_no | ticked | choice | choices | priorities | ptsm
    required: bool = False    # the column must be in the file
    vocabulary: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    example: str = ""
    may_be_empty: bool = False  # a required column whose cells may stay empty (date_fin, date_signature_ctsm)
    exclude: tuple[str, ...] = ()  # codes of the vocabulary this column refuses (survey porteur: Cabinet de conseil)
    exclude_reason: str = ""
    # How the row typer reads and stages the column (pipelines/lib/catalogue/families.type_row):
    staged_as: str | None = None     # its staging column when not its name (id -> response_id)
    noun: str | None = None          # the word a French quarantine reason uses for it (annee_debut: « année »)
    unit: str | None = None          # percent (« 80 % » is 80) | fraction (« 80 % » is 0.8): a `%` sign is accepted
    exclusive_minimum: bool = False  # the minimum itself is refused (etp: ]0 ; 1])
    empty_value: float | None = None  # what an empty cell means (cofinancement_eur: 0)
    personal: bool = False           # a person's name: staged as a pseudonym, masked in every reason
    not_before: str | None = None    # a date column of the same row this one may not precede (date_fin)
    group_column: str | None = None  # a staging column holding the vocabulary group of the code (funder_group)

    @property
    def filled(self) -> bool:
        """Every row must give a value (an empty cell quarantines the row)."""
        return self.required and not self.may_be_empty


@dataclass(frozen=True)
class Sheet:
    family: str
    table: str                # raw table name
    sheet: str                # the sheet name in a workbook
    title: str                # French
    file_pattern: str         # the file name to use
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Question:
    question: str             # survey_results.question (the column code; salaire_etp_tranche is derived)
    answers: str              # vocabulary | yes_no | ticked | open | fte_salary_bands
    label: str                # French
    condition: tuple[str, str] | None  # (question, answer) the respondent must have given to be asked
    roster_published: str | None = None  # French: where the roster publishes its subject per PTSM (no regional cell)


@lru_cache(maxsize=1)
def load() -> dict:
    with CATALOGUE_FILE.open("rb") as handle:
        return tomllib.load(handle)


def catalogue_sha256() -> str:
    """SHA-256 of the catalogue file: part of the staging fingerprint (a column rule changed re-types the rows)."""
    return hashlib.sha256(CATALOGUE_FILE.read_bytes()).hexdigest()


def family_names() -> list[str]:
    return list(load()["families"])


def key_column(family: str) -> str:
    return load()["families"][family]["key_column"]


def _column(spec: dict) -> Column:
    return Column(name=spec["name"], description=spec["help"], kind=spec["type"], required=spec.get("required", False),
                  vocabulary=spec.get("vocabulary"), minimum=spec.get("minimum"), maximum=spec.get("maximum"),
                  example=spec.get("example", ""), may_be_empty=spec.get("may_be_empty", False),
                  exclude=tuple(spec.get("exclude", ())), exclude_reason=spec.get("exclude_reason", ""),
                  staged_as=spec.get("staged_as"), noun=spec.get("noun"), unit=spec.get("unit"),
                  exclusive_minimum=spec.get("exclusive_minimum", False), empty_value=spec.get("empty_value"),
                  personal=spec.get("personal", False), not_before=spec.get("not_before"),
                  group_column=spec.get("group_column"))


@lru_cache(maxsize=1)
def sheets() -> tuple[Sheet, ...]:
    """Every sheet of every family, in catalogue order."""
    return tuple(Sheet(family, s["table"], s["sheet"], s["title"], s["file_pattern"],
                       tuple(_column(c) for c in s["columns"]))
                 for family, spec in load()["families"].items() for s in spec["sheets"])


def sheet(family: str, table: str) -> Sheet:
    return next(s for s in sheets() if s.family == family and s.table == table)


def column_values(family: str, table: str, name: str) -> list[str]:
    """The codes a choice column accepts, in vocabulary order: its vocabulary minus the codes it excludes."""
    column = next(c for c in sheet(family, table).columns if c.name == name)
    return [code for code in vocab.vocabulary(column.vocabulary).codes if code not in column.exclude]


@lru_cache(maxsize=1)
def survey_questions() -> tuple[Question, ...]:
    return tuple(Question(q["question"], q["answers"], q["label"],
                          (q["condition"]["question"], q["condition"]["answer"]) if "condition" in q else None,
                          q.get("roster_published"))
                 for q in load()["survey_questions"])


def regional_breakdown_notes() -> dict[str, str]:
    """Survey question -> the French note of its rows in survey_results_region, for each question with no regional
    breakdown because the roster publishes its subject per PTSM (`roster_published` in catalogue.toml, where the
    rule is explained). Read by the SQL (ref_survey_questions.regional_note), the audit and the regional profile."""
    return {q.question: ("Pas de résultat régional pour cette question : " + q.roster_published + " ; rapproché du "
                         "nombre de répondants de la région, il permettrait de retrouver un effectif de 1 à 4. "
                         "Le résultat national est publié.")
            for q in survey_questions() if q.roster_published}


def survey_question_labels() -> dict[str, str]:
    """survey_results.question -> French label, in display order (charts, tables)."""
    return {q.question: q.label for q in survey_questions()}


def survey_item_labels() -> dict[str, str]:
    """Multiple-choice item (moyens[...]) -> its French name, in display order (a chart of the items)."""
    return {q["question"]: q["item"] for q in load()["survey_questions"] if "item" in q}


def survey_answers(question: str) -> list[str] | None:
    """The answers a survey question publishes, in display order (None: the values given, e.g. quotite). A choice
    question's answers are the codes its column accepts (the survey vocabularies' codes are their labels)."""
    q = next(q for q in survey_questions() if q.question == question)
    if q.answers == "vocabulary":
        return column_values("enquete_coordonnateurs", "survey", question)
    if q.answers == "yes_no":
        return list(YES_NO_ANSWERS)
    if q.answers == "ticked":
        return list(TICKED_ANSWERS)
    if q.answers == "fte_salary_bands":
        return [band for band, _, _ in vocab.FTE_SALARY_BANDS]
    return None


def _survey_column(name: str) -> Column:
    return next(c for c in sheet("enquete_coordonnateurs", "survey").columns if c.name == name)


def fte_salary_rule() -> tuple[str, str, str]:
    """(working-time question, its full-time answer, its part-time answer): how salaire_etp_tranche is computed."""
    question, part_time = next(q.condition for q in survey_questions() if q.question == "quotite")
    return question, load()["fte_salary"]["full_time"], part_time


def action_statuses(role: str) -> list[str]:
    """The status codes of a role (abandoned, implemented, not_started, completed), in vocabulary order."""
    codes = set(load()["action_statuses"][role])
    return [code for code in vocab.vocabulary("statut").codes if code in codes]


def current_statuses() -> list[str]:
    """Statuses of "current" actions (not abandoned), in vocabulary order."""
    return [code for code in vocab.vocabulary("statut").codes if code not in action_statuses("abandoned")]


def ars_group() -> str:
    return load()["funders"]["ars_group"]


def thematic_blind_spots() -> dict[str, str]:
    """Theme code -> the report's words for it, for the themes the report cites as blind spots (ch. 4.1)."""
    return dict(load()["thematic_blind_spots"])


def action_themes(thematiques: str | None) -> set[str]:
    """The theme codes of one action: its `thematiques` cell, a `;` list (empty or missing: none)."""
    if not isinstance(thematiques, str):  # None, or a pandas NaN
        return set()
    return {t.strip() for t in thematiques.split(";") if t.strip()}


def ptsm_by_theme(actions: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Theme code -> the PTSM with at least one of `actions` (rows with `ptsm_id` and `thematiques`, the current
    actions of ptsm_actions) on it. The one rule of "a PTSM addresses a theme", read by notebook 03 (how many PTSM
    address each theme, blind spots in red) and by each PTSM's review (which blind spots its plan misses)."""
    addressed: dict[str, set[str]] = {}
    for action in actions:
        for theme in action_themes(action["thematiques"]):
            addressed.setdefault(theme, set()).add(action["ptsm_id"])
    return addressed


def thematic_blind_spots_missed(actions: Iterable[Mapping[str, Any]], ptsm_id: str) -> list[str]:
    """The report's words for each thematic blind spot (ch. 4.1) no action of `ptsm_id` among `actions` addresses,
    in the catalogue's order."""
    addressed = ptsm_by_theme(actions)
    return [words for code, words in thematic_blind_spots().items() if ptsm_id not in addressed.get(code, ())]


def glossary() -> dict[str, str]:
    """Acronym -> its French expansion, as the pages print it at first use and in the home page's glossary."""
    return dict(load().get("glossary", {}))


def tripartite_sectors() -> list[str]:
    return list(load()["sectors"]["tripartite"])


def reference_rows() -> dict[str, tuple[list[str], list[tuple]]]:
    """The reference tables SQL joins instead of writing values: table -> (columns, rows)."""
    questions, answers = [], []
    notes = regional_breakdown_notes()
    for position, q in enumerate(survey_questions(), start=1):
        condition = q.condition or (None, None)
        questions.append((q.question, q.question.replace("[", "_").replace("]", ""), position, q.answers,
                          q.answers == "open", q.label, condition[0], condition[1], notes.get(q.question)))
        answers += [(q.question, answer, rank) for rank, answer in enumerate(survey_answers(q.question) or [], start=1)]
    roles = load()["action_statuses"]
    statuses = [(code, position, code not in roles["abandoned"], code in roles["implemented"],
                 code in roles["not_started"], code in roles["completed"])
                for position, code in enumerate(vocab.vocabulary("statut").codes, start=1)]
    groups = sorted(set(vocab.vocabulary("financeur").groups.values()))
    return {
        "ref_survey_questions": (["question", "column_name", "position", "answers", "open_answers", "label",
                                  "condition_question", "condition_answer", "regional_note"], questions),
        "ref_fte_salary_rule": (["work_time_question", "full_time_answer", "part_time_answer"], [fte_salary_rule()]),
        "ref_survey_answers": (["question", "answer", "position"], answers),
        "ref_action_statuses": (["statut", "position", "current", "implemented", "not_started", "completed"], statuses),
        "ref_funder_groups": (["funder_group", "ars"], [(g, g == ars_group()) for g in groups]),
        "ref_tripartite_sectors": (["secteur"], [(s,) for s in tripartite_sectors()]),
    }


CATALOGUE_TABLES = {
    "ref_survey_questions": "question varchar, column_name varchar, position integer, answers varchar, "
                            "open_answers boolean, label varchar, condition_question varchar, condition_answer varchar, "
                            "regional_note varchar",
    "ref_fte_salary_rule": "work_time_question varchar, full_time_answer varchar, part_time_answer varchar",
    "ref_survey_answers": "question varchar, answer varchar, position integer",
    "ref_action_statuses": "statut varchar, position integer, current boolean, implemented boolean, "
                           "not_started boolean, completed boolean",
    "ref_funder_groups": "funder_group varchar, ars boolean",
    "ref_tripartite_sectors": "secteur varchar",
}
