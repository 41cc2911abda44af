"""The answers a learner commonly writes to each exercise, and the one mistake each may be told (or
none): used by the variant test (every message true to the attempt) and the purity test (no check
moves a random state). Each variant is (exercise id, label, a function returning the answer's
arguments, the mistakes the check must name: exactly these)."""
import functools
import importlib
import types

import numpy as np
import torch

from conftest import exercises_of
from lessonkit.core.exercises import Exercise
from lessonkit.core.montecarlo import mc_dropout_samples
from lessonkit.lessons.dropout.model import Dropout, apply_mask, dropout
from lessonkit.lessons.mnist.exercises import FIXED_CODE
from lessonkit.lessons.taming.model import mc_dropout_predict

LESSONS = ("overfitting", "dropout", "taming", "playground", "mnist")
EXERCISES = {f"{lesson}-{q.name}": q for lesson in LESSONS
             for q in exercises_of(importlib.import_module(f"lessonkit.lessons.{lesson}.exercises"))}


def fresh(question: Exercise) -> Exercise:
    """A copy with no answer remembered: tests must not share state through the module's objects."""
    return Exercise(**{name: getattr(question, name) for name in
                       ("name", "title", "checker", "where", "fix", "solution_text", "solved", "explanation",
                        "first_check", "starter")})


def _as_float32(fn):
    """A dropout that ends in `.float()`: right in float32, the wrong dtype for a float64 input."""
    return lambda x, p, training=True, generator=None: fn(x, p, training, generator).float()


def _plain_wrapper(solution):
    """A function of the learner's that only calls the course's solution."""
    return lambda *args: solution(*args)


def _copy_of(solution):
    """The course's solution copied into a new function object (the same code)."""
    return types.FunctionType(solution.__code__, solution.__globals__, solution.__name__, solution.__defaults__)


def _wrapper_of(solution):
    """The course's solution behind a `functools.wraps` wrapper of the learner's."""
    @functools.wraps(solution)
    def wrapper(*args, **kwargs):
        return solution(*args, **kwargs)
    return wrapper


# --- lesson 2 --------------------------------------------------------------------------------
def _dropout(scale=lambda p: 1 / (1 - p), keep=lambda r, p: r >= p, eval_on=False, draw=None, p_one=True):
    def my_dropout(x, p, training=True, generator=None):
        if (not training and not eval_on) or p == 0:
            return x
        if p == 1 and p_one:
            return x * 0.0
        r = torch.rand(x.shape, generator=generator) if draw is None else draw(x)
        return x * keep(r, p).to(x.dtype) * scale(p)
    return my_dropout


def _backward(fn):
    return lambda g, m, p: g * 0.0 if p == 1 else fn(g, m, p)


def _aten_dropout(x, p, training=True, generator=None):
    """torch's dropout op, its masks drawn from the generator's seed: passes every other check."""
    torch.manual_seed(generator.initial_seed() if generator is not None else 0)
    return torch.ops.aten.dropout(x, p, training)


def _native_dropout(x, p, training=True, generator=None):
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    if generator is not None:
        torch.set_rng_state(generator.get_state())
    return torch.native_dropout(x, p, True)[0]


def _their_dropout(x, p, training=True, generator=None):
    from lessonkit.lessons.dropout.solutions import my_dropout
    return my_dropout(x, p, training, generator)


def _their_backward(g, m, p):
    from lessonkit.lessons.dropout.solutions import my_dropout_backward
    return my_dropout_backward(g, m, p)


def _seeded_torch(drop):
    """torch's dropout in some form, its masks drawn from the generator's seed, the other cases handled."""
    def my_dropout(x, p, training=True, generator=None):
        if not training or p == 0:
            return x
        if p == 1:
            return x * 0.0
        torch.manual_seed(generator.initial_seed() if generator is not None else 0)
        return drop(x, p)
    return my_dropout


def _in_a_thread(x, p):
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(torch.nn.functional.dropout, x, p, True).result()


def _selection():
    from lessonkit.lessons.overfitting.data import make_regression_data
    from lessonkit.lessons.overfitting.train import choose_degree
    return choose_degree(make_regression_data(), range(21), folds=10, seed=5)


