-- mart: Postes de coordonnateur occupés à la date du recensement le plus récent : porteur, contrat, cofinancement, financement ARS.
-- grain: une ligne par dimension (porteur, type_contrat, cofinancement, financement_ars_median) et modalité.
-- column snapshot_date: Date du recensement des coordonnateurs.
-- column dimension: Dimension décrite : porteur, type_contrat, cofinancement (oui/non) ou financement_ars_median.
-- column value: Modalité (pour financement_ars_median : la médiane du financement ARS annuel des postes, en euros).
-- column n_posts: Nombre de personnes en poste dans cette modalité (pour financement_ars_median : postes dont le financement est renseigné).
-- column denominator: Nombre de personnes en poste (ou, pour une dimension, de celles dont la modalité est renseignée).
-- column share: Part = n_posts / denominator.
with in_post_rows as (
    select posts.*
    from staging.roster_posts as posts
    where posts.date_debut <= posts.roster_date
        and (posts.date_fin is null or posts.date_fin >= posts.roster_date)
),

-- one row per person (the unit of coordinator_vacancy_monthly and ptsm_overview): a person with several open rows
-- counts once, under the post that started last (then the larger ETP, then the PTSM id, for a stable choice)
in_post as (
    select *
    from in_post_rows
    qualify row_number() over (
        partition by roster_date, coordonnateur_id
        order by date_debut desc, etp desc nulls last, ptsm_id
    ) = 1
),

long as (
    select roster_date, 'porteur' as dimension, porteur as value from in_post
    union all select roster_date, 'type_contrat', type_contrat from in_post
    union all select roster_date, 'cofinancement', case when cofinancement_eur > 0 then 'oui' else 'non' end from in_post
),

counts as (
    select
        roster_date as snapshot_date,
        dimension,
        value,
        count(*) as n_posts,
        sum(count(*)) over (partition by roster_date, dimension) as denominator
    from long
    where value is not null
    group by roster_date, dimension, value
),

median_funding as (
    select
        roster_date as snapshot_date,
        'financement_ars_median' as dimension,
        cast(round(median(financement_ars_eur), 2) as varchar) as value,
        count(financement_ars_eur) as n_posts,
        count(*) as denominator
    from in_post
    group by roster_date
    having count(financement_ars_eur) > 0
)

select
    snapshot_date,
    dimension,
    value,
    n_posts::bigint as n_posts,
    denominator::bigint as denominator,
    (n_posts / denominator)::double as share
from (select * from counts union all select * from median_funding)
order by dimension, value
