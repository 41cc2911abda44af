"""Lesson 5's experiment figures draw what the results hold, and the p browser follows its slider."""
import pytest

from lessonkit.core.figures import png_bytes
from lessonkit.lessons.mnist.experiment_plots import (
    RunCurvesBrowser,
    ablation_figure,
    p_choice_figure,
    size_figure,
    validation_curves_figure,
)
from lessonkit.lessons.mnist.experiments import Dropouts, Run, RunResult

STEPS = [100, 200, 300]


def result(name, seed, test_acc, p=0.0, size=1000, val_acc=None):
    return RunResult(Run(Dropouts(name, p, p), seed), size, 300, 0.4 - test_acc / 10, test_acc, 0.4,
                     val_acc if val_acc is not None else test_acc, 1.0, STEPS, [0.5, 0.4 + p, 0.45], [1.0, 0.5, p])


def grid(size=1000, gain=0.02):
    return ([result("no dropout", s, 0.90 + s / 100, size=size) for s in (1, 2, 3)]
            + [result("paper", s, 0.90 + s / 100 + gain, p=0.5, size=size) for s in (1, 2, 3)])


def test_ablation_figure_joins_each_seed_across_settings_and_marks_the_means():
    figure = ablation_figure(grid())
    acc_ax = figure.axes[0]
    seed_lines = [line for line in acc_ax.lines if len(line.get_xdata()) == 2]
    assert len(seed_lines) == 3  # one grey line per seed, across the two settings
    assert list(seed_lines[0].get_ydata()) == pytest.approx([91.0, 93.0])
    assert [t.get_text() for t in acc_ax.get_xticklabels()] == ["no dropout", "paper"]
    assert png_bytes(figure).startswith(b"\x89PNG")


def test_size_figure_plots_paired_gains_on_a_log_axis():
    by_size = {100: grid(100, gain=0.0), 1000: grid(1000, gain=0.02)}
    figure = size_figure(by_size, dropout="paper", full={"60,000 (1 seed)": 0.98})
    acc_ax, gain_ax = figure.axes
    assert acc_ax.get_xscale() == "log" and gain_ax.get_xscale() == "log"
    gain_line = gain_ax.lines[0]
    assert list(gain_line.get_xdata()) == [100, 1000]
    assert list(gain_line.get_ydata()) == pytest.approx([0.0, 2.0])  # points of accuracy
    assert any(list(line.get_xdata()) == [60_000] for line in acc_ax.lines)


def test_p_choice_figure_marks_the_chosen_p():
    results = grid()
    figure = p_choice_figure(results, {"no dropout": 0.0, "paper": 0.5}, "paper")
    marks = [line for line in figure.axes[0].lines if line.get_linestyle() == ":"]
    assert marks and list(marks[0].get_xdata()) == [0.5, 0.5]


def test_validation_curves_draw_one_mean_line_per_setting():
    figure = validation_curves_figure(grid())
    assert [line.get_label() for line in figure.axes[0].lines] == ["no dropout", "paper"]
    assert list(figure.axes[0].lines[1].get_ydata()) == pytest.approx([0.5, 0.9, 0.45])


def test_the_browser_follows_its_slider():
    browser = RunCurvesBrowser(grid(), {"no dropout": 0.0, "paper": 0.5})
    before, text = browser.image.value, browser.numbers.value
    assert browser.slider.value == 0.0 and "p = 0.0" in text
    browser.slider.value = 0.5
    assert browser.image.value != before and browser.numbers.value != text
    assert list(browser.val_lines[0].get_ydata()) == [0.5, 0.9, 0.45]
    assert "validation accuracy <b>94.00%</b>" in browser.numbers.value


def test_the_browser_needs_runs():
    with pytest.raises(ValueError, match="results"):
        RunCurvesBrowser([], {})
