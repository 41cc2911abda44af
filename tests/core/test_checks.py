import math

import numpy as np
import pytest

from lessonkit.core.checks import check_bool, check_choice, check_int, check_number, check_probability, check_seed


def test_good_values_come_back_as_plain_python_numbers():
    assert check_int("n", np.int64(3), 1) == 3 and type(check_int("n", np.int64(3))) is int
    assert check_number("lr", 1) == 1.0 and type(check_number("lr", 1)) is float
    assert check_probability("p", 0) == 0.0 and check_probability("p", 1, allow_one=True) == 1.0
    assert check_seed("seed", 2**32 - 1) == 2**32 - 1
    assert check_choice("task", "regression", ("classification", "regression")) == "regression"
    assert check_bool("training", False) is False


@pytest.mark.parametrize("call, error, message", [
    (lambda: check_int("epochs", 0, 1), ValueError, "epochs must be >= 1, got 0"),
    (lambda: check_int("degree", 21, 0, 20), ValueError, r"degree must be in \[0, 20\], got 21"),
    (lambda: check_int("n", 5, maximum=3), ValueError, "n must be <= 3, got 5"),
    (lambda: check_int("epochs", 2.0), TypeError, "epochs must be an int, got float"),
    (lambda: check_int("epochs", True), TypeError, "epochs must be an int, got bool"),
    (lambda: check_number("lr", 0, above=0), ValueError, "lr must be a finite number > 0, got 0.0"),
    (lambda: check_number("noise", math.nan, 0), ValueError, "noise must be a finite number >= 0, got nan"),
    (lambda: check_number("noise", math.inf, 0), ValueError, "noise must be a finite number >= 0, got inf"),
    (lambda: check_number("noise", "0.2"), TypeError, "noise must be a number, got str"),
    (lambda: check_probability("p", 1), ValueError, r"p must be in \[0, 1\), got 1.0"),
    (lambda: check_probability("p", 1.2, allow_one=True), ValueError, r"p must be in \[0, 1\], got 1.2"),
    (lambda: check_probability("p", math.nan), ValueError, r"p must be in \[0, 1\), got nan"),
    (lambda: check_probability("input_p", None), TypeError, "input_p must be a number, got NoneType"),
    (lambda: check_seed("seed", 2**32), ValueError, r"seed must be in \[0, 2\*\*32\), got 4294967296"),
    (lambda: check_seed("seed", 1.5), TypeError, "seed must be an int, got float"),
    (lambda: check_choice("task", "ranking", ("a", "b")), ValueError, "task must be one of 'a', 'b', got 'ranking'"),
    (lambda: check_bool("training", 1), TypeError, "training must be True or False, got 1"),
])
def test_bad_values_get_one_line_naming_the_argument_and_what_it_accepts(call, error, message):
    with pytest.raises(error, match=f"^{message}$"):
        call()
