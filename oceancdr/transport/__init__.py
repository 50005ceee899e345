"""Finite-volume transport: limited advection, diffusion, sinking and open boundaries."""
from .advection import advect
from .diffusion import diffuse_horizontal, diffuse_vertical_implicit
from .sinking import sink

__all__ = ["advect", "diffuse_horizontal", "diffuse_vertical_implicit", "sink"]
