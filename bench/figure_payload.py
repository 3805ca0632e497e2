"""Payload size and build time of every figure, for every conv kind and rank (1D, 2D, 3D).

    python bench/figure_payload.py            # table + budget check (exit 1 if over)
    python bench/figure_payload.py --repeat 9 # more timing runs per cell (median reported)

Payload is ``len(fig.to_json())`` (what Streamlit ships to the browser); build time is the
median wall time of building the figure (not serialising it). The budget is 300 KB per
figure at the app's maximum settings (k=512, c=512, w=11, H=W=1024; 1D: W=1024, also
causal; 3D: D=64, H=W=1024; plus each kind's own knobs at their maximum). The dilated
stack figure is measured on the WaveNet stack and on a deep, maximally dilated one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.conv import KINDS, ConvError, analyze  # noqa: E402
from lib.figures import (compare_params_figure, dilated_stack_figure,  # noqa: E402
                         filter_iso_figure, filter_tensor_figure,
                         param_breakdown_figure, scaling_figure,
                         sliding_window_figure, sliding_window_frames, volume_figure)

BUDGET_BYTES = 300_000
DEFAULT = dict(k=10, w=4, c=3, H=32, W=32)
MAXIMUM = dict(k=512, w=11, c=512, H=1024, W=1024)
#: Per rank: (default, maximum, kinds that exist at that rank).
RANKS = {
    1: (dict(k=10, w=4, c=3, W=64), dict(k=512, w=11, c=512, W=1024),
        tuple(k for k in KINDS if k != "spatially_separable")),
    2: (DEFAULT, MAXIMUM, KINDS),
    3: (dict(k=10, w=3, c=3, D=16, H=32, W=32), dict(k=512, w=11, c=512, D=64, H=1024, W=1024),
        tuple(k for k in KINDS if k != "separable_keras")),
}
#: Extra maximum-setting variants per rank (all kinds).
RANK_MAX_EXTRA = {1: [dict(padding="causal", dilation=64)], 2: [], 3: []}
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

def _middle(r):
    """The output position in the middle of every spatial axis."""
    return tuple(n // 2 for n in r.output_shape[:-1])


def _scaling(r, cfg):
    """Vary the size a layer of this rank has: W (1D), H = W (2D), D (3D)."""
    vary = {1: "W", 2: "H", 3: "D"}[r.rank]
    top = 64 if vary == "D" else 1024
    return scaling_figure({"kind": r.kind, **cfg}, vary, list(range(1, top + 1)), cfg[vary])


BUILDERS = {
    "filter_iso": lambda r, cfg: filter_iso_figure(r),
    "filter_tensor": lambda r, cfg: filter_tensor_figure(r),
    "volume": lambda r, cfg: volume_figure(r),
    "sliding_window": lambda r, cfg: sliding_window_figure(r, _middle(r)),
    "sliding_frames": lambda r, cfg: sliding_window_frames(r, (0,) * r.rank, max_frames=24),
    "param_breakdown": lambda r, cfg: param_breakdown_figure(r),
    "scaling": _scaling,
}
STACKS = {
    "WaveNet k2 d1,2,4,8": [dict(k=16, w=2, c=16, W=64, padding="causal", dilation=d)
                            for d in (1, 2, 4, 8)],
    "8 × k11 d64 W8192": [dict(k=512, w=11, c=512, W=8192, padding="causal", dilation=64)
                          for _ in range(8)],
}


def _measure(build, repeat: int) -> tuple[float, int]:
    fig = build()  # warm-up (first call pays imports/validator setup)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fig = build()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, len(fig.to_json())


def _configs(kind: str, rank: int) -> list[tuple[str, dict]]:
    default, maximum, _ = RANKS[rank]
    out = [("default", dict(default))]
    for extra in COMMON_MAX_EXTRA + RANK_MAX_EXTRA[rank] + MAX_EXTRA.get(kind, []):
        label = "max" + "".join(f" {k}={v}" for k, v in extra.items())
        out.append((label, {**maximum, **extra}))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="timed builds per cell")
    args = ap.parse_args()

    rows = []
    for rank, (default, maximum, kinds) in RANKS.items():
        for kind in kinds:
            for label, cfg in _configs(kind, rank):
                try:
                    r = analyze(kind, **cfg)
                except ConvError as exc:
                    print(f"skip {rank}D {kind} {label}: {exc}", file=sys.stderr)
                    continue
                for name, build in BUILDERS.items():
                    ms, size = _measure(lambda: build(r, cfg), args.repeat)
                    rows.append((f"{name} {rank}D", kind, label, size, ms))
        for label, cfg in (("default", default), ("max", maximum)):
            results = {k: analyze(k, **cfg) for k in kinds}
            for log in (False, True):
                ms, size = _measure(lambda: compare_params_figure(results, log_scale=log),
                                    args.repeat)
                rows.append((f"compare_params{' (log)' if log else ''} {rank}D", "all kinds",
                             label, size, ms))
    for label, cfgs in STACKS.items():
        stack = [analyze("standard", **cfg) for cfg in cfgs]
        ms, size = _measure(lambda: dilated_stack_figure(stack), args.repeat)
        rows.append(("dilated_stack 1D", "standard", label, size, ms))

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
    for rank in RANKS:
        mine = [r for r in rows if r[0].endswith(f" {rank}D")]
        big = max(mine, key=lambda r: r[3])
        print(f"largest {rank}D payload: {big[3] / 1024:.1f} KB ({big[0]}, {big[1]}, {big[2]})")
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
