"""Biogeochemical parameters: every coefficient with its default, units and source.

``PARAMETERS`` maps a name to a :class:`Parameter`. The defaults enter the model's params dict
(float64 scalars, so they can be calibrated, perturbed in ensembles and differentiated) in the
units listed here; rates are per day and converted inside the process functions. Config
``biology.parameters`` overrides any of them by name. Temperature factors: autotrophs follow
Eppley (1972) exp(eppley * T); heterotrophic processes follow q10 ** ((T - 20) / 10).
"""
from __future__ import annotations

from typing import NamedTuple


class Parameter(NamedTuple):
    default: float
    units: str
    meaning: str
    source: str
    lower: float = 0.0          # smallest allowed value (inclusive)
    upper: float = float("inf")  # largest allowed value (inclusive)


P = Parameter
PARAMETERS: dict[str, Parameter] = {
    # --- light (Fasham, Ducklow & McKelvie 1990, J. Mar. Res. 48, 591) --------------------------
    "solar_constant": P(1361.0, "W m-2", "total solar irradiance at 1 AU", "Kopp & Lean 2011"),
    "atmospheric_transmission": P(0.6, "1", "fraction of top-of-atmosphere shortwave reaching the sea "
                                  "(clear sky ~0.75, less under mean cloud)", "Meinel & Meinel 1976; cloud reduction", 0.0, 1.0),
    "par_fraction": P(0.43, "1", "photosynthetically available fraction of shortwave", "Baker & Frouin 1987", 0.0, 1.0),
    "kw_light": P(0.04, "m-1", "light attenuation by sea water", "Fasham et al. 1990"),
    "kc_light": P(0.03, "m-1 (mmol N m-3)-1", "light attenuation by phytoplankton nitrogen", "Fasham et al. 1990"),
    "chl_per_n": P(1.59, "mg Chl (mmol N)-1", "chlorophyll to nitrogen ratio", "Fasham et al. 1990"),
    "alpha": P(0.025, "(W m-2)-1 d-1", "initial slope of the growth-irradiance curve (Smith 1936 form)",
               "Fasham et al. 1990"),
    # --- small phytoplankton ------------------------------------------------------------------
    "phy_mu0": P(0.59, "d-1", "maximum growth rate at 0 degC (0.851 doublings d-1 x ln 2)", "Eppley 1972"),
    "eppley": P(0.0633, "degC-1", "growth temperature coefficient, exp(eppley T) (1.0653^T; Eppley's 1.066^T "
                "would be 0.0639)", "Eppley 1972"),
    "phy_k_no3": P(0.5, "mmol N m-3", "nitrate half-saturation", "Fasham et al. 1990"),
    "phy_k_po4": P(0.03, "mmol P m-3", "phosphate half-saturation (phy_k_no3 / 16)", "Fasham et al. 1990 with Redfield N:P"),
    "phy_k_fe": P(0.8, "umol Fe m-3", "dissolved iron half-saturation of growth",
                  "BLING k_fe_uptake = 0.8 nM (Galbraith et al. 2010; there it sets the Fe:P uptake ratio)"),
    "phy_mortality": P(0.05, "d-1", "linear loss to DOC (exudation, lysis)", "Fasham et al. 1990 (0.045 d-1)"),
    "phy_aggregation": P(0.01, "(mmol C m-3)-1 d-1", "quadratic aggregation to detritus",
                         "order of magnitude of NPZD closures (Steele & Henderson 1992); calibration target"),
    # --- diatoms -----------------------------------------------------------------------------
    "dia_mu0": P(0.864, "d-1", "maximum growth rate at 0 degC (pc_0 = 1.0e-5 s-1)",
                 "BLING pc_0, Galbraith et al. 2010 (GFDL generic_BLING.F90)"),
    "dia_k_no3": P(1.6, "mmol N m-3", "nitrate half-saturation (median of culture studies)", "Sarthou et al. 2005"),
    "dia_k_po4": P(0.1, "mmol P m-3", "phosphate half-saturation", "BLING k_po4, Galbraith et al. 2010"),
    "dia_k_fe": P(1.0, "umol Fe m-3", "dissolved iron half-saturation of growth (upper end of 0.19-1.14 nM "
                  "for large Southern Ocean diatoms)", "Timmermans et al. 2004"),
    "dia_k_sio4": P(3.9, "mmol Si m-3", "silicic acid half-saturation (median of culture studies)", "Sarthou et al. 2005"),
    "dia_mortality": P(0.05, "d-1", "linear loss to DOC (frustule silica to bSi)", "Fasham et al. 1990"),
    "dia_aggregation": P(0.03, "(mmol C m-3)-1 d-1", "quadratic aggregation to detritus (diatoms form aggregates)",
                         "order of magnitude (Jackson 1990 coagulation); calibration target"),
    # --- zooplankton ---------------------------------------------------------------------------
    "graze_max": P(1.0, "d-1", "maximum grazing rate at 20 degC", "Fasham et al. 1990"),
    "graze_k": P(6.6, "mmol C m-3", "grazing half-saturation (1 mmol N m-3 x 106/16), Holling III", "Fasham et al. 1990"),
    "pref_phy": P(1.0, "1", "grazing preference for small phytoplankton", "Fasham et al. 1990 (equal preferences)"),
    "pref_dia": P(1.0, "1", "grazing preference for diatoms", "Fasham et al. 1990 (equal preferences)"),
    "assimilation": P(0.75, "1", "assimilated fraction of ingestion (rest egested as detritus)", "Fasham et al. 1990", 0.0, 1.0),
    "zoo_excretion": P(0.1, "d-1", "excretion and respiration at 20 degC", "Fasham et al. 1990"),
    "zoo_doc_fraction": P(0.25, "1", "fraction of excretion released as DOC (rest DIC and nutrients)",
                          "Fasham et al. 1990 (75 % of excretion to ammonium, the rest DON)", 0.0, 1.0),
    "zoo_mortality": P(0.0075, "(mmol C m-3)-1 d-1", "quadratic mortality to detritus (0.05 (mmol N m-3)-1 d-1)",
                       "Steele & Henderson 1992 closure"),
    # --- detritus, DOC and the microbial carbon pump --------------------------------------------
    "poc_sinking": P(10.0, "m d-1", "detritus (POC) and biogenic silica sinking speed", "Fasham et al. 1990"),
    "poc_remin": P(0.05, "d-1", "detritus breakdown to DOC at 20 degC", "Fasham et al. 1990"),
    "doc_remin": P(0.03, "d-1", "DOC remineralisation at 20 degC (a month: between labile DOC, hours to days, "
                   "and semi-labile DOC, months to years)", "Hansell 2013 (lifetimes); calibration target"),
    "mcp_fraction": P(0.02, "1", "fraction of DOC remineralisation routed to refractory DOC (microbial carbon pump)",
                      "Jiao et al. 2010; Legendre et al. 2015", 0.0, 1.0),
    "rdoc_lifetime": P(16000.0, "yr", "refractory DOC lifetime", "Hansell 2013"),
    "q10": P(2.0, "1", "Q10 of heterotrophic rates (grazing, excretion, POC, DOC and sediment remineralisation, "
             "bSi dissolution; not CaCO3 dissolution or RDOC decay)",
             "Eppley 1972 / common NPZD choice", 1.0, 10.0),
    "k_o2": P(8.0, "mmol O2 m-3", "O2 half-saturation of aerobic remineralisation", "order of Devol 1978"),
    # --- calcium carbonate ------------------------------------------------------------------
    "rain_ratio": P(0.07, "mol CaCO3 (mol C)-1", "CaCO3 production per small-phytoplankton production at high Omega",
                    "inside the global CaCO3:POC export ratio 0.06 +- 0.03 of Sarmiento et al. 2002"),
    "calcification_k_omega": P(0.4, "1", "half-saturation of (Omega_calcite - 1) for calcification", "Gehlen et al. 2007"),
    "pic_sinking": P(20.0, "m d-1", "particulate CaCO3 sinking speed", "order of Berelson 2002; calibration target"),
    "pic_dissolution": P(0.2, "d-1", "CaCO3 dissolution rate per unit undersaturation (1 - Omega_calcite)",
                         "Gehlen et al. 2007 (PISCES, order 1)"),
    # --- silica ------------------------------------------------------------------------------
    "si_to_c": P(0.13, "mol Si (mol C)-1", "diatom Si:C", "Brzezinski 1985"),
    "bsi_dissolution": P(0.02, "d-1", "biogenic silica dissolution at 20 degC", "Kamatani 1982; Ridgwell et al. 2002"),
    # --- iron ----------------------------------------------------------------------------------
    "fe_to_c": P(7.0, "umol Fe (mol C)-1", "iron quota of organic matter",
                 "PISCES qnfelim = qdfelim = 7e-6 (Aumont et al. 2015 reference namelist)"),
    "ligand": P(1.0, "umol m-3", "total iron-binding ligand", "BLING, Galbraith et al. 2010"),
    "k_ligand": P(8e10, "kg mol-1", "conditional stability constant of FeL", "BLING, Galbraith et al. 2010"),
    "scav_inorganic": P(1000.0, "(mol kg-1)-0.5 d-1", "inorganic scavenging of free iron, rate k Fe'^1.5",
                        "BLING kfe_inorg = 1e3 d-1, Galbraith et al. 2010 (GFDL generic_BLING.F90)"),
    "scav_organic": P(0.5, "d-1 (g C m-3)-0.58", "organic scavenging of free iron on detritus, rate k M^0.58 Fe' "
                      "with M the detrital carbon (g C m-3)",
                      "BLING kfe_org = 0.5 d-1, Galbraith et al. 2010 (GFDL generic_BLING.F90)"),
    "dust_fe": P(0.02, "umol Fe m-2 d-1", "soluble iron deposited from dust", "order of Mahowald et al. 2005"),
    "sediment_fe": P(0.68, "umol Fe (mmol C)-1", "iron released per organic carbon oxidised in sediments "
                     "(BLING's default is about 7 x lower)", "Elrod et al. 2004"),
    # --- sediment ------------------------------------------------------------------------------
    "sed_remin": P(0.02, "d-1", "remineralisation of sediment organic carbon at 20 degC", "order of Westrich & Berner 1984"),
    "sed_burial_rate": P(0.002, "d-1", "burial of every sediment pool (against sed_remin 0.02 d-1 at 20 degC in "
                         "oxic water about 10 % of deposited organic carbon is buried, ~20 % at 10 degC; the "
                         "coastal burial efficiency of Burdige 2007 is 5-20 %)",
                         "Burdige 2007 (efficiency)"),
    "sed_pic_dissolution": P(0.01, "d-1", "sediment CaCO3 dissolution per unit undersaturation of bottom water",
                             "order of magnitude; calibration target"),
    "sed_bsi_dissolution": P(0.01, "d-1", "sediment biogenic silica dissolution at 20 degC", "order of Rabouille et al. 1997"),
}
del P


def defaults() -> dict[str, float]:
    return {k: v.default for k, v in PARAMETERS.items()}


def markdown_table(table: dict | None = None) -> str:
    """A parameter table in Markdown: docs/biology.md's by default (``python -m
    oceancdr.biology.parameters``), or that of another ``table`` of :class:`Parameter`."""
    rows = ["| name | default | units | meaning | source |", "|---|---|---|---|---|"]
    rows += [f"| `{k}` | {v.default:g} | {v.units} | {v.meaning} | {v.source} |"
             for k, v in (PARAMETERS if table is None else table).items()]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
