"""Prescribed circulation that satisfies discrete continuity exactly on the masked grid.

Velocities are carried as volume fluxes (m3 s-1) on cell faces. Every analytic flow comes from a
streamfunction defined on cell corners (Arakawa C grid): the divergence of a corner streamfunction
is zero identically, and setting it to zero on every corner that touches a dry cell (or the sea
surface, or a closed edge) closes each land face, so continuity holds to round-off whatever the
mask. Three patterns make the coastal circulation:

* an alongshore jet over the shelf break (layer streamfunction in x-y, decaying with depth),
* a barotropic tidal current (the same construction, depth-uniform),
* a wind-driven overturning in the cross-shore plane (streamfunction in x-z): an offshore Ekman
  layer, upwelling in a coastal band and an onshore return flow below.

On a real coastline (a bathymetry grid) a potential flow between two open sides stands in for
the unknown circulation: depth-uniform, irrotational, following every coast and splitting between
passages, with a steady and a tidal amplitude (:func:`potential_pattern`).

Velocities from a file (u, v at cell centres on the model grid) are moved to faces, their
depth-integrated divergence is removed by a barotropic projection (a sparse Poisson solve), and w
follows from continuity, integrated up from the seabed.
"""
from __future__ import annotations

import numpy as np
from scipy.special import erf

from .config import CirculationConfig, ConfigError, GridConfig
from .grid import Grid, coastline_km


def _hfac_extended(hfac: np.ndarray, open_boundaries) -> np.ndarray:
    """Wet fractions padded by one cell in y and x: open edges copy the edge cell, closed edges are dry."""
    w = np.pad(hfac, ((0, 0), (1, 1), (1, 1)))
    if "west" in open_boundaries:
        w[:, 1:-1, 0] = hfac[:, :, 0]
    if "east" in open_boundaries:
        w[:, 1:-1, -1] = hfac[:, :, -1]
    if "south" in open_boundaries:
        w[:, 0, 1:-1] = hfac[:, 0, :]
    if "north" in open_boundaries:
        w[:, -1, 1:-1] = hfac[:, -1, :]
    for (jy, sy, jx, sx) in ((0, "south", 0, "west"), (0, "south", -1, "east"),
                             (-1, "north", 0, "west"), (-1, "north", -1, "east")):
        if sy in open_boundaries and sx in open_boundaries:
            w[:, jy, jx] = hfac[:, jy, jx]
    return w


def _min4(w: np.ndarray, axes) -> np.ndarray:
    """Smallest of the four cells around each corner of the two given (padded) axes."""
    a, b = axes
    n_a, n_b = w.shape[a], w.shape[b]
    def part(sa, sb):
        idx = [slice(None)] * w.ndim
        idx[a], idx[b] = sa, sb
        return w[tuple(idx)]
    lo_a, hi_a = slice(0, n_a - 1), slice(1, n_a)
    lo_b, hi_b = slice(0, n_b - 1), slice(1, n_b)
    return np.minimum(np.minimum(part(lo_a, lo_b), part(lo_a, hi_b)), np.minimum(part(hi_a, lo_b), part(hi_a, hi_b)))


def horizontal_corner_factor(grid: Grid) -> np.ndarray:
    """(nz, ny+1, nx+1): the smallest wet fraction of the four cells around a corner of layer k
    (0 where any of them is dry), so transports shrink with partial cells and vanish at land."""
    w = _hfac_extended(np.asarray(grid.hfac), grid.open_boundaries)
    return _min4(w, (1, 2))


def vertical_corner_factor(grid: Grid) -> np.ndarray:
    """(nz+1, ny, nx+1): the same for x-z corners; the sea surface and the seabed count as walls."""
    w = _hfac_extended(np.asarray(grid.hfac), grid.open_boundaries)[:, 1:-1, :]  # (nz, ny, nx+2)
    return _min4(np.pad(w, ((1, 1), (0, 0), (0, 0))), (0, 2))


