"""MRV against chemistry: eta_max = dDIC/dTA at constant pCO2 against SCIENCE.md and PyCO2SYS, and the
well-mixed box of configs/oae_box.yaml, whose realised efficiency must reach eta_max."""
import json
from pathlib import Path

import netCDF4
import numpy as np
import pytest
import yaml

import PyCO2SYS as pyco2
from oceancdr.chemistry.efficiency import dic_at_pco2, isocapnic_efficiency
from oceancdr.cli import main
from oceancdr.config import load_config
from oceancdr.model import build_model
from oceancdr.mrv import run_mrv

ROOT = Path(__file__).resolve().parents[1]
BOX = ROOT / "configs" / "oae_box.yaml"
FAST = ["run.dt_seconds=10800", "output.every_hours=240", "run.progress=false"]


def _pyco2_dic(alk, pco2, temperature, salinity, silicate=0.0, phosphate=0.0):
    return pyco2.sys(par1=alk, par2=pco2, par1_type=1, par2_type=4, temperature=temperature, salinity=salinity,
                     total_silicate=silicate, total_phosphate=phosphate)["dic"]


@pytest.mark.parametrize("temperature, published", [(0, 0.912), (10, 0.878), (20, 0.839), (25, 0.819), (30, 0.799)])
def test_eta_max_matches_the_published_table(temperature, published):
    """SCIENCE.md section 4: PyCO2SYS at TA 2300, pCO2 420, S 35 (three decimals)."""
    eta, _ = isocapnic_efficiency(2300.0, 420.0, float(temperature), 35.0)
    assert abs(float(eta) - published) <= 5e-4


@pytest.mark.parametrize("alk, pco2, temperature, salinity, silicate, phosphate",
                         [(2300, 420, 15, 35, 0, 0), (2050, 380, 5, 31, 10, 1), (2450, 600, 28, 37, 3, 0.5),
                          (1800, 450, 20, 20, 40, 2)])
def test_eta_max_and_equilibrium_dic_match_pyco2sys(alk, pco2, temperature, salinity, silicate, phosphate):
    """Independent oracle: PyCO2SYS DIC from (TA, pCO2), and its central difference in TA."""
    args = (temperature, salinity, silicate, phosphate)
    dic = float(dic_at_pco2(float(alk), float(pco2), *map(float, args)))
    assert abs(dic - _pyco2_dic(alk, pco2, *args)) < 1e-6
    h = 0.01
    expected = (_pyco2_dic(alk + h, pco2, *args) - _pyco2_dic(alk - h, pco2, *args)) / (2 * h)
    eta, _ = isocapnic_efficiency(float(alk), float(pco2), *map(float, args))
    assert abs(float(eta) - expected) < 1e-6


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    out = tmp_path_factory.mktemp("box")
    return out, run_mrv(build_model(load_config(BOX, FAST)), out, config_path=BOX)


def test_box_reaches_eta_max(box):
    """After a year (about eight equilibration times) eta equals eta_max within 1 %, and
    PyCO2SYS at the same state gives the same uptake per alkalinity."""
    out, r = box
    theory = r["alkalinity"]["theoretical_efficiency"]
    eta = r["uptake"]["realised_efficiency"]
    assert abs(eta / theory["eta_max"] - 1) < 0.01
    # PyCO2SYS: DIC of the counterfactual and of the intervention, both in equilibrium with the air
    added = r["alkalinity"]["released_to_water_mol"] / r["alkalinity"]["excess_in_domain_mol"]
    assert abs(added - 1) < 1e-12                      # a closed box keeps all its alkalinity
    with netCDF4.Dataset(out / "mrv.nc") as ds:
        delta_alk = float(ds["delta_alk"][-1].squeeze())          # mmol m-3
    ta, t, s, pco2 = (theory[k] for k in ("alkalinity_umol_kg", "temperature_c", "salinity", "pco2_uatm"))
    delta_ta = delta_alk * ta / load_config(BOX).hydrography.surface_alk_mmol_m3   # same density
    expected = (_pyco2_dic(ta + delta_ta, pco2, t, s) - _pyco2_dic(ta, pco2, t, s)) / delta_ta
    assert abs(eta / expected - 1) < 0.01
    assert abs(theory["eta_max"] / expected - 1) < 0.002  # marginal vs finite pulse
    assert r["budget_closure"]["max_relative_residual_over_time"] < 1e-9


def test_box_report_and_files(box):
    out, r = box
    assert r["status"] == "completed" and r["schema"] == "oceancdr.mrv/1"
    assert json.loads((out / "mrv.json").read_text())["uptake"]["additional_co2_uptake_mol"] == \
        r["uptake"]["additional_co2_uptake_mol"]
    text = (out / "report.md").read_text()
    for link in [part.split(")")[0] for part in text.split("](")[1:]]:
        assert (out / link).is_file(), link
    assert "Calculation chain" in text and "η_max" in text
    eta = np.array([v if v is not None else np.nan for v in r["uptake"]["time_series"]["eta"]])
    assert np.all(np.diff(eta[1:]) > -1e-9)           # uptake only grows in a closed box
    prov = r["provenance"]
    assert prov["config_hash"] and prov["parameters"]["naoh_pulse.amount_mol"] > 0 and prov["machine"]["jax"]


def test_blow_up_keeps_the_good_part(tmp_path, capsys):
    """A run that blows up on day 3 (the pulse lifts TA above the threshold) ends with exit 2 and one
    message, and leaves mrv.json with the accounting up to the last good snapshot and mrv.nc."""
    config = tmp_path / "late_pulse.yaml"
    iv = load_config(BOX).interventions[0].model_dump(mode="json") | {"schedule": {"pulses_day": [3]}}
    config.write_text(yaml.safe_dump({"base": str(BOX), "interventions": [iv]}))
    code = main(["mrv", str(config), "--out", str(tmp_path / "out"), "--no-progress", "--no-report",
                 "--set", "numerics.blowup_threshold=2355", "--set", "run.days=6", "--set", "run.dt_seconds=10800"])
    assert code == 2
    assert "blow-up at step 25 (day 3.125)" in capsys.readouterr().err
    r = json.loads((tmp_path / "out" / "mrv.json").read_text())
    assert r["status"] == "failed" and "'alk'" in r["error"] and r["simulated_days"] == 3
    assert r["uptake"]["time_series"]["day"] == [0, 1, 2, 3]
    with netCDF4.Dataset(tmp_path / "out" / "mrv.nc") as ds:
        assert ds["time"].size == 4


@pytest.mark.parametrize("overrides, key", [(["interventions=[]"], "interventions"),
                                            (["atmosphere.airsea_co2=false"], "atmosphere.airsea_co2")])
def test_mrv_needs_an_intervention_and_air_sea_exchange(overrides, key, tmp_path, capsys):
    args = ["mrv", str(BOX), "--out", str(tmp_path)] + [a for o in overrides for a in ("--set", o)]
    assert main(args) == 2
    assert capsys.readouterr().err.startswith(f"oceancdr: error: {key}")
    assert not (tmp_path / "mrv.json").exists()
