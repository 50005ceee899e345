"""``oceancdr calibrate``: fit parameters to observations, estimate their uncertainty, report.

Reads the ``calibration`` section (docs/calibration.md), builds the objective, optionally checks
its gradient against finite differences, minimises it, computes the Laplace posterior at the
estimate and writes ``calibration.json``, ``calibration_fit.csv`` (every observation with its
model equivalent before and after) and figures. Progress is saved after every iteration, so an
interrupted or failed calibration leaves its best point behind.
"""
from __future__ import annotations

import time
from pathlib import Path

import jax.numpy as jnp
import numpy as np

from ..biology.parameters import PARAMETERS as BIOLOGY_PARAMETERS
from ..config import ConfigError
from ..interventions.parameters import PARAMETERS as INTERVENTION_PARAMETERS
from ..io import write_json_atomic
from ..model import PARAMETER_UNITS
from ..provenance import provenance
from ..simulation import start_output
from .objective import Objective, build_objective, gradient_check, laplace, segment_length
from .observations import VARIABLES, load_observations, locate
from .optimize import minimise
from .parameters import Trainables, trainables

SCHEMA = "oceancdr.calibration/1"
TWIN_TOLERANCE = 0.02       # relative error, or 2 posterior sd, that counts as recovered


def _period_mask(times, period) -> np.ndarray:
    if period is None:
        return np.ones(len(times), bool)
    start, end = (np.datetime64(p, "s") for p in period)
    return (times >= start) & (times <= end)


def _units(name: str) -> str | None:
    table = BIOLOGY_PARAMETERS | INTERVENTION_PARAMETERS
    return table[name].units if name in table else PARAMETER_UNITS.get(name)


def setup(model):
    """Trainables, observation plan, fitted and held-out indices, objective, twin values (or
    None) and the observation report of ``model``'s calibration section."""
    cfg = model.cfg
    cal = cfg.calibration
    tr = trainables(cal.parameters, model.params)
    if not cal.observations:
        raise ConfigError("calibration.observations: no observation files; add - file: obs.csv "
                          "(columns time, lon, lat, depth, variable, value, sigma)")
    dt = cfg.run.dt_seconds
    nsteps = int(round(cfg.run.days * 86400.0 / dt))
    table, report = load_observations(cal.observations, model.registry, need_values=cal.twin is None)
    plan = locate(table, model.grid, cfg.run.start, dt, nsteps)
    report["left_out"] |= plan.left_out
    times = plan.table.time
    fit = _period_mask(times, cal.fit_period)
    held = _period_mask(times, cal.holdout_period) & ~fit if cal.holdout_period else np.zeros(len(times), bool)
    report["left_out"]["outside the fit and hold-out periods"] = int((~fit & ~held).sum())
    report["left_out"] = {k: v for k, v in report["left_out"].items() if v}
    if not fit.any():
        raise ConfigError("calibration.fit_period: no usable observation falls in it and in the run "
                          f"(left out: {report['left_out']})")
    report["fitted"] = {v: int((fit & (plan.table.variable == v)).sum()) for v in plan.variables}
    report["held_out"] = {v: int((held & (plan.table.variable == v)).sum()) for v in plan.variables}
    segment = segment_length(nsteps, cal.checkpoint_steps)
    objective = build_objective(model, tr, plan, np.flatnonzero(fit), nsteps, segment)
    twin = None
    if cal.twin is not None:
        truth = tr.true_values()
        if truth is None:
            raise ConfigError("calibration.twin: every trainable parameter needs its true value (parameters.NAME.true_value)")
        clean = np.asarray(objective.predict(tr.to_unconstrained(truth)))
        noise = np.random.default_rng(cal.twin.seed).standard_normal(len(clean)) if cal.twin.noise else 0.0
        twin = clean + noise * plan.table.sigma
        objective = objective.with_observed(twin)
    return objective, fit, held, twin, report


def _misfit(pred, obs, variables, sel, baseline) -> dict:
    out = {}
    for v in np.unique(variables[sel]):
        s = sel & (variables == v)
        err = pred[s] - obs[s]
        out[str(v)] = {"n": int(s.sum()), "rmse": float(np.sqrt(np.mean(err ** 2))), "bias": float(np.mean(err)),
                       "baseline_rmse": float(np.sqrt(np.mean((baseline[str(v)] - obs[s]) ** 2)))
                       if str(v) in baseline else None, "units": VARIABLES[str(v)][0]}
    return out


