"""Derive the model inputs of the Casco Bay box (configs/cascobay.yaml) from the mooring record.

    python oceancdr/data/cascobay_mooring/prepare.py [OUTDIR]      (default: this folder)

Reads ``CascoBayOAData.csv`` (UNH OA mooring at the SMCC pier, South Portland, Maine; hourly,
times from the yyyy/mm/dd/hh columns, UTC) and ``weather_data.csv`` (Portland Jetport daily
NOAA GHCN summaries, dates m/d/yyyy) next to this script and writes, for 2015-04-23T00:00Z to
2016-11-08T00:00Z inclusive (the model's run.start and run.start + run.days):

* ``forcing_2015_2016.csv``: hourly ``time`` (ISO 8601 UTC), ``temperature_c`` (degC),
  ``salinity`` (PSS-78), ``wind_speed_m_s`` (m s-1) and ``filled`` (1 where temperature or
  salinity was not measured that hour and comes from linear interpolation in time across the
  gap, or from holding the first/last value outside the record; else 0). Wind: daily mean AWND
  placed at 12:00 UTC of its day, linearly interpolated to the hours. Values rounded to 4
  decimals.
* ``observations_2015_2016.csv``: the calibration's observation table (``time, lon, lat, depth,
  variable, value, sigma``), one row per measured value: ``pco2`` (column co2, SAMI-CO2, uatm,
  sigma 10) and ``ph`` (column ph, SeaFET, total scale, sigma 0.02) at the mooring (lon -70.2283,
  lat 43.6512, 2.5 m). Derived columns (omega_a/omega_c, TA_calc, co2_thermal, co2_corr) are not
  used. Values are written as in the source file.

Only numpy and pandas are needed; the output is deterministic (tests/test_exchange.py checks that
a fresh run reproduces the shipped files byte for byte). See SOURCE.txt for the sigma choice.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
START = pd.Timestamp("2015-04-23T00:00:00Z")
END = pd.Timestamp("2016-11-08T00:00:00Z")
LON, LAT, DEPTH_M = -70.2283, 43.6512, 2.5
# variable name in the observation table -> (column of CascoBayOAData.csv, sigma in its units)
OBSERVED = {"pco2": ("co2", 10.0), "ph": ("ph", 0.02)}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def read_mooring(path: Path) -> pd.DataFrame:
    """The mooring table indexed by UTC hour (from yyyy, mm, dd, hh), sorted, without duplicates."""
    d = pd.read_csv(path, na_values=["NA"])
    d.index = pd.to_datetime(dict(year=d.yyyy, month=d.mm, day=d.dd, hour=d.hh), utc=True)
    d = d[~d.index.duplicated(keep="first")].sort_index()
    return d


def seconds(times) -> np.ndarray:
    """Seconds since START (float64) of UTC timestamps, whatever their pandas resolution."""
    return np.asarray((pd.DatetimeIndex(times) - START) / pd.Timedelta(seconds=1), dtype=np.float64)


def interpolate(hours, times, values: np.ndarray) -> np.ndarray:
    """Linear interpolation in time of the finite ``values`` at ``times`` onto ``hours`` (end
    values held outside the record)."""
    ok = np.isfinite(values)
    return np.interp(seconds(hours), seconds(times)[ok], values[ok])


def forcing_table(mooring: pd.DataFrame, weather: pd.DataFrame) -> pd.DataFrame:
    hours = pd.date_range(START, END, freq="h")
    out = pd.DataFrame({"time": hours.strftime(TIME_FORMAT)})
    filled = np.zeros(len(hours), bool)
    for column, name in (("temp", "temperature_c"), ("sal", "salinity")):
        values = mooring[column].to_numpy(float)
        out[name] = interpolate(hours, mooring.index, values).round(4)
        measured = mooring.index[np.isfinite(values)]
        filled |= ~hours.isin(measured)
    days = pd.to_datetime(weather["date"], format="%m/%d/%Y", utc=True) + pd.Timedelta(hours=12)
    out["wind_speed_m_s"] = interpolate(hours, days, weather["AWND"].to_numpy(float)).round(4)
    out["filled"] = filled.astype(int)
    return out


def observation_table(mooring: pd.DataFrame) -> pd.DataFrame:
    period = mooring[(mooring.index >= START) & (mooring.index <= END)]
    rows = []
    for t, row in period.iterrows():
        for variable, (column, sigma) in OBSERVED.items():
            value = row[column]
            if np.isfinite(value):
                rows.append((t.strftime(TIME_FORMAT), LON, LAT, DEPTH_M, variable, f"{value:.10g}", sigma))
    return pd.DataFrame(rows, columns=["time", "lon", "lat", "depth", "variable", "value", "sigma"])


def main(outdir: str | Path = HERE) -> tuple[Path, Path]:
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    mooring = read_mooring(HERE / "CascoBayOAData.csv")
    weather = pd.read_csv(HERE / "weather_data.csv")
    forcing = forcing_table(mooring, weather)
    observations = observation_table(mooring)
    paths = outdir / "forcing_2015_2016.csv", outdir / "observations_2015_2016.csv"
    forcing.to_csv(paths[0], index=False, float_format="%.4f", lineterminator="\n")
    observations.to_csv(paths[1], index=False, lineterminator="\n")
    for path, table in zip(paths, (forcing, observations)):
        print(f"wrote {path} ({len(table)} rows)")
    return paths


if __name__ == "__main__":
    main(*sys.argv[1:2])
