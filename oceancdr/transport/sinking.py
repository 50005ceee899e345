"""Sinking of particulate tracers with deposition on the seabed: implicit upwind, flux form.

Cell k (volume V_k, horizontal area A) loses w_s A c_k through its bottom; that flux enters cell
k+1 when it is wet and is deposited on the seabed otherwise. Taken implicitly (backward Euler),

    c_k' (V_k + dt w_s A) = V_k c_k + dt w_s A c_{k-1}'

which is solved top-down in one sweep. It is unconditionally stable and positive, so fast-sinking
particles in thin partial cells put no limit on the time step, and it conserves exactly: what
leaves the water is what is deposited.
"""
import jax.numpy as jnp
from jax import lax


def sink(c, w_sink, grid, dt):
    """Return (new concentrations, deposition per column (ntr, ny, nx) in tracer units * m3,
    interface fluxes (ntr, nz, ny, nx): the amount (tracer units * m3) that left each cell
    through its bottom during ``dt``, into the cell below or onto the seabed).

    w_sink: (ntr,) sinking speeds, m s-1 (0 for dissolved tracers)."""
    wet = grid.mask
    below_wet = jnp.concatenate([wet[1:], jnp.zeros_like(wet[:1])], 0)
    out_coef = dt * w_sink[:, None, None] * grid.area        # (ntr, ny, nx), m3 of water swept per step

    def level(incoming, k):
        vol = grid.volume[k]
        new = jnp.where(wet[k] > 0, (vol * c[:, k] + incoming) / jnp.where(wet[k] > 0, vol + out_coef, 1.0), 0.0)
        out = out_coef * new * wet[k]
        return out * below_wet[k], (new, out)

    zero = jnp.zeros_like(c[:, 0])
    _, (new, out) = lax.scan(level, zero, jnp.arange(c.shape[1]))
    new, out = jnp.moveaxis(new, 0, 1), jnp.moveaxis(out, 0, 1)
    deposit = (out * (1 - below_wet)).sum(axis=1)
    return new, deposit, out
