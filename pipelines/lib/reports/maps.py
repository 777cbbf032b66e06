"""Offline maps of France by PTSM, drawn as filled Plotly scatter traces, with a classed legend.

Why not `go.Choropleth`: its geo subplot fetches a base map from a CDN and renders blank offline, and
`choroplethmap` refuses to start from a file:// page. Filled scatter polygons render everywhere and keep hover text.
Shapes come from `pipelines.lib.reports.geometry` (one dissolved shape per PTSM, shared with the API). Overseas départements
and a zoom on Paris and the inner suburbs are drawn as labelled insets beside the mainland, as French public maps do.

Why classes: a continuous 0–6 scale where 90 PTSM sit at 6 shows one colour; classes with their bounds in the legend,
colours that stay visible against white, dark outlines and a "Donnée inconnue" entry read like an atlas map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Mapping, Sequence

import plotly.graph_objects as go

from pipelines.lib.core.config import get_settings
from pipelines.lib.reports.figures import UNKNOWN
from pipelines.lib.reports.geometry import outer_rings, perimeter_departements, ptsm_shapes, read_registry

COS_LAT = math.cos(math.radians(46.5))
OUTLINE = "#4d4d4d"
# Inset frames, in projected units (degrees of latitude), stacked on the left of the mainland.
_BOX_W, _BOX_H, _GAP, _TOP, _LEFT = 2.1, 1.65, 0.45, 51.2, -7.9
DROM_INSETS = [
    ("971", "Guadeloupe"),
    ("972", "Martinique"),
    ("973", "Guyane"),
    ("974", "La Réunion"),
    ("976", "Mayotte"),
]
IDF_ZOOM_CODES = ("75", "92", "93", "94")
IDF_LABEL = "Paris et petite couronne"
IDF_BOX = (6.25, 48.35, 8.85, 51.0)


@dataclass
class MapLayout:
    """Projected outer rings per PTSM (insets included), plus the inset frames to draw."""

    rings: dict[str, list[list[tuple[float, float]]]] = field(default_factory=dict)
    frames: list[tuple[str, tuple[float, float, float, float]]] = field(default_factory=list)


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


@lru_cache(maxsize=4)
def ptsm_layout(reference_dir: str | None = None) -> MapLayout:
    """Projected dissolved shapes of every PTSM of the registry, overseas ones moved into insets."""
    ref = str(reference_dir or get_settings().reference_dir)
    shapes = ptsm_shapes(ref, simplified=True)
    layout = MapLayout()
    drom_boxes = {}
    for i, (code, label) in enumerate(DROM_INSETS):
        top = _TOP - i * (_BOX_H + _GAP)
        box = (_LEFT, top - _BOX_H, _LEFT + _BOX_W, top)
        drom_boxes[code] = box
        layout.frames.append((label, box))
    layout.frames.append((IDF_LABEL, IDF_BOX))
    registry = read_registry(ref)
    idf = [row["ptsm_id"] for row in registry
           if set(perimeter_departements(row["perimetre"])) <= set(IDF_ZOOM_CODES)]
    idf_rings = {pid: outer_rings(shapes[pid]) for pid in idf}
    fitted = _fit([r for pid in idf for r in idf_rings[pid]], IDF_BOX) if idf else []
    pos = 0
    for row in registry:
        pid = row["ptsm_id"]
        rings = outer_rings(shapes[pid])
        deps = perimeter_departements(row["perimetre"])
        if deps[0] in drom_boxes:
            layout.rings[pid] = _fit(rings, drom_boxes[deps[0]])
            continue
        projected = [_project(r) for r in rings]
        if pid in idf_rings:
            n = len(idf_rings[pid])
            projected += fitted[pos:pos + n]
            pos += n
        layout.rings[pid] = projected
    return layout


def _trace_xy(rings):
    xs, ys = [], []
    for ring in rings:
        xs += [p[0] for p in ring] + [None]
        ys += [p[1] for p in ring] + [None]
    return xs, ys


@dataclass(frozen=True)
class MapClass:
    """One class of the legend: values v with low <= v < high (high None: no upper bound)."""

    label: str
    low: float
    high: float | None
    colour: str

    def contains(self, value: float) -> bool:
        return value >= self.low and (self.high is None or value < self.high)


def classify(value: float | None, classes: Sequence[MapClass]) -> MapClass | None:
    if value is None or _nan(value):
        return None
    for cls in classes:
        if cls.contains(float(value)):
            return cls
    raise ValueError(f"valeur {value!r} hors des classes de la carte")


def ptsm_map(values: Mapping[str, float | None], *, classes: Sequence[MapClass], value_label: str,
             names: Mapping[str, str] | None = None, fmt: Callable[[float], str] = lambda v: f"{v:g}",
             unknown_label: str = "Donnée inconnue", reference_dir: str | None = None,
             height: int = 600, title: str | None = None) -> go.Figure:
    """A classed map of France by PTSM; null or absent values are light grey ("Donnée inconnue").

    One legend entry per class (its bounds in the label, counts of PTSM in brackets) plus the unknown entry."""
    layout = ptsm_layout(reference_dir)
    names = names or {}
    fig = go.Figure()
    groups: dict[str, list[str]] = {c.label: [] for c in classes}
    groups[unknown_label] = []
    for ptsm_id in layout.rings:
        cls = classify(values.get(ptsm_id), classes)
        groups[cls.label if cls else unknown_label].append(ptsm_id)
    colours = {c.label: c.colour for c in classes}
    colours[unknown_label] = UNKNOWN
    for label, members in groups.items():
        for ptsm_id in members:
            value = values.get(ptsm_id)
            shown = "donnée inconnue" if label == unknown_label else fmt(value)
            xs, ys = _trace_xy(layout.rings[ptsm_id])
            fig.add_trace(go.Scatter(
                x=xs, y=ys, mode="lines", fill="toself", fillcolor=colours[label],
                line=dict(color=OUTLINE, width=0.5), hoveron="fills", hoverinfo="text",
                text=f"<b>{names.get(ptsm_id, ptsm_id)}</b><br>{value_label} : {shown}",
                name=label, legendgroup=label, showlegend=False,
            ))
        # legend entry: a square swatch with the class bounds and its number of PTSM (every class, even empty)
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=f"{label} ({len(members)})",
                                 legendgroup=label, hoverinfo="skip", showlegend=True,
                                 marker=dict(symbol="square", size=14, color=colours[label],
                                             line=dict(color=OUTLINE, width=0.8))))
    for label, (x0, y0, x1, y1) in layout.frames:
        fig.add_shape(type="rect", x0=x0, y0=y0, x1=x1, y1=y1, line=dict(color="#8c8c8c", width=0.8))
        fig.add_annotation(x=(x0 + x1) / 2, y=y1, text=label, showarrow=False, yanchor="bottom",
                           font=dict(size=11, color="#333"))
    fig.update_xaxes(visible=False, fixedrange=True)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1, fixedrange=True)
    fig.update_layout(
        height=height, plot_bgcolor="white", margin=dict(l=5, r=5, t=36, b=5), hovermode="closest",
        legend=dict(title=dict(text=f"<b>{value_label}</b>"), x=1.01, xanchor="left", y=0.5, yanchor="middle",
                    bordercolor="#cccccc", borderwidth=1, itemsizing="constant", traceorder="normal"),
    )
    # the values behind the map, ranked, for its text alternative and its small-screen form (figures.chart_data)
    ranked = sorted(((names.get(pid, pid), values.get(pid)) for pid in layout.rings),
                    key=lambda nv: (nv[1] is None or _nan(nv[1]), -(float(nv[1]) if nv[1] is not None and not _nan(nv[1]) else 0), nv[0]))
    fig.update_layout(meta={"ptsm_map": {"value_label": value_label, "rows": [
        [name, "donnée inconnue" if value is None or _nan(value) else fmt(value)] for name, value in ranked]}})
    if title:  # reports put the title in the figure furniture instead (pipelines.lib.reports.figures)
        fig.update_layout(title=title, margin=dict(t=60))
    return fig


def _nan(value) -> bool:
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False
