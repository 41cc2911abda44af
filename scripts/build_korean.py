"""Build the Korean edition (한국어판) from the English lessons and their translations.

    .venv/bin/python scripts/build_korean.py            # write notebooks/ko/NN_*.ipynb
    .venv/bin/python scripts/build_korean.py --check    # exit 1 if a translation is missing or stale,
                                                        # or a built notebook is not what this script builds
    .venv/bin/python scripts/build_korean.py --stubs    # add a TODO entry for every untranslated cell

One source: the English notebooks. Each lesson's translation lives in `notebooks/ko/src/NN.yaml`,
keyed by the id of the English markdown cell it translates, with the first 12 hex digits of the
SHA-256 of that cell's English source (`en`) and the Korean text (`ko`). YAML, not gettext `.po`:
a lesson's cells are whole markdown paragraphs, tables and formulas, which read and diff best
as YAML block text, and PyYAML is already a dependency of the course.

What the script builds: the English notebook with every markdown cell in Korean, navigation
links between the Korean lessons, and the code cells' code unchanged: their comments are Korean
(`lessonkit.core.language.tr_comments`, from the catalogue `lessonkit/core/locale/ko.toml`), and
one line added to the first code cell switches lessonkit's messages to Korean (`LANGUAGE_LINE`).
Outputs are kept from the last build for every code cell whose code, comments aside, did not
change; `scripts/run_notebooks.py notebooks/ko/*.ipynb` then executes the others, so their outputs
come from their own execution.
"""
import argparse
import copy
import hashlib
import io
import json
import sys
import tokenize
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_navigation  # noqa: E402 - the English edition's link format, shared

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lessonkit.core import language  # noqa: E402 - the catalogue that translates code comments

REPO = Path(__file__).resolve().parents[1]
ENGLISH = REPO / "notebooks"
KOREAN = ENGLISH / "ko"
SOURCES = KOREAN / "src"
LANGUAGE_LINE = 'from lessonkit.core.language import set_language; set_language("ko")  # 한국어판: 메시지를 한국어로'
CONTENTS = "../../README.ko.md#강의"
TODO = "TODO"


def source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def english_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def is_navigation(cell) -> bool:
    return make_navigation.TAG in cell.get("metadata", {}).get("tags", [])


def lessons() -> list[Path]:
    return make_navigation.lesson_paths(ENGLISH)


def translations_path(english: Path) -> Path:
    return SOURCES / f"{english.name[:2]}.yaml"


def load_translations(english: Path) -> dict:
    path = translations_path(english)
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def problems_of(notebook: dict, translations: dict, name: str) -> list[str]:
    """Every English markdown cell without a current translation: missing, TODO, or stale (its
    English text changed since it was translated: the hash differs)."""
    problems = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown" or is_navigation(cell):
            continue
        entry = translations.get(cell["id"])
        if entry is None or not str(entry.get("ko", "")).strip() or str(entry.get("ko")).strip() == TODO:
            problems.append(f"{name}: cell {cell['id']} has no Korean translation")
        elif entry.get("en") != english_hash(source(cell)):
            problems.append(f"{name}: cell {cell['id']} is stale: its English text changed since it was translated "
                            f"(hash {entry.get('en')} -> {english_hash(source(cell))})")
    known = {cell["id"] for cell in notebook["cells"]}
    problems += [f"{name}: translation {key} matches no cell of the English notebook" for key in translations
                 if key not in known]
    return problems


def korean_title(translations: dict, notebook: dict, name: str) -> str:
    first = notebook["cells"][0]
    text = str(translations.get(first["id"], {}).get("ko", "")).strip()
    match = make_navigation.TITLE.match(text.splitlines()[0]) if text else None
    if match is None:
        raise ValueError(f"{name}: the Korean title cell must start '# {name[:2]} · 제목'")
    return f"{match.group(1)} · {match.group(2)}"


def navigation(index: int, paths: list[Path], titles: list[str]) -> str:
    """The English notebooks' links (scripts/make_navigation.py), with the Korean titles and contents."""
    return make_navigation.links(index, paths, titles, contents=f"[목차]({CONTENTS})")


def with_language_line(text: str) -> str:
    """The first code cell's source with the language line first (nbval's markers are cell tags)."""
    return LANGUAGE_LINE + "\n" + text


def korean_comments(code: str) -> str:
    """A code cell's source with its comments in Korean (the catalogue's), its code unchanged."""
    spoken = language.language()
    language.set_language("ko")
    try:
        return language.tr_comments(code)
    finally:
        language.set_language(spoken)


