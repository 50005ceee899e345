"""Boxes and moorings (oceancdr.exchange, surface series): the end-member exchange against the
analytic exponential, prescribed production against the integral of its cosine, series
interpolation against numpy.interp, budget closure with both processes on, bit-identical results
with them off, config errors, the Casco Bay data preparation and config."""
import copy
import datetime as dt
import subprocess
import sys
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

from oceancdr.biology import PARAMETERS
from oceancdr.biology.stoichiometry import N_TO_C, O2_PER_C
from oceancdr.chemistry.density import density
from oceancdr.config import ConfigError, config_from_dict, load_config
from oceancdr.diagnostics import budgets, element_budgets
from oceancdr.model import build_model
from oceancdr.simulation import advance

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "oceancdr" / "data" / "cascobay_mooring"

BOX = {
    "run": {"days": 2, "dt_seconds": 3600, "start": "2025-03-01"},
    "grid": {"type": "box", "nx": 1, "ny": 1, "nz": 1, "dx_m": 1000, "dy_m": 1000, "depth_max_m": 10,
             "dz_surface_m": 10, "open_boundaries": []},
    "circulation": {"type": "none"},
    "hydrography": {"surface_temperature_c": 12, "deep_temperature_c": 12, "seasonal_sst_amplitude_c": 0,
                    "surface_salinity": 28, "deep_salinity": 28, "sst_restoring_m_per_day": 0},
    "atmosphere": {"airsea_co2": False},
    "tracers": {"temperature": {"initial": "hydrography"}, "salinity": {"initial": "hydrography"},
                "dic": {"initial": 2100.0}, "alk": {"initial": 2000.0}},
}


def box(**sections):
    cfg = copy.deepcopy(BOX)
    for key, value in sections.items():
        cfg[key] = cfg.get(key, {}) | value if isinstance(value, dict) else value
    return cfg


def run_steps(cfg: dict, n: int):
    m = build_model(config_from_dict(cfg))
    return m, advance(m.step, m.state0, m.params, m.forcing, m.grid, n)


def value(m, s, name):
    return float(np.asarray(s.c[m.registry.index(name)]).ravel()[0])


def test_exchange_matches_the_analytic_exponential():
    e = dict(enabled=True, timescale_days=2.0, ocean_salinity=32.0, ocean_dic_umol_kg=2010.0,
             ocean_alk_umol_kg=2190.0, river_dic_umol_kg=700.0, river_alk_umol_kg=450.0)
    m, s = run_steps(box(exchange=e), 48)
    rho = float(density(12.0, 28.0, 0.0))
    tau, t = 2.0 * 86400.0, 48 * 3600.0
    for name, c0, ocean, river in (("dic", 2100.0, 2010.0, 700.0), ("alk", 2000.0, 2190.0, 450.0)):
        end = (river + (ocean - river) * 28.0 / 32.0) * rho / 1000.0
        expected = end + (c0 - end) * np.exp(-t / tau)
        assert value(m, s, name) == pytest.approx(expected, rel=1e-12, abs=0)
    assert value(m, s, "salinity") == 28.0 and value(m, s, "temperature") == 12.0
    assert float(m.params["exchange_timescale"]) == tau


def test_production_matches_the_integral_of_its_cosine():
    q = dict(enabled=True, mean_mmol_m3_d=20.0, amplitude_mmol_m3_d=10.0, peak_day=80.0)
    tracers = BOX["tracers"] | {"o2": {"initial": 300.0}}
    m, s = run_steps(box(production=q, tracers=tracers, run={"days": 10, "dt_seconds": 10800}), 80)
    d0 = dt.date(2025, 3, 1).timetuple().tm_yday - 1      # day of year of the start, 0 on 1 January
    period = 365.25
    phase = 2 * np.pi / period
    integral = 20.0 * 10 + 10.0 / phase * (np.sin(phase * (d0 + 10 - 80.0)) - np.sin(phase * (d0 - 80.0)))
    for name, c0, per_c in (("dic", 2100.0, -1.0), ("alk", 2000.0, N_TO_C), ("o2", 300.0, O2_PER_C)):
        change = value(m, s, name) - c0
        assert change == pytest.approx(per_c * integral, rel=1e-12, abs=0), name
        volume = float(np.asarray(m.grid.volume).sum())
        booked = float(s.budget["sources"][m.registry.index(name)]) / volume
        assert booked == pytest.approx(per_c * integral, rel=1e-13, abs=0), name
        assert float(s.budget["external"][m.registry.index(name)]) == float(s.budget["sources"][m.registry.index(name)])


