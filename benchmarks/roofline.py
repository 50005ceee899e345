"""Memory bandwidth of this machine, measured in the same run, and what a compiled program moves.

* :func:`bandwidth`: a STREAM-like triad ``a + s * b`` on arrays far larger than the caches,
  jitted on the default JAX device: (2 reads + 1 write) x bytes over the best of ``repeats``
  warm calls, GB/s. This is the bound a memory-bound kernel can reach on this device.
* :func:`compiled_bytes`: XLA's own account of a compiled program: ``bytes accessed`` (every
  fused kernel's inputs and outputs, i.e. the traffic the program really generates when nothing
  stays in cache) and the memory footprint (arguments + outputs + temporaries - aliased).
* :func:`triad_in_cache`: the same triad on arrays of a given shape (the tracer array, which a
  large last-level cache may hold), scanned in one call: the rate of one pass over the tracers
  on this device when the DRAM is not what limits it.
* :func:`roofline`: time at the bandwidth bound for a byte count, and how far a measured time is
  from it.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from benchmarks import best_time


def bandwidth(megabytes: float = 256.0, repeats: int = 5) -> float:
    """Triad bandwidth in GB/s on the default device, float64 arrays of ``megabytes`` each."""
    n = int(megabytes * 1e6 / 8)
    a = jnp.arange(n, dtype=jnp.float64)
    b = jnp.ones(n, jnp.float64)
    triad = jax.jit(lambda a, b: a + 1.5 * b)
    return 3 * 8 * n / best_time(lambda: triad(a, b), repeats) / 1e9


def triad_in_cache(shape, dtype, steps: int = 20, repeats: int = 5) -> dict:
    """Seconds and GB/s (2 reads + 1 write) of ``a + 1.5 b`` on two distinct arrays of ``shape``
    and ``dtype``, ``steps`` of them scanned in one call (``a`` carried, so it stays wherever the
    caches keep it)."""
    a = jnp.ones(shape, dtype)
    b = jnp.full(shape, 2.0, dtype)
    run = jax.jit(lambda a, b: jax.lax.scan(lambda x, _: (x + 1.5 * b, None), a, None, length=steps)[0])
    seconds = best_time(lambda: run(a, b), repeats) / steps
    return {"seconds": seconds, "gb_per_s": 3 * a.size * a.dtype.itemsize / seconds / 1e9}


def compiled_bytes(compiled) -> dict:
    """``bytes_accessed`` and ``footprint_bytes`` of a compiled XLA program (-1 where unavailable)."""
    cost = compiled.cost_analysis()
    cost = cost[0] if isinstance(cost, (list, tuple)) else (cost or {})
    mem = compiled.memory_analysis()
    footprint = -1 if mem is None else int(mem.argument_size_in_bytes + mem.output_size_in_bytes
                                           + mem.temp_size_in_bytes - mem.alias_size_in_bytes)
    return {"bytes_accessed": float(cost.get("bytes accessed", -1.0)), "footprint_bytes": footprint}


def roofline(bytes_moved: float, seconds: float, gb_per_s: float) -> dict:
    """Seconds at the bandwidth bound for ``bytes_moved`` and the measured time over that bound."""
    bound = bytes_moved / (gb_per_s * 1e9)
    return {"bound_seconds": bound, "times_the_bound": seconds / bound}
