-- mart: Vacance nationale des postes de coordonnateur à chaque fin de mois depuis janvier 2021.
-- grain: une ligne par fin de mois.
-- column snapshot_date: Dernier jour du mois observé.
-- column n_ptsm: Nombre de PTSM du registre observés.
-- column n_vacant: Nombre de PTSM sans coordonnateur en poste ce jour-là.
-- column vacancy_rate: Taux de vacance = PTSM vacants / PTSM du registre.
-- column coordinators_in_post: Nombre de coordonnateurs en poste (personnes, non ETP).
-- column fte_in_post: Somme des ETP en poste.
select
    monthly.snapshot_date,
    count(*)::bigint as n_ptsm,
    count(*) filter (where monthly.vacant)::bigint as n_vacant,
    count(*) filter (where monthly.vacant) / (select count(*) from ref_ptsm_registry) as vacancy_rate,
    sum(monthly.coordinators_in_post)::bigint as coordinators_in_post,
    round(sum(monthly.fte_in_post), 4)::double as fte_in_post
from marts.coordinator_vacancy_monthly as monthly
group by monthly.snapshot_date
order by monthly.snapshot_date
