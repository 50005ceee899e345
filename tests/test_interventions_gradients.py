"""Gradients through the interventions: exact and finite, so amounts and rates can be calibrated."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from oceancdr.model import build_model
from oceancdr.simulation import advance
from test_interventions_model import INTERVENTIONS, SMALL, _config


def test_gradients_through_interventions_are_finite_and_match_differences(tmp_path):
    """d(final surface TA and DIC)/d(params) through every intervention type on a tiny grid: finite
    for all params, and equal to central differences for the NaOH amount and the olivine rate factor."""
    tiny = SMALL[:5] + ["grid.nx=8", "grid.ny=10", "grid.nz=4", "grid.dx_m=6000", "grid.dy_m=6000"]
    ivs = [dict(iv) for iv in INTERVENTIONS]
    for iv in ivs:
        iv["schedule"] = {"start_day": 0, "end_day": 1} if iv["type"] == "bivalve_farm" else {"start_day": 0}
    m = build_model(_config(tmp_path, ivs, tiny))
    dic, alk = m.registry.index("dic"), m.registry.index("alk")
    area = m.grid.area * m.grid.mask[0]

    def loss(p):
        s = advance(m.step, m.state0, p, m.forcing, m.grid, 6)
        return ((s.c[alk, 0] + s.c[dic, 0]) * area).sum() / area.sum()

    value, grads = jax.value_and_grad(loss)(m.params)
    for name, g in grads.items():
        assert np.all(np.isfinite(np.asarray(g))), name
    for name, h in (("naoh.amount_mol", 1e-3), ("olivine_rate_factor", 1e-2)):
        p0 = float(m.params[name])
        step = h * p0
        plus = loss(m.params | {name: jnp.asarray(p0 + step)})
        minus = loss(m.params | {name: jnp.asarray(p0 - step)})
        fd = float(plus - minus) / (2 * step)
        assert float(grads[name]) == pytest.approx(fd, rel=1e-5, abs=1e-14 * abs(float(value)) / step), name
