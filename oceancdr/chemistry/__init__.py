"""Carbonate chemistry, seawater density, air-sea CO2 exchange and atmospheric CO2.

See docs/chemistry.md for the methods, sources and measured accuracy.
"""

from .airsea import (
    AirSeaFlux,
    co2_flux,
    co2_flux_from_fco2,
    pco2_air,
    schmidt_co2,
    transfer_velocity_w14,
    vapour_pressure_weiss_price,
)
from .atmosphere import load_xco2_record, xco2_at
from .carbonate import CarbonateState, alkalinity_from_h, solve_carbonate, solve_h
from .constants import EquilibriumConstants, equilibrium_constants, k0_weiss1974
from .density import density, mmol_m3_to_umol_kg, umol_kg_to_mmol_m3

__all__ = [
    "AirSeaFlux",
    "CarbonateState",
    "EquilibriumConstants",
    "alkalinity_from_h",
    "co2_flux",
    "co2_flux_from_fco2",
    "density",
    "equilibrium_constants",
    "k0_weiss1974",
    "load_xco2_record",
    "mmol_m3_to_umol_kg",
    "pco2_air",
    "schmidt_co2",
    "solve_carbonate",
    "solve_h",
    "transfer_velocity_w14",
    "umol_kg_to_mmol_m3",
    "vapour_pressure_weiss_price",
    "xco2_at",
]
