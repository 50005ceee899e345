"""Paired MRV runs on the coupled 3-D model: the scenario axis is exact (bit-identical lanes with the
intervention off, the counterfactual lane equals a run without the intervention), the excess-carbon
budget closes, and every shipped intervention config gives a closed MRV account."""
import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import netCDF4
import numpy as np
import pytest

from oceancdr.config import load_config
from oceancdr.model import build_model
from oceancdr.mrv import lane, paired_model, paired_step, run_mrv
from oceancdr.simulation import advance
from test_interventions_model import AMOUNTS, INTERVENTIONS, _config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return build_model(_config(tmp_path_factory.mktemp("cfg"), INTERVENTIONS))


def _leaves_equal(a, b):
    return all(np.array_equal(np.asarray(x), np.asarray(y))
               for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)))


def test_lanes_are_bit_identical_with_the_intervention_off(model):
    off = model.params | {k: jnp.zeros_like(model.params[k]) for k in AMOUNTS}
    m = dataclasses.replace(model, params=off)
    params, state0, _ = paired_model(m)
    s = advance(paired_step(m.step), state0, params, m.forcing, m.grid, 24)
    assert int(s.step[0]) == 24
    assert _leaves_equal(lane(s, 0), lane(s, 1))


def test_counterfactual_lane_is_the_run_without_intervention(model):
    params, state0, lanes = paired_model(model)
    s = advance(paired_step(model.step), state0, params, model.forcing, model.grid, 24)
    alone = advance(model.step, model.state0, lanes[1].params, model.forcing, model.grid, 24)
    np.testing.assert_allclose(np.asarray(lane(s, 1).c), np.asarray(alone.c), rtol=1e-13, atol=1e-13)
    assert not np.array_equal(np.asarray(lane(s, 0).c), np.asarray(alone.c))


@pytest.fixture(scope="module")
def paired(model, tmp_path_factory):
    out = tmp_path_factory.mktemp("mrv")
    return out, run_mrv(model, out, progress=False)


def test_every_intervention_type_accounted_and_closed(paired):
    out, r = paired
    assert r["status"] == "completed"
    assert r["budget_closure"]["max_relative_residual_over_time"] < 1e-9
    for scenario in r["scenario_budgets"].values():
        assert scenario["worst_tracer_relative_residual"] < 1e-12
        assert scenario["worst_element_relative_residual"] < 1e-12
    assert r["uptake"]["additional_co2_uptake_mol"] > 0
    assert 0 < r["uptake"]["realised_efficiency"] < r["alkalinity"]["theoretical_efficiency"]["eta_max"]
    assert r["losses"]["olivine_undissolved_mol"] > 0
    assert r["iron"]["iron_added_mol"] > 0 and r["iron"]["extra_primary_production_mol_c"] != 0
    assert r["bivalve_farms"][0]["pools_mol_c"]["used"] > 0
    assert r["side_effects"]["max_ph_change"]["value"] > 0
    assert r["side_effects"]["max_nickel_umol_m3"]["value"] > 0
    # the durability pools and the boundary export add up to what entered (the closure equation)
    ex = r["durability"]["excess_carbon_mol"]
    held = ex["water_total"] + ex["sediment"] + ex["buried"] + ex["farm_stocks"]
    inflow = (r["uptake"]["additional_co2_uptake_mol"] - ex["exported_through_boundaries"]
              - ex["removed_from_the_system"] + r["budget_closure"]["terms_mol"]["added"])
    assert abs(held - inflow) <= 1e-9 * max(abs(held), abs(inflow))
    zones = sum(v for k, v in ex.items() if k.startswith("water_") and k != "water_total")
    assert abs(zones - ex["water_total"]) <= 1e-9 * abs(ex["water_total"])


def test_mrv_nc_holds_maps_and_series(paired):
    out, r = paired
    with netCDF4.Dataset(out / "mrv.nc") as ds:
        assert ds["delta_alk"].dimensions == ("time", "depth", "y", "x")
        assert ds["delta_pco2"].dimensions == ("time", "y", "x")
        uptake = ds["uptake_mol"][:]
        assert ds["uptake_mol"].units == "mol" and uptake[0] == 0
        assert abs(uptake[-1] - r["uptake"]["additional_co2_uptake_mol"]) <= 1e-6 * abs(uptake[-1])
        # cumulative uptake map integrates to the domain uptake
        area = ds["cell_volume"][0] / ds["wet_fraction"][0] / np.diff(ds["depth_bnds"][0])[0]
        total = float((np.ma.filled(ds["delta_co2_uptake"][-1], 0.0) * np.ma.filled(area, 0.0)).sum())
        assert abs(total / uptake[-1] - 1) < 1e-5     # float32 map against the float64 budget


@pytest.mark.parametrize("name", ["oae_point_release", "olivine_coastal", "iron_fertilization", "bivalve_farm"])
def test_shipped_configs_close_their_mrv_budget(name, tmp_path):
    """Closure at the end of a two-day run: 1e-9 of the largest budget term, or below the float64
    round-off floor of the two runs' carbon inventories while the signal is still young (iron:
    the whole ecosystem responds, so every cell rounds differently in the two runs)."""
    cfg = load_config(ROOT / "configs" / f"{name}.yaml", ["run.days=2", "output.every_hours=24",
                                                          "run.progress=false"])
    r = run_mrv(build_model(cfg), tmp_path, report=False)
    assert r["status"] == "completed" and r["interventions"]
    closure = r["budget_closure"]
    assert closure["relative_residual"] <= 1e-9 or abs(closure["residual_mol"]) <= closure["round_off_floor_mol"]
    for scenario in r["scenario_budgets"].values():
        assert max(scenario.values()) < 1e-12
