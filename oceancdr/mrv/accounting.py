"""From the time series of a paired run to the removal accounting of mrv.json (docs/mrv.md).

The chain (SCIENCE.md sections 4 and 8; CarbonPlan's OAE verification framework; the Planetary OAE
protocol): alkalinity released ALK -> theoretical maximum CDR_max = ALK x eta_max, with eta_max =
dDIC/dTA at constant pCO2 from the chemistry at the release site -> modelled additional air-sea
uptake U(t) = intervention minus counterfactual -> realised efficiency eta(t) = U(t) / ALK(t) ->
losses (secondary precipitation, calcification response, undissolved olivine, the in-domain excess not
yet equilibrated, eta_max x excess TA - excess DIC) and leakage (excess TA and DIC carried out through open boundaries; the future
uptake of the exported water, eta_max x TA exported - DIC exported, is reported and not counted) -> net removal =
U - lifecycle emissions. Every amount is mol unless its key says otherwise (t_co2: tonnes CO2).
"""
from __future__ import annotations

import numpy as np

from ..chemistry.airsea import pco2_air
from ..chemistry.carbonate import solve_carbonate
from ..chemistry.density import density, mmol_m3_to_umol_kg
from ..chemistry.efficiency import isocapnic_efficiency, planetary_regression
from ..interventions.materials import MATERIALS
from ..interventions.olivine import products

T_CO2_PER_MOL = 44.0095e-6
# float64 machine epsilon: the closure of a difference of two runs cannot be finer than this
# fraction of the carbon each run holds (every cell the runs differ in rounds on its own)
ROUND_OFF = float(np.finfo(np.float64).eps)


def release_conditions(model, state0) -> dict | None:
    """eta_max at the release site: surface T, S, TA, silicate and phosphate of the initial state
    averaged over the footprints (weighted by the alkalinity each release carries), in equilibrium
    with the atmosphere's pCO2 at the start. None when nothing adds alkalinity."""
    spec, cfg, reg = model.step_config.interventions, model.cfg, model.registry
    by_name = {iv.name: iv for iv in cfg.interventions}
    weight = np.zeros(np.asarray(model.grid.area).shape)
    for r in spec.releases:
        iv = by_name[r.name]
        per_mol = (MATERIALS[iv.material].alkalinity_per_mol if iv.type == "alkalinity" else
                   products(iv.olivine.forsterite_fraction, 0.0)["alk"] if iv.type == "olivine" else 0.0)
        w = np.asarray(model.forcing.interventions["weight"][r.row], float).sum(0)
        weight += w * per_mol * float(model.params[f"{r.name}.amount_mol"])
    if weight.sum() <= 0:
        return None
    weight /= weight.sum()
    c = np.asarray(state0.c, float)

    def mean(name):
        return float((c[reg.index(name), 0] * weight).sum()) if name in reg else 0.0

    temp, salt = mean("temperature"), mean("salinity")
    rho = float(density(temp, salt, 0.0))
    alk, si, po4 = (float(mmol_m3_to_umol_kg(mean(n), rho)) for n in ("alk", "sio4", "po4"))
    p = model.params
    xco2 = float(model.forcing.xco2(0.0, p))
    pco2 = float(pco2_air(xco2, temp, salt, float(p["pressure_atm"])))
    eta, dic = (float(v) for v in isocapnic_efficiency(alk, pco2, temp, salt, si, po4))
    ph = float(solve_carbonate(dic, alk, temp, salt, 0.0, si, po4).ph)
    return {"eta_max": eta, "method": "dDIC/dTA at constant pCO2 (implicit derivative of the model's carbonate "
                                      "solver), surface state at the release site in equilibrium with the atmosphere",
            "temperature_c": temp, "salinity": salt, "alkalinity_umol_kg": alk, "silicate_umol_kg": si,
            "phosphate_umol_kg": po4, "xco2_ppm": xco2, "pco2_uatm": pco2, "dic_at_equilibrium_umol_kg": dic,
            "ph_at_equilibrium": ph,
            "planetary_regression_eta_max": float(planetary_regression(salt, ph, temp))}


