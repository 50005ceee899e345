"""Assemble the configured processes into one pure ``step(state, params, forcing, grid) -> state``.

Operator splitting in a fixed order (DESIGN.md): intervention deliveries -> reactions (ecosystem,
CaCO3, iron, sediment, then olivine, secondary precipitation and bivalve farms, all from one
in-situ carbonate solve) -> end-member exchange and prescribed production (oceancdr.exchange) ->
surface fluxes -> [advection -> horizontal diffusion] x substeps -> implicit vertical diffusion ->
implicit sinking. Every number a user may calibrate or perturb is in ``params`` (a dict pytree);
shapes, switches and the time step are static. :func:`build_model` turns a validated :class:`Config` into a :class:`Model` holding the
grid, params, forcing, initial state and the step function.
"""
from __future__ import annotations

import calendar
import datetime as _dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from . import circulation
from . import interventions
from .biology import FLUX_NAMES, PARAMETERS, SINKING, Switches, reactions
from .chemistry.atmosphere import load_xco2_record
from .chemistry.insitu import insitu_carbonate
from .config import Config, ConfigError, resolve_data_path
from .exchange import endmember_exchange, exchange_params, prescribed_production, production_params
from .forcing import SERIES_COLUMNS, Forcing, ghost_values, vertical_diffusivity
from .grid import Grid, build_grid
from .state import State, TracerRegistry, new_state, reacting_fields
from .surface import airsea_co2, airsea_o2, sss_restoring, sst_restoring
from .transport import advect, diffuse_horizontal, diffuse_vertical_implicit, sink

@dataclass(frozen=True)
class StepConfig:
    """Static description of a step (hashable: part of the jit cache key). ``biology`` is None or
    the ecosystem's switches; ``export_levels`` are the layer interfaces (index into z_face) where
    the POC export flux is recorded: (about 100 m, the mixed-layer base); ``interventions`` is
    None or their static :class:`oceancdr.interventions.Spec`; ``exchange`` and ``production``
    switch on the end-member exchange and the prescribed production of :mod:`oceancdr.exchange`;
    ``sinking`` lists the tracers that can sink (None: all), so the sinking sweep skips the rest."""

    dt: float
    substeps: int
    limiter: str
    registry: TracerRegistry
    surface_processes: tuple = ()
    biology: Switches | None = None
    export_levels: tuple = ()
    interventions: interventions.Spec | None = None
    exchange: bool = False
    production: bool = False
    sinking: tuple | None = None


def sinking_speeds(p: dict, registry: TracerRegistry, biology: bool, spec=None):
    """Per-tracer sinking speed (m s-1): the tracer config, the biology parameters (m d-1), or
    Stokes' law for olivine grains."""
    w = p["sinking"]
    if biology:
        for name, key in SINKING.items():
            w = w.at[registry.index(name)].set(p[key] / 86400.0)
    for ol in (spec.olivine if spec is not None else ()):
        for cl in ol.classes:
            speed = interventions.stokes_velocity(cl.diameter_m, p)
            w = w.at[cl.remaining].set(speed).at[cl.as_added].set(speed)
    return w


def _volume_integral(dc, grid):
    """(ntr,) float64 volume integral of a tendency, tracer units * m3."""
    return jnp.einsum("tzyx,zyx->t", dc.astype(jnp.float64), grid.volume.astype(jnp.float64))


