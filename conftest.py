"""Test set-up shared by the unit tests and the notebooks that nbval runs.

Before any test or notebook kernel starts, MNIST is copied from the offline archives
(`../shared/data/MNIST/raw` beside the repository, or `$LESSONKIT_MNIST_ARCHIVES`) into a
temporary data folder, and `LESSONKIT_DATA` points there. Kernels inherit the variable,
so the notebooks read that copy and nothing reaches for the internet.

`LESSONKIT_RUN_CACHE` (see `lessonkit/core/run_cache.py`) points to an empty temporary
folder too. nbval runs the notebooks first (`testpaths` in pyproject.toml) and lesson 5 stores
its live 15-epoch lab; the browser test's JupyterLab kernels, started later, load it, so the lab
trains once per test run. Unit tests never see the variable: they
train for real.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from lessonkit.core import run_cache
from lessonkit.core.data import REPO_ROOT, copy_mnist_archives

DEFAULT_ARCHIVES = REPO_ROOT.parent / "shared" / "data" / "MNIST" / "raw"
_temp_data = None
_temp_runs = None


def mnist_archives() -> Path | None:
    """The folder with the four offline MNIST archives, or None when there is none."""
    folder = Path(os.environ.get("LESSONKIT_MNIST_ARCHIVES", DEFAULT_ARCHIVES))
    return folder if folder.is_dir() else None


def pytest_configure(config):  # noqa: ARG001 - pytest passes its hooks `config` by keyword
    global _temp_data
    _temp_data = Path(tempfile.mkdtemp(prefix="lessonkit-data-"))
    archives = mnist_archives()
    if archives is not None:
        copy_mnist_archives(archives, _temp_data)
    os.environ["LESSONKIT_DATA"] = str(_temp_data)
    global _temp_runs
    _temp_runs = Path(tempfile.mkdtemp(prefix="lessonkit-runs-"))
    os.environ[run_cache.ENV] = str(_temp_runs)
    # The debugger bundled with ipykernel warns on stderr about Python's frozen modules;
    # we never debug under test, so say so instead of filtering its warning.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")  # scripts under test never open windows


def pytest_report_header(config):  # noqa: ARG001 - pytest passes its hooks `config` by keyword
    archives = mnist_archives()
    where = f"copied from {archives}" if archives else "NOT FOUND offline: torchvision will download it"
    return f"lessonkit: LESSONKIT_DATA={_temp_data} (MNIST {where})"


def pytest_unconfigure(config):  # noqa: ARG001 - pytest passes its hooks `config` by keyword
    for process, _ in _background.values():
        if process.poll() is None:
            process.kill()
            process.wait()
    for folder in (_temp_data, _temp_runs):
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


# Lesson 3's contest sample, trained again by tests/test_records.py, takes about a minute on one thread.
# When more than that test runs, it trains in a process of its own from the start, beside the first
# notebooks (lessons 0-3 train on one thread too, so the two cores share the work without slowing
# either, measured); the test then waits for its rows. Alone, the test trains it itself.
BACKGROUND_RERUNS = {
    "test_a_recorded_contest_sample_trained_again_lands_on_its_record": ("taming-contest", None, 0),
}
RERUN = """
import json, sys
import lessonkit.experiments as runner
open(sys.argv[2], "w").write(json.dumps(runner.rerun(*json.loads(sys.argv[1]))))
"""
_background: dict[tuple, tuple] = {}


def pytest_collection_finish(session):
    """Start the background reruns of the tests selected (after -k and the like), unless one runs alone."""
    if len(session.items) < 2:
        return
    for item in session.items:
        run = BACKGROUND_RERUNS.get(getattr(item, "originalname", None))  # a notebook cell has none
        if run is not None and run not in _background:
            rows = _temp_runs / f"rerun-{len(_background)}.json"
            with open(rows.with_suffix(".log"), "w") as log:  # a file, not a pipe nobody reads until the test
                process = subprocess.Popen([sys.executable, "-c", RERUN, json.dumps(run), str(rows)],
                                           stdout=subprocess.DEVNULL, stderr=log)
            _background[run] = (process, rows)


def rerun(name: str, arm, seed: int) -> tuple[list, list]:
    """(recorded rows, rows trained again now) of one recorded run, as `lessonkit.experiments.rerun`
    gives them: from the background process started for it, or trained here."""
    import lessonkit.experiments as runner

    if (name, arm, seed) not in _background:
        return runner.rerun(name, arm, seed)
    process, rows = _background[(name, arm, seed)]
    process.wait()
    errors = rows.with_suffix(".log").read_text()
    assert process.returncode == 0, f"the background rerun of {name} failed:\n{errors[-3000:]}"
    recorded, new = json.loads(rows.read_text())  # the record's rows are plain numbers and text: exact in JSON
    return recorded, new


def fake_mnist(n_train: int = 600, n_test: int = 300, seed: int = 0):
    """MNIST's shapes without MNIST: random pixels in [0, 1) and labels a fixed linear map of
    them (so a network can learn them), as ((x_train, y_train), (x_test, y_test))."""
    import torch

    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n_train + n_test, 784, generator=g)
    y = (x @ torch.randn(784, 10, generator=g)).argmax(1)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def exercises_of(module):
    """A lesson's exercises (its `Exercise` objects), in the order of their names (q1, q2, ...)."""
    from lessonkit.core.exercises import Exercise

    found = [value for value in vars(module).values() if isinstance(value, Exercise)]
    return sorted(found, key=lambda e: (len(e.name), e.name))


@pytest.fixture(autouse=True)
def _unit_tests_train_for_real(monkeypatch):
    """Python tests run without the run cache (nbval's notebook cells are not Python tests:
    they keep it). The browser test's server is a module fixture, started before this one,
    so its kernels keep it too."""
    monkeypatch.delenv(run_cache.ENV, raising=False)


_seconds_per_file: dict[str, float] = {}


def pytest_runtest_logreport(report):
    """Add up each test file's (or notebook's) time: setup, call and teardown."""
    path = report.nodeid.split("::")[0]
    _seconds_per_file[path] = _seconds_per_file.get(path, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    """Print where the time went, per file, slowest first: what to look at to make CI faster."""
    if not _seconds_per_file:
        return
    terminalreporter.section("seconds per file (setup + call + teardown)")
    total = sum(_seconds_per_file.values())
    for path, seconds in sorted(_seconds_per_file.items(), key=lambda item: -item[1])[:25]:
        terminalreporter.write_line(f"{seconds:8.1f} s  {100 * seconds / total:5.1f}%  {path}")
    terminalreporter.write_line(f"{total:8.1f} s  in all, over {len(_seconds_per_file)} files")
