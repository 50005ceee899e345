"""Calibration against observations with exact gradients through the whole simulation
(docs/calibration.md): trainable parameters, observation operators, the checkpointed objective,
optax optimisation, the Laplace posterior and the ``oceancdr calibrate`` driver."""
from .objective import build_objective, gauss_newton_hessian, gradient_check, laplace, observed_run
from .observations import VARIABLES, load_observations, locate, read_table
from .parameters import Trainables, trainables
from .run import calibrate, check_gradient

__all__ = ["VARIABLES", "Trainables", "build_objective", "calibrate", "check_gradient", "gauss_newton_hessian",
           "gradient_check", "laplace", "load_observations", "locate", "observed_run", "read_table", "trainables"]
