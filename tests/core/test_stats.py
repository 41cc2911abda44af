"""The paired comparison against scipy's own t-test and t-interval, and by hand."""
import math

import numpy as np
import pytest
from scipy import stats

from lessonkit.core.stats import paired


def test_paired_agrees_with_scipy_and_counts_wins():
    a = np.array([0.93, 0.95, 0.91, 0.94, 0.96])
    b = np.array([0.92, 0.93, 0.92, 0.90, 0.94])
    d = a - b
    result = paired(a, b)
    assert result.mean == pytest.approx(d.mean())
    assert result.se == pytest.approx(d.std(ddof=1) / math.sqrt(5))
    assert result.p_value == pytest.approx(stats.ttest_rel(a, b).pvalue)
    half = stats.t.ppf(0.975, 4) * result.se
    assert (result.low, result.high) == pytest.approx((d.mean() - half, d.mean() + half))
    assert (result.wins, result.n) == (4, 5)
    assert paired(a, b, higher_is_better=False).wins == 1  # for losses, lower wins


def test_describe_and_scaling_to_points():
    text = paired([0.93, 0.95, 0.91], [0.92, 0.93, 0.92]).scaled(100).describe(2, " points")
    assert text.startswith("+0.67 points ± 0.88 (95% CI -3.1") and text.endswith("better in 2 of 3")


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="one value per pair, got 3 and 2"):
        paired([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="at least 2 pairs, got 1"):
        paired([1], [2])
