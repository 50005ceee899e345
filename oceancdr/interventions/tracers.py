"""Tracers that interventions add to a run.

Each olivine intervention NAME carries, per grain-size class of diameter D um, two tracers:
``NAME_Dum`` (olivine remaining, mmol m-3) and ``NAME_Dum_m0`` (the same grains' amount when they
were added, mmol m-3; it gives the grain radius r = r0 (M/M0)^(1/3), see :mod:`.olivine`). Olivine
products need silicic acid, dissolved iron and nickel tracers; missing ones are added (silicic
acid and iron with hydrography profiles, nickel as the olivine-derived excess from 0).
"""
from __future__ import annotations

# CF-style metadata of the product tracer that only interventions use
NICKEL = {"units": "umol m-3", "long_name": "dissolved nickel released by olivine (excess over background)"}


def class_label(diameter_um: float) -> str:
    """'10um', '0p5um': a diameter as it appears in tracer names."""
    return f"{diameter_um:g}".replace(".", "p") + "um"


def olivine_tracer_names(name: str, diameter_um: float) -> tuple[str, str]:
    """(remaining, as-added) tracer names of one grain class."""
    base = f"{name}_{class_label(diameter_um)}"
    return base, base + "_m0"


def intervention_tracers(interventions) -> dict:
    """name -> TracerConfig keyword arguments for every tracer the interventions need."""
    out = {}
    for iv in interventions:
        if iv.type != "olivine":
            continue
        for d in iv.olivine.grain_diameters_um:
            m, m0 = olivine_tracer_names(iv.name, d)
            out[m] = dict(initial=0.0, boundary=0.0, units="mmol m-3",
                          long_name=f"olivine grains of {d:g} um initial diameter remaining ({iv.name})")
            out[m0] = dict(initial=0.0, boundary=0.0, units="mmol m-3",
                           long_name=f"olivine grains of {d:g} um initial diameter, amount as added ({iv.name})")
        out |= {"sio4": dict(initial="hydrography"), "fe": dict(initial="hydrography"),
                "ni": dict(initial=0.0, boundary=0.0, **NICKEL)}
    return out
