"""Dropout on a linear model's inputs is ridge with one penalty per feature: checked against numpy,
against SGD with real masks, and against a Monte Carlo average of the dropout loss."""
import numpy as np
import pytest
import torch

from lessonkit.lessons.overfitting.data import make_regression_data
from lessonkit.lessons.overfitting.model import fit_polynomial, legendre_features
from lessonkit.lessons.taming.model import dropout_ridge, dropout_sgd, feature_penalties
from lessonkit.lessons.taming.train import METHODS, cross_validated_p, feature_dropout_study, study_table
from lessonkit.lessons.taming.widgets import FeatureDropoutExplorer

DATA = make_regression_data()
X = legendre_features(DATA.x_train.double(), 15)
Y = DATA.y_train.double()


def test_closed_form_equals_an_independent_numpy_solve():
    p = 0.3
    x, y = X.numpy(), Y.numpy()
    gram = x.T @ x
    expected = np.linalg.solve(gram + p / (1 - p) * np.diag(np.diag(gram)), x.T @ y)
    np.testing.assert_allclose(dropout_ridge(X, Y, p).numpy(), expected, rtol=1e-9, atol=1e-12)


def test_expected_dropout_loss_is_the_plain_loss_plus_the_feature_penalties():
    # a Monte Carlo average of the dropout loss at fixed weights, against the closed-form split
    p, w = 0.3, dropout_ridge(X, Y, 0.1)
    g = torch.Generator().manual_seed(0)
    losses = torch.stack([((X * (torch.rand(X.shape, generator=g, dtype=torch.float64) >= p) / (1 - p)) @ w - Y)
                          .pow(2).mean() for _ in range(20_000)])
    predicted = (((X @ w - Y) ** 2).sum() + (feature_penalties(X, p) * w**2).sum()) / len(Y)
    assert abs(losses.mean() - predicted) < 4 * losses.std() / len(losses) ** 0.5


def test_sgd_with_real_masks_settles_on_the_closed_form():
    # stated tolerance: averaged iterates within 3% of the closed-form weights (measured: about 1%)
    for p in (0.1, 0.3):
        exact = dropout_ridge(X, Y, p)
        found = dropout_sgd(X, Y, p, steps=40_000, seed=1)
        assert (found - exact).norm() / exact.norm() < 0.03
    assert not torch.allclose(dropout_sgd(X, Y, 0.3, steps=400, seed=1), dropout_sgd(X, Y, 0.3, steps=400, seed=2))


def test_p_zero_is_plain_least_squares_and_penalties_follow_the_feature_sizes():
    plain = fit_polynomial(DATA.x_train, DATA.y_train, 10)
    features = legendre_features(DATA.x_train.double(), 10)
    torch.testing.assert_close(features @ dropout_ridge(features, Y, 0.0), plain(DATA.x_train.double()))
    penalties = feature_penalties(X, 0.5)
    torch.testing.assert_close(penalties, (X**2).sum(0))  # p/(1-p) = 1 at p = 0.5
    assert penalties[0] == penalties.max()  # the constant feature P0 = 1 is the largest one here


def test_cross_validation_picks_the_p_with_the_lowest_cv_error():
    ps = [0.01, 0.1, 0.5]
    chosen, errors = cross_validated_p(X, Y, ps, k=5, seed=0)
    assert chosen == ps[int(np.argmin(errors))] and len(errors) == 3


def test_the_study_compares_every_method_on_the_same_samples():
    results = feature_dropout_study(n_samples=3, ps=(0.03, 0.3), ridges=(1e-3, 1e-1), degrees=range(8))
    assert all(len(results[name]) == 3 for name in METHODS)
    assert (results[METHODS[0]] > results[METHODS[2]]).all()  # dropout tames degree 15's least squares
    table = study_table(results)
    assert "3 samples" in table and "95% interval" in table and " to " in table


@pytest.mark.parametrize("call, error, message", [
    (lambda: dropout_ridge(X, Y, 1.0), ValueError, r"p must be in \[0, 1\), got 1.0"),
    (lambda: dropout_ridge(X, Y[:-1], 0.3), ValueError, "features must be"),
    (lambda: dropout_sgd(X, Y, 0.3, steps=1), ValueError, "steps must be >= 2, got 1"),
    (lambda: dropout_sgd(X, Y, 0.3, lr=0.0), ValueError, "lr must be a finite number > 0"),
    (lambda: cross_validated_p(X, Y, []), ValueError, "ps must hold at least one p"),
    (lambda: FeatureDropoutExplorer(DATA, p=1.5), ValueError, r"p must be in \[0, 1\)"),
])
def test_bad_input_is_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_the_explorer_redraws_from_the_closed_form():
    explorer = FeatureDropoutExplorer(DATA, p=0.1)
    before = explorer.image.value
    explorer.slider.value = 0.5
    assert explorer.image.value != before and "p = 0.5" in explorer.numbers.value
    grid = explorer.grid_features @ dropout_ridge(X, Y, 0.5)
    np.testing.assert_allclose(explorer.line.get_ydata(), grid.numpy())
