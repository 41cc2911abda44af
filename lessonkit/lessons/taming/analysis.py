"""Lesson 3 reads its contest's record: each knob chosen by cross-validation, sample by sample.

    contest = Contest(load_record("taming-contest"))
    print(contest.table())          # mean test MSE per method, paired differences against none
    print(contest.edge_hits())      # how often a choice fell on the edge of its grid

Each sample (seed) of the record holds, for every setting, its 5-fold cross-validation MSE
("cv") and the test MSE of the same setting trained on all 20 points ("test"). Dropout's p and
L2's λ are chosen per sample by the lowest CV MSE; early stopping's epoch was chosen the same way
by the runner. The test MSE of each choice is read only after the choice.
"""
import statistics
from collections import Counter

from lessonkit.core.records import rows_of
from lessonkit.core.stats import Paired, paired

METHODS = ("none", "dropout", "L2", "early stopping")
KNOB_OF = {"dropout": "p", "L2": "weight_decay"}


class Contest:
    def __init__(self, rows):
        self.rows = {}
        for row in rows_of(rows):
            self.rows.setdefault(row["seed"], {}).setdefault(row["arm"], {})[row["split"]] = row
        if len(self.rows) < 2:
            raise ValueError(f"the record must hold at least 2 samples, got {len(self.rows)}")
        self.seeds = sorted(self.rows)
        arms = self.rows[self.seeds[0]]
        self.grid = {method: sorted(arms[a]["test"][KNOB_OF[method]] for a in arms if self._kind(a) == method)
                     for method in KNOB_OF}

    @staticmethod
    def _kind(arm: str) -> str:
        return "dropout" if arm.startswith("p =") else "L2" if arm.startswith("λ =") else arm

    def choice(self, method: str, seed: int) -> str:
        """The arm a method ends with on a sample: for dropout and L2 the knob of lowest CV MSE."""
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        arms = self.rows[seed]
        if method in KNOB_OF:
            return min((a for a in arms if self._kind(a) == method), key=lambda a: arms[a]["cv"]["loss"])
        return method

    def test(self, method: str) -> list[float]:
        """Test MSE of each sample's choice, in seed order."""
        return [self.rows[seed][self.choice(method, seed)]["test"]["loss"] for seed in self.seeds]

    def compare(self, a: str, b: str = "none") -> Paired:
        """Test MSE of method a minus method b, paired by sample (lower is better)."""
        return paired(self.test(a), self.test(b), higher_is_better=False)

    def table(self) -> str:
        n = len(self.seeds)
        lines = [f"{n} samples of 20 points; every knob chosen by 5-fold cross-validation on the 20 points",
                 f"{'method':>15}  {'mean test MSE':>13}  {'minus none (95% CI)':>30}  {'beats none':>10}  t-test p"]
        for method in METHODS:
            mean = sum(self.test(method)) / n
            if method == "none":
                lines.append(f"{method:>15}  {mean:>13.4f}")
                continue
            d = self.compare(method)
            lines.append(f"{method:>15}  {mean:>13.4f}  {d.mean:>+9.4f} ({d.low:+.4f} to {d.high:+.4f})  "
                         f"{d.wins:>4} of {n}  {d.p_value:.2g}")
        return "\n".join(lines)

    def pairs_table(self, pairs) -> str:
        lines = [f"{'paired difference':>32}  {'mean (95% CI)':>30}  {'first wins':>10}  t-test p"]
        for a, b in pairs:
            d = self.compare(a, b)
            lines.append(f"{a + ' − ' + b:>32}  {d.mean:>+9.4f} ({d.low:+.4f} to {d.high:+.4f})  "
                         f"{d.wins:>4} of {d.n}  {d.p_value:.2g}")
        return "\n".join(lines)

    def chosen_values(self, method: str) -> Counter:
        """How often each knob value was chosen (dropout: p; L2: λ; early stopping: the epoch)."""
        if method == "early stopping":
            return Counter(self.rows[seed]["early stopping"]["test"]["step"] for seed in self.seeds)
        key = KNOB_OF[method]
        return Counter(self.rows[seed][self.choice(method, seed)]["test"][key] for seed in self.seeds)

    def edge_hits(self) -> str:
        """How often a choice fell on an edge of its grid (where a wider grid might choose otherwise)."""
        lines = []
        for method, knob in (("dropout", "p"), ("L2", "λ")):
            grid, counts = self.grid[method], self.chosen_values(method)
            lines.append(f"{method}: {knob} chosen {dict(sorted(counts.items()))}; at the grid's edges "
                         f"({knob} = {grid[0]:g} or {grid[-1]:g}): {counts[grid[0]] + counts[grid[-1]]} of "
                         f"{len(self.seeds)} samples")
        epochs = self.chosen_values("early stopping")
        last = max(row["step"] for seed in self.seeds for row in self.rows[seed]["none"].values())
        lines.append(f"early stopping: epochs chosen from {min(epochs)} to {max(epochs)} (median "
                     f"{statistics.median(epochs.elements()):g}); at the last epoch ({last}): "
                     f"{epochs[last]} of {len(self.seeds)} samples")
        return "\n".join(lines)
