"""The ecosystem reaction step: process rates, a positivity-preserving limiter and the tendencies.

Every process is a reaction with fixed stoichiometry (:mod:`.stoichiometry`) and a non-negative
rate. Over a step dt the extents r_p dt are limited so that no tracer goes negative: tracer i's
total demand D_i = sum_p max(-s_ip, 0) r_p dt is compared with its concentration c_i, giving
f_i = min(1, c_i / D_i), and each process is scaled by the smallest f_i among the tracers it
consumes. Processes are applied whole, so the limiter never breaks conservation (the same idea as
the positivity-preserving schemes of Burchard et al. 2003, applied to the explicit step).

Sediment pools take part as pseudo-tracers living in the bottom wet cell of each column (the column
amount divided by that cell's volume), so sediment remineralisation is limited by the same rule.
Rates follow the module docstrings of :mod:`.light` and :mod:`.iron` and the parameter table
(:mod:`.parameters`): Eppley (1972) temperature dependence for growth, Q10 for heterotrophic
processes, Liebig minimum of Monod limitations (BLING/PISCES style), Smith (1936) light limitation,
Holling III grazing, O2-limited aerobic remineralisation, CaCO3 production tied to small-phytoplankton
production by the rain ratio when Omega_calcite > 1 and dissolution when Omega_calcite < 1.
"""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from ..chemistry.insitu import insitu_carbonate
from ..state import reacting_fields
from ..stored import stored_cotangent
from .iron import scavenging_rate
from .light import layer_mean_light, light_limitation, surface_par
from .stoichiometry import N_TO_C, SEDIMENT_POOLS, processes

SECONDS_PER_DAY = 86400.0
FLUX_NAMES = ("primary_production", "calcification", "rdoc_production", "burial_carbon",
              "export_poc_100m", "export_poc_mld")


class Reactions(NamedTuple):
    dc: jnp.ndarray          # (ntr, nz, ny, nx) concentration change over the step
    dsediment: jnp.ndarray   # (ntr, ny, nx) change of the sediment column amounts (tracer units * m3)
    external: jnp.ndarray    # (ntr,) amount entering (+) or leaving (-) the system (tracer units * m3)
    burial: jnp.ndarray      # (ntr,) amount buried from the sediment
    fluxes: dict             # name -> (ny, nx) column integrals over the step (mmol m-2)


def monod(x, k):
    return x / (k + x)


