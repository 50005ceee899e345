"""Figures drawn without pyplot's global state: :class:`matplotlib.figure.Figure` objects render
with the Agg canvas whatever backend a user or a notebook has chosen, and never pop up or vanish."""
from __future__ import annotations

from matplotlib.figure import Figure


def subplots(nrows: int = 1, ncols: int = 1, *, figsize, layout=None, **kwargs):
    """A new (figure, axes) pair, as ``pyplot.subplots`` but detached from pyplot."""
    fig = Figure(figsize=figsize, layout=layout)
    return fig, fig.subplots(nrows, ncols, **kwargs)
