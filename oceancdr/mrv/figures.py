"""Figures of the MRV report (matplotlib, written as PNG into ``figures/``).

Every figure is drawn from mrv.nc and mrv.json alone, so a verifier can redraw it from the files.
"""
from __future__ import annotations

import numpy as np

from ..plotting import subplots
from .accounting import T_CO2_PER_MOL

DPI = 110


def _save(fig, path):
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    return path.name


def _extent(ds):
    x, y = ds["x"].values, ds["y"].values
    dx, dy = (x[1] - x[0] if len(x) > 1 else 1.0), (y[1] - y[0] if len(y) > 1 else 1.0)
    return [x[0] - dx / 2, x[-1] + dx / 2, y[0] - dy / 2, y[-1] + dy / 2]


def surface_field(ds, name, i):
    """The top layer (or the 2-D map) of ``name`` at time index ``i``."""
    a = ds[name].isel(time=i).values
    return a[0] if a.ndim == 3 else a


def _symmetric(ax, field, extent, cmap, label, fig):
    vmax = float(np.nanmax(np.abs(field))) if np.isfinite(field).any() else 1.0
    im = ax.imshow(np.ma.masked_invalid(field), origin="lower", extent=extent, cmap=cmap,
                   vmin=-vmax or -1.0, vmax=vmax or 1.0, aspect="equal")
    ax.set_facecolor("0.8")
    fig.colorbar(im, ax=ax, shrink=0.85, label=label or "")


def surface_maps(ds, times: list, path, release=None) -> str:
    """Surface excess TA, pCO2 change and pH change at ``times`` (indices into ds.time)."""
    rows = (("delta_alk", "excess TA (mmol m$^{-3}$)", "RdBu_r"), ("delta_pco2", "pCO$_2$ change (µatm)", "PuOr_r"),
            ("delta_ph", "pH change", "RdBu_r"))
    fig, axes = subplots(len(rows), len(times), figsize=(3.9 * len(times), 3.6 * len(rows)), squeeze=False,
                             layout="constrained")
    ext = _extent(ds)
    days = ds["time_day"].values
    for j, i in enumerate(times):
        for r, (name, label, cmap) in enumerate(rows):
            ax = axes[r, j]
            _symmetric(ax, surface_field(ds, name, i), ext, cmap, label if j == len(times) - 1 else None, fig)
            if release is not None:
                ax.plot(*release, marker="*", color="k", ms=9, mfc="none")
            if r == 0:
                ax.set_title(f"day {days[i]:g}")
            if r == len(rows) - 1:
                ax.set_xlabel("x (km)")
            if j == 0:
                ax.set_ylabel("y (km)")
    fig.suptitle("Surface response: intervention minus counterfactual (each map on its own colour scale)")
    return _save(fig, path)


