"""Atmospheric CO2 records (NOAA GML) and their interpolation in time.

Files ship with the package under ``oceancdr/data/atmospheric_co2`` (see SOURCE.txt there):
``co2_mm_mlo.txt``, Mauna Loa monthly mean dry-air mole fraction (ppm), Mar 1958 onwards
(Lan, Tans, Thoning, NOAA GML; Keeling, Scripps); ``co2_mm_gl.csv``, globally averaged
marine-surface monthly means, Jan 1979 onwards (NOAA GML).
"""

from __future__ import annotations

from pathlib import Path

import jax.numpy as jnp
import numpy as np

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "atmospheric_co2"

_RECORDS = {
    # name: (file, delimiter, column of decimal year, column of monthly mean xCO2)
    "mauna_loa": ("co2_mm_mlo.txt", None, 2, 3),
    "global": ("co2_mm_gl.csv", ",", 2, 3),
}


def load_xco2_record(name="mauna_loa"):
    """Monthly atmospheric xCO2 record as numpy arrays ``(decimal_year, xco2_ppm)``.

    ``name``: ``"mauna_loa"`` (NOAA GML/Scripps Mauna Loa monthly means) or ``"global"``
    (NOAA GML global marine-surface monthly means). Missing months (negative values)
    are dropped; years are increasing.
    """
    if name not in _RECORDS:
        raise ValueError(f"unknown xCO2 record {name!r}; choose one of {sorted(_RECORDS)}")
    filename, delimiter, year_column, value_column = _RECORDS[name]
    path = DATA_DIR / filename
    table = np.genfromtxt(
        path,
        comments="#",
        delimiter=delimiter,
        skip_header=1 if delimiter == "," else 0,
        usecols=(year_column, value_column),
    )
    years, values = table[:, 0], table[:, 1]
    valid = np.isfinite(values) & (values > 0)
    return years[valid], values[valid]


def xco2_at(decimal_year, years, values):
    """Atmospheric xCO2 (ppm) at ``decimal_year`` by linear interpolation in the record
    ``(years, values)``; held constant beyond its ends. Pure jnp, jit/vmap/grad-safe."""
    return jnp.interp(decimal_year, jnp.asarray(years), jnp.asarray(values))