def make_step(sc: StepConfig):
    """Build the pure step function for a static configuration ``sc``."""
    dt, n = sc.dt, sc.substeps
    h = dt / n
    reg = sc.registry

    iv = sc.interventions
    solve = (sc.biology is not None and sc.biology.calcite) or (iv is not None and iv.needs_carbonate)

    def step(state: State, p: dict, forcing: Forcing, grid: Grid) -> State:
        c = state.c
        sediment = state.sediment
        stocks = state.stocks
        t = state.time(dt)
        budget = dict(state.budget)
        fluxes = dict(state.fluxes)

        # intervention deliveries (alkalinity, olivine, iron)
        if iv is not None and iv.releases:
            d = interventions.deliver(c, sediment, state.step, p, forcing, grid, iv)
            c, sediment = d.c, d.sediment
            budget["sources"] = budget["sources"] + d.water
            budget["added"] = budget["added"] + d.total

        # one in-situ carbonate solve for every process that needs pH or saturation states
        carbonate = insitu_carbonate(reacting_fields(c, reg), grid) if solve else None

        # ecosystem reactions (with the sediment pools)
        if sc.biology is not None:
            r = reactions(c, sediment, t, p, forcing, grid, reg, sc.biology, dt, carbonate)
            c = c + r.dc
            sediment = sediment + r.dsediment
            budget["sources"] = budget["sources"] + jnp.einsum(
                "tzyx,zyx->t", r.dc.astype(jnp.float64), grid.volume.astype(jnp.float64))
            budget["external"] = budget["external"] + r.external
            budget["burial"] = budget["burial"] + r.burial
            fluxes.update({k: fluxes[k] + v for k, v in r.fluxes.items()})

        # intervention reactions: olivine dissolution, secondary precipitation, bivalve farms
        if iv is not None and (iv.olivine or iv.precipitation or iv.farms):
            r = interventions.react(c, sediment, stocks, state.step, p, forcing, grid, reg, iv, dt, carbonate)
            c = c + r.dc
            sediment = sediment + r.dsediment
            stocks = r.stocks
            budget["sources"] = budget["sources"] + jnp.einsum(
                "tzyx,zyx->t", r.dc.astype(jnp.float64), grid.volume.astype(jnp.float64))
            budget["external"] = budget["external"] + r.external
            budget["burial"] = budget["burial"] + r.burial
            fluxes.update({k: fluxes[k] + v for k, v in r.fluxes.items()})

        # lateral exchange toward the salinity-mixing end-member: water across an unresolved boundary
        if sc.exchange:
            dc = endmember_exchange(c, p, grid, reg, dt)
            c = c + dc
            budget["boundary"] = budget["boundary"] + _volume_integral(dc, grid)

        # prescribed net community production: organic matter leaves the modelled system
        if sc.production:
            dc = prescribed_production(c, t, p, forcing, grid, reg, dt)
            c = c + dc
            made = _volume_integral(dc, grid)
            budget["sources"] = budget["sources"] + made
            budget["external"] = budget["external"] + made

        # surface fluxes into the top layer
        if sc.surface_processes:
            surf = sum(proc(c, t, p, forcing, grid, reg) for proc in sc.surface_processes)
            surf = surf * grid.mask[0]
            top_volume = jnp.where(grid.mask[0] > 0, grid.volume[0], 1.0)
            c = c.at[:, 0].add(dt * surf * grid.area / top_volume)
            budget["surface"] = budget["surface"] + dt * (surf.astype(jnp.float64) * grid.area.astype(jnp.float64)).sum((1, 2))
            if "airsea_co2" in fluxes:
                fluxes["airsea_co2"] = fluxes["airsea_co2"] + dt * surf[reg.index("dic")].astype(jnp.float64)

        # sub-stepped explicit transport
        U, V, W = forcing.flow(t + 0.5 * dt, p)
        kh = p["kh"].astype(c.dtype)

        def substep(_, carry):
            c, inflow = carry
            c, b_in = advect(c, U, V, W, grid, forcing.ghost_x, forcing.ghost_y, h, sc.limiter)
            c = diffuse_horizontal(c, kh, grid, h)
            return c, inflow + b_in.astype(jnp.float64)

        # each sub-step checkpointed: in reverse mode the loop then keeps only its carry per
        # iteration and recomputes the sub-step, instead of stacking every intermediate (zeroed,
        # written and read back: the ecosystem's 36-step gradient took 1.4x as long). The loop
        # (a scan in reverse mode) already keeps XLA from merging the recomputation with the
        # forward pass, so the checkpoint's own guard against that (prevent_cse) is not needed,
        # and it cost time (docs/performance.md)
        init = (c, jnp.zeros(c.shape[0], jnp.float64))
        sub = jax.checkpoint(substep, prevent_cse=False)
        c, inflow = lax.fori_loop(0, n, sub, init) if n > 1 else substep(0, init)

        kv = vertical_diffusivity(grid.z_face, p).astype(c.dtype)[:, None, None]
        c = diffuse_vertical_implicit(c, kv, grid, dt)

        # implicit sinking with deposition on the seabed
        if sc.sinking != ():
            sinking = list(range(c.shape[0])) if sc.sinking is None else list(sc.sinking)
            idx = np.asarray(sinking)
            w = sinking_speeds(p, reg, sc.biology is not None, iv).astype(c.dtype)[idx]
            sunk, deposit, out = sink(c[idx], w, grid, dt)
            c = c.at[idx].set(sunk)
            if sc.biology is not None:
                poc = sinking.index(reg.index("poc"))
                for key, k in zip(("export_poc_100m", "export_poc_mld"), sc.export_levels):
                    fluxes[key] = fluxes[key] + (out[poc, k - 1] * grid.mask[k] / grid.area).astype(jnp.float64)
            budget["deposition"] = budget["deposition"].at[idx].add(deposit.sum((1, 2)).astype(jnp.float64))
            sediment = sediment.at[idx].add(deposit)
        budget["boundary"] = budget["boundary"] + inflow
        return State(c=c, sediment=sediment, step=state.step + 1, budget=budget, fluxes=fluxes, stocks=stocks)

    return step


