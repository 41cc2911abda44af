"""Lesson 5's bug hunt: the original lab's training and test code, with its real defects.

    exec(BUGGY_CODE)                              # or paste it into a cell and fix it there
    check_bug_hunt(train_epoch, test_accuracy)    # which defects remain; hint=2: where, hint=3: the fix

The original lab (the study note's code, reproduced in `BUGGY_CODE`) tests on raw 0-255
pixels read through torchvision's deprecated `test_data`/`test_labels`, sums `cost`
tensors into `avg_cost` (keeping every batch's autograd graph alive until the epoch ends),
and here its `model.eval()` has gone missing too. The checker runs your two functions on a
small stand-in for MNIST and a probe model that records what it was given, in which mode,
so it tests what the code does, not how it is spelled.
"""
import torch
from torch import nn

from lessonkit.core.exercises import (
    SOLUTION_FILE,
    CheckReport,
    Exercise,
    Mistake,
    calls_into,
    check_multiple_choice,
    hint_stage,
    pure,
)
from lessonkit.core.language import Message

BUGGY_CODE = '''\
def train_epoch(model, data_loader, criterion, optimizer, device):
    """One epoch of the original lab's training loop; returns the epoch's average cost."""
    model.train()    # set the model to train mode (dropout=True)
    total_batch = len(data_loader)
    avg_cost = 0
    for X, Y in data_loader:
        X = X.view(-1, 28 * 28).to(device)
        Y = Y.to(device)

        optimizer.zero_grad()
        hypothesis = model(X)
        cost = criterion(hypothesis, Y)
        cost.backward()
        optimizer.step()

        avg_cost += cost / total_batch
    return avg_cost


def test_accuracy(model, mnist_test, device):
    """The original lab's test: the accuracy of `model` on the whole test set, a float."""
    with torch.no_grad():
        X_test = mnist_test.test_data.view(-1, 28 * 28).float().to(device)
        Y_test = mnist_test.test_labels.to(device)

        prediction = model(X_test)
        correct_prediction = torch.argmax(prediction, 1) == Y_test
        accuracy = correct_prediction.float().mean()
    return accuracy.item()
'''

SCALE_FIX = "scale the test pixels as ToTensor does: `mnist_test.data.view(-1, 28 * 28).float() / 255`."
DEFECTS = ("test images unscaled", "deprecated attributes", "dropout on while testing", "graph kept alive")


class StandInMNIST:
    """A small stand-in for `torchvision.datasets.MNIST(train=False, transform=ToTensor())`:
    `.data` (uint8 images, 0-255), `.targets`, items scaled to [0, 1] as ToTensor gives them,
    and the deprecated `.test_data`/`.test_labels`, which work but are recorded."""

    def __init__(self, n: int = 64, seed: int = 0):
        generator = torch.Generator().manual_seed(seed)
        self.targets = torch.randint(0, 10, (n,), generator=generator)
        self.data = torch.randint(0, 60, (n, 28, 28), generator=generator, dtype=torch.uint8)
        self.data.view(n, -1)[torch.arange(n), self.targets] = 255  # pixel `label` is the brightest of 0-9
        self.deprecated_used: set[str] = set()

    def _deprecated(self, name, value):
        self.deprecated_used.add(name)
        return value

    test_data = property(lambda self: self._deprecated("test_data", self.data))
    test_labels = property(lambda self: self._deprecated("test_labels", self.targets))
    train_data = property(lambda self: self._deprecated("train_data", self.data))
    train_labels = property(lambda self: self._deprecated("train_labels", self.targets))

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        return self.data[i].unsqueeze(0).float() / 255, int(self.targets[i])