def _at_max(days, values, sign=1.0) -> dict:
    """The extreme of a series (largest, or smallest with ``sign`` -1) and its day."""
    v = np.asarray(values, float)
    i = int(np.nanargmax(sign * v))
    return {"value": float(v[i]), "day": float(days[i])}


def tco2(mol: float) -> float:
    return mol * T_CO2_PER_MOL


def accounting(model, days, series: dict, conditions: dict | None, ledgers: list, carbon_inventory: float) -> dict:
    """The accounting sections of mrv.json from the recorded ``series`` (one value per snapshot
    at ``days``), the release ``conditions`` (:func:`release_conditions`), the intervention
    ledgers of the intervention scenario and the counterfactual's carbon inventory (mol; it sets
    the float64 round-off floor of the closure)."""
    cfg = model.cfg
    last = {k: float(v[-1]) for k, v in series.items()}
    days = np.asarray(days, float)
    uptake = last["uptake_mol"]
    alk = last["alkalinity_released_mol"]
    eta_max = conditions["eta_max"] if conditions else None
    out = {"horizon_days": float(days[-1])}

    olivine = [e for e in ledgers if e["type"] == "olivine"]
    undissolved = sum(e["remaining_in_water_mol"] + e["remaining_in_sediment_mol"] for e in olivine)
    undissolved_alk = sum((e["remaining_in_water_mol"] + e["remaining_in_sediment_mol"])
                          * products(_iv(cfg, e["name"]).olivine.forsterite_fraction, 0.0)["alk"] for e in olivine)
    olivine_buried = sum(e["buried_mol"] for e in olivine)
    olivine_exported = -sum(e["boundary_net_inflow_mol"] for e in olivine)
    out["alkalinity"] = {
        "released_to_water_mol": alk,
        "delivered_mol": sum(e.get("alkalinity_added_mol", 0.0) for e in ledgers)
        + sum(e["olivine_added_mol"] * products(_iv(cfg, e["name"]).olivine.forsterite_fraction, 0.0)["alk"]
              for e in olivine),
        "excess_in_domain_mol": last["excess_alk_mol"],
        "theoretical_efficiency": conditions,
        "cdr_max_mol": alk * eta_max if eta_max is not None else None,
        "cdr_max_t_co2": tco2(alk * eta_max) if eta_max is not None else None,
    }
    out["uptake"] = {
        "additional_co2_uptake_mol": uptake,
        "additional_co2_uptake_t_co2": tco2(uptake),
        "realised_efficiency": uptake / alk if alk > 0 else None,
        "fraction_of_eta_max": uptake / alk / eta_max if alk > 0 and eta_max else None,
        "beyond_alkalinity_maximum_mol": max(0.0, uptake - alk * eta_max) if eta_max is not None else None,
        "atmosphere": "prescribed (the atmosphere's CO2 does not respond to the uptake)",
        "time_series": {"day": days.tolist(), "uptake_mol": series["uptake_mol"].tolist(),
                        "alkalinity_released_mol": series["alkalinity_released_mol"].tolist(),
                        "eta": [None if not np.isfinite(v) else float(v) for v in series["eta"]]},
    }
    out["inventories"] = {"excess_alkalinity_mol": last["excess_alk_mol"], "excess_dic_mol": last["excess_dic_mol"]}
    out["leakage"] = {
        "alkalinity_exported_mol": last["alk_exported_mol"],
        "dic_exported_mol": last["dic_exported_mol"],
        "carbon_exported_mol": -last["carbon_boundary_mol"],
        "potential_future_uptake_of_exported_alkalinity_mol":
            last["alk_exported_mol"] * eta_max - last["dic_exported_mol"] if eta_max is not None else None,
        "potential_future_uptake_counted": False,
    }
    precip = last.get("delta_secondary_precipitation_mol", 0.0)
    calc = last.get("delta_calcification_mol", 0.0)
    out["losses"] = {
        "secondary_precipitation_caco3_mol": precip,
        "secondary_precipitation_alkalinity_mol": 2.0 * precip,
        "calcification_response_caco3_mol": calc,
        "calcification_response_alkalinity_mol": 2.0 * calc,
        "olivine_undissolved_in_domain_mol": undissolved,
        "olivine_undissolved_in_domain_alkalinity_mol": undissolved_alk,
        "olivine_buried_mol": olivine_buried,
        "olivine_exported_mol": olivine_exported,
        "not_yet_equilibrated_in_domain_mol": (eta_max * last["excess_alk_mol"] - last["excess_dic_mol"]
                                               if eta_max is not None else None),
    }
    zones = ("above_mixed_layer", "mixed_layer_to_sequestration_depth", "below_sequestration_depth")
    out["durability"] = {
        "mixed_layer_depth_m": float(model.params["mixed_layer_depth"]),
        "sequestration_depth_m": cfg.mrv.sequestration_depth_m,
        "excess_carbon_mol": {f"water_{z}": last[f"carbon_{z}_mol"] for z in zones} | {
            "water_total": last["carbon_water_mol"],
            "of_which_rdoc": last.get("carbon_rdoc_mol"),
            "of_which_caco3": last.get("carbon_pic_mol"),
            "of_which_dic": last["excess_dic_mol"],
            "sediment": last["carbon_sediment_mol"],
            "buried": last["carbon_burial_mol"],
            "farm_stocks": last["carbon_farm_stocks_mol"],
            "exported_through_boundaries": -last["carbon_boundary_mol"],
            "removed_from_the_system": -last["carbon_external_mol"],
        },
    }
    if "delta_primary_production_mol" in last:
        out["ecosystem_response"] = {k: last[f"delta_{k}_mol"] for k in
                                     ("primary_production", "export_100m", "export_mixed_layer", "calcification",
                                      "rdoc_production") if f"delta_{k}_mol" in last}
        out["ecosystem_response"] = {f"{k}_mol_c": v for k, v in out["ecosystem_response"].items()}
    if "iron_added_mol" in last:
        fe = last["iron_added_mol"]
        per = (lambda v: v / fe if fe > 0 else None)
        out["iron"] = {
            "iron_added_mol": fe, "retained_dissolved_mol": last["iron_dissolved_excess_mol"],
            "retained_in_water_all_forms_mol": last["iron_water_excess_mol"],
            "in_sediment_mol": last["iron_sediment_excess_mol"],
            "net_external_loss_mol": -last["iron_external_mol"],
            "exported_dissolved_mol": last["iron_exported_mol"],
            "extra_primary_production_mol_c": last["delta_primary_production_mol"],
            "extra_export_100m_mol_c": last.get("delta_export_100m_mol"),
            "extra_export_mixed_layer_mol_c": last.get("delta_export_mixed_layer_mol"),
            "carbon_per_iron": {"primary_production": per(last["delta_primary_production_mol"]),
                                "export_100m": per(last.get("delta_export_100m_mol", 0.0)),
                                "export_mixed_layer": per(last.get("delta_export_mixed_layer_mol", 0.0)),
                                "air_sea_uptake": per(uptake)},
            "min_o2_change_mmol_m3": last.get("min_delta_o2_mmol_m3"),
        }
    farms = [e for e in ledgers if e["type"] == "bivalve_farm"]
    if farms:
        out["bivalve_farms"] = [e | {"pools_mol_c": {k: v for k, v in e["pools_mol_c"].items()
                                                     if k != "released_to_atmosphere"}} for e in farms]
        # the paired run sees all interventions together: the release belongs to the farms only alone
        out["bivalve_farms_released_to_atmosphere_mol_c"] = (
            -uptake if all(iv.type == "bivalve_farm" for iv in cfg.interventions) else None)
    out["side_effects"] = _side_effects(days, series, cfg.mrv.thresholds)
    out["detectability"] = {
        "sensor_precision": {"pco2_uatm": cfg.mrv.sensor_precision_pco2_uatm, "ph": cfg.mrv.sensor_precision_ph},
        "time_series": {"day": days.tolist(), "fraction_pco2": series["detectable_fraction_pco2"].tolist(),
                        "fraction_ph": series["detectable_fraction_ph"].tolist()},
        "max_fraction_pco2": _at_max(days, series["detectable_fraction_pco2"]),
        "max_fraction_ph": _at_max(days, series["detectable_fraction_ph"]),
        "final_fraction_pco2": last["detectable_fraction_pco2"],
        "final_fraction_ph": last["detectable_fraction_ph"],
    }
    rel = np.abs(series["carbon_closure_residual_mol"]) / np.maximum(series["carbon_closure_scale_mol"], 1e-300)
    out["budget_closure"] = {
        "equation": "excess carbon in water + sediment + farm stocks + buried = boundary inflow + air-sea uptake "
                    "+ external sources + carbon added (all intervention minus counterfactual)",
        "terms_mol": {"water": last["carbon_water_mol"], "sediment": last["carbon_sediment_mol"],
                      "farm_stocks": last["carbon_farm_stocks_mol"], "buried": last["carbon_burial_mol"],
                      "boundary_inflow": last["carbon_boundary_mol"], "air_sea_uptake": uptake,
                      "external": last["carbon_external_mol"], "added": last["carbon_added_mol"]},
        "residual_mol": last["carbon_closure_residual_mol"],
        "relative_residual": float(rel[-1]),
        "max_relative_residual_over_time": float(rel.max()),
        "counterfactual_carbon_inventory_mol": carbon_inventory,
        "round_off_floor_mol": ROUND_OFF * carbon_inventory,
    }
    lca = cfg.mrv.lifecycle_emissions_t_co2
    out["net_removal"] = {"gross_removal_t_co2": tco2(uptake), "lifecycle_emissions_t_co2": lca,
                          "net_removal_t_co2": tco2(uptake) - lca,
                          "uncertainty": "one deterministic paired run: no parameter or forcing uncertainty"}
    return out


