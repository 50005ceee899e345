"""MRV: paired intervention/counterfactual runs, carbon-removal accounting and the report."""
from .run import check_mrv_config, paired_model, run_mrv
from .scenarios import counterfactual_params, lane, paired_step, stack

__all__ = ["check_mrv_config", "counterfactual_params", "lane", "paired_model", "paired_step", "run_mrv", "stack"]
