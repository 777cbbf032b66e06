-- Posts of the current roster: the rows of the roster file latest_file_selection selects (docs/contract.md §2.3).
with latest as (
    select
        source_file,
        file_date as roster_date
    from staging.latest_file_selection
    where family = 'coordonnateurs' and selected
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
