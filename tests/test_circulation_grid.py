"""Grid metrics and exact discrete continuity of every circulation source."""
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from oceancdr.circulation import file_frames
from oceancdr.config import Config, ConfigError, GridConfig
from oceancdr.grid import build_grid, layer_thicknesses
from oceancdr.model import flow_patterns


def divergence(U, V, W):
    return (U[..., 1:] - U[..., :-1]) + (V[:, 1:] - V[:, :-1]) + (W[:-1] - W[1:])


@pytest.fixture(scope="module")
def coastal():
    cfg = Config(grid=GridConfig(nx=24, ny=30, nz=10))
    return cfg, build_grid(cfg.grid)


def test_layers_and_partial_cells(coastal):
    cfg, g = coastal
    dz = layer_thicknesses(15, 600.0, 5.0)
    assert dz[0] == pytest.approx(5.0) and dz.sum() == pytest.approx(600.0) and np.all(np.diff(dz) > 0)
    wet = g.hfac[g.hfac > 0]
    assert wet.min() >= cfg.grid.hfac_min - 1e-12 and wet.max() <= 1.0
    # columns are connected to the surface and the volumes add up to area * model depth
    assert np.all(np.diff(g.mask, axis=0) <= 0)
    np.testing.assert_allclose(g.volume.sum(0), g.area * g.depth, rtol=1e-12)
    # a land face has zero area; an interior face area never exceeds either neighbour's wet height
    assert np.all(g.ax[:, :, 1:-1][(g.mask[:, :, :-1] == 0) | (g.mask[:, :, 1:] == 0)] == 0)
    assert np.all(g.ax[:, :, 0] == 0)          # the west coast is closed
    assert np.any(g.ax[:, :, -1] > 0)          # the east edge is open ocean
    assert g.depth.max() <= cfg.grid.depth_max_m + 1e-9 and (g.depth == 0).any()


def test_coastal_patterns_are_non_divergent_and_closed_at_land(coastal):
    cfg, g = coastal
    kind, U, V, W, *_ = flow_patterns(cfg, g)
    for p in range(U.shape[0]):
        scale = max(np.abs(U[p]).max(), np.abs(V[p]).max(), np.abs(W[p]).max())
        assert scale > 0
        assert np.abs(divergence(U[p], V[p], W[p])).max() <= 1e-13 * scale
        assert np.all(U[p][:, :, 0] == 0) and np.all(W[p][0] == 0)   # coast and rigid lid closed
        land = g.mask == 0
        assert np.all(U[p][:, :, 1:][land] == 0) and np.all(U[p][:, :, :-1][land] == 0)
        assert np.all(V[p][:, 1:][land] == 0) and np.all(V[p][:, :-1][land] == 0)
    # the upwelling pattern lifts water near the coast and pushes the surface layer offshore
    assert W[2][3].max() > 0 and U[2][0].sum() > 0


def _velocity_file(path, g, seed):
    rng = np.random.default_rng(seed)
    nz, ny, nx = g.shape
    u = rng.normal(0, 0.2, (3, nz, ny, nx))
    v = rng.normal(0, 0.2, (3, nz, ny, nx))
    times = np.datetime64("2025-05-01") + np.arange(3) * np.timedelta64(6, "h")
    xr.Dataset({"u": (("time", "depth", "y", "x"), u), "v": (("time", "depth", "y", "x"), v)},
               coords={"time": times}).to_netcdf(path)


def test_velocities_from_a_file_satisfy_continuity(coastal, tmp_path):
    cfg, g = coastal
    path = tmp_path / "uv.nc"
    _velocity_file(path, g, 0)
    cc = cfg.circulation.model_copy(update=dict(type="file", file=str(path)))
    times, U, V, W = file_frames(cc, g, np.datetime64("2025-05-01"))
    np.testing.assert_allclose(times, [0, 21600, 43200])
    for t in range(3):
        scale = np.abs(U[t]).max()
        assert np.abs(divergence(U[t], V[t], W[t])).max() <= 1e-10 * scale
        assert np.all(W[t][0] == 0)


def test_baynes_sound_bathymetry_grid_with_file_flow(tmp_path):
    gcfg = GridConfig(type="bathymetry", file="salishsea_bathymetry/bathymetry_201702_BaynesSound.nc",
                      coarsen=8, nz=8, dz_surface_m=4.0, open_boundaries=["north", "south"])
    from oceancdr.config import resolve_data_path
    gcfg.file = str(resolve_data_path(gcfg.file, tmp_path))
    g = build_grid(gcfg)
    assert g.shape[1:] == (394 // 8, 139 // 8)
    assert 0.3 < g.mask[0].mean() < 0.8                      # an inlet: land on both sides
    assert 200 < g.depth.max() <= 352
    # spacings: the sum along the middle column matches the endpoints' great-circle distance
    c = g.shape[2] // 2
    lat, lon = np.radians(g.lat[:, c]), np.radians(g.lon[:, c])
    chord = 2 * 6.371e6 * np.arcsin(np.sqrt(np.sin((lat[-1] - lat[0]) / 2) ** 2
                                            + np.cos(lat[0]) * np.cos(lat[-1]) * np.sin((lon[-1] - lon[0]) / 2) ** 2))
    along = g.dy[:, c].sum() - 0.5 * (g.dy[0, c] + g.dy[-1, c])
    assert along == pytest.approx(chord, rel=0.01)
    path = tmp_path / "uv.nc"
    _velocity_file(path, g, 1)
    cc = Config().circulation.model_copy(update=dict(type="file", file=str(path)))
    _, U, V, W = file_frames(cc, g, np.datetime64("2025-05-01"))
    assert np.abs(divergence(U[1], V[1], W[1])).max() <= 1e-10 * np.abs(U[1]).max()


def test_bad_grid_inputs_raise_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="grid.file"):
        build_grid(GridConfig(type="bathymetry", file=str(tmp_path / "missing.nc")))


