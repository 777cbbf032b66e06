-- One row per complete survey response and question that applies to it (docs/contract.md §4 survey_results):
-- a question with a condition in ref_survey_questions (duree_cdd: CDD respondents, quotite: part-time ones) only
-- for the respondents who gave that answer; answer null = item non-response. Multiple-choice items are always
-- answered (ticked = oui); the derived salaire_etp_tranche is the FTE salary band. Questions, conditions and the
-- full-time / part-time answers come from the catalogue (pipelines/lib/catalogue/catalogue.toml).
with responses as (
    select * from staging.survey_responses
),

-- every survey column as the text survey_results publishes (yes/no and ticked items as oui/non)
as_text as (
    select
        wave,
        response_id,
        ptsm_id,
        contrat,
        duree_cdd,
        temps_travail,
        quotite::varchar as quotite,
        metier_precedent,
        experience,
        diplome,
        porteur,
        case when autres_missions then 'oui' when not autres_missions then 'non' end as autres_missions,
        case when missions_realisables then 'oui' when not missions_realisables then 'non' end as missions_realisables,
        case when poste_lie then 'oui' when not poste_lie then 'non' end as poste_lie,
        case when enveloppe then 'oui' when not enveloppe then 'non' end as enveloppe,
        case when rdv_ars then 'oui' when not rdv_ars then 'non' end as rdv_ars,
        case when moyens_ordinateur then 'oui' when not moyens_ordinateur then 'non' end as moyens_ordinateur,
        case when moyens_telephone then 'oui' when not moyens_telephone then 'non' end as moyens_telephone,
        case when moyens_vehicule then 'oui' when not moyens_vehicule then 'non' end as moyens_vehicule,
        case when moyens_aucun then 'oui' when not moyens_aucun then 'non' end as moyens_aucun
    from responses
),

-- one row per response and column, unanswered ones included (an item non-response counts in no denominator)
by_column as (
    from as_text
    unpivot include nulls (answer for column_name in (columns(* exclude (wave, response_id, ptsm_id))))
),

answers as (
    select by_column.wave, by_column.response_id, by_column.ptsm_id, questions.question, by_column.answer,
        questions.condition_question, questions.condition_answer
    from by_column
    inner join ref_survey_questions as questions
        on by_column.column_name = questions.column_name
),

fte_salary as (
    select
        responses.wave,
        responses.response_id,
        responses.ptsm_id,
        case
            when responses.temps_travail = rule.full_time_answer then responses.salaire_net
            when responses.temps_travail = rule.part_time_answer and responses.quotite > 0
                then responses.salaire_net * 100 / responses.quotite
        end as salaire_etp
    from responses
    cross join ref_fte_salary_rule as rule
)

select answers.wave, answers.response_id, answers.ptsm_id, answers.question, answers.answer
from answers
left join answers as asked_if
    on answers.condition_question = asked_if.question
    and answers.wave = asked_if.wave
    and answers.response_id = asked_if.response_id
where answers.condition_question is null or asked_if.answer = answers.condition_answer
union all
select
    fte_salary.wave,
    fte_salary.response_id,
    fte_salary.ptsm_id,
    questions.question,
    bands.band
from fte_salary
-- the derived question (answers = fte_salary_bands) and its bands, defined once in the catalogue and
-- pipelines.lib.catalogue.vocab.FTE_SALARY_BANDS (half-open, null = unbounded)
inner join ref_survey_questions as questions
    on questions.answers = 'fte_salary_bands'
left join ref_fte_salary_bands as bands
    on (bands.lower_eur is null or fte_salary.salaire_etp >= bands.lower_eur)
    and (bands.upper_eur is null or fte_salary.salaire_etp < bands.upper_eur)
