import numpy as np
import pytest

from lessonkit.lessons.overfitting.data import make_regression_data
from lessonkit.lessons.overfitting.model import fit_polynomial
from lessonkit.lessons.taming.model import fit_mlp, mc_dropout_predict
from lessonkit.lessons.taming.plots import (
    GRID,
    WIDE,
    plot_error_vs_p,
    plot_fits,
    plot_loss_curves,
    plot_mc_dropout,
    plot_overfit_vs_polynomial,
)
from lessonkit.lessons.taming.train import train_p_grid
from lessonkit.lessons.taming.widgets import PExplorer

DATA = make_regression_data()


@pytest.fixture(scope="module")
def fits():
    # short trainings: the figures are tested here, not the lesson's claims
    return train_p_grid(DATA, [0.0, 0.3, 0.6], epochs=40, hidden=32)


def test_the_p_slider_changes_the_plotted_curve_and_the_numbers(fits):
    explorer = PExplorer(DATA, fits)
    assert explorer.slider.description == "p"
    before_curve = explorer.line.get_ydata().copy()
    before_text, before_png = explorer.numbers.value, explorer.image.value
    explorer.slider.value = 0.6
    after = explorer.line.get_ydata()
    assert not np.allclose(before_curve, after)
    assert np.allclose(after, fits[2].predict(GRID).numpy())  # the p=0.6 network's own curve
    assert explorer.numbers.value != before_text and "0.6" in explorer.numbers.value
    assert explorer.image.value != before_png
    marker_x, marker_y = explorer.test_marker.get_data()
    assert list(marker_x) == [0.6] and list(marker_y) == [fits[2].test_mse]
    bundle = explorer._repr_mimebundle_()  # what a notebook stores: the widget and its PNG
    assert "application/vnd.jupyter.widget-view+json" in bundle and bundle["image/png"]


def test_explorer_refuses_a_p_it_has_no_network_for(fits):
    with pytest.raises(ValueError, match=r"p must be one of the trained values"):
        PExplorer(DATA, fits, p=0.5)
    with pytest.raises(TypeError, match="fits must be"):
        PExplorer(DATA, [])


def test_static_figures_draw_what_they_promise(fits):
    overfit, dropout, _ = fits
    l2 = fit_mlp(DATA, weight_decay=1e-3, epochs=40, hidden=32)
    figure = plot_overfit_vs_polynomial(DATA, overfit)
    poly_line = figure.axes[1].get_lines()[-1]
    assert np.allclose(poly_line.get_ydata(), fit_polynomial(DATA.x_train, DATA.y_train, 15)(GRID).numpy())
    figure = plot_fits(DATA, [overfit, dropout, l2])
    labels = [line.get_label() for line in figure.axes[0].get_lines()]
    assert any(text.startswith("no dropout") for text in labels) and any(text.startswith("L2") for text in labels)
    # the p grid keeps only each fit's last epoch; fit_mlp keeps every epoch
    overfit, dropout = (fit_mlp(DATA, p=p, epochs=40, hidden=32) for p in (0.0, 0.3))
    figure = plot_loss_curves([overfit, dropout], noise=DATA.noise)
    train_ax, test_ax = figure.axes
    for ax, key in ((train_ax, "train_eval_loss"), (test_ax, "test_loss")):  # one panel each, no curve hidden
        curves = [line for line in ax.get_lines() if len(line.get_xdata()) == 40]
        assert [list(line.get_ydata()) for line in curves] == [fit.history[key] for fit in (overfit, dropout)]
    figure = plot_error_vs_p(fits)
    test_line = figure.axes[0].get_lines()[1]
    assert list(test_line.get_ydata()) == [f.test_mse for f in fits]
    figure = plot_mc_dropout(DATA, dropout, passes=20)
    mean, std = mc_dropout_predict(dropout.model, WIDE, passes=20, seed=0)
    band = figure.axes[0].collections[0].get_paths()[0].vertices[:, 1]  # the shaded band's outline
    assert band.max() == pytest.approx((mean + std).max().item(), rel=1e-6)  # mean ± one std of the passes
    assert band.min() == pytest.approx((mean - std).min().item(), rel=1e-6)
    truth = next(line for line in figure.axes[0].get_lines() if line.get_label() == "true function")
    assert np.allclose(truth.get_ydata(), DATA.true_fn(WIDE).numpy())  # the text argues from it
