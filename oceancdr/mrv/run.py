"""``oceancdr mrv``: intervention and counterfactual in one compiled run, then the accounting.

The paired state runs through ``vmap`` of the model's one step over a scenario axis (lane 0
intervention, lane 1 counterfactual; :mod:`.scenarios`) inside the same scanned chunks as a single
run (:func:`oceancdr.simulation.march`). Each snapshot is reduced on the host to difference maps
and time series (:class:`.record.PairRecord`) and appended to mrv.nc; at the end mrv.json holds
the accounting (:mod:`.accounting`) and provenance, and report.md with figures/ explains it. On a
blow-up or Ctrl-C everything up to the last good snapshot is written and marked as such.
"""
from __future__ import annotations

import dataclasses

import jax
import numpy as np

from .. import interventions
from ..config import ConfigError
from ..diagnostics import budgets, carbonate_fields
from ..io import OutputWriter, write_json_atomic
from ..provenance import provenance
from ..simulation import (SimulationError, is_healthy, advance, locate_blowup, march, model_element_budgets,
                          start_output)
from .accounting import accounting, release_conditions
from .record import PairRecord, fit_to, nc_fields
from .scenarios import (COUNTERFACTUAL, INTERVENTION, SCENARIOS, amount_keys, counterfactual_params, lane, paired_step,
                        stack)

SCHEMA = "oceancdr.mrv/1"


def check_mrv_config(cfg) -> None:
    """An MRV run needs something to account for and air-sea CO2 exchange to measure it."""
    if not cfg.interventions:
        raise ConfigError("interventions: oceancdr mrv needs at least one intervention (see docs/interventions.md)")
    if not cfg.atmosphere.airsea_co2:
        raise ConfigError("atmosphere.airsea_co2: oceancdr mrv measures the additional air-sea CO2 uptake; set it "
                          "to true")


def paired_model(model):
    """(stacked params, stacked initial state, per-lane models) of a model's MRV pair."""
    p_cf = counterfactual_params(model.params, model.step_config.interventions)
    lanes = (model, dataclasses.replace(model, params=p_cf))
    return stack(model.params, p_cf), stack(model.state0, model.state0), lanes


def run_mrv(model, out_dir, config_path=None, progress: bool | None = None, report: bool = True,
            command: str | None = None) -> dict:
    """Run the MRV pair of ``model`` to ``run.days``; write mrv.nc, mrv.json and (with ``report``)
    report.md and figures/ into ``out_dir``. ``config_path`` and ``command`` (the command line)
    go into the provenance. Returns the mrv.json content."""
    cfg = model.cfg
    check_mrv_config(cfg)
    dt = model.step_config.dt
    out, total, every = start_output(cfg, out_dir, dt)
    threshold = cfg.numerics.blowup_threshold
    params, state0, lanes = paired_model(model)
    step = paired_step(model.step)
    reg, grid, forcing = model.registry, model.grid, model.forcing
    fields = jax.jit(jax.vmap(lambda s, p: carbonate_fields(s, p, forcing, grid, reg, s.time(dt))))
    record = PairRecord(model)

    def observe(s):
        host = jax.tree_util.tree_map(np.asarray, s)
        day = int(host.step[INTERVENTION]) * dt / 86400.0
        return day, record.add(day, host, {k: np.asarray(v) for k, v in fields(s, params).items()})

    day, values = observe(state0)
    series_names = [k for k in values if np.ndim(values[k]) == 0]
    nc = nc_fields(series_names, cfg.mrv.write_3d)
    writer = OutputWriter(out / "mrv.nc", grid, nc, cfg.run.start, cfg.output.dtype,
                          attrs={"title": "oceancdr MRV: intervention minus counterfactual",
                                 "config_hash": cfg.hash(), "precision": cfg.precision})
    writer.write(0.0, fit_to(nc, values))

    def write(s):
        day, values = observe(s)
        writer.write(day * 86400.0, fit_to(nc, values))

    def locate(good, n):
        messages = [locate_blowup(m, lane(good, i), n, threshold) for i, m in enumerate(lanes)]
        bad = [f"{SCENARIOS[i]} scenario: {msg}" for i, msg in enumerate(messages) if msg.startswith("blow-up at")]
        return "; ".join(bad) or messages[0]

    def chunk(s, n):
        return advance(step, s, params, forcing, grid, n)

    try:
        state, status, error, wall = march(state0, 0, total, every, dt, chunk, lambda s: bool(is_healthy(s.c, threshold)),
                                           locate, write, "oceancdr mrv", cfg.run.progress if progress is None
                                           else progress)
    except BaseException as err:           # an unexpected error: keep the files, say what stopped them
        writer.close()
        write_json_atomic(out / "mrv.json", {"schema": SCHEMA, "status": "crashed", "error": repr(err)})
        raise
    writer.close()
    result = summarise(model, lanes, state0, state, record, status, error, wall)
    result["provenance"] = provenance(cfg, model.params, config_path, command) | {
        "counterfactual": "the same model, forcing and initial state with these parameters set to 0: "
                          + ", ".join(amount_keys(model.step_config.interventions))}
    write_json_atomic(out / "mrv.json", result)
    if report and len(record.days) > 1:
        from .report import write_report

        write_report(out, result, record, model)
    if error:
        raise SimulationError(error)
    return result


def summarise(model, lanes, state0, state, record, status, error, wall) -> dict:
    """mrv.json without its provenance: status, accounting, per-intervention ledgers and scenario
    budgets of the paired run of ``model`` (``lanes``: its two per-scenario models) from the
    stacked ``state0`` to ``state``, with the snapshots in ``record``."""
    s0 = lane(state0, INTERVENTION)
    finals = [lane(jax.tree_util.tree_map(np.asarray, state), i) for i in (INTERVENTION, COUNTERFACTUAL)]
    steps = int(finals[0].step)
    result = {"schema": SCHEMA, "status": status, "error": error, "steps": steps,
              "simulated_days": steps * model.step_config.dt / 86400.0, "wall_time_seconds": wall}
    if steps == 0:
        return result
    ledgers = interventions.ledger.summary(model, s0, finals[0])
    result |= accounting(model, record.days, record.arrays(), release_conditions(model, s0), ledgers,
                         record.carbon_inventory_mol)
    result["interventions"] = ledgers
    scen = {}
    for name, m, s1 in zip(SCENARIOS, lanes, finals):
        tracer = budgets(s0, s1, model.grid, model.registry)
        scen[name] = {"worst_tracer_relative_residual": max(b["relative_residual"] for b in tracer.values())}
        if model.step_config.biology is not None:
            elements = model_element_budgets(m, s0, s1)
            scen[name]["worst_element_relative_residual"] = max(b["relative_residual"] for b in elements.values())
    result["scenario_budgets"] = scen
    return result
