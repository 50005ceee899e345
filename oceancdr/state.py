"""Model state and the tracer registry (names, indices, units and CF metadata).

All tracers live in one array ``c[tracer, z, y, x]`` so that transport runs once for all of them;
a tracer's position is looked up by name in a static :class:`TracerRegistry`. Budget accumulators
are float64 whatever the run precision, in tracer units times m3 (mmol for mmol m-3 tracers).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import jax.numpy as jnp

from .pytree import pytree_dataclass

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
}

BUDGET_TERMS = ("boundary", "surface", "sources", "deposition")


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


@pytree_dataclass
class State:
    """Everything that evolves: tracers, the sediment store and the budget accumulators."""

    c: jnp.ndarray            # (ntracer, nz, ny, nx), tracer units (mmol m-3 for carbon species)
    sediment: jnp.ndarray     # (ntracer, ny, nx), tracer deposited per column, tracer units * m3
    step: jnp.ndarray         # int64 scalar: steps since the simulation start
    budget: dict              # term -> (ntracer,) float64 cumulative amounts since the run start

    def time(self, dt: float):
        """Model time in seconds since the start (exact: computed from the integer step count)."""
        return self.step * dt


def zero_budget(ntracer: int) -> dict:
    return {k: jnp.zeros(ntracer, jnp.float64) for k in BUDGET_TERMS}


def new_state(c, sediment=None, step: int = 0) -> State:
    c = jnp.asarray(c)
    if sediment is None:
        sediment = jnp.zeros((c.shape[0],) + c.shape[2:], c.dtype)
    return State(c=c, sediment=jnp.asarray(sediment, c.dtype), step=jnp.asarray(step, jnp.int64),
                 budget=zero_budget(c.shape[0]))
