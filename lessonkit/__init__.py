"""lessonkit: helpers for an interactive course on overfitting and dropout."""

__version__ = "0.1.0"
