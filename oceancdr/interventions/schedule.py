"""When an intervention acts: the share of its total delivered in each model step.

A constant-rate schedule delivers uniformly between ``start_day`` and ``end_day``; pulses deliver
equal shares at the listed days; a schedule with only ``start_day`` is one pulse. With the
cumulative delivered fraction F(t), step n (from t_n = n dt to t_n + dt) delivers
F(t_n + dt) - F(t_n), so the shares telescope: their sum over the schedule is 1 to round-off and
the configured total enters the model exactly (tests/test_interventions_delivery.py).
"""
from __future__ import annotations

import numpy as np

SECONDS_PER_DAY = 86400.0


def cumulative_fraction(schedule, t_seconds: np.ndarray) -> np.ndarray:
    """F(t): the fraction of the total delivered by time t (s since the run start); a pulse at
    day d counts once t > d, so it falls in the step with t_n <= d < t_n + dt."""
    day = np.asarray(t_seconds, float) / SECONDS_PER_DAY
    if schedule.pulses_day:
        pulses = np.asarray(schedule.pulses_day, float)
        return (day[:, None] > pulses[None, :]).mean(1)
    if schedule.end_day is None:
        return (day > schedule.start_day).astype(float)
    return np.clip((day - schedule.start_day) / (schedule.end_day - schedule.start_day), 0.0, 1.0)


def step_fractions(schedule, dt: float, nsteps: int) -> np.ndarray:
    """Share of the total delivered in each of ``nsteps`` steps, plus a trailing 0 (the value
    looked up for any step past the end of the array), float64 (nsteps + 1,).

    A pulse at day d falls in the step with t_n <= d < t_n + dt (the first step for d = 0)."""
    F = cumulative_fraction(schedule, np.arange(nsteps + 1) * dt)
    return np.append(np.diff(F), 0.0)

