-- mart: Rapport qualité : chaque fichier ou ligne mis en quarantaine, avec la raison. Rien n'est écarté silencieusement.
-- grain: une ligne par problème (fichier entier, ligne, ou réponse illisible).
-- column source_file: Fichier source, relatif au dossier des exports (famille/nom_du_fichier).
-- column row_number: Numéro de ligne tel qu'affiché par un tableur (en-tête = ligne 1 pour un CSV) ; vide pour un fichier entier.
-- column field: Champ en cause (préfixé par la feuille pour les classeurs de fiches actions), ou « fichier ».
-- column value: Valeur lue.
-- column reason: Raison de la mise en quarantaine.
-- A union of what each layer sets aside, each with the reason given where the rule lives (no rule is re-derived here):
-- raw (unreadable files, cut-short rows), staging rows (lib/staging.py), and the selections of sql/staging/*_selection.sql.
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

workbooks as (
    select source_file, null::integer as row_number, 'fichier' as field, ptsm_id as value, set_aside_reason as reason
    from staging.workbook_selection
    where set_aside_reason is not null
),

latest_files as (
    select
        source_file,
        null::integer as row_number,
        'fichier' as field,
        strftime(file_date, '%Y-%m-%d') as value,
        set_aside_reason as reason
    from staging.latest_file_selection
    where set_aside_reason is not null
),

survey_rows as (
    select source_file, row_number, 'id' as field, cast(response_id as varchar) as value, set_aside_reason as reason
    from staging.survey_row_selection
    where set_aside_reason is not null
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
    union all select * from workbooks
    union all select * from latest_files
    union all select * from survey_rows
)
order by source_file, row_number nulls first, field, reason, value
