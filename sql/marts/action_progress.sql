-- mart: Avancement des plans d'actions entre deux classeurs « fiches actions » lisibles successifs de chaque PTSM (actions apparues, retirées, démarrées, réalisées, abandonnées).
-- grain: une ligne par PTSM et par paire de classeurs lisibles consécutifs (un classeur en quarantaine est ignoré) ; les actions sont appariées sur num_action.
-- column ptsm_id: Identifiant du PTSM (registre).
-- column region_code: Code INSEE de la région du PTSM.
-- column from_date: Date du classeur le plus ancien de la paire.
-- column to_date: Date du classeur suivant.
-- column n_actions_from: Actions inscrites dans le classeur de from_date (abandonnées comprises).
-- column n_actions_to: Actions inscrites dans le classeur de to_date (abandonnées comprises).
-- column n_new: Actions présentes à to_date et absentes à from_date.
-- column n_dropped: Actions présentes à from_date et absentes à to_date (retirées du plan sans être déclarées abandonnées).
-- column n_started: Actions présentes aux deux dates passées de Non démarrée ou Reportée à En cours ou Réalisée.
-- column n_completed: Actions présentes aux deux dates passées à Réalisée (qu'elles aient été démarrées ou non à from_date).
-- column n_abandoned: Actions présentes aux deux dates passées à Abandonnée.
with workbooks as (
    select
        ptsm_id,
        lag(file_date) over (partition by ptsm_id order by file_date) as from_date,
        file_date as to_date
    from staging.workbook_selection
    where set_aside_reason is null
),

pairs as (
    select ptsm_id, from_date, to_date
    from workbooks
    where from_date is not null
),

actions as (
    select ptsm_id, snapshot_date, num_action, statut
    from staging.workbook_actions
),

before_actions as (
    select pairs.ptsm_id, pairs.from_date, pairs.to_date, actions.num_action, actions.statut
    from pairs
    inner join actions
        on actions.ptsm_id = pairs.ptsm_id and actions.snapshot_date = pairs.from_date
),

after_actions as (
    select pairs.ptsm_id, pairs.from_date, pairs.to_date, actions.num_action, actions.statut
    from pairs
    inner join actions
        on actions.ptsm_id = pairs.ptsm_id and actions.snapshot_date = pairs.to_date
),

-- actions matched on num_action within each pair; an unmatched side is null (new or dropped action)
matched as (
    select
        coalesce(before.ptsm_id, after.ptsm_id) as ptsm_id,
        coalesce(before.from_date, after.from_date) as from_date,
        coalesce(before.to_date, after.to_date) as to_date,
        before.num_action as num_from,
        after.num_action as num_to,
        before.statut as statut_from,
        after.statut as statut_to
    from before_actions as before
    full join after_actions as after
        on before.ptsm_id = after.ptsm_id
        and before.from_date = after.from_date
        and before.num_action = after.num_action
),

changes as (
    select
        ptsm_id,
        from_date,
        to_date,
        count(num_from) as n_actions_from,
        count(num_to) as n_actions_to,
        count(*) filter (where num_from is null) as n_new,
        count(*) filter (where num_to is null) as n_dropped,
        count(*) filter (where status_from.not_started and status_to.implemented) as n_started,
        count(*) filter (where not status_from.completed and status_to.completed) as n_completed,
        count(*) filter (where status_from.current and not status_to.current) as n_abandoned
    from matched
    -- what each status means (not started, implemented, completed, current): the catalogue (ref_action_statuses)
    left join ref_action_statuses as status_from
        on matched.statut_from = status_from.statut
    left join ref_action_statuses as status_to
        on matched.statut_to = status_to.statut
    group by ptsm_id, from_date, to_date
)

select
    pairs.ptsm_id,
    registry.region_code,
    pairs.from_date,
    pairs.to_date,
    coalesce(changes.n_actions_from, 0)::bigint as n_actions_from,
    coalesce(changes.n_actions_to, 0)::bigint as n_actions_to,
    coalesce(changes.n_new, 0)::bigint as n_new,
    coalesce(changes.n_dropped, 0)::bigint as n_dropped,
    coalesce(changes.n_started, 0)::bigint as n_started,
    coalesce(changes.n_completed, 0)::bigint as n_completed,
    coalesce(changes.n_abandoned, 0)::bigint as n_abandoned
from pairs
inner join ref_ptsm_registry as registry
    on pairs.ptsm_id = registry.ptsm_id
left join changes
    on pairs.ptsm_id = changes.ptsm_id
    and pairs.from_date = changes.from_date
    and pairs.to_date = changes.to_date
order by pairs.ptsm_id, pairs.from_date
