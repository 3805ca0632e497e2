"""How long the "On a real image" page's numpy work takes, every kind: decoding the upload
(lib.image), the layer (lib.forward.run_layer) and turning every map into a picture.

    python bench/real_image.py

Default: the 128×128 sample, the page's defaults (k = 8, w = 3, same padding, edge).
Largest: a 256×256 picture (the biggest an upload becomes), k = 32, w = 11, depth multiplier 8,
same padding, random weights: the slowest a slider move can ask for. Budget-free (the page
caches per picture and settings); it shows where the time goes.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.conv import KINDS  # noqa: E402
from lib.forward import picture, run_layer  # noqa: E402
from lib.image import load_image  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "assets" / "sample.png"
DEFAULT = dict(k=8, w=3, padding="same")
LARGEST = dict(k=32, w=11, padding="same", depth_multiplier=8)


def median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def layer_ms(pixels: np.ndarray, kind: str, settings: dict, preset: str, repeats: int
             ) -> tuple[float, float]:
    extra = {"groups": 3 if kind in ("grouped",) else 1}
    if kind == "grouped":
        extra["k"] = settings["k"] + (-settings["k"]) % 3
    f = run_layer(pixels, preset, 0, kind=kind, **{**settings, **extra})
    run = median_ms(lambda: run_layer(pixels, preset, 0, kind=kind, **{**settings, **extra}),
                    repeats)
    pics = median_ms(lambda: [picture(f.output[:, :, i], "m")
                              for i in range(f.output.shape[2])], repeats)
    return run, pics


def main() -> list[tuple[str, float, float, float, float]]:
    data = SAMPLE.read_bytes()
    print(f"decode the sample: {median_ms(lambda: load_image(data), 5):.1f} ms")
    sample = load_image(data).pixels
    large = np.tile(sample, (2, 2, 1))
    rows = []
    for kind in KINDS:
        a, b = layer_ms(sample, kind, DEFAULT, "edge", 5)
        c, d = layer_ms(large, kind, LARGEST, "random", 1)
        rows.append((kind, a, b, c, d))
    print(f"{'kind':22} {'default layer':>14} {'pictures':>9} {'largest layer':>14} "
          f"{'pictures':>9}  (ms, median)")
    for kind, a, b, c, d in rows:
        print(f"{kind:22} {a:14.1f} {b:9.1f} {c:14.1f} {d:9.1f}")
    return rows


if __name__ == "__main__":
    main()
