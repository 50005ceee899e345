"""Carbonate-system solver: speciation from DIC and total alkalinity, in JAX.

The hydrogen-ion concentration [H+] (total scale) is the root of the total-alkalinity
equation of Dickson (1981) as written in CO2SYS/PyCO2SYS (``TAfromTCpH``):

    TA = [HCO3-] + 2[CO3--] + [B(OH)4-] + [OH-] + [HPO4--] + 2[PO4---] - [H3PO4]
         + [SiO(OH)3-] - [H+]_free - [HSO4-] - [HF]

with [H+]_free = [H+]_total / (1 + S_T/KSO4) and HSO4-, HF from the free-scale KSO4, KF.

Solver: initial guess of Munhoven (2013, Geosci. Model Dev. 6, 1367-1388, sec. 3.2.2) as
in mocsy and PyCO2SYS (carbonate + borate cubic; pH 3 for TA <= 0, pH 10 for
TA >= 2 DIC + TB); then Newton steps on pH, limited to 1 pH unit (as in PyCO2SYS), until
every point has |dpH| < 1e-10 (float64) or 1e-5 (float32): four (float64) or three (float32)
steps as straight-line code, then, only if a point has not converged, more inside
``lax.while_loop`` (at most 30 in all). Points that have not converged then continue in a
safeguarded loop (at most 100 iterations): the Newton step is kept inside a bracket
[pH_lo, pH_hi] that starts at [0, 16] and shrinks with the sign of the residual, and a step
that leaves the bracket is replaced by bisection. The slope dTA/dpH is analytic
(:func:`alkalinity_and_slope`). 10**x is evaluated as exp(x ln 10) (:func:`constants.exp10`).

Derivatives: the root h(inputs) is differentiated implicitly (``jax.custom_jvp``):
dh = -(dR/dinputs . dinputs) / (dR/dh), where R = TA(h, ...) - TA. The Newton iterations
are never differentiated, so gradients are exact to round-off and cost one residual
evaluation. The root is named ``carbonate_root`` (``jax.ad_checkpoint.checkpoint_name``) so
that a checkpointed gradient can keep it instead of iterating again when it recomputes a step
(oceancdr.calibration.objective).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.ad_checkpoint import checkpoint_name

from .constants import LN10, EquilibriumConstants, equilibrium_constants, exp10

_UNROLLED_STEPS = {"float64": 4, "float32": 3}  # plain Newton steps before any loop (else 3)
_FAST_ITERATIONS = 30
_MAX_ITERATIONS = 100
_PH_BRACKET = (0.0, 16.0)


class CarbonateState(NamedTuple):
    """Carbonate-system state.

    ``ph``: pH on the total scale; ``pco2``, ``fco2``: CO2 partial pressure and fugacity
    in uatm (see :func:`solve_carbonate` for their meaning at depth); ``co2`` (CO2*),
    ``hco3``, ``co3``: umol kg-1; ``omega_aragonite``, ``omega_calcite``: saturation
    states; ``revelle``: homogeneous buffer factor dln(pCO2)/dln(DIC) at constant TA;
    ``h``: [H+] on the total scale, mol kg-1.
    """

    ph: jnp.ndarray
    pco2: jnp.ndarray
    fco2: jnp.ndarray
    co2: jnp.ndarray
    hco3: jnp.ndarray
    co3: jnp.ndarray
    omega_aragonite: jnp.ndarray
    omega_calcite: jnp.ndarray
    revelle: jnp.ndarray
    h: jnp.ndarray


def _carbonate_fractions(h, k: EquilibriumConstants):
    """Fractions of DIC as CO2*, HCO3-, CO3-- at [H+] = h (mol kg-1, total scale).

    Written with r1 = K1/h, r2 = K2/h so that nothing under/overflows in float32
    for pH 0-16."""
    r1 = k.k1 / h
    r12 = r1 * (k.k2 / h)
    denominator = 1 + r1 + r12
    return 1 / denominator, r1 / denominator, r12 / denominator


def alkalinity_and_slope(h, dic, phosphate, silicate, k: EquilibriumConstants):
    """Total alkalinity TA(h) and its derivative dTA/dln h, both in mol kg-1, from [H+] = h
    (total scale, mol kg-1), DIC, total phosphate and total silicate (mol kg-1) and constants
    ``k`` (the definition of :func:`alkalinity_from_h`).

    Each species' term is a ratio N/D, written with r = K/h (d r/dln h = -r) so that nothing
    under- or overflows in float32 for pH 0-16; the term and its derivative (dN - (N/D) dD)/D
    share the reciprocal 1/D, so the pair costs eight divisions (1/h and one per term) and
    fewer operations in all than JAX's tangent of the quotients, which took 32 divisions
    (docs/performance.md). In float32 it is also the more accurate slope (tests)."""
    inv_h = 1 / h
    # carbonate: DIC (r1 + 2 r12) / (1 + r1 + r12), r1 = K1/h, r12 = K1 K2 / h^2
    r1 = k.k1 * inv_h
    r12 = r1 * (k.k2 * inv_h)
    n = r1 + 2 * r12
    inv = 1 / (1 + r1 + r12)
    carbonate = dic * n * inv
    d_carbonate = dic * (n * n * inv - (r1 + 4 * r12)) * inv
    # borate and silicate: T K / (K + h)
    w = 1 / (k.kb + h)
    borate = k.total_borate * k.kb * w
    d_borate = -borate * h * w
    w = 1 / (k.ksi + h)
    silicate_alk = silicate * k.ksi * w
    d_silicate = -silicate_alk * h * w
    # phosphate: P (q12 + 2 q123 - 1) / (1 + q1 + q12 + q123), q1 = KP1/h, ...
    q1 = k.kp1 * inv_h
    q12 = q1 * (k.kp2 * inv_h)
    q123 = q12 * (k.kp3 * inv_h)
    n = q12 + 2 * q123 - 1
    inv = 1 / (1 + q1 + q12 + q123)
    phosphate_alk = phosphate * n * inv
    d_phosphate = phosphate * (n * inv * (q1 + 2 * q12 + 3 * q123) - (2 * q12 + 6 * q123)) * inv
    hydroxide = k.kw * inv_h
    # free [H+], bisulfate S_T h_f / (h_f + KSO4) and HF F_T h_f / (h_f + KF), free scale
    h_free = h / (1 + k.total_sulfate / k.kso4)
    w = 1 / (h_free + k.kso4)
    bisulfate = k.total_sulfate * h_free * w
    d_bisulfate = bisulfate * k.kso4 * w
    w = 1 / (h_free + k.kf)
    hydrofluoric = k.total_fluoride * h_free * w
    d_hydrofluoric = hydrofluoric * k.kf * w
    alkalinity = (carbonate + borate + hydroxide + phosphate_alk + silicate_alk
                  - h_free - bisulfate - hydrofluoric)
    slope = (d_carbonate + d_borate - hydroxide + d_phosphate + d_silicate
             - h_free - d_bisulfate - d_hydrofluoric)
    return alkalinity, slope


def alkalinity_from_h(h, dic, phosphate, silicate, k: EquilibriumConstants):
    """Total alkalinity (mol kg-1) from [H+] (total scale, mol kg-1), DIC, total phosphate
    and total silicate (mol kg-1) and constants ``k`` (Dickson 1981 definition, the
    ``TAfromTCpH`` equation of CO2SYS / PyCO2SYS)."""
    return alkalinity_and_slope(h, dic, phosphate, silicate, k)[0]


def _initial_ph(alk, dic, k: EquilibriumConstants):
    """Initial pH guess of Munhoven (2013) sec. 3.2.2, as in mocsy and PyCO2SYS
    ``initialise.fromTC`` (carbonate-borate alkalinity cubic). All in mol kg-1."""
    tb, k1, k2, kb = k.total_borate, k.k1, k.k2, k.kb
    in_range = (alk > 0) & (alk < 2 * dic + tb)
    a = jnp.where(in_range, alk, 1.0)
    c2 = kb * (1 - tb / a) + k1 * (1 - dic / a)
    c1 = k1 * (kb * (1 - tb / a - dic / a) + k2 * (1 - 2 * dic / a))
    c0 = k1 * k2 * kb * (1 - (2 * dic + tb) / a)
    c21min = c2**2 - 3 * c1
    positive = c21min > 0
    sq21 = jnp.sqrt(jnp.where(positive, c21min, 1.0))
    h_min = jnp.where(c2 < 0, (sq21 - c2) / 3, -c1 / (c2 + sq21))
    poly = h_min**3 + c2 * h_min**2 + c1 * h_min + c0
    good = positive & (poly < 0) & in_range
    h0 = jnp.where(good, h_min + jnp.sqrt(jnp.where(good, -poly / sq21, 1.0)), 1e-7)
    h0 = jnp.where(in_range, h0, jnp.where(alk <= 0, 1e-3, 1e-10))
    h0 = jnp.where(jnp.isfinite(h0) & (h0 > 0), h0, 1e-7)
    return -jnp.log10(h0)


def _newton_ph(alk, dic, phosphate, silicate, k: EquilibriumConstants):
    """pH (total scale) of the alkalinity root; see the module docstring.

    First :data:`_UNROLLED_STEPS` plain Newton steps (limited to 1 pH unit) as straight-line
    code: from Munhoven's guess ordinary sea water converges quadratically, so |dpH| falls below
    the float64 tolerance at the fourth step and below the float32 one at the third. Only if a
    point has not converged then do two loops run (a ``lax.cond`` skips them otherwise): more
    plain steps until every point has converged, then the bracketed iteration for the points
    that still have not. The split is for speed on XLA's CPU backend: a loop carries every
    array it reads (the constants among them) and copies them in, so the two loops cost time
    even when the bracketed one runs no iteration (12-13 of ~140 ms per 1e6 float64 points),
    and the bracketed update is several times slower per iteration than the plain step."""
    tolerance = 1e-10 if alk.dtype == jnp.float64 else 1e-5

    def residual_and_slope(ph):
        alkalinity, d_ln_h = alkalinity_and_slope(exp10(-ph), dic, phosphate, silicate, k)
        return alkalinity - alk, -LN10 * d_ln_h  # d ln h / d pH = -ln 10

    def newton(state):
        # kept this bare on purpose: guarding the slope here (where(slope > 0, ...)) made XLA
        # recompute the residual in several fusions, four times the cost per iteration; a bad
        # slope gives a NaN or a 1-unit step, and the bracketed loop takes over those points
        ph, _, iteration = state
        residual, slope = residual_and_slope(ph)
        step = jnp.clip(-residual / slope, -1.0, 1.0)
        return ph + step, jnp.abs(step) < tolerance, iteration + 1

    def newton_pending(state):
        ph, converged, iteration = state
        return (iteration < _FAST_ITERATIONS) & ~jnp.all(converged | jnp.isnan(ph))

    def bracketed(state):
        ph, lo, hi, done, iteration = state
        residual, slope = residual_and_slope(ph)
        # TA(pH) increases with pH: a positive residual means the root lies below.
        hi = jnp.where(residual > 0, ph, hi)
        lo = jnp.where(residual > 0, lo, ph)
        step = jnp.clip(-residual / jnp.where(slope > 0, slope, 1.0), -1.0, 1.0)
        step = jnp.where(slope > 0, step, 0.5 * (lo + hi) - ph)
        proposal = ph + step
        proposal = jnp.where((proposal < lo) | (proposal > hi), 0.5 * (lo + hi), proposal)
        new_done = done | (jnp.abs(proposal - ph) < tolerance) | jnp.isnan(residual)
        return jnp.where(done, ph, proposal), lo, hi, new_done, iteration + 1

    def bracketed_pending(state):
        _, _, _, done, iteration = state
        return (iteration < _MAX_ITERATIONS) & ~jnp.all(done)

    def loops(state):
        ph, converged, _ = jax.lax.while_loop(newton_pending, newton, state)
        inside = (ph > _PH_BRACKET[0]) & (ph < _PH_BRACKET[1])
        start = jnp.where(converged | inside, ph, ph0)
        lo = jnp.full_like(ph0, _PH_BRACKET[0])
        hi = jnp.full_like(ph0, _PH_BRACKET[1])
        return jax.lax.while_loop(bracketed_pending, bracketed, (start, lo, hi, converged, 0))[0]

    ph0 = _initial_ph(alk, dic, k)
    state = (ph0, jnp.zeros(ph0.shape, bool), 0)
    for _ in range(min(_UNROLLED_STEPS.get(alk.dtype.name, 3), _FAST_ITERATIONS)):
        state = newton(state)
    return jax.lax.cond(jnp.all(state[1]), lambda state: state[0], loops, state)


@jax.custom_jvp
def solve_h(alk, dic, phosphate, silicate, k: EquilibriumConstants):
    """[H+] (total scale, mol kg-1) solving TA = alkalinity_from_h(h, ...) for TA and DIC,
    phosphate, silicate in mol kg-1 (arrays of one common shape). Differentiable by the
    implicit-function theorem."""
    return exp10(-_newton_ph(alk, dic, phosphate, silicate, k))


@solve_h.defjvp
def _solve_h_jvp(primals, tangents):
    alk, dic, phosphate, silicate, k = primals
    h = checkpoint_name(solve_h(*primals), "carbonate_root")
    _, d_residual = jax.jvp(
        lambda a, d, p, s, kk: alkalinity_from_h(h, d, p, s, kk) - a, primals, tangents
    )
    _, d_alk_d_ln_h = alkalinity_and_slope(h, dic, phosphate, silicate, k)
    return h, -d_residual * h / d_alk_d_ln_h


@partial(jax.jit, static_argnames=("opt_k_carbonic", "opt_total_borate", "opt_k_fluoride"))
def solve_carbonate(
    dic,
    alk,
    temperature,
    salinity,
    pressure=0.0,
    silicate=0.0,
    phosphate=0.0,
    *,
    opt_k_carbonic="lueker2000",
    opt_total_borate="uppstrom1974",
    opt_k_fluoride="dickson1979",
) -> CarbonateState:
    """Solve the carbonate system from DIC and total alkalinity.

    Inputs (broadcast against each other, any shape): ``dic``, ``alk``, ``silicate``,
    ``phosphate`` in umol kg-1; ``temperature`` in deg C (in situ); ``salinity``
    (practical); ``pressure`` in dbar (hydrostatic, gauge). The floating dtype follows the
    inputs (float32 in, float32 out). Constants: :func:`equilibrium_constants` with the
    given options (defaults as PyCO2SYS 1.8: Lueker et al. 2000, Uppstrom 1974, Dickson &
    Riley 1979, Dickson 1990 KSO4).

    Meaning at depth: all acid-base constants are pressure-corrected, but K0 and the
    fugacity factor are evaluated at 1 atm (PyCO2SYS 1.8 default, ``opt_pressured_kCO2=0``).
    ``fco2 = co2 / K0(T, S, 1 atm)`` and ``pco2 = fco2 / fugacity_factor`` are therefore the
    values in equilibrium with the in-situ CO2* at in-situ temperature under one
    atmosphere, not the (larger) in-situ fugacity. At the surface (pressure 0) they are
    the usual seawater pCO2 and fCO2.

    ``revelle`` is the exact homogeneous buffer factor dln(pCO2)/dln(DIC) at constant TA,
    1 - DIC (dTA/dDIC)^2 / (dTA/dln h), as PyCO2SYS's default ``revelle_factor``
    (``opt_buffers_mode=1``, automatic differentiation); it is 1 where DIC = 0.

    Works under ``jit``, ``vmap`` and ``grad`` (w.r.t. every float input); returns
    :class:`CarbonateState`.
    """
    args = (dic, alk, temperature, salinity, pressure, silicate, phosphate)
    dtype = jnp.result_type(float, *args)
    dic, alk, temperature, salinity, pressure, silicate, phosphate = jnp.broadcast_arrays(
        *(jnp.asarray(a, dtype) for a in args)
    )
    k = equilibrium_constants(
        temperature,
        salinity,
        pressure,
        opt_k_carbonic=opt_k_carbonic,
        opt_total_borate=opt_total_borate,
        opt_k_fluoride=opt_k_fluoride,
    )
    dic_mol, alk_mol = dic * 1e-6, alk * 1e-6
    phosphate_mol, silicate_mol = phosphate * 1e-6, silicate * 1e-6
    h = solve_h(alk_mol, dic_mol, phosphate_mol, silicate_mol, k)
    f_co2, f_hco3, f_co3 = _carbonate_fractions(h, k)
    co2, hco3, co3 = dic * f_co2, dic * f_hco3, dic * f_co3
    fco2 = co2 / k.k0
    # Revelle factor: dln CO2*/dln DIC at constant TA with h = h(DIC, TA).
    _, d_alk_d_ln_h = alkalinity_and_slope(h, dic_mol, phosphate_mol, silicate_mol, k)
    d_alk_d_dic = f_hco3 + 2 * f_co3
    revelle = 1 - dic_mol * d_alk_d_dic**2 / d_alk_d_ln_h
    co3_times_ca = co3 * 1e-6 * k.total_calcium
    return CarbonateState(
        ph=-jnp.log10(h),
        pco2=fco2 / k.fugacity_factor,
        fco2=fco2,
        co2=co2,
        hco3=hco3,
        co3=co3,
        omega_aragonite=co3_times_ca / k.ksp_aragonite,
        omega_calcite=co3_times_ca / k.ksp_calcite,
        revelle=revelle,
        h=h,
    )
