"""The two HTML routes of the API (a regional profile, a PTSM review) share one access rule (`access.reads_region`)
and one render-cache-send helper (`responses.send_page`): duplicate D6 of the round-3 review."""

from __future__ import annotations

from pipelines.api.access import reads_region
from pipelines.api.tokens import DEPOSIT, NATIONAL, REGIONAL, Principal


def test_a_page_of_a_region_is_for_national_tokens_and_that_region_s_token_only():
    assert reads_region(Principal("n", NATIONAL, None, "DMSMP"), "84")
    assert reads_region(Principal("r", REGIONAL, "84", "ORS"), "84")
    assert not reads_region(Principal("r", REGIONAL, "84", "ORS"), "93")
    assert not reads_region(Principal("r", REGIONAL, None, "ORS sans région"), None)  # no region: nothing
    # a deposit token carries its PTSM's region, yet reads no page of that region through this rule
    assert not reads_region(Principal("d", DEPOSIT, "84", "dépôt PTSM-01", ptsm="PTSM-01"), "84")
    assert not reads_region(Principal("x", "autre", "84", ""), "84")  # an unknown scope: closed


def test_both_html_routes_use_the_shared_helpers():
    from pathlib import Path

    routes = Path(__file__).resolve().parents[1] / "pipelines" / "api" / "routes"
    for name in ("profile.py", "review.py"):
        source = (routes / name).read_text(encoding="utf-8")
        assert "send_page(" in source and "reads_region" in source, name
        assert "state.cache" not in source, name  # the cache is the helper's
