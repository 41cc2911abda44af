"""Lesson 3 reads its contest's record with pandas: each knob chosen by cross-validation, sample by sample.

    rows = load_record("taming-contest")
    chosen = ...                          # per sample and method: the setting of lowest CV MSE (the notebook's cell)
    print(edge_hits(chosen, rows))        # how often a choice fell on a grid's edge; where the epochs fell

Each sample (seed) of the record holds, for every setting, its 5-fold cross-validation MSE
("cv") and the test MSE of the same setting trained on all 20 points ("test"), twice: after all
1,000 epochs, and stopped early at the epoch of its lowest CV MSE. A method's knob (dropout's p,
L2's λ, and for the stopped methods the epoch too) is the setting of lowest CV MSE; its test MSE is
read only after the choice; the notebook makes the choice with pandas in its own cell.
"""
import pandas as pd

METHODS = ("none", "dropout", "L2", "early stopping", "dropout + early stopping", "L2 + early stopping")
KNOB = {"dropout": "p", "L2": "weight_decay"}


def edge_hits(chosen: pd.DataFrame, rows: pd.DataFrame) -> str:
    """How often a choice fell on an edge of its grid (where a wider grid might choose otherwise),
    and where the stopping epochs fell: a run stopped in the last tenth was still improving."""
    lines, n = [], chosen["seed"].nunique()
    last = int(rows["step"].max())
    for method in ("dropout", "L2", "dropout + early stopping", "L2 + early stopping"):
        knob = KNOB[method.split(" + ")[0]]
        grid = sorted(rows.loc[rows["method"] == method, knob].unique())
        values = chosen.loc[chosen["method"] == method, knob]
        counts = {float(v): int(c) for v, c in values.value_counts().sort_index().items()}
        label = "p" if knob == "p" else "λ"
        lines.append(f"{method}: {label} chosen {counts}; at the grid's edges ({label} = {grid[0]:g} or "
                     f"{grid[-1]:g}): {int(values.isin([grid[0], grid[-1]]).sum())} of {n} samples")
    for method in ("early stopping", "dropout + early stopping", "L2 + early stopping"):
        steps = chosen.loc[chosen["method"] == method, "step"]
        lines.append(f"{method}: epochs chosen from {steps.min()} to {steps.max()} (median {steps.median():g}); "
                     f"in the last tenth (after epoch {last * 9 // 10}): {int((steps > last * 9 // 10).sum())} "
                     f"of {n} samples")
    return "\n".join(lines)
