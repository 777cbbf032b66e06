"""What the API does when things around it break (token file, publication, clients), and its smaller rules.

In process (TestClient) over fake publications; the two tests that need real sockets (header size, slow
client) start the same uvicorn server as `ptsm serve` on a free loopback port and are marked slow.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import importlib.util
import json
import os
import socket
import stat
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import uvicorn
from fastapi.testclient import TestClient

from pipelines.lib.publish import release as release_module
from pipelines.api import tokens
from pipelines.api.app import create_app
from pipelines.api.server import server_config
from pipelines.lib.staging.pseudonym import load_or_create_key

_spec = importlib.util.spec_from_file_location(
    "fake_publication", Path(__file__).parent / "fixtures" / "api" / "fake_publication.py")
fake = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fake)


class Site:
    def __init__(self, root: Path, publish: bool = True, **app_options):
        self.root = root
        self.marts = root / "data" / "marts"
        self.marts.parent.mkdir(parents=True, exist_ok=True)
        self.tokens = root / "secret" / "api_tokens.json"
        self.national, _ = tokens.create_token(self.tokens, region=None, national=True)
        self.paca, _ = tokens.create_token(self.tokens, region="93", national=False)
        self.release = fake.publish(self.marts, "r1", variant=1) if publish else None
        self.app = create_app(self.marts, self.tokens, **app_options)
        self.client = TestClient(self.app)

    def get(self, path, token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.get(path, headers=headers, **kwargs)


def rehash(release: Path, name: str) -> None:
    """Make the manifest agree with a file changed on purpose (so only the file itself is broken)."""
    manifest = json.loads((release / "manifest.json").read_text())
    manifest["files"][name] = hashlib.sha256((release / name).read_bytes()).hexdigest()
    (release / "manifest.json").write_text(json.dumps(manifest))


# ---------------------------------------------------------------- 3. token file


def test_a_token_file_corrupted_while_serving_keeps_the_last_good_tokens_and_health_says_so(tmp_path):
    site = Site(tmp_path)
    assert site.get("/v1/marts", site.paca).status_code == 200
    good = site.tokens.read_text()
    site.tokens.write_text('{"tokens": [')  # an editor saved half the file
    response = site.get("/v1/marts", site.paca)
    assert response.status_code == 200  # was 500: everybody locked out
    health = site.get("/v1/health")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["problems"] == ["jetons : fichier de jetons illisible (JSON invalide, ligne 1)"]
    site.tokens.write_text(good)
    assert site.get("/v1/health").json()["problems"] == []


def test_an_unreadable_token_file_from_the_start_is_a_clear_503(tmp_path):
    site = Site(tmp_path)
    site.tokens.write_text('{"tokens": [{"id": 3}]}')
    response = site.get("/v1/marts/ptsm_overview", site.paca)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    assert response.json()["error"] == {
        "code": "token_file_unreadable",
        "message": "Authentification indisponible : fichier de jetons illisible (enregistrement de jeton incomplet). "
                   "L'administrateur doit réparer le fichier de jetons.",
    }
    health = site.get("/v1/health")
    assert health.status_code == 503 and health.json()["status"] == "error"


def test_token_create_refuses_to_overwrite_a_corrupt_token_file(tmp_path, monkeypatch):
    from pipelines import cli as ptsm

    path = tmp_path / "t.json"
    path.write_text("{not json")
    monkeypatch.setenv("PTSM_TOKENS_FILE", str(path))
    with pytest.raises(SystemExit, match="fichier de jetons illisible"):
        ptsm.main(["token", "create", "--national"])
    assert path.read_text() == "{not json"


# ---------------------------------------------------------------- 4. folder modes


def test_token_create_leaves_a_shared_folder_mode_alone(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    tokens.create_token(shared / "api_tokens.json", region=None, national=True)
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o1777  # was chmod 700: sticky bit gone
    existing = tmp_path / "mine"
    existing.mkdir(mode=0o755)
    os.chmod(existing, 0o755)
    tokens.create_token(existing / "t.json", region=None, national=True)
    assert stat.S_IMODE(os.stat(existing).st_mode) == 0o755


def test_the_secret_folder_is_created_owner_only_from_the_first_run(tmp_path):
    old = os.umask(0o022)
    try:
        load_or_create_key(tmp_path / "a" / "secret")  # the first refresh creates it, before any token
        tokens.create_token(tmp_path / "b" / "secret" / "api_tokens.json", region=None, national=True)
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", tmp_path / "a" / "secret", tmp_path / "b", tmp_path / "b" / "secret"):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700, folder  # was 0755 until the first token


# ---------------------------------------------------------------- 5. broken publications


def _break_parquet(release: Path):
    (release / "ptsm_overview.parquet").write_bytes(b"PAR1 not really parquet PAR1")
    rehash(release, "ptsm_overview.parquet")


def _break_dictionary(release: Path):
    (release / "dictionary.json").write_text('{"ptsm_overview": ')
    rehash(release, "dictionary.json")


def _name_a_missing_file(release: Path):
    manifest = json.loads((release / "manifest.json").read_text())
    manifest["files"]["fantome.csv"] = "0" * 64
    (release / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("breaker, reason", [
    (_break_parquet, "publication r1 inutilisable : fichier illisible (ArrowInvalid)"),
    (_break_dictionary, "publication r1 inutilisable : fichier JSON illisible"),
    (_name_a_missing_file, "publication incohérente : fantome.csv ne correspond pas au manifeste (r1)"),
])
def test_a_broken_release_is_a_503_with_retry_after_and_health_names_it(tmp_path, monkeypatch, breaker, reason):
    site = Site(tmp_path)
    breaker(site.release)
    hashed = []
    original = release_module.sha256_file
    monkeypatch.setattr(release_module, "sha256_file", lambda path: hashed.append(path) or original(path))
    for path, token in (("/v1/marts/ptsm_overview", site.paca), ("/v1/marts", site.national),
                        ("/v1/geo/ptsm.geojson", site.paca)):
        response = site.get(path, token)
        assert response.status_code == 503, path  # was 500
        assert response.headers["retry-after"] == "30"
        assert response.json()["error"] == {"code": "no_publication", "message": reason}
    health = site.get("/v1/health")
    assert health.status_code == 503
    assert (health.json()["status"], health.json()["release_id"]) == ("error", "r1")
    assert health.json()["problems"] == [f"publication : {reason}"]
    files_once = len(hashed)
    site.get("/v1/marts/ptsm_overview", site.paca)
    site.get("/v1/health")
    assert site.client.get("/openapi.json").status_code == 200  # the generic description, without re-hashing
    assert len(hashed) == files_once  # the broken release is remembered, not re-hashed per request
    fake.publish(site.marts, "r2", variant=2)  # the next refresh repairs it
    assert site.get("/v1/marts/ptsm_overview", site.paca).json()["rows"][0]["n_current_actions"] == 203


def test_a_file_deleted_after_loading_is_a_503_not_a_500(tmp_path):
    site = Site(tmp_path)
    assert site.get("/v1/marts/ptsm_overview", site.paca).status_code == 200
    (site.release / "coordinator_vacancy_monthly.parquet").unlink()
    response = site.get("/v1/marts/coordinator_vacancy_monthly", site.paca)
    assert response.status_code == 503
    assert response.json()["error"]["message"] == (
        "Mart coordinator_vacancy_monthly indisponible dans la publication r1 : fichier absent "
        "(coordinator_vacancy_monthly.parquet). Les autres marts restent servis.")  # that mart only (issue 20 §3)
    assert site.get("/v1/health").json()["status"] == "degraded"


# ---------------------------------------------------------------- 6. smaller rules


def test_masking_does_not_depend_on_a_suppressed_column(tmp_path):
    site = Site(tmp_path)
    path = site.release / "survey_results_region.parquet"
    table = pq.read_table(path).drop(["suppressed"])
    pq.write_table(table, path)
    rehash(site.release, "survey_results_region.parquet")
    site = Site.__new__(Site)  # a fresh app over the rewritten release
    site.__dict__.update(Site(tmp_path / "again", publish=False).__dict__)
    fake.point_marts_at(site.marts, path.parent)
    rows = {r["answer"]: r for r in site.get("/v1/marts/survey_results_region", site.paca).json()["rows"]}
    assert (rows["Autre"]["n"], rows["Autre"]["share"]) == (None, None)  # n = 2 in the file: was served
    assert rows["CDI"]["n"] == 6


def test_a_token_over_its_rate_gets_429_with_retry_after(tmp_path):
    site = Site(tmp_path, rate_per_minute=3)
    assert [site.get("/v1/marts", site.paca).status_code for _ in range(3)] == [200, 200, 200]
    limited = site.get("/v1/marts", site.paca)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "20"  # one request every 20 s on average
    assert limited.json()["error"]["code"] == "rate_limited"
    assert site.get("/v1/marts", site.national).status_code == 200  # per token


@pytest.mark.parametrize("accept", ["gzip;q=0", "gzip; Q=0", "gzip;q=0.000", "*;q=0", "br, gzip;q=0, *;q=1"])
def test_gzip_refused_by_the_client_is_not_sent(tmp_path, accept):
    site = Site(tmp_path)
    response = site.get("/v1/geo/ptsm.geojson", site.national, headers={"Accept-Encoding": accept})
    assert "content-encoding" not in response.headers


def test_gzip_accepted_by_the_client_is_sent(tmp_path):
    site = Site(tmp_path)
    response = site.get("/v1/geo/ptsm.geojson", site.national, headers={"Accept-Encoding": "deflate, gzip;q=0.5"})
    assert response.headers["content-encoding"] == "gzip"


def test_a_wrong_method_is_405_with_allow(tmp_path):
    site = Site(tmp_path)
    response = site.client.post("/v1/marts/ptsm_overview")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/v1/marts/ptsm_overview?format=csv", "/v1/geo/ptsm.geojson",
                                  "/v1/marts/survey_results", "/v1/health"])
def test_head_answers_like_get_without_a_body(tmp_path, path):
    site = Site(tmp_path)
    headers = {"Authorization": f"Bearer {site.paca}", "Accept-Encoding": "identity"}
    get = site.client.get(path, headers=headers)
    head = site.client.head(path, headers=headers)
    assert head.status_code == get.status_code == 200  # HEAD was 405
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"] == str(len(get.content))
    assert head.headers["etag" if "health" not in path else "content-type"] == \
        get.headers["etag" if "health" not in path else "content-type"]


def test_openapi_advertises_region_only_where_it_is_accepted(tmp_path):
    site = Site(tmp_path)
    paths = site.client.get("/openapi.json").json()["paths"]
    params = {p: [x["name"] for x in paths[p]["get"]["parameters"]] for p in paths if p.startswith("/v1/marts/")}
    assert "region" not in params["/v1/marts/survey_results"]  # a national mart: region is a 400 there
    assert "ptsm" not in params["/v1/marts/survey_results"]
    assert {"region", "ptsm", "format", "select", "limit", "offset", "ptsm_id", "snapshot_date"} <= set(
        params["/v1/marts/coordinator_vacancy_monthly"])
    snapshot = next(x for x in paths["/v1/marts/coordinator_vacancy_monthly"]["get"]["parameters"]
                    if x["name"] == "snapshot_date")
    assert snapshot["schema"] == {"type": "string", "format": "date"}


@pytest.mark.parametrize("path, params", [
    ("/v1/marts/ptsm_overview", {"regoin": "93"}),  # the typo returned all 104 rows to a national token
    ("/v1/marts/survey_results", {"foo": "1"}),
    ("/v1/geo/ptsm.geojson", {"format": "csv"}),
    ("/v1/marts", {"region": "93"}),
    ("/v1/health", {"verbose": "1"}),
])
def test_unknown_query_parameters_are_a_400(tmp_path, path, params):
    site = Site(tmp_path)
    response = site.get(path, site.national, params=params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_parameter"
    assert list(params)[0] in response.json()["error"]["message"]


def test_no_redirect_takes_its_host_from_the_host_header(tmp_path):
    site = Site(tmp_path)
    response = site.client.get("/v1/marts/", headers={"Host": "evil.example", "Authorization": f"Bearer {site.paca}"},
                               follow_redirects=False)
    assert "location" not in response.headers
    assert response.status_code == 404
    page = site.get("/v1/marts/ptsm_overview", site.national, params={"limit": 10},
                    headers={"Host": "evil.example"}).json()
    assert page["links"]["next"] == "/v1/marts/ptsm_overview?limit=10&offset=10"  # relative, no host


def test_a_manifest_rewritten_in_place_is_never_answered_from_the_old_cache(tmp_path):
    site = Site(tmp_path, publish=False)
    folder = site.marts  # a plain folder, rewritten in place (no symlink swap)
    release = fake.make_release(tmp_path / "build", "r-plain", variant=1)
    os.rename(release, folder)
    first = site.get("/v1/marts/ptsm_overview", site.paca).json()
    assert first["produced_at"] == "2026-11-11T06:00:00Z"
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["produced_at"] = "2026-11-12T06:00:00Z"
    time.sleep(0.01)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    os.utime(folder / "manifest.json", ns=(time.time_ns(), time.time_ns() + 10**9))
    again = site.get("/v1/marts/ptsm_overview", site.paca)
    assert again.json()["produced_at"] == "2026-11-12T06:00:00Z"
    assert again.headers["last-modified"] == "Thu, 12 Nov 2026 06:00:00 GMT"


# ---------------------------------------------------------------- limits of the real server (slow)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, app, **options):
        self.port = _free_port()
        self.server = uvicorn.Server(server_config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                   access_log=False, **options))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        for _ in range(500):  # bounded wait: 10 s at most
            if self.server.started:
                return self
            time.sleep(0.02)
        raise RuntimeError("uvicorn did not start")

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _exchange(port: int, data: bytes, wait: float = 10.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


@pytest.mark.slow
def test_the_server_refuses_an_oversized_header(tmp_path):
    site = Site(tmp_path)
    with LiveServer(site.app) as server:
        big = b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
        try:
            answer = _exchange(server.port, big)
        except (ConnectionResetError, BrokenPipeError):
            answer = b""  # closed while we were still sending: refused as well
        assert not answer.startswith(b"HTTP/1.1 200")
        ok = _exchange(server.port, b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert ok.startswith(b"HTTP/1.1 200")


@pytest.mark.slow
def test_the_server_closes_a_connection_that_never_finishes_its_request(tmp_path):
    site = Site(tmp_path)
    with LiveServer(site.app, header_timeout=0.5) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")  # and then nothing (slowloris)
            assert sock.recv(1024) == b""  # closed by the server, well before our 10 s socket timeout
