"""Automatic checks for lesson 2's exercises, with hints in stages (lessonkit.core.exercises).

    check_gradient_prediction(my_gradient)        # a number: d output / d input of a kept unit at p = 0.3
    check_eval_prediction(my_eval_prediction)     # "same", "varies" or "chance"
    check_dropout(my_dropout)                     # my_dropout(x, p, training=True, generator=None)
    gradient_check(my_dropout_backward)           # prints: central differences vs autograd vs yours
    compare_gradients(my_dropout_backward)        # the same, as an object (its three gradients)
    check_dropout_backward(my_dropout_backward)   # my_dropout_backward(grad_output, mask, p)
    q4.check(my_answer)                           # "larger", "smaller" or "same" (QUESTIONS["test_time_scaling"])
    q6.check(my_answer)                           # "lower", "higher" or "same" (QUESTIONS["smaller_layer"])

Every checker takes `hint=1` (the symptom), `hint=2` (where to look) or `hint=3` (the fix).
Masks cannot be compared one by one with the reference (your code may draw its random
numbers differently), so the checks test what every correct dropout must do, on fixed
seeds, and name the usual mistakes when they see them.
"""
import inspect
import math
import numbers
from dataclasses import dataclass

import torch

import lessonkit.lessons.dropout.solutions as _solutions
from lessonkit.core.exercises import (
    CheckReport,
    Exercise,
    Mistake,
    calls_into,
    check_multiple_choice,
    choice_exercise,
    hint_stage,
    load_questions,
    not_answered,
    pure,
)
from lessonkit.core.language import Message, tr
from lessonkit.lessons.dropout.model import Dropout, apply_mask, dropout, dropout_mask, dropout_with_mask

# What q1 and q3 ask the learner to write, already in lessonkit (the notebook imports some of it) or torch,
# its ops, in-place forms and Python references included (torch.ops.aten.dropout seeded from the generator
# would pass every other check; torch._refs and torch._decomp write dropout in Python), and the course's own
# solutions (q1.solved()[0] called from a function of the learner's): a call into any of them is a shortcut,
# told as such. The solution handed in itself is told by Exercise.check.
SOLUTIONS = (_solutions.my_dropout, _solutions.my_dropout_backward)
LIBRARY = (dropout, dropout_with_mask, apply_mask, dropout_mask, Dropout.forward, torch.nn.functional.dropout,
           torch.nn.Dropout.forward, torch.dropout, torch.dropout_, torch.native_dropout, torch.ops.aten.dropout,
           torch.ops.aten.dropout_, torch.ops.aten.native_dropout, torch.ops.aten.native_dropout_backward,
           torch._refs.nn.functional.dropout, torch._decomp.decompositions.dropout,
           torch._decomp.decompositions.native_dropout, torch._decomp.decompositions.native_dropout_backward,
           *SOLUTIONS)
SOLUTION_NAMES = {f"{f.__module__}.{f.__qualname__}" for f in SOLUTIONS}

QUESTIONS = load_questions(__package__)  # the multiple-choice questions, in questions.toml

N = 20_000  # elements per statistical check
Z = 4.5  # standard errors a correct dropout may stray from p
P = 0.3  # p, 1-p, 1/p and 1/(1-p) all differ here, so each wrong scale is recognisable

GRADIENT_FIX = "a kept value is multiplied by 1/(1 - p), so d output / d input is 1/(1 - p): compute it for p = 0.3."
FORWARD_FIX = "divide the kept values by (1 - p): `x * mask / (1 - p)`."


def _positive_input(n=N, seed=0):
    # No zeros in x: a zero in the output can only be a dropped element.
    return torch.rand(n, generator=torch.Generator().manual_seed(seed)) + 0.5


def _seeded(seed):
    return torch.Generator().manual_seed(seed)


def _scale_mistake(ratio: float, mean_ratio: float, p: float) -> Mistake:
    """The mistake when kept values were multiplied by `ratio` instead of the right scale."""
    symptom = Message("with p = {p} the mean of your output is {mean:.2f} of the input's (kept values are {ratio:.3g} "
                      "times their input).", p=p, mean=mean_ratio, ratio=ratio)
    where = "the line that multiplies x by the mask: what happens to the values that are kept?"
    known = {
        1.0: Mistake("kept values not scaled", symptom, where, FORWARD_FIX),
        p: Mistake("kept values scaled by p", symptom, where,
                   "scale by the inverse of the KEEP probability: " + FORWARD_FIX),
        1 - p: Mistake("kept values multiplied by (1-p)", symptom, where, "divide, do not multiply: " + FORWARD_FIX),
        1 / p: Mistake("kept values divided by p", symptom, where,
                       "p is the DROP probability (as in torch.nn.Dropout): " + FORWARD_FIX),
    }
    for value, mistake in known.items():
        if math.isclose(ratio, value, rel_tol=1e-4):
            return mistake
    return Mistake("kept values wrongly scaled", symptom=symptom, where=where,
                   fix="the mean of the output must stay that of the input: " + FORWARD_FIX)


