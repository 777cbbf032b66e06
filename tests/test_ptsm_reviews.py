"""PTSM reviews (issue 24) on the hand-made export set tests/fixtures/exports/reviews (see make_review_fixtures.py for
each value): a PTSM with two workbooks twelve months apart (PTSM-01), one workbook and a vacant post (PTSM-03), no
workbook at all (PTSM-02). Every expected figure below is worked out by hand from those files."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from pipeline_runner import PROJECT_ROOT, materialise
from pipelines.lib.reviews import ptsm_reviews as pr

REVIEW_EXPORTS = PROJECT_ROOT / "tests" / "fixtures" / "exports" / "reviews"
NNBSP = "\u202f"


def text_of(page: str) -> str:
    """The page as a reader reads it: tags and styles dropped, spaces collapsed."""
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


# --- small numbers (no refresh needed) ---------------------------------------------------------------------------

def test_small_bases_are_counts_never_percentages():
    assert pr.small_share(3, 12) == "3 actions sur 12"
    assert pr.small_share(1, 1) == "1 action sur 1"
    assert pr.small_share(0, 19, "PTSM") == "0 PTSM sur 19"
    assert pr.small_share(9, 20) == f"45{NNBSP}% (9 sur 20)"  # 20 is the first base given as a share
    assert pr.small_share(0, 0) == "inconnu" and pr.small_share(None, 4) == "inconnu"


def test_the_published_page_check_refuses_a_percentage_of_a_small_base():
    # why: the rule is checked on every rendered page; this proves the check can fail
    assert pr.small_base_violations(f"<td>25{NNBSP}% (3 sur 12)</td> 45{NNBSP}% (9 sur 20)") == [
        f"25{NNBSP}% (3 sur 12)".replace(NNBSP, " ")]
    assert pr.small_base_violations("3 actions sur 12 ; 100 % (104 sur 104)") == []


def test_horizon_and_window_dates():
    import datetime as dt

    assert pr.add_years(dt.date(2020, 2, 29), 5) == dt.date(2025, 2, 28)
    assert pr.months_before(dt.date(2024, 3, 31), 12) == dt.date(2023, 3, 31)
    assert pr.months_before(dt.date(2024, 3, 31), 1) == dt.date(2024, 2, 29)


def test_no_survey_mart_is_ever_read():
    # why: the survey is published only at national and (disclosure-controlled) regional level, never per PTSM
    assert not [m for m in pr.MARTS if m.startswith("survey")]


# --- the hand-made exports, refreshed once -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def reviews(tmp_path_factory):
    root = tmp_path_factory.mktemp("reviews")
    raw = root / "raw"
    shutil.copytree(REVIEW_EXPORTS, raw)
    run = materialise(root / "site", raw)
    assert run.returncode == 0, run.output
    release = run.marts.resolve()
    data = pr.load_release(release)
    pages = pr.render_ptsm_reviews(release, root / "pages")
    return {"data": data, "release": release, "pages": {p.stem: p.read_text(encoding="utf-8") for p in pages}}


@pytest.mark.slow
def test_every_ptsm_of_the_registry_gets_a_page(reviews):
    assert len(reviews["pages"]) == 104
    for pid, page in reviews["pages"].items():
        assert '<html lang="fr">' in page and f"({pid})" in page
        assert "<caption>" in page and "<h1>" in page
        assert "SYNTHÉTIQUES" not in page  # these exports are not the sample


@pytest.mark.slow
def test_two_workbooks_twelve_months_apart_count_each_change(reviews):
    r = pr.review(reviews["data"], "PTSM-01")
    plan = r["plan"]
    assert plan["n_workbooks"] == 2 and plan["n_current"] == 4
    assert {s["status"]: s["n"] for s in plan["by_status"]} == {"Non démarrée": 1, "En cours": 1, "Réalisée": 2,
                                                                "Reportée": 0}
    assert plan["implemented_text"] == "3 actions sur 4"
    assert [(str(p["from_date"]), str(p["to_date"])) for p in plan["recent"]] == [("2023-03-31", "2024-03-31")]
    assert plan["total"] == {"n_new": 1, "n_dropped": 1, "n_started": 2, "n_completed": 2, "n_abandoned": 1}
    assert [(h["covered"], h["of"]) for h in plan["priorities_history"]] == [(5, 6), (4, 6)]
    text = text_of(reviews["pages"]["PTSM-01"])
    assert "Classeurs comparés : du 31 mars 2023 au 31 mars 2024" in text
    assert ("En tout : 1 action nouvelle, 1 retirée sans être déclarées abandonnées, 2 démarrées, 2 réalisées, "
            "1 abandonnée.") in text
    assert "5 sur 6 au 31 mars 2023 ; 4 sur 6 au 31 mars 2024" in text


@pytest.mark.slow
def test_coverage_against_region_and_france_and_blind_spots(reviews):
    r = pr.review(reviews["data"], "PTSM-01")
    # region 84 has two PTSM with a plan (01 and 03); PTSM-02 (region 32) has none, so France is the same two
    by_priority = {c["code"]: (c["n_actions"], c["region"], c["france"]) for c in r["priorities"]}
    assert by_priority[1] == (1, "2 PTSM sur 2", "2 PTSM sur 2")
    assert by_priority[3] == (1, "1 PTSM sur 2", "1 PTSM sur 2")
    assert by_priority[4] == (0, "0 PTSM sur 2", "0 PTSM sur 2")  # A4 was abandoned
    assert r["priorities_missing"] == ["4. Crise et urgence", "5. Droits, pouvoir d'agir"]
    assert "Périnatalité" not in r["blind_spots_missing"] and "Personnes âgées" in r["blind_spots_missing"]
    assert len(r["blind_spots_missing"]) == 7  # 8 blind-spot publics, perinatality covered by A6
    assert r["themes_missing"] == ["soins de premier recours", "soins sans consentement", "insertion (logement)",
                                   "insertion (emploi)"]  # prevention covered by A6
    other_region = pr.review(reviews["data"], "PTSM-02")
    assert {c["region"] for c in other_region["priorities"]} == {"aucun plan lisible"}


@pytest.mark.slow
def test_funding_keeps_planned_and_realised_apart(reviews):
    f = pr.review(reviews["data"], "PTSM-01")["funding"]
    eur = lambda n: f"{n}{NNBSP}€".replace(" ", NNBSP)  # noqa: E731
    assert (f["total"], f["ars"], f["other"]) == (eur("38 000"), eur("30 000"), eur("8 000"))  # A4 abandoned: out
    assert f["share_outside_ars"] == f"21{NNBSP}%"  # 8 000 / 38 000 (euros, not a count of PTSM)
    assert f["cofunded_text"] == "1 action sur 3" and f["funded_text"] == "3 actions sur 4"
    assert (f["realised"], f["n_realised_actions"]) == (eur("35 000"), 2)  # A1 (en cours) + A2 (réalisée)
    assert (f["planned"], f["n_planned_actions"]) == (eur("3 000"), 1)  # A6, not started
    assert [x["label"] for x in f["funders"]][:1] == ["ARS – Fonds d'intervention régional (FIR)"]


@pytest.mark.slow
def test_one_workbook_says_what_cannot_be_shown_yet_and_a_vacant_post(reviews):
    r = pr.review(reviews["data"], "PTSM-03")
    assert r["plan"]["n_workbooks"] == 1 and r["plan"]["recent"] == []
    text = text_of(reviews["pages"]["PTSM-03"])
    assert "Un seul classeur lisible a été reçu (daté du 31 mars 2024)" in text
    assert "ne peut pas encore être montrée" in text
    c = r["coordination"]
    assert c["vacant_now"] and c["vacant_months"] == 9 and c["n_months"] == 39  # July 2023 - March 2024
    assert [(p["from"], p["to"], p["months"], p["vacant"]) for p in c["periods"]] == [
        ("janvier 2021", "juin 2023", 30, False), ("juillet 2023", "mars 2024", 9, True)]
    assert "Le poste de coordination est vacant au 31 mars 2024" in text
    assert "vacant 9 mois sur 39" in text
    assert "Bruno" not in reviews["pages"]["PTSM-03"]  # no name, ever
    # its quarantined row (priority 9) is an open problem on its review, with how to fix it
    assert [f["file"] for f in r["quality"]] == ["fiches_actions/PTSM-03_allier_2024-03-31.xlsx"]
    assert r["quality"][0]["findings"][0]["where"] == "actions, ligne 4"
    assert "priorité hors de 1-6" in text
    assert r["milestones"]["signed_text"] == "non signé à ce jour"
    assert r["milestones"]["horizon_text"] == "10 janvier 2026"


@pytest.mark.slow
def test_no_workbook_at_all(reviews):
    r = pr.review(reviews["data"], "PTSM-02")
    assert not r["has_plan"] and r["plan"]["n_current"] == 0
    text = text_of(reviews["pages"]["PTSM-02"])
    assert "Aucun classeur « fiches actions » lisible n'a été reçu pour ce PTSM" in text
    assert "Sans classeur lisible, les financements des actions ne peuvent pas être montrés." in text
    c = r["coordination"]
    assert (c["vacant_months"], c["in_post"], c["fte"]) == (12, 1, "0,5")
    assert r["milestones"]["approved_text"] == "non renseigné"
    assert r["milestones"]["horizon_text"] == "inconnue (PTSM non arrêté)"
    assert r["quality"] == []


@pytest.mark.slow
def test_the_post_history_names_its_employer_and_when_it_changed(reviews):
    """Issue 24 "Coordination: ... employer": PTSM-02's post moved from a DAC to an ESMS (the roster writes the
    synonym) on 1 July 2023, same person, same FTE; the page names the catalogue's labels, never the person."""
    c = pr.review(reviews["data"], "PTSM-02")["coordination"]
    assert [(p["from"], p["to"], p["months"], p["vacant"], p["employer"]) for p in c["periods"]] == [
        ("janvier 2021", "décembre 2021", 12, True, ""),
        ("janvier 2022", "juin 2023", 18, False, "DAC"),
        ("juillet 2023", "mars 2024", 9, False, "Établissement médico-social")]
    assert c["employer_now"] == "Établissement médico-social" and c["employers_known"]
    text = text_of(reviews["pages"]["PTSM-02"])
    assert "employeur (porteur) : Établissement médico-social" in text
    assert ("de janvier 2022 à juin 2023 18 1 0,5 DAC (dispositif d'appui à la coordination) "  # acronym at first use
            "de juillet 2023 à mars 2024 9 1 0,5 Établissement médico-social") in text
    assert "1 personne a occupé le poste depuis 2021 et 0 poste en cours" in text  # (was "2021et")
    assert "Chloé" not in reviews["pages"]["PTSM-02"] and "ESMS" not in text  # no name; the label, not the synonym
    vacant = pr.review(reviews["data"], "PTSM-03")["coordination"]  # vacant now: no employer given for the gap
    assert vacant["employer_now"] is None and vacant["periods"][0]["employer"] == "Association"
    # the published rows behind it: the mart, per month end, and the regional rule that serves it
    rows = [(str(r["snapshot_date"]), r["porteur"]) for r in reviews["data"].of("coordinator_employer_monthly", "PTSM-02")]
    assert rows[0] == ("2022-01-31", "DAC") and rows[17:19] == [("2023-06-30", "DAC"),
                                                                ("2023-07-31", "Établissement médico-social")]
    assert len(rows) == 27


