"""The ensemble's design: one row of parameter values per member.

Members are points of the unit hypercube (scipy.stats.qmc: Latin hypercube, McKay et al. 1979;
scrambled Sobol', Owen 1998; or plain pseudo-random numbers), mapped to each parameter's
distribution by its inverse CDF (scipy.stats). Sobol' and random designs are sequences: the first N
members of a larger ensemble are the N members of a smaller one with the same seed, so an ensemble
can grow and keep what it has run. A Latin hypercube of N members is a design for that N only.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.stats import qmc

from ..config import ConfigError, DistributionConfig


def frozen(spec: DistributionConfig):
    """The scipy.stats distribution of ``spec`` (frozen)."""
    if spec.distribution == "uniform":
        return stats.uniform(loc=spec.low, scale=spec.high - spec.low)
    if spec.distribution == "normal":
        return stats.norm(loc=spec.mean, scale=spec.sd)
    if spec.distribution == "lognormal":
        return stats.lognorm(s=spec.log_sd, scale=spec.median)
    a, b = (spec.low - spec.mean) / spec.sd, (spec.high - spec.mean) / spec.sd
    return stats.truncnorm(a, b, loc=spec.mean, scale=spec.sd)


def unit_points(sampler: str, members: int, dims: int, seed: int) -> np.ndarray:
    """(members, dims) points in the open unit cube."""
    if sampler == "latin_hypercube":
        return qmc.LatinHypercube(d=dims, seed=seed).random(members)
    if sampler == "sobol":
        with warnings.catch_warnings():     # balance needs 2^m points; any N is still a valid prefix
            warnings.simplefilter("ignore", UserWarning)
            return qmc.Sobol(d=dims, scramble=True, seed=seed).random(members)
    return np.random.default_rng(seed).random((members, dims))


@dataclass(frozen=True)
class Design:
    """The members' parameter values: ``values[i, j]`` is parameter ``names[j]`` of member i, in
    the model's units (relative samples already multiplied by the model's value)."""

    names: tuple[str, ...]
    values: np.ndarray

    def __len__(self) -> int:
        return self.values.shape[0]


def design(ens, params: dict, members: int | None = None) -> Design:
    """Draw the design of ``ens`` (an :class:`oceancdr.config.EnsembleConfig`) for a model with
    ``params``. Raises ConfigError naming the key for a parameter the model does not have, or one
    whose model value is positive but whose distribution gives values <= 0 to some member (use a
    truncated or lognormal distribution there)."""
    if not ens.parameters:
        raise ConfigError("ensemble.parameters: no uncertain parameters; declare at least one, e.g. "
                          "gas_transfer_scale: {distribution: lognormal, median: 1.0, log_sd: 0.2}")
    scalars = sorted(k for k, v in params.items() if np.ndim(v) == 0)
    for name in ens.parameters:
        if name not in params or np.ndim(params[name]) != 0:
            raise ConfigError(f"ensemble.parameters.{name}: not a scalar parameter of this model; choose from "
                              f"{', '.join(scalars)}")
    n = ens.members if members is None else members
    names = tuple(ens.parameters)
    u = unit_points(ens.sampler, n, len(names), ens.seed)
    columns = []
    for j, name in enumerate(names):
        spec = ens.parameters[name]
        base = float(params[name])
        x = frozen(spec).ppf(u[:, j]) * (base if spec.relative else 1.0)
        if base > 0 and (x <= 0).any():
            i = int(np.argmax(x <= 0))
            raise ConfigError(f"ensemble.parameters.{name}: member {i} gets {x[i]:.4g}, but the parameter is "
                              f"positive (model value {base:g}); use a truncated_normal with low > 0 or a lognormal")
        columns.append(x)
    return Design(names=names, values=np.column_stack(columns))
