import random

import numpy as np
import pytest
import torch

from lessonkit.core.seeding import seed_everything


def draws():
    return random.random(), np.random.rand(3).tolist(), torch.rand(4), torch.randn(2, 2)


def test_two_seeded_runs_give_identical_numbers():
    seed_everything(777)
    first = draws()
    seed_everything(777)
    second = draws()
    assert first[0] == second[0] and first[1] == second[1]
    assert torch.equal(first[2], second[2]) and torch.equal(first[3], second[3])


@pytest.mark.parametrize("source", ["python", "numpy", "torch"])
def test_each_generator_is_seeded(source):
    # Disturb one generator between two seedings: a seed that skipped it would show.
    pick = {"python": lambda: random.random(), "numpy": lambda: np.random.rand(),
            "torch": lambda: torch.rand(1).item()}[source]
    seed_everything(1)
    expected = pick()
    pick()
    seed_everything(1)
    assert pick() == expected


def test_different_seeds_differ():
    seed_everything(1)
    a = torch.rand(5)
    seed_everything(2)
    assert not torch.equal(a, torch.rand(5))


@pytest.mark.parametrize("seed, error", [
    (-1, ValueError),
    (2**32, ValueError),
    (1.5, TypeError),
    ("7", TypeError),
    (True, TypeError),
])
def test_bad_seed_is_refused(seed, error):
    with pytest.raises(error, match="seed must be"):
        seed_everything(seed)
