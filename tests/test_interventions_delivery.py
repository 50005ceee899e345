"""Interventions deliver exactly what is configured: every footprint, placement, schedule and unit."""
import jax.numpy as jnp
import numpy as np
import pytest

import oceancdr  # noqa: F401  (float64)
from oceancdr.config import ConfigError, config_from_dict
from oceancdr.interventions import deliver
from oceancdr.interventions.materials import MATERIALS, olivine_molar_mass
from oceancdr.interventions.schedule import step_fractions
from oceancdr.model import build_model

GRID = {"nx": 14, "ny": 18, "nz": 6, "dx_m": 4000, "dy_m": 4000}
FOOTPRINTS = {
    "point": {"shape": "point", "center": [20, 36]},
    "patch": {"shape": "patch", "center": [30, 40], "radius_km": 6},
    "polygon": {"shape": "polygon", "vertices": [[10, 10], [30, 12], [25, 40], [12, 30]]},
    "track": {"shape": "track", "vertices": [[15, 5], [40, 30], [45, 60]], "width_km": 3},
    "degrees": {"shape": "patch", "units": "degrees", "center": [-124.2, 44.3], "radius_km": 5},
}
SCHEDULES = {
    "constant": {"start_day": 0.5, "end_day": 1.7},
    "pulses": {"pulses_day": [0, 0.3, 1.25, 1.9]},
    "single": {"start_day": 1.0},
}


def _config(interventions, biology=False, days=2.0):
    return config_from_dict({"grid": GRID, "run": {"days": days, "dt_seconds": 1800, "progress": False},
                             "biology": {"enabled": biology}, "interventions": interventions,
                             "tracers": {n: {"initial": "hydrography"} for n in ("temperature", "salinity", "dic", "alk")}})


def _alkalinity(name, footprint, schedule, depth=(0, 12), amount=None):
    return {"name": name, "type": "alkalinity", "material": "Ca(OH)2", "footprint": footprint,
            "amount": amount or {"total": 37.0, "unit": "t"}, "depth_m": list(depth), "schedule": schedule}


def _delivered(model, tracer):
    """Run only the deliveries over the whole run; return (water inventory, sediment total,
    budget 'added') of ``tracer`` in tracer units * m3."""
    m = model
    c = jnp.zeros_like(m.state0.c)
    sed = jnp.zeros_like(m.state0.sediment)
    added = 0.0
    nsteps = int(round(m.cfg.run.days * 86400 / m.step_config.dt))
    for n in range(nsteps + 3):           # past the end: nothing more arrives
        d = deliver(c, sed, n, m.params, m.forcing, m.grid, m.step_config.interventions)
        c, sed, added = d.c, d.sediment, added + d.total
    i = m.registry.index(tracer)
    water = float((np.asarray(c[i]) * np.asarray(m.grid.volume)).sum())
    return water, float(np.asarray(sed[i]).sum()), float(added[i])


@pytest.mark.parametrize("shape", sorted(FOOTPRINTS))
@pytest.mark.parametrize("when", sorted(SCHEDULES))
def test_every_footprint_and_schedule_delivers_the_configured_total(shape, when):
    model = build_model(_config([_alkalinity("x", FOOTPRINTS[shape], SCHEDULES[when])]))
    water, sediment, added = _delivered(model, "alk")
    expected = 37e6 / MATERIALS["Ca(OH)2"].molar_mass_g_mol * 2.0 * 1e3     # mmol TA
    assert sediment == 0.0
    assert water == pytest.approx(expected, rel=1e-13) and added == pytest.approx(expected, rel=1e-13)


def test_rate_units_depths_and_seabed_placements():
    ivs = [_alkalinity("rate", FOOTPRINTS["patch"], {"start_day": 0, "end_day": 1.5},
                       amount={"rate_per_day": 2.0, "unit": "kmol"}),
           {"name": "oli", "type": "olivine", "amount": {"total": 3.0, "unit": "kg"}, "depth_m": "seabed",
            "footprint": FOOTPRINTS["polygon"], "schedule": SCHEDULES["pulses"],
            "olivine": {"grain_diameters_um": [2, 20], "mass_fractions": [0.25, 0.75]}},
           {"name": "outfall", "type": "alkalinity", "material": "NaOH", "amount": {"total": 5000, "unit": "mol"},
            "footprint": FOOTPRINTS["point"], "depth_m": "seabed", "schedule": SCHEDULES["single"]},
           {"name": "deep", "type": "alkalinity", "material": "MgO", "amount": {"total": 1.0, "unit": "t"},
            "footprint": FOOTPRINTS["track"], "depth_m": [30, 30], "schedule": SCHEDULES["constant"]}]
    model = build_model(_config(ivs))
    water, _, _ = _delivered(model, "alk")
    expected = (2.0 * 1.5 * 1e3 * 2.0 + 5000.0 + 1e6 / MATERIALS["MgO"].molar_mass_g_mol * 2.0) * 1e3
    assert water == pytest.approx(expected, rel=1e-13)
    olivine_mmol = 3e3 / olivine_molar_mass(0.9) * 1e3
    for name, share in (("oli_2um", 0.25), ("oli_20um_m0", 0.75)):
        w, s, a = _delivered(model, name)
        assert w == 0.0 and s == pytest.approx(share * olivine_mmol, rel=1e-13) and a == pytest.approx(s, rel=1e-13)
    # the seabed outfall lands in the bottom layer of its column, the point depth in the layer holding 30 m
    weights = np.asarray(model.forcing.interventions["weight"])
    k, j, i = np.argwhere(weights[2] > 0)[0]
    assert np.asarray(model.grid.mask)[k, j, i] == 1 and (k == 5 or np.asarray(model.grid.mask)[k + 1, j, i] == 0)
    z = np.asarray(model.grid.z_face)
    assert all(z[k] <= 30 < z[k + 1] or np.asarray(model.grid.mask)[k + 1, j, i] == 0
               for k, j, i in np.argwhere(weights[3] > 0))


