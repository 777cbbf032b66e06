"""Issue 20 §4: a plain mart request is answered without FastAPI's dependency solving (pipelines/api/direct.py),
and its answer is exactly the route's: status, headers and bytes, for every mart, reader, format and filter, errors
included; limits and release consistency hold on that path as on the route."""

from __future__ import annotations

import importlib.util
import itertools
import threading
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from pipelines.api import direct
from pipelines.api.cache import ResponseCache

_spec = importlib.util.spec_from_file_location(
    "api_robustness", Path(__file__).parent / "test_api_robustness.py")
robust = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(robust)
fake = robust.fake

ORIGINAL = direct.mart_request


class Counting:
    """Counts the requests answered by the direct path (direct.serve), so a test knows which path answered."""

    def __init__(self, monkeypatch):
        self.calls = 0
        original = direct.serve

        async def serve(*args, **kwargs):
            self.calls += 1
            return await original(*args, **kwargs)

        monkeypatch.setattr(direct, "serve", serve)


def _answer(site, monkeypatch, path: str, token: str | None, params, use_direct: bool):
    """One request on empty caches (no replay), through the direct path or through FastAPI's route."""
    state = site.app.state.api
    state.cache, state.rendered, state.masked = ResponseCache(), ResponseCache(), ResponseCache()
    monkeypatch.setattr(direct, "mart_request", ORIGINAL if use_direct else (lambda scope: None))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = site.client.get(path, params=params, headers=headers)
    return response.status_code, sorted(response.headers.items()), response.content


def _both(site, monkeypatch, path, token, params):
    counting = Counting(monkeypatch)
    fast = _answer(site, monkeypatch, path, token, params, True)
    took_direct = counting.calls
    slow = _answer(site, monkeypatch, path, token, params, False)
    assert counting.calls == took_direct  # the reference answer did not use the direct path
    return fast, slow, took_direct


REQUESTS = [  # (params, answered by the direct path)
    ({}, True),
    ({"format": "csv"}, True),
    ({"format": "parquet"}, True),
    ({"format": "json", "limit": "3", "offset": "2"}, True),
    ({"limit": "0"}, True),
    ({"limit": "5", "offset": "100000"}, True),
    ({"region": "93"}, True),
    ({"region": "11"}, True),
    ({"region": "all"}, True),
    ({"region": "zz"}, True),
    ({"region": ""}, True),
    ({"ptsm": "PTSM-13"}, True),
    ({"ptsm": "PTSM-13", "format": "csv"}, True),
    ({"ptsm": "PTSM-999"}, True),
    ({"ptsm": "PTSM-01", "region": "93"}, True),
    ({"select": "region_code"}, True),
    ({"select": "region_code,region_code"}, True),
    ({"select": "nope"}, True),
    ({"select": ""}, True),
    ({"regoin": "93"}, True),
    ({"vacant": "true"}, True),
    ({"vacant": "peut-être"}, True),
    ({"n": "3"}, True),
    ({"question": "contrat", "format": "parquet"}, True),
    ({"format": "xml"}, False),  # FastAPI words these: the application answers them
    ({"limit": "abc"}, False),
    ({"limit": "-1"}, False),
    ({"limit": "100001"}, False),
    ({"limit": "+3"}, False),
    ({"offset": "1000000001"}, False),
    ({"format": ["csv", "json"]}, False),
    ({"region": ["93", "11"]}, False),
]


def _same_answers(site, monkeypatch, marts: list[str], readers: tuple) -> int:
    """Every request of REQUESTS on every mart for every reader: the direct path's answer is the route's; how many
    it answered."""
    taken = 0
    for mart, token, (params, plain) in itertools.product(marts, readers, REQUESTS):
        fast, slow, took_direct = _both(site, monkeypatch, f"/v1/marts/{mart}", token, params)
        assert fast == slow, (mart, params, fast[:2], slow[:2])
        assert took_direct == (plain and mart != ""), (mart, params)
        taken += took_direct
    return taken


