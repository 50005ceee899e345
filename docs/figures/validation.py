"""Validation figures of docs/validation.md, computed from the reference data the tests use.

    .venv/bin/python docs/figures/validation.py [--only airsea,carbonate,wcoa2013,transport,conservation,mrv_box]

Each part reuses the inputs of its test (imported from tests/, so the points, bottles, grids and
flows are the same ones the tests check):

* airsea        tests/test_airsea.py: Schmidt number, K0, pCO2 of air and the flux against mocsy 2.0
* carbonate     tests/test_chemistry_pyco2sys.py: 3009 points against PyCO2SYS 1.8, float64 and float32
* wcoa2013      tests/test_chemistry_wcoa2013.py: 619 WCOA2013 bottles, computed minus measured pH(25 C)
* transport     tests/test_transport_analytic.py: Gaussian diffusion (vertical, horizontal) and an
                advected step front against their analytic solutions
* conservation  tests/test_transport_conservation.py (random basin, random non-divergent 3-D flow,
                1000 steps) and tests/test_biology_conservation.py (closed ecosystem box, one year)
* mrv_box       tests/test_mrv_box.py: configs/oae_box.yaml for a year, eta(t) against eta_max and
                against PyCO2SYS's equilibrium DIC

Writes docs/figures/validation_*.png (100 dpi) and docs/figures/validation_results.json (every
number quoted in docs/validation.md). About 2 minutes on a 2-core CPU.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIGURES = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests"))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import oceancdr  # noqa: E402,F401  (enables float64)
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

DPI = 100
TINY = 1e-17          # exact zeros drawn on log axes


def save(fig, name: str) -> str:
    fig.tight_layout()
    fig.savefig(FIGURES / name, dpi=DPI)
    plt.close(fig)
    return name


# --------------------------------------------------------------------------------------------
def carbonate() -> dict:
    """Our solver against PyCO2SYS on the test's 3000 random points and 9 corner cases."""
    import PyCO2SYS as pyco2
    from test_chemistry_pyco2sys import FIELDS, _errors, _random_inputs, _solve

    inputs = _random_inputs()
    oracle = pyco2.sys(par1=inputs["alk"], par2=inputs["dic"], par1_type=1, par2_type=2,
                       salinity=inputs["salinity"], temperature=inputs["temperature"], pressure=inputs["pressure"],
                       total_silicate=inputs["silicate"], total_phosphate=inputs["phosphate"])
    ours = {"float64": _solve(inputs, jnp.float64), "float32": _solve(inputs, jnp.float32)}
    out = {"points": int(inputs["alk"].size), "pyco2sys_version": pyco2.__version__, "max_error": {}}
    # the reference rows of SCIENCE.md sec. 2 (S 35, TA 2300, DIC 2000 umol/kg, 0 dbar, no nutrients)
    from oceancdr.chemistry import solve_carbonate

    out["reference_rows"] = {}
    for temperature in (25.0, 18.0):
        r = solve_carbonate(dic=2000.0, alk=2300.0, temperature=temperature, salinity=35.0)
        out["reference_rows"][f"{temperature:g} C"] = {k: float(getattr(r, k)) for k in
                                                       ("ph", "pco2", "fco2", "co2", "hco3", "co3",
                                                        "omega_aragonite", "omega_calcite", "revelle")}
    for dtype, r in ours.items():
        out["max_error"][dtype] = {name: float(_errors(r, oracle, name).max()) for name in FIELDS}

    fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
    ph = np.asarray(oracle["pH"])
    pco2 = np.asarray(oracle["pCO2"])
    for dtype, colour in (("float32", "tab:orange"), ("float64", "tab:blue")):
        r = ours[dtype]
        ax[0].scatter(ph, np.maximum(_errors(r, oracle, "ph"), TINY), s=3, c=colour, label=dtype, alpha=0.6)
        ax[1].scatter(np.maximum(pco2, 1e-3), np.maximum(_errors(r, oracle, "pco2"), TINY), s=3, c=colour,
                      label=dtype, alpha=0.6)
    ax[0].axhline(1e-6, c="k", ls="--", lw=0.8, label="float64 test bound")
    ax[0].set(yscale="log", xlabel="pH (PyCO2SYS, total scale)", ylabel="|pH - pH_PyCO2SYS|",
              title=f"pH, {out['points']} points")
    ax[1].axhline(1e-6, c="k", ls="--", lw=0.8)
    ax[1].set(xscale="log", yscale="log", xlabel="pCO2 (PyCO2SYS, µatm)", ylabel="relative pCO2 error",
              title="pCO2")
    ax[0].legend(loc="upper left", fontsize=8, markerscale=3)
    out["figure"] = save(fig, "validation_carbonate_pyco2sys.png")
    return out


