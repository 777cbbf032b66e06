-- Which survey rows count, and why others are set aside (docs/contract.md §2.3): one row per staged survey row.
-- The one home of the rule: survey_responses keeps the selected rows, quality_report the reasons.
-- An `id` repeated within a wave keeps its last row in file order; then a response without submitdate is incomplete.
with ranked as (
    select
        source_file,
        row_number,
        wave,
        response_id,
        submitdate,
        row_number() over (partition by wave, response_id order by source_file desc, row_number desc) as recency
    from staging.survey_answers
)

select
    source_file,
    row_number,
    wave,
    response_id,
    recency = 1 and submitdate is not null as selected,
    case
        when recency > 1 then 'identifiant de réponse répété dans la vague : seule la dernière ligne est retenue'
        when submitdate is null then 'réponse incomplète (submitdate vide) : exclue des résultats'
    end as set_aside_reason
from ranked