def without_comments(code: str) -> str:
    """`code` with every comment removed (found by Python's tokenizer, so a '#' inside a string stays),
    and trailing spaces. Code that does not tokenize comes back whole: no comment is assumed."""
    try:
        comments = [token.start for token in tokenize.generate_tokens(io.StringIO(code).readline)
                    if token.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):
        return code
    lines = code.split("\n")
    for row, column in comments:
        lines[row - 1] = lines[row - 1][:column]
    return "\n".join(line.rstrip() for line in lines)


def build(english: Path, translations: dict, nav: str, previous: dict | None) -> dict:
    notebook = json.loads(english.read_text(encoding="utf-8"))
    old_outputs = {}
    if previous is not None:
        old_outputs = {c["id"]: c for c in previous["cells"] if c["cell_type"] == "code"}
    korean = copy.deepcopy(notebook)
    first_code = True
    for cell in korean["cells"]:
        if cell["cell_type"] == "markdown":
            text = nav if is_navigation(cell) else str(translations[cell["id"]]["ko"]).rstrip("\n")
            cell["source"] = text.splitlines(keepends=True)
            continue
        if cell["cell_type"] != "code":
            continue
        code = korean_comments(source(cell))
        if first_code:
            code = with_language_line(code)
            first_code = False
        cell["source"] = code.splitlines(keepends=True)
        old = old_outputs.get(cell["id"])
        if old is not None and without_comments(source(old)) == without_comments(code):
            cell["outputs"], cell["execution_count"] = old.get("outputs", []), old.get("execution_count")
        else:
            cell["outputs"], cell["execution_count"] = [], None
    return korean


def dumps(notebook: dict) -> str:
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def skeleton(notebook: dict) -> list:
    """What must agree between a built notebook and the committed one: ids, kinds and sources."""
    return [(c["id"], c["cell_type"], source(c)) for c in notebook["cells"]]


def build_all(check: bool) -> list[str]:
    paths = lessons()
    loaded = {path: load_translations(path) for path in paths}
    problems = [p for path in paths
                for p in problems_of(json.loads(path.read_text(encoding="utf-8")), loaded[path], path.name)]
    if problems:
        return problems
    titles = [korean_title(loaded[p], json.loads(p.read_text(encoding="utf-8")), p.name) for p in paths]
    KOREAN.mkdir(exist_ok=True)
    for index, path in enumerate(paths):
        target = KOREAN / path.name
        previous = json.loads(target.read_text(encoding="utf-8")) if target.exists() else None
        built = build(path, loaded[path], navigation(index, paths, titles), previous)
        if check:
            if previous is None or skeleton(previous) != skeleton(built):
                problems.append(f"ko/{path.name}: differs from what scripts/build_korean.py builds; run it")
        elif previous is None or dumps(previous) != dumps(built):
            target.write_text(dumps(built), encoding="utf-8")
            print(f"ko/{path.name}: built")
    return problems


def add_stubs() -> None:
    """Add a TODO entry, with the English text as a comment-free reference, for every markdown
    cell without a translation (translators fill `ko`; the hash is already right)."""
    SOURCES.mkdir(parents=True, exist_ok=True)
    for path in lessons():
        notebook = json.loads(path.read_text(encoding="utf-8"))
        translations = load_translations(path)
        added = 0
        for cell in notebook["cells"]:
            if cell["cell_type"] == "markdown" and not is_navigation(cell) and cell["id"] not in translations:
                translations[cell["id"]] = {"en": english_hash(source(cell)), "ko": TODO}
                added += 1
        write_translations(path, translations)
        print(f"{translations_path(path).relative_to(REPO)}: {added} stubs added")


class Block(str):
    """A translation, written as a YAML block (`|`): markdown stays readable in the file."""


yaml.add_representer(Block, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|"),
                     Dumper=yaml.SafeDumper)


def write_translations(english: Path, translations: dict) -> None:
    """Write a lesson's translations in the English notebook's cell order, as YAML block text."""
    order = {cell["id"]: i for i, cell in enumerate(json.loads(english.read_text(encoding="utf-8"))["cells"])}
    ordered = {key: {"en": value["en"], "ko": Block(str(value["ko"]).rstrip("\n") + "\n")}
               for key, value in sorted(translations.items(), key=lambda kv: order.get(kv[0], 10**6))}
    header = (f"# {english.name}, in Korean: one entry per English markdown cell, keyed by its id.\n"
              "# en: the first 12 hex digits of the SHA-256 of the English cell's source (scripts/build_korean.py).\n")
    translations_path(english).write_text(
        header + yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 on any problem")
    parser.add_argument("--stubs", action="store_true", help="add TODO entries for untranslated cells")
    args = parser.parse_args()
    if args.stubs:
        add_stubs()
        return 0
    problems = build_all(check=args.check)
    print("\n".join(problems) or "the Korean edition is current")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
