"""Whom to remind: the PTSM whose exports are late, refused or never received, read from the published
`collection_status` mart (issue 23 §3). One list, used by the daily freshness alert and the portal's DMSMP page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

STATUS_MART = "collection_status"
REMIND = ("en retard", "refusé", "jamais reçu")  # the statuses that call for a reminder
STATUSES = ("à jour", *REMIND)
ALERT_MAX_NAMED = 20  # an alert names this many PTSM, then counts the others


@dataclass(frozen=True)
class Status:
    ptsm_id: str
    region_code: str
    family: str
    rhythm: str
    last_source_file: str | None
    last_file_date: date | None
    last_wave: int | None
    arrived_at: datetime | None
    source: str | None
    rows_loaded: int
    rows_quarantined: int
    refusal_reason: str | None
    periods_behind: int | None
    status: str

    @property
    def last_period(self) -> str:
        """The extraction date or wave of the last file, as a French reader expects it ("" when none)."""
        if self.last_file_date is not None:
            return self.last_file_date.strftime("%d/%m/%Y")
        return f"vague {self.last_wave}" if self.last_wave is not None else ""

    def problem(self) -> str:
        """What is wrong in one French phrase: `fiches_actions en retard (dernier fichier du 31/12/2023)`."""
        if self.status == "jamais reçu":
            return f"{self.family} jamais reçu"
        if self.status == "refusé":
            return f"{self.family} refusé ({self.refusal_reason or 'fichier écarté'})"
        return f"{self.family} en retard (dernier fichier : {self.last_period})"


def read_status(marts_dir: Path) -> list[Status] | None:
    """The published collection status, or None when it is not (yet) published."""
    path = Path(marts_dir) / f"{STATUS_MART}.parquet"
    if not path.is_file():
        return None
    names = list(Status.__dataclass_fields__)
    with duckdb.connect() as con:
        rows = con.execute(f"select {', '.join(names)} from read_parquet(?) order by ptsm_id, family",
                           [str(path)]).fetchall()
    return [Status(*row) for row in rows]


def to_remind(rows: list[Status], families: tuple[str, ...] | None = None) -> dict[str, list[Status]]:
    """PTSM id -> its families to remind about (only `families` when given), in PTSM order."""
    result: dict[str, list[Status]] = {}
    for row in rows:
        if row.status in REMIND and (families is None or row.family in families):
            result.setdefault(row.ptsm_id, []).append(row)
    return result


def alert_line(rows: list[Status], families: tuple[str, ...]) -> str | None:
    """`PTSM à relancer (3) : PTSM-03 : fiches_actions en retard (…) ; PTSM-05 : …` or None when nobody is."""
    remind = to_remind(rows, families)
    if not remind:
        return None
    named = [f"{ptsm} : {', '.join(s.problem() for s in statuses)}"
             for ptsm, statuses in list(remind.items())[:ALERT_MAX_NAMED]]
    more = len(remind) - len(named)
    tail = f" ; et {more} autres (page « Collecte » du portail)" if more > 0 else ""
    return f"PTSM à relancer ({len(remind)}) : " + " ; ".join(named) + tail
