"""Equilibrium constants and salinity-derived totals of the seawater CO2 system.

Every function here is a pure ``jax.numpy`` function of temperature (deg C), practical
salinity and, where relevant, hydrostatic (gauge) pressure in dbar. Results are
stoichiometric constants in mol kg-1 of seawater (mol2 kg-2 for solubility products).

The default choices and the order of operations follow PyCO2SYS 1.8 (Humphreys et al.
2022, Geosci. Model Dev. 15, 15-43) and CO2SYS (Lewis & Wallace 1998), so that the
results agree with PyCO2SYS to round-off:

1. each constant is evaluated as published, at 1 atm, on its native pH scale;
2. it is converted to the seawater (SWS) scale using the SWS->total factor evaluated with
   KSO4 and KF at zero gauge pressure;
3. it is corrected for pressure with the Millero (1995) partial molar volumes and
   compressibilities as coded in CO2SYS;
4. it is converted from SWS to the total scale with the factor evaluated with the
   pressure-corrected KSO4 and KF.

KSO4 and KF are returned on the free scale (they are defined on it); all acid-base
constants are returned on the total scale.

Option names are plain Python strings (static under ``jax.jit``).

Salinity enters some fits through sqrt(S); the square root used here has a finite
(zero) derivative at S = 0 so that land cells (S = 0) give finite gradients.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

#: Universal gas constant, ml bar-1 K-1 mol-1 (CODATA 2018; PyCO2SYS 1.8 default).
GAS_CONSTANT = 83.14462618
#: 0 deg C in kelvin.
T_ZERO = 273.15

K_CARBONIC_OPTIONS = ("lueker2000", "millero2010", "waters2014")
TOTAL_BORATE_OPTIONS = ("uppstrom1974", "lee2010")
K_FLUORIDE_OPTIONS = ("dickson1979", "perez1987")


class EquilibriumConstants(NamedTuple):
    """Stoichiometric constants and totals at in-situ T, S, p.

    Acid-base constants are on the total pH scale in mol kg-1; ``kso4`` and ``kf`` are on
    the free scale; ``ksp_*`` in mol2 kg-2; ``k0`` in mol kg-1 atm-1 (1 atm, not
    pressure-corrected, as in PyCO2SYS 1.8's default); ``fugacity_factor`` is fCO2/pCO2
    at 1 atm total pressure (dimensionless); ``total_*`` in mol kg-1.
    """

    k0: jnp.ndarray
    k1: jnp.ndarray
    k2: jnp.ndarray
    kb: jnp.ndarray
    kw: jnp.ndarray
    kso4: jnp.ndarray
    kf: jnp.ndarray
    kp1: jnp.ndarray
    kp2: jnp.ndarray
    kp3: jnp.ndarray
    ksi: jnp.ndarray
    ksp_calcite: jnp.ndarray
    ksp_aragonite: jnp.ndarray
    fugacity_factor: jnp.ndarray
    total_borate: jnp.ndarray
    total_sulfate: jnp.ndarray
    total_fluoride: jnp.ndarray
    total_calcium: jnp.ndarray


LN10 = 2.302585092994046  # ln(10)


def exp10(x):
    """10**x as exp(x ln 10): the same value to round-off, several times faster than ``power``
    on XLA's CPU backend (one exp instead of a general pow)."""
    return jnp.exp(LN10 * x)


def _sqrt0(x):
    """sqrt(x) for x >= 0 with a finite (zero) derivative at x = 0 (0 for x < 0)."""
    positive = x > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, x, 1.0)), 0.0)


def _check(option, allowed, name):
    if option not in allowed:
        raise ValueError(f"{name}={option!r} is not one of {allowed}")


# ---------------------------------------------------------------------------------------
# Totals from salinity
# ---------------------------------------------------------------------------------------


