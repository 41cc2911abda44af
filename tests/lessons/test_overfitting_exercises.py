import pytest

from lessonkit.core.exercises import CheckReport
from lessonkit.core.polyfit import train_test_errors
from lessonkit.core.regression_data import make_regression_data
from lessonkit.lessons.overfitting.exercises import check_chosen_degree, check_gap_prediction, gap_at
from lessonkit.lessons.overfitting.selection import choose_degree


def chosen_degree(data=None):
    """The exercise's answer: 10 folds dealt with seed 5 (section 6 uses 5 folds, seed 0)."""
    return choose_degree(data or make_regression_data(), range(21), folds=10, seed=5).choice


def section_6_degree(data=None):
    return choose_degree(data or make_regression_data(), range(21), folds=5, seed=0).choice


def test_the_exercise_asks_for_a_choice_the_notebook_does_not_print():
    assert chosen_degree() != section_6_degree()
    assert chosen_degree() != train_test_errors(make_regression_data(), range(21)).lowest_test


def test_section_6s_choice_is_recognised_and_pointed_to_the_right_folds():
    verdict = check_chosen_degree(section_6_degree())
    assert not verdict.passed and "folds=10 and seed=5" in verdict.message
    assert f"degree {chosen_degree()}" not in verdict.message


def test_the_degree_chosen_by_cross_validation_passes():
    chosen = chosen_degree()
    verdict = check_chosen_degree(chosen)
    assert isinstance(verdict, CheckReport) and verdict.passed
    assert str(verdict).startswith("✓") and f"degree {chosen}" in verdict.message


def test_the_lowest_test_error_degree_is_refused_when_it_differs():
    test_best = train_test_errors(make_regression_data(), range(21)).lowest_test
    assert test_best != chosen_degree()  # the lesson's sample: the two minima differ
    verdict = check_chosen_degree(test_best)
    assert not verdict.passed and "must not choose" in verdict.message
    assert f"degree {chosen_degree()}" not in verdict.message


@pytest.mark.parametrize("offset", [-5, -1, 2, 6, 12])
def test_wrong_degree_fails_without_giving_the_answer(offset):
    chosen = chosen_degree()
    answer = chosen + offset
    verdict = check_chosen_degree(answer)
    assert not verdict.passed and str(verdict).startswith("✗")
    if answer not in (train_test_errors(make_regression_data(), range(21)).lowest_test, section_6_degree()):
        assert ("larger degree" if offset < 0 else "smaller degree") in verdict.message
    assert f"degree {answer}" in verdict.message
    assert f"degree {chosen} " not in verdict.message and f"degree {chosen}." not in verdict.message


def test_chosen_degree_uses_the_data_it_is_given():
    other = make_regression_data(seed=1)
    assert check_chosen_degree(chosen_degree(other), data=other).passed
    if chosen_degree(other) != chosen_degree():
        assert not check_chosen_degree(chosen_degree(other)).passed


@pytest.mark.parametrize("answer, message", [
    (None, "Write your answer in `my_chosen_degree`"),
    ("3", "must be an integer from 0 to 20, got '3' (str)"),
    (3.0, "must be an integer from 0 to 20, got 3.0 (float)"),
    (True, "must be an integer from 0 to 20, got True (bool)"),
    (21, "got 21: the curve only goes up to degree 20"),
    (-1, "got -1"),
])
def test_placeholder_and_wrong_type_degree_answers_explain_what_is_expected(answer, message):
    verdict = check_chosen_degree(answer)
    assert not verdict.passed and message in verdict.message


@pytest.mark.parametrize("answer", ["smaller", " Smaller ", "SMALLER"])
def test_right_gap_prediction_passes_with_the_measured_gaps(answer):
    verdict = check_gap_prediction(answer)
    assert verdict.passed
    (train_20, test_20), (train_200, test_200) = gap_at(20), gap_at(200)
    assert test_200 - train_200 < test_20 - train_20  # the answer the checker rewards is what the data do
    assert f"{test_20 - train_20:.3g}" in verdict.message and f"{test_200 - train_200:.3g}" in verdict.message


@pytest.mark.parametrize("answer", ["larger", "same"])
def test_wrong_gap_prediction_fails_with_a_hint_not_the_answer(answer):
    verdict = check_gap_prediction(answer)
    assert not verdict.passed and "16 coefficients" in verdict.message
    assert "smaller" not in verdict.message


@pytest.mark.parametrize("answer, message", [
    (None, "Write your answer in `my_gap_prediction`"),
    (0.5, "must be one of the words"),
    ("shrinks", "got 'shrinks'"),
])
def test_placeholder_and_wrong_type_gap_answers_explain_what_is_expected(answer, message):
    verdict = check_gap_prediction(answer)
    assert not verdict.passed and message in verdict.message
