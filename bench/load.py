"""Load test: many concurrent sessions against ONE real Streamlit server.

    python bench/load.py                      # 2 waves x 30 sessions x 20 moves, prints a table
    python bench/load.py --readme "30 sessions, websocket clients"   # ... and bench/README.md
    python bench/load.py --client browser --sessions 30 --waves 1   # real Chromium tabs
    python bench/load.py --sessions 10 --moves 5 --waves 1          # a quick smoke run

One server (``streamlit run app.py`` on 127.0.0.1 via tools/serve.py). Each session (one
student) opens the explorer, then moves the ``k`` slider ``--moves`` times with a random think
time. Session starts are spread over ``--ramp`` seconds. Two kinds of client:

* ``--client ws`` (default): Streamlit's own websocket protocol (``/_stcore/stream``, the
  BackMsg ``rerun_script`` / ForwardMsg frames a tab exchanges) without a browser, so that
  30-100 sessions fit on a small machine and the numbers are the server's. Latency = new
  value sent -> the "Parameters" metric with the value expected for it arrives.
* ``--client browser``: one headless Chromium, one tab (its own websocket = its own Streamlit
  session) per student, all in one context (shared HTTP cache). Latency = keydown -> the
  "Parameters" number on the page changes, timed inside the page (``performance.now()`` in a
  capture-phase keydown listener and a MutationObserver), so Playwright's round trips are not
  counted, but the tabs' own rendering is.

Errors (must be 0): an exception element, a JS page error, a websocket to the server closed
while the session was open, a wrong number, or a wait timing out.

Memory: resident set size (VmRSS of /proc/<pid>/status) of the server process, sampled every
0.2 s: at start, after one warm-up session, peak during each wave, and after each wave's
sessions were closed plus an idle period longer than server.disconnectedSessionTTL (set short
here, see --ttl, so closed sessions are really dropped), and after a second idle period. Two
identical waves: if closed sessions leaked, RSS after wave 2 would be clearly above wave 1.
Server CPU per update comes from /proc/<pid>/stat.

Bounded: every wait has a timeout, and the whole run is cancelled after --hard-timeout seconds
(the server is still stopped, by its PID). Only 127.0.0.1 is contacted. Exit status 1 when
there were errors or RSS grew by more than --max-growth-mb from the first to the last wave.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # allow `python bench/load.py`
    sys.path.insert(0, str(REPO_ROOT))

from playwright.async_api import async_playwright  # noqa: E402

from bench.browser_latency import percentile  # noqa: E402
from tools.serve import APP_IDLE_JS, launch_args, start_server  # noqa: E402

README = REPO_ROOT / "bench" / "README.md"
SECTION = "## Load test"
SLIDER_LABEL = "k — filters (output channels)"
METRIC_LABEL = "Parameters"
EXCEPTION = '[data-testid="stException"]'
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only

# In the page: remember when the key went down and when the metric's text changed.
INSTALL_JS = """(label) => {
    const valueOf = () => {
        for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
            const l = m.querySelector('[data-testid="stMetricLabel"]');
            if (l && l.textContent.trim() === label) {
                const v = m.querySelector('[data-testid="stMetricValue"]');
                return v ? v.textContent : null;
            }
        }
        return null;
    };
    window.__load = {t0: null, t1: null, last: valueOf(), valueOf};
    document.addEventListener('keydown', () => {
        window.__load.t0 = performance.now(); window.__load.t1 = null; }, true);
    new MutationObserver(() => {
        const s = window.__load, v = s.valueOf();
        if (v !== null && v !== s.last) {
            s.last = v;
            if (s.t0 !== null && s.t1 === null) s.t1 = performance.now();
        }
    }).observe(document.body, {subtree: true, childList: true, characterData: true});
    return valueOf();
}"""
RANGE_JS = "(el) => [Number(el.value), Number(el.min), Number(el.max)]"
CHANGED_JS = "() => window.__load && window.__load.t1 !== null"
ELAPSED_JS = "() => window.__load.t1 - window.__load.t0"


# ---------------------------------------------------------------------------
# Server-side numbers
# ---------------------------------------------------------------------------

def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid``."""
    import os
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_metrics(base_url: str) -> dict[str, float]:
    """``/_stcore/metrics`` (OpenMetrics text) -> {name{labels}: value}."""
    text = _OPENER.open(f"{base_url}/_stcore/metrics", timeout=5).read().decode()
    out: dict[str, float] = {}
    for line in text.splitlines():
        m = re.fullmatch(r"([a-z_]+(?:\{[^}]*\})?) ([0-9.eE+-]+)", line.strip())
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


