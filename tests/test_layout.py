"""The architecture rule, read from the source: core imports no lesson; a lesson imports core,
itself and lessons with a lower number, never a later one (nor the opt-in speed-ups in
lessonkit.fast); and no module of lessonkit imports itself back through another (no cycle,
function-level imports included).

And one map of the code serves every lesson: a notebook imports its lesson's package (the
lesson's public surface, whose `__all__` is exactly what the notebook takes from it) and at most
two other lessonkit modules; every lesson package names its modules from one set of roles; no
function or class name is defined by two lessonkit modules."""
import ast
import json
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lessonkit"
NOTEBOOKS = PACKAGE.parent / "notebooks"
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
    ("from lessonkit.lessons.mnist.train import run_lab\n", "earlier lessons only"),  # a later lesson
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
    fake = fake_package(tmp_path, {"core/training.py": "from lessonkit.lessons.mnist.train import run_lab\n"})
    assert violations(fake) == [
        "lessonkit.core.training (core) imports lessonkit.lessons.mnist.train: "
        "core must not import lessons, fast or programs"
    ]


def test_a_cycle_through_a_function_level_import_is_found(tmp_path):
    fake = fake_package(tmp_path, {"lessons/taming/a.py": "from lessonkit.lessons.taming.b import x\n",
                                   "lessons/taming/b.py": "def f():\n    from lessonkit.lessons.taming.a import y\n"})
    assert cycles(fake) == [["lessonkit.lessons.taming.a", "lessonkit.lessons.taming.b", "lessonkit.lessons.taming.a"]]


# One map of the code for every lesson ------------------------------------------------------------

ROLES = {"data", "model", "train", "plots", "widgets", "exercises", "solutions", "analysis", "experiments"}
MAX_NOTEBOOK_MODULES = 3  # the lesson's package and at most two others (its exercises among them)
ENTRY_POINT = "main"  # every `python -m lessonkit.<program>` defines one; not a clash of meaning


def lesson_surface(number: int, numbers: dict = LESSON_NUMBERS) -> str:
    """The module notebook `number` imports its lesson from: lesson 0 is one module, the rest packages."""
    if number == 0:
        return "lessonkit.lessons.setup_check"
    return "lessonkit.lessons." + {n: topic for topic, n in numbers.items()}[number]


def notebook_imports(path: Path) -> dict[str, set[str]]:
    """{lessonkit module: the names a notebook's code cells import from it}."""
    found = defaultdict(set)
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "lessonkit":
                found[node.module] |= {alias.name for alias in node.names}
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "lessonkit":
                        found[alias.name] |= set()
    return dict(found)


def notebook_problems(notebooks: Path = NOTEBOOKS, package: Path = PACKAGE,
                      numbers: dict = LESSON_NUMBERS) -> list[str]:
    problems = []
    for path in sorted(notebooks.glob("[0-9][0-9]_*.ipynb")):
        imports = notebook_imports(path)
        surface = lesson_surface(int(path.name[:2]), numbers)
        if len(imports) > MAX_NOTEBOOK_MODULES:
            problems.append(f"{path.name} imports from {len(imports)} lessonkit modules, at most "
                            f"{MAX_NOTEBOOK_MODULES}: {sorted(imports)}")
        if surface not in imports:
            problems.append(f"{path.name} does not import from its lesson's package {surface}")
        init = package / (surface.removeprefix("lessonkit.").replace(".", "/") + "/__init__.py")
        if surface in imports and init.exists():
            exported = set()
            for node in ast.parse(init.read_text()).body:
                if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
                    exported = set(ast.literal_eval(node.value))
            if exported != imports[surface]:
                problems.append(f"{surface}.__all__ is not what {path.name} imports from it: "
                                f"unused {sorted(exported - imports[surface])}, "
                                f"missing {sorted(imports[surface] - exported)}")
    return problems


def role_problems(package: Path = PACKAGE) -> list[str]:
    problems = []
    for lesson in sorted(p for p in (package / "lessons").iterdir() if (p / "__init__.py").exists()):
        for module in sorted(lesson.glob("*.py")):
            if module.stem != "__init__" and module.stem not in ROLES:
                problems.append(f"lessonkit/lessons/{lesson.name}/{module.name}: not a role; "
                                f"a lesson's modules are named from {sorted(ROLES)}")
    return problems