def total_borate(salinity, opt_total_borate="uppstrom1974"):
    """Total borate, mol kg-1.

    ``"uppstrom1974"``: Uppstrom (1974, Deep-Sea Res. 21, 161-162), 0.0004157 S/35
    (415.7 umol kg-1 at S = 35). ``"lee2010"``: Lee et al. (2010, Geochim. Cosmochim. Acta
    74, 1801-1811), 0.0004326 S/35.
    """
    _check(opt_total_borate, TOTAL_BORATE_OPTIONS, "opt_total_borate")
    coefficient = 0.0004157 if opt_total_borate == "uppstrom1974" else 0.0004326
    return coefficient * salinity / 35


def total_sulfate(salinity):
    """Total sulfate, mol kg-1 (Morris & Riley 1966, Deep-Sea Res. 13, 699-705):
    (0.14 / 96.062) S / 1.80655 (28235.43 umol kg-1 at S = 35)."""
    return (0.14 / 96.062) * salinity / 1.80655


def total_fluoride(salinity):
    """Total fluoride, mol kg-1 (Riley 1965, Deep-Sea Res. 12, 219-220):
    (0.000067 / 18.998) S / 1.80655 (68.326 umol kg-1 at S = 35)."""
    return (0.000067 / 18.998) * salinity / 1.80655


def total_calcium(salinity):
    """Total calcium, mol kg-1 (Riley & Tongudai 1967, Chem. Geol. 2, 263-269):
    (0.02128 / 40.087) S / 1.80655 (10284.57 umol kg-1 at S = 35)."""
    return (0.02128 / 40.087) * salinity / 1.80655


def ionic_strength(salinity):
    """Ionic strength, mol kg-1 of water (DOE 1994 handbook): 19.924 S / (1000 - 1.005 S)."""
    return 19.924 * salinity / (1000 - 1.005 * salinity)


# ---------------------------------------------------------------------------------------
# Constants at 1 atm on their native scales
# ---------------------------------------------------------------------------------------


def k0_weiss1974(temperature, salinity):
    """CO2 solubility K0 = [CO2*]/fCO2, mol kg-1 atm-1, at 1 atm (Weiss 1974, Mar. Chem. 2,
    203-215, eq. 12 with the mol kg-1 coefficients of table I)."""
    tk100 = (temperature + T_ZERO) / 100
    ln_k0 = (
        -60.2409
        + 93.4517 / tk100
        + 23.3585 * jnp.log(tk100)
        + salinity * (0.023517 - 0.023656 * tk100 + 0.0047036 * tk100**2)
    )
    return jnp.exp(ln_k0)


def fugacity_factor(temperature, pressure_atm=1.0):
    """fCO2/pCO2 of CO2 in moist air at total pressure ``pressure_atm`` (atm) (Weiss 1974,
    eqs. 9-10; virial coefficient B and cross term delta in cm3 mol-1, the x2^2 ~ 1
    approximation of CO2SYS). Dimensionless."""
    tk = temperature + T_ZERO
    delta = 57.7 - 0.118 * tk
    b = -1636.75 + 12.0408 * tk - 0.0327957 * tk**2 + 3.16528e-5 * tk**3
    return jnp.exp((b + 2 * delta) * 1.01325 * pressure_atm / (GAS_CONSTANT * tk))


def kso4_dickson1990(temperature, salinity):
    """HSO4- dissociation constant, free scale, mol kg-1 of seawater, at 1 atm
    (Dickson 1990, J. Chem. Thermodyn. 22, 113-127, eqs. 22-23; converted from
    mol kg-1 of water with the factor 1 - 0.001005 S)."""
    tk = temperature + T_ZERO
    ln_tk = jnp.log(tk)
    ionic = ionic_strength(salinity)
    sqrt_i = _sqrt0(ionic)
    ln_k = (
        -4276.1 / tk
        + 141.328
        - 23.093 * ln_tk
        + (-13856 / tk + 324.57 - 47.986 * ln_tk) * sqrt_i
        + (35474 / tk - 771.54 + 114.723 * ln_tk) * ionic
        + (-2698 / tk) * sqrt_i * ionic
        + (1776 / tk) * ionic**2
    )
    return jnp.exp(ln_k) * (1 - 0.001005 * salinity)