class RssSampler:
    """Samples the server's RSS every ``interval`` seconds; ``peak`` since the last reset."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval = pid, interval
        self.peak = rss_mb(pid)
        self._task: asyncio.Task | None = None

    def reset(self) -> None:
        self.peak = rss_mb(self.pid)

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, rss_mb(self.pid))
            await asyncio.sleep(self.interval)

    def __enter__(self) -> "RssSampler":
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc) -> None:
        if self._task:
            self._task.cancel()


# ---------------------------------------------------------------------------
# One session
# ---------------------------------------------------------------------------

@dataclass
class SessionResult:
    latencies_ms: list[float] = field(default_factory=list)
    open_s: float | None = None
    errors: list[str] = field(default_factory=list)


async def run_session(context, url: str, moves: int, think: tuple[float, float],
                      timeout_ms: float, seed: int, delay: float = 0.0) -> SessionResult:
    """One student: a browser tab (its own websocket = its own Streamlit session)."""
    res = SessionResult()
    rng = random.Random(seed)
    await asyncio.sleep(delay)
    page = await context.new_page()
    open_ = True
    try:
        page.on("pageerror", lambda e: res.errors.append(f"page error: {e}"))

        def on_ws(ws) -> None:
            if "/_stcore/stream" in ws.url:
                ws.on("close", lambda _ws: open_ and res.errors.append("websocket closed"))
        page.on("websocket", on_ws)

        t0 = time.perf_counter()
        await page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
        await page.wait_for_selector('[data-testid="stMetricValue"]', timeout=timeout_ms)
        await page.wait_for_function(APP_IDLE_JS, timeout=timeout_ms)
        res.open_s = time.perf_counter() - t0
        await page.evaluate(INSTALL_JS, METRIC_LABEL)

        label = page.get_by_test_id("stWidgetLabel").filter(
            has_text=re.compile(rf"^\s*{re.escape(SLIDER_LABEL)}\s*$"))
        slider = page.get_by_test_id("stSlider").filter(has=label).get_by_role("slider").first
        direction = "ArrowRight"
        for _ in range(moves):
            value, lo, hi = await slider.evaluate(RANGE_JS)
            if value >= hi:
                direction = "ArrowLeft"
            elif value <= lo:
                direction = "ArrowRight"
            await slider.focus()
            await page.keyboard.press(direction)
            await page.wait_for_function(CHANGED_JS, polling=50, timeout=timeout_ms)
            res.latencies_ms.append(await page.evaluate(ELAPSED_JS))
            await page.wait_for_function(APP_IDLE_JS, polling=50, timeout=timeout_ms)
            if await page.locator(EXCEPTION).count():
                res.errors.append("stException on the page")
                break
            await asyncio.sleep(rng.uniform(*think))
    except Exception as exc:  # a timeout or a crash is an error of this session
        res.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        open_ = False
        await page.close()
    return res


# ---------------------------------------------------------------------------
# One session over Streamlit's own websocket protocol (--client ws)
# ---------------------------------------------------------------------------

class _WsRun:
    """What one script run sent: k slider, metrics, exceptions, finish status."""

    def __init__(self) -> None:
        self.slider = None          # the k slider proto
        self.metrics: dict[str, str] = {}
        self.exceptions: list[str] = []
        self.first_metric_at: float | None = None
        self.status: str | None = None


async def _read_run(ws, timeout: float, wanted: str | None) -> _WsRun:
    """Read ForwardMsgs until the script run finishes (successfully or early for a rerun)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    run = _WsRun()
    deadline = time.perf_counter() + timeout
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError("script run did not finish")
        msg = ForwardMsg()
        msg.ParseFromString(await asyncio.wait_for(ws.recv(), left))
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            which = el.WhichOneof("type")
            if which == "slider" and el.slider.id.endswith("-k"):
                run.slider = el.slider
            elif which == "metric":
                run.metrics[el.metric.label] = el.metric.body
                if el.metric.label == METRIC_LABEL and run.first_metric_at is None \
                        and (wanted is None or el.metric.body == wanted):
                    run.first_metric_at = time.perf_counter()
            elif which == "exception":
                run.exceptions.append(el.exception.message[:200])
        elif kind == "script_finished":
            run.status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
            if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return run


