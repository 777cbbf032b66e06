"""PTSM perimeters and shapes: the one place that reads `perimetre` and dissolves PTSM geometries.

The registry's `perimetre` reads `D:<dep>;A:<arr>` (whole départements, COG arrondissements). Each PTSM is drawn as
ONE shape: its items are dissolved (Corse, Limousin... show no internal département border). Used by the API's GeoJSON
(`pipelines/api/geo.py`, full-detail départements) and by the report maps (`pipelines/lib/reports/maps.py`, simplified
mainland départements: a 104-shape map stays light in an HTML report). Geometries depend on the reference folder
only, so they are built once per folder and detail level.

Arrondissement shapes are the 2018 COG shapes whose `code` is `<dep>00<n>` (COG `594` is `59004`).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.polygon import orient

from pipelines.lib.catalogue.reference import registry_rows

DEPARTEMENTS_FILE = "departements-avec-outre-mer.geojson"
DEPARTEMENTS_SIMPLIFIED_FILE = "departements-metropole-simplifie.geojson"
ARRONDISSEMENTS_FILE = "arrondissements-metropole-simplifie.geojson"
SLIVER_AREA = 1e-4  # square degrees, about 1 km2: gaps left between shapes simplified differently


def perimeter_items(perimetre: str) -> list[tuple[str, str]]:
    """`D:90;A:252` -> [("D", "90"), ("A", "252")]; anything else is an error (never silently skipped)."""
    items = []
    for part in perimetre.split(";"):
        kind, _, code = part.strip().partition(":")
        if kind not in ("D", "A") or not code:
            raise ValueError(f"élément de périmètre illisible : {part!r}")
        items.append((kind, code))
    return items


def perimeter_departements(perimetre: str) -> list[str]:
    """Département codes a perimeter touches (`A:594` -> `59`, `A:2A1` -> `2A`), in order, without repeats."""
    seen: list[str] = []
    for kind, code in perimeter_items(perimetre):
        dep = code if kind == "D" else code[:-1]
        if dep not in seen:
            seen.append(dep)
    return seen


def arrondissement_shape_code(cog_code: str) -> str:
    """COG arrondissement `594` (département 59, n 4) -> shape code `59004`; `2A1` -> `2A001`."""
    return f"{cog_code[:-1]}00{cog_code[-1]}"


def read_registry(reference_dir: str | Path) -> list[dict[str, str]]:
    return registry_rows(Path(reference_dir))


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


def _without_slivers(geom):
    """Drop the tiny holes that dissolving shapes from two sources leaves along their shared borders."""
    polygons = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    kept = [
        shapely.Polygon(p.exterior, [r for r in p.interiors if shapely.Polygon(r).area >= SLIVER_AREA])
        for p in polygons
        if p.geom_type == "Polygon"
    ]
    return kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)


@functools.lru_cache(maxsize=4)
def ptsm_shapes(reference_dir: str, simplified: bool = False) -> dict[str, object]:
    """ptsm_id -> its dissolved shapely geometry (lon/lat, RFC 7946 orientation).

    `simplified=True` takes mainland départements from the simplified file (overseas ones always come from the
    full file, the only one that has them)."""
    ref = Path(reference_dir)
    departements = _shapes(ref / DEPARTEMENTS_FILE)
    if simplified:
        departements.update(_shapes(ref / DEPARTEMENTS_SIMPLIFIED_FILE))
    arrondissements = _shapes(ref / ARRONDISSEMENTS_FILE)
    result: dict[str, object] = {}
    for row in read_registry(ref):
        parts = []
        for kind, code in perimeter_items(row["perimetre"]):
            source = departements if kind == "D" else arrondissements
            key = code if kind == "D" else arrondissement_shape_code(code)
            if key not in source:
                raise ValueError(f"{row['ptsm_id']}: forme introuvable pour {kind}:{code}")
            parts.append(source[key])
        dissolved = shapely.make_valid(shapely.union_all(parts))
        if len(parts) > 1:
            # simplified neighbours do not share vertices exactly: close the hairline gaps before dissolving
            if simplified:
                dissolved = shapely.make_valid(shapely.union_all([p.buffer(0.002) for p in parts]).buffer(-0.002))
            dissolved = _without_slivers(dissolved)
        result[row["ptsm_id"]] = _oriented(dissolved)
    return result


@functools.lru_cache(maxsize=2)
def ptsm_geometries(reference_dir: str) -> dict[str, str]:
    """ptsm_id -> its dissolved geometry at full detail, already serialised as GeoJSON text (API)."""
    return {ptsm_id: json.dumps(mapping(geom), separators=(",", ":"))
            for ptsm_id, geom in ptsm_shapes(str(reference_dir)).items()}


def outer_rings(geom) -> list[list[tuple[float, float]]]:
    """Exterior rings of a Polygon or MultiPolygon as (lon, lat) lists (holes are left to the fill rule)."""
    polygons = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    return [[(float(x), float(y)) for x, y in p.exterior.coords] for p in polygons]
