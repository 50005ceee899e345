"""Surface processes: fluxes into the top layer, each returning (ntracer, ny, nx) in tracer units
times m s-1 (mmol m-2 s-1 for carbon), positive into the ocean.

* :func:`sst_restoring`: heat flux as restoring of the top-layer temperature to a seasonal SST
  or an observed series (:meth:`oceancdr.forcing.Forcing.surface_temperature`).
* :func:`sss_restoring`: salt flux as restoring of the top-layer salinity to an observed series.
* :func:`airsea_co2`: CO2 gas exchange of Wanninkhof (2014) on DIC, computed from the top-layer
  DIC, TA, temperature and salinity with the model's carbonate solver (oceancdr.chemistry).
* :func:`airsea_o2`: O2 gas exchange towards Garcia & Gordon (1992) saturation, Wanninkhof (2014)
  transfer velocity with the O2 Schmidt number.
"""
from __future__ import annotations

import jax.numpy as jnp

from .chemistry.airsea import co2_flux, transfer_velocity_w14
from .chemistry.density import density, mmol_m3_to_umol_kg
from .chemistry.oxygen import o2_saturation, schmidt_o2
from .stored import stored_cotangent


def sst_restoring(c, t, p, forcing, grid, registry):
    """F_T = v_r (T_target(t) - T_top), degC m s-1, with v_r = params['sst_restoring'] (m s-1)."""
    i = registry.index("temperature")
    target = forcing.surface_temperature(t, p)
    flux = jnp.zeros((len(registry),) + c.shape[2:], c.dtype)
    return flux.at[i].set((p["sst_restoring"] * (target - c[i, 0])).astype(c.dtype))


def sss_restoring(c, t, p, forcing, grid, registry):
    """F_S = v_s (S_target(t) - S_top), m s-1 (salinity units), with v_s = params['sss_restoring']
    (m s-1) and S_target the observed surface series (a virtual salt flux standing in for the
    unresolved river and tidal exchange that set the observed salinity)."""
    i = registry.index("salinity")
    target = forcing.surface_salinity(t, p)
    flux = jnp.zeros((len(registry),) + c.shape[2:], c.dtype)
    return flux.at[i].set((p["sss_restoring"] * (target - c[i, 0])).astype(c.dtype))


def surface_carbonate_inputs(c, registry):
    """Top-layer dic, alk, silicate, phosphate (umol kg-1; nutrients 0 without those tracers),
    temperature (degC) and salinity from the tracers."""
    temp, salt = c[registry.index("temperature"), 0], c[registry.index("salinity"), 0]
    rho = density(temp, salt, 0.0)

    def umol_kg(name):
        return mmol_m3_to_umol_kg(c[registry.index(name), 0], rho) if name in registry else 0.0

    return umol_kg("dic"), umol_kg("alk"), umol_kg("sio4"), umol_kg("po4"), temp, salt


def airsea_co2(c, t, p, forcing, grid, registry):
    """DIC flux from the atmosphere, mmol m-2 s-1 (W14 transfer velocity with <U10^2> =
    wind_speed^2, the wind from :meth:`oceancdr.forcing.Forcing.wind_speed`; Weiss 1974
    solubility, Weiss & Price 1980 water vapour, times 1 - ice)."""
    flux = co2_exchange(c, t, p, forcing, registry).flux
    out = jnp.zeros((len(registry),) + c.shape[2:], c.dtype)
    return out.at[registry.index("dic")].set((1e3 * flux).astype(c.dtype))


def co2_exchange(c, t, p, forcing, registry):
    """Air-sea CO2 exchange over the top layer: AirSeaFlux with ``flux`` (mol m-2 s-1, positive
    into the ocean), ``pco2_sea``, ``pco2_air`` (uatm) and ``kw`` (m s-1)."""
    # the solve's adjoint is formed once (without the store, XLA recomputed it for every tracer)
    dic, alk, sio4, po4, temp, salt = stored_cotangent(surface_carbonate_inputs(c, registry))
    return co2_flux(dic, alk, temp, salt, forcing.wind_speed(t, p) ** 2, forcing.xco2(t, p),
                    p["pressure_atm"], p["ice_fraction"], p["gas_transfer_scale"], sio4, po4)


def airsea_o2(c, t, p, forcing, grid, registry):
    """O2 flux from the atmosphere, mmol m-2 s-1: (1 - ice) k_w (O2_sat - O2_top), O2_sat in
    mmol m-3 (umol kg-1 times the surface density) scaled by the sea-level pressure (atm)."""
    temp, salt = c[registry.index("temperature"), 0], c[registry.index("salinity"), 0]
    o2 = registry.index("o2")
    saturation = o2_saturation(temp, salt) * density(temp, salt, 0.0) * 1e-3 * p["pressure_atm"]
    kw = transfer_velocity_w14(forcing.wind_speed(t, p) ** 2, schmidt_o2(temp), p["gas_transfer_scale"])
    flux = (1.0 - p["ice_fraction"]) * kw * (saturation - c[o2, 0])
    out = jnp.zeros((len(registry),) + c.shape[2:], c.dtype)
    return out.at[o2].set(flux.astype(c.dtype))
