-- Current actions: the actions of each PTSM's current workbook whose status is not `Abandonnée` (docs/contract.md §4).
select
    ptsm_id,
    num_action,
    intitule,
    statut,
    implemented,
    priorisee_ctsm,
    annee_debut,
    annee_fin,
    priorities,
    publics,
    thematiques,
    secteurs,
    list_has_all(secteurs, (select list(secteur) from ref_tripartite_sectors)) as tripartite,
    snapshot_date
from staging.workbook_actions
where selected
    and statut in (select statut from ref_action_statuses where current)
