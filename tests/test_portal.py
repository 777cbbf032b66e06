"""The deposit portal (issue 23 §2) through FastAPI's TestClient: a valid deposit end to end, then each bad input gets
a French page with a 4xx status, never a 500, and nothing reaches the exports folder."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from collection_status_fixture import write_collection_status
from fastapi.testclient import TestClient

from pipelines.api import tokens
from pipelines.lib.core.config import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "data" / "sample"
PTSM35 = SAMPLE / "fiches_actions" / "PTSM-35_ille_et_vilaine_fiches_actions_SYNTHETIQUE_2024-03-31.xlsx"
PTSM22 = next((SAMPLE / "fiches_actions").glob("PTSM-22_*.xlsx"))
ROSTER = SAMPLE / "coordonnateurs" / "recensement_coordonnateurs_2023-09-30.csv"
LIMIT = 2 * 1024 * 1024


def t(response) -> str:
    """The page's text as a reader sees it (entities decoded)."""
    return html.unescape(response.text)


class Site:
    def __init__(self, root: Path, client: TestClient, token35: str, token22: str, national: str, regional: str):
        self.root, self.client = root, client
        self.token35, self.token22, self.national, self.regional = token35, token22, national, regional

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    def exported(self) -> list[str]:
        """Every file in the exports folder, hidden ones included (a half-written file would show here)."""
        return sorted(p.relative_to(self.raw).as_posix() for p in self.raw.rglob("*") if p.is_file())

    def login(self, token: str, client: TestClient | None = None) -> TestClient:
        client = client or self.client
        client.cookies.clear()
        response = client.post("/connexion", data={"jeton": token}, follow_redirects=False)
        assert response.status_code == 303, t(response)
        return client

    def csrf(self, client: TestClient | None = None) -> str:
        page = (client or self.client).get("/").text
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    def upload(self, content: bytes, name: str, family: str = "fiches_actions", csrf: str | None = None,
               client: TestClient | None = None, **headers):
        client = client or self.client
        return client.post("/depot", data={"csrf": csrf or self.csrf(client), "famille": family,
                                            "date_extraction": "2025-03-31"},
                           files={"fichier": (name, content, "application/octet-stream")}, headers=headers)

    def confirm(self, page: str, client: TestClient | None = None):
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        pending = re.search(r'name="depot" value="([^"]+)"', page).group(1)
        return (client or self.client).post("/confirmer", data={"csrf": csrf, "depot": pending})


@pytest.fixture
def site(tmp_path, monkeypatch) -> Site:
    for name, folder in (("PTSM_RAW_DIR", "raw"), ("PTSM_DB", "w.duckdb"), ("PTSM_MARTS_DIR", "site/marts"),
                         ("PTSM_SECRET_DIR", "secret"), ("PTSM_PORTAL_DIR", "portail")):
        monkeypatch.setenv(name, str(tmp_path / folder))
    monkeypatch.setenv("PTSM_TOKENS_FILE", str(tmp_path / "secret" / "tokens.json"))
    (tmp_path / "raw").mkdir()
    path = tmp_path / "secret" / "tokens.json"
    token35, _ = tokens.create_token(path, ptsm="PTSM-35", region="53")
    token22, _ = tokens.create_token(path, ptsm="PTSM-22", region="53")
    national, _ = tokens.create_token(path, national=True)
    regional, _ = tokens.create_token(path, region="53")
    from pipelines.portal.app import create_app
    client = TestClient(create_app(max_bytes=LIMIT), base_url="http://portail.test")
    return Site(tmp_path, client, token35, token22, national, regional)


