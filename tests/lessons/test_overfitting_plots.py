import numpy as np
import pytest
import torch

from lessonkit.lessons.overfitting import plots as polyplots
from lessonkit.lessons.overfitting.data import make_regression_data
from lessonkit.lessons.overfitting.model import fit_polynomial, mse, train_test_errors
from lessonkit.lessons.overfitting.train import bias_variance, choose_degree, choose_steps


@pytest.fixture(scope="module")
def data():
    return make_regression_data()


def fitted_line(ax, color):
    lines = [line for line in ax.get_lines() if line.get_color() == color]
    assert len(lines) == 1
    return lines[0]


def test_three_regimes_show_each_fit_and_its_errors(data):
    figure = polyplots.plot_three_regimes(data, degrees=(1, 3, 15))
    assert len(figure.axes) == 3
    colors = [polyplots.COLORS[k] for k in ("underfit", "good", "overfit")]
    for ax, degree, color in zip(figure.axes, (1, 3, 15), colors):
        fit = fit_polynomial(data.x_train, data.y_train, degree)
        np.testing.assert_allclose(fitted_line(ax, color).get_ydata(), fit(polyplots.GRID).numpy())
        title = ax.get_title()
        assert f"degree {degree}" in title
        assert f"train MSE {mse(fit, data.x_train, data.y_train):.3g}" in title
        assert f"test MSE {mse(fit, data.x_test, data.y_test):.3g}" in title
        assert ax.get_xlabel() == "x" and ax.get_legend() is not None


def test_test_truth_draws_good_and_overfit_over_the_test_points(data):
    ax = polyplots.plot_test_truth(data, good=4, overfit=14).axes[0]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    for degree in (4, 14):
        fit = fit_polynomial(data.x_train, data.y_train, degree)
        assert any(label.startswith(f"degree {degree}: train MSE {mse(fit, data.x_train, data.y_train):.3g}")
                   for label in labels)
    test_dots = ax.collections[0]
    np.testing.assert_allclose(test_dots.get_offsets()[:, 1], data.y_test.numpy())


def test_error_vs_degree_stars_the_degree_chosen_by_cross_validation(data):
    selection = choose_degree(data, range(17))
    ax = polyplots.plot_error_vs_degree(data, selection).axes[0]
    curve = train_test_errors(data, range(17))
    assert ax.get_yscale() == "log"
    train_line, test_line, cv_line, chosen = ax.get_lines()[:4]
    np.testing.assert_allclose(test_line.get_ydata(), polyplots.clip_errors(curve.test).numpy())
    np.testing.assert_allclose(train_line.get_ydata(), polyplots.clip_errors(curve.train).numpy())
    np.testing.assert_allclose(cv_line.get_ydata(), polyplots.clip_errors(selection.validation).numpy())
    assert curve.lowest_test != selection.choice  # on this sample the test minimum is elsewhere: the star ignores it
    assert list(chosen.get_xdata()) == [selection.choice] and f"degree {selection.choice}" in ax.get_title()
    assert test_line.get_label() == polyplots.TEST_LABEL and "never used to choose" in polyplots.TEST_LABEL


def test_train_and_test_error_figure_chooses_nothing(data):
    ax = polyplots.plot_train_and_test_error(data, max_degree=12).axes[0]
    assert len(ax.get_lines()) == 2 and "best" not in ax.get_title() and "choos" not in ax.get_title()


def test_early_stopping_figure_stars_the_cv_step(data):
    ax = polyplots.plot_early_stopping(data).axes[0]
    chosen = choose_steps(data, 15)
    assert ax.get_xscale() == "log" and f"stops at step {chosen.choice}" in ax.get_title()
    assert list(ax.get_lines()[3].get_xdata()) == [chosen.choice]


def test_bias_variance_panels_overlay_every_fit_and_name_the_measures():
    figure = polyplots.plot_bias_variance(degrees=(3, 15), n_samples=6)
    for ax, degree in zip(figure.axes, (3, 15)):
        study = bias_variance(degree, n_samples=6)
        assert len(ax.get_lines()) == 6 + 2
        np.testing.assert_allclose(ax.get_lines()[6 + 1].get_ydata(), study.mean_curve.numpy())
        assert f"bias² {study.bias2:.3g}, variance {study.variance:.3g}" in ax.get_title()


def test_more_data_curve_is_the_median_over_samples():
    sizes, seeds = (20, 200), range(3)
    ax = polyplots.plot_more_data(sizes=sizes, degree=15, seeds=seeds).axes[0]
    test_line = ax.get_lines()[1]
    expected = [np.median([train_test_errors(make_regression_data(n_train=n, seed=s), [15]).test[0].item()
                           for s in seeds]) for n in sizes]
    np.testing.assert_allclose(test_line.get_ydata(), np.clip(expected, *polyplots.ERROR_LIMITS), rtol=1e-12)
    assert expected[1] < expected[0]  # more data lowers the test error of degree 15


def test_features_figure_draws_one_legendre_polynomial_per_coefficient():
    ax = polyplots.plot_features(4).axes[0]
    lines = ax.get_lines()
    assert len(lines) == 5
    x = polyplots.GRID.numpy()
    np.testing.assert_allclose(lines[2].get_ydata(), (3 * x**2 - 1) / 2, atol=1e-12)  # P2


def test_regime_color_and_clipping():
    assert polyplots.regime_color(6, chosen=6) == polyplots.COLORS["good"]
    assert polyplots.regime_color(0, chosen=6) == polyplots.COLORS["underfit"]
    assert polyplots.regime_color(15, chosen=6) == polyplots.COLORS["overfit"]
    clipped = polyplots.clip_errors(torch.tensor([1e-30, 0.5, 1e30]))
    assert clipped.tolist() == pytest.approx([polyplots.ERROR_LIMITS[0], 0.5, polyplots.ERROR_LIMITS[1]])


def test_bad_degree_reaches_the_learner():
    with pytest.raises(ValueError, match="degree must be >= 0, got -1"):
        polyplots.plot_features(-1)