def test_a_release_without_the_employer_mart_says_so():
    # an older release (before coordinator_employer_monthly) still renders: employer "inconnu", and a note
    import datetime as dt

    months = [{"snapshot_date": dt.date(2024, 1, 31), "coordinators_in_post": 1, "fte_in_post": 1.0, "vacant": False}]
    assert [p["employer"] for p in pr._periods(months, None)] == ["inconnu"]
    assert [p["employer"] for p in pr._periods(months, {dt.date(2024, 1, 31): "ARS"})] == ["ARS"]


@pytest.mark.slow
def test_milestones_five_year_horizon(reviews):
    m = pr.review(reviews["data"], "PTSM-01")["milestones"]
    assert (m["approved_text"], m["signed_text"], m["horizon_text"]) == ("29 février 2020", "15 juin 2021",
                                                                         "28 février 2025")


@pytest.mark.slow
def test_unknown_ptsm_is_a_french_error(reviews):
    with pytest.raises(KeyError, match="PTSM inconnu"):
        pr.review(reviews["data"], "PTSM-999")


# --- delivered alone: the export and the API ---------------------------------------------------------------------

@pytest.mark.slow
def test_export_writes_one_review_that_opens_alone(reviews, tmp_path):
    written = pr.export_review(reviews["release"], "ptsm-03", tmp_path)  # the id is case-insensitive
    assert [p.name for p in written] == ["bilan_PTSM-03.html", "bilan_PTSM-03.pdf"]  # Chromium prints the PDF
    assert written[1].read_bytes().startswith(b"%PDF-")
    page = written[0].read_text(encoding="utf-8")
    assert "../regions/" not in page and "../index.html" not in page  # no link into a release it travels without
    assert "Un seul classeur lisible a été reçu" in text_of(page)
    with pytest.raises(ValueError, match="PTSM inconnu"):
        pr.export_review(reviews["release"], "PTSM-999", tmp_path)


