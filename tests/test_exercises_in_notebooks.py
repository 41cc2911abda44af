"""Every exercise in the lessons is asked Kaggle Learn's way, and no notebook gives an answer away.

The conventions, read from the notebooks' JSON (no kernel needed):
- an exercise starts at a markdown cell with a paragraph opening in bold `**Exercise` or
  `**Predict` and runs to the next such cell or the next heading;
- each exercise has a code cell that calls `qN.check(` on one of the lesson's `Exercise`
  objects (imported from the lesson's `exercises` module), with `qN.hint()` and
  `qN.solution()` offered in comments, never called;
- no cell holds a solution: no `# Solution` cell, no uncommented `.solution()` call, none of a
  coding exercise's solution lines in any cell, no answer cell set to the right choice, and no
  stored output that shows a passing check (a pass shows the answer's praise).

The solutions themselves are checked outside the notebooks, in
tests/lessons/test_exercise_objects.py.
"""
import importlib
import json
import re
from pathlib import Path

import pytest

from conftest import exercises_of

FOLDER = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("[0-9][0-9]_*.ipynb")) + sorted((FOLDER / "ko").glob("[0-9][0-9]_*.ipynb"))
LESSONS = {"01": "overfitting", "02": "dropout", "03": "taming", "04": "playground", "05": "mnist"}
EXERCISE = re.compile(r"(^|\n)\*\*(Exercise|Predict|연습|예측)")  # the Korean edition's too
HEADING = re.compile(r"^#{1,6} ", re.M)
CHECK = re.compile(r"^\s*(q\d+)\.check\(", re.M)


def source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def code_lines(cell) -> str:
    """The cell's code without its comments: what actually runs."""
    return "\n".join(line.split("#", 1)[0] for line in source(cell).splitlines())


def output_text(cell) -> str:
    texts = []
    for output in cell.get("outputs", []):
        text = output.get("text") or output.get("data", {}).get("text/plain", "")
        texts.append("".join(text) if isinstance(text, list) else text)
    return "".join(texts)


def exercises(cells) -> list[tuple[str, list]]:
    """(first line of the exercise's text, its cells up to the next exercise or heading)."""
    found, current = [], None
    for cell in cells:
        text = source(cell)
        if cell["cell_type"] == "markdown" and EXERCISE.search(text):
            current = (text[EXERCISE.search(text).start():].strip().splitlines()[0], [])
            found.append(current)
            continue
        if cell["cell_type"] == "markdown" and HEADING.search(text):
            current = None
        elif current is not None:
            current[1].append(cell)
    return found


def solution_lines(exercise) -> set[str]:
    """The lines of a coding exercise's solution that only a solution would hold: the body of
    its function(s), without comments, short lines, `def` lines, docstrings and the lines of the
    code the learner starts from."""
    text = exercise.solution_text
    if callable(text):
        import inspect

        text = inspect.getsource(text)
    given = {line.split("#", 1)[0].strip() for line in exercise.starter.splitlines()}
    lines = set()
    for line in text.splitlines():
        code = line.split("#", 1)[0].strip()
        if len(code) > 12 and code not in given and not code.startswith(("def ", '"""')):
            lines.add(code)
    return lines


