"""From member results to ensemble.json's numbers: percentiles, the credited removal, sensitivity.

Percentiles are numpy's default (linear interpolation between order statistics, Hyndman & Fan 1996
type 7) over the completed members. The credited removal is the net removal exceeded by a fraction
``exceedance`` of the members (its 1 - exceedance quantile; P5 for the usual 95 %), with a
percentile-bootstrap interval of that quantile (Efron & Tibshirani 1993) that shows whether the
ensemble is large enough to pin it down. Failed members are left out of the percentiles; the
credited removal with them counted as zero removal is given too, the conservative reading.
Sensitivity is Spearman's rank correlation of each parameter with the net removal.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from .batch import SUMMARY

BOOTSTRAP_RESAMPLES = 2000


def percentiles(values) -> dict:
    """P5, P50, P95, mean, sd and count of the finite ``values`` (None when there are none)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"p5": None, "p50": None, "p95": None, "mean": None, "sd": None, "n": 0}
    p5, p50, p95 = np.percentile(v, [5, 50, 95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95), "mean": float(v.mean()),
            "sd": float(v.std(ddof=1)) if v.size > 1 else 0.0, "n": int(v.size)}


def credited(removal, exceedance: float, failed: int, seed: int) -> dict:
    """The removal exceeded by ``exceedance`` of the members, its bootstrap 90 % interval, and the
    same quantile with ``failed`` members counted as zero removal."""
    v = np.asarray(removal, float)
    v = v[np.isfinite(v)]
    q = round(100.0 * (1.0 - exceedance), 10)
    out = {"exceedance": exceedance, "quantile_percent": q, "members": int(v.size)}
    if v.size == 0:
        return out | {"net_removal_t_co2": None}
    rng = np.random.default_rng(seed)
    boot = np.percentile(v[rng.integers(0, v.size, (BOOTSTRAP_RESAMPLES, v.size))], q, axis=1)
    out |= {"net_removal_t_co2": float(np.percentile(v, q)),
            "bootstrap_90_percent_interval_t_co2": [float(b) for b in np.percentile(boot, [5, 95])],
            "median_net_removal_t_co2": float(np.median(v))}
    if failed:
        out["net_removal_t_co2_failed_members_as_zero"] = float(np.percentile(np.concatenate([v, np.zeros(failed)]), q))
    return out


def sensitivity(design, removal) -> dict:
    """Spearman's rank correlation (and p-value) of each parameter with the net removal."""
    v = np.asarray(removal, float)
    ok = np.isfinite(v)
    out = {}
    for j, name in enumerate(design.names):
        x = design.values[ok, j]
        if ok.sum() < 3 or np.ptp(x) == 0 or np.ptp(v[ok]) == 0:
            out[name] = {"spearman_rho": None, "p_value": None}
            continue
        r = stats.spearmanr(x, v[ok])
        out[name] = {"spearman_rho": float(r.statistic), "p_value": float(r.pvalue)}
    return out


def summary_table(results: dict, n: int) -> dict:
    """name -> (n,) values of each :data:`SUMMARY` quantity (NaN for members without one)."""
    return {name: np.array([results[i]["summary"][name] if results.get(i, {}).get("status") == "completed"
                            else np.nan for i in range(n)]) for name in SUMMARY}


def statistics(design, results: dict, exceedance: float, seed: int) -> dict:
    """The statistics blocks of ensemble.json."""
    n = len(design)
    table = summary_table(results, n)
    failed = sum(1 for r in results.values() if r["status"] == "failed")
    return {"credited_removal": credited(table["net_removal_t_co2"], exceedance, failed, seed),
            "percentiles": {name: percentiles(table[name]) | {"units": units, "long_name": long_name}
                            for name, (_, units, long_name) in SUMMARY.items()},
            "sensitivity_of_net_removal": sensitivity(design, table["net_removal_t_co2"])}