def _form_problem(fn, parameters: str, variable: str, **arguments) -> str:
    """Why `fn` cannot be called as the question calls it (not a function, or the wrong parameters),
    told in one line; "" when it can."""
    if not callable(fn):
        return Message("{variable} must be a function {parameters}, got {function!r} ({type}).", variable=variable,
                       parameters=parameters, function=fn, type=type(fn).__name__)
    try:
        inspect.signature(fn).bind(*arguments.pop("positional", ()), **arguments)
    except TypeError:
        return Message("{variable} must take the arguments {parameters}; yours takes {yours}.", variable=variable,
                       parameters=parameters, yours=str(inspect.signature(fn)))
    except ValueError:  # a builtin without a signature: it is called, and what it does is checked
        pass
    return ""


class _Calls:
    """Calls a learner's function on copies of its inputs and keeps what went wrong in form (it
    raised, returned None or no tensor, or a tensor of another shape or dtype) once per kind, with
    the calls it happened in: a function that fails the same way in every call is told so in one line."""

    def __init__(self, report: CheckReport, fn, input_name: str = "x"):
        self.report, self.fn, self.input_name = report, fn, input_name
        self.made: list[str] = []  # the label of every call made
        self.library: list[str] = []  # lessonkit's or torch's dropout functions the learner's code called
        self.failed: dict[str, tuple[str, list[str]]] = {}  # kind -> (message of its first call, labels)

    def __call__(self, label: str, *args, **kwargs):
        self.report.checks += 1
        self.made.append(label)
        try:
            # copies: a function that works in place must not change the input the checker compares with
            with calls_into(LIBRARY) as called:
                out = self.fn(*(a.clone() if isinstance(a, torch.Tensor) else a for a in args), **kwargs)
            self.library += [name for name in called if name not in self.library]
        except NotImplementedError:  # a function not written yet: Exercise.check says so
            raise
        except Exception as err:  # noqa: BLE001 - a learner's bug must become a message
            return self._failed(f"raised {type(err).__name__}: {err}", label, Message(
                "your function raised {kind}: {error}", kind=type(err).__name__, error=err))
        like = args[0]  # the output has the shape and dtype of the first argument
        if out is None:
            return self._failed("None", label, Message("your function returned None, not a tensor: does every path "
                                                       "end in `return`?"))
        if not isinstance(out, torch.Tensor):
            return self._failed("type", label, Message("your function returned a value of type {type}, not a tensor.",
                                                       type=type(out).__name__))
        if out.shape != like.shape:
            return self._failed("shape", label, Message("expected a tensor of shape {shape}, got shape {got}",
                                                        shape=tuple(like.shape), got=tuple(out.shape)))
        if out.dtype != like.dtype:
            if self.input_name == "x":  # one template per name: Korean's particle after it differs
                told = Message("expected a tensor of x's dtype, {dtype}, got {got}", dtype=like.dtype, got=out.dtype)
            else:
                told = Message("expected a tensor of grad_output's dtype, {dtype}, got {got}", dtype=like.dtype,
                               got=out.dtype)
            return self._failed("dtype", label, told)
        return out

    def _failed(self, kind: str, label: str, message: str):
        self.failed.setdefault(kind, (message, []))[1].append(label)
        return None

    def shortcut(self, what: Message) -> Mistake | None:
        """The mistake of a function that called lessonkit's or torch's dropout instead of doing `what`."""
        if not self.library:
            return None
        if self.library[0] in SOLUTION_NAMES:
            return Mistake(
                "the course's solution called", Message("your function calls {name}, the course's own solution to "
                                                        "this exercise: the check asks for code of your own.",
                                                        name=self.library[0]),
                "the body of your function: which line does the work?",
                Message("write it with tensor operations of your own: {what}", what=what))
        return Mistake(
            "the library's dropout called", Message("your function calls {name}, which does what this exercise asks "
                                                    "you to write yourself.", name=self.library[0]),
            "the body of your function: which line does the work?",
            Message("write it with tensor operations of your own: {what}", what=what))

    def told(self) -> None:
        """Add one problem per kind of failure to the report."""
        for message, labels in self.failed.values():
            if len(labels) == len(self.made):
                self.report.problems.append(Message("in every call: {what}", what=message))
            elif len(labels) == 1:
                self.report.problems.append(Message("{label}: {what}", label=labels[0], what=message))
            else:
                self.report.problems.append(Message("{label} and {n} more calls: {what}", label=labels[0],
                                                    n=len(labels) - 1, what=message))


