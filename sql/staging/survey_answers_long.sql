-- One row per complete survey response and question that applies to it (docs/contract.md §4 survey_results):
-- duree_cdd only for CDD respondents, quotite only for part-time ones; answer null = item non-response.
-- Multiple-choice items are always answered (ticked = oui); the derived salaire_etp_tranche is the FTE salary band.
with responses as (
    select * from staging.survey_responses
),

yes_no as (
    select wave, response_id, ptsm_id, 'autres_missions' as question, autres_missions as value from responses
    union all select wave, response_id, ptsm_id, 'missions_realisables', missions_realisables from responses
    union all select wave, response_id, ptsm_id, 'poste_lie', poste_lie from responses
    union all select wave, response_id, ptsm_id, 'enveloppe', enveloppe from responses
    union all select wave, response_id, ptsm_id, 'rdv_ars', rdv_ars from responses
    union all select wave, response_id, ptsm_id, 'moyens[ordinateur]', moyens_ordinateur from responses
    union all select wave, response_id, ptsm_id, 'moyens[telephone]', moyens_telephone from responses
    union all select wave, response_id, ptsm_id, 'moyens[vehicule]', moyens_vehicule from responses
    union all select wave, response_id, ptsm_id, 'moyens[aucun]', moyens_aucun from responses
),

fte_salary as (
    select
        wave,
        response_id,
        ptsm_id,
        case
            when temps_travail = 'Temps plein' then salaire_net
            when temps_travail = 'Temps partiel' and quotite > 0 then salaire_net * 100 / quotite
        end as salaire_etp
    from responses
)

select wave, response_id, ptsm_id, 'contrat' as question, contrat as answer from responses
union all select wave, response_id, ptsm_id, 'duree_cdd', duree_cdd from responses where contrat = 'CDD'
union all select wave, response_id, ptsm_id, 'temps_travail', temps_travail from responses
union all select wave, response_id, ptsm_id, 'quotite', quotite::varchar from responses where temps_travail = 'Temps partiel'
union all select wave, response_id, ptsm_id, 'metier_precedent', metier_precedent from responses
union all select wave, response_id, ptsm_id, 'experience', experience from responses
union all select wave, response_id, ptsm_id, 'diplome', diplome from responses
union all select wave, response_id, ptsm_id, 'porteur', porteur from responses
union all
select wave, response_id, ptsm_id, question, case when value then 'oui' when not value then 'non' end
from yes_no
union all
select
    wave,
    response_id,
    ptsm_id,
    'salaire_etp_tranche',
    bands.band
from fte_salary
-- the bands are defined once, in pipelines.lib.catalogue.vocab.FTE_SALARY_BANDS (half-open, null = unbounded)
left join ref_fte_salary_bands as bands
    on (bands.lower_eur is null or fte_salary.salaire_etp >= bands.lower_eur)
    and (bands.upper_eur is null or fte_salary.salaire_etp < bands.upper_eur)
