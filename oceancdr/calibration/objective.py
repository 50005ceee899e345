"""The misfit of a run to observations and its exact gradient through the whole simulation.

The run is one pure function of the parameters: a ``lax.scan`` of the model step that also records
the observed variables at the observed cells after every step. Reverse-mode differentiation of a
scan of N steps would keep every intermediate state (memory growing like N); instead the steps are
grouped into segments of S steps, each wrapped in ``jax.checkpoint``: the backward pass stores only
the N/S states at segment starts and recomputes one segment at a time, so memory grows like
N/S + S states (about 2 sqrt(N) with S = sqrt(N), the default) at the price of one extra forward
run (Griewank & Walther 2008, ch. 12). Each step inside a segment is checkpointed too: the
segment's re-run keeps only its S states, and each step's intermediates are recomputed just before
its adjoint instead of being stacked over the segment (on a 48 x 64 x 16 grid the stacking's
memory traffic cost more than recomputing each step once more, and 2.7x the memory; see
docs/performance.md). The checkpoints inside a scan are built with ``prevent_cse=False``: the
scan itself keeps XLA from merging a recomputation with the forward pass, and the checkpoint's own
guard against that (an optimisation barrier around the re-run) cost 7-13 % of the gradient's time
(docs/performance.md). The carbonate solver inside is differentiated implicitly
(oceancdr.chemistry.carbonate), so no Newton iteration is unrolled, and its root is the one
intermediate the segment's re-run keeps (:data:`SAVED_RESIDUALS`): a step's recomputation before
its adjoint needs the converged [H+], not the iteration that found it.

The loss is 0.5 * sum(r^2) over r_i = (model_i - y_i) / sigma_i for the fitted observations, plus
0.5 ((p - mean) / sd)^2 for each parameter with a Gaussian prior: the negative log posterior up to
a constant, so its Gauss-Newton Hessian gives the Laplace approximation of the posterior.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import partial
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .observations import Plan, cell_values, equivalents
from .parameters import Trainables


def segment_length(nsteps: int, setting) -> int:
    """Steps per checkpointed segment: ``setting``, or for ``"auto"`` the divisor of ``nsteps``
    nearest sqrt(nsteps) within a factor of two (else round(sqrt(nsteps))). A divisor leaves no
    remainder segment, whose second trace of the step would double the gradient's compile time."""
    if setting == "auto":
        root = math.sqrt(nsteps)
        divisors = [d for d in range(math.ceil(root / 2), math.floor(2 * root) + 1) if d and nsteps % d == 0]
        return min(divisors, key=lambda d: abs(d - root)) if divisors else max(1, round(root))
    return max(1, min(int(setting), nsteps))


# intermediates (named with jax.ad_checkpoint.checkpoint_name) that a segment's re-run stores for
# the recomputation of each step before its adjoint: small, and found by an iteration
SAVED_RESIDUALS = ("carbonate_root",)


def observed_run(step, observe, state0, params, forcing, grid, nsteps: int, segment: int,
                 saved=SAVED_RESIDUALS):
    """Run ``nsteps`` steps from ``state0``; return ``observe(state, params)`` stacked for the
    initial state and after every step, (nsteps + 1, ...). Checkpointed every ``segment`` steps and
    every step within a segment, keeping the named intermediates ``saved`` of each step (see the
    module's docstring)."""
    @partial(jax.checkpoint, prevent_cse=False, policy=jax.checkpoint_policies.save_only_these_names(*saved))
    def body(carry, _):
        s, p = carry
        s = step(s, p, forcing, grid)
        return (s, p), observe(s, p)

    def run(carry, length):
        return lax.scan(body, carry, None, length=length)

    nseg, rest = divmod(nsteps, segment)
    carry = (state0, params)
    pieces = [observe(state0, params)[None]]
    if nseg:
        in_scan = jax.checkpoint(run, static_argnums=(1,), prevent_cse=False)
        carry, ys = lax.scan(lambda c, _: in_scan(c, segment), carry, None, length=nseg)
        pieces.append(ys.reshape((nseg * segment,) + ys.shape[2:]))
    if rest:
        carry, ys = jax.checkpoint(run, static_argnums=(1,))(carry, rest)
        pieces.append(ys)
    return jnp.concatenate(pieces)


@dataclass(frozen=True)
class Objective:
    """The calibration objective as functions of the unconstrained parameter vector u (see
    oceancdr.calibration.parameters): :meth:`predict` gives the model equivalents of every planned
    observation, :meth:`residuals` the fitted then the prior residuals, :meth:`loss` and
    :meth:`value_and_grad`. The compiled functions take the model's data (params, initial state,
    forcing, grid, targets, sigmas) as arguments, so a new set of targets reuses them."""

    trainables: Trainables
    plan: Plan
    fit: np.ndarray               # indices of the fitted observations in plan.table
    nsteps: int
    segment: int
    data: tuple
    compiled: dict                # name -> jitted f(u, data)
    raw_residuals: Callable       # residuals(u, data), to be composed (Hessian-vector products)

    @property
    def observed(self) -> np.ndarray:
        return np.asarray(self.data[4])

    def predict(self, u):
        return self.compiled["predict"](u, self.data)

    def residuals(self, u):
        return self.raw_residuals(u, self.data)

    def loss(self, u) -> float:
        """The loss from :meth:`predict`, summed on the host in float64 (no second compiled
        program for it)."""
        u = jnp.asarray(u)
        r = (np.asarray(self.predict(u))[self.fit] - self.observed[self.fit]) / np.asarray(self.data[5])[self.fit]
        prior = np.asarray(self.trainables.prior_residuals(self.trainables.to_physical(u)))
        return 0.5 * float(np.sum(r * r) + np.sum(prior * prior))

    def value_and_grad(self, u):
        return self.compiled["value_and_grad"](u, self.data)

    def with_observed(self, values) -> "Objective":
        """The same objective fitted to other observed values (a twin experiment's)."""
        return replace(self, data=self.data[:4] + (jnp.asarray(values, jnp.float64),) + self.data[5:])


