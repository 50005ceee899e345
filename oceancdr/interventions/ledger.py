"""Accounting for interventions: element weights of their tracers and stocks, and the per-
intervention ledger written to summary.json.

Olivine tracers carry silicon (1 per mol), potential alkalinity (4 f), iron (2 (1 - f), in umol)
and nickel; their as-added companions carry nothing. Bivalve tissue counts as Redfield organic
matter (the weights of ``phy``) and shell as CaCO3 (those of ``pic``), so the element budgets close
over water, sediment, farms and the buried record. Ledger amounts are mol (material, TA, C, Fe).
"""
from __future__ import annotations

import numpy as np

from .build import material_mol
from .materials import MATERIALS
from .olivine import products

MMOL = 1e-3
PROXY = {"tissue": "phy", "shell": "pic"}


def element_weights(spec, registry, cfg) -> dict:
    """element -> {tracer: weight} to add to the ecosystem's element weights."""
    out = {"silicon": {}, "alkalinity": {}, "iron": {}, "nickel": {}}
    by_name = {iv.name: iv for iv in cfg.interventions}
    for ol in spec.olivine:
        prod = products(by_name[ol.name].olivine.forsterite_fraction, by_name[ol.name].olivine.nickel_ppm)
        for cl in ol.classes:
            name = registry.names[cl.remaining]
            out["silicon"][name] = prod["sio4"]
            out["alkalinity"][name] = prod["alk"]
            out["iron"][name] = prod["fe"]
            out["nickel"][name] = prod["ni"]
    if spec.olivine:
        out["nickel"]["ni"] = 1.0
    return {k: v for k, v in out.items() if v}


def stock_inventory(state, spec, registry) -> np.ndarray:
    """(ntr,) farm stocks booked on their proxy tracers (tracer units * m3)."""
    inv = np.zeros(len(registry))
    for f in spec.farms:
        for part, proxy in PROXY.items():
            inv[registry.index(proxy)] += float(np.asarray(state.stocks[f"{f.name}_{part}"]).sum())
    return inv


def _area_total(state0, state1, name, area) -> float:
    """mol of a column rate accumulated between two states."""
    return float(((np.asarray(state1.fluxes[name]) - np.asarray(state0.fluxes[name])) * area).sum() * MMOL)


def summary(model, state0, state1) -> list:
    """One ledger entry per configured intervention (mol unless named otherwise)."""
    cfg, spec, reg = model.cfg, model.step_config.interventions, model.registry
    grid = model.grid
    area = np.asarray(grid.area, float)
    vol = np.asarray(grid.volume, float)
    releases = {r.name: r for r in spec.releases}
    olivine = {o.name: o for o in spec.olivine}
    p = model.params
    out = []
    for iv in cfg.interventions:
        entry = {"name": iv.name, "type": iv.type}
        if iv.name in releases:
            r = releases[iv.name]
            amount = float(p[f"{iv.name}.amount_mol"])
            shares = np.asarray(model.forcing.interventions["fraction"][r.row])
            first, last = (min(int(s.step), len(shares) - 1) for s in (state0, state1))
            share = float(shares[first:last].sum())
            entry |= {"material": iv.material, "configured_mol": material_mol(iv), "amount_mol_param": amount,
                      "delivered_mol": amount * share, "delivered_fraction": share}
        if iv.type == "alkalinity":
            m = MATERIALS[iv.material]
            entry |= {"alkalinity_added_mol": entry["delivered_mol"] * m.alkalinity_per_mol,
                      "cations_added_mol": {k: entry["delivered_mol"] * v for k, v in m.cations.items()}}
        elif iv.type == "iron":
            entry |= {"iron_added_mol": entry["delivered_mol"] * MATERIALS[iv.material].iron_per_mol}
        elif iv.type == "olivine":
            entry |= _olivine(iv, olivine[iv.name], state0, state1, reg, vol, area)
        elif iv.type == "bivalve_farm":
            entry |= _farm(iv.name, state0, state1, area)
        out.append(entry)
    if spec.precipitation:
        caco3 = _area_total(state0, state1, "secondary_precipitation", area)
        out.append({"name": "secondary_precipitation", "type": "loss", "caco3_mol": caco3,
                    "alkalinity_removed_mol": 2.0 * caco3, "dic_removed_mol": caco3})
    return out


def _olivine(iv, ol, s0, s1, reg, vol, area) -> dict:
    """Olivine mass balance: added = change in water and sediment + dissolved + buried - boundary."""
    idx = [cl.remaining for cl in ol.classes]
    def water(s):
        return float(sum((np.asarray(s.c[i], float) * vol).sum() for i in idx)) * MMOL

    def sediment(s):
        return float(sum(np.asarray(s.sediment[i], float).sum() for i in idx)) * MMOL

    def term(k):
        return float(sum(np.asarray(s1.budget[k][i]) - np.asarray(s0.budget[k][i]) for i in idx)) * MMOL

    added, boundary, buried = term("added"), term("boundary"), term("burial")
    dissolved = _area_total(s0, s1, f"{iv.name}_dissolution", area)
    change = water(s1) - water(s0) + sediment(s1) - sediment(s0)
    residual = added + boundary - change - dissolved - buried
    scale = max(abs(added), abs(change), abs(dissolved), 1e-300)
    prod = products(iv.olivine.forsterite_fraction, iv.olivine.nickel_ppm)
    return {"olivine_added_mol": added, "remaining_in_water_mol": water(s1), "remaining_in_sediment_mol": sediment(s1),
            "dissolved_mol": dissolved, "buried_mol": buried, "boundary_net_inflow_mol": boundary,
            "dissolved_fraction": dissolved / added if added > 0 else None,
            "mass_balance_relative_residual": abs(residual) / scale,
            "released_mol": {"alkalinity": dissolved * prod["alk"], "silicon": dissolved * prod["sio4"],
                             "iron": dissolved * prod["fe"] * 1e-3, "nickel": dissolved * prod["ni"] * 1e-3}}


def _farm(name, s0, s1, area) -> dict:
    """The farm's carbon ledger in the pools of SCIENCE.md section 7 (mol C)."""
    flux = {k: _area_total(s0, s1, f"{name}_{k}", area) for k in
            ("ingestion", "biodeposition", "excretion", "respiration", "calcification", "seed", "harvest")}
    stock = {k: float(np.asarray(s1.stocks[f"{name}_{k}"]).sum() - np.asarray(s0.stocks[f"{name}_{k}"]).sum()) * MMOL
             for k in ("tissue", "shell")}
    final = {k: float(np.asarray(s1.stocks[f"{name}_{k}"]).sum()) * MMOL for k in ("tissue", "shell")}
    # tissue: seed + ingestion - biodeposition - excretion - respiration = change + harvested tissue;
    # shell: calcification = change + harvested shell
    residual = (flux["seed"] + flux["ingestion"] - flux["biodeposition"] - flux["excretion"] - flux["respiration"]
                + flux["calcification"] - stock["tissue"] - stock["shell"] - flux["harvest"])
    scale = max(abs(flux["ingestion"]), abs(flux["seed"]), abs(flux["calcification"]), 1e-300)
    return {"carbon_mol": flux | {"tissue_stock_final": final["tissue"], "shell_stock_final": final["shell"]},
            "pools_mol_c": {"used": flux["ingestion"], "removed": flux["harvest"],
                            "stored": flux["biodeposition"] + final["shell"],
                            "released_to_water": flux["respiration"] + flux["excretion"],
                            "released_to_atmosphere": "not computed in a single run: needs the paired counterfactual run"},
            "ledger_relative_residual": abs(residual) / scale}