def rates(x, par, omega, p, switches) -> dict:
    """Process rates (extent per m3 per day) from non-negative concentrations ``x`` (name -> array),
    layer-mean PAR (W m-2) and Omega_calcite (or None)."""
    temp = x["temperature"]
    autotroph = jnp.exp(p["eppley"] * temp)
    hetero = jnp.exp(jnp.log(p["q10"]) * ((temp - 20.0) / 10.0))   # q10 ** ((T - 20) / 10), one exp per cell
    oxic = monod(x["o2"], p["k_o2"])
    r = {}
    for kind, extra in (("phy", None), ("dia", "sio4")):
        mu = p[f"{kind}_mu0"] * autotroph
        lim = jnp.minimum(jnp.minimum(monod(x["no3"], p[f"{kind}_k_no3"]), monod(x["po4"], p[f"{kind}_k_po4"])),
                          monod(x["fe"], p[f"{kind}_k_fe"]))
        if extra:
            lim = jnp.minimum(lim, monod(x[extra], p[f"{kind}_k_{extra}"]))
        r[f"growth_{kind}"] = mu * light_limitation(par, p["alpha"], mu) * lim * x[kind]
        r[f"mortality_{kind}"] = p[f"{kind}_mortality"] * x[kind]
        r[f"aggregation_{kind}"] = p[f"{kind}_aggregation"] * x[kind] ** 2
    r["hydrolysis_poc"] = p["poc_remin"] * hetero * x["poc"]
    doc_loss = p["doc_remin"] * hetero * oxic * x["doc"]
    r["dissolution_bsi"] = p["bsi_dissolution"] * hetero * x["bsi"]
    if switches.grazing:
        food = p["pref_phy"] * x["phy"] ** 2 + p["pref_dia"] * x["dia"] ** 2
        per_food = p["graze_max"] * hetero * x["zoo"] / (p["graze_k"] ** 2 + food)
        for kind in ("phy", "dia"):
            ingestion = per_food * p[f"pref_{kind}"] * x[kind] ** 2
            r[f"grazing_{kind}"] = p["assimilation"] * ingestion
            r[f"egestion_{kind}"] = (1.0 - p["assimilation"]) * ingestion
        excretion = p["zoo_excretion"] * hetero * x["zoo"]
        r["respiration_zoo"] = (1.0 - p["zoo_doc_fraction"]) * excretion
        r["excretion_zoo"] = p["zoo_doc_fraction"] * excretion
        r["mortality_zoo"] = p["zoo_mortality"] * x["zoo"] ** 2
    if switches.mcp:
        r["mcp"] = p["mcp_fraction"] * doc_loss
        r["remin_doc"] = (1.0 - p["mcp_fraction"]) * doc_loss
        r["remin_rdoc"] = oxic * x["rdoc"] / (p["rdoc_lifetime"] * 365.25)
    else:
        r["remin_doc"] = doc_loss
    undersaturation = 0.0
    if switches.calcite:
        excess = jnp.maximum(omega - 1.0, 0.0)
        undersaturation = jnp.maximum(1.0 - omega, 0.0)
        # tied to the unlimited growth rate: where the limiter cuts growth within a step (a nutrient
        # exhausted), CaCO3 may form above the rain ratio for that step; conservation is unaffected
        r["calcification"] = p["rain_ratio"] * r["growth_phy"] * excess / (p["calcification_k_omega"] + excess)
        r["dissolution_pic"] = p["pic_dissolution"] * undersaturation * x["pic"]
    if switches.iron_scavenging:
        r["scavenging"] = scavenging_rate(x["fe"], x["poc"], p)
    if switches.sediment:
        r["sed_remin_poc"] = p["sed_remin"] * hetero * oxic * x["sed_poc"]
        r["sed_dissolution_pic"] = p["sed_pic_dissolution"] * undersaturation * x["sed_pic"]
        r["sed_dissolution_bsi"] = p["sed_bsi_dissolution"] * hetero * x["sed_bsi"]
        for pool in SEDIMENT_POOLS:
            r[f"sed_burial_{pool}"] = p["sed_burial_rate"] * x[f"sed_{pool}"]
    return r


def limited_extents(x, r, network, p, dt_days) -> tuple[dict, dict]:
    """Reaction extents over the step, each process scaled so that no tracer it consumes can go
    below zero (module docstring). Returns the extents and the stoichiometric coefficients.

    In reverse mode every tracer's cotangent reads the cotangents of most rates, factors and
    extents (the network couples them all), and XLA's CPU fusion formed each tracer's cotangent in
    its own kernel from up to ~200 stored arrays, recomputing the shared ones. So the rates (by the
    caller), the factors and the extents keep their cotangents stored
    (:func:`oceancdr.stored.stored_cotangent`, the identity in a forward run): the ecosystem's
    36-step gradient took 11-14 % less time (docs/performance.md)."""
    coef = {name: network[name](p) for name in r}
    demand = {}
    for name, s in coef.items():
        for tracer, v in s.items():
            demand[tracer] = demand.get(tracer, 0.0) + jnp.maximum(-v, 0.0) * r[name] * dt_days
    factor = stored_cotangent({k: jnp.where(d > x[k], x[k] / jnp.where(d > 0, d, 1.0), 1.0)
                               for k, d in demand.items()})
    extents = {}
    for name, s in coef.items():
        f = 1.0
        for tracer, v in s.items():
            f = jnp.minimum(f, jnp.where(v < 0, factor[tracer], 1.0))
        extents[name] = r[name] * dt_days * f
    return stored_cotangent(extents), coef


