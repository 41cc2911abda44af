"""Lesson 3's contest as read from its record: each knob chosen on the CV MSE, never on test."""
import pytest

from lessonkit.lessons.taming.analysis import Contest


def sample(seed, cv, test, stop=40):
    """cv and test: {arm: MSE}; the record's rows for one sample."""
    rows = []
    for arm in cv:
        p = float(arm.split("= ")[1]) if arm.startswith("p =") else 0.0
        w = float(arm.split("= ")[1]) if arm.startswith("λ =") else 0.0
        step = stop if arm == "early stopping" else 1000
        rows += [dict(seed=seed, arm=arm, p=p, weight_decay=w, step=step, split="cv", loss=cv[arm]),
                 dict(seed=seed, arm=arm, p=p, weight_decay=w, step=step, split="test", loss=test[arm])]
    return rows


ARMS = ["none", "p = 0.1", "p = 0.5", "λ = 0.001", "λ = 0.1", "early stopping"]


def test_knobs_are_chosen_on_cv_and_their_test_read_after():
    rows = []
    for seed in range(3):
        cv = dict(zip(ARMS, [0.10, 0.08, 0.09, 0.07, 0.20, 0.09]))
        test = dict(zip(ARMS, [0.10, 0.09, 0.01, 0.06, 0.01, 0.08 + seed / 100]))  # test would pick otherwise
        rows += sample(seed, cv, test, stop=30 + seed)
    contest = Contest(rows)
    assert contest.choice("dropout", 0) == "p = 0.1" and contest.choice("L2", 0) == "λ = 0.001"
    assert contest.test("dropout") == [0.09] * 3 and contest.test("L2") == [0.06] * 3
    d = contest.compare("L2", "dropout")
    assert d.mean == pytest.approx(-0.03) and d.wins == 3
    assert "3 samples" in contest.table()
    edges = contest.edge_hits()
    assert "p chosen {0.1: 3}; at the grid's edges (p = 0.1 or 0.5): 3 of 3" in edges
    assert "early stopping: epochs chosen from 30 to 32" in edges


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="at least 2 samples"):
        Contest(sample(0, dict.fromkeys(ARMS, 0.1), dict.fromkeys(ARMS, 0.1)))
    contest = Contest(sample(0, dict.fromkeys(ARMS, 0.1), dict.fromkeys(ARMS, 0.1))
                      + sample(1, dict.fromkeys(ARMS, 0.1), dict.fromkeys(ARMS, 0.1)))
    with pytest.raises(ValueError, match="method must be one of"):
        contest.choice("ridge", 0)
