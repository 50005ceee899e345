"""Seawater density and umol kg-1 <-> mmol m-3 conversions.

Density is the UNESCO International Equation of State of seawater EOS-80 (Millero &
Poisson 1981, Deep-Sea Res. 28A, 625-629; Millero et al. 1980; algorithm of Fofonoff &
Millard 1983, UNESCO Tech. Pap. Mar. Sci. 44) with the secant bulk modulus K(S, t, p):
rho(S, t, p) = rho(S, t, 0) / (1 - p / K(S, t, p)), p in bar. EOS-80 is defined on the
IPTS-68 temperature scale; inputs here are ITS-90 and converted with t68 = 1.00024 t90
(Saunders 1990). Valid for S 0-42, t -2-40 C, p 0-10000 dbar.
"""

from __future__ import annotations

import jax.numpy as jnp


def _density_t68(temperature_68, salinity, pressure):
    """EOS-80 density (kg m-3) for IPTS-68 temperature (C), practical salinity and
    pressure (dbar), Fofonoff & Millard (1983) coefficients."""
    t, s = temperature_68, salinity
    sqrt_s = jnp.sqrt(jnp.where(s > 0, s, 1.0))
    s15 = jnp.where(s > 0, s * sqrt_s, 0.0)
    p = pressure / 10  # bar
    rho_w = (
        999.842594
        + 6.793952e-2 * t
        - 9.095290e-3 * t**2
        + 1.001685e-4 * t**3
        - 1.120083e-6 * t**4
        + 6.536332e-9 * t**5
    )
    rho_0 = (
        rho_w
        + s * (0.824493 - 4.0899e-3 * t + 7.6438e-5 * t**2 - 8.2467e-7 * t**3 + 5.3875e-9 * t**4)
        + s15 * (-5.72466e-3 + 1.0227e-4 * t - 1.6546e-6 * t**2)
        + 4.8314e-4 * s**2
    )
    k_w = 19652.21 + 148.4206 * t - 2.327105 * t**2 + 1.360477e-2 * t**3 - 5.155288e-5 * t**4
    a_w = 3.239908 + 1.43713e-3 * t + 1.16092e-4 * t**2 - 5.77905e-7 * t**3
    b_w = 8.50935e-5 - 6.12293e-6 * t + 5.2787e-8 * t**2
    k_0 = (
        k_w
        + s * (54.6746 - 0.603459 * t + 1.09987e-2 * t**2 - 6.1670e-5 * t**3)
        + s15 * (7.944e-2 + 1.6483e-2 * t - 5.3009e-4 * t**2)
    )
    a = a_w + s * (2.2838e-3 - 1.0981e-5 * t - 1.6078e-6 * t**2) + 1.91075e-4 * s15
    b = b_w + s * (-9.9348e-7 + 2.0816e-8 * t + 9.1697e-10 * t**2)
    bulk_modulus = k_0 + a * p + b * p**2
    return rho_0 / (1 - p / bulk_modulus)


def density(temperature, salinity, pressure=0.0):
    """In-situ seawater density, kg m-3, UNESCO EOS-80 (secant bulk modulus form).

    ``temperature``: in-situ temperature, deg C (ITS-90); ``salinity``: practical
    salinity; ``pressure``: hydrostatic (gauge) pressure, dbar. Check values (IPTS-68
    input): 999.96675 (S 0, 5 C, 0 dbar), 1027.67547 (35, 5 C, 0), 1062.53817
    (35, 25 C, 10000 dbar), 1059.82037 (40, 40 C, 10000 dbar).
    """
    return _density_t68(1.00024 * temperature, salinity, pressure)


def mmol_m3_to_umol_kg(x, rho):
    """Convert a concentration from mmol m-3 to umol kg-1 given density rho (kg m-3):
    1 mmol m-3 = 1000/rho umol kg-1."""
    return x * 1000 / rho


def umol_kg_to_mmol_m3(x, rho):
    """Convert a concentration from umol kg-1 to mmol m-3 given density rho (kg m-3):
    1 umol kg-1 = rho/1000 mmol m-3."""
    return x * rho / 1000


def pressure_dbar(depth_m, lat_deg):
    """Sea pressure (dbar) at a depth (m), Saunders (1981, J. Phys. Oceanogr. 11, 573)."""
    c1 = (5.92 + 5.25 * jnp.sin(jnp.radians(lat_deg)) ** 2) * 1e-3
    return ((1 - c1) - jnp.sqrt((1 - c1) ** 2 - 8.84e-6 * depth_m)) / 4.42e-6
