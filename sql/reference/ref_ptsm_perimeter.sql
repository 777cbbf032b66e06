-- One row per perimeter item of each PTSM (`D:<département>` or `A:<arrondissement>`), with its population
-- and the PTSM population (the sum of its items, docs/contract.md §1).
with items as (
    select
        registry.ptsm_id,
        trim(parts.item) as item
    from ref_ptsm_registry as registry
    cross join unnest(string_split(registry.perimetre, ';')) as parts (item)
),

typed as (
    select
        ptsm_id,
        split_part(item, ':', 1) as item_type,
        split_part(item, ':', 2) as item_code
    from items
    where item <> ''
)

select
    typed.ptsm_id,
    typed.item_type,
    typed.item_code,
    coalesce(dep.departement_nom, arr.arrondissement_nom) as item_nom,
    coalesce(dep.population, arr.population) as item_population,
    sum(coalesce(dep.population, arr.population)) over (partition by typed.ptsm_id) as ptsm_population
from typed
left join ref_departements as dep
    on typed.item_type = 'D' and dep.departement_code = typed.item_code
left join ref_arrondissements as arr
    on typed.item_type = 'A' and arr.arrondissement_code = typed.item_code
order by typed.ptsm_id, typed.item_type, typed.item_code
