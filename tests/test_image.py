"""lib.image: every kind of bad upload is refused with a message naming what is wrong, every
odd-but-usable one is converted with a note, and nothing is ever written to disk.

Every test file is made here with Pillow (no binary fixtures); only the committed sample
(assets/sample.png) is read, and checked against the script that draws it.
"""

from __future__ import annotations

import io
import os
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lib.image import MAX_BYTES, MAX_SIDE, MIN_SIDE, ImageError, LoadedImage, load_image
from tools.make_sample_image import SIZE, sample_array

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "assets" / "sample.png"


def encode(img: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def noise(h: int, w: int, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), "RGB")


def refused(data: bytes) -> str:
    with pytest.raises(ImageError) as info:
        load_image(data)
    return str(info.value)


# ---------------------------------------------------------------------------
# The sample
# ---------------------------------------------------------------------------

def test_the_committed_sample_has_exactly_the_scripts_pixels():
    data = SAMPLE.read_bytes()
    assert len(data) < 50_000
    with Image.open(io.BytesIO(data)) as img:
        assert (img.format, img.mode, img.size) == ("PNG", "RGB", (SIZE, SIZE))
        assert np.array_equal(np.asarray(img), sample_array())


def test_the_sample_loads_unchanged_as_rgb():
    img = load_image(SAMPLE.read_bytes())
    assert img.shape == (SIZE, SIZE, 3) and img.mode == "RGB" and img.notes == ()
    assert img.pixels.dtype == np.float32
    assert np.array_equal(img.as_uint8(), sample_array())
    assert img.channel_names == ("red", "green", "blue")


def test_the_sample_has_something_for_every_filter_to_do():
    """Pure-colour shapes (one channel each), fine stripes and a smooth background."""
    a = sample_array().astype(float)
    red_disc, green_square = a[32, 32], a[32, 94]
    assert red_disc[0] > 200 and red_disc[1:].max() < 50
    assert green_square[1] > 180 and green_square[[0, 2]].max() < 60
    stripes = a[80, 68:82, 0]
    assert stripes.max() - stripes.min() > 120  # 1-px black stripes on the background


# ---------------------------------------------------------------------------
# Refused, each with a message naming what is wrong
# ---------------------------------------------------------------------------

def test_not_an_image():
    message = refused(b"hello, this is a text file\n")
    assert "not a PNG or JPEG image" in message


@pytest.mark.parametrize("fmt, what", [("GIF", "GIF"), ("BMP", "BMP"), ("TIFF", "TIFF")])
def test_other_image_formats_are_named(fmt, what):
    message = refused(encode(noise(16, 16), fmt))
    assert f"a {what} image" in message and "PNG or JPEG" in message


def test_a_png_file_name_does_not_matter_only_the_bytes():
    assert "PDF" in refused(b"%PDF-1.7\n...")


def test_empty_file():
    assert "empty (0 bytes)" in refused(b"")


def test_corrupt_png_header():
    data = bytearray(encode(noise(32, 32)))
    data[12:16] = b"XXXX"  # the IHDR chunk's name
    message = refused(bytes(data))
    assert "PNG file is corrupt" in message


def test_corrupt_png_pixels():
    """A valid header, but the compressed pixel data is garbage."""
    data = encode(noise(32, 32))
    start = data.index(b"IDAT") + 4
    broken = data[:start] + bytes(b ^ 0x5A for b in data[start:start + 200]) + data[start + 200:]
    message = refused(broken)
    assert "PNG file is corrupt" in message


