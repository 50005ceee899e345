"""The Baynes Sound domain of configs/baynes_sound.yaml: model depth with the diagnosed current and
the farm, and the bottle profiles that start and bound it. Run from the repository root:
``python docs/figures/baynes_sound_domain.py`` (writes docs/figures/baynes_sound_domain.png)."""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from oceancdr.bottles import bottle_profiles, distance_km, read_whp_exchange
from oceancdr.config import load_config
from oceancdr.model import build_model
from oceancdr.readers.regrid import grid_angle, rotate

ROOT = Path(__file__).resolve().parents[2]


def main(out=ROOT / "docs" / "figures" / "baynes_sound_domain.png"):
    cfg = load_config(ROOT / "configs" / "baynes_sound.yaml", ["run.progress=false"])
    m = build_model(cfg)
    g = m.grid
    lon, lat, depth = (np.asarray(a, float) for a in (g.lon, g.lat, g.depth))
    wet = np.asarray(g.mask)[0] > 0
    # surface current of the pattern at 1 m/s mean speed, at cell centres in grid axes, then east/north
    U, V = np.asarray(m.forcing.U[0][0]), np.asarray(m.forcing.V[0][0])
    ax_, ay_ = np.asarray(g.ax[0]), np.asarray(g.ay[0])
    u = np.divide(U, ax_, out=np.zeros_like(U), where=ax_ > 0)
    v = np.divide(V, ay_, out=np.zeros_like(V), where=ay_ > 0)
    uc, vc = 0.5 * (u[:, 1:] + u[:, :-1]), 0.5 * (v[1:] + v[:-1])
    east, north = rotate(uc, vc, grid_angle(lon, lat))
    speed = (abs(cfg.circulation.alongshore_speed_m_s) + cfg.circulation.tidal_speed_m_s)

    fig = plt.figure(figsize=(11, 6.2))
    ax = fig.add_axes([0.08, 0.08, 0.34, 0.86])
    pc = ax.pcolormesh(lon, lat, np.where(wet, depth, np.nan), cmap="Blues", shading="nearest")
    fig.colorbar(pc, ax=ax, label="model depth (m)", shrink=0.7)
    s = 2
    ax.quiver(lon[::s, ::s], lat[::s, ::s], np.where(wet, east, np.nan)[::s, ::s] * speed,
              np.where(wet, north, np.nan)[::s, ::s] * speed, scale=4, width=0.003, color="k")
    farm = np.asarray(cfg.interventions[0].footprint.vertices)
    ax.fill(farm[:, 0], farm[:, 1], facecolor="none", edgecolor="crimson", lw=2, label="bivalve farm")
    ax.set_aspect(1 / np.cos(np.radians(49.6)))
    ax.xaxis.set_major_locator(plt.MaxNLocator(4))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_title(f"grid {g.shape[2]}×{g.shape[1]}×{g.shape[0]}; peak flood current (m/s)", fontsize=10)
    ax.legend(loc="lower left", fontsize=8)

    b = cfg.hydrography.bottles
    table = read_whp_exchange(b.file)
    near = table[distance_km(b.lon, b.lat, table["LONGITUDE"].to_numpy(), table["LATITUDE"].to_numpy()) <= b.radius_km]
    z = np.linspace(0, float(np.asarray(g.z_face)[-1]), 200)
    names = [("temperature", "CTDTMP", "T (°C)"), ("salinity", "CTDSAL", "S"), ("dic", "TCARBN", "DIC"),
             ("alk", "ALKALI", "TA")]
    prof, summary = bottle_profiles(table, b.lon, b.lat, b.radius_km, z, [n for n, *_ in names])
    levels, _ = bottle_profiles(table, b.lon, b.lat, b.radius_km, np.asarray(g.z_center), [n for n, *_ in names])
    for i, (name, column, label) in enumerate(names):
        a = fig.add_axes([0.5 + 0.125 * i, 0.08, 0.1, 0.8])
        flag = f"{column}_FLAG_W"
        values = near[column].where(near[flag] == 2) if flag in near else near[column]
        a.plot(values, near["CTDPRS"], ".", color="0.6", ms=4, label="bottles (per kg)")
        a.plot(prof[name] if name in ("temperature", "salinity") else prof[name] * 1000 / 1025, z, "C0-", lw=1.5,
               label="profile")
        a.plot(levels[name] if name in ("temperature", "salinity") else levels[name] * 1000 / 1025,
               np.asarray(g.z_center), "C3o", ms=4, label="model levels")
        a.set_ylim(z[-1], 0)
        a.set_xlabel(label + ("" if name in ("temperature", "salinity") else " (µmol/kg)"), fontsize=9)
        a.tick_params(labelsize=8)
        if i == 0:
            a.set_ylabel("depth (m)")
            a.legend(fontsize=7, loc="lower left")
        else:
            a.set_yticklabels([])
    fig.text(0.47, 0.93, f"WCOA2013 bottles: {summary['stations']} stations, {summary['bottles']} bottles within "
                        f"{b.radius_km:g} km of ({b.lon}, {b.lat}), {', '.join(summary['dates'])}", fontsize=9)
    fig.savefig(out, dpi=100)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
