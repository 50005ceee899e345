"""FVCOM output (e.g. NOAA's SFBOFS) read from its unstructured mesh and put on the model grid.

FVCOM keeps scalars (temperature, salinity, surface elevation ``zeta``, depth ``h``) at the nodes of
a triangular mesh and the velocity (eastward ``u``, northward ``v``) at the elements (triangles),
whose momentum control volume is the triangle itself. The vertical coordinate is sigma: layer k of a
node lies at height z = siglay_k (h + zeta) + zeta (m, up from the geoid; siglay from about 0 at
the surface to -1 at the bed), that is at depth -z below the geoid.

Decisions:

* horizontal, node fields: linear on FVCOM's own triangles (the ``nv`` connectivity), never on a
  Delaunay triangulation of the nodes, which would bridge land between channels;
* horizontal, element fields: the value of the element that contains the point (FVCOM's own
  piecewise-constant velocity), which needs no second mesh of centroids across land and keeps each
  value an actual model velocity;
* vertical: each target point gets its own sigma column (h, zeta and siglay interpolated like the
  node fields), every field is interpolated on sigma layers first and then to depth with
  ``np.interp``, depths counted down from the geoid as FVCOM's z; above the top layer the top value
  holds, below the deepest layer the deepest value holds, and where a model level is deeper than
  the local FVCOM bed (depth h) this is flagged (``below_source_bottom``);
* points outside the mesh are NaN.

FVCOM's wetting-drying flags (``wet_nodes``, ``wet_cells``) are not applied.
"""
from __future__ import annotations

import matplotlib.tri as mtri
import numpy as np
import xarray as xr

from ..config import ConfigError
from .regrid import containing_triangle, grid_dataset, interpolate_on_triangles, wrap_longitude

_REQUIRED = ("lon", "lat", "nv", "h", "zeta", "siglay", "u", "v")
_TRACERS = {"temp": ("temperature", "degree_C"), "salinity": ("salinity", "1e-3 (practical salinity)")}


def _times(ds: xr.Dataset, path) -> np.ndarray:
    """Times as datetime64: from the ``Times`` strings when present (exact; FVCOM's float32 ``time``
    in days is off by up to ~15 s in 2024), else the decoded ``time``."""
    if "Times" in ds.variables:
        text = np.char.strip(np.char.decode(np.asarray(ds["Times"].values).astype(bytes), "ascii"))
        return text.astype("datetime64[ns]")
    time = np.asarray(ds["time"].values) if "time" in ds.variables else np.array([])
    if not np.issubdtype(time.dtype, np.datetime64):
        raise ConfigError(f"FVCOM file {path}: needs 'Times' strings or a 'time' with CF units that decode to dates")
    return time.astype("datetime64[ns]")


def read_fvcom(path) -> xr.Dataset:
    """The fields of an FVCOM output file needed on the model grid.

    Needs ``lon``, ``lat`` (node, degrees), ``nv`` (three, nele; 1-based node numbers), ``h`` (node,
    m, positive down), ``zeta`` (time, node, m, positive up), ``siglay`` (siglay, node), ``u``, ``v``
    (time, siglay, nele; m s-1 east/north) and ``Times`` or a decodable ``time``; ``temp`` (degC) and
    ``salinity`` (time, siglay, node) are read when present. Returns them as float64 with
    ``nv`` as (nele, 3) 0-based, ``u``/``v`` renamed ``u_east``/``v_north``, the sigma-layer
    dimension named ``layer``, ``lon`` wrapped to [-180, 180) and ``time`` as datetime64.
    """
    try:
        ds = xr.open_dataset(path)
    except (OSError, ValueError) as err:
        raise ConfigError(f"FVCOM file {path}: cannot read ({err})") from None
    with ds:
        for name in _REQUIRED:
            if name not in ds.variables:
                raise ConfigError(f"FVCOM file {path}: variable {name!r} not found")
        time = _times(ds, path)
        node3, elem3 = ("time", "siglay", "node"), ("time", "siglay", "nele")
        out3 = {"node": ("time", "layer", "node"), "nele": ("time", "layer", "nele")}
        data = {
            "nv": (("nele", "three"), np.asarray(ds["nv"].values).T.astype(np.int64) - 1),
            "h": ("node", ds["h"].values.astype(float), {"units": "m", "positive": "down"}),
            "zeta": (("time", "node"), ds["zeta"].values.astype(float), {"units": "m", "positive": "up"}),
            "siglay": (("layer", "node"), ds["siglay"].transpose("siglay", "node").values.astype(float),
                       {"positive": "up"}),
            "u_east": (out3["nele"], ds["u"].transpose(*elem3).values.astype(float), {"units": "m s-1"}),
            "v_north": (out3["nele"], ds["v"].transpose(*elem3).values.astype(float), {"units": "m s-1"}),
        }
        for name in _TRACERS:
            if name in ds.variables:
                data[name] = (out3["node"], ds[name].transpose(*node3).values.astype(float), dict(ds[name].attrs))
        coords = {"time": ("time", time), "lon": ("node", wrap_longitude(ds["lon"].values)),
                  "lat": ("node", ds["lat"].values.astype(float))}
        title = str(ds.attrs.get("title", "FVCOM"))
    return xr.Dataset(data, coords=coords, attrs={"source_type": "fvcom", "source": f"{path} ({title})"})


