"""Flux-form advection of all tracers at once with a TVD flux limiter.

Each direction is a 1-D sweep of the Lax-Wendroff/upwind flux-limited scheme (Sweby 1984, SIAM J.
Numer. Anal. 21, 995) with the superbee (Roe 1985) or monotonised-central (van Leer 1977) limiter.
The sweeps are combined by the mass-consistent splitting of Easter (1993, Mon. Wea. Rev. 121, 297):
a pseudo-density follows the 1-D flux divergence of each sweep, so every intermediate field is a
bounded 1-D update and, because the 3-D flow is non-divergent, the pseudo-density returns to one.
The tracer amount is updated in pure flux form, so the scheme conserves to round-off and exports
through open boundaries are exact. Open-boundary faces and faces whose far upwind cell is land are
first-order upwind; inflow at open boundaries carries the prescribed boundary value.
"""
from functools import partial

import jax
import jax.numpy as jnp
from jax import lax

from ..stored import stored
from .diffusion import zero_pad
from .tracer_sum import tracer_sum


def superbee(r):
    """Superbee limiter (Roe 1985): max(0, min(2r, 1), min(r, 2))."""
    return jnp.maximum(0.0, jnp.maximum(jnp.minimum(2.0 * r, 1.0), jnp.minimum(r, 2.0)))


def monotonized_central(r):
    """Monotonised-central limiter (van Leer 1977): max(0, min(2r, (1+r)/2, 2))."""
    return jnp.maximum(0.0, jnp.minimum(jnp.minimum(2.0 * r, 0.5 * (1.0 + r)), 2.0))


def _floor(dtype):
    """Slopes below this are replaced by 1 in the slope ratio r = a / b (there the limited
    correction psi(r) b is negligible whatever r is). The floor keeps a / b**2, the derivative of
    r, finite in the dtype; dividing by a subnormal slope gave 0 * inf = NaN in gradients."""
    return 1e-100 if dtype == jnp.float64 else 1e-15


LIMITERS = {"superbee": superbee, "mc": monotonized_central}

# each limiter's breakpoints in r and its slopes d psi / dr between them (one more than the breaks)
_PIECES = {"superbee": ((0.0, 0.5, 1.0, 2.0), (0.0, 2.0, 0.0, 1.0, 0.0)),
           "mc": ((0.0, 1.0 / 3.0, 3.0), (0.0, 2.0, 0.5, 0.0))}


def limiter_slope(limiter, r):
    """d psi / dr of the limiter named ``limiter`` (in :data:`LIMITERS`), from its linear pieces;
    at a breakpoint, the mean of the two one-sided slopes (the value central differences converge
    to; JAX's derivative of the max/min form splits ties its own way, 0.75 for superbee at r = 0).
    Written as selects on r, it fuses with the stencil: the forward rule with JAX's derivative
    of the max/min form took 1.4x as long as with this (96 x 128 x 16, 48 x 64 x 16)."""
    breaks, slopes = _PIECES[limiter]
    left = right = slopes[-1]
    for b, s in zip(reversed(breaks), reversed(slopes[:-1])):
        right = jnp.where(r < b, s, right)
        left = jnp.where(r <= b, s, left)
    return 0.5 * (left + right)


def _slice(a, axis, start, stop):
    return lax.slice_in_dim(a, start, stop, axis=axis)


def _pad2(a, lo, hi, axis):
    """Two ghost cells on each side along ``axis`` (lo, hi: size 1 there), as selects on a
    zero-padded copy, which XLA fuses into the flux computation; it stores a concatenation along
    the minor axis as an array of its own (the update of a 24 x 32 x 10 grid took 1.25x as long)."""
    n = a.shape[axis]
    pads = [(0, 0, 0)] * a.ndim
    pads[axis] = (2, 2, 0)
    inner = lax.pad(a, jnp.zeros((), a.dtype), pads)
    i = lax.broadcasted_iota(jnp.int32, inner.shape, axis)
    return jnp.where(i < 2, lo, jnp.where(i >= n + 2, hi, inner))


def _stored_pad2(a, lo, hi, axis):
    """:func:`_pad2` as a concatenation, which XLA stores once: the adjoint reads the windows
    from many kernels, and recomputing the selects in each made the gradient 1.3x slower (one
    run on 12 x 16 x 8 and 48 x 64 x 16)."""
    return jnp.concatenate([lo, lo, a, hi, hi], axis=axis)


def _upwind_volume(vol, pos, vaxis):
    """Volume of the cell upwind of each face (the edge cells' own volume beyond the edges)."""
    n = vol.shape[vaxis]
    volp = _pad2(vol, _slice(vol, vaxis, 0, 1), _slice(vol, vaxis, n - 1, n), vaxis)
    return jnp.where(pos, _slice(volp, vaxis, 1, n + 2), _slice(volp, vaxis, 2, n + 3))