def _series_csv(path, start="2025-02-28T18:00:00Z", hours=(0, 5, 9, 30, 31, 80, 200), columns=None):
    t0 = np.datetime64(start.rstrip("Z"))
    rng = np.random.default_rng(4)
    data = {"temperature_c": rng.uniform(5, 20, len(hours)), "salinity": rng.uniform(25, 31, len(hours)),
            "wind_speed_m_s": rng.uniform(0.5, 12, len(hours))}
    columns = columns or list(data)
    lines = ["time," + ",".join(columns)]
    for i, h in enumerate(hours):
        lines.append(f"{t0 + np.timedelta64(h, 'h')}Z," + ",".join(repr(float(data[c][i])) for c in columns))
    path.write_text("\n".join(lines) + "\n")
    return (np.asarray(hours, float) - 6.0) * 3600.0, data      # seconds since 2025-03-01T00Z


def test_series_interpolation_matches_numpy(tmp_path):
    path = tmp_path / "series.csv"
    times, data = _series_csv(path)
    m = build_model(config_from_dict(box(surface_series={"file": str(path)}, atmosphere={"airsea_co2": True},
                                         hydrography={"sst_restoring_m_per_day": 1.0})))
    f, p = m.forcing, m.params
    t = np.linspace(0.0, 2 * 86400.0, 97) + 17.0
    for method, column in ((f.surface_temperature, "temperature_c"), (f.surface_salinity, "salinity"),
                           (f.wind_speed, "wind_speed_m_s")):
        got = np.array([float(method(jnp.asarray(x), p)) for x in t])
        np.testing.assert_allclose(got, np.interp(t, times, data[column]), rtol=1e-14, atol=0)
    names = [proc.__name__ for proc in m.step_config.surface_processes]
    assert names == ["sst_restoring", "sss_restoring", "airsea_co2"]


def test_budgets_close_with_exchange_and_production(tmp_path):
    path = tmp_path / "series.csv"
    _series_csv(path)
    cfg = box(grid={"nx": 3, "ny": 2, "nz": 3, "depth_max_m": 30, "dz_surface_m": 10},
              circulation={"type": "none", "kh_m2_s": 50.0, "kv_mixed_layer_m2_s": 1e-3, "mixed_layer_depth_m": 15},
              atmosphere={"airsea_co2": True, "xco2_ppm": "mauna_loa"},
              hydrography={"sst_restoring_m_per_day": 5.0, "sss_restoring_m_per_day": 5.0,
                           "deep_temperature_c": 8.0, "deep_salinity": 30.0},
              surface_series={"file": str(path)},
              exchange={"enabled": True, "timescale_days": 1.5},
              production={"enabled": True, "mean_mmol_m3_d": -2.0, "amplitude_mmol_m3_d": 4.0},
              tracers=BOX["tracers"] | {"dic": {"initial": 2100.0, "blob": {"x_km": 0.5, "y_km": 1.5,
                                                                           "radius_km": 1.0, "amplitude": 50.0}},
                                        "o2": {"initial": 280.0}})
    m, s = run_steps(cfg, 24)
    for name, b in budgets(m.state0, s, m.grid, m.registry).items():
        assert b["relative_residual"] <= 1e-12, (name, b)
    assert all(float(s.budget["boundary"][m.registry.index(n)]) != 0 for n in ("dic", "alk"))
    assert float(s.budget["external"][m.registry.index("dic")]) != 0
    # element weights need the ecosystem's Fe and Si quotas even where those tracers are absent
    params = m.params | {k: jnp.asarray(PARAMETERS[k].default) for k in ("fe_to_c", "si_to_c")}
    elements = element_budgets(m.state0, s, m.grid, m.registry, params)
    for element in ("carbon", "alkalinity", "oxygen"):
        assert elements[element]["relative_residual"] <= 1e-12, (element, elements[element])
        assert elements[element]["external_in"] != 0


def test_exchange_and_production_off_are_bit_identical():
    cfg = box(grid={"nx": 2, "ny": 2, "nz": 2, "depth_max_m": 20}, atmosphere={"airsea_co2": True},
              hydrography={"sst_restoring_m_per_day": 2.0, "seasonal_sst_amplitude_c": 3.0})
    m0, s0 = run_steps(cfg, 12)
    off = cfg | {"exchange": {"enabled": False, "timescale_days": 0.5, "river_dic_umol_kg": 100.0},
                 "production": {"enabled": False, "mean_mmol_m3_d": 7.0}, "surface_series": {"file": None}}
    m1, s1 = run_steps(off, 12)
    assert set(m0.params) == set(m1.params) and not m1.step_config.exchange and not m1.step_config.production
    np.testing.assert_array_equal(np.asarray(s0.c), np.asarray(s1.c))
    for k in s0.budget:
        np.testing.assert_array_equal(np.asarray(s0.budget[k]), np.asarray(s1.budget[k]))