@pytest.fixture(scope="module")
def api(reviews, tmp_path_factory):
    from fastapi.testclient import TestClient

    from pipelines.api import tokens
    from pipelines.api.app import create_app

    root = tmp_path_factory.mktemp("reviews-api")
    store = root / "api_tokens.json"
    keys = {"national": tokens.create_token(store, region=None, national=True)[0],
            "84": tokens.create_token(store, region="84", national=False)[0],
            "32": tokens.create_token(store, region="32", national=False)[0],
            # PTSM-01's deposit token, as `ptsm token create --ptsm PTSM-01 --deposit` makes it (portal, issue 23)
            "deposit-01": tokens.create_token(store, ptsm="PTSM-01", region="84")[0]}
    marts = root / "marts"
    marts.symlink_to(reviews["release"])
    with TestClient(create_app(marts, store)) as client:
        yield client, keys


def get_review(api, token: str | None, ptsm: str):
    client, keys = api
    headers = {"Authorization": f"Bearer {keys[token]}"} if token else {}
    return client.get(f"/v1/ptsm/{ptsm}/review", headers=headers)


@pytest.mark.slow
def test_the_api_serves_a_review_to_national_and_its_region_only(api):
    ok = get_review(api, "national", "PTSM-01")
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/html")
    assert "Bilan annuel du PTSM — PTSM Ain" in ok.text and "../regions/" not in ok.text
    assert get_review(api, "84", "PTSM-01").status_code == 200  # Ain is in region 84
    assert get_review(api, "84", "PTSM-03").status_code == 200
    denied = get_review(api, "84", "PTSM-02")  # Aisne is in region 32
    assert (denied.status_code, denied.json()["error"]["code"]) == (403, "forbidden_ptsm")
    assert get_review(api, "32", "PTSM-02").status_code == 200
    assert get_review(api, "32", "PTSM-01").status_code == 403
    assert get_review(api, None, "PTSM-01").status_code == 401
    for bad in ("PTSM-999", "ptsm_overview", "PTSM-01%00"):
        response = get_review(api, "national", bad)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "unknown_ptsm")
    assert get_review(api, "national", "..%2F..%2Fsecret").status_code == 404  # never reaches a path


