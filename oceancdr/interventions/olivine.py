"""Olivine grains: Stokes settling, the Rimstidt et al. (2012) dissolution rate and shrinking spheres.

Rate per unit grain surface (Rimstidt, Brantley & Olsen 2012, Geochim. Cosmochim. Acta 99, 159;
mol m-2 s-1, T in K):
    pH > 5.6:  log10 r = 4.07 - 0.256 pH - 3465 / T
    pH <= 5.6: log10 r = 6.05 - 0.46 pH - 3683 / T
times ``olivine_rate_factor`` (roughness, abrasion). A grain of radius r loses volume
4 pi r^2 r Vm per second, so dr/dt = -rate Vm (Vm: molar volume): the radius shrinks linearly and
a grain of initial radius r0 is gone after r0 / (rate Vm). Grains of one class in a cell are
described by their remaining amount M and their amount when added M0 (mol m-3); r = r0 s with
s = (M / M0)^(1/3). Over a step with fixed T and pH, s falls by rate Vm dt / r0 exactly, so the
fraction dissolved follows X(t) = 1 - (1 - t / t_diss)^3 at any step size (SCIENCE.md section 5).
When s reaches 0 the class is empty there and M0 is reset to 0. Mixing grains of different ages in
one cell averages s (an approximation: a size distribution is not resolved within a class).

Settling: Stokes' law w = (rho_p - rho_w) g d^2 / (18 mu) at the class's initial diameter.
"""
from __future__ import annotations

import jax.numpy as jnp

from ..chemistry.constants import exp10
from .materials import NICKEL_G_MOL, olivine_molar_mass

GRAVITY = 9.81                 # m s-2
SEAWATER_DENSITY = 1025.0      # kg m-3 (settling only)


def rimstidt_rate(temperature_c, ph):
    """Forsterite dissolution rate, mol m-2 s-1 (Rimstidt et al. 2012; module docstring)."""
    tk = temperature_c + 273.15
    log_r = jnp.where(ph > 5.6, 4.07 - 0.256 * ph - 3465.0 / tk, 6.05 - 0.46 * ph - 3683.0 / tk)
    return exp10(log_r)


def stokes_velocity(diameter_m, p):
    """Settling speed (m s-1) of a sphere of ``diameter_m`` in sea water (Stokes' law)."""
    return (p["olivine_density"] - SEAWATER_DENSITY) * GRAVITY * diameter_m**2 / (18.0 * p["seawater_viscosity"])


def shrink(m, m0, rate, radius0_m, dt, p):
    """Shrinking-sphere dissolution over ``dt`` (s) at surface rate ``rate`` (mol m-2 s-1):
    returns (dissolved amount, new M0), in the units of ``m`` and ``m0``."""
    ratio = m / jnp.where(m0 > 0, m0, 1.0)
    has = (m0 > 0) & (ratio > 0)
    s = jnp.cbrt(jnp.where(has, ratio, 1.0))         # double where: finite gradients at 0
    # relative radius loss u = ds / s; M' = M (1 - u)^3, so dissolved = M u (3 - 3u + u^2): no
    # cancellation between two nearly equal amounts (float32 keeps slow dissolution unbiased)
    u = jnp.minimum(rate * p["olivine_rate_factor"] * p["olivine_molar_volume"] * dt / radius0_m / s, 1.0)
    dissolved = jnp.where(has, m * u * (3.0 - 3.0 * u + u * u), 0.0)
    return dissolved, jnp.where(has & (u < 1.0), m0, 0.0)


def products(forsterite_fraction: float, nickel_ppm: float) -> dict:
    """Tracer released per mmol of olivine dissolved: TA and Si (mmol), Fe(II) and Ni (umol).
    (Mg_f Fe_(1-f))2 SiO4 releases 4 f mmol TA from its forsterite part (the Fe(II) of the fayalite
    part joins the iron cycle; its alkalinity is lost when it oxidises and precipitates), 1 mmol Si,
    2 (1 - f) mmol Fe and the nickel of its mass."""
    mass = olivine_molar_mass(forsterite_fraction)
    return {"alk": 4.0 * forsterite_fraction, "sio4": 1.0, "fe": 2e3 * (1.0 - forsterite_fraction),
            "ni": 1e3 * nickel_ppm * 1e-6 * mass / NICKEL_G_MOL}
