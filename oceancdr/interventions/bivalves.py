"""Suspension-feeding bivalve farms: filtration, assimilation, respiration, growth, shells, harvest.

Per individual of dry tissue weight W (g) at temperature T (SCIENCE.md section 7):
* clearance CR = c_max W^b max(1 - a (T - T_opt)^2, 0) m3 d-1 (allometric, parabolic in T: the
  form of Bougrier et al. 1995, magnitude of Ehrich & Harris 2015); the N animals in a cell of
  volume V remove the fraction 1 - exp(-CR N dt / V) of the phytoplankton and detritus there
  (exact for a well-mixed cell over the step, never more than is present);
* ingestion I = faeces F + excretion U + respiration R + growth G, with F = (1 - AE) I deposited
  on the seabed below the farm (biodeposits: organic carbon with its N, P, Fe, and the diatoms'
  silica), U = e AE I released as DOC, R = r W^0.75 Q10^((T - 20) / 10) oxidised to DIC and
  nutrients (O2 consumed), G = AE I - U - R added to (or, when negative, taken from) the tissue;
* shell: s max(G, 0) mol CaCO3 formed per mol tissue carbon grown, each removing 2 TA and 1 DIC
  from the water (the CO2 released by calcification then follows from the carbonate chemistry);
* harvest on the schedule's end day removes all tissue and shell carbon from the system.
Tissue is Redfield organic matter (as its food) so carbon, nitrogen, phosphorus, iron, alkalinity
and oxygen stay conserved; seeding and harvest are the only external terms.
"""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp


class FarmStep(NamedTuple):
    ingested: dict       # food tracer -> amount removed per cell (tracer units * m3)
    faeces: jnp.ndarray  # (ny, nx) organic carbon deposited per column (mmol)
    excretion: jnp.ndarray   # (nz, ny, nx) DOC released per cell (mmol)
    respiration: jnp.ndarray  # (nz, ny, nx) tissue carbon respired per cell (mmol)
    calcification: jnp.ndarray  # (nz, ny, nx) CaCO3 formed per cell (mmol)
    growth: jnp.ndarray  # (ny, nx) tissue carbon change per column (mmol)


def clearance_rate(weight_g, temperature, p):
    """m3 d-1 per individual."""
    shape = jnp.maximum(1.0 - p["bivalve_temperature_curvature"] * (temperature - p["bivalve_optimum_temperature"]) ** 2, 0.0)
    return p["bivalve_clearance"] * weight_g ** p["bivalve_clearance_exponent"] * shape


def respiration_rate(weight_g, temperature, p):
    """mmol C d-1 per individual."""
    return (p["bivalve_respiration"] * weight_g ** p["bivalve_respiration_exponent"]
            * jnp.exp(jnp.log(p["bivalve_q10"]) * ((temperature - 20.0) / 10.0)))


def farm_step(x, tissue, individuals, volume, dt_days, p, o2_per_c) -> FarmStep:
    """One step of a farm. ``x``: concentrations (phy, dia, poc, o2, dic, alk, temperature) in
    the cells (nz, ny, nx); ``tissue``: tissue carbon per column (mmol); ``individuals``: animals
    per cell. Respiration is limited by the O2 present, shell growth by DIC and TA."""
    n_col = individuals.sum(0)
    farm = n_col > 0
    weight = jnp.maximum(tissue, 0.0) / jnp.where(farm, n_col * p["bivalve_carbon_per_dry_weight"], 1.0)
    fed = farm & (weight > 0)
    weight = jnp.where(fed, weight, 1.0)        # a placeholder where no animal lives: finite W^b gradients
    live = (individuals > 0) & fed
    vol = jnp.where(live, volume, 1.0)
    temp = x["temperature"]
    cleared = jnp.where(live, 1.0 - jnp.exp(-clearance_rate(weight, temp, p) * individuals * dt_days / vol), 0.0)
    ingested = {k: cleared * jnp.maximum(x[k], 0.0) * volume for k in ("phy", "dia", "poc")}
    food = ingested["phy"] + ingested["dia"] + ingested["poc"]
    assimilated = p["bivalve_assimilation"] * food
    excretion = p["bivalve_excretion"] * assimilated
    demand = jnp.where(live, respiration_rate(weight, temp, p) * individuals * dt_days, 0.0)
    # tissue plus this step's net assimilation bounds respiration, per column; O2 bounds it per cell
    net = (assimilated - excretion).sum(0)
    budget = jnp.maximum(tissue + net, 0.0)
    total = demand.sum(0)
    column_cap = jnp.where(total > budget, budget / jnp.where(total > 0, total, 1.0), 1.0)
    o2 = jnp.maximum(x["o2"], 0.0) * volume
    respiration = jnp.minimum(demand * column_cap, o2 / o2_per_c)
    growth = net - respiration.sum(0)
    shell = p["bivalve_shell_ratio"] * jnp.maximum(growth, 0.0)
    share = jnp.where(live, individuals / jnp.where(farm, n_col, 1.0), 0.0)
    cap = jnp.minimum(jnp.maximum(x["dic"], 0.0), 0.5 * jnp.maximum(x["alk"], 0.0)) * volume
    calcification = jnp.minimum(shell * share, cap)
    faeces = (food - assimilated).sum(0)
    return FarmStep(ingested=ingested, faeces=faeces, excretion=excretion, respiration=respiration,
                    calcification=calcification, growth=growth)
