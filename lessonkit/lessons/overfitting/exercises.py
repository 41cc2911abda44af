"""Automatic checks for lesson 1's exercises, with hints in stages (lessonkit.core.exercises).

    check_chosen_degree(my_chosen_degree)            # an int: the degree 10-fold CV (folds dealt with seed 5) chooses
    check_chosen_degree(my_chosen_degree, hint=2)    # where to look; hint=3: the fix
    check_gap_prediction(my_gap_prediction)          # "smaller", "larger" or "same"

A wrong answer is told what was recognised and its symptom, then where to look, then how to
find the answer, never the answer itself.
"""
import operator

from lessonkit.core.exercises import CheckReport, Exercise, Mistake, check_multiple_choice, hint_stage, not_answered
from lessonkit.core.language import Message
from lessonkit.lessons.overfitting.data import make_regression_data
from lessonkit.lessons.overfitting.model import train_test_errors
from lessonkit.lessons.overfitting.train import choose_degree

MAX_DEGREE = 20
EXERCISE_FOLDS, EXERCISE_SEED = 10, 5  # exercise 1 deals the folds differently from section 6
SETTINGS = {"top": MAX_DEGREE + 1, "folds": EXERCISE_FOLDS, "seed": EXERCISE_SEED}
THE_TABLE = Message("the cross-validation column of the table that choose_degree(data, range({top}), folds={folds}, "
                    "seed={seed}) prints", **SETTINGS)
THE_FIX = Message("run choose_degree(data, range({top}), folds={folds}, seed={seed}) and answer the degree whose CV "
                  "MSE is the smallest (the last line of its table names it; `.choice` holds it).", **SETTINGS)
REDEALT = Message("the exercise deals the points again: {folds} folds, seed={seed}; read {table}.",
                  folds=EXERCISE_FOLDS, seed=EXERCISE_SEED, table=THE_TABLE)


def check_chosen_degree(answer, data=None, *, hint: int = 1) -> CheckReport:
    """Is `answer` the degree in 0..20 with the lowest 10-fold cross-validation MSE, folds dealt
    with seed 5, on `data` (default: the lesson's sample)? The test set plays no part."""
    hint = hint_stage(hint)
    what = Message("an integer from 0 to {top}", top=MAX_DEGREE)
    if answer is None:
        return not_answered("my_chosen_degree", what)
    given = answer
    report = CheckReport("my_chosen_degree", checks=1, hint=hint)
    try:  # an int, or what stands for one: numpy's ints, a one-element tensor (`selection.validation.argmin()`)
        answer = None if isinstance(answer, bool) else operator.index(answer)
    except TypeError:
        answer = None
    if answer is None and hasattr(given, "choice"):  # choose_degree's whole result: its table is no answer
        report.problems.append(Message("{variable} must be {what}, got a {type} (choose_degree's whole result; its "
                                       "`.choice` is a degree).", variable="my_chosen_degree", what=what,
                                       type=type(given).__name__))
        return report
    if answer is None and ("\n" in repr(given) or len(repr(given)) > 60):  # an object: its type, not its table
        report.problems.append(Message("{variable} must be {what}, got a {type}.", variable="my_chosen_degree",
                                       what=what, type=type(given).__name__))
        return report
    if answer is None:
        report.problems.append(Message("{variable} must be {what}, got {answer!r} ({type}).",
                                       variable="my_chosen_degree", what=what, answer=given, type=type(given).__name__))
        return report
    if answer < 0:
        report.problems.append(Message("{variable} must be {what}, got {answer}: a degree is never negative (degree 0 "
                                       "is a constant).", variable="my_chosen_degree", what=what, answer=answer))
        return report
    if answer > MAX_DEGREE:
        report.problems.append(Message("{variable} must be {what}, got {answer}: the curve only goes up to degree "
                                       "{top}.", variable="my_chosen_degree", what=what, answer=answer, top=MAX_DEGREE))
        return report
    data = data or make_regression_data()
    degrees = range(MAX_DEGREE + 1)
    selection = choose_degree(data, degrees, folds=EXERCISE_FOLDS, seed=EXERCISE_SEED)
    section_6 = choose_degree(data, degrees, folds=5, seed=0)
    default_folds = choose_degree(data, degrees, seed=EXERCISE_SEED)  # folds=10 left out, the seed given
    curve = train_test_errors(data, degrees)
    cv, chosen = selection.validation[answer].item(), selection.choice
    if answer == chosen:
        same = Message("the same as") if answer == section_6.choice else Message("not the same as")
        report.praise = Message("Right: with these folds degree {degree} has the lowest cross-validation MSE "
                                "({cv:.3g}), {same} section 6's CV minimum. With 20 points, how the points are dealt "
                                "can move the minimum: a choice made on little data is itself uncertain, which is "
                                "what the one-standard-error rule allows for.", degree=answer, cv=cv, same=same)
        return report
    # what the answer is, when it is something a learner reads elsewhere; named only when it is one thing
    known = []  # (the mistake, the fact it states)
    if answer in (selection.one_standard_error, section_6.one_standard_error):
        known.append((Mistake(
            "the one-standard-error pick",
            symptom=Message("degree {degree} is a one-standard-error pick; the question asks for the degree with the "
                            "lowest CV MSE.", degree=answer),
            where=Message("{table}: its smallest value.", table=THE_TABLE), fix=THE_FIX),
            Message("a one-standard-error pick")))
    if answer == section_6.choice:
        known.append((Mistake(
            "other folds' CV minimum",
            symptom=Message("degree {degree} is the CV minimum of other folds (section 6's, 5 folds dealt with seed "
                            "0), not of these.", degree=answer), where=REDEALT, fix=THE_FIX),
            Message("section 6's CV minimum")))
    if answer == default_folds.choice and answer != section_6.choice:
        default = Message("the CV minimum of {default} folds (choose_degree's default) dealt with seed={seed}",
                          default=default_folds.folds, seed=EXERCISE_SEED)
        known.append((Mistake(
            "the default number of folds",
            symptom=Message("degree {degree} is {default}, not of {folds} folds.", degree=answer, default=default,
                            folds=EXERCISE_FOLDS),
            where=REDEALT, fix=THE_FIX), default))
    if curve.test[answer] <= curve.test.min():
        known.append((Mistake(
            "chosen by the test set",
            symptom=Message("degree {degree} has the lowest test MSE, but the test set must not choose anything.",
                            degree=answer),
            where=Message("{table}, not the test curve of section 4.", table=THE_TABLE), fix=THE_FIX),
            Message("the degree with the lowest test MSE")))
    if len(known) == 1:
        report.problems.append(known[0][0])
    elif known:  # several readings fit: say what the degree is, and name none of them
        *listed, last = [fact for _, fact in known]
        facts = listed[0]
        for fact in listed[1:]:  # "A, B and C"
            facts = Message("{first}, {second}", first=facts, second=fact)
        facts = Message("{first} and {second}", first=facts, second=last)
        report.problems.append(Mistake(
            "not the CV minimum", symptom=Message("degree {degree} is {facts}; the question asks for the lowest CV "
                                                  "MSE of these folds.", degree=answer, facts=facts),
            where=Message("{table}: its smallest value.", table=THE_TABLE), fix=THE_FIX))
    else:
        where = (Message("{table}: look at smaller degrees than {degree}.", table=THE_TABLE, degree=answer)
                 if answer > chosen else
                 Message("{table}: look at larger degrees than {degree}.", table=THE_TABLE, degree=answer))
        report.problems.append(Mistake(
            "not the CV minimum",
            symptom=Message("with these folds degree {degree} has CV MSE {cv:.3g}, and another degree has a lower "
                            "one.", degree=answer, cv=cv),
            where=where, fix=THE_FIX))
    return report


