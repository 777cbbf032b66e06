"""The report toolkit: one chart style and the publication furniture of every figure and table.

Why: a figure handed to a director or published next to a DREES *Études et résultats* carries a number, a title,
"Lecture :", "Champ :" and "Source :" lines, French number formats and, when the input is the synthetic sample, the
words "Données synthétiques" on the chart itself (so a PNG exported from the mode bar keeps them). Writing this once
here keeps the notebooks about analysis.

API (notebooks call these; everything shown is French):

- `setup(sources=...)` -> `Report`: registers the `ptsm` Plotly template (`plotly_white+ptsm` becomes the default),
  reads the release manifest, resets the figure/table counters and displays the release banner. Call once, first.
- `Report.figure(fig, title=, lecture=, champ=, source=)`: shows `fig` as "Graphique N – title" with its Lecture /
  Champ / Source lines below; the source line always ends with the release id and date. On a synthetic release a red
  "Données synthétiques" mark is drawn inside the chart. Returns N.
- `Report.table(frame, title=, columns={col: (header, formatter)}, highlight=mask, muted=mask, notes=..., champ=,
  source=, lecture=)`: "Tableau N", French headers, French number formats, no pandas index, every row shown.
- `Report.key_figures([(label, value), ...])`: the key-figures box of a synthesis (values computed from the marts).
- `Report.methodology(text, marts=[...])`: the methodology box with links to each mart's CSV and Parquet file and to
  the data dictionary of the release.
- Axis helpers (axis "x"/"y" for every axis of that direction, or one key such as "yaxis2"):
  `percent_axis(fig, "x", upper=1)` (ticks `0 %`, `20 %`...), `count_axis(fig, "y", max_value)`
  (integer ticks, never 2.5), `euro_axis(fig, "x")` (`1 625 800 €`), `month_axis(fig, "x")` (French months).
- `wilson(k, n)` -> (low, high): the Wilson 95 % score interval of a proportion (right for n = 8 as for n = 47);
  `SMALL_N` (30): below it a survey share is flagged; `FEW_PTSM` (5): a rate on fewer PTSM is greyed and annotated.
- Colours: `PALETTE` (categories), `MAIN`, `HIGHLIGHT`, `MUTED`, `UNKNOWN`, `SEQUENTIAL` (a scale whose first class
  stays visible on white).
- `plotly_config()` and `FR_LOCALE_JS`: the Plotly config (French locale) and the locale registration shipped with
  the shared plotly.js of a release by `pipelines.lib.reports.notebooks`.

Formats themselves (fr_num, fr_pct, fr_eur, fr_date, fr_band...) live in `pipelines.lib.reports.formatting`.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from pipelines.lib.reports.formatting import (NNBSP, SHORT_MONTHS, MONTHS, DAYS, SHORT_DAYS, fr_datetime, fr_num, fr_pct,
                                      is_missing)

# ------------------------------------------------------------------ colours and fonts

FONT = "Marianne, 'Segoe UI', Arial, Helvetica, sans-serif"
TEXT = "#1e1e1e"
GREY_TEXT = "#555555"
MAIN = "#1f5a91"        # one-series charts
HIGHLIGHT = "#c0392b"   # the value the text talks about
MUTED = "#84909b"       # context, small numbers (3:1 against white, WCAG 1.4.11, unlike the old #b9c3cc)
UNKNOWN = "#e3e3e3"     # "donnée inconnue" (maps, heatmaps): always drawn with a dark outline and named in the legend
SYNTHETIC_RED = "#b00020"
# Qualitative palette for RGAA 4.1 / WCAG 2.1 (issue 21 §4): every colour at least 3:1 against the white page
# (graphical objects, 1.4.11), and the six stay apart for a reader with deuteranopia (the most common colour-vision
# deficiency: simulated with Machado et al. 2009, every pair at least 20 CIELAB units apart; the old red/brown/olive
# merged). Blue, orange, sky blue, magenta, near black, dark ochre. tests/test_accessibility.py recomputes both.
PALETTE = ["#1f5a91", "#e06000", "#3a9bd9", "#b8579a", "#2b2b2b", "#6b5200"]
# Sequential classes (maps, heatmaps): the lightest still 3:1 against white, each a step darker than the previous.
SEQUENTIAL = ["#5494cc", "#3d7fbf", "#2866a6", "#1a4f88", "#0f3a68", "#072548"]
SEQUENTIAL_WARM = ["#e2660c", "#c25208", "#9e4206", "#7c3304", "#5a2503", "#3b1802"]

SMALL_N = 30   # survey shares on fewer answers get a visible warning
FEW_PTSM = 5   # regional rates on fewer PTSM are greyed and annotated with their denominator

TEMPLATE_NAME = "ptsm"

FR_LOCALE = {
    "moduleType": "locale",
    "name": "fr",
    "dictionary": {
        "Download plot as a png": "Télécharger le graphique en PNG",
        "Download plot as a PNG": "Télécharger le graphique en PNG",  # plotly.js >= 3 spells it so
        "Download plot": "Télécharger le graphique",
        "Zoom in": "Zoom avant", "Zoom out": "Zoom arrière", "Autoscale": "Échelle automatique",
        "Reset axes": "Réinitialiser les axes", "Pan": "Déplacer", "Zoom": "Zoom",
        "Box Select": "Sélection rectangulaire", "Lasso Select": "Sélection lasso",
        "Show closest data on hover": "Afficher la valeur la plus proche",
        "Compare data on hover": "Comparer les valeurs au survol",
        "Double-click to zoom back out": "Double-cliquer pour revenir à l'échelle initiale",
        "Produced with Plotly.js": "Réalisé avec Plotly.js",
    },
    "format": {
        "days": DAYS, "shortDays": SHORT_DAYS, "months": MONTHS, "shortMonths": SHORT_MONTHS,
        "date": "%d/%m/%Y", "decimal": ",", "thousands": NNBSP, "grouping": [3], "currency": ["", f"{NNBSP}€"],
    },
}
FR_LOCALE_JS = f"Plotly.register({json.dumps(FR_LOCALE, ensure_ascii=False)});\n"


def plotly_config(filename: str = "graphique") -> dict[str, Any]:
    """French locale, no Plotly logo, responsive width, PNG export named after the figure.

    plotly.js 3 shows a "Share chart..." button by default that uploads the chart to Plotly Cloud: off, and its
    button removed, since a report's data must not leave the reader's machine."""
    return {"locale": "fr", "displaylogo": False, "responsive": True, "showSendToCloud": False,
            "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "sendChartToCloud"],
            # one button, the PNG download: zoom/pan buttons were ~15 keyboard tab stops per chart doing nothing a
            # reader of a printed-style report needs (issue 21 §4, "no inert tab stops")
            "modeBarButtons": [["toImage"]],
            "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2}}


def register_template() -> None:
    """Register the `ptsm` template and make `plotly_white+ptsm` the default of this kernel."""
    import plotly.graph_objects as go
    import plotly.io as pio

    axis = dict(automargin=True, title=dict(font=dict(size=13, color=GREY_TEXT), standoff=8),
                tickfont=dict(size=12, color=GREY_TEXT), gridcolor="#e6e6e6", zerolinecolor="#bdbdbd",
                separatethousands=True, ticklabelstandoff=4)
    template = go.layout.Template(layout=dict(
        font=dict(family=FONT, size=13, color=TEXT),
        colorway=PALETTE,
        separators=f",{NNBSP}",
        # x labels start below the bottom of the y axis' "0" label: no collision in the corner of the axes
        xaxis={**axis, "ticklabelstandoff": 10}, yaxis={**axis, "ticklabelstandoff": 6},
        legend=dict(font=dict(size=12), title=dict(font=dict(size=12)), bgcolor="rgba(255,255,255,0.9)"),
        hoverlabel=dict(bgcolor="white", font=dict(family=FONT, size=13, color=TEXT), bordercolor="#999"),
        margin=dict(l=10, r=20, t=30, b=10),
        uniformtext=dict(minsize=10, mode="hide"),
        bargap=0.25,
    ))
    template.data.bar = [go.Bar(marker=dict(color=MAIN), textfont=dict(size=12), cliponaxis=False)]
    pio.templates[TEMPLATE_NAME] = template
    pio.templates.default = f"plotly_white+{TEMPLATE_NAME}"


# ------------------------------------------------------------------ axes

def _update_axis(fig, axis: str, update: dict, where: dict) -> None:
    """`axis` is "x"/"y" (every axis of that direction) or one layout key such as "yaxis2" (that axis only)."""
    if axis in ("x", "y"):
        getattr(fig, f"update_{axis}axes")(**update, **where)
    else:
        fig.update_layout({axis: update})


def _nice_step(span: float, max_ticks: int) -> float:
    raw = span / max(1, max_ticks)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def percent_axis(fig, axis: str = "x", upper: float = 1.0, step: float | None = None, decimals: int = 0,
                 row: int | None = None, col: int | None = None, range_upper: float | None = None) -> None:
    """Ticks written `0 %`, `20 %`... (d3's `.0%` writes `20%`, without the French space)."""
    step = step or _nice_step(upper, 5)
    ticks = [round(i * step, 10) for i in range(int(math.floor(upper / step + 1e-9)) + 1)]
    update = dict(tickmode="array", tickvals=ticks, ticktext=[fr_pct(t, decimals) for t in ticks],
                  range=[0, range_upper if range_upper is not None else upper * 1.02])
    _update_axis(fig, axis, update, {"row": row, "col": col} if row else {})


def count_axis(fig, axis: str = "y", max_value: float | None = None, max_ticks: int = 6, **where) -> None:
    """Integer ticks only (a count axis never reads 2.5)."""
    top = max(1.0, float(max_value or 1))
    step = max(1, int(math.ceil(_nice_step(top, max_ticks))))
    _update_axis(fig, axis, dict(tickmode="linear", tick0=0, dtick=step, tickformat=",d", rangemode="tozero"), where)


def euro_axis(fig, axis: str = "x", **where) -> None:
    """`1 625 800 €` instead of `1.6M`."""
    _update_axis(fig, axis, dict(tickformat=",.0f", ticksuffix=f"{NNBSP}€", exponentformat="none"), where)


def month_axis(fig, axis: str = "x", **where) -> None:
    """French month ticks (`janv. 2022`); needs the French locale shipped with the report's plotly.js."""
    _update_axis(fig, axis, dict(tickformat="%b %Y", hoverformat="%B %Y"), where)


# ------------------------------------------------------------------ uncertainty

def wilson(k: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval of k successes out of n (95 % by default). (nan, nan) when n is 0.

    Why Wilson: the normal approximation gives intervals below 0 or above 1 for 2/47 or 7/8; Wilson stays inside
    [0, 1] and keeps close to nominal coverage on samples of this size.
    """
    if not n:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def fr_interval(k: float, n: float, decimals: int = 0) -> str:
    """`[22 % ; 50 %]` for the 95 % Wilson interval of k/n."""
    low, high = wilson(k, n)
    if math.isnan(low):
        return "—"
    return f"[{fr_pct(low, decimals)} ; {fr_pct(high, decimals)}]"


# ------------------------------------------------------------------ release context and furniture

@dataclass
class Release:
    release_id: str = "?"
    produced_at: str = ""
    synthetic: bool = False
    folder: Path | None = None

    @property
    def label(self) -> str:
        return f"publication {self.release_id} du {fr_datetime(self.produced_at)}"


SYNTHETIC_MARK = "Données synthétiques"


@dataclass
class Report:
    """Counters and release context of one notebook: numbering restarts with each `setup()`."""

    release: Release
    sources: Mapping[str, str] = field(default_factory=dict)
    _figures: Iterable[int] = field(default_factory=lambda: itertools.count(1))
    _tables: Iterable[int] = field(default_factory=lambda: itertools.count(1))

    # -------------------------------------------------------------- sources
    def source(self, *names: str) -> str:
        """`Source : <named sources> ; Observatoire des PTSM, publication <id> du <date>.`"""
        named = [self.sources.get(n, n) for n in names]
        prefix = " ; ".join(named)
        tail = f"Observatoire des PTSM, {self.release.label}"
        if self.release.synthetic:
            tail += f" — {SYNTHETIC_MARK.lower()} (échantillon de démonstration)"
        return f"{prefix} ; {tail}." if prefix else f"{tail}."

    # -------------------------------------------------------------- figures
    def figure(self, fig, *, title: str, lecture: str, champ: str, source: str | Iterable[str],
               note: str | None = None, height: int | None = None) -> int:
        number = next(self._figures)
        source_text = source if isinstance(source, str) else self.source(*source)
        if height:
            fig.update_layout(height=height)
        fig.update_layout(autosize=True, width=None)
        fit_narrow_screens(fig)
        if self.release.synthetic:
            _mark_synthetic(fig)
        head = f"Graphique {number} – {title}"
        chart = _chart_html(fig, f"graphique-{number}")
        _display_block(kind="figure", head=head, body=chart, lecture=lecture, champ=champ, source=source_text,
                       note=note, synthetic=self.release.synthetic, fig=fig)
        return number

    # -------------------------------------------------------------- tables
    def table(self, frame, *, title: str, columns: Mapping[str, tuple[str, Callable[[Any], str] | None]] | None = None,
              highlight=None, muted=None, champ: str | None = None, source: str | Iterable[str] | None = None,
              lecture: str | None = None, note: str | None = None) -> int:
        number = next(self._tables)
        source_text = None if source is None else (source if isinstance(source, str) else self.source(*source))
        body = table_html(frame, columns=columns, highlight=highlight, muted=muted)
        _display_block(kind="table", head=f"Tableau {number} – {title}", body=body, lecture=lecture, champ=champ,
                       source=source_text, note=note, synthetic=self.release.synthetic)
        return number

    # -------------------------------------------------------------- key figures
    def key_figures(self, items: Iterable[tuple[str, str]]) -> None:
        """The box of key figures a synthesis opens on (DREES, Odissé): (label, value already formatted) pairs,
        each value computed by the notebook from the marts, shown large with its label below."""
        from IPython.display import HTML, display

        cells = "".join(f"<li><span class=\"ptsm-key-value\">{html.escape(str(value))}</span>{html.escape(label)}</li>"
                        for label, value in items)
        display(HTML(f"<ul class=\"ptsm-key-figures\" aria-label=\"Chiffres clés\">{cells}</ul>"))

    # -------------------------------------------------------------- methodology
    def methodology(self, text_html: str, marts: Iterable[str] = ()) -> None:
        """A methodology box: how the figures are built, and one click to the data behind them."""
        from IPython.display import HTML, display

        links = []
        base = data_link_base(self.release.folder)
        for mart in marts:
            links.append(f"<li><code>{html.escape(mart)}</code> : "
                         f"<a href=\"{base}{mart}.csv\">CSV (Excel, séparateur point-virgule)</a> · "
                         f"<a href=\"{base}{mart}.parquet\">Parquet</a></li>")
        data = ""
        if links:
            data = ("<h3>Les données de ce rapport</h3><ul>" + "".join(links) +
                    f"</ul><p>Définition de chaque colonne : <a href=\"{base}DICTIONNAIRE.md\">dictionnaire des "
                    f"données</a> ({html.escape(self.release.label)}).</p>")
        display(HTML(f"<section class=\"ptsm-methodology\"><h2>Méthodologie</h2>{text_html}{data}</section>"))


DATA_LINK = "donnees"


def data_link_base(release_folder: Path | None) -> str:
    """URL prefix of the release's data files as seen from a report.

    Rendered reports reach them through the `donnees` link that `pipelines.lib.reports.notebooks` puts beside them (relative,
    so it holds whether the reports sit inside the release or in a folder of their own, and through symlinks a
    browser would resolve lexically); a notebook opened interactively links to the release folder itself."""
    if os.environ.get("PTSM_REPORT_OUTPUT_DIR"):
        return f"{DATA_LINK}/"
    return release_folder.as_uri() + "/" if release_folder is not None else ""


def _mark_synthetic(fig) -> None:
    """Red "Données synthétiques" in the top margin of the chart (the layout title slot, so no trace hides it)."""
    # short enough for a 390 px phone (the long form was cut at the chart's edge there); the banner says the rest
    fig.update_layout(title=dict(text=f"<b>{SYNTHETIC_MARK.upper()}</b> (démonstration)",
                                 font=dict(size=12, color=SYNTHETIC_RED), x=0, xref="container", xanchor="left",
                                 y=1, yref="container", yanchor="top", pad=dict(t=6, l=4)))
    top = fig.layout.margin.t if fig.layout.margin.t is not None else 30
    fig.update_layout(margin=dict(t=max(top, 34)))


AXIS_TITLE_CHARS = 38     # an axis title longer than this is wrapped (a 390 px phone shows ~45 characters)
CATEGORY_LABEL_CHARS = 24  # a category label of a horizontal bar chart or a heatmap row, likewise
WRAPPED_ROWS_MAX = 30      # ...when the chart has at most this many rows


def wrap_text(text: str, width: int) -> str:
    """`text` with `<br>` between words so that no line is longer than `width` characters (a longer word stays)."""
    if not isinstance(text, str) or len(text) <= width or "<br>" in text:
        return text
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "<br>".join(lines)


def fit_narrow_screens(fig) -> None:
    """Make a chart readable from 390 px up (issue 21 §3: 117 of 138 charts had text cut at the edge on a phone):
    long axis titles wrapped, long category labels of horizontal bars and heatmap rows wrapped through `ticktext`
    (the data keep their labels, so hover and data table are unchanged)."""
    for axis_name in [k for k in fig.layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))]:
        axis = fig.layout[axis_name]
        if axis.title is not None and isinstance(axis.title.text, str):
            axis.title.text = wrap_text(axis.title.text, AXIS_TITLE_CHARS)
    for trace in fig.data:
        horizontal = trace.type == "bar" and getattr(trace, "orientation", None) == "h"
        if not (horizontal or trace.type == "heatmap") or trace.y is None:
            continue
        labels = [str(v) for v in trace.y]
        if not any(len(v) > CATEGORY_LABEL_CHARS for v in labels) or len(labels) > WRAPPED_ROWS_MAX:
            continue  # 104 PTSM rows have no room for two-line labels: they stay on one line
        axis = fig.layout[(trace.yaxis or "y").replace("y", "yaxis", 1)]
        if axis.tickmode == "array" or axis.ticktext is not None:
            continue
        axis.update(tickmode="array", tickvals=list(trace.y), ticktext=[wrap_text(v, CATEGORY_LABEL_CHARS) for v in labels])


def _chart_html(fig, filename: str) -> str:
    return fig.to_html(include_plotlyjs=False, full_html=False, config=plotly_config(filename),
                       default_width="100%")


def _line(label: str, text: str | None) -> str:
    if not text:
        return ""
    return f"<p class=\"ptsm-{label.lower()}\"><b>{label} :</b> {text}</p>"


def _display_block(*, kind: str, head: str, body: str, lecture: str | None, champ: str | None, source: str | None,
                   note: str | None, synthetic: bool, fig=None) -> None:
    from IPython.display import HTML, display

    badge = f"<span class=\"ptsm-synthetic-badge\">{SYNTHETIC_MARK}</span>" if synthetic else ""
    caption = (f"<div class=\"ptsm-{kind}-head\">{html.escape(head)}{badge}</div>")
    foot = (_line("Lecture", lecture) + _line("Champ", champ) + _line("Note", note) + _line("Source", source))
    if fig is not None and not os.environ.get("PTSM_REPORT_OUTPUT_DIR"):
        # Interactive JupyterLab: plotly.js is not in the page, let Plotly's own renderer draw the chart.
        display(HTML(caption))
        fig.show()
        display(HTML(f"<div>{foot}</div>"))
        return
    label, extra, classes = "", "", f"ptsm-{kind}"
    if fig is not None:
        label = f" aria-label=\"{html.escape(chart_summary(head, lecture), quote=True)}\""
        if any(t.type == "heatmap" for t in fig.data):
            classes += " ptsm-wide"  # a grid of labelled columns needs a desktop's width (notebooks.REPORT_CSS)
        header, rows, is_map = chart_data(fig)
        table = data_table_html(header, rows) if len(rows) <= DATA_TABLE_MAX_ROWS or is_map else (
            f"<p>Ce graphique trace {fr_num(len(rows))} valeurs : elles sont dans les fichiers de données de la "
            f"publication cités dans la section « Méthodologie » (CSV lisible dans un tableur).</p>")
        extra = f"<details class=\"ptsm-data\"><summary>Données du graphique</summary>{table}</details>"
        if is_map:
            # below 600 px a map of 104 PTSM is a few dozen pixels wide: the same values as a ranked table instead
            classes += " ptsm-has-map"
            extra += f"<div class=\"ptsm-map-small\">{table}</div>"
    block = (f"<figure class=\"{classes}\"{label}>{caption}<div class=\"ptsm-{kind}-body\">{body}</div>"
             f"<figcaption>{foot}</figcaption>{extra}</figure>")
    display(HTML(block))


# ------------------------------------------------------------------ text alternatives (RGAA 4.1 / WCAG 1.1.1)

def _plain(text: str | None) -> str:
    import re

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text or "")).split())


def chart_summary(head: str, lecture: str | None) -> str:
    """The chart's text alternative (`aria-label` of its figure): its number and title, then its "Lecture" sentence,
    which says what the chart shows with its key value; the values themselves are in the data table that follows."""
    text = _plain(head).rstrip(".")
    if lecture:
        text += ". " + _plain(lecture).rstrip(".")
    return text + ". Les valeurs sont dans le tableau « Données du graphique »."


def _axis_is_percent(axis) -> bool:
    ticks = list(axis.ticktext or []) if axis is not None else []
    return any("%" in str(t) for t in ticks) or "%" in str(getattr(axis, "tickformat", "") or "")


def _is_datetime(value: Any) -> bool:
    """A date or instant of any of the kinds a chart's values come in (datetime, pandas Timestamp, numpy datetime64)."""
    import datetime

    import numpy as np

    return isinstance(value, (datetime.date, np.datetime64))


def _cell(value: Any, percent: bool = False) -> str:
    if value is None or is_missing(value):
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if _is_datetime(value):  # a monthly series' x: numpy's datetime64.item() would give its nanoseconds (an int)
        from pipelines.lib.reports.formatting import fr_date

        return fr_date(value)
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, (int, float)):
        if percent:
            return fr_pct(value, 1 if abs(value * 100 - round(value * 100)) > 1e-9 else 0)
        if float(value).is_integer():
            return fr_num(value)
        return fr_num(value, 2)
    text = _plain(str(value))
    if len(text) >= 10 and text[4:5] == "-" and text[7:8] == "-" and text[:4].isdigit():  # ISO date (monthly series)
        from pipelines.lib.reports.formatting import fr_date

        return fr_date(text[:10])
    return text


def _title(axis, default: str) -> str:
    text = _plain(getattr(getattr(axis, "title", None), "text", None) or "")
    return text or default


def chart_data(fig) -> tuple[list[str], list[list[str]], bool]:
    """(header, rows, is_map): the values drawn by `fig` as a table a screen reader (or a reader at 390 px) can read.

    Bars and lines give one row per point (series, category, value; the value axis' percent ticks are kept), heatmaps
    one row per cell, maps (`pipelines.lib.reports.maps.ptsm_map`, which leaves its values in `layout.meta`) one row
    per PTSM ranked by value. Traces without data (legend swatches) are skipped."""
    meta = fig.layout.meta
    if isinstance(meta, dict) and "ptsm_map" in meta:
        info = meta["ptsm_map"]
        rows = [[fr_num(i + 1), str(name), str(shown)] for i, (name, shown) in enumerate(info["rows"])]
        return ["Rang", "PTSM", _plain(info["value_label"])], rows, True
    rows: list[list[str]] = []
    category_title, value_title = "Catégorie", "Valeur"
    for trace in fig.data:
        kind = trace.type
        if kind == "heatmap":
            xs = list(trace.x) if trace.x is not None else []
            ys = list(trace.y) if trace.y is not None else []
            zs = trace.z
            if zs is None:
                continue
            for yi, line in zip(ys, zs):
                for xi, z in zip(xs, line):
                    rows.append([_cell(yi), _cell(xi), _cell(z)])
            category_title, value_title = _title(fig.layout.yaxis, "Ligne"), "Valeur"
            continue
        if kind not in ("bar", "scatter") or trace.x is None or trace.y is None:
            continue
        horizontal = getattr(trace, "orientation", None) == "h"
        cats, vals = (trace.y, trace.x) if horizontal else (trace.x, trace.y)
        value_axis = fig.layout.xaxis if horizontal else fig.layout.yaxis
        category_axis = fig.layout.yaxis if horizontal else fig.layout.xaxis
        percent = _axis_is_percent(value_axis)
        name = _plain(trace.name or "")
        for c, v in zip(cats, vals):
            if c is None or v is None:
                continue
            rows.append([name, _cell(c), _cell(v, percent)])
        category_title = _title(category_axis, category_title)
        value_title = _title(value_axis, value_title)
    if rows and len(rows[0]) == 3 and all(r[0] == "" for r in rows):
        return [category_title, value_title], [r[1:] for r in rows], False
    if fig.data and fig.data[0].type == "heatmap":
        return [category_title, _title(fig.layout.xaxis, "Colonne"), value_title], rows, False
    return ["Série", category_title, value_title], rows, False


# A chart of more values than this (a monthly series per PTSM: 1 811 rows in a profile) points to the release's CSV
# instead of repeating it in the page: the reports of a release stay within their 12 MB (issue 14).
DATA_TABLE_MAX_ROWS = 250


def data_table_html(header: list[str], rows: list[list[str]]) -> str:
    heads = "".join(f"<th scope=\"col\">{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (f"<div class=\"ptsm-table-wrap\"><table class=\"ptsm-table ptsm-data-table\"><thead><tr>{heads}</tr>"
            f"</thead><tbody>{body}</tbody></table></div>")


# ------------------------------------------------------------------ tables

def table_html(frame, *, columns: Mapping[str, tuple[str, Callable[[Any], str] | None]] | None = None,
               highlight=None, muted=None) -> str:
    """Every row, French headers and formats, no index; highlighted rows in bold on a light red background."""
    columns = columns or {c: (str(c), None) for c in frame.columns}
    heads = "".join(f"<th scope=\"col\">{html.escape(h)}</th>" for h, _ in columns.values())
    rows = []
    hl = list(highlight) if highlight is not None else [False] * len(frame)
    mu = list(muted) if muted is not None else [False] * len(frame)
    for i, (_, record) in enumerate(frame.iterrows()):
        cells = []
        for col, (_, fmt) in columns.items():
            value = record[col]
            text = "—" if is_missing(value) else (fmt(value) if fmt else _default(value))
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool) and fmt is None
            cls = " class=\"num\"" if numeric or (fmt is not None and _looks_numeric(text)) else ""
            cells.append(f"<td{cls}>{text if fmt is not None and text.startswith('<') else html.escape(text)}</td>")
        classes = " ".join(c for c, on in (("ptsm-highlight", hl[i]), ("ptsm-muted", mu[i])) if on)
        rows.append(f"<tr class=\"{classes}\">" + "".join(cells) + "</tr>" if classes else "<tr>" + "".join(cells) + "</tr>")
    return (f"<div class=\"ptsm-table-wrap\"><table class=\"ptsm-table\"><thead><tr>{heads}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _default(value: Any) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if _is_datetime(value):  # as in a chart's data table: never numpy's integer of nanoseconds
        from pipelines.lib.reports.formatting import fr_date

        return fr_date(value)
    if isinstance(value, int) or (isinstance(value, float) and float(value).is_integer()):
        return fr_num(value)
    if isinstance(value, float):
        return fr_num(value, 1)
    if hasattr(value, "item"):
        return _default(value.item())
    return str(value)


def _looks_numeric(text: str) -> bool:
    stripped = text.replace(NNBSP, "").replace(",", "").replace("%", "").replace("€", "").replace("−", "").strip()
    return stripped.replace(".", "").isdigit()


# ------------------------------------------------------------------ entry point

def setup(sources: Mapping[str, str] | None = None) -> Report:
    """Template, release context and banner for one notebook (call in its first code cell)."""
    from IPython.display import HTML, display

    from pipelines.lib.reports import marts_reader
    register_template()
    info = marts_reader.manifest()
    release = Release(release_id=str(info.get("release_id", "?")), produced_at=str(info.get("produced_at", "")),
                      synthetic=bool(info.get("synthetic")), folder=marts_reader.release_dir())
    display(HTML(banner_html(release)))
    return Report(release=release, sources={**SOURCES, **(sources or {})})


SOURCES = {
    "fiches": "DMSMP, fiches actions des PTSM (exports reçus)",
    "enquete": "DMSMP, enquête auprès des coordonnateurs de PTSM",
    "anap": "ANAP, recensement des coordonnateurs de PTSM",
    "registre": "Registre des PTSM (rapport « Tour de France des PTSM », DMSMP 2024, ch. 2.1) ; Insee, populations",
    "statut": "DMSMP, suivi des arrêtés PTSM et des CTSM",
    "rapport": "DMSMP, rapport « Tour de France des PTSM » (2024)",
}


def banner_html(release: Release) -> str:
    if release.synthetic:
        from pipelines.lib.reports.marts_reader import SYNTHETIC_TEXT

        return (f"<div class=\"ptsm-banner ptsm-synthetic\" role=\"alert\">⚠ {SYNTHETIC_TEXT}"
                f"<br><span class=\"ptsm-banner-sub\">Observatoire des PTSM, {html.escape(release.label)}</span></div>")
    return (f"<div class=\"ptsm-banner\">Données issues des exports reçus par la DMSMP — Observatoire des PTSM, "
            f"{html.escape(release.label)}</div>")
