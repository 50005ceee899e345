"""Regenerate docs/figures/default_run_day60.png from the default run
(`oceancdr run configs/default.yaml --out out/default`):
    .venv/bin/python docs/figures/default_run_day60.py [out/default/output.nc]"""
import sys

import matplotlib
import xarray as xr

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ds = xr.open_dataset(sys.argv[1] if len(sys.argv) > 1 else "out/default/output.nc")
last = ds.isel(time=-1)
mid = ds.sizes["y"] // 2
y_km = float(ds.y[mid])
fig, ax = plt.subplots(2, 4, figsize=(16, 8.4))
maps = [
    (last.temperature.isel(depth=0), dict(cmap="RdYlBu_r"), "SST (°C), day 60"),
    (last.pco2, dict(cmap="viridis"), "surface pCO2 (µatm)"),
    (last.co2_flux * 86400e3, dict(cmap="RdBu", center=0, cbar_kwargs={"label": "mmol m-2 d-1"}),
     "air-sea CO2 flux (+ into ocean)"),
    (last.chlorophyll.isel(depth=0), dict(cmap="YlGn", cbar_kwargs={"label": "mg m-3"}), "surface chlorophyll"),
    (last.primary_production * 12.011e-3, dict(cmap="YlGn", cbar_kwargs={"label": "g C m-2 d-1"}),
     "primary production (last day)"),
]
for a, (field, kw, title) in zip(list(ax[0, :3]) + list(ax[1, :2]), maps):
    field.plot(ax=a, **kw)
    a.set_title(title)
    a.set_aspect("equal")
sections = [(ax[0, 3], "temperature", "RdYlBu_r"), (ax[1, 2], "no3", "viridis"), (ax[1, 3], "o2", "magma")]
for a, name, cmap in sections:
    s = last[name].isel(y=mid)
    s.where(ds.cell_volume.isel(y=mid) > 0).plot(ax=a, y="depth", yincrease=False, cmap=cmap)
    a.set_ylim(300, 0)
    a.set_title(f"{name} section, y = {y_km:.0f} km")
fig.tight_layout()
fig.savefig("docs/figures/default_run_day60.png", dpi=70)
