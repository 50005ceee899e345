"""oceancdr: a differentiable, GPU-ready gridded ocean carbon model for marine CO2 removal and MRV.

float64 is enabled at import so that the CPU reference runs in double precision; a run's
``precision: float32`` setting selects single precision for the model state and fields.

On jaxlib 0.10 and newer, XLA's CPU backend hands reductions to YNNPACK fusions, which sum over a
leading axis about 30x slower than XLA's own loops (measured: 6.0 against 0.2 ms for an
8 x 20 x 64 x 48 float64 array). Reverse-mode gradients are full of such sums (the transpose of
every field broadcast over the tracers), so oceancdr turns those fusions off by appending
``--xla_cpu_experimental_ynn_fusion_type=`` to XLA_FLAGS, unless XLA_FLAGS already sets that flag.
It takes effect only if oceancdr is imported before JAX starts its backend (the first array).
"""
import os

import jax
import jaxlib

YNN_FLAG = "--xla_cpu_experimental_ynn_fusion_type="


def _xla_flags(flags: str, jaxlib_version: str) -> str:
    """XLA_FLAGS with YNNPACK fusions off, where this jaxlib has the flag and the user has not set it."""
    major, minor = (int(v) for v in jaxlib_version.split(".")[:2])
    if (major, minor) < (0, 10) or YNN_FLAG.rstrip("=") in flags:
        return flags
    return f"{flags} {YNN_FLAG}".strip()


os.environ["XLA_FLAGS"] = _xla_flags(os.environ.get("XLA_FLAGS", ""), jaxlib.__version__)
jax.config.update("jax_enable_x64", True)

__version__ = "0.1.0"
