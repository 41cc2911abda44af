"""lessonkit speaks English by default and Korean on request, from a catalogue of messages.

The catalogue's templates keep their placeholders; a message is translated whole or by the
most specific template, its placeholders' values translated too; English stays untouched. And
with the language set to Korean, every message the lessons' exercises and widgets produce in
these scenarios, the comments in the solutions' code included, is found in the catalogue (none is
left in English).
"""
import importlib
import re
import tomllib
from importlib.resources import files

import pytest

from lessonkit.core import language
from lessonkit.core.exercises import Exercise, exercises_of

CATALOGUE = tomllib.loads(files("lessonkit.core").joinpath("locale", "ko.toml").read_text(encoding="utf-8"))
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.fixture
def korean():
    language.set_language("ko")
    yield
    language.set_language("en")


def test_english_is_the_default_and_untouched():
    assert language.language() == "en"
    assert language.tr("Where to look:") == "Where to look:"


def test_a_language_other_than_en_or_ko_is_refused_by_name():
    with pytest.raises(ValueError, match=r"language must be one of \['en', 'ko'\].*got 'fr'"):
        language.set_language("fr")
    assert language.language() == "en"


def test_every_entry_keeps_its_placeholders_and_no_english_is_listed_twice():
    english = [entry["en"].strip() for entry in CATALOGUE["message"]]
    assert len(english) == len(set(english))
    for entry in CATALOGUE["message"]:
        assert set(PLACEHOLDER.findall(entry["en"])) == set(PLACEHOLDER.findall(entry["ko"])), entry["en"]
        assert re.search("[가-힣]", entry["ko"]) or entry["ko"] == entry["en"], entry["en"]


def test_whole_messages_templates_and_their_values(korean):
    assert language.tr("Where to look:") == "살펴볼 곳:"
    assert language.tr("  Where to look:\n") == "  살펴볼 곳:\n"  # the surrounding space is kept
    # a template, whose value (a mistake's name) is itself a message of the catalogue
    told = language.tr("eval mode: your function raised ValueError: bad")
    assert told.startswith("평가 모드: ") and "ValueError: bad" in told and "eval mode" not in told
    assert language.tr("no such message, anywhere") == "no such message, anywhere"


def fresh(question: Exercise) -> Exercise:
    return Exercise(**{name: getattr(question, name) for name in
                       ("name", "title", "checker", "where", "fix", "solution_text", "solved", "explanation",
                        "first_check", "starter")})


WRONG = ("same", "lower", "higher", "larger", "smaller", "inside", "outside", "even", "all", "most", "fewer",
         "falls", "dips", "rises", "varies", "chance", "hidden", "input", "neither", 0, 1.0, 6, "maybe")


@pytest.mark.parametrize("written, said", [("차수은(는)", "차수는"), ("잡음은(는)", "잡음은"),
                                           ("차수 3은(는)", "차수 3은"), ("차수 2은(는)", "차수 2는"),
                                           ("p = 0.3을(를)", "p = 0.3을"),
                                           ("p = 0.5을(를)", "p = 0.5를"), ("q1.hint(3)(으)로", "q1.hint(3)으로"),
                                           ("q1.hint(2)(으)로", "q1.hint(2)로"), ("10%이(가)", "10%가"),
                                           ("`p`은(는)", "`p`은(는)")])
def test_a_particle_after_a_value_is_chosen_by_how_the_value_ends(written, said):
    assert language._particles(written) == said  # a Latin name keeps both forms: its reading is unknown


def test_an_argument_error_reads_as_korean_grammar(korean):
    assert language.tr("degree must be in [0, 20], got 40").startswith("차수는 ")


def test_a_solutions_comments_are_translated_and_its_code_is_not(korean):
    code = 'x = "#not a comment"  # dropout off while testing\n    # nothing was kept\ny = x  # an unknown comment'
    assert language.tr_comments(code) == ('x = "#not a comment"  # 테스트하는 동안 드롭아웃 끄기\n'
                                          '    # 남은 유닛이 없음\ny = x  # an unknown comment')
    language.set_language("en")
    assert language.tr_comments(code) == code


def test_every_exercise_message_of_these_scenarios_is_in_the_catalogue(korean, capsys):
    with language.recording_misses() as misses:
        for lesson in ("overfitting", "dropout", "taming", "playground", "mnist"):
            for question in exercises_of(importlib.import_module(f"lessonkit.lessons.{lesson}.exercises")):
                q = fresh(question)
                q.check(None)
                for n in (1, 2, 3):
                    q.hint(n)
                q.solution()
                q.check(*q.solved())
                if len(q.solved()) == 1 and not callable(q.solved()[0]):
                    for answer in WRONG:
                        q.check(answer)
                        for n in (1, 2, 3):
                            q.hint(n)
    out = capsys.readouterr().out
    assert sorted(misses) == []
    assert language._misses is None  # recording ended with the block
    assert len(re.findall("[가-힣]", out)) > len(re.findall("[A-Za-z]", out))


def test_the_widgets_labels_readouts_and_titles_speak_korean(korean):
    """The explorers of lessons 1, 2 and 4, built and moved in Korean: every label, readout and
    title they show is in the catalogue, and the sliders carry Korean names."""
    from lessonkit.core.figures import _widgets
    from lessonkit.lessons.dropout.widgets import DropoutWalkthrough, ScalingExplorer
    from lessonkit.lessons.overfitting.widgets import PolyExplorer, RidgeExplorer
    from lessonkit.lessons.playground.widgets import Playground

    with language.recording_misses() as misses:
        poly = PolyExplorer(degree=3)
        poly.degree.value = 15
        assert poly.degree.description == "차수" and re.search("[가-힣]", poly.readout.value)
        assert re.search("[가-힣]", poly._repr_mimebundle_()["text/plain"])
        RidgeExplorer(ridge=0.01)._repr_mimebundle_()
        walkthrough = DropoutWalkthrough(p=0.5, seed=0, step=1)
        for step in range(2, 11):
            walkthrough.step_slider.value = step
        assert re.search("[가-힣]", walkthrough.numbers.value)
        ScalingExplorer(p=0.5, seed=0)._repr_mimebundle_()
        playground = Playground(seed=0)
        try:
            playground.run(10)
            labels = [w.description for w in _widgets(playground.children) if getattr(w, "description", "")]
            assert "재생" in labels and all(re.search("[가-힣]", label) or label in ("p", "L2 λ") for label in labels)
            assert re.search("[가-힣]", playground.readout.value)
        finally:
            playground.close()
    assert sorted(misses) == []
