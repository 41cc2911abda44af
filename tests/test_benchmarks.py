"""Every benchmark runs, at a tiny size, so that none can go stale unnoticed. Nothing here is
timed: a benchmark's numbers are for an idle machine, and these runs only show that it works."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

# each benchmark's smallest run, and a line its report must print
TINY = {
    "mnist_lab.py": (["--epochs", "1", "--subset", "200", "--device", "cpu"], "takes"),
    "runner.py": (["--steps", "2", "--repeat", "1"], "paper"),
    "sliders.py": (["--moves", "1"], "lesson 5"),
}


def test_every_benchmark_has_a_tiny_run():
    assert sorted(p.name for p in BENCHMARKS.glob("*.py")) == sorted(TINY)


@pytest.mark.parametrize("name", sorted(TINY))
def test_the_benchmark_runs_at_a_tiny_size(name):
    arguments, expected = TINY[name]
    done = subprocess.run([sys.executable, str(BENCHMARKS / name), *arguments], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "MPLBACKEND": "Agg"}, cwd=BENCHMARKS.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    assert expected in done.stdout, done.stdout