def kf_dickson1979(temperature, salinity):
    """HF dissociation constant, free scale, mol kg-1 of seawater, at 1 atm
    (Dickson & Riley 1979, Mar. Chem. 7, 89-99, as coded in CO2SYS)."""
    tk = temperature + T_ZERO
    ln_k = 1590.2 / tk - 12.641 + 1.525 * _sqrt0(ionic_strength(salinity))
    return jnp.exp(ln_k) * (1 - 0.001005 * salinity)


def kf_perez1987(temperature, salinity):
    """HF dissociation constant, free scale, mol kg-1, at 1 atm (Perez & Fraga 1987,
    Mar. Chem. 21, 161-168): ln KF = 874/T - 9.68 + 0.111 S^0.5 (fit for S 10-40,
    T 9-33 C; no kg-water to kg-seawater factor, as in PyCO2SYS)."""
    tk = temperature + T_ZERO
    return jnp.exp(874 / tk - 9.68 + 0.111 * _sqrt0(salinity))


def kb_dickson1990(temperature, salinity):
    """B(OH)3 dissociation constant, total scale, mol kg-1, at 1 atm (Dickson 1990,
    Deep-Sea Res. 37, 755-766, eq. 23)."""
    tk = temperature + T_ZERO
    sqrt_s = _sqrt0(salinity)
    top = (
        -8966.9
        - 2890.53 * sqrt_s
        - 77.942 * salinity
        + 1.728 * sqrt_s * salinity
        - 0.0996 * salinity**2
    )
    ln_k = (
        top / tk
        + 148.0248
        + 137.1942 * sqrt_s
        + 1.62142 * salinity
        + (-24.4344 - 25.085 * sqrt_s - 0.2474 * salinity) * jnp.log(tk)
        + 0.053105 * sqrt_s * tk
    )
    return jnp.exp(ln_k)


def kw_millero1995(temperature, salinity):
    """Water ion product, seawater scale, mol2 kg-2, at 1 atm (Millero 1995, Geochim.
    Cosmochim. Acta 59, 661-677, eq. 63 as corrected in CO2SYS)."""
    tk = temperature + T_ZERO
    ln_tk = jnp.log(tk)
    return jnp.exp(
        148.9802
        - 13847.26 / tk
        - 23.6521 * ln_tk
        + (-5.977 + 118.67 / tk + 1.0495 * ln_tk) * _sqrt0(salinity)
        - 0.01615 * salinity
    )


def kp_yao1995(temperature, salinity):
    """H3PO4 dissociation constants KP1, KP2, KP3, seawater scale, mol kg-1, at 1 atm
    (Yao & Millero 1995, Aquat. Geochem. 1, 53-88; Millero 1995 eqs. 65-67)."""
    tk = temperature + T_ZERO
    ln_tk = jnp.log(tk)
    sqrt_s = _sqrt0(salinity)
    kp1 = jnp.exp(
        -4576.752 / tk
        + 115.54
        - 18.453 * ln_tk
        + (-106.736 / tk + 0.69171) * sqrt_s
        + (-0.65643 / tk - 0.01844) * salinity
    )
    kp2 = jnp.exp(
        -8814.715 / tk
        + 172.1033
        - 27.927 * ln_tk
        + (-160.34 / tk + 1.3566) * sqrt_s
        + (0.37335 / tk - 0.05778) * salinity
    )
    kp3 = jnp.exp(
        -3070.75 / tk
        - 18.126
        + (17.27039 / tk + 2.81197) * sqrt_s
        + (-44.99486 / tk - 0.09984) * salinity
    )
    return kp1, kp2, kp3


def ksi_yao1995(temperature, salinity):
    """Si(OH)4 dissociation constant, seawater scale, mol kg-1 of seawater, at 1 atm
    (Yao & Millero 1995; Millero 1995 eq. 72; converted from mol kg-1 of water)."""
    tk = temperature + T_ZERO
    ionic = ionic_strength(salinity)
    ln_k = (
        -8904.2 / tk
        + 117.4
        - 19.334 * jnp.log(tk)
        + (-458.79 / tk + 3.5913) * _sqrt0(ionic)
        + (188.74 / tk - 1.5998) * ionic
        + (-12.1652 / tk + 0.07871) * ionic**2
    )
    return jnp.exp(ln_k) * (1 - 0.001005 * salinity)


