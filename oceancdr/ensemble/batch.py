"""One ensemble task: a batch of members run together as one vmapped paired MRV simulation.

Each member is the MRV pair of the model with its parameter values (intervention lane, then
counterfactual lane; :mod:`oceancdr.mrv.scenarios`), and a batch of B members is 2B lanes of the
same ``vmap(step)`` inside the same scanned chunks as ``oceancdr mrv``. Lanes never mix, so member
i's numbers do not depend on which members share its batch, on B or on the worker. A batch is
padded to B with copies of its last member so that every task of an ensemble runs one compiled
program. The blow-up guard is per member: a member whose lanes turn non-finite or runaway is
recorded as failed with the day and place, and the others go on. This module runs on the Dask
workers; it knows nothing of Dask.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import time

import jax
import jax.numpy as jnp
import numpy as np

from ..compilation_cache import enable_compilation_cache
from ..config import ConfigError, config_from_dict
from ..diagnostics import carbonate_fields
from ..model import build_model
from ..mrv.record import PairRecord
from ..mrv.run import paired_model, summarise
from ..mrv.scenarios import SCENARIOS, paired_step
from ..simulation import advance_donating, is_healthy

# summary quantities of each member: name -> (path in the member's mrv.json, units, long name)
SUMMARY = {
    "net_removal_t_co2": (("net_removal", "net_removal_t_co2"), "t CO2",
                          "net CO2 removal: additional air-sea uptake minus lifecycle emissions"),
    "gross_removal_t_co2": (("uptake", "additional_co2_uptake_t_co2"), "t CO2", "additional air-sea CO2 uptake"),
    "realised_efficiency": (("uptake", "realised_efficiency"), "mol mol-1",
                            "realised efficiency eta: additional uptake per mol of alkalinity released"),
    "fraction_of_eta_max": (("uptake", "fraction_of_eta_max"), "1", "realised over theoretical efficiency"),
    "eta_max": (("alkalinity", "theoretical_efficiency", "eta_max"), "mol mol-1",
                "theoretical efficiency dDIC/dTA at constant pCO2 at the release site"),
    "cdr_max_t_co2": (("alkalinity", "cdr_max_t_co2"), "t CO2", "alkalinity released times eta_max"),
    "alkalinity_released_mol": (("alkalinity", "released_to_water_mol"), "mol", "alkalinity released to the water"),
    "not_yet_equilibrated_mol": (("losses", "not_yet_equilibrated_in_domain_mol"), "mol",
                                 "in-domain excess carbon still to be taken up (eta_max x excess TA - excess DIC)"),
    "alkalinity_exported_mol": (("leakage", "alkalinity_exported_mol"), "mol",
                                "excess alkalinity carried out through open boundaries"),
    "dic_exported_mol": (("leakage", "dic_exported_mol"), "mol", "excess DIC carried out through open boundaries"),
    "carbon_below_sequestration_depth_mol": (("durability", "excess_carbon_mol", "water_below_sequestration_depth"),
                                             "mol", "excess carbon below mrv.sequestration_depth_m"),
    "max_ph_change": (("side_effects", "max_ph_change", "value"), "1", "largest in-situ pH increase"),
    "max_ph": (("side_effects", "max_ph", "value"), "1", "largest in-situ pH in the intervention scenario"),
    "max_omega_aragonite": (("side_effects", "max_omega_aragonite", "value"), "1",
                            "largest aragonite saturation in the intervention scenario"),
    "min_pco2_change_uatm": (("side_effects", "min_pco2_change_uatm", "value"), "uatm",
                             "largest surface pCO2 drawdown (most negative change)"),
    "max_area_beyond_ph_change_m2": (("side_effects", "beyond_thresholds", "ph_change", "max_area_m2", "value"),
                                     "m2", "largest surface area beyond the pH-change threshold"),
    "max_area_beyond_omega_aragonite_m2": (("side_effects", "beyond_thresholds", "omega_aragonite", "max_area_m2",
                                            "value"), "m2", "largest surface area beyond the aragonite threshold"),
    "max_detectable_fraction_pco2": (("detectability", "max_fraction_pco2", "value"), "1",
                                     "largest fraction of the surface with a pCO2 change a sensor resolves"),
    "closure_relative_residual": (("budget_closure", "relative_residual"), "1",
                                  "excess-carbon budget closure, relative"),
}


def summary_values(mrv: dict) -> dict:
    """The :data:`SUMMARY` quantities of one member's mrv.json content (NaN where absent)."""
    out = {}
    for name, (path, _, _) in SUMMARY.items():
        node = mrv
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        out[name] = float(node) if isinstance(node, (int, float)) and node is not None else float("nan")
    return out


@dataclasses.dataclass
class Compiled:
    """A worker's model and compiled batch functions for one configuration (built once per process)."""

    model: object
    step: object          # vmap(step) over lanes
    fields: object        # jit(vmap(carbonate fields)) over lanes
    healthy: object       # jit(vmap(is_healthy)) over lanes


_COMPILED: dict[str, Compiled] = {}