# --- lesson 3 --------------------------------------------------------------------------------
def _mc(stat=lambda s: (s.mean(0), s.std(0)), passes=lambda n: n, mode="restore"):
    def my_mc_dropout(model, x, n):
        was_training = model.training
        model.eval() if mode == "eval" else model.train()
        with torch.no_grad():
            samples = torch.stack([model(x.unsqueeze(1)).squeeze(1) for _ in range(passes(n))])
        if mode == "restore":
            model.train(was_training)
        return stat(samples)
    return my_mc_dropout


def _eval_curve_as_mean(model, x, n):
    """The passes made for the std, and the eval-mode curve returned as their mean."""
    was_training = model.training
    model.train()
    with torch.no_grad():
        samples = torch.stack([model(x.unsqueeze(1)).squeeze(1) for _ in range(n)])
        model.eval()
        mean = model(x.unsqueeze(1)).squeeze(1)
    model.train(was_training)
    return mean, samples.std(0)


def _mc_own(model, x, n):
    """The solution, as a learner writes it: the learner's own (decorated below, as a learner might)."""
    was_training = model.training
    model.train()
    samples = torch.stack([model(x.unsqueeze(1)).squeeze(1) for _ in range(n)])
    model.train(was_training)
    return samples.mean(0), samples.std(0)


_mc_decorated = torch.no_grad()(_mc_own)  # @torch.no_grad() on the function, as lesson 5 decorates `evaluate`
_mc_inference_mode = torch.inference_mode()(_mc_own)


@torch.no_grad()
def _one_prediction(model, x):
    return model(x.unsqueeze(1)).squeeze(1)


def _mc_decorated_helper(model, x, n):
    was_training = model.training
    model.train()
    samples = torch.stack([_one_prediction(model, x) for _ in range(n)])
    model.train(was_training)
    return samples.mean(0), samples.std(0)


def _mc_reseeded(model, x, n):
    """Dropout on, but torch reseeded before every pass: every pass draws the same masks."""
    was_training = model.training
    model.train()
    passes = []
    with torch.no_grad():
        for _ in range(n):
            torch.manual_seed(0)
            passes.append(model(x.unsqueeze(1)).squeeze(1))
    model.train(was_training)
    samples = torch.stack(passes)
    return samples.mean(0), samples.std(0)


def _mc_one_pass_reused(model, x, n):
    was_training = model.training
    model.train()
    with torch.no_grad():
        samples = torch.stack([model(x.unsqueeze(1)).squeeze(1)] * n)
    model.train(was_training)
    return samples.mean(0), samples.std(0)


def _mc_samples_unwrapped(model, x, n):
    """lessonkit's mc_dropout_samples without its @torch.no_grad() wrapper."""
    samples = mc_dropout_samples.__wrapped__(model, x.unsqueeze(1), n).squeeze(2)
    return samples.mean(0), samples.std(0)


def _mc_their_solution(model, x, n):
    from lessonkit.lessons.taming.solutions import my_mc_dropout
    return my_mc_dropout(model, x, n)


# --- lesson 5 --------------------------------------------------------------------------------
SCALED = "(mnist_test.data.view(-1, 28 * 28).float() / 255)"


def _bug_hunt(*replacements):
    code = FIXED_CODE
    for old, new in zip(replacements[::2], replacements[1::2]):
        assert old in code, old
        code = code.replace(old, new)
    namespace = {"torch": torch}
    exec(code, namespace)  # noqa: S102 - the lesson's own solution, with one learner's change
    return namespace["train_epoch"], namespace["test_accuracy"]


def _scaled(new):
    return lambda: _bug_hunt(SCALED, new)


