"""Shared builders for transport tests: random closed basins and random non-divergent flows."""
import os
import tempfile
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import oceancdr  # noqa: F401  (enables float64)
from oceancdr.compilation_cache import enable_compilation_cache
from oceancdr.circulation import (flux_from_horizontal_streamfunction, flux_from_overturning_streamfunction,
                                  horizontal_corner_factor, vertical_corner_factor)
from oceancdr.forcing import Forcing
from oceancdr.grid import assemble_grid
from oceancdr.model import StepConfig, make_step
from oceancdr.state import TracerRegistry

# Compiled programs are shared through JAX's persistent cache by every test process (pytest-xdist
# workers, CLI calls): the same model compiled twice costs a disk read the second time.
os.environ.setdefault("OCEANCDR_JAX_CACHE", str(Path(tempfile.gettempdir()) / "oceancdr-tests-jax-cache"))
enable_compilation_cache()


def random_basin(seed, nz=6, ny=10, nx=12, open_boundaries=(), dx=1000.0, land_fraction=0.25):
    """A grid with random bathymetry (partial cells) and random land cells."""
    rng = np.random.default_rng(seed)
    depth = rng.uniform(15.0, 100.0, (ny, nx))
    depth[rng.random((ny, nx)) < land_fraction] = 0.0
    d = np.full((ny, nx), dx)
    lon, lat = np.meshgrid(np.arange(nx) * 0.01, np.arange(ny) * 0.01)
    return assemble_grid(depth, d, d.copy(), lon, lat, nz, 5.0, 0.2, open_boundaries, depth_max=100.0)


def random_flow(grid, seed, courant=0.4, dt=600.0):
    """Random non-divergent face fluxes from random corner streamfunctions, scaled so that the
    largest per-sweep Courant number equals ``courant`` at time step ``dt``."""
    rng = np.random.default_rng(seed)
    nz, ny, nx = grid.shape
    psi = rng.normal(size=(nz, ny + 1, nx + 1)) * horizontal_corner_factor(grid)
    phi = rng.normal(size=(nz + 1, ny, nx + 1)) * vertical_corner_factor(grid)
    U1, V = flux_from_horizontal_streamfunction(psi)
    U2, W = flux_from_overturning_streamfunction(phi)
    U = U1 + U2
    vol = np.where(grid.mask > 0, grid.volume, np.inf)
    c = max(((np.abs(U[..., :-1]) + np.abs(U[..., 1:])) * dt / vol).max(),
            ((np.abs(V[:, :-1]) + np.abs(V[:, 1:])) * dt / vol).max(),
            ((np.abs(W[:-1]) + np.abs(W[1:])) * dt / vol).max())
    s = courant / c
    return U * s, V * s, W * s


def steady_forcing(U, V, W, ntr, grid, ghost=0.0, dtype=jnp.float64):
    nz, ny, nx = grid.shape
    return Forcing(U=jnp.asarray(U[None], dtype), V=jnp.asarray(V[None], dtype), W=jnp.asarray(W[None], dtype),
                   times=jnp.zeros(1), ghost_x=jnp.full((ntr, nz, ny, 2), ghost, dtype),
                   ghost_y=jnp.full((ntr, nz, 2, nx), ghost, dtype), xco2_years=jnp.zeros(0),
                   xco2_values=jnp.zeros(0), kind="file")


def transport_params(ntr, kh=0.0, kv=0.0, sinking=0.0):
    p = {k: jnp.asarray(v, jnp.float64) for k, v in dict(kh=kh, kv_background=kv, kv_mixed_layer=kv,
                                                           mixed_layer_depth=10.0).items()}
    p["sinking"] = jnp.full(ntr, sinking, jnp.float64)
    return p


def transport_runner(ntr, dt=600.0, limiter="superbee", substeps=1):
    """A jitted n-step integrator of the pure step with only transport processes."""
    sc = StepConfig(dt=dt, substeps=substeps, limiter=limiter,
                    registry=TracerRegistry(tuple(f"t{i}" for i in range(ntr))))
    step = make_step(sc)

    @jax.jit
    def run(state, params, forcing, grid, n_steps_array):
        return jax.lax.scan(lambda s, _: (step(s, params, forcing, grid), None), state, n_steps_array)[0]

    return run


@pytest.fixture(scope="session")
def runner3():
    return transport_runner(3)
