"""The full coupled step of the main job: cell-steps per second, memory per cell, roofline.

The model of configs/oae_point_release.yaml (the default coastal domain with the ecosystem, air-sea
CO2 and O2, and the NaOH release: every tracer the main job carries) on its own 30 x 40 x 12 grid
and on a grid refined twice in each horizontal direction and in depth (time step halved), in float64
and float32. Timings are warm, the fastest of at least ``repeats`` calls
(:func:`benchmarks.best_time`), ``steps`` steps scanned in one compiled call
(:func:`oceancdr.simulation.advance`). Memory is XLA's footprint of that compiled call
(arguments, outputs and temporaries, less what is aliased) per grid cell, without and with
donation of the input state (:func:`oceancdr.simulation.advance_donating`); the anchor is
OceanBioME's ~600 bytes per cell. The roofline compares the measured time with the bandwidth
bound for the minimum traffic: each tracer read and written once per step. (XLA's "bytes accessed"
is not used here: it counts a loop body once, and the step has loops over sub-steps, levels and
Newton iterations; :mod:`benchmarks.transport` uses it for the loop-free transport update.)
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks import best_time, on_gpu
from benchmarks.roofline import compiled_bytes, roofline
from oceancdr.config import load_config
from oceancdr.model import build_model
from oceancdr.simulation import advance, advance_donating

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "oae_point_release.yaml"
GRIDS = {"30x40x12": [], "60x80x24": ["grid.nx=60", "grid.ny=80", "grid.nz=24", "grid.dx_m=1500",
                                      "grid.dy_m=1500", "run.dt_seconds=900"],
         # on a GPU only: 3.7 M cells (18 tracers: 530 MB of state in float64), 6 sub-steps as built
         # on 2026-12-07 (the time step cut to 112.5 s; at 225 s the CFL limit asked for 12)
         "240x320x48": ["grid.nx=240", "grid.ny=320", "grid.nz=48", "grid.dx_m=375", "grid.dy_m=375",
                        "run.dt_seconds=112.5"]}
GPU_GRIDS = ("240x320x48",)


def grids(quick: bool) -> list[str]:
    """Grids of this run: the main job's own, with --quick; else also the refined one, and on a GPU
    the GPU's."""
    if quick:
        return ["30x40x12"]
    return [g for g in GRIDS if g not in GPU_GRIDS or on_gpu()]


def measure(grid: str, precision: str, steps: int = 20, repeats: int = 3, gb_per_s=None) -> dict:
    m = build_model(load_config(CONFIG, GRIDS[grid] + [f"precision={precision}", "run.progress=false"]))
    args = (m.step, m.state0, m.params, m.forcing, m.grid, steps)
    chunk = advance.lower(*args).compile()           # compiled once: timed and measured
    seconds = best_time(lambda: chunk(*args[1:5]).c, repeats) / steps
    plain = compiled_bytes(chunk)
    donated = compiled_bytes(advance_donating.lower(*args).compile())
    nz, ny, nx = m.grid.shape
    cells, ntr = nx * ny * nz, len(m.registry)
    row = {"grid": grid, "precision": precision, "tracers": ntr, "substeps": m.step_config.substeps,
           "seconds_per_step": seconds, "cell_steps_per_second": cells / seconds,
           "tracer_cell_steps_per_second": cells * ntr / seconds,
           "bytes_per_cell": plain["footprint_bytes"] / cells,
           "bytes_per_cell_donated": donated["footprint_bytes"] / cells,
           "minimum_bytes_per_cell_step": 2 * ntr * np.dtype(precision).itemsize}
    if gb_per_s:
        row["roofline_minimum_bytes"] = roofline(row["minimum_bytes_per_cell_step"] * cells, seconds, gb_per_s)
    return row


def run(quick: bool = False, gb_per_s: float | None = None) -> list[dict]:
    return [measure(g, p, steps=10 if quick else 20, gb_per_s=gb_per_s) for g in grids(quick)
            for p in ("float64", "float32")]
