-- Every readable action-sheet workbook of each PTSM, newest first (SPEC §2.3): the latest one counts for the
-- current indicators (staging.current_workbooks), the older ones are the plan's history (time marts).
-- Two workbooks of one PTSM with the same date are both set aside (reported in quality_report); a workbook that
-- could not be read at all never reaches staging.action_workbooks.
with attributed as (
    select
        source_file,
        file_date,
        ptsm_id,
        count(*) over (partition by ptsm_id, file_date) as n_same_date
    from staging.action_workbooks
    where ptsm_id is not null
)

select
    ptsm_id,
    source_file,
    file_date as snapshot_date,
    row_number() over (partition by ptsm_id order by file_date desc, source_file desc) as recency
from attributed
where n_same_date = 1
