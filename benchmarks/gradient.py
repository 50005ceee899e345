"""Cost of an exact gradient through a run, against the forward run itself (issue 7).

A small 3-D coastal model (temperature, salinity, DIC, TA with air-sea CO2, no ecosystem) is run
for N = 100, 1000 and 10000 steps on a 12 x 16 x 8 grid, and for 100 steps on a 48 x 64 x 16 grid
(where the arrays leave the caches and memory traffic, not kernel dispatch, sets the cost); the
loss is the sum of squares of the surface-mean DIC after every step (the shape of a calibration
misfit), its parameters the gas-transfer scale, kh and the mixed-layer diffusivity. The full run
adds the main job's coast with the whole ecosystem (configs/default.yaml: 18 tracers, the in-situ
carbonate solve, sinking) on 20 x 24 x 8 for 36 steps, the model an ecosystem calibration
differentiates (its gradient compiles for a few minutes on 2 cores). For each case,
warm (compilation excluded), the fastest of at least ``repeats`` calls, the forward run and the
gradient timed in alternating rounds (:func:`benchmarks.best_times`: 3 rounds, 2 at 10000 steps):

* forward: the loss alone; gradient: loss and reverse-mode gradient together, with segments of
  sqrt(N) steps checkpointed and every step checkpointed within them
  (oceancdr.calibration.objective.observed_run);
* memory: XLA's own account of the compiled program (``memory_analysis``: arguments, outputs and
  temporaries, the peak buffer footprint of the program) for the forward run, the checkpointed
  gradient and, up to 1000 steps on the small grid, the gradient with one segment of N steps
  (the state of every step stored: memory linear in N).
"""
from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp

from benchmarks import best_times
from oceancdr.calibration.objective import observed_run, segment_length
from oceancdr.config import Config, load_config
from oceancdr.model import build_model

CONFIGS = Path(__file__).resolve().parents[1] / "configs"

NAMES = ("gas_transfer_scale", "kh", "kv_mixed_layer")


def _ecosystem_model(nx=20, ny=24, nz=8):
    return build_model(load_config(CONFIGS / "default.yaml", [f"grid.nx={nx}", f"grid.ny={ny}", f"grid.nz={nz}"]))


def _model(nx=12, ny=16, nz=8):
    return build_model(Config.model_validate({
        "tracers": {n: {"initial": "hydrography"} for n in ("temperature", "salinity", "dic", "alk")},
        "grid": {"nx": nx, "ny": ny, "nz": nz, "dx_m": 7500.0, "dy_m": 7500.0, "dz_surface_m": 10.0},
        "run": {"dt_seconds": 3600.0, "start": "2025-06-01"}}))


def _loss(model, nsteps, segment):
    dic = model.registry.index("dic")

    def loss(x, params, state0, forcing, grid):
        p = dict(params) | {n: x[i] for i, n in enumerate(NAMES)}

        def observe(s, p):
            return (s.c[dic, 0] * grid.mask[0]).sum() / grid.mask[0].sum()

        traj = observed_run(model.step, observe, state0, p, forcing, grid, nsteps, segment)
        return jnp.sum((traj - traj[0]) ** 2)

    return loss


def _footprint(compiled) -> int:
    m = compiled.memory_analysis()
    if m is None:
        return -1
    return int(m.argument_size_in_bytes + m.output_size_in_bytes + m.temp_size_in_bytes - m.alias_size_in_bytes)


def run(quick: bool = False) -> list:
    small, large = ((8, 10, 6), (24, 32, 12)) if quick else ((12, 16, 8), (48, 64, 16))
    cases = [(_model, small, n) for n in ((100, 300) if quick else (100, 1000, 10000))]
    cases.append((_model, large, 50 if quick else 100))
    if not quick:
        cases.append((_ecosystem_model, (20, 24, 8), 36))
    rows = []
    for build, shape, nsteps in cases:
        model = build(*shape)
        x = jnp.asarray([float(model.params[n]) for n in NAMES])
        args = (x, model.params, model.state0, model.forcing, model.grid)
        seg = segment_length(nsteps, "auto")
        loss = _loss(model, nsteps, seg)
        forward = jax.jit(loss).lower(*args).compile()
        gradient = jax.jit(jax.value_and_grad(loss)).lower(*args).compile()
        forward_s, gradient_s = best_times([lambda: forward(*args), lambda: gradient(*args)],
                                           1 if nsteps >= 10000 else 3, rounds=2 if nsteps >= 10000 else 3)
        row = {"model": "ecosystem" if build is _ecosystem_model else "physics", "tracers": len(model.registry),
               "steps": nsteps, "segment": seg, "grid": list(model.grid.shape),
               "forward_s": forward_s, "gradient_s": gradient_s,
               "forward_bytes": _footprint(forward), "gradient_bytes": _footprint(gradient)}
        if nsteps <= 1000 and shape == small and build is _model:
            plain = jax.jit(jax.value_and_grad(_loss(model, nsteps, nsteps))).lower(*args).compile()
            row["gradient_unchecked_bytes"] = _footprint(plain)
        row["time_ratio"] = row["gradient_s"] / row["forward_s"]
        row["memory_ratio"] = row["gradient_bytes"] / row["forward_bytes"]
        rows.append(row)
    return rows


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
