"""Every test function sits in a file pytest collects: a `test_...` in a helper module would
never run, and the guarantee it stands for would silently lapse."""
import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def uncollected_tests(folder: Path = TESTS) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        if path.name.startswith("test_") or path.name == "conftest.py":
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        found += [f"{path.relative_to(folder)}::{node.name}" for node in tree.body
                  if isinstance(node, ast.FunctionDef) and node.name.startswith("test")]
    return found


def test_no_test_function_sits_in_a_file_pytest_skips():
    assert uncollected_tests() == []


def test_a_test_in_a_helper_module_is_found(tmp_path):
    (tmp_path / "helpers.py").write_text("def test_never_runs():\n    assert False\n")
    (tmp_path / "test_real.py").write_text("def test_runs():\n    pass\n")
    assert uncollected_tests(tmp_path) == ["helpers.py::test_never_runs"]
