"""The model grid: a z-level finite-volume grid with land mask and partial bottom cells.

Index order is ``[z, y, x]`` with ``z`` increasing downward (k = 0 is the surface layer). Tracers
sit at cell centres; volume fluxes sit on faces (Arakawa C grid): x faces ``(nz, ny, nx+1)``, y faces
``(nz, ny+1, nx)``, vertical faces ``(nz+1, ny, nx)`` with index k the top face of cell k. Partial
bottom cells follow Adcroft et al. (1997, Mon. Wea. Rev. 125, 2293): a wet fraction ``hfac`` of
each cell's thickness, not less than ``hfac_min``. Face areas use the smaller of the two adjacent
fractions, as in MITgcm. All lengths are metres, areas m2, volumes m3.

Builders: :func:`coastal_grid` (the embedded idealised coast: land, shelf, slope, open ocean, with
a headland), :func:`box_grid` (a flat basin; one cell makes a well-mixed box) and :func:`bathymetry_grid` (a real depth file such as SalishSeaCast's Baynes Sound,
coarsened by block averaging).
"""
from __future__ import annotations

import numpy as np

from .config import ConfigError, GridConfig
from .pytree import pytree_dataclass, static_field

EARTH_RADIUS_M = 6.371e6


@pytree_dataclass
class Grid:
    """Static geometry (never differentiated). Arrays are numpy or jax arrays of one float dtype."""

    dz: object          # (nz,) full layer thickness, m
    z_face: object      # (nz+1,) depth of layer interfaces, m (positive down)
    z_center: object    # (nz,) depth of full-cell centres, m
    hfac: object        # (nz, ny, nx) wet fraction of each cell (0 = land)
    mask: object        # (nz, ny, nx) 1 for wet cells, 0 for land
    area: object        # (ny, nx) horizontal cell area, m2
    dx: object          # (ny, nx) cell width in x, m
    dy: object          # (ny, nx) cell width in y, m
    volume: object      # (nz, ny, nx) wet volume, m3
    ax: object          # (nz, ny, nx+1) x-face wet area, m2 (edge faces nonzero only if open)
    ay: object          # (nz, ny+1, nx) y-face wet area, m2
    az: object          # (nz+1, ny, nx) vertical face area, m2 (k: top of cell k; k=nz: 0)
    dxc: object         # (ny, nx+1) centre-to-centre distance across x faces, m
    dyc: object         # (ny+1, nx) centre-to-centre distance across y faces, m
    dzc: object         # (nz+1, ny, nx) centre-to-centre distance across vertical faces, m
    open_x: object      # (nz, ny, nx+1) 1 on open-boundary x faces
    open_y: object      # (nz, ny+1, nx) 1 on open-boundary y faces
    depth: object       # (ny, nx) model bathymetry (sum of wet thickness), m
    lon: object         # (ny, nx) degrees east
    lat: object         # (ny, nx) degrees north
    x_km: object        # (nx,) nominal cross-shore coordinate, km
    y_km: object        # (ny,) nominal alongshore coordinate, km
    open_boundaries: tuple = static_field(default=())

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.mask.shape)


# ---------------------------------------------------------------------------------------------
def layer_thicknesses(nz: int, depth_max: float, dz_surface: float) -> np.ndarray:
    """Layer thicknesses growing geometrically from ``dz_surface`` so that they sum to ``depth_max``."""
    if nz == 1:
        return np.array([depth_max])
    if abs(dz_surface * nz - depth_max) < 1e-9 * depth_max:
        return np.full(nz, dz_surface)
    lo, hi = 1.0, 2.0
    while dz_surface * (hi**nz - 1) / (hi - 1) < depth_max:
        hi *= 2
    for _ in range(200):
        r = 0.5 * (lo + hi)
        total = dz_surface * (r**nz - 1) / (r - 1)
        lo, hi = (r, hi) if total < depth_max else (lo, r)
    dz = dz_surface * r ** np.arange(nz)
    return dz * depth_max / dz.sum()


def partial_cells(bathy: np.ndarray, z_face: np.ndarray, hfac_min: float) -> np.ndarray:
    """Wet fraction of each cell from bathymetry (m, positive down), rounded as in MITgcm:
    fractions below ``hfac_min`` become ``hfac_min`` if at least half of it, else 0."""
    dz = np.diff(z_face)
    h = np.clip((bathy[None] - z_face[:-1, None, None]) / dz[:, None, None], 0.0, 1.0)
    small = (h > 0) & (h < hfac_min)
    h = np.where(small, np.where(h >= 0.5 * hfac_min, hfac_min, 0.0), h)
    # a cell under a dry cell is dry: keep water columns connected to the surface
    return h * (np.cumprod(h > 0, axis=0) > 0)


