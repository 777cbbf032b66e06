"""Reading the SQL files of `sql/`: the layer and name come from the path; descriptions from header comments."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.lib.core import disclosure_rule

LAYER_SCHEMA = {"reference": "main", "staging": "staging", "marts": "marts"}
# Marts are built and checked here; `marts` receives them only when the release is published.
SCRATCH_SCHEMA = "marts_next"
_TABLE_REF = re.compile(r"\b(?:(raw|staging|marts)\.([a-z_][a-z0-9_]*)|(ref_[a-z0-9_]+))\b")


@dataclass
class SqlModel:
    layer: str
    name: str
    path: Path
    sql: str
    description: str = ""
    grain: str = ""
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def table(self) -> str:
        schema = LAYER_SCHEMA[self.layer]
        return self.name if schema == "main" else f"{schema}.{self.name}"

    def dependencies(self) -> list[tuple[str, str]]:
        """Asset keys (as tuples) of the tables this SQL reads."""
        keys: list[tuple[str, str]] = []
        for schema, table, ref in _TABLE_REF.findall(_strip_comments(self.sql)):
            key = ("reference", ref) if ref else (schema, table)
            if key not in keys and key != (self.layer, self.name):
                keys.append(key)
        return keys

    @property
    def code_version(self) -> str:
        """Hash of the SQL file, and of each macro it calls (sql/macros/<macro>.sql): Dagster shows an asset whose
        SQL changed since its last materialisation. Without a macro, the hash of the file alone."""
        digest = hashlib.sha256(self.sql.encode("utf-8"))
        for macro in sorted((self.path.parents[1] / "macros").glob("*.sql")):
            if self.calls(macro):
                digest.update(macro.read_bytes())
        return digest.hexdigest()[:16]

    def calls(self, macro: str | Path) -> bool:
        """Whether the SQL (comments aside) calls the macro `macro`, or any macro a macro file defines (a file may
        define several under other names than its own: two_proportion_test.sql defines two_proportion_p_value)."""
        names = macro_names(macro) if isinstance(macro, Path) else [macro]
        sql = _strip_comments(self.sql)
        return any(re.search(rf"\b{re.escape(name)}\s*\(", sql) for name in names)


_MACRO_DEFINITION = re.compile(r"\bcreate\s+(?:or\s+replace\s+)?(?:temp\w*\s+)?macro\s+([a-z_][a-z0-9_]*)", re.I)


def macro_names(path: Path) -> list[str]:
    """The macros a file of sql/macros/ defines (`create or replace macro <name>`)."""
    return _MACRO_DEFINITION.findall(_strip_comments(path.read_text(encoding="utf-8")))


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def load_models(sql_dir: Path, layer: str) -> list[SqlModel]:
    models = []
    for path in sorted((sql_dir / layer).glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        model = SqlModel(layer=layer, name=path.stem, path=path, sql=text)
        for line in text.splitlines():
            if not line.startswith("--"):
                continue
            body = line[2:].strip()
            if body.startswith("mart:"):
                model.description = body[5:].strip()
            elif body.startswith("grain:"):
                model.grain = body[6:].strip()
            elif body.startswith("column ") and ":" in body:
                name, description = body[7:].split(":", 1)
                model.columns[name.strip()] = description.strip()
        if not model.description:
            model.description = next((l[2:].strip() for l in text.splitlines() if l.startswith("--")), "")
        models.append(model)
    return models


def create_macros(con, sql_dir: Path, model: SqlModel | None = None) -> None:
    """Run sql/macros/*.sql (each a `create or replace macro`): rules shared by several models and by tests; and
    `disclosure_threshold()`, from the one constant of pipelines.lib.core.disclosure_rule.

    With `model`, only the macros its SQL calls: a macro lives in the database, so the checks that call it later
    find it, and a model that calls none spares the catalogue writes (~7 ms a model, every refresh)."""
    if model is None or model.calls("disclosure_threshold"):
        con.execute(disclosure_rule.MACRO_SQL)
    for path in sorted((sql_dir / "macros").glob("*.sql")):
        if model is None or model.calls(path):
            con.execute(path.read_text(encoding="utf-8"))


def build_table(con, model: SqlModel, *, schema: str | None = None) -> int:
    """`create or replace table` from the model's select, then store its descriptions as DuckDB comments.

    `schema` builds it elsewhere, reading its own layer's tables there too: marts are built into the scratch
    schema and only copied into `marts` when their checks passed and the release is published.

    One transaction per model: the macros, the table, its comments (one statement per column) and its count
    commit once, instead of once per statement (each commit of a file database writes its log: most of the
    time of a refresh's SQL step, issue 22 §3); a model that fails leaves the previous table as it was."""
    con.execute("begin transaction")
    try:
        rows = _build_table(con, model, schema)
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
    return rows


def _build_table(con, model: SqlModel, schema: str | None) -> int:
    create_macros(con, model.path.parents[1], model)
    home = LAYER_SCHEMA[model.layer]
    schema = schema or home
    if schema != "main":
        con.execute(f"create schema if not exists {schema}")
    table = model.name if schema == "main" else f"{schema}.{model.name}"
    body = model.sql.strip().rstrip(";")
    if schema != home:
        body = re.sub(rf"\b{home}\.(?=[a-z_])", f"{schema}.", body)
    con.execute(f"create or replace table {table} as\n{body}")
    description = model.description + (f" Grain : {model.grain}" if model.grain else "")
    if description:
        con.execute(f"comment on table {table} is {_literal(description)}")
    # the result's description names the columns in order without scanning the catalogue (duckdb_columns()
    # reads every column of every table: ~6 ms a model)
    actual = [column[0] for column in con.execute(f"select * from {table} limit 0").description]
    for column, text in model.columns.items():
        if column not in actual:
            raise ValueError(f"{model.path.name}: documented column {column} is not produced by the query")
        con.execute(f'comment on column {table}."{column}" is {_literal(text)}')
    if model.layer == "marts":
        undocumented = [c for c in actual if c not in model.columns]
        if undocumented:
            raise ValueError(f"{model.path.name}: columns without a description: {', '.join(undocumented)}")
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