def _rerun(query: str, widget=None) -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.context_info.timezone = "UTC"
    msg.rerun_script.context_info.locale = "en-US"
    if widget is not None:
        wid, value = widget
        state = msg.rerun_script.widget_states.widgets.add()
        state.id = wid
        state.double_array_value.data.append(float(value))
    return msg.SerializeToString()


async def run_ws_session(base_url: str, moves: int, think: tuple[float, float],
                         timeout_ms: float, seed: int, delay: float = 0.0) -> SessionResult:
    """One student without a browser: the same BackMsg/ForwardMsg frames the page exchanges.

    Latency of one move = sending the new k value -> the "Parameters" metric with the value
    expected for it (k * 49 for the default layer) arrives.
    """
    import websockets
    from lib.text import fmt_int

    res = SessionResult()
    rng = random.Random(seed)
    timeout = timeout_ms / 1000
    await asyncio.sleep(delay)
    uri = base_url.replace("http://", "ws://") + "/_stcore/stream"
    try:
        async with websockets.connect(uri, subprotocols=["streamlit"], origin=base_url,
                                      open_timeout=timeout, max_size=2**25) as ws:
            t0 = time.perf_counter()
            await ws.send(_rerun(""))
            run = await _read_run(ws, timeout, None)
            res.open_s = time.perf_counter() - t0
            if run.slider is None or METRIC_LABEL not in run.metrics:
                raise RuntimeError(f"explorer not rendered: {run.status} {run.exceptions}")
            slider = run.slider
            value, lo, hi = int(slider.value[0] if slider.value else slider.default[0]), \
                int(slider.min), int(slider.max)
            per_filter = int(run.metrics[METRIC_LABEL].replace(",", "")) // value
            step = 1
            for _ in range(moves):
                if value + step > hi or value + step < lo:
                    step = -step
                value += step
                wanted = fmt_int(value * per_filter)
                t = time.perf_counter()
                await ws.send(_rerun(f"k={value}", (slider.id, value)))
                run = await _read_run(ws, timeout, wanted)
                if run.exceptions:
                    res.errors.append(f"exception: {run.exceptions[0]}")
                    break
                if run.first_metric_at is None:
                    res.errors.append(f"k={value}: Parameters {run.metrics.get(METRIC_LABEL)!r}"
                                      f", expected {wanted}")
                    break
                res.latencies_ms.append((run.first_metric_at - t) * 1000)
                await asyncio.sleep(rng.uniform(*think))
    except Exception as exc:  # a timeout, a closed websocket, a protocol error
        res.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}")
    return res


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------

@dataclass
class Wave:
    sessions: int
    latencies_ms: list[float]
    open_s: list[float]
    errors: list[str]
    wall_s: float
    server_cpu_s: float
    peak_mb: float
    after_mb: float
    after2_mb: float
    active_after: float