# --------------------------------------------------------------------------------------------
def wcoa2013() -> dict:
    """pH(25 C, 0 dbar) from DIC, TA, S, silicate and phosphate against the measured pH."""
    import PyCO2SYS as pyco2
    from test_chemistry_wcoa2013 import read_wcoa2013

    from oceancdr.chemistry import solve_carbonate

    c = read_wcoa2013()
    good = (c["TCARBN_FLAG_W"] == 2) & (c["ALKALI_FLAG_W"] == 2) & (c["PH_TOT_FLAG_W"] == 2)
    salinity = np.where(c["SALNTY"] > 0, c["SALNTY"], c["CTDSAL"])
    use = good & (salinity > 0)
    si = np.where(c["SILCAT"][use] >= 0, c["SILCAT"][use], 0.0)
    po4 = np.where(c["PHSPHT"][use] >= 0, c["PHSPHT"][use], 0.0)
    measured = c["PH_TOT"][use]
    ours = np.asarray(solve_carbonate(c["TCARBN"][use], c["ALKALI"][use], 25.0, salinity[use], 0.0, si, po4).ph)
    oracle = np.asarray(pyco2.sys(par1=c["ALKALI"][use], par2=c["TCARBN"][use], par1_type=1, par2_type=2,
                                  salinity=salinity[use], temperature=25.0, pressure=0.0, total_silicate=si,
                                  total_phosphate=po4)["pH"])
    diff = ours - measured
    out = {"bottles_flag_2": int(good.sum()), "bottles_computed": int(use.sum()),
           "bias": float(diff.mean()), "rms": float(np.sqrt(np.mean(diff ** 2))),
           "max_abs_difference_to_pyco2sys": float(np.abs(ours - oracle).max()),
           "pyco2sys_bias": float((oracle - measured).mean()),
           "pyco2sys_rms": float(np.sqrt(np.mean((oracle - measured) ** 2)))}

    fig, ax = plt.subplots(1, 2, figsize=(10, 3.8))
    ax[0].scatter(measured, ours, s=6, alpha=0.6)
    lo, hi = float(min(measured.min(), ours.min())), float(max(measured.max(), ours.max()))
    ax[0].plot([lo, hi], [lo, hi], "k--", lw=0.8)
    ax[0].set(xlabel="measured pH(25 °C), spectrophotometric", ylabel="computed pH(25 °C) from DIC, TA",
              title=f"WCOA2013, {out['bottles_computed']} bottles")
    ax[1].scatter(diff, c["CTDPRS"][use], s=6, alpha=0.6)
    ax[1].axvline(0, c="k", lw=0.8)
    ax[1].axvline(out["bias"], c="tab:red", lw=1, label=f"bias {out['bias']:+.4f}, RMS {out['rms']:.4f}")
    ax[1].set(xlabel="computed - measured pH", ylabel="pressure (dbar)", title="residual against depth")
    ax[1].invert_yaxis()
    ax[1].legend(fontsize=8)
    out["figure"] = save(fig, "validation_wcoa2013_ph.png")
    return out