CODE_VARIANTS = [
    # lesson 1, q1: the degree 10-fold CV with seed 5 chooses
    ("overfitting-q1", "the answer as a numpy int", lambda: (np.int64(5),), []),
    ("overfitting-q1", "section 6's choice, or 10 folds with seed 0", lambda: (6,), ["other folds' CV minimum"]),
    ("overfitting-q1", "off by one below", lambda: (4,), ["not the CV minimum"]),
    ("overfitting-q1", "the one-SE pick, also the lowest test MSE", lambda: (3,), ["not the CV minimum"]),
    ("overfitting-q1", "a string", lambda: ("5",), []),
    ("overfitting-q1", "a float", lambda: (5.0,), []),
    ("overfitting-q1", "beyond the degrees", lambda: (21,), []),
    ("overfitting-q1", "below the degrees", lambda: (-1,), []),
    ("overfitting-q1", "the whole Selection, not its .choice", lambda: (_selection(),), []),
    # 3 is also the one-SE pick and the lowest test MSE: three readings, none named (its message lists them)
    ("overfitting-q1", "folds=10 forgotten: 5 folds dealt with seed 5", lambda: (3,), ["not the CV minimum"]),
    # lesson 2, q1: the forward pass
    ("dropout-q1", "a number", lambda: (3,), []),
    ("dropout-q1", "a string", lambda: ("my_dropout",), []),
    ("dropout-q1", "a two-argument lambda", lambda: (lambda x, p: x,), []),
    ("dropout-q1", "a function returning None", lambda: (lambda x, p, training=True, generator=None: None,), []),
    ("dropout-q1", "kept values not scaled", lambda: (_dropout(scale=lambda p: 1.0),), ["kept values not scaled"]),
    ("dropout-q1", "multiplied by (1-p)", lambda: (_dropout(scale=lambda p: 1 - p),),
     ["kept values multiplied by (1-p)"]),
    ("dropout-q1", "divided by p", lambda: (_dropout(scale=lambda p: 1 / p),),
     ["kept values divided by p"]),
    ("dropout-q1", "rand < p: p as the keep probability", lambda: (_dropout(keep=lambda r, p: r < p),),
     ["p read as the keep probability"]),
    ("dropout-q1", "eval mode left on", lambda: (_dropout(eval_on=True),), ["active in eval mode"]),
    ("dropout-q1", "the global generator", lambda: (_dropout(draw=lambda x: torch.rand(x.shape)),),
     ["generator ignored"]),
    ("dropout-q1", "rand > p instead of >=", lambda: (_dropout(keep=lambda r, p: r > p),), []),
    ("dropout-q1", "lessonkit's dropout", lambda: (lambda x, p, training=True, generator=None:
                                                    dropout(x, p, training, generator),),
     ["the library's dropout called"]),
    ("dropout-q1", "torch's F.dropout", lambda: (lambda x, p, training=True, generator=None:
                                                  torch.nn.functional.dropout(x, p, training),),
     ["the library's dropout called"]),
    ("dropout-q1", "lessonkit's Dropout layer", lambda: (lambda x, p, training=True, generator=None:
                                                          Dropout(p).train(training)(x),),
     ["the library's dropout called"]),
    ("dropout-q1", "torch.ops.aten.dropout seeded from the generator", lambda: (_aten_dropout,),
     ["the library's dropout called"]),
    ("dropout-q1", "torch.native_dropout from the generator's state", lambda: (_native_dropout,),
     ["the library's dropout called"]),
    ("dropout-q1", "the course's solution called", lambda: (_their_dropout,), ["the course's solution called"]),
    ("dropout-q1", "q1.solved()[0] called", lambda: (lambda x, p, training=True, generator=None:
                                                     EXERCISES["dropout-q1"].solved()[0](x, p, training, generator),),
     ["the course's solution called"]),
    ("dropout-q1", "the course's solution handed in itself", lambda: (EXERCISES["dropout-q1"].solved()[0],),
     ["the course's solution handed in"]),
    ("dropout-q1", "a functools.wraps wrapper of the course's solution", lambda: (
        _wrapper_of(EXERCISES["dropout-q1"].solved()[0]),), ["the course's solution handed in"]),
    ("dropout-q1", "float32 returned for a float64 input", lambda: (_as_float32(_dropout()),), []),
    ("dropout-q1", "a copy of the course's solution (types.FunctionType)", lambda: (
        _copy_of(EXERCISES["dropout-q1"].solved()[0]),), ["the course's solution handed in"]),
    ("dropout-q3", "the course's solution handed in itself", lambda: (EXERCISES["dropout-q3"].solved()[0],),
     ["the course's solution handed in"]),
    ("dropout-q1", "torch._refs' dropout, written in Python", lambda: (
        _seeded_torch(lambda x, p: torch._refs.nn.functional.dropout(x, p, True)),),
     ["the library's dropout called"]),
    ("dropout-q1", "torch._decomp's dropout", lambda: (
        _seeded_torch(lambda x, p: torch._decomp.decompositions.dropout(x, p, True)),),
     ["the library's dropout called"]),
    ("dropout-q1", "torch.dropout_ on a copy", lambda: (
        _seeded_torch(lambda x, p: torch.dropout_(x.clone(), p, True)),),
     ["the library's dropout called"]),
    ("dropout-q1", "torch.ops.aten.dropout_ on a copy", lambda: (
        _seeded_torch(lambda x, p: torch.ops.aten.dropout_(x.clone(), p, True)),), ["the library's dropout called"]),
    ("dropout-q1", "the raw op: native_dropout.default._op", lambda: (
        _seeded_torch(lambda x, p: torch.ops.aten.native_dropout.default._op(x, p, True)[0]),),
     ["the library's dropout called"]),
    ("dropout-q1", "F.dropout in another thread", lambda: (_seeded_torch(_in_a_thread),),
     ["the library's dropout called"]),
    ("dropout-q3", "the course's solution called", lambda: (_their_backward,), ["the course's solution called"]),
    ("dropout-q3", "the raw op: native_dropout_backward.default._op", lambda: (_backward(
        lambda g, m, p: torch.ops.aten.native_dropout_backward.default._op(g, m.bool(), 1 / (1 - p))),),
     ["the library's dropout called"]),
    # lesson 2, q2: d output / d input of a kept unit at p = 0.3
    ("dropout-q2", "1/(1-p) rounded to two decimals", lambda: (1.43,), []),
    ("dropout-q2", "rounded to one decimal", lambda: (1.4,), ["rounded too far"]),
    ("dropout-q2", "off in the second decimal (1.44)", lambda: (1.44,), ["near, but not the factor"]),
    ("dropout-q2", "rounded down in the second decimal (1.42)", lambda: (1.42,), ["near, but not the factor"]),
    ("dropout-q2", "near, with five decimals", lambda: (1 / 0.7 + 0.01,), ["near, but not the factor"]),
    ("dropout-q2", "three decimals (1.429)", lambda: (1.429,), []),
    ("dropout-q2", "1 - p", lambda: (0.7,), ["multiplied by (1-p)"]),
    ("dropout-q2", "p", lambda: (0.3,), ["scaled by p"]),
    ("dropout-q2", "1/p", lambda: (1 / 0.3,), ["divided by p"]),
    ("dropout-q2", "1, as without scaling", lambda: (1,), ["kept gradient not scaled"]),
    ("dropout-q2", "0, a dropped unit's", lambda: (0,), ["a dropped unit's gradient"]),
    ("dropout-q2", "1 + p", lambda: (1.3,), ["another number"]),
    ("dropout-q2", "the expression as a string", lambda: ("1/(1-0.3)",), []),
    ("dropout-q2", "a one-element tensor", lambda: (torch.tensor(1 / 0.7),), []),
    # lesson 2, q3: the backward pass
    ("dropout-q3", "grad_output passed through", lambda: (lambda g, m, p: g,), ["gradient passed through"]),
    ("dropout-q3", "the mask without the scale", lambda: (lambda g, m, p: g * m,), ["kept gradient not scaled"]),
    ("dropout-q3", "the scale without the mask", lambda: (_backward(lambda g, m, p: g / (1 - p)),),
     ["mask ignored"]),
    ("dropout-q3", "scaled by p", lambda: (lambda g, m, p: g * m * p,), ["kept gradient scaled by p"]),
    ("dropout-q3", "multiplied by (1-p), equal to p at p = 0.5", lambda: (lambda g, m, p: g * m * (1 - p),),
     ["kept gradient multiplied by (1-p)"]),
    ("dropout-q3", "in place on grad_output", lambda: (_backward(lambda g, m, p: g.mul_(m).div_(1 - p)),),
     ["input changed in place"]),
    ("dropout-q3", "torch's native_dropout_backward", lambda: (
        _backward(lambda g, m, p: torch.ops.aten.native_dropout_backward(g, m.bool(), 1 / (1 - p))),),
     ["the library's dropout called"]),
    ("dropout-q3", "divided by p", lambda: (_backward(lambda g, m, p: g * m / p if p else g),), ["wrong gradient"]),
    ("dropout-q3", "a python division by zero at p = 1", lambda: (lambda g, m, p: g * m * (1 / (1 - p)),), []),
    ("dropout-q3", "a wrong shape", lambda: (lambda g, m, p: g[:5],), []),
    ("dropout-q3", "a function returning None", lambda: (lambda g, m, p: None,), []),
    ("dropout-q3", "two arguments", lambda: (lambda g, m: g,), []),
    ("dropout-q3", "autograd through lessonkit's apply_mask", lambda: (_autograd_through_apply_mask,),
     ["the library's dropout called"]),
    ("dropout-q3", "lessonkit's apply_mask handed in itself", lambda: (apply_mask,), ["the library's dropout called"]),
    ("taming-q3", "the course's solution handed in itself", lambda: (EXERCISES["taming-q3"].solved()[0],),
     ["the course's solution handed in"]),
    ("taming-q3", "a copy of the course's solution (types.FunctionType)", lambda: (
        _copy_of(EXERCISES["taming-q3"].solved()[0]),), ["the course's solution handed in"]),
    ("taming-q3", "a functools.wraps wrapper of the course's solution", lambda: (
        _wrapper_of(EXERCISES["taming-q3"].solved()[0]),), ["the course's solution handed in"]),
    ("taming-q3", "lessonkit's mc_dropout_predict handed in itself", lambda: (mc_dropout_predict,),
     ["the library's MC dropout called"]),
    # lesson 3, q3: Monte Carlo dropout
    ("taming-q3", "lessonkit's mc_dropout_predict", lambda: (lambda model, x, passes:
                                                              mc_dropout_predict(model, x, passes=passes),),
     ["the library's MC dropout called"]),
    ("taming-q3", "var for std", lambda: (_mc(stat=lambda s: (s.mean(0), s.var(0))),), ["variance instead of std"]),
    ("taming-q3", "the standard error for the std", lambda: (_mc(stat=lambda s: (s.mean(0), s.std(0) / len(s)**0.5)),),
     ["std divided by the square root of the passes"]),
    ("taming-q3", "the biased std", lambda: (_mc(stat=lambda s: (s.mean(0), s.std(0, unbiased=False))),), []),
    ("taming-q3", "the sum for the mean", lambda: (_mc(stat=lambda s: (s.sum(0), s.std(0))),),
     ["sum instead of mean"]),
    ("taming-q3", "mean and std swapped", lambda: (_mc(stat=lambda s: (s.std(0), s.mean(0))),),
     ["mean and std swapped"]),
    ("taming-q3", "eval mode left on", lambda: (_mc(mode="eval"),), ["dropout off during the passes"]),
    ("taming-q3", "mode not restored", lambda: (_mc(mode="leave"),), ["mode not restored"]),
    ("taming-q3", "off by one: passes - 1", lambda: (_mc(passes=lambda n: n - 1),), ["fewer passes than asked"]),
    ("taming-q3", "off by one: passes + 1", lambda: (_mc(passes=lambda n: n + 1),), []),
    ("taming-q3", "std over every element", lambda: (_mc(stat=lambda s: (s.mean(0), s.std())),), []),
    ("taming-q3", "a list, not a tuple", lambda: (_mc(stat=lambda s: [s.mean(0), s.std(0)]),), []),
    ("taming-q3", "the eval-mode curve as the mean", lambda: (_eval_curve_as_mean,), ["eval-mode curve as the mean"]),
    ("taming-q3", "a correct function decorated with @torch.no_grad()", lambda: (_mc_decorated,), []),
    ("taming-q3", "a correct function decorated with @torch.inference_mode()", lambda: (_mc_inference_mode,), []),
    ("taming-q3", "a @torch.no_grad() helper for each pass", lambda: (_mc_decorated_helper,), []),
    ("taming-q3", "torch reseeded inside the loop", lambda: (_mc_reseeded,), ["every pass the same"]),
    ("taming-q3", "one pass reused", lambda: (_mc_one_pass_reused,), ["fewer passes than asked"]),
    ("taming-q3", "mc_dropout_samples.__wrapped__", lambda: (_mc_samples_unwrapped,),
     ["the library's MC dropout called"]),
    ("taming-q3", "the course's solution called", lambda: (_mc_their_solution,), ["the course's solution called"]),
    ("taming-q3", "q3.solved()[0] called", lambda: (
        lambda model, x, n: EXERCISES["taming-q3"].solved()[0](model, x, n),),
     ["the course's solution called"]),
    # lesson 5, q1: the bug hunt, all defects fixed but one change
    ("mnist-q1", "the usual MNIST normalisation", _scaled("((mnist_test.data.view(-1, 28 * 28).float() / 255 - 0.1307)"
                                                          " / 0.3081)"),
     ["test images normalised, training images not"]),
    ("mnist-q1", "normalised to [-1, 1]", _scaled("((mnist_test.data.view(-1, 28 * 28).float() - 127.5) / 127.5)"),
     ["test images normalised, training images not"]),
    ("mnist-q1", "not divided by 255", _scaled("mnist_test.data.view(-1, 28 * 28).float()"), ["test images unscaled"]),
    ("mnist-q1", "divided by 256", _scaled("(mnist_test.data.view(-1, 28 * 28).float() / 256)"),
     ["test images scaled differently"]),
    ("mnist-q1", "binarised", _scaled("(mnist_test.data.view(-1, 28 * 28) > 127).float()"),
     ["test images scaled differently"]),
    ("mnist-q1", "divided by the largest byte", _scaled("(mnist_test.data.view(-1, 28 * 28).float() "
                                                        "/ mnist_test.data.max())"), []),
    ("mnist-q1", "eval mode forgotten", lambda: _bug_hunt("    model.eval()  # dropout off while testing\n", ""),
     ["dropout on while testing"]),
    ("mnist-q1", "model.eval without ()", lambda: _bug_hunt("model.eval()", "model.eval"),
     ["dropout on while testing"]),
    ("mnist-q1", "model.train() deleted from train_epoch",
     lambda: _bug_hunt("    model.train()    # set the model to train mode (dropout=True)\n", ""),
     ["dropout off while training"]),
    ("mnist-q1", "cost.detach() summed", lambda: _bug_hunt("cost.item()", "cost.detach()"), []),
    ("mnist-q1", "float(cost) summed", lambda: _bug_hunt("cost.item()", "float(cost)"), []),
    ("mnist-q1", "the tensor summed", lambda: _bug_hunt("cost.item()", "cost"), ["graph kept alive"]),
    ("mnist-q1", "test_labels still read", lambda: _bug_hunt("mnist_test.targets", "mnist_test.test_labels"),
     ["deprecated attributes"]),
    ("mnist-q1", "optimizer.zero_grad() deleted", lambda: _bug_hunt("        optimizer.zero_grad()\n", ""),
     ["gradients not zeroed"]),
    ("mnist-q1", "model.zero_grad() instead", lambda: _bug_hunt("optimizer.zero_grad()", "model.zero_grad()"), []),
    ("mnist-q1", "the sum of the costs returned", lambda: _bug_hunt("cost.item() / total_batch", "cost.item()"),
     ["the sum, not the average"]),
    ("mnist-q1", "the course's solution handed in itself", lambda: EXERCISES["mnist-q1"].solved(),
     ["the course's solution handed in"]),
    ("mnist-q1", "plain wrappers around the course's solution", lambda: tuple(
        _plain_wrapper(f) for f in EXERCISES["mnist-q1"].solved()), ["the course's solution called"]),
]


