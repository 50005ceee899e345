"""The interventions inside the pure step: delivery of material, then their reactions.

:func:`deliver` adds this step's share of every release (params ``NAME.amount_mol`` times the
schedule share, spread by the release weights) to the water or the sediment store. :func:`react`
dissolves olivine in the water and in the sediment (:mod:`.olivine`), precipitates CaCO3 above the
threshold (:mod:`.precipitation`) and runs the bivalve farms (:mod:`.bivalves`). With every amount
zero, both leave the state unchanged bit for bit (they add exact zeros).
"""
from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from ..biology.stoichiometry import O2_PER_C, remineralisation
from .bivalves import farm_step
from .olivine import rimstidt_rate, shrink
from .precipitation import precipitation_extent

SECONDS_PER_DAY = 86400.0


class Delivery(NamedTuple):
    c: jnp.ndarray
    sediment: jnp.ndarray
    water: jnp.ndarray      # (ntr,) float64 added to the water (tracer units * m3)
    total: jnp.ndarray      # (ntr,) float64 added to water and sediment


def deliver(c, sediment, step_index, p, forcing, grid, spec) -> Delivery:
    arrays = forcing.interventions
    vol = jnp.where(grid.mask > 0, grid.volume, 1.0)
    water = jnp.zeros(c.shape[0], jnp.float64)
    total = jnp.zeros(c.shape[0], jnp.float64)
    n = arrays["fraction"].shape[1] - 1
    for r in spec.releases:
        mol = p[f"{r.name}.amount_mol"] * arrays["fraction"][r.row, jnp.minimum(step_index, n)]
        w = arrays["weight"][r.row]
        for i, per_mol in r.targets:
            amount = mol * per_mol
            if r.seabed:
                sediment = sediment.at[i].add((amount * w.sum(0)).astype(sediment.dtype))
            else:
                c = c.at[i].add((amount * w / vol).astype(c.dtype))
                water = water.at[i].add(amount)
            total = total.at[i].add(amount)
    return Delivery(c, sediment, water, total)


class Reactions(NamedTuple):
    dc: jnp.ndarray           # (ntr, nz, ny, nx) concentration change
    dsediment: jnp.ndarray    # (ntr, ny, nx) sediment column change (tracer units * m3)
    external: jnp.ndarray     # (ntr,) float64 entering (+) or leaving (-) the system
    burial: jnp.ndarray       # (ntr,) float64 buried from the sediment
    fluxes: dict              # name -> (ny, nx) column integral over the step (per m2)
    stocks: dict              # name -> (ny, nx) farm stocks after the step (mmol per column)


