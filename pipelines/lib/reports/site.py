"""Where the published site's pages live, read by both the reports' home page (`notebooks.index_html`) and the
regional profiles' renderer (`regional_profiles`).

Why its own module: the home page lists the profiles present while the profiles reuse the reports' exporter, so
keeping this layout in either module made `notebooks` and `regional_profiles` import each other. This module imports
neither.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.lib.catalogue import reference

PROFILES_DIR = "regions"


def region_codes(reference_dir: Path | None = None) -> list[str]:
    """The INSEE region codes of the reference data, in COG order."""
    return reference.region_codes(reference_dir)


def rendered_profiles(reports_dir: Path) -> list[tuple[str, str]]:
    """(code, French name) of the profiles present in `<reports_dir>/regions/`, in COG order: the home page's list."""
    from pipelines.lib.reports.marts_reader import region_names

    folder = Path(reports_dir) / PROFILES_DIR
    names = region_names()
    return [(code, names.get(code, code)) for code in region_codes() if (folder / f"{code}.html").is_file()]
