"""`Playground`: the network trains live in the kernel while the learner moves p.

    playground = Playground(width=64, p=0.0, noise=0.2, seed=0)
    playground              # in JupyterLab: play / pause / reset, p, L2 λ, width, noise, the live figure
    playground.run(500)     # headless (tests, nbval): 500 steps now, then one redraw
    playground.close()      # stops and joins the training thread

How it stays responsive: training runs on one background (daemon) thread. Each frame it
trains for a slice of time, then redraws the boundary and the curves (about 12 times a
second) and sends the new PNG to the browser. The controls' callbacks run on the kernel's
main thread and only change the trainer between two steps (its lock), so a new p is used
from the very next step. Pause waits until the thread is idle: after `pause()` returns no
step runs. A kernel restart ends the process and the thread with it; an interrupt (the ■
button) between cells pauses every playground (during a cell it stops the cell, as usual).
"""
import threading
import time
import weakref

import ipywidgets as widgets
import torch

from lessonkit.core.checks import check_choice, check_int, check_number, check_probability, check_seed
from lessonkit.core.figures import Explorer, new_figure
from lessonkit.core.language import Message, tr
from lessonkit.core.training import one_thread
from lessonkit.lessons.playground.data import NOISE_RANGE, make_moons_data
from lessonkit.lessons.playground.model import WIDTHS, dropout_p
from lessonkit.lessons.playground.plots import (
    GRID_POINTS,
    draw_boundary,
    draw_curves,
    draw_points,
    point_colors,
    point_edges,
    style_boundary_axes,
)
from lessonkit.lessons.playground.train import LiveTrainer

P_MAX = 0.9  # the p slider stops here: at p near 1 almost nothing gets through
L2_VALUES = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1)  # the L2 (weight decay) λ slider's stops
STEPS_PER_CHUNK = 5  # steps between two looks at the clock and at the pause button
_LIVE = weakref.WeakSet()  # playgrounds an interrupt should pause


