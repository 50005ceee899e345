"""The hand-written adjoints of the limited face fluxes and of the two diffusion operators against
JAX's own reverse mode of the same forward code, and against central differences through whole
advective and diffusive steps."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import oceancdr
from oceancdr.transport import advection, diffusion


def _assert_same_vjp(reference, adjoint, args, names):
    """Same values; every cotangent nonzero and equal to round-off."""
    out_a, back_a = jax.vjp(reference, *args)
    out_b, back_b = jax.vjp(adjoint, *args)
    np.testing.assert_array_equal(out_a, out_b)
    ct = jnp.asarray(np.random.default_rng(1).normal(size=out_a.shape))
    for name, a, b in zip(names, back_a(ct), back_b(ct)):
        assert float(jnp.abs(a).max()) > 0, name
        np.testing.assert_allclose(b, a, rtol=1e-11, atol=1e-12 * float(jnp.abs(a).max()), err_msg=name)


def _case(axis, seed=0, shape=(3, 4, 5, 6)):
    rng = np.random.default_rng(seed)
    nz, ny, nx = shape[1:]
    fshape = [nz, ny, nx]
    fshape[axis - 1] += 1
    gshape = list(shape)
    gshape[axis] = 1
    q = rng.normal(size=shape)
    q[:, :, :2] = 0.5       # equal neighbours: slopes below the floor, r replaced
    F = rng.normal(size=fshape) * 1.5   # both signs; Courant numbers above and below 1
    F.flat[::11] = 0.0
    return dict(q=jnp.asarray(q), F=jnp.asarray(F), vol=jnp.asarray(rng.uniform(1.0, 2.0, (nz, ny, nx))),
                lo=jnp.asarray(rng.normal(size=gshape)), hi=jnp.asarray(rng.normal(size=gshape)),
                wet=jnp.asarray((rng.uniform(size=(nz, ny, nx)) > 0.2).astype(float)),
                open_face=jnp.asarray((rng.uniform(size=fshape) > 0.8).astype(float)))


def _limiter(limiter):
    """The limiter with :func:`advection.limiter_slope` as its derivative, for the references: at
    the breakpoints (r = 0 where two upwind cells are equal, as in :func:`_case`) JAX's own
    derivative of the max/min form splits the tie its own way; the slope is tested by itself in
    :func:`test_limiter_slope_is_the_derivative_and_the_mean_at_the_breakpoints`."""
    psi = jax.custom_jvp(advection.LIMITERS[limiter])
    psi.defjvp(lambda p, t: (psi(p[0]), advection.limiter_slope(limiter, p[0]) * t[0]))
    return psi


@pytest.mark.parametrize("limiter", sorted(advection.LIMITERS))
def test_limiter_slope_is_the_derivative_and_the_mean_at_the_breakpoints(limiter):
    psi = advection.LIMITERS[limiter]
    breaks = np.asarray(advection._PIECES[limiter][0])
    r = np.linspace(-1.0, 5.0, 6001)
    away = jnp.asarray(r[np.min(np.abs(r[:, None] - breaks), axis=1) > 1e-9])
    np.testing.assert_array_equal(advection.limiter_slope(limiter, away), jax.vmap(jax.grad(psi))(away))
    b, h = jnp.asarray(breaks), 1e-7       # central differences across each kink: the mean slope
    np.testing.assert_allclose(advection.limiter_slope(limiter, b), (psi(b + h) - psi(b - h)) / (2 * h),
                               rtol=1e-7)


@pytest.mark.parametrize("limiter", sorted(advection.LIMITERS))
@pytest.mark.parametrize("axis", [1, 2, 3])
def test_face_flux_adjoint_equals_reverse_mode_of_the_forward(axis, limiter):
    k = _case(axis)
    wet, open_face = k.pop("wet"), k.pop("open_face")

    def reverse_mode(q, F, vol, lo, hi, dt):     # the same forward, left to JAX to differentiate
        pos, up, delta, r, big, mask, half, *_ = advection._stencil(q, F, vol, wet, lo, hi, open_face, dt, axis)
        return F * (up + half * _limiter(limiter)(r) * mask * delta)

    def adjoint(q, F, vol, lo, hi, dt):
        return advection.face_fluxes(q, F, vol, wet, lo, hi, open_face, dt, axis, limiter)

    _assert_same_vjp(reverse_mode, adjoint, (*k.values(), 0.7), ("q", "F", "vol", "lo", "hi", "dt"))


@pytest.mark.parametrize("axis", [1, 2, 3])
def test_forward_and_adjoint_ghost_paddings_agree(axis):
    k = _case(axis)
    np.testing.assert_array_equal(advection._pad2(k["q"], k["lo"], k["hi"], axis),
                                  advection._stored_pad2(k["q"], k["lo"], k["hi"], axis))


def test_advective_step_gradient_matches_central_differences():
    rng = np.random.default_rng(2)
    shape = (2, 3, 4, 5)
    k = _case(3, seed=3, shape=shape)

    class Grid:            # a small closed-in-z box with open x and y faces and some land
        mask = k["wet"]
        volume = k["vol"] * 1e3
        open_x = jnp.zeros((3, 4, 6)).at[..., 0].set(1.0).at[..., -1].set(1.0)
        open_y = jnp.zeros((3, 5, 5)).at[:, 0].set(1.0).at[:, -1].set(1.0)

    U = jnp.asarray(rng.normal(size=(3, 4, 6)))
    V = jnp.asarray(rng.normal(size=(3, 5, 5)))
    W = jnp.asarray(rng.normal(size=(4, 4, 5))).at[0].set(0.0).at[-1].set(0.0)
    gx, gy = jnp.asarray(rng.normal(size=shape[:3] + (2,))), jnp.asarray(rng.normal(size=shape[:2] + (2, 5)))
    c = jnp.asarray(rng.normal(size=shape))
    weights = jnp.asarray(rng.normal(size=shape))

    def loss(c, amplitude):
        out, inflow = advection.advect(c, amplitude * U, amplitude * V, amplitude * W, Grid, gx, gy, 100.0)
        return jnp.sum(weights * out ** 2) + jnp.sum(inflow)

    g_c, g_a = jax.grad(loss, argnums=(0, 1))(c, 1.0)
    h = 1e-6
    assert float(g_a) == pytest.approx(float(loss(c, 1.0 + h) - loss(c, 1.0 - h)) / (2 * h), rel=1e-6)
    direction = jnp.asarray(rng.normal(size=shape))
    fd = (loss(c + h * direction, 1.0) - loss(c - h * direction, 1.0)) / (2 * h)
    assert float(jnp.sum(g_c * direction)) == pytest.approx(float(fd), rel=1e-6)


def test_diffusion_adjoints_equal_reverse_mode_of_the_forward():
    rng = np.random.default_rng(4)
    ntr, nz, ny, nx = 3, 5, 4, 6
    c = jnp.asarray(rng.normal(size=(ntr, nz, ny, nx)))
    wet = (rng.uniform(size=(nz, ny, nx)) > 0.2).astype(float)
    scale = jnp.asarray(rng.uniform(0.1, 0.3, (nz, ny, nx)) * wet)
    cx, cy = jnp.asarray(rng.uniform(0, 1, (nz, ny, nx - 1))), jnp.asarray(rng.uniform(0, 1, (nz, ny - 1, nx)))
    _assert_same_vjp(diffusion._explicit_step.fun, diffusion._explicit_step, (c, cx, cy, scale),
                     ("c", "cx", "cy", "scale"))

    a = jnp.asarray(rng.uniform(0, 2, (nz - 1, ny, nx)) * wet[1:])
    vol = jnp.asarray(rng.uniform(1, 2, (nz, ny, nx)))
    rhs = jnp.asarray(rng.normal(size=(ntr, nz, ny, nx)))
    _assert_same_vjp(lambda a, v, r: diffusion._implicit_solve.fun(a, v, r, 0.8),
                     lambda a, v, r: diffusion._implicit_solve(a, v, r, 0.8), (a, vol, rhs), ("a", "vol", "rhs"))


def test_diffusive_step_gradient_matches_central_differences():
    rng = np.random.default_rng(5)
    shape = (2, 4, 3, 5)
    wet = jnp.asarray((rng.uniform(size=shape[1:]) > 0.25).astype(float))

    class Grid:            # uneven cells and land
        mask = wet
        volume = jnp.asarray(rng.uniform(1.0, 3.0, shape[1:])) * 1e3
        ax = jnp.asarray(rng.uniform(1.0, 2.0, (4, 3, 6))) * 10.0 * wet[..., :1]
        ay = jnp.asarray(rng.uniform(1.0, 2.0, (4, 4, 5))) * 10.0
        az = jnp.asarray(rng.uniform(1.0, 2.0, (5, 3, 5))) * 100.0
        dxc = jnp.asarray(rng.uniform(1.0, 2.0, (3, 6)))
        dyc = jnp.asarray(rng.uniform(1.0, 2.0, (4, 1)))
        dzc = jnp.asarray(rng.uniform(1.0, 2.0, (5, 1, 1)))

    c = jnp.asarray(rng.normal(size=shape))
    weights = jnp.asarray(rng.normal(size=shape))
    kv0 = jnp.asarray(rng.uniform(0.5, 1.5, (5, 1, 1)))

    def loss(c, kh, kv_scale):
        out = diffusion.diffuse_horizontal(c, kh, Grid, 20.0)
        out = diffusion.diffuse_vertical_implicit(out, kv_scale * kv0, Grid, 50.0)
        return jnp.sum(weights * out ** 2)

    grads = jax.grad(loss, argnums=(0, 1, 2))(c, 1.0, 1.0)
    h = 1e-6
    assert float(grads[1]) == pytest.approx(float(loss(c, 1.0 + h, 1.0) - loss(c, 1.0 - h, 1.0)) / (2 * h), rel=1e-6)
    assert float(grads[2]) == pytest.approx(float(loss(c, 1.0, 1.0 + h) - loss(c, 1.0, 1.0 - h)) / (2 * h), rel=1e-6)
    direction = jnp.asarray(rng.normal(size=shape))
    fd = (loss(c + h * direction, 1.0, 1.0) - loss(c - h * direction, 1.0, 1.0)) / (2 * h)
    assert float(jnp.sum(grads[0] * direction)) == pytest.approx(float(fd), rel=1e-6)


def test_ynn_flag_is_added_only_where_it_exists_and_is_not_set():
    flag = oceancdr.YNN_FLAG
    assert oceancdr._xla_flags("", "0.10.2") == flag
    assert oceancdr._xla_flags("--xla_cpu_multi_thread_eigen=false", "0.11.0.dev20261101") == \
        f"--xla_cpu_multi_thread_eigen=false {flag}"
    assert oceancdr._xla_flags("--foo", "0.4.30") == "--foo"
    assert oceancdr._xla_flags(f"{flag}individual_dot", "0.10.2") == f"{flag}individual_dot"


def test_stored_cotangent_is_the_identity_under_grad_transpose_and_vmap():
    """oceancdr.stored: the conditional that keeps XLA from recomputing an adjoint changes no
    value, is transposable (the calibration's J v) and works under vmap (a select there)."""
    from oceancdr.stored import stored_cotangent

    x = jnp.linspace(0.5, 2.0, 6)

    def f(x, stored):
        y = stored_cotangent(x) if stored else x
        return jnp.sin(y) * y ** 2

    ct = jnp.arange(6.0)
    pull_s, pull_p = jax.vjp(lambda x: f(x, True), x)[1], jax.vjp(lambda x: f(x, False), x)[1]
    np.testing.assert_array_equal(pull_s(ct)[0], pull_p(ct)[0])
    jv, = jax.linear_transpose(pull_s, f(x, True))((ct,))
    np.testing.assert_allclose(jv, jax.jvp(lambda x: f(x, False), (x,), (ct,))[1], rtol=1e-14)
    batched = jax.vmap(jax.grad(lambda x: f(x, True).sum()))(jnp.stack([x, 2 * x]))
    np.testing.assert_array_equal(batched[1], jax.grad(lambda x: f(x, False).sum())(2 * x))


def test_stored_conditional_is_lowered_for_the_cpu_only():
    """The store (a conditional on an is-finite predicate) is in the CPU lowering of the face
    fluxes' gradient and absent from the CUDA one, where a conditional reads its predicate on the
    host; the CPU's compiled gradient keeps it as a conditional."""
    k = _case(3)

    def loss(q):
        return jnp.sum(advection.face_fluxes(q, k["F"], k["vol"], k["wet"], k["lo"], k["hi"], k["open_face"],
                                             0.7, 3, "superbee") ** 2)

    grad = jax.jit(jax.grad(loss))
    cpu, cuda = (jax.export.export(grad, platforms=[p])(k["q"]).mlir_module() for p in ("cpu", "cuda"))
    assert "stablehlo.is_finite" in cpu
    assert "stablehlo.is_finite" not in cuda
    assert " conditional(" in grad.lower(k["q"]).compile().as_text()


def test_face_flux_adjoint_is_transposable_to_the_tangent():
    """The adjoint's stored conditional (its predicate reads a saved coefficient, not the
    cotangent) transposes to J v, as the calibration's Gauss-Newton products need; J v equals the
    forward-mode derivative of the same forward code left to JAX."""
    k = _case(2)
    wet, open_face = k.pop("wet"), k.pop("open_face")

    def reference(q):
        pos, up, delta, r, big, mask, half, *_ = advection._stencil(q, k["F"], k["vol"], wet, k["lo"], k["hi"],
                                                                     open_face, 0.7, 2)
        return k["F"] * (up + half * _limiter("superbee")(r) * mask * delta)

    out, pull = jax.vjp(lambda q: advection.face_fluxes(q, k["F"], k["vol"], wet, k["lo"], k["hi"], open_face,
                                                        0.7, 2, "superbee"), k["q"])
    v = jnp.asarray(np.random.default_rng(2).normal(size=k["q"].shape))
    jv, = jax.linear_transpose(pull, out)((v,))
    expected = jax.jvp(reference, (k["q"],), (v,))[1]
    assert float(jnp.abs(expected).max()) > 0
    np.testing.assert_allclose(jv, expected, rtol=1e-11, atol=1e-12 * float(jnp.abs(expected).max()))


def test_unstack_has_the_cotangents_of_plain_slices():
    """oceancdr.stored.unstack (the reactions' tracer fields): its stacked cotangents equal those of
    indexing c[i], also when some slices are unused (zero cotangent), under the transpose the
    calibration's J v needs, and under vmap."""
    from oceancdr.stored import unstack

    c = jnp.asarray(np.random.default_rng(3).uniform(0.5, 2.0, (4, 3, 5)))

    def f(c, split):
        a, b, _, d = split(c)
        return jnp.exp(a) * b + d ** 2 / b      # the third slice unused

    plain = lambda c: tuple(c[i] for i in range(c.shape[0]))
    ct = jnp.asarray(np.random.default_rng(4).normal(size=(3, 5)))
    out, pull = jax.vjp(lambda c: f(c, unstack), c)
    expected, = jax.vjp(lambda c: f(c, plain), c)[1](ct)
    got, = pull(ct)
    assert float(jnp.abs(expected[2]).max()) == 0.0 and float(jnp.abs(expected).max()) > 0
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    v = jnp.asarray(np.random.default_rng(5).normal(size=c.shape))
    jv, = jax.linear_transpose(pull, out)((v,))
    np.testing.assert_allclose(jv, jax.jvp(lambda c: f(c, plain), (c,), (v,))[1], rtol=1e-13)
    batched = jax.vmap(jax.grad(lambda c: f(c, unstack).sum()))(jnp.stack([c, 2 * c]))
    np.testing.assert_allclose(batched[1], jax.grad(lambda c: f(c, plain).sum())(2 * c), rtol=1e-14)