def _iv(cfg, name):
    return next(iv for iv in cfg.interventions if iv.name == name)


def _side_effects(days, series, th) -> dict:
    """Extremes over space and time, and the largest area and volume beyond each threshold where the
    counterfactual is not (attributable to the intervention)."""
    out = {"max_ph_change": _at_max(days, series["max_delta_ph"]),
           "min_ph_change": _at_max(days, series["min_delta_ph"], -1.0),
           "max_omega_aragonite_change": _at_max(days, series["max_delta_omega_aragonite"]),
           "max_ph": _at_max(days, series["max_ph"]),
           "max_omega_aragonite": _at_max(days, series["max_omega_aragonite"]),
           "min_pco2_change_uatm": _at_max(days, series["min_delta_pco2_uatm"], -1.0)}
    if "max_nickel_umol_m3" in series:
        out["max_nickel_umol_m3"] = _at_max(days, series["max_nickel_umol_m3"])
    if "min_o2_mmol_m3" in series:
        out["min_o2_mmol_m3"] = _at_max(days, series["min_o2_mmol_m3"], -1.0)
        out["min_o2_change_mmol_m3"] = _at_max(days, series["min_delta_o2_mmol_m3"], -1.0)
    out["thresholds"] = th.model_dump()
    out["beyond_thresholds"] = {
        key: {"max_area_m2": _at_max(days, series[f"area_beyond_{key}_m2"]),
              "max_volume_m3": _at_max(days, series[f"volume_beyond_{key}_m3"])}
        for key in ("ph_change", "ph", "omega_aragonite", "nickel", "o2") if f"area_beyond_{key}_m2" in series}
    return out
