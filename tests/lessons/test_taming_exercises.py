import torch

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


def test_dropout_left_off_is_named():
    def eval_mode(model, x, passes):
        model.eval()
        with torch.no_grad():
            samples = torch.stack([model(x.unsqueeze(1)).squeeze(1) for _ in range(passes)])
        return samples.mean(0), samples.std(0)

    report = check_mc_dropout(eval_mode)
    assert not report.passed and "dropout was off" in str(report)


def test_mode_not_restored_is_named():
    def leaves_train_mode(model, x, passes):
        model.train()
        with torch.no_grad():
            samples = torch.stack([model(x.unsqueeze(1)).squeeze(1) for _ in range(passes)])
        return samples.mean(0), samples.std(0)

    report = check_mc_dropout(leaves_train_mode)
    assert not report.passed and "left in train mode" in str(report)


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
    assert not report.passed and "mean is off" in str(report)

    def halved_std(model, x, passes):
        mean, std = solution(model, x, passes)
        return mean, std / 2

    report = check_mc_dropout(halved_std)
    assert not report.passed and "std is 0.50 times" in str(report)


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
