import pytest
from hint_stages import gives_away, stages

from lessonkit.core.exercises import CheckReport
from lessonkit.lessons.overfitting.data import make_regression_data
from lessonkit.lessons.overfitting.exercises import check_chosen_degree, check_gap_prediction, gap_at
from lessonkit.lessons.overfitting.model import train_test_errors
from lessonkit.lessons.overfitting.train import choose_degree

GIVENS = ["folds=10", "seed=5", "10 folds", "5 folds", "range(21)"]  # the questions' own parameters


def chosen_degree(data=None):
    """The exercise's answer: 10 folds dealt with seed 5 (section 6 uses 5 folds, seed 0)."""
    return choose_degree(data or make_regression_data(), range(21), folds=10, seed=5).choice


def section_6_degree(data=None):
    return choose_degree(data or make_regression_data(), range(21), folds=5, seed=0).choice


def lowest_test_degree(data=None):
    return train_test_errors(data or make_regression_data(), range(21)).lowest_test


def one_se_degree(data=None):
    return choose_degree(data or make_regression_data(), range(21), folds=5, seed=0).one_standard_error


def test_the_exercise_asks_for_a_choice_the_notebook_does_not_print():
    assert chosen_degree() != section_6_degree()
    assert chosen_degree() != lowest_test_degree()


def test_the_degree_chosen_by_cross_validation_passes():
    chosen = chosen_degree()
    verdict = check_chosen_degree(chosen)
    assert isinstance(verdict, CheckReport) and verdict.passed
    assert str(verdict).startswith("✓") and f"degree {chosen}" in verdict.message


@pytest.mark.parametrize("wrong, mistake", [
    (section_6_degree, "other folds' CV minimum"),
    # on this sample the one-standard-error pick is also the lowest test MSE: two readings, so neither is named
    (one_se_degree, "not the CV minimum"),
    (lambda: chosen_degree() + 7, "not the CV minimum"),
    (lambda: 0, "not the CV minimum"),
])
def test_each_recognised_mistake_is_named_and_told_in_stages(wrong, mistake):
    one, two, three = stages(check_chosen_degree, wrong())
    assert all(f"✗ my_chosen_degree: {mistake}:" in text for text in (one, two, three))
    assert "Where to look" not in one and "Fix" not in one and "hint=2" in one
    assert "Where to look: " in two and "Fix" not in two and "hint=3" in two
    assert "Fix: run choose_degree(data, range(21), folds=10, seed=5)" in three
    for text in (one, two, three):
        assert not gives_away(text, chosen_degree(), allowed=GIVENS), text


def test_a_degree_chosen_by_the_test_set_is_named_so():
    other = make_regression_data(seed=5)  # a sample whose lowest test MSE is no CV pick
    lowest = lowest_test_degree(other)
    assert lowest not in (chosen_degree(other), section_6_degree(other), one_se_degree(other))
    assert check_chosen_degree(lowest, data=other).mistakes == ["chosen by the test set"]


def default_folds_degree(data=None):
    """What a learner who left out folds=10 answers: choose_degree's default 5 folds, dealt with seed 5."""
    return choose_degree(data or make_regression_data(), range(21), seed=5).choice


def test_folds_left_at_the_default_is_told_by_its_own_symptom():
    other = make_regression_data(seed=10)  # a sample where the default folds' minimum is nothing else
    wrong = default_folds_degree(other)
    assert wrong not in (chosen_degree(other), section_6_degree(other), one_se_degree(other), lowest_test_degree(other))
    report = check_chosen_degree(wrong, data=other)
    assert report.mistakes == ["the default number of folds"]
    assert "5 folds (choose_degree's default) dealt with seed=5, not of 10 folds" in str(report)


def test_a_degree_that_several_slips_give_is_told_each_of_them_and_named_none():
    # on the lesson's sample, 3 is the default folds' minimum, a one-standard-error pick and the lowest test MSE:
    # the learner who left out folds=10 reads that, not only the two readings it did not make
    assert default_folds_degree() == one_se_degree() == lowest_test_degree()
    report = check_chosen_degree(default_folds_degree())
    assert report.mistakes == ["not the CV minimum"]
    for fact in ("a one-standard-error pick", "the CV minimum of 5 folds (choose_degree's default) dealt with seed=5",
                 "the degree with the lowest test MSE"):
        assert fact in str(report)
    assert "pick, the CV minimum" in str(report) and "seed=5 and the degree" in str(report)  # "A, B and C"


def test_not_the_minimum_points_to_the_side_of_the_minimum():
    chosen = chosen_degree()
    assert "look at larger degrees" in str(check_chosen_degree(0, hint=2))
    assert "look at smaller degrees" in str(check_chosen_degree(chosen + 7, hint=2))


def test_chosen_degree_uses_the_data_it_is_given():
    other = make_regression_data(seed=1)
    assert check_chosen_degree(chosen_degree(other), data=other).passed
    if chosen_degree(other) != chosen_degree():
        assert not check_chosen_degree(chosen_degree(other)).passed


@pytest.mark.parametrize("answer, message", [
    (None, "not answered yet. Write your answer in `my_chosen_degree`"),
    ("3", "must be an integer from 0 to 20, got '3' (str)"),
    (3.0, "must be an integer from 0 to 20, got 3.0 (float)"),
    (True, "must be an integer from 0 to 20, got True (bool)"),
    (21, "got 21: the curve only goes up to degree 20"),
    (-1, "got -1: a degree is never negative"),
])
def test_placeholder_and_wrong_type_degree_answers_explain_what_is_expected(answer, message):
    verdict = check_chosen_degree(answer)
    assert not verdict.passed and message in verdict.message and verdict.mistakes == []


@pytest.mark.parametrize("answer", ["smaller", " Smaller ", "SMALLER"])
def test_right_gap_prediction_passes_with_the_measured_gaps(answer):
    verdict = check_gap_prediction(answer)
    assert verdict.passed
    (train_20, test_20), (train_200, test_200) = gap_at(20), gap_at(200)
    assert test_200 - train_200 < test_20 - train_20  # the answer the checker rewards is what the data do
    assert f"{test_20 - train_20:.3g}" in verdict.message and f"{test_200 - train_200:.3g}" in verdict.message


@pytest.mark.parametrize("answer, mistake", [
    ("larger", "more data, more overfitting"), ("same", "the gap as a fixed property of the degree")])
def test_wrong_gap_prediction_is_named_and_told_in_stages_without_the_answer(answer, mistake):
    one, two, three = stages(check_gap_prediction, answer)
    assert mistake in one and "Where to look" not in one
    assert "16 coefficients" in two and "Fix" not in two
    assert "Fix: compare the number of coefficients" in three
    assert not any(gives_away(text, "smaller") for text in (one, two, three))


@pytest.mark.parametrize("answer, message", [
    (None, "not answered yet. Write your answer in `my_gap_prediction`"),
    (0.5, "must be one of"),
    ("shrinks", "got 'shrinks'"),
])
def test_placeholder_and_wrong_type_gap_answers_explain_what_is_expected(answer, message):
    verdict = check_gap_prediction(answer)
    assert not verdict.passed and message in verdict.message


def test_a_degree_from_numpy_or_torch_is_an_integer():
    import numpy as np
    import torch

    degree = chosen_degree()
    for answer in (np.int64(degree), torch.tensor(degree)):
        assert check_chosen_degree(answer).passed
    assert not check_chosen_degree(float(degree)).passed  # 6.0 is not an integer answer