# ---------------------------------------------------------------------------------------------
@dataclass
class Model:
    """A configured model: everything a run needs, plus the pure step function."""

    cfg: Config
    grid: Grid
    registry: TracerRegistry
    params: dict
    forcing: Forcing
    state0: State
    step_config: StepConfig
    step: Callable
    max_courant: float

    @property
    def dtype(self):
        return self.state0.c.dtype


#: units of the physical, forcing, exchange and production params (biology and intervention params
#: carry theirs in their own tables)
PARAMETER_UNITS = {
    "alongshore_speed": "m s-1", "tidal_speed": "m s-1", "tidal_period": "s", "upwelling_transport": "m2 s-1",
    "upwelling_seasonal_amplitude": "1", "upwelling_peak_day": "day of year", "kh": "m2 s-1",
    "kv_background": "m2 s-1", "kv_mixed_layer": "m2 s-1", "mixed_layer_depth": "m", "surface_temperature": "degC",
    "seasonal_sst_amplitude": "degC", "warmest_day": "day of year", "sst_restoring": "m s-1",
    "sss_restoring": "m s-1", "wind_speed": "m s-1", "wind_speed_scale": "1", "gas_transfer_scale": "1",
    "pressure_atm": "atm", "ice_fraction": "1", "xco2": "ppm", "sinking": "m s-1",
    "exchange_timescale": "s", "exchange_ocean_salinity": "1", "exchange_ocean_dic": "umol kg-1",
    "exchange_ocean_alk": "umol kg-1", "exchange_river_dic": "umol kg-1", "exchange_river_alk": "umol kg-1",
    "production_mean": "mmol C m-3 d-1", "production_amplitude": "mmol C m-3 d-1", "production_peak_day": "day of year",
}


def default_params(cfg: Config, registry: TracerRegistry) -> dict:
    """Every continuous coefficient, in SI units (s, m, m2 s-1, m s-1, degC), from the config."""
    c, h = cfg.circulation, cfg.hydrography
    scalars = dict(
        alongshore_speed=c.alongshore_speed_m_s,
        tidal_speed=c.tidal_speed_m_s,
        tidal_period=c.tidal_period_hours * 3600.0,
        upwelling_transport=c.upwelling_transport_m2_s,
        upwelling_seasonal_amplitude=c.upwelling_seasonal_amplitude,
        upwelling_peak_day=c.upwelling_peak_day,
        kh=c.kh_m2_s,
        kv_background=c.kv_background_m2_s,
        kv_mixed_layer=c.kv_mixed_layer_m2_s,
        mixed_layer_depth=c.mixed_layer_depth_m,
        surface_temperature=h.surface_temperature_c,
        seasonal_sst_amplitude=h.seasonal_sst_amplitude_c,
        warmest_day=h.warmest_day,
        sst_restoring=h.sst_restoring_m_per_day / 86400.0,
        sss_restoring=h.sss_restoring_m_per_day / 86400.0,
        wind_speed=cfg.atmosphere.wind_speed_m_s,
        wind_speed_scale=cfg.atmosphere.wind_speed_scale,
        gas_transfer_scale=cfg.atmosphere.gas_transfer_scale,
        pressure_atm=cfg.atmosphere.pressure_atm,
        ice_fraction=cfg.atmosphere.ice_fraction,
        xco2=cfg.atmosphere.xco2_ppm if isinstance(cfg.atmosphere.xco2_ppm, float) else 0.0,
    )
    if cfg.biology.enabled:
        scalars.update({k: v.default for k, v in PARAMETERS.items()} | cfg.biology.parameters)
    scalars.update(exchange_params(cfg) | production_params(cfg))
    p = {k: jnp.asarray(v, jnp.float64) for k, v in scalars.items()}
    p["sinking"] = jnp.asarray([cfg.tracers[n].sinking_m_per_day / 86400.0 for n in registry.names], jnp.float64)
    return p