def k_carbonic_lueker2000(temperature, salinity):
    """K1, K2 of carbonic acid, TOTAL scale, mol kg-1, at 1 atm (Lueker, Dickson & Keeling
    2000, Mar. Chem. 70, 105-119, eqs. 11-12; Mehrbach et al. 1973 data refitted)."""
    tk = temperature + T_ZERO
    ln_tk = jnp.log(tk)
    pk1 = 3633.86 / tk - 61.2172 + 9.6777 * ln_tk - 0.011555 * salinity + 0.0001152 * salinity**2
    pk2 = 471.78 / tk + 25.929 - 3.16967 * ln_tk - 0.01781 * salinity + 0.0001122 * salinity**2
    return exp10(-pk1), exp10(-pk2)


def _k_carbonic_millero_form(temperature, salinity, a1, b1, c1, a2, b2, c2):
    """pK = pK0(T) + A(S) + B(S)/T + C(S) ln T (Millero 2010 form, seawater scale)."""
    tk = temperature + T_ZERO
    ln_tk = jnp.log(tk)
    sqrt_s = _sqrt0(salinity)
    pk10 = -126.34048 + 6320.813 / tk + 19.568224 * ln_tk
    pk20 = -90.18333 + 5143.692 / tk + 14.613358 * ln_tk
    big_a1 = a1[0] * sqrt_s + a1[1] * salinity + a1[2] * salinity**2
    big_b1 = b1[0] * sqrt_s + b1[1] * salinity
    big_a2 = a2[0] * sqrt_s + a2[1] * salinity + a2[2] * salinity**2
    big_b2 = b2[0] * sqrt_s + b2[1] * salinity
    pk1 = pk10 + big_a1 + big_b1 / tk + c1 * sqrt_s * ln_tk
    pk2 = pk20 + big_a2 + big_b2 / tk + c2 * sqrt_s * ln_tk
    return exp10(-pk1), exp10(-pk2)


def k_carbonic_millero2010(temperature, salinity):
    """K1, K2 of carbonic acid, SEAWATER scale, mol kg-1, at 1 atm (Millero 2010, Mar.
    Freshwater Res. 61, 139-142, tables 2-3; valid S 0-50, T 0-50 C)."""
    return _k_carbonic_millero_form(
        temperature,
        salinity,
        (13.4038, 0.03206, -5.242e-5),
        (-530.659, -5.8210),
        -2.0664,
        (21.3728, 0.1218, -3.688e-4),
        (-788.289, -19.189),
        -3.374,
    )


def k_carbonic_waters2014(temperature, salinity):
    """K1, K2 of carbonic acid, SEAWATER scale, mol kg-1, at 1 atm (Waters, Millero &
    Woosley 2014, Mar. Chem. 165, 66-67, corrigendum to Millero 2010)."""
    return _k_carbonic_millero_form(
        temperature,
        salinity,
        (13.409160, 0.031646, -5.1895e-5),
        (-531.3642, -5.713),
        -2.0669166,
        (21.225890, 0.12450870, -3.7243e-4),
        (-779.3444, -19.91739),
        -3.3534679,
    )


def _ksp_pressure_factor(temperature, pbar, extra_delta_v):
    """Pressure factor for CaCO3 solubility products (Ingle 1975, Millero 1979/1995):
    dV = -48.76 + 0.5304 t (+2.8 for aragonite), kappa = (-11.76 + 0.3692 t)/1000."""
    delta_v = -48.76 + 0.5304 * temperature + extra_delta_v
    kappa = (-11.76 + 0.3692 * temperature) / 1000
    return _pressure_factor(delta_v, kappa, temperature, pbar)


