"""File-level reading of the exports (docs/contract.md §2): encodings, delimiters, title blocks, sheets, size limits.

Readers return every source row as text with the row number a spreadsheet shows; they never clean values.
A file that cannot be read raises ``FileRejected`` with the French reason that goes to ``quality_report``;
what a reader set aside while reading the rest (a shifted CSV row, a stray far cell) is in ``Table.issues``.
"""

from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Callable, Iterator

from pipelines.lib.core.parsing import fold, header_key
from pipelines.lib.core.file_formats import EXCEL_ERRORS, TABULAR_SUFFIXES, WORKBOOK_SUFFIXES  # noqa: F401  (re-exported)

MAX_FILE_BYTES = 50 * 1024 * 1024          # a real export is well under 5 MB
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024  # refuses zip bombs before decompression
MAX_ROWS = 100_000                          # per sheet: 104 PTSM never produce this many
MAX_CELL_CHARS = 100_000
MAX_TITLE_LINES = 50                        # lines of a title block searched for the header
STRAY_GAP = 100                             # blank rows after which a lone cell is no longer part of the table

ZIP_WORKBOOKS = (".xlsx", ".xlsm", ".ods")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PASSWORD_PROTECTED = ("classeur protégé par un mot de passe : illisible sans le mot de passe. Enregistrez une copie "
                      "sans mot de passe (Fichier > Informations > Protéger le classeur > Chiffrer avec mot de passe : "
                      "effacer le mot de passe) et renvoyez-la")


Issue = tuple[int | None, str, str | None, str]   # (row number or None for the file, field, value, reason)


class FileRejected(Exception):
    """The whole file is quarantined; the message is the reason."""


@dataclass
class Table:
    """One sheet (or CSV) from its header row down: header keys and text rows."""

    sheet: str
    columns: list[str]          # header keys (see parsing.header_key), in file order ('' for an empty cell)
    rows: list[tuple[int, list[str | None]]]  # (spreadsheet row number, cell texts)
    encoding: str | None = None
    issues: list[Issue] = field(default_factory=list)  # rows set aside by the reader, each with its reason
    header_row: int = 1


def _check_size(path: Path) -> int:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileRejected(f"fichier trop volumineux ({size} octets > {MAX_FILE_BYTES})")
    if size == 0:
        raise FileRejected("fichier vide")
    return size


def decode(data: bytes) -> tuple[str, str]:
    """UTF-16 with BOM (Excel's "Texte Unicode"), UTF-8 (with or without BOM) or Windows-1252. Invalid UTF-8
    inside a UTF-8 file is kept as U+FFFD (the affected rows are then quarantined) rather than silently
    re-read as Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    bomless = _utf16_without_bom(data)
    if bomless is not None:
        return data.decode(bomless, errors="replace"), bomless
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_like_utf8(data):
        return data.decode("utf-8", errors="replace"), "utf-8"
    single = _single_byte(data)
    if single is not None:
        return single
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise FileRejected("encodage illisible (ni UTF-8 ni Windows-1252)")
    return str(best), best.encoding


# The single-byte encodings French exports come in, most common first (a tie keeps the first). They decode any
# byte, so no decoder error tells them apart, and charset-normalizer takes Latin-9 for Windows-1252 (they differ on
# eight bytes, among them the euro sign): the text that reads as French wins (issue 23 §1).
SINGLE_BYTE = ("cp1252", "iso8859_15", "mac_roman")
FRENCH = set("àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ€«»’‘“”–—…° ")


def _single_byte(data: bytes) -> tuple[str, str] | None:
    """Decode with the single-byte encoding whose non-ASCII characters are most often French letters and signs
    (Latin-9 `57 700 €` rather than Windows-1252 `57 700 ¤`; Mac Roman `é` rather than Windows-1252 `Ž`)."""
    best: tuple[int, str, str] | None = None
    for encoding in SINGLE_BYTE:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = sum(1 if ch in FRENCH else -1 for ch in text if ord(ch) > 127)
        if best is None or score > best[0]:
            best = (score, text, encoding)
    return None if best is None else (best[1], best[2])


# Encodings a file declares (a BOM) or that decode without error as UTF-8: read without doubt. Any other was guessed,
# and the guess is named in quality_report so that a wrong one can be spotted and the file re-saved (issue 23 §1).
CERTAIN_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16")
ENCODING_LABELS = {"cp1252": "Windows-1252", "iso8859_15": "ISO-8859-15 (Latin-9)", "mac_roman": "Mac Roman",
                   "utf-16-le": "UTF-16 sans BOM (petit-boutiste)", "utf-16-be": "UTF-16 sans BOM (gros-boutiste)"}


def guessed_encoding(encoding: str | None) -> str | None:
    """The French label of an encoding that was guessed (None when the file said it or was valid UTF-8)."""
    if encoding is None or encoding in CERTAIN_ENCODINGS:
        return None
    return ENCODING_LABELS.get(encoding, encoding)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 saved without its BOM (some exporters do): French text in UTF-16 is mostly Latin-1 characters, so
    one byte of nearly every pair is zero: the odd bytes in little-endian, the even bytes in big-endian."""
    head = data[:4096]
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even = sum(1 for i in range(0, pairs * 2, 2) if head[i] == 0)
    odd = sum(1 for i in range(1, pairs * 2, 2) if head[i] == 0)
    if odd >= 0.6 * pairs and even == 0:
        return "utf-16-le"
    if even >= 0.6 * pairs and odd == 0:
        return "utf-16-be"
    return None