def initial_tracers(cfg: Config, grid: Grid, registry: TracerRegistry) -> np.ndarray:
    """Initial concentrations (ntr, nz, ny, nx), float64, zero on land: for ``initial:
    hydrography`` tracers, exponential surface-to-deep profiles of the hydrography keys, or the
    profiles of hydrography.bottles where set (:func:`oceancdr.bottles.bottle_profiles`), or
    temperature and salinity from FVCOM output (:func:`model_output_hydrography`)."""
    nz, ny, nx = grid.shape
    z = np.asarray(grid.z_center)[:, None, None]
    h = cfg.hydrography
    shape = np.exp(-z / h.thermocline_depth_m)
    def profile(surface, deep):
        return deep + (surface - deep) * shape

    profiles = {
        "temperature": profile(h.surface_temperature_c, h.deep_temperature_c),
        "salinity": profile(h.surface_salinity, h.deep_salinity),
        "dic": profile(h.surface_dic_mmol_m3, h.deep_dic_mmol_m3),
        "alk": profile(h.surface_alk_mmol_m3, h.deep_alk_mmol_m3),
    } | {n: profile(getattr(h, f"surface_{n}_{u}"), getattr(h, f"deep_{n}_{u}"))
         for n, u in (("no3", "mmol_m3"), ("po4", "mmol_m3"), ("sio4", "mmol_m3"), ("fe", "umol_m3"),
                      ("o2", "mmol_m3"))}
    if h.bottles is not None:
        from .bottles import COLUMNS, bottle_profiles, read_whp_exchange

        wanted = [n for n in registry.names if n in COLUMNS and cfg.tracers[n].initial == "hydrography"]
        found, _ = bottle_profiles(read_whp_exchange(h.bottles.file), h.bottles.lon, h.bottles.lat,
                                   h.bottles.radius_km, z[:, 0, 0], wanted)
        profiles |= {n: v[:, None, None] for n, v in found.items()}
    if h.from_circulation_file:
        profiles |= model_output_hydrography(cfg, grid)
    c = np.zeros((len(registry), nz, ny, nx))
    x = np.asarray(grid.x_km)[None, None, :]
    y = np.asarray(grid.y_km)[None, :, None]
    for i, name in enumerate(registry.names):
        tc = cfg.tracers[name]
        c[i] = profiles[name] if tc.initial == "hydrography" else tc.initial
        if tc.blob is not None:
            b = tc.blob
            c[i] += b.amplitude * np.exp(-((x - b.x_km) ** 2 + (y - b.y_km) ** 2) / b.radius_km**2
                                         - ((z - b.depth_m) / b.thickness_m) ** 2)
    return c * np.asarray(grid.mask)[None]


def model_output_hydrography(cfg: Config, grid: Grid) -> dict:
    """Temperature and salinity (nz, ny, nx) from circulation.file (FVCOM) at the frame nearest
    run.start. Wet cells the file does not cover take the value of the nearest covered cell of their
    layer (scipy.ndimage.distance_transform_edt, in cells); a layer with none copies the one above."""
    from scipy.ndimage import distance_transform_edt

    from .readers import velocities_on_grid

    ds = velocities_on_grid(cfg.circulation.file, grid, cfg.circulation.format)
    frame = int(np.argmin(np.abs(ds["time"].values - np.datetime64(cfg.run.start))))
    out = {}
    for name in ("temperature", "salinity"):
        field = ds[name].values[frame].copy()
        for k in range(field.shape[0]):
            known = np.isfinite(field[k])
            if known.any():
                _, (jj, ii) = distance_transform_edt(~known, return_indices=True)
                field[k] = field[k][jj, ii]
            else:
                field[k] = field[k - 1] if k > 0 else np.nan
        if not np.isfinite(field).all():
            raise ConfigError(f"hydrography.from_circulation_file: {cfg.circulation.file} has no {name} in the "
                              "grid's top layer")
        out[name] = field
    return out


