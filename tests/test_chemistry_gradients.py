"""Gradients of the carbonate solver: implicit differentiation vs finite differences,
published sensitivities (Orr et al. 2018, tables 2 and 3), edge cases, vmap and jit."""

import csv
from pathlib import Path

import numpy as np
import pytest

import oceancdr  # noqa: F401  (enables float64)
import jax
import jax.numpy as jnp

from oceancdr.chemistry import solve_carbonate

TABLES = Path(oceancdr.__file__).parent / "data" / "carbonate_reference_tables"
INPUTS = ("dic", "alk", "temperature", "salinity", "pressure", "silicate", "phosphate")
OUTPUTS = ("ph", "pco2", "hco3", "co3", "omega_aragonite", "omega_calcite")
POINTS = np.array(
    [  # dic, alk, T, S, p, Si, P
        [2000.0, 2300.0, 18.0, 35.0, 0.0, 10.0, 1.0],  # surface ocean
        [2300.0, 2400.0, 2.0, 34.7, 4000.0, 120.0, 2.5],  # deep ocean
        [1800.0, 4500.0, 25.0, 33.0, 0.0, 5.0, 0.5],  # alkalinity plume, pH ~ 9.5
        [1200.0, 1100.0, 10.0, 5.0, 0.0, 50.0, 1.0],  # estuary
        [100.0, 120.0, 5.0, 0.5, 0.0, 0.0, 0.0],  # nearly fresh, nearly empty
    ]
)
EDGE_POINTS = np.array(
    [  # dic, alk, T, S, p, Si, P
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],  # land / empty cell
        [0.0, 0.0, 15.0, 35.0, 0.0, 0.0, 0.0],
        [0.0, 2300.0, 15.0, 35.0, 0.0, 0.0, 0.0],
        [2000.0, 0.0, 15.0, 35.0, 0.0, 0.0, 0.0],
        [100.0, 5000.0, 30.0, 35.0, 0.0, 0.0, 0.0],  # TA >> DIC, pH ~ 10.8
        [1500.0, 5000.0, -2.0, 45.0, 6000.0, 150.0, 5.0],
    ]
)
ALL_POINTS = np.concatenate([POINTS, EDGE_POINTS])
# central-difference steps per input (umol/kg, C, PSU, dbar, umol/kg, umol/kg)
STEPS = np.array([1e-2, 1e-2, 1e-4, 1e-4, 1e-1, 1e-3, 1e-3])


def _outputs(x):
    r = solve_carbonate(*x)
    return jnp.stack([getattr(r, name) for name in OUTPUTS])


# compiled once for the module (XLA compilation dominates the run time on CPU)
jacobian_rev = jax.jit(jax.vmap(jax.jacrev(_outputs)))  # reverse mode = jax.grad
outputs_batched = jax.jit(jax.vmap(_outputs))


@pytest.fixture(scope="module")
def jac():
    return np.asarray(jacobian_rev(jnp.asarray(ALL_POINTS)))


def _central_differences(points, steps):
    n, m = points.shape
    shifted = np.repeat(points[:, None, :], m, axis=1)  # (n, m, m)
    both = np.concatenate([shifted + np.eye(m) * steps, shifted - np.eye(m) * steps]).reshape(-1, m)
    f = np.asarray(outputs_batched(jnp.asarray(both))).reshape(2, n, m, -1)
    return np.transpose((f[0] - f[1]) / (2 * steps[None, :, None]), (0, 2, 1))  # (n, out, in)


def test_grad_matches_central_differences(jac):
    fd = _central_differences(POINTS, STEPS)
    scale = np.abs(fd).max(axis=2, keepdims=True)  # per output row
    err = np.abs(jac[: len(POINTS)] - fd) / scale
    print("max scaled |grad - FD|:", err.max())
    assert err.max() < 1e-6


def test_gradients_finite_at_edges(jac):
    out = np.asarray(outputs_batched(jnp.asarray(ALL_POINTS)))
    assert np.all(np.isfinite(out))
    assert np.all(np.isfinite(jac))
    assert out[len(POINTS) + 4, 0] > 10.5  # TA >> DIC really is a high-pH case


