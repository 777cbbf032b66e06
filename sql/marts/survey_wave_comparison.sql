-- mart: Évolution des résultats nationaux de l'enquête auprès des coordonnateurs entre deux vagues successives, avec l'intervalle de confiance à 95 % de l'écart.
-- grain: une ligne par vague ayant une vague antérieure, question et modalité de réponse (une modalité présente dans une seule des deux vagues figure avec n = 0 dans l'autre).
-- column wave: Année de la vague d'enquête comparée.
-- column previous_wave: Année de la vague précédente (la plus récente avant wave).
-- column question: Code de la question (comme survey_results, dont salaire_etp_tranche).
-- column answer: Modalité de réponse (comme survey_results).
-- column n: Nombre de répondants de la vague ayant donné cette réponse (0 si la modalité n'existe que dans la vague précédente).
-- column denominator: Répondants concernés ayant répondu dans la vague (mêmes dénominateurs que survey_results).
-- column share: Part dans la vague = n / denominator ; vide si personne n'a répondu à la question.
-- column previous_n: Nombre de répondants de la vague précédente ayant donné cette réponse (0 si la modalité n'existe que dans la vague récente).
-- column previous_denominator: Répondants concernés ayant répondu dans la vague précédente.
-- column previous_share: Part dans la vague précédente ; vide si personne n'y a répondu à la question.
-- column difference_points: Écart share − previous_share, en points de pourcentage.
-- column ci_low_points: Borne basse de l'intervalle de confiance à 95 % de l'écart, en points (méthode hybride du score de Newcombe, 1998, pour deux proportions indépendantes : les vagues sont des enquêtes transversales distinctes, pas un panel, un même coordonnateur pouvant répondre aux deux ou à une seule).
-- column ci_high_points: Borne haute de l'intervalle de confiance à 95 % de l'écart, en points (même méthode).
-- column significant: Vrai si l'intervalle exclut 0 (écart significatif au seuil de 5 %, question par question) ; vide si l'écart n'est pas calculable.
-- column p_value: Probabilité critique bilatérale du test du score comparant les deux parts (variance commune, équivalent au khi-deux du tableau 2×2) ; vide si l'écart n'est pas calculable.
-- column p_value_adjusted: Probabilité critique corrigée de la multiplicité des tests par la méthode de Holm, sur toutes les modalités comparées entre les deux mêmes vagues ; vide si l'écart n'est pas calculable.
-- column significant_adjusted: Vrai si l'écart reste significatif après correction de Holm (p corrigée < 0,05) et que l'intervalle exclut 0 : seuls ces écarts sont appelés « évolutions » ; vide si l'écart n'est pas calculable.
with results as (
    select wave, question, answer, n, denominator
    from marts.survey_results
),

-- each wave and the most recent earlier one
wave_pairs as (
    select wave, previous_wave
    from (
        select wave, lag(wave) over (order by wave) as previous_wave
        from (select distinct wave from results)
    )
    where previous_wave is not null
),

question_denominators as (
    select wave, question, max(denominator) as denominator
    from results
    group by wave, question
),

-- every answer seen in either wave of a pair
pair_answers as (
    select pairs.wave, pairs.previous_wave, results.question, results.answer
    from wave_pairs as pairs
    inner join results on results.wave in (pairs.wave, pairs.previous_wave)
    group by all
),

paired as (
    select
        pair_answers.wave,
        pair_answers.previous_wave,
        pair_answers.question,
        pair_answers.answer,
        coalesce(now_counts.n, 0) as n,
        coalesce(now_denominators.denominator, 0) as denominator,
        coalesce(before_counts.n, 0) as previous_n,
        coalesce(before_denominators.denominator, 0) as previous_denominator
    from pair_answers
    left join results as now_counts
        on now_counts.wave = pair_answers.wave
        and now_counts.question = pair_answers.question
        and now_counts.answer = pair_answers.answer
    left join results as before_counts
        on before_counts.wave = pair_answers.previous_wave
        and before_counts.question = pair_answers.question
        and before_counts.answer = pair_answers.answer
    left join question_denominators as now_denominators
        on now_denominators.wave = pair_answers.wave
        and now_denominators.question = pair_answers.question
    left join question_denominators as before_denominators
        on before_denominators.wave = pair_answers.previous_wave
        and before_denominators.question = pair_answers.question
),

-- Wilson score interval of each share (z = 1.959964, the 97.5th percentile of the normal distribution)
wilson as (
    select
        *,
        case when denominator > 0 then n / denominator end as p1,
        case when previous_denominator > 0 then previous_n / previous_denominator end as p2,
        case when denominator > 0 then
            (n + 1.959964 ^ 2 / 2 - 1.959964 * sqrt(n * (denominator - n) / denominator + 1.959964 ^ 2 / 4))
            / (denominator + 1.959964 ^ 2)
        end as l1,
        case when denominator > 0 then
            (n + 1.959964 ^ 2 / 2 + 1.959964 * sqrt(n * (denominator - n) / denominator + 1.959964 ^ 2 / 4))
            / (denominator + 1.959964 ^ 2)
        end as u1,
        case when previous_denominator > 0 then
            (previous_n + 1.959964 ^ 2 / 2
                - 1.959964 * sqrt(previous_n * (previous_denominator - previous_n) / previous_denominator + 1.959964 ^ 2 / 4))
            / (previous_denominator + 1.959964 ^ 2)
        end as l2,
        case when previous_denominator > 0 then
            (previous_n + 1.959964 ^ 2 / 2
                + 1.959964 * sqrt(previous_n * (previous_denominator - previous_n) / previous_denominator + 1.959964 ^ 2 / 4))
            / (previous_denominator + 1.959964 ^ 2)
        end as u2
    from paired
),

-- Newcombe's hybrid score interval for p1 - p2 (method 10 of Newcombe 1998)
newcombe as (
    select
        *,
        p1 - p2 - sqrt((p1 - l1) ^ 2 + (u2 - p2) ^ 2) as ci_low,
        p1 - p2 + sqrt((u1 - p1) ^ 2 + (p2 - l2) ^ 2) as ci_high,
        two_proportion_p_value(n, denominator, previous_n, previous_denominator) as p_value
    from wilson
),

-- Holm's step-down correction across every answer compared between the same two waves (about fifty tests per pair:
-- at 5 % each, two or three would look significant by chance alone). Sorted by p, the k-th of m gets
-- min(1, (m - k + 1) p), made non-decreasing along the order.
holm_ranked as (
    select
        *,
        row_number() over (partition by wave order by p_value, question, answer) as holm_rank,
        count(p_value) over (partition by wave) as holm_tests
    from newcombe
    where p_value is not null
),

holm as (
    select
        wave, question, answer,
        max(least(1.0, (holm_tests - holm_rank + 1) * p_value)) over (
            partition by wave order by holm_rank rows between unbounded preceding and current row
        ) as p_value_adjusted
    from holm_ranked
)

select
    wave,
    previous_wave,
    question,
    answer,
    n::bigint as n,
    denominator::bigint as denominator,
    p1::double as share,
    previous_n::bigint as previous_n,
    previous_denominator::bigint as previous_denominator,
    p2::double as previous_share,
    (100 * (p1 - p2))::double as difference_points,
    (100 * ci_low)::double as ci_low_points,
    (100 * ci_high)::double as ci_high_points,
    (ci_low > 0 or ci_high < 0) as significant,
    p_value::double as p_value,
    holm.p_value_adjusted::double as p_value_adjusted,
    case when ci_low is not null then (ci_low > 0 or ci_high < 0) and holm.p_value_adjusted < 0.05 end
        as significant_adjusted
from newcombe
left join holm using (wave, question, answer)
order by wave, question, answer
