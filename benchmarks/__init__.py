"""oceancdr benchmarks: ``python -m benchmarks [--quick]`` or ``oceancdr bench [--quick]``.

Each module exposes ``run(quick) -> list | dict``; :func:`run_all` collects them with the machine
they ran on. Results and the machines they came from are recorded in benchmarks/RESULTS.md.
"""
from __future__ import annotations

import importlib
import platform

import jax

MODULES = ("transport", "bench_carbonate", "reactions", "gradient", "ensemble")


def machine() -> dict:
    import os

    return {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
            "jax": jax.__version__, "backend": jax.default_backend(), "devices": [str(d) for d in jax.devices()]}


def best_time(fn, repeats: int) -> float:
    """Seconds of the fastest of ``repeats`` warm calls of ``fn`` (one untimed call first compiles)."""
    import time

    jax.block_until_ready(fn())
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        best = min(best, time.perf_counter() - t0)
    return best


def run_all(quick: bool = False) -> dict:
    results = {"machine": machine(), "quick": quick}
    for name in MODULES:
        try:
            mod = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"benchmarks.{name}":
                raise
            continue
        results[name] = mod.run(quick)
    return results