def _looks_like_utf8(data: bytes) -> bool:
    """More valid multi-byte UTF-8 sequences than stray high bytes: a UTF-8 file with a few bad bytes."""
    text = data.decode("utf-8", errors="replace")
    good = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    bad = text.count("\ufffd")
    return good > 0 and good >= bad


def _delimiter(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    if counts[best] == 0:
        raise FileRejected("séparateur introuvable (ni ;, ni virgule, ni tabulation)")
    return best


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_SEP_LINE = re.compile(r"^\s*sep=(.)\s*$", re.IGNORECASE)


def _lines(text: str, start: int = 0) -> Iterator[str]:
    """The lines of `text` with their endings, one at a time: the row limit stops reading a huge file
    without ever holding a second copy of it."""
    return (match.group(0) for match in _LINE.finditer(text, start))


def _header_line(text: str, start: int, key: str) -> tuple[str, int] | None:
    """(delimiter, index of the header line) when one of the first lines holds the key column: a title block
    may sit above the header in a CSV as in a workbook."""
    for index, line in enumerate(_lines(text, start)):
        if index >= MAX_TITLE_LINES:
            return None
        for sep in sorted((";", ",", "\t"), key=lambda s: -line.count(s)):
            if line.count(sep) and any(header_key(f) == key for f in next(csv.reader([line], delimiter=sep), [])):
                return sep, index
    return None


def read_csv(path: Path, key_column: str | None = None) -> Table:
    _check_size(path)
    data = path.read_bytes()
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and _utf16_without_bom(data) is None \
            and (data[:2] == b"PK" or b"\x00" in data[:4096]):
        raise FileRejected("fichier binaire, pas un CSV texte")
    text, encoding = decode(data)
    del data
    start = 0
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    sep_line = _SEP_LINE.match(first)
    if sep_line:  # Excel's `sep=;` line: names the delimiter, hidden by Excel (the header shows as row 1)
        start = len(text) if end < 0 else end + 1
    found = _header_line(text, start, fold(key_column)) if key_column else None
    if sep_line:
        delimiter = sep_line.group(1)
    elif found:
        delimiter = found[0]
    else:
        end = text.find("\n", start)
        delimiter = _delimiter(text[start:] if end < 0 else text[start:end])
    skip = found[1] if found else 0
    csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.reader(_lines(text, start), delimiter=delimiter)
    issues: list[Issue] = []
    try:
        header: list[str] = []
        for number, record in enumerate(reader, start=1):
            if number > skip:
                header = record
                break
        header_row = skip + 1
        width = len(header)
        rows: list[tuple[int, list[str | None]]] = []
        for index, record in enumerate(reader, start=header_row + 1):
            if len(rows) >= MAX_ROWS:
                raise FileRejected(f"trop de lignes (plus de {MAX_ROWS})")
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > width:
                if any(cell.strip() for cell in record[width:]):
                    issues.append((index, "ligne", f"{len(record)} champs",
                                   f"ligne de {len(record)} champs pour {width} colonnes d'en-tête : les valeurs seraient "
                                   f"décalées (un « {_shown(delimiter)} » dans une valeur non entourée de guillemets ?) ; "
                                   "ligne écartée, mettez la valeur entre guillemets ou retirez le séparateur"))
                    continue
                record = record[:width]
            rows.append((index, [cell if cell != "" else None for cell in record]))
    except csv.Error as error:
        raise FileRejected(f"CSV illisible : {error}") from None
    return Table(sheet="", columns=[header_key(h) for h in header], rows=rows, encoding=encoding, issues=issues,
                 header_row=header_row)


def _shown(delimiter: str) -> str:
    return "tabulation" if delimiter == "\t" else delimiter


def _cell_text(value: object) -> str | None:
    """Excel cell -> text: dates as ISO, integral floats without `.0`, error cells kept verbatim. A date cell
    holding 0 (shown 00/01/1900, read as the time 00:00) is an empty date."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time) and value == time(0):
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value)
    if len(text) > MAX_CELL_CHARS:
        raise FileRejected(f"cellule de plus de {MAX_CELL_CHARS} caractères")
    return text


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise FileRejected("classeur XLSX illisible (pas une archive valide)") from None
    if total > MAX_XLSX_UNCOMPRESSED:
        raise FileRejected(f"classeur refusé : {total} octets une fois décompressé (limite {MAX_XLSX_UNCOMPRESSED})")


def _is_encrypted(path: Path) -> bool:
    """An Office workbook saved with a password is an OLE container holding an `EncryptedPackage` stream
    (XLSX) or whose calamine error mentions the password (XLS)."""
    with path.open("rb") as handle:
        if handle.read(8) != OLE_MAGIC:
            return False
    data = path.read_bytes()
    return "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data


def _error_cells(path: Path, sheet_name: str) -> dict[tuple[int, int], str]:
    """Excel error cells (#N/A, #REF!...) of one sheet by (row, column) from A1. python-calamine reads them as
    empty cells; so that they are reported rather than taken for blanks, a workbook whose sheets hold any
    error cell (`t="e"` in the sheet XML, a cheap byte search) is read again with openpyxl for those cells."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return {}
    try:
        with zipfile.ZipFile(path) as archive:
            if not any(b't="e"' in archive.read(info) for info in archive.infolist()
                       if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                return {}
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            errors = {}
            for row in workbook[sheet_name].iter_rows():
                for cell in row:
                    if getattr(cell, "data_type", None) == "e":
                        text = str(cell.value or "").strip()
                        errors[(cell.row - 1, cell.column - 1)] = text if text in EXCEL_ERRORS else "#ERREUR"
            return errors
        finally:
            workbook.close()
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return {}


@dataclass
class _Sheet:
    name: str
    cells: list[list[object]]     # rows from row 1, columns from column A
    issues: list[Issue]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet_cells(workbook, path: Path, sheet_name: str) -> _Sheet:
    """A sheet's cells from A1, streamed: the used range is the non-empty cells (a stray cell far below the
    table is reported and left out, not taken as the table's end); refused past MAX_ROWS non-empty rows.
    Vertically merged cells give their value to every row of the merge; error cells read as their text."""
    sheet = workbook.get_sheet_by_name(sheet_name)
    offset = sheet.start[1] if sheet.start else 0
    cells: list[list[object]] = []
    issues: list[Issue] = []
    filled = 0
    gap = 0
    for index, row in enumerate(sheet.iter_rows()):
        if all(_blank(v) for v in row):
            gap += 1
            continue
        filled += 1
        if filled > MAX_ROWS:
            raise FileRejected(f"feuille {sheet_name} : trop de lignes (plus de {MAX_ROWS})")
        if cells and gap >= STRAY_GAP:
            shown = ", ".join(str(_cell_text(v)) for v in row if not _blank(v))[:80]
            issues.append((index + 1, "ligne", shown,
                           f"contenu isolé {gap} lignes sous le tableau (feuille {sheet_name}) : ignoré ; "
                           "effacez cette cellule si elle n'a rien à faire là"))
            continue
        gap = 0
        while len(cells) < index:
            cells.append([])
        cells.append([None] * offset + list(row))
    for (first_row, first_col), (last_row, last_col) in (sheet.merged_cell_ranges or []):
        if first_row >= len(cells) or last_row == first_row:
            continue
        value = cells[first_row][first_col] if first_col < len(cells[first_row]) else None
        for r in range(first_row + 1, min(last_row, len(cells) - 1) + 1):
            row = cells[r]
            if first_col < len(row) and _blank(row[first_col]):
                row[first_col] = value
            elif first_col >= len(row):
                row.extend([None] * (first_col - len(row)) + [value])
    for (row, column), text in _error_cells(path, sheet_name).items():
        if row < len(cells) and column < len(cells[row]):
            cells[row][column] = text
    return _Sheet(sheet_name, cells, issues)


def _open_workbook(path: Path):
    _check_size(path)
    if _is_encrypted(path):
        raise FileRejected(PASSWORD_PROTECTED)
    if path.suffix.lower() in ZIP_WORKBOOKS:
        _check_zip(path)
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own error types for corrupt workbooks
        if "password" in str(error).lower() or "encrypt" in str(error).lower():
            raise FileRejected(PASSWORD_PROTECTED) from None
        raise FileRejected(f"classeur illisible : {type(error).__name__}") from None


def _read_sheet(workbook, path: Path, sheet_name: str) -> _Sheet:
    try:
        return _sheet_cells(workbook, path, sheet_name)
    except FileRejected:
        raise
    except Exception as error:
        raise FileRejected(f"feuille {sheet_name} illisible : {type(error).__name__}") from None


def _table_from_cells(sheet: str, cells: list[list[object]], key_column: str) -> Table:
    key = fold(key_column)
    header_index = None
    for index, row in enumerate(cells):
        if any(header_key(cell) == key for cell in row if isinstance(cell, str)):
            header_index = index
            break
    if header_index is None:
        raise FileRejected(f"feuille {sheet} : ligne d'en-tête introuvable (colonne {key_column} absente)")
    columns = [header_key(cell) if isinstance(cell, str) else header_key(_cell_text(cell)) for cell in cells[header_index]]
    rows = []
    for index in range(header_index + 1, len(cells)):
        texts = [_cell_text(cell) for cell in cells[index]]
        if any(text is not None and text.strip() for text in texts):
            rows.append((index + 1, texts))
    return Table(sheet=sheet, columns=columns, rows=rows, header_row=header_index + 1)


def _sheet_table(workbook, path: Path, sheet_name: str, key_column: str) -> Table | None:
    """The sheet as a table, or None when no row holds the key column."""
    read = _read_sheet(workbook, path, sheet_name)
    try:
        table = _table_from_cells(sheet_name, read.cells, key_column)
    except FileRejected:
        return None
    table.issues = read.issues
    return table


def read_xlsx(path: Path, sheets: dict[str, str], key_column: str,
              sheet_of: Callable[[str], str | None] | None = None) -> dict[str, Table]:
    """Read the wanted sheets (folded name -> canonical name, or `sheet_of` for synonyms); the header is the first row
    holding `key_column`. Among several sheets for one table, one without data rows is not the data sheet;
    two with data rows are refused naming them. Missing wanted sheets are simply absent from the result."""
    workbook = _open_workbook(path)
    sheet_of = sheet_of or (lambda name: sheets.get(fold(name)))
    candidates: dict[str, list[Table]] = {}
    first_seen: dict[str, str] = {}
    for sheet_name in workbook.sheet_names:
        canonical = sheet_of(sheet_name)
        if canonical is None:
            continue
        first_seen.setdefault(canonical, sheet_name)
        table = _sheet_table(workbook, path, sheet_name, key_column)
        if table is not None:
            candidates.setdefault(canonical, []).append(table)
    found: dict[str, Table] = {}
    for canonical in first_seen:
        tables = candidates.get(canonical, [])
        if not tables:
            raise FileRejected(f"feuille {first_seen[canonical]} : ligne d'en-tête introuvable (colonne {key_column} absente)")
        with_rows = [t for t in tables if t.rows]
        if len(with_rows) > 1:
            names = ", ".join(f"« {t.sheet} »" for t in with_rows)
            raise FileRejected(f"plusieurs feuilles pour la même table ({names}) : gardez-en une seule")
        found[canonical] = with_rows[0] if with_rows else tables[0]
    return found


_SHEET_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})[-_. /](?P<m>\d{1,2})[-_. /](?P<d>\d{1,2})"
                         r"|(?P<d2>\d{1,2})[-_. /](?P<m2>\d{1,2})[-_. /](?P<y2>(?:19|20)\d{2})"
                         r"|(?P<y3>(?:19|20)\d{2})")


