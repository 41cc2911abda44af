"""The sliders work in a real JupyterLab, in a real browser.

nbval executes the notebooks but never renders a widget. Here each lesson is opened in
JupyterLab in headless Chromium, all its cells run from the Run menu, and the page must
show no error and no "Error displaying widget". Then the lesson's main slider is moved
with the keyboard, and the figure under it (its pixels) and the numbers beside it must
change. Screenshots go to pytest's temporary folder; a failure says where.

Needs Debian's Chromium at /usr/bin/chromium (`.ci/run` installs it). Without it the test
is skipped outside CI and fails in CI (`CI=true`).
"""
import json
import os
import re
import time
from pathlib import Path

import pytest
from browser_lab import CHROMIUM, DECODED_PIXELS, REPO, LabPage, LabServer, launch_browser, move_slider, readout

NOTEBOOKS = REPO / "notebooks"

# Each lesson with widgets, and the description of the slider a learner moves.
SLIDERS = [
    ("00_start_here.ipynb", "n"),
    ("01_underfit_fit_overfit.ipynb", "degree"),
    ("02_dropout_masks_and_scaling.ipynb", "p"),
    ("03_dropout_vs_overfitting.ipynb", "p"),
    ("04_dropout_playground.ipynb", "p"),
    ("05_mnist_dropout.ipynb", "p"),
]
# Seconds for Run All Cells: lesson 5 trains on MNIST (1655 s measured on a busy 2-core CPU).
# Worked in the same session as their slider test (one Run All each): lesson 4's playground is played,
# and a learner works lesson 1's q2.
PLAYGROUND = "04_dropout_playground.ipynb"
EXERCISE_LESSON = "01_underfit_fit_overfit.ipynb"
RUN_ALL_TIMEOUT = {"05_mnist_dropout.ipynb": 3600}
DEFAULT_RUN_ALL_TIMEOUT = 600

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_TEXT = "(run the notebook in JupyterLab to move the slider"


def new_lab_page(browser_lab, name: str, screenshots):
    """(a LabPage on `name` in a new browser page, the page, the "where the screenshots are" note)."""
    server, browser = browser_lab
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    return LabPage(page, server, name, screenshots), page, f"(screenshots in {screenshots})"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


def need_browser():
    """Skip outside CI when there is no browser to drive; in CI, a missing browser fails."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"no Chromium at {CHROMIUM} (apt-get install chromium, as .ci/run does)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError as err:
            problem = f"Playwright for Python is not installed ({err})"
    if problem and in_ci():
        pytest.fail(f"the browser test cannot run in CI: {problem}", pytrace=False)
    if problem:
        pytest.skip(problem)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("browser-screenshots")


@pytest.fixture(scope="module")
def browser_lab():
    """One JupyterLab server (on a temp copy of notebooks/ and the tests' data) and one browser."""
    need_browser()
    from playwright.sync_api import sync_playwright

    server = LabServer(NOTEBOOKS, data=Path(os.environ["LESSONKIT_DATA"]))
    with server, sync_playwright() as playwright:
        browser = launch_browser(playwright)
        try:
            yield server, browser
        finally:
            browser.close()
    leftovers = server.leftovers()
    assert not leftovers, f"the browser test left things behind: {leftovers}"


def test_every_notebook_with_widgets_is_listed():
    """A lesson that shows a widget must have its slider listed in SLIDERS, or it goes untested.

    Stored outputs keep a widget's picture and its text, which says to run the notebook in
    JupyterLab to move it (the widget view itself is stripped: see the next test).
    """
    listed = {name for name, _ in SLIDERS}
    with_widgets = []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        outputs = [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])]
        if any(WIDGET_TEXT in "".join(o.get("data", {}).get("text/plain", "")) for o in outputs):
            with_widgets.append(path.name)
    assert "00_start_here.ipynb" in with_widgets  # the scan itself sees widgets
    assert set(with_widgets) <= listed, f"add these notebooks to SLIDERS: {sorted(set(with_widgets) - listed)}"


def test_no_notebook_stores_a_widget_view_it_cannot_draw():
    """Without saved widget state, a stored widget view reads "Error displaying widget: model
    not found" in JupyterLab until the cell runs again; `scripts/run_notebooks.py` strips them."""
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        views = [i for i, c in enumerate(cells) for o in c.get("outputs", []) if WIDGET_VIEW in o.get("data", {})]
        assert not views, f"{path.name}: cells {views} store a widget view: run scripts/run_notebooks.py --strip-only"


