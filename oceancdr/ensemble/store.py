"""Member files: written one by one as members finish, read back to resume and to assemble ensemble.nc.

Each finished member (completed, or failed by its own numbers) is ``DIR/members/member_NNNNNN.json``,
written atomically, with a key: the sha256 of the model's configuration and the member's parameter
values. A re-run skips every member whose file holds the key it would compute, so an interrupted
ensemble resumes where it stopped, and a changed configuration or design reruns what it changed.
Members lost to infrastructure (a killed worker, a failed task) have no file and are run again.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import xarray as xr

from ..io import write_json_atomic
from ..mrv.record import series_units
from .batch import SUMMARY
from .statistics import summary_table


def member_key(model_config: dict, names, values) -> str:
    """The resume key of a member: its model configuration and parameter values."""
    text = json.dumps({"model": model_config, "parameters": dict(zip(names, map(float, values)))}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def member_path(folder: Path, index: int) -> Path:
    return Path(folder) / f"member_{index:06d}.json"


def write_member(folder: Path, result: dict, key: str) -> None:
    """Write one member's result with its resume key."""
    write_json_atomic(member_path(folder, result["member"]), result | {"key": key})


def read_members(folder: Path, keys: list) -> dict:
    """The finished members among ``keys`` (index -> result): files whose key matches."""
    found = {}
    for i, key in enumerate(keys):
        path = member_path(folder, i)
        if path.is_file():
            try:
                result = json.loads(path.read_text())
            except (OSError, ValueError):     # a torn file cannot happen (atomic writes) but a hand-edited one can
                continue
            if result.get("key") == key:
                found[i] = result
    return found


def series_variable(name: str) -> str:
    """The ensemble.nc variable of series ``name``: the name itself, or ``<name>_series`` where a
    per-member summary quantity already has the name (alkalinity_released_mol, max_omega_aragonite)."""
    return f"{name}_series" if name in SUMMARY else name


def write_netcdf(path: Path, design, results: dict, series_names: list, start: str, attrs: dict) -> xr.Dataset:
    """ensemble.nc: per member its parameters, status, error and summary values, and the selected
    time series (named by :func:`series_variable`) at the snapshot times (days since ``start``; NaN where a member did not run or
    failed). Returns the dataset as written (times as days)."""
    n = len(design)
    days = next((r["days"] for r in results.values() if r["status"] == "completed"), [])
    status = np.array([results[i]["status"] if i in results else "not_run" for i in range(n)], dtype=object)
    error = np.array([(results.get(i) or {}).get("error") or "" for i in range(n)], dtype=object)
    ds = xr.Dataset(coords={"member": np.arange(n), "parameter": np.array(design.names, dtype=object),
                            "time": ("time", np.asarray(days, float), {"units": f"days since {start} 00:00:00",
                                                                        "standard_name": "time", "calendar": "standard",
                                                                        "long_name": "snapshot time"})})
    ds["parameter_value"] = (("member", "parameter"), design.values,
                             {"long_name": "the member's parameter values (model units; see ensemble.json)"})
    ds["status"] = ("member", status, {"long_name": "completed, failed (its error in `error`) or not_run"})
    ds["error"] = ("member", error, {"long_name": "why a member failed"})
    table = summary_table(results, n)
    for name, (_, units, long_name) in SUMMARY.items():
        ds[name] = ("member", table[name], {"units": units, "long_name": long_name})

    for name in series_names:
        v = np.full((n, len(days)), np.nan)
        for i, r in results.items():
            if r["status"] == "completed" and name in r["series"]:
                v[i] = r["series"][name]
        var = series_variable(name)
        ds[var] = (("member", "time"), v, {"units": series_units(name), "long_name": name.replace("_", " ")})
    ds.attrs.update({"Conventions": "CF-1.8", "title": "oceancdr ensemble: paired MRV runs per member"} | attrs)
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    ds.to_netcdf(tmp, engine="netcdf4")
    os.replace(tmp, path)
    return ds
