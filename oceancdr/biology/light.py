"""Light: surface PAR with its seasonal and daily cycle, and its attenuation in the water column.

Surface shortwave is top-of-atmosphere insolation times a bulk atmospheric transmission:
    I_sw = S0 * tau * max(cos Z, 0),   cos Z = sin(lat) sin(decl) + cos(lat) cos(decl) cos(h)
with the solar declination of Cooper (1969), decl = 23.45 deg sin(2 pi (284 + n) / 365), n the day
of the year (1 = 1 January), and the hour angle h = 15 deg (local solar time - 12 h), local solar
time = UTC + lon / 15 deg. PAR = par_fraction * I_sw (W m-2).

Underwater, attenuation is k = kw + kc * (phytoplankton N) (Fasham et al. 1990); the light used by a
layer is its mean over the layer thickness, I_top (1 - exp(-k dz)) / (k dz), so thick layers are not
biased. Only wet cells see light (land and below-bottom cells get zero).
"""
from __future__ import annotations

import jax.numpy as jnp
from jax import lax

SECONDS_PER_DAY = 86400.0


def solar_declination(day_of_year):
    """Solar declination (radians) on fractional day of year ``day_of_year`` (1 = 1 January 00:00),
    Cooper (1969)."""
    return jnp.radians(23.45) * jnp.sin(2 * jnp.pi * (284.0 + day_of_year) / 365.0)


def cos_zenith(day_of_year, utc_hours, lon_deg, lat_deg):
    """Cosine of the solar zenith angle (negative at night)."""
    decl = solar_declination(day_of_year)
    hour_angle = jnp.radians(15.0 * (utc_hours + lon_deg / 15.0 - 12.0))
    lat = jnp.radians(lat_deg)
    return jnp.sin(lat) * jnp.sin(decl) + jnp.cos(lat) * jnp.cos(decl) * jnp.cos(hour_angle)


def surface_par(t, start_day_of_year, lon, lat, p):
    """PAR just below the surface (W m-2) at model time ``t`` (s since the start, which is 00:00 UTC
    on day ``start_day_of_year`` + 1)."""
    day = start_day_of_year + 1.0 + t / SECONDS_PER_DAY
    utc_hours = jnp.mod(t / 3600.0, 24.0)
    mu = jnp.maximum(cos_zenith(day, utc_hours, lon, lat), 0.0)
    return p["par_fraction"] * p["atmospheric_transmission"] * p["solar_constant"] * mu


def layer_mean_light(par0, attenuation, thickness):
    """Mean PAR over each layer (nz, ny, nx), W m-2, from surface PAR (ny, nx), attenuation
    coefficients (nz, ny, nx, m-1) and wet layer thicknesses (nz, ny, nx, m; 0 below the bottom)."""
    optical = attenuation * thickness
    top = par0 * jnp.exp(-(jnp.cumsum(optical, axis=0) - optical))
    small = optical < 1e-6
    safe = jnp.where(small, 1.0, optical)
    mean_factor = jnp.where(small, 1.0 - 0.5 * optical, -jnp.expm1(-safe) / safe)
    return jnp.where(thickness > 0, top * mean_factor, 0.0)


def light_limitation(par, alpha, mu_max):
    """Smith (1936) growth-irradiance curve: alpha I / sqrt(mu_max^2 + (alpha I)^2), in [0, 1).
    alpha in (W m-2)-1 d-1, mu_max in d-1."""
    ai = alpha * par
    return ai * lax.rsqrt(mu_max**2 + ai**2 + 1e-30)