class ProbeModel(nn.Module):
    """Reads the class off the first ten pixels (the label's is the brightest) through a
    dropout layer, and records each call's inputs, as rows of pixels, and whether its dropout was in train
    mode."""

    def __init__(self):
        super().__init__()
        self.dropout = nn.Dropout(0.5)
        self.weight = nn.Parameter(torch.ones(10))
        self.calls: list[tuple[torch.Tensor, bool]] = []
        self.outputs: list[torch.Tensor] = []  # what each call returned (the batch costs are read from them)
        self.zeroed = 0  # calls of model.zero_grad()

    def forward(self, x):
        self.calls.append((x.detach().reshape(len(x), -1), self.dropout.training))  # the mode dropout acts in
        out = self.dropout(x.reshape(len(x), -1)[:, :10]) * self.weight
        self.outputs.append(out.detach())
        return out

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.zeroed += 1
        super().zero_grad(set_to_none)


class CountingSGD(torch.optim.SGD):
    """SGD that counts its `zero_grad()` calls: a step without one adds every earlier batch's gradient."""

    def __init__(self, params, lr):
        super().__init__(params, lr=lr)
        self.zeroed = 0

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.zeroed += 1
        super().zero_grad(set_to_none)


def _run(report, what, fn, *args):
    try:
        with calls_into((), files={SOLUTION_FILE}) as called:  # the course's solution, called from a wrapper
            result = fn(*args)
        if called and "the course's solution called" not in report.mistakes:
            report.problems.append(Mistake(
                "the course's solution called", Message("your {what} calls {name}: the check asks for the two "
                                                        "functions of the cell above, fixed by you.",
                                                        what=what, name=called[0]),
                "the body of your function: which line does the work?",
                "fix the code of the cell above yourself and hand in its two functions."))
        return result, True
    except NotImplementedError:  # a function not written yet: Exercise.check says so
        raise
    except Exception as err:  # noqa: BLE001 - a learner's bug must become a message
        report.problems.append(Message("{what}: your function raised {kind}: {error}", what=what,
                                       kind=type(err).__name__, error=err))
        return None, False


def _scaling(given: torch.Tensor, raw: torch.Tensor) -> str:
    """How the rows the model was given relate to the raw test bytes: "ToTensor" (divided by 255, as the
    training images are), "raw" (the bytes as they are), "rescaled" (multiplied by another number),
    "normalised" (shifted and rescaled, `(x / 255 - 0.1307) / 0.3081` say) or "other" (no such map)."""
    centred = given - given.mean(1, keepdim=True)
    raw_centred = raw - raw.mean(1, keepdim=True)
    norms = centred.norm(dim=1, keepdim=True) * raw_centred.norm(dim=1)[None, :]
    correlation = (centred @ raw_centred.T) / norms.clamp(min=1e-12)
    best, image = correlation.max(1)  # each row beside the raw image it is most like
    if not bool((best > 1 - 1e-5).all()):
        return "other"  # not a linear map of the bytes: clipped, binarised...
    scale = (centred.norm(dim=1) / raw_centred[image].norm(dim=1)).median().item()
    offset = (given.mean(1) - scale * raw[image].mean(1)).median().item()
    if abs(offset) > 1e-3 * max(scale * 255, 1e-12):
        return "normalised"
    if abs(scale * 255 - 1) < 1e-4:
        return "ToTensor"
    return "raw" if abs(scale - 1) < 1e-4 else "rescaled"


@pure()
def check_bug_hunt(train_epoch=None, test_accuracy=None, *, hint: int = 1, first_look: bool = False) -> CheckReport:
    """Which of the original lab's four defects remain in your `train_epoch(model, data_loader,
    criterion, optimizer, device)` and `test_accuracy(model, mnist_test, device)`?

    `first_look=True` (what `q1.check` asks for): while all four remain, say only that, without
    naming them, so that the check's stored output on the untouched code gives nothing away."""
    report = CheckReport("bug hunt", hint=hint_stage(hint))
    if train_epoch is None or test_accuracy is None:
        return CheckReport("bug hunt", checks=1, problems=[
            "not answered yet: pass both functions of the cell above, fixed: q1.check(train_epoch, test_accuracy)."])
    with torch.random.fork_rng(devices=[]):  # the probe's dropout draws; the learner's random state stays
        torch.manual_seed(0)
        report = _check(report, train_epoch, test_accuracy)
    shortcut = [m for m in report.problems if isinstance(m, Mistake) and m.name == "the course's solution called"]
    if shortcut:  # whatever else it got right, it was not the learner's fix
        return CheckReport("bug hunt", checks=report.checks, hint=report.hint, problems=shortcut)
    if first_look and sorted(report.mistakes) == sorted(DEFECTS) and len(report.problems) == len(DEFECTS):
        return CheckReport("bug hunt", checks=1, problems=[Message(
            "none of the {n} defects is fixed yet: the two functions still behave as the original lab's. Edit them "
            "above and run this cell again; q1.hint() tells their symptoms.", n=len(DEFECTS))])
    return report


