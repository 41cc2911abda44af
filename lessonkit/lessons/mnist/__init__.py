"""Lesson 5: the MNIST dropout lab, and the experiments that measure what dropout buys.

The names notebook 05 uses (its exercises, q1 and q2, come from `exercises`):

    train.py         the lab: its network, its training epoch and test, `run_lab`
    experiments.py   the runs kept as records: arms, trained until settled, as the runner runs them
    analysis.py      the records, read: each run at its step chosen on validation, paired by seed
    plots.py         the experiments' figures and a grid of predictions
    widgets.py       the lab's live curves and a slider over the runs of a p sweep
    exercises.py     q1 (the original lab's bug hunt) and q2 (which knob alone gains more)
"""
from lessonkit.core.device import pick_device, training_dtype
from lessonkit.core.figures import show
from lessonkit.core.mnist_data import mnist_tensors, raw_test_images
from lessonkit.core.records import describe_provenance, load_record, processor_name
from lessonkit.core.run_cache import cached
from lessonkit.core.seeding import seed_everything
from lessonkit.core.stats import paired_table
from lessonkit.core.training import one_thread
from lessonkit.lessons.mnist.analysis import Runs, relative_error_change
from lessonkit.lessons.mnist.experiments import Arm, experiment, train_until_settled
from lessonkit.lessons.mnist.plots import (
    ablation_figure,
    p_choice_figure,
    prediction_grid,
    size_figure,
    validation_curves_figure,
)
from lessonkit.lessons.mnist.train import accuracy, run_lab
from lessonkit.lessons.mnist.widgets import LiveCurves, RunCurvesBrowser

__all__ = [
    "Arm", "LiveCurves", "RunCurvesBrowser", "Runs", "ablation_figure", "accuracy", "cached", "describe_provenance",
    "experiment", "load_record", "mnist_tensors", "one_thread", "p_choice_figure", "paired_table", "pick_device",
    "prediction_grid", "processor_name", "raw_test_images", "relative_error_change", "run_lab", "seed_everything",
    "show", "size_figure", "train_until_settled", "training_dtype", "validation_curves_figure",
]