def _stencil(q, F, vol, wet, lo, hi, open_face, dt, axis, pad=_pad2):
    """Everything the face fluxes and their adjoint share: the windows of the tracer padded by
    ``pad``, the upwind selection, the limiter and the Courant factor (arrays on the n+1 faces
    along ``axis``)."""
    n = q.shape[axis]
    vaxis = axis - 1
    qp = pad(q, lo, hi, axis)
    zero = jnp.zeros_like(_slice(wet, vaxis, 0, 1))
    wetp = _pad2(wet, zero, zero, vaxis)
    qll, ql, qr, qrr = (_slice(qp, axis, s, s + n + 1) for s in range(4))
    wll, wrr = _slice(wetp, vaxis, 0, n + 1), _slice(wetp, vaxis, 3, n + 4)
    pos = F >= 0
    up = jnp.where(pos, ql, qr)
    delta = jnp.where(pos, qr, ql) - up
    upup = jnp.where(pos, qll, qrr)
    upwind_volume = _upwind_volume(vol, pos, vaxis)
    courant = jnp.abs(F) * dt / upwind_volume
    half = 0.5 * (1.0 - jnp.minimum(courant, 1.0))
    mask = jnp.where(pos, wll, wrr) * (1.0 - open_face)
    big = jnp.abs(delta) > _floor(q.dtype)
    r = (up - upup) / jnp.where(big, delta, 1.0)
    return pos, up, delta, r, big, mask, half, courant, upwind_volume


def face_fluxes(q, F, vol, wet, lo, hi, open_face, dt, axis, limiter):
    """Tracer flux (tracer units * m3 s-1) through the n+1 faces along ``axis``.

    q: (ntr, nz, ny, nx) mixing ratios; F: volume flux on faces (positive toward increasing index);
    vol: effective cell volumes (nz, ny, nx); wet: 0/1 mask; lo/hi: ghost tracer values (size 1
    along ``axis``); open_face: 1 on open-boundary faces (first-order there); ``limiter`` a name in
    :data:`LIMITERS`. Differentiated by its own adjoint (:func:`_face_fluxes_bwd`); reverse mode only.
    """
    return _face_fluxes(q, F, vol, wet, lo, hi, open_face, dt, axis, limiter)


@partial(jax.custom_vjp, nondiff_argnums=(8, 9))
def _face_fluxes(q, F, vol, wet, lo, hi, open_face, dt, axis, limiter):
    pos, up, delta, r, big, mask, half, *_ = _stencil(q, F, vol, wet, lo, hi, open_face, dt, axis)
    return F * (up + half * LIMITERS[limiter](r) * mask * delta)


def _coefficients(psi, dpsi, pos, big, r, delta, mask, half):
    """Derivatives of the face value q_f = up + h psi(r) m delta with respect to the cell left of
    the face, the cell right of it and the far upwind cell (h the Courant factor, m the mask,
    r = (up - upup) / delta):

    dq_f/dup = 1 - h psi m + e (1 + r), dq_f/ddown = h psi m - e r, dq_f/dupup = -e, where
    e = h psi'(r) m; where |delta| is below the floor, r = up - upup, so r is taken as 0 and e is
    scaled by delta. The three sum to one (adding a constant to every cell adds it to q_f), so
    only the right cell's and the far cell's are returned: the left cell's is one minus those."""
    h_psi = half * psi * mask
    e = half * dpsi * mask * jnp.where(big, 1.0, delta)
    r0 = jnp.where(big, r, 0.0)
    d_up = 1.0 - h_psi + e * (1.0 + r0)
    d_down = h_psi - e * r0
    return jnp.where(pos, d_down, d_up), -e


def _face_fluxes_fwd(q, F, vol, wet, lo, hi, open_face, dt, axis, limiter):
    pos, up, delta, r, big, mask, half, *_ = _stencil(q, F, vol, wet, lo, hi, open_face, dt, axis)
    psi, dpsi = LIMITERS[limiter](r), limiter_slope(limiter, r)
    flux = F * (up + half * psi * mask * delta)
    return flux, (_coefficients(psi, dpsi, pos, big, r, delta, mask, half), (q, F, vol, wet, lo, hi, open_face, dt))


