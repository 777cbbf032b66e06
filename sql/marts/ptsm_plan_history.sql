-- mart: Couverture des six priorités du décret par le plan d'actions de chaque PTSM, à chaque date de classeur « fiches actions » lisible (historique des plans).
-- grain: une ligne par PTSM, date de classeur lisible et priorité (un classeur en quarantaine est ignoré, comme pour le dernier).
-- column ptsm_id: Identifiant du PTSM (registre).
-- column region_code: Code INSEE de la région du PTSM.
-- column plan_date: Date du classeur (date figurant dans le nom du fichier).
-- column priority: Priorité du décret, de 1 à 6.
-- column n_actions: Nombre d'actions du classeur (hors abandonnées) rattachées à la priorité.
-- column n_actions_implemented: Parmi elles, actions mises en œuvre (statut En cours ou Réalisée) à cette date.
-- column covered: Vrai si au moins une action du classeur porte sur la priorité (même règle que ptsm_priority_coverage).
with priorities as (
    -- the decree priorities, from the one vocabulary file (as ptsm_priority_coverage)
    select code::integer as priority
    from ref_vocabularies
    where kind = 'priorite'
),

workbooks as (
    select ptsm_id, file_date as snapshot_date
    from staging.workbook_selection
    where set_aside_reason is null
),

action_priorities as (
    select
        ptsm_id,
        snapshot_date,
        unnest(priorities) as priority,
        implemented
    from staging.workbook_actions
    where statut in (select statut from ref_action_statuses where current)
),

counts as (
    select
        ptsm_id,
        snapshot_date,
        priority,
        count(*) as n_actions,
        count(*) filter (where implemented) as n_actions_implemented
    from action_priorities
    group by ptsm_id, snapshot_date, priority
)

select
    workbooks.ptsm_id,
    registry.region_code,
    workbooks.snapshot_date as plan_date,
    priorities.priority,
    coalesce(counts.n_actions, 0)::bigint as n_actions,
    coalesce(counts.n_actions_implemented, 0)::bigint as n_actions_implemented,
    coalesce(counts.n_actions, 0) >= 1 as covered
from workbooks
inner join ref_ptsm_registry as registry
    on workbooks.ptsm_id = registry.ptsm_id
cross join priorities
left join counts
    on workbooks.ptsm_id = counts.ptsm_id
    and workbooks.snapshot_date = counts.snapshot_date
    and priorities.priority = counts.priority
order by workbooks.ptsm_id, plan_date, priorities.priority
