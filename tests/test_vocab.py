"""Vocabularies and reference metadata (priorities, blind spots, FTE salary bands) have one home,
pipelines.lib.catalogue.vocab; everything else reads them from there. Expected values are written out from docs/contract.md §3 and §4."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.lib.catalogue import vocab
from pipelines.lib.catalogue.reference import load_vocabulary_table


def test_decree_priorities_are_the_six_of_the_decree():
    assert vocab.priority_labels() == {
        1: "Repérage précoce, accès aux soins", 2: "Parcours sans rupture", 3: "Soins somatiques",
        4: "Crise et urgence", 5: "Droits, pouvoir d'agir", 6: "Déterminants sociaux",
    }


def test_blind_spots_are_the_publics_starred_in_the_spec():
    # docs/contract.md §3: the publics marked * are the report's "angles morts"
    assert vocab.blind_spot_publics() == ["perinatalite", "personnes_agees", "precarite", "migrants", "justice",
                                          "enfance_protegee", "addictions", "tnd"]


@pytest.mark.parametrize("salary, band", [
    (None, None),            # no computable FTE salary: no band (left out of the denominator)
    (0, "<2000"),
    (1999.99, "<2000"),
    (2000, "2000-2299"),     # lower bounds are inclusive...
    (2299.999, "2000-2299"),
    (2300, "2300-2499"),     # ...upper bounds exclusive (half-open bands)
    (2499.5, "2300-2499"),
    (2500, "2500-2999"),
    (2999.99, "2500-2999"),
    (3000, ">=3000"),
    (12000, ">=3000"),       # the last band has no upper bound
])
def test_fte_salary_band_edges(salary, band):
    assert vocab.fte_salary_band(salary) == band


def test_reference_tables_reach_sql_from_the_module():
    with duckdb.connect() as con:
        assert load_vocabulary_table(con, "ref_fte_salary_bands") == 5
        assert con.execute("select band, lower_eur, upper_eur, position from ref_fte_salary_bands order by position").fetchall() == [
            ("<2000", None, 2000, 1), ("2000-2299", 2000, 2300, 2), ("2300-2499", 2300, 2500, 3),
            ("2500-2999", 2500, 3000, 4), (">=3000", 3000, None, 5)]
        load_vocabulary_table(con, "ref_vocabularies")
        # empty cells are NULL (as when DuckDB read the CSV); position = order within the kind
        assert con.execute("select code, label, synonyms, grp, position from ref_vocabularies "
                           "where kind = 'public' and code in ('perinatalite', 'enfants', 'professionnels') order by position").fetchall() == [
            ("perinatalite", "Périnatalité", "périnatal|1000 premiers jours", "angle_mort", 2),
            ("enfants", "Enfants", None, None, 3),
            ("professionnels", "Professionnels", None, None, 14)]
        assert con.execute("select list(code::integer order by position) from ref_vocabularies where kind = 'priorite'").fetchall() == [
            ([1, 2, 3, 4, 5, 6],)]
        # loading twice replaces the table (idempotent)
        assert load_vocabulary_table(con, "ref_fte_salary_bands") == 5


def test_the_notebook_reader_takes_its_labels_from_the_module():
    from pipelines.lib.reports import marts_reader
    assert marts_reader.vocabulary("financeur")["ars_fir"] == "ARS – Fonds d'intervention régional (FIR)"
    assert marts_reader.priority_labels()[1] == "1. Repérage précoce, accès aux soins"
    assert marts_reader.priority_labels(two_lines=True) == {
        1: "1. Repérage précoce,<br>accès aux soins", 2: "2. Parcours<br>sans rupture", 3: "3. Soins<br>somatiques",
        4: "4. Crise et<br>urgence", 5: "5. Droits,<br>pouvoir d'agir", 6: "6. Déterminants<br>sociaux"}
    assert marts_reader.blind_spot_publics()[0] == "perinatalite"
    assert marts_reader.fte_salary_bands() == ["<2000", "2000-2299", "2300-2499", "2500-2999", ">=3000"]
