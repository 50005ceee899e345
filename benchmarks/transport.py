"""Transport throughput: tracer-cell updates per second, against Veros and a NumPy floor.

On the default coastal circulation with ``ntracers`` tracers (temperature, salinity and passive
dyes), time step scaled with the grid spacing, warm (compilation excluded), the fastest of at least
``repeats`` calls (:func:`benchmarks.best_time`):

* ``model step``: the model's own pure step (surface restoring, sub-stepped advection and
  horizontal diffusion, implicit vertical diffusion), ``steps`` of it scanned in one compiled call;
* ``update``: one transport sub-step alone (flux-limited 3-D advection with Easter's splitting,
  flux divergence and tracer update, horizontal diffusion), jitted and scanned the same way:
  the unit of work a tracer-cell update means here;
* ``advect``: the advection of that sub-step alone (its three sweeps and the tracer update);
* peers on the same grid size, machine and precision: Veros's superbee flux kernel
  (:mod:`benchmarks.peers.veros_superbee`: fluxes only, no divergence, no diffusion, no update),
  the same update in plain NumPy (:mod:`benchmarks.peers.numpy_transport`) and the same update
  and advection hand-written in C++ (:mod:`benchmarks.peers.cxx_transport`: one pass over the
  tracers, vectorised, on every core), timed on the same flow, grid and tracers, in rounds
  alternating with our update and advection (:func:`benchmarks.best_times`);
* roofline: the bandwidth measured in this run (:mod:`benchmarks.roofline`), XLA's bytes accessed
  per update, and the minimum traffic (each tracer read and written once, the three volume fluxes
  and six grid fields read once per cell); and the update in units of a triad on the tracer
  array (:func:`benchmarks.roofline.triad_in_cache`), one pass over the tracers at the rate this
  device reaches when they fit in its cache.
"""
from __future__ import annotations

import jax
import numpy as np

from benchmarks import best_time, best_times, on_gpu
from benchmarks.peers import cxx_transport, numpy_transport, veros_superbee
from benchmarks.roofline import compiled_bytes, roofline, triad_in_cache
from oceancdr.config import Config
from oceancdr.model import build_model
from oceancdr.simulation import advance
from oceancdr.transport import advect, diffuse_horizontal

SIZES = {"quick": [(24, 32, 10)], "full": [(24, 32, 10), (48, 64, 20), (96, 128, 30)],
         "gpu": [(192, 256, 60)]}  # added to "full" on a GPU: 23.6 M tracer-cells, 189 MB in float64


def sizes(quick: bool) -> list[tuple]:
    """Grids (nx, ny, nz) of this run: the quick or full set, and on a GPU the full set and the GPU's."""
    return SIZES["quick"] if quick else SIZES["full"] + (SIZES["gpu"] if on_gpu() else [])


def model(nx, ny, nz, precision="float64", ntracers=8):
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


def update_args(m):
    """(flow, ghosts, kh, sub-step) of one transport update of model ``m`` at time 0."""
    U, V, W = m.forcing.flow(0.0, m.params)
    kh = m.params["kh"].astype(m.dtype)
    return (U, V, W, m.forcing.ghost_x, m.forcing.ghost_y, kh), m.step_config.dt / m.step_config.substeps


def advection(c, args, grid, h):
    """The advection of one transport sub-step of ``h`` seconds (no boundary accounting)."""
    U, V, W, gx, gy, _ = args
    return advect(c, U, V, W, grid, gx, gy, h)[0]


def update(c, args, grid, h):
    """One transport sub-step of ``h`` seconds: advection then horizontal diffusion."""
    return diffuse_horizontal(advection(c, args, grid, h), args[5], grid, h)


def _scanned(fn, h, steps):
    """``steps`` calls of fn(c, args, grid, h) in one compiled scan."""
    def run(c, args, grid):
        return jax.lax.scan(lambda c, _: (fn(c, args, grid, h), None), c, None, length=steps)[0]
    return jax.jit(run)


def numpy_update_seconds(m, repeats) -> float:
    args, h = update_args(m)
    U, V, W, gx, gy, kh = (np.asarray(a) for a in args)
    g = numpy_transport.numpy_grid(m.grid)
    c = np.asarray(m.state0.c)
    return best_time(lambda: numpy_transport.update(c, U, V, W, g, gx, gy, kh, h), repeats)


