"""The release module (pipelines/lib/publish/release.py): a synthetic release never replaces a real one, rollback restores
a release byte for byte, pruning never loses the last good release, reports are switched with their release, and
published files are readable by everyone (0644 / 0755)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.publish import publisher as publish
from pipelines.lib.publish import release as releases
def _warehouse(n_ptsm: int, tag: str = "") -> duckdb.DuckDBPyConnection:
    """Two small marts: `n_ptsm` PTSM, each with a plan of two actions (so the backtest has something to count)."""
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.ptsm_overview (ptsm_id varchar, region_code varchar, actions_snapshot_date date,"
                " label varchar)")
    con.execute("create table marts.ptsm_actions (ptsm_id varchar, region_code varchar, num_action integer)")
    for i in range(n_ptsm):
        con.execute("insert into marts.ptsm_overview values (?, '84', date '2024-03-31', ?)", [f"PTSM-{i:02d}", tag])
        con.execute("insert into marts.ptsm_actions values (?, '84', 1), (?, '84', 2)", [f"PTSM-{i:02d}"] * 2)
    return con


def _publish(marts_dir: Path, n_ptsm: int, *, synthetic: bool = False, tag: str = "", **kwargs) -> Path:
    return publish.publish_release(_warehouse(n_ptsm, tag), ["ptsm_overview", "ptsm_actions"], marts_dir,
                                   synthetic=synthetic, input_label="sample" if synthetic else "raw", models=[],
                                   **kwargs)


def _files(folder: Path) -> dict[str, bytes]:
    """Every regular file reachable under `folder` (symlinks followed), by relative path."""
    out = {}
    for root, _, names in os.walk(os.path.realpath(folder)):
        for name in names:
            path = Path(root) / name
            out[str(path.relative_to(os.path.realpath(folder)))] = path.read_bytes()
    return out


# --- synthetic never over real ----------------------------------------------------------------------------------


def test_a_synthetic_release_never_replaces_a_real_one(tmp_path):
    marts_dir = tmp_path / "marts"
    real = _publish(marts_dir, 10)
    before = _files(marts_dir)
    with pytest.raises(releases.SyntheticOverReal, match=r"SYNTHÉTIQUE.*ne remplace jamais la publication en cours "
                                                         + real.name):
        _publish(marts_dir, 10, synthetic=True, tag="sample")
    assert releases.current(marts_dir) == real and _files(marts_dir) == before
    assert [p.name for p in releases.releases_dir(marts_dir).iterdir()] == [real.name]  # nothing was written
    # nor by switching the link by hand to a synthetic folder, nor by a rollback to one
    synthetic = releases.write_folder(releases.releases_dir(marts_dir), lambda folder: (folder / "x.csv").write_text("x"),
                                      {"synthetic": True, "input": "sample", "marts": []})
    with pytest.raises(releases.SyntheticOverReal):
        releases.switch(marts_dir, synthetic)
    with pytest.raises(releases.SyntheticOverReal, match="retour à la publication SYNTHÉTIQUE"):
        releases.rollback(marts_dir, synthetic.name)
    assert releases.current(marts_dir) == real


def test_synthetic_after_synthetic_and_real_after_synthetic_are_published(tmp_path):
    marts_dir = tmp_path / "marts"
    first = _publish(marts_dir, 10, synthetic=True)
    second = _publish(marts_dir, 10, synthetic=True, tag="v2")
    assert releases.current(marts_dir) == second != first
    real = _publish(marts_dir, 3)  # real exports after the sample: not compared with it
    assert releases.current(marts_dir) == real
    assert releases.read_manifest(real)["backtest"]["verdict"] == "not_compared"


# --- rollback ---------------------------------------------------------------------------------------------------


def test_rollback_restores_the_chosen_release_byte_for_byte(tmp_path):
    marts_dir = tmp_path / "marts"
    first = _publish(marts_dir, 10, tag="a")
    published_first = _files(marts_dir)
    second = _publish(marts_dir, 10, tag="b")
    assert _files(marts_dir) != published_first
    assert releases.rollback(marts_dir, first.name) == first
    assert releases.current(marts_dir) == first
    assert _files(marts_dir) == published_first  # manifest included
    assert os.readlink(marts_dir) == os.path.join(".marts-releases", first.name)
    # and forward again
    releases.rollback(marts_dir, second.name)
    assert releases.current(marts_dir) == second


def test_rollback_refuses_an_unknown_or_damaged_release(tmp_path):
    marts_dir = tmp_path / "marts"
    first = _publish(marts_dir, 10, tag="a")
    second = _publish(marts_dir, 10, tag="b")
    with pytest.raises(releases.ReleaseError, match=r"Publication inconnue : 0123456789abcdef\. Publications "
                                                    rf"disponibles : {second.name}, {first.name}\."):
        releases.rollback(marts_dir, "0123456789abcdef")
    with pytest.raises(releases.ReleaseError, match="invalide"):
        releases.rollback(marts_dir, "../marts")
    (first / "ptsm_overview.csv").write_bytes(b"edited by hand")
    with pytest.raises(releases.ReleaseError, match="ptsm_overview.csv ne correspond pas au manifeste"):
        releases.rollback(marts_dir, first.name)
    assert releases.current(marts_dir) == second


# --- pruning ----------------------------------------------------------------------------------------------------


def test_pruning_never_drops_the_newest_complete_real_release(tmp_path):
    marts_dir = tmp_path / "marts"
    real = _publish(marts_dir, 10)
    marts_dir.unlink()  # the installation was reset (link removed): sample runs may publish again
    synthetic = [_publish(marts_dir, 10, synthetic=True, tag=f"s{i}", keep=3) for i in range(4)]
    kept = sorted(p.name for p in releases.releases_dir(marts_dir).iterdir())
    # keep=3: the current one, the newest real one, and the most recent other; before, the real one was pushed out
    assert kept == sorted([real.name, synthetic[3].name, synthetic[2].name])


def test_keep_comes_from_ptsm_keep_releases_default_12(tmp_path, monkeypatch):
    marts_dir = tmp_path / "marts"
    monkeypatch.delenv("PTSM_KEEP_RELEASES", raising=False)
    published = [_publish(marts_dir, 10, tag=f"v{i}") for i in range(13)]
    assert len(list(releases.releases_dir(marts_dir).iterdir())) == 12
    assert not published[0].exists() and published[1].exists()
    monkeypatch.setenv("PTSM_KEEP_RELEASES", "2")
    latest = _publish(marts_dir, 10, tag="last")
    assert sorted(p.name for p in releases.releases_dir(marts_dir).iterdir()) == sorted([latest.name,
                                                                                         published[12].name])


# --- listing ----------------------------------------------------------------------------------------------------


def test_list_releases_newest_first_with_counts_and_verdicts(tmp_path):
    marts_dir = tmp_path / "marts"
    first = _publish(marts_dir, 10, input_dir="/srv/exports")
    second = _publish(marts_dir, 5, accept_drop=True, input_dir="/srv/exports")
    listed = releases.list_releases(marts_dir)
    assert [e["release_id"] for e in listed] == [second.name, first.name]
    newest, oldest = listed
    assert (newest["current"], oldest["current"]) == (True, False)
    assert newest["rows"] == {"ptsm_actions": 10, "ptsm_overview": 5}
    assert newest["input_dir"] == "/srv/exports" and newest["synthetic"] is False and newest["complete"] is True
    assert oldest["backtest"]["verdict"] == "first"
    assert newest["backtest"]["verdict"] == "accepted_drop"
    assert [(d["measure"], d["previous"], d["current"]) for d in newest["backtest"]["drops"]] == [
        ("ptsm_with_plan", 10, 5), ("action_rows", 20, 10)]


# --- reports belong to their release ----------------------------------------------------------------------------


def _render(pages: list[str], fail_after: int | None = None):
    def render(release: Path, folder: Path) -> None:
        for i, page in enumerate(pages):
            if fail_after is not None and i == fail_after:
                raise RuntimeError("carnet en échec")
            (folder / f"{page}.html").write_text(f"{page} {release.name}", encoding="utf-8")
    return render


def test_reports_are_switched_with_their_release(tmp_path):
    marts_dir, reports_dir = tmp_path / "marts", tmp_path / "reports"
    first = _publish(marts_dir, 10, tag="a")
    releases.publish_reports(marts_dir, reports_dir, _render(["00_synthese", "01_enquete"]))
    shown = {name: data.decode() for name, data in _files(reports_dir).items()}
    assert shown == {"00_synthese.html": f"00_synthese {first.name}", "01_enquete.html": f"01_enquete {first.name}"}
    second = _publish(marts_dir, 10, tag="b", reports_dir=reports_dir)
    # a run that fails half-way through its reports shows none of them
    with pytest.raises(RuntimeError, match="carnet en échec"):
        releases.publish_reports(marts_dir, reports_dir, _render(["00_synthese", "01_enquete"], fail_after=1))
    assert {name: data.decode() for name, data in _files(reports_dir).items()} == shown
    releases.publish_reports(marts_dir, reports_dir, _render(["00_synthese", "01_enquete"]))
    assert set(_files(reports_dir).values()) == {f"00_synthese {second.name}".encode(),
                                                 f"01_enquete {second.name}".encode()}
    assert sorted(p.name for p in second.iterdir() if p.name.startswith(".reports")) == [
        Path(os.path.realpath(second / "reports")).name]  # the failed attempt's folder is gone
    releases.rollback(marts_dir, first.name, reports_dir=reports_dir)
    assert {name: data.decode() for name, data in _files(reports_dir).items()} == shown


def test_an_old_reports_folder_of_html_files_is_replaced_by_the_link(tmp_path):
    marts_dir, reports_dir = tmp_path / "marts", tmp_path / "reports"
    _publish(marts_dir, 10)
    reports_dir.mkdir()
    (reports_dir / "00_synthese.html").write_text("ancien")
    releases.publish_reports(marts_dir, reports_dir, _render(["00_synthese"]))
    assert reports_dir.is_symlink() and (reports_dir / "00_synthese.html").read_text() != "ancien"
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("à moi")
    with pytest.raises(RuntimeError, match="ne contient pas que des rapports HTML"):
        releases.publish_reports(marts_dir, other, _render(["00_synthese"]))
    assert (other / "notes.txt").read_text() == "à moi"


def test_published_files_are_readable_by_everyone(tmp_path, monkeypatch):
    os.umask(0o077)  # a strict umask must not make the publication private
    try:
        marts_dir, reports_dir = tmp_path / "marts", tmp_path / "reports"
        release = _publish(marts_dir, 10)
        releases.publish_reports(marts_dir, reports_dir, _render(["00_synthese"]))
    finally:
        os.umask(0o022)
    modes = {}
    for root, dirs, names in os.walk(releases.releases_dir(marts_dir)):
        for name in dirs + names:
            path = Path(root) / name
            if not path.is_symlink():
                modes[str(path.relative_to(release.parent))] = stat.S_IMODE(path.stat().st_mode)
    assert modes and {m for p, m in modes.items() if (Path(release.parent) / p).is_dir()} == {0o755}
    assert {m for p, m in modes.items() if (Path(release.parent) / p).is_file()} == {0o644}


def test_republishing_identical_content_makes_that_release_the_newest(tmp_path):
    marts_dir, reports_dir = tmp_path / "marts", tmp_path / "reports"
    first = _publish(marts_dir, 10, tag="a")
    second = _publish(marts_dir, 10, tag="b")
    releases.publish_reports(marts_dir, reports_dir, _render(["00_synthese"]))  # writes into `second` only
    again = _publish(marts_dir, 10, tag="a")
    assert again == first
    assert [e["release_id"] for e in releases.list_releases(marts_dir)] == [first.name, second.name]
    # `first` was never given reports: the reports shown stay those of `second`, which pruning keeps
    assert _publish(marts_dir, 10, tag="c", keep=1, reports_dir=reports_dir).exists() and second.exists()
    assert not first.exists()
