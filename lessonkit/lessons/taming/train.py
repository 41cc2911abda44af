"""Dropout on the inputs of a linear model is ridge regression with one penalty per feature.

    X = legendre_features(data.x_train, 15)           # lesson 1's 16 features
    w = dropout_ridge(X, data.y_train, p=0.3)         # the minimum of the expected dropout loss
    w_sgd = dropout_sgd(X, data.y_train, p=0.3)       # the same, found by SGD with real masks
    feature_penalties(X, p=0.3)                       # λ_j = p/(1-p)·(XᵀX)_jj

Why: with inverted dropout every input x_ij becomes x_ij·m_ij/(1-p), m_ij ~ Bernoulli(1-p),
so its mean is x_ij and its variance x_ij²·p/(1-p). The expected squared error then splits
into the plain squared error plus Σ_j λ_j w_j² with λ_j = p/(1-p)·Σ_i x_ij²: ridge, with a
penalty that grows with the size of feature j (Srivastava et al. 2014, §9.1, write it with
their p, the *keep* probability; Wager et al. 2013). Here p is torch's *drop* probability.
Everything is float64, so the numbers are the same on every machine.
"""
import torch

from lessonkit.core.checks import check_int, check_number, check_probability, check_seed
from lessonkit.core.stats import paired
from lessonkit.lessons.overfitting.folds import folds as fold_indices
from lessonkit.lessons.overfitting.polyfit import fit_polynomial, legendre_features, mse
from lessonkit.lessons.overfitting.regression_data import make_regression_data
from lessonkit.lessons.overfitting.selection import choose_degree, choose_ridge