async def run_wave(browser, server, sampler: RssSampler, args, wave_no: int) -> Wave:
    sampler.reset()
    t0 = time.perf_counter()
    cpu0 = cpu_s(server.pid)
    url = server.url + "/"
    # One context: the tabs share the HTTP cache (like a classroom behind one proxy cache) but
    # each tab is its own websocket and Streamlit session. Starts spread over --ramp seconds.
    delays = [args.ramp * i / max(1, args.sessions - 1) for i in range(args.sessions)]
    think = (args.think_min, args.think_max)
    if browser is None:
        results = await asyncio.gather(*[
            run_ws_session(server.url, args.moves, think, args.move_timeout * 1000,
                           seed=wave_no * 1000 + i, delay=delays[i])
            for i in range(args.sessions)])
    else:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            results = await asyncio.gather(*[
                run_session(context, url, args.moves, think, args.move_timeout * 1000,
                            seed=wave_no * 1000 + i, delay=delays[i])
                for i in range(args.sessions)])
        finally:
            await context.close()
    wall = time.perf_counter() - t0
    server_cpu = cpu_s(server.pid) - cpu0
    peak = sampler.peak
    await asyncio.sleep(args.idle)
    after = rss_mb(server.pid)
    await asyncio.sleep(args.idle)
    after2 = rss_mb(server.pid)
    return Wave(
        sessions=args.sessions,
        latencies_ms=[x for r in results for x in r.latencies_ms],
        open_s=[r.open_s for r in results if r.open_s is not None],
        errors=[e for r in results for e in r.errors],
        wall_s=wall, server_cpu_s=server_cpu, peak_mb=peak, after_mb=after, after2_mb=after2,
        active_after=server_metrics(server.url).get("active_sessions", float("nan")))


async def run(args) -> dict:
    server = start_server("app.py", extra_args=[
        "--server.fileWatcherType", "none",
        "--server.disconnectedSessionTTL", str(args.ttl), *args.server_arg])
    try:
        start_mb = rss_mb(server.pid)
        async with async_playwright() as pw:
            browser = None
            if args.client == "browser":
                browser = await pw.chromium.launch(**launch_args())
            try:
                with RssSampler(server.pid) as sampler:
                    if browser is None:
                        warm = await run_ws_session(server.url, 2, (0, 0),
                                                    args.move_timeout * 1000, seed=0)
                    else:
                        context = await browser.new_context()
                        warm = await run_session(context, server.url + "/", 2, (0, 0),
                                                 args.move_timeout * 1000, seed=0)
                        await context.close()
                    if warm.errors:
                        raise RuntimeError(f"warm-up session failed: {warm.errors}")
                    await asyncio.sleep(args.idle)
                    warm_mb = rss_mb(server.pid)
                    waves = [await run_wave(browser, server, sampler, args, n + 1)
                             for n in range(args.waves)]
            finally:
                if browser is not None:
                    await browser.close()
        counters = server_metrics(server.url)
    finally:
        server.stop()
    return {"start_mb": start_mb, "warm_mb": warm_mb, "waves": waves, "counters": counters,
            "log_errors": [line for line in server.log_tail(20_000).splitlines()
                           if "Traceback" in line or " ERROR " in line]}


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

def _stats(xs: list[float]) -> tuple[str, str, str]:
    if not xs:
        return "-", "-", "-"
    return (f"{percentile(xs, 50):.0f}", f"{percentile(xs, 95):.0f}", f"{max(xs):.0f}")


