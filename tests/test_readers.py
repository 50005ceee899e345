"""oceancdr.readers on real NOAA operational model output (WCOFS ROMS, SFBOFS FVCOM), each checked
against something independent of the code under test: the files' own raw arrays and angle, the
geometry of their coordinates, analytic fields, and discrete continuity in circulation.file_frames."""
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from oceancdr.circulation import file_frames
from oceancdr.config import CirculationConfig, ConfigError, GridConfig
from oceancdr.grid import build_grid
from oceancdr.readers import read, read_fvcom, read_surface_currents, to_grid, velocities_on_grid
from oceancdr.readers.fvcom import at_points, sigma_to_depth, triangulation
from oceancdr.readers.regrid import containing_triangle, grid_angle, interpolate_on_triangles, rotate

DATA = Path(__file__).resolve().parent.parent / "oceancdr" / "data" / "noaa_coastal_model_subsets"
ROMS = DATA / "WCOFS_subset.nc"
FVCOM = DATA / "tri_grid_example-FVCOM.nc"


@pytest.fixture(scope="module")
def roms_raw():
    with xr.open_dataset(ROMS) as ds:
        return ds.load()


@pytest.fixture(scope="module")
def roms():
    return read_surface_currents(ROMS)


@pytest.fixture(scope="module")
def fvcom():
    return read_fvcom(FVCOM)


def roms_box():
    """5 km box on the Oregon shelf (44.4-44.9 N, 124.6-123.85 W), its east part on land in WCOFS."""
    return build_grid(GridConfig(type="box", nx=12, ny=12, nz=6, dx_m=5000.0, dy_m=5000.0, depth_max_m=120.0,
                                 dz_surface_m=10.0, lon0=-124.6, lat0=44.4, open_boundaries=["north", "south", "west"]))


def fvcom_box():
    """250 m box over the deep south-east corner of the SFBOFS subset, partly outside its mesh."""
    return build_grid(GridConfig(type="box", nx=8, ny=8, nz=5, dx_m=250.0, dy_m=250.0, depth_max_m=50.0,
                                 dz_surface_m=10.0, lon0=-122.476, lat0=37.853,
                                 open_boundaries=["north", "south", "east", "west"]))


def inside_points(ds, rng, n):
    """n random points strictly inside random FVCOM elements: (element, lon, lat)."""
    element = rng.integers(0, ds.sizes["nele"], n)
    w = rng.uniform(0.05, 1.0, (n, 3))
    w /= w.sum(1, keepdims=True)
    corners = ds["nv"].values[element]
    return element, (w * ds["lon"].values[corners]).sum(1), (w * ds["lat"].values[corners]).sum(1)


# --------------------------------------------------------------------------------------- ROMS
def test_roms_rotation_follows_the_file_angle(roms_raw, roms):
    angle = roms_raw["angle"].values
    east, north = rotate(np.ones_like(angle), np.zeros_like(angle), angle)
    np.testing.assert_allclose(east, np.cos(angle), rtol=0, atol=1e-15)
    np.testing.assert_allclose(north, np.sin(angle), rtol=0, atol=1e-15)
    # the xi axis of the coordinates themselves points along the file's angle (WCOFS: 15-17 degrees)
    lon, lat = roms_raw["lon_rho"].values, roms_raw["lat_rho"].values
    xi_dir = np.arctan2(np.diff(lat, axis=1), np.diff(lon, axis=1) * np.cos(np.radians(0.5 * (lat[:, 1:] + lat[:, :-1]))))
    assert np.abs(xi_dir - 0.5 * (angle[:, 1:] + angle[:, :-1])).max() < 1e-3
    np.testing.assert_allclose(grid_angle(lon, lat), angle, rtol=0, atol=1e-3)
    # the reader at interior rho points whose four faces are all wet, from the raw u/v points
    u, v = roms_raw["u_sur"].values, roms_raw["v_sur"].values
    j, i = np.nonzero((roms_raw["mask_rho"].values[1:-1, 1:-1] > 0))
    j, i = j + 1, i + 1
    faces = np.stack([u[:, j, i - 1], u[:, j, i], v[:, j - 1, i], v[:, j, i]])
    keep = np.isfinite(faces).all(axis=(0, 1))
    j, i = j[keep], i[keep]
    assert len(j) > 1500
    u_rho, v_rho = 0.5 * (u[:, j, i - 1] + u[:, j, i]), 0.5 * (v[:, j - 1, i] + v[:, j, i])
    a = angle[j, i]
    np.testing.assert_allclose(roms["u_east"].values[:, j, i], u_rho * np.cos(a) - v_rho * np.sin(a), atol=1e-14)
    np.testing.assert_allclose(roms["v_north"].values[:, j, i], u_rho * np.sin(a) + v_rho * np.cos(a), atol=1e-14)
    assert roms["time"].values[0] == np.datetime64("2024-10-17T01:00")


