"""Every lesson's exercise objects, Kaggle Learn's way: `q.check(...)`, `q.hint(n)`, `q.solution()`.

The solutions live in lessonkit, not in the notebooks, so they are checked here: each one
passes its own check, and what `solution()` prints is that solution. Hints never give away a
multiple-choice answer, before an answer or after a wrong one; after a wrong answer `hint(n)`
is the checker's own report at stage n.
"""
import importlib

import pytest
import torch
from hint_stages import gives_away

from conftest import exercises_of
from lessonkit.core.exercises import Exercise

LESSONS = ("overfitting", "dropout", "taming", "playground", "mnist")
PAIRS = [(lesson, q) for lesson in LESSONS
         for q in exercises_of(importlib.import_module(f"lessonkit.lessons.{lesson}.exercises"))]
ALL, IDS = [q for _, q in PAIRS], [f"{lesson}-{q.name}" for lesson, q in PAIRS]


def checked(q: Exercise, *answer):
    """Run `q.check(*answer)` (which prints) and return its report."""
    q.check(*answer)
    return q.report


def fresh(question: Exercise) -> Exercise:
    """A copy with no answer remembered: tests must not share state through the module's objects."""
    return Exercise(**{name: getattr(question, name) for name in
                       ("name", "title", "checker", "where", "fix", "solution_text", "solved", "explanation",
                        "first_check", "starter")})


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_has_at_least_two_exercises_named_in_order(lesson):
    found = exercises_of(importlib.import_module(f"lessonkit.lessons.{lesson}.exercises"))
    assert len(found) >= 2
    assert [q.name for q in found] == [f"q{i}" for i in range(1, len(found) + 1)]


@pytest.mark.parametrize("question", ALL, ids=IDS)
def test_the_solution_passes_its_own_check_and_is_what_solution_prints(question, capsys):
    q = fresh(question)
    assert not q.passed
    report = checked(q, *q.answer_for_tests())
    assert report.passed and q.passed, str(report)
    capsys.readouterr()
    q.solution()
    printed = capsys.readouterr().out
    text = q.solution_text if isinstance(q.solution_text, str) else __import__("inspect").getsource(q.solution_text)
    assert printed.startswith(f"Solution to {q.name}") and text.strip() in printed


@pytest.mark.parametrize("question", ALL, ids=IDS)
def test_unanswered_a_nudge_and_the_hints_are_rules(question):
    q = fresh(question)
    assert "not answered yet" in str(checked(q, None)) and not q.passed
    one, two, three = (q.hint_text(n) for n in (1, 2, 3))
    assert one.startswith(f"Hint 1 of 3 for {q.name}") and q.where not in one and "answer first" in one
    assert q.where in two and q.fix not in two
    assert q.where in three and q.fix in three
    with pytest.raises(ValueError, match="hint must be 1"):
        q.hint_text(4)


@pytest.mark.parametrize("question", ALL, ids=IDS)
def test_showing_a_question_names_it_and_how_to_use_it_never_its_solution(question, capsys):
    q = fresh(question)
    shown = repr(q)
    assert shown.startswith(f"{q.name}: {q.title}") and f"{q.name}.hint()" in shown
    answer = q.solution_text if isinstance(q.solution_text, str) else q.solution_text.__name__
    assert answer not in shown and q.fix not in shown and q.where not in shown
    q.hint(4)  # a typo in the stage: one line that names the three, not a traceback
    assert capsys.readouterr().out.strip() == ("hint must be 1 (the symptom), 2 (where to look) or 3 (the fix), "
                                               "got 4")
    checked(q, *q.answer_for_tests())
    assert "your answer already passed" in q.hint_text(1) and "answer first" not in q.hint_text(1)


CHOICES = [(i, q) for i, q in zip(IDS, ALL) if isinstance(q.solution_text, str) and q.solution_text.count('"') == 2]


