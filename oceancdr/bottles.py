"""Hydrographic bottle data (WOCE/CLIVAR WHP-exchange CSV) as initial and boundary profiles.

A WHP-exchange file has ``#`` comment lines, a first ``BOTTLE,...`` stamp line, a header row and a
units row (in either order: the WCOA2013 copy has the units first), ``-999`` for missing values,
``<NAME>_FLAG_W`` quality flags (WOCE: 2 = good) and possibly ``END_DATA``; old-Mac CR line endings
occur. :func:`read_whp_exchange` reads one into a table; :func:`bottle_profiles` turns the good
bottles of the stations near a point into depth profiles of model tracers on the model's levels.

Concentrations in bottle files are per kilogram (umol kg-1); the model carries mmol m-3, converted
with the in-situ density (EOS-80, :mod:`oceancdr.chemistry.density`) of each bottle.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from .config import ConfigError
from .grid import EARTH_RADIUS_M

#: model tracer -> (bottle column(s) in order of preference, is per-kg)
COLUMNS = {
    "temperature": (("CTDTMP",), False),
    "salinity": (("SALNTY", "CTDSAL"), False),
    "dic": (("TCARBN",), True),
    "alk": (("ALKALI",), True),
    "no3": (("NITRAT",), True),
    "po4": (("PHSPHT",), True),
    "sio4": (("SILCAT",), True),
    "o2": (("OXYGEN", "CTDOXY"), True),
}


def read_whp_exchange(path):
    """The bottles of a WHP-exchange CSV as a pandas DataFrame (missing values as NaN).

    Raises ConfigError naming the file when it has no EXPOCODE header row."""
    import pandas as pd

    text = Path(path).read_bytes().decode("latin-1").replace("\r\n", "\n").replace("\r", "\n")
    rows = [line for line in text.split("\n")
            if line.strip() and not line.startswith(("#", "BOTTLE", "END_DATA"))]
    header = next((i for i, line in enumerate(rows[:2]) if line.startswith("EXPOCODE")), None)
    if header is None:
        raise ConfigError(f"{path}: not a WHP-exchange bottle file (no EXPOCODE header row)")
    body = [rows[header]] + rows[2:]       # the other of the first two rows holds the units
    table = pd.read_csv(io.StringIO("\n".join(body)), na_values=[-999, "-999"], skipinitialspace=True)
    return table.replace(-999.0, np.nan)


def distance_km(lon0, lat0, lon, lat):
    """Great-circle distance (km) from (lon0, lat0) to each (lon, lat), haversine formula."""
    p0, p = np.radians(lat0), np.radians(lat)
    a = np.sin((p - p0) / 2) ** 2 + np.cos(p0) * np.cos(p) * np.sin(np.radians(lon - lon0) / 2) ** 2
    return 2e-3 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def _good(table, column):
    """Values of ``column`` where present and, if the file flags it, flagged 2 (good)."""
    values = table[column].to_numpy(float)
    flag = f"{column}_FLAG_W"
    ok = np.isfinite(values)
    if flag in table:
        ok &= table[flag].to_numpy(float) == 2
    return np.where(ok, values, np.nan)


def _column(table, names):
    """The first of ``names`` with good values, filling its gaps from the later ones."""
    out = np.full(len(table), np.nan)
    for name in names:
        if name in table:
            out = np.where(np.isfinite(out), out, _good(table, name))
    return out


def bottle_profiles(table, lon: float, lat: float, radius_km: float, depths, tracers):
    """Profiles of ``tracers`` on ``depths`` (m) from the bottles within ``radius_km`` of (lon, lat).

    Each bottle's pressure (dbar) is taken as its depth (the difference, under 1 % in the upper
    1000 m, is below the spread between stations). Good bottles (WOCE flag 2) of all the stations in
    range are pooled and fitted per tracer by linear interpolation of depth-bin medians (bins
    centred on the model levels), holding the shallowest and deepest bin values beyond the data.
    Per-kg concentrations become mmol m-3 with each bottle's in-situ density (EOS-80).

    Returns (dict tracer -> (ndepth,) float64 profile, a summary dict with the stations used).
    Raises ConfigError when no station lies within the radius or a tracer has no good bottle.
    """
    from .chemistry.density import density, umol_kg_to_mmol_m3

    lons, lats = table["LONGITUDE"].to_numpy(float), table["LATITUDE"].to_numpy(float)
    near = distance_km(lon, lat, lons, lats) <= radius_km
    if not near.any():
        nearest = float(np.nanmin(distance_km(lon, lat, lons, lats)))
        raise ConfigError(f"hydrography.bottles: no station within {radius_km:g} km of ({lon:g}, {lat:g}); the "
                          f"nearest is {nearest:.0f} km away: raise hydrography.bottles.radius_km")
    sub = table[near]
    depth = sub["CTDPRS"].to_numpy(float)
    temperature = _column(sub, COLUMNS["temperature"][0])
    salinity = _column(sub, COLUMNS["salinity"][0])
    rho = np.asarray(density(temperature, salinity, depth))
    depths = np.asarray(depths, float)
    edges = np.concatenate([[-np.inf], 0.5 * (depths[1:] + depths[:-1]), [np.inf]])
    profiles = {}
    for name in tracers:
        names, per_kg = COLUMNS[name]
        values = _column(sub, names)
        if per_kg:
            values = np.asarray(umol_kg_to_mmol_m3(values, rho))
        ok = np.isfinite(values) & np.isfinite(depth)
        if not ok.any():
            raise ConfigError(f"hydrography.bottles: no good {'/'.join(names)} bottle within {radius_km:g} km; "
                              f"set tracers.{name}.initial to a number or widen the radius")
        which = np.digitize(depth[ok], edges) - 1
        bins = np.unique(which)
        medians = np.array([np.median(values[ok][which == b]) for b in bins])
        centres = np.array([np.median(depth[ok][which == b]) for b in bins])
        profiles[name] = np.interp(depths, centres, medians)
    stations = sub.drop_duplicates(["LATITUDE", "LONGITUDE"])
    summary = {"stations": int(len(stations)), "bottles": int(len(sub)),
               "dates": sorted({str(d) for d in sub["DATE"]}) if "DATE" in sub else [],
               "deepest_bottle_m": float(np.nanmax(depth))}
    return profiles, summary
