"""Start/stop a real ``streamlit run`` server and launch Debian's Chromium.

The ONE implementation shared by the end-to-end tests (``tests/e2e/conftest.py``)
and the browser benchmarks (``bench/browser_latency.py``). See
``shared/docs/browser-testing.md`` for why things are done this way.

    from tools.serve import streamlit_server
    with streamlit_server("app.py") as srv:
        print(srv.url)          # http://127.0.0.1:<free port>

The server log goes to a file (never a pipe that could fill up); the process is
stopped by its own PID only.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

REPO_ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--headless=new",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

STREAMLIT_FLAGS = [
    "--server.headless", "true",
    "--server.fileWatcherType", "none",
    "--server.runOnSave", "false",
    "--browser.gatherUsageStats", "false",
]

# Streamlit marks its root element with the connection and script-run state.
APP_IDLE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !!app && app.dataset.testConnectionState === 'CONNECTED'
                 && app.dataset.testScriptState === 'notRunning';
}"""

# Loopback only: never let an http(s)_proxy variable reroute the health probe.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def chromium_path() -> str:
    """Path of the Chromium binary; raises if it is missing (tests must fail, not skip)."""
    path = CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        found = shutil.which(path)
        if not found:
            raise FileNotFoundError(
                f"Chromium not found at {path!r}. Install it with "
                "`apt-get install -y chromium` (tools/test.sh does) or set CHROMIUM_PATH."
            )
        path = found
    return path


def launch_args() -> dict:
    """Keyword arguments for ``playwright.chromium.launch(**launch_args())``."""
    return {"executable_path": chromium_path(), "args": list(CHROMIUM_ARGS)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: How long a browser test waits for a state before it fails (ms). Only a bound: a wait
#: returns as soon as the state is there; two cores shared with other jobs can take 20 s+
#: to render a page.
WAIT_MS = 60_000


def wait_for_app_idle(page, timeout: float = WAIT_MS) -> None:
    """Wait until the Streamlit frontend is connected and no script run is in progress.

    After an input, first wait for the expected DOM change, then call this: a fast
    rerun may never be observed as ``running``.
    """
    page.wait_for_function(APP_IDLE_JS, timeout=timeout)


def slider_locator(page, label: str):
    """The keyboard-focusable thumb (``<input type=range>``) of the ``st.slider`` labelled ``label``.

    Matches the label text exactly. (``page.get_by_role("slider", name=label)`` alone
    matches substrings, and with ``exact=True`` it finds nothing: streamlit 1.67 gives
    the thumb the accessible name "<label> <label>".)
    """
    label_el = page.get_by_test_id("stWidgetLabel").filter(
        has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    return page.get_by_test_id("stSlider").filter(has=label_el).get_by_role("slider").first


@dataclass
class StreamlitServer:
    app_path: Path
    port: int
    proc: subprocess.Popen
    log_path: Path
    started_at: float  # time.perf_counter() just before the process was spawned
    _tmpdir: Path | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "<no log>"

    def healthy(self) -> bool:
        try:
            with _OPENER.open(f"{self.url}/_stcore/health", timeout=1) as r:
                return r.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def wait_healthy(self, timeout: float = 60.0, poll: float = 0.05) -> None:
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited early (code {self.proc.returncode}); log "
                    f"{self.log_path}:\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"streamlit not healthy after {timeout:.0f} s; log {self.log_path}:\n"
                    f"{self.log_tail()}"
                )
            time.sleep(poll)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop exactly this server process (SIGTERM, then SIGKILL)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def start_server(
    app_path: str | os.PathLike,
    *,
    port: int | None = None,
    extra_args: Sequence[str] = (),
    cwd: str | os.PathLike | None = None,
    log_dir: str | os.PathLike | None = None,
    wait: bool = True,
    timeout: float = 60.0,
) -> StreamlitServer:
    """Spawn ``python -m streamlit run APP`` on a free loopback port.

    ``cwd`` defaults to the repo root so the project's ``.streamlit/config.toml``
    applies. With ``wait`` (default) returns once ``/_stcore/health`` answers 200;
    on failure the process is stopped and the log tail is in the exception.
    """
    app = Path(app_path)
    if not app.is_absolute():
        app = (REPO_ROOT / app).resolve()
    if not app.is_file():
        raise FileNotFoundError(f"no such app file: {app}")
    tmpdir = None
    if log_dir is None:
        tmpdir = Path(tempfile.mkdtemp(prefix="streamlit-server-"))
        log_dir = tmpdir
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)

    attempts = 1 if port is not None else 3
    last_error: Exception | None = None
    for attempt in range(attempts):
        p = port if port is not None else free_port()
        log_path = log_dir / f"streamlit-{p}.log"
        cmd = [
            sys.executable, "-m", "streamlit", "run", str(app),
            "--server.port", str(p), "--server.address", "127.0.0.1",
            *STREAMLIT_FLAGS, *extra_args,
        ]
        with open(log_path, "wb") as log:
            started = time.perf_counter()
            proc = subprocess.Popen(
                cmd,
                cwd=str(cwd or REPO_ROOT),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = StreamlitServer(app, p, proc, log_path, started, tmpdir)
        if not wait:
            return server
        try:
            server.wait_healthy(timeout=timeout)
            return server
        except RuntimeError as exc:
            server.stop()
            last_error = exc
            # Retry only the (rare) race where the free port was taken meanwhile.
            if "already in use" not in server.log_tail():
                break
    assert last_error is not None
    raise last_error


@contextlib.contextmanager
def streamlit_server(app_path: str | os.PathLike, **kwargs) -> Iterator[StreamlitServer]:
    """Context manager around :func:`start_server` that always stops the server."""
    server = start_server(app_path, **kwargs)
    try:
        yield server
    finally:
        server.stop()
