"""Lesson 1: underfitting, a good fit, overfitting; train and test error; the remedies.

The names notebook 01 uses (its exercises, q1 and q2, come from `exercises`):

    data.py       the noisy samples of a smooth curve
    model.py      polynomial fits (least squares, ridge) and their train/test errors
    train.py      choosing honestly: k-fold cross-validation, early stopping, studies over many samples
    plots.py      the lesson's static figures
    widgets.py    the degree and λ sliders
    exercises.py  q1, q2 and the helpers their cells use
"""
from lessonkit.core.figures import show
from lessonkit.core.seeding import seed_everything
from lessonkit.lessons.overfitting.data import make_regression_data
from lessonkit.lessons.overfitting.exercises import gap_at
from lessonkit.lessons.overfitting.model import fit_polynomial, mse, train_test_errors
from lessonkit.lessons.overfitting.plots import (
    plot_bias_variance,
    plot_early_stopping,
    plot_error_vs_degree,
    plot_features,
    plot_more_data,
    plot_test_truth,
    plot_three_regimes,
    plot_train_and_test_error,
)
from lessonkit.lessons.overfitting.train import (
    bias_variance,
    choose_degree,
    choose_ridge,
    choose_steps,
    early_stopping_errors,
    folds,
    selection_study,
)
from lessonkit.lessons.overfitting.widgets import PolyExplorer, RidgeExplorer

__all__ = [
    "PolyExplorer", "RidgeExplorer", "bias_variance", "choose_degree", "choose_ridge", "choose_steps",
    "early_stopping_errors", "fit_polynomial", "folds", "gap_at", "make_regression_data", "mse",
    "plot_bias_variance", "plot_early_stopping", "plot_error_vs_degree", "plot_features", "plot_more_data",
    "plot_test_truth", "plot_three_regimes", "plot_train_and_test_error", "seed_everything", "selection_study",
    "show", "train_test_errors",
]
