import numpy as np
import pytest
import torch

from lessonkit.lessons.overfitting.data import make_regression_data
from lessonkit.lessons.overfitting.model import fit_polynomial, train_test_errors
from lessonkit.lessons.overfitting.plots import COLORS, GRID
from lessonkit.lessons.overfitting.train import choose_degree
from lessonkit.lessons.overfitting.widgets import MAX_DEGREE, PolyExplorer, RidgeExplorer


@pytest.fixture
def explorer():
    return PolyExplorer()


def snapshot(explorer):
    return (bytes(explorer.image.value), explorer.readout.value)


def test_default_state_shows_the_default_fit(explorer):
    data = make_regression_data()
    expected = fit_polynomial(data.x_train, data.y_train, 3)(GRID)
    np.testing.assert_allclose(explorer.fit_line.get_ydata(), expected.numpy(), rtol=1e-10, atol=1e-12)
    assert explorer.degree.description == "degree"
    assert bytes(explorer.image.value).startswith(b"\x89PNG")
    bundle = explorer._repr_mimebundle_()
    assert "image/png" in bundle and "application/vnd.jupyter.widget-view+json" in bundle


def test_degree_slider_swaps_the_fitted_curve(explorer):
    before = snapshot(explorer)
    explorer.degree.value = 15
    data = make_regression_data()
    expected = fit_polynomial(data.x_train, data.y_train, 15)(GRID)
    np.testing.assert_allclose(explorer.fit_line.get_ydata(), expected.numpy(), rtol=1e-8, atol=1e-10)
    assert list(explorer.current_marker.get_xdata()) == [15, 15]
    errors = train_test_errors(data, [15])
    assert f"test MSE <b>{errors.test[0].item():.4g}</b>" in explorer.readout.value
    assert snapshot(explorer)[0] != before[0] and snapshot(explorer)[1] != before[1]


def test_points_slider_draws_a_new_sample_size(explorer):
    explorer.points.value = 40
    offsets = explorer.train_dots.get_offsets()
    data = make_regression_data(n_train=40)
    assert len(offsets) == 40
    np.testing.assert_allclose(offsets[:, 1], data.y_train.numpy())
    np.testing.assert_allclose(explorer.test_line.get_ydata()[:5], train_test_errors(data, range(5)).test.numpy())
    assert "40 points" in explorer.error_ax.get_title()


def test_noise_slider_changes_the_sample(explorer):
    before = explorer.train_dots.get_offsets().copy()
    explorer.noise.value = 0.5
    after = explorer.train_dots.get_offsets()
    np.testing.assert_allclose(after[:, 1], make_regression_data(noise=0.5).y_train.numpy())
    assert not np.allclose(before[:, 1], after[:, 1])


def test_new_sample_button_draws_the_next_seed(explorer):
    explorer.new_sample.click()
    assert explorer.seed == 1
    np.testing.assert_allclose(explorer.train_dots.get_offsets()[:, 0], make_regression_data(seed=1).x_train.numpy())
    assert "sample 1" in explorer.error_ax.get_title()


def test_the_star_and_the_colors_follow_cross_validation_not_the_test_set(explorer):
    data = make_regression_data()
    chosen = choose_degree(data, range(MAX_DEGREE + 1), folds=5, seed=0).choice
    assert chosen != train_test_errors(data, range(MAX_DEGREE + 1)).lowest_test
    assert list(explorer.chosen_marker.get_xdata()) == [chosen]
    simplest = explorer.selection.one_standard_error
    assert simplest < chosen  # on the lesson's sample the one-SE rule picks a simpler degree
    assert explorer.error_ax.get_title().endswith(f"CV minimum {chosen}, one-SE rule {simplest}")
    colors = {}
    for degree in range(MAX_DEGREE + 1):
        explorer.degree.value = degree
        colors[degree] = explorer.fit_line.get_color()
    # green exactly from the one-SE degree to the CV minimum; purple below, yellow above
    assert {d for d, c in colors.items() if c == COLORS["good"]} == set(range(simplest, chosen + 1))
    assert all(colors[d] == COLORS["underfit"] for d in range(simplest))
    assert all(colors[d] == COLORS["overfit"] for d in range(chosen + 1, MAX_DEGREE + 1))
    assert f"one-standard-error rule picks degree {simplest}" in explorer.readout.value
    explorer.new_sample.click()  # a new sample is chosen on afresh
    assert list(explorer.chosen_marker.get_xdata()) == [explorer.selection.choice]


def test_fewer_points_than_coefficients_is_explained(explorer):
    explorer.points.value = 5
    explorer.degree.value = MAX_DEGREE
    assert "minimum-norm" in explorer.readout.value


def test_ridge_slider_tames_the_overfit_curve():
    explorer = RidgeExplorer(ridge=1e-6)
    before = snapshot(explorer)
    explorer.ridge.value = 0.1
    data = make_regression_data()
    expected = fit_polynomial(data.x_train, data.y_train, 15, ridge=explorer.ridge.value)(GRID)
    np.testing.assert_allclose(explorer.fit_line.get_ydata(), expected.numpy(), rtol=1e-8, atol=1e-10)
    assert snapshot(explorer)[0] != before[0] and snapshot(explorer)[1] != before[1]
    assert "λ = 0.1" in explorer.readout.value
    # the tamed curve stays inside the plotted range where the plain one leaves it
    assert torch.as_tensor(explorer.fit_line.get_ydata()).abs().max() < 2


@pytest.mark.parametrize("make, message", [
    (lambda: PolyExplorer(degree=-1), r"degree must be in \[0, 20\], got -1"),
    (lambda: PolyExplorer(degree=21), r"degree must be in \[0, 20\], got 21"),
    (lambda: PolyExplorer(n_train=0), r"n_train must be in \[5, 200\], got 0"),
    (lambda: PolyExplorer(noise=-0.1), r"noise must be a finite number in \[0, 1\], got -0.1"),
    (lambda: PolyExplorer(seed=-1), r"seed must be in"),
    (lambda: RidgeExplorer(ridge=-1.0), r"ridge must be a finite number in \[1e-08, 100\], got -1.0"),
    (lambda: RidgeExplorer(ridge=0.0), r"ridge must be a finite number in \[1e-08, 100\], got 0.0"),
    (lambda: RidgeExplorer(degree=-2), r"degree must be in \[0, 20\], got -2"),
])
def test_bad_starting_values_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_degree_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match=r"degree must be an int, got float"):
        PolyExplorer(degree=2.5)
