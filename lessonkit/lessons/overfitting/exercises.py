"""Automatic checks for lesson 1's exercises. Each returns a `CheckReport` that reads as a hint.

    check_chosen_degree(my_chosen_degree)      # an int: the degree 10-fold CV (folds dealt with seed 5) chooses
    check_gap_prediction(my_gap_prediction)    # "smaller", "larger" or "same"

A wrong answer gets a reason and a place to look, never the answer itself.
"""
from lessonkit.core.exercises import CheckReport
from lessonkit.core.polyfit import train_test_errors
from lessonkit.core.regression_data import make_regression_data
from lessonkit.lessons.overfitting.selection import choose_degree

MAX_DEGREE = 20
GAP_CHOICES = ("smaller", "larger", "same")


def _report(variable: str, passed: bool, message: str) -> CheckReport:
    """A one-check report on the answer in `variable`: praised when right, else the message."""
    return CheckReport(variable, checks=1, problems=[] if passed else [message], praise=message if passed else "")


def _not_yet(variable: str, what: str) -> CheckReport:
    return _report(variable, False, f"Write your answer in `{variable}` ({what}), then run this cell again.")


EXERCISE_FOLDS, EXERCISE_SEED = 10, 5  # exercise 1 deals the folds differently from section 6


def check_chosen_degree(answer, data=None) -> CheckReport:
    """Is `answer` the degree in 0..20 that 10-fold cross-validation, folds dealt with seed 5,
    chooses on `data` (default: the lesson's sample)? The test set plays no part."""
    what = f"an integer from 0 to {MAX_DEGREE}"
    if answer is None:
        return _not_yet("my_chosen_degree", what)
    if isinstance(answer, bool) or not isinstance(answer, int):
        return _report("my_chosen_degree", False,
                       f"my_chosen_degree must be {what}, got {answer!r} ({type(answer).__name__}).")
    if not 0 <= answer <= MAX_DEGREE:
        return _report("my_chosen_degree", False,
                       f"my_chosen_degree must be {what}, got {answer}: the curve only goes up to "
                       f"degree {MAX_DEGREE}.")
    data = data or make_regression_data()
    degrees = range(MAX_DEGREE + 1)
    selection = choose_degree(data, degrees, folds=EXERCISE_FOLDS, seed=EXERCISE_SEED)
    section_6 = choose_degree(data, degrees, folds=5, seed=0).choice
    curve = train_test_errors(data, degrees)
    cv = selection.validation[answer].item()
    chosen = selection.choice
    if answer == chosen:
        return _report("my_chosen_degree", True,
                       f"Right: with these folds degree {answer} has the lowest cross-validation MSE ({cv:.3g}). "
                       f"{'The same as' if answer == section_6 else 'Not the same as'} section 6's choice: "
                       f"with 20 points, how the points are dealt can move the choice, so a choice made on "
                       f"little data is itself uncertain.")
    if answer == section_6:
        return _report("my_chosen_degree", False,
                       f"Not quite: degree {answer} is what 5 folds dealt with seed 0 choose (section 6). "
                       f"Run choose_degree with folds={EXERCISE_FOLDS} and seed={EXERCISE_SEED} and read its table.")
    if curve.test[answer] <= curve.test.min():
        return _report("my_chosen_degree", False,
                       f"Not quite: degree {answer} has the lowest *test* MSE, but the test set must not "
                       f"choose anything. Read the cross-validation column of choose_degree's table.")
    side = "smaller" if answer > chosen else "larger"
    return _report("my_chosen_degree", False,
                   f"Not quite: with these folds degree {answer} has CV MSE {cv:.3g}, and a {side} degree has a "
                   f"lower one. Find the lowest value in the cross-validation column of choose_degree's table.")


def gap_at(n_train: int, degree: int = 15, seed: int = 0) -> tuple[float, float]:
    """(train MSE, test MSE) of the degree-`degree` fit to `n_train` points of the lesson's data."""
    curve = train_test_errors(make_regression_data(n_train=n_train, seed=seed), [degree])
    return curve.train[0].item(), curve.test[0].item()


def check_gap_prediction(answer) -> CheckReport:
    """Your prediction: with 10x more training data (200 points instead of 20), does the
    gap between test and training MSE of the degree-15 model get "smaller", "larger", or
    stay about the "same"?
    """
    what = " or ".join(f'"{c}"' for c in GAP_CHOICES)
    if answer is None:
        return _not_yet("my_gap_prediction", what)
    if not isinstance(answer, str):
        return _report("my_gap_prediction", False,
                       f"my_gap_prediction must be one of the words {what}, got {answer!r} "
                       f"({type(answer).__name__}).")
    choice = answer.strip().lower()
    if choice not in GAP_CHOICES:
        return _report("my_gap_prediction", False,
                       f"my_gap_prediction must be one of the words {what}, got {answer!r}.")
    if choice == "smaller":
        (train_20, test_20), (train_200, test_200) = gap_at(20), gap_at(200)
        return _report("my_gap_prediction", True,
                       f"Right: with 20 points the gap is {test_20 - train_20:.3g} (train {train_20:.3g}, "
                       f"test {test_20:.3g}); with 200 points it is {test_200 - train_200:.3g} "
                       f"(train {train_200:.3g}, test {test_200:.3g}). The same 16 coefficients can no "
                       f"longer bend through every point, so they follow the curve instead of the noise.")
    reason = ("the training error of a degree-15 model is tiny because it has nearly as many coefficients (16) "
              "as there are points (20). Ask yourself what 16 coefficients can do with 200 points: can they "
              "still pass through every one? Try it: set the explorer above to degree 15 and move the points "
              "slider.")
    return _report("my_gap_prediction", False,
                   f'Not quite: "{choice}" is not what happens. Think about why the gap is big at first: '
                   + reason)
