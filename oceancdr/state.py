"""Model state and the tracer registry (names, indices, units and CF metadata).

All tracers live in one array ``c[tracer, z, y, x]`` so that transport runs once for all of them;
a tracer's position is looked up by name in a static :class:`TracerRegistry`. Budget accumulators
are float64 whatever the run precision, in tracer units times m3 (mmol for mmol m-3 tracers).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import jax.numpy as jnp

from .pytree import pytree_dataclass
from .stored import unstack

# CF metadata of the tracers the model knows; other names are passive tracers (units from config)
KNOWN_TRACERS = {
    "temperature": dict(units="degC", long_name="sea water temperature",
                        standard_name="sea_water_temperature"),
    "salinity": dict(units="1", long_name="sea water practical salinity",
                     standard_name="sea_water_practical_salinity"),
    "dye": dict(units="1", long_name="passive dye concentration"),
    "dic": dict(units="mmol m-3", long_name="dissolved inorganic carbon",
                standard_name="mole_concentration_of_dissolved_inorganic_carbon_in_sea_water"),
    "alk": dict(units="mmol m-3", long_name="total alkalinity (mole equivalent)",
                standard_name="sea_water_alkalinity_expressed_as_mole_equivalent"),
    # ecosystem (oceancdr.biology); organic pools and CaCO3 in carbon units
    "no3": dict(units="mmol m-3", long_name="nitrate", standard_name="mole_concentration_of_nitrate_in_sea_water"),
    "po4": dict(units="mmol m-3", long_name="phosphate", standard_name="mole_concentration_of_phosphate_in_sea_water"),
    "sio4": dict(units="mmol m-3", long_name="silicic acid", standard_name="mole_concentration_of_silicate_in_sea_water"),
    "fe": dict(units="umol m-3", long_name="dissolved iron",
               standard_name="mole_concentration_of_dissolved_iron_in_sea_water"),
    "o2": dict(units="mmol m-3", long_name="dissolved oxygen",
               standard_name="mole_concentration_of_dissolved_molecular_oxygen_in_sea_water"),
    "phy": dict(units="mmol m-3", long_name="small phytoplankton carbon",
                standard_name="mole_concentration_of_miscellaneous_phytoplankton_expressed_as_carbon_in_sea_water"),
    "dia": dict(units="mmol m-3", long_name="diatom carbon",
                standard_name="mole_concentration_of_diatoms_expressed_as_carbon_in_sea_water"),
    "zoo": dict(units="mmol m-3", long_name="zooplankton carbon",
                standard_name="mole_concentration_of_zooplankton_expressed_as_carbon_in_sea_water"),
    "poc": dict(units="mmol m-3", long_name="detrital particulate organic carbon",
                standard_name="mole_concentration_of_organic_detritus_expressed_as_carbon_in_sea_water"),
    "doc": dict(units="mmol m-3", long_name="labile dissolved organic carbon"),
    "rdoc": dict(units="mmol m-3", long_name="refractory dissolved organic carbon"),
    "pic": dict(units="mmol m-3", long_name="particulate calcium carbonate (as carbon)",
                standard_name="mole_concentration_of_calcite_expressed_as_carbon_in_sea_water"),
    "bsi": dict(units="mmol m-3", long_name="biogenic silica (as silicon)"),
}

# boundary: open-boundary inflow; surface: air-sea and surface fluxes; sources: all local reaction
# tendencies in the water (including returns from the sediment); deposition: sinking onto the
# seabed; external: the part of ``sources`` that enters or leaves the modelled system (dust,
# sediment iron, scavenging, secondary CaCO3 precipitation, bivalve seeding and harvest); burial:
# removal from the sediment store into the buried record; added: material delivered by
# interventions (water and sediment; the water part is also in ``sources``).
BUDGET_TERMS = ("boundary", "surface", "sources", "deposition", "external", "burial", "added")


@dataclass(frozen=True)
class TracerRegistry:
    """Static, ordered tracer names with their CF metadata."""

    names: tuple[str, ...]
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        if len(set(self.names)) != len(self.names):
            raise ValueError("duplicate tracer names")

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def index(self, name: str) -> int:
        return self.names.index(name)

    def attrs(self, name: str) -> dict:
        return {**KNOWN_TRACERS.get(name, dict(units="1", long_name=name)), **self.meta.get(name, {})}

    def __hash__(self):
        return hash(self.names)


def reacting_fields(c, registry: TracerRegistry) -> dict:
    """Tracer fields (nz, ny, nx) by name as reactions see them: negative round-off clipped, except
    temperature and salinity. The slices come from :func:`oceancdr.stored.unstack`, so their
    cotangents are stacked in one pass (taken one by one, the 18-tracer ecosystem's reverse pass
    cost 3x more)."""
    return {n: f if n in ("temperature", "salinity") else jnp.maximum(f, 0.0)
            for n, f in zip(registry.names, unstack(c))}


@pytree_dataclass
class State:
    """Everything that evolves: tracers, the sediment store and the budget accumulators."""

    c: jnp.ndarray            # (ntracer, nz, ny, nx), tracer units (mmol m-3 for carbon species)
    sediment: jnp.ndarray     # (ntracer, ny, nx), tracer deposited per column, tracer units * m3
    step: jnp.ndarray         # int64 scalar: steps since the simulation start
    budget: dict              # term -> (ntracer,) float64 cumulative amounts since the run start
    fluxes: dict              # name -> (ny, nx) float64 cumulative column integrals (e.g. mmol C m-2)
    stocks: dict              # name -> (ny, nx) float64 amounts per column outside the water (bivalve farms)

    def time(self, dt: float):
        """Model time in seconds since the start (exact: computed from the integer step count)."""
        return self.step * dt


def zero_budget(ntracer: int) -> dict:
    return {k: jnp.zeros(ntracer, jnp.float64) for k in BUDGET_TERMS}


def new_state(c, sediment=None, step: int = 0, flux_names: tuple = (), stocks: dict | None = None) -> State:
    """A state at ``step`` with zeroed budget accumulators and column-flux integrals; ``stocks``
    maps names to (ny, nx) amounts per column (bivalve farms)."""
    c = jnp.asarray(c)
    if sediment is None:
        sediment = jnp.zeros((c.shape[0],) + c.shape[2:], c.dtype)
    fluxes = {k: jnp.zeros(c.shape[2:], jnp.float64) for k in flux_names}
    stocks = {k: jnp.asarray(v, jnp.float64) for k, v in (stocks or {}).items()}
    return State(c=c, sediment=jnp.asarray(sediment, c.dtype), step=jnp.asarray(step, jnp.int64),
                 budget=zero_budget(c.shape[0]), fluxes=fluxes, stocks=stocks)
