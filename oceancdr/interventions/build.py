"""From the configured interventions to the static spec, forcing arrays and params of the step.

Host-side (numpy) work done once per run: footprints and placements become release weights
(summing to 1, so the configured amount enters exactly), schedules become per-step shares, user
amounts become moles (:mod:`.materials`), and olivine classes and farms become index tables.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import ConfigError
from . import footprint, schedule
from .materials import MATERIALS, olivine_molar_mass, to_mol
from .olivine import products
from .parameters import PARAMETERS
from .tracers import olivine_tracer_names

SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class Release:
    """Material delivered on a schedule: ``targets`` are (tracer index, tracer units per mol of
    material); ``seabed`` releases go into the sediment store of the footprint's columns."""

    name: str
    row: int
    targets: tuple
    seabed: bool


@dataclass(frozen=True)
class OlivineClass:
    remaining: int          # tracer index of M
    as_added: int           # tracer index of M0
    diameter_m: float


@dataclass(frozen=True)
class Olivine:
    name: str
    classes: tuple          # OlivineClass, ...
    products: tuple         # (tracer index, per mmol olivine dissolved), ...


@dataclass(frozen=True)
class Farm:
    name: str
    row: int
    start_step: int
    harvest_step: int       # -1: no harvest within reach
    initial_weight_g: float


@dataclass(frozen=True)
class Spec:
    """Static description of the interventions (hashable: part of the step's identity)."""

    releases: tuple = ()
    olivine: tuple = ()
    farms: tuple = ()
    precipitation: bool = False

    @property
    def needs_carbonate(self) -> bool:
        return bool(self.olivine) or self.precipitation

    def flux_names(self) -> tuple:
        names = [f"{o.name}_dissolution" for o in self.olivine]
        names += ["secondary_precipitation"] if self.precipitation else []
        for f in self.farms:
            names += [f"{f.name}_{k}" for k in FARM_FLUXES]
        return tuple(names)

    def stock_names(self) -> tuple:
        return tuple(f"{f.name}_{k}" for f in self.farms for k in ("tissue", "shell"))


FARM_FLUXES = {
    "ingestion": "organic carbon filtered and ingested by the farm",
    "biodeposition": "faeces and pseudofaeces carbon deposited on the seabed by the farm",
    "excretion": "dissolved organic carbon excreted by the farm",
    "respiration": "carbon respired by the farm",
    "calcification": "CaCO3 formed in the farm's shells",
    "seed": "tissue carbon stocked into the farm",
    "harvest": "tissue and shell carbon harvested from the farm",
}


def flux_long_names(spec: Spec) -> dict:
    """Long names of the intervention column rates written to output.nc."""
    out = {f"{o.name}_dissolution": f"olivine dissolved ({o.name}), column integral" for o in spec.olivine}
    if spec.precipitation:
        out["secondary_precipitation"] = "secondary CaCO3 precipitation, column integral"
    for f in spec.farms:
        out |= {f"{f.name}_{k}": f"{v} ({f.name})" for k, v in FARM_FLUXES.items()}
    return out


def material_mol(iv) -> float:
    """Total moles of material over the schedule."""
    mass = olivine_molar_mass(iv.olivine.forsterite_fraction) if iv.type == "olivine" else \
        MATERIALS[iv.material].molar_mass_g_mol
    if iv.amount.total is not None:
        return to_mol(iv.amount.total, iv.amount.unit, mass)
    days = iv.schedule.end_day - iv.schedule.start_day
    return to_mol(iv.amount.rate_per_day * days, iv.amount.unit, mass)


def release_weights(iv, grid, where: str) -> np.ndarray:
    """(nz, ny, nx) share of the release in each cell, summing to 1 (float64)."""
    h = footprint.horizontal_weights(iv.footprint, grid, where) * np.asarray(grid.area)
    v = footprint.vertical_fractions(iv.depth_m, grid)
    w = h[None] * v
    if w.sum() <= 0:
        raise ConfigError(f"{where}.depth_m: {iv.depth_m} reaches no water under the footprint; "
                          "choose a range within the water column")
    return w / w.sum()


def build(cfg, grid, registry, dt: float):
    """(Spec, forcing arrays dict, params dict) for ``cfg.interventions`` on ``grid``."""
    nsteps = int(round(cfg.run.days * SECONDS_PER_DAY / dt))
    releases, olivine, farms = [], [], []
    fractions, weights, individuals = [], [], []
    params = {k: v.default for k, v in PARAMETERS.items()} | cfg.intervention_settings.parameters
    index = registry.index
    for i, iv in enumerate(cfg.interventions):
        where = f"interventions.{i}"
        if iv.type == "bivalve_farm":
            steps = [int(round(d * SECONDS_PER_DAY / dt)) for d in (iv.schedule.start_day,)]
            harvest = -1 if iv.schedule.end_day is None else int(round(iv.schedule.end_day * SECONDS_PER_DAY / dt))
            cover = footprint.horizontal_weights(iv.footprint, grid, where) * np.asarray(grid.area)
            vertical = footprint.vertical_fractions(iv.depth_m, grid)
            if (cover[None] * vertical).sum() <= 0:
                raise ConfigError(f"{where}.depth_m: {iv.depth_m} reaches no water under the farm")
            farms.append(Farm(iv.name, len(farms), steps[0], harvest, iv.farm.initial_dry_weight_g))
            individuals.append(cover[None] * vertical)
            params[f"{iv.name}.density"] = iv.farm.stocking_density_m2
            continue
        seabed = iv.type == "olivine" and iv.depth_m == "seabed"
        if iv.type == "olivine":
            ol = iv.olivine
            n = len(ol.grain_diameters_um)
            shares = ol.mass_fractions or [1.0 / n] * n
            classes, targets = [], []
            for d, share in zip(ol.grain_diameters_um, shares):
                m, m0 = (index(t) for t in olivine_tracer_names(iv.name, d))
                classes.append(OlivineClass(m, m0, d * 1e-6))
                targets += [(m, 1e3 * share), (m0, 1e3 * share)]
            prods = tuple((index(k), v) for k, v in products(ol.forsterite_fraction, ol.nickel_ppm).items())
            olivine.append(Olivine(iv.name, tuple(classes), prods))
        elif iv.type == "alkalinity":
            targets = [(index("alk"), 1e3 * MATERIALS[iv.material].alkalinity_per_mol)]
        else:
            targets = [(index("fe"), 1e6 * MATERIALS[iv.material].iron_per_mol)]
        releases.append(Release(iv.name, len(releases), tuple(targets), seabed))
        fractions.append(schedule.step_fractions(iv.schedule, dt, nsteps))
        weights.append(release_weights(iv, grid, where))
        params[f"{iv.name}.amount_mol"] = material_mol(iv)
    precipitation = cfg.intervention_settings.secondary_precipitation and any(
        iv.type in ("alkalinity", "olivine") for iv in cfg.interventions)
    spec = Spec(tuple(releases), tuple(olivine), tuple(farms), precipitation)
    shape = tuple(np.asarray(grid.mask).shape)
    arrays = {"fraction": np.array(fractions).reshape(len(fractions), nsteps + 1),
              "weight": np.array(weights).reshape((len(weights),) + shape),
              "individuals": np.array(individuals).reshape((len(individuals),) + shape)}
    return spec, arrays, params
