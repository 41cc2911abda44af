"""Lesson 5's experiments: many runs of the lab's network, each trained until it settles, one
row per measurement, kept as records by `python -m lessonkit.experiments`.

    rows = train_until_settled(Arm("both", p=0.5, input_p=0.5), seed=0, data=data, size=1_000,
                               eval_every=200, min_steps=1_000, max_steps=10_000)

Every run is `build_model(p, input_p)` of the lab trained with the lab's recipe (Adam from 1e-3,
batches of 100) on `size` training images, in plain torch, until its validation accuracy has
settled (the learning rate cut tenfold on each plateau). Its seed fixes everything random in it:
which images it gets, its first weights, the order of its batches and its dropout masks. Two runs
with the same seed and different dropout therefore differ only by dropout, so comparisons are
paired by seed.

Training images come from the first 50,000 of MNIST's training set; the last 10,000 are the
validation set on which settings and stopping steps are chosen (as Srivastava et al. did).
The test set is reported, never used to choose.
"""
import contextlib
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from lessonkit.core.checks import check_int, check_probability, check_seed
from lessonkit.core.device import flush_denormals, pick_device, training_dtype
from lessonkit.core.mnist_data import mnist_tensors, random_subset
from lessonkit.core.progress import progress
from lessonkit.core.records import PROVENANCE, append_rows, provenance
from lessonkit.core.training import Batches, one_thread
from lessonkit.lessons.mnist.train import BATCH_SIZE, LR, build_model, evaluate

VALIDATION = 10_000  # the last images of the training set; training subsets come from the rest
SETTLE = 2 / 3  # a run has settled when its best validation accuracy came in the first two thirds of its training
PATIENCE = 3  # the rate is cut tenfold at the 4th measurement in a row without a better validation accuracy
CUTS = 2  # a run may stop only after its rate was cut this many times (1e-3 to 1e-5): its plateaus are behind it


@dataclass(frozen=True)
class Arm:
    """Where a run drops units: `p` after each hidden layer, `input_p` on the input pixels
    (torch's convention: the probability of *dropping*; the dropout paper's p is the keep
    probability, 1 - ours)."""

    name: str
    p: float = 0.0
    input_p: float = 0.0

    def __post_init__(self):
        check_probability("p", self.p)
        check_probability("input_p", self.input_p)

    def model(self):
        return build_model(self.p, self.input_p)


def split_validation(train_data, validation: int | None = None):
    """(pool, validation): the training images without the last `validation` (default
    VALIDATION), and those."""
    x, y = train_data
    validation = VALIDATION if validation is None else validation
    check_int("validation", validation, 1, len(x) - 1)
    return (x[:-validation], y[:-validation]), (x[-validation:], y[-validation:])


def _check_run(size, steps, eval_every, pool):
    check_int("size", size, BATCH_SIZE, len(pool[0]))
    check_int("steps", steps, 1, 10**7)
    check_int("eval_every", eval_every, 1, 10**7)


def _rows(step, split, loss, acc):
    return {"step": step, "split": split, "loss": loss, "accuracy": acc}


def settled(validation_accuracies: list[float], fraction: float = SETTLE) -> bool:
    """True once the best validation accuracy (its first occurrence) lies in the first
    `fraction` of the measurements so far: the last part of training found nothing better."""
    best = max(range(len(validation_accuracies)), key=validation_accuracies.__getitem__) + 1
    return best <= fraction * len(validation_accuracies)


def _autocast(device_type: str, dtype: torch.dtype):
    """A context factory: the forward pass under autocast in `dtype`, or nothing extra in float32."""
    if dtype == torch.float32:
        return contextlib.nullcontext
    return lambda: torch.autocast(device_type, dtype=dtype)


def training_step(model, optimizer, x, y, autocast=contextlib.nullcontext) -> None:
    """One step of the runner: dropout on, the forward pass under `autocast()`, backward, Adam."""
    model.train()
    optimizer.zero_grad()
    with autocast():
        loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()


