-- Which roster file counts, and why others are set aside (SPEC §2.2): one row per readable roster file.
-- The one home of the rule: roster_posts keeps the selected file, quality_report the reasons.
-- selected: the file with the latest date is the complete history; should two readable files carry that date, the
-- last by name counts and the other is set aside. Older files are history (not selected, no reason).
with files as (
    select
        source_file,
        file_date,
        row_number() over (order by file_date desc, source_file desc) as recency
    from raw.file_ledger
    where family = 'coordonnateurs' and outcome = 'lu'
),

latest as (
    select source_file, file_date from files where recency = 1
)

select
    files.source_file,
    files.file_date,
    files.recency = 1 as selected,
    case
        when files.recency > 1 and files.file_date = latest.file_date
            then 'autre recensement à la même date : seul ' || latest.source_file || ' est retenu'
    end as set_aside_reason
from files
cross join latest
