"""Browser round-trip benchmarks for Streamlit apps (real server + Debian Chromium).

Importable API (no budgets are asserted here):

    from bench.browser_latency import (
        measure_slider_latency, cold_start_seconds, slider_latencies, summarize)

    ms = measure_slider_latency("app.py", "Kernel size", path="/", moves=30)
    print(summarize(ms))                       # {'n': 30, 'p50_ms': ..., 'p95_ms': ...}
    s = cold_start_seconds("app.py", ".js-plotly-plot")

CLI (defaults measure the bare "floor" app, bench/bare_app.py):

    python bench/browser_latency.py
    python bench/browser_latency.py --app app.py --path / --slider "Stride" --moves 40

One slider move = focus the slider, press ArrowRight (ArrowLeft when at its max),
and time key press -> the text of ``chart_title_selector`` differs from before,
polled every animation frame. The server is started with tools/serve.py (the same
implementation as the e2e fixture).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Sequence

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # allow `python bench/browser_latency.py`
    sys.path.insert(0, str(REPO_ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from tools.serve import (  # noqa: E402
    launch_args, slider_locator, start_server, streamlit_server, wait_for_app_idle)

BARE_APP = REPO_ROOT / "bench" / "bare_app.py"
PLOTLY_TITLE = ".js-plotly-plot .gtitle"
PLOTLY_PLOT = ".js-plotly-plot"

# Text of the first element matching `sel`, or null while it is absent (plotly
# re-renders the chart on each rerun, so the node can briefly disappear).
_TEXT_JS = """(sel) => { const el = document.querySelector(sel);
                          return el ? el.textContent : null; }"""
_CHANGED_JS = """([sel, before]) => { const el = document.querySelector(sel);
    if (!el) return false;
    const t = el.textContent;
    return t !== null && t !== '' && t !== before; }"""
# Value/min/max of the slider's (visually hidden) <input type=range>.
_RANGE_JS = """(el) => [Number(el.value), Number(el.min), Number(el.max)]"""


def percentile(samples: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]."""
    if not samples:
        raise ValueError("no samples")
    xs = sorted(samples)
    k = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summarize(samples_ms: Sequence[float]) -> dict:
    """p50/p95/min/max/mean of latencies given in milliseconds."""
    return {
        "n": len(samples_ms),
        "p50_ms": round(percentile(samples_ms, 50), 1),
        "p95_ms": round(percentile(samples_ms, 95), 1),
        "min_ms": round(min(samples_ms), 1),
        "max_ms": round(max(samples_ms), 1),
        "mean_ms": round(statistics.fmean(samples_ms), 1),
    }


def open_page(page: Page, base_url: str, path: str = "/", ready_selector: str | None = None,
              timeout: float = 60_000) -> None:
    """Go to base_url+path and wait for `ready_selector` (if given) and an idle app."""
    page.goto(base_url.rstrip("/") + "/" + path.lstrip("/"))
    if ready_selector:
        page.wait_for_selector(ready_selector, state="visible", timeout=timeout)
    wait_for_app_idle(page, timeout=timeout)


def slider_latencies(
    page: Page,
    slider_label: str,
    chart_title_selector: str = PLOTLY_TITLE,
    moves: int = 30,
    warmup: int = 2,
    timeout: float = 30_000,
) -> list[float]:
    """Time `moves` slider key presses on an already-open, idle page.

    Returns latencies in milliseconds (key press -> text of `chart_title_selector`
    changed). `warmup` extra moves are made first and not returned. After every
    move the app is allowed to go idle (not timed) so moves do not overlap.
    """
    slider = slider_locator(page, slider_label)
    slider.wait_for(state="attached", timeout=timeout)
    page.wait_for_selector(chart_title_selector, timeout=timeout)
    samples: list[float] = []
    direction = "ArrowRight"
    for i in range(warmup + moves):
        value, lo, hi = slider.evaluate(_RANGE_JS)
        if value >= hi:
            direction = "ArrowLeft"
        elif value <= lo:
            direction = "ArrowRight"
        slider.focus()
        before = page.evaluate(_TEXT_JS, chart_title_selector)
        t0 = time.perf_counter()
        page.keyboard.press(direction)
        page.wait_for_function(_CHANGED_JS, arg=[chart_title_selector, before],
                               polling="raf", timeout=timeout)
        elapsed_ms = (time.perf_counter() - t0) * 1000.0
        if i >= warmup:
            samples.append(elapsed_ms)
        wait_for_app_idle(page, timeout=timeout)
    return samples


