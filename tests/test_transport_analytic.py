"""Transport operators against analytic solutions."""
import jax
import jax.numpy as jnp
import numpy as np

from oceancdr.grid import assemble_grid
from oceancdr.transport import advect, diffuse_horizontal, diffuse_vertical_implicit, sink


def _channel(nx, nz=1, ny=1, dx=100.0, depth=10.0, open_boundaries=()):
    d = np.full((ny, nx), dx)
    lon, lat = np.meshgrid(np.arange(nx) * 1e-3, np.arange(ny) * 1e-3)
    g = assemble_grid(np.full((ny, nx), depth), d, d.copy(), lon, lat, nz, depth / nz, 0.2, open_boundaries,
                      depth_max=depth)
    return jax.tree_util.tree_map(jnp.asarray, g)


def test_vertical_diffusion_of_a_gaussian_matches_the_analytic_solution():
    nz, H, kv = 500, 1000.0, 1e-2
    g = _channel(1, nz=nz, depth=H)
    z = np.asarray(g.z_center)
    z0, t0, t1 = 500.0, 1.0e5, 5.0e5
    def exact(t):
        return np.exp(-((z - z0) ** 2) / (4 * kv * t)) / np.sqrt(4 * np.pi * kv * t)
    c = jnp.asarray(exact(t0)[None, :, None, None])
    dt = 2000.0
    c = jax.lax.fori_loop(0, int((t1 - t0) / dt), lambda _, c: diffuse_vertical_implicit(c, kv, g, dt), c)
    num = np.asarray(c)[0, :, 0, 0]
    err = np.abs(num - exact(t1)).max() / exact(t1).max()
    assert err < 5e-3, err                      # backward Euler, dt = 2000 s
    np.testing.assert_allclose(num.sum(), exact(t0).sum(), rtol=1e-13)  # no loss through the walls


def test_horizontal_diffusion_of_a_gaussian_matches_the_analytic_solution():
    nx, dx, kh = 300, 100.0, 10.0
    g = _channel(nx, dx=dx)
    x = (np.arange(nx) + 0.5) * dx
    x0, t0, t1, dt = 15000.0, 2e4, 2e5, 200.0
    def exact(t):
        return np.exp(-((x - x0) ** 2) / (4 * kh * t)) / np.sqrt(4 * np.pi * kh * t)
    c = jnp.asarray(exact(t0)[None, None, None, :])
    c = jax.lax.fori_loop(0, int((t1 - t0) / dt), lambda _, c: diffuse_horizontal(c, kh, g, dt), c)
    num = np.asarray(c)[0, 0, 0]
    err = np.abs(num - exact(t1)).max() / exact(t1).max()
    assert err < 2e-3, err


def test_step_advected_by_uniform_flow_moves_at_the_flow_speed():
    """An inflowing step front (c = 1 behind, 0 ahead) in a channel with open ends."""
    nx, dx, u, dt = 200, 100.0, 0.5, 100.0   # Courant 0.5
    g = _channel(nx, dx=dx, open_boundaries=("west", "east"))
    area = np.asarray(g.ax)[0, 0, 0]
    U = jnp.full((1, 1, nx + 1), u * area)
    V = jnp.zeros((1, 2, nx))
    W = jnp.zeros((2, 1, nx))
    x = (np.arange(nx) + 0.5) * dx
    x_front0 = 3000.0
    c = jnp.asarray((x < x_front0).astype(float)[None, None, None, :])
    gx = jnp.stack([jnp.ones((1, 1, 1)), jnp.zeros((1, 1, 1))], -1)   # inflow value 1 at the west
    gy = jnp.zeros((1, 1, 2, nx))
    n = 200

    def body(_, carry):
        c, total = carry
        c, b = advect(c, U, V, W, g, gx, gy, dt, "superbee")
        return c, total + b[0]

    c, inflow = jax.lax.fori_loop(0, n, body, (c, 0.0))
    c = np.asarray(c)[0, 0, 0]
    front = x_front0 + u * n * dt
    exact = (x < front).astype(float)
    assert c.min() >= -1e-14 and c.max() <= 1 + 1e-14          # monotone
    assert np.abs(c - exact).sum() * dx / dx < 3.0               # L1 error under three cells
    np.testing.assert_allclose(c.sum() * dx, front, rtol=1e-12)  # the front position is exact in the mean
    np.testing.assert_allclose(inflow, u * area * n * dt, rtol=1e-12)
    # and superbee keeps it sharp: the 0.05-0.95 transition spans at most 4 cells
    assert ((c > 0.05) & (c < 0.95)).sum() <= 4


def test_implicit_sinking_moves_the_centre_of_mass_at_the_sinking_speed():
    # a particle cloud in a deep column: its centre of mass falls exactly w dt per step (the first
    # moment of the implicit upwind scheme is exact), its mass is kept until it reaches the seabed,
    # and a Courant number of 3 per step is stable and monotone
    nz, H, w, dt = 400, 4000.0, 30.0 / 86400, 86400.0
    g = _channel(1, nz=nz, depth=H)
    z = np.asarray(g.z_center)
    c = jnp.asarray(np.exp(-((z - 200.0) / 30.0) ** 2)[None, :, None, None])
    mass0, centre0 = float(c.sum()), float((c[0, :, 0, 0] * z).sum() / c.sum())
    for _ in range(20):
        c, deposit, _ = sink(c, jnp.asarray([w]), g, dt)
    col = np.asarray(c)[0, :, 0, 0]
    assert float(deposit.sum()) < 1e-10 and abs(col.sum() - mass0) < 1e-11 * mass0
    assert abs((col * z).sum() / col.sum() - (centre0 + 20 * w * dt)) < 1e-9 * H
    slopes = np.diff(col)
    slopes = slopes[np.abs(slopes) > 1e-12]
    assert col.min() >= 0.0 and np.count_nonzero(np.diff(np.sign(slopes))) == 1   # one peak, no ripples
