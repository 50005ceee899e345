"""Ensembles: the design, members equal to stand-alone MRV runs, and execution on a 2-worker
LocalCluster (processes) that does not change any member's numbers: across batch sizes and worker
counts, after an interruption and resume, with one member forced to fail, and with a worker killed
mid-run."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from oceancdr.cli import main
from oceancdr.config import ConfigError, config_from_dict, load_config
from oceancdr.ensemble import SUMMARY, Design, design, run_ensemble
from oceancdr.ensemble import run as ensemble_run
from oceancdr.ensemble.cluster import jobqueue_cluster, worker_env
from oceancdr.ensemble.sampling import unit_points
from oceancdr.model import build_model
from oceancdr.mrv import run_mrv

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "oae_box_ensemble.yaml"
SMALL = ["run.days=6", "run.dt_seconds=10800", "output.every_hours=24", "run.progress=false", "ensemble.members=5"]
RTOL = 1e-12


def small(*extra):
    return load_config(CONFIG, SMALL + list(extra))


def assert_same_members(a: dict, b: dict, members):
    """Members equal to round-off in every summary value and time series."""
    for i in members:
        ra, rb = a[i], b[i]
        assert ra["status"] == rb["status"] == "completed", (i, ra.get("error"), rb.get("error"))
        for name in SUMMARY:
            np.testing.assert_allclose(ra["summary"][name], rb["summary"][name], rtol=RTOL, atol=1e-300,
                                       err_msg=f"member {i} {name}")
        for name, values in ra["series"].items():
            np.testing.assert_allclose(values, rb["series"][name], rtol=RTOL, atol=1e-9, err_msg=f"member {i} {name}")


def members_of(out: Path) -> dict:
    return {int(p.stem.split("_")[1]): json.loads(p.read_text()) for p in (out / "members").glob("member_*.json")}


def box_params():
    return build_model(config_from_dict({"grid": {"type": "box", "nx": 1, "ny": 1, "nz": 1},
                                         "circulation": {"type": "none"}})).params


# -- the design ------------------------------------------------------------------------------------
def test_latin_hypercube_puts_one_member_in_every_stratum():
    u = unit_points("latin_hypercube", 20, 3, seed=4)
    for j in range(3):
        assert sorted(np.floor(u[:, j] * 20).astype(int)) == list(range(20))


def test_sobol_and_random_designs_are_sequences():
    for sampler in ("sobol", "random"):
        np.testing.assert_array_equal(unit_points(sampler, 8, 2, seed=3), unit_points(sampler, 32, 2, seed=3)[:8])


def test_distributions_match_scipy_and_respect_bounds():
    cfg = config_from_dict({"ensemble": {"members": 4000, "sampler": "sobol", "seed": 2, "parameters": {
        "gas_transfer_scale": {"distribution": "lognormal", "median": 1.2, "log_sd": 0.3},
        "kh": {"distribution": "uniform", "low": 5.0, "high": 15.0},
        "wind_speed_scale": {"distribution": "truncated_normal", "mean": 1.0, "sd": 0.2, "low": 0.8, "high": 1.5},
        "xco2": {"distribution": "normal", "mean": 420.0, "sd": 3.0},
        "pressure_atm": {"distribution": "uniform", "low": 0.98, "high": 1.02, "relative": True}}}})
    params = box_params()
    d = design(cfg.ensemble, params)
    v = dict(zip(d.names, d.values.T))
    assert abs(np.median(v["gas_transfer_scale"]) - 1.2) < 0.01
    assert abs(np.std(np.log(v["gas_transfer_scale"])) - 0.3) < 0.005
    assert v["kh"].min() >= 5.0 and v["kh"].max() <= 15.0
    w = v["wind_speed_scale"]
    assert w.min() >= 0.8 and w.max() <= 1.5
    truth = stats.truncnorm((0.8 - 1) / 0.2, (1.5 - 1) / 0.2, loc=1, scale=0.2)
    assert stats.kstest(w, truth.cdf).statistic < 0.01
    assert abs(v["xco2"].mean() - 420.0) < 0.05 and abs(v["xco2"].std() - 3.0) < 0.05
    np.testing.assert_allclose([v["pressure_atm"].min(), v["pressure_atm"].max()], [0.98, 1.02], atol=1e-3)


def test_design_errors_name_the_key():
    params = box_params()
    bad = {"no_such_thing": {"distribution": "uniform", "low": 0, "high": 1}}
    with pytest.raises(ConfigError, match=r"ensemble.parameters.no_such_thing: not a scalar parameter.*gas_transfer"):
        design(config_from_dict({"ensemble": {"parameters": bad}}).ensemble, params)
    negative = {"gas_transfer_scale": {"distribution": "normal", "mean": 1.0, "sd": 0.5}}
    with pytest.raises(ConfigError, match=r"ensemble.parameters.gas_transfer_scale: member \d+ gets .*truncated"):
        design(config_from_dict({"ensemble": {"parameters": negative, "members": 200}}).ensemble, params)
    with pytest.raises(ConfigError, match="ensemble.parameters: no uncertain parameters"):
        design(config_from_dict({}).ensemble, params)


# -- runs -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Five members, one at a time, in this process (no Dask)."""
    out = tmp_path_factory.mktemp("reference")
    r = run_ensemble(small("ensemble.batch_size=1", "ensemble.cluster.workers=0"), out)
    return out, r, members_of(out)


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      env=worker_env()) as cluster:
        with Client(cluster) as c:
            yield c


