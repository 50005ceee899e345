"""Calibration on a well-mixed box (fast to compile): the adjoint against finite differences, a twin
experiment that must recover its parameters, the Gauss-Newton Hessian against an explicit Jacobian,
checkpointing that changes nothing, and the command line's outputs and errors.

The box (configs/oae_box.yaml, 4 days) has the NaOH pulse, end-member exchange (with a river end-member
at a 40 ocean salinity) and a seasonal production cycle, so the gradient passes through the carbonate solver (air-sea flux and the
observation operator), the intervention and both box processes. The 3-D twin experiment
(configs/twin_experiment.yaml) is run by hand; its results are in docs/calibration.md.
"""
import json
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

from oceancdr.calibration import calibrate, check_gradient, gauss_newton_hessian
from oceancdr.calibration.objective import SAVED_RESIDUALS, observed_run, segment_length
from oceancdr.calibration.optimize import minimise
from oceancdr.calibration.run import setup
from oceancdr.cli import main
from oceancdr.config import OptimizerConfig, load_config
from oceancdr.model import build_model

TRUE = {"gas_transfer_scale": 1.0, "exchange_timescale": 3 * 86400.0, "exchange_river_alk": 500.0,
        "production_amplitude": 8.0}
START = {name: value * factor for (name, value), factor in zip(TRUE.items(), (1.3, 0.7, 1.3, 0.7))}   # 30 % off
SIGMA = {"pco2": 2.0, "ph": 0.003, "dic": 2.0, "ta": 2.0}


def _overrides(obs_file):
    spec = {"gas_transfer_scale": "{bounds: [0.2, 5], transform: log",
            "exchange_timescale": "{bounds: [43200, 2592000], transform: log",
            "exchange_river_alk": "{bounds: [0, 2000], transform: logit",
            "production_amplitude": "{bounds: [0, 30], transform: none"}
    sets = ["run.days=4", "exchange.enabled=true", "exchange.timescale_days=3", "exchange.ocean_salinity=40",
            "exchange.ocean_alk_umol_kg=2300", "exchange.river_alk_umol_kg=500", "production.enabled=true", "production.amplitude_mmol_m3_d=8",
            "production.peak_day=0", f"calibration.observations=[{{file: {obs_file}}}]",
            "calibration.fit_period=['2025-01-01', '2025-01-03T23:59:59']",
            "calibration.holdout_period=['2025-01-04', '2025-01-05']", "calibration.twin={seed: 3}",
            "calibration.optimizer={method: lbfgs, max_iterations: 40, learning_rate: 0.1}"]
    sets += [f"calibration.parameters.{n}={spec[n]}, initial: {START[n]}, true_value: {TRUE[n]}}}" for n in TRUE]
    return sets


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    folder = tmp_path_factory.mktemp("box")
    model = build_model(load_config("configs/oae_box.yaml", ["run.days=1"]))
    lon, lat = float(model.grid.lon[0, 0]), float(model.grid.lat[0, 0])
    times = pd.date_range("2025-01-01T01:30", "2025-01-04T22:30", freq="3h").strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = [(t, lon, lat, 5.0, v, np.nan, s) for t in times for v, s in SIGMA.items()]
    obs = folder / "design.csv"
    pd.DataFrame(rows, columns=["time", "lon", "lat", "depth", "variable", "value", "sigma"]).to_csv(obs, index=False)
    cfg = load_config("configs/oae_box.yaml", _overrides(obs))
    return build_model(cfg), folder


@pytest.fixture(scope="module")
def prepared(box):
    """The box's objective, fitted indices and starting point, compiled once for the tests below."""
    objective, fit, *_ = setup(box[0])
    return objective, fit, objective.trainables.to_unconstrained(objective.trainables.initial)


def test_adjoint_matches_finite_differences(box):
    model, folder = box
    r = check_gradient(model, folder / "check")
    assert r["passed"], r["parameters"]
    assert [row["parameter"] for row in r["parameters"]] == list(TRUE)
    for row in r["parameters"]:
        assert row["relative_error"] <= 1e-5 and abs(row["adjoint"]) > 1.0
    assert json.loads((folder / "check" / "gradient_check.json").read_text())["passed"]


