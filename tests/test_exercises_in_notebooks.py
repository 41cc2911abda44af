"""Every exercise in the lessons has a checker and a folded-away solution, and no solution is visible.

The conventions, read from the notebooks' JSON (no kernel needed):
- an exercise starts at a markdown cell with a paragraph opening in bold `**Exercise` or
  `**Predict` and runs to the next such cell or the next heading;
- a solution cell is a code cell whose first line is a `# Solution` comment. It carries
  JupyterLab's own collapse, `"jupyter": {"source_hidden": true, "outputs_hidden": true}`,
  so that the rendered notebook shows no answer; it still runs under nbval;
- each exercise has a code cell the learner fills in or runs that calls a checker `check_…(`,
  outside the solution, and a solution that calls the checker too and whose stored output
  is a pass (✓).
"""
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXERCISE = re.compile(r"(^|\n)\*\*(Exercise|Predict)")
HEADING = re.compile(r"^#{1,6} ", re.M)
CHECKER = re.compile(r"\bcheck_\w+\(")
HIDDEN = {"source_hidden": True, "outputs_hidden": True}


def source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def output_text(cell) -> str:
    texts = []
    for output in cell.get("outputs", []):
        text = output.get("text") or output.get("data", {}).get("text/plain", "")
        texts.append("".join(text) if isinstance(text, list) else text)
    return "".join(texts)


def is_solution(cell) -> bool:
    return cell["cell_type"] == "code" and re.match(r"#\s*Solution\b", source(cell).lstrip()) is not None


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


def problems_of(cells) -> list[str]:
    problems = []
    for index, cell in enumerate(cells):
        if is_solution(cell) and cell.get("metadata", {}).get("jupyter") != HIDDEN:
            problems.append(f"cell {index}: a visible solution (needs metadata jupyter: {HIDDEN})")
    for title, own in exercises(cells):
        if not any(CHECKER.search(source(c)) for c in own if c["cell_type"] == "code" and not is_solution(c)):
            problems.append(f"{title}: no checker call (check_...) for the learner")
        solutions = [c for c in own if is_solution(c)]
        if not solutions:
            problems.append(f"{title}: no solution cell")
        for solution in solutions:
            if not CHECKER.search(source(solution)) or "✓" not in output_text(solution):
                problems.append(f"{title}: the solution does not show a passing check in its stored output")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_visible_solution_and_every_exercise_checked(path):
    assert problems_of(json.loads(path.read_text())["cells"]) == []


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name[:2] in ("01", "02", "03", "04")], ids=lambda p: p.name)
def test_lessons_1_to_4_have_at_least_two_exercises(path):
    assert len(exercises(json.loads(path.read_text())["cells"])) >= 2


def cell(kind, text, **metadata):
    return {"cell_type": kind, "source": text, "metadata": metadata, "outputs": []}


def test_the_rules_catch_a_visible_solution_a_missing_checker_and_a_missing_solution():
    visible = [cell("markdown", "**Exercise 1.** Which?"), cell("code", "answer = None\ncheck_it(answer)"),
               cell("code", "# Solution\ncheck_it(3)")]
    assert any("a visible solution" in p for p in problems_of(visible))
    unchecked = [cell("markdown", "Intro\n\n**Predict, then run.** What?"), cell("code", "guess = None")]
    assert {"**Predict, then run.** What?: no checker call (check_...) for the learner",
            "**Predict, then run.** What?: no solution cell"} <= set(problems_of(unchecked))
    good = [cell("markdown", "**Exercise 2.** Which?"), cell("code", "check_it(None)"),
            dict(cell("code", "# Solution\ncheck_it(3)", jupyter=HIDDEN), outputs=[{"text": "✓ right"}]),
            cell("markdown", "## Next section"), cell("code", "# not part of the exercise")]
    assert problems_of(good) == []
