"""The ``oceancdr`` command: run, mrv, calibrate, ensemble, validate, bench.

Every user-fixable error (config, files, CFL, blow-up) ends in one line on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path


def _common(p: argparse.ArgumentParser, out_default: str | None = "out") -> None:
    p.add_argument("config", help="YAML configuration file")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set grid.nx=20 (repeatable)")
    if out_default is not None:
        p.add_argument("--out", default=out_default, help="output directory (default: %(default)s)")


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="oceancdr", description="Differentiable ocean carbon model for marine CDR and MRV")
    from . import __version__

    ap.add_argument("--version", action="version", version=f"oceancdr {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run a simulation: DIR/output.nc and DIR/summary.json")
    _common(p)
    p.add_argument("--restart", help="continue from a restart.nc written by an earlier run")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p = sub.add_parser("mrv", help="intervention and counterfactual together: DIR/mrv.json, mrv.nc, report.md")
    _common(p, out_default="out/mrv")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--no-report", action="store_true", help="skip report.md and figures/")
    p = sub.add_parser("calibrate", help="fit parameters to observations: DIR/calibration.json and figures")
    _common(p, out_default="out/calibrate")
    p.add_argument("--check-gradient", action="store_true",
                   help="only compare the gradient with finite differences: DIR/gradient_check.json")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--no-figures", action="store_true", help="skip figures/")
    p = sub.add_parser("ensemble", help="paired MRV runs of an uncertain-parameter design on Dask: DIR/ensemble.nc, "
                       "ensemble.json")
    _common(p, out_default="out/ensemble")
    p.add_argument("--members", type=int, help="number of members (default: ensemble.members)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="LocalCluster worker processes (0: run here without Dask)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786, "
                       "or its scheduler file")
    p.add_argument("--batch-size", type=int, help="members per vmapped task (default: ensemble.batch_size)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--no-figures", action="store_true", help="skip figures/")
    p = sub.add_parser("validate", help="check a configuration (exit 0, or 2 with the bad key)")
    _common(p, out_default=None)
    p = sub.add_parser("bench", add_help=False, help="measure throughputs against peers; write JSON and Markdown "
                       "(the options of python -m benchmarks: --quick, --only, --out; see oceancdr bench --help)")
    return ap


def _run(args) -> int:
    from .config import load_config
    from .model import build_model
    from .simulation import run

    cfg = load_config(args.config, args.overrides)
    model = build_model(cfg)
    summary = run(model, args.out, restart=args.restart, progress=False if args.no_progress else None)
    worst = max((b["relative_residual"] for b in summary["budgets"].values()), default=0.0)
    print(f"oceancdr: {summary['steps']} steps ({summary['simulated_days']:g} days) in "
          f"{summary['wall_time_seconds']:.1f} s; worst budget residual {worst:.2e}; wrote {Path(args.out) / 'output.nc'}")
    return 0


def _mrv(args) -> int:
    from .config import load_config
    from .model import build_model
    from .mrv import check_mrv_config, run_mrv

    cfg = load_config(args.config, args.overrides)
    check_mrv_config(cfg)
    model = build_model(cfg)
    r = run_mrv(model, args.out, config_path=args.config, progress=False if args.no_progress else None,
                report=not args.no_report, command=args.command_line)
    up = r["uptake"]
    eta = up["realised_efficiency"]
    print(f"oceancdr: {r['steps']} paired steps ({r['simulated_days']:g} days) in {r['wall_time_seconds']:.1f} s; "
          f"additional uptake {up['additional_co2_uptake_t_co2']:.4g} t CO2"
          + (f", efficiency {eta:.3f}" if eta is not None else "")
          + f", closure {r['budget_closure']['relative_residual']:.1e}; wrote {Path(args.out) / 'mrv.json'}"
          + ("" if args.no_report else f" and {Path(args.out) / 'report.md'}"))
    return 0


def _calibrate(args) -> int:
    from .calibration import calibrate, check_gradient
    from .config import load_config
    from .model import build_model

    cfg = load_config(args.config, args.overrides)
    model = build_model(cfg)
    out = Path(args.out)
    if args.check_gradient:
        r = check_gradient(model, out, config_path=args.config, command=args.command_line)
        print(f"{'parameter':<28} {'adjoint':>14} {'finite diff.':>14} {'rel. error':>10}")
        for row in r["parameters"]:
            print(f"{row['parameter']:<28} {row['adjoint']:>14.7g} {row['finite_difference']:>14.7g} "
                  f"{row['relative_error']:>10.2e}")
        print(f"oceancdr: gradient check {'passed' if r['passed'] else 'FAILED'} (tolerance {r['tolerance']:g}); "
              f"wrote {out / 'gradient_check.json'}")
        return 0 if r["passed"] else 1
    r = calibrate(model, out, config_path=args.config, progress=False if args.no_progress else None,
                  command=args.command_line, figures=not args.no_figures)
    scaled = r["posterior"]["sd_scale_factor"] > 1.0
    print(f"{'parameter':<28} {'initial':>11} {'estimate':>11} {'post. sd':>10}" + (
        f" {'scaled sd':>10}" if scaled else "") + (f" {'true':>11}" if r["twin"] else ""))
    for name, p in r["parameters"].items():
        print(f"{name:<28} {p['initial']:>11.5g} {p['estimate']:>11.5g} {p['posterior_sd']:>10.3g}"
              + (f" {p['posterior_sd_scaled']:>10.3g}" if scaled else "")
              + (f" {p['true_value']:>11.5g}" if "true_value" in p else ""))
    for period, rows in r["misfit"].items():
        if isinstance(rows, dict):
            for v, m in rows.items():
                print(f"  {period:<8} {v:<12} RMSE {m['rmse_before']:.4g} -> {m['rmse_after']:.4g} {m['units']} "
                      f"(baseline {m['baseline_rmse']:.4g}, n = {m['n']})")
    print(f"oceancdr: calibration {r['status']} after {r['optimizer']['iterations']} iterations "
          f"({r['optimizer']['stop_reason']}); wrote {out / 'calibration.json'}")
    return 0 if r["status"] == "done" else 2


def _ensemble(args) -> int:
    from .config import load_config
    from .ensemble import run_ensemble

    overrides = list(args.overrides)
    if args.workers is not None:
        overrides += ["ensemble.cluster.kind=local", f"ensemble.cluster.workers={args.workers}"]
    if args.scheduler is not None:
        overrides += ["ensemble.cluster.kind=scheduler", f"ensemble.cluster.address={args.scheduler}"]
    if args.batch_size is not None:
        overrides.append(f"ensemble.batch_size={args.batch_size}")
    if args.members is not None:
        overrides.append(f"ensemble.members={args.members}")
    cfg = load_config(args.config, overrides)
    out = Path(args.out)
    r = run_ensemble(cfg, out, progress=False if args.no_progress else None, config_path=args.config,
                     command=args.command_line, figures=not args.no_figures)
    m, cr, ex = r["members"], r["credited_removal"], r["execution"]
    pc = r["percentiles"]["net_removal_t_co2"]
    print(f"oceancdr: {m['completed']} of {m['requested']} members completed, {m['failed']} failed, {m['not_run']} not "
          f"run ({ex['members_resumed']} resumed; {ex['wall_time_seconds']:.1f} s on {ex['where']})")
    if cr["net_removal_t_co2"] is not None:
        lo, hi = cr["bootstrap_90_percent_interval_t_co2"]
        print(f"oceancdr: net removal P5 {pc['p5']:.4g}, P50 {pc['p50']:.4g}, P95 {pc['p95']:.4g} t CO2; credited "
              f"({100 * cr['exceedance']:g} % exceedance) {cr['net_removal_t_co2']:.4g} t CO2 (bootstrap 90 %: "
              f"{lo:.4g}-{hi:.4g})")
    for f in r["failures"][:5]:
        print(f"oceancdr: member {f['member']} failed: {f['error']}", file=sys.stderr)
    print(f"oceancdr: wrote {out / 'ensemble.json'} and {out / 'ensemble.nc'}")
    if r["status"] != "completed":
        print(f"oceancdr: error: the ensemble is {r['status']} ({m['not_run']} members not run); run the same command "
              f"again to resume", file=sys.stderr)
        return 2
    return 0


def _validate(args) -> int:
    from .config import load_config
    from .model import build_model

    cfg = load_config(args.config, args.overrides)
    model = build_model(cfg)  # builds the grid and checks the CFL condition too
    nz, ny, nx = model.grid.shape
    print(f"oceancdr: {args.config} is valid ({nx}x{ny}x{nz} grid, {len(model.registry)} tracers, "
          f"{model.step_config.substeps} transport sub-step(s) per {cfg.run.dt_seconds:g} s step)")
    return 0


def main(argv=None) -> int:
    from .config import ConfigError
    from .simulation import SimulationError

    from .compilation_cache import enable_compilation_cache

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:           # its options are those of python -m benchmarks
        from benchmarks import main as bench_main

        return bench_main(argv[1:], prog="oceancdr bench")
    args = _parser().parse_args(argv)
    enable_compilation_cache()
    args.command_line = shlex.join(["oceancdr", *argv])
    handlers = {"run": _run, "mrv": _mrv, "calibrate": _calibrate, "ensemble": _ensemble, "validate": _validate}
    try:
        return handlers[args.command](args)
    except (ConfigError, SimulationError) as err:
        print(f"oceancdr: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
