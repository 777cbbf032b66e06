-- mart: Fiche de synthèse de chaque PTSM : population, plan d'actions, coordination, cofinancement, arrêté et CTSM.
-- grain: une ligne par PTSM du registre (104 lignes).
-- column ptsm_id: Identifiant du PTSM (registre).
-- column ptsm_nom: Nom du PTSM.
-- column region_code: Code INSEE de la région du PTSM.
-- column population: Population du territoire du PTSM (somme des départements ou arrondissements de son périmètre, populations légales INSEE).
-- column actions_snapshot_date: Date d'extraction du classeur de fiches actions retenu (le plus récent lisible) ; vide sans classeur.
-- column n_current_actions: Nombre d'actions en cours (hors abandonnées) ; vide sans classeur.
-- column priorities_covered: Nombre des 6 priorités du décret couvertes ; vide sans classeur.
-- column publics_covered: Nombre des 14 publics cibles couverts ; vide sans classeur.
-- column vacant_latest: Vrai si aucun coordonnateur n'est en poste à la date du recensement le plus récent.
-- column vacancy_months_since_2021: Nombre de fins de mois sans coordonnateur depuis janvier 2021.
-- column coordinators_since_2021: Nombre de personnes distinctes ayant occupé le poste entre le 01/01/2021 et la date du recensement.
-- column coordinator_posts_cofunded: Personnes en poste à la date du recensement dont le poste est cofinancé (cofinancement > 0).
-- column cofunding_share: Part des financements hors ARS dans les financements des actions en cours.
-- column date_arrete_ptsm: Date de l'arrêté du directeur général de l'ARS approuvant le PTSM.
-- column date_signature_ctsm: Date de signature du contrat territorial de santé mentale (vide si non signé).
-- column ctsm_signed: Vrai si le CTSM est signé.
with population as (
    select distinct ptsm_id, ptsm_population
    from ref_ptsm_perimeter
),

coverage as (
    select
        priorities.ptsm_id,
        count(*) filter (where priorities.covered) as priorities_covered,
        bool_and(priorities.covered is not null) as known
    from marts.ptsm_priority_coverage as priorities
    group by priorities.ptsm_id
),

public_coverage as (
    select ptsm_id, count(*) filter (where covered) as publics_covered
    from marts.ptsm_public_coverage
    group by ptsm_id
),

roster as (
    select max(roster_date) as roster_date from staging.roster_posts
),

vacancy as (
    select
        ptsm_id,
        count(*) filter (where vacant) as vacancy_months_since_2021,
        arg_max(vacant, snapshot_date) as vacant_at_last_month
    from marts.coordinator_vacancy_monthly
    group by ptsm_id
),

people as (
    select
        posts.ptsm_id,
        count(distinct posts.coordonnateur_id) filter (
            where posts.date_debut <= roster.roster_date and coalesce(posts.date_fin, roster.roster_date) >= date '2021-01-01'
        ) as coordinators_since_2021,
        count(distinct posts.coordonnateur_id) filter (
            where posts.date_debut <= roster.roster_date and (posts.date_fin is null or posts.date_fin >= roster.roster_date)
        ) as in_post_latest,
        count(distinct posts.coordonnateur_id) filter (
            where posts.date_debut <= roster.roster_date and (posts.date_fin is null or posts.date_fin >= roster.roster_date)
                and posts.cofinancement_eur > 0
        ) as coordinator_posts_cofunded
    from staging.roster_posts as posts
    cross join roster
    group by posts.ptsm_id
)

select
    registry.ptsm_id,
    registry.ptsm_nom,
    registry.region_code,
    population.ptsm_population::bigint as population,
    workbooks.snapshot_date as actions_snapshot_date,
    cofunding.n_current_actions,
    case when workbooks.ptsm_id is not null then coverage.priorities_covered end::bigint as priorities_covered,
    case when workbooks.ptsm_id is not null then public_coverage.publics_covered end::bigint as publics_covered,
    case when roster.roster_date is not null then coalesce(people.in_post_latest, 0) = 0 end as vacant_latest,
    vacancy.vacancy_months_since_2021::bigint as vacancy_months_since_2021,
    case when roster.roster_date is not null then coalesce(people.coordinators_since_2021, 0) end::bigint as coordinators_since_2021,
    case when roster.roster_date is not null then coalesce(people.coordinator_posts_cofunded, 0) end::bigint as coordinator_posts_cofunded,
    cofunding.cofunding_share,
    milestones.date_arrete_ptsm,
    milestones.date_signature_ctsm,
    case when milestones.ptsm_id is not null then milestones.date_signature_ctsm is not null end as ctsm_signed
from ref_ptsm_registry as registry
cross join roster
left join population on registry.ptsm_id = population.ptsm_id
left join staging.current_workbooks as workbooks on registry.ptsm_id = workbooks.ptsm_id
left join coverage on registry.ptsm_id = coverage.ptsm_id
left join public_coverage on registry.ptsm_id = public_coverage.ptsm_id
left join vacancy on registry.ptsm_id = vacancy.ptsm_id
left join people on registry.ptsm_id = people.ptsm_id
left join marts.ptsm_cofunding as cofunding on registry.ptsm_id = cofunding.ptsm_id
left join staging.milestones as milestones on registry.ptsm_id = milestones.ptsm_id
order by registry.ptsm_id
