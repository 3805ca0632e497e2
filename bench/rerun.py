"""Full-page script rerun time through Streamlit's AppTest, per page, p50 and p95.

A slider move reruns the whole page script (widgets, lib calls, figures, serialisation of
every element). AppTest runs the same script in-process without a browser, so this measures
our server-side cost per move, at the default settings and at the largest slider values.

Budgets (asserted by bench/run_all.py, reported in bench/README.md):
rerun p95 <= 100 ms at default settings and <= 250 ms at maximum, on the 2-core machine.

    python bench/rerun.py [--reruns 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from bench.browser_latency import percentile  # noqa: E402

APP = str(REPO_ROOT / "app.py")
BUDGET_DEFAULT_MS = 100.0
BUDGET_MAX_MS = 250.0


@dataclass(frozen=True)
class PageBench:
    """One page: where it lives, the widget a student moves, the largest settings.

    ``widget`` is (element type, key): a slider steps by one, a number input too, a
    text input alternates between two values (the network page's stack).
    """

    path: str
    widget: tuple[str, str]
    maximum: dict[str, str]
    texts: tuple[str, str] = ("", "")


PAGES: tuple[PageBench, ...] = (
    PageBench("pages/explorer.py", ("slider", "k"),
              {"k": "512", "c": "512", "w": "11", "H": "1024", "W": "1024"}),
    PageBench("pages/compare.py", ("slider", "k"),
              {"k": "512", "c": "512", "w": "11", "H": "1024", "W": "1024"}),
    PageBench("pages/walkthrough.py", ("slider", "k3"),
              {"w1": "11", "c1": "512", "H2": "1024", "w2": "11", "k3": "512", "c3": "512",
               "w3": "11", "H4": "1024", "W4": "1024", "c5": "512", "k6": "512", "c6": "512"}),
    PageBench("pages/network.py", ("text_input", "net"), {},
              texts=("in32x32x3,c3x3-32-same,c3x3-32-same,mp2,flat,d10",
                     "in32x32x3,c3x3-64-same,c3x3-32-same,mp2,flat,d10")),
    PageBench("pages/quiz.py", ("number_input", "seed"), {"level": "hard"}),
    PageBench("pages/prove_it.py", ("slider", "pk"),
              {"pH": "8", "pW": "8", "pc": "4", "pk": "4", "pw": "4"}),
)


def _move(at: AppTest, page: PageBench, i: int) -> None:
    kind, key = page.widget
    if kind == "text_input":
        at.text_input(key=key).set_value(page.texts[i % 2])
        return
    widget = at.slider(key=key) if kind == "slider" else at.number_input(key=key)
    low = widget.min if widget.min is not None else 0
    high = widget.max if widget.max is not None else widget.value + 10
    value = widget.value - 1 if widget.value - 1 >= low and i % 2 else widget.value + 1
    widget.set_value(min(max(value, low), high))


def rerun_times_ms(page: PageBench, query: dict[str, str], reruns: int) -> list[float]:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page.path != "pages/explorer.py":
        at.switch_page(page.path).run()
    assert not at.exception, at.exception
    times = []
    for i in range(reruns + 2):  # two warm-up moves
        _move(at, page, i)
        t0 = time.perf_counter()
        at.run()
        elapsed = (time.perf_counter() - t0) * 1000
        assert not at.exception, at.exception
        if i >= 2:
            times.append(elapsed)
    return times


def main(reruns: int = 30) -> list[dict]:
    rows = []
    for page in PAGES:
        for setting, query in (("default", {}), ("maximum", page.maximum)):
            ms = rerun_times_ms(page, query, reruns)
            budget = BUDGET_DEFAULT_MS if setting == "default" else BUDGET_MAX_MS
            rows.append({"page": page.path, "setting": setting, "n": len(ms),
                         "p50_ms": round(percentile(ms, 50), 1),
                         "p95_ms": round(percentile(ms, 95), 1),
                         "mean_ms": round(statistics.fmean(ms), 1), "budget_ms": budget})
    print(f"{'page':24} {'setting':8} {'n':>3} {'p50 ms':>8} {'p95 ms':>8} {'budget':>7}")
    for r in rows:
        ok = "ok" if r["p95_ms"] <= r["budget_ms"] else "OVER"
        print(f"{r['page']:24} {r['setting']:8} {r['n']:>3} {r['p50_ms']:>8} "
              f"{r['p95_ms']:>8} {r['budget_ms']:>7} {ok}")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--reruns", type=int, default=30)
    main(parser.parse_args().reruns)
