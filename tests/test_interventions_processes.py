"""Intervention processes against published values, analytic solutions and exact bookkeeping:
the Rimstidt rate law, shrinking spheres, Stokes settling, olivine stoichiometry, the
precipitation threshold and the bivalve physiology."""
import jax.numpy as jnp
import numpy as np
import pytest

import oceancdr  # noqa: F401
from oceancdr.interventions.bivalves import clearance_rate, respiration_rate
from oceancdr.interventions.olivine import products, rimstidt_rate, shrink, stokes_velocity
from oceancdr.interventions.parameters import PARAMETERS
from oceancdr.interventions.precipitation import precipitation_extent

P = {k: jnp.asarray(v.default) for k, v in PARAMETERS.items()}
YEAR = 365.25 * 86400.0


@pytest.mark.parametrize("temp, expected", [(5.0, 3.5e-11), (15.0, 9.4e-11), (25.0, 2.4e-10)])
def test_rimstidt_rate_matches_science_md(temp, expected):
    assert float(rimstidt_rate(temp, 8.1)) == pytest.approx(expected, rel=0.03)


def test_rimstidt_acid_branch_and_continuity():
    # below pH 5.6 the second law applies: log10 r = 6.05 - 0.46 pH - 3683 / T
    assert float(rimstidt_rate(25.0, 4.0)) == pytest.approx(10 ** (6.05 - 1.84 - 3683 / 298.15), rel=1e-12)
    # the two published laws nearly meet at pH 5.6 (within 30 % at 25 C)
    lo, hi = float(rimstidt_rate(25.0, 5.6)), float(rimstidt_rate(25.0, 5.6001))
    assert 1.0 < lo / hi < 1.3


@pytest.mark.parametrize("diameter_um, years", [(1.0, 4.0), (10.0, 40.0), (100.0, 400.0)])
def test_shrinking_sphere_follows_the_analytic_solution(diameter_um, years):
    """X(t) = 1 - (1 - t / t_diss)^3 at any step size; t_diss at 15 C, pH 8.1 as in SCIENCE.md."""
    rate = rimstidt_rate(15.0, 8.1)
    r0 = 0.5 * diameter_um * 1e-6
    t_diss = r0 / (float(rate) * float(P["olivine_molar_volume"]))
    assert t_diss / YEAR == pytest.approx(years, rel=0.25)
    m = m0 = jnp.asarray(1.0)
    dt = t_diss / 37.3
    total = 0.0
    for n in range(1, 40):
        gone, m0 = shrink(m, m0, rate, r0, dt, P)
        m, total = m - gone, total + float(gone)
        t = min(n * dt, t_diss)
        assert total == pytest.approx(1.0 - (1.0 - t / t_diss) ** 3, abs=1e-12)
    assert float(m) == 0.0 and float(m0) == 0.0          # dissolved grains leave no ghost population


def test_stokes_settling():
    # 10 um olivine in sea water: (3300 - 1025) 9.81 (1e-5)^2 / (18 1.2e-3) = 1.033e-4 m/s (8.9 m/d)
    assert float(stokes_velocity(10e-6, P)) == pytest.approx(1.0333e-4, rel=1e-3)
    assert float(stokes_velocity(100e-6, P)) / float(stokes_velocity(10e-6, P)) == pytest.approx(100.0)


def test_olivine_products_per_mol():
    """Fo90 with 0.3 wt% Ni: 4 f TA, 1 Si, 2 (1 - f) Fe, Ni by mass (SCIENCE.md section 5)."""
    prod = products(0.9, 3000.0)
    mass = 0.9 * 140.69 + 0.1 * 203.77
    assert prod["alk"] == pytest.approx(3.6) and prod["sio4"] == 1.0
    assert prod["fe"] == pytest.approx(200.0)                       # umol Fe per mmol olivine
    assert prod["ni"] == pytest.approx(1e3 * 0.003 * mass / 58.693)
    # pure forsterite: 4 mol TA per mol, 1.25 t CO2 per t at one CO2 per TA
    assert products(1.0, 0.0)["alk"] * 44.01 / 140.69 == pytest.approx(1.25, rel=2e-3)


def test_precipitation_only_above_the_threshold():
    omega = jnp.array([1.0, 4.99, 5.0, 5.5, 12.0])
    e = precipitation_extent(omega, jnp.full(5, 2000.0), jnp.full(5, 2300.0), P, 1.0)
    assert np.all(np.asarray(e[:3]) == 0.0)
    assert float(e[3]) == pytest.approx(10.0 * 0.5) and float(e[4]) == pytest.approx(10.0 * 7.0)
    # never more than the DIC or half the TA present
    big = precipitation_extent(jnp.asarray(1e6), jnp.asarray(3.0), jnp.asarray(4.0), P, 1.0)
    assert float(big) == pytest.approx(2.0)


def test_bivalve_physiology():
    # allometric clearance peaks at the optimum temperature and scales as W^b
    cr = clearance_rate(1.0, P["bivalve_optimum_temperature"], P)
    assert float(cr) == pytest.approx(0.17)
    assert float(clearance_rate(2.0, 19.0, P) / cr) == pytest.approx(2 ** 0.44)
    assert float(clearance_rate(1.0, 9.0, P)) == pytest.approx(0.17 * (1 - 0.0027 * 100))
    assert float(clearance_rate(1.0, 60.0, P)) == 0.0
    assert float(respiration_rate(1.0, 30.0, P) / respiration_rate(1.0, 20.0, P)) == pytest.approx(2.0)
    assert float(respiration_rate(16.0, 20.0, P) / respiration_rate(1.0, 20.0, P)) == pytest.approx(8.0)