# --------------------------------------------------------------------------------------------
def transport() -> dict:
    """The three analytic cases of tests/test_transport_analytic.py."""
    from test_transport_analytic import _channel

    from oceancdr.transport import advect, diffuse_horizontal, diffuse_vertical_implicit

    out = {}
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.6))

    # vertical diffusion of a Gaussian, backward Euler, dt 2000 s
    nz, depth, kv = 500, 1000.0, 1e-2
    g = _channel(1, nz=nz, depth=depth)
    z = np.asarray(g.z_center)
    z0, t0, t1, dt = 500.0, 1.0e5, 5.0e5, 2000.0

    def gauss(x, x0, k, t):
        return np.exp(-((x - x0) ** 2) / (4 * k * t)) / np.sqrt(4 * np.pi * k * t)

    c = jnp.asarray(gauss(z, z0, kv, t0)[None, :, None, None])
    c = jax.lax.fori_loop(0, int((t1 - t0) / dt), lambda _, c: diffuse_vertical_implicit(c, kv, g, dt), c)
    num, exact = np.asarray(c)[0, :, 0, 0], gauss(z, z0, kv, t1)
    out["vertical_diffusion"] = {"kv_m2_s": kv, "dz_m": depth / nz, "dt_s": dt, "steps": int((t1 - t0) / dt),
                                 "max_error_relative_to_peak": float(np.abs(num - exact).max() / exact.max()),
                                 "mass_change_relative": float(abs(num.sum() / gauss(z, z0, kv, t0).sum() - 1))}
    ax[0].plot(gauss(z, z0, kv, t0), z, c="0.6", label="start (exact)")
    ax[0].plot(exact, z, "k--", label="exact")
    ax[0].plot(num, z, c="tab:blue", lw=1, label="model")
    ax[0].set(ylim=(800, 200), xlabel="concentration", ylabel="depth (m)",
              title=f"vertical diffusion, err {out['vertical_diffusion']['max_error_relative_to_peak']:.1e}")
    ax[0].legend(fontsize=8)

    # horizontal diffusion of a Gaussian, explicit, dt 200 s
    nx, dx, kh = 300, 100.0, 10.0
    g = _channel(nx, dx=dx)
    x = (np.arange(nx) + 0.5) * dx
    x0, t0, t1, dt = 15000.0, 2e4, 2e5, 200.0
    c = jnp.asarray(gauss(x, x0, kh, t0)[None, None, None, :])
    c = jax.lax.fori_loop(0, int((t1 - t0) / dt), lambda _, c: diffuse_horizontal(c, kh, g, dt), c)
    num, exact = np.asarray(c)[0, 0, 0], gauss(x, x0, kh, t1)
    out["horizontal_diffusion"] = {"kh_m2_s": kh, "dx_m": dx, "dt_s": dt, "steps": int((t1 - t0) / dt),
                                   "max_error_relative_to_peak": float(np.abs(num - exact).max() / exact.max())}
    ax[1].plot(x / 1e3, gauss(x, x0, kh, t0), c="0.6", label="start (exact)")
    ax[1].plot(x / 1e3, exact, "k--", label="exact")
    ax[1].plot(x / 1e3, num, c="tab:blue", lw=1, label="model")
    ax[1].set(xlim=(9, 21), xlabel="x (km)", ylabel="concentration",
              title=f"horizontal diffusion, err {out['horizontal_diffusion']['max_error_relative_to_peak']:.1e}")
    ax[1].legend(fontsize=8)

    # a step front carried by uniform flow through open ends, superbee, Courant 0.5
    nx, dx, u, dt, n = 200, 100.0, 0.5, 100.0, 200
    g = _channel(nx, dx=dx, open_boundaries=("west", "east"))
    area = float(np.asarray(g.ax)[0, 0, 0])
    U = jnp.full((1, 1, nx + 1), u * area)
    V, W = jnp.zeros((1, 2, nx)), jnp.zeros((2, 1, nx))
    x = (np.arange(nx) + 0.5) * dx
    front0 = 3000.0
    gx = jnp.stack([jnp.ones((1, 1, 1)), jnp.zeros((1, 1, 1))], -1)
    gy = jnp.zeros((1, 1, 2, nx))
    c0 = jnp.asarray((x < front0).astype(float)[None, None, None, :])
    c = jax.lax.fori_loop(0, n, lambda _, c: advect(c, U, V, W, g, gx, gy, dt, "superbee")[0], c0)
    num = np.asarray(c)[0, 0, 0]
    front = front0 + u * n * dt
    exact = (x < front).astype(float)
    out["step_advection"] = {"courant": u * dt / dx, "steps": n, "limiter": "superbee",
                             "front_position_error_m": float(num.sum() * dx - front),
                             "l1_error_cells": float(np.abs(num - exact).sum()),
                             "cells_between_0.05_and_0.95": int(((num > 0.05) & (num < 0.95)).sum()),
                             "min": float(num.min()), "max": float(num.max())}
    ax[2].plot(x / 1e3, np.asarray(c0)[0, 0, 0], c="0.6", label="start")
    ax[2].plot(x / 1e3, exact, "k--", label="exact")
    ax[2].plot(x / 1e3, num, c="tab:blue", lw=1, marker=".", ms=3, label="model (superbee)")
    ax[2].set(xlim=(0, 16), xlabel="x (km)", ylabel="concentration", title="step front, Courant 0.5, 200 steps")
    ax[2].legend(fontsize=8)
    out["figure"] = save(fig, "validation_transport_analytic.png")
    return out


