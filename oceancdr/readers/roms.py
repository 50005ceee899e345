"""ROMS surface currents (e.g. NOAA's West Coast OFS) read onto rho points and put on the model grid.

ROMS writes velocity on a staggered Arakawa C grid in its own curvilinear (xi, eta) directions: u at
u points (between rho points along xi), v at v points (between rho points along eta). The file's
``angle`` is the counterclockwise angle (radians) of the xi axis from true east at rho points, and
east/north components follow from

    u_east  = u_xi cos(angle) - v_eta sin(angle)
    v_north = u_xi sin(angle) + v_eta cos(angle)

(H. Arango, "Vector rotation", ROMS forum https://www.myroms.org/forum/viewtopic.php?t=295). As
there, u and v are first averaged to rho points, where the rotation angle is defined.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ..config import CirculationConfig, ConfigError
from .regrid import grid_dataset, interpolate_on_triangles, quad_triangulation, rotate, wrap_longitude

#: default depth (m) of the layer that carries a surface current: the model's default mixed layer
DEFAULT_SURFACE_LAYER_M = CirculationConfig.model_fields["mixed_layer_depth_m"].default


def to_rho(values, face_mask, axis: int) -> np.ndarray:
    """Average a velocity component from its faces (u or v points) to rho points along ``axis``.

    ``values`` (..., eta, xi) on u points (``axis=-1``, one fewer xi) or v points (``axis=-2``, one
    fewer eta), m s-1; ``face_mask`` (0 = land) broadcasts against it. A land face is a wall with no
    normal flow, so it counts as 0 whatever the file holds there (WCOFS writes a fill value); a rho
    point on the edge of the file, whose outer face is not in the file, takes its one inner face's
    value. Land rho points are left to the caller to mask.
    """
    flow = np.moveaxis(np.where(np.asarray(face_mask) > 0, values, 0.0), axis, -1)
    inner = 0.5 * (flow[..., :-1] + flow[..., 1:])
    return np.moveaxis(np.concatenate([flow[..., :1], inner, flow[..., -1:]], axis=-1), -1, axis)


def _variable(ds: xr.Dataset, name: str, path) -> np.ndarray:
    if name not in ds.variables:
        raise ConfigError(f"ROMS file {path}: variable {name!r} not found")
    return np.asarray(ds[name].values)


def read_surface_currents(path, u_var: str = "u_sur", v_var: str = "v_sur") -> xr.Dataset:
    """Surface currents from a ROMS output file as east/north components on rho points.

    Needs ``u_var`` (time, eta_u, xi_u) and ``v_var`` (time, eta_v, xi_v) in m s-1 along xi/eta,
    ``angle`` (rad), ``mask_rho``, ``mask_u``, ``mask_v``, ``lon_rho``, ``lat_rho`` and a decodable
    time (``ocean_time``). Returns a Dataset with dims (time, eta, xi): ``u_east``, ``v_north``
    (m s-1, NaN on land rho points), ``mask`` (1 water, 0 land), ``angle`` and coordinates ``time``
    (datetime64), ``lon`` (degrees east in [-180, 180)), ``lat``.
    """
    try:
        ds = xr.open_dataset(path)
    except (OSError, ValueError) as err:
        raise ConfigError(f"ROMS file {path}: cannot read ({err})") from None
    with ds:
        u, v = _variable(ds, u_var, path), _variable(ds, v_var, path)
        if u.ndim != 3 or v.ndim != 3:
            raise ConfigError(f"ROMS file {path}: {u_var!r} and {v_var!r} must be (time, eta, xi); "
                              f"got dims {ds[u_var].dims} and {ds[v_var].dims}")
        time_dim = ds[u_var].dims[0]
        time = np.asarray(ds[time_dim].values)
        angle = _variable(ds, "angle", path).astype(float)
        mask = _variable(ds, "mask_rho", path) > 0
        mask_u, mask_v = _variable(ds, "mask_u", path), _variable(ds, "mask_v", path)
        lon, lat = _variable(ds, "lon_rho", path), _variable(ds, "lat_rho", path)
    if not np.issubdtype(time.dtype, np.datetime64):
        raise ConfigError(f"ROMS file {path}: time {time_dim!r} has no CF units that decode to dates")
    u_east, v_north = rotate(to_rho(u, mask_u, axis=-1), to_rho(v, mask_v, axis=-2), angle)
    dims = ("time", "eta", "xi")
    velocity = {"units": "m s-1", "comment": "averaged from u/v points to rho points, rotated by angle"}
    return xr.Dataset(
        {"u_east": (dims, np.where(mask, u_east, np.nan), velocity | {"long_name": "eastward surface velocity"}),
         "v_north": (dims, np.where(mask, v_north, np.nan), velocity | {"long_name": "northward surface velocity"}),
         "mask": (dims[1:], mask.astype(np.int8), {"long_name": "1 water, 0 land"}),
         "angle": (dims[1:], angle, {"units": "radians", "long_name": "angle of the xi axis from east"})},
        coords={"time": ("time", time.astype("datetime64[ns]")),
                "lon": (dims[1:], wrap_longitude(lon), {"units": "degrees_east"}),
                "lat": (dims[1:], np.asarray(lat, float), {"units": "degrees_north"})},
        attrs={"source_type": "roms_surface", "source": str(path), "source_variables": f"{u_var}, {v_var}"},
    )


def surface_levels(z_center, surface_layer_m: float) -> np.ndarray:
    """(nz,) True for the levels that carry the surface current: those whose centre (m, positive
    down) is shallower than ``surface_layer_m``, and always the top level."""
    if not surface_layer_m > 0:
        raise ConfigError(f"surface_layer_m must be positive (got {surface_layer_m})")
    levels = np.asarray(z_center) < surface_layer_m
    levels[0] = True
    return levels


def surface_currents_on_grid(ds: xr.Dataset, grid, surface_layer_m: float = DEFAULT_SURFACE_LAYER_M) -> xr.Dataset:
    """ROMS surface currents (from :func:`read_surface_currents`) on the model grid.

    Horizontal: linear on triangles cut from the rho-point quadrilaterals, at the grid's cell
    centres; a cell whose centre lies outside the ROMS water (a triangle with a land corner, or off
    the file) gets NaN. Vertical (an assumption, the file holding only the surface): the surface
    current fills every level of :func:`surface_levels` (default depth: the model's mixed layer,
    ``circulation.mixed_layer_depth_m``) and is 0 below. Returns u, v (m s-1) along the grid's x/y
    axes, (time, z, y, x); see :func:`oceancdr.readers.regrid.grid_dataset`.
    """
    tri = quad_triangulation(ds["lon"].values, ds["lat"].values, ds["mask"].values > 0)
    lon, lat = np.asarray(grid.lon), np.asarray(grid.lat)
    nt = ds.sizes["time"]
    flat = [interpolate_on_triangles(tri, ds[name].values.reshape(nt, -1), lon.ravel(), lat.ravel())
            for name in ("u_east", "v_north")]
    profile = surface_levels(grid.z_center, surface_layer_m).astype(float)
    # NaN (no source water) times 0 stays NaN: uncovered columns are NaN at every level
    u, v = (f.reshape((nt, 1) + lon.shape) * profile[None, :, None, None] for f in flat)
    attrs = dict(ds.attrs) | {
        "surface_layer_m": float(surface_layer_m),
        "vertical_assumption": "surface current applied to levels with centre shallower than surface_layer_m "
                               "(and the top level), zero below",
    }
    return grid_dataset(grid, ds["time"].values, u, v, {}, attrs)
