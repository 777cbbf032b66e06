-- mart: État de la collecte : pour chaque PTSM et chaque famille d'exports, le dernier fichier reçu, ses lignes chargées ou en quarantaine, et s'il est à jour au regard du rythme attendu. Interne : jamais exporté.
-- grain: une ligne par PTSM du référentiel × famille d'exports.
-- column ptsm_id: Identifiant du PTSM (référentiel).
-- column region_code: Code INSEE de la région du PTSM.
-- column family: Famille d'exports (dossier : enquete_coordonnateurs, coordonnateurs, fiches_actions, statut_ptsm).
-- column rhythm: Rythme de dépôt attendu pour la famille (mensuel, à chaque recensement, à chaque vague).
-- column last_source_file: Dernier fichier reçu qui concerne ce PTSM (par son nom ou ses lignes), relatif au dossier des exports.
-- column last_file_date: Date d'extraction du dernier fichier reçu (dans son nom) ; vide pour l'enquête.
-- column last_wave: Vague (année) du dernier fichier d'enquête reçu ; vide pour les autres familles.
-- column arrived_at: Heure d'arrivée du dernier fichier reçu dans le dossier des exports (UTC ; date de modification du fichier, qu'une copie conservant les dates garde).
-- column source: « portail » pour un fichier déposé sur le portail, « dépôt » pour un fichier copié dans le dossier des exports.
-- column rows_loaded: Lignes de ce PTSM du dernier fichier chargées sans problème signalé.
-- column rows_quarantined: Lignes de ce PTSM du dernier fichier signalées dans le rapport qualité (écartées, ou réponse effacée pour l'enquête).
-- column refusal_reason: Raison du refus du dernier fichier reçu, quand il a été refusé en entier.
-- column periods_behind: Périodes (mois, recensements ou vagues) de retard du dernier fichier lu sur le plus récent de la famille.
-- column status: à jour, en retard, jamais reçu ou refusé.
-- The one home of the expected rhythm (issue 23 §3): monthly families may lag one month (the month's collection is
-- under way); a census or survey family is up to date only with the latest census date or wave. "Now" is the latest
-- period any PTSM sent, so the mart depends on the exports only (the daily freshness check watches arrival ages).
-- A file concerns a PTSM when its name carries the PTSM id (a workbook `PTSM-35_….xlsx`, refused or not) or when
-- its rows do (a national roster, the survey). Portal deposits carry `_portail-` in their canonical name.
with rhythm as (
    select * from (values
        ('fiches_actions', 'mensuel', 'mois', 1),
        ('statut_ptsm', 'mensuel', 'mois', 1),
        ('coordonnateurs', 'à chaque recensement', 'recensement', 0),
        ('enquete_coordonnateurs', 'à chaque vague', 'vague', 0)
    ) as r (family, rhythm, period_kind, grace_periods)
),

files as (
    select
        ledger.family,
        ledger.source_file,
        ledger.file_date,
        ledger.wave,
        ledger.outcome,
        ledger.reason,
        ledger.arrived_at,
        case rhythm.period_kind
            when 'mois' then date_trunc('month', ledger.file_date)::date
            when 'vague' then make_date(ledger.wave, 1, 1)
            else ledger.file_date
        end as period
    from raw.file_ledger as ledger
    inner join rhythm on ledger.family = rhythm.family
),

row_owners as (
    select 'enquete_coordonnateurs' as family, _source_file as source_file, _row_number as row_number,
        upper(trim(ptsm_id)) as ptsm_id
    from raw.survey
    union all
    select 'coordonnateurs', _source_file, _row_number, upper(trim(ptsm_id)) from raw.roster
    union all
    select 'fiches_actions', _source_file, _row_number, upper(trim(ptsm_id)) from raw.actions
    union all
    select 'statut_ptsm', _source_file, _row_number, upper(trim(ptsm_id)) from raw.milestones
),

flagged_rows as (
    select distinct source_file, row_number
    from marts.quality_report
    where row_number is not null
),

file_ptsm as (
    select distinct family, source_file, ptsm_id from row_owners
    union
    select family, source_file, regexp_extract(upper(source_file), 'PTSM-[0-9]+') as ptsm_id
    from files
    where regexp_extract(upper(source_file), 'PTSM-[0-9]+') <> ''
),

received as (
    select
        files.*,
        file_ptsm.ptsm_id,
        row_number() over (
            partition by file_ptsm.ptsm_id, files.family
            order by files.arrived_at desc nulls last, files.period desc nulls last, files.source_file desc
        ) as arrival_rank,
        max(case when files.outcome = 'lu' then files.period end) over (
            partition by file_ptsm.ptsm_id, files.family
        ) as ptsm_period
    from files
    inner join file_ptsm
        on files.family = file_ptsm.family and files.source_file = file_ptsm.source_file
),

family_periods as (
    select distinct family, period from files where outcome = 'lu' and period is not null
),

latest as (
    select family, max(period) as latest_period from family_periods group by family
),

last_file as (
    select
        received.*,
        (select count(*) from row_owners as owners
         where owners.family = received.family and owners.source_file = received.source_file
           and owners.ptsm_id = received.ptsm_id) as rows_received,
        (select count(*) from row_owners as owners
         inner join flagged_rows as flagged
             on owners.source_file = flagged.source_file and owners.row_number = flagged.row_number
         where owners.family = received.family and owners.source_file = received.source_file
           and owners.ptsm_id = received.ptsm_id) as rows_flagged
    from received
    where arrival_rank = 1
),

grid as (
    select registry.ptsm_id, registry.region_code, rhythm.family, rhythm.rhythm, rhythm.period_kind,
        rhythm.grace_periods
    from ref_ptsm_registry as registry
    cross join rhythm
)

select
    grid.ptsm_id,
    grid.region_code,
    grid.family,
    grid.rhythm,
    last_file.source_file as last_source_file,
    last_file.file_date as last_file_date,
    last_file.wave as last_wave,
    last_file.arrived_at,
    case when last_file.source_file is null then null
        when last_file.source_file like '%\_portail-%' escape '\' then 'portail' else 'dépôt' end as source,
    coalesce(last_file.rows_received - last_file.rows_flagged, 0)::integer as rows_loaded,
    coalesce(last_file.rows_flagged, 0)::integer as rows_quarantined,
    case when last_file.outcome = 'quarantaine' then last_file.reason end as refusal_reason,
    case
        when last_file.ptsm_period is null then null
        when grid.period_kind = 'mois' then datediff('month', last_file.ptsm_period, latest.latest_period)
        else (select count(*) from family_periods as later
              where later.family = grid.family and later.period > last_file.ptsm_period)
    end::integer as periods_behind,
    case
        when last_file.source_file is null then 'jamais reçu'
        when last_file.outcome = 'quarantaine' then 'refusé'
        when last_file.ptsm_period is null then 'refusé'
        when (case
                when grid.period_kind = 'mois' then datediff('month', last_file.ptsm_period, latest.latest_period)
                else (select count(*) from family_periods as later
                      where later.family = grid.family and later.period > last_file.ptsm_period)
            end) > grid.grace_periods then 'en retard'
        else 'à jour'
    end as status
from grid
left join last_file
    on grid.ptsm_id = last_file.ptsm_id and grid.family = last_file.family
left join latest
    on grid.family = latest.family
order by grid.ptsm_id, grid.family