def measure_slider_latency(
    app_path: str | Path,
    slider_label: str,
    chart_title_selector: str = PLOTLY_TITLE,
    path: str = "/",
    moves: int = 30,
    warmup: int = 2,
) -> list[float]:
    """Start `app_path` on a fresh server, open `path` in Chromium, move the slider.

    Returns `moves` latencies in milliseconds (see :func:`slider_latencies`).
    """
    with streamlit_server(app_path) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_args())
        try:
            page = browser.new_page()
            open_page(page, server.url, path, ready_selector=chart_title_selector)
            return slider_latencies(page, slider_label, chart_title_selector,
                                    moves=moves, warmup=warmup)
        finally:
            browser.close()


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid`` (Linux /proc)."""
    import os
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_views(
    app_path: str | Path,
    views: Sequence[tuple[str, str, str]],
    moves: int = 30,
    warmup: int = 2,
) -> list[dict]:
    """One server, one browser; for every view (path, slider label, changed selector) open
    the page in a new tab and time ``moves`` slider moves.

    Returns per view: ``samples`` (ms), ``summary`` and ``cpu_ms`` = the server process's
    CPU time during the timed moves divided by the moves (CPU, not wall: other jobs on the
    machine do not count, and it is what a replica spends per student move), or
    ``error`` when that view did not open or update in time (the other views still run).
    """
    out = []
    with streamlit_server(app_path) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_args())
        try:
            for path, slider_label, selector in views:
                page = browser.new_page()
                try:
                    open_page(page, server.url, path, ready_selector=selector)
                    slider_latencies(page, slider_label, selector, moves=warmup, warmup=0)
                    cpu0 = process_cpu_s(server.pid)
                    samples = slider_latencies(page, slider_label, selector, moves=moves,
                                               warmup=0)
                    cpu = (process_cpu_s(server.pid) - cpu0) * 1000 / moves
                except Exception as exc:  # noqa: BLE001 - one view failing is a result
                    out.append({"path": path, "error": f"{type(exc).__name__}: "
                                                       f"{str(exc).splitlines()[0][:100]}"})
                    continue
                finally:
                    page.close()
                out.append({"path": path, "samples": samples, "summary": summarize(samples),
                            "cpu_ms": round(cpu, 1)})
        finally:
            browser.close()
    return out


def first_draw_seconds(app_path: str | Path, path: str, choices: Sequence[str],
                       selector: str = PLOTLY_PLOT, timeout: float = 60_000) -> dict[str, float]:
    """On a fresh server, open ``path`` and pick every figure in ``choices`` (the labels of
    the explorer's figure radio) once: seconds from the click to that figure drawn
    (``selector``'s text changed). The first choice is the page's own first figure,
    timed from navigation (server already running) to drawn."""
    out: dict[str, float] = {}
    with streamlit_server(app_path) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_args())
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            t0 = time.perf_counter()
            open_page(page, server.url, path, ready_selector=selector, timeout=timeout)
            out[choices[0]] = time.perf_counter() - t0
            radio = page.get_by_test_id("stRadio").filter(has=page.get_by_text(choices[0],
                                                                                exact=True))
            for label in choices[1:]:
                before = page.evaluate(_TEXT_JS, selector)
                t0 = time.perf_counter()
                radio.get_by_text(label, exact=True).click()
                page.wait_for_function(_CHANGED_JS, arg=[selector, before], polling="raf",
                                       timeout=timeout)
                out[label] = time.perf_counter() - t0
                wait_for_app_idle(page, timeout=timeout)
        finally:
            browser.close()
    return out


def cold_start_seconds(
    app_path: str | Path,
    ready_selector: str = PLOTLY_PLOT,
    path: str = "/",
    timeout: float = 120.0,
) -> float:
    """Seconds from spawning `streamlit run` to the first page fully rendered.

    "Fully rendered" = `ready_selector` visible and the app idle (CONNECTED,
    notRunning). The browser is launched before the clock starts.
    """
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_args())
        try:
            page = browser.new_page()
            server = start_server(app_path, wait=False)
            try:
                server.wait_healthy(timeout=timeout, poll=0.01)
                open_page(page, server.url, path, ready_selector=ready_selector,
                          timeout=timeout * 1000)
                return time.perf_counter() - server.started_at
            finally:
                server.stop()
        finally:
            browser.close()


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--app", default=str(BARE_APP), help="app file (default: bench/bare_app.py)")
    ap.add_argument("--path", default="/", help="URL path of the page with the slider")
    ap.add_argument("--slider", default="n", help="slider label (exact)")
    ap.add_argument("--selector", default=PLOTLY_TITLE,
                    help="element whose text changes after each move")
    ap.add_argument("--ready-selector", default=PLOTLY_PLOT,
                    help="element that marks the first page as rendered (cold start)")
    ap.add_argument("--moves", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--cold-runs", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.moves < 1:
        ap.error("--moves must be >= 1")

    lat = measure_slider_latency(args.app, args.slider, args.selector, path=args.path,
                                 moves=args.moves, warmup=args.warmup)
    stats = summarize(lat)
    colds = [cold_start_seconds(args.app, args.ready_selector, path=args.path)
             for _ in range(args.cold_runs)]
    if args.json:
        print(json.dumps({"app": str(args.app), "path": args.path, "slider": args.slider,
                          "latency": stats, "samples_ms": [round(x, 1) for x in lat],
                          "cold_start_s": [round(c, 2) for c in colds]}))
        return 0
    print(f"app: {args.app}  path: {args.path}  slider: {args.slider!r}")
    print(f"slider -> chart latency over {stats['n']} moves: "
          f"p50 {stats['p50_ms']:.1f} ms, p95 {stats['p95_ms']:.1f} ms "
          f"(min {stats['min_ms']:.1f}, max {stats['max_ms']:.1f}, mean {stats['mean_ms']:.1f})")
    if colds:
        print("cold start (spawn -> first page rendered): "
              + ", ".join(f"{c:.2f} s" for c in colds)
              + f"  (median {statistics.median(colds):.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
