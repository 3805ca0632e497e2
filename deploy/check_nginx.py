"""Rehearse deploy/nginx.conf on loopback: nginx in front of TWO streamlit replicas.

    python deploy/check_nginx.py                 # needs `nginx` (apt-get install nginx-light)
    python deploy/check_nginx.py --app /tmp/ctx/app.py --browsers 6

Starts two ``streamlit run`` replicas (tools/serve.py) and nginx with deploy/nginx.conf, adapted
only in ports, pid/log paths and an access-log format that records the chosen replica. Then,
in headless Chromium:

1. the explorer renders through nginx and a slider move updates the numbers (the websocket
   is proxied);
2. every request and the websocket of one browser reach the same replica, also after a reload
   (sticky route cookie), and separate browsers are spread over both replicas;
3. no exception element, no websocket closed while a page was open.

Everything runs on 127.0.0.1 and is stopped by PID. Exit status 0 when all checks pass.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tools.serve import (  # noqa: E402
    free_port, launch_args, slider_locator, start_server, wait_for_app_idle)

CONF = REPO_ROOT / "deploy" / "nginx.conf"
SLIDER = "k — filters (output channels)"
PARAMS_JS = """() => [...document.querySelectorAll('[data-testid="stMetric"]')]
    .map(m => m.innerText.replace(/\\s+/g, ' ')).filter(t => t.startsWith('Parameters'))[0]"""
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def adapt(conf: str, listen: int, replicas: list[int], tmp: Path) -> str:
    """deploy/nginx.conf with loopback ports, temp pid/logs and a replica-recording log."""
    conf = re.sub(r"^pid .*;$", f"pid {tmp}/nginx.pid;", conf, flags=re.M)
    conf = re.sub(r"^(\s*)listen 80;$", rf"\g<1>listen 127.0.0.1:{listen};", conf, flags=re.M)
    servers = [m for m in re.finditer(r"^(\s*)server 127\.0\.0\.1:\d+(.*);$", conf, re.M)]
    assert len(servers) == len(replicas), "expected one upstream line per replica"
    for m, port in zip(reversed(servers), reversed(replicas)):
        conf = conf[:m.start()] + f"{m.group(1)}server 127.0.0.1:{port}{m.group(2)};" \
            + conf[m.end():]
    log = (f'    log_format route \'$upstream_addr $cookie_convscope_route "$request_uri" '
           f'$status $http_upgrade\';\n    access_log {tmp}/access.log route;\n'
           f'    error_log {tmp}/error.log warn;\n')
    conf = conf.replace("http {\n", "http {\n" + log, 1)
    for d in ("client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp"):
        conf = conf.replace("http {\n", f"http {{\n    {d}_path {tmp}/{d};\n", 1)
    return conf


def metrics(url: str) -> dict[str, float]:
    text = _OPENER.open(f"{url}/_stcore/metrics", timeout=5).read().decode()
    return {m.group(1): float(m.group(2)) for m in
            re.finditer(r"^([a-z_]+(?:\{[^}]*\})?) ([0-9.eE+-]+)$", text, re.M)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--app", default=str(REPO_ROOT / "app.py"))
    ap.add_argument("--browsers", type=int, default=6, help="separate browsers (contexts)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per wait")
    args = ap.parse_args(argv)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        print("nginx not found: apt-get install -y nginx-light", file=sys.stderr)
        return 2
    app = Path(args.app).resolve()
    tmp = Path(tempfile.mkdtemp(prefix="nginx-check-"))
    failures: list[str] = []
    replicas = []
    ngx = None
    try:
        replicas = [start_server(app, cwd=app.parent, log_dir=tmp,
                                 extra_args=["--server.fileWatcherType", "none"])
                    for _ in range(2)]
        listen = free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(adapt(CONF.read_text(), listen, [r.port for r in replicas], tmp))
        subprocess.run([nginx, "-t", "-q", "-c", str(conf), "-e", str(tmp / "error.log")],
                       check=True, timeout=30)
        ngx = subprocess.Popen([nginx, "-c", str(conf), "-e", str(tmp / "error.log"),
                                "-g", "daemon off;"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{listen}"
        deadline = time.monotonic() + 30
        while True:
            try:
                _OPENER.open(base + "/_stcore/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or ngx.poll() is not None:
                    raise RuntimeError("nginx did not come up: "
                                       + (tmp / "error.log").read_text()[-2000:])
                time.sleep(0.2)
        print(f"nginx pid {ngx.pid} on {base} -> replicas "
              + ", ".join(f"{r.port} (pid {r.pid})" for r in replicas))

        ms = args.timeout * 1000
        closed: list[str] = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(**launch_args())
            try:
                for i in range(args.browsers):
                    context = browser.new_context()
                    page = context.new_page()
                    alive = [True]
                    page.on("websocket", lambda ws, alive=alive, i=i: ws.on(
                        "close", lambda _w: alive[0] and closed.append(f"browser {i}")))
                    page.goto(base + "/?k=12")
                    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=ms)
                    wait_for_app_idle(page, ms)
                    before = page.evaluate(PARAMS_JS)
                    slider = slider_locator(page, SLIDER)
                    slider.focus()
                    page.keyboard.press("ArrowRight")
                    page.wait_for_function(f"b => ({PARAMS_JS})() !== b", arg=before, timeout=ms)
                    wait_for_app_idle(page, ms)
                    after = page.evaluate(PARAMS_JS)
                    if i == 0:  # a reload (new websocket) must come back to the same replica
                        page.reload()
                        page.wait_for_selector('[data-testid="stMetricValue"]', timeout=ms)
                        wait_for_app_idle(page, ms)
                    cookie = {c["name"]: c["value"] for c in context.cookies()}.get(
                        "convscope_route")
                    exc = page.locator('[data-testid="stException"]').count()
                    print(f"browser {i}: {before!r} -> {after!r}, route cookie {cookie}, "
                          f"exceptions {exc}")
                    if not cookie:
                        failures.append(f"browser {i}: no route cookie")
                    if exc or before == after or after != "Parameters 637":
                        failures.append(f"browser {i}: update failed ({before} -> {after})")
                    alive[0] = False
                    context.close()
            finally:
                browser.close()
        if closed:
            failures.append(f"websocket closed while the page was open: {closed}")

        # Stickiness from nginx's own log: one replica per route cookie, both replicas used.
        by_cookie: dict[str, set[str]] = collections.defaultdict(set)
        ws_count = 0
        for line in (tmp / "access.log").read_text().splitlines():
            upstream, cookie, *_rest = line.split(" ")
            if cookie != "-" and upstream != "-":
                by_cookie[cookie].add(upstream)
            ws_count += line.endswith(" websocket")
        used = set().union(*by_cookie.values()) if by_cookie else set()
        print(f"access log: {len(by_cookie)} route cookies, replicas used {sorted(used)}, "
              f"{ws_count} websocket upgrades")
        split = {c: u for c, u in by_cookie.items() if len(u) > 1}
        if split:
            failures.append(f"a browser's requests went to several replicas: {split}")
        if args.browsers >= 4 and len(used) < 2:
            failures.append("all browsers landed on one replica")
        connect = 'session_events_total{type="connect"}'
        print("replica session connects: " + ", ".join(
            f"{r.port}: {metrics(r.url).get(connect, 0):.0f}" for r in replicas))
    except Exception as exc:  # report, then clean up below
        failures.append(f"{type(exc).__name__}: {exc}")
    finally:
        if ngx is not None and ngx.poll() is None:
            os.kill(ngx.pid, signal.SIGQUIT)  # graceful stop of exactly this nginx master
            try:
                ngx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(ngx.pid, signal.SIGKILL)
                ngx.wait()
        for r in replicas:
            r.stop()
    for f in failures:
        print("FAIL:", f)
    print("OK" if not failures else f"{len(failures)} failure(s); logs in {tmp}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
