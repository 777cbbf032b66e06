"""Issue 22 §1: identical content gives the same release and keeps its first manifest, so freshness read the old
`produced_at` and warned "older than 40 days" while refreshes succeeded every month. Each refresh that finds the
content unchanged records `checked_at` ("vérifiée le"), and freshness (the daily check, `ptsm health`) reads it."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from pipelines.lib.ops.freshness import marts_age_days, marts_health
from pipelines.lib.publish import publisher as publish
from pipelines.lib.publish import release as releases

sys.path.insert(0, str(Path(__file__).parent))
from test_automation_alerts import _freshness, site  # noqa: E402,F401 (fixture)
from test_publish import MARTS, _warehouse  # noqa: E402

T0 = dt.datetime(2026, 1, 31, 12, 0, tzinfo=dt.timezone.utc)
T1 = dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.timezone.utc)  # 59 days later: past the 40-day threshold


def _publish(marts_dir: Path, produced_at: dt.datetime, run_id: str) -> Path:
    return publish.publish_release(_warehouse(), MARTS, marts_dir, synthetic=True, input_label="sample",
                                   produced_at=produced_at, models=[], run_id=run_id)


def test_an_unchanged_release_records_when_it_was_checked(tmp_path, monkeypatch, capsys):
    marts_dir = tmp_path / "marts"
    first = _publish(marts_dir, T0, "run-1")
    before = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    assert "checked_at" not in before
    again = _publish(marts_dir, T1, "run-2")
    assert again == first
    after = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    # the first manifest is kept (produced_at, run, files, verdict), plus the check
    assert {k: v for k, v in after.items() if k not in ("checked_at", "checked_run_id")} == before
    assert (after["produced_at"], after["checked_at"], after["checked_run_id"]) == \
        ("2026-01-31T12:00:00+00:00", "2026-03-31T12:00:00+00:00", "run-2")
    assert releases.verify(first)  # the data files are untouched

    # freshness: 2 days after the check, not 61 days after production
    now = T1 + dt.timedelta(days=2)
    assert marts_age_days(marts_dir, now) == 2.0
    monkeypatch.setenv("PTSM_MARTS_DIR", str(marts_dir))
    assert marts_health(now) == 0
    assert capsys.readouterr().out == \
        "Publication : publication produite le 2026-01-31, vérifiée il y a 2.0 jours (seuil 40 jours).\n"
    assert marts_health(T1 + dt.timedelta(days=41)) == 1

    [entry] = releases.list_releases(marts_dir)
    assert (entry["produced_at"], entry["checked_at"]) == ("2026-01-31T12:00:00+00:00", "2026-03-31T12:00:00+00:00")
    from pipelines.releases_cli import _line
    assert "produite le 2026-01-31 12:00 UTC, vérifiée le 2026-03-31 12:00 UTC" in _line(entry)


def test_the_daily_freshness_check_reads_checked_at(site):  # noqa: F811
    now = dt.datetime.now(dt.timezone.utc)
    (site / "marts" / "manifest.json").write_text(json.dumps({
        "produced_at": (now - dt.timedelta(days=90)).isoformat(timespec="seconds"),
        "checked_at": (now - dt.timedelta(days=3)).isoformat(timespec="seconds")}))
    marts = _freshness(site, None)["marts_freshness"]
    assert marts.passed is True
    assert marts.description == (f"publication produite le {(now - dt.timedelta(days=90)).date().isoformat()}, "
                                 f"vérifiée il y a 3.0 jours (seuil 40 jours)")
