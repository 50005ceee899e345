"""Where an intervention acts: horizontal footprints and vertical placement on the model grid.

A footprint is a point, a Gaussian patch, a polygon or a ship track of waypoints, in km on the
grid's own x/y axes or in degrees (lon, lat; projected on a local tangent plane). Its horizontal
weight per column is the footprint's kernel averaged over SUB x SUB sample points inside the
cell (so polygon and track edges are resolved to a fraction of a cell): the covered fraction for
polygons and tracks, exp(-r^2/R^2) (cut at 3R) for patches; a point acts in the wet cell
nearest to it (within 1.5 cell widths). Vertically an intervention acts over a
depth range, in proportion to the water thickness of each layer inside the range, or at the
seabed. Weights are numpy (host) arrays; they become static inputs of the step.
"""
from __future__ import annotations

import numpy as np
from matplotlib.path import Path as PolygonPath

from ..config import ConfigError

KM_PER_DEGREE = 111.195     # great-circle km per degree of latitude (Earth radius 6371 km)
SUB = 5                     # sample points per cell along each axis
PATCH_CUTOFF = 3.0          # Gaussian patches end at 3 e-folding radii


def _frame(grid, units: str):
    """Cell-centre coordinates (ny, nx) in km and a function mapping footprint points to them."""
    lon, lat = np.asarray(grid.lon, float), np.asarray(grid.lat, float)
    if units == "km":
        X, Y = np.meshgrid(np.asarray(grid.x_km, float), np.asarray(grid.y_km, float))
        return X, Y, lambda pts: np.asarray(pts, float).reshape(-1, 2)
    lon0, lat0 = float(lon.mean()), float(lat.mean())
    scale = np.array([KM_PER_DEGREE * np.cos(np.radians(lat0)), KM_PER_DEGREE])
    def to_km(pts):
        return (np.asarray(pts, float).reshape(-1, 2) - [lon0, lat0]) * scale

    XY = to_km(np.stack([lon.ravel(), lat.ravel()], 1))
    return XY[:, 0].reshape(lon.shape), XY[:, 1].reshape(lon.shape), to_km


def _samples(X, Y):
    """SUB x SUB sample points per cell (ny, nx, SUB*SUB, 2) from the local coordinate gradients."""
    ny, nx = X.shape
    def grad(A, axis):
        return np.gradient(A, axis=axis) if A.shape[axis] > 1 else np.ones_like(A)

    off = (np.arange(SUB) + 0.5) / SUB - 0.5
    a, b = np.meshgrid(off, off, indexing="ij")
    a, b = a.ravel(), b.ravel()            # a: along y (j), b: along x (i)
    dXj, dXi, dYj, dYi = grad(X, 0), grad(X, 1), grad(Y, 0), grad(Y, 1)
    if X.shape[1] == 1 and np.all(dXi == 1):   # one column: width unknown; use the y spacing
        dXi = np.abs(dYj)
    if X.shape[0] == 1 and np.all(dYj == 1):
        dYj = np.abs(dXi)
    px = X[..., None] + dXj[..., None] * a + dXi[..., None] * b
    py = Y[..., None] + dYj[..., None] * a + dYi[..., None] * b
    return np.stack([px, py], -1)


def _distance_to_polyline(p, line):
    """Distance (km) from points p (..., 2) to the polyline ``line`` (n, 2)."""
    best = np.full(p.shape[:-1], np.inf)
    for a, b in zip(line[:-1], line[1:]):
        d = b - a
        t = np.clip(((p - a) @ d) / max(float(d @ d), 1e-30), 0.0, 1.0)
        best = np.minimum(best, np.linalg.norm(p - (a + t[..., None] * d), axis=-1))
    return best


def horizontal_weights(fp, grid, where: str) -> np.ndarray:
    """Footprint kernel averaged over each wet column (ny, nx), values in [0, 1]. ``fp`` is a
    FootprintConfig; ``where`` names it in errors."""
    wet = np.asarray(grid.mask)[0] > 0
    X, Y, to_km = _frame(grid, fp.units)
    if fp.shape == "point":
        (x, y), = to_km(fp.center)
        d2 = np.where(wet, (X - x) ** 2 + (Y - y) ** 2, np.inf)
        near = np.unravel_index(int(np.argmin(d2)), d2.shape)
        size_km = np.sqrt(float(np.asarray(grid.area)[near])) / 1e3
        if np.sqrt(d2[near]) > 1.5 * size_km:
            raise ConfigError(f"{where}.footprint: the point is {np.sqrt(d2[near]):.3g} km from the nearest wet "
                              f"cell; put it inside the ocean part of the grid")
        w = np.zeros(X.shape)
        w[near] = 1.0
        return w
    p = _samples(X, Y)
    if fp.shape == "patch":
        (x, y), = to_km(fp.center)
        r2 = ((p - [x, y]) ** 2).sum(-1) / fp.radius_km**2
        kernel = np.where(r2 <= PATCH_CUTOFF**2, np.exp(-r2), 0.0)
    elif fp.shape == "polygon":
        path = PolygonPath(to_km(fp.vertices))
        kernel = path.contains_points(p.reshape(-1, 2)).reshape(p.shape[:-1]).astype(float)
    else:   # track
        kernel = (_distance_to_polyline(p, to_km(fp.vertices)) <= 0.5 * fp.width_km).astype(float)
    w = kernel.mean(-1) * wet
    if not w.any():
        raise ConfigError(f"{where}.footprint: covers no wet (ocean) cell of the grid; check its coordinates "
                          f"({fp.units}) against the grid extent")
    return w


def vertical_fractions(depth, grid) -> np.ndarray:
    """Share of each layer in a column's release (nz, ny, nx), summing to 1 over wet columns
    reached by the placement (0 elsewhere). ``depth``: [top, bottom] in m (a single depth when
    equal: the layer containing it, or the bottom layer of a shallower column) or "seabed" (the
    bottom wet layer)."""
    mask = np.asarray(grid.mask) > 0
    thick = np.asarray(grid.dz)[:, None, None] * np.asarray(grid.hfac) * mask
    top = np.asarray(grid.z_face)[:-1, None, None] * np.ones_like(thick)
    bottom_layer = mask & ~np.concatenate([mask[1:], np.zeros_like(mask[:1])], 0)
    if depth == "seabed":
        return bottom_layer.astype(float)
    z0, z1 = depth
    if z1 > z0:
        f = np.clip(np.minimum(top + thick, z1) - np.maximum(top, z0), 0.0, None)
    else:
        f = ((top <= z0) & (z0 < top + thick) & mask).astype(float)
        f = np.where(f.any(0, keepdims=True), f, bottom_layer * (top[:1] + thick.sum(0, keepdims=True) <= z0))
    total = f.sum(0, keepdims=True)
    return np.where(total > 0, f / np.where(total > 0, total, 1.0), 0.0)