def test_truncated_jpeg():
    data = encode(noise(96, 96), "JPEG", quality=90)
    message = refused(data[: len(data) // 3])
    assert "JPEG file is corrupt or cut short" in message


def test_truncated_png():
    data = encode(noise(64, 64))
    assert "PNG file is corrupt or cut short" in refused(data[: len(data) // 2])


def test_over_one_megabyte():
    data = encode(noise(700, 700))  # random pixels do not compress
    assert len(data) > MAX_BYTES
    message = refused(data)
    assert f"{len(data):,} bytes" in message and "the limit is 1 MB (1,048,576 bytes)" in message


def test_exactly_the_limit_is_read_but_one_byte_more_is_not():
    data = encode(noise(64, 64))
    padded = data + b"\x00" * (MAX_BYTES - len(data))  # trailing bytes after IEND
    assert len(padded) == MAX_BYTES
    assert load_image(padded).shape == (64, 64, 3)
    assert "the limit is 1 MB" in refused(padded + b"\x00")


@pytest.mark.parametrize("size", [(1, 1), (1, 50), (50, 1), (MIN_SIDE - 1, MIN_SIDE - 1)])
def test_too_small(size):
    message = refused(encode(Image.new("RGB", size, (9, 9, 9))))
    assert f"{size[0]}×{size[1]} pixels" in message and "too small" in message
    assert f"at least {MIN_SIDE}×{MIN_SIDE}" in message


def test_the_smallest_accepted_size():
    assert load_image(encode(noise(MIN_SIDE, MIN_SIDE))).shape == (MIN_SIDE, MIN_SIDE, 3)


def test_too_thin_once_shrunk():
    message = refused(encode(Image.new("RGB", (2000, 20), (9, 9, 9))))
    assert "2000×20" in message and "256×3" in message and "too thin" in message


def test_a_decompression_bomb_is_refused_before_decoding():
    data = encode(Image.new("L", (6000, 6000)))  # 36 M pixels in ~35 KB
    assert len(data) < MAX_BYTES
    message = refused(data)
    assert "6,000×6,000 = 36,000,000 pixels" in message


def test_wrong_type():
    with pytest.raises(ImageError, match="Expected the file's bytes, got str"):
        load_image("assets/sample.png")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Accepted, converted with a note
# ---------------------------------------------------------------------------

def test_sixteen_bit_greyscale_png_is_scaled_not_clipped():
    values = (np.arange(24 * 24).reshape(24, 24) * 100).astype(np.uint16)  # 0 … 57,500
    data = encode(Image.fromarray(values))
    img = load_image(data)
    assert img.shape == (24, 24, 1) and img.mode == "L"
    assert np.allclose(img.pixels[:, :, 0], values / 65535, atol=1e-6)
    assert any("16-bit greyscale" in n for n in img.notes)


def test_sixteen_bit_rgb_png_is_noted():
    """16 bits per channel RGB (written by hand: Pillow cannot save it) reads at 8 bits."""
    h = w = 16
    rows = b"".join(b"\x00" + np.full((w, 3), 40000, ">u2").tobytes() for _ in range(h))

    def chunk(name: bytes, body: bytes) -> bytes:
        return (len(body).to_bytes(4, "big") + name + body
                + zlib.crc32(name + body).to_bytes(4, "big"))
    ihdr = w.to_bytes(4, "big") + h.to_bytes(4, "big") + bytes([16, 2, 0, 0, 0])
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))
    img = load_image(data)
    assert img.shape == (16, 16, 3)
    assert np.allclose(img.pixels, 40000 / 65535, atol=1 / 255)
    assert any("16 bits per channel" in n for n in img.notes)


def test_palette_png_becomes_rgb():
    rgb = Image.new("RGB", (20, 20), (200, 10, 10))
    img = load_image(encode(rgb.convert("P", palette=Image.Palette.ADAPTIVE)))
    assert img.mode == "RGB" and img.shape == (20, 20, 3)
    assert np.allclose(img.pixels[0, 0], np.array([200, 10, 10]) / 255, atol=0.02)
    assert any("Palette" in n and "RGB" in n for n in img.notes)


def test_palette_png_with_transparency_is_flattened_onto_white():
    pal = Image.new("P", (20, 20), 0)
    pal.putpalette([10, 20, 30, 200, 0, 0])
    pal.paste(1, (0, 0, 10, 20))
    img = load_image(encode(pal, transparency=0))  # palette entry 0 transparent
    assert np.allclose(img.pixels[5, 15], 1.0)            # transparent -> white
    assert np.allclose(img.pixels[5, 5], np.array([200, 0, 0]) / 255)
    assert any("alpha" in n for n in img.notes)


def test_cmyk_jpeg_becomes_rgb():
    img = load_image(encode(Image.new("CMYK", (24, 24), (0, 255, 255, 0)), "JPEG"))
    assert img.mode == "RGB" and img.shape == (24, 24, 3)
    r, g, b = img.pixels[12, 12]
    assert r > 0.9 and g < 0.1 and b < 0.1  # no cyan, full magenta + yellow = red
    assert any("CMYK" in n for n in img.notes)


def test_rgba_is_composited_onto_white():
    rgba = Image.new("RGBA", (20, 20), (255, 0, 0, 0))   # fully transparent red
    rgba.paste((0, 0, 255, 255), (0, 0, 10, 20))         # opaque blue left half
    img = load_image(encode(rgba))
    assert img.mode == "RGB" and img.shape == (20, 20, 3)
    assert np.allclose(img.pixels[5, 15], 1.0)
    assert np.allclose(img.pixels[5, 5], [0, 0, 1])
    assert any("alpha" in n and "white" in n for n in img.notes)


def test_greyscale_stays_one_channel():
    img = load_image(encode(Image.new("L", (20, 30), 100)))
    assert img.shape == (30, 20, 1) and img.mode == "L" and img.channel_names == ("grey",)
    assert np.allclose(img.pixels, 100 / 255)
    assert any("c = 1" in n for n in img.notes)


def test_grey_with_alpha_stays_grey():
    img = load_image(encode(Image.new("LA", (20, 20), (0, 0))))
    assert img.mode == "L" and np.allclose(img.pixels, 1.0)


def test_one_bit_becomes_greyscale():
    img = load_image(encode(Image.new("1", (16, 16), 1)))
    assert img.mode == "L" and np.allclose(img.pixels, 1.0)
    assert any("1-bit" in n for n in img.notes)


@pytest.mark.parametrize("orientation, size, red_at", [
    (1, (20, 40), (5, 10)),    # as stored: 40 wide, 20 high; red left half
    (6, (40, 20), (10, 10)),   # stored rotated 90° counter-clockwise: shown turned clockwise
    (8, (40, 20), (30, 10)),   # ... and the other way round
    (3, (20, 40), (5, 30)),    # upside down: red on the right
])
def test_exif_orientation_is_applied(orientation, size, red_at):
    """Stored 40×20 with a red left half; the tag says how to turn it upright."""
    stored = Image.new("RGB", (40, 20), (0, 0, 255))
    stored.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = orientation
    img = load_image(encode(stored, "JPEG", exif=exif, quality=95))
    assert img.shape[:2] == size
    row, col = red_at
    assert img.pixels[row, col, 0] > 0.8 and img.pixels[row, col, 2] < 0.2
    assert any("EXIF orientation" in n for n in img.notes) == (orientation != 1)
    assert img.stored_size == (40, 20)


def test_large_images_are_shrunk_to_256_on_the_long_side():
    img = load_image(encode(Image.new("RGB", (1000, 800), (1, 2, 3))))
    assert img.shape == (205, 256, 3) and max(img.shape[:2]) == MAX_SIDE
    assert any("Shrunk from 1000×800 to 256×205" in n for n in img.notes)


def test_a_large_jpeg_is_shrunk_too():
    data = encode(noise(600, 900, seed=3), "JPEG", quality=70)
    assert len(data) <= MAX_BYTES
    assert load_image(data).shape == (171, 256, 3)


def test_the_result_is_frozen():
    img = load_image(SAMPLE.read_bytes())
    assert isinstance(img, LoadedImage)
    with pytest.raises(AttributeError):
        img.mode = "L"  # type: ignore[misc]


# ---------------------------------------------------------------------------
# Nothing written to disk
# ---------------------------------------------------------------------------

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_opened: list[tuple[str, str]] = []
_watching = [False]


def _audit(event: str, args: tuple) -> None:
    if not _watching[0]:
        return
    if event == "open":
        path, mode, flags = args
        writes = (isinstance(mode, str) and any(m in mode for m in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS)
        if writes:
            _opened.append((str(path), str(mode)))
    elif event in ("os.rename", "os.remove", "os.mkdir", "shutil.copyfile", "tempfile.mkstemp",
                   "tempfile.mkdtemp"):
        _opened.append((event, repr(args)[:80]))


sys.addaudithook(_audit)  # audit hooks cannot be removed; _watching switches it off


def test_nothing_is_written_to_disk(tmp_path, monkeypatch):
    """Every upload kind, good and bad, under an audit hook that records every file opened
    for writing (and every rename, remove, mkdir, temp file), in an empty working folder."""
    uploads = [
        SAMPLE.read_bytes(), encode(noise(700, 700)), encode(noise(96, 96), "JPEG")[:900],
        encode(Image.new("CMYK", (24, 24)), "JPEG"), encode(Image.new("RGB", (1, 1))),
        encode(Image.new("RGBA", (300, 300))), b"not an image",
        encode(Image.fromarray(np.zeros((20, 20), np.uint16))),
    ]
    for data in uploads:  # warm up: Pillow imports its plugins lazily (imports read files)
        try:
            load_image(data)
        except ImageError:
            pass
    monkeypatch.chdir(tmp_path)
    _opened.clear()
    _watching[0] = True
    try:
        for data in uploads:
            try:
                load_image(data)
            except ImageError:
                pass
    finally:
        _watching[0] = False
    assert _opened == []
    assert list(tmp_path.iterdir()) == []


def test_the_audit_hook_would_see_a_write(tmp_path):
    """The hook above can fail: a write under it is recorded."""
    _opened.clear()
    _watching[0] = True
    try:
        (tmp_path / "x.png").write_bytes(b"x")
    finally:
        _watching[0] = False
    assert _opened and _opened[0][0].endswith("x.png")
