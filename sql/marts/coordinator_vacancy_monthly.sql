-- mart: Présence d'un coordonnateur dans chaque PTSM à chaque fin de mois depuis janvier 2021 (recensement ANAP le plus récent).
-- grain: une ligne par PTSM du registre et par fin de mois, du 31/01/2021 à la date du recensement.
-- column ptsm_id: Identifiant du PTSM (registre).
-- column region_code: Code INSEE de la région du PTSM.
-- column snapshot_date: Dernier jour du mois observé.
-- column coordinators_in_post: Nombre de personnes en poste ce jour-là (date_debut ≤ jour ≤ date_fin, date_fin vide = toujours en poste).
-- column fte_in_post: Somme des ETP des personnes en poste ce jour-là (une personne sur deux lignes simultanées compte avec l'ETP de la ligne commencée le plus tard).
-- column vacant: Vrai si personne n'est en poste ce jour-là (un PTSM absent du recensement est vacant).
-- column approved: Vrai si le PTSM est arrêté ce jour-là (date_arrete_ptsm ≤ jour), ou si sa date d'arrêté est inconnue (absent du suivi des arrêtés) ; faux avant son arrêté : un poste non encore pourvu d'un PTSM non arrêté n'est pas une vacance.
-- the month grid and the people in post (one row per person) come from staging: one home for both rules
with in_post as (
    select
        ptsm_id,
        snapshot_date,
        count(*) as coordinators_in_post,
        sum(etp) as fte_in_post
    from staging.roster_people_in_post
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
cross join staging.roster_month_ends as month_ends
left join staging.milestones as milestones on registry.ptsm_id = milestones.ptsm_id
left join in_post
    on registry.ptsm_id = in_post.ptsm_id
    and month_ends.snapshot_date = in_post.snapshot_date
order by month_ends.snapshot_date, registry.ptsm_id
