"""Lesson 3's contest as its notebook reads the record: each knob (and epoch) chosen on the CV MSE,
never on test."""
import notebook_code
import pandas as pd

from lessonkit.lessons.taming.analysis import METHODS, edge_hits

NOTEBOOK = "03_dropout_vs_overfitting.ipynb"
SETTINGS = [("none", "none", 0.0, 0.0), ("p = 0.1", "dropout", 0.1, 0.0), ("p = 0.5", "dropout", 0.5, 0.0),
            ("λ = 0.001", "L2", 0.0, 0.001), ("λ = 0.1", "L2", 0.0, 0.1)]


def sample(seed, cv, test, stops):
    """The record's rows for one sample. cv, test: {arm: (MSE after 1,000 epochs, MSE stopped early)};
    stops: {arm: the epoch of its lowest CV MSE}."""
    rows = []
    for arm, method, p, w in SETTINGS:
        stopped = ("early stopping", "early stopping") if method == "none" else \
            (f"{arm} + early stopping", f"{method} + early stopping")
        for (name, how), step, k in (((arm, method), 1000, 0), (stopped, stops[arm], 1)):
            rows += [dict(seed=seed, arm=name, method=how, p=p, weight_decay=w, step=step, split=split,
                          loss=values[arm][k]) for split, values in (("cv", cv), ("test", test))]
    return rows


def test_knobs_and_epochs_are_chosen_on_cv_and_their_test_read_after():
    choose_on_cv, = notebook_code.notebook_functions(NOTEBOOK, "choose_on_cv")
    arms = [arm for arm, *_ in SETTINGS]
    cv = dict(zip(arms, [(0.10, 0.08), (0.08, 0.07), (0.09, 0.05), (0.07, 0.06), (0.20, 0.09)]))
    # the test MSEs would pick otherwise
    test = dict(zip(arms, [(0.10, 0.07), (0.09, 0.08), (0.01, 0.06), (0.06, 0.02), (0.01, 0.01)]))
    rows = pd.DataFrame([row for seed in range(3)
                         for row in sample(seed, cv, test, {arm: 30 + seed + i for i, arm in enumerate(arms)})])
    chosen = choose_on_cv(rows)
    test_mse = chosen.pivot(index="seed", columns="method", values="test")[list(METHODS)]
    assert test_mse.iloc[0].to_dict() == {"none": 0.10, "dropout": 0.09, "L2": 0.06, "early stopping": 0.07,
                                          "dropout + early stopping": 0.06, "L2 + early stopping": 0.02}
    picked = chosen.set_index(["seed", "method"])["arm"]
    assert picked[0, "dropout + early stopping"] == "p = 0.5 + early stopping"
    assert picked[2, "L2"] == "λ = 0.001"
    text = edge_hits(chosen, rows)
    assert "dropout: p chosen {0.1: 3}; at the grid's edges (p = 0.1 or 0.5): 3 of 3 samples" in text
    assert "L2 + early stopping: λ chosen {0.001: 3}" in text
    assert "early stopping: epochs chosen from 30 to 32 (median 31); in the last tenth (after epoch 900): 0 of 3" \
        in text
