"""Ensemble throughput (issue 8): members per second against worker processes and batch size.

Each member is a paired MRV run (intervention and counterfactual): the coastal NaOH release
(configs/oae_point_release.yaml) on a small 12 x 16 x 6 grid for 2 days (96 steps of 30 min), with
two uncertain parameters, and the one-cell box of configs/oae_box_ensemble.yaml for 30 days (720
steps of 1 h), with three. For every (workers, batch size) a LocalCluster of that many worker
processes first runs one untimed ensemble that compiles the batch program on every worker; then an
ensemble of ``members`` is timed from submission to the last member on disk (everything a user
waits for: Dask scheduling, the vmapped run, the per-member accounting and the member files). The
same run measures the in-process path without Dask (workers 0, XLA's default threads) as the
floor, and reports scaling efficiency (throughput with 2 workers over twice that with 1), batching
gain (over batch 1) and, as the peer for the scaling, the efficiency of two plain processes running
the same batches at once without Dask (:func:`plain_process_efficiency`): what the machine allows.
Local workers run XLA on one thread each (oceancdr.ensemble.cluster.worker_env).
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from oceancdr.config import load_config
from oceancdr.ensemble import run_ensemble
from oceancdr.ensemble.cluster import worker_env

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
CONFIG = CONFIGS / "oae_point_release.yaml"
SMALL = ["grid.nx=12", "grid.ny=16", "grid.nz=6", "grid.dx_m=7500", "grid.dy_m=7500", "run.days=2",
         "output.every_hours=12", "run.progress=false",
         "ensemble.parameters={gas_transfer_scale: {distribution: lognormal, median: 1, log_sd: 0.2}, "
         "naoh_outfall.amount_mol: {distribution: uniform, low: 0.9, high: 1.1, relative: true}}"]
# name -> (config, overrides, members timed): the small coastal grid, and the one-cell box where
# per-step overheads, not cells, set the cost (what batching is for on a CPU)
CASES = {"coastal 12 x 16 x 6, 96 steps": (CONFIG, SMALL, 32),
         "box 1 x 1 x 1, 720 steps": (CONFIGS / "oae_box_ensemble.yaml", ["run.days=30", "run.progress=false"], 128)}


def throughput(case: str, client, workers: int, batch: int, quick: bool, folder: Path) -> dict:
    """Members per second of a warm ensemble of the case's members (8 if ``quick``) in batches of ``batch``."""
    path, overrides, members = CASES[case]
    members = 8 if quick else members
    cfg = load_config(path, overrides + [f"ensemble.batch_size={batch}", f"ensemble.cluster.workers={workers}"])
    tag = f"{len(case)}_{workers}_{batch}"
    run_ensemble(cfg, folder / f"warm_{tag}", members=batch * max(workers, 1), client=client, figures=False)
    r = run_ensemble(cfg, folder / f"timed_{tag}", members=members, client=client, figures=False)
    ex = r["execution"]
    return {"case": case, "workers": workers, "batch_size": batch, "members": members,
            "wall_seconds": ex["wall_time_seconds"],
            "members_per_second": ex["members_per_second"], "where": ex["where"]}


def _batch_seconds(batch: int) -> float:
    """Mean seconds of a warm batch of ``batch`` members (run_batch alone: no Dask, no files)."""
    from oceancdr.compilation_cache import enable_compilation_cache
    from oceancdr.ensemble import design, run_batch
    from oceancdr.ensemble.run import model_config
    from oceancdr.model import build_model

    enable_compilation_cache()
    cfg = load_config(CONFIG, SMALL + [f"ensemble.batch_size={batch}"])
    d = design(cfg.ensemble, build_model(cfg).params, batch)
    args = (model_config(cfg, d), list(d.names), d.values, list(range(batch)), batch, list(cfg.ensemble.series))
    run_batch(*args)
    t0 = time.perf_counter()
    for _ in range(3):
        run_batch(*args)
    return (time.perf_counter() - t0) / 3


def plain_process_efficiency(batch: int) -> float:
    """The scaling ceiling without Dask: a batch's time in one process alone over its time when two
    processes (one XLA thread each, as the workers) run batches at once."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    saved = os.environ.get("XLA_FLAGS")
    os.environ["XLA_FLAGS"] = worker_env()["XLA_FLAGS"]          # inherited by the spawned processes
    try:
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=spawn) as ex:
            alone = ex.submit(_batch_seconds, batch).result()
        with ProcessPoolExecutor(2, mp_context=spawn) as ex:
            together = max(ex.map(_batch_seconds, [batch, batch]))
    finally:
        os.environ.pop("XLA_FLAGS") if saved is None else os.environ.update(XLA_FLAGS=saved)
    return alone / together


def run(quick: bool = False) -> dict:
    from dask.distributed import Client, LocalCluster

    batches = (1, 4) if quick else (1, 4, 16)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows += [throughput(case, None, 0, b, quick, folder) for case in CASES for b in batches]
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                              env=worker_env()) as lc:
                with Client(lc) as client:
                    rows += [throughput(case, client, workers, b, quick, folder) for case in CASES
                             for b in batches]
    rate = {(r["case"], r["workers"], r["batch_size"]): r["members_per_second"] for r in rows}
    for r in rows:
        r["batching_gain"] = r["members_per_second"] / rate[(r["case"], r["workers"], 1)]
        if r["workers"] == 2:
            r["scaling_efficiency"] = r["members_per_second"] / (2 * rate[(r["case"], 1, r["batch_size"])])
    return {"rows": rows,
            "plain_two_process_efficiency_batch_4": plain_process_efficiency(4)}


if __name__ == "__main__":
    import json

    from benchmarks import machine

    print(json.dumps({"machine": machine(), "ensemble": run()}, indent=2))
