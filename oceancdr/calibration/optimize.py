"""Gradient-based minimisation of the calibration loss with optax (L-BFGS or Adam).

Both work on the unconstrained vector u (oceancdr.calibration.parameters) and project it back into
the parameters' bounds after each step. L-BFGS (Liu & Nocedal 1989) takes its step length from a
zoom line search satisfying the strong Wolfe conditions (optax.lbfgs); Adam (Kingma & Ba 2015)
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


def _optimiser(settings, loss):
    """(optax optimiser, jitted update (u, state, value, grad) -> (u, state)) for ``settings``."""
    if settings.method == "lbfgs":
        opt = optax.lbfgs()

        def update(u, state, value, grad):
            updates, state = opt.update(grad, state, u, value=value, grad=grad, value_fn=loss)
            return optax.apply_updates(u, updates), state
    else:
        opt = optax.adam(settings.learning_rate)

        def update(u, state, value, grad):
            updates, state = opt.update(grad, state, u)
            return optax.apply_updates(u, updates), state
    return opt, jax.jit(update)


def minimise(objective, u0, settings, nfit: int, progress: bool = True, on_iteration=None) -> OptimisationResult:
    """Minimise ``objective.loss`` from ``u0`` under ``settings`` (calibration.optimizer).
    ``nfit`` normalises the loss for the tolerances; ``on_iteration(result)`` is called after every
    iteration (to save progress). Ctrl-C stops with the best point so far ("interrupted")."""
    tr = objective.trainables
    opt, update = _optimiser(settings, objective.loss)
    u = tr.project(jnp.asarray(u0, jnp.float64))
    state = opt.init(u)
    value, grad = objective.value_and_grad(u)
    best = OptimisationResult(u=np.asarray(u), loss=float(value), iterations=0, stop_reason="max_iterations")

    def record(it, value, grad, u):
        best.history.append({"iteration": it, "loss": float(value), "loss_per_observation": float(value) / nfit,
                             "gradient_norm": float(jnp.linalg.norm(grad)) / nfit,
                             "parameters": dict(zip(tr.names, np.asarray(tr.to_physical(u)).tolist()))})

    record(0, value, grad, u)
    bar = tqdm(total=settings.max_iterations, desc=f"calibrate ({settings.method})", unit="it", disable=not progress,
               leave=False)
    try:
        for it in range(1, settings.max_iterations + 1):
            if float(jnp.linalg.norm(grad)) / nfit < settings.gradient_tolerance:
                best.stop_reason = "gradient_tolerance"
                break
            stepped, state = update(u, state, value, grad)
            u = tr.project(stepped)
            if settings.method == "lbfgs" and bool(jnp.all(u == stepped)):
                value, grad = optax.tree_utils.tree_get(state, "value"), optax.tree_utils.tree_get(state, "grad")
            else:
                value, grad = objective.value_and_grad(u)
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
