"""Paired comparisons, the one way the course compares two settings.

    d = paired(with_dropout, without, higher_is_better=True)   # one value per seed or sample, same order
    print(d)     # +0.94 ± 0.48 (95% CI -1.1 to +3.0), t-test p = 0.19, better in 3 of 3
    paired_table(accuracy, [("lab p = 0.3", "no dropout")])    # a DataFrame, one row per pair of columns

Each pair shares everything random but the setting compared (a seed, a data sample), so the
differences a - b carry the comparison. The interval is the t-interval of their mean, the
p-value `scipy.stats.ttest_rel`'s two-sided one, and "wins" counts the pairs where a is better.
"""
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class Paired:
    """The mean of the paired differences a - b, its standard error and 95% t-interval, the
    two-sided paired t-test's p-value, and in how many of n pairs a was better."""

    mean: float
    se: float
    low: float
    high: float
    p_value: float
    wins: int
    n: int

    @property
    def detectable(self) -> float:
        """The smallest true mean difference these pairs would detect 80% of the time (two-sided
        paired t-test at 5%): (t_0.975 + t_0.8) standard errors, with n - 1 degrees of freedom."""
        df = self.n - 1
        return float((stats.t.ppf(0.975, df) + stats.t.ppf(0.8, df)) * self.se)

    def scaled(self, factor: float) -> "Paired":
        """The same comparison in other units (factor 100: fractions as percentage points)."""
        return Paired(self.mean * factor, self.se * factor, self.low * factor, self.high * factor,
                      self.p_value, self.wins, self.n)

    def describe(self, digits: int = 2, unit: str = "") -> str:
        f = f"{{:+.{digits}f}}"
        return (f"{f.format(self.mean)}{unit} ± {self.se:.{digits}f} "
                f"(95% CI {f.format(self.low)} to {f.format(self.high)}), "
                f"t-test p = {self.p_value:.2g}, better in {self.wins} of {self.n}")

    def __str__(self) -> str:
        return self.describe()


def paired(a, b, higher_is_better: bool = True) -> Paired:
    """Compare `a` with `b`, given as equally long sequences with one value per pair."""
    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    if len(a) != len(b):
        raise ValueError(f"a and b must hold one value per pair, got {len(a)} and {len(b)}")
    if len(a) < 2:
        raise ValueError(f"a paired comparison needs at least 2 pairs, got {len(a)}")
    d = a - b
    mean, se = float(d.mean()), float(d.std(ddof=1) / math.sqrt(len(d)))
    if se > 0:
        low, high = stats.t.interval(0.95, len(d) - 1, loc=mean, scale=se)
        p_value = float(stats.ttest_rel(a, b).pvalue)
    else:  # every difference the same: no spread to test against
        low = high = mean
        p_value = 1.0 if mean == 0 else 0.0
    wins = int((d > 0).sum() if higher_is_better else (d < 0).sum())
    return Paired(mean, se, float(low), float(high), p_value, wins, len(d))


def paired_table(values: pd.DataFrame, pairs, higher_is_better: bool = True) -> pd.DataFrame:
    """Each (a, b) of `pairs` compared on the rows (seeds, samples) where both columns of `values`
    have a value: mean difference a - b, its 95% interval, wins of a, pairs, the t-test's p-value and
    the smallest difference the pairs could detect (`Paired.detectable`). One row per pair."""
    rows = []
    for a, b in pairs:
        both = values[[a, b]].dropna()
        d = paired(both[a], both[b], higher_is_better)
        rows.append({"a - b": f"{a} - {b}", "mean": d.mean, "95% CI low": d.low, "95% CI high": d.high,
                     "wins": f"{d.wins} of {d.n}", "p": d.p_value, "detectable": d.detectable})
    return pd.DataFrame(rows).set_index("a - b")
