import dataclasses

import numpy as np
import pytest
import torch
from numpy.polynomial import legendre

from lessonkit.lessons.overfitting.data import make_regression_data, true_function
from lessonkit.lessons.overfitting.model import fit_polynomial, legendre_features, mse, train_test_errors
from lessonkit.lessons.overfitting.train import (
    TRUTH_GRID,
    bias_variance,
    choose_degree,
    choose_ridge,
    choose_steps,
    early_stopping_errors,
    fit_coefficients,
    fold_order,
    gradient_descent_path,
    selection_study,
)


@pytest.fixture(scope="module")
def data():
    return make_regression_data()


def adversarial_test_set(data):
    """The lesson's training points with a test set whose minimum is at degree 0: every test
    y equals the training mean, which the degree-0 fit predicts exactly."""
    flat = torch.full_like(data.y_test, data.y_train.double().mean().item())
    return dataclasses.replace(data, y_test=flat)


def test_validation_wins_where_the_validation_and_test_minima_differ(data):
    rigged = adversarial_test_set(data)
    test = train_test_errors(rigged, range(16)).test
    assert int(test.argmin()) == 0 and test[0] < 1e-12  # the test set "prefers" degree 0
    chosen = choose_degree(rigged, range(16))
    assert chosen.choice == int(chosen.validation.argmin()) != 0  # cross-validation is not fooled
    # and the choice never depends on the test set: same folds, same training points, same answer
    assert choose_degree(data, range(16)).choice == chosen.choice
    torch.testing.assert_close(choose_degree(data, range(16)).validation, chosen.validation)


def test_the_lessons_sample_is_itself_a_case_where_they_differ(data):
    assert choose_degree(data, range(21)).choice != train_test_errors(data, range(21)).lowest_test


def test_cv_errors_match_an_independent_numpy_legendre_fit(data):
    folds, seed, degrees = 5, 3, range(11)
    chosen = choose_degree(data, degrees, folds=folds, seed=seed)
    x, y = data.x_train.double().numpy(), data.y_train.double().numpy()
    order = fold_order(len(x), seed).numpy()
    for degree in degrees:
        per_fold = []
        for k in range(folds):
            held = order[k::folds]
            kept = np.setdiff1d(order, held)
            coefficients = legendre.legfit(x[kept], y[kept], degree)
            per_fold.append(np.mean((legendre.legval(x[held], coefficients) - y[held]) ** 2))
        np.testing.assert_allclose(chosen.validation[degree].item(), np.mean(per_fold), rtol=1e-7)
        np.testing.assert_allclose(chosen.validation_std[degree].item(), np.std(per_fold, ddof=1), rtol=1e-6)
    np.testing.assert_allclose(chosen.train.numpy(), train_test_errors(data, degrees).train.numpy(), rtol=1e-10)


def test_choose_ridge_fits_match_fit_polynomial_and_choose_on_cv(data):
    ridges = [1e-6, 1e-3, 1e-1, 10.0]
    chosen = choose_ridge(data, degree=15, ridges=ridges)
    for lam, train in zip(ridges, chosen.train.tolist()):
        fit = fit_polynomial(data.x_train, data.y_train, 15, ridge=lam)
        assert train == pytest.approx(mse(fit, data.x_train, data.y_train), rel=1e-8)
    assert chosen.choice == ridges[int(chosen.validation.argmin())]
    assert "chosen by 5-fold cross-validation: ridge" in repr(chosen)


@pytest.mark.parametrize("degree", [3, 15, 19, 20])
def test_fit_coefficients_agree_with_fit_polynomial_minimum_norm_included(data, degree):
    ours = fit_coefficients(data.x_train.double(), data.y_train.double(), degree)
    torch.testing.assert_close(ours, fit_polynomial(data.x_train, data.y_train, degree).coefficients,
                               rtol=1e-6, atol=1e-6)


def test_selection_study_records_both_choices_and_their_true_errors():
    study = selection_study(n_samples=6, degrees=range(13), seed=10)
    assert study.n_samples == 6 and (study.test_of_cv_choice >= study.lowest_test).all()
    for i in range(6):
        sample = make_regression_data(seed=10 + i)
        curve = train_test_errors(sample, range(13))
        assert study.test_choice[i].item() == curve.lowest_test
        assert study.lowest_test[i].item() == pytest.approx(curve.test.min().item(), rel=1e-8)
        assert study.cv_choice[i].item() == choose_degree(sample, range(13), seed=10 + i).choice
        fit = fit_polynomial(sample.x_train, sample.y_train, int(study.cv_choice[i]))
        truth = 0.2**2 + torch.mean((fit(TRUTH_GRID) - true_function(TRUTH_GRID)) ** 2).item()
        assert study.true_of_cv_choice[i].item() == pytest.approx(truth, rel=1e-8)
    assert "paired differences" in repr(study)


def test_bias_variance_decomposes_the_mean_squared_distance():
    study = bias_variance(5, n_samples=8, seed=2)
    for i in (0, 7):
        sample = make_regression_data(seed=2 + i)
        expected = fit_polynomial(sample.x_train, sample.y_train, 5)(TRUTH_GRID)
        torch.testing.assert_close(study.curves[i], expected, rtol=1e-8, atol=1e-10)
    distance = ((study.curves - true_function(TRUTH_GRID)) ** 2).mean().item()
    assert study.bias2 + study.variance == pytest.approx(distance, rel=1e-10)
    assert bias_variance(15).variance > 100 * bias_variance(3).variance  # overfitting is variance