def assemble_grid(bathy, dx, dy, lon, lat, nz, dz_surface, hfac_min, open_boundaries, depth_max=None,
                  x_km=None, y_km=None) -> Grid:
    """Derive every metric of :class:`Grid` from a bathymetry and horizontal spacings (numpy, float64)."""
    bathy = np.where(np.isfinite(bathy), np.maximum(bathy, 0.0), 0.0)
    ny, nx = bathy.shape
    depth_max = float(depth_max or bathy.max())
    if depth_max <= 0:
        raise ConfigError("grid: the bathymetry has no wet cell")
    dz = layer_thicknesses(nz, depth_max, min(dz_surface, depth_max / nz))
    z_face = np.concatenate([[0.0], np.cumsum(dz)])
    hfac = partial_cells(bathy, z_face, hfac_min)
    mask = (hfac > 0).astype(float)
    if mask[0].sum() == 0:
        raise ConfigError("grid: no wet surface cell; check the bathymetry and grid.hfac_min")
    area = dx * dy
    volume = hfac * dz[:, None, None] * area[None]

    # x faces: interior use the smaller wet fraction; edges only where the boundary is open
    ax = np.zeros((nz, ny, nx + 1))
    ax[:, :, 1:-1] = np.minimum(hfac[:, :, :-1], hfac[:, :, 1:]) * dz[:, None, None] * 0.5 * (dy[:, :-1] + dy[:, 1:])
    ay = np.zeros((nz, ny + 1, nx))
    ay[:, 1:-1, :] = np.minimum(hfac[:, :-1], hfac[:, 1:]) * dz[:, None, None] * 0.5 * (dx[:-1] + dx[1:])
    open_x = np.zeros_like(ax)
    open_y = np.zeros_like(ay)
    edges = {
        "west": (ax, open_x, (slice(None), slice(None), 0), hfac[:, :, 0] * dy[:, 0]),
        "east": (ax, open_x, (slice(None), slice(None), nx), hfac[:, :, -1] * dy[:, -1]),
        "south": (ay, open_y, (slice(None), 0, slice(None)), hfac[:, 0, :] * dx[0]),
        "north": (ay, open_y, (slice(None), ny, slice(None)), hfac[:, -1, :] * dx[-1]),
    }
    for side in open_boundaries:
        faces, flag, idx, wet_len = edges[side]
        faces[idx] = wet_len * dz[:, None]
        flag[idx] = (wet_len > 0).astype(float)

    az = np.zeros((nz + 1, ny, nx))
    az[:nz] = mask * area[None]
    dxc = np.empty((ny, nx + 1))
    dxc[:, 1:-1] = 0.5 * (dx[:, :-1] + dx[:, 1:])
    dxc[:, 0], dxc[:, -1] = dx[:, 0], dx[:, -1]
    dyc = np.empty((ny + 1, nx))
    dyc[1:-1] = 0.5 * (dy[:-1] + dy[1:])
    dyc[0], dyc[-1] = dy[0], dy[-1]
    thick = hfac * dz[:, None, None]
    dzc = np.ones((nz + 1, ny, nx))
    dzc[1:-1] = np.where(mask[1:] > 0, 0.5 * (thick[:-1] + thick[1:]), 1.0)

    return Grid(
        dz=dz, z_face=z_face, z_center=0.5 * (z_face[:-1] + z_face[1:]), hfac=hfac, mask=mask,
        area=area, dx=dx, dy=dy, volume=volume, ax=ax, ay=ay, az=az, dxc=dxc, dyc=dyc, dzc=dzc,
        open_x=open_x, open_y=open_y, depth=thick.sum(0), lon=lon, lat=lat,
        x_km=np.arange(nx) if x_km is None else x_km, y_km=np.arange(ny) if y_km is None else y_km,
        open_boundaries=tuple(open_boundaries),
    )


# ---------------------------------------------------------------------------------------------
def coastline_km(cfg: GridConfig, y_km):
    """Cross-shore position (km) of the coastline at alongshore position ``y_km``: a straight coast
    with a Gaussian headland centred on the domain."""
    y_mid = 0.5 * cfg.ny * cfg.dy_m / 1e3
    return cfg.coast_km + cfg.headland_km * np.exp(-(((y_km - y_mid) / cfg.headland_width_km) ** 2))


def coastal_depth(cfg: GridConfig, offshore_km):
    """Idealised depth profile (m) against distance from the coastline (km): land, a linear shelf,
    and a tanh continental slope down to ``depth_max_m``."""
    d = np.asarray(offshore_km, dtype=float)
    shelf = cfg.coast_depth_m + (cfg.shelf_depth_m - cfg.coast_depth_m) * d / cfg.shelf_width_km
    slope = cfg.shelf_depth_m + (cfg.depth_max_m - cfg.shelf_depth_m) * np.tanh(
        (d - cfg.shelf_width_km) / cfg.slope_width_km)
    return np.where(d < 0, 0.0, np.where(d < cfg.shelf_width_km, shelf, slope))