def flow_patterns(cfg: Config, grid: Grid):
    """(kind, U, V, W, times, |U|max, |V|max, |W|max) for the configured circulation (numpy)."""
    nz, ny, nx = grid.shape
    cc = cfg.circulation
    if cc.type == "none":
        zeros = (np.zeros((1, nz, ny, nx + 1)), np.zeros((1, nz, ny + 1, nx)), np.zeros((1, nz + 1, ny, nx)))
        return "none", *zeros, np.zeros(0), *(z[0] for z in zeros)
    if cc.type == "coastal":
        if cfg.grid.type != "coastal":
            raise ConfigError("circulation.type: 'coastal' needs grid.type 'coastal'; use 'potential', 'file' or 'none' "
                              "for a bathymetry grid")
        pats = circulation.coastal_patterns(grid, cfg.grid, cc)
        U, V, W = (np.stack([p[i] for p in pats]) for i in range(3))
        amax = np.array([abs(cc.alongshore_speed_m_s), cc.tidal_speed_m_s,
                         abs(cc.upwelling_transport_m2_s) * (1 + cc.upwelling_seasonal_amplitude)])
        bound = [np.tensordot(amax, np.abs(f), axes=1) for f in (U, V, W)]
        return "patterns", U, V, W, np.zeros(0), *bound
    if cc.type == "potential":
        P = circulation.potential_pattern(grid, cc.potential_axis)
        U, V, W = (np.stack([f, f, np.zeros_like(f)]) for f in P)     # steady, tidal, no overturning
        amax = abs(cc.alongshore_speed_m_s) + cc.tidal_speed_m_s
        return "patterns", U, V, W, np.zeros(0), *(amax * np.abs(f) for f in P)
    start = np.datetime64(cfg.run.start)
    times, U, V, W = circulation.file_frames(cc, grid, start)
    return "file", U, V, W, times, *(np.abs(f).max(0) for f in (U, V, W))


def required_substeps(cfg: Config, grid: Grid, Umax, Vmax, Wmax):
    """Explicit-transport stability: the largest per-sweep Courant number (outflow and inflow
    through both faces over the cell volume) and diffusion number over the run, and the sub-steps
    that keep each below ``numerics.max_courant`` (sinking and vertical diffusion are implicit)."""
    dt = cfg.run.dt_seconds
    wet = np.asarray(grid.mask) > 0
    vol = np.where(wet, np.asarray(grid.volume), np.inf)
    kh = cfg.circulation.kh_m2_s
    ax, ay = np.asarray(grid.ax), np.asarray(grid.ay)
    numbers = {
        "x advection": (Umax[..., :-1] + Umax[..., 1:]) * dt / vol,
        "y advection": (Vmax[:, :-1] + Vmax[:, 1:]) * dt / vol,
        "z advection": (Wmax[:-1] + Wmax[1:]) * dt / vol,
        "horizontal diffusion": kh * dt * (ax[..., :-1] / grid.dxc[:, :-1] + ax[..., 1:] / grid.dxc[:, 1:]
                                           + ay[:, :-1] / grid.dyc[:-1] + ay[:, 1:] / grid.dyc[1:]) / vol,
    }
    name, arr = max(numbers.items(), key=lambda kv: kv[1].max())
    worst = float(arr.max())
    where = np.unravel_index(int(np.argmax(arr)), arr.shape)
    limit = cfg.numerics.max_courant
    need = max(1, math.ceil(worst / limit))
    setting = cfg.numerics.substeps
    n = need if setting == "auto" else setting
    if n < need or n > cfg.numerics.max_substeps:
        dt_ok = dt * limit / worst * min(n, cfg.numerics.max_substeps)
        raise ConfigError(
            f"run.dt_seconds: CFL violated: {name} number {worst:.3g} at cell (k, j, i) = {tuple(int(v) for v in where)} "
            f"needs {need} sub-steps (numerics.substeps={setting}, numerics.max_substeps="
            f"{cfg.numerics.max_substeps}); lower run.dt_seconds to <= {dt_ok:.4g} s or allow more sub-steps")
    return n, worst