def test_revelle_gradient():
    """d(Revelle)/d(DIC, TA): a second derivative through the implicit solve."""

    def revelle(dic, alk):
        return solve_carbonate(dic, alk, 15.0, 35.0).revelle

    grad = jax.jit(jax.vmap(jax.grad(revelle, argnums=(0, 1))))
    value = jax.jit(jax.vmap(revelle))
    dic = jnp.array([2000.0, 1800.0, 0.0, 2000.0, 100.0])
    alk = jnp.array([2300.0, 4500.0, 0.0, 0.0, 5000.0])
    g_dic, g_alk = (np.asarray(g) for g in grad(dic, alk))
    assert np.all(np.isfinite(g_dic)) and np.all(np.isfinite(g_alk))
    step = 1e-2
    fd_dic = (np.asarray(value(dic + step, alk)) - np.asarray(value(dic - step, alk))) / (2 * step)
    fd_alk = (np.asarray(value(dic, alk + step)) - np.asarray(value(dic, alk - step))) / (2 * step)
    # the first two points are interior (DIC = 0 and TA = 0 are one-sided/edges)
    np.testing.assert_allclose(g_dic[:2], fd_dic[:2], rtol=1e-6)
    np.testing.assert_allclose(g_alk[:2], fd_alk[:2], rtol=1e-6)


def _table(name):
    with open(TABLES / name) as f:
        return list(csv.DictReader(f))


ORR_COLUMNS = ("Hfree", "pCO2", "aqueous_CO2", "bicarbonate", "carbonate", "saturation_aragonite")
ORR_INPUTS = ("dic", "alkalinity", "temperature", "salinity", "total_silicate", "total_phosphate")


@pytest.fixture(scope="module")
def orr_jacobians():
    """Forward-mode (jacfwd) sensitivities at the Orr et al. (2018) point: S 35, 18 C,
    TA 2300, DIC 2000, P 0, Lee et al. (2010) borate; without nutrients (table 2) and
    with Si 60, PO4 2 umol/kg (table 3). 'Hfree' in the tables is d[H+]/dx in nmol/umol."""

    def f(x):
        dic, alk, temperature, salinity, silicate, phosphate = x
        r = solve_carbonate(dic, alk, temperature, salinity, 0.0, silicate, phosphate, opt_total_borate="lee2010")
        return jnp.stack([r.h * 1e9, r.pco2, r.co2, r.hco3, r.co3, r.omega_aragonite, r.ph])

    points = jnp.array([[2000.0, 2300.0, 18.0, 35.0, 0.0, 0.0], [2000.0, 2300.0, 18.0, 35.0, 60.0, 2.0]])
    return np.asarray(jax.jit(jax.vmap(jax.jacfwd(f)))(points))


def test_orr2018_table2_sensitivities(orr_jacobians):
    jac = orr_jacobians[0]
    checked = 0
    for row in _table("orr2018-table2.csv"):
        if row["program"] != "CO2SYS":
            continue
        # 7 printed digits for TA and DIC; CO2SYS's finite-difference T and S derivatives
        # carry a larger error
        rtol = 2e-6 if row["wrt"] in ("dic", "alkalinity") else 3e-5
        for i, column in enumerate(ORR_COLUMNS):
            got = jac[i, ORR_INPUTS.index(row["wrt"])]
            assert got == pytest.approx(float(row[column]), rel=rtol), (row["wrt"], column)
            checked += 1
    assert checked == 24
    # SCIENCE.md: dpH/dTA = 0.0015566 at this point
    assert jac[6, 1] == pytest.approx(0.0015566, abs=5e-8)


