"""Sinking of particulate tracers with deposition on the seabed (first-order upwind, flux form).

The flux out of the bottom of cell k is w_s A c_k (w_s m s-1 per tracer, A the horizontal area).
It enters cell k+1 when that cell is wet and is deposited on the seabed otherwise.
"""
import jax.numpy as jnp


def sink(c, w_sink, grid, dt):
    """Return new concentrations and the amount deposited per column (ntr, ny, nx), tracer units*m3.

    w_sink: (ntr,) sinking speeds, m s-1 (0 for dissolved tracers).
    """
    wet = grid.mask
    flux = w_sink[:, None, None, None] * grid.area * c * wet            # out of each cell's bottom
    below_wet = jnp.concatenate([wet[1:], jnp.zeros_like(wet[:1])], 0)
    into_next = flux * below_wet
    deposit = dt * (flux * (1 - below_wet)).sum(axis=1)
    gain = jnp.concatenate([jnp.zeros_like(into_next[:, :1]), into_next[:, :-1]], 1)
    vol_safe = jnp.where(wet > 0, grid.volume, 1.0)
    return c + dt * (gain - flux) / vol_safe * wet, deposit