def test_twin_experiment_recovers_the_parameters(box):
    model, folder = box
    out = folder / "twin"
    r = calibrate(model, out, progress=False)
    assert r["status"] == "done"
    assert r["twin"]["all_recovered"], r["parameters"]
    for name, p in r["parameters"].items():
        assert p["true_value"] == TRUE[name]
        assert abs(p["estimate"] - TRUE[name]) <= max(0.02 * TRUE[name], 2 * p["posterior_sd"])
        assert p["posterior_sd"] > 0 and p["interval_95"][0] < p["estimate"] < p["interval_95"][1]
    # the noise is sigma-sized, so the misfit ends near the sigmas, below where it started
    for period in ("fit", "holdout"):
        for v, m in r["misfit"][period].items():
            assert m["rmse_after"] < m["rmse_before"] and m["rmse_after"] < 2 * SIGMA[v], (period, v, m)
    assert 0.5 < r["posterior"]["reduced_chi2"] < 2.0
    assert r["observations"]["left_out"] == {}
    fit = pd.read_csv(out / "calibration_fit.csv")
    assert set(fit["period"]) == {"fit", "holdout"} and len(fit) == 32 * 4
    for f in r["figures"]:
        assert (out / "figures" / f).stat().st_size > 10_000
    assert json.loads((out / "calibration.json").read_text())["status"] == "done"


def test_gauss_newton_hessian_equals_the_analytic_jacobian_product():
    """J^T J assembled from Hessian-vector products equals J^T J of the analytic Jacobian, for
    residuals r_i = (a exp(-b t_i) - y_i) / s_i plus a prior residual (b - 1) / 0.5."""
    t = jnp.linspace(0.0, 3.0, 7)
    y, s = jnp.exp(-0.8 * t) * 2.0, 0.1

    def residuals(u, data):
        a, b = jnp.exp(u)
        return jnp.concatenate([(a * jnp.exp(-b * t) - data[4]) / s, jnp.array([(b - 1.0) / 0.5])])

    objective = SimpleNamespace(raw_residuals=residuals, data=(None, None, None, None, y))
    u = jnp.log(jnp.array([1.7, 0.6]))
    a, b = np.exp(np.asarray(u))
    e = np.exp(-b * np.asarray(t))
    J = np.vstack([np.stack([a * e / s, -a * b * np.asarray(t) * e / s], 1), [[0.0, b / 0.5]]])   # d r / d log p
    np.testing.assert_allclose(gauss_newton_hessian(objective, u), J.T @ J, rtol=1e-12)


def test_checkpoint_segments_change_nothing(box):
    """The observed trajectory is the same run whatever the checkpoint segment (one segment for the
    whole run, or segments of 7 steps with a remainder of 5)."""
    model, _ = box
    dic = model.registry.index("dic")

    def observe(s, p):
        return s.c[dic, 0, 0, 0]

    runs = [np.asarray(jax.jit(lambda s0, p, seg=seg: observed_run(model.step, observe, s0, p, model.forcing,
                                                                   model.grid, 96, seg))(model.state0, model.params))
            for seg in (96, 7)]
    assert runs[0].shape == (97,)
    np.testing.assert_array_equal(runs[0], runs[1])


