"""Cost of the ecosystem reaction step per cell, against the transport step on the same grid.

Three timings on the same coastal grid, warm (compilation excluded), the fastest of at least
``repeats`` calls (:func:`benchmarks.best_time`):
* ``reactions``: :func:`oceancdr.biology.reactions` alone (all processes, with the in-situ 3-D
  carbonate solve for Omega_calcite), and again with ``calcite`` off (no carbonate solve);
* ``physics step``: the model step with the same number of tracers but no ecosystem (temperature,
  salinity, DIC, TA with air-sea CO2, the rest passive): transport, mixing, surface fluxes;
* ``full step``: the model step with the ecosystem.
"""
from __future__ import annotations

import jax

from benchmarks import best_time
from oceancdr.biology import BIO_TRACERS, reactions
from oceancdr.config import Config
from oceancdr.model import build_model
from oceancdr.simulation import advance

HYDRO = {n: {"initial": "hydrography"} for n in ("temperature", "salinity", "dic", "alk")}


def _model(nx, ny, nz, precision, biology, calcite=True):
    tracers = dict(HYDRO) if biology else HYDRO | {f"passive{i}": {"initial": 1.0} for i in range(len(BIO_TRACERS))}
    dx = 3000.0 * 30 / nx
    return build_model(Config.model_validate({
        "precision": precision, "tracers": tracers, "biology": {"enabled": biology, "calcite": calcite},
        "grid": {"nx": nx, "ny": ny, "nz": nz, "dx_m": dx, "dy_m": dx, "dz_surface_m": min(5.0, 600.0 / nz)},
        "run": {"dt_seconds": 1800.0 * dx / 3000.0, "start": "2025-06-01"},
    }))


def measure(nx=30, ny=40, nz=12, precision="float64", steps=20, repeats=3) -> dict:
    cells = nx * ny * nz
    out = {"grid": f"{nx}x{ny}x{nz}", "precision": precision, "tracers": len(HYDRO) + len(BIO_TRACERS)}
    for key, calcite in (("reactions", True), ("reactions_without_carbonate_solve", False)):
        m = _model(nx, ny, nz, precision, True, calcite)
        s, sc = m.state0, m.step_config
        f = jax.jit(lambda c, sed, p: reactions(c, sed, 43200.0, p, m.forcing, m.grid, sc.registry, sc.biology, sc.dt))
        out[f"{key}_us_per_cell"] = best_time(lambda: f(s.c, s.sediment, m.params).dc, repeats) / cells * 1e6
        if calcite:
            full = m
    for key, m in (("full_step", full), ("physics_step", _model(nx, ny, nz, precision, False))):
        run = lambda: advance(m.step, m.state0, m.params, m.forcing, m.grid, steps).c  # noqa: E731
        out[f"{key}_us_per_cell"] = best_time(run, repeats) / steps / cells * 1e6
        out[f"{key}_substeps"] = m.step_config.substeps
    out["reactions_over_physics_step"] = out["reactions_us_per_cell"] / out["physics_step_us_per_cell"]
    return out


def run(quick: bool = False) -> list[dict]:
    sizes = [(30, 40, 12)] if quick else [(30, 40, 12), (60, 80, 24)]
    return [measure(*size, precision=prec, steps=10 if quick else 20)
            for size in sizes for prec in ("float64", "float32")]
