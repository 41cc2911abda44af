"""Lesson 2's interactive figures: the study note's ten-step walk-through and the 1/(1-p) explorer.

    DropoutWalkthrough()   # a 3-5-5-5-2 network; masks per hidden layer, step by step
    ScalingExplorer()      # histograms of a layer's activations before and after dropout

Both redraw in place from the slider `p` (the drop probability). Masks come from
`lessonkit.lessons.dropout.model.dropout_mask` replayed from one saved generator state, so moving p
drops units one by one instead of drawing a fresh mask on every move.
"""
import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.collections import LineCollection
from matplotlib.ticker import NullLocator

from lessonkit.core.checks import check_int, check_number, check_seed
from lessonkit.core.figures import Explorer, new_figure
from lessonkit.core.language import Message, tr
from lessonkit.lessons.dropout.model import apply_mask, dropout_mask

HIDDEN = 5  # units per hidden layer, as in the study note's walk-through
SIZES = (3, HIDDEN, HIDDEN, HIDDEN, 2)  # input, three hidden layers, output
P_MAX = 0.9  # the p sliders reach this far: beyond it almost every unit is dropped

# The study note's ten steps; {k} is the hidden layer a step is about.
STEPS = (
    "Set layer {k}'s dropout mask: each unit is dropped with probability p.",
    "Pass values into layer {k}: every unit is computed, then the mask multiplies the dropped ones by 0.",
    "Scale layer {k}'s kept outputs by 1/(1-p) so their expected sum stays the same.",
)
LAST_STEP = "Compute the output and back-propagate: only kept units get gradients. The next batch draws new masks."


