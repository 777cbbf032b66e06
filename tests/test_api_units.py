"""The API's parts on their own: a router mounted alone on its state, the rate limiter, Accept-Encoding, filters."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pipelines.api import errors, tokens
from pipelines.api.query import QueryError, parse_value
from pipelines.api.release import Publications
from pipelines.api.responses import gzip_quality
from pipelines.api.routes import health
from pipelines.api.state import ApiState, RateLimiter
from pipelines.api.tokens import TokenStore

_spec = importlib.util.spec_from_file_location(
    "fake_publication", Path(__file__).parent / "fixtures" / "api" / "fake_publication.py")
fake = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fake)
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"


def test_the_health_router_works_alone_on_any_state(tmp_path):
    marts = tmp_path / "marts"
    fake.publish(marts, "seul", variant=3)
    app = FastAPI()
    tokens.create_token(tmp_path / "t.json", region=None, national=True)  # no token file at all is "degraded"
    app.state.api = ApiState(publications=Publications(marts), tokens=TokenStore(tmp_path / "t.json"),
                             reference_dir=REFERENCE)
    errors.install_handlers(app)
    app.include_router(health.router)
    body = TestClient(app).get("/v1/health").json()
    assert (body["status"], body["release_id"], body["produced_at"]) == ("ok", "seul", "2026-11-13T06:00:00Z")


def test_rate_limiter_bursts_then_refills_per_key():
    limiter = RateLimiter(per_minute=60, burst=2)  # one token a second
    assert [limiter.take("a", now=100.0) for _ in range(3)] == [0.0, 0.0, 1.0]
    assert limiter.take("b", now=100.0) == 0.0  # another token has its own bucket
    assert limiter.take("a", now=100.5) == 0.5
    assert limiter.take("a", now=101.0) == 0.0


@pytest.mark.parametrize("header, q", [
    ("", 0.0), ("gzip", 1.0), ("gzip;q=0", 0.0), ("GZIP; Q=0.5", 0.5), ("*", 1.0), ("*;q=0", 0.0),
    ("gzip;q=0, *", 0.0), ("br, *;q=0.2", 0.2), ("gzip;q=abc", 0.0), ("identity", 0.0),
])
def test_gzip_quality(header, q):
    assert gzip_quality(header) == q


@pytest.mark.parametrize("arrow_type, text, value", [
    ("int64", "42", 42), ("double", "0,5", 0.5), ("double", "1.25", 1.25), ("date32[day]", "2024-03-31", dt.date(2024, 3, 31)),
    ("bool", "vrai", True), ("bool", "False", False), ("string", "PTSM-13", "PTSM-13"),
])
def test_filter_values_are_parsed_by_type(arrow_type, text, value):
    assert parse_value("c", arrow_type, text) == value


def test_an_unfilterable_column_is_refused():
    with pytest.raises(QueryError, match="ne se filtre pas"):
        parse_value("priorities", "list<item: string>", "1")


def _imports(path: Path) -> set[str]:
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
    return names


def test_app_and_cli_do_not_import_each_other():
    api = Path(__file__).resolve().parents[1] / "pipelines" / "api"
    assert not {"pipelines.api.cli"} & _imports(api / "app.py")
    assert not {"pipelines.api.app"} & _imports(api / "cli.py")


def test_every_data_answer_names_its_release_and_whether_it_is_synthetic(tmp_path):
    from pipelines.api import tokens
    from pipelines.api.app import create_app

    marts = tmp_path / "marts"
    fake.publish(marts, "nomme", variant=1)
    token, _ = tokens.create_token(tmp_path / "t.json", region="93", national=False)
    client = TestClient(create_app(marts, tmp_path / "t.json"))
    for path in ("/v1/marts", "/v1/dictionary", "/v1/marts/ptsm_overview", "/v1/geo/ptsm.geojson", "/v1/catalogue"):
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert (response.headers["x-ptsm-release"], response.headers["x-ptsm-synthetic"]) == ("nomme", "true"), path
