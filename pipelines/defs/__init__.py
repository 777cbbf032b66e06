"""Dagster definitions, grouped by layer (ingest, transform, checks, publish) as in STYLE.md."""