def surface_series(cfg: Config):
    """The observed surface series of ``surface_series.file``: (times in seconds since run.start
    at 00:00 UTC, float64; dict name -> float64 values, names from forcing.SERIES_COLUMNS), or
    (None, None) without a file. Raises ConfigError naming the key when the file cannot be read,
    lacks a time column or any known column, has missing values, is not increasing in time or
    does not cover run.start to run.start + run.days."""
    name = cfg.surface_series.file
    if not name:
        return None, None
    import pandas as pd

    key = "surface_series.file"
    try:
        path = resolve_data_path(name, Path.cwd())
        table = pd.read_csv(path)
    except ConfigError as err:
        raise ConfigError(f"{key}: {err}") from None
    except (OSError, ValueError) as err:
        raise ConfigError(f"{key} {name}: cannot read as CSV ({err})") from None
    if "time" not in table.columns:
        raise ConfigError(f"{key} {name}: no 'time' column (ISO 8601 UTC, e.g. 2015-04-23T00:00:00Z)")
    columns = [col for col in SERIES_COLUMNS if col in table.columns]
    if not columns:
        raise ConfigError(f"{key} {name}: none of the columns {', '.join(SERIES_COLUMNS)} (found "
                          f"{', '.join(map(str, table.columns))})")
    try:
        stamps = pd.to_datetime(table["time"], utc=True)
    except (ValueError, TypeError) as err:
        raise ConfigError(f"{key} {name}: 'time' is not ISO 8601 ({err})") from None
    start = pd.Timestamp(cfg.run.start, tz="UTC")
    times = np.asarray((stamps - start) / pd.Timedelta(seconds=1), np.float64)
    values = {SERIES_COLUMNS[col]: pd.to_numeric(table[col], errors="coerce").to_numpy(np.float64) for col in columns}
    for col in columns:
        bad = ~np.isfinite(values[SERIES_COLUMNS[col]])
        if bad.any():
            raise ConfigError(f"{key} {name}: column {col} has {int(bad.sum())} missing or non-numeric values "
                              f"(first at row {int(np.argmax(bad))}); fill them before the run")
    if not np.isfinite(times).all() or (np.diff(times) <= 0).any():
        raise ConfigError(f"{key} {name}: times must be present and strictly increasing")
    end = cfg.run.days * 86400.0
    if times[0] > 0.0 or times[-1] < end:
        first, last = (str(stamps.iloc[i]) for i in (0, -1))
        raise ConfigError(f"{key} {name}: covers {first} to {last}, not the run from {cfg.run.start} for "
                          f"{cfg.run.days:g} days; change run.start or run.days, or extend the file")
    return times, values


