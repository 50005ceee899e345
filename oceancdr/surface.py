"""Surface processes: fluxes into the top layer, each returning (ntracer, ny, nx) in tracer units
times m s-1 (mmol m-2 s-1 for carbon), positive into the ocean.

* :func:`sst_restoring`: heat flux as restoring of the top-layer temperature to a seasonal SST.
* :func:`airsea_co2`: CO2 gas exchange of Wanninkhof (2014) on DIC, computed from the top-layer
  DIC, TA, temperature and salinity with the model's carbonate solver (oceancdr.chemistry).
"""
from __future__ import annotations

import jax.numpy as jnp

from .chemistry.airsea import co2_flux
from .chemistry.density import density, mmol_m3_to_umol_kg


def sst_restoring(c, t, p, forcing, grid, registry):
    """F_T = v_r (T_target(t) - T_top), degC m s-1, with v_r = params['sst_restoring'] (m s-1)."""
    i = registry.index("temperature")
    target = forcing.surface_temperature(t, p)
    flux = jnp.zeros((len(registry),) + c.shape[2:], c.dtype)
    return flux.at[i].set((p["sst_restoring"] * (target - c[i, 0])).astype(c.dtype))


def surface_carbonate_inputs(c, registry):
    """Top-layer (dic, alk) in umol kg-1, temperature (degC) and salinity from the tracers."""
    temp, salt = c[registry.index("temperature"), 0], c[registry.index("salinity"), 0]
    rho = density(temp, salt, 0.0)
    dic = mmol_m3_to_umol_kg(c[registry.index("dic"), 0], rho)
    alk = mmol_m3_to_umol_kg(c[registry.index("alk"), 0], rho)
    return dic, alk, temp, salt


def airsea_co2(c, t, p, forcing, grid, registry):
    """DIC flux from the atmosphere, mmol m-2 s-1 (W14 transfer velocity with <U10^2> =
    wind_speed^2, Weiss 1974 solubility, Weiss & Price 1980 water vapour, times 1 - ice)."""
    flux = co2_exchange(c, t, p, forcing, registry).flux
    out = jnp.zeros((len(registry),) + c.shape[2:], c.dtype)
    return out.at[registry.index("dic")].set((1e3 * flux).astype(c.dtype))


def co2_exchange(c, t, p, forcing, registry):
    """Air-sea CO2 exchange over the top layer: AirSeaFlux with ``flux`` (mol m-2 s-1, positive
    into the ocean), ``pco2_sea``, ``pco2_air`` (uatm) and ``kw`` (m s-1)."""
    dic, alk, temp, salt = surface_carbonate_inputs(c, registry)
    return co2_flux(dic, alk, temp, salt, p["wind_speed"] ** 2, forcing.xco2(t, p),
                    p["pressure_atm"], p["ice_fraction"], p["gas_transfer_scale"])