# --------------------------------------------------------------------------------------------
def conservation() -> dict:
    """Inventory drift of the transport step in a closed random basin, and the element budgets of a
    closed ecosystem box over a year."""
    from conftest import random_basin, random_flow, steady_forcing, transport_params, transport_runner
    from test_biology_conservation import box_config
    from test_transport_conservation import _tracers

    from oceancdr.config import config_from_dict
    from oceancdr.diagnostics import element_budgets, inventory
    from oceancdr.model import build_model
    from oceancdr.simulation import advance
    from oceancdr.state import new_state

    out = {}
    # transport: tests/test_transport_conservation.py::test_closed_basin_conserves_every_tracer_after_1000_steps
    grid = random_basin(0)
    U, V, W = random_flow(grid, 10, courant=0.45)
    forcing = steady_forcing(U, V, W, 3, grid)
    params = transport_params(3, kh=5.0, kv=1e-3, sinking=0.0)
    c0 = _tracers(grid, 0)
    run = transport_runner(3)
    g = jax.tree_util.tree_map(jnp.asarray, grid)
    state = new_state(jnp.asarray(c0))
    inv0 = inventory(c0, grid)
    steps, drift = [0], [np.zeros(3)]
    for k in range(20):
        state = run(state, params, forcing, g, jnp.zeros(50))
        steps.append(50 * (k + 1))
        drift.append(np.abs(inventory(state.c, grid) - inv0) / np.abs(inv0))
    drift = np.array(drift)
    out["transport_closed_basin"] = {
        "grid": list(grid.shape), "wet_cells": int(grid.mask.sum()), "steps": steps[-1],
        "max_courant_per_sweep": 0.45, "max_relative_inventory_change": [float(v) for v in drift[-1]],
        "largest_change_of_any_field": float(jnp.abs(state.c - c0).max())}

    # ecosystem: tests/test_biology_conservation.py, closed 2 x 2 x 3 box, all processes, one year
    cfg = box_config()
    model = build_model(config_from_dict(cfg))
    nsteps = int(round(cfg["run"]["days"] * 86400 / cfg["run"]["dt_seconds"]))
    chunk = nsteps // 8
    s0 = s = model.state0
    days, residuals = [], {}
    for k in range(8):
        s = advance(model.step, s, model.params, model.forcing, model.grid, chunk)
        days.append((k + 1) * chunk * cfg["run"]["dt_seconds"] / 86400)
        for element, b in element_budgets(s0, s, model.grid, model.registry, model.params).items():
            residuals.setdefault(element, []).append(b["relative_residual"])
    out["ecosystem_closed_box"] = {"days": days[-1], "steps": 8 * chunk, "dt_s": cfg["run"]["dt_seconds"],
                                   "final_relative_residual": {k: float(v[-1]) for k, v in residuals.items()},
                                   "max_relative_residual": float(max(max(v) for v in residuals.values()))}

    fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
    for i, label in enumerate(("uniform random", "sharp steps", "large dynamic range")):
        ax[0].plot(steps[1:], np.maximum(drift[1:, i], TINY), marker="o", ms=3, label=label)
    ax[0].axhline(np.finfo(float).eps, c="k", ls=":", lw=0.8, label="machine epsilon")
    ax[0].set(yscale="log", ylim=(1e-17, 1e-11), xlabel="step", ylabel="|inventory change| / inventory",
              title="transport, closed random basin")
    ax[0].legend(fontsize=8)
    for element, v in residuals.items():
        ax[1].plot(days, np.maximum(v, TINY), marker="o", ms=3, label=element)
    ax[1].axhline(np.finfo(float).eps, c="k", ls=":", lw=0.8)
    ax[1].set(yscale="log", ylim=(1e-17, 1e-11), xlabel="day", ylabel="relative budget residual",
              title="ecosystem, closed box")
    ax[1].legend(fontsize=7, ncol=2)
    out["figure"] = save(fig, "validation_conservation.png")
    return out


