import numpy as np
import pytest

from lessonkit.core.figures import png_bytes
from lessonkit.core.training import History
from lessonkit.lessons.mnist.plots import (
    LiveCurves,
    PSweepBrowser,
    curves_figure,
    prediction_grid,
    size_figure,
    sweep_summary,
)


def fake_history(p, epochs=5, eval_train=True):
    history = History()
    for e in range(1, epochs + 1):
        row = dict(epoch=e, train_loss=1 / e + p, train_acc=0.9 - p / 10 + e / 100, test_loss=1 / e + 0.1,
                   test_acc=0.85 + p / 20)
        if eval_train:
            row.update(train_eval_loss=0.5 / e, train_eval_acc=0.95 + e / 200 - p / 10)
        history.add(**row)
    return history


def test_sweep_summary_uses_eval_mode_train_accuracy_when_recorded():
    rows = sweep_summary({0.0: fake_history(0.0), 0.5: fake_history(0.5, eval_train=False)})
    assert rows[0]["train_acc"] == pytest.approx(0.95 + 5 / 200)
    assert rows[1]["train_acc"] == pytest.approx(0.9 - 0.05 + 0.05)  # running accuracy as fallback
    for row in rows:
        assert row["gap"] == pytest.approx(row["train_acc"] - row["test_acc"])


def test_p_sweep_browser_slider_moves_curves_and_numbers():
    histories = {p: fake_history(p) for p in (0.0, 0.3, 0.5)}
    browser = PSweepBrowser(histories)
    assert browser.slider.description == "p" and browser.slider.value == 0.3
    before_text, before_png = browser.numbers.value, browser.image.value
    assert "p = 0.3" in before_text and "86.50%" in before_text  # 0.85 + 0.3 / 20
    browser.slider.value = 0.5
    assert browser.numbers.value != before_text and browser.image.value != before_png
    assert list(browser.lines["test_acc"].get_ydata()) == histories[0.5]["test_acc"]
    assert list(browser.lines["train_acc"].get_ydata()) == histories[0.5]["train_eval_acc"]
    browser.slider.value = 0.3  # back to a p drawn before: the same picture and numbers again
    assert browser.image.value == before_png and browser.numbers.value == before_text
    # one scale for every p: the limits cover all runs
    low, high = browser.acc_ax.get_ylim()
    assert all(low <= v <= high for h in histories.values() for v in h["test_acc"] + h["train_eval_acc"])


def test_p_sweep_browser_needs_runs():
    with pytest.raises(ValueError, match="histories"):
        PSweepBrowser({})


def test_live_curves_follow_the_history(monkeypatch):
    shown = []
    curves = LiveCurves(epochs=5)
    monkeypatch.setattr(curves.plot, "show", lambda: shown.append(1))
    history = fake_history(0.3, epochs=3)
    curves(history)
    assert list(curves.lines["test_loss"].get_xdata()) == [1, 2, 3]
    assert list(curves.lines["train_acc"].get_ydata()) == history["train_acc"]
    assert shown == [1]


def test_static_figures_draw():
    runs = {"p = 0.3": fake_history(0.3), "no dropout": fake_history(0.0)}
    figure = curves_figure(runs, title="x")
    assert len(figure.axes[0].lines) == 4 and png_bytes(figure).startswith(b"\x89PNG")
    figure = size_figure([1000, 5000], {"a": [0.9, 0.95], "b": [0.8, 0.9]})
    assert len(figure.axes) == 1 and len(figure.axes[0].lines) == 2


def test_size_figure_with_losses_draws_each_value_in_its_own_panel():
    figure = size_figure([500, 1000, 5000], {"a": [0.8, 0.9, 0.95]}, losses={"a": [0.9, 0.5, 0.2]})
    acc_ax, loss_ax = figure.axes
    assert list(acc_ax.lines[0].get_ydata()) == [0.8, 0.9, 0.95]
    assert list(loss_ax.lines[0].get_ydata()) == [0.9, 0.5, 0.2]
    assert list(loss_ax.lines[0].get_xdata()) == [500, 1000, 5000]
    assert "loss" in loss_ax.get_ylabel()


def test_size_figure_refuses_values_that_do_not_match_the_sizes():
    with pytest.raises(ValueError, match="loss of 'a' has 2 values for 3 sizes"):
        size_figure([1, 2, 3], {"a": [1, 2, 3]}, losses={"a": [1, 2]})


def test_prediction_grid_marks_mistakes_in_red():
    images = np.zeros((6, 784))
    figure = prediction_grid(images, [1, 2, 3, 4, 5, 6], [1, 2, 0, 4, 5, 0], ncols=3)
    titles = [(ax.get_title(), ax.title.get_color()) for ax in figure.axes]
    assert titles[2] == ("3 (true 0)", "red") and titles[0] == ("1", "black")
    assert sum(color == "red" for _, color in titles) == 2


def test_sweep_figure_plots_accuracy_and_gap_per_p():
    from lessonkit.lessons.mnist.plots import sweep_figure

    rows = sweep_summary({p: fake_history(p) for p in (0.0, 0.5)})
    figure = sweep_figure(rows)
    acc_line, gap_line = figure.axes[0].lines[0], figure.axes[1].lines[0]
    assert list(acc_line.get_xdata()) == [0.0, 0.5]
    assert list(gap_line.get_ydata()) == [row["gap"] for row in rows]
