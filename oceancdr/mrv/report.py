"""report.md: the MRV result written so that a verifier can follow the calculation chain.

It reads mrv.json (the numbers) and mrv.nc (the figures) and says, step by step, where each number
comes from, which file holds it and how to re-run the calculation.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import xarray as xr

from . import figures
from .accounting import T_CO2_PER_MOL


def fmt(x, digits: int = 4) -> str:
    """A number for people: significant digits, thousands separators, scientific when tiny or huge."""
    if x is None:
        return "n/a"
    x = float(x)
    if x == 0:
        return "0"
    if not np.isfinite(x):
        return f"{x:g}"
    if x == round(x) and abs(x) < 1e9:
        return f"{x:,.0f}"
    if 1e-3 <= abs(x) < 1e9:
        decimals = max(0, digits - 1 - int(np.floor(np.log10(abs(x)))))
        text = f"{x:,.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return f"{x:.{digits - 1}e}"


def pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def release_point(model):
    """Release-weighted centre (x km, y km) of the interventions, or None."""
    ivs = model.forcing.interventions
    if ivs is None:
        return None
    w = np.asarray(ivs["weight"], float).sum((0, 1))
    if w.sum() <= 0:                        # farms only: where the animals are
        w = np.asarray(ivs["individuals"], float).sum((0, 1))
    if w.sum() <= 0:
        return None
    x, y = np.asarray(model.grid.x_km, float), np.asarray(model.grid.y_km, float)
    return float((w.sum(0) * x).sum() / w.sum()), float((w.sum(1) * y).sum() / w.sum())


def map_indices(days: np.ndarray, run_days: float, wanted) -> list:
    """Snapshot indices nearest to the requested days (default: a sixth, half and all of the run)."""
    wanted = wanted or [run_days / 6, run_days / 2, run_days]
    return sorted({int(np.argmin(np.abs(days - d))) for d in wanted})


def draw(out: Path, result: dict, model) -> dict:
    """All figures into out/figures; returns name -> file name (None where a figure does not apply)."""
    fig_dir = out / "figures"
    fig_dir.mkdir(exist_ok=True)
    with xr.open_dataset(out / "mrv.nc", decode_times=False) as ds:
        ds = ds.assign(time_day=ds["time"] / 86400.0).load()
    days = ds["time_day"].values
    times = map_indices(days, model.cfg.run.days, model.cfg.mrv.map_days)
    release = release_point(model)
    eta = (result["alkalinity"]["theoretical_efficiency"] or {}).get("eta_max")
    mid = times[len(times) // 2]
    surface = np.nan_to_num(np.abs(figures.surface_field(ds, "delta_alk", mid)))
    row = int(np.unravel_index(np.argmax(surface), surface.shape)[0])
    closure = result["budget_closure"]
    return {
        "maps": figures.surface_maps(ds, times, fig_dir / "surface_maps.png", release),
        "section": figures.section(ds, mid, row, fig_dir / "section.png"),
        "uptake": figures.uptake(ds, eta, fig_dir / "uptake_efficiency.png"),
        "footprint": figures.footprint(ds, fig_dir / "uptake_footprint.png", release),
        "budget": figures.budget(closure["terms_mol"], closure["residual_mol"], fig_dir / "carbon_budget.png"),
        "side_effects": figures.side_effects(ds, result["side_effects"]["thresholds"], fig_dir / "side_effects.png"),
        "ecosystem": figures.ecosystem(ds, fig_dir / "ecosystem_response.png"),
    }


def write_report(out, result: dict, record, model) -> Path:
    """Draw the figures and write out/report.md (atomically)."""
    out = Path(out)
    figs = draw(out, result, model)
    text = render(result, figs, model)
    tmp = out / "report.md.tmp"
    tmp.write_text(text)
    os.replace(tmp, out / "report.md")
    return out / "report.md"


def _figure(figs, key, caption):
    return [f"![{caption}](figures/{figs[key]})", "", f"*{caption}*", ""] if figs.get(key) else []


def _beyond_cause(r: dict, cfg) -> str:
    """Why uptake can exceed TA x eta_max, in the words that fit this run."""
    eco = r.get("ecosystem_response")
    if eco:
        feeds = [w for t, w in (("olivine", "olivine's iron and silicon"), ("iron", "the added iron"))
                 if any(iv.type == t for iv in cfg.interventions)]
        return (f"The ecosystem responds: extra primary production {fmt(eco.get('primary_production_mol_c'))} mol C, "
                f"extra export below the mixed layer {fmt(eco.get('export_mixed_layer_mol_c'))} mol C"
                + (f" (fed by {' and '.join(feeds)})" if feeds else "") + ". Biological carbon stays as long as the "
                "biological pump holds it, not as long as alkalinity carbon: credit it separately, if at all. The "
                "excess TA and DIC include the ecosystem's own changes (nitrate uptake raises TA, calcification "
                "lowers it).")
    return ("Without an ecosystem the cause is physical: η_max is taken at the initial surface state of the release "
            "site, and water that cools or mixes with other water holds more CO2 per unit of TA.")


def render(r: dict, figs: dict, model) -> str:
    """The Markdown text of the report."""
    cfg = model.cfg
    prov = r["provenance"]
    alk, up, leak, loss = r["alkalinity"], r["uptake"], r["leakage"], r["losses"]
    theory = alk["theoretical_efficiency"]
    days = r["horizon_days"]
    net = r["net_removal"]
    closure = r["budget_closure"]
    lines = [f"# MRV report: {Path(prov['config_file'] or 'configuration').name}", ""]
    if r["status"] != "completed":
        lines += [f"> **The run did not complete ({r['status']}): {r['error']}.** The numbers below cover the "
                  f"first {fmt(r['simulated_days'])} days only.", ""]
    if cfg.precision == "float32":
        lines += ["> **float32 run.** A difference of two single-precision runs carries errors of about 1e-3 of the "
                  "signal (the closure below shows it); report removals from a float64 run.", ""]
    nz, ny, nx = model.grid.shape
    domain = f" from {Path(cfg.grid.file).name} (coarsened {cfg.grid.coarsen}×)" if cfg.grid.type == "bathymetry" else ""
    names = ", ".join(f"{iv.name} ({iv.type}{', ' + iv.material if iv.material else ''})" for iv in cfg.interventions)
    lines += [
        f"Interventions: {names}. Horizon: {fmt(days)} days from {cfg.run.start}. Grid "
        f"{nx}×{ny}×{nz}{domain}, {cfg.precision}. oceancdr {prov['oceancdr_version']} "
        f"(commit `{prov['git_commit'] or 'unknown'}`), run on {prov['created_utc']}.", "",
        "Every number is the difference between two simulations run together in one compiled program: the "
        "**intervention** and the **counterfactual** (the same model, forcing and initial state with the "
        "intervention amounts set to zero). Amounts are in mol unless marked; 1 mol CO2 = 44.0095 g.", "",
        "## Summary", "",
        "| quantity | value |", "|---|---|",
    ]
    if alk["released_to_water_mol"] > 0:
        lines += [f"| alkalinity released to the water | {fmt(alk['released_to_water_mol'])} mol |"]
    if theory:
        lines += [f"| theoretical efficiency η_max = dDIC/dTA at constant pCO2 | {fmt(theory['eta_max'])} mol/mol |",
                  f"| theoretical maximum removal CDR_max = TA × η_max | {fmt(alk['cdr_max_t_co2'])} t CO2 |"]
    lines += [f"| **additional air-sea CO2 uptake by day {fmt(days)}** | **{fmt(up['additional_co2_uptake_t_co2'])} "
              f"t CO2** ({fmt(up['additional_co2_uptake_mol'])} mol) |"]
    if up["realised_efficiency"] is not None:
        lines += [f"| realised efficiency η({fmt(days)} d) | {fmt(up['realised_efficiency'])} mol/mol "
                  f"({pct(up['fraction_of_eta_max'])} of η_max) |"]
    if up.get("beyond_alkalinity_maximum_mol"):
        lines += [f"| of the uptake, not explained by TA × η_max (see the chain) | "
                  f"{fmt(up['beyond_alkalinity_maximum_mol'] * T_CO2_PER_MOL)} t CO2 |"]
    lines += [f"| lifecycle emissions (user input) | {fmt(net['lifecycle_emissions_t_co2'])} t CO2 |",
              f"| **net removal** | **{fmt(net['net_removal_t_co2'])} t CO2** |",
              f"| excess TA carried out of the domain | {fmt(leak['alkalinity_exported_mol'])} mol |",
              f"| carbon budget closure (relative) | {closure['relative_residual']:.1e} |", ""]
    lines += ["Uncertainty: this is one deterministic pair of runs; it carries no parameter or forcing "
              "uncertainty, and a credited removal needs the 95 %-exceedance value of an ensemble.", ""]

    lines += ["## Calculation chain", ""]
    step = 1
    if alk["released_to_water_mol"] > 0:
        lines += [f"{step}. **Alkalinity released.** {fmt(alk['delivered_mol'])} mol TA delivered by the configured "
                  f"interventions; {fmt(alk['released_to_water_mol'])} mol entered the water (olivine adds TA only "
                  "as it dissolves). Source: the step's budget accumulators (`interventions` below).", ""]
        step += 1
    if theory:
        lines += [f"{step}. **Theoretical efficiency.** At the release site the initial surface water has "
                  f"T = {fmt(theory['temperature_c'])} °C, S = {fmt(theory['salinity'])}, "
                  f"TA = {fmt(theory['alkalinity_umol_kg'])} µmol/kg; in equilibrium with the atmosphere "
                  f"(xCO2 {fmt(theory['xco2_ppm'])} ppm, pCO2 {fmt(theory['pco2_uatm'])} µatm) it would hold "
                  f"DIC = {fmt(theory['dic_at_equilibrium_umol_kg'])} µmol/kg at pH {fmt(theory['ph_at_equilibrium'])}. "
                  f"The model's carbonate chemistry gives η_max = −(∂pCO2/∂TA)/(∂pCO2/∂DIC) = "
                  f"**{fmt(theory['eta_max'])}** (the Planetary protocol regression gives "
                  f"{fmt(theory['planetary_regression_eta_max'])}). CDR_max = "
                  f"{fmt(alk['released_to_water_mol'])} × {fmt(theory['eta_max'])} = {fmt(alk['cdr_max_mol'])} mol "
                  f"= {fmt(alk['cdr_max_t_co2'])} t CO2.", ""]
        step += 1
    lines += [f"{step}. **Additional uptake.** The air-sea CO2 flux is integrated inside every time step in both "
              f"runs; their difference is {fmt(up['additional_co2_uptake_mol'])} mol = "
              f"{fmt(up['additional_co2_uptake_t_co2'])} t CO2 by day {fmt(days)} (`uptake_mol` in mrv.nc). The "
              f"atmosphere is {up['atmosphere']}.", ""]
    step += 1
    beyond = up.get("beyond_alkalinity_maximum_mol") or 0.0
    if up["realised_efficiency"] is not None:
        lines += [f"{step}. **Realised efficiency.** η(t) = uptake(t) / TA released(t) = "
                  f"{fmt(up['additional_co2_uptake_mol'])} / {fmt(alk['released_to_water_mol'])} = "
                  f"**{fmt(up['realised_efficiency'])}**, {pct(up['fraction_of_eta_max'])} of η_max"
                  + (f". The excess TA still in the domain could take up "
                     f"{fmt(loss['not_yet_equilibrated_in_domain_mol'])} mol CO2 more (η_max × excess TA − excess DIC); "
                     f"the exported water {fmt(leak['potential_future_uptake_of_exported_alkalinity_mol'])} mol more "
                     "(not counted)." if beyond == 0 else "."), ""]
        step += 1
    if beyond > 0:
        lines += [f"> **The uptake exceeds what the released alkalinity can take up.** {fmt(beyond)} mol "
                  f"({pct(beyond / up['additional_co2_uptake_mol'])} of the uptake) is not explained by TA × η_max "
                  "at the release conditions. " + _beyond_cause(r, cfg), ""]
    lines += [f"{step}. **Losses and leakage** (below) are already inside the modelled uptake: precipitation, "
              "calcification and export change the simulated water, so they are reported, not subtracted again. "
              "The potential future uptake of alkalinity carried out of the domain is not counted.", ""]
    step += 1
    lines += [f"{step}. **Net removal** = uptake − lifecycle emissions = {fmt(net['gross_removal_t_co2'])} − "
              f"{fmt(net['lifecycle_emissions_t_co2'])} = **{fmt(net['net_removal_t_co2'])} t CO2**.", ""]

    lines += ["## Uptake and efficiency", ""]
    lines += _figure(figs, "uptake", "Cumulative additional CO2 uptake against the theoretical maximum, and "
                     "realised efficiency η(t) against η_max.")
    lines += _figure(figs, "maps", "Surface excess alkalinity, pCO2 change and pH change at three times "
                     "(★ release site).")
    lines += _figure(figs, "section", "Vertical section of excess TA and DIC through the plume.")
    lines += _figure(figs, "footprint", "Where the additional CO2 entered the ocean (★ release site).")

    lines += ["## Leakage and losses", "", "| item | amount | note |", "|---|---|---|",
              f"| excess TA exported through open boundaries | {fmt(leak['alkalinity_exported_mol'])} mol | "
              f"{'a net import' if leak['alkalinity_exported_mol'] < 0 else ''} |",
              f"| excess DIC exported through open boundaries | {fmt(leak['dic_exported_mol'])} mol | |",
              f"| future uptake of the exported water (η_max × TA − DIC exported) | "
              f"{fmt(leak['potential_future_uptake_of_exported_alkalinity_mol'])} mol | **not counted** |",
              f"| secondary CaCO3 precipitation | {fmt(loss['secondary_precipitation_caco3_mol'])} mol CaCO3 "
              f"({fmt(loss['secondary_precipitation_alkalinity_mol'])} mol TA) | Ω_ar threshold process |",
              f"| calcification response of plankton | {fmt(loss['calcification_response_caco3_mol'])} mol CaCO3 "
              f"({fmt(loss['calcification_response_alkalinity_mol'])} mol TA) | |",
              f"| undissolved olivine in the domain | {fmt(loss['olivine_undissolved_in_domain_mol'])} mol "
              f"({fmt(loss['olivine_undissolved_in_domain_alkalinity_mol'])} mol TA not yet released) | "
              f"also buried {fmt(loss['olivine_buried_mol'])}, exported {fmt(loss['olivine_exported_mol'])} mol |",
              f"| not yet equilibrated, in the domain | {fmt(loss['not_yet_equilibrated_in_domain_mol'])} mol CO2 | "
              "η_max × excess TA − excess DIC |",
              ""]

    dur = r["durability"]
    ex = dur["excess_carbon_mol"]
    lines += ["## Durability: where the additional carbon is", "",
              f"Mixed layer {fmt(dur['mixed_layer_depth_m'])} m, sequestration depth "
              f"{fmt(dur['sequestration_depth_m'])} m (`mrv.sequestration_depth_m`).", "",
              "| pool | mol C |", "|---|---|"]
    lines += [f"| {k.replace('_', ' ')} | {fmt(v)} |" for k, v in ex.items() if v is not None]
    lines += [""]
    lines += _figure(figs, "budget", "The excess-carbon budget at the end of the run.")
    lines += [f"Budget closure: {closure['equation']}. Residual {fmt(closure['residual_mol'])} mol, relative "
              f"{closure['relative_residual']:.1e} (largest over the run {closure['max_relative_residual_over_time']:.1e}); "
              f"the float64 round-off floor of the two runs' carbon inventories is "
              f"{fmt(closure['round_off_floor_mol'])} mol. "
              "Each scenario's own budgets close to "
              + ", ".join(f"{k} {v.get('worst_element_relative_residual', v['worst_tracer_relative_residual']):.1e}"
                          for k, v in r["scenario_budgets"].items()) + ".", ""]

    if "iron" in r:
        fe = r["iron"]
        per = fe["carbon_per_iron"]
        lines += ["## Iron fertilisation", "", "| quantity | value |", "|---|---|",
                  f"| iron added | {fmt(fe['iron_added_mol'])} mol |",
                  f"| retained as dissolved iron | {fmt(fe['retained_dissolved_mol'])} mol |",
                  f"| retained in the water in all forms (dissolved, plankton, detritus) | "
                  f"{fmt(fe['retained_in_water_all_forms_mol'])} mol |",
                  f"| in the sediment | {fmt(fe['in_sediment_mol'])} mol |",
                  f"| net loss to scavenging (minus dust and sediment sources) | {fmt(fe['net_external_loss_mol'])} mol |",
                  f"| extra primary production | {fmt(fe['extra_primary_production_mol_c'])} mol C "
                  f"({fmt(per['primary_production'])} mol C per mol Fe) |",
                  f"| extra POC export at 100 m | {fmt(fe['extra_export_100m_mol_c'])} mol C "
                  f"({fmt(per['export_100m'])} per Fe) |",
                  f"| extra POC export below the mixed layer | {fmt(fe['extra_export_mixed_layer_mol_c'])} mol C "
                  f"({fmt(per['export_mixed_layer'])} per Fe) |",
                  f"| extra air-sea uptake per iron | {fmt(per['air_sea_uptake'])} mol C per mol Fe |",
                  f"| largest O2 decrease | {fmt(fe['min_o2_change_mmol_m3'])} mmol m-3 |", ""]
    if "bivalve_farms" in r:
        lines += ["## Bivalve farms", "", "| farm | used | removed (harvest) | stored (biodeposits + shell) | "
                  "released to water |", "|---|---|---|---|---|"]
        for f in r["bivalve_farms"]:
            p = f["pools_mol_c"]
            lines += [f"| {f['name']} | {fmt(p['used'])} | {fmt(p['removed'])} | {fmt(p['stored'])} | "
                      f"{fmt(p['released_to_water'])} |"]
        released = r["bivalve_farms_released_to_atmosphere_mol_c"]
        lines += ["", (f"Released to the atmosphere (all farms; minus the additional uptake): {fmt(released)} mol C. "
                       if released is not None else "Released to the atmosphere: not separable here, the run holds "
                       "other interventions too. ") + "Pools in mol C.", ""]
    if "ecosystem_response" in r:
        lines += _figure(figs, "ecosystem", "Cumulative change of production, export and calcification.")

    se = r["side_effects"]
    lines += ["## Side effects", "", "| quantity | extreme | day |", "|---|---|---|"]
    for key, label in (("max_ph_change", "largest pH rise"), ("min_ph_change", "largest pH fall"),
                       ("max_omega_aragonite_change", "largest Ω_ar rise"), ("max_ph", "highest pH (intervention)"),
                       ("max_omega_aragonite", "highest Ω_ar (intervention)"),
                       ("min_pco2_change_uatm", "largest surface pCO2 drawdown (µatm)"),
                       ("max_nickel_umol_m3", "highest dissolved Ni (µmol m-3)"),
                       ("min_o2_mmol_m3", "lowest O2 (mmol m-3)"), ("min_o2_change_mmol_m3", "largest O2 fall")):
        if key in se:
            lines += [f"| {label} | {fmt(se[key]['value'])} | {fmt(se[key]['day'])} |"]
    lines += ["", "Area and volume beyond each threshold where the counterfactual is not (largest over the run):", "",
              "| threshold | value | largest area (km²) | largest volume (km³) |", "|---|---|---|---|"]
    th = se["thresholds"]
    limit = {"ph_change": th["ph_change"], "ph": th["ph"], "omega_aragonite": th["omega_aragonite"],
             "nickel": th["nickel_umol_m3"], "o2": th["o2_mmol_m3"]}
    for key, b in se["beyond_thresholds"].items():
        lines += [f"| {key.replace('_', ' ')} | {fmt(limit[key])} | {fmt(b['max_area_m2']['value'] * 1e-6)} | "
                  f"{fmt(b['max_volume_m3']['value'] * 1e-9)} |"]
    lines += [""]
    lines += _figure(figs, "side_effects", "Side-effect extremes and detectability over time.")

    det = r["detectability"]
    sp = det["sensor_precision"]
    lines += ["## Detectability", "",
              f"Share of the sea surface where the change exceeds sensor precision (pCO2 {fmt(sp['pco2_uatm'])} µatm, "
              f"pH {fmt(sp['ph'])}): pCO2 at most {pct(det['max_fraction_pco2']['value'])} (day "
              f"{fmt(det['max_fraction_pco2']['day'])}), {pct(det['final_fraction_pco2'])} at the end; pH at most "
              f"{pct(det['max_fraction_ph']['value'])}, {pct(det['final_fraction_ph'])} at the end. Where the signal is "
              "below sensor precision, the removal rests on the model, validated against observations.", ""]

    lines += ["## Interventions as delivered", "", "```json"]
    lines += [json.dumps(r["interventions"], indent=1, default=float), "```", ""]

    lines += ["## Provenance and how to re-run", "",
              f"- oceancdr {prov['oceancdr_version']}, commit `{prov['git_commit'] or 'unknown'}`",
              f"- configuration `{prov['config_file']}`, sha256 `{prov['config_hash']}` "
              "(the full validated configuration is in `config.yaml` and in mrv.json)",
              f"- precision {prov['precision']}; machine: {prov['machine']['platform']}, JAX "
              f"{prov['machine']['jax']} on {prov['machine']['jax_backend']}",
              f"- data: {'; '.join(prov['data_sources']) or 'none beyond the configuration'}",
              f"- counterfactual: {prov['counterfactual']}",
              f"- wall time {fmt(r['wall_time_seconds'])} s for {r['steps']} paired steps",
              "- every parameter value is listed under `provenance.parameters` in mrv.json", "",
              (f"Produced by `{prov['command']}`. " if prov["command"] else "")
              + "Re-run it exactly from this directory with `oceancdr mrv config.yaml --out rerun` (config.yaml is "
              "the full validated configuration). Files: `mrv.json` (all numbers; schema in docs/mrv.md), `mrv.nc` "
              "(time series and difference maps), `figures/`.", ""]
    return "\n".join(lines)
