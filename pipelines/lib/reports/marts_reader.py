"""The one helper the notebooks use to read the published marts.

Notebooks never open DuckDB (a reader would block the pipeline's writer): they read the Parquet files of one
complete release, found by resolving the `PTSM_MARTS_DIR` symlink once per session.
"""

from __future__ import annotations

import math
import numbers
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.lib.publish import release as releases
from pipelines.lib.core.config import get_settings

SYNTHETIC_TEXT = "Données SYNTHÉTIQUES — échantillon de démonstration, ne pas diffuser comme données réelles"

_RELEASES: dict[str, Path] = {}


def release_dir() -> Path:
    """The release folder behind the marts symlink, resolved once so a session reads a single release."""
    marts_dir = str(get_settings().marts_dir)
    if marts_dir not in _RELEASES:
        _RELEASES[marts_dir] = releases.current(Path(marts_dir))
    return _RELEASES[marts_dir]


def load_mart(name: str) -> pd.DataFrame:
    """Read one published mart as a DataFrame."""
    path = release_dir() / f"{name}.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"Le mart « {name} » est absent de la publication {release_dir().name}.")
    return pd.read_parquet(path)


def manifest() -> dict[str, Any]:
    """The release manifest (release_id, produced_at, synthetic, input, marts, files)."""
    return releases.read_manifest(release_dir())


def synthetic_banner():
    """A visible French banner saying where the data come from (red when they are synthetic)."""
    from IPython.display import HTML

    info = manifest()
    from pipelines.lib.reports.formatting import fr_datetime

    produced = fr_datetime(info.get("produced_at", ""))
    if info.get("synthetic"):
        return HTML(
            '<div class="ptsm-banner ptsm-synthetic" style="background:#b00020;color:#fff;padding:12px 16px;'
            'font-size:1.15em;font-weight:bold;border-radius:4px;margin:8px 0">'
            f"⚠ {SYNTHETIC_TEXT}<br><span style='font-weight:normal;font-size:0.85em'>"
            f"Publication {info.get('release_id', '?')} du {produced}</span></div>"
        )
    return HTML(
        '<div class="ptsm-banner" style="background:#e8f0fe;padding:8px 16px;border-radius:4px;margin:8px 0">'
        f"Données issues des exports reçus par la DMSMP — publication {info.get('release_id', '?')} "
        f"du {produced}</div>"
    )


# ---------------------------------------------------------------- published figures (display only)

def published_table() -> pd.DataFrame:
    """The published_comparison mart indexed by figure_id."""
    return load_mart("published_comparison").set_index("figure_id")


# ---------------------------------------------------------------- stating figures in sentences

def _show(value: Any, fmt: Any = None) -> str:
    if _is_missing(value):
        return "inconnu"
    if fmt:
        return fmt(value)
    # an integer without a formatter is still written the French way (3 313, not 3313; a year stays 2025)
    return fr_integer(value) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else str(value)


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _same(a: Any, b: Any, tol: float) -> bool:
    if _is_missing(a) or _is_missing(b):
        return _is_missing(a) and _is_missing(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b)) <= tol * max(1.0, abs(float(b)))
    if hasattr(a, "item"):
        a = a.item()
    if hasattr(b, "item"):
        b = b.item()
    if isinstance(a, (datetime, pd.Timestamp)) or isinstance(b, (datetime, pd.Timestamp)):
        return pd.Timestamp(a) == pd.Timestamp(b)
    return a == b


def state(text: str, value: Any, expected_from_mart: Any, *, fmt: Any = None,
          tol: float = 1e-9, show: bool = True) -> None:
    """Write a French sentence stating `value`, after asserting it equals what the mart says.

    `text` uses `{}` placeholders; `value` and `expected_from_mart` may be tuples (one item per placeholder).
    The figure in the prose is therefore always the mart's figure: prose and data cannot disagree.
    `fmt` is one formatter, or a tuple of formatters (one per value).
    """
    values = value if isinstance(value, tuple) else (value,)
    expected = expected_from_mart if isinstance(expected_from_mart, tuple) else (expected_from_mart,)
    assert len(values) == len(expected), "state(): autant de valeurs attendues que de valeurs énoncées"
    for got, want in zip(values, expected):
        assert _same(got, want, tol), f"Phrase « {text} » : valeur {got!r} ≠ valeur du mart {want!r}"
    fmts = fmt if isinstance(fmt, tuple) else (fmt,) * len(values)
    shown = [_show(v, f) for v, f in zip(values, fmts)]
    sentence = text.format(*shown)
    if show:
        from IPython.display import Markdown, display

        display(Markdown(sentence))


