-- mart: Vacance nationale des postes de coordonnateur à chaque fin de mois depuis janvier 2021, parmi les PTSM arrêtés à cette date.
-- grain: une ligne par fin de mois.
-- column snapshot_date: Dernier jour du mois observé.
-- column n_ptsm: Nombre de PTSM du registre arrêtés ce jour-là (ou de date d'arrêté inconnue) : le dénominateur de la vacance.
-- column n_vacant: Nombre de PTSM arrêtés sans coordonnateur en poste ce jour-là.
-- column vacancy_rate: Taux de vacance = PTSM arrêtés vacants / PTSM arrêtés.
-- column coordinators_in_post: Nombre de coordonnateurs en poste (personnes, non ETP), y compris dans les PTSM pas encore arrêtés.
-- column fte_in_post: Somme des ETP en poste, y compris dans les PTSM pas encore arrêtés.
select
    monthly.snapshot_date,
    -- a PTSM counts from its approval decree: before it, an unfilled post is not a vacancy
    count(*) filter (where monthly.approved)::bigint as n_ptsm,
    count(*) filter (where monthly.approved and monthly.vacant)::bigint as n_vacant,
    (count(*) filter (where monthly.approved and monthly.vacant)
        / nullif(count(*) filter (where monthly.approved), 0))::double as vacancy_rate,
    sum(monthly.coordinators_in_post)::bigint as coordinators_in_post,
    round(sum(monthly.fte_in_post), 4)::double as fte_in_post
from marts.coordinator_vacancy_monthly as monthly
group by monthly.snapshot_date
order by monthly.snapshot_date
