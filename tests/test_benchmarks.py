"""The benchmark suite's own pieces: the NumPy peer does the same arithmetic as our JAX transport
(else the comparison would not be of equal work), the timer makes the calls it promises, and
``oceancdr bench`` writes its JSON and Markdown, the GPU sizes and script wait for a GPU. No timing is
asserted anywhere."""
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

from benchmarks import best_time, best_times
from benchmarks.peers import cxx_transport, numpy_transport
from conftest import random_basin, random_flow
from oceancdr.cli import main
from oceancdr.transport import advect, diffuse_horizontal, diffuse_vertical_implicit


def test_numpy_transport_update_equals_the_jax_functions():
    grid = random_basin(7, nz=5, ny=9, nx=11, open_boundaries=("west", "north"))
    U, V, W = (jnp.asarray(a) for a in random_flow(grid, 8, courant=0.45))
    rng = np.random.default_rng(3)
    ntr, (nz, ny, nx) = 3, grid.shape
    c = jnp.asarray(rng.uniform(0.0, 10.0, (ntr, nz, ny, nx)) * np.asarray(grid.mask))
    gx, gy = jnp.asarray(rng.uniform(0, 10, (ntr, nz, ny, 2))), jnp.asarray(rng.uniform(0, 10, (ntr, nz, 2, nx)))
    kv = jnp.asarray(np.linspace(1e-2, 1e-4, nz + 1))[:, None, None]
    dt, substeps, kh = 600.0, 2, 20.0
    h = dt / substeps
    ours = c
    for _ in range(substeps):
        ours = diffuse_horizontal(advect(ours, U, V, W, grid, gx, gy, h)[0], kh, grid, h)
    ours = diffuse_vertical_implicit(ours, kv, grid, dt)
    floor = numpy_transport.transport_update(np.asarray(c), *(np.asarray(a) for a in (U, V, W)),
                                             numpy_transport.numpy_grid(grid), np.asarray(gx), np.asarray(gy),
                                             kh, np.asarray(kv), dt, substeps)
    assert np.abs(np.asarray(ours) - np.asarray(c)).max() > 0.1          # the update does move tracer
    np.testing.assert_allclose(floor, np.asarray(ours), rtol=1e-12, atol=1e-11)


@pytest.mark.parametrize("shape, open_boundaries", [((5, 9, 11), ("west", "north")),
                                                    ((3, 23, 300), ("east", "south")),
                                                    ((1, 4, 5), ("west",))])
def test_cxx_transport_equals_the_jax_update(shape, open_boundaries):
    """The C++ peer does our advection's and horizontal diffusion's arithmetic (to round-off in
    float64; float32 within its precision), with open boundaries and land; the second grid has
    rows longer than the kernel's column blocks (300 cells) and levels of several blocks and a
    remainder (6900 = 26 x 256 + 244), the third one level (the z sweep's rings at their edge)."""
    nz, ny, nx = shape
    grid = random_basin(11, nz=nz, ny=ny, nx=nx, open_boundaries=open_boundaries)
    U, V, W = random_flow(grid, 5, courant=0.45)
    rng = np.random.default_rng(4)
    ntr, dt, kh = 3, 600.0, 37.0
    c = rng.uniform(0.0, 10.0, (ntr,) + shape) * np.asarray(grid.mask)
    gx, gy = rng.uniform(0, 10, (ntr, nz, ny, 2)), rng.uniform(0, 10, (ntr, nz, 2, nx))
    advected = advect(*(jnp.asarray(a) for a in (c, U, V, W)), grid, jnp.asarray(gx), jnp.asarray(gy), dt)[0]
    ours = np.asarray(diffuse_horizontal(advected, kh, grid, dt))
    advected = np.asarray(advected)
    g = numpy_transport.numpy_grid(grid)
    assert np.abs(advected - c).max() > 0.1                               # the step does move tracer
    assert np.abs(ours - advected).max() > 0.1                            # and the diffusion too
    peer = cxx_transport.Transport
    np.testing.assert_allclose(peer(U, V, W, g, gx, gy, dt)(c), advected, rtol=1e-12, atol=1e-11)
    np.testing.assert_allclose(peer(U, V, W, g, gx, gy, dt, kh=kh)(c), ours, rtol=1e-12, atol=1e-11)
    single = peer(U, V, W, g, gx, gy, dt, np.float32, kh)(c)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, ours, rtol=2e-5, atol=2e-5)


