"""Lesson 5's experiments: many small runs of the lab's network, trained side by side.

    runs = train_runs(
        [Run(Dropouts("no dropout"), seed) for seed in (1, 2, 3)]
        + [Run(Dropouts("both", p=0.5, input_p=0.5), seed) for seed in (1, 2, 3)],
        data=data, size=1_000, steps=1_000)
    print(summary_table(runs))              # mean ± spread per setting, on all 10,000 test images
    print(paired_table(runs))               # each setting minus no dropout, seed by seed

Every run is the lab's network (784-512-512-512-512-10, ReLU, Xavier-uniform weights,
torch's default biases) trained with the lab's recipe (Adam 1e-3, batches of 100) on
`size` training images. Its seed fixes everything that is random in it: which training
images it gets, its first weights, the order of its batches and its dropout masks. Two
runs with the same seed and different dropout therefore differ only by dropout: the
comparisons below are paired by seed.

`StackedMLP` holds K runs as stacked weight tensors and trains them with one batched
matrix product per layer and one Adam, which on a GPU is many times faster than K runs
one after the other. A run ends where it would end trained alone (`tests/lessons/
test_mnist_experiments.py` checks that), so stacking is a speed trick, not a change
to the experiment. `member_network(k)` returns run k as the plain `torch.nn.Sequential`
of the lab.

Training images come from the first 50,000 of MNIST's training set; the last 10,000
are the validation set on which settings are chosen (as Srivastava et al. did). The
test set is only reported.
"""
import math
import statistics
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from lessonkit.core import run_cache
from lessonkit.core.checks import check_int, check_probability, check_seed
from lessonkit.core.progress import progress

LAYER_SIZES = (784, 512, 512, 512, 512, 10)
LR, BATCH_SIZE = 1e-3, 100
VALIDATION = 10_000  # the last images of the training set; training subsets come from the rest
CURVE_IMAGES = 1_000  # validation images scored along the way, for the curves


@dataclass(frozen=True)
class Dropouts:
    """Where a run drops units: `p` after each hidden layer, `input_p` on the input pixels
    (torch's convention: the probability of *dropping*; the dropout paper's p is the keep
    probability, 1 - ours)."""

    name: str
    p: float = 0.0
    input_p: float = 0.0

    def __post_init__(self):
        check_probability("p", self.p)
        check_probability("input_p", self.input_p)


@dataclass(frozen=True)
class Run:
    """One training run: its dropout and its seed."""

    dropouts: Dropouts
    seed: int

    def __post_init__(self):
        check_seed("seed", self.seed)


def split_validation(train_data, validation: int = VALIDATION):
    """(pool, validation): the training images without the last `validation`, and those."""
    x, y = train_data
    check_int("validation", validation, 1, len(x) - 1)
    return (x[:-validation], y[:-validation]), (x[-validation:], y[-validation:])


def _init_member(sizes, generator) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """One network's first weights, as `torch.nn.Linear` + `xavier_uniform_` would make them."""
    weights, biases = [], []
    for n_in, n_out in zip(sizes, sizes[1:]):
        weight = torch.empty(n_out, n_in)
        torch.nn.init.xavier_uniform_(weight, generator=generator)
        bound = 1 / math.sqrt(n_in)  # torch.nn.Linear's default bias
        bias = torch.empty(n_out).uniform_(-bound, bound, generator=generator)
        weights.append(weight.T.contiguous())  # (in, out): x @ W
        biases.append(bias)
    return weights, biases


class StackedMLP(torch.nn.Module):
    """K copies of an MLP (ReLU, dropout after each hidden layer and optionally on the
    input), each with its own weights, dropout probabilities and random generator.

    Input: (K, batch, in) in training; (batch, in) or (K, batch, in) in eval mode.
    Output: (K, batch, out) logits.
    """

    def __init__(self, runs: list[Run], sizes=LAYER_SIZES, device="cpu"):
        super().__init__()
        if not runs:
            raise ValueError("runs must hold at least one Run, got none")
        self.runs, self.sizes, device = list(runs), tuple(sizes), torch.device(device)
        members = [_init_member(self.sizes, torch.Generator().manual_seed(run.seed)) for run in self.runs]
        self.weights = torch.nn.ParameterList(
            torch.nn.Parameter(torch.stack([m[0][i] for m in members]).to(device)) for i in range(len(sizes) - 1))
        self.biases = torch.nn.ParameterList(
            torch.nn.Parameter(torch.stack([m[1][i] for m in members]).unsqueeze(1).to(device))
            for i in range(len(sizes) - 1))
        # masks: a generator per run, seeded apart from its initial weights
        self.generators = [torch.Generator(device).manual_seed(run.seed + 1) for run in self.runs]

    def __len__(self) -> int:
        return len(self.runs)

    def _drop(self, h: torch.Tensor, probabilities: list[float]) -> torch.Tensor:
        if not self.training or not any(probabilities):
            return h
        scales = []
        for generator, p in zip(self.generators, probabilities):
            if p == 0:
                scales.append(torch.ones(h.shape[1:], device=h.device))
            else:  # kept units are scaled by 1/(1-p), as torch.nn.Dropout does
                keep = torch.rand(h.shape[1:], device=h.device, generator=generator) >= p
                scales.append(keep.to(h.dtype) / (1 - p))
        return h * torch.stack(scales)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            x = x.expand(len(self), *x.shape)
        h = self._drop(x, [run.dropouts.input_p for run in self.runs])
        last = len(self.weights) - 1
        for i, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            h = torch.baddbmm(bias, h, weight)
            if i < last:
                h = self._drop(torch.relu(h), [run.dropouts.p for run in self.runs])
        return h

    def member_network(self, k: int) -> torch.nn.Sequential:
        """Run k as the lab's plain network: Linear, ReLU, Dropout(p), ..., Linear."""
        run = self.runs[k]
        layers = [torch.nn.Dropout(run.dropouts.input_p)] if run.dropouts.input_p > 0 else []
        for i, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            linear = torch.nn.Linear(*weight.shape[1:])
            with torch.no_grad():
                linear.weight.copy_(weight[k].T)
                linear.bias.copy_(bias[k, 0])
            layers.append(linear)
            if i < len(self.weights) - 1:
                layers += [torch.nn.ReLU(), torch.nn.Dropout(run.dropouts.p)]
        return torch.nn.Sequential(*layers).to(self.weights[0].device)


