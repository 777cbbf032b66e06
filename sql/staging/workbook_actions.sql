-- The actions of every readable workbook of each PTSM (abandoned ones included), with the workbook's date and
-- whether it is the one that counts today: the plan history read by the time marts, and the source of
-- staging.current_actions. Which workbooks are readable is decided once, in staging.workbook_selection (a
-- workbook set aside there, e.g. two of one PTSM on the same date, is skipped here as for the current plan).
-- "Implemented" = En cours or Réalisée (docs/contract.md §4).
select
    actions.ptsm_id,
    actions.source_file,
    workbooks.file_date as snapshot_date,
    workbooks.selected,
    actions.num_action,
    actions.intitule,
    actions.statut,
    actions.statut in (select statut from ref_action_statuses where implemented) as implemented,
    actions.priorisee_ctsm,
    actions.annee_debut,
    actions.annee_fin,
    actions.priorities,
    actions.publics,
    actions.thematiques,
    actions.secteurs
from staging.action_rows as actions
inner join staging.workbook_selection as workbooks
    on actions.source_file = workbooks.source_file
where workbooks.set_aside_reason is null
