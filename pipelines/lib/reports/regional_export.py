"""One region's rows of the published marts, for a regional observatory (ORS): `ptsm export --region`.

Reads a single release (the symlink is resolved once). Rows are copied, never recomputed, so cells the marts
suppress stay suppressed. What each mart gives a region is declared in `pipelines/lib/publish/mart_access.py`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from pipelines.lib.catalogue.reference import regions as reference_regions
from pipelines.lib.publish import release as releases
from pipelines.lib.publish.dictionary import DICTIONARY_JSON, DICTIONARY_MD, write_dictionary
from pipelines.lib.publish.figure_access import FIGURES_MART, figures_for_region, read_figure_regions
from pipelines.lib.core.files import make_dir, write_atomic
from pipelines.lib.publish.french_csv import CSV_NOTE, write_csv
from pipelines.lib.publish.mart_access import NATIONAL, REGIONAL, access_class
from pipelines.lib.publish.parquet_format import write_parquet
from pipelines.lib.reports.regional_profiles import PROFILES_DIR, standalone_profile


def _regions(reference_dir: Path) -> dict[str, str]:
    return reference_regions(reference_dir)


def export_region(marts_dir: Path, region_code: str, out_dir: Path, *, reference_dir: Path | None = None) -> list[Path]:
    """Write one region's rows of the published marts (plus national context marts) to `out_dir`."""
    if reference_dir is None:
        from pipelines.lib.core.config import get_settings

        reference_dir = get_settings().reference_dir
    regions = _regions(Path(reference_dir))
    code = str(region_code).strip()
    if code not in regions:
        raise ValueError(
            f"Code région inconnu : {region_code!r}. Codes valides (data/reference/regions.csv) : "
            + ", ".join(f"{c} {n}" for c, n in sorted(regions.items()))
        )
    release = releases.current(Path(marts_dir))
    manifest = releases.read_manifest(release)
    dictionary = json.loads((release / DICTIONARY_JSON).read_text(encoding="utf-8"))
    out_dir = make_dir(Path(out_dir))
    labels = {"ptsm_synthetic": "true" if manifest["synthetic"] else "false", "ptsm_input": manifest["input"],
              "ptsm_release_id": manifest["release_id"], "ptsm_region_code": code}
    written: list[Path] = []
    exported: dict[str, str] = {}
    con = duckdb.connect()
    try:
        for mart in manifest["marts"]:
            access = access_class(mart)
            source = str(release / f"{mart}.parquet")
            if access == REGIONAL and "region_code" in pq.read_schema(source).names:
                table = con.sql("select * from read_parquet($path) where region_code::varchar = $code order by all",
                                params={"path": source, "code": code}).to_arrow_table()
                exported[mart] = "lignes de la région"
            elif mart == FIGURES_MART:  # national figures and this region's only (pipelines/lib/publish/figure_access.py)
                allowed = figures_for_region(read_figure_regions(Path(reference_dir)), code)
                table = con.sql("select * from read_parquet($path) where figure_id in (select unnest($ids::varchar[])) "
                                "order by all", params={"path": source, "ids": allowed}).to_arrow_table()
                exported[mart] = "chiffres nationaux et chiffres de la région"
            elif access == NATIONAL:
                table = con.sql("select * from read_parquet($path) order by all",
                                params={"path": source}).to_arrow_table()
                exported[mart] = "national (contexte), tel que publié"
            else:  # never exported, or a regional mart that lost its region_code: fail closed
                continue
            write_parquet(table.replace_schema_metadata(None), out_dir / f"{mart}.parquet", labels)
            write_csv(table, out_dir / f"{mart}.csv")
            written += [out_dir / f"{mart}.parquet", out_dir / f"{mart}.csv"]
    finally:
        con.close()
    profile = release / releases.REPORTS / PROFILES_DIR / f"{code}.html"  # rendered with the release (helper trends)
    if profile.is_file():  # the copy in the release loads the folder's plotly.js; this one travels alone
        target = out_dir / f"profil_region_{code}.html"
        # its data links point at the files written beside it (the region's rows), the dictionary at this folder's
        write_atomic(target, standalone_profile(profile, data_link=_exported_file))
        written.append(target)
        exported[target.name] = "profil régional (HTML, à ouvrir dans un navigateur)"
    subset = {m: dictionary[m] for m in exported if m in dictionary}
    write_dictionary(out_dir, subset, synthetic=manifest["synthetic"], input_label=manifest["input"],
                     title=f"Dictionnaire des données — export de la région {code} {regions[code]}")
    write_atomic(out_dir / "README.md", _region_readme(code, regions[code], manifest, exported))
    return written + [out_dir / DICTIONARY_JSON, out_dir / DICTIONARY_MD, out_dir / "README.md"]


def _exported_file(name: str) -> str:
    """A data file as the export folder holds it: marts and the dictionary sit beside the profile; the folder itself
    is described by its README."""
    return name or "README.md"


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