DROPOUT_PARAMETERS = "(x, p, training=True, generator=None)"


@pure()
def check_dropout(fn, *, hint: int = 1) -> CheckReport:
    """Check a learner's `fn(x, p, training=True, generator=None)` against what dropout must do."""
    report = CheckReport("dropout forward pass", hint=hint_stage(hint))
    if fn is None:
        return not_answered("my_dropout", "a function fn(x, p, training=True, generator=None)")
    unusable = _form_problem(fn, DROPOUT_PARAMETERS, "my_dropout", positional=(0, 0), training=True, generator=None)
    if unusable:
        return CheckReport("dropout forward pass", checks=1, problems=[unusable])
    run = _Calls(report, fn)

    x = _positive_input()
    _edge_case(report, run(Message("eval mode"), x, P, training=False), x, wrong=Mistake(
        "active in eval mode", symptom="with training=False your output differs from the input.",
        where="what your function does with its `training` argument.",
        fix="when training is False, return x unchanged: in eval mode every unit takes part, unscaled."))
    _edge_case(report, run("p = 0", x, 0.0, training=True, generator=_seeded(1)), x, non_finite=Mistake(
        "p = 0 gives NaN or inf", symptom="with p = 0 your output holds NaN or inf.",
        where="a division that is by zero at p = 0: what do you divide the kept values by?",
        fix="p is the DROP probability: divide the kept values by the KEEP probability, (1 - p)."), wrong=Mistake(
        "p = 0 changes the input", symptom="with p = 0 your output differs from the input.",
        where="the comparison that draws the mask, and the scale, at p = 0.",
        fix="with p = 0 nothing may be dropped: keep an element when rand >= p (or return x when p == 0)."))
    all_dropped = "handle p = 1 before dividing: every element is dropped, return `x * 0.0` (as torch does)."
    _edge_case(report, run("p = 1", x, 1.0, training=True, generator=_seeded(1)), torch.zeros_like(x),
               non_finite=Mistake("p = 1 not all zeros", symptom=Message("with p = 1 your output holds NaN or inf."),
                                  where="the division by (1 - p), which is 0 at p = 1.", fix=all_dropped),
               wrong=Mistake("p = 1 not all zeros", symptom=Message("with p = 1 your output holds non-zero values."),
                             where="the mask at p = 1.", fix=all_dropped))

    out = run(f"p = {P}", x, P, training=True, generator=_seeded(2))
    report.checks += 2  # the scale and the drop rate, counted whether or not they could run
    if out is not None:
        _check_train_output(report, x, out, P)

    first = run(Message("same seed"), x, P, training=True, generator=_seeded(3))
    second = run(Message("same seed"), x, P, training=True, generator=_seeded(3))
    third = run(Message("other seed"), x, P, training=True, generator=_seeded(4))
    where_drawn = "the call that draws the random numbers of the mask."
    if first is not None and second is not None and not torch.equal(first, second):
        report.problems.append(Mistake(
            "generator ignored", symptom="two calls with the same seeded generator gave different masks.",
            where=where_drawn, fix="draw from the argument: `torch.rand(x.shape, generator=generator)`."))
    if first is not None and third is not None and torch.equal(first, third):
        report.problems.append(Mistake(
            "the same mask every call", symptom="generators with different seeds gave the same mask.",
            where=where_drawn, fix="draw a new mask on every call, from `generator`; do not store or re-seed one."))

    leaf = _positive_input(100).requires_grad_()
    out = run(Message("gradient"), leaf, P, training=True, generator=_seeded(5))
    cut_off = Mistake(
        "cut off from autograd", symptom="no gradient can flow from your output back to x.",
        where="a .detach(), torch.no_grad(), .item() or numpy conversion on the way from x to the output.",
        fix="compute the output from x with tensor operations only: `x * mask / (1 - p)`.")
    if out is not None and not out.requires_grad:
        report.problems.append(cut_off)
    elif out is not None:
        (grad,) = torch.autograd.grad(out.sum(), leaf, allow_unused=True)
        # each output is its input times a factor (0 or the scale): that factor must be the gradient too,
        # or x reached the output some other way (a detached copy plus 0 * x, say)
        if grad is None or not torch.allclose(grad, (out / leaf).detach(), rtol=1e-4):
            report.problems.append(cut_off)

    _check_batch(report, fn, run)
    shortcut = run.shortcut(Message("draw the mask with `torch.rand(x.shape, generator=generator) >= p`, then "
                                    "`x * mask / (1 - p)`."))
    if shortcut:  # whatever else it got right, it was not the learner's dropout
        return CheckReport("dropout forward pass", checks=report.checks, hint=hint, problems=[shortcut])
    run.told()
    return report