def table(out: dict, args) -> str:
    rows = ["| wave | sessions × moves | updates | p50 ms | p95 ms | max ms | page open p50 / p95 s "
            "| errors | server CPU ms / update | RSS peak MB | RSS after close MB | after 2nd idle MB "
            "| sessions left |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for i, w in enumerate(out["waves"], 1):
        p50, p95, mx = _stats(w.latencies_ms)
        o50 = f"{percentile(w.open_s, 50):.1f}" if w.open_s else "-"
        o95 = f"{percentile(w.open_s, 95):.1f}" if w.open_s else "-"
        rows.append(f"| {i} | {w.sessions} × {args.moves} | {len(w.latencies_ms)} | {p50} | "
                    f"{p95} | {mx} | {o50} / {o95} | {len(w.errors)} | "
                    f"{1000 * w.server_cpu_s / max(1, len(w.latencies_ms)):.0f} | {w.peak_mb:.0f} | "
                    f"{w.after_mb:.0f} | {w.after2_mb:.0f} | {w.active_after:.0f} |")
    return "\n".join(rows)


def summary(out: dict) -> dict:
    lat = [x for w in out["waves"] for x in w.latencies_ms]
    c = out["counters"]
    return {
        "updates": len(lat),
        "p50_ms": round(percentile(lat, 50), 1) if lat else None,
        "p95_ms": round(percentile(lat, 95), 1) if lat else None,
        "errors": sum(len(w.errors) for w in out["waves"]),
        "server_cpu_ms_per_update": round(1000 * sum(w.server_cpu_s for w in out["waves"])
                                          / max(1, len(lat)), 1),
        "updates_per_s": round(len(lat) / sum(w.wall_s for w in out["waves"]), 1),
        "rss_start_mb": round(out["start_mb"], 1),
        "rss_warm_mb": round(out["warm_mb"], 1),
        "rss_peak_mb": round(max(w.peak_mb for w in out["waves"]), 1),
        "rss_after_mb": [round(w.after2_mb, 1) for w in out["waves"]],
        "connects": c.get('session_events_total{type="connect"}'),
        "reconnects": c.get('session_events_total{type="reconnect"}'),
        "disconnects": c.get('session_events_total{type="disconnect"}'),
    }


INTRO = f"""{SECTION}

`bench/load.py` runs many concurrent sessions against **one** `streamlit run app.py` server on
127.0.0.1 (started by `tools/serve.py`), in waves, and prints one table row per wave:

- `--client ws` (default): each session speaks Streamlit's own websocket protocol (the
  BackMsg/ForwardMsg frames a browser tab exchanges, no rendering), so the numbers are the
  server's. Latency = new `k` value sent -> the "Parameters" metric with the right value arrives.
- `--client browser`: one headless Chromium, one tab (= one Streamlit session) per student.
  Latency = keydown on the `k` slider -> the "Parameters" number changes, timed in the page.
  On a small machine the 30 tabs' own rendering dominates these latencies.

Errors must be 0: an exception element, a JS page error, a closed websocket, a wrong number or
a timeout. Memory = RSS of the server process: at start, after one warm-up session, peak per
wave, and after the wave's sessions closed plus an idle period, then after a second idle period
(the bench runs the server with `--server.disconnectedSessionTTL 5` so closed sessions are
really dropped; the default keeps them 120 s for reconnects). Two equal waves: memory that grew
with closed sessions would show as "after" of wave 2 above wave 1. "server CPU ms / update" =
the server process's CPU time during the wave divided by the updates (one Python process uses
one core for script runs, so one replica serves about 1000 / that many updates per second).

"""


def write_readme(title: str, body: str) -> None:
    """Replace (or add) the ``### title`` part of ``## Load test`` in bench/README.md.

    Everything outside that section (other people's sections) is left as it is.
    """
    old = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.M | re.S)
    m = pattern.search(old)
    subsections: dict[str, str] = {}
    if m:
        for part in re.split(r"^(?=### )", m.group(0), flags=re.M)[1:]:
            head = part.splitlines()[0][4:].strip()
            subsections[head] = part.rstrip("\n") + "\n"
    subsections[title] = f"### {title}\n\n{body.strip()}\n"
    block = INTRO + "\n".join(subsections.values()) + "\n"
    new = (old[:m.start()] + block + old[m.end():]) if m \
        else old.rstrip("\n") + "\n\n" + block
    README.write_text(new.rstrip("\n") + "\n", encoding="utf-8")


