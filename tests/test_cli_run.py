"""The `oceancdr` command: runs, CF output, budgets, restart, blow-up guard and config errors."""
from pathlib import Path

import netCDF4
import numpy as np
import pytest
import json

from oceancdr.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = str(ROOT / "configs" / "default.yaml")
SMALL = ["grid.nx=14", "grid.ny=18", "grid.nz=6", "grid.dx_m=4000", "grid.dy_m=4000", "run.days=2",
         "output.every_hours=12", "run.progress=false", "tracers.dye.blob.x_km=24", "tracers.dye.blob.y_km=36"]


def _args(*extra):
    out = []
    for s in SMALL + list(extra):
        out += ["--set", s]
    return out


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    assert main(["run", DEFAULT, "--out", str(out)] + _args()) == 0
    return out


def test_run_writes_cf_output_and_closed_budgets(small_run):
    summary = json.loads((small_run / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["steps"] == 96 and summary["precision"] == "float64"
    for key in ("version", "config_hash", "wall_time_seconds"):
        assert summary[key]
    for name, b in summary["budgets"].items():
        assert b["relative_residual"] < 1e-12, (name, b)
    assert abs(summary["budgets"]["temperature"]["surface_in"]) > 0
    assert abs(summary["budgets"]["salinity"]["boundary_in"]) > 0
    assert abs(summary["budgets"]["dic"]["surface_in"]) > 0 and summary["budgets"]["alk"]["surface_in"] == 0
    assert set(summary["element_budgets"]) == {"carbon", "nitrogen", "phosphorus", "silicon", "iron", "alkalinity",
                                               "oxygen"}
    for name, b in summary["element_budgets"].items():
        assert b["relative_residual"] < 1e-12, (name, b)
    eco = summary["ecosystem"]
    assert eco["primary_production_g_c_m2_d"] > 0 and eco["o2_min_mmol_m3"] >= 0
    with netCDF4.Dataset(small_run / "output.nc") as ds:
        assert ds.Conventions == "CF-1.8"
        assert ds["time"].shape == (5,) and ds["time"].units.startswith("seconds since 2025-05-01")
        assert ds["depth"].positive == "down"
        assert ds["lon"].standard_name == "longitude" and ds["lat"].units == "degrees_north"
        for name in ("temperature", "salinity", "dye", "u", "v", "w", "bathymetry"):
            v = ds[name]
            assert v.units and v.long_name, name
        assert ds["temperature"].standard_name == "sea_water_temperature"
        assert ds["temperature"].dimensions == ("time", "depth", "y", "x")
        t = ds["temperature"][-1]
        assert np.ma.is_masked(t) and 5.0 < t.min() and t.max() < 20.0
        for name, lo, hi in (("ph", 7.5, 8.3), ("pco2", 200.0, 1500.0), ("omega_aragonite", 0.3, 4.0),
                             ("co2_flux", -1e-6, 1e-6)):
            v = ds[name]
            assert v.units and v.long_name, name
            assert lo < v[-1].min() and v[-1].max() < hi, (name, v[-1].min(), v[-1].max())
        assert ds["co2_flux"].standard_name == "surface_downward_mole_flux_of_carbon_dioxide"
        assert ds["ph"].standard_name == "sea_water_ph_reported_on_total_scale"
        pp = ds["primary_production"]
        assert pp.units == "mmol m-2 d-1" and pp.cell_methods == "time: mean"
        assert np.ma.getmaskarray(pp[0]).all() and np.isfinite(pp[-1].compressed()).all() and pp[-1].max() > 0
        assert ds["chlorophyll"].standard_name == "mass_concentration_of_chlorophyll_a_in_sea_water"
    assert not list(small_run.glob("*.tmp"))


def test_restart_continues_bit_for_bit(small_run, tmp_path):
    half = tmp_path / "half"
    rest = tmp_path / "rest"
    assert main(["run", DEFAULT, "--out", str(half)] + _args("run.days=1")) == 0
    assert main(["run", DEFAULT, "--out", str(rest), "--restart", str(half / "restart.nc")] + _args()) == 0
    with netCDF4.Dataset(small_run / "restart.nc") as a, netCDF4.Dataset(rest / "restart.nc") as b:
        assert a.step == b.step == 96
        assert np.array_equal(a["c"][:], b["c"][:])
        assert np.array_equal(a["sediment"][:], b["sediment"][:])


def test_float32_run(tmp_path):
    assert main(["run", DEFAULT, "--out", str(tmp_path)] + _args("precision=float32")) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["precision"] == "float32"
    for name, b in summary["budgets"].items():
        assert b["relative_residual"] < 1e-5, (name, b)


def test_blowup_guard_names_step_tracer_and_place_and_keeps_output(tmp_path, capsys):
    # a threshold below the dye peak (but above T, S, DIC and TA) makes the guard trip at once
    code = main(["run", DEFAULT, "--out", str(tmp_path)] + _args("numerics.blowup_threshold=1e4", "tracers.dye.blob.amplitude=5e4"))
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "blow-up at step 1 " in err[0] and "'dye'" in err[0] and "lon" in err[0]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "failed" and "dye" in summary["error"]
    with netCDF4.Dataset(tmp_path / "output.nc") as ds:     # the last good snapshot is kept
        assert ds["time"].shape == (1,)
    assert (tmp_path / "restart.nc").exists()


@pytest.mark.parametrize("override, key", [
    ("grid.nxx=3", "grid.nxx: unknown key"),
    ("grid.nx=abc", "grid.nx"),
    ("grid.nx=0", "grid.nx"),
    ("precision=float16", "precision"),
    ("run.days=-1", "run.days"),
    ("tracers.dye.initial=.nan", "tracers.dye.initial"),
    ("run.dt_seconds=40000", "run.dt_seconds: CFL violated"),
    ("circulation.type=file", "circulation"),
])
def test_config_errors_exit_2_with_one_line_naming_the_key(override, key, capsys, tmp_path):
    code = main(["validate", DEFAULT, "--set", override])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and key in err[0], err


def test_set_reaches_list_items():
    from oceancdr.config import ConfigError, load_config

    cfg = load_config(ROOT / "configs" / "oae_point_release.yaml",
                      ["interventions.0.schedule.end_day=4", "interventions.0.footprint.center=[10, 50]"])
    assert cfg.interventions[0].schedule.end_day == 4 and cfg.interventions[0].footprint.center == (10, 50)
    for bad in ("interventions.1.schedule.end_day=4", "interventions.x.name=a"):
        with pytest.raises(ConfigError, match="is not an item of that list"):
            load_config(ROOT / "configs" / "oae_point_release.yaml", [bad])


def test_validate_accepts_every_shipped_config(capsys):
    for cfg in sorted((ROOT / "configs").glob("*.yaml")):
        assert main(["validate", str(cfg)]) == 0, cfg
    assert "is valid" in capsys.readouterr().out


def test_missing_config_and_nothing_to_run(tmp_path, capsys, small_run):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert main(["run", DEFAULT, "--out", str(tmp_path), "--restart", str(small_run / "restart.nc")] + _args()) == 2
    assert "raise run.days" in capsys.readouterr().err


def test_default_coast_ecosystem_is_plausible(tmp_path):
    # 30 days of the default coast on the small grid: values inside the published coastal ranges
    # that docs/biology.md compares the full default run with
    assert main(["run", DEFAULT, "--out", str(tmp_path)] + _args("run.days=30", "output.every_hours=120")) == 0
    eco = json.loads((tmp_path / "summary.json").read_text())["ecosystem"]
    chl = eco["surface_chlorophyll_mg_m3"]
    assert 0.1 <= chl["min"] and chl["max"] <= 20.0, chl
    assert 0.1 <= eco["primary_production_g_c_m2_d"] <= 3.0, eco
    assert 0.05 <= eco["e_ratio_100m"] <= 0.5, eco
    assert eco["o2_min_mmol_m3"] >= 0.0