def step_text(step: int) -> str:
    """The study note's text for step 1..10 of the walk-through (a `Message`: the figure's caption
    shows its English, the readout translates it)."""
    if not 1 <= step <= 10:
        raise ValueError(f"step must be in [1, 10], got {step}")
    return Message(LAST_STEP) if step == 10 else Message(STEPS[(step - 1) % 3], k=(step - 1) // 3 + 1)


class DropoutWalkthrough(Explorer):
    """The study note's walk-through: a small network whose hidden units drop out, step by step.

    Controls: `p` (drop probability), `step` (1-10, the study note's steps) and a "next batch"
    button that draws new masks. `masks()` returns the current masks as tensors.
    """

    title = "Dropout walk-through"

    def __init__(self, p: float = 0.5, seed: int = 0, step: int = 10):
        super().__init__()
        p, step = check_number("p", p, 0.0, P_MAX), check_int("step", step, 1, 10)  # the sliders' ranges
        seed = check_seed("seed", seed)
        weights = torch.Generator().manual_seed(seed)
        # A fixed little network with mostly positive weights, so ReLU rarely zeroes a unit
        # and every 0 in the picture is the mask's doing.
        self.layers = [
            ((torch.randn(n_out, n_in, generator=weights) * 0.3 + 0.5) / n_in**0.5, torch.full((n_out,), 0.1))
            for n_in, n_out in zip(SIZES, SIZES[1:])
        ]
        self.x = torch.tensor([1.0, 0.5, 0.8])
        self.generator = torch.Generator().manual_seed(seed + 1)
        self._batch_state = self.generator.get_state()
        self.batch = 1

        self.p_slider = widgets.FloatSlider(value=p, min=0.0, max=P_MAX, step=0.05, description="p",
                                            continuous_update=True)
        self.step_slider = widgets.IntSlider(value=step, min=1, max=10, description="step")
        self.next_button = widgets.Button(description="next batch", tooltip="draw new masks")
        self.numbers = widgets.HTML()
        figure, self.ax = new_figure(width=7.0, height=3.6)
        self._draw_static()
        # the labels never change size: solve the layout once, not on every move
        self._set_up([widgets.HBox([self.p_slider, self.step_slider, self.next_button])], figure, extra=[self.numbers],
                     freeze_layout=True)
        self.p_slider.observe(self.update, names="value")
        self.step_slider.observe(self.update, names="value")
        self.next_button.on_click(self.next_batch)

    # --- the numbers behind the picture ---------------------------------------------

    def masks(self) -> list[torch.Tensor]:
        """The keep-masks of the three hidden layers for this batch and the current p."""
        self.generator.set_state(self._batch_state)  # replay: same uniform draws for every p
        return [dropout_mask((HIDDEN,), self.p_slider.value, self.generator) for _ in range(3)]

    def forward(self):
        """Raw outputs (after ReLU), kept-and-scaled outputs per hidden layer, and the output."""
        p, h = self.p_slider.value, self.x
        raw, scaled = [], []
        for (w, b), mask in zip(self.layers[:-1], self.masks()):
            r = torch.relu(w @ h + b)
            h = apply_mask(r, mask, p)
            raw.append(r)
            scaled.append(h)
        w, b = self.layers[-1]
        return raw, scaled, w @ h + b

    def next_batch(self, button=None):  # noqa: ARG002 - the button passes itself
        """Draw new masks (as a new batch would) and redraw."""
        self.generator.set_state(self._batch_state)
        torch.rand(1, generator=self.generator)  # move the stream on: the next batch's draws
        self._batch_state = self.generator.get_state()
        self.batch += 1
        self.update()

    # --- drawing --------------------------------------------------------------------

    def _draw_static(self):
        ax = self.ax
        self.positions = [
            np.column_stack([np.full(n, i, dtype=float), np.linspace(n - 1, 0, n) - (n - 1) / 2])
            for i, n in enumerate(SIZES)
        ]
        segments = [
            [a, b] for i in range(len(SIZES) - 1) for a in self.positions[i] for b in self.positions[i + 1]
        ]
        self.edges = LineCollection(segments, linewidths=0.8, zorder=1)
        ax.add_collection(self.edges)
        points = np.vstack(self.positions)
        self.units = ax.scatter(points[:, 0], points[:, 1], s=900, zorder=2, linewidths=1.5)
        self.crosses = ax.scatter([], [], marker="x", s=500, color="0.35", linewidths=2, zorder=3)
        self.labels = [ax.text(x, y, "", ha="center", va="center", fontsize=8, zorder=4) for x, y in points]
        names = ["input", "hidden 1", "hidden 2", "hidden 3", "output"]
        for i, name in enumerate(names):
            ax.text(i, 2.9, name, ha="center", fontsize=9)
        self.mask_labels = [ax.text(i, -2.6, "", ha="center", va="top", fontsize=8, family="monospace")
                            for i in (1, 2, 3)]
        self.caption = ax.text(2, -3.75, "", ha="center", fontsize=9, wrap=True)
        ax.set_xlim(-0.5, 4.5)
        ax.set_ylim(-4.1, 3.3)
        ax.set_axis_off()

    def redraw(self):
        step = self.step_slider.value
        masks = self.masks()
        raw, scaled, output = self.forward()
        done = 3 if step == 10 else (step - 1) // 3  # hidden layers fully finished
        phase = None if step == 10 else (step - 1) % 3  # where the current layer stands

        faces, texts, dropped_at = [], [], []
        faces += ["#cfe3f5"] * SIZES[0]
        texts += [f"{v:.2f}" for v in self.x.tolist()]
        for k in range(3):
            state = "done" if k < done else ("todo" if k > done else ["mask", "raw", "scaled"][phase])
            for u in range(HIDDEN):
                kept = bool(masks[k][u])
                if state == "todo":
                    faces.append("white")
                    texts.append("")
                    continue
                faces.append("#f3a953" if kept else "0.8")
                if not kept:
                    dropped_at.append(self.positions[k + 1][u])
                    texts.append("")  # computed, then multiplied by 0: the cross says so
                elif state == "mask":
                    texts.append("")
                elif state == "raw":
                    texts.append(f"{raw[k][u]:.2f}")
                else:
                    texts.append(f"{scaled[k][u]:.2f}")
        faces += ["#9fd39b" if step == 10 else "white"] * SIZES[-1]
        texts += [f"{v:.2f}" for v in output.tolist()] if step == 10 else [""] * SIZES[-1]
        self.units.set_facecolors(faces)
        self.units.set_edgecolors(["0.2"] * len(faces))
        self.crosses.set_offsets(np.array(dropped_at).reshape(-1, 2))
        for label, text in zip(self.labels, texts):
            label.set_text(text)

        # Edges out of a dropped unit carry nothing: they fade once its mask is known.
        known = [k < done or (k == done and phase is not None) for k in range(3)]
        colors = []
        for i in range(len(SIZES) - 1):
            for a in range(SIZES[i]):
                silent = 1 <= i <= 3 and known[i - 1] and not bool(masks[i - 1][a])
                colors += [(0.6, 0.6, 0.6, 0.15) if silent else (0.3, 0.3, 0.3, 0.6)] * SIZES[i + 1]
        self.edges.set_colors(colors)
        for k, label in enumerate(self.mask_labels):
            label.set_text(f"mask\n{mask_text(masks[k])}" if known[k] else "")
        self.caption.set_text(f"step {step}: {step_text(step)}")
        self.numbers.value = self._numbers_html(masks, step)

    def _numbers_html(self, masks, step) -> str:
        p = self.p_slider.value
        scale = Message("all dropped: output is 0") if p == 1 else f"1/(1-p) = {1 / (1 - p):.3g}"
        rows = "".join(tr("<li>hidden {k}: mask = {mask}</li>", k=k, mask=mask_text(m)) for k, m in enumerate(masks, 1))
        dropped = int(sum(HIDDEN - m.sum().item() for m in masks))
        return tr("<b>batch {batch}, step {step}</b>: {what}<br>p = {p:.2f}, kept outputs × {scale}; dropped {dropped} "
                  "of {total} hidden units (expected {expected:.1f})<ul>{rows}</ul>", batch=self.batch, step=step,
                  what=step_text(step), p=p, scale=scale, dropped=dropped, total=3 * HIDDEN, expected=3 * HIDDEN * p,
                  rows=rows)


def mask_text(mask: torch.Tensor) -> str:
    """A mask as the study note writes it: [1, 0, 0, 1, 1]."""
    return "[" + ", ".join(str(int(v)) for v in mask.tolist()) + "]"


class ScalingExplorer(Explorer):
    """Why 1/(1-p): a layer's activations before and after dropout, with and without scaling.

    The activations are positive (a softplus layer), so every zero after dropout is a
    dropped unit. `stats()` returns the numbers shown beside the figure.
    """

    title = "Why dropout scales by 1/(1-p)"

    def __init__(self, p: float = 0.5, n: int = 20_000, seed: int = 0):
        super().__init__()
        p, n = check_number("p", p, 0.0, P_MAX), check_int("n", n, 100)  # the slider's range; enough values
        g = torch.Generator().manual_seed(check_seed("seed", seed))
        self.activations = torch.nn.functional.softplus(2 * torch.randn(n, generator=g))
        self.generator = g
        self._state = g.get_state()
        self.edges = np.linspace(0, 16, 65)
        self.p_slider = widgets.FloatSlider(value=p, min=0.0, max=P_MAX, step=0.05, description="p",
                                            continuous_update=True)
        self.numbers = widgets.HTML()
        figure, axes = new_figure(2, width=3.6, height=2.8)
        self._draw_static(axes)
        self._set_up([self.p_slider], figure, extra=[self.numbers], freeze_layout=True)
        self.p_slider.observe(self.update, names="value")

    def outputs(self):
        """(mask, without scaling, with scaling) for the current p; the same draws for every p."""
        p = self.p_slider.value
        self.generator.set_state(self._state)
        mask = dropout_mask(self.activations.shape, p, self.generator)
        return mask, self.activations * mask, apply_mask(self.activations, mask, p)

    def stats(self) -> dict:
        """The explorer's key numbers for the current p."""
        p = self.p_slider.value
        x = self.activations
        mask, unscaled, scaled = self.outputs()
        mean_sq = (x**2).mean().item()
        return {
            "p": p,
            "fraction of zeros": 1 - mask.mean().item(),
            "mean before": x.mean().item(),
            "mean without scaling": unscaled.mean().item(),
            "mean with scaling": scaled.mean().item(),
            "variance before": x.var(unbiased=False).item(),
            "variance with scaling": scaled.var(unbiased=False).item(),
            # each output is x/(1-p) with probability 1-p, else 0
            "variance in theory": (mean_sq / (1 - p) if p < 1 else 0.0) - (x.mean().item() if p < 1 else 0.0) ** 2,
        }

    def _hist(self, values):
        counts, _ = np.histogram(np.clip(values.numpy(), 0, self.edges[-1] - 1e-9), self.edges)
        return np.maximum(counts / values.numel(), 1e-6)  # log axis: keep empty bins drawable

    def _draw_static(self, axes):
        before = self._hist(self.activations)
        self.steps, self.mean_lines = [], []
        for ax, title, color in zip(axes, ["without scaling", "with 1/(1-p) scaling"], ["tab:orange", "tab:blue"]):
            ax.stairs(before, self.edges, fill=True, color="0.8", label="before dropout")
            self.steps.append(ax.stairs(before, self.edges, color=color, linewidth=1.5, label="after dropout"))
            ax.axvline(self.activations.mean().item(), color="0.4", linestyle="--", label="mean before")
            self.mean_lines.append(ax.axvline(0, color=color, linewidth=2, label="mean after"))
            ax.set_yscale("log")
            # Plain tick labels: log axes default to mathtext (10^-3), which is slow to lay out.
            ax.set_yticks([1e-4, 1e-2, 1], ["0.0001", "0.01", "1"])
            ax.set_xticks([0, 4, 8, 12, 16])
            ax.yaxis.set_minor_locator(NullLocator())
            ax.set_ylim(1e-4, 1)
            ax.set_xlim(0, self.edges[-1])
            ax.set_title(title, fontsize=10)
            ax.set_xlabel("activation (dropped units sit at 0)", fontsize=8)
        axes[0].set_ylabel("fraction of values")
        axes[0].legend(fontsize=8, loc="upper right")

    def redraw(self):
        _, unscaled, scaled = self.outputs()
        for stairs, line, values in zip(self.steps, self.mean_lines, [unscaled, scaled]):
            stairs.set_data(self._hist(values))
            line.set_xdata([values.mean().item()] * 2)
        s = self.stats()
        self.numbers.value = tr(
            "p = {p:.2f}: fraction of zeros <b>{zeros:.3f}</b> (expected {p:.2f})<br>mean before {mean:.3f}; after, "
            "without scaling <b>{unscaled:.3f}</b> (= (1-p) × mean), with scaling <b>{scaled:.3f}</b><br>variance "
            "before {variance:.3f}; after, with scaling <b>{scaled_variance:.3f}</b> (theory {theory:.3f})",
            p=s["p"], zeros=s["fraction of zeros"], mean=s["mean before"], unscaled=s["mean without scaling"],
            scaled=s["mean with scaling"], variance=s["variance before"], scaled_variance=s["variance with scaling"],
            theory=s["variance in theory"])
