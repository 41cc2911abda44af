"""Argument checks for every public function of lessonkit, in one wording.

A wrong type raises TypeError, a value out of range raises ValueError, and the message
names the argument and what it accepts, in one line a learner can act on:

    check_probability("p", 1.2)       # ValueError: p must be in [0, 1), got 1.2
    check_int("epochs", 2.5)          # TypeError: epochs must be an int, got float
"""
import math
import numbers

from lessonkit.core.language import Message, tr

SEED_RANGE = 2**32  # NumPy's legacy seed range; torch accepts it too


def check_int(name: str, value, minimum: int | None = None, maximum: int | None = None) -> int:
    """`value` as an int in [minimum, maximum] (either bound may be None)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(tr("{name} must be an int, got {type}", name=Message(name), type=type(value).__name__))
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if maximum is None:
            raise ValueError(tr("{name} must be >= {minimum:g}, got {value}", name=Message(name), minimum=minimum,
                                value=value))
        if minimum is None:
            raise ValueError(tr("{name} must be <= {maximum:g}, got {value}", name=Message(name), maximum=maximum,
                                value=value))
        raise ValueError(tr("{name} must be in [{minimum:g}, {maximum:g}], got {value}", name=Message(name),
                            minimum=minimum, maximum=maximum, value=value))
    return value


def check_number(name: str, value, minimum: float | None = None, maximum: float | None = None, *,
                 above: float | None = None) -> float:
    """`value` as a finite float in [minimum, maximum]; `above` makes the lower bound strict."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(tr("{name} must be a number, got {type}", name=Message(name), type=type(value).__name__))
    value = float(value)
    low_ok = (minimum is None or value >= minimum) and (above is None or value > above)
    high_ok = maximum is None or value <= maximum
    if not (math.isfinite(value) and low_ok and high_ok):
        fields = {"name": Message(name), "minimum": minimum, "maximum": maximum, "above": above, "value": value}
        if above is not None:
            raise ValueError(tr("{name} must be a finite number > {above:g}, got {value}", **fields))
        if maximum is None:
            raise ValueError(tr("{name} must be a finite number >= {minimum:g}, got {value}", **fields))
        if minimum is None:
            raise ValueError(tr("{name} must be a finite number <= {maximum:g}, got {value}", **fields))
        raise ValueError(tr("{name} must be a finite number in [{minimum:g}, {maximum:g}], got {value}", **fields))
    return value


def check_probability(name: str, value, *, allow_one: bool = False) -> float:
    """A drop probability as a float: in [0, 1), or in [0, 1] with `allow_one`.

    p = 1 drops every unit: fine for a mask, but a network trained that way learns nothing.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(tr("{name} must be a number, got {type}", name=Message(name), type=type(value).__name__))
    value = float(value)
    if allow_one and not 0 <= value <= 1:  # also refuses NaN
        raise ValueError(tr("{name} must be in [0, 1], got {value}", name=Message(name), value=value))
    if not allow_one and not 0 <= value < 1:
        raise ValueError(tr("{name} must be in [0, 1), got {value}", name=Message(name), value=value))
    return value


def check_seed(name: str, value) -> int:
    """A seed: an int in [0, 2**32)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(tr("{name} must be an int, got {type}", name=Message(name), type=type(value).__name__))
    if not 0 <= value < SEED_RANGE:
        raise ValueError(tr("{name} must be in [0, 2**32), got {value}", name=Message(name), value=value))
    return int(value)


def check_choice(name: str, value, choices) -> object:
    """`value` when it is one of `choices`."""
    if value not in choices:
        raise ValueError(tr("{name} must be one of {choices}, got {value!r}", name=Message(name),
                            choices=", ".join(map(repr, choices)), value=value))
    return value


def check_bool(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise TypeError(tr("{name} must be True or False, got {value!r}", name=Message(name), value=value))
    return value
