-- mart: Couverture nationale de chaque priorité du décret à chaque fin de mois, chaque PTSM étant pris avec son dernier classeur lisible daté de ce jour ou avant.
-- grain: une ligne par fin de mois et par priorité, de la fin du mois du premier classeur lisible à celle du mois du plus récent (la dernière fin de mois peut suivre la date du dernier classeur : elle montre l'état connu à cette date).
-- column snapshot_date: Dernier jour du mois observé.
-- column priority: Priorité du décret, de 1 à 6.
-- column n_ptsm_with_plan: PTSM ayant au moins un classeur lisible daté de ce jour ou avant (un PTSM sans classeur à cette date n'est pas compté).
-- column n_ptsm_covered: Parmi eux, PTSM dont le dernier classeur à cette date compte au moins une action (hors abandonnées) sur la priorité.
-- column share_covered: Part = n_ptsm_covered / n_ptsm_with_plan.
with history as (
    select ptsm_id, plan_date, priority, covered
    from marts.ptsm_plan_history
),

bounds as (
    select min(plan_date) as first_date, max(plan_date) as last_date
    from history
),

month_ends as (
    select last_day(month_start::date) as snapshot_date
    from bounds
    cross join range(date_trunc('month', bounds.first_date), bounds.last_date + interval 1 day, interval 1 month)
        as m (month_start)
),

-- each PTSM's latest workbook dated on or before each month end
latest_plans as (
    select
        month_ends.snapshot_date,
        history.ptsm_id,
        max(history.plan_date) as plan_date
    from month_ends
    inner join history
        on history.plan_date <= month_ends.snapshot_date
    group by month_ends.snapshot_date, history.ptsm_id
)

select
    latest_plans.snapshot_date,
    history.priority,
    count(*)::bigint as n_ptsm_with_plan,
    count(*) filter (where history.covered)::bigint as n_ptsm_covered,
    (count(*) filter (where history.covered) / count(*))::double as share_covered
from latest_plans
inner join history
    on latest_plans.ptsm_id = history.ptsm_id
    and latest_plans.plan_date = history.plan_date
group by latest_plans.snapshot_date, history.priority
order by latest_plans.snapshot_date, history.priority
