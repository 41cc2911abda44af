"""Checks are pure: checking an answer, asking for its hints and its solution leaves torch's, numpy's
and Python's global random states as they were, whatever the answer draws (a wrong answer must not
move the numbers the lesson quotes after it), and a planted impure check is caught."""
import random
from contextlib import nullcontext

import numpy as np
import pytest
import torch
from learner_variants import EXERCISES, VARIANTS, fresh

import lessonkit.core.exercises as exercises
from lessonkit.core.exercises import Exercise


def states():
    return torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()


def assert_unchanged(before):
    after = states()
    assert torch.equal(before[0], after[0]), "torch's global random state moved"
    assert np.array_equal(before[1], after[1]), "numpy's global random state moved"
    assert before[2] == after[2], "Python's global random state moved"


def worked_as_a_learner(q: Exercise, answer) -> None:
    q.check(*answer)
    for n in (1, 2, 3):
        q.hint(n)


def draws_from_every_generator(x, p, training=True, generator=None):
    """A wrong dropout that ignores `generator`, and draws from numpy's and Python's generators too."""
    np.random.rand(3)
    random.random()
    return x * (torch.rand(x.shape) >= p) / (1 - p) if training and p < 1 else x


@pytest.mark.parametrize("qid", sorted(EXERCISES))
def test_every_exercises_known_mistakes_and_solution_leave_the_random_states(qid, capsys):
    torch.manual_seed(777)
    np.random.seed(777)
    random.seed(777)
    before = states()
    q = EXERCISES[qid]
    for answer in [answer() for v_qid, _, answer, _ in VARIANTS if v_qid == qid] + [q.answer_for_tests(), (None,)]:
        worked_as_a_learner(fresh(q), answer)
    fresh(q).solution()
    capsys.readouterr()
    assert_unchanged(before)


def test_a_wrong_answer_does_not_move_the_lessons_next_draw(capsys):
    torch.manual_seed(0)
    expected = torch.rand(5)
    torch.manual_seed(0)
    worked_as_a_learner(fresh(EXERCISES["dropout-q1"]), (draws_from_every_generator,))
    capsys.readouterr()
    assert torch.equal(torch.rand(5), expected)


def test_a_planted_impure_check_is_caught(monkeypatch, capsys):
    """Without pure() around the check (and around the checker itself), the same wrong answer moves
    every global state, and the assertion the purity test makes fails."""
    monkeypatch.setattr(exercises, "pure", lambda seed=0: nullcontext())
    q = fresh(EXERCISES["dropout-q1"])
    q.checker = EXERCISES["dropout-q1"].checker.__wrapped__  # check_dropout without its own pure()
    before = states()
    worked_as_a_learner(q, (draws_from_every_generator,))
    capsys.readouterr()
    with pytest.raises(AssertionError, match="random state moved"):
        assert_unchanged(before)


def test_a_check_counts_the_same_whatever_the_learner_drew_before():
    q = EXERCISES["dropout-q1"]
    torch.manual_seed(1)
    first = str(q.checker(draws_from_every_generator))
    torch.manual_seed(2)
    assert str(q.checker(draws_from_every_generator)) == first