# --------------------------------------------------------------------------------------------
def mrv_box() -> dict:
    """configs/oae_box.yaml: the realised efficiency of a NaOH pulse in a closed well-mixed box
    against eta_max, and against PyCO2SYS's equilibrium DIC of the two scenarios."""
    import netCDF4
    import PyCO2SYS as pyco2

    from oceancdr.config import load_config
    from oceancdr.model import build_model
    from oceancdr.mrv import run_mrv

    from oceancdr.chemistry.efficiency import isocapnic_efficiency

    # eta_max at TA 2300 umol/kg, pCO2 420 uatm, S 35 against PyCO2SYS's central difference in TA
    table = {}
    for temperature in (0.0, 10.0, 20.0, 25.0, 30.0):
        eta, _ = isocapnic_efficiency(2300.0, 420.0, temperature, 35.0)
        dic = [float(pyco2.sys(par1=a, par2=420.0, par1_type=1, par2_type=4, temperature=temperature,
                               salinity=35.0)["dic"]) for a in (2300.01, 2299.99)]
        table[f"{temperature:g} C"] = {"model": float(eta), "pyco2sys_central_difference": (dic[0] - dic[1]) / 0.02}

    config = ROOT / "configs" / "oae_box.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        r = run_mrv(build_model(load_config(config, ["run.progress=false"])), tmp, config_path=config,
                    report=False)
        wall = time.perf_counter() - t0
        with netCDF4.Dataset(Path(tmp) / "mrv.nc") as ds:
            delta_alk = float(ds["delta_alk"][-1].squeeze())
    theory = r["alkalinity"]["theoretical_efficiency"]
    ta, temp, sal, pco2 = (theory[k] for k in ("alkalinity_umol_kg", "temperature_c", "salinity", "pco2_uatm"))
    delta_ta = delta_alk * ta / load_config(config).hydrography.surface_alk_mmol_m3

    def dic(alk):
        return float(pyco2.sys(par1=alk, par2=pco2, par1_type=1, par2_type=4, temperature=temp,
                               salinity=sal)["dic"])

    expected = (dic(ta + delta_ta) - dic(ta)) / delta_ta
    series = r["uptake"]["time_series"]
    days = np.asarray(series["day"], float)
    eta = np.array([np.nan if v is None else v for v in series["eta"]], float)
    out = {"days": r["simulated_days"], "paired_steps": r["steps"], "wall_time_seconds": wall,
           "eta_max": theory["eta_max"], "realised_efficiency": r["uptake"]["realised_efficiency"],
           "fraction_of_eta_max": r["uptake"]["fraction_of_eta_max"],
           "pyco2sys_equilibrium_uptake_per_alkalinity": expected, "delta_ta_umol_kg": delta_ta,
           "closure_max_relative_residual": r["budget_closure"]["max_relative_residual_over_time"],
           "eta_max_table_ta2300_pco2_420_s35": table}
    reach = days[np.argmax(eta >= (1 - np.exp(-1)) * theory["eta_max"])]
    out["days_to_63_percent_of_eta_max"] = float(reach)

    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    ax.plot(days, eta, label="realised efficiency η(t) (model)")
    ax.axhline(theory["eta_max"], c="k", ls="--", lw=1, label=f"η_max = dDIC/dTA at constant pCO2: {theory['eta_max']:.4f}")
    ax.axhline(expected, c="tab:red", ls=":", lw=1.2, label=f"PyCO2SYS equilibrium, finite pulse: {expected:.4f}")
    ax.set(xlabel="day", ylabel="mol CO2 per mol TA", ylim=(0, 1), title="NaOH pulse in a well-mixed box (oae_box.yaml)")
    ax.legend(fontsize=8, loc="lower right")
    out["figure"] = save(fig, "validation_mrv_box.png")
    return out