def test_member_equals_a_standalone_mrv_run(reference, tmp_path):
    """Member 2 of the ensemble is `oceancdr mrv` of the model with member 2's parameters."""
    _, r, members = reference
    cfg = small()
    model = build_model(cfg)
    values = members[2]["parameters"]
    model.params.update({k: np.float64(v) for k, v in values.items()})
    single = run_mrv(model, tmp_path, report=False)
    got = members[2]["summary"]
    np.testing.assert_allclose(got["net_removal_t_co2"], single["net_removal"]["net_removal_t_co2"], rtol=RTOL)
    np.testing.assert_allclose(got["eta_max"], single["alkalinity"]["theoretical_efficiency"]["eta_max"], rtol=RTOL)
    np.testing.assert_allclose(members[2]["series"]["uptake_mol"], single["uptake"]["time_series"]["uptake_mol"],
                               rtol=RTOL, atol=1e-9)
    assert [r["design"]["values"][k][2] for k in values] == list(values.values())


def test_ensemble_outputs(reference):
    out, r, _ = reference
    assert r["status"] == "completed" and r["members"] == {"requested": 5, "completed": 5, "failed": 0, "not_run": 0}
    members = members_of(out)
    removal = np.array([members[i]["summary"]["net_removal_t_co2"] for i in range(5)])
    assert r["credited_removal"]["net_removal_t_co2"] == pytest.approx(np.percentile(removal, 5), rel=1e-12)
    assert r["percentiles"]["net_removal_t_co2"]["p50"] == pytest.approx(np.median(removal), rel=1e-12)
    lo, hi = r["credited_removal"]["bootstrap_90_percent_interval_t_co2"]
    assert removal.min() <= lo <= hi <= removal.max()
    v = {k: np.array(x) for k, x in r["design"]["values"].items()}
    rho = r["sensitivity_of_net_removal"]["gas_transfer_scale"]["spearman_rho"]
    assert rho == pytest.approx(stats.spearmanr(v["gas_transfer_scale"], removal).statistic, rel=1e-12)
    # early on, uptake ~ transfer velocity (gas_transfer_scale x wind^2) x the alkalinity added
    drive = v["gas_transfer_scale"] * v["wind_speed_scale"] ** 2 * v["naoh_pulse.amount_mol"]
    assert stats.spearmanr(drive, removal).statistic == pytest.approx(1.0)
    import xarray as xr

    with xr.open_dataset(out / "ensemble.nc") as ds:
        assert ds.sizes["member"] == 5 and ds.sizes["time"] == 7
        np.testing.assert_allclose(np.sort(ds["net_removal_t_co2"].values), np.sort(removal), rtol=1e-15)
        assert list(ds["parameter"].values) == ["gas_transfer_scale", "wind_speed_scale", "naoh_pulse.amount_mol"]
        assert (ds["status"].values == "completed").all()
        assert ds["uptake_mol"].attrs["units"] == "mol" and ds["time"].dtype.kind == "M"
        # a series named like a per-member summary value keeps both: the value per member, the series as _series
        assert ds["alkalinity_released_mol"].dims == ("member",)
        assert ds["alkalinity_released_mol_series"].dims == ("member", "time")
        np.testing.assert_allclose(ds["alkalinity_released_mol_series"][:, -1], ds["alkalinity_released_mol"], rtol=1e-12)
    assert sorted(p.name for p in (out / "figures").iterdir()) == ["efficiency_spread.png", "removal_distribution.png",
                                                                    "sensitivity.png"]