def gap_at(n_train: int, degree: int = 15, seed: int = 0) -> tuple[float, float]:
    """(train MSE, test MSE) of the degree-`degree` fit to `n_train` points of the lesson's data."""
    curve = train_test_errors(make_regression_data(n_train=n_train, seed=seed), [degree])
    return curve.train[0].item(), curve.test[0].item()


_GAP_WHERE = ("section 2: degree 15 has 16 coefficients and there are 20 points. Ask what 16 coefficients can "
              "do with 200 points: can they still pass through every one? Try it: set the explorer of "
              "section 7 to degree 15 and move the points slider.")
_GAP_FIX = ("compare the number of coefficients with the number of points: while there are many more points "
            "than coefficients, the fit cannot follow each point's noise and must follow the curve.")


def check_gap_prediction(answer, *, hint: int = 1) -> CheckReport:
    """Your prediction: with 10x more training data (200 points instead of 20), does the
    gap between test and training MSE of the degree-15 model get "smaller", "larger", or
    stay about the "same"?"""
    report = check_multiple_choice(
        "my_gap_prediction", answer, right="smaller", hint=hint, praise="", wrong={
            "larger": Mistake("more data, more overfitting", symptom="a model can only overfit the noise it can "
                              "follow: the gap is large at 20 points because the fit passes through nearly all of "
                              "them.",
                              where=_GAP_WHERE, fix=_GAP_FIX),
            "same": Mistake("the gap as a fixed property of the degree",
                            symptom="the gap is not a property of the degree alone: it depends on how many points "
                                    "the 16 coefficients must pass near.", where=_GAP_WHERE, fix=_GAP_FIX),
        })
    if report.passed:
        (train_20, test_20), (train_200, test_200) = gap_at(20), gap_at(200)
        report.praise = Message("Right: with 20 points the gap is {gap_20:.3g} (train {train_20:.3g}, test "
                                "{test_20:.3g}); with 200 points it is {gap_200:.3g} (train {train_200:.3g}, test "
                                "{test_200:.3g}). The same 16 coefficients can no longer bend through every point, so "
                                "they follow the curve instead of the noise.", gap_20=test_20 - train_20,
                                train_20=train_20, test_20=test_20, gap_200=test_200 - train_200,
                                train_200=train_200, test_200=test_200)
    return report


# The lesson's questions, Kaggle Learn's way: q.check(...), q.hint(n), q.solution().
q1 = Exercise(
    "q1", "the degree other folds choose", check_chosen_degree,
    where=REDEALT, fix=THE_FIX,
    solution_text=(f"selection = choose_degree(data, range({MAX_DEGREE + 1}), folds={EXERCISE_FOLDS}, "
                   f"seed={EXERCISE_SEED})\nselection   # its table: the CV MSE of every degree\n"
                   "my_chosen_degree = selection.choice   # the degree with the lowest CV MSE"),
    solved=lambda: (choose_degree(make_regression_data(), range(MAX_DEGREE + 1), folds=EXERCISE_FOLDS,
                                  seed=EXERCISE_SEED).choice,),
    explanation="Only the cross-validation folds choose; the test set plays no part. With 20 points, how the "
                "points are dealt into folds can move the choice: compare it with section 6's.")
q2 = Exercise(
    "q2", "the gap with ten times more data", check_gap_prediction, where=_GAP_WHERE, fix=_GAP_FIX,
    solution_text='my_gap_prediction = "smaller"', solved=lambda: ("smaller",),
    explanation="With 200 points the 16 coefficients can no longer bend through every point, so they follow "
                "the curve instead of the noise: the gap between test and training error shrinks.")
