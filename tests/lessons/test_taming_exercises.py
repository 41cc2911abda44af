import torch
from hint_stages import stages
from learner_variants import _mc_reseeded

from lessonkit.lessons.taming.exercises import check_mc_dropout


def solution(model, x, passes):
    was_training = model.training
    model.train()
    with torch.no_grad():
        samples = torch.stack([model(x.unsqueeze(1)).squeeze(1) for _ in range(passes)])
    model.train(was_training)
    return samples.mean(0), samples.std(0)


def test_a_correct_mc_dropout_passes():
    report = check_mc_dropout(solution)
    assert report.passed, str(report)
    assert report.checks >= 5


def test_mean_and_std_returned_in_the_wrong_order_is_named():
    def swapped(model, x, passes):
        mean, std = solution(model, x, passes)
        return std, mean

    report = check_mc_dropout(swapped)
    assert report.mistakes == ["mean and std swapped"], str(report)


def test_dropout_left_off_is_named():
    def eval_mode(model, x, passes):
        model.eval()
        with torch.no_grad():
            samples = torch.stack([model(x.unsqueeze(1)).squeeze(1) for _ in range(passes)])
        return samples.mean(0), samples.std(0)

    report = check_mc_dropout(eval_mode)
    assert report.mistakes == ["dropout off during the passes"] and "std of your passes is zero" in str(report)


def test_mode_not_restored_is_named():
    def leaves_train_mode(model, x, passes):
        model.train()
        with torch.no_grad():
            samples = torch.stack([model(x.unsqueeze(1)).squeeze(1) for _ in range(passes)])
        return samples.mean(0), samples.std(0)

    report = check_mc_dropout(leaves_train_mode)
    assert report.mistakes == ["mode not restored"] and "came back in train mode" in str(report)


def test_a_function_that_always_ends_in_eval_mode_is_named():
    def ends_in_eval(model, x, passes):
        model.train()
        with torch.no_grad():
            samples = torch.stack([model(x.unsqueeze(1)).squeeze(1) for _ in range(passes)])
        model.eval()  # right for a model that came in eval mode, wrong for one in train mode
        return samples.mean(0), samples.std(0)

    report = check_mc_dropout(ends_in_eval)
    assert report.mistakes == ["mode not restored"] and "came back in eval mode" in str(report)


def test_statistics_over_the_wrong_dimension_or_too_few_passes_fail():
    def one_pass_mean(model, x, passes):
        mean, std = solution(model, x, passes)
        was = model.training
        model.train()
        with torch.no_grad():
            single = model(x.unsqueeze(1)).squeeze(1)  # one pass, not the average
        model.train(was)
        return single, std

    report = check_mc_dropout(one_pass_mean)
    assert "mean not the passes' average" in report.mistakes and "mean is off" in str(report)

    def halved_std(model, x, passes):
        mean, std = solution(model, x, passes)
        return mean, std / 2

    report = check_mc_dropout(halved_std)
    assert report.mistakes == ["spread not the passes' std"] and "spread is 0.50 times" in str(report)


def test_errors_and_wrong_shapes_are_reported_not_raised():
    def broken(model, x, passes):
        raise RuntimeError("boom")

    report = check_mc_dropout(broken)
    assert not report.passed and "RuntimeError: boom" in str(report)
    report = check_mc_dropout(lambda model, x, passes: model(x.unsqueeze(1)))
    assert not report.passed and "return (mean, std)" in str(report)


def test_the_check_does_not_touch_the_global_random_state():
    before = torch.get_rng_state()
    check_mc_dropout(solution)
    assert torch.equal(torch.get_rng_state(), before)


def test_spread_without_dropout_is_named():
    def noisy(model, x, passes):
        mean, std = solution(model, x, passes)
        return mean, std + 0.01

    assert "spread without dropout" in check_mc_dropout(noisy).mistakes


def test_mc_dropout_hints_come_in_stages():
    def eval_mode(model, x, passes):
        with torch.no_grad():
            samples = torch.stack([model(x.unsqueeze(1)).squeeze(1) for _ in range(passes)])
        return samples.mean(0), samples.std(0)

    one, two, three = stages(check_mc_dropout, eval_mode)
    assert "dropout off during the passes" in one and "Where to look" not in one and "model.train()" not in one
    assert "Where to look" in two and "model.train()" not in two
    assert "Fix: call `model.train()` before the passes" in three
    assert "not answered yet" in str(check_mc_dropout(None))


def test_a_float64_answer_is_compared_not_raised():
    report = check_mc_dropout(lambda model, x, passes: tuple(t.double() for t in solution(model, x, passes)))
    assert report.passed, str(report)


def flag_only(model, x, passes):
    was_training = model.training
    model.train()
    with torch.no_grad():
        samples = torch.stack([model(x.unsqueeze(1)).squeeze(1) for _ in range(passes)])
    model.training = was_training  # changes no layer: its dropout stays on
    return samples.mean(0), samples.std(0)


def dropout_layers_on(model, x, passes):
    for layer in model.modules():
        if isinstance(layer, torch.nn.Dropout):
            layer.train()  # and never switched back
    with torch.no_grad():
        samples = torch.stack([model(x.unsqueeze(1)).squeeze(1) for _ in range(passes)])
    return samples.mean(0), samples.std(0)


def test_the_mode_is_read_from_the_dropout_layers_not_the_models_flag():
    assert check_mc_dropout(flag_only).mistakes == ["mode not restored"]
    assert check_mc_dropout(dropout_layers_on).mistakes == ["mode not restored"]


def test_fewer_passes_than_asked_is_named_and_one_batched_pass_is_not():
    assert check_mc_dropout(lambda model, x, passes: solution(model, x, 100)).mistakes == ["fewer passes than asked"]

    def batched(model, x, passes):
        was_training = model.training
        model.train()
        with torch.no_grad():
            samples = model(x.repeat(passes).unsqueeze(1)).squeeze(1).view(passes, len(x))
        model.train(was_training)
        return samples.mean(0), samples.std(0)

    assert check_mc_dropout(batched).passed


def test_one_pass_is_told_in_the_singular_and_identical_passes_with_dropout_on_are_not_dropout_off():
    def one_pass(model, x, passes):
        return solution(model, x, 1)

    told = str(check_mc_dropout(one_pass))
    assert "made 1 pass;" in told and "1 passes" not in told, told

    report = check_mc_dropout(_mc_reseeded, hint=3)  # every pass reseeded: the same masks, dropout on
    assert report.mistakes == ["every pass the same"] and "model.train()" not in str(report), str(report)
