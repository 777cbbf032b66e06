"""Value-level parsing rules of docs/contract.md §2: text folding, French numbers, dates, yes/no answers.

Every parser takes the raw text of one cell and returns a typed value, ``None`` for an empty cell,
or raises ``ValueError`` whose message is the French quarantine reason shown in ``quality_report``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from unidecode import unidecode

_SEPARATORS = re.compile(r"[_\-'’\s]+")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")


def fold(text: object) -> str:
    """Case- and accent-insensitive key: `_`, `-`, `'` become spaces, whitespace runs collapse."""
    if text is None:
        return ""
    return _fold_text(str(text))


@lru_cache(maxsize=1 << 16)
def _fold_text(text: str) -> str:
    """Cached: headers, vocabulary codes and sheet names repeat in every file (a million calls on a first
    load of years of snapshots)."""
    folded = unidecode(text).lower()
    return _SEPARATORS.sub(" ", folded).strip()


_HEADER_NOTE = re.compile(r"\s*(\*|\([^()]*\))\s*$")


def header_key(text: object) -> str:
    """A column header as matched against the expected names: folded, after dropping a trailing required-field
    star or parenthesised note (`Priorités (1 à 6)`, `Statut *`), which templates and forms often add."""
    raw = "" if text is None else str(text)
    while True:
        stripped = _HEADER_NOTE.sub("", raw)
        if stripped == raw or not stripped.strip():
            return fold(raw)
        raw = stripped


def is_blank(text: object) -> bool:
    return text is None or str(text).strip() == ""


def parse_number(text: object) -> float | None:
    """`12 500,50 €`, `2410.5`, `1.234,56` -> float. The last of `,`/`.` is the decimal separator."""
    if is_blank(text):
        return None
    raw = str(text)
    cleaned = _SPACES.sub("", raw).replace("€", "")
    if cleaned.upper().endswith("EUR"):
        cleaned = cleaned[:-3]
    if "," in cleaned and "." in cleaned:
        decimal = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        cleaned = cleaned.replace(thousands, "")
        cleaned = cleaned.replace(decimal, ".")
    elif cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        raise ValueError("nombre illisible")
    number = float(cleaned)
    if number in (float("inf"), float("-inf")):  # 400 digits: no real amount, and int() of it would crash
        raise ValueError("nombre hors limites")
    return number


def parse_amount(text: object) -> float | None:
    """A number of euros that must not be negative."""
    value = parse_number(text)
    if value is not None and value < 0:
        raise ValueError("montant négatif")
    return value


def parse_percent(text: object) -> tuple[float | None, bool]:
    """`80 %` -> (80.0, True); `0,8` -> (0.8, False): ETP and quotité are typed either way."""
    if is_blank(text):
        return None, False
    raw = str(text).strip()
    if raw.endswith("%"):
        return parse_number(raw[:-1]), True
    return parse_number(raw), False


def number_key(text: object) -> str:
    """The key two `num_action` cells match on: the number when the text parses as one (the actions sheet
    stores 1.1 as a number, the funding sheet has "1,1" typed as text), otherwise the trimmed text."""
    raw = "" if text is None else str(text).strip()
    try:
        number = parse_number(raw)
    except ValueError:
        return raw
    return raw if number is None else repr(number)


def parse_int(text: object, low: int | None = None, high: int | None = None, what: str = "entier") -> int | None:
    value = parse_number(text)
    if value is None:
        return None
    if value != int(value):
        raise ValueError(f"{what} non entier")
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"{what} hors de l'intervalle {low}-{high}")
    return number


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
_TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y")


def parse_date(text: object) -> date | None:
    """`YYYY-MM-DD`, `DD/MM/YYYY` (Excel dates arrive from the reader as ISO text)."""
    if is_blank(text):
        return None
    raw = str(text).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"date illisible : « {raw} » (formats acceptés : AAAA-MM-JJ, JJ/MM/AAAA)")


def parse_timestamp(text: object) -> datetime | None:
    """`submitdate`: `YYYY-MM-DD HH:MM:SS` or `DD/MM/YYYY HH:MM` (a bare date is accepted too)."""
    if is_blank(text):
        return None
    raw = str(text).strip()
    for fmt in _TIMESTAMP_FORMATS:
        try:
            return datetime.strptime(raw, fmt)
        except ValueError:
            continue
    raise ValueError("horodatage illisible")


_YES = {"oui", "o", "yes", "y", "1", "vrai", "true", "1.0"}
_NO = {"non", "n", "no", "0", "faux", "false", "0.0"}


def parse_yes_no(text: object) -> bool | None:
    """Oui/Non, O/N, Yes/No, Y, 1/0, VRAI/FAUX, TRUE/FALSE; empty is a missing answer."""
    if is_blank(text):
        return None
    key = fold(text)
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise ValueError("réponse oui/non illisible")


def parse_multiple_choice(text: object) -> bool:
    """LimeSurvey multiple choice: `Y` (or any yes) when ticked, empty when not."""
    if is_blank(text):
        return False
    value = parse_yes_no(text)
    return bool(value)


_LIST_SPLIT = re.compile(r"\s*;\s*")
_PRIORITY_SPLIT = re.compile(r"[;,/\s]+")


def split_list(text: object) -> list[str]:
    """`a; b ;c` -> ['a', 'b', 'c'] (empty items dropped)."""
    if is_blank(text):
        return []
    return [item.strip() for item in _LIST_SPLIT.split(str(text)) if item.strip()]


def parse_priorities(text: object) -> list[int]:
    """Decree priorities 1-6 separated by `;` `,` `/` or spaces; at least one."""
    if is_blank(text):
        raise ValueError("priorité manquante")
    items = [item for item in _PRIORITY_SPLIT.split(str(text).strip()) if item]
    priorities: list[int] = []
    for item in items:
        try:
            number = parse_int(item, what="priorité")
        except ValueError:
            raise ValueError(f"priorité illisible : {item}") from None
        if number is None or not 1 <= number <= 6:
            raise ValueError(f"priorité hors de 1-6 : {item}")
        if number not in priorities:
            priorities.append(number)
    return sorted(priorities)


_FILE_DATE = re.compile(r"_(\d{4}-\d{2}-\d{2})\.[A-Za-z]+$")
_WAVE = re.compile(r"^enquete_(\d{4})", re.IGNORECASE)


def file_date(name: str) -> date:
    """The extraction date a file name ends with (`..._2024-03-31.xlsx`)."""
    match = _FILE_DATE.search(name)
    if not match:
        raise ValueError("nom de fichier sans date AAAA-MM-JJ")
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise ValueError("date invalide dans le nom de fichier") from None


def survey_wave(name: str) -> int:
    """The survey wave (a year) a survey file name starts with (`enquete_2024.csv`). Four digits that cannot be a
    year of a wave (`enquete_0000`, `enquete_0999`) are refused like a name without a year: read as a wave, they
    made a wave 0 that no comparison or figure could place."""
    match = _WAVE.match(unidecode(name))  # `enquête_2023.csv` as typed on a French keyboard
    if not match:
        raise ValueError("nom de fichier d'enquête sans année (enquete_AAAA...)")
    if match.group(1).startswith("0"):
        raise ValueError("année invalide dans le nom de fichier d'enquête (enquete_AAAA...)")
    return int(match.group(1))