def _edge_case(report, out, expected, *, wrong: Mistake, non_finite: Mistake | None = None):
    """Note `non_finite` when `out` holds NaN or inf (and that mistake is told apart), else `wrong` when
    `out` is not exactly `expected`; nothing when the call could not run (`out` is None)."""
    if out is None:
        return
    if non_finite is not None and not torch.isfinite(out).all():
        report.problems.append(non_finite)
    elif not torch.equal(out, expected):
        report.problems.append(wrong)


def _check_batch(report, fn, run):
    """What the checks on one long row cannot see: a batch (rows must get their own masks), negative
    values, the input left as it was, and a call as a layer makes it: fn(x, p, training), no generator."""
    batch = torch.randn(64, 50, generator=_seeded(6))
    out = run(Message("a batch of 64 rows"), batch, P, training=True, generator=_seeded(7))
    if out is not None:
        dropped = out == 0
        if all(torch.equal(dropped[0], row) for row in dropped[1:]):
            report.problems.append(Mistake(
                "one mask for the whole batch", symptom="every row of a (64, 50) batch got the same mask.",
                where="the shape of the random numbers you draw for the mask.",
                fix="draw one random number per element: `torch.rand(x.shape, generator=generator)`."))
        negative = batch < 0
        # negative inputs dropped more (or less) often than the others: the mask depends on the value
        n_negative, n_other = negative.sum().item(), (~negative).sum().item()
        bound = Z * math.sqrt(P * (1 - P) * (1 / n_negative + 1 / n_other))
        difference = dropped[negative].float().mean().item() - dropped[~negative].float().mean().item()
        if abs(difference) > bound:
            more = difference > 0
            report.problems.append(Mistake(
                "negative values dropped" if more else "negative values kept",
                symptom=(Message("your function dropped negative inputs far more often than the others.") if more
                         else Message("your function dropped negative inputs far less often than the others.")),
                where="the condition that decides what is kept: it must depend on the random numbers only.",
                fix="keep an element when `torch.rand(...) >= p`, whatever its value."))
    # the dtype it was given back, float64 too (a `.float()` or a `torch.zeros(x.shape)` would turn it to float32)
    for p in (P, 1.0):
        run(Message("a float64 batch, p = {p}", p=p), batch.double(), p, training=True, generator=_seeded(8))
    given = batch.clone()
    report.checks += 1
    try:
        fn(given, P, training=True, generator=_seeded(8))
    except Exception:  # noqa: BLE001 - reported by the batch check above
        pass
    if not torch.equal(given, batch):
        report.problems.append(Mistake(
            "input changed in place", symptom="your function changed the tensor it was given.",
            where="an in-place operation on x (mul_, div_, *=, masked_fill_, x[...] = 0).",
            fix="compute a new tensor from x: `x * mask / (1 - p)`."))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(9)
        run(Message("called as a layer calls it, fn(x, p, True), in the order (x, p, training, generator)"), batch, P,
            True)