def flux_from_horizontal_streamfunction(psi: np.ndarray):
    """Volume fluxes (U, V) from a layer streamfunction on corners (nz, ny+1, nx+1), m3 s-1:
    U = psi[j+1] - psi[j] on x faces, V = -(psi[i+1] - psi[i]) on y faces; no vertical flux."""
    return psi[:, 1:, :] - psi[:, :-1, :], -(psi[:, :, 1:] - psi[:, :, :-1])


def flux_from_overturning_streamfunction(phi: np.ndarray):
    """Volume fluxes (U, W) from an x-z streamfunction on corners (nz+1, ny, nx+1), m3 s-1:
    U = phi[k] - phi[k+1] on x faces, W (upward, on top faces) = phi[i] - phi[i+1]."""
    return phi[:-1] - phi[1:], phi[:, :, :-1] - phi[:, :, 1:]


def coastal_patterns(grid: Grid, gcfg: GridConfig, ccfg: CirculationConfig):
    """Unit flow patterns of the idealised coast, each a tuple (U, V, W) of face volume fluxes:
    jet (per m s-1 of peak alongshore speed), tide (per m s-1 of tidal current) and overturning (per
    m2 s-1 of offshore Ekman transport)."""
    nz, ny, nx = grid.shape
    x_corner = np.arange(nx + 1) * gcfg.dx_m / 1e3           # km
    y_corner = np.arange(ny + 1) * gcfg.dy_m / 1e3
    y_center = (np.arange(ny) + 0.5) * gcfg.dy_m / 1e3
    dz = np.asarray(grid.dz)
    zc = np.asarray(grid.z_center)
    hmask = horizontal_corner_factor(grid)
    vmask = vertical_corner_factor(grid)

    # jet: v(d) = exp(-((d - d0)/w)^2) exp(-z/D); psi = -dz * integral of v from the coast
    d = np.maximum(x_corner[None, :] - coastline_km(gcfg, y_corner)[:, None], 0.0) * 1e3  # m
    d0, w = ccfg.jet_offshore_km * 1e3, ccfg.jet_width_km * 1e3
    integral = 0.5 * np.sqrt(np.pi) * w * (erf((d - d0) / w) - erf(-d0 / w))
    decay = np.exp(-zc / ccfg.jet_decay_depth_m)
    psi_jet = -(dz * decay)[:, None, None] * integral[None] * hmask
    # tide: depth-uniform alongshore flow that vanishes at the coast over 2 km
    ell = 2000.0
    integral_t = d - ell * (1 - np.exp(-d / ell))
    psi_tide = -dz[:, None, None] * integral_t[None] * hmask

    # overturning: phi(z, d) = -dy * A(z) * B(d), Ekman layer offshore, return flow onshore
    zf = np.asarray(grid.z_face)
    he, hr = ccfg.ekman_depth_m, ccfg.return_depth_m
    a = np.clip(zf / he, 0, 1) * np.clip((2 * hr - zf) / hr, 0, 1)
    dcol = np.maximum(x_corner[None, :] - coastline_km(gcfg, y_center)[:, None], 0.0) * 1e3  # (ny, nx+1)
    b = 1 - np.exp(-dcol / (ccfg.upwelling_width_km * 1e3))
    phi = -(gcfg.dy_m * a[:, None, None] * b[None]) * vmask

    zero_w = np.zeros((nz + 1, ny, nx))
    u_jet, v_jet = flux_from_horizontal_streamfunction(psi_jet)
    u_tide, v_tide = flux_from_horizontal_streamfunction(psi_tide)
    u_ot, w_ot = flux_from_overturning_streamfunction(phi)
    zero_v = np.zeros((nz, ny + 1, nx))
    return [(u_jet, v_jet, zero_w), (u_tide, v_tide, zero_w), (u_ot, zero_v, w_ot)]


