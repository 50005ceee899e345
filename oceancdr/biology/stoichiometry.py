"""Tracers, fixed stoichiometry, the process network and the element weights of the ecosystem.

Organic pools (phy, dia, zoo, poc, doc) carry C:N:P = 106:16:1 (Redfield, Ketchum & Richards 1963)
and iron at the quota ``fe_to_c``; diatoms also carry silicon at ``si_to_c`` (Brzezinski 1985).
Refractory DOC is carbon only: forming it releases its N, P and Fe as nutrients. Each process is a
column of a stoichiometric matrix (tracer change per unit of reaction extent); every column
conserves carbon, nitrogen, phosphorus, silicon and iron, and the two conservative combinations

* potential alkalinity TA + NO3 + PO4 + 2 CaCO3: explicit conservative alkalinity (Wolf-Gladrow et
  al. 2007, Mar. Chem. 106, 287): nitrate and phosphate uptake raise TA by 1 per mol, their
  release lowers it by 1, CaCO3 formation lowers it by 2;
* oxygen O2 - (1 + 2 N:C) organic C - RDOC: production from nitrate releases 138/106 mol O2 per
  mol C (106 for carbon, 2 per N nitrified), remineralisation consumes the same,

except the external processes (dust, sediment iron, scavenging, burial), which are booked
separately. ``tests/test_biology_conservation.py`` checks every column.
"""
from __future__ import annotations

from typing import NamedTuple

N_TO_C = 16.0 / 106.0
P_TO_C = 1.0 / 106.0
O2_PER_C = 1.0 + 2.0 * N_TO_C        # 138/106: aerobic oxidation of Redfield organic matter to nitrate

NUTRIENTS = ("no3", "po4", "sio4", "fe", "o2")
PLANKTON = ("phy", "dia", "zoo")
DETRITUS = ("poc", "doc", "rdoc", "pic", "bsi")
BIO_TRACERS = NUTRIENTS + PLANKTON + DETRITUS
CARBON_TRACERS = ("dic", "alk", "temperature", "salinity")
REQUIRED = BIO_TRACERS + CARBON_TRACERS
REDFIELD_ORGANIC = ("phy", "dia", "zoo", "poc", "doc")     # carry N, P and Fe
SEDIMENT_POOLS = ("poc", "pic", "bsi")                      # what reaches and is stored in the sediment
SINKING = {"poc": "poc_sinking", "bsi": "poc_sinking", "pic": "pic_sinking"}  # tracer -> speed parameter
# initial and boundary values of the ecosystem tracers that are not hydrography profiles, mmol m-3;
# RDOC as in the deep ocean (Hansell 2013: 35-45 umol kg-1)
INITIAL = {"phy": 0.5, "dia": 0.5, "zoo": 0.3, "poc": 0.2, "doc": 5.0, "rdoc": 40.0, "pic": 0.02, "bsi": 0.1}


class Switches(NamedTuple):
    """Which optional processes run (static: part of the compiled step's identity)."""

    grazing: bool = True
    mcp: bool = True
    calcite: bool = True
    iron_scavenging: bool = True
    dust: bool = True
    sediment: bool = True
    sediment_iron: bool = True


def remineralisation(p) -> dict:
    """Products of oxidising 1 mol of Redfield organic carbon to DIC and nitrate."""
    return {"dic": 1.0, "no3": N_TO_C, "po4": P_TO_C, "fe": fe_per_c(p), "o2": -O2_PER_C, "alk": -(N_TO_C + P_TO_C)}


def fe_per_c(p):
    """Iron quota in tracer units: umol Fe per mmol C (fe_to_c is umol per mol)."""
    return p["fe_to_c"] * 1e-3


