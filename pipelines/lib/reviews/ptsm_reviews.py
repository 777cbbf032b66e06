"""Each PTSM's annual review (issue 24): one French page per PTSM, `<reports>/ptsm/<PTSM-id>.html`, rendered with
every release, for its coordinator, its COPIL and its ARS.

Why templates and not a notebook per PTSM: 104 notebook runs, even in one kernel, cost minutes; the review is a set
of counts and tables. `load_release` reads each mart of the release ONCE (one DuckDB query per mart), `review` turns
one PTSM's rows into plain values, and one Jinja2 template writes the page (no chart, no script: the page opens
alone, offline, and prints on A4). A single review on demand (`ptsm export --ptsm`, the API) runs the same code.

What a page never holds: a person's name (the marts hold none), a survey answer (the survey is published only at
national and, with disclosure control, regional level), a percentage of a small base (`small_share`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pipelines.lib.catalogue import catalogue, vocab
from pipelines.lib.core.files import write_atomic
from pipelines.lib.quality.feedback import ptsm_from_name
from pipelines.lib.quality.findings import family_of_source, from_quality_row
from pipelines.lib.reports.formatting import NNBSP, fr_date, fr_eur, fr_month, fr_num, fr_pct, is_missing
from pipelines.lib.reports.marts_reader import SYNTHETIC_TEXT  # the one synthetic mark of every page
from pipelines.lib.reports.prose import count_noun

REVIEWS_DIR = "ptsm"  # beside `regions/` in the reports folder of a release
TEMPLATE = "ptsm_review.html.j2"
REVIEW_SMALL_BASE = 20  # a PTSM is one territory: under 20, "3 actions sur 12", never a percentage (issue 24)
WINDOW_MONTHS = 12  # "what changed over the last twelve months"
HORIZON_YEARS = 5  # the five-year evaluation falls due five years after the approval (arrêté) of the PTSM
STATUSES = ["Non démarrée", "En cours", "Réalisée", "Reportée"]  # current actions (Abandonnée excluded by the mart)
IMPLEMENTED = {"En cours", "Réalisée"}
MARTS = ["ptsm_overview", "ptsm_actions", "action_progress", "ptsm_plan_history", "ptsm_priority_coverage",
         "ptsm_public_coverage", "ptsm_funding", "ptsm_cofunding", "coordinator_vacancy_monthly",
         "coordinator_employer_monthly", "quality_report"]
UNKNOWN_EMPLOYER = "non renseigné"  # a roster row without porteur


def small_share(n: int | None, base: int | None, noun: str = "action") -> str:
    """`3 actions sur 12` under REVIEW_SMALL_BASE, else `45 % (9 sur 20)`; `inconnu` without a base."""
    if is_missing(n) or is_missing(base) or base is None or base <= 0:
        return "inconnu"
    if base < REVIEW_SMALL_BASE:
        return f"{count_noun(int(n), noun)} sur {fr_num(base)}"
    return f"{fr_pct(n / base)} ({fr_num(n)} sur {fr_num(base)})"


_SHARE = re.compile(r"\d+(?:,\d+)?\s?%\s?\((\d+) sur (\d+)\)")


def small_base_violations(page: str) -> list[str]:
    """Every "NN % (n sur base)" of a page whose base is under REVIEW_SMALL_BASE: what `small_share` never writes,
    checked on each page before it is published (a template that formats a share by hand is caught)."""
    return [m.group(0) for m in _SHARE.finditer(page.replace(NNBSP, " ")) if int(m.group(2)) < REVIEW_SMALL_BASE]


def add_years(day: dt.date, years: int) -> dt.date:
    """Same day `years` later (29 February -> 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` earlier, clamped to the month's end."""
    import calendar

    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


# --- reading: one query per mart ------------------------------------------------------------------------------

@dataclass
class ReleaseData:
    """The rows of a release the reviews use, grouped by PTSM (each mart read once)."""

    release_id: str
    produced_at: str
    synthetic: bool
    rows: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)  # mart -> ptsm_id -> rows
    overview: dict[str, dict[str, Any]] = field(default_factory=dict)
    regions: dict[str, str] = field(default_factory=dict)
    cache: dict[Any, Any] = field(default_factory=dict)  # sums over all PTSM, computed once per release
    missing: set[str] = field(default_factory=set)  # marts the release does not carry (an older release)

    def of(self, mart: str, ptsm_id: str) -> list[dict[str, Any]]:
        return self.rows.get(mart, {}).get(ptsm_id, [])

    def all(self, mart: str) -> Iterable[dict[str, Any]]:
        for rows in self.rows.get(mart, {}).values():
            yield from rows


def _region_names(reference_dir: Path | None) -> dict[str, str]:
    from pipelines.lib.catalogue.reference import regions

    return regions(reference_dir)


def load_release(release: Path, reference_dir: Path | None = None) -> ReleaseData:
    """Read the marts the reviews need from the release folder `release` (one query per mart)."""
    import duckdb

    release = Path(release)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    data = ReleaseData(release_id=manifest.get("release_id", release.name), produced_at=manifest.get("produced_at", ""),
                       synthetic=bool(manifest.get("synthetic")), regions=_region_names(reference_dir))
    registry = None
    con = duckdb.connect()
    try:
        for mart in MARTS:
            path = release / f"{mart}.parquet"
            if not path.is_file():
                data.rows[mart] = {}
                data.missing.add(mart)
                continue
            result = con.execute("select * from read_parquet(?)", [str(path)])
            names = [d[0] for d in result.description]
            grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for values in result.fetchall():
                row = dict(zip(names, values))
                if mart == "quality_report":
                    if registry is None:
                        registry = {r["ptsm_id"] for rs in data.rows["ptsm_overview"].values() for r in rs}
                    owner = (ptsm_from_name(row["source_file"], registry)
                             if family_of_source(row["source_file"]) == "fiches_actions" else None)
                    if owner is None:
                        continue  # national files: the national feedback page, not a PTSM's review
                    grouped[owner].append(row)
                else:
                    grouped[row["ptsm_id"]].append(row)
            data.rows[mart] = dict(grouped)
    finally:
        con.close()
    data.overview = {pid: rows[0] for pid, rows in data.rows["ptsm_overview"].items()}
    return data


# --- one PTSM's review as plain values -------------------------------------------------------------------------

def _plan(data: ReleaseData, pid: str, latest: dt.date | None) -> dict[str, Any]:
    actions = data.of("ptsm_actions", pid)
    plan_dates = sorted({r["plan_date"] for r in data.of("ptsm_plan_history", pid)})
    n = len(actions)
    by_status = [{"status": s, "n": sum(1 for a in actions if a["statut"] == s),
                  "text": small_share(sum(1 for a in actions if a["statut"] == s), n)} for s in STATUSES]
    n_ctsm = sum(1 for a in actions if a["priorisee_ctsm"])
    progress = sorted(data.of("action_progress", pid), key=lambda r: r["to_date"])
    window_start = months_before(latest, WINDOW_MONTHS) if latest else None
    recent = [p for p in progress if window_start and p["to_date"] > window_start]
    keys = ["n_new", "n_dropped", "n_started", "n_completed", "n_abandoned"]
    total = {k: sum(p[k] for p in recent) for k in keys}
    history = defaultdict(lambda: [0, 0])
    for r in data.of("ptsm_plan_history", pid):
        history[r["plan_date"]][0] += 1 if r["covered"] else 0
        history[r["plan_date"]][1] += 1
    return {
        "latest_date": latest, "n_workbooks": len(plan_dates), "plan_dates": plan_dates, "n_current": n,
        "by_status": by_status, "n_implemented": sum(1 for a in actions if a["statut"] in IMPLEMENTED),
        "implemented_text": small_share(sum(1 for a in actions if a["statut"] in IMPLEMENTED), n),
        "ctsm_text": small_share(n_ctsm, n), "window_start": window_start, "recent": recent, "total": total,
        "last_pair": progress[-1] if progress else None,
        "priorities_history": [{"date": d, "covered": history[d][0], "of": history[d][1]} for d in plan_dates],
    }


def _coverage_counts(data: ReleaseData, mart: str, key: str) -> dict[tuple[str | None, Any], list[int]]:
    """(region or None for France, code) -> [PTSM covering, PTSM with a plan]; computed once per mart and release
    (a row whose `covered` is null belongs to a PTSM without a plan)."""
    cache = data.cache
    if (mart, key) not in cache:
        counts: dict[tuple[str | None, Any], list[int]] = defaultdict(lambda: [0, 0])
        for r in data.all(mart):
            if r["covered"] is None:
                continue
            for scope in (r["region_code"], None):
                counts[(scope, r[key])][0] += 1 if r["covered"] else 0
                counts[(scope, r[key])][1] += 1
        cache[(mart, key)] = [counts]
    return cache[(mart, key)][0]


def _coverage(data: ReleaseData, pid: str, region: str, mart: str, key: str, labels: dict[Any, str],
              blind: Iterable[Any] = ()) -> list[dict[str, Any]]:
    own = {r[key]: r for r in data.of(mart, pid)}
    counts = _coverage_counts(data, mart, key)
    out = []
    for code, label in labels.items():
        mine = own.get(code, {})
        rn, rb = counts.get((region, code), (0, 0))
        fn, fb = counts.get((None, code), (0, 0))
        out.append({"code": code, "label": label, "n_actions": mine.get("n_actions"),
                    "n_implemented": mine.get("n_actions_implemented"), "covered": mine.get("covered"),
                    "region": small_share(rn, rb, "PTSM") if rb else "aucun plan lisible",
                    "france": small_share(fn, fb, "PTSM") if fb else "aucun plan lisible",
                    "blind_spot": code in set(blind)})
    return out


def _funding(data: ReleaseData, pid: str, region: str) -> dict[str, Any]:
    cofunding = (data.of("ptsm_cofunding", pid) or [{}])[0]
    funder_labels = vocab.labels("financeur")
    groups = {r["code"]: r["grp"] for r in vocab.vocabulary_rows() if r["kind"] == "financeur"}
    by_funder: dict[str, float] = defaultdict(float)
    by_group: dict[str, float] = defaultdict(float)
    for r in data.of("ptsm_funding", pid):
        by_funder[r["funder"]] += r["montant_eur"] or 0
        by_group[r["funder_group"]] += r["montant_eur"] or 0
    funders = [{"label": funder_labels.get(code, code), "group": "Groupe ARS" if groups.get(code) == "ars" else
                "Autres financeurs", "eur": fr_eur(eur)}
               for code, eur in sorted(by_funder.items(), key=lambda kv: (-kv[1], kv[0]))]
    actions = data.of("ptsm_actions", pid)
    realised = sum(a["total_eur"] or 0 for a in actions if a["statut"] in IMPLEMENTED)
    planned = sum(a["total_eur"] or 0 for a in actions if a["statut"] not in IMPLEMENTED)

    def share(rows: list[dict[str, Any]]) -> str:
        total = sum(r["total_eur"] or 0 for r in rows)
        return fr_pct(sum(r["non_ars_eur"] or 0 for r in rows) / total) if total else "sans objet"

    region_rows = [r for r in data.all("ptsm_cofunding") if r["region_code"] == region]
    return {
        "known": bool(cofunding), "total": fr_eur(cofunding.get("total_eur")), "has_money": bool(cofunding.get("total_eur")),
        "ars": fr_eur(by_group.get("ars", 0)), "other": fr_eur(sum(v for k, v in by_group.items() if k != "ars")),
        "share_outside_ars": fr_pct(cofunding["cofunding_share"]) if cofunding and not is_missing(
            cofunding.get("cofunding_share")) else "sans objet",
        "region_share": share(region_rows), "france_share": share(list(data.all("ptsm_cofunding"))),
        "cofunded_text": small_share(cofunding.get("n_cofunded_actions"), cofunding.get("n_funded_actions")),
        "funded_text": small_share(cofunding.get("n_funded_actions"), cofunding.get("n_current_actions")),
        "tripartite_text": small_share(cofunding.get("n_tripartite_actions"), cofunding.get("n_current_actions")),
        "funders": funders, "realised": fr_eur(realised), "planned": fr_eur(planned),
        "n_realised_actions": sum(1 for a in actions if a["statut"] in IMPLEMENTED and (a["total_eur"] or 0) > 0),
        "n_planned_actions": sum(1 for a in actions if a["statut"] not in IMPLEMENTED and (a["total_eur"] or 0) > 0),
    }


def _employers(rows: list[dict[str, Any]]) -> dict[dt.date, str]:
    """Month end -> the employers (porteur, catalogue labels) of the people in post, in label order, `;`-separated."""
    labels = vocab.labels("porteur")
    by_month: dict[dt.date, set[str]] = defaultdict(set)
    for r in rows:
        by_month[r["snapshot_date"]].add(labels.get(r["porteur"], r["porteur"]) if r["porteur"] else UNKNOWN_EMPLOYER)
    return {day: " ; ".join(sorted(names)) for day, names in by_month.items()}


def _periods(months: list[dict[str, Any]], employers: dict[dt.date, str] | None = None) -> list[dict[str, Any]]:
    """Consecutive month ends with the same (in post, FTE, employer) grouped into periods, oldest first; `employers`
    None: the release does not say (the employer column then reads "inconnu")."""
    periods: list[dict[str, Any]] = []
    for m in sorted(months, key=lambda r: r["snapshot_date"]):
        employer = "" if m["vacant"] else (employers or {}).get(m["snapshot_date"], "inconnu")
        key = (m["coordinators_in_post"], round(m["fte_in_post"] or 0, 2), employer)
        if periods and periods[-1]["key"] == key:
            periods[-1]["end"] = m["snapshot_date"]
            periods[-1]["months"] += 1
        else:
            periods.append({"key": key, "start": m["snapshot_date"], "end": m["snapshot_date"], "months": 1})
    return [{"from": fr_month(p["start"]), "to": fr_month(p["end"]), "months": p["months"],
             "in_post": p["key"][0], "fte": fr_num(p["key"][1], 1), "vacant": p["key"][0] == 0,
             "employer": p["key"][2]} for p in periods]


def _coordination(data: ReleaseData, pid: str, overview: dict[str, Any]) -> dict[str, Any]:
    months = sorted(data.of("coordinator_vacancy_monthly", pid), key=lambda r: r["snapshot_date"])
    latest = months[-1] if months else None
    vacant = sum(1 for m in months if m["vacant"])
    known_employers = "coordinator_employer_monthly" not in data.missing
    employers = _employers(data.of("coordinator_employer_monthly", pid)) if known_employers else None
    return {
        "known": bool(months), "latest_date": latest["snapshot_date"] if latest else None,
        "in_post": latest["coordinators_in_post"] if latest else None,
        "fte": fr_num(latest["fte_in_post"], 1) if latest else "inconnu",
        "vacant_now": bool(latest and latest["vacant"]), "vacant_months": vacant, "n_months": len(months),
        "first_date": months[0]["snapshot_date"] if months else None,
        "periods": _periods(months, employers), "employers_known": known_employers,
        "employer_now": (employers or {}).get(latest["snapshot_date"]) if latest and not latest["vacant"] else None,
        "people_since_2021": overview.get("coordinators_since_2021"),
        "posts_cofunded": overview.get("coordinator_posts_cofunded"),
    }


def _milestones(overview: dict[str, Any], today: dt.date) -> dict[str, Any]:
    approved = overview.get("date_arrete_ptsm")
    signed = overview.get("date_signature_ctsm")
    horizon = add_years(approved, HORIZON_YEARS) if approved else None
    return {"approved": approved, "approved_text": fr_date(approved) if approved else "non renseigné",
            "signed": signed, "signed_text": fr_date(signed) if signed else "non signé à ce jour",
            "horizon": horizon, "horizon_text": fr_date(horizon) if horizon else "inconnue (PTSM non arrêté)",
            "horizon_passed": bool(horizon and horizon <= today)}


def _quality(data: ReleaseData, pid: str) -> list[dict[str, Any]]:
    files: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(data.of("quality_report", pid), key=lambda r: (r["source_file"], r["row_number"] or 0, r["field"])):
        f = from_quality_row(r["source_file"], r["row_number"], r["field"], r["value"], r["reason"])
        files.setdefault(r["source_file"], []).append(
            {"where": (f"{f.sheet}, " if f.sheet else "") + (f"ligne {f.row}" if f.row else "fichier entier"),
             "column": f.column, "problem": f.problem, "fix": f.fix})
    return [{"file": name, "findings": rows} for name, rows in files.items()]


def review(data: ReleaseData, pid: str) -> dict[str, Any]:
    """Everything one page shows, as values ready to print (French text where a number needs words)."""
    if pid not in data.overview:
        raise KeyError(f"PTSM inconnu de la publication {data.release_id} : {pid}")
    overview = data.overview[pid]
    region = overview["region_code"]
    latest = overview.get("actions_snapshot_date")
    produced = dt.date.fromisoformat(data.produced_at[:10]) if data.produced_at else dt.date.today()
    priorities = _coverage(data, pid, region, "ptsm_priority_coverage", "priority",
                           {p: f"{p}. {label}" for p, label in vocab.priority_labels().items()})
    publics = _coverage(data, pid, region, "ptsm_public_coverage", "public", vocab.labels("public"),
                        vocab.blind_spot_publics())
    return {
        "ptsm_id": pid, "name": overview["ptsm_nom"], "region_code": region, "region": data.regions.get(region, region),
        "release_id": data.release_id, "produced_at": fr_date(produced), "synthetic": data.synthetic,
        "synthetic_text": SYNTHETIC_TEXT, "has_plan": latest is not None,
        "latest_text": fr_date(latest) if latest else None,
        "plan": _plan(data, pid, latest),
        "priorities": priorities, "publics": publics,
        "priorities_missing": [p["label"] for p in priorities if p["covered"] is False],
        "blind_spots_missing": [p["label"] for p in publics if p["blind_spot"] and p["covered"] is False],
        # the report's thematic blind spots (ch. 4.1; addictions is a public), by the rule notebook 03 also reads
        "themes_missing": catalogue.thematic_blind_spots_missed(data.of("ptsm_actions", pid), pid),
        "funding": _funding(data, pid, region), "coordination": _coordination(data, pid, overview),
        "milestones": _milestones(overview, produced), "quality": _quality(data, pid),
    }


# --- writing ----------------------------------------------------------------------------------------------------

def _environment():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(fr_date=fr_date, fr_num=fr_num, fr_month=fr_month, count_noun=count_noun)
    return env


def render_review(values: dict[str, Any], *, links: bool = True, env=None) -> str:
    """The page of one review; `links=False` for a copy that travels alone (no link to the release's other pages).
    A page giving a percentage of a base under 20 is refused (ValueError), never published."""
    from pipelines.lib.reports.notebooks import SCROLL_FOCUS_SCRIPT

    page = (env or _environment()).get_template(TEMPLATE).render(r=values, links=links,
                                                                 scroll_focus_script=SCROLL_FOCUS_SCRIPT)
    wrong = small_base_violations(page)
    if wrong:
        raise ValueError(f"Bilan de {values['ptsm_id']} : pourcentage d'une base de moins de {REVIEW_SMALL_BASE} "
                         f"({'; '.join(wrong[:3])}) ; écrire « n sur base » (small_share)")
    from pipelines.lib.reports.prose import expand_acronyms

    return expand_acronyms(page)


def render_ptsm_reviews(release: Path, out_dir: Path, ptsm_ids: Iterable[str] | None = None, *,
                        reference_dir: Path | None = None, links: bool = True) -> list[Path]:
    """Write `<out_dir>/<PTSM-id>.html` for every PTSM of the release (or those given), atomically, mode 0644;
    `links=False` when the site has no regional profiles to link (a trimmed notebooks folder)."""
    data = load_release(release, reference_dir)
    env = _environment()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for pid in (list(ptsm_ids) if ptsm_ids is not None else sorted(data.overview)):
        target = out_dir / f"{pid}.html"
        write_atomic(target, render_review(review(data, pid), links=links, env=env), mode=0o644)
        written.append(target)
    return written


def standalone_review(release: Path, ptsm_id: str, *, reference_dir: Path | None = None) -> str:
    """One PTSM's review rendered on demand from `release`, without links to the release's other pages."""
    data = load_release(release, reference_dir)
    return render_review(review(data, ptsm_id), links=False)


def export_review(marts_dir: Path, ptsm_id: str, out_dir: Path, *, reference_dir: Path | None = None,
                  pdf: bool = True) -> list[Path]:
    """`ptsm export --ptsm`: one PTSM's review, from the current release, as a page that opens alone offline
    (`bilan_<PTSM-id>.html`) and, when Chromium is there and `pdf`, its A4 print (`bilan_<PTSM-id>.pdf`). An id the
    release does not know is a French error naming where the ids are."""
    from pipelines.lib.publish import release as releases
    from pipelines.lib.reviews import printing

    release = releases.current(Path(marts_dir))
    data = load_release(release, reference_dir)
    pid = str(ptsm_id).strip().upper()
    if pid not in data.overview:
        raise ValueError(f"PTSM inconnu : {ptsm_id!r}. Identifiants valides : ceux du registre "
                         f"(data/reference/ptsm_registry.csv), par exemple {', '.join(sorted(data.overview)[:3])}.")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = write_atomic(out_dir / f"bilan_{pid}.html", render_review(review(data, pid), links=False), mode=0o644)
    if pdf and printing.available() is None:
        return [target, *printing.print_pdfs([target], out_dir)]
    return [target]
