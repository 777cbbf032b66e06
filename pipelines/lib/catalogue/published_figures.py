"""The figures the DMSMP report publishes, and how each is recomputed: one definition per figure, in one file.

`data/reference/published_figures.csv` holds, per figure, what the report printed (value, unit, scope, source, the
region it is about) and a machine-readable definition of its recomputation:

- `mart`, `measure`, `filter`: the numerator, an aggregate (`count`, `sum(col)`, `max(col)`, `min(col)`,
  `earliest(col)`, `latest(col)`, `list(col)`) over the rows of a published mart that pass a filter;
- `denominator_mart`, `denominator_measure`, `denominator_filter`: the denominator, the same way (optional);
- `result`: how the two make the figure: `value` (the numerator), `percent` (100 × numerator / denominator),
  `mean` (numerator / denominator), `text` (a date or a list), `none` (not computable: `not_computable_reason`).

A filter is `;`-separated conditions `column op value` (`=`, `<>`, `<`, `<=`, `>`, `>=`, `in a|b`,
`between a and b`, `contains v` for a `;`-joined list column, `is null`, `is not null`).

Why a definition and not SQL branches: the scope of a figure (its PTSM, region, dates, wave) is then written once.
`sql/marts/published_comparison.sql` and `docs/published_comparison.md` are generated from it
(`python -m pipelines.lib.catalogue.published_figures`; a test fails when either is stale), the sample generator,
the notebooks and the tests read it, and the regions each figure is about travel in the mart itself (`regions`), so
that a reader of the release sees which figures are regional.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FIGURES_FILE = "published_figures.csv"
MART_SQL = ROOT / "sql" / "marts" / "published_comparison.sql"
MART_DOC = ROOT / "docs" / "published_comparison.md"
RESULTS = ("value", "percent", "mean", "text", "none")

_MEASURE = re.compile(r"^(count)$|^(sum|max|min|earliest|latest|list)\(([a-z_][a-z0-9_]*)\)$")
_CONDITION = re.compile(
    r"^(?P<column>[a-z_][a-z0-9_]*)\s+(?P<op>=|<>|<=|>=|<|>|in|between|contains|is null|is not null)(?:\s+(?P<value>.+))?$")
_SURVEY_THEME = re.compile(r"^enquete_(\d{4})$")


class DefinitionError(ValueError):
    """A figure definition that cannot be read: the message names the figure and the field."""


@dataclass(frozen=True)
class Condition:
    column: str
    op: str
    values: tuple[str, ...]

    def sql(self) -> str:
        """DuckDB text. Values are string literals that DuckDB casts to the column's type (dates, integers,
        booleans), so a definition never carries SQL of its own."""
        col = f'"{self.column}"'
        if self.op in ("is null", "is not null"):
            return f"{col} {self.op}"
        if self.op == "in":
            return f"{col} in ({', '.join(_literal(v) for v in self.values)})"
        if self.op == "between":
            return f"{col} between {_literal(self.values[0])} and {_literal(self.values[1])}"
        if self.op == "contains":
            return f"list_contains(string_split({col}, ';'), {_literal(self.values[0])})"
        return f"{col} {self.op} {_literal(self.values[0])}"

    def text(self) -> str:
        """The condition as people read it in the documentation."""
        if self.op in ("is null", "is not null"):
            return f"`{self.column}` {'empty' if self.op == 'is null' else 'filled'}"
        if self.op == "in":
            return f"`{self.column}` in " + ", ".join(f"`{v}`" for v in self.values)
        if self.op == "between":
            return f"`{self.column}` from {self.values[0]} to {self.values[1]}"
        if self.op == "contains":
            return f"`{self.column}` contains `{self.values[0]}`"
        return f"`{self.column}` {self.op.replace('<=', '≤').replace('>=', '≥')} `{self.values[0]}`"


@dataclass(frozen=True)
class Aggregate:
    """One side of a figure: an aggregate of a mart's rows that pass a filter."""
    mart: str
    function: str
    column: str | None
    conditions: tuple[Condition, ...]

    def sql(self) -> str:
        where = " and ".join(c.sql() for c in self.conditions)
        expression = {
            "count": "count(*)::double",
            "sum": f'sum(try_cast("{self.column}" as double))',
            "max": f'max(try_cast("{self.column}" as double))',
            "min": f'min(try_cast("{self.column}" as double))',
            "earliest": f'strftime(min("{self.column}"), \'%Y-%m-%d\')',
            "latest": f'strftime(max("{self.column}"), \'%Y-%m-%d\')',
            "list": f'string_agg("{self.column}"::varchar, \';\' order by "{self.column}")',
        }[self.function]
        return f"(select {expression} from marts.{self.mart}" + (f" where {where})" if where else ")")

    def text(self) -> str:
        what = {"count": "rows", "sum": "sum of", "max": "largest", "min": "smallest", "earliest": "earliest",
                "latest": "latest", "list": "list (ascending, `;`-joined) of"}[self.function]
        what += f" `{self.column}`" if self.column else ""
        where = " and ".join(c.text() for c in self.conditions)
        return f"{what} of `{self.mart}`" + (f" where {where}" if where else "")

    @property
    def is_text(self) -> bool:
        return self.function in ("earliest", "latest", "list")