class Playground(Explorer):
    """Two moons, an MLP, and controls to train it live. See the module docstring."""

    title = "Lesson 4 playground: train live, move p"

    def __init__(self, *, width: int = 64, p: float = 0.0, weight_decay: float = 0.0, noise: float = 0.2,
                 seed: int = 0, lr: float = 0.01, fps: float = 12, max_steps: int = 20_000):
        check_int("width", width, 1)
        check_number("p", check_probability("p", p), 0.0, P_MAX)
        check_choice("weight_decay", weight_decay, L2_VALUES)  # a stop of the L2 slider
        noise = check_number("noise", noise, *NOISE_RANGE)
        self.seed = check_seed("seed", seed)
        self.fps = check_number("fps", fps, 1, 30)
        self.max_steps = check_int("max_steps", max_steps, 1)
        super().__init__()
        self.trainer = LiveTrainer(make_moons_data(noise=noise, seed=seed), width=width, p=p,
                                   weight_decay=weight_decay, lr=lr, seed=seed)

        self.play_button = widgets.Button(description="play", icon="play", button_style="success")
        self.pause_button = widgets.Button(description="pause", icon="pause")
        self.reset_button = widgets.Button(description="reset", icon="refresh",
                                           tooltip="step 0: the same initial weights")
        self.p_slider = widgets.FloatSlider(value=p, min=0.0, max=P_MAX, step=0.05, description="p",
                                            readout_format=".2f", tooltip="drop probability, used from the next step")
        self.l2_slider = widgets.SelectionSlider(options=[(f"{v:g}", v) for v in L2_VALUES], value=weight_decay,
                                                 description="L2 λ", tooltip="weight decay, used from the next step")
        self.width_choice = widgets.Dropdown(options=sorted({*WIDTHS, width}), value=width, description="width")
        self.noise_slider = widgets.FloatSlider(value=noise, min=NOISE_RANGE[0], max=NOISE_RANGE[1], step=0.05,
                                                description="noise")
        self.readout = widgets.HTML()

        figure, (self.boundary_ax, self.loss_ax, self.acc_ax) = new_figure(3, 1, width=3.4, height=3.0)
        style_boundary_axes(self.boundary_ax)
        self._contours = draw_boundary(self.boundary_ax, self.trainer.probabilities(GRID_POINTS))
        self._points = draw_points(self.boundary_ax, self.trainer.data)
        self._lines = draw_curves(self.loss_ax, self.acc_ax, self.trainer.history)
        self.loss_ax.legend(fontsize=8, loc="upper left")
        self.acc_ax.legend(fontsize=8, loc="lower right")
        self._fit_limits(self.trainer.history)

        self._draw_lock = threading.RLock()  # one redraw at a time: the thread's or a callback's
        self._work_lock = threading.Lock()  # held by the thread while it trains and draws a frame
        self._running, self._stop = threading.Event(), threading.Event()
        self._thread = None
        self._draw_seconds = 0.03
        self._error = None

        self.play_button.on_click(lambda _: self.play())
        self.pause_button.on_click(lambda _: self.pause())
        self.reset_button.on_click(lambda _: self.reset())
        self.p_slider.observe(self._p_changed, names="value")
        self.l2_slider.observe(self._l2_changed, names="value")
        self.width_choice.observe(lambda _: self.reset(), names="value")
        self.noise_slider.observe(lambda _: self.reset(), names="value")
        controls = [widgets.HBox([self.play_button, self.pause_button, self.reset_button]),
                    widgets.HBox([self.p_slider, self.l2_slider]), widgets.HBox([self.width_choice, self.noise_slider]),
                    self.readout]
        moving = [*self._contours, self._points, *self._lines, self.boundary_ax.title]
        self._set_up(controls, figure, moving=moving)

    # --- the controls (kernel main thread) ---------------------------------------------

    @property
    def playing(self) -> bool:
        return self._running.is_set()

    def play(self) -> None:
        """Start (or resume) training on the background thread. Other playgrounds pause: one
        trains at a time (a cell run twice leaves its first playground behind, still live)."""
        if self._stop.is_set():
            raise RuntimeError("this playground is closed: run the cell again for a new one")
        _pause_all()
        _LIVE.add(self)
        self._error = None
        _pause_on_kernel_interrupt()
        self._running.set()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="lessonkit-playground", daemon=True)
            self._thread.start()
        self.update()

    def pause(self) -> None:
        """Stop training; when this returns, no step runs until `play()`."""
        self._running.clear()
        with self._work_lock:  # wait for the frame in progress, if any
            pass
        self.update()

    def reset(self) -> None:
        """Pause, then go back to step 0 with the current width and noise (same seed, same weights)."""
        self.pause()
        data = self.trainer.data
        if self.noise_slider.value != data.noise:
            data = make_moons_data(noise=self.noise_slider.value, seed=self.seed)
        self.trainer.reset(data=data, width=self.width_choice.value)
        with self._draw_lock:
            self._points.set_offsets(data.x_train)
            self._points.set_facecolors(point_colors(data))
            self._points.set_edgecolors(point_edges(data))
            self._points.set_linewidths([1.4 if f else 0.6 for f in data.flipped.tolist()])
            self._fit_limits(self.trainer.history)
            self.update()

    def _p_changed(self, change):
        self.trainer.set_p(change["new"])
        if not self.playing:
            self.update()  # playing: the next frame shows it

    def _l2_changed(self, change):
        self.trainer.set_weight_decay(change["new"])
        if not self.playing:
            self.update()

    def run(self, steps: int) -> "Playground":
        """Headless: pause, train `steps` steps now on this thread, redraw once."""
        self.pause()
        self.trainer.run(steps)
        self.update()
        return self

    def close(self) -> None:
        """Stop training, join the thread, close the widget."""
        if not hasattr(self, "_stop"):  # refused arguments: ipywidgets closes the half-built widget
            return super().close()
        self._stop.set()
        self._running.set()  # wakes a paused thread so it can see the stop
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._running.clear()
        _LIVE.discard(self)
        super().close()

    # --- the training thread --------------------------------------------------------------

    def _loop(self):
        # A network this small runs fastest on one thread, and a second thread only fights
        # the kernel for the CPU. OpenMP's thread count belongs to the thread that sets it:
        # the kernel's own setting is left alone.
        torch.set_num_threads(1)
        while not self._stop.is_set():
            with self._work_lock:
                working = self._running.is_set() and not self._stop.is_set()
                if working:
                    try:
                        self._frame()
                    except Exception as err:  # noqa: BLE001 - shown to the learner, not lost in a log
                        self._error = Message("training stopped: {kind}: {error}", kind=type(err).__name__, error=err)
                        self._running.clear()
                        self.update()
            if not working:
                self._running.wait()  # paused: sleep, without polling, until play (or close)

    def _frame(self):
        """Train for one frame's time, then redraw."""
        # Aim at `fps` frames a second, but train at least as long as a redraw takes: on a
        # busy CPU the picture slows down rather than the training.
        deadline = time.perf_counter() + max(1 / self.fps - self._draw_seconds, self._draw_seconds)
        while self._running.is_set() and not self._stop.is_set():
            self.trainer.step(STEPS_PER_CHUNK)
            if self.trainer.steps >= self.max_steps:
                self._running.clear()  # a forgotten playground does not heat the CPU for ever
            if time.perf_counter() >= deadline:
                break
        start = time.perf_counter()
        self.update()
        self._draw_seconds = 0.8 * self._draw_seconds + 0.2 * (time.perf_counter() - start)

    # --- drawing ----------------------------------------------------------------------------

    def update(self, change=None):
        with self._draw_lock, one_thread():
            super().update(change)

    def _fit_limits(self, history) -> bool:
        """Grow the curves' axes (by doubling) when the numbers leave them; True when they changed."""
        last_step = history["step"][-1]
        x_max = 500
        while x_max < last_step:
            x_max *= 2
        y_max = 1.0
        while y_max < max(history["test_loss"] + history["train_loss"]):
            y_max *= 2
        changed = self.loss_ax.get_xlim()[1] != x_max or self.loss_ax.get_ylim()[1] != y_max
        if changed:
            self.loss_ax.set(xlim=(0, x_max), ylim=(0, y_max))
            self.acc_ax.set(xlim=(0, x_max))
            self._background = None  # the still parts must be drawn again with the new ticks
        return changed

    def redraw(self):
        probabilities, history = self.trainer.snapshot(GRID_POINTS)
        for artist in self._contours:
            artist.remove()
        self._contours = draw_boundary(self.boundary_ax, probabilities)
        for artist in self._contours:
            artist.set_animated(True)
        self.moving[: len(self._contours)] = self._contours  # first in `moving`: drawn under the points
        keys = ("train_loss", "test_loss", "train_acc", "test_acc")
        for line, key in zip(self._lines, keys):
            line.set_data(history["step"], history[key])
        self._fit_limits(history)
        self.boundary_ax.set_title(f"step {history['step'][-1]:,}, p = {self.trainer.p:.2f}, "
                                   f"L2 λ = {self.trainer.weight_decay:g}", fontsize=10)

    def after_redraw(self):
        row = self.trainer.latest()
        with self.trainer.lock:
            p = dropout_p(self.trainer.model)  # read from the model itself: what the next step uses
            l2 = self.trainer.optimizer.param_groups[0]["weight_decay"]  # and from the optimizer itself
        knobs = {"step": row["step"], "p": p, "l2": l2}
        if self._error:
            state = tr("<b>step {step:,}</b> · p = <b>{p:.2f}</b> (the model's nn.Dropout) · L2 λ = <b>{l2:g}</b> "
                       "(Adam's weight_decay) · {error}", error=self._error, **knobs)
        elif self.playing:
            state = tr("<b>step {step:,}</b> · p = <b>{p:.2f}</b> (the model's nn.Dropout) · L2 λ = <b>{l2:g}</b> "
                       "(Adam's weight_decay) · training", **knobs)
        else:
            state = tr("<b>step {step:,}</b> · p = <b>{p:.2f}</b> (the model's nn.Dropout) · L2 λ = <b>{l2:g}</b> "
                       "(Adam's weight_decay) · paused", **knobs)
        errors = tr("train: loss <b>{train_loss:.3f}</b>, accuracy <b>{train_acc:.1%}</b> · test: loss "
                    "<b>{test_loss:.3f}</b>, accuracy <b>{test_acc:.1%}</b>", **row)
        self.readout.value = f"{state}<br>{errors}"


def _pause_all(signum=None, frame=None):  # noqa: ARG001 - a signal handler's signature
    """Pause every live playground (without waiting: a signal handler must return at once)."""
    for playground in list(_LIVE):
        playground._running.clear()


_interrupt_hooked = False


def _pause_on_kernel_interrupt():
    """Make the kernel's interrupt button pause the playgrounds.

    Between cells ipykernel ignores SIGINT, so an interrupt would not reach a background
    thread. The kernel puts back `saved_sigint_handler` after each message it handles: we
    put our handler there (once, from the main thread), chained to the one it replaces.
    """
    global _interrupt_hooked
    if _interrupt_hooked or threading.current_thread() is not threading.main_thread():
        return
    try:
        from ipykernel.kernelbase import Kernel
    except ImportError:  # pragma: no cover - ipykernel comes with JupyterLab
        return
    if not Kernel.initialized():
        return
    kernel = Kernel.instance()
    previous = getattr(kernel, "saved_sigint_handler", None)
    if previous is None:
        return

    def handler(signum, frame):
        _pause_all()
        if callable(previous):
            previous(signum, frame)

    kernel.saved_sigint_handler = handler
    _interrupt_hooked = True