def test_series_must_cover_the_run(tmp_path):
    path = tmp_path / "short.csv"
    _series_csv(path, hours=(0, 5, 30))                  # ends a day after the start; the run is 2 days
    with pytest.raises(ConfigError, match="surface_series.file.*covers"):
        build_model(config_from_dict(box(surface_series={"file": str(path)})))
    late = tmp_path / "late.csv"
    _series_csv(late, start="2025-03-01T01:00:00Z")      # starts an hour after run.start
    with pytest.raises(ConfigError, match="surface_series.file"):
        build_model(config_from_dict(box(surface_series={"file": str(late)})))


def test_series_file_errors_name_the_key(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("when,temperature_c\n2025-03-01T00:00:00Z,5\n")
    with pytest.raises(ConfigError, match="surface_series.file.*'time'"):
        build_model(config_from_dict(box(surface_series={"file": str(bad)})))
    bad.write_text("time,sst\n2025-03-01T00:00:00Z,5\n2025-03-04T00:00:00Z,6\n")
    with pytest.raises(ConfigError, match="surface_series.file.*none of the columns"):
        build_model(config_from_dict(box(surface_series={"file": str(bad)})))
    bad.write_text("time,salinity\n2025-03-01T00:00:00Z,30\n2025-03-02T00:00:00Z,\n2025-03-04T00:00:00Z,31\n")
    with pytest.raises(ConfigError, match="surface_series.file.*missing"):
        build_model(config_from_dict(box(surface_series={"file": str(bad)})))


def test_production_needs_biology_off():
    with pytest.raises(ConfigError, match="production.enabled"):
        config_from_dict(box(production={"enabled": True}, biology={"enabled": True}))


def test_prepare_reproduces_the_shipped_files(tmp_path):
    subprocess.run([sys.executable, str(DATA / "prepare.py"), str(tmp_path)], check=True, capture_output=True)
    for name in ("forcing_2015_2016.csv", "observations_2015_2016.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_cascobay_config_runs():
    cfg = load_config(ROOT / "configs" / "cascobay.yaml")
    m = build_model(cfg)
    assert m.step_config.exchange and m.step_config.production
    assert float(m.grid.lon[0, 0]) == pytest.approx(-70.2283, abs=1e-5)
    assert float(m.grid.lat[0, 0]) == pytest.approx(43.6512, abs=1e-5)
    s = advance(m.step, m.state0, m.params, m.forcing, m.grid, 48)
    c = np.asarray(s.c)
    assert np.isfinite(c).all()
    # 48 steps after the start the box follows the observed T (within its 4-hour restoring lag), S plausible
    t = 48 * m.step_config.dt
    assert value(m, s, "temperature") == pytest.approx(float(m.forcing.surface_temperature(t, m.params)), abs=1.0)
    assert 25 < value(m, s, "salinity") < 31


def test_gradients_reach_every_exchange_and_production_parameter(tmp_path):
    """d(final DIC + TA)/d(param) is finite and non-zero for each new parameter and matches a
    central finite difference (the calibration differentiates through these)."""
    import jax

    path = tmp_path / "series.csv"
    _series_csv(path)
    cfg = box(surface_series={"file": str(path)}, hydrography={"sss_restoring_m_per_day": 20.0},
              exchange={"enabled": True, "timescale_days": 1.0},
              production={"enabled": True, "mean_mmol_m3_d": -1.0, "amplitude_mmol_m3_d": 2.0, "peak_day": 70.0})
    m = build_model(config_from_dict(cfg))
    names = ("exchange_timescale", "exchange_ocean_salinity", "exchange_ocean_dic", "exchange_ocean_alk",
             "exchange_river_dic", "exchange_river_alk", "production_mean", "production_amplitude",
             "production_peak_day", "sss_restoring")
    idx = [m.registry.index(n) for n in ("dic", "alk")]

    @jax.jit
    def final(sub):
        s = advance(m.step, m.state0, m.params | sub, m.forcing, m.grid, 6)
        return s.c[idx[0]].sum() + s.c[idx[1]].sum()

    sub = {k: m.params[k] for k in names}
    grad = jax.jit(jax.grad(final))(sub)
    for k in names:
        g = float(grad[k])
        h = 1e-4 * abs(float(sub[k]))
        fd = (float(final(sub | {k: sub[k] + h})) - float(final(sub | {k: sub[k] - h}))) / (2 * h)
        assert np.isfinite(g) and g != 0.0, k
        assert g == pytest.approx(fd, rel=1e-5, abs=1e-9), k
