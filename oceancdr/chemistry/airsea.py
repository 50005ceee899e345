"""Air-sea CO2 exchange (Wanninkhof 2014 transfer velocity, Weiss 1974 solubility).

Sign convention: ``flux`` > 0 is CO2 INTO the ocean, mol m-2 s-1.

The flux is computed as in mocsy 2.0 (Orr & Epitalon 2015, ``flxco2``):

    F = (1 - ice) * k_w * rho * (K0 fCO2_air - CO2*)  =  (1 - ice) * k_w * rho * K0 (fCO2_air - fCO2_sea)

with k_w in m s-1 (Wanninkhof 2014), rho the seawater density (kg m-3, EOS-80 at in-situ T,
S and zero gauge pressure), K0 (mol kg-1 atm-1, Weiss 1974), CO2* = K0 fCO2_sea (mol kg-1)
from the carbonate solver, and fCO2_air = FugFac(T, P_atm) (P_atm - pH2O(T, S)) xCO2, the
fugacity of CO2 in air saturated with water vapour at the sea-surface temperature (Weiss &
Price 1980 vapour pressure, Weiss 1974 virial fugacity factor).

This form (fugacity difference times in-situ density) is the one that reproduces the mocsy
check values of SCIENCE.md sec. 3 (tested in tests/test_airsea.py). Fed with mocsy's own
seawater pCO2 (323.906 uatm at 20 C, U10 10; pCO2_air + 9.24 uatm at 25 C, U10 7) it gives
+1.53745e-7 and -1.02711e-8 mol m-2 s-1 (mocsy: +1.5374e-7, -1.027e-8). The alternatives
miss: a pCO2 (not fCO2) difference gives +1.5427e-7 and -1.0304e-8 (0.3 % off), a fixed
rho = 1025 kg m-3 gives -1.0288e-8 at 25 C (0.2 % off). mocsy's seawater pCO2 is 0.017 uatm
(20 C) and 0.02 uatm (25 C) above PyCO2SYS's (and ours) at these points, so ``co2_flux``
from DIC and TA gives +1.53783e-7 (0.03 % from mocsy) and -1.0249e-8 (0.2 %).
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from .carbonate import solve_carbonate
from .constants import T_ZERO, fugacity_factor, k0_weiss1974
from .density import density

__all__ = [
    "AirSeaFlux",
    "co2_flux",
    "co2_flux_from_fco2",
    "k0_weiss1974",
    "pco2_air",
    "schmidt_co2",
    "transfer_velocity_w14",
    "vapour_pressure_weiss_price",
]


class AirSeaFlux(NamedTuple):
    """Air-sea CO2 flux: ``flux`` mol m-2 s-1 (positive into the ocean), ``pco2_sea`` and
    ``pco2_air`` in uatm, ``kw`` transfer velocity in m s-1 (before the ice factor)."""

    flux: jnp.ndarray
    pco2_sea: jnp.ndarray
    pco2_air: jnp.ndarray
    kw: jnp.ndarray


def schmidt_co2(temperature):
    """Schmidt number of CO2 in seawater (S = 35), dimensionless, Wanninkhof (2014, Limnol.
    Oceanogr. Methods 12, 351-362, table 1): 2116.8 - 136.25 t + 4.7353 t^2 - 0.092307 t^3
    + 0.0007555 t^4, t in deg C (-2 to 40)."""
    t = temperature
    return 2116.8 - 136.25 * t + 4.7353 * t**2 - 0.092307 * t**3 + 0.0007555 * t**4


def vapour_pressure_weiss_price(temperature, salinity):
    """Water vapour pressure over seawater, atm (Weiss & Price 1980, Mar. Chem. 8, 347-359,
    eq. 10): exp(24.4543 - 67.4509 (100/T) - 4.8489 ln(T/100) - 0.000544 S), T in K."""
    tk100 = (temperature + T_ZERO) / 100
    return jnp.exp(24.4543 - 67.4509 / tk100 - 4.8489 * jnp.log(tk100) - 0.000544 * salinity)


def transfer_velocity_w14(u10_squared_mean, schmidt, scale=1.0):
    """CO2 gas transfer velocity, m s-1, Wanninkhof (2014, eq. 4):
    k_w = scale * 0.251 <U10^2> (Sc/660)^-0.5 cm h-1, with ``u10_squared_mean`` the SECOND
    moment of the 10-m wind speed, m2 s-2, and ``schmidt`` the Schmidt number."""
    cm_per_hour = scale * 0.251 * u10_squared_mean * jnp.sqrt(660 / schmidt)
    return cm_per_hour / (100 * 3600)


def pco2_air(xco2_ppm, temperature, salinity, pressure_atm=1.0):
    """Partial pressure of CO2 in water-saturated air at the sea surface, uatm:
    (P_atm - pH2O(T, S)) xCO2 with pH2O from Weiss & Price (1980); xCO2 dry-air mole
    fraction in ppm, P_atm in atm."""
    return (pressure_atm - vapour_pressure_weiss_price(temperature, salinity)) * xco2_ppm


def co2_flux_from_fco2(
    fco2_sea,
    temperature,
    salinity,
    u10_squared_mean,
    xco2_ppm,
    pressure_atm=1.0,
    ice_fraction=0.0,
    gas_transfer_scale=1.0,
):
    """Air-sea CO2 flux, mol m-2 s-1 (positive into the ocean), from the seawater CO2
    fugacity ``fco2_sea`` (uatm); see the module docstring for the formula. Returns
    ``(flux, pco2_air [uatm], kw [m s-1])``."""
    kw = transfer_velocity_w14(u10_squared_mean, schmidt_co2(temperature), gas_transfer_scale)
    p_air = pco2_air(xco2_ppm, temperature, salinity, pressure_atm)
    fco2_air = p_air * fugacity_factor(temperature, pressure_atm)
    rho = density(temperature, salinity, 0.0)
    k0 = k0_weiss1974(temperature, salinity)
    flux = (1 - ice_fraction) * kw * rho * k0 * (fco2_air - fco2_sea) * 1e-6
    return flux, p_air, kw


def co2_flux(
    dic,
    alk,
    temperature,
    salinity,
    u10_squared_mean,
    xco2_ppm,
    pressure_atm=1.0,
    ice_fraction=0.0,
    gas_transfer_scale=1.0,
    silicate=0.0,
    phosphate=0.0,
):
    """Air-sea CO2 flux from surface DIC and TA (umol kg-1), temperature (deg C), salinity,
    <U10^2> (m2 s-2), atmospheric dry-air xCO2 (ppm), sea-level pressure (atm), ice fraction
    (0-1, flux scaled by 1 - ice), a multiplier on k_w, silicate and phosphate (umol kg-1).

    Returns :class:`AirSeaFlux` with ``flux`` in mol m-2 s-1, positive INTO the ocean.
    Pure, jit/vmap/grad-safe (the carbonate solve is differentiated implicitly).
    """
    sea = solve_carbonate(dic, alk, temperature, salinity, 0.0, silicate, phosphate)
    flux, p_air, kw = co2_flux_from_fco2(
        sea.fco2,
        temperature,
        salinity,
        u10_squared_mean,
        xco2_ppm,
        pressure_atm,
        ice_fraction,
        gas_transfer_scale,
    )
    return AirSeaFlux(flux=flux, pco2_sea=sea.pco2, pco2_air=p_air, kw=kw)