@dataclass(frozen=True)
class Figure:
    figure_id: str
    theme: str
    unit: str
    scope: str
    region_codes: frozenset[str]
    computed_from: str
    result: str
    numerator: Aggregate | None
    denominator: Aggregate | None
    base: str
    not_computable_reason: str

    @property
    def survey_wave(self) -> int | None:
        match = _SURVEY_THEME.match(self.theme)
        return int(match.group(1)) if match else None


def parse_conditions(text: str, where: str = "filter") -> tuple[Condition, ...]:
    conditions = []
    for part in (p.strip() for p in (text or "").split(";")):
        if not part:
            continue
        match = _CONDITION.match(part)
        if match is None:
            raise DefinitionError(f"{where} : condition illisible {part!r} (attendu « colonne opérateur valeur »)")
        op, value = match["op"], (match["value"] or "").strip()
        if op in ("is null", "is not null"):
            if value:
                raise DefinitionError(f"{where} : {op!r} ne prend pas de valeur ({part!r})")
            values: tuple[str, ...] = ()
        elif op == "in":
            values = tuple(v.strip() for v in value.split("|") if v.strip())
        elif op == "between":
            bounds = re.fullmatch(r"(\S+)\s+and\s+(\S+)", value)
            if bounds is None:
                raise DefinitionError(f"{where} : « between a and b » attendu ({part!r})")
            values = (bounds[1], bounds[2])
        else:
            values = (value,)
        if op not in ("is null", "is not null") and not values:
            raise DefinitionError(f"{where} : valeur manquante ({part!r})")
        conditions.append(Condition(match["column"], op, values))
    return tuple(conditions)


def parse_aggregate(mart: str, measure: str, filter_text: str, where: str) -> Aggregate | None:
    if not (mart or measure or filter_text):
        return None
    match = _MEASURE.match(measure or "")
    if not mart or match is None:
        raise DefinitionError(f"{where} : mart et mesure attendus (mesure {measure!r} : count, sum(col), max(col), "
                              "min(col), earliest(col), latest(col) ou list(col))")
    function = match[1] or match[2]
    return Aggregate(mart, function, match[3], parse_conditions(filter_text, where))


