"""Feature dropout against ridge and least squares on many samples of lesson 1's data, every knob
chosen by cross-validation inside its sample.

    p, cv_errors = cross_validated_p(X, data.y_train, ps=[0.01, 0.1, 0.3])
    study = feature_dropout_study(n_samples=20)   # test MSE of each method on each sample
    print(paired_table(study))                    # each method's paired difference from feature dropout
"""
import torch

from lessonkit.core.checks import check_int, check_probability
from lessonkit.core.stats import paired
from lessonkit.lessons.overfitting.data import make_regression_data
from lessonkit.lessons.overfitting.model import fit_polynomial, legendre_features, mse
from lessonkit.lessons.overfitting.train import choose_degree, choose_ridge
from lessonkit.lessons.overfitting.train import folds as fold_indices
from lessonkit.lessons.taming.model import check_features, dropout_ridge


def cross_validated_p(features: torch.Tensor, y: torch.Tensor, ps, k: int = 5, seed: int = 0) -> tuple[float, list]:
    """The p in `ps` with the lowest k-fold cross-validation MSE of `dropout_ridge`, and every p's CV MSE."""
    features, y = check_features(features, y)
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