def test_roms_averaging_keeps_land_masked_and_speeds_plausible(roms_raw, roms):
    land = roms_raw["mask_rho"].values == 0
    u, v = roms["u_east"].values, roms["v_north"].values
    assert land.sum() == 667
    assert np.isnan(u[:, land]).all() and np.isnan(v[:, land]).all()
    assert np.isfinite(u[:, ~land]).all() and np.isfinite(v[:, ~land]).all()
    speed = np.hypot(u, v)
    assert 0.3 < np.nanmax(speed) < 3.0
    # a wet rho point next to a land u face: that face is a wall, so the centre gets half the wet face
    mask_u, raw_u = roms_raw["mask_u"].values, roms_raw["u_sur"].values
    j, i = np.nonzero((mask_u[:, :-1] > 0) & (mask_u[:, 1:] == 0) & ~land[:, 1:-1])
    assert len(j) > 10
    u_xi = roms["u_east"].values * np.cos(roms["angle"].values) + roms["v_north"].values * np.sin(roms["angle"].values)
    np.testing.assert_allclose(u_xi[:, j, i + 1], 0.5 * raw_u[:, j, i], atol=1e-14)


def test_roms_on_its_own_rotated_grid_gives_the_native_components(roms_raw, roms, tmp_path):
    # a bathymetry grid whose cells are the WCOFS rho points: x is xi, rotated 15-17 degrees from east
    path = tmp_path / "wcofs_depth.nc"
    xr.Dataset({"depth": (("y", "x"), 100.0 * roms_raw["mask_rho"].values),
                "lon": (("y", "x"), roms_raw["lon_rho"].values),
                "lat": (("y", "x"), roms_raw["lat_rho"].values)}).to_netcdf(path)
    grid = build_grid(GridConfig(type="bathymetry", file=str(path), depth_var="depth", lon_var="lon", lat_var="lat",
                                 nz=3, dz_surface_m=10.0, open_boundaries=["north", "south", "west"]))
    out = to_grid(roms, grid)
    wet = np.asarray(grid.mask[0]) > 0
    # coincident points: the rho values come back unchanged (east/north, before any rotation)
    east, north = rotate(out["u"].values[:, 0], out["v"].values[:, 0], grid_angle(grid.lon, grid.lat))
    np.testing.assert_allclose(east[:, wet], roms["u_east"].values[:, wet], atol=1e-12)
    np.testing.assert_allclose(north[:, wet], roms["v_north"].values[:, wet], atol=1e-12)
    # and in the grid's own axes they are ROMS's xi/eta components, averaged by hand from the raw file
    u, v = roms_raw["u_sur"].fillna(0.0).values, roms_raw["v_sur"].fillna(0.0).values
    u_xi = np.concatenate([u[..., :1], 0.5 * (u[..., :-1] + u[..., 1:]), u[..., -1:]], axis=-1)
    v_eta = np.concatenate([v[:, :1], 0.5 * (v[:, :-1] + v[:, 1:]), v[:, -1:]], axis=1)
    scale = np.hypot(u_xi, v_eta)[:, wet].max()
    assert np.abs(out["u"].values[:, 0][:, wet] - u_xi[:, wet]).max() < 1e-3 * scale
    assert np.abs(out["v"].values[:, 0][:, wet] - v_eta[:, wet]).max() < 1e-3 * scale
    assert (out["u"].values[:, :, ~wet] == 0).all()


def test_roms_box_grid_reproduces_linear_fields_and_fills_the_surface_layer(roms):
    grid = roms_box()
    lon, lat = roms["lon"].values, roms["lat"].values
    linear = roms.copy()
    linear["u_east"] = roms["u_east"] * 0 + (0.3 * (lon + 124.0) - 0.2 * (lat - 45.0) + 0.05)
    linear["v_north"] = roms["v_north"] * 0 + (-0.1 * (lon + 124.0) + 0.4 * (lat - 45.0))
    out = to_grid(linear, grid, surface_layer_m=30.0)
    z = np.asarray(grid.z_center)
    assert np.allclose(grid_angle(grid.lon, grid.lat), 0.0, atol=0)  # a box grid: x east, y north
    top = out["u"].values[:, 0]
    covered = np.isfinite(top[0])
    assert 60 < covered.sum() < 144  # WCOFS land covers the east of the box
    expected_u = 0.3 * (grid.lon + 124.0) - 0.2 * (grid.lat - 45.0) + 0.05
    expected_v = -0.1 * (grid.lon + 124.0) + 0.4 * (grid.lat - 45.0)
    np.testing.assert_allclose(top[:, covered], np.broadcast_to(expected_u[covered], top[:, covered].shape), atol=1e-12)
    np.testing.assert_allclose(out["v"].values[:, 0][:, covered],
                               np.broadcast_to(expected_v[covered], top[:, covered].shape), atol=1e-12)
    # levels with centres above 30 m (5, 16.4 m) carry the surface value, those below none
    layer = z < 30.0
    assert layer.sum() == 2
    np.testing.assert_array_equal(out["u"].values[:, layer], np.repeat(top[:, None], layer.sum(), 1))
    assert (out["u"].values[:, ~layer][..., covered] == 0).all()
    assert np.isnan(out["u"].values[:, :, ~covered]).all()