def misfits(objective: Objective, before, after, fit, held) -> dict:
    """RMSE and bias per variable before and after, on the fitted and held-out observations, and
    of the naive baseline (the mean of the fitted observations of that variable)."""
    obs, variables = objective.observed, objective.plan.table.variable
    baseline = {str(v): float(obs[fit & (variables == v)].mean()) for v in np.unique(variables[fit])}
    out = {}
    for period, sel in (("fit", fit), ("holdout", held)):
        if sel.any():
            b, a = _misfit(before, obs, variables, sel, baseline), _misfit(after, obs, variables, sel, baseline)
            out[period] = {v: {"n": b[v]["n"], "units": b[v]["units"], "rmse_before": b[v]["rmse"],
                               "rmse_after": a[v]["rmse"], "bias_before": b[v]["bias"], "bias_after": a[v]["bias"],
                               "baseline_rmse": b[v]["baseline_rmse"]} for v in b}
    out["baseline"] = "mean of the fitted observations of each variable"
    return out


def parameter_table(tr: Trainables, u, post: dict | None, scale: float) -> dict:
    """Per parameter: units, transform, bounds, prior, start, estimate at ``u``, posterior (when
    ``post`` is given; sd also scaled by ``scale``) and, in twins, the true value and recovery."""
    estimate = np.asarray(tr.to_physical(jnp.asarray(u)))
    truth = tr.true_values()
    out = {}
    for i, (name, spec) in enumerate(zip(tr.names, tr.specs)):
        row = {"units": _units(name), "transform": spec.transform, "bounds": list(spec.bounds),
               "prior": spec.prior.model_dump() if spec.prior else None, "initial": float(tr.initial[i]),
               "estimate": float(estimate[i])}
        if post is not None:
            row |= {"posterior_sd": float(post["sd"][i]), "posterior_sd_scaled": float(post["sd"][i] * scale),
                    "interval_95": post["interval_95"][i].tolist()}
        if truth is not None:
            err = estimate[i] - truth[i]
            row |= {"true_value": float(truth[i]), "error_percent": float(100 * err / truth[i]) if truth[i] else None,
                    "recovered": bool(abs(err) <= TWIN_TOLERANCE * abs(truth[i])
                                      or (post is not None and abs(err) <= 2 * post["sd"][i]))}
        out[name] = row
    return out


def write_fit_table(path: Path, objective: Objective, before, after, fit, held) -> None:
    """Every used observation with its model equivalents: calibration_fit.csv."""
    import pandas as pd

    t = objective.plan.table
    pd.DataFrame({"time": t.time.astype("datetime64[s]").astype(str), "lon": t.lon, "lat": t.lat, "depth": t.depth,
                  "variable": t.variable, "observed": objective.observed, "sigma": t.sigma,
                  "model_before": before, "model_after": after,
                  "period": np.where(fit, "fit", np.where(held, "holdout", "none")), "file": t.source}
                 ).to_csv(path, index=False, float_format="%.8g")


def write_observations(path: Path, table, values) -> None:
    """An observation table (the input format) with ``values``: a twin experiment's synthetic data."""
    import pandas as pd

    pd.DataFrame({"time": table.time.astype("datetime64[s]").astype(str), "lon": table.lon, "lat": table.lat,
                  "depth": table.depth, "variable": table.variable, "value": values, "sigma": table.sigma}
                 ).to_csv(path, index=False, float_format="%.10g")


