"""Gradient-based minimisation of the calibration loss with optax (L-BFGS or Adam).

Both work on the unconstrained vector u (oceancdr.calibration.parameters) and project it back into
the parameters' bounds after each step. L-BFGS (Liu & Nocedal 1989) takes its direction from
``optax.scale_by_lbfgs`` and its step length from a backtracking (Armijo) line search run here on
the host, so the only compiled function is the loss with its gradient (optax's own line search
would compile the whole run a second time inside the update, minutes on a CPU). The first step is
limited to ``learning_rate`` in the largest component of u. Adam (Kingma & Ba 2015, optax.adam)
takes ``learning_rate``-sized steps. Stopping rules, whichever comes first:

* ``max_iterations``;
* the gradient norm of the loss per fitted observation below ``gradient_tolerance``;
* the loss changing by less than ``loss_tolerance`` (relative) over ``patience`` iterations;
* a non-finite loss or gradient (the run blew up at these parameters): stop, keep the best.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np
import optax
from tqdm.auto import tqdm


@dataclass
class OptimisationResult:
    u: np.ndarray                   # best (lowest-loss) unconstrained vector
    loss: float
    iterations: int
    stop_reason: str
    history: list = field(default_factory=list)   # per iteration: loss, gradient norm, parameters


ARMIJO = 1e-4          # sufficient decrease constant of the line search
MAX_HALVINGS = 30


def _lbfgs_step(objective, tr, u, value, grad, state, direction_tx, first_step):
    """One L-BFGS iteration: the optax direction, then halve the step until the loss decreases by
    the Armijo condition (non-finite trial losses count as failures). Returns (u, value, grad,
    state, evaluations)."""
    d, state = direction_tx.update(grad, state, u)
    slope = float(jnp.vdot(grad, d))
    if not slope > 0:           # not a descent direction: fall back to steepest descent
        d, slope = grad, float(jnp.vdot(grad, grad))
    alpha = min(1.0, first_step / float(jnp.max(jnp.abs(d)))) if first_step else 1.0
    for n in range(1, MAX_HALVINGS + 1):
        trial = tr.project(u - alpha * d)
        v, g = objective.value_and_grad(trial)
        if np.isfinite(float(v)) and float(v) <= float(value) - ARMIJO * alpha * slope:
            return trial, v, g, state, n
        alpha /= 2
    return u, value, grad, state, MAX_HALVINGS


def minimise(objective, u0, settings, nfit: int, progress: bool = True, on_iteration=None) -> OptimisationResult:
    """Minimise ``objective.loss`` from ``u0`` under ``settings`` (calibration.optimizer).
    ``nfit`` normalises the loss for the tolerances; ``on_iteration(result)`` is called after every
    iteration (to save progress). Ctrl-C stops with the best point so far ("interrupted")."""
    tr = objective.trainables
    u = tr.project(jnp.asarray(u0, jnp.float64))
    if settings.method == "lbfgs":
        tx = optax.scale_by_lbfgs()
    else:
        tx = optax.adam(settings.learning_rate)
        adam_update = jax.jit(tx.update)
    state = tx.init(u)
    value, grad = objective.value_and_grad(u)
    best = OptimisationResult(u=np.asarray(u), loss=float(value), iterations=0, stop_reason="max_iterations")
    evaluations = 1

    def record(it, value, grad, u):
        best.history.append({"iteration": it, "loss": float(value), "loss_per_observation": float(value) / nfit,
                             "gradient_norm": float(jnp.linalg.norm(grad)) / nfit, "evaluations": evaluations,
                             "parameters": dict(zip(tr.names, np.asarray(tr.to_physical(u)).tolist()))})

    record(0, value, grad, u)
    bar = tqdm(total=settings.max_iterations, desc=f"calibrate ({settings.method})", unit="it", disable=not progress,
               leave=False)
    try:
        for it in range(1, settings.max_iterations + 1):
            if float(jnp.linalg.norm(grad)) / nfit < settings.gradient_tolerance:
                best.stop_reason = "gradient_tolerance"
                break
            if settings.method == "lbfgs":
                moved, value, grad, state, n = _lbfgs_step(objective, tr, u, value, grad, state, tx,
                                                           settings.learning_rate if it == 1 else None)
                evaluations += n
                if bool(jnp.all(moved == u)):
                    best.stop_reason = "line search found no decrease"
                    break
                u = moved
            else:
                updates, state = adam_update(grad, state, u)
                u = tr.project(optax.apply_updates(u, updates))
                value, grad = objective.value_and_grad(u)
                evaluations += 1
            best.iterations = it
            if not (np.isfinite(float(value)) and bool(jnp.all(jnp.isfinite(grad)))):
                best.stop_reason = (f"non-finite loss or gradient at {dict(zip(tr.names, np.asarray(tr.to_physical(u))))}"
                                    "; narrow the bounds")
                break
            record(it, value, grad, u)
            if float(value) < best.loss:
                best.u, best.loss = np.asarray(u), float(value)
            bar.update(1)
            bar.set_postfix(loss=f"{float(value) / nfit:.4g}")
            if on_iteration is not None:
                on_iteration(best)
            losses = [h["loss"] for h in best.history]
            if len(losses) > settings.patience:
                ref = losses[-1 - settings.patience]
                if abs(ref - losses[-1]) <= settings.loss_tolerance * max(abs(ref), 1e-300):
                    best.stop_reason = "loss_tolerance"
                    break
    except KeyboardInterrupt:
        best.stop_reason = "interrupted"
    finally:
        bar.close()
    return best