def _check_train_output(report, x, out, p):
    kept = out != 0
    if not kept.any():
        report.problems.append(Mistake(
            "everything dropped", symptom=Message("with p = {p} every element was dropped.", p=p),
            where="the comparison that draws the mask.", fix="keep an element when `torch.rand(...) >= p`."))
        return
    ratios = out[kept] / x[kept]
    if not torch.allclose(ratios, torch.full_like(ratios, 1 / (1 - p)), rtol=1e-4):
        report.problems.append(_scale_mistake(ratios.median().item(), (out.mean() / x.mean()).item(), p))
    dropped = 1 - kept.float().mean().item()
    bound = Z * math.sqrt(p * (1 - p) / x.numel())
    if abs(dropped - p) <= bound:
        return
    where = "the comparison that turns random numbers into the mask."
    if abs(dropped - (1 - p)) <= bound:
        report.problems.append(Mistake(
            "p read as the keep probability", symptom=Message("with p = {p} your function dropped {dropped:.3f} of "
                                                              "the elements.", p=p, dropped=dropped), where=where,
            fix="p is the probability to DROP an element (as in torch.nn.Dropout): keep it when rand >= p."))
    else:
        report.problems.append(Mistake(
            "wrong drop rate", symptom=Message("with p = {p} your function dropped {dropped:.3f} of the elements, "
                                               "further from p than chance allows.", p=p, dropped=dropped),
            where=where,
            fix="each element must be dropped with probability p: keep it when `torch.rand(...) >= p`."))


@pure()
def check_dropout_backward(fn, *, hint: int = 1) -> CheckReport:
    """Check a learner's `fn(grad_output, mask, p)`: the gradient of dropout with respect to x.

    The reference is autograd through `apply_mask`, for fixed masks and upstream gradients."""
    report = CheckReport("dropout gradient", hint=hint_stage(hint))
    if fn is None:
        return not_answered("my_dropout_backward", "a function fn(grad_output, mask, p)")
    unusable = _form_problem(fn, "(grad_output, mask, p)", "my_dropout_backward", positional=(0, 0, 0))
    if unusable:
        return CheckReport("dropout gradient", checks=1, problems=[unusable])
    run = _Calls(report, fn, input_name="grad_output")
    found: dict[str, list] = {}  # mistake name -> [the p values where seen, the mistake]
    unnamed: list[float] = []  # the p values where the gradient is wrong in a way two mistakes share
    for p, seed in [(P, 10), (0.5, 11), (0.0, 12), (1.0, 13)]:
        x = _positive_input(1000, seed).requires_grad_()
        grad_output = torch.randn(1000, generator=_seeded(seed))
        mask = dropout_mask(x.shape, p, _seeded(seed))
        apply_mask(x, mask, p).backward(grad_output)
        got = run(f"p = {p}", grad_output, mask, p)
        if got is None or torch.allclose(got, x.grad, rtol=1e-5, atol=1e-7):
            continue
        mistake = _gradient_mistake(got, grad_output, mask, p)
        if mistake is None:
            unnamed.append(p)
        else:
            found.setdefault(mistake.name, [[], mistake])[0].append(p)
    if unnamed and not found:
        found["wrong gradient"] = [unnamed, Mistake(
            "wrong gradient", "your gradient differs from autograd's.", BACKWARD_WHERE +
            " Run gradient_check(your_function) to compare element by element.", BACKWARD_FIX)]
    _check_inputs_kept(report, fn)
    shortcut = run.shortcut(Message("`grad_output * mask / (1 - p)`, with p = 1 handled first."))
    if shortcut:
        return CheckReport("dropout gradient", checks=report.checks, hint=hint, problems=[shortcut])
    run.told()
    for ps, mistake in found.values():
        at = Message("p = {p}", p=ps[0])
        for p in ps[1:]:
            at = Message("{ps} and p = {p}", ps=at, p=p)
        symptom = Message("at {ps}: {symptom}", ps=at, symptom=Message(mistake.symptom))
        report.problems.append(Mistake(mistake.name, symptom, mistake.where, mistake.fix))
    return report


def _check_inputs_kept(report, fn):
    """The in-place check of q1, for q3: `fn` is given copies, compared with the originals after the call."""
    grad_output = torch.randn(1000, generator=_seeded(14))
    mask = dropout_mask(grad_output.shape, P, _seeded(15))
    given_grad, given_mask = grad_output.clone(), mask.clone()
    report.checks += 1
    try:
        fn(given_grad, given_mask, P)
    except Exception:  # noqa: BLE001 - told by the calls above
        pass
    changed = [Message("your function changed the grad_output it was given.")] if not torch.equal(
        given_grad, grad_output) else []
    changed += [Message("your function changed the mask it was given.")] if not torch.equal(given_mask, mask) else []
    if changed:
        report.problems.append(Mistake(
            "input changed in place", changed[0] if len(changed) == 1 else Message(
                "your function changed the grad_output and the mask it was given."),
            "an in-place operation on grad_output or mask (mul_, div_, *=, masked_fill_, [...] = 0).",
            "compute a new tensor: `grad_output * mask / (1 - p)`."))