@torch.no_grad()
def evaluate_stacked(model: StackedMLP, x: torch.Tensor, y: torch.Tensor, chunk: int = 2_000):
    """(mean cross-entropy, accuracy) of every run on (x, y), in eval mode: two lists of K floats."""
    was_training = model.training
    model.eval()
    try:
        loss = torch.zeros(len(model), device=x.device)
        correct = torch.zeros(len(model), device=x.device)
        for start in range(0, len(x), chunk):
            logits = model(x[start:start + chunk])
            labels = y[start:start + chunk].expand(len(model), -1)
            loss += F.cross_entropy(logits.transpose(1, 2), labels, reduction="none").sum(1)
            correct += (logits.argmax(2) == labels).sum(1)
    finally:
        model.train(was_training)
    return (loss / len(x)).tolist(), (correct / len(x)).tolist()


@dataclass
class RunResult:
    """What one run measured: at the end on validation and test images, and along the way."""

    run: Run
    size: int
    steps: int
    test_loss: float
    test_acc: float
    val_loss: float
    val_acc: float
    train_acc: float
    curve_steps: list
    curve_val_loss: list  # on the first CURVE_IMAGES validation images
    curve_train_loss: list  # mean training loss (dropout on) since the previous point

    @property
    def name(self) -> str:
        return self.run.dropouts.name


def _subsets(runs, pool, size):
    x, y = pool
    picks = [torch.randperm(len(x), generator=torch.Generator().manual_seed(run.seed))[:size] for run in runs]
    index = torch.stack(picks).to(x.device)
    return x[index], y[index]


def default_group(device: torch.device) -> int:
    """How many runs to train together: all of them on a GPU; one at a time on a CPU, where
    `benchmarks/mnist_stacked.py` measured stacking only 1.09x as fast (median of 3 rounds)
    and one run at a time keeps the memory of one run."""
    return 10**6 if device.type == "cuda" else 1


def train_runs(
    runs: list[Run],
    *,
    data,
    size: int,
    steps: int,
    curve_every: int = 100,
    group: int | None = None,
    sizes=LAYER_SIZES,
    validation: int = VALIDATION,
    show_progress: bool = True,
    desc: str = "runs",
) -> list[RunResult]:
    """Train `runs` on `size` training images each, for `steps` batches of 100.

    data: `mnist_tensors(device)`: ((x_train, y_train), (x_test, y_test)). Each run draws
    its `size` images from the first 50,000 training images with its seed; validation is
    the last 10,000 (`validation`), test the whole test set. `group`: how many runs one
    `StackedMLP` trains together (the results do not depend on it; default
    `default_group`). `sizes`: the layer widths (the lab's; the tests use a small network).
    """
    check_int("steps", steps, 1, 10**7)
    check_int("curve_every", curve_every, 1, 10**7)
    train_data, test_data = data
    pool, validation_data = split_validation(train_data, validation)
    check_int("size", size, BATCH_SIZE, len(pool[0]))
    group = check_int("group", group, 1, 10**6) if group is not None else default_group(pool[0].device)
    # only with $LESSONKIT_RUN_CACHE set (see lessonkit.core.run_cache); `group` changes nothing in the results
    key = run_cache.run_key("train_runs", [repr(run) for run in runs], size, steps, curve_every, tuple(sizes),
                            validation, train_data, test_data, pool[0].device.type)
    stored = run_cache.load("train_runs", key)
    if stored is not None:
        return stored
    chunks = [runs[start:start + group] for start in range(0, len(runs), group)]
    results = []
    with progress(total=steps * len(chunks), desc=desc, unit="step", disable=not show_progress) as bar:
        for chunk in chunks:
            results += _train_together(chunk, pool, validation_data, test_data, size, steps, curve_every, sizes, bar)
    run_cache.save("train_runs", key, results)
    return results