def train_until_settled(arm: Arm, seed: int, *, data, size: int, eval_every: int, min_steps: int, max_steps: int,
                        patience: int = PATIENCE, dtype: torch.dtype = torch.float32, validation: int | None = None,
                        on_eval=None) -> list[dict]:
    """One run of the lab's network and recipe (Adam from 1e-3, batches of 100), in plain torch,
    trained until its validation accuracy has settled: measured every `eval_every` steps, it stops
    at the first measurement after `min_steps`, once its learning rate has been cut `CUTS` times, where
    `settled(...)` holds; or at `max_steps`.
    So that a run settles instead of creeping up for hundreds of epochs, the learning rate is cut
    tenfold whenever more than `patience` measurements in a row (four, by default) bring no better
    validation accuracy
    (`torch.optim.lr_scheduler.ReduceLROnPlateau`); each measurement records the rate (`lr`).

    dtype: torch.bfloat16 runs the forward pass under autocast (the weights and Adam stay float32;
    `lessonkit.core.device.training_dtype` says where bf16 is native). Adam is the fused kernel
    where torch has one (the same update, computed in one pass over the weights). Returns one dict
    per measurement (step, split, loss, accuracy); the last is its own training images'.
    on_eval(step, validation_accuracy): called after each measurement (a progress bar).
    """
    check_seed("seed", seed)
    train_data, (x_test, y_test) = data
    pool, (x_val, y_val) = split_validation(train_data, validation)
    _check_run(size, max_steps, eval_every, pool)
    check_int("min_steps", min_steps, eval_every, max_steps)
    if max_steps % eval_every:
        raise ValueError(f"max_steps must be a multiple of eval_every ({eval_every}), got {max_steps}")
    x, y = random_subset(*pool, size, seed)
    autocast = _autocast(x.device.type, dtype)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # first weights, then the dropout masks
        model = arm.model().to(x.device)
        optimizer = torch.optim.Adam(model.parameters(), lr=LR, fused=x.device.type in ("cpu", "cuda"))
        plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.1, patience=patience,
                                                             threshold=0, threshold_mode="abs")
        batches = Batches(x, y, BATCH_SIZE, torch.Generator().manual_seed(seed + 1))
        passes = (index for _ in iter(int, 1) for index in batches.indices())  # pass after pass, reshuffled
        rows, accuracies, step = [], [], 0
        floor = LR * 0.1 ** CUTS * 1.01  # the rate after CUTS cuts (with room for float rounding)

        def done():
            return step >= max_steps or (step >= min_steps and optimizer.param_groups[0]["lr"] <= floor
                                         and settled(accuracies))

        while not (accuracies and done()):
            index = next(passes)
            training_step(model, optimizer, x[index], y[index], autocast)
            step += 1
            if step % eval_every == 0:
                with autocast():
                    val, test = evaluate(model, x_val, y_val), evaluate(model, x_test, y_test)
                lr = optimizer.param_groups[0]["lr"]  # the rate these steps were trained with
                rows += [{**_rows(step, "validation", *val), "lr": lr}, {**_rows(step, "test", *test), "lr": lr}]
                accuracies.append(val[1])
                plateau.step(val[1])
                if on_eval is not None:
                    on_eval(step, val[1])
        with autocast():
            rows.append({**_rows(step, "train", *evaluate(model, x, y)), "lr": optimizer.param_groups[0]["lr"]})
    return rows


# The dropout paper's own recipe for MNIST, as its first author's code configures it (deepnet,
# examples/ff/model_dropout.pbtxt and train.pbtxt): weights drawn from N(0, 1/fan_in), biases 0; SGD with
# momentum rising linearly from 0.5 to 0.99 over its 100,000 steps, learning rate 1.0 / (1 + step / 10,000)
# ("INVERSE_T", half-life 10,000 steps); after each step every unit's incoming weight vector is scaled
# back to norm 3 if longer (max-norm); batches of 100; drop 0.2 of the pixels and 0.5 of the hidden units
# (deepnet's dropout_prob). Changed here: three ReLU layers of 1024 units, as in the paper's Table 2 (the
# file has 1024, 1024 and 2048); the steps scaled down (`train_recipe`'s `steps`); and the momentum rises
# to 0.95, not 0.99: compressed to a tenth of the steps, a first attempt with 0.99 diverged in both arms
# after step 9,000 (validation accuracy fell to 43% with dropout, 88% without).
RECIPE_STEPS, RECIPE_HALF_LIFE, RECIPE_MOMENTUM, RECIPE_NORM = 100_000, 10_000, (0.5, 0.95), 3.0


