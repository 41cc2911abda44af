"""scripts/make_navigation.py: links built from the file list, idempotent, stale links caught."""
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("make_navigation", REPO / "scripts" / "make_navigation.py")
make_navigation = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_navigation)

LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def write_notebook(folder: Path, name: str, title: str, lesson: bool = True) -> Path:
    first = f"# {title}\n\n**What you will learn**\n\n- something" if lesson else f"# {title}"
    cells = [nbformat.v4.new_markdown_cell(first), nbformat.v4.new_code_cell("1 + 1")]
    if lesson:
        cells.append(nbformat.v4.new_markdown_cell("## Recap\n\n- a point\n\n## Try this\n\n- a change"))
    path = folder / name
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


@pytest.fixture
def course(tmp_path) -> list[Path]:
    return [
        write_notebook(tmp_path, "00_start.ipynb", "00 · Start here", lesson=False),
        write_notebook(tmp_path, "01_first.ipynb", "01 · First lesson"),
        write_notebook(tmp_path, "02_second.ipynb", "02 · Second lesson"),
    ]


def navigation(path: Path) -> list:
    nb = nbformat.read(path, as_version=4)
    return [(i, c) for i, c in enumerate(nb.cells) if "navigation" in c.metadata.get("tags", [])], nb


def test_links_point_to_previous_contents_and_next(course):
    assert make_navigation.update(course[0].parent, check=False) == []
    expected = {
        "00_start.ipynb": [("Contents", "../README.md#lessons"), ("01 · First lesson →", "01_first.ipynb")],
        "01_first.ipynb": [("← 00 · Start here", "00_start.ipynb"), ("Contents", "../README.md#lessons"),
                           ("02 · Second lesson →", "02_second.ipynb")],
        "02_second.ipynb": [("← 01 · First lesson", "01_first.ipynb"), ("Contents", "../README.md#lessons")],
    }
    for path in course:
        cells, nb = navigation(path)
        assert [i for i, _ in cells] == [1, len(nb.cells) - 1]  # after the title, and last
        for _, cell in cells:
            assert LINK.findall(cell.source) == expected[path.name]
        assert nb.cells[0].source.startswith("# ")  # the title stays first
        assert nbformat.validate(nb) is None


def test_rerunning_changes_nothing_and_check_then_passes(course):
    make_navigation.update(course[0].parent, check=False)
    first = [path.read_bytes() for path in course]
    assert make_navigation.update(course[0].parent, check=False) == []
    assert [path.read_bytes() for path in course] == first
    assert make_navigation.main(["--check", "--notebooks", str(course[0].parent)]) == 0


def test_check_reports_stale_links_and_changes_nothing(course):
    make_navigation.update(course[0].parent, check=False)
    write_notebook(course[0].parent, "03_third.ipynb", "03 · Third lesson")  # a new lesson lands
    before = [path.read_bytes() for path in course]
    problems = make_navigation.update(course[0].parent, check=True)
    assert problems == [
        "02_second.ipynb: navigation is stale; run scripts/make_navigation.py",
        "03_third.ipynb: navigation is stale; run scripts/make_navigation.py",
    ]
    assert [path.read_bytes() for path in course] == before
    assert make_navigation.main(["--check", "--notebooks", str(course[0].parent)]) == 1


def test_missing_sections_and_bad_titles_are_reported(tmp_path):
    write_notebook(tmp_path, "00_start.ipynb", "00 · Start here", lesson=False)  # needs only a title
    write_notebook(tmp_path, "01_bare.ipynb", "01 · Bare", lesson=False)
    write_notebook(tmp_path, "02_wrong.ipynb", "Wrong title")
    problems = make_navigation.update(tmp_path, check=True)
    assert "02_wrong.ipynb: the first cell must be a markdown heading '# 02 · Title', got '# Wrong title'" in problems
    for section in ("What you will learn", "Recap", "Try this"):
        assert f"01_bare.ipynb: no '{section}' section" in problems
    assert [p for p in problems if p.startswith("00_start")] == [
        "00_start.ipynb: navigation is stale; run scripts/make_navigation.py"  # but no missing section
    ]


def test_the_course_notebooks_are_up_to_date():
    """Fails when a lesson was added, renamed or retitled and the links were not regenerated."""
    problems = make_navigation.update(REPO / "notebooks", check=True)
    assert problems == [], "\n".join(problems)
    readme = (REPO / "README.md").read_text()
    assert re.search(r"^## Lessons\s*$", readme, re.MULTILINE), (
        "README.md needs the '## Lessons' heading the links point to"
    )


def test_the_readme_lists_every_lesson_and_links_only_to_real_files():
    readme = (REPO / "README.md").read_text()
    targets = {target.split("#")[0] for _, target in LINK.findall(readme) if not target.startswith(("http", "#"))}
    missing = sorted(t for t in targets if not (REPO / t).exists())
    assert missing == [], f"README.md links to files that do not exist: {missing}"
    unlisted = [p.name for p in make_navigation.lesson_paths(REPO / "notebooks")
                if f"notebooks/{p.name}" not in targets]
    assert unlisted == [], f"README.md's lesson table lacks {unlisted}"
