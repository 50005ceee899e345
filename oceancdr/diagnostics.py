"""Diagnostics: tracer inventories, budgets and the fields written to output.nc.

A budget for tracer X over a run closes as
    final - initial = boundary + surface + sources - deposition
with every term in tracer units * m3 (mmol for mmol m-3 tracers), accumulated in float64 inside the
step. The relative residual divides the imbalance by the largest term, so it measures round-off.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

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


def output_fields(registry) -> dict:
    """Variables of output.nc: every tracer, the velocities and, with a carbon cycle, the
    carbonate-system diagnostics, each with CF attributes."""
    fields = {name: (("depth", "y", "x"), registry.attrs(name)) for name in registry.names}
    fields.update({k: (("depth", "y", "x"), a) for k, a in VELOCITY_ATTRS.items()})
    if has_carbon(registry):
        fields.update(CARBONATE_ATTRS)
    return fields


def pressure_dbar(depth_m, lat_deg):
    """Sea pressure (dbar) at a depth (m), Saunders (1981, J. Phys. Oceanogr. 11, 573)."""
    c1 = (5.92 + 5.25 * jnp.sin(jnp.radians(lat_deg)) ** 2) * 1e-3
    return ((1 - c1) - jnp.sqrt((1 - c1) ** 2 - 8.84e-6 * depth_m)) / 4.42e-6


def carbonate_fields(state, params, forcing, grid, registry, t) -> dict:
    """In-situ pH and Omega_aragonite, surface pCO2 and the air-sea CO2 flux (land: 0)."""
    from .chemistry import solve_carbonate
    from .chemistry.density import density, mmol_m3_to_umol_kg
    from .surface import co2_exchange

    c = state.c
    temp, salt = c[registry.index("temperature")], c[registry.index("salinity")]
    pres = pressure_dbar(grid.z_center[:, None, None], grid.lat[None])
    rho = density(temp, salt, pres)
    carb = solve_carbonate(mmol_m3_to_umol_kg(c[registry.index("dic")], rho),
                           mmol_m3_to_umol_kg(c[registry.index("alk")], rho), temp, salt, pres)
    air_sea = co2_exchange(c, t, params, forcing, registry)
    wet = grid.mask > 0
    return {"ph": jnp.where(wet, carb.ph, 0.0), "omega_aragonite": jnp.where(wet, carb.omega_aragonite, 0.0),
            "pco2": jnp.where(wet[0], air_sea.pco2_sea, 0.0), "co2_flux": jnp.where(wet[0], air_sea.flux, 0.0)}


def snapshot(state, params, forcing, grid, registry, dt) -> dict:
    """Values of every output field at the state's time (jit-able)."""
    t = state.time(dt)
    out = {name: state.c[i] for i, name in enumerate(registry.names)}
    u, v, w = velocity_fields(*forcing.flow(t, params), grid)
    out.update(u=u, v=v, w=w)
    if has_carbon(registry):
        out.update(carbonate_fields(state, params, forcing, grid, registry, t))
    return out
