"""Lesson 5 reads its experiments' records: each run's numbers, and comparisons paired by seed.

    ablation = Runs(load_record("mnist-1k-settled"))
    print(ablation.table(["no dropout", "both"], baseline="no dropout"))   # each run at its chosen step
    ablation.compare("both", "no dropout", stop_a=True, stop_b=True)    # Paired: points, 95% CI, wins
    ablation.compare("both", "no dropout")    # the second reading: each run at its last step

A run is read at the step chosen on validation for the number being compared (never on test):
its highest validation accuracy when accuracy is compared, its lowest validation loss when loss
is; its test number is then read at that step. Or, as a second reading, at its last step.
"""
import statistics

from lessonkit.core.language import tr
from lessonkit.core.records import rows_of
from lessonkit.core.stats import Paired, paired


class Runs:
    """The runs of one or more records, keyed by (arm, seed, size)."""

    def __init__(self, *records):
        self.runs = {}
        for rows in records:
            for row in rows_of(rows):
                self.runs.setdefault((row["arm"], row["seed"], row.get("size")), []).append(row)
        if not self.runs:
            raise ValueError("records must hold at least one run, got none")

    def arms(self, size=None) -> list[str]:
        """The arms, in the order the records first name them."""
        return list(dict.fromkeys(arm for arm, _, s in self.runs if size is None or s == size))

    def sizes(self) -> list:
        return sorted({size for *_, size in self.runs})

    def _size(self, size):
        if size is not None:
            return size
        sizes = self.sizes()
        if len(sizes) > 1:
            raise ValueError(f"size must be given: the records hold the sizes {sizes}")
        return sizes[0]

    def seeds(self, arm: str, size=None) -> list[int]:
        size = self._size(size)
        seeds = sorted(seed for a, seed, s in self.runs if a == arm and s == size)
        if not seeds:
            raise ValueError(tr("arm must be one of {arms}, got {arm!r}", arms=self.arms(size), arm=arm))
        return seeds

    def curve(self, arm: str, seed: int, split: str = "validation", metric: str = "loss", size=None):
        """(steps, values) of one run along its training."""
        rows = [r for r in self.runs[(arm, seed, self._size(size))] if r["split"] == split]
        return [r["step"] for r in rows], [r[metric] for r in rows]

    def stop_step(self, arm: str, seed: int, size=None, metric: str = "loss") -> int:
        """Where early stopping ends the run: the step of its lowest validation loss, or with
        metric="accuracy" of its highest validation accuracy (the first such step)."""
        steps, values = self.curve(arm, seed, "validation", metric, size)
        best = (min if metric == "loss" else max)(range(len(values)), key=values.__getitem__)
        return steps[best]

    def value(self, arm: str, seed: int, split: str = "test", metric: str = "accuracy", size=None,
              stopped: bool = False) -> float:
        """A run's number at its last step, or with stopped=True at its `stop_step` for that metric."""
        steps, values = self.curve(arm, seed, split, metric, size)
        return values[steps.index(self.stop_step(arm, seed, size, metric))] if stopped else values[-1]

    def values(self, arm: str, split: str = "test", metric: str = "accuracy", size=None, stopped=False) -> dict:
        """{seed: value} over the arm's seeds."""
        return {seed: self.value(arm, seed, split, metric, size, stopped) for seed in self.seeds(arm, size)}

    def compare(self, a: str, b: str, metric: str = "accuracy", split: str = "test", size=None,
                stop_a: bool = False, stop_b: bool = False) -> Paired:
        """a minus b, paired by seed (the seeds both ran); accuracy in percentage points."""
        va = self.values(a, split, metric, size, stop_a)
        vb = self.values(b, split, metric, size, stop_b)
        seeds = sorted(set(va) & set(vb))
        result = paired([va[s] for s in seeds], [vb[s] for s in seeds], higher_is_better=metric == "accuracy")
        return result.scaled(100) if metric == "accuracy" else result

    def mean_sd(self, arm: str, split: str = "test", metric: str = "accuracy", size=None, stopped=False):
        values = list(self.values(arm, split, metric, size, stopped).values())
        return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0

    def table(self, arms, baseline: str | None = None, split: str = "test", size=None, stopped: bool = True) -> str:
        """Per arm: accuracy and loss (mean ± sd over seeds) and the paired gain in accuracy over
        `baseline` with its 95% interval and the seeds where the arm did better; each run read at
        its step chosen on validation (stopped=False: at its last step)."""
        size = self._size(size)
        name = max(len(arm) for arm in arms)
        head = f"{'':>{name}}  {'accuracy':>16}  {'loss':>13}"
        lines = [head + (f"  {'gain over ' + baseline + ', points (95% CI)':>42}  {'better':>6}" if baseline else "")]
        for arm in arms:
            acc, acc_sd = self.mean_sd(arm, split, "accuracy", size, stopped)
            loss, loss_sd = self.mean_sd(arm, split, "loss", size, stopped)
            line = f"{arm:>{name}}  {acc:>7.2%} ± {acc_sd:.2%}  {loss:.3f} ± {loss_sd:.3f}"
            if baseline and arm != baseline:
                d = self.compare(arm, baseline, split=split, size=size, stop_a=stopped, stop_b=stopped)
                line += f"  {d.mean:>+19.2f} ({d.low:+.2f} to {d.high:+.2f})  {d.wins:>2} of {d.n}"
            lines.append(line)
        return "\n".join(lines)

    def choose_on_validation(self, arms, size=None) -> str:
        """The arm with the highest mean validation accuracy, each run at its best step (never the test's)."""
        return max(arms, key=lambda arm: self.mean_sd(arm, "validation", "accuracy", size, stopped=True)[0])


def relative_error_change(accuracy_a: float, accuracy_b: float) -> float:
    """How much a's test error is below b's, as a fraction of b's (0.15: 15% fewer errors)."""
    return 1 - (1 - accuracy_a) / (1 - accuracy_b)
