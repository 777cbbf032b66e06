"""Issue 20 §2: the API cannot be starved — request size limits, rate limits without or with a bad token and by
bytes served, and (real sockets, slow) a cap on the connections one client address may hold."""

from __future__ import annotations

import importlib.util
import socket
import time
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "api_robustness", Path(__file__).parent / "test_api_robustness.py")
robust = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(robust)


# ---------------------------------------------------------------- sizes of a request


def test_a_url_over_8_kib_is_a_french_414(tmp_path):
    site = robust.Site(tmp_path)
    ok = site.get("/v1/marts/ptsm_overview", site.national, params={"ptsm_id": ["P" * 30] * 200})
    assert ok.status_code == 200  # 200 values of 30 characters: about 7 kB, still a question
    response = site.get("/v1/marts/ptsm_overview", site.national, params={"ptsm_id": "x" * 9000})
    assert response.status_code == 414
    assert response.json()["error"] == {"code": "uri_too_long",
                                        "message": "URL trop longue : 8192 octets au plus (chemin et paramètres)."}


@pytest.mark.parametrize("size, status", [(15_000, 200), (100_000, 431)])
def test_headers_over_16_kib_are_refused_with_431(tmp_path, size, status):
    site = robust.Site(tmp_path)
    response = site.get("/v1/health", headers={"X-Padding": "a" * size})
    assert response.status_code == status
    if status == 431:
        assert response.json()["error"] == {
            "code": "headers_too_large", "message": "En-têtes de la requête trop volumineux : 16 Kio au plus."}


def test_many_small_headers_adding_up_over_16_kib_are_refused(tmp_path):
    site = robust.Site(tmp_path)
    headers = {f"X-H{i}": "b" * 100 for i in range(200)}  # 200 x ~106 bytes: each small, 21 kB in all
    assert site.get("/v1/health", headers=headers).status_code == 431


def test_content_length_with_chunked_encoding_is_refused(tmp_path):
    site = robust.Site(tmp_path)
    response = site.get("/v1/health", headers={"Content-Length": "5", "Transfer-Encoding": "chunked"})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "ambiguous_length",
        "message": "Requête ambiguë : Content-Length et Transfer-Encoding ne peuvent pas être envoyés ensemble."}
    assert site.get("/v1/health", headers={"Content-Length": "0"}).status_code == 200


# ---------------------------------------------------------------- rates without a valid token


def test_requests_without_a_token_are_limited_per_client_address(tmp_path):
    site = robust.Site(tmp_path, anonymous_rate_per_minute=4)
    statuses = [site.get(path).status_code for path in
                ("/v1/health", "/v1/catalogue", "/v1/marts/ptsm_overview", "/openapi.json", "/v1/health")]
    assert statuses == [200, 200, 401, 200, 429]
    limited = site.get("/v1/catalogue")
    assert limited.headers["retry-after"] == "15"  # 4 a minute: one every 15 s
    assert limited.json()["error"]["code"] == "rate_limited_client"
    assert site.get("/v1/marts", site.paca).status_code == 200  # a valid token is not charged to the address


def test_bad_tokens_are_limited_per_client_address(tmp_path):
    site = robust.Site(tmp_path, anonymous_rate_per_minute=3)
    bad = "ptsm_000000000000_" + "A" * 43
    statuses = [site.get("/v1/marts", token).status_code for token in (bad, "nonsense", bad, bad)]
    assert statuses == [401, 401, 401, 429]  # guessing tokens costs the address, not a token's budget


def test_bytes_served_to_a_token_are_limited(tmp_path):
    site = robust.Site(tmp_path, bytes_per_minute=30_000)
    first = site.get("/v1/marts/ptsm_overview", site.national, params={"format": "csv"})
    assert first.status_code == 200
    size = len(first.content)
    assert 1_000 < size < 30_000
    served = size
    while served < 30_000:
        response = site.get("/v1/marts/ptsm_overview", site.national, params={"format": "csv"})
        assert response.status_code == 200
        served += len(response.content)
    limited = site.get("/v1/marts/ptsm_overview", site.national, params={"format": "csv"})
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited_bytes"
    assert int(limited.headers["retry-after"]) >= 1
    assert site.get("/v1/marts/ptsm_overview", site.paca).status_code == 200  # per token


# ---------------------------------------------------------------- connections per client (real server)


def _open_idle(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")  # half a request head, then silence
    return sock


@pytest.mark.slow
def test_one_client_address_cannot_hold_every_connection(tmp_path):
    site = robust.Site(tmp_path)
    with robust.LiveServer(site.app, header_timeout=30, max_connections_per_client=3) as server:
        idle = [_open_idle(server.port) for _ in range(3)]
        try:
            time.sleep(0.2)
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
                refused = sock.recv(65536)  # answered at once, before we send anything
            assert refused.startswith(b"HTTP/1.1 503 ")
            assert "Trop de connexions ouvertes depuis cette adresse".encode() in refused
            idle.pop().close()
            time.sleep(0.2)
            ok = robust._exchange(server.port, b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert ok.startswith(b"HTTP/1.1 200")
        finally:
            for sock in idle:
                sock.close()