def test_batch_size_and_workers_do_not_change_members(reference, client, tmp_path):
    """Batches of 2 (the last padded) on two worker processes against one member at a time here."""
    r = run_ensemble(small("ensemble.batch_size=2"), tmp_path, client=client)
    assert r["members"]["completed"] == 5 and r["execution"]["where"].startswith("Dask scheduler")
    assert_same_members(members_of(tmp_path), reference[2], range(5))


def test_failed_member_is_recorded_and_the_rest_go_on(reference, client, tmp_path):
    """Member 1 gets a non-finite gas transfer scale; member 0, which shares its batch, and the
    others still match the reference."""
    cfg = small("ensemble.batch_size=2")
    d = design(cfg.ensemble, build_model(cfg).params)
    values = d.values.copy()
    values[1, 0] = np.nan
    r = run_ensemble(cfg, tmp_path, client=client, design_override=Design(d.names, values))
    assert r["status"] == "completed"
    assert r["members"] == {"requested": 5, "completed": 4, "failed": 1, "not_run": 0}
    assert r["failures"][0]["member"] == 1 and "blow-up between day 0 and day 1" in r["failures"][0]["error"]
    assert r["credited_removal"]["members"] == 4 and "net_removal_t_co2_failed_members_as_zero" in r["credited_removal"]
    assert_same_members(members_of(tmp_path), reference[2], [0, 2, 3, 4])


def test_interrupted_ensemble_resumes_and_skips_finished_members(reference, client, tmp_path, monkeypatch):
    cfg = small("ensemble.batch_size=2")
    written = []
    real = ensemble_run.write_member

    def interrupt_after_one_batch(folder, result, key):
        if len(written) == 2:
            raise KeyboardInterrupt
        written.append(result["member"])
        real(folder, result, key)

    monkeypatch.setattr(ensemble_run, "write_member", interrupt_after_one_batch)
    r = run_ensemble(cfg, tmp_path, client=client)
    assert r["status"] == "interrupted" and r["members"]["completed"] == 2 and r["members"]["not_run"] == 3
    first = {i: (tmp_path / "members" / f"member_{i:06d}.json").read_bytes() for i in written}
    monkeypatch.setattr(ensemble_run, "write_member", real)
    r = run_ensemble(cfg, tmp_path, client=client)
    assert r["status"] == "completed" and r["execution"]["members_resumed"] == 2
    assert r["execution"]["members_run_now"] == 3
    assert all((tmp_path / "members" / f"member_{i:06d}.json").read_bytes() == b for i, b in first.items())
    assert_same_members(members_of(tmp_path), reference[2], range(5))


