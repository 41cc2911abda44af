"""Lesson 2: how dropout works: masks, the 1/(1-p) scaling, train and eval mode, the ensemble view.

The names notebook 02 uses (its exercises, q1 to q6, come from `exercises`):

    model.py      dropout from scratch (mask, scale, the `Dropout` module) and the ensemble view
    plots.py      the ensemble view's convergence figure
    widgets.py    the ten-step walk-through and the 1/(1-p) explorer
    exercises.py  q1 to q6, the gradient check; solutions.py holds what `.solution()` prints
"""
from lessonkit.core.figures import show
from lessonkit.core.run_cache import cached
from lessonkit.core.seeding import seed_everything
from lessonkit.core.stats import paired
from lessonkit.lessons.dropout.exercises import gradient_check, numerical_gradient
from lessonkit.lessons.dropout.model import (
    Dropout,
    apply_mask,
    dropout,
    mc_convergence,
    mean_tv_distance,
    thinned_softmax_layer,
)
from lessonkit.lessons.dropout.plots import plot_ensemble_curve
from lessonkit.lessons.dropout.widgets import DropoutWalkthrough, ScalingExplorer, mask_text

__all__ = [
    "Dropout", "DropoutWalkthrough", "ScalingExplorer", "apply_mask", "cached", "dropout", "gradient_check",
    "mask_text", "mc_convergence", "mean_tv_distance", "numerical_gradient", "paired", "plot_ensemble_curve",
    "seed_everything", "show", "thinned_softmax_layer",
]
