"""The run loop: scanned chunks between outputs, CF output, progress, restart and a blow-up guard.

``lax.scan`` advances the pure step between two output times inside one compiled call; the host
loop writes each snapshot, updates the progress bar (simulated days per second) and checks the
state for non-finite or runaway values. On a blow-up the chunk is replayed step by step from the
last good state to name the step, tracer and place; the output up to the last good snapshot, a
restart file of that state and summary.json are kept.
"""
from __future__ import annotations

import functools
import platform
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import yaml
from jax import lax
from tqdm.auto import tqdm

from . import __version__
from . import interventions
from .diagnostics import RATE_ATTRS, EcosystemRecord, budgets, element_budgets, output_fields, snapshot
from .io import OutputWriter, read_restart, write_json_atomic, write_restart
from .model import Model
from .state import State, new_state


class SimulationError(RuntimeError):
    """A run that had to stop (blow-up, bad restart); the message says where and what to change."""


def _advance(step, state: State, params, forcing, grid, nsteps: int) -> State:
    def body(s, _):
        return step(s, params, forcing, grid), None

    return lax.scan(body, state, None, length=nsteps)[0]


advance = jax.jit(_advance, static_argnums=(0, 5))
advance.__doc__ = """Apply ``step`` ``nsteps`` times (one compiled ``lax.scan``): advance(step, state,
params, forcing, grid, nsteps). The input state stays valid: the run loops keep it as the last good
state to replay a blow-up from and to write the restart."""
advance_donating = jax.jit(_advance, static_argnums=(0, 5), donate_argnums=(1,))
advance_donating.__doc__ = """:func:`advance` that donates the input state's buffers to the output (one
state fewer in memory); for callers that never use the input state again."""


@jax.jit
def is_healthy(c, threshold):
    """True when every value is finite and below ``threshold`` in magnitude (the blow-up guard)."""
    return jnp.all(jnp.isfinite(c)) & (jnp.max(jnp.abs(c)) < threshold)


def locate_blowup(model: Model, good: State, nsteps: int, threshold: float) -> str:
    """Replay from ``good`` one step at a time; describe the first step and cell that went bad."""
    step = jax.jit(model.step)
    s = good
    for _ in range(nsteps):
        s = step(s, model.params, model.forcing, model.grid)
        c = np.asarray(s.c)
        bad = ~np.isfinite(c) | (np.abs(c) >= threshold)
        if bad.any():
            tr, k, j, i = (int(v) for v in np.argwhere(bad)[0])
            g = model.grid
            n = int(s.step)
            return (f"blow-up at step {n} (day {n * model.step_config.dt / 86400:.3f}): tracer "
                    f"'{model.registry.names[tr]}' = {c[tr, k, j, i]:.4g} at cell (k, j, i) = ({k}, {j}, {i}), "
                    f"lon {float(g.lon[j, i]):.4f}, lat {float(g.lat[j, i]):.4f}, depth {float(g.z_center[k]):.1f} m; "
                    f"lower run.dt_seconds or numerics.max_courant, or check that tracer's inputs")
    return "blow-up detected at the end of an output interval but not reproduced step by step"


