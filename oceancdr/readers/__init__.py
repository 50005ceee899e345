"""Readers of operational ocean model output onto the model grid.

* :mod:`~oceancdr.readers.roms`: ROMS surface currents on a curvilinear C grid (NOAA WCOFS);
* :mod:`~oceancdr.readers.fvcom`: FVCOM velocity, temperature and salinity on an unstructured
  sigma mesh (NOAA SFBOFS);
* :mod:`~oceancdr.readers.regrid`: rotation, grid angles and interpolation on triangles.

:func:`to_grid` puts either reader's dataset on a :class:`oceancdr.grid.Grid` as u, v (m s-1, along
the grid's x/y axes, cell centres, dims (time, z, y, x), time datetime64): a netCDF of it is what
``circulation.file_frames`` reads (``u_var: u``, ``v_var: v``). Sample files (copied unchanged from
NOAA-ORR-ERD/gridded, CC0) are in ``oceancdr/data/noaa_coastal_model_subsets``.
"""
from __future__ import annotations

import xarray as xr

from ..config import ConfigError
from .fvcom import fvcom_on_grid, read_fvcom
from .roms import DEFAULT_SURFACE_LAYER_M, read_surface_currents, surface_currents_on_grid

__all__ = ["DEFAULT_SURFACE_LAYER_M", "read", "read_fvcom", "read_surface_currents", "to_grid",
           "velocities_on_grid"]

_READERS = {"roms": read_surface_currents, "fvcom": read_fvcom}


def read(path, format: str) -> xr.Dataset:
    """Read a model output file: ``format`` 'roms' (surface currents) or 'fvcom'."""
    if format not in _READERS:
        raise ConfigError(f"model output format {format!r}: use one of {', '.join(_READERS)}")
    return _READERS[format](path)


def to_grid(dataset: xr.Dataset, grid, surface_layer_m: float = DEFAULT_SURFACE_LAYER_M) -> xr.Dataset:
    """A reader's dataset on ``grid``: u, v (m s-1, grid x/y directions), plus temperature (degC) and
    salinity where the source has them, dims (time, z, y, x); NaN on wet cells the source does not
    cover, u = v = 0 and NaN tracers on land. ``surface_layer_m`` (m) is the depth to which a ROMS
    surface current is applied (see :func:`oceancdr.readers.roms.surface_currents_on_grid`); FVCOM's
    own vertical structure is used as it is.
    """
    kind = dataset.attrs.get("source_type")
    if kind == "roms_surface":
        return surface_currents_on_grid(dataset, grid, surface_layer_m)
    if kind == "fvcom":
        return fvcom_on_grid(dataset, grid)
    raise ConfigError(f"to_grid: dataset attribute source_type {kind!r} is not 'roms_surface' or 'fvcom'; "
                      "read the file with oceancdr.readers.read")


def velocities_on_grid(path, grid, format: str, surface_layer_m: float = DEFAULT_SURFACE_LAYER_M) -> xr.Dataset:
    """Read ``path`` (``format`` 'roms' or 'fvcom') and put it on ``grid`` with :func:`to_grid`."""
    return to_grid(read(path, format), grid, surface_layer_m)