def sheet_date(name: str) -> date | None:
    """The census date a sheet name carries (`2024`, `Recensement 2024-03-31`, `31/03/2024`), or None."""
    match = _SHEET_DATE.search(name)
    if not match:
        return None
    try:
        if match.group("y"):
            return date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        if match.group("y2"):
            return date(int(match.group("y2")), int(match.group("m2")), int(match.group("d2")))
        return date(int(match.group("y3")), 12, 31)
    except ValueError:
        return None


def read_data_sheet(path: Path, key_column: str, required: list[str] | None = None) -> Table:
    """Single-table workbooks (roster, survey, milestones): the data sheet is the one whose header holds the
    required columns and that has data rows (a `Lisez-moi` sheet listing the columns is not it). With one
    census sheet per date, the sheet whose name carries the latest date (or year) counts; otherwise the file is
    refused naming the sheets, never read from its first sheet silently."""
    workbook = _open_workbook(path)
    tables = [t for t in (_sheet_table(workbook, path, name, key_column) for name in workbook.sheet_names) if t]
    if not tables:
        raise FileRejected(f"aucune feuille ne contient la colonne {key_column}")
    wanted = {fold(c) for c in (required or [key_column])}
    usable = [t for t in tables if t.rows and wanted <= set(t.columns)]
    if len(usable) == 1:
        return usable[0]
    if not usable:
        complete = [t for t in tables if wanted <= set(t.columns)]
        return (complete or tables)[0]
    dated = [(sheet_date(t.sheet), t) for t in usable]
    if all(d for d, _ in dated):
        latest = max(d for d, _ in dated)
        best = [t for d, t in dated if d == latest]
        if len(best) == 1:
            return best[0]
    names = ", ".join(f"« {t.sheet} »" for t in usable)
    raise FileRejected(f"plusieurs feuilles de données ({names}) et aucune date dans leur nom pour savoir laquelle est la "
                       "plus récente : gardez une seule feuille, ou nommez chaque feuille avec sa date (ex. « 2024-03-31 »)")


