"""Veros's superbee tracer-advection flux kernel (veros.core.advection.adv_flux_superbee, JAX
backend) timed on a grid of the same size as ours, in a subprocess of its own:

    python -m benchmarks.peers.veros_superbee NX NY NZ NTRACERS PRECISION STEPS REPEATS

prints one JSON line. The state is Veros's own random test state (veros.pyom_compat.
get_random_state: random velocities, masks and metrics consistent with the grid), so the kernel
does the work it does in a model run. One call computes the east, north and top fluxes of one
tracer on (nx + 4) x (ny + 4) x nz points (Veros's two halo columns on each side); NTRACERS calls
are jitted together per step, the tracers stacked as a model carries them, and STEPS steps are
scanned in one compiled call so dispatch is not timed; the fastest call is taken by the
same rule as ours (:func:`benchmarks.best_time`). The kernel returns fluxes only: no
divergence, no diffusion, no update of the tracer (our step does all three).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

from benchmarks import best_time


def measure(nx: int, ny: int, nz: int, ntracers: int, precision: str, steps: int, repeats: int) -> dict:
    """Run the kernel in a subprocess (Veros reads its backend and float type from the environment
    at import); returns {'tracer_cell_fluxes_per_second', 'seconds_per_step', 'veros'} or
    {'error': ...} when Veros is not installed or fails."""
    import jax

    env = dict(os.environ, VEROS_BACKEND="jax", VEROS_FLOAT_TYPE=precision, VEROS_LOGLEVEL="error",
               VEROS_DEVICE="gpu" if jax.default_backend() == "gpu" else "cpu")
    cmd = [sys.executable, "-m", __name__, *map(str, (nx, ny, nz, ntracers, precision, steps, repeats))]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _main(nx, ny, nz, ntracers, precision, steps, repeats):
    import jax
    import jax.numpy as jnp
    import veros
    from veros.core.advection import adv_flux_superbee
    from veros.pyom_compat import get_random_state

    state = get_random_state(extra_settings=dict(nx=nx, ny=ny, nz=nz, dt_tracer=3600.0, dt_mom=3600.0))
    dtype = jnp.float32 if precision == "float32" else jnp.float64
    base = jnp.asarray(state.variables.temp[..., 0], dtype)
    tracers = jnp.stack([base + i for i in range(ntracers)])

    @jax.jit
    def run(tracers):
        def body(carry, _):
            fluxes = [adv_flux_superbee(state, carry[i]) for i in range(ntracers)]
            # feed a negligible multiple of the fluxes back so the steps cannot be hoisted or skipped
            return carry + 1e-30 * jnp.stack([sum(f) for f in fluxes]), None
        return jax.lax.scan(body, tracers, None, length=steps)[0]

    best = best_time(lambda: run(tracers), repeats)
    print(json.dumps({"seconds_per_step": best / steps, "veros": veros.__version__,
                      "dtype": str(base.dtype), "backend": jax.default_backend(),
                      "tracer_cell_fluxes_per_second": nx * ny * nz * ntracers * steps / best}))


if __name__ == "__main__":
    a = sys.argv[1:]
    _main(int(a[0]), int(a[1]), int(a[2]), int(a[3]), a[4], int(a[5]), int(a[6]))
