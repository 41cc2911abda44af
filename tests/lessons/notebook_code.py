"""Read a lesson's own definitions out of its notebook, so tests can hold the package to them."""
import ast
import json
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def definitions(notebook: str) -> dict[str, ast.FunctionDef]:
    """Every function a notebook's code cells define, by name (the last definition wins)."""
    found = {}
    for cell in json.loads((NOTEBOOKS / notebook).read_text())["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            for node in ast.parse(source).body:
                if isinstance(node, ast.FunctionDef):
                    found[node.name] = node
    return found


def notebook_functions(notebook: str, *names, namespace: dict | None = None):
    """The notebook's own definitions of `names`, compiled with its imports (nothing trained)."""
    path = NOTEBOOKS / notebook
    namespace = dict(namespace or {})
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        keep = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef))
                and not (isinstance(node, ast.FunctionDef) and node.name not in names)]
        exec(compile(ast.Module(keep, []), str(path), "exec"), namespace)  # noqa: S102 - our own notebook
    missing = [name for name in names if name not in namespace]
    assert not missing, f"{notebook} no longer defines {missing}"
    return [namespace[name] for name in names]


def same_code(a: ast.FunctionDef, b: ast.FunctionDef) -> bool:
    """Whether two function definitions are the same code (names, docstrings and comments aside)."""
    def body(node):
        statements = node.body
        if statements and isinstance(statements[0], ast.Expr) and isinstance(statements[0].value, ast.Constant):
            statements = statements[1:]  # the docstring
        return ast.dump(ast.Module(statements, []))
    return body(a) == body(b) and ast.dump(a.args) == ast.dump(b.args)