@pytest.mark.parametrize("question", [q for _, q in CHOICES], ids=[i for i, _ in CHOICES])
def test_a_wrong_choice_gets_the_checkers_stages_and_no_hint_names_the_answer(question):
    q = fresh(question)
    right = q.answer_for_tests()[0]
    assert not any(gives_away(q.hint_text(n), right) for n in (1, 2, 3))
    wrong = next(choice for choice in ("same", "lower", "higher", "larger", "smaller", "inside", "outside", "even",
                                       "all", "most", "fewer", "falls", "dips", "rises", "varies", "chance",
                                       "hidden", "input", "neither")
                 if choice != right and q.checker(choice).mistakes)
    report = checked(q, wrong)
    assert not report.passed and report.mistakes and "q" in report.ask
    assert f"{q.name}.hint(2)" in str(report)  # the next stage is asked for on the object
    for n in (1, 2, 3):
        told = q.hint_text(n)
        assert all(m.told(n) in told for m in q.checker(wrong, hint=n).problems)
        assert not gives_away(told, right), told


def test_a_function_not_written_yet_is_told_so_not_checked():
    from lessonkit.lessons.dropout.exercises import q1, q3
    from lessonkit.lessons.taming.exercises import q3 as mc

    def unwritten(*args, **kwargs):
        raise NotImplementedError

    for question in (q1, q3, mc):
        report = checked(fresh(question), unwritten)
        assert not report.passed and "not written yet" in str(report) and report.mistakes == []


def test_a_wrong_function_is_told_its_mistakes_and_hint_n_their_stages():
    from lessonkit.lessons.dropout.exercises import q1

    def unscaled(x, p, training=True, generator=None):
        if not training or p == 0:
            return x
        return x * (torch.rand(x.shape, generator=generator) >= p).to(x.dtype)

    q = fresh(q1)
    assert checked(q, unscaled).mistakes == ["kept values not scaled"]
    assert "Where to look" not in q.hint_text(1) and "Where to look" in q.hint_text(2)
    assert "Fix:" in q.hint_text(3)


def test_the_bug_hunt_names_no_defect_until_one_is_fixed():
    from lessonkit.lessons.mnist.exercises import BUGGY_CODE, DEFECTS, q1

    namespace = {"torch": torch}
    exec(BUGGY_CODE, namespace)  # noqa: S102 - the lesson's own starting code
    q = fresh(q1)
    first = str(checked(q, namespace["train_epoch"], namespace["test_accuracy"]))
    assert "none of the 4 defects is fixed yet" in first
    assert not any(defect in first for defect in DEFECTS)
    assert all(defect in q.hint_text(1) for defect in DEFECTS)  # asked for: the symptoms, named
    assert "pass both functions" in str(checked(q, namespace["train_epoch"]))  # one of the two: not an answer


@pytest.mark.parametrize("divisor, named", [("255", []), ("256", ["test images scaled differently"]),
                                            ("2550", ["test images scaled differently"])])
def test_the_bug_hunt_takes_only_the_training_scale(divisor, named):
    from lessonkit.lessons.mnist.exercises import FIXED_CODE, q1

    namespace = {"torch": torch}
    exec(FIXED_CODE.replace("/ 255", f"/ {divisor}"), namespace)  # noqa: S102 - the solution, rescaled
    assert checked(fresh(q1), namespace["train_epoch"], namespace["test_accuracy"]).mistakes == named


def test_check_hint_and_solution_print_so_a_cell_may_call_all_three(capsys):
    from lessonkit.lessons.playground.exercises import q2

    q = fresh(q2)
    assert q.check("rises") is None and q.hint(2) is None and q.solution() is None
    out = capsys.readouterr().out
    assert out.index("✗ my_val_loss_prediction") < out.index("Hint 2 of 3") < out.index("Solution to q2")


def test_the_lesson_2_solutions_agree_with_torch():
    """The printed solutions are dropout: the same statistics as nn.Dropout, and the backward
    pass equals autograd through nn.Dropout's own mask."""
    from lessonkit.lessons.dropout.solutions import my_dropout, my_dropout_backward

    x = torch.rand(200_000) + 0.5
    ours = my_dropout(x, 0.3, generator=torch.Generator().manual_seed(0))
    theirs = torch.nn.Dropout(0.3)(x)
    assert abs((ours == 0).float().mean() - (theirs == 0).float().mean()) < 0.01
    assert torch.allclose(ours[ours != 0], x[ours != 0] / 0.7)
    leaf = x[:100].clone().requires_grad_()
    out = torch.nn.Dropout(0.3)(leaf)
    grad_output = torch.randn(100, generator=torch.Generator().manual_seed(1))
    out.backward(grad_output)
    mask = (out != 0).float()
    assert torch.allclose(my_dropout_backward(grad_output, mask, 0.3), leaf.grad)


