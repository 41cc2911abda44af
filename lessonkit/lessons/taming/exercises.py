"""The automatic checks for lesson 3's exercises, with hints in stages (lessonkit.core.exercises).

    q1.check(my_train_prediction)   # "higher", "lower" or "same": train MSE with dropout
    q2.check(my_band_prediction)    # "inside", "outside" or "even": where MC dropout spreads most
    check_mc_dropout(my_mc_dropout)               # my_mc_dropout(model, x, passes) -> (mean, std)

Each takes `hint=1` (the symptom), `hint=2` (where to look) or `hint=3` (the fix).

Your masks cannot match the reference mask for mask, so the check compares statistics on
fixed seeds: the mean and spread of many passes must agree with lessonkit's
`mc_dropout_predict` within what chance allows, and the usual mistakes are named.
"""
import functools

import torch

import lessonkit.lessons.taming.solutions as _solutions
from lessonkit.core.exercises import (
    CheckReport,
    Exercise,
    Mistake,
    calls_into,
    choice_exercise,
    hint_stage,
    load_questions,
    not_answered,
    pure,
)
from lessonkit.core.language import Message
from lessonkit.core.montecarlo import mc_dropout_samples
from lessonkit.lessons.taming.model import column, make_regression_mlp, mc_dropout_predict

QUESTIONS = load_questions(__package__)  # the multiple-choice questions, in questions.toml

PASSES = 400  # passes your function is asked for
REFERENCE_PASSES = 4000
Z = 6.0  # standard errors a correct mean may stray from the reference's


def _model(p: float, seed: int = 0):
    torch.manual_seed(seed)  # only the network's weights; the check runs in a forked RNG
    model = make_regression_mlp(p, hidden=64).eval()
    with torch.no_grad():  # output weights all positive: what dropout does to each ReLU adds up instead of
        model[-1].weight.abs_()  # cancelling, so the passes' mean stands clear of the eval-mode curve
    return model