def build_model(cfg: Config) -> Model:
    """Build grid, registry, params, forcing, initial state and step from a validated config."""
    dtype = jnp.dtype(cfg.precision)
    grid64 = build_grid(cfg.grid)
    meta = {n: {k: v for k, v in (("units", t.units), ("long_name", t.long_name)) if v}
            for n, t in cfg.tracers.items()}
    registry = TracerRegistry(tuple(cfg.tracers), meta)
    c0 = initial_tracers(cfg, grid64, registry)
    kind, U, V, W, times, Umax, Vmax, Wmax = flow_patterns(cfg, grid64)
    substeps, courant = required_substeps(cfg, grid64, Umax, Vmax, Wmax)
    gx, gy = ghost_values(c0, [cfg.tracers[n].boundary for n in registry.names])
    start = _dt.date.fromisoformat(cfg.run.start)
    days_in_year = 366 if calendar.isleap(start.year) else 365
    years, xco2 = (np.zeros(0), np.zeros(0))
    if isinstance(cfg.atmosphere.xco2_ppm, str):
        years, xco2 = load_xco2_record(cfg.atmosphere.xco2_ppm)
    forcing = Forcing(
        U=jnp.asarray(U, dtype), V=jnp.asarray(V, dtype), W=jnp.asarray(W, dtype),
        times=jnp.asarray(times, jnp.float64), ghost_x=jnp.asarray(gx, dtype), ghost_y=jnp.asarray(gy, dtype),
        xco2_years=jnp.asarray(years, jnp.float64), xco2_values=jnp.asarray(xco2, jnp.float64),
        kind=kind, start_day_of_year=float(start.timetuple().tm_yday - 1),
        start_year=start.year + (start.timetuple().tm_yday - 1) / days_in_year,
    )
    series_times, series = surface_series(cfg)
    if series is not None:
        forcing = forcing.replace(series_times=jnp.asarray(series_times, jnp.float64),
                                  series={k: jnp.asarray(v, jnp.float64) for k, v in series.items()})
    grid = jax.tree_util.tree_map(lambda a: jnp.asarray(a, dtype), grid64)
    surface = []
    if "temperature" in registry and cfg.hydrography.sst_restoring_m_per_day > 0:
        surface.append(sst_restoring)
    if "salinity" in registry and forcing.has_series("salinity") and cfg.hydrography.sss_restoring_m_per_day > 0:
        surface.append(sss_restoring)
    if "dic" in registry and cfg.atmosphere.airsea_co2:
        surface.append(airsea_co2)
    bio = cfg.biology
    switches, levels = None, ()
    if bio.enabled:
        switches = Switches(grazing=bio.grazing, mcp=bio.mcp, calcite=bio.calcite, iron_scavenging=bio.iron_scavenging,
                            dust=bio.dust, sediment=bio.sediment, sediment_iron=bio.sediment and bio.sediment_iron)
        if grid64.shape[0] > 1:     # a single layer has no interior interface to export through
            levels = tuple(export_level(grid64, d) for d in (100.0, cfg.circulation.mixed_layer_depth_m))
        if bio.oxygen_airsea:
            surface.append(airsea_o2)
    params = default_params(cfg, registry)
    spec, flux_names, stocks = None, FLUX_NAMES if bio.enabled else (), {}
    if airsea_co2 in surface:
        flux_names = ("airsea_co2",) + flux_names
    if cfg.interventions:
        spec, arrays, iv_params = interventions.build(cfg, grid64, registry, cfg.run.dt_seconds)
        forcing = forcing.replace(interventions={
            "fraction": jnp.asarray(arrays["fraction"], jnp.float64),
            "weight": jnp.asarray(arrays["weight"], jnp.float64),
            "individuals": jnp.asarray(arrays["individuals"], dtype)})
        params |= {k: jnp.asarray(v, jnp.float64) for k, v in iv_params.items()}
        flux_names = flux_names + spec.flux_names()
        stocks = {k: jnp.zeros(grid64.shape[1:], jnp.float64) for k in spec.stock_names()}
    sinks = {i for i, n in enumerate(registry.names) if cfg.tracers[n].sinking_m_per_day > 0
             or (switches is not None and n in SINKING)}
    sinks |= {i for ol in (spec.olivine if spec is not None else ()) for cl in ol.classes
              for i in (cl.remaining, cl.as_added)}
    sc = StepConfig(dt=cfg.run.dt_seconds, substeps=substeps, limiter=cfg.numerics.limiter, registry=registry,
                    surface_processes=tuple(surface), biology=switches, export_levels=levels, interventions=spec,
                    exchange=cfg.exchange.enabled, production=cfg.production.enabled, sinking=tuple(sorted(sinks)))
    return Model(cfg=cfg, grid=grid, registry=registry, params=params, forcing=forcing,
                 state0=new_state(jnp.asarray(c0, dtype), flux_names=flux_names, stocks=stocks), step_config=sc,
                 step=make_step(sc), max_courant=courant / substeps)


def export_level(grid: Grid, depth: float) -> int:
    """Index of the layer interface closest to ``depth`` (m), at least 1 (below the top layer)."""
    z = np.asarray(grid.z_face)
    return int(np.clip(np.argmin(np.abs(z - depth)), 1, len(z) - 2))