def _autograd_through_apply_mask(g, m, p):
    x = torch.ones_like(g).requires_grad_()
    (grad,) = torch.autograd.grad(apply_mask(x, m, p), x, g)
    return grad


def _choice_variants():
    """For every multiple-choice question: each wrong choice is told its own mistake; the right one
    in capitals with spaces, a misspelling and a number are told none."""
    found = []
    for qid, q in EXERCISES.items():
        if not (isinstance(q.solution_text, str) and q.solution_text.count('"') == 2) or qid == "mnist-q2":
            continue  # lesson 5's q2 (the knob) is read from a record being remade: not checked here
        right = q.answer_for_tests()[0]
        found.append((qid, "the right choice, capitalised and spaced", lambda r=right: (f"  {r.upper()} ",), []))
        found.append((qid, "a misspelling", lambda r=right: (r[:-1],), []))
        found.append((qid, "a number", lambda: (1,), []))
        wrong = q.checker.__self__.wrong if hasattr(q.checker, "__self__") else CHECKER_CHOICES[qid]
        for choice, told in wrong.items():
            name = told.name if hasattr(told, "name") else told[0]
            found.append((qid, f'"{choice}"', lambda c=choice: (c,), [name]))
    return found


# The wrong choices of the questions whose checker is a function of its own, not a ChoiceQuestion.
CHECKER_CHOICES = {
    "overfitting-q2": {"larger": ("more data, more overfitting",),
                       "same": ("the gap as a fixed property of the degree",)},
    "dropout-q5": {"same": ("dropout assumed off at test time",),
                   "chance": ("a thinned network taken for an untrained one",)},
}


VARIANTS = CODE_VARIANTS + _choice_variants()
