import math

import numpy as np
import pytest

from pingan.regions.coords import (
    gcj02_to_wgs84,
    gcj02_to_wgs84_arrays,
    wgs84_to_gcj02,
    wgs84_to_gcj02_arrays,
)

# Published reference pairs (WGS84 lng, lat) → (GCJ-02 lng, lat), used by the eviltransform
# implementations in many languages.
PAIRS = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlat = (a[1] - b[1]) * 110_574
    dlng = (a[0] - b[0]) * 111_320 * math.cos(math.radians(a[1]))
    return math.hypot(dlat, dlng)


@pytest.mark.parametrize(("wgs", "gcj"), PAIRS)
def test_forward_matches_reference(wgs, gcj):
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), PAIRS)
def test_inverse_is_within_half_a_metre(wgs, gcj):
    back = gcj02_to_wgs84(*gcj)
    assert metres(back, wgs) < 0.5
    assert back == pytest.approx(wgs, abs=1e-8)  # in fact about a millimetre


def test_offset_is_hundreds_of_metres_inside_china():
    wgs, gcj = PAIRS[2]
    assert 300 < metres(wgs, gcj) < 700


@pytest.mark.parametrize(
    "point",
    [(-104.9903, 39.7392), (153.0251, -27.4698), (-43.1729, -22.9068), (2.3522, 48.8566)],
)
def test_outside_china_is_unchanged(point):
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


def test_array_versions_agree_with_scalar():
    gcj = np.array([p[1] for p in PAIRS] + [(2.3522, 48.8566)])
    lng, lat = gcj02_to_wgs84_arrays(gcj[:, 0], gcj[:, 1])
    for i, point in enumerate(gcj.tolist()):
        assert (lng[i], lat[i]) == pytest.approx(gcj02_to_wgs84(*point), abs=1e-12)
    flng, flat = wgs84_to_gcj02_arrays(lng, lat)
    assert np.allclose(flng, gcj[:, 0], atol=1e-9)
    assert np.allclose(flat, gcj[:, 1], atol=1e-9)
