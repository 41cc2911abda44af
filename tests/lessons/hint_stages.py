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