BACKWARD_WHERE = ("section 1's forward pass: out = x * mask / (1 - p). Each output element depends on its own "
                  "input only, so d out / d x is elementwise: what is it for a dropped element, and for a kept one?")
BACKWARD_FIX = "multiply grad_output by what the forward pass multiplied x by: `grad_output * mask / (1 - p)`."


def _gradient_mistake(got, grad_output, mask, p) -> Mistake | None:
    scale = 0.0 if p == 1 else 1 / (1 - p)
    if not torch.isfinite(got).all():
        return Mistake("division by zero", "your gradient holds NaN or inf.",
                       "the division by (1 - p), which is 0 at p = 1.",
                       "handle p = 1 first: every element was dropped, so return `grad_output * 0.0`.")
    guesses = [  # (the mistake, the gradient it gives)
        (Mistake("mask ignored", "dropped elements get a non-zero gradient.", BACKWARD_WHERE, BACKWARD_FIX),
         grad_output * scale),
        (Mistake("gradient passed through", "your gradient equals grad_output, dropped elements included.",
                 BACKWARD_WHERE, BACKWARD_FIX), grad_output),
        (Mistake("kept gradient not scaled", "kept elements get grad_output as it is, dropped ones zero.",
                 BACKWARD_WHERE, BACKWARD_FIX), grad_output * mask),
        (Mistake("gradient to the dropped elements", "the dropped elements get a gradient and the kept ones none.",
                 BACKWARD_WHERE, BACKWARD_FIX), grad_output * (1 - mask) * scale),
        (Mistake("kept gradient scaled by p", "kept elements get grad_output times p.", BACKWARD_WHERE, BACKWARD_FIX),
         grad_output * mask * p),
        (Mistake("kept gradient multiplied by (1-p)", "kept elements get grad_output times (1 - p), the keep "
                 "probability.", BACKWARD_WHERE, "divide, do not multiply: " + BACKWARD_FIX),
         grad_output * mask * (1 - p)),
    ]
    matching = [mistake for mistake, wrong in guesses if torch.allclose(got, wrong, rtol=1e-5, atol=1e-7)]
    if len(matching) == 1:
        return matching[0]
    if matching:  # at this p two mistakes give the same numbers (at p = 0 every element is kept): name neither
        return None
    worst = (got - grad_output * mask * scale).abs().max().item()
    return Mistake("wrong gradient", Message("your gradient differs from autograd's by up to {worst:.3g}.",
                                             worst=worst),
                   BACKWARD_WHERE + " Run gradient_check(your_function) to compare element by element.",
                   BACKWARD_FIX)


