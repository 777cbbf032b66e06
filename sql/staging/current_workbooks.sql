-- The action-sheet workbook that counts for each PTSM: its latest readable one (SPEC §2.3).
-- Two workbooks of one PTSM with the same date are both set aside (reported in quality_report).
with attributed as (
    select
        source_file,
        file_date,
        ptsm_id,
        count(*) over (partition by ptsm_id, file_date) as n_same_date
    from staging.action_workbooks
    where ptsm_id is not null
),

ranked as (
    select
        *,
        row_number() over (partition by ptsm_id order by file_date desc, source_file desc) as recency
    from attributed
    where n_same_date = 1
)

select
    ptsm_id,
    source_file,
    file_date as snapshot_date
from ranked
where recency = 1
