"""Accuracy of the float32 path: the main job's MRV numbers in float32 against float64.

The paired MRV run of configs/oae_point_release.yaml (ecosystem, air-sea CO2, NaOH release) on
its default grid for ``days`` days (a 12 x 16 x 6 grid for 4 days with ``quick``), once per
precision; reported: the relative difference of the additional CO2 uptake, the realised
efficiency, the largest pH change and the excess alkalinity inventory, and each run's budget
closure, and both runs' wall time (compilation included: what a user waits for).
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from oceancdr.config import load_config
from oceancdr.model import build_model
from oceancdr.mrv import run_mrv

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "oae_point_release.yaml"
QUICK = ["grid.nx=12", "grid.ny=16", "grid.nz=6", "grid.dx_m=7500", "grid.dy_m=7500"]
NUMBERS = {"additional_co2_uptake_mol": ("uptake", "additional_co2_uptake_mol"),
           "realised_efficiency": ("uptake", "realised_efficiency"),
           "max_ph_change": ("side_effects", "max_ph_change", "value"),
           "excess_alkalinity_mol": ("inventories", "excess_alkalinity_mol")}


def _get(result, path):
    for key in path:
        result = result[key]
    return result


def run(quick: bool = False, days: float = 20.0) -> dict:
    overrides = (QUICK + ["run.days=4"]) if quick else [f"run.days={days:g}"]
    out = {"config": CONFIG.name, "overrides": overrides}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for precision in ("float64", "float32"):
            model = build_model(load_config(CONFIG, overrides + [f"precision={precision}", "output.every_hours=24"]))
            t0 = time.perf_counter()
            results[precision] = run_mrv(model, Path(tmp) / precision, report=False, progress=False)
            out[f"{precision}_wall_seconds"] = time.perf_counter() - t0
            out[f"{precision}_closure"] = results[precision]["budget_closure"]["max_relative_residual_over_time"]
    for name, path in NUMBERS.items():
        a, b = _get(results["float64"], path), _get(results["float32"], path)
        out[name] = {"float64": a, "float32": b, "relative_difference": abs(b - a) / abs(a) if a else None}
    return out
