"""French formats for everything a reader of the reports sees: one home, used by sentences, tables and charts.

Why one module: the reports were mixing `14.4`, `1,625,800` and `Jul 2021` with French text because each notebook
formatted on its own. Conventions (Imprimerie nationale, INSEE): decimal comma, narrow no-break space (U+202F)
between thousands and before `%` and `€`, dates "31 mars 2024", ranges with an en dash ("2 000–2 299 €").

Every function accepts a missing value (None, NaN, pd.NA, NaT) and returns a French word for it instead of raising,
so a table with holes still renders.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import Any, Iterable

NNBSP = "\u202f"  # narrow no-break space: thousands separator and before % and €
UNKNOWN = "inconnu"

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]
SHORT_MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
DAYS = ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"]
SHORT_DAYS = ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."]


def is_missing(value: Any) -> bool:
    """True for None, NaN, pd.NA and NaT (without importing pandas at module import)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, (list, tuple, set, dict, str)) else False
    except (TypeError, ValueError):
        return False


def fr_num(x: Any, decimals: int = 0) -> str:
    """12 345,6 (narrow no-break space between thousands, decimal comma); -0 is written 0."""
    if is_missing(x):
        return UNKNOWN
    value = round(float(x), decimals)
    if value == 0:
        value = 0.0
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NNBSP).replace(".", ",").replace("-", "−")


YEARS = range(1900, 2101)  # four-digit integers read as years: written whole (2025), never 2 025


def fr_integer(x: int) -> str:
    """An integer of a sentence without a formatter: a year (`YEARS`) written whole, any other number with French
    thousands separators (3 313). The page check's `number_format` rule excepts the same years."""
    return str(int(x)) if int(x) in YEARS else fr_num(x)


def fr_int(x: Any) -> str:
    return fr_num(x, 0)


def fr_pct(share: Any, decimals: int = 0) -> str:
    """A share in [0, 1] as a French percentage: 0.348 -> `35 %`."""
    if is_missing(share):
        return UNKNOWN
    return f"{fr_num(100 * float(share), decimals)}{NNBSP}%"


def fr_pct_value(percent: Any, decimals: int = 0) -> str:
    """A value already in percent: 35 -> `35 %`."""
    if is_missing(percent):
        return UNKNOWN
    return f"{fr_num(percent, decimals)}{NNBSP}%"


def fr_points(diff: Any, decimals: int = 1) -> str:
    """A signed difference of percentages in points: +1,0 pt, −2,5 pts."""
    if is_missing(diff):
        return UNKNOWN
    value = float(diff)
    sign = "+" if value > 0 else ""
    unit = "pt" if abs(round(value, decimals)) < 2 else "pts"
    return f"{sign}{fr_num(value, decimals)}{NNBSP}{unit}"


def fr_eur(x: Any, decimals: int = 0) -> str:
    """1 625 800 €."""
    if is_missing(x):
        return UNKNOWN
    return f"{fr_num(x, decimals)}{NNBSP}€"


def fr_date(d: Any) -> str:
    """31 mars 2024 (1er for the first day of a month)."""
    if is_missing(d):
        return "inconnue"
    import pandas as pd

    ts = pd.Timestamp(d)
    day = "1er" if ts.day == 1 else str(ts.day)
    return f"{day} {MONTHS[ts.month - 1]} {ts.year}"


def fr_month(d: Any) -> str:
    """juillet 2021."""
    if is_missing(d):
        return "inconnu"
    import pandas as pd

    ts = pd.Timestamp(d)
    return f"{MONTHS[ts.month - 1]} {ts.year}"


def fr_datetime(value: Any, tz: str = "Europe/Paris") -> str:
    """An instant (ISO text or datetime, UTC when naive) in Paris time: `31 mars 2024 à 14 h 05`."""
    if is_missing(value) or value == "":
        return "inconnue"
    from zoneinfo import ZoneInfo

    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(ZoneInfo(tz))
    return f"{fr_date(local)} à {local.hour} h {local.minute:02d}"


def fr_list(items: Iterable[Any]) -> str:
    """a, b et c."""
    items = [str(i) for i in items]
    if not items:
        return "aucune"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


_BAND = re.compile(r"^\s*(<|>=|≥)?\s*(\d+)\s*(?:-\s*(\d+))?\s*$")


def fr_band(code: str, unit: str = "€") -> str:
    """Salary-band codes of the survey, written for a reader: `<2000` -> `moins de 2 000 €`,
    `2000-2299` -> `2 000–2 299 €`, `>=3000` -> `3 000 € ou plus`. Unknown shapes are returned unchanged."""
    match = _BAND.match(str(code))
    if not match:
        return str(code)
    op, low, high = match.groups()
    suffix = f"{NNBSP}{unit}" if unit else ""
    if op == "<":
        return f"moins de {fr_num(low)}{suffix}"
    if op in (">=", "≥"):
        return f"{fr_num(low)}{suffix} ou plus"
    if high:
        return f"{fr_num(low)}–{fr_num(high)}{suffix}"
    return f"{fr_num(low)}{suffix}"


def fr_share_of(n: Any, denominator: Any) -> str:
    """`16 sur 46`."""
    if is_missing(n) or is_missing(denominator):
        return UNKNOWN
    return f"{fr_num(n)} sur {fr_num(denominator)}"
