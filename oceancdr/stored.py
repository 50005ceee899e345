"""Intermediates that XLA must store rather than recompute, for the hand-written adjoints.

XLA's CPU backend fuses a producer into each of its consumers and recomputes it there. In reverse
mode that recomputed the flux-limiter stencil for each of the four faces a cell feeds, and the
adjoint of the carbonate solve in the air-sea flux once for every tracer of the cotangent it is
added to. ``lax.optimization_barrier`` does not prevent this: XLA's CPU pipeline removes the barrier
before fusion. The operands and results of a conditional are always stored, so :func:`stored`
evaluates a function as a conditional whose two branches are that function. Under ``vmap`` the
predicate is batched and JAX turns the conditional into a select of both branches: the result is
the same, the function is evaluated twice and nothing is forced into memory.

The conditional is a remedy for the CPU's fusion only, so it is lowered for the CPU alone
(``lax.platform_dependent``); on other platforms ``f`` is called as it is. XLA's GPU runtime
copies a conditional's predicate to the host and waits for it (``ConditionalThunk``) unless the
conditional runs inside a CUDA graph, so on a GPU each store would have been a host round-trip
in every step of a gradient, and would have kept XLA's GPU fusion from its own choices.
"""
import jax
import jax.numpy as jnp
from jax import lax


def stored(f, key, *args):
    """``f(*args)``, with ``args`` and the result held in memory. The predicate reads the first
    element of ``key``, which must be a runtime value (a constant that XLA folds would remove the
    conditional) and not a cotangent (JAX cannot transpose a conditional whose predicate depends
    on the linear input, as the calibration's Gauss-Newton products do). On platforms other than
    the CPU, plain ``f(*args)``."""
    def conditional(*args):
        return lax.cond(jnp.isfinite(jnp.ravel(key)[0]), f, f, *args)

    return lax.platform_dependent(*args, cpu=conditional, default=f)


@jax.custom_vjp
def stored_cotangent(x):
    """The identity, whose cotangent is stored: the adjoint of everything computed from ``x`` is
    formed once, not inside each consumer of ``x``'s cotangent."""
    return x


def _stored_cotangent_fwd(x):
    return x, jnp.ravel(jax.tree_util.tree_leaves(x)[0])[0]


def _stored_cotangent_bwd(key, ct):
    # a multiplication by a one passed in, not the bare identity, whose conditional XLA removes
    one = jnp.ones((), key.dtype)
    return (stored(lambda c, one: jax.tree_util.tree_map(lambda a: a * one, c), key, ct, one),)


stored_cotangent.defvjp(_stored_cotangent_fwd, _stored_cotangent_bwd)


@jax.custom_vjp
def unstack(c):
    """The slices ``c[0], c[1], ...`` along the first axis, whose cotangents are stacked (one
    concatenation) rather than each padded to the shape of ``c`` and added: XLA's CPU backend fuses
    the pads, the adds and every producer of the slices' cotangents into one kernel that evaluates
    the producers once per slice for every element of ``c``."""
    return tuple(c[i] for i in range(c.shape[0]))


def _unstack_fwd(c):
    return unstack(c), None


def _unstack_bwd(_, cts):
    return (jnp.stack(cts),)


unstack.defvjp(_unstack_fwd, _unstack_bwd)
