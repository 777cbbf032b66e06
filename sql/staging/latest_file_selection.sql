-- Which file counts in the families whose latest file is the whole picture, and why others are set aside: the roster
-- and the milestones (docs/contract.md §2.3), by one rule. One row per readable file of those families.
-- selected: the file with the latest date; should two readable files of a family carry that date, the last by name
-- counts and the other is set aside with a reason naming the one kept (never merged). Older files are history (not
-- selected, no reason). roster_posts and milestones keep the selected file, quality_report the reasons.
with files as (
    select
        family,
        source_file,
        file_date,
        row_number() over (partition by family order by file_date desc, source_file desc) as recency
    from raw.file_ledger
    where family in ('coordonnateurs', 'statut_ptsm') and outcome = 'lu'
),

latest as (
    select family, source_file, file_date from files where recency = 1
)

select
    files.family,
    files.source_file,
    files.file_date,
    files.recency = 1 as selected,
    case
        when files.recency > 1 and files.file_date = latest.file_date
            then case files.family when 'coordonnateurs' then 'autre recensement' else 'autre fichier de statuts' end
                || ' à la même date : seul ' || latest.source_file || ' est retenu'
    end as set_aside_reason
from files
inner join latest
    on files.family = latest.family