def _face_fluxes_bwd(axis, limiter, saved, ct):
    """Adjoint of the face fluxes, written out: JAX's reverse mode of the forward code moved every
    intermediate through memory several times and cost 5-15x the forward (a written-out tangent
    rule, transposed by JAX, was 1.4x slower than this).

    The forward pass keeps two of the three derivatives of each face value (:func:`_coefficients`;
    the third is one minus those: storing two, the adjoint's temporaries on 96 x 128 x 16 fell
    from 128 to 103 MB, its time within the CPU VM's noise). Every cell's cotangent is summed from
    their products with the cotangents of the four faces it feeds, inside
    :func:`oceancdr.stored.stored`, so that the result is stored and one kernel forms it.
    Left to itself, XLA computed the stencil anew for each of the four faces; with only the three
    products stored, each was a kernel of its own (12 % more kernel time for the advection's
    forward plus reverse on 48 x 64 x 16). The flux F q_f also depends on F, dt and the upwind
    volume through h; that part recomputes the stencil, and XLA drops it where the flow is not
    differentiated.
    """
    (k_right, k_far), inputs = saved
    q, F, vol, wet, lo, hi, open_face, dt = inputs
    n = q.shape[axis]
    vaxis = axis - 1
    pos = F >= 0
    ct_face = ct * F

    def cell_cotangents(ct_face, pos, k_right, k_far):
        right, far = ct_face * k_right, ct_face * k_far
        left = ct_face - right - far
        # the far upwind cell is the second cell to the left where the flow is positive, else the
        # second to the right; cell i is right of face i, left of face i + 1, far left of face
        # i + 2 and far right of face i - 1
        far_left = jnp.where(pos, far, 0.0)
        far_right = jnp.where(pos, 0.0, far)
        d_q = (_slice(left, axis, 1, n + 1) + _slice(right, axis, 0, n)
               + zero_pad(_slice(far_left, axis, 2, n + 1), axis, (0, 1))
               + zero_pad(_slice(far_right, axis, 0, n - 1), axis, (1, 0)))
        d_lo = _slice(far_left, axis, 0, 1) + _slice(far_left, axis, 1, 2) + _slice(left, axis, 0, 1)
        d_hi = (_slice(right, axis, n, n + 1) + _slice(far_right, axis, n - 1, n)
                + _slice(far_right, axis, n, n + 1))
        return d_q, d_lo, d_hi

    d_q, d_lo, d_hi = stored(cell_cotangents, k_right, ct_face, pos, k_right, k_far)
    _, up, delta, r, big, mask, half, courant, upwind_volume = _stencil(*inputs, axis, _stored_pad2)
    psi = LIMITERS[limiter](r)
    d_half = tracer_sum(ct_face * psi * mask * delta)
    d_courant = jnp.where(courant < 1.0, -0.5 * d_half, 0.0)
    d_F = tracer_sum(ct * (up + half * psi * mask * delta)) + d_courant * jnp.sign(F) * dt / upwind_volume
    d_dt = jnp.sum(d_courant * jnp.abs(F) / upwind_volume)
    d_upwind_volume = -d_courant * courant / upwind_volume
    d_vol, = jax.vjp(lambda v: _upwind_volume(v, pos, vaxis), vol)[1](d_upwind_volume)
    return d_q, d_F, d_vol, None, d_lo, d_hi, None, d_dt


_face_fluxes.defvjp(_face_fluxes_fwd, _face_fluxes_bwd)


def advect(c, U, V, W, grid, ghost_x, ghost_y, dt, limiter="superbee"):
    """Advance tracers (ntr, nz, ny, nx) by one advective step of ``dt`` seconds.

    U (nz, ny, nx+1), V (nz, ny+1, nx): horizontal volume fluxes (m3 s-1, toward +x, +y);
    W (nz+1, ny, nx): upward volume flux on top faces. ghost_x (ntr, nz, ny, 2) and
    ghost_y (ntr, nz, 2, nx) hold inflow values outside the (west, east) and (south, north) edges.
    Returns the new concentrations and the net amount that entered through open boundaries
    (ntr,), in tracer units * m3.
    """
    dtype = c.dtype
    wet = grid.mask
    vol_safe = jnp.where(wet > 0, grid.volume, 1.0)
    m = c * grid.volume
    rho = jnp.ones_like(vol_safe)
    q = c
    no_open = jnp.zeros((), dtype)

    sweeps = (
        (U, 3, ghost_x[..., 0:1], ghost_x[..., 1:2], grid.open_x),
        (V, 2, ghost_y[:, :, 0:1], ghost_y[:, :, 1:2], grid.open_y),
        (-W, 1, None, None, no_open),  # downward-positive along increasing k
    )
    boundary_in = jnp.zeros(c.shape[0], dtype)
    for F, axis, lo, hi, open_face in sweeps:
        n = c.shape[axis]
        if lo is None:
            lo, hi = _slice(q, axis, 0, 1), _slice(q, axis, n - 1, n)
        flux = face_fluxes(q, F, rho * vol_safe, wet, lo, hi, open_face, dt, axis, limiter)
        m = m + dt * (_slice(flux, axis, 0, n) - _slice(flux, axis, 1, n + 1))
        rho = rho + dt * (_slice(F, axis - 1, 0, n) - _slice(F, axis - 1, 1, n + 1)) / vol_safe
        q = m / (rho * vol_safe)
        if axis != 1:
            edge_in = _slice(flux, axis, 0, 1) - _slice(flux, axis, n, n + 1)
            boundary_in = boundary_in + dt * edge_in.sum(axis=(1, 2, 3))
    return m / vol_safe * wet, boundary_in