# ---------------------------------------------------------------- French number formats
# One home: pipelines/lib/reports/formatting.py (re-exported here for the notebooks and older imports).
from pipelines.lib.reports.formatting import NNBSP, fr_date, fr_eur, fr_integer, fr_list, fr_num, fr_pct  # noqa: E402,F401


def as_date(value: Any) -> date:
    return pd.Timestamp(value).date()


def show_figure(fig, source: str) -> None:
    """Add the French source line under a chart (below the x-axis title), then display it."""
    height = fig.layout.height or 450
    top = fig.layout.margin.t if fig.layout.margin.t is not None else 100
    bottom = max(fig.layout.margin.b or 0, 110)
    plot_height = max(height - top - bottom, 50)
    fig.update_layout(height=height, margin=dict(t=top, b=bottom))
    fig.add_annotation(text=source, xref="paper", yref="paper", x=1, y=-95 / plot_height, showarrow=False,
                       xanchor="right", yanchor="top", font=dict(size=10, color="#555"))
    fig.show()


def region_names() -> dict[str, str]:
    """Region code -> French name, from the shipped reference data (INSEE COG)."""
    from pipelines.lib.catalogue.reference import regions
    return regions()


def vocabulary(kind: str) -> dict[str, str]:
    """Canonical code -> French label for one vocabulary (publics, thèmes, financeurs...): pipelines.lib.catalogue.vocab."""
    from pipelines.lib.catalogue import vocab
    return vocab.labels(kind)


def priority_labels(two_lines: bool = False) -> dict[int, str]:
    """Decree priority -> chart label ("1. Repérage précoce, accès aux soins"), from pipelines.lib.catalogue.vocab;
    `two_lines` breaks the text (<br>) at the space nearest its middle, for narrow chart axes."""
    from pipelines.lib.catalogue import vocab
    labels = {}
    for priority, label in vocab.priority_labels().items():
        if two_lines and " " in label:
            spaces = [i for i, c in enumerate(label) if c == " "]
            cut = min(spaces, key=lambda i: abs(i - len(label) / 2))
            label = label[:cut] + "<br>" + label[cut + 1:]
        labels[priority] = f"{priority}. {label}"
    return labels


def blind_spot_publics() -> list[str]:
    """Codes of the publics the report calls "angles morts", from pipelines.lib.catalogue.vocab."""
    from pipelines.lib.catalogue import vocab
    return vocab.blind_spot_publics()


def fte_salary_bands() -> list[str]:
    """The FTE salary bands of survey_results, in display order, from pipelines.lib.catalogue.vocab."""
    from pipelines.lib.catalogue import vocab
    return [band for band, _, _ in vocab.FTE_SALARY_BANDS]


def in_survey_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of a survey mart (`question`, `answer`) in the questionnaire's order, each question's answers in their
    display order (pipelines/lib/catalogue/catalogue.toml: `Moins d'1 an` before `1 an`, the salary bands from the
    lowest), a numeric answer (quotité) by its value; other answers after, in the frame's order. Why: the marts sort
    their rows alphabetically (`2 ans` before `Moins d'1 an`), which is no order a reader of a table expects."""
    from pipelines.lib.catalogue.catalogue import survey_answers, survey_question_labels

    questions = {q: i for i, q in enumerate(survey_question_labels())}
    orders = {q: {a: i for i, a in enumerate(survey_answers(q) or [])} for q in frame["question"].unique()
              if q in questions}

    def rank(question: str, answer: Any) -> tuple[int, float]:
        order = orders.get(question)
        if order:  # a vocabulary: its order, an answer outside it last
            within = float(order.get(answer, len(order)))
        else:  # no vocabulary (quotité): by value, an answer that is no number last
            value = pd.to_numeric(answer, errors="coerce")
            within = float(value) if pd.notna(value) else math.inf
        return questions.get(question, len(questions)), within

    keys = [rank(q, a) for q, a in zip(frame["question"], frame["answer"])]
    return frame.assign(_rank=keys).sort_values("_rank", kind="stable").drop(columns="_rank")


def survey_answer_label(question: str, answer: Any) -> str:
    """A survey answer as a reader reads it: a salary band in words (`3 000 € ou plus`), a working-time share with its
    unit (`80 %`), the other answers as the survey's vocabulary writes them."""
    from pipelines.lib.reports.formatting import fr_band

    if answer in set(fte_salary_bands()):
        return fr_band(answer)
    if question == "quotite" and pd.notna(pd.to_numeric(answer, errors="coerce")):
        return f"{answer}{NNBSP}%"
    return str(answer)
