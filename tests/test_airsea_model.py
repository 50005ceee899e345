"""Air-sea CO2 exchange inside the model: a closed, well-mixed surface box equilibrates with the
atmosphere, and PyCO2SYS agrees on the final state; the DIC budget closes on the surface flux."""
import PyCO2SYS as pyco2
import pytest

from oceancdr.chemistry.airsea import pco2_air
from oceancdr.chemistry.density import density
from oceancdr.config import config_from_dict
from oceancdr.diagnostics import inventory
from oceancdr.model import build_model
from oceancdr.simulation import advance

BOX = {
    "run": {"days": 365, "dt_seconds": 21600},
    "grid": {"nx": 1, "ny": 1, "nz": 1, "dx_m": 1000, "dy_m": 1000, "depth_max_m": 20, "dz_surface_m": 20,
             "coast_km": 0, "headland_km": 0, "coast_depth_m": 20, "shelf_depth_m": 20, "open_boundaries": []},
    "circulation": {"type": "none"},
    "hydrography": {"surface_temperature_c": 15, "deep_temperature_c": 15, "seasonal_sst_amplitude_c": 0,
                    "surface_salinity": 35, "deep_salinity": 35},
    "atmosphere": {"xco2_ppm": 420.0, "wind_speed_m_s": 10.0},
    "tracers": {"temperature": {"initial": "hydrography"}, "salinity": {"initial": "hydrography"},
                "dic": {"initial": 2150.0}, "alk": {"initial": 2350.0}},
}


@pytest.fixture(scope="module")
def box():
    m = build_model(config_from_dict(BOX))
    n = int(BOX["run"]["days"] * 86400 / BOX["run"]["dt_seconds"])
    return m, advance(m.step, m.state0, m.params, m.forcing, m.grid, n)


def test_box_equilibrates_with_the_atmosphere(box):
    m, s = box
    temp, salt = 15.0, 35.0
    rho = float(density(temp, salt, 0.0))
    dic, alk = (float(s.c[m.registry.index(k)].squeeze()) * 1000.0 / rho for k in ("dic", "alk"))
    target = float(pco2_air(420.0, temp, salt, 1.0))
    oracle = pyco2.sys(par1=alk, par2=dic, par1_type=1, par2_type=2, temperature=temp, salinity=salt)
    # 20 m box, k ~ 6e-5 m/s at 10 m/s wind: 4 days x DIC/(Revelle CO2*) ~ 1.5 months; a year is ~7 e-folds
    assert oracle["pCO2"] == pytest.approx(target, abs=0.05)
    assert dic < 2150.0 * 1000 / rho            # the supersaturated box outgassed
    assert alk == pytest.approx(2350.0 * 1000 / rho, rel=1e-14)   # gas exchange leaves TA alone


def test_box_dic_budget_closes_on_the_surface_flux(box):
    m, s = box
    i = m.registry.index("dic")
    change = inventory(s.c, m.grid)[i] - inventory(m.state0.c, m.grid)[i]
    surface = float(s.budget["surface"][i])
    assert surface < 0
    assert change == pytest.approx(surface, abs=1e-13 * inventory(m.state0.c, m.grid)[i])
