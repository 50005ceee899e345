"""Ensembles for MRV uncertainty (docs/ensembles.md): a parameter design, member batches run by
``vmap`` as paired MRV simulations, spread over workers by dask.distributed, written member by
member, and summarised as percentiles and the credited (exceedance) removal."""
from .batch import SUMMARY, run_batch
from .run import run_ensemble
from .sampling import Design, design

__all__ = ["SUMMARY", "Design", "design", "run_batch", "run_ensemble"]
