"""The architecture rule, read from the source: core is lesson-free, a lesson imports core and
itself only (never another lesson, never the opt-in speed-ups in lessonkit.fast)."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lessonkit"


def lessonkit_imports(path: Path) -> set[str]:
    """Every `lessonkit...` module a file imports, at any depth (function-level imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "lessonkit"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "lessonkit":
            found.add(node.module)
            if node.module in ("lessonkit", "lessonkit.lessons"):  # `from lessonkit import fast` names a module
                found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def layer_of(module: str) -> str:
    """'core', 'fast', 'lessons.<topic>', or 'app' for a top-level program like lessonkit.mnist."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in ("core", "fast"):
        return parts[1]
    if len(parts) >= 3 and parts[1] == "lessons":
        return f"lessons.{parts[2]}"
    return "app" if len(parts) >= 2 and parts[1] != "lessons" else "package"


def violations(package: Path = PACKAGE) -> list[str]:
    problems = []
    for path in sorted(package.rglob("*.py")):
        module = ".".join(("lessonkit", *path.relative_to(package).with_suffix("").parts))
        module = module.removesuffix(".__init__")
        mine = layer_of(module)
        for target in sorted(lessonkit_imports(path)):
            theirs = layer_of(target)
            if theirs == "package":
                continue  # `lessonkit` itself, or the `lessonkit.lessons` namespace
            if mine == "core" and theirs != "core":
                problems.append(f"{module} (core) imports {target}: core must not import lessons, fast or programs")
            elif mine.startswith("lessons.") and theirs not in ("core", mine):
                problems.append(f"{module} ({mine}) imports {target}: a lesson imports core and itself only")
            elif mine == "fast" and theirs not in ("core", "fast"):
                problems.append(f"{module} (fast) imports {target}: fast may import core only")
    return problems


def test_core_is_lesson_free_and_lessons_import_only_core_and_themselves():
    assert violations() == []


@pytest.mark.parametrize("source, complaint", [
    ("from lessonkit.lessons.overfitting.plots import GRID\n", "a lesson imports core and itself only"),
    ("from lessonkit import fast\n", "a lesson imports core and itself only"),
    ("def f():\n    import lessonkit.fast.dropout\n", "a lesson imports core and itself only"),
])
def test_the_rule_catches_a_lesson_that_imports_another_lesson_or_fast(tmp_path, source, complaint):
    fake = tmp_path / "lessonkit"
    (fake / "lessons" / "taming").mkdir(parents=True)
    (fake / "core").mkdir()
    (fake / "core" / "figures.py").write_text("import torch\n")
    (fake / "lessons" / "taming" / "plots.py").write_text("from lessonkit.core.figures import new_figure\n" + source)
    assert any(complaint in problem for problem in violations(fake))


def test_the_rule_catches_core_importing_a_lesson(tmp_path):
    fake = tmp_path / "lessonkit"
    (fake / "core").mkdir(parents=True)
    (fake / "core" / "training.py").write_text("from lessonkit.lessons.mnist.lab import run_lab\n")
    assert violations(fake) == [
        "lessonkit.core.training (core) imports lessonkit.lessons.mnist.lab: "
        "core must not import lessons, fast or programs"
    ]