def processes(switches) -> dict:
    """The process network for the enabled switches: name -> function p -> {tracer: coefficient}.

    Reaction extents are in mmol C m-3 (iron processes in umol Fe m-3; CaCO3 and bSi processes in
    mmol of CaCO3 or Si). Names starting with ``sed_`` act on the sediment pools of the bottom
    cell (pseudo-tracers ``sed_poc``, ``sed_pic``, ``sed_bsi``)."""
    def growth(p, extra=None):
        r = remineralisation(p)
        out = {k: -v for k, v in r.items()}
        return out | (extra or {})

    def mineralise(p, source):
        return {source: -1.0} | remineralisation(p)

    net = {
        "growth_phy": lambda p: growth(p, {"phy": 1.0}),
        "growth_dia": lambda p: growth(p, {"dia": 1.0, "sio4": -p["si_to_c"]}),
        "mortality_phy": lambda p: {"phy": -1.0, "doc": 1.0},
        "mortality_dia": lambda p: {"dia": -1.0, "doc": 1.0, "bsi": p["si_to_c"]},
        "aggregation_phy": lambda p: {"phy": -1.0, "poc": 1.0},
        "aggregation_dia": lambda p: {"dia": -1.0, "poc": 1.0, "bsi": p["si_to_c"]},
        "hydrolysis_poc": lambda p: {"poc": -1.0, "doc": 1.0},
        "remin_doc": lambda p: mineralise(p, "doc"),
        "dissolution_bsi": lambda p: {"bsi": -1.0, "sio4": 1.0},
    }
    if switches.grazing:
        net |= {
            "grazing_phy": lambda p: {"phy": -1.0, "zoo": 1.0},
            "egestion_phy": lambda p: {"phy": -1.0, "poc": 1.0},
            "grazing_dia": lambda p: {"dia": -1.0, "zoo": 1.0, "bsi": p["si_to_c"]},
            "egestion_dia": lambda p: {"dia": -1.0, "poc": 1.0, "bsi": p["si_to_c"]},
            "respiration_zoo": lambda p: mineralise(p, "zoo"),
            "excretion_zoo": lambda p: {"zoo": -1.0, "doc": 1.0},
            "mortality_zoo": lambda p: {"zoo": -1.0, "poc": 1.0},
        }
    if switches.mcp:
        net |= {
            # DOC -> RDOC keeps the carbon organic and releases N, P, Fe (nitrified: 2 O2 per N)
            "mcp": lambda p: {"doc": -1.0, "rdoc": 1.0, "no3": N_TO_C, "po4": P_TO_C, "fe": fe_per_c(p),
                              "o2": -2.0 * N_TO_C, "alk": -(N_TO_C + P_TO_C)},
            "remin_rdoc": lambda p: {"rdoc": -1.0, "dic": 1.0, "o2": -1.0},
        }
    if switches.calcite:
        net |= {
            "calcification": lambda p: {"dic": -1.0, "alk": -2.0, "pic": 1.0},
            "dissolution_pic": lambda p: {"pic": -1.0, "dic": 1.0, "alk": 2.0},
        }
    if switches.iron_scavenging:
        net["scavenging"] = lambda p: {"fe": -1.0}
    if switches.sediment:
        net |= {
            "sed_remin_poc": lambda p: mineralise(p, "sed_poc"),
            "sed_dissolution_pic": lambda p: {"sed_pic": -1.0, "dic": 1.0, "alk": 2.0},
            "sed_dissolution_bsi": lambda p: {"sed_bsi": -1.0, "sio4": 1.0},
            "sed_burial_poc": lambda p: {"sed_poc": -1.0},
            "sed_burial_pic": lambda p: {"sed_pic": -1.0},
            "sed_burial_bsi": lambda p: {"sed_bsi": -1.0},
        }
    return net


def element_weights(p) -> dict:
    """Conserved quantities as weights per tracer (water, sediment and buried amounts alike):
    mmol C, mmol N, mmol P, mmol Si, umol Fe, mmol (potential alkalinity), mmol O2 (oxygen
    combination of the module docstring)."""
    organic = {k: 1.0 for k in REDFIELD_ORGANIC}
    fe = fe_per_c(p)
    return {
        "carbon": {"dic": 1.0, "rdoc": 1.0, "pic": 1.0} | organic,
        "nitrogen": {"no3": 1.0} | {k: N_TO_C for k in REDFIELD_ORGANIC},
        "phosphorus": {"po4": 1.0} | {k: P_TO_C for k in REDFIELD_ORGANIC},
        "silicon": {"sio4": 1.0, "bsi": 1.0, "dia": p["si_to_c"]},
        "iron": {"fe": 1.0} | {k: fe for k in REDFIELD_ORGANIC},
        "alkalinity": {"alk": 1.0, "no3": 1.0, "po4": 1.0, "pic": 2.0},
        "oxygen": {"o2": 1.0, "rdoc": -1.0} | {k: -O2_PER_C for k in REDFIELD_ORGANIC},
    }


ELEMENT_UNITS = {"carbon": "mmol C", "nitrogen": "mmol N", "phosphorus": "mmol P", "silicon": "mmol Si",
                 "iron": "umol Fe", "alkalinity": "mmol (TA + NO3 + PO4 + 2 CaCO3)",
                 "oxygen": "mmol (O2 - 138/106 organic C - RDOC)", "nickel": "umol Ni"}
