"""Diffusion: explicit horizontal (flux form) and implicit vertical (tridiagonal, Thomas algorithm).

Fluxes are k A (c_a - c_b) / d across wet faces (A face area m2, d centre distance m, k m2 s-1);
land faces have zero area, open-boundary faces carry no diffusive flux. The implicit vertical step
solves (V + dt K) c_new = V c_old column by column; each column of the matrix sums to the cell
volume, so the vertical inventory is conserved to round-off.
"""
import jax.numpy as jnp
from jax import lax


def _pad(a, axis, widths):
    """Zero-pad ``a`` along ``axis``: the closed edge faces of a flux array."""
    pads = [(0, 0)] * a.ndim
    pads[axis] = widths
    return jnp.pad(a, pads)


def diffuse_horizontal(c, kh, grid, dt):
    """One explicit step of horizontal diffusion with diffusivity ``kh`` (m2 s-1, scalar)."""
    cx = kh * grid.ax[..., 1:-1] / grid.dxc[:, 1:-1]            # (nz, ny, nx-1), m3 s-1
    cy = kh * grid.ay[:, 1:-1, :] / grid.dyc[1:-1]              # (nz, ny-1, nx)
    fx = cx * (c[..., :-1] - c[..., 1:])                        # flux toward +x
    fy = cy * (c[:, :, :-1, :] - c[:, :, 1:, :])
    div = (_pad(fx, -1, (1, 0)) - _pad(fx, -1, (0, 1))
           + _pad(fy, -2, (1, 0)) - _pad(fy, -2, (0, 1)))
    vol_safe = jnp.where(grid.mask > 0, grid.volume, 1.0)
    return c + dt * div / vol_safe * grid.mask


def diffuse_vertical_implicit(c, kv, grid, dt):
    """Backward-Euler vertical diffusion; kv (nz+1, ny, nx) or broadcastable, m2 s-1 on faces."""
    nz = c.shape[1]
    a = (kv * grid.az / grid.dzc)[1:nz] * grid.mask[1:]         # coupling of k-1 and k, m3 s-1
    a_top = _pad(a, 0, (1, 0))                                  # face above each cell
    a_bot = _pad(a, 0, (0, 1))                                  # face below each cell
    vol_safe = jnp.where(grid.mask > 0, grid.volume, 1.0)
    diag = vol_safe + dt * (a_top + a_bot)
    lower = -dt * a_top
    upper = -dt * a_bot
    rhs = jnp.moveaxis(c * grid.volume, 1, 0)                   # (nz, ntr, ny, nx)

    def forward(carry, k_in):
        cp_prev, dp_prev = carry
        lo, di, up, r = k_in
        denom = di - lo * cp_prev
        cp = up / denom
        dp = (r - lo * dp_prev) / denom
        return (cp, dp), (cp, dp)

    init = (jnp.zeros_like(diag[0]), jnp.zeros_like(rhs[0]))
    _, (cps, dps) = lax.scan(forward, init, (lower, diag, upper, rhs))

    def backward(x_next, k_in):
        cp, dp = k_in
        x = dp - cp * x_next
        return x, x

    _, xs = lax.scan(backward, jnp.zeros_like(rhs[0]), (cps, dps), reverse=True)
    return jnp.moveaxis(xs, 0, 1) * grid.mask
