"""The statistical disclosure threshold (docs/contract.md §4), in one place.

A survey count below national level is published only when it is at least THRESHOLD, and no count from 1 to
THRESHOLD - 1 may be derivable from what is published. SQL reads it through the macro `disclosure_threshold()`
(created with the other macros by `warehouse.sql_files.create_macros`), the GX suite of `survey_results_region`
through that macro, the API and the audit (`quality.disclosure_audit`) through this constant.
"""

THRESHOLD = 5

MACRO_SQL = f"create or replace macro disclosure_threshold() as {THRESHOLD}"
