"""Re-execute the lessons in place so their stored outputs are current.

    .venv/bin/python scripts/run_notebooks.py              # every notebook, in order
    .venv/bin/python scripts/run_notebooks.py notebooks/02_*.ipynb

Each notebook runs top to bottom on a fresh kernel of *this* Python (the environment
under test), in `notebooks/` as its working folder, with the same offline MNIST copy the
tests use. Saved widget state and timing metadata are stripped, and the run fails if an
output shows an error or a path of this machine: what is committed must read well on
GitHub and pass nbval.
"""
import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
MACHINE_PATH = re.compile(r"/(root|home|tmp|work)/[A-Za-z0-9_.-]+")
ERROR_TEXT = re.compile(r"Traceback \(most recent call last\)|Error displaying widget")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def prepare_data() -> None:
    """Use the repository's data/ folder, filled from the offline archives when present."""
    from lessonkit.core.data import copy_mnist_archives, data_dir, missing_mnist_archives

    archives = Path(os.environ.get("LESSONKIT_MNIST_ARCHIVES", REPO.parent / "shared/data/MNIST/raw"))
    if missing_mnist_archives() and archives.is_dir():
        copy_mnist_archives(archives, data_dir())


def clean(nb) -> list[str]:
    """Strip widget state and widget views, and return the problems a reader would see.

    A widget view whose state is not saved cannot be drawn: JupyterLab would show
    "Error displaying widget: model not found" in place of the picture stored beside it,
    to anyone who opens the notebook before running it. The picture and text stay.
    """
    nb.metadata.pop("widgets", None)
    problems = []
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
        outputs = json.dumps(cell.get("outputs", []))
        if MACHINE_PATH.search(outputs):
            problems.append(f"cell {index}: an output shows a path of this machine")
        if ERROR_TEXT.search(outputs):
            problems.append(f"cell {index}: an output shows an error")
    return problems


def strip(path: Path) -> list[str]:
    """Clean a notebook's stored outputs without running it."""
    nb = nbformat.read(path, as_version=4)
    problems = clean(nb)
    nbformat.write(nb, path)
    return problems


def run(path: Path, timeout: int) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",  # ipykernel's own spec: the Python running this script
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    client.execute()
    problems = clean(nb)
    nbformat.write(nb, path)
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb in order")
    parser.add_argument("--strip-only", action="store_true", help="clean the stored outputs, run nothing")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds a single cell may take (default 1800)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.strip_only:
        problems = [f"{path.name}: {problem}" for path in paths for problem in strip(path.resolve())]
        print("\n".join(problems) or f"{len(paths)} notebooks cleaned")
        return 1 if problems else 0
    prepare_data()
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    failed = False
    for path in paths:
        start = time.perf_counter()
        problems = run(path.resolve(), args.timeout)
        print(f"{path.name}: executed in {time.perf_counter() - start:.0f} s")
        for problem in problems:
            failed = True
            print(f"  problem: {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