def start_output(cfg, out_dir, dt: float) -> tuple[Path, int, int]:
    """Create ``out_dir`` with the validated config.yaml in it (enough to re-run exactly); return it,
    the steps to ``run.days`` and the steps between output snapshots."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.yaml").write_text(yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False))
    total = int(round(cfg.run.days * 86400.0 / dt))
    return out, total, max(1, int(round(cfg.output.every_hours * 3600.0 / dt)))


def _initial_state(model: Model, restart):
    if restart is None:
        return model.state0
    c, sed, step, dt, stocks = read_restart(restart, model.registry, model.dtype)
    if dt != model.step_config.dt:
        raise SimulationError(f"--restart: saved with run.dt_seconds={dt:g}; set run.dt_seconds={dt:g} to continue")
    if set(stocks) != set(model.state0.stocks):
        raise SimulationError(f"--restart: farm stocks {sorted(stocks)} differ from the config's "
                              f"{sorted(model.state0.stocks)}")
    return new_state(jnp.asarray(c), jnp.asarray(sed), step, flux_names=tuple(model.state0.fluxes), stocks=stocks)


def run(model: Model, out_dir, restart=None, progress: bool | None = None) -> dict:
    """Run ``model`` to ``run.days`` and write output.nc, restart.nc, summary.json into ``out_dir``."""
    cfg = model.cfg
    dt = model.step_config.dt
    threshold = cfg.numerics.blowup_threshold
    state = _initial_state(model, restart)
    first = int(state.step)
    out, total, every = start_output(cfg, out_dir, dt)
    if first >= total:
        raise SimulationError(f"nothing to run: the restart is at day {first * dt / 86400:g}, "
                              f"run.days is {cfg.run.days:g}; raise run.days")
    start_state = state

    flux_names = tuple(model.state0.fluxes)
    snap = jax.jit(lambda s: snapshot(s, model.params, model.forcing, model.grid, model.registry, dt))
    spec = model.step_config.interventions
    rates = {k: v for k, v in RATE_ATTRS.items() if k in flux_names}
    rates |= interventions.flux_long_names(spec) if spec is not None else {}
    writer = OutputWriter(out / "output.nc", model.grid, output_fields(model.registry, rates), cfg.run.start,
                          cfg.output.dtype, attrs={"config_hash": cfg.hash(), "precision": cfg.precision})
    ecosystem = EcosystemRecord(model.grid) if model.step_config.biology is not None else None
    previous = {}

    def write(s):
        """Write a snapshot; column rates become means over the interval since the last one."""
        values = {k: np.asarray(v) for k, v in snap(s).items()}
        t = int(s.step) * dt
        for k in flux_names:
            cumulative = values[k]
            values[k] = ((cumulative - previous[k][1]) / ((t - previous[k][0]) / 86400.0) if k in previous
                         else np.full_like(cumulative, np.nan))
            previous[k] = (t, cumulative)
        writer.write(t, values)
        if ecosystem:
            ecosystem.add(values)

    write(state)

    show = cfg.run.progress if progress is None else progress

    def chunk(s, n):
        return advance(model.step, s, model.params, model.forcing, model.grid, n)

    def healthy(s):
        return bool(is_healthy(s.c, threshold))

    def locate(good, n):
        return locate_blowup(model, good, n, threshold)

    status, error, wall = "failed", "stopped by an unexpected error", 0.0
    try:
        state, status, error, wall = march(state, first, total, every, dt, chunk, healthy, locate, write,
                                           "oceancdr run", show)
    finally:
        writer.close()
        if cfg.output.restart:
            write_restart(out / "restart.nc", state, model.registry, cfg.hash(), dt)
        summary = run_summary(model, start_state, state, wall, status, error, ecosystem)
        write_json_atomic(out / "summary.json", summary)
    if error:
        raise SimulationError(error)
    return summary


def march(state, first: int, total: int, every: int, dt: float, chunk, healthy, locate, write, desc: str,
          show: bool):
    """The host loop shared by single and paired runs: advance ``state`` from step ``first`` to
    ``total`` in compiled chunks that end on multiples of ``every`` steps (``chunk(state, n)``),
    check each new state (``healthy``; on failure ``locate(good_state, n)`` names the step and
    cell), hand it to ``write`` and show progress in simulated days per second.

    Returns ``(state, status, error, wall_seconds)``: the last good state, "completed", "failed"
    or "interrupted", the error message or None, and the wall time of the stepping."""
    bar = tqdm(total=total - first, unit="step", disable=not show, desc=desc, dynamic_ncols=True)
    status, error, done = "completed", None, first
    t0 = time.perf_counter()
    try:
        while done < total:
            n = min(every - done % every, total - done)
            new = chunk(state, n)
            if not healthy(new):
                raise SimulationError(locate(state, n))
            state, done = new, done + n
            write(state)
            bar.update(n)
            bar.set_postfix(sim_days_per_s=f"{(done - first) * dt / 86400 / (time.perf_counter() - t0):.2f}")
    except SimulationError as err:
        status, error = "failed", str(err)
    except KeyboardInterrupt:
        status, error = "interrupted", "interrupted by the user"
    finally:
        bar.close()
    return state, status, error, time.perf_counter() - t0


def model_element_budgets(model: Model, s0: State, s1: State) -> dict:
    """Element budgets of a run with the ecosystem, interventions' materials and farm stocks included."""
    spec = model.step_config.interventions
    weights, stocks = None, None
    if spec is not None:
        weights = interventions.ledger.element_weights(spec, model.registry, model.cfg)
        stocks = functools.partial(interventions.ledger.stock_inventory, spec=spec, registry=model.registry)
    return element_budgets(s0, s1, model.grid, model.registry, model.params, weights, stocks)


def run_summary(model: Model, s0: State, s1: State, wall: float, status: str, error,
                ecosystem: EcosystemRecord | None = None) -> dict:
    cfg = model.cfg
    dt = model.step_config.dt
    steps = int(s1.step) - int(s0.step)
    nz, ny, nx = model.grid.shape
    extra = {}
    if ecosystem is not None and steps > 0:
        extra["element_budgets"] = model_element_budgets(model, s0, s1)
        extra["ecosystem"] = ecosystem.summary(s0, s1, model.grid, model.step_config.export_levels,
                                               steps * dt / 86400.0)
    return {
        "version": __version__,
        "config_hash": cfg.hash(),
        "precision": cfg.precision,
        "status": status,
        "error": error,
        "first_step": int(s0.step),
        "last_step": int(s1.step),
        "steps": steps,
        "dt_seconds": dt,
        "substeps": model.step_config.substeps,
        "max_courant_per_substep": model.max_courant,
        "simulated_days": steps * dt / 86400.0,
        "wall_time_seconds": wall,
        "simulated_days_per_second": steps * dt / 86400.0 / wall if wall > 0 else None,
        "grid": {"nx": nx, "ny": ny, "nz": nz, "wet_cells": int(np.asarray(model.grid.mask).sum())},
        "tracers": list(model.registry.names),
        "machine": {"platform": platform.platform(), "jax_backend": jax.default_backend(),
                    "devices": [str(d) for d in jax.devices()]},
        "budgets": budgets(s0, s1, model.grid, model.registry),
    } | extra | ({"interventions": interventions.ledger.summary(model, s0, s1)}
                 if model.step_config.interventions is not None and steps > 0 else {})