def reactions(c, sediment, t, p, forcing, grid, registry, switches, dt, carbonate=None) -> Reactions:
    """One reaction step of length ``dt`` (s) for the ecosystem, CaCO3, iron and sediment.
    ``carbonate``: the in-situ carbonate state of ``c`` if the caller has solved it already."""
    wet = grid.mask
    names = registry.names
    # scalar coefficients in the run precision (float32 runs stay float32); budgets stay float64
    p = {k: jnp.asarray(v, c.dtype) if jnp.ndim(v) == 0 else v for k, v in p.items()}
    x = reacting_fields(c, registry)
    thickness = grid.dz[:, None, None] * grid.hfac
    below_wet = jnp.concatenate([wet[1:], jnp.zeros_like(wet[:1])], 0)
    bottom = wet * (1.0 - below_wet)
    bottom_volume = jnp.where(bottom > 0, grid.volume, 1.0)
    if switches.sediment:
        for pool in SEDIMENT_POOLS:
            x[f"sed_{pool}"] = bottom * jnp.maximum(sediment[registry.index(pool)], 0.0) / bottom_volume

    attenuation = p["kw_light"] + p["kc_light"] * N_TO_C * (x["phy"] + x["dia"])
    par0 = surface_par(t + 0.5 * dt, forcing.start_day_of_year, grid.lon, grid.lat, p)
    par = layer_mean_light(par0, attenuation, thickness)
    omega = None
    if switches.calcite:
        carbonate = insitu_carbonate(x, grid) if carbonate is None else carbonate
        omega = jnp.where(wet > 0, carbonate.omega_calcite, 1.0)

    network = processes(switches)
    r = stored_cotangent({k: v * wet for k, v in rates(x, par, omega, p, switches).items()})
    extents, coef = limited_extents(x, r, network, p, dt / SECONDS_PER_DAY)

    change = {}
    for name, s in coef.items():
        for tracer, v in s.items():
            change[tracer] = change.get(tracer, 0.0) + v * extents[name]
    # external inputs: soluble dust iron into the top layer, iron released by sediment diagenesis
    top_thickness = jnp.where(wet[0] > 0, thickness[0], 1.0)
    dust = jnp.zeros_like(wet).at[0].set((wet[0] * p["dust_fe"] * (dt / SECONDS_PER_DAY) / top_thickness)
                                         .astype(wet.dtype)) if switches.dust else 0.0
    sed_fe = p["sediment_fe"] * extents["sed_remin_poc"] if switches.sediment and switches.sediment_iron else 0.0
    change["fe"] = change.get("fe", 0.0) + dust + sed_fe

    vol64 = grid.volume.astype(jnp.float64)
    dc = jnp.stack([jnp.asarray(change.get(n, jnp.zeros_like(c[0])), c.dtype) * wet for n in names])
    dsed = jnp.zeros_like(sediment)
    burial = jnp.zeros(len(names), jnp.float64)
    if switches.sediment:
        for pool in SEDIMENT_POOLS:
            i = registry.index(pool)
            dsed = dsed.at[i].set((change[f"sed_{pool}"] * bottom * grid.volume).sum(0).astype(sediment.dtype))
            burial = burial.at[i].set((extents[f"sed_burial_{pool}"] * vol64).sum())
    external = jnp.zeros(len(names), jnp.float64)
    fe_external = (jnp.asarray(dust + sed_fe) * vol64).sum()
    if switches.iron_scavenging:
        fe_external = fe_external - (extents["scavenging"] * vol64).sum()
    external = external.at[registry.index("fe")].set(fe_external)

    def column(rate):
        return (rate * thickness).sum(0).astype(jnp.float64)

    fluxes = {"primary_production": column(extents["growth_phy"] + extents["growth_dia"]),
              "calcification": column(extents["calcification"]) if switches.calcite else 0.0,
              "rdoc_production": column(extents["mcp"]) if switches.mcp else 0.0,
              "burial_carbon": column(extents["sed_burial_poc"] + extents["sed_burial_pic"])
              if switches.sediment else 0.0}
    return Reactions(dc=dc, dsediment=dsed, external=external, burial=burial,
                     fluxes={k: jnp.broadcast_to(jnp.asarray(v, jnp.float64), grid.area.shape) for k, v in fluxes.items()})

