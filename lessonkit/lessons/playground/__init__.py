"""Lesson 4: a dropout playground. A small network trains live on two moons while the
learner moves p, and the decision boundary (결정 경계) follows.

The names notebook 04 uses (its exercises, q1 and q2, come from `exercises`):

    data.py      the two-moons problem with label noise (train, validation and test sets)
    model.py     the MLP and its training step, as the notebook shows them
    train.py     `LiveTrainer` (one step at a time, the same numbers every time) and many seeds at once
    plots.py     the boundary and the loss/accuracy curves; the static figures of the notebook
    widgets.py   `Playground`: play / pause / reset and a p slider, training on a background thread
"""
from lessonkit.core.figures import show
from lessonkit.core.seeding import seed_everything
from lessonkit.lessons.playground.data import make_moons_data
from lessonkit.lessons.playground.model import make_mlp, set_dropout, train_step
from lessonkit.lessons.playground.plots import plot_boundaries, plot_curves
from lessonkit.lessons.playground.train import LiveTrainer, PairedResult, compare_arms, early_stopped, train_many
from lessonkit.lessons.playground.widgets import Playground

__all__ = [
    "LiveTrainer", "PairedResult", "Playground", "compare_arms", "early_stopped", "make_moons_data", "make_mlp",
    "plot_boundaries", "plot_curves", "seed_everything", "set_dropout", "show", "train_many", "train_step",
]
