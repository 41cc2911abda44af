"""The bug hunt's checker finds each of the original lab's defects, and only those that remain."""
import pytest
import torch
from hint_stages import stages

from lessonkit.lessons.mnist.exercises import BUGGY_CODE, DEFECTS, StandInMNIST, check_bug_hunt

# Each defect's line in BUGGY_CODE and a fix for it.
FIXES = {
    "graph kept alive": ("avg_cost += cost / total_batch", "avg_cost += cost.item() / total_batch"),
    "test images unscaled": (".view(-1, 28 * 28).float().to(device)",
                             ".view(-1, 28 * 28).float().div(255).to(device)"),
    "deprecated attributes": ("mnist_test.test_data", "mnist_test.data",
                              "mnist_test.test_labels", "mnist_test.targets"),
    "dropout on while testing": ("    with torch.no_grad():\n        X_test",
                                 "    model.eval()\n    with torch.no_grad():\n        X_test"),
}
# What the fix says, which no earlier stage may say.
FIX_WORDS = {"graph kept alive": ".item()", "test images unscaled": "/ 255", "deprecated attributes": ".targets",
             "dropout on while testing": "model.eval()"}


def functions(code):
    namespace = {"torch": torch}
    exec(code, namespace)  # noqa: S102 - the lesson's own code
    return namespace["train_epoch"], namespace["test_accuracy"]


def fixed(code=BUGGY_CODE, *defects):
    for defect in defects:
        pairs = FIXES[defect]
        for old, new in zip(pairs[::2], pairs[1::2]):
            assert old in code
            code = code.replace(old, new)
    return code


def test_the_original_code_has_all_four_defects_and_each_is_named():
    report = check_bug_hunt(*functions(BUGGY_CODE))
    assert sorted(report.mistakes) == sorted(DEFECTS)


def test_the_fixed_code_passes():
    report = check_bug_hunt(*functions(fixed(BUGGY_CODE, *DEFECTS)))
    assert report.passed, str(report)
    assert "all four defects fixed" in str(report)


@pytest.mark.parametrize("defect", DEFECTS)
def test_fixing_one_defect_leaves_the_other_three_named(defect):
    report = check_bug_hunt(*functions(fixed(BUGGY_CODE, defect)))
    assert sorted(report.mistakes) == sorted(set(DEFECTS) - {defect})


@pytest.mark.parametrize("defect", DEFECTS)
def test_only_the_remaining_defect_is_named_and_told_in_stages(defect):
    others = [d for d in DEFECTS if d != defect]
    one, two, three = stages(check_bug_hunt, *functions(fixed(BUGGY_CODE, *others)))
    assert f"✗ bug hunt: {defect}: " in one.splitlines()[0] or f"- {defect}: " in one
    assert "Where to look" not in one and "Where to look" in two and "Fix" not in two and "Fix: " in three
    assert FIX_WORDS[defect] not in one and FIX_WORDS[defect] not in two
    assert FIX_WORDS[defect] in three


def test_other_correct_fixes_pass_too():
    code = fixed(BUGGY_CODE, *DEFECTS).replace("cost.item() / total_batch", "cost.detach() / total_batch")
    assert check_bug_hunt(*functions(code)).passed
    loader_test = '''
def test_accuracy(model, mnist_test, device):
    model.eval()
    loader = torch.utils.data.DataLoader(mnist_test, batch_size=10)  # items are scaled like ToTensor's
    correct = 0
    with torch.no_grad():
        for X, Y in loader:
            correct += (model(X.view(-1, 28 * 28)).argmax(1) == Y).sum().item()
    return correct / len(mnist_test)
'''
    train_epoch, _ = functions(fixed(BUGGY_CODE, "graph kept alive"))
    assert check_bug_hunt(train_epoch, functions(BUGGY_CODE + loader_test)[1]).passed


def test_the_praise_says_what_was_summed_into_avg_cost():
    from lessonkit.lessons.mnist.exercises import FIXED_CODE

    detached = check_bug_hunt(*functions(FIXED_CODE.replace("cost.item()", "cost.detach()")))
    assert detached.passed and "plain number" not in str(detached)  # a 0-dim tensor is not a Python number
    assert "avg_cost is a tensor without a grad_fn; `cost.item()` would make it a Python number" in str(detached)
    for number in ("cost.item()", "float(cost)"):
        assert "a plain number summed into avg_cost" in str(check_bug_hunt(*functions(FIXED_CODE.replace(
            "cost.item()", number))))


def test_a_train_epoch_that_leaves_dropout_off_after_a_test_is_named():
    from lessonkit.lessons.mnist.exercises import FIXED_CODE

    line = "    model.train()    # set the model to train mode (dropout=True)\n"
    assert line in FIXED_CODE
    one, two, three = stages(check_bug_hunt, *functions(FIXED_CODE.replace(line, "")))
    assert one.startswith("✗ bug hunt: dropout off while training: handed a model in eval mode") and "Fix" not in two
    assert "Fix: call `model.train()` at the start of train_epoch" in three
    assert "model.train()" not in one and "model.train()" not in two


def test_wrong_forms_and_an_unanswered_cell_become_messages():
    train_epoch, test_accuracy = functions(fixed(BUGGY_CODE, *DEFECTS))
    assert "not answered yet" in str(check_bug_hunt(None, test_accuracy))

    def raises(*args):
        raise KeyError("oops")

    assert "test_accuracy: your function raised KeyError" in str(check_bug_hunt(train_epoch, raises))
    assert "train_epoch: your function raised KeyError" in str(check_bug_hunt(raises, test_accuracy))
    def says_high(model, mnist_test, device):
        model.eval()
        model(mnist_test.data.float() / 255)
        return "high"

    assert "float in [0, 1], got 'high'" in str(check_bug_hunt(train_epoch, says_high))
    assert "never called the model" in str(check_bug_hunt(train_epoch, lambda m, t, d: 1.0))


