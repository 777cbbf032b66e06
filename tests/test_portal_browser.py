"""The portal in a real browser (issue 23 §4): Chromium (/usr/bin/chromium, never a downloaded browser) drives a real
uvicorn server: a coordinator deposits a valid workbook and a broken one through the form, reads the report on the
page, confirms, and the file is in the exports folder; wrong token, other PTSM, oversize file and a cross-site form
each get their French page. Every page passes axe-core's WCAG 2.1 A/AA rules and fits 390 px."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from collection_status_fixture import write_collection_status

from pipelines.api import tokens
from pipelines.lib.core.config import PROJECT_ROOT

pytestmark = pytest.mark.slow

SAMPLE = PROJECT_ROOT / "data" / "sample" / "fiches_actions"
PTSM35 = SAMPLE / "PTSM-35_ille_et_vilaine_fiches_actions_SYNTHETIQUE_2024-03-31.xlsx"
PTSM22 = next(SAMPLE.glob("PTSM-22_*.xlsx"))
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path, monkeypatch):
    for name, folder in (("PTSM_RAW_DIR", "raw"), ("PTSM_DB", "w.duckdb"), ("PTSM_MARTS_DIR", "site/marts"),
                         ("PTSM_SECRET_DIR", "secret"), ("PTSM_PORTAL_DIR", "portail")):
        monkeypatch.setenv(name, str(tmp_path / folder))
    monkeypatch.setenv("PTSM_TOKENS_FILE", str(tmp_path / "secret" / "tokens.json"))
    (tmp_path / "raw").mkdir()
    token, _ = tokens.create_token(tmp_path / "secret" / "tokens.json", ptsm="PTSM-35", region="53")
    import uvicorn
    from pipelines.portal.app import create_app
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(max_bytes=1024 * 1024), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "token": token, "raw": tmp_path / "raw", "root": tmp_path}
    server.should_exit = True
    thread.join(timeout=10)


def _accessible(page) -> None:
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()
    # usable at 390 px: nothing wider than the screen (wide tables scroll inside their own box)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def _broken_workbook(tmp_path: Path) -> tuple[Path, int]:
    from openpyxl import load_workbook
    book = load_workbook(PTSM35)
    sheet = book[book.sheetnames[0]]
    header = next(row for row in sheet.iter_rows() if any(c.value == "priorites" for c in row))
    cell = next(c for c in header if c.value == "priorites")
    sheet.cell(row=cell.row + 1, column=cell.column, value="9")
    path = tmp_path / "fiches_cassees.xlsx"
    book.save(path)
    return path, cell.row + 1


@pytest.mark.parametrize("width", [1000, 390])
def test_a_coordinator_deposits_a_valid_then_a_broken_workbook(server, browser, tmp_path, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(server["url"])
    _accessible(page)
    page.fill("#jeton", "ptsm_000000000000_" + "a" * 43)
    page.click("text=Se connecter")
    assert "Jeton de dépôt inconnu, révoqué ou absent" in page.inner_text("main")
    page.goto(server["url"])
    page.fill("#jeton", server["token"])
    page.click("text=Se connecter")
    assert "PTSM-35" in page.inner_text("main")
    _accessible(page)

    page.set_input_files("#fichier", str(PTSM35))
    page.click("text=Vérifier le fichier")
    assert "lignes lues" in page.inner_text("main")
    _accessible(page)
    if width == 1000:
        page.screenshot(path=str(tmp_path / "rapport.png"), full_page=True)
    page.click("text=Confirmer le dépôt")
    assert "Dépôt enregistré" in page.inner_text("h1")
    _accessible(page)
    written = page.inner_text("#recu-fichier")
    assert (server["raw"] / written).read_bytes() == PTSM35.read_bytes()

    broken, row = _broken_workbook(tmp_path)
    page.goto(server["url"])
    page.set_input_files("#fichier", str(broken))
    page.click("text=Vérifier le fichier")
    table = page.inner_text("table")
    assert "priorit" in table and str(row) in table
    _accessible(page)
    page.click("text=Confirmer le dépôt")  # rows set aside, the rest is deposited
    assert len([p for p in (server["raw"] / "fiches_actions").iterdir()]) == 2


def test_other_ptsm_oversize_and_cross_site_get_french_pages(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(server["url"])
    page.fill("#jeton", server["token"])
    page.click("text=Se connecter")

    page.set_input_files("#fichier", str(PTSM22))
    page.click("text=Vérifier le fichier")
    assert "lignes d'un autre PTSM (PTSM-22" in page.inner_text("main")
    assert page.locator("text=Confirmer le dépôt").count() == 0
    _accessible(page)

    big = tmp_path / "enorme.csv"
    big.write_bytes(b"ptsm_id;num_action\n" + b"PTSM-35;1\n" * 200_000)  # 2 MB > 1 MB
    page.goto(server["url"])
    page.set_input_files("#fichier", str(big))
    page.click("text=Vérifier le fichier")
    assert "Fichier trop volumineux" in page.inner_text("h1")
    _accessible(page)

    # a page of another origin posting a form to the portal with the coordinator's cookie
    port = _free_port()
    target = server["url"] + "/depot"

    class Evil(BaseHTTPRequestHandler):
        def do_GET(self):
            body = (f'<html lang="fr"><body><form id="f" method="post" action="{target}" enctype="multipart/form-data">'
                    '<input name="famille" value="fiches_actions"><input name="csrf" value="x"></form>'
                    '<script>document.getElementById("f").submit()</script></body></html>').encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    evil = HTTPServer(("127.0.0.1", port), Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_url(target)
        assert "Requête refusée" in page.inner_text("h1") and "autre site" in page.inner_text("main")
    finally:
        evil.shutdown()
        evil.server_close()
    assert [p.name for p in (server["raw"]).rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("width", [1000, 390])
def test_the_collection_page_is_accessible_and_filters(server, browser, width):
    marts = server["root"] / "site" / "marts"
    marts.mkdir(parents=True)
    write_collection_status(marts / "collection_status.parquet", """
        ('PTSM-35', '53', 'fiches_actions', 'mensuel', 'fiches_actions/PTSM-35_2025-03-31.xlsx', date '2025-03-31', null::integer, timestamp '2025-04-01 10:00', 'portail', 3, 0, null, 0, 'à jour'),
        ('PTSM-22', '53', 'fiches_actions', 'mensuel', 'fiches_actions/PTSM-22_2025-01-31.xlsx', date '2025-01-31', null, timestamp '2025-02-01 10:00', 'dépôt', 3, 1, null, 2, 'en retard'),
        ('PTSM-13', '93', 'fiches_actions', 'mensuel', null, null, null, null, null, 0, 0, null, null, 'jamais reçu')
    """)
    national, _ = tokens.create_token(server["root"] / "secret" / "tokens.json", national=True)
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(server["url"])
    page.fill("#jeton", national)
    page.click("text=Se connecter")
    page.click("text=État de la collecte")
    assert "PTSM à relancer (2)" in page.inner_text("main")
    _accessible(page)
    page.select_option("#region", "93")
    page.click("text=Filtrer")
    assert "PTSM à relancer (1)" in page.inner_text("main") and "PTSM-22" not in page.inner_text("main")
    _accessible(page)
