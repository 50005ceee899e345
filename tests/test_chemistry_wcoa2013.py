"""Real-data check: pH(25 C, 0 dbar) computed from DIC, TA, salinity, silicate and
phosphate of the WCOA2013 bottles against the measured spectrophotometric pH.

Selection (reproduces SCIENCE.md's PyCO2SYS numbers, bias +0.0115, RMS 0.0205): bottles
whose TCARBN, ALKALI and PH_TOT flags are all 2 (620 bottles); salinity is the bottle
salinity SALNTY where reported, else the CTD salinity (one of the 620 has neither and is
left out, so 619 are computed); missing nutrients (-999) are taken as 0.
"""

from pathlib import Path

import numpy as np
import pytest

import oceancdr
import PyCO2SYS as pyco2

from oceancdr.bottles import read_whp_exchange
from oceancdr.chemistry import solve_carbonate

BOTTLE_FILE = Path(oceancdr.__file__).parent / "data" / "wcoa2013_bottles" / "WCOA2013_hy1.csv"


def read_wcoa2013(path=BOTTLE_FILE):
    """The numeric columns of the WHP-exchange bottle file as float arrays (missing as NaN)."""
    table = read_whp_exchange(path)
    return {name: table[name].to_numpy(float) for name in table.columns if table[name].dtype.kind in "fi"}


@pytest.fixture(scope="module")
def bottles():
    c = read_wcoa2013()
    good = (c["TCARBN_FLAG_W"] == 2) & (c["ALKALI_FLAG_W"] == 2) & (c["PH_TOT_FLAG_W"] == 2)
    salinity = np.where(c["SALNTY"] > 0, c["SALNTY"], c["CTDSAL"])
    usable = good & (salinity > 0)
    return {
        "n_good": int(good.sum()),
        "dic": c["TCARBN"][usable],
        "alk": c["ALKALI"][usable],
        "salinity": salinity[usable],
        "silicate": np.where(c["SILCAT"][usable] >= 0, c["SILCAT"][usable], 0.0),
        "phosphate": np.where(c["PHSPHT"][usable] >= 0, c["PHSPHT"][usable], 0.0),
        "ph_measured": c["PH_TOT"][usable],
        "ph_temperature": c["PH_TMP"][usable],
    }


def test_wcoa2013_ph_bias_and_rms(bottles):
    b = bottles
    assert b["n_good"] == 620
    assert b["dic"].size == 619
    assert np.all(b["ph_temperature"] == 25.0)
    ours = np.asarray(
        solve_carbonate(b["dic"], b["alk"], 25.0, b["salinity"], 0.0, b["silicate"], b["phosphate"]).ph
    )
    oracle = pyco2.sys(
        par1=b["alk"], par2=b["dic"], par1_type=1, par2_type=2, salinity=b["salinity"],
        temperature=25.0, pressure=0.0, total_silicate=b["silicate"], total_phosphate=b["phosphate"],
    )["pH"]
    diff = ours - b["ph_measured"]
    diff_oracle = oracle - b["ph_measured"]
    bias, rms = diff.mean(), np.sqrt(np.mean(diff**2))
    print(f"WCOA2013 ({diff.size} bottles) computed - measured pH(25 C): bias {bias:+.5f}, RMS {rms:.5f}")
    print(f"PyCO2SYS: bias {diff_oracle.mean():+.5f}, RMS {np.sqrt(np.mean(diff_oracle**2)):.5f}")
    assert bias == pytest.approx(0.0115, abs=1e-4)
    assert rms == pytest.approx(0.0205, abs=1e-4)
    np.testing.assert_allclose(ours, oracle, rtol=0, atol=1e-9)
