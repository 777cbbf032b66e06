-- Every answer each survey question can take, in display order (published even when nobody chose it, n = 0): the
-- fixed answers of ref_survey_answers, built from the catalogue (a choice question's vocabulary minus the codes its
-- column excludes, e.g. the roster-only employer; oui/non; the FTE salary bands), and the values actually given to
-- a question with open answers (the part-time rate), ordered by value.
select * from (
    select question, answer, position
    from ref_survey_answers
    union all
    select distinct answers.question, answers.answer, answers.answer::integer
    from staging.survey_answers_long as answers
    inner join ref_survey_questions as questions
        on answers.question = questions.question
    where questions.open_answers and answers.answer is not null
)
order by question, position