def read_figures(reference_dir: Path | str) -> list[Figure]:
    """Every figure of the definition file, parsed and checked (a bad definition stops with its figure named)."""
    with open(Path(reference_dir) / FIGURES_FILE, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [_figure(row) for row in rows]


def read_figure_rows(reference_dir: Path | str) -> list[dict[str, str]]:
    """The definition file as rows of text (what the report printed, for readers and tests)."""
    with open(Path(reference_dir) / FIGURES_FILE, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _figure(row: dict[str, str]) -> Figure:
    fid = row["figure_id"]
    result = row["result"]
    if result not in RESULTS:
        raise DefinitionError(f"{fid} : result {result!r} inconnu ({', '.join(RESULTS)})")
    numerator = parse_aggregate(row["mart"], row["measure"], row["filter"], f"{fid} (numérateur)")
    denominator = parse_aggregate(row["denominator_mart"], row["denominator_measure"], row["denominator_filter"],
                                  f"{fid} (dénominateur)")
    if result == "none":
        if numerator or denominator or not row["not_computable_reason"]:
            raise DefinitionError(f"{fid} : un chiffre non calculable n'a ni mesure ni dénominateur, mais une raison")
    elif numerator is None:
        raise DefinitionError(f"{fid} : aucune mesure")
    if result in ("percent", "mean") and denominator is None:
        raise DefinitionError(f"{fid} : result {result} sans dénominateur")
    if result == "text" and not numerator.is_text:
        raise DefinitionError(f"{fid} : result text attend earliest, latest ou list")
    if (result == "percent") != row["unit"].startswith("percent"):
        raise DefinitionError(f"{fid} : result {result} et unité {row['unit']!r} ne s'accordent pas")
    regions = frozenset(c.strip() for c in (row.get("region_code") or "").split(";") if c.strip())
    return Figure(fid, row["theme"], row["unit"], row["scope"], regions, row["computed_from"], result, numerator,
                  denominator, row.get("base", ""), row.get("not_computable_reason", ""))


def report_survey_wave(figures: list[Figure]) -> int | None:
    """The survey wave the report's figures are about (their `enquete_AAAA` theme): later waves are compared with it
    in survey_wave_comparison, never with the published figures."""
    waves = {f.survey_wave for f in figures if f.survey_wave is not None}
    return max(waves) if waves else None


# ---------------------------------------------------------------- generated files

def computed_sql(figures: list[Figure]) -> str:
    """The `computed` rows of the mart: one select per figure, numerator and denominator side by side."""
    selects = []
    for figure in figures:
        num, den = figure.numerator, figure.denominator
        text = num.sql() if num is not None and num.is_text else "null::varchar"
        numerator = num.sql() if num is not None and not num.is_text else "null::double"
        denominator = den.sql() if den is not None else "null::double"
        reason = _literal(figure.not_computable_reason) if figure.result == "none" else "null::varchar"
        selects.append(f"    select {_literal(figure.figure_id)} as figure_id, {_literal(figure.result)} as result,\n"
                       f"        {numerator} as numerator,\n"
                       f"        {denominator} as denominator,\n"
                       f"        {text} as text_value, {reason} as not_computable_reason")
    return "\n    union all\n".join(selects)


_MART_HEADER = """\
-- mart: Comparaison des chiffres publiés par le rapport « Tour de France des PTSM » (DMSMP, 2024) avec les chiffres recalculés à partir des marts.
-- grain: une ligne par chiffre publié (data/reference/published_figures.csv, qui définit le calcul de chacun ; docs/published_comparison.md le décrit).
-- column figure_id: Identifiant du chiffre publié.
-- column description: Ce que mesure le chiffre, tel que publié.
-- column published_value: Valeur publiée par le rapport.
-- column computed_value: Valeur recalculée à partir des marts (pour un pourcentage : arrondi à l'unité, sur le dénominateur publié) ; vide si non calculable.
-- column unit: Unité et nature du chiffre publié (count, percent, approx., bornes...).
-- column status: reproduced (reproduit), differs (diffère : voir note) ou not_computable (non calculable : voir note).
-- column source: Source du chiffre publié.
-- column numerator: Numérateur recalculé (pour un pourcentage ou une moyenne) ou valeur recalculée ; vide pour une date, une liste ou un chiffre non calculable.
-- column denominator: Dénominateur recalculé (base d'un pourcentage ou d'une moyenne, ou total dont le chiffre fait partie) ; vide s'il n'y en a pas.
-- column regions: Code(s) de la ou des régions dont parle le chiffre (codes séparés par « ; ») ; vide pour un chiffre national. Un lecteur régional reçoit les chiffres nationaux et ceux de sa seule région.
-- column note: Détail du calcul (numérateur / dénominateur), écart constaté, ou raison de l'impossibilité de calcul ; signale les chiffres issus du seul référentiel (registre, populations), dont la reproduction ne valide pas les exports.
--
-- GENERATED from data/reference/published_figures.csv by `python -m pipelines.lib.catalogue.published_figures`:
-- edit the definitions, not this file (tests/test_published_definitions.py fails when it is stale).
with computed as (
"""

_MART_FOOTER = """\
),

joined as (
    select
        figures.figure_id, figures.description, figures.published_value, figures.unit, figures.source,
        figures.region_code, figures.computed_from,
        computed.result, computed.numerator, computed.denominator, computed.text_value,
        computed.not_computable_reason,
        contains(figures.unit, 'approx.') as is_approx,
        contains(figures.unit, 'lower bound') as is_lower,
        contains(figures.unit, 'upper bound') as is_upper,
        try_cast(figures.published_value as double) as published_number
    from ref_published_figures as figures
    left join computed on figures.figure_id = computed.figure_id
),

valued as (
    select
        *,
        case
            when result = 'percent' and denominator > 0 then 100.0 * numerator / denominator
            when result = 'mean' and denominator > 0 then numerator / denominator
            when result in ('percent', 'mean') then null
            else numerator
        end as measure
    from joined
),

judged as (
    select
        *,
        -- the one judge of published figures: sql/macros/published_status.sql
        case
            when result = 'none' or result is null then 'not_computable'
            else published_status(unit, published_value, measure, text_value)
        end as status
    from valued
)

select
    figure_id,
    description,
    published_value,
    case
        when text_value is not null then text_value
        when measure is null then null
        when result = 'percent' and (is_approx or is_lower or is_upper) then printf('%.1f', measure)
        else cast(round(measure)::bigint as varchar)
    end as computed_value,
    unit,
    status,
    source,
    numerator,
    denominator,
    nullif(region_code, '') as regions,
    nullif(concat_ws(' ; ',
        -- registry counts and populations come from data/reference alone: reproducing them validates no export
        case when computed_from = 'reference' then 'chiffre issu du seul référentiel (data/reference), pas des exports' end,
        case
            when status = 'not_computable' then coalesce(not_computable_reason, 'aucune donnée dans les marts pour ce chiffre')
            when result = 'percent' then concat_ws(' ; ',
                printf('%.0f', numerator) || ' / ' || printf('%.0f', denominator) || ' = ' || printf('%.1f', measure) || ' %',
                case when status = 'differs' then 'écart ' || printf('%+.1f', measure - published_number) || ' points' end)
            when denominator is not null then concat_ws(' ; ',
                printf('%.0f', numerator) || ' / ' || printf('%.0f', denominator),
                case when status = 'differs' and measure is not null then 'écart ' || printf('%+.0f', measure - published_number) end)
            when status = 'differs' and measure is not null then 'écart ' || printf('%+.0f', measure - published_number)
            when status = 'differs' then 'publié ' || published_value || ', calculé ' || coalesce(text_value, '(rien)')
        end), '') as note
from judged
order by figure_id
"""


def mart_sql(figures: list[Figure]) -> str:
    return _MART_HEADER + computed_sql(figures) + "\n" + _MART_FOOTER


def documentation(figures: list[Figure], rows: list[dict[str, str]]) -> str:
    """docs/published_comparison.md: every figure's definition, in words, from the same definitions."""
    described = {row["figure_id"]: row for row in rows}
    lines = [
        "# How `published_comparison` computes each published figure",
        "",
        "<!-- GENERATED from data/reference/published_figures.csv by "
        "`python -m pipelines.lib.catalogue.published_figures`; do not edit by hand. -->",
        "",
        "`data/reference/published_figures.csv` lists every figure the DMSMP report publishes and defines how each is",
        "recomputed from the published marts: a numerator (`mart`, `measure`, `filter`), an optional denominator",
        "(`denominator_mart`, `denominator_measure`, `denominator_filter`) and a `result` (`value`, `percent` = 100 ×",
        "numerator / denominator, `mean` = numerator / denominator, `text` for a date or a list, `none` when the marts",
        "cannot yield it, with its reason). `sql/marts/published_comparison.sql` and this page are generated from it",
        "(`pipelines/lib/catalogue/published_figures.py`); the mart shows the numerator and denominator it found.",
        "",
        "Each figure is then judged by one rule (`sql/macros/published_status.sql`): a count, a date or a list equal;",
        "a percent equal once rounded to a whole percent (half away from zero); `(approx.)` within ±2 points for a",
        "percent and ±5 % otherwise; lower and upper bounds on the right side, unrounded; amounts in EUR to the euro.",
        "",
        "The column `regions` says which region(s) a figure is about (empty: national; `11;93` when it names PTSM of",
        "two regions); a regional reader (API token, `ptsm export --region`) receives the national figures and its own",
        "region's only (`pipelines/lib/publish/figure_access.py`).",
        "",
        "| figure | published | computed as | base | region |",
        "|---|---|---|---|---|",
    ]
    for figure in figures:
        row = described[figure.figure_id]
        if figure.result == "none":
            how = f"not computable: {figure.not_computable_reason}"
        else:
            how = figure.numerator.text()
            if figure.result == "percent":
                how = f"100 × {how} / {figure.denominator.text()}"
            elif figure.result == "mean":
                how = f"{how} / {figure.denominator.text()}"
            elif figure.denominator is not None:
                how += f" (out of {figure.denominator.text()})"
        regions = ", ".join(sorted(figure.region_codes)) or "national"
        published = f"{row['published_value']} ({row['unit']})"
        lines.append(f"| `{figure.figure_id}` — {_cell(row['description'])} | {_cell(published)} | {_cell(how)} | "
                     f"{_cell(figure.base) or '—'} | {regions} |")
    reference = [f for f in figures if f.computed_from == "reference"]
    lines += [
        "",
        "## Figures from the reference data alone",
        "",
        "These are computed from `data/reference/` (the PTSM registry and INSEE populations), not from any export:",
        "`reproduced` only says the registry agrees with the report, it validates no export. The mart's note says so.",
        "",
        *[f"- `{f.figure_id}` — {described[f.figure_id]['description']}" for f in reference],
        "",
        "## Means per PTSM",
        "",
        "A mean per PTSM (`result` = `mean`) divides by the PTSM of the scope that have a current workbook: the",
        "funding of a PTSM without one is unknown, not zero; counting those PTSM as 0 € would understate the mean.",
        "",
        "## Known gaps on the synthetic sample",
        "",
        "- `survey_vehicule` (published 65 %) cannot be reproduced by any survey of 47 complete responses: the",
        "  multiple-choice items are over all complete responses, and 30/47 = 64 % while 31/47 = 66 %. The sample uses 31",
        "  and the comparison honestly reports `differs` (+1 point). The report's own figure is likely rounded from",
        "  another base.",
        "- Figures whose `result` is `none` are `not_computable` whatever the data: the reason is in the table above.",
    ]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return (text or "").replace("|", "\\|")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_generated(reference_dir: Path | None = None) -> list[Path]:
    """Regenerate the mart SQL and its documentation from the definitions; returns the files written."""
    reference_dir = Path(reference_dir or ROOT / "data" / "reference")
    figures = read_figures(reference_dir)
    MART_SQL.write_text(mart_sql(figures), encoding="utf-8")
    MART_DOC.write_text(documentation(figures, read_figure_rows(reference_dir)), encoding="utf-8")
    return [MART_SQL, MART_DOC]


if __name__ == "__main__":
    for path in write_generated():
        print(f"écrit : {path.relative_to(ROOT)}")
