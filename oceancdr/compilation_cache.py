"""JAX's persistent compilation cache for every oceancdr process (the CLI, Dask workers, tests)."""
from __future__ import annotations

import os
from pathlib import Path

import jax


def enable_compilation_cache() -> None:
    """Keep compiled XLA programs on disk (JAX's persistent cache) so that a second run of the same
    model skips compilation, which takes up to minutes for gradients on a CPU. The folder is
    $OCEANCDR_JAX_CACHE (``off`` disables it), by default ~/.cache/oceancdr/jax."""
    where = os.environ.get("OCEANCDR_JAX_CACHE", str(Path.home() / ".cache" / "oceancdr" / "jax"))
    if where.lower() == "off":
        return
    jax.config.update("jax_compilation_cache_dir", where)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 2.0)
