"""Secondary CaCO3 precipitation after alkalinity addition (SCIENCE.md section 4).

Above a critical aragonite saturation Omega_crit CaCO3 precipitates (Moras et al. 2022: none at
Omega_ar ~5, aragonite above ~7 in the presence of particles; Ringham et al. 2024: above 30 in
particle-free tanks). The rate is linear in the excess,
    R = k (Omega_ar - Omega_crit)  for Omega_ar > Omega_crit, else 0  (mmol CaCO3 m-3 d-1),
and each mole removes 2 TA and 1 DIC. The precipitate leaves the model (booked as an external
loss and reported): its later fate is not credited to the removal.
"""
from __future__ import annotations

import jax.numpy as jnp


def precipitation_extent(omega_aragonite, dic, alk, p, dt_days):
    """CaCO3 precipitated over a step (mmol m-3), never more than the DIC or half the TA present."""
    rate = p["precipitation_rate"] * jnp.maximum(omega_aragonite - p["precipitation_omega_threshold"], 0.0)
    return jnp.minimum(rate * dt_days, jnp.minimum(jnp.maximum(dic, 0.0), 0.5 * jnp.maximum(alk, 0.0)))
