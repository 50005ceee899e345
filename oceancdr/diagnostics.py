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


def output_fields(registry) -> dict:
    """Variables of output.nc: every tracer and the velocities, with CF attributes."""
    fields = {name: (("depth", "y", "x"), registry.attrs(name)) for name in registry.names}
    fields.update({k: (("depth", "y", "x"), a) for k, a in VELOCITY_ATTRS.items()})
    return fields


def snapshot(state, params, forcing, grid, registry, dt) -> dict:
    """Values of every output field at the state's time (jit-able)."""
    out = {name: state.c[i] for i, name in enumerate(registry.names)}
    u, v, w = velocity_fields(*forcing.flow(state.time(dt), params), grid)
    out.update(u=u, v=v, w=w)
    return out
