"""Our transport update written in plain NumPy: the floor a user could reach without JAX.

The same algorithms, in the same order and arithmetic, as :mod:`oceancdr.transport`:
flux-form advection with the superbee limiter and Easter's (1993) mass-consistent splitting of
the x, y and z sweeps, explicit horizontal diffusion, and backward-Euler vertical diffusion by the
Thomas algorithm. Arrays are (ntracer, nz, ny, nx); the grid is the model's
:class:`oceancdr.grid.Grid` converted to NumPy arrays. tests/test_benchmark_peers.py checks that
one update agrees with the JAX functions to round-off, so the benchmark compares equal work.
"""
from __future__ import annotations

import numpy as np


def _slice(a, axis, start, stop):
    index = [slice(None)] * a.ndim
    index[axis] = slice(start, stop)
    return a[tuple(index)]


def _pad2(a, lo, hi, axis):
    return np.concatenate([lo, lo, a, hi, hi], axis=axis)


def superbee(r):
    return np.maximum(0.0, np.maximum(np.minimum(2.0 * r, 1.0), np.minimum(r, 2.0)))


def slope_ratio(a, b):
    floor = 1e-100 if a.dtype == np.float64 else 1e-15
    return a / np.where(np.abs(b) > floor, b, 1.0)


def face_fluxes(q, F, vol, wet, lo, hi, open_face, dt, axis):
    n = q.shape[axis]
    vaxis = axis - 1
    qp = _pad2(q, lo, hi, axis)
    volp = _pad2(vol, _slice(vol, vaxis, 0, 1), _slice(vol, vaxis, n - 1, n), vaxis)
    zero = np.zeros_like(_slice(wet, vaxis, 0, 1))
    wetp = _pad2(wet, zero, zero, vaxis)
    qll, ql, qr, qrr = (_slice(qp, axis, s, s + n + 1) for s in range(4))
    wll, wrr = _slice(wetp, vaxis, 0, n + 1), _slice(wetp, vaxis, 3, n + 4)
    vl, vr = _slice(volp, vaxis, 1, n + 2), _slice(volp, vaxis, 2, n + 3)
    pos = F >= 0
    up = np.where(pos, ql, qr)
    down = np.where(pos, qr, ql)
    upup = np.where(pos, qll, qrr)
    courant = np.abs(F) * dt / np.where(pos, vl, vr)
    delta = down - up
    psi = superbee(slope_ratio(up - upup, delta)) * np.where(pos, wll, wrr) * (1.0 - open_face)
    return F * (up + 0.5 * psi * (1.0 - np.minimum(courant, 1.0)) * delta)


def advect(c, U, V, W, g, ghost_x, ghost_y, dt):
    """One advective step of ``dt`` s (oceancdr.transport.advection.advect without the boundary
    accounting); ``g`` holds NumPy grid arrays."""
    wet = g["mask"]
    vol_safe = np.where(wet > 0, g["volume"], 1.0)
    m = c * g["volume"]
    rho = np.ones_like(vol_safe)
    q = c
    sweeps = ((U, 3, ghost_x[..., 0:1], ghost_x[..., 1:2], g["open_x"]),
              (V, 2, ghost_y[:, :, 0:1], ghost_y[:, :, 1:2], g["open_y"]),
              (-W, 1, None, None, 0.0))
    for F, axis, lo, hi, open_face in sweeps:
        n = c.shape[axis]
        if lo is None:
            lo, hi = _slice(q, axis, 0, 1), _slice(q, axis, n - 1, n)
        flux = face_fluxes(q, F, rho * vol_safe, wet, lo, hi, open_face, dt, axis)
        m = m + dt * (_slice(flux, axis, 0, n) - _slice(flux, axis, 1, n + 1))
        rho = rho + dt * (_slice(F, axis - 1, 0, n) - _slice(F, axis - 1, 1, n + 1)) / vol_safe
        q = m / (rho * vol_safe)
    return m / vol_safe * wet


def diffuse_horizontal(c, kh, g, dt):
    cx = kh * g["ax"][..., 1:-1] / g["dxc"][:, 1:-1]
    cy = kh * g["ay"][:, 1:-1, :] / g["dyc"][1:-1]
    fx = cx * (c[..., :-1] - c[..., 1:])
    fy = cy * (c[:, :, :-1, :] - c[:, :, 1:, :])
    div = np.zeros_like(c)
    div[..., 1:] += fx
    div[..., :-1] -= fx
    div[:, :, 1:, :] += fy
    div[:, :, :-1, :] -= fy
    vol_safe = np.where(g["mask"] > 0, g["volume"], 1.0)
    return c + dt * div / vol_safe * g["mask"]


def diffuse_vertical_implicit(c, kv, g, dt):
    nz = c.shape[1]
    a = (kv * g["az"] / g["dzc"])[1:nz] * g["mask"][1:]
    a_top = np.concatenate([np.zeros_like(a[:1]), a])
    a_bot = np.concatenate([a, np.zeros_like(a[:1])])
    vol_safe = np.where(g["mask"] > 0, g["volume"], 1.0)
    diag = vol_safe + dt * (a_top + a_bot)
    lower, upper = -dt * a_top, -dt * a_bot
    rhs = c * g["volume"]
    cp = np.zeros_like(diag)
    dp = np.zeros_like(rhs)
    for k in range(nz):
        denom = diag[k] - lower[k] * (cp[k - 1] if k else 0.0)
        cp[k] = upper[k] / denom
        dp[:, k] = (rhs[:, k] - lower[k] * (dp[:, k - 1] if k else 0.0)) / denom
    x = np.empty_like(rhs)
    x[:, nz - 1] = dp[:, nz - 1]
    for k in range(nz - 2, -1, -1):
        x[:, k] = dp[:, k] - cp[k] * x[:, k + 1]
    return x * g["mask"]


GRID_FIELDS = ("mask", "volume", "open_x", "open_y", "ax", "ay", "dxc", "dyc", "az", "dzc")


def numpy_grid(grid) -> dict:
    """The grid arrays this module uses, as NumPy arrays."""
    return {k: np.asarray(getattr(grid, k)) for k in GRID_FIELDS}


def update(c, U, V, W, g, ghost_x, ghost_y, kh, h):
    """One transport sub-step of ``h`` seconds: advection then horizontal diffusion."""
    return diffuse_horizontal(advect(c, U, V, W, g, ghost_x, ghost_y, h), kh, g, h)


def transport_update(c, U, V, W, g, ghost_x, ghost_y, kh, kv, dt, substeps):
    """``substeps`` x :func:`update` of dt / substeps, then implicit vertical diffusion over dt:
    the transport part of the model step."""
    for _ in range(substeps):
        c = update(c, U, V, W, g, ghost_x, ghost_y, kh, dt / substeps)
    return diffuse_vertical_implicit(c, kv, g, dt)
