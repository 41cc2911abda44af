"""The exercise checkers accept correct dropouts and reject each broken one with the right message."""
import pytest
import torch

from lessonkit.lessons.dropout.exercises import check_dropout, check_dropout_backward
from lessonkit.lessons.dropout.layer import dropout


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


@pytest.mark.parametrize("fn", [dropout, bernoulli_dropout], ids=["lessonkit", "bernoulli"])
def test_correct_dropouts_pass(fn):
    report = check_dropout(fn)
    assert report.passed, str(report)
    assert report.checks >= 10 and "all" in str(report)


@pytest.mark.parametrize(
    "fn, message",
    [
        (broken(scale=lambda p: 1.0), "no scaling: kept values equal the input"),
        (broken(scale=lambda p: p), "scaled by p instead of 1/(1-p)"),
        (broken(scale=lambda p: 1 - p), "scaled by (1-p) instead of 1/(1-p)"),
        (broken(scale=lambda p: 1 / p if p else 1.0), "divided by p instead of (1-p)"),
        (broken(scale=lambda p: 1.5), "scaled by 1.5; with p=0.3 they should be scaled by 1/(1-p) = 1.429"),
        (broken(eval_active=True), "active in eval mode"),
        (broken(drop=lambda p: 1 - p), "p is the probability to DROP an element"),
        (broken(drop=lambda p: p / 2), "with p=0.3 that should be within 0.015 of 0.3"),
        (broken(use_generator=False), "same seeded generator gave different masks"),
        (fixed_mask_dropout, "different generator seeds gave the same mask"),
        (broken(detach=True), "cut off from autograd"),
        (division_by_zero_dropout, "p = 1 must give all zeros (as torch does), got NaN or inf"),
        (lambda x, p, training=True, generator=None: x[:10], "expected a tensor of shape (20000,), got shape (10,)"),
        (lambda x, p, training=True: x, "raised TypeError"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_broken_dropout_is_rejected_with_the_right_message(fn, message):
    report = check_dropout(fn)
    assert not report.passed
    assert any(message in problem for problem in report.problems), str(report)
    assert message in str(report) and str(report).startswith("✗")


def test_python_division_by_zero_at_p_one_is_reported():
    def fn(x, p, training=True, generator=None):
        return x * keep_mask(x, p, generator) * (1 / (1 - p)) if training else x

    report = check_dropout(fn)
    assert ["p = 1: your function raised ZeroDivisionError: float division by zero"] == report.problems


def reference_backward(grad_output, mask, p):
    return grad_output * mask / (1 - p) if p < 1 else grad_output * 0


def test_correct_gradient_passes():
    report = check_dropout_backward(reference_backward)
    assert report.passed, str(report)


@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda g, m, p: g, "passes grad_output through unchanged"),
        (lambda g, m, p: g * m, "lacks the 1/(1-p) scale"),
        (lambda g, m, p: g / (1 - p) if p < 1 else g * 0, "ignores the mask"),
        (lambda g, m, p: g * (1 - m) / (1 - p) if p < 1 else g * 0, "flows to the dropped elements"),
        (lambda g, m, p: g * m * p, "scaled by p instead of 1/(1-p)"),
        (lambda g, m, p: g * m / torch.tensor(1 - p), "NaN or inf"),
        (lambda g, m, p: g * m * 2, "differs from grad_output * mask / (1-p)"),
        (lambda g, m, p: g * m * (1 / (1 - p)), "raised ZeroDivisionError"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_broken_gradient_is_rejected_with_the_right_message(fn, message):
    report = check_dropout_backward(fn)
    assert not report.passed
    assert any(message in problem for problem in report.problems), str(report)
