-- Which action-sheet workbook counts for each PTSM, and why others are set aside (docs/contract.md §2.3): one row per readable
-- workbook. The one home of the rule: current_workbooks keeps the selected rows, quality_report the reasons.
-- selected: the PTSM's latest workbook among those that are not in a same-date conflict (two workbooks of one PTSM
-- with the same date are both set aside, and the latest other one counts).
-- set_aside_reason: why the workbook is reported; null when it counts or is merely an older version (history).
with attributed as (
    select
        source_file,
        file_date,
        ptsm_id,
        -- null ptsm_id: no row carried a registry id (every row is reported in row_issues, or the sheet is empty)
        ptsm_id is not null and count(*) over (partition by ptsm_id, file_date) = 1 as eligible
    from staging.action_workbooks
),

ranked as (
    select
        *,
        row_number() over (partition by ptsm_id, eligible order by file_date desc, source_file desc) as recency
    from attributed
)

select
    ptsm_id,
    source_file,
    file_date,
    eligible and recency = 1 as selected,
    case
        when ptsm_id is null then 'aucune ligne du classeur ne porte un ptsm_id du registre : classeur écarté'
        when not eligible
            then 'deux classeurs du même PTSM à la même date (' || strftime(file_date, '%Y-%m-%d') || ') : les deux sont écartés'
    end as set_aside_reason
from ranked
