import pytest

from lessonkit.core.exercises import CheckReport, Mistake, check_multiple_choice, not_answered

SCALE = Mistake("kept values not scaled", symptom="the mean of your output is 0.7 of the input's",
                where="the line that multiplies x by the mask", fix="divide the kept values by (1 - p)")


def report_at(hint):
    return CheckReport("dropout", checks=3, problems=[SCALE], hint=hint)


def test_stage_1_tells_the_mistake_and_its_symptom_only():
    text = str(report_at(1))
    assert "kept values not scaled" in text and "0.7 of the input's" in text
    assert "multiplies x by the mask" not in text and "divide" not in text
    assert "hint=2" in text


def test_stage_2_adds_where_to_look_and_stage_3_the_fix():
    two, three = str(report_at(2)), str(report_at(3))
    assert "Where to look: the line that multiplies" in two and "divide" not in two and "hint=3" in two
    assert "Where to look" in three and "Fix: divide the kept values by (1 - p)" in three
    assert "hint=" not in three  # nothing more to ask for


def test_plain_problems_read_the_same_at_every_stage_and_offer_no_more_hints():
    texts = {str(CheckReport("x", checks=1, problems=["must be a word"], hint=h)) for h in (1, 2, 3)}
    assert texts == {"✗ x: must be a word"}


def test_a_passed_report_gives_the_praise_or_counts_the_checks():
    assert str(CheckReport("x", checks=2)) == "✓ x: all 2 checks passed."
    assert CheckReport("x", checks=2, praise="Right.").message == "Right."


def test_mistakes_lists_the_names_recognised():
    report = CheckReport("x", checks=2, problems=["wrong type", SCALE])
    assert report.mistakes == ["kept values not scaled"] and not report.passed


@pytest.mark.parametrize("hint", [0, 4, "2", True, None])
def test_a_hint_stage_other_than_1_2_3_is_refused_with_a_message(hint):
    with pytest.raises(ValueError, match="hint must be 1"):
        CheckReport("x", hint=hint)


def question(answer, hint=1):
    return check_multiple_choice("my_guess", answer, right="smaller", praise="The gap shrinks.", hint=hint,
                                 wrong={"larger": SCALE})


def test_multiple_choice_right_wrong_and_stages():
    assert question(" Smaller ").passed and "The gap shrinks." in str(question("smaller"))
    assert question("larger").mistakes == ["kept values not scaled"]
    assert "Fix:" in str(question("larger", hint=3)) and "Fix:" not in str(question("larger", hint=2))


@pytest.mark.parametrize("answer, complaint", [(3, "(int)"), ("bigger", "got 'bigger'"), ("", "got ''")])
def test_multiple_choice_wrong_forms_list_the_choices(answer, complaint):
    text = str(question(answer))
    assert complaint in text and 'one of "larger", "smaller"' in text  # sorted: the first is not the answer


def test_an_unanswered_question_is_a_nudge_not_an_error():
    for report in (question(None), not_answered("my_guess", "a word")):
        assert not report.passed and "not answered yet" in str(report) and "my_guess" in str(report)


@pytest.mark.parametrize("lesson", ["dropout", "taming", "playground"])
def test_every_lessons_questions_load_and_check(lesson):
    from lessonkit.core.exercises import load_questions

    questions = load_questions(f"lessonkit.lessons.{lesson}")
    assert len(questions) >= 2
    for name, question in questions.items():
        assert question.right not in question.wrong, name
        assert question.check(question.right).passed, name
        for choice, (mistake, _) in question.wrong.items():
            report = question.check(choice, hint=3)
            assert not report.passed and report.mistakes == [mistake], (name, choice)
        assert str(question) == question.question and question.question.endswith("?")
