"""Where one slider move's time goes in the browser: a timeline per move (no budget).

    python bench/move_timeline.py                 # explorer default view, 6 k moves
    python bench/move_timeline.py --path "/?fig=params" --moves 10

For every move (key press = 0 ms) it prints when the websocket messages arrived in the page
(the first, the figure's — the largest — and the last), how many there were (one per element
the script sends), and when the chart's text changed. A message's time is when the page's
JavaScript got to it: a busy main thread shows up as late messages.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tools.serve import (launch_args, slider_locator, streamlit_server,  # noqa: E402
                         wait_for_app_idle)

K_SLIDER = "k — filters (output channels)"
# Wraps the page's WebSocket before Streamlit opens it: every message's arrival time and size.
_RECORD_JS = """
window.__msgs = [];
const Native = window.WebSocket;
window.WebSocket = function (url, protocols) {
  const ws = new Native(url, protocols);
  ws.addEventListener('message', (e) => window.__msgs.push(
      [performance.now(), e.data.byteLength || e.data.size || e.data.length || 0]));
  return ws;
};
window.WebSocket.prototype = Native.prototype;
Object.assign(window.WebSocket, Native);
"""
# Clears the log and times the chart's text change (polled every animation frame).
_ARM_JS = """(sel) => { window.__msgs = []; window.__t0 = performance.now(); window.__chart = null;
  const before = document.querySelector(sel).textContent;
  const tick = () => { const el = document.querySelector(sel);
    if (el && el.textContent && el.textContent !== before) {
      window.__chart = performance.now(); return; }
    requestAnimationFrame(tick); };
  requestAnimationFrame(tick); }"""


def timeline(path: str, moves: int, slider: str = K_SLIDER,
             chart: str = ".js-plotly-plot") -> list[dict]:
    """One dict per move: messages (count), first / figure / last message and chart drawn (ms)."""
    out = []
    with streamlit_server(REPO_ROOT / "app.py") as server, sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_args())
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.add_init_script(_RECORD_JS)
            page.goto(server.url + path)
            page.wait_for_selector(chart, timeout=60_000)
            wait_for_app_idle(page)
            handle = slider_locator(page, slider)
            for _ in range(moves):
                handle.focus()
                page.evaluate(_ARM_JS, chart)
                page.keyboard.press("ArrowRight")
                page.wait_for_function("window.__chart !== null", polling="raf", timeout=30_000)
                wait_for_app_idle(page)
                time.sleep(0.3)
                t0, drawn, msgs = page.evaluate("[window.__t0, window.__chart, window.__msgs]")
                sizes = [n for _, n in msgs]
                biggest = sizes.index(max(sizes)) if sizes else -1
                out.append({"messages": len(msgs), "first_ms": msgs[0][0] - t0 if msgs else None,
                            "figure_index": biggest,
                            "figure_ms": msgs[biggest][0] - t0 if msgs else None,
                            "last_ms": msgs[-1][0] - t0 if msgs else None,
                            "chart_ms": drawn - t0})
        finally:
            browser.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--path", default="/")
    ap.add_argument("--moves", type=int, default=6)
    ap.add_argument("--slider", default=K_SLIDER)
    args = ap.parse_args(argv)
    rows = timeline(args.path, args.moves, args.slider)
    for r in rows:
        print(f"{r['messages']} messages: first {r['first_ms']:.0f} ms, "
              f"figure (#{r['figure_index']}) {r['figure_ms']:.0f} ms, "
              f"last {r['last_ms']:.0f} ms; chart drawn {r['chart_ms']:.0f} ms")
    print("median chart drawn:", f"{statistics.median(r['chart_ms'] for r in rows):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
