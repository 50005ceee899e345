"""Trainable parameters: the map between the optimiser's unconstrained vector and model params.

Each trainable parameter p (a scalar of the model's params dict, in its SI units) is optimised as
u = g(p) / s with

* ``log``:   g(p) = log p,                         s = 1 (p > 0; steps are relative changes);
* ``logit``: g(p) = log((p - lo) / (hi - p)),      s = 1 (p strictly inside its bounds);
* ``none``:  g(p) = p,                             s = hi - lo.

``log`` and ``none`` keep p inside its bounds by clipping u to [g(lo)/s, g(hi)/s] after each
optimiser step (a projected method); ``logit`` cannot leave them. Priors are Gaussian in p.
"""
from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from ..config import ConfigError, TrainableConfig


@dataclass(frozen=True)
class Trainables:
    """The trainable parameters of a calibration, in a fixed order."""

    names: tuple[str, ...]
    specs: tuple[TrainableConfig, ...]
    initial: np.ndarray          # starting values (model units)

    def __len__(self) -> int:
        return len(self.names)

    def _forward(self, p, spec):
        lo, hi = spec.bounds
        if spec.transform == "log":
            return jnp.log(p)
        if spec.transform == "logit":
            return jnp.log((p - lo) / (hi - p))
        return p / (hi - lo)

    def _inverse(self, u, spec):
        lo, hi = spec.bounds
        if spec.transform == "log":
            return jnp.exp(u)
        if spec.transform == "logit":
            return lo + (hi - lo) * jnp.exp(-jnp.logaddexp(0.0, -u))   # sigmoid, stable at both ends
        return u * (hi - lo)

    def to_unconstrained(self, values) -> jnp.ndarray:
        """u from physical values (model units)."""
        return jnp.stack([self._forward(jnp.asarray(v, jnp.float64), s) for v, s in zip(values, self.specs)])

    def to_physical(self, u) -> jnp.ndarray:
        """Physical values (model units) from u; differentiable."""
        return jnp.stack([self._inverse(u[i], s) for i, s in enumerate(self.specs)])

    def unconstrained_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Box of u that keeps every parameter within its bounds (infinite for logit, and for a
        log transform with a lower bound of 0)."""
        lo, hi = [], []
        for s in self.specs:
            if s.transform == "logit":
                lo.append(-np.inf), hi.append(np.inf)
                continue
            a, b = s.bounds
            if s.transform == "log":
                lo.append(np.log(a) if a > 0 else -np.inf), hi.append(np.log(b))
            else:
                lo.append(a / (b - a)), hi.append(b / (b - a))
        return np.array(lo), np.array(hi)

    def project(self, u):
        """u clipped to :meth:`unconstrained_bounds`."""
        lo, hi = self.unconstrained_bounds()
        return jnp.clip(u, lo, hi)

    def jacobian_diagonal(self, u) -> np.ndarray:
        """dp/du for each parameter at u (the delta method's scale from u to p)."""
        import jax

        return np.asarray(jax.jacfwd(self.to_physical)(jnp.asarray(u)).diagonal())

    def apply(self, params: dict, values) -> dict:
        """``params`` with the trainable entries replaced by ``values`` (model units)."""
        out = dict(params)
        for i, name in enumerate(self.names):
            out[name] = jnp.asarray(values[i], params[name].dtype)
        return out

    def prior_residuals(self, values) -> jnp.ndarray:
        """(p - mean) / sd for the parameters that have a prior (a vector, possibly empty)."""
        rows = [(values[i] - s.prior.mean) / s.prior.sd for i, s in enumerate(self.specs) if s.prior is not None]
        return jnp.stack(rows) if rows else jnp.zeros(0)

    def true_values(self) -> np.ndarray | None:
        """The twin experiment's true values, or None unless every parameter has one."""
        values = [s.true_value for s in self.specs]
        return None if any(v is None for v in values) else np.array(values, float)


def trainables(specs: dict, params: dict) -> Trainables:
    """Check the configured trainable parameters against the model's params and return them.
    Raises ConfigError naming the key for an unknown or non-scalar parameter, or a starting value
    outside the bounds."""
    if not specs:
        raise ConfigError("calibration.parameters: no trainable parameters; declare at least one, e.g. "
                          "gas_transfer_scale: {bounds: [0.2, 5], transform: log}")
    scalars = sorted(k for k, v in params.items() if np.ndim(v) == 0)
    initial = []
    for name, spec in specs.items():
        if name not in params or np.ndim(params[name]) != 0:
            raise ConfigError(f"calibration.parameters.{name}: not a scalar parameter of this model; "
                              f"choose from {', '.join(scalars)}")
        value = float(params[name]) if spec.initial is None else spec.initial
        lo, hi = spec.bounds
        if not lo <= value <= hi or (spec.transform == "logit" and value in (lo, hi)) or (
                spec.transform == "log" and value <= 0):
            raise ConfigError(f"calibration.parameters.{name}: the starting value {value:g} (the model's, as no "
                              f"initial is given) must lie inside the bounds [{lo:g}, {hi:g}]; set initial")
        initial.append(value)
    return Trainables(names=tuple(specs), specs=tuple(specs.values()), initial=np.array(initial, float))