def _check(report, train_epoch, test_accuracy) -> CheckReport:
    model, mnist_test = ProbeModel(), StandInMNIST()
    loader = [(mnist_test[i * 16][0].repeat(16, 1, 1, 1), mnist_test.targets[i * 16:(i + 1) * 16]) for i in range(3)]
    optimizer = CountingSGD(model.parameters(), lr=0.0)  # lr 0: the probe must stay as it is

    report.checks += 2
    model.eval()  # as test_accuracy leaves it: the next epoch must switch dropout back on
    avg_cost, ran = _run(report, "train_epoch", train_epoch, model, loader, nn.CrossEntropyLoss(), optimizer, "cpu")
    if ran and model.calls and not all(training for _, training in model.calls):
        report.problems.append(Mistake(
            "dropout off while training", "handed a model in eval mode (as test_accuracy leaves it), train_epoch "
            "trained it with dropout off.",
            "the start of train_epoch: which mode is the model in when it trains after a test?",
            "call `model.train()` at the start of train_epoch: once test_accuracy calls model.eval(), every later "
            "epoch would otherwise train without dropout."))
    if ran and isinstance(avg_cost, torch.Tensor) and avg_cost.grad_fn is not None:
        report.problems.append(Mistake(
            "graph kept alive", Message("train_epoch returns a tensor with a grad_fn ({grad_fn}), not a plain number, "
                                        "and the memory it holds grows with every batch of the epoch.",
                                        grad_fn=type(avg_cost.grad_fn).__name__),
            "the line that adds each batch's cost to avg_cost: what is added, a number or a tensor? A tensor "
            "added keeps its batch's autograd graph alive until the epoch ends.",
            "add the number, not the tensor: `avg_cost += cost.item() / total_batch`."))
    elif ran and not isinstance(avg_cost, (int, float, torch.Tensor)):
        report.problems.append(Message("train_epoch must return the average cost, a number; got {type}.",
                                       type=type(avg_cost).__name__))
    elif ran and len(model.outputs) == len(loader):  # one call a batch: each batch's cost is known
        costs = [nn.functional.cross_entropy(out, y).item() for out, (_, y) in zip(model.outputs, loader)]
        value, mean = float(avg_cost), sum(costs) / len(costs)
        if abs(value - mean) > 1e-5 * max(1.0, abs(mean)):
            if abs(value - sum(costs)) <= 1e-5 * max(1.0, abs(sum(costs))):
                report.problems.append(Mistake(
                    "the sum, not the average", Message("train_epoch returned the sum of the epoch's {n} batch "
                                                        "costs, not their average.", n=len(costs)),
                    "the line that adds each batch's cost to avg_cost: what is each cost divided by?",
                    "divide each batch's cost by the number of batches: `avg_cost += cost.item() / total_batch`."))
            else:
                report.problems.append(Message("train_epoch returned {value:.4g}, which is not the average of the "
                                               "epoch's batch costs.", value=value))
    report.checks += 1
    if ran and max(optimizer.zeroed, model.zeroed) < len(loader):
        report.problems.append(Mistake(
            "gradients not zeroed", Message("train_epoch cleared the gradients {zeroed} times in {n} batches: "
                                            "without `optimizer.zero_grad()`, each batch's gradient is added to those "
                                            "of all the batches before it.",
                                            zeroed=max(optimizer.zeroed, model.zeroed), n=len(loader)),
            "the top of the loop body, before `cost.backward()`: what clears the last batch's gradients?",
            "call `optimizer.zero_grad()` at the start of every batch, before the forward pass."))

    model.calls.clear()
    model.outputs.clear()
    model.train()  # as train_epoch leaves it
    report.checks += 3
    accuracy, ran = _run(report, "test_accuracy", test_accuracy, model, mnist_test, "cpu")
    if not ran:
        return report
    if not model.calls:
        report.problems.append("test_accuracy never called the model.")
        return report
    given = torch.cat([rows for rows, _ in model.calls]).float()
    scaling = _scaling(given, mnist_test.data.reshape(len(mnist_test), -1).float())
    scaled_differently = ("the number the line that builds X_test divides the raw bytes by, beside what ToTensor "
                          "does.")
    if scaling == "raw":
        report.problems.append(Mistake(
            "test images unscaled", "the model was given test pixels as large as 255, far outside anything "
            "it saw in training.",
            "the line that builds X_test from mnist_test, beside what transforms.ToTensor() did to the training "
            "images (`.data` holds the raw bytes).", SCALE_FIX))
    elif scaling == "normalised":
        report.problems.append(Mistake(
            "test images normalised, training images not", Message(
                "your test pixels were shifted and rescaled, as a normalisation does (they reached the model between "
                "{low:.3g} and {high:.3g}); the training images pass through transforms.ToTensor() alone, which only "
                "divides by 255, to between 0 and 1.", low=given.min().item(), high=given.max().item()),
            "the line that builds X_test: the training loader normalises nothing, so the test may not either.",
            SCALE_FIX))
    elif scaling == "rescaled":
        report.problems.append(Mistake(
            "test images scaled differently", Message(
                "the brightest test pixel reached the model as {value:.4g}; in training, scaled by "
                "transforms.ToTensor(), the same pixel is 1.", value=given.abs().max().item()),
            scaled_differently, SCALE_FIX))
    elif scaling == "other":
        report.problems.append(Mistake(
            "test images scaled differently", "the test pixels reached the model changed in another way than "
            "transforms.ToTensor() changes the training pixels (dividing by 255).",  # clipped or binarised, say
            scaled_differently, SCALE_FIX))
    if mnist_test.deprecated_used:
        *used, last = [f"`.{name}`" for name in sorted(mnist_test.deprecated_used)]
        if used:
            listed = used[0]
            for name in used[1:]:
                listed = Message("{listed} and {name}", listed=listed, name=name)
            where = Message("the two lines that read the images and the labels from mnist_test: they read {listed} "
                            "and {last}.", listed=listed, last=last)
        else:
            where = Message("the two lines that read the images and the labels from mnist_test: they read {used}.",
                            used=last)
        report.problems.append(Mistake(
            "deprecated attributes", "torchvision warns while your test runs: it reads attributes that "
            "torchvision has deprecated and may remove.", where,
            "use `mnist_test.data` for the images and `mnist_test.targets` for the labels."))
    if any(training for _, training in model.calls):
        report.problems.append(Mistake(
            "dropout on while testing", "the model was in train mode during the test: two identical calls of "
            "test_accuracy can give different accuracies.",
            "which mode the model is in when test_accuracy starts (train_epoch left it in train mode, where "
            "dropout keeps dropping units).",
            "call `model.eval()` before the test pass (and `model.train()` before training again)."))
    if not isinstance(accuracy, (int, float)) or isinstance(accuracy, bool) or not 0 <= accuracy <= 1:
        report.problems.append(Message("test_accuracy must return the accuracy as a float in [0, 1], got "
                                       "{accuracy!r}.", accuracy=accuracy))
    elif report.passed and accuracy != 1.0:  # the probe, given the right pixels in eval mode, is always right
        report.problems.append(Message("test_accuracy returned {accuracy!r}, but the probe model answered every test "
                                       "image right: count the right answers over the whole test set and return "
                                       "their share.", accuracy=accuracy))
    if report.passed and isinstance(avg_cost, torch.Tensor):  # cost.detach(): no graph kept, but not a number
        report.praise = ("all four defects fixed: test pixels scaled like the training ones, `.data`/`.targets`, "
                         "model.eval() before testing, and no batch's graph kept alive (avg_cost is a tensor "
                         "without a grad_fn; `cost.item()` would make it a Python number).")
    elif report.passed:
        report.praise = ("all four defects fixed: test pixels scaled like the training ones, `.data`/`.targets`, "
                         "model.eval() before testing, and a plain number summed into avg_cost.")
    return report