def top_level_definitions(package: Path = PACKAGE) -> dict[str, list[str]]:
    """{function or class name: the lessonkit modules that define it at top level}. Imports,
    re-exports in an `__init__` among them, define nothing."""
    found = defaultdict(list)
    for module, path in modules(package).items():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found[node.name].append(module)
    return found


def clashes(package: Path = PACKAGE) -> dict[str, list[str]]:
    return {name: where for name, where in sorted(top_level_definitions(package).items())
            if len(where) > 1 and name != ENTRY_POINT}


def test_every_notebook_imports_its_lesson_and_at_most_two_other_lessonkit_modules():
    assert notebook_problems() == []


def test_every_lesson_names_its_modules_from_one_set_of_roles():
    assert role_problems() == []


def test_no_function_or_class_name_is_defined_by_two_lessonkit_modules():
    assert clashes() == {}


def fake_notebook(folder: Path, name: str, *cells: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    cell = [{"cell_type": "code", "source": source, "metadata": {}, "outputs": []} for source in cells]
    (folder / name).write_text(json.dumps({"cells": cell, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return folder


def test_the_notebook_rule_catches_a_fourth_module_a_missing_surface_and_an_inexact_all(tmp_path):
    fake = fake_package(tmp_path, {"lessons/taming/__init__.py": '__all__ = ["fit_mlp", "p_grid"]\n'})
    notebooks = fake_notebook(tmp_path / "notebooks", "03_taming.ipynb",
                              "from lessonkit.lessons.taming import fit_mlp\n"
                              "from lessonkit.lessons.taming.exercises import q1",
                              "from lessonkit.core.figures import show\nimport lessonkit.core.stats")
    fake_notebook(tmp_path / "notebooks", "04_playground.ipynb",
                  "from lessonkit.lessons.playground.model import make_mlp")
    problems = notebook_problems(notebooks, fake)
    assert problems == [
        "03_taming.ipynb imports from 4 lessonkit modules, at most 3: ['lessonkit.core.figures', "
        "'lessonkit.core.stats', 'lessonkit.lessons.taming', 'lessonkit.lessons.taming.exercises']",
        "lessonkit.lessons.taming.__all__ is not what 03_taming.ipynb imports from it: unused ['p_grid'], missing []",
        "04_playground.ipynb does not import from its lesson's package lessonkit.lessons.playground",
    ]


def test_a_notebook_of_its_package_and_two_modules_passes(tmp_path):
    fake = fake_package(tmp_path, {"lessons/taming/__init__.py": '__all__ = ["fit_mlp"]\n'})
    notebooks = fake_notebook(tmp_path / "notebooks", "03_taming.ipynb",
                              "%matplotlib inline\nfrom lessonkit.lessons.taming import fit_mlp",
                              "from lessonkit.lessons.taming.exercises import q1\n"
                              "from lessonkit.core.figures import show")
    assert notebook_problems(notebooks, fake) == []


def test_the_role_rule_catches_a_module_named_for_something_else(tmp_path):
    fake = fake_package(tmp_path, {"lessons/taming/__init__.py": "", "lessons/taming/model.py": "",
                                   "lessons/taming/network.py": "", "lessons/taming/questions.toml": ""})
    assert len(role_problems(fake)) == 1 and "lessons/taming/network.py: not a role" in role_problems(fake)[0]


def test_the_clash_rule_catches_one_name_in_two_modules_and_allows_a_re_export(tmp_path):
    fake = fake_package(tmp_path, {
        "lessons/dropout/model.py": "def check_p(p):\n    return p\n\n\ndef main():\n    pass\n",
        "lessons/dropout/__init__.py": "from lessonkit.lessons.dropout.model import check_p\n",
        "lessons/taming/model.py": "class _Fit:\n    pass\n\n\ndef check_p(p):\n    return p\n",
        "lessons/taming/train.py": "from lessonkit.lessons.taming.model import check_p\n_Fit = None\n",
        "mnist.py": "def main():\n    pass\n",
    })
    assert clashes(fake) == {"check_p": ["lessonkit.lessons.dropout.model", "lessonkit.lessons.taming.model"]}
