"""How old the published marts are, read from when their content was last produced or checked unchanged.

A refresh of unchanged exports reuses the release (same content, same id) and keeps its first manifest, so its
`produced_at` ages while refreshes succeed every month; each such refresh records `checked_at` instead
(pipelines/lib/publish/release.py). The daily freshness check (pipelines/defs/freshness.py, an alert when old) and
`ptsm health` both read the age here, so they agree.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipelines.lib.core.config import get_automation_settings, get_settings
from pipelines.lib.publish.release import last_checked, read_manifest, ReleaseError


def marts_age_days(marts_dir: Path, now: dt.datetime) -> float | None:
    """Days since the published release was produced or last checked unchanged; None when nothing is published."""
    if not (Path(marts_dir) / "manifest.json").is_file():
        return None
    try:
        moment = last_checked(read_manifest(marts_dir))
    except ReleaseError:
        return None
    return None if moment is None else (now - moment).total_seconds() / 86400


def age_line(marts_dir: Path, age: float | None, limit: float) -> str:
    """The French line of the freshness check and of `ptsm health`."""
    if age is None:
        return f"aucune publication lisible dans {marts_dir}"
    manifest = read_manifest(marts_dir)
    if manifest.get("checked_at"):
        return (f"publication produite le {str(manifest.get('produced_at'))[:10]}, vérifiée il y a {age:.1f} jours "
                f"(seuil {limit:g} jours)")
    return f"publication produite il y a {age:.1f} jours (seuil {limit:g} jours)"


def marts_health(now: dt.datetime | None = None) -> int:
    """`ptsm health`: print the publication's age; 1 (degraded) when it is older than PTSM_MARTS_MAX_AGE_DAYS.
    No publication at all is printed but not degraded (a fresh installation before its first refresh)."""
    marts_dir, limit = get_settings().marts_dir, get_automation_settings().marts_max_age_days
    age = marts_age_days(marts_dir, now or dt.datetime.now(dt.timezone.utc))
    print(f"Publication : {age_line(marts_dir, age, limit)}.")
    return 1 if age is not None and age > limit else 0
