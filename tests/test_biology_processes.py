"""Ecosystem processes against analytic values, an oracle and the iron-addition experiments:
insolation, layer-mean light, iron-ligand equilibrium, O2 solubility (TEOS-10 gsw) and an
iron-limited water column that responds to iron as the mesoscale experiments did (SCIENCE.md 6)."""
import gsw
import jax.numpy as jnp
import numpy as np
import pytest

from oceancdr.biology import PARAMETERS
from oceancdr.biology.iron import UMOL_M3_TO_MOL_KG, free_iron
from oceancdr.biology.light import layer_mean_light, surface_par
from oceancdr.chemistry.oxygen import o2_saturation
from oceancdr.config import config_from_dict
from oceancdr.model import build_model
from oceancdr.simulation import advance

P = {k: jnp.asarray(v.default) for k, v in PARAMETERS.items()}


def test_daily_mean_insolation_at_the_equinox_equator_is_s0_over_pi():
    # Cooper's declination is zero on day 81 (284 + 81 = 365): daily mean cos Z = 1/pi at the equator
    # (the day is centred on day 81.0, so the declination's small drift cancels)
    t = jnp.linspace(0.0, 86400.0, 20001)[:-1]
    par = surface_par(t, 79.5, jnp.zeros(()), jnp.zeros(()), P)
    expected = float(P["par_fraction"] * P["atmospheric_transmission"] * P["solar_constant"]) / np.pi
    assert float(par.mean()) == pytest.approx(expected, rel=1e-6)
    # polar night at 80 N near the December solstice; midnight darkness everywhere
    assert float(surface_par(t, 354.0, jnp.zeros(()), jnp.full((), 80.0), P).max()) == 0.0


def test_layer_mean_light_is_the_exact_average_of_the_exponential_profile():
    k = jnp.asarray([0.05, 0.2, 0.1])[:, None, None]
    dz = jnp.asarray([5.0, 10.0, 0.0])[:, None, None]
    mean = layer_mean_light(jnp.full((1, 1), 100.0), k, dz)
    z = np.linspace(0, 15, 300001)
    kz = np.where(z < 5, 0.05 * z, 0.25 + 0.2 * (z - 5))
    light = 100 * np.exp(-kz)
    assert float(mean[0, 0, 0]) == pytest.approx(light[z < 5].mean(), rel=1e-4)
    assert float(mean[1, 0, 0]) == pytest.approx(light[(z >= 5) & (z <= 15)].mean(), rel=1e-4)
    assert float(mean[2, 0, 0]) == 0.0   # no light below the bottom


def test_free_iron_satisfies_the_ligand_equilibrium():
    fe = jnp.asarray([0.01, 0.5, 0.99, 1.0, 1.01, 3.0, 20.0])
    ligand, k = 1.0, 8e10
    free = free_iron(fe, ligand, k)
    bound = fe - free
    # K = [FeL] / ([Fe'] [L']) in kg mol-1
    ratio = bound / (free * (ligand - bound)) / UMOL_M3_TO_MOL_KG
    np.testing.assert_allclose(np.asarray(ratio), k, rtol=1e-8)
    assert np.all(np.asarray(free) > 0) and np.all(np.asarray(bound) < ligand)


@pytest.mark.parametrize("temp,salt", [(-1.5, 34.5), (0.0, 35.0), (10.0, 35.0), (20.0, 30.0), (30.0, 37.0)])
def test_o2_saturation_matches_teos10(temp, salt):
    # gsw.O2sol_SP_pt implements Garcia & Gordon (1992) with the Benson & Krause coefficients
    assert float(o2_saturation(temp, salt)) == pytest.approx(float(gsw.O2sol_SP_pt(salt, temp)), rel=1e-10)


def test_o2_saturation_check_value():
    # Garcia & Gordon (1992): 274.610 umol kg-1 at 10 C (IPTS-68, their scale), S = 35
    assert float(o2_saturation(10.0 / 1.00024, 35.0)) == pytest.approx(274.610, abs=5e-4)


