"""Draw ConvScope's sample image (assets/sample.png) with numpy and Pillow, deterministically.

Why drawn rather than photographed: its licence is ours to give (CC0, see assets/README.md),
it is tiny, and it holds exactly what makes conv filters visible on a small picture:

* a smooth colour gradient as the background (blur barely changes it; edge filters give ~0),
* hard-edged shapes in pure colours (a red disc, a green square, a blue triangle): edge and
  emboss filters outline them, and each colour lives in one input channel, so grouped and
  depthwise convs (channels kept apart) look different from standard ones (channels summed),
* thin black and white stripes of 1, 2 and 4 px: blur wipes out the finest, stride 2 aliases
  them, dilation skips over them,
* a checkerboard and a little seeded noise: sharpen boosts both, blur smooths both.

Run ``python tools/make_sample_image.py`` to regenerate; the pixels are always the same
(fixed seed, no timestamps), which tests/test_image.py checks against the committed file.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

SIZE = 128
OUT = Path(__file__).resolve().parent.parent / "assets" / "sample.png"


def sample_array(size: int = SIZE) -> np.ndarray:
    """The sample as a ``(size, size, 3)`` uint8 RGB array."""
    y, x = np.mgrid[0:size, 0:size] / (size - 1)
    # background: a diagonal gradient, warm at the top left, cool at the bottom right
    bg = np.stack([0.85 - 0.45 * x, 0.55 + 0.25 * y - 0.2 * x, 0.35 + 0.5 * (x + y) / 2], -1)
    img = Image.fromarray(np.round(np.clip(bg, 0, 1) * 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    s = size / 128  # everything below is laid out on a 128-px grid
    draw.ellipse([8 * s, 8 * s, 56 * s, 56 * s], fill=(230, 20, 20))
    draw.rectangle([72 * s, 10 * s, 116 * s, 54 * s], fill=(20, 200, 40))
    draw.polygon([(14 * s, 118 * s), (58 * s, 118 * s), (36 * s, 72 * s)], fill=(30, 40, 230))
    # stripes of 1, 2 and 4 px (vertical), black on white
    for left, width in [(68, 1), (84, 2), (100, 4)]:
        for i in range(0, int(14 * s), 2 * width):
            x0 = left * s + i
            draw.rectangle([x0, 68 * s, x0 + width - 1, 92 * s], fill=(0, 0, 0))
        draw.rectangle([left * s - 1, 66 * s, left * s + 14 * s, 67 * s], fill=(255, 255, 255))
    # a checkerboard of 4-px squares
    for i in range(int(24 * s) // 4):
        for j in range(int(48 * s) // 4):
            if (i + j) % 2 == 0:
                top, left = 98 * s + 4 * i, 68 * s + 4 * j
                draw.rectangle([left, top, left + 3, top + 3], fill=(250, 250, 250))
    out = np.asarray(img).astype(np.int16)
    noise = np.random.default_rng(15).integers(-6, 7, size=out.shape)
    return np.clip(out + noise, 0, 255).astype(np.uint8)


def sample_png(size: int = SIZE) -> bytes:
    """The sample encoded as PNG (no metadata chunks, so the bytes never change)."""
    buf = io.BytesIO()
    Image.fromarray(sample_array(size), "RGB").save(buf, "PNG", optimize=True)
    return buf.getvalue()


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    data = sample_png()
    OUT.write_bytes(data)
    print(f"wrote {OUT} ({len(data):,} bytes, {SIZE}×{SIZE} RGB)")


if __name__ == "__main__":
    main()