def test_a_regional_reader_gets_the_same_answer_through_the_direct_path_as_through_the_route(tmp_path, monkeypatch):
    site = robust.Site(tmp_path)
    taken = _same_answers(site, monkeypatch, ["survey_results_region", "quality_report"], (site.paca,))
    assert taken == 2 * sum(plain for _, plain in REQUESTS)


@pytest.mark.slow
def test_every_mart_answers_the_same_bytes_and_headers_through_the_direct_path_as_through_the_route(
        tmp_path, monkeypatch):
    site = robust.Site(tmp_path)
    marts = [*fake._tables(1), "no_such_mart", ""]
    taken = _same_answers(site, monkeypatch, marts, (site.national, site.paca))
    assert taken > 300  # the property covered the direct path, not only the fall-backs
    statuses = {_answer(site, monkeypatch, f"/v1/marts/{m}", site.paca, {}, True)[0] for m in marts}
    assert statuses == {200, 403, 404}  # regional token: served, national-only refused, unknown mart


def test_without_a_valid_token_the_direct_path_is_not_taken_and_the_route_refuses(tmp_path, monkeypatch):
    site = robust.Site(tmp_path)
    counting = Counting(monkeypatch)
    for token in (None, "ptsm_faux", site.paca + "x"):
        status, headers, _ = _answer(site, monkeypatch, "/v1/marts/ptsm_overview", token, {}, True)
        assert status == 401 and ("www-authenticate", "Bearer") in headers
    two = site.client.get("/v1/marts/ptsm_overview", headers=[("Authorization", f"Bearer {site.paca}"),
                                                                ("Authorization", f"Bearer {site.national}")])
    assert two.json()["total"] == 6  # the first header counts, as in the route: never the national view
    assert counting.calls == 0


