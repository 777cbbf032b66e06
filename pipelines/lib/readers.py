"""File-level reading of the exports (SPEC §2): encodings, delimiters, XLSX title blocks, size limits.

Readers return every source row as text with the row number a spreadsheet shows; they never clean values.
A file that cannot be read raises ``FileRejected`` with the French reason that goes to ``quality_report``.
"""

from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Iterator

from pipelines.lib.parsing import fold

MAX_FILE_BYTES = 50 * 1024 * 1024          # a real export is well under 5 MB
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024  # refuses zip bombs before decompression
MAX_ROWS = 100_000                          # per sheet: 104 PTSM never produce this many
MAX_CELL_CHARS = 100_000

EXCEL_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}


class FileRejected(Exception):
    """The whole file is quarantined; the message is the reason."""


@dataclass
class Table:
    """One sheet (or CSV) from its header row down: folded header names and text rows."""

    sheet: str
    columns: list[str]          # folded header names (see parsing.fold), in file order ('' for an empty cell)
    rows: list[tuple[int, list[str | None]]]  # (spreadsheet row number, cell texts)
    encoding: str | None = None


def _check_size(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileRejected(f"fichier trop volumineux ({size} octets > {MAX_FILE_BYTES})")
    if size == 0:
        raise FileRejected("fichier vide")
    return path.read_bytes()


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) or Windows-1252. Invalid UTF-8 inside a UTF-8 file is kept as U+FFFD
    (the affected rows are then quarantined) rather than silently re-read as Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_like_utf8(data):
        return data.decode("utf-8", errors="replace"), "utf-8"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise FileRejected("encodage illisible (ni UTF-8 ni Windows-1252)")
    return str(best), best.encoding


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


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their endings, one at a time: the row limit stops reading a huge file
    without ever holding a second copy of it."""
    return (match.group(0) for match in _LINE.finditer(text))


def read_csv(path: Path) -> Table:
    data = _check_size(path)
    if data[:2] == b"PK" or b"\x00" in data[:4096]:
        raise FileRejected("fichier binaire, pas un CSV texte")
    text, encoding = decode(data)
    del data
    end = text.find("\n")
    delimiter = _delimiter(text if end < 0 else text[:end])
    csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.reader(_lines(text), delimiter=delimiter)
    try:
        header = next(reader)
        rows: list[tuple[int, list[str | None]]] = []
        for index, record in enumerate(reader, start=2):
            if len(rows) >= MAX_ROWS:
                raise FileRejected(f"trop de lignes (plus de {MAX_ROWS})")
            if not any(cell.strip() for cell in record):
                continue
            rows.append((index, [cell if cell != "" else None for cell in record]))
    except csv.Error as error:
        raise FileRejected(f"CSV illisible : {error}") from None
    return Table(sheet="", columns=[fold(h) for h in header], rows=rows, encoding=encoding)


def _cell_text(value: object) -> str | None:
    """Excel cell -> text: dates as ISO, integral floats without `.0`, error cells kept verbatim."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
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


def _error_cells(path: Path, sheet_name: str) -> dict[tuple[int, int], str]:
    """Excel error cells (#N/A, #REF!...) of one sheet by (row, column) from A1. python-calamine reads them as
    empty cells; so that they are reported rather than taken for blanks, a workbook whose sheets hold any
    error cell (`t="e"` in the sheet XML, a cheap byte search) is read again with openpyxl for those cells."""
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


def _sheet_cells(workbook, path: Path, sheet_name: str) -> list[list[object]]:
    """A sheet's cells from A1, refused before conversion when it has too many rows; error cells as their text."""
    sheet = workbook.get_sheet_by_name(sheet_name)
    if (sheet.end or (0, 0))[0] + 1 > MAX_ROWS:
        raise FileRejected(f"feuille {sheet_name} : trop de lignes (plus de {MAX_ROWS})")
    cells = sheet.to_python(skip_empty_area=False)
    for (row, column), text in _error_cells(path, sheet_name).items():
        if row < len(cells) and column < len(cells[row]):
            cells[row][column] = text
    return cells


def read_xlsx(path: Path, sheets: dict[str, str], key_column: str) -> dict[str, Table]:
    """Read the wanted sheets (folded name -> canonical name); the header is the first row holding
    `key_column`. Missing wanted sheets are simply absent from the result."""
    _check_size(path)
    _check_zip(path)
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own error types for corrupt workbooks
        raise FileRejected(f"classeur XLSX illisible : {type(error).__name__}") from None
    found: dict[str, Table] = {}
    for sheet_name in workbook.sheet_names:
        canonical = sheets.get(fold(sheet_name))
        if canonical is None or canonical in found:
            continue
        try:
            cells = _sheet_cells(workbook, path, sheet_name)
        except FileRejected:
            raise
        except Exception as error:
            raise FileRejected(f"feuille {sheet_name} illisible : {type(error).__name__}") from None
        found[canonical] = _table_from_cells(canonical, cells, key_column)
    return found


def _table_from_cells(sheet: str, cells: list[list[object]], key_column: str) -> Table:
    if len(cells) > MAX_ROWS:
        raise FileRejected(f"feuille {sheet} : trop de lignes (plus de {MAX_ROWS})")
    header_index = None
    for index, row in enumerate(cells):
        if any(fold(cell) == fold(key_column) for cell in row if isinstance(cell, str)):
            header_index = index
            break
    if header_index is None:
        raise FileRejected(f"feuille {sheet} : ligne d'en-tête introuvable (colonne {key_column} absente)")
    columns = [fold(cell) if isinstance(cell, str) else fold(_cell_text(cell)) for cell in cells[header_index]]
    rows = []
    for index in range(header_index + 1, len(cells)):
        texts = [_cell_text(cell) for cell in cells[index]]
        if any(text is not None and text.strip() for text in texts):
            rows.append((index + 1, texts))
    return Table(sheet=sheet, columns=columns, rows=rows)


def read_tabular(path: Path, *, key_column: str, sheets: dict[str, str] | None = None) -> dict[str, Table]:
    """CSV or XLSX by extension. For a CSV the single table is returned under the first sheet name."""
    suffix = path.suffix.lower()
    wanted = sheets or {"": ""}
    if suffix == ".csv":
        table = read_csv(path)
        if fold(key_column) not in table.columns:
            raise FileRejected(f"colonne obligatoire absente : {key_column}")
        return {next(iter(wanted.values())): table}
    if suffix in (".xlsx", ".xlsm"):
        if sheets is None:
            return _first_sheet_with_key(path, key_column)
        return read_xlsx(path, sheets, key_column)
    raise FileRejected(f"format non pris en charge : {suffix or 'sans extension'}")


def _first_sheet_with_key(path: Path, key_column: str) -> dict[str, Table]:
    """Roster workbooks: the first sheet whose rows hold the key column."""
    _check_size(path)
    _check_zip(path)
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        for sheet_name in workbook.sheet_names:
            cells = _sheet_cells(workbook, path, sheet_name)
            try:
                return {"": _table_from_cells(sheet_name, cells, key_column)}
            except FileRejected:
                continue
    except FileRejected:
        raise
    except Exception as error:
        raise FileRejected(f"classeur XLSX illisible : {type(error).__name__}") from None
    raise FileRejected(f"aucune feuille ne contient la colonne {key_column}")
