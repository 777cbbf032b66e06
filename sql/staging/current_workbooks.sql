-- The action-sheet workbook that counts for each PTSM: its latest readable one (SPEC §2.3).
-- Which workbooks are readable is decided once, in staging.readable_workbooks.
select
    ptsm_id,
    source_file,
    snapshot_date
from staging.readable_workbooks
where recency = 1
