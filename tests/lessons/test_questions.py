"""Every multiple-choice question of lessons 2-4: the right answer passes (case and spaces aside),
each wrong one is told its named mistake in three stages that never give the answer away, and
answers of the wrong form are explained."""
import pytest
from hint_stages import gives_away, stages

from lessonkit.lessons.dropout import exercises as dropout
from lessonkit.lessons.playground import exercises as playground
from lessonkit.lessons.taming import exercises as taming

QUESTIONS = [  # (checker, right answer, {wrong answer: the mistake it is told})
    (dropout.check_eval_prediction, "varies", {"same": "dropout assumed off at test time",
                                               "chance": "a thinned network taken for an untrained one"}),
    (dropout.QUESTIONS["test_time_scaling"].check, "larger",
     {"smaller": "train and test swapped", "same": "the scale taken for cosmetics"}),
    (dropout.QUESTIONS["smaller_layer"].check, "lower",
     {"higher": "more dropout for a smaller layer", "same": "p as independent of the layer's size"}),
    (taming.QUESTIONS["train_prediction"].check, "higher",
     {"lower": "regularization taken for a better fit", "same": "dropout taken to be invisible after training"}),
    (taming.QUESTIONS["band_prediction"].check, "outside",
     {"inside": "spread where the noise is", "even": "dropout's noise taken as uniform"}),
    (playground.QUESTIONS["overfit_prediction"].check, "all",
     {"most": "the network taken to know which labels are flipped", "fewer": "the network taken to be too small"}),
    (playground.QUESTIONS["val_loss_prediction"].check, "falls",
     {"dips": "the loss taken to follow the accuracy", "rises": "dropout taken to hurt the validation fit"}),
]

IDS = [right for _, right, _ in QUESTIONS]  # each question's right answer names it


@pytest.mark.parametrize("check, right, wrong", QUESTIONS, ids=IDS)
def test_each_mistake_is_named_in_stages_without_the_answer(check, right, wrong):
    assert check(right).passed and check(f"  {right.upper()} ").passed
    for answer, mistake in wrong.items():
        report = check(answer)
        assert not report.passed and report.mistakes == [mistake]
        one, two, three = stages(check, answer)
        assert f"{mistake}:" in one and "Where to look" not in one and "hint=2" in one
        assert "Where to look" in two and "Fix" not in two and "hint=3" in two
        assert "Fix: " in three
        assert not any(gives_away(text, right) for text in (one, two, three)), (one, two, three)


@pytest.mark.parametrize("check", [q[0] for q in QUESTIONS], ids=IDS)
@pytest.mark.parametrize("answer, message", [
    (None, "not answered yet. Write your answer"), (100, "must be one of"), ("maybe", "got 'maybe'")])
def test_wrong_forms_are_explained(check, answer, message):
    report = check(answer)
    assert not report.passed and message in str(report) and report.mistakes == []
