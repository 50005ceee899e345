"""Figures of a calibration: model against observations before and after, loss history, estimates."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..plotting import subplots
from .observations import VARIABLES


def _timeseries(path, objective, before, after, fit, held, variables):
    t = objective.plan.table.time
    obs = objective.observed
    fig, axes = subplots(len(variables), 1, figsize=(11, 2.8 * len(variables)), squeeze=False, sharex=True)
    for ax, v in zip(axes[:, 0], variables):
        s = objective.plan.table.variable == v
        order = np.argsort(t[s])
        ts = t[s][order]
        ax.plot(ts, obs[s][order], ".", ms=2, color="0.3", label="observed")
        ax.plot(ts, before[s][order], ".", ms=1.5, color="tab:orange", alpha=0.7, label="model before")
        ax.plot(ts, after[s][order], ".", ms=1.5, color="tab:blue", alpha=0.8, label="model after")
        for sel, colour, label in ((fit, "tab:green", "fitted"), (held, "tab:purple", "held out")):
            if (sel & s).any():
                ax.axvspan(t[sel & s].min(), t[sel & s].max(), color=colour, alpha=0.08, label=label)
        ax.set_ylabel(f"{v} ({VARIABLES[v][0]})")
    axes[0, 0].legend(loc="upper left", ncol=5, fontsize=8, markerscale=4)
    axes[0, 0].set_title("Model equivalents against the observations, before and after calibration")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _scatter(path, objective, before, after, fit, held, variables, misfit):
    obs = objective.observed
    fig, axes = subplots(1, len(variables), figsize=(4.2 * len(variables), 4), squeeze=False)
    for ax, v in zip(axes[0], variables):
        s = objective.plan.table.variable == v
        for pred, colour, label in ((before, "tab:orange", "before"), (after, "tab:blue", "after")):
            ax.plot(obs[s], pred[s], ".", ms=2, color=colour, alpha=0.5, label=label)
        lo, hi = np.nanmin(obs[s]), np.nanmax(obs[s])
        ax.plot([lo, hi], [lo, hi], "k-", lw=0.8)
        m = misfit.get("holdout", misfit.get("fit", {})).get(v, {})
        ax.set_title(f"{v}: RMSE {m.get('rmse_before', np.nan):.3g} -> {m.get('rmse_after', np.nan):.3g}"
                     + (" (held out)" if "holdout" in misfit and v in misfit["holdout"] else " (fit)"), fontsize=9)
        ax.set_xlabel(f"observed ({VARIABLES[v][0]})")
        ax.set_ylabel("model")
        ax.legend(fontsize=8, markerscale=4)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _history(path, history):
    fig, ax = subplots(1, 2, figsize=(10, 3.5))
    it = [h["iteration"] for h in history]
    ax[0].semilogy(it, [h["loss_per_observation"] for h in history], "o-", ms=3)
    ax[0].set_xlabel("iteration")
    ax[0].set_ylabel("loss per fitted observation")
    ax[1].semilogy(it, [max(h["gradient_norm"], 1e-300) for h in history], "o-", ms=3, color="tab:red")
    ax[1].set_xlabel("iteration")
    ax[1].set_ylabel("gradient norm per observation")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _parameters(path, table):
    names = list(table)
    fig, ax = subplots(figsize=(1.2 * len(names) + 3, 3.8))
    for i, n in enumerate(names):
        row = table[n]
        ref = row.get("true_value", row["initial"]) or 1.0
        lo, hi = row.get("interval_95", [row["estimate"]] * 2)
        ax.errorbar(i, row["estimate"] / ref, yerr=[[(row["estimate"] - lo) / ref], [(hi - row["estimate"]) / ref]],
                    fmt="o", color="tab:blue", capsize=4, label="estimate, 95 % interval" if i == 0 else None)
        ax.plot(i, row["initial"] / ref, "x", color="tab:orange", label="start" if i == 0 else None)
    ax.axhline(1.0, color="k", lw=0.8, label="true value" if "true_value" in table[names[0]] else "start")
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("value / " + ("true value" if "true_value" in table[names[0]] else "start"))
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def calibration_figures(folder: Path, objective, before, after, fit, held, result) -> list[str]:
    """Write the calibration figures into ``folder``; return their names."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    variables = [v for v in VARIABLES if v in set(objective.plan.table.variable)]
    _timeseries(folder / "fit_timeseries.png", objective, before, after, fit, held, variables)
    _scatter(folder / "fit_scatter.png", objective, before, after, fit, held, variables, result["misfit"])
    _history(folder / "loss_history.png", result["optimizer"]["history"])
    _parameters(folder / "parameters.png", result["parameters"])
    return ["fit_timeseries.png", "fit_scatter.png", "loss_history.png", "parameters.png"]
