"""The report toolkit: French formats, the Wilson interval, tables, perimeters and dissolved PTSM shapes.

Expected values are worked out by hand (French typography, published Wilson tables, the registry's perimeters)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipelines.lib.core.config import PROJECT_ROOT
from pipelines.lib.reports.figures import count_axis, percent_axis, table_html, wilson
from pipelines.lib.reports.formatting import (fr_band, fr_date, fr_datetime, fr_eur, fr_month, fr_num, fr_pct, fr_points)
from pipelines.lib.reports.geometry import perimeter_departements, perimeter_items, ptsm_shapes
from pipelines.lib.reports.published_view import bases, comparison_frame, format_value, gap, note_fr, unit_fr

N = "\u202f"
REFERENCE = str(PROJECT_ROOT / "data" / "reference")


@pytest.mark.parametrize("call, expected", [
    (lambda: fr_num(1625800), f"1{N}625{N}800"),
    (lambda: fr_num(14.44, 1), "14,4"),
    (lambda: fr_num(-0.04, 1), "0,0"),          # no "-0,0"
    (lambda: fr_num(-2.5, 1), "−2,5"),          # typographic minus
    (lambda: fr_eur(1625800), f"1{N}625{N}800{N}€"),
    (lambda: fr_pct(0.3478), f"35{N}%"),
    (lambda: fr_pct(0.154, 1), f"15,4{N}%"),
    (lambda: fr_pct(None), "inconnu"),
    (lambda: fr_pct(float("nan")), "inconnu"),
    (lambda: fr_points(1.0), f"+1,0{N}pt"),
    (lambda: fr_points(-2.5), f"−2,5{N}pts"),
    (lambda: fr_date("2024-03-31"), "31 mars 2024"),
    (lambda: fr_date("2021-07-01"), "1er juillet 2021"),
    (lambda: fr_month("2021-07-31"), "juillet 2021"),
    # 10:07 UTC in November is 11:07 in Paris (UTC+1); in July 12:07 (UTC+2)
    (lambda: fr_datetime("2026-11-29T10:07:22+00:00"), "29 novembre 2026 à 11 h 07"),
    (lambda: fr_datetime("2024-07-14T10:07:22+00:00"), "14 juillet 2024 à 12 h 07"),
    (lambda: fr_band("<2000"), f"moins de 2{N}000{N}€"),
    (lambda: fr_band("2000-2299"), f"2{N}000–2{N}299{N}€"),
    (lambda: fr_band(">=3000"), f"3{N}000{N}€ ou plus"),
    (lambda: fr_band("autre"), "autre"),
])
def test_french_formats(call, expected):
    assert call() == expected


@pytest.mark.parametrize("k, n, low, high", [
    (5, 10, 0.2366, 0.7634),   # textbook Wilson table
    (0, 10, 0.0, 0.2775),      # upper bound z²/(n+z²) = 3.8415/13.8415
    (10, 10, 0.7225, 1.0),
])
def test_wilson_interval(k, n, low, high):
    got = wilson(k, n)
    assert got[0] == pytest.approx(low, abs=1e-4) and got[1] == pytest.approx(high, abs=1e-4)


def test_wilson_without_answers_is_unknown():
    assert all(math.isnan(v) for v in wilson(0, 0))


def test_table_shows_every_row_without_index_in_french():
    frame = pd.DataFrame({"code": [f"f{i}" for i in range(63)], "value": [1625800.0] * 63})
    frame.index = range(100, 163)
    out = table_html(frame, columns={"code": ("Indicateur", None), "value": ("Montant", fr_eur)},
                     highlight=[i == 5 for i in range(63)])
    assert out.count("<tr") == 64 and out.count('class="ptsm-highlight"') == 1
    assert "<th scope=\"col\">Indicateur</th><th scope=\"col\">Montant</th>" in out
    assert f"1{N}625{N}800{N}€" in out and ">100<" not in out  # no pandas index


def test_percent_axis_ticks_are_french_and_count_axis_integer():
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=[1, 2], y=[0.2, 0.35]))
    percent_axis(fig, "y", upper=1)
    assert list(fig.layout.yaxis.ticktext) == [f"0{N}%", f"20{N}%", f"40{N}%", f"60{N}%", f"80{N}%", f"100{N}%"]
    count_axis(fig, "x", max_value=3)
    assert fig.layout.xaxis.dtick == 1 and fig.layout.xaxis.tickformat == ",d"
    count_axis(fig, "x", max_value=140)
    assert fig.layout.xaxis.dtick == 25


def test_perimeters_are_parsed_in_one_place():
    assert perimeter_items("D:90;A:252") == [("D", "90"), ("A", "252")]
    assert perimeter_departements("A:621;A:622;D:2A;A:2B1") == ["62", "2A", "2B"]
    with pytest.raises(ValueError, match="illisible"):
        perimeter_items("D:90;X")


def test_corse_and_limousin_are_one_dissolved_shape_each():
    shapes = ptsm_shapes(REFERENCE, simplified=True)
    assert len(shapes) == 104
    # Corse (D:2A;D:2B) and Limousin (D:19;D:23;D:87): one mainland polygon without the internal borders
    for ptsm in ("PTSM-COR", "PTSM-LIM"):
        geom = shapes[ptsm]
        largest = max(geom.geoms, key=lambda g: g.area) if geom.geom_type == "MultiPolygon" else geom
        assert largest.area > 0.95 * geom.area and len(largest.interiors) == 0


@pytest.mark.parametrize("call, expected", [
    # survey_vehicule: 31/47 = 66 % computed against 65 % published
    (lambda: gap("65", "66", "percent"), f"+1,0{N}pt"),
    (lambda: gap("2000000", "2087658", "inhabitants (lower bound)"), f"+4,4{N}%"),
    (lambda: gap("36", None, "count (of 79)"), "—"),
    (lambda: gap("155", "155", "count"), "0"),
    (lambda: format_value("3;6", "priority list"), "priorités 3 et 6"),
    (lambda: format_value("15.4", "percent (approx.)"), f"15,4{N}%"),
    (lambda: format_value("1625800", "EUR"), f"1{N}625{N}800{N}€"),
    (lambda: format_value("2018-12-03", "date"), "3 décembre 2018"),
    (lambda: format_value(None, "count"), "—"),
    (lambda: unit_fr("percent of part-time (lower bound)"), "part (%) des temps partiels, au moins"),
    (lambda: note_fr("16 / 104 PTSM au 31/03/2024 = 15.4 %"), f"16 sur 104 PTSM au 31 mars 2024 = 15,4{N}%"),
])
def test_published_comparison_is_written_in_french(call, expected):
    assert call() == expected


def test_cour_des_comptes_counts_show_both_bases():
    row = pd.Series({"figure_id": "cdc_transition", "unit": "count (of 79)", "status": "not_computable",
                     "note": "les 79 PTSM examinés par la Cour des comptes ne sont pas identifiés"})
    assert bases(row) == ("79 PTSM examinés", "PTSM non identifiés")
    survey = pd.Series({"figure_id": "survey_cdi", "unit": "percent", "status": "reproduced", "note": "16 / 46 = 34.8 %"})
    assert bases(survey) == ("", "sur 46")
    frame = comparison_frame(pd.DataFrame([row, survey]))
    assert list(frame["Statut"]) == ["non recalculable", "reproduit"]
