"""How far the explorer is from the floor its own content sets (issue 14, no budget).

    python bench/content_floor.py               # 3 interleaved rounds, 25 k moves a view
    python bench/content_floor.py --rounds 1 --moves 10

Three apps, each on its own fresh server, one after the other in every round (so a
slower phase of the machine hits all three), in real Chromium:

- **bare**: ``bench/bare_app.py``, one slider and one tiny chart (issue 14's floor);
- **content floor**: ``bench/content_floor_app.py``, every element of the explorer's
  default view with its real text and figure, all prepared at start-up: what Streamlit
  and the browser cost for the content alone;
- **explorer, new layers**: ``app.py``, k moved up from 10: every move is a layer no one
  has seen, so the figure is built (the row ``run_all.py`` reports);
- **explorer, seen layers**: the same moves again in a new tab (``?k=10``): every layer
  is in the server-wide cache, as for the second student of a class.

Per row: slider → chart p50 / p95 and the server's CPU per move, and their ratios to the
bare app. The gap between the content floor and the explorer is the explorer's own logic
(analysis, figure build, URL and state bookkeeping); the gap between the bare app and the
content floor is the price of what the page shows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.browser_latency import BARE_APP, PLOTLY_TITLE, measure_views  # noqa: E402

FLOOR_APP = REPO_ROOT / "bench" / "content_floor_app.py"
APP = REPO_ROOT / "app.py"
K_SLIDER = "k — filters (output channels)"
CHART = ".js-plotly-plot"
ROWS = ("bare", "content floor", "explorer, new layers", "explorer, seen layers")


def one_round(moves: int) -> dict[str, dict]:
    """Every row once: {row: measure_views result}."""
    (bare,) = measure_views(BARE_APP, [("/", "n", PLOTLY_TITLE)], moves=moves)
    (floor,) = measure_views(FLOOR_APP, [("/", K_SLIDER, CHART)], moves=moves)
    new, seen = measure_views(APP, [("/", K_SLIDER, CHART), ("/?k=10", K_SLIDER, CHART)],
                              moves=moves)
    return dict(zip(ROWS, (bare, floor, new, seen)))


def _cell(result: dict, bare: dict) -> str:
    if "error" in result:
        return f"error: {result['error']}"
    s, b = result["summary"], bare["summary"]
    return (f"{s['p50_ms']:.0f} / {s['p95_ms']:.0f} ms ({s['p95_ms'] / b['p95_ms']:.2f} ×), "
            f"CPU {result['cpu_ms']:.1f} ms ({result['cpu_ms'] / max(bare['cpu_ms'], 0.1):.2f} ×)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--moves", type=int, default=25)
    args = ap.parse_args(argv)
    rounds = [one_round(args.moves) for _ in range(args.rounds)]
    print("| row | " + " | ".join(f"round {i + 1}: p50 / p95 (p95 × bare), server CPU (× bare)"
                                   for i in range(len(rounds))) + " |")
    print("| --- |" + " --- |" * len(rounds))
    for row in ROWS:
        print(f"| {row} | " + " | ".join(_cell(r[row], r["bare"]) for r in rounds) + " |")
    ok = [r for r in rounds if all("error" not in r[row] for row in ROWS)]
    if ok:
        print()
        for row in ROWS[1:]:
            p95 = statistics.median(r[row]["summary"]["p95_ms"] / r["bare"]["summary"]["p95_ms"]
                                    for r in ok)
            cpu = statistics.median(r[row]["cpu_ms"] / max(r["bare"]["cpu_ms"], 0.1) for r in ok)
            print(f"median over rounds, {row}: p95 {p95:.2f} × bare, server CPU {cpu:.2f} × bare")
    return 0 if len(ok) == len(rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
