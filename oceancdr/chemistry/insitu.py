"""The in-situ carbonate system of every model cell, from the tracer concentrations.

Model tracers are in mmol m-3; the solver takes umol kg-1 (mmol_m3 * 1000 / rho, with the EOS-80
in-situ density), in-situ temperature and the Saunders (1981) pressure of each layer. Land cells
get a harmless dummy solve (seawater-like values) so that no NaN enters a gradient; callers mask
them. Silicate and phosphate join the alkalinity when those tracers exist.
"""
from __future__ import annotations

import jax.numpy as jnp

from .carbonate import CarbonateState, solve_carbonate
from .density import density, mmol_m3_to_umol_kg, pressure_dbar

DUMMY = {"temperature": 10.0, "salinity": 35.0, "dic": 2000.0, "alk": 2200.0, "sio4": 0.0, "po4": 0.0}


def insitu_carbonate(x: dict, grid) -> CarbonateState:
    """Carbonate state of every cell; ``x`` maps tracer names to (nz, ny, nx) concentrations and
    must hold temperature, salinity, dic and alk (sio4 and po4 are used when present)."""
    wet = grid.mask > 0

    def field(name):
        return jnp.where(wet, x[name], DUMMY[name]) if name in x else 0.0

    temp, salt = field("temperature"), field("salinity")
    pres = pressure_dbar(grid.z_center[:, None, None], grid.lat[None])
    rho = density(temp, salt, pres)
    dic, alk, sio4, po4 = (mmol_m3_to_umol_kg(field(n), rho) for n in ("dic", "alk", "sio4", "po4"))
    return solve_carbonate(dic, alk, temp, salt, pres, sio4, po4)