def test_schedule_shares():
    dt = 3600.0
    f = step_fractions(type("S", (), {"pulses_day": [0.0, 1.0, 1.02], "start_day": 0, "end_day": None})(), dt, 48)
    assert f[0] == pytest.approx(1 / 3) and f[24] == pytest.approx(2 / 3) and f.sum() == pytest.approx(1.0, abs=1e-15)
    g = step_fractions(type("S", (), {"pulses_day": None, "start_day": 0.25, "end_day": 1.25})(), dt, 48)
    assert np.allclose(g[6:30], 1 / 24) and g[:6].sum() == 0 and g[30:].sum() == 0
    assert abs(g.sum() - 1.0) < 1e-15


def test_amounts_are_params_and_zero_turns_a_release_off():
    model = build_model(_config([_alkalinity("x", FOOTPRINTS["patch"], SCHEDULES["constant"])]))
    assert float(model.params["x.amount_mol"]) == pytest.approx(37e6 / 74.093)
    model.params["x.amount_mol"] = jnp.asarray(0.0)
    assert _delivered(model, "alk") == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("change, message", [
    ({"footprint": {"shape": "point", "center": [1e4, 1e4]}}, "from the nearest wet cell"),
    ({"footprint": {"shape": "polygon", "vertices": [[0, 0], [1, 1]]}}, "at least 3 vertices"),
    ({"footprint": {"shape": "polygon", "vertices": [[-50, -50], [-40, -50], [-40, -40]]}}, "covers no wet"),
    ({"material": "limestone"}, "takes one of"),
    ({"amount": {"total": 1, "rate_per_day": 1}}, "exactly one of"),
    ({"amount": {"rate_per_day": 1}, "schedule": {"start_day": 0}}, "needs schedule.end_day"),
    ({"schedule": {"start_day": 2, "end_day": 1}}, "must be after"),
    ({"depth_m": [700, 800]}, "reaches no water"),
    ({"name": "bad name"}, "plain identifier"),
])
def test_bad_interventions_are_one_line_errors(change, message):
    iv = _alkalinity("x", FOOTPRINTS["patch"], SCHEDULES["constant"]) | change
    with pytest.raises(ConfigError) as err:
        build_model(_config([iv]))
    text = str(err.value)
    assert "\n" not in text and "interventions" in text
    if message:
        assert message in text


def test_iron_and_farms_need_the_ecosystem():
    iron = {"name": "fe", "type": "iron", "material": "FeSO4", "amount": {"total": 1, "unit": "t"},
            "footprint": FOOTPRINTS["patch"]}
    with pytest.raises(ConfigError, match="needs biology.enabled"):
        _config([iron])
    model = build_model(_config([iron], biology=True))
    assert float(model.params["fe.amount_mol"]) == pytest.approx(1e6 / 151.908)


def test_base_config_merges_raw_keys(tmp_path):
    """A config built on configs/default.yaml inherits its keys, not what validating it added:
    switching the ecosystem off leaves no ecosystem tracers behind."""
    from pathlib import Path

    from oceancdr.config import load_config

    default = Path(__file__).resolve().parents[1] / "configs" / "default.yaml"
    path = tmp_path / "child.yaml"
    path.write_text(f"base: {default}\nbiology: {{enabled: false}}\ngrid: {{nx: 12}}\n")
    cfg = load_config(path)
    assert "phy" not in cfg.tracers and cfg.grid.nx == 12 and cfg.grid.ny == 40 and cfg.run.days == 60
    path.write_text("base: missing.yaml\n")
    with pytest.raises(ConfigError, match="base: .*missing.yaml not found"):
        load_config(path)
