"""Air-sea CO2 exchange against SCIENCE.md sec. 3 values (Wanninkhof 2014, Weiss 1974, mocsy)."""

import csv
from pathlib import Path

import numpy as np
import pytest

import oceancdr  # enables float64
import jax
import jax.numpy as jnp
import PyCO2SYS as pyco2

from oceancdr.chemistry.airsea import (
    co2_flux,
    co2_flux_from_fco2,
    k0_weiss1974,
    pco2_air,
    schmidt_co2,
    transfer_velocity_w14,
    vapour_pressure_weiss_price,
)
from oceancdr.chemistry.constants import fugacity_factor

TABLES = Path(oceancdr.__file__).parent / "data" / "carbonate_reference_tables"


@pytest.mark.parametrize("temperature, expected", [(20.0, 668.344), (18.0, 739.512), (25.0, 522.933)])
def test_schmidt_number_w14(temperature, expected):
    assert float(schmidt_co2(temperature)) == pytest.approx(expected, abs=6e-4)


def test_k0_weiss1974_table_iii():
    """All 223 entries of Weiss (1974) table III (K0 x 100, mol kg-1 atm-1, 4 digits)."""
    with open(TABLES / "weiss1974_tableIII.csv") as f:
        rows = list(csv.reader(f))
    salinities = [float(s) for s in rows[0][1:]]
    checked = 0
    for row in rows[1:]:
        for salinity, printed in zip(salinities, row[1:]):
            if printed:
                k0 = float(k0_weiss1974(float(row[0]), salinity))
                assert abs(100 * k0 - float(printed)) <= 0.0005 * 1.0001, (row[0], salinity)
                checked += 1
    assert checked == 223


def test_k0_weiss1974_at_18c():
    """SCIENCE.md quotes K0(S 35, 18 C) = 0.034294; the Weiss (1974) equation (same
    coefficients, also PyCO2SYS's) gives 0.0342876, which table III (3.429e-2) and
    PyCO2SYS confirm. The primary source wins: we test 0.0342876."""
    k0 = float(k0_weiss1974(18.0, 35.0))
    assert k0 == pytest.approx(0.0342876, abs=5e-8)
    oracle = pyco2.sys(par1=2300, par2=2000, par1_type=1, par2_type=2, temperature=18, salinity=35)
    assert k0 == pytest.approx(float(oracle["k_CO2"]), rel=1e-13)


def test_transfer_velocity_units():
    # 0.251 cm/h * 100 m2/s2 at Sc = 660 -> 6.97222e-5 m/s (mocsy check value)
    assert float(transfer_velocity_w14(100.0, 660.0)) == pytest.approx(6.97222e-5, rel=1e-6)
    assert float(transfer_velocity_w14(100.0, 660.0 * 4, scale=2.0)) == pytest.approx(6.97222e-5, rel=1e-6)


def test_pco2_air_20c():
    # mocsy: xCO2 400 ppm, 1 atm, 20 C, S 35 -> 390.951 uatm
    assert float(pco2_air(400.0, 20.0, 35.0)) == pytest.approx(390.951, abs=5e-4)
    assert float(vapour_pressure_weiss_price(20.0, 35.0)) == pytest.approx(1 - 390.951 / 400, abs=2e-6)


def test_flux_formula_reproduces_mocsy_with_its_pco2():
    """Given mocsy's seawater pCO2, the flux form (K0 fCO2 difference x in-situ density)
    reproduces mocsy's fluxes (20 C to 1e-4 relative, 25 C to its 4 printed digits; mocsy's printed pCO2 is rounded and its
    density may differ in the 5th digit)."""
    flux20, _, kw20 = co2_flux_from_fco2(323.906 * fugacity_factor(20.0), 20.0, 35.0, 100.0, 400.0)
    assert float(flux20) == pytest.approx(1.5374e-7, rel=1e-4)
    pco2_sea_25 = float(pco2_air(400.0, 25.0, 35.0)) + 9.24
    flux25, _, _ = co2_flux_from_fco2(pco2_sea_25 * fugacity_factor(25.0), 25.0, 35.0, 49.0, 400.0)
    assert float(flux25) == pytest.approx(-1.027e-8, abs=0.0005e-8)  # printed digits


def test_co2_flux_mocsy_check_values():
    r20 = co2_flux(2000.0, 2300.0, 20.0, 35.0, 100.0, 400.0)
    assert float(r20.pco2_air) == pytest.approx(390.951, abs=5e-4)
    assert float(r20.pco2_sea) == pytest.approx(323.906, abs=0.02)  # mocsy's constants differ slightly
    assert float(r20.flux) == pytest.approx(1.5374e-7, rel=5e-4)
    assert float(r20.kw) == pytest.approx(6.97222e-5 * np.sqrt(660 / 668.344), rel=1e-6)
    r25 = co2_flux(2000.0, 2300.0, 25.0, 35.0, 49.0, 400.0)
    assert float(r25.pco2_sea - r25.pco2_air) == pytest.approx(9.24, abs=0.025)
    assert float(r25.flux) == pytest.approx(-1.027e-8, rel=3e-3)
    assert float(r25.flux) < 0  # outgassing


def test_ice_and_zero_wind_stop_the_flux():
    full_ice = co2_flux(2000.0, 2300.0, 0.0, 34.0, 100.0, 400.0, ice_fraction=1.0)
    no_wind = co2_flux(2000.0, 2300.0, 0.0, 34.0, 0.0, 400.0)
    half_ice = co2_flux(2000.0, 2300.0, 0.0, 34.0, 100.0, 400.0, ice_fraction=0.5)
    open_water = co2_flux(2000.0, 2300.0, 0.0, 34.0, 100.0, 400.0)
    assert float(full_ice.flux) == 0.0
    assert float(no_wind.flux) == 0.0
    assert float(half_ice.flux) == pytest.approx(0.5 * float(open_water.flux), rel=1e-12)


def test_flux_vanishes_at_equilibrium():
    sea = co2_flux(2000.0, 2300.0, 15.0, 35.0, 64.0, 400.0)
    # choose xCO2 so that fCO2_air equals the seawater fCO2
    xco2_eq = float(sea.pco2_sea) * 1.0 / float(1.0 - vapour_pressure_weiss_price(15.0, 35.0))
    eq = co2_flux(2000.0, 2300.0, 15.0, 35.0, 64.0, xco2_eq)
    assert abs(float(eq.flux)) < 1e-15


def test_flux_gradients_finite_and_vmappable():
    def flux(dic, alk, temperature, salinity, u2, xco2, ice):
        return co2_flux(dic, alk, temperature, salinity, u2, xco2, 1.0, ice).flux

    grad = jax.jit(jax.vmap(jax.grad(flux, argnums=tuple(range(7)))))
    dic = jnp.array([2000.0, 0.0, 1800.0])
    alk = jnp.array([2300.0, 0.0, 4500.0])
    temperature = jnp.array([20.0, 0.0, 25.0])
    salinity = jnp.array([35.0, 0.0, 33.0])
    grads = grad(dic, alk, temperature, salinity, jnp.full(3, 100.0), jnp.full(3, 400.0), jnp.zeros(3))
    for g in grads:
        assert bool(jnp.all(jnp.isfinite(g)))
    # more DIC -> less uptake; more alkalinity -> more uptake
    assert float(grads[0][0]) < 0 < float(grads[1][0])
    # d flux / d ice = -flux at ice = 0
    ref = co2_flux(2000.0, 2300.0, 20.0, 35.0, 100.0, 400.0)
    assert float(grads[6][0]) == pytest.approx(-float(ref.flux), rel=1e-12)