def readme_body(out: dict, args, s: dict, machine: str, command: str) -> str:
    return f"""`{command}`

{args.waves} wave(s) of {args.sessions} concurrent sessions ({args.client} client), starts
spread over {args.ramp:.0f} s, each making {args.moves} moves of `k` with
{args.think_min}–{args.think_max} s think time. {machine}.

{table(out, args)}

- {s['updates']} updates: **p50 {s['p50_ms']:.0f} ms, p95 {s['p95_ms']:.0f} ms**, \
**{s['errors']} errors**; server counters {s['connects']:.0f} connects, \
{s['reconnects']:.0f} reconnects, {s['disconnects']:.0f} disconnects; \
{s['updates_per_s']} updates/s at {s['server_cpu_ms_per_update']:.0f} ms server CPU each.
- server RSS: **{s['rss_start_mb']:.0f} MB** at start, {s['rss_warm_mb']:.0f} MB after one \
warm-up session, **{s['rss_peak_mb']:.0f} MB peak**, after each wave closed: \
{' / '.join(f'{x:.0f}' for x in s['rss_after_mb'])} MB.
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--client", choices=("browser", "ws"), default="ws",
                    help="browser: Chromium tabs; ws: Streamlit's websocket protocol, no browser")
    ap.add_argument("--server-arg", action="append", default=[], metavar="ARG",
                    help="extra `streamlit run` argument, e.g. --server-arg=--runner.postScriptGC=false")
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--moves", type=int, default=20)
    ap.add_argument("--waves", type=int, default=2)
    ap.add_argument("--think-min", type=float, default=0.2)
    ap.add_argument("--think-max", type=float, default=0.6)
    ap.add_argument("--ramp", type=float, default=20.0,
                    help="spread the session starts over this many seconds")
    ap.add_argument("--idle", type=float, default=12.0,
                    help="seconds of idle after a wave (must exceed --ttl)")
    ap.add_argument("--ttl", type=int, default=5, help="server.disconnectedSessionTTL (s)")
    ap.add_argument("--move-timeout", type=float, default=60.0, help="seconds per wait")
    ap.add_argument("--hard-timeout", type=float, default=300.0, help="whole run (s)")
    ap.add_argument("--max-growth-mb", type=float, default=30.0,
                    help="budget: RSS after the last wave minus after the first")
    ap.add_argument("--readme", metavar="TITLE",
                    help="write the numbers to bench/README.md as '### TITLE' under '## Load test'")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not (1 <= args.sessions <= 200 and 1 <= args.moves <= 200 and 1 <= args.waves <= 5):
        ap.error("sessions 1..200, moves 1..200, waves 1..5")
    if args.idle <= args.ttl:
        ap.error("--idle must be longer than --ttl")

    load_before = __import__("os").getloadavg()[0]
    out = asyncio.run(asyncio.wait_for(run(args), timeout=args.hard_timeout))
    s = summary(out)
    if args.json:
        print(json.dumps({**s, "waves": [
            {k: v for k, v in w.__dict__.items() if k not in ("latencies_ms", "open_s")}
            for w in out["waves"]]}))
    else:
        print(table(out, args))
        print(json.dumps(s))
    errors = [e for w in out["waves"] for e in w.errors]
    for e in sorted(set(errors))[:10]:
        print(f"error ({errors.count(e)}x): {e}")
    for line in out["log_errors"][:10]:
        print(f"server log: {line}")
    if args.readme:
        import os
        import platform
        machine = (f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs shared with other jobs "
                   f"(load average {load_before:.1f} before the run), Python "
                   f"{platform.python_version()}, streamlit {__import__('streamlit').__version__}")
        argv_shown = [a for a in (argv if argv is not None else sys.argv[1:])]
        if "--readme" in argv_shown:  # drop "--readme TITLE"
            i = argv_shown.index("--readme")
            del argv_shown[i:i + 2]
        argv_shown = [a for a in argv_shown if not a.startswith("--readme=")]
        command = " ".join(["python bench/load.py", *argv_shown])
        write_readme(args.readme, readme_body(out, args, s, machine, command))
        print(f"wrote '### {args.readme}' under {SECTION!r} in "
              f"{README.relative_to(REPO_ROOT)}")
    growth = out["waves"][-1].after2_mb - out["waves"][0].after2_mb
    ok = not errors and not out["log_errors"] and growth <= args.max_growth_mb
    if not ok:
        print(f"FAILED: errors={len(errors)} server log errors={len(out['log_errors'])} "
              f"RSS growth {growth:.1f} MB (budget {args.max_growth_mb} MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
