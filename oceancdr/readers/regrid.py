"""Geometry shared by the readers: longitudes, vector rotation, grid angles, interpolation on
triangles and the output dataset on the model grid.

Conventions: longitudes in degrees east, wrapped to [-180, 180) before any comparison (FVCOM writes
0-360); angles in radians, counterclockwise from east; velocities in m s-1. Horizontal interpolation
is linear on triangles in (lon, lat) degrees, which over a few tens of km is the same as linear in
local metres (the map between them is affine to within the change of cos(lat) across a triangle).
Meshes that cross the antimeridian are not supported.
"""
from __future__ import annotations

import matplotlib.tri as mtri
import numpy as np
import xarray as xr


def wrap_longitude(lon):
    """Longitude (degrees east, any range) wrapped to [-180, 180)."""
    return (np.asarray(lon, dtype=float) + 180.0) % 360.0 - 180.0


def rotate(u, v, angle):
    """Components of the vector (u, v) rotated counterclockwise by ``angle`` (radians):
    (u cos a - v sin a, u sin a + v cos a).

    With ``angle`` the counterclockwise angle of a frame's first axis from east, this turns
    components in that frame into east/north components; ``-angle`` turns east/north components
    into the frame's.
    """
    c, s = np.cos(angle), np.sin(angle)
    return u * c - v * s, u * s + v * c


def grid_angle(lon, lat) -> np.ndarray:
    """Counterclockwise angle (radians) of a grid's x axis from east at each cell centre, (ny, nx).

    From centred differences of (lon, lat) along x (along y, less 90 degrees, when nx = 1), with
    east-west distances scaled by cos(lat); the grid is taken as orthogonal, so the y axis is at
    angle + 90 degrees. Plane grids built by :func:`oceancdr.grid.box_grid` give exactly 0.
    """
    lon, lat = wrap_longitude(lon), np.asarray(lat, dtype=float)
    axis, turn = (1, 0.0) if lon.shape[1] > 1 else (0, -0.5 * np.pi)
    if lon.shape[axis] == 1:
        return np.zeros(lon.shape)
    dlon = np.gradient(np.unwrap(lon, period=360.0, axis=axis), axis=axis)
    dlat = np.gradient(lat, axis=axis)
    return np.arctan2(dlat, dlon * np.cos(np.radians(lat))) + turn


def quad_triangulation(lon, lat, wet) -> mtri.Triangulation:
    """Triangulation of a curvilinear (ny, nx) grid of points: each quadrilateral of four
    neighbouring points is cut into two triangles; triangles with a dry corner (``wet`` false) are
    masked, so interpolation there gives NaN."""
    ny, nx = lon.shape
    corner = np.arange(ny * nx).reshape(ny, nx)
    sw, se = corner[:-1, :-1].ravel(), corner[:-1, 1:].ravel()
    nw, ne = corner[1:, :-1].ravel(), corner[1:, 1:].ravel()
    triangles = np.concatenate([np.stack([sw, se, ne], 1), np.stack([sw, ne, nw], 1)])
    tri = mtri.Triangulation(wrap_longitude(lon).ravel(), np.asarray(lat, float).ravel(), triangles)
    tri.set_mask(~np.asarray(wet, bool).ravel()[triangles].all(axis=1))
    return tri


def containing_triangle(tri: mtri.Triangulation, lon, lat) -> np.ndarray:
    """Index of the (unmasked) triangle of ``tri`` that contains each point, -1 outside."""
    return tri.get_trifinder()(wrap_longitude(lon), np.asarray(lat, dtype=float))


def interpolate_on_triangles(tri: mtri.Triangulation, values, lon, lat) -> np.ndarray:
    """Values at the triangulation's points, (..., npoints_source), interpolated linearly on its
    triangles (matplotlib's LinearTriInterpolator) to the points (lon, lat), giving
    (..., npoints); NaN outside the triangulation or in masked triangles."""
    values = np.asarray(values, dtype=float)
    lon, lat = wrap_longitude(lon), np.asarray(lat, dtype=float)
    trifinder = tri.get_trifinder()
    flat = values.reshape(-1, values.shape[-1])
    out = np.empty((flat.shape[0], lon.size))
    for i, z in enumerate(flat):
        out[i] = np.ma.filled(mtri.LinearTriInterpolator(tri, z, trifinder=trifinder)(lon, lat), np.nan)
    return out.reshape(values.shape[:-1] + (lon.size,))


def grid_dataset(grid, time, u_east, v_north, tracers: dict, attrs: dict) -> xr.Dataset:
    """The readers' output on ``grid``: u, v (m s-1) in the grid's x/y directions and the given
    tracers, all (time, z, y, x) at cell centres.

    ``u_east``, ``v_north`` are east/north components (time, z, y, x), NaN where the source has no
    water; they are rotated by the local :func:`grid_angle`. Land cells of the grid get u = v = 0 and
    NaN tracers. ``tracers`` maps a name to (values, attrs).
    """
    wet = np.asarray(grid.mask) > 0
    u, v = rotate(u_east, v_north, -grid_angle(np.asarray(grid.lon), np.asarray(grid.lat)))
    dims = ("time", "z", "y", "x")
    speed_note = "NaN on wet cells the source does not cover; 0 on land"
    data = {
        "u": (dims, np.where(wet, u, 0.0), {"units": "m s-1", "long_name": "velocity along the grid x axis",
                                            "comment": speed_note}),
        "v": (dims, np.where(wet, v, 0.0), {"units": "m s-1", "long_name": "velocity along the grid y axis",
                                            "comment": speed_note}),
    }
    for name, (values, meta) in tracers.items():
        data[name] = (dims, np.where(wet, values, np.nan), meta)
    coords = {
        "time": ("time", np.asarray(time, dtype="datetime64[ns]")),
        "z": ("z", np.asarray(grid.z_center, float), {"units": "m", "positive": "down",
                                                      "long_name": "depth of cell centres"}),
        "lon": (("y", "x"), np.asarray(grid.lon, float), {"units": "degrees_east"}),
        "lat": (("y", "x"), np.asarray(grid.lat, float), {"units": "degrees_north"}),
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)
