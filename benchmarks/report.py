"""Markdown tables of a benchmark run (the JSON of :func:`benchmarks.run_all`) and the targets of
issue 9, each with the number it was judged on."""
from __future__ import annotations

import math


def _fmt(x) -> str:
    if x is None:
        return "–"
    if isinstance(x, str):
        return x
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    if x == 0 or not math.isfinite(x):
        return f"{x}"
    return f"{x:.3g}" if 1e-3 <= abs(x) < 1e5 else f"{x:.2e}"


def table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _bound(row, key):
    return row.get(key, {}).get("times_the_bound")


def transport(rows) -> str:
    return table(
        ["grid", "precision", "sub-steps", "model step, tracer-cell updates/s", "update, tracer-cell updates/s",
         "Veros superbee fluxes/s", "update / Veros", "NumPy update/s", "update / NumPy",
         "XLA bytes per cell-update", "x bound (XLA bytes)", "x bound (minimum bytes)",
         "triad GB/s, tracer array", "update in triads"],
        [[r["grid"], r["precision"], r["substeps"], r["model_step_tracer_cell_updates_per_second"],
          r["update_tracer_cell_updates_per_second"], r["veros"].get("tracer_cell_fluxes_per_second",
                                                                      r["veros"].get("error")),
          r.get("ratio_to_veros_flux_kernel"), r["numpy_tracer_cell_updates_per_second"], r["ratio_to_numpy"],
          r["xla_bytes_per_cell_update"], _bound(r, "roofline_xla_bytes"), _bound(r, "roofline_minimum_bytes"),
          r.get("triad_gb_per_s_tracer_array"), r.get("update_in_triads")]
         for r in rows]) + "\n\n" + hand_written(rows)


def hand_written(rows) -> str:
    """Our update and its advection alone against the same hand-written in C++
    (benchmarks.peers.cxx_transport), each also against Veros's flux kernel (fluxes only)."""
    def veros_ratio(rate, r):
        veros = r["veros"].get("tracer_cell_fluxes_per_second")
        return rate / veros if rate and veros else None

    rows = [r for r in rows if "cxx_update" in r]
    if not rows:
        return ""
    return "Hand-written in C++ (the same update, and its advection without the horizontal diffusion):\n\n" + table(
        ["grid", "precision", "C++ update, tracer-cell updates/s", "C++ / our update", "C++ update / Veros fluxes",
         "our advection, tracer-cell updates/s", "C++ advection, tracer-cell updates/s", "C++ / our advection",
         "our advection / Veros fluxes", "C++ advection / Veros fluxes"],
        [[r["grid"], r["precision"],
          r["cxx_update"].get("tracer_cell_updates_per_second", r["cxx_update"].get("error")),
          r["cxx_update"].get("times_faster_than_ours"),
          veros_ratio(r["cxx_update"].get("tracer_cell_updates_per_second"), r),
          r["advect_tracer_cell_updates_per_second"],
          r["cxx_advect"].get("tracer_cell_updates_per_second", r["cxx_advect"].get("error")),
          r["cxx_advect"].get("times_faster_than_ours"),
          veros_ratio(r["advect_tracer_cell_updates_per_second"], r),
          veros_ratio(r["cxx_advect"].get("tracer_cell_updates_per_second"), r)] for r in rows])


def carbonate(r) -> str:
    return table(["solver", "solves/s", "ratio to PyCO2SYS (defaults)"],
                 [["oceancdr float64", r["solves_per_second_float64"], r["ratio_float64_vs_pyco2sys"]],
                  ["oceancdr float32", r["solves_per_second_float32"], r["ratio_float32_vs_pyco2sys"]],
                  [f"PyCO2SYS {r['pyco2sys_version']} defaults", r["solves_per_second_pyco2sys"], 1.0],
                  ["PyCO2SYS without buffer factors", r["solves_per_second_pyco2sys_no_buffers"],
                   r["solves_per_second_pyco2sys_no_buffers"] / r["solves_per_second_pyco2sys"]]]) + (
        f"\n\n{r['n_points']:.0e} random ocean points; {r['pyco2sys_rate_note']}.")


def step(rows) -> str:
    return table(["grid", "precision", "tracers", "sub-steps", "cell-steps/s", "tracer-cell-steps/s",
                  "bytes per cell", "bytes per cell, state donated", "minimum bytes per cell-step",
                  "x bound (minimum bytes)"],
                 [[r["grid"], r["precision"], r["tracers"], r["substeps"], r["cell_steps_per_second"],
                   r["tracer_cell_steps_per_second"], r["bytes_per_cell"], r["bytes_per_cell_donated"],
                   r["minimum_bytes_per_cell_step"], _bound(r, "roofline_minimum_bytes")]
                  for r in rows])


def reactions(rows) -> str:
    return table(["grid", "precision", "reactions us/cell", "without carbonate solve", "physics step us/cell",
                  "full step us/cell", "reactions / physics"],
                 [[r["grid"], r["precision"], r["reactions_us_per_cell"], r["reactions_without_carbonate_solve_us_per_cell"],
                   r["physics_step_us_per_cell"], r["full_step_us_per_cell"], r["reactions_over_physics_step"]]
                  for r in rows])


