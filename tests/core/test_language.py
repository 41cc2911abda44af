"""lessonkit speaks English by default and Korean on request, from a catalogue keyed by template.

A message is translated, then formatted: its template is looked up whole, its fields filled in after
(a field that is a `Message` translated too), a particle after a field chosen by how the value ends;
English stays untouched. Read from the source (catalogue_scan.py, nothing run): every template lessonkit
asks for has a Korean entry, none is formatted before it is translated, and the catalogue holds no
entry that nothing asks for. With the language set to Korean, the lessons' exercises and widgets speak
Korean.
"""
import importlib
import re
import string
import tomllib
from importlib.resources import files

import catalogue_scan
import pytest

from conftest import exercises_of
from lessonkit.core import language
from lessonkit.core.exercises import Exercise
from lessonkit.core.language import Message, tr

CATALOGUE = tomllib.loads(files("lessonkit.core").joinpath("locale", "ko.toml").read_text(encoding="utf-8"))
KEYS = {entry["en"].strip() for entry in CATALOGUE["message"]}


@pytest.fixture
def korean():
    language.set_language("ko")
    yield
    language.set_language("en")


@pytest.fixture(scope="module")
def scan():
    return catalogue_scan.scan_lessonkit()


def test_english_is_the_default_and_untouched():
    assert language.language() == "en"
    assert tr("Where to look:") == "Where to look:"
    assert tr("with p = {p} every element was dropped.", p=0.3) == "with p = 0.3 every element was dropped."


def test_a_language_other_than_en_or_ko_is_refused_by_name():
    with pytest.raises(ValueError, match=r"language must be one of \['en', 'ko'\].*got 'fr'"):
        language.set_language("fr")
    assert language.language() == "en"