def recipe_network(arm: Arm, width: int = 1024, depth: int = 3) -> torch.nn.Sequential:
    """784, then `depth` ReLU layers of `width` units, then 10; Dropout(input_p) on the pixels and
    Dropout(p) after each hidden layer; weights N(0, 1/fan_in), biases 0 (deepnet's
    DENSE_GAUSSIAN_SQRT_FAN_IN and CONSTANT)."""
    sizes = [784] + [width] * depth
    layers = [torch.nn.Dropout(arm.input_p)] if arm.input_p > 0 else []
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU(), torch.nn.Dropout(arm.p)]
    layers.append(torch.nn.Linear(width, 10))
    for layer in layers:
        if isinstance(layer, torch.nn.Linear):
            torch.nn.init.normal_(layer.weight, std=layer.in_features ** -0.5)
            torch.nn.init.zeros_(layer.bias)
    return torch.nn.Sequential(*layers)


@torch.no_grad()
def max_norm_(model: torch.nn.Module, limit: float = RECIPE_NORM) -> None:
    """Scale each unit's incoming weight vector (a row of a Linear's weight) back to norm `limit` if longer."""
    for layer in model.modules():
        if isinstance(layer, torch.nn.Linear):
            layer.weight.copy_(torch.renorm(layer.weight, 2, 0, limit))


def train_recipe(arm: Arm, seed: int, *, data, size: int, steps: int, eval_every: int,
                 dtype: torch.dtype = torch.float32, validation: int | None = None, on_eval=None) -> list[dict]:
    """One run of the paper's recipe (above) on `size` training images (drawn as `train_until_settled`
    draws them), for `steps` steps: the schedule's half-life and momentum ramp scaled by
    steps / 100,000, so a shorter run goes through the same schedule faster. Measured every
    `eval_every` steps on validation and test, as `train_until_settled` measures (the lesson reads
    each run at its best validation step)."""
    check_seed("seed", seed)
    train_data, (x_test, y_test) = data
    pool, (x_val, y_val) = split_validation(train_data, validation)
    _check_run(size, steps, eval_every, pool)
    x, y = random_subset(*pool, size, seed)
    scale = steps / RECIPE_STEPS
    autocast = _autocast(x.device.type, dtype)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # first weights, then the dropout masks
        model = recipe_network(arm).to(x.device)
        optimizer = torch.optim.SGD(model.parameters(), lr=1.0, momentum=RECIPE_MOMENTUM[0])
        batches = Batches(x, y, BATCH_SIZE, torch.Generator().manual_seed(seed + 1))
        passes = (index for _ in iter(int, 1) for index in batches.indices())  # pass after pass, reshuffled
        rows = []
        for step in range(1, steps + 1):
            ramp = (step - 1) / steps  # deepnet's momentum ramp spans its whole run
            for group in optimizer.param_groups:
                group["lr"] = 1.0 / (1 + (step - 1) / (RECIPE_HALF_LIFE * scale))
                group["momentum"] = (1 - ramp) * RECIPE_MOMENTUM[0] + ramp * RECIPE_MOMENTUM[1]
            index = next(passes)
            training_step(model, optimizer, x[index], y[index], autocast)
            max_norm_(model)
            if step % eval_every == 0:
                with autocast():
                    val, test = evaluate(model, x_val, y_val), evaluate(model, x_test, y_test)
                lr = optimizer.param_groups[0]["lr"]
                rows += [{**_rows(step, "validation", *val), "lr": lr}, {**_rows(step, "test", *test), "lr": lr}]
                if on_eval is not None:
                    on_eval(step, val[1])
        with autocast():
            rows.append({**_rows(step, "train", *evaluate(model, x, y)), "lr": optimizer.param_groups[0]["lr"]})
    return rows