@pytest.mark.slow
def test_a_regional_token_reads_the_employer_mart_of_its_region_only(api):
    client, keys = api
    seen = {}
    for region in ("84", "32"):
        response = client.get("/v1/marts/coordinator_employer_monthly", params={"limit": 1000},
                              headers={"Authorization": f"Bearer {keys[region]}"})
        assert response.status_code == 200, response.text
        rows = response.json()["rows"]
        seen[region] = ({(r["ptsm_id"], r["region_code"]) for r in rows}, len(rows))
        assert "coordonnateur" not in rows[0] and "coordonnateur_id" not in rows[0]  # never a name nor its pseudonym
    # region 84: PTSM-01 in post all 39 month ends, PTSM-03 until June 2023 (30); region 32: PTSM-02 from 2022 (27)
    assert seen == {"84": ({("PTSM-01", "84"), ("PTSM-03", "84")}, 39 + 30), "32": ({("PTSM-02", "32")}, 27)}


@pytest.mark.slow
def test_a_deposit_token_reads_its_own_ptsm_s_review_and_nothing_else(api):
    """Issue 24: a PTSM's deposit token gets its own review; not another PTSM's of the same region, nor any mart."""
    assert get_review(api, "deposit-01", "PTSM-01").status_code == 200
    denied = get_review(api, "deposit-01", "PTSM-03")  # same region (84), another PTSM
    assert (denied.status_code, denied.json()["error"]["code"]) == (403, "forbidden_ptsm")
    client, keys = api
    for path in ("/v1/marts/ptsm_overview", "/v1/marts", "/v1/regions/84/profile"):
        assert client.get(path, headers={"Authorization": f"Bearer {keys['deposit-01']}"}).status_code == 401, path


def test_the_review_rule_on_each_kind_of_reader():
    from pipelines.api.routes.review import may_read_review
    from pipelines.api.tokens import DEPOSIT, NATIONAL, REGIONAL, Principal

    deposit = Principal("t1", DEPOSIT, "84", "dépôt PTSM-01", ptsm="PTSM-01")
    assert may_read_review(deposit, "PTSM-01", "84")
    assert not may_read_review(deposit, "PTSM-03", "84")  # same region, another PTSM
    regional = Principal("t2", REGIONAL, "84", "ORS")
    assert may_read_review(regional, "PTSM-03", "84") and not may_read_review(regional, "PTSM-02", "32")
    assert may_read_review(Principal("t3", NATIONAL, None, "DMSMP"), "PTSM-02", "32")
    assert not may_read_review(Principal("t4", "autre", None, ""), "PTSM-02", "32")  # unknown scope: closed