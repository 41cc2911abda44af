"""Automatic checks for lesson 2's exercises: write dropout's forward pass, then its gradient.

    check_dropout(my_dropout)                     # my_dropout(x, p, training=True, generator=None)
    check_dropout_backward(my_dropout_backward)   # my_dropout_backward(grad_output, mask, p)

Masks cannot be compared one by one with the reference (your code may draw its random
numbers differently), so the checks test what every correct dropout must do, on fixed
seeds, and name the usual mistakes when they see them.
"""
import math

import torch

from lessonkit.core.exercises import CheckReport
from lessonkit.lessons.dropout.layer import apply_mask, dropout_mask

N = 20_000  # elements per statistical check
Z = 4.5  # standard errors a correct dropout may stray from p
P = 0.3  # p, 1-p, 1/p and 1/(1-p) all differ here, so each wrong scale is recognisable


def _positive_input(n=N, seed=0):
    # No zeros in x: a zero in the output can only be a dropped element.
    return torch.rand(n, generator=torch.Generator().manual_seed(seed)) + 0.5


def _seeded(seed):
    return torch.Generator().manual_seed(seed)


def _scale_mistake(ratio: float, p: float) -> str | None:
    """Name the mistake when kept values were multiplied by `ratio` instead of 1/(1-p)."""
    known = {
        1.0: "no scaling: kept values equal the input; multiply them by 1/(1-p)",
        p: "kept values are scaled by p instead of 1/(1-p)",
        1 - p: "kept values are scaled by (1-p) instead of 1/(1-p): divide, do not multiply",
        1 / p: "kept values are divided by p instead of (1-p): p is the DROP probability",
    }
    for value, message in known.items():
        if math.isclose(ratio, value, rel_tol=1e-4):
            return message
    return f"kept values are scaled by {ratio:.4g}; with p={p} they should be scaled by 1/(1-p) = {1 / (1 - p):.4g}"


def check_dropout(fn) -> CheckReport:
    """Check a learner's `fn(x, p, training=True, generator=None)` against what dropout must do."""
    report = CheckReport("dropout forward pass")

    def run(check, *args, **kwargs):
        report.checks += 1
        try:
            out = fn(*args, **kwargs)
        except Exception as err:  # noqa: BLE001 - a learner's bug must become a message
            report.problems.append(f"{check}: your function raised {type(err).__name__}: {err}")
            return None
        x = args[0]
        if not isinstance(out, torch.Tensor) or out.shape != x.shape:
            got = f"shape {tuple(out.shape)}" if isinstance(out, torch.Tensor) else type(out).__name__
            report.problems.append(f"{check}: expected a tensor of shape {tuple(x.shape)}, got {got}")
            return None
        return out

    x = _positive_input()
    out = run("eval mode", x, P, training=False)
    if out is not None and not torch.equal(out, x):
        report.problems.append("active in eval mode: with training=False the output must equal the input exactly")

    out = run("p = 0", x, 0.0, training=True, generator=_seeded(1))
    if out is not None and not torch.equal(out, x):
        report.problems.append("p = 0 must change nothing, but the output differs from the input")

    out = run("p = 1", x, 1.0, training=True, generator=_seeded(1))
    if out is not None and not torch.equal(out, torch.zeros_like(x)):
        bad = "NaN or inf (a division by 1 - p = 0?)" if not torch.isfinite(out).all() else "non-zero values"
        report.problems.append(f"p = 1 must give all zeros (as torch does), got {bad}")

    out = run(f"p = {P}", x, P, training=True, generator=_seeded(2))
    if out is not None:
        _check_train_output(report, x, out, P)

    first = run("same seed", x, P, training=True, generator=_seeded(3))
    second = run("same seed", x, P, training=True, generator=_seeded(3))
    third = run("other seed", x, P, training=True, generator=_seeded(4))
    if first is not None and second is not None and not torch.equal(first, second):
        report.problems.append("two calls with the same seeded generator gave different masks: draw from `generator`")
    if first is not None and third is not None and torch.equal(first, third):
        report.problems.append("different generator seeds gave the same mask: draw a new mask on every call")

    leaf = _positive_input(100).requires_grad_()
    out = run("gradient", leaf, P, training=True, generator=_seeded(5))
    if out is not None and not out.requires_grad:
        report.problems.append("the output is cut off from autograd: no gradient can flow back to x")
    return report


def _check_train_output(report, x, out, p):
    report.checks += 2
    kept = out != 0
    if not kept.any():
        report.problems.append(f"with p={p} every element was dropped")
        return
    ratios = out[kept] / x[kept]
    ratio = ratios.median().item()
    if not torch.allclose(ratios, torch.full_like(ratios, 1 / (1 - p)), rtol=1e-4):
        report.problems.append(_scale_mistake(ratio, p))
    dropped = 1 - kept.float().mean().item()
    bound = Z * math.sqrt(p * (1 - p) / x.numel())
    if abs(dropped - p) > bound:
        if abs(dropped - (1 - p)) <= bound:
            report.problems.append(
                f"it dropped {dropped:.3f} of the elements, close to 1-p = {1 - p}: p is the probability "
                "to DROP an element (as in torch.nn.Dropout), not to keep it"
            )
        else:
            report.problems.append(f"it dropped {dropped:.3f} of the elements; "
                                   f"with p={p} that should be within {bound:.3f} of {p}")


def check_dropout_backward(fn) -> CheckReport:
    """Check a learner's `fn(grad_output, mask, p)`: the gradient of dropout with respect to x.

    The reference is autograd through `apply_mask`, for fixed masks and upstream gradients.
    """
    report = CheckReport("dropout gradient")
    for p, seed in [(P, 10), (0.5, 11), (0.0, 12), (1.0, 13)]:
        report.checks += 1
        x = _positive_input(1000, seed).requires_grad_()
        grad_output = torch.randn(1000, generator=_seeded(seed))
        mask = dropout_mask(x.shape, p, _seeded(seed))
        apply_mask(x, mask, p).backward(grad_output)
        try:
            got = fn(grad_output.clone(), mask.clone(), p)
        except Exception as err:  # noqa: BLE001 - a learner's bug must become a message
            report.problems.append(f"p = {p}: your function raised {type(err).__name__}: {err}")
            continue
        if not isinstance(got, torch.Tensor) or got.shape != x.shape:
            report.problems.append(f"p = {p}: expected a tensor of shape {tuple(x.shape)}")
            continue
        if torch.allclose(got, x.grad, rtol=1e-5, atol=1e-7):
            continue
        report.problems.append(f"p = {p}: {_gradient_mistake(got, grad_output, mask, p)}")
    return report


def _gradient_mistake(got, grad_output, mask, p) -> str:
    scale = 0.0 if p == 1 else 1 / (1 - p)
    if not torch.isfinite(got).all():
        return "the gradient holds NaN or inf (a division by 1 - p = 0 at p = 1?)"
    guesses = {
        "the gradient ignores the mask: dropped elements must get zero gradient": grad_output * scale,
        "the gradient passes grad_output through unchanged: multiply by mask / (1-p)": grad_output,
        "the gradient lacks the 1/(1-p) scale: multiply by mask / (1-p), not just by mask": grad_output * mask,
        "the gradient flows to the dropped elements instead of the kept ones": grad_output * (1 - mask) * scale,
        "the gradient is scaled by p instead of 1/(1-p)": grad_output * mask * p,
    }
    for message, wrong in guesses.items():
        if torch.allclose(got, wrong, rtol=1e-5, atol=1e-7):
            return message
    return "the gradient differs from grad_output * mask / (1-p)"