def test_valid_workbook_is_checked_then_deposited_with_a_receipt(site):
    site.login(site.token35)
    checked = site.upload(PTSM35.read_bytes(), "mes fiches.xlsx")
    assert checked.status_code == 200, t(checked)
    assert "Confirmer le dépôt" in t(checked) and "lignes lues" in t(checked)
    assert site.exported() == []  # nothing in the exports folder before confirmation
    receipt = site.confirm(checked.text)
    assert receipt.status_code == 200
    [written] = site.exported()
    assert re.fullmatch(r"fiches_actions/PTSM-35_fiches_actions_portail-\d{8}T\d{12}Z-[0-9a-f]{6}_2025-03-31\.xlsx", written)
    assert (site.raw / written).read_bytes() == PTSM35.read_bytes()
    import hashlib
    sha = hashlib.sha256(PTSM35.read_bytes()).hexdigest()
    assert sha in t(receipt) and f"{PTSM35.stat().st_size} octets" in t(receipt)
    [logged] = [json.loads(line) for line in (site.root / "portail" / "depots.jsonl").read_text().splitlines()]
    assert (logged["owner"], logged["file"], logged["sha256"], logged["size"]) == ("PTSM-35", written, sha,
                                                                                  PTSM35.stat().st_size)
    # the deposit is an export like any other: discovered in its family, read whole by the refresh's reader
    from pipelines.lib.ingest.discovery import discover
    assert [(f.family, f.name, f.reason) for f in discover(site.raw).found] == [("fiches_actions", written, None)]
    # confirming the same form again is a replay: refused, nothing more written
    again = site.client.post("/confirmer", data={"csrf": re.search(r'name="csrf" value="([^"]+)"', checked.text).group(1),
                                                 "depot": re.search(r'name="depot" value="([^"]+)"', checked.text).group(1)})
    assert again.status_code == 403 and "déjà envoyé" in t(again)
    assert len(site.exported()) == 1


def test_broken_rows_are_reported_like_ptsm_check_and_may_still_be_deposited(site):
    site.login(site.token35)
    from openpyxl import load_workbook
    book = load_workbook(PTSM35)
    sheet = book[book.sheetnames[0]]
    header = [c.value for c in next(sheet.iter_rows(min_row=1, max_row=30))]
    buffer = io.BytesIO()
    # a priority out of range on the first data row of the action sheet
    for row in sheet.iter_rows():
        if any(str(c.value).strip().lower() == "priorites" for c in row if c.value is not None):
            column = next(c.column for c in row if str(c.value).strip().lower() == "priorites")
            sheet.cell(row=row[0].row + 1, column=column, value="9")
            bad_row = row[0].row + 1
            break
    book.save(buffer)
    checked = site.upload(buffer.getvalue(), "fiches.xlsx")
    assert checked.status_code == 200, t(checked)[:2000]
    assert "priorit" in t(checked) and f"<td>{bad_row}</td>" in t(checked)
    assert "Confirmer le dépôt" in t(checked)  # rows set aside, the rest loads
    assert header


def test_unknown_or_revoked_token_gets_a_french_401(site):
    response = site.client.post("/connexion", data={"jeton": "ptsm_000000000000_" + "a" * 43}, follow_redirects=False)
    assert response.status_code == 401 and "Jeton de dépôt inconnu, révoqué ou absent" in t(response)
    site.login(site.token35)
    token_id = site.token35.split("_")[1]
    tokens.revoke_token(site.root / "secret" / "tokens.json", token_id)
    page = site.client.get("/")
    assert page.status_code == 401 and "n'est plus valable" in t(page)
    response = site.upload(b"x", "f.xlsx", csrf="0-0.0")
    assert response.status_code == 401 and "Connexion requise" in t(response)


def test_a_deposit_token_never_reads_the_api(site):
    store = tokens.TokenStore(site.root / "secret" / "tokens.json")
    assert store.verify(site.token35) is None  # the API's default scopes
    assert store.verify(site.token35, scopes=(tokens.DEPOSIT,)).ptsm == "PTSM-35"


def test_cross_site_and_forged_forms_are_refused(site):
    site.login(site.token35)
    content = PTSM35.read_bytes()
    cross = site.upload(content, "f.xlsx", origin="https://evil.example")
    assert cross.status_code == 403 and "autre site" in t(cross)
    forged = site.upload(content, "f.xlsx", csrf="1700000000-abc.deadbeef")
    assert forged.status_code == 403 and "formulaire non reconnu" in t(forged)
    # a form token issued to another PTSM's session is not valid for this one
    other = TestClient(site.client.app, base_url="http://portail.test")
    site.login(site.token22, other)
    stolen = site.csrf(other)
    response = site.upload(content, "f.xlsx", csrf=stolen)
    assert response.status_code == 403 and "formulaire non reconnu" in t(response)
    replay_csrf = site.csrf()
    assert site.upload(content, "f.xlsx", csrf=replay_csrf).status_code == 200
    replay = site.upload(content, "f.xlsx", csrf=replay_csrf)
    assert replay.status_code == 403 and "déjà envoyé" in t(replay)
    assert site.exported() == []


