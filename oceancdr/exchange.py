"""Boxes and moorings: lateral exchange with salinity-mixing end-members and prescribed production.

A well-mixed box at a coastal mooring exchanges water with its surroundings faster than anything
else changes it, and without an ecosystem its net community production (NCP) must be prescribed.
Both are local, pure functions of the tracers returning a tendency ``dc`` (ntracer, nz, ny, nx) over
one step ``dt``; :func:`oceancdr.model.make_step` applies them after the reactions and before the
surface fluxes (static switches ``StepConfig.exchange`` and ``StepConfig.production``).

**End-member exchange** (:func:`endmember_exchange`). DIC and TA of every wet cell relax toward
the mixture of an ocean and a river end-member at the cell's own salinity S (conservative
two-end-member mixing; Gulf of Maine rivers carry little alkalinity, a few hundred umol kg-1:
Salisbury et al. 2008, Eos 89, 513; Hunt et al. 2011, Biogeosciences 8, 3069):

    C_end = C_river + (C_ocean - C_river) S / S_ocean                  (umol kg-1)

converted to mmol m-3 with the EOS-80 density at the cell's T, S and zero pressure, and the exact
solution of dC/dt = (C_end - C) / tau over the step (unconditionally stable for any tau):

    C_new = C_end + (C - C_end) exp(-dt / tau).

The change is water exchanged across an unresolved boundary and is booked in ``budget["boundary"]``.

**Prescribed production** (:func:`prescribed_production`). In every wet cell

    NCP(t) = mean + amplitude cos(2 pi (day_of_year(t) - peak_day) / 365.25)   (mmol C m-3 d-1)

removes DIC, adds TA at N:C = 16/106 (nitrate assimilation consumes H+; Wolf-Gladrow et al. 2007,
Mar. Chem. 106, 287) and O2 at 138/106 per C when an ``o2`` tracer exists, all integrated exactly
over the step (the integral of the cosine, not a rectangle rule). The organic matter and the
nitrate are not modelled: the changes are booked in ``budget["sources"]`` (per tracer) and in
``budget["external"]`` (they leave or enter the modelled system), so the per-tracer budgets and
the element budgets of :mod:`oceancdr.diagnostics` (carbon, potential alkalinity, the oxygen
combination) close to round-off.

Parameters (``params``, float64 scalars, present only when the process is enabled):
``exchange_timescale`` (s), ``exchange_ocean_salinity`` (PSS-78), ``exchange_ocean_dic``,
``exchange_ocean_alk``, ``exchange_river_dic``, ``exchange_river_alk`` (umol kg-1);
``production_mean``, ``production_amplitude`` (mmol C m-3 d-1: per day, as in the config),
``production_peak_day`` (day of year).
"""
from __future__ import annotations

import jax.numpy as jnp

from .biology.stoichiometry import N_TO_C, O2_PER_C
from .chemistry.density import density, umol_kg_to_mmol_m3
from .forcing import DAYS_PER_YEAR, SECONDS_PER_DAY

EXCHANGE_PARAMS = ("exchange_timescale", "exchange_ocean_salinity", "exchange_ocean_dic", "exchange_ocean_alk",
                   "exchange_river_dic", "exchange_river_alk")
PRODUCTION_PARAMS = ("production_mean", "production_amplitude", "production_peak_day")


def exchange_params(cfg) -> dict:
    """The end-member exchange parameters (SI: timescale in s; end-members in umol kg-1) from
    ``cfg.exchange``, or {} when it is disabled."""
    e = cfg.exchange
    if not e.enabled:
        return {}
    return dict(exchange_timescale=e.timescale_days * SECONDS_PER_DAY, exchange_ocean_salinity=e.ocean_salinity,
                exchange_ocean_dic=e.ocean_dic_umol_kg, exchange_ocean_alk=e.ocean_alk_umol_kg,
                exchange_river_dic=e.river_dic_umol_kg, exchange_river_alk=e.river_alk_umol_kg)


def production_params(cfg) -> dict:
    """The prescribed-production parameters (mmol C m-3 d-1 and day of year) from
    ``cfg.production``, or {} when it is disabled."""
    q = cfg.production
    if not q.enabled:
        return {}
    return dict(production_mean=q.mean_mmol_m3_d, production_amplitude=q.amplitude_mmol_m3_d,
                production_peak_day=q.peak_day)


def endmember(temperature, salinity, p):
    """(DIC, TA) of the salinity-mixing end-member, mmol m-3, at ``temperature`` (degC) and
    ``salinity``: C_river + (C_ocean - C_river) S / S_ocean in umol kg-1 times rho / 1000."""
    fraction = salinity / p["exchange_ocean_salinity"]
    rho = density(temperature, salinity, 0.0)
    dic = p["exchange_river_dic"] + (p["exchange_ocean_dic"] - p["exchange_river_dic"]) * fraction
    alk = p["exchange_river_alk"] + (p["exchange_ocean_alk"] - p["exchange_river_alk"]) * fraction
    return umol_kg_to_mmol_m3(dic, rho), umol_kg_to_mmol_m3(alk, rho)


def endmember_exchange(c, p, grid, registry, dt):
    """Tendency over one step (mmol m-3, zero on land and for other tracers) of the exact
    relaxation C_new = C_end + (C - C_end) exp(-dt / tau) of dic and alk toward :func:`endmember`
    at each cell's temperature and salinity."""
    temp, salt = c[registry.index("temperature")], c[registry.index("salinity")]
    targets = endmember(temp, salt, p)
    relaxed = -jnp.expm1(-dt / p["exchange_timescale"])       # 1 - exp(-dt/tau), accurate for dt << tau
    dc = jnp.zeros_like(c)
    for name, target in zip(("dic", "alk"), targets):
        i = registry.index(name)
        dc = dc.at[i].set(((target - c[i]) * relaxed * grid.mask).astype(c.dtype))
    return dc


def production_amount(t, dt, p, forcing):
    """Integral of NCP over the step [t, t + dt] (mmol C m-3): mean * dt + amplitude * the exact
    integral of the cosine, written 2 cos(mid-phase) sin(half-width) so that it stays accurate
    for steps much shorter than a year."""
    days = dt / SECONDS_PER_DAY
    omega = 2 * jnp.pi / DAYS_PER_YEAR
    mid = omega * (forcing.day_of_year(t + 0.5 * dt) - p["production_peak_day"])
    seasonal = 2.0 / omega * jnp.cos(mid) * jnp.sin(0.5 * omega * days)
    return p["production_mean"] * days + p["production_amplitude"] * seasonal


def prescribed_production(c, t, p, forcing, grid, registry, dt):
    """Tendency over one step (tracer units, zero on land) of prescribed NCP: dic -NCP, alk
    +N:C NCP, o2 +138/106 NCP (when there is an o2 tracer), NCP integrated over the step."""
    amount = production_amount(t, dt, p, forcing) * grid.mask
    dc = jnp.zeros_like(c)
    for name, per_c in (("dic", -1.0), ("alk", N_TO_C), ("o2", O2_PER_C)):
        if name in registry:
            dc = dc.at[registry.index(name)].set((per_c * amount).astype(c.dtype))
    return dc
