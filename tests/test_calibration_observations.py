"""The observation operator: reading tables, interpolation in space and time (exact for linear
fields), what is left out and why, and the derived variables against the carbonate solver."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import oceancdr  # noqa: F401  (float64)
from oceancdr.calibration.observations import (VARIABLES, ObservationTable, cell_values, equivalents,
                                               load_observations, locate, read_table)
from oceancdr.chemistry import solve_carbonate
from oceancdr.chemistry.density import density, mmol_m3_to_umol_kg
from oceancdr.config import ConfigError, ObservationFileConfig, load_config
from oceancdr.grid import build_grid

START = "2025-05-01"


@pytest.fixture(scope="module")
def grid():
    cfg = load_config("configs/default.yaml", ["grid.nx=8", "grid.ny=8", "grid.nz=6", "grid.dx_m=6000",
                                               "grid.dy_m=6000", "grid.depth_max_m=300"])
    return build_grid(cfg.grid)


def _table(lon, lat, depth, hours, variable="temperature", value=1.0, sigma=0.1):
    n = len(lon)
    time = np.datetime64(START + "T00:00:00") + (np.asarray(hours) * 3600).astype("timedelta64[s]")
    return ObservationTable(time=time, lon=np.asarray(lon, float), lat=np.asarray(lat, float),
                            depth=np.asarray(depth, float), variable=np.full(n, variable),
                            value=np.full(n, value, float), sigma=np.full(n, sigma, float), source=np.full(n, "t"))


def test_interpolation_is_exact_for_fields_linear_in_space_and_time(grid):
    """A field a + b lon + c lat + d depth + e t sampled at the wet cell centres, interpolated back
    to points between deep wet centres, equals the field at the point."""
    lon2, lat2, z = np.asarray(grid.lon), np.asarray(grid.lat), np.asarray(grid.z_center)
    rng = np.random.default_rng(3)
    # points among the deep offshore columns (all eight corners wet), between layer centres 0-3
    n = 40
    lon = rng.uniform(lon2[0, 5], lon2[0, 7], n)
    lat = rng.uniform(lat2[2, 0], lat2[5, 0], n)
    depth = rng.uniform(z[0], z[3], n)
    hours = np.round(rng.uniform(0, 47, n) * 3600) / 3600          # whole seconds (the table resolution)
    plan = locate(_table(lon, lat, depth, hours), grid, START, 3600.0, 48)
    assert plan.left_out == {} and len(plan.table) == n

    def field(lo, la, d, t):
        return 3.0 + 2.0 * (lo + 124) - 5.0 * (la - 44) + 0.01 * d + 1e-5 * t

    k, j, i = plan.cells.T
    steps = np.arange(49)[:, None] * 3600.0
    traj = field(lon2[j, i][None], lat2[j, i][None], z[k][None], steps)[:, None, :]    # (49, 1 var, ncell)
    got = np.asarray(equivalents(traj, plan))
    want = field(lon, lat, depth, hours * 3600.0)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_left_out_rows_are_counted_by_reason(grid, tmp_path):
    lon2, lat2 = np.asarray(grid.lon), np.asarray(grid.lat)
    wet = (lon2[0, 6], lat2[4, 0])
    land = (lon2[0, 0], lat2[4, 0])                     # the coast is on the west
    rows = [  # time (h), lon, lat, depth, variable, value, sigma
        (1, *wet, 5.0, "pco2", 400.0, 5.0),
        (1, *wet, 5.0, "ph", np.nan, 0.01),             # missing value
        (1, *wet, 5.0, "dic", 2000.0, 0.0),             # sigma 0
        (1, wet[0] + 5.0, wet[1], 5.0, "ta", 2200.0, 2.0),   # outside the domain
        (1, *land, 1.0, "ta", 2200.0, 2.0),             # on land
        (1, *wet, 5000.0, "ta", 2200.0, 2.0),           # below the seabed
        (500, *wet, 5.0, "ta", 2200.0, 2.0),            # after the run
        (1, *wet, 5.0, "nitrate", 5.0, 0.1),            # no no3 tracer in this model
        (1, *wet, 5.0, "turbidity", 5.0, 0.1),          # not a model variable
    ]
    frame = pd.DataFrame(rows, columns=["hours", "lon", "lat", "depth", "variable", "value", "sigma"])
    frame["time"] = (pd.Timestamp(START) + pd.to_timedelta(frame.pop("hours"), unit="h")).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    path = tmp_path / "obs.csv"
    frame.to_csv(path, index=False)
    table, report = load_observations([ObservationFileConfig(file=str(path))],
                                      ("temperature", "salinity", "dic", "alk"))
    assert report["left_out"] == {"missing value or sigma (ph)": 1, "missing value or sigma (dic)": 1,
                                  "variable 'nitrate' needs tracers this configuration lacks": 1,
                                  "variable 'turbidity' is not one the model computes": 1}
    plan = locate(table, grid, START, 3600.0, 48)
    assert plan.left_out == {"outside the model domain": 1, "on land": 1, "below the seabed or above the surface": 1,
                             "outside the run's time span": 1}
    assert list(plan.table.variable) == ["pco2"]


def test_netcdf_and_csv_tables_read_alike(tmp_path):
    frame = pd.DataFrame({"time": ["2025-05-01T06:00:00Z", "2025-05-02T00:00:00Z"], "lon": [-124.0, -124.1],
                          "lat": [44.1, 44.2], "depth": [2.0, 10.0], "variable": ["pCO2", "Alk"],
                          "value": [410.0, 2250.0], "sigma": [3.0, 4.0]})
    frame.to_csv(tmp_path / "obs.csv", index=False)
    frame.rename_axis("obs").to_xarray().to_netcdf(tmp_path / "obs.nc")
    a, b = read_table(tmp_path / "obs.csv"), read_table(tmp_path / "obs.nc")
    assert list(a.variable) == ["pco2", "ta"] == list(b.variable)       # case and aliases
    np.testing.assert_array_equal(a.time, b.time)
    np.testing.assert_array_equal(a.value, b.value)
    frame.drop(columns="sigma").to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ConfigError, match="lacks the columns \\['sigma'\\]"):
        read_table(tmp_path / "bad.csv")


def test_derived_variables_match_the_carbonate_solver():
    """pH, pCO2 and umol/kg concentrations at cells equal solve_carbonate and the density
    conversion applied to those cells' tracers (the operator adds no chemistry of its own)."""
    import jax.numpy as jnp

    from oceancdr.model import build_model

    cfg = load_config("configs/oae_box.yaml", ["run.days=1"])
    model = build_model(cfg)
    cells = np.array([[0, 0, 0]])
    names = ("pco2", "ph", "dic", "ta", "temperature", "salinity")
    got = np.asarray(cell_values(model.state0.c, model.grid, model.params, model.registry, cells, names))[:, 0]
    c = {n: float(model.state0.c[model.registry.index(n), 0, 0, 0]) for n in model.registry.names}
    from oceancdr.chemistry.density import pressure_dbar

    p = float(pressure_dbar(jnp.asarray(model.grid.z_center[0]), jnp.asarray(model.grid.lat[0, 0])))
    rho = density(c["temperature"], c["salinity"], p)
    dic, alk = (float(mmol_m3_to_umol_kg(c[n], rho)) for n in ("dic", "alk"))
    ref = solve_carbonate(dic, alk, c["temperature"], c["salinity"], p)
    np.testing.assert_allclose(got, [float(ref.pco2), float(ref.ph), dic, alk, c["temperature"], c["salinity"]],
                               rtol=1e-13)
    assert set(names) <= set(VARIABLES)


