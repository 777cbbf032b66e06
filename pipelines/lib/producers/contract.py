"""The project's data contract, `docs/contract.md`: its tables are generated here so they cannot drift.

The page mixes prose written by hand (parsing rules, definitions, exit codes) with blocks generated from the code
that does the work: the input columns and survey questions from the catalogue (`pipelines/lib/catalogue/catalogue.toml`
through `catalogue.py`), the
vocabularies from `vocabularies.csv` (through `pipelines.lib.catalogue.vocab`, its one reader), the marts from the
`-- mart:` / `-- grain:` / `-- column` headers of `sql/marts/*.sql` (the same headers the published DICTIONNAIRE.md
is built from) and the commands from the `ptsm` argument parser. A generated block sits between
`<!-- generated: NAME -->` and `<!-- end: NAME -->`; everything outside the markers is kept as written.

Regenerate with `uv run python -m pipelines.lib.producers.contract`; `tests/test_contract_doc.py` fails when the
committed page differs from what this module writes.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Callable

from pipelines.lib.catalogue import catalogue
from pipelines.lib.catalogue import export_formats as ef
from pipelines.lib.catalogue import families as fam
from pipelines.lib.catalogue.vocab import KIND_LABELS, vocabulary_rows
from pipelines.lib.core.config import PROJECT_ROOT
from pipelines.lib.warehouse.sql_files import load_models

CONTRACT = PROJECT_ROOT / "docs" / "contract.md"
_BLOCK = re.compile(r"(<!-- generated: (?P<name>[a-z_]+) -->\n)(?P<body>.*?)(<!-- end: (?P=name) -->)", re.S)

# How each kind of input column is read (export_formats.Column.kind), in the words of the parsing rules above it.
KIND_TYPES = {
    "text": "texte",
    "integer": "entier",
    "number": "nombre (virgule décimale, `12 500,50 €`)",
    "date": "date (`AAAA-MM-JJ`, `JJ/MM/AAAA`, date Excel)",
    "datetime": "date et heure",
    "yes_no": "oui/non",
    "ticked": "case cochée (`Y` ou vide)",
    "choice": "une valeur d'un vocabulaire",
    "choices": "liste de valeurs d'un vocabulaire (`;`)",
    "priorities": "liste de priorités 1-6",
    "ptsm": "identifiant du registre des PTSM",
}
EXTRA_KINDS = {"priorite": "priorité du décret", "feuille": "nom de feuille (classeurs de fiches actions)"}


def _cell(text: object) -> str:
    return (str(text) if text not in (None, "") else "—").replace("|", "\\|").replace("\n", " ")


def _anchor(kind: str) -> str:
    return f"vocabulaire-{kind.replace('_', '-')}"


def _values(family: str, column: ef.Column) -> str:
    """The accepted values of a column: its vocabulary (linked), the subset a family allows, or its bounds."""
    if column.vocabulary:
        text = f"[`{column.vocabulary}`](#{_anchor(column.vocabulary)})"
        if column.exclude:
            text += f" sauf {', '.join(f'`{v}`' for v in column.exclude)} ({column.exclude_reason})"
        return text
    bounds = [f"≥ {column.minimum:g}" if column.minimum is not None else "",
              f"≤ {column.maximum:g}" if column.maximum is not None else ""]
    return ", ".join(b for b in bounds if b) or "—"


def _required(column: ef.Column) -> str:
    if not column.required:
        return "non"
    return "colonne obligatoire, cellule vide permise" if column.may_be_empty else "oui"


def inputs_block() -> str:
    lines: list[str] = []
    for sheet in ef.SHEETS:
        family = fam.FAMILIES[sheet.family]
        lines += [f"### `{sheet.family}` — {sheet.title} (feuille `{sheet.sheet}`)", "",
                  f"Fichier : {sheet.file_pattern}. Dossier : `{family.name}/`. Colonne clé (repère la ligne "
                  f"d'en-tête) : `{family.key_column}`.", "",
                  "| colonne | type | obligatoire | valeurs | description |", "|---|---|---|---|---|"]
        lines += [f"| `{c.name}` | {KIND_TYPES[c.kind]} | {_required(c)} | {_values(sheet.family, c)} | "
                  f"{_cell(c.description)} |" for c in sheet.columns]
        lines.append("")
    return "\n".join(lines)


def survey_questions_block() -> str:
    lines = ["| question | libellé | réponses publiées, dans l'ordre | posée à |", "|---|---|---|---|"]
    for q in catalogue.survey_questions():
        answers = catalogue.survey_answers(q.question)
        shown = ", ".join(f"`{a}`" for a in answers) if answers is not None else "les valeurs données (texte)"
        asked = f"`{q.condition[0]}` = `{q.condition[1]}`" if q.condition else "tous les répondants complets"
        lines.append(f"| `{q.question}` | {_cell(q.label)} | {_cell(shown)} | {asked} |")
    return "\n".join(lines) + "\n"


def vocabularies_block() -> str:
    kinds: dict[str, list[dict[str, str]]] = {}
    for row in vocabulary_rows():
        kinds.setdefault(row["kind"], []).append(row)
    lines: list[str] = []
    for kind, rows in kinds.items():
        name = KIND_LABELS.get(kind) or EXTRA_KINDS.get(kind, kind)
        lines += [f'<a id="{_anchor(kind)}"></a>', f"### `{kind}` — {name}", "",
                  "| code | libellé | synonymes acceptés | groupe |", "|---|---|---|---|"]
        lines += [f"| `{r['code']}` | {_cell(r['label'])} | {_cell(', '.join(s for s in r['synonyms'].split('|') if s))} "
                  f"| {_cell(r['grp'])} |" for r in rows]
        lines.append("")
    return "\n".join(lines)


def marts_block() -> str:
    lines: list[str] = []
    for model in load_models(PROJECT_ROOT / "sql", "marts"):
        lines += [f"### `{model.name}`", "", model.description or "(description absente)", ""]
        if model.grain:
            lines += [f"Grain : {model.grain}", ""]
        lines += ["| colonne | description |", "|---|---|"]
        lines += [f"| `{name}` | {_cell(text)} |" for name, text in model.columns.items()]
        lines.append("")
    return "\n".join(lines)


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps sub-commands in a private action: the only way to list them
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _usage(parser: argparse.ArgumentParser) -> str:
    parts = []
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        name = action.option_strings[-1] if action.option_strings else action.dest.upper()
        if action.option_strings and action.nargs != 0:
            name += f" {action.dest.upper()}"
        if action.nargs == "+":
            name += "…"
        parts.append(name if action.required or not action.option_strings else f"[{name}]")
    return " ".join(parts)


def commands_block(parser: argparse.ArgumentParser) -> str:
    helps = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
    lines = ["| command | what it does |", "|---|---|"]
    for name, sub in _subcommands(parser).items():
        nested = _subcommands(sub)
        if nested:
            for inner, inner_parser in nested.items():
                usage = " ".join(p for p in (f"ptsm {name} {inner}", _usage(inner_parser)) if p)
                lines.append(f"| `{usage.strip()}` | {_cell(helps.get(name, ''))} |")
        else:
            lines.append(f"| `{' '.join(p for p in (f'ptsm {name}', _usage(sub)) if p)}` | {_cell(helps.get(name, ''))} |")
    return "\n".join(lines) + "\n"


def blocks(parser: argparse.ArgumentParser) -> dict[str, Callable[[], str]]:
    return {"inputs": inputs_block, "survey_questions": survey_questions_block, "vocabularies": vocabularies_block,
            "marts": marts_block,
            "commands": lambda: commands_block(parser)}


def render_contract(text: str, parser: argparse.ArgumentParser) -> str:
    """The page with every generated block rewritten; ValueError when a marker names no known block."""
    makers = blocks(parser)
    found = set()

    def fill(match: re.Match) -> str:
        name = match["name"]
        if name not in makers:
            raise ValueError(f"docs/contract.md: unknown generated block {name}")
        found.add(name)
        return match.group(1) + makers[name]() + match.group(4)

    rendered = _BLOCK.sub(fill, text)
    missing = set(makers) - found
    if missing:
        raise ValueError(f"docs/contract.md: generated blocks missing: {', '.join(sorted(missing))}")
    return rendered


def main(argv: list[str] | None = None) -> int:
    from pipelines.cli import build_parser  # the command line is the source of the commands table

    rendered = render_contract(CONTRACT.read_text(encoding="utf-8"), build_parser())
    CONTRACT.write_text(rendered, encoding="utf-8")
    print(f"written {CONTRACT.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