# --- iron addition to an iron-limited column -----------------------------------------------------
COLUMN = {
    "run": {"days": 40, "dt_seconds": 3600, "start": "2025-06-01"},
    "grid": {"nx": 1, "ny": 1, "nz": 12, "dx_m": 1000, "dy_m": 1000, "depth_max_m": 300, "dz_surface_m": 10,
             "coast_km": 0, "headland_km": 0, "coast_depth_m": 300, "shelf_depth_m": 300, "open_boundaries": []},
    "circulation": {"type": "none", "mixed_layer_depth_m": 40, "kv_mixed_layer_m2_s": 0.01},
    # HNLC surface water: nitrate plentiful, silicate low and iron scarce (as at the LOHAFEX site)
    "hydrography": {"surface_temperature_c": 8, "deep_temperature_c": 4, "seasonal_sst_amplitude_c": 0,
                    "surface_no3_mmol_m3": 20, "deep_no3_mmol_m3": 30, "surface_sio4_mmol_m3": 2,
                    "deep_sio4_mmol_m3": 4, "surface_fe_umol_m3": 0.05, "deep_fe_umol_m3": 0.3,
                    "surface_po4_mmol_m3": 1.4, "deep_po4_mmol_m3": 2.0, "thermocline_depth_m": 60},
    "atmosphere": {"xco2_ppm": 420.0},
    "biology": {"enabled": True, "dust": False, "sediment_iron": False},
    "tracers": {"temperature": {"initial": "hydrography"}, "salinity": {"initial": "hydrography"},
                "dic": {"initial": "hydrography"}, "alk": {"initial": "hydrography"}},
}


@pytest.fixture(scope="module")
def iron_experiment():
    m = build_model(config_from_dict(COLUMN))
    steps = 24 * 40
    fe = m.registry.index("fe")
    mixed = jnp.asarray(m.grid.z_center < 40.0)[:, None, None]
    added = m.state0.c.at[fe].add(jnp.where(mixed, 3.0, 0.0) * m.grid.mask)
    control = advance(m.step, m.state0, m.params, m.forcing, m.grid, steps)
    fertilised = advance(m.step, m.state0.replace(c=added), m.params, m.forcing, m.grid, steps)
    return m, control, fertilised


def test_iron_raises_production_and_export(iron_experiment):
    m, control, fert = iron_experiment
    pp_c, pp_f = (float(s.fluxes["primary_production"].sum()) for s in (control, fert))
    ex_c, ex_f = (float(s.fluxes["export_poc_100m"].sum()) for s in (control, fert))
    assert pp_f > 2.0 * pp_c, (pp_c, pp_f)
    assert ex_f > 1.5 * ex_c, (ex_c, ex_f)
    dia = m.registry.index("dia")
    assert float(fert.c[dia, 0].sum()) > 2.0 * float(control.c[dia, 0].sum()), "diatoms grow on iron"


def test_after_iron_silicate_or_nitrate_limits_the_diatoms(iron_experiment):
    m, control, fert = iron_experiment
    p = m.params

    def limitations(s):
        x = {n: float(s.c[m.registry.index(n), 0].squeeze()) for n in ("no3", "sio4", "fe", "po4")}
        return {n: x[n] / (x[n] + float(p[f"dia_k_{n}"])) for n in x}

    before, after = limitations(control), limitations(fert)
    assert min(before, key=before.get) == "fe"
    assert min(after, key=after.get) in ("sio4", "no3")


def test_carbon_drawdown_per_iron_is_in_the_experimental_range(iron_experiment):
    # de Baar et al. (2005): DIC drawdown per Fe added ~ 5600 mol/mol over eight experiments, the
    # ratio spanning ~10^3 - 10^4 depending on how fast the added iron was lost
    m, control, fert = iron_experiment
    vol = m.grid.volume
    dic = m.registry.index("dic")
    mixed = jnp.asarray(m.grid.z_center < 40.0)[:, None, None]
    drawdown = float(((control.c[dic] - fert.c[dic]) * vol * mixed).sum())           # mmol C
    iron = float((3.0 * vol * mixed * m.grid.mask).sum()) * 1e-3                      # mmol Fe
    assert 1e3 < drawdown / iron < 3e4, drawdown / iron
