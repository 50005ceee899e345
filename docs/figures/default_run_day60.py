"""Regenerate docs/figures/default_run_day60.png from `make run` output:
    .venv/bin/python docs/figures/default_run_day60.py [out/default/output.nc]"""
import sys

import matplotlib
import xarray as xr

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ds = xr.open_dataset(sys.argv[1] if len(sys.argv) > 1 else "out/default/output.nc")
last = ds.isel(time=-1)
fig, ax = plt.subplots(1, 4, figsize=(16, 4.2))
last.temperature.isel(depth=0).plot(ax=ax[0], cmap="RdYlBu_r")
ax[0].set_title("SST (°C), day 60")
last.pco2.plot(ax=ax[1], cmap="viridis")
ax[1].set_title("surface pCO2 (µatm)")
(last.co2_flux * 86400e3).plot(ax=ax[2], cmap="RdBu", center=0, cbar_kwargs={"label": "mmol m-2 d-1"})
ax[2].set_title("air-sea CO2 flux (+ into ocean)")
section = last.temperature.isel(y=30)
section.where(section > 0).plot(ax=ax[3], y="depth", yincrease=False, cmap="RdYlBu_r")
ax[3].set_ylim(300, 0)
ax[3].set_title("temperature section, y = 61 km")
for a in ax[:3]:
    a.set_aspect("equal")
fig.tight_layout()
fig.savefig("docs/figures/default_run_day60.png", dpi=80)