@pytest.mark.parametrize("call, error, message", [
    (lambda d: choose_degree(d, range(5), folds=1), ValueError, r"folds must be in \[2, 20\], got 1"),
    (lambda d: choose_degree(d, range(5), folds=21), ValueError, r"folds must be in \[2, 20\], got 21"),
    (lambda d: choose_degree(d, []), ValueError, r"degrees must hold at least one degree"),
    (lambda d: choose_degree(d, "012"), TypeError, r"degrees must be an iterable of ints, got str"),
    (lambda d: choose_degree(d, [1, -2]), ValueError, r"degree must be >= 0, got -2"),
    (lambda d: choose_degree(d, range(5), seed=-1), ValueError, r"seed must be in \[0, 2\*\*32\)"),
    (lambda d: choose_ridge(d, 15, [0.1, -1.0]), ValueError, r"ridge must be a finite number >= 0"),
    (lambda d: choose_ridge(d, 15, 0.1), TypeError, r"ridges must be an iterable of numbers, got float"),
    (lambda d: selection_study(n_samples=1), ValueError, r"n_samples must be >= 2, got 1"),
    (lambda d: selection_study(n_samples=3, noise=-0.1), ValueError, r"noise must be a finite number >= 0"),
    (lambda d: bias_variance(2.5), TypeError, r"degree must be an int, got float"),
    (lambda d: bias_variance(3, n_samples=1), ValueError, r"n_samples must be >= 2, got 1"),
])
def test_bad_input_names_the_argument_and_its_range(data, call, error, message):
    with pytest.raises(error, match=message):
        call(data)


def test_gradient_descent_closed_form_matches_a_plain_loop_and_its_limit(data):
    x, y = data.x_train.double(), data.y_train.double()
    features = legendre_features(x, 15)
    step = len(x) / (2 * torch.linalg.svdvals(features)[0] ** 2)
    c = torch.zeros(16, dtype=torch.float64)
    for _ in range(40):
        c = c - step * (2 / len(x)) * features.T @ (features @ c - y)
    path = gradient_descent_path(x, y, 15, [0, 40, 10**12])
    torch.testing.assert_close(path[0], torch.zeros(16, dtype=torch.float64))
    torch.testing.assert_close(path[1], c, rtol=1e-9, atol=1e-11)
    torch.testing.assert_close(path[2], fit_polynomial(data.x_train, data.y_train, 15).coefficients,
                               rtol=1e-6, atol=1e-8)  # run long enough, it reaches least squares


def test_early_stopping_is_chosen_on_validation_not_on_the_test_set(data):
    rigged = adversarial_test_set(data)
    steps = [1, 10, 100, 1000, 10**5]
    test = early_stopping_errors(rigged, 15, steps).test
    chosen = choose_steps(rigged, 15, steps)
    assert chosen.choice == steps[int(chosen.validation.argmin())]
    assert chosen.choice != steps[int(test.argmin())]  # the rigged test set prefers another step
    assert chosen.choice == choose_steps(data, 15, steps).choice


@pytest.mark.parametrize("call, error, message", [
    (lambda d: choose_steps(d, 15, []), ValueError, r"steps must hold at least one"),
    (lambda d: choose_steps(d, 15, [10, -1]), ValueError, r"steps must be >= 0, got -1"),
    (lambda d: choose_steps(d, 15, 10), TypeError, r"steps must be an iterable of ints, got int"),
    (lambda d: choose_steps(d, 15, [10], folds=0), ValueError, r"folds must be in \[2, 20\], got 0"),
])
def test_bad_early_stopping_input_names_the_argument(data, call, error, message):
    with pytest.raises(error, match=message):
        call(data)


def test_one_standard_error_rule_against_a_hand_computation_from_the_folds(data):
    """The rule, recomputed from the five folds' errors by the ten-line loop of the lesson: the
    lowest degree whose mean CV error is within one standard error (the folds' sample standard
    deviation / √5) of the lowest mean."""
    import statistics

    from lessonkit.lessons.overfitting.model import mse
    from lessonkit.lessons.overfitting.train import folds

    per_degree = []
    for degree in range(21):
        errors = [mse(fit_polynomial(data.x_train[fit], data.y_train[fit], degree), data.x_train[held],
                      data.y_train[held]) for fit, held in folds(data.n_train, 5, seed=0)]
        per_degree.append((statistics.mean(errors), statistics.stdev(errors) / 5**0.5))
    best = min(range(21), key=lambda d: per_degree[d][0])
    limit = per_degree[best][0] + per_degree[best][1]
    expected = min(d for d in range(21) if per_degree[d][0] <= limit)
    selection = choose_degree(data, range(21), folds=5, seed=0)
    assert selection.one_standard_error == expected
    assert selection.one_standard_error <= selection.choice
    ridge = choose_ridge(data, degree=15, ridges=[1e-6, 1e-4, 1e-2, 0.1, 1.0], folds=5, seed=0)
    best = int(torch.argmin(ridge.validation))
    within = [lam for lam, e in zip(ridge.values, ridge.validation.tolist())
              if e <= ridge.validation[best].item() + ridge.standard_errors[best].item()]
    assert ridge.one_standard_error == max(within)  # for λ the simplest is the strongest penalty


def test_one_standard_error_rule_picks_the_fewest_steps_for_early_stopping():
    from lessonkit.lessons.overfitting.train import Selection

    errors = torch.tensor([0.30, 0.11, 0.10, 0.105, 0.20], dtype=torch.float64)
    steps = Selection("steps", [10, 100, 1000, 10_000, 100_000], errors, errors,
                      torch.full_like(errors, 0.02), folds=4)  # standard error 0.01: 100 to 10,000 are within
    assert steps.one_standard_error == 100
