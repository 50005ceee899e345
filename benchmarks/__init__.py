"""oceancdr benchmarks: ``python -m benchmarks [--quick] [--only NAMES]`` or ``oceancdr bench``.

Each module exposes ``run(quick) -> list | dict`` (``transport`` and ``step`` also take the
bandwidth measured at the start of the run for their roofline); :func:`run_all` collects them
with the machine they ran on, writing the JSON after every module so an interrupted run keeps
what it measured, and :mod:`benchmarks.report` renders the Markdown tables and the targets.
Results and the machines they came from are recorded in benchmarks/RESULTS.md.
"""
from __future__ import annotations

import datetime
import importlib
import inspect
import json
import os
import platform
import time
from pathlib import Path

import jax

import oceancdr  # noqa: F401  (enables float64 before any array is made)

MODULES = ("transport", "carbonate", "step", "reactions", "gradient", "precision", "ensemble")


def machine() -> dict:
    return {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
            "jax": jax.__version__, "backend": jax.default_backend(), "devices": [str(d) for d in jax.devices()]}


def on_gpu() -> bool:
    """Whether JAX's default device is a GPU: the modules then add sizes large enough for a GPU's
    bandwidth, not only its kernel launches, to set the time (too slow for a 2-core CPU)."""
    return jax.default_backend() == "gpu"


def best_time(fn, repeats: int, min_seconds: float = 0.5, max_calls: int = 1000, warm: bool = True) -> float:
    """Seconds of the fastest warm call of ``fn`` (one untimed call first compiles): at least
    ``repeats`` calls, and more until ``min_seconds`` of calls are timed (at most ``max_calls``).
    On a shared 2-core VM a call of tens of milliseconds is often slowed 2-4x by a neighbour:
    the fastest of three scanned calls of 50 updates put our update at 1.8 and 2.1 ms per update
    in two runs, the fastest of dozens at 0.43 and 0.56 ms in the two after (24 x 32 x 10,
    float64, 2026-12-07). Ours and the peers are timed by the same rule. ``warm=False`` skips the
    untimed call, for a function already called."""
    if warm:
        jax.block_until_ready(fn())
    best, timed, calls = float("inf"), 0.0, 0
    while calls < repeats or (timed < min_seconds and calls < max_calls):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        seconds = time.perf_counter() - t0
        best, timed, calls = min(best, seconds), timed + seconds, calls + 1
    return best


def best_times(fns, repeats: int, rounds: int = 3) -> list[float]:
    """:func:`best_time` of each of ``fns``, taken in ``rounds`` alternating rounds and the fastest
    round kept for each: a ratio of two of them is then not skewed by a neighbour that slowed this
    shared VM during one function's turn only (its speed drifts by 20 % within minutes)."""
    best = [float("inf")] * len(fns)
    for r in range(rounds):
        best = [min(b, best_time(fn, repeats, warm=r == 0)) for b, fn in zip(best, fns)]
    return best


def run_all(quick: bool = False, only=None, out: Path | None = None) -> dict:
    """Run the benchmark modules (all, or those named in ``only``) and return their results; with
    ``out``, (re)write that JSON file after each module. A module that fails is recorded with its
    error and the others still run."""
    from tqdm.auto import tqdm

    from benchmarks.roofline import bandwidth

    names = list(MODULES if not only else only)
    unknown = sorted(set(names) - set(MODULES))
    if unknown:
        raise ValueError(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(MODULES)}")
    results = {"machine": machine(), "quick": quick, "date": datetime.date.today().isoformat(),
               "bandwidth_gb_per_s": bandwidth(64.0 if quick else 256.0)}
    for name in (bar := tqdm(names, desc="benchmarks", unit="module")):
        bar.set_postfix_str(name)
        mod = importlib.import_module(f"benchmarks.{name}")
        kwargs = {"gb_per_s": results["bandwidth_gb_per_s"]} if "gb_per_s" in inspect.signature(mod.run).parameters else {}
        t0 = time.perf_counter()
        try:
            results[name] = mod.run(quick, **kwargs)
        except Exception as err:  # noqa: BLE001  (a peer missing or failing must not lose the rest)
            results[name] = {"error": f"{type(err).__name__}: {err}"}
        results.setdefault("wall_seconds", {})[name] = time.perf_counter() - t0
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(results, indent=2))
    return results


def main(argv=None, prog: str = "python -m benchmarks") -> int:
    """Command line of ``python -m benchmarks`` and ``oceancdr bench``: JSON and Markdown out."""
    import argparse

    from benchmarks.report import markdown

    ap = argparse.ArgumentParser(prog=prog, description="measure throughputs against peers; write JSON and Markdown")
    ap.add_argument("--quick", action="store_true", help="small sizes (a few minutes on 2 cores)")
    ap.add_argument("--only", help=f"comma-separated subset of {','.join(MODULES)}")
    ap.add_argument("--out", default="benchmarks/latest.json", help="JSON file (default: %(default)s); the "
                    "Markdown tables go next to it with the suffix .md")
    args = ap.parse_args(argv)
    only = [n.strip() for n in args.only.split(",")] if args.only else None
    out = Path(args.out)
    try:
        results = run_all(args.quick, only, out)
    except ValueError as err:                      # an unknown name in --only
        ap.error(f"--only: {err}")
    text = markdown(results)
    out.with_suffix(".md").write_text(text)
    print(text)
    print(f"wrote {out} and {out.with_suffix('.md')}")
    return 0