def read_tabular(path: Path, *, key_column: str, sheets: dict[str, str] | None = None,
                 required: list[str] | None = None, sheet_of: Callable[[str], str | None] | None = None) -> dict[str, Table]:
    """CSV or workbook by extension. For a single-table family the one table is returned under the first
    sheet name."""
    suffix = path.suffix.lower()
    wanted = sheets or {"": ""}
    if suffix == ".csv":
        table = read_csv(path, key_column)
        if fold(key_column) not in table.columns:
            raise FileRejected(f"colonne obligatoire absente : {key_column}")
        return {next(iter(wanted.values())): table}
    if suffix in WORKBOOK_SUFFIXES:
        if sheets is None:
            return {"": read_data_sheet(path, key_column, required)}
        return read_xlsx(path, sheets, key_column, sheet_of)
    raise FileRejected(f"format non pris en charge : {suffix or 'sans extension'}")


def header_rows(path: Path) -> list[set[str]]:
    """The header keys each of the first lines of a file could hold (every delimiter tried for a CSV; every sheet of
    a workbook): how a file whose name says nothing is recognised by its columns. Raises FileRejected like a read."""
    suffix = path.suffix.lower()
    rows: list[set[str]] = []
    if suffix == ".csv":
        _check_size(path)
        text, _ = decode(path.read_bytes())
        for index, line in enumerate(_lines(text)):
            if index >= MAX_TITLE_LINES:
                break
            for sep in (";", ",", "\t"):
                if sep in line:
                    rows.append({header_key(cell) for cell in next(csv.reader([line], delimiter=sep), [])})
        return rows
    if suffix in WORKBOOK_SUFFIXES:
        workbook = _open_workbook(path)
        for name in workbook.sheet_names:
            try:
                for index, row in enumerate(workbook.get_sheet_by_name(name).iter_rows()):
                    if index >= MAX_TITLE_LINES:
                        break
                    rows.append({header_key(cell) for cell in row if isinstance(cell, str)})
            except Exception:  # an unreadable sheet is not a header; the read proper reports it
                continue
        return rows
    raise FileRejected(f"format non pris en charge : {suffix or 'sans extension'}")