@functools.cache
def _reference(x: tuple) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean, std) of REFERENCE_PASSES passes of a fresh `_model(0.3)` at the inputs `x`: the same on every
    check, so computed once (4,000 passes were most of a check's time)."""
    with torch.random.fork_rng(devices=[]):
        return mc_dropout_predict(_model(0.3), torch.tensor(x), passes=REFERENCE_PASSES, seed=1)


PASSES_FIX = ("make the passes yourself: call `model(...)` `passes` times with dropout on (model.train()), stack "
              "the results and take their mean and std over the passes.")
MODE_WHERE = "the lines before and after your passes: which mode is the model in while they run?"


def _modes(model) -> set[bool]:
    """The `training` flags of the model and of its dropout layers (setting `model.training` alone changes
    no layer): {True} in train mode, {False} in eval mode, both when the two disagree."""
    return {model.training} | {m.training for m in model.modules() if isinstance(m, torch.nn.Dropout)}


# What the exercise asks the learner to write, already in lessonkit, and the course's own solution
# (q3.solved()[0] called from a function of the learner's): a call into any is a shortcut. A decorated
# function is known by the function it wraps (calls_into), so a learner's own @torch.no_grad() function is not
# mc_dropout_samples, and mc_dropout_samples.__wrapped__ is.
SOLUTION = _solutions.my_mc_dropout
LIBRARY = (mc_dropout_predict, mc_dropout_samples, SOLUTION)


def _wrong_form(result, x) -> str:
    """What is wrong with `result` as (mean, std) at the inputs `x`, or "" when nothing is."""
    if isinstance(result, tuple) and len(result) == 2 and all(
            isinstance(t, torch.Tensor) and t.shape == x.shape for t in result):
        return ""
    got = (", ".join(str(tuple(t.shape)) if isinstance(t, torch.Tensor) else type(t).__name__ for t in result)
           if isinstance(result, tuple) else type(result).__name__)
    return Message("return (mean, std): two tensors of shape {shape}, one value per input; got {got}",
                   shape=tuple(x.shape), got=got)


@pure()
def check_mc_dropout(fn, *, hint: int = 1) -> CheckReport:
    """Check `fn(model, x, passes)`: it must return (mean, std) of `passes` predictions at
    the 1-D inputs `x`, made with dropout ON, and leave the model in the mode it found (it
    is handed one model in eval mode and one in train mode)."""
    report = CheckReport("MC dropout", hint=hint_stage(hint))
    if fn is None:
        return not_answered("my_mc_dropout", "a function fn(model, x, passes) -> (mean, std)")
    x = torch.linspace(-1.5, 1.5, 41)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = _model(0.3)
        rows = []  # the rows of every forward pass the function makes
        counting = model.register_forward_pre_hook(lambda _module, args: rows.append(len(args[0])))
        dropout_flags = set()  # the Dropout layers' `training` flags while the passes ran: off is off there
        flagging = [m.register_forward_pre_hook(lambda module, _args: dropout_flags.add(module.training))
                    for m in model.modules() if isinstance(m, torch.nn.Dropout)]
        report.checks += 2  # the function's form, and that it makes its own passes
        try:
            with calls_into(LIBRARY) as called:
                result = fn(model, x.clone(), PASSES)  # a copy: x is the checker's, for the reference
        except NotImplementedError:  # a function not written yet: Exercise.check says so
            raise
        except Exception as err:  # noqa: BLE001 - the learner's code may fail in any way
            report.problems.append(Message("your function raised {kind}: {error}", kind=type(err).__name__,
                                           error=err))
            return report
        wrong_form = _wrong_form(result, x)
        if wrong_form:
            report.problems.append(wrong_form)
            return report
        counting.remove()
        for hook in flagging:
            hook.remove()
        if called and called[0] == f"{SOLUTION.__module__}.{SOLUTION.__qualname__}":
            report.problems.append(Mistake(
                "the course's solution called", Message("your function calls {name}, the course's own solution to "
                                                        "this exercise: the check asks for code of your own.",
                                                        name=called[0]),
                "the body of your function: which function makes the passes?", PASSES_FIX))
            return report
        if called:
            report.problems.append(Mistake(
                "the library's MC dropout called", Message("your function calls {name}, which does what this exercise "
                                                           "asks you to write yourself.", name=called[0]),
                "the body of your function: which function makes "
                "the passes?", PASSES_FIX))
            return report
        mean, std = (t.detach().to(x.dtype) for t in result)  # a float64 answer is compared as float32
        if sum(rows) < PASSES * len(x):
            made = round(sum(rows) / len(x))
            report.problems.append(Mistake(
                "fewer passes than asked",
                Message("your function made 1 pass; it was asked for {asked}.", asked=PASSES) if made == 1 else
                Message("your function made {made} passes; it was asked for {asked}.", made=made, asked=PASSES),
                "the loop over the passes: does it use the `passes` argument?",
                "make exactly `passes` forward passes: `for _ in range(passes)`."))

        report.checks += 1
        if True in _modes(model):  # handed over in eval mode
            report.problems.append(Mistake(
                "mode not restored", "the model was handed to you in eval mode and came back in train mode.",
                MODE_WHERE, "remember `was_training = model.training` first, and end with "
                "`model.train(was_training)`."))
        model.eval()
        with torch.no_grad():
            eval_mode = model(column(x)).squeeze(1)
        ref_mean, ref_std = _reference(tuple(x.tolist()))
        tolerance = Z * ref_std / PASSES**0.5 + 1e-4

        report.checks += 1
        if torch.all((std - ref_mean).abs() <= tolerance) and not torch.all((mean - ref_mean).abs() <= tolerance):
            report.problems.append(Mistake(
                "mean and std swapped", "what your function returns second agrees with a 4,000-pass mean; what "
                "it returns first does not.", "the order of the two values in your return line.",
                "return the mean first and the std second: `return mean, std`."))
            return report
        if torch.all(std == 0) and True not in dropout_flags:  # every Dropout layer in eval mode while it ran
            report.problems.append(Mistake(
                "dropout off during the passes", "the std of your passes is zero everywhere: every pass "
                "gave the same curve, and the model's Dropout layers were in eval mode while the passes ran.",
                MODE_WHERE, "call `model.train()` before the passes: in eval mode nn.Dropout does nothing."))
            return report
        if torch.all(std == 0):  # dropout on, yet no two passes differ: the same masks, or one pass reused
            if "fewer passes than asked" not in report.mistakes:  # one pass stacked: told as fewer passes
                report.problems.append(Mistake(
                    "every pass the same", "dropout was on during your passes, yet every pass gave the same curve: "
                    "the std of your passes is zero everywhere.",
                    "the loop over the passes: is torch's random state seeded inside it, or one pass's output "
                    "used for every pass?",
                    "make a new forward pass for each pass and seed nothing inside the loop: each pass must draw "
                    "new masks."))
            return report
        report.checks += 1
        if torch.all((mean / PASSES - ref_mean).abs() <= tolerance) and not torch.all(
                (mean - ref_mean).abs() <= tolerance):
            report.problems.append(Mistake(
                "sum instead of mean", Message("your mean is {passes} times a 4,000-pass average: the passes were "
                                               "added up, not averaged.", passes=PASSES),
                "the line that computes the mean.", "average the passes: `samples.mean(0)`."))
        elif torch.allclose(mean, eval_mode) and not torch.allclose(ref_mean, eval_mode, atol=tolerance.max().item()):
            report.problems.append(Mistake(
                "eval-mode curve as the mean", "your mean equals the eval-mode prediction exactly.",
                "the line that computes the mean: what is it the mean of?",
                "average the dropout passes: `samples.mean(0)`."))
        elif not torch.all((mean - ref_mean).abs() <= tolerance):
            worst = (mean - ref_mean).abs().max().item()
            report.problems.append(Mistake(
                "mean not the passes' average", Message("your mean is off by up to {worst:.3g} from a 4,000-pass "
                                                        "average.", worst=worst),
                "the dimension you average over, and the number of passes you make.",
                "stack the passes into one tensor of shape (passes, len(x)) and take `.mean(0)`."))
        report.checks += 1
        ratio = (std.mean() / ref_std.mean()).item()
        spread_where = "the line that computes the spread of the stacked passes."
        if 0.8 < ratio < 1.25:
            pass
        elif bool((std >= 0).all()) and 0.8 < (std.sqrt().mean() / ref_std.mean()).item() < 1.25:
            report.problems.append(Mistake(
                "variance instead of std", "your spread, square-rooted, agrees with a 4,000-pass std: you returned "
                "the variance of the passes.", spread_where, "take the standard deviation: `.std(0)`, not `.var(0)`."))
        elif 0.8 < ratio * PASSES**0.5 < 1.25:
            report.problems.append(Mistake(
                "std divided by the square root of the passes", Message(
                    "your spread is the passes' std divided by √{passes}: the standard error of their mean, not their "
                    "spread.", passes=PASSES), spread_where,
                "return the std of the passes themselves: `.std(0)`, not divided by anything."))
        else:
            report.problems.append(Mistake(
                "spread not the passes' std", Message("your spread is {ratio:.2f} times that of a 4,000-pass "
                                                      "reference.", ratio=ratio),
                spread_where + " What is it taken of, over which dimension, and what is done to it after?",
                "take the std of the stacked passes over dim 0: `.std(0)`."))

        report.checks += 2
        no_dropout = _model(0.0).train()  # handed over in train mode: it must come back so
        try:
            result0 = fn(no_dropout, x.clone(), PASSES)
        except NotImplementedError:  # a function not written yet: Exercise.check says so
            raise
        except Exception as err:  # noqa: BLE001
            report.problems.append(Message("with a p=0 network your function raised {kind}: {error}",
                                           kind=type(err).__name__, error=err))
            return report
        wrong_form = _wrong_form(result0, x)
        if wrong_form:
            report.problems.append(Message("with a p=0 network: {what}", what=wrong_form))
            return report
        std0 = result0[1].detach()
        if False in _modes(no_dropout) and "mode not restored" not in report.mistakes:
            report.problems.append(Mistake(
                "mode not restored", "a model handed to you in train mode came back in eval mode.",
                MODE_WHERE, "remember `was_training = model.training` first, and end with "
                "`model.train(was_training)`, not with a fixed mode."))
        if not torch.allclose(std0, torch.zeros_like(std0), atol=1e-5):
            report.problems.append(Mistake(
                "spread without dropout", "a network without dropout (p = 0) gets a non-zero std from you.",
                "where your spread comes from: only dropout may make passes differ.",
                "make every pass a plain forward pass of the model; add no noise of your own."))
    return report


# The lesson's questions, Kaggle Learn's way: q.check(...), q.hint(n), q.solution().
q1 = choice_exercise("q1", "training error with dropout", QUESTIONS["train_prediction"])
q2 = choice_exercise("q2", "where the passes disagree", QUESTIONS["band_prediction"])
q3 = Exercise(
    "q3", "Monte Carlo dropout", check_mc_dropout,
    where="which mode the model is in during the passes, what you average over, and which mode you leave it in.",
    fix="remember `model.training`, switch dropout on with `model.train()`, stack `passes` forward passes "
        "into a (passes, len(x)) tensor under torch.no_grad(), return its `.mean(0)` and `.std(0)`, and "
        "restore the mode with `model.train(was_training)`.",
    solution_text=_solutions.my_mc_dropout, solved=lambda: (_solutions.my_mc_dropout,),
    explanation="Each pass in train mode draws new masks, so each is a different thinned network; their mean is "
                "the MC prediction and their spread shows where the thinned networks disagree.")
