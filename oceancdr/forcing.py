"""Time-dependent inputs: circulation, mixing, surface temperature target, boundary values.

A :class:`Forcing` holds arrays (flow patterns or file frames, boundary ghost values); the fields at
a time are computed inside the jitted step by :meth:`Forcing.flow` and friends from those arrays and
the differentiable :class:`Params` entries (amplitudes, diffusivities, periods). Flow kinds:

* ``patterns``: U = a_jet * P0 + a_tide(t) * P1 + a_up(t) * P2, where a_tide = tidal speed *
  sin(2 pi t / period) and a_up = Ekman transport * (1 + A cos(2 pi (day - peak) / 365.25)). The
  idealised coast's patterns are jet, tide and overturning; a potential through-flow
  (``circulation.type: potential``) is P0 = P1 and P2 = 0. Any linear combination of
  non-divergent patterns is non-divergent.
* ``file``: linear interpolation in time between frames (clamped at the ends).
* ``none``: no flow.

Surface targets and wind: an observed surface series (``surface_series.file``: a mooring's
temperature, salinity and wind, :data:`SERIES_COLUMNS`) is interpolated linearly in time
(``jnp.interp``, end values held); without it the SST target is a seasonal cosine and the wind the
constant ``params['wind_speed']``.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .pytree import pytree_dataclass, static_field

SECONDS_PER_DAY = 86400.0
DAYS_PER_YEAR = 365.25
# columns of a surface series file -> names in Forcing.series: SST (degC), SSS, 10-m wind (m s-1)
SERIES_COLUMNS = {"temperature_c": "temperature", "salinity": "salinity", "wind_speed_m_s": "wind_speed"}


@pytree_dataclass
class Forcing:
    U: object              # (npattern, nz, ny, nx+1) m3 s-1 per unit amplitude, or file frames
    V: object              # (npattern, nz, ny+1, nx)
    W: object              # (npattern, nz+1, ny, nx) upward
    times: object          # (nframe,) seconds since start (file kind), else (0,)
    ghost_x: object        # (ntr, nz, ny, 2) inflow values beyond the west/east edges
    ghost_y: object        # (ntr, nz, 2, nx) inflow values beyond the south/north edges
    xco2_years: object     # (nrecord,) decimal years of an atmospheric CO2 record, or (0,)
    xco2_values: object    # (nrecord,) ppm
    interventions: object = None  # dict of intervention arrays (oceancdr.interventions.build) or None
    series_times: object = None   # (nseries,) float64 seconds since the run start of the surface series, or None
    series: object = None         # dict name -> (nseries,) float64 (temperature, salinity, wind_speed), or None
    kind: str = static_field(default="patterns")
    start_day_of_year: float = static_field(default=0.0)
    start_year: float = static_field(default=2025.0)

    def day_of_year(self, t):
        return self.start_day_of_year + t / SECONDS_PER_DAY

    def flow_amplitudes(self, t, p):
        """Pattern amplitudes at time ``t`` (s): jet or mean through-flow (m s-1), tide (m s-1), Ekman (m2 s-1)."""
        tide = p["tidal_speed"] * jnp.sin(2 * jnp.pi * t / p["tidal_period"])
        season = jnp.cos(2 * jnp.pi * (self.day_of_year(t) - p["upwelling_peak_day"]) / DAYS_PER_YEAR)
        ekman = p["upwelling_transport"] * (1.0 + p["upwelling_seasonal_amplitude"] * season)
        return jnp.stack([p["alongshore_speed"] * jnp.ones_like(tide), tide, ekman])

    def flow(self, t, p):
        """Face volume fluxes (U, V, W) in m3 s-1 at time ``t`` seconds."""
        if self.kind == "none":
            return self.U[0], self.V[0], self.W[0]
        if self.kind == "patterns":
            a = self.flow_amplitudes(t, p).astype(self.U.dtype)
            return tuple(jnp.tensordot(a, f, axes=1) for f in (self.U, self.V, self.W))
        n = self.times.shape[0]
        if n == 1:
            return self.U[0], self.V[0], self.W[0]
        i = jnp.clip(jnp.searchsorted(self.times, t, side="right") - 1, 0, n - 2)
        w = jnp.clip((t - self.times[i]) / (self.times[i + 1] - self.times[i]), 0.0, 1.0).astype(self.U.dtype)
        return tuple((1 - w) * f[i] + w * f[i + 1] for f in (self.U, self.V, self.W))

    def xco2(self, t, p):
        """Atmospheric dry-air xCO2 (ppm): the record interpolated at the model date, or params['xco2']."""
        if self.xco2_years.shape[0] == 0:
            return p["xco2"]
        from .chemistry.atmosphere import xco2_at

        return xco2_at(self.start_year + t / (SECONDS_PER_DAY * DAYS_PER_YEAR), self.xco2_years, self.xco2_values)

    def has_series(self, name: str) -> bool:
        """Whether the surface series has ``name`` (temperature, salinity or wind_speed); static."""
        return self.series is not None and name in self.series

    def _series(self, name, t):
        return jnp.interp(t, self.series_times, self.series[name])

    def surface_temperature(self, t, p):
        """Restoring target for sea-surface temperature (degC): the observed series interpolated in
        time when there is one, else a seasonal cosine."""
        if self.has_series("temperature"):
            return self._series("temperature", t)
        phase = 2 * jnp.pi * (self.day_of_year(t) - p["warmest_day"]) / DAYS_PER_YEAR
        return p["surface_temperature"] + p["seasonal_sst_amplitude"] * jnp.cos(phase)

    def surface_salinity(self, t, p):
        """Restoring target for sea-surface salinity: the observed series interpolated in time (SSS
        restoring runs only with one)."""
        if not self.has_series("salinity"):
            raise ValueError("surface_salinity: the surface series has no salinity column")
        return self._series("salinity", t)

    def wind_speed(self, t, p):
        """10-m wind speed (m s-1) for gas exchange: the observed series interpolated in time, else
        params['wind_speed'] (its square stands for <U10^2>), times params['wind_speed_scale']."""
        wind = self._series("wind_speed", t) if self.has_series("wind_speed") else p["wind_speed"]
        return wind * p["wind_speed_scale"]


def vertical_diffusivity(z_face, p):
    """Vertical diffusivity (m2 s-1) on layer interfaces: a mixed layer of depth ``mixed_layer_depth``
    with ``kv_mixed_layer`` over a ``kv_background`` interior, joined smoothly (tanh, 1/4 of the depth)."""
    mld = p["mixed_layer_depth"]
    weight = 0.5 * (1.0 - jnp.tanh((z_face - mld) / (0.25 * mld)))
    return p["kv_background"] + (p["kv_mixed_layer"] - p["kv_background"]) * weight


def ghost_values(c0: np.ndarray, boundary: list):
    """Inflow values outside each edge: per tracer either the initial edge column ("initial") or a
    constant. Returns (ghost_x (ntr, nz, ny, 2), ghost_y (ntr, nz, 2, nx))."""
    gx = np.stack([c0[..., 0], c0[..., -1]], axis=-1).copy()
    gy = np.stack([c0[:, :, 0, :], c0[:, :, -1, :]], axis=2).copy()
    for i, b in enumerate(boundary):
        if b != "initial":
            gx[i] = float(b)
            gy[i] = float(b)
    return gx, gy
