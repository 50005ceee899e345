"""Dissolved iron: ligand complexation and scavenging (BLING, Galbraith et al. 2010, Biogeosciences
7, 1043).

Free iron Fe' is in equilibrium with one ligand class of total concentration L and conditional
stability constant K: K = [FeL] / (Fe' L'), Fe_total = Fe' + FeL, L = L' + FeL. Fe' is the positive
root of  K Fe'^2 + (1 + K (L - Fe)) Fe' - Fe = 0, written in the cancellation-free form. Free iron is
scavenged inorganically at k_in Fe'^1.5 and onto organic particles at k_org M^0.58 Fe', M the
detrital carbon (g C m-3; BLING uses the sinking POC). Concentrations are converted between umol m-3 and mol kg-1 with a reference
density of 1025 kg m-3.
"""
from __future__ import annotations

import jax.numpy as jnp

RHO_REF = 1025.0                       # kg m-3
UMOL_M3_TO_MOL_KG = 1e-6 / RHO_REF
GRAMS_C_PER_MMOL = 12.011e-3


def free_iron(fe, ligand, k_ligand):
    """Free (unbound) iron Fe' in umol m-3 from total dissolved iron and total ligand (umol m-3)
    and the stability constant (kg mol-1)."""
    k = k_ligand * UMOL_M3_TO_MOL_KG                     # (umol m-3)-1
    b = 1.0 + k * (ligand - fe)
    disc = jnp.sqrt(b * b + 4.0 * k * jnp.maximum(fe, 0.0))
    return jnp.where(b > 0, 2.0 * jnp.maximum(fe, 0.0) / (b + disc), (disc - b) / (2.0 * k))


def scavenging_rate(fe, poc, p):
    """Scavenging of free iron, umol Fe m-3 d-1, from total iron (umol m-3) and detritus (mmol C m-3)."""
    fe_free = free_iron(fe, p["ligand"], p["k_ligand"])
    arg = fe_free * UMOL_M3_TO_MOL_KG
    present = arg > jnp.finfo(arg.dtype).tiny   # keeps the gradient of the square root finite at zero
    inorganic = p["scav_inorganic"] * jnp.where(present, jnp.sqrt(jnp.where(present, arg, 1.0)), 0.0)
    mass = jnp.maximum(poc, 0.0) * GRAMS_C_PER_MMOL
    organic = p["scav_organic"] * jnp.where(mass > 0, mass, 1.0) ** 0.58 * (mass > 0)
    return (inorganic + organic) * fe_free
