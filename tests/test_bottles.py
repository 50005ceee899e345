"""Bottle files as initial and boundary profiles (oceancdr.bottles), against the files' own
documented contents and TEOS-10 (gsw) densities."""
from pathlib import Path

import gsw
import numpy as np
import pytest

import oceancdr
from oceancdr.bottles import bottle_profiles, distance_km, read_whp_exchange
from oceancdr.config import ConfigError

DATA = Path(oceancdr.__file__).parent / "data"
WCOA = DATA / "wcoa2013_bottles" / "WCOA2013_hy1.csv"


@pytest.fixture(scope="module")
def wcoa():
    return read_whp_exchange(WCOA)


def test_reads_both_row_orders(wcoa, tmp_path):
    # WCOA2013 (old-Mac line ends, units row before the header): a value is present exactly where
    # its WOCE flag is neither 5 (not reported) nor 9 (not sampled); -999 never survives as a number
    assert set(wcoa["SECT_ID"]) == {"WCOA2013"} and len(wcoa) > 950
    for name in ("TCARBN", "ALKALI", "PH_TOT"):
        np.testing.assert_array_equal(wcoa[name].notna(), ~wcoa[f"{name}_FLAG_W"].isin([5, 9]))
        assert wcoa[name].min() >= 0
    assert wcoa["CTDPRS"].max() == pytest.approx(2530, abs=1)
    # the usual order (header, then units), LF line ends and END_DATA
    text = WCOA.read_bytes().decode("latin-1").replace("\r", "\n").split("\n")
    rows = [r for r in text if r and not r.startswith(("#", "BOTTLE"))]
    swapped = tmp_path / "swapped.csv"
    swapped.write_text("BOTTLE,20240101XYZ\n" + "\n".join([rows[1], rows[0]] + rows[2:12]) + "\nEND_DATA\n")
    head = read_whp_exchange(swapped)
    assert len(head) == 10 and head["TCARBN"].equals(wcoa["TCARBN"].iloc[:10])
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ConfigError, match="EXPOCODE"):
        read_whp_exchange(tmp_path / "other.csv")


def test_profiles_are_bin_medians_in_mmol_per_m3(wcoa):
    lon, lat, radius = -125.0, 48.6, 60.0
    depths = np.array([2.0, 10.0, 30.0, 75.0, 150.0, 400.0])
    prof, summary = bottle_profiles(wcoa, lon, lat, radius, depths, ["temperature", "salinity", "dic", "alk"])
    near = wcoa[distance_km(lon, lat, wcoa["LONGITUDE"].to_numpy(), wcoa["LATITUDE"].to_numpy()) <= radius]
    assert summary["stations"] == near.drop_duplicates(["LATITUDE", "LONGITUDE"]).shape[0] >= 5
    # the top bin (shallower than 6 m): median of the good DIC bottles, converted with TEOS-10 density
    top = near[(near["CTDPRS"] < 6.0) & (near["TCARBN_FLAG_W"] == 2)]
    salinity = top["SALNTY"].where(top["SALNTY"].notna(), top["CTDSAL"]).to_numpy()
    sa = gsw.SA_from_SP(salinity, top["CTDPRS"], top["LONGITUDE"], top["LATITUDE"])
    rho = gsw.rho(sa, gsw.CT_from_t(sa, top["CTDTMP"], top["CTDPRS"]), top["CTDPRS"])
    assert prof["dic"][0] == pytest.approx(np.median(top["TCARBN"].to_numpy() * rho / 1000.0), rel=2e-4)
    # below the deepest bottle the deepest bin is held; the shelf water is denser and richer in DIC at depth
    assert summary["deepest_bottle_m"] < 400 and prof["dic"][-1] == prof["dic"][-2]
    assert np.all(np.diff(prof["salinity"]) >= 0) and prof["dic"][-1] > prof["dic"][0] + 200
    assert 1900 < prof["dic"][0] < 2100 and 2200 < prof["alk"][0] < 2350


def test_clear_errors(wcoa):
    with pytest.raises(ConfigError, match="radius_km"):
        bottle_profiles(wcoa, -124.8, 49.5, 20.0, [5.0], ["dic"])   # Baynes Sound itself: no station