def test_killing_a_worker_mid_run_loses_no_member(reference, client, tmp_path):
    """Kill one worker process as soon as the first member is on disk; Dask reruns its task on the
    other or a restarted worker, and every member ends equal to the reference."""
    cfg = small("ensemble.batch_size=2")
    result = {}
    thread = threading.Thread(target=lambda: result.update(run_ensemble(cfg, tmp_path, client=client)))
    thread.start()
    deadline = time.monotonic() + 300
    while not list((tmp_path / "members").glob("member_*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = client.run(os.getpid)
    os.kill(pids[sorted(pids)[0]], signal.SIGKILL)
    thread.join(600)
    assert pids[sorted(pids)[0]] not in client.run(os.getpid).values()     # it was killed (and restarted)
    assert result["status"] == "completed" and result["members"]["completed"] == 5
    assert_same_members(members_of(tmp_path), reference[2], range(5))


# -- the command line and HPC -----------------------------------------------------------------------
def test_cli_runs_resumes_and_names_bad_keys(reference, tmp_path, capsys):
    args = ["ensemble", str(CONFIG), "--out", str(tmp_path), "--workers", "0", "--batch-size", "1", "--no-figures",
            "--no-progress"] + [a for s in SMALL for a in ("--set", s)]
    assert main(args) == 0
    assert "credited (95 % exceedance)" in capsys.readouterr().out
    assert_same_members(members_of(tmp_path), reference[2], range(5))
    assert main(args + ["--members", "7"]) == 0           # a new Latin hypercube: every member is new
    assert json.loads((tmp_path / "ensemble.json").read_text())["execution"]["members_resumed"] == 0
    assert main(args + ["--set", "ensemble.parameters.bogus={distribution: uniform, low: 0, high: 1}"]) == 2
    assert "ensemble.parameters.bogus: not a scalar parameter" in capsys.readouterr().err
    assert main(args + ["--set", "ensemble.series=[uptake_mol, no_such_series]"]) == 2
    assert "ensemble.series: no_such_series is not a series of this MRV run" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["--workers", "--scheduler"])
def test_cli_starts_a_local_cluster_or_uses_a_scheduler(where, reference, client, tmp_path):
    """The default path (a LocalCluster of its own) and an existing scheduler by address."""
    args = ["ensemble", str(CONFIG), "--out", str(tmp_path), where, "2" if where == "--workers" else
            client.scheduler.address, "--batch-size", "2", "--no-figures"] + [a for s in SMALL for a in ("--set", s)]
    assert main(args) == 0
    where_ran = json.loads((tmp_path / "ensemble.json").read_text())["execution"]["where"]
    assert where_ran.startswith("LocalCluster of 2" if where == "--workers" else "Dask scheduler tcp://")
    assert_same_members(members_of(tmp_path), reference[2], range(5))


def test_sub_steps_hold_for_the_largest_sampled_diffusivity():
    cfg = config_from_dict({"grid": {"nx": 8, "ny": 8, "nz": 4}, "run": {"dt_seconds": 600}, "ensemble": {
        "parameters": {"kh": {"distribution": "uniform", "low": 10, "high": 1e6}}}})
    d = design(cfg.ensemble, build_model(cfg).params)
    with pytest.raises(ConfigError, match="ensemble.parameters: at the largest sampled values, run.dt_seconds: CFL"):
        ensemble_run.model_config(cfg, d)
    mild = Design(d.names, np.minimum(d.values, 60.0))
    assert ensemble_run.model_config(cfg, mild)["circulation"]["kh_m2_s"] == 60.0


def test_jobqueue_example_renders_a_slurm_job_script():
    """docs/examples/ensemble_jobqueue.yaml validates and dask-jobqueue turns it into the job script."""
    cfg = load_config(ROOT / "docs" / "examples" / "ensemble_jobqueue.yaml",
                      ["ensemble.cluster.jobqueue.scheduler_options={dashboard_address: ':0'}"])
    assert cfg.ensemble.cluster.kind == "slurm" and cfg.ensemble.parameters
    with jobqueue_cluster("slurm", cfg.ensemble.cluster.jobqueue) as cluster:
        script = cluster.job_script()
    for line in ("#SBATCH -p normal", "#SBATCH -A my-project", "#SBATCH -t 02:00:00", "--nworkers 8",
                 "source ~/oceancdr/.venv/bin/activate"):
        assert line in script
    with pytest.raises(ConfigError, match="ensemble.cluster.jobqueue: SLURMCluster does not accept"):
        jobqueue_cluster("slurm", {"cores": 8, "memory": "1GB", "no_such_option": 1})


@pytest.mark.skipif(not (Path(sys.prefix) / "bin" / "activate").is_file(), reason="tests not run from a venv")
def test_slurm_batch_script_runs_the_ensemble(reference, tmp_path):
    """docs/examples/ensemble_slurm.sh with `srun` replaced by a shim that runs its command once:
    a scheduler, a worker process and `oceancdr ensemble --scheduler FILE`, as in a SLURM job."""
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "srun").write_text('#!/bin/bash\nwhile [[ "$1" == --* ]]; do shift; done\nexec "$@"\n')
    (shim / "srun").chmod(0o755)
    out = tmp_path / "out"
    env = os.environ | worker_env() | {    # the workers' XLA flags: their compiled program is in the cache
        "PATH": f"{shim}:{os.environ['PATH']}", "VENV": sys.prefix, "CONFIG": str(CONFIG), "MEMBERS": "5",
        "OUT": str(out), "SLURM_JOB_ID": "4242", "EXTRA": "--batch-size 2 " + " ".join(f"--set {a}" for a in SMALL)}
    done = subprocess.run(["bash", str(ROOT / "docs" / "examples" / "ensemble_slurm.sh")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Dask scheduler" in json.loads((out / "ensemble.json").read_text())["execution"]["where"]
    assert_same_members(members_of(out), reference[2], range(5))
    assert not (tmp_path / "dask-scheduler-4242.json").exists()
