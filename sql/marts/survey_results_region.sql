-- mart: Résultats de l'enquête auprès des coordonnateurs par région, avec secret statistique : tout effectif inférieur à 5 est masqué.
-- grain: une ligne par vague, région, question et modalité de réponse.
-- column wave: Année de la vague d'enquête.
-- column region_code: Code INSEE de la région du PTSM du répondant.
-- column question: Code de la question (en-tête LimeSurvey), ou salaire_etp_tranche.
-- column answer: Modalité de réponse.
-- column n: Nombre de répondants ayant donné cette réponse ; vide (masqué) si inférieur à 5 ou masqué en second rang.
-- column denominator: Répondants concernés ayant répondu dans la région ; vide (masqué) si inférieur à 5.
-- column share: Part = n / denominator ; vide quand n est masqué.
-- column suppressed: Vrai si la case est masquée (secret statistique : effectif < 5, ou masquage secondaire pour qu'aucun effectif de 1 à 4 ne puisse être recalculé par différence, avec le dénominateur de la région ou avec le résultat national).
with answers as (
    select answers.*, registry.region_code
    from staging.survey_answers_long as answers
    inner join ref_ptsm_registry as registry
        on answers.ptsm_id = registry.ptsm_id
),

groups as (
    select wave, region_code, question, count(answer) as denominator
    from answers
    group by wave, region_code, question
),

counts as (
    select wave, region_code, question, answer, count(*) as n
    from answers
    where answer is not null
    group by wave, region_code, question, answer
),

cells as (
    select
        groups.wave,
        groups.region_code,
        labels.question,
        labels.answer,
        labels.position,
        coalesce(counts.n, 0) as n,
        groups.denominator
    from groups
    inner join staging.survey_answer_labels as labels
        on groups.question = labels.question
    left join counts
        on groups.wave = counts.wave and groups.region_code = counts.region_code
        and labels.question = counts.question and labels.answer = counts.answer
    where labels.question <> 'quotite' or counts.n is not null
),

primary_suppression as (
    select
        *,
        n < 5 or denominator < 5 as primary_hidden
    from cells
),

-- a single hidden cell could be recomputed from the published total: hide the smallest other cell too
secondary as (
    select
        *,
        count(*) filter (where primary_hidden) over (partition by wave, region_code, question) as hidden_in_group,
        row_number() over (
            partition by wave, region_code, question order by primary_hidden, n, position
        ) as rank_among_visible
    from primary_suppression
),

after_secondary as (
    select
        *,
        primary_hidden or (hidden_in_group = 1 and not primary_hidden and rank_among_visible = 1) as hidden_before
    from secondary
),

-- what a reader gets by subtraction: the published denominator minus the visible cells (the hidden cells
-- together, or the unpublished `non` of an `oui`-only moyens[...] item); when it is 1 to 4, hide the smallest
-- visible cell as well (it holds at least 5, so the subtraction then gives at least 6)
complement as (
    select
        *,
        denominator - sum(case when not hidden_before then n else 0 end) over group_window as derivable,
        row_number() over (
            partition by wave, region_code, question order by hidden_before, n, position
        ) as rank_after_secondary
    from after_secondary
    window group_window as (partition by wave, region_code, question)
),

within_group as (
    select
        *,
        hidden_before or (
            denominator >= 5 and derivable between 1 and 4 and not hidden_before and rank_after_secondary = 1
        ) as hidden_in_region
    from complement
),

-- the national results are published whole (survey_results, every respondent, region known or not): the national
-- count of an answer minus the regions' visible cells is what the hidden regions hold together; when it is 1 to 4,
-- hide the smallest visible regional cell of that answer too. Hiding a cell of 5 or more only ever raises the
-- other differences by 5 or more, so neither rule can undo the other.
national_counts as (
    select wave, question, answer, count(*) as n_national
    from staging.survey_answers_long
    where answer is not null
    group by wave, question, answer
),

across_regions as (
    select
        within_group.*,
        national_counts.n_national
        - sum(case when not hidden_in_region then n else 0 end) over answer_window as derivable_across,
        count(*) filter (where not hidden_in_region) over answer_window as visible_regions,
        row_number() over (
            partition by within_group.wave, within_group.question, within_group.answer
            order by hidden_in_region, n, region_code
        ) as rank_across
    from within_group
    left join national_counts
        on within_group.wave = national_counts.wave and within_group.question = national_counts.question
        and within_group.answer = national_counts.answer
    window answer_window as (partition by within_group.wave, within_group.question, within_group.answer)
),

suppressed as (
    select
        *,
        hidden_in_region or (
            visible_regions > 0 and derivable_across between 1 and 4 and not hidden_in_region and rank_across = 1
        ) as hidden
    from across_regions
)

select
    wave,
    region_code,
    question,
    answer,
    case when not hidden then n end::bigint as n,
    case when denominator >= 5 then denominator end::bigint as denominator,
    case when not hidden then n / denominator end::double as share,
    hidden as suppressed
from suppressed
order by wave, region_code, question, position, answer
