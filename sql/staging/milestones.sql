-- PTSM approval and CTSM signature dates from the latest readable milestone file (SPEC §2.4);
-- a PTSM listed twice keeps its last row.
with latest as (
    select max(file_date) as file_date
    from raw.file_ledger
    where family = 'statut_ptsm' and outcome = 'lu'
),

ranked as (
    select
        rows.*,
        row_number() over (partition by rows.ptsm_id order by rows.source_file desc, rows.row_number desc) as recency
    from staging.milestone_rows as rows
    inner join latest
        on rows.file_date = latest.file_date
)

select
    ptsm_id,
    date_arrete_ptsm,
    date_signature_ctsm,
    file_date
from ranked
where recency = 1
