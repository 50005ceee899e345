"""Memory bandwidth of this machine, measured in the same run, and what a compiled program moves.

* :func:`bandwidth`: a STREAM-like triad ``a + s * b`` on arrays far larger than the caches,
  jitted on the default JAX device: (2 reads + 1 write) x bytes over the best of ``repeats``
  warm calls, GB/s. This is the bound a memory-bound kernel can reach on this device.
* :func:`compiled_bytes`: XLA's own account of a compiled program: ``bytes accessed`` (every
  fused kernel's inputs and outputs, i.e. the traffic the program really generates when nothing
  stays in cache) and the memory footprint (arguments + outputs + temporaries - aliased).
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
