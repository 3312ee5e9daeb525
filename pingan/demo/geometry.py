"""Deterministic, exactly tiling polygons for the demo county.

Every level is cut from its parent with a clipped Voronoi diagram, in a local kilometre
plane so cells are not stretched by longitude convergence. The finest cells are then
converted to WGS84, noded together once on a 1e-6° grid (≈ 0.1 m) and polygonized; every
polygon of every level is a union of those shared faces. Neighbours therefore share
identical vertices and each level tiles its parent exactly: no gaps, no overlaps, even
after rounding (ADR 0006).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon, mapping
from shapely.geometry.base import BaseGeometry

GRID_SIZE = 1e-6  # degrees; six decimals, the precision stored in GeoJSON
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LNG_EQUATOR = 111.320
SEED_BATCH = 64  # candidate points drawn at a time
MAX_SEED_BATCHES = 1000


def rng_for(seed: int, *keys: int | str) -> np.random.Generator:
    """A generator that depends only on the seed and the keys (e.g. a region code).

    Keying by region code keeps one town's villages independent of how many random numbers
    other towns consumed, so the layout is stable and easy to reason about.
    """
    material = [int(seed) & 0xFFFFFFFF]
    for key in keys:
        material.extend(ord(ch) for ch in str(key))
    return np.random.default_rng(material)


def county_outline(rng: np.random.Generator, radius_km: float, vertices: int = 96) -> Polygon:
    """An irregular, star-shaped outline around (0, 0) in the km plane.

    The radius is a sum of a few low harmonics plus fine jitter: it looks like a natural
    boundary, and a star shape is always a simple polygon.
    """
    theta = np.linspace(0.0, 2.0 * math.pi, vertices, endpoint=False)
    radius = np.ones_like(theta)
    for k in range(2, 7):
        amplitude = rng.uniform(0.03, 0.12) / (k - 1)
        radius += amplitude * np.cos(k * theta + rng.uniform(0, 2 * math.pi))
    radius += rng.normal(0.0, 0.012, size=vertices)
    radius = np.clip(radius, 0.55, None) * radius_km
    ring = np.column_stack([radius * np.cos(theta), radius * np.sin(theta)])
    return Polygon(ring)


def sample_seeds(
    rng: np.random.Generator, polygon: Polygon, count: int
) -> list[tuple[float, float]]:
    """`count` points inside `polygon`, kept apart so no cell is a sliver.

    Dart throwing with a minimum spacing that relaxes when the polygon is crowded.
    """
    min_x, min_y, max_x, max_y = polygon.bounds
    spacing = 0.75 * math.sqrt(polygon.area / max(count, 1))
    chosen: list[tuple[float, float]] = []
    for attempt in range(1, MAX_SEED_BATCHES + 1):
        xs = rng.uniform(min_x, max_x, SEED_BATCH)
        ys = rng.uniform(min_y, max_y, SEED_BATCH)
        inside = shapely.contains_xy(polygon, xs, ys)
        for x, y in zip(xs[inside], ys[inside], strict=True):
            if any(math.hypot(x - cx, y - cy) < spacing for cx, cy in chosen):
                continue
            chosen.append((float(x), float(y)))
            if len(chosen) == count:
                return chosen
        if attempt % 20 == 0:  # crowded: accept closer neighbours rather than loop forever
            spacing *= 0.8
    raise ValueError(f"could not place {count} seed points in a polygon of area {polygon.area}")


def voronoi_split(polygon: Polygon, seeds: Sequence[tuple[float, float]]) -> list[Polygon]:
    """Cells of `seeds` clipped to `polygon`, in seed order, each a single polygon."""
    if len(seeds) == 1:
        return [polygon]
    diagram = shapely.voronoi_polygons(
        MultiPoint(seeds), extend_to=polygon.envelope.buffer(1.0), ordered=True
    )
    cells = [cell.intersection(polygon) for cell in diagram.geoms]
    return _single_parts(cells)


def relaxed_split(
    rng: np.random.Generator, polygon: Polygon, count: int, *, rounds: int = 1
) -> list[Polygon]:
    """Split into `count` cells of similar size: Voronoi plus `rounds` of Lloyd relaxation."""
    seeds = sample_seeds(rng, polygon, count)
    for _ in range(rounds):
        cells = voronoi_split(polygon, seeds)
        seeds = [_interior_xy(cell) for cell in cells]
    return order_cells(voronoi_split(polygon, seeds))


def order_cells(cells: list[Polygon]) -> list[Polygon]:
    """Number cells north to south in bands, west to east within a band, like a map reader."""
    if len(cells) < 2:
        return cells
    ys = [cell.centroid.y for cell in cells]
    band = (max(ys) - min(ys)) / max(1, round(math.sqrt(len(cells)))) or 1.0
    return sorted(cells, key=lambda c: (-math.floor(c.centroid.y / band), c.centroid.x))


def _interior_xy(polygon: Polygon) -> tuple[float, float]:
    point = polygon.centroid
    if not polygon.contains(point):
        point = polygon.point_on_surface()
    return (point.x, point.y)


def _single_parts(cells: list[BaseGeometry]) -> list[Polygon]:
    """Give every minor part of a multi-part cell to the sibling it shares most border with.

    A convex Voronoi cell clipped to a non-convex parent can fall apart. A stray part is
    bounded by Voronoi edges that it shares, with positive length, with its neighbours, so
    the union stays one piece. Nothing is ever dropped: the cells keep tiling the parent.
    """
    cells = [_polygonal(cell) for cell in cells]
    for index, cell in enumerate(cells):
        if cell.geom_type != "MultiPolygon":
            continue
        parts = sorted(cell.geoms, key=lambda part: part.area, reverse=True)
        cells[index] = parts[0]
        for part in parts[1:]:
            shared = [
                part.boundary.intersection(other.boundary).length if j != index else -1.0
                for j, other in enumerate(cells)
            ]
            best = int(np.argmax(shared))
            cells[best] = _polygonal(cells[best].union(part))
    return cells


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Drop points/lines that overlay operations can leave in a GeometryCollection."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    polygons = [g for g in getattr(geometry, "geoms", []) if g.geom_type == "Polygon"]
    return shapely.union_all(polygons) if polygons else Polygon()


class Projection:
    """Local equirectangular projection between a km plane and WGS84 around a centre."""

    def __init__(self, lng: float, lat: float) -> None:
        self.lng, self.lat = lng, lat
        self.km_per_deg_lng = KM_PER_DEG_LNG_EQUATOR * math.cos(math.radians(lat))

    def to_wgs84(self, geometry: BaseGeometry) -> BaseGeometry:
        scale = np.array([1.0 / self.km_per_deg_lng, 1.0 / KM_PER_DEG_LAT])
        offset = np.array([self.lng, self.lat])
        return shapely.transform(geometry, lambda xy: xy * scale + offset)


def snap_hierarchy(leaves: dict[str, Polygon], prefix_lengths: Iterable[int]) -> dict[str, Polygon]:
    """Node all leaf cells on the 1e-6° grid and rebuild every level from shared faces.

    `leaves` maps the finest codes (grids, or micro-grids where a grid has them) to WGS84
    polygons that tile the county up to floating-point noise. Returns polygons for the
    leaves and for every ancestor code obtained by cutting leaf codes to `prefix_lengths`.
    An ancestor of a leaf whose children are themselves leaves is built from their faces,
    so e.g. a grid split into micro-grids is exactly the union of its micro-grids.
    """
    codes = list(leaves)
    cells = [leaves[code] for code in codes]
    linework = shapely.union_all(shapely.boundary(cells), grid_size=GRID_SIZE)
    faces = list(shapely.polygonize(shapely.get_parts(linework)).geoms)
    tree = shapely.STRtree(cells)
    faces_by_code: dict[str, list[Polygon]] = defaultdict(list)
    for face in faces:
        candidates = tree.query(face)
        overlaps = [face.intersection(cells[i]).area for i in candidates]
        owner = codes[int(candidates[int(np.argmax(overlaps))])]
        faces_by_code[owner].append(face)
    result: dict[str, Polygon] = {}
    grouped: dict[str, list[Polygon]] = defaultdict(list)
    for code, own_faces in faces_by_code.items():
        result[code] = _merge(own_faces)
        for length in prefix_lengths:
            if length < len(code):
                grouped[code[:length]].extend(own_faces)
    for code, own_faces in grouped.items():
        result[code] = _merge(own_faces)
    missing = set(codes) - set(result)
    if missing:  # a leaf narrower than the grid vanished: refuse rather than store a hole
        raise ValueError(f"cells collapsed while snapping: {sorted(missing)[:5]}")
    return result


def _merge(faces: list[Polygon]) -> Polygon:
    merged = faces[0] if len(faces) == 1 else shapely.coverage_union_all(faces)
    return shapely.orient_polygons(merged)


def to_geojson(geometry: BaseGeometry) -> dict:
    """GeoJSON dict with coordinates at six decimals (RFC 7946 ring orientation)."""
    rounded = shapely.transform(shapely.orient_polygons(geometry), lambda xy: np.round(xy, 6))
    return _lists(mapping(rounded))


def _lists(value):
    """`mapping()` returns tuples; JSON fields round-trip lists, so compare like with like."""
    if isinstance(value, dict):
        return {key: _lists(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_lists(item) for item in value]
    return value


def centroid_lnglat(geometry: BaseGeometry) -> tuple[float, float]:
    """The centroid when it falls inside (as the regions app does), else a point inside."""
    point = geometry.centroid
    if not geometry.contains(point):
        point = geometry.representative_point()
    return (round(point.x, 6), round(point.y, 6))
