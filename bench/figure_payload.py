"""Payload size and build time of every figure, for every conv kind, at default and maximum.

    python bench/figure_payload.py            # table + budget check (exit 1 if over)
    python bench/figure_payload.py --repeat 9 # more timing runs per cell (median reported)

Payload is ``len(fig.to_json())`` (what Streamlit ships to the browser); build time is the
median wall time of building the figure (not serialising it). The budget is 300 KB per
figure at the app's maximum settings (k=512, c=512, w=11, H=W=1024, plus each kind's own
knobs at their maximum).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.conv import KINDS, ConvError, analyze  # noqa: E402
from lib.figures import (compare_params_figure, filter_tensor_figure,  # noqa: E402
                         param_breakdown_figure, scaling_figure, sliding_window_figure,
                         sliding_window_frames, volume_figure)

BUDGET_BYTES = 300_000
DEFAULT = dict(k=10, w=4, c=3, H=32, W=32)
MAXIMUM = dict(k=512, w=11, c=512, H=1024, W=1024)
#: Per kind, the maximum-setting variants worth measuring (invalid ones are skipped).
MAX_EXTRA = {
    "grouped": [dict(groups=2), dict(groups=512)],
    "depthwise": [dict(depth_multiplier=8, dilation=8)],
    "separable_keras": [dict(depth_multiplier=8)],
    "separable_pytorch": [dict(depth_multiplier=8)],
    "transposed": [dict(stride=8, padding=10, output_padding=7),
                   dict(stride=8, padding=0, dilation=8, output_padding=7)],
}
COMMON_MAX_EXTRA = [dict(), dict(stride=8, padding=10, dilation=8)]

BUILDERS = {
    "filter_tensor": lambda r, cfg: filter_tensor_figure(r),
    "volume": lambda r, cfg: volume_figure(r),
    "sliding_window": lambda r, cfg: sliding_window_figure(r, (r.output_shape[0] // 2,
                                                              r.output_shape[1] // 2)),
    "sliding_frames": lambda r, cfg: sliding_window_frames(r, (0, 0), max_frames=24),
    "param_breakdown": lambda r, cfg: param_breakdown_figure(r),
    "scaling_H": lambda r, cfg: scaling_figure(
        {"kind": r.kind, **cfg}, "H", list(range(4, 1025, 4)), cfg["H"]),
}


def _measure(build, repeat: int) -> tuple[float, int]:
    fig = build()  # warm-up (first call pays imports/validator setup)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fig = build()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, len(fig.to_json())


def _configs(kind: str) -> list[tuple[str, dict]]:
    out = [("default", dict(DEFAULT))]
    for extra in COMMON_MAX_EXTRA + MAX_EXTRA.get(kind, []):
        label = "max" + "".join(f" {k}={v}" for k, v in extra.items())
        out.append((label, {**MAXIMUM, **extra}))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="timed builds per cell")
    args = ap.parse_args()

    rows = []
    for kind in KINDS:
        for label, cfg in _configs(kind):
            try:
                r = analyze(kind, **cfg)
            except ConvError as exc:
                print(f"skip {kind} {label}: {exc}", file=sys.stderr)
                continue
            for name, build in BUILDERS.items():
                ms, size = _measure(lambda: build(r, cfg), args.repeat)
                rows.append((name, kind, label, size, ms))
    for label, cfg in (("default", DEFAULT), ("max", MAXIMUM)):
        results = {k: analyze(k, **cfg) for k in KINDS}
        for log in (False, True):
            ms, size = _measure(lambda: compare_params_figure(results, log_scale=log),
                                args.repeat)
            rows.append((f"compare_params{' (log)' if log else ''}", "all kinds", label, size,
                         ms))

    w_fig = max(len(r[0]) for r in rows)
    w_kind = max(len(r[1]) for r in rows)
    w_cfg = max(len(r[2]) for r in rows)
    head = f"{'figure':<{w_fig}}  {'kind':<{w_kind}}  {'setting':<{w_cfg}}  {'KB':>7}  {'ms':>7}"
    print(head)
    print("-" * len(head))
    for name, kind, label, size, ms in rows:
        flag = "  OVER BUDGET" if size >= BUDGET_BYTES else ""
        print(f"{name:<{w_fig}}  {kind:<{w_kind}}  {label:<{w_cfg}}  {size / 1024:7.1f}  "
              f"{ms:7.1f}{flag}")

    biggest = max(rows, key=lambda r: r[3])
    slowest = max(rows, key=lambda r: r[4])
    by_fig: dict[str, list[float]] = {}
    for name, _, _, _, ms in rows:
        by_fig.setdefault(name, []).append(ms)
    print()
    print("median build time per figure (ms): " + ", ".join(
        f"{n} {statistics.median(v):.1f}" for n, v in by_fig.items()))
    print(f"largest payload: {biggest[3] / 1024:.1f} KB ({biggest[0]}, {biggest[1]}, "
          f"{biggest[2]})")
    print(f"slowest build:   {slowest[4]:.1f} ms ({slowest[0]}, {slowest[1]}, {slowest[2]})")
    over = [r for r in rows if r[3] >= BUDGET_BYTES]
    if over:
        print(f"FAIL: {len(over)} figure(s) at or above the {BUDGET_BYTES // 1000} KB budget",
              file=sys.stderr)
        return 1
    print(f"OK: every figure is under {BUDGET_BYTES // 1000} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