COLUMNS = ["experiment", "arm", "p", "input_p", "seed", "size", "steps", "step", "split", "loss", "accuracy", "lr",
           *PROVENANCE]


def _device(device) -> torch.device:
    device = pick_device(device, verbose=False) if device is None or isinstance(device, str) else device
    flush_denormals()  # faster on a CPU; a rerun does the same, so it repeats the record
    return device


@dataclass(frozen=True)
class _MnistExperiment:
    """Arms x seeds x sizes, one run per (arm, seed, size), keyed in the record by its arm's name."""

    name: str
    about: str
    arms: tuple
    seeds: tuple

    def key(self, row: dict) -> tuple:
        return row["arm"], row["seed"], row["size"]

    def run_key(self, arm=None, seed=None, size=None) -> tuple:
        """The key of one run, checked against what the experiment trains: one clear line if not."""
        names = [a.name for a in self.all_arms()]
        if arm not in names:
            raise ValueError(f"--arm must be one of {', '.join(repr(n) for n in names)}, got {arm!r}")
        if seed not in self.seeds:
            raise ValueError(f"--seed must be one of this experiment's seeds, {min(self.seeds)} to {max(self.seeds)}, "
                             f"got {seed}")
        size = self.sizes[0] if size is None else size
        if size not in self.sizes:
            raise ValueError(f"--size must be one of {', '.join(str(s) for s in self.sizes)}, got {size}")
        return arm, seed, size

    def all_arms(self) -> tuple:
        return self.arms

    def arm(self, name: str) -> Arm:
        return next(a for a in self.all_arms() if a.name == name)

    def _row(self, arm, seed, size, steps, row, seconds, where) -> dict:
        return {"experiment": self.name, "arm": arm.name, "p": arm.p, "input_p": arm.input_p, "seed": seed,
                "size": size, "steps": steps, **row, "seconds_per_run": round(seconds, 2), **where}


@dataclass(frozen=True)
class SettledExperiment(_MnistExperiment):
    """Arms x seeds x training-set sizes, each run trained until settled (`train_until_settled`),
    in the dtype the device multiplies natively; `float32_arms` are trained in float32 wherever
    they run (to show that the dtype does not change the result)."""

    sizes: tuple = ()
    eval_every: int = 500
    min_steps: int = 500
    max_steps: int = 500
    float32_arms: tuple = ()

    def all_arms(self) -> tuple:
        return self.arms + self.float32_arms

    def runs(self) -> list[tuple]:
        """(arm, seed, size) in training order: size by size, every arm of seed 0, then of seed 1,
        ... (so a record cut short still pairs by seed), then the float32 arms."""
        return [(arm.name, seed, size) for arms in (self.arms, self.float32_arms) for size in self.sizes
                for seed in self.seeds for arm in arms]

    def dtype(self, arm: Arm, device) -> torch.dtype:
        return torch.float32 if arm in self.float32_arms else training_dtype(device)

    def _train_one(self, arm, seed, size, data, device, on_eval=None):
        # every run on one thread (workers run side by side): the thread count orders the float sums
        with one_thread():
            return train_until_settled(arm, seed, data=data, size=size, eval_every=self.eval_every,
                                       min_steps=self.min_steps, max_steps=self.max_steps,
                                       dtype=self.dtype(arm, device), on_eval=on_eval)

    def train(self, todo, path, device=None, show_progress=True) -> None:
        device = _device(device)
        data = mnist_tensors(device)
        for name, seed, size in todo:
            arm = self.arm(name)
            with progress(total=self.max_steps, desc=f"{name}, seed {seed}, {size:,} images", unit="step",
                          disable=not show_progress) as bar:
                def on_eval(step, accuracy, bar=bar):
                    bar.update(step - bar.n)
                    bar.set_postfix(val_acc=f"{accuracy:.2%}", refresh=False)

                start = time.perf_counter()
                rows = self._train_one(arm, seed, size, data, device, on_eval)
                seconds = time.perf_counter() - start
            where = provenance(device, self.dtype(arm, device))
            append_rows(path, [self._row(arm, seed, size, rows[-1]["step"], row, seconds, where) for row in rows],
                        COLUMNS)

    def rerun(self, key, device="cpu") -> list[dict]:
        arm, seed, size = key
        device = _device(device)
        return self._train_one(self.arm(arm), seed, size, mnist_tensors(device), device)


