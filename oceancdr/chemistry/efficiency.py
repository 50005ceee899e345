"""Theoretical efficiency of alkalinity enhancement: dDIC/dTA at constant pCO2.

When added alkalinity has fully re-equilibrated with an atmosphere of fixed pCO2, the extra DIC
per unit TA is the isocapnic quotient eta_max = dDIC/dTA |pCO2 (Humphreys et al. 2018, Mar. Chem.
199, 1-11; the "CDR_max = ALK x dDIC/dTA" of the Planetary OAE protocol). It follows from the
carbonate system by implicit differentiation: pCO2(DIC, TA) = const gives
    eta_max = -(dpCO2/dTA) / (dpCO2/dDIC).
Inputs are in umol kg-1, uatm, degC and PSU, at the surface (0 dbar).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from .carbonate import solve_carbonate


def dic_at_pco2(alk, pco2, temperature, salinity, silicate=0.0, phosphate=0.0, iterations: int = 30):
    """DIC (umol kg-1) with seawater pCO2 equal to ``pco2`` (uatm) at alkalinity ``alk``: Newton
    iteration on ln DIC with the Revelle factor dln pCO2 / dln DIC as the slope."""
    target = jnp.log(pco2)

    def body(_, log_dic):
        s = solve_carbonate(jnp.exp(log_dic), alk, temperature, salinity, 0.0, silicate, phosphate)
        return log_dic - (jnp.log(s.pco2) - target) / s.revelle

    return jnp.exp(lax.fori_loop(0, iterations, body, jnp.log(0.9 * jnp.asarray(alk, jnp.float64))))


@jax.jit
def isocapnic_efficiency(alk, pco2, temperature, salinity, silicate=0.0, phosphate=0.0):
    """(eta_max, dic): dDIC/dTA at constant pCO2 (mol C per mol TA) at the state with alkalinity
    ``alk`` in equilibrium with ``pco2``, and that state's DIC (umol kg-1)."""
    dic = dic_at_pco2(alk, pco2, temperature, salinity, silicate, phosphate)

    def pco2_of(a, d):
        return solve_carbonate(d, a, temperature, salinity, 0.0, silicate, phosphate).pco2

    d_alk, d_dic = jax.grad(pco2_of, argnums=(0, 1))(jnp.asarray(alk, jnp.float64), dic)
    return -d_alk / d_dic, dic


def planetary_regression(salinity, ph, temperature):
    """The Planetary OAE protocol's regression dDIC/dTA = 2.8982 - 0.0031 S - 0.2319 pH - 0.0044 T
    (T in degC, pH total scale): an outside cross-check of :func:`isocapnic_efficiency`."""
    return 2.8982 - 0.0031 * salinity - 0.2319 * ph - 0.0044 * temperature
