"""nbval's markers are cell tags, never comments a learner reads, and the Korean edition checks
the same cells as the English one."""
import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
ENGLISH = sorted(NOTEBOOKS.glob("*.ipynb"))


def code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]


def nbval_comments(path: Path) -> list[str]:
    return [c["id"] for c in code_cells(path)
            if any(line.lstrip().startswith("# NBVAL") for line in "".join(c["source"]).splitlines())]


def tagged(path: Path, tag: str = "nbval-check-output") -> list[str]:
    return [c["id"] for c in code_cells(path) if tag in c["metadata"].get("tags", [])]


@pytest.mark.parametrize("path", ENGLISH + sorted((NOTEBOOKS / "ko").glob("*.ipynb")), ids=lambda p: p.name)
def test_no_nbval_comment_in_a_cell(path):
    assert nbval_comments(path) == []


@pytest.mark.parametrize("path", ENGLISH, ids=lambda p: p.name)
def test_the_korean_edition_checks_the_cells_the_english_checks(path):
    assert tagged(path), f"{path.name} checks no cell's output"
    assert tagged(NOTEBOOKS / "ko" / path.name) == tagged(path)


def test_a_comment_marker_is_found(tmp_path):
    notebook = {"cells": [{"cell_type": "code", "id": "a", "metadata": {}, "source": ["# NBVAL_CHECK_OUTPUT\n", "1"]}]}
    (tmp_path / "n.ipynb").write_text(json.dumps(notebook))
    assert nbval_comments(tmp_path / "n.ipynb") == ["a"]
