"""Offline maps of France by PTSM, drawn as filled Plotly scatter traces.

Why not `go.Choropleth`: its geo subplot fetches a base map from a CDN and renders blank offline, and
`choroplethmap` refuses to start from a file:// page. Filled scatter polygons render everywhere and keep hover text.
Overseas départements (and a zoom on Paris and the inner suburbs) are drawn as insets beside the mainland,
as French public maps do.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping

import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from pipelines.lib.config import get_settings

COS_LAT = math.cos(math.radians(46.5))
UNKNOWN_COLOUR = "#cfcfcf"
# (perimeter item codes, label, box x0, y0, x1, y1) in projected units (degrees of latitude).
_BOX_W, _BOX_H, _GAP, _TOP, _LEFT = 2.1, 1.65, 0.28, 51.2, -7.9
DROM_INSETS = [
    ("971", "Guadeloupe"),
    ("972", "Martinique"),
    ("973", "Guyane"),
    ("974", "La Réunion"),
    ("976", "Mayotte"),
]
IDF_ZOOM_CODES = ("75", "92", "93", "94")
IDF_BOX = (6.25, 48.55, 8.85, 51.2)


@dataclass
class MapLayout:
    """Projected outer rings per PTSM, plus the inset frames to draw."""

    rings: dict[str, list[list[tuple[float, float]]]] = field(default_factory=dict)
    frames: list[tuple[str, tuple[float, float, float, float]]] = field(default_factory=list)


def _outer_rings(geometry: dict) -> list[list[list[float]]]:
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [poly[0] for poly in polys]


def _simplify(ring: list[tuple[float, float]], eps: float) -> list[tuple[float, float]]:
    """Radial-distance simplification: drop vertices closer than eps to the last kept one."""
    if len(ring) <= 8:
        return ring
    kept = [ring[0]]
    for x, y in ring[1:-1]:
        lx, ly = kept[-1]
        if abs(x - lx) + abs(y - ly) >= eps:
            kept.append((x, y))
    kept.append(ring[-1])
    return kept if len(kept) >= 4 else ring


def _load_items(reference_dir: Path) -> dict[str, list[list[tuple[float, float]]]]:
    """Shapes of every perimeter item, keyed `D:<dep>` or `A:<arr>` (COG arrondissement code), in lon/lat."""
    items: dict[str, list[list[tuple[float, float]]]] = {}
    metro = json.loads((reference_dir / "departements-metropole-simplifie.geojson").read_text(encoding="utf-8"))
    for feature in metro["features"]:
        items["D:" + feature["properties"]["code"]] = [[tuple(p) for p in r] for r in _outer_rings(feature["geometry"])]
    drom = json.loads((reference_dir / "departements-avec-outre-mer.geojson").read_text(encoding="utf-8"))
    for feature in drom["features"]:
        code = feature["properties"]["code"]
        if code.startswith("97"):
            items["D:" + code] = [[tuple(p) for p in r] for r in _outer_rings(feature["geometry"])]
    arr = json.loads((reference_dir / "arrondissements-metropole-simplifie.geojson").read_text(encoding="utf-8"))
    for feature in arr["features"]:
        code = feature["properties"]["code"]  # <dep>00<n>  ->  COG <dep><n>
        dep, num = (code[:2], code[2:].lstrip("0")) if not code.startswith("97") else (code[:3], code[3:])
        items[f"A:{dep}{num}"] = [[tuple(p) for p in r] for r in _outer_rings(feature["geometry"])]
    return items


def _project(ring, eps=0.012):
    return _simplify([(round(x * COS_LAT, 3), round(y, 3)) for x, y in ring], eps)


def _fit(rings, box):
    """Scale and translate lon/lat rings into a box, keeping the local aspect ratio."""
    lat0 = sum(y for r in rings for _, y in r) / sum(len(r) for r in rings)
    k = math.cos(math.radians(lat0))
    pts = [(x * k, y) for r in rings for x, y in r]
    xmin, xmax = min(p[0] for p in pts), max(p[0] for p in pts)
    ymin, ymax = min(p[1] for p in pts), max(p[1] for p in pts)
    x0, y0, x1, y1 = box
    pad = 0.08 * (x1 - x0)
    scale = min((x1 - x0 - 2 * pad) / (xmax - xmin), (y1 - y0 - 2 * pad) / (ymax - ymin))
    cx, cy = (x0 + x1) / 2 - scale * (xmin + xmax) / 2, (y0 + y1) / 2 - scale * (ymin + ymax) / 2
    eps = 0.012 * (y1 - y0) / 1.6
    return [_simplify([(round(cx + scale * x * k, 3), round(cy + scale * y, 3)) for x, y in r], eps) for r in rings]


def _read_registry(reference_dir: Path) -> list[dict[str, str]]:
    with (reference_dir / "ptsm_registry.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=4)
def ptsm_layout(reference_dir: str | None = None) -> MapLayout:
    """Projected shapes of every PTSM of the registry, overseas ones moved into insets."""
    ref = Path(reference_dir) if reference_dir else get_settings().reference_dir
    items = _load_items(ref)
    layout = MapLayout()
    drom_boxes = {}
    for i, (code, label) in enumerate(DROM_INSETS):
        top = _TOP - i * (_BOX_H + _GAP)
        box = (_LEFT, top - _BOX_H, _LEFT + _BOX_W, top)
        drom_boxes[code] = box
        layout.frames.append((label, box))
    layout.frames.append(("Paris et petite couronne", IDF_BOX))
    idf_rings = [r for c in IDF_ZOOM_CODES for r in items[f"D:{c}"]]
    idf_fitted = _fit(idf_rings, IDF_BOX)
    idf_index = {}
    pos = 0
    for c in IDF_ZOOM_CODES:
        n = len(items[f"D:{c}"])
        idf_index[f"D:{c}"] = idf_fitted[pos:pos + n]
        pos += n
    for row in _read_registry(ref):
        rings: list[list[tuple[float, float]]] = []
        for item in row["perimetre"].split(";"):
            item = item.strip()
            if item not in items:
                continue
            dep = item[2:]
            if dep in drom_boxes:
                rings += _fit(items[item], drom_boxes[dep])
            else:
                rings += [_project(r) for r in items[item]]
                rings += idf_index.get(item, [])
        layout.rings[row["ptsm_id"]] = rings
    return layout


def _trace_xy(rings):
    xs, ys = [], []
    for ring in rings:
        xs += [p[0] for p in ring] + [None]
        ys += [p[1] for p in ring] + [None]
    return xs, ys


def ptsm_map(values: Mapping[str, float | None], *, title: str, value_label: str,
             names: Mapping[str, str] | None = None, fmt: Callable[[float], str] = lambda v: f"{v:g}",
             colorscale: str = "Blues", cmin: float | None = None, cmax: float | None = None,
             source: str = "", reference_dir: str | None = None) -> go.Figure:
    """A choropleth of France by PTSM; null or absent values are grey ("donnée inconnue")."""
    layout = ptsm_layout(reference_dir)
    known = [float(v) for v in values.values() if v is not None and not _nan(v)]
    lo = cmin if cmin is not None else (min(known) if known else 0.0)
    hi = cmax if cmax is not None else (max(known) if known else 1.0)
    span = (hi - lo) or 1.0
    names = names or {}
    fig = go.Figure()
    for ptsm_id, rings in layout.rings.items():
        value = values.get(ptsm_id)
        missing = value is None or _nan(value)
        colour = UNKNOWN_COLOUR if missing else sample_colorscale(colorscale, [min(1, max(0, (float(value) - lo) / span))])[0]
        xs, ys = _trace_xy(rings)
        shown = "donnée inconnue" if missing else fmt(value)
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", fill="toself", fillcolor=colour, line=dict(color="white", width=0.6),
            hoveron="fills", hoverinfo="text", text=f"<b>{names.get(ptsm_id, ptsm_id)}</b><br>{value_label} : {shown}",
            showlegend=False, name=ptsm_id,
        ))
    fig.add_trace(go.Scatter(  # the colour bar, carried by an invisible marker
        x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
        marker=dict(colorscale=colorscale, cmin=lo, cmax=hi, color=[lo], showscale=True,
                    colorbar=dict(title=dict(text=value_label, side="right"), thickness=14, len=0.6)),
    ))
    fig.add_trace(go.Scatter(
        x=[None], y=[None], mode="markers", name="Donnée inconnue",
        marker=dict(symbol="square", size=12, color=UNKNOWN_COLOUR), showlegend=True,
    ))
    for label, (x0, y0, x1, y1) in layout.frames:
        fig.add_shape(type="rect", x0=x0, y0=y0, x1=x1, y1=y1, line=dict(color="#999", width=0.8))
        fig.add_annotation(x=(x0 + x1) / 2, y=y0, text=label, showarrow=False, yanchor="top",
                           font=dict(size=10, color="#555"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    fig.update_layout(
        title=title, height=720, width=900, plot_bgcolor="white", margin=dict(l=10, r=10, t=60, b=50),
        legend=dict(x=0.0, y=0.0, xanchor="left", yanchor="bottom"), hoverlabel=dict(bgcolor="white"),
    )
    if source:
        fig.add_annotation(text=source, xref="paper", yref="paper", x=1, y=-0.06, showarrow=False,
                           xanchor="right", font=dict(size=10, color="#555"))
    return fig


def _nan(value) -> bool:
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False