def section(ds, i: int, row: int, path) -> str | None:
    """Vertical x-z section of excess TA and DIC along grid row ``row`` at time index ``i``."""
    if ds["delta_alk"].ndim != 4:
        return None
    x, zb = ds["x"].values, ds["depth_bnds"].values
    edges_z = np.concatenate([zb[:, 0], zb[-1:, 1]])
    dx = x[1] - x[0] if len(x) > 1 else 1.0
    edges_x = np.concatenate([x - dx / 2, [x[-1] + dx / 2]])
    fig, axes = subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    for ax, (name, label) in zip(axes, (("delta_alk", "excess TA (mmol m$^{-3}$)"),
                                        ("delta_dic", "excess DIC (mmol m$^{-3}$)"))):
        a = np.ma.masked_invalid(ds[name].isel(time=i, y=row).values)
        vmax = float(np.abs(a).max()) or 1.0
        im = ax.pcolormesh(edges_x, edges_z, a, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        ax.set_facecolor("0.8")
        ax.invert_yaxis()
        ax.set_yscale("symlog", linthresh=20)
        ax.set_xlabel("x (km)")
        ax.set_ylabel("depth (m)")
        fig.colorbar(im, ax=ax, label=label)
    fig.suptitle(f"Section at y = {float(ds['y'].values[row]):g} km, day {float(ds['time_day'].values[i]):g}")
    return _save(fig, path)


def uptake(ds, eta_max, path) -> str:
    """Cumulative additional uptake and alkalinity released; eta(t) against eta_max."""
    days = ds["time_day"].values
    fig, (a1, a2) = subplots(2, 1, figsize=(7.5, 6.5), sharex=True)
    a1.plot(days, ds["uptake_mol"].values * T_CO2_PER_MOL, color="C0", label="additional CO$_2$ uptake")
    if eta_max is not None:
        a1.plot(days, ds["alkalinity_released_mol"].values * eta_max * T_CO2_PER_MOL, color="C1", ls="--",
                label="theoretical maximum (TA released × η$_{max}$)")
    a1.set_ylabel("t CO$_2$")
    a1.legend(loc="upper left")
    a1.grid(alpha=0.3)
    a2.plot(days, ds["eta"].values, color="C0", label="realised η(t)")
    if eta_max is not None:
        a2.axhline(eta_max, color="C1", ls="--", label=f"η$_{{max}}$ = {eta_max:.3f}")
    a2.set_ylim(bottom=0)
    a2.set_xlabel("day")
    a2.set_ylabel("mol CO$_2$ per mol TA")
    a2.legend(loc="center right")
    a2.grid(alpha=0.3)
    return _save(fig, path)


def budget(terms: dict, residual: float, path) -> str:
    """Bars of the excess-carbon budget at the end: where it sits against where it came from."""
    labels = list(terms)
    values = np.array([terms[k] for k in labels])
    fig, ax = subplots(figsize=(7.5, 0.45 * len(labels) + 1.5))
    colors = ["C0" if k in ("water", "sediment", "farm_stocks", "buried") else "C1" for k in labels]
    ax.barh(labels, values * 1e-3, color=colors)
    ax.axvline(0, color="k", lw=0.8)
    ax.invert_yaxis()
    ax.set_xlabel("kmol C (blue: where the excess carbon is; orange: where it came from)")
    ax.set_title(f"Excess-carbon budget, closure residual {residual:.2e} mol")
    ax.grid(alpha=0.3, axis="x")
    return _save(fig, path)


def side_effects(ds, thresholds, path) -> str:
    """Largest pH change and aragonite saturation, and the detectable fraction, over time."""
    days = ds["time_day"].values
    fig, axes = subplots(3, 1, figsize=(7.5, 8), sharex=True)
    axes[0].plot(days, ds["max_delta_ph"].values, label="largest pH rise")
    axes[0].axhline(thresholds["ph_change"], color="r", ls=":", label=f"threshold {thresholds['ph_change']:g}")
    axes[0].set_ylabel("ΔpH")
    axes[1].plot(days, ds["max_omega_aragonite"].values, label="largest Ω$_{ar}$ (intervention)")
    axes[1].axhline(thresholds["omega_aragonite"], color="r", ls=":",
                    label=f"threshold {thresholds['omega_aragonite']:g}")
    axes[1].set_ylabel("Ω$_{ar}$")
    axes[2].plot(days, 100 * ds["detectable_fraction_pco2"].values, label="|ΔpCO$_2$| ≥ sensor precision")
    axes[2].plot(days, 100 * ds["detectable_fraction_ph"].values, label="|ΔpH| ≥ sensor precision")
    axes[2].set_ylabel("% of sea surface")
    axes[2].set_xlabel("day")
    for ax in axes:
        ax.legend(loc="best", fontsize=8)
        ax.grid(alpha=0.3)
    return _save(fig, path)


def footprint(ds, path, release=None) -> str | None:
    """Map of the cumulative additional uptake per area at the end of the run."""
    if "delta_co2_uptake" not in ds:
        return None
    fig, ax = subplots(figsize=(5, 5.2))
    _symmetric(ax, ds["delta_co2_uptake"].isel(time=-1).values, _extent(ds), "PRGn",
               "cumulative additional uptake (mol m$^{-2}$)", fig)
    if release is not None:
        ax.plot(*release, marker="*", color="k", ms=10, mfc="none")
    ax.set_title(f"Uptake footprint by day {float(ds['time_day'].values[-1]):g}")
    ax.set_xlabel("x (km)")
    ax.set_ylabel("y (km)")
    return _save(fig, path)


def ecosystem(ds, path) -> str | None:
    """Cumulative changes of primary production, export and calcification."""
    names = [(k, lbl) for k, lbl in (("delta_primary_production_mol", "primary production"),
                                      ("delta_export_100m_mol", "POC export at 100 m"),
                                      ("delta_export_mixed_layer_mol", "POC export at the mixed-layer base"),
                                      ("delta_calcification_mol", "calcification")) if k in ds]
    if not names:
        return None
    fig, ax = subplots(figsize=(7.5, 3.8))
    for k, lbl in names:
        ax.plot(ds["time_day"].values, ds[k].values * 1e-3, label=lbl)
    ax.set_xlabel("day")
    ax.set_ylabel("cumulative change (kmol C)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)