def test_cxx_transport_without_a_compiler_says_so(monkeypatch):
    monkeypatch.setenv("CXX", "/nonexistent/c++")
    with pytest.raises(cxx_transport.Unavailable, match="no C\\+\\+ compiler"):
        cxx_transport.library()


def test_best_time_makes_at_least_repeats_calls_and_more_until_min_seconds():
    def counted(seconds):
        calls = []

        def fn():
            calls.append(time.perf_counter())
            time.sleep(seconds)
        return calls, fn

    calls, fn = counted(0.001)
    best_time(fn, 3, min_seconds=0.0)
    assert len(calls) == 4                      # one untimed warm-up call, then the three
    calls, fn = counted(0.002)
    best = best_time(fn, 3, min_seconds=0.05)
    assert 3 < len(calls) - 1 <= 26 and best >= 0.002
    calls, fn = counted(0.0)
    best_time(fn, 1, min_seconds=10.0, max_calls=7)
    assert len(calls) == 8


def test_best_times_alternates_rounds_and_keeps_each_functions_fastest():
    import itertools
    log = []
    slow = iter([0.0, 0.05])                    # a's warm-up call, then its first timed call: slowed

    def a():
        log.append("a")
        time.sleep(next(slow, 0.0) + 0.002)

    def b():
        log.append("b")
        time.sleep(0.004)

    ta, tb = best_times([a, b], 2, rounds=3)
    assert [k for k, _ in itertools.groupby(log)] == ["a", "b"] * 3     # three alternating rounds
    assert 0.002 <= ta < 0.05 and 0.004 <= tb < 0.05


def test_bench_writes_json_and_markdown_with_the_targets(tmp_path):
    out = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--only", "carbonate", "--out", str(out)]) == 0
    res = json.loads(out.read_text())
    assert res["carbonate"]["solves_per_second_float64"] > 0 and res["bandwidth_gb_per_s"] > 0
    text = out.with_suffix(".md").read_text()
    assert "## Carbonate solve" in text and "carbonate solve >= 100x PyCO2SYS, float64" in text


def test_gpu_sizes_are_added_on_a_gpu_only(monkeypatch):
    from benchmarks import step, transport
    from oceancdr.config import load_config

    cpu = step.grids(False), transport.sizes(False)
    for module in (step, transport):
        monkeypatch.setattr(module, "on_gpu", lambda: True)
    assert "240x320x48" not in cpu[0] and step.grids(False)[-1] == "240x320x48"
    assert (192, 256, 60) not in cpu[1] and transport.sizes(False)[-1] == (192, 256, 60)
    assert step.grids(True) == ["30x40x12"] and transport.sizes(True) == transport.SIZES["quick"]
    assert "GPU" in transport.cxx_calls(None)["error"]     # the CPU peer is not timed against a GPU
    grid = load_config(step.CONFIG, step.GRIDS["240x320x48"]).grid
    assert (grid.nx, grid.ny, grid.nz) == (240, 320, 48)


def test_gpu_run_script_stops_with_a_clear_message_without_its_wheels(tmp_path):
    script = tmp_path / "benchmarks" / "gpu" / "run"
    script.parent.mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parents[1] / "benchmarks" / "gpu" / "run", script)
    proc = subprocess.run(["bash", str(script)], env=dict(os.environ, OUT=str(tmp_path / "out")),
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "benchmarks/gpu/fetch-wheels" in proc.stdout
    assert "fetch-wheels" in (tmp_path / "out" / "run.log").read_text()
