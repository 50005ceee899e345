"""Provenance of a result: what produced it, from what, where, so that a third party can re-run it.

Version and git commit of the code, the full validated configuration and its hash, every
parameter value, the data files the configuration reads, the precision and the machine.
"""
from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np

from . import __version__

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_SOURCES = {
    "mauna_loa": "NOAA GML/Scripps Mauna Loa monthly mean xCO2 (oceancdr/data/atmospheric_co2/co2_mm_mlo.txt; "
                 "see the SOURCE note there)",
    "global": "NOAA GML global marine-surface monthly mean xCO2 (oceancdr/data/atmospheric_co2/co2_mm_gl.csv; "
              "see the SOURCE note there)",
}


def git_commit() -> str | None:
    """The commit of the source tree (with '+dirty' when it has uncommitted changes), or None."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=PACKAGE_DIR, capture_output=True, text=True, timeout=10)

    try:
        head = git("rev-parse", "HEAD")
        if head.returncode != 0:
            return None
        dirty = git("status", "--porcelain", "--untracked-files=no").stdout.strip()
        return head.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def data_sources(cfg) -> list:
    """The external inputs a configuration reads."""
    out = []
    if isinstance(cfg.atmosphere.xco2_ppm, str):
        out.append(DATA_SOURCES[cfg.atmosphere.xco2_ppm])
    if cfg.grid.type == "bathymetry":
        out.append(f"bathymetry: {cfg.grid.file}")
    if cfg.circulation.type == "file":
        out.append(f"circulation: {cfg.circulation.file}")
    b = cfg.hydrography.bottles
    if b is not None:
        out.append(f"initial/boundary profiles: bottles within {b.radius_km:g} km of ({b.lon:g}, {b.lat:g}) in {b.file}")
    if cfg.surface_series.file:
        out.append(f"surface series: {cfg.surface_series.file}")
    return out


def parameter_values(params: dict) -> dict:
    """Every parameter as plain numbers (lists for arrays)."""
    return {k: (float(v) if np.ndim(v) == 0 else np.asarray(v, float).tolist()) for k, v in sorted(params.items())}


def machine() -> dict:
    return {"platform": platform.platform(), "python": sys.version.split()[0], "jax": jax.__version__,
            "jax_backend": jax.default_backend(), "devices": [str(d) for d in jax.devices()],
            "cpu_count": os.cpu_count()}


def provenance(cfg, params: dict, config_path=None, command: str | None = None) -> dict:
    """The provenance block of a result file; ``command`` is the command line that produced it
    (None when it came from Python)."""
    return {"oceancdr_version": __version__, "git_commit": git_commit(),
            "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "command": command, "config_file": str(config_path) if config_path else None,
            "config_hash": cfg.hash(), "config": cfg.model_dump(mode="json"), "precision": cfg.precision,
            "parameters": parameter_values(params), "data_sources": data_sources(cfg), "machine": machine()}
