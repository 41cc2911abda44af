import pytest
from hint_stages import gives_away, stages

from lessonkit.lessons.playground.exercises import check_overfit_prediction, check_val_loss_prediction


@pytest.mark.parametrize("check, right, wrong", [
    (check_overfit_prediction, "all", {"most": "the network taken to know which labels are flipped",
                                       "fewer": "the network taken to be too small"}),
    (check_val_loss_prediction, "falls", {"dips": "the loss taken to follow the accuracy",
                                          "rises": "dropout taken to hurt the validation fit"}),
])
def test_predictions_name_each_mistake_in_stages_without_the_answer(check, right, wrong):
    assert check(right).passed and check(f"  {right.upper()}").passed
    for answer, mistake in wrong.items():
        report = check(answer)
        assert not report.passed and report.mistakes == [mistake]
        one, two, three = stages(check, answer)
        assert "Where to look" not in one and "hint=2" in one
        assert "Where to look" in two and "Fix" not in two and "hint=3" in two
        assert "Fix: " in three
        assert not any(gives_away(text, right) for text in (one, two, three)), (one, two, three)


@pytest.mark.parametrize("check", [check_overfit_prediction, check_val_loss_prediction])
@pytest.mark.parametrize("answer, message", [
    (None, "not answered yet. Write your answer"), (100, "must be one of"), ("maybe", "got 'maybe'")])
def test_wrong_forms_are_explained(check, answer, message):
    report = check(answer)
    assert not report.passed and message in str(report) and report.mistakes == []
