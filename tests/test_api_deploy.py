"""The nginx example in deploy/ is a configuration nginx accepts (`nginx -t`), with the per-client limits the API
relies on once it sits behind a proxy (issue 20 §2)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[1] / "deploy" / "nginx" / "ptsm-api.conf"


def test_the_example_limits_each_client():
    text = CONF.read_text()
    for directive in ("limit_conn_zone $binary_remote_addr", "limit_req_zone  $binary_remote_addr",
                      "limit_conn ptsm_api_conn", "limit_req zone=ptsm_api_req", "client_header_timeout 10s",
                      "large_client_header_buffers 4 16k"):
        assert directive in text


@pytest.mark.skipif(shutil.which("nginx") is None or shutil.which("openssl") is None,
                    reason="nginx or openssl not installed: the syntax check needs both (not installed by the tests)")
def test_nginx_accepts_the_example(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    site = CONF.read_text().replace("/etc/ssl/certs/ptsm-api.pem", str(cert)).replace(
        "/etc/ssl/private/ptsm-api.key", str(key))
    (tmp_path / "ptsm-api.conf").write_text(site)
    main = tmp_path / "nginx.conf"
    main.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
                    f"http {{\n  access_log off;\n  include {tmp_path}/ptsm-api.conf;\n}}\n")
    result = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(main), "-e", str(tmp_path / "error.log")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