def fields(template: str) -> set:
    return {(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(template) if name}


def test_every_entry_keeps_its_fields_and_no_english_is_listed_twice():
    english = [entry["en"].strip() for entry in CATALOGUE["message"]]
    assert len(english) == len(set(english))
    for entry in CATALOGUE["message"]:
        assert fields(entry["en"]) == fields(entry["ko"]), entry["en"]
        words = re.sub(r"\{[^}]*\}", "", entry["ko"])  # its text outside the fields
        assert re.search("[가-힣]", words) or entry["ko"] == entry["en"] or not re.search("[A-Za-z]{3,}", words), (
            entry["en"])


def test_a_template_is_translated_then_formatted(korean):
    assert tr("Where to look:") == "살펴볼 곳:"
    assert tr("  Where to look:\n") == "  살펴볼 곳:\n"  # the surrounding space is kept
    assert tr("with p = {p} every element was dropped.", p=0.3) == "p = 0.3일 때 모든 원소가 드롭되었습니다."
    assert tr("no such message, {anywhere}", anywhere="here") == "no such message, here"
    # a message formatted before it reaches tr is not a template: no pattern is guessed for it
    assert tr("with p = 0.3 every element was dropped.") == "with p = 0.3 every element was dropped."


def test_a_message_is_translated_when_shown_and_so_is_a_field_that_is_one(korean):
    told = Message("{label}: {what}", label=Message("eval mode"),
                   what=Message("your function raised {kind}: {error}", kind="ValueError", error="bad"))
    assert str(told) == "eval mode: your function raised ValueError: bad"  # as a str, its English
    assert tr(told) == "평가 모드: 작성한 함수에서 예외가 발생했습니다(ValueError: bad)."
    assert tr("{label}: {what}", label="eval mode", what="x") == "eval mode: x"  # a plain str field is kept
    assert Message(told) is told


@pytest.mark.parametrize("written, said", [("차수은(는)", "차수는"), ("잡음은(는)", "잡음은"),
                                           ("차수 3은(는)", "차수 3은"), ("차수 2은(는)", "차수 2는"),
                                           ("p = 0.3을(를)", "p = 0.3을"),
                                           ("p = 0.5을(를)", "p = 0.5를"), ("q1.hint(3)(으)로", "q1.hint(3)으로"),
                                           ("q1.hint(2)(으)로", "q1.hint(2)로"), ("10%이(가)", "10%가"),
                                           ("`p`은(는)", "`p`은(는)")])
def test_a_particle_after_a_value_is_chosen_by_how_the_value_ends(written, said):
    assert language._particles(written) == said  # a Latin name keeps both forms: its reading is unknown


def test_an_argument_error_reads_as_korean_grammar_after_its_fields_are_filled_in(korean):
    from lessonkit.core.checks import check_int
    with pytest.raises(ValueError) as raised:
        check_int("degree", 40, 0, 20)
    assert str(raised.value) == "차수는 [0, 20] 범위에 있어야 합니다. 받은 값: 40"
    with pytest.raises(ValueError) as raised:
        check_int("n", 0, 1)
    assert str(raised.value) == "n은(는) 1 이상이어야 합니다. 받은 값: 0"


def test_a_solutions_comments_are_translated_and_its_code_is_not(korean):
    code = 'x = "#not a comment"  # dropout off while testing\n    # nothing was kept\ny = x  # an unknown comment'
    assert language.tr_comments(code) == ('x = "#not a comment"  # 테스트하는 동안 드롭아웃 끄기\n'
                                          '    # 남은 유닛이 없음\ny = x  # an unknown comment')
    language.set_language("en")
    assert language.tr_comments(code) == code


# --- the catalogue against the source (a static scan: nothing is run) -----------------------------

def test_every_template_lessonkit_asks_for_has_a_korean_entry(scan):
    missing = sorted((scan.templates | catalogue_scan.data_texts()) - KEYS)
    assert missing == [], "add their Korean to lessonkit/core/locale/ko.toml"


def test_no_message_is_formatted_before_it_is_translated(scan):
    assert scan.formatted == [], "write a template with named fields: tr('... {name} ...', name=value)"


def test_tr_is_given_a_template_or_passes_on_a_text_written_as_one(scan):
    assert scan.opaque == [], "tr(x) with x not a constant: a template, or a pass-through in PASS_THROUGH"


def test_no_catalogue_entry_is_dead(scan):
    asked = scan.templates | scan.names | catalogue_scan.data_texts() | catalogue_scan.comment_texts()
    assert sorted(KEYS - asked) == [], "no template or code comment asks for these: delete them from ko.toml"


PLANTED = '''
from lessonkit.core.language import Message, tr

WHERE = "the line that computes the mean."
FIX = "average the passes: " + "`samples.mean(0)`."
SYMPTOMS = ("a symptom from a tuple", "another one")


def check(report, value, name):
    report.problems.append(Mistake("a mistake the catalogue lacks", f"a symptom of {value}", WHERE, FIX))
    report.problems.append(Message("with p = {p} every element was dropped.", p=value))
    report.problems.append("a problem " + str(value))
    report.praise = Message(SYMPTOMS[value])
    print(tr("{name} was planted", name=name), tr(name), tr("%s percent" % value))
'''


def test_the_scan_finds_each_kind_of_text_and_a_planted_template_the_catalogue_lacks():
    planted = catalogue_scan.scan_source(PLANTED, "planted.py")
    assert planted.templates == {"a mistake the catalogue lacks", "the line that computes the mean.",
                                 "average the passes: `samples.mean(0)`.", "with p = {p} every element was dropped.",
                                 "a symptom from a tuple", "another one", "{name} was planted"}
    assert sorted(line.split(": ", 1)[1] for line in planted.formatted) == [
        "'%s percent' % value", "'a problem ' + str(value)", "f'a symptom of {value}'"]
    assert [line.split(": ", 1)[1] for line in planted.opaque] == ["tr(name)"]
    assert sorted(planted.templates - KEYS) == ["a mistake the catalogue lacks", "a symptom from a tuple",
                                                "another one", "{name} was planted"]


def fresh(question: Exercise) -> Exercise:
    return Exercise(**{name: getattr(question, name) for name in
                       ("name", "title", "checker", "where", "fix", "solution_text", "solved", "explanation",
                        "first_check", "starter")})


WRONG = ("same", "lower", "higher", "larger", "smaller", "inside", "outside", "even", "all", "most", "fewer",
         "falls", "dips", "rises", "varies", "chance", "hidden", "input", "neither", 0, 1.0, 6, "maybe")


def test_the_exercises_speak_korean_in_these_scenarios(korean, capsys):
    for lesson in ("overfitting", "dropout", "taming", "playground", "mnist"):
        for question in exercises_of(importlib.import_module(f"lessonkit.lessons.{lesson}.exercises")):
            q = fresh(question)
            q.check(None)
            for n in (1, 2, 3):
                q.hint(n)
            q.solution()
            q.check(*q.answer_for_tests())
            if len(q.answer_for_tests()) == 1 and not callable(q.answer_for_tests()[0]):
                for answer in WRONG:
                    q.check(answer)
                    for n in (1, 2, 3):
                        q.hint(n)
    out = capsys.readouterr().out
    assert len(re.findall("[가-힣]", out)) > len(re.findall("[A-Za-z]", out))


def test_the_widgets_labels_readouts_and_titles_speak_korean(korean):
    """The explorers of lessons 1, 2 and 4, built and moved in Korean: their labels, readouts and
    titles are Korean, and the sliders carry Korean names."""
    from lessonkit.core.figures import _widgets
    from lessonkit.lessons.dropout.widgets import DropoutWalkthrough, ScalingExplorer
    from lessonkit.lessons.overfitting.widgets import PolyExplorer, RidgeExplorer
    from lessonkit.lessons.playground.widgets import Playground

    poly = PolyExplorer(degree=3)
    poly.degree.value = 15
    assert poly.degree.description == "차수" and re.search("[가-힣]", poly.readout.value)
    assert re.search("[가-힣]", poly._repr_mimebundle_()["text/plain"])
    assert re.search("[가-힣]", RidgeExplorer(ridge=0.01).readout.value)
    walkthrough = DropoutWalkthrough(p=0.5, seed=0, step=1)
    for step in range(2, 11):
        walkthrough.step_slider.value = step
        assert walkthrough.numbers.value.startswith("<b>배치 ")
    assert re.search("[가-힣]", ScalingExplorer(p=0.5, seed=0).numbers.value)
    playground = Playground(seed=0)
    try:
        playground.run(10)
        labels = [w.description for w in _widgets(playground.children) if getattr(w, "description", "")]
        assert "재생" in labels and all(re.search("[가-힣]", label) or label in ("p", "L2 λ") for label in labels)
        assert re.search("[가-힣]", playground.readout.value)
    finally:
        playground.close()
