"""Helpers for the exercise-checker tests: the three hint stages of one answer, and whether a
text gives the expected value away."""
import re


def stages(check, *args, **kwargs) -> list[str]:
    """What the learner is told at hint stages 1, 2 and 3."""
    return [str(check(*args, hint=hint, **kwargs)) for hint in (1, 2, 3)]


def gives_away(text: str, value, allowed=()) -> bool:
    """Whether `value` appears in `text` as a value of its own (not inside another number or
    word), once the question's own givens in `allowed` (e.g. "seed=5") are taken out."""
    for given in allowed:
        text = text.replace(given, "")
    return re.search(rf"(?<![\w.]){re.escape(str(value))}(?![\w]|\.\d)", text) is not None


def test_gives_away_finds_a_value_alone_but_not_inside_other_numbers():
    assert gives_away("degree 5 wins", 5) and gives_away("scale 1.429.", "1.429")
    assert not gives_away("degree 15, 0.5, 5e-3 and seed=5", 5, allowed=["seed=5"])