def test_gradient_recomputation_keeps_the_carbonate_root(box):
    """The segment's re-run keeps the carbonate solver's root, so recomputing a step before its
    adjoint runs no Newton iteration: the gradient program has two loops fewer per solve (the
    plain and the bracketed iteration) than with nothing kept, and the same gradient."""
    model, _ = box
    dic = model.registry.index("dic")

    def loss(gas, saved):
        p = dict(model.params) | {"gas_transfer_scale": gas}
        traj = observed_run(model.step, lambda s, p: s.c[dic, 0, 0, 0], model.state0, p, model.forcing,
                            model.grid, 8, 4, saved)
        return jnp.sum(traj ** 2)

    grads = {saved: jax.jit(jax.grad(loss), static_argnums=1).lower(1.0, saved) for saved in ((), SAVED_RESIDUALS)}
    loops = {saved: lowered.as_text().count("stablehlo.while") for saved, lowered in grads.items()}
    solves = str(jax.make_jaxpr(model.step)(model.state0, model.params, model.forcing, model.grid)).count(
        "name=solve_h")                                # the air-sea flux's and the in-situ solve
    assert solves == 2
    assert loops[()] - loops[SAVED_RESIDUALS] == 2 * solves
    values = [float(lowered.compile()(1.0)) for lowered in grads.values()]
    np.testing.assert_allclose(values[1], values[0], rtol=1e-12)


def test_automatic_segment_divides_the_run_when_it_can():
    assert segment_length(1800, "auto") == 40 and 1800 % 40 == 0          # sqrt 42.4: 40 beats 45
    assert segment_length(96, "auto") == 8 and segment_length(1, "auto") == 1
    assert segment_length(997, "auto") == 32                              # a prime: round(sqrt)
    assert segment_length(96, 7) == 7 and segment_length(96, 500) == 96


def test_interrupted_optimisation_keeps_its_best_point(prepared):
    objective, fit, u0 = prepared

    def stop(result):
        if result.iterations == 2:
            raise KeyboardInterrupt

    r = minimise(objective, u0, OptimizerConfig(method="adam", max_iterations=10, learning_rate=0.02), len(fit),
                 progress=False, on_iteration=stop)
    assert r.stop_reason == "interrupted" and r.iterations == 2
    assert r.loss < r.history[0]["loss"] and np.all(np.isfinite(r.u))


def test_command_line_errors_name_the_key(tmp_path, capsys):
    obs = tmp_path / "obs.csv"
    pd.DataFrame({"time": ["2025-01-01T06:00:00Z"], "lon": [-124.43], "lat": [44.04], "depth": [5.0],
                  "variable": ["pco2"], "value": [400.0], "sigma": [2.0]}).to_csv(obs, index=False)
    base = ["calibrate", "configs/oae_box.yaml", "--out", str(tmp_path / "out"), "--set", "run.days=1",
            "--set", f"calibration.observations=[{{file: {obs}}}]"]
    assert main(base + ["--set", "calibration.parameters.no_such={bounds: [1, 2]}"]) == 2
    assert "calibration.parameters.no_such: not a scalar parameter" in capsys.readouterr().err
    assert main(base + ["--set", "calibration.parameters.kh={bounds: [1, 2], initial: 1.5}",
                        "--set", "calibration.fit_period=['2030-01-01', '2030-02-01']"]) == 2
    assert "calibration.fit_period: no usable observation" in capsys.readouterr().err
    assert main(base + ["--set", "calibration.parameters.kh={bounds: [1, 2], transform: logit, initial: 2}"]) == 2
    assert "transform is infinite" in capsys.readouterr().err


def test_objective_targets_can_be_replaced_without_recompiling(prepared):
    objective, _, u = prepared
    shifted = objective.with_observed(objective.observed + 1.0)
    assert shifted.compiled is objective.compiled
    assert shifted.loss(u) != objective.loss(u)
    # the loss summed on the host is the compiled one
    assert shifted.loss(u) == pytest.approx(float(shifted.value_and_grad(u)[0]), rel=1e-12)


def test_every_parameter_has_units():
    """calibration.json and the provenance name a unit for every parameter a config can train."""
    from oceancdr.calibration.run import _units
    from oceancdr.model import default_params
    from oceancdr.state import TracerRegistry

    for name in ("configs/cascobay.yaml", "configs/default.yaml"):
        cfg = load_config(name)
        params = default_params(cfg, TracerRegistry(tuple(cfg.tracers)))
        assert [k for k in params if _units(k) is None] == [], name