def _checked(features: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    features, y = torch.as_tensor(features, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)
    if features.ndim != 2 or y.shape != features.shape[:1]:
        raise ValueError(f"features must be (points, features) and y (points,), got {tuple(features.shape)} "
                         f"and {tuple(y.shape)}")
    return features, y


def feature_penalties(features: torch.Tensor, p: float) -> torch.Tensor:
    """λ_j = p/(1-p)·Σ_i x_ij²: the ridge penalty that dropout puts on each feature's weight."""
    p = check_probability("p", p)
    features = torch.as_tensor(features, dtype=torch.float64)
    return p / (1 - p) * (features**2).sum(0)


def dropout_ridge(features: torch.Tensor, y: torch.Tensor, p: float) -> torch.Tensor:
    """The weights that minimize the expected loss of dropout on the features, in closed form:
    (XᵀX + diag(λ))⁻¹ Xᵀy. At p = 0 it is plain least squares (X must then have full rank)."""
    features, y = _checked(features, y)
    gram = features.T @ features
    return torch.linalg.solve(gram + torch.diag(feature_penalties(features, p)), features.T @ y)


def dropout_sgd(features: torch.Tensor, y: torch.Tensor, p: float, *, steps: int = 40_000, lr: float | None = None,
                seed: int = 0) -> torch.Tensor:
    """Train the linear model by gradient descent on the mean squared error with dropout on its
    inputs (a fresh mask for every point at every step); return the average of the second
    half of the iterates, which settles on the minimum of the expected loss.

    lr: the step size; None takes half of 1/L, where L bounds the expected loss's curvature.
    """
    features, y = _checked(features, y)
    p = check_probability("p", p)
    check_int("steps", steps, 2)
    generator = torch.Generator().manual_seed(check_seed("seed", seed))
    n = len(y)
    if lr is None:
        curvature = (features.T @ features + torch.diag(feature_penalties(features, p))) * (2 / n)
        lr = 0.5 / torch.linalg.eigvalsh(curvature).max().item()
    lr = check_number("lr", lr, above=0)
    w = torch.zeros(features.shape[1], dtype=torch.float64)
    total = torch.zeros_like(w)
    for step in range(steps):
        keep = torch.rand(features.shape, generator=generator, dtype=torch.float64) >= p
        dropped = features * keep / (1 - p)  # inverted dropout, as torch.nn.Dropout does
        w = w - lr * (2 / n) * dropped.T @ (dropped @ w - y)
        if step >= steps // 2:
            total += w
    return total / (steps - steps // 2)


def cross_validated_p(features: torch.Tensor, y: torch.Tensor, ps, k: int = 5, seed: int = 0) -> tuple[float, list]:
    """The p in `ps` with the lowest k-fold cross-validation MSE of `dropout_ridge`, and every p's CV MSE."""
    features, y = _checked(features, y)
    ps = [check_probability("p", p) for p in ps]
    if not ps:
        raise ValueError("ps must hold at least one p, got none")
    errors = []
    for p in ps:
        fold_errors = [((features[held] @ dropout_ridge(features[fit], y[fit], p) - y[held]) ** 2).mean()
                       for fit, held in fold_indices(len(y), k, seed)]
        errors.append(torch.stack(fold_errors).mean().item())
    return ps[min(range(len(ps)), key=errors.__getitem__)], errors


METHODS = ("least squares, degree 15", "ridge, degree 15 (λ by CV)", "feature dropout, degree 15 (p by CV)",
           "degree chosen by CV")


def feature_dropout_study(n_samples: int = 20, degree: int = 15, ps=(0.01, 0.03, 0.1, 0.3, 0.5),
                          ridges=(1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1.0), degrees=range(21), k: int = 5) -> dict:
    """Test MSE of four ways to fit lesson 1's data, on `n_samples` samples (seeds 0, 1, ...):
    plain least squares at `degree`, ridge and feature dropout at `degree` with λ and p chosen by
    k-fold CV on the training points, and the CV-chosen degree. Returns {method: tensor of MSEs}
    plus "p" and "ridge", the values CV chose on each sample. The test points are read only
    after every choice is made."""
    check_int("n_samples", n_samples, 2)
    check_int("degree", degree, 0)
    results = {name: [] for name in METHODS} | {"p": [], "ridge": []}
    for seed in range(n_samples):
        data = make_regression_data(seed=seed)
        x, y = data.x_train.double(), data.y_train.double()
        features = legendre_features(x, degree)
        test_features, y_test = legendre_features(data.x_test.double(), degree), data.y_test.double()
        p, _ = cross_validated_p(features, y, ps, k, seed)
        ridge = choose_ridge(data, degree, ridges, k, seed).choice  # lesson 1's cross-validation
        chosen_degree = choose_degree(data, degrees, k, seed).choice
        fits = {
            METHODS[0]: fit_polynomial(x, y, degree),
            METHODS[1]: fit_polynomial(x, y, degree, ridge=ridge),
        }
        for name, fit in fits.items():
            results[name].append(mse(fit, data.x_test, data.y_test))
        w = dropout_ridge(features, y, p)
        results[METHODS[2]].append(((test_features @ w - y_test) ** 2).mean().item())
        results[METHODS[3]].append(mse(fit_polynomial(x, y, chosen_degree), data.x_test, data.y_test))
        results["p"].append(p)
        results["ridge"].append(ridge)
    return {name: torch.tensor(values, dtype=torch.float64) for name, values in results.items()}


def paired_table(results: dict, against: str = METHODS[2]) -> str:
    """Each method's mean test MSE, and its paired difference from `against` with its 95% interval."""
    base = results[against]
    n = len(base)
    lines = [f"{n} samples; test MSE, and each method minus {against!r} (paired by sample, 95% interval)",
             f"{'method':<38} {'mean':>8} {'median':>8} {'minus it':>10} {'95% interval':>20} {'lower on':>9}"]
    for name in METHODS:
        values = results[name]
        d = paired(values, base, higher_is_better=False)
        interval = f"{d.low:+.3g} to {d.high:+.3g}"
        cell = "" if name == against else f"{d.mean:>+10.4g} {interval:>20} {d.wins:>5} of {n}"
        lines.append(f"{name:<38} {values.mean().item():>8.4g} {values.median().item():>8.4g} {cell}")
    return "\n".join(lines)
