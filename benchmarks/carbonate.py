"""Throughput of the JAX carbonate solver against PyCO2SYS, measured in the same run.

    python -m benchmarks --only carbonate [--quick]

Inputs: N random ocean points (TA 2000-2600, DIC 1800-2400 umol/kg, T -2-32 C, S 30-38,
0-5000 dbar, silicate 0-150, phosphate 0-3 umol/kg); N = 1e6 (1e5 with --quick, 1e7 on a GPU).
Ours: ``jax.jit(solve_carbonate)`` (all outputs, Revelle factor included), warm (compiled
beforehand), ``block_until_ready``, the fastest of at least 3 calls (:func:`benchmarks.best_time`),
in float64 and float32.
PyCO2SYS 1.8 (NumPy/autograd, not jit-able) runs on the first N_pyco2 points (1e5, 2e4
with --quick; its time is linear in N, so its rate is measured on that subset and used as
its rate for N), after one warm-up call the fastest of at least 2, twice: with its defaults
(which also compute all buffer factors by automatic differentiation) and with
``opt_buffers_mode=0`` (no buffer factors; still more outputs than ours, but no Revelle factor).
Exposes ``run(quick) -> dict`` for :func:`benchmarks.run_all`.
"""

from __future__ import annotations

import os
import platform

import numpy as np

import oceancdr  # noqa: F401  (enables float64)
import jax
import jax.numpy as jnp

from benchmarks import best_time, on_gpu
from oceancdr.chemistry import solve_carbonate


def _inputs(n, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "dic": rng.uniform(1800, 2400, n),
        "alk": rng.uniform(2000, 2600, n),
        "temperature": rng.uniform(-2, 32, n),
        "salinity": rng.uniform(30, 38, n),
        "pressure": rng.uniform(0, 5000, n),
        "silicate": rng.uniform(0, 150, n),
        "phosphate": rng.uniform(0, 3, n),
    }


_ORDER = ("dic", "alk", "temperature", "salinity", "pressure", "silicate", "phosphate")


def _time_ours(inputs, dtype, repeats=3):
    args = [jnp.asarray(inputs[k], dtype) for k in _ORDER]
    solve = jax.jit(solve_carbonate)
    return best_time(lambda: solve(*args), repeats)


def _time_pyco2sys(inputs, n, repeats=2, **options):
    import PyCO2SYS as pyco2

    sub = {k: v[:n] for k, v in inputs.items()}

    def call():
        pyco2.sys(
            par1=sub["alk"], par2=sub["dic"], par1_type=1, par2_type=2,
            temperature=sub["temperature"], salinity=sub["salinity"], pressure=sub["pressure"],
            total_silicate=sub["silicate"], total_phosphate=sub["phosphate"], **options,
        )

    return best_time(call, repeats)


def run(quick: bool) -> dict:
    """Measure solves per second; returns a JSON-serialisable dict."""
    import PyCO2SYS as pyco2

    n = 100_000 if quick else (10_000_000 if on_gpu() else 1_000_000)
    n_pyco2 = 20_000 if quick else 100_000
    inputs = _inputs(n)
    t64 = _time_ours(inputs, jnp.float64)
    t32 = _time_ours(inputs, jnp.float32)
    t_pyco2 = _time_pyco2sys(inputs, n_pyco2)
    t_pyco2_nobuf = _time_pyco2sys(inputs, n_pyco2, opt_buffers_mode=0)
    rate64, rate32 = n / t64, n / t32
    rate_pyco2, rate_pyco2_nobuf = n_pyco2 / t_pyco2, n_pyco2 / t_pyco2_nobuf
    return {
        "benchmark": "carbonate_solve",
        "n_points": n,
        "n_points_pyco2sys": n_pyco2,
        "pyco2sys_rate_note": f"PyCO2SYS timed on the first {n_pyco2} points; its rate is used for N",
        "device": str(jax.devices()[0]),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "jax_version": jax.__version__,
        "pyco2sys_version": pyco2.__version__,
        "seconds_float64": t64,
        "seconds_float32": t32,
        "solves_per_second_float64": rate64,
        "solves_per_second_float32": rate32,
        "solves_per_second_pyco2sys": rate_pyco2,
        "solves_per_second_pyco2sys_no_buffers": rate_pyco2_nobuf,
        "ratio_float64_vs_pyco2sys": rate64 / rate_pyco2,
        "ratio_float32_vs_pyco2sys": rate32 / rate_pyco2,
        "ratio_float64_vs_pyco2sys_no_buffers": rate64 / rate_pyco2_nobuf,
        "ratio_float32_vs_pyco2sys_no_buffers": rate32 / rate_pyco2_nobuf,
    }