# --------------------------------------------------------------------------------------------
def airsea() -> dict:
    """The check values of tests/test_airsea.py (Wanninkhof 2014, Weiss 1974, mocsy 2.0)."""
    from oceancdr.chemistry.airsea import co2_flux, co2_flux_from_fco2, k0_weiss1974, pco2_air, schmidt_co2
    from oceancdr.chemistry.constants import fugacity_factor

    out = {"schmidt_co2": {f"{t:g} C": float(schmidt_co2(t)) for t in (20.0, 18.0, 25.0)},
           "k0_s35_18c_mol_kg_atm": float(k0_weiss1974(18.0, 35.0)),
           "pco2_air_400ppm_20c_uatm": float(pco2_air(400.0, 20.0, 35.0))}
    # mocsy's cases: xCO2 400 ppm, 1 atm, S 35, TA 2300, DIC 2000 umol/kg; 20 C U10 10 m/s and 25 C U10 7 m/s
    f20 = co2_flux_from_fco2(323.906 * fugacity_factor(20.0), 20.0, 35.0, 100.0, 400.0)[0]
    p25 = float(pco2_air(400.0, 25.0, 35.0)) + 9.24
    f25 = co2_flux_from_fco2(p25 * fugacity_factor(25.0), 25.0, 35.0, 49.0, 400.0)[0]
    r20 = co2_flux(2000.0, 2300.0, 20.0, 35.0, 100.0, 400.0)
    r25 = co2_flux(2000.0, 2300.0, 25.0, 35.0, 49.0, 400.0)
    out["flux_mol_m2_s"] = {
        "mocsy_20c": 1.5374e-7, "mocsy_25c": -1.027e-8,
        "model_with_mocsy_pco2_20c": float(f20), "model_with_mocsy_pco2_25c": float(f25),
        "model_from_dic_ta_20c": float(r20.flux), "model_from_dic_ta_25c": float(r25.flux),
        "model_pco2_sea_20c_uatm": float(r20.pco2_sea)}
    return out


PARTS = {"airsea": airsea, "carbonate": carbonate, "wcoa2013": wcoa2013, "transport": transport, "conservation": conservation,
         "mrv_box": mrv_box}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(PARTS), help="comma-separated parts: " + ", ".join(PARTS))
    args = ap.parse_args(argv)
    path = FIGURES / "validation_results.json"
    results = json.loads(path.read_text()) if path.is_file() else {}
    for name in args.only.split(","):
        t0 = time.perf_counter()
        results[name] = PARTS[name]()
        print(f"{name}: {time.perf_counter() - t0:.0f} s")
        print(json.dumps(results[name], indent=1))
    results["machine"] = {"platform": platform.platform(), "jax": jax.__version__,
                          "backend": jax.default_backend()}
    path.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
