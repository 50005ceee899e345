"""Diffusion: explicit horizontal (flux form) and implicit vertical (tridiagonal, Thomas algorithm).

Fluxes are k A (c_a - c_b) / d across wet faces (A face area m2, d centre distance m, k m2 s-1);
land faces have zero area, open-boundary faces carry no diffusive flux. The implicit vertical step
solves (V + dt K) c_new = V c_old column by column; each column of the matrix sums to the cell
volume, so the vertical inventory is conserved to round-off.

Both operators are symmetric (the flux between two cells is a coefficient times their difference),
so each is its own transpose, and their adjoints are written out with that: JAX's reverse mode of
the stencil and of the two Thomas scans moved every intermediate through memory and cost 4-12
forward evaluations on a 48 x 64 x 16 grid. The adjoints are tested against JAX's own reverse mode
(tests/test_transport_adjoint.py).
"""
from functools import partial

import jax
import jax.numpy as jnp
from jax import lax

from .tracer_sum import tracer_sum


def zero_pad(a, axis, widths):
    """Zero-pad ``a`` along ``axis`` by ``widths`` (before, after): the closed edge faces of a
    flux array."""
    pads = [(0, 0)] * a.ndim
    pads[axis] = widths
    return jnp.pad(a, pads)


def _face_differences(c):
    """c_west - c_east on the interior x faces and c_south - c_north on the interior y faces."""
    return c[..., :-1] - c[..., 1:], c[:, :, :-1, :] - c[:, :, 1:, :]


def _convergence(c, cx, cy):
    """Net diffusive inflow into each cell (tracer units * m3 s-1) for face coefficients cx, cy
    (m3 s-1): D c, with D symmetric."""
    dx, dy = _face_differences(c)
    fx, fy = cx * dx, cy * dy                                   # fluxes toward +x, +y
    return (zero_pad(fx, -1, (1, 0)) - zero_pad(fx, -1, (0, 1))
            + zero_pad(fy, -2, (1, 0)) - zero_pad(fy, -2, (0, 1)))


def diffuse_horizontal(c, kh, grid, dt):
    """One explicit step of horizontal diffusion with diffusivity ``kh`` (m2 s-1, scalar)."""
    cx = kh * grid.ax[..., 1:-1] / grid.dxc[:, 1:-1]            # (nz, ny, nx-1), m3 s-1
    cy = kh * grid.ay[:, 1:-1, :] / grid.dyc[1:-1]              # (nz, ny-1, nx)
    scale = dt * grid.mask / jnp.where(grid.mask > 0, grid.volume, 1.0)
    return _explicit_step(c, cx, cy, scale)


@jax.custom_vjp
def _explicit_step(c, cx, cy, scale):
    """c + scale D c (scale = dt mask / volume)."""
    return c + scale * _convergence(c, cx, cy)


def _explicit_step_fwd(c, cx, cy, scale):
    convergence = _convergence(c, cx, cy)
    return c + scale * convergence, (c, cx, cy, scale, convergence)


def _explicit_step_bwd(saved, ct):
    """With u = scale ct: c-bar = ct + D u (D symmetric); each face coefficient gets
    -sum over tracers of (u_a - u_b)(c_a - c_b); scale gets sum over tracers of ct D c."""
    c, cx, cy, scale, convergence = saved
    u = scale * ct
    ux, uy = _face_differences(u)
    dx, dy = _face_differences(c)
    return (ct + _convergence(u, cx, cy), -tracer_sum(ux * dx), -tracer_sum(uy * dy),
            tracer_sum(ct * convergence))


_explicit_step.defvjp(_explicit_step_fwd, _explicit_step_bwd)


def diffuse_vertical_implicit(c, kv, grid, dt):
    """Backward-Euler vertical diffusion; kv (nz+1, ny, nx) or broadcastable, m2 s-1 on faces."""
    nz = c.shape[1]
    a = (kv * grid.az / grid.dzc)[1:nz] * grid.mask[1:]         # coupling of k-1 and k, m3 s-1
    vol_safe = jnp.where(grid.mask > 0, grid.volume, 1.0)
    return _implicit_solve(a, vol_safe, c * grid.volume, dt) * grid.mask


def _factor(a, vol, dt):
    """LU factors of (diag(vol) + dt K(a)) in every column, the same for every tracer: K(a) couples
    levels k-1 and k with a[k-1] (a symmetric tridiagonal matrix). Returns the sub-diagonal, the
    normalised super-diagonal c'_k and 1 / the pivots, each (nz, ny, nx) (Thomas algorithm)."""
    a_top = zero_pad(a, 0, (1, 0))                              # face above each cell
    a_bot = zero_pad(a, 0, (0, 1))                              # face below each cell
    lower = -dt * a_top

    def level(cp_prev, k_in):
        lo, di, up = k_in
        inv = 1.0 / (di - lo * cp_prev)
        return up * inv, (up * inv, inv)

    _, (cps, invs) = lax.scan(level, jnp.zeros_like(vol[0]), (lower, vol + dt * (a_top + a_bot), -dt * a_bot))
    return lower, cps, invs


def _substitute(factors, rhs):
    """Solve with the factors of :func:`_factor` for rhs (ntr, nz, ny, nx), level by level along
    axis 1 in place. Scanning levels as the leading axis needed the tracers transposed in and out,
    two stored copies: the main job's compiled chunk held 2057 bytes per cell with them, 1737
    without (docs/performance.md)."""
    lower, cps, invs = factors
    nz = rhs.shape[1]
    level = partial(lax.dynamic_index_in_dim, axis=1, keepdims=False)

    def down(k, d):
        return lax.dynamic_update_index_in_dim(d, (level(d, k) - lower[k] * level(d, k - 1)) * invs[k], k, 1)

    def up(i, x):
        k = nz - 2 - i
        return lax.dynamic_update_index_in_dim(x, level(x, k) - cps[k] * level(x, k + 1), k, 1)

    d = rhs.at[:, 0].multiply(invs[0])
    return lax.fori_loop(0, nz - 1, up, lax.fori_loop(1, nz, down, d))


@partial(jax.custom_vjp, nondiff_argnums=(3,))
def _implicit_solve(a, vol, rhs, dt):
    return _substitute(_factor(a, vol, dt), rhs)


def _implicit_solve_fwd(a, vol, rhs, dt):
    factors = _factor(a, vol, dt)
    x = _substitute(factors, rhs)
    return x, (factors, x)


def _implicit_solve_bwd(dt, saved, ct):
    """The matrix is symmetric, so lambda = A^-1 ct is a solve with the same factors; with
    A x = rhs, rhs-bar = lambda, A-bar = -lambda x^T: a[k-1] gets -dt sum_tracers (l_k - l_k-1)
    (x_k - x_k-1) and vol gets -sum_tracers l x."""
    factors, x = saved
    lam = _substitute(factors, ct)
    d_a = -dt * tracer_sum((lam[:, 1:] - lam[:, :-1]) * (x[:, 1:] - x[:, :-1]), axis=0)
    return d_a, -tracer_sum(lam * x, axis=0), lam


_implicit_solve.defvjp(_implicit_solve_fwd, _implicit_solve_bwd)
