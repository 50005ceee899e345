"""oceancdr: a differentiable, GPU-ready gridded ocean carbon model for marine CO2 removal and MRV.

float64 is enabled at import so that the CPU reference runs in double precision; a run's
``precision: float32`` setting selects single precision for the model state and fields.
"""
import jax

jax.config.update("jax_enable_x64", True)

__version__ = "0.1.0"