def test_orr2018_table3_nutrient_sensitivities(orr_jacobians):
    """Table 3: rows of the exact-derivative reference code (ref_c, which mocsy matches);
    for Omega the CO2SYS row (ref_c and mocsy use a different calcium and Ksp), within
    3e-4, the size of CO2SYS's finite-difference error in its silicate row."""
    jac = orr_jacobians[1]
    rows = {(row["wrt"], row["program"]): row for row in _table("orr2018-table3.csv")}
    for wrt in ("total_silicate", "total_phosphate"):
        for i, column in enumerate(ORR_COLUMNS):
            program = "CO2SYS" if column == "saturation_aragonite" else "ref_c"
            rtol = 3e-4 if program == "CO2SYS" else 3e-5
            got = jac[i, ORR_INPUTS.index(wrt)]
            assert got == pytest.approx(float(rows[wrt, program][column]), rel=rtol), (wrt, column)


def test_grad_under_vmap_and_jit_matches_single_points():
    def pco2(dic, alk):
        return solve_carbonate(dic, alk, 12.0, 34.0).pco2

    grad_fn = jax.grad(pco2, argnums=(0, 1))
    dic = jnp.array([1900.0, 2000.0, 2100.0, 0.0])
    alk = jnp.array([2250.0, 2300.0, 2350.0, 0.0])
    batched = jax.jit(jax.vmap(grad_fn))(dic, alk)
    for i in range(dic.size):
        single = grad_fn(dic[i], alk[i])
        assert float(batched[0][i]) == pytest.approx(float(single[0]), rel=1e-12, abs=1e-300)
        assert float(batched[1][i]) == pytest.approx(float(single[1]), rel=1e-12, abs=1e-300)
    # gradient of a sum over a field equals the per-point gradients
    total = jax.grad(lambda d: jnp.sum(solve_carbonate(d, alk, 12.0, 34.0).pco2))(dic)
    np.testing.assert_allclose(np.asarray(total), np.asarray(batched[0]), rtol=1e-12)


def test_float32_gradients():
    def ph(dic, alk):
        return solve_carbonate(dic, alk, 18.0, 35.0, 0.0, 10.0, 1.0).ph

    grad = jax.grad(ph, argnums=(0, 1))
    g32 = grad(jnp.float32(2000.0), jnp.float32(2300.0))
    g64 = grad(2000.0, 2300.0)
    assert g32[0].dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(g32), np.asarray(g64), rtol=1e-3)


@pytest.mark.parametrize("dtype, tolerance", [(jnp.float64, 1e-12), (jnp.float32, 1e-4)])
def test_analytic_slope_matches_autodiff_over_ph_0_to_16(dtype, tolerance):
    """``alkalinity_and_slope``'s dTA/dln h (used by the Newton step, the implicit derivative and
    the Revelle factor) against JAX's float64 derivative of the same alkalinity, at pH 0-16 for
    every test point. Relative to the larger of |TA|, |slope| and h, so that a slope crossing
    zero is compared at the scale of its terms. In float32 the analytic slope is the more
    accurate one: 1.4e-5 from the float64 value where JAX's float32 derivative of the quotients
    is off by 3.2e-3 (pH 11.9, TA >> DIC)."""
    from oceancdr.chemistry import alkalinity_from_h, equilibrium_constants
    from oceancdr.chemistry.carbonate import alkalinity_and_slope

    def grid(dt):
        ph = jnp.linspace(0.0, 16.0, 161, dtype=dt)[:, None]
        dic, _, t, s, p, si, po4 = (jnp.asarray(ALL_POINTS[:, i], dt)[None, :] for i in range(7))
        ln_h = -jnp.log(jnp.asarray(10.0, dt)) * ph + jnp.zeros_like(dic)
        return ln_h, (dic * 1e-6, po4 * 1e-6, si * 1e-6, equilibrium_constants(t, s, p))

    ln_h, args = grid(jnp.float64)
    ta_ref, slope_ref = jax.jvp(lambda x: alkalinity_from_h(jnp.exp(x), *args), (ln_h,), (jnp.ones_like(ln_h),))
    ln_h_d, args_d = grid(dtype)
    _, slope = alkalinity_and_slope(jnp.exp(ln_h_d), *args_d)
    slope = np.asarray(slope, float)
    scale = np.maximum(np.abs(slope_ref), np.abs(ta_ref)) + np.exp(ln_h)
    assert np.all(np.isfinite(slope))
    assert np.max(np.abs(slope - slope_ref) / scale) < tolerance
