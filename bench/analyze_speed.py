"""How many ``lib.conv.analyze`` calls per second, for every kind (budget-free: it is the
floor under every slider move; the page budgets live in bench/rerun.py).

    python bench/analyze_speed.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.conv import KINDS, analyze  # noqa: E402

CLASSIC = dict(k=10, w=4, c=3, H=32, W=32)
LARGE = dict(k=512, w=11, c=512, H=1024, W=1024, stride=2, padding=2, groups=4)


def calls_per_second(kind: str, kwargs: dict, seconds: float = 0.5) -> float:
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            analyze(kind, **kwargs)
        n += 50
    return n / elapsed


def main() -> list[tuple[str, float, float]]:
    rows = []
    for kind in KINDS:
        large = LARGE
        rows.append((kind, calls_per_second(kind, CLASSIC), calls_per_second(kind, large)))
    print(f"{'kind':22} {'calls/s (classic)':>18} {'calls/s (large)':>16}")
    for kind, a, b in rows:
        print(f"{kind:22} {a:18,.0f} {b:16,.0f}")
    return rows


if __name__ == "__main__":
    main()