@pytest.mark.parametrize("question", ALL, ids=IDS)
def test_after_a_pass_every_hint_still_tells_its_stage_marked_solved(question):
    q = fresh(question)
    checked(q, *q.answer_for_tests())
    one, two, three = (q.hint_text(n) for n in (1, 2, 3))
    assert one.startswith(f"Hint 1 of 3 for {q.name}") and "already passed" in one and f"{q.name}.hint(2)" in one
    assert "(already solved)" in two and q.where in two and q.fix not in two
    assert "(already solved)" in three and q.where in three and q.fix in three


def test_passed_stays_true_after_a_later_wrong_try():
    from lessonkit.lessons.dropout.exercises import q2

    q = fresh(q2)
    checked(q, *q.answer_for_tests())
    assert q.passed
    report = checked(q, 0.7)
    assert not report.passed and q.passed  # the last report failed; the question stays solved
    assert "you passed this question before" in q.hint_text(1) and "multiplied by (1-p)" in q.hint_text(1)


def test_the_answer_that_passed_is_kept_through_a_later_wrong_try():
    """Lesson 2's training cell goes on with q1.passed_answer: the my_dropout that passed, not a later
    redefinition that failed."""
    from lessonkit.lessons.dropout.exercises import q1

    q = fresh(q1)
    assert q.passed_answer is None
    (passing,) = q.answer_for_tests()
    checked(q, passing)

    def my_dropout(x, p, training=True, generator=None):  # redefined without the scaling: fails
        return x * (torch.rand(x.shape, generator=generator) >= p) if training and p < 1 else x * float(training)

    report = checked(q, my_dropout)
    assert not report.passed and q.passed and q.passed_answer is passing


@pytest.mark.parametrize("answer, told", [
    (lambda model, x, passes: (model(x.unsqueeze(1)), model(x.unsqueeze(1))), "return (mean, std)"),
    (lambda model, x, passes: 1 / 0, "your function raised ZeroDivisionError"),
], ids=["wrong shape", "raises"])
def test_a_failed_or_raising_attempt_counts_as_an_attempt(answer, told):
    from lessonkit.lessons.taming.exercises import q3

    q = fresh(q3)
    checked(q, answer)
    one, two, three = (q.hint_text(n) for n in (1, 2, 3))
    assert "answer first" not in one and told in one and "q3.hint(2)" in one
    assert told in two and q.where in two and q.fix not in two
    assert told in three and q.fix in three


def test_an_answer_the_checker_itself_chokes_on_is_a_message_not_a_traceback():
    def checker(answer, *, hint=1):  # a checker whose own guards miss what the answer does
        return answer + 1

    q = Exercise("q9", "a planted checker", checker, where="here", fix="this", solution_text="1", solved=lambda: (1,))
    report = checked(q, "one")
    assert not report.passed and str(report).startswith("✗ q9: checking your answer raised TypeError")
    assert "answer first" not in q.hint_text(1) and "raised TypeError" in q.hint_text(2)


def test_the_mc_dropout_check_holds_its_second_network_to_the_same_form():
    from lessonkit.lessons.taming.exercises import q3

    def second_call_returns_numbers(model, x, passes, calls=[]):  # noqa: B006 - counts the calls
        calls.append(1)
        if len(calls) > 1:
            return (0, 0)
        was_training = model.training
        model.train()  # the learner's own passes (calling the course's solution would be told as such)
        with torch.no_grad():
            passes_made = torch.stack([model(x.unsqueeze(1)).squeeze(1) for _ in range(passes)])
        model.train(was_training)
        return passes_made.mean(0), passes_made.std(0)

    report = checked(fresh(q3), second_call_returns_numbers)
    assert not report.passed and "with a p=0 network: return (mean, std)" in str(report)
