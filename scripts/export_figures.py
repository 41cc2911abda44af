"""Copy the key figures of the lessons from their stored outputs into docs/ for the README.

    .venv/bin/python scripts/export_figures.py          # after `make notebooks`

Each figure is found by a piece of the code of the cell that draws it, so the PNGs in
docs/ are exactly what the committed notebooks show. `--check` fails when a PNG in docs/
differs from its notebook's (run it in tests so the README never shows stale figures).
"""
import argparse
import base64
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# (notebook, a unique piece of the drawing cell's code, file name under docs/)
FIGURES = [
    ("01_underfit_fit_overfit.ipynb", "show(plot_three_regimes(", "lesson01_three_regimes.png"),
    ("01_underfit_fit_overfit.ipynb", "show(plot_error_vs_degree(", "lesson01_error_vs_degree.png"),
    ("02_dropout_masks_and_scaling.ipynb", "ScalingExplorer(", "lesson02_scaling.png"),
    ("03_dropout_vs_overfitting.ipynb", "show(plot_fits(data, [overfit, dropout]", "lesson03_dropout_smooths.png"),
    ("03_dropout_vs_overfitting.ipynb", "show(plot_mc_dropout(", "lesson03_mc_dropout.png"),
    ("04_dropout_playground.ipynb", "show(plot_boundaries([without, with_l2, with_chosen_p]",
     "lesson04_three_boundaries.png"),
    ("05_mnist_dropout.ipynb", "show(validation_curves_figure(Runs(full), ARMS, steps_per_epoch=500))",
     "lesson05_dropout_vs_none.png"),
    ("05_mnist_dropout.ipynb", "show(ablation_figure(ablation, ARMS_1K))", "lesson05_ablation.png"),
    ("05_mnist_dropout.ipynb", "show(size_figure(by_size", "lesson05_dropout_vs_size.png"),
    ("05_mnist_dropout.ipynb", "wrong = (predicted != y_test", "lesson05_mistakes.png"),
]


def stored_png(notebook: str, code: str) -> bytes:
    cells = json.loads((REPO / "notebooks" / notebook).read_text())["cells"]
    matches = [c for c in cells if c["cell_type"] == "code" and code in "".join(c["source"])]
    if len(matches) != 1:
        raise SystemExit(f"{notebook}: expected one cell containing {code!r}, found {len(matches)}")
    pngs = [o["data"]["image/png"] for o in matches[0]["outputs"] if "image/png" in o.get("data", {})]
    if not pngs:
        raise SystemExit(f"{notebook}: the cell containing {code!r} has no stored figure; run `make notebooks`")
    return base64.b64decode(pngs[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report figures in docs/ that are stale")
    args = parser.parse_args(argv)
    stale = []
    for notebook, code, name in FIGURES:
        png, target = stored_png(notebook, code), REPO / "docs" / name
        if args.check:
            if not target.exists() or target.read_bytes() != png:
                stale.append(name)
        else:
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(png)
    for name in stale:
        print(f"docs/{name} differs from its notebook: run scripts/export_figures.py")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
