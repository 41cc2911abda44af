import math

import numpy as np
import pytest
import torch
from numpy.polynomial import legendre

from lessonkit.lessons.overfitting.data import make_regression_data
from lessonkit.lessons.overfitting.model import (
    ErrorCurve,
    PolynomialFit,
    fit_all_degrees,
    fit_polynomial,
    legendre_features,
    mse,
    ridge_errors,
    train_test_errors,
)


@pytest.fixture
def points():
    # A well-posed fixture: 40 points, a cubic plus noise, drawn with numpy's own generator.
    rng = np.random.default_rng(12)
    x = rng.uniform(-1, 1, 40)
    y = 0.5 - x + 2 * x**3 + 0.1 * rng.standard_normal(40)
    return x, y


def test_features_are_numpys_legendre_vandermonde(points):
    x, _ = points
    ours = legendre_features(torch.from_numpy(x), 12).numpy()
    np.testing.assert_allclose(ours, legendre.legvander(x, 12), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("degree", range(0, 9))
def test_fit_predicts_like_numpy_polyfit(points, degree):
    x, y = points
    fit = fit_polynomial(torch.from_numpy(x), torch.from_numpy(y), degree)
    grid = np.linspace(-1, 1, 57)
    expected = np.polyval(np.polyfit(x, y, degree), grid)
    np.testing.assert_allclose(fit(torch.from_numpy(grid)).numpy(), expected, rtol=1e-9, atol=1e-9)
    assert fit.degree == degree and fit.coefficients.dtype == torch.float64


@pytest.mark.parametrize("degree, ridge", [(3, 0.1), (8, 1e-3), (15, 0.5), (15, 1e-6), (25, 2.0)])
def test_ridge_matches_the_closed_form(points, degree, ridge):
    x, y = points
    V = legendre.legvander(x, degree)
    expected = np.linalg.solve(V.T @ V + ridge * np.eye(degree + 1), V.T @ y)
    fit = fit_polynomial(torch.from_numpy(x), torch.from_numpy(y), degree, ridge=ridge)
    np.testing.assert_allclose(fit.coefficients.numpy(), expected, rtol=1e-7, atol=1e-9)
    assert fit.ridge == ridge


def test_stronger_ridge_shrinks_the_coefficients(points):
    x, y = (torch.from_numpy(a) for a in points)
    norms = [fit_polynomial(x, y, 15, ridge=r).coefficients.norm().item() for r in (0, 1e-3, 1e-1, 10, 1e3)]
    assert all(a > b for a, b in zip(norms, norms[1:])), norms


def test_fewer_points_than_coefficients_gives_the_minimum_norm_interpolant():
    data = make_regression_data(n_train=6, seed=3)
    fit = fit_polynomial(data.x_train, data.y_train, 10)
    V = legendre_features(data.x_train, 10)
    expected = torch.linalg.pinv(V) @ data.y_train.double()
    torch.testing.assert_close(fit.coefficients, expected, rtol=1e-8, atol=1e-10)
    assert mse(fit, data.x_train, data.y_train) < 1e-20  # it passes through every point


def test_fit_all_degrees_equals_one_fit_per_degree():
    data = make_regression_data(seed=2)
    fits = fit_all_degrees(data.x_train, data.y_train, 18)
    assert all(isinstance(f, PolynomialFit) for f in fits) and [f.degree for f in fits] == list(range(19))
    for d in (0, 4, 18):
        torch.testing.assert_close(fits[d].coefficients,
                                   fit_polynomial(data.x_train, data.y_train, d).coefficients)


def test_mse_is_the_mean_squared_residual(points):
    x, y = points
    fit = fit_polynomial(torch.from_numpy(x), torch.from_numpy(y), 2)
    expected = np.mean((np.polyval(np.polyfit(x, y, 2), x) - y) ** 2)
    assert mse(fit, torch.from_numpy(x), torch.from_numpy(y)) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_training_error_never_increases_with_degree(seed):
    curve = train_test_errors(make_regression_data(seed=seed), range(25))
    steps = curve.train[1:] - curve.train[:-1]
    assert torch.all(steps <= 1e-12), steps  # nested models: a higher degree can always copy a lower one


def test_default_data_test_error_is_a_u_with_a_low_best_degree():
    curve = train_test_errors(make_regression_data(), range(16))
    assert curve.lowest_test in (3, 4, 5)
    assert curve.test[15] > 10 * curve.test.min()
    assert curve.train[15] < curve.train[curve.lowest_test]  # the overfit model wins on training data
    assert curve.test[0] > curve.test.min() and curve.test[1] > curve.test.min()  # underfit side of the U


def test_legendre_features_are_well_conditioned_where_powers_are_not():
    x = make_regression_data().x_train.double()
    legendre_cond = torch.linalg.cond(legendre_features(x, 15)).item()
    powers_cond = torch.linalg.cond(torch.vander(x, 16)).item()
    assert legendre_cond < 1e4 < 1e6 < powers_cond


def test_error_curve_best_and_ridge_curve_agree_with_fits():
    data = make_regression_data()
    ridges = [0.0, 1e-4, 1e-2, 1.0, 100.0]
    curve = ridge_errors(data, 15, ridges)
    assert isinstance(curve, ErrorCurve) and curve.knob == "ridge"
    for r, train, test in zip(ridges, curve.train, curve.test):
        fit = fit_polynomial(data.x_train, data.y_train, 15, ridge=r)
        assert train.item() == pytest.approx(mse(fit, data.x_train, data.y_train))
        assert test.item() == pytest.approx(mse(fit, data.x_test, data.y_test))
    assert curve.lowest_test == ridges[int(np.argmin(curve.test.numpy()))]
    assert curve.test[0].item() == pytest.approx(train_test_errors(data, [15]).test[0].item())


def test_reprs_say_what_they_hold():
    data = make_regression_data()
    assert repr(fit_polynomial(data.x_train, data.y_train, 7, ridge=0.5)).startswith(
        "PolynomialFit(degree=7, ridge=0.5")
    text = repr(train_test_errors(data, range(6)))
    assert "train MSE" in text and "lowest test MSE at degree 3 (not how a setting is chosen)" in text


@pytest.mark.parametrize("call, error, message", [
    (lambda x, y: fit_polynomial(x, y, -1), ValueError, r"degree must be >= 0, got -1"),
    (lambda x, y: fit_polynomial(x, y, 2.5), TypeError, r"degree must be an int, got float"),
    (lambda x, y: fit_polynomial(x, y, "3"), TypeError, r"degree must be an int, got str"),
    (lambda x, y: fit_polynomial(x, y, True), TypeError, r"degree must be an int, got bool"),
    (lambda x, y: legendre_features(x, -2), ValueError, r"degree must be >= 0, got -2"),
    (lambda x, y: fit_all_degrees(x, y, 3.0), TypeError, r"degree must be an int, got float"),
    (lambda x, y: fit_polynomial(x, y, 3, ridge=-0.1), ValueError, r"ridge must be a finite number >= 0, got -0.1"),
    (lambda x, y: fit_polynomial(x, y, 3, ridge=math.inf), ValueError, r"ridge must be a finite number >= 0, got inf"),
    (lambda x, y: fit_polynomial(x, y, 3, ridge="1"), TypeError, r"ridge must be a number"),
    (lambda x, y: fit_polynomial(x[:0], y[:0], 3), ValueError, r"x must be a 1-D tensor with at least one point"),
    (lambda x, y: fit_polynomial(x, y[:-1], 3), ValueError, r"x and y must have the same shape"),
    (lambda x, y: fit_polynomial(x.reshape(2, -1), y.reshape(2, -1), 3), ValueError, r"x must be a 1-D tensor"),
])
def test_bad_input_is_refused(call, error, message):
    data = make_regression_data()
    with pytest.raises(error, match=message):
        call(data.x_train, data.y_train)


@pytest.mark.parametrize("call, message", [
    (lambda d: train_test_errors(d, []), "degrees must hold at least one degree"),
    (lambda d: train_test_errors(d, [2, -3]), "degree must be >= 0, got -3"),
    (lambda d: ridge_errors(d, 15, []), "ridges must hold at least one"),
    (lambda d: ridge_errors(d, 15, [1.0, -1.0]), "ridge must be a finite number >= 0, got -1.0"),
])
def test_bad_curve_arguments_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call(make_regression_data())


@pytest.mark.parametrize("n_train", [6, 12, 30])
def test_fit_all_degrees_matches_single_fits_with_few_or_many_points(n_train):
    # 6 and 12 points: the low degrees come from the QR, the high ones from the minimum-norm solver.
    data = make_regression_data(n_train=n_train, seed=4)
    fits = fit_all_degrees(data.x_train, data.y_train, 20)
    for d, fit in enumerate(fits):
        single = fit_polynomial(data.x_train, data.y_train, d)
        torch.testing.assert_close(fit(data.x_test), single(data.x_test), rtol=1e-6, atol=1e-8)


def test_fit_all_degrees_handles_repeated_points():
    x = torch.tensor([-0.5, -0.5, 0.0, 0.0, 0.5, 0.5, 0.9, 0.9], dtype=torch.float64)  # 4 distinct x
    y = torch.tensor([1.0, 1.2, 0.0, 0.1, -1.0, -0.8, 0.3, 0.5], dtype=torch.float64)
    for d, fit in enumerate(fit_all_degrees(x, y, 6)):
        expected = torch.linalg.pinv(legendre_features(x, d)) @ y
        torch.testing.assert_close(fit.coefficients, expected, rtol=1e-6, atol=1e-8)