def check_gradient(model, out_dir, config_path=None, command=None) -> dict:
    """``oceancdr calibrate --check-gradient``: adjoint against finite differences at the starting
    point for every trainable parameter; writes gradient_check.json."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    objective, fit, _, _, report = setup(model)
    tr = objective.trainables
    u0 = tr.to_unconstrained(tr.initial)
    h = model.cfg.calibration.finite_difference_step
    rows = gradient_check(objective, u0, h)
    result = {"schema": "oceancdr.gradient_check/1", "method": "central differences in the transformed variables, "
              "Richardson-extrapolated from steps h and h/2", "step": h, "tolerance": 1e-5,
              "passed": all(r["relative_error"] <= 1e-5 for r in rows), "parameters": rows,
              "observations": report, "steps": objective.nsteps, "checkpoint_segment": objective.segment,
              "provenance": provenance(model.cfg, model.params, config_path, command)}
    write_json_atomic(out / "gradient_check.json", result)
    return result


def calibrate(model, out_dir, config_path=None, progress: bool | None = None, command=None,
              figures: bool = True) -> dict:
    """Run the calibration of ``model.cfg.calibration``; write calibration.json (and the fit table
    and figures) in ``out_dir``; return the calibration.json content."""
    cfg = model.cfg
    out, _, _ = start_output(cfg, out_dir, cfg.run.dt_seconds)
    show = progress if progress is not None else True
    wall = time.perf_counter()
    objective, fit, held, twin, report = setup(model)
    tr = objective.trainables
    u0 = tr.to_unconstrained(tr.initial)
    if twin is not None:
        write_observations(out / "twin_observations.csv", objective.plan.table, twin)

    before = np.asarray(objective.predict(u0))          # compiles
    t0 = time.perf_counter()
    objective.predict(u0).block_until_ready()
    forward = time.perf_counter() - t0
    base = {"schema": SCHEMA, "status": "running", "config_hash": cfg.hash(),
            "run": {"steps": objective.nsteps, "dt_seconds": cfg.run.dt_seconds,
                    "checkpoint_segment": objective.segment},
            "observations": report, "twin": cfg.calibration.twin.model_dump() if twin is not None else None,
            "provenance": provenance(cfg, model.params, config_path, command)}

    def progress_record(result, status="running", post=None, scale=1.0) -> dict:
        return base | {
            "status": status, "parameters": parameter_table(tr, result.u, post, scale),
            "optimizer": {"method": cfg.calibration.optimizer.method, "iterations": result.iterations,
                          "stop_reason": result.stop_reason, "loss_initial": result.history[0]["loss"],
                          "loss_best": result.loss, "history": result.history}}

    def save(result, status="running", post=None, scale=1.0):
        write_json_atomic(out / "calibration.json", progress_record(result, status, post, scale))

    nfit = len(objective.fit)
    try:
        result = minimise(objective, u0, cfg.calibration.optimizer, nfit, progress=show, on_iteration=save)
    except Exception as err:
        write_json_atomic(out / "calibration.json", base | {"status": "crashed", "error": repr(err)})
        raise
    t0 = time.perf_counter()
    objective.value_and_grad(jnp.asarray(result.u))[0].block_until_ready()
    gradient = time.perf_counter() - t0
    after = np.asarray(objective.predict(jnp.asarray(result.u)))
    post = laplace(objective, result.u)
    r = (after - objective.observed)[fit] / objective.plan.table.sigma[fit]
    dof = max(nfit - len(tr), 1)
    chi2 = float(np.sum(r ** 2) / dof)
    scale = max(1.0, np.sqrt(chi2))
    status = "interrupted" if result.stop_reason == "interrupted" else (
        "failed" if result.stop_reason.startswith("non-finite") else "done")
    save(result, status, post, scale)
    final = progress_record(result, status, post, scale) | {
        "posterior": {"method": "Laplace approximation: Gauss-Newton Hessian J^T J of the residuals (observations "
                      "and priors) at the estimate, from Hessian-vector products; sd by the delta method",
                      "reduced_chi2": chi2, "sd_scale_factor": scale,
                      "note": "posterior_sd takes the observation sigmas as given; posterior_sd_scaled multiplies "
                              "it by sqrt(reduced chi2) when that exceeds 1 (misfit larger than the sigmas)",
                      "correlation": {"parameters": list(tr.names), "matrix": post["correlation"].tolist()},
                      "hessian_eigenvalues": post["eigenvalues"].tolist(),
                      "unconstrained_directions": post["unconstrained_directions"]},
        "misfit": misfits(objective, before, after, fit, held),
        "run": base["run"] | {"forward_seconds": forward, "gradient_seconds": gradient,
                              "wall_time_seconds": time.perf_counter() - wall},
    }
    if twin is not None:
        final["twin"] = final["twin"] | {"all_recovered": all(p["recovered"] for p in final["parameters"].values())}
    write_fit_table(out / "calibration_fit.csv", objective, before, after, fit, held)
    if figures:
        from .figures import calibration_figures

        final["figures"] = calibration_figures(out / "figures", objective, before, after, fit, held, final)
    write_json_atomic(out / "calibration.json", final)
    return final
