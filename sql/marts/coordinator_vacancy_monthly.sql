-- mart: Présence d'un coordonnateur dans chaque PTSM à chaque fin de mois depuis janvier 2021 (recensement ANAP le plus récent).
-- grain: une ligne par PTSM du registre et par fin de mois, du 31/01/2021 à la date du recensement.
-- column ptsm_id: Identifiant du PTSM (registre).
-- column region_code: Code INSEE de la région du PTSM.
-- column snapshot_date: Dernier jour du mois observé.
-- column coordinators_in_post: Nombre de personnes en poste ce jour-là (date_debut ≤ jour ≤ date_fin, date_fin vide = toujours en poste).
-- column fte_in_post: Somme des ETP des personnes en poste ce jour-là (une personne sur deux lignes simultanées compte avec l'ETP de la ligne commencée le plus tard).
-- column vacant: Vrai si personne n'est en poste ce jour-là (un PTSM absent du recensement est vacant).
-- column approved: Vrai si le PTSM est arrêté ce jour-là (date_arrete_ptsm ≤ jour), ou si sa date d'arrêté est inconnue (absent du suivi des arrêtés) ; faux avant son arrêté : un poste non encore pourvu d'un PTSM non arrêté n'est pas une vacance.
with roster as (
    select max(roster_date) as roster_date
    from staging.roster_posts
),

months as (
    select last_day(month_start::date) as snapshot_date
    from roster
    cross join range(date '2021-01-01', roster.roster_date + interval 1 day, interval 1 month) as m (month_start)
),

month_ends as (
    select months.snapshot_date
    from months
    cross join roster
    where months.snapshot_date <= roster.roster_date
),

-- one person, one FTE: a person on two overlapping rows of the same PTSM (a post change whose dates overlap, a row
-- sent twice) counts once, with the FTE of the row that started last, as in coordinator_posts_national; summing
-- both rows would give one person more than one FTE
person_days as (
    select
        posts.ptsm_id,
        month_ends.snapshot_date,
        posts.coordonnateur_id,
        posts.etp
    from staging.roster_posts as posts
    inner join month_ends
        on posts.date_debut <= month_ends.snapshot_date
        and (posts.date_fin is null or month_ends.snapshot_date <= posts.date_fin)
    qualify row_number() over (
        partition by posts.ptsm_id, month_ends.snapshot_date, posts.coordonnateur_id
        order by posts.date_debut desc, posts.etp desc
    ) = 1
),

in_post as (
    select
        ptsm_id,
        snapshot_date,
        count(*) as coordinators_in_post,
        sum(etp) as fte_in_post
    from person_days
    group by ptsm_id, snapshot_date
)

select
    registry.ptsm_id,
    registry.region_code,
    month_ends.snapshot_date,
    coalesce(in_post.coordinators_in_post, 0)::bigint as coordinators_in_post,
    round(coalesce(in_post.fte_in_post, 0), 4)::double as fte_in_post,
    in_post.ptsm_id is null as vacant,
    coalesce(milestones.date_arrete_ptsm <= month_ends.snapshot_date, true) as approved
from ref_ptsm_registry as registry
cross join month_ends
left join staging.milestones as milestones on registry.ptsm_id = milestones.ptsm_id
left join in_post
    on registry.ptsm_id = in_post.ptsm_id
    and month_ends.snapshot_date = in_post.snapshot_date
order by month_ends.snapshot_date, registry.ptsm_id
