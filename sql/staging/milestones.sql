-- PTSM approval and CTSM signature dates from the milestone file latest_file_selection selects (docs/contract.md §2.3);
-- a PTSM listed twice in that file keeps its last row.
with ranked as (
    select
        rows.*,
        row_number() over (partition by rows.ptsm_id order by rows.row_number desc) as recency
    from staging.milestone_rows as rows
    inner join staging.latest_file_selection as selection
        on rows.source_file = selection.source_file
        and selection.family = 'statut_ptsm'
        and selection.selected
)

select
    ptsm_id,
    date_arrete_ptsm,
    date_signature_ctsm,
    file_date
from ranked
where recency = 1
