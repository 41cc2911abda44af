"""Early stopping (조기 종료) on lesson 1's polynomials: gradient descent, stopped on validation data.

    path = gradient_descent_path(data.x_train, data.y_train, degree=15, steps=[1, 10, 100])
    chosen = choose_steps(data, degree=15)      # the number of steps 5-fold CV prefers

Full-batch gradient descent on the training MSE, started from all-zero coefficients, has a
closed form: along each singular direction of the feature matrix the coefficient grows
towards its least-squares value as 1 - (1 - s²/s_max²)^t after t steps. Directions with a
large singular value s are learned in a few steps, those with a small one (the wiggles) only
after very many, so stopping early acts like a penalty on the wiggles, much as ridge does.
"""
from collections.abc import Iterable

import torch

from lessonkit.core.checks import check_int, check_seed
from lessonkit.lessons.overfitting.folds import fold_order
from lessonkit.lessons.overfitting.polyfit import ErrorCurve, legendre_features
from lessonkit.lessons.overfitting.selection import Selection

DEFAULT_STEPS = [int(s) for s in torch.logspace(0, 6, 25, dtype=torch.float64).round().tolist()]


def _steps(steps) -> list[int]:
    if isinstance(steps, (str, bytes)) or not isinstance(steps, Iterable):
        raise TypeError(f"steps must be an iterable of ints, got {type(steps).__name__}")
    values = [check_int("steps", t, 0) for t in steps]
    if not values:
        raise ValueError("steps must hold at least one number of steps, got none")
    return values


def gradient_descent_path(x: torch.Tensor, y: torch.Tensor, degree: int, steps: Iterable[int]) -> torch.Tensor:
    """Legendre coefficients after each number of steps in `steps`: shape (len(steps), degree + 1).

    Gradient descent on the training MSE (1/n)·|F c - y|² from c = 0, step size n / (2 s_max²),
    where s_max is the largest singular value of the feature matrix F (the largest stable step
    is twice that). Computed in closed form from the SVD of F, so 10⁶ steps cost nothing.
    """
    degree = check_int("degree", degree, 0)
    steps = _steps(steps)
    features = legendre_features(x, degree)
    u, s, vt = torch.linalg.svd(features, full_matrices=False)
    shrink = 1 - (s / s[0]) ** 2  # per direction, what is left of the gap after one step
    t = torch.tensor(steps, dtype=torch.float64).unsqueeze(1)
    learned = 1 - shrink.clamp(min=0) ** t  # (steps, directions)
    safe = s > 1e-12 * s[0]  # a direction with no signal is never moved
    gain = torch.where(safe, learned / torch.where(safe, s, 1.0), 0.0)
    return (gain * (u.T @ torch.as_tensor(y, dtype=torch.float64))) @ vt


def _path_errors(x_fit, y_fit, x_eval, y_eval, degree, steps) -> torch.Tensor:
    coefficients = gradient_descent_path(x_fit, y_fit, degree, steps)
    predictions = coefficients @ legendre_features(x_eval, degree).T
    return ((predictions - torch.as_tensor(y_eval, dtype=torch.float64)) ** 2).mean(dim=1)


def early_stopping_errors(data, degree: int = 15, steps: Iterable[int] = DEFAULT_STEPS) -> ErrorCurve:
    """Train and test MSE of gradient descent on all training points after each number of steps."""
    steps = _steps(steps)
    x, y = data.x_train.double(), data.y_train.double()
    return ErrorCurve("steps", steps, _path_errors(x, y, x, y, degree, steps),
                      _path_errors(x, y, data.x_test, data.y_test, degree, steps))


def choose_steps(data, degree: int = 15, steps: Iterable[int] = DEFAULT_STEPS, folds: int = 5,
                 seed: int = 0) -> Selection:
    """Early stopping chosen by `folds`-fold cross-validation: the number of gradient-descent
    steps whose mean error on the held-out folds is lowest. The test points are not read."""
    degree = check_int("degree", degree, 0)
    steps = _steps(steps)
    folds = check_int("folds", folds, 2, data.n_train)
    check_seed("seed", seed)
    x, y = data.x_train.double(), data.y_train.double()
    order = fold_order(len(x), seed)
    per_fold = []
    for k in range(folds):
        held = torch.zeros(len(x), dtype=torch.bool)
        held[k::folds] = True
        fit, val = order[~held], order[held]
        per_fold.append(_path_errors(x[fit], y[fit], x[val], y[val], degree, steps))
    per_fold = torch.stack(per_fold)
    return Selection("steps", steps, _path_errors(x, y, x, y, degree, steps), per_fold.mean(dim=0),
                     per_fold.std(dim=0), folds)
