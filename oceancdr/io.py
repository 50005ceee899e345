"""CF-1.8 netCDF output written chunk by chunk, restart files, and atomic file writing.

Output goes to ``NAME.tmp`` and is renamed to ``NAME`` when closed, so a reader never sees a
half-written file under the final name; on a failed run the good part is kept the same way.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import netCDF4
import numpy as np

from . import __version__

FILL = 9.96921e36


def write_json_atomic(path: Path, data: dict) -> None:
    """Write JSON through a temporary file and rename it into place."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=_json_default))
    os.replace(tmp, path)


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj)}")


class OutputWriter:
    """Appends snapshots to a CF-1.8 netCDF file with dims (time, depth, y, x).

    Land cells and non-finite values (e.g. a rate over an empty interval) are written as
    _FillValue. ``fields`` maps a variable name to (dims, attrs); dims is ("depth", "y", "x"),
    ("y", "x") or () for a time series.
    """

    def __init__(self, path, grid, fields: dict, start: str, dtype: str = "float32", attrs: dict | None = None):
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.name + ".tmp")
        self.dtype = np.dtype(dtype)
        self.mask3 = np.asarray(grid.mask) > 0
        self.fields = fields
        nz, ny, nx = grid.shape
        ds = self.ds = netCDF4.Dataset(self.tmp, "w", format="NETCDF4")
        ds.Conventions = "CF-1.8"
        ds.title = "oceancdr model output"
        ds.source = f"oceancdr {__version__}"
        for k, v in (attrs or {}).items():
            setattr(ds, k, v)
        ds.createDimension("time", None)
        ds.createDimension("depth", nz)
        ds.createDimension("depth_bnds_dim", 2)
        ds.createDimension("y", ny)
        ds.createDimension("x", nx)
        t = ds.createVariable("time", "f8", ("time",))
        t.units = f"seconds since {start} 00:00:00"
        t.calendar = "standard"
        t.standard_name = "time"
        t.axis = "T"
        t.long_name = "time"
        z = ds.createVariable("depth", "f8", ("depth",))
        z[:] = np.asarray(grid.z_center)
        z.units, z.positive, z.axis, z.standard_name = "m", "down", "Z", "depth"
        z.long_name = "depth of full-cell centre"
        z.bounds = "depth_bnds"
        zb = ds.createVariable("depth_bnds", "f8", ("depth", "depth_bnds_dim"))
        zf = np.asarray(grid.z_face)
        zb[:] = np.stack([zf[:-1], zf[1:]], axis=1)
        for name, vals, lname in (("y", grid.y_km, "alongshore distance"), ("x", grid.x_km, "cross-shore distance")):
            v = ds.createVariable(name, "f8", (name,))
            v[:] = np.asarray(vals)
            v.units, v.long_name, v.axis = "km", lname, name.upper()
        for name, vals, std, units in (("lon", grid.lon, "longitude", "degrees_east"),
                                       ("lat", grid.lat, "latitude", "degrees_north")):
            v = ds.createVariable(name, "f8", ("y", "x"))
            v[:] = np.asarray(vals)
            v.units, v.standard_name, v.long_name = units, std, std
        static = (
            ("bathymetry", ("y", "x"), np.asarray(grid.depth), "m", "sea_floor_depth_below_geoid", "model depth"),
            ("cell_volume", ("depth", "y", "x"), np.asarray(grid.volume), "m3", None, "wet volume of grid cell"),
            ("wet_fraction", ("depth", "y", "x"), np.asarray(grid.hfac), "1", None, "partial-cell wet fraction"),
        )
        for name, dims, vals, units, std, lname in static:
            v = ds.createVariable(name, "f8", dims)
            v[:] = vals
            v.units, v.long_name = units, lname
            if std:
                v.standard_name = std
            v.coordinates = "lat lon"
        # time series in float64 (they carry budget terms), fields in the output precision
        self.dtypes = {name: np.dtype("f8") if not dims else self.dtype for name, (dims, _) in fields.items()}
        for name, (dims, attr) in fields.items():
            dtype = self.dtypes[name]
            v = ds.createVariable(name, dtype, ("time",) + tuple(dims), fill_value=dtype.type(FILL),
                                  zlib=True, complevel=1, chunksizes=(1,) + tuple(ds.dimensions[d].size for d in dims))
            for k, val in attr.items():
                setattr(v, k, val)
            if dims:
                v.coordinates = "time depth lat lon" if "depth" in dims else "time lat lon"
        self.n = 0

    def write(self, time_seconds: float, values: dict) -> None:
        """Append one snapshot; ``values`` maps every field name to a numpy array."""
        self.ds["time"][self.n] = time_seconds
        for name, (dims, _) in self.fields.items():
            a = np.asarray(values[name], dtype=self.dtypes[name])
            mask = {3: self.mask3, 2: self.mask3[0], 0: True}[len(dims)] & np.isfinite(a)
            self.ds[name][self.n] = np.ma.masked_array(a, mask=~mask)
        self.n += 1
        self.ds.sync()

    def close(self) -> None:
        """Close and move the file to its final name."""
        self.ds.close()
        os.replace(self.tmp, self.path)


def write_restart(path, state, registry, config_hash: str, dt: float) -> None:
    """Save the full-precision state (tracers, sediment, step) to netCDF, atomically."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    c = np.asarray(state.c)
    with netCDF4.Dataset(tmp, "w") as ds:
        ds.Conventions = "CF-1.8"
        ds.title = "oceancdr restart"
        ds.source = f"oceancdr {__version__}"
        ds.config_hash = config_hash
        ds.tracers = " ".join(registry.names)
        ds.dt_seconds = dt
        ds.step = int(state.step)
        for d, n in zip(("tracer", "depth", "y", "x"), c.shape):
            ds.createDimension(d, n)
        ds.createVariable("c", c.dtype, ("tracer", "depth", "y", "x"))[:] = c
        sed = np.asarray(state.sediment)
        ds.createVariable("sediment", sed.dtype, ("tracer", "y", "x"))[:] = sed
        for name, amount in state.stocks.items():
            ds.createVariable(f"stock_{name}", "f8", ("y", "x"))[:] = np.asarray(amount)
    os.replace(tmp, path)


def read_restart(path, registry, dtype):
    """Load (c, sediment, step, dt, stocks) from a restart file; check it matches the tracers and
    precision."""
    from .config import ConfigError

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"--restart {path}: file not found")
    with netCDF4.Dataset(path) as ds:
        names = tuple(ds.tracers.split())
        if names != registry.names:
            raise ConfigError(f"--restart {path}: tracers {names} differ from the config's {registry.names}")
        c = np.asarray(ds["c"][:])
        if c.dtype != np.dtype(dtype):
            raise ConfigError(f"--restart {path}: saved in {c.dtype} but precision is {np.dtype(dtype)}; "
                              f"set precision: {c.dtype}")
        stocks = {k.removeprefix("stock_"): np.asarray(v[:]) for k, v in ds.variables.items() if k.startswith("stock_")}
        return c, np.asarray(ds["sediment"][:]), int(ds.step), float(ds.dt_seconds), stocks