def build_objective(model, trainables: Trainables, plan: Plan, fit: np.ndarray, nsteps: int,
                    segment: int) -> Objective:
    """The calibration objective of ``model`` for the observations of ``plan`` selected by ``fit``
    (the rest are only predicted), over a run of ``nsteps`` steps checkpointed every ``segment``.

    The model's params, initial state, forcing and grid enter the compiled functions as arguments,
    not as constants: XLA would otherwise spend minutes constant-folding the step around them."""
    fit = np.asarray(fit, int)
    data = (model.params, model.state0, model.forcing, model.grid,
            jnp.asarray(plan.table.value, jnp.float64), jnp.asarray(plan.table.sigma, jnp.float64))

    def predict(u, data):
        base, state0, forcing, grid = data[:4]
        params = trainables.apply(base, trainables.to_physical(u))

        def observe(s, p):
            return cell_values(s.c, grid, p, model.registry, plan.cells, plan.variables).astype(jnp.float64)

        traj = observed_run(model.step, observe, state0, params, forcing, grid, nsteps, segment)
        return equivalents(traj, plan)

    def residuals(u, data):
        y, sigma = data[4:]
        h = predict(u, data)[fit]
        return jnp.concatenate([(h - y[fit]) / sigma[fit], trainables.prior_residuals(trainables.to_physical(u))])

    def loss(u, data):
        r = residuals(u, data)
        return 0.5 * jnp.sum(r * r)

    compiled = {"predict": jax.jit(predict), "value_and_grad": jax.jit(jax.value_and_grad(loss))}
    return Objective(trainables=trainables, plan=plan, fit=fit, nsteps=nsteps, segment=segment, data=data,
                     compiled=compiled, raw_residuals=residuals)


def gauss_newton_hessian(objective: Objective, u) -> np.ndarray:
    """J^T J of the residuals (observations and priors) at ``u``: the Gauss-Newton Hessian of the
    loss, built column by column from Hessian-vector products J^T (J v) (nothing of size N x n is
    stored). J v is the transpose of the reverse-mode product w -> J^T w, because the advection
    has a reverse-mode rule only (oceancdr.transport.advection.face_fluxes)."""
    @jax.jit
    def hvp(u, v, data):
        out, vjp = jax.vjp(lambda u: objective.raw_residuals(u, data), u)
        jv, = jax.linear_transpose(vjp, out)((v,))
        return vjp(jv)[0]

    data = objective.data
    n = len(u)
    eye = np.eye(n)
    H = np.stack([np.asarray(hvp(jnp.asarray(u), jnp.asarray(eye[i]), data)) for i in range(n)], 1)
    return 0.5 * (H + H.T)


def laplace(objective: Objective, u) -> dict:
    """Posterior of the Laplace (Gauss-Newton) approximation at ``u``: covariance of u (the
    pseudo-inverse of J^T J), standard deviations and 95 % intervals of the physical parameters
    (delta method for the sd, mapped bounds for the interval), correlations, and the Hessian's
    eigenvalues (a near-zero one marks a direction the observations do not constrain)."""
    tr = objective.trainables
    H = gauss_newton_hessian(objective, u)
    evals, evecs = np.linalg.eigh(H)
    keep = evals > evals.max() * 1e-12
    cov = (evecs[:, keep] / evals[keep]) @ evecs[:, keep].T
    sd_u = np.sqrt(np.clip(np.diag(cov), 0, None))
    scale = np.abs(tr.jacobian_diagonal(u))
    u = np.asarray(u)
    lo = np.asarray(tr.to_physical(jnp.asarray(u - 1.96 * sd_u)))
    hi = np.asarray(tr.to_physical(jnp.asarray(u + 1.96 * sd_u)))
    corr = cov / np.outer(np.where(sd_u > 0, sd_u, 1), np.where(sd_u > 0, sd_u, 1))
    return {"hessian": H, "covariance_u": cov, "sd_u": sd_u, "sd": scale * sd_u, "interval_95": np.stack([lo, hi], 1),
            "correlation": corr, "eigenvalues": evals, "unconstrained_directions": int((~keep).sum())}


def gradient_check(objective: Objective, u, h: float) -> list[dict]:
    """Reverse-mode gradient of the loss against central finite differences in each unconstrained
    variable, Richardson-extrapolated from steps h and h/2 (error O(h^4)):
    D = (4 D(h/2) - D(h)) / 3 with D(h) = (L(u + h e) - L(u - h e)) / (2h)."""
    u = jnp.asarray(u)
    _, g = objective.value_and_grad(u)
    g = np.asarray(g)
    dpdu = objective.trainables.jacobian_diagonal(u)
    rows = []
    for i, name in enumerate(objective.trainables.names):
        e = np.zeros(len(u))
        e[i] = 1.0

        def central(step):
            return (float(objective.loss(u + step * e)) - float(objective.loss(u - step * e))) / (2 * step)

        fd = (4 * central(h / 2) - central(h)) / 3
        rel = abs(g[i] - fd) / max(abs(g[i]), abs(fd), 1e-300)
        rows.append({"parameter": name, "adjoint": float(g[i]), "finite_difference": float(fd),
                     "relative_error": float(rel), "adjoint_per_unit_parameter": float(g[i] / dpdu[i])})
    return rows