def test_roms_reader_names_a_missing_variable(roms_raw, tmp_path):
    path = tmp_path / "no_angle.nc"
    roms_raw.drop_vars("angle").to_netcdf(path)
    with pytest.raises(ConfigError, match="'angle'"):
        read_surface_currents(path)
    with pytest.raises(ConfigError, match="format 'hycom'"):
        read(ROMS, "hycom")


# -------------------------------------------------------------------------------------- FVCOM
def test_fvcom_triangle_interpolation_is_exact_for_linear_fields(fvcom):
    rng = np.random.default_rng(1)
    element, lon, lat = inside_points(fvcom, rng, 500)
    def field(x, y):
        return 40.0 * (x + 122.5) - 25.0 * (y - 37.88) + 3.0
    got = interpolate_on_triangles(triangulation(fvcom), field(fvcom["lon"].values, fvcom["lat"].values), lon, lat)
    np.testing.assert_allclose(got, field(lon, lat), rtol=0, atol=1e-11)
    # the element fields are the containing element's own value
    points = at_points(fvcom, lon, lat)
    np.testing.assert_array_equal(points["element"].values, element)
    np.testing.assert_array_equal(points["u_east"].values, fvcom["u_east"].values[..., element])


def test_fvcom_containing_element(fvcom):
    rng = np.random.default_rng(2)
    element, lon, lat = inside_points(fvcom, rng, 2000)
    tri = triangulation(fvcom)
    np.testing.assert_array_equal(containing_triangle(tri, lon, lat), element)
    # the file's own element centroids (lonc, latc; 0-360 longitudes) lie in their elements
    with xr.open_dataset(FVCOM) as raw:
        lonc, latc = raw["lonc"].values.astype(float), raw["latc"].values.astype(float)
    assert lonc.min() > 180
    np.testing.assert_array_equal(containing_triangle(tri, lonc, latc), np.arange(fvcom.sizes["nele"]))


def test_fvcom_points_outside_the_mesh_are_nan(fvcom):
    nv = fvcom["nv"].values
    edges = np.sort(np.concatenate([nv[:, [0, 1]], nv[:, [1, 2]], nv[:, [2, 0]]]), axis=1)
    third = np.concatenate([nv[:, 2], nv[:, 0], nv[:, 1]])
    _, index, count = np.unique(edges, axis=0, return_index=True, return_counts=True)
    boundary = index[count == 1]  # edges of one element only
    assert len(boundary) > 100
    p = np.stack([fvcom["lon"].values, fvcom["lat"].values], 1)
    a, b, c = p[edges[boundary, 0]], p[edges[boundary, 1]], p[third[boundary]]
    mid = 0.5 * (a + b)
    normal = np.stack([b[:, 1] - a[:, 1], a[:, 0] - b[:, 0]], 1)
    normal *= -np.sign(((c - mid) * normal).sum(1))[:, None]  # away from the element
    outside, inside = mid + 1e-3 * normal, mid - 1e-3 * normal
    lon = np.concatenate([outside[:, 0], inside[:, 0], [-122.0, 237.0]])
    lat = np.concatenate([outside[:, 1], inside[:, 1], [37.88, 37.88]])
    points = at_points(fvcom, lon, lat)
    n = len(boundary)
    off = np.r_[np.ones(n, bool), np.zeros(n, bool), True, True]
    assert (points["element"].values[off] == -1).all() and (points["element"].values[~off] >= 0).all()
    for name in ("temp", "salinity", "u_east", "v_north", "layer_depth"):
        assert np.isnan(points[name].values[..., off]).all(), name
        assert np.isfinite(points[name].values[..., ~off]).all(), name
    assert np.isnan(points["h"].values[off]).all()


