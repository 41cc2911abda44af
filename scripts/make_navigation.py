"""Write the previous · contents · next links into every notebook, so they never go stale.

    .venv/bin/python scripts/make_navigation.py            # rewrite the links in notebooks/
    .venv/bin/python scripts/make_navigation.py --check    # exit 1 if any link is stale or a section is missing

Each `notebooks/NN_*.ipynb` gets two markdown cells tagged `navigation`: one right after
its title cell, one at the very end. They are built from the sorted file list and each
notebook's `# NN · Title` heading; running the script twice changes nothing. The title,
"What you will learn", "Recap" and "Try this" are the lesson author's to write: the script
only checks that they are there (the start-here notebook is not a lesson, so it needs only
its title).
"""
import argparse
import re
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
TAG = "navigation"
TITLE = re.compile(r"^#\s+(\d\d)\s+·\s+(.+?)\s*$")
CONTENTS = "../README.md#lessons"
# What every lesson (not the start-here notebook) must have, and where it is looked for.
LESSON_SECTIONS = {
    "What you will learn": re.compile(r"what you will learn", re.IGNORECASE),
    "Recap": re.compile(r"^#+\s*recap\b", re.IGNORECASE | re.MULTILINE),
    "Try this": re.compile(r"^#+\s*try this\b", re.IGNORECASE | re.MULTILINE),
}


def lesson_paths(folder: Path) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def title_of(nb, path: Path) -> str:
    """`NN · Title` from the notebook's first cell, which must be its `# NN · Title` heading."""
    first = nb.cells[0] if nb.cells else None
    line = first.source.strip().splitlines()[0] if first is not None and first.source.strip() else ""
    match = TITLE.match(line) if first is not None and first.cell_type == "markdown" else None
    if match is None or match.group(1) != path.name[:2]:
        raise ValueError(f"{path.name}: the first cell must be a markdown heading '# {path.name[:2]} · Title', "
                         f"got {line!r}")
    return f"{match.group(1)} · {match.group(2)}"


def links(index: int, paths: list[Path], titles: list[str], contents: str = f"[Contents]({CONTENTS})") -> str:
    """previous · contents · next, for the notebook at `index` (the Korean edition passes its own contents link)."""
    parts = []
    if index > 0:
        parts.append(f"[← {titles[index - 1]}]({paths[index - 1].name})")
    parts.append(contents)
    if index + 1 < len(paths):
        parts.append(f"[{titles[index + 1]} →]({paths[index + 1].name})")
    return " · ".join(parts)


def navigation_cell(text: str, where: str):
    cell = nbformat.v4.new_markdown_cell(text)
    cell.id = f"navigation-{where}"  # stable ids: a rerun leaves the file byte for byte the same
    cell.metadata["tags"] = [TAG]
    return cell


def with_navigation(nb, text: str):
    """The notebook with its old navigation cells replaced by fresh ones (title, top links, ..., bottom links)."""
    cells = [cell for cell in nb.cells if TAG not in cell.metadata.get("tags", [])]
    nb.cells = [cells[0], navigation_cell(text, "top"), *cells[1:], navigation_cell(text, "bottom")]
    return nb


def missing_sections(nb, path: Path) -> list[str]:
    if path.name.startswith("00_"):
        return []
    text = "\n".join(cell.source for cell in nb.cells
                     if cell.cell_type == "markdown" and TAG not in cell.metadata.get("tags", []))
    return [name for name, pattern in LESSON_SECTIONS.items() if not pattern.search(text)]


def update(folder: Path, check: bool) -> list[str]:
    """Rewrite (or, with `check`, only compare) the navigation of every notebook in `folder`.

    Returns the problems found: stale navigation (in check mode) and missing sections.
    """
    paths = lesson_paths(folder)
    notebooks = [nbformat.read(path, as_version=4) for path in paths]
    problems = []
    titles = []
    for nb, path in zip(notebooks, paths):
        try:
            titles.append(title_of(nb, path))
        except ValueError as err:
            problems.append(str(err))
            titles.append(path.stem)
    for index, (nb, path) in enumerate(zip(notebooks, paths)):
        problems += [f"{path.name}: no '{name}' section" for name in missing_sections(nb, path)]
        if not nb.cells:
            continue
        old = nbformat.writes(nb)
        new = nbformat.writes(with_navigation(nb, links(index, paths, titles)))
        if new == old:
            continue
        if check:
            problems.append(f"{path.name}: navigation is stale; run scripts/make_navigation.py")
        else:
            path.write_text(new + "\n", encoding="utf-8")  # as nbformat.write leaves it
            print(f"{path.name}: navigation updated")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything is stale or missing")
    parser.add_argument("--notebooks", type=Path, default=REPO / "notebooks", help="default: notebooks/")
    args = parser.parse_args(argv)
    problems = update(args.notebooks, args.check)
    for problem in problems:
        print(f"problem: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
