-- mart: Rapport qualité : chaque fichier ou ligne mis en quarantaine, avec la raison. Rien n'est écarté silencieusement.
-- grain: une ligne par problème (fichier entier, ligne, ou réponse illisible).
-- column source_file: Fichier source, relatif au dossier des exports (famille/nom_du_fichier).
-- column row_number: Numéro de ligne tel qu'affiché par un tableur (en-tête = ligne 1 pour un CSV) ; vide pour un fichier entier.
-- column field: Champ en cause (préfixé par la feuille pour les classeurs de fiches actions), ou « fichier ».
-- column value: Valeur lue.
-- column reason: Raison de la mise en quarantaine.
with file_issues as (
    select source_file, row_number, field, value, reason
    from raw.file_issues
),

row_issues as (
    select
        source_file,
        row_number,
        case when sheet <> '' then sheet || '.' || field else field end as field,
        value,
        reason
    from staging.row_issues
),

same_date_workbooks as (
    select
        source_file,
        null::integer as row_number,
        'fichier' as field,
        ptsm_id as value,
        'deux classeurs du même PTSM à la même date (' || strftime(file_date, '%Y-%m-%d') || ') : les deux sont écartés' as reason
    from (
        select *, count(*) over (partition by ptsm_id, file_date) as n_same_date
        from staging.action_workbooks
        where ptsm_id is not null
    )
    where n_same_date > 1
),

same_date_rosters as (
    select
        ledger.source_file,
        null::integer as row_number,
        'fichier' as field,
        strftime(ledger.file_date, '%Y-%m-%d') as value,
        'autre recensement à la même date : seul ' || current_roster.source_file || ' est retenu' as reason
    from raw.file_ledger as ledger
    inner join (select distinct source_file, roster_date from staging.roster_posts) as current_roster
        on ledger.file_date = current_roster.roster_date and ledger.source_file <> current_roster.source_file
    where ledger.family = 'coordonnateurs' and ledger.outcome = 'lu'
),

survey_rows as (
    select
        *,
        row_number() over (partition by wave, response_id order by source_file desc, row_number desc) as recency
    from staging.survey_answers
),

survey_issues as (
    select
        source_file,
        row_number,
        'id' as field,
        cast(response_id as varchar) as value,
        'réponse incomplète (submitdate vide) : exclue des résultats' as reason
    from survey_rows
    where recency = 1 and submitdate is null
    union all
    select
        source_file,
        row_number,
        'id',
        cast(response_id as varchar),
        'identifiant de réponse répété dans la vague : seule la dernière ligne est retenue'
    from survey_rows
    where recency > 1
)

select
    source_file,
    row_number::integer as row_number,
    field,
    value,
    reason
from (
    select * from file_issues
    union all select * from row_issues
    union all select * from same_date_workbooks
    union all select * from same_date_rosters
    union all select * from survey_issues
)
order by source_file, row_number nulls first, field, reason, value
