"""Ecosystem bookkeeping: every process conserves the elements it should, a closed box conserves
C, N, P, Si, Fe, potential alkalinity and the O2 combination to round-off over a year of steps for
several switch combinations, a zero state stays zero and nothing goes negative."""
import jax.numpy as jnp
import pytest

from oceancdr.biology import BIO_TRACERS, PARAMETERS, Switches, element_weights, processes
from oceancdr.config import config_from_dict
from oceancdr.diagnostics import element_budgets
from oceancdr.model import build_model
from oceancdr.simulation import advance

DEFAULTS = {k: jnp.asarray(v.default) for k, v in PARAMETERS.items()}
EXTERNAL = {"scavenging": "fe", "sed_burial_poc": "sed_poc", "sed_burial_pic": "sed_pic", "sed_burial_bsi": "sed_bsi"}


def box_config(days=365.0, dt=10800.0, **switches):
    """A closed 2 x 2 x 3 box (no flow, no mixing, no air-sea exchange); 20 m deep so light,
    sinking and the sediment all act."""
    return {
        "run": {"days": days, "dt_seconds": dt, "start": "2025-03-01"},
        "grid": {"nx": 2, "ny": 2, "nz": 3, "dx_m": 1000, "dy_m": 1000, "depth_max_m": 30, "dz_surface_m": 10,
                 "coast_km": 0, "headland_km": 0, "coast_depth_m": 30, "shelf_depth_m": 30, "open_boundaries": []},
        "circulation": {"type": "none", "kh_m2_s": 0, "kv_background_m2_s": 0, "kv_mixed_layer_m2_s": 0},
        "hydrography": {"surface_temperature_c": 14, "deep_temperature_c": 12, "sst_restoring_m_per_day": 0},
        "atmosphere": {"airsea_co2": False},
        "biology": {"enabled": True, "oxygen_airsea": False, **switches},
        "tracers": {"temperature": {"initial": "hydrography"}, "salinity": {"initial": "hydrography"},
                    "dic": {"initial": "hydrography"}, "alk": {"initial": "hydrography"}},
        "output": {"every_hours": dt / 3600},
    }


def run_box(cfg_dict, state=None):
    m = build_model(config_from_dict(cfg_dict))
    n = int(round(cfg_dict["run"]["days"] * 86400 / cfg_dict["run"]["dt_seconds"]))
    s0 = m.state0 if state is None else state(m)
    return m, s0, advance(m.step, s0, m.params, m.forcing, m.grid, n)


def test_every_process_conserves_the_elements():
    weights = element_weights(DEFAULTS)
    network = processes(Switches())
    assert len(network) == 27
    for name, make in network.items():
        coef = make(DEFAULTS)
        for element, w in weights.items():
            total = sum(float(v) * float(w.get(t.removeprefix("sed_"), 0.0)) for t, v in coef.items())
            if name in EXTERNAL:
                # external processes change one pool only, which the budget books separately
                assert list(coef) == [EXTERNAL[name]]
            else:
                assert abs(total) < 1e-15, (name, element, total)


SWITCHES = {
    "all": {},
    "none": dict(grazing=False, mcp=False, calcite=False, iron_scavenging=False, dust=False, sediment=False),
    "no_grazing": dict(grazing=False),
    "no_sediment_no_calcite": dict(sediment=False, calcite=False, dust=False),
}


@pytest.mark.parametrize("combo", list(SWITCHES))
def test_closed_box_conserves_every_element_for_a_year(combo):
    m, s0, s1 = run_box(box_config(**SWITCHES[combo]))
    budgets = element_budgets(s0, s1, m.grid, m.registry, m.params)
    for element, b in budgets.items():
        assert b["relative_residual"] <= 1e-12, (combo, element, b)
        assert b["boundary_in"] == 0 and b["surface_in"] == 0
    assert float(s1.c.min()) >= 0.0 and float(s1.sediment.min()) >= 0.0
    growth = float(s1.fluxes["primary_production"].sum())
    assert growth > 100.0, "the ecosystem must actually do something in a year"
    if combo == "all":
        assert budgets["iron"]["external_in"] != 0 and budgets["carbon"]["buried"] > 0
    if combo == "none":
        assert all(b["external_in"] == 0 and b["buried"] == 0 for b in budgets.values())


def test_zero_state_stays_zero():
    cfg = box_config(days=30, dust=False)

    def zero(m):
        idx = [m.registry.index(n) for n in BIO_TRACERS + ("dic", "alk")]
        return m.state0.replace(c=m.state0.c.at[jnp.asarray(idx)].set(0.0))

    m, _, s1 = run_box(cfg, zero)
    for n in BIO_TRACERS + ("dic", "alk"):
        assert float(jnp.abs(s1.c[m.registry.index(n)]).max()) == 0.0, n
    assert float(jnp.abs(s1.sediment).max()) == 0.0


def test_unknown_or_out_of_range_parameter_is_a_config_error():
    from oceancdr.config import ConfigError

    with pytest.raises(ConfigError, match="parameters.phy_mu: unknown biology parameter"):
        config_from_dict(box_config(parameters={"phy_mu": 1.0}))
    with pytest.raises(ConfigError, match="mcp_fraction = 2 is outside"):
        config_from_dict(box_config(parameters={"mcp_fraction": 2.0}))
