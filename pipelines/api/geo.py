"""PTSM shapes: each PTSM's perimeter items (départements, arrondissements) dissolved into one geometry.

The registry's `perimetre` reads `D:<dep>;A:<arr>`. Départements come from the shapes with overseas
territories; arrondissements from the 2018 COG shapes whose `code` is `<dep>00<n>` (COG `594` is `59004`).
Geometries do not depend on the release, so they are built once per reference folder.
"""

from __future__ import annotations

import csv
import functools
import json
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.polygon import orient

DEPARTEMENTS_FILE = "departements-avec-outre-mer.geojson"
ARRONDISSEMENTS_FILE = "arrondissements-metropole-simplifie.geojson"


def arrondissement_shape_code(cog_code: str) -> str:
    """COG arrondissement `594` (département 59, n 4) -> shape code `59004`; `2A1` -> `2A001`."""
    return f"{cog_code[:-1]}00{cog_code[-1]}"


def _shapes(path: Path) -> dict[str, object]:
    with open(path, encoding="utf-8") as fh:
        collection = json.load(fh)
    return {f["properties"]["code"]: shape(f["geometry"]) for f in collection["features"]}


def _oriented(geom):
    """RFC 7946: exterior rings counter-clockwise, holes clockwise."""
    if geom.geom_type == "Polygon":
        return orient(geom, 1.0)
    if geom.geom_type == "MultiPolygon":
        return shapely.MultiPolygon([orient(p, 1.0) for p in geom.geoms])
    polygons = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return _oriented(shapely.union_all(polygons))


SLIVER_AREA = 1e-4  # square degrees, about 1 km2: gaps left between shapes simplified differently


def _without_slivers(geom):
    """Drop the tiny holes that dissolving shapes from two sources leaves along their shared borders."""
    polygons = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    kept = [
        shapely.Polygon(p.exterior, [r for r in p.interiors if shapely.Polygon(r).area >= SLIVER_AREA])
        for p in polygons
        if p.geom_type == "Polygon"
    ]
    return kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)


def perimeter_items(perimetre: str) -> list[tuple[str, str]]:
    """`D:90;A:252` -> [("D", "90"), ("A", "252")]."""
    items = []
    for part in perimetre.split(";"):
        kind, _, code = part.strip().partition(":")
        if kind not in ("D", "A") or not code:
            raise ValueError(f"élément de périmètre illisible : {part!r}")
        items.append((kind, code))
    return items


@functools.lru_cache(maxsize=2)
def ptsm_geometries(reference_dir: str) -> dict[str, str]:
    """ptsm_id -> its dissolved geometry, already serialised as GeoJSON text."""
    ref = Path(reference_dir)
    departements = _shapes(ref / DEPARTEMENTS_FILE)
    arrondissements = _shapes(ref / ARRONDISSEMENTS_FILE)
    geometries: dict[str, str] = {}
    with open(ref / "ptsm_registry.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            parts = []
            for kind, code in perimeter_items(row["perimetre"]):
                source = departements if kind == "D" else arrondissements
                key = code if kind == "D" else arrondissement_shape_code(code)
                if key not in source:
                    raise ValueError(f"{row['ptsm_id']}: forme introuvable pour {kind}:{code}")
                parts.append(source[key])
            dissolved = shapely.make_valid(shapely.union_all(parts))
            if len(parts) > 1:
                dissolved = _without_slivers(dissolved)
            geometries[row["ptsm_id"]] = json.dumps(mapping(_oriented(dissolved)), separators=(",", ":"))
    return geometries


def feature_collection(rows: list[dict], geometries: dict[str, str], meta: dict) -> bytes:
    """Assemble the FeatureCollection from pre-serialised geometries (cheap per release and region)."""
    features = []
    for row in rows:
        geometry = geometries.get(row["ptsm_id"], "null")
        properties = json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=str)
        features.append(f'{{"type":"Feature","id":{json.dumps(row["ptsm_id"])},'
                        f'"properties":{properties},"geometry":{geometry}}}')
    head = json.dumps({"type": "FeatureCollection", **meta}, ensure_ascii=False, separators=(",", ":"))[:-1]
    return (head + ',"features":[' + ",".join(features) + "]}").encode("utf-8")