def test_the_check_leaves_the_global_random_state_alone():
    before = torch.get_rng_state()
    check_bug_hunt(*functions(BUGGY_CODE))
    assert torch.equal(torch.get_rng_state(), before)


def test_the_stand_in_is_shaped_like_torchvisions_mnist():
    mnist = StandInMNIST()
    image, label = mnist[0]
    assert mnist.data.dtype == torch.uint8 and mnist.data.shape[1:] == (28, 28) and mnist.data.max() == 255
    assert image.shape == (1, 28, 28) and 0 <= image.min() and image.max() <= 1 and isinstance(label, int)
    assert not mnist.deprecated_used and torch.equal(mnist.test_labels, mnist.targets)
    assert mnist.deprecated_used == {"test_labels"}


def ablation(hidden_gain, input_gain, noise=0.002):
    """A stand-in for the ablation's record: ten seeds, test accuracy only where it matters."""
    from lessonkit.lessons.mnist.analysis import Runs

    rows = []
    for seed in range(10):
        wobble = noise * ((seed * 7) % 5 - 2)
        for arm, gain in (("no dropout", 0.0), ("hidden only", hidden_gain), ("input only", input_gain)):
            for split in ("validation", "test"):
                rows.append(dict(arm=arm, seed=seed, size=1000, step=1000, split=split, loss=0.5,
                                 accuracy=0.9 + gain + wobble * (arm != "no dropout")))
    return Runs(rows)


@pytest.mark.parametrize("hidden_gain, input_gain, right", [
    (0.002, 0.012, "input"), (0.012, 0.002, "hidden"), (0.010, 0.010, "same"), (0.0, 0.0, "neither")])
def test_the_knob_prediction_is_checked_against_the_record(hidden_gain, input_gain, right):
    from lessonkit.lessons.mnist.exercises import KNOBS, check_knob_prediction, knob_answer

    runs = ablation(hidden_gain, input_gain)
    assert knob_answer(runs) == right
    assert check_knob_prediction(right, runs=runs).passed
    assert check_knob_prediction(f" {right.upper()} ", runs=runs).passed
    for wrong in set(KNOBS) - {right}:
        assert not check_knob_prediction(wrong, runs=runs).passed


def test_a_wrong_knob_is_told_in_stages_that_do_not_depend_on_the_right_answer():
    from hint_stages import stages

    from lessonkit.lessons.mnist.exercises import check_knob_prediction

    # "neither" is wrong for both records, whose right answers differ: what it is told must not differ
    told = [stages(lambda answer, hint, runs=runs: check_knob_prediction(answer, hint=hint, runs=runs), "neither")
            for runs in (ablation(0.002, 0.012), ablation(0.012, 0.002))]
    assert told[0] == told[1]
    one, two, three = told[0]
    assert "neither knob taken to gain" in one and "Where to look" in two and "Fix: " in three and "Fix" not in two
    assert "not answered yet" in str(check_knob_prediction(None, runs=ablation(0.0, 0.0)))


def test_same_is_told_what_the_record_shows():
    from lessonkit.lessons.mnist.exercises import check_knob_prediction

    for runs in (ablation(0.002, 0.012), ablation(0.012, 0.002)):  # one knob ahead (which one is not said)
        told = str(check_knob_prediction("same", runs=runs))
        assert "the record tells the two knobs apart: one alone gains more than the other" in told
        assert "neither" not in told and "input" not in told and "hidden" not in told
    told = str(check_knob_prediction("same", runs=ablation(0.0, 0.0)))  # neither gains
    assert "the record does not show the two knobs gaining alike" in told and "tells the two knobs apart" not in told


def test_the_test_mode_is_read_from_the_dropout_layer_not_the_models_flag():
    from lessonkit.lessons.mnist.exercises import FIXED_CODE

    eval_line = "model.eval()  # dropout off while testing"
    flag_only = FIXED_CODE.replace(eval_line, "model.training = False  # changes no layer")
    layers_off = FIXED_CODE.replace(
        eval_line, "[layer.eval() for layer in model.modules() if isinstance(layer, torch.nn.Dropout)]")
    assert check_bug_hunt(*functions(flag_only)).mistakes == ["dropout on while testing"]
    assert check_bug_hunt(*functions(layers_off)).passed


@pytest.mark.parametrize("change, told", [
    (("(mnist_test.data.view(-1, 28 * 28).float() / 255)", "(mnist_test.data.view(-1, 28 * 28) > 0).float()"),
     "test images scaled differently"),
    (("(mnist_test.data.view(-1, 28 * 28).float() / 255)", "mnist_test.data.view(-1, 28 * 28).float().clamp(max=1)"),
     "test images scaled differently"),
    (("    return accuracy.item()", "    return 0.98"), "test_accuracy returned 0.98"),
    (("        prediction = model(X_test)", "        prediction = torch.cat([model(b) for b in X_test.split(10)])"),
     None),
])
def test_the_pixels_and_the_accuracy_are_checked_not_just_the_brightest_pixel(change, told):
    from lessonkit.lessons.mnist.exercises import FIXED_CODE

    assert change[0] in FIXED_CODE
    report = check_bug_hunt(*functions(FIXED_CODE.replace(*change)))
    assert report.passed if told is None else told in str(report), str(report)
