"""Materials an intervention can add, and the conversion of user amounts to moles.

Dissolved alkalinity feedstocks (SCIENCE.md section 4): moles of total alkalinity and of cations
per mole of material. Iron salts (section 6): moles of Fe per mole. Olivine (section 5) is
(Mg_f Fe_(1-f))2 SiO4 with forsterite fraction f; its molar mass follows from f. Molar masses are
IUPAC standard atomic weights summed (g mol-1).
"""
from __future__ import annotations

from typing import NamedTuple

FORSTERITE_G_MOL = 140.69    # Mg2SiO4
FAYALITE_G_MOL = 203.77      # Fe2SiO4
NICKEL_G_MOL = 58.693


class Material(NamedTuple):
    kind: str                 # "alkalinity" | "iron"
    molar_mass_g_mol: float
    alkalinity_per_mol: float = 0.0
    iron_per_mol: float = 0.0
    cations: dict = {}        # cation -> mol per mol material (reported, not a tracer)


MATERIALS: dict[str, Material] = {
    "NaOH": Material("alkalinity", 39.997, 1.0, cations={"Na": 1.0}),
    "Ca(OH)2": Material("alkalinity", 74.093, 2.0, cations={"Ca": 1.0}),
    "Mg(OH)2": Material("alkalinity", 58.320, 2.0, cations={"Mg": 1.0}),
    "CaO": Material("alkalinity", 56.077, 2.0, cations={"Ca": 1.0}),
    "MgO": Material("alkalinity", 40.304, 2.0, cations={"Mg": 1.0}),
    "Fe": Material("iron", 55.845, iron_per_mol=1.0),
    "FeSO4": Material("iron", 151.908, iron_per_mol=1.0),
    "FeSO4.7H2O": Material("iron", 278.014, iron_per_mol=1.0),
    "FeCl3": Material("iron", 162.204, iron_per_mol=1.0),
}

UNITS_TO_GRAMS = {"g": 1.0, "kg": 1e3, "t": 1e6}
UNITS_TO_MOL = {"mol": 1.0, "kmol": 1e3, "Mmol": 1e6}


def olivine_molar_mass(forsterite_fraction: float) -> float:
    """g mol-1 of (Mg_f Fe_(1-f))2 SiO4."""
    return forsterite_fraction * FORSTERITE_G_MOL + (1.0 - forsterite_fraction) * FAYALITE_G_MOL


def to_mol(amount: float, unit: str, molar_mass_g_mol: float) -> float:
    """Moles of material in ``amount`` ``unit`` (g, kg, t by mass; mol, kmol, Mmol as they are)."""
    if unit in UNITS_TO_MOL:
        return amount * UNITS_TO_MOL[unit]
    return amount * UNITS_TO_GRAMS[unit] / molar_mass_g_mol