def test_curvilinear_grid_uses_the_nearest_wet_column():
    """On Baynes Sound's rotated grid an observation at a wet cell centre reads that cell alone; a
    point 1 degree away is outside the domain."""
    from oceancdr.config import GridConfig, resolve_data_path

    path = resolve_data_path("salishsea_bathymetry/bathymetry_201702_BaynesSound.nc", Path("."))
    g = build_grid(GridConfig(type="bathymetry", file=str(path), coarsen=4, nz=4, dz_surface_m=5.0))
    lon2, lat2, mask = np.asarray(g.lon), np.asarray(g.lat), np.asarray(g.mask)
    assert not np.allclose(lon2, lon2[:1])                  # curvilinear
    j, i = (int(v[len(v) // 2]) for v in np.nonzero(mask[0]))
    lon = [lon2[j, i], lon2[j, i] + 1.0]
    lat = [lat2[j, i], lat2[j, i]]
    plan = locate(_table(lon, lat, [1.0, 1.0], [1.0, 1.0]), g, START, 3600.0, 48)
    assert plan.left_out == {"outside the model domain": 1}
    k, jj, ii = plan.cells[plan.corner[0, np.argmax(plan.weight[0])]]
    assert (k, jj, ii) == (0, j, i) and plan.weight[0].max() == 1.0
