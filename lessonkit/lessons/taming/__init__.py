"""Lesson 3: dropout tames an overfitting network.

The names notebook 03 uses, lesson 1's data and polynomials among them (its exercises, q1 to q3,
come from `exercises`):

    model.py         the 1-256-256-1 network, its full-batch fit, MC dropout; feature dropout as ridge
    train.py         many networks at once (the p grid, the contest's samples); feature dropout against
                     ridge and least squares over many samples
    analysis.py      the contest's record, read: paired differences per method
    plots.py         the lesson's static figures
    widgets.py       the p slider and the feature-dropout slider
    exercises.py     q1 to q3; solutions.py holds what `q3.solution()` prints
    experiments.py   the contest, as `python -m lessonkit.experiments` runs it
"""
from lessonkit.core.figures import show
from lessonkit.core.history import History
from lessonkit.core.records import describe_provenance, load_record
from lessonkit.core.seeding import seed_everything
from lessonkit.core.stats import paired_table
from lessonkit.core.training import one_thread
from lessonkit.lessons.overfitting.data import make_regression_data
from lessonkit.lessons.overfitting.model import fit_polynomial, legendre_features, mse
from lessonkit.lessons.taming.analysis import METHODS, edge_hits
from lessonkit.lessons.taming.model import (
    MLPFit,
    dropout_ridge,
    dropout_sgd,
    feature_penalties,
    fit_mlp,
    mc_dropout_predict,
    p_grid,
)
from lessonkit.lessons.taming.plots import (
    plot_error_vs_p,
    plot_fits,
    plot_loss_curves,
    plot_mc_dropout,
    plot_overfit_vs_polynomial,
    plot_paired_differences,
)
from lessonkit.lessons.taming.train import feature_dropout_study, study_table, train_p_grid
from lessonkit.lessons.taming.widgets import FeatureDropoutExplorer, PExplorer

__all__ = [
    "describe_provenance", "dropout_ridge", "dropout_sgd", "edge_hits", "feature_dropout_study", "feature_penalties",
    "FeatureDropoutExplorer", "fit_mlp", "fit_polynomial", "History", "legendre_features", "load_record",
    "make_regression_data", "mc_dropout_predict", "METHODS", "MLPFit", "mse", "one_thread", "p_grid", "paired_table",
    "PExplorer", "plot_error_vs_p", "plot_fits", "plot_loss_curves", "plot_mc_dropout", "plot_overfit_vs_polynomial",
    "plot_paired_differences", "seed_everything", "show", "study_table", "train_p_grid",
]
