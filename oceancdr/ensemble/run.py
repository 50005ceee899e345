"""``oceancdr ensemble``: the paired MRV simulation for every member of a parameter design, on Dask.

The design (:mod:`.sampling`) is drawn here; members are cut into batches of ``batch_size``, and
each batch is one task (:func:`.batch.run_batch`) on an executor (:mod:`.cluster`). Results are
written member by member as tasks finish (:mod:`.store`), so an interrupted run, a killed worker or
a lost task costs only the members still running, and the same command resumes. At the end (or on
Ctrl-C, with what is there) ensemble.nc, ensemble.json (:mod:`.statistics`) and figures/ are written.
"""
from __future__ import annotations

import time
from concurrent.futures import as_completed
from pathlib import Path

import numpy as np
import yaml
from tqdm.auto import tqdm

from ..config import ConfigError, config_from_dict
from ..io import write_json_atomic
from ..model import build_model
from ..mrv.run import check_mrv_config
from ..provenance import provenance
from .batch import run_batch
from .cluster import executor
from .sampling import Design, design
from .statistics import statistics
from .store import member_key, read_members, write_member, write_netcdf

SCHEMA = "oceancdr.ensemble/1"

# parameters that set the explicit transport's stability (model.required_substeps): param -> config key
STABILITY_KEYS = {"kh": ("circulation", "kh_m2_s"), "alongshore_speed": ("circulation", "alongshore_speed_m_s"),
                  "tidal_speed": ("circulation", "tidal_speed_m_s"),
                  "upwelling_transport": ("circulation", "upwelling_transport_m2_s"),
                  "upwelling_seasonal_amplitude": ("circulation", "upwelling_seasonal_amplitude")}


def model_config(cfg, d: Design) -> dict:
    """The configuration the members' model is built from: ``cfg`` without its ensemble section,
    with each sampled transport parameter at its largest sampled magnitude, so that the sub-steps
    (and the CFL check) hold for every member. Raises ConfigError when no sub-stepping can."""
    data = cfg.model_dump(mode="json")
    data.pop("ensemble")
    for j, name in enumerate(d.names):
        if name in STABILITY_KEYS:
            section, key = STABILITY_KEYS[name]
            column = d.values[:, j]
            data[section][key] = float(column[np.argmax(np.abs(column))])
    try:
        build_model(config_from_dict(data))
    except ConfigError as err:
        raise ConfigError(f"ensemble.parameters: at the largest sampled values, {err}") from None
    return data


def run_ensemble(cfg, out_dir, members: int | None = None, client=None, progress: bool | None = None,
                 config_path=None, command: str | None = None, figures: bool = True,
                 design_override: Design | None = None) -> dict:
    """Run (or resume) the ensemble of ``cfg`` into ``out_dir``: members/, ensemble.nc,
    ensemble.json and figures/. ``members`` overrides ``ensemble.members``; ``client`` is an
    existing dask.distributed Client (else ``ensemble.cluster`` says where to run);
    ``design_override`` replaces the sampled design (tests, or a design made elsewhere).
    Returns the ensemble.json content."""
    ens = cfg.ensemble
    check_mrv_config(cfg)
    base = build_model(cfg)
    d = design_override if design_override is not None else design(ens, base.params, members)
    mc = model_config(cfg, d)
    out = Path(out_dir)
    folder = out / "members"
    folder.mkdir(parents=True, exist_ok=True)
    (out / "config.yaml").write_text(yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False))
    keys = [member_key(mc, d.names, row) for row in d.values]
    results = read_members(folder, keys)
    resumed = len(results)
    todo = [i for i in range(len(d)) if i not in results]
    size = ens.batch_size
    batches = [todo[k:k + size] for k in range(0, len(todo), size)]
    not_run, status = {}, "completed"
    show = cfg.run.progress if progress is None else progress
    t0 = time.perf_counter()
    with executor(ens.cluster, client) as (ex, where):
        futures = {ex.submit(run_batch, mc, list(d.names), d.values[b], b, size, list(ens.series)): b
                   for b in batches}
        bar = tqdm(total=len(d), initial=resumed, unit="member", disable=not show, desc="oceancdr ensemble",
                   dynamic_ncols=True)
        try:
            for fut in as_completed(futures):
                batch = futures[fut]
                try:
                    done = fut.result()
                except ConfigError:
                    raise
                except Exception as err:   # a lost worker or task: these members have no file and run next time
                    not_run |= {i: f"{type(err).__name__}: {err}" for i in batch}
                    continue
                for r in done:
                    write_member(folder, r, keys[r["member"]])
                    results[r["member"]] = r
                bar.update(len(done))
                bar.set_postfix(failed=sum(r["status"] == "failed" for r in results.values()))
        except KeyboardInterrupt:
            status = "interrupted"
            for fut in futures:
                fut.cancel()
        finally:
            bar.close()
    wall = time.perf_counter() - t0
    if status == "completed" and len(results) < len(d):
        status = "incomplete"
    summary = finish(cfg, d, results, out, status, not_run, figures) | {"execution": {
        "where": where, "batch_size": size, "members_run_now": len(results) - resumed, "members_resumed": resumed,
        "wall_time_seconds": wall,
        "members_per_second": (len(results) - resumed) / wall if wall > 0 and len(results) > resumed else None}}
    summary["provenance"] = provenance(cfg, base.params, config_path, command)
    write_json_atomic(out / "ensemble.json", summary)
    return summary


def finish(cfg, d: Design, results: dict, out: Path, status: str, not_run: dict, figures: bool) -> dict:
    """Write ensemble.nc (and figures/) and return ensemble.json's content but its execution and provenance."""
    ens = cfg.ensemble
    n = len(d)
    counts = {"requested": n, "completed": sum(r["status"] == "completed" for r in results.values()),
              "failed": sum(r["status"] == "failed" for r in results.values()), "not_run": n - len(results)}
    ds = write_netcdf(out / "ensemble.nc", d, results, list(ens.series), cfg.run.start,
                      {"config_hash": cfg.hash(), "status": status, "credited_exceedance": ens.exceedance})
    result = {"schema": SCHEMA, "status": status, "members": counts} | statistics(d, results, ens.exceedance, ens.seed)
    result["design"] = {"sampler": ens.sampler, "seed": ens.seed, "members": n,
                        "parameters": {k: v.model_dump(exclude_none=True) for k, v in ens.parameters.items()},
                        "values": {name: d.values[:, j].tolist() for j, name in enumerate(d.names)}}
    result["failures"] = [{"member": i, "error": r["error"]} for i, r in sorted(results.items())
                          if r["status"] == "failed"]
    result["not_run"] = [{"member": i, "reason": not_run.get(i, "not reached before the run stopped")}
                         for i in range(n) if i not in results]
    result["files"] = {"members": "members/member_NNNNNN.json (each member's full MRV accounting)",
                       "netcdf": "ensemble.nc"}
    if figures and counts["completed"] > 1:
        from .figures import write_figures

        result["files"]["figures"] = write_figures(out / "figures", ds, result)
    return result
