"""The one query behind every mart response: masking first, then the token's scope, filters, fields, page.

Identifiers come from the Parquet schema only; every value a client sends is a bound parameter. Filters
apply to the masked values (filtering `n=3` on a masked mart finds nothing, it cannot reveal a hidden 3).
The API masks a whole mart once per release in SQL (`masked_sql`) and answers each request with `apply`, the same
scope, filters, fields and page in memory; `sql` states the same request as one DuckDB query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.api import access

RESERVED = ("region", "ptsm", "format", "select", "limit", "offset")
MAX_LIMIT = 100_000
MAX_OFFSET = 1_000_000_000
MAX_FILTER_VALUES = 200  # values per filter column: a longer list is a scan of the whole mart, not a question
_TRUE = {"true", "vrai", "1", "oui"}
_FALSE = {"false", "faux", "0", "non"}


class QueryError(ValueError):
    """A client mistake, worded in French for the 400 answer."""


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _integer_bounds(arrow_type: str) -> tuple[int, int] | None:
    """The smallest and largest integer of an Arrow integer type (`int8` ... `uint64`: numpy's names too)."""
    try:
        info = np.iinfo(np.dtype(arrow_type))
    except (TypeError, ValueError):  # not a fixed-width integer type
        return None
    return int(info.min), int(info.max)


def parse_value(column: str, arrow_type: str, text: str):
    """A filter value checked against the column's type (400 rather than a silent empty answer). An integer past
    the column's type is refused too: no row can hold it, and pyarrow cannot even build it for int64 (a 500)."""
    try:
        if arrow_type.startswith(("int", "uint")):
            value = int(text)
            bounds = _integer_bounds(arrow_type)
            if bounds and not bounds[0] <= value <= bounds[1]:
                raise QueryError(f"{column} doit être un entier de {bounds[0]} à {bounds[1]} (reçu {text!r})")
            return value
        if arrow_type in ("double", "float", "halffloat") or arrow_type.startswith("decimal"):
            return float(text.replace(",", "."))
        if arrow_type.startswith("date"):
            return dt.date.fromisoformat(text)
        if arrow_type.startswith("timestamp"):
            return dt.datetime.fromisoformat(text)
        if arrow_type == "bool":
            lowered = text.strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise ValueError(text)
        if arrow_type in ("string", "large_string"):
            return text
    except QueryError:
        raise
    except ValueError:
        pass
    else:
        raise QueryError(f"la colonne {column} ({arrow_type}) ne se filtre pas")
    kinds = {"int": "un entier", "double": "un nombre", "date": "une date AAAA-MM-JJ", "bool": "true ou false",
             "timestamp": "une date et heure ISO 8601"}
    expected = next((v for k, v in kinds.items() if arrow_type.startswith(k) or (k == "double" and (
        arrow_type in ("float", "halffloat") or arrow_type.startswith("decimal")))), "une valeur valide")
    raise QueryError(f"{column} doit être {expected} (reçu {text!r})")


@dataclass
class MartQuery:
    mart: str
    columns: list[tuple[str, str]]  # (name, arrow type) from the Parquet schema
    region: str | None = None  # None: every region
    figure_ids: list[str] | None = None  # published_comparison for a regional token
    ptsm: str | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)
    select: list[str] | None = None
    limit: int | None = None
    offset: int = 0

    def names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def validate(self) -> None:
        types = dict(self.columns)
        for name in self.filters:
            if name not in types:
                raise QueryError(f"paramètre inconnu : {name}")
            if len(self.filters[name]) > MAX_FILTER_VALUES:
                raise QueryError(f"{name} : au plus {MAX_FILTER_VALUES} valeurs par filtre")
        for name in self.select or []:
            if name not in types:
                raise QueryError(f"select : colonne inconnue {name!r} (colonnes : {', '.join(types)})")
        if self.limit is not None and not 0 <= self.limit <= MAX_LIMIT:
            raise QueryError(f"limit doit être entre 0 et {MAX_LIMIT}")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise QueryError(f"offset doit être entre 0 et {MAX_OFFSET}")

    def _where(self) -> tuple[str, list]:
        types = dict(self.columns)
        clauses, params = [], []
        if self.region is not None:
            clauses.append('"region_code" = ?')
            params.append(self.region)
        if self.ptsm is not None:
            clauses.append('"ptsm_id" = ?')
            params.append(self.ptsm)
        if self.figure_ids is not None:
            clauses.append('"figure_id" in (select unnest(?::varchar[]))')
            params.append(self.figure_ids)
        for name, values in self.filters.items():
            parsed = [parse_value(name, types[name], v) for v in values]
            clauses.append("(" + " or ".join(f"{quote(name)} = ?" for _ in parsed) + ")")
            params.extend(parsed)
        return (" where " + " and ".join(clauses) if clauses else ""), params

    def _masked(self, parquet: str | None, relation: str | None) -> tuple[str, list]:
        """The mart with its small cells masked, read from a Parquet file, or from a relation registered on the
        cursor (the release's verified table in memory, see Release.table)."""
        masked = access.masked_columns(self.names())
        items = [f"{masked[n]} as {quote(n)}" if n in masked else quote(n) for n in self.names()]
        if relation is not None:
            return f"select {', '.join(items)} from {quote(relation)}", []
        return f"select {', '.join(items)} from read_parquet(?)", [parquet]

    def sql(self, parquet: str | None, relation: str | None = None) -> tuple[str, list]:
        where, params = self._where()
        fields = ", ".join(quote(n) for n in (self.select or self.names()))
        source, source_params = self._masked(parquet, relation)
        sql = f"select {fields} from ({source}) as masked{where}"
        params = [*source_params, *params]
        if self.limit is not None:
            sql += f" limit {int(self.limit)} offset {int(self.offset)}"
        elif self.offset:
            sql += f" offset {int(self.offset)}"
        return sql, params

    def masked_sql(self, relation: str) -> str:
        """The whole mart with its small cells masked (computed once per release, see routes.marts.masked_table)."""
        return self._masked(None, relation)[0]

    def apply(self, masked: pa.Table) -> tuple[pa.Table, int]:
        """The same scope, filters, fields and page as `sql`, on the masked mart held in memory (rows in file
        order); returns (page, total rows before the page). Filters compare masked values, as in SQL; a null
        never matches."""
        types = dict(self.columns)
        conditions = []
        if self.region is not None:
            conditions.append(pc.equal(masked["region_code"], self.region))
        if self.ptsm is not None:
            conditions.append(pc.equal(masked["ptsm_id"], self.ptsm))
        if self.figure_ids is not None:
            conditions.append(_is_in(masked["figure_id"], list(self.figure_ids)))
        for name, values in self.filters.items():
            conditions.append(_is_in(masked[name], [parse_value(name, types[name], v) for v in values]))
        table = masked
        if conditions:
            keep = conditions[0]
            for condition in conditions[1:]:
                keep = pc.and_(keep, condition)
            table = table.filter(keep)
        total = table.num_rows
        if self.select:
            table = table.select(self.select)
        start = min(self.offset, total)
        stop = total if self.limit is None else min(total, start + self.limit)
        return table.slice(start, stop - start), total

    def count_sql(self, parquet: str | None, relation: str | None = None) -> tuple[str, list]:
        where, params = self._where()
        source, source_params = self._masked(parquet, relation)
        return f"select count(*) from ({source}) as masked{where}", [*source_params, *params]


def _is_in(column, values: list):
    """`column in values`, the values typed like the column (a decimal or timestamp column compares as DuckDB
    would, through the values' own type)."""
    try:
        value_set = pa.array(values, type=column.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        value_set = pa.array(values)
        column = column.cast(value_set.type)
    return pc.is_in(column, value_set=value_set)
