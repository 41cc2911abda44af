"""What lessonkit asks the Korean catalogue for, found by reading its source (nothing is run).

A message is translated before it is formatted: its template is the catalogue's key. So every text
that reaches `tr`, now or when it is shown, can be read off the source: the first argument of
`tr(...)` and `Message(...)`, and the texts handed to what passes them on to `tr` (a `Mistake`'s four
texts, an `Exercise`'s title, where, fix and explanation, a report's name, praise and problems, an
answer's description for `not_answered`, widget labels and tooltips, an explorer's title). A text is a
string literal, or a constant made of literals (joined with `+`, or a name bound to one in its module
or function): the scan folds it as Python would. What arrives at run time from data (the lessons'
questions.toml) and the code comments that `tr_comments` translates are listed here too.

Two things the scan reports instead of a template: a text formatted before it is translated (an
f-string, `%`, `.format`, `.join`, or `+` with a value that is not constant), and a `tr` whose first
argument is not a constant at all, which is allowed only for the pass-throughs listed in `PASS_THROUGH`.
"""
import ast
import json
import re
import tomllib
from pathlib import Path

from lessonkit.core.language import _COMMENT

ROOT = Path(__file__).resolve().parents[2]

# call name -> (positions, keywords) of the arguments whose text is translated, now or when shown
ENTRY_POINTS = {
    "tr": ((0,), ()),
    "Message": ((0,), ()),
    "Mistake": ((0, 1, 2, 3), ("name", "symptom", "where", "fix")),
    "Exercise": ((1, 3, 4), ("title", "where", "fix", "explanation")),
    "choice_exercise": ((1,), ("title",)),
    "CheckReport": ((0,), ("name", "praise")),
    "not_answered": ((1,), ("what",)),
}
ANY_CALL_KEYWORDS = ("description", "tooltip", "praise")  # widget labels; a multiple-choice praise
PARSERS = ("ArgumentParser", "OneLineParser", "add_argument", "add_parser")  # their `description` is not a widget's
# An argument check names the argument in its message, translated when the catalogue knows the name
# ("degree"): the name is optional, but a catalogue entry for it is not dead.
ARGUMENT_CHECKS = ("check_int", "check_number", "check_probability", "check_seed", "check_choice", "check_bool")
ATTRIBUTES = ("praise", "title", "TITLE")  # `report.praise = ...`, an explorer's `title = ...`

# `tr(x)` with x not a constant: the functions that pass on a text the scan finds where it is written
# (a wrapper's argument above, a `Message`, a widget's label, a code comment), file -> arguments.
PASS_THROUGH = {
    "lessonkit/core/exercises.py": {  # the texts of a Mistake, a CheckReport, an Exercise, a choice question
        "self.name", "self.symptom", "self.where", "self.fix", "problem", "self.praise", "self.title",
        "self.explanation", "what", "praise"},
    "lessonkit/core/checks.py": {"name"},  # an argument's name (ARGUMENT_CHECKS)
    "lessonkit/lessons/dropout/exercises.py": {"mistake.symptom"},  # a Mistake's symptom
    "lessonkit/core/figures.py": {"getattr(widget, name)", "self.title"},  # widgets' labels, explorer titles
    "lessonkit/core/language.py": {"match.group('text')", "value", "template"},  # comments; a field; unpickling
    "lessonkit/lessons/setup_check.py": {"self.TITLE", "self._sentence"},  # its title; a Message
}


def spoken(text: str) -> bool:
    """Whether `text` is words a learner reads, not a name (`my_chosen_degree`, `p`, `L2 λ`)."""
    text = text.strip()
    if re.fullmatch(r"[A-Za-z_][\w.]*", text) and "_" in text:
        return False
    return re.search("[A-Za-z]{3,}", text) is not None


def _call_name(call: ast.Call) -> str:
    return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")