@pytest.mark.browser
def test_server_leaves_nothing_behind_even_after_an_error():
    """The server and its kernels are gone, and the port closed, when the block raises."""
    need_browser()  # not the browser itself, but the same CI-only, heavy class of test
    import urllib.request

    server = LabServer(NOTEBOOKS, data=Path(os.environ["LESSONKIT_DATA"]))
    with pytest.raises(RuntimeError, match="on purpose"):
        with server:
            request = urllib.request.Request(f"{server.url}/api/kernels?token={server.token}", data=b"{}",
                                             method="POST")
            urllib.request.urlopen(request, timeout=60).close()
            deadline = time.monotonic() + 30
            while not server._own_processes() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert server._own_processes(), "the kernel did not start, so this test proves nothing"
            raise RuntimeError("on purpose")
    assert server.leftovers() == []


BROKEN_SLIDER = """\
import ipywidgets as widgets
from lessonkit.core.figures import new_figure, png_bytes

figure, axes = new_figure()
axes.plot([0, 1], [0, 1])
slider = widgets.IntSlider(value=1, min=0, max=5, description="p")
numbers = widgets.HTML("p is 1")

def redraw(change):
    raise RuntimeError("this callback is broken on purpose")

slider.observe(redraw, names="value")
widgets.VBox([slider, widgets.Image(value=png_bytes(figure), format="png"), numbers])
"""


@pytest.mark.browser
def test_the_checks_see_a_broken_slider_and_an_error(browser_lab, screenshots):
    """The test must fail on what it guards: a slider whose callback breaks, a cell that raises.
    The notebook is written beside the lessons' copy that the module's server serves, then removed."""
    import nbformat

    server, _ = browser_lab
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(BROKEN_SLIDER), nbformat.v4.new_code_cell("1 / 0")]
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    path = server.served / "broken.ipynb"
    nbformat.write(nb, path)
    try:
        lab, _, _ = new_lab_page(browser_lab, "broken.ipynb", screenshots)
        with lab.session():
            lab.open()
            lab.run_all(DEFAULT_RUN_ALL_TIMEOUT)
            errors = lab.errors()
            assert len(errors) == 1 and "ZeroDivisionError" in errors[0], errors
            (box, slider), = lab.explorers("p")
            seen = move_slider(lab.page, box, slider, timeout_s=5)
    finally:
        path.unlink(missing_ok=True)
    assert seen["before"]["pixels"] and seen["after"]["pixels"], "the image was never decoded: nothing compared"
    assert seen["after"]["value"] != seen["before"]["value"]  # the slider did move...
    assert seen["after"]["text"] == seen["before"]["text"]  # ...but nothing followed it
    assert seen["after"]["src"] == seen["before"]["src"]
    assert seen["after"]["pixels"] == seen["before"]["pixels"]


@pytest.mark.browser
@pytest.mark.parametrize("name, description", SLIDERS, ids=[name.split("_")[0] for name, _ in SLIDERS])
def test_slider_redraws_in_jupyterlab(name, description, browser_lab, screenshots, capsys):
    if not (NOTEBOOKS / name).exists():
        pytest.skip(f"notebooks/{name} is not written yet")
    lab, page, where = new_lab_page(browser_lab, name, screenshots)
    start = time.monotonic()
    with lab.session():
        lab.open()
        lab.run_all(RUN_ALL_TIMEOUT.get(name, DEFAULT_RUN_ALL_TIMEOUT))
        ran_in = time.monotonic() - start
        lab.shot("after-run-all")
        assert lab.errors() == [], f"{name} shows errors after Run All Cells {where}"
        assert lab.unrun_cells() == 0, f"{name}: Run All Cells stopped before the end {where}"
        also = ""
        if name == PLAYGROUND:  # in the same session (one Run All): play while it is still at step 0
            also = "; " + play_the_playground(lab, page, where)

        explorers = lab.explorers(description)
        assert explorers, f"{name}: no widget box with a slider '{description}' {where}"
        for i, (box, slider) in enumerate(explorers):
            box.scroll_into_view_if_needed()
            lab.shot(f"{description}{i}-before", box)
            seen = move_slider(page, box, slider)
            lab.shot(f"{description}{i}-after", box)
            before, after = seen["before"], seen["after"]
            what = f"{name}, slider '{description}' #{i}"
            assert after["value"] != before["value"], f"{what}: ArrowRight did not move it {where}"
            assert after["text"] != before["text"], f"{what}: the numbers shown did not change {where}"
            if box.locator("img").count():  # a lesson's explorer; the start-here check has only text
                assert before["pixels"] and after["pixels"], f"{what}: the plot was never decoded {where}"
                assert after["src"] != before["src"], f"{what}: no new image arrived {where}"
                assert after["pixels"] != before["pixels"], f"{what}: the plot looks the same {where}"
        assert lab.errors() == [], f"{name} shows errors after moving the slider {where}"
        if name == EXERCISE_LESSON:  # in the same session: a learner works q2 in the lesson just run
            work_an_exercise(lab, page, where)
            also = "; q2 worked (a wrong answer told, hint 2, the solution)"
    with capsys.disabled():
        print(f"\n  browser: {name}: Run All Cells {ran_in:.0f} s, {len(explorers)} slider(s) moved{also}, "
              f"{time.monotonic() - start:.0f} s in all")