KNOBS = ("hidden", "input", "same", "neither")


def knob_answer(runs) -> str:
    """What the ablation's record says, paired by seed with 95% intervals, each run read at its step
    chosen on validation: "input" or "hidden" when one knob alone gains more than the other; "same"
    when at least one gains over no dropout but the two cannot be told apart; "neither" when
    neither alone gains."""
    between = runs.compare("input only", "hidden only", stop_a=True, stop_b=True)
    if between.low > 0:
        return "input"
    if between.high < 0:
        return "hidden"
    alone = [runs.compare(arm, "no dropout", stop_a=True, stop_b=True) for arm in ("hidden only", "input only")]
    return "same" if any(d.low > 0 for d in alone) else "neither"


def _ablation():
    """The record `mnist-1k-settled`, as lesson 5 reads it."""
    from lessonkit.core.records import load_record
    from lessonkit.lessons.mnist.analysis import Runs

    return Runs(load_record("mnist-1k-settled"))


def check_knob_prediction(answer, *, hint: int = 1, runs=None) -> CheckReport:
    """Your prediction, before section 6 shows the ablation: on 1,000 training images, which knob
    alone gains more test accuracy over no dropout: dropout 0.5 after the "hidden" layers only,
    on the "input" pixels only, the "same" (at least one gains, and ten seeds cannot tell them
    apart), or "neither" (neither alone gains)? Checked against the record `mnist-1k-settled`
    (ten seeds, each run read at its step chosen on validation; `runs`: an `analysis.Runs` of it,
    loaded when None)."""
    if runs is None:
        runs = _ablation()
    right = knob_answer(runs)
    where = ("what each knob takes away from a network that can memorise 1,000 images: a dropped hidden unit "
             "is one of 512 that must learn to work without it; a dropped pixel changes the image itself. "
             "Then ask how large each effect could be beside the other.")
    fix = ("dropout breaks co-adaptation (units that only work together) wherever it is applied; on the input "
           "it is also a kind of data augmentation, since the network never sees the same image twice. "
           "Weigh the two, and remember that ten seeds tell apart only differences larger than their noise.")
    names = {"hidden": "hidden dropout taken to gain more", "input": "input dropout taken to gain more",
             "same": "the two knobs taken to be alike", "neither": "neither knob taken to gain"}
    symptoms = {"hidden": "the record does not show hidden dropout alone ahead of input dropout alone.",
                "input": "the record does not show input dropout alone ahead of hidden dropout alone.",
                "same": ("the record tells the two knobs apart: one alone gains more than the other, beyond its "
                         "seeds' noise." if right in ("input", "hidden") else
                         "the record does not show the two knobs gaining alike."),
                "neither": "in the record at least one knob gains on its own, beyond its seeds' noise."}
    d = runs.compare("input only", "hidden only", stop_a=True, stop_b=True)
    return check_multiple_choice(
        "my_knob_prediction", answer, right=right, hint=hint,
        # d.describe(2, " points"), written out so that the sentence is translated whole
        praise=Message("The record's {n} seeds: input only minus hidden only {mean:+.2f} points ± {se:.2f} (95% CI "
                       "{low:+.2f} to {high:+.2f}), t-test p = {p:.2g}, better in {wins} of {n}; section 6 prints each "
                       "knob's gain over no dropout.", n=d.n, mean=d.mean, se=d.se, low=d.low, high=d.high,
                       p=d.p_value, wins=d.wins),
        wrong={choice: Mistake(names[choice], symptoms[choice], where, fix) for choice in KNOBS if choice != right})


