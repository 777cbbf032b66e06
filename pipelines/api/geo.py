"""The API's PTSM GeoJSON: dissolved PTSM geometries come from `pipelines.lib.reports.geometry` (shared with the report maps);
this module only assembles the FeatureCollection per release and region.
"""

from __future__ import annotations

import json

from pipelines.lib.reports.geometry import arrondissement_shape_code, perimeter_items, ptsm_geometries  # noqa: F401


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
