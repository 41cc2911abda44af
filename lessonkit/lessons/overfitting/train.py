"""Choosing a setting honestly, on the training points only: k-fold cross-validation (the folds,
the degree, the ridge λ) and early stopping (조기 종료).

    for fit_index, held_out in folds(20, 5, seed=0): ...   # fold k holds out order[k::5]
    chosen = choose_degree(data, range(21), folds=5, seed=0)
    chosen.choice             # the degree with the lowest cross-validation (CV) error
    chosen                    # a table: degree, train MSE, CV MSE ± its spread over the folds
    choose_ridge(data, degree=15, ridges=[1e-6, 1e-4, 1e-2, 1.0])
    choose_steps(data, degree=15)    # the number of gradient-descent steps 5-fold CV prefers
    selection_study(n_samples=200)   # over many samples: how optimistic is choosing on the test set?
    bias_variance(degree=15)         # bias² and variance of one degree over many samples

The test points are never read here, except by `selection_study`, which measures what
choosing on them would cost. Every fit is plain (or ridge) least squares in the Legendre
basis, the same answers as `lessonkit.lessons.overfitting.model.fit_polynomial`, solved for many
training sets at once.

Early stopping: full-batch gradient descent on the training MSE, started from all-zero
coefficients, has a closed form: along each singular direction of the feature matrix the
coefficient grows towards its least-squares value as 1 - (1 - s²/s_max²)^t after t steps.
Directions with a large singular value s are learned in a few steps, those with a small one
(the wiggles) only after very many, so stopping early acts like a penalty on the wiggles, much
as ridge does.
"""
import math
from collections.abc import Iterable
from dataclasses import dataclass

import torch

from lessonkit.core.checks import check_int, check_number, check_seed
from lessonkit.core.stats import paired
from lessonkit.lessons.overfitting.data import make_regression_data, true_function
from lessonkit.lessons.overfitting.model import ErrorCurve, legendre_features


def fold_order(n: int, seed: int) -> torch.Tensor:
    """The shuffled order of n points, from its own generator: fold k holds order[k::folds]."""
    check_int("n", n, 1)
    return torch.argsort(torch.rand(n, generator=torch.Generator().manual_seed(check_seed("seed", seed))))