def test_fvcom_vertical_interpolation_is_exact_for_fields_linear_in_depth(fvcom):
    # the real sigma columns at the nodes: depth = -(siglay (h + zeta) + zeta), 0.1-56 m
    h, zeta, siglay = fvcom["h"].values, fvcom["zeta"].values, fvcom["siglay"].values
    layer_depth = -(siglay[None] * (h + zeta)[:, None] + zeta[:, None])
    values = 12.0 - 0.07 * layer_depth
    depth = np.linspace(0.0, 60.0, 61)
    got = sigma_to_depth(values, layer_depth, depth)
    top, bottom = layer_depth[:, :1], layer_depth[:, -1:]
    within = (depth[None, :, None] >= top) & (depth[None, :, None] <= bottom)
    expected = np.broadcast_to(12.0 - 0.07 * depth[None, :, None], got.shape)
    np.testing.assert_allclose(got[within], expected[within], rtol=0, atol=1e-12)
    below = depth[None, :, None] > bottom
    np.testing.assert_array_equal(got[below], np.broadcast_to(values[:, -1:], got.shape)[below])
    above = depth[None, :, None] < top
    np.testing.assert_array_equal(got[above], np.broadcast_to(values[:, :1], got.shape)[above])


def test_fvcom_on_grid_is_exact_for_a_field_linear_in_space(fvcom):
    grid = fvcom_box()
    def field(lon, lat, depth):
        return 10.0 + 30.0 * (lon + 122.47) + 20.0 * (lat - 37.86) + 0.05 * depth
    # exact because the file's sigma layers are the same fractions at every node (so a layer's depth
    # is itself linear on each triangle)
    assert np.ptp(fvcom["siglay"].values, axis=1).max() == 0
    node_depth = -(fvcom["siglay"] * (fvcom["h"] + fvcom["zeta"]) + fvcom["zeta"])
    linear = fvcom.copy()
    linear["temp"] = field(fvcom["lon"], fvcom["lat"], node_depth).transpose("time", "layer", "node")
    out = to_grid(linear, grid)
    points = at_points(linear, grid.lon, grid.lat)
    depth = points["layer_depth"].values.reshape((fvcom.sizes["time"], -1) + grid.lon.shape)
    z = np.asarray(grid.z_center)[None, :, None, None]
    within = (z >= depth[:, :1]) & (z <= depth[:, -1:])
    assert within.sum() > 300
    expected = field(grid.lon[None, None], grid.lat[None, None], z)
    np.testing.assert_allclose(out["temperature"].values[within], np.broadcast_to(expected, within.shape)[within],
                               rtol=0, atol=1e-10)


def test_fvcom_on_grid_ranges_and_the_below_bottom_flag(fvcom):
    grid = fvcom_box()
    out = to_grid(fvcom, grid)
    assert out["time"].values[1] == np.datetime64("2024-05-23T01:00")  # from Times, not float32 days
    covered = np.isfinite(out["temperature"].values)
    assert 1000 < covered.sum() < out["temperature"].size
    for name, source in (("temperature", "temp"), ("salinity", "salinity")):
        values = out[name].values[covered]
        assert fvcom[source].min() <= values.min() and values.max() <= fvcom[source].max(), name
    assert 9 < out["temperature"].values[covered].min() and out["temperature"].values[covered].max() < 20
    speed = np.hypot(out["u"].values, out["v"].values)
    assert np.isnan(speed).sum() == (~covered).sum()
    assert 0.1 < np.nanmax(speed) < 3.0
    # below the FVCOM bed (depth h) the deepest layer is held, and the cell is flagged
    bed = out["source_bed_depth"].values
    assert fvcom["h"].min() <= np.nanmin(bed) and np.nanmax(bed) <= fvcom["h"].max()
    z = np.asarray(grid.z_center)[:, None, None]
    flagged = out["below_source_bottom"].values == 1
    np.testing.assert_array_equal(flagged, z > bed)
    assert flagged.sum() == out.attrs["below_source_bottom_cells"] > 50
    deepest = at_points(fvcom, grid.lon, grid.lat)["temp"].values[:, -1].reshape((-1,) + bed.shape)
    held = np.broadcast_to(deepest[:, None], out["temperature"].shape)
    np.testing.assert_array_equal(out["temperature"].values[:, flagged], held[:, flagged])


def test_fvcom_time_without_times_strings(tmp_path):
    with xr.open_dataset(FVCOM) as raw:
        raw.drop_vars("Times").to_netcdf(tmp_path / "no_times.nc")
    with_strings, without = read_fvcom(FVCOM)["time"].values, read_fvcom(tmp_path / "no_times.nc")["time"].values
    assert np.abs((without - with_strings) / np.timedelta64(1, "s")).max() < 20  # float32 days