def triangulation(ds: xr.Dataset) -> mtri.Triangulation:
    """FVCOM's mesh as a matplotlib Triangulation: its nodes and its own elements (``nv``), so
    triangle i is element i."""
    return mtri.Triangulation(ds["lon"].values, ds["lat"].values, ds["nv"].values)


def at_points(ds: xr.Dataset, lon, lat) -> xr.Dataset:
    """FVCOM fields (from :func:`read_fvcom`) at points (lon, lat) (degrees), still on sigma layers.

    Returns dims (time, layer, point): node fields linear on the element containing the point,
    ``u_east``/``v_north`` that element's value, ``layer_depth`` (m, positive down) of each sigma
    layer in the point's own column, and ``h``, ``zeta`` (m) and ``element`` (-1 outside the
    mesh, where everything else is NaN).
    """
    tri = triangulation(ds)
    lon, lat = np.ravel(lon), np.ravel(lat)
    element = containing_triangle(tri, lon, lat)
    inside = element >= 0

    def nodes(name):
        return interpolate_on_triangles(tri, ds[name].values, lon, lat)

    def elements(name):
        return np.where(inside, ds[name].values[..., np.where(inside, element, 0)], np.nan)

    h, zeta, siglay = nodes("h"), nodes("zeta"), nodes("siglay")
    layer_depth = -(siglay[None] * (h + zeta)[:, None] + zeta[:, None])
    dims = ("time", "layer", "point")
    out = {"element": ("point", element), "h": ("point", h, {"units": "m"}),
           "zeta": (("time", "point"), zeta, {"units": "m"}),
           "layer_depth": (dims, layer_depth, {"units": "m", "positive": "down"}),
           "u_east": (dims, elements("u_east"), {"units": "m s-1"}),
           "v_north": (dims, elements("v_north"), {"units": "m s-1"})}
    for name in _TRACERS:
        if name in ds:
            out[name] = (dims, nodes(name), ds[name].attrs)
    return xr.Dataset(out, coords={"time": ds["time"].values, "lon": ("point", lon), "lat": ("point", lat)},
                      attrs=ds.attrs)


def sigma_to_depth(values, layer_depth, depth) -> np.ndarray:
    """Interpolate columns on sigma layers to fixed depths with ``np.interp``.

    ``values`` and ``layer_depth`` (m, positive down, increasing with the layer index) are
    (time, layer, point), ``depth`` (nz,) m; returns (time, nz, point). Above the top layer the top
    value holds, below the deepest layer the deepest value holds; columns with NaN depths (outside
    the mesh) are NaN.
    """
    values, layer_depth = np.asarray(values, float), np.asarray(layer_depth, float)
    nt, _, npoint = values.shape
    out = np.full((nt, len(depth), npoint), np.nan)
    for t in range(nt):
        for p in np.flatnonzero(np.isfinite(layer_depth[t]).all(axis=0)):
            out[t, :, p] = np.interp(depth, layer_depth[t, :, p], values[t, :, p])
    return out


def fvcom_on_grid(ds: xr.Dataset, grid) -> xr.Dataset:
    """FVCOM velocity, temperature and salinity (from :func:`read_fvcom`) on the model grid.

    Returns u, v (m s-1) along the grid's x/y axes, ``temperature`` (degC) and ``salinity`` where the
    file has them, all (time, z, y, x) at the grid's cell centres (NaN outside the mesh; u = v = 0
    and NaN tracers on land), ``source_bed_depth`` (y, x; FVCOM's h, m) and ``below_source_bottom``
    (z, y, x; 1 on wet cells whose centre is deeper than the FVCOM bed, where the deepest layer's
    values are held down; their count is the attribute ``below_source_bottom_cells``).
    """
    lon, lat = np.asarray(grid.lon), np.asarray(grid.lat)
    z = np.asarray(grid.z_center, float)
    p = at_points(ds, lon, lat)
    nt = p.sizes["time"]
    shape = (nt, len(z)) + lon.shape

    def on_grid(name):
        return sigma_to_depth(p[name].values, p["layer_depth"].values, z).reshape(shape)

    tracers = {out: (on_grid(name), {"units": units, "long_name": f"{out} interpolated from FVCOM"})
               for name, (out, units) in _TRACERS.items() if name in p}
    bed = p["h"].values.reshape(lon.shape)
    below = (z[:, None, None] > bed) & (np.asarray(grid.mask) > 0)
    result = grid_dataset(grid, p["time"].values, on_grid("u_east"), on_grid("v_north"), tracers,
                          dict(ds.attrs) | {"below_source_bottom_cells": int(below.sum())})
    result["source_bed_depth"] = (("y", "x"), bed, {"units": "m", "long_name": "FVCOM bed depth h below the geoid"})
    result["below_source_bottom"] = (("z", "y", "x"), below.astype(np.int8),
                                     {"long_name": "1 where the cell centre is below the FVCOM bed "
                                                   "(the deepest sigma layer's value held)"})
    return result
