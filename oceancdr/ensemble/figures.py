"""Figures of an ensemble: the distribution of removal, the spread of eta(t), and what drives removal."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..plotting import subplots


def removal_distribution(ax, removal, result) -> None:
    """Histogram of net removal with P5 (credited), P50 and P95 and the credited value's bootstrap interval."""
    v = removal[np.isfinite(removal)]
    cr = result["credited_removal"]
    pc = result["percentiles"]["net_removal_t_co2"]
    ax.hist(v, bins=max(5, min(40, v.size // 3)), color="0.75", edgecolor="0.4")
    lo, hi = cr["bootstrap_90_percent_interval_t_co2"]
    ax.axvspan(lo, hi, color="tab:red", alpha=0.15, label="bootstrap 90 % interval of the credited value")
    ax.axvline(cr["net_removal_t_co2"], color="tab:red", lw=2,
               label=f"credited ({100 * cr['exceedance']:g} % exceedance): {cr['net_removal_t_co2']:.4g} t")
    ax.axvline(pc["p50"], color="k", ls="--", label=f"P50: {pc['p50']:.4g} t")
    ax.axvline(pc["p95"], color="k", ls=":", label=f"P95: {pc['p95']:.4g} t")
    ax.set_xlabel("net CO2 removal (t CO2)")
    ax.set_ylabel("members")
    ax.set_title(f"Removal over {cr['members']} completed members")
    ax.legend(fontsize=8)


def efficiency_spread(ax, ds) -> None:
    """eta(t) of every member, its P5-P95 band and median, against the median eta_max."""
    eta = ds["eta"].values
    days = ds["time"].values          # days since run.start
    ok = np.isfinite(eta).any(axis=1)
    for row in eta[ok]:
        ax.plot(days, row, color="0.6", lw=0.5, alpha=0.5)
    with warnings.catch_warnings():        # eta is undefined before any alkalinity is released
        warnings.simplefilter("ignore", RuntimeWarning)
        p5, p50, p95 = np.nanpercentile(eta[ok], [5, 50, 95], axis=0)
    ax.fill_between(days, p5, p95, color="tab:blue", alpha=0.25, label="P5-P95")
    ax.plot(days, p50, color="tab:blue", lw=2, label="median")
    ax.axhline(float(np.nanmedian(ds["eta_max"].values)), color="k", ls="--", label="eta_max (median)")
    ax.set_xlabel("day")
    ax.set_ylabel("eta = additional uptake / alkalinity released")
    ax.set_title("Realised efficiency of every member")
    ax.legend(fontsize=8)


def sensitivity(fig, ds, result) -> None:
    """Net removal against each parameter, with Spearman's rho."""
    names = list(ds["parameter"].values)
    removal = ds["net_removal_t_co2"].values
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for j, (ax, name) in enumerate(zip(axes, names)):
        ax.scatter(ds["parameter_value"].values[:, j], removal, s=12, color="tab:green")
        rho = result["sensitivity_of_net_removal"][name]["spearman_rho"]
        ax.set_title(f"{name}\nrho = {rho:.2f}" if rho is not None else name, fontsize=9)
        ax.set_xlabel(name, fontsize=8)
    axes[0].set_ylabel("net removal (t CO2)")


def write_figures(folder: Path, ds, result) -> list[str]:
    """Write the ensemble's figures into ``folder``; return their file names."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []

    def save(fig, name):
        fig.tight_layout()
        fig.savefig(folder / name, dpi=110)
        written.append(f"figures/{name}")

    fig, ax = subplots(figsize=(7, 4.2))
    removal_distribution(ax, ds["net_removal_t_co2"].values, result)
    save(fig, "removal_distribution.png")
    if "eta" in ds:
        fig, ax = subplots(figsize=(7, 4.2))
        efficiency_spread(ax, ds)
        save(fig, "efficiency_spread.png")
    fig = Figure(figsize=(3.2 * ds.sizes["parameter"] + 0.6, 3.4))
    sensitivity(fig, ds, result)
    save(fig, "sensitivity.png")
    return written
