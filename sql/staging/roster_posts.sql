-- Posts of the current roster: the readable roster file with the latest date is the complete history (SPEC §2.2).
-- Should two readable files carry that date, one counts (the last by name) and the other is reported in quality_report.
with latest as (
    select
        max(file_date) as roster_date,
        arg_max(source_file, (file_date, source_file)) as source_file
    from raw.file_ledger
    where family = 'coordonnateurs' and outcome = 'lu'
)

select
    rows.ptsm_id,
    rows.coordonnateur_id,
    rows.etp,
    rows.date_debut,
    rows.date_fin,
    rows.type_contrat,
    rows.porteur,
    rows.financement_ars_eur,
    rows.cofinancement_eur,
    latest.roster_date,
    latest.source_file
from staging.roster_rows as rows
inner join latest
    on rows.source_file = latest.source_file
