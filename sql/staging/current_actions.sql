-- Current actions: the actions of each PTSM's current workbook whose status is not `Abandonnée` (SPEC §4).
select
    actions.ptsm_id,
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
    actions.secteurs,
    list_has_all(actions.secteurs, ['sanitaire', 'medico_social', 'social']) as tripartite,
    workbooks.snapshot_date
from staging.action_rows as actions
inner join staging.current_workbooks as workbooks
    on actions.source_file = workbooks.source_file
where actions.statut <> 'Abandonnée'