# --------------------------------------------------------------------------------- end to end
@pytest.mark.parametrize("kind", ["roms", "fvcom"])
def test_regridded_velocities_drive_a_non_divergent_circulation(kind, tmp_path):
    path, grid = (ROMS, roms_box()) if kind == "roms" else (FVCOM, fvcom_box())
    out = velocities_on_grid(path, grid, kind)
    nc = tmp_path / f"{kind}_on_grid.nc"
    out.to_netcdf(nc)
    start = out["time"].values[0] - np.timedelta64(1, "h")
    times, U, V, W = file_frames(CirculationConfig(type="file", file=str(nc), u_var="u", v_var="v"), grid, start)
    np.testing.assert_allclose(times, 3600.0 * np.arange(1, out.sizes["time"] + 1))
    scale = max(np.abs(U).max(), np.abs(V).max())
    assert scale > 100.0  # m3 s-1: real currents, not zeros
    # each cell: outflow through its x, y and top/bottom faces (W upward on top faces) is zero
    net = (U[..., 1:] - U[..., :-1]) + (V[:, :, 1:] - V[:, :, :-1]) + (W[:, :-1] - W[:, 1:])
    assert np.abs(net).max() < 1e-11 * scale
    # depth-integrated horizontal divergence plus the surface W vanishes in every column
    column = (U[..., 1:] - U[..., :-1]).sum(1) + (V[:, :, 1:] - V[:, :, :-1]).sum(1) + W[:, 0]
    assert np.abs(column).max() < 1e-11 * scale


@pytest.mark.parametrize("fmt, path, grid_of", [("roms", ROMS, roms_box), ("fvcom", FVCOM, fvcom_box)])
def test_configured_model_output_gives_a_non_divergent_flow(fmt, path, grid_of):
    """circulation.format reads the file through the readers inside flow_patterns (what a run does)."""
    from oceancdr.config import Config
    from oceancdr.model import flow_patterns

    g = grid_of()
    cfg = Config(circulation=CirculationConfig(type="file", file=str(path), format=fmt, mixed_layer_depth_m=15.0))
    cfg.run.start = "2024-01-01"
    kind, U, V, W, times, *_ = flow_patterns(cfg, g)
    assert kind == "file" and len(times) == U.shape[0] > 1 and np.all(np.diff(times) > 0)
    for t in range(U.shape[0]):
        net = (U[t][..., 1:] - U[t][..., :-1]) + (V[t][:, 1:] - V[t][:, :-1]) + (W[t][:-1] - W[t][1:])
        assert np.abs(net).max() <= 1e-11 * np.abs(U[t]).max() and np.abs(U[t]).max() > 0
    far = GridConfig(type="box", nx=4, ny=4, nz=2, dx_m=250.0, dy_m=250.0, depth_max_m=20.0, dz_surface_m=10.0,
                     lon0=-100.0, lat0=30.0, open_boundaries=["north"])
    with pytest.raises(ConfigError, match="covers none"):
        flow_patterns(cfg, build_grid(far))


def test_initial_temperature_and_salinity_from_fvcom_output():
    from oceancdr.config import Config, config_from_dict
    from oceancdr.model import initial_tracers
    from oceancdr.state import TracerRegistry

    g = fvcom_box()
    cfg = Config(run={"start": "2024-05-23"},
                 circulation=CirculationConfig(type="file", file=str(FVCOM), format="fvcom"),
                 hydrography={"from_circulation_file": True})
    registry = TracerRegistry(tuple(cfg.tracers))
    c0 = initial_tracers(cfg, g, registry)
    ds = velocities_on_grid(FVCOM, g, "fvcom")
    wet = np.asarray(g.mask) > 0
    for name in ("temperature", "salinity"):
        field, source = c0[registry.index(name)], ds[name].values[0]
        covered = wet & np.isfinite(source)
        assert covered.sum() > 20 and (wet & ~covered).sum() > 20       # the box is partly outside the mesh
        np.testing.assert_array_equal(field[covered], source[covered])
        # a cell outside the mesh takes a value present in its own layer
        for k in range(g.shape[0]):
            fill = wet[k] & ~covered[k]
            if covered[k].any():
                assert np.isin(field[k][fill], source[k][covered[k]]).all()
        assert np.all(field[~wet] == 0) and np.isfinite(field).all()
    with pytest.raises(ConfigError, match="from_circulation_file"):
        config_from_dict({"hydrography": {"from_circulation_file": True}})
