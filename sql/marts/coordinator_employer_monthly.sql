-- mart: Employeur (porteur) du poste de coordination de chaque PTSM à chaque fin de mois depuis janvier 2021 (recensement ANAP le plus récent), sans aucun nom : l'historique du poste que montre le bilan de chaque PTSM.
-- grain: une ligne par PTSM, fin de mois et porteur des personnes en poste ce jour-là ; un mois vacant n'a pas de ligne (coordinator_vacancy_monthly le dit vacant).
-- column ptsm_id: Identifiant du PTSM (registre).
-- column region_code: Code INSEE de la région du PTSM.
-- column snapshot_date: Dernier jour du mois observé.
-- column porteur: Employeur (porteur) des personnes en poste ce jour-là, valeur du vocabulaire porteur du recensement ; vide = non renseigné dans le recensement.
-- column coordinators_in_post: Nombre de personnes en poste ce jour-là chez ce porteur (la somme sur les porteurs est celle de coordinator_vacancy_monthly).
-- column fte_in_post: Somme de leurs ETP (une personne sur deux lignes simultanées compte une fois, sous la ligne commencée le plus tard, avec son ETP et son porteur, comme dans coordinator_vacancy_monthly).
with staffed_months as (
    -- the month grid, the registry's regions and who is vacant come from coordinator_vacancy_monthly: one grid
    select
        monthly.ptsm_id,
        monthly.region_code,
        monthly.snapshot_date
    from marts.coordinator_vacancy_monthly as monthly
    where not monthly.vacant
),

-- one person, one row: the people in post come from staging.roster_people_in_post, as they do for
-- coordinator_vacancy_monthly, so the people and FTE per porteur add up to that mart's counts
person_days as (
    select
        staffed_months.ptsm_id,
        staffed_months.region_code,
        staffed_months.snapshot_date,
        people.porteur,
        people.etp
    from staffed_months
    inner join staging.roster_people_in_post as people
        on people.ptsm_id = staffed_months.ptsm_id
        and people.snapshot_date = staffed_months.snapshot_date
)

select
    ptsm_id,
    region_code,
    snapshot_date,
    porteur,
    count(*)::bigint as coordinators_in_post,
    round(sum(etp), 4)::double as fte_in_post
from person_days
group by ptsm_id, region_code, snapshot_date, porteur
order by snapshot_date, ptsm_id, porteur
