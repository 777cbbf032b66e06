-- mart: Couverture des 14 publics cibles (dont les « angles morts » du rapport) par les actions en cours de chaque PTSM.
-- grain: une ligne par PTSM du registre et par public (104 × 14 lignes).
-- column ptsm_id: Identifiant du PTSM (registre).
-- column region_code: Code INSEE de la région du PTSM.
-- column public: Code du public cible (vocabulaire du contrat de données, §3).
-- column n_actions: Nombre d'actions en cours visant ce public ; vide si le PTSM n'a transmis aucun classeur.
-- column covered: Vrai si au moins une action vise ce public ; vide (inconnu) sans classeur.
with publics as (
    select code as public, position
    from ref_vocabularies
    where kind = 'public'
),

action_publics as (
    select
        ptsm_id,
        unnest(publics) as public
    from staging.current_actions
),

counts as (
    select
        ptsm_id,
        public,
        count(*) as n_actions
    from action_publics
    group by ptsm_id, public
)

select
    registry.ptsm_id,
    registry.region_code,
    publics.public,
    case when workbooks.ptsm_id is not null then coalesce(counts.n_actions, 0) end::bigint as n_actions,
    case when workbooks.ptsm_id is not null then coalesce(counts.n_actions, 0) >= 1 end as covered
from ref_ptsm_registry as registry
cross join publics
left join staging.current_workbooks as workbooks
    on registry.ptsm_id = workbooks.ptsm_id
left join counts
    on registry.ptsm_id = counts.ptsm_id
    and publics.public = counts.public
order by registry.ptsm_id, publics.position
