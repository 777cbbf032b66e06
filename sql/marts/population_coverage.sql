-- mart: Couverture de chaque priorité du décret et de chaque public, en nombre de PTSM et en part de la population française.
-- grain: une ligne par priorité (dimension priorite) et par public (dimension public).
-- column dimension: priorite ou public.
-- column item: Numéro de la priorité ou code du public.
-- column n_ptsm_known: PTSM dont la couverture est connue (un classeur transmis).
-- column n_ptsm_covered: PTSM ayant au moins une action en cours sur cet item.
-- column share_ptsm: Part des PTSM connus qui couvrent l'item.
-- column population_known: Population des PTSM dont la couverture est connue.
-- column population_covered: Population des PTSM qui couvrent l'item.
-- column share_population: Part de la population (des PTSM connus) vivant dans un PTSM qui couvre l'item.
with population as (
    select distinct ptsm_id, ptsm_population as population
    from ref_ptsm_perimeter
),

items as (
    select 'priorite' as dimension, priority::varchar as item, priority as position, ptsm_id, covered
    from marts.ptsm_priority_coverage
    union all
    select 'public', coverage.public, vocab.position, coverage.ptsm_id, coverage.covered
    from marts.ptsm_public_coverage as coverage
    inner join ref_vocabularies as vocab
        on vocab.kind = 'public' and vocab.code = coverage.public
)

select
    items.dimension,
    items.item,
    count(items.covered)::bigint as n_ptsm_known,
    count(*) filter (where items.covered)::bigint as n_ptsm_covered,
    (count(*) filter (where items.covered) / nullif(count(items.covered), 0))::double as share_ptsm,
    coalesce(sum(population.population) filter (where items.covered is not null), 0)::bigint as population_known,
    coalesce(sum(population.population) filter (where items.covered), 0)::bigint as population_covered,
    (coalesce(sum(population.population) filter (where items.covered), 0)
        / nullif(sum(population.population) filter (where items.covered is not null), 0))::double as share_population
from items
left join population
    on items.ptsm_id = population.ptsm_id
group by items.dimension, items.item, items.position
order by items.dimension, items.position
