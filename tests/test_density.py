"""Seawater density (UNESCO EOS-80) against published check values, and unit conversions."""

import pytest

import oceancdr  # noqa: F401  (enables float64)
import jax
import jax.numpy as jnp

from oceancdr.chemistry.density import density, mmol_m3_to_umol_kg, umol_kg_to_mmol_m3


@pytest.mark.parametrize(
    "salinity, t68, pressure, expected",
    [
        # Millero & Poisson (1981) / UNESCO (1981) check values, IPTS-68 temperature
        (0.0, 5.0, 0.0, 999.96675),
        (35.0, 5.0, 0.0, 1027.67547),
        (35.0, 25.0, 10000.0, 1062.53817),
        # Fofonoff & Millard (1983) SVAN/SIGMA check value: sigma = 59.82037 kg m-3
        (40.0, 40.0, 10000.0, 1059.82037),
    ],
)
def test_eos80_check_values(salinity, t68, pressure, expected):
    assert float(density(t68 / 1.00024, salinity, pressure)) == pytest.approx(expected, abs=1e-5)


def test_density_properties():
    assert float(density(20.0, 35.0)) == pytest.approx(1024.76, abs=0.01)
    assert float(density(4.0, 35.0, 1000.0)) > float(density(4.0, 35.0, 0.0))
    grads = jax.grad(density, argnums=(0, 1, 2))(10.0, 0.0, 0.0)
    assert all(bool(jnp.isfinite(g)) for g in grads)  # finite at S = 0 (land/fresh water)
    assert float(grads[1]) > 0 and float(grads[2]) > 0


def test_unit_conversions():
    rho = density(10.0, 35.0, 0.0)
    x = jnp.array([0.0, 2000.0, 2300.0])
    assert float(umol_kg_to_mmol_m3(1000.0, 1025.0)) == pytest.approx(1025.0)
    assert float(mmol_m3_to_umol_kg(1025.0, 1025.0)) == pytest.approx(1000.0)
    back = mmol_m3_to_umol_kg(umol_kg_to_mmol_m3(x, rho), rho)
    assert jnp.allclose(back, x, rtol=1e-14)
