"""What lessonkit asks the catalogue for, found by reading its source (nothing is run): the templates
of every `tr(...)` and `Message(...)`, and the texts that wrappers pass on to be translated later
(a `Mistake`'s four texts, an `Exercise`'s title and hints, a check's name and praise, widget labels
and tooltips, an explorer's title), plus the texts that arrive at runtime from data files (the
lessons' questions.toml) and the code comments that `tr_comments` translates (the solutions' and the
notebooks' code cells')."""
import ast
import json
import re
import tomllib
from pathlib import Path

from lessonkit.core.language import _COMMENT

ROOT = Path(__file__).resolve().parents[2]

# call name -> the positions and keywords whose text is translated (now or later)
WRAPPERS = {
    "tr": ((0,), ()),
    "Message": ((0,), ()),
    "Mistake": ((0, 1, 2, 3), ("name", "symptom", "where", "fix")),
    "Exercise": ((1, 3, 4), ("title", "where", "fix", "explanation")),
    "choice_exercise": ((1,), ("title",)),
    "CheckReport": ((0,), ("praise",)),
}
ANY_CALL_KEYWORDS = ("description", "tooltip", "praise")  # widget labels, a choice question's praise
ATTRIBUTES = ("praise", "title")  # `report.praise = ...`, an explorer's `title = ...`


def spoken(text: str) -> bool:
    """Whether `text` is words a learner reads, not a name (`my_chosen_degree`, `p`, `L2 λ`)."""
    text = text.strip()
    if re.fullmatch(r"[A-Za-z_][\w.]*", text) and "_" in text:
        return False
    return re.search("[A-Za-z]{3,}", text) is not None


def _texts(node):
    """The string constants `node` may evaluate to, and the f-strings among them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value, None
    elif isinstance(node, ast.JoinedStr):
        yield None, node
    elif isinstance(node, ast.IfExp):
        yield from _texts(node.body)
        yield from _texts(node.orelse)


def _call_name(call: ast.Call) -> str:
    return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")


def scan_source(source: str, where: str = "<source>") -> tuple[set[str], list[str]]:
    """(templates, f-strings) of one module: the texts passed to be translated, stripped, and
    `file:line` of every f-string passed instead of a template (formatted before translating)."""
    templates, formatted = set(), []
    for node in ast.walk(ast.parse(source)):
        found = []
        if isinstance(node, ast.Call):
            positions, keywords = WRAPPERS.get(_call_name(node), ((), ()))
            found += [arg for i, arg in enumerate(node.args) if i in positions]
            found += [k.value for k in node.keywords if k.arg in keywords or k.arg in ANY_CALL_KEYWORDS]
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                if name in ATTRIBUTES:
                    found.append(node.value)
        for value in found:
            for text, fstring in _texts(value):
                if fstring is not None:
                    formatted.append(f"{where}:{fstring.lineno}")
                elif spoken(text):
                    templates.add(text.strip())
    return templates, formatted


def scan_lessonkit() -> tuple[set[str], list[str]]:
    """Every template lessonkit's source passes to be translated, and its f-strings passed instead."""
    templates, formatted = set(), []
    for path in sorted((ROOT / "lessonkit").rglob("*.py")):
        found, fstrings = scan_source(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
        templates |= found
        formatted += fstrings
    return templates, formatted


def data_texts() -> set[str]:
    """The texts of the lessons' questions.toml (translated at runtime, as `Message(text)`)."""
    texts = set()
    for path in (ROOT / "lessonkit").rglob("questions.toml"):
        for question in tomllib.loads(path.read_text(encoding="utf-8")).values():
            texts |= {question[key] for key in ("question", "praise", "where", "fix")}
            texts |= {m[key] for m in question["wrong"].values() for key in ("name", "symptom")}
    return {text.strip() for text in texts if spoken(text)}


def comment_texts() -> set[str]:
    """The code comments `tr_comments` may be asked for: in the solutions' code (lessonkit's source
    and its strings) and in the English notebooks' code cells (the Korean edition's)."""
    codes = [path.read_text(encoding="utf-8") for path in (ROOT / "lessonkit").rglob("*.py")]
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        codes += ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    texts = set()
    for code in codes:
        for line in code.replace("\\n", "\n").split("\n"):
            if match := _COMMENT.search(line):
                texts.add(match.group("text").strip().rstrip("\")'"))
                texts.add(match.group("text").strip())
    return texts