class _Module:
    """One module's source: its constants, and the scopes names are looked up in."""

    def __init__(self, source: str, where: str):
        self.tree, self.where = ast.parse(source), where
        self.parents = {child: node for node in ast.walk(self.tree) for child in ast.iter_child_nodes(node)}
        self.templates: set[str] = set()
        self.names: set[str] = set()  # the arguments' names of ARGUMENT_CHECKS
        self.formatted: list[str] = []  # "file:line: source" of each text formatted before translating
        self.opaque: list[str] = []  # "file:line: source" of each tr(x) whose x is not a constant

    def _scope(self, node):
        while node in self.parents and not isinstance(node, ast.FunctionDef | ast.Lambda):
            node = self.parents[node]
        return node if node in self.parents else self.tree

    def _bound(self, name: ast.Name) -> list:
        """The values assigned to `name` in its function (or, when it has none there, its module)."""
        for scope in (self._scope(name), self.tree):
            values = [node.value for node in ast.walk(scope) if isinstance(node, ast.Assign)
                      and any(isinstance(t, ast.Name) and t.id == name.id for t in node.targets)
                      and self._scope(node) is scope]
            if values:
                return values
        return []

    def constants(self, node, depth: int = 0) -> list[str] | None:
        """The strings `node` evaluates to when it is a constant (a literal, literals joined with +, a
        name bound to one, either branch of an `if` expression); None when it is not."""
        if depth > 8:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            body, orelse = self.constants(node.body, depth + 1), self.constants(node.orelse, depth + 1)
            return None if body is None or orelse is None else body + orelse
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.constants(node.left, depth + 1), self.constants(node.right, depth + 1)
            return None if left is None or right is None else [a + b for a in left for b in right]
        if isinstance(node, ast.Name):
            values = [self.constants(v, depth + 1) for v in self._bound(node)]
            return None if not values or None in values else [s for v in values for s in v]
        if isinstance(node, ast.Tuple | ast.List):  # a tuple of texts, as a subscript's value
            items = [self.constants(item, depth + 1) for item in node.elts]
            return None if not items or None in items else [s for item in items for s in item]
        if isinstance(node, ast.Dict):  # a dict of texts, as a subscript's value
            return self.constants(ast.Tuple(elts=node.values), depth)
        if isinstance(node, ast.Subscript):  # an item of a tuple or dict of texts: any of them
            return self.constants(node.value, depth + 1)
        return None

    def _formatted(self, node, depth: int = 0) -> bool:
        """Whether `node` builds a string from values at run time (formats it)."""
        if depth > 8:
            return False
        if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Call) and _call_name(node) in ("format", "join")):
            return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            return self.constants(node) is None
        if isinstance(node, ast.IfExp):
            return self._formatted(node.body, depth + 1) or self._formatted(node.orelse, depth + 1)
        if isinstance(node, ast.Name):
            return any(self._formatted(value, depth + 1) for value in self._bound(node))
        return False

    def _text(self, node, call: str) -> None:
        """Take the text `node` hands to be translated: its templates, or what is wrong with it."""
        if isinstance(node, ast.List):  # problems=[...]
            for item in node.elts:
                self._text(item, call)
            return
        if isinstance(node, ast.Call) and _call_name(node) in ("Message", "tr"):
            return  # scanned as a call of its own
        found = self.constants(node)
        if found is not None:
            self.templates |= {text.strip() for text in found if spoken(text)}
        elif self._formatted(node):
            self.formatted.append(f"{self.where}:{node.lineno}: {ast.unparse(node)[:100]}")
        elif call in ("tr", "Message") and ast.unparse(node) not in PASS_THROUGH.get(self.where, ()):
            self.opaque.append(f"{self.where}:{node.lineno}: {call}({ast.unparse(node)})")

    def scan(self) -> "_Module":
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                name = _call_name(node)
                if name in ARGUMENT_CHECKS and node.args:
                    self.names |= set(self.constants(node.args[0]) or ())
                positions, keywords = ENTRY_POINTS.get(name, ((), ()))
                for i, arg in enumerate(node.args):
                    if i in positions:
                        self._text(arg, name)
                for keyword in node.keywords:
                    if name in PARSERS:  # a command line's help: English
                        continue
                    if keyword.arg in keywords or keyword.arg in ANY_CALL_KEYWORDS or keyword.arg == "problems":
                        self._text(keyword.value, name)
                if name == "append" and getattr(node.func.value, "attr", "") == "problems":  # report.problems
                    self._text(node.args[0], name)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                    if name in ATTRIBUTES:
                        self._text(node.value, name)
        return self


def scan_source(source: str, where: str = "<source>") -> _Module:
    """The scan of one module: `.templates`, `.formatted` and `.opaque` (see the module's docstring)."""
    return _Module(source, where).scan()


def scan_lessonkit() -> _Module:
    """The scan of all of lessonkit's modules, together."""
    total = _Module("", "lessonkit")
    for path in sorted((ROOT / "lessonkit").rglob("*.py")):
        module = scan_source(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
        total.templates |= module.templates
        total.names |= module.names
        total.formatted += module.formatted
        total.opaque += module.opaque
    return total


def data_texts() -> set[str]:
    """The texts of the lessons' questions.toml (translated at run time, as any constant text)."""
    texts = set()
    for path in (ROOT / "lessonkit").rglob("questions.toml"):
        for question in tomllib.loads(path.read_text(encoding="utf-8")).values():
            texts |= {question[key] for key in ("praise", "where", "fix")}  # the question itself is shown as it is
            texts |= {m[key] for m in question["wrong"].values() for key in ("name", "symptom")}
    return {text.strip() for text in texts if spoken(text)}


def comment_texts() -> set[str]:
    """The code comments `tr_comments` may be asked for: in the solutions' code (lessonkit's source
    and its strings) and in the English notebooks' code cells (the Korean edition's)."""
    codes = []
    for path in (ROOT / "lessonkit").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        codes.append(source)  # a solution written as a function: its source is printed
        codes += [node.value for node in ast.walk(ast.parse(source))  # a solution written as a string
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and "#" in node.value]
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        codes += ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    return {match.group("text").strip() for code in codes for line in code.split("\n")
            if (match := _COMMENT.search(line))}
