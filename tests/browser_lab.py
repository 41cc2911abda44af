"""Drive the lessons in a real JupyterLab in headless Chromium, as a learner would.

Used by `tests/test_browser.py`, and as a script that retakes the README's screenshots:

    .venv/bin/python tests/browser_lab.py --screenshots docs/ [notebooks/01_*.ipynb ...]

`LabServer` starts `jupyter lab` on 127.0.0.1 (free port, random token) in a temporary
copy of the notebooks, with its own Jupyter config/data/runtime folders so the learner's
settings are never read or written, and shuts everything down whatever happens.
`LabPage` opens a notebook, runs all cells, lists the errors a reader would see, and moves
a slider with the keyboard.
"""
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("LESSONKIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

# JupyterLab settings for the test profile: every cell in the DOM (windowing would leave
# off-screen cells, and their errors, out of the page) and no news pop-up over the notebook.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

# What a reader would see as a failure, anywhere in the notebook: (output selector, text).
# JupyterLab shows an exception as an output of type stderr, with its traceback.
OUTPUT_AREA = ".jp-OutputArea-output"
ERROR_OUTPUTS = {
    "an error": (f'{OUTPUT_AREA}[data-mime-type="application/vnd.jupyter.error"]', None),
    "a traceback": (f'{OUTPUT_AREA}[data-mime-type="application/vnd.jupyter.stderr"]', re.compile("Traceback|Error")),
    "a widget that did not render": (OUTPUT_AREA, re.compile("Error displaying widget")),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class LabServer:
    """`jupyter lab` in a temporary folder; a context manager that always cleans up.

    The folder holds `notebooks/` (a copy of `notebooks`) and `data/`, unless `data` names
    an existing data folder (as in the tests, whose conftest prepared one).
    """

    def __init__(self, notebooks: Path = REPO / "notebooks", data: Path | None = None, startup_timeout: float = 90):
        self.notebooks = Path(notebooks)
        self.data = data
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.process: subprocess.Popen | None = None
        self.home: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def served(self) -> Path:
        """The copy of `notebooks` that the server serves (a test may add a notebook there)."""
        return self.home / "root" / "notebooks"

    def notebook_url(self, name: str) -> str:
        """The notebook alone: `reset` starts from an empty workspace, so the tabs an earlier
        page left open are not restored beside it (their stale outputs would count as its own)."""
        return f"{self.url}/lab/tree/notebooks/{name}?token={self.token}&reset"

    def __enter__(self):
        self.home = Path(tempfile.mkdtemp(prefix="lessonkit-lab-"))
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self):
        root = self.home / "root"
        shutil.copytree(self.notebooks, self.served, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        data = self.data
        if data is None:
            from lessonkit.core.data import copy_mnist_archives

            data = root / "data"
            archives = REPO.parent / "shared" / "data" / "MNIST" / "raw"
            if archives.is_dir():
                copy_mnist_archives(archives, data)
        settings = self.home / "config" / "lab" / "user-settings"
        for name, values in LAB_SETTINGS.items():
            (settings / name).parent.mkdir(parents=True, exist_ok=True)
            (settings / name).write_text(json.dumps(values))
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(self.home / "config"),
            "JUPYTER_DATA_DIR": str(self.home / "data-dir"),  # the venv's share/jupyter stays on the path
            "JUPYTER_RUNTIME_DIR": str(self.home / "runtime"),
            "LESSONKIT_DATA": str(data),
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
        env.pop("MPLBACKEND", None)  # the kernel picks the inline backend itself
        command = [
            sys.executable, "-m", "jupyterlab",
            "--no-browser", "--ServerApp.open_browser=False", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
            # a backstop: a server nobody talks to for 10 minutes stops itself
            "--ServerApp.shutdown_no_activity_timeout=600", "--MappingKernelManager.cull_idle_timeout=600",
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]  # fmt: skip
        self.log_path = self.home / "server.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not answer within {self.startup_timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def shutdown_kernels(self):
        """Stop every kernel of this server (a finished notebook should not hold memory)."""
        with urllib.request.urlopen(f"{self.url}/api/kernels?token={self.token}", timeout=10) as answer:
            kernels = json.load(answer)
        for kernel in kernels:
            request = urllib.request.Request(f"{self.url}/api/kernels/{kernel['id']}?token={self.token}",
                                             method="DELETE")
            urllib.request.urlopen(request, timeout=30).close()

    def _own_processes(self) -> list[int]:
        """PIDs of the kernels this server started: their command line names our runtime folder.

        Kernels run in a session of their own, so stopping the server's process group
        would not reach them.
        """
        marker = str(self.home / "runtime").encode()
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and int(entry.name) != os.getpid():
                try:
                    if marker in (entry / "cmdline").read_bytes():
                        pids.append(int(entry.name))
                except OSError:
                    pass
        return pids

    def __exit__(self, *exc):
        try:
            if self.process is not None and self.process.poll() is None:
                try:  # the polite way: the server shuts its kernels down, then itself
                    request = urllib.request.Request(f"{self.url}/api/shutdown?token={self.token}", method="POST")
                    urllib.request.urlopen(request, timeout=5).close()
                    self.process.wait(timeout=20)
                except (urllib.error.URLError, OSError, subprocess.TimeoutExpired):
                    pass
            if self.process is not None and self.process.poll() is None:
                _stop_group(self.process.pid)
                self.process.wait(timeout=10)
            for pid in self._own_processes():
                _stop_group(pid)
        finally:
            if self.home is not None:
                shutil.rmtree(self.home, ignore_errors=True)
        return False

    def leftovers(self) -> list[str]:
        """What this server left behind: an open port, or a live process. Empty when clean."""
        found = []
        if self.process is not None and self.process.poll() is None:
            found.append(f"jupyter lab (pid {self.process.pid}) still runs")
        if port_open(self.port):
            found.append(f"port {self.port} is still open")
        found += [f"kernel process {pid} still runs" for pid in self._own_processes()]
        return found


def _stop_group(pid: int) -> None:
    """SIGTERM the process group of `pid`, SIGKILL it if still there after 5 s."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def launch_browser(playwright):
    """Debian's Chromium, headless, driven by Playwright; a clear error when it cannot start."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium` (see .ci/run)")
    try:
        return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    except Exception as err:  # noqa: BLE001 - any launch failure means the same to the reader
        raise RuntimeError(f"Chromium at {CHROMIUM} could not start: {err}") from err


class LabPage:
    """One notebook open in JupyterLab in a browser page."""

    def __init__(self, page, server: LabServer, name: str, screenshots: Path):
        self.page = page
        self.server = server
        self.name = name
        self.screenshots = Path(screenshots)
        self.screenshots.mkdir(parents=True, exist_ok=True)
        self.stem = Path(name).stem

    def open(self, timeout_s: float = 90):
        """Open the notebook and wait until all its cells are on the page and the kernel is idle."""
        cells = len(json.loads((self.server.served / self.name).read_text())["cells"])
        self.page.goto(self.server.notebook_url(self.name), timeout=timeout_s * 1000)
        self.page.wait_for_function(
            "n => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell').length === n",
            arg=cells,
            timeout=timeout_s * 1000,
        )
        self.wait_until_idle(timeout_s)

    def wait_until_idle(self, timeout_s: float):
        """Wait until the kernel is idle and no cell shows [*] (running or queued)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            self._wait_for_idle(timeout_s)
        except PlaywrightTimeout:
            raise TimeoutError(
                f"{self.name}: the kernel was still busy or not connected after {timeout_s:.0f} s") from None

    def _wait_for_idle(self, timeout_s: float):
        self.page.wait_for_function(
            r"""() => {
                // The status bar names the kernel and its state once it is connected; the
                // toolbar's indicator alone says "idle" before any kernel is there.
                const status = document.querySelector('.jp-StatusBar-TextItem[title^="Change kernel"]');
                if (!status || !/\| Idle$/.test(status.textContent.trim())) return false;
                const indicator = document.querySelector(
                    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
                if (!indicator || indicator.getAttribute('data-status') !== 'idle') return false;
                return ![...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('[*]'));
            }""",
            timeout=timeout_s * 1000,
            polling=500,
        )

    def run_all(self, timeout_s: float):
        """Run ▸ Run All Cells from the menu, then wait until every cell has run (or one failed)."""
        # Note when the kernel turns busy, however briefly, so that "idle" below means "done".
        self.page.evaluate(
            """() => {
                window.lessonkitSawBusy = false;
                new MutationObserver(() => {
                    const indicator = document.querySelector(
                    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
                    if (indicator && indicator.getAttribute('data-status') === 'busy') window.lessonkitSawBusy = true;
                }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['data-status']});
            }"""
        )
        self.page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        self.page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
        self.page.wait_for_function("() => window.lessonkitSawBusy", timeout=60_000)
        self.wait_until_idle(timeout_s)

    def unrun_cells(self) -> int:
        """Code cells without an execution count after running all: run-all stopped early."""
        prompts = self.page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
        return sum(1 for text in prompts if not re.search(r"\[\d+\]", text))

    def errors(self) -> list[str]:
        """The error outputs on the page, as "what: text"; empty when there are none."""
        found = []
        for what, (selector, text) in ERROR_OUTPUTS.items():
            outputs = self.page.locator(selector)
            if text is not None:
                outputs = outputs.filter(has_text=text)
            found += [f"{what}: {shown.strip()[:400]}" for shown in outputs.all_inner_texts()]
        return found

    @contextmanager
    def session(self):
        """Run a test's steps on this page: on failure the error gets a note naming the screenshot
        taken then (or the folder of the others); in any case the page closes and the kernels stop."""
        try:
            yield self
        except Exception as err:
            try:
                err.add_note(f"screenshot at failure: {self.shot('failure')}, the others beside it")
            except Exception:  # noqa: BLE001 - the page may be gone; the original error matters more
                err.add_note(f"screenshots in {self.screenshots}")
            raise
        finally:
            self.page.close()
            self.server.shutdown_kernels()

    def shot(self, label: str, locator=None) -> Path:
        path = self.screenshots / f"{self.stem}-{label}.png"
        (locator or self.page).screenshot(path=str(path))
        return path

    def explorers(self, description: str) -> list:
        """(box, slider) for each widget box holding a slider labelled `description`, in order.

        The box is the innermost VBox around the slider: the lesson's explorer, which also
        holds its image and its numbers.
        """
        label = self.page.locator(".widget-label", has_text=re.compile(rf"^\s*{re.escape(description)}\s*$"))
        slider = self.page.locator(".widget-slider").filter(has=label)
        holders = self.page.locator(".jp-OutputArea-output .widget-vbox").filter(has=slider)
        boxes = holders.filter(has_not=self.page.locator(".widget-vbox").filter(has=slider))
        return [(box, box.locator(".widget-slider").filter(has=label).first) for box in boxes.all()]


def readout(box) -> str:
    """The text a learner reads in a widget box: its numbers (HTML / Label), not the slider's."""
    texts = box.locator(".widget-html, .widget-label:not(.widget-slider .widget-label)").all_inner_texts()
    return "\n".join(t.strip() for t in texts if t.strip())


# The pixels of an <img> as the browser decoded them (a PNG data URL of a canvas copy):
# what the learner sees, whatever lies on top of it on the page.
DECODED_PIXELS = """img => {
    if (!img.complete || img.naturalWidth === 0) return null;  // not decoded (yet)
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    canvas.getContext('2d').drawImage(img, 0, 0);
    return canvas.toDataURL('image/png');
}"""


def move_slider(page, box, slider, key: str = "ArrowRight", timeout_s: float = 30) -> dict:
    """Focus the slider's handle and press `key`, as a learner would; wait for the redraw.

    Returns what was seen before and after: the slider's readout, the box's text, the
    image's `src` and its pixels as the browser decoded them (None when there is no image).
    """
    image = box.locator("img").first
    has_image = image.count() > 0

    def state():
        return {
            "value": slider.locator(".widget-readout").first.inner_text().strip(),
            "text": readout(box),
            "src": image.get_attribute("src") if has_image else None,
            "pixels": image.evaluate(DECODED_PIXELS) if has_image else None,
        }

    before = state()
    slider.locator(".noUi-handle").first.focus()
    page.keyboard.press(key)
    # The kernel recomputes and sends a new PNG: its blob URL replaces the old one.
    deadline = time.monotonic() + timeout_s
    after = state()
    while time.monotonic() < deadline:
        changed_view = after["src"] != before["src"] if has_image else after["text"] != before["text"]
        if after["value"] != before["value"] and changed_view and after["text"] != before["text"]:
            break
        page.wait_for_timeout(250)
        after = state()
    page.wait_for_timeout(300)  # let the new image finish decoding
    after = state()
    return {"before": before, "after": after}


def main(argv=None) -> int:
    """Retake the README's screenshots: each lesson's first explorer, and lesson 1 in JupyterLab."""
    import argparse

    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--screenshots", type=Path, required=True, help="folder for the PNGs, e.g. docs/")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every lesson with a slider")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds for running all cells of one notebook")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).parent))
    from test_browser import SLIDERS

    wanted = {path.name for path in args.notebooks}
    cases = [(name, d) for name, d in SLIDERS
             if (not wanted or name in wanted) and (REPO / "notebooks" / name).exists()]
    args.screenshots.mkdir(parents=True, exist_ok=True)
    with LabServer() as server, sync_playwright() as playwright:
        browser = launch_browser(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            for name, description in cases:
                lab = LabPage(page, server, name, args.screenshots)
                lab.open()
                lab.run_all(args.timeout)
                box, _ = lab.explorers(description)[0]
                box.scroll_into_view_if_needed()
                number = name[:2]
                box.screenshot(path=str(args.screenshots / f"lesson{number}_{description}_slider.png"))
                if name.startswith("01_"):
                    page.screenshot(path=str(args.screenshots / "jupyterlab_lesson01.png"))
                print(f"{name}: screenshots taken")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