def folds(n: int, k: int, seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(indices to fit, indices held out) for each of the k folds of n points."""
    check_int("k", k, 2, n)
    order = fold_order(n, seed)
    held = torch.arange(n) % k
    return [(order[held != fold], order[held == fold]) for fold in range(k)]


TRUTH_GRID = torch.linspace(-1, 1, 2001, dtype=torch.float64)  # the x-average that gives a fit's true error


def _degrees(degrees, name: str = "degrees") -> list[int]:
    if isinstance(degrees, (str, bytes)) or not isinstance(degrees, Iterable):
        raise TypeError(f"{name} must be an iterable of ints, got {type(degrees).__name__}")
    values = [check_int("degree", d, 0) for d in degrees]
    if not values:
        raise ValueError(f"{name} must hold at least one degree, got none")
    return values


def _ridges(ridges) -> list[float]:
    if isinstance(ridges, (str, bytes)) or not isinstance(ridges, Iterable):
        raise TypeError(f"ridges must be an iterable of numbers, got {type(ridges).__name__}")
    values = [check_number("ridge", r, 0) for r in ridges]
    if not values:
        raise ValueError("ridges must hold at least one λ, got none")
    return values


def _features(x: torch.Tensor, degree: int) -> torch.Tensor:
    """Legendre features of `x` (shape (m,) or (..., m)): shape (..., m, degree + 1)."""
    x = torch.as_tensor(x, dtype=torch.float64)
    return legendre_features(x.reshape(-1), degree).reshape(*x.shape, degree + 1)


def _solve_many(features: torch.Tensor, y: torch.Tensor, ridge: float) -> torch.Tensor:
    """Least squares (or ridge) for a batch of feature matrices (..., n, p) at once."""
    target = torch.as_tensor(y, dtype=torch.float64).unsqueeze(-1)
    p = features.shape[-1]
    if ridge > 0:  # |V c - y|² + λ|c|² as least squares on [V; √λ I], [y; 0]
        eye = math.sqrt(ridge) * torch.eye(p, dtype=torch.float64).expand(*features.shape[:-2], -1, -1)
        features = torch.cat([features, eye], dim=-2)
        target = torch.cat([target, torch.zeros(*features.shape[:-2], p, 1, dtype=torch.float64)], dim=-2)
    # gelsy: the minimum-norm solution like fit_polynomial's gelsd, and about twice as fast
    return torch.linalg.lstsq(features, target, driver="gelsy").solution.squeeze(-1)


def fit_coefficients(x: torch.Tensor, y: torch.Tensor, degree: int) -> torch.Tensor:
    """Legendre coefficients of the least-squares fit, for one or many training sets.

    `x`, `y`: shape (n,) or (samples, n). Returns float64 of shape (..., degree + 1). Like
    `fit_polynomial`, fewer points than coefficients give the minimum-norm exact fit.
    """
    degree = check_int("degree", degree, 0)
    return _solve_many(_features(x, degree), y, 0.0)


def predict(coefficients: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Values at `x` of the polynomials with these Legendre coefficients.

    `coefficients`: (..., degree + 1). `x`: (m,), shared by every polynomial, or (..., m).
    """
    degree = coefficients.shape[-1] - 1
    if x.ndim == 1:  # one grid for all: a single matrix product
        return coefficients @ legendre_features(x, degree).T
    return (_features(x, degree) @ coefficients.unsqueeze(-1)).squeeze(-1)


def _errors(x_fit, y_fit, evaluations, degrees, ridges) -> list[torch.Tensor]:
    top = max(degrees)
    return _errors_from_features(_features(x_fit, top), y_fit,
                                 [(_features(x, top) if torch.as_tensor(x).ndim > 1 else legendre_features(x, top), y)
                                  for x, y in evaluations], degrees, ridges)


def _errors_from_features(fit_features, y_fit, evaluations, degrees, ridges) -> list[torch.Tensor]:
    """For each (x, y) in `evaluations`: the MSE there of each (degree, ridge) fit to (x_fit, y_fit),
    shape (..., settings). Features are computed once at the highest degree: those of degree d
    are their first d + 1 columns."""
    top = max(degrees)
    y_fit = torch.as_tensor(y_fit, dtype=torch.float64)
    # Every fit as top + 1 zero-padded coefficients: one matrix product evaluates them all.
    padded = torch.zeros(*fit_features.shape[:-2], top + 1, len(degrees), dtype=torch.float64)
    nested = _nested_solver(fit_features, y_fit) if not any(ridges) else None
    for i, (degree, ridge) in enumerate(zip(degrees, ridges)):
        c = nested(degree) if nested is not None else None
        if c is None:
            c = _solve_many(fit_features[..., : degree + 1], y_fit, ridge)
        padded[..., : degree + 1, i] = c
    errors = []
    for features, y in evaluations:
        residuals = features @ padded - torch.as_tensor(y, dtype=torch.float64).unsqueeze(-1)
        errors.append((residuals**2).mean(dim=-2))
    return errors


def _nested_solver(features: torch.Tensor, y: torch.Tensor):
    """Least squares on the first d + 1 columns, for any d, from one QR factorization.

    With A = QR, the fit on the first k columns solves R[:k, :k] c = (Qᵀy)[:k] (the same
    trick as `fit_all_degrees`). Returns a function of the degree that gives the
    coefficients, or None where R is not safely invertible (more coefficients than points,
    repeated x): there the caller's minimum-norm solver takes over.
    """
    m = min(features.shape[-2], features.shape[-1])
    q, r = torch.linalg.qr(features[..., :m])
    qty = q.transpose(-1, -2) @ y.unsqueeze(-1)
    pivots = r.diagonal(dim1=-2, dim2=-1).abs()
    safe = pivots > 1e-10 * pivots.amax(dim=-1, keepdim=True)
    solid = int(torch.cumprod(safe, dim=-1).sum(dim=-1).min()) if safe.numel() else 0

    def solve(degree: int):
        k = degree + 1
        if k > solid:
            return None
        return torch.linalg.solve_triangular(r[..., :k, :k], qty[..., :k, :], upper=True).squeeze(-1)

    return solve


def _fold_errors(x, y, degrees, ridges, folds: int, order: torch.Tensor) -> torch.Tensor:
    """Validation MSE of every setting on every fold: shape (..., folds, settings).

    `order` (shape of x) shuffles the points of each training set; they are then dealt into
    `folds` groups, and each group in turn is held out while the rest are fitted.
    """
    n = x.shape[-1]
    features = _features(x, max(degrees))  # once: each fold takes its rows
    rows = order.unsqueeze(-1).expand(*order.shape, features.shape[-1])
    features, y = features.gather(-2, rows), y.gather(-1, order)  # the points in dealing order
    held = torch.arange(n) % folds  # the fold of each position
    if n % folds == 0:  # equal folds: solve them all at once, stacked along a new dimension
        fit = torch.stack([features[..., held != k, :] for k in range(folds)], dim=-3)
        val = torch.stack([features[..., held == k, :] for k in range(folds)], dim=-3)
        y_fit = torch.stack([y[..., held != k] for k in range(folds)], dim=-2)
        y_val = torch.stack([y[..., held == k] for k in range(folds)], dim=-2)
        return _errors_from_features(fit, y_fit, [(val, y_val)], degrees, ridges)[0]
    per_fold = []
    for k in range(folds):
        per_fold.append(_errors_from_features(features[..., held != k, :], y[..., held != k],
                                              [(features[..., held == k, :], y[..., held == k])], degrees, ridges)[0])
    return torch.stack(per_fold, dim=-2)


def _shown_error(error: float) -> str:
    """An MSE for a table: 4 digits; 2 for huge ones (an exploding fit's digits mean nothing);
    "≈0" for an exact fit, whose ~1e-25 is rounding noise."""
    if abs(error) < 1e-12:
        return "≈0"
    return f"{error:.2g}" if error >= 1e3 else f"{error:.4g}"


@dataclass(frozen=True)
class Selection:
    """Training and cross-validation error for each value of one knob, and the value chosen."""

    knob: str  # "degree", "ridge" or "steps" (early stopping's)
    values: list
    train: torch.Tensor  # float64: MSE of the fit to all training points
    validation: torch.Tensor  # float64: CV MSE, the mean over the folds
    validation_std: torch.Tensor  # its standard deviation over the folds
    folds: int

    @property
    def choice(self):
        """The value with the lowest cross-validation error (the test set plays no part)."""
        return self.values[int(torch.argmin(self.validation))]

    @property
    def standard_errors(self) -> torch.Tensor:
        """The standard error of each CV MSE: its spread over the folds / √folds (the folds share
        points, so this is the usual rough estimate, not an exact one)."""
        return self.validation_std / self.folds**0.5

    @property
    def one_standard_error(self):
        """The one-standard-error rule (Hastie, Tibshirani & Friedman, The Elements of Statistical
        Learning, 2nd ed., §7.10): the simplest value whose CV MSE is within one standard error
        of the lowest. Simplest: the lowest degree, the fewest steps, or the largest ridge λ."""
        best = int(torch.argmin(self.validation))
        threshold = (self.validation[best] + self.standard_errors[best]).item()
        within = [value for value, error in zip(self.values, self.validation.tolist()) if error <= threshold]
        return max(within) if self.knob == "ridge" else min(within)

    def __repr__(self) -> str:
        rows = [f"{self.knob:>8} {'train MSE':>10} {'CV MSE':>10}  {'± std over folds':>16}"]
        for value, train, val, std in zip(self.values, self.train.tolist(), self.validation.tolist(),
                                          self.validation_std.tolist()):
            spread = "± " + format(std, ".2g")
            rows.append(f"{value:>8.3g} {_shown_error(train):>10} {_shown_error(val):>10}  {spread:>16}")
        return "\n".join(rows + [f"chosen by {self.folds}-fold cross-validation: {self.knob} {self.choice:g}"])


def _check_folds(folds: int, n: int) -> int:
    return check_int("folds", folds, 2, n)


def choose_degree(data, degrees: Iterable[int] = range(21), folds: int = 5, seed: int = 0) -> Selection:
    """Choose the polynomial degree by `folds`-fold cross-validation on `data`'s training points.

    `data` is a `RegressionData`; its test points are not looked at. `seed` fixes how the
    points are dealt into folds. Returns a `Selection`: `.choice` is the chosen degree.
    """
    degrees = _degrees(degrees)
    folds = _check_folds(folds, data.n_train)
    check_seed("seed", seed)
    x, y = data.x_train.double(), data.y_train.double()
    ridges = [0.0] * len(degrees)
    per_fold = _fold_errors(x, y, degrees, ridges, folds, fold_order(len(x), seed))
    return Selection("degree", degrees, _errors(x, y, [(x, y)], degrees, ridges)[0], per_fold.mean(dim=0),
                     per_fold.std(dim=0), folds)


def choose_ridge(data, degree: int = 15, ridges: Iterable[float] = (1e-6, 1e-4, 1e-2, 1.0), folds: int = 5,
                 seed: int = 0) -> Selection:
    """Choose the ridge strength λ of a degree-`degree` fit by `folds`-fold cross-validation."""
    degree = check_int("degree", degree, 0)
    ridges = _ridges(ridges)
    folds = _check_folds(folds, data.n_train)
    check_seed("seed", seed)
    x, y = data.x_train.double(), data.y_train.double()
    degrees = [degree] * len(ridges)
    per_fold = _fold_errors(x, y, degrees, ridges, folds, fold_order(len(x), seed))
    return Selection("ridge", ridges, _errors(x, y, [(x, y)], degrees, ridges)[0], per_fold.mean(dim=0),
                     per_fold.std(dim=0), folds)


def _stack_samples(n_samples: int, n_train: int, noise: float, seed: int, n_test: int = 200):
    samples = [make_regression_data(n_train=n_train, n_test=n_test, noise=noise, seed=seed + i)
               for i in range(n_samples)]
    return [torch.stack([getattr(s, name) for s in samples]).double()
            for name in ("x_train", "y_train", "x_test", "y_test")]


@dataclass(frozen=True)
class SelectionStudy:
    """Per sample: what choosing the degree on the test set reports, and what it really gets.

    All tensors have one entry per sample. "true" errors are a fit's expected MSE on new
    points, noise² plus its squared distance from the true curve averaged over [-1, 1].
    """

    degrees: list
    folds: int
    noise: float
    n_test: int
    lowest_test: torch.Tensor  # min over degrees of the test MSE: what choosing on the test set reports
    test_choice: torch.Tensor  # the degree with the lowest test MSE
    true_of_test_choice: torch.Tensor
    cv_choice: torch.Tensor  # the degree with the lowest CV MSE
    test_of_cv_choice: torch.Tensor  # its test MSE: measured once, after choosing
    true_of_cv_choice: torch.Tensor

    @property
    def n_samples(self) -> int:
        return len(self.lowest_test)

    def __repr__(self) -> str:
        def line(label, values):
            mean, se = values.mean().item(), (values.std() / math.sqrt(len(values))).item()
            return f"  {label:<58} {mean:.4f} ± {se:.4f}"

        def pair(label, a, b):  # a - b, paired by sample
            d = paired(a, b, higher_is_better=False)
            return f"  {label:<58} {d.mean:.4f} ± {d.se:.4f}"

        return "\n".join([
            f"{self.n_samples} samples of {self.n_test} test points, degrees {self.degrees[0]}.."
            f"{self.degrees[-1]}; mean ± standard error over samples:",
            line("lowest test MSE (degree chosen on the test set), reported", self.lowest_test),
            line("  its true MSE on new data", self.true_of_test_choice),
            line("test MSE of the degree chosen by CV, reported", self.test_of_cv_choice),
            line("  its true MSE on new data", self.true_of_cv_choice),
            "paired differences:",
            pair("test-chosen: true - reported (how optimistic)", self.true_of_test_choice, self.lowest_test),
            pair("CV-chosen:   true - reported", self.true_of_cv_choice, self.test_of_cv_choice),
            pair("reported: CV-chosen test MSE - lowest test MSE", self.test_of_cv_choice, self.lowest_test),
            pair("true: CV-chosen - test-chosen", self.true_of_cv_choice, self.true_of_test_choice),
            f"  samples where the reported test MSE is below the true MSE: test-chosen "
            f"{int((self.lowest_test < self.true_of_test_choice).sum())} of {self.n_samples}, CV-chosen "
            f"{int((self.test_of_cv_choice < self.true_of_cv_choice).sum())} of {self.n_samples}",
        ])


def selection_study(n_samples: int = 200, degrees: Iterable[int] = range(21), n_train: int = 20,
                    n_test: int = 200, noise: float = 0.2, folds: int = 5, seed: int = 0) -> SelectionStudy:
    """Draw `n_samples` samples (seeds seed, seed+1, ...) like the lesson's and, on each, choose
    the degree twice: by the lowest test MSE (the mistake) and by CV on the training points.
    Records what each choice reports and its true error. The samples are solved together.
    """
    n_samples = check_int("n_samples", n_samples, 2)
    degrees = _degrees(degrees)
    n_train = check_int("n_train", n_train, 2)
    n_test = check_int("n_test", n_test, 1)
    noise = check_number("noise", noise, 0)
    folds = _check_folds(folds, n_train)
    check_seed("seed", seed)
    x, y, x_test, y_test = _stack_samples(n_samples, n_train, noise, seed, n_test)
    ridges = [0.0] * len(degrees)
    test, truth = _errors(x, y, [(x_test, y_test), (TRUTH_GRID, true_function(TRUTH_GRID))], degrees, ridges)
    truth = truth + noise**2  # (samples, degrees)
    # sample i (drawn with seed + i) is dealt into folds as choose_degree(sample, seed=seed + i) would
    order = torch.stack([fold_order(n_train, seed + i) for i in range(n_samples)])
    cv = _fold_errors(x, y, degrees, ridges, folds, order).mean(dim=-2)
    by_test, by_cv = test.argmin(dim=-1, keepdim=True), cv.argmin(dim=-1, keepdim=True)
    values = torch.tensor(degrees)
    return SelectionStudy(degrees, folds, noise, x_test.shape[-1], test.gather(-1, by_test).squeeze(-1),
                          values[by_test.squeeze(-1)], truth.gather(-1, by_test).squeeze(-1), values[by_cv.squeeze(-1)],
                          test.gather(-1, by_cv).squeeze(-1), truth.gather(-1, by_cv).squeeze(-1))


@dataclass(frozen=True)
class BiasVariance:
    """The fits of one degree to many samples, on a grid of x, and their bias² and variance.

    bias² = average over x of (mean fit - true curve)²; variance = average over x of the
    spread of the fits around their mean. Expected test MSE = bias² + variance + noise².
    Both are unbiased estimates from the samples (so a tiny bias² can come out slightly negative).
    """

    degree: int
    noise: float
    grid: torch.Tensor  # x values, float64
    curves: torch.Tensor  # (samples, len(grid)): each sample's fit
    bias2: float
    variance: float

    @property
    def mean_curve(self) -> torch.Tensor:
        return self.curves.mean(dim=0)

    @property
    def expected_test_mse(self) -> float:
        return self.bias2 + self.variance + self.noise**2

    def __repr__(self) -> str:
        return (f"degree {self.degree:>2}: bias² {self.bias2:.3g}, variance {self.variance:.3g}, "
                f"noise² {self.noise**2:.3g}, expected test MSE {self.expected_test_mse:.3g} "
                f"({len(self.curves)} samples)")


def bias_variance(degree: int, n_samples: int = 30, n_train: int = 20, noise: float = 0.2,
                  seed: int = 0) -> BiasVariance:
    """Fit degree `degree` to `n_samples` samples (seeds seed, seed+1, ...) and measure bias² and variance.

    The averages over x use TRUTH_GRID (2001 evenly spaced points on [-1, 1], i.e. x uniform).
    """
    degree = check_int("degree", degree, 0)
    n_samples = check_int("n_samples", n_samples, 2)
    n_train = check_int("n_train", n_train, 1)
    noise = check_number("noise", noise, 0)
    check_seed("seed", seed)
    grid = TRUTH_GRID
    x, y, _, _ = _stack_samples(n_samples, n_train, noise, seed)
    curves = predict(fit_coefficients(x, y, degree), grid)
    variance = curves.var(dim=0).mean().item()  # the unbiased estimate (divides by samples - 1)
    # The mean of finitely many fits still wobbles by variance / samples: take that out of bias².
    bias2 = ((curves.mean(dim=0) - true_function(grid)) ** 2).mean().item() - variance / n_samples
    return BiasVariance(degree, noise, grid, curves, bias2, variance)


# Early stopping

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
