"""GCJ-02 ⇄ WGS84 for coordinates coming from Chinese map SDKs (高德, 腾讯, 天地图 GCJ layers).

GCJ-02 is WGS84 plus a published, deterministic offset of a few hundred metres inside mainland
China. The forward direction is the public formula; the inverse has no closed form, so
`gcj02_to_wgs84` iterates the forward transform (fixed-point on the offset) until it agrees to
about 1e-9 degrees (≈ 0.1 mm), far inside the 0.5 m we promise.

Outside the rectangle the formula was defined for, GCJ-02 equals WGS84 and the input comes
back unchanged (the same "out of China" test every reference implementation uses).

The array variants (`*_arrays`) do the same on NumPy arrays and are what polygon imports use.
"""

from __future__ import annotations

import math

import numpy as np

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as the formula defines it
_EE = 0.00669342162296594323  # its first eccentricity squared
# Iteration stops when the forward transform of the estimate is within this of the input.
_INVERSE_TOLERANCE_DEG = 1e-10
_INVERSE_MAX_STEPS = 30


def out_of_china(lng: float, lat: float) -> bool:
    """True outside the rectangle where the GCJ-02 offset applies."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _offsets(lng, lat, xp):
    """The GCJ-02 offset (dlng, dlat) in degrees at a WGS84 position; `xp` is math or numpy."""
    x = lng - 105.0
    y = lat - 35.0
    pi = math.pi
    common = (20.0 * xp.sin(6.0 * x * pi) + 20.0 * xp.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * xp.sqrt(abs(x))
    dlat += common
    dlat += (20.0 * xp.sin(y * pi) + 40.0 * xp.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * xp.sin(y / 12.0 * pi) + 320.0 * xp.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * xp.sqrt(abs(x))
    dlng += common
    dlng += (20.0 * xp.sin(x * pi) + 40.0 * xp.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlng += (150.0 * xp.sin(x / 12.0 * pi) + 300.0 * xp.sin(x / 30.0 * pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * pi
    magic = 1 - _EE * xp.sin(radlat) ** 2
    sqrtmagic = xp.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * xp.cos(radlat) * pi)
    return dlng, dlat


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    """WGS84 → GCJ-02 (what a Chinese map SDK would show for a GPS fix)."""
    if out_of_china(lng, lat):
        return lng, lat
    dlng, dlat = _offsets(lng, lat, math)
    return lng + dlng, lat + dlat


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    """GCJ-02 → WGS84 by iterating the forward transform; error well under 0.5 m."""
    if out_of_china(lng, lat):
        return lng, lat
    wlng, wlat = lng, lat
    for _ in range(_INVERSE_MAX_STEPS):
        glng, glat = wgs84_to_gcj02(wlng, wlat)
        elng, elat = glng - lng, glat - lat
        wlng, wlat = wlng - elng, wlat - elat
        if abs(elng) < _INVERSE_TOLERANCE_DEG and abs(elat) < _INVERSE_TOLERANCE_DEG:
            break
    return wlng, wlat


def _inside_mask(lng: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lng >= 72.004) & (lng <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def wgs84_to_gcj02_arrays(lng: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised `wgs84_to_gcj02`; points outside China are returned unchanged."""
    lng = np.asarray(lng, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    inside = _inside_mask(lng, lat)
    dlng, dlat = _offsets(lng, lat, np)
    return np.where(inside, lng + dlng, lng), np.where(inside, lat + dlat, lat)


def gcj02_to_wgs84_arrays(lng: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised `gcj02_to_wgs84`; points outside China are returned unchanged."""
    lng = np.asarray(lng, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    inside = _inside_mask(lng, lat)
    wlng, wlat = lng.copy(), lat.copy()
    for _ in range(_INVERSE_MAX_STEPS):
        dlng, dlat = _offsets(wlng, wlat, np)
        elng = np.where(inside, wlng + dlng - lng, 0.0)
        elat = np.where(inside, wlat + dlat - lat, 0.0)
        wlng -= elng
        wlat -= elat
        if np.all(np.abs(elng) < _INVERSE_TOLERANCE_DEG) and np.all(
            np.abs(elat) < _INVERSE_TOLERANCE_DEG
        ):
            break
    return wlng, wlat
