"""French thousands separators on every published page (French public-statistics convention: 3 313, not 3313).

Seen on the sample's report 03 ("ils portent 3313 actions en cours", a `state` sentence), report 00/04's comparison
table ("680000 sur 8", a published figure's note) and the regional profiles' survey table (`>=3000`, a salary-band
code). The release's page check now refuses such a page (`number_format`, blocking); these tests prove it can fail
and that the three sources write French numbers.
"""

from __future__ import annotations

import numpy as np

from pipelines.lib.reports import report_check
from pipelines.lib.reports.marts_reader import _show
from pipelines.lib.reports.prose import timestamp_numbers, unformatted_numbers
from pipelines.lib.reports.published_view import note_fr

NNBSP = "\u202f"


def test_a_bare_number_of_four_digits_or_more_is_found_with_its_context():
    page = "<html><body><p>104 PTSM sur 104 ont un plan ; ils portent 3313 actions en cours.</p></body></html>"
    # the context: 40 characters before the number, 20 after, trimmed
    assert unformatted_numbers(page) == ["PTSM sur 104 ont un plan ; ils portent 3313 actions en cours."]
    assert unformatted_numbers("<td>680000 sur 8</td><td>&gt;=3000</td>") == ["680000 sur 8", ">=3000"]


def test_years_codes_dates_decimals_and_separated_numbers_are_not_found():
    page = ("<p>En 2023 et en 2024, 3\u202f313 actions ; 12\u00a0345 habitants ; 12,5 % ; article R3224-5 du CSP ; "
            "PTSM-35 ; publication 5afc04923ff16a5d ; 2024-01-31 ; 31/01/2024 ; 1 000 €.</p>"
            "<script>var n = 123456;</script><style>.a { width: 1400px }</style>")
    assert unformatted_numbers(page) == []


def test_the_release_check_refuses_a_page_with_a_bare_number(tmp_path):
    (tmp_path / "page.html").write_text(
        '<!doctype html><html lang="fr"><head><title>t</title></head><body><main>'
        "<p>Ils portent 3313 actions en cours.</p></main></body></html>", encoding="utf-8")
    found = [f for f in report_check.static_findings(tmp_path, tmp_path / "page.html") if f.check == "number_format"]
    assert [(f.page, f.blocking) for f in found] == [("page.html", True)]
    assert "3313 actions" in found[0].detail


def test_a_sentence_writes_its_integers_the_french_way():
    assert _show(3313) == f"3{NNBSP}313"
    assert _show(np.int64(1234567)) == f"1{NNBSP}234{NNBSP}567"
    assert _show(104) == "104"
    assert _show(2025) == "2025" and _show(np.int32(2023)) == "2023"  # a wave, a year: written whole
    assert _show(1899) == f"1{NNBSP}899" and _show(2101) == f"2{NNBSP}101"
    assert _show(True) == "True"  # not a count: left as is
    assert _show("3313") == "3313"  # text is the caller's


def test_a_published_figure_s_ratio_note_is_written_in_french():
    assert note_fr("680000 / 8") == f"680{NNBSP}000 sur 8"
    assert note_fr("2500000 / 10 ; 0.5 / 3") == f"2{NNBSP}500{NNBSP}000 sur 10 ; 0,5 / 3"


def test_a_date_written_as_its_count_of_nanoseconds_is_refused(tmp_path):
    """A table cell that received a date's integer (numpy datetime64's nanoseconds since 1970, grouped by fr_num):
    13 digits or more, bare or grouped, is no figure the observatory publishes; 12 digits may be one."""
    nanoseconds = f"1{NNBSP}640{NNBSP}908{NNBSP}800{NNBSP}000{NNBSP}000{NNBSP}000"
    assert timestamp_numbers(f"<td>{nanoseconds}</td><td>1640908800000</td>") == [
        nanoseconds.replace(NNBSP, " "), "1640908800000"]  # the context as read (spaces made plain)
    assert timestamp_numbers(f"<td>999{NNBSP}999{NNBSP}999{NNBSP}999 €</td><td>PTSM-1640908800000</td>"
                             "<script>var t = 1640908800000000000;</script>") == []
    (tmp_path / "page.html").write_text(
        f'<!doctype html><html lang="fr"><head><title>t</title></head><body><main><table><tr><td>2. Parcours</td>'
        f"<td>{nanoseconds}</td></tr></table></main></body></html>", encoding="utf-8")
    found = [f for f in report_check.static_findings(tmp_path, tmp_path / "page.html") if f.check == "timestamp_number"]
    assert [(f.page, f.blocking) for f in found] == [("page.html", True)]
