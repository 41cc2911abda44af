"""The exercise checkers accept correct dropouts and reject each broken one with the right message."""
import pytest
import torch
from hint_stages import gives_away, stages

from lessonkit.lessons.dropout.exercises import (
    check_dropout,
    check_dropout_backward,
    check_gradient_prediction,
    compare_gradients,
    gradient_check,
    numerical_gradient,
    q1,
    relative_error,
)
from lessonkit.lessons.dropout.model import dropout

my_dropout = q1.answer_for_tests()[0]  # the solution as a learner would type it (the course's own is refused)


def keep_mask(x, p, generator):
    return (torch.rand(x.shape, generator=generator) >= p).to(x.dtype)


def bernoulli_dropout(x, p, training=True, generator=None):
    # Correct, but draws its mask differently from lessonkit: the checker must not care.
    if not training:
        return x
    keep = torch.bernoulli(torch.full_like(x, 1 - p), generator=generator)
    return x * keep / (1 - p) if p < 1 else x * 0


def broken(scale=lambda p: 1 / (1 - p), drop=lambda p: p, eval_active=False, use_generator=True, detach=False):
    """A dropout with one deliberate mistake, chosen by the arguments."""

    def fn(x, p, training=True, generator=None):
        if not training and not eval_active:
            return x
        g = generator if use_generator else None
        out = x * keep_mask(x, drop(p), g) * scale(p)
        return out.detach() if detach else out

    return fn


def fixed_mask_dropout(x, p, training=True, generator=None):
    return broken(use_generator=True)(x, p, training, torch.Generator().manual_seed(0))


def division_by_zero_dropout(x, p, training=True, generator=None):
    if not training:
        return x
    return x * keep_mask(x, p, generator) / torch.tensor(1 - p)  # 0/0 = NaN at p = 1


@pytest.mark.parametrize("fn", [my_dropout, bernoulli_dropout], ids=["the solution", "bernoulli"])
def test_correct_dropouts_pass(fn):
    report = check_dropout(fn)
    assert report.passed, str(report)
    assert report.checks >= 10 and "all" in str(report)


def test_lessonkits_own_dropout_is_right_but_told_as_a_shortcut():
    # right in every other check: only the call into the library keeps it from passing
    assert check_dropout.__wrapped__(dropout).mistakes == ["the library's dropout called"]


@pytest.mark.parametrize(
    "fn, mistake",
    [
        (broken(scale=lambda p: 1.0), "kept values not scaled"),
        (broken(scale=lambda p: p), "kept values scaled by p"),
        (broken(scale=lambda p: 1 - p), "kept values multiplied by (1-p)"),
        (broken(scale=lambda p: 1 / p if p else 1.0), "kept values divided by p"),
        (broken(scale=lambda p: 1.5), "kept values wrongly scaled"),
        (broken(eval_active=True), "active in eval mode"),
        (broken(drop=lambda p: 1 - p), "p read as the keep probability"),
        (broken(drop=lambda p: p / 2), "wrong drop rate"),
        (broken(use_generator=False), "generator ignored"),
        (fixed_mask_dropout, "the same mask every call"),
        (broken(detach=True), "cut off from autograd"),
        (division_by_zero_dropout, "p = 1 not all zeros"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_broken_dropout_is_named_and_told_in_stages(fn, mistake):
    one, two, three = (check_dropout(fn, hint=hint) for hint in (1, 2, 3))
    assert not one.passed and mistake in one.mistakes, str(one)
    assert f"{mistake}: " in str(one) and "Where to look" not in str(one) and "hint=2" in str(one)
    assert "Where to look" in str(two) and "Fix" not in str(two)
    assert "Fix: " in str(three)
    for text in map(str, (one, two, three)):  # the right scale, 1/(1-0.3), is never printed
        assert not any(gives_away(text, value) for value in ("1.429", "1.43", "1.4286", "1.4")), text


def test_a_division_by_p_is_named_at_p_zero_without_a_fix_that_does_not_apply():
    def divides_by_p(x, p, training=True, generator=None):
        if not training:
            return x
        return x * keep_mask(x, p, generator) / p  # inf and NaN at p = 0

    report = check_dropout(divides_by_p, hint=3)
    assert "p = 0 gives NaN or inf" in report.mistakes and "kept values divided by p" in report.mistakes
    assert "p = 0 changes the input" not in report.mistakes, str(report)
    assert "rand >= p" not in str(report)  # the mask is right: the fix is the scale


def test_an_unscaled_dropout_is_told_its_mean_first():
    assert "the mean of your output is 0.70 of the input's" in str(check_dropout(broken(scale=lambda p: 1.0)))


@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda x, p, training=True, generator=None: x[:10], "expected a tensor of shape (20000,), got shape (10,)"),
        (lambda x, p, training=True: x, "my_dropout must take the arguments (x, p, training=True, generator=None); "
                                        "yours takes (x, p, training=True)."),
        (lambda x, p, training=True, generator=None: None, "in every call: your function returned None"),
    ],
    ids=["wrong shape", "wrong signature", "returns nothing"],
)
def test_wrong_forms_are_explained(fn, message):
    report = check_dropout(fn)
    assert not report.passed and message in str(report)


