-- The action-sheet workbook that counts for each PTSM: its latest readable one (docs/contract.md §2.3).
-- The choice, and why other workbooks are set aside, is made once in workbook_selection.
select
    ptsm_id,
    source_file,
    file_date as snapshot_date
from staging.workbook_selection
where selected
