"""The Korean edition (한국어판) is built from the English lessons and never drifts from them.

- every English markdown cell has a Korean translation made from its current text (a changed
  English cell makes its translation stale, and this test names it);
- the committed Korean notebooks are what `scripts/build_korean.py` builds;
- their code cells are the English ones, but for one line that sets the language and for their
  comments, which are Korean;
- their prose is Korean: more than half of each lesson's prose letters are Hangul;
- with the language set to Korean, the exercises' checks and hints and the widgets speak Korean.
"""
import copy
import importlib.util
import io
import json
import re
import tokenize
from pathlib import Path

import pytest

from lessonkit.core import language

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("build_korean", REPO / "scripts" / "build_korean.py")
build_korean = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_korean)

ENGLISH = build_korean.lessons()
KOREAN = [build_korean.KOREAN / path.name for path in ENGLISH]


def is_english(text: str) -> bool:
    """More Latin letters than Hangul, and not a Python name (`my_gradient`, `a and b`): English prose,
    not Korean, and not commented-out code."""
    if re.fullmatch(r"[A-Za-z_]\w*(?: and [A-Za-z_]\w*)?", text):
        return False
    prose = re.sub(r"(['\"]).*?\1|\([^)]*\)|\S*\.\S+", " ", text)  # quoted answers, (types), code.names
    if len(re.findall(r"[A-Za-z]{3,}", prose)) < 2:
        return False
    return len(re.findall("[A-Za-z]", text)) > len(re.findall("[가-힣]", text))


def cells(path: Path) -> list:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def prose(text: str) -> str:
    """Markdown without code, links' targets, maths and HTML: the letters a reader reads."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.S)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return re.sub(r"<[^>]+>", " ", text)


def test_every_lesson_has_a_korean_edition_and_the_build_is_current():
    assert [p.name for p in KOREAN if p.exists()] == [p.name for p in ENGLISH]
    assert build_korean.build_all(check=True) == []


@pytest.mark.parametrize("english", ENGLISH, ids=lambda p: p.name)
def test_code_cells_are_the_english_ones_but_for_the_language_line_and_their_comments(english):
    korean = cells(build_korean.KOREAN / english.name)
    ours = [(c["id"], build_korean.source(c)) for c in cells(english) if c["cell_type"] == "code"]
    theirs = [(c["id"], build_korean.source(c)) for c in korean if c["cell_type"] == "code"]
    assert [i for i, _ in ours] == [i for i, _ in theirs]
    assert theirs[0][1].startswith(build_korean.LANGUAGE_LINE + "\n"), "the first code cell sets the language"
    theirs[0] = (theirs[0][0], theirs[0][1].removeprefix(build_korean.LANGUAGE_LINE + "\n"))
    for (cell_id, english_code), (_, korean_code) in zip(ours, theirs, strict=True):
        assert build_korean.without_comments(korean_code) == build_korean.without_comments(english_code), cell_id


@pytest.mark.parametrize("english", ENGLISH, ids=lambda p: p.name)
def test_the_comments_in_korean_code_cells_are_korean(english):
    """What the learner reads while typing (the exercise scaffolds' steps, "replace this line with your
    code") is Korean: every comment in prose is translated by the catalogue; commented-out code stays."""
    english_left = []
    for cell in cells(build_korean.KOREAN / english.name):
        if cell["cell_type"] != "code":
            continue
        code = build_korean.source(cell)
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            text = token.string.lstrip("# ")
            if token.type == tokenize.COMMENT and is_english(text) and not re.search("[가-힣]", text):
                english_left.append((cell["id"], token.string))
    assert english_left == [], "add their Korean to lessonkit/core/locale/ko.toml and rebuild"


def test_comments_are_stripped_by_the_tokenizer_so_code_and_strings_are_compared_whole():
    assert build_korean.without_comments('x = "a # b"  # a comment\n# another\ny = 1') == 'x = "a # b"\n\ny = 1'
    assert build_korean.without_comments("x = 1  # one") != build_korean.without_comments("x = 2  # one")
    assert build_korean.korean_comments("x = 1  # replace this line with your code") == (
        "x = 1  # 이 줄을 지우고 코드를 작성하세요")
    assert language.language() == "en", "building leaves the language as it was"


@pytest.mark.parametrize("english", ENGLISH, ids=lambda p: p.name)
def test_more_than_half_of_each_lessons_prose_letters_are_hangul(english):
    text = prose("\n".join(build_korean.source(c) for c in cells(build_korean.KOREAN / english.name)
                           if c["cell_type"] == "markdown"))
    hangul, latin = len(re.findall("[가-힣]", text)), len(re.findall("[A-Za-z]", text))
    assert hangul / (hangul + latin) > 0.5, f"{hangul} Hangul letters, {latin} Latin"


def test_a_changed_english_cell_makes_its_translation_stale_and_a_missing_one_is_named():
    english = ENGLISH[1]
    notebook = json.loads(english.read_text(encoding="utf-8"))
    translations = build_korean.load_translations(english)
    assert build_korean.problems_of(notebook, translations, english.name) == []
    changed = copy.deepcopy(notebook)
    cell = next(c for c in changed["cells"] if c["cell_type"] == "markdown" and not build_korean.is_navigation(c))
    cell["source"] = build_korean.source(cell) + " One more sentence."
    problems = build_korean.problems_of(changed, translations, english.name)
    assert problems == [f"{english.name}: cell {cell['id']} is stale: its English text changed since it was "
                        f"translated (hash {translations[cell['id']]['en']} -> "
                        f"{build_korean.english_hash(build_korean.source(cell))})"]
    missing = {key: value for key, value in translations.items() if key != cell["id"]}
    assert build_korean.problems_of(notebook, missing, english.name) == [
        f"{english.name}: cell {cell['id']} has no Korean translation"]


def test_the_korean_lessons_stored_checks_speak_korean():
    """The committed Korean notebooks ran with the language line: their exercise checks are Korean."""
    for path in KOREAN[1:]:
        checked = [c for c in cells(path) if c["cell_type"] == "code"
                   and re.search(r"^q\d+\.check\(", build_korean.source(c), re.M)]
        assert len(checked) >= 2, path.name
        for cell in checked:
            told = "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))
            assert re.search("[가-힣]", told), (path.name, cell["id"], told)
