"""Observations and the observation operator: what the model says at a measurement's place and time.

An observation table (CSV or netCDF) has one row per measurement: ``time`` (ISO 8601, UTC),
``lon``, ``lat`` (degrees), ``depth`` (m, positive down), ``variable``, ``value``, ``sigma`` (its
standard error, same units). :data:`VARIABLES` lists the variables and their units.

The model equivalent is interpolated linearly in time between the two model steps around the
observation and (on a lon/lat-rectilinear grid) trilinearly in space between the wet cell centres
around it, with the weights of dry cells dropped and the rest renormalised; on a curvilinear grid
the nearest wet column is used. The derived variables (pH, pCO2, umol kg-1 concentrations,
chlorophyll) are computed at each contributing cell from its tracers and then interpolated, as one
would interpolate a model output field. Rows with a missing value or sigma, a variable the model
cannot compute, or a place or time outside the domain and run are reported and left out.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import jax.numpy as jnp
import numpy as np

from ..biology.stoichiometry import N_TO_C
from ..chemistry.carbonate import solve_carbonate
from ..chemistry.density import density, mmol_m3_to_umol_kg, pressure_dbar
from ..config import ConfigError
from ..grid import EARTH_RADIUS_M

# name -> (units, tracers it needs, long name)
VARIABLES = {
    "pco2": ("uatm", ("temperature", "salinity", "dic", "alk"), "seawater pCO2 at in-situ temperature"),
    "ph": ("total scale", ("temperature", "salinity", "dic", "alk"), "pH at in-situ temperature and pressure"),
    "dic": ("umol kg-1", ("temperature", "salinity", "dic"), "dissolved inorganic carbon"),
    "ta": ("umol kg-1", ("temperature", "salinity", "alk"), "total alkalinity"),
    "o2": ("umol kg-1", ("temperature", "salinity", "o2"), "dissolved oxygen"),
    "nitrate": ("mmol m-3", ("no3",), "nitrate (umol L-1)"),
    "chlorophyll": ("mg m-3", ("phy", "dia"), "chlorophyll a from phytoplankton nitrogen x chl_per_n"),
    "temperature": ("degC", ("temperature",), "in-situ temperature"),
    "salinity": ("1", ("salinity",), "practical salinity"),
}
ALIASES = {"alk": "ta", "alkalinity": "ta", "no3": "nitrate", "chl": "chlorophyll", "oxygen": "o2",
           "pco2_uatm": "pco2", "temp": "temperature", "sal": "salinity"}
COLUMNS = ("time", "lon", "lat", "depth", "variable", "value", "sigma")


@dataclass
class ObservationTable:
    """Observations as numpy columns (time as datetime64[s])."""

    time: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    depth: np.ndarray
    variable: np.ndarray
    value: np.ndarray
    sigma: np.ndarray
    source: np.ndarray      # which file each row came from

    def __len__(self) -> int:
        return len(self.value)

    def subset(self, keep) -> "ObservationTable":
        return ObservationTable(**{k: getattr(self, k)[keep] for k in self.__dataclass_fields__})


def read_table(path: str | Path) -> ObservationTable:
    """Read a CSV or netCDF observation table; ConfigError naming the file for a missing column or
    an unreadable time."""
    import pandas as pd

    path = Path(path)
    if path.suffix in (".nc", ".nc4", ".cdf"):
        import xarray as xr

        with xr.open_dataset(path) as ds:
            frame = ds.to_dataframe().reset_index()
    else:
        frame = pd.read_csv(path)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ConfigError(f"calibration.observations: {path} lacks the columns {missing} (a table needs "
                          f"{', '.join(COLUMNS)})")
    try:
        time = pd.to_datetime(frame["time"], utc=True).dt.tz_localize(None).to_numpy("datetime64[s]")
    except (ValueError, TypeError) as err:
        raise ConfigError(f"calibration.observations: {path}: unreadable time ({err})") from None
    variable = np.array([ALIASES.get(str(v).strip().lower(), str(v).strip().lower()) for v in frame["variable"]])
    num = {c: pd.to_numeric(frame[c], errors="coerce").to_numpy(float) for c in ("lon", "lat", "depth", "value", "sigma")}
    return ObservationTable(time=time, variable=variable, source=np.full(len(frame), str(path)), **num)


def concatenate(tables: list[ObservationTable]) -> ObservationTable:
    return ObservationTable(**{k: np.concatenate([getattr(t, k) for t in tables])
                               for k in ObservationTable.__dataclass_fields__})


def load_observations(files, tracers, need_values: bool = True) -> tuple[ObservationTable, dict]:
    """Read the configured observation files (``calibration.observations``), keep the rows the
    model can use and report the others: returns (table, report) where report counts, per file
    and reason, what was left out. ``need_values=False`` keeps rows without a value (a twin
    experiment's design, whose values the model supplies)."""
    tables, report = [], {"files": [], "left_out": {}}
    for f in files:
        t = read_table(f.file)
        keep = np.ones(len(t), bool)
        if f.variables is not None:
            wanted = {ALIASES.get(v.lower(), v.lower()) for v in f.variables}
            unknown = wanted - set(VARIABLES)
            if unknown:
                raise ConfigError(f"calibration.observations: unknown variables {sorted(unknown)}; known: "
                                  f"{', '.join(VARIABLES)}")
            keep &= np.isin(t.variable, sorted(wanted))
        for var, floor in f.sigma_floor.items():
            sel = t.variable == ALIASES.get(var.lower(), var.lower())
            t.sigma[sel] = np.maximum(t.sigma[sel], floor)
        reasons = Counter()
        unsupported = keep & ~np.isin(t.variable, list(VARIABLES))
        reasons.update(f"variable '{v}' is not one the model computes" for v in t.variable[unsupported])
        keep &= ~unsupported
        lacking = keep & np.array([any(n not in tracers for n in VARIABLES[v][1]) if v in VARIABLES else False
                                   for v in t.variable])
        reasons.update(f"variable '{v}' needs tracers this configuration lacks" for v in t.variable[lacking])
        keep &= ~lacking
        bad = keep & ~((np.isfinite(t.value) | (not need_values)) & np.isfinite(t.sigma) & (t.sigma > 0))
        reasons.update(f"missing value or sigma ({v})" for v in t.variable[bad])
        keep &= ~bad
        nowhere = keep & ~(np.isfinite(t.lon) & np.isfinite(t.lat) & np.isfinite(t.depth) & ~np.isnat(t.time))
        reasons["missing time, lon, lat or depth"] += int(nowhere.sum())
        keep &= ~nowhere
        report["files"].append({"file": str(f.file), "rows": len(t), "kept": int(keep.sum())})
        for reason, n in reasons.items():
            if n:
                report["left_out"][reason] = report["left_out"].get(reason, 0) + n
        tables.append(t.subset(keep))
    return concatenate(tables), report


# ---------------------------------------------------------------------------------------------
@dataclass
class Plan:
    """Where each observation reads the model: ``cells`` (ncell, 3) unique (k, j, i) cells whose
    values are recorded every step; per observation ``corner`` (nobs, 8) indices into cells with
    ``weight`` (nobs, 8), ``variable`` index into ``variables``, time step ``step`` and weight
    ``tweight`` of step + 1."""

    variables: tuple[str, ...]
    cells: np.ndarray
    corner: np.ndarray
    weight: np.ndarray
    var_index: np.ndarray
    step: np.ndarray
    tweight: np.ndarray
    table: ObservationTable
    left_out: dict = field(default_factory=dict)


def _axis_weights(x, centres, half_width):
    """Linear-interpolation indices and weights along one rectilinear axis, and whether x lies
    within the outer cell faces (centres[0] - half_width[0], centres[-1] + half_width[-1])."""
    n = len(centres)
    inside = (x >= centres[0] - half_width[0]) & (x <= centres[-1] + half_width[-1])
    if n == 1:
        z = np.zeros(x.shape, int)
        return z, z, np.zeros(x.shape), inside
    f = np.interp(x, centres, np.arange(n, dtype=float))
    i0 = np.clip(np.floor(f).astype(int), 0, n - 2)
    return i0, i0 + 1, f - i0, inside


def locate(table: ObservationTable, grid, start: str, dt: float, nsteps: int) -> Plan:
    """The observation operator's plan for ``table`` on ``grid`` for a run from ``start`` (date)
    of ``nsteps`` steps of ``dt`` seconds. Observations outside the domain (beyond the outer cell
    faces), below the seabed, on land or outside the run are left out and counted in
    ``Plan.left_out``."""
    lon2, lat2 = np.asarray(grid.lon, float), np.asarray(grid.lat, float)
    mask = np.asarray(grid.mask) > 0
    zc = np.asarray(grid.z_center, float)
    zf = np.asarray(grid.z_face, float)
    depth = np.asarray(grid.depth, float)
    nz, ny, nx = mask.shape
    t = (table.time - np.datetime64(start, "s")).astype(float)
    reasons = Counter()
    in_run = (t >= 0) & (t <= nsteps * dt)
    reasons["outside the run's time span"] += int((~in_run).sum())

    rectilinear = np.allclose(lon2, lon2[:1], rtol=0, atol=1e-9) and np.allclose(lat2, lat2[:, :1], rtol=0, atol=1e-9)
    if rectilinear:
        lon1, lat1 = lon2[0], lat2[:, 0]
        dx, dy = np.asarray(grid.dx, float), np.asarray(grid.dy, float)
        half_lon = np.degrees(dx[0, [0, -1]] / (EARTH_RADIUS_M * np.cos(np.radians(lat1.mean())))) / 2
        half_lat = np.degrees(dy[[0, -1], 0] / EARTH_RADIUS_M) / 2
        i0, i1, wx, in_x = _axis_weights(table.lon, lon1, half_lon)
        j0, j1, wy, in_y = _axis_weights(table.lat, lat1, half_lat)
        inside = in_x & in_y
    else:
        from scipy.spatial import cKDTree

        wet_columns = np.flatnonzero(mask[0].ravel())
        tree = cKDTree(np.stack([lon2.ravel()[wet_columns], lat2.ravel()[wet_columns]], 1))
        dist, nearest = tree.query(np.stack([table.lon, table.lat], 1))
        j0, i0 = np.unravel_index(wet_columns[nearest], (ny, nx))
        j1, i1, wx, wy = j0, i0, np.zeros(len(table)), np.zeros(len(table))
        spacing = np.nanmedian(np.abs(np.diff(lon2, axis=1))) + np.nanmedian(np.abs(np.diff(lat2, axis=0)))
        inside = dist <= spacing
    reasons["outside the model domain"] += int((in_run & ~inside).sum())
    k0, k1, wz, _ = _axis_weights(table.depth, zc, (zc[0] - zf[0], zf[-1] - zc[-1]))
    ok = in_run & inside
    corners = []
    for kk, wk in ((k0, 1 - wz), (k1, wz)):
        for jj, wj in ((j0, 1 - wy), (j1, wy)):
            for ii, wi in ((i0, 1 - wx), (i1, wx)):
                wet = mask[kk, jj, ii]
                corners.append((kk, jj, ii, np.where(wet, wk * wj * wi, 0.0)))
    horizontal = ((j0, 1 - wy), (j1, wy))
    surface_wet = sum(mask[0, jj, ii] * wj * wi for jj, wj in horizontal for ii, wi in ((i0, 1 - wx), (i1, wx))) > 0
    land = ok & ~surface_wet
    reasons["on land"] += int(land.sum())
    ok &= ~land
    col_depth = np.max([np.where(mask[0, jj, ii], depth[jj, ii], 0.0) for jj, _ in horizontal for ii in (i0, i1)], 0)
    total = sum(c[3] for c in corners)
    seabed = ok & ((table.depth < 0) | (table.depth > col_depth) | (total <= 0))
    reasons["below the seabed or above the surface"] += int(seabed.sum())
    ok &= ~seabed

    keep = np.flatnonzero(ok)
    sub = table.subset(keep)
    flat = np.stack([np.ravel_multi_index((c[0][keep], c[1][keep], c[2][keep]), (nz, ny, nx)) for c in corners], 1)
    weight = np.stack([c[3][keep] for c in corners], 1) / total[keep, None]
    flat = np.where(weight > 0, flat, flat[np.arange(len(keep)), np.argmax(weight, 1)][:, None])
    unique, corner = np.unique(flat, return_inverse=True)
    corner = corner.reshape(flat.shape)
    variables = tuple(v for v in VARIABLES if v in set(sub.variable))
    steps = np.floor(t[keep] / dt).astype(int)
    steps = np.minimum(steps, nsteps - 1)
    return Plan(variables=variables, cells=np.stack(np.unravel_index(unique, (nz, ny, nx)), 1), corner=corner,
                weight=weight, var_index=np.array([variables.index(v) for v in sub.variable], int), step=steps,
                tweight=t[keep] / dt - steps, table=sub, left_out={k: v for k, v in reasons.items() if v})


def cell_values(c, grid, params: dict, registry, cells: np.ndarray, variables: tuple[str, ...]):
    """The observed variables (len(variables), ncell) at ``cells`` (k, j, i) from tracers ``c``
    (ntr, nz, ny, nx) in model units; see :data:`VARIABLES` for the output units."""
    k, j, i = (jnp.asarray(cells[:, n]) for n in range(3))

    def tracer(name):
        return c[registry.index(name), k, j, i]

    needs = {n for v in variables for n in VARIABLES[v][1]}
    x = {n: tracer(n) for n in needs}
    out = {}
    if needs & {"dic", "alk", "o2"} or {"pco2", "ph"} & set(variables):
        pres = pressure_dbar(grid.z_center[k], grid.lat[j, i])
        rho = density(x["temperature"], x["salinity"], pres)

        def umol(name):
            return mmol_m3_to_umol_kg(jnp.maximum(tracer(name), 0.0), rho) if name in registry else 0.0

        if {"pco2", "ph"} & set(variables):
            carb = solve_carbonate(umol("dic"), umol("alk"), x["temperature"], x["salinity"], pres,
                                   umol("sio4"), umol("po4"))
            out["pco2"], out["ph"] = carb.pco2, carb.ph
        for name, var in (("dic", "dic"), ("alk", "ta"), ("o2", "o2")):
            if var in variables:
                out[var] = umol(name)
    if "nitrate" in variables:
        out["nitrate"] = x["no3"]
    if "chlorophyll" in variables:
        out["chlorophyll"] = params["chl_per_n"] * N_TO_C * (x["phy"] + x["dia"])
    for name in ("temperature", "salinity"):
        if name in variables:
            out[name] = x[name]
    return jnp.stack([out[v] for v in variables])


def equivalents(trajectory, plan: Plan):
    """Model equivalents of the planned observations from ``trajectory`` (nsteps + 1, nvar,
    ncell): linear in time between steps ``step`` and ``step + 1``, weighted over the corners."""
    def at(steps):
        v = trajectory[steps[:, None], plan.var_index[:, None], plan.corner]     # (nobs, 8)
        return (v * plan.weight).sum(1)

    s = jnp.asarray(plan.step)
    return (1.0 - plan.tweight) * at(s) + plan.tweight * at(s + 1)
