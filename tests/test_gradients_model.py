"""Gradients through the coupled step (transport, mixing, air-sea CO2, ecosystem): finite for every parameter,
and equal to central finite differences for a few that act through different processes."""
import jax
import numpy as np
import pytest

from oceancdr.config import load_config
from oceancdr.model import build_model
from oceancdr.simulation import advance

from test_cli_run import DEFAULT, SMALL


@pytest.fixture(scope="module")
def setup():
    m = build_model(load_config(DEFAULT, SMALL))
    idx = m.registry.index

    def loss(p, state0, forcing, grid):
        s = advance(m.step, state0, p, forcing, grid, 24)
        # surface DIC, dye and phytoplankton: depend on air-sea exchange, advection, mixing, ecosystem
        return ((s.c[idx("dic"), 0] ** 2).mean() * 1e-6 + (s.c[idx("dye")] ** 2).sum() * 1e-3
                + (s.c[idx("phy"), 0] ** 2).mean())

    # the model's arrays are arguments, not closure constants (XLA would constant-fold the step)
    data = (m.state0, m.forcing, m.grid)
    value, gradient = jax.jit(loss), jax.jit(jax.grad(loss))
    return m, (lambda p: value(p, *data)), (lambda p: gradient(p, *data))


def test_gradient_is_finite_for_every_parameter(setup):
    m, _, grad = setup
    g = grad(m.params)
    for k, v in g.items():
        assert np.all(np.isfinite(np.asarray(v))), k


@pytest.mark.parametrize("name, rel_step", [("gas_transfer_scale", 1e-4), ("kh", 1e-4),
                                            ("upwelling_transport", 1e-4), ("kv_mixed_layer", 1e-4),
                                            ("phy_mu0", 1e-4), ("graze_max", 1e-4)])
def test_gradient_matches_central_differences(setup, name, rel_step):
    m, loss, grad = setup
    p = m.params
    h = rel_step * float(p[name])
    up = dict(p, **{name: p[name] + h})
    dn = dict(p, **{name: p[name] - h})
    fd = (float(loss(up)) - float(loss(dn))) / (2 * h)
    ad = float(grad(p)[name])
    assert abs(fd) > 0
    assert ad == pytest.approx(fd, rel=2e-5), (name, ad, fd)