def _log10_ksp_mucci1983(temperature, salinity, a0, a2, b0, b1, b2, c0, d0):
    """Mucci (1983) log10 Ksp form: log10 Ksp(T, 0) + (b0 + b1 T + b2/T) sqrt(S) + c0 S + d0 S^1.5,
    with log10 Ksp(T, 0) = a0 - 0.077993 T + a2/T + 71.595 log10 T (T in K)."""
    tk = temperature + T_ZERO
    sqrt_s = _sqrt0(salinity)
    return (a0 - 0.077993 * tk + a2 / tk + 71.595 * jnp.log10(tk)
            + (b0 + b1 * tk + b2 / tk) * sqrt_s + c0 * salinity + d0 * sqrt_s * salinity)


def ksp_calcite_mucci1983(temperature, salinity, pressure=0.0):
    """Calcite stoichiometric solubility product, mol2 kg-2 (Mucci 1983, Am. J. Sci. 283,
    780-799, log10 form), pressure-corrected after Ingle (1975)/Millero (1995)."""
    log_k = _log10_ksp_mucci1983(temperature, salinity, -171.9065, 2839.319,
                                 -0.77712, 0.0028426, 178.34, -0.07711, 0.0041249)
    return exp10(log_k) * _ksp_pressure_factor(temperature, pressure / 10, 0.0)


def ksp_aragonite_mucci1983(temperature, salinity, pressure=0.0):
    """Aragonite stoichiometric solubility product, mol2 kg-2 (Mucci 1983, log10 form),
    pressure-corrected as calcite with dV + 2.8 cm3 mol-1 (Millero 1979)."""
    log_k = _log10_ksp_mucci1983(temperature, salinity, -171.945, 2903.293,
                                 -0.068393, 0.0017276, 88.135, -0.10018, 0.0059415)
    return exp10(log_k) * _ksp_pressure_factor(temperature, pressure / 10, 2.8)


# ---------------------------------------------------------------------------------------
# Pressure corrections (Millero 1995 as coded in CO2SYS / PyCO2SYS)
# ---------------------------------------------------------------------------------------


def _pressure_factor(delta_v, kappa, temperature, pbar):
    """K(p)/K(0) = exp[(-dV + kappa p/2) p / (R T)], dV in cm3 mol-1, kappa in
    cm3 mol-1 bar-1, p in bar (Millero 1995, eqs. 90-92)."""
    return jnp.exp((-delta_v + 0.5 * kappa * pbar) * pbar / (GAS_CONSTANT * (temperature + T_ZERO)))


def _pressure_factors(t, pbar):
    """Millero (1995) pressure factors (CO2SYS table; KSi uses the boric-acid values)."""
    borate_like = _pressure_factor(-29.48 + 0.1622 * t - 0.002608 * t**2, -2.84 / 1000, t, pbar)
    return {
        "kso4": _pressure_factor(-18.03 + 0.0466 * t + 0.000316 * t**2, (-4.53 + 0.09 * t) / 1000, t, pbar),
        "kf": _pressure_factor(-9.78 - 0.009 * t - 0.000942 * t**2, (-3.91 + 0.054 * t) / 1000, t, pbar),
        "kb": borate_like,
        "kw": _pressure_factor(-20.02 + 0.1119 * t - 0.001409 * t**2, (-5.13 + 0.0794 * t) / 1000, t, pbar),
        "kp1": _pressure_factor(-14.51 + 0.1211 * t - 0.000321 * t**2, (-2.67 + 0.0427 * t) / 1000, t, pbar),
        "kp2": _pressure_factor(-23.12 + 0.1758 * t - 0.002647 * t**2, (-5.15 + 0.09 * t) / 1000, t, pbar),
        "kp3": _pressure_factor(-26.57 + 0.202 * t - 0.003042 * t**2, (-4.08 + 0.0714 * t) / 1000, t, pbar),
        "ksi": borate_like,
        "k1": _pressure_factor(-25.5 + 0.1271 * t, (-3.08 + 0.0877 * t) / 1000, t, pbar),
        "k2": _pressure_factor(-15.82 - 0.0219 * t, (1.13 - 0.1475 * t) / 1000, t, pbar),
    }