def numerical_gradient(f, x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """The gradient of the scalar function `f` at `x` by central differences, one element at a
    time: (f(x + eps) - f(x - eps)) / (2 eps). Use float64: in float32 eps drowns in rounding."""
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        step = torch.zeros_like(x).view(-1)
        step[i] = eps
        step = step.view_as(x)
        grad.view(-1)[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    """The largest elementwise |a - b| / (|a| + |b|), as CS231n's gradient checks print it
    (near 1e-8 or below: the two agree; near 1: they do not)."""
    return ((a - b).abs() / (a.abs() + b.abs()).clamp(min=1e-8)).max().item()


@dataclass
class GradientCheck:
    """The three gradients of one dropout call, on the same mask, and how far apart they are."""

    p: float
    mask: torch.Tensor
    numerical: torch.Tensor
    autograd: torch.Tensor
    yours: torch.Tensor | None
    problem: str = ""  # why there is no `yours` to compare, in one line ("" when it is not written yet)

    def __str__(self):
        autograd = relative_error(self.autograd, self.numerical)
        lines = [tr("gradient check at p = {p}, one fixed mask {mask}:", p=self.p, mask=self.mask.int().tolist()),
                 tr("  autograd vs central differences: relative error {error:.1e}", error=autograd)]
        if self.problem:
            lines.append(tr("  yours: {problem}", problem=self.problem))
        elif self.yours is None:
            lines.append(tr("  yours: not written yet (write my_dropout_backward, then run this cell again)"))
        else:
            lines.append(tr("  yours vs central differences:    relative error {error:.1e}",
                            error=relative_error(self.yours, self.numerical)))
        return "\n".join(lines)

    __repr__ = __str__


def compare_gradients(backward, p: float = P, n: int = 8, seed: int = 2) -> GradientCheck:
    """The three gradients of `backward(grad_output, mask, p)`, autograd and central differences, as
    CS231n's dropout assignment compares them: the loss is sum(dropout(x) * grad_output) with ONE fixed
    mask (a new mask per call would make f random, and its differences meaningless), so its gradient
    with respect to x is exactly what `backward` must return. Autograd is checked the same way."""
    generator = _seeded(seed)
    x = (torch.rand(n, generator=generator, dtype=torch.float64) + 0.5).requires_grad_()
    grad_output = torch.randn(n, generator=generator, dtype=torch.float64)
    mask = dropout_mask(x.shape, p, generator, dtype=torch.float64)

    def loss(z):
        return (apply_mask(z, mask, p) * grad_output).sum()

    loss(x).backward()
    with torch.no_grad():
        numerical = numerical_gradient(loss, x.detach())
    yours, problem = None, ""
    if backward is not None:
        with pure():  # the learner's function may draw: the lesson's random state stays
            yours, problem = _gradient_of(backward, grad_output, mask, p)
    return GradientCheck(p, mask, numerical, x.grad, yours, problem)


def _gradient_of(backward, grad_output, mask, p) -> tuple[torch.Tensor | None, str]:
    """`backward`'s gradient in float64, or None and why it cannot be compared, in one line, as q3.check
    says it ("" for a function not written yet)."""
    try:
        out = backward(grad_output.clone(), mask.clone(), p)
    except NotImplementedError:  # not written yet: said as for no function
        return None, ""
    except Exception as err:  # noqa: BLE001 - a learner's bug must become a message
        return None, Message("your function raised {kind}: {error}", kind=type(err).__name__, error=err)
    if out is None:
        return None, Message("your function returned None, not a tensor: does every path end in `return`?")
    if not isinstance(out, torch.Tensor):  # a numpy array, a list or a number: q3.check says the same
        return None, Message("your function returned a value of type {type}, not a tensor.", type=type(out).__name__)
    yours = out.detach().to(torch.float64)
    if yours.shape != grad_output.shape:
        return None, Message("expected a tensor of shape {shape}, got shape {got}", shape=tuple(grad_output.shape),
                             got=tuple(yours.shape))
    return yours, ""


def gradient_check(backward, p: float = P, n: int = 8, seed: int = 2) -> None:
    """Print how far `backward(grad_output, mask, p)` and autograd are from central differences, on
    one fixed mask (see `compare_gradients`): wherever the call stands in a cell, it prints."""
    print(compare_gradients(backward, p, n, seed))


def check_gradient_prediction(answer, *, hint: int = 1) -> CheckReport:
    """Your prediction: with p = 0.3, by how much does the output of a KEPT unit change per unit
    change of its input (d output / d input, a number)?"""
    hint = hint_stage(hint)
    if answer is None:
        return not_answered("my_gradient", "a number")
    report = CheckReport("my_gradient", checks=1, hint=hint)
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        answer = answer.item()  # a number computed with torch
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or not math.isfinite(answer):
        report.problems.append(Message("{variable} must be {what}, got {answer!r} ({type}).", variable="my_gradient",
                                       what=Message("a number"), answer=answer, type=type(answer).__name__))
        return report
    where = "the forward pass of section 1: what does it do to a kept value? The gradient does the same."
    fix = GRADIENT_FIX
    right = 1 / (1 - P)
    if abs(answer - right) <= 0.005:  # right to two decimals at least (1.43, 1.429, 1 / 0.7)
        report.praise = ("Right: a kept unit's output is its input times 1/(1-p), so its gradient is that "
                         "factor. A dropped unit's gradient is 0. The comparison with PyTorch's gradient, after q3, "
                         "shows both.")
        return report
    known = {
        1.0: Mistake("kept gradient not scaled", "1 would be right without the scaling of the kept values.", where,
                     fix),
        1 - P: Mistake("multiplied by (1-p)", "(1-p) is the keep probability, not what the kept value is multiplied "
                       "by.", where, fix),
        P: Mistake("scaled by p", "p is the drop probability, not what the kept value is multiplied by.", where, fix),
        0.0: Mistake("a dropped unit's gradient", "0 is the gradient of a DROPPED unit; the question asks for a kept "
                     "one.", where, fix),
        1 / P: Mistake("divided by p", "dividing by p mixes up the drop and the keep probability.", where, fix),
    }
    for value, mistake in known.items():
        if abs(answer - value) < 0.01:
            report.problems.append(mistake)
            return report
    if abs(answer - round(right, 1)) < 1e-9:
        report.problems.append(Mistake("rounded too far", Message(
            "{answer:g} is the factor rounded to one decimal: give at least two decimals, or write the number as an "
            "expression in p.", answer=answer), where, fix))
        return report
    if abs(answer - right) < 0.05:
        report.problems.append(Mistake("near, but not the factor", Message(
            "{answer:g} is close, but not right to two decimals: compute it from p (an expression in p is fine) "
            "rather than estimating it.", answer=answer), where, fix))
        return report
    report.problems.append(Mistake("another number", Message(
        "{answer:g} is not what the forward pass multiplies a kept value by.", answer=answer), where, fix))
    return report


def check_eval_prediction(answer, *, hint: int = 1) -> CheckReport:
    """Your prediction: tested ten times in train mode (model.eval() forgotten), is the test
    accuracy the "same" as in eval mode every time, does it "vary" from call to call (and is
    usually a little lower), or does it fall to "chance" (about 50%)?"""
    where = "section 4's first paragraph: what model.train() and model.eval() switch in nn.Dropout."
    return check_multiple_choice(
        "my_eval_prediction", answer, right="varies", hint=hint,
        praise="In train mode every call draws new masks, so every call asks a different thinned network: "
               "the accuracy changes from call to call, usually a little below eval mode's.",
        wrong={
            "same": Mistake("dropout assumed off at test time", "nn.Dropout does not know you are testing: it "
                            "acts as long as the model is in train mode.", where,
                            "in train mode each call draws new masks, so each call uses a different thinned "
                            "network; ask what that does to ten accuracies."),
            "chance": Mistake("a thinned network taken for an untrained one", "a thinned network is still a "
                              "trained network: training made the kept units do well without the dropped ones.",
                              where + " And remember what a thinned network is made of: the same trained weights, "
                              "some units off.",
                              "each call is a trained thinned network, with its own small errors: ask how much "
                              "its accuracy can differ from eval mode's."),
        })


# The lesson's questions, Kaggle Learn's way (q.check(...), q.hint(n), q.solution()), in the
# order the notebook asks them. Their solutions are printed from lessonkit, never stored in it.
q1 = Exercise(
    "q1", "the forward pass", check_dropout,
    where="section 1's two steps, and the cases the check tries: training=False, p = 0, p = 1, a seeded "
          "generator, and whether the mean of the output stays that of the input.",
    fix="eval mode or p = 0: return x; p = 1: return x * 0.0; otherwise draw `torch.rand(x.shape, "
        "generator=generator) >= p` as the mask and " + FORWARD_FIX,
    solution_text=_solutions.my_dropout, solved=lambda: (_solutions.my_dropout,),
    explanation="The mask keeps each element with probability 1 - p; dividing the kept values by 1 - p keeps the "
                "expected output equal to x. p = 1 is handled before the division, as torch does.")
q2 = Exercise(
    "q2", "the gradient of a kept unit", check_gradient_prediction,
    where="the forward pass you wrote in q1: what does it do to a kept value? The gradient does the same.",
    fix=GRADIENT_FIX,
    solution_text="my_gradient = 1 / (1 - 0.3)", solved=lambda: (1 / (1 - P),),
    explanation="A kept unit's output is its input times 1/(1 - p), so its gradient is that factor; a dropped "
                "unit's gradient is 0.")
q3 = Exercise(
    "q3", "the backward pass", check_dropout_backward, where=BACKWARD_WHERE, fix=BACKWARD_FIX,
    solution_text=_solutions.my_dropout_backward, solved=lambda: (_solutions.my_dropout_backward,),
    explanation="Each output element is its own input times mask / (1 - p), so the gradient passes back "
                "through the same mask and scale: dropped elements get none.")
q4 = choice_exercise("q4", "why the 1/(1-p)?", QUESTIONS["test_time_scaling"])
q5 = Exercise(
    "q5", "testing in train mode", check_eval_prediction,
    where="what model.train() and model.eval() switch in nn.Dropout, and what a new mask does to a prediction.",
    fix="in train mode each call draws new masks, so each call uses a different thinned network of the same "
        "trained weights; ask what that does to ten accuracies.",
    solution_text='my_eval_prediction = "varies"', solved=lambda: ("varies",),
    explanation="In train mode every call draws new masks, so every call asks a different thinned network: the "
                "accuracy changes from call to call, usually a little below eval mode's.")
q6 = choice_exercise("q6", "p and the size of a layer", QUESTIONS["smaller_layer"])