@dataclass(frozen=True)
class RecipeExperiment(SettledExperiment):
    """Arms x seeds, each run the paper's recipe (`train_recipe`) for `max_steps` steps on 50,000 images."""

    def _train_one(self, arm, seed, size, data, device, on_eval=None):
        with one_thread():
            return train_recipe(arm, seed, data=data, size=size, steps=self.max_steps, eval_every=self.eval_every,
                                dtype=self.dtype(arm, device), on_eval=on_eval)


NONE = Arm("no dropout")
HIDDEN, INPUT = Arm("hidden only", p=0.5), Arm("input only", input_p=0.5)
BOTH = Arm("both", p=0.5, input_p=0.5)
PAPER = Arm("paper", p=0.5, input_p=0.2)  # the paper's MNIST setting: keep 0.8 of the pixels, 0.5 of the units
LAB = Arm("lab p = 0.3", p=0.3)
P_SWEEP = tuple(Arm(f"p = {p}", p=p, input_p=p) for p in (0.1, 0.3, 0.7))
SEEDS = tuple(range(10))

# Lesson 5's experiments, as `python -m lessonkit.experiments` runs them.
EXPERIMENTS = [
    SettledExperiment("mnist-full-settled", "none, the lab's p = 0.3 and the paper's setting on 50,000 images, each "
                      "run trained until its validation accuracy settled (the last 10,000 validate)",
                      (NONE, LAB, PAPER), SEEDS, (50_000,), 500, 7_500, 40_000),
    SettledExperiment("mnist-1k-settled", "the ablation and the p sweep on 1,000 images, each run trained until its "
                      "validation accuracy settled; `both` also in float32",
                      (NONE, HIDDEN, INPUT, BOTH, PAPER, *P_SWEEP), SEEDS, (1_000,), 100, 1_000, 10_000,
                      float32_arms=(Arm("both, float32", p=0.5, input_p=0.5),)),
    SettledExperiment("mnist-size-settled", "the paper's setting against none at 100, 500, 5,000 and 10,000 images, "
                      "each run trained until its validation accuracy settled (1,000 and 50,000 come from the "
                      "experiments above)",
                      (NONE, PAPER), SEEDS, (100, 500, 5_000, 10_000), 100, 1_000, 10_000),
    SettledExperiment("mnist-dtype-check", "`both` on 1,000 images in bfloat16 and in float32, seeds 10-29 (seeds 0-9 "
                      "are in mnist-1k-settled): does the dtype change the result?",
                      (BOTH,), tuple(range(10, 30)), (1_000,), 100, 1_000, 10_000,
                      float32_arms=(Arm("both, float32", p=0.5, input_p=0.5),)),
    RecipeExperiment("mnist-paper-recipe", "the paper's own recipe (SGD with momentum rising to 0.95, decaying rate, "
                     "max-norm 3, 3 x 1024 ReLU units) without and with its dropout, on 50,000 images, for a tenth "
                     "of its 100,000 steps (the schedule compressed to fit)",
                     (NONE, PAPER), tuple(range(10)), (50_000,), 500, 10_000, 10_000),
    RecipeExperiment("mnist-paper-recipe-full", "the same recipe at its own length, 100,000 steps (the momentum still "
                     "rising to 0.95, so that the length is the one change), one seed per arm: all this CPU could "
                     "train in a session",
                     (NONE, PAPER), (0,), (50_000,), 2_500, 100_000, 100_000),
]


def experiment(name: str):
    """The experiment of lesson 5 called `name`, as declared above (one clear line if there is none)."""
    for declared in EXPERIMENTS:
        if declared.name == name:
            return declared
    raise ValueError(f"name must be one of {', '.join(e.name for e in EXPERIMENTS)}, got {name!r}")