def play_the_playground(lab, page, where):
    """Lesson 4, just run (the slider test calls this): play, and the boundary changes by itself; p and
    L2 λ moved during training reach the model and its optimizer; pause, and the picture and the step
    count stop. Returns what it saw, in words."""
    (box, slider), = lab.explorers("p")
    box.scroll_into_view_if_needed()
    image = box.locator("img").first

    def now():
        """(step, the model's dropout p, state text, the picture's pixels) as the page shows them."""
        text = readout(box)
        step = re.search(r"step ([\d,]+)", text)
        p = re.search(r"p = ([\d.]+)", text)
        return (int(step[1].replace(",", "")) if step else None, float(p[1]) if p else None, text,
                image.evaluate(DECODED_PIXELS))

    def wait_until(condition, what, timeout_s=60):
        deadline = time.monotonic() + timeout_s
        while not condition(state := now()):
            assert time.monotonic() < deadline, f"{what} {where}; the page shows: {state[2]!r}"
            page.wait_for_timeout(200)
        return state

    step, p, text, first_picture = now()
    assert step == 0 and p == 0.0 and "paused" in text, text
    box.get_by_role("button", name="play").click()
    pictures, steps = {first_picture}, [0]
    deadline = time.monotonic() + 60
    while len(pictures) < 4:  # the boundary changes over time, without a touch
        assert time.monotonic() < deadline, f"only {len(pictures)} different pictures in 60 s of play {where}"
        page.wait_for_timeout(250)
        step, _, text, picture = now()
        pictures.add(picture)
        steps.append(step)
    assert steps == sorted(steps) and steps[-1] > 0 and "training" in text, (steps, text)
    lab.shot("playing", box)

    slider.locator(".noUi-handle").first.focus()
    for _ in range(10):  # 10 x 0.05: p = 0.5, while it trains
        page.keyboard.press("ArrowRight")
    moved_at, _, _, _ = wait_until(lambda s: s[1] == 0.5, "the model's dropout p never became 0.5")
    wait_until(lambda s: s[0] > moved_at, "training did not go on after p moved")

    (_, l2_slider), = lab.explorers("L2 λ")
    l2_slider.locator(".noUi-handle").first.focus()
    for _ in range(5):  # 0 -> 1e-4 -> 3e-4 -> 1e-3 -> 3e-3 -> 0.01, while it trains
        page.keyboard.press("ArrowRight")
    moved_at, _, _, _ = wait_until(lambda s: "L2 λ = 0.01 " in s[2], "the optimizer's L2 λ never became 0.01")
    wait_until(lambda s: s[0] > moved_at, "training did not go on after L2 λ moved")

    box.get_by_role("button", name="pause").click()
    wait_until(lambda s: "paused" in s[2], "pause was not shown")
    page.wait_for_timeout(500)  # the last frame may still be on its way
    paused = now()
    page.wait_for_timeout(2000)
    after = now()
    lab.shot("paused", box)
    assert after[0] == paused[0], f"steps went on after pause: {paused[0]} -> {after[0]} {where}"
    assert after[3] == paused[3], f"the picture still changed after pause {where}"
    assert after[1] == 0.5
    assert lab.errors() == [], f"errors after playing {where}"
    return f"played to step {paused[0]:,}, {len(pictures)} pictures seen, p moved to 0.5, L2 λ to 0.01"




