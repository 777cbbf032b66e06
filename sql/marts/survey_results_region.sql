-- mart: Résultats de l'enquête auprès des coordonnateurs par région, avec secret statistique : aucun effectif de 1 à 4 (seuil disclosure_threshold() = 5) n'est publié ni ne peut être recalculé à partir de ce qui est publié (cette table, survey_results, survey_wave_comparison, profils régionaux). Les questions dont le recensement des coordonnateurs publie le sujet par PTSM (porteur, temps de travail, quotité) n'ont aucun résultat régional : seul le résultat national est publié. Une ORS peut recalculer une part à partir de n et denominator publiés et comparer sa région à la France ; elle ne peut ni ne doit chercher à retrouver une case masquée : après les règles de ce fichier, le même audit par programmation linéaire en nombres entiers masque au besoin d'autres cases (pipelines/lib/quality/secondary_suppression.py, docs/disclosure.md), puis vérifie à chaque publication qu'aucune ne peut l'être.
-- grain: une ligne par vague, région (toutes les régions ayant un PTSM), question et modalité de réponse, quel que soit l'effectif : la présence d'une ligne ne dit rien de l'effectif.
-- column wave: Année de la vague d'enquête.
-- column region_code: Code INSEE de la région du PTSM du répondant.
-- column question: Code de la question (en-tête LimeSurvey), ou salaire_etp_tranche.
-- column answer: Modalité de réponse.
-- column n: Nombre de répondants ayant donné cette réponse ; vide (masqué) si inférieur à 5 ou masqué en second rang.
-- column denominator: Répondants concernés ayant répondu dans la région ; vide (masqué) si inférieur à 5, pour une question dont le recensement publie le sujet par PTSM (porteur, temps_travail, quotite : aucun résultat régional), pour une région d'un seul PTSM ou de moins de 5 répondants, pour la plus petite région publiée quand les régions masquées réunissent moins de 5 répondants, pour duree_cdd (quotite) quand la case CDD (Temps partiel) de la région est masquée, et quand l'audit du secret statistique le masque pour qu'aucun effectif de 1 à 4 ne puisse être recalculé.
-- column share: Part = n / denominator ; vide quand n ou denominator est masqué.
-- column suppressed: Vrai si la case est masquée (secret statistique : effectif < 5 ; question sans résultat régional car le recensement publie son sujet par PTSM (porteur, temps_travail, quotite) ; question conditionnelle dont la case parente est masquée ; région d'un seul PTSM, de moins de 5 répondants, ou plus petite région publiée quand les régions masquées réunissent moins de 5 répondants ; ou masquage secondaire pour qu'aucun effectif de 1 à 4 ne puisse être recalculé par différence, avec le dénominateur de la région ou avec le résultat national, ou par un raisonnement plus long que l'audit du secret statistique découvre).
-- column note: Pourquoi la région n'a aucun résultat publié : région d'un seul PTSM, ou, pour une vague, région masquée en entier parce qu'aucun masquage plus léger n'empêchait de recalculer un effectif de 1 à 4 ; ou pourquoi la question n'a aucun résultat régional : le recensement publie son sujet par PTSM (porteur, temps_travail, quotite), ce qui, rapproché du nombre de répondants de la région, permettrait de retrouver un effectif de 1 à 4 ; vide sinon.
with answers as (
    select answers.*, registry.region_code
    from staging.survey_answers_long as answers
    inner join ref_ptsm_registry as registry
        on answers.ptsm_id = registry.ptsm_id
),

-- a region with a single PTSM: one respondent is one person, so nothing of its survey is broken down
regions as (
    select region_code, count(*) as n_ptsm
    from ref_ptsm_registry
    where region_code is not null
    group by region_code
),

waves as (
    select distinct wave from staging.survey_answers_long
),

-- a question whose subject the roster publishes per PTSM (employer, FTE: `roster_published` in the catalogue) has no
-- regional breakdown: with the region's number of respondents, the roster would pin its masked cells between 1 and 4
no_breakdown as (
    select question, regional_note
    from ref_survey_questions
    where regional_note is not null
),

-- asked only of the respondents who gave the parent answer: suppressed with the parent cell
conditional_questions as (
    select question, condition_question as parent_question, condition_answer as parent_answer
    from ref_survey_questions
    where condition_question is not null
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

-- the fixed grid: every wave, region, question and answer is a row whatever its count
cells as (
    select
        waves.wave,
        regions.region_code,
        regions.n_ptsm,
        labels.question,
        labels.answer,
        labels.position,
        coalesce(counts.n, 0) as n,
        coalesce(groups.denominator, 0) as denominator
    from waves
    cross join regions
    cross join staging.survey_answer_labels as labels
    left join groups
        on waves.wave = groups.wave and regions.region_code = groups.region_code and labels.question = groups.question
    left join counts
        on waves.wave = counts.wave and regions.region_code = counts.region_code
        and labels.question = counts.question and labels.answer = counts.answer
),

-- A region's breakdown is published only with at least 5 respondents and more than one PTSM. The national count
-- of respondents minus those of the published regions is what the masked regions hold together: when it is below
-- 5 (0 included, when a single region is published: it then holds the national figures), the smallest published
-- region is masked too, since the national results minus its neighbours would give its counts away.
region_sizes as (
    select wave, region_code, any_value(n_ptsm) as n_ptsm, max(denominator) as respondents
    from cells
    group by wave, region_code
),

national_sizes as (
    select wave, max(denominator) as respondents
    from (select wave, question, count(answer) as denominator from staging.survey_answers_long group by wave, question)
    group by wave
),

publishable as (
    select
        sizes.*,
        sizes.n_ptsm > 1 and sizes.respondents >= disclosure_threshold() as publishable,
        national_sizes.respondents as national_respondents
    from region_sizes as sizes
    inner join national_sizes on sizes.wave = national_sizes.wave
),

published_regions as (
    select
        *,
        national_respondents - sum(case when publishable then respondents else 0 end) over (partition by wave)
            as masked_respondents,
        count(*) filter (where publishable) over (partition by wave) as published_count,
        row_number() over (partition by wave order by not publishable, respondents, region_code) as rank_by_size
    from publishable
),

region_rule as (
    select
        wave,
        region_code,
        publishable and not (
            rank_by_size = 1 and masked_respondents < disclosure_threshold()
            and not (masked_respondents = 0 and published_count >= 2)
        ) as region_published
    from published_regions
),

own_primary as (
    select
        cells.*,
        region_rule.region_published,
        no_breakdown.regional_note,
        not region_rule.region_published or no_breakdown.regional_note is not null
        or cells.n < disclosure_threshold() or cells.denominator < disclosure_threshold() as own_hidden
    from cells
    inner join region_rule on cells.wave = region_rule.wave and cells.region_code = region_rule.region_code
    left join no_breakdown on cells.question = no_breakdown.question
),

-- a conditional question is hidden whole where its parent cell is (its denominator would give the parent away)
primary_suppression as (
    select
        own.*,
        own.own_hidden or coalesce(parent.own_hidden, false) as primary_hidden
    from own_primary as own
    left join conditional_questions as conditional
        on own.question = conditional.question
    left join own_primary as parent
        on parent.wave = own.wave and parent.region_code = own.region_code
        and parent.question = conditional.parent_question and parent.answer = conditional.parent_answer
),

-- a single hidden cell could be recomputed from the published total: hide the smallest other cell too (a lone
-- hidden 0 gives nobody away)
secondary as (
    select
        *,
        count(*) filter (where primary_hidden and n > 0) over (partition by wave, region_code, question)
            as hidden_in_group,
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
            denominator >= disclosure_threshold() and derivable between 1 and disclosure_threshold() - 1
            and not hidden_before and rank_after_secondary = 1
        ) as hidden_in_region
    from complement
),

-- the national results are published whole (survey_results): the national count of an answer minus the regions'
-- visible cells is what the hidden regions hold together; when it is 1 to 4, hide the smallest visible regional
-- cell of that answer too. Hiding a cell of 5 or more only ever raises the other differences by 5 or more, so
-- neither rule can undo the other.
national_counts as (
    select wave, question, answer, n as n_national
    from marts.survey_results
),

-- a hidden cell is still known to a reader when its group's published denominator minus the visible cells is 0
known_cells as (
    select
        *,
        not hidden_in_region or (
            region_published and denominator >= disclosure_threshold()
            and denominator = sum(case when not hidden_in_region then n else 0 end) over group_window
        ) as known,
        min(case when not hidden_in_region then n end) over group_window as smallest_visible_in_group
    from within_group
    window group_window as (partition by wave, region_code, question)
),

across_regions as (
    select
        known_cells.*,
        coalesce(national_counts.n_national, 0)
        - sum(case when not hidden_in_region then n else 0 end) over answer_window as derivable_across,
        -- what can be hidden to blur the difference: a visible count of the answer, or, where the answer's cell is
        -- a known 0, the smallest visible cell of that group (the 0 then is no longer known)
        row_number() over (
            partition by known_cells.wave, known_cells.question, known_cells.answer
            order by case
                when not hidden_in_region and n > 0 then n
                when known then smallest_visible_in_group
            end nulls last, region_code
        ) as rank_across,
        not hidden_in_region and n > 0 or known and smallest_visible_in_group is not null as can_blur
    from known_cells
    left join national_counts
        on known_cells.wave = national_counts.wave and known_cells.question = national_counts.question
        and known_cells.answer = national_counts.answer
    window answer_window as (partition by known_cells.wave, known_cells.question, known_cells.answer)
),

blurred as (
    select
        *,
        derivable_across between 1 and disclosure_threshold() - 1 and rank_across = 1 and can_blur as blur_here
    from across_regions
),

secondary_final as (
    select
        *,
        hidden_in_region
        or (blur_here and not hidden_in_region)
        or (
            bool_or(blur_here and hidden_in_region) over group_window and not hidden_in_region
            and n = smallest_visible_in_group
            and row_number() over (partition by wave, region_code, question order by hidden_in_region, n, position) = 1
        ) as hidden_cell
    from blurred
    window group_window as (partition by wave, region_code, question)
),

-- a cell hidden across regions may be the only hidden count of its group, which the published denominator then
-- gives back: hide the smallest visible cell of that group too (it holds at least 5, so no column it belongs to
-- gets a difference of 1 to 4)
regrouped as (
    select
        *,
        count(*) filter (where hidden_cell and n > 0) over group_window as hidden_counts,
        count(*) filter (where hidden_cell and not hidden_in_region) over group_window as hidden_across,
        row_number() over (
            partition by wave, region_code, question order by hidden_cell, n, position
        ) as rank_after_across
    from secondary_final
    window group_window as (partition by wave, region_code, question)
),

final_cells as (
    select
        *,
        hidden_cell or (
            hidden_counts = 1 and hidden_across = 1 and denominator >= disclosure_threshold()
            and not hidden_cell and rank_after_across = 1
        ) as hidden_final
    from regrouped
),

-- a parent cell hidden in second rank hides its conditional question too
suppressed as (
    select
        own.*,
        own.hidden_final or coalesce(parent.hidden_final, false) as hidden,
        coalesce(parent.hidden_final, false) as parent_hidden
    from final_cells as own
    left join conditional_questions as conditional
        on own.question = conditional.question
    left join final_cells as parent
        on parent.wave = own.wave and parent.region_code = own.region_code
        and parent.question = conditional.parent_question and parent.answer = conditional.parent_answer
)

select
    wave,
    region_code,
    question,
    answer,
    case when not hidden then n end::bigint as n,
    case
        when region_published and not parent_hidden and regional_note is null and denominator >= disclosure_threshold()
            then denominator
    end::bigint as denominator,
    case when not hidden then n / denominator end::double as share,
    hidden as suppressed,
    case
        when n_ptsm = 1 then
            'Région d''un seul PTSM : aucun résultat régional de l''enquête n''est publié, car son unique répondant serait reconnaissable.'
        else regional_note
    end as note
from suppressed
order by wave, region_code, question, position, answer