def gradient(rows) -> str:
    return table(["model", "tracers", "grid", "steps", "segment", "forward s", "gradient s", "gradient / forward",
                  "forward MB", "gradient MB (checkpointed)", "gradient MB (one segment: every state stored)"],
                 [[r.get("model", "physics"), r.get("tracers", 4), "x".join(map(str, r["grid"][::-1])), r["steps"],
                   r["segment"], r["forward_s"], r["gradient_s"], r["time_ratio"], r["forward_bytes"] / 1e6,
                   r["gradient_bytes"] / 1e6,
                   r["gradient_unchecked_bytes"] / 1e6 if "gradient_unchecked_bytes" in r else None]
                  for r in rows])


def precision(r) -> str:
    rows = [[k, v["float64"], v["float32"], v["relative_difference"]] for k, v in r.items() if isinstance(v, dict)]
    return table(["MRV number", "float64", "float32", "relative difference"], rows) + (
        f"\n\nBudget closure: float64 {_fmt(r['float64_closure'])}, float32 {_fmt(r['float32_closure'])}; wall time "
        f"{_fmt(r['float64_wall_seconds'])} s and {_fmt(r['float32_wall_seconds'])} s ({r['config']} "
        f"{' '.join(r['overrides'])}).")


def ensemble(r) -> str:
    return table(["case", "workers", "batch", "members/s", "batching gain", "scaling efficiency"],
                 [[x["case"], x["workers"], x["batch_size"], x["members_per_second"], x["batching_gain"],
                   x.get("scaling_efficiency")] for x in r["rows"]]) + (
        f"\n\nTwo plain processes (no Dask), batch 4: scaling efficiency "
        f"{_fmt(r['plain_two_process_efficiency_batch_4'])}.")


def _slope(rows, key):
    """Growth exponent of ``key`` with steps between the first and last row (1: linear)."""
    a, b = rows[0], rows[-1]
    return math.log(b[key] / a[key]) / math.log(b["steps"] / a["steps"])


def targets(res) -> list[list]:
    """(target, measured, met) for each target of issue 9 that this run measured."""
    out = []
    if isinstance(res.get("transport"), list):
        for prec in ("float64", "float32"):
            ratios = [r["ratio_to_veros_flux_kernel"] for r in res["transport"]
                      if r["precision"] == prec and "ratio_to_veros_flux_kernel" in r]
            if ratios:
                out.append([f"transport update >= 2x Veros superbee fluxes ({prec}, worst grid)", min(ratios),
                            min(ratios) >= 2])
    c = res.get("carbonate")
    if isinstance(c, dict) and "ratio_float64_vs_pyco2sys" in c:
        out.append(["carbonate solve >= 100x PyCO2SYS, float64", c["ratio_float64_vs_pyco2sys"],
                    c["ratio_float64_vs_pyco2sys"] >= 100])
        out.append(["carbonate solve >= 100x PyCO2SYS, float32", c["ratio_float32_vs_pyco2sys"],
                    c["ratio_float32_vs_pyco2sys"] >= 100])
    g = res.get("gradient")
    if isinstance(g, list) and g:
        worst = max(r["time_ratio"] for r in g)
        out.append(["gradient <= 4x forward (worst model, grid and N)", worst, worst <= 4])
        exponent = _slope([r for r in g if r["grid"] == g[0]["grid"]], "gradient_bytes")
        out.append(["gradient memory sub-linear in steps (growth exponent)", exponent, exponent < 1])
    s = res.get("step")
    if isinstance(s, list) and res["machine"]["backend"] == "gpu":
        worst = max(_bound(r, "roofline_minimum_bytes") for r in s)
        out.append(["GPU full step within 3x of the bandwidth bound (minimum bytes)", worst, worst <= 3])
    return out


SECTIONS = {"transport": ("Transport", transport), "carbonate": ("Carbonate solve", carbonate),
            "step": ("Full coupled step (main job)", step), "reactions": ("Reactions against physics", reactions),
            "gradient": ("Gradient cost", gradient), "precision": ("float32 accuracy (main job MRV)", precision),
            "ensemble": ("Ensemble throughput", ensemble)}


def markdown(res: dict) -> str:
    m = res["machine"]
    lines = [f"# oceancdr benchmarks, {res.get('date', '')}{' (quick)' if res.get('quick') else ''}", "",
             f"Machine: {m['platform']}, {m['cpus']} CPUs, JAX {m['jax']} on {m['backend']} "
             f"({', '.join(m['devices'])}); triad bandwidth measured in this run: "
             f"{_fmt(res.get('bandwidth_gb_per_s'))} GB/s.", ""]
    for name, (title, render) in SECTIONS.items():
        if name not in res:
            continue
        r = res[name]
        body = f"failed: {r['error']}" if isinstance(r, dict) and "error" in r else render(r)
        lines += [f"## {title}", "", body, ""]
    rows = targets(res)
    if rows:
        lines += ["## Targets", "", table(["target", "measured", "met"], rows), ""]
    if m["backend"] != "gpu":
        lines += ["No GPU in this run: the GPU target is not measured.", ""]
    return "\n".join(lines)
