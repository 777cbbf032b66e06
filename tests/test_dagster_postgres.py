"""The Dagster instance on PostgreSQL, as README "Production" and deploy/dagster.yaml document it (issue 22 §2).

The documented block failed: SQLAlchemy 2.1 reads a bare `postgresql://` as psycopg 3, which dagster-postgres does
not install, so every process of the instance failed to open it; and `uv sync --locked` removed dagster-postgres on
every upgrade. The block now names psycopg2 (`scheme: postgresql+psycopg2`) and the lock carries the `postgres`
extra (`uv sync --locked --extra postgres`; .ci/run syncs every extra).

The end-to-end test starts a throwaway PostgreSQL cluster in a temporary folder (Debian's `postgresql`: initdb,
pg_ctl; a free TCP port on 127.0.0.1, its unix socket in the same folder, password authentication), renders a
dagster.yaml from the shipped file with its commented block switched on, and runs a real `ptsm refresh` through it.
As root (CI), the cluster runs as the `postgres` account Debian's package creates: PostgreSQL refuses root.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from pipeline_runner import PROJECT_ROOT

SHIPPED = PROJECT_ROOT / "deploy" / "dagster.yaml"
PASSWORD = "mot-de-passe-de-test"
EXTRA_MISSING = ("the `postgres` extra is not installed (dagster-postgres, psycopg2): "
                 "`uv sync --locked --extra postgres` (.ci/run syncs every extra)")

needs_extra = pytest.mark.skipif(
    importlib.util.find_spec("dagster_postgres") is None or importlib.util.find_spec("psycopg2") is None,
    reason=EXTRA_MISSING)


def shipped_with_postgres(port: int) -> str:
    """deploy/dagster.yaml with its commented `storage:` block uncommented, verbatim but for the port."""
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    start = lines.index("# storage:")
    block = [lines[start]]
    for line in lines[start + 1:]:
        if not line.startswith("#   "):
            break
        block.append(line)
    uncommented = [line[2:] for line in block]
    assert "  postgres:" in uncommented, "the shipped block no longer configures Postgres"
    rendered = lines[:start] + uncommented + lines[start + len(block):]
    text = "\n".join(rendered) + "\n"
    assert text.count("port: 5432") == 1
    return text.replace("port: 5432", f"port: {port}")


def shipped_storage_config() -> dict:
    return yaml.safe_load(shipped_with_postgres(5432))["storage"]["postgres"]


@needs_extra
def test_the_shipped_block_opens_with_the_driver_the_extra_installs():
    # why: the block had no scheme; SQLAlchemy 2.1 resolved postgresql:// to psycopg 3 ("No module named 'psycopg'")
    import sqlalchemy
    from dagster_postgres.utils import pg_url_from_config

    config = shipped_storage_config()
    config["postgres_db"]["password"] = PASSWORD  # its `env:` is read by Dagster's config system, not here
    engine = sqlalchemy.create_engine(pg_url_from_config(config))  # imports the DBAPI, connects to nothing
    assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg2")
    assert engine.url.host == "localhost" and engine.url.database == "dagster" and engine.url.username == "ptsm"


def test_the_lock_keeps_dagster_postgres_as_an_extra_on_the_dagster_release_train():
    # why: installed by hand, dagster-postgres was removed by every `uv sync --locked` of an upgrade
    import tomllib

    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dagster = next(d for d in project["dependencies"] if d.startswith("dagster=="))
    extra = project["optional-dependencies"]["postgres"]
    _, minor, patch = dagster.split("==")[1].split(".")  # dagster 1.x.y is released with its libraries 0.(x+16).y
    assert f"dagster-postgres==0.{int(minor) + 16}.{patch}" in extra, extra
    assert any(d.startswith("psycopg2-binary") for d in extra)
    lock = (PROJECT_ROOT / "uv.lock").read_text(encoding="utf-8")
    assert 'name = "dagster-postgres"' in lock and 'name = "psycopg2-binary"' in lock
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "uv sync --locked --all-extras" in ci and "postgresql" in ci


def _postgres_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_server():
    """A PostgreSQL cluster of its own: role `ptsm` with a password, database `dagster` (the block's names)."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (Debian's `postgresql`: initdb, pg_ctl); .ci/run installs it")
    user = None
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and no `postgres` account to run the server (PostgreSQL refuses root)")
    folder = Path(tempfile.mkdtemp(prefix="ptsm-pg-"))  # short: the unix socket's path is limited to 107 bytes
    (folder / "pw").write_text(PASSWORD + "\n", encoding="utf-8")
    if user is not None:
        for path in (folder, folder / "pw"):
            os.chown(path, user.pw_uid, user.pw_gid)
    run_as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []} if user else {}
    env = {**os.environ, "LC_ALL": "C", "PGPASSWORD": PASSWORD}
    port = _free_port()

    def pg(tool: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(bin_dir / tool), *args], cwd=folder, env=env, capture_output=True, text=True,
                              timeout=120, **run_as)

    data = str(folder / "data")
    done = pg("initdb", "-D", data, "-U", "ptsm", "--auth=scram-sha-256", f"--pwfile={folder / 'pw'}",
              "-E", "UTF8", "--locale=C")
    assert done.returncode == 0, done.stdout + done.stderr
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    done = pg("pg_ctl", "-D", data, "-o", options, "-l", str(folder / "server.log"), "-w", "-t", "60", "start")
    assert done.returncode == 0, done.stdout + done.stderr + (folder / "server.log").read_text(errors="replace")
    try:
        done = pg("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "ptsm", "dagster")
        assert done.returncode == 0, done.stdout + done.stderr
        yield port
    finally:
        pg("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@needs_extra
@pytest.mark.slow
def test_a_refresh_runs_and_is_recorded_through_the_shipped_postgres_block(postgres_server, tmp_path, mini_copy):
    import psycopg2

    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(shipped_with_postgres(postgres_server), encoding="utf-8")
    # an installation published once already (a copy of mini_run): the instance is what is tested, not the marts
    site = mini_copy
    site.extra_env.update({"DAGSTER_HOME": str(home), "PTSM_DAGSTER_PG_PASSWORD": PASSWORD})

    done = site.refresh(in_process=True)  # `ptsm refresh` through main: the instance is what is tested, not the process

    assert done.returncode == 0, done.stdout
    assert not (home / "history").exists(), "the run went to SQLite files, not to PostgreSQL"
    with psycopg2.connect(host="127.0.0.1", port=postgres_server, user="ptsm", password=PASSWORD,
                          dbname="dagster") as connection, connection.cursor() as cursor:
        cursor.execute("SELECT run_id, pipeline_name, status FROM runs")
        runs = cursor.fetchall()
        assert [(job, status) for _, job, status in runs] == [("ptsm_refresh_no_reports", "SUCCESS")]
        cursor.execute("SELECT count(*) FROM event_logs WHERE run_id = %s AND dagster_event_type = %s "
                       "AND asset_key = %s", (runs[0][0], "ASSET_MATERIALIZATION", '["publish", "marts_release"]'))
        assert cursor.fetchone() == (1,)
    assert runs[0][0] in (site.marts / "manifest.json").read_text(encoding="utf-8")  # the release names its run


@pytest.fixture(scope="module", autouse=True)
def health_on_an_unreachable_instance(tmp_path_factory):
    """`ptsm health --daemon` (the real CLI, in a process of its own) against an instance whose PostgreSQL nothing
    listens to, started with the module: dagster-postgres retries the connection for ~11 s, asleep, while the
    module's other tests run; its test reads the outcome."""
    if importlib.util.find_spec("dagster_postgres") is None or importlib.util.find_spec("psycopg2") is None:
        yield None
        return
    import sys

    home = tmp_path_factory.mktemp("unreachable") / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(shipped_with_postgres(_free_port()), encoding="utf-8")  # nothing listens
    env = {"PATH": "/usr/bin:/bin", "DAGSTER_HOME": str(home), "PTSM_DAGSTER_PG_PASSWORD": PASSWORD,
           "PTSM_DB": str(home.parent / "warehouse.duckdb"), "PTSM_MARTS_DIR": str(home.parent / "marts")}
    process = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "health", "--daemon"], cwd=PROJECT_ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield home, process
    if process.poll() is None:
        process.kill()
        process.communicate()


@needs_extra
@pytest.mark.slow  # the real CLI (a Dagster import) and dagster-postgres' connection retries
def test_health_says_when_the_instance_database_cannot_be_reached(health_on_an_unreachable_instance):
    # why: with the instance's PostgreSQL unreachable, runs stayed NOT_STARTED and nothing said so
    home, process = health_on_an_unreachable_instance
    printed, _ = process.communicate(timeout=300)
    assert process.returncode == 1, printed
    assert f"Instance Dagster inaccessible ({home}/dagster.yaml) : " in printed, printed
    assert "aucune exécution, planification ni alerte ne peut partir." in printed
    assert "Traceback" not in printed