def test_an_unanswered_dropout_is_a_nudge():
    assert "not answered yet" in str(check_dropout(None)) and "not answered yet" in str(check_dropout_backward(None))


def test_python_division_by_zero_at_p_one_is_reported():
    def fn(x, p, training=True, generator=None):
        return x * keep_mask(x, p, generator) * (1 / (1 - p)) if training else x

    report = check_dropout(fn)
    assert ["p = 1 and 1 more calls: your function raised ZeroDivisionError: float division by zero"] == report.problems


def reference_backward(grad_output, mask, p):
    return grad_output * mask / (1 - p) if p < 1 else grad_output * 0


def test_correct_gradient_passes():
    report = check_dropout_backward(reference_backward)
    assert report.passed, str(report)


@pytest.mark.parametrize(
    "fn, mistake",
    [
        (lambda g, m, p: g, "gradient passed through"),
        (lambda g, m, p: g * m, "kept gradient not scaled"),
        (lambda g, m, p: g / (1 - p) if p < 1 else g * 0, "mask ignored"),
        (lambda g, m, p: g * (1 - m) / (1 - p) if p < 1 else g * 0, "gradient to the dropped elements"),
        (lambda g, m, p: g * m * p, "kept gradient scaled by p"),
        (lambda g, m, p: g * m / torch.tensor(1 - p), "division by zero"),
        (lambda g, m, p: g * m * 2, "wrong gradient"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_broken_gradient_is_named_and_told_in_stages(fn, mistake):
    one, two, three = (check_dropout_backward(fn, hint=hint) for hint in (1, 2, 3))
    assert not one.passed and mistake in one.mistakes, str(one)
    assert "Where to look" not in str(one) and "Where to look" in str(two) and "Fix" not in str(two)
    assert "Fix: " in str(three)
    for text in map(str, (one, two, three)):
        assert not any(gives_away(text, value) for value in ("1.429", "1.43", "1.4286", "2.0")), text


def test_a_python_division_by_zero_in_the_gradient_is_reported():
    report = check_dropout_backward(lambda g, m, p: g * m * (1 / (1 - p)))
    assert "p = 1.0: your function raised ZeroDivisionError" in str(report)


def test_central_differences_agree_with_autograd_and_catch_a_wrong_backward():
    x = torch.rand(5, dtype=torch.float64)
    assert torch.allclose(numerical_gradient(lambda z: (z**3).sum(), x), 3 * x**2, atol=1e-6)
    right = compare_gradients(reference_backward)
    assert relative_error(right.autograd, right.numerical) < 1e-7
    assert relative_error(right.yours, right.numerical) < 1e-7
    assert 0 < right.mask.sum() < len(right.mask)  # the mask keeps some and drops some
    wrong = compare_gradients(lambda g, m, p: g * m)
    assert relative_error(wrong.yours, wrong.numerical) > 0.1
    assert "not written yet" in str(compare_gradients(None)) and "relative error" in str(right)

    def unwritten(grad_output, mask, p):
        raise NotImplementedError

    assert "not written yet" in str(compare_gradients(unwritten))


@pytest.mark.parametrize("backward, told", [
    (lambda g, m, p: None, "yours: your function returned None, not a tensor: does every path end in `return`?"),
    (lambda g, m, p: "grad", "yours: your function returned a value of type str, not a tensor."),
    (lambda g, m, p: (g * m).sum(), "yours: expected a tensor of shape (8,), got shape ()"),
    (lambda g, m: g, "yours: your function raised TypeError: "),
])
def test_gradient_check_tells_a_backward_of_the_wrong_form_in_one_line(backward, told, capsys):
    gradient_check(backward)  # a backward that forgets `return` is the first thing a learner runs it on
    printed = capsys.readouterr().out
    assert told in printed and len(printed.strip().splitlines()) == 3, printed


def test_gradient_check_prints_wherever_it_stands_in_a_cell(capsys):
    assert gradient_check(reference_backward) is None  # nothing for a cell's last line to show a second time
    printed = capsys.readouterr().out
    assert printed == str(compare_gradients(reference_backward)) + "\n" and "yours vs central differences" in printed


@pytest.mark.parametrize("answer, mistake", [
    (1, "kept gradient not scaled"), (0.7, "multiplied by (1-p)"), (0.3, "scaled by p"),
    (0, "a dropped unit's gradient"), (1 / 0.3, "divided by p"), (2.5, "another number")])
def test_gradient_prediction_names_each_mistake_without_the_value(answer, mistake):
    texts = stages(check_gradient_prediction, answer)
    assert all(f"{mistake}:" in text for text in texts)
    assert "Where to look" in texts[1] and "Fix" in texts[2] and "Fix" not in texts[1]
    assert not any(gives_away(text, value) for text in texts[:2] for value in ("1.429", "1.43", "1.4286"))


@pytest.mark.parametrize("answer", [1 / 0.7, 1.43, 1.4286])
def test_the_right_gradient_prediction_passes(answer):
    assert check_gradient_prediction(answer).passed


@pytest.mark.parametrize("answer, message", [
    (None, "not answered yet"), ("1.43", "must be a number"), (True, "must be a number"),
    (float("nan"), "must be a number")])
def test_gradient_prediction_wrong_forms(answer, message):
    assert message in str(check_gradient_prediction(answer))


def with_mask(draw):
    """A dropout whose mask is drawn by `draw(x, p, generator)`, otherwise right."""
    def fn(x, p, training=True, generator=None):
        if not training or p == 0:
            return x
        if p == 1:
            return x * 0.0
        return x * draw(x, p, generator) / (1 - p)
    return fn


def in_place(x, p, training=True, generator=None):
    if not training or p == 0:
        return x
    return x * 0.0 if p == 1 else x.mul_(keep_mask(x, p, generator)).div_(1 - p)


def generator_before_training(x, p, generator=None, training=True):  # an nn layer calls fn(x, p, training)
    return with_mask(keep_mask)(x, p, training, generator)


@pytest.mark.parametrize("fn, named, told", [
    (with_mask(lambda x, p, g: (torch.rand(x.shape[-1], generator=g) >= p).to(x.dtype)),
     ["one mask for the whole batch"], ""),
    (with_mask(lambda x, p, g: keep_mask(x, p, g) * (x > 0)), ["negative values dropped"], ""),
    (in_place, ["input changed in place"], ""),
    (lambda x, p, training=True, generator=None: with_mask(keep_mask)(x, p, training, generator).double(), [],
     "expected a tensor of x's dtype, torch.float32, got torch.float64"),
    (generator_before_training, [],
     "called as a layer calls it, fn(x, p, True), in the order (x, p, training, generator): your function raised"),
    (lambda x, p, training=True, generator=None: with_mask(keep_mask)(x, p, training, generator).detach() + 0 * x,
     ["cut off from autograd"], ""),
])
def test_what_one_long_row_cannot_show_is_checked_on_a_batch(fn, named, told):
    report = check_dropout(fn)
    assert report.mistakes == named and told in str(report), str(report)


def test_a_backward_in_another_dtype_is_told_not_raised():
    report = check_dropout_backward(lambda g, mask, p: g.double() * (0.0 if p == 1 else mask / (1 - p)))
    assert not report.passed and "expected a tensor of grad_output's dtype, torch.float32" in str(report)


@pytest.mark.parametrize("answer", [torch.tensor(1 / 0.7), __import__("numpy").float32(1 / 0.7)])
def test_a_kept_units_gradient_computed_with_torch_or_numpy_is_a_number(answer):
    assert check_gradient_prediction(answer).passed


@pytest.mark.parametrize("backward, kind", [
    (lambda g, m, p: (g * m / (1 - p)).numpy(), "ndarray"),
    (lambda g, m, p: (g * m / (1 - p)).tolist(), "list"),
    (lambda g, m, p: 0.0, "float"),
])
def test_gradient_check_says_what_q3_says_of_a_backward_that_returns_no_tensor(backward, kind, capsys):
    gradient_check(backward)
    printed = capsys.readouterr().out
    assert f"yours: your function returned a value of type {kind}, not a tensor." in printed, printed
    assert "yours vs central differences" not in printed


def test_a_wrong_shape_is_told_in_korean_without_the_english_word(capsys):
    from lessonkit.core import language
    language.set_language("ko")
    try:
        gradient_check(lambda g, m, p: (g * m).sum())
    finally:
        language.set_language("en")
    printed = capsys.readouterr().out.splitlines()[-1]
    assert "shape" not in printed and "모양" in printed, printed
