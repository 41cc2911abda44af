"""The automatic check for lesson 3's exercise: Monte Carlo dropout, written by you.

    check_mc_dropout(my_mc_dropout)    # my_mc_dropout(model, x, passes) -> (mean, std)

Your masks cannot match the reference mask for mask, so the check compares statistics on
fixed seeds: the mean and spread of many passes must agree with lessonkit's
`mc_dropout_predict` within what chance allows, and the usual mistakes are named.
"""
import torch

from lessonkit.core.exercises import CheckReport
from lessonkit.lessons.taming.network import column, make_mlp, mc_dropout_predict

PASSES = 400  # passes your function is asked for
REFERENCE_PASSES = 4000
Z = 6.0  # standard errors a correct mean may stray from the reference's


def _model(p: float, seed: int = 0):
    torch.manual_seed(seed)  # only the network's weights; the check runs in a forked RNG
    return make_mlp(p, hidden=64).eval()


def check_mc_dropout(fn) -> CheckReport:
    """Check `fn(model, x, passes)`: it must return (mean, std) of `passes` predictions at
    the 1-D inputs `x`, made with dropout ON, and leave the model in the mode it found."""
    report = CheckReport("MC dropout")
    x = torch.linspace(-1.5, 1.5, 41)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = _model(0.3)
        report.checks += 1
        try:
            result = fn(model, x, PASSES)
        except Exception as err:  # noqa: BLE001 - the learner's code may fail in any way
            report.problems.append(f"your function raised {type(err).__name__}: {err}")
            return report
        if (not isinstance(result, tuple) or len(result) != 2
                or not all(isinstance(t, torch.Tensor) and t.shape == x.shape for t in result)):
            report.problems.append(f"return (mean, std): two tensors of shape {tuple(x.shape)}, one value per input")
            return report
        mean, std = (t.detach() for t in result)

        report.checks += 1
        if model.training:
            report.problems.append("the model was left in train mode: put it back with model.train(was_training)")
        model.eval()
        with torch.no_grad():
            eval_mode = model(column(x)).squeeze(1)
        ref_mean, ref_std = mc_dropout_predict(model, x, passes=REFERENCE_PASSES, seed=1)

        report.checks += 1
        if torch.all(std == 0):
            report.problems.append("the spread is zero: dropout was off. Call model.train() before the passes")
            return report
        report.checks += 1
        tolerance = Z * ref_std / PASSES**0.5 + 1e-4
        if torch.allclose(mean, eval_mode) and not torch.allclose(ref_mean, eval_mode, atol=tolerance.max().item()):
            report.problems.append("the mean equals the eval-mode prediction: average the dropout passes instead")
        elif not torch.all((mean - ref_mean).abs() <= tolerance):
            worst = (mean - ref_mean).abs().max().item()
            report.problems.append(f"the mean is off by up to {worst:.3g} from the reference: "
                                   "average over the passes (dim 0)")
        report.checks += 1
        ratio = (std.mean() / ref_std.mean()).item()
        if not 0.8 < ratio < 1.25:
            report.problems.append(f"the std is {ratio:.2f} times the reference's: "
                                   "take the std over the passes (dim 0)")

        report.checks += 1
        no_dropout = _model(0.0)
        try:
            _, std0 = fn(no_dropout, x, PASSES)
        except Exception as err:  # noqa: BLE001
            report.problems.append(f"with a p=0 network your function raised {type(err).__name__}: {err}")
            return report
        if not torch.allclose(std0.detach(), torch.zeros_like(std0), atol=1e-5):
            report.problems.append("a network without dropout must give std 0: every pass is the same network")
    return report
