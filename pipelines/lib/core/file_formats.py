"""The file formats an export may come in, and the error values a spreadsheet cell may hold.

Here, below every room, because the catalogue (which families accept which files), the readers and the validator
all need them, and none of those may import another for a constant."""

from __future__ import annotations

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
TABULAR_SUFFIXES = (".csv", *WORKBOOK_SUFFIXES)

# Excel's error values: a cell showing one of these holds no value (docs/contract.md §2, quarantined with a reason).
EXCEL_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
