-- mart: Comparaison des chiffres publiés par le rapport « Tour de France des PTSM » (DMSMP, 2024) avec les chiffres recalculés à partir des marts.
-- grain: une ligne par chiffre publié (data/reference/published_figures.csv, qui définit le calcul de chacun ; docs/published_comparison.md le décrit).
-- column figure_id: Identifiant du chiffre publié.
-- column description: Ce que mesure le chiffre, tel que publié.
-- column published_value: Valeur publiée par le rapport.
-- column computed_value: Valeur recalculée à partir des marts (pour un pourcentage : arrondi à l'unité, sur le dénominateur publié) ; vide si non calculable.
-- column unit: Unité et nature du chiffre publié (count, percent, approx., bornes...).
-- column status: reproduced (reproduit), differs (diffère : voir note) ou not_computable (non calculable : voir note).
-- column source: Source du chiffre publié.
-- column numerator: Numérateur recalculé (pour un pourcentage ou une moyenne) ou valeur recalculée ; vide pour une date, une liste ou un chiffre non calculable.
-- column denominator: Dénominateur recalculé (base d'un pourcentage ou d'une moyenne, ou total dont le chiffre fait partie) ; vide s'il n'y en a pas.
-- column regions: Code(s) de la ou des régions dont parle le chiffre (codes séparés par « ; ») ; vide pour un chiffre national. Un lecteur régional reçoit les chiffres nationaux et ceux de sa seule région.
-- column note: Détail du calcul (numérateur / dénominateur), écart constaté, ou raison de l'impossibilité de calcul ; signale les chiffres issus du seul référentiel (registre, populations), dont la reproduction ne valide pas les exports.
--
-- GENERATED from data/reference/published_figures.csv by `python -m pipelines.lib.catalogue.published_figures`:
-- edit the definitions, not this file (tests/test_published_definitions.py fails when it is stale).
with computed as (
    select 'ptsm_count' as figure_id, 'value' as result,
        (select count(*)::double from marts.ptsm_overview) as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'ptsm_count_ara' as figure_id, 'value' as result,
        (select count(*)::double from marts.ptsm_overview where "region_code" = '84') as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'ptsm_count_na' as figure_id, 'value' as result,
        (select count(*)::double from marts.ptsm_overview where "region_code" = '75') as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'ptsm_pop_min' as figure_id, 'value' as result,
        (select max(try_cast("population" as double)) from marts.ptsm_overview where "ptsm_id" = 'PTSM-48') as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'ptsm_pop_max' as figure_id, 'value' as result,
        (select min(try_cast("population" as double)) from marts.ptsm_overview where "ptsm_id" in ('PTSM-75', 'PTSM-13')) as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'ctsm_signed_2024q1' as figure_id, 'value' as result,
        (select count(*)::double from marts.ptsm_overview where "date_signature_ctsm" <= '2024-03-31') as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'first_ptsm_date' as figure_id, 'text' as result,
        null::double as numerator,
        null::double as denominator,
        (select strftime(min("date_arrete_ptsm"), '%Y-%m-%d') from marts.ptsm_overview) as text_value, null::varchar as not_computable_reason
    union all
    select 'last_ptsm_date' as figure_id, 'text' as result,
        null::double as numerator,
        null::double as denominator,
        (select strftime(max("date_arrete_ptsm"), '%Y-%m-%d') from marts.ptsm_overview) as text_value, null::varchar as not_computable_reason
    union all
    select 'ptsm35_dates' as figure_id, 'text' as result,
        null::double as numerator,
        null::double as denominator,
        (select strftime(max("date_arrete_ptsm"), '%Y-%m-%d') from marts.ptsm_overview where "ptsm_id" = 'PTSM-35') as text_value, null::varchar as not_computable_reason
    union all
    select 'coord_in_post_2024q1' as figure_id, 'value' as result,
        (select sum(try_cast("coordinators_in_post" as double)) from marts.coordinator_vacancy_national where "snapshot_date" = '2024-03-31') as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'coord_vacancy_point' as figure_id, 'percent' as result,
        (select sum(try_cast("n_vacant" as double)) from marts.coordinator_vacancy_national where "snapshot_date" = '2024-03-31') as numerator,
        (select sum(try_cast("n_ptsm" as double)) from marts.coordinator_vacancy_national where "snapshot_date" = '2024-03-31') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'coord_posts_cofunded' as figure_id, 'percent' as result,
        (select sum(try_cast("n_posts" as double)) from marts.coordinator_posts_national where "dimension" = 'cofinancement' and "value" = 'oui') as numerator,
        (select max(try_cast("denominator" as double)) from marts.coordinator_posts_national where "dimension" = 'cofinancement') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'coord_carrier_sanitaire' as figure_id, 'percent' as result,
        (select sum(try_cast("n_posts" as double)) from marts.coordinator_posts_national where "dimension" = 'porteur' and "value" = 'Établissement sanitaire') as numerator,
        (select max(try_cast("denominator" as double)) from marts.coordinator_posts_national where "dimension" = 'porteur') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'coord_carrier_association' as figure_id, 'percent' as result,
        (select sum(try_cast("n_posts" as double)) from marts.coordinator_posts_national where "dimension" = 'porteur' and "value" = 'Association') as numerator,
        (select max(try_cast("denominator" as double)) from marts.coordinator_posts_national where "dimension" = 'porteur') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'coord_budget_per_dep' as figure_id, 'value' as result,
        (select max(try_cast("value" as double)) from marts.coordinator_posts_national where "dimension" = 'financement_ars_median') as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_n' as figure_id, 'value' as result,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'moyens[ordinateur]') as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_cdi' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'contrat' and "answer" = 'CDI') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'contrat') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_cdd' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'contrat' and "answer" = 'CDD') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'contrat') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_titulaire' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'contrat' and "answer" = 'Titulaire de la fonction publique') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'contrat') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_cdd_1an' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'duree_cdd' and "answer" = '1 an') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'duree_cdd') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_cdd_2ans' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'duree_cdd' and "answer" = '2 ans') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'duree_cdd') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_cdd_le_2ans' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'duree_cdd' and "answer" in ('1 an', '2 ans')) as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'duree_cdd') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_temps_plein' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'temps_travail' and "answer" = 'Temps plein') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'temps_travail') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_temps_partiel' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'temps_travail' and "answer" = 'Temps partiel') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'temps_travail') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_partiel_80' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'quotite' and "answer" = '80') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'quotite') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_partiel_90' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'quotite' and "answer" = '90') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'quotite') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_autres_missions' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'autres_missions' and "answer" = 'oui') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'autres_missions') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_missions_impossibles' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'missions_realisables' and "answer" = 'non') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'missions_realisables') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_poste_lie' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'poste_lie' and "answer" = 'oui') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'poste_lie') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_pro_sante' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'metier_precedent' and "answer" = 'Professionnel de santé') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'metier_precedent') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_direction' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'metier_precedent' and "answer" = 'Poste de direction') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'metier_precedent') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_exp_16plus' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'experience' and "answer" = '16 ans et plus') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'experience') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_exp_lt6' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'experience' and "answer" = 'Moins de 6 ans') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'experience') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_exp_10plus' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'experience' and "answer" in ('11 à 15 ans', '16 ans et plus')) as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'experience') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_master' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'diplome' and "answer" = 'Master ou plus') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'diplome') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_ordinateur' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'moyens[ordinateur]' and "answer" = 'oui') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'moyens[ordinateur]') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_telephone' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'moyens[telephone]' and "answer" = 'oui') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'moyens[telephone]') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_vehicule' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'moyens[vehicule]' and "answer" = 'oui') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'moyens[vehicule]') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_aucun_materiel' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'moyens[aucun]' and "answer" = 'oui') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'moyens[aucun]') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_salaire_lt2000' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'salaire_etp_tranche' and "answer" = '<2000') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'salaire_etp_tranche') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_salaire_enveloppe' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'salaire_etp_tranche' and "answer" = '2300-2499') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'salaire_etp_tranche') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_porteur_sanitaire' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'porteur' and "answer" = 'Établissement sanitaire') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'porteur') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_porteur_association' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'porteur' and "answer" = 'Association') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'porteur') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_porteur_medicosocial' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'porteur' and "answer" = 'Établissement médico-social') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'porteur') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_enveloppe' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'enveloppe' and "answer" = 'oui') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'enveloppe') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'survey_rdv_ars' as figure_id, 'percent' as result,
        (select sum(try_cast("n" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'rdv_ars' and "answer" = 'oui') as numerator,
        (select max(try_cast("denominator" as double)) from marts.survey_results where "wave" = '2023' and "question" = 'rdv_ars') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'actions_na_total' as figure_id, 'value' as result,
        (select sum(try_cast("n_current_actions" as double)) from marts.ptsm_overview where "region_code" = '75') as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'actions_paca_tripartite' as figure_id, 'value' as result,
        (select count(*)::double from marts.ptsm_actions where "region_code" = '93' and "implemented" = 'true' and "annee_debut" between '2021' and '2023' and "tripartite" = 'true') as numerator,
        (select count(*)::double from marts.ptsm_actions where "region_code" = '93' and "implemented" = 'true' and "annee_debut" between '2021' and '2023') as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'actions_paca_mises_en_oeuvre' as figure_id, 'value' as result,
        (select count(*)::double from marts.ptsm_actions where "region_code" = '93' and "implemented" = 'true' and "annee_debut" between '2021' and '2023') as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'reunion_priorites_absentes' as figure_id, 'text' as result,
        null::double as numerator,
        null::double as denominator,
        (select string_agg("priority"::varchar, ';' order by "priority") from marts.ptsm_priority_coverage where "ptsm_id" = 'PTSM-974' and "covered" = 'false') as text_value, null::varchar as not_computable_reason
    union all
    select 'cotes_armor_actions' as figure_id, 'value' as result,
        (select max(try_cast("n_current_actions" as double)) from marts.ptsm_overview where "ptsm_id" = 'PTSM-22') as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'lot_et_garonne_plans' as figure_id, 'value' as result,
        (select max(try_cast("n_current_actions" as double)) from marts.ptsm_overview where "ptsm_id" = 'PTSM-47') as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'ille_et_vilaine_actions' as figure_id, 'value' as result,
        (select max(try_cast("n_current_actions" as double)) from marts.ptsm_overview where "ptsm_id" = 'PTSM-35') as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'catalogue_max_actions' as figure_id, 'value' as result,
        (select max(try_cast("n_current_actions" as double)) from marts.ptsm_overview where "ptsm_id" in ('PTSM-46', 'PTSM-83')) as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'cdc_pedopsy_ages' as figure_id, 'none' as result,
        null::double as numerator,
        null::double as denominator,
        null::varchar as text_value, 'les 79 PTSM examinés par la Cour des comptes ne sont pas identifiés (le notebook 03 donne le décompte sur tous les PTSM)' as not_computable_reason
    union all
    select 'cdc_pedopsy_liaison' as figure_id, 'none' as result,
        null::double as numerator,
        null::double as denominator,
        null::varchar as text_value, 'les 79 PTSM examinés par la Cour des comptes ne sont pas identifiés (le notebook 03 donne le décompte sur tous les PTSM)' as not_computable_reason
    union all
    select 'cdc_transition' as figure_id, 'none' as result,
        null::double as numerator,
        null::double as denominator,
        null::varchar as text_value, 'les 79 PTSM examinés par la Cour des comptes ne sont pas identifiés (le notebook 03 donne le décompte sur tous les PTSM)' as not_computable_reason
    union all
    select 'funding_bfc_per_ptsm' as figure_id, 'mean' as result,
        (select sum(try_cast("montant_eur" as double)) from marts.ptsm_funding where "region_code" = '27' and "funder_group" = 'ars' and "annee" = '2023') as numerator,
        (select count(*)::double from marts.ptsm_overview where "region_code" = '27' and "actions_snapshot_date" is not null) as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'funding_ge_per_ptsm' as figure_id, 'mean' as result,
        (select sum(try_cast("montant_eur" as double)) from marts.ptsm_funding where "region_code" = '44' and "funder_group" = 'ars' and "annee" = '2023') as numerator,
        (select count(*)::double from marts.ptsm_overview where "region_code" = '44' and "actions_snapshot_date" is not null) as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'funding_na_total' as figure_id, 'value' as result,
        (select sum(try_cast("montant_eur" as double)) from marts.ptsm_funding where "region_code" = '75' and "funder_group" = 'ars' and "annee" between '2019' and '2023') as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'funding_47_daf' as figure_id, 'value' as result,
        (select sum(try_cast("montant_eur" as double)) from marts.ptsm_funding where "ptsm_id" = 'PTSM-47' and "funder" = 'ars_daf') as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'funding_33_daf' as figure_id, 'value' as result,
        (select sum(try_cast("montant_eur" as double)) from marts.ptsm_funding where "ptsm_id" = 'PTSM-33' and "funder" = 'ars_daf') as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
    union all
    select 'funding_55_formation' as figure_id, 'value' as result,
        (select sum(try_cast("total_eur" as double)) from marts.ptsm_actions where "ptsm_id" = 'PTSM-55' and list_contains(string_split("thematiques", ';'), 'formation')) as numerator,
        null::double as denominator,
        null::varchar as text_value, null::varchar as not_computable_reason
),

joined as (
    select
        figures.figure_id, figures.description, figures.published_value, figures.unit, figures.source,
        figures.region_code, figures.computed_from,
        computed.result, computed.numerator, computed.denominator, computed.text_value,
        computed.not_computable_reason,
        contains(figures.unit, 'approx.') as is_approx,
        contains(figures.unit, 'lower bound') as is_lower,
        contains(figures.unit, 'upper bound') as is_upper,
        try_cast(figures.published_value as double) as published_number
    from ref_published_figures as figures
    left join computed on figures.figure_id = computed.figure_id
),

valued as (
    select
        *,
        case
            when result = 'percent' and denominator > 0 then 100.0 * numerator / denominator
            when result = 'mean' and denominator > 0 then numerator / denominator
            when result in ('percent', 'mean') then null
            else numerator
        end as measure
    from joined
),

judged as (
    select
        *,
        -- the one judge of published figures: sql/macros/published_status.sql
        case
            when result = 'none' or result is null then 'not_computable'
            else published_status(unit, published_value, measure, text_value)
        end as status
    from valued
)

select
    figure_id,
    description,
    published_value,
    case
        when text_value is not null then text_value
        when measure is null then null
        when result = 'percent' and (is_approx or is_lower or is_upper) then printf('%.1f', measure)
        else cast(round(measure)::bigint as varchar)
    end as computed_value,
    unit,
    status,
    source,
    numerator,
    denominator,
    nullif(region_code, '') as regions,
    nullif(concat_ws(' ; ',
        -- registry counts and populations come from data/reference alone: reproducing them validates no export
        case when computed_from = 'reference' then 'chiffre issu du seul référentiel (data/reference), pas des exports' end,
        case
            when status = 'not_computable' then coalesce(not_computable_reason, 'aucune donnée dans les marts pour ce chiffre')
            when result = 'percent' then concat_ws(' ; ',
                printf('%.0f', numerator) || ' / ' || printf('%.0f', denominator) || ' = ' || printf('%.1f', measure) || ' %',
                case when status = 'differs' then 'écart ' || printf('%+.1f', measure - published_number) || ' points' end)
            when denominator is not null then concat_ws(' ; ',
                printf('%.0f', numerator) || ' / ' || printf('%.0f', denominator),
                case when status = 'differs' and measure is not null then 'écart ' || printf('%+.0f', measure - published_number) end)
            when status = 'differs' and measure is not null then 'écart ' || printf('%+.0f', measure - published_number)
            when status = 'differs' then 'publié ' || published_value || ', calculé ' || coalesce(text_value, '(rien)')
        end), '') as note
from judged
order by figure_id
