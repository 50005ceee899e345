"""Conservation to round-off and monotonicity of the full transport step in closed basins."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import random_basin, random_flow, steady_forcing, transport_params, transport_runner
from oceancdr.diagnostics import inventory
from oceancdr.state import new_state


def _tracers(grid, seed, ntr=3):
    rng = np.random.default_rng(seed)
    c = rng.uniform(0.0, 1.0, (ntr,) + grid.shape)
    c[1] = np.where(rng.random(grid.shape) < 0.5, 2.0, 1.0)     # a field of sharp steps
    c[2] = 1e3 * np.exp(-rng.uniform(0, 5, grid.shape))         # large dynamic range
    return c * grid.mask


@pytest.mark.parametrize("seed", [0, 1])
def test_closed_basin_conserves_every_tracer_after_1000_steps(seed, runner3):
    grid = random_basin(seed)
    U, V, W = random_flow(grid, seed + 10, courant=0.45)
    forcing = steady_forcing(U, V, W, 3, grid)
    params = transport_params(3, kh=5.0, kv=1e-3, sinking=0.0)
    c0 = _tracers(grid, seed)
    g = jax.tree_util.tree_map(jnp.asarray, grid)
    s = runner3(new_state(jnp.asarray(c0)), params, forcing, g, jnp.zeros(1000))
    before, after = inventory(c0, grid), inventory(s.c, grid)
    np.testing.assert_array_less(np.abs(after - before) / np.abs(before), 1e-12)
    assert np.all(np.asarray(s.budget["boundary"]) == 0.0)
    # the flow really moved things: the fields changed by much more than round-off
    assert float(jnp.abs(s.c - c0).max()) > 0.1


@pytest.mark.parametrize("limiter", ["superbee", "mc"])
def test_advection_creates_no_new_extrema(limiter):
    grid = random_basin(3, land_fraction=0.2)
    U, V, W = random_flow(grid, 4, courant=0.8)
    forcing = steady_forcing(U, V, W, 3, grid)
    params = transport_params(3)  # advection alone
    run = transport_runner(3, limiter=limiter)
    c0 = _tracers(grid, 5)
    wet = grid.mask > 0
    s = run(new_state(jnp.asarray(c0)), params, forcing, jax.tree_util.tree_map(jnp.asarray, grid), jnp.zeros(300))
    c = np.asarray(s.c)
    for i in range(3):
        lo, hi = c0[i][wet].min(), c0[i][wet].max()
        tol = 1e-12 * max(abs(lo), abs(hi))
        assert c[i][wet].min() >= lo - tol, (limiter, i, c[i][wet].min() - lo)
        assert c[i][wet].max() <= hi + tol, (limiter, i, c[i][wet].max() - hi)
    # a uniform field stays uniform to round-off (the splitting is mass-consistent)
    s1 = run(new_state(jnp.asarray(np.ones((3,) + grid.shape) * grid.mask)), params, forcing,
             jax.tree_util.tree_map(jnp.asarray, grid), jnp.zeros(50))
    assert float(jnp.abs(jnp.where(grid.mask > 0, s1.c - 1.0, 0.0)).max()) < 1e-12


def test_open_boundary_fluxes_close_the_budget():
    """With open edges, the change in inventory equals the accumulated boundary inflow."""
    grid = random_basin(7, open_boundaries=("north", "east", "south", "west"), land_fraction=0.1)
    U, V, W = random_flow(grid, 8, courant=0.5)
    forcing = steady_forcing(U, V, W, 3, grid, ghost=0.7)
    params = transport_params(3, kh=2.0, kv=1e-4)
    run = transport_runner(3)
    c0 = _tracers(grid, 9)
    s = run(new_state(jnp.asarray(c0)), params, forcing, jax.tree_util.tree_map(jnp.asarray, grid), jnp.zeros(400))
    change = inventory(s.c, grid) - inventory(c0, grid)
    inflow = np.asarray(s.budget["boundary"])
    assert np.all(np.abs(inflow) > 1e3)  # the boundaries did carry tracer
    np.testing.assert_allclose(change, inflow, rtol=1e-11, atol=1e-12 * np.abs(inventory(c0, grid)).max())


def test_sinking_deposits_exactly_what_leaves_the_water():
    grid = random_basin(11)
    zero = [np.zeros_like(a) for a in random_flow(grid, 1)]
    forcing = steady_forcing(*zero, 3, grid)
    params = transport_params(3, sinking=5.0 / 86400)
    params["sinking"] = params["sinking"].at[0].set(0.0)
    run = transport_runner(3, dt=3600.0)
    c0 = _tracers(grid, 12)
    s = run(new_state(jnp.asarray(c0)), params, forcing, jax.tree_util.tree_map(jnp.asarray, grid), jnp.zeros(200))
    inv0, inv1 = inventory(c0, grid), inventory(s.c, grid)
    deposited = np.asarray(s.budget["deposition"])
    assert deposited[0] == 0.0 and deposited[1] > 0.3 * inv0[1]
    np.testing.assert_allclose(inv0 - inv1, deposited, rtol=1e-12, atol=1e-13 * inv0.max())
    np.testing.assert_allclose(np.asarray(s.sediment).sum((1, 2)), deposited, rtol=1e-12)
    assert float(s.c.min()) >= 0.0