def test_the_direct_path_counts_requests_and_bytes_against_the_token(tmp_path, monkeypatch):
    site = robust.Site(tmp_path, rate_per_minute=3)
    counting = Counting(monkeypatch)
    in_93 = [r["ptsm_id"] for r in fake.registry() if r["region_code"] == "93"]
    outside = next(r["ptsm_id"] for r in fake.registry() if r["region_code"] != "93")
    statuses = [site.get("/v1/marts/ptsm_overview", site.paca, params={"ptsm": p}).status_code
                for p in (in_93[0], outside, in_93[1], in_93[2])]  # four filters never seen: no replay
    assert statuses == [200, 403, 200, 429]  # a refused request counts too
    assert counting.calls == 4
    limited = site.get("/v1/marts/ptsm_overview", site.paca, params={"ptsm": in_93[3]})
    assert limited.json()["error"]["code"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1

    site = robust.Site(tmp_path / "bytes", bytes_per_minute=10_000)
    first = site.get("/v1/marts/coordinator_vacancy_monthly", site.national, params={"format": "csv"})
    assert first.status_code == 200 and len(first.content) > 10_000  # one answer may exceed the budget ...
    after = site.get("/v1/marts/coordinator_vacancy_monthly", site.national, params={"ptsm": "PTSM-13"})
    assert after.status_code == 429 and after.json()["error"]["code"] == "rate_limited_bytes"  # ... not the next


def test_a_filter_answered_in_memory_equals_the_sql_over_the_published_file_on_every_mart(tmp_path):
    """The direct path selects rows of the masked mart in memory (MartQuery.apply); MartQuery.sql states the same
    request over the Parquet file: both agree on every mart, for the filters a client sends."""
    from pipelines.api.query import MartQuery
    from pipelines.api.routes.marts import fetch

    site = robust.Site(tmp_path)
    state = site.app.state.api
    release = state.publications.current()
    db = duckdb.connect()
    checked = 0
    for mart in release.marts:
        columns = release.columns[mart]
        names = [n for n, _ in columns]
        table = pq.read_table(release.parquet(mart))
        for filters in _filters_of(table, names):
            for region in (None, "93") if "region_code" in names else (None,):
                query = MartQuery(mart=mart, columns=columns, region=region, filters=filters, limit=7, offset=1)
                sql, params = query.sql(release.parquet(mart))
                expected = db.sql(sql, params=params).to_arrow_table()
                masked = fetch(state, release, query.masked_sql(f"mart_{mart}"), [], mart=mart)
                page, total = query.apply(masked)
                assert page.to_pylist() == expected.to_pylist(), (mart, filters, region)
                count_sql, count_params = query.count_sql(release.parquet(mart))
                assert total == db.sql(count_sql, params=count_params).fetchall()[0][0]
                checked += 1
    assert checked > 40


def _filters_of(table: pa.Table, names: list[str]) -> list[dict]:
    """No filter, then for each column one value it holds and two of them (as a client would send them)."""
    out: list[dict] = [{}]
    for name in names:
        values = [v for v in table.column(name).to_pylist() if v is not None][:2]
        text = ["true" if v is True else "false" if v is False else str(v) for v in values]
        if text:
            out += [{name: text[:1]}, {name: text}]
    return out


@pytest.mark.slow
def test_releases_switched_under_never_seen_filters_never_mix_two_releases(tmp_path):
    """Each request a filter no cache has seen (the direct path builds it): body, header and ETag of one release."""
    site = robust.Site(tmp_path)
    r1 = site.release
    r2 = fake.make_release(fake.release.releases_dir(site.marts), "r2", variant=2)
    ids = [r["ptsm_id"] for r in fake.registry()]
    problems, seen, stop = [], set(), threading.Event()
    counter = itertools.count()

    with TestClient(site.app) as client:
        def hammer():
            while not stop.is_set():
                i = next(counter)
                params = {"ptsm": ids[i % len(ids)], "limit": str(1 + i // len(ids))}
                response = client.get("/v1/marts/ptsm_overview", params=params,
                                      headers={"Authorization": f"Bearer {site.national}"})
                if response.status_code != 200:
                    problems.append((params, response.status_code))
                    continue
                body = response.json()
                header = response.headers["x-ptsm-release"]
                variant = (body["rows"][0]["n_current_actions"] - i % len(ids)) // 100  # 100 * variant + index
                if body["release_id"] != header or {"r1": 1, "r2": 2}[header] != variant:
                    problems.append((params, header, body["release_id"], variant))
                seen.add(header)

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for thread in threads:
            thread.start()
        for i in range(60):
            fake.point_marts_at(site.marts, r2 if i % 2 == 0 else r1)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert problems == []
    assert seen == {"r1", "r2"}


def test_json_columns_converted_a_column_at_a_time_equal_the_value_rule():
    """formats._json_column takes shortcuts (dates through Arrow's text, floats with no NaN nor infinity as they
    are): each equals `_json_value` of every value, and a NaN or infinity is still null."""
    import datetime as dt
    import decimal

    from pipelines.api import formats

    columns = [
        pa.chunked_array([pa.array([dt.date(1, 1, 1), None, dt.date(2024, 2, 29), dt.date(9999, 12, 31)])]),
        pa.chunked_array([pa.array([0.1, None, -2.5, 1e300])]),
        pa.chunked_array([pa.array([0.1, float("nan"), None])], type=pa.float64()),
        pa.chunked_array([pa.array([float("inf"), -float("inf"), 3.0])]),
        pa.chunked_array([pa.array([None, None], type=pa.float32())]),
        pa.chunked_array([pa.array([], type=pa.float64())]),
        pa.chunked_array([pa.array([decimal.Decimal("1.25"), None], type=pa.decimal128(5, 2))]),
        pa.chunked_array([pa.array([dt.datetime(2024, 1, 2, 3, 4, 5)])]),
    ]
    for column in columns:
        assert formats._json_column(column) == [formats._json_value(v) for v in column.to_pylist()], column.type
    assert formats._json_column(columns[0])[::3] == ["0001-01-01", "9999-12-31"]
    assert formats._json_column(columns[2]) == [0.1, None, None]
    assert formats._json_column(columns[3]) == [None, None, 3.0]


def test_a_masked_mart_asked_by_many_threads_at_once_is_computed_once(tmp_path, monkeypatch):
    """After a release switch 32 clients ask at once: the masked mart is computed by one of them, the others wait
    for it (each used to run its own DuckDB query) and all get the same table."""
    import time

    from pipelines.api.query import MartQuery
    from pipelines.api.routes import marts

    site = robust.Site(tmp_path)
    state = site.app.state.api
    release = state.publications.current()
    calls = []
    original = marts.fetch

    def slow_fetch(*args, **kwargs):
        calls.append(kwargs.get("mart"))
        time.sleep(0.2)
        return original(*args, **kwargs)

    monkeypatch.setattr(marts, "fetch", slow_fetch)
    query = MartQuery(mart="survey_results_region", columns=release.columns["survey_results_region"])
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        marts.masked_table(state, release, "survey_results_region", query))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert calls == ["survey_results_region"]
    assert len(results) == 8 and all(r is results[0] for r in results)
    assert results[0]["n"].to_pylist() == [6, None, None, None, 9, None]  # masked: n < 5 and flagged cells


def test_a_revalidation_of_a_kept_answer_gets_the_applications_304_without_the_application(tmp_path, monkeypatch):
    """If-None-Match with the tag of a kept answer: the replay sends the 304 the application sends (same headers,
    no body), profile (gzip) and mart alike; another tag gets the whole answer; the request still counts."""
    reports = tmp_path / "data" / "reports"
    site = robust.Site(tmp_path, reports_dir=reports, rate_per_minute=10)
    (site.release / "reports" / "regions").mkdir(parents=True)
    (site.release / "reports" / "regions" / "93.html").write_text("<p>profil</p>" * 5000, encoding="utf-8")
    reports.symlink_to(site.release / "reports")
    state = site.app.state.api
    for path in ("/v1/regions/93/profile", "/v1/marts/ptsm_overview"):
        first = site.get(path, site.paca, headers={"Accept-Encoding": "gzip"})
        assert first.status_code == 200 and state.rendered.get(next(iter(state.rendered._items))) is not None
        tag = first.headers["etag"]
        calls = _counting_route(monkeypatch)
        replayed = site.get(path, site.paca, headers={"Accept-Encoding": "gzip", "If-None-Match": f'"x", {tag}'})
        assert calls == []  # answered by the replay
        state.rendered = ResponseCache()  # nothing kept: the application answers the same question
        by_app = site.get(path, site.paca, headers={"Accept-Encoding": "gzip", "If-None-Match": f'"x", {tag}'})
        assert replayed.status_code == by_app.status_code == 304
        assert replayed.content == by_app.content == b""
        assert sorted(replayed.headers.items()) == sorted(by_app.headers.items())
        stale = site.get(path, site.paca, headers={"Accept-Encoding": "gzip", "If-None-Match": '"autre"'})
        assert stale.status_code == 200 and stale.content == first.content
    assert first.headers.get("content-encoding") is None and "vary" not in first.headers  # the small mart
    statuses = [site.get("/v1/marts/ptsm_overview", site.paca, headers={"If-None-Match": tag}).status_code
                for _ in range(5)]
    assert statuses == [304, 304, 429, 429, 429], statuses  # 10 a minute: 8 used above, then 2 more


def _counting_route(monkeypatch) -> list:
    from pipelines.api.routes import marts, profile

    calls: list = []
    for module, name in ((marts, "build_query"), (profile, "profile_source")):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _o=original, **k: calls.append(a) or _o(*a, **k))
    return calls