# The lesson's questions, Kaggle Learn's way: q.check(...), q.hint(n), q.solution().
FIXED_CODE = (BUGGY_CODE
              .replace("mnist_test.test_data.view(-1, 28 * 28).float().to(device)",
                       "(mnist_test.data.view(-1, 28 * 28).float() / 255).to(device)  # scaled as ToTensor does")
              .replace("mnist_test.test_labels", "mnist_test.targets")
              .replace("    with torch.no_grad():\n        X_test", "    model.eval()  # dropout off while testing\n"
                       "    with torch.no_grad():\n        X_test")
              .replace("avg_cost += cost / total_batch", "avg_cost += cost.item() / total_batch  # a number: "
                       "the batch's graph is freed"))


def _fixed():
    namespace = {"torch": torch}
    # lessonkit's own solution text, run to prove it passes; its file name marks it as the course's
    exec(compile(FIXED_CODE, SOLUTION_FILE, "exec"), namespace)  # noqa: S102
    return namespace["train_epoch"], namespace["test_accuracy"]


q1 = Exercise(
    "q1", "the original lab's bug hunt", check_bug_hunt, first_check={"first_look": True}, starter=BUGGY_CODE,
    where="four places: how the test pixels are scaled beside the training ones, which attributes of mnist_test "
          "are read, which mode the model is in while testing, and what is added to avg_cost each batch.",
    fix="scale the test pixels by / 255 as ToTensor does; read `.data` and `.targets`; call `model.eval()` "
        "before testing; add `cost.item()`, a number, to avg_cost.",
    solution_text=FIXED_CODE, solved=_fixed,
    explanation="All four defects fixed: test pixels scaled like the training ones, `.data`/`.targets`, "
                "model.eval() before testing, and a plain number summed into avg_cost.")


