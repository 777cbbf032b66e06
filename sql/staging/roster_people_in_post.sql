-- Who is in post in each PTSM at each month end of roster_month_ends, one row per person: "in post at d" is
-- date_debut ≤ d and (date_fin empty or d ≤ date_fin) (docs/contract.md §4). The one home of the rule that a person
-- counts once: someone on two overlapping rows of the same PTSM (a post change whose dates overlap, a row sent twice)
-- keeps the row that started last (then the larger FTE), with its FTE and its porteur; summing both rows would give
-- one person more than one FTE. coordinator_vacancy_monthly counts these people per PTSM, coordinator_employer_monthly
-- per PTSM and porteur, so the two marts add up (tests/test_sql_employer_monthly.py).
select
    posts.ptsm_id,
    month_ends.snapshot_date,
    posts.coordonnateur_id,
    posts.etp,
    posts.porteur
from staging.roster_posts as posts
inner join staging.roster_month_ends as month_ends
    on posts.date_debut <= month_ends.snapshot_date
    and (posts.date_fin is null or month_ends.snapshot_date <= posts.date_fin)
qualify row_number() over (
    partition by posts.ptsm_id, month_ends.snapshot_date, posts.coordonnateur_id
    order by posts.date_debut desc, posts.etp desc
) = 1
