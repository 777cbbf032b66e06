-- The month ends the roster observes (docs/contract.md §4): every last day of a month from 31 January 2021 up to the
-- date of the current roster (a roster dated mid-month stops at the previous month end). The one month grid of the
-- coordinator marts: coordinator_vacancy_monthly crosses it with the registry, roster_people_in_post with the posts.
with roster as (
    select max(roster_date) as roster_date
    from staging.roster_posts
),

months as (
    select last_day(month_start::date) as snapshot_date
    from roster
    cross join range(date '2021-01-01', roster.roster_date + interval 1 day, interval 1 month) as m (month_start)
)

select months.snapshot_date
from months
cross join roster
where months.snapshot_date <= roster.roster_date
