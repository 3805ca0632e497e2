"""Where one explorer slider move spends its server time, section by section.

    python bench/profile_move.py            # default and largest settings, every figure

For one layer (the explorer's default, then k = c = 512, H = W = 1024, w = 11) it times,
in CPU milliseconds (median of ``--repeat`` runs, so other jobs on the machine count
less), every piece of work a rerun does: ``analyze``, each figure builder, what
``st.plotly_chart`` does with the figure (``to_dict`` + ``to_json``), the code snippets
and summary tables, plus the JSON size shipped per figure. The whole-page rerun is
``bench/rerun.py``; the browser side is ``bench/browser_latency.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import plotly.io  # noqa: E402

from lib import figures, snippets  # noqa: E402
from lib.state import conv_kwargs, sweep_values, try_analyze  # noqa: E402

SETTINGS = {
    "default": {},
    "largest": {"k": 512, "c": 512, "H": 1024, "W": 1024, "w": 11},
}


def _cpu_ms(fn, repeat: int) -> tuple[float, object]:
    out = fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.process_time()
        out = fn()
        times.append((time.process_time() - t) * 1000)
    return statistics.median(times), out


def _figure_builders(values: dict) -> dict:
    import lib.figures as F
    builders = {
        "filters (isometric)": lambda r: F.filter_iso_figure(r),
        "filters (3D mesh)": lambda r: F.filter_tensor_figure(r),
        "volume": lambda r: F.volume_figure(r),
        "window": lambda r: F.sliding_window_frames(r, position=(0,) * r.rank),
        "params": lambda r: F.param_breakdown_figure(r),
        "scaling": lambda r: F.scaling_figure(conv_kwargs(values), "H",
                                              sweep_values("H", int(values["H"])),
                                              int(values["H"])),
    }
    return builders


def main(repeat: int = 7) -> list[tuple[str, str, float, float | None]]:
    from lib.state import EXPLORER_CONTROLS
    rows = []
    for setting, over in SETTINGS.items():
        values = {c.key: c.default for c in EXPLORER_CONTROLS} | over
        ms, (r, err) = _cpu_ms(lambda: try_analyze(values), repeat)
        assert err is None, err
        rows.append((setting, "analyze()", ms, None))
        for name, build in _figure_builders(values).items():
            ms, fig = _cpu_ms(lambda: build(r), repeat)
            rows.append((setting, f"build {name}", ms, None))
            ms, spec = _cpu_ms(lambda: plotly.io.to_json(fig.to_dict(), validate=False),
                               repeat)
            rows.append((setting, f"serialise {name} (st.plotly_chart)", ms,
                         len(spec) / 1024))
        for name in ("keras_code", "pytorch_code", "keras_summary", "torchinfo_summary"):
            ms, _ = _cpu_ms(lambda: getattr(snippets, name)(r), repeat)
            rows.append((setting, f"snippets.{name}", ms, None))
    print(f"{'setting':8} {'section':48} {'CPU ms':>8} {'KB':>7}")
    for setting, section, ms, kb in rows:
        print(f"{setting:8} {section:48} {ms:8.2f} {'' if kb is None else f'{kb:7.1f}'}")
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    main(ap.parse_args().repeat)