def _potential(bathy, open_boundaries, axis="y", nz=3):
    """The potential-flow pattern on a flat-layered grid of 1 km cells with the given depths (m)."""
    from oceancdr.circulation import potential_pattern
    from oceancdr.grid import assemble_grid

    ny, nx = bathy.shape
    ones = np.ones((ny, nx))
    g = assemble_grid(bathy, 1000.0 * ones, 1000.0 * ones, ones, ones, nz, 10.0, 0.2, open_boundaries,
                      x_km=np.arange(nx) + 0.5, y_km=np.arange(ny) + 0.5)
    return g, potential_pattern(g, axis)


def test_potential_flow_in_a_straight_channel_is_the_uniform_current():
    g, (U, V, W) = _potential(np.full((12, 5), 30.0), ["south", "north"])
    v = V / np.where(g.ay > 0, g.ay, np.inf)
    np.testing.assert_allclose(v[g.ay > 0], 1.0, rtol=1e-12)     # 1 m/s everywhere: the mean speed
    assert max(np.abs(U).max(), np.abs(W).max()) <= 1e-12 * np.abs(V).max()   # solver round-off


def test_potential_flow_follows_a_coast_without_vorticity():
    # a channel that narrows from 6 to 2 cells and has an island; open south and north, a closed east
    bathy = np.zeros((16, 8))
    bathy[:8, 1:7] = 40.0
    bathy[8:, 3:5] = 20.0
    bathy[3:5, 3:5] = 0.0
    g, (U, V, W) = _potential(bathy, ["south", "north"])
    assert np.abs(divergence(U, V, W)).max() <= 1e-12 * np.abs(V).max()
    transport = V.sum(axis=(0, 2))                     # through each row of y faces
    np.testing.assert_allclose(transport, transport[0], rtol=1e-10)
    assert transport[0] > 0                              # towards +y
    # irrotational: u * d = difference of the potential, so it sums to zero round every wet corner
    ux = (U / np.where(g.ax > 0, g.ax, np.inf))[0] * g.dxc
    vy = (V / np.where(g.ay > 0, g.ay, np.inf))[0] * g.dyc
    curl = (ux[:-1, 1:-1] - ux[1:, 1:-1]) + (vy[1:-1, 1:] - vy[1:-1, :-1])
    four_wet = (g.ax[0, :-1, 1:-1] > 0) & (g.ax[0, 1:, 1:-1] > 0) & (g.ay[0, 1:-1, 1:] > 0) & (g.ay[0, 1:-1, :-1] > 0)
    assert four_wet.sum() > 20 and np.abs(curl[four_wet]).max() <= 1e-10 * np.abs(vy).max()
    # depth-uniform: every wet layer of a face moves at one speed
    wet = g.ay[:, 12, 3] > 0
    assert wet.sum() >= 2
    np.testing.assert_allclose(V[wet, 12, 3] / g.ay[wet, 12, 3], V[0, 12, 3] / g.ay[0, 12, 3], rtol=1e-12)
    # without open sides across or along the axis there is no current: a clear error
    with pytest.raises(ConfigError, match="potential_axis"):
        _potential(bathy, [])


def test_baynes_sound_configuration_builds_from_real_data():
    from oceancdr.bottles import bottle_profiles, read_whp_exchange
    from oceancdr.config import load_config
    from oceancdr.model import build_model

    cfg = load_config(Path(__file__).resolve().parents[1] / "configs" / "baynes_sound.yaml")
    m = build_model(cfg)
    g = m.grid
    assert g.shape == (10, 394 // 6, 139 // 6) and m.step_config.substeps <= 4
    U, V, W = (np.asarray(f) for f in (m.forcing.U, m.forcing.V, m.forcing.W))
    assert np.abs(divergence(U[0], V[0], W[0])).max() <= 1e-10 * np.abs(V[0]).max()
    # initial salinity and DIC are the bottle profiles on the model levels, in every wet cell
    b = cfg.hydrography.bottles
    prof, summary = bottle_profiles(read_whp_exchange(b.file), b.lon, b.lat, b.radius_km, g.z_center, ["salinity", "dic"])
    assert summary["stations"] >= 5
    c0, mask = np.asarray(m.state0.c), np.asarray(g.mask) > 0
    for name in ("salinity", "dic"):
        field = c0[m.registry.index(name)]
        np.testing.assert_allclose(field[mask], np.broadcast_to(prof[name][:, None, None], field.shape)[mask])
    # the farm sits in wet cells of the sound, not on land
    animals = np.asarray(m.forcing.interventions["individuals"]).sum(0)
    assert animals.sum() > 0 and np.all(animals[~mask] == 0)