def react(c, sediment, stocks, step_index, p, forcing, grid, registry, spec, dt, carbonate) -> Reactions:
    """One step of intervention reactions; ``carbonate``: the in-situ carbonate state (or None)."""
    idx = registry.index
    dt_days = dt / SECONDS_PER_DAY
    p = {k: jnp.asarray(v, c.dtype) if jnp.ndim(v) == 0 else v for k, v in p.items()}
    wet = grid.mask
    vol = grid.volume
    safe_vol = jnp.where(wet > 0, vol, 1.0)
    thickness = grid.dz[:, None, None] * grid.hfac
    below_wet = jnp.concatenate([wet[1:], jnp.zeros_like(wet[:1])], 0)
    bottom = wet * (1.0 - below_wet)
    bottom_volume = jnp.where(bottom.sum(0) > 0, (bottom * vol).sum(0), 1.0)
    ntr = c.shape[0]
    dc = jnp.zeros_like(c)
    dsed = jnp.zeros_like(sediment)
    external = jnp.zeros(ntr, jnp.float64)
    burial = jnp.zeros(ntr, jnp.float64)
    fluxes, stocks = {}, dict(stocks)

    def column(x):
        """Column integral per m2 of a per-volume field."""
        return (x * thickness).sum(0).astype(jnp.float64)

    if spec.olivine:
        temp = c[idx("temperature")]
        rate = rimstidt_rate(temp, carbonate.ph) * wet
        rate_bottom = (rate * bottom).sum(0)
        keep = 1.0 - jnp.minimum(p["olivine_burial_rate"] * dt_days, 1.0)
    for ol in spec.olivine:
        in_water = 0.0
        in_sediment = 0.0
        for cl in ol.classes:
            m, m0 = jnp.maximum(c[cl.remaining], 0.0), jnp.maximum(c[cl.as_added], 0.0)
            gone, m0_new = shrink(m, m0, rate, 0.5 * cl.diameter_m, dt, p)
            gone = gone * wet
            dc = dc.at[cl.remaining].add(-gone).at[cl.as_added].add((m0_new - m0) * wet)
            ms, m0s = jnp.maximum(sediment[cl.remaining], 0.0), jnp.maximum(sediment[cl.as_added], 0.0)
            gone_s, m0s_new = shrink(ms, m0s, rate_bottom, 0.5 * cl.diameter_m, dt, p)
            buried, buried0 = (ms - gone_s) * (1.0 - keep), m0s_new * (1.0 - keep)
            dsed = dsed.at[cl.remaining].add(-gone_s - buried).at[cl.as_added].add(m0s_new - m0s - buried0)
            burial = burial.at[cl.remaining].add(buried.sum()).at[cl.as_added].add(buried0.sum())
            in_water = in_water + gone
            in_sediment = in_sediment + gone_s
        released = in_water + bottom * (in_sediment / bottom_volume)
        for i, per in ol.products:
            dc = dc.at[i].add(per * released)
        fluxes[f"{ol.name}_dissolution"] = column(in_water) + (in_sediment / grid.area).astype(jnp.float64)

    if spec.precipitation:
        e = precipitation_extent(carbonate.omega_aragonite, c[idx("dic")], c[idx("alk")], p, dt_days) * wet
        dc = dc.at[idx("dic")].add(-e).at[idx("alk")].add(-2.0 * e)
        lost = (e * vol).sum().astype(jnp.float64)
        external = external.at[idx("dic")].add(-lost).at[idx("alk")].add(-2.0 * lost)
        fluxes["secondary_precipitation"] = column(e)

    remin = remineralisation(p) if spec.farms else None
    for f in spec.farms:
        # what this farm sees: after precipitation and any farm before it in the same cells
        x = {k: c[idx(k)] + dc[idx(k)] for k in ("phy", "dia", "poc", "o2", "dic", "alk", "temperature")}
        density = p[f"{f.name}.density"] * forcing.interventions["individuals"][f.row]
        tissue, shell = stocks[f"{f.name}_tissue"], stocks[f"{f.name}_shell"]
        seed = jnp.where(step_index == f.start_step,
                         density.sum(0) * f.initial_weight_g * p["bivalve_carbon_per_dry_weight"], 0.0)
        tissue = tissue + seed
        active = (step_index >= f.start_step) & ((f.harvest_step < 0) | (step_index < f.harvest_step))
        s = farm_step(x, tissue, jnp.where(active, density, 0.0), vol, dt_days, p, O2_PER_C)
        s = s._replace(**{k: jax.tree_util.tree_map(lambda a: a.astype(c.dtype), getattr(s, k))
                          for k in ("ingested", "excretion", "respiration", "calcification")})
        for k, amount in s.ingested.items():
            dc = dc.at[idx(k)].add(-amount / safe_vol)
        dc = dc.at[idx("doc")].add(s.excretion / safe_vol)
        for k, coef in remin.items():
            dc = dc.at[idx(k)].add(coef * s.respiration / safe_vol)
        dc = dc.at[idx("dic")].add(-s.calcification / safe_vol).at[idx("alk")].add(-2.0 * s.calcification / safe_vol)
        dsed = dsed.at[idx("poc")].add(s.faeces).at[idx("bsi")].add(p["si_to_c"] * s.ingested["dia"].sum(0))
        tissue = tissue + s.growth
        shell = shell + s.calcification.sum(0)
        harvest = step_index == f.harvest_step - 1     # at the end of the step that reaches end_day
        cut_tissue, cut_shell = jnp.where(harvest, tissue, 0.0), jnp.where(harvest, shell, 0.0)
        stocks[f"{f.name}_tissue"] = (tissue - cut_tissue).astype(jnp.float64)
        stocks[f"{f.name}_shell"] = (shell - cut_shell).astype(jnp.float64)
        external = external.at[idx("phy")].add((seed - cut_tissue).sum()).at[idx("pic")].add(-cut_shell.sum())
        per_m2 = {"ingestion": sum(s.ingested.values()).sum(0), "biodeposition": s.faeces,
                  "excretion": s.excretion.sum(0), "respiration": s.respiration.sum(0),
                  "calcification": s.calcification.sum(0), "seed": seed, "harvest": cut_tissue + cut_shell}
        fluxes.update({f"{f.name}_{k}": (v / grid.area).astype(jnp.float64) for k, v in per_m2.items()})
    return Reactions(dc * wet, dsed, external, burial, fluxes, stocks)
