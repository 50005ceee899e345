"""Atmospheric xCO2 records shipped with the package and their interpolation."""

import numpy as np
import pytest

import oceancdr  # noqa: F401  (enables float64)
import jax

from oceancdr.chemistry.atmosphere import load_xco2_record, xco2_at


def test_mauna_loa_record():
    years, xco2 = load_xco2_record("mauna_loa")
    assert years[0] == pytest.approx(1958.2027) and xco2[0] == pytest.approx(315.71)
    assert np.all(np.diff(years) > 0)
    assert np.all((xco2 > 300) & (xco2 < 450))
    assert years.size > 800


def test_global_record():
    years, xco2 = load_xco2_record("global")
    assert years[0] == pytest.approx(1979.042) and xco2[0] == pytest.approx(336.56)
    assert years.size == 551


def test_unknown_record():
    with pytest.raises(ValueError, match="mauna_loa"):
        load_xco2_record("barrow")


def test_interpolation_is_linear_and_jittable():
    years, xco2 = load_xco2_record("mauna_loa")
    mid = 0.5 * (years[10] + years[11])
    value = jax.jit(xco2_at)(mid, years, xco2)
    assert float(value) == pytest.approx(0.5 * (xco2[10] + xco2[11]), rel=1e-12)
    assert float(xco2_at(1900.0, years, xco2)) == pytest.approx(xco2[0])
    assert np.isfinite(float(jax.grad(xco2_at)(mid, years, xco2)))