def equilibrium_constants(
    temperature,
    salinity,
    pressure=0.0,
    *,
    opt_k_carbonic="lueker2000",
    opt_total_borate="uppstrom1974",
    opt_k_fluoride="dickson1979",
) -> EquilibriumConstants:
    """All constants and totals needed by the carbonate solver at in-situ conditions.

    Parameters: ``temperature`` in deg C, ``salinity`` (practical), ``pressure`` in dbar
    (hydrostatic, gauge). Options (static strings): ``opt_k_carbonic`` in
    ``("lueker2000", "millero2010", "waters2014")``, ``opt_total_borate`` in
    ``("uppstrom1974", "lee2010")``, ``opt_k_fluoride`` in ``("dickson1979", "perez1987")``.
    KSO4 is always Dickson (1990), KB Dickson (1990), KW Millero (1995), KP and KSi Yao &
    Millero (1995), Ksp Mucci (1983), K0 Weiss (1974). Pressure corrections: Millero (1995)
    as in CO2SYS; scale conversions: see the module docstring. Returns
    :class:`EquilibriumConstants` (acid-base constants on the total scale, mol kg-1).
    """
    _check(opt_k_carbonic, K_CARBONIC_OPTIONS, "opt_k_carbonic")
    _check(opt_k_fluoride, K_FLUORIDE_OPTIONS, "opt_k_fluoride")
    t, s = temperature, salinity
    pbar = pressure / 10
    fac = _pressure_factors(t, pbar)
    t_so4, t_f = total_sulfate(s), total_fluoride(s)
    # Free-scale KSO4 and KF at 1 atm and at pressure.
    kso4_0 = kso4_dickson1990(t, s)
    kf_0 = kf_dickson1979(t, s) if opt_k_fluoride == "dickson1979" else kf_perez1987(t, s)
    kso4, kf = kso4_0 * fac["kso4"], kf_0 * fac["kf"]
    # SWS -> total factors at zero gauge pressure and at pressure.
    sws_to_total_0 = (1 + t_so4 / kso4_0) / (1 + t_so4 / kso4_0 + t_f / kf_0)
    sws_to_total = (1 + t_so4 / kso4) / (1 + t_so4 / kso4 + t_f / kf)
    # Carbonic acid.
    if opt_k_carbonic == "lueker2000":
        k1_tot, k2_tot = k_carbonic_lueker2000(t, s)
        k1_sws, k2_sws = k1_tot / sws_to_total_0, k2_tot / sws_to_total_0
    elif opt_k_carbonic == "millero2010":
        k1_sws, k2_sws = k_carbonic_millero2010(t, s)
    else:
        k1_sws, k2_sws = k_carbonic_waters2014(t, s)
    kp1, kp2, kp3 = kp_yao1995(t, s)
    return EquilibriumConstants(
        k0=k0_weiss1974(t, s),
        k1=k1_sws * fac["k1"] * sws_to_total,
        k2=k2_sws * fac["k2"] * sws_to_total,
        kb=kb_dickson1990(t, s) / sws_to_total_0 * fac["kb"] * sws_to_total,
        kw=kw_millero1995(t, s) * fac["kw"] * sws_to_total,
        kso4=kso4,
        kf=kf,
        kp1=kp1 * fac["kp1"] * sws_to_total,
        kp2=kp2 * fac["kp2"] * sws_to_total,
        kp3=kp3 * fac["kp3"] * sws_to_total,
        ksi=ksi_yao1995(t, s) * fac["ksi"] * sws_to_total,
        ksp_calcite=ksp_calcite_mucci1983(t, s, pressure),
        ksp_aragonite=ksp_aragonite_mucci1983(t, s, pressure),
        fugacity_factor=fugacity_factor(t),
        total_borate=total_borate(s, opt_total_borate),
        total_sulfate=t_so4,
        total_fluoride=t_f,
        total_calcium=total_calcium(s),
    )
