"""Gradients through the coupled step (transport, mixing, air-sea CO2, ecosystem) and through every
intervention type: finite for every parameter, and equal to central finite differences for
parameters that act through different processes. One model carries all of them, so the reverse pass
of the whole step is compiled once for the suite."""
import re

import jax
import numpy as np
import pytest

from oceancdr.model import build_model
from oceancdr.simulation import advance

from test_interventions_model import INTERVENTIONS, SMALL, _config

TINY = SMALL[:5] + ["grid.nx=8", "grid.ny=10", "grid.nz=4", "grid.dx_m=6000", "grid.dy_m=6000",
                    "tracers.dye.blob.x_km=24", "tracers.dye.blob.y_km=30",
                    "numerics.substeps=2"]  # two transport sub-steps: the checkpointed sub-step loop
NSTEPS = 12


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    ivs = [dict(iv) for iv in INTERVENTIONS]
    for iv in ivs:  # every delivery starts at once, so the short run sees all of them
        iv["schedule"] = {"start_day": 0, "end_day": 1} if iv["type"] == "bivalve_farm" else {"start_day": 0}
    m = build_model(_config(tmp_path_factory.mktemp("grad"), ivs, TINY))
    idx = m.registry.index
    area = m.grid.area * m.grid.mask[0]

    def loss(p, state0, forcing, grid):
        s = advance(m.step, state0, p, forcing, grid, NSTEPS)
        # surface DIC and TA, dye and phytoplankton: depend on the deliveries, air-sea exchange,
        # advection, mixing and the ecosystem; terms of similar size, so no one term's round-off
        # swamps the central differences of another
        surface_carbon = ((s.c[idx("alk"), 0] + s.c[idx("dic"), 0]) * area).sum() / area.sum()
        return (surface_carbon * 1e-3 + (s.c[idx("dic"), 0] ** 2).mean() * 1e-6
                + (s.c[idx("dye")] ** 2).sum() * 1e-3 + (s.c[idx("phy"), 0] ** 2).mean())

    # the model's arrays are arguments, not closure constants (XLA would constant-fold the step)
    data = (m.state0, m.forcing, m.grid)
    value, gradient = jax.jit(loss), jax.jit(jax.grad(loss))
    return m, (lambda p: value(p, *data)), (lambda p: gradient(p, *data))


def test_gradient_is_finite_for_every_parameter(setup):
    m, _, grad = setup
    g = grad(m.params)
    assert set(g) == set(m.params)
    for k, v in g.items():
        assert np.all(np.isfinite(np.asarray(v))), k


@pytest.mark.parametrize("name, rel_step", [("gas_transfer_scale", 1e-4), ("kh", 1e-4),
                                            ("upwelling_transport", 1e-4), ("kv_mixed_layer", 1e-4),
                                            ("phy_mu0", 1e-4), ("graze_max", 1e-4),
                                            ("naoh.amount_mol", 1e-3), ("olivine_rate_factor", 1e-2)])
def test_gradient_matches_central_differences(setup, name, rel_step):
    m, loss, grad = setup
    p = m.params
    h = rel_step * float(p[name])
    up = dict(p, **{name: p[name] + h})
    dn = dict(p, **{name: p[name] - h})
    fd = (float(loss(up)) - float(loss(dn))) / (2 * h)
    ad = float(grad(p)[name])
    assert abs(fd) > 0
    assert ad == pytest.approx(fd, rel=1e-5), (name, ad, fd)


def test_step_and_its_gradient_stay_on_the_device(setup):
    """No host round-trip inside a compiled chunk or its reverse pass: no Python callback
    (jax.debug.print, pure_callback, io_callback lower to one) and no transfer to or from the host."""
    m, _, _ = setup
    data = (m.state0, m.forcing, m.grid)
    forward = advance.lower(m.step, m.state0, m.params, *data[1:], NSTEPS).as_text()
    reverse = jax.jit(jax.grad(lambda p, s, f, g: advance(m.step, s, p, f, g, NSTEPS).c.sum())).lower(
        m.params, *data).as_text()
    for text in (forward, reverse):
        targets = set(re.findall(r"custom_call @([\w.]+)", text))
        assert not {t for t in targets if "callback" in t or "host" in t}, targets
        assert not re.search(r"stablehlo\.(infeed|outfeed|send|recv)\b", text)
