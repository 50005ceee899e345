"""Intervention parameters: every coefficient with its default, units and source.

They join the model's params dict (differentiable, perturbable by ensembles) when the config has
interventions; ``intervention_settings.parameters`` overrides any of them by name. Per-intervention
amounts are params too: ``NAME.amount_mol`` (moles of material over the whole schedule) and, for
bivalve farms, ``NAME.density`` (individuals per m2 of farm).
"""
from __future__ import annotations

from ..biology.parameters import Parameter as P
from ..biology.parameters import markdown_table as biology_table

PARAMETERS: dict[str, P] = {
    # --- olivine (SCIENCE.md section 5) -----------------------------------------------------------
    "olivine_rate_factor": P(1.0, "1", "multiplier on the Rimstidt et al. (2012) rate per geometric area: "
                             "surface roughness, wave abrasion and bioturbation on beaches (> 1)",
                             "assumed; Montserrat et al. 2017 discuss abrasion", 0.0, 1e4),
    "olivine_molar_volume": P(4.365e-5, "m3 mol-1", "molar volume of forsterite", "SCIENCE.md section 5",
                              1e-5, 1e-4),
    "olivine_density": P(3300.0, "kg m-3", "grain density (Stokes settling)", "SCIENCE.md section 5",
                         2000.0, 5000.0),
    "seawater_viscosity": P(1.2e-3, "Pa s", "dynamic viscosity of sea water (about 12 degC, S 35) in Stokes' law",
                            "Sharqawy et al. 2010", 5e-4, 3e-3),
    "olivine_burial_rate": P(1e-4, "d-1", "burial of olivine grains lying in the sediment (below the reactive "
                             "layer)", "assumed (bioturbated layer renewal ~30 yr)", 0.0, 1.0),
    # --- secondary CaCO3 precipitation (SCIENCE.md section 4) ------------------------------------
    "precipitation_omega_threshold": P(5.0, "1", "aragonite saturation above which CaCO3 precipitates "
                                       "(no precipitation at ~5, aragonite above 7 with particles; 30 in "
                                       "particle-free tanks, Ringham et al. 2024)", "Moras et al. 2022", 1.0, 100.0),
    "precipitation_rate": P(10.0, "mmol CaCO3 m-3 d-1", "precipitation rate per unit of Omega_aragonite above "
                            "the threshold", "assumed (tank TA losses of tens of umol/kg per day)", 0.0, 1e6),
    # --- bivalve farms (SCIENCE.md section 7) -----------------------------------------------------
    "bivalve_clearance": P(0.17, "m3 d-1", "clearance rate of a 1 g dry-weight animal at the optimum "
                           "temperature", "Ehrich & Harris 2015 (eastern oyster review: 0.17 +- 0.07)", 0.0, 10.0),
    "bivalve_clearance_exponent": P(0.44, "1", "allometric exponent of clearance on dry weight",
                                    "Bougrier et al. 1995 form (C. gigas; 0.4-0.7 across species)", 0.0, 1.5),
    "bivalve_optimum_temperature": P(19.0, "degC", "temperature of the highest clearance rate",
                                     "Bougrier et al. 1995 (C. gigas)", -2.0, 40.0),
    "bivalve_temperature_curvature": P(0.0027, "degC-2", "parabolic decline of clearance away from the optimum, "
                                       "CR ∝ max(1 - b (T - T_opt)^2, 0)", "assumed, Bougrier et al. 1995 form",
                                       0.0, 1.0),
    "bivalve_assimilation": P(0.55, "1", "assimilated fraction of ingested carbon (the rest is faeces and "
                              "pseudofaeces, deposited)", "SCIENCE.md section 7: oyster faeces 42-48 % of ingestion",
                              0.0, 1.0),
    "bivalve_excretion": P(0.2, "1", "fraction of assimilated carbon lost as dissolved organic matter "
                           "(mucus, excretion)", "assumed so that C = F + U + R + G resembles the oyster budget "
                           "of SCIENCE.md section 7", 0.0, 1.0),
    "bivalve_respiration": P(0.3, "mmol C d-1", "respiration of a 1 g dry-weight animal at 20 degC",
                             "assumed (about 0.5 mg O2 h-1 g-1 DW, respiratory quotient 0.85)", 0.0, 100.0),
    "bivalve_respiration_exponent": P(0.75, "1", "allometric exponent of respiration on dry weight",
                                      "Okumura et al. 2017 (C. gigas)", 0.0, 1.5),
    "bivalve_q10": P(2.0, "1", "temperature factor of respiration per 10 degC", "assumed (typical 1.5-2.5)",
                     1.0, 5.0),
    "bivalve_carbon_per_dry_weight": P(33.0, "mmol C g-1", "tissue carbon per g dry tissue (about 40 % C)",
                                       "assumed", 1.0, 80.0),
    "bivalve_shell_ratio": P(2.0, "mol CaCO3 (mol C)-1", "shell CaCO3 formed per mol of tissue carbon grown",
                             "SCIENCE.md section 7: scallop shell 2,070 vs tissue 1,005 mg C (oyster ~8)",
                             0.0, 20.0),
}


def markdown_table() -> str:
    """The parameter table of docs/interventions.md."""
    return biology_table(PARAMETERS)


if __name__ == "__main__":
    print(markdown_table(), end="")
