"""Ocean biogeochemistry: nutrients, iron, two phytoplankton, zooplankton, detritus, DOC and the
microbial carbon pump, CaCO3, oxygen and a sediment layer. See docs/biology.md."""
from .ecosystem import FLUX_NAMES, Reactions, reactions
from .parameters import PARAMETERS, Parameter
from .stoichiometry import (BIO_TRACERS, ELEMENT_UNITS, N_TO_C, SINKING, Switches, element_weights, processes)

__all__ = ["BIO_TRACERS", "ELEMENT_UNITS", "FLUX_NAMES", "N_TO_C", "PARAMETERS", "Parameter", "Reactions", "SINKING",
           "Switches", "element_weights", "processes", "reactions"]
