"""Interventions in the coupled 3-D model: zero amounts change nothing, budgets and ledgers close,
precipitation starts above the threshold, farms are seeded and harvested (the shipped configs run
in tests/test_mrv.py)."""
import json
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

from oceancdr.config import load_config
from oceancdr.model import build_model
from oceancdr.simulation import run

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "configs" / "default.yaml"
SMALL = ["grid.nx=14", "grid.ny=18", "grid.nz=6", "grid.dx_m=4000", "grid.dy_m=4000", "run.days=2",
         "output.every_hours=24", "run.progress=false", "tracers.dye.blob.x_km=24", "tracers.dye.blob.y_km=36"]
INTERVENTIONS = [
    {"name": "naoh", "type": "alkalinity", "material": "NaOH", "amount": {"total": 5000, "unit": "t"},
     "footprint": {"shape": "point", "center": [22, 38]}, "depth_m": [0, 5], "schedule": {"start_day": 0.5}},
    {"name": "oli", "type": "olivine", "amount": {"total": 3000, "unit": "t"}, "depth_m": [0, 10],
     "footprint": {"shape": "patch", "center": [30, 50], "radius_km": 5}, "schedule": {"pulses_day": [0, 1]},
     "olivine": {"grain_diameters_um": [1, 30]}},
    {"name": "beach", "type": "olivine", "amount": {"total": 2000, "unit": "t"}, "depth_m": "seabed",
     "footprint": {"shape": "polygon", "vertices": [[6, 20], [14, 20], [14, 40], [6, 40]]},
     "schedule": {"start_day": 0, "end_day": 1}},
    {"name": "fe", "type": "iron", "material": "FeSO4.7H2O", "amount": {"total": 10, "unit": "t"},
     "footprint": {"shape": "track", "vertices": [[30, 10], [45, 60]], "width_km": 4}, "depth_m": [0, 10],
     "schedule": {"start_day": 0, "end_day": 1}},
    {"name": "farm", "type": "bivalve_farm", "farm": {"stocking_density_m2": 30, "initial_dry_weight_g": 1.0},
     "footprint": {"shape": "polygon", "vertices": [[6, 30], [16, 30], [16, 46], [6, 46]]}, "depth_m": [0, 8],
     "schedule": {"start_day": 0.25, "end_day": 1.5}},
]
AMOUNTS = ("naoh.amount_mol", "oli.amount_mol", "beach.amount_mol", "fe.amount_mol", "farm.density")


def _config(tmp_path, interventions, overrides=SMALL):
    path = tmp_path / "config.yaml"
    import yaml
    path.write_text(yaml.safe_dump({"base": str(DEFAULT), "interventions": interventions}))
    return load_config(path, overrides)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("iv")
    plain = build_model(_config(tmp, []))
    run(plain, tmp / "plain")
    model = build_model(_config(tmp, INTERVENTIONS))
    configured = dict(model.params)
    model.params.update({k: jnp.zeros_like(model.params[k]) for k in AMOUNTS})
    run(model, tmp / "zero")
    model.params.update(configured)
    run(model, tmp / "active")
    return tmp, plain, model


def _final(path, names):
    import netCDF4
    with netCDF4.Dataset(path / "output.nc") as ds:
        return {n: np.ma.filled(ds[n][-1], np.nan) for n in names}, {}


def test_zero_amounts_are_bit_identical_to_no_intervention(runs):
    tmp, plain, model = runs
    restart = {}
    import netCDF4
    for name in ("plain", "zero"):
        with netCDF4.Dataset(tmp / name / "restart.nc") as ds:
            restart[name] = (ds.tracers.split(), np.asarray(ds["c"][:]), np.asarray(ds["sediment"][:]))
    names_p, c_p, s_p = restart["plain"]
    names_z, c_z, s_z = restart["zero"]
    for i, n in enumerate(names_p):
        j = names_z.index(n)
        assert np.array_equal(c_p[i], c_z[j]), n
        assert np.array_equal(s_p[i], s_z[j]), n


def test_active_interventions_close_every_budget_and_ledger(runs):
    tmp, _, _ = runs
    s = json.loads((tmp / "active" / "summary.json").read_text())
    assert s["status"] == "completed"
    for name, b in s["budgets"].items():
        assert b["relative_residual"] < 1e-12, name
    for name, b in s["element_budgets"].items():
        assert b["relative_residual"] < 1e-12, name
    ledger = {e["name"]: e for e in s["interventions"]}
    assert ledger["naoh"]["delivered_fraction"] == pytest.approx(1.0, rel=1e-13)
    assert ledger["naoh"]["alkalinity_added_mol"] == pytest.approx(5e9 / 39.997, rel=1e-12)
    for name in ("oli", "beach"):
        e = ledger[name]
        assert e["mass_balance_relative_residual"] < 1e-12 and 0 < e["dissolved_mol"] < e["olivine_added_mol"]
        assert e["released_mol"]["alkalinity"] == pytest.approx(3.6 * e["dissolved_mol"])
    assert ledger["beach"]["remaining_in_water_mol"] == 0.0 and ledger["beach"]["buried_mol"] > 0
    # the NaOH pulse into one cell raises Omega_aragonite far above 5: CaCO3 precipitates, and it is
    # booked as a loss of 2 TA + 1 DIC
    loss = ledger["secondary_precipitation"]
    assert loss["caco3_mol"] > 0 and loss["alkalinity_removed_mol"] == pytest.approx(2 * loss["caco3_mol"])
    assert s["element_budgets"]["alkalinity"]["external_in"] < 0
    farm = ledger["farm"]
    assert farm["ledger_relative_residual"] < 1e-12
    c = farm["carbon_mol"]
    assert c["seed"] > 0 and c["ingestion"] > 0 and c["respiration"] > 0 and c["biodeposition"] > 0
    assert c["harvest"] > 0 and c["tissue_stock_final"] == 0.0 and c["shell_stock_final"] == 0.0
    assert farm["pools_mol_c"]["removed"] == c["harvest"]
    # iron added: the iron salt plus the fayalite iron of the olivine (2 (1 - f) mol per mol, in umol)
    olivine_mol = ledger["oli"]["olivine_added_mol"] + ledger["beach"]["olivine_added_mol"]
    iron = s["element_budgets"]["iron"]["added_by_interventions"]
    assert iron == pytest.approx((1e7 / 278.014 + 0.2 * olivine_mol) * 1e6, rel=1e-12)


def test_olivine_and_farm_rates_are_written(runs):
    import netCDF4
    tmp, _, _ = runs
    with netCDF4.Dataset(tmp / "active" / "output.nc") as ds:
        for name in ("oli_dissolution", "beach_dissolution", "secondary_precipitation", "farm_ingestion", "ni"):
            assert ds[name].units and ds[name].long_name, name
        assert float(ds["oli_dissolution"][-1].max()) > 0 and float(ds["farm_ingestion"][1].max()) > 0
