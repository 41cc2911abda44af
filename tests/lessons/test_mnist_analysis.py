"""Lesson 5's analysis of its records: values at the last step or where validation loss is
lowest, paired comparisons by seed, the choice on validation; and its figures draw them."""
import pytest
from scipy import stats

from lessonkit.core.figures import png_bytes
from lessonkit.lessons.mnist.analysis import Runs, relative_error_change
from lessonkit.lessons.mnist.plots import ablation_figure, p_choice_figure, size_figure, validation_curves_figure
from lessonkit.lessons.mnist.widgets import RunCurvesBrowser


def record(arms=("no dropout", "both"), seeds=range(4), sizes=(1000,)):
    """Made-up runs: validation loss lowest and accuracy highest at step 200 for "no dropout", at the
    end (step 300) for the others."""
    rows = []
    for size in sizes:
        for a, arm in enumerate(arms):
            for seed in seeds:
                for step in (100, 200, 300):
                    dip = {100: 0.5, 200: 0.4, 300: 0.6} if arm == "no dropout" else {100: 0.5, 200: 0.4, 300: 0.3}
                    for split in ("validation", "test"):
                        bonus = (0.002 if step == 200 else 0) if arm == "no dropout" else (0.004 if step == 300 else 0)
                        acc = 0.90 + (0.01 + 0.0005 * seed) * a + 0.001 * seed + bonus + size / 1e6
                        rows.append(dict(arm=arm, seed=seed, size=size, step=step, split=split,
                                         loss=dip[step] + 0.01 * seed + 0.001 * seed * a, accuracy=acc))
    return rows


def test_values_at_the_end_and_where_validation_loss_is_lowest():
    runs = Runs(record())
    assert runs.arms() == ["no dropout", "both"] and runs.seeds("both") == [0, 1, 2, 3]
    assert runs.stop_step("no dropout", 1) == 200 and runs.stop_step("both", 1) == 300
    assert runs.value("no dropout", 2) == pytest.approx(0.903)
    assert runs.value("no dropout", 2, stopped=True) == pytest.approx(0.905)
    assert runs.value("no dropout", 2, metric="loss", stopped=True) == pytest.approx(0.42)


def test_compare_is_a_paired_t_test_in_points():
    runs = Runs(record())
    d = runs.compare("both", "no dropout")
    a = [runs.value("both", s) for s in range(4)]
    b = [runs.value("no dropout", s) for s in range(4)]
    assert d.mean == pytest.approx(100 * (0.01 + 0.0005 * 1.5 + 0.004)) and (d.wins, d.n) == (4, 4)
    assert d.p_value == pytest.approx(stats.ttest_rel(a, b).pvalue)
    loss = runs.compare("both", "no dropout", "loss", stop_b=True)  # lower is better for a loss
    assert loss.mean == pytest.approx(0.3 - 0.4 + 0.0015) and loss.wins == 4


def test_the_choice_uses_validation_only():
    rows = record()
    for row in rows:  # make "no dropout" best on test, "both" best on validation
        if row["split"] == "test":
            row["accuracy"] += 0.05 if row["arm"] == "no dropout" else 0.0
    assert Runs(rows).choose_on_validation(["no dropout", "both"]) == "both"


def test_tables_and_bad_input():
    runs = Runs(record())
    table = runs.table(["no dropout", "both"], baseline="no dropout", stopped=False)
    assert f"{runs.compare('both', 'no dropout').mean:+19.2f} (" in table and "4 of 4" in table
    with pytest.raises(ValueError, match="arm must be one of"):
        runs.seeds("nothing")
    with pytest.raises(ValueError, match="size must be given"):
        Runs(record(sizes=(100, 1000))).seeds("both")
    assert relative_error_change(0.9865, 0.984) == pytest.approx(1 - 1.35 / 1.60)


def test_the_figures_draw_what_the_records_hold():
    runs = Runs(record(arms=("no dropout", "paper"), sizes=(100, 1000)))
    figure = size_figure(runs, baseline="no dropout", dropout="paper", sizes=[100, 1000])
    gains = figure.axes[1].lines[0].get_ydata()
    # each run read where its validation accuracy is highest: "paper" at its last step, "no dropout" at step 200
    assert list(gains) == pytest.approx([100 * (0.01 + 0.0005 * 1.5 + 0.004 - 0.002)] * 2)
    one = Runs(record(arms=("no dropout", "hidden only", "both")))
    figure = ablation_figure(one, ["no dropout", "hidden only", "both"])
    assert [t.get_text() for t in figure.axes[0].get_xticklabels()] == ["no dropout", "hidden\nonly", "both"]
    assert png_bytes(validation_curves_figure(one, ["no dropout", "both"])).startswith(b"\x89PNG")
    figure = p_choice_figure(one, {"no dropout": 0.0, "hidden only": 0.3, "both": 0.5}, "both")
    test_points = [line for line in figure.axes[0].lines if len(line.get_xdata()) == 1 and line.get_marker() == "s"]
    assert len(test_points) == 1 and list(test_points[0].get_xdata()) == [0.5]  # test shown at the chosen p only


def test_the_p_browser_follows_its_slider():
    runs = Runs(record(arms=("no dropout", "both")))
    browser = RunCurvesBrowser(runs, {"no dropout": 0.0, "both": 0.5})
    browser.slider.value = 0.5
    assert "p = 0.5" in browser.numbers.value
    assert list(browser.loss_lines[0].get_ydata()) == pytest.approx([0.5, 0.4, 0.3])