def _plane(cfg: GridConfig):
    """Cell-centre coordinates (km), uniform spacings (m) and lon/lat of a regular plane grid
    whose south-west corner is at (lon0, lat0)."""
    x_km = (np.arange(cfg.nx) + 0.5) * cfg.dx_m / 1e3
    y_km = (np.arange(cfg.ny) + 0.5) * cfg.dy_m / 1e3
    dx = np.full((cfg.ny, cfg.nx), cfg.dx_m)
    dy = np.full((cfg.ny, cfg.nx), cfg.dy_m)
    lat = cfg.lat0 + np.degrees(y_km * 1e3 / EARTH_RADIUS_M)
    lon = cfg.lon0 + np.degrees(x_km * 1e3 / (EARTH_RADIUS_M * np.cos(np.radians(cfg.lat0))))
    lon2, lat2 = np.meshgrid(lon, lat)
    return x_km, y_km, dx, dy, lon2, lat2


def coastal_grid(cfg: GridConfig) -> Grid:
    """The embedded default domain: coast on the west, open ocean to the east, open alongshore ends."""
    x_km, y_km, dx, dy, lon, lat = _plane(cfg)
    bathy = coastal_depth(cfg, x_km[None, :] - coastline_km(cfg, y_km)[:, None])
    return assemble_grid(bathy, dx, dy, lon, lat, cfg.nz, cfg.dz_surface_m, cfg.hfac_min,
                         cfg.open_boundaries, depth_max=cfg.depth_max_m, x_km=x_km, y_km=y_km)


def box_grid(cfg: GridConfig) -> Grid:
    """A flat-bottomed basin ``depth_max_m`` deep, closed except for ``open_boundaries``."""
    x_km, y_km, dx, dy, lon, lat = _plane(cfg)
    return assemble_grid(np.full(dx.shape, cfg.depth_max_m), dx, dy, lon, lat, cfg.nz, cfg.dz_surface_m,
                         cfg.hfac_min, cfg.open_boundaries, depth_max=cfg.depth_max_m, x_km=x_km, y_km=y_km)


def _block_mean(a: np.ndarray, n: int) -> np.ndarray:
    ny, nx = (a.shape[0] // n) * n, (a.shape[1] // n) * n
    return a[:ny, :nx].reshape(ny // n, n, nx // n, n).mean(axis=(1, 3))


def _spacing(lon, lat, axis):
    """Centre-to-centre great-circle distance along ``axis`` (m), one-sided at the edges."""
    phi, lam = np.radians(lat), np.radians(lon)
    dphi, dlam = np.diff(phi, axis=axis), np.diff(lam, axis=axis)
    mid = 0.5 * (np.take(phi, range(phi.shape[axis] - 1), axis) + np.take(phi, range(1, phi.shape[axis]), axis))
    d = EARTH_RADIUS_M * np.hypot(dphi, dlam * np.cos(mid))
    first, last = np.take(d, [0], axis), np.take(d, [-1], axis)
    inner = 0.5 * (np.take(d, range(d.shape[axis] - 1), axis) + np.take(d, range(1, d.shape[axis]), axis))
    return np.concatenate([first, inner, last], axis=axis)


def bathymetry_grid(cfg: GridConfig) -> Grid:
    """A grid from a bathymetry netCDF (depth positive down, 0 = land, 2-D lon/lat), coarsened by
    ``cfg.coarsen``: a coarse cell is wet where most of its fine cells are, with their mean depth."""
    import xarray as xr

    try:
        with xr.open_dataset(cfg.file) as ds:
            depth = np.asarray(ds[cfg.depth_var].values, dtype=float)
            lon = np.asarray(ds[cfg.lon_var].values, dtype=float)
            lat = np.asarray(ds[cfg.lat_var].values, dtype=float)
    except KeyError as err:
        raise ConfigError(f"grid.file {cfg.file}: variable {err} not found; set grid.depth_var/lon_var/lat_var") from None
    except OSError as err:
        raise ConfigError(f"grid.file {cfg.file}: cannot read ({err})") from None
    if depth.ndim != 2 or depth.shape != lon.shape or lon.shape != lat.shape:
        raise ConfigError(f"grid.file {cfg.file}: depth, lon and lat must be 2-D arrays of one shape")
    depth = np.where(np.isfinite(depth), np.maximum(depth, 0.0), 0.0)
    n = cfg.coarsen
    if n > 1:
        wet = _block_mean((depth > 0).astype(float), n)
        total = _block_mean(depth, n)
        depth = np.where(wet > 0.5, total / np.maximum(wet, 1e-12), 0.0)
        lon, lat = _block_mean(lon, n), _block_mean(lat, n)
    dx, dy = _spacing(lon, lat, axis=1), _spacing(lon, lat, axis=0)
    ny, nx = depth.shape
    return assemble_grid(depth, dx, dy, lon, lat, cfg.nz, cfg.dz_surface_m, cfg.hfac_min, cfg.open_boundaries,
                         x_km=np.cumsum(dx[ny // 2]) / 1e3 - dx[ny // 2, 0] / 2e3,
                         y_km=np.cumsum(dy[:, nx // 2]) / 1e3 - dy[0, nx // 2] / 2e3)


def build_grid(cfg: GridConfig) -> Grid:
    """Build the configured grid (float64 numpy arrays)."""
    return {"coastal": coastal_grid, "box": box_grid, "bathymetry": bathymetry_grid}[cfg.type](cfg)
