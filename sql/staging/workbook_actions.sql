-- The actions of every readable workbook of each PTSM (abandoned ones included), with the workbook's date and
-- recency (1 = the workbook that counts today): the plan history read by the time marts, and the source of
-- staging.current_actions. "Implemented" = En cours or Réalisée (SPEC §4).
select
    actions.ptsm_id,
    actions.source_file,
    workbooks.snapshot_date,
    workbooks.recency,
    actions.num_action,
    actions.intitule,
    actions.statut,
    actions.statut in ('En cours', 'Réalisée') as implemented,
    actions.priorisee_ctsm,
    actions.annee_debut,
    actions.annee_fin,
    actions.priorities,
    actions.publics,
    actions.thematiques,
    actions.secteurs
from staging.action_rows as actions
inner join staging.readable_workbooks as workbooks
    on actions.source_file = workbooks.source_file
