-- Every answer each survey question can take, in display order (published even when nobody chose it, n = 0):
-- the §2.1 labels of choice questions, oui/non, the FTE salary bands, and the part-time rates actually given.
select * from (
    -- 'Cabinet de conseil' is a roster-only employer, not a survey answer
    select kind as question, code as answer, position
    from ref_vocabularies
    where kind in ('contrat', 'duree_cdd', 'temps_travail', 'metier_precedent', 'experience', 'diplome', 'porteur')
        and not (kind = 'porteur' and code = 'Cabinet de conseil')
    union all
    select question, answer, position
    from (values ('autres_missions'), ('missions_realisables'), ('poste_lie'), ('enveloppe'), ('rdv_ars')) as q (question)
    cross join (values ('oui', 1), ('non', 2)) as a (answer, position)
    union all
    select question, 'oui', 1
    from (values ('moyens[ordinateur]'), ('moyens[telephone]'), ('moyens[vehicule]'), ('moyens[aucun]')) as q (question)
    union all
    select 'salaire_etp_tranche', band, position
    from ref_fte_salary_bands
    union all
    select distinct 'quotite', answer, answer::integer
    from staging.survey_answers_long
    where question = 'quotite' and answer is not null
)
order by question, position
