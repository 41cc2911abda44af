"""The paired comparison against scipy's own t-test and t-interval, and by hand."""
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lessonkit.core.stats import paired, paired_table


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


def test_the_detectable_difference_has_about_80_percent_power():
    # the exact power of the two-sided paired t-test at that difference, from scipy's noncentral t
    a, b = np.array([0.93, 0.95, 0.91, 0.94, 0.96, 0.92]), np.array([0.92, 0.93, 0.92, 0.90, 0.94, 0.93])
    result = paired(a, b)
    df, critical = result.n - 1, stats.t.ppf(0.975, result.n - 1)
    shift = result.detectable / result.se
    power = stats.nct.sf(critical, df, shift) + stats.nct.cdf(-critical, df, shift)
    assert 0.77 < power < 0.83


def test_paired_table_compares_columns_on_the_rows_both_have():
    values = pd.DataFrame({"a": [1.0, 2.0, 3.5, None], "b": [0.5, 2.5, 3.0, 9.0]})
    table = paired_table(values, [("a", "b")])
    expected = paired([1.0, 2.0, 3.5], [0.5, 2.5, 3.0])
    row = table.loc["a - b"]
    assert (row["mean"], row["95% CI low"], row["wins"]) == (pytest.approx(expected.mean),
                                                            pytest.approx(expected.low), "2 of 3")
    assert row["detectable"] == pytest.approx(expected.detectable)
