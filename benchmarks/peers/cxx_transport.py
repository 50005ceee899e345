"""Our transport update hand-written in C++ (benchmarks/peers/cxx_transport.cc), built with the
machine's C++ compiler when first used and called through ctypes.

The floor of hand-written code for this scheme on a CPU, beside the NumPy floor a user could
write: one pass over the tracers level by level, the x and y sweeps two levels ahead of the z
sweep in rings kept in the caches, the completed level diffused at once; the flow's part of the
stencil formed once for all tracers; loops vectorised by the compiler; each core (OpenMP) a band
of rows through every level, waiting for no other. Built with ``$CXX`` (default ``g++``) ``-O3
-march=native -fno-trapping-math -fopenmp`` (without the trapping-math flag GCC vectorises none of
the face-flux loops: it will not turn a comparison of floats into a select) into the temporary
directory, one library per source version; :class:`Unavailable` when no compiler is found or the
build fails. tests/test_benchmarks.py checks it against the JAX functions to round-off.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from oceancdr.transport.advection import _floor

SOURCE = Path(__file__).with_name("cxx_transport.cc")
FLAGS = ("-O3", "-march=native", "-fno-trapping-math", "-fopenmp", "-shared", "-fPIC", "-std=c++17")


class Unavailable(RuntimeError):
    """No C++ compiler, or the build failed: the benchmark reports the peer as missing."""


def library() -> ctypes.CDLL:
    """The compiled library (built once per source version and compiler flags)."""
    compiler = shutil.which(os.environ.get("CXX", "g++"))
    if compiler is None:
        raise Unavailable("no C++ compiler (set CXX or install g++)")
    key = hashlib.sha256(SOURCE.read_bytes() + " ".join((compiler,) + FLAGS).encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / "oceancdr-peers" / f"cxx_transport-{key}.so"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        proc = subprocess.run([compiler, *FLAGS, "-o", str(partial), str(SOURCE)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise Unavailable(f"building {SOURCE.name} failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")
        os.replace(partial, path)  # atomic: parallel test workers may build it at once
    return ctypes.CDLL(str(path))


class Transport:
    """One transport step of ``dt`` s on fixed flow, grid and ghost values: the advection of
    :func:`oceancdr.transport.advection.advect` (without its boundary accounting), then, where
    ``kh`` (m2 s-1) is given, :func:`oceancdr.transport.diffusion.diffuse_horizontal`. The work
    arrays are allocated once, so a call times the kernel alone. ``g``: the grid arrays of
    :func:`benchmarks.peers.numpy_transport.numpy_grid`."""

    def __init__(self, U, V, W, g, ghost_x, ghost_y, dt, dtype=np.float64, kh=None):
        self.dtype = np.dtype(dtype)
        self.fn = getattr(library(), f"transport_{self.dtype.name}")
        self.fn.restype = None
        as_array = lambda a: np.ascontiguousarray(a, self.dtype)  # noqa: E731
        self.inputs = [as_array(a) for a in (U, V, W, g["mask"], g["volume"], g["open_x"], g["open_y"],
                                             ghost_x, ghost_y)]
        self.diffusion = [None] * 4 if kh is None else [as_array(g[k]) for k in ("ax", "ay", "dxc", "dyc")]
        self.ntr = ghost_x.shape[0]
        self.shape = (self.ntr,) + g["mask"].shape
        self.vol_safe = np.empty(g["mask"].size, self.dtype)
        self.scalar = ctypes.c_double if self.dtype == np.float64 else ctypes.c_float
        self.kh, self.dt = 0.0 if kh is None else float(kh), dt

    def __call__(self, c, out=None):
        c = np.ascontiguousarray(c, self.dtype)
        if c.shape != self.shape:
            raise ValueError(f"tracers of shape {c.shape}, expected {self.shape}")
        out = np.empty(self.shape, self.dtype) if out is None else out
        ptr = lambda a: None if a is None else a.ctypes.data_as(ctypes.c_void_p)  # noqa: E731
        self.fn(*map(ctypes.c_int, self.shape), ptr(c), *map(ptr, self.inputs), *map(ptr, self.diffusion),
                *map(self.scalar, (self.kh, self.dt, _floor(self.dtype))), ptr(self.vol_safe), ptr(out))
        return out
