"""Interventions: alkalinity (dissolved feedstocks), olivine, iron fertilisation and bivalve farms.
See docs/interventions.md."""
from . import ledger
from .build import Spec, build, flux_long_names
from .olivine import rimstidt_rate, stokes_velocity
from .step import deliver, react

__all__ = ["Spec", "build", "ledger", "deliver", "flux_long_names", "react", "rimstidt_rate", "stokes_velocity"]
