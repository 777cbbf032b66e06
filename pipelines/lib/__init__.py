"""Plain Python used by the pipeline: parsing rules, vocabularies, pseudonymisation. No Dagster imports here."""
