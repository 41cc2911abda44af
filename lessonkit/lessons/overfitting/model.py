"""Polynomial regression solved exactly by least squares, with optional ridge (L2).

    fit = fit_polynomial(data.x_train, data.y_train, degree=3)
    fit(x)                                  # predictions
    mse(fit, data.x_test, data.y_test)      # test error
    curve = train_test_errors(data, range(21))
    curve.lowest_test                       # where the test error is lowest (to look at, not to choose)

Why not the textbook columns 1, x, x², ..., x^15? On [-1, 1] those columns look almost
alike, and the least-squares problem becomes so ill-conditioned that rounding errors
decide the answer. Legendre polynomials P0..Pd span exactly the same polynomials (so a
full-rank least-squares fit, and its predictions, are the same) but are nearly independent
on [-1, 1], so degree 15-20 is sound. A ridge or minimum-norm fit does depend on the basis.
Everything is computed in float64.
"""
import math
from collections.abc import Iterable
from dataclasses import dataclass

import torch

from lessonkit.core.checks import check_int, check_number


def _check_degree(degree) -> int:
    return check_int("degree", degree, 0)


def _check_ridge(ridge) -> float:
    return check_number("ridge", ridge, 0)  # the L2 strength λ


def _as_points(x, y=None):
    x = torch.as_tensor(x, dtype=torch.float64)
    if x.ndim != 1 or len(x) < 1:
        raise ValueError(f"x must be a 1-D tensor with at least one point, got shape {tuple(x.shape)}")
    if y is None:
        return x
    y = torch.as_tensor(y, dtype=torch.float64)
    if y.shape != x.shape:
        raise ValueError(f"x and y must have the same shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    return x, y


def legendre_features(x: torch.Tensor, degree: int) -> torch.Tensor:
    """The design matrix: column k holds the Legendre polynomial P_k(x), k = 0..degree.

    Each column is one feature of the model; choosing the degree is choosing how many
    features it gets. Returns a float64 tensor of shape (len(x), degree + 1).
    """
    _check_degree(degree)
    x = _as_points(x)
    columns = [torch.ones_like(x)]
    if degree >= 1:
        columns.append(x)
    for k in range(1, degree):  # Bonnet's recurrence: (k+1) P_{k+1} = (2k+1) x P_k - k P_{k-1}
        columns.append(((2 * k + 1) * x * columns[k] - k * columns[k - 1]) / (k + 1))
    return torch.stack(columns, dim=1)


@dataclass(frozen=True)
class PolynomialFit:
    """A fitted polynomial: call it on x to predict. Coefficients are in the Legendre basis."""

    coefficients: torch.Tensor  # float64, shape (degree + 1,)
    ridge: float = 0.0

    @property
    def degree(self) -> int:
        return len(self.coefficients) - 1

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return legendre_features(x, self.degree) @ self.coefficients

    def __repr__(self) -> str:
        shown = ", ".join(f"{c:.3g}" for c in self.coefficients[:6].tolist())
        more = ", ..." if self.degree >= 6 else ""
        return (f"PolynomialFit(degree={self.degree}, ridge={self.ridge:g}, "
                f"legendre_coefficients=[{shown}{more}])")


def _solve(features: torch.Tensor, y: torch.Tensor, ridge: float) -> torch.Tensor:
    if ridge > 0:
        # Ridge as ordinary least squares on an augmented system:
        # |V c - y|² + λ|c|²  =  |[V; √λ I] c - [y; 0]|², with no normal equations to square
        # the condition number.
        p = features.shape[1]
        features = torch.cat([features, math.sqrt(ridge) * torch.eye(p, dtype=features.dtype)])
        y = torch.cat([y, torch.zeros(p, dtype=y.dtype)])
    # gelsd (SVD based) also handles fewer points than coefficients: among the many exact
    # fits it returns the one with the smallest coefficients (the minimum-norm solution).
    return torch.linalg.lstsq(features, y.unsqueeze(1), driver="gelsd").solution.squeeze(1)


def fit_polynomial(x: torch.Tensor, y: torch.Tensor, degree: int, ridge: float = 0.0) -> PolynomialFit:
    """Fit a polynomial of `degree` to the points (x, y) by least squares.

    Minimizes  sum_i (y_i - f(x_i))²  +  ridge * |c|²  over the Legendre coefficients c.
    `ridge` = 0 is plain least squares; a larger ridge (λ) pulls every coefficient toward 0,
    which tames a wiggly high-degree curve (regularization). With fewer points than
    coefficients (n < degree + 1) many polynomials pass through every point; the fit is
    the one with the smallest coefficients.
    """
    _check_degree(degree)
    ridge = _check_ridge(ridge)
    x, y = _as_points(x, y)
    return PolynomialFit(_solve(legendre_features(x, degree), y, ridge), ridge)


def fit_all_degrees(x: torch.Tensor, y: torch.Tensor, max_degree: int) -> list[PolynomialFit]:
    """Fits of every degree 0..max_degree to the same points, as a list indexed by degree.

    The same answers as `fit_polynomial` degree by degree, from one QR factorization: the
    features of degree d are the first d + 1 columns of those of max_degree, and least
    squares on the first k columns of A = QR solves R[:k, :k] c = (Qᵀy)[:k]. That is what
    lets a slider refit every degree at once in a few milliseconds.
    """
    _check_degree(max_degree)
    x, y = _as_points(x, y)
    features = legendre_features(x, max_degree)
    p = max_degree + 1
    nested = min(p, features.shape[0])  # QR needs at least as many rows as columns
    q, r = torch.linalg.qr(features[:, :nested])
    qty = q.T @ y
    pivots = r.diagonal().abs()
    # Up to where R is safely invertible; past it (repeated x, or more coefficients than
    # points) the SVD solver of fit_polynomial picks the minimum-norm fit.
    solid = int(torch.cumprod(pivots > 1e-10 * pivots.max(), dim=0).sum())
    fits = []
    for k in range(1, p + 1):
        if k <= solid:
            c = torch.linalg.solve_triangular(r[:k, :k], qty[:k, None], upper=True).squeeze(1)
        else:
            c = _solve(features[:, :k], y, 0.0)
        fits.append(PolynomialFit(c))
    return fits


def mse(fit: PolynomialFit, x: torch.Tensor, y: torch.Tensor) -> float:
    """Mean squared error of `fit` on the points (x, y)."""
    x, y = _as_points(x, y)
    return torch.mean((fit(x) - y) ** 2).item()


@dataclass(frozen=True)
class ErrorCurve:
    """Training and test error for each setting of one knob (a degree, or a ridge λ)."""

    knob: str  # "degree" or "ridge"
    values: list
    train: torch.Tensor  # float64, one MSE per value
    test: torch.Tensor

    @property
    def lowest_test(self):
        """The value of the knob with the lowest test error: for showing how test error behaves.
        A setting is chosen on validation data (lessonkit.lessons.overfitting.train), never by this."""
        return self.values[int(torch.argmin(self.test))]

    def __repr__(self) -> str:
        rows = [f"{self.knob:>8} {'train MSE':>10} {'test MSE':>10}"]
        for value, train, test in zip(self.values, self.train.tolist(), self.test.tolist()):
            rows.append(f"{value:>8.3g} {train:>10.4g} {test:>10.4g}")
        return "\n".join(rows + [f"lowest test MSE at {self.knob} {self.lowest_test:g} (not how a setting is chosen)"])


def train_test_errors(data, degrees: Iterable[int]) -> ErrorCurve:
    """Train and test MSE of a polynomial fit of each degree in `degrees` to `data`.

    `data` is a `RegressionData` (from `make_regression_data`).
    """
    degrees = [_check_degree(d) for d in degrees]
    if not degrees:
        raise ValueError("degrees must hold at least one degree, got none")
    fits = fit_all_degrees(data.x_train, data.y_train, max(degrees))
    train = [mse(fits[d], data.x_train, data.y_train) for d in degrees]
    test = [mse(fits[d], data.x_test, data.y_test) for d in degrees]
    return ErrorCurve("degree", degrees, torch.tensor(train, dtype=torch.float64),
                      torch.tensor(test, dtype=torch.float64))


def ridge_errors(data, degree: int, ridges: Iterable[float]) -> ErrorCurve:
    """Train and test MSE of the degree-`degree` fit for each ridge strength λ in `ridges`."""
    _check_degree(degree)
    ridges = [_check_ridge(r) for r in ridges]
    if not ridges:
        raise ValueError("ridges must hold at least one λ, got none")
    features = legendre_features(data.x_train, degree)
    y = torch.as_tensor(data.y_train, dtype=torch.float64)
    fits = [PolynomialFit(_solve(features, y, r), r) for r in ridges]
    train = [mse(f, data.x_train, data.y_train) for f in fits]
    test = [mse(f, data.x_test, data.y_test) for f in fits]
    return ErrorCurve("ridge", ridges, torch.tensor(train, dtype=torch.float64),
                      torch.tensor(test, dtype=torch.float64))
