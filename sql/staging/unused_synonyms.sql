-- Vocabulary synonyms (pipelines/lib/vocabularies.csv) that no current export uses: a recode that maps nothing
-- is worth knowing about (it may be misspelt, or the exports may have changed their wording).
with synonyms as (
    select
        vocab.kind,
        vocab.code,
        trim(parts.synonym) as synonym
    from ref_vocabularies as vocab
    cross join unnest(string_split(vocab.synonyms, '|')) as parts (synonym)
    where coalesce(vocab.synonyms, '') <> ''
)

select
    synonyms.kind,
    synonyms.code,
    synonyms.synonym
from synonyms
anti join staging.synonym_usage as usage
    on synonyms.kind = usage.kind and synonyms.synonym = usage.synonym
order by synonyms.kind, synonyms.code, synonyms.synonym
