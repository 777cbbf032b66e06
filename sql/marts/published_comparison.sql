-- mart: Comparaison des chiffres publiés par le rapport « Tour de France des PTSM » (DMSMP, 2024) avec les chiffres recalculés à partir des marts.
-- grain: une ligne par chiffre publié (data/reference/published_figures.csv) ; la méthode de calcul de chacun est décrite dans docs/published_comparison.md.
-- column figure_id: Identifiant du chiffre publié.
-- column description: Ce que mesure le chiffre, tel que publié.
-- column published_value: Valeur publiée par le rapport.
-- column computed_value: Valeur recalculée à partir des marts (pour un pourcentage : arrondi à l'unité, sur le dénominateur publié) ; vide si non calculable.
-- column unit: Unité et nature du chiffre publié (count, percent, approx., bornes...).
-- column status: reproduced (reproduit), differs (diffère : voir note) ou not_computable (non calculable : voir note).
-- column source: Source du chiffre publié.
-- column note: Détail du calcul (numérateur / dénominateur), écart constaté, ou raison de l'impossibilité de calcul ; signale les chiffres issus du seul référentiel (registre, populations), dont la reproduction ne valide pas les exports.
-- the report quotes one survey wave, the year in its figures' theme (enquete_2023): a later wave is compared
-- with it in survey_wave_comparison, never with the published figures
with report_wave as (
    select max(try_cast(regexp_extract(theme, '^enquete_([0-9]{4})$', 1) as integer)) as wave
    from ref_published_figures
),

survey as (
    select results.question, results.answer, results.n, results.denominator
    from marts.survey_results as results
    inner join report_wave on results.wave = report_wave.wave
),

-- survey share figures, driven by published_figures.csv: filter = "<question>: <answer>|<answer>..."
survey_map as (
    select
        figure_id,
        split_part(filter, ': ', 1) as question,
        string_split(split_part(filter, ': ', 2), '|') as answers
    from ref_published_figures
    where mart = 'survey_results' and measure = 'share'
),

survey_figures as (
    select
        survey_map.figure_id,
        sum(survey.n) filter (where list_contains(survey_map.answers, survey.answer)) as numerator,
        -- a question's denominator is carried by each of its rows; quotite has none when nobody answered
        max(survey.denominator) as denominator
    from survey_map
    left join survey
        on survey.question = survey_map.question
    group by survey_map.figure_id
),

t1_2024 as (
    select * from marts.coordinator_vacancy_national where snapshot_date = date '2024-03-31'
),

posts as (
    select * from marts.coordinator_posts_national
),

overview as (
    select * from marts.ptsm_overview
),

paca as (
    select
        count(*) as implemented_2021_2023,
        count(*) filter (where tripartite) as tripartite
    from marts.ptsm_actions
    where region_code = '93' and implemented and annee_debut between 2021 and 2023
),

ars_2023 as (
    select
        overview.region_code,
        overview.ptsm_id,
        coalesce(sum(funding.montant_eur) filter (where funding.funder_group = 'ars' and funding.annee = 2023), 0) as ars_eur
    from overview
    left join marts.ptsm_funding as funding
        on overview.ptsm_id = funding.ptsm_id
    where overview.actions_snapshot_date is not null
    group by overview.region_code, overview.ptsm_id
),

-- one row per figure: a numeric value and/or a text value, and how it was obtained
computed as (
    select figure_id, numerator::double as value, null::varchar as text_value,
        numerator || ' / ' || denominator as detail, denominator
    from survey_figures
    union all
    select 'survey_n', max(denominator), null, max(denominator) || ' réponses complètes', null
    from survey where question = 'moyens[ordinateur]'
    union all select 'ptsm_count', count(*), null, count(*) || ' PTSM dans ptsm_overview', null from overview
    union all select 'ptsm_count_ara', count(*), null, null, null from overview where region_code = '84'
    union all select 'ptsm_count_na', count(*), null, null, null from overview where region_code = '75'
    union all select 'ptsm_pop_min', max(population), null, 'population de PTSM-48', null from overview where ptsm_id = 'PTSM-48'
    union all select 'ptsm_pop_max', min(population), null, 'plus petite population parmi PTSM-75 et PTSM-13', null
        from overview where ptsm_id in ('PTSM-75', 'PTSM-13')
    union all select 'ctsm_signed_2024q1', count(*) filter (where date_signature_ctsm <= date '2024-03-31'), null,
        'CTSM signés au plus tard le 31/03/2024', null from overview
    union all select 'first_ptsm_date', null, strftime(min(date_arrete_ptsm), '%Y-%m-%d'), null, null from overview
    union all select 'last_ptsm_date', null, strftime(max(date_arrete_ptsm), '%Y-%m-%d'), null, null from overview
    union all select 'ptsm35_dates', null, strftime(max(date_arrete_ptsm), '%Y-%m-%d'),
        'CTSM signé le ' || coalesce(strftime(max(date_signature_ctsm), '%Y-%m-%d'), '(non signé)'), null
        from overview where ptsm_id = 'PTSM-35'
    union all select 'coord_in_post_2024q1', max(coordinators_in_post), null, 'au 31/03/2024', null from t1_2024
    union all select 'coord_vacancy_point', max(n_vacant), null, max(n_vacant) || ' / ' || max(n_ptsm) || ' PTSM au 31/03/2024', max(n_ptsm) from t1_2024
    union all select 'coord_posts_cofunded', max(n_posts) filter (where value = 'oui'), null,
        max(n_posts) filter (where value = 'oui') || ' / ' || max(denominator), max(denominator)
        from posts where dimension = 'cofinancement'
    union all select 'coord_carrier_sanitaire', coalesce(max(n_posts) filter (where value = 'Établissement sanitaire'), 0), null,
        coalesce(max(n_posts) filter (where value = 'Établissement sanitaire'), 0) || ' / ' || max(denominator), max(denominator)
        from posts where dimension = 'porteur'
    union all select 'coord_carrier_association', coalesce(max(n_posts) filter (where value = 'Association'), 0), null,
        coalesce(max(n_posts) filter (where value = 'Association'), 0) || ' / ' || max(denominator), max(denominator)
        from posts where dimension = 'porteur'
    union all select 'coord_budget_per_dep', max(try_cast(value as double)), null,
        'médiane du financement ARS annuel des ' || max(n_posts) || ' postes occupés', null
        from posts where dimension = 'financement_ars_median'
    union all select 'actions_na_total', sum(n_current_actions), null, count(n_current_actions) || ' PTSM avec classeur', null
        from overview where region_code = '75'
    union all select 'actions_paca_mises_en_oeuvre', implemented_2021_2023, null, null, null from paca
    union all select 'actions_paca_tripartite', tripartite, null, tripartite || ' sur ' || implemented_2021_2023, null from paca
    union all select 'reunion_priorites_absentes', null,
        string_agg(priority::varchar, ';' order by priority) filter (where not covered),
        case when bool_or(covered is null) then 'PTSM sans classeur' end, null
        from marts.ptsm_priority_coverage where ptsm_id = 'PTSM-974'
    union all select 'cotes_armor_actions', max(n_current_actions), null, null, null from overview where ptsm_id = 'PTSM-22'
    union all select 'lot_et_garonne_plans', max(n_current_actions), null, null, null from overview where ptsm_id = 'PTSM-47'
    union all select 'ille_et_vilaine_actions', max(n_current_actions), null, null, null from overview where ptsm_id = 'PTSM-35'
    union all select 'catalogue_max_actions', max(n_current_actions), null, 'maximum parmi PTSM-46 et PTSM-83', null
        from overview where ptsm_id in ('PTSM-46', 'PTSM-83')
    -- the mean is over the PTSM whose funding is known (a current workbook); a PTSM without one is unknown, not 0
    union all select 'funding_bfc_per_ptsm', avg(ars_eur), null,
        'moyenne 2023 des financements ARS sur ' || count(*) || ' PTSM avec classeur', null
        from ars_2023 where region_code = '27'
    union all select 'funding_ge_per_ptsm', avg(ars_eur), null,
        'moyenne 2023 des financements ARS sur ' || count(*) || ' PTSM avec classeur', null
        from ars_2023 where region_code = '44'
    union all select 'funding_na_total', coalesce(sum(montant_eur), 0), null, 'financements ARS 2019-2023 des PTSM de la région 75', null
        from marts.ptsm_funding where region_code = '75' and funder_group = 'ars' and annee between 2019 and 2023
    union all select 'funding_47_daf', coalesce(sum(montant_eur), 0), null, 'crédits DAF psychiatrie, toutes années', null
        from marts.ptsm_funding where ptsm_id = 'PTSM-47' and funder = 'ars_daf'
    union all select 'funding_33_daf', coalesce(sum(montant_eur), 0), null, 'crédits DAF psychiatrie, toutes années', null
        from marts.ptsm_funding where ptsm_id = 'PTSM-33' and funder = 'ars_daf'
    union all select 'funding_55_formation', coalesce(sum(total_eur), 0), null, 'actions de thématique formation, toutes années', null
        from marts.ptsm_actions where ptsm_id = 'PTSM-55' and list_contains(string_split(thematiques, ';'), 'formation')
),

not_computable as (
    select * from (values
        ('cdc_pedopsy_ages', 'les 79 PTSM examinés par la Cour des comptes ne sont pas identifiés (le notebook 03 donne le décompte sur tous les PTSM)'),
        ('cdc_pedopsy_liaison', 'les 79 PTSM examinés par la Cour des comptes ne sont pas identifiés (le notebook 03 donne le décompte sur tous les PTSM)'),
        ('cdc_transition', 'les 79 PTSM examinés par la Cour des comptes ne sont pas identifiés (le notebook 03 donne le décompte sur tous les PTSM)')
    ) as n (figure_id, reason)
),

joined as (
    select
        figures.* exclude (mart, measure, filter, denominator),  -- the definition columns drive survey_map above
        computed.value,
        computed.text_value,
        computed.detail,
        computed.denominator,
        not_computable.reason as not_computable_reason,
        starts_with(figures.unit, 'percent') as is_percent,
        contains(figures.unit, 'approx.') as is_approx,
        contains(figures.unit, 'lower bound') as is_lower,
        contains(figures.unit, 'upper bound') as is_upper,
        try_cast(figures.published_value as double) as published_number
    from ref_published_figures as figures
    left join computed on figures.figure_id = computed.figure_id
    left join not_computable on figures.figure_id = not_computable.figure_id
),

valued as (
    select
        *,
        case
            when is_percent and denominator > 0 then 100.0 * value / denominator
            when is_percent then null
            else value
        end as measure
    from joined
),

judged as (
    select
        *,
        -- the one judge of SPEC §4: sql/macros/published_status.sql
        case
            when not_computable_reason is not null then 'not_computable'
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
        when is_percent and (is_approx or is_lower or is_upper) then printf('%.1f', measure)
        else cast(round(measure)::bigint as varchar)
    end as computed_value,
    unit,
    status,
    source,
    nullif(concat_ws(' ; ',
        -- registry counts and populations come from data/reference alone: reproducing them validates no export
        case when computed_from = 'reference' then 'chiffre issu du seul référentiel (data/reference), pas des exports' end,
        case
            when status = 'not_computable' then coalesce(not_computable_reason, 'aucune donnée dans les marts pour ce chiffre')
            when is_percent then concat_ws(' ; ', detail || ' = ' || printf('%.1f', measure) || ' %',
                case when status = 'differs' then 'écart ' || printf('%+.1f', measure - published_number) || ' points' end)
            when status = 'differs' and measure is not null then concat_ws(' ; ', detail, 'écart ' || printf('%+.0f', measure - published_number))
            when status = 'differs' then concat_ws(' ; ', detail, 'publié ' || published_value || ', calculé ' || text_value)
            else detail
        end), '') as note
from judged
order by figure_id
