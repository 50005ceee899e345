"""Diagnostics: tracer inventories, budgets and the fields written to output.nc.

A budget for tracer X in the water over a run closes as
    final - initial = boundary + surface + sources - deposition
with every term in tracer units * m3 (mmol for mmol m-3 tracers), accumulated in float64 inside the
step. With the ecosystem, element budgets (carbon, nitrogen, phosphorus, silicon, iron, potential
alkalinity, the oxygen combination) close over water, sediment and the buried record:
    (water + sediment)_final - (water + sediment)_initial + buried = boundary + surface + external
each term weighted by the element content of the tracer (:func:`oceancdr.biology.element_weights`).
The relative residual divides the imbalance by the largest term, so it measures round-off.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .biology import ELEMENT_UNITS, N_TO_C, element_weights
from .state import BUDGET_TERMS


def inventory(c, grid) -> np.ndarray:
    """Volume integral of each tracer (ntr,), tracer units * m3, summed in float64."""
    return np.asarray(jnp.einsum("tzyx,zyx->t", jnp.asarray(c, jnp.float64), jnp.asarray(grid.volume, jnp.float64)))


def budgets(state0, state1, grid, registry) -> dict:
    """Per-tracer budget between two states of one run (state1.budget accumulated from zero)."""
    inv0, inv1 = inventory(state0.c, grid), inventory(state1.c, grid)
    terms = {k: np.asarray(state1.budget[k]) - np.asarray(state0.budget[k]) for k in BUDGET_TERMS}
    out = {}
    for i, name in enumerate(registry.names):
        units = registry.attrs(name)["units"]
        change = inv1[i] - inv0[i]
        net = terms["boundary"][i] + terms["surface"][i] + terms["sources"][i] - terms["deposition"][i]
        scale = max(abs(inv0[i]), abs(inv1[i]), *(abs(terms[k][i]) for k in BUDGET_TERMS), 1e-300)
        out[name] = {
            "units": f"({units}) m3",
            "initial": float(inv0[i]),
            "final": float(inv1[i]),
            "boundary_in": float(terms["boundary"][i]),
            "surface_in": float(terms["surface"][i]),
            "sources": float(terms["sources"][i]),
            "deposition_out": float(terms["deposition"][i]),
            "residual": float(change - net),
            "relative_residual": float(abs(change - net) / scale),
        }
    return out


def element_budgets(state0, state1, grid, registry, params, extra_weights=None, stocks=None) -> dict:
    """Budgets of the conserved elements over water, sediment and burial (module docstring), plus
    material added by interventions. ``extra_weights``: element -> {tracer: weight} merged into
    the ecosystem's; ``stocks``: function state -> (ntr,) amounts held outside water and
    sediment (bivalve farms), booked on proxy tracers."""
    inv0, inv1 = inventory(state0.c, grid), inventory(state1.c, grid)
    sed0, sed1 = (np.asarray(s.sediment, np.float64).sum((1, 2)) for s in (state0, state1))
    if stocks is not None:
        sed0, sed1 = sed0 + stocks(state0), sed1 + stocks(state1)
    terms = {k: np.asarray(state1.budget[k]) - np.asarray(state0.budget[k]) for k in BUDGET_TERMS}
    weights_by_element = element_weights({k: float(v) for k, v in params.items() if np.ndim(v) == 0})
    for element, extra in (extra_weights or {}).items():
        weights_by_element[element] = weights_by_element.get(element, {}) | extra
    out = {}
    for element, weights in weights_by_element.items():
        w = np.array([float(weights.get(n, 0.0)) for n in registry.names])
        initial, final = w @ (inv0 + sed0), w @ (inv1 + sed1)
        parts = {k: float(w @ terms[k]) for k in ("boundary", "surface", "external", "burial", "added")}
        residual = (final - initial + parts["burial"] - parts["boundary"] - parts["surface"] - parts["external"]
                    - parts["added"])
        scale = max(abs(initial), abs(final), *(abs(v) for v in parts.values()), 1e-300)
        out[element] = {"units": ELEMENT_UNITS[element], "initial": float(initial), "final": float(final),
                        "boundary_in": parts["boundary"], "surface_in": parts["surface"],
                        "external_in": parts["external"], "added_by_interventions": parts["added"],
                        "buried": parts["burial"], "residual": float(residual),
                        "relative_residual": float(abs(residual) / scale)}
    return out


def velocity_fields(U, V, W, grid):
    """Cell-centre velocities (m s-1) from face volume fluxes: u east, v north, w up."""
    def per_area(F, A):
        return jnp.where(A > 0, F / jnp.where(A > 0, A, 1.0), 0.0)

    u = per_area(U, grid.ax)
    v = per_area(V, grid.ay)
    az = jnp.broadcast_to(grid.area, W.shape)
    w = per_area(W, az)
    return (0.5 * (u[..., :-1] + u[..., 1:]) * grid.mask,
            0.5 * (v[:, :-1] + v[:, 1:]) * grid.mask,
            0.5 * (w[:-1] + w[1:]) * grid.mask)


VELOCITY_ATTRS = {
    "u": dict(units="m s-1", long_name="eastward (cross-shore) velocity", standard_name="eastward_sea_water_velocity"),
    "v": dict(units="m s-1", long_name="northward (alongshore) velocity", standard_name="northward_sea_water_velocity"),
    "w": dict(units="m s-1", long_name="upward velocity", standard_name="upward_sea_water_velocity"),
}


CARBONATE_ATTRS = {
    "ph": (("depth", "y", "x"), dict(units="1", long_name="pH on the total scale, in situ",
                                     standard_name="sea_water_ph_reported_on_total_scale")),
    "omega_aragonite": (("depth", "y", "x"), dict(units="1", long_name="aragonite saturation state, in situ")),
    "pco2": (("y", "x"), dict(units="uatm", long_name="surface seawater CO2 partial pressure",
                              standard_name="surface_partial_pressure_of_carbon_dioxide_in_sea_water")),
    "co2_flux": (("y", "x"), dict(units="mol m-2 s-1", long_name="air-sea CO2 flux, positive into the ocean",
                                  standard_name="surface_downward_mole_flux_of_carbon_dioxide")),
}
CARBON_TRACERS = ("dic", "alk", "temperature", "salinity")


def has_carbon(registry) -> bool:
    return all(n in registry for n in CARBON_TRACERS)


RATE_ATTRS = {
    "airsea_co2": "air-sea CO2 flux into the ocean",
    "primary_production": "net primary production (phytoplankton growth), column integral",
    "calcification": "CaCO3 production, column integral",
    "rdoc_production": "refractory DOC production (microbial carbon pump), column integral",
    "burial_carbon": "burial of organic and inorganic carbon in the sediment",
    "export_poc_100m": "sinking flux of detrital POC at 100 m",
    "export_poc_mld": "sinking flux of detrital POC at the base of the mixed layer",
}
CHLOROPHYLL_ATTRS = dict(units="mg m-3", long_name="chlorophyll-a (from phytoplankton N and a fixed Chl:N)",
                         standard_name="mass_concentration_of_chlorophyll_a_in_sea_water")


def output_fields(registry, rates: dict | None = None) -> dict:
    """Variables of output.nc: every tracer, the velocities and, with a carbon cycle, the
    carbonate-system diagnostics, with the ecosystem chlorophyll, and the column rates (``rates``:
    name -> long name; written as means over the interval before each snapshot), each with CF
    attributes."""
    fields = {name: (("depth", "y", "x"), registry.attrs(name)) for name in registry.names}
    fields.update({k: (("depth", "y", "x"), a) for k, a in VELOCITY_ATTRS.items()})
    if has_carbon(registry):
        fields.update(CARBONATE_ATTRS)
    if "phy" in registry:
        fields["chlorophyll"] = (("depth", "y", "x"), CHLOROPHYLL_ATTRS)
    for name, long_name in (rates or {}).items():
        fields[name] = (("y", "x"), dict(units="mmol m-2 d-1", long_name=long_name + ", mean over the "
                                         "interval before this time", cell_methods="time: mean"))
    return fields


def chlorophyll(c, registry, params):
    """Chlorophyll-a (mg m-3) = chl_per_n * N:C * (small phytoplankton + diatom carbon)."""
    return params["chl_per_n"] * N_TO_C * (c[registry.index("phy")] + c[registry.index("dia")])


def carbonate_fields(state, params, forcing, grid, registry, t) -> dict:
    """In-situ pH and Omega_aragonite, surface pCO2 and the air-sea CO2 flux (land: 0)."""
    from .chemistry.insitu import insitu_carbonate
    from .surface import co2_exchange

    c = state.c
    carb = insitu_carbonate({n: c[i] for i, n in enumerate(registry.names)}, grid)
    air_sea = co2_exchange(c, t, params, forcing, registry)
    wet = grid.mask > 0
    return {"ph": jnp.where(wet, carb.ph, 0.0), "omega_aragonite": jnp.where(wet, carb.omega_aragonite, 0.0),
            "pco2": jnp.where(wet[0], air_sea.pco2_sea, 0.0), "co2_flux": jnp.where(wet[0], air_sea.flux, 0.0)}


def snapshot(state, params, forcing, grid, registry, dt) -> dict:
    """Values of every output field at the state's time (jit-able); column rates are returned as
    their cumulative integrals (mmol m-2), turned into interval means by the run loop."""
    t = state.time(dt)
    out = {name: state.c[i] for i, name in enumerate(registry.names)}
    u, v, w = velocity_fields(*forcing.flow(t, params), grid)
    out.update(u=u, v=v, w=w)
    if has_carbon(registry):
        out.update(carbonate_fields(state, params, forcing, grid, registry, t))
    if "phy" in registry:
        out["chlorophyll"] = chlorophyll(state.c, registry, params)
    out.update(state.fluxes)
    return out


HYPOXIA_MMOL_M3 = 62.5     # 2 mg O2 L-1, the usual hypoxia threshold
G_C_PER_MMOL = 12.011e-3


class EcosystemRecord:
    """Collects, snapshot by snapshot, what summary.json reports about the ecosystem: the lowest
    O2, the largest hypoxic volume and the range of surface chlorophyll."""

    def __init__(self, grid):
        self.wet = np.asarray(grid.mask) > 0
        self.volume = np.asarray(grid.volume)
        self.o2_min, self.hypoxic_max, self.chl = np.inf, 0.0, []

    def add(self, values: dict) -> None:
        o2 = np.asarray(values["o2"])[self.wet]
        self.o2_min = min(self.o2_min, float(o2.min()))
        self.hypoxic_max = max(self.hypoxic_max, float(self.volume[self.wet][o2 < HYPOXIA_MMOL_M3].sum()))
        self.chl.append(np.asarray(values["chlorophyll"])[0][self.wet[0]])

    def summary(self, state0, state1, grid, export_levels, days: float) -> dict:
        """Run means of the column rates (g C m-2 d-1 over the wet area, export over the columns
        deeper than the export depth), totals (mol C), e-ratio, O2 and chlorophyll extremes."""
        area = np.asarray(grid.area)
        wet = self.wet[0]
        run = {k: (np.asarray(state1.fluxes[k]) - np.asarray(state0.fluxes[k])) for k in state1.fluxes}

        def mean_rate(name, where):
            return float((run[name] * area)[where].sum() / area[where].sum() / days * G_C_PER_MMOL)

        def total_mol(name):
            return float((run[name] * area)[wet].sum() * 1e-3)

        none = np.zeros_like(wet)
        deep = {key: self.wet[k] for key, k in zip(("100m", "mld"), export_levels)}
        deep = {key: deep.get(key, none) for key in ("100m", "mld")}
        # None (JSON null) where no column is deep enough for the export depth
        pp_deep = mean_rate("primary_production", deep["100m"]) if deep["100m"].any() else None
        export = mean_rate("export_poc_100m", deep["100m"]) if deep["100m"].any() else None
        chl = np.concatenate(self.chl)
        return {
            "primary_production_g_c_m2_d": mean_rate("primary_production", wet),
            "primary_production_max_column_g_c_m2_d": float(run["primary_production"][wet].max() / days * G_C_PER_MMOL),
            "export_poc_100m_g_c_m2_d": export,
            "e_ratio_100m": export / pp_deep if pp_deep else None,
            "export_poc_mld_g_c_m2_d": mean_rate("export_poc_mld", deep["mld"]) if deep["mld"].any() else None,
            "primary_production_mol_c": total_mol("primary_production"),
            "calcification_mol_c": total_mol("calcification"),
            "rdoc_production_mol_c": total_mol("rdoc_production"),
            "burial_mol_c": total_mol("burial_carbon"),
            "o2_min_mmol_m3": self.o2_min,
            "hypoxic_volume_max_m3": self.hypoxic_max,
            "hypoxia_threshold_mmol_m3": HYPOXIA_MMOL_M3,
            "surface_chlorophyll_mg_m3": {"min": float(chl.min()), "median": float(np.median(chl)),
                                          "max": float(chl.max())},
        }
