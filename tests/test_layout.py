"""The architecture rule, read from the source: core imports no lesson; a lesson imports core,
itself and lessons with a lower number, never a later one (nor the opt-in speed-ups in
lessonkit.fast); and no module of lessonkit imports itself back through another (no cycle,
function-level imports included)."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lessonkit"
# each lesson package and the number of its notebook
LESSON_NUMBERS = {"overfitting": 1, "dropout": 2, "taming": 3, "playground": 4, "mnist": 5}


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


def modules(package: Path) -> dict[str, Path]:
    found = {}
    for path in sorted(package.rglob("*.py")):
        module = ".".join(("lessonkit", *path.relative_to(package).with_suffix("").parts))
        found[module.removesuffix(".__init__")] = path
    return found


def violations(package: Path = PACKAGE, numbers: dict = LESSON_NUMBERS) -> list[str]:
    problems = []
    for module, path in modules(package).items():
        mine = layer_of(module)
        for target in sorted(lessonkit_imports(path)):
            theirs = layer_of(target)
            if theirs == "package":
                continue  # `lessonkit` itself, or the `lessonkit.lessons` namespace
            if mine == "core" and theirs != "core":
                problems.append(f"{module} (core) imports {target}: core must not import lessons, fast or programs")
            elif mine.startswith("lessons."):
                lesson = mine.split(".")[1]
                if theirs.startswith("lessons."):
                    other = theirs.split(".")[1]
                    if other != lesson and numbers.get(other, 99) >= numbers.get(lesson, 0):
                        problems.append(f"{module} ({mine}) imports {target}: a lesson imports core, itself and "
                                        f"earlier lessons only")
                elif theirs != "core":
                    problems.append(f"{module} ({mine}) imports {target}: a lesson imports core, itself and "
                                    f"earlier lessons only")
            elif mine == "fast" and theirs not in ("core", "fast"):
                problems.append(f"{module} (fast) imports {target}: fast may import core only")
    return problems


def cycles(package: Path = PACKAGE) -> list[list[str]]:
    """Import cycles among lessonkit's modules (each module's imports at any depth)."""
    found_modules = modules(package)
    graph = {m: sorted(t for t in lessonkit_imports(p) if t in found_modules and t != m)
             for m, p in found_modules.items()}
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for target in graph[node]:
            if state.get(target) == "open":
                found.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node, [node])
    return found


def test_core_is_lesson_free_and_lessons_import_only_core_themselves_and_earlier_lessons():
    assert violations() == []


def test_every_lesson_package_has_a_number():
    packages = {p.name for p in (PACKAGE / "lessons").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(LESSON_NUMBERS)


def test_no_import_cycle_anywhere_in_lessonkit():
    assert cycles() == []


def fake_package(tmp_path, files: dict) -> Path:
    fake = tmp_path / "lessonkit"
    for name, source in files.items():
        (fake / name).parent.mkdir(parents=True, exist_ok=True)
        (fake / name).write_text(source)
    return fake


@pytest.mark.parametrize("source, complaint", [
    ("from lessonkit.lessons.mnist.lab import run_lab\n", "earlier lessons only"),  # a later lesson
    ("from lessonkit import fast\n", "earlier lessons only"),
    ("def f():\n    import lessonkit.fast.dropout\n", "earlier lessons only"),
])
def test_the_rule_catches_a_lesson_that_imports_a_later_lesson_or_fast(tmp_path, source, complaint):
    plots = "from lessonkit.core.figures import new_figure\n" + source
    fake = fake_package(tmp_path, {"core/figures.py": "import torch\n", "lessons/taming/plots.py": plots})
    assert any(complaint in problem for problem in violations(fake))


def test_an_earlier_lesson_may_be_imported(tmp_path):
    fake = fake_package(tmp_path, {"lessons/taming/plots.py": "from lessonkit.lessons.overfitting.plots import GRID\n"})
    assert violations(fake) == []


def test_the_rule_catches_core_importing_a_lesson(tmp_path):
    fake = fake_package(tmp_path, {"core/training.py": "from lessonkit.lessons.mnist.lab import run_lab\n"})
    assert violations(fake) == [
        "lessonkit.core.training (core) imports lessonkit.lessons.mnist.lab: "
        "core must not import lessons, fast or programs"
    ]


def test_a_cycle_through_a_function_level_import_is_found(tmp_path):
    fake = fake_package(tmp_path, {"lessons/taming/a.py": "from lessonkit.lessons.taming.b import x\n",
                                   "lessons/taming/b.py": "def f():\n    from lessonkit.lessons.taming.a import y\n"})
    assert cycles(fake) == [["lessonkit.lessons.taming.a", "lessonkit.lessons.taming.b", "lessonkit.lessons.taming.a"]]
