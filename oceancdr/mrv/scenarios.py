"""The scenario axis: intervention and counterfactual as two lanes of one vmapped step.

The counterfactual is the same model, forcing and initial state with every intervention amount
set to zero (``NAME.amount_mol`` of releases, ``NAME.density`` of bivalve farms). Both lanes run
the same compiled code, so with the intervention switched off they are bit-identical, and every
difference between them is the intervention's effect. Lane 0 is the intervention, lane 1 the
counterfactual.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

INTERVENTION, COUNTERFACTUAL = 0, 1
SCENARIOS = ("intervention", "counterfactual")


def amount_keys(spec) -> tuple:
    """The params that switch the interventions of ``spec`` on (their zero switches them off)."""
    return tuple(f"{r.name}.amount_mol" for r in spec.releases) + tuple(f"{f.name}.density" for f in spec.farms)


def counterfactual_params(params: dict, spec) -> dict:
    """``params`` with every intervention amount set to zero."""
    return params | {k: jnp.zeros_like(params[k]) for k in amount_keys(spec)}


def stack(*trees):
    """Stack pytrees of one structure along a new leading (scenario or member) axis."""
    return jax.tree_util.tree_map(lambda *xs: jnp.stack([jnp.asarray(x) for x in xs]), *trees)


def lane(tree, i: int):
    """Lane ``i`` of a stacked pytree."""
    return jax.tree_util.tree_map(lambda x: x[i], tree)


def paired_step(step):
    """``step`` over a leading scenario axis of state and params (forcing and grid shared)."""
    return jax.vmap(step, in_axes=(0, 0, None, None))