# ---------------------------------------------------------------------------------------------
def _faces_from_centres(u_c: np.ndarray, axis: int, n_faces: int) -> np.ndarray:
    """Average centre velocities onto interior faces along ``axis`` and copy them to edge faces."""
    u = np.moveaxis(u_c, axis, -1)
    f = np.empty(u.shape[:-1] + (n_faces,))
    f[..., 1:-1] = 0.5 * (u[..., :-1] + u[..., 1:])
    f[..., 0], f[..., -1] = u[..., 0], u[..., -1]
    return np.moveaxis(f, -1, axis)


_SIDES = {"west": (1, 0), "east": (1, -1), "south": (0, 0), "north": (0, -1)}   # (axis of the faces, edge index)


def column_potential(grid: Grid, rhs: np.ndarray, outside: dict):
    """Solve the depth-integrated graph Poisson problem on wet columns and return its face flows.

    sum over the faces of column a of c_f (phi_a - phi_b) = rhs_a, with conductance c_f = wet face
    area / centre distance (m), phi = ``outside[side]`` (a number, or one per edge cell) beyond the
    open faces of each side named in ``outside`` (Dirichlet) and no flow through the other edges. A basin without Dirichlet faces is
    a Neumann problem: one of its cells is pinned (its equation is implied). Sparse direct solve.

    Returns the depth-integrated face flows (Fx (ny, nx+1), Fy (ny+1, nx)) = c_f (phi_left -
    phi_right), eastward and northward positive, in units of rhs (m3 s-1 when rhs is a divergence).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.sparse.linalg import spsolve

    ny, nx = grid.shape[1:]
    cx = np.asarray(grid.ax).sum(0) / np.asarray(grid.dxc)
    cy = np.asarray(grid.ay).sum(0) / np.asarray(grid.dyc)
    faces = {1: cx, 0: cy}
    for side, (axis, edge) in _SIDES.items():        # closed, or open without a Dirichlet value
        if side not in outside:
            (faces[axis][:, edge] if axis == 1 else faces[axis][edge])[...] = 0.0
    wet = np.asarray(grid.mask)[0] > 0
    idx = -np.ones((ny, nx), int)
    idx[wet] = np.arange(wet.sum())
    n = int(wet.sum())
    rows, cols, vals = [], [], []
    diag = np.zeros(n)
    for (c, a, b) in ((cx[:, 1:-1], idx[:, :-1], idx[:, 1:]), (cy[1:-1], idx[:-1], idx[1:])):
        sel = (c > 0) & (a >= 0) & (b >= 0)
        ia, ib, cc = a[sel], b[sel], c[sel]
        rows += [ia, ib]; cols += [ib, ia]; vals += [-cc, -cc]
        np.add.at(diag, ia, cc); np.add.at(diag, ib, cc)
    ghost_x = np.zeros((ny, 2))
    ghost_y = np.zeros((2, nx))
    b = np.asarray(rhs, float)[wet].copy()
    open_c = np.zeros(n)
    for side, value in outside.items():
        axis, edge = _SIDES[side]
        c, i = (cx[:, edge], idx[:, edge]) if axis == 1 else (cy[edge], idx[edge])
        sel = (c > 0) & (i >= 0)
        np.add.at(open_c, i[sel], c[sel])
        value = np.broadcast_to(np.asarray(value, float), i.shape)
        np.add.at(b, i[sel], c[sel] * value[sel])
        (ghost_x[:, edge] if axis == 1 else ghost_y[edge])[...] = value
    rows.append(np.arange(n)); cols.append(np.arange(n)); vals.append(diag + open_c)
    L = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)).tolil()
    ncomp, labels = connected_components(L.tocsr(), directed=False)
    pinned = [np.flatnonzero(labels == k)[0] for k in range(ncomp) if open_c[labels == k].sum() == 0]
    for p in pinned:
        L[p, :] = 0
        L[p, p] = 1.0
    b[pinned] = 0.0
    phi = np.zeros((ny, nx))
    phi[wet] = spsolve(L.tocsr(), b)
    phx = np.concatenate([ghost_x[:, :1], phi, ghost_x[:, 1:]], axis=1)
    phy = np.concatenate([ghost_y[:1], phi, ghost_y[1:]], axis=0)
    return cx * (phx[:, :-1] - phx[:, 1:]), cy * (phy[:-1] - phy[1:])


def _spread_over_layers(Fx, Fy, grid: Grid):
    """Layer fluxes (U, V) that carry depth-integrated face flows in proportion to each layer's
    wet face area (a depth-uniform velocity on every face)."""
    ax, ay = np.asarray(grid.ax), np.asarray(grid.ay)
    Ax, Ay = ax.sum(0), ay.sum(0)
    fx = np.divide(ax, Ax, out=np.zeros_like(ax), where=Ax > 0)
    fy = np.divide(ay, Ay, out=np.zeros_like(ay), where=Ay > 0)
    return fx * Fx, fy * Fy


def barotropic_projection(U: np.ndarray, V: np.ndarray, grid: Grid):
    """Remove the depth-integrated divergence of (U, V) (m3 s-1) by a barotropic correction:
    :func:`column_potential` with phi = 0 outside every open face, its flows spread over each
    face's layers in proportion to their area. Exact to the sparse direct solver's round-off."""
    div = (U.sum(0)[:, 1:] - U.sum(0)[:, :-1]) + (V.sum(0)[1:] - V.sum(0)[:-1])
    dU, dV = _spread_over_layers(*column_potential(grid, -div, {side: 0.0 for side in grid.open_boundaries}), grid)
    return U + dU, V + dV


def potential_pattern(grid: Grid, axis: str):
    """A current along grid ``axis`` ('x' or 'y') deflected by the coast: the depth-uniform
    potential flow u = -grad(phi) with div(H grad(phi)) = 0 on the wet columns (the classical
    irrotational flow past obstacles, e.g. Batchelor 1967, section 6.2, on the C grid), phi = minus
    the distance along ``axis`` (m) beyond every open face (a uniform far-field current) and no
    flow through coasts. The current enters and leaves wherever the open edges let it, splits
    between passages by their conductance and has no circulation round islands.

    Returns (U, V, W) face volume fluxes (m3 s-1) per m s-1 of mean speed over the wet volume,
    W from continuity, so every cell conserves volume to round-off."""
    pos = np.asarray(grid.x_km if axis == "x" else grid.y_km, float) * 1e3
    first, last = pos[0] - (pos[1] - pos[0] if len(pos) > 1 else 1.0), pos[-1] + (pos[-1] - pos[-2] if len(pos) > 1 else 1.0)
    # phi beyond each edge: along the axis the ghost lies one cell further; across it, level with the edge cells
    beyond = {("x", "west"): -first, ("x", "east"): -last, ("y", "south"): -first, ("y", "north"): -last}
    outside = {side: beyond.get((axis, side), -pos) for side in grid.open_boundaries}
    Fx, Fy = column_potential(grid, np.zeros(grid.shape[1:]), outside)
    U, V = _spread_over_layers(Fx, Fy, grid)
    W = vertical_flux_from_continuity(U, V, grid)
    ax, ay = np.asarray(grid.ax), np.asarray(grid.ay)
    u = np.divide(np.abs(U), ax, out=np.zeros_like(U), where=ax > 0)
    v = np.divide(np.abs(V), ay, out=np.zeros_like(V), where=ay > 0)
    speed = np.hypot(0.5 * (u[..., 1:] + u[..., :-1]), 0.5 * (v[:, 1:] + v[:, :-1]))
    mean = float(np.sum(speed * np.asarray(grid.volume)) / np.sum(grid.volume))
    if mean == 0.0:
        raise ConfigError(f"circulation.potential_axis: no current along {axis}: the open boundaries "
                          f"{list(grid.open_boundaries)} must include two sides across it, or a side along it")
    return U / mean, V / mean, W / mean


def vertical_flux_from_continuity(U: np.ndarray, V: np.ndarray, grid: Grid) -> np.ndarray:
    """W (upward, m3 s-1, on top faces) from continuity, integrated upward from a closed seabed."""
    conv = -(U[:, :, 1:] - U[:, :, :-1]) - (V[:, 1:] - V[:, :-1])  # net horizontal inflow per cell
    nz = conv.shape[0]
    W = np.zeros((nz + 1,) + conv.shape[1:])
    # W_top(k) = W_top(k+1) + inflow(k): sum inflow from the bottom up
    W[:nz] = np.cumsum(conv[::-1], axis=0)[::-1] * (np.asarray(grid.mask) > 0)
    W[0] = 0.0
    return W


def _grid_file_velocities(ccfg: CirculationConfig, start: np.datetime64):
    """(times s since ``start``, u, v (time, z, y, x)) from a netCDF already on the model grid."""
    import xarray as xr

    try:
        ds = xr.open_dataset(ccfg.file)
    except OSError as err:
        raise ConfigError(f"circulation.file {ccfg.file}: cannot read ({err})") from None
    with ds:
        for name in (ccfg.u_var, ccfg.v_var):
            if name not in ds:
                raise ConfigError(f"circulation.file: variable {name!r} not found; set circulation.u_var/v_var "
                                  f"(or circulation.format for ROMS or FVCOM output)")
        u, v = ds[ccfg.u_var], ds[ccfg.v_var]
        if "time" in u.dims:
            times = (u["time"].values - start) / np.timedelta64(1, "s")
            return times, u.transpose("time", ...).values, v.transpose("time", ...).values
        return np.zeros(1), u.values[None], v.values[None]


def file_frames(ccfg: CirculationConfig, grid: Grid, start: np.datetime64):
    """Read u, v (m s-1) from ``circulation.file`` (on the model grid, or ROMS/FVCOM output
    regridded by :mod:`oceancdr.readers`) and return (times in s since ``start``, U, V, W) face
    volume fluxes that satisfy continuity."""
    if ccfg.format == "grid":
        times, u, v = _grid_file_velocities(ccfg, start)
    else:
        from .readers import velocities_on_grid

        ds = velocities_on_grid(ccfg.file, grid, ccfg.format, surface_layer_m=ccfg.mixed_layer_depth_m)
        times = (ds["time"].values - start) / np.timedelta64(1, "s")
        u, v = ds["u"].values, ds["v"].values
        if not np.isfinite(u[:, 0][:, np.asarray(grid.mask)[0] > 0]).any():
            raise ConfigError(f"circulation.file {ccfg.file}: the {ccfg.format} output covers none of the grid's wet "
                              f"cells; move the grid (grid.lon0/lat0) inside it")
    expected = grid.shape
    if u.shape[1:] != expected or v.shape[1:] != expected:
        raise ConfigError(f"circulation.file: u and v must have shape (time, {expected[0]}, {expected[1]}, "
                          f"{expected[2]}) on the model grid; got {u.shape}")
    mask = np.asarray(grid.mask) > 0
    u = np.where(mask, np.nan_to_num(u), 0.0)
    v = np.where(mask, np.nan_to_num(v), 0.0)
    ax, ay = np.asarray(grid.ax), np.asarray(grid.ay)
    Us, Vs, Ws = [], [], []
    for t in range(u.shape[0]):
        U = _faces_from_centres(u[t], 2, expected[2] + 1) * ax
        V = _faces_from_centres(v[t], 1, expected[1] + 1) * ay
        U, V = barotropic_projection(U, V, grid)
        Us.append(U); Vs.append(V); Ws.append(vertical_flux_from_continuity(U, V, grid))
    return np.asarray(times, float), np.stack(Us), np.stack(Vs), np.stack(Ws)
