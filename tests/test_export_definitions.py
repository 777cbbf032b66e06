"""The producers' column definitions (templates, Table Schemas, `ptsm check`) name exactly the columns the refresh
reads, with the same required ones: a column added to one side only fails here (was an uncalled helper)."""

from pipelines.lib.catalogue import export_formats as ef
from pipelines.lib.catalogue import families as fam


def test_definitions_name_the_columns_the_refresh_reads():
    for sheet in ef.SHEETS:
        family = fam.FAMILIES[sheet.family]
        assert sorted(c.name for c in sheet.columns) == sorted(family.raw_tables[sheet.table]), sheet.table
        assert sorted(c.name for c in sheet.columns if c.required) == sorted(family.required[sheet.table]), sheet.table


def test_every_table_of_every_family_has_a_definition():
    defined = {(s.family, s.table) for s in ef.SHEETS}
    assert defined == {(f.name, t) for f in fam.FAMILIES.values() for t in f.raw_tables}
