"""Publish the marts as one immutable release folder and swap the `marts_dir` symlink onto it.

Layout: `marts_dir` (e.g. data/marts) is a relative symlink to `<parent>/.<name>-releases/<release_id>/`, which holds
`<mart>.parquet`, `<mart>.csv`, `DICTIONNAIRE.md`, `dictionary.json` and `manifest.json`. Everything but the manifest
is a pure function of the mart tables and of the input label, so the same inputs give byte-identical files and the
same release id (a hash of those files). Readers resolve the symlink once and always see one complete release.
Plain Python: no Dagster here.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import json
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any, Iterable

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.lib.datapackage import write_datapackage
from pipelines.lib.hashing import sha256_file

KEEP_RELEASES = 3
MANIFEST = "manifest.json"
DICTIONARY_JSON = "dictionary.json"
DICTIONARY_MD = "DICTIONNAIRE.md"
TRUE_TEXT, FALSE_TEXT = "vrai", "faux"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
RELEASE_ID = re.compile(r"^[0-9a-f]{16}$")
# Parquet writer settings are fixed so a release is reproducible byte for byte.
PARQUET_OPTIONS = dict(
    compression="zstd", compression_level=3, row_group_size=131_072, use_dictionary=True,
    write_statistics=True, version="2.6", data_page_version="1.0",
)
# Marts without a region_code column that a regional export carries as national context.
NATIONAL_MARTS = (
    "coordinator_vacancy_national", "survey_results", "population_coverage", "coordinator_posts_national",
    "published_comparison",
)
# Never leaves the observatory in an export: quarantined rows may carry raw values.
NEVER_EXPORTED = ("quality_report",)

CSV_NOTE = (
    "Les fichiers CSV s'ouvrent dans Excel en français : encodage UTF-8 avec BOM, séparateur `;`, virgule décimale "
    "(`1234,5`), dates `AAAA-MM-JJ`, booléens `vrai` / `faux`, cellule vide = valeur manquante (inconnue ou masquée). "
    "Une cellule de texte qui commence par `=`, `+`, `-`, `@`, une tabulation ou un retour chariot est précédée "
    "d'une apostrophe `'` pour qu'Excel ne l'exécute pas comme une formule. Les fichiers Parquet portent les "
    "valeurs exactes et leurs types."
)


# --- cell formatting ----------------------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Prefix text that a spreadsheet would run as a formula (CSV injection)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def format_cell(value: Any) -> str:
    """One value as French-Excel CSV text; numbers stay numbers (a negative number keeps its minus sign)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return TRUE_TEXT if value else FALSE_TEXT
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return np.format_float_positional(value, trim="-").replace(".", ",")
    if isinstance(value, decimal.Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return neutralise(";".join(format_cell(v) for v in value))
    return neutralise(str(value))


def write_csv(table: pa.Table, path: Path) -> None:
    """French Excel CSV: UTF-8 BOM, `;`, decimal comma, CRLF, formula-neutralised text."""
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow([neutralise(name) for name in table.column_names])
        for row in zip(*columns):
            writer.writerow([format_cell(v) for v in row])
        handle.flush()
        os.fsync(handle.fileno())


def write_parquet(table: pa.Table, path: Path, labels: dict[str, str]) -> None:
    """Parquet with fixed writer settings; the input labels ride in the schema metadata."""
    metadata = {**(table.schema.metadata or {}), **{k.encode(): v.encode() for k, v in sorted(labels.items())}}
    table = table.replace_schema_metadata(metadata)
    with path.open("wb") as handle:
        pq.write_table(table, handle, **PARQUET_OPTIONS)
        handle.flush()
        os.fsync(handle.fileno())


def _write_text(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)



# --- data dictionary --------------------------------------------------------------------------------------------


def _split_table_comment(comment: str | None) -> tuple[str, str]:
    """Table comments hold the SQL header's `mart:` description and `grain:`; split them back."""
    text = (comment or "").strip()
    match = re.search(r"(?:^|[\s.;|—-])grain\s*:\s*(.+)$", text, flags=re.I | re.S)
    grain = match.group(1).strip() if match else ""
    description = text[: match.start()] if match else text
    description = re.sub(r"^\s*mart\s*:\s*", "", description, flags=re.I).strip(" \n;|—-")
    return description, grain


def read_dictionary(con: duckdb.DuckDBPyConnection, marts: Iterable[str], schema: str = "marts") -> dict[str, Any]:
    """`{mart: {description, grain, columns: [{name, type, description}]}}` from DuckDB comments."""
    marts = list(marts)
    tables = dict(
        con.execute(
            "select table_name, comment from duckdb_tables() where schema_name = ? and list_contains(?, table_name)",
            [schema, marts],
        ).fetchall()
    )
    columns = con.execute(
        "select table_name, column_name, data_type, comment from duckdb_columns()"
        " where schema_name = ? and list_contains(?, table_name) order by table_name, column_index",
        [schema, marts],
    ).fetchall()
    dictionary: dict[str, Any] = {}
    for mart in marts:
        description, grain = _split_table_comment(tables.get(mart))
        dictionary[mart] = {
            "description": description,
            "grain": grain,
            "columns": [
                {"name": c, "type": t, "description": (d or "").strip()} for m, c, t, d in columns if m == mart
            ],
        }
    return dictionary


def _md_cell(text: str) -> str:
    return (text or "—").replace("|", "\\|").replace("\n", " ")


def render_dictionary(dictionary: dict[str, Any], *, synthetic: bool, input_label: str, title: str) -> str:
    """The French data dictionary (DICTIONNAIRE.md); no timestamp, so it is reproducible."""
    origin = (
        "**Données SYNTHÉTIQUES** (échantillon de démonstration généré par le dépôt) : ne pas diffuser comme "
        "données réelles."
        if synthetic
        else "Données issues des exports reçus par la DMSMP."
    )
    lines = [f"# {title}", "", origin, f"Entrée : `{input_label}`.", "", CSV_NOTE, ""]
    for mart, entry in dictionary.items():
        lines += [f"## `{mart}`", "", entry["description"] or "(description absente)", ""]
        if entry["grain"]:
            lines += [f"Grain : {entry['grain']}", ""]
        lines += ["| colonne | type | description |", "|---|---|---|"]
        lines += [f"| `{c['name']}` | {c['type']} | {_md_cell(c['description'])} |" for c in entry["columns"]]
        lines.append("")
    return "\n".join(lines)


def _write_dictionary(folder: Path, dictionary: dict[str, Any], *, synthetic: bool, input_label: str, title: str) -> None:
    _write_text(folder / DICTIONARY_JSON, json.dumps(dictionary, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    _write_text(folder / DICTIONARY_MD, render_dictionary(dictionary, synthetic=synthetic, input_label=input_label,
                                                          title=title))


# --- releases ---------------------------------------------------------------------------------------------------


def releases_dir(marts_dir: Path) -> Path:
    return marts_dir.parent / f".{marts_dir.name}-releases"


def read_published(marts_dir: Path) -> Path:
    """The release folder the symlink points at now; resolve once and read everything from it."""
    release = Path(os.path.realpath(marts_dir))
    if not (release / MANIFEST).is_file():
        raise FileNotFoundError(f"Aucune publication de marts dans {marts_dir} (pas de {MANIFEST}).")
    return release


def load_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a release folder, or of the current release when given `marts_dir`."""
    release = read_published(Path(path))
    return json.loads((release / MANIFEST).read_text(encoding="utf-8"))


def verify_release(release: Path) -> bool:
    """True when every file listed in the manifest is present with its sha256."""
    try:
        manifest = json.loads((release / MANIFEST).read_text(encoding="utf-8"))
        return all(sha256_file(release / name) == digest for name, digest in manifest["files"].items())
    except (OSError, ValueError, KeyError):
        return False


def _check_marts(con: duckdb.DuckDBPyConnection, marts: list[str], schema: str) -> None:
    bad = [m for m in marts if not IDENTIFIER.match(m)]
    if bad:
        raise ValueError(f"Not mart names: {bad}")
    present = {r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = ?",
                                         [schema]).fetchall()}
    missing = [m for m in marts if m not in present]
    if missing:
        raise ValueError(f"Marts absents de la base : {', '.join(f'{schema}.{m}' for m in missing)}.")


def _write_marts(con: duckdb.DuckDBPyConnection, marts: list[str], folder: Path, labels: dict[str, str],
                 schema: str = "marts") -> None:
    for mart in marts:
        table = con.sql(f"select * from {schema}.{mart} order by all").to_arrow_table()
        write_parquet(table, folder / f"{mart}.parquet", labels)
        write_csv(table, folder / f"{mart}.csv")


def _content_id(folder: Path) -> tuple[str, dict[str, str]]:
    files = {p.name: sha256_file(p) for p in sorted(folder.iterdir()) if p.name != MANIFEST}
    listing = "".join(f"{name}\0{digest}\n" for name, digest in sorted(files.items()))
    return hashlib.sha256(listing.encode()).hexdigest()[:16], files


def _prepare_target(marts_dir: Path) -> None:
    """A legacy real folder at `marts_dir` is only replaced when empty; never delete someone's files."""
    if marts_dir.is_symlink() or not marts_dir.exists():
        return
    if marts_dir.is_dir() and not any(marts_dir.iterdir()):
        marts_dir.rmdir()
        return
    raise RuntimeError(
        f"{marts_dir} est un dossier réel non vide (ancienne mise en page) : déplacez ou supprimez-le, "
        f"la publication en fait un lien vers {releases_dir(marts_dir)}/<release_id>/."
    )


def _swap_symlink(marts_dir: Path, release: Path) -> None:
    tmp_link = marts_dir.parent / f".{marts_dir.name}.link-{uuid.uuid4().hex}"
    os.symlink(os.path.relpath(release, marts_dir.parent), tmp_link)
    try:
        os.replace(tmp_link, marts_dir)
    except BaseException:
        tmp_link.unlink(missing_ok=True)
        raise
    _fsync_dir(marts_dir.parent)


def _prune(marts_dir: Path, keep: int) -> None:
    """Keep the current release and the most recently published others, `keep` in all; drop stale temp folders."""
    root = releases_dir(marts_dir)
    current = Path(os.path.realpath(marts_dir))
    for stale in root.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale_link in marts_dir.parent.glob(f".{marts_dir.name}.link-*"):  # a run killed between link and swap
        stale_link.unlink(missing_ok=True)
    others = [p for p in root.iterdir() if p.is_dir() and RELEASE_ID.match(p.name) and p != current]
    others.sort(key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)
    for old in others[max(keep - 1, 0):]:
        shutil.rmtree(old)


def publish_release(
    con: duckdb.DuckDBPyConnection,
    marts: list[str],
    marts_dir: Path,
    *,
    synthetic: bool,
    input_label: str,
    produced_at: dt.datetime | None = None,
    schema: str = "marts",
    keep: int = KEEP_RELEASES,
) -> Path:
    """Write every `<schema>.<mart>` to a new release folder, then point `marts_dir` at it; return the folder.

    A failure before the swap removes the partial folder and leaves the previous release published.
    Publishing identical content again reuses the existing release folder (same id, same files, first manifest).
    """
    marts_dir = Path(marts_dir)
    marts = sorted(dict.fromkeys(marts))
    _check_marts(con, marts, schema)
    _prepare_target(marts_dir)
    root = releases_dir(marts_dir)
    root.mkdir(parents=True, exist_ok=True)
    work = root / f".tmp-{uuid.uuid4().hex}"
    work.mkdir()
    try:
        labels = {"ptsm_synthetic": "true" if synthetic else "false", "ptsm_input": input_label}
        _write_marts(con, marts, work, labels, schema)
        _write_dictionary(work, read_dictionary(con, marts, schema), synthetic=synthetic, input_label=input_label,
                          title="Dictionnaire des données — marts de l'observatoire PTSM")
        write_datapackage(work, synthetic=synthetic)  # datapackage.json (pipelines/lib/datapackage.py)
        release_id, files = _content_id(work)
        produced = (produced_at or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
        manifest = {
            "release_id": release_id,
            "produced_at": produced.isoformat(timespec="seconds"),
            "synthetic": synthetic,
            "input": input_label,
            "marts": marts,
            "files": files,
        }
        _write_text(work / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
        _fsync_dir(work)
        release = root / release_id
        if release.exists() and verify_release(release):
            shutil.rmtree(work)
            os.utime(release)  # most recently published, for pruning
        else:
            if release.exists():  # a damaged folder with this id: set it aside, never half-replace it
                release.rename(root / f".tmp-damaged-{uuid.uuid4().hex}")
            work.rename(release)
            _fsync_dir(root)
        _swap_symlink(marts_dir, release)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _prune(marts_dir, keep)
    return release


# --- regional export --------------------------------------------------------------------------------------------


def _regions(reference_dir: Path) -> dict[str, str]:
    with (reference_dir / "regions.csv").open(encoding="utf-8") as handle:
        return {r["region_code"]: r["region_nom"] for r in csv.DictReader(handle)}


def export_region(marts_dir: Path, region_code: str, out_dir: Path, *, reference_dir: Path | None = None) -> list[Path]:
    """Write one region's rows of the published marts (plus national context marts) to `out_dir`.

    Reads a single release (the symlink is resolved once). Rows are copied, never recomputed, so cells the marts
    suppress stay suppressed. `quality_report` is never exported.
    """
    if reference_dir is None:
        from pipelines.lib.config import get_settings

        reference_dir = get_settings().reference_dir
    regions = _regions(Path(reference_dir))
    code = str(region_code).strip()
    if code not in regions:
        raise ValueError(
            f"Code région inconnu : {region_code!r}. Codes valides (data/reference/regions.csv) : "
            + ", ".join(f"{c} {n}" for c, n in sorted(regions.items()))
        )
    release = read_published(Path(marts_dir))
    manifest = json.loads((release / MANIFEST).read_text(encoding="utf-8"))
    dictionary = json.loads((release / DICTIONARY_JSON).read_text(encoding="utf-8"))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = {"ptsm_synthetic": "true" if manifest["synthetic"] else "false", "ptsm_input": manifest["input"],
              "ptsm_release_id": manifest["release_id"], "ptsm_region_code": code}
    written: list[Path] = []
    exported: dict[str, str] = {}
    con = duckdb.connect()
    try:
        for mart in manifest["marts"]:
            if mart in NEVER_EXPORTED:
                continue
            source = str(release / f"{mart}.parquet")
            names = pq.read_schema(source).names
            if "region_code" in names:
                table = con.sql("select * from read_parquet($path) where region_code::varchar = $code order by all",
                                params={"path": source, "code": code}).to_arrow_table()
                exported[mart] = "lignes de la région"
            elif mart in NATIONAL_MARTS:
                table = con.sql("select * from read_parquet($path) order by all",
                                params={"path": source}).to_arrow_table()
                exported[mart] = "national (contexte), tel que publié"
            else:
                continue
            write_parquet(table.replace_schema_metadata(None), out_dir / f"{mart}.parquet", labels)
            write_csv(table, out_dir / f"{mart}.csv")
            written += [out_dir / f"{mart}.parquet", out_dir / f"{mart}.csv"]
    finally:
        con.close()
    subset = {m: dictionary[m] for m in exported if m in dictionary}
    _write_dictionary(out_dir, subset, synthetic=manifest["synthetic"], input_label=manifest["input"],
                      title=f"Dictionnaire des données — export de la région {code} {regions[code]}")
    readme = _region_readme(code, regions[code], manifest, exported)
    _write_text(out_dir / "README.md", readme)
    return written + [out_dir / DICTIONARY_JSON, out_dir / DICTIONARY_MD, out_dir / "README.md"]


def _region_readme(code: str, name: str, manifest: dict[str, Any], exported: dict[str, str]) -> str:
    origin = (
        "**Données SYNTHÉTIQUES** (échantillon de démonstration) : ne pas diffuser comme données réelles."
        if manifest["synthetic"]
        else "Données issues des exports reçus par la DMSMP."
    )
    lines = [
        f"# Observatoire PTSM — export de la région {code} {name}",
        "",
        origin,
        "",
        f"Publication source : `{manifest['release_id']}` produite le {manifest['produced_at']} "
        f"(entrée `{manifest['input']}`).",
        "",
        "Contenu (chaque mart en `.parquet` et en `.csv`, décrit dans `DICTIONNAIRE.md`) :",
        "",
        *[f"- `{mart}` : {scope}" for mart, scope in exported.items()],
        "",
        "Les résultats d'enquête par région (`survey_results_region`) sont soumis au secret statistique : toute "
        "case d'effectif inférieur à 5 est masquée (n et part vides), ainsi que les cases masquées en secret "
        "secondaire. Cet export recopie les cases telles que publiées et ne les recalcule jamais. Le rapport "
        "qualité (`quality_report`) n'est pas exporté : il peut contenir des valeurs brutes.",
        "",
        CSV_NOTE,
        "",
    ]
    return "\n".join(lines)
