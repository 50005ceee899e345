"""Oxygen solubility and air-sea O2 exchange.

Saturation: Garcia & Gordon (1992, Limnol. Oceanogr. 37, 1307, eq. 8 with the Benson & Krause
coefficients of their table 1, "combined fit"), umol kg-1 at 1 atm total pressure of water-saturated
air; Ts = ln((298.15 - t) / (273.15 + t)) with t on the IPTS-68 scale of the fit, t68 = 1.00024 t90
(the model's temperatures are ITS-90), as TEOS-10's gsw_O2sol_SP_pt does.
Schmidt number: Wanninkhof (2014, Limnol. Oceanogr. Methods 12, 351, table 1), seawater S = 35.
Flux: F = (1 - ice) k_w (O2_sat - O2), positive into the ocean, with k_w of Wanninkhof (2014).
"""
from __future__ import annotations

import jax.numpy as jnp

_A = (5.80871, 3.20291, 4.17887, 5.10006, -9.86643e-2, 3.80369)
_B = (-7.01577e-3, -7.70028e-3, -1.13864e-2, -9.51519e-3)
_C0 = -2.75915e-7


def o2_saturation(temperature, salinity):
    """O2 solubility, umol kg-1 (Garcia & Gordon 1992, Benson & Krause fit); temperature in degC
    (potential, ITS-90), salinity practical."""
    t68 = 1.00024 * temperature
    ts = jnp.log((298.15 - t68) / (273.15 + t68))
    a = _A[0] + ts * (_A[1] + ts * (_A[2] + ts * (_A[3] + ts * (_A[4] + ts * _A[5]))))
    b = _B[0] + ts * (_B[1] + ts * (_B[2] + ts * _B[3]))
    return jnp.exp(a + salinity * b + _C0 * salinity**2)


def schmidt_o2(temperature):
    """Schmidt number of O2 in seawater (S = 35), Wanninkhof (2014): 1920.4 - 135.6 t + 5.2122 t^2
    - 0.10939 t^3 + 0.00093777 t^4, t in degC (-2 to 40)."""
    t = temperature
    return 1920.4 + t * (-135.6 + t * (5.2122 + t * (-0.10939 + t * 0.00093777)))