def _train_together(runs, pool, validation_data, test_data, size, steps, curve_every, sizes, bar):
    (x_val, y_val), (x_test, y_test) = validation_data, test_data
    xs, ys = _subsets(runs, pool, size)
    device = xs.device
    model = StackedMLP(runs, sizes, device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    order = [torch.Generator().manual_seed(run.seed + 2) for run in runs]
    per_epoch = size // BATCH_SIZE
    members = torch.arange(len(runs), device=device)[:, None]
    curve_steps, curve_val, curve_train, running = [], [], [], []
    for step in range(steps):
        if step % per_epoch == 0:  # a new epoch: each run shuffles its own images
            batches = torch.stack([torch.randperm(size, generator=g)[:per_epoch * BATCH_SIZE] for g in order])
            batches = batches.view(len(runs), per_epoch, BATCH_SIZE).to(device)
        index = batches[:, step % per_epoch]
        logits = model(xs[members, index])
        losses = F.cross_entropy(logits.transpose(1, 2), ys[members, index], reduction="none").mean(1)
        optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()  # the sum's gradient for each run is that of its own mean loss
        optimizer.step()
        running.append(losses.detach())
        if (step + 1) % curve_every == 0 or step + 1 == steps:
            curve_steps.append(step + 1)
            curve_val.append(evaluate_stacked(model, x_val[:CURVE_IMAGES], y_val[:CURVE_IMAGES])[0])
            curve_train.append(torch.stack(running).mean(0).tolist())
            running = []
            bar.set_postfix(val_loss=f"{statistics.fmean(curve_val[-1]):.3f}")
        bar.update(1)
    test_loss, test_acc = evaluate_stacked(model, x_test, y_test)
    val_loss, val_acc = evaluate_stacked(model, x_val, y_val)
    train_acc = [evaluate_stacked(model, xs[k], ys[k])[1][k] for k in range(len(runs))]
    return [
        RunResult(run, size, steps, test_loss[k], test_acc[k], val_loss[k], val_acc[k], train_acc[k],
                  list(curve_steps), [v[k] for v in curve_val], [t[k] for t in curve_train])
        for k, run in enumerate(runs)
    ]


def mean_sd(values, single_sd: float = float("nan")):
    """(mean, sample standard deviation) of `values`; the sd of one value is `single_sd`."""
    values = list(values)
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else single_sd)


def by_setting(results: list[RunResult]) -> dict:
    """{setting name: [results, in seed order]}, settings in the order they first appear."""
    groups = {}
    for result in results:
        groups.setdefault(result.name, []).append(result)
    return {name: sorted(group, key=lambda r: r.run.seed) for name, group in groups.items()}


def paired_gain(results: list[RunResult], name: str, baseline: str, metric: str = "test_acc"):
    """(mean of name - baseline over the seeds both ran, its standard error, wins, n)."""
    groups = by_setting(results)
    base = {r.run.seed: getattr(r, metric) for r in groups[baseline]}
    diffs = [getattr(r, metric) - base[r.run.seed] for r in groups[name] if r.run.seed in base]
    if len(diffs) < 2:
        raise ValueError(f"a paired difference needs at least 2 shared seeds; {name!r} and {baseline!r} "
                         f"have {len(diffs)}")
    mean, sd = mean_sd(diffs)
    wins = sum(d > 0 for d in diffs) if metric.endswith("acc") else sum(d < 0 for d in diffs)
    return mean, sd / math.sqrt(len(diffs)), wins, len(diffs)


def summary_table(results: list[RunResult], baseline: str | None = "no dropout", split: str = "test") -> str:
    """One line per setting: accuracy and loss, mean ± standard deviation over seeds, and the
    paired gain in accuracy over `baseline` ± its standard error, with wins out of n."""
    groups = by_setting(results)
    first = next(iter(groups.values()))[0]
    seeds = sorted({r.run.seed for r in results})
    images = "10,000 test" if split == "test" else "10,000 validation"
    lines = [f"{first.size:,} training images, {first.steps:,} steps, seeds {', '.join(map(str, seeds))}; "
             f"scored on all {images} images",
             f"{'':>30}  {'accuracy':>16}  {'loss':>13}" + (f"  {'gain over ' + baseline:>24}" if baseline else "")]
    for name, group in groups.items():
        acc = mean_sd(getattr(r, f"{split}_acc") for r in group)
        loss = mean_sd(getattr(r, f"{split}_loss") for r in group)
        line = f"{name:>30}  {acc[0]:>7.2%} ± {acc[1]:.2%}  {loss[0]:.3f} ± {loss[1]:.3f}"
        if baseline and name != baseline and baseline in groups:
            gain, se, wins, n = paired_gain(results, name, baseline, f"{split}_acc")
            line += f"  {gain * 100:>+6.2f} ± {se * 100:.2f} points ({wins}/{n} seeds)"
        lines.append(line)
    return "\n".join(lines)


def choose_on_validation(results: list[RunResult]) -> str:
    """The setting with the highest mean *validation* accuracy (never the test's)."""
    groups = by_setting(results)
    return max(groups, key=lambda name: statistics.fmean(r.val_acc for r in groups[name]))
