-- mart: Résultats nationaux de l'enquête auprès des coordonnateurs (réponses complètes uniquement), par vague.
-- grain: une ligne par vague, question et modalité de réponse (modalités sans réponse incluses, n = 0).
-- column wave: Année de la vague d'enquête.
-- column question: Code de la question (en-tête LimeSurvey), ou salaire_etp_tranche (tranche de salaire net en équivalent temps plein).
-- column answer: Modalité de réponse (libellé ; oui/non pour les questions fermées ; valeur pour la quotité).
-- column n: Nombre de répondants ayant donné cette réponse.
-- column denominator: Répondants concernés ayant répondu (CDD pour duree_cdd, temps partiel pour quotite, tous les répondants complets pour moyens[...]).
-- column share: Part = n / denominator.
with responses as (
    select * from staging.survey_responses
),

waves as (
    select distinct wave from responses
),

-- answers to the single-choice questions, one row per response and question
choices as (
    select wave, response_id, 'contrat' as question, contrat as answer from responses
    union all select wave, response_id, 'duree_cdd', duree_cdd from responses where contrat = 'CDD'
    union all select wave, response_id, 'temps_travail', temps_travail from responses
    union all select wave, response_id, 'metier_precedent', metier_precedent from responses
    union all select wave, response_id, 'experience', experience from responses
    union all select wave, response_id, 'diplome', diplome from responses
    union all select wave, response_id, 'porteur', porteur from responses
),

choice_labels as (
    -- 'Cabinet de conseil' is a roster-only employer, not a survey answer
    select kind as question, code as answer, position
    from ref_vocabularies
    where kind in ('contrat', 'duree_cdd', 'temps_travail', 'metier_precedent', 'experience', 'diplome', 'porteur')
        and not (kind = 'porteur' and code = 'Cabinet de conseil')
),

yes_no as (
    select wave, response_id, 'autres_missions' as question, autres_missions as answer from responses
    union all select wave, response_id, 'missions_realisables', missions_realisables from responses
    union all select wave, response_id, 'poste_lie', poste_lie from responses
    union all select wave, response_id, 'enveloppe', enveloppe from responses
    union all select wave, response_id, 'rdv_ars', rdv_ars from responses
),

yes_no_labels as (
    select * from (values ('oui', true, 1), ('non', false, 2)) as labels (answer, value, position)
),

fte_salary as (
    select
        wave,
        response_id,
        case
            when temps_travail = 'Temps plein' then salaire_net
            when temps_travail = 'Temps partiel' and quotite > 0 then salaire_net * 100 / quotite
        end as salaire_etp
    from responses
),

bands as (
    select * from (values
        ('<2000', 0.0, 2000.0, 1), ('2000-2299', 2000.0, 2300.0, 2), ('2300-2499', 2300.0, 2500.0, 3),
        ('2500-2999', 2500.0, 3000.0, 4), ('>=3000', 3000.0, 1e18, 5)
    ) as b (answer, low, high, position)
),

choice_results as (
    select
        waves.wave,
        labels.question,
        labels.answer,
        labels.position,
        (select count(*) from choices as c
            where c.wave = waves.wave and c.question = labels.question and c.answer = labels.answer) as n,
        (select count(*) from choices as c
            where c.wave = waves.wave and c.question = labels.question and c.answer is not null) as denominator
    from waves
    cross join choice_labels as labels
),

yes_no_results as (
    select
        waves.wave,
        questions.question,
        labels.answer,
        10 + labels.position as position,
        (select count(*) from yes_no as y
            where y.wave = waves.wave and y.question = questions.question and y.answer = labels.value) as n,
        (select count(*) from yes_no as y
            where y.wave = waves.wave and y.question = questions.question and y.answer is not null) as denominator
    from waves
    cross join (select distinct question from yes_no) as questions
    cross join yes_no_labels as labels
),

quotite_results as (
    select
        wave,
        'quotite' as question,
        quotite::varchar as answer,
        quotite as position,
        count(*) as n,
        sum(count(*)) over (partition by wave) as denominator
    from responses
    where temps_travail = 'Temps partiel' and quotite is not null
    group by wave, quotite
),

equipment as (
    select wave, 'moyens[ordinateur]' as question, moyens_ordinateur as ticked from responses
    union all select wave, 'moyens[telephone]', moyens_telephone from responses
    union all select wave, 'moyens[vehicule]', moyens_vehicule from responses
    union all select wave, 'moyens[aucun]', moyens_aucun from responses
),

equipment_results as (
    select
        wave,
        question,
        'oui' as answer,
        1 as position,
        count(*) filter (where ticked) as n,
        count(*) as denominator
    from equipment
    group by wave, question
),

salary_results as (
    select
        waves.wave,
        'salaire_etp_tranche' as question,
        bands.answer,
        bands.position,
        (select count(*) from fte_salary as s
            where s.wave = waves.wave and s.salaire_etp >= bands.low and s.salaire_etp < bands.high) as n,
        (select count(*) from fte_salary as s where s.wave = waves.wave and s.salaire_etp is not null) as denominator
    from waves
    cross join bands
),

all_results as (
    select * from choice_results
    union all select * from yes_no_results
    union all select * from quotite_results
    union all select * from equipment_results
    union all select * from salary_results
)

select
    wave,
    question,
    answer,
    n::bigint as n,
    denominator::bigint as denominator,
    case when denominator > 0 then n / denominator end::double as share
from all_results
order by wave, question, position, answer