def cxx_calls(m):
    """Calls of the C++ peer's update and advection on model ``m``'s tracers, or {'error': ...}
    where it cannot be built or JAX runs on a GPU (the peer runs on the host's CPU: not the same
    device)."""
    if on_gpu():
        return {"error": "a CPU peer, not timed against a GPU"}
    args, h = update_args(m)
    U, V, W, gx, gy, kh = (np.asarray(a) for a in args)
    c = np.asarray(m.state0.c)
    g = numpy_transport.numpy_grid(m.grid)
    try:
        kernels = [cxx_transport.Transport(U, V, W, g, gx, gy, h, c.dtype, k) for k in (kh, None)]
    except cxx_transport.Unavailable as e:
        return {"error": str(e)}
    out = np.empty_like(c)
    return [lambda k=k: k(c, out) for k in kernels]


def _peer(seconds, ours_seconds, updates):
    return seconds if isinstance(seconds, dict) else {
        "seconds": seconds, "tracer_cell_updates_per_second": updates / seconds,
        "times_faster_than_ours": ours_seconds / seconds}


def measure(nx, ny, nz, precision="float64", ntracers=8, steps=50, repeats=3, gb_per_s=None) -> dict:
    m = model(nx, ny, nz, precision, ntracers)
    cells = nx * ny * nz
    updates = cells * ntracers
    itemsize = np.dtype(precision).itemsize
    step_s = best_time(lambda: advance(m.step, m.state0, m.params, m.forcing, m.grid, steps).c, repeats) / steps
    args, h = update_args(m)
    # our update and advection and the C++ update and advection in alternating rounds: their ratios are reported
    scanned_update, scanned_advection = (_scanned(fn, h, steps).lower(m.state0.c, args, m.grid).compile()
                                         for fn in (update, advection))
    cxx = cxx_calls(m)
    calls = [lambda: scanned_update(m.state0.c, args, m.grid), lambda: scanned_advection(m.state0.c, args, m.grid)]
    seconds = best_times(calls + (cxx if isinstance(cxx, list) else []), repeats)
    update_s, advect_s = seconds[0] / steps, seconds[1] / steps
    cxx_update_s, cxx_advect_s = seconds[2:] if isinstance(cxx, list) else (cxx, cxx)
    one = jax.jit(update, static_argnums=3).lower(m.state0.c, args, m.grid, h).compile()
    xla = compiled_bytes(one)
    numpy_s = numpy_update_seconds(m, max(1, repeats - 1))
    veros = veros_superbee.measure(nx, ny, nz, ntracers, precision, steps, repeats)
    triad = triad_in_cache(m.state0.c.shape, m.state0.c.dtype, steps, repeats)
    row = {
        "grid": f"{nx}x{ny}x{nz}", "precision": precision, "tracers": ntracers,
        "substeps": m.step_config.substeps,
        "model_step_seconds": step_s,
        "model_step_tracer_cell_updates_per_second": updates / step_s,
        "update_seconds": update_s,
        "update_tracer_cell_updates_per_second": updates / update_s,
        "numpy_update_seconds": numpy_s,
        "numpy_tracer_cell_updates_per_second": updates / numpy_s,
        "ratio_to_numpy": numpy_s / update_s,
        "advect_seconds": advect_s,
        "advect_tracer_cell_updates_per_second": updates / advect_s,
        "cxx_update": _peer(cxx_update_s, update_s, updates),
        "cxx_advect": _peer(cxx_advect_s, advect_s, updates),
        "veros": veros,
        "xla_bytes_per_cell_update": xla["bytes_accessed"] / cells,
        "minimum_bytes_per_cell_update": (2 * ntracers + 9) * itemsize,
        "triad_gb_per_s_tracer_array": triad["gb_per_s"],
        "update_in_triads": update_s / triad["seconds"],
    }
    if "tracer_cell_fluxes_per_second" in veros:
        row["ratio_to_veros_flux_kernel"] = row["update_tracer_cell_updates_per_second"] / veros[
            "tracer_cell_fluxes_per_second"]
    if gb_per_s:
        row["roofline_minimum_bytes"] = roofline(row["minimum_bytes_per_cell_update"] * cells, update_s, gb_per_s)
        row["roofline_xla_bytes"] = roofline(xla["bytes_accessed"], update_s, gb_per_s)
    return row


def run(quick: bool = False, gb_per_s: float | None = None) -> list[dict]:
    return [measure(nx, ny, nz, precision, steps=20 if quick else 50, gb_per_s=gb_per_s)
            for nx, ny, nz in sizes(quick) for precision in ("float64", "float32")]
