"""How long the tests may take: the default run, or the long budgets (`uv run pytest --long` / PTSM_LONG_TESTS=1).

`LONG` is set by tests/conftest.py from the option before any test module is imported, so a module may read it at
import time (budget.LONG) to choose a number of trials, examples or browser widths. Tests that only exist in the long
run are marked `@pytest.mark.long` instead.
"""

from __future__ import annotations

import os

ENV = "PTSM_LONG_TESTS"


def from_environment() -> bool:
    return os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes")


LONG = from_environment()

# The pages of the sample site the default run opens in the browser itself. Every release's own page check
# (pipelines/lib/reports/report_check.check_site, recorded in its `page_checks.json`) already opened the home page,
# every numbered report and the longest and shortest regional profiles at 390 px (script errors, charts drawn, chart
# texts, reflow, English toolbar, axe-core, the A4 print fit) and read every page statically; the tests assert on that
# record and look themselves at one page of each kind: the home page, the synthesis (three maps, the largest page),
# report 03 (its legend once covered an axis title at 390 px) and a middle-sized profile the check does not open.
# With the long budgets they open every page.
REPRESENTATIVE_PAGES = ("index.html", "00_synthese.html", "03_couverture_priorites_publics.html", "regions/84.html")


def site_pages(pages: list, site) -> list:
    """`pages` (paths of the sample site, in their order) with the long budgets; the representative ones otherwise."""
    if LONG:
        return list(pages)
    return [p for p in pages if p.relative_to(site).as_posix() in REPRESENTATIVE_PAGES]