q2 = Exercise(
    "q2", "which knob alone gains more", check_knob_prediction,
    where="what each knob takes away from a network that can memorise 1,000 images: a dropped hidden unit is one "
          "of 512 that must learn to work without it; a dropped pixel changes the image itself.",
    fix="dropout breaks co-adaptation (units that only work together) wherever it is applied; on the input it is "
        "also a kind of data augmentation. Weigh the two, and remember that ten seeds tell apart only differences "
        "larger than their noise.",
    solution_text=(
        "# Each knob alone against no dropout, and the two knobs against each other, seed by seed,\n"
        "# every run read at its own step of highest validation accuracy (never the test's).\n"
        "ablation = Runs(records[\"mnist-1k-settled\"])\n"
        "between = ablation.compare(\"input only\", \"hidden only\", stop_a=True, stop_b=True)\n"
        "alone = [ablation.compare(arm, \"no dropout\", stop_a=True, stop_b=True) for arm in (\"hidden only\", "
        "\"input only\")]\n"
        "print(between)  # input only minus hidden only, in points, with its 95% interval\n"
        "# One knob gains more only if that interval excludes zero; a knob gains if its own interval is above zero.\n"
        "my_knob_prediction = (\"input\" if between.low > 0 else \"hidden\" if between.high < 0\n"
        "                      else \"same\" if any(d.low > 0 for d in alone) else \"neither\")"),
    solved=lambda: (knob_answer(_ablation()),),
    explanation="The reasoning: a knob gains when its paired interval against no dropout lies above zero, and one "
                "knob gains more than the other only when the interval of their difference excludes zero. With "
                "ten seeds, a difference smaller than their noise is not told apart: that is the answer \"same\". "
                "Section 6 prints each of these comparisons.")