def work_an_exercise(lab, page, where):
    """As a learner in lesson 1, just run (the slider test calls this): q2's check says it is not
    answered, with nothing of the solution on the page. Then type a wrong answer into the check cell
    and run it: the check names the mistake; `q2.hint(2)` says where to look; `q2.solution()` prints
    the solution, from lessonkit."""
    cells = json.loads((NOTEBOOKS / EXERCISE_LESSON).read_text())["cells"]
    index = next(i for i, c in enumerate(cells) if "q2.check(" in "".join(c["source"]))

    def run_in_cell(cell, code: str, expected: str, timeout_s: float = 60) -> str:
        """Replace the cell's code with `code` as typed text, run it in place, wait for `expected`."""
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(code)
        page.keyboard.press("Control+Enter")
        output = cell.locator(".jp-OutputArea-output")
        deadline = time.monotonic() + timeout_s
        while expected not in (text := " ".join(output.all_inner_texts())):
            assert time.monotonic() < deadline, f"{code!r} never showed {expected!r}; it shows {text!r} {where}"
            page.wait_for_timeout(200)
        return text

    cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index)
    cell.scroll_into_view_if_needed()
    assert "not answered yet" in cell.inner_text(), f"q2's check does not ask for an answer {where}"
    assert "Solution to q2" not in page.locator(".jp-Notebook").first.inner_text()
    lab.shot("exercise-as-run", cell)

    told = run_in_cell(cell, 'from lessonkit.lessons.overfitting.exercises import q2\nq2.check("larger")',
                       "more data, more overfitting")
    assert "q2.hint(2)" in told and "Where to look" not in told
    lab.shot("exercise-wrong-answer", cell)
    hint = run_in_cell(cell, "q2.hint(2)", "Where to look")
    assert "Fix" not in hint
    solution = run_in_cell(cell, "q2.solution()", "Solution to q2")
    assert 'my_gap_prediction = "smaller"' in solution
    lab.shot("exercise-solution", cell)
    assert lab.errors() == [], f"errors while working the exercise {where}"


KOREAN_LESSON = "ko/01_underfit_fit_overfit.ipynb"
# Whether the page's sans-serif font draws a Hangul syllable: a missing glyph is drawn as the same
# box as an unassigned code point, so the two pictures are equal exactly when Hangul is missing.
DRAWS_HANGUL = """() => {
    const draw = (text) => {
        const canvas = document.createElement('canvas');
        canvas.width = 64; canvas.height = 40;
        const ctx = canvas.getContext('2d');
        ctx.font = '28px sans-serif';
        ctx.fillText(text, 4, 30);
        return canvas.toDataURL();
    };
    return draw('가') !== draw('\\u0378') && draw('가') !== draw('한');
}"""


@pytest.mark.browser
def test_a_korean_lesson_runs_its_slider_moves_and_its_korean_text_renders(browser_lab, screenshots, capsys):
    """The Korean edition in JupyterLab: lesson 1 runs top to bottom, its prose and its explorer's
    labels and numbers are Korean, the degree slider (차수) redraws the figure, and Chromium has a
    font that draws Hangul (`.ci/run` installs Debian's Nanum fonts)."""
    lab, page, where = new_lab_page(browser_lab, KOREAN_LESSON, screenshots)
    with lab.session():
        lab.open()
        lab.run_all(DEFAULT_RUN_ALL_TIMEOUT)
        assert lab.errors() == [] and lab.unrun_cells() == 0, f"Run All Cells failed {where}"
        heading = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown h1").first
        assert re.search("[가-힣]", heading.inner_text()), f"the title is not Korean {where}"
        assert page.evaluate(DRAWS_HANGUL), f"Chromium has no font that draws Hangul {where}"
        (box, slider), *_ = lab.explorers("차수")
        box.scroll_into_view_if_needed()
        seen = move_slider(page, box, slider)
        lab.shot("korean-explorer", box)
        assert seen["after"]["value"] != seen["before"]["value"], f"ArrowRight did not move 차수 {where}"
        assert seen["after"]["pixels"] != seen["before"]["pixels"], f"the plot looks the same {where}"
        assert re.search("[가-힣]", seen["after"]["text"]), f"the explorer's numbers are not told in Korean {where}"
        assert lab.errors() == [], f"errors after moving the slider {where}"
    with capsys.disabled():
        print(f"\n  browser: {KOREAN_LESSON}: ran, 차수 moved, Hangul drawn")
