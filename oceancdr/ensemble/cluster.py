"""Where an ensemble's tasks run: a concurrent.futures executor backed by dask.distributed.

* ``local``: a LocalCluster of ``workers`` processes with one thread each (``workers: 0`` runs the
  tasks in this process, without Dask: for debugging and for a single-core reference);
* ``scheduler``: an existing Dask scheduler at ``address``, or the scheduler file it wrote
  (``dask scheduler --scheduler-file``; docs/examples/ensemble_slurm.sh starts one in a batch job);
* ``slurm``, ``pbs``: dask-jobqueue submits ``workers`` worker jobs with the ``jobqueue`` settings.

Each worker process compiles the batch program once and keeps it (oceancdr.ensemble.batch);
JAX's persistent compilation cache lets later workers read it from disk. Local workers run XLA on
one CPU thread each and do not preallocate GPU memory (:func:`worker_env`).
"""
from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..config import ConfigError



def worker_env() -> dict:
    """Environment of local worker processes: one CPU thread each (the worker processes share the
    cores; XLA's own thread pool would oversubscribe them), and no GPU memory preallocation, so
    that several workers can share one device."""
    flags = os.environ.get("XLA_FLAGS", "")
    return {"XLA_FLAGS": f"{flags} --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1".strip(),
            "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}


def jobqueue_cluster(kind: str, settings: dict):
    """A dask-jobqueue SLURMCluster or PBSCluster from the ``ensemble.cluster.jobqueue`` settings."""
    try:
        import dask_jobqueue
    except ImportError:
        raise ConfigError(f"ensemble.cluster.kind: {kind} needs dask-jobqueue; pip install 'oceancdr[hpc]'") from None
    cls = {"slurm": dask_jobqueue.SLURMCluster, "pbs": dask_jobqueue.PBSCluster}[kind]
    try:
        return cls(**settings)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"ensemble.cluster.jobqueue: {cls.__name__} does not accept these settings ({err})") from None


@contextlib.contextmanager
def executor(cluster, client=None):
    """Yield ``(executor, description)`` for the ``ensemble.cluster`` settings, or for an existing
    dask.distributed ``client``; shut down what was started here on exit."""
    if client is not None:
        yield client.get_executor(pure=False), f"Dask scheduler {client.scheduler.address}"
        return
    if cluster.kind == "local" and cluster.workers == 0:
        with ThreadPoolExecutor(max_workers=1) as ex:
            yield ex, "this process (no Dask)"
        return
    from dask.distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if cluster.kind == "local":
            connect = {"address": stack.enter_context(LocalCluster(
                n_workers=cluster.workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                env=worker_env()))}
            where = f"LocalCluster of {cluster.workers} worker processes"
        elif cluster.kind == "scheduler":
            if not cluster.address:
                raise ConfigError("ensemble.cluster.address: kind 'scheduler' needs the scheduler's address "
                                  "(or --scheduler ADDRESS)")
            # an address, or the file of `dask scheduler --scheduler-file`
            connect = {"scheduler_file" if Path(cluster.address).is_file() else "address": cluster.address}
            where = f"Dask scheduler {cluster.address}"
        else:
            jobs = stack.enter_context(jobqueue_cluster(cluster.kind, cluster.jobqueue))
            jobs.scale(jobs=max(1, cluster.workers))
            connect = {"address": jobs}
            where = f"{cluster.kind.upper()} jobs ({max(1, cluster.workers)} requested) through dask-jobqueue"
        try:
            c = stack.enter_context(Client(**connect))
        except (OSError, ValueError) as err:
            raise ConfigError(f"ensemble.cluster: cannot reach the Dask scheduler ({err})") from None
        yield c.get_executor(pure=False), where
