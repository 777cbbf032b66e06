-- Complete survey responses: an `id` repeated within a wave keeps its last row in file order,
-- then incomplete responses (empty submitdate) are dropped (SPEC §2.1).
with ranked as (
    select
        *,
        row_number() over (
            partition by wave, response_id order by source_file desc, row_number desc
        ) as recency
    from staging.survey_answers
)

select * exclude (recency)
from ranked
where recency = 1
    and submitdate is not null
