-- mart: Résultats nationaux de l'enquête auprès des coordonnateurs (réponses complètes uniquement), par vague.
-- grain: une ligne par vague, question et modalité de réponse (modalités sans réponse incluses, n = 0).
-- column wave: Année de la vague d'enquête.
-- column question: Code de la question (en-tête LimeSurvey), ou salaire_etp_tranche (tranche de salaire net en équivalent temps plein).
-- column answer: Modalité de réponse (libellé ; oui/non pour les questions fermées ; valeur pour la quotité).
-- column n: Nombre de répondants ayant donné cette réponse.
-- column denominator: Répondants concernés ayant répondu (CDD pour duree_cdd, temps partiel pour quotite, tous les répondants complets pour moyens[...]).
-- column share: Part = n / denominator.
with answers as (
    select * from staging.survey_answers_long
),

waves as (
    select distinct wave from answers
),

counts as (
    select
        wave,
        question,
        answer,
        count(*) as n
    from answers
    where answer is not null
    group by wave, question, answer
),

denominators as (
    select
        wave,
        question,
        count(answer) as denominator
    from answers
    group by wave, question
)

select
    waves.wave,
    labels.question,
    labels.answer,
    coalesce(counts.n, 0)::bigint as n,
    coalesce(denominators.denominator, 0)::bigint as denominator,
    case when denominators.denominator > 0 then coalesce(counts.n, 0) / denominators.denominator end::double as share
from waves
cross join staging.survey_answer_labels as labels
left join counts
    on waves.wave = counts.wave and labels.question = counts.question and labels.answer = counts.answer
left join denominators
    on waves.wave = denominators.wave and labels.question = denominators.question
inner join ref_survey_questions as questions
    on labels.question = questions.question
-- the open answers (part-time rates) of one wave are not answers of another
where not questions.open_answers or counts.n is not null
order by waves.wave, labels.question, labels.position, labels.answer