def compiled(config: dict) -> Compiled:
    """The :class:`Compiled` of a validated config dump, cached per worker process."""
    key = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
    if key not in _COMPILED:
        model = build_model(config_from_dict(config))
        reg, dt = model.registry, model.step_config.dt
        fields = jax.jit(jax.vmap(lambda s, p, f, g: carbonate_fields(s, p, f, g, reg, s.time(dt)),
                                  in_axes=(0, 0, None, None)))
        healthy = jax.jit(jax.vmap(is_healthy, in_axes=(0, None)))
        _COMPILED[key] = Compiled(model, paired_step(model.step), fields, healthy)
    return _COMPILED[key]


def concatenate(trees):
    """Pytrees of one structure joined along their leading (lane) axis."""
    return jax.tree_util.tree_map(lambda *xs: jnp.concatenate([jnp.asarray(x) for x in xs]), *trees)


def _describe(c: np.ndarray, lane: int, model, threshold: float, days: tuple) -> str:
    """Where a member's lanes went bad, for its error message."""
    bad = ~np.isfinite(c[lane]) | (np.abs(c[lane]) >= threshold)
    tr, k, j, i = (int(v) for v in np.argwhere(bad)[0])
    return (f"blow-up between day {days[0]:g} and day {days[1]:g} in the {SCENARIOS[lane % 2]} scenario: tracer "
            f"'{model.registry.names[tr]}' = {c[lane, tr, k, j, i]:.4g} at cell (k, j, i) = ({k}, {j}, {i}); this "
            f"member's parameters are outside what the model and run.dt_seconds can take")


def run_batch(config: dict, names: list, values: np.ndarray, members: list, batch_size: int,
              series: list) -> list[dict]:
    """Run ``members`` (their indices; ``values[m]`` their values of the parameters ``names``) as
    one padded batch of ``batch_size`` and return one result per member: index, status
    ("completed" or "failed"), error, parameters, the snapshot days, the ``series`` of the MRV
    record, the :data:`SUMMARY` values and the full accounting (mrv.json without provenance)."""
    enable_compilation_cache()
    t0 = time.perf_counter()
    c = compiled(config)
    model, cfg = c.model, c.model.cfg
    values = np.asarray(values, float)
    n = len(members)
    rows = np.concatenate([values, np.repeat(values[-1:], batch_size - n, axis=0)])
    models = [dataclasses.replace(model, params=model.params | {k: jnp.asarray(v, jnp.float64)
                                                               for k, v in zip(names, row)}) for row in rows]
    pairs = [paired_model(m) for m in models]
    params, state0 = concatenate([p for p, _, _ in pairs]), concatenate([s for _, s, _ in pairs])
    records = [PairRecord(m) for m in models[:n]]
    errors: list[str | None] = [None] * n
    dt, threshold = model.step_config.dt, cfg.numerics.blowup_threshold
    forcing, grid = model.forcing, model.grid

    def observe(state):
        host = jax.tree_util.tree_map(np.asarray, state)
        carb = {k: np.asarray(v) for k, v in c.fields(state, params, forcing, grid).items()}
        day = int(host.step[0]) * dt / 86400.0
        for m, record in enumerate(records):
            if errors[m] is None:
                pair = slice(2 * m, 2 * m + 2)
                record.add(day, jax.tree_util.tree_map(lambda x: x[pair], host), {k: v[pair] for k, v in carb.items()})
        return day

    total = int(round(cfg.run.days * 86400.0 / dt))
    every = max(1, int(round(cfg.output.every_hours * 3600.0 / dt)))
    # a copy: the chunks donate their input state, and the members' initial states are used again
    state, done, day = jax.tree_util.tree_map(jnp.copy, state0), 0, observe(state0)
    missing = [k for k in series if k not in records[0].series]
    if missing:
        raise ConfigError(f"ensemble.series: {', '.join(missing)} is not a series of this MRV run; choose from "
                          f"{', '.join(sorted(records[0].series))}")
    while done < total and any(e is None for e in errors):
        k = min(every, total - done)
        new = advance_donating(c.step, state, params, forcing, grid, k)   # the old state is not used again
        ok = np.asarray(c.healthy(new.c, threshold))
        done_day = (done + k) * dt / 86400.0
        for m in range(n):
            if errors[m] is None and not ok[2 * m: 2 * m + 2].all():
                lane = 2 * m + int(ok[2 * m])
                errors[m] = _describe(np.asarray(new.c), lane, model, threshold, (day, done_day))
        state, done = new, done + k
        day = observe(state)
    wall = time.perf_counter() - t0

    results = []
    host = jax.tree_util.tree_map(np.asarray, state)
    for m, index in enumerate(members):
        result = {"member": int(index), "status": "failed", "error": errors[m],
                  "parameters": {k: float(v) for k, v in zip(names, rows[m])}, "batch_size": batch_size,
                  "batch_wall_seconds": wall}
        if errors[m] is None:
            try:
                pair = jax.tree_util.tree_map(lambda x: x[2 * m: 2 * m + 2], host)
                _, s0, lanes = pairs[m]
                mrv = summarise(models[m], lanes, s0, pair, records[m], "completed", None, wall)
                arrays = records[m].arrays()
                result |= {"status": "completed", "days": list(records[m].days), "summary": summary_values(mrv),
                           "series": {k: arrays[k].tolist() for k in series}, "mrv": mrv}
            except (ArithmeticError, ValueError) as err:      # accounting of a degenerate member
                result["error"] = f"accounting failed: {err!r}"
        results.append(result)
    return results