def test_oversize_upload_is_cut_while_streaming(site):
    site.login(site.token35)
    big = b"ptsm_id;num_action\n" + b"PTSM-35;1\n" * (LIMIT // 10 + 100_000)
    response = site.upload(big, "f.csv")
    assert response.status_code == 413 and "taille maximale (2 Mo)" in t(response)
    # without a Content-Length (chunked), the body is counted as it streams and cut at the limit
    csrf = site.csrf()
    boundary = "xyz"

    def body():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
               f"--{boundary}\r\nContent-Disposition: form-data; name=\"famille\"\r\n\r\nfiches_actions\r\n"
               f"--{boundary}\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"f.csv\"\r\n\r\n").encode()
        for _ in range(LIMIT // (64 * 1024) + 8):
            yield b"PTSM-35;1\n" * 6554
    chunked = site.client.post("/depot", content=body(),
                               headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert chunked.status_code == 413
    assert site.exported() == [] and not list((site.root / "portail").rglob("*.csv"))


def test_zip_bomb_and_password_protected_workbook_are_refused_whole(site):
    site.login(site.token35)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED  # 210 MB of zeros in a few hundred kB
        with archive.open(info, "w", force_zip64=True) as member:
            chunk = b"0" * (1024 * 1024)
            for _ in range(210):
                member.write(chunk)
    response = site.upload(bomb.getvalue(), "fiches.xlsx")
    assert response.status_code == 422 and "une fois décompressé" in t(response)
    assert "Confirmer le dépôt" not in t(response)
    locked = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 512
    response = site.upload(locked, "fiches.xlsx")
    assert response.status_code == 422 and "protégé par un mot de passe" in t(response)
    assert "_portail-" not in t(response)  # the producer reads the name they sent, not the canonical one
    assert "Confirmer le dépôt" not in t(response)
    assert site.exported() == []


def test_rows_of_another_ptsm_are_refused(site):
    site.login(site.token35)
    response = site.upload(PTSM22.read_bytes(), "fiches.xlsx")
    assert response.status_code == 422
    assert "lignes d'un autre PTSM (PTSM-22" in t(response) and "Confirmer le dépôt" not in t(response)


def test_wrong_family_is_refused(site):
    site.login(site.token35)
    response = site.upload(ROSTER.read_bytes(), "recensement.csv")
    assert response.status_code == 422
    assert "mauvaise famille" in t(response) and "Recensement des coordonnateurs" in t(response)
    # a PTSM never deposits a national file: its roster would replace everyone's
    national_family = site.upload(ROSTER.read_bytes(), "recensement.csv", family="coordonnateurs")
    assert national_family.status_code == 403 and "Famille non autorisée" in t(national_family)


@pytest.mark.parametrize("name", ["../../etc/passwd.xlsx", "..\\fiches.xlsx", "sous/fiches.xlsx", ".cache.xlsx"])
def test_a_path_in_the_file_name_is_refused(site, name):
    site.login(site.token35)
    response = site.upload(PTSM35.read_bytes(), name)
    assert response.status_code == 400 and "nom de fichier refusé" in t(response)
    assert site.exported() == []


def test_a_full_disk_leaves_nothing_half_written(site, monkeypatch):
    site.login(site.token35)
    checked = site.upload(PTSM35.read_bytes(), "fiches.xlsx")
    import errno
    import os as real_os
    from pipelines.portal import deposit

    def full(*args, **kwargs):  # the disk fills up while the deposit is being written
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(deposit.os, "fsync", full)
    response = site.confirm(checked.text)
    assert response.status_code == 507 and "disque plein" in t(response)
    assert site.exported() == []
    assert real_os.path.isdir(site.raw)


def test_collection_page_for_the_dmsmp_and_a_region(site):
    marts = site.root / "site" / "marts"
    marts.mkdir(parents=True)
    write_collection_status(marts / "collection_status.parquet", """
        ('PTSM-35', '53', 'fiches_actions', 'mensuel', 'fiches_actions/PTSM-35_2025-03-31.xlsx', date '2025-03-31', null::integer, timestamp '2025-04-01 10:00', 'portail', 3, 0, null, 0, 'à jour'),
        ('PTSM-22', '53', 'fiches_actions', 'mensuel', 'fiches_actions/PTSM-22_2025-01-31.xlsx', date '2025-01-31', null, timestamp '2025-02-01 10:00', 'dépôt', 3, 1, null, 2, 'en retard'),
        ('PTSM-13', '93', 'fiches_actions', 'mensuel', null, null, null, null, null, 0, 0, null, null, 'jamais reçu')
    """)
    site.login(site.national)
    page = site.client.get("/collecte")
    assert page.status_code == 200 and "PTSM à relancer (2)" in t(page)
    assert "PTSM-13" in t(page) and "PTSM-22" in t(page)
    csv_text = site.client.get("/collecte/relances.csv").text
    assert csv_text.splitlines()[1:] == [
        "PTSM-13;93;fiches_actions;jamais reçu;;;;0;0;fiches_actions jamais reçu",
        "PTSM-22;53;fiches_actions;en retard;fiches_actions/PTSM-22_2025-01-31.xlsx;31/01/2025;2025-02-01 10:00;3;1;"
        "fiches_actions en retard (dernier fichier : 31/01/2025)"]
    site.login(site.regional)
    page = site.client.get("/collecte?region=93")  # an ARS token sees its region whatever it asks
    assert "PTSM à relancer (1)" in t(page) and "PTSM-13" not in t(page)
    assert "PTSM-13" not in site.client.get("/collecte/relances.csv?region=93").text
    site.login(site.token35)
    assert site.client.get("/collecte").status_code == 403


def test_feedback_page_only_for_its_ptsm(site):
    retours = site.root / "site" / "retours"
    retours.mkdir(parents=True)
    (retours / "PTSM-35.html").write_text("<p>retours du PTSM-35</p>", encoding="utf-8")
    (retours / "PTSM-22.html").write_text("<p>retours du PTSM-22</p>", encoding="utf-8")
    site.login(site.token35)
    assert site.client.get("/retours").text == "<p>retours du PTSM-35</p>"
    site.login(site.token22)
    assert site.client.get("/retours").text == "<p>retours du PTSM-22</p>"


@pytest.mark.slow
def test_twenty_deposits_at_once_are_all_whole_and_none_mixed_up(site):
    """Issue 23 §4 (load): 20 coordinators confirm at the same moment; 20 files, each byte for byte the one sent, 20
    log lines with their own hash, nothing hidden left behind."""
    import hashlib
    import threading
    from openpyxl import load_workbook

    book = load_workbook(PTSM35)
    sheet = book[book.sheetnames[0]]
    header = next(row for row in sheet.iter_rows() if any(c.value == "intitule" for c in row))
    title = next(c for c in header if c.value == "intitule")
    contents = []
    for i in range(20):
        sheet.cell(row=title.row + 1, column=title.column, value=f"Action déposée n° {i}")  # 20 distinct files
        buffer = io.BytesIO()
        book.save(buffer)
        contents.append(buffer.getvalue())
    pages: list = [None] * 20
    for i, content in enumerate(contents):  # each checked first (the report takes a moment)
        client = TestClient(site.client.app, base_url="http://portail.test")
        site.login(site.token35, client)
        pages[i] = (client, site.upload(content, f"fiches_{i}.xlsx", client=client))
        assert pages[i][1].status_code == 200, t(pages[i][1])[-500:]
    barrier = threading.Barrier(20)
    results: list = [None] * 20

    def confirm(i: int) -> None:
        client, checked = pages[i]
        barrier.wait()
        results[i] = site.confirm(checked.text, client).status_code

    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 20
    written = site.exported()
    assert len(written) == 20 and not any(name.split("/")[-1].startswith(".") for name in written)
    assert sorted(hashlib.sha256((site.raw / name).read_bytes()).hexdigest() for name in written) == \
        sorted(hashlib.sha256(c).hexdigest() for c in contents)
    log = [json.loads(line) for line in (site.root / "portail" / "depots.jsonl").read_text().splitlines()]
    assert sorted((entry["file"], entry["sha256"]) for entry in log) == sorted(
        (name, hashlib.sha256((site.raw / name).read_bytes()).hexdigest()) for name in written)
