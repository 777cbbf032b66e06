-- mart: Couverture des six priorités du décret (art. R3224-5 à -10 CSP) par les actions en cours de chaque PTSM.
-- grain: une ligne par PTSM du registre et par priorité (104 × 6 = 624 lignes).
-- column ptsm_id: Identifiant du PTSM (registre).
-- column region_code: Code INSEE de la région du PTSM.
-- column priority: Priorité du décret, de 1 à 6.
-- column n_actions: Nombre d'actions en cours (dernier classeur, hors abandonnées) rattachées à la priorité ; vide si le PTSM n'a transmis aucun classeur.
-- column n_actions_implemented: Parmi elles, actions mises en œuvre (statut En cours ou Réalisée) ; vide sans classeur.
-- column covered: Vrai si au moins une action porte sur la priorité ; vide (inconnu) sans classeur.
with priorities as (
    -- the decree priorities come from pipelines/lib/vocabularies.csv (kind priorite), through ref_vocabularies
    select code::integer as priority
    from ref_vocabularies
    where kind = 'priorite'
),

action_priorities as (
    select
        ptsm_id,
        unnest(priorities) as priority,
        implemented
    from staging.current_actions
),

counts as (
    select
        ptsm_id,
        priority,
        count(*) as n_actions,
        count(*) filter (where implemented) as n_actions_implemented
    from action_priorities
    group by ptsm_id, priority
)

select
    registry.ptsm_id,
    registry.region_code,
    priorities.priority,
    -- unknown (null) without a workbook, zero when the workbook has no such action
    case when workbooks.ptsm_id is not null then coalesce(counts.n_actions, 0) end::bigint as n_actions,
    case when workbooks.ptsm_id is not null then coalesce(counts.n_actions_implemented, 0) end::bigint as n_actions_implemented,
    case when workbooks.ptsm_id is not null then coalesce(counts.n_actions, 0) >= 1 end as covered
from ref_ptsm_registry as registry
cross join priorities
left join staging.current_workbooks as workbooks
    on registry.ptsm_id = workbooks.ptsm_id
left join counts
    on registry.ptsm_id = counts.ptsm_id
    and priorities.priority = counts.priority
order by registry.ptsm_id, priorities.priority
