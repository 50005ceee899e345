"""Throughput of the transport step: tracer-cell updates per second.

One "tracer-cell update" is one tracer in one wet-or-dry grid cell advanced by one full step
(limited 3-D advection, explicit horizontal diffusion, implicit vertical diffusion, implicit sinking).
The step is the model's own pure step on the default coastal circulation, jitted and scanned;
timings are warm (compilation excluded), best of ``repeats``, with block_until_ready.
"""
from __future__ import annotations

import time

import jax
import numpy as np

from oceancdr.config import Config
from oceancdr.model import build_model
from oceancdr.simulation import advance

SIZES = {"quick": [(24, 32, 10)], "full": [(24, 32, 10), (48, 64, 20), (96, 128, 30)]}


def _model(nx, ny, nz, precision, ntracers):
    tracers = {"temperature": {"initial": "hydrography"}, "salinity": {"initial": "hydrography"}}
    tracers.update({f"dye{i}": {"initial": float(i)} for i in range(ntracers - 2)})
    dx = 2000.0 * 40 / nx
    cfg = Config.model_validate({
        "precision": precision, "tracers": tracers,
        "grid": {"nx": nx, "ny": ny, "nz": nz, "dx_m": dx, "dy_m": dx,
                 "dz_surface_m": min(5.0, 600.0 / nz)},
        "run": {"dt_seconds": 600.0 * dx / 2000.0},
    })
    return build_model(cfg)


def measure(nx, ny, nz, precision="float64", ntracers=8, steps=50, repeats=3) -> dict:
    m = _model(nx, ny, nz, precision, ntracers)
    state = advance(m.step, m.state0, m.params, m.forcing, m.grid, steps)
    jax.block_until_ready(state.c)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        s = advance(m.step, m.state0, m.params, m.forcing, m.grid, steps)
        jax.block_until_ready(s.c)
        best = min(best, time.perf_counter() - t0)
    cells = nx * ny * nz
    return {
        "grid": f"{nx}x{ny}x{nz}", "precision": precision, "tracers": ntracers, "substeps": m.step_config.substeps,
        "seconds_per_step": best / steps,
        "tracer_cell_updates_per_second": cells * ntracers * steps / best,
    }


def run(quick: bool = False) -> list[dict]:
    out = []
    for nx, ny, nz in SIZES["quick" if quick else "full"]:
        for precision in ("float64", "float32"):
            out.append(measure(nx, ny, nz, precision, steps=20 if quick else 50))
    return out
