-- Funding lines of the current actions (all years).
select
    funding.ptsm_id,
    funding.num_action,
    funding.financeur,
    funding.funder_group,
    funding.annee,
    funding.montant_eur,
    funding.nature
from staging.funding_rows as funding
inner join staging.current_workbooks as workbooks
    on funding.source_file = workbooks.source_file
inner join staging.current_actions as actions
    on funding.ptsm_id = actions.ptsm_id
    and funding.num_action = actions.num_action