def problems_of(cells, questions: dict) -> list[str]:
    """What the rules find wrong in a notebook's cells, given its lesson's exercises by name."""
    problems = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        text, code = source(cell), code_lines(cell)
        if re.match(r"#\s*Solution\b", text.lstrip()):
            problems.append(f"cell {index}: a solution cell")
        if ".solution()" in code:
            problems.append(f"cell {index}: calls .solution(), whose output would show the answer")
        if "✓" in output_text(cell):
            problems.append(f"cell {index}: a stored output shows a passing check")
        for name, question in questions.items():
            if callable(question.solution_text) or "\n" in question.solution_text:
                shown = {line for line in solution_lines(question) if line in {s.strip() for s in code.splitlines()}}
                if len(shown) >= max(2, len(solution_lines(question)) // 2):
                    problems.append(f"cell {index}: holds {name}'s solution ({len(shown)} of its lines)")
            elif question.solution_text.strip() in text:
                problems.append(f"cell {index}: holds {name}'s answer `{question.solution_text.strip()}`")
    for title, own in exercises(cells):
        checks = {m.group(1) for c in own if c["cell_type"] == "code" for m in CHECK.finditer(code_lines(c))}
        if not checks:
            problems.append(f"{title}: no qN.check(...) cell for the learner")
        for name in checks:
            if name not in questions:
                problems.append(f"{title}: {name} is not one of the lesson's exercises")
            cell = next(c for c in own if c["cell_type"] == "code" and f"{name}.check(" in source(c))
            if f"# {name}.hint()" not in source(cell) or f"# {name}.solution()" not in source(cell):
                problems.append(f"{title}: the check cell does not offer {name}.hint() and {name}.solution()")
    return problems


def lesson_questions(path) -> dict:
    lesson = LESSONS.get(path.name[:2])
    if lesson is None:
        return {}
    return {q.name: q for q in exercises_of(importlib.import_module(f"lessonkit.lessons.{lesson}.exercises"))}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(FOLDER)))
def test_no_answer_in_any_notebook_and_every_exercise_checked(path):
    assert problems_of(json.loads(path.read_text())["cells"], lesson_questions(path)) == []


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name[:2] in LESSONS],
                         ids=lambda p: str(p.relative_to(FOLDER)))
def test_lessons_1_to_5_ask_at_least_two_exercises_each_checked_by_its_object(path):
    cells = json.loads(path.read_text())["cells"]
    asked = {m.group(1) for c in cells if c["cell_type"] == "code" for m in CHECK.finditer(code_lines(c))}
    assert len(exercises(cells)) >= 2 and len(asked) >= 2
    assert asked == set(lesson_questions(path)), "every exercise of the lesson is asked, and only those"


def cell(kind, text, outputs=()):
    return {"cell_type": kind, "source": text, "metadata": {}, "outputs": list(outputs)}


def test_the_rules_catch_solutions_answers_passes_and_missing_checks():
    from lessonkit.lessons.dropout import exercises as dropout

    questions = {q.name: q for q in exercises_of(dropout)}
    offered = "\n# q4.hint()\n# q4.solution()"
    good = [cell("markdown", "**Exercise q4.** Which?"),
            cell("code", "my_scaling_answer = None\nq4.check(my_scaling_answer)" + offered,
                 [{"text": "✗ not answered yet"}]),
            cell("markdown", "## Next section"), cell("code", "# not part of the exercise")]
    assert problems_of(good, questions) == []
    cases = {
        "a solution cell": [cell("code", "# Solution\nprint(1)")],
        "calls .solution()": [cell("code", "q4.solution()")],
        "shows a passing check": [cell("code", "q4.check(x)", [{"text": "✓ Right."}])],
        "holds q4's answer": [cell("code", 'my_scaling_answer = "larger"')],
        "holds q1's solution": [cell("code", "def f(x, p, training=True, generator=None):\n"
                                             "    if not training or p == 0:\n        return x\n    if p == 1:\n"
                                             "        return x * 0.0\n"
                                             "    mask = (torch.rand(x.shape, generator=generator) >= p).to(x.dtype)\n"
                                             "    return x * mask / (1 - p)")],
        "no qN.check(...) cell": [cell("markdown", "**Predict, then run.** What?"), cell("code", "guess = None")],
        "does not offer": [cell("markdown", "**Exercise q4.** Which?"), cell("code", "q4.check(a)")],
        "not one of the lesson's exercises": [cell("markdown", "**Exercise q9.** Which?"),
                                              cell("code", "q9.check(a)\n# q9.hint()\n# q9.solution()")],
    }
    for expected, cells in cases.items():
        assert any(expected in p for p in problems_of(cells, questions)), expected
